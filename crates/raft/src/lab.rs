//! The Raft lab: what it checks, its settings, its findings and how it is fuzzed.

use netsplit_sim::lab::{
    About, Finding, Knob, NetworkLab, Preset, named_bug, over, provoke, whole_number, with_copies,
};
use netsplit_sim::{
    Action, FaultPlan, Link, NodeId, Record, Rng, Slot, Span, Strike, Time, Timed, TraceEvent,
    random_faults,
};

use crate::{Bug, Command, Note, Op, Params, RaftMonitor, RaftNode, RaftScenario, RaftSim, Role};

/// The Raft lab.
pub struct RaftLab;

/// When faults stop in a Raft fuzz run; the rest of the run is calm.
pub const FAULTS_UNTIL: Time = Time(45_000);
/// How long a Raft fuzz run lasts.
pub const FUZZ_DURATION: Span = Span::secs(60);
/// When clients stop sending; what they sent before must be committed by the end.
pub const REQUESTS_UNTIL: Time = Time(57_000);

impl NetworkLab for RaftLab {
    const ABOUT: About = About {
        slug: "raft",
        title: "Raft",
        summary: "Leader election and log replication, with the five properties of Figure 3 \
                  checked after every event.",
        tag: 1,
        version: 1,
    };
    const PROPERTIES: &'static [(&'static str, &'static str)] = &[
        (
            "Election Safety",
            "At most one leader is elected in a term (§5.2).",
        ),
        (
            "Leader Append-Only",
            "A leader never overwrites or deletes entries in its log (§5.3).",
        ),
        (
            "Log Matching",
            "Logs with an entry of the same index and term are identical up to it (§5.3).",
        ),
        (
            "Leader Completeness",
            "A committed entry is in the log of every later leader (§5.4).",
        ),
        (
            "State Machine Safety",
            "No two servers apply different entries at one index, and each state machine holds \
             what its applied entries make (§5.4.3).",
        ),
        (
            "One Vote per Term",
            "A server votes for at most one candidate in a term (§5.2).",
        ),
        (
            "Durable Commits",
            "An index, once committed, keeps its entry on every server that committed it (§5.3).",
        ),
    ];
    type Node = RaftNode;
    type Monitor = RaftMonitor;
    type Params = Params;

    fn nodes(params: &Params) -> usize {
        params.nodes
    }

    fn validate_params(params: &Params) -> Result<(), String> {
        params.validate()
    }

    fn build(params: &Params, links: Link, seed: u64) -> RaftSim {
        params.build(links, seed)
    }

    fn set_param(params: &mut Params, key: &str, value: &str) -> Result<(), String> {
        match key {
            "bug" => params.bug = named_bug(value, &Bug::ALL, Bug::name)?,
            "nodes" => params.nodes = whole_number(key, value)? as usize,
            "election_min" => params.election_min = Span(whole_number(key, value)?),
            "election_max" => params.election_max = Span(whole_number(key, value)?),
            "heartbeat" => params.heartbeat = Span(whole_number(key, value)?),
            _ => {
                return Err(format!(
                    "Raft has no setting \"{key}\"; the settings are nodes, election_min, \
                     election_max, heartbeat and bug"
                ));
            }
        }
        Ok(())
    }

    fn bug(params: &Params) -> Option<&'static str> {
        params.bug.map(Bug::name)
    }

    /// A leader's heartbeat is a timer, an AppendEntries to every follower and their replies;
    /// an election is a timer, a RequestVote to every peer and their replies (§5.2). When
    /// heartbeats arrive before the shortest timeout a leader holds, and the run costs its
    /// heartbeats; otherwise elections follow one another, every server starting one each
    /// shortest timeout. Each action (a request, a crash, a restart) costs about one more round.
    fn expected_events(s: &RaftScenario) -> u64 {
        let p = &s.params;
        let round = 2 * (p.nodes as u64 - 1) + 1;
        let steady = if s.links.latency_max < p.election_min {
            over(s.duration, round, p.heartbeat)
        } else {
            over(s.duration, p.nodes as u64 * round, p.election_min)
        };
        let actions = s.actions_taken();
        with_copies(steady + actions * (round + 1), &s.links)
    }

    fn knobs() -> Vec<Knob<Params>> {
        vec![
            Knob::period("heartbeat", Params::HEARTBEAT_MS, |p| p.heartbeat.0),
            Knob::count("nodes", Params::NODES, |p| p.nodes as u64),
        ]
    }

    fn findings(sim: &RaftSim) -> Vec<Finding> {
        let monitor = sim.monitor();
        let leaders: Vec<String> = monitor
            .leaders()
            .iter()
            .map(|(term, leader)| format!("term {term}: {leader}"))
            .collect();
        vec![
            Finding {
                heading: "Leaders by term",
                lines: vec![if leaders.is_empty() {
                    "none yet".to_string()
                } else {
                    leaders.join(" · ")
                }],
            },
            Finding {
                heading: "Commitment",
                lines: vec![format!(
                    "committed up to index {}",
                    monitor.committed_up_to()
                )],
            },
        ]
    }

    fn presets() -> Vec<Preset<RaftScenario>> {
        crate::presets::presets()
    }

    fn fuzz_params() -> Params {
        Params::default()
    }

    /// Nine servers, the fastest heartbeat and the shortest election timeouts.
    fn heaviest_params() -> Vec<Params> {
        let (_, nodes) = Params::NODES.into_inner();
        let (election, _) = Params::ELECTION_MS.into_inner();
        let (heartbeat, _) = Params::HEARTBEAT_MS.into_inner();
        vec![Params {
            nodes,
            election_min: Span(election),
            election_max: Span(election + 1),
            heartbeat: Span(heartbeat),
            bug: None,
        }]
    }

    /// A client request to each server in turn, each with a value of its own.
    fn busy_action(params: &Params, i: usize) -> Action<Command> {
        let key = char::from(b'a' + (i % 26) as u8);
        let op = Op {
            key,
            value: i as u32,
        };
        Action::Command(NodeId((i % params.nodes) as u16), Command::Request(op))
    }

    /// Client requests to random servers every few hundred milliseconds until
    /// [`REQUESTS_UNTIL`], each with a value of its own; with `faults`, random crashes,
    /// restarts, partitions, one-way cuts, loss and duplication until [`FAULTS_UNTIL`], and the
    /// strikes of [`RaftLab::aim`].
    fn fuzz(seed: u64, params: Params, faults: bool) -> RaftScenario {
        let links = Link::default();
        let mut actions = if faults {
            random_faults(
                seed,
                &FaultPlan {
                    nodes: params.nodes,
                    until: FAULTS_UNTIL,
                    mean_gap: Span(800),
                    calm: links,
                },
            )
        } else {
            Vec::new()
        };
        let mut rng = Rng::seeded(seed ^ 0x7261_6674);
        let mut t = 0;
        let mut requests = 0;
        loop {
            t += 100 + rng.below(1000);
            if t >= REQUESTS_UNTIL.0 {
                break;
            }
            requests += 1;
            let op = Op {
                key: char::from(b'a' + rng.below(5) as u8),
                value: requests,
            };
            let node = NodeId(rng.below(params.nodes as u64) as u16);
            // While faults go on a client tries one server, and the leader it is pointed to
            // (see `aim`); once they stop it tries them all, as a client retrying until it
            // finds the leader would.
            let targets = if Time(t) < FAULTS_UNTIL {
                vec![node]
            } else {
                NodeId::all(params.nodes).collect()
            };
            for node in targets {
                actions.push(Timed {
                    at: Time(t),
                    action: Action::Command(node, Command::Request(op)),
                });
            }
        }
        actions.sort_by_key(|a| a.at);
        let scenario = RaftScenario {
            seed,
            params,
            links,
            actions,
            duration: FUZZ_DURATION,
        };
        if faults {
            provoke::<RaftLab>(scenario, FAULTS_UNTIL)
        } else {
            scenario
        }
    }

    /// Where Raft is fragile: a client turned away retries at the leader it is pointed to; a
    /// leader that has just appended an entry is cut off with a minority, so the entry reaches
    /// only that minority, and may crash as well; a new leader, or a leader that has just
    /// committed, is sometimes isolated at once; and a server that has just voted sometimes
    /// restarts at once, while other candidates' requests of the same term are still on the way.
    fn aim(
        step: &[Record<RaftNode>],
        nodes: &[Slot<RaftNode>],
        rng: &mut Rng,
    ) -> Vec<Strike<Command>> {
        let cluster = nodes.len();
        let mut strikes = Vec::new();
        let mut requested = None;
        for record in step {
            match &record.event {
                TraceEvent::Commanded {
                    command: Command::Request(op),
                    ..
                } => requested = Some(*op),
                TraceEvent::Noted { note, .. } => match *note {
                    Note::Redirected {
                        leader: Some(leader),
                        ..
                    } => {
                        if let Some(op) = requested {
                            strikes.push(Strike::Command {
                                node: leader,
                                after: Span(1 + rng.below(20)),
                                command: Command::Request(op),
                            });
                        }
                    }
                    Note::Accepted { node, .. } if rng.below(2) == 0 => {
                        // The leader and fewer than half of the others: a minority.
                        let mut minority = vec![node];
                        let size = 1 + rng.below(cluster.div_ceil(2) as u64 - 1) as usize;
                        for peer in NodeId::all(cluster).filter(|&p| p != node) {
                            if minority.len() < size && rng.below(2) == 0 {
                                minority.push(peer);
                            }
                        }
                        strikes.push(Strike::Isolate {
                            nodes: minority,
                            lasting: Span(300 + rng.below(2500)),
                        });
                        if rng.below(2) == 0 {
                            strikes.push(Strike::Bounce {
                                node,
                                after: Span(rng.below(300)),
                                down: Span(300 + rng.below(3000)),
                            });
                        }
                    }
                    Note::Committed { node, .. }
                        if nodes[node.index()].node().role() == Role::Leader
                            && rng.below(2) == 0 =>
                    {
                        strikes.push(Strike::Isolate {
                            nodes: vec![node],
                            lasting: Span(300 + rng.below(2000)),
                        });
                    }
                    Note::Leader { node, .. } if rng.below(4) == 0 => {
                        strikes.push(Strike::Isolate {
                            nodes: vec![node],
                            lasting: Span(300 + rng.below(1500)),
                        });
                    }
                    Note::Voted { node, .. } if rng.below(4) == 0 => {
                        strikes.push(Strike::Bounce {
                            node,
                            after: Span(0),
                            down: Span(1 + rng.below(30)),
                        });
                    }
                    _ => {}
                },
                _ => {}
            }
        }
        strikes
    }
}
