//! # netsplit-paxos: Paxos, as in "Paxos Made Simple", and Multi-Paxos
//!
//! Lamport, "Paxos Made Simple", 2001. Proposers try to get one value chosen by a majority of
//! acceptors; learners find out which. A proposal carries a ballot, unique to its proposer and
//! ordered by round; each ballot takes two round trips:
//!
//! ```text
//!   proposer                     acceptors (a majority suffices)
//!      │ ── Prepare(b) ───────────▶ │  phase 1: promise to ignore ballots below b, and report
//!      │ ◀─ Promise(b, last vote) ── │           the highest-ballot value accepted so far
//!      │ ── Accept(b, v) ──────────▶ │  phase 2: v is that reported value, or the proposer's own
//!      │                             │           when no acceptor of the majority accepted any
//!   learners ◀── Accepted(b, v) ──── │  v is chosen once a majority accepts it in one ballot
//! ```
//!
//! An acceptor that has promised a higher ballot answers with a rejection that names it; the
//! proposer then waits a random backoff and tries again with a higher ballot. Two proposers
//! can outbid each other for a while (duelling proposers) until the backoff separates them.
//!
//! In **Multi-Paxos** (§3 of the paper) one proposer becomes the distinguished leader by
//! completing phase 1 once for every slot from the first it has not learned; after that each
//! client command costs only phase 2 in the next slot. A new leader re-proposes what phase 1
//! reports for each slot and fills slots nobody reported with no-ops, so the sequence of
//! chosen values has no gaps. The leader sends heartbeats to the other proposers, saying how
//! far it has learned; one that hears none for a while runs phase 1 itself, and one that is
//! behind (it missed Accepted messages) asks the leader, which answers with the values it
//! learned: the distinguished learner of §2.3 informing the others. This is the structure Raft later made explicit:
//! phase 1 is Raft's election, a ballot is a term, and the slots are the log.
//!
//! Nodes `n0…` are proposers (each also a learner), the nodes after them acceptors. Acceptors
//! keep their promise and their accepted votes on stable storage; a proposer keeps the highest
//! round it has used, so it never issues the same ballot twice (§2.5).
//!
//! [`PaxosMonitor`] checks Agreement, Validity, that learners learn only chosen values, that
//! acceptors keep their promises and that a higher ballot carries a chosen value (P2b), after
//! every event. [`Bug`] holds deliberately wrong variants
//! that it must catch. The crate never draws, reads a clock, or uses randomness other than
//! the engine's. [`PaxosLab`] describes the lab: its settings, findings, presets and how it is
//! fuzzed.

pub mod lab;
mod monitor;
mod presets;

use netsplit_sim::{Context, Link, Node, NodeId, Sim, Span, check_range, map_bytes, set_bytes};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::mem::size_of_val;
use std::ops::RangeInclusive;

pub use lab::PaxosLab;
pub use monitor::{BallotLog, Choice, PaxosMonitor};

/// A run of the Paxos lab, with its monitor.
pub type PaxosSim = Sim<PaxosNode, PaxosMonitor>;
/// A scenario of the Paxos lab.
pub type PaxosScenario = netsplit_sim::lab::LabScenario<Params, Command>;

/// The most chosen values one Decided message carries.
const CATCH_UP_BATCH: usize = 16;

/// The one slot that single-decree Paxos decides.
pub const SINGLE_SLOT: u64 = 1;

/// A proposal number: unique because it names its proposer, ordered by round first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Ballot {
    /// The proposer's attempt number.
    pub round: u32,
    /// The proposer that issued it; breaks ties between equal rounds.
    pub proposer: NodeId,
}

impl fmt::Display for Ballot {
    /// "3.1": round 3 of proposer n1.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.round, self.proposer.0)
    }
}

/// What can be chosen: a client's value (a letter) or, in Multi-Paxos, a no-op that fills a gap.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Value {
    /// A value a client asked for.
    Client(char),
    /// Nothing: a leader's filler for a slot no acceptor reported.
    Noop,
    /// A value a client asked for by number: fuzzing gives every request its own, so that a
    /// value chosen but never asked for, or carried to the wrong slot, stands out.
    Request(u32),
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Client(c) => write!(f, "{c}"),
            Value::Noop => f.write_str("no-op"),
            Value::Request(n) => write!(f, "#{n}"),
        }
    }
}

/// An acceptor's vote as phase 1 reports it: the value it accepted in `slot`, and in which
/// ballot.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Vote {
    /// The slot.
    pub slot: u64,
    /// The ballot the value was accepted in.
    pub ballot: Ballot,
    /// The value.
    pub value: Value,
}

/// Which protocol the cluster runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// One value, both phases for every attempt.
    Single,
    /// A stream of values in slots, phase 1 once per leader.
    Multi,
}

impl Mode {
    /// Both modes, for menus.
    pub const ALL: [Mode; 2] = [Mode::Single, Mode::Multi];

    /// A short name for menus and the command line.
    pub fn name(self) -> &'static str {
        match self {
            Mode::Single => "single",
            Mode::Multi => "multi",
        }
    }
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Mode::Single => "single-decree Paxos",
            Mode::Multi => "Multi-Paxos",
        })
    }
}

/// A deliberately wrong variant of Paxos.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Bug {
    /// After phase 1 the proposer proposes its own value even when a promise reported one
    /// already accepted, so a value chosen earlier can be replaced.
    IgnoreAcceptedValues,
    /// Acceptors accept any Accept, even one below the ballot they promised.
    AcceptBelowPromise,
}

