//! The Vector clocks lab: build or generate an execution, see it as a space-time diagram, and
//! compare any two events by their clocks.
//!
//! Unlike the network labs it has no virtual time: a moment is a number of steps, and the
//! timeline travels through the steps that built the execution.

use netsplit_labs::clocks::{ClocksLab, ClocksScenario, execution_bytes};
use netsplit_labs::clocks::{
    EventId, EventKind, Execution, MessageId, Step, Verdict, export_shiviz, import_shiviz,
};
use netsplit_labs::{Selected, ShareState, ViewState};
use netsplit_sim::lab::{Lab, Preset, preset_of, whole_number};
use netsplit_sim::{Time, fnv1a};
use std::rc::Rc;
use yew::prelude::*;

use crate::kit::embed::{Embed, tell_height};
use crate::kit::export::{Export, download_drawing, download_text, to_json};
use crate::kit::help::ShortcutHelp;
use crate::kit::keys::{listen_for_keys, typing_in_field};
use crate::kit::lab::LabProps;
use crate::kit::presets::{PresetEntry, preset_menu, preset_picker};
use crate::kit::share::{
    Opening, copy_to_clipboard, link_problem, link_to, opening, run_facts, share_dialog,
};
use crate::kit::storage::store;
use crate::kit::tenths;
use crate::kit::timeline::step_timeline;

const ROW: f64 = 70.0;
const LEFT: f64 = 60.0;
const TOP: f64 = 40.0;

const SHORTCUTS: [(&str, &str); 11] = [
    ("← / →", "move to the previous / next event"),
    ("Enter", "select the event (first, then second to compare)"),
    ("Esc", "clear the selection, close this list"),
    ("l", "a local event on the chosen process"),
    (
        "m",
        "send a message from the chosen process to the chosen receiver",
    ),
    ("d", "deliver the oldest message in flight"),
    (", / .", "one step back / forward in time"),
    (
        "u",
        "undo a step taken in the past (bring back the later steps)",
    ),
    ("t", "show or hide Lamport times"),
    ("s", "share this execution"),
    ("?", "show this list"),
];

/// What the lab reacts to.
pub enum Msg {
    /// Load preset `n`.
    Preset(usize),
    /// A local event on the chosen process.
    Local,
    /// A message from the chosen process to the chosen receiver.
    Send,
    /// Deliver a message in flight.
    Deliver(MessageId),
    /// Choose the acting process.
    From(usize),
    /// Choose the receiver.
    To(usize),
    /// Click on an event: select it.
    Pick(EventId),
    /// Clear the selection.
    Clear,
    /// Show the first `n` steps.
    Show(usize),
    /// Bring back the steps that acting in the past dropped.
    Undo,
    /// Generation settings, as typed.
    Generate,
    /// A generation field changed: (which, text).
    GenField(GenField, String),
    /// The import text changed.
    ImportText(String),
    /// Read the import text as a ShiViz log.
    Import,
    /// Download the execution as a ShiViz log.
    Export,
    /// Download the view or the execution.
    Download(Export),
    /// Zoom: pixels per step.
    Zoom(u32),
    /// Show or hide Lamport times.
    ToggleLamport,
    /// Open or close the share dialog.
    Share(bool),
    /// Open or close the help.
    Help(bool),
    /// A key pressed anywhere.
    Key(web_sys::KeyboardEvent),
}

/// A field of the generator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GenField {
    /// The seed.
    Seed,
    /// How many processes.
    Processes,
    /// How many events.
    Events,
}

impl GenField {
    fn name(self) -> &'static str {
        match self {
            GenField::Seed => "the seed",
            GenField::Processes => "processes",
            GenField::Events => "events",
        }
    }
}

