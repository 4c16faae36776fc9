//! What every lab reuses: the topology drawing, the transport bar, number fields, the event
//! log, the shortcut help, downloads, the panic panel, and the lab frame that holds them.

pub mod controls;
pub mod export;
pub mod fatal;
pub mod field;
pub mod help;
pub mod lab;
pub mod log;
pub mod topology;

use netsplit_sim::{MsgId, NodeId};

/// What the user has selected in a lab.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Selection {
    /// Nothing.
    #[default]
    Nothing,
    /// A node.
    Node(NodeId),
    /// A message in flight.
    Message(MsgId),
}

/// The speeds the speed control steps through, as multiples of the base rate.
pub const SPEEDS: [f64; 9] = [0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 7.5, 10.0];
/// The same speeds as shown to people.
pub const SPEED_LABELS: [&str; 9] = [
    "0.1×", "0.25×", "0.5×", "1×", "2×", "3×", "5×", "7.5×", "10×",
];

/// Virtual milliseconds per real millisecond at 1×: slow motion, so messages can be followed.
pub const BASE_RATE: f64 = 0.2;

/// Writes `v` rounded to one decimal, the precision drawings and readings use.
pub fn tenths(v: f64) -> String {
    netsplit_sim::decimal(v, 1)
}

/// Milliseconds since the page loaded, from the browser's monotonic clock.
pub fn now_ms() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map_or(0.0, |p| p.now())
}

/// True when the user asked the system for less motion.
pub fn prefers_reduced_motion() -> bool {
    web_sys::window()
        .and_then(|w| {
            w.match_media("(prefers-reduced-motion: reduce)")
                .ok()
                .flatten()
        })
        .is_some_and(|q| q.matches())
}

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
