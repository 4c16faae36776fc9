//! The frame every lab shares: a run that plays in slow motion, the transport bar, the topology,
//! the inspector, the live checks, the network controls, the parameters, the event log and the
//! keyboard. A lab supplies only what is its own through [`LabSpec`].

use gloo_events::EventListener;
use gloo_render::{AnimationFrame, request_animation_frame};
use netsplit_scenario::{
    FRAGMENT_PREFIX, Lab, LabRun, LabScenario, Preset, Scenario, Selected, ShareState, ViewState,
    presets,
};
use netsplit_sim::{
    Action, Chance, DropReason, InFlight, MessageState, Monitor, MsgId, Network, Node, NodeId,
    Partition, Sim, Slot, Span, Time, Timed, TraceEvent, Violation,
};
use std::collections::VecDeque;
use std::fmt;
use std::rc::Rc;
use wasm_bindgen::JsCast;
use yew::prelude::*;

use crate::kit::controls::Transport;
use crate::kit::export::{Export, download_drawing, download_text};
use crate::kit::field::NumberField;
use crate::kit::help::ShortcutHelp;
use crate::kit::log::{EventLog, LogLine, Tone};
use crate::kit::topology::{Arrow, MessageGlyph, NodeGlyph, Topology, group_letter};
use crate::kit::{
    BASE_RATE, SPEEDS, Selection, listen_for_keys, now_ms, prefers_reduced_motion, tenths,
    typing_in_field,
};

/// The command type of lab `L`.
pub type CommandOf<L> = <<L as LabSpec>::Node as Node>::Command;
/// The scenario type of lab `L`.
pub type ScenarioOf<L> = LabScenario<<L as LabSpec>::Params, CommandOf<L>>;
/// The timed actions of a run of lab `L`.
pub type ScriptOf<L> = Vec<Timed<Action<CommandOf<L>>>>;
/// The simulator type of lab `L`.
pub type SimOf<L> = Sim<<L as LabSpec>::Node, <L as LabSpec>::Monitor>;

/// How a lab draws one of its nodes, beyond what every lab draws.
pub struct NodeLook {
    /// A short line under the name.
    pub caption: String,
    /// What screen readers say about the node.
    pub description: String,
    /// A word above the node, such as "leader".
    pub badge: Option<&'static str>,
    /// How much of a running timer is left, from 1 (just set) to 0.
    pub timer: Option<f64>,
    /// A colour index for the node's fill (Raft: its term).
    pub tint: Option<u64>,
}

/// Something a user can do to a selected node.
pub struct NodeAction<C> {
    /// The button's label.
    pub label: String,
    /// Its keyboard shortcut; empty for an action reached only by click or tap.
    pub key: &'static str,
    /// What it does.
    pub action: Action<C>,
}

/// What makes a lab a lab: its protocol, its parameters and its own parts of the view.
pub trait LabSpec: Sized + 'static {
    /// The protocol's node.
    type Node: Node;
    /// The protocol's monitor.
    type Monitor: Monitor<Self::Node>;
    /// The lab's parameters.
    type Params: Copy + PartialEq + fmt::Debug + 'static;
    /// The lab's editable parameters.
    type Field: Copy + PartialEq + fmt::Debug + 'static;

    /// Which lab.
    const LAB: Lab;
    /// Every editable parameter.
    const FIELDS: &'static [Self::Field];
    /// The lab's own shortcuts, listed in the help after the shared ones.
    const SHORTCUTS: &'static [(&'static str, &'static str)];
    /// The properties the monitor checks: (name, what it means).
    const PROPERTIES: &'static [(&'static str, &'static str)];
    /// What the topology shows, for screen readers.
    const STAGE_LABEL: &'static str;

    /// The heading and a short explanation.
    fn intro() -> Html;
    /// The lab's scenario inside a [`Scenario`].
    fn unpack(scenario: &Scenario) -> ScenarioOf<Self>;
    /// Wraps the lab's scenario.
    fn pack(scenario: ScenarioOf<Self>) -> Scenario;
    /// The simulator inside a started run.
    fn sim_of(run: LabRun) -> Box<SimOf<Self>>;
    /// How many nodes the parameters ask for.
    fn nodes(params: &Self::Params) -> usize;
    /// Sets one parameter from what the user typed; refuses bad values with the allowed range.
    fn set_param(params: &mut Self::Params, field: Self::Field, value: &str) -> Result<(), String>;
    /// The parameter controls.
    fn params_panel(params: &Self::Params, fields: &Fields<Self>) -> Html;
    /// How node `id` looks at (fractional) time `now`.
    fn node_look(sim: &SimOf<Self>, slot: &Slot<Self::Node>, id: NodeId, now: f64) -> NodeLook;
    /// A message's letter and CSS class: kinds differ by letter as well as colour.
    fn message_look(msg: &<Self::Node as Node>::Msg) -> (&'static str, &'static str);
    /// A short tag written beside a message in flight (Paxos: its ballot).
    fn message_tag(_msg: &<Self::Node as Node>::Msg) -> Option<String> {
        None
    }
    /// How many nodes stand in a left column, the rest in a right one; `None` puts them on a
    /// circle.
    fn columns(_params: &Self::Params) -> Option<usize> {
        None
    }
    /// Relations drawn between nodes.
    fn arrows(_sim: &SimOf<Self>) -> Vec<Arrow> {
        Vec::new()
    }
    /// What the user can do to node `id` besides crashing or restarting it.
    fn node_actions(_sim: &SimOf<Self>, _id: NodeId) -> Vec<NodeAction<CommandOf<Self>>> {
        Vec::new()
    }
    /// The inspector's details for node `id`.
    fn node_details(sim: &SimOf<Self>, id: NodeId) -> Html;
    /// What the monitor reports beyond pass or fail.
    fn findings(sim: &SimOf<Self>) -> Html;
    /// A panel under the topology (Raft: the log table; CRDTs: the replica cards and a
    /// comparison that replays the scenario with other types).
    fn below_stage(_sim: &SimOf<Self>, _scenario: &ScenarioOf<Self>, _selected: Selection) -> Html {
        html! {}
    }
    /// The legend under the topology.
    fn legend() -> Html;
}

/// The link settings every lab can change while running.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkField {
    /// Loss in percent.
    Loss,
    /// Duplication in percent.
    Duplicate,
    /// Least latency in milliseconds.
    LatencyMin,
    /// Greatest latency in milliseconds.
    LatencyMax,
}

impl LinkField {
    const ALL: [LinkField; 4] = [
        LinkField::Loss,
        LinkField::Duplicate,
        LinkField::LatencyMin,
        LinkField::LatencyMax,
    ];
}

/// Number fields and menus for a lab's parameters, with callbacks made once.
pub struct Fields<L: LabSpec> {
    callbacks: Vec<(L::Field, Callback<String>)>,
}