impl Bug {
    /// Every bug, for menus and fuzzing.
    pub const ALL: [Bug; 2] = [Bug::IgnoreAcceptedValues, Bug::AcceptBelowPromise];

    /// A short name for menus and the command line.
    pub fn name(self) -> &'static str {
        match self {
            Bug::IgnoreAcceptedValues => "ignore-accepted-values",
            Bug::AcceptBelowPromise => "accept-below-promise",
        }
    }

    /// What the bug does, in one sentence.
    pub fn describe(self) -> &'static str {
        match self {
            Bug::IgnoreAcceptedValues => {
                "Proposers ignore the values that promises report and propose their own (breaks P2c, §2.2)."
            }
            Bug::AcceptBelowPromise => {
                "Acceptors accept proposals numbered below the ballot they promised (breaks P1a, §2.2)."
            }
        }
    }
}

/// The Paxos lab's parameters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Params {
    /// How many proposers (nodes n0 on); each is also a learner.
    pub proposers: usize,
    /// How many acceptors (the nodes after the proposers).
    pub acceptors: usize,
    /// Single-decree or Multi-Paxos.
    pub mode: Mode,
    /// How long a proposer waits for a majority in one phase before it gives the ballot up.
    pub timeout: Span,
    /// The longest random wait before a retry; each wait draws uniformly from 1 ms to this.
    pub backoff_max: Span,
    /// A deliberately wrong variant, or `None` for Paxos as published.
    pub bug: Option<Bug>,
}

impl Default for Params {
    fn default() -> Params {
        Params {
            proposers: 2,
            acceptors: 3,
            mode: Mode::Single,
            timeout: Span::millis(400),
            backoff_max: Span::millis(400),
            bug: None,
        }
    }
}

impl Params {
    /// Allowed numbers of proposers.
    pub const PROPOSERS: RangeInclusive<usize> = 1..=3;
    /// Allowed numbers of acceptors.
    pub const ACCEPTORS: RangeInclusive<usize> = 1..=7;
    /// Allowed phase timeouts, in milliseconds.
    pub const TIMEOUT_MS: RangeInclusive<u64> = 50..=10_000;
    /// Allowed longest backoffs, in milliseconds.
    pub const BACKOFF_MS: RangeInclusive<u64> = 1..=10_000;

    /// Refuses out-of-range values, naming the allowed range.
    pub fn validate(&self) -> Result<(), String> {
        let (lo, hi) = Self::PROPOSERS.into_inner();
        check_range("proposers", self.proposers as u64, lo as u64, hi as u64, "")?;
        let (lo, hi) = Self::ACCEPTORS.into_inner();
        check_range("acceptors", self.acceptors as u64, lo as u64, hi as u64, "")?;
        let (lo, hi) = Self::TIMEOUT_MS.into_inner();
        check_range("phase timeout", self.timeout.as_millis(), lo, hi, " ms")?;
        let (lo, hi) = Self::BACKOFF_MS.into_inner();
        check_range(
            "longest backoff",
            self.backoff_max.as_millis(),
            lo,
            hi,
            " ms",
        )
    }

    /// How many nodes the cluster has: proposers, then acceptors.
    pub fn nodes(&self) -> usize {
        self.proposers + self.acceptors
    }

    /// How many acceptors make a majority.
    pub fn majority(&self) -> usize {
        self.acceptors / 2 + 1
    }

    /// True when `id` is a proposer.
    pub fn is_proposer(&self, id: NodeId) -> bool {
        id.index() < self.proposers
    }

    /// The proposers, which are also the learners.
    pub fn proposer_ids(&self) -> impl Iterator<Item = NodeId> + Clone + use<> {
        NodeId::all(self.proposers)
    }

    /// The acceptors.
    pub fn acceptor_ids(&self) -> impl Iterator<Item = NodeId> + Clone + use<> {
        NodeId::all(self.nodes()).skip(self.proposers)
    }

    /// How often a Multi-Paxos leader sends heartbeats and repeats unanswered Accepts.
    pub fn heartbeat(&self) -> Span {
        Span((self.timeout.as_millis() / 3).max(1))
    }

    /// A run of this cluster on a network whose links behave like `link`.
    pub fn build(&self, link: Link, seed: u64) -> PaxosSim {
        Sim::new(*self, self.nodes(), link, seed, PaxosMonitor::new(self))
    }
}

/// Paxos messages: the two phases, the rejection, and the Multi-Paxos leader's heartbeat.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Msg {
    /// Phase 1a: promise to ignore ballots below `ballot`, and report your votes in slots from
    /// `from` on.
    Prepare {
        /// The proposer's ballot.
        ballot: Ballot,
        /// The first slot the proposer has not learned.
        from: u64,
    },
    /// Phase 1b: the promise, with the acceptor's votes.
    Promise {
        /// The ballot promised.
        ballot: Ballot,
        /// For each slot asked about, the value accepted in the highest ballot so far.
        accepted: Vec<Vote>,
    },
    /// Phase 2a: accept `value` in `slot` under `ballot`.
    Accept {
        /// The proposer's ballot.
        ballot: Ballot,
        /// The slot.
        slot: u64,
        /// The value.
        value: Value,
    },
    /// Phase 2b, to every learner: the acceptor accepted `value` in `slot` under `ballot`.
    Accepted {
        /// The ballot.
        ballot: Ballot,
        /// The slot.
        slot: u64,
        /// The value.
        value: Value,
    },
    /// A Prepare or Accept refused, because the acceptor promised a higher ballot.
    Rejected {
        /// The ballot refused.
        ballot: Ballot,
        /// The ballot the acceptor promised.
        promised: Ballot,
    },
    /// Multi-Paxos: the leader of `ballot` is alive, and has learned every slot below
    /// `decided`.
    Heartbeat {
        /// The leader's ballot.
        ballot: Ballot,
        /// The first slot the leader has not learned.
        decided: u64,
    },
    /// Multi-Paxos: a learner behind the leader asks for the values chosen from slot `from` on.
    CatchUp {
        /// The leader's ballot, as the heartbeat gave it.
        ballot: Ballot,
        /// The first slot the learner has not learned.
        from: u64,
    },
    /// Multi-Paxos: the leader tells a learner values it learned, each chosen by a majority
    /// (a distinguished learner informing the others, §2.3).
    Decided {
        /// The leader's ballot.
        ballot: Ballot,
        /// The values, by slot.
        values: Vec<(u64, Value)>,
    },
}