/// The Vector clocks lab.
pub struct ClocksView {
    /// The lab's presets and their menu, made once.
    presets: Vec<Preset<ClocksScenario>>,
    preset_menu: Vec<PresetEntry>,
    preset: Option<usize>,
    scenario: ClocksScenario,
    /// How many of the scenario's steps are shown.
    shown: usize,
    execution: Execution,
    first: Option<EventId>,
    second: Option<EventId>,
    focus: Option<EventId>,
    from: usize,
    to: usize,
    undo: Option<Vec<Step>>,
    lamport: bool,
    zoom: u32,
    generator: (u64, usize, usize),
    import_text: String,
    error: Option<String>,
    /// Why the link on the page's address could not be opened.
    problem: Option<String>,
    share: Option<String>,
    help: bool,
    embed: Option<Rc<Embed>>,
    /// The page height last told to the embedding page.
    told_height: i32,
    _keys: Option<gloo_events::EventListener>,
}

impl ClocksView {
    fn rebuild(&mut self) {
        match self.scenario.execution(self.shown) {
            Ok(execution) => self.execution = execution,
            Err(e) => self.error = Some(e.0),
        }
        let n = self.execution.events().len();
        for slot in [&mut self.first, &mut self.second, &mut self.focus] {
            if slot.is_some_and(|e| e.0 >= n) {
                *slot = None;
            }
        }
    }

    fn load(&mut self, scenario: ClocksScenario, preset: Option<usize>) {
        self.shown = scenario.steps.len();
        self.scenario = scenario;
        self.preset = preset;
        self.first = None;
        self.second = None;
        self.focus = None;
        self.undo = None;
        self.from = 0;
        self.to = 1;
        self.error = None;
        self.rebuild();
    }

    /// Takes a step now. A step taken in the past drops the later ones; undo brings them back.
    fn take(&mut self, step: Step) {
        let mut candidate = self.execution.clone();
        if let Err(e) = candidate.apply(&step) {
            self.error = Some(e.0);
            return;
        }
        if self.shown < self.scenario.steps.len() {
            self.undo = Some(self.scenario.steps.clone());
            self.scenario.steps.truncate(self.shown);
        }
        if self.scenario.steps.len() >= ClocksScenario::MAX_STEPS {
            self.error = Some(format!(
                "an execution holds at most {} steps",
                ClocksScenario::MAX_STEPS
            ));
            return;
        }
        self.scenario.steps.push(step);
        self.shown = self.scenario.steps.len();
        self.preset = None;
        self.error = None;
        self.execution = candidate;
        self.focus = Some(EventId(self.execution.events().len() - 1));
    }

    fn share_code(&self) -> String {
        ShareState {
            scenario: self.scenario.clone(),
            view: ViewState {
                at: Time(self.shown as u64),
                selected: self.first.map(|a| Selected::Events {
                    first: a.0 as u32,
                    second: self.second.map(|b| b.0 as u32),
                }),
                routine_log: self.lamport,
            },
        }
        .encode_as::<ClocksLab>()
    }

    fn keep(&self) {
        if self.embed.is_none() {
            store(ClocksLab::ABOUT.slug, &self.share_code());
        }
    }

    fn label(&self, kind: &str) -> String {
        format!("{kind} {}", self.execution.events().len() + 1)
    }
}

impl Component for ClocksView {
    type Message = Msg;
    type Properties = LabProps;

    fn create(ctx: &Context<Self>) -> Self {
        let keys = listen_for_keys(ctx.link().callback(Msg::Key));
        let presets = ClocksLab::presets();
        let Opening { run, problem } = opening::<ClocksLab>(ctx.props().link.as_deref());
        let opened = run.map(|run| (run.scenario, run.view));
        let (scenario, view, preset) = match opened {
            Some((s, view)) => {
                let preset = preset_of(&presets, &s);
                (s, view, preset)
            }
            None => (
                presets[0].scenario.clone(),
                ViewState {
                    at: Time(u64::MAX),
                    ..ViewState::default()
                },
                Some(0),
            ),
        };
        let mut lab = ClocksView {
            preset_menu: preset_menu(&presets),
            presets,
            preset,
            shown: 0,
            execution: Execution::new(scenario.processes.clone()),
            scenario,
            first: None,
            second: None,
            focus: None,
            from: 0,
            to: 1,
            undo: None,
            lamport: view.routine_log,
            zoom: 48,
            generator: (1, 4, 30),
            import_text: String::new(),
            error: None,
            problem,
            share: None,
            help: false,
            embed: ctx.props().embed.clone(),
            told_height: 0,
            _keys: keys,
        };
        lab.shown = (view.at.0 as usize).min(lab.scenario.steps.len());
        lab.rebuild();
        if let Some(Selected::Events { first, second }) = view.selected {
            lab.first = Some(EventId(first as usize));
            lab.second = second.map(|s| EventId(s as usize));
            lab.rebuild();
        }
        lab
    }

