//! A network lab behind a trait object: [`Live`] joins a lab's [`Session`] and its [`LabSpec`]
//! and offers them as [`LiveLab`], whose calls name no protocol type, so that the lab frame and
//! the page parts are compiled once for every lab.

use netsplit_labs::ViewState;
use netsplit_sim::lab::{About, Finding, Lab, NetworkLab, narration_line};
use netsplit_sim::{
    Action, DropReason, MessageState, MsgId, Network, NoCommand, Node, NodeId, Slot, Span, Time,
    TraceEvent, Violation,
};
use yew::prelude::*;

use crate::kit::field::Fields;
use crate::kit::inspector::MessageInfo;
use crate::kit::log::{LogLine, Tone};
use crate::kit::presets::{PresetEntry, preset_menu};
use crate::kit::share::{Opening, opening};
use crate::kit::spec::{CommandOf, LabOf, LabSpec, NodeAction, ScenarioOf};
use crate::kit::topology::{Arrow, DRAWN_MESSAGES, MessageGlyph, NodeGlyph};
use crate::session::{Goal, Mark, NetworkField, ProcessAmounts, ProcessOp, Selection, Session};

/// The most trace lines a download holds: writing them takes a tenth of a second or so, and a
/// longer run's whole trace is the command line's to print.
pub const TEXT_LINES: usize = 50_000;

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
    fn narrate(&self, from: usize, routine: bool, at_most: usize) -> Vec<LogLine>;
    /// The trace, narrated one line per record (at most [`TEXT_LINES`] of them).
    fn trace_text(&self) -> String;
    /// The link code of the run, the moment and the view, for links and storage.
    fn share_code(&self, routine_log: bool) -> String;

    /// Runs `span` of virtual time forward.
    fn advance(&mut self, span: Span);
    /// Runs the next event.
    fn step(&mut self);
    /// Goes back one event.
    fn step_back(&mut self);
    /// Sets out for moment `t`.
    fn seek(&mut self, t: Time);
    /// Sets out for the scenario's end.
    fn run_to_end(&mut self);
    /// Sets out for the next violation.
    fn next_violation(&mut self);
    /// Where the run is going, if it is on its way.
    fn goal(&self) -> Option<Goal>;
    /// Goes toward the goal, then does the lab's side work ([`LabSpec::side_work`]), while
    /// `more` says to go on; true when neither is left.
    fn work(&mut self, more: &mut dyn FnMut() -> bool) -> bool;
    /// Whether [`LiveLab::work`] has anything left to do.
    fn busy(&self) -> bool;
    /// Gives up the goal, staying where the run got.
    fn cancel(&mut self);
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
    fn set_network(&mut self, field: NetworkField, value: &str) -> Result<(), String>;
    /// Selects something.
    fn select(&mut self, selection: Selection);
    /// Picks or unpicks a node to cut off.
    fn pick(&mut self, id: NodeId);
    /// Cuts the picked nodes off, or refuses.
    fn split(&mut self) -> Result<(), String>;
    /// Pauses the picked nodes or changes their clocks, or refuses.
    fn act_on_picks(&mut self, op: ProcessOp) -> Result<(), String>;
    /// How the picked processes are paused and their clocks changed.
    fn amounts(&self) -> ProcessAmounts;
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
            actions.extend(process_actions(sim.slot(id), id));
            actions.extend(S::node_actions(sim, id));
        }
        actions
    }
}

/// How long the inspector's pause lasts.
const PAUSE: Span = Span::secs(3);
/// How far the inspector moves a clock.
const JUMP_MS: i64 = 5000;
/// How fast a clock the inspector speeds up runs, in thousandths of true time.
const FAST: u32 = 1500;