impl<L: LabSpec> Fields<L> {
    /// The callback that sets `field`.
    pub fn callback(&self, field: L::Field) -> Callback<String> {
        self.callbacks
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, callback)| callback.clone())
            .expect("every field has a callback")
    }

    /// A labelled number input for `field`.
    pub fn number(
        &self,
        field: L::Field,
        label: &'static str,
        value: u64,
        min: u64,
        max: u64,
    ) -> Html {
        html! { <NumberField {label} {value} min={min} max={max} on_change={self.callback(field)} /> }
    }

    /// A labelled menu for `field`: (value, label) options, the first meaning "none".
    pub fn menu(
        &self,
        field: L::Field,
        label: &'static str,
        options: &[(&'static str, &'static str)],
        selected: &str,
    ) -> Html {
        let callback = self.callback(field);
        let onchange = Callback::from(move |e: Event| {
            let select: web_sys::HtmlSelectElement = e.target_unchecked_into();
            callback.emit(select.value());
        });
        let options = options.iter().map(|(value, text)| {
            html! { <option value={*value} selected={*value == selected}>{ *text }</option> }
        });
        html! {
            <label class="field">
                <span>{ label }</span>
                <select {onchange}>{ for options }</select>
            </label>
        }
    }
}

/// The most log lines kept on screen.
const LOG_LINES: usize = 150;
/// The longest real-time gap one frame may cover, so a hidden tab does not leap ahead.
const MAX_FRAME_MS: f64 = 100.0;

/// The shortcuts every lab shares.
const SHARED_SHORTCUTS: [(&str, &str); 17] = [
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
    ("[ / ]", "select the previous / next message in flight"),
    ("d", "drop the selected message"),
    ("h", "hold or release the selected message"),
    ("n", "deliver the selected message now"),
    ("l", "show or hide messages and timers in the log"),
    ("Esc / ?", "clear the selection, close / show this list"),
];

/// What a lab reacts to.
pub enum LabMsg<L: LabSpec> {
    /// An animation frame at this timestamp (ms).
    Frame(f64),
    /// Play or pause.
    Play,
    /// Run one event.
    Step,
    /// Run to the scenario's end.
    ToEnd,
    /// Back to the start.
    Reset,
    /// Pick a speed.
    Speed(usize),
    /// A new seed, as typed.
    Seed(String),
    /// Load preset number `n`.
    Preset(usize),
    /// Select something.
    Select(Selection),
    /// Do something to the run now.
    Act(Action<CommandOf<L>>),
    /// Do something to a message in flight.
    Message(MsgId, MessageOp),
    /// Run the selected node's action number `n` (see `node_actions`).
    NodeAction(NodeId, usize),
    /// Put a node in or out of the group to cut off.
    Pick(NodeId),
    /// Cut the picked nodes off from the rest.
    Split,
    /// A lab parameter changed.
    Param(L::Field, String),
    /// A link setting changed.
    Link(LinkField, String),
    /// Show or hide routine log lines.
    ToggleRoutine,
    /// Open or close the shortcut list.
    Help(bool),
    /// A key pressed anywhere on the page.
    Key(web_sys::KeyboardEvent),
    /// Go to this moment (milliseconds).
    Seek(u64),
    /// Go back one event.
    StepBack,
    /// Run until the next violation (or the end).
    NextViolation,
    /// Bring back the actions that acting in the past dropped.
    Undo,
    /// Open or close the share dialog.
    Share(bool),
    /// Open this run in the full app (from an embedded lab).
    OpenFull,
    /// Download the view or the trace.
    Export(Export),
    /// The page is going away: keep the run in this browser.
    Leaving,
}

/// How a lab is embedded in another page (`?embed=1`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Embed {
    /// The controls shown: any of `play`, `step`, `timeline`, and `panel` for the panel under
    /// the view.
    pub controls: Vec<String>,
    /// Whether the run plays at once.
    pub autoplay: bool,
}

/// What a lab opens with.
#[derive(Properties, Clone, PartialEq, Default)]
pub struct LabProps {
    /// A run to open, from a share link.
    #[prop_or_default]
    pub shared: Option<Rc<ShareState>>,
    /// Set when the lab is embedded in another page.
    #[prop_or_default]
    pub embed: Option<Rc<Embed>>,
}

/// A lab on screen.
pub struct LabView<L: LabSpec> {
    presets: Vec<Preset>,
    /// The preset the run started from; `None` for a shared or restored run.
    preset: Option<usize>,
    scenario: ScenarioOf<L>,
    sim: Box<SimOf<L>>,
    playing: bool,
    speed: usize,
    /// Fractional virtual milliseconds not yet run, for smooth motion between events.
    carry: f64,
    last_frame: Option<f64>,
    frame: Option<AnimationFrame>,
    selected: Selection,
    picks: Vec<bool>,
    routine_log: bool,
    log: Vec<LogLine>,
    logged: usize,
    error: Option<String>,
    help: bool,
    fields: Fields<L>,
    controls: Controls,
    /// When the frame being drawn started, and how long recent frames took to run and draw.
    frame_started: Option<f64>,
    frame_times: VecDeque<f64>,
    /// The whole script before acting in the past dropped its later actions, and how many it
    /// dropped, for undo.
    undo: Option<(ScriptOf<L>, usize)>,
    /// The link being shown in the share dialog.
    share: Option<String>,
    /// The latest moment the run has reached; acting before it forks the run.
    frontier: Time,
    embed: Option<Rc<Embed>>,
    /// The page height last told to the embedding page.
    told_height: i32,
    _keys: Option<EventListener>,
    _leaving: Option<EventListener>,
}

/// How many recent frames the frame-time figure covers.
const FRAME_WINDOW: usize = 240;

/// What can be done to a message in flight.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MessageOp {
    /// Remove it.
    Drop,
    /// Keep it where it is.
    Hold,
    /// Let a held message go on.
    Release,
    /// Hand it over at once.
    DeliverNow,
}

/// Callbacks made once per lab: nothing is allocated for them on each frame, and the parts of
/// the page that take them are compiled once for all labs.
#[derive(Clone)]
struct Controls {
    play: Callback<()>,
    step: Callback<()>,
    reset: Callback<()>,
    to_end: Callback<()>,
    speed: Callback<usize>,
    seed: Callback<String>,
    preset: Callback<usize>,
    select: Callback<Selection>,
    pick: Callback<NodeId>,
    split: Callback<()>,
    heal: Callback<()>,
    message: Callback<(MsgId, MessageOp)>,
    node_action: Callback<(NodeId, usize)>,
    routine: Callback<()>,
    help: Callback<bool>,
    seek: Callback<u64>,
    step_back: Callback<()>,
    next_violation: Callback<()>,
    undo: Callback<()>,
    share: Callback<bool>,
    open_full: Callback<()>,
    export: Callback<Export>,
    links: Vec<(LinkField, Callback<String>)>,
}

