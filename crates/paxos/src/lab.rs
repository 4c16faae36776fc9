//! The Paxos lab: what it checks, its settings, its findings and how it is fuzzed.

use netsplit_sim::lab::{
    About, Finding, Knob, NetworkLab, Preset, ScenarioError, named, named_bug, over, provoke,
    whole_number, with_copies,
};
use netsplit_sim::{
    Action, FaultPlan, Link, NodeId, Record, Rng, Slot, Span, Strike, Time, Timed, TraceEvent,
    random_faults,
};

use crate::{
    Bug, Command, Mode, Msg, Note, Params, PaxosMonitor, PaxosNode, PaxosScenario, PaxosSim, Value,
};

/// The Paxos lab.
pub struct PaxosLab;

/// When faults stop in a Paxos fuzz run; the rest of the run is calm.
pub const FAULTS_UNTIL: Time = Time(20_000);
/// How long a Paxos fuzz run lasts.
pub const FUZZ_DURATION: Span = Span::secs(30);
/// When clients stop proposing in a Paxos fuzz run.
const REQUESTS_UNTIL: Time = Time(26_000);

impl NetworkLab for PaxosLab {
    const ABOUT: About = About {
        slug: "paxos",
        title: "Paxos",
        summary: "Ballots, promises and acceptances: single-decree Paxos and Multi-Paxos, with \
                  the chosen value marked before any learner knows it.",
        tag: 4,
        version: 1,
    };
    const PROPERTIES: &'static [(&'static str, &'static str)] = &[
        (
            "Agreement",
            "At most one value is chosen in each slot (§2.1).",
        ),
        (
            "Validity",
            "Only a value some client proposed is chosen (§2.1).",
        ),
        (
            "Learned only if chosen",
            "A learner never learns a value that was not chosen (§2.1, §2.3).",
        ),
        (
            "Promises kept",
            "An acceptor never promises or accepts below a ballot it promised (P1a, §2.2).",
        ),
        (
            "Chosen values stay",
            "Once a value is chosen in a ballot, every proposal in a higher ballot carries it \
             (P2b, §2.2).",
        ),
    ];
    type Node = PaxosNode;
    type Monitor = PaxosMonitor;
    type Params = Params;

    fn nodes(params: &Params) -> usize {
        params.nodes()
    }

    fn validate_params(params: &Params) -> Result<(), String> {
        params.validate()
    }

    /// Proposals go to proposers and name a capital letter.
    fn validate_commands(s: &PaxosScenario) -> Result<(), ScenarioError> {
        for (i, timed) in s.actions.iter().enumerate() {
            let Action::Command(node, Command::Propose(value)) = timed.action else {
                continue;
            };
            if !s.params.is_proposer(node) {
                return Err(ScenarioError(format!(
                    "action {} at {} asks {node} to propose, but only n0 to n{} are proposers",
                    i + 1,
                    timed.at,
                    s.params.proposers - 1
                )));
            }
            if !matches!(value, Value::Client('A'..='Z') | Value::Request(_)) {
                return Err(ScenarioError(format!(
                    "action {} at {} proposes {value}; proposals are capital letters A to Z \
                     (or numbered requests)",
                    i + 1,
                    timed.at
                )));
            }
        }
        Ok(())
    }

    fn build(params: &Params, links: Link, seed: u64) -> PaxosSim {
        params.build(links, seed)
    }

    fn set_param(params: &mut Params, key: &str, value: &str) -> Result<(), String> {
        match key {
            "bug" => params.bug = named_bug(value, &Bug::ALL, Bug::name)?,
            "mode" => params.mode = named("mode", value, &Mode::ALL, Mode::name)?,
            "proposers" => params.proposers = whole_number(key, value)? as usize,
            "acceptors" => params.acceptors = whole_number(key, value)? as usize,
            "timeout" => params.timeout = Span(whole_number(key, value)?),
            "backoff_max" => params.backoff_max = Span(whole_number(key, value)?),
            _ => {
                return Err(format!(
                    "Paxos has no setting \"{key}\"; the settings are proposers, acceptors, mode, \
                     timeout, backoff_max and bug"
                ));
            }
        }
        Ok(())
    }

    fn bug(params: &Params) -> Option<&'static str> {
        params.bug.map(Bug::name)
    }

    /// An attempt is a Prepare to every acceptor and its Promise, an Accept and its Accepted,
    /// the value to every learner and a timer a phase (§2.2); each action (a proposal, or a
    /// fault that interrupts one) costs two (one meets the other proposer's higher ballot
    /// about half the time, as the duel preset does). A phase
    /// that cannot finish within the timeout (a round trip longer than it) makes proposers
    /// retry after each timeout and wait, without end; a Multi-Paxos leader also beats to the
    /// other proposers every third of a timeout.
    fn expected_events(s: &PaxosScenario) -> u64 {
        let p = &s.params;
        let (proposers, acceptors) = (p.proposers as u64, p.acceptors as u64);
        let attempt = 4 * acceptors + proposers + 2;
        let actions = s.actions_taken();
        let duelling =
            p.timeout.0 <= 2 * s.links.latency_max.0 && (p.mode == Mode::Multi || actions > 0);
        let retries = if duelling {
            over(
                s.duration,
                proposers * attempt,
                Span(p.timeout.0 + p.backoff_max.0 / 2),
            )
        } else {
            0
        };
        let beats = match p.mode {
            Mode::Multi => over(s.duration, proposers, p.heartbeat()),
            Mode::Single => 0,
        };
        with_copies(retries + beats + actions * 2 * attempt, &s.links)
    }

    fn knobs() -> Vec<Knob<Params>> {
        vec![
            Knob::period("timeout", Params::TIMEOUT_MS, |p| p.timeout.0),
            Knob::count("proposers", Params::PROPOSERS, |p| p.proposers as u64),
            Knob::count("acceptors", Params::ACCEPTORS, |p| p.acceptors as u64),
        ]
    }

    fn findings(sim: &PaxosSim) -> Vec<Finding> {
        let monitor = sim.monitor();
        let chosen: Vec<String> = monitor
            .chosen()
            .iter()
            .map(|(&slot, c)| {
                let learners: Vec<String> =
                    monitor.learners(slot).map(|(n, _)| n.to_string()).collect();
                let known = if learners.is_empty() {
                    "no learner knows yet".to_string()
                } else {
                    format!("learned by {}", learners.join(", "))
                };
                let acceptors: Vec<String> = c.acceptors.iter().map(NodeId::to_string).collect();
                format!(
                    "slot {slot}: {} chosen under ballot {} at {} by {}; {known}",
                    c.value,
                    c.ballot,
                    c.at,
                    acceptors.join(", ")
                )
            })
            .collect();
        vec![
            Finding {
                heading: "Chosen",
                lines: if chosen.is_empty() {
                    vec![
                        "nothing yet: no majority of acceptors has accepted one value in one \
                         ballot"
                            .to_string(),
                    ]
                } else {
                    chosen
                },
            },
            Finding {
                heading: "Ballots",
                lines: vec![format!(
                    "{} started, {} reached a majority of promises",
                    monitor.ballots().len(),
                    monitor.ballots().values().filter(|b| b.phase_one).count()
                )],
            },
        ]
    }

    fn presets() -> Vec<Preset<PaxosScenario>> {
        crate::presets::presets()
    }

    fn fuzz_params() -> Params {
        Params::default()
    }

    /// Three proposers, seven acceptors, the shortest timeout and backoff, in both modes.
    fn heaviest_params() -> Vec<Params> {
        let most = |range: std::ops::RangeInclusive<usize>| *range.end();
        let least = |range: std::ops::RangeInclusive<u64>| Span(*range.start());
        [Mode::Single, Mode::Multi]
            .map(|mode| Params {
                proposers: most(Params::PROPOSERS),
                acceptors: most(Params::ACCEPTORS),
                mode,
                timeout: least(Params::TIMEOUT_MS),
                backoff_max: least(Params::BACKOFF_MS),
                bug: None,
            })
            .to_vec()
    }

    /// A numbered request to each proposer in turn.
    fn busy_action(params: &Params, i: usize) -> Action<Command> {
        let proposer = NodeId((i % params.proposers) as u16);
        Action::Command(proposer, Command::Propose(Value::Request(i as u32)))
    }

    /// Clients ask random proposers to propose values every few hundred milliseconds until
    /// 26 s, each request a value of its own (so that Validity can tell them apart), and, with `faults`, random crashes, restarts, partitions, loss and
    /// duplication until [`FAULTS_UNTIL`]. Once faults stop, each request goes to every
    /// proposer, as a client looking for the Multi-Paxos leader would.
    fn fuzz(seed: u64, params: Params, faults: bool) -> PaxosScenario {
        let links = Link::default();
        let mut actions = if faults {
            random_faults(
                seed,
                &FaultPlan {
                    nodes: params.nodes(),
                    until: FAULTS_UNTIL,
                    mean_gap: Span(400),
                    calm: links,
                },
            )
        } else {
            Vec::new()
        };
        let mut rng = Rng::seeded(seed ^ 0x0070_6178_6f73);
        // Single-decree proposers are asked rarely, so that ballots get the time to finish.
        let gap = match params.mode {
            Mode::Single => 1500,
            Mode::Multi => 600,
        };
        let mut t = 0;
        let mut requests = 0;
        loop {
            t += 100 + rng.below(gap);
            if t >= REQUESTS_UNTIL.0 {
                break;
            }
            requests += 1;
            let value = Value::Request(requests);
            let proposer = NodeId(rng.below(params.proposers as u64) as u16);
            let targets = if Time(t) < FAULTS_UNTIL || params.mode == Mode::Single {
                vec![proposer]
            } else {
                params.proposer_ids().collect()
            };
            for node in targets {
                actions.push(Timed {
                    at: Time(t),
                    action: Action::Command(node, Command::Propose(value)),
                });
            }
        }
        actions.sort_by_key(|a| a.at);
        let scenario = PaxosScenario {
            seed,
            params,
            links,
            actions,
            duration: FUZZ_DURATION,
        };
        if faults {
            provoke::<PaxosLab>(scenario, FAULTS_UNTIL)
        } else {
            scenario
        }
    }

    /// Where Paxos is fragile: an Accept held back until its proposer, or another, has moved
    /// to a higher ballot; a proposer cut off right after phase 1, so that another takes over
    /// midway; an acceptor restarted right after it accepts; and a client turned away retries
    /// at the leader it is pointed to.
    fn aim(
        step: &[Record<PaxosNode>],
        _nodes: &[Slot<PaxosNode>],
        rng: &mut Rng,
    ) -> Vec<Strike<Command>> {
        let mut strikes = Vec::new();
        let mut asked = None;
        for record in step {
            match &record.event {
                TraceEvent::Sent { id, msg, .. }
                    if matches!(**msg, Msg::Accept { .. }) && rng.below(8) == 0 =>
                {
                    strikes.push(Strike::Delay {
                        message: *id,
                        lasting: Span(100 + rng.below(1500)),
                    });
                }
                TraceEvent::Commanded {
                    command: Command::Propose(value),
                    ..
                } => asked = Some(*value),
                TraceEvent::Noted { note, .. } => match *note {
                    Note::PhaseOne { proposer, .. } if rng.below(6) == 0 => {
                        strikes.push(Strike::Isolate {
                            nodes: vec![proposer],
                            lasting: Span(300 + rng.below(2000)),
                        });
                    }
                    Note::Accepted { acceptor, .. } if rng.below(10) == 0 => {
                        strikes.push(Strike::Bounce {
                            node: acceptor,
                            after: Span(0),
                            down: Span(10 + rng.below(500)),
                        });
                    }
                    Note::Redirected { leader, .. } => {
                        if let Some(value) = asked {
                            strikes.push(Strike::Command {
                                node: leader,
                                after: Span(1 + rng.below(20)),
                                command: Command::Propose(value),
                            });
                        }
                    }
                    _ => {}
                },
                _ => {}
            }
        }
        strikes
    }
}
