//! The protocols against their sources: Bernstein, Hadzilacos and Goodman, "Concurrency
//! Control and Recovery in Database Systems" (1987), ch. 7 (BHG), for two-phase commit, its
//! recovery and cooperative termination; Skeen, "Nonblocking Commit Protocols" (1981), for
//! three-phase commit and its termination protocol; Garcia-Molina and Salem, "Sagas" (1987).

use netsplit_sim::lab::{LabScenario, NetworkLab, at, run_to_end};
use netsplit_sim::{Action, Chance, Link, NodeId, Span, Time, Timed, TraceEvent};
use netsplit_txn::{
    Account, Bug, Entry, Leg, Mode, Note, Params, ProtocolComparison, Transfer, TxnLab, TxnNode,
    TxnScenario, TxnSim,
};

fn preset(slug: &str) -> TxnScenario {
    <TxnLab as NetworkLab>::presets()
        .into_iter()
        .find(|p| p.slug == slug)
        .unwrap_or_else(|| panic!("no preset {slug}"))
        .scenario
}

fn run(s: &TxnScenario) -> Box<TxnSim> {
    run_to_end::<TxnLab>(s)
}

fn broken(sim: &TxnSim) -> Vec<&str> {
    sim.violations()
        .iter()
        .map(|v| v.property.as_str())
        .collect()
}

fn notes(sim: &TxnSim) -> Vec<(Time, Note)> {
    sim.trace().notes()
}

/// Each participant's outcomes for `tx`, in the order they came.
fn outcomes(sim: &TxnSim, tx: u32) -> Vec<(Time, NodeId, bool)> {
    notes(sim)
        .into_iter()
        .filter_map(|(at, n)| match n {
            Note::Outcome {
                tx: t,
                participant,
                commit,
            } if t == tx => Some((at, participant, commit)),
            _ => None,
        })
        .collect()
}

fn participant(sim: &TxnSim, node: u16) -> &netsplit_txn::Participant {
    match sim.slot(NodeId(node)).node() {
        TxnNode::Participant(p) => p,
        _ => panic!("n{node} is not a participant"),
    }
}

fn transfer(legs: &[(u8, i64)]) -> Transfer {
    Transfer {
        legs: legs
            .iter()
            .map(|&(a, amount)| Leg {
                account: Account(a),
                amount,
            })
            .collect(),
    }
}

fn with_actions(mode: Mode, actions: Vec<Timed<Action<Transfer>>>, seconds: u64) -> TxnScenario {
    LabScenario::preset(
        Params {
            mode,
            transfers: 0,
            ..Params::default()
        },
        actions,
        seconds,
    )
}

#[test]
fn bhg_7_3_two_phase_commit_logs_before_it_sends_and_everyone_commits() {
    let sim = run(&preset("happy-commit"));
    assert!(broken(&sim).is_empty(), "{:?}", sim.violations());
    let all = outcomes(&sim, 0);
    assert_eq!(all.len(), 3);
    assert!(all.iter().all(|&(_, _, commit)| commit));
    // Every participant logged "prepared" before it voted, and the coordinator logged its
    // decision before it sent COMMIT: the logs hold them in that order.
    for node in 1..=3 {
        let log = &participant(&sim, node).log;
        assert!(matches!(log[0], Entry::Prepared { tx: 0, .. }), "{log:?}");
        assert_eq!(log[1], Entry::Committed { tx: 0 });
    }
    let TxnNode::Coordinator(c) = sim.slot(NodeId(0)).node() else {
        unreachable!()
    };
    let kinds: Vec<&str> = c
        .log
        .iter()
        .map(|e| match e {
            Entry::Begin { .. } => "begin",
            Entry::Decided { commit: true, .. } => "commit",
            Entry::End { .. } => "end",
            _ => "other",
        })
        .collect();
    assert_eq!(kinds, ["begin", "commit", "end"]);
    let records = sim.trace().records();
    let decided = records
        .iter()
        .position(|r| {
            matches!(
                &r.event,
                TraceEvent::Noted {
                    note: Note::Decides { .. },
                    ..
                }
            )
        })
        .expect("decided");
    let first_commit = records
        .iter()
        .position(|r| matches!(&r.event, TraceEvent::Sent { msg, .. } if msg.to_string().starts_with("COMMIT")))
        .expect("COMMIT sent");
    assert!(decided < first_commit);
    // n1a paid 40 to n2a (25) and n3b (15).
    assert_eq!(participant(&sim, 1).balances, [60, 100]);
    assert_eq!(participant(&sim, 2).balances, [125, 100]);
    assert_eq!(participant(&sim, 3).balances, [100, 115]);
}

