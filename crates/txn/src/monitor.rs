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

impl Doubt {
    /// Its time in doubt in all and its longest, at `now`: what it is in doubt about still
    /// counted to `now`.
    pub fn at(&self, now: Time) -> (Span, Span) {
        self.now
            .iter()
            .map(|&(_, since)| now.since(since))
            .fold((self.total, self.longest), |(total, longest), open| {
                (total + open, longest.max(open))
            })
    }
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
    /// When one of them may next be overdue: they are looked at then, or when an outcome is
    /// noted, not after every event.
    next_due: Time,
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
            next_due: Time::ZERO,
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
        let outcome = matches!(
            seen.event,
            TraceEvent::Noted {
                note: Note::Outcome { .. } | Note::Decides { .. },
                ..
            }
        );
        if !outcome && now < self.next_due {
            return;
        }
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
        // While the cluster is not calm nothing can be overdue; the event that calms it looks
        // again.
        let mut next_due = Time(u64::MAX);
        self.undelivered.retain(|&tx| {
            let known = &mut txs[tx as usize];
            let knows = |p: &NodeId| known.outcomes.iter().any(|&(n, ..)| n == *p);
            if known.participants.iter().all(knows) {
                return false;
            }
            let (commit, at, _) = known.decided.expect("undelivered means decided");
            let due = at.max(calm_since) + settle + Span(1);
            if calm && !known.lost_reported && due > now {
                next_due = next_due.min(due);
            }
            if calm && !known.lost_reported && now >= due {
                let missing: Vec<NodeId> = known
                    .participants
                    .iter()
                    .copied()
                    .filter(|p| !knows(p))
                    .collect();
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
        self.next_due = next_due;
    }
}

impl Monitor<TxnNode> for TxnMonitor {
    fn observe(&mut self, seen: &Observation<'_, TxnNode>, out: &mut Vec<Violation>) {
        match seen.event {
            TraceEvent::Started { .. }
            | TraceEvent::Crashed { .. }
            | TraceEvent::Paused { .. }
            | TraceEvent::Resumed { .. } => {
                self.calm_since = seen.now;
                self.next_due = Time::ZERO;
            }
            TraceEvent::NetworkChanged { change } => {
                self.calm_since = seen.now;
                self.next_due = Time::ZERO;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Account, Leg};
    use netsplit_sim::{Node, Slot};

    /// A monitor shown made-up worlds, one event at a time: what it reports, by property.
    struct World {
        monitor: TxnMonitor,
        nodes: Vec<TxnNode>,
        up: Vec<bool>,
        index: usize,
    }

    impl World {
        fn new(mode: Mode) -> World {
            let params = Params {
                mode,
                transfers: 0,
                ..Params::default()
            };
            let n = params.nodes();
            World {
                monitor: TxnMonitor::new(&params, &Link::default()),
                nodes: NodeId::all(n)
                    .map(|id| TxnNode::boot(&params, id, n, None))
                    .collect(),
                up: vec![true; n],
                index: 0,
            }
        }

        fn see(&mut self, now: u64, event: TraceEvent<TxnNode>) -> Vec<String> {
            let slots: Vec<Slot<TxnNode>> = self
                .nodes
                .iter()
                .zip(&self.up)
                .map(|(n, &up)| Slot::new(n.clone(), up))
                .collect();
            let mut out = Vec::new();
            self.monitor.observe(
                &Observation {
                    now: Time(now),
                    index: self.index,
                    event: &event,
                    nodes: &slots,
                },
                &mut out,
            );
            self.index += 1;
            out.into_iter().map(|v| v.property).collect()
        }

        fn note(&mut self, now: u64, note: Note) -> Vec<String> {
            self.see(
                now,
                TraceEvent::Noted {
                    node: NodeId(0),
                    note,
                },
            )
        }

        /// Participant `p`'s balances.
        fn balances(&mut self, p: u16, balances: [i64; 2]) {
            if let TxnNode::Participant(participant) = &mut self.nodes[usize::from(p)] {
                participant.balances = balances;
            }
        }
    }

    /// n1a pays 10 to n2a.
    fn transfer() -> Transfer {
        Transfer {
            legs: vec![
                Leg {
                    account: Account(0),
                    amount: -10,
                },
                Leg {
                    account: Account(2),
                    amount: 10,
                },
            ],
        }
    }

    fn outcome(tx: u32, p: u16, commit: bool) -> Note {
        Note::Outcome {
            tx,
            participant: NodeId(p),
            commit,
        }
    }

    #[test]
    fn atomicity_fires_when_participants_disagree_and_not_when_they_agree() {
        let mut w = World::new(Mode::TwoPhase);
        w.note(
            0,
            Note::Begins {
                tx: 0,
                transfer: transfer(),
            },
        );
        w.note(
            1,
            Note::Begins {
                tx: 1,
                transfer: transfer(),
            },
        );
        assert!(w.note(2, outcome(0, 1, false)).is_empty());
        assert!(
            w.note(3, outcome(0, 2, false)).is_empty(),
            "both abort: atomic"
        );
        assert!(w.note(4, outcome(1, 1, true)).is_empty());
        assert_eq!(w.note(5, outcome(1, 2, false)), ["Atomicity"]);
    }

    #[test]
    fn a_saga_must_end_with_every_step_in_effect_or_none() {
        let step = |tx, step, p: u16, undo: bool| {
            let leg = transfer().legs[usize::from(step)];
            let participant = NodeId(p);
            if undo {
                Note::Compensated {
                    tx,
                    step,
                    participant,
                    leg,
                }
            } else {
                Note::Applied {
                    tx,
                    step,
                    participant,
                    leg,
                }
            }
        };
        let mut w = World::new(Mode::Saga);
        w.note(
            0,
            Note::Begins {
                tx: 0,
                transfer: transfer(),
            },
        );
        w.note(1, step(0, 0, 1, false));
        w.note(2, step(0, 0, 1, true));
        // Step 1 taken back: compensated, with no step in effect.
        w.balances(1, [100, 100]);
        assert!(
            w.note(
                3,
                Note::Ends {
                    tx: 0,
                    commit: false
                }
            )
            .is_empty()
        );
        // The near miss: step 1 still in effect when the saga ends compensated.
        w.note(
            4,
            Note::Begins {
                tx: 1,
                transfer: transfer(),
            },
        );
        w.note(5, step(1, 0, 1, false));
        w.balances(1, [90, 100]);
        let broken = w.note(
            6,
            Note::Ends {
                tx: 1,
                commit: false,
            },
        );
        assert!(broken.contains(&"Atomicity".to_string()), "{broken:?}");
    }

    #[test]
    fn money_is_counted_only_when_no_transaction_is_in_progress() {
        let mut w = World::new(Mode::TwoPhase);
        w.note(
            0,
            Note::Begins {
                tx: 0,
                transfer: transfer(),
            },
        );
        // n1 has paid and n2 not yet: in progress, so no count.
        w.balances(1, [90, 100]);
        assert!(w.note(1, outcome(0, 1, true)).is_empty());
        // The coordinator is done while 10 are missing: lost.
        assert_eq!(
            w.note(
                2,
                Note::Ends {
                    tx: 0,
                    commit: true
                }
            ),
            ["Money is conserved"]
        );
        // Reported once; found again, then lost again, it is reported again.
        assert!(w.note(3, Note::Audited { audit: 1, sum: 590 }).is_empty());
        w.balances(2, [110, 100]);
        assert!(w.note(4, Note::Audited { audit: 2, sum: 600 }).is_empty());
        w.balances(2, [100, 100]);
        assert_eq!(
            w.note(5, Note::Audited { audit: 3, sum: 590 }),
            ["Money is conserved"]
        );
        assert_eq!(w.monitor.audits().anomalies, 2);
    }

    #[test]
    fn a_decision_must_reach_everyone_once_the_cluster_is_calm() {
        let settle = {
            let w = World::new(Mode::TwoPhase);
            w.monitor.settle().0
        };
        let decide = |w: &mut World| {
            w.note(
                0,
                Note::Begins {
                    tx: 0,
                    transfer: transfer(),
                },
            );
            w.note(
                10,
                Note::Decides {
                    tx: 0,
                    commit: true,
                    by: NodeId(0),
                },
            );
            w.note(20, outcome(0, 1, true));
        };
        // n2 never learns it: reported once the settling time is over.
        let mut w = World::new(Mode::TwoPhase);
        decide(&mut w);
        assert!(
            w.note(10 + settle, Note::Audited { audit: 1, sum: 600 })
                .is_empty()
        );
        assert_eq!(
            w.note(11 + settle, Note::Audited { audit: 2, sum: 600 }),
            ["Decisions are not lost"]
        );
        // The near miss: n2 learns it in time.
        let mut w = World::new(Mode::TwoPhase);
        decide(&mut w);
        w.note(30, outcome(0, 2, true));
        assert!(
            w.note(11 + settle, Note::Audited { audit: 1, sum: 600 })
                .is_empty()
        );
        // And while n2 is down, the decision cannot reach it: nothing is reported.
        let mut w = World::new(Mode::TwoPhase);
        decide(&mut w);
        w.up[2] = false;
        assert!(
            w.note(11 + settle, Note::Audited { audit: 1, sum: 600 })
                .is_empty()
        );
    }

    #[test]
    fn time_in_doubt_runs_from_the_yes_vote_to_the_outcome() {
        let mut w = World::new(Mode::TwoPhase);
        w.note(
            0,
            Note::Begins {
                tx: 0,
                transfer: transfer(),
            },
        );
        w.note(
            100,
            Note::Voted {
                tx: 0,
                participant: NodeId(1),
                refusal: None,
            },
        );
        assert_eq!(w.monitor.doubt()[1].now, [(0, Time(100))]);
        w.note(350, outcome(0, 1, true));
        let d = &w.monitor.doubt()[1];
        assert!(d.now.is_empty());
        assert_eq!((d.total, d.longest), (Span(250), Span(250)));
    }
}
