//! # netsplit-crdt: replicas that edit apart, gossip, merge and converge
//!
//! State-based CRDTs (Shapiro, Preguiça, Baquero and Zawirski, "Conflict-free Replicated Data
//! Types", 2011): each replica applies updates locally, at once, without asking anyone; now and
//! then it sends its whole state to a peer, which merges it in. Because every state belongs to
//! a join-semilattice and `merge` is its least upper bound (commutative, associative and
//! idempotent), replicas that have seen the same updates hold the same state, whatever the
//! order, grouping or repetition of the merges.
//!
//! ```text
//!   n0: add x ─┐                    ┌─▶ {x, y}
//!              ├── state ──▶ merge ─┤
//!   n1: add y ─┘   (any order,      └─▶ {x, y}
//!                   any number of times)
//! ```
//!
//! The types ([`types`]): G-Counter, PN-Counter, G-Set, 2P-Set, OR-Set (add-wins, with unique
//! tags and tombstones), the optimized OR-Set (the same set, with dots and a version vector
//! instead of tombstones, so its state stays small; [`State::entries`] counts both),
//! LWW-Register (Lamport time with a replica-id tie-break), MV-Register (vector clocks), and an
//! LWW-Register holding a whole set, the naive replicated set to compare the others with. Elements and values are letters, so a whole state can be drawn.
//!
//! On the engine, each replica is a [`Replica`] node: it applies operations the user or a
//! scenario asks for, sends its state to a random peer every anti-entropy period (or to a chosen
//! peer on request), and merges what it receives. Replicas keep their state across crashes.
//! [`ConvergenceMonitor`] checks that every update and merge only moves a replica up in its
//! lattice, and that once the network is whole and quiet, every replica reaches the merge of all
//! updates made; it reports how long that took. [`Bug`] holds one wrong merge per family.
//!
//! [`CrdtLab`] describes the lab: its settings, findings, presets and how it is fuzzed;
//! [`compare_set_types`] replays one run's adds and removes on each kind of set.
//!
//! The crate never draws, reads a clock, or uses randomness other than the engine's.

pub mod lab;
mod monitor;
mod presets;
mod state;
pub mod types;

use netsplit_sim::{Context, Link, Node, NodeId, Sim, Span, Time, check_range};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::ops::RangeInclusive;

pub use lab::{CrdtLab, SetComparison, SetOutcome, compare_set_types};
pub use monitor::{Convergence, ConvergenceMonitor};
pub use state::{Bug, Family, Kind, Op, State};

/// A run of the CRDT lab, with its monitor.
pub type CrdtSim = Sim<Replica, ConvergenceMonitor>;
/// A scenario of the CRDT lab.
pub type CrdtScenario = netsplit_sim::lab::LabScenario<Params, Command>;

/// The CRDT lab's parameters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Params {
    /// How many replicas.
    pub replicas: usize,
    /// Which CRDT they hold.
    pub kind: Kind,
    /// How often each replica sends its state to a random peer; zero turns anti-entropy off.
    pub period: Span,
    /// A deliberately wrong merge, or `None`.
    pub bug: Option<Bug>,
}

impl Default for Params {
    fn default() -> Params {
        Params {
            replicas: 3,
            kind: Kind::OrSet,
            period: Span::millis(1000),
            bug: None,
        }
    }
}

impl Params {
    /// Allowed numbers of replicas.
    pub const REPLICAS: RangeInclusive<usize> = 2..=6;
    /// Allowed anti-entropy periods, in milliseconds (zero also: off).
    pub const PERIOD_MS: RangeInclusive<u64> = 100..=60_000;
    /// How many anti-entropy periods of calm a run may take to converge.
    pub const CONVERGENCE_PERIODS: u64 = 20;

    /// Refuses out-of-range values, and a bug that does not apply to the type.
    pub fn validate(&self) -> Result<(), String> {
        let (lo, hi) = Self::REPLICAS.into_inner();
        check_range("replicas", self.replicas as u64, lo as u64, hi as u64, "")?;
        if self.period != Span(0) {
            let (lo, hi) = Self::PERIOD_MS.into_inner();
            check_range(
                "anti-entropy period",
                self.period.as_millis(),
                lo,
                hi,
                " ms",
            )
            .map_err(|e| format!("{e} (or 0 for off)"))?;
        }
        match self.bug {
            Some(bug) if !bug.applies_to(self.kind) => Err(format!(
                "the {} bug does not apply to a {}",
                bug.name(),
                self.kind
            )),
            _ => Ok(()),
        }
    }

    /// How long a calm network may take to converge; `None` without anti-entropy.
    pub fn convergence_deadline(&self) -> Option<Span> {
        (self.period != Span(0)).then(|| Span(self.period.0 * Self::CONVERGENCE_PERIODS))
    }

    /// A run of these replicas on a network whose links behave like `link`.
    pub fn build(&self, link: Link, seed: u64) -> CrdtSim {
        Sim::new(
            *self,
            self.replicas,
            link,
            seed,
            ConvergenceMonitor::new(self, &link),
        )
    }
}

/// The one message: a replica's whole state.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Msg {
    /// The sender's state, to be merged.
    State(State),
}

