//! The frame every network lab shares: the play loop, the keyboard, and the page that holds
//! the transport, timeline, topology, inspector, live checks, network panel, parameters and
//! event log.
//!
//! ```text
//!   LabView (one component, compiled once) ──Box<dyn LiveLab>──▶ Live<S> ──▶ Session<S::Lab>
//!      clicks, keys, frames                    what S draws (LabSpec)        the typed run
//! ```
//!
//! The run itself is a [`Session`] (time travel, forks, parameters, refusals, all host-tested).
//! A lab supplies only what is its own through [`LabSpec`]; [`Live`] joins the two behind
//! [`LiveLab`], so that the frame and its parts are compiled once, not once per lab.

use gloo_events::EventListener;
use gloo_render::{AnimationFrame, request_animation_frame};
use netsplit_labs::{NetworkMember, ShareState, ViewState};
use netsplit_sim::lab::{About, Finding, Lab, NetworkLab};
use netsplit_sim::{
    Action, DropReason, MessageState, MsgId, Network, NoCommand, Node, NodeId, Slot, Span, Time,
    TraceEvent, Violation,
};
use std::collections::VecDeque;
use std::rc::Rc;
use wasm_bindgen::JsCast;
use yew::prelude::*;

use crate::kit::checks::invariants;
use crate::kit::embed::{Embed, tell_height};
use crate::kit::export::{Export, download_drawing, download_text, to_json};
use crate::kit::field::Fields;
use crate::kit::help::ShortcutHelp;
use crate::kit::inspector::{MessageInfo, MessageOp, NodePanel, message_inspector, node_inspector};
use crate::kit::keys::{SHARED_SHORTCUTS, listen_for_keys, typing_in_field};
use crate::kit::log::{EventLog, LogLine, Tone};
use crate::kit::network::{network_panel, partition_banner};
use crate::kit::presets::{PresetEntry, preset_menu, preset_picker};
use crate::kit::share::{copy_to_clipboard, link_to, run_facts, share_dialog};
use crate::kit::storage::{opened_in, restore, store};
use crate::kit::timeline::timeline;
use crate::kit::topology::{Arrow, MessageGlyph, NodeGlyph, Topology};
use crate::kit::transport::Transport;
use crate::kit::{BASE_RATE, SPEEDS, now_ms, prefers_reduced_motion, tenths};
use crate::session::{LinkField, Mark, Selection, Session};

/// The protocol of lab view `L`.
pub type LabOf<L> = <L as LabSpec>::Lab;
/// The node type of lab view `L`.
pub type NodeOf<L> = <LabOf<L> as NetworkLab>::Node;
/// The command type of lab view `L`.
pub type CommandOf<L> = netsplit_sim::lab::CommandOf<LabOf<L>>;
/// The scenario type of lab view `L`.
pub type ScenarioOf<L> = netsplit_sim::lab::ScenarioOf<LabOf<L>>;
/// The parameters of lab view `L`.
pub type ParamsOf<L> = <LabOf<L> as NetworkLab>::Params;
/// The simulator type of lab view `L`.
pub type SimOf<L> = netsplit_sim::lab::SimOf<LabOf<L>>;

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

/// What the browser adds to a network lab: how its nodes and messages look and its own parts
/// of the view. Everything else about the lab (parameters, checks, findings, presets) is the
/// protocol crate's [`NetworkLab`].
pub trait LabSpec: Sized + 'static {
    /// The lab, as its protocol crate describes it.
    type Lab: NetworkMember;

    /// The parameters the panel edits, by the names [`NetworkLab::set_param`] takes.
    const FIELDS: &'static [&'static str];
    /// The lab's own shortcuts, listed in the help after the shared ones.
    const SHORTCUTS: &'static [(&'static str, &'static str)];
    /// What the topology shows, for screen readers.
    const STAGE_LABEL: &'static str;

    /// The heading and a short explanation.
    fn intro() -> Html;
    /// The parameter controls.
    fn params_panel(params: &ParamsOf<Self>, fields: &Fields) -> Html;
    /// How node `id` looks at (fractional) time `now`.
    fn node_look(sim: &SimOf<Self>, slot: &Slot<NodeOf<Self>>, id: NodeId, now: f64) -> NodeLook;
    /// A message's letter and CSS class: kinds differ by letter as well as colour.
    fn message_look(msg: &<NodeOf<Self> as Node>::Msg) -> (&'static str, &'static str);
    /// A short tag written beside a message in flight (Paxos: its ballot).
    fn message_tag(_msg: &<NodeOf<Self> as Node>::Msg) -> Option<String> {
        None
    }
    /// How many nodes stand in a left column, the rest in a right one; `None` puts them on a
    /// circle.
    fn columns(_params: &ParamsOf<Self>) -> Option<usize> {
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
    /// A panel under the topology (Raft: the log table; CRDTs: the replica cards and a
    /// comparison that replays the scenario with other types).
    fn below_stage(_sim: &SimOf<Self>, _scenario: &ScenarioOf<Self>, _selected: Selection) -> Html {
        html! {}
    }
    /// The legend under the topology.
    fn legend() -> Html;
}

