//! Many seeds under faults: the protocols keep their properties where their papers say they
//! do, break the one they are known to break where they do not, and every bug toggle trips
//! the property it names within 1,000 seeds at every number of participants.

use netsplit_sim::lab::{Lab, NetworkLab, Recording, first_breaking, fuzz};
use netsplit_txn::{Bug, Mode, Params, TxnLab};

/// Seeds for each number of participants: 10,000 faulty seeds in all per protocol.
const SEEDS_EACH: u64 = 2_500;

fn params(mode: Mode, participants: usize) -> Params {
    Params {
        mode,
        participants,
        ..TxnLab::fuzz_params()
    }
}

fn clean(mode: Mode, seeds: u64, faulty: impl Fn(u64, Params) -> netsplit_txn::TxnScenario) {
    for participants in Params::PARTICIPANTS {
        let p = params(mode, participants);
        let outcome = fuzz::<TxnLab>(0..seeds, |seed| faulty(seed, p));
        if let Some(f) = outcome.failure {
            panic!(
                "{} with {participants} participants, seed {}: {}: {}",
                mode.title(),
                f.seed,
                f.violation.property,
                f.violation.explanation
            );
        }
    }
}

/// 2PC (BHG ch. 7; Gray 1978) keeps atomicity, conserves money and delivers every decision under
/// crashes, partitions, loss and duplication; so does the cooperative termination protocol.
#[test]
fn two_phase_commit_is_safe_under_faults() {
    clean(Mode::TwoPhase, SEEDS_EACH, |seed, p| {
        TxnLab::fuzz(seed, p, true)
    });
    clean(Mode::TwoPhase, SEEDS_EACH / 10, |seed, p| {
        TxnLab::fuzz(
            seed,
            Params {
                cooperative: true,
                ..p
            },
            true,
        )
    });
}

/// A saga (Garcia-Molina and Salem 1987) conserves money once every compensation has run,
/// under the same faults: its steps are idempotent under retries and copies.
#[test]
fn sagas_conserve_money_under_faults() {
    clean(Mode::Saga, SEEDS_EACH, |seed, p| {
        TxnLab::fuzz(seed, p, true)
    });
}

/// 3PC (Skeen 1981) is non-blocking and safe when nodes only crash on links of bounded delay.
#[test]
fn three_phase_commit_is_safe_when_nodes_only_crash() {
    clean(Mode::ThreePhase, 1_000, TxnLab::crash_only);
}

/// Under partitions 3PC's termination protocol lets each side decide alone: fuzzing finds the
/// split decision, and it is atomicity that breaks.
#[test]
fn three_phase_commit_splits_under_partitions() {
    for participants in Params::PARTICIPANTS {
        let p = params(Mode::ThreePhase, participants);
        let found =
            first_breaking::<TxnLab>(0..1_000, "Atomicity", |seed| TxnLab::fuzz(seed, p, true));
        let f = found.unwrap_or_else(|| panic!("no split decision with {participants}"));
        println!(
            "3PC, {participants} participants: seed {} splits: {}",
            f.seed, f.violation.explanation
        );
    }
}

/// Every bug trips the property it names, within 1,000 seeds, at every number of participants.
#[test]
fn every_bug_trips_its_property() {
    for bug in Bug::ALL {
        for &mode in bug.modes() {
            for participants in Params::PARTICIPANTS {
                let p = Params {
                    bug: Some(bug),
                    ..params(mode, participants)
                };
                let found = first_breaking::<TxnLab>(0..1_000, bug.breaks(), |seed| {
                    TxnLab::fuzz(seed, p, true)
                });
                let f = found.unwrap_or_else(|| {
                    panic!(
                        "{} under {} with {participants} participants never broke {}",
                        bug.name(),
                        mode.title(),
                        bug.breaks()
                    )
                });
                println!(
                    "{} under {}, {participants} participants: seed {}",
                    bug.name(),
                    mode.title(),
                    f.seed
                );
            }
        }
    }
}

/// Without faults every transfer finishes, and under 2PC and 3PC no audit sees a state no
/// serial order shows: the auditor's read locks give it one moment of the data.
#[test]
fn calm_runs_finish_and_locked_audits_see_no_anomaly() {
    for mode in Mode::ALL {
        for participants in Params::PARTICIPANTS {
            for seed in 0..50 {
                let s = TxnLab::fuzz(seed, params(mode, participants), false);
                let run = <TxnLab as Lab>::start(&s, Recording::Quiet).expect("valid");
                let mut run = run;
                <TxnLab as Lab>::run_until(&mut run, netsplit_sim::Time(s.duration.0));
                assert!(run.violations().is_empty(), "{mode:?} seed {seed}");
                let monitor = run.monitor();
                assert_eq!(
                    monitor.open(),
                    0,
                    "{mode:?} seed {seed}: a transfer unfinished"
                );
                if mode != Mode::Saga {
                    assert_eq!(monitor.audits().anomalies, 0, "{mode:?} seed {seed}");
                }
                assert!(monitor.audits().done > 0);
            }
        }
    }
}