impl Controls {
    fn new<L: LabSpec>(link: &yew::html::Scope<LabView<L>>) -> Controls {
        Controls {
            play: link.callback(|()| LabMsg::Play),
            step: link.callback(|()| LabMsg::Step),
            reset: link.callback(|()| LabMsg::Reset),
            to_end: link.callback(|()| LabMsg::ToEnd),
            speed: link.callback(LabMsg::Speed),
            seed: link.callback(LabMsg::Seed),
            preset: link.callback(LabMsg::Preset),
            select: link.callback(LabMsg::Select),
            pick: link.callback(LabMsg::Pick),
            split: link.callback(|()| LabMsg::Split),
            heal: link.callback(|()| LabMsg::Act(Action::Heal)),
            message: link.callback(|(id, op)| LabMsg::Message(id, op)),
            node_action: link.callback(|(id, n)| LabMsg::NodeAction(id, n)),
            routine: link.callback(|()| LabMsg::ToggleRoutine),
            help: link.callback(LabMsg::Help),
            seek: link.callback(LabMsg::Seek),
            step_back: link.callback(|()| LabMsg::StepBack),
            next_violation: link.callback(|()| LabMsg::NextViolation),
            undo: link.callback(|()| LabMsg::Undo),
            share: link.callback(LabMsg::Share),
            open_full: link.callback(|()| LabMsg::OpenFull),
            export: link.callback(LabMsg::Export),
            links: LinkField::ALL
                .iter()
                .map(|&field| (field, link.callback(move |text| LabMsg::Link(field, text))))
                .collect(),
        }
    }
}

fn start<L: LabSpec>(scenario: &ScenarioOf<L>) -> Box<SimOf<L>> {
    let run = L::pack(scenario.clone())
        .start()
        .expect("the lab validates its scenario before it starts");
    L::sim_of(run)
}

impl<L: LabSpec> Component for LabView<L> {
    type Message = LabMsg<L>;
    type Properties = LabProps;

    fn create(ctx: &Context<Self>) -> Self {
        let presets = presets(L::LAB);
        let props = ctx.props();
        // A shared link wins; then the last run kept in this browser; then the first preset.
        let opened = props.shared.as_deref().cloned().or_else(|| restore(L::LAB));
        let (preset, scenario, view) = match &opened {
            Some(state) => (None, L::unpack(&state.scenario), state.view.clone()),
            None => (
                Some(0),
                L::unpack(&presets[0].scenario),
                ViewState::default(),
            ),
        };
        let keys = listen_for_keys(ctx.link().callback(LabMsg::Key));
        let fields = Fields {
            callbacks: L::FIELDS
                .iter()
                .map(|&field| {
                    (
                        field,
                        ctx.link().callback(move |text| LabMsg::Param(field, text)),
                    )
                })
                .collect(),
        };
        let mut lab = LabView {
            sim: start::<L>(&scenario),
            picks: vec![false; L::nodes(&scenario.params)],
            presets,
            preset,
            scenario,
            playing: false,
            speed: 3,
            carry: 0.0,
            last_frame: None,
            frame: None,
            selected: Selection::Nothing,
            routine_log: false,
            log: Vec::new(),
            logged: 0,
            error: None,
            help: false,
            fields,
            controls: Controls::new(ctx.link()),
            frame_started: None,
            frame_times: VecDeque::with_capacity(FRAME_WINDOW),
            undo: None,
            share: None,
            frontier: Time::ZERO,
            embed: props.embed.clone(),
            told_height: 0,
            _keys: keys,
            _leaving: web_sys::window().map(|window| {
                let link = ctx.link().clone();
                EventListener::new(&window, "pagehide", move |_| {
                    link.send_message(LabMsg::Leaving)
                })
            }),
        };
        lab.sim.run_until(view.at);
        lab.routine_log = view.routine_log;
        lab.selected = match view.selected {
            Some(Selected::Node(id)) if id.index() < lab.sim.nodes().len() => Selection::Node(id),
            Some(Selected::Message(id)) => Selection::Message(id),
            _ => Selection::Nothing,
        };
        lab.sync_log();
        let autoplay = match &lab.embed {
            Some(embed) => embed.autoplay,
            None => opened.is_none(),
        };
        if autoplay && !prefers_reduced_motion() {
            lab.set_playing(ctx, true);
        }
        lab
    }

    fn update(&mut self, ctx: &Context<Self>, msg: LabMsg<L>) -> bool {
        match msg {
            LabMsg::Frame(ts) => {
                self.frame = None;
                if !self.playing {
                    return false;
                }
                self.frame_started = Some(now_ms());
                let dt = self
                    .last_frame
                    .map_or(0.0, |last| (ts - last).clamp(0.0, MAX_FRAME_MS));
                self.last_frame = Some(ts);
                self.carry += dt * BASE_RATE * SPEEDS[self.speed];
                let whole = self.carry.floor();
                self.carry -= whole;
                self.sim.run_until(self.sim.now() + Span(whole as u64));
                self.request_frame(ctx);
            }
            LabMsg::Play => {
                self.set_playing(ctx, !self.playing);
                self.keep();
            }
            LabMsg::Step => {
                self.set_playing(ctx, false);
                self.carry = 0.0;
                self.sim.step();
                self.keep();
            }
            LabMsg::ToEnd => {
                self.set_playing(ctx, false);
                self.carry = 0.0;
                let end = Time::ZERO + self.scenario.duration;
                self.sim.run_until(end.max(self.sim.now()));
                self.keep();
            }
            LabMsg::Reset => self.restart(),
            LabMsg::Speed(index) => self.speed = index.min(SPEEDS.len() - 1),
            LabMsg::Seed(text) => match text.trim().parse::<u64>() {
                Ok(seed) => {
                    self.scenario.seed = seed;
                    self.restart();
                }
                Err(_) => {
                    self.error = Some(format!(
                        "the seed must be a whole number from 0 to {}, got \"{text}\"",
                        u64::MAX
                    ))
                }
            },
            LabMsg::Preset(index) => {
                if let Some(preset) = self.presets.get(index) {
                    self.preset = Some(index);
                    self.scenario = L::unpack(&preset.scenario);
                    self.restart();
                }
            }
            LabMsg::Select(selection) => self.selected = selection,
            LabMsg::Act(action) => self.act(action),
            LabMsg::Message(id, op) => self.act(match op {
                MessageOp::Drop => Action::DropMessage(id),
                MessageOp::Hold => Action::HoldMessage(id),
                MessageOp::Release => Action::ReleaseMessage(id),
                MessageOp::DeliverNow => Action::DeliverNow(id),
            }),
            LabMsg::NodeAction(id, n) => {
                if let Some(action) = self.node_actions(id).into_iter().nth(n) {
                    self.act(action.action);
                }
            }
            LabMsg::Pick(id) => {
                if let Some(pick) = self.picks.get_mut(id.index()) {
                    *pick = !*pick;
                }
            }
            LabMsg::Split => {
                let group: Vec<NodeId> = NodeId::all(self.picks.len())
                    .filter(|n| self.picks[n.index()])
                    .collect();
                if group.is_empty() || group.len() == self.picks.len() {
                    self.error =
                        Some("pick at least one node, and not all of them, to cut off".into());
                } else {
                    self.error = None;
                    self.act(Action::Partition(Partition(vec![group])));
                }
            }
            LabMsg::Param(field, value) => self.set_param(field, &value),
            LabMsg::Link(field, value) => self.set_link(field, &value),
            LabMsg::ToggleRoutine => {
                self.routine_log = !self.routine_log;
                self.log.clear();
                self.logged = 0;
            }
            LabMsg::Help(open) => self.help = open,
            LabMsg::Key(e) => return self.on_key(ctx, &e),
            LabMsg::Seek(ms) => {
                self.set_playing(ctx, false);
                self.carry = 0.0;
                self.sim.seek(Time(ms));
                self.keep();
            }
            LabMsg::StepBack => {
                self.set_playing(ctx, false);
                self.carry = 0.0;
                self.sim.seek_step(self.sim.steps().saturating_sub(1));
                self.keep();
            }
            LabMsg::NextViolation => {
                self.set_playing(ctx, false);
                self.carry = 0.0;
                let seen = self.sim.violations().len();
                let limit =
                    (Time::ZERO + self.scenario.duration).max(self.sim.now()) + Span::secs(600);
                while self.sim.violations().len() == seen
                    && self.sim.now() < limit
                    && self.sim.step()
                {}
            }
            LabMsg::Undo => {
                if let Some((script, _)) = self.undo.take() {
                    let now = self.sim.now();
                    let mut scenario = self.scenario.clone();
                    scenario.actions = script;
                    self.sim = start::<L>(&scenario);
                    self.sim.run_until(now);
                    self.log.clear();
                    self.logged = 0;
                    self.keep();
                }
            }
            LabMsg::Share(open) => {
                self.share = open.then(|| self.link());
                if let Some(link) = &self.share {
                    copy_to_clipboard(link);
                }
            }
            LabMsg::Leaving => {
                self.keep();
                return false;
            }
            LabMsg::Export(kind) => {
                let slug = L::LAB.slug();
                match kind {
                    Export::Svg | Export::Png => download_drawing(
                        "svg.topology",
                        &format!("netsplit-{slug}"),
                        kind == Export::Png,
                    ),
                    Export::Trace => match serde_json::to_string_pretty(self.sim.trace().records())
                    {
                        Ok(json) => download_text(
                            &format!("netsplit-{slug}-trace.json"),
                            "application/json",
                            &json,
                        ),
                        Err(e) => self.error = Some(format!("the trace could not be written: {e}")),
                    },
                }
                return false;
            }
            LabMsg::OpenFull => {
                if let Some(window) = web_sys::window() {
                    let _ = window.open_with_url_and_target(&self.link(), "_blank");
                }
            }
        }
        self.sync_log();
        true
    }

