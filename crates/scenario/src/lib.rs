//! # netsplit-scenario: a run, written down
//!
//! A [`Scenario`] is everything that determines a run: which lab, its parameters, the network's
//! links, the seed, the timed user actions, and how long to run. Because the engine is
//! deterministic, a scenario *is* the run: the browser, the command line and the tests all
//! replay it to the same trace.
//!
//! ```text
//!   { "gossip": { "seed": 7, "params": {..}, "links": {..},
//!                 "actions": [ { "at": 4000, "action": { "crash": 2 } } ],
//!                 "duration": 12000 } }
//!        │ validate()  ── out-of-range values are refused, naming the allowed range
//!        ▼
//!   start() ──▶ LabRun::Gossip(Sim)  ──run──▶ trace, trace hash, violations, report
//! ```
//!
//! The crate also holds the presets each lab offers. It never runs anything by itself and
//! knows nothing of the browser or the terminal.

mod faults;
mod fuzz;
mod link;
mod presets;

use netsplit_clocks::{Execution, Step};
use netsplit_crdt::{Command as CrdtCommand, CrdtSim, Op as CrdtOp, Params as CrdtParams};
use netsplit_gossip::{GossipSim, Params as GossipParams};
use netsplit_hashring::{
    Balance, Config as HashingConfig, Movement, Op as HashingOp, Params as HashingParams,
};
use netsplit_paxos::{Command as PaxosCommand, Params as PaxosParams, PaxosSim, Value};
use netsplit_raft::{Command as RaftCommand, Params as RaftParams, RaftSim};
use netsplit_sim::{Action, Link, Monitor, NoCommand, Node, Sim, Span, Time, Timed, Violation};
use serde::{Deserialize, Serialize};
use std::fmt;

pub use faults::{FaultPlan, random_faults};
pub use fuzz::{
    CRDT_FAULTS_UNTIL, Failure, FuzzOutcome, PAXOS_FAULTS_UNTIL, PAXOS_FUZZ_DURATION,
    RAFT_FAULTS_UNTIL, RAFT_FUZZ_DURATION, RAFT_REQUESTS_UNTIL, crdt_fuzz_scenario, fuzz,
    paxos_fuzz_scenario, raft_fuzz_scenario,
};
pub use link::{
    FRAGMENT_PREFIX, LINK_VERSION, LinkError, MAX_INFLATED_BYTES, MAX_LINK_CHARS, Selected,
    ShareState, ViewState,
};
pub use presets::{Preset, presets};

/// The labs that exist.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Lab {
    /// Heartbeat failure detection spread by gossip.
    Gossip,
    /// Raft leader election and log replication.
    Raft,
    /// Lamport and vector clocks on a space-time diagram.
    Clocks,
    /// Consistent hashing: where keys live, and how many move.
    Hashing,
    /// Paxos and Multi-Paxos: ballots, promises and acceptances.
    Paxos,
    /// CRDTs: replicas edit apart, gossip, merge and converge.
    Crdt,
}

impl Lab {
    /// Every lab, in menu order.
    pub const ALL: [Lab; 6] = [
        Lab::Raft,
        Lab::Paxos,
        Lab::Crdt,
        Lab::Gossip,
        Lab::Clocks,
        Lab::Hashing,
    ];

    /// The lab's name as users see it.
    pub fn title(self) -> &'static str {
        match self {
            Lab::Gossip => "Gossip",
            Lab::Raft => "Raft",
            Lab::Paxos => "Paxos",
            Lab::Crdt => "CRDTs",
            Lab::Clocks => "Vector clocks",
            Lab::Hashing => "Consistent hashing",
        }
    }

    /// The lab's name in links and on the command line.
    pub fn slug(self) -> &'static str {
        match self {
            Lab::Gossip => "gossip",
            Lab::Raft => "raft",
            Lab::Paxos => "paxos",
            Lab::Crdt => "crdt",
            Lab::Clocks => "clocks",
            Lab::Hashing => "hashing",
        }
    }
}

/// The longest run a scenario may ask for.
pub const MAX_DURATION: Span = Span::secs(3600);
/// The most actions a scenario may hold.
pub const MAX_ACTIONS: usize = 10_000;

/// A run of one lab: parameters, links, seed, timed actions and length.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LabScenario<P, C> {
    /// The seed of the run's random generator.
    pub seed: u64,
    /// The lab's parameters.
    pub params: P,
    /// How every link behaves at the start.
    pub links: Link,
    /// What the user does, and when.
    pub actions: Vec<Timed<Action<C>>>,
    /// How long the run lasts.
    pub duration: Span,
}

