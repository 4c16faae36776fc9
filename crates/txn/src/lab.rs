//! The Transactions lab: what it checks, its settings, its findings and how it is fuzzed.

use netsplit_sim::lab::{
    About, Finding, Knob, NetworkLab, Preset, Replays, ScenarioError, named, named_bug, over,
    provoke, provoke_with, whole_number, with_copies,
};
use netsplit_sim::{
    Action, FaultPlan, Link, NodeId, Record, Rng, Slot, Span, Strike, Time, TraceEvent,
    random_crashes, random_faults,
};

use crate::{
    Account, Audits, Bug, Leg, Mode, Note, Params, Tally, Transfer, TxnMonitor, TxnNode,
    TxnScenario, TxnSim,
};

/// The Transactions lab.
pub struct TxnLab;

/// When faults stop in a fuzz run; the rest of the run is calm.
pub const FAULTS_UNTIL: Time = Time(8_000);
/// How long a fuzz run lasts.
pub const FUZZ_DURATION: Span = Span::secs(14);

impl NetworkLab for TxnLab {
    const ABOUT: About = About {
        slug: "transactions",
        title: "Transactions",
        summary: "Two-phase commit, three-phase commit and sagas: 2PC blocks while its \
                  coordinator is gone, 3PC decides two ways under a partition, and a saga \
                  gives up isolation.",
        tag: 7,
        version: 1,
    };
    const PROPERTIES: &'static [(&'static str, &'static str)] = &[
        (
            "Atomicity",
            "No transaction commits at one participant and aborts at another; a saga ends \
             with every step in effect, or none.",
        ),
        (
            "Money is conserved",
            "Whenever no transaction is in progress, the balances sum to the money the run \
             began with.",
        ),
        (
            "Decisions are not lost",
            "Once the cluster is calm, a decision logged reaches every participant within a \
             few timeouts.",
        ),
    ];
    type Node = TxnNode;
    type Monitor = TxnMonitor;
    type Params = Params;

    /// A saga logs no decision to lose: it checks the first two.
    fn checks(params: &Params) -> &'static [(&'static str, &'static str)] {
        match params.mode {
            Mode::Saga => &Self::PROPERTIES[..2],
            Mode::TwoPhase | Mode::ThreePhase => Self::PROPERTIES,
        }
    }

    fn nodes(params: &Params) -> usize {
        params.nodes()
    }

    fn validate_params(params: &Params) -> Result<(), String> {
        params.validate()
    }

    /// Transfers go to the coordinator, n0, and must be transfers the run's accounts allow.
    fn validate_commands(s: &TxnScenario) -> Result<(), ScenarioError> {
        for timed in &s.actions {
            if let Action::Command(node, transfer) = &timed.action {
                if *node != NodeId(0) {
                    return Err(format!(
                        "transfers go to the coordinator n0, not to {node} (at {})",
                        timed.at
                    )
                    .into());
                }
                transfer
                    .validate(&s.params)
                    .map_err(|why| format!("the transfer at {}: {why}", timed.at))?;
            }
        }
        Ok(())
    }

    fn build(params: &Params, links: Link, seed: u64) -> TxnSim {
        params.build(links, seed)
    }

    fn set_param(params: &mut Params, key: &str, value: &str) -> Result<(), String> {
        let ms = |value: &str| whole_number(key, value).map(Span);
        match key {
            "mode" => params.mode = named("mode", value, &Mode::ALL, Mode::name)?,
            "bug" => params.bug = named_bug(value, &Bug::ALL, Bug::name)?,
            "participants" => params.participants = whole_number(key, value)? as usize,
            "transfers" => params.transfers = whole_number(key, value)? as usize,
            "gap" => params.gap = ms(value)?,
            "timeout" => params.timeout = ms(value)?,
            "audit_every" => params.audit_every = ms(value)?,
            "cooperative" => {
                params.cooperative = match value.trim() {
                    "true" | "yes" | "1" => true,
                    "false" | "no" | "0" => false,
                    _ => return Err(format!("cooperative is true or false, not \"{value}\"")),
                }
            }
            _ => {
                return Err(format!(
                    "Transactions has no setting \"{key}\"; the settings are mode, \
                     participants, transfers, gap, timeout, audit_every, cooperative and bug"
                ));
            }
        }
        Ok(())
    }

    /// Each transfer's messages (at most four rounds with every participant, each a send, a
    /// delivery and its answer's) and timers; the auditor's rounds; and while anything is in
    /// doubt, every participant and the coordinator asking or sending again each timeout
    /// (for as many transactions as can be under way at once). An action sets off one more
    /// round of asking.
    fn expected_events(s: &TxnScenario) -> u64 {
        let p = &s.params;
        let n = p.participants as u64;
        let transfers = p.transfers as u64 + s.actions_taken();
        let per_transfer = 4 * 4 * Transfer::MOST_LEGS as u64 + 8;
        let audits = over(s.duration, 6 * n + 4, p.audit_every);
        let at_once = (p.timeout.0 * 3 / p.gap.0.max(1) + 2).min(transfers.max(1));
        let asking = over(s.duration, at_once * (4 * n * n + 4 * n), p.timeout);
        with_copies(
            transfers * per_transfer + audits + asking + s.actions_taken() * 8 * n,
            &s.links,
        )
    }

    fn knobs() -> Vec<Knob<Params>> {
        vec![
            Knob::period("timeout", Params::TIMEOUT_MS, |p| p.timeout.0),
            Knob::period("audit_every", Params::AUDIT_MS, |p| p.audit_every.0),
            Knob::period("gap", Params::GAP_MS, |p| p.gap.0),
            Knob::count("participants", Params::PARTICIPANTS, |p| {
                p.participants as u64
            }),
            Knob::count("transfers", Params::TRANSFERS, |p| p.transfers as u64),
        ]
    }

    fn bug(params: &Params) -> Option<&'static str> {
        params.bug.map(Bug::name)
    }

    fn findings(sim: &TxnSim) -> Vec<Finding> {
        vec![outcomes(sim), in_doubt(sim), audits(sim)]
    }

    fn presets() -> Vec<Preset<TxnScenario>> {
        crate::presets::presets()
    }

    fn fuzz_params() -> Params {
        Params {
            transfers: 30,
            gap: Span(200),
            timeout: Span(40),
            audit_every: Span(300),
            ..Params::default()
        }
    }

    /// The most participants, transfers and audits, with the shortest timeout, in each mode.
    fn heaviest_params() -> Vec<Params> {
        let heavy = Params {
            participants: *Params::PARTICIPANTS.end(),
            transfers: *Params::TRANSFERS.end(),
            gap: Span(*Params::GAP_MS.start()),
            timeout: Span(*Params::TIMEOUT_MS.start()),
            audit_every: Span(*Params::AUDIT_MS.start()),
            cooperative: true,
            ..Params::default()
        };
        Mode::ALL
            .into_iter()
            .map(|mode| Params { mode, ..heavy })
            .collect()
    }

    /// A client's transfer: one unit from one account to another.
    fn busy_action(params: &Params, i: usize) -> Action<Transfer> {
        let accounts = params.accounts();
        let from = (i % accounts) as u8;
        let to = ((i + 2) % accounts) as u8;
        Action::Command(
            NodeId(0),
            Transfer {
                legs: vec![
                    Leg {
                        account: Account(from),
                        amount: -1,
                    },
                    Leg {
                        account: Account(to),
                        amount: 1,
                    },
                ],
            },
        )
    }

    /// Links of 1 to 10 ms (well inside the timeout) and the coordinator's own transfers;
    /// with `faults`, random crashes, partitions, cuts, loss and duplication until
    /// [`FAULTS_UNTIL`], with the strikes of [`TxnLab::aim`].
    fn fuzz(seed: u64, params: Params, faults: bool) -> TxnScenario {
        let links = fuzz_links();
        let mut scenario = TxnScenario {
            seed,
            params,
            links,
            actions: Vec::new(),
            duration: FUZZ_DURATION,
        };
        if faults {
            scenario.actions = random_faults(
                seed,
                &FaultPlan {
                    nodes: params.nodes(),
                    until: FAULTS_UNTIL,
                    mean_gap: Span(1200),
                    calm: links,
                },
            );
            scenario = provoke::<TxnLab>(scenario, FAULTS_UNTIL);
        }
        scenario
    }

    /// Where a commit is fragile: a participant restarted right after it voted yes; the
    /// coordinator crashed right after it began (its participants are left in doubt) and
    /// brought back later; and, under 3PC, a participant cut off right after PRECOMMIT went
    /// out, so that each side of the cut terminates on its own.
    fn aim(
        step: &[Record<TxnNode>],
        nodes: &[Slot<TxnNode>],
        rng: &mut Rng,
    ) -> Vec<Strike<Transfer>> {
        strikes(step, nodes, rng, true)
    }
}