    fn rendered(&mut self, _: &Context<Self>, _: bool) {
        if self.embed.is_some() {
            tell_height(&mut self.told_height);
        }
        if let Some(start) = self.frame_started.take() {
            if self.frame_times.len() == FRAME_WINDOW {
                self.frame_times.pop_front();
            }
            self.frame_times.push_back(now_ms() - start);
        }
    }

    fn view(&self, _: &Context<Self>) -> Html {
        let c = &self.controls;
        let topology = html! {
            <Topology
                nodes={self.node_glyphs()}
                messages={self.message_glyphs()}
                arrows={L::arrows(&self.sim)}
                selected={self.selected}
                on_select={c.select.clone()}
                label={AttrValue::from(L::STAGE_LABEL)}
                columns={L::columns(&self.scenario.params)}
            />
        };
        let inspector = match self.selected {
            Selection::Nothing => node_inspector(None, c),
            Selection::Node(id) => {
                let actions: Vec<(String, &'static str, &'static str)> = self
                    .node_actions(id)
                    .into_iter()
                    .map(|a| {
                        let class = match a.action {
                            Action::Crash(_) => "danger",
                            Action::Restart(_) => "primary",
                            _ => "",
                        };
                        (a.label, a.key, class)
                    })
                    .collect();
                let details = L::node_details(&self.sim, id);
                node_inspector(Some((id, self.sim.slot(id).is_up(), actions, details)), c)
            }
            Selection::Message(id) => {
                message_inspector(id, self.sim.message(id).map(MessageInfo::of), c)
            }
        };
        let messages: Vec<MessageInfo> =
            self.sim.in_flight().take(12).map(MessageInfo::of).collect();
        frame(
            Frame {
                slug: L::LAB.slug(),
                intro: L::intro(),
                presets: &self.presets,
                preset: self.preset,
                timeline: timeline(
                    self.sim.now().0,
                    (Time::ZERO + self.scenario.duration).max(self.frontier).0,
                    &self.marks(),
                    self.undo.as_ref().map(|(_, dropped)| *dropped),
                    c,
                ),
                share: self
                    .share
                    .as_deref()
                    .map(|link| (link, self.sim.trace().hash())),
                embed: self.embed.as_deref(),
                playing: self.playing,
                speed: self.speed,
                now: self.sim.now().to_string(),
                seed: self.scenario.seed,
                error: self.error.as_deref(),
                banner: partition_banner(self.sim.network(), self.sim.nodes().len()),
                topology,
                legend: L::legend(),
                inspector,
                invariants: invariants(
                    L::PROPERTIES,
                    self.sim.violations(),
                    L::findings(&self.sim),
                ),
                below: L::below_stage(&self.sim, &self.scenario, self.selected),
                network: network_panel(
                    self.sim.network(),
                    &self.picks,
                    &messages,
                    self.sim.in_flight().count(),
                    self.selected,
                    c,
                ),
                params: L::params_panel(&self.scenario.params, &self.fields),
                log: self.log.clone(),
                routine: self.routine_log,
                facts: format!(
                    "events run: {} · trace records: {}{}{}",
                    self.sim.steps(),
                    self.sim.trace().len(),
                    self.frame_report(),
                    if self.playing {
                        String::new()
                    } else {
                        format!(" · trace hash: {:016x}", self.sim.trace().hash())
                    }
                ),
                help: self.help.then(|| {
                    SHARED_SHORTCUTS
                        .iter()
                        .chain(L::SHORTCUTS)
                        .copied()
                        .collect()
                }),
            },
            c,
        )
    }
}

impl<L: LabSpec> LabView<L> {
    /// Acts now. Acting in the past (after going back in time) forks the run: the scripted
    /// actions after now are dropped, and undo brings them back.
    fn act(&mut self, action: Action<CommandOf<L>>) {
        let now = self.sim.now();
        if now < self.frontier {
            let before = self.sim.script().to_vec();
            let dropped = self.sim.fork_at(now).len();
            if dropped > 0 {
                self.undo = Some((before, dropped));
            }
            self.frontier = now;
        }
        self.sim.act(action);
        self.keep();
    }

