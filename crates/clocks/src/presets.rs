//! The Vector clocks lab's ready-made executions.

use netsplit_sim::lab::Preset;

use crate::{ClocksScenario, Execution, Step};

fn clocks(processes: usize, steps: Vec<Step>) -> ClocksScenario {
    ClocksScenario {
        processes: (0..processes).map(|i| format!("P{i}")).collect(),
        steps,
    }
}

fn local(process: u16, label: &str) -> Step {
    Step::Local {
        process,
        label: label.into(),
    }
}

fn send(from: u16, to: u16, label: &str) -> Step {
    Step::Send {
        from,
        to,
        label: label.into(),
    }
}

fn deliver(message: u32, label: &str) -> Step {
    Step::Deliver {
        message,
        label: label.into(),
    }
}

/// The lab's presets; the first is its default.
pub fn presets() -> Vec<Preset<ClocksScenario>> {
    vec![
        Preset {
            slug: "chain",
            title: "A causal chain",
            description: "P0 acts and tells P1, which tells P2: each event happened before the next, and \
                          the clocks grow along the chain.",
            breaks: &[],
            scenario: clocks(
                3,
                vec![
                    local(0, "decide"),
                    send(0, 1, "tell P1"),
                    deliver(0, "hear from P0"),
                    send(1, 2, "tell P2"),
                    deliver(1, "hear from P1"),
                    local(2, "act"),
                ],
            ),
        },
        Preset {
            slug: "concurrent",
            title: "Concurrent writes",
            description: "P0 and P1 write x without hearing of each other: their writes are concurrent, \
                          though P2 receives one before the other.",
            breaks: &[],
            scenario: clocks(
                3,
                vec![
                    local(0, "write x=1"),
                    local(1, "write x=2"),
                    send(0, 2, "x=1"),
                    send(1, 2, "x=2"),
                    deliver(1, "receive x=2"),
                    deliver(0, "receive x=1"),
                ],
            ),
        },
        Preset {
            slug: "overtaking",
            title: "A message overtakes another",
            description: "P0 sends two messages to P1; the second arrives first. The receive events \
                          are ordered on P1, the sends on P0, yet no clock says the first message \
                          arrived first.",
            breaks: &[],
            scenario: clocks(
                2,
                vec![
                    send(0, 1, "first"),
                    local(0, "think"),
                    send(0, 1, "second"),
                    deliver(1, "get second"),
                    deliver(0, "get first"),
                ],
            ),
        },
        Preset {
            slug: "random",
            title: "A random execution",
            description: "Four processes and thirty events generated from seed 1.",
            breaks: &[],
            scenario: clocks(4, Execution::generate(1, 4, 30).steps()),
        },
    ]
}
