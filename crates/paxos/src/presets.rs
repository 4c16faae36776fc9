//! The Paxos lab's ready-made scenarios.

use netsplit_sim::lab::{LabScenario, Preset, at, cut_off};
use netsplit_sim::{Action, Link, NodeId, Span, Timed};

use crate::{Bug, Command, Mode, Params, PaxosScenario, Value};

fn paxos(
    seed: u64,
    params: Params,
    actions: Vec<Timed<Action<Command>>>,
    seconds: u64,
) -> PaxosScenario {
    LabScenario {
        seed,
        params,
        links: Link::default(),
        actions,
        duration: Span::secs(seconds),
    }
}

fn propose(node: u16, letter: char) -> Action<Command> {
    Action::Command(NodeId(node), Command::Propose(Value::Client(letter)))
}

/// The lab's presets; the first is its default.
pub fn presets() -> Vec<Preset<PaxosScenario>> {
    let single = Params::default();
    let multi = Params {
        mode: Mode::Multi,
        ..single
    };
    vec![
        Preset {
            slug: "one-proposer",
            title: "One proposer",
            description: "n0 proposes A. Phase 1: Prepare 1.0 to the three acceptors, each promises. \
                          Phase 2: Accept 1.0 with A; A is chosen the moment a second acceptor accepts, \
                          and the learners hear of it one message later.",
            breaks: &[],
            scenario: paxos(
                1,
                Params {
                    proposers: 1,
                    ..single
                },
                vec![at(200, propose(0, 'A'))],
                3,
            ),
        },
        Preset {
            slug: "duel",
            title: "Duelling proposers",
            description: "n0 proposes A and n1 proposes B at almost the same time. Each new Prepare \
                          outbids the other's ballot before its Accepts land, so ballots are refused one \
                          after another until a random backoff lets one proposer finish both phases.",
            breaks: &[],
            scenario: paxos(
                32,
                Params {
                    backoff_max: Span::millis(100),
                    ..single
                },
                vec![at(200, propose(0, 'A')), at(200, propose(1, 'B'))],
                6,
            ),
        },
        Preset {
            slug: "proposer-crash",
            title: "Proposer crashes after phase 1",
            description: "n0 finishes phase 1 for A and at that moment is cut off and crashes: its Accepts \
                          never arrive. The acceptors still hold its promise, so n1 proposes B with a \
                          higher ballot and gets it chosen. n0 restarts at 2.5 s, remembers the round it \
                          used, and its new ballot finds B and carries it forward instead of A.",
            breaks: &[],
            scenario: paxos(
                1,
                single,
                vec![
                    at(200, propose(0, 'A')),
                    at(PROPOSER_CRASH_AT, cut_off(&[0])),
                    at(PROPOSER_CRASH_AT, Action::Crash(NodeId(0))),
                    at(800, Action::Heal),
                    at(1000, propose(1, 'B')),
                    at(2500, Action::Restart(NodeId(0))),
                    at(2600, propose(0, 'C')),
                ],
                4,
            ),
        },
        Preset {
            slug: "carried-forward",
            title: "A minority's value is carried forward",
            description: "n0's Accept for A reaches only n2 before n0 crashes: A is accepted by a minority, \
                          not chosen. n1 then proposes B, but n2 is in its majority of promises and reports \
                          A, so n1 must propose A (P2c): B is never proposed, and A is chosen.",
            breaks: &[],
            scenario: paxos(
                1,
                single,
                vec![
                    at(200, propose(0, 'A')),
                    at(PROPOSER_CRASH_AT, cut_off(&[0, 2])),
                    at(600, Action::Crash(NodeId(0))),
                    at(600, cut_off(&[4])),
                    at(800, propose(1, 'B')),
                    at(2000, Action::Heal),
                ],
                3,
            ),
        },
        Preset {
            slug: "multi",
            title: "Multi-Paxos: one leader, many slots",
            description: "n0 runs phase 1 once and leads. Every later value costs one round trip: an \
                          Accept in the next slot and the acceptances. Heartbeats keep n1 following.",
            breaks: &[],
            scenario: paxos(
                1,
                multi,
                vec![
                    at(100, propose(0, 'A')),
                    at(800, propose(0, 'B')),
                    at(1100, propose(0, 'C')),
                    at(1400, propose(0, 'D')),
                    at(1700, propose(1, 'E')),
                ],
                3,
            ),
        },
        Preset {
            slug: "multi-failover",
            title: "Multi-Paxos: leader crash, gap filled",
            description: "n0 leads; A is chosen in slot 1. B's Accepts for slot 2 are lost, C's for slot 3 \
                          get through, and n0 crashes. n1 hears no heartbeat and runs phase 1 from slot 2: \
                          no acceptor reports slot 2, so the new leader fills it with a no-op, and D goes \
                          to slot 4.",
            breaks: &[],
            scenario: paxos(
                1,
                multi,
                vec![
                    at(100, propose(0, 'A')),
                    at(800, propose(0, 'B')),
                    at(801, cut_off(&[0])),
                    at(880, Action::Heal),
                    at(890, propose(0, 'C')),
                    at(900, Action::Crash(NodeId(0))),
                    at(2500, propose(1, 'D')),
                ],
                4,
            ),
        },
        Preset {
            slug: "bug-ignore-values",
            title: "Bug: ignore accepted values",
            description: "A is chosen for n0. Then n1 proposes B; its promises report A, but the buggy \
                          proposer proposes B anyway, and a majority accepts it: two values chosen, and \
                          Agreement fails.",
            breaks: &[],
            scenario: paxos(
                1,
                Params {
                    bug: Some(Bug::IgnoreAcceptedValues),
                    ..single
                },
                vec![at(200, propose(0, 'A')), at(1200, propose(1, 'B'))],
                3,
            ),
        },
        Preset {
            slug: "bug-accept-below-promise",
            title: "Bug: accept below the promise",
            description: "n1's Prepare 1.1 reaches the acceptors between n0's phases. Correct acceptors \
                          would refuse n0's Accept 1.0; these accept it, breaking their promise.",
            breaks: &[],
            scenario: paxos(
                1,
                Params {
                    bug: Some(Bug::AcceptBelowPromise),
                    ..single
                },
                vec![
                    at(200, propose(0, 'A')),
                    at(BELOW_PROMISE_AT, propose(1, 'B')),
                ],
                3,
            ),
        },
    ]
}

/// When n0 has finished phase 1 in the Paxos presets that cut it off right after.
const PROPOSER_CRASH_AT: u64 = 300;
/// When n1 proposes so that its Prepare lands between n0's phases.
const BELOW_PROMISE_AT: u64 = 250;
