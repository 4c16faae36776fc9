//! The Transactions lab's live checks, and its figures: time in doubt, and what the auditor saw.

use netsplit_sim::{
    Action, Link, Monitor, NodeId, Observation, Slot, Span, Time, TraceEvent, Violation,
};

use crate::{Mode, Note, Params, Transfer, TxnNode};

/// What the monitor knows of one transaction (or saga), in true time: for the checks, and for
/// the view's row of it.
#[derive(Clone, Debug, Default)]
pub struct TxRecord {
    /// The transfer.
    pub transfer: Transfer,
    /// The participants it involves.
    pub participants: Vec<NodeId>,
    /// When the coordinator began it.
    pub begun: Time,
    /// Each participant's outcome (commit, or abort) and when.
    pub outcomes: Vec<(NodeId, bool, Time)>,
    /// The first decision logged: commit or abort, when, and by whom.
    pub decided: Option<(bool, Time, NodeId)>,
    /// When the coordinator was done with it, and whether it committed.
    pub ended: Option<(bool, Time)>,
    /// Saga: how many times each step took effect, less its compensations.
    pub effects: Vec<i32>,
    reported: bool,
    lost_reported: bool,
}

/// One participant's time in doubt: what it is in doubt about now (since when), and in all.
#[derive(Clone, Debug, Default)]
pub struct Doubt {
    /// The transactions it voted yes to and has no outcome for, with when it voted.
    pub now: Vec<(u32, Time)>,
    /// Its time in doubt so far, for transactions with an outcome.
    pub total: Span,
    /// Its longest time in doubt about one transaction.
    pub longest: Span,
}

/// What the auditor saw.
#[derive(Clone, Copy, Debug, Default)]
pub struct Audits {
    /// Audits that read every participant.
    pub done: u32,
    /// Of those, how many summed to something other than the money in the system: a state
    /// no serial order of the transfers shows.
    pub anomalies: u32,
    /// The last anomaly: its audit, its sum and when.
    pub last_anomaly: Option<(u32, i64, Time)>,
}

/// How the transactions went, counted as they go (the trace may not be kept).
#[derive(Clone, Copy, Debug, Default)]
pub struct Tally {
    /// Transactions (or sagas) begun.
    pub begun: u32,
    /// Of those ended, how many committed (sagas: completed).
    pub committed: u32,
    /// And how many aborted (sagas: compensated).
    pub aborted: u32,
    /// Votes no, and saga steps refused.
    pub refused: u32,
}

/// Checks the transactions after every event.
///
/// - **Atomicity**: no transaction commits at one participant and aborts at another; a saga
///   ends having taken effect at every step or (compensated) at none.
/// - **Money is conserved**: whenever no transaction is in progress (the coordinator is done
///   with every one it began, and no participant is in doubt) the balances sum to the money
///   the run began with.
/// - **Decisions are not lost** (2PC and 3PC): once every node is up, the network whole and
///   lossless and nothing paused, a decision logged reaches every participant of its
///   transaction within a few timeouts.
#[derive(Clone, Debug)]
pub struct TxnMonitor {
    params: Params,
    /// The slowest a message may take on the links in force.
    latency: Span,
    txs: Vec<TxRecord>,
    /// Transactions begun and not ended.
    open: usize,
    /// Decided transactions some participant has no outcome for.
    undelivered: Vec<u32>,
    /// When anything last changed the cluster (a crash, a restart, a pause, the network).
    calm_since: Time,
    /// Whether the links in force lose messages.
    lossy: bool,
    /// Whether a partition is in force.
    parted: bool,
    /// The one-way links set to lose messages.
    lossy_links: Vec<(NodeId, NodeId)>,
    /// The wrong sum last reported, so one loss is reported once.
    sum_reported: Option<i64>,
    doubt: Vec<Doubt>,
    audits: Audits,
    tally: Tally,
}

impl TxnMonitor {
    /// A monitor for a run with these parameters on these links.
    pub fn new(params: &Params, links: &Link) -> TxnMonitor {
        TxnMonitor {
            params: *params,
            latency: links.latency_max,
            txs: Vec::new(),
            open: 0,
            undelivered: Vec::new(),
            calm_since: Time::ZERO,
            lossy: links.drop.ppm() > 0,
            parted: false,
            lossy_links: Vec::new(),
            sum_reported: None,
            doubt: vec![Doubt::default(); params.nodes()],
            audits: Audits::default(),
            tally: Tally::default(),
        }
    }

    /// Each participant's time in doubt (indexed by node; the coordinator's and the
    /// auditor's stay empty).
    pub fn doubt(&self) -> &[Doubt] {
        &self.doubt
    }

    /// What the auditor saw.
    pub fn audits(&self) -> Audits {
        self.audits
    }

    /// How many transactions are in progress at the coordinator.
    pub fn open(&self) -> usize {
        self.open
    }

