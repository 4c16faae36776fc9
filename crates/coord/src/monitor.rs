//! The Coordination lab's live checks, all in true time: what the engine knows and no node can.

use netsplit_sim::{
    Action, Link, Monitor, NodeId, Observation, Slot, Span, Time, TraceEvent, Violation,
};

use crate::history::History;
use crate::{CoordNode, Mode, Note, Params};

/// A lease as the monitor saw it begin: who, which token, when, and in what order.
#[derive(Clone, Copy, Debug)]
struct Acquired {
    client: NodeId,
    token: u64,
    at: Time,
    /// Its place among every lease acquired in the run.
    order: usize,
}

/// The newest leases the monitor remembers per client: a write still in flight belongs to one
/// of a client's last few.
const REMEMBERED: usize = 8;

/// Checks the lock service and the election after every event.
///
/// Lock modes:
/// - **One holder at a time**: at no instant do two clients believe, each by its own clock,
///   that they hold a lease.
/// - **Fenced writes**: the storage never accepts a write under a lease that has ended once it
///   has accepted a write under a later lease (Kleppmann 2016: the stale holder's write must
///   be refused).
/// - **Tokens only grow**: every write the storage accepts carries a token at least as high as
///   the last it accepted.
///
/// Bully:
/// - **One coordinator**: two nodes that are up and reach each other never both take
///   themselves for coordinator for longer than a message takes to tell one of them.
/// - **Highest live wins**: a node announces itself only if no higher node was up, unpaused
///   and reachable for the whole of its election; and once the cluster has been calm for long
///   enough, every node up follows the highest one up.
#[derive(Clone, Debug)]
pub struct CoordMonitor {
    params: Params,
    /// The slowest a message may take on the links in force.
    latency: Span,
    leases: Vec<Vec<Acquired>>,
    acquired: usize,
    /// The order of the latest lease under which the storage accepted a write.
    latest_written: Option<Acquired>,
    highest_accepted: u64,
    /// The pair of holders last reported, so one overlap is reported once.
    overlap_reported: Option<(u64, u64)>,
    /// When two coordinators that reach each other appeared, and whether it was reported.
    two_coordinators: Option<(Time, bool)>,
    /// Each node's side of the partition in force (all zero when there is none).
    side: Vec<u16>,
    /// Since when two or more nodes, reachable or not, take themselves for coordinator.
    split_since: Option<Time>,
    /// How long, in all, there were two or more coordinators; and how many times.
    split: (Span, u32),
    /// When each process last came up or resumed.
    steady_since: Vec<Time>,
    /// When each process last started an election.
    elects_since: Vec<Time>,
    /// Since when the network has been whole and lossless; `None` while it is not.
    reliable_since: Option<Time>,
    /// When anything last changed the cluster (a crash, a restart, a pause, the network).
    calm_since: Time,
    settled_reported: bool,
    /// The recent past in true time, for the view.
    history: History,
}

impl CoordMonitor {
    /// A monitor for a run with these parameters on these links.
    pub fn new(params: &Params, links: &Link) -> CoordMonitor {
        let nodes = params.nodes();
        CoordMonitor {
            params: *params,
            latency: links.latency_max,
            leases: vec![Vec::new(); nodes],
            acquired: 0,
            latest_written: None,
            highest_accepted: 0,
            overlap_reported: None,
            two_coordinators: None,
            side: vec![0; nodes],
            split_since: None,
            split: (Span(0), 0),
            steady_since: vec![Time::ZERO; nodes],
            elects_since: vec![Time::ZERO; nodes],
            reliable_since: (links.drop.ppm() == 0).then_some(Time::ZERO),
            calm_since: Time::ZERO,
            settled_reported: false,
            history: History::new(params),
        }
    }

    /// How long the cluster must be calm before every node must follow the highest: a watch
    /// (two heartbeats and a timeout), two elections, and the messages between.
    fn settle(&self) -> Span {
        let p = &self.params;
        p.heartbeat + p.heartbeat + p.heartbeat + p.election_timeout * 4 + self.latency * 4
    }

    fn lease(&self, client: NodeId, token: u64) -> Option<Acquired> {
        self.leases[client.index()]
            .iter()
            .rev()
            .find(|l| l.token == token)
            .copied()
    }