/// A run of any lab.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scenario {
    /// A Gossip lab run.
    Gossip(LabScenario<GossipParams, NoCommand>),
    /// A Raft lab run.
    Raft(LabScenario<RaftParams, RaftCommand>),
    /// A Vector clocks lab execution.
    Clocks(ClocksScenario),
    /// A Consistent hashing lab history.
    Hashing(HashingScenario),
    // Share links encode the variant's position: new labs go last, so old links keep opening.
    /// A Paxos lab run.
    Paxos(LabScenario<PaxosParams, PaxosCommand>),
    /// A CRDT lab run.
    Crdt(LabScenario<CrdtParams, CrdtCommand>),
}

/// An execution of the Vector clocks lab: its processes and the steps that build it. It has no
/// virtual time: its moments are step counts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClocksScenario {
    /// The processes' names.
    pub processes: Vec<String>,
    /// The steps, in order.
    pub steps: Vec<Step>,
}

impl ClocksScenario {
    /// Allowed numbers of processes.
    pub const PROCESSES: std::ops::RangeInclusive<usize> = 2..=8;
    /// The most steps an execution may have.
    pub const MAX_STEPS: usize = 2000;
    /// The longest process name.
    pub const MAX_NAME: usize = 32;

    /// Refuses anything out of range, and steps that cannot be taken.
    pub fn validate(&self) -> Result<(), ScenarioError> {
        let (lo, hi) = Self::PROCESSES.into_inner();
        netsplit_sim::check_range(
            "processes",
            self.processes.len() as u64,
            lo as u64,
            hi as u64,
            "",
        )
        .map_err(ScenarioError)?;
        if let Some(name) = self
            .processes
            .iter()
            .find(|n| n.is_empty() || n.chars().count() > Self::MAX_NAME)
        {
            return Err(ScenarioError(format!(
                "process names are 1 to {} characters long, got {name:?}",
                Self::MAX_NAME
            )));
        }
        if self.steps.len() > Self::MAX_STEPS {
            return Err(ScenarioError(format!(
                "an execution holds at most {} steps, got {}",
                Self::MAX_STEPS,
                self.steps.len()
            )));
        }
        self.execution(self.steps.len()).map(|_| ())
    }

    /// The execution built by the first `steps` steps.
    pub fn execution(&self, steps: usize) -> Result<Execution, ScenarioError> {
        Execution::from_steps(
            self.processes.clone(),
            &self.steps[..steps.min(self.steps.len())],
        )
        .map_err(|e| ScenarioError(e.0))
    }
}

/// A history of the Consistent hashing lab: the cluster it starts from and the changes made to
/// it. It has no virtual time: its moments are step counts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HashingScenario {
    /// The cluster at the start.
    pub params: HashingParams,
    /// The changes, in order.
    pub ops: Vec<HashingOp>,
}

impl HashingScenario {
    /// The most changes a history may hold.
    pub const MAX_OPS: usize = 1000;

    /// Refuses anything out of range, and changes that cannot be made.
    pub fn validate(&self) -> Result<(), ScenarioError> {
        self.configs().map(|_| ())
    }

    /// The cluster at the start and after each change.
    pub fn configs(&self) -> Result<Vec<HashingConfig>, ScenarioError> {
        self.params.validate().map_err(ScenarioError)?;
        if self.ops.len() > Self::MAX_OPS {
            return Err(ScenarioError(format!(
                "a history holds at most {} changes, got {}",
                Self::MAX_OPS,
                self.ops.len()
            )));
        }
        let mut config = HashingConfig::new(&self.params);
        let mut configs = vec![config.clone()];
        for (i, op) in self.ops.iter().enumerate() {
            config
                .apply(*op)
                .map_err(|e| ScenarioError(format!("step {} ({op}): {e}", i + 1)))?;
            configs.push(config.clone());
        }
        Ok(configs)
    }
}

/// Why a scenario was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScenarioError(pub String);

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ScenarioError {}

