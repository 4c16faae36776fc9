//! The safety properties of "Paxos Made Simple", checked after every event, and the record of
//! every ballot that the view draws as a timeline.

use netsplit_sim::{Monitor, NodeId, Observation, Time, TraceEvent, Violation};
use std::collections::{BTreeMap, BTreeSet};
use std::ops::Bound::{Excluded, Unbounded};

use crate::{Ballot, Command, Mode, Note, Params, PaxosNode, Value};

/// A value chosen in a slot: accepted by a majority of acceptors in one ballot.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Choice {
    /// The value.
    pub value: Value,
    /// The ballot whose acceptances made the majority.
    pub ballot: Ballot,
    /// Those acceptors.
    pub acceptors: Vec<NodeId>,
    /// When the majority was reached, whether or not any learner knew yet.
    pub at: Time,
    /// The trace index of the acceptance that completed the majority.
    pub event: usize,
}

/// What happened to one ballot.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BallotLog {
    /// When phase 1 started.
    pub started: Time,
    /// The acceptors that promised it.
    pub promises: BTreeSet<NodeId>,
    /// The acceptors that refused it.
    pub refusals: BTreeSet<NodeId>,
    /// True once its proposer held promises from a majority.
    pub phase_one: bool,
    /// What it proposed, by slot.
    pub proposals: BTreeMap<u64, Value>,
    /// The acceptors that accepted its proposal, by slot.
    pub accepts: BTreeMap<u64, BTreeSet<NodeId>>,
    /// True when its proposer gave it up.
    pub abandoned: bool,
}

/// Checks, after every event, the safety requirements of §2.1 and the acceptor's rule P1a:
///
/// - **Agreement**: at most one value is chosen in each slot.
/// - **Validity**: only a value that a client proposed (or a leader's no-op) is chosen.
/// - **Learned only if chosen**: a learner never learns a value that was not chosen.
/// - **Promises kept**: an acceptor never promises or accepts a ballot below one it promised.
/// - **Chosen values stay** (P2b, §2.2): once a value is chosen in a slot under ballot b, every
///   proposal in that slot under a ballot above b carries that value. Checked at each proposal,
///   and at each choice against the proposals of higher ballots made before it.
///
/// A value counts as chosen the moment a majority of acceptors has accepted it in one ballot,
/// which may be long before any learner hears of it.
#[derive(Clone, Debug)]
pub struct PaxosMonitor {
    majority: usize,
    mode: Mode,
    asked: BTreeSet<Value>,
    /// Each acceptor's highest promise, and the trace index where it was made.
    promised: BTreeMap<NodeId, (Ballot, usize)>,
    ballots: BTreeMap<Ballot, BallotLog>,
    votes: BTreeMap<(u64, Ballot, Value), BTreeSet<NodeId>>,
    chosen: BTreeMap<u64, Choice>,
    learned: BTreeMap<u64, BTreeMap<NodeId, Time>>,
    reported: BTreeSet<(String, u64)>,
}

impl PaxosMonitor {
    /// A monitor for a cluster with these parameters.
    pub fn new(params: &Params) -> PaxosMonitor {
        PaxosMonitor {
            majority: params.majority(),
            mode: params.mode,
            asked: BTreeSet::new(),
            promised: BTreeMap::new(),
            ballots: BTreeMap::new(),
            votes: BTreeMap::new(),
            chosen: BTreeMap::new(),
            learned: BTreeMap::new(),
            reported: BTreeSet::new(),
        }
    }

    /// What is chosen, by slot.
    pub fn chosen(&self) -> &BTreeMap<u64, Choice> {
        &self.chosen
    }

    /// Every ballot so far, in order.
    pub fn ballots(&self) -> &BTreeMap<Ballot, BallotLog> {
        &self.ballots
    }