#[test]
fn bhg_7_3_one_no_vote_aborts_the_transaction_everywhere() {
    let sim = run(&preset("votes-no"));
    assert!(broken(&sim).is_empty());
    let all = outcomes(&sim, 0);
    assert!(all.iter().all(|&(_, _, commit)| !commit), "{all:?}");
    assert!(all.iter().any(|&(_, p, _)| p == NodeId(1)));
    for node in 1..=3 {
        assert_eq!(participant(&sim, node).balances, [100, 100]);
    }
}

#[test]
fn bhg_7_4_two_phase_commit_blocks_while_the_coordinator_is_down_then_recovery_aborts() {
    let sim = run(&preset("2pc-coordinator-crash"));
    assert!(broken(&sim).is_empty());
    // No participant decides while the coordinator is down (0.51 s to 5 s).
    let all = outcomes(&sim, 0);
    assert_eq!(all.len(), 3);
    for &(at, _, commit) in &all {
        assert!(at >= Time(5_000) && !commit, "{all:?}");
    }
    // Each stayed in doubt, holding its locks, for more than four seconds.
    for d in &sim.monitor().doubt()[1..=3] {
        assert!(d.longest > Span::secs(4), "{d:?}");
    }
}

#[test]
fn bhg_7_4_a_participant_in_doubt_holds_its_locks() {
    // While the coordinator is down, n1 to n3 hold t0's locks: the auditor, which reads
    // under read locks, is told "busy" by each, and no audit completes until recovery.
    let sim = run(&preset("2pc-coordinator-crash"));
    let audits: Vec<Time> = notes(&sim)
        .into_iter()
        .filter_map(|(at, n)| matches!(n, Note::Audited { .. }).then_some(at))
        .collect();
    assert!(!audits.is_empty());
    assert!(
        audits.iter().all(|&at| at < Time(600) || at > Time(5_000)),
        "{audits:?}"
    );
}

#[test]
fn bhg_7_2_two_transfers_that_need_one_account_contend_for_its_lock() {
    // Two transfers out of n1a at once: whichever PREPARE reaches n1 second finds the account
    // locked and is refused (no waiting, so no deadlock); the other commits.
    let s = with_actions(
        Mode::TwoPhase,
        vec![
            at(
                500,
                Action::Command(NodeId(0), transfer(&[(0, -10), (2, 10)])),
            ),
            at(
                501,
                Action::Command(NodeId(0), transfer(&[(0, -10), (4, 10)])),
            ),
        ],
        3,
    );
    let sim = run(&s);
    assert!(broken(&sim).is_empty());
    let refused: Vec<u32> = notes(&sim)
        .into_iter()
        .filter_map(|(_, n)| match n {
            Note::Voted {
                tx,
                refusal: Some(netsplit_txn::Refusal::Locked),
                ..
            } => Some(tx),
            _ => None,
        })
        .collect();
    assert_eq!(refused.len(), 1, "{refused:?}");
    let t = sim.monitor().tally();
    assert_eq!((t.committed, t.aborted), (1, 1));
    assert_eq!(participant(&sim, 1).balances, [90, 100]);
}

#[test]
fn bhg_7_4_cooperative_termination_a_participant_that_has_not_voted_aborts_for_all() {
    // PREPARE to n3 takes 2 s, and the coordinator crashes before any vote arrives. n1 and n2
    // voted yes and are in doubt; n3 has not voted.
    let actions = |cooperative: bool| {
        let s = LabScenario::preset(
            Params {
                transfers: 0,
                cooperative,
                ..Params::default()
            },
            vec![
                at(
                    0,
                    Action::SetLink(
                        NodeId(0),
                        NodeId(3),
                        Link {
                            latency_min: Span::secs(2),
                            latency_max: Span::secs(2),
                            ..Link::default()
                        },
                    ),
                ),
                at(
                    500,
                    Action::Command(NodeId(0), transfer(&[(0, -40), (2, 25), (5, 15)])),
                ),
                at(510, Action::Crash(NodeId(0))),
                at(6_000, Action::Restart(NodeId(0))),
            ],
            8,
        );
        run(&s)
    };
    // Cooperative: n1 and n2 ask n3, which aborts and says so; everyone aborts early.
    let sim = actions(true);
    assert!(broken(&sim).is_empty(), "{:?}", sim.violations());
    let all = outcomes(&sim, 0);
    assert_eq!(all.len(), 3, "{all:?}");
    assert!(
        all.iter().all(|&(at, _, c)| !c && at < Time(2_000)),
        "{all:?}"
    );
    // Without it they wait for the coordinator.
    let sim = actions(false);
    let waited: Vec<_> = outcomes(&sim, 0)
        .into_iter()
        .filter(|&(_, p, _)| p != NodeId(3))
        .collect();
    assert!(
        waited.iter().all(|&(at, _, _)| at >= Time(6_000)),
        "{waited:?}"
    );
}

