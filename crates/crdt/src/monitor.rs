//! The convergence monitor: every replica only climbs its lattice, and once the network is
//! whole and quiet, every replica reaches the merge of all updates made.

use netsplit_sim::{
    Action, Chance, Link, Monitor, MsgId, NodeId, Observation, Span, Time, TraceEvent, Violation,
};
use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;

use crate::{Msg, Note, Params, Replica, State};

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

/// Checks three properties after every event:
///
/// - **Only moves up**: an update, a merge or a restart leaves a replica at or above its
///   previous state in the lattice order (state-based CRDTs, §2.2 of Shapiro et al.).
/// - **Merges join**: a merge leaves a replica at exactly the join (least upper bound) of its
///   state before and the state the message carried (§2.2), whether or not it changed.
/// - **Converges**: once no partition is in force and every replica is up, the replicas reach
///   the merge of every update made (strong eventual consistency, §2.3) within
///   [`Params::CONVERGENCE_PERIODS`] anti-entropy periods of calm. Links that lose messages
///   promise no deadline: the clock starts again when they are calm.
///
/// The merge of every update is not built from the replicas' states, which a bug may have
/// spoilt, but from a shadow of each replica: the correct type, applying the same updates and
/// merging what the shadows sent, along the same messages.
#[derive(Clone, Debug)]
pub struct ConvergenceMonitor {
    deadline: Option<Span>,
    target: State,
    seen: Vec<State>,
    /// Shared until changed: a message in flight holds its sender's shadow as it was.
    shadows: Vec<Rc<State>>,
    /// What each message in the network carries, and its sender's shadow when it left.
    carried: BTreeMap<MsgId, (Rc<Msg>, Rc<State>)>,
    down: BTreeSet<NodeId>,
    partitioned: bool,
    /// Whether the links without a setting of their own lose messages, and those with one
    /// that do.
    lossy_default: bool,
    lossy_links: BTreeMap<(NodeId, NodeId), bool>,
    since: Time,
    converged: bool,
    convergences: Vec<Convergence>,
    reported: BTreeSet<(&'static str, u64)>,
}

impl ConvergenceMonitor {
    /// A monitor for replicas with these parameters, on links that start as `links`.
    pub fn new(params: &Params, links: &Link) -> ConvergenceMonitor {
        ConvergenceMonitor {
            deadline: params.convergence_deadline(),
            target: params.kind.empty(),
            seen: vec![params.kind.empty(); params.replicas],
            shadows: (0..params.replicas)
                .map(|_| Rc::new(params.kind.empty()))
                .collect(),
            carried: BTreeMap::new(),
            down: BTreeSet::new(),
            partitioned: false,
            lossy_default: links.drop != Chance::NEVER,
            lossy_links: BTreeMap::new(),
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

    /// Whether some link loses messages.
    fn lossy(&self) -> bool {
        self.lossy_default || self.lossy_links.values().any(|&l| l)
    }

    /// After a change of links: when they stop losing messages, the deadline counts from now.
    fn calmed(&mut self, was_lossy: bool, now: Time) {
        if was_lossy && !self.lossy() && !self.converged {
            self.since = now;
        }
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
        what: std::fmt::Arguments<'_>,
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
    /// The shadows and carried states are shared with the messages, and counted as entries.
    fn footprint(&self) -> usize {
        use netsplit_sim::{map_bytes, set_bytes};
        std::mem::size_of_val(self)
            + self.target.footprint()
            + self.seen.iter().map(State::footprint).sum::<usize>()
            + std::mem::size_of_val(self.shadows.as_slice())
            + map_bytes(&self.carried)
            + set_bytes(&self.down)
            + map_bytes(&self.lossy_links)
            + std::mem::size_of_val(self.convergences.as_slice())
            + set_bytes(&self.reported)
    }

    fn observe(&mut self, seen: &Observation<'_, Replica>, out: &mut Vec<Violation>) {
        let state_of = |n: NodeId| seen.nodes[n.index()].node().state().clone();
        match seen.event {
            TraceEvent::Started { node } => {
                self.down.remove(node);
                // Booting at the start changes nothing; a restart does, and must come back
                // with all the replica knew.
                if seen.now > Time::ZERO {
                    self.climbed(
                        *node,
                        state_of(*node),
                        format_args!("restarting"),
                        seen.index,
                        out,
                    );
                    self.disturbed(seen.now);
                }
            }
            TraceEvent::Crashed { node } => {
                self.down.insert(*node);
                self.disturbed(seen.now);
            }
            TraceEvent::Sent { id, from, msg, .. } => {
                let shadow = Rc::clone(&self.shadows[from.index()]);
                self.carried.insert(*id, (Rc::clone(msg), shadow));
            }
            TraceEvent::Dropped { id, .. } => {
                self.carried.remove(id);
            }
            TraceEvent::Delivered { id, from, to } => {
                if let Some((msg, shadow)) = self.carried.remove(id) {
                    let Msg::State(incoming) = &*msg;
                    Rc::make_mut(&mut self.shadows[to.index()]).merge(&shadow, None);
                    let mut join = self.seen[to.index()].clone();
                    join.merge(incoming, None);
                    let now = state_of(*to);
                    if now != join && self.reported.insert(("Merges join", u64::from(to.0))) {
                        out.push(Violation {
                            property: "Merges join".into(),
                            explanation: format!(
                                "{to} merged {from}'s state {incoming} into {} and got {now}, but their join is {join}",
                                self.seen[to.index()]
                            ),
                            nodes: vec![*to, *from],
                            events: vec![seen.index],
                            indexes: Vec::new(),
                        });
                    }
                    self.climbed(
                        *to,
                        now,
                        format_args!("merging {from}'s state"),
                        seen.index,
                        out,
                    );
                }
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
                Action::SetLinks(link) => {
                    let was = self.lossy();
                    self.lossy_default = link.drop != Chance::NEVER;
                    self.calmed(was, seen.now);
                }
                Action::SetLink(from, to, link) => {
                    let was = self.lossy();
                    self.lossy_links
                        .insert((*from, *to), link.drop != Chance::NEVER);
                    self.calmed(was, seen.now);
                }
                _ => {}
            },
            TraceEvent::Noted {
                note: Note::Applied { replica, op, .. },
                ..
            } => {
                let shadow = Rc::make_mut(&mut self.shadows[replica.index()]);
                // A shadow that refuses what its replica applied (an element the replica should
                // not have held) keeps the update out of the merge of all updates, where
                // Converges finds the difference.
                shadow.apply(*replica, *op).ok();
                self.target.merge(shadow, None);
                self.climbed(
                    *replica,
                    state_of(*replica),
                    format_args!("applying {op}"),
                    seen.index,
                    out,
                );
                self.disturbed(seen.now);
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
        let Some(deadline) = self.deadline.filter(|_| !self.lossy()) else {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Kind, Op};
    use netsplit_sim::{Node, Slot};

    /// A replica that comes back from a restart without what it knew is caught: the restart is
    /// checked against the state before the crash, not taken as a new start.
    #[test]
    fn a_replica_that_forgets_on_restart_breaks_only_moves_up() {
        let params = Params {
            kind: Kind::GCounter,
            replicas: 2,
            ..Params::default()
        };
        let mut monitor = ConvergenceMonitor::new(&params, &Link::default());
        let mut replicas: Vec<Replica> = NodeId::all(2)
            .map(|id| Replica::boot(&params, id, 2, None))
            .collect();
        let mut index = 0;
        let mut see = |replicas: &[Replica], event: TraceEvent<Replica>, now: u64| {
            let nodes: Vec<Slot<Replica>> = replicas
                .iter()
                .map(|r| Slot::new(r.clone(), true))
                .collect();
            let mut out = Vec::new();
            monitor.observe(
                &Observation {
                    now: Time(now),
                    index,
                    event: &event,
                    nodes: &nodes,
                },
                &mut out,
            );
            index += 1;
            out.into_iter().map(|v| v.property).collect::<Vec<_>>()
        };
        replicas[0].state.apply(NodeId(0), Op::Increment).unwrap();
        let applied = TraceEvent::Noted {
            node: NodeId(0),
            note: Note::Applied {
                replica: NodeId(0),
                op: Op::Increment,
                value: "1".into(),
            },
        };
        assert!(see(&replicas, applied, 10).is_empty());
        assert!(see(&replicas, TraceEvent::Crashed { node: NodeId(0) }, 20).is_empty());
        // Back with its state: nothing is wrong.
        assert!(see(&replicas, TraceEvent::Started { node: NodeId(0) }, 30).is_empty());
        // Back empty: it forgot its increment.
        replicas[0] = Replica::boot(&params, NodeId(0), 2, None);
        assert!(see(&replicas, TraceEvent::Crashed { node: NodeId(0) }, 40).is_empty());
        assert_eq!(
            see(&replicas, TraceEvent::Started { node: NodeId(0) }, 50),
            ["Only moves up"]
        );
    }
}
