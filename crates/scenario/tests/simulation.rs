//! Simulation testing: many seeds with random faults, every invariant checked after every event.
//! A failing seed is printed so that it can be replayed with `netsplit run`.

use netsplit_gossip::{Bug, Note, Params};
use netsplit_scenario::{FaultPlan, LabScenario, Scenario, random_faults};
use netsplit_sim::{Link, Span, Time, TraceEvent};

const FAULTS_UNTIL: Time = Time(20_000);
/// How long a false suspicion of a live node may last once the network is calm.
const SETTLE: Span = Span(3000);

fn gossip_run(seed: u64, bug: Option<Bug>) -> Scenario {
    let params = Params {
        nodes: 6,
        bug,
        ..Params::default()
    };
    let links = Link::default();
    let plan = FaultPlan {
        nodes: params.nodes,
        until: FAULTS_UNTIL,
        mean_gap: Span(800),
        calm: links,
    };
    Scenario::Gossip(LabScenario {
        seed,
        params,
        links,
        actions: random_faults(seed, &plan),
        duration: Span::secs(40),
    })
}

#[test]
fn gossip_holds_every_invariant_under_random_faults() {
    for seed in 0..1000 {
        let scenario = gossip_run(seed, None);
        let mut run = scenario.start().unwrap();
        run.run_until(Time::ZERO + scenario.duration());
        let report = run.report(seed);
        assert!(
            report.violations.is_empty(),
            "seed {seed} broke {:?}; replay: {}",
            report.violations[0],
            serde_json::to_string(&scenario).unwrap()
        );
        // Liveness: 20 s after the last fault every node is up and connected, and a suspicion
        // of a live node is only the occasional false one that the next heartbeat clears.
        let netsplit_scenario::LabRun::Gossip(sim) = &run else {
            unreachable!()
        };
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
            !gossip_run(seed, Some(bug))
                .run()
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