    /// The run as it stands, with the moment and the view, for links and for this browser.
    fn share_state(&self) -> ShareState {
        let mut scenario = self.scenario.clone();
        scenario.actions = self.sim.script().to_vec();
        ShareState {
            scenario: L::pack(scenario),
            view: ViewState {
                at: self.sim.now(),
                selected: match self.selected {
                    Selection::Nothing => None,
                    Selection::Node(id) => Some(Selected::Node(id)),
                    Selection::Message(id) => Some(Selected::Message(id)),
                },
                routine_log: self.routine_log,
            },
        }
    }

    /// A link to this run at this moment, on this page's address.
    fn link(&self) -> String {
        link_to(&self.share_state())
    }

    /// Keeps the run in this browser, to be restored on the next visit (not when embedded).
    fn keep(&self) {
        if self.embed.is_none() {
            store(L::LAB, &self.share_state());
        }
    }

    fn set_playing(&mut self, ctx: &Context<Self>, playing: bool) {
        self.playing = playing;
        self.last_frame = None;
        if playing {
            self.request_frame(ctx);
        } else {
            self.frame = None;
        }
    }

    fn request_frame(&mut self, ctx: &Context<Self>) {
        let link = ctx.link().clone();
        self.frame = Some(request_animation_frame(move |ts| {
            link.send_message(LabMsg::Frame(ts))
        }));
    }

    fn restart(&mut self) {
        self.sim = start::<L>(&self.scenario);
        self.frontier = Time::ZERO;
        self.undo = None;
        self.carry = 0.0;
        self.picks = vec![false; L::nodes(&self.scenario.params)];
        self.selected = Selection::Nothing;
        self.log.clear();
        self.logged = 0;
        self.error = None;
        self.keep();
    }

    fn set_param(&mut self, field: L::Field, value: &str) {
        let mut params = self.scenario.params;
        let result = L::set_param(&mut params, field, value).and_then(|()| {
            let mut scenario = self.scenario.clone();
            scenario.params = params;
            if L::nodes(&params) != L::nodes(&self.scenario.params) {
                // The scripted actions name nodes of the old cluster.
                scenario.actions.clear();
            }
            L::pack(scenario.clone()).validate().map_err(|e| e.0)?;
            self.scenario = scenario;
            self.restart();
            Ok(())
        });
        self.error = result.err();
    }

    fn set_link(&mut self, field: LinkField, value: &str) {
        let mut link = *self.sim.network().default_link();
        let result = whole_number(value).and_then(|n| {
            match field {
                LinkField::Loss => link.drop = percent(n)?,
                LinkField::Duplicate => link.duplicate = percent(n)?,
                LinkField::LatencyMin => link.latency_min = Span(n),
                LinkField::LatencyMax => link.latency_max = Span(n),
            }
            link.validate().map_err(|e| e.0)
        });
        match result {
            Ok(()) => {
                self.error = None;
                self.sim.act(Action::SetLinks(link));
            }
            Err(e) => self.error = Some(e),
        }
    }

    fn on_key(&mut self, ctx: &Context<Self>, e: &web_sys::KeyboardEvent) -> bool {
        if e.ctrl_key() || e.meta_key() || e.alt_key() || typing_in_field(e) {
            return false;
        }
        let on_button = e
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            .is_some_and(|el| el.tag_name() == "BUTTON");
        let key = e.key();
        let msg = match key.as_str() {
            " " if !on_button => LabMsg::Play,
            "." | "ArrowRight" => LabMsg::Step,
            "," | "ArrowLeft" => LabMsg::StepBack,
            "v" => LabMsg::NextViolation,
            "u" if self.undo.is_some() => LabMsg::Undo,
            "s" => LabMsg::Share(true),
            "e" => LabMsg::ToEnd,
            "r" => LabMsg::Reset,
            "+" | "=" => LabMsg::Speed((self.speed + 1).min(SPEEDS.len() - 1)),
            "-" => LabMsg::Speed(self.speed.saturating_sub(1)),
            "?" => LabMsg::Help(!self.help),
            "Escape" if self.help => LabMsg::Help(false),
            "Escape" if self.share.is_some() => LabMsg::Share(false),
            "Escape" => LabMsg::Select(Selection::Nothing),
            "l" => LabMsg::ToggleRoutine,
            "[" | "]" => match self.cycle_message(key == "]") {
                Some(id) => LabMsg::Select(Selection::Message(id)),
                None => return false,
            },
            "d" | "h" | "n" => match self.selected {
                Selection::Message(id) => match (key.as_str(), self.sim.message(id)) {
                    (_, None) => return false,
                    ("d", _) => LabMsg::Act(Action::DropMessage(id)),
                    ("n", _) => LabMsg::Act(Action::DeliverNow(id)),
                    (_, Some(m)) if matches!(m.state, MessageState::Held { .. }) => {
                        LabMsg::Act(Action::ReleaseMessage(id))
                    }
                    _ => LabMsg::Act(Action::HoldMessage(id)),
                },
                _ => return false,
            },
            digit if digit.len() == 1 && digit.as_bytes()[0].is_ascii_digit() => {
                let index = usize::from(digit.as_bytes()[0] - b'0');
                if index >= self.sim.nodes().len() {
                    return false;
                }
                LabMsg::Select(Selection::Node(NodeId(index as u16)))
            }
            other => match self.selected {
                Selection::Node(id) => {
                    match self.node_actions(id).into_iter().find(|a| a.key == other) {
                        Some(action) => LabMsg::Act(action.action),
                        None => return false,
                    }
                }
                _ => return false,
            },
        };
        e.prevent_default();
        Component::update(self, ctx, msg)
    }

    fn cycle_message(&self, forward: bool) -> Option<MsgId> {
        let ids: Vec<MsgId> = self.sim.in_flight().map(|m| m.id).collect();
        if ids.is_empty() {
            return None;
        }
        let current = match self.selected {
            Selection::Message(id) => ids.iter().position(|&m| m == id),
            _ => None,
        };
        let next = match (forward, current) {
            (true, Some(i)) => (i + 1) % ids.len(),
            (false, Some(i)) => (i + ids.len() - 1) % ids.len(),
            (true, None) => 0,
            (false, None) => ids.len() - 1,
        };
        Some(ids[next])
    }

    /// Crash or restart, then the lab's own actions.
    fn node_actions(&self, id: NodeId) -> Vec<NodeAction<CommandOf<L>>> {
        let crash = if self.sim.slot(id).is_up() {
            NodeAction {
                label: format!("Crash {id}"),
                key: "c",
                action: Action::Crash(id),
            }
        } else {
            NodeAction {
                label: format!("Restart {id}"),
                key: "c",
                action: Action::Restart(id),
            }
        };
        let mut actions = vec![crash];
        if self.sim.slot(id).is_up() {
            actions.extend(L::node_actions(&self.sim, id));
        }
        actions
    }

