//! The Raft lab's ready-made scenarios.

use netsplit_sim::lab::{LabScenario, Preset, at, cut_off};
use netsplit_sim::{Action, NodeId, Span, Timed};

use crate::{Bug, Command, Op, Params, RaftScenario};

fn set(node: u16, key: char, value: u32) -> Action<Command> {
    Action::Command(NodeId(node), Command::Request(Op { key, value }))
}

fn timeout(node: u16) -> Action<Command> {
    Action::Command(NodeId(node), Command::Timeout)
}

/// The lab's presets; the first is its default.
pub fn presets() -> Vec<Preset<RaftScenario>> {
    let params = Params::default();
    vec![
        Preset {
            slug: "election",
            title: "Normal election",
            description: "Every server starts as a follower. The first election timer to fire makes its \
                          server a candidate; it asks for votes and, with a majority, leads term 1.",
            breaks: &[],
            scenario: LabScenario::preset(params, vec![], 4),
        },
        Preset {
            slug: "replicate",
            title: "Log replication",
            description: "n0 times out first and leads. Clients send it three requests: each is appended, \
                          replicated by AppendEntries, committed once a majority stores it, then applied.",
            breaks: &[],
            scenario: LabScenario::preset(
                params,
                vec![
                    at(100, timeout(0)),
                    at(1000, set(0, 'x', 1)),
                    at(1600, set(0, 'y', 2)),
                    at(2200, set(0, 'x', 3)),
                ],
                5,
            ),
        },
        Preset {
            slug: "split-vote",
            title: "Split vote",
            description: "In a cluster of four, n0 and n2 time out together and each wins one more vote: \
                          two of four is no majority, so term 1 has no leader. Randomized timeouts break \
                          the tie in a later term.",
            breaks: &[],
            scenario: LabScenario::preset(
                Params { nodes: 4, ..params },
                vec![at(200, timeout(0)), at(200, timeout(2))],
                5,
            ),
        },
        Preset {
            slug: "leader-crash",
            title: "Leader crash",
            description: "n0 leads and replicates a request, then crashes at 2 s. A follower times out, \
                          wins a new term, and n0 rejoins as a follower at 5 s and catches up.",
            breaks: &[],
            scenario: LabScenario::preset(
                params,
                vec![
                    at(100, timeout(0)),
                    at(800, set(0, 'x', 1)),
                    at(2000, Action::Crash(NodeId(0))),
                    at(5000, Action::Restart(NodeId(0))),
                ],
                8,
            ),
        },
        Preset {
            slug: "partition",
            title: "Partition and heal",
            description: "The leader n0 and n1 are cut off at 1.5 s. Their request cannot commit without a \
                          majority; the other three elect a leader that can. On healing at 6 s, n0 steps down \
                          and its uncommitted entry is replaced.",
            breaks: &[],
            scenario: LabScenario::preset(
                params,
                vec![
                    at(100, timeout(0)),
                    at(800, set(0, 'x', 1)),
                    at(1500, cut_off(&[0, 1])),
                    at(2000, set(0, 'y', 2)),
                    at(4000, set(2, 'z', 3)),
                    at(4000, set(3, 'z', 3)),
                    at(4000, set(4, 'z', 3)),
                    at(6000, Action::Heal),
                ],
                9,
            ),
        },
        Preset {
            slug: "log-repair",
            title: "Log repair",
            description: "n4 is down while n0 commits five requests; then n0 crashes and n1 takes over. \
                          When n4 returns with an empty log, n1's AppendEntries fail the consistency check; \
                          n1 steps nextIndex back until the logs match, then fills n4 in.",
            breaks: &[],
            scenario: LabScenario::preset(
                params,
                vec![
                    at(100, timeout(0)),
                    at(600, Action::Crash(NodeId(4))),
                    at(1000, set(0, 'a', 1)),
                    at(1300, set(0, 'b', 2)),
                    at(1600, set(0, 'c', 3)),
                    at(1900, set(0, 'd', 4)),
                    at(2200, set(0, 'e', 5)),
                    at(2600, Action::Crash(NodeId(0))),
                    at(2700, timeout(1)),
                    at(3300, Action::Restart(NodeId(4))),
                ],
                7,
            ),
        },
        Preset {
            slug: "figure-8",
            title: "Figure 8, with its bug",
            description: "The paper's Figure 8 with the commit-old-terms bug on: a leader commits an entry \
                          of an earlier term by counting replicas; a later leader overwrites it, and two \
                          servers apply different entries at index 2. Switch the bug off to see Raft refuse.",
            breaks: &[],
            scenario: LabScenario::preset(
                Params {
                    election_min: Span::millis(1500),
                    election_max: Span::millis(3000),
                    bug: Some(Bug::CommitOldTerms),
                    ..params
                },
                figure_8(),
                6,
            ),
        },
    ]
}

/// The situation of the extended paper's Figure 8, driven by timeouts, crashes and partitions.
fn figure_8() -> Vec<Timed<Action<Command>>> {
    vec![
        // n0 leads term 1; index 1 commits everywhere.
        at(100, timeout(0)),
        at(300, set(0, 'x', 1)),
        // (a) n0 stores index 2 on n1 only, then crashes.
        at(700, cut_off(&[0, 1])),
        at(800, set(0, 'y', 2)),
        at(1000, Action::Crash(NodeId(0))),
        // (b) n4 leads term 2 with votes from n2 and n3 and takes a different index 2 alone.
        at(1100, cut_off(&[1])),
        at(1150, timeout(4)),
        at(1400, cut_off(&[4])),
        at(1450, set(4, 'z', 3)),
        at(1600, Action::Crash(NodeId(4))),
        // (c) n0 returns, leads term 3, and copies its index 2 (term 1) to n2 and n3.
        at(1700, Action::Heal),
        at(1700, Action::Restart(NodeId(0))),
        // Its first try meets servers already in term 2; the second wins term 3.
        at(1750, timeout(0)),
        at(2000, timeout(0)),
        at(2600, Action::Crash(NodeId(0))),
        // (d) n4 returns and, after one refused try, leads term 4 and overwrites index 2.
        at(2700, Action::Restart(NodeId(4))),
        at(2750, timeout(4)),
        at(3000, timeout(4)),
    ]
}
