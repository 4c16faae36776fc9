//! Raft under random faults: 10,000 seeds with zero violations, liveness once faults stop, and
//! every bug toggle caught. A failing seed is printed with a scenario that replays it.

use netsplit_raft::{Bug, Params, RaftLab, Role};
use netsplit_sim::Time;
use netsplit_sim::lab::{Lab, NetworkLab, Recording, fuzz};

const SEEDS: u64 = 10_000;

#[test]
fn correct_raft_survives_10000_faulty_seeds_and_then_makes_progress() {
    for seed in 0..SEEDS {
        let nodes = [3, 5, 7][seed as usize % 3];
        let scenario = RaftLab::fuzz(
            seed,
            Params {
                nodes,
                ..Params::default()
            },
            true,
        );
        let mut sim = RaftLab::start(&scenario, Recording::Quiet).unwrap();
        sim.run_until(Time::ZERO + scenario.duration);
        let replay = || serde_json::to_string(&scenario).unwrap();
        assert!(
            sim.violations().is_empty(),
            "seed {seed}: {:?}\nreplay with `netsplit run`: {}",
            sim.violations()[0],
            replay()
        );
        // Liveness: faults stop at 45 s and clients at 57 s. By 60 s one leader leads the
        // highest term and every server holds and has committed its whole log.
        let top = sim.nodes().iter().map(|s| s.node().term()).max().unwrap();
        let leaders: Vec<_> = sim
            .nodes()
            .iter()
            .filter(|s| s.node().role() == Role::Leader && s.node().term() == top)
            .collect();
        assert_eq!(
            leaders.len(),
            1,
            "seed {seed}: no single leader at the end\n{}",
            replay()
        );
        let leader = leaders[0].node();
        for slot in sim.nodes() {
            let node = slot.node();
            assert_eq!(
                node.log().chain(),
                leader.log().chain(),
                "seed {seed}: logs differ\n{}",
                replay()
            );
            assert_eq!(
                node.commit_index(),
                leader.log().last_index(),
                "seed {seed}: not all committed\n{}",
                replay()
            );
        }
    }
}

#[test]
fn every_bug_is_caught_within_1000_seeds() {
    for bug in Bug::ALL {
        let params = Params {
            nodes: 3,
            bug: Some(bug),
            ..Params::default()
        };
        let outcome = fuzz::<RaftLab>(0..1000, |seed| RaftLab::fuzz(seed, params, true));
        let failure = outcome
            .failure
            .unwrap_or_else(|| panic!("{} was not caught in 1000 seeds", bug.name()));
        println!(
            "{} caught at seed {}: {}: {}",
            bug.name(),
            failure.seed,
            failure.violation.property,
            failure.violation.explanation
        );
    }
}
