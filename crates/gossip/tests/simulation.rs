//! Simulation testing: many seeds with random faults, every invariant checked after every event.
//! A failing seed is printed so that it can be replayed with `netsplit run`.

use netsplit_gossip::{Bug, GossipLab, GossipScenario, Note, Params};
use netsplit_sim::lab::{Lab, NetworkLab, Recording};
use netsplit_sim::{Span, Time, TraceEvent};

/// How long a false suspicion of a live node may last once the network is calm.
const SETTLE: Span = Span(3000);

fn gossip_run(seed: u64, bug: Option<Bug>) -> GossipScenario {
    let params = Params {
        nodes: 6,
        bug,
        ..Params::default()
    };
    GossipLab::fuzz(seed, params, true)
}

#[test]
fn gossip_holds_every_invariant_under_random_faults() {
    for seed in 0..1000 {
        let scenario = gossip_run(seed, None);
        let mut sim = GossipLab::start(&scenario, Recording::Full).unwrap();
        sim.run_until(Time::ZERO + scenario.duration);
        assert!(
            sim.violations().is_empty(),
            "seed {seed} broke {:?}; replay: {{\"gossip\": {}}}",
            sim.violations()[0],
            serde_json::to_string(&scenario).unwrap()
        );
        // Liveness: 20 s after the last fault every node is up and connected, and a suspicion
        // of a live node is only the occasional false one that the next heartbeat clears.
        for (n, slot) in sim.nodes().iter().enumerate() {
            assert!(slot.is_up());
            for peer in slot.node().suspects() {
                let since = sim
                    .trace()
                    .records()
                    .iter()
                    .rev()
                    .find_map(|r| match r.event {
                        TraceEvent::Noted {
                            note: Note::Suspects { node, peer: p, .. },
                            ..
                        } if node.index() == n && p == peer => Some(r.at),
                        _ => None,
                    });
                let since = since.expect("a suspicion is always noted");
                assert!(
                    sim.now().since(since) < SETTLE,
                    "seed {seed}: n{n} has suspected the live {peer} since {since}"
                );
            }
        }
    }
}

#[test]
fn every_bug_is_caught_within_1000_seeds() {
    for bug in Bug::ALL {
        let caught = (0..1000).find(|&seed| {
            !GossipLab::run(&gossip_run(seed, Some(bug)), Recording::Quiet)
                .unwrap()
                .violations
                .is_empty()
        });
        match caught {
            Some(seed) => println!("{} caught at seed {seed}", bug.name()),
            None => panic!("{} was not caught in 1000 seeds", bug.name()),
        }
    }
}
