//! The live run of a network lab, without the browser: the scenario, its simulator, where the
//! user is in time, what they selected, and every change they can make, each refused with a
//! sentence when it cannot be made.
//!
//! ```text
//!   Session ─ scenario (what replays) ─ sim (where we are) ─ frontier (the furthest moment reached)
//!      act at t < frontier ──▶ fork: later scripted actions dropped, kept for undo
//!      seek / step back ──────▶ sim.seek (checkpoints), the known future stays valid
//!      set_param / seed / preset ──▶ a new run from the start
//!      seek far / to end / open late ──▶ a goal, reached by work() in slices; cancel stays put
//! ```
//!
//! It touches no web-sys, so `cargo test -p netsplit-web` runs its tests on the host; the lab
//! frame (`kit::lab`) draws it and turns clicks and keys into its calls.

use netsplit_labs::{NetworkMember, Selected, ShareState, ViewState};
use netsplit_sim::lab::{CommandOf, Preset, Recording, ScenarioOf, SimOf, preset_of, whole_number};
use netsplit_sim::{
    Action, Chance, MessageState, MsgId, NoCommand, NodeId, Partition, Span, Time, Timed,
    check_process_action,
};

/// What the user has selected in a lab.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Selection {
    /// Nothing.
    #[default]
    Nothing,
    /// A node.
    Node(NodeId),
    /// A message in flight.
    Message(MsgId),
}

/// The network panel's settings, which every lab can change while running: those of every
/// link, and how the picked processes are paused and their clocks changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NetworkField {
    /// Loss in percent.
    Loss,
    /// Duplication in percent.
    Duplicate,
    /// Least latency in milliseconds.
    LatencyMin,
    /// Greatest latency in milliseconds.
    LatencyMax,
    /// How long a pause lasts, in milliseconds.
    Pause,
    /// How far a clock moves, either way, in milliseconds.
    Jump,
    /// The rate a clock is set to, in thousandths of true time.
    Rate,
}

impl NetworkField {
    /// Every setting.
    pub const ALL: [NetworkField; 7] = [
        NetworkField::Loss,
        NetworkField::Duplicate,
        NetworkField::LatencyMin,
        NetworkField::LatencyMax,
        NetworkField::Pause,
        NetworkField::Jump,
        NetworkField::Rate,
    ];
}

/// How the network panel pauses the picked processes and changes their clocks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProcessAmounts {
    /// How long a pause lasts.
    pub pause: Span,
    /// How far a clock moves, either way, in milliseconds.
    pub jump_ms: u64,
    /// The rate a clock is set to, in thousandths of true time.
    pub rate: u32,
}

impl Default for ProcessAmounts {
    fn default() -> Self {
        ProcessAmounts {
            pause: Span::secs(3),
            jump_ms: 5000,
            rate: 1500,
        }
    }
}

/// What the network panel does to the picked processes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProcessOp {
    /// Pause them.
    Pause,
    /// Move their clocks ahead.
    Ahead,
    /// Move their clocks back.
    Back,
    /// Set their clocks' rate.
    Rate,
}

impl ProcessAmounts {
    /// The action `op` takes on `node` with these amounts.
    fn action<C>(&self, op: ProcessOp, node: NodeId) -> Action<C> {
        let jump = i64::try_from(self.jump_ms).unwrap_or(i64::MAX);
        match op {
            ProcessOp::Pause => Action::Pause(node, self.pause),
            ProcessOp::Ahead => Action::JumpClock(node, jump),
            ProcessOp::Back => Action::JumpClock(node, -jump),
            ProcessOp::Rate => Action::Drift(node, self.rate),
        }
    }
}

/// What the timeline marks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mark {
    /// A user action.
    Action,
    /// The first event of a violation.
    Violation,
}

/// The timed actions of a run of lab `L`.
type Script<L> = Vec<Timed<Action<CommandOf<L>>>>;

/// How far past the scenario's end "next violation" may run before it gives up.
const SEARCH_PAST_END: Span = Span::secs(600);