    /// How the transactions went.
    pub fn tally(&self) -> Tally {
        self.tally
    }

    /// Every transaction begun, by number.
    pub fn transactions(&self) -> &[TxRecord] {
        &self.txs
    }

    /// How long after the cluster is calm a decision must have reached everyone: a
    /// participant in doubt asks every two timeouts, and the coordinator sends again every
    /// timeout.
    fn settle(&self) -> Span {
        let p = &self.params;
        p.doubt() + p.doubt() + p.timeout + p.timeout + self.latency * 4
    }

    fn known(&mut self, tx: u32) -> &mut TxRecord {
        let i = tx as usize;
        if self.txs.len() <= i {
            self.txs.resize(i + 1, TxRecord::default());
        }
        &mut self.txs[i]
    }

    fn noted(&mut self, seen: &Observation<'_, TxnNode>, note: &Note, out: &mut Vec<Violation>) {
        let now = seen.now;
        match *note {
            Note::Begins { tx, ref transfer } => {
                let known = self.known(tx);
                known.participants = transfer.participants();
                known.effects = vec![0; transfer.legs.len()];
                known.transfer = transfer.clone();
                known.begun = now;
                self.open += 1;
                self.tally.begun += 1;
            }
            Note::Voted {
                tx,
                participant,
                refusal: None,
            } => self.doubt[participant.index()].now.push((tx, now)),
            Note::Voted { .. } | Note::Refused { .. } => self.tally.refused += 1,
            Note::Decides { tx, commit, by } => {
                let known = self.known(tx);
                if known.decided.is_none() {
                    known.decided = Some((commit, now, by));
                    self.undelivered.push(tx);
                }
            }
            Note::Outcome {
                tx,
                participant,
                commit,
            } => {
                let doubt = &mut self.doubt[participant.index()];
                if let Some(i) = doubt.now.iter().position(|&(t, _)| t == tx) {
                    let (_, since) = doubt.now.remove(i);
                    let span = now.since(since);
                    doubt.total = doubt.total + span;
                    doubt.longest = doubt.longest.max(span);
                }
                let known = self.known(tx);
                let other = known
                    .outcomes
                    .iter()
                    .find(|&&(n, c, _)| n != participant && c != commit)
                    .copied();
                known.outcomes.retain(|&(n, ..)| n != participant);
                known.outcomes.push((participant, commit, now));
                if let Some((other, ..)) = other
                    && !known.reported
                {
                    known.reported = true;
                    let (committed, aborted) = if commit {
                        (participant, other)
                    } else {
                        (other, participant)
                    };
                    out.push(Violation {
                        property: "Atomicity".into(),
                        explanation: format!(
                            "at {now} t{tx} has committed at {committed} and aborted at {aborted}"
                        ),
                        nodes: vec![committed, aborted],
                        events: vec![seen.index],
                        indexes: vec![u64::from(tx)],
                    });
                }
            }
            Note::Applied { tx, step, .. } => self.effect(tx, step, 1),
            Note::Compensated { tx, step, .. } => self.effect(tx, step, -1),
            Note::Ends { tx, commit } => {
                self.open = self.open.saturating_sub(1);
                self.known(tx).ended = Some((commit, now));
                if commit {
                    self.tally.committed += 1;
                } else {
                    self.tally.aborted += 1;
                }
                if self.params.mode == Mode::Saga {
                    self.saga_ended(seen, tx, commit, out);
                }
            }
            Note::Audited { audit, sum } => {
                self.audits.done += 1;
                if sum != self.params.total() {
                    self.audits.anomalies += 1;
                    self.audits.last_anomaly = Some((audit, sum, now));
                }
            }
            _ => {}
        }
    }

    fn effect(&mut self, tx: u32, step: u8, by: i32) {
        if let Some(e) = self.known(tx).effects.get_mut(usize::from(step)) {
            *e += by;
        }
    }

    /// A saga ended: completed, every step must have taken effect; compensated, none.
    fn saga_ended(
        &mut self,
        seen: &Observation<'_, TxnNode>,
        tx: u32,
        completed: bool,
        out: &mut Vec<Violation>,
    ) {
        let known = self.known(tx);
        let astray: Vec<usize> = known
            .effects
            .iter()
            .enumerate()
            .filter(|&(_, &e)| (e > 0) != completed)
            .map(|(i, _)| i + 1)
            .collect();
        if astray.is_empty() {
            return;
        }
        let steps: Vec<String> = astray.iter().map(usize::to_string).collect();
        out.push(Violation {
            property: "Atomicity".into(),
            explanation: format!(
                "at {} saga t{tx} ended {}, yet step {} {}",
                seen.now,
                if completed {
                    "completed"
                } else {
                    "compensated"
                },
                steps.join(", "),
                if completed {
                    "never took effect"
                } else {
                    "still holds its effect"
                }
            ),
            nodes: known.participants.clone(),
            events: vec![seen.index],
            indexes: vec![u64::from(tx)],
        });
    }

