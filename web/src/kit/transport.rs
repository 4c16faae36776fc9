//! The transport bar: play and pause, step, speed, reset, run to the end, and the seed.

use yew::prelude::*;

use crate::kit::SPEED_LABELS;
use crate::kit::field::NumberField;

/// Properties of [`Transport`].
#[derive(Properties, PartialEq)]
pub struct TransportProps {
    /// Whether the run is playing.
    pub playing: bool,
    /// The index into [`SPEEDS`].
    pub speed: usize,
    /// The current virtual time, already formatted.
    pub now: AttrValue,
    /// The seed.
    pub seed: u64,
    /// Play or pause.
    pub on_play: Callback<()>,
    /// Run the next event.
    pub on_step: Callback<()>,
    /// Back to the start.
    pub on_reset: Callback<()>,
    /// Run to the scenario's end.
    pub on_to_end: Callback<()>,
    /// Pick a speed by index.
    pub on_speed: Callback<usize>,
    /// A new seed, as typed; made once, so the seed field keeps what is being typed.
    pub on_seed: Callback<String>,
}

/// The transport bar.
#[component]
pub fn Transport(props: &TransportProps) -> Html {
    let on_play = props.on_play.reform(|_: MouseEvent| ());
    let on_step = props.on_step.reform(|_: MouseEvent| ());
    let on_reset = props.on_reset.reform(|_: MouseEvent| ());
    let on_to_end = props.on_to_end.reform(|_: MouseEvent| ());
    let on_speed = props.on_speed.reform(|e: InputEvent| {
        let input: web_sys::HtmlInputElement = e.target_unchecked_into();
        input.value().parse().unwrap_or(3)
    });
    let speed = SPEED_LABELS[props.speed.min(SPEED_LABELS.len() - 1)];
    html! {
        <div class="transport" role="toolbar" aria-label="Run controls">
            <button class="primary" onclick={on_play} aria-keyshortcuts="Space"
                title="Play or pause (Space)">
                { if props.playing { "❚❚ Pause" } else { "▶ Play" } }
            </button>
            <button onclick={on_step} aria-keyshortcuts="." title="Run the next event (.)">{ "Step" }</button>
            <button onclick={on_to_end} aria-keyshortcuts="e" title="Run to the end of the scenario (e)">{ "To end" }</button>
            <button onclick={on_reset} aria-keyshortcuts="r" title="Back to the start (r)">{ "↺ Reset" }</button>
            <label class="speed">
                { "Speed " }
                <input type="range" min="0" max={(SPEED_LABELS.len() - 1).to_string()} step="1"
                    value={props.speed.to_string()} oninput={on_speed}
                    aria-valuetext={speed} />
                <output>{ speed }</output>
            </label>
            <span class="seed">
                <NumberField label="Seed" value={props.seed} min={0} on_change={props.on_seed.clone()} />
            </span>
            <span class="clock" aria-label="virtual time">{ format!("t = {}", props.now) }</span>
        </div>
    }
}
