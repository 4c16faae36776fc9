//! # netsplit-txn: two-phase commit, three-phase commit and sagas
//!
//! A transfer moves money between bank accounts kept by different participants, and must
//! happen everywhere or nowhere. Three protocols try, each giving up something else:
//!
//! - **Two-phase commit** ([`Mode::TwoPhase`]; Gray 1978, Bernstein, Hadzilacos and Goodman
//!   1987, ch. 7): the coordinator logs the transaction's start and sends PREPARE; a
//!   participant that can do its part logs "prepared", locks its accounts and votes yes (or
//!   logs "aborted" and votes no); the coordinator logs its decision before it sends COMMIT or
//!   ABORT, and forgets the transaction once every participant has acknowledged. A prepared
//!   participant may not decide alone: if the coordinator is gone it stays *in doubt*, holding
//!   its locks and asking, until the coordinator returns (or, with the cooperative
//!   termination protocol, another participant knows or has not voted). 2PC blocks.
//! - **Three-phase commit** ([`Mode::ThreePhase`]; Skeen 1981): between the votes and the
//!   decision every participant is told PRECOMMIT and acknowledges it, so no participant can
//!   be uncertain while another has committed. A participant that hears nothing in time runs
//!   the termination protocol: it asks the others their state, and the lowest one that
//!   answers decides (commit if any has committed or precommitted, abort if all only voted).
//!   Nobody blocks when nodes only crash; a partition makes each side decide alone, and they
//!   may decide differently.
//! - **Saga** ([`Mode::Saga`]; Garcia-Molina and Salem 1987): no locks and no votes. An
//!   orchestrator runs the transfer's legs one by one as local transactions, logging each;
//!   when one fails (an account would go below zero) it runs the compensations of the legs
//!   done, in reverse order. Steps are retried until answered, so each participant applies a
//!   step once however often it is asked. What a saga gives up is isolation: a reader may see
//!   money that has left one account and not yet reached the other.
//!
//! ```text
//!   coordinator n0          participant n1            participant n2
//!     log begin ── PREPARE ───▶ log prepared, lock ──┐
//!               ── PREPARE ─────────────────────────▶ log prepared, lock
//!     ◀── yes ───────────────┘ ◀── yes ───────────────
//!     log commit ── COMMIT ───▶ log committed, apply
//!     (crash here and n2 waits, in doubt, locks held)
//! ```
//!
//! Every node's log is its durable state: a crash loses everything else, and a restart
//! rebuilds the node from its log (a participant re-takes the locks of what it prepared). An
//! auditor reads every participant's balances now and then; under 2PC and 3PC it takes read
//! locks, so its sum is always the money in the system, and under a saga it counts the reads
//! that saw money in flight. [`TxnMonitor`] checks atomicity, that money is conserved and
//! that decisions are not lost, and keeps the time each participant spent in doubt. Each
//! [`Bug`] breaks one of them.
//!
//! This crate never draws, never reads a clock, and never uses randomness other than the
//! engine's seeded generator.

mod coordinator;
pub mod lab;
mod monitor;
mod participant;
mod presets;

use netsplit_sim::{Context, Link, Node, NodeId, Sim, Span, check_range};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::ops::RangeInclusive;

pub use coordinator::{Coordinator, Phase, Tx};
pub use lab::{ProtocolComparison, ProtocolOutcome, TxnLab};
pub use monitor::{Audits, Doubt, Tally, TxRecord, TxnMonitor};
pub use participant::{Auditor, Participant, Pending};

/// A run of the Transactions lab, with its monitor.
pub type TxnSim = Sim<TxnNode, TxnMonitor>;
/// A scenario of the Transactions lab.
pub type TxnScenario = netsplit_sim::lab::LabScenario<Params, Transfer>;

/// How much each account holds at the start.
pub const START_BALANCE: i64 = 100;
/// How many accounts each participant keeps.
pub const ACCOUNTS_EACH: usize = 2;

/// Which protocol the lab runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// Two-phase commit.
    TwoPhase,
    /// Three-phase commit.
    ThreePhase,
    /// A saga with compensations.
    Saga,
}

impl Mode {
    /// Every mode, for menus.
    pub const ALL: [Mode; 3] = [Mode::TwoPhase, Mode::ThreePhase, Mode::Saga];

