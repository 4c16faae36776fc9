//! The five safety properties of the paper's Figure 3, checked after every event.

use netsplit_sim::{Monitor, NodeId, Observation, Slot, TraceEvent, Violation};
use std::collections::{BTreeMap, BTreeSet};

use crate::{Note, RaftNode, Role};

/// What the monitor last saw of one server.
#[derive(Clone, Debug, Default)]
struct Seen {
    chain: Vec<u64>,
    applied: u64,
    commit: u64,
    /// The term in which the server was last seen leading.
    leading: Option<u64>,
}

/// An entry as the monitor knows it: its term, the chain hash of the log up to it, and the
/// first server seen holding it.
#[derive(Clone, Copy, Debug)]
struct Known {
    term: u64,
    chain: u64,
    holder: NodeId,
}

/// Checks Figure 3 of the extended Raft paper after every event:
///
/// - **Election Safety**: at most one leader can be elected in a given term (§5.2).
/// - **Leader Append-Only**: a leader never overwrites or deletes entries in its log (§5.3).
/// - **Log Matching**: if two logs contain an entry with the same index and term, the logs are
///   identical in all entries up through that index (§5.3).
/// - **Leader Completeness**: an entry committed in a term is present in the logs of the
///   leaders of all higher terms (§5.4).
/// - **State Machine Safety**: no two servers apply different entries at the same index
///   (§5.4.3).
///
/// Log contents are compared through each log's hash chain, so a check costs only what changed
/// since the last event at that server.
#[derive(Clone, Debug)]
pub struct RaftMonitor {
    seen: Vec<Seen>,
    leaders: BTreeMap<u64, NodeId>,
    /// (index, term) → the first holder's chain there, for Log Matching.
    entries: BTreeMap<(u64, u64), Known>,
    committed: BTreeMap<u64, Known>,
    applied: BTreeMap<u64, Known>,
    reported: BTreeSet<(&'static str, u64)>,
}

impl RaftMonitor {
    /// A monitor for `nodes` servers.
    pub fn new(nodes: usize) -> RaftMonitor {
        RaftMonitor {
            seen: vec![Seen::default(); nodes],
            leaders: BTreeMap::new(),
            entries: BTreeMap::new(),
            committed: BTreeMap::new(),
            applied: BTreeMap::new(),
            reported: BTreeSet::new(),
        }
    }

    /// The leader of each term so far.
    pub fn leaders(&self) -> &BTreeMap<u64, NodeId> {
        &self.leaders
    }

    /// The highest index known committed.
    pub fn committed_up_to(&self) -> u64 {
        self.committed.keys().next_back().copied().unwrap_or(0)
    }

    fn report(
        &mut self,
        out: &mut Vec<Violation>,
        property: &'static str,
        key: u64,
        violation: impl FnOnce() -> Violation,
    ) {
        if self.reported.insert((property, key)) {
            let mut v = violation();
            v.property = property.into();
            out.push(v);
        }
    }

    fn check_server(
        &mut self,
        id: NodeId,
        event: usize,
        nodes: &[Slot<RaftNode>],
        out: &mut Vec<Violation>,
    ) {
        let slot = &nodes[id.index()];
        if !slot.is_up() {
            return;
        }
        let node = slot.node();
        let log = node.log();
        let chain = log.chain();
        let seen = &self.seen[id.index()];
        let unchanged = common_prefix(&seen.chain, chain);

        // Leader Append-Only: while leading one term, the log only grows.
        if node.role() == Role::Leader
            && seen.leading == Some(node.term())
            && unchanged < seen.chain.len()
        {
            let index = unchanged as u64 + 1;
            let term = node.term();
            self.report(out, "Leader Append-Only", term, || Violation {
                property: String::new(),
                explanation: format!(
                    "{id}, leader of term {term}, changed or removed its entry at index {index}"
                ),
                nodes: vec![id],
                events: vec![event],
                indexes: vec![index],
            });
        }

        // Log Matching: same index and term must mean the same log up to there.
        for (i, (&link, entry)) in chain.iter().zip(log.entries()).enumerate().skip(unchanged) {
            let index = i as u64 + 1;
            let known = *self.entries.entry((index, entry.term)).or_insert(Known {
                term: entry.term,
                chain: link,
                holder: id,
            });
            if known.chain != link {
                let term = entry.term;
                let other = known.holder;
                self.report(out, "Log Matching", index, || Violation {
                    property: String::new(),
                    explanation: format!(
                        "{id} and {other} both hold an entry from term {term} at index {index}, but their logs differ at or before it"
                    ),
                    nodes: vec![id, other],
                    events: vec![event],
                    indexes: vec![index],
                });
            }
        }

        // Committed and applied entries: one entry per index, ever (State Machine Safety).
        let seen = &self.seen[id.index()];
        let (from_commit, from_applied) = (seen.commit, seen.applied);
        let known_at = |index: u64| {
            let chain = *chain.get(index as usize - 1)?;
            Some(Known {
                term: log.term_at(index),
                chain,
                holder: id,
            })
        };
        for index in from_commit + 1..=node.commit_index() {
            if let Some(known) = known_at(index) {
                self.committed.entry(index).or_insert(known);
            }
        }
        for index in from_applied + 1..=node.last_applied() {
            let Some(mine) = known_at(index) else {
                continue;
            };
            let first = *self.applied.entry(index).or_insert(mine);
            if first.chain != mine.chain {
                let other = first.holder;
                self.report(out, "State Machine Safety", index, || Violation {
                    property: String::new(),
                    explanation: format!(
                        "{id} applied the entry of term {} at index {index}, but {other} applied a different one (term {})",
                        mine.term, first.term
                    ),
                    nodes: vec![id, other],
                    events: vec![event],
                    indexes: vec![index],
                });
            }
        }

        let seen = &mut self.seen[id.index()];
        if unchanged != chain.len() || unchanged != seen.chain.len() {
            seen.chain = chain.to_vec();
        }
        seen.commit = node.commit_index();
        seen.applied = node.last_applied();
        seen.leading = (node.role() == Role::Leader).then_some(node.term());
    }

