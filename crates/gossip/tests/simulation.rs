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

/// Completeness alone, as textbooks state it ("every crashed node is eventually suspected"),
/// is a weaker copy of Suspects on time, which holds the detector to its deadline for every
/// peer whose heartbeat went still, up or not (§2). With refresh-on-any-digest and the network
/// split in two, each side keeps hearing the other side mentioned by its neighbours and never
/// suspects it: the real check fires, and the weakened copy, which asks only about peers that
/// are down, sees nothing; with a crash instead, both fire.
#[test]
fn completeness_alone_misses_a_partitioned_peer_that_suspects_on_time_catches() {
    let preset = |slug: &str| {
        <GossipLab as Lab>::presets()
            .into_iter()
            .find(|p| p.slug == slug)
            .unwrap()
            .scenario
    };
    // The violations of Suspects on time, and those of them the weakened copy reports: the
    // ones whose peer was down at that moment.
    let late_and_weakened = |scenario: &GossipScenario| {
        let mut sim = GossipLab::start(scenario, Recording::Full).unwrap();
        sim.run_until(Time::ZERO + scenario.duration);
        let records = sim.trace().records();
        let down_at = |peer, index: usize| {
            records[..index]
                .iter()
                .rev()
                .find_map(|r| match r.event {
                    TraceEvent::Crashed { node } if node == peer => Some(true),
                    TraceEvent::Started { node } if node == peer => Some(false),
                    _ => None,
                })
                .unwrap_or(false)
        };
        let late: Vec<_> = sim
            .violations()
            .iter()
            .filter(|v| v.property == "Suspects on time")
            .cloned()
            .collect();
        let weakened = late
            .iter()
            .filter(|v| down_at(v.nodes[1], v.events[0]))
            .count();
        (late.len(), weakened)
    };
    let partition = preset("partition");
    let split = GossipScenario {
        params: Params {
            bug: Some(Bug::RefreshOnAnyDigest),
            ..partition.params
        },
        ..partition
    };
    let (late, weakened) = late_and_weakened(&split);
    assert!(late > 0, "Suspects on time saw nothing");
    assert_eq!(weakened, 0, "the weakened copy saw the partition");
    let (late, weakened) = late_and_weakened(&preset("bug-refresh"));
    assert!(late > 0 && weakened > 0, "{late} {weakened}");
}
