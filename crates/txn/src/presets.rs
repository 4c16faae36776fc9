//! The Transactions lab's ready-made scenarios.

use netsplit_sim::lab::{LabScenario, Preset, at};
use netsplit_sim::{Action, Link, NodeId, Partition, Span, Timed};

use crate::{Account, Bug, Leg, Mode, Params, Transfer, TxnScenario};

/// When the presets' transfer reaches the coordinator.
const SENT_AT: u64 = 500;

/// A transfer of `amount` from one account to others, the legs in the order given (a saga
/// runs them so): `(account, amount)`, accounts numbered n1a = 0, n1b = 1, n2a = 2, ...
fn transfer(legs: &[(u8, i64)]) -> Timed<Action<Transfer>> {
    at(
        SENT_AT,
        Action::Command(
            NodeId(0),
            Transfer {
                legs: legs
                    .iter()
                    .map(|&(account, amount)| Leg {
                        account: Account(account),
                        amount,
                    })
                    .collect(),
            },
        ),
    )
}

/// A one-way link that takes exactly `ms`.
fn slow(from: u16, to: u16, ms: u64) -> Timed<Action<Transfer>> {
    at(
        0,
        Action::SetLink(
            NodeId(from),
            NodeId(to),
            Link {
                latency_min: Span(ms),
                latency_max: Span(ms),
                ..Link::default()
            },
        ),
    )
}

