//! The CRDT lab's replicas on the network: presets tell the stories they describe, the
//! comparison of set types reads three different outcomes, random faults give zero violations
//! for every type, and every bug toggle is caught by the property it breaks.

use netsplit_crdt::{Bug, CrdtLab, CrdtScenario, Kind, Params, SetComparison, compare_set_types};
use netsplit_sim::lab::{Lab, NetworkLab, Recording, at, first_breaking, run_to_end};
use netsplit_sim::{Action, Chance, Link, Span, Time};

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

/// The same operations on the four set types: 2P-Set's removal is final, OR-Set's concurrent
/// add wins (in both forms), and the LWW set keeps only the later writer's whole set. The
/// optimized OR-Set holds less than the OR-Set with its tombstones.
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
            (Kind::OptimizedOrSet, "{x, y, z}"),
            (Kind::LwwSet, "{x, z}"),
        ]
    );
    assert!(compare_set_types(&preset("concurrent-increments")).is_err());
}

/// Gone a few events at a time, as the page goes, the comparison ends as it does at once, and
/// its progress only grows, to 1.
#[test]
fn the_comparison_in_slices_ends_as_at_once() {
    let scenario = preset("tombstones");
    let mut comparison = SetComparison::new(&scenario).unwrap();
    let (mut slices, mut done) = (0, 0.0);
    while !comparison.go(7) {
        assert!(comparison.outcomes().is_none());
        assert!(comparison.done() >= done && comparison.done() < 1.0);
        done = comparison.done();
        slices += 1;
    }
    assert!(slices > Kind::COMPARED.len(), "{slices} slices");
    assert_eq!(comparison.done(), 1.0);
    assert_eq!(
        comparison.outcomes().unwrap(),
        compare_set_types(&scenario).unwrap()
    );
}

/// Bieniusa et al. 2012, §3: the optimized OR-Set answers as the OR-Set does, but keeps no
/// tombstones; after a dozen adds and removes it holds a few entries, the OR-Set dozens.
#[test]
fn the_optimized_or_set_keeps_no_tombstones() {
    let outcomes = compare_set_types(&preset("tombstones")).unwrap();
    let of = |kind: Kind| outcomes.iter().find(|o| o.kind == kind).unwrap();
    let (tombstones, dots) = (of(Kind::OrSet), of(Kind::OptimizedOrSet));
    assert_eq!(tombstones.values, dots.values);
    assert!(
        dots.largest_state * 4 <= tombstones.largest_state,
        "{} entries against {}",
        dots.largest_state,
        tombstones.largest_state
    );
}

/// 10,000 faulty seeds, spread over every type and every number of replicas, break nothing.
#[test]
fn every_type_converges_under_10000_faulty_seeds() {
    let sizes: Vec<usize> = Params::REPLICAS.collect();
    for seed in 0..10_000u64 {
        let kind = Kind::ALL[seed as usize % Kind::ALL.len()];
        let replicas = sizes[(seed as usize / Kind::ALL.len()) % sizes.len()];
        let params = Params {
            kind,
            replicas,
            ..Params::default()
        };
        let scenario = CrdtLab::fuzz(seed, params, true);
        let report = CrdtLab::run(&scenario, Recording::Quiet).unwrap();
        assert!(
            report.violations.is_empty(),
            "{kind}, {replicas} replicas, seed {seed}: {:?}\n{}",
            report.violations[0],
            serde_json::to_string(&scenario).unwrap()
        );
    }
}

/// Every bug is a merge that is not the join (§2.2); it is caught at the merge.
#[test]
fn every_bug_trips_merges_join_within_1000_seeds_for_every_type_and_size() {
    for bug in Bug::ALL {
        for kind in Kind::ALL.into_iter().filter(|&k| bug.applies_to(k)) {
            for replicas in Params::REPLICAS {
                let params = Params {
                    kind,
                    replicas,
                    bug: Some(bug),
                    ..Params::default()
                };
                let failure = first_breaking::<CrdtLab>(0..1000, "Merges join", |seed| {
                    CrdtLab::fuzz(seed, params, true)
                })
                .unwrap_or_else(|| {
                    panic!(
                        "{} on a {kind} with {replicas} replicas did not trip Merges join",
                        bug.name()
                    )
                });
                println!(
                    "{} on a {kind} with {replicas} replicas trips Merges join at seed {}",
                    bug.name(),
                    failure.seed
                );
            }
        }
    }
}

/// The old check alone, "old ≤ new", misses a merge that keeps the replica's own write on a
/// tie: nothing is lost, yet the replicas never agree. The join check catches it at the merge,
/// and the merge of all updates, built from correct shadows, shows the disagreement.
#[test]
fn only_moving_up_misses_the_tie_that_merges_join_catches() {
    let sim = run_to_end::<CrdtLab>(&preset("bug-keep-mine-on-tie"));
    let properties: Vec<&str> = sim
        .violations()
        .iter()
        .map(|v| v.property.as_str())
        .collect();
    assert!(properties.contains(&"Merges join"), "{properties:?}");
    assert!(!properties.contains(&"Only moves up"), "{properties:?}");
}

/// A counter that adds on merge inflates its state; the merge of all updates is built from
/// correct shadows, so the inflated replicas are seen not to converge.
#[test]
fn an_inflating_merge_does_not_become_the_target() {
    let params = Params {
        kind: Kind::GCounter,
        bug: Some(Bug::AddOnMerge),
        ..Params::default()
    };
    let failure = first_breaking::<CrdtLab>(0..100, "Converges", |seed| {
        CrdtLab::fuzz(seed, params, true)
    });
    assert!(failure.is_some(), "add-on-merge never failed to converge");
}

/// Links that lose messages promise no deadline: a correct CRDT on links that lose 90% is
/// slow, not wrong. Once the links are calm the deadline counts again, from then.
#[test]
fn lossy_links_suspend_the_deadline_and_calm_links_restore_it() {
    for slug in [
        "add-remove",
        "concurrent-increments",
        "partition-heal",
        "mv-register",
    ] {
        let mut s = preset(slug);
        s.links.drop = Chance::percent(90);
        s.duration = Span::secs(60);
        let sim = run_to_end::<CrdtLab>(&s);
        assert!(
            sim.violations().is_empty(),
            "{slug}: {:?}",
            sim.violations()
        );
    }
    let mut s = preset("bug-add-on-merge");
    s.links.drop = Chance::percent(90);
    s.actions.push(at(5_000, Action::SetLinks(Link::default())));
    s.actions.sort_by_key(|a| a.at);
    s.duration = Span::secs(60);
    let sim = run_to_end::<CrdtLab>(&s);
    let converges = sim.violations().iter().find(|v| v.property == "Converges");
    assert!(converges.is_some(), "{:?}", sim.violations());
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
