//! A ten-minute run of five Raft servers with a client request every half second: what time
//! travel in the browser must seek through quickly.

use netsplit_raft::{Command, Op, Params, RaftLab, RaftScenario, RaftSim};
use netsplit_sim::lab::{Lab, Recording};
use netsplit_sim::{Action, Link, NodeId, Span, Time, Timed};

/// How long the run is, in milliseconds.
pub const LENGTH_MS: u64 = 600_000;

/// The run, played to its end.
pub fn ten_minutes() -> Box<RaftSim> {
    until(LENGTH_MS)
}

/// The run, played from the start to `ms`.
pub fn until(ms: u64) -> Box<RaftSim> {
    let actions = (1..1200u64)
        .map(|i| Timed {
            at: Time(i * 500),
            action: Action::Command(
                NodeId((i % 5) as u16),
                Command::Request(Op {
                    key: 'k',
                    value: i as u32,
                }),
            ),
        })
        .collect();
    let scenario = RaftScenario {
        seed: 3,
        params: Params::default(),
        links: Link::default(),
        actions,
        duration: Span(LENGTH_MS),
    };
    let mut run = RaftLab::start(&scenario, Recording::Full).expect("the long run is valid");
    run.run_until(Time(ms));
    run
}