/// The links of a fuzz run.
fn fuzz_links() -> Link {
    Link {
        latency_min: Span(1),
        latency_max: Span(10),
        ..Link::default()
    }
}

/// The nemesis's strikes after a step; with `cuts`, partitions as well as crashes.
fn strikes(
    step: &[Record<TxnNode>],
    nodes: &[Slot<TxnNode>],
    rng: &mut Rng,
    cuts: bool,
) -> Vec<Strike<Transfer>> {
    let TxnNode::Coordinator(coordinator) = nodes[0].node() else {
        return Vec::new();
    };
    let timeout = coordinator.params().timeout.0;
    let mut strikes = Vec::new();
    for record in step {
        let TraceEvent::Noted { note, .. } = &record.event else {
            continue;
        };
        match *note {
            Note::Voted {
                participant,
                refusal: None,
                ..
            } if rng.below(8) == 0 => strikes.push(Strike::Bounce {
                node: participant,
                after: Span(rng.below(timeout)),
                down: Span(timeout + rng.below(10 * timeout)),
            }),
            Note::Begins { .. } if rng.below(10) == 0 => strikes.push(Strike::Bounce {
                node: NodeId(0),
                after: Span(rng.below(2 * timeout)),
                down: Span(timeout + rng.below(20 * timeout)),
            }),
            Note::Precommits { tx, by } if cuts && by == NodeId(0) && rng.below(3) == 0 => {
                let Some(t) = coordinator.txs.iter().find(|t| t.id == tx) else {
                    continue;
                };
                let cut = t.participants[rng.below(t.participants.len() as u64) as usize];
                strikes.push(Strike::Isolate {
                    nodes: vec![cut],
                    lasting: Span(4 * timeout + rng.below(20 * timeout)),
                });
            }
            _ => {}
        }
    }
    strikes
}