/// A network lab on screen, whatever its protocol: what the frame asks of it and tells it. Every
/// method is the lab's [`Session`] or its [`LabSpec`], without their types.
pub trait LiveLab {
    /// Who the lab is.
    fn about(&self) -> About;
    /// The parameters its panel edits, by name.
    fn fields(&self) -> &'static [&'static str];
    /// The properties its monitor checks: (name, what it means).
    fn properties(&self) -> &'static [(&'static str, &'static str)];
    /// The lab's own shortcuts.
    fn shortcuts(&self) -> &'static [(&'static str, &'static str)];
    /// What the topology shows, for screen readers.
    fn stage_label(&self) -> &'static str;
    /// The heading and a short explanation.
    fn intro(&self) -> Html;
    /// The legend under the topology.
    fn legend(&self) -> Html;
    /// The presets' menu entries.
    fn preset_menu(&self) -> Vec<PresetEntry>;
    /// The preset the run started from, if any.
    fn preset(&self) -> Option<usize>;
    /// The run's seed.
    fn seed(&self) -> u64;
    /// The present moment.
    fn now(&self) -> Time;
    /// Where the timeline ends.
    fn end(&self) -> Time;
    /// How many events have run.
    fn steps(&self) -> u64;
    /// How many records the trace holds.
    fn trace_len(&self) -> usize;
    /// The trace hash so far.
    fn trace_hash(&self) -> u64;
    /// Where the timeline marks actions and violations.
    fn marks(&self) -> Vec<(Time, Mark)>;
    /// How many later actions undo would bring back.
    fn undoable(&self) -> Option<usize>;
    /// What is selected.
    fn selected(&self) -> Selection;
    /// Which nodes are picked to be cut off.
    fn picks(&self) -> &[bool];
    /// The network as it is now.
    fn network(&self) -> &Network;
    /// How many nodes the cluster has.
    fn nodes(&self) -> usize;
    /// Whether node `id` is up.
    fn is_up(&self, id: NodeId) -> bool;
    /// Every violation found so far.
    fn violations(&self) -> &[Violation];
    /// What the lab found beyond pass or fail.
    fn findings(&self) -> Vec<Finding>;
    /// The nodes as drawn at (fractional) time `now`.
    fn node_glyphs(&self, now: f64) -> Vec<NodeGlyph>;
    /// The messages in flight as drawn at `now`.
    fn message_glyphs(&self, now: f64) -> Vec<MessageGlyph>;
    /// Relations drawn between nodes.
    fn arrows(&self) -> Vec<Arrow>;
    /// How many nodes stand in a left column, if they stand in two.
    fn columns(&self) -> Option<usize>;
    /// What can be done to node `id`: (label, key, CSS class), crash or restart first.
    fn node_actions(&self, id: NodeId) -> Vec<(String, &'static str, &'static str)>;
    /// The inspector's details for node `id`.
    fn node_details(&self, id: NodeId) -> Html;
    /// Message `id`, if it is in flight.
    fn message(&self, id: MsgId) -> Option<MessageInfo>;
    /// The first `n` messages in flight, and how many there are.
    fn in_flight(&self, n: usize) -> (Vec<MessageInfo>, usize);
    /// The panel under the topology.
    fn below_stage(&self) -> Html;
    /// The parameter controls.
    fn params_panel(&self, fields: &Fields) -> Html;
    /// Log lines for the trace records from `from` on (routine ones only with `routine`).
    fn narrate(&self, from: usize, routine: bool) -> Vec<LogLine>;
    /// The whole trace as JSON.
    fn trace_json(&self) -> Result<String, String>;
    /// The run, the moment and the view, for links and storage.
    fn share_state(&self, routine_log: bool) -> ShareState;

    /// Runs `span` of virtual time forward.
    fn advance(&mut self, span: Span);
    /// Runs the next event.
    fn step(&mut self);
    /// Goes back one event.
    fn step_back(&mut self);
    /// Goes to moment `t`.
    fn seek(&mut self, t: Time);
    /// Runs to the scenario's end.
    fn run_to_end(&mut self);
    /// Runs to the next violation.
    fn next_violation(&mut self);
    /// Acts now, with an action every lab has.
    fn act(&mut self, action: Action<NoCommand>);
    /// Runs node `id`'s action number `n` (of [`LiveLab::node_actions`]).
    fn node_action(&mut self, id: NodeId, n: usize);
    /// Brings back what acting in the past dropped.
    fn undo(&mut self);
    /// Back to the start.
    fn reset(&mut self);
    /// Starts a preset.
    fn load_preset(&mut self, index: usize);
    /// Starts again with a new seed, or refuses it.
    fn set_seed(&mut self, text: &str) -> Result<(), String>;
    /// Starts again with a parameter changed, or refuses it.
    fn set_param(&mut self, key: &str, value: &str) -> Result<(), String>;
    /// Changes every link from now on, or refuses it.
    fn set_link(&mut self, field: LinkField, value: &str) -> Result<(), String>;
    /// Selects something.
    fn select(&mut self, selection: Selection);
    /// Picks or unpicks a node to cut off.
    fn pick(&mut self, id: NodeId);
    /// Cuts the picked nodes off, or refuses.
    fn split(&mut self) -> Result<(), String>;
    /// The next (or previous) message in flight after the selected one.
    fn cycle_message(&self, forward: bool) -> Option<MsgId>;
    /// Holding or releasing message `id`, whichever applies.
    fn toggle_hold(&self, id: MsgId) -> Option<Action<NoCommand>>;
}