    /// Remembers `client`'s lease `token`, acquired at `now`, unless it is known already.
    fn acquire(&mut self, client: NodeId, token: u64, now: Time) {
        if self.lease(client, token).is_some() {
            return;
        }
        let lease = Acquired {
            client,
            token,
            at: now,
            order: self.acquired,
        };
        self.acquired += 1;
        let list = &mut self.leases[client.index()];
        if list.len() == REMEMBERED {
            list.remove(0);
        }
        list.push(lease);
    }

    fn observe_lock(&mut self, seen: &Observation<'_, CoordNode>, out: &mut Vec<Violation>) {
        let now = seen.now;
        if let TraceEvent::Noted { note, .. } = seen.event {
            match *note {
                Note::Holds { client, token, .. } => self.acquire(client, token, now),
                Note::Accepted { client, token } => self.accepted(seen, client, token, out),
                _ => {}
            }
        }
        // The first two clients that believe they hold the lock (no allocation: every event).
        let mut holders = [None; 2];
        for (i, slot) in seen.nodes.iter().enumerate() {
            let Some((token, end)) = believed(slot, now) else {
                continue;
            };
            let client = NodeId(i as u16);
            // A step's records come before its note that the client holds the lock.
            self.acquire(client, token, now);
            if let Some(free) = holders.iter_mut().find(|h| h.is_none()) {
                *free = Some((client, token, end));
            }
        }
        if let [Some(a), Some(b)] = holders {
            let pair = (a.1.min(b.1), a.1.max(b.1));
            if self.overlap_reported != Some(pair) {
                self.overlap_reported = Some(pair);
                let since = |c: NodeId, t: u64| self.lease(c, t).map_or(now, |l| l.at);
                out.push(Violation {
                    property: "One holder at a time".into(),
                    explanation: format!(
                        "at {now} both {} (token {}, acquired at {}, believes it holds until {}) \
                         and {} (token {}, acquired at {}, until {}) hold the lock, each by its \
                         own clock",
                        a.0,
                        a.1,
                        since(a.0, a.1),
                        a.2,
                        b.0,
                        b.1,
                        since(b.0, b.1),
                        b.2
                    ),
                    nodes: vec![a.0, b.0],
                    events: vec![seen.index],
                    indexes: vec![a.1, b.1],
                });
            }
        }
    }

    /// The storage accepted `client`'s write with `token`.
    fn accepted(
        &mut self,
        seen: &Observation<'_, CoordNode>,
        client: NodeId,
        token: u64,
        out: &mut Vec<Violation>,
    ) {
        let now = seen.now;
        if token < self.highest_accepted {
            out.push(Violation {
                property: "Tokens only grow".into(),
                explanation: format!(
                    "at {now} the storage accepted {client}'s write with token {token} after \
                     one with token {}",
                    self.highest_accepted
                ),
                nodes: vec![client, self.params.storage()],
                events: vec![seen.index],
                indexes: vec![token, self.highest_accepted],
            });
        }
        self.highest_accepted = self.highest_accepted.max(token);
        let Some(lease) = self.lease(client, token) else {
            return;
        };
        let still_held =
            believed(&seen.nodes[client.index()], now).is_some_and(|(t, _)| t == token);
        if let Some(later) = self.latest_written
            && later.order > lease.order
            && !still_held
        {
            out.push(Violation {
                property: "Fenced writes".into(),
                explanation: format!(
                    "at {now} the storage accepted {client}'s write with token {token} (lease \
                     acquired at {}, ended by now), after {}'s write under a later lease \
                     (token {}, acquired at {}): the stale holder overwrote its successor",
                    lease.at, later.client, later.token, later.at
                ),
                nodes: vec![client, later.client, self.params.storage()],
                events: vec![seen.index],
                indexes: vec![token, later.token],
            });
        }
        if self.latest_written.is_none_or(|l| lease.order > l.order) {
            self.latest_written = Some(lease);
        }
    }