    /// A short name for menus and the command line.
    pub fn name(self) -> &'static str {
        match self {
            Mode::TwoPhase => "2pc",
            Mode::ThreePhase => "3pc",
            Mode::Saga => "saga",
        }
    }

    /// The protocol's name in a sentence.
    pub fn title(self) -> &'static str {
        match self {
            Mode::TwoPhase => "two-phase commit",
            Mode::ThreePhase => "three-phase commit",
            Mode::Saga => "saga",
        }
    }
}

/// A deliberately wrong variant of a protocol, for seeing the monitor fail.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Bug {
    /// The coordinator decides to commit on the first yes, before every vote is in.
    EarlyCommit,
    /// A participant keeps "prepared" in memory only: after a restart it has no record of its
    /// vote, and aborts on its own.
    VolatilePrepare,
    /// The coordinator sends its decision once and forgets the transaction; participants wait
    /// without asking.
    FireAndForget,
    /// The orchestrator skips the compensation of a saga's first step.
    SkipCompensation,
    /// A participant applies a saga step each time it is asked, retries and copies included.
    RepeatedStep,
}

impl Bug {
    /// Every bug, for menus.
    pub const ALL: [Bug; 5] = [
        Bug::EarlyCommit,
        Bug::VolatilePrepare,
        Bug::FireAndForget,
        Bug::SkipCompensation,
        Bug::RepeatedStep,
    ];

    /// A short name for menus and the command line.
    pub fn name(self) -> &'static str {
        match self {
            Bug::EarlyCommit => "early-commit",
            Bug::VolatilePrepare => "volatile-prepare",
            Bug::FireAndForget => "fire-and-forget",
            Bug::SkipCompensation => "skip-compensation",
            Bug::RepeatedStep => "repeated-step",
        }
    }

    /// What the bug does, in one sentence.
    pub fn describe(self) -> &'static str {
        match self {
            Bug::EarlyCommit => {
                "The coordinator commits on the first yes, before every vote is in."
            }
            Bug::VolatilePrepare => {
                "A participant does not log its yes vote: restarted, it aborts on its own."
            }
            Bug::FireAndForget => {
                "The coordinator sends its decision once; participants in doubt do not ask."
            }
            Bug::SkipCompensation => "The orchestrator never compensates a saga's first step.",
            Bug::RepeatedStep => "A participant applies a retried saga step again.",
        }
    }

    /// The modes in which the bug does anything.
    pub fn modes(self) -> &'static [Mode] {
        match self {
            Bug::EarlyCommit | Bug::VolatilePrepare => &[Mode::TwoPhase, Mode::ThreePhase],
            Bug::FireAndForget => &[Mode::TwoPhase],
            Bug::SkipCompensation | Bug::RepeatedStep => &[Mode::Saga],
        }
    }

    /// The property the bug breaks.
    pub fn breaks(self) -> &'static str {
        match self {
            Bug::EarlyCommit | Bug::VolatilePrepare | Bug::SkipCompensation => "Atomicity",
            Bug::FireAndForget => "Decisions are not lost",
            Bug::RepeatedStep => "Money is conserved",
        }
    }
}

/// The Transactions lab's parameters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Params {
    /// The protocol.
    pub mode: Mode,
    /// How many participants keep accounts.
    pub participants: usize,
    /// How many transfers the coordinator makes up on its own (each one a client's request).
    pub transfers: usize,
    /// How long between those transfers.
    pub gap: Span,
    /// How long a node waits for an answer before it acts: the coordinator for votes and
    /// acknowledgements, a saga's orchestrator before it retries a step. A participant in
    /// doubt waits twice as long before it asks, or runs 3PC's termination protocol.
    pub timeout: Span,
    /// How often the auditor reads every balance.
    pub audit_every: Span,
    /// Whether 2PC participants in doubt also ask each other (the cooperative termination
    /// protocol).
    pub cooperative: bool,
    /// A deliberately wrong variant, or `None` for the protocols as published.
    pub bug: Option<Bug>,
}

impl Default for Params {
    fn default() -> Params {
        Params {
            mode: Mode::TwoPhase,
            participants: 3,
            transfers: 6,
            gap: Span::millis(900),
            timeout: Span::millis(300),
            audit_every: Span::millis(700),
            cooperative: false,
            bug: None,
        }
    }
}