impl TxnLab {
    /// A fuzz run in which nodes only crash, on links of bounded delay that lose nothing: what
    /// 3PC assumes (Skeen 1981). Random crashes and restarts until [`FAULTS_UNTIL`], and the
    /// nemesis's crashes, no partition and no message held.
    pub fn crash_only(seed: u64, params: Params) -> TxnScenario {
        let mut rng = Rng::seeded(seed ^ 0x0074_786e);
        // The coordinator and the participants; the auditor's crashes would prove nothing.
        let actions = random_crashes(&mut rng, params.participants + 1, FAULTS_UNTIL, 1500);
        let scenario = TxnScenario {
            seed,
            params,
            links: fuzz_links(),
            actions,
            duration: FUZZ_DURATION,
        };
        provoke_with::<TxnLab>(scenario, FAULTS_UNTIL, false, |step, nodes, rng| {
            strikes(step, nodes, rng, false)
        })
    }
}

/// How one protocol ended a run, in [`ProtocolComparison`].
#[derive(Clone, Debug)]
pub struct ProtocolOutcome {
    /// The protocol.
    pub mode: Mode,
    /// How its transactions went.
    pub tally: Tally,
    /// Transactions still in progress at the end.
    pub open: usize,
    /// The longest any participant stayed in doubt about one transaction (still in doubt
    /// included).
    pub longest_doubt: Span,
    /// The audits that read every balance, and how many saw a state no serial order shows.
    pub audits: Audits,
    /// The properties it broke.
    pub broken: Vec<String>,
}

/// The same run (seed, links, transfers and faults) under each protocol, to its end, a slice
/// of events at a time: what 2PC, 3PC and a saga each make of the same faults. A bug stays on
/// under the protocols it applies to.
pub struct ProtocolComparison(Replays<TxnLab, Mode>);