impl fmt::Display for Msg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Msg::Prepare { ballot, .. } => write!(f, "Prepare {ballot}"),
            Msg::Promise { ballot, accepted } => match accepted.iter().max_by_key(|v| v.ballot) {
                None => write!(f, "Promise {ballot} (nothing accepted)"),
                Some(_) if accepted.len() > 1 => {
                    write!(f, "Promise {ballot} (votes in {} slots)", accepted.len())
                }
                Some(vote) => write!(
                    f,
                    "Promise {ballot} (accepted {} in {})",
                    vote.value, vote.ballot
                ),
            },
            Msg::Accept {
                ballot,
                slot,
                value,
            } => write!(f, "Accept {ballot}: slot {slot} = {value}"),
            Msg::Accepted {
                ballot,
                slot,
                value,
            } => write!(f, "Accepted {ballot}: slot {slot} = {value}"),
            Msg::Rejected { ballot, promised } => {
                write!(f, "Rejected {ballot} (promised {promised})")
            }
            Msg::Heartbeat { ballot, decided } => {
                write!(
                    f,
                    "Heartbeat of leader {ballot} (decided below slot {decided})"
                )
            }
            Msg::CatchUp { ballot, from } => {
                write!(f, "CatchUp {ballot}: values chosen from slot {from} on")
            }
            Msg::Decided { ballot, values } => {
                write!(f, "Decided {ballot}: {} chosen values", values.len())
            }
        }
    }
}

impl Msg {
    /// The ballot the message is about.
    pub fn ballot(&self) -> Ballot {
        match self {
            Msg::Prepare { ballot, .. }
            | Msg::Promise { ballot, .. }
            | Msg::Accept { ballot, .. }
            | Msg::Accepted { ballot, .. }
            | Msg::Rejected { ballot, .. }
            | Msg::Heartbeat { ballot, .. }
            | Msg::CatchUp { ballot, .. }
            | Msg::Decided { ballot, .. } => *ballot,
        }
    }
}

/// A proposer's timers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Timer {
    /// A phase found no majority in time: give the ballot up.
    Phase,
    /// The random wait before a retry is over.
    Backoff,
    /// Multi-Paxos leader: send heartbeats and repeat unanswered Accepts.
    Heartbeat,
    /// Multi-Paxos: no heartbeat from a leader for too long.
    LeaderLost,
}

impl fmt::Display for Timer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Timer::Phase => "phase timeout",
            Timer::Backoff => "backoff",
            Timer::Heartbeat => "heartbeat",
            Timer::LeaderLost => "leader lost",
        })
    }
}

/// What users can ask a proposer to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Command {
    /// Get this value chosen (single-decree), or appended in the next slot (Multi-Paxos).
    Propose(Value),
}

impl fmt::Display for Command {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Command::Propose(value) => write!(f, "propose {value}"),
        }
    }
}

/// Why a proposer gave a ballot up.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GiveUp {
    /// No majority answered before the phase timeout.
    Timeout,
    /// An acceptor had promised a higher ballot.
    Outbid {
        /// The acceptor.
        acceptor: NodeId,
        /// What it promised.
        promised: Ballot,
    },
}

/// What nodes note in the trace.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Note {
    /// `proposer` starts phase 1 of `ballot`.
    Preparing {
        /// The proposer.
        proposer: NodeId,
        /// Its new ballot.
        ballot: Ballot,
    },
    /// `acceptor` promised `ballot`.
    Promised {
        /// The acceptor.
        acceptor: NodeId,
        /// The ballot.
        ballot: Ballot,
    },
    /// `acceptor` refused `ballot` because it promised `promised`.
    Refused {
        /// The acceptor.
        acceptor: NodeId,
        /// The ballot refused.
        ballot: Ballot,
        /// The promise it keeps.
        promised: Ballot,
    },
    /// A majority promised `ballot`: phase 1 is complete (in Multi-Paxos, `proposer` leads).
    PhaseOne {
        /// The proposer.
        proposer: NodeId,
        /// The ballot.
        ballot: Ballot,
    },
    /// `proposer` asks the acceptors to accept `value` in `slot` under `ballot`.
    Proposed {
        /// The proposer.
        proposer: NodeId,
        /// The ballot.
        ballot: Ballot,
        /// The slot.
        slot: u64,
        /// The value.
        value: Value,
        /// The earlier ballot the value was accepted in, when phase 1 reported it.
        carried_from: Option<Ballot>,
    },
    /// `acceptor` accepted `value` in `slot` under `ballot`.
    Accepted {
        /// The acceptor.
        acceptor: NodeId,
        /// The ballot.
        ballot: Ballot,
        /// The slot.
        slot: u64,
        /// The value.
        value: Value,
    },
    /// `learner` counted a majority of acceptors for `value` in `slot`.
    Learned {
        /// The learner.
        learner: NodeId,
        /// The slot.
        slot: u64,
        /// The value.
        value: Value,
    },
    /// `proposer` gave `ballot` up and will retry after a random backoff.
    GaveUp {
        /// The proposer.
        proposer: NodeId,
        /// The ballot given up.
        ballot: Ballot,
        /// Why.
        why: GiveUp,
    },
    /// Multi-Paxos: `proposer` follows the leader of `ballot`.
    Following {
        /// The proposer.
        proposer: NodeId,
        /// The leader's ballot.
        ballot: Ballot,
    },
    /// Multi-Paxos: `proposer` is not the leader and turned a client away.
    Redirected {
        /// The proposer asked.
        proposer: NodeId,
        /// The leader it follows.
        leader: NodeId,
    },
}