    /// Who learned slot `slot`'s value, and when.
    pub fn learners(&self, slot: u64) -> impl Iterator<Item = (NodeId, Time)> + '_ {
        self.learned
            .get(&slot)
            .into_iter()
            .flat_map(|m| m.iter().map(|(&n, &t)| (n, t)))
    }

    /// How many acceptors make a majority.
    pub fn majority(&self) -> usize {
        self.majority
    }

    /// Reports `violation` once per property and `key` (a slot or an acceptor).
    fn report(&mut self, out: &mut Vec<Violation>, key: u64, violation: Violation) {
        if self.reported.insert((violation.property.clone(), key)) {
            out.push(violation);
        }
    }

    /// Promises kept: `acceptor` may promise or accept `ballot` only if it promised nothing
    /// higher.
    fn keep_promise(
        &mut self,
        acceptor: NodeId,
        ballot: Ballot,
        what: &str,
        index: usize,
        out: &mut Vec<Violation>,
    ) {
        match self.promised.get(&acceptor).copied() {
            Some((promised, at)) if promised > ballot => self.report(
                out,
                u64::from(acceptor.0),
                Violation {
                    property: "Promises kept".into(),
                    explanation: format!(
                        "{acceptor} {what} ballot {ballot} after promising to ignore every ballot below {promised}"
                    ),
                    nodes: vec![acceptor, ballot.proposer],
                    events: vec![at, index],
                    indexes: Vec::new(),
                },
            ),
            Some((promised, _)) if promised == ballot => {}
            _ => {
                self.promised.insert(acceptor, (ballot, index));
            }
        }
    }

    fn accepted(
        &mut self,
        acceptor: NodeId,
        ballot: Ballot,
        slot: u64,
        value: Value,
        seen: &Observation<'_, PaxosNode>,
        out: &mut Vec<Violation>,
    ) {
        self.keep_promise(acceptor, ballot, "accepts", seen.index, out);
        self.ballots
            .entry(ballot)
            .or_default()
            .accepts
            .entry(slot)
            .or_default()
            .insert(acceptor);
        let voters = self.votes.entry((slot, ballot, value)).or_default();
        let fresh = voters.insert(acceptor);
        if !fresh || voters.len() != self.majority {
            return;
        }
        let acceptors: Vec<NodeId> = voters.iter().copied().collect();
        match self.chosen.get(&slot).cloned() {
            Some(first) if first.value != value => {
                let mut both = BTreeSet::new();
                for &node in first.acceptors.iter().chain(&acceptors) {
                    both.insert(node);
                }
                let nodes: Vec<NodeId> = both.into_iter().collect();
                self.report(
                    out,
                    slot,
                    Violation {
                        property: "Agreement".into(),
                        explanation: format!(
                            "slot {slot}: {} was chosen under ballot {} (accepted by {}), and now {value} is chosen under ballot {ballot} (accepted by {})",
                            first.value,
                            first.ballot,
                            names(&first.acceptors),
                            names(&acceptors)
                        ),
                        nodes,
                        events: vec![first.event, seen.index],
                        indexes: vec![slot],
                    },
                );
            }
            Some(_) => {}
            None => {
                let against = self
                    .ballots
                    .range((Excluded(ballot), Unbounded))
                    .filter_map(|(&b, log)| Some((b, *log.proposals.get(&slot)?)))
                    .find(|&(_, proposed)| proposed != value);
                if let Some((higher, proposed)) = against {
                    self.broke_p2b(slot, (ballot, value), (higher, proposed), seen, out);
                }
                let proposed =
                    value == Value::Noop && self.mode == Mode::Multi || self.asked.contains(&value);
                if !proposed {
                    self.report(
                        out,
                        slot,
                        Violation {
                            property: "Validity".into(),
                            explanation: format!(
                                "{value} is chosen in slot {slot} under ballot {ballot}, but no client proposed it"
                            ),
                            nodes: acceptors.clone(),
                            events: vec![seen.index],
                            indexes: vec![slot],
                        },
                    );
                }
                self.chosen.insert(
                    slot,
                    Choice {
                        value,
                        ballot,
                        acceptors,
                        at: seen.now,
                        event: seen.index,
                    },
                );
            }
        }
    }

    /// A proposal under `ballot` in `slot`: if a value is chosen there under a lower ballot,
    /// the proposal must carry it.
    fn proposed(
        &mut self,
        ballot: Ballot,
        slot: u64,
        value: Value,
        seen: &Observation<'_, PaxosNode>,
        out: &mut Vec<Violation>,
    ) {
        self.ballots
            .entry(ballot)
            .or_default()
            .proposals
            .insert(slot, value);
        if let Some(choice) = self.chosen.get(&slot)
            && choice.ballot < ballot
            && choice.value != value
        {
            let chosen = (choice.ballot, choice.value);
            self.broke_p2b(slot, chosen, (ballot, value), seen, out);
        }
    }

    fn broke_p2b(
        &mut self,
        slot: u64,
        (ballot, value): (Ballot, Value),
        (higher, proposed): (Ballot, Value),
        seen: &Observation<'_, PaxosNode>,
        out: &mut Vec<Violation>,
    ) {
        self.report(
            out,
            slot,
            Violation {
                property: "Chosen values stay".into(),
                explanation: format!(
                    "slot {slot}: {value} is chosen under ballot {ballot}, but the higher ballot {higher} proposes {proposed} there"
                ),
                nodes: vec![ballot.proposer, higher.proposer],
                events: vec![seen.index],
                indexes: vec![slot],
            },
        );
    }

    fn learned(
        &mut self,
        learner: NodeId,
        slot: u64,
        value: Value,
        seen: &Observation<'_, PaxosNode>,
        out: &mut Vec<Violation>,
    ) {
        self.learned
            .entry(slot)
            .or_default()
            .entry(learner)
            .or_insert(seen.now);
        let chosen = self.chosen.get(&slot).map(|c| (c.value, c.event));
        if chosen.is_some_and(|(v, _)| v == value) {
            return;
        }
        let (truth, mut events) = match chosen {
            Some((v, event)) => (format!("{v} is"), vec![event]),
            None => ("nothing is".to_string(), Vec::new()),
        };
        events.push(seen.index);
        self.report(
            out,
            slot,
            Violation {
                property: "Learned only if chosen".into(),
                explanation: format!(
                    "{learner} learned {value} in slot {slot}, but {truth} chosen there"
                ),
                nodes: vec![learner],
                events,
                indexes: vec![slot],
            },
        );
    }
}