    fn check_new_leader(
        &mut self,
        id: NodeId,
        term: u64,
        event: usize,
        nodes: &[Slot<RaftNode>],
        out: &mut Vec<Violation>,
    ) {
        if let Some(&other) = self.leaders.get(&term).filter(|&&other| other != id) {
            self.report(out, "Election Safety", term, || Violation {
                property: String::new(),
                explanation: format!("{id} and {other} were both elected leader of term {term}"),
                nodes: vec![id, other],
                events: vec![event],
                indexes: Vec::new(),
            });
        }
        self.leaders.entry(term).or_insert(id);
        let chain = nodes[id.index()].node().log().chain();
        let missing = self
            .committed
            .iter()
            .find(|&(&index, known)| {
                known.term < term && chain.get(index as usize - 1) != Some(&known.chain)
            })
            .map(|(&index, &known)| (index, known));
        if let Some((index, known)) = missing {
            self.report(out, "Leader Completeness", term, || Violation {
                property: String::new(),
                explanation: format!(
                    "{id} became leader of term {term} without the entry committed at index {index} (term {}, first committed by {})",
                    known.term, known.holder
                ),
                nodes: vec![id, known.holder],
                events: vec![event],
                indexes: vec![index],
            });
        }
    }
}

/// How many leading links two hash chains share. Chains that agree at an index agree before it,
/// so the first difference is found by binary search.
fn common_prefix(a: &[u64], b: &[u64]) -> usize {
    let shorter = a.len().min(b.len());
    if shorter == 0 || a[shorter - 1] == b[shorter - 1] {
        return shorter;
    }
    // a[..lo] == b[..lo] and a[hi - 1] != b[hi - 1].
    let (mut lo, mut hi) = (0, shorter);
    while hi - lo > 1 {
        let mid = (lo + hi) / 2;
        if a[mid - 1] == b[mid - 1] {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    lo
}

impl Monitor<RaftNode> for RaftMonitor {
    fn observe(&mut self, seen: &Observation<'_, RaftNode>, out: &mut Vec<Violation>) {
        let touched = match seen.event {
            TraceEvent::Started { node } => {
                // A restarted server rebuilds its volatile state from scratch.
                let s = &mut self.seen[node.index()];
                s.applied = 0;
                s.commit = 0;
                s.leading = None;
                Some(*node)
            }
            TraceEvent::TimerFired { node, .. } | TraceEvent::Commanded { node, .. } => Some(*node),
            TraceEvent::Delivered { to, .. } => Some(*to),
            TraceEvent::Noted {
                note: Note::Leader { node, term },
                ..
            } => {
                self.check_new_leader(*node, *term, seen.index, seen.nodes, out);
                None
            }
            _ => None,
        };
        if let Some(node) = touched {
            self.check_server(node, seen.index, seen.nodes, out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::common_prefix;

    #[test]
    fn common_prefix_of_chains() {
        assert_eq!(common_prefix(&[], &[1, 2]), 0);
        assert_eq!(common_prefix(&[1, 2, 3], &[1, 2, 3, 4]), 3);
        assert_eq!(common_prefix(&[1, 2, 3, 4], &[1, 2, 9, 9]), 2);
        assert_eq!(common_prefix(&[1, 2, 3], &[7, 8, 9]), 0);
        assert_eq!(common_prefix(&[1], &[1]), 1);
    }
}
