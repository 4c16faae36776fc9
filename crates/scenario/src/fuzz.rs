//! Simulation testing: many seeds, random faults, every invariant after every event.

use netsplit_crdt::{Command as CrdtCommand, Params as CrdtParams};
use netsplit_paxos::{Command as PaxosCommand, Mode, Params as PaxosParams, Value};
use netsplit_raft::{Command, Op, Params as RaftParams};
use netsplit_sim::{Action, Link, NodeId, Rng, Span, Time, Timed, Violation};
use std::ops::Range;

use crate::{FaultPlan, LabScenario, Recording, Scenario, random_faults};

/// The first seed whose run broke an invariant.
#[derive(Clone, Debug)]
pub struct Failure {
    /// The seed.
    pub seed: u64,
    /// The scenario that replays it.
    pub scenario: Scenario,
    /// The first violation.
    pub violation: Violation,
}

/// What a fuzzing run found.
#[derive(Clone, Debug)]
pub struct FuzzOutcome {
    /// How many seeds ran.
    pub seeds_run: u64,
    /// The first failure, if any; fuzzing stops there.
    pub failure: Option<Failure>,
}

/// Runs the scenario `make` builds for each seed, quietly, until one breaks an invariant.
///
/// # Panics
/// When `make` builds an invalid scenario.
pub fn fuzz(seeds: Range<u64>, make: impl Fn(u64) -> Scenario) -> FuzzOutcome {
    let mut seeds_run = 0;
    for seed in seeds {
        let scenario = make(seed);
        let report = scenario
            .run_with(Recording::Quiet)
            .expect("fuzz scenarios are valid");
        seeds_run += 1;
        if let Some(violation) = report.violations.into_iter().next() {
            return FuzzOutcome {
                seeds_run,
                failure: Some(Failure {
                    seed,
                    scenario,
                    violation,
                }),
            };
        }
    }
    FuzzOutcome {
        seeds_run,
        failure: None,
    }
}

/// When faults stop in a Raft fuzz run; the rest of the run is calm.
pub const RAFT_FAULTS_UNTIL: Time = Time(45_000);
/// How long a Raft fuzz run lasts.
pub const RAFT_FUZZ_DURATION: Span = Span::secs(60);
/// When clients stop sending; what they sent before must be committed by the end.
pub const RAFT_REQUESTS_UNTIL: Time = Time(57_000);

