//! The simulator: the event queue, the step loop, and checkpoints for time travel.

use std::cmp::{Ordering, Reverse};
use std::collections::{BinaryHeap, VecDeque};
use std::rc::Rc;

use crate::action::{Action, Timed};
use crate::clock::Clock;
use crate::monitor::{Monitor, NoMonitor, Observation, Violation};
use crate::network::{Link, Network};
use crate::node::{Context, Effect, Node, NodeId};
use crate::rng::Rng;
use crate::time::{Span, Time};
use crate::trace::{DropReason, MsgId, Trace, TraceEvent};

/// A node's place in the cluster: the node, whether it is up or paused, its clock and its
/// pending timers.
#[derive(Clone, Debug)]
pub struct Slot<N: Node> {
    node: N,
    up: bool,
    /// While the node's process is paused: when it resumes, and the ticket of that queue entry.
    paused: Option<(Time, u64)>,
    clock: Clock,
    timers: Vec<PendingTimer<N::Timer>>,
    /// Stable storage, kept while the node is down.
    storage: Option<N::Durable>,
}

/// A timer set and not yet fired: the ticket of its queue entry, and when it is due in true
/// time and on its node's clock (which a jump or a drift turns into another true time).
#[derive(Clone, Debug)]
struct PendingTimer<T> {
    timer: T,
    ticket: u64,
    due: Time,
    local_due: Time,
}

impl<N: Node> Slot<N> {
    /// A slot holding `node`, up or down, with no timers: a made-up world for showing a monitor
    /// in a test.
    pub fn new(node: N, up: bool) -> Self {
        Slot {
            node,
            up,
            paused: None,
            clock: Clock::default(),
            timers: Vec::new(),
            storage: None,
        }
    }

    /// The node's state (its last state, while it is down).
    pub fn node(&self) -> &N {
        &self.node
    }

    /// False while the node is crashed.
    pub fn is_up(&self) -> bool {
        self.up
    }

    /// When `timer` will fire, in true time, if it is set.
    pub fn timer_due(&self, timer: &N::Timer) -> Option<Time> {
        self.timers
            .iter()
            .find(|t| &t.timer == timer)
            .map(|t| t.due)
    }

    /// While the node's process is paused, when it resumes.
    pub fn paused_until(&self) -> Option<Time> {
        self.paused.map(|(until, _)| until)
    }

    /// The node's clock.
    pub fn clock(&self) -> &Clock {
        &self.clock
    }
}

/// Where a message in the network is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MessageState {
    /// Travelling; it arrives (or, if `lost`, vanishes) at `deliver_at`.
    OnTheWay {
        /// When it arrives.
        deliver_at: Time,
        /// Whether the link has already decided to lose it.
        lost: bool,
    },
    /// Held by the user with `remaining` of its delay still to go.
    Held {
        /// When it was held.
        since: Time,
        /// The rest of its delay.
        remaining: Span,
        /// Whether the link has already decided to lose it.
        lost: bool,
    },
    /// Arrived at a node whose process is paused; handled when it resumes, at `until`.
    Waiting {
        /// When its receiver resumes.
        until: Time,
    },
}

/// A message in the network.
#[derive(Clone, Debug)]
pub struct InFlight<M> {
    /// Its name.
    pub id: MsgId,
    /// The sender.
    pub from: NodeId,
    /// The receiver.
    pub to: NodeId,
    /// The content, shared with the trace.
    pub msg: Rc<M>,
    /// When it was sent.
    pub sent_at: Time,
    /// Where it is.
    pub state: MessageState,
    /// Virtual time spent held, which does not count as travel.
    held_for: Span,
    ticket: u64,
}

impl<M> InFlight<M> {
    /// How far along its link the message is at (fractional) time `now`: 0 when sent, 1 on
    /// arrival. Time spent held does not count, so a released message goes on from where it
    /// stopped.
    pub fn progress(&self, now: f64) -> f64 {
        let start = (self.sent_at + self.held_for).0 as f64;
        let (at, end) = match self.state {
            MessageState::OnTheWay { deliver_at, .. } => (now, deliver_at.0 as f64),
            MessageState::Held {
                since, remaining, ..
            } => (since.0 as f64, (since + remaining).0 as f64),
            MessageState::Waiting { .. } => return 1.0,
        };
        if end <= start {
            return 1.0;
        }
        ((at - start) / (end - start)).clamp(0.0, 1.0)
    }
}

/// The messages in the network, by id. Ids are handed out in increasing order, so a window of
/// slots that starts at the oldest message still in flight finds any of them at once.
#[derive(Clone, Debug)]
struct Flights<M> {
    first: u64,
    slots: VecDeque<Option<InFlight<M>>>,
}

impl<M> Flights<M> {
    fn new() -> Self {
        Flights {
            first: 0,
            slots: VecDeque::new(),
        }
    }

