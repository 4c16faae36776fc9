//! The event log: the run narrated in plain words, newest first; also an ARIA live region.

use yew::prelude::*;

/// How a log line should stand out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tone {
    /// Routine: messages, timers.
    Routine,
    /// Worth reading: protocol decisions, crashes, network changes.
    Notable,
    /// A monitor found a violation, or an action was refused.
    Alarm,
}

/// One narrated event.
#[derive(Clone, Debug, PartialEq)]
pub struct LogLine {
    /// The trace index, which keys the line.
    pub index: usize,
    /// When, already formatted.
    pub at: String,
    /// What happened.
    pub text: String,
    /// How it stands out.
    pub tone: Tone,
}

/// Properties of [`EventLog`].
#[derive(Properties, PartialEq)]
pub struct EventLogProps {
    /// The lines to show, oldest first.
    pub lines: Vec<LogLine>,
    /// Whether routine lines are included.
    pub routine: bool,
    /// Show or hide routine lines.
    pub on_toggle_routine: Callback<()>,
}

/// The narrated event log.
#[component]
pub fn EventLog(props: &EventLogProps) -> Html {
    let toggle = props.on_toggle_routine.reform(|_: Event| ());
    let items = props.lines.iter().rev().map(|line| {
        let class = match line.tone {
            Tone::Routine => "routine",
            Tone::Notable => "notable",
            Tone::Alarm => "alarm",
        };
        html! {
            <li key={line.index} {class}>
                <time>{ &line.at }</time>
                { if line.tone == Tone::Alarm { "⚠ " } else { "" } }
                { &line.text }
            </li>
        }
    });
    html! {
        <section class="panel log" aria-labelledby="log-title">
            <header>
                <h2 id="log-title">{ "Event log" }</h2>
                <label>
                    <input type="checkbox" checked={props.routine} onchange={toggle} />
                    { " messages and timers" }
                </label>
            </header>
            <ol aria-live="polite" aria-relevant="additions">{ for items }</ol>
        </section>
    }
}