#[test]
fn bhg_7_4_a_participant_restarted_after_voting_yes_is_in_doubt_and_commits() {
    // The correct protocol with the crash of the volatile-prepare preset: the record of the
    // vote is on disk, so n2 restarts in doubt, holding its locks, and commits.
    let mut s = preset("bug-volatile-prepare");
    s.params.bug = None;
    let sim = run(&s);
    assert!(broken(&sim).is_empty(), "{:?}", sim.violations());
    assert!(
        notes(&sim).iter().any(
            |(_, n)| matches!(n, Note::InDoubt { participant, .. } if *participant == NodeId(2))
        )
    );
    assert!(outcomes(&sim, 0).iter().all(|&(_, _, c)| c));
}

#[test]
fn skeen_1981_three_phase_commit_does_not_block_when_the_coordinator_crashes() {
    let sim = run(&preset("3pc-coordinator-crash"));
    assert!(broken(&sim).is_empty(), "{:?}", sim.violations());
    // Nobody was told PRECOMMIT: the termination protocol aborts, long before the
    // coordinator returns at 5 s.
    let all = outcomes(&sim, 0);
    assert_eq!(all.len(), 3);
    assert!(
        all.iter().all(|&(at, _, c)| !c && at < Time(2_000)),
        "{all:?}"
    );
    assert!(
        notes(&sim)
            .iter()
            .any(|(_, n)| matches!(n, Note::Terminates { .. }))
    );
}

#[test]
fn skeen_1981_after_precommit_the_termination_protocol_commits() {
    // The coordinator crashes right after it sends PRECOMMIT: every participant is
    // precommitted, and the lowest commits for all while the coordinator is down.
    let happy = preset("happy-commit");
    let mut s = with_actions(Mode::ThreePhase, happy.actions.clone(), 7);
    let calm = run(&s);
    let sent = notes(&calm)
        .into_iter()
        .find_map(|(at, n)| matches!(n, Note::Precommits { .. }).then_some(at))
        .expect("PRECOMMIT sent");
    s.actions.push(at(sent.0, Action::Crash(NodeId(0))));
    s.actions.push(at(5_000, Action::Restart(NodeId(0))));
    let sim = run(&s);
    assert!(broken(&sim).is_empty(), "{:?}", sim.violations());
    let all = outcomes(&sim, 0);
    assert_eq!(all.len(), 3);
    assert!(
        all.iter().all(|&(at, _, c)| c && at < Time(5_000)),
        "{all:?}"
    );
    let decided_by = notes(&sim).into_iter().find_map(|(_, n)| match n {
        Note::Decides { by, .. } => Some(by),
        _ => None,
    });
    assert_eq!(
        decided_by,
        Some(NodeId(1)),
        "the lowest participant decides"
    );
}

#[test]
fn skeen_1981_under_a_partition_each_side_decides_alone() {
    let sim = run(&preset("3pc-partition"));
    assert_eq!(broken(&sim).first(), Some(&"Atomicity"));
    let all = outcomes(&sim, 0);
    let committed: Vec<NodeId> = all.iter().filter(|o| o.2).map(|o| o.1).collect();
    let aborted: Vec<NodeId> = all.iter().filter(|o| !o.2).map(|o| o.1).collect();
    assert_eq!(committed, [NodeId(2), NodeId(1)]);
    assert_eq!(aborted, [NodeId(3)]);
}

#[test]
fn garcia_molina_salem_1987_a_failed_step_is_compensated_in_reverse_order() {
    let sim = run(&preset("saga-compensates"));
    assert!(broken(&sim).is_empty());
    let steps: Vec<String> = notes(&sim)
        .into_iter()
        .filter_map(|(_, n)| match n {
            Note::Applied { step, .. } => Some(format!("T{}", step + 1)),
            Note::Refused { step, .. } => Some(format!("T{} refused", step + 1)),
            Note::Compensated { step, .. } => Some(format!("C{}", step + 1)),
            _ => None,
        })
        .collect();
    // T1 T2 (T3 fails) C2 C1: the sequence the paper gives for an aborted saga.
    assert_eq!(steps, ["T1", "T2", "T3 refused", "C2", "C1"]);
    for node in 1..=3 {
        assert_eq!(participant(&sim, node).balances, [100, 100]);
    }
}