    fn observe_bully(&mut self, seen: &Observation<'_, CoordNode>, out: &mut Vec<Violation>) {
        let now = seen.now;
        match seen.event {
            TraceEvent::Started { node } | TraceEvent::Resumed { node } => {
                self.steady_since[node.index()] = now;
                self.calm_since = now;
            }
            TraceEvent::Crashed { .. } | TraceEvent::Paused { .. } => self.calm_since = now,
            TraceEvent::NetworkChanged { change } => {
                self.calm_since = now;
                match change {
                    Action::Partition(partition) => {
                        self.reliable_since = None;
                        let rest = partition.0.len() as u16;
                        self.side = vec![rest; self.side.len()];
                        for (g, group) in partition.0.iter().enumerate() {
                            for node in group {
                                self.side[node.index()] = g as u16;
                            }
                        }
                    }
                    Action::Heal => {
                        self.reliable_since.get_or_insert(now);
                        self.side.fill(0);
                    }
                    Action::SetLinks(link) => {
                        self.latency = self.latency.max(link.latency_max);
                        if link.drop.ppm() > 0 {
                            self.reliable_since = None;
                        }
                    }
                    _ => self.reliable_since = None,
                }
            }
            TraceEvent::Noted { note, .. } => match *note {
                Note::Elects { node } => self.elects_since[node.index()] = now,
                Note::Coordinator { node } => self.announced(seen, node, out),
                _ => {}
            },
            _ => {}
        }
        self.settled(seen, out);
        let is_coordinator = |(i, slot): &(usize, &Slot<CoordNode>)| {
            slot.is_up() && coordinator_of(slot) == Some(NodeId(*i as u16))
        };
        let mut coordinators = seen.nodes.iter().enumerate().filter(is_coordinator);
        let split = coordinators.nth(1).is_some();
        match (split, self.split_since) {
            (true, None) => self.split_since = Some(now),
            (false, Some(since)) => {
                self.split = (self.split.0 + now.since(since), self.split.1 + 1);
                self.split_since = None;
            }
            _ => {}
        }
        // One coordinator among nodes that reach each other: on the same side of a partition.
        // (A paused process is still reachable: what is sent to it waits.) Listed only when
        // there are two: this runs after every event.
        let coordinators: Vec<NodeId> = if split {
            let all: Vec<NodeId> = seen
                .nodes
                .iter()
                .enumerate()
                .filter(is_coordinator)
                .map(|(i, _)| NodeId(i as u16))
                .collect();
            all.iter()
                .copied()
                .filter(|a| {
                    all.iter()
                        .any(|b| b != a && self.side[b.index()] == self.side[a.index()])
                })
                .collect()
        } else {
            Vec::new()
        };
        if coordinators.len() < 2 {
            self.two_coordinators = None;
            return;
        }
        let (since, reported) = *self.two_coordinators.get_or_insert((now, false));
        if !reported && now.since(since) > self.latency * 2 {
            self.two_coordinators = Some((since, true));
            out.push(Violation {
                property: "One coordinator".into(),
                explanation: format!(
                    "since {since} {} each take themselves for coordinator though they reach \
                     each other",
                    names(&coordinators)
                ),
                nodes: coordinators,
                events: vec![seen.index],
                indexes: Vec::new(),
            });
        }
    }

    /// `node` announced itself: no higher node may have been up, steady and reachable for the
    /// whole of its election (it would have answered within two message delays).
    fn announced(
        &mut self,
        seen: &Observation<'_, CoordNode>,
        node: NodeId,
        out: &mut Vec<Violation>,
    ) {
        let began = self.elects_since[node.index()];
        let reliable = self.reliable_since.is_some_and(|t| t <= began)
            && self.latency * 2 < self.params.election_timeout;
        if !reliable {
            return;
        }
        let higher: Vec<NodeId> = (node.index() + 1..seen.nodes.len())
            .filter(|&i| {
                let slot = &seen.nodes[i];
                slot.is_up() && slot.paused_until().is_none() && self.steady_since[i] <= began
            })
            .map(|i| NodeId(i as u16))
            .collect();
        if let Some(&above) = higher.last() {
            out.push(Violation {
                property: "Highest live wins".into(),
                explanation: format!(
                    "at {} {node} announced itself coordinator, though {above} was up and \
                     reachable for the whole of its election (from {began}) and would have \
                     answered",
                    seen.now
                ),
                nodes: vec![node, above],
                events: vec![seen.index],
                indexes: Vec::new(),
            });
        }
    }