impl fmt::Display for Note {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Note::Preparing { proposer, ballot } => {
                write!(
                    f,
                    "{proposer} starts ballot {ballot}: Prepare to every acceptor"
                )
            }
            Note::Promised { acceptor, ballot } => {
                write!(f, "{acceptor} promises to ignore ballots below {ballot}")
            }
            Note::Refused {
                acceptor,
                ballot,
                promised,
            } => write!(
                f,
                "{acceptor} refuses ballot {ballot}: it promised {promised}"
            ),
            Note::PhaseOne { proposer, ballot } => write!(
                f,
                "{proposer} holds promises from a majority for ballot {ballot}: phase 1 done"
            ),
            Note::Proposed {
                proposer,
                ballot,
                slot,
                value,
                carried_from,
            } => {
                write!(
                    f,
                    "{proposer} asks to accept {value} in slot {slot} under ballot {ballot}"
                )?;
                match (carried_from, value) {
                    (Some(from), _) => write!(f, ", carried forward from ballot {from}"),
                    (None, Value::Noop) => f.write_str(", filling a gap"),
                    (None, Value::Client(_) | Value::Request(_)) => f.write_str(", its own value"),
                }
            }
            Note::Accepted {
                acceptor,
                ballot,
                slot,
                value,
            } => write!(
                f,
                "{acceptor} accepts {value} in slot {slot} under ballot {ballot}"
            ),
            Note::Learned {
                learner,
                slot,
                value,
            } => write!(f, "{learner} learns that {value} is chosen in slot {slot}"),
            Note::GaveUp {
                proposer,
                ballot,
                why: GiveUp::Timeout,
            } => write!(
                f,
                "{proposer} gives ballot {ballot} up: no majority in time; it retries after a random backoff"
            ),
            Note::GaveUp {
                proposer,
                ballot,
                why: GiveUp::Outbid { acceptor, promised },
            } => write!(
                f,
                "{proposer} gives ballot {ballot} up: {acceptor} promised {promised}; it retries after a random backoff"
            ),
            Note::Following { proposer, ballot } => write!(
                f,
                "{proposer} follows {}, the leader of ballot {ballot}",
                ballot.proposer
            ),
            Note::Redirected { proposer, leader } => write!(
                f,
                "{proposer} is not the leader; it points the client to {leader}"
            ),
        }
    }
}

/// An acceptor's state, all of it on stable storage.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Acceptor {
    promised: Option<Ballot>,
    accepted: BTreeMap<u64, (Ballot, Value)>,
}

impl Acceptor {
    /// The highest ballot promised.
    pub fn promised(&self) -> Option<Ballot> {
        self.promised
    }

    /// The ballot and value last accepted in `slot`.
    pub fn accepted(&self, slot: u64) -> Option<(Ballot, Value)> {
        self.accepted.get(&slot).copied()
    }

    /// Every slot's last accepted ballot and value.
    pub fn votes(&self) -> &BTreeMap<u64, (Ballot, Value)> {
        &self.accepted
    }
}

/// Where a proposer stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    /// Not proposing (in Multi-Paxos: following a leader, or waiting to hear of one).
    Idle,
    /// Phase 1: waiting for promises.
    Preparing,
    /// Phase 2: waiting for acceptances (in Multi-Paxos: leading).
    Proposing,
    /// Waiting a random time before the next ballot.
    BackingOff,
}

/// A value the proposer asked the acceptors to accept under its current ballot.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Proposal {
    /// The value.
    pub value: Value,
    /// The ballot it was carried from, if phase 1 reported it.
    pub carried_from: Option<Ballot>,
    /// The acceptors that accepted it.
    pub accepted_by: BTreeSet<NodeId>,
}

/// A proposer's state; it is also a learner.
#[derive(Clone, Debug)]
pub struct Proposer {
    // Stable storage: the highest round ever used, so that no ballot is issued twice.
    max_round: u32,
    // Volatile state.
    stage: Stage,
    ballot: Option<Ballot>,
    value: Option<Value>,
    queue: Vec<Value>,
    highest_seen: Option<Ballot>,
    leader: Option<Ballot>,
    promises: BTreeMap<NodeId, Vec<Vote>>,
    proposals: BTreeMap<u64, Proposal>,
    next_slot: u64,
    tally: BTreeMap<(u64, Ballot, Value), BTreeSet<NodeId>>,
    learned: BTreeMap<u64, Value>,
}

impl Proposer {
    /// Where it stands.
    pub fn stage(&self) -> Stage {
        self.stage
    }

    /// Its current (or last) ballot.
    pub fn ballot(&self) -> Option<Ballot> {
        self.ballot
    }

