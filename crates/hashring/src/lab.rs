//! The Consistent hashing lab: a history of a cluster, written down as where it starts and the
//! changes made to it. It has no virtual time: its moments are step counts.

use netsplit_sim::lab::{About, Finding, Lab, Preset, Recording, Report, ScenarioError};
use netsplit_sim::{Span, Time};
use serde::{Deserialize, Serialize};

use crate::{Balance, Config, Movement, Op, Params, Placement, Placements};

/// The Consistent hashing lab.
pub struct HashingLab;

/// A history of the Consistent hashing lab: the cluster it starts from and the changes made
/// to it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HashingScenario {
    /// The cluster at the start.
    pub params: Params,
    /// The changes, in order.
    pub ops: Vec<Op>,
}

impl HashingScenario {
    /// The most changes a history may hold.
    pub const MAX_OPS: usize = 1000;
    /// The most work a history may take, in key steps (about one hash and comparison each;
    /// see [`placement_work`]): about two seconds on this project's machines, so that no link
    /// can keep a page or the command line busy for minutes.
    pub const MAX_WORK: u64 = 300_000_000;

    /// The cluster at the start and after each change.
    pub fn configs(&self) -> Result<Vec<Config>, ScenarioError> {
        self.params.validate().map_err(ScenarioError)?;
        if self.ops.len() > Self::MAX_OPS {
            return Err(ScenarioError(format!(
                "a history holds at most {} changes, got {}",
                Self::MAX_OPS,
                self.ops.len()
            )));
        }
        let mut config = Config::new(&self.params);
        let mut configs = vec![config.clone()];
        for (i, op) in self.ops.iter().enumerate() {
            config
                .apply(*op)
                .map_err(|e| ScenarioError(format!("step {} ({op}): {e}", i + 1)))?;
            configs.push(config.clone());
        }
        let work: u64 = configs.iter().map(placement_work).sum();
        if work > Self::MAX_WORK {
            let most = Self::MAX_WORK / placement_work(&configs[0]).max(1);
            return Err(ScenarioError(format!(
                "this history would take about {} million key steps (its keys placed {} times), \
                 over the {} million a history may take; use fewer keys, nodes, virtual nodes or \
                 changes (at its starting settings, at most {} placements, that is {} changes)",
                work / 1_000_000,
                configs.len(),
                Self::MAX_WORK / 1_000_000,
                most,
                most.saturating_sub(1)
            )));
        }
        Ok(configs)
    }
}

/// The key steps one placement of `config` takes, per key: a score against every node for each
/// of R picks for rendezvous, a search of the tokens and a walk to R distinct nodes for the
/// rings (counted twice: each step does more), a hash per replica for modulo and jump.
/// Measured on the host, 100,000 keys on 64 nodes: rendezvous with one replica 40 ms, with
/// five 250 ms; a ring of 32,768 tokens with five replicas 32 ms: 130 to 160 million key steps
/// a second.
fn placement_work(config: &Config) -> u64 {
    let replicas = u64::from(config.replicas);
    let per_key = match config.strategy {
        crate::Strategy::Rendezvous => config.members.len() as u64 * replicas,
        crate::Strategy::Ring | crate::Strategy::Bounded => {
            let tokens: u64 = config
                .members
                .iter()
                .map(|m| u64::from(m.weight) * u64::from(config.vnodes))
                .sum();
            2 * (u64::from(64 - tokens.max(1).leading_zeros()) + replicas)
        }
        crate::Strategy::Modulo | crate::Strategy::Jump => replicas,
    };
    u64::from(config.keys) * per_key
}

/// A history being replayed: the changes taken so far.
#[derive(Clone, Debug)]
pub struct HashingRun {
    history: HashingScenario,
    taken: usize,
}

impl Lab for HashingLab {
    const ABOUT: About = About {
        slug: "hashing",
        title: "Consistent hashing",
        summary: "Where keys live and how many move when nodes come and go: modulo, rings with \
                  virtual nodes, rendezvous, jump and bounded loads.",
        tag: 3,
        version: 1,
    };
    type Scenario = HashingScenario;
    type Run = HashingRun;
    type Record = Op;

    /// Refuses anything out of range, and changes that cannot be made.
    fn validate(s: &HashingScenario) -> Result<(), ScenarioError> {
        s.configs().map(|_| ())
    }

    fn build(s: &HashingScenario, _: Recording) -> HashingRun {
        HashingRun {
            history: s.clone(),
            taken: 0,
        }
    }

    fn seed(s: &HashingScenario) -> u64 {
        s.params.seed
    }

    fn duration(s: &HashingScenario) -> Span {
        Span(s.ops.len() as u64)
    }

    fn run_until(run: &mut HashingRun, t: Time) {
        run.taken = run.taken.max((t.0 as usize).min(run.history.ops.len()));
    }

    /// Places the keys at every step taken: the digest covers every preference list of every
    /// step, and the findings narrate each change.
    fn report(run: &HashingRun) -> Report {
        let mut reporting = Reporting::new(run);
        reporting.go(usize::MAX);
        reporting.report()
    }