/// How many events [`Session::work`] runs between asking whether to go on: a few milliseconds
/// of the heaviest lab in the browser.
const SLICE: u64 = 500;

/// Where the session is going: far moments are reached in slices by [`Session::work`], so the
/// page draws its progress and takes a Cancel on the way.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Goal {
    /// Where the run was when it set out.
    pub from: Time,
    /// Where it is going; for the next violation, the furthest it looks.
    pub to: Time,
    /// For the next violation: how many violations the run had when it set out.
    violations_seen: Option<usize>,
}

impl Goal {
    /// How much of the way is gone, from 0 to 1, with the run at `now`.
    pub fn done(&self, now: Time) -> f64 {
        let whole = self.to.0.abs_diff(self.from.0);
        if whole == 0 {
            return 1.0;
        }
        1.0 - self.to.0.abs_diff(now.0) as f64 / whole as f64
    }

    /// Whether it looks for the next violation rather than going to a moment.
    pub fn is_search(&self) -> bool {
        self.violations_seen.is_some()
    }
}

/// A network lab's run as the user drives it.
pub struct Session<L: NetworkMember> {
    presets: Vec<Preset<ScenarioOf<L>>>,
    /// The preset the run started from; `None` for a shared or restored run.
    preset: Option<usize>,
    scenario: ScenarioOf<L>,
    sim: Box<SimOf<L>>,
    /// The latest moment the run has reached; acting before it forks the run.
    frontier: Time,
    /// The whole script before acting in the past dropped its later actions, and how many it
    /// dropped.
    undo: Option<(Script<L>, usize)>,
    selected: Selection,
    /// The nodes picked to be cut off by a partition, paused, or have their clocks changed.
    picks: Vec<bool>,
    /// How the picked processes are paused and their clocks changed.
    amounts: ProcessAmounts,
    /// Where the run is going, if it is on its way.
    goal: Option<Goal>,
}

impl<L: NetworkMember> Session<L> {
    /// The lab's first preset, at its start.
    pub fn new() -> Session<L> {
        let presets = <L as netsplit_sim::lab::Lab>::presets();
        let scenario = presets[0].scenario.clone();
        let mut session = Session::with(presets, Some(0), scenario);
        session.sync();
        session
    }

    /// A shared or kept run, at the moment and with the selection it was kept with.
    pub fn opened(scenario: ScenarioOf<L>, view: &ViewState) -> Session<L> {
        let presets = <L as netsplit_sim::lab::Lab>::presets();
        let preset = preset_of(&presets, &scenario);
        let mut session = Session::with(presets, preset, scenario);
        if view.at > Time::ZERO {
            session.seek(view.at);
        }
        session.selected = match view.selected {
            Some(Selected::Node(id)) if id.index() < session.sim.nodes().len() => {
                Selection::Node(id)
            }
            Some(Selected::Message(id)) => Selection::Message(id),
            _ => Selection::Nothing,
        };
        session.sync();
        session
    }

    fn with(
        presets: Vec<Preset<ScenarioOf<L>>>,
        preset: Option<usize>,
        scenario: ScenarioOf<L>,
    ) -> Session<L> {
        Session {
            sim: start::<L>(&scenario),
            picks: vec![false; L::nodes(&scenario.params)],
            presets,
            preset,
            scenario,
            frontier: Time::ZERO,
            undo: None,
            selected: Selection::Nothing,
            amounts: ProcessAmounts::default(),
            goal: None,
        }
    }

    /// The lab's presets.
    pub fn presets(&self) -> &[Preset<ScenarioOf<L>>] {
        &self.presets
    }

    /// The preset the run started from, if any.
    pub fn preset(&self) -> Option<usize> {
        self.preset
    }

    /// The scenario as it replays from the start.
    pub fn scenario(&self) -> &ScenarioOf<L> {
        &self.scenario
    }

    /// The run, at the present moment.
    pub fn sim(&self) -> &SimOf<L> {
        &self.sim
    }