fn names(nodes: &[NodeId]) -> String {
    let names: Vec<String> = nodes.iter().map(NodeId::to_string).collect();
    names.join(", ")
}

impl Monitor<PaxosNode> for PaxosMonitor {
    fn footprint(&self) -> usize {
        use netsplit_sim::{map_bytes, set_bytes};
        let ballots: usize = self
            .ballots
            .values()
            .map(|b| {
                set_bytes(&b.promises)
                    + set_bytes(&b.refusals)
                    + map_bytes(&b.proposals)
                    + map_bytes(&b.accepts)
                    + b.accepts.values().map(set_bytes).sum::<usize>()
            })
            .sum();
        let reported: usize = self.reported.iter().map(|(what, _)| what.len()).sum();
        std::mem::size_of_val(self)
            + set_bytes(&self.asked)
            + map_bytes(&self.promised)
            + map_bytes(&self.ballots)
            + ballots
            + map_bytes(&self.votes)
            + self.votes.values().map(set_bytes).sum::<usize>()
            + map_bytes(&self.chosen)
            + map_bytes(&self.learned)
            + self.learned.values().map(map_bytes).sum::<usize>()
            + set_bytes(&self.reported)
            + reported
    }

    fn observe(&mut self, seen: &Observation<'_, PaxosNode>, out: &mut Vec<Violation>) {
        let note = match seen.event {
            TraceEvent::Noted { note, .. } => note,
            TraceEvent::Commanded {
                command: Command::Propose(value),
                ..
            } => {
                self.asked.insert(*value);
                return;
            }
            _ => return,
        };
        match *note {
            Note::Preparing { ballot, .. } => {
                self.ballots.entry(ballot).or_default().started = seen.now;
            }
            Note::Promised { acceptor, ballot } => {
                self.keep_promise(acceptor, ballot, "promises", seen.index, out);
                self.ballots
                    .entry(ballot)
                    .or_default()
                    .promises
                    .insert(acceptor);
            }
            Note::Refused {
                acceptor, ballot, ..
            } => {
                self.ballots
                    .entry(ballot)
                    .or_default()
                    .refusals
                    .insert(acceptor);
            }
            Note::PhaseOne { ballot, .. } => {
                self.ballots.entry(ballot).or_default().phase_one = true
            }
            Note::Proposed {
                ballot,
                slot,
                value,
                ..
            } => self.proposed(ballot, slot, value, seen, out),
            Note::Accepted {
                acceptor,
                ballot,
                slot,
                value,
            } => self.accepted(acceptor, ballot, slot, value, seen, out),
            Note::Learned {
                learner,
                slot,
                value,
            } => self.learned(learner, slot, value, seen, out),
            Note::GaveUp { ballot, .. } => self.ballots.entry(ballot).or_default().abandoned = true,
            Note::Following { .. } | Note::Redirected { .. } => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Params;

    /// Feeds notes to a monitor of two proposers and three acceptors, as if each were one
    /// event; returns the violations' property names.
    fn check(events: &[TraceEvent<PaxosNode>]) -> Vec<String> {
        let mut monitor = PaxosMonitor::new(&Params::default());
        let mut out = Vec::new();
        for (index, event) in events.iter().enumerate() {
            let seen = Observation {
                now: Time(index as u64),
                index,
                event,
                nodes: &[],
            };
            monitor.observe(&seen, &mut out);
        }
        out.into_iter().map(|v| v.property).collect()
    }

    fn accepted(acceptor: u16, round: u32, letter: char) -> TraceEvent<PaxosNode> {
        TraceEvent::Noted {
            node: NodeId(acceptor),
            note: Note::Accepted {
                acceptor: NodeId(acceptor),
                ballot: Ballot {
                    round,
                    proposer: NodeId(0),
                },
                slot: 1,
                value: Value::Client(letter),
            },
        }
    }

    fn asked(letter: char) -> TraceEvent<PaxosNode> {
        TraceEvent::Commanded {
            node: NodeId(0),
            command: Command::Propose(Value::Client(letter)),
        }
    }

    fn learned(letter: char) -> TraceEvent<PaxosNode> {
        TraceEvent::Noted {
            node: NodeId(1),
            note: Note::Learned {
                learner: NodeId(1),
                slot: 1,
                value: Value::Client(letter),
            },
        }
    }

    fn proposed(round: u32, letter: char) -> TraceEvent<PaxosNode> {
        let ballot = Ballot {
            round,
            proposer: NodeId(0),
        };
        TraceEvent::Noted {
            node: NodeId(0),
            note: Note::Proposed {
                proposer: NodeId(0),
                ballot,
                slot: 1,
                value: Value::Client(letter),
                carried_from: None,
            },
        }
    }

    /// P2b, §2.2: after A is chosen under ballot 1, ballot 2 must propose A.
    #[test]
    fn a_higher_ballot_proposing_another_value_breaks_chosen_values_stay() {
        let chosen_a = [
            asked('A'),
            asked('B'),
            accepted(2, 1, 'A'),
            accepted(3, 1, 'A'),
        ];
        let carried = [&chosen_a[..], &[proposed(2, 'A')]].concat();
        assert!(check(&carried).is_empty());
        let replaced = [&chosen_a[..], &[proposed(2, 'B')]].concat();
        assert_eq!(check(&replaced), ["Chosen values stay"]);
        // A lower ballot may have proposed anything.
        let lower = [
            &[asked('A'), asked('B'), proposed(1, 'B')][..],
            &chosen_a[2..],
        ]
        .concat();
        assert!(check(&lower).is_empty());
        // A proposal of the higher ballot made before the choice is caught at the choice.
        let before = [
            &[asked('A'), asked('B'), proposed(2, 'B')][..],
            &chosen_a[2..],
        ]
        .concat();
        assert_eq!(check(&before), ["Chosen values stay"]);
    }

    /// Agreement alone, the check the proposal above would otherwise wait for: it sees
    /// nothing until a second value is chosen, so it misses the proposal that breaks P2b.
    fn agreement_only(events: &[TraceEvent<PaxosNode>]) -> bool {
        let mut votes: BTreeMap<(Ballot, Value), BTreeSet<NodeId>> = BTreeMap::new();
        let mut chosen = BTreeSet::new();
        for event in events {
            if let TraceEvent::Noted {
                note:
                    Note::Accepted {
                        acceptor,
                        ballot,
                        value,
                        ..
                    },
                ..
            } = event
            {
                let voters = votes.entry((*ballot, *value)).or_default();
                voters.insert(*acceptor);
                if voters.len() == Params::default().majority() {
                    chosen.insert(*value);
                }
            }
        }
        chosen.len() > 1
    }

    #[test]
    fn agreement_alone_misses_the_proposal_that_chosen_values_stay_catches() {
        let events = [
            asked('A'),
            asked('B'),
            accepted(2, 1, 'A'),
            accepted(3, 1, 'A'),
            proposed(2, 'B'),
            accepted(2, 2, 'B'),
        ];
        assert!(!agreement_only(&events));
        assert_eq!(check(&events), ["Chosen values stay"]);
        let later = [&events[..], &[accepted(3, 2, 'B')]].concat();
        assert!(agreement_only(&later), "it does see the second choice");
    }

    #[test]
    fn a_value_nobody_proposed_breaks_validity() {
        let ok = check(&[asked('A'), accepted(2, 1, 'A'), accepted(3, 1, 'A')]);
        assert!(ok.is_empty());
        let invented = check(&[asked('A'), accepted(2, 1, 'Z'), accepted(3, 1, 'Z')]);
        assert_eq!(invented, ["Validity"]);
    }

    #[test]
    fn learning_before_a_majority_breaks_learned_only_if_chosen() {
        let early = check(&[asked('A'), accepted(2, 1, 'A'), learned('A')]);
        assert_eq!(early, ["Learned only if chosen"]);
        let on_time = check(&[
            asked('A'),
            accepted(2, 1, 'A'),
            accepted(3, 1, 'A'),
            learned('A'),
        ]);
        assert!(on_time.is_empty());
    }

    #[test]
    fn a_majority_split_across_ballots_chooses_nothing() {
        let split = check(&[
            asked('A'),
            accepted(2, 1, 'A'),
            accepted(3, 2, 'A'),
            learned('A'),
        ]);
        assert_eq!(split, ["Learned only if chosen"]);
    }

    #[test]
    fn two_values_chosen_in_one_slot_break_agreement_and_a_lower_accept_breaks_a_promise() {
        let events = [
            asked('A'),
            asked('B'),
            accepted(2, 1, 'A'),
            accepted(3, 1, 'A'),
            accepted(3, 2, 'B'),
            accepted(4, 2, 'B'),
            accepted(4, 1, 'A'),
        ];
        assert_eq!(check(&events), ["Agreement", "Promises kept"]);
    }
}