    fn rendered(&mut self, _: &Context<Self>, _: bool) {
        if self.embed.is_some() {
            tell_height(&mut self.told_height);
        }
    }

    fn update(&mut self, ctx: &Context<Self>, msg: Msg) -> bool {
        match msg {
            Msg::Preset(i) => {
                if let Some(preset) = self.presets.get(i).cloned() {
                    self.load(preset.scenario, Some(i));
                }
            }
            Msg::Local => self.take(Step::Local {
                process: self.from as u16,
                label: self.label("local"),
            }),
            Msg::Send => self.take(Step::Send {
                from: self.from as u16,
                to: self.to as u16,
                label: self.label("send"),
            }),
            Msg::Deliver(m) => self.take(Step::Deliver {
                message: m.0 as u32,
                label: self.label("receive"),
            }),
            Msg::From(p) => {
                self.from = p;
                if self.to == p {
                    self.to = (p + 1) % self.scenario.processes.len();
                }
            }
            Msg::To(p) => self.to = p,
            Msg::Pick(e) => {
                self.focus = Some(e);
                match (self.first, self.second) {
                    (None, _) => self.first = Some(e),
                    (Some(_), None) => self.second = Some(e),
                    (Some(_), Some(_)) => {
                        self.first = Some(e);
                        self.second = None;
                    }
                }
            }
            Msg::Clear => {
                self.first = None;
                self.second = None;
            }
            Msg::Show(n) => {
                self.shown = n.min(self.scenario.steps.len());
                self.rebuild();
            }
            Msg::Undo => {
                if let Some(steps) = self.undo.take() {
                    self.scenario.steps = steps;
                    self.rebuild();
                }
            }
            Msg::GenField(field, text) => match whole_number(field.name(), &text) {
                Ok(n) => {
                    let (seed, processes, events) = &mut self.generator;
                    match field {
                        GenField::Seed => *seed = n,
                        GenField::Processes => *processes = n as usize,
                        GenField::Events => *events = n as usize,
                    }
                    self.error = None;
                }
                Err(e) => self.error = Some(e),
            },
            Msg::Generate => {
                let (seed, processes, events) = self.generator;
                let (lo, hi) = ClocksScenario::PROCESSES.into_inner();
                if !(lo..=hi).contains(&processes) {
                    self.error = Some(format!(
                        "processes must be between {lo} and {hi}, got {processes}"
                    ));
                } else if events > 500 {
                    self.error = Some(format!("events must be between 0 and 500, got {events}"));
                } else {
                    let execution = Execution::generate(seed, processes, events);
                    let scenario = ClocksScenario {
                        processes: execution.processes().to_vec(),
                        steps: execution.steps(),
                    };
                    self.load(scenario, None);
                }
            }
            Msg::ImportText(text) => self.import_text = text,
            Msg::Import => match import_shiviz(&self.import_text) {
                Ok(execution) => {
                    let scenario = ClocksScenario {
                        processes: execution.processes().to_vec(),
                        steps: execution.steps(),
                    };
                    match ClocksLab::validate(&scenario) {
                        Ok(()) => self.load(scenario, None),
                        Err(e) => {
                            self.error = Some(format!(
                                "The log was not imported: {e}. Nothing else changed."
                            ))
                        }
                    }
                }
                Err(e) => {
                    self.error = Some(format!(
                        "The log was not imported: {e}. Nothing else changed."
                    ))
                }
            },
            Msg::Export => {
                download_text(
                    "netsplit-clocks.log",
                    "text/plain",
                    &export_shiviz(&self.execution),
                );
                return false;
            }
            Msg::Download(kind) => {
                match kind {
                    Export::Svg | Export::Png => {
                        download_drawing("svg.diagram", "netsplit-clocks", kind == Export::Png)
                    }
                    Export::Trace => match to_json(&self.execution) {
                        Ok(json) => {
                            download_text("netsplit-clocks.json", "application/json", &json)
                        }
                        Err(e) => {
                            self.error = Some(format!("the execution could not be written: {e}"))
                        }
                    },
                }
                return false;
            }
            Msg::Zoom(z) => self.zoom = z.clamp(12, 160),
            Msg::ToggleLamport => self.lamport = !self.lamport,
            Msg::Share(open) => {
                self.share = open.then(|| link_to(&self.share_code()));
                if let Some(link) = &self.share {
                    copy_to_clipboard(link);
                }
            }
            Msg::Help(open) => self.help = open,
            Msg::Key(e) => return self.on_key(ctx, &e),
        }
        self.keep();
        true
    }