/// A scenario started: its simulator, ready to run.
#[derive(Clone, Debug)]
pub enum LabRun {
    /// A Gossip lab run.
    Gossip(Box<GossipSim>),
    /// A Raft lab run.
    Raft(Box<RaftSim>),
    /// A Paxos lab run.
    Paxos(Box<PaxosSim>),
    /// A CRDT lab run.
    Crdt(Box<CrdtSim>),
    /// A Vector clocks execution.
    Clocks(Box<Execution>),
    /// A Consistent hashing history, validated.
    Hashing(Box<HashingScenario>),
}

/// What a finished run amounts to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Report {
    /// The lab.
    pub lab: Lab,
    /// The seed.
    pub seed: u64,
    /// Virtual time at the end.
    pub ended_at: Time,
    /// How many events ran.
    pub steps: u64,
    /// How many trace records there are.
    pub records: usize,
    /// The trace hash: equal hashes mean identical runs.
    #[serde(serialize_with = "hex")]
    pub trace_hash: u64,
    /// Every violation found.
    pub violations: Vec<Violation>,
    /// Lab-specific findings, one line each.
    pub findings: Vec<String>,
}

/// Whether a run keeps what a viewer needs (trace, checkpoints) or runs as fast as it can.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Recording {
    /// Keep the trace and checkpoints.
    Full,
    /// Keep neither; monitors still run. For fuzzing.
    Quiet,
}

fn prepare<N: Node, M: Monitor<N>>(
    sim: Sim<N, M>,
    actions: &[Timed<Action<N::Command>>],
    recording: Recording,
) -> Box<Sim<N, M>> {
    let mut sim = match recording {
        Recording::Full => sim,
        Recording::Quiet => sim.without_trace().with_checkpoints(None),
    };
    for timed in actions {
        sim.schedule(timed.at, timed.action.clone());
    }
    Box::new(sim)
}

impl Scenario {
    /// The lab this scenario belongs to.
    pub fn lab(&self) -> Lab {
        match self {
            Scenario::Gossip(_) => Lab::Gossip,
            Scenario::Raft(_) => Lab::Raft,
            Scenario::Paxos(_) => Lab::Paxos,
            Scenario::Crdt(_) => Lab::Crdt,
            Scenario::Clocks(_) => Lab::Clocks,
            Scenario::Hashing(_) => Lab::Hashing,
        }
    }

    /// The seed (none for a clocks execution, which is built step by step).
    pub fn seed(&self) -> u64 {
        match self {
            Scenario::Gossip(s) => s.seed,
            Scenario::Raft(s) => s.seed,
            Scenario::Paxos(s) => s.seed,
            Scenario::Crdt(s) => s.seed,
            Scenario::Clocks(_) => 0,
            Scenario::Hashing(s) => s.params.seed,
        }
    }

    /// How long the run lasts (for a clocks execution or a hashing history, a millisecond per
    /// step).
    pub fn duration(&self) -> Span {
        match self {
            Scenario::Gossip(s) => s.duration,
            Scenario::Raft(s) => s.duration,
            Scenario::Paxos(s) => s.duration,
            Scenario::Crdt(s) => s.duration,
            Scenario::Clocks(s) => Span(s.steps.len() as u64),
            Scenario::Hashing(s) => Span(s.ops.len() as u64),
        }
    }

    /// Refuses anything out of range, saying what is allowed.
    pub fn validate(&self) -> Result<(), ScenarioError> {
        match self {
            Scenario::Gossip(s) => {
                s.params.validate().map_err(ScenarioError)?;
                validate_common(s, s.params.nodes)
            }
            Scenario::Raft(s) => {
                s.params.validate().map_err(ScenarioError)?;
                validate_common(s, s.params.nodes)
            }
            Scenario::Paxos(s) => {
                s.params.validate().map_err(ScenarioError)?;
                validate_common(s, s.params.nodes())?;
                validate_proposals(s)
            }
            Scenario::Crdt(s) => {
                s.params.validate().map_err(ScenarioError)?;
                validate_common(s, s.params.replicas)?;
                validate_updates(s)
            }
            Scenario::Clocks(s) => s.validate(),
            Scenario::Hashing(s) => s.validate(),
        }
    }

    /// Validates the scenario and builds its simulator with every action scheduled.
    pub fn start(&self) -> Result<LabRun, ScenarioError> {
        self.start_with(Recording::Full)
    }