    fn records(run: &HashingRun) -> &[Op] {
        &run.history.ops[..run.taken]
    }

    fn narrate(run: &HashingRun) -> impl Iterator<Item = (String, String)> + '_ {
        Self::records(run)
            .iter()
            .enumerate()
            .map(|(i, op)| (format!("step {}", i + 1), op.to_string()))
    }

    fn presets() -> Vec<Preset<HashingScenario>> {
        crate::presets::presets()
    }

    /// For every strategy, every key, node, virtual node and replica the ranges allow, with a
    /// thousand changes (refused unless the strategy is cheap enough) and with as many as the
    /// work budget allows.
    fn heaviest() -> Vec<HashingScenario> {
        let mut corpus = Vec::new();
        for strategy in crate::Strategy::ALL {
            let params = Params {
                strategy,
                nodes: Params::NODES.1,
                vnodes: Params::VNODES.1,
                keys: Params::KEYS.1,
                replicas: Params::REPLICAS.1,
                epsilon: Params::EPSILON.0,
                seed: 1,
            };
            let history = |changes: usize| HashingScenario {
                params,
                ops: (0..changes)
                    .map(|i| Op::Weight(netsplit_sim::NodeId((i % 64) as u16), 1 + (i % 8) as u32))
                    .collect(),
            };
            let placements = HashingScenario::MAX_WORK / placement_work(&Config::new(&params));
            let mut changes = (placements as usize)
                .saturating_sub(1)
                .min(HashingScenario::MAX_OPS);
            // Changes of weight change the work of a ring's placement a little: the most that fit.
            while changes > 0 && Self::validate(&history(changes)).is_err() {
                changes -= 1;
            }
            corpus.push(history(HashingScenario::MAX_OPS));
            corpus.push(history(changes));
        }
        corpus
    }
}

/// [`HashingLab`]'s report on its way: the clusters of the steps taken placed one after
/// another, a number of keys at a time ([`Reporting::go`]), each hashed and described as it is
/// placed, so that a long history's report can be spread over frames.
pub struct Reporting {
    history: HashingScenario,
    placements: Placements,
    /// The step placed last, with its fair shares, to measure the next step's movement.
    previous: Option<(Placement, Vec<f64>)>,
    // Hashed as it goes: the placements of a long history would take gigabytes together.
    hash: netsplit_sim::Fnv1a,
    lines: Vec<String>,
}

impl Reporting {
    /// Nothing placed yet.
    pub fn new(run: &HashingRun) -> Reporting {
        let history = HashingScenario {
            params: run.history.params,
            ops: run.history.ops[..run.taken].to_vec(),
        };
        let configs = history.configs().expect("a started history is valid");
        Reporting {
            placements: Placements::new(configs),
            history,
            previous: None,
            hash: netsplit_sim::Fnv1a::default(),
            lines: Vec::new(),
        }
    }

    /// Places at most `keys` more keys, step after step; true once every step is placed.
    pub fn go(&mut self, mut keys: usize) -> bool {
        while let Some((_, placement)) = self.placements.next(&mut keys) {
            self.describe(self.lines.len(), placement);
        }
        self.placements.finished()
    }

    /// Hashes step `step`'s placement and writes its line.
    fn describe(&mut self, step: usize, placement: Placement) {
        let config = &self.placements.configs()[step];
        let shares = config.fair_shares();
        for id in placement.lists() {
            self.hash.write(&id.0.to_le_bytes());
        }
        let balance = Balance::of(&placement, &shares);
        let summary = format!(
            "{}, {} nodes, {} keys: peak load {}× the fair share",
            config.strategy,
            config.members.len(),
            config.keys,
            netsplit_sim::decimal(balance.peak, 2)
        );
        self.lines.push(match &self.previous {
            None => format!("start: {summary}"),
            Some((before, before_shares)) => {
                let moved = Movement::between(before, before_shares, &placement, &shares);
                format!(
                    "step {step}, {}: moved {} of {} keys (at least {} had to; {}%, ideal {}%), {} replica copies; {summary}",
                    self.history.ops[step - 1],
                    moved.moved,
                    moved.compared,
                    moved.floor,
                    netsplit_sim::decimal(moved.fraction() * 100.0, 1),
                    netsplit_sim::decimal(moved.ideal * 100.0, 1),
                    moved.copies,
                )
            }
        });
        self.previous = Some((placement, shares));
    }

    /// How much of the way is gone, from 0 to 1.
    pub fn done(&self) -> f64 {
        self.placements.done()
    }

    /// The report, once every step is placed.
    pub fn report(self) -> Report {
        debug_assert_eq!(
            self.lines.len(),
            self.placements.configs().len(),
            "a report is of every step"
        );
        let last = self.placements.configs().len().saturating_sub(1);
        Report {
            lab: HashingLab::ABOUT.slug,
            seed: self.history.params.seed,
            ended_at: Time(last as u64),
            steps: last as u64,
            records: self.placements.configs().len(),
            trace_hash: self.hash.finish(),
            violations: Vec::new(),
            findings: vec![Finding {
                heading: "Keys moved at each step",
                lines: self.lines,
            }],
        }
    }
}