    fn view(&self, ctx: &Context<Self>) -> Html {
        let link = ctx.link();
        let names = &self.scenario.processes;
        let process_options = |selected: usize, skip: Option<usize>| {
            names
                .iter()
                .enumerate()
                .filter(|(i, _)| Some(*i) != skip)
                .map(|(i, name)| html! { <option value={i.to_string()} selected={i == selected}>{ name.clone() }</option> })
                .collect::<Html>()
        };
        let on_from = link.callback(|e: Event| {
            let select: web_sys::HtmlSelectElement = e.target_unchecked_into();
            Msg::From(select.value().parse().unwrap_or(0))
        });
        let on_to = link.callback(|e: Event| {
            let select: web_sys::HtmlSelectElement = e.target_unchecked_into();
            Msg::To(select.value().parse().unwrap_or(0))
        });
        let pending = self.execution.in_flight().map(|m| {
            let msg = &self.execution.messages()[m.0];
            html! {
                <li key={m.0}>
                    <button onclick={link.callback(move |_| Msg::Deliver(m))}>
                        { format!("Deliver m{} ({} → {})", m.0, names[msg.from], names[msg.to]) }
                    </button>
                </li>
            }
        });
        let steps = self.scenario.steps.len();
        let on_zoom = link.callback(|e: InputEvent| {
            let input: web_sys::HtmlInputElement = e.target_unchecked_into();
            Msg::Zoom(input.value().parse().unwrap_or(48))
        });
        let narration = self.scenario.steps[..self.shown].iter().enumerate().rev().take(100).map(|(i, step)| {
            html! { <li key={i}><time>{ format!("{}.", i + 1) }</time>{ self.execution.describe(step) }</li> }
        });
        let gen_field = |field: GenField, label: &'static str, value: String| {
            let onchange = link.callback(move |e: Event| {
                let input: web_sys::HtmlInputElement = e.target_unchecked_into();
                Msg::GenField(field, input.value())
            });
            html! { <label class="field"><span>{ label }</span><input type="number" min="0" {value} {onchange} /></label> }
        };
        let on_import_text = link.callback(|e: InputEvent| {
            let area: web_sys::HtmlTextAreaElement = e.target_unchecked_into();
            Msg::ImportText(area.value())
        });
        // The same hash `netsplit run` prints for this execution.
        let digest = fnv1a(&execution_bytes(&self.execution));
        if self.embed.is_some() {
            let open = link_to(&self.share_code());
            return html! {
                <div class="lab clocks embedded">
                    { link_problem(self.problem.as_deref()) }
                    <div class="diagram-scroll">{ self.diagram(ctx) }</div>
                    <div class="strip">
                        <span>{ format!("step {} of {steps}", self.shown) }</span>
                        <a class="link" href={open} target="_blank" rel="noopener">{ "Open in Netsplit ↗" }</a>
                    </div>
                    { self.verdict_panel(ctx) }
                </div>
            };
        }
        html! {
            <div class="lab clocks">
                { link_problem(self.problem.as_deref()) }
                <div class="lab-intro">
                    <h1>{ "Vector clocks and happened-before" }</h1>
                    <p>{ "Each process ticks its own entry at every event; a message carries its sender's clock, and the receiver takes the component-wise maximum before ticking. One event happened before another exactly when its clock is less than or equal in every component and less in at least one; two different events for which neither holds are concurrent." }</p>
                    { preset_picker(
                        "Execution",
                        &self.preset_menu,
                        self.preset,
                        ("(this execution)", "Your own execution: built by hand, generated, imported, or opened from a link."),
                        link.callback(Msg::Preset),
                    ) }
                </div>
                <div class="transport" role="toolbar" aria-label="Build the execution">
                    <label>{ "Process " }<select onchange={on_from} aria-label="Acting process">{ process_options(self.from, None) }</select></label>
                    <button class="primary" onclick={link.callback(|_| Msg::Local)} aria-keyshortcuts="l">{ "Local event (l)" }</button>
                    <label>{ "to " }<select onchange={on_to} aria-label="Receiver">{ process_options(self.to, Some(self.from)) }</select></label>
                    <button onclick={link.callback(|_| Msg::Send)} aria-keyshortcuts="m">{ "Send message (m)" }</button>
                    <label class="zoom">{ "Zoom " }<input type="range" min="12" max="160" value={self.zoom.to_string()} oninput={on_zoom} /></label>
                    <label><input type="checkbox" checked={self.lamport} onchange={link.callback(|_| Msg::ToggleLamport)} />{ " Lamport times (t)" }</label>
                </div>
                { step_timeline(
                    self.shown,
                    steps,
                    "",
                    self.undo.is_some().then_some("the later steps"),
                    link.callback(Msg::Show),
                    link.callback(|()| Msg::Undo),
                ) }
                if let Some(error) = &self.error {
                    <p class="error" role="alert">{ error }</p>
                }
                <div class="lab-grid">
                    <section class="stage" aria-label="Space-time diagram">
                        <div class="diagram-scroll">{ self.diagram(ctx) }</div>
                        <p class="legend">
                            <span class="key local">{ "●" }</span>{ " local  " }
                            <span class="key send">{ "▲" }</span>{ " send  " }
                            <span class="key receive">{ "▼" }</span>{ " receive  " }
                            { "dashed open arrow: in flight · A / B: the two events compared · filled: causal past of A, ringed: its future · dotted fill: past of B, dotted ring: its future" }
                        </p>
                        if self.execution.in_flight().next().is_some() {
                            <ul class="in-flight">{ for pending }</ul>
                        }
                    </section>
                    <div class="side">{ self.verdict_panel(ctx) }</div>
                </div>
                <div class="lab-panels">
                    <section class="panel" aria-labelledby="generate-title">
                        <h2 id="generate-title">{ "Generate" }</h2>
                        { gen_field(GenField::Seed, "seed", self.generator.0.to_string()) }
                        { gen_field(GenField::Processes, "processes (2 to 8)", self.generator.1.to_string()) }
                        { gen_field(GenField::Events, "events (0 to 500)", self.generator.2.to_string()) }
                        <button onclick={link.callback(|_| Msg::Generate)}>{ "Generate" }</button>
                    </section>
                    <section class="panel" aria-labelledby="shiviz-title">
                        <h2 id="shiviz-title">{ "ShiViz log" }</h2>
                        <p class="hint">{ "Each event is a line of text followed by a line with the host and its clock as JSON: " }<code>{ "alice {\"alice\": 2, \"bob\": 1}" }</code></p>
                        <textarea aria-label="ShiViz log to import" rows="6" value={self.import_text.clone()} oninput={on_import_text} />
                        <div class="buttons">
                            <button onclick={link.callback(|_| Msg::Import)}>{ "Import" }</button>
                            <button onclick={link.callback(|_| Msg::Export)}>{ "Export (download)" }</button>
                        </div>
                    </section>
                    <section class="panel log" aria-labelledby="steps-title">
                        <header><h2 id="steps-title">{ "Steps" }</h2></header>
                        <ol aria-live="polite" aria-relevant="additions">{ for narration }</ol>
                    </section>
                </div>
                { run_facts(
                    html! { format!(
                        "{} · {} · execution hash: {digest:016x}",
                        count(self.execution.events().len(), "event"),
                        count(self.execution.messages().len(), "message"),
                    ) },
                    ("execution", "execution (JSON)"),
                    &link.callback(Msg::Share),
                    &link.callback(Msg::Download),
                    &link.callback(Msg::Help),
                ) }
                if self.help {
                    <ShortcutHelp shortcuts={SHORTCUTS.to_vec()} on_close={link.callback(|()| Msg::Help(false))} />
                }
                if let Some(share) = &self.share {
                    { share_dialog(share, Some(digest), link.callback(|_| Msg::Share(false))) }
                }
            </div>
        }
    }
}