    /// Narrates the trace records not yet in the log, and notes how far the run has come.
    fn sync_log(&mut self) {
        self.frontier = self.frontier.max(self.sim.now());
        let records = self.sim.trace().records();
        if self.logged > records.len() {
            self.log.clear();
            self.logged = 0;
        }
        for (index, record) in records.iter().enumerate().skip(self.logged) {
            let tone = tone(&record.event);
            if tone == Tone::Routine && !self.routine_log {
                continue;
            }
            self.log.push(LogLine {
                index,
                at: record.at.to_string(),
                text: record.event.to_string(),
                tone,
            });
        }
        self.logged = records.len();
        let excess = self.log.len().saturating_sub(LOG_LINES);
        self.log.drain(..excess);
    }

    /// Where the timeline marks user actions and violations.
    /// Drawn every frame, so it looks up each violation's evidence instead of scanning the trace.
    fn marks(&self) -> Vec<(u64, Mark)> {
        let records = self.sim.trace().records();
        let actions = self.sim.script().iter().map(|t| (t.at.0, Mark::Action));
        let violations = self
            .sim
            .violations()
            .iter()
            .filter_map(|v| records.get(*v.events.first()?))
            .map(|r| (r.at.0, Mark::Violation));
        actions.chain(violations).collect()
    }

    /// The 95th percentile of recent frame times (running the simulation and drawing it).
    fn frame_report(&self) -> String {
        if self.frame_times.len() < 10 {
            return String::new();
        }
        let mut times: Vec<f64> = self.frame_times.iter().copied().collect();
        times.sort_by(f64::total_cmp);
        let p95 = times[times.len() * 95 / 100];
        format!(
            " · frame work p95: {} ms over {} frames",
            tenths(p95),
            times.len()
        )
    }

    fn display_now(&self) -> f64 {
        self.sim.now().0 as f64 + self.carry
    }

    fn node_glyphs(&self) -> Vec<NodeGlyph> {
        let snapshot = self.sim.snapshot();
        let now = self.display_now();
        snapshot
            .nodes
            .iter()
            .enumerate()
            .map(|(i, slot)| {
                let id = NodeId(i as u16);
                let look = L::node_look(&self.sim, slot, id, now);
                NodeGlyph {
                    id,
                    up: slot.is_up(),
                    caption: look.caption,
                    description: look.description,
                    badge: look.badge,
                    timer: look.timer,
                    tint: look.tint,
                    group: snapshot
                        .network
                        .partition()
                        .map(|_| snapshot.network.group_of(id)),
                    flagged: self.sim.violations().iter().any(|v| v.nodes.contains(&id)),
                }
            })
            .collect()
    }

    fn message_glyphs(&self) -> Vec<MessageGlyph> {
        let now = self.display_now();
        self.sim
            .snapshot()
            .messages
            .iter()
            .map(|m| {
                let held = matches!(m.state, MessageState::Held { .. });
                let (letter, class) = L::message_look(&m.msg);
                MessageGlyph {
                    id: m.id,
                    from: m.from,
                    to: m.to,
                    progress: m.progress(now),
                    letter,
                    class,
                    tag: L::message_tag(&m.msg),
                    held,
                    description: format!(
                        "{}: {} from {} to {}{}",
                        m.id,
                        m.msg,
                        m.from,
                        m.to,
                        if held { ", held" } else { "" }
                    ),
                }
            })
            .collect()
    }
}

/// The whole number the user typed, or a message saying it is not one.
pub fn whole_number(value: &str) -> Result<u64, String> {
    value
        .trim()
        .parse()
        .map_err(|_| format!("\"{value}\" is not a whole number"))
}

fn percent(p: u64) -> Result<Chance, String> {
    if p <= 100 {
        Ok(Chance::percent(p as u32))
    } else {
        Err(format!("a percentage must be between 0 and 100, got {p}"))
    }
}

fn tone<N: Node>(event: &TraceEvent<N>) -> Tone {
    match event {
        TraceEvent::Sent { .. } | TraceEvent::Delivered { .. } | TraceEvent::TimerFired { .. } => {
            Tone::Routine
        }
        TraceEvent::Dropped { reason, .. } if *reason != DropReason::ByUser => Tone::Routine,
        TraceEvent::Refused { .. } | TraceEvent::Violated(_) => Tone::Alarm,
        _ => Tone::Notable,
    }
}

/// Puts `text` on the clipboard where the browser allows it; the share dialog shows it anyway.
/// Tells the embedding page how tall the lab is, when that changed from `told`, so it can size
/// its iframe. Labs listen to no messages from the page in turn.
pub fn tell_height(told: &mut i32) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let height = window
        .document()
        .and_then(|d| d.document_element())
        .map_or(0, |e| e.scroll_height());
    if height == *told {
        return;
    }
    *told = height;
    if let Ok(Some(parent)) = window.parent() {
        let message = js_sys::Object::new();
        let _ = js_sys::Reflect::set(&message, &"type".into(), &"netsplit:height".into());
        let _ = js_sys::Reflect::set(&message, &"height".into(), &height.into());
        let _ = parent.post_message(&message, "*");
    }
}

/// A link to `state` on this page's address.
pub fn link_to(state: &ShareState) -> String {
    let base = web_sys::window()
        .map(|w| w.location())
        .map(|l| {
            format!(
                "{}{}",
                l.origin().unwrap_or_default(),
                l.pathname().unwrap_or_default()
            )
        })
        .unwrap_or_default();
    format!("{base}#{FRAGMENT_PREFIX}{}", state.encode())
}

/// Puts `text` on the clipboard where the browser allows it.
pub fn copy_to_clipboard(text: &str) {
    if let Some(window) = web_sys::window() {
        let _ = window.navigator().clipboard().write_text(text);
    }
}

fn storage_key(lab: Lab) -> String {
    format!("netsplit.{}.last", lab.slug())
}

/// The last run of `lab` kept in this browser, if any and if it still opens.
pub fn restore(lab: Lab) -> Option<ShareState> {
    let storage = web_sys::window()?.local_storage().ok()??;
    let code = storage.get_item(&storage_key(lab)).ok()??;
    ShareState::decode(&code)
        .ok()
        .filter(|state| state.scenario.lab() == lab)
}

pub fn store(lab: Lab, state: &ShareState) {
    let storage = web_sys::window().and_then(|w| w.local_storage().ok().flatten());
    if let Some(storage) = storage {
        // A full or disabled storage only means the run is not remembered.
        let _ = storage.set_item(&storage_key(lab), &state.encode());
    }
}

/// A message in flight, already put into words, so that the panels drawing it are compiled
/// once for all labs.
struct MessageInfo {
    id: MsgId,
    from: NodeId,
    to: NodeId,
    text: String,
    sent_at: Time,
    state: MessageState,
}

impl MessageInfo {
    fn of<M: fmt::Display>(m: &InFlight<M>) -> MessageInfo {
        MessageInfo {
            id: m.id,
            from: m.from,
            to: m.to,
            text: m.msg.to_string(),
            sent_at: m.sent_at,
            state: m.state,
        }
    }

