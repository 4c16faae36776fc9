//! The Coordination lab: what it checks, its settings, its findings and how it is fuzzed.

use netsplit_sim::lab::{
    About, Finding, Knob, NetworkLab, Preset, named, named_bug, over, provoke, whole_number,
    with_copies,
};
use netsplit_sim::{
    Action, FaultPlan, Link, NoCommand, NodeId, Record, Rng, Slot, Span, Strike, Time, Timed,
    TraceEvent, random_crashes, random_faults,
};

use crate::{Bug, CoordMonitor, CoordNode, CoordScenario, CoordSim, Mode, Msg, Note, Params};

/// The Coordination lab.
pub struct CoordLab;

/// When faults stop in a fuzz run; the rest of the run is calm.
pub const FAULTS_UNTIL: Time = Time(20_000);
/// How long a fuzz run lasts.
pub const FUZZ_DURATION: Span = Span::secs(30);

impl NetworkLab for CoordLab {
    const ABOUT: About = About {
        slug: "coordination",
        title: "Coordination",
        summary: "Locks with leases and fencing tokens, Redlock, and Bully election: a timeout \
                  is not a failure detector, so whoever holds a lock or leads must be fenced.",
        tag: 6,
        version: 1,
    };
    const PROPERTIES: &'static [(&'static str, &'static str)] = &[
        (
            "One holder at a time",
            "At no instant do two clients believe, each by its own clock, that they hold the lock.",
        ),
        (
            "Fenced writes",
            "The storage accepts no write under an ended lease once a later lease has written.",
        ),
        (
            "Tokens only grow",
            "Every write the storage accepts carries a token at least as high as the last.",
        ),
        (
            "One coordinator",
            "Two nodes that reach each other never both stay coordinator.",
        ),
        (
            "Highest live wins",
            "Only a node with no higher node up becomes coordinator, and in calm every node follows the highest.",
        ),
    ];
    type Node = CoordNode;
    type Monitor = CoordMonitor;
    type Params = Params;

    /// The first three are the lock modes', the last two Bully's.
    fn checks(params: &Params) -> &'static [(&'static str, &'static str)] {
        let (locks, election) = Self::PROPERTIES.split_at(3);
        match params.mode {
            Mode::Lease | Mode::Redlock => locks,
            Mode::Bully => election,
        }
    }

    fn nodes(params: &Params) -> usize {
        params.nodes()
    }

    fn validate_params(params: &Params) -> Result<(), String> {
        params.validate()?;
        if let Some(bug) = params.bug
            && !bug.modes().contains(&params.mode)
        {
            return Err(format!(
                "the bug {} does nothing in {} mode",
                bug.name(),
                params.mode.name()
            ));
        }
        Ok(())
    }

    fn build(params: &Params, links: Link, seed: u64) -> CoordSim {
        params.build(links, seed)
    }

    fn set_param(params: &mut Params, key: &str, value: &str) -> Result<(), String> {
        let ms = |value: &str| whole_number(key, value).map(Span);
        match key {
            "mode" => params.mode = named("mode", value, &Mode::ALL, Mode::name)?,
            "bug" => params.bug = named_bug(value, &Bug::ALL, Bug::name)?,
            "servers" => params.servers = whole_number(key, value)? as usize,
            "clients" => params.clients = whole_number(key, value)? as usize,
            "processes" => params.processes = whole_number(key, value)? as usize,
            "ttl" => params.ttl = ms(value)?,
            "work" => params.work = ms(value)?,
            "drift_allowance" => params.drift_allowance = whole_number(key, value)? as u32,
            "durable" => {
                params.durable = match value.trim() {
                    "true" | "yes" | "1" => true,
                    "false" | "no" | "0" => false,
                    _ => return Err(format!("durable is true or false, not \"{value}\"")),
                }
            }
            "election_timeout" => params.election_timeout = ms(value)?,
            "heartbeat" => params.heartbeat = ms(value)?,
            _ => {
                return Err(format!(
                    "Coordination has no setting \"{key}\"; the settings are mode, servers, \
                     clients, processes, ttl, work, drift_allowance, durable, election_timeout, \
                     heartbeat and bug"
                ));
            }
        }
        Ok(())
    }

    /// Lock modes: a refused client tries again within a sixteenth of the TTL, and each try
    /// asks every server and hears back, a delivery each way and a timer: ten tries a TTL at
    /// most, as measured under contention, with a lease's work, write, renewals and release
    /// among them; an action sets off one more try. Bully: each heartbeat reaches every other
    /// process; the start and each crash, restart or pause set off elections in which every
    /// node may ask every higher one, be answered, and take the election over.
    fn expected_events(s: &CoordScenario) -> u64 {
        let p = &s.params;
        let disturbances = s.actions_taken() + 1;
        let events = match p.mode {
            Mode::Bully => {
                let n = p.processes as u64;
                // A hasty node's announcement sets off an election in every node above it.
                let storm = if p.bug == Some(Bug::HastyCoordinator) {
                    n * n * n * n
                } else {
                    n * n * n + n * n
                };
                // On links slower than the timeout allows, every node in turn hears from no
                // one in time, takes itself for coordinator and sends heartbeats to all.
                let steady = if s.links.latency_max * 2 < p.election_timeout {
                    over(s.duration, n, p.heartbeat)
                } else {
                    over(s.duration, n * n + n, p.heartbeat)
                        + over(s.duration, n * n, p.election_timeout)
                };
                steady + disturbances * storm
            }
            Mode::Lease | Mode::Redlock => {
                let try_cost = 2 * p.lock_servers() as u64 + 2;
                let per_client = over(s.duration, 10 * try_cost, p.ttl);
                per_client * p.clients as u64 + disturbances * (try_cost + 4)
            }
        };
        with_copies(events, &s.links)
    }

    fn knobs() -> Vec<Knob<Params>> {
        vec![
            Knob::period("ttl", Params::TTL_MS, |p| p.ttl.0),
            Knob::period("heartbeat", Params::HEARTBEAT_MS, |p| p.heartbeat.0),
            Knob::count("clients", Params::CLIENTS, |p| p.clients as u64),
            Knob::count("servers", Params::SERVERS, |p| p.servers as u64),
            Knob::count("processes", Params::PROCESSES, |p| p.processes as u64),
        ]
    }

    fn bug(params: &Params) -> Option<&'static str> {
        params.bug.map(Bug::name)
    }

    fn findings(sim: &CoordSim) -> Vec<Finding> {
        let params = sim.config();
        match params.mode {
            Mode::Bully => vec![elections(sim)],
            Mode::Lease | Mode::Redlock => vec![writes(sim, params)],
        }
    }

    fn presets() -> Vec<Preset<CoordScenario>> {
        crate::presets::presets()
    }

    fn fuzz_params() -> Params {
        Params::default()
    }

    /// The most clients and servers with the shortest leases; the most processes with the
    /// fastest heartbeat.
    fn heaviest_params() -> Vec<Params> {
        let lock = Params {
            mode: Mode::Redlock,
            servers: *Params::SERVERS.end(),
            clients: *Params::CLIENTS.end(),
            ttl: Span(*Params::TTL_MS.start()),
            work: Span(*Params::WORK_MS.start()),
            ..Params::default()
        };
        let bully = Params {
            mode: Mode::Bully,
            processes: *Params::PROCESSES.end(),
            heartbeat: Span(*Params::HEARTBEAT_MS.start()),
            election_timeout: Span(*Params::ELECTION_TIMEOUT_MS.start()),
            ..Params::default()
        };
        vec![
            Params {
                mode: Mode::Lease,
                ..lock
            },
            lock,
            bully,
        ]
    }

    /// Lock modes: every clock runs fast or slow by half the drift allowance, links take 1 to
    /// 5 ms,
    /// and random crashes, partitions, cuts, loss and duplication run until [`FAULTS_UNTIL`],
    /// with the strikes of [`CoordLab::aim`] (pauses of holders, restarts of servers that
    /// just granted). Bully: crashes and restarts only, on reliable links, which is what
    /// Garcia-Molina's algorithm assumes; a partition or a pause breaks it by design.
    fn fuzz(seed: u64, params: Params, faults: bool) -> CoordScenario {
        let links = match params.mode {
            Mode::Bully => Link::default(),
            Mode::Lease | Mode::Redlock => Link {
                latency_min: Span(1),
                latency_max: Span(5),
                ..Link::default()
            },
        };
        let mut scenario = CoordScenario {
            seed,
            params,
            links,
            actions: Vec::new(),
            duration: FUZZ_DURATION,
        };
        if !faults {
            return scenario;
        }
        let nodes = params.nodes();
        let mut rng = Rng::seeded(seed ^ 0x0063_6f6f_7264);
        match params.mode {
            Mode::Bully => scenario.actions = random_crashes(&mut rng, nodes, FAULTS_UNTIL, 3000),
            Mode::Lease | Mode::Redlock => {
                let half = params.drift_allowance / 2;
                let mut actions: Vec<_> = NodeId::all(nodes)
                    .map(|node| Timed {
                        at: Time::ZERO,
                        // At either end of the range: the widest gaps it allows.
                        action: Action::Drift(
                            node,
                            if rng.below(2) == 0 {
                                1000 - half
                            } else {
                                1000 + half
                            },
                        ),
                    })
                    .collect();
                actions.extend(random_faults(
                    seed,
                    &FaultPlan {
                        nodes,
                        until: FAULTS_UNTIL,
                        mean_gap: Span(1500),
                        calm: links,
                    },
                ));
                actions.sort_by_key(|t| t.at);
                scenario.actions = actions;
                scenario = provoke::<CoordLab>(scenario, FAULTS_UNTIL);
            }
        }
        scenario
    }

    /// Where a lock is fragile: a client paused right after it got the lock, for longer than
    /// the lease (the garbage-collection pause of Kleppmann's example), or cut off so that its
    /// lease runs out by the clocks alone; and a server crashed right after it granted one,
    /// and restarted soon after.
    fn aim(
        step: &[Record<CoordNode>],
        nodes: &[Slot<CoordNode>],
        rng: &mut Rng,
    ) -> Vec<Strike<NoCommand>> {
        let mut strikes = Vec::new();
        for record in step {
            let TraceEvent::Noted { note, .. } = &record.event else {
                continue;
            };
            match *note {
                Note::Holds {
                    client,
                    renewed: false,
                    ..
                } => {
                    let CoordNode::Client(c) = nodes[client.index()].node() else {
                        continue;
                    };
                    let ttl = c.params.ttl.0;
                    match rng.below(6) {
                        0 | 1 => strikes.push(Strike::Pause {
                            node: client,
                            lasting: Span(ttl + rng.below(ttl / 2)),
                        }),
                        // Cut off, it cannot renew: its lease runs out by the clocks alone.
                        2 => strikes.push(Strike::Isolate {
                            nodes: vec![client],
                            lasting: Span(ttl + rng.below(ttl)),
                        }),
                        _ => {}
                    }
                }
                Note::Granted { server, .. } if rng.below(4) == 0 => {
                    strikes.push(Strike::Bounce {
                        node: server,
                        after: Span(rng.below(20)),
                        down: Span(50 + rng.below(500)),
                    });
                }
                _ => {}
            }
        }
        strikes
    }
}