    fn index(&self, id: MsgId) -> Option<usize> {
        let index = usize::try_from(id.0.checked_sub(self.first)?).ok()?;
        (index < self.slots.len()).then_some(index)
    }

    /// Adds a message whose id is above every id added before.
    fn insert(&mut self, message: InFlight<M>) {
        if self.slots.is_empty() {
            self.first = message.id.0;
        }
        let index = (message.id.0 - self.first) as usize;
        self.slots.resize_with(index, || None);
        self.slots.push_back(Some(message));
    }

    fn get(&self, id: MsgId) -> Option<&InFlight<M>> {
        self.slots.get(self.index(id)?)?.as_ref()
    }

    fn get_mut(&mut self, id: MsgId) -> Option<&mut InFlight<M>> {
        let index = self.index(id)?;
        self.slots.get_mut(index)?.as_mut()
    }

    fn remove(&mut self, id: MsgId) -> Option<InFlight<M>> {
        let index = self.index(id)?;
        let message = self.slots[index].take();
        while let Some(None) = self.slots.front() {
            self.slots.pop_front();
            self.first += 1;
        }
        message
    }

    fn values(&self) -> impl Iterator<Item = &InFlight<M>> {
        self.slots.iter().flatten()
    }
}

/// Everything a view needs to draw one moment of a run.
pub struct Snapshot<'a, N: Node> {
    /// The moment.
    pub now: Time,
    /// Every node.
    pub nodes: &'a [Slot<N>],
    /// Every message in the network, oldest first.
    pub messages: Vec<&'a InFlight<N::Msg>>,
    /// The network, for partitions and link settings.
    pub network: &'a Network,
}

/// What a queue entry will do when its time comes.
#[derive(Clone, Debug)]
enum Due {
    Deliver(MsgId),
    Timer(NodeId),
    Resume(NodeId),
}

/// A queue entry. Entries are ordered by time, then by the order they were scheduled in; the
/// `ticket` is that order, and a handler's record of it tells live entries from stale ones.
#[derive(Clone, Debug)]
struct Scheduled {
    at: Time,
    ticket: u64,
    due: Due,
}

impl PartialEq for Scheduled {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Scheduled {}
impl PartialOrd for Scheduled {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Scheduled {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.at, self.ticket).cmp(&(other.at, other.ticket))
    }
}

/// The most events one run takes: a run that gets there stops with a [`TraceEvent::Stopped`]
/// record, so that no scenario, however it was made, can run without end or fill the memory.
pub const MAX_EVENTS: u64 = 1_000_000;

/// The most records a run's trace keeps: a run whose trace gets within a step of it stops as at
/// [`MAX_EVENTS`]. A power of two, so that the trace's vector is never grown past it: 64 MiB,
/// and 96 MiB for the moment it moves from its last size to this one.
pub const MAX_RECORDS: usize = 1 << 20;

/// How many records one step can write at most, with room to spare (a broadcast to every node,
/// its drops and a violation or two): the trace stops this far below [`MAX_RECORDS`].
const RECORDS_PER_STEP: usize = 4096;

/// The most memory one run may take on the host: its trace, its checkpoints and its world. The
/// adversarial corpus of every lab (`Lab::heaviest`) is held to it by a test that counts
/// every allocation; in the browser a run takes less (pointers are half as wide).
pub const MEMORY_BUDGET: usize = 256 << 20;

/// The most checkpoints a run keeps. When a long run would take more, every other one goes and
/// the interval doubles, so checkpoints cost a bounded number of copies of the world and a
/// seek costs at most one (longer) interval of events.
pub const MAX_CHECKPOINTS: usize = 64;

/// The most memory a run's checkpoints may hold, as their worlds' footprints count it (nodes,
/// monitor, messages in flight, the queue): when they would hold more, every other one goes
/// as when there are too many. A world of tens of thousands of messages in flight keeps fewer
/// checkpoints, and a seek in it runs a longer interval.
pub const CHECKPOINT_BUDGET: usize = 64 << 20;

/// The most memory a run may hold by its own count (the trace's records and messages, its
/// checkpoints and its world): a run that gets there stops as at [`MAX_EVENTS`]. A quarter
/// below [`MEMORY_BUDGET`], for what the count leaves out (spare capacity, a growing vector's
/// old and new buffers).
pub const MEMORY_STOP: usize = MEMORY_BUDGET / 4 * 3;

/// How often, in events, a run counts its memory.
const MEMORY_CHECK_EVERY: u64 = 1024;

/// How often, in events, a run frees one of the checkpoints it let go of. Freeing the dozens
/// that a thinning or a change of script lets go of at once would hold the page for longer
/// than a frame; one at a time, they are gone within a few thousand events.
const FREE_EVERY: u64 = 64;