/// The lab's presets; the first is its default.
pub fn presets() -> Vec<Preset<TxnScenario>> {
    let two = Params {
        transfers: 0,
        ..Params::default()
    };
    let three = Params {
        mode: Mode::ThreePhase,
        ..two
    };
    let saga = Params {
        mode: Mode::Saga,
        ..two
    };
    // n1a pays 40: 25 to n2a and 15 to n3b.
    let happy = transfer(&[(0, -40), (2, 25), (5, 15)]);
    // n1a pays 150, more than it holds.
    let too_much = transfer(&[(0, -150), (2, 150)]);
    // Saga order: credit n2a, credit n3b, then debit n1a, which cannot pay 150.
    let fails_last = transfer(&[(2, 75), (5, 75), (0, -150)]);
    // The coordinator crashes after PREPARE, before any vote is in.
    let crash = |back: u64| {
        vec![
            happy.clone(),
            at(SENT_AT + 10, Action::Crash(NodeId(0))),
            at(back, Action::Restart(NodeId(0))),
        ]
    };
    vec![
        Preset {
            slug: "happy-commit",
            title: "Happy commit",
            description: "n1a pays 40 to n2a and n3b. The coordinator logs the transaction and \
                          sends PREPARE; each participant logs prepared, locks and votes yes; \
                          the coordinator logs commit and sends COMMIT; they apply it and \
                          acknowledge.",
            breaks: &[],
            scenario: LabScenario::preset(two, vec![happy.clone()], 4),
        },
        Preset {
            slug: "votes-no",
            title: "A participant votes no",
            description: "n1a is asked to pay 150 and holds 100: n1 logs aborted and votes no, \
                          and the coordinator aborts the transaction everywhere.",
            breaks: &[],
            scenario: LabScenario::preset(two, vec![too_much.clone()], 4),
        },
        Preset {
            slug: "2pc-coordinator-crash",
            title: "2PC: the coordinator crashes",
            description: "The coordinator crashes right after PREPARE. The participants voted \
                          yes and may not decide alone: they stay in doubt, holding their locks \
                          and asking, until it returns at 5 s, reads its log, finds no decision \
                          and aborts.",
            breaks: &[],
            scenario: LabScenario::preset(two, crash(5_000), 7),
        },
        Preset {
            slug: "3pc-coordinator-crash",
            title: "3PC: the coordinator crashes",
            description: "The same crash under three-phase commit. No participant has been \
                          told PRECOMMIT, so none can have committed: when they hear nothing \
                          they run the termination protocol, and the lowest aborts for all, \
                          long before the coordinator returns.",
            breaks: &[],
            scenario: LabScenario::preset(three, crash(5_000), 7),
        },
        Preset {
            slug: "3pc-partition",
            title: "3PC under a partition",
            description: "PRECOMMIT reaches n1 and n2, but n3 is cut off just before its copy \
                          arrives. The coordinator's side commits; n3, alone, only voted, so \
                          its termination protocol aborts. One transaction, two decisions.",
            breaks: &["Atomicity", "Money is conserved"],
            scenario: LabScenario::preset(
                three,
                vec![
                    slow(0, 3, 80),
                    happy.clone(),
                    at(
                        PRECOMMIT_AT,
                        Action::Partition(Partition(vec![vec![NodeId(3)]])),
                    ),
                    at(4_000, Action::Heal),
                ],
                6,
            ),
        },
        Preset {
            slug: "saga-compensates",
            title: "Saga fails at step 3",
            description: "A saga credits n2a and n3b 75 each, then debits n1a 150, which it \
                          does not hold. Step 3 is refused, and the orchestrator compensates \
                          step 2 and then step 1, in reverse order.",
            breaks: &[],
            scenario: LabScenario::preset(saga, vec![fails_last.clone()], 4),
        },
        Preset {
            slug: "saga-anomaly",
            title: "Saga: a reader sees money in flight",
            description: "The auditor reads every 100 ms while a saga moves 60 from n1a to n2a \
                          and n3b: it takes no locks, so it sums the balances with the debit \
                          done and the credits not yet, and counts each such read as an \
                          anomaly.",
            breaks: &[],
            scenario: LabScenario::preset(
                Params {
                    audit_every: Span(100),
                    ..saga
                },
                vec![transfer(&[(0, -60), (2, 30), (5, 30)])],
                4,
            ),
        },
        Preset {
            slug: "bug-early-commit",
            title: "Bug: commit before every vote",
            description: "n2 is asked to pay more than it holds and votes no, but its vote is \
                          slow; n1's yes arrives first and the buggy coordinator commits at \
                          once. n1 commits, n2 has aborted.",
            breaks: &[],
            scenario: LabScenario::preset(
                Params {
                    bug: Some(Bug::EarlyCommit),
                    ..two
                },
                vec![slow(2, 0, 250), transfer(&[(0, 150), (2, -150)])],
                4,
            ),
        },
        Preset {
            slug: "bug-volatile-prepare",
            title: "Bug: prepared kept in memory",
            description: "n2 votes yes and crashes before the decision. It never wrote \
                          prepared to disk, so restarted it has no record of its vote, and \
                          when COMMIT comes it aborts alone.",
            breaks: &[],
            scenario: LabScenario::preset(
                Params {
                    bug: Some(Bug::VolatilePrepare),
                    ..two
                },
                vec![
                    slow(0, 2, 30),
                    happy.clone(),
                    at(SENT_AT + 40, Action::Crash(NodeId(2))),
                    at(SENT_AT + 60, Action::Restart(NodeId(2))),
                ],
                4,
            ),
        },
        Preset {
            slug: "bug-fire-and-forget",
            title: "Bug: the decision sent once",
            description: "The link from the coordinator to n3 loses everything for a moment, \
                          and the buggy coordinator sends COMMIT once and forgets. n3 waits in \
                          doubt without asking, long after the link is back.",
            breaks: &[],
            scenario: LabScenario::preset(
                Params {
                    bug: Some(Bug::FireAndForget),
                    ..two
                },
                vec![
                    happy.clone(),
                    at(
                        SENT_AT + 100,
                        Action::SetLink(
                            NodeId(0),
                            NodeId(3),
                            Link {
                                drop: netsplit_sim::Chance::ALWAYS,
                                ..Link::default()
                            },
                        ),
                    ),
                    at(
                        1_500,
                        Action::SetLink(NodeId(0), NodeId(3), Link::default()),
                    ),
                ],
                8,
            ),
        },
        Preset {
            slug: "bug-skip-compensation",
            title: "Bug: a compensation skipped",
            description: "The saga fails at step 3 as before, but the buggy orchestrator never \
                          compensates step 1: n2a keeps 75 that n1a never paid.",
            breaks: &[],
            scenario: LabScenario::preset(
                Params {
                    bug: Some(Bug::SkipCompensation),
                    ..saga
                },
                vec![fails_last],
                4,
            ),
        },
        Preset {
            slug: "bug-repeated-step",
            title: "Bug: a retried step applied twice",
            description: "n2's answers to the orchestrator take 400 ms, longer than its \
                          timeout, so it asks again; the buggy n2 applies the step each time \
                          it is asked.",
            breaks: &[],
            scenario: LabScenario::preset(
                Params {
                    bug: Some(Bug::RepeatedStep),
                    ..saga
                },
                vec![slow(2, 0, 400), transfer(&[(0, -30), (2, 30)])],
                4,
            ),
        },
    ]
}

/// Just after the coordinator sends PRECOMMIT in the "3PC under a partition" preset (every
/// vote is in at 500 + 2 × its link's latency; PRECOMMIT then takes 80 ms to reach n3).
const PRECOMMIT_AT: u64 = 700;