/// "1 event", "2 events".
fn count(n: usize, noun: &str) -> String {
    format!("{n} {noun}{}", if n == 1 { "" } else { "s" })
}

impl ClocksView {
    /// The causal past and future of `event`, if one is selected.
    fn reach(&self, event: Option<EventId>) -> (Vec<EventId>, Vec<EventId>) {
        event.map_or_else(Default::default, |e| {
            (self.execution.past(e), self.execution.future(e))
        })
    }

    /// Events stand in columns by Lamport time, as in a layered space-time diagram: an event's
    /// causes lie to its left, and events in one column are concurrent. (Columns in the order
    /// events were added would put a multicast's arrows on one line through other events.)
    fn x(&self, event: EventId) -> f64 {
        let column = self.execution.event(event).lamport - 1;
        LEFT + f64::from(self.zoom) * (column as f64 + 0.5)
    }

    fn y(&self, process: usize) -> f64 {
        TOP + ROW * process as f64
    }

    fn diagram(&self, ctx: &Context<Self>) -> Html {
        let link = ctx.link();
        let n = self.scenario.processes.len();
        // Clock labels need about 6 px per character; when the zoom leaves less room, only the
        // selected and focused events keep theirs (every event still tells its clock on hover).
        let roomy = f64::from(self.zoom) >= 6.0 * (2 * n + 1) as f64;
        let events = self.execution.events();
        let columns = events.iter().map(|e| e.lamport).max().unwrap_or(0);
        let width = LEFT + f64::from(self.zoom) * (columns as f64 + 2.0) + 40.0;
        let height = TOP + ROW * n as f64;
        let (past, future) = self.reach(self.first);
        let (past_b, future_b) = self.reach(self.second);
        let lines = self.scenario.processes.iter().enumerate().map(|(p, name)| {
            let y = tenths(self.y(p));
            html! {
                <g class="process">
                    <text x="8" y={tenths(self.y(p) + 4.0)} class="process-name">{ name.clone() }</text>
                    <line x1={tenths(LEFT - 10.0)} x2={tenths(width - 20.0)} y1={y.clone()} y2={y} />
                </g>
            }
        });
        let arrows = self.execution.messages().iter().enumerate().map(|(i, m)| {
            let (x1, y1) = (self.x(m.send), self.y(m.from));
            match m.receive {
                Some(r) => html! {
                    <line class="message" x1={tenths(x1)} y1={tenths(y1)} x2={tenths(self.x(r))} y2={tenths(self.y(m.to))} marker-end="url(#clock-arrow)">
                        <title>{ format!("m{i}: {} → {}", self.scenario.processes[m.from], self.scenario.processes[m.to]) }</title>
                    </line>
                },
                None => {
                    // In flight: an open arrow heading for the receiver's line.
                    let x2 = x1 + f64::from(self.zoom) * 1.5;
                    let y2 = y1 + (self.y(m.to) - y1) * 0.6;
                    html! {
                        <line class="message in-flight" x1={tenths(x1)} y1={tenths(y1)} x2={tenths(x2)} y2={tenths(y2)} marker-end="url(#clock-open)">
                            <title>{ format!("m{i} in flight: {} → {}", self.scenario.processes[m.from], self.scenario.processes[m.to]) }</title>
                        </line>
                    }
                }
            }
        });
        let dots = events.iter().enumerate().map(|(i, event)| {
            let id = EventId(i);
            let (x, y) = (self.x(id), self.y(event.process));
            let class = classes!(
                "event",
                match event.kind {
                    EventKind::Local => "local",
                    EventKind::Send(_) => "send",
                    EventKind::Receive(_) => "receive",
                },
                (self.first == Some(id)).then_some("first"),
                (self.second == Some(id)).then_some("second"),
                past.contains(&id).then_some("past"),
                future.contains(&id).then_some("future"),
                past_b.contains(&id).then_some("past-b"),
                future_b.contains(&id).then_some("future-b"),
                (self.focus == Some(id)).then_some("focused"),
            );
            let shape = match event.kind {
                EventKind::Local => html! { <circle r="7" /> },
                EventKind::Send(_) => html! { <path d="M0,-8 L7,5 L-7,5 z" /> },
                EventKind::Receive(_) => html! { <path d="M0,8 L7,-5 L-7,-5 z" /> },
            };
            let mark = if self.first == Some(id) {
                "A"
            } else if self.second == Some(id) {
                "B"
            } else {
                ""
            };
            let label = format!(
                "{} on {}, clock {}, Lamport time {}",
                event.label, self.scenario.processes[event.process], event.clock, event.lamport
            );
            html! {
                <g key={i} {class} transform={format!("translate({} {})", tenths(x), tenths(y))}
                    role="button" tabindex="-1" aria-label={label.clone()}
                    onclick={link.callback(move |_| Msg::Pick(id))}>
                    <title>{ label }</title>
                    <circle class="hit" r="14" />
                    { shape }
                    if roomy || !mark.is_empty() || self.focus == Some(id) {
                        <text class="clock" dy={if i % 2 == 0 { "22" } else { "34" }}>{ event.clock.to_string() }</text>
                    }
                    if self.lamport {
                        <text class="lamport" dy="-14">{ format!("L{}", event.lamport) }</text>
                    }
                    if !mark.is_empty() {
                        <text class="mark" dx="9" dy="-9">{ mark }</text>
                    }
                </g>
            }
        });
        html! {
            <svg class="diagram" width={tenths(width)} height={tenths(height)} viewBox={format!("0 0 {} {}", tenths(width), tenths(height))}
                role="group" aria-label="Space-time diagram: one line per process, events as marks, messages as arrows">
                <defs>
                    <marker id="clock-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
                        <path d="M0,0 L10,5 L0,10 z" class="arrowhead" />
                    </marker>
                    <marker id="clock-open" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse">
                        <path d="M0,0 L10,5 L0,10" class="open-arrowhead" />
                    </marker>
                </defs>
                { for lines }
                { for arrows }
                { for dots }
            </svg>
        }
    }