    /// The value it wants chosen (single-decree).
    pub fn value(&self) -> Option<Value> {
        self.value
    }

    /// Client values waiting for this proposer to lead (Multi-Paxos).
    pub fn queue(&self) -> &[Value] {
        &self.queue
    }

    /// The leader's ballot it follows (Multi-Paxos).
    pub fn leader(&self) -> Option<Ballot> {
        self.leader
    }

    /// The acceptors that promised its current ballot.
    pub fn promises(&self) -> impl Iterator<Item = NodeId> + '_ {
        self.promises.keys().copied()
    }

    /// What it proposed under its current ballot, by slot.
    pub fn proposals(&self) -> &BTreeMap<u64, Proposal> {
        &self.proposals
    }

    /// What it has learned, by slot.
    pub fn learned(&self) -> &BTreeMap<u64, Value> {
        &self.learned
    }

    /// The highest round it has used.
    pub fn max_round(&self) -> u32 {
        self.max_round
    }

    /// The first slot it has not learned: everything before is known chosen.
    pub fn first_unlearned(&self) -> u64 {
        let mut slot = 1;
        while self.learned.contains_key(&slot) {
            slot += 1;
        }
        slot
    }
}

/// The two kinds of node.
#[derive(Clone, Debug)]
pub enum Role {
    /// Proposes values and learns the chosen ones.
    Proposer(Proposer),
    /// Promises and accepts.
    Acceptor(Acceptor),
}

/// What a node keeps on stable storage.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Storage {
    /// A proposer's highest round.
    Proposer {
        /// The highest round used.
        max_round: u32,
    },
    /// An acceptor's promise and votes.
    Acceptor(Acceptor),
}

/// A Paxos node: a proposer (and learner) or an acceptor.
#[derive(Clone, Debug)]
pub struct PaxosNode {
    id: NodeId,
    params: Params,
    role: Role,
}

impl PaxosNode {
    /// Its role and state.
    pub fn role(&self) -> &Role {
        &self.role
    }

    /// The proposer's state, when it is one.
    pub fn proposer(&self) -> Option<&Proposer> {
        match &self.role {
            Role::Proposer(p) => Some(p),
            Role::Acceptor(_) => None,
        }
    }

    /// The acceptor's state, when it is one.
    pub fn acceptor(&self) -> Option<&Acceptor> {
        match &self.role {
            Role::Acceptor(a) => Some(a),
            Role::Proposer(_) => None,
        }
    }

    /// True for a Multi-Paxos proposer that completed phase 1 and has not been outbid.
    pub fn is_leader(&self) -> bool {
        self.params.mode == Mode::Multi
            && self.proposer().is_some_and(|p| p.stage == Stage::Proposing)
    }

    fn has(&self, bug: Bug) -> bool {
        self.params.bug == Some(bug)
    }

    fn on_acceptor_message(&mut self, ctx: &mut Context<'_, Self>, from: NodeId, msg: Msg) {
        let accept_below_promise = self.has(Bug::AcceptBelowPromise);
        let proposers = self.params.proposer_ids();
        let Role::Acceptor(acceptor) = &mut self.role else {
            return;
        };
        let me = ctx.id();
        match msg {
            // P1a: promise only a ballot at least as high as every promise made (§2.2).
            Msg::Prepare {
                ballot,
                from: first,
            } => match acceptor.promised {
                Some(promised) if promised > ballot => {
                    refuse(ctx, me, from, ballot, promised);
                }
                _ => {
                    acceptor.promised = Some(ballot);
                    ctx.note(Note::Promised {
                        acceptor: me,
                        ballot,
                    });
                    let accepted = acceptor
                        .accepted
                        .range(first..)
                        .map(|(&slot, &(ballot, value))| Vote {
                            slot,
                            ballot,
                            value,
                        })
                        .collect();
                    ctx.send(from, Msg::Promise { ballot, accepted });
                }
            },
            // Accept unless a higher ballot was promised (§2.2, P1a).
            Msg::Accept {
                ballot,
                slot,
                value,
            } => match acceptor.promised {
                Some(promised) if promised > ballot && !accept_below_promise => {
                    refuse(ctx, me, from, ballot, promised);
                }
                promised => {
                    acceptor.promised = promised.max(Some(ballot));
                    acceptor.accepted.insert(slot, (ballot, value));
                    ctx.note(Note::Accepted {
                        acceptor: me,
                        ballot,
                        slot,
                        value,
                    });
                    for learner in proposers {
                        ctx.send(
                            learner,
                            Msg::Accepted {
                                ballot,
                                slot,
                                value,
                            },
                        );
                    }
                }
            },
            Msg::Promise { .. }
            | Msg::Accepted { .. }
            | Msg::Rejected { .. }
            | Msg::Heartbeat { .. }
            | Msg::CatchUp { .. }
            | Msg::Decided { .. } => {}
        }
    }

    fn proposer_mut(&mut self) -> &mut Proposer {
        match &mut self.role {
            Role::Proposer(p) => p,
            Role::Acceptor(_) => unreachable!("only proposers run proposer code"),
        }
    }