impl Params {
    /// Allowed numbers of participants.
    pub const PARTICIPANTS: RangeInclusive<usize> = 2..=5;
    /// Allowed numbers of transfers made up by the coordinator.
    pub const TRANSFERS: RangeInclusive<usize> = 0..=40;
    /// Allowed gaps between them, in milliseconds.
    pub const GAP_MS: RangeInclusive<u64> = 50..=10_000;
    /// Allowed timeouts, in milliseconds.
    pub const TIMEOUT_MS: RangeInclusive<u64> = 20..=10_000;
    /// Allowed audit periods, in milliseconds.
    pub const AUDIT_MS: RangeInclusive<u64> = 100..=10_000;

    /// Refuses out-of-range values, naming the allowed range.
    pub fn validate(&self) -> Result<(), String> {
        let counts = |r: &RangeInclusive<usize>| (*r.start() as u64, *r.end() as u64);
        let (lo, hi) = counts(&Self::PARTICIPANTS);
        check_range("participants", self.participants as u64, lo, hi, "")?;
        let (lo, hi) = counts(&Self::TRANSFERS);
        check_range("transfers", self.transfers as u64, lo, hi, "")?;
        let ms = |r: &RangeInclusive<u64>| (*r.start(), *r.end());
        let (lo, hi) = ms(&Self::GAP_MS);
        check_range("gap", self.gap.0, lo, hi, " ms")?;
        let (lo, hi) = ms(&Self::TIMEOUT_MS);
        check_range("timeout", self.timeout.0, lo, hi, " ms")?;
        let (lo, hi) = ms(&Self::AUDIT_MS);
        check_range("audit period", self.audit_every.0, lo, hi, " ms")?;
        if let Some(bug) = self.bug
            && !bug.modes().contains(&self.mode)
        {
            return Err(format!(
                "the bug {} does nothing under {}",
                bug.name(),
                self.mode.title()
            ));
        }
        Ok(())
    }

    /// How many nodes the run has: the coordinator, the participants and the auditor.
    pub fn nodes(&self) -> usize {
        self.participants + 2
    }

    /// The auditor.
    pub fn auditor(&self) -> NodeId {
        NodeId(self.participants as u16 + 1)
    }

    /// Every participant.
    pub fn participant_ids(&self) -> impl Iterator<Item = NodeId> + Clone + use<> {
        (1..=self.participants as u16).map(NodeId)
    }

    /// How many accounts there are.
    pub fn accounts(&self) -> usize {
        self.participants * ACCOUNTS_EACH
    }

    /// The money in the system.
    pub fn total(&self) -> i64 {
        self.accounts() as i64 * START_BALANCE
    }

    /// How long a participant in doubt waits before it asks.
    pub fn doubt(&self) -> Span {
        self.timeout + self.timeout
    }

    /// Builds the run.
    pub fn build(&self, links: Link, seed: u64) -> TxnSim {
        Sim::new(
            *self,
            self.nodes(),
            links,
            seed,
            TxnMonitor::new(self, &links),
        )
    }
}

/// An account: participant `1 + id / 2` keeps it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Account(pub u8);

impl Account {
    /// The participant that keeps it.
    pub fn keeper(self) -> NodeId {
        NodeId(1 + u16::from(self.0) / ACCOUNTS_EACH as u16)
    }

    /// Its place among its keeper's accounts.
    pub fn slot(self) -> usize {
        usize::from(self.0) % ACCOUNTS_EACH
    }
}

impl fmt::Display for Account {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let letter = char::from(b'a' + self.slot() as u8);
        write!(f, "{}{letter}", self.keeper())
    }
}

/// One account's part in a transfer: money in (positive) or out (negative).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Leg {
    /// The account.
    pub account: Account,
    /// How much it gains (or, when negative, loses).
    pub amount: i64,
}

impl fmt::Display for Leg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {:+}", self.account, self.amount)
    }
}

/// A transfer: legs at different participants that sum to zero. A saga runs them in order.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transfer {
    /// Its legs.
    pub legs: Vec<Leg>,
}

impl Transfer {
    /// The most legs a transfer may have.
    pub const MOST_LEGS: usize = 4;
    /// The largest amount a leg may move.
    pub const MOST_AMOUNT: i64 = 1000;