/// A Raft run for fuzzing: client requests to random servers every few hundred milliseconds
/// until [`RAFT_REQUESTS_UNTIL`] and, with `faults`, random crashes, restarts, partitions,
/// loss and duplication until [`RAFT_FAULTS_UNTIL`].
pub fn raft_fuzz_scenario(seed: u64, params: RaftParams, faults: bool) -> Scenario {
    let links = Link::default();
    let mut actions = if faults {
        random_faults(
            seed,
            &FaultPlan {
                nodes: params.nodes,
                until: RAFT_FAULTS_UNTIL,
                mean_gap: Span(400),
                calm: links,
            },
        )
    } else {
        Vec::new()
    };
    let mut rng = Rng::seeded(seed ^ 0x7261_6674);
    let mut t = 0;
    loop {
        t += 100 + rng.below(1000);
        if t >= RAFT_REQUESTS_UNTIL.0 {
            break;
        }
        let key = char::from(b'a' + rng.below(5) as u8);
        let op = Op {
            key,
            value: rng.below(100) as u32,
        };
        let node = NodeId(rng.below(params.nodes as u64) as u16);
        // While faults go on a client tries one server; once they stop it tries them all, as
        // a client retrying until it finds the leader would.
        let targets = if Time(t) < RAFT_FAULTS_UNTIL {
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
    Scenario::Raft(LabScenario {
        seed,
        params,
        links,
        actions,
        duration: RAFT_FUZZ_DURATION,
    })
}

/// When faults stop in a Paxos fuzz run; the rest of the run is calm.
pub const PAXOS_FAULTS_UNTIL: Time = Time(20_000);
/// How long a Paxos fuzz run lasts.
pub const PAXOS_FUZZ_DURATION: Span = Span::secs(30);
/// When clients stop proposing in a Paxos fuzz run.
const PAXOS_REQUESTS_UNTIL: Time = Time(26_000);

/// A Paxos run for fuzzing: clients ask random proposers to propose random letters every few
/// hundred milliseconds until 26 s and, with `faults`, random crashes, restarts, partitions,
/// loss and duplication until [`PAXOS_FAULTS_UNTIL`]. Once faults stop, each request goes to
/// every proposer, as a client looking for the Multi-Paxos leader would.
pub fn paxos_fuzz_scenario(seed: u64, params: PaxosParams, faults: bool) -> Scenario {
    let links = Link::default();
    let mut actions = if faults {
        random_faults(
            seed,
            &FaultPlan {
                nodes: params.nodes(),
                until: PAXOS_FAULTS_UNTIL,
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
    loop {
        t += 100 + rng.below(gap);
        if t >= PAXOS_REQUESTS_UNTIL.0 {
            break;
        }
        let value = Value::Client(char::from(b'A' + rng.below(26) as u8));
        let proposer = NodeId(rng.below(params.proposers as u64) as u16);
        let targets = if Time(t) < PAXOS_FAULTS_UNTIL || params.mode == Mode::Single {
            vec![proposer]
        } else {
            params.proposer_ids().collect()
        };
        for node in targets {
            actions.push(Timed {
                at: Time(t),
                action: Action::Command(node, PaxosCommand::Propose(value)),
            });
        }
    }
    actions.sort_by_key(|a| a.at);
    Scenario::Paxos(LabScenario {
        seed,
        params,
        links,
        actions,
        duration: PAXOS_FUZZ_DURATION,
    })
}

/// When faults and updates stop in a CRDT fuzz run; the rest of the run is calm, long enough
/// for the replicas to converge.
pub const CRDT_FAULTS_UNTIL: Time = Time(15_000);

/// A CRDT run for fuzzing: random updates at random replicas and a few explicit syncs until
/// [`CRDT_FAULTS_UNTIL`] and, with `faults`, random crashes, restarts, partitions, loss and
/// duplication until then. The run lasts long enough after that for the convergence deadline
/// to pass.
pub fn crdt_fuzz_scenario(seed: u64, params: CrdtParams, faults: bool) -> Scenario {
    let links = Link::default();
    let mut actions = if faults {
        random_faults(
            seed,
            &FaultPlan {
                nodes: params.replicas,
                until: CRDT_FAULTS_UNTIL,
                mean_gap: Span(500),
                calm: links,
            },
        )
    } else {
        Vec::new()
    };
    let mut rng = Rng::seeded(seed ^ 0x0063_7264_7473);
    let mut t = 0;
    loop {
        t += 50 + rng.below(400);
        if t >= CRDT_FAULTS_UNTIL.0 {
            break;
        }
        let replica = NodeId(rng.below(params.replicas as u64) as u16);
        let command = if rng.below(8) == 0 {
            let peer = (replica.0 + 1 + rng.below(params.replicas as u64 - 1) as u16)
                % params.replicas as u16;
            CrdtCommand::SyncTo(NodeId(peer))
        } else {
            let ops = params.kind.ops(char::from(b'a' + rng.below(5) as u8));
            CrdtCommand::Apply(ops[rng.below(ops.len() as u64) as usize])
        };
        actions.push(Timed {
            at: Time(t),
            action: Action::Command(replica, command),
        });
    }
    actions.sort_by_key(|a| a.at);
    let calm = params
        .convergence_deadline()
        .map_or(Span::secs(5), |d| d + Span(5 * params.period.0));
    Scenario::Crdt(LabScenario {
        seed,
        params,
        links,
        actions,
        duration: Span(CRDT_FAULTS_UNTIL.0 + calm.0),
    })
}