    /// Phase 1a with a ballot above every one used or seen (§2.2, §2.5).
    fn start_ballot(&mut self, ctx: &mut Context<'_, Self>) {
        let id = self.id;
        let params = self.params;
        let p = self.proposer_mut();
        let round = p.max_round.max(p.highest_seen.map_or(0, |b| b.round)) + 1;
        let ballot = Ballot {
            round,
            proposer: id,
        };
        p.max_round = round;
        p.ballot = Some(ballot);
        p.stage = Stage::Preparing;
        p.promises.clear();
        p.proposals.clear();
        let from = match params.mode {
            Mode::Single => SINGLE_SLOT,
            Mode::Multi => p.first_unlearned(),
        };
        ctx.note(Note::Preparing {
            proposer: id,
            ballot,
        });
        for acceptor in params.acceptor_ids() {
            ctx.send(acceptor, Msg::Prepare { ballot, from });
        }
        ctx.cancel_timer(Timer::Backoff);
        ctx.cancel_timer(Timer::LeaderLost);
        ctx.set_timer(Timer::Phase, params.timeout);
    }

    fn on_promise(
        &mut self,
        ctx: &mut Context<'_, Self>,
        from: NodeId,
        ballot: Ballot,
        votes: Vec<Vote>,
    ) {
        let majority = self.params.majority();
        let p = self.proposer_mut();
        if p.stage != Stage::Preparing || p.ballot != Some(ballot) {
            return;
        }
        p.promises.insert(from, votes);
        if p.promises.len() >= majority {
            self.phase_two(ctx, ballot);
        }
    }

    /// Phase 2a: for each slot, the value of the highest-numbered vote among the promises, or a
    /// free choice when there is none (§2.2, P2c).
    fn phase_two(&mut self, ctx: &mut Context<'_, Self>, ballot: Ballot) {
        let id = self.id;
        let params = self.params;
        let ignore_votes = self.has(Bug::IgnoreAcceptedValues);
        let p = self.proposer_mut();
        p.stage = Stage::Proposing;
        ctx.note(Note::PhaseOne {
            proposer: id,
            ballot,
        });
        let mut reported: BTreeMap<u64, Vote> = BTreeMap::new();
        if !ignore_votes {
            for vote in p.promises.values().flatten() {
                let best = reported.entry(vote.slot).or_insert(*vote);
                if vote.ballot > best.ballot {
                    *best = *vote;
                }
            }
        }
        let mut plan: Vec<(u64, Value, Option<Ballot>)> = Vec::new();
        match params.mode {
            Mode::Single => {
                let own = p
                    .value
                    .expect("a single-decree proposer starts a ballot only with a value");
                plan.push(match reported.get(&SINGLE_SLOT) {
                    Some(vote) => (SINGLE_SLOT, vote.value, Some(vote.ballot)),
                    None => (SINGLE_SLOT, own, None),
                });
                ctx.set_timer(Timer::Phase, params.timeout);
            }
            Mode::Multi => {
                // The leader re-proposes every reported slot it has not learned, fills the gaps
                // with no-ops (§3), then proposes the clients' values that waited for it.
                let from = p.first_unlearned();
                let top = reported.keys().next_back().copied().unwrap_or(0);
                for slot in (from..=top).filter(|s| !p.learned.contains_key(s)) {
                    plan.push(match reported.get(&slot) {
                        Some(vote) => (slot, vote.value, Some(vote.ballot)),
                        None => (slot, Value::Noop, None),
                    });
                }
                p.next_slot = from.max(top + 1);
                for value in std::mem::take(&mut p.queue) {
                    plan.push((p.next_slot, value, None));
                    p.next_slot += 1;
                }
                p.leader = Some(ballot);
                ctx.cancel_timer(Timer::Phase);
                self.heartbeat(ctx);
            }
        }
        for (slot, value, carried_from) in plan {
            self.propose(ctx, slot, value, carried_from);
        }
    }

    fn propose(
        &mut self,
        ctx: &mut Context<'_, Self>,
        slot: u64,
        value: Value,
        carried_from: Option<Ballot>,
    ) {
        let id = self.id;
        let acceptors = self.params.acceptor_ids();
        let p = self.proposer_mut();
        let ballot = p.ballot.expect("a proposer in phase 2 has a ballot");
        p.proposals.insert(
            slot,
            Proposal {
                value,
                carried_from,
                accepted_by: BTreeSet::new(),
            },
        );
        ctx.note(Note::Proposed {
            proposer: id,
            ballot,
            slot,
            value,
            carried_from,
        });
        for acceptor in acceptors {
            ctx.send(
                acceptor,
                Msg::Accept {
                    ballot,
                    slot,
                    value,
                },
            );
        }
    }

    /// The learner's side (§2.3): a value is chosen once a majority accepted it in one ballot.
    fn on_accepted(&mut self, ctx: &mut Context<'_, Self>, vote: Vote, from: NodeId) {
        let id = self.id;
        let majority = self.params.majority();
        let mode = self.params.mode;
        let p = self.proposer_mut();
        let mut done = false;
        if p.ballot == Some(vote.ballot)
            && let Some(proposal) = p.proposals.get_mut(&vote.slot)
        {
            proposal.accepted_by.insert(from);
            done = proposal.accepted_by.len() >= majority;
        }
        if !p.learned.contains_key(&vote.slot) {
            let voters = p
                .tally
                .entry((vote.slot, vote.ballot, vote.value))
                .or_default();
            voters.insert(from);
            if voters.len() >= majority {
                done = true;
                p.learned.insert(vote.slot, vote.value);
                p.tally.retain(|&(slot, _, _), _| slot != vote.slot);
                ctx.note(Note::Learned {
                    learner: id,
                    slot: vote.slot,
                    value: vote.value,
                });
            }
        }
        // Single-decree: once its proposal is accepted by a majority, or the chosen value is
        // known, this proposer has nothing left to do.
        if done && mode == Mode::Single && p.stage != Stage::Idle {
            p.stage = Stage::Idle;
            ctx.cancel_timer(Timer::Phase);
            ctx.cancel_timer(Timer::Backoff);
        }
    }