    /// Like [`Scenario::start`], choosing what the run records.
    pub fn start_with(&self, recording: Recording) -> Result<LabRun, ScenarioError> {
        self.validate()?;
        Ok(match self {
            Scenario::Gossip(s) => LabRun::Gossip(prepare(
                s.params.build(s.links, s.seed),
                &s.actions,
                recording,
            )),
            Scenario::Raft(s) => LabRun::Raft(prepare(
                s.params.build(s.links, s.seed),
                &s.actions,
                recording,
            )),
            Scenario::Paxos(s) => LabRun::Paxos(prepare(
                s.params.build(s.links, s.seed),
                &s.actions,
                recording,
            )),
            Scenario::Crdt(s) => LabRun::Crdt(prepare(
                s.params.build(s.links, s.seed),
                &s.actions,
                recording,
            )),
            Scenario::Clocks(s) => LabRun::Clocks(Box::new(s.execution(s.steps.len())?)),
            Scenario::Hashing(s) => {
                s.validate()?;
                LabRun::Hashing(Box::new(s.clone()))
            }
        })
    }

    /// Runs the scenario to its end and reports.
    pub fn run(&self) -> Result<Report, ScenarioError> {
        self.run_with(Recording::Full)
    }

    /// Runs the scenario to its end, choosing what it records, and reports.
    pub fn run_with(&self, recording: Recording) -> Result<Report, ScenarioError> {
        let mut run = self.start_with(recording)?;
        run.run_until(Time::ZERO + self.duration());
        Ok(run.report(self.seed()))
    }
}

/// The canonical bytes of a clocks execution (postcard), which its hash is taken over.
pub fn execution_bytes(execution: &Execution) -> Vec<u8> {
    postcard::to_allocvec(execution).expect("an execution always encodes")
}

fn report<N: Node, M: Monitor<N>>(
    lab: Lab,
    seed: u64,
    sim: &Sim<N, M>,
    findings: Vec<String>,
) -> Report {
    Report {
        lab,
        seed,
        ended_at: sim.now(),
        steps: sim.steps(),
        records: sim.trace().len(),
        trace_hash: sim.trace().hash(),
        violations: sim.violations().to_vec(),
        findings,
    }
}

fn hex<S: serde::Serializer>(hash: &u64, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&format!("{hash:016x}"))
}

fn validate_common<P, C>(s: &LabScenario<P, C>, nodes: usize) -> Result<(), ScenarioError> {
    s.links.validate().map_err(|e| ScenarioError(e.0))?;
    if s.duration > MAX_DURATION || s.duration == Span(0) {
        return Err(ScenarioError(format!(
            "duration must be between 0.001 s and {MAX_DURATION}, got {}",
            s.duration
        )));
    }
    if s.actions.len() > MAX_ACTIONS {
        return Err(ScenarioError(format!(
            "a scenario holds at most {MAX_ACTIONS} actions, got {}",
            s.actions.len()
        )));
    }
    for (i, timed) in s.actions.iter().enumerate() {
        let node = match &timed.action {
            Action::Crash(n) | Action::Restart(n) | Action::Command(n, _) => Some(*n),
            Action::SetLink(from, to, _) => Some(*from.max(to)),
            Action::Partition(p) => p.0.iter().flatten().copied().max(),
            _ => None,
        };
        if let Some(n) = node.filter(|n| n.index() >= nodes) {
            return Err(ScenarioError(format!(
                "action {} at {} names {n}, but the cluster has nodes n0 to n{}",
                i + 1,
                timed.at,
                nodes - 1
            )));
        }
        if let Action::SetLinks(link) | Action::SetLink(_, _, link) = &timed.action {
            link.validate()
                .map_err(|e| ScenarioError(format!("action {} at {}: {e}", i + 1, timed.at)))?;
        }
        if i > 0 && timed.at < s.actions[i - 1].at {
            return Err(ScenarioError(format!(
                "action {} at {} comes before the action listed ahead of it",
                i + 1,
                timed.at
            )));
        }
    }
    Ok(())
}

/// Paxos proposals go to proposers and name a letter.
fn validate_proposals(s: &LabScenario<PaxosParams, PaxosCommand>) -> Result<(), ScenarioError> {
    for (i, timed) in s.actions.iter().enumerate() {
        let Action::Command(node, PaxosCommand::Propose(value)) = timed.action else {
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
        if !matches!(value, Value::Client('A'..='Z')) {
            return Err(ScenarioError(format!(
                "action {} at {} proposes {value}; proposals are capital letters A to Z",
                i + 1,
                timed.at
            )));
        }
    }
    Ok(())
}

/// One set type's outcome in a comparison: what each replica holds at the end, and the rule
/// that explains it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SetOutcome {
    /// The type.
    pub kind: netsplit_crdt::Kind,
    /// Each replica's value at the end of the run.
    pub values: Vec<String>,
    /// How the type settles a concurrent add and remove.
    pub rule: &'static str,
}