    fn verdict_panel(&self, ctx: &Context<Self>) -> Html {
        let link = ctx.link();
        let body = match (self.first, self.second) {
            (None, _) => {
                html! { <p class="hint">{ "Click or tap an event (or move with ← → and press Enter) to select A, then another to select B." }</p> }
            }
            (Some(a), None) => {
                let e = self.execution.event(a);
                html! {
                    <>
                        <p>{ format!("A = {} on {}: clock {}, Lamport time {}.", e.label, self.scenario.processes[e.process], e.clock, e.lamport) }</p>
                        <p>{ format!("Its causal past has {} events, its future {}. Select B to compare.", self.execution.past(a).len(), self.execution.future(a).len()) }</p>
                    </>
                }
            }
            (Some(a), Some(b)) => {
                let (ea, eb) = (self.execution.event(a), self.execution.event(b));
                let verdict = self.execution.verdict(a, b);
                let rows = self.scenario.processes.iter().enumerate().map(|(i, name)| {
                    let (x, y) = (ea.clock.0[i], eb.clock.0[i]);
                    let sign = match x.cmp(&y) {
                        std::cmp::Ordering::Less => "<",
                        std::cmp::Ordering::Equal => "=",
                        std::cmp::Ordering::Greater => ">",
                    };
                    html! { <tr><th scope="row">{ name.clone() }</th><td>{ x }</td><td class="sign">{ sign }</td><td>{ y }</td></tr> }
                });
                let class = match verdict {
                    Verdict::Concurrent => "verdict concurrent",
                    _ => "verdict ordered",
                };
                html! {
                    <>
                        <p class={class}>{ format!("A {verdict} B") }</p>
                        <table class="members">
                            <caption>{ "component by component" }</caption>
                            <thead><tr><th scope="col">{ "process" }</th><th scope="col">{ "A" }</th><th scope="col"></th><th scope="col">{ "B" }</th></tr></thead>
                            <tbody>{ for rows }</tbody>
                        </table>
                        <h3>{ "Why" }</h3>
                        <p class="why">{ self.execution.explain(a, b) }</p>
                        <p class="hint">{ format!("Lamport times: A {} and B {}{}", ea.lamport, eb.lamport,
                            if verdict == Verdict::Concurrent && ea.lamport != eb.lamport { ". Different Lamport times do not mean one came first." } else { "." }) }</p>
                    </>
                }
            }
        };
        html! {
            <section class="panel inspector" aria-labelledby="verdict-title">
                <h2 id="verdict-title">{ "Compare two events" }</h2>
                { body }
                if self.first.is_some() {
                    <button onclick={link.callback(|_| Msg::Clear)}>{ "Clear selection (Esc)" }</button>
                }
            </section>
        }
    }

