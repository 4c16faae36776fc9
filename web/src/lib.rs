//! # netsplit-web: the labs, animated
//!
//! The Yew front end. It owns no protocol logic: each lab holds a deterministic simulator from
//! the core crates, advances it as real time passes (scaled by the speed control), and draws
//! [`netsplit_sim::Snapshot`]s. Everything the user does becomes a timed
//! [`netsplit_sim::Action`], so the run on screen is always a replayable scenario.
//!
//! ```text
//!   requestAnimationFrame ──▶ lab.update(Frame) ──▶ sim.run_until(now + dt × speed)
//!   click / key ───────────▶ lab.update(..)     ──▶ sim.act(Action)      (recorded)
//!   view() ◀── snapshot: nodes, messages in flight, trace narration, monitor verdicts
//! ```
//!
//! Each lab is a module of its own (`src/bin/<slug>.rs` names its [`labs::Page`]), so a page
//! downloads only its lab; `src/main.rs` holds every lab in one module, for `trunk serve`.
//! `kit/` holds what every lab reuses (topology drawing, transport controls, event log,
//! shortcut help); `labs/` holds one module per lab. A panic shows an error panel instead of
//! leaving a blank page. This crate is the only one that touches web-sys.

mod app;

/// Talc in place of the standard allocator: a few kilobytes less in every lab's module, and
/// quicker, for a run that allocates on every event.
#[cfg(target_family = "wasm")]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();
mod kit;
pub mod labs;
mod session;

use app::{App, AppProps, ThemeSwitch};
use labs::Page;

/// Starts a page holding the one lab `page`, under the header its HTML already drew.
pub fn start(page: &'static Page) {
    kit::fatal::install_panic_panel();
    if let Some(slot) = element("theme") {
        yew::Renderer::<ThemeSwitch>::with_root(slot).render();
    }
    let pages = std::slice::from_ref(page);
    yew::Renderer::<App>::with_root_and_props(app_root(), AppProps { pages }).render();
}

/// Starts the app with every lab, each behind a tab.
pub fn start_all() {
    kit::fatal::install_panic_panel();
    let pages = labs::PAGES;
    yew::Renderer::<App>::with_root_and_props(app_root(), AppProps { pages }).render();
}

/// The app gets a root of its own, so the page's error panel stays beside it.
fn app_root() -> web_sys::Element {
    element("app").expect("the page has an element with id \"app\"")
}

fn element(id: &str) -> Option<web_sys::Element> {
    web_sys::window()?.document()?.get_element_by_id(id)
}