/// Runs the same set operations, seed and faults with each of [`netsplit_crdt::Kind::COMPARED`]
/// (2P-Set, OR-Set, LWW set) and returns how each ends; refuses a run with operations other
/// than adding and removing.
pub fn compare_set_types(
    s: &LabScenario<CrdtParams, CrdtCommand>,
) -> Result<Vec<SetOutcome>, ScenarioError> {
    let only_set_ops = s.actions.iter().all(|t| {
        !matches!(
            t.action,
            Action::Command(_, CrdtCommand::Apply(op)) if !matches!(op, CrdtOp::Add(_) | CrdtOp::Remove(_))
        )
    });
    if !only_set_ops {
        return Err(ScenarioError(
            "the comparison replays adds and removes; this run has other operations".into(),
        ));
    }
    netsplit_crdt::Kind::COMPARED
        .into_iter()
        .map(|kind| {
            let mut run = s.clone();
            run.params.kind = kind;
            run.params.bug = None;
            let LabRun::Crdt(mut sim) = Scenario::Crdt(run).start_with(Recording::Quiet)? else {
                unreachable!("a CRDT scenario starts a CRDT run")
            };
            sim.run_until(Time::ZERO + s.duration);
            Ok(SetOutcome {
                kind,
                values: sim
                    .nodes()
                    .iter()
                    .map(|n| n.node().state().value())
                    .collect(),
                rule: kind.conflict_rule(),
            })
        })
        .collect()
}

/// CRDT updates fit the replicas' type and name small letters; syncs go to another replica.
fn validate_updates(s: &LabScenario<CrdtParams, CrdtCommand>) -> Result<(), ScenarioError> {
    let kind = s.params.kind;
    for (i, timed) in s.actions.iter().enumerate() {
        let Action::Command(node, command) = timed.action else {
            continue;
        };
        let why = match command {
            CrdtCommand::Apply(op) => {
                let letter = match op {
                    CrdtOp::Add(x) | CrdtOp::Remove(x) | CrdtOp::Set(x) => Some(x),
                    CrdtOp::Increment | CrdtOp::Decrement => None,
                };
                if !kind.ops(letter.unwrap_or('a')).contains(&op) {
                    format!("a {kind} cannot {op}")
                } else if letter.is_some_and(|x| !x.is_ascii_lowercase()) {
                    "elements and values are small letters a to z".to_string()
                } else {
                    continue;
                }
            }
            CrdtCommand::SyncTo(peer) if peer == node || peer.index() >= s.params.replicas => {
                format!(
                    "a replica syncs to another one of n0 to n{}",
                    s.params.replicas - 1
                )
            }
            CrdtCommand::SyncTo(_) => continue,
        };
        return Err(ScenarioError(format!(
            "action {} at {} ({node}: {command}): {why}",
            i + 1,
            timed.at
        )));
    }
    Ok(())
}

impl LabRun {
    /// Runs every event up to `t`.
    pub fn run_until(&mut self, t: Time) {
        match self {
            LabRun::Gossip(sim) => sim.run_until(t),
            LabRun::Raft(sim) => sim.run_until(t),
            LabRun::Paxos(sim) => sim.run_until(t),
            LabRun::Crdt(sim) => sim.run_until(t),
            // An execution or a history is complete as soon as it is built.
            LabRun::Clocks(_) | LabRun::Hashing(_) => {}
        }
    }

