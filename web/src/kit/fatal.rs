//! The error panel a panic leaves behind instead of a blank page.

use wasm_bindgen::JsCast;

/// Makes every panic show its message in the page's `#fatal` panel (and the console).
///
/// It goes through Yew, which otherwise installs its own console-only hook when it starts.
pub fn install_panic_panel() {
    yew::set_custom_panic_hook(Box::new(|info| {
        let message = info.to_string();
        web_sys::console::error_1(&message.clone().into());
        let panel = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.get_element_by_id("fatal"));
        if let Some(panel) = panel {
            if let Some(text) = panel.query_selector("pre").ok().flatten() {
                text.set_text_content(Some(&message));
            }
            if let Ok(panel) = panel.dyn_into::<web_sys::HtmlElement>() {
                panel.set_hidden(false);
            }
        }
    }));
}