    /// What is selected.
    pub fn selected(&self) -> Selection {
        self.selected
    }

    /// Which nodes are picked to be cut off.
    pub fn picks(&self) -> &[bool] {
        &self.picks
    }

    /// How many later actions undo would bring back, if acting in the past dropped any.
    pub fn undoable(&self) -> Option<usize> {
        self.undo.as_ref().map(|(_, dropped)| *dropped)
    }

    /// Where the timeline ends: the scenario's end, or further if the run went past it.
    pub fn end(&self) -> Time {
        (Time::ZERO + self.scenario.duration).max(self.frontier)
    }

    /// Notes how far the run has come; call after running it forward.
    fn sync(&mut self) {
        self.frontier = self.frontier.max(self.sim.now());
    }

    /// Runs `span` of virtual time forward (playing), giving up any goal.
    pub fn advance(&mut self, span: Span) {
        self.goal = None;
        self.sim.run_until(self.sim.now() + span);
        self.sync();
    }

    /// Runs the next event.
    pub fn step(&mut self) {
        self.goal = None;
        self.sim.step();
        self.sync();
    }

    /// Goes back one event (at most one checkpoint interval of events to run again).
    pub fn step_back(&mut self) {
        self.goal = None;
        self.sim.seek_step(self.sim.steps().saturating_sub(1));
    }

    /// Sets out for moment `t`, back or forth; [`Session::work`] goes there.
    pub fn seek(&mut self, t: Time) {
        self.goal = Some(Goal {
            from: self.sim.now(),
            to: t,
            violations_seen: None,
        });
    }

    /// Sets out for the scenario's end (or stays, when already past it).
    pub fn run_to_end(&mut self) {
        let end = Time::ZERO + self.scenario.duration;
        self.seek(end.max(self.sim.now()));
    }

    /// Sets out to find the next violation, looking at most ten minutes past the end.
    pub fn next_violation(&mut self) {
        self.goal = Some(Goal {
            from: self.sim.now(),
            to: self.end().max(self.sim.now()) + SEARCH_PAST_END,
            violations_seen: Some(self.sim.violations().len()),
        });
    }

    /// Where the run is going, if it is on its way.
    pub fn goal(&self) -> Option<Goal> {
        self.goal
    }

    /// Goes toward the goal in slices of a few hundred events while `more` says to go on;
    /// true when there is no goal left. The page calls it once a frame.
    pub fn work(&mut self, more: &mut dyn FnMut() -> bool) -> bool {
        while let Some(goal) = self.goal {
            let arrived = match goal.violations_seen {
                None => self.sim.seek_toward(goal.to, SLICE),
                Some(seen) => (0..SLICE).any(|_| {
                    self.sim.violations().len() > seen
                        || self.sim.now() >= goal.to
                        || !self.sim.step()
                }),
            };
            self.sync();
            if arrived {
                self.goal = None;
            } else if !more() {
                return false;
            }
        }
        true
    }

    /// Gives up the goal, staying at the moment reached.
    pub fn cancel(&mut self) {
        self.goal = None;
    }

    /// Acts now. Acting in the past (after going back in time) forks the run: the scripted
    /// actions after now are dropped, and undo brings them back. Any goal is given up.
    pub fn act(&mut self, action: Action<CommandOf<L>>) {
        self.goal = None;
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
    }

    /// Brings back the actions that acting in the past dropped, staying at this moment.
    pub fn undo(&mut self) {
        if let Some((script, _)) = self.undo.take() {
            let now = self.sim.now();
            let mut scenario = self.scenario.clone();
            scenario.actions = script;
            self.sim = start::<L>(&scenario);
            self.seek(now);
        }
    }

    /// Back to the start of the scenario, forgetting what was done live.
    pub fn reset(&mut self) {
        self.goal = None;
        self.sim = start::<L>(&self.scenario);
        self.frontier = Time::ZERO;
        self.undo = None;
        self.picks = vec![false; L::nodes(&self.scenario.params)];
        self.selected = Selection::Nothing;
    }