    /// The participants it involves, lowest first.
    pub fn participants(&self) -> Vec<NodeId> {
        let mut them: Vec<NodeId> = self.legs.iter().map(|l| l.account.keeper()).collect();
        them.sort();
        them.dedup();
        them
    }

    /// The legs at `participant`.
    pub fn legs_at(&self, participant: NodeId) -> Vec<Leg> {
        self.legs
            .iter()
            .copied()
            .filter(|l| l.account.keeper() == participant)
            .collect()
    }

    /// Refuses a transfer that is not one: too few or too many legs, an account the run does
    /// not have, one participant only, an empty leg, or money made or lost.
    pub fn validate(&self, params: &Params) -> Result<(), String> {
        let legs = self.legs.len();
        if !(2..=Self::MOST_LEGS).contains(&legs) {
            return Err(format!(
                "a transfer has 2 to {} legs, this one {legs}",
                Self::MOST_LEGS
            ));
        }
        for leg in &self.legs {
            if usize::from(leg.account.0) >= params.accounts() {
                return Err(format!(
                    "there is no account {}: the run's participants keep accounts n1a to {}",
                    leg.account,
                    Account(params.accounts() as u8 - 1)
                ));
            }
            if leg.amount == 0 || leg.amount.abs() > Self::MOST_AMOUNT {
                return Err(format!(
                    "a leg moves 1 to {} either way, not {} at {}",
                    Self::MOST_AMOUNT,
                    leg.amount,
                    leg.account
                ));
            }
        }
        if self.participants().len() < 2 {
            return Err("a transfer involves at least two participants".into());
        }
        let sum: i64 = self.legs.iter().map(|l| l.amount).sum();
        if sum != 0 {
            return Err(format!(
                "a transfer's legs sum to zero; these sum to {sum:+}"
            ));
        }
        Ok(())
    }
}

impl fmt::Display for Transfer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("transfer")?;
        for (i, leg) in self.legs.iter().enumerate() {
            write!(f, "{}{leg}", if i == 0 { " " } else { ", " })?;
        }
        Ok(())
    }
}

/// What a participant knows of a transaction, as it answers 3PC's termination protocol.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum TxState {
    /// It has not voted (and, asked, aborts).
    Unknown,
    /// It voted yes and waits.
    Prepared,
    /// It was told PRECOMMIT.
    Precommitted,
    /// It committed.
    Committed,
    /// It aborted.
    Aborted,
}

impl fmt::Display for TxState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TxState::Unknown => "has not voted",
            TxState::Prepared => "prepared",
            TxState::Precommitted => "precommitted",
            TxState::Committed => "committed",
            TxState::Aborted => "aborted",
        })
    }
}

/// Why a participant votes no.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Refusal {
    /// An account would go below zero.
    Funds,
    /// Another transaction, or the auditor, holds a lock it needs.
    Locked,
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Refusal::Funds => "an account would go below zero",
            Refusal::Locked => "an account it needs is locked",
        })
    }
}

/// What travels between nodes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Msg {
    /// 2PC and 3PC: do your part of transaction `tx` (3PC's CanCommit?).
    Prepare {
        /// The transaction.
        tx: u32,
        /// The legs at the receiver.
        legs: Vec<Leg>,
        /// Every participant of the transaction.
        with: Vec<NodeId>,
    },
    /// A participant's vote.
    Vote {
        /// The transaction.
        tx: u32,
        /// Yes, or no.
        yes: bool,
    },
    /// 3PC: everyone voted yes; get ready to commit.
    Precommit {
        /// The transaction.
        tx: u32,
    },
    /// 3PC: the participant is precommitted.
    PrecommitAck {
        /// The transaction.
        tx: u32,
    },
    /// The decision: COMMIT or ABORT.
    Decision {
        /// The transaction.
        tx: u32,
        /// Commit, or abort.
        commit: bool,
    },
    /// A participant has applied the decision.
    Ack {
        /// The transaction.
        tx: u32,
    },
    /// A node in doubt asks what became of `tx` (3PC's state request).
    Ask {
        /// The transaction.
        tx: u32,
    },
    /// 3PC: a participant's state, in answer.
    State {
        /// The transaction.
        tx: u32,
        /// Its state.
        state: TxState,
        /// Whether it restarted in doubt (and may have missed a PRECOMMIT).
        recovering: bool,
    },
    /// Saga: run step `step` of saga `tx`.
    Do {
        /// The saga.
        tx: u32,
        /// The step.
        step: u8,
        /// Its leg.
        leg: Leg,
    },
    /// Saga: the step's outcome.
    Done {
        /// The saga.
        tx: u32,
        /// The step.
        step: u8,
        /// Whether it was applied (or refused).
        ok: bool,
    },
    /// Saga: compensate step `step`.
    Undo {
        /// The saga.
        tx: u32,
        /// The step.
        step: u8,
        /// Its leg, to take back.
        leg: Leg,
    },
    /// Saga: the step is compensated.
    Undone {
        /// The saga.
        tx: u32,
        /// The step.
        step: u8,
    },
    /// The auditor asks for the balances (a read lock, under 2PC and 3PC).
    Read {
        /// The audit.
        audit: u32,
    },
    /// A participant's balances.
    Balances {
        /// The audit.
        audit: u32,
        /// Its accounts' balances.
        balances: [i64; ACCOUNTS_EACH],
    },
    /// A participant cannot be read now: a transaction holds its locks.
    Busy {
        /// The audit.
        audit: u32,
    },
    /// The auditor is done: its read locks go.
    Release {
        /// The audit.
        audit: u32,
    },
}