    fn on_key(&mut self, ctx: &Context<Self>, e: &web_sys::KeyboardEvent) -> bool {
        if e.ctrl_key() || e.meta_key() || e.alt_key() || typing_in_field(e) {
            return false;
        }
        let count = self.execution.events().len();
        let msg = match e.key().as_str() {
            "ArrowRight" | "ArrowLeft" if count > 0 => {
                let next = match (self.focus, e.key() == "ArrowRight") {
                    (Some(f), true) => (f.0 + 1).min(count - 1),
                    (Some(f), false) => f.0.saturating_sub(1),
                    (None, _) => 0,
                };
                self.focus = Some(EventId(next));
                e.prevent_default();
                return true;
            }
            "Enter" => match self.focus {
                Some(f) => Msg::Pick(f),
                None => return false,
            },
            "Escape" if self.help => Msg::Help(false),
            "Escape" if self.share.is_some() => Msg::Share(false),
            "Escape" => Msg::Clear,
            "l" => Msg::Local,
            "m" => Msg::Send,
            "d" => match self.execution.in_flight().next() {
                Some(m) => Msg::Deliver(m),
                None => return false,
            },
            "," => Msg::Show(self.shown.saturating_sub(1)),
            "." => Msg::Show(self.shown + 1),
            "u" if self.undo.is_some() => Msg::Undo,
            "t" => Msg::ToggleLamport,
            "s" => Msg::Share(true),
            "?" => Msg::Help(!self.help),
            _ => return false,
        };
        e.prevent_default();
        Component::update(self, ctx, msg)
    }
}