    /// Starts preset `index` afresh.
    pub fn load_preset(&mut self, index: usize) {
        if let Some(preset) = self.presets.get(index) {
            self.preset = Some(index);
            self.scenario = preset.scenario.clone();
            self.reset();
        }
    }

    /// Starts again with the seed typed in `text`.
    pub fn set_seed(&mut self, text: &str) -> Result<(), String> {
        let seed = text.trim().parse::<u64>().map_err(|_| {
            format!(
                "the seed must be a whole number from 0 to {}, got \"{text}\"",
                u64::MAX
            )
        })?;
        self.scenario.seed = seed;
        self.reset();
        Ok(())
    }

    /// Starts again with parameter `key` set from `value`, or refuses with the allowed range
    /// and changes nothing. A new cluster size drops the scripted actions, which name nodes of
    /// the old cluster.
    pub fn set_param(&mut self, key: &str, value: &str) -> Result<(), String> {
        let mut scenario = self.scenario.clone();
        L::set_param(&mut scenario.params, key, value)?;
        if L::nodes(&scenario.params) != L::nodes(&self.scenario.params) {
            scenario.actions.clear();
        }
        <L as netsplit_sim::lab::Lab>::validate(&scenario).map_err(|e| e.0)?;
        self.scenario = scenario;
        self.reset();
        Ok(())
    }

    /// Changes one setting of every link from now on, or one of the amounts the picked
    /// processes are paused or their clocks changed by; or refuses it with the allowed range
    /// and changes nothing.
    pub fn set_network(&mut self, field: NetworkField, value: &str) -> Result<(), String> {
        let mut link = *self.sim.network().default_link();
        let mut amounts = self.amounts;
        let n = whole_number(field_name(field), value)?;
        let check = match field {
            NetworkField::Loss => {
                link.drop = percent(n)?;
                None
            }
            NetworkField::Duplicate => {
                link.duplicate = percent(n)?;
                None
            }
            NetworkField::LatencyMin => {
                link.latency_min = Span(n);
                None
            }
            NetworkField::LatencyMax => {
                link.latency_max = Span(n);
                None
            }
            NetworkField::Pause => {
                amounts.pause = Span(n);
                Some(ProcessOp::Pause)
            }
            NetworkField::Jump => {
                amounts.jump_ms = n;
                Some(ProcessOp::Ahead)
            }
            NetworkField::Rate => {
                amounts.rate = u32::try_from(n).unwrap_or(u32::MAX);
                Some(ProcessOp::Rate)
            }
        };
        match check {
            Some(op) => {
                check_process_action(&amounts.action::<NoCommand>(op, NodeId(0)))?;
                self.amounts = amounts;
            }
            None => {
                link.validate().map_err(|e| e.0)?;
                self.act(Action::SetLinks(link));
            }
        }
        Ok(())
    }

    /// How the network panel pauses the picked processes and changes their clocks.
    pub fn amounts(&self) -> ProcessAmounts {
        self.amounts
    }

    /// Selects something (or nothing).
    pub fn select(&mut self, selection: Selection) {
        self.selected = selection;
    }

    /// Puts node `id` in or out of the group to cut off.
    pub fn pick(&mut self, id: NodeId) {
        if let Some(pick) = self.picks.get_mut(id.index()) {
            *pick = !*pick;
        }
    }

    /// Cuts the picked nodes off from the rest, or refuses when that would cut nothing.
    pub fn split(&mut self) -> Result<(), String> {
        let group: Vec<NodeId> = NodeId::all(self.picks.len())
            .filter(|n| self.picks[n.index()])
            .collect();
        if group.is_empty() || group.len() == self.picks.len() {
            return Err("pick at least one node, and not all of them, to cut off".into());
        }
        self.act(Action::Partition(Partition(vec![group])));
        Ok(())
    }

