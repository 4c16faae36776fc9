//! Raft under random faults: 10,000 seeds with zero violations, liveness once faults stop, and
//! every bug toggle caught by the property it breaks, at every cluster size. A failing seed is printed with a scenario that replays it.

use netsplit_raft::{Bug, Params, RaftLab, Role};
use netsplit_sim::lab::{Lab, NetworkLab, Recording, first_breaking};
use netsplit_sim::{Action, Time, TraceEvent};

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

/// The property each bug toggle must trip.
fn tripped_by(bug: Bug) -> &'static str {
    match bug {
        // §5.4.1: a voter that skips the up-to-date check elects a leader lacking committed
        // entries.
        Bug::VoteWithoutLogCheck => "Leader Completeness",
        // Figure 8: an old-term entry committed by counting is missing from a later leader.
        Bug::CommitOldTerms => "Leader Completeness",
        // §5.2: a server that forgets votedFor on restart votes again in the same term.
        Bug::ForgetVotedFor => "One Vote per Term",
    }
}

#[test]
fn every_bug_trips_its_property_within_1000_seeds_at_every_cluster_size() {
    for bug in Bug::ALL {
        for nodes in Params::NODES {
            let params = Params {
                nodes,
                bug: Some(bug),
                ..Params::default()
            };
            let property = tripped_by(bug);
            let failure = first_breaking::<RaftLab>(0..1000, property, |seed| {
                RaftLab::fuzz(seed, params, true)
            })
            .unwrap_or_else(|| {
                panic!(
                    "{} did not trip {property} in 1000 seeds with {nodes} servers",
                    bug.name()
                )
            });
            println!(
                "{} with {nodes} servers trips {property} at seed {}: {}",
                bug.name(),
                failure.seed,
                failure.violation.explanation
            );
        }
    }
}

/// The nemesis adds its faults as the run goes; the scenario it returns replays that run.
#[test]
fn a_provoked_run_replays_exactly() {
    for seed in 0..20 {
        let scenario = RaftLab::fuzz(seed, Params::default(), true);
        // Only the nemesis holds messages.
        let provoked = scenario
            .actions
            .iter()
            .filter(|a| matches!(a.action, Action::HoldMessage(_)))
            .count();
        assert!(provoked > 0, "seed {seed}: the nemesis struck nowhere");
        let once = RaftLab::run(&scenario, Recording::Full).unwrap();
        let again = RaftLab::run(&scenario, Recording::Full).unwrap();
        assert_eq!(once.trace_hash, again.trace_hash);
        let refused = RaftLab::start(&scenario, Recording::Full).map(|mut sim| {
            sim.run_until(Time::ZERO + scenario.duration);
            sim.trace()
                .records()
                .iter()
                .filter(|r| {
                    matches!(
                        &r.event,
                        TraceEvent::Refused {
                            action: Action::HoldMessage(_),
                            ..
                        }
                    )
                })
                .count()
        });
        assert_eq!(refused.unwrap(), 0, "seed {seed}: a hold met no message");
    }
}