    /// With nothing in progress, the balances sum to the money the run began with.
    fn conserved(&mut self, seen: &Observation<'_, TxnNode>, out: &mut Vec<Violation>) {
        if self.open > 0 {
            return;
        }
        let mut sum = 0;
        for slot in seen.nodes {
            if let TxnNode::Participant(p) = slot.node() {
                if !p.pending.is_empty() {
                    return;
                }
                sum += p.balances.iter().sum::<i64>();
            }
        }
        let total = self.params.total();
        if sum == total {
            self.sum_reported = None;
            return;
        }
        if self.sum_reported != Some(sum) {
            self.sum_reported = Some(sum);
            out.push(Violation {
                property: "Money is conserved".into(),
                explanation: format!(
                    "at {} no transaction is in progress, yet the balances sum to {sum}, not \
                     {total}: {} {}",
                    seen.now,
                    (sum - total).abs(),
                    if sum > total { "made" } else { "lost" }
                ),
                nodes: self.params.participant_ids().collect(),
                events: vec![seen.index],
                indexes: Vec::new(),
            });
        }
    }

    /// Once the cluster is calm, every decision logged reaches every participant.
    fn delivered(&mut self, seen: &Observation<'_, TxnNode>, out: &mut Vec<Violation>) {
        let now = seen.now;
        let calm = !self.lossy
            && !self.parted
            && self.lossy_links.is_empty()
            && seen
                .nodes
                .iter()
                .all(|s: &Slot<TxnNode>| s.is_up() && s.paused_until().is_none());
        let settle = self.settle();
        let calm_since = self.calm_since;
        let txs = &mut self.txs;
        self.undelivered.retain(|&tx| {
            let known = &mut txs[tx as usize];
            let missing: Vec<NodeId> = known
                .participants
                .iter()
                .copied()
                .filter(|p| known.outcomes.iter().all(|&(n, ..)| n != *p))
                .collect();
            if missing.is_empty() {
                return false;
            }
            let (commit, at, _) = known.decided.expect("undelivered means decided");
            if calm && !known.lost_reported && now.since(at.max(calm_since)) > settle {
                known.lost_reported = true;
                let names: Vec<String> = missing.iter().map(ToString::to_string).collect();
                out.push(Violation {
                    property: "Decisions are not lost".into(),
                    explanation: format!(
                        "t{tx} was decided ({}) at {at}; calm since {}, yet {} still {} not \
                         know it",
                        if commit { "commit" } else { "abort" },
                        at.max(calm_since),
                        names.join(" and "),
                        if missing.len() == 1 { "does" } else { "do" }
                    ),
                    nodes: missing,
                    events: vec![seen.index],
                    indexes: vec![u64::from(tx)],
                });
            }
            true
        });
    }
}

impl Monitor<TxnNode> for TxnMonitor {
    fn observe(&mut self, seen: &Observation<'_, TxnNode>, out: &mut Vec<Violation>) {
        match seen.event {
            TraceEvent::Started { .. }
            | TraceEvent::Crashed { .. }
            | TraceEvent::Paused { .. }
            | TraceEvent::Resumed { .. } => self.calm_since = seen.now,
            TraceEvent::NetworkChanged { change } => {
                self.calm_since = seen.now;
                match change {
                    Action::Heal => self.parted = false,
                    Action::Partition(_) => self.parted = true,
                    Action::SetLink(from, to, link) => {
                        self.latency = self.latency.max(link.latency_max);
                        self.lossy_links.retain(|&pair| pair != (*from, *to));
                        if link.drop.ppm() > 0 {
                            self.lossy_links.push((*from, *to));
                        }
                    }
                    Action::SetLinks(link) => {
                        self.latency = self.latency.max(link.latency_max);
                        self.lossy = link.drop.ppm() > 0;
                    }
                    _ => {}
                }
            }
            TraceEvent::Noted { note, .. } => {
                self.noted(seen, note, out);
                self.conserved(seen, out);
            }
            _ => {}
        }
        if self.params.mode != Mode::Saga && !self.undelivered.is_empty() {
            self.delivered(seen, out);
        }
    }

    fn footprint(&self) -> usize {
        std::mem::size_of_val(self)
            + self.txs.capacity() * std::mem::size_of::<TxRecord>()
            + self
                .txs
                .iter()
                .map(|k| {
                    k.participants.capacity() * 2
                        + k.outcomes.capacity() * 4
                        + k.effects.capacity() * 4
                })
                .sum::<usize>()
            + self
                .doubt
                .iter()
                .map(|d| d.now.capacity() * 16)
                .sum::<usize>()
    }
}
