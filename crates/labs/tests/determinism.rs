//! The same scenario gives the same trace, run after run, and the recorded hash that the wasm
//! build must also produce.

mod common;

use netsplit_gossip::GossipLab;
use netsplit_sim::lab::{Lab, Recording};

use netsplit_labs::{LABS, Scenario, presets};

#[test]
fn traces_match_the_recorded_hashes() {
    for (name, scenario, expected) in common::golden() {
        let first = scenario.run().expect("valid").trace_hash;
        let second = scenario.run().expect("valid").trace_hash;
        assert_eq!(first, second, "{name} is not deterministic");
        assert_eq!(
            first, expected,
            "{name}: recorded {expected:016x}, got {first:016x}"
        );
    }
}

#[test]
fn every_preset_is_valid_and_survives_a_json_round_trip() {
    for lab in LABS {
        for preset in presets(lab.slug) {
            preset.scenario.validate().expect(preset.slug);
            let json = serde_json::to_string(&preset.scenario).unwrap();
            let back: Scenario = serde_json::from_str(&json).unwrap();
            assert_eq!(back, preset.scenario);
            assert_eq!(back.run().unwrap(), preset.scenario.run().unwrap());
        }
    }
}

#[test]
fn bug_presets_are_caught_and_correct_presets_break_only_what_they_say() {
    for preset in LABS.iter().flat_map(|lab| presets(lab.slug)) {
        let report = preset.scenario.run().unwrap();
        if preset.scenario.bug().is_some() {
            assert!(
                !report.violations.is_empty(),
                "{}: its bug is not caught",
                preset.slug
            );
            continue;
        }
        let mut broken: Vec<&str> = report
            .violations
            .iter()
            .map(|v| v.property.as_str())
            .collect();
        broken.sort_unstable();
        broken.dedup();
        assert_eq!(
            broken, preset.breaks,
            "{}: {:?}",
            preset.slug, report.violations
        );
    }
}

#[test]
fn bad_scenarios_are_refused_with_the_allowed_range() {
    let base = serde_json::to_value(&presets("gossip")[0].scenario).unwrap();
    let refuse = |edit: &dyn Fn(&mut serde_json::Value)| {
        let mut v = base.clone();
        edit(&mut v);
        let scenario: Scenario = serde_json::from_value(v).unwrap();
        scenario.validate().unwrap_err().to_string()
    };
    assert_eq!(
        refuse(&|v| v["gossip"]["params"]["nodes"] = 99.into()),
        "nodes must be between 2 and 12, got 99"
    );
    assert_eq!(
        refuse(&|v| v["gossip"]["actions"][0]["action"] = serde_json::json!({"crash": 9})),
        "action 1 at 3 s names n9, but the cluster has nodes n0 to n5"
    );
    assert!(refuse(&|v| v["gossip"]["duration"] = 0.into()).contains("duration must be between"));
    assert!(
        refuse(&|v| v["gossip"]["links"]["latency_min"] = 900.into()).contains("above the maximum")
    );
}

#[test]
fn the_handled_golden_scenario_really_handles_messages() {
    let (_, scenario, _) = common::golden()
        .into_iter()
        .find(|(name, _, _)| name.contains("message handling"))
        .unwrap();
    let Scenario::Gossip(scenario) = scenario else {
        unreachable!("the handled golden run is a Gossip run")
    };
    let mut sim = GossipLab::start(&scenario, Recording::Full).unwrap();
    sim.run_until(netsplit_sim::Time(10_000));
    let refused: Vec<String> = sim
        .trace()
        .records()
        .iter()
        .filter(|r| matches!(r.event, netsplit_sim::TraceEvent::Refused { .. }))
        .map(|r| r.event.to_string())
        .collect();
    assert!(refused.is_empty(), "{refused:?}");
}

#[test]
fn clocks_executions_are_validated() {
    use netsplit_clocks::ClocksScenario;
    use netsplit_clocks::Step;
    let names = |n: usize| (0..n).map(|i| format!("P{i}")).collect::<Vec<_>>();
    let refuse = |s: ClocksScenario| Scenario::Clocks(s).validate().unwrap_err().to_string();
    assert_eq!(
        refuse(ClocksScenario {
            processes: names(9),
            steps: vec![]
        }),
        "processes must be between 2 and 8, got 9"
    );
    let bad_step = ClocksScenario {
        processes: names(2),
        steps: vec![Step::Deliver {
            message: 0,
            label: "x".into(),
        }],
    };
    assert_eq!(refuse(bad_step), "step 1: there is no message 0");
    let report = presets("clocks")[1].scenario.run().unwrap();
    assert_eq!(
        report.findings[0].lines,
        ["3 processes, 6 events, 2 messages (0 in flight)"]
    );
}

#[test]
fn hashing_histories_are_validated_and_narrated() {
    use netsplit_hashring::HashingScenario;
    use netsplit_hashring::{Op, Params};
    let refuse = |params: Params, ops: Vec<Op>| {
        Scenario::Hashing(HashingScenario { params, ops })
            .validate()
            .unwrap_err()
            .to_string()
    };
    assert_eq!(
        refuse(
            Params {
                keys: 5,
                ..Params::default()
            },
            vec![]
        ),
        "keys must be between 10 and 100000, got 5"
    );
    assert_eq!(
        refuse(
            Params::default(),
            vec![Op::Nodes(4), Op::Remove(netsplit_sim::NodeId(6))]
        ),
        "step 2 (remove n6): there is no node n6"
    );
    let preset = presets("hashing")
        .into_iter()
        .find(|p| p.slug == "modulo-vs-ring")
        .unwrap();
    let findings = &preset.scenario.run().unwrap().findings[0].lines;
    assert_eq!(findings.len(), 5);
    assert!(findings[0].starts_with("start: Modulo, 8 nodes, 2000 keys"));
    assert!(
        findings[1].starts_with("step 1, resize to 9 nodes: moved 17"),
        "{}",
        findings[1]
    );
    assert!(findings[1].contains("ideal 11.1%"), "{}", findings[1]);
    assert!(findings[4].starts_with("step 4, resize to 9 nodes: moved 2"));
}
