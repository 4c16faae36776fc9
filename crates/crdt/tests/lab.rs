//! The CRDT lab's replicas on the network: presets tell the stories they describe, the
//! comparison of set types reads three different outcomes, random faults give zero violations
//! for every type, and every bug toggle is caught.

use netsplit_crdt::{Bug, CrdtLab, CrdtScenario, Kind, Params, compare_set_types};
use netsplit_sim::Time;
use netsplit_sim::lab::{Lab, NetworkLab, Recording, fuzz};

fn preset(slug: &str) -> CrdtScenario {
    netsplit_sim::lab::preset::<CrdtLab>(slug)
        .unwrap_or_else(|| panic!("no preset {slug}"))
        .scenario
}

fn values(scenario: &CrdtScenario) -> Vec<String> {
    let mut sim = CrdtLab::start(scenario, Recording::Full).unwrap();
    sim.run_until(Time::ZERO + scenario.duration);
    assert!(sim.violations().is_empty(), "{:?}", sim.violations());
    assert!(sim.monitor().converged());
    sim.nodes()
        .iter()
        .map(|n| n.node().state().value())
        .collect()
}

#[test]
fn presets_converge_to_what_they_describe() {
    for (slug, expected) in [
        ("add-remove", "{x, y, z}"),
        ("concurrent-increments", "2"),
        ("partition-heal", "{a, b, c, d}"),
        ("offline", "{b, c, d}"),
        ("mv-register", "{r}"),
        ("lww-register", "q"),
    ] {
        for value in values(&preset(slug)) {
            assert_eq!(value, expected, "{slug}");
        }
    }
}

/// While n2 is cut off, the replicas diverge; after healing they converge, and the monitor
/// says how long it took.
#[test]
fn a_partition_lets_replicas_diverge_and_healing_brings_them_together() {
    let scenario = preset("offline");
    let mut sim = CrdtLab::start(&scenario, Recording::Full).unwrap();
    sim.run_until(Time(14_000));
    let during: Vec<String> = sim
        .nodes()
        .iter()
        .map(|n| n.node().state().value())
        .collect();
    assert_ne!(during[0], during[2], "apart while cut off");
    sim.run_until(Time::ZERO + scenario.duration);
    let last = *sim.monitor().convergences().last().unwrap();
    assert_eq!(last.since, Time(15_000), "counted from the heal");
    assert!(last.took().as_millis() < 5_000, "{last:?}");
}

/// The same operations on the three set types: 2P-Set's removal is final, OR-Set's concurrent
/// add wins, and the LWW set keeps only the later writer's whole set.
#[test]
fn the_comparison_reads_three_different_outcomes() {
    let outcomes = compare_set_types(&preset("add-remove")).unwrap();
    let finals: Vec<(Kind, &str)> = outcomes
        .iter()
        .map(|o| {
            assert!(o.values.windows(2).all(|w| w[0] == w[1]), "{:?}", o.values);
            (o.kind, o.values[0].as_str())
        })
        .collect();
    assert_eq!(
        finals,
        [
            (Kind::TwoPhaseSet, "{y, z}"),
            (Kind::OrSet, "{x, y, z}"),
            (Kind::LwwSet, "{x, z}"),
        ]
    );
    assert!(compare_set_types(&preset("concurrent-increments")).is_err());
}

#[test]
fn every_type_converges_under_300_faulty_seeds() {
    for kind in Kind::ALL {
        for seed in 0..300 {
            let params = Params {
                kind,
                replicas: 2 + (seed % 5) as usize,
                ..Params::default()
            };
            let scenario = CrdtLab::fuzz(seed, params, true);
            let report = CrdtLab::run(&scenario, Recording::Quiet).unwrap();
            assert!(
                report.violations.is_empty(),
                "{kind}, seed {seed}: {:?}\n{}",
                report.violations[0],
                serde_json::to_string(&scenario).unwrap()
            );
        }
    }
}

#[test]
fn every_bug_is_caught_within_1000_seeds_for_every_type_it_applies_to() {
    for bug in Bug::ALL {
        for kind in Kind::ALL.into_iter().filter(|&k| bug.applies_to(k)) {
            let params = Params {
                kind,
                bug: Some(bug),
                ..Params::default()
            };
            let outcome = fuzz::<CrdtLab>(0..1000, |seed| CrdtLab::fuzz(seed, params, true));
            let failure = outcome
                .failure
                .unwrap_or_else(|| panic!("{} on a {kind} was not caught", bug.name()));
            println!(
                "{} on a {kind}: caught at seed {} ({})",
                bug.name(),
                failure.seed,
                failure.violation.property
            );
        }
    }
}

#[test]
fn mismatched_updates_and_bugs_are_refused() {
    let refused = |edit: &dyn Fn(&mut serde_json::Value)| {
        let mut v = serde_json::to_value(preset("concurrent-increments")).unwrap();
        edit(&mut v);
        let scenario: CrdtScenario = serde_json::from_value(v).unwrap();
        CrdtLab::validate(&scenario).unwrap_err().to_string()
    };
    assert_eq!(
        refused(&|v| v["params"]["replicas"] = 9.into()),
        "replicas must be between 2 and 6, got 9"
    );
    assert_eq!(
        refused(&|v| v["params"]["kind"] = "g_counter".into()),
        "action 4 at 0.6 s (n1: decrement): a G-Counter cannot decrement"
    );
    assert_eq!(
        refused(&|v| v["params"]["bug"] = "keep_mine_on_tie".into()),
        "the keep-mine-on-tie bug does not apply to a PN-Counter"
    );
    assert_eq!(
        refused(&|v| v["params"]["period"] = 50.into()),
        "anti-entropy period must be between 100 ms and 60000 ms, got 50 ms (or 0 for off)"
    );
    assert_eq!(
        refused(
            &|v| v["actions"][0]["action"] = serde_json::json!({"command": [0, {"sync_to": 0}]})
        ),
        "action 1 at 0.5 s (n0: sync to n0): a replica syncs to another one of n0 to n2"
    );
}