    /// After a long calm on a reliable network, every node up follows the highest node up.
    fn settled(&mut self, seen: &Observation<'_, CoordNode>, out: &mut Vec<Violation>) {
        let now = seen.now;
        let calm_from = self.calm_since.max(self.reliable_since.unwrap_or(now));
        if self.reliable_since.is_none() || now.since(calm_from) <= self.settle() {
            self.settled_reported = false;
            return;
        }
        let Some(highest) = (0..seen.nodes.len())
            .rev()
            .find(|&i| seen.nodes[i].is_up())
            .map(|i| NodeId(i as u16))
        else {
            return;
        };
        let astray: Vec<NodeId> = seen
            .nodes
            .iter()
            .enumerate()
            .filter(|(_, slot)| slot.is_up() && coordinator_of(slot) != Some(highest))
            .map(|(i, _)| NodeId(i as u16))
            .collect();
        if !astray.is_empty() && !self.settled_reported {
            self.settled_reported = true;
            let mut nodes = astray.clone();
            nodes.push(highest);
            out.push(Violation {
                property: "Highest live wins".into(),
                explanation: format!(
                    "calm since {calm_from}, yet {} not follow {highest}, the highest node up",
                    if astray.len() == 1 {
                        format!("{} does", astray[0])
                    } else {
                        format!("{} do", names(&astray))
                    }
                ),
                nodes,
                events: vec![seen.index],
                indexes: Vec::new(),
            });
        }
    }
}

/// The lease a client up believes it holds at `now` by its own clock: its token, and when it
/// ends in true time if the clock keeps its rate.
pub(crate) fn believed(slot: &Slot<CoordNode>, now: Time) -> Option<(u64, Time)> {
    let CoordNode::Client(client) = slot.node() else {
        return None;
    };
    let lease = client.lease.filter(|_| slot.is_up())?;
    (slot.clock().at(now) < lease.until)
        .then(|| (lease.token, slot.clock().true_time_of(lease.until, now)))
}

fn coordinator_of(slot: &Slot<CoordNode>) -> Option<NodeId> {
    match slot.node() {
        CoordNode::Process(p) => p.coordinator,
        _ => None,
    }
}

fn names(nodes: &[NodeId]) -> String {
    let names: Vec<String> = nodes.iter().map(NodeId::to_string).collect();
    match names.split_last() {
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
        None => String::new(),
    }
}

impl CoordMonitor {
    /// The recent past in true time: leases held and believed, pauses, writes and elections.
    pub fn history(&self) -> &History {
        &self.history
    }

    /// How long, in all, two or more nodes took themselves for coordinator at once (split
    /// brain, whether or not they could reach each other), and how many times it began; a
    /// spell still going counts up to `now`.
    pub fn split_brain(&self, now: Time) -> (Span, u32) {
        match self.split_since {
            Some(since) => (self.split.0 + now.since(since), self.split.1 + 1),
            None => self.split,
        }
    }
}

impl Monitor<CoordNode> for CoordMonitor {
    fn observe(&mut self, seen: &Observation<'_, CoordNode>, out: &mut Vec<Violation>) {
        match self.params.mode {
            Mode::Lease | Mode::Redlock => {
                self.observe_lock(seen, out);
                self.history.observe_lock(seen);
            }
            Mode::Bully => {
                self.observe_bully(seen, out);
                self.history.observe_bully(seen);
            }
        }
    }

