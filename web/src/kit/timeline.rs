//! Timelines: a network run's moments (drag, step back, next violation, undo after a fork) and
//! a step lab's steps (an execution or a history, one step at a time).

use netsplit_sim::Time;
use yew::prelude::*;

use crate::kit::lab::Controls;
use crate::kit::tenths;
use crate::session::Mark;

/// The timeline of a network run: back one event, the track with a tick for every action and
/// violation, next violation, and undo when acting in the past dropped later actions.
pub fn timeline(
    now: Time,
    end: Time,
    marks: &[(Time, Mark)],
    undo: Option<usize>,
    c: &Controls,
) -> Html {
    let (now, end) = (now.0, end.0.max(now.0).max(1));
    let on_seek = c.seek.reform(|e: InputEvent| {
        let input: web_sys::HtmlInputElement = e.target_unchecked_into();
        input.value().parse().unwrap_or(0)
    });
    let ticks = marks.iter().map(|&(Time(at), mark)| {
        let left = format!("left: {}%", tenths(at as f64 * 100.0 / end as f64));
        let (class, title) = match mark {
            Mark::Action => ("tick action", format!("an action at {}", Time(at))),
            Mark::Violation => ("tick violation", format!("a violation at {}", Time(at))),
        };
        html! { <span {class} style={left} {title}></span> }
    });
    html! {
        <div class="timeline" role="group" aria-label="Timeline">
            <button onclick={c.step_back.reform(|_: MouseEvent| ())} aria-keyshortcuts="," title="Go back one event (,)">{ "◂ Back" }</button>
            <div class="track">
                <div class="ticks" aria-hidden="true">{ for ticks }</div>
                <input type="range" min="0" max={end.to_string()} step="1" value={now.to_string()}
                    oninput={on_seek} aria-label="Moment of the run"
                    aria-valuetext={Time(now).to_string()} />
            </div>
            <button onclick={c.next_violation.reform(|_: MouseEvent| ())} aria-keyshortcuts="v" title="Run to the next violation (v)">{ "Next violation ▸" }</button>
            if let Some(n) = undo {
                <button onclick={c.undo.reform(|_: MouseEvent| ())} aria-keyshortcuts="u">{ format!("Undo: bring back {n} later action{} (u)", if n == 1 { "" } else { "s" }) }</button>
            }
        </div>
    }
}

/// The timeline of a step lab: the step shown of `steps`, `now` saying what it is, and undo
/// (named by `undo`, "the later steps") when going back and acting dropped later steps.
pub fn step_timeline(
    shown: usize,
    steps: usize,
    now: &str,
    undo: Option<&str>,
    on_show: Callback<usize>,
    on_undo: Callback<()>,
) -> Html {
    let on_show = on_show.reform(|e: InputEvent| {
        let input: web_sys::HtmlInputElement = e.target_unchecked_into();
        input.value().parse().unwrap_or(0)
    });
    let text = format!("step {shown} of {steps}{now}");
    html! {
        <div class="timeline" role="group" aria-label="Steps">
            <div class="track">
                <input type="range" min="0" max={steps.to_string()} value={shown.to_string()} oninput={on_show}
                    aria-label="Step shown" aria-valuetext={text.clone()} />
            </div>
            <span class="step">{ text }</span>
            if let Some(what) = undo {
                <button onclick={on_undo.reform(|_: MouseEvent| ())} aria-keyshortcuts="u">{ format!("Undo: bring back {what} (u)") }</button>
            }
        </div>
    }
}