/// What the storage accepted and refused, and who held the lock.
fn writes(sim: &CoordSim, params: &Params) -> Finding {
    let mut lines = Vec::new();
    if let CoordNode::Storage(storage) = sim.slot(params.storage()).node() {
        lines.push(format!(
            "the storage accepted {} writes and rejected {} for an old token; the highest token \
             it has seen is {}",
            storage.accepted, storage.rejected, storage.highest
        ));
    }
    let mut held = 0;
    let mut ended = 0;
    for (_, note) in sim.trace().notes() {
        match note {
            Note::Holds { renewed: false, .. } => held += 1,
            Note::LeaseEnded { .. } => ended += 1,
            _ => {}
        }
    }
    lines.push(format!(
        "leases acquired: {held}; ended by their holder's clock before the write was done: {ended}"
    ));
    Finding {
        heading: "Writes and leases",
        lines,
    }
}

/// How many elections there were and what each cost in messages.
fn elections(sim: &CoordSim) -> Finding {
    let records = sim.trace().records();
    let mut elections = 0u64;
    let mut messages = 0u64;
    let mut coordinators = 0u64;
    for record in records {
        match &record.event {
            TraceEvent::Noted {
                note: Note::Coordinator { .. },
                ..
            } => coordinators += 1,
            TraceEvent::Noted {
                note: Note::Elects { .. },
                ..
            } => elections += 1,
            TraceEvent::Sent { msg, .. }
                if matches!(**msg, Msg::Election | Msg::Answer | Msg::Coordinator) =>
            {
                messages += 1
            }
            _ => {}
        }
    }
    let mut lines = vec![format!(
        "{elections} nodes held an election; {coordinators} announcements of a coordinator"
    )];
    if let Some(each) = messages.checked_div(coordinators) {
        lines.push(format!(
            "ELECTION, OK and COORDINATOR messages: {messages}, about {each} per announcement"
        ));
    }
    let (split, spells) = sim.monitor().split_brain(sim.now());
    if spells > 0 {
        lines.push(format!(
            "two coordinators at once (split brain): {}, {split} in all",
            if spells == 1 {
                "once".to_string()
            } else {
                format!("{spells} times")
            }
        ));
    }
    Finding {
        heading: "Elections",
        lines,
    }
}