/// What every lab can do to a process that is up: pause it, move its clock, make it run fast.
fn process_actions<N: Node, C>(slot: &Slot<N>, id: NodeId) -> Vec<NodeAction<C>> {
    let mut actions = Vec::new();
    if slot.paused_until().is_none() {
        actions.push(NodeAction {
            label: "Pause 3 s".into(),
            key: "z",
            action: Action::Pause(id, PAUSE),
        });
    }
    let fast = slot.clock().rate() != 1000;
    actions.extend([
        NodeAction {
            label: "Clock +5 s".into(),
            key: "j",
            action: Action::JumpClock(id, JUMP_MS),
        },
        NodeAction {
            label: "Clock −5 s".into(),
            key: "b",
            action: Action::JumpClock(id, -JUMP_MS),
        },
        NodeAction {
            label: if fast {
                "Clock on time"
            } else {
                "Clock 1.5× fast"
            }
            .into(),
            key: "f",
            action: Action::Drift(id, if fast { 1000 } else { FAST }),
        },
    ]);
    actions
}

/// How a network lab opens from the link on the page's address (see [`opening`]): the live
/// lab, the view it was shared or kept with, and why the link could not be opened.
pub type Opener = fn(Option<&str>) -> (Box<dyn LiveLab>, Option<ViewState>, Option<String>);

/// Opens network lab `S` (see [`Opener`]).
pub fn open<S: LabSpec>(
    link: Option<&str>,
) -> (Box<dyn LiveLab>, Option<ViewState>, Option<String>) {
    let Opening { run, problem } = opening::<LabOf<S>>(link);
    let session = match &run {
        Some(run) => Session::opened(run.scenario.clone(), &run.view),
        None => Session::new(),
    };
    (
        Box::new(Live::<S> { session }),
        run.map(|run| run.view),
        problem,
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
        LabOf::<S>::checks(&self.session.scenario().params)
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
        netsplit_sim::lab::all_findings::<LabOf<S>>(self.session.sim())
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
                let mut description = look.description;
                if let Some(until) = slot.paused_until() {
                    description.push_str(&format!(", paused until {until}"));
                }
                NodeGlyph {
                    id,
                    up: slot.is_up(),
                    paused: slot.paused_until().is_some(),
                    caption: look.caption,
                    description,
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
            .in_flight()
            .take(DRAWN_MESSAGES)
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
    fn narrate(&self, from: usize, routine: bool, at_most: usize) -> Vec<LogLine> {
        let records = self.session.sim().trace().records();
        // From the newest back: after a long way only the last lines are written.
        let mut lines: Vec<LogLine> = records
            .iter()
            .enumerate()
            .skip(from)
            .rev()
            .filter_map(|(index, record)| {
                let tone = tone(&record.event);
                (routine || tone != Tone::Routine).then(|| LogLine {
                    index,
                    at: record.at.to_string(),
                    text: record.event.to_string(),
                    tone,
                })
            })
            .take(at_most)
            .collect();
        lines.reverse();
        lines
    }
    fn trace_text(&self) -> String {
        let records = self.session.sim().trace().records();
        let mut text = String::new();
        for record in records.iter().take(TEXT_LINES) {
            text.push_str(&narration_line(
                &record.at.to_string(),
                &record.event.to_string(),
            ));
        }
        if records.len() > TEXT_LINES {
            text.push_str(&format!(
                "… and {} records more: `netsplit run --narrate` on this run's link prints them all\n",
                records.len() - TEXT_LINES
            ));
        }
        text
    }
    fn share_code(&self, routine_log: bool) -> String {
        self.session
            .share_state(routine_log)
            .encode_as::<LabOf<S>>()
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
    fn goal(&self) -> Option<Goal> {
        self.session.goal()
    }
    fn work(&mut self, more: &mut dyn FnMut() -> bool) -> bool {
        self.session.work(more) && S::side_work(self.session.scenario(), more)
    }
    fn busy(&self) -> bool {
        self.session.goal().is_some() || !S::side_work(self.session.scenario(), &mut || false)
    }
    fn cancel(&mut self) {
        self.session.cancel();
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
    fn set_network(&mut self, field: NetworkField, value: &str) -> Result<(), String> {
        self.session.set_network(field, value)
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
    fn act_on_picks(&mut self, op: ProcessOp) -> Result<(), String> {
        self.session.act_on_picks(op)
    }
    fn amounts(&self) -> ProcessAmounts {
        self.session.amounts()
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
        TraceEvent::Refused { .. } | TraceEvent::Violated(_) | TraceEvent::Stopped { .. } => {
            Tone::Alarm
        }
        _ => Tone::Notable,
    }
}