/// The part of a run that a checkpoint copies: everything except the trace and the script.
#[derive(Clone, Debug)]
struct World<N: Node, M> {
    config: N::Config,
    now: Time,
    next_ticket: u64,
    next_msg: u64,
    steps: u64,
    /// Whether the run reached [`MAX_EVENTS`], [`MAX_RECORDS`] or [`MEMORY_STOP`] and stopped.
    stopped: bool,
    records: usize,
    next_action: usize,
    queue: BinaryHeap<Reverse<Scheduled>>,
    nodes: Vec<Slot<N>>,
    network: Network,
    in_flight: Flights<N::Msg>,
    rng: Rng,
    monitor: M,
    violations: Vec<Violation>,
}

impl<N: Node, M: Monitor<N>> World<N, M> {
    /// About how many bytes a copy of the world holds (message contents are shared with the
    /// trace and not counted).
    fn footprint(&self) -> usize {
        let nodes: usize = self
            .nodes
            .iter()
            .map(|slot| {
                slot.node.footprint()
                    + slot.timers.len() * std::mem::size_of::<PendingTimer<N::Timer>>()
                    + slot
                        .storage
                        .as_ref()
                        .map_or(0, |_| std::mem::size_of::<N::Durable>())
            })
            .sum();
        std::mem::size_of::<Self>()
            + nodes
            + self.monitor.footprint()
            + self.queue.len() * std::mem::size_of::<Reverse<Scheduled>>()
            + self.in_flight.slots.len() * std::mem::size_of::<Option<InFlight<N::Msg>>>()
            + self.violations.len() * std::mem::size_of::<Violation>()
    }
}

#[derive(Clone, Debug)]
struct Checkpoint<N: Node, M> {
    world: World<N, M>,
    trace_len: usize,
    /// The world's footprint.
    bytes: usize,
}

/// A deterministic run of a cluster of `N` nodes, checked by monitor `M`.
#[derive(Clone, Debug)]
pub struct Sim<N: Node, M: Monitor<N> = NoMonitor> {
    world: World<N, M>,
    trace: Trace<N>,
    /// The timed actions of the run, sorted by time; actions at equal times keep their order.
    script: Vec<Timed<Action<N::Command>>>,
    checkpoints: Vec<Checkpoint<N, M>>,
    checkpoint_every: Option<u64>,
    /// Checkpoints let go of and not yet freed (see [`FREE_EVERY`]).
    let_go: Vec<Checkpoint<N, M>>,
    /// Records of the current step, waiting for the monitor before they enter the trace.
    pending: Vec<TraceEvent<N>>,
    effects: Vec<Effect<N>>,
    seed: u64,
}

impl<N: Node, M: Monitor<N>> Sim<N, M> {
    /// Boots `cluster_size` nodes at time zero and runs their `on_start`.
    pub fn new(config: N::Config, cluster_size: usize, link: Link, seed: u64, monitor: M) -> Self {
        let nodes = NodeId::all(cluster_size)
            .map(|id| Slot::new(N::boot(&config, id, cluster_size, None), true))
            .collect();
        let mut sim = Sim {
            world: World {
                config,
                now: Time::ZERO,
                next_ticket: 0,
                next_msg: 0,
                steps: 0,
                stopped: false,
                records: 0,
                next_action: 0,
                queue: BinaryHeap::new(),
                nodes,
                network: Network::new(cluster_size, link),
                in_flight: Flights::new(),
                rng: Rng::seeded(seed),
                monitor,
                violations: Vec::new(),
            },
            trace: Trace::default(),
            script: Vec::new(),
            checkpoints: Vec::new(),
            checkpoint_every: Some(1024),
            let_go: Vec::new(),
            pending: Vec::new(),
            effects: Vec::new(),
            seed,
        };
        for id in NodeId::all(cluster_size) {
            sim.pending.push(TraceEvent::Started { node: id });
            sim.run_handler(id, |node, ctx| node.on_start(ctx));
        }
        sim.finish_step();
        sim.take_checkpoint();
        sim
    }

    /// The seed the run's random generator started from.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// Stops recording the trace (monitors still run). For fuzzing and benchmarks.
    pub fn without_trace(mut self) -> Self {
        self.trace.set_enabled(false);
        self
    }

    /// Keeps a checkpoint every `steps` events for [`Sim::seek`]; `None` keeps only the start.
    pub fn with_checkpoints(mut self, steps: Option<u64>) -> Self {
        self.checkpoint_every = steps.filter(|&s| s > 0);
        self
    }

    /// The current virtual time.
    pub fn now(&self) -> Time {
        self.world.now
    }

    /// How many events have run.
    pub fn steps(&self) -> u64 {
        self.world.steps
    }

    /// The shared node configuration.
    pub fn config(&self) -> &N::Config {
        &self.world.config
    }

    /// Every node.
    pub fn nodes(&self) -> &[Slot<N>] {
        &self.world.nodes
    }

    /// One node.
    pub fn slot(&self, id: NodeId) -> &Slot<N> {
        &self.world.nodes[id.index()]
    }

    /// The network.
    pub fn network(&self) -> &Network {
        &self.world.network
    }