    fn on_rejected(
        &mut self,
        ctx: &mut Context<'_, Self>,
        acceptor: NodeId,
        ballot: Ballot,
        promised: Ballot,
    ) {
        let p = self.proposer_mut();
        p.highest_seen = p.highest_seen.max(Some(promised));
        let active = matches!(p.stage, Stage::Preparing | Stage::Proposing);
        if active && p.ballot == Some(ballot) {
            self.give_up(ctx, GiveUp::Outbid { acceptor, promised });
        }
    }

    fn give_up(&mut self, ctx: &mut Context<'_, Self>, why: GiveUp) {
        let id = self.id;
        let backoff_max = self.params.backoff_max;
        let p = self.proposer_mut();
        let ballot = p.ballot.expect("a proposer gives up a ballot it holds");
        if p.leader == Some(ballot) {
            p.leader = None;
        }
        p.stage = Stage::BackingOff;
        ctx.note(Note::GaveUp {
            proposer: id,
            ballot,
            why,
        });
        ctx.cancel_timer(Timer::Phase);
        ctx.cancel_timer(Timer::Heartbeat);
        let wait = ctx.random_span(Span(1), backoff_max);
        ctx.set_timer(Timer::Backoff, wait);
    }

    /// Multi-Paxos leader: tell the other proposers it is alive, and repeat each Accept that
    /// a majority has not answered yet, in case the network lost it.
    fn heartbeat(&mut self, ctx: &mut Context<'_, Self>) {
        let params = self.params;
        let id = self.id;
        let p = self.proposer_mut();
        let ballot = p.ballot.expect("a leader has a ballot");
        let decided = p.first_unlearned();
        for other in params.proposer_ids().filter(|&o| o != id) {
            ctx.send(other, Msg::Heartbeat { ballot, decided });
        }
        for (&slot, proposal) in &p.proposals {
            if p.learned.contains_key(&slot) {
                continue;
            }
            for acceptor in params.acceptor_ids() {
                if !proposal.accepted_by.contains(&acceptor) {
                    let value = proposal.value;
                    ctx.send(
                        acceptor,
                        Msg::Accept {
                            ballot,
                            slot,
                            value,
                        },
                    );
                }
            }
        }
        ctx.set_timer(Timer::Heartbeat, params.heartbeat());
    }

    fn wait_for_leader(&self, ctx: &mut Context<'_, Self>) {
        let wait = ctx.random_span(
            self.params.timeout,
            self.params.timeout + self.params.backoff_max,
        );
        ctx.set_timer(Timer::LeaderLost, wait);
    }

    fn on_heartbeat(&mut self, ctx: &mut Context<'_, Self>, ballot: Ballot, decided: u64) {
        let id = self.id;
        let p = self.proposer_mut();
        let mine = p.ballot.filter(|_| p.stage != Stage::Idle);
        if p.leader.is_some_and(|l| l > ballot) || mine.is_some_and(|m| m > ballot) {
            return;
        }
        p.highest_seen = p.highest_seen.max(Some(ballot));
        if p.leader != Some(ballot) {
            p.leader = Some(ballot);
            ctx.note(Note::Following {
                proposer: id,
                ballot,
            });
        }
        p.stage = Stage::Idle;
        // A learner that missed Accepted messages fills its gaps from the leader.
        let from = p.first_unlearned();
        if from < decided {
            ctx.send(ballot.proposer, Msg::CatchUp { ballot, from });
        }
        ctx.cancel_timer(Timer::Phase);
        ctx.cancel_timer(Timer::Backoff);
        ctx.cancel_timer(Timer::Heartbeat);
        self.wait_for_leader(ctx);
    }

    /// The leader answers a learner behind it with what it learned from `from` on, a batch at
    /// a time: the next heartbeat brings the next request.
    fn on_catch_up(&mut self, ctx: &mut Context<'_, Self>, learner: NodeId, from: u64) {
        let p = self.proposer_mut();
        let Some(ballot) = p.ballot.filter(|_| p.stage == Stage::Proposing) else {
            return;
        };
        let values: Vec<(u64, Value)> = p
            .learned
            .range(from..)
            .take(CATCH_UP_BATCH)
            .map(|(&slot, &value)| (slot, value))
            .collect();
        ctx.send(learner, Msg::Decided { ballot, values });
    }

    /// A learner takes values the leader learned: each was chosen by a majority.
    fn on_decided(&mut self, ctx: &mut Context<'_, Self>, values: Vec<(u64, Value)>) {
        let id = self.id;
        let p = self.proposer_mut();
        for (slot, value) in values {
            if p.learned.contains_key(&slot) {
                continue;
            }
            p.learned.insert(slot, value);
            p.tally.retain(|&(s, _, _), _| s != slot);
            ctx.note(Note::Learned {
                learner: id,
                slot,
                value,
            });
        }
    }

    fn on_propose(&mut self, ctx: &mut Context<'_, Self>, value: Value) {
        let id = self.id;
        let mode = self.params.mode;
        let p = self.proposer_mut();
        match (mode, p.stage) {
            // Single-decree: every request starts a fresh ballot. If a value was chosen
            // already, phase 1 finds it and the proposer carries it forward.
            (Mode::Single, _) => {
                p.value = Some(value);
                self.start_ballot(ctx);
            }
            (Mode::Multi, Stage::Proposing) => {
                let slot = p.next_slot;
                p.next_slot += 1;
                self.propose(ctx, slot, value, None);
            }
            (Mode::Multi, Stage::Preparing | Stage::BackingOff) => p.queue.push(value),
            (Mode::Multi, Stage::Idle) => match p.leader {
                Some(leader) if leader.proposer != id => ctx.note(Note::Redirected {
                    proposer: id,
                    leader: leader.proposer,
                }),
                _ => {
                    p.queue.push(value);
                    self.start_ballot(ctx);
                }
            },
        }
    }
}

