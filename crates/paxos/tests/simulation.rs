//! Paxos and Multi-Paxos under random faults: 10,000 seeds with zero violations, liveness once
//! faults stop with a single proposer, and every bug toggle caught. A failing seed is printed
//! with a scenario that replays it.

use netsplit_paxos::lab::FAULTS_UNTIL;
use netsplit_paxos::{
    Bug, Command, Mode, Msg, Params, PaxosLab, PaxosScenario, PaxosSim, SINGLE_SLOT, Value,
};
use netsplit_sim::lab::{Lab, NetworkLab, Recording, first_breaking};
use netsplit_sim::{Action, NodeId, Time, TraceEvent};
use std::collections::{BTreeMap, BTreeSet};

const SEEDS: u64 = 10_000;

fn run(scenario: &PaxosScenario) -> Box<PaxosSim> {
    let mut sim = PaxosLab::start(scenario, Recording::Quiet).unwrap();
    sim.run_until(Time::ZERO + scenario.duration);
    sim
}

/// The scenario as a file for `netsplit run`.
fn replay(scenario: &PaxosScenario) -> String {
    format!(
        "{{\"paxos\": {}}}",
        serde_json::to_string(scenario).unwrap()
    )
}

/// Every cluster shape and both modes, one after another.
fn params_for(seed: u64) -> Params {
    Params {
        proposers: 1 + (seed % 3) as usize,
        acceptors: [3, 5, 7, 1][(seed / 3 % 4) as usize],
        mode: if seed.is_multiple_of(2) {
            Mode::Single
        } else {
            Mode::Multi
        },
        ..Params::default()
    }
}

#[test]
fn correct_paxos_survives_10000_faulty_seeds() {
    for seed in 0..SEEDS {
        let scenario = PaxosLab::fuzz(seed, params_for(seed), true);
        let sim = run(&scenario);
        assert!(
            sim.violations().is_empty(),
            "seed {seed}: {:?}\nreplay with `netsplit run`: {}",
            sim.violations()[0],
            replay(&scenario)
        );
    }
}

/// The values clients asked n0 for once faults had stopped.
fn asked_after_faults(s: &PaxosScenario) -> Vec<Value> {
    s.actions
        .iter()
        .filter(|t| t.at >= FAULTS_UNTIL)
        .filter_map(|t| match t.action {
            Action::Command(NodeId(0), Command::Propose(value)) => Some(value),
            _ => None,
        })
        .collect()
}

/// Liveness needs a period without faults and without a rival proposer (FLP; "Paxos Made
/// Simple" §2.4): once faults stop, the lone proposer gets a value chosen and learns it.
#[test]
fn a_single_proposer_decides_once_faults_stop() {
    for seed in 0..1000 {
        let params = Params {
            proposers: 1,
            acceptors: [3, 5][seed as usize % 2],
            ..Params::default()
        };
        let scenario = PaxosLab::fuzz(seed, params, true);
        assert!(!asked_after_faults(&scenario).is_empty());
        let sim = run(&scenario);
        assert!(sim.violations().is_empty(), "seed {seed}");
        let chosen = sim.monitor().chosen().get(&SINGLE_SLOT).map(|c| c.value);
        let learned = sim.nodes()[0]
            .node()
            .proposer()
            .unwrap()
            .learned()
            .get(&SINGLE_SLOT)
            .copied();
        assert!(
            chosen.is_some(),
            "seed {seed}: nothing chosen\n{}",
            replay(&scenario)
        );
        assert_eq!(
            learned,
            chosen,
            "seed {seed}: n0 did not learn the choice\n{}",
            replay(&scenario)
        );
    }
}

/// Multi-Paxos with one proposer: once faults stop, every value the client asks for is chosen
/// in some slot, the chosen slots have no gaps, and the leader has learned them all.
#[test]
fn a_single_multi_paxos_leader_commits_every_value_once_faults_stop() {
    for seed in 0..1000 {
        let params = Params {
            proposers: 1,
            acceptors: [3, 5][seed as usize % 2],
            mode: Mode::Multi,
            ..Params::default()
        };
        let scenario = PaxosLab::fuzz(seed, params, true);
        let sim = run(&scenario);
        assert!(sim.violations().is_empty(), "seed {seed}");
        let chosen = sim.monitor().chosen();
        let values: BTreeSet<Value> = chosen.values().map(|c| c.value).collect();
        for value in asked_after_faults(&scenario) {
            assert!(
                values.contains(&value),
                "seed {seed}: {value} was never chosen\n{}",
                replay(&scenario)
            );
        }
        let slots: Vec<u64> = chosen.keys().copied().collect();
        assert_eq!(
            slots,
            (1..=slots.len() as u64).collect::<Vec<_>>(),
            "seed {seed}: gaps"
        );
        let learned = sim.nodes()[0].node().proposer().unwrap().learned().clone();
        let chosen_values = chosen.iter().map(|(&s, c)| (s, c.value)).collect();
        assert_eq!(learned, chosen_values, "seed {seed}\n{}", replay(&scenario));
    }
}

