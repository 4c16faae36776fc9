//! The CRDT lab: what it checks, its settings, its findings, how it is fuzzed, and the
//! comparison of set types on one run.

use netsplit_sim::lab::{
    About, Finding, Knob, NetworkLab, Preset, Replays, ScenarioError, named, named_bug, over,
    whole_number, with_copies,
};
use netsplit_sim::{Action, FaultPlan, Link, NodeId, Rng, Span, Time, Timed, random_faults};

use crate::{Bug, Command, ConvergenceMonitor, CrdtScenario, CrdtSim, Kind, Op, Params, Replica};

/// The CRDT lab.
pub struct CrdtLab;

/// When faults and updates stop in a CRDT fuzz run; the rest of the run is calm, long enough
/// for the replicas to converge.
pub const FAULTS_UNTIL: Time = Time(15_000);

impl NetworkLab for CrdtLab {
    const ABOUT: About = About {
        slug: "crdt",
        title: "CRDTs",
        summary: "Replicas edit apart, gossip their states, merge and converge: counters, sets \
                  and registers as lattices.",
        tag: 5,
        version: 1,
    };
    const PROPERTIES: &'static [(&'static str, &'static str)] = &[
        (
            "Only moves up",
            "Every update, merge and restart leaves a replica at or above its old state in the \
             lattice (§2.2).",
        ),
        (
            "Merges join",
            "A merge leaves a replica at the join of its old state and the one received (§2.2).",
        ),
        (
            "Converges",
            "Once the network is whole and the links calm, every replica reaches the merge of \
             all updates (§2.3).",
        ),
    ];
    type Node = Replica;
    type Monitor = ConvergenceMonitor;
    type Params = Params;

    fn nodes(params: &Params) -> usize {
        params.replicas
    }

    fn validate_params(params: &Params) -> Result<(), String> {
        params.validate()
    }

    /// Updates fit the replicas' type and name small letters; syncs go to another replica.
    fn validate_commands(s: &CrdtScenario) -> Result<(), ScenarioError> {
        let kind = s.params.kind;
        for (i, timed) in s.actions.iter().enumerate() {
            let Action::Command(node, command) = timed.action else {
                continue;
            };
            let why = match command {
                Command::Apply(op) => {
                    let letter = match op {
                        Op::Add(x) | Op::Remove(x) | Op::Set(x) => Some(x),
                        Op::Increment | Op::Decrement => None,
                    };
                    if !kind.ops(letter.unwrap_or('a')).contains(&op) {
                        format!("a {kind} cannot {op}")
                    } else if letter.is_some_and(|x| !x.is_ascii_lowercase()) {
                        "elements and values are small letters a to z".to_string()
                    } else {
                        continue;
                    }
                }
                Command::SyncTo(peer) if peer == node || peer.index() >= s.params.replicas => {
                    format!(
                        "a replica syncs to another one of n0 to n{}",
                        s.params.replicas - 1
                    )
                }
                Command::SyncTo(_) => continue,
            };
            return Err(ScenarioError(format!(
                "action {} at {} ({node}: {command}): {why}",
                i + 1,
                timed.at
            )));
        }
        Ok(())
    }

    fn build(params: &Params, links: Link, seed: u64) -> CrdtSim {
        params.build(links, seed)
    }

    fn set_param(params: &mut Params, key: &str, value: &str) -> Result<(), String> {
        match key {
            "type" => {
                params.kind = named("type", value, &Kind::ALL, Kind::name)?;
                params.bug = params.bug.filter(|b| b.applies_to(params.kind));
            }
            "bug" => params.bug = named_bug(value, &Bug::ALL, Bug::name)?,
            "replicas" => params.replicas = whole_number(key, value)? as usize,
            "period" => params.period = Span(whole_number(key, value)?),
            _ => {
                return Err(format!(
                    "the CRDT lab has no setting \"{key}\"; the settings are type, replicas, \
                     period and bug"
                ));
            }
        }
        Ok(())
    }

    /// Every period each replica sends its state to one peer: a timer and a delivery. An
    /// update costs an event; an explicit sync, a message and its delivery.
    fn expected_events(s: &CrdtScenario) -> u64 {
        let p = &s.params;
        let gossip = if p.period == Span(0) {
            0
        } else {
            over(s.duration, 2 * p.replicas as u64, p.period)
        };
        let actions = s.actions_taken();
        with_copies(gossip + 2 * actions, &s.links)
    }

    fn knobs() -> Vec<Knob<Params>> {
        vec![
            Knob::period("period", Params::PERIOD_MS, |p| p.period.0),
            Knob::count("replicas", Params::REPLICAS, |p| p.replicas as u64),
        ]
    }

    fn bug(params: &Params) -> Option<&'static str> {
        params.bug.map(Bug::name)
    }

    fn findings(sim: &CrdtSim) -> Vec<Finding> {
        let monitor = sim.monitor();
        let behind: Vec<String> = sim
            .nodes()
            .iter()
            .enumerate()
            .filter(|(_, s)| s.node().state() != monitor.target())
            .map(|(i, _)| format!("n{i}"))
            .collect();
        let target = monitor.target().value();
        let mut lines = vec![if behind.is_empty() {
            format!("✓ every replica holds the merge of all updates: {target}")
        } else {
            format!(
                "… {} not yet at the merge of all updates ({target})",
                behind.join(", ")
            )
        }];
        // The latest three: a long run converges after every change.
        lines.extend(monitor.convergences().iter().rev().take(3).map(|c| {
            format!(
                "converged at {}, {} after the last change at {}",
                c.at,
                c.took(),
                c.since
            )
        }));
        vec![Finding {
            heading: "Convergence",
            lines,
        }]
    }

    fn presets() -> Vec<Preset<CrdtScenario>> {
        crate::presets::presets()
    }

    fn fuzz_params() -> Params {
        Params::default()
    }

    /// Six replicas syncing as often as allowed, as an OR-Set (whose tombstones grow with every
    /// removal) and as a multi-value register.
    fn heaviest_params() -> Vec<Params> {
        [Kind::OrSet, Kind::MvRegister]
            .map(|kind| Params {
                replicas: *Params::REPLICAS.end(),
                kind,
                period: Span(*Params::PERIOD_MS.start()),
                bug: None,
            })
            .to_vec()
    }

    /// Each of the type's updates in turn, on each replica in turn.
    fn busy_action(params: &Params, i: usize) -> Action<Command> {
        let ops = params.kind.ops(char::from(b'a' + (i % 26) as u8));
        let replica = NodeId((i % params.replicas) as u16);
        Action::Command(replica, Command::Apply(ops[i / 26 % ops.len()]))
    }

    /// Random updates at random replicas and a few explicit syncs until [`FAULTS_UNTIL`] and,
    /// with `faults`, random crashes, restarts, partitions, loss and duplication until then.
    /// The run lasts long enough after that for the convergence deadline to pass.
    fn fuzz(seed: u64, params: Params, faults: bool) -> CrdtScenario {
        let links = Link::default();
        let mut actions = if faults {
            random_faults(
                seed,
                &FaultPlan {
                    nodes: params.replicas,
                    until: FAULTS_UNTIL,
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
            if t >= FAULTS_UNTIL.0 {
                break;
            }
            let replica = NodeId(rng.below(params.replicas as u64) as u16);
            let command = if rng.below(8) == 0 {
                let peer = (replica.0 + 1 + rng.below(params.replicas as u64 - 1) as u16)
                    % params.replicas as u16;
                Command::SyncTo(NodeId(peer))
            } else {
                let ops = params.kind.ops(char::from(b'a' + rng.below(5) as u8));
                Command::Apply(ops[rng.below(ops.len() as u64) as usize])
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
        CrdtScenario {
            seed,
            params,
            links,
            actions,
            duration: Span(FAULTS_UNTIL.0 + calm.0),
        }
    }
}

/// One set type's outcome in a comparison: what each replica holds at the end, and the rule
/// that explains it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SetOutcome {
    /// The type.
    pub kind: Kind,
    /// Each replica's value at the end of the run.
    pub values: Vec<String>,
    /// How the type settles a concurrent add and remove.
    pub rule: &'static str,
    /// The most entries any replica's state holds at the end ([`crate::State::entries`]).
    pub largest_state: usize,
}

/// Runs the same set operations, seed and faults with each of [`Kind::COMPARED`] (2P-Set,
/// OR-Set, optimized OR-Set, LWW set) and returns how each ends; refuses a run with operations
/// other than adding and removing.
pub fn compare_set_types(s: &CrdtScenario) -> Result<Vec<SetOutcome>, ScenarioError> {
    let mut comparison = SetComparison::new(s)?;
    comparison.go(u64::MAX);
    Ok(comparison.outcomes().expect("every run is at its end"))
}

/// [`compare_set_types`] on its way: a run for each set type, gone through a number of events
/// at a time ([`SetComparison::go`]), so that the page can go on between slices of a long one.
pub struct SetComparison(Replays<CrdtLab, Kind>);

impl SetComparison {
    /// The runs at their start; refuses a run with operations other than adding and removing.
    pub fn new(s: &CrdtScenario) -> Result<SetComparison, ScenarioError> {
        let only_set_ops = s.actions.iter().all(|t| {
            !matches!(
                t.action,
                Action::Command(_, Command::Apply(op)) if !matches!(op, Op::Add(_) | Op::Remove(_))
            )
        });
        if !only_set_ops {
            return Err(ScenarioError(
                "the comparison replays adds and removes; this run has other operations".into(),
            ));
        }
        let variants = Kind::COMPARED.into_iter().map(|kind| {
            let params = Params {
                kind,
                bug: None,
                ..s.params
            };
            (kind, params)
        });
        Ok(SetComparison(Replays::new(s, variants)?))
    }

    /// Runs at most `events` more events, the runs one after another; true once every run is
    /// at the end.
    pub fn go(&mut self, events: u64) -> bool {
        self.0.go(events)
    }

    /// How much of the way is gone, from 0 to 1.
    pub fn done(&self) -> f64 {
        self.0.done()
    }

    /// How each type ends, once every run is at the end.
    pub fn outcomes(&self) -> Option<Vec<SetOutcome>> {
        self.0.ended().map(|runs| {
            runs.iter()
                .map(|(kind, sim)| SetOutcome {
                    kind: *kind,
                    values: sim
                        .nodes()
                        .iter()
                        .map(|n| n.node().state().value())
                        .collect(),
                    rule: kind.conflict_rule(),
                    largest_state: sim
                        .nodes()
                        .iter()
                        .map(|n| n.node().state().entries())
                        .max()
                        .unwrap_or(0),
                })
                .collect()
        })
    }
}