impl fmt::Display for Msg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Msg::Prepare { tx, legs, .. } => {
                write!(f, "PREPARE t{tx}")?;
                for leg in legs {
                    write!(f, " {leg}")?;
                }
                Ok(())
            }
            Msg::Vote { tx, yes: true } => write!(f, "yes to t{tx}"),
            Msg::Vote { tx, yes: false } => write!(f, "no to t{tx}"),
            Msg::Precommit { tx } => write!(f, "PRECOMMIT t{tx}"),
            Msg::PrecommitAck { tx } => write!(f, "precommitted t{tx}"),
            Msg::Decision { tx, commit: true } => write!(f, "COMMIT t{tx}"),
            Msg::Decision { tx, commit: false } => write!(f, "ABORT t{tx}"),
            Msg::Ack { tx } => write!(f, "ack t{tx}"),
            Msg::Ask { tx } => write!(f, "what of t{tx}?"),
            Msg::State { tx, state, .. } => write!(f, "t{tx}: {state}"),
            Msg::Do { tx, step, leg } => write!(f, "saga t{tx} step {}: {leg}", step + 1),
            Msg::Done { tx, step, ok: true } => write!(f, "t{tx} step {} done", step + 1),
            Msg::Done { tx, step, .. } => write!(f, "t{tx} step {} refused", step + 1),
            Msg::Undo { tx, step, leg } => {
                write!(
                    f,
                    "undo t{tx} step {}: {}",
                    step + 1,
                    Leg {
                        amount: -leg.amount,
                        ..*leg
                    }
                )
            }
            Msg::Undone { tx, step } => write!(f, "t{tx} step {} undone", step + 1),
            Msg::Read { audit } => write!(f, "audit {audit}: read"),
            Msg::Balances { audit, balances } => {
                write!(f, "audit {audit}: {} and {}", balances[0], balances[1])
            }
            Msg::Busy { audit } => write!(f, "audit {audit}: busy"),
            Msg::Release { audit } => write!(f, "audit {audit}: release"),
        }
    }
}

/// A node's timers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Timer {
    /// The coordinator makes up its next transfer.
    Next,
    /// The coordinator has waited long enough for transaction `tx` (votes, acknowledgements
    /// or a saga step's answer).
    Wait(u32),
    /// A participant in doubt about `tx` asks (or starts 3PC's termination protocol).
    Doubt(u32),
    /// A participant running 3PC's termination protocol for `tx` has collected its answers.
    Collect(u32),
    /// The auditor starts its next audit.
    Audit,
    /// The auditor gives up an audit not all answered.
    AuditDone,
}

impl fmt::Display for Timer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Timer::Next => f.write_str("next transfer"),
            Timer::Wait(tx) => write!(f, "wait for t{tx}"),
            Timer::Doubt(tx) => write!(f, "in doubt about t{tx}"),
            Timer::Collect(tx) => write!(f, "answers about t{tx}"),
            Timer::Audit => f.write_str("audit"),
            Timer::AuditDone => f.write_str("audit given up"),
        }
    }
}

