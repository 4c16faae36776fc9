//! The error panel a panic leaves behind instead of a blank page.

use wasm_bindgen::{JsCast, JsValue};

/// Makes every panic show its message in the page's error panel (and the console).
///
/// The panel and what it offers are the page's (`netsplitFatal` in its HTML), since a trap in
/// the module reaches it without any Rust code running. The hook goes through Yew, which
/// otherwise installs its own console-only hook when it starts.
pub fn install_panic_panel() {
    yew::set_custom_panic_hook(Box::new(|info| {
        let message = JsValue::from(info.to_string());
        web_sys::console::error_1(&message);
        let show = web_sys::window()
            .and_then(|w| js_sys::Reflect::get(&w, &"netsplitFatal".into()).ok())
            .and_then(|fatal| js_sys::Reflect::get(&fatal, &"show".into()).ok())
            .and_then(|show| show.dyn_into::<js_sys::Function>().ok());
        if let Some(show) = show {
            let _ = show.call1(&JsValue::NULL, &message);
        }
    }));
}