    /// Pauses the picked nodes or changes their clocks, by the amounts set, or refuses when
    /// none is picked.
    pub fn act_on_picks(&mut self, op: ProcessOp) -> Result<(), String> {
        let picked: Vec<NodeId> = NodeId::all(self.picks.len())
            .filter(|n| self.picks[n.index()])
            .collect();
        if picked.is_empty() {
            return Err("pick the nodes to pause, or whose clocks to change, first".into());
        }
        for node in picked {
            self.act(self.amounts.action(op, node));
        }
        Ok(())
    }

    /// The message after (or before) the selected one among those in flight.
    pub fn cycle_message(&self, forward: bool) -> Option<MsgId> {
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

    /// Holds the selected message, or releases it if it is held.
    pub fn toggle_hold(&self, id: MsgId) -> Option<Action<NoCommand>> {
        let message = self.sim.message(id)?;
        match message.state {
            MessageState::Held { .. } => Some(Action::ReleaseMessage(id)),
            MessageState::OnTheWay { .. } => Some(Action::HoldMessage(id)),
            // It has arrived; only its receiver's pause holds it.
            MessageState::Waiting { .. } => None,
        }
    }

    /// Where the timeline marks user actions and violations. Drawn every frame, so it looks up
    /// each violation's evidence instead of scanning the trace.
    pub fn marks(&self) -> Vec<(Time, Mark)> {
        let records = self.sim.trace().records();
        let actions = self.sim.script().iter().map(|t| (t.at, Mark::Action));
        let violations = self
            .sim
            .violations()
            .iter()
            .filter_map(|v| records.get(*v.events.first()?))
            .map(|r| (r.at, Mark::Violation));
        actions.chain(violations).collect()
    }

    /// The run as it stands, with the moment and the view, for links and for this browser.
    pub fn share_state(&self, routine_log: bool) -> ShareState<ScenarioOf<L>> {
        let mut scenario = self.scenario.clone();
        scenario.actions = self.sim.script().to_vec();
        ShareState {
            scenario,
            view: ViewState {
                // A link made on the way to a moment opens at that moment.
                at: match self.goal {
                    Some(goal) if !goal.is_search() => goal.to,
                    _ => self.sim.now(),
                },
                selected: match self.selected {
                    Selection::Nothing => None,
                    Selection::Node(id) => Some(Selected::Node(id)),
                    Selection::Message(id) => Some(Selected::Message(id)),
                },
                routine_log,
            },
        }
    }
}

fn start<L: NetworkMember>(scenario: &ScenarioOf<L>) -> Box<SimOf<L>> {
    <L as netsplit_sim::lab::Lab>::start(scenario, Recording::Full)
        .expect("a session only starts validated scenarios")
}

fn field_name(field: NetworkField) -> &'static str {
    match field {
        NetworkField::Loss => "loss %",
        NetworkField::Duplicate => "duplicate %",
        NetworkField::LatencyMin => "latency min (ms)",
        NetworkField::LatencyMax => "latency max (ms)",
        NetworkField::Pause => "pause (ms)",
        NetworkField::Jump => "clock move (ms)",
        NetworkField::Rate => "clock rate (‰)",
    }
}

