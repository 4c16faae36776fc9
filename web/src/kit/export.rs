//! Downloads: the current view as SVG or PNG, and the run: a network lab's trace narrated as
//! text, a step lab's steps as JSON.
//!
//! JSON is written by the browser's own `JSON.stringify` from the value serde-wasm-bindgen
//! builds, so that no JSON library is part of the download. A network lab's trace is written as
//! its log narrates it, one line per record, as `netsplit run --narrate` prints it: the code is
//! already in the module (its JSON writer would add about 6 KiB to every network lab's page),
//! and the command line's `--json` gives the same run as JSON from its link.

use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;

/// What the user can download.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Export {
    /// The topology as a standalone SVG, with the page's styles inside.
    Svg,
    /// The same, drawn into a PNG.
    Png,
    /// The run so far: a network lab's trace as text, a step lab's steps as JSON.
    Trace,
}

/// `value` as indented JSON, in the shape the command line's `--json` writes.
pub fn to_json<T: serde::Serialize + ?Sized>(value: &T) -> Result<String, String> {
    let serializer = serde_wasm_bindgen::Serializer::new().serialize_maps_as_objects(true);
    let value = value.serialize(&serializer).map_err(|e| e.to_string())?;
    js_sys::JSON::stringify_with_replacer_and_space(&value, &wasm_bindgen::JsValue::NULL, &2.into())
        .map(String::from)
        .map_err(|_| "the browser could not write it as JSON".to_string())
}

/// Offers `content` to the user as a file called `name`.
pub fn download_text(name: &str, mime: &str, content: &str) {
    let parts = js_sys::Array::of1(&content.into());
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    if let Ok(blob) = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options) {
        download_blob(name, &blob);
    }
}

fn download_blob(name: &str, blob: &web_sys::Blob) {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let Ok(url) = web_sys::Url::create_object_url_with_blob(blob) else {
        return;
    };
    if let Ok(anchor) = document.create_element("a") {
        let anchor: web_sys::HtmlAnchorElement = anchor.unchecked_into();
        anchor.set_href(&url);
        anchor.set_download(name);
        anchor.click();
    }
    let _ = web_sys::Url::revoke_object_url(&url);
}

/// The drawing matched by `selector` as a standalone SVG document: the element with the page's
/// style rules inside, so that it looks the same wherever it is opened.
pub fn view_as_svg(selector: &str) -> Option<String> {
    let document = web_sys::window()?.document()?;
    let svg = document.query_selector(selector).ok()??;
    let mut css = String::new();
    let sheets = document.style_sheets();
    for i in 0..sheets.length() {
        let sheet = sheets
            .item(i)
            .and_then(|s| s.dyn_into::<web_sys::CssStyleSheet>().ok());
        if let Some(rules) = sheet.and_then(|s| s.css_rules().ok()) {
            for j in 0..rules.length() {
                if let Some(rule) = rules.item(j) {
                    css.push_str(&rule.css_text());
                    css.push('\n');
                }
            }
        }
    }
    let (width, height) = (svg.client_width().max(440), svg.client_height().max(440));
    let inner = svg.inner_html();
    let view_box = svg.get_attribute("viewBox").unwrap_or_default();
    let class = svg.get_attribute("class").unwrap_or_default();
    Some(format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"{class}\" viewBox=\"{view_box}\" width=\"{width}\" height=\"{height}\"><style>{}</style><rect width=\"100%\" height=\"100%\" fill=\"var(--bg)\"/>{inner}</svg>",
        css.replace("</style", "")
    ))
}

/// Offers the drawing matched by `selector` as `{stem}.svg`, or as `{stem}.png` when `png`.
pub fn download_drawing(selector: &str, stem: &str, png: bool) {
    if let Some(svg) = view_as_svg(selector) {
        if png {
            download_png(&format!("{stem}.png"), &svg);
        } else {
            download_text(&format!("{stem}.svg"), "image/svg+xml", &svg);
        }
    }
}

/// Draws `svg` into a canvas and offers it as a PNG called `name`.
pub fn download_png(name: &str, svg: &str) {
    let parts = js_sys::Array::of1(&svg.into());
    let options = web_sys::BlobPropertyBag::new();
    options.set_type("image/svg+xml");
    let Ok(blob) = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options) else {
        return;
    };
    let (Ok(url), Ok(image)) = (
        web_sys::Url::create_object_url_with_blob(&blob),
        web_sys::HtmlImageElement::new(),
    ) else {
        return;
    };
    let name = name.to_string();
    let loaded = image.clone();
    let source = url.clone();
    let onload = Closure::once_into_js(move || {
        let _ = web_sys::Url::revoke_object_url(&source);
        let Some(document) = web_sys::window().and_then(|w| w.document()) else {
            return;
        };
        let Some(canvas) = document
            .create_element("canvas")
            .ok()
            .and_then(|c| c.dyn_into::<web_sys::HtmlCanvasElement>().ok())
        else {
            return;
        };
        // Twice the size, for sharp images on high-density screens.
        canvas.set_width(loaded.natural_width() * 2);
        canvas.set_height(loaded.natural_height() * 2);
        let context = canvas
            .get_context("2d")
            .ok()
            .flatten()
            .and_then(|c| c.dyn_into::<web_sys::CanvasRenderingContext2d>().ok());
        if let Some(context) = context {
            let _ = context.scale(2.0, 2.0);
            let _ = context.draw_image_with_html_image_element(&loaded, 0.0, 0.0);
            if let (Ok(data), Ok(anchor)) = (
                canvas.to_data_url_with_type("image/png"),
                document.create_element("a"),
            ) {
                let anchor: web_sys::HtmlAnchorElement = anchor.unchecked_into();
                anchor.set_href(&data);
                anchor.set_download(&name);
                anchor.click();
            }
        }
    });
    // The closure runs once, when the image has loaded, and is freed then.
    image.set_onload(Some(onload.unchecked_ref()));
    image.set_src(&url);
}