impl ProtocolComparison {
    /// The runs at their start.
    pub fn new(s: &TxnScenario) -> Result<ProtocolComparison, ScenarioError> {
        let variants = Mode::ALL.into_iter().map(|mode| {
            let params = Params {
                mode,
                bug: s.params.bug.filter(|b| b.modes().contains(&mode)),
                ..s.params
            };
            (mode, params)
        });
        Ok(ProtocolComparison(Replays::new(s, variants)?))
    }

    /// Runs at most `events` more events; true once every run is at its end.
    pub fn go(&mut self, events: u64) -> bool {
        self.0.go(events)
    }

    /// How much of the way is gone, from 0 to 1.
    pub fn done(&self) -> f64 {
        self.0.done()
    }

    /// How each protocol ended, once every run is at its end.
    pub fn outcomes(&self) -> Option<Vec<ProtocolOutcome>> {
        self.0.ended().map(|runs| {
            runs.iter()
                .map(|(mode, sim)| {
                    let monitor = sim.monitor();
                    let now = sim.now();
                    let longest_doubt = monitor
                        .doubt()
                        .iter()
                        .map(|d| d.at(now).1)
                        .max()
                        .unwrap_or(Span(0));
                    let mut broken: Vec<String> = sim
                        .violations()
                        .iter()
                        .map(|v| v.property.clone())
                        .collect();
                    broken.dedup();
                    ProtocolOutcome {
                        mode: *mode,
                        tally: monitor.tally(),
                        open: monitor.open(),
                        longest_doubt,
                        audits: monitor.audits(),
                        broken,
                    }
                })
                .collect()
        })
    }
}

/// How the transactions ended.
fn outcomes(sim: &TxnSim) -> Finding {
    let t = sim.monitor().tally();
    let saga = sim.config().mode == Mode::Saga;
    let (done, undone) = if saga {
        ("completed", "compensated")
    } else {
        ("committed", "aborted")
    };
    let mut lines = vec![format!(
        "{} begun: {} {done}, {} {undone}, {} in progress",
        t.begun,
        t.committed,
        t.aborted,
        sim.monitor().open()
    )];
    if t.refused > 0 {
        lines.push(format!(
            "{} {} refused by a participant (funds or locks)",
            t.refused,
            if saga { "steps" } else { "votes" }
        ));
    }
    let balances: Vec<String> = sim
        .nodes()
        .iter()
        .filter_map(|slot| match slot.node() {
            TxnNode::Participant(p) => Some(p),
            _ => None,
        })
        .flat_map(|p| p.balances)
        .zip(0u8..)
        .map(|(b, a)| format!("{} {b}", Account(a)))
        .collect();
    lines.push(format!("balances: {}", balances.join(", ")));
    Finding {
        heading: "Transactions",
        lines,
    }
}

/// How long each participant stayed in doubt, holding its locks.
fn in_doubt(sim: &TxnSim) -> Finding {
    let now = sim.now();
    let lines = sim
        .monitor()
        .doubt()
        .iter()
        .enumerate()
        .filter(|(i, _)| (1..=sim.config().participants).contains(i))
        .map(|(i, d)| {
            let (total, longest) = d.at(now);
            let still = if d.now.is_empty() {
                String::new()
            } else {
                match d.now.len() {
                    1 => ", still in doubt about one transaction".to_string(),
                    n => format!(", still in doubt about {n} transactions"),
                }
            };
            format!("n{i}: {total} in all, {longest} at most{still}")
        })
        .collect();
    Finding {
        heading: "Time in doubt, holding locks",
        lines,
    }
}

/// What the auditor read.
fn audits(sim: &TxnSim) -> Finding {
    let a = sim.monitor().audits();
    let total = sim.config().total();
    let mut lines = vec![format!(
        "{} audits read every balance; {} saw a sum other than {total}",
        a.done, a.anomalies
    )];
    if let Some((audit, sum, at)) = a.last_anomaly {
        lines.push(format!(
            "the last, audit {audit} at {at}, summed to {sum}: no serial order of the \
             transfers shows that sum (money in flight, or lost)"
        ));
    }
    Finding {
        heading: "Audits (isolation)",
        lines,
    }
}
