//! Simulation testing: 10,000 seeds with random faults, every invariant checked after every
//! event, and every bug toggle tripping the property it names at every cluster size.
//! A failing seed is printed so that it can be replayed with `netsplit run`.

use netsplit_gossip::{Bug, GossipLab, GossipScenario, Note, Params};
use netsplit_sim::lab::{Lab, NetworkLab, Recording, first_breaking};
use netsplit_sim::{Span, Time, TraceEvent};

/// How long a false suspicion of a live node may last once the network is calm.
const SETTLE: Span = Span(3000);

fn gossip_run(seed: u64, nodes: usize, bug: Option<Bug>) -> GossipScenario {
    let params = Params {
        nodes,
        bug,
        ..Params::default()
    };
    GossipLab::fuzz(seed, params, true)
}

/// 10,000 faulty seeds, spread over every cluster size, break nothing.
#[test]
fn gossip_holds_every_invariant_under_10000_faulty_seeds() {
    let sizes: Vec<usize> = Params::NODES.collect();
    for seed in 0..10_000 {
        let scenario = gossip_run(seed, sizes[seed as usize % sizes.len()], None);
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

/// The property each bug toggle must trip.
fn tripped_by(bug: Bug) -> &'static str {
    match bug {
        // A dead node that others still mention keeps looking fresh, so nobody suspects it.
        Bug::RefreshOnAnyDigest => "Suspects on time",
        // One silent period is taken for a failure, before T_fail.
        Bug::HastySuspicion => "Waits for the timeout",
    }
}

#[test]
fn every_bug_trips_its_property_within_1000_seeds_at_every_cluster_size() {
    for bug in Bug::ALL {
        let property = tripped_by(bug);
        for nodes in Params::NODES {
            let failure = first_breaking::<GossipLab>(0..1000, property, |seed| {
                gossip_run(seed, nodes, Some(bug))
            })
            .unwrap_or_else(|| {
                panic!(
                    "{} with {nodes} nodes did not trip {property} in 1000 seeds",
                    bug.name()
                )
            });
            println!(
                "{} with {nodes} nodes trips {property} at seed {}",
                bug.name(),
                failure.seed
            );
        }
    }
}