/// What nodes note in the trace.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Note {
    /// The coordinator begins a transaction (or a saga).
    Begins {
        /// The transaction.
        tx: u32,
        /// Its transfer.
        transfer: Transfer,
    },
    /// A participant votes.
    Voted {
        /// The transaction.
        tx: u32,
        /// The participant.
        participant: NodeId,
        /// Why it votes no, if it does.
        refusal: Option<Refusal>,
    },
    /// 3PC: the coordinator (or a participant running the termination protocol) sends
    /// PRECOMMIT.
    Precommits {
        /// The transaction.
        tx: u32,
        /// Who sends it.
        by: NodeId,
    },
    /// A decision is logged: by the coordinator, or by a 3PC participant that terminates.
    Decides {
        /// The transaction.
        tx: u32,
        /// Commit, or abort.
        commit: bool,
        /// Who decides.
        by: NodeId,
    },
    /// A participant commits or aborts its part.
    Outcome {
        /// The transaction.
        tx: u32,
        /// The participant.
        participant: NodeId,
        /// Commit, or abort.
        commit: bool,
    },
    /// The coordinator is done with a transaction: every participant has acknowledged (or,
    /// for a saga, every step or compensation is done).
    Ends {
        /// The transaction.
        tx: u32,
        /// Whether it committed (a saga: completed rather than compensated).
        commit: bool,
    },
    /// A restarted participant is in doubt about these transactions, and holds their locks.
    InDoubt {
        /// The participant.
        participant: NodeId,
        /// The transactions.
        txs: Vec<u32>,
    },
    /// 3PC: a participant heard nothing in time and runs the termination protocol.
    Terminates {
        /// The transaction.
        tx: u32,
        /// The participant.
        participant: NodeId,
    },
    /// Saga: a participant applied a step.
    Applied {
        /// The saga.
        tx: u32,
        /// The step.
        step: u8,
        /// The participant.
        participant: NodeId,
        /// The leg.
        leg: Leg,
    },
    /// Saga: a participant refused a step (the account would go below zero).
    Refused {
        /// The saga.
        tx: u32,
        /// The step.
        step: u8,
        /// The participant.
        participant: NodeId,
    },
    /// Saga: a participant compensated a step.
    Compensated {
        /// The saga.
        tx: u32,
        /// The step.
        step: u8,
        /// The participant.
        participant: NodeId,
        /// The leg taken back.
        leg: Leg,
    },
    /// The auditor read every balance.
    Audited {
        /// The audit.
        audit: u32,
        /// The sum it read.
        sum: i64,
    },
}

impl fmt::Display for Note {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Note::Begins { tx, transfer } => write!(f, "n0 begins t{tx}: {transfer}"),
            Note::Voted {
                tx,
                participant,
                refusal: None,
            } => write!(
                f,
                "{participant} logs t{tx} prepared, locks its accounts and votes yes"
            ),
            Note::Voted {
                tx,
                participant,
                refusal: Some(why),
            } => write!(f, "{participant} votes no to t{tx}: {why}"),
            Note::Precommits { tx, by } => {
                write!(f, "{by} logs t{tx} precommitted and sends PRECOMMIT")
            }
            Note::Decides { tx, commit, by } => write!(
                f,
                "{by} logs its decision: {} t{tx}",
                if *commit { "commit" } else { "abort" }
            ),
            Note::Outcome {
                tx,
                participant,
                commit,
            } => write!(
                f,
                "{participant} {} t{tx}",
                if *commit { "commits" } else { "aborts" }
            ),
            Note::Ends { tx, commit } => write!(
                f,
                "n0 is done with t{tx} ({})",
                if *commit { "committed" } else { "aborted" }
            ),
            Note::InDoubt { participant, txs } => {
                write!(f, "{participant} restarts in doubt about")?;
                for tx in txs {
                    write!(f, " t{tx}")?;
                }
                f.write_str(", holding their locks")
            }
            Note::Terminates { tx, participant } => write!(
                f,
                "{participant} heard nothing of t{tx} in time: it asks the others their state"
            ),
            Note::Applied {
                tx,
                step,
                participant,
                leg,
            } => write!(
                f,
                "{participant} applies saga t{tx} step {}: {leg}",
                step + 1
            ),
            Note::Refused {
                tx,
                step,
                participant,
            } => write!(
                f,
                "{participant} refuses saga t{tx} step {}: the account would go below zero",
                step + 1
            ),
            Note::Compensated {
                tx,
                step,
                participant,
                leg,
            } => write!(
                f,
                "{participant} compensates saga t{tx} step {}: {}",
                step + 1,
                Leg {
                    amount: -leg.amount,
                    ..*leg
                }
            ),
            Note::Audited { audit, sum } => write!(f, "the auditor's audit {audit} sums to {sum}"),
        }
    }
}