    /// A message still in the network.
    pub fn message(&self, id: MsgId) -> Option<&InFlight<N::Msg>> {
        self.world.in_flight.get(id)
    }

    /// Every message in the network, oldest first.
    pub fn in_flight(&self) -> impl Iterator<Item = &InFlight<N::Msg>> {
        self.world.in_flight.values()
    }

    /// The monitor, for lab-specific reports.
    pub fn monitor(&self) -> &M {
        &self.world.monitor
    }

    /// Every violation found so far.
    pub fn violations(&self) -> &[Violation] {
        &self.world.violations
    }

    /// The trace so far.
    pub fn trace(&self) -> &Trace<N> {
        &self.trace
    }

    /// The run's timed actions.
    pub fn script(&self) -> &[Timed<Action<N::Command>>] {
        &self.script
    }

    /// Everything needed to draw the current moment.
    pub fn snapshot(&self) -> Snapshot<'_, N> {
        Snapshot {
            now: self.world.now,
            nodes: &self.world.nodes,
            messages: self.world.in_flight.values().collect(),
            network: &self.world.network,
        }
    }

    /// Adds an action to the script. It runs once every event up to its time has run, after
    /// actions already scripted for the same time.
    ///
    /// # Panics
    /// When `at` is in the past: the past is changed with [`Sim::fork_at`].
    pub fn schedule(&mut self, at: Time, action: Action<N::Command>) {
        assert!(
            at >= self.world.now,
            "an action cannot be scheduled in the past"
        );
        let pos = self.script.partition_point(|t| t.at <= at);
        assert!(
            pos >= self.world.next_action,
            "an action cannot be scheduled before one that already ran"
        );
        self.script.insert(pos, Timed { at, action });
        self.forget_checkpoints_from(at);
    }

    /// Runs `action` now, as a user acting live would.
    pub fn act(&mut self, action: Action<N::Command>) {
        self.schedule(self.world.now, action);
        self.run_until(self.world.now);
    }

    /// Drops every scripted action after `at` and goes back to `at`, so that the run can take
    /// a different turn from there. Returns the dropped actions.
    pub fn fork_at(&mut self, at: Time) -> Vec<Timed<Action<N::Command>>> {
        let keep = self.script.partition_point(|t| t.at <= at);
        let dropped = self.script.split_off(keep);
        self.forget_checkpoints_from(at);
        self.seek(at);
        dropped
    }

    /// The time of the next event or action, if any.
    pub fn next_event_time(&self) -> Option<Time> {
        let queued = self.world.queue.peek().map(|Reverse(s)| s.at);
        let action = self.script.get(self.world.next_action).map(|t| t.at);
        match (queued, action) {
            (Some(q), Some(a)) => Some(q.min(a)),
            (q, a) => q.or(a),
        }
    }

    /// Runs every event and action due at or before `until`, then sets the clock to `until`;
    /// a run that stopped at a limit ([`Sim::stopped`]) stays at its last event.
    pub fn run_until(&mut self, until: Time) {
        self.run_toward(until, u64::MAX);
    }

    /// Runs at most `events` events of [`Sim::run_until`]`(until)`, so that a long way can be
    /// gone in slices; true when it got there.
    pub fn run_toward(&mut self, until: Time, events: u64) -> bool {
        for _ in 0..events {
            if !self.step_within(until) {
                if !self.stopped() {
                    self.world.now = self.world.now.max(until);
                }
                return true;
            }
        }
        false
    }

    /// Runs the next event or action; false when there is nothing left to run.
    pub fn step(&mut self) -> bool {
        self.step_within(Time(u64::MAX))
    }

    /// Runs the next event or action if it is due at or before `limit`. Stale queue entries
    /// (cancelled timers, held or dropped messages) are skipped and do not count.
    fn step_within(&mut self, limit: Time) -> bool {
        loop {
            let queued = self.world.queue.peek().map(|Reverse(s)| s.at);
            let action_at = self.script.get(self.world.next_action).map(|t| t.at);
            let run_action = match (queued, action_at) {
                (_, None) => false,
                (None, Some(_)) => true,
                (Some(q), Some(a)) => a < q,
            };
            let next = if run_action { action_at } else { queued };
            if next.is_none_or(|t| t > limit) || self.world.stopped {
                return false;
            }
            let happened = if run_action {
                let timed = self.script[self.world.next_action].clone();
                self.world.next_action += 1;
                self.world.now = self.world.now.max(timed.at);
                self.apply_action(timed.action);
                true
            } else {
                let Reverse(entry) = self.world.queue.pop().expect("peeked above");
                self.world.now = self.world.now.max(entry.at);
                self.run_due(entry)
            };
            if happened {
                self.world.steps += 1;
                let full = self.trace.len() >= MAX_RECORDS - RECORDS_PER_STEP
                    || (self.world.steps.is_multiple_of(MEMORY_CHECK_EVERY)
                        && self.memory_held() > MEMORY_STOP);
                if self.world.steps == MAX_EVENTS || full {
                    self.world.stopped = true;
                    self.pending.push(TraceEvent::Stopped {
                        events: self.world.steps,
                    });
                }
                self.finish_step();
                if self.world.steps.is_multiple_of(FREE_EVERY) {
                    self.let_go.pop();
                }
                if let Some(every) = self.checkpoint_every
                    && self.world.steps.is_multiple_of(every)
                {
                    self.take_checkpoint();
                }
                return true;
            }
        }
    }

    /// Goes to time `t` by restoring the latest checkpoint at or before `t` (when that is ahead
    /// of where the run is, or `t` is in the past) and running forward from it. The result is
    /// the same as a fresh run to `t`, and costs at most one checkpoint interval of events.
    pub fn seek(&mut self, t: Time) {
        self.seek_toward(t, u64::MAX);
    }

    /// Runs at most `events` events of [`Sim::seek`]`(t)`: called again with the same `t`, it
    /// goes on where it stopped (or jumps to a later checkpoint it reached before); true when
    /// it got there.
    pub fn seek_toward(&mut self, t: Time, events: u64) -> bool {
        let index = self
            .checkpoints
            .partition_point(|c| c.world.now <= t)
            .max(1)
            - 1;
        if t < self.world.now || self.checkpoints[index].world.steps > self.world.steps {
            self.restore(index);
        }
        self.run_toward(t, events)
    }

    /// Goes to the moment right after the `n`th event, as [`Sim::seek`] does for a time: one
    /// event back is `seek_step(steps() - 1)`.
    pub fn seek_step(&mut self, n: u64) {
        let index = self
            .checkpoints
            .partition_point(|c| c.world.steps <= n)
            .max(1)
            - 1;
        if n < self.world.steps || self.checkpoints[index].world.steps > self.world.steps {
            self.restore(index);
        }
        while self.world.steps < n && self.step() {}
    }

    /// Drops the checkpoints taken at or after `at`, which a change of script makes stale, and
    /// those ahead of the present, whose records go with the known future (the first, the start
    /// of the run, always stays).
    fn forget_checkpoints_from(&mut self, at: Time) {
        let present = self.world.steps;
        let keep = self
            .checkpoints
            .partition_point(|c| c.world.now < at && c.world.steps <= present)
            .max(1);
        let stale = self.checkpoints.split_off(keep);
        self.let_go.extend(stale);
        self.trace.forget_future();
    }

    /// Restores checkpoint `index`. Later checkpoints stay: the run is deterministic, so running
    /// forward again reaches exactly them.
    fn restore(&mut self, index: usize) {
        let checkpoint = self.checkpoints[index].clone();
        self.world = checkpoint.world;
        self.trace.rewind(checkpoint.trace_len);
    }

    fn take_checkpoint(&mut self) {
        if self
            .checkpoints
            .last()
            .is_some_and(|c| c.world.steps >= self.world.steps)
        {
            // Replaying after a seek: this checkpoint exists already.
            return;
        }
        self.checkpoints.push(Checkpoint {
            world: self.world.clone(),
            trace_len: self.trace.len(),
            bytes: self.world.footprint(),
        });
        let over = |checkpoints: &[Checkpoint<N, M>]| {
            checkpoints.len() > MAX_CHECKPOINTS
                || checkpoints.iter().map(|c| c.bytes).sum::<usize>() > CHECKPOINT_BUDGET
        };
        while self.checkpoints.len() > 1
            && over(&self.checkpoints)
            && let Some(every) = self.checkpoint_every
        {
            let wider = every * 2;
            let (kept, thinned) = std::mem::take(&mut self.checkpoints)
                .into_iter()
                .partition(|c| c.world.steps == 0 || c.world.steps.is_multiple_of(wider));
            self.checkpoints = kept;
            self.let_go.extend(thinned);
            self.checkpoint_every = Some(wider);
        }
    }

    /// How many checkpoints the run keeps: never more than [`MAX_CHECKPOINTS`].
    pub fn checkpoints_kept(&self) -> usize {
        self.checkpoints.len()
    }

    /// Whether the run reached [`MAX_EVENTS`], [`MAX_RECORDS`] or [`MEMORY_STOP`] and stopped.
    pub fn stopped(&self) -> bool {
        self.world.stopped
    }

    /// About how many bytes the run holds: its trace, its checkpoints (those let go of and not
    /// yet freed too) and its world.
    pub fn memory_held(&self) -> usize {
        let checkpoints: usize = self
            .checkpoints
            .iter()
            .chain(&self.let_go)
            .map(|c| c.bytes)
            .sum();
        self.trace.held() + checkpoints + self.world.footprint()
    }

    /// Runs a queue entry; false when it was stale (cancelled timer, held or dropped message).
    fn run_due(&mut self, entry: Scheduled) -> bool {
        match entry.due {
            Due::Timer(id) => {
                let slot = &mut self.world.nodes[id.index()];
                let Some(pos) = slot.timers.iter().position(|t| t.ticket == entry.ticket) else {
                    return false;
                };
                if let Some((until, _)) = slot.paused {
                    // A paused process notices its timer only when it resumes.
                    let ticket = self.enqueue(until, Due::Timer(id));
                    let pending = &mut self.world.nodes[id.index()].timers[pos];
                    (pending.ticket, pending.due) = (ticket, until);
                    return false;
                }
                let timer = slot.timers.swap_remove(pos).timer;
                self.pending.push(TraceEvent::TimerFired {
                    node: id,
                    timer: timer.clone(),
                });
                self.run_handler(id, |node, ctx| node.on_timer(ctx, timer));
                true
            }
            Due::Deliver(id) => {
                let live = self
                    .world
                    .in_flight
                    .get(id)
                    .is_some_and(|m| m.ticket == entry.ticket);
                if !live || self.wait_for_resume(id) {
                    return false;
                }
                let message = self.world.in_flight.remove(id).expect("checked above");
                self.deliver(message);
                true
            }
            Due::Resume(id) => {
                let slot = &mut self.world.nodes[id.index()];
                if slot.paused.is_none_or(|(_, ticket)| ticket != entry.ticket) {
                    return false;
                }
                slot.paused = None;
                self.pending.push(TraceEvent::Resumed { node: id });
                true
            }
        }
    }

    /// Hands a message to its receiver or drops it. One that reaches a paused process has
    /// waited there ([`Sim::wait_for_resume`]) and is not lost to the network any more.
    fn deliver(&mut self, message: InFlight<N::Msg>) {
        let (from, to) = (message.from, message.to);
        let arrived = matches!(message.state, MessageState::Waiting { .. });
        let lost = matches!(message.state, MessageState::OnTheWay { lost: true, .. });
        let reason = if lost {
            Some(DropReason::Lost)
        } else if !arrived && !self.world.network.connected(from, to) {
            Some(DropReason::Partitioned)
        } else if !self.world.nodes[to.index()].up {
            Some(DropReason::ReceiverDown)
        } else {
            None
        };
        let InFlight { id, msg, .. } = message;
        match reason {
            Some(reason) => self.pending.push(TraceEvent::Dropped {
                id,
                from,
                to,
                reason,
            }),
            None => {
                self.pending.push(TraceEvent::Delivered { id, from, to });
                // The trace may share the content; the handler gets its own copy only then.
                let msg = Rc::try_unwrap(msg).unwrap_or_else(|shared| (*shared).clone());
                self.run_handler(to, |node, ctx| node.on_message(ctx, from, msg));
            }
        }
    }

    /// Leaves message `id`, arriving now, waiting at its receiver when the receiver's process
    /// is paused and the network would hand it over; true when it does.
    fn wait_for_resume(&mut self, id: MsgId) -> bool {
        let message = self.world.in_flight.get(id).expect("live");
        let Some((until, _)) = self.world.nodes[message.to.index()].paused else {
            return false;
        };
        let arrives = match message.state {
            MessageState::OnTheWay { lost, .. } => {
                !lost && self.world.network.connected(message.from, message.to)
            }
            MessageState::Waiting { .. } => true,
            MessageState::Held { .. } => false,
        };
        if !arrives {
            return false;
        }
        let ticket = self.enqueue(until, Due::Deliver(id));
        let message = self.world.in_flight.get_mut(id).expect("live");
        message.state = MessageState::Waiting { until };
        message.ticket = ticket;
        true
    }

    fn apply_action(&mut self, action: Action<N::Command>) {
        if let Err(reason) = self.try_action(&action) {
            self.pending.push(TraceEvent::Refused { action, reason });
        }
    }

    fn try_action(&mut self, action: &Action<N::Command>) -> Result<(), String> {
        let size = self.world.nodes.len();
        let node_in_range = |id: NodeId| {
            if id.index() < size {
                Ok(id)
            } else {
                Err(format!(
                    "{id} does not exist (the cluster has {size} nodes)"
                ))
            }
        };
        match action {
            Action::Crash(id) => {
                let slot = &mut self.world.nodes[node_in_range(*id)?.index()];
                if !slot.up {
                    return Err(format!("{id} is already down"));
                }
                slot.storage = Some(slot.node.durable());
                slot.up = false;
                slot.paused = None;
                slot.timers.clear();
                self.pending.push(TraceEvent::Crashed { node: *id });
            }
            Action::Restart(id) => {
                let index = node_in_range(*id)?.index();
                let slot = &mut self.world.nodes[index];
                if slot.up {
                    return Err(format!("{id} is already up"));
                }
                slot.node = N::boot(&self.world.config, *id, size, slot.storage.take());
                slot.up = true;
                self.pending.push(TraceEvent::Started { node: *id });
                self.run_handler(*id, |node, ctx| node.on_start(ctx));
            }
            Action::Partition(partition) => {
                self.world
                    .network
                    .set_partition(partition.clone())
                    .map_err(|e| e.0)?;
                self.network_changed(action);
            }
            Action::Heal => {
                self.world.network.heal();
                self.network_changed(action);
            }
            Action::SetLinks(link) => {
                link.validate().map_err(|e| e.0)?;
                self.world.network.set_default_link(*link);
                self.network_changed(action);
            }
            Action::SetLink(from, to, link) => {
                node_in_range(*from)?;
                node_in_range(*to)?;
                link.validate().map_err(|e| e.0)?;
                self.world.network.set_link(*from, *to, *link);
                self.network_changed(action);
            }
            Action::Command(id, command) => {
                let slot = &self.world.nodes[node_in_range(*id)?.index()];
                if !slot.up {
                    return Err(format!("{id} is down"));
                }
                if let Some(until) = slot.paused_until() {
                    return Err(format!("{id} is paused until {until}"));
                }
                self.pending.push(TraceEvent::Commanded {
                    node: *id,
                    command: command.clone(),
                });
                let command = command.clone();
                self.run_handler(*id, |node, ctx| node.on_command(ctx, command));
            }
            Action::DropMessage(id) => {
                let message = self.world.in_flight.remove(*id).ok_or_else(|| gone(*id))?;
                self.pending.push(TraceEvent::Dropped {
                    id: *id,
                    from: message.from,
                    to: message.to,
                    reason: DropReason::ByUser,
                });
            }
            Action::HoldMessage(id) => {
                let now = self.world.now;
                let message = self.world.in_flight.get_mut(*id).ok_or_else(|| gone(*id))?;
                let (deliver_at, lost) = match message.state {
                    MessageState::OnTheWay { deliver_at, lost } => (deliver_at, lost),
                    MessageState::Held { .. } => return Err(format!("{id} is already held")),
                    MessageState::Waiting { .. } => {
                        return Err(format!("{id} has arrived; its receiver is paused"));
                    }
                };
                message.state = MessageState::Held {
                    since: now,
                    remaining: deliver_at.since(now),
                    lost,
                };
                message.ticket = u64::MAX;
                self.pending.push(TraceEvent::Held { id: *id });
            }
            Action::ReleaseMessage(id) | Action::DeliverNow(id) => {
                let now = self.world.now;
                let message = self.world.in_flight.get(*id).ok_or_else(|| gone(*id))?;
                let (deliver_at, lost) = match (action, message.state) {
                    (Action::DeliverNow(_), MessageState::OnTheWay { lost, .. }) => (now, lost),
                    (
                        _,
                        MessageState::Held {
                            remaining, lost, ..
                        },
                    ) => {
                        let wait = if matches!(action, Action::DeliverNow(_)) {
                            Span(0)
                        } else {
                            remaining
                        };
                        (now + wait, lost)
                    }
                    _ => return Err(format!("{id} is not held")),
                };
                let ticket = self.enqueue(deliver_at, Due::Deliver(*id));
                let message = self.world.in_flight.get_mut(*id).expect("checked above");
                if let MessageState::Held { since, .. } = message.state {
                    message.held_for = message.held_for + now.since(since);
                }
                message.state = MessageState::OnTheWay { deliver_at, lost };
                message.ticket = ticket;
                self.pending.push(TraceEvent::Released {
                    id: *id,
                    deliver_at,
                });
            }
            Action::Pause(id, span) => {
                let index = node_in_range(*id)?.index();
                crate::clock::check_process_action(action)?;
                let slot = &self.world.nodes[index];
                if !slot.up {
                    return Err(format!("{id} is down"));
                }
                if let Some(until) = slot.paused_until() {
                    return Err(format!("{id} is already paused until {until}"));
                }
                let until = self.world.now + *span;
                let ticket = self.enqueue(until, Due::Resume(*id));
                self.world.nodes[index].paused = Some((until, ticket));
                self.pending.push(TraceEvent::Paused { node: *id, until });
            }
            Action::Drift(id, rate) => {
                let index = node_in_range(*id)?.index();
                crate::clock::check_process_action(action)?;
                let now = self.world.now;
                let clock = self.world.nodes[index].clock.drifting(now, *rate);
                self.set_clock(*id, clock);
            }
            Action::JumpClock(id, ms) => {
                let index = node_in_range(*id)?.index();
                crate::clock::check_process_action(action)?;
                let now = self.world.now;
                let clock = self.world.nodes[index].clock.jumped(now, *ms);
                self.set_clock(*id, clock);
            }
        }
        Ok(())
    }

    /// Gives node `id` a new clock: its timers, set on its clock, fall due when the new clock
    /// reads what they wait for.
    fn set_clock(&mut self, id: NodeId, clock: Clock) {
        let now = self.world.now;
        let slot = &mut self.world.nodes[id.index()];
        slot.clock = clock;
        let paused = slot.paused.map(|(until, _)| until);
        let mut timers = std::mem::take(&mut slot.timers);
        for pending in &mut timers {
            // A paused process still notices nothing before it resumes.
            pending.due = clock
                .true_time_of(pending.local_due, now)
                .max(paused.unwrap_or(now));
            pending.ticket = self.enqueue(pending.due, Due::Timer(id));
        }
        self.world.nodes[id.index()].timers = timers;
        self.pending.push(TraceEvent::ClockSet {
            node: id,
            reads: clock.at(now),
            rate: clock.rate(),
        });
    }

    fn network_changed(&mut self, action: &Action<N::Command>) {
        self.pending.push(TraceEvent::NetworkChanged {
            change: action.clone(),
        });
    }

    fn enqueue(&mut self, at: Time, due: Due) -> u64 {
        let ticket = self.world.next_ticket;
        self.world.next_ticket += 1;
        self.world
            .queue
            .push(Reverse(Scheduled { at, ticket, due }));
        ticket
    }

    /// Runs one handler of node `id`, then applies the effects it recorded, in order.
    fn run_handler(&mut self, id: NodeId, handler: impl FnOnce(&mut N, &mut Context<'_, N>)) {
        let mut effects = std::mem::take(&mut self.effects);
        let world = &mut self.world;
        let mut ctx = Context {
            id,
            now: world.now,
            local_now: world.nodes[id.index()].clock.at(world.now),
            cluster_size: world.nodes.len(),
            rng: &mut world.rng,
            effects: &mut effects,
        };
        handler(&mut world.nodes[id.index()].node, &mut ctx);
        for effect in effects.drain(..) {
            match effect {
                Effect::Send(to, msg) => self.send(id, to, Rc::new(msg), None),
                Effect::SetTimer(timer, after) => {
                    let now = self.world.now;
                    let clock = self.world.nodes[id.index()].clock;
                    let local_due = clock.at(now) + after;
                    let due = clock.true_time_of(local_due, now);
                    let ticket = self.enqueue(due, Due::Timer(id));
                    let timers = &mut self.world.nodes[id.index()].timers;
                    let pending = PendingTimer {
                        timer,
                        ticket,
                        due,
                        local_due,
                    };
                    match timers.iter_mut().find(|t| t.timer == pending.timer) {
                        Some(entry) => *entry = pending,
                        None => timers.push(pending),
                    }
                }
                Effect::CancelTimer(timer) => {
                    self.world.nodes[id.index()]
                        .timers
                        .retain(|t| t.timer != timer);
                }
                Effect::Note(note) => self.pending.push(TraceEvent::Noted { node: id, note }),
            }
        }
        self.effects = effects;
    }

    /// Puts a message on the network. Random draws happen in a fixed order: delay, loss,
    /// duplication, then the copy's delay and loss.
    fn send(&mut self, from: NodeId, to: NodeId, msg: Rc<N::Msg>, copy_of: Option<MsgId>) {
        let id = MsgId(self.world.next_msg);
        self.world.next_msg += 1;
        let now = self.world.now;
        if to.index() >= self.world.nodes.len() || !self.world.network.connected(from, to) {
            self.pending.push(TraceEvent::Sent {
                id,
                from,
                to,
                msg,
                deliver_at: now,
                copy_of,
            });
            self.pending.push(TraceEvent::Dropped {
                id,
                from,
                to,
                reason: DropReason::Partitioned,
            });
            return;
        }
        let link = *self.world.network.link(from, to);
        let deliver_at = now
            + Span(
                self.world
                    .rng
                    .between(link.latency_min.0, link.latency_max.0),
            );
        let lost = self.world.rng.chance(link.drop);
        let duplicate = copy_of.is_none() && self.world.rng.chance(link.duplicate);
        let ticket = self.enqueue(deliver_at, Due::Deliver(id));
        self.pending.push(TraceEvent::Sent {
            id,
            from,
            to,
            msg: msg.clone(),
            deliver_at,
            copy_of,
        });
        self.world.in_flight.insert(InFlight {
            id,
            from,
            to,
            msg: Rc::clone(&msg),
            sent_at: now,
            state: MessageState::OnTheWay { deliver_at, lost },
            held_for: Span(0),
            ticket,
        });
        if duplicate {
            self.send(from, to, msg, Some(id));
        }
    }

    /// Shows the step's records to the monitor, then moves them and any violations into the
    /// trace.
    fn finish_step(&mut self) {
        let mut found = Vec::new();
        for event in std::mem::take(&mut self.pending) {
            let world = &mut self.world;
            world.monitor.observe(
                &Observation {
                    now: world.now,
                    index: world.records,
                    event: &event,
                    nodes: &world.nodes,
                },
                &mut found,
            );
            world.records += 1;
            self.trace.push(world.now, event);
            for violation in found.drain(..) {
                world.violations.push(violation.clone());
                world.records += 1;
                self.trace
                    .push(world.now, TraceEvent::Violated(Box::new(violation)));
            }
        }
    }
}

fn gone(id: MsgId) -> String {
    format!("{id} is no longer in the network")
}
