//! The page of a network lab: intro and presets, transport, timeline, the stage with its
//! inspector and checks, the lab's own panel, network, parameters and log, and the line under
//! it; or, embedded, the stage and a strip of the chosen controls.

use yew::prelude::*;

use crate::kit::embed::Embed;
use crate::kit::help::ShortcutHelp;
use crate::kit::lab::Controls;
use crate::kit::log::{EventLog, LogLine};
use crate::kit::presets::{PresetEntry, preset_picker};
use crate::kit::share::{link_problem, run_facts, share_dialog};
use crate::kit::transport::Transport;

/// Everything on a lab's page, put together by the lab and drawn by [`frame`].
pub struct Frame<'a> {
    pub(crate) slug: &'static str,
    pub(crate) intro: Html,
    pub(crate) presets: &'a [PresetEntry],
    pub(crate) preset: Option<usize>,
    pub(crate) playing: bool,
    pub(crate) speed: usize,
    pub(crate) now: String,
    pub(crate) seed: u64,
    pub(crate) error: Option<&'a str>,
    pub(crate) problem: Option<&'a str>,
    /// False in the first frame, which leaves out what lies below the fold.
    pub(crate) settled: bool,
    pub(crate) banner: Html,
    pub(crate) topology: Html,
    pub(crate) legend: Html,
    pub(crate) inspector: Html,
    pub(crate) invariants: Html,
    pub(crate) below: Html,
    pub(crate) network: Html,
    pub(crate) params: Html,
    pub(crate) log: Vec<LogLine>,
    pub(crate) routine: bool,
    pub(crate) facts: String,
    pub(crate) help: Option<Vec<(&'static str, &'static str)>>,
    pub(crate) timeline: Html,
    pub(crate) share: Option<(&'a str, u64)>,
    pub(crate) embed: Option<&'a Embed>,
}

/// The page of a network lab.
pub fn frame(f: Frame<'_>, c: &Controls) -> Html {
    if let Some(embed) = f.embed {
        return embedded_frame(f, embed, c);
    }
    html! {
        <div class={classes!("lab", f.slug)}>
            { link_problem(f.problem) }
            <div class="lab-intro">
                { f.intro }
                { preset_picker(
                    "Scenario",
                    f.presets,
                    f.preset,
                    ("(this run)", "A shared or restored run: its own parameters, seed and actions. Pick a scenario to start afresh."),
                    c.preset.clone(),
                ) }
            </div>
            <Transport
                playing={f.playing}
                speed={f.speed}
                now={AttrValue::from(f.now)}
                seed={f.seed}
                on_play={c.play.clone()}
                on_step={c.step.clone()}
                on_reset={c.reset.clone()}
                on_to_end={c.to_end.clone()}
                on_speed={c.speed.clone()}
                on_seed={c.seed.clone()}
            />
            { f.timeline }
            if let Some(error) = f.error {
                <p class="error" role="alert">{ error }</p>
            }
            <div class="lab-grid">
                <section class="stage" aria-label="Cluster view">
                    { f.banner }
                    { f.topology }
                    <p class="legend">{ f.legend }</p>
                </section>
                <div class="side">
                    { f.inspector }
                    { f.invariants }
                </div>
            </div>
            if f.settled {
                { f.below }
                <div class="lab-panels">
                    { f.network }
                    <section class="panel params" aria-labelledby="params-title">
                        <h2 id="params-title">{ "Parameters" }</h2>
                        <p class="hint">{ "Changing these restarts the run." }</p>
                        { f.params }
                    </section>
                    <EventLog lines={f.log} routine={f.routine} on_toggle_routine={c.routine.clone()} />
                </div>
                { run_facts(html! { f.facts }, ("run", "trace (text)"), &c.share, &c.export, &c.help) }
            }
            if let Some(shortcuts) = f.help {
                <ShortcutHelp {shortcuts} on_close={c.help.reform(|()| false)} />
            }
            if let Some((link, hash)) = f.share {
                { share_dialog(link, Some(hash), c.share.reform(|_: MouseEvent| false)) }
            }
        </div>
    }
}

/// An embedded lab: the view, a small strip of the chosen controls, and with the `panel`
/// control the lab's panel under the view (Raft's logs, Paxos's acceptors, the CRDT replicas).
fn embedded_frame(f: Frame<'_>, embed: &Embed, c: &Controls) -> Html {
    html! {
        <div class={classes!("lab", "embedded", f.slug)}>
            { link_problem(f.problem) }
            { f.banner }
            { f.topology }
            <div class="strip" role="toolbar" aria-label="Run controls">
                if embed.shows("play") {
                    <button class="primary" onclick={c.play.reform(|_: MouseEvent| ())}>{ if f.playing { "❚❚ Pause" } else { "▶ Play" } }</button>
                }
                if embed.shows("step") {
                    <button onclick={c.step.reform(|_: MouseEvent| ())}>{ "Step" }</button>
                }
                <span class="clock">{ format!("t = {}", f.now) }</span>
                <button class="link" onclick={c.open_full.reform(|_: MouseEvent| ())}>{ "Open in Netsplit ↗" }</button>
            </div>
            if embed.shows("timeline") {
                { f.timeline }
            }
            if embed.shows("panel") {
                { f.below }
            }
        </div>
    }
}