#[test]
fn garcia_molina_salem_1987_steps_are_applied_once_under_copies_and_retries() {
    // Every message is duplicated and n2's answers are slower than the timeout: each step is
    // asked for several times, and applied once.
    let mut s = preset("bug-repeated-step");
    s.params.bug = None;
    s.links.duplicate = Chance::ALWAYS;
    let sim = run(&s);
    assert!(broken(&sim).is_empty(), "{:?}", sim.violations());
    let applied = notes(&sim)
        .iter()
        .filter(|(_, n)| matches!(n, Note::Applied { .. }))
        .count();
    assert_eq!(applied, 2);
    assert_eq!(participant(&sim, 2).balances, [130, 100]);
}

#[test]
fn garcia_molina_salem_1987_the_orchestrator_goes_on_from_its_log_after_a_crash() {
    let mut s = preset("saga-compensates");
    s.actions.push(at(700, Action::Crash(NodeId(0))));
    s.actions.push(at(1_500, Action::Restart(NodeId(0))));
    let sim = run(&s);
    assert!(broken(&sim).is_empty(), "{:?}", sim.violations());
    assert_eq!(sim.monitor().tally().aborted, 1);
    for node in 1..=3 {
        assert_eq!(participant(&sim, node).balances, [100, 100]);
    }
}

#[test]
fn a_saga_gives_up_isolation_and_locked_reads_do_not() {
    let s = preset("saga-anomaly");
    let sim = run(&s);
    assert!(broken(&sim).is_empty());
    assert!(sim.monitor().audits().anomalies > 0);
    // The same reads and transfer under 2PC: the auditor's read locks see no money in flight.
    let mut locked = s.clone();
    locked.params.mode = Mode::TwoPhase;
    let sim = run(&locked);
    assert!(sim.monitor().audits().done > 10);
    assert_eq!(sim.monitor().audits().anomalies, 0);
}

/// The same faults under each protocol: what the comparison on the page shows.
fn compared(slug: &str) -> Vec<netsplit_txn::ProtocolOutcome> {
    let mut comparison = ProtocolComparison::new(&preset(slug)).expect("valid");
    assert!(comparison.go(u64::MAX));
    comparison.outcomes().expect("done")
}

#[test]
fn on_the_same_crash_2pc_blocks_3pc_does_not_and_a_saga_never_waits() {
    let [two, three, saga] = compared("2pc-coordinator-crash").try_into().unwrap();
    assert_eq!(
        (two.mode, three.mode, saga.mode),
        (Mode::TwoPhase, Mode::ThreePhase, Mode::Saga)
    );
    assert!(two.longest_doubt > Span::secs(4), "{two:?}");
    assert!(three.longest_doubt < Span::secs(2), "{three:?}");
    assert_eq!(saga.longest_doubt, Span(0));
    for o in [&two, &three, &saga] {
        assert!(o.broken.is_empty() && o.open == 0, "{o:?}");
    }
    // The saga runs its steps once the orchestrator is back, and completes.
    assert_eq!(saga.tally.committed, 1);
}

#[test]
fn on_the_same_partition_only_3pc_decides_two_ways() {
    let [two, three, saga] = compared("3pc-partition").try_into().unwrap();
    assert!(two.broken.is_empty(), "{two:?}");
    assert_eq!(three.broken.first().map(String::as_str), Some("Atomicity"));
    assert!(saga.broken.is_empty(), "{saga:?}");
}

#[test]
fn every_bug_preset_trips_the_property_its_bug_names() {
    for p in <TxnLab as NetworkLab>::presets() {
        let Some(bug) = p.scenario.params.bug else {
            continue;
        };
        let sim = run(&p.scenario);
        assert!(
            broken(&sim).contains(&bug.breaks()),
            "{}: {:?}",
            p.slug,
            broken(&sim)
        );
    }
    assert!(Bug::ALL.iter().all(|b| {
        <TxnLab as NetworkLab>::presets()
            .iter()
            .any(|p| p.scenario.params.bug == Some(*b))
    }));
}