fn percent(p: u64) -> Result<Chance, String> {
    if p <= 100 {
        Ok(Chance::percent(p as u32))
    } else {
        Err(format!("a percentage must be between 0 and 100, got {p}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use netsplit_labs::raft::{Command, Op, RaftLab};

    /// Works until the goal is reached.
    fn arrive(session: &mut Session<RaftLab>) {
        assert!(session.work(&mut || true));
    }

    fn request(key: char) -> Action<Command> {
        Action::Command(NodeId(0), Command::Request(Op { key, value: 1 }))
    }

    #[test]
    fn seeking_back_and_forth_lands_on_the_same_run() {
        let mut session = Session::<RaftLab>::new();
        session.seek(Time(3000));
        arrive(&mut session);
        let hash_at_3 = session.sim().trace().hash();
        let steps_at_3 = session.sim().steps();
        session.seek(Time(1000));
        arrive(&mut session);
        assert_eq!(session.sim().now(), Time(1000));
        assert!(session.sim().steps() < steps_at_3);
        session.seek(Time(3000));
        arrive(&mut session);
        assert_eq!(session.sim().steps(), steps_at_3);
        assert_eq!(session.sim().trace().hash(), hash_at_3);
        session.step_back();
        assert_eq!(session.sim().steps(), steps_at_3 - 1);
        session.step();
        assert_eq!(session.sim().steps(), steps_at_3);
    }

    #[test]
    fn a_far_moment_is_reached_in_slices_and_cancel_stays_where_it_got() {
        let mut session = Session::<RaftLab>::new();
        let far = Time(60_000);
        session.seek(far);
        let mut slices = 0;
        assert!(!session.work(&mut || {
            slices += 1;
            slices < 3
        }));
        let partway = session.sim().now();
        assert!(partway > Time::ZERO && partway < far, "{partway}");
        let goal = session.goal().expect("still on its way");
        assert!(goal.done(partway) > 0.0 && goal.done(partway) < 1.0);
        // A link made on the way opens where the way leads.
        assert_eq!(session.share_state(false).view.at, far);
        session.cancel();
        assert!(session.work(&mut || true), "nothing left to do");
        assert_eq!(session.sim().now(), partway);
        // Going on from there ends on the same run as going at once.
        session.seek(far);
        arrive(&mut session);
        let mut fresh = Session::<RaftLab>::new();
        fresh.seek(far);
        arrive(&mut fresh);
        assert_eq!(session.sim().trace().hash(), fresh.sim().trace().hash());
    }

    #[test]
    fn acting_on_the_way_gives_the_goal_up() {
        let mut session = Session::<RaftLab>::new();
        session.run_to_end();
        session.work(&mut || false);
        let partway = session.sim().now();
        session.act(request('q'));
        assert_eq!(session.goal(), None);
        assert_eq!(session.sim().now(), partway);
    }

    #[test]
    fn acting_in_the_past_forks_and_undo_brings_the_future_back() {
        // The "replicate" preset scripts client requests from 1 s on.
        let mut session = Session::<RaftLab>::new();
        session.load_preset(1);
        let scripted = session.scenario().actions.len();
        let later = session
            .scenario()
            .actions
            .iter()
            .filter(|a| a.at > Time(500))
            .count();
        assert!(later >= 2 && later < scripted, "{later} of {scripted}");
        session.run_to_end();
        arrive(&mut session);
        let whole_run = session.sim().trace().hash();
        session.seek(Time(500));
        arrive(&mut session);
        session.act(request('z'));
        // Every scripted action after 0.5 s is dropped; the earlier ones and the new one stay.
        assert_eq!(session.undoable(), Some(later));
        assert_eq!(session.sim().script().len(), scripted - later + 1);
        session.undo();
        arrive(&mut session);
        assert_eq!(session.undoable(), None);
        assert_eq!(session.sim().now(), Time(500));
        assert_eq!(session.sim().script().len(), scripted);
        session.run_to_end();
        arrive(&mut session);
        assert_eq!(session.sim().trace().hash(), whole_run);
    }

    #[test]
    fn acting_at_the_frontier_forks_nothing() {
        let mut session = Session::<RaftLab>::new();
        session.advance(Span(800));
        session.act(request('a'));
        assert_eq!(session.undoable(), None);
        assert_eq!(session.share_state(false).view.at, Time(800));
    }

    #[test]
    fn picked_processes_are_paused_and_their_clocks_moved_by_the_amounts_set() {
        let mut session = Session::<RaftLab>::new();
        // Late enough that a clock moved back does not stop at zero.
        session.advance(Span::secs(10));
        assert!(
            session.act_on_picks(ProcessOp::Pause).is_err(),
            "nothing picked"
        );
        session.pick(NodeId(1));
        session.pick(NodeId(3));
        let refused = session.set_network(NetworkField::Pause, "90000");
        assert!(
            refused.is_err_and(|e| e.contains("60 s")),
            "the range is named"
        );
        assert_eq!(
            session.amounts(),
            ProcessAmounts::default(),
            "nothing changed"
        );
        session
            .set_network(NetworkField::Pause, "2000")
            .expect("in range");
        session
            .set_network(NetworkField::Jump, "7000")
            .expect("in range");
        assert!(session.set_network(NetworkField::Rate, "3000").is_err());
        session.act_on_picks(ProcessOp::Pause).expect("two picked");
        session.act_on_picks(ProcessOp::Back).expect("two picked");
        let now = session.sim().now();
        for node in [1, 3] {
            let slot = session.sim().slot(NodeId(node));
            assert_eq!(slot.paused_until(), Some(now + Span::secs(2)));
            assert_eq!(slot.clock().offset(now), -7000);
        }
        assert_eq!(session.sim().slot(NodeId(0)).paused_until(), None);
    }

    #[test]
    fn bad_parameters_are_refused_with_the_range_and_change_nothing() {
        let mut session = Session::<RaftLab>::new();
        session.advance(Span(1000));
        let before = session.scenario().clone();
        assert_eq!(
            session.set_param("nodes", "40"),
            Err("servers must be between 3 and 9, got 40".to_string())
        );
        assert_eq!(
            session.set_param("nodes", "many"),
            Err("nodes takes a whole number, got \"many\"".to_string())
        );
        assert!(
            session
                .set_param("bug", "no-such-bug")
                .unwrap_err()
                .contains("the bugs are")
        );
        assert_eq!(session.scenario(), &before);
        assert_eq!(
            session.sim().now(),
            Time(1000),
            "the run goes on where it was"
        );
        assert_eq!(
            session.set_network(NetworkField::Loss, "140"),
            Err("a percentage must be between 0 and 100, got 140".to_string())
        );
        assert!(session.set_seed("-1").unwrap_err().contains("whole number"));
        assert!(session.split().is_err(), "nothing picked");
    }

    #[test]
    fn a_new_cluster_size_restarts_without_the_old_nodes_actions() {
        let mut session = Session::<RaftLab>::new();
        session.load_preset(1);
        session.set_param("nodes", "7").unwrap();
        assert_eq!(session.sim().nodes().len(), 7);
        assert!(session.scenario().actions.is_empty());
        assert_eq!(session.sim().now(), Time::ZERO);
        session.set_param("heartbeat", "50").unwrap();
        assert_eq!(session.scenario().params.heartbeat, Span(50));
    }

    #[test]
    fn a_shared_state_opens_where_it_was_made() {
        let mut session = Session::<RaftLab>::new();
        session.load_preset(1);
        session.seek(Time(2500));
        arrive(&mut session);
        session.select(Selection::Node(NodeId(2)));
        session.pick(NodeId(0));
        session.split().unwrap();
        let shared = session.share_state(true);
        let decoded = ShareState::decode_as::<RaftLab>(&shared.encode_as::<RaftLab>()).unwrap();
        let mut opened = Session::<RaftLab>::opened(decoded.scenario, &decoded.view);
        assert_eq!(
            opened.sim().now(),
            Time::ZERO,
            "a late moment is reached by work"
        );
        arrive(&mut opened);
        assert_eq!(opened.sim().now(), Time(2500));
        assert_eq!(opened.selected(), Selection::Node(NodeId(2)));
        assert_eq!(opened.sim().trace().hash(), session.sim().trace().hash());
        assert!(opened.sim().network().partition().is_some());
    }

    #[test]
    fn a_link_to_an_untouched_preset_opens_as_that_preset() {
        let mut session = Session::<RaftLab>::new();
        session.load_preset(2);
        let untouched = session.share_state(false);
        let opened = Session::<RaftLab>::opened(untouched.scenario, &untouched.view);
        assert_eq!(opened.preset(), Some(2));
        session.pick(NodeId(0));
        session.split().unwrap();
        let changed = session.share_state(false);
        assert_eq!(
            Session::<RaftLab>::opened(changed.scenario, &changed.view).preset(),
            None
        );
    }
}
