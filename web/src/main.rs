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
//! `kit/` holds what every lab reuses (topology drawing, transport controls, event log,
//! shortcut help); `labs/` holds one module per lab. A panic shows an error panel instead of
//! leaving a blank page. This crate is the only one that touches web-sys.

mod app;
mod kit;
mod labs;
mod session;

fn main() {
    kit::fatal::install_panic_panel();
    // The app gets a root of its own, so the page's error panel stays beside it.
    let root = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id("app"))
        .expect("index.html has an element with id \"app\"");
    yew::Renderer::<app::App>::with_root(root).render();
}