/// A record in a node's write-ahead log. The log is what survives a crash.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Entry {
    /// Coordinator: the transaction (or saga) and its transfer, logged before anything is
    /// sent.
    Begin {
        /// The transaction.
        tx: u32,
        /// Its transfer.
        transfer: Transfer,
    },
    /// 3PC coordinator: PRECOMMIT is being sent.
    Precommit {
        /// The transaction.
        tx: u32,
    },
    /// Coordinator, or a 3PC participant that terminates: the decision, logged before it is
    /// sent.
    Decided {
        /// The transaction.
        tx: u32,
        /// Commit, or abort.
        commit: bool,
    },
    /// Coordinator: every participant acknowledged; the transaction may be forgotten.
    End {
        /// The transaction.
        tx: u32,
    },
    /// Participant: voted yes; these legs are locked until the decision.
    Prepared {
        /// The transaction.
        tx: u32,
        /// Its legs here.
        legs: Vec<Leg>,
        /// Every participant of the transaction.
        with: Vec<NodeId>,
    },
    /// 3PC participant: told PRECOMMIT.
    Precommitted {
        /// The transaction.
        tx: u32,
    },
    /// Participant: committed, the legs applied.
    Committed {
        /// The transaction.
        tx: u32,
    },
    /// Participant: aborted (voted no, or told to).
    Aborted {
        /// The transaction.
        tx: u32,
    },
    /// Orchestrator: a saga's step is done or refused.
    Step {
        /// The saga.
        tx: u32,
        /// The step.
        step: u8,
        /// Done, or refused.
        ok: bool,
    },
    /// Orchestrator: a step is compensated.
    Compensation {
        /// The saga.
        tx: u32,
        /// The step.
        step: u8,
    },
    /// Participant: a saga step applied.
    Applied {
        /// The saga.
        tx: u32,
        /// The step.
        step: u8,
        /// Its leg.
        leg: Leg,
    },
    /// Participant: a saga step refused.
    Refused {
        /// The saga.
        tx: u32,
        /// The step.
        step: u8,
    },
    /// Participant: a saga step compensated.
    Undone {
        /// The saga.
        tx: u32,
        /// The step.
        step: u8,
    },
}

impl Entry {
    /// The transaction the record is about.
    pub fn tx(&self) -> u32 {
        match *self {
            Entry::Begin { tx, .. }
            | Entry::Precommit { tx }
            | Entry::Decided { tx, .. }
            | Entry::End { tx }
            | Entry::Prepared { tx, .. }
            | Entry::Precommitted { tx }
            | Entry::Committed { tx }
            | Entry::Aborted { tx }
            | Entry::Step { tx, .. }
            | Entry::Compensation { tx, .. }
            | Entry::Applied { tx, .. }
            | Entry::Refused { tx, .. }
            | Entry::Undone { tx, .. } => tx,
        }
    }
}

impl fmt::Display for Entry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Entry::Begin { tx, transfer } => write!(f, "begin t{tx}: {transfer}"),
            Entry::Precommit { tx } => write!(f, "precommit t{tx}"),
            Entry::Decided { tx, commit: true } => write!(f, "decided commit t{tx}"),
            Entry::Decided { tx, commit: false } => write!(f, "decided abort t{tx}"),
            Entry::End { tx } => write!(f, "end t{tx}"),
            Entry::Prepared { tx, legs, .. } => {
                write!(f, "prepared t{tx}")?;
                for leg in legs {
                    write!(f, " {leg}")?;
                }
                Ok(())
            }
            Entry::Precommitted { tx } => write!(f, "precommitted t{tx}"),
            Entry::Committed { tx } => write!(f, "committed t{tx}"),
            Entry::Aborted { tx } => write!(f, "aborted t{tx}"),
            Entry::Step { tx, step, ok: true } => write!(f, "t{tx} step {} done", step + 1),
            Entry::Step { tx, step, .. } => write!(f, "t{tx} step {} refused", step + 1),
            Entry::Compensation { tx, step } => {
                write!(f, "t{tx} step {} compensated", step + 1)
            }
            Entry::Applied { tx, step, leg } => {
                write!(f, "applied t{tx} step {}: {leg}", step + 1)
            }
            Entry::Refused { tx, step } => write!(f, "refused t{tx} step {}", step + 1),
            Entry::Undone { tx, step } => write!(f, "undid t{tx} step {}", step + 1),
        }
    }
}