impl fmt::Display for Msg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Msg::State(state) => write!(f, "state {}", state.value()),
        }
    }
}

/// A replica's timer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Timer {
    /// Send the state to a random peer.
    AntiEntropy,
}

impl fmt::Display for Timer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("anti-entropy")
    }
}

/// What users can ask a replica to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Command {
    /// Apply an update locally.
    Apply(Op),
    /// Send the state to this peer now.
    SyncTo(NodeId),
}

impl fmt::Display for Command {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Command::Apply(op) => write!(f, "{op}"),
            Command::SyncTo(peer) => write!(f, "sync to {peer}"),
        }
    }
}

/// What replicas note in the trace.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Note {
    /// `replica` applied `op`; its value is now `value`.
    Applied {
        /// The replica.
        replica: NodeId,
        /// The update.
        op: Op,
        /// The value after it.
        value: String,
    },
    /// `replica` could not apply `op`.
    Refused {
        /// The replica.
        replica: NodeId,
        /// The update.
        op: Op,
        /// Why.
        why: String,
    },
    /// `replica` merged the state of `from`, which changed it.
    Merged {
        /// The replica.
        replica: NodeId,
        /// Whose state.
        from: NodeId,
        /// The value before.
        before: String,
        /// The value after.
        after: String,
    },
}

impl fmt::Display for Note {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Note::Applied { replica, op, value } => write!(f, "{replica} applies {op}: {value}"),
            Note::Refused { replica, op, why } => write!(f, "{replica} cannot {op}: {why}"),
            Note::Merged {
                replica,
                from,
                before,
                after,
            } if before == after => {
                write!(f, "{replica} merges {from}'s state: no change, {after}")
            }
            Note::Merged {
                replica,
                from,
                before,
                after,
            } => write!(f, "{replica} merges {from}'s state: {before} → {after}"),
        }
    }
}

/// The last merge that changed a replica, for the view: whose state, when, and the state
/// before it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LastMerge {
    /// Whose state was merged.
    pub from: NodeId,
    /// When.
    pub at: Time,
    /// The replica's state just before.
    pub before: State,
}

/// A replica: one copy of the CRDT.
#[derive(Clone, Debug)]
pub struct Replica {
    id: NodeId,
    params: Params,
    state: State,
    last_merge: Option<LastMerge>,
}

impl Replica {
    /// Its state.
    pub fn state(&self) -> &State {
        &self.state
    }

    /// Its last merge that changed it, since it booted.
    pub fn last_merge(&self) -> Option<&LastMerge> {
        self.last_merge.as_ref()
    }

    fn send_state(&self, ctx: &mut Context<'_, Self>, to: NodeId) {
        ctx.send(to, Msg::State(self.state.clone()));
    }
}

impl Node for Replica {
    type Config = Params;
    type Msg = Msg;
    type Timer = Timer;
    type Command = Command;
    type Note = Note;
    type Durable = State;

    fn boot(params: &Params, id: NodeId, _cluster: usize, state: Option<State>) -> Self {
        Replica {
            id,
            params: *params,
            state: state.unwrap_or_else(|| params.kind.empty()),
            last_merge: None,
        }
    }

    fn on_start(&mut self, ctx: &mut Context<'_, Self>) {
        if self.params.period != Span(0) {
            // A random first wait, so that replicas do not all gossip at the same moment.
            let first = ctx.random_span(Span(1), self.params.period);
            ctx.set_timer(Timer::AntiEntropy, first);
        }
    }

    fn on_message(&mut self, ctx: &mut Context<'_, Self>, from: NodeId, msg: Msg) {
        let Msg::State(theirs) = msg;
        let before = self.state.clone();
        self.state.merge(&theirs, self.params.bug);
        // A merge that changes nothing is routine: the delivery in the trace says enough.
        if self.state != before {
            ctx.note(Note::Merged {
                replica: self.id,
                from,
                before: before.value(),
                after: self.state.value(),
            });
            self.last_merge = Some(LastMerge {
                from,
                at: ctx.now(),
                before,
            });
        }
    }

    fn on_timer(&mut self, ctx: &mut Context<'_, Self>, Timer::AntiEntropy: Timer) {
        if let Some(peer) = ctx.random_peer() {
            self.send_state(ctx, peer);
        }
        ctx.set_timer(Timer::AntiEntropy, self.params.period);
    }

    fn on_command(&mut self, ctx: &mut Context<'_, Self>, command: Command) {
        match command {
            Command::Apply(op) => match self.state.apply(self.id, op) {
                Ok(()) => ctx.note(Note::Applied {
                    replica: self.id,
                    op,
                    value: self.state.value(),
                }),
                Err(why) => ctx.note(Note::Refused {
                    replica: self.id,
                    op,
                    why,
                }),
            },
            Command::SyncTo(peer) => self.send_state(ctx, peer),
        }
    }

    fn footprint(&self) -> usize {
        std::mem::size_of_val(self) + self.state.footprint()
    }

    fn message_footprint(msg: &Msg) -> usize {
        match msg {
            Msg::State(state) => state.footprint(),
        }
    }

    fn durable(&self) -> State {
        self.state.clone()
    }
}
