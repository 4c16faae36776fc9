//! The Coordination lab's ready-made scenarios.

use netsplit_sim::lab::{LabScenario, Preset, at};
use netsplit_sim::{Action, NodeId, Partition, Span};

use crate::{Bug, CoordScenario, Mode, Params};

/// The lab's presets; the first is its default.
pub fn presets() -> Vec<Preset<CoordScenario>> {
    let lease = Params::default();
    let redlock = Params {
        mode: Mode::Redlock,
        ..lease
    };
    let bully = Params {
        mode: Mode::Bully,
        ..lease
    };
    // n2 gets the lock first and is paused in its work for longer than its lease.
    let gc_pause = vec![at(PAUSED_AT, Action::Pause(NodeId(2), Span::secs(3)))];
    // The lock server crashes while n2 holds the lock in a long write, and restarts.
    let volatile = Params {
        durable: false,
        work: Span::millis(1500),
        ..lease
    };
    let restart = vec![
        at(PAUSED_AT, Action::Crash(NodeId(0))),
        at(PAUSED_AT + 200, Action::Restart(NodeId(0))),
    ];
    vec![
        Preset {
            slug: "gc-pause-fenced",
            title: "GC pause, fenced",
            description: "n2 holds the lock and is paused mid-write for 3 s, past its 2 s lease. \
                          n1 gets the lock with a higher token and writes. When n2 wakes it sends \
                          its write, believing little time passed: the storage rejects its old token.",
            breaks: &[],
            scenario: LabScenario::preset(lease, gc_pause.clone(), 8),
        },
        Preset {
            slug: "gc-pause-unfenced",
            title: "GC pause, no fencing",
            description: "The same pause with a storage that ignores tokens: n2's stale write \
                          overwrites n1's, and the monitor reports the unfenced write.",
            breaks: &[],
            scenario: LabScenario::preset(
                Params {
                    bug: Some(Bug::NoFencing),
                    ..lease
                },
                gc_pause,
                8,
            ),
        },
        Preset {
            slug: "volatile-restart",
            title: "Lock server restart, volatile",
            description: "The lock server keeps its leases in memory only and crashes while n2 \
                          holds the lock. Restarted, it waits out one TTL before granting, so n1 \
                          cannot get the lock while n2 still believes it holds it.",
            breaks: &[],
            scenario: LabScenario::preset(volatile, restart.clone(), 8),
        },
        Preset {
            slug: "forget-leases",
            title: "Bug: restart forgets leases",
            description: "The same crash with a server that forgets its leases and grants at \
                          once: n1 gets the lock while n2 still holds it.",
            breaks: &[],
            scenario: LabScenario::preset(
                Params {
                    bug: Some(Bug::ForgetLeases),
                    ..volatile
                },
                restart,
                8,
            ),
        },
        Preset {
            slug: "redlock",
            title: "Redlock",
            description: "Five independent lock servers: a client holds the lock once three \
                          granted it, for the TTL less the time that took and a drift allowance.",
            breaks: &[],
            scenario: LabScenario::preset(redlock, vec![], 8),
        },
        Preset {
            slug: "redlock-clock-jump",
            title: "Redlock, a clock jumps",
            description: "n6 holds the lock on n0, n2 and n3 of five servers when n2's clock \
                          jumps 5 s ahead: n2 drops n6's lease and grants n5, which now has a \
                          majority (n1, n2, n4). Both clients hold the lock; fencing at the \
                          storage is what keeps the data in order.",
            breaks: &["One holder at a time"],
            scenario: LabScenario::preset(
                Params {
                    work: Span::millis(1500),
                    ..redlock
                },
                vec![at(JUMP_AT, Action::JumpClock(NodeId(2), 5000))],
                8,
            ),
        },
        Preset {
            slug: "bully",
            title: "Bully election",
            description: "Five processes elect the highest, n4. It crashes at 3 s; the others \
                          notice its silence and n3 wins. n4 recovers at 7 s and bullies its way \
                          back.",
            breaks: &[],
            scenario: LabScenario::preset(
                bully,
                vec![
                    at(3000, Action::Crash(NodeId(4))),
                    at(7000, Action::Restart(NodeId(4))),
                ],
                10,
            ),
        },
        Preset {
            slug: "bully-pause",
            title: "Bully: the coordinator pauses",
            description: "n4 is paused for 3 s. The others take its silence for a crash and \
                          elect n3, while n4 still believes it coordinates: the monitor reports \
                          two coordinators. n4 resumes, answers the elections that waited for \
                          it, and takes the cluster back.",
            breaks: &["One coordinator"],
            scenario: LabScenario::preset(
                bully,
                vec![at(3000, Action::Pause(NodeId(4), Span::secs(3)))],
                9,
            ),
        },
        Preset {
            slug: "bully-partition",
            title: "Bully: a partition, two coordinators",
            description: "n0, n1 and n2 are cut off from n3 and n4 at 3 s: each side elects its \
                          highest, and there are two coordinators (split brain, in the findings). \
                          They cannot reach each other, which Bully cannot tell from a crash. When \
                          the network heals at 7 s, n4's heartbeat bullies n2 out.",
            breaks: &[],
            scenario: LabScenario::preset(
                bully,
                vec![
                    at(
                        3000,
                        Action::Partition(Partition(vec![vec![NodeId(0), NodeId(1), NodeId(2)]])),
                    ),
                    at(7000, Action::Heal),
                ],
                10,
            ),
        },
        Preset {
            slug: "bug-hasty",
            title: "Bug: hasty coordinator",
            description: "Nodes announce themselves without waiting for higher nodes to answer: \
                          at the start every node claims the cluster, and the monitor reports \
                          coordinators with a higher node alive.",
            breaks: &[],
            scenario: LabScenario::preset(
                Params {
                    bug: Some(Bug::HastyCoordinator),
                    ..bully
                },
                vec![],
                6,
            ),
        },
    ]
}

/// When the lease presets act: n2 has had the lock for a moment.
const PAUSED_AT: u64 = 200;
/// When the Redlock clock jump comes: n1 has held the lock for a moment.
const JUMP_AT: u64 = 300;