    /// The report of the run so far.
    pub fn report(&self, seed: u64) -> Report {
        match self {
            LabRun::Gossip(sim) => {
                let monitor = sim.monitor();
                let mut findings: Vec<String> = monitor
                    .detections()
                    .iter()
                    .map(|d| {
                        format!(
                            "{} crashed at {}; every live node suspected it {} later",
                            d.node,
                            d.crashed_at,
                            d.took()
                        )
                    })
                    .collect();
                findings.push(format!(
                    "false suspicions of live nodes: {}",
                    monitor.false_suspicions()
                ));
                report(Lab::Gossip, seed, sim, findings)
            }
            LabRun::Raft(sim) => {
                let monitor = sim.monitor();
                let leaders: Vec<String> = monitor
                    .leaders()
                    .iter()
                    .map(|(term, leader)| format!("{term}:{leader}"))
                    .collect();
                let findings = vec![
                    format!(
                        "leaders by term: {}",
                        if leaders.is_empty() {
                            "none".to_string()
                        } else {
                            leaders.join(" ")
                        }
                    ),
                    format!("committed up to index {}", monitor.committed_up_to()),
                ];
                report(Lab::Raft, seed, sim, findings)
            }
            LabRun::Paxos(sim) => {
                let monitor = sim.monitor();
                let chosen: Vec<String> = monitor
                    .chosen()
                    .iter()
                    .map(|(slot, c)| format!("{slot}:{} ({}, {})", c.value, c.ballot, c.at))
                    .collect();
                let findings = vec![
                    format!(
                        "chosen by slot: {}",
                        if chosen.is_empty() {
                            "nothing".to_string()
                        } else {
                            chosen.join(" ")
                        }
                    ),
                    format!(
                        "ballots: {} started, {} reached a majority of promises",
                        monitor.ballots().len(),
                        monitor.ballots().values().filter(|b| b.phase_one).count()
                    ),
                ];
                report(Lab::Paxos, seed, sim, findings)
            }
            LabRun::Crdt(sim) => {
                let monitor = sim.monitor();
                let mut findings: Vec<String> = sim
                    .nodes()
                    .iter()
                    .enumerate()
                    .map(|(i, slot)| format!("n{i} holds {}", slot.node().state().value()))
                    .collect();
                findings.push(format!(
                    "the merge of every update: {}",
                    monitor.target().value()
                ));
                findings.extend(
                    monitor.convergences().iter().map(|c| {
                        format!("converged at {}, {} after the last change", c.at, c.took())
                    }),
                );
                report(Lab::Crdt, seed, sim, findings)
            }
            LabRun::Clocks(execution) => {
                let in_flight = execution.in_flight().count();
                let bytes = execution_bytes(execution);
                Report {
                    lab: Lab::Clocks,
                    seed,
                    ended_at: Time(execution.events().len() as u64),
                    steps: execution.events().len() as u64,
                    records: execution.events().len(),
                    trace_hash: netsplit_sim::fnv1a(&bytes),
                    violations: Vec::new(),
                    findings: vec![format!(
                        "{} processes, {} events, {} messages ({in_flight} in flight)",
                        execution.processes().len(),
                        execution.events().len(),
                        execution.messages().len()
                    )],
                }
            }
            LabRun::Hashing(history) => hashing_report(history, seed),
        }
    }
}

/// Places the keys at every step of a history: the digest covers every preference list of
/// every step, and the findings narrate each change.
fn hashing_report(history: &HashingScenario, seed: u64) -> Report {
    let configs = history.configs().expect("a started history is valid");
    let mut bytes = Vec::new();
    let mut findings = Vec::new();
    let mut previous: Option<(netsplit_hashring::Placement, Vec<f64>)> = None;
    for (step, config) in configs.iter().enumerate() {
        let placement = config.place();
        let shares = config.fair_shares();
        bytes.extend(placement.lists().iter().flat_map(|id| id.0.to_le_bytes()));
        let balance = Balance::of(&placement, &shares);
        let summary = format!(
            "{}, {} nodes, {} keys: peak load {}× the fair share",
            config.strategy,
            config.members.len(),
            config.keys,
            netsplit_sim::decimal(balance.peak, 2)
        );
        findings.push(match &previous {
            None => format!("start: {summary}"),
            Some((before, before_shares)) => {
                let moved = Movement::between(before, before_shares, &placement, &shares);
                format!(
                    "step {step}, {}: moved {} of {} keys ({}%, ideal {}%), {} replica copies; {summary}",
                    history.ops[step - 1],
                    moved.moved,
                    moved.compared,
                    netsplit_sim::decimal(moved.fraction() * 100.0, 1),
                    netsplit_sim::decimal(moved.ideal * 100.0, 1),
                    moved.copies,
                )
            }
        });
        previous = Some((placement, shares));
    }
    let last = configs.len().saturating_sub(1);
    Report {
        lab: Lab::Hashing,
        seed,
        ended_at: Time(last as u64),
        steps: last as u64,
        records: configs.len(),
        trace_hash: netsplit_sim::fnv1a(&bytes),
        violations: Vec::new(),
        findings,
    }
}