    fn footprint(&self) -> usize {
        std::mem::size_of_val(self)
            + self.leases.len() * REMEMBERED * std::mem::size_of::<Acquired>()
            + self.steady_since.len() * 2 * std::mem::size_of::<Time>()
            + self.history.footprint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Lease;
    use netsplit_sim::{Node, Partition, Slot};

    /// A monitor shown made-up worlds, one event at a time: what it reports, by property.
    struct World {
        monitor: CoordMonitor,
        nodes: Vec<CoordNode>,
        index: usize,
    }

    impl World {
        fn new(params: Params) -> World {
            let n = params.nodes();
            World {
                monitor: CoordMonitor::new(&params, &Link::default()),
                nodes: NodeId::all(n)
                    .map(|id| CoordNode::boot(&params, id, n, None))
                    .collect(),
                index: 0,
            }
        }

        fn see(&mut self, now: u64, event: TraceEvent<CoordNode>) -> Vec<String> {
            let slots: Vec<Slot<CoordNode>> = self
                .nodes
                .iter()
                .map(|n| Slot::new(n.clone(), true))
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

        fn hold(&mut self, client: u16, lease: Option<(u64, u64)>) {
            if let CoordNode::Client(c) = &mut self.nodes[usize::from(client)] {
                c.lease = lease.map(|(token, until)| Lease {
                    token,
                    until: Time(until),
                });
            }
        }

        fn coordinator(&mut self, node: u16, of: Option<u16>) {
            if let CoordNode::Process(p) = &mut self.nodes[usize::from(node)] {
                p.coordinator = of.map(NodeId);
            }
        }
    }

    fn holds(client: u16, token: u64) -> Note {
        Note::Holds {
            client: NodeId(client),
            token,
            until: Time(0),
            renewed: false,
        }
    }

    fn accepted(client: u16, token: u64) -> Note {
        Note::Accepted {
            client: NodeId(client),
            token,
        }
    }

    #[test]
    fn two_clients_that_each_believe_they_hold_the_lock_break_one_holder_and_one_does_not() {
        // Lease service: n0 server, n1 and n2 clients, n3 storage.
        let mut w = World::new(Params::default());
        w.hold(1, Some((1, 2000)));
        assert!(w.note(100, holds(1, 1)).is_empty());
        // The near miss: n1's lease ended by its clock at 2 s, then n2 takes the lock.
        w.hold(2, Some((2, 4000)));
        assert!(w.note(2000, holds(2, 2)).is_empty());
        // n1 believing again in a lease until 5 s overlaps n2's.
        w.hold(1, Some((3, 5000)));
        assert_eq!(w.note(2500, holds(1, 3)), ["One holder at a time"]);
    }

    #[test]
    fn a_stale_write_after_a_later_lease_wrote_breaks_fenced_writes_and_before_it_does_not() {
        let mut w = World::new(Params::default());
        w.hold(1, Some((1, 1000)));
        w.note(0, holds(1, 1));
        w.hold(1, None);
        w.hold(2, Some((2, 3000)));
        w.note(1500, holds(2, 2));
        // The near miss: n1's lease has ended, but no later lease has written yet.
        assert!(w.note(1600, accepted(1, 1)).is_empty());
        assert!(w.note(1700, accepted(2, 2)).is_empty());
        // Again after n2 wrote: the stale holder overwrites its successor.
        assert_eq!(
            w.note(1800, accepted(1, 1)),
            ["Tokens only grow", "Fenced writes"]
        );
    }

    #[test]
    fn a_lower_token_accepted_breaks_tokens_only_grow_and_the_same_token_does_not() {
        let mut w = World::new(Params::default());
        w.hold(1, Some((5, 9000)));
        w.note(0, holds(1, 5));
        assert!(w.note(10, accepted(1, 5)).is_empty());
        assert!(w.note(20, accepted(1, 5)).is_empty());
        assert_eq!(w.note(30, accepted(2, 4)), ["Tokens only grow"]);
    }

    fn bully() -> World {
        World::new(Params {
            mode: Mode::Bully,
            processes: 3,
            ..Params::default()
        })
    }

    #[test]
    fn two_coordinators_that_reach_each_other_past_a_message_delay_break_one_coordinator() {
        let mut w = bully();
        w.coordinator(2, Some(2));
        w.coordinator(1, Some(1));
        // Within two message delays (2 × 80 ms) one of them may not have heard yet.
        assert!(
            w.see(1000, TraceEvent::Started { node: NodeId(0) })
                .is_empty()
        );
        assert!(
            w.see(1100, TraceEvent::Started { node: NodeId(0) })
                .is_empty()
        );
        assert_eq!(
            w.see(1200, TraceEvent::Started { node: NodeId(0) }),
            ["One coordinator"]
        );
    }

    #[test]
    fn two_coordinators_on_either_side_of_a_partition_are_not_one_coordinator_broken() {
        let mut w = bully();
        let split = Action::Partition(Partition(vec![vec![NodeId(1)]]));
        w.see(0, TraceEvent::NetworkChanged { change: split });
        w.coordinator(2, Some(2));
        w.coordinator(1, Some(1));
        for t in [1000, 2000, 3000] {
            assert!(w.see(t, TraceEvent::Started { node: NodeId(0) }).is_empty());
        }
        assert_eq!(w.monitor.split_brain(Time(3000)).1, 1);
    }

    #[test]
    fn announcing_with_a_higher_node_up_all_along_breaks_highest_live_wins_not_after_its_restart() {
        let mut w = bully();
        w.note(100, Note::Elects { node: NodeId(0) });
        // The near miss: n2 restarted after n0's election began, so it need not have answered.
        let mut quiet = bully();
        quiet.note(100, Note::Elects { node: NodeId(0) });
        quiet.see(200, TraceEvent::Started { node: NodeId(2) });
        quiet.see(200, TraceEvent::Started { node: NodeId(1) });
        assert!(
            quiet
                .note(600, Note::Coordinator { node: NodeId(0) })
                .is_empty()
        );
        // n1 and n2 were up since the start: one of them would have answered.
        assert_eq!(
            w.note(600, Note::Coordinator { node: NodeId(0) }),
            ["Highest live wins"]
        );
    }
}