    fn held(&self) -> bool {
        matches!(self.state, MessageState::Held { .. })
    }
}

/// Everything on a lab's page, put together by the lab and drawn by [`frame`].
struct Frame<'a> {
    slug: &'static str,
    intro: Html,
    presets: &'a [Preset],
    preset: Option<usize>,
    playing: bool,
    speed: usize,
    now: String,
    seed: u64,
    error: Option<&'a str>,
    banner: Html,
    topology: Html,
    legend: Html,
    inspector: Html,
    invariants: Html,
    below: Html,
    network: Html,
    params: Html,
    log: Vec<LogLine>,
    routine: bool,
    facts: String,
    help: Option<Vec<(&'static str, &'static str)>>,
    timeline: Html,
    share: Option<(&'a str, u64)>,
    embed: Option<&'a Embed>,
}

/// The line under a lab: `facts`, then share (`what` names the thing shared: "run"),
/// downloads of the view and of the record (`record`: "trace"), and the shortcut list.
pub fn run_facts(
    facts: Html,
    (what, record): (&str, &str),
    share: &Callback<bool>,
    export: &Callback<Export>,
    help: &Callback<bool>,
) -> Html {
    html! {
        <p class="run-facts">
            { facts }
            <button class="link" onclick={share.reform(|_: MouseEvent| true)} aria-keyshortcuts="s">{ format!("Share this {what} (s)") }</button>
            { "Download: " }
            <button class="link" onclick={export.reform(|_: MouseEvent| Export::Svg)}>{ "view (SVG)" }</button>
            <button class="link" onclick={export.reform(|_: MouseEvent| Export::Png)}>{ "view (PNG)" }</button>
            <button class="link" onclick={export.reform(|_: MouseEvent| Export::Trace)}>{ format!("{record} (JSON)") }</button>
            <button class="link" onclick={help.reform(|_: MouseEvent| true)} aria-keyshortcuts="?">{ "Keyboard shortcuts (?)" }</button>
        </p>
    }
}

/// The menu of a lab's presets with the chosen one's description. `preset` is `None` for a run
/// that is no preset (shared, restored or built by hand), described by `own` (menu entry, text).
pub fn preset_picker(
    label: &'static str,
    presets: &[Preset],
    preset: Option<usize>,
    own: (&'static str, &'static str),
    on_pick: Callback<usize>,
) -> Html {
    let options = presets.iter().enumerate().map(|(i, p)| {
        html! { <option value={i.to_string()} selected={Some(i) == preset}>{ p.title }</option> }
    });
    let description = preset.map_or(own.1, |i| presets[i].description);
    let onchange = on_pick.reform(|e: Event| {
        let select: web_sys::HtmlSelectElement = e.target_unchecked_into();
        select.value().parse().unwrap_or(0)
    });
    html! {
        <>
            <label class="preset">
                { format!("{label} ") }
                <select {onchange} aria-describedby="preset-description">
                    if preset.is_none() {
                        <option value="" selected=true disabled=true>{ own.0 }</option>
                    }
                    { for options }
                </select>
            </label>
            <p id="preset-description" class="preset-description">{ description }</p>
        </>
    }
}

fn frame(f: Frame<'_>, c: &Controls) -> Html {
    if let Some(embed) = f.embed {
        return embedded_frame(f, embed, c);
    }
    html! {
        <div class={classes!("lab", f.slug)}>
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
            { run_facts(html! { f.facts }, ("run", "trace"), &c.share, &c.export, &c.help) }
            if let Some(shortcuts) = f.help {
                <ShortcutHelp {shortcuts} on_close={c.help.reform(|()| false)} />
            }
            if let Some((link, hash)) = f.share {
                { share_dialog(link, hash, c.share.reform(|_: MouseEvent| false)) }
            }
        </div>
    }
}

/// Where each marker of the timeline goes, and what it marks.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mark {
    Action,
    Violation,
}

