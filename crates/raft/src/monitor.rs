//! The five safety properties of the paper's Figure 3, one vote per term (§5.2) and durable
//! commits (§5.3), checked after every event.

use netsplit_sim::{Monitor, NodeId, Observation, Slot, TraceEvent, Violation, fnv1a};
use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;

use crate::{Entry, Msg, Note, RaftNode, Role};

/// What the monitor last saw of one server.
#[derive(Clone, Debug, Default)]
struct Seen {
    chain: Vec<u64>,
    applied: u64,
    commit: u64,
    /// The term in which the server was last seen leading.
    leading: Option<u64>,
}

/// An entry as the monitor knows it: the entry, the chain hash of the log up to it, and the
/// first server seen holding it.
#[derive(Clone, Copy, Debug)]
struct Known {
    entry: Entry,
    chain: u64,
    holder: NodeId,
}

/// A committed index: its entry, and the term in which it was first seen committed (the
/// committing leader's term), which is what Leader Completeness is keyed by.
#[derive(Clone, Copy, Debug)]
struct Commit {
    known: Known,
    term: u64,
}

/// Checks, after every event:
///
/// - **Election Safety**: at most one leader can be elected in a given term (§5.2).
/// - **Leader Append-Only**: a leader never overwrites or deletes entries in its log (§5.3).
/// - **Log Matching**: if two logs contain an entry with the same index and term, the logs are
///   identical in all entries up through that index (§5.3).
/// - **Leader Completeness**: an entry committed in a term is present in the logs of the
///   leaders of all higher terms (§5.4). Checked when a leader is elected, against what was
///   committed in earlier terms, and again at every new commit, against the leaders of later
///   terms elected before it.
/// - **State Machine Safety**: no two servers apply different entries at the same index
///   (§5.4.3), and what each server's state machine holds is what applying the entries at
///   indexes 1 to its lastApplied, in order, gives.
/// - **One Vote per Term**: a server votes for at most one candidate in a term (§5.2): read
///   from the granted votes and vote requests on the wire, a candidate voting for itself.
/// - **Durable Commits**: an index, once committed, keeps its entry on every server that has
///   committed it (§5.3).
///
/// Logs are compared through each log's hash chain, so a check costs only what changed since
/// the last event at that server.
#[derive(Clone, Debug)]
pub struct RaftMonitor {
    seen: Vec<Seen>,
    leaders: BTreeMap<u64, NodeId>,
    /// Each leader's log when it was elected: a leader only appends entries of its own term,
    /// so an entry committed in an earlier term must be in it. Shared, since the monitor is
    /// cloned into every checkpoint.
    elected_with: BTreeMap<u64, Rc<[Entry]>>,
    /// (index, term) → the first holder's chain there, for Log Matching.
    entries: BTreeMap<(u64, u64), Known>,
    committed: BTreeMap<u64, Commit>,
    /// The first entry applied at each index.
    applied: BTreeMap<u64, Known>,
    /// The state machine as the first applied entries make it, and its digest after each
    /// index: `machine[i]` after indexes 1 to i.
    reference: BTreeMap<char, u32>,
    machine: Vec<u64>,
    /// (term, voter) → the candidate it voted for.
    votes: BTreeMap<(u64, NodeId), NodeId>,
    reported: BTreeSet<(&'static str, u64)>,
}

impl RaftMonitor {
    /// A monitor for `nodes` servers.
    pub fn new(nodes: usize) -> RaftMonitor {
        RaftMonitor {
            seen: vec![Seen::default(); nodes],
            leaders: BTreeMap::new(),
            elected_with: BTreeMap::new(),
            entries: BTreeMap::new(),
            committed: BTreeMap::new(),
            applied: BTreeMap::new(),
            reference: BTreeMap::new(),
            machine: vec![digest(&BTreeMap::new())],
            votes: BTreeMap::new(),
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
        let (seen_len, from_commit, from_applied) = (seen.chain.len(), seen.commit, seen.applied);

        // Leader Append-Only: while leading one term, the log only grows.
        if node.role() == Role::Leader && seen.leading == Some(node.term()) && unchanged < seen_len
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
                entry: *entry,
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

        let known_at = |index: u64| {
            Some(Known {
                entry: *log.get(index)?,
                chain: *chain.get(index as usize - 1)?,
                holder: id,
            })
        };

        // What is committed here for the first time anywhere, committed in this server's term.
        for index in from_commit + 1..=node.commit_index() {
            if self.committed.contains_key(&index) {
                continue;
            }
            let Some(known) = known_at(index) else {
                continue;
            };
            let commit = Commit {
                known,
                term: node.term(),
            };
            self.committed.insert(index, commit);
            self.check_later_leaders(index, commit, event, out);
        }

        // Durable Commits: the chain at the commit index covers every committed index below.
        let commit = node.commit_index();
        if commit > 0
            && let Some(reference) = self.committed.get(&commit)
            && chain.get(commit as usize - 1) != Some(&reference.known.chain)
        {
            let index = (1..=commit)
                .find(|&i| {
                    let reference = self.committed.get(&i).map(|c| c.known.entry);
                    log.get(i).copied() != reference
                })
                .unwrap_or(commit);
            let first = self
                .committed
                .get(&index)
                .map_or(reference.known, |c| c.known);
            self.report(out, "Durable Commits", index, || Violation {
                property: String::new(),
                explanation: format!(
                    "{id} has committed up to index {commit}, but its entry at index {index} is not the one {} committed there ({})",
                    first.holder,
                    describe(first.entry)
                ),
                nodes: vec![id, first.holder],
                events: vec![event],
                indexes: vec![index],
            });
        }

        // State Machine Safety: one entry per applied index, ever.
        for index in from_applied + 1..=node.last_applied() {
            let Some(mine) = known_at(index) else {
                continue;
            };
            let first = *self.applied.entry(index).or_insert(mine);
            if first.entry != mine.entry {
                let other = first.holder;
                self.report(out, "State Machine Safety", index, || Violation {
                    property: String::new(),
                    explanation: format!(
                        "{id} applied {} at index {index}, but {other} applied {} there",
                        describe(mine.entry),
                        describe(first.entry)
                    ),
                    nodes: vec![id, other],
                    events: vec![event],
                    indexes: vec![index],
                });
            }
        }
        while let Some(next) = self.applied.get(&(self.machine.len() as u64)) {
            self.reference
                .insert(next.entry.op.key, next.entry.op.value);
            self.machine.push(digest(&self.reference));
        }
        // ... and the state machine holds what those entries make.
        let applied = node.last_applied();
        if let Some(&expected) = self.machine.get(applied as usize)
            && digest(node.state()) != expected
        {
            self.report(out, "State Machine Safety", applied, || Violation {
                property: String::new(),
                explanation: format!(
                    "{id}'s state machine does not hold what applying the entries at indexes 1 to {applied} in order gives"
                ),
                nodes: vec![id],
                events: vec![event],
                indexes: vec![applied],
            });
        }

        let seen = &mut self.seen[id.index()];
        if unchanged != chain.len() || unchanged != seen.chain.len() {
            seen.chain = chain.to_vec();
        }
        seen.commit = node.commit_index();
        seen.applied = node.last_applied();
        seen.leading = (node.role() == Role::Leader).then_some(node.term());
    }

    /// Leader Completeness for an index committed just now: every leader of a later term,
    /// elected before this commit, must have held the entry.
    fn check_later_leaders(
        &mut self,
        index: u64,
        commit: Commit,
        event: usize,
        out: &mut Vec<Violation>,
    ) {
        let lacking = self
            .elected_with
            .range(commit.term + 1..)
            .find(|(_, log)| log.get(index as usize - 1) != Some(&commit.known.entry))
            .map(|(&term, _)| term);
        if let Some(term) = lacking {
            let leader = self.leaders[&term];
            self.report(out, "Leader Completeness", term, || Violation {
                property: String::new(),
                explanation: format!(
                    "{} committed {} at index {index} in term {}, but {leader}, leader of the later term {term}, was elected without it",
                    commit.known.holder,
                    describe(commit.known.entry),
                    commit.term
                ),
                nodes: vec![leader, commit.known.holder],
                events: vec![event],
                indexes: vec![index],
            });
        }
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
        let log = nodes[id.index()].node().log();
        self.elected_with
            .entry(term)
            .or_insert_with(|| log.entries().into());
        let missing = self
            .committed
            .iter()
            .find(|&(&index, c)| c.term < term && log.get(index) != Some(&c.known.entry))
            .map(|(&index, &c)| (index, c));
        if let Some((index, c)) = missing {
            self.report(out, "Leader Completeness", term, || Violation {
                property: String::new(),
                explanation: format!(
                    "{id} became leader of term {term} without {} committed at index {index} in term {} (first committed by {})",
                    describe(c.known.entry),
                    c.term,
                    c.known.holder
                ),
                nodes: vec![id, c.known.holder],
                events: vec![event],
                indexes: vec![index],
            });
        }
    }

    /// A vote on the wire: `voter` votes for `candidate` in `term`.
    fn check_vote(
        &mut self,
        term: u64,
        voter: NodeId,
        candidate: NodeId,
        event: usize,
        out: &mut Vec<Violation>,
    ) {
        let first = *self.votes.entry((term, voter)).or_insert(candidate);
        if first != candidate {
            let key = term * self.seen.len() as u64 + voter.index() as u64;
            self.report(out, "One Vote per Term", key, || Violation {
                property: String::new(),
                explanation: format!(
                    "{voter} voted for {first} and then for {candidate} in term {term}"
                ),
                nodes: vec![voter, first, candidate],
                events: vec![event],
                indexes: Vec::new(),
            });
        }
    }
}

/// "the entry x=3 of term 2".
fn describe(entry: Entry) -> String {
    format!("the entry {} of term {}", entry.op, entry.term)
}

/// A digest of a state machine's contents.
fn digest(state: &BTreeMap<char, u32>) -> u64 {
    state.iter().fold(0, |hash, (&key, &value)| {
        let mut bytes = [0; 16];
        bytes[..8].copy_from_slice(&hash.to_le_bytes());
        bytes[8..12].copy_from_slice(&u32::from(key).to_le_bytes());
        bytes[12..].copy_from_slice(&value.to_le_bytes());
        fnv1a(&bytes)
    })
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
    /// The logs leaders were elected with are shared with the checkpoints, and not counted.
    fn footprint(&self) -> usize {
        use netsplit_sim::{map_bytes, set_bytes};
        std::mem::size_of_val(self)
            + std::mem::size_of_val(self.seen.as_slice())
            + map_bytes(&self.leaders)
            + map_bytes(&self.elected_with)
            + map_bytes(&self.entries)
            + map_bytes(&self.committed)
            + map_bytes(&self.applied)
            + map_bytes(&self.reference)
            + std::mem::size_of_val(self.machine.as_slice())
            + map_bytes(&self.votes)
            + set_bytes(&self.reported)
    }

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
            TraceEvent::Sent { from, to, msg, .. } => {
                match **msg {
                    Msg::RequestVote { term, .. } => {
                        self.check_vote(term, *from, *from, seen.index, out);
                    }
                    Msg::Vote {
                        term,
                        granted: true,
                    } => self.check_vote(term, *from, *to, seen.index, out),
                    _ => {}
                }
                None
            }
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
    //! Made-up worlds shown to the monitor, one per property, so that each check is seen to
    //! fire on exactly the case it names, and to stay quiet on its near miss.

    use super::*;
    use crate::{Log, Op, Params, Timer};
    use netsplit_sim::{MsgId, Node, Time};

    fn entry(term: u64, key: char, value: u32) -> Entry {
        Entry {
            term,
            op: Op { key, value },
        }
    }

    /// Servers whose state a test sets by hand, and the monitor watching them.
    struct World {
        servers: Vec<RaftNode>,
        monitor: RaftMonitor,
        /// A weakened copy of one check, shown the same moments.
        weakened: CompletenessAtElectionsOnly,
        index: usize,
    }

    impl World {
        fn new(n: usize) -> World {
            World {
                servers: NodeId::all(n)
                    .map(|id| RaftNode::boot(&Params::default(), id, n, None))
                    .collect(),
                monitor: RaftMonitor::new(n),
                weakened: CompletenessAtElectionsOnly::default(),
                index: 0,
            }
        }

        /// Server `id` in `term` and `role`, holding `entries`, committed and applied to
        /// `commit`, its state machine as those entries make it.
        fn set(&mut self, id: u16, term: u64, role: Role, entries: &[Entry], commit: u64) {
            let s = &mut self.servers[id as usize];
            s.term = term;
            s.role = role;
            s.log = Log::default();
            for e in entries {
                s.log.append(*e);
            }
            s.commit_index = commit;
            s.last_applied = commit;
            s.state = entries[..commit as usize]
                .iter()
                .map(|e| (e.op.key, e.op.value))
                .collect();
        }

        /// The properties the monitor finds broken by `event`.
        fn see(&mut self, event: TraceEvent<RaftNode>) -> Vec<String> {
            let nodes: Vec<Slot<RaftNode>> = self
                .servers
                .iter()
                .map(|s| Slot::new(s.clone(), true))
                .collect();
            let seen = Observation {
                now: Time::ZERO,
                index: self.index,
                event: &event,
                nodes: &nodes,
            };
            let mut out = Vec::new();
            self.monitor.observe(&seen, &mut out);
            self.weakened.observe(&seen);
            self.index += 1;
            out.into_iter().map(|v| v.property).collect()
        }

        /// Server `id` handled something (a timer fired).
        fn touch(&mut self, id: u16) -> Vec<String> {
            self.see(TraceEvent::TimerFired {
                node: NodeId(id),
                timer: Timer::Election,
            })
        }

        fn elected(&mut self, id: u16, term: u64) -> Vec<String> {
            self.see(TraceEvent::Noted {
                node: NodeId(id),
                note: Note::Leader {
                    node: NodeId(id),
                    term,
                },
            })
        }

        fn sends(&mut self, from: u16, to: u16, msg: Msg) -> Vec<String> {
            let id = MsgId(self.index as u64);
            self.see(TraceEvent::Sent {
                id,
                from: NodeId(from),
                to: NodeId(to),
                msg: Rc::new(msg),
                deliver_at: Time(1),
                copy_of: None,
            })
        }
    }

    const NONE: &[String] = &[];

    /// §5.2, Election Safety.
    #[test]
    fn two_leaders_of_one_term_break_election_safety() {
        let mut w = World::new(3);
        assert_eq!(w.elected(0, 2), NONE);
        assert_eq!(
            w.elected(0, 2),
            NONE,
            "the same leader noted twice is one leader"
        );
        assert_eq!(w.elected(1, 3), NONE, "a leader of another term");
        assert_eq!(w.elected(2, 2), ["Election Safety"]);
    }

    /// §5.3, Leader Append-Only.
    #[test]
    fn a_leader_that_drops_an_entry_breaks_leader_append_only() {
        let mut w = World::new(3);
        let (a, b) = (entry(1, 'x', 1), entry(2, 'y', 2));
        w.set(0, 2, Role::Leader, &[a, b], 0);
        assert_eq!(w.touch(0), NONE);
        w.set(0, 2, Role::Leader, &[a, b, entry(2, 'z', 3)], 0);
        assert_eq!(w.touch(0), NONE, "a leader appends");
        w.set(0, 3, Role::Follower, &[a], 0);
        assert_eq!(w.touch(0), NONE, "a follower's log may be cut back");
        w.set(0, 4, Role::Leader, &[a, b], 0);
        assert_eq!(w.touch(0), NONE);
        w.set(0, 4, Role::Leader, &[a, entry(4, 'y', 9)], 0);
        assert_eq!(w.touch(0), ["Leader Append-Only"]);
    }

    /// §5.3, Log Matching.
    #[test]
    fn one_index_and_term_over_different_histories_breaks_log_matching() {
        let mut w = World::new(3);
        w.set(
            0,
            2,
            Role::Follower,
            &[entry(1, 'x', 1), entry(2, 'y', 2)],
            0,
        );
        assert_eq!(w.touch(0), NONE);
        w.set(
            1,
            3,
            Role::Follower,
            &[entry(1, 'x', 1), entry(3, 'z', 3)],
            0,
        );
        assert_eq!(
            w.touch(1),
            NONE,
            "the same index in another term is a conflict, not a break"
        );
        // Index 2 in term 2 as on n0, but a different entry before it.
        w.set(
            2,
            2,
            Role::Follower,
            &[entry(2, 'x', 7), entry(2, 'y', 2)],
            0,
        );
        assert_eq!(w.touch(2), ["Log Matching"]);
    }

    /// §5.4, Leader Completeness, checked when the leader is elected.
    #[test]
    fn a_leader_elected_without_an_earlier_commit_breaks_leader_completeness() {
        let mut w = World::new(3);
        let a = entry(1, 'x', 1);
        w.set(0, 1, Role::Leader, &[a], 1);
        assert_eq!(w.touch(0), NONE);
        w.set(1, 2, Role::Leader, &[a], 0);
        assert_eq!(
            w.elected(1, 2),
            NONE,
            "the new leader holds the committed entry"
        );
        w.set(2, 3, Role::Leader, &[entry(3, 'y', 2)], 0);
        assert_eq!(w.elected(2, 3), ["Leader Completeness"]);
    }

    /// The world in which an entry is committed after a leader of a later term was elected
    /// without it: the old leader of term 1 still reaches a majority that has not yet heard
    /// of term 2.
    fn committed_after_a_later_election(w: &mut World) -> Vec<String> {
        let a = entry(1, 'x', 1);
        w.set(0, 1, Role::Leader, &[a], 0);
        assert_eq!(w.touch(0), NONE);
        w.set(2, 2, Role::Leader, &[], 0);
        assert_eq!(w.elected(2, 2), NONE, "nothing is committed yet");
        w.set(0, 1, Role::Leader, &[a], 1);
        w.touch(0)
    }

    /// §5.4, Leader Completeness, checked again at every commit.
    #[test]
    fn an_entry_committed_after_a_later_leader_was_elected_without_it_breaks_leader_completeness() {
        let mut w = World::new(3);
        assert_eq!(
            committed_after_a_later_election(&mut w),
            ["Leader Completeness"]
        );
    }

    /// The check as it was before it was made whole: Leader Completeness only when a leader is
    /// elected. It misses the world above; the monitor does not.
    #[derive(Default)]
    struct CompletenessAtElectionsOnly {
        committed: BTreeMap<u64, (Entry, u64)>,
        found: bool,
    }

    impl CompletenessAtElectionsOnly {
        fn observe(&mut self, seen: &Observation<'_, RaftNode>) {
            for slot in seen.nodes {
                let node = slot.node();
                for index in 1..=node.commit_index() {
                    let entry = *node.log().get(index).unwrap();
                    self.committed.entry(index).or_insert((entry, node.term()));
                }
            }
            if let TraceEvent::Noted {
                note: Note::Leader { node, term },
                ..
            } = seen.event
            {
                let log = seen.nodes[node.index()].node().log();
                self.found |= self
                    .committed
                    .iter()
                    .any(|(&i, &(e, t))| t < *term && log.get(i) != Some(&e));
            }
        }
    }

    #[test]
    fn completeness_checked_only_at_elections_misses_what_the_monitor_catches() {
        let mut w = World::new(3);
        assert_eq!(
            committed_after_a_later_election(&mut w),
            ["Leader Completeness"]
        );
        assert!(!w.weakened.found, "the weakened check saw nothing");
        // It does see a leader elected after the commit.
        w.set(1, 3, Role::Leader, &[], 0);
        w.elected(1, 3);
        assert!(w.weakened.found);
    }

    /// §5.3: committed entries are durable.
    #[test]
    fn a_committed_entry_replaced_breaks_durable_commits() {
        let mut w = World::new(3);
        let (a, b) = (entry(1, 'x', 1), entry(1, 'y', 2));
        w.set(0, 1, Role::Leader, &[a, b], 2);
        assert_eq!(w.touch(0), NONE);
        w.set(1, 2, Role::Follower, &[a, entry(2, 'y', 5)], 1);
        assert_eq!(
            w.touch(1),
            NONE,
            "only index 1 is committed here; index 2 may differ"
        );
        w.set(1, 2, Role::Follower, &[a, b], 2);
        assert_eq!(w.touch(1), NONE);
        // The log changes under the commit index, which stays put.
        let s = &mut w.servers[1];
        s.log.truncate_from(2);
        s.log.append(entry(2, 'y', 5));
        assert_eq!(w.touch(1), ["Durable Commits"]);
    }

    /// §5.4.3, State Machine Safety: the entries applied.
    #[test]
    fn two_servers_applying_different_entries_break_state_machine_safety() {
        let mut w = World::new(3);
        w.set(0, 1, Role::Follower, &[entry(1, 'x', 1)], 1);
        assert_eq!(w.touch(0), NONE);
        w.set(1, 1, Role::Follower, &[entry(1, 'x', 1)], 1);
        assert_eq!(w.touch(1), NONE);
        w.set(2, 2, Role::Follower, &[entry(2, 'x', 9)], 1);
        let found = w.touch(2);
        assert!(
            found.contains(&"State Machine Safety".to_string()),
            "{found:?}"
        );
    }

    /// §5.4.3, State Machine Safety: what the state machine holds.
    #[test]
    fn a_state_machine_that_skips_an_entry_breaks_state_machine_safety() {
        let mut w = World::new(3);
        let entries = [entry(1, 'x', 1), entry(1, 'x', 2)];
        w.set(0, 1, Role::Follower, &entries, 2);
        assert_eq!(w.touch(0), NONE);
        w.set(1, 1, Role::Follower, &entries, 2);
        w.servers[1].state.insert('x', 1);
        assert_eq!(w.touch(1), ["State Machine Safety"]);
        // A restarted server starts from an empty state machine and nothing applied.
        w.set(2, 1, Role::Follower, &entries, 0);
        assert_eq!(w.see(TraceEvent::Started { node: NodeId(2) }), NONE);
    }

    /// §5.2: each server votes for at most one candidate in a term.
    #[test]
    fn two_votes_in_one_term_break_one_vote_per_term() {
        let mut w = World::new(3);
        let granted = |term| Msg::Vote {
            term,
            granted: true,
        };
        let request = |term| Msg::RequestVote {
            term,
            last_log_index: 0,
            last_log_term: 0,
        };
        assert_eq!(w.sends(1, 0, request(2)), NONE, "n1 votes for itself");
        assert_eq!(w.sends(2, 1, granted(2)), NONE);
        assert_eq!(w.sends(2, 1, granted(2)), NONE, "the same vote again");
        assert_eq!(
            w.sends(
                2,
                0,
                Msg::Vote {
                    term: 2,
                    granted: false
                }
            ),
            NONE,
            "a refusal"
        );
        assert_eq!(w.sends(2, 0, granted(3)), NONE, "a vote in the next term");
        assert_eq!(
            w.sends(1, 0, granted(2)),
            ["One Vote per Term"],
            "n1 stood in term 2"
        );
        assert_eq!(w.sends(2, 0, granted(2)), ["One Vote per Term"]);
    }

    #[test]
    fn common_prefix_of_chains() {
        assert_eq!(common_prefix(&[], &[1, 2]), 0);
        assert_eq!(common_prefix(&[1, 2, 3], &[1, 2, 3, 4]), 3);
        assert_eq!(common_prefix(&[1, 2, 3, 4], &[1, 2, 9, 9]), 2);
        assert_eq!(common_prefix(&[1, 2, 3], &[7, 8, 9]), 0);
        assert_eq!(common_prefix(&[1], &[1]), 1);
    }
}