/// A network lab `S` on screen: its session and its look.
pub struct Live<S: LabSpec> {
    session: Session<S::Lab>,
}

impl<S: LabSpec> Live<S> {
    /// Crash or restart, then the lab's own actions.
    fn actions(&self, id: NodeId) -> Vec<NodeAction<CommandOf<S>>> {
        let sim = self.session.sim();
        let up = sim.slot(id).is_up();
        let mut actions = vec![NodeAction {
            label: format!("{} {id}", if up { "Crash" } else { "Restart" }),
            key: "c",
            action: if up {
                Action::Crash(id)
            } else {
                Action::Restart(id)
            },
        }];
        if up {
            actions.extend(S::node_actions(sim, id));
        }
        actions
    }
}

/// How a network lab opens: from a shared link, else from the run kept in this browser, else
/// at its first preset; with the view it was shared or kept with.
pub type Opener = fn(Option<&ShareState>) -> (Box<dyn LiveLab>, Option<ViewState>);

/// Opens network lab `S` (see [`Opener`]).
pub fn open<S: LabSpec>(shared: Option<&ShareState>) -> (Box<dyn LiveLab>, Option<ViewState>) {
    let opened = shared
        .and_then(opened_in::<LabOf<S>>)
        .or_else(restore::<LabOf<S>>);
    let session = match &opened {
        Some((scenario, view)) => Session::opened(scenario.clone(), view),
        None => Session::new(),
    };
    (
        Box::new(Live::<S> { session }),
        opened.map(|(_, view)| view),
    )
}

