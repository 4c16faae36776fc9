//! The keyboard: one listener for the whole page, the test for keys meant for a form field,
//! and the shortcuts every network lab shares.

/// The shortcuts every lab shares.
pub const SHARED_SHORTCUTS: [(&str, &str); 20] = [
    ("Space", "play or pause"),
    (". or →", "run the next event"),
    (", or ←", "go back one event"),
    ("v", "run to the next violation"),
    (
        "u",
        "undo acting in the past (bring back the later actions)",
    ),
    ("s", "share this run as a link"),
    ("e", "run to the end of the scenario"),
    ("r", "reset to the start"),
    ("+ / -", "faster / slower"),
    ("0 – 9", "select node n0 – n9"),
    ("c", "crash or restart the selected node"),
    ("z", "pause the selected node's process for 3 s"),
    ("j / b", "move the selected node's clock 5 s ahead / back"),
    (
        "f",
        "make the selected node's clock run 1.5× fast, or on time again",
    ),
    ("[ / ]", "select the previous / next message in flight"),
    ("d", "drop the selected message"),
    ("h", "hold or release the selected message"),
    ("n", "deliver the selected message now"),
    ("l", "show or hide messages and timers in the log"),
    (
        "Esc / ?",
        "stop on the way to a moment, clear the selection, close / show this list",
    ),
];

/// Hands every key pressed on the page to `on_key`, until the listener is dropped. It is not
/// passive: shortcuts call preventDefault, so Space does not scroll the page.
pub fn listen_for_keys(
    on_key: yew::Callback<web_sys::KeyboardEvent>,
) -> Option<gloo_events::EventListener> {
    use wasm_bindgen::JsCast;
    let document = web_sys::window()?.document()?;
    let options = gloo_events::EventListenerOptions::enable_prevent_default();
    Some(gloo_events::EventListener::new_with_options(
        &document,
        "keydown",
        options,
        move |e| {
            if let Some(e) = e.dyn_ref::<web_sys::KeyboardEvent>() {
                on_key.emit(e.clone());
            }
        },
    ))
}

/// True when a key press should go to a form field rather than to the lab's shortcuts.
pub fn typing_in_field(event: &web_sys::KeyboardEvent) -> bool {
    use wasm_bindgen::JsCast;
    event
        .target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        .is_some_and(|el| matches!(el.tag_name().as_str(), "INPUT" | "SELECT" | "TEXTAREA"))
}