/// Multi-Paxos learners that missed Accepted messages fill their gaps: once faults stop, every
/// proposer, leader or not, has learned every chosen slot, from the leader's Decided replies
/// where it heard too few acceptors (§2.3, a distinguished learner informing the others).
#[test]
fn every_multi_paxos_learner_learns_every_chosen_slot_once_faults_stop() {
    let mut caught_up = 0;
    for seed in 0..300 {
        let params = Params {
            proposers: [2, 3][seed as usize % 2],
            acceptors: [3, 5][(seed as usize / 2) % 2],
            mode: Mode::Multi,
            ..Params::default()
        };
        let scenario = PaxosLab::fuzz(seed, params, true);
        let mut sim = PaxosLab::start(&scenario, Recording::Full).unwrap();
        sim.run_until(Time::ZERO + scenario.duration);
        assert!(sim.violations().is_empty(), "seed {seed}");
        let chosen: BTreeMap<u64, Value> = sim
            .monitor()
            .chosen()
            .iter()
            .map(|(&s, c)| (s, c.value))
            .collect();
        for id in params.proposer_ids() {
            let learned = sim.nodes()[id.index()].node().proposer().unwrap().learned();
            assert_eq!(learned, &chosen, "seed {seed}: {id}\n{}", replay(&scenario));
        }
        caught_up += sim
            .trace()
            .records()
            .iter()
            .filter(|r| matches!(&r.event, TraceEvent::Sent { msg, .. } if matches!(**msg, Msg::Decided { .. })))
            .count();
    }
    assert!(caught_up > 0, "no learner ever needed to catch up");
}

/// The property each bug toggle must trip.
fn tripped_by(bug: Bug) -> &'static str {
    match bug {
        // A proposer that ignores the accepted values its promises report proposes another
        // value over a chosen one (P2b, §2.2), at the proposal itself.
        Bug::IgnoreAcceptedValues => "Chosen values stay",
        // An acceptor that accepts below its promise breaks P1a (§2.2).
        Bug::AcceptBelowPromise => "Promises kept",
    }
}

#[test]
fn every_bug_trips_its_property_within_1000_seeds_at_every_cluster_size_in_both_modes() {
    for mode in [Mode::Single, Mode::Multi] {
        for bug in Bug::ALL {
            for proposers in Params::PROPOSERS {
                for acceptors in Params::ACCEPTORS {
                    let params = Params {
                        mode,
                        proposers,
                        acceptors,
                        bug: Some(bug),
                        ..Params::default()
                    };
                    let property = tripped_by(bug);
                    let failure = first_breaking::<PaxosLab>(0..1000, property, |seed| {
                        PaxosLab::fuzz(seed, params, true)
                    })
                    .unwrap_or_else(|| {
                        panic!(
                            "{} ({mode}, {proposers} proposers, {acceptors} acceptors) did not trip {property} in 1000 seeds",
                            bug.name()
                        )
                    });
                    println!(
                        "{} ({mode}, {proposers}+{acceptors}) trips {property} at seed {}",
                        bug.name(),
                        failure.seed
                    );
                }
            }
        }
    }
}

/// Accepting below a promise is not only a broken rule: two values end up chosen in one slot.
#[test]
fn accepting_below_a_promise_chooses_two_values() {
    for mode in [Mode::Single, Mode::Multi] {
        let params = Params {
            mode,
            bug: Some(Bug::AcceptBelowPromise),
            ..Params::default()
        };
        let failure = first_breaking::<PaxosLab>(0..1000, "Agreement", |seed| {
            PaxosLab::fuzz(seed, params, true)
        })
        .unwrap_or_else(|| panic!("accept-below-promise ({mode}) never broke Agreement"));
        println!(
            "accept-below-promise ({mode}) breaks Agreement at seed {}: {}",
            failure.seed, failure.violation.explanation
        );
    }
}