fn timeline(now: u64, end: u64, marks: &[(u64, Mark)], undo: Option<usize>, c: &Controls) -> Html {
    let end = end.max(now).max(1);
    let on_seek = c.seek.reform(|e: InputEvent| {
        let input: web_sys::HtmlInputElement = e.target_unchecked_into();
        input.value().parse().unwrap_or(0)
    });
    let ticks = marks.iter().map(|&(at, mark)| {
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

/// The share dialog: the link, an iframe snippet, and the run's hash ("about this run").
pub fn share_dialog(link: &str, hash: u64, close: Callback<MouseEvent>) -> Html {
    let (page, fragment) = link.split_once('#').unwrap_or((link, ""));
    let snippet = format!(
        "<iframe src=\"{page}?embed=1&controls=play,step,timeline#{fragment}\" title=\"Netsplit\" style=\"width: 100%; height: 560px; border: 0\"></iframe>"
    );
    html! {
        <div class="backdrop">
            <div class="dialog" role="dialog" aria-modal="true" aria-labelledby="share-title">
                <h2 id="share-title">{ "Share this run" }</h2>
                <p>{ "This link opens the same run at the same moment, with the same selection. It was copied to the clipboard where the browser allows it." }</p>
                <label class="share-link">
                    <span>{ "Link" }</span>
                    <input type="text" readonly=true value={link.to_string()} aria-label="Share link" />
                </label>
                <label class="share-link">
                    <span>{ "Embed it in a page" }</span>
                    <input type="text" readonly=true value={snippet} aria-label="Embed snippet" />
                </label>
                <p>{ "About this run: trace hash " }<code class="hash">{ format!("{hash:016x}") }</code>
                   { ". The command line prints the same hash for " }<code>{ "netsplit run 'LINK'" }</code>{ "." }</p>
                <button class="primary" onclick={close} autofocus=true>{ "Close (Esc)" }</button>
            </div>
        </div>
    }
}

/// An embedded lab: the view, a small strip of the chosen controls, and with the `panel`
/// control the lab's panel under the view (Raft's logs, Paxos's acceptors, the CRDT replicas).
fn embedded_frame(f: Frame<'_>, embed: &Embed, c: &Controls) -> Html {
    let shows = |control: &str| embed.controls.iter().any(|c| c == control);
    html! {
        <div class={classes!("lab", "embedded", f.slug)}>
            { f.banner }
            { f.topology }
            <div class="strip" role="toolbar" aria-label="Run controls">
                if shows("play") {
                    <button class="primary" onclick={c.play.reform(|_: MouseEvent| ())}>{ if f.playing { "❚❚ Pause" } else { "▶ Play" } }</button>
                }
                if shows("step") {
                    <button onclick={c.step.reform(|_: MouseEvent| ())}>{ "Step" }</button>
                }
                <span class="clock">{ format!("t = {}", f.now) }</span>
                <button class="link" onclick={c.open_full.reform(|_: MouseEvent| ())}>{ "Open in Netsplit ↗" }</button>
            </div>
            if shows("timeline") {
                { f.timeline }
            }
            if shows("panel") {
                { f.below }
            }
        </div>
    }
}

fn partition_banner(network: &Network, nodes: usize) -> Html {
    if network.partition().is_none() {
        return html! {};
    }
    let mut groups: Vec<(u16, Vec<String>)> = Vec::new();
    for id in NodeId::all(nodes) {
        let g = network.group_of(id);
        match groups.iter_mut().find(|(gg, _)| *gg == g) {
            Some((_, members)) => members.push(id.to_string()),
            None => groups.push((g, vec![id.to_string()])),
        }
    }
    groups.sort();
    let text: Vec<String> = groups
        .iter()
        .map(|(g, members)| format!("{}: {}", group_letter(*g), members.join(" ")))
        .collect();
    html! {
        <p class="banner partitioned" role="status">
            { format!("Network partitioned — {}", text.join("  |  ")) }
        </p>
    }
}

/// The inspector for a node: (id, up, actions as (label, key, class), the lab's details).
type NodePanel = (
    NodeId,
    bool,
    Vec<(String, &'static str, &'static str)>,
    Html,
);

fn inspector_panel(body: Html) -> Html {
    html! {
        <section class="panel inspector" aria-labelledby="inspector-title">
            <h2 id="inspector-title">{ "Inspector" }</h2>
            { body }
        </section>
    }
}

fn node_inspector(node: Option<NodePanel>, c: &Controls) -> Html {
    let Some((id, up, actions, details)) = node else {
        return inspector_panel(html! {
            <p class="hint">{ "Select a node or a message: click or tap it, press 0–9 for nodes, or [ and ] for messages." }</p>
        });
    };
    let buttons = actions.into_iter().enumerate().map(|(n, (label, key, class))| {
        let onclick = c.node_action.reform(move |_: MouseEvent| (id, n));
        if key.is_empty() {
            html! { <button {class} {onclick}>{ label }</button> }
        } else {
            html! { <button {class} aria-keyshortcuts={key} {onclick}>{ format!("{label} ({key})") }</button> }
        }
    });
    inspector_panel(html! {
        <>
            <h3>{ format!("{id} — {}", if up { "up" } else { "crashed" }) }</h3>
            <div class="buttons">{ for buttons }</div>
            { details }
        </>
    })
}

fn message_inspector(id: MsgId, message: Option<MessageInfo>, c: &Controls) -> Html {
    let Some(m) = message else {
        return inspector_panel(html! {
            <p class="hint">{ format!("{id} has left the network (delivered or dropped).") }</p>
        });
    };
    let when = match m.state {
        MessageState::OnTheWay { deliver_at, .. } => format!("arrives at {deliver_at}"),
        MessageState::Held { remaining, .. } => format!("held, {remaining} of travel left"),
    };
    let (label, hold) = if m.held() {
        ("Release (h)", MessageOp::Release)
    } else {
        ("Hold (h)", MessageOp::Hold)
    };
    let op = |op: MessageOp| c.message.reform(move |_: MouseEvent| (id, op));
    inspector_panel(html! {
        <>
            <h3>{ format!("{id}: {} → {}", m.from, m.to) }</h3>
            <p>{ format!("{}, sent at {}, {when}.", m.text, m.sent_at) }</p>
            <div class="buttons">
                <button class="danger" aria-keyshortcuts="d" onclick={op(MessageOp::Drop)}>{ "Drop (d)" }</button>
                <button aria-keyshortcuts="h" onclick={op(hold)}>{ label }</button>
                <button aria-keyshortcuts="n" onclick={op(MessageOp::DeliverNow)}>{ "Deliver now (n)" }</button>
            </div>
        </>
    })
}

fn invariants(properties: &[(&str, &str)], violations: &[Violation], findings: Html) -> Html {
    let properties = properties.iter().map(|(name, what)| {
        let broken: Vec<_> = violations.iter().filter(|v| v.property == *name).collect();
        let (class, status) = if broken.is_empty() {
            ("holds", "✓ holds".to_string())
        } else {
            ("broken", format!("✗ broken ({})", broken.len()))
        };
        html! {
            <li class={class}>
                <strong>{ name.to_string() }</strong>{ format!(" — {status}") }
                <div class="what">{ what.to_string() }</div>
                if let Some(v) = broken.first() {
                    <div class="evidence">{ &v.explanation }</div>
                }
            </li>
        }
    });
    html! {
        <section class="panel invariants" aria-labelledby="invariants-title">
            <h2 id="invariants-title">{ "Live checks" }</h2>
            <ul class="properties">{ for properties }</ul>
            { findings }
        </section>
    }
}

fn network_panel(
    network: &Network,
    picks: &[bool],
    messages: &[MessageInfo],
    in_flight: usize,
    selected: Selection,
    c: &Controls,
) -> Html {
    let current = *network.default_link();
    let picks = NodeId::all(picks.len()).map(|id| {
        html! {
            <label class="pick">
                <input type="checkbox" checked={picks[id.index()]} onchange={c.pick.reform(move |_: Event| id)} />
                { id.to_string() }
            </label>
        }
    });
    let messages = messages.iter().map(|m| {
        let id = m.id;
        let is_selected = selected == Selection::Message(id);
        html! {
            <li key={id.0}>
                <button class={classes!("msg-button", is_selected.then_some("selected"))} aria-pressed={is_selected.to_string()}
                    onclick={c.select.reform(move |_: MouseEvent| Selection::Message(id))}>
                    { format!("{id} {}→{}{}", m.from, m.to, if m.held() { " (held)" } else { "" }) }
                </button>
            </li>
        }
    });
    let number = |field: LinkField, label: &'static str, value: u64, max: u64| {
        let on_change = c
            .links
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, callback)| callback.clone())
            .expect("every link field has a callback");
        html! { <NumberField {label} {value} min={0} max={max} {on_change} /> }
    };
    html! {
        <section class="panel network" aria-labelledby="network-title">
            <h2 id="network-title">{ "Network" }</h2>
            <fieldset>
                <legend>{ "Partition: cut the picked nodes off" }</legend>
                <div class="picks">{ for picks }</div>
                <div class="buttons">
                    <button onclick={c.split.reform(|_: MouseEvent| ())}>{ "Split" }</button>
                    <button onclick={c.heal.reform(|_: MouseEvent| ())} disabled={network.partition().is_none()}>{ "Heal" }</button>
                </div>
            </fieldset>
            <fieldset>
                <legend>{ "Links" }</legend>
                { number(LinkField::Loss, "loss %", u64::from(current.drop.ppm() / 10_000), 100) }
                { number(LinkField::Duplicate, "duplicate %", u64::from(current.duplicate.ppm() / 10_000), 100) }
                { number(LinkField::LatencyMin, "latency min (ms)", current.latency_min.as_millis(), 60_000) }
                { number(LinkField::LatencyMax, "latency max (ms)", current.latency_max.as_millis(), 60_000) }
            </fieldset>
            <h3>{ format!("In flight: {in_flight}") }</h3>
            <ul class="in-flight">{ for messages }</ul>
        </section>
    }
}