fn refuse(
    ctx: &mut Context<'_, PaxosNode>,
    me: NodeId,
    to: NodeId,
    ballot: Ballot,
    promised: Ballot,
) {
    ctx.note(Note::Refused {
        acceptor: me,
        ballot,
        promised,
    });
    ctx.send(to, Msg::Rejected { ballot, promised });
}

impl Node for PaxosNode {
    type Config = Params;
    type Msg = Msg;
    type Timer = Timer;
    type Command = Command;
    type Note = Note;
    type Durable = Storage;

    fn boot(params: &Params, id: NodeId, _cluster: usize, storage: Option<Storage>) -> Self {
        let role = if params.is_proposer(id) {
            let max_round = match storage {
                Some(Storage::Proposer { max_round }) => max_round,
                _ => 0,
            };
            Role::Proposer(Proposer {
                max_round,
                stage: Stage::Idle,
                ballot: None,
                value: None,
                queue: Vec::new(),
                highest_seen: None,
                leader: None,
                promises: BTreeMap::new(),
                proposals: BTreeMap::new(),
                next_slot: 1,
                tally: BTreeMap::new(),
                learned: BTreeMap::new(),
            })
        } else {
            Role::Acceptor(match storage {
                Some(Storage::Acceptor(acceptor)) => acceptor,
                _ => Acceptor::default(),
            })
        };
        PaxosNode {
            id,
            params: *params,
            role,
        }
    }

    fn on_start(&mut self, ctx: &mut Context<'_, Self>) {
        if self.params.mode == Mode::Multi && self.proposer().is_some() {
            self.wait_for_leader(ctx);
        }
    }

    fn on_message(&mut self, ctx: &mut Context<'_, Self>, from: NodeId, msg: Msg) {
        if self.acceptor().is_some() {
            self.on_acceptor_message(ctx, from, msg);
            return;
        }
        match msg {
            Msg::Promise { ballot, accepted } => self.on_promise(ctx, from, ballot, accepted),
            Msg::Accepted {
                ballot,
                slot,
                value,
            } => self.on_accepted(
                ctx,
                Vote {
                    slot,
                    ballot,
                    value,
                },
                from,
            ),
            Msg::Rejected { ballot, promised } => self.on_rejected(ctx, from, ballot, promised),
            Msg::Heartbeat { ballot, decided } => self.on_heartbeat(ctx, ballot, decided),
            Msg::CatchUp { from: slot, .. } => self.on_catch_up(ctx, from, slot),
            Msg::Decided { values, .. } => self.on_decided(ctx, values),
            Msg::Prepare { .. } | Msg::Accept { .. } => {}
        }
    }

    fn on_timer(&mut self, ctx: &mut Context<'_, Self>, timer: Timer) {
        let single = self.params.mode == Mode::Single;
        let Some(stage) = self.proposer().map(|p| p.stage) else {
            return;
        };
        match (timer, stage) {
            (Timer::Phase, Stage::Preparing) => self.give_up(ctx, GiveUp::Timeout),
            (Timer::Phase, Stage::Proposing) if single => self.give_up(ctx, GiveUp::Timeout),
            (Timer::Backoff, Stage::BackingOff) => self.start_ballot(ctx),
            (Timer::Heartbeat, Stage::Proposing) if !single => self.heartbeat(ctx),
            (Timer::LeaderLost, Stage::Idle) => {
                self.proposer_mut().leader = None;
                self.start_ballot(ctx);
            }
            _ => {}
        }
    }

    fn on_command(&mut self, ctx: &mut Context<'_, Self>, command: Command) {
        let Command::Propose(value) = command;
        if self.proposer().is_some() {
            self.on_propose(ctx, value);
        }
    }

    fn footprint(&self) -> usize {
        let role = match &self.role {
            Role::Acceptor(a) => map_bytes(&a.accepted),
            Role::Proposer(p) => {
                let promises: usize = p.promises.values().map(|v| size_of_val(v.as_slice())).sum();
                let proposals: usize = p
                    .proposals
                    .values()
                    .map(|p| set_bytes(&p.accepted_by))
                    .sum();
                let tally: usize = p.tally.values().map(set_bytes).sum();
                size_of_val(p.queue.as_slice())
                    + map_bytes(&p.promises)
                    + promises
                    + map_bytes(&p.proposals)
                    + proposals
                    + map_bytes(&p.tally)
                    + tally
                    + map_bytes(&p.learned)
            }
        };
        size_of_val(self) + role
    }

    fn message_footprint(msg: &Msg) -> usize {
        let heap = match msg {
            Msg::Promise { accepted, .. } => size_of_val(accepted.as_slice()),
            Msg::Decided { values, .. } => size_of_val(values.as_slice()),
            _ => 0,
        };
        size_of_val(msg) + heap
    }

    fn durable(&self) -> Storage {
        match &self.role {
            Role::Proposer(p) => Storage::Proposer {
                max_round: p.max_round,
            },
            Role::Acceptor(a) => Storage::Acceptor(a.clone()),
        }
    }
}