impl<S: LabSpec> LiveLab for Live<S> {
    fn about(&self) -> About {
        <LabOf<S> as Lab>::ABOUT
    }
    fn fields(&self) -> &'static [&'static str] {
        S::FIELDS
    }
    fn properties(&self) -> &'static [(&'static str, &'static str)] {
        LabOf::<S>::PROPERTIES
    }
    fn shortcuts(&self) -> &'static [(&'static str, &'static str)] {
        S::SHORTCUTS
    }
    fn stage_label(&self) -> &'static str {
        S::STAGE_LABEL
    }
    fn intro(&self) -> Html {
        S::intro()
    }
    fn legend(&self) -> Html {
        S::legend()
    }
    fn preset_menu(&self) -> Vec<PresetEntry> {
        preset_menu::<ScenarioOf<S>>(self.session.presets())
    }
    fn preset(&self) -> Option<usize> {
        self.session.preset()
    }
    fn seed(&self) -> u64 {
        self.session.scenario().seed
    }
    fn now(&self) -> Time {
        self.session.sim().now()
    }
    fn end(&self) -> Time {
        self.session.end()
    }
    fn steps(&self) -> u64 {
        self.session.sim().steps()
    }
    fn trace_len(&self) -> usize {
        self.session.sim().trace().len()
    }
    fn trace_hash(&self) -> u64 {
        self.session.sim().trace().hash()
    }
    fn marks(&self) -> Vec<(Time, Mark)> {
        self.session.marks()
    }
    fn undoable(&self) -> Option<usize> {
        self.session.undoable()
    }
    fn selected(&self) -> Selection {
        self.session.selected()
    }
    fn picks(&self) -> &[bool] {
        self.session.picks()
    }
    fn network(&self) -> &Network {
        self.session.sim().network()
    }
    fn nodes(&self) -> usize {
        self.session.sim().nodes().len()
    }
    fn is_up(&self, id: NodeId) -> bool {
        self.session.sim().slot(id).is_up()
    }
    fn violations(&self) -> &[Violation] {
        self.session.sim().violations()
    }
    fn findings(&self) -> Vec<Finding> {
        LabOf::<S>::findings(self.session.sim())
    }
    fn node_glyphs(&self, now: f64) -> Vec<NodeGlyph> {
        let sim = self.session.sim();
        let snapshot = sim.snapshot();
        snapshot
            .nodes
            .iter()
            .enumerate()
            .map(|(i, slot)| {
                let id = NodeId(i as u16);
                let look = S::node_look(sim, slot, id, now);
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
                    flagged: sim.violations().iter().any(|v| v.nodes.contains(&id)),
                }
            })
            .collect()
    }
    fn message_glyphs(&self, now: f64) -> Vec<MessageGlyph> {
        self.session
            .sim()
            .snapshot()
            .messages
            .iter()
            .map(|m| {
                let held = matches!(m.state, MessageState::Held { .. });
                let (letter, class) = S::message_look(&m.msg);
                MessageGlyph {
                    id: m.id,
                    from: m.from,
                    to: m.to,
                    progress: m.progress(now),
                    letter,
                    class,
                    tag: S::message_tag(&m.msg),
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
    fn arrows(&self) -> Vec<Arrow> {
        S::arrows(self.session.sim())
    }
    fn columns(&self) -> Option<usize> {
        S::columns(&self.session.scenario().params)
    }
    fn node_actions(&self, id: NodeId) -> Vec<(String, &'static str, &'static str)> {
        self.actions(id)
            .into_iter()
            .map(|a| {
                let class = match a.action {
                    Action::Crash(_) => "danger",
                    Action::Restart(_) => "primary",
                    _ => "",
                };
                (a.label, a.key, class)
            })
            .collect()
    }
    fn node_details(&self, id: NodeId) -> Html {
        S::node_details(self.session.sim(), id)
    }
    fn message(&self, id: MsgId) -> Option<MessageInfo> {
        self.session.sim().message(id).map(MessageInfo::of)
    }
    fn in_flight(&self, n: usize) -> (Vec<MessageInfo>, usize) {
        let sim = self.session.sim();
        (
            sim.in_flight().take(n).map(MessageInfo::of).collect(),
            sim.in_flight().count(),
        )
    }
    fn below_stage(&self) -> Html {
        S::below_stage(
            self.session.sim(),
            self.session.scenario(),
            self.session.selected(),
        )
    }
    fn params_panel(&self, fields: &Fields) -> Html {
        S::params_panel(&self.session.scenario().params, fields)
    }
    fn narrate(&self, from: usize, routine: bool) -> Vec<LogLine> {
        let records = self.session.sim().trace().records();
        records
            .iter()
            .enumerate()
            .skip(from)
            .filter_map(|(index, record)| {
                let tone = tone(&record.event);
                (routine || tone != Tone::Routine).then(|| LogLine {
                    index,
                    at: record.at.to_string(),
                    text: record.event.to_string(),
                    tone,
                })
            })
            .collect()
    }
    fn trace_json(&self) -> Result<String, String> {
        to_json(self.session.sim().trace().records())
    }
    fn share_state(&self, routine_log: bool) -> ShareState {
        self.session.share_state(routine_log)
    }
    fn advance(&mut self, span: Span) {
        self.session.advance(span);
    }
    fn step(&mut self) {
        self.session.step();
    }
    fn step_back(&mut self) {
        self.session.step_back();
    }
    fn seek(&mut self, t: Time) {
        self.session.seek(t);
    }
    fn run_to_end(&mut self) {
        self.session.run_to_end();
    }
    fn next_violation(&mut self) {
        self.session.next_violation();
    }
    fn act(&mut self, action: Action<NoCommand>) {
        self.session.act(action.for_commands());
    }
    fn node_action(&mut self, id: NodeId, n: usize) {
        if let Some(action) = self.actions(id).into_iter().nth(n) {
            self.session.act(action.action);
        }
    }
    fn undo(&mut self) {
        self.session.undo();
    }
    fn reset(&mut self) {
        self.session.reset();
    }
    fn load_preset(&mut self, index: usize) {
        self.session.load_preset(index);
    }
    fn set_seed(&mut self, text: &str) -> Result<(), String> {
        self.session.set_seed(text)
    }
    fn set_param(&mut self, key: &str, value: &str) -> Result<(), String> {
        self.session.set_param(key, value)
    }
    fn set_link(&mut self, field: LinkField, value: &str) -> Result<(), String> {
        self.session.set_link(field, value)
    }
    fn select(&mut self, selection: Selection) {
        self.session.select(selection);
    }
    fn pick(&mut self, id: NodeId) {
        self.session.pick(id);
    }
    fn split(&mut self) -> Result<(), String> {
        self.session.split()
    }
    fn cycle_message(&self, forward: bool) -> Option<MsgId> {
        self.session.cycle_message(forward)
    }
    fn toggle_hold(&self, id: MsgId) -> Option<Action<NoCommand>> {
        self.session.toggle_hold(id)
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

/// The most log lines kept on screen.
const LOG_LINES: usize = 150;
/// The longest real-time gap one frame may cover, so a hidden tab does not leap ahead.
const MAX_FRAME_MS: f64 = 100.0;
/// How many recent frames the frame-time figure covers.
const FRAME_WINDOW: usize = 240;

/// What a lab reacts to.
pub enum LabMsg {
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
    /// Do something every lab can do to the run now.
    Act(Action<NoCommand>),
    /// Do something to a message in flight.
    Message(MsgId, MessageOp),
    /// Run the node's action number `n` (crash or restart, then the lab's own).
    NodeAction(NodeId, usize),
    /// Put a node in or out of the group to cut off.
    Pick(NodeId),
    /// Cut the picked nodes off from the rest.
    Split,
    /// A lab parameter changed: its name and what was typed.
    Param(&'static str, String),
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

/// What a lab opens with.
#[derive(Properties, Clone, Default)]
pub struct LabProps {
    /// A run to open, from a share link.
    #[prop_or_default]
    pub shared: Option<Rc<ShareState>>,
    /// Set when the lab is embedded in another page.
    #[prop_or_default]
    pub embed: Option<Rc<Embed>>,
}

impl PartialEq for LabProps {
    fn eq(&self, other: &Self) -> bool {
        same(&self.shared, &other.shared) && same(&self.embed, &other.embed)
    }
}

/// Whether two props hold the same value: the app makes each once, so pointers decide.
fn same<T>(a: &Option<Rc<T>>, b: &Option<Rc<T>>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => Rc::ptr_eq(a, b),
        (a, b) => a.is_none() && b.is_none(),
    }
}

/// What a network lab's page opens with: the lab, and what the page asks for.
#[derive(Properties, Clone)]
pub struct NetworkLabProps {
    /// The lab's slug, which names it for comparisons.
    pub slug: &'static str,
    /// Opens the lab.
    pub open: Opener,
    /// A run to open, from a share link.
    #[prop_or_default]
    pub shared: Option<Rc<ShareState>>,
    /// Set when the lab is embedded in another page.
    #[prop_or_default]
    pub embed: Option<Rc<Embed>>,
}

impl PartialEq for NetworkLabProps {
    fn eq(&self, other: &Self) -> bool {
        // Function addresses are not unique; the slug says which lab it is.
        self.slug == other.slug
            && same(&self.shared, &other.shared)
            && same(&self.embed, &other.embed)
    }
}

/// The page of network lab `S`.
pub fn network_page<S: LabSpec>(props: LabProps) -> Html {
    let open: Opener = open::<S>;
    let slug = <LabOf<S> as Lab>::ABOUT.slug;
    html! { <LabView {slug} {open} shared={props.shared} embed={props.embed} /> }
}

/// A network lab on screen.
pub struct LabView {
    lab: Box<dyn LiveLab>,
    preset_menu: Vec<PresetEntry>,
    playing: bool,
    speed: usize,
    /// Fractional virtual milliseconds not yet run, for smooth motion between events.
    carry: f64,
    last_frame: Option<f64>,
    frame: Option<AnimationFrame>,
    routine_log: bool,
    log: Vec<LogLine>,
    logged: usize,
    error: Option<String>,
    help: bool,
    fields: Fields,
    controls: Controls,
    /// When the frame being drawn started, and how long recent frames took to run and draw.
    frame_started: Option<f64>,
    frame_times: VecDeque<f64>,
    /// The link being shown in the share dialog.
    share: Option<String>,
    embed: Option<Rc<Embed>>,
    /// The page height last told to the embedding page.
    told_height: i32,
    _keys: Option<EventListener>,
    _leaving: Option<EventListener>,
}

/// Callbacks made once per lab: nothing is allocated for them on each frame, and the parts of
/// the page that take them are compiled once for all labs.
#[derive(Clone)]
pub struct Controls {
    pub(crate) play: Callback<()>,
    pub(crate) step: Callback<()>,
    pub(crate) reset: Callback<()>,
    pub(crate) to_end: Callback<()>,
    pub(crate) speed: Callback<usize>,
    pub(crate) seed: Callback<String>,
    pub(crate) preset: Callback<usize>,
    pub(crate) select: Callback<Selection>,
    pub(crate) pick: Callback<NodeId>,
    pub(crate) split: Callback<()>,
    pub(crate) heal: Callback<()>,
    pub(crate) message: Callback<(MsgId, MessageOp)>,
    pub(crate) node_action: Callback<(NodeId, usize)>,
    pub(crate) routine: Callback<()>,
    pub(crate) help: Callback<bool>,
    pub(crate) seek: Callback<u64>,
    pub(crate) step_back: Callback<()>,
    pub(crate) next_violation: Callback<()>,
    pub(crate) undo: Callback<()>,
    pub(crate) share: Callback<bool>,
    pub(crate) open_full: Callback<()>,
    pub(crate) export: Callback<Export>,
    pub(crate) links: Vec<(LinkField, Callback<String>)>,
}

impl Controls {
    fn new(link: &yew::html::Scope<LabView>) -> Controls {
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

/// Whether `msg` moves the run by hand (and so pauses it).
fn moves_by_hand(msg: &LabMsg) -> bool {
    matches!(
        msg,
        LabMsg::Step | LabMsg::ToEnd | LabMsg::Seek(_) | LabMsg::StepBack | LabMsg::NextViolation
    )
}

impl Component for LabView {
    type Message = LabMsg;
    type Properties = NetworkLabProps;

    fn create(ctx: &Context<Self>) -> Self {
        let props = ctx.props();
        let (lab, opened) = (props.open)(props.shared.as_deref());
        let fields = Fields::new(
            lab.fields()
                .iter()
                .map(|&field| {
                    (
                        field,
                        ctx.link().callback(move |text| LabMsg::Param(field, text)),
                    )
                })
                .collect(),
        );
        let mut view = LabView {
            preset_menu: lab.preset_menu(),
            lab,
            playing: false,
            speed: 3,
            carry: 0.0,
            last_frame: None,
            frame: None,
            routine_log: opened.as_ref().is_some_and(|view| view.routine_log),
            log: Vec::new(),
            logged: 0,
            error: None,
            help: false,
            fields,
            controls: Controls::new(ctx.link()),
            frame_started: None,
            frame_times: VecDeque::with_capacity(FRAME_WINDOW),
            share: None,
            embed: props.embed.clone(),
            told_height: 0,
            _keys: listen_for_keys(ctx.link().callback(LabMsg::Key)),
            _leaving: web_sys::window().map(|window| {
                let link = ctx.link().clone();
                EventListener::new(&window, "pagehide", move |_| {
                    link.send_message(LabMsg::Leaving)
                })
            }),
        };
        view.sync_log();
        let autoplay = match &view.embed {
            Some(embed) => embed.autoplay,
            None => opened.is_none(),
        };
        if autoplay && !prefers_reduced_motion() {
            view.set_playing(ctx, true);
        }
        view
    }

    fn update(&mut self, ctx: &Context<Self>, msg: LabMsg) -> bool {
        if moves_by_hand(&msg) {
            // Everything that moves the run by hand stops the play loop's smooth motion.
            self.set_playing(ctx, false);
            self.carry = 0.0;
        }
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
                self.lab.advance(Span(whole as u64));
                self.request_frame(ctx);
            }
            LabMsg::Play => {
                self.set_playing(ctx, !self.playing);
                self.keep();
            }
            LabMsg::Step => {
                self.lab.step();
                self.keep();
            }
            LabMsg::ToEnd => {
                self.lab.run_to_end();
                self.keep();
            }
            LabMsg::Reset => {
                self.lab.reset();
                self.restarted(Ok(()));
            }
            LabMsg::Speed(index) => self.speed = index.min(SPEEDS.len() - 1),
            LabMsg::Seed(text) => {
                let result = self.lab.set_seed(&text);
                self.restarted(result);
            }
            LabMsg::Preset(index) => {
                self.lab.load_preset(index);
                self.restarted(Ok(()));
            }
            LabMsg::Param(field, value) => {
                let result = self.lab.set_param(field, &value);
                self.restarted(result);
            }
            LabMsg::Select(selection) => self.lab.select(selection),
            LabMsg::Act(action) => {
                self.lab.act(action);
                self.keep();
            }
            LabMsg::Message(id, op) => {
                self.lab.act(match op {
                    MessageOp::Drop => Action::DropMessage(id),
                    MessageOp::Hold => Action::HoldMessage(id),
                    MessageOp::Release => Action::ReleaseMessage(id),
                    MessageOp::DeliverNow => Action::DeliverNow(id),
                });
                self.keep();
            }
            LabMsg::NodeAction(id, n) => {
                self.lab.node_action(id, n);
                self.keep();
            }
            LabMsg::Pick(id) => self.lab.pick(id),
            LabMsg::Split => {
                self.error = self.lab.split().err();
                self.keep();
            }
            LabMsg::Link(field, value) => {
                self.error = self.lab.set_link(field, &value).err();
                self.keep();
            }
            LabMsg::ToggleRoutine => {
                self.routine_log = !self.routine_log;
                self.log.clear();
                self.logged = 0;
            }
            LabMsg::Help(open) => self.help = open,
            LabMsg::Key(e) => return self.on_key(ctx, &e),
            LabMsg::Seek(ms) => {
                self.lab.seek(Time(ms));
                self.keep();
            }
            LabMsg::StepBack => {
                self.lab.step_back();
                self.keep();
            }
            LabMsg::NextViolation => self.lab.next_violation(),
            LabMsg::Undo => {
                self.lab.undo();
                self.log.clear();
                self.logged = 0;
                self.keep();
            }
            LabMsg::Share(open) => {
                self.share = open.then(|| link_to(&self.share_state()));
                if let Some(link) = &self.share {
                    copy_to_clipboard(link);
                }
            }
            LabMsg::Leaving => {
                self.keep();
                return false;
            }
            LabMsg::Export(kind) => {
                self.export(kind);
                return false;
            }
            LabMsg::OpenFull => {
                if let Some(window) = web_sys::window() {
                    let _ =
                        window.open_with_url_and_target(&link_to(&self.share_state()), "_blank");
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
        let lab = &*self.lab;
        let now = lab.now();
        let shown_at = now.0 as f64 + self.carry;
        let topology = html! {
            <Topology
                nodes={lab.node_glyphs(shown_at)}
                messages={lab.message_glyphs(shown_at)}
                arrows={lab.arrows()}
                selected={lab.selected()}
                on_select={c.select.clone()}
                label={AttrValue::from(lab.stage_label())}
                columns={lab.columns()}
            />
        };
        let inspector = match lab.selected() {
            Selection::Nothing => node_inspector(None, c),
            Selection::Node(id) => {
                let panel: NodePanel = (
                    id,
                    lab.is_up(id),
                    lab.node_actions(id),
                    lab.node_details(id),
                );
                node_inspector(Some(panel), c)
            }
            Selection::Message(id) => message_inspector(id, lab.message(id), c),
        };
        let (messages, in_flight) = lab.in_flight(12);
        frame(
            Frame {
                slug: lab.about().slug,
                intro: lab.intro(),
                presets: &self.preset_menu,
                preset: lab.preset(),
                timeline: timeline(now, lab.end(), &lab.marks(), lab.undoable(), c),
                share: self.share.as_deref().map(|link| (link, lab.trace_hash())),
                embed: self.embed.as_deref(),
                playing: self.playing,
                speed: self.speed,
                now: now.to_string(),
                seed: lab.seed(),
                error: self.error.as_deref(),
                banner: partition_banner(lab.network(), lab.nodes()),
                topology,
                legend: lab.legend(),
                inspector,
                invariants: invariants(lab.properties(), lab.violations(), &lab.findings()),
                below: lab.below_stage(),
                network: network_panel(
                    lab.network(),
                    lab.picks(),
                    &messages,
                    in_flight,
                    lab.selected(),
                    c,
                ),
                params: lab.params_panel(&self.fields),
                log: self.log.clone(),
                routine: self.routine_log,
                facts: format!(
                    "events run: {} · trace records: {}{}{}",
                    lab.steps(),
                    lab.trace_len(),
                    self.frame_report(),
                    if self.playing {
                        String::new()
                    } else {
                        format!(" · trace hash: {:016x}", lab.trace_hash())
                    }
                ),
                help: self.help.then(|| {
                    SHARED_SHORTCUTS
                        .iter()
                        .chain(lab.shortcuts())
                        .copied()
                        .collect()
                }),
            },
            c,
        )
    }
}

impl LabView {
    /// After the run started again (or was refused to): a fresh log, or the refusal shown.
    fn restarted(&mut self, result: Result<(), String>) {
        match result {
            Ok(()) => {
                self.carry = 0.0;
                self.log.clear();
                self.logged = 0;
                self.error = None;
                self.keep();
            }
            Err(why) => self.error = Some(why),
        }
    }

    fn share_state(&self) -> ShareState {
        self.lab.share_state(self.routine_log)
    }

    /// Keeps the run in this browser, to be restored on the next visit (not when embedded).
    fn keep(&self) {
        if self.embed.is_none() {
            store(self.lab.about().slug, &self.share_state());
        }
    }

    fn export(&mut self, kind: Export) {
        let slug = self.lab.about().slug;
        match kind {
            Export::Svg | Export::Png => download_drawing(
                "svg.topology",
                &format!("netsplit-{slug}"),
                kind == Export::Png,
            ),
            Export::Trace => match self.lab.trace_json() {
                Ok(json) => download_text(
                    &format!("netsplit-{slug}-trace.json"),
                    "application/json",
                    &json,
                ),
                Err(e) => self.error = Some(format!("the trace could not be written: {e}")),
            },
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

    fn on_key(&mut self, ctx: &Context<Self>, e: &web_sys::KeyboardEvent) -> bool {
        if e.ctrl_key() || e.meta_key() || e.alt_key() || typing_in_field(e) {
            return false;
        }
        let on_button = e
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            .is_some_and(|el| el.tag_name() == "BUTTON");
        let key = e.key();
        let lab = &*self.lab;
        let msg = match key.as_str() {
            " " if !on_button => LabMsg::Play,
            "." | "ArrowRight" => LabMsg::Step,
            "," | "ArrowLeft" => LabMsg::StepBack,
            "v" => LabMsg::NextViolation,
            "u" if lab.undoable().is_some() => LabMsg::Undo,
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
            "[" | "]" => match lab.cycle_message(key == "]") {
                Some(id) => LabMsg::Select(Selection::Message(id)),
                None => return false,
            },
            "d" | "h" | "n" => match lab.selected() {
                Selection::Message(id) if lab.message(id).is_some() => match key.as_str() {
                    "d" => LabMsg::Act(Action::DropMessage(id)),
                    "n" => LabMsg::Act(Action::DeliverNow(id)),
                    _ => match lab.toggle_hold(id) {
                        Some(action) => LabMsg::Act(action),
                        None => return false,
                    },
                },
                _ => return false,
            },
            digit if digit.len() == 1 && digit.as_bytes()[0].is_ascii_digit() => {
                let index = usize::from(digit.as_bytes()[0] - b'0');
                if index >= lab.nodes() {
                    return false;
                }
                LabMsg::Select(Selection::Node(NodeId(index as u16)))
            }
            other => match lab.selected() {
                Selection::Node(id) => {
                    match lab
                        .node_actions(id)
                        .iter()
                        .position(|(_, k, _)| *k == other)
                    {
                        Some(n) => LabMsg::NodeAction(id, n),
                        None => return false,
                    }
                }
                _ => return false,
            },
        };
        e.prevent_default();
        Component::update(self, ctx, msg)
    }

    /// Narrates the trace records not yet in the log.
    fn sync_log(&mut self) {
        let len = self.lab.trace_len();
        if self.logged > len {
            self.log.clear();
            self.logged = 0;
        }
        let lines = self.lab.narrate(self.logged, self.routine_log);
        self.log.extend(lines);
        self.logged = len;
        let excess = self.log.len().saturating_sub(LOG_LINES);
        self.log.drain(..excess);
    }

    /// The 95th percentile of recent frame times (running the simulation and drawing it).
    fn frame_report(&self) -> String {
        if self.frame_times.len() < 10 {
            return String::new();
        }
        // The 95th percentile is the smallest of the slowest twentieth: kept by hand rather
        // than by sorting, which would add a sort to the download for one figure.
        let n = self.frame_times.len();
        let slowest = n - n * 95 / 100;
        let mut top: Vec<f64> = Vec::with_capacity(slowest);
        for &t in &self.frame_times {
            if top.len() < slowest {
                top.push(t);
            } else if let Some(least) = top.iter_mut().min_by(|a, b| a.total_cmp(b))
                && t > *least
            {
                *least = t;
            }
        }
        let p95 = top.iter().copied().fold(f64::INFINITY, f64::min);
        format!(" · frame work p95: {} ms over {n} frames", tenths(p95))
    }
}

/// Everything on a lab's page, put together by the lab and drawn by [`frame`].
struct Frame<'a> {
    slug: &'static str,
    intro: Html,
    presets: &'a [PresetEntry],
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

/// An embedded lab: the view, a small strip of the chosen controls, and with the `panel`
/// control the lab's panel under the view (Raft's logs, Paxos's acceptors, the CRDT replicas).
fn embedded_frame(f: Frame<'_>, embed: &Embed, c: &Controls) -> Html {
    html! {
        <div class={classes!("lab", "embedded", f.slug)}>
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
