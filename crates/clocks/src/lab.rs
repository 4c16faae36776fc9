//! The Vector clocks lab: an execution written down as its processes and steps, with no
//! network and no virtual time. Its moments are step counts.

use netsplit_sim::lab::{About, Finding, Lab, Preset, Recording, Report, ScenarioError};
use netsplit_sim::{Span, Time, Violation};
use serde::{Deserialize, Serialize};

use crate::{Event, Execution, Step};

/// The Vector clocks lab.
pub struct ClocksLab;

/// An execution of the Vector clocks lab: its processes and the steps that build it.
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

    /// The execution built by the first `steps` steps.
    pub fn execution(&self, steps: usize) -> Result<Execution, ScenarioError> {
        Execution::from_steps(
            self.processes.clone(),
            &self.steps[..steps.min(self.steps.len())],
        )
        .map_err(|e| ScenarioError(e.0))
    }
}

/// An execution being replayed step by step.
#[derive(Clone, Debug)]
pub struct ClocksRun {
    scenario: ClocksScenario,
    taken: usize,
    execution: Execution,
}

impl ClocksRun {
    /// The execution of the steps taken so far.
    pub fn execution(&self) -> &Execution {
        &self.execution
    }
}

/// The canonical bytes of an execution (postcard), which its hash is taken over.
pub fn execution_bytes(execution: &Execution) -> Vec<u8> {
    postcard::to_allocvec(execution).expect("an execution always encodes")
}

impl Lab for ClocksLab {
    const ABOUT: About = About {
        slug: "clocks",
        title: "Vector clocks",
        summary: "A space-time diagram with Lamport and vector clocks: which event happened \
                  before which, and which were concurrent.",
        tag: 2,
        version: 1,
    };
    type Scenario = ClocksScenario;
    type Run = ClocksRun;
    type Record = Event;

    /// Refuses anything out of range, and steps that cannot be taken.
    fn validate(s: &ClocksScenario) -> Result<(), ScenarioError> {
        let (lo, hi) = ClocksScenario::PROCESSES.into_inner();
        netsplit_sim::check_range(
            "processes",
            s.processes.len() as u64,
            lo as u64,
            hi as u64,
            "",
        )
        .map_err(ScenarioError)?;
        if let Some(name) = s
            .processes
            .iter()
            .find(|n| n.is_empty() || n.chars().count() > ClocksScenario::MAX_NAME)
        {
            return Err(ScenarioError(format!(
                "process names are 1 to {} characters long, got \"{name}\"",
                ClocksScenario::MAX_NAME
            )));
        }
        if s.steps.len() > ClocksScenario::MAX_STEPS {
            return Err(ScenarioError(format!(
                "an execution holds at most {} steps, got {}",
                ClocksScenario::MAX_STEPS,
                s.steps.len()
            )));
        }
        s.execution(s.steps.len()).map(|_| ())
    }

    fn build(s: &ClocksScenario, _: Recording) -> ClocksRun {
        ClocksRun {
            scenario: s.clone(),
            taken: 0,
            execution: s.execution(0).expect("no steps are always valid"),
        }
    }

    fn seed(_: &ClocksScenario) -> u64 {
        0
    }

    fn duration(s: &ClocksScenario) -> Span {
        Span(s.steps.len() as u64)
    }

    fn run_until(run: &mut ClocksRun, t: Time) {
        let steps = (t.0 as usize).min(run.scenario.steps.len());
        if steps > run.taken {
            run.taken = steps;
            run.execution = run
                .scenario
                .execution(steps)
                .expect("the steps of a validated execution can be taken");
        }
    }

    fn report(run: &ClocksRun) -> Report {
        let execution = &run.execution;
        let in_flight = execution.in_flight().count();
        let events = execution.events().len();
        Report {
            lab: Self::ABOUT.slug,
            seed: 0,
            ended_at: Time(events as u64),
            steps: events as u64,
            records: events,
            trace_hash: netsplit_sim::fnv1a(&execution_bytes(execution)),
            violations: Vec::<Violation>::new(),
            findings: vec![Finding {
                heading: "Execution",
                lines: vec![format!(
                    "{} processes, {events} events, {} messages ({in_flight} in flight)",
                    execution.processes().len(),
                    execution.messages().len()
                )],
            }],
        }
    }

    fn records(run: &ClocksRun) -> &[Event] {
        run.execution.events()
    }

    /// Each step with the clock of its event: the event it made, or the one a
    /// [`Step::SendFrom`] sends from.
    fn narrate(run: &ClocksRun) -> impl Iterator<Item = (String, String)> + '_ {
        let execution = &run.execution;
        let mut made = execution.events().iter();
        run.scenario.steps[..run.taken].iter().map(move |step| {
            let event = match step {
                Step::SendFrom { event, .. } => &execution.events()[*event as usize],
                _ => made.next().expect("every other step makes an event"),
            };
            (event.clock.to_string(), execution.describe(step))
        })
    }

    fn presets() -> Vec<Preset<ClocksScenario>> {
        crate::presets::presets()
    }

    /// The most processes, with the most steps (every process sending to the next, each
    /// message delivered, with the longest labels), and one step more than allowed.
    fn heaviest() -> Vec<ClocksScenario> {
        let processes = *ClocksScenario::PROCESSES.end();
        let label = |i: usize| format!("{i:0>width$}", width = ClocksScenario::MAX_NAME);
        let steps = |count: usize| {
            (0..count)
                .map(|i| match i % 2 {
                    0 => Step::Send {
                        from: (i / 2 % processes) as u16,
                        to: ((i / 2 + 1) % processes) as u16,
                        label: label(i),
                    },
                    _ => Step::Deliver {
                        message: (i / 2) as u32,
                        label: label(i),
                    },
                })
                .collect()
        };
        let names: Vec<String> = (0..processes).map(|p| format!("p{p}")).collect();
        [ClocksScenario::MAX_STEPS, ClocksScenario::MAX_STEPS + 1]
            .map(|count| ClocksScenario {
                processes: names.clone(),
                steps: steps(count),
            })
            .to_vec()
    }
}
