//! The convergence monitor: every replica only climbs its lattice, and once the network is
//! whole and quiet, every replica reaches the merge of all updates made.

use netsplit_sim::{Action, Monitor, NodeId, Observation, Span, Time, TraceEvent, Violation};
use std::collections::BTreeSet;

use crate::{Note, Params, Replica, State};

/// One convergence: the replicas all reached the merge of every update.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Convergence {
    /// The last change before it: an update, a heal, a crash or a restart.
    pub since: Time,
    /// When every replica held the merge of all updates.
    pub at: Time,
}

impl Convergence {
    /// How long it took.
    pub fn took(&self) -> Span {
        self.at.since(self.since)
    }
}

/// Checks two properties after every event:
///
/// - **Only moves up**: an update or a merge leaves a replica at or above its previous state
///   in the lattice order (state-based CRDTs, §2.2 of Shapiro et al.).
/// - **Converges**: once no partition is in force and every replica is up, the replicas reach
///   the merge of every update made (strong eventual consistency, §2.3) within
///   [`Params::CONVERGENCE_PERIODS`] anti-entropy periods of calm.
///
/// The merge of every update is kept with the correct merge, whatever bug the replicas run.
#[derive(Clone, Debug)]
pub struct ConvergenceMonitor {
    deadline: Option<Span>,
    target: State,
    seen: Vec<State>,
    down: BTreeSet<NodeId>,
    partitioned: bool,
    since: Time,
    converged: bool,
    convergences: Vec<Convergence>,
    reported: BTreeSet<(&'static str, u64)>,
}

impl ConvergenceMonitor {
    /// A monitor for replicas with these parameters.
    pub fn new(params: &Params) -> ConvergenceMonitor {
        ConvergenceMonitor {
            deadline: params.convergence_deadline(),
            target: params.kind.empty(),
            seen: vec![params.kind.empty(); params.replicas],
            down: BTreeSet::new(),
            partitioned: false,
            since: Time::ZERO,
            converged: true,
            convergences: Vec::new(),
            reported: BTreeSet::new(),
        }
    }

    /// The merge of every update made so far: where the replicas must arrive.
    pub fn target(&self) -> &State {
        &self.target
    }

    /// Every convergence so far.
    pub fn convergences(&self) -> &[Convergence] {
        &self.convergences
    }

    /// True while every replica holds the merge of all updates.
    pub fn converged(&self) -> bool {
        self.converged
    }

    fn disturbed(&mut self, now: Time) {
        self.since = now;
        self.converged = false;
    }

    /// Only moves up: `replica`'s new state must be at or above the last one seen.
    fn climbed(
        &mut self,
        replica: NodeId,
        now: State,
        what: &str,
        index: usize,
        out: &mut Vec<Violation>,
    ) {
        let before = std::mem::replace(&mut self.seen[replica.index()], now);
        let after = &self.seen[replica.index()];
        if !before.leq(after)
            && self
                .reported
                .insert(("Only moves up", u64::from(replica.0)))
        {
            out.push(Violation {
                property: "Only moves up".into(),
                explanation: format!(
                    "{replica} went from {before} to {after} by {what}: the new state is not above the old one, so something it knew was lost"
                ),
                nodes: vec![replica],
                events: vec![index],
                indexes: Vec::new(),
            });
        }
    }
}

impl Monitor<Replica> for ConvergenceMonitor {
    fn observe(&mut self, seen: &Observation<'_, Replica>, out: &mut Vec<Violation>) {
        let state_of = |n: NodeId| seen.nodes[n.index()].node().state().clone();
        match seen.event {
            TraceEvent::Started { node } => {
                self.down.remove(node);
                self.seen[node.index()] = state_of(*node);
                // Booting at the start changes nothing; a restart does.
                if seen.now > Time::ZERO {
                    self.disturbed(seen.now);
                }
            }
            TraceEvent::Crashed { node } => {
                self.down.insert(*node);
                self.disturbed(seen.now);
            }
            TraceEvent::NetworkChanged { change } => match change {
                Action::Partition(p) => {
                    self.partitioned = p.0.iter().any(|g| !g.is_empty());
                    self.disturbed(seen.now);
                }
                Action::Heal => {
                    self.partitioned = false;
                    self.disturbed(seen.now);
                }
                _ => {}
            },
            TraceEvent::Noted {
                note: Note::Applied { replica, op, .. },
                ..
            } => {
                let now = state_of(*replica);
                self.target.merge(&now, None);
                self.climbed(*replica, now, &format!("applying {op}"), seen.index, out);
                self.disturbed(seen.now);
            }
            TraceEvent::Noted {
                note: Note::Merged { replica, from, .. },
                ..
            } => {
                let now = state_of(*replica);
                self.climbed(
                    *replica,
                    now,
                    &format!("merging {from}'s state"),
                    seen.index,
                    out,
                );
            }
            _ => {}
        }
        if self.converged || self.partitioned || !self.down.is_empty() {
            return;
        }
        let behind: Vec<NodeId> = seen
            .nodes
            .iter()
            .enumerate()
            .filter(|(_, slot)| slot.node().state() != &self.target)
            .map(|(i, _)| NodeId(i as u16))
            .collect();
        if behind.is_empty() {
            self.converged = true;
            self.convergences.push(Convergence {
                since: self.since,
                at: seen.now,
            });
            return;
        }
        let Some(deadline) = self.deadline else {
            return;
        };
        if seen.now.since(self.since) > deadline
            && self.reported.insert(("Converges", self.since.0))
        {
            let first = behind[0];
            out.push(Violation {
                property: "Converges".into(),
                explanation: format!(
                    "{} after the last change at {}, with the network whole, {} still {} not hold the merge of every update: {first} holds {}, the merge is {}",
                    seen.now.since(self.since),
                    self.since,
                    behind.iter().map(NodeId::to_string).collect::<Vec<_>>().join(", "),
                    if behind.len() == 1 { "does" } else { "do" },
                    seen.nodes[first.index()].node().state(),
                    self.target
                ),
                nodes: behind,
                events: vec![seen.index],
                indexes: Vec::new(),
            });
        }
    }
}