/// A node of the Transactions lab.
#[derive(Clone, Debug)]
pub enum TxnNode {
    /// The coordinator (a saga's orchestrator), n0.
    Coordinator(Coordinator),
    /// A participant keeping accounts.
    Participant(Participant),
    /// The auditor, which reads every balance now and then.
    Auditor(Auditor),
}

/// What survives a crash: the log, and for a participant the balances its log has applied.
#[derive(Clone, Debug)]
pub enum Durable {
    /// The coordinator's log and how many transfers it has made up.
    Coordinator(Vec<Entry>, u32),
    /// A participant's log and balances.
    Participant(Vec<Entry>, [i64; ACCOUNTS_EACH]),
    /// The auditor keeps nothing.
    Nothing,
}

impl Node for TxnNode {
    type Config = Params;
    type Msg = Msg;
    type Timer = Timer;
    type Command = Transfer;
    type Note = Note;
    type Durable = Durable;

    fn boot(params: &Params, id: NodeId, _size: usize, durable: Option<Durable>) -> Self {
        let params = *params;
        if id == NodeId(0) {
            let (log, made) = match durable {
                Some(Durable::Coordinator(log, made)) => (log, made),
                _ => (Vec::new(), 0),
            };
            TxnNode::Coordinator(Coordinator::recover(params, log, made))
        } else if id == params.auditor() {
            TxnNode::Auditor(Auditor::new(params))
        } else {
            let (log, balances) = match durable {
                Some(Durable::Participant(log, balances)) => (log, balances),
                _ => (Vec::new(), [START_BALANCE; ACCOUNTS_EACH]),
            };
            TxnNode::Participant(Participant::recover(params, id, log, balances))
        }
    }

    fn on_start(&mut self, ctx: &mut Context<'_, Self>) {
        match self {
            TxnNode::Coordinator(c) => c.on_start(ctx),
            TxnNode::Participant(p) => p.on_start(ctx),
            TxnNode::Auditor(a) => a.on_start(ctx),
        }
    }

    fn on_message(&mut self, ctx: &mut Context<'_, Self>, from: NodeId, msg: Msg) {
        match self {
            TxnNode::Coordinator(c) => c.on_message(ctx, from, msg),
            TxnNode::Participant(p) => p.on_message(ctx, from, msg),
            TxnNode::Auditor(a) => a.on_message(ctx, from, msg),
        }
    }

    fn on_timer(&mut self, ctx: &mut Context<'_, Self>, timer: Timer) {
        match self {
            TxnNode::Coordinator(c) => c.on_timer(ctx, timer),
            TxnNode::Participant(p) => p.on_timer(ctx, timer),
            TxnNode::Auditor(a) => a.on_timer(ctx, timer),
        }
    }

    fn on_command(&mut self, ctx: &mut Context<'_, Self>, transfer: Transfer) {
        if let TxnNode::Coordinator(c) = self {
            c.begin(ctx, transfer);
        }
    }

    fn durable(&self) -> Durable {
        match self {
            TxnNode::Coordinator(c) => Durable::Coordinator(c.log.clone(), c.made),
            TxnNode::Participant(p) => Durable::Participant(p.durable_log(), p.balances),
            TxnNode::Auditor(_) => Durable::Nothing,
        }
    }

    fn footprint(&self) -> usize {
        let log = |log: &Vec<Entry>| log.capacity() * std::mem::size_of::<Entry>();
        std::mem::size_of_val(self)
            + match self {
                TxnNode::Coordinator(c) => log(&c.log) + c.footprint(),
                TxnNode::Participant(p) => log(&p.log) + p.footprint(),
                TxnNode::Auditor(_) => 0,
            }
    }
}
