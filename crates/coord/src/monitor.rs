//! The Coordination lab's live checks, all in true time: what the engine knows and no node can.

use netsplit_sim::{
    Action, Link, Monitor, NodeId, Observation, Slot, Span, Time, TraceEvent, Violation,
};

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
fn believed(slot: &Slot<CoordNode>, now: Time) -> Option<(u64, Time)> {
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
            Mode::Lease | Mode::Redlock => self.observe_lock(seen, out),
            Mode::Bully => self.observe_bully(seen, out),
        }
    }

    fn footprint(&self) -> usize {
        std::mem::size_of_val(self)
            + self.leases.len() * REMEMBERED * std::mem::size_of::<Acquired>()
            + self.steady_since.len() * 2 * std::mem::size_of::<Time>()
    }
}
