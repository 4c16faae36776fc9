//! The gossip failure detector against van Renesse, Minsky and Hayden (1998), §2.

use netsplit_gossip::{Bug, GossipSim, Note, Params};
use netsplit_sim::{Action, Link, NodeId, Partition, Span, Time};

fn params() -> Params {
    Params {
        nodes: 5,
        ..Params::default()
    }
}

fn run(
    params: Params,
    seed: u64,
    actions: &[(u64, Action<netsplit_sim::NoCommand>)],
    until: u64,
) -> GossipSim {
    let mut sim = params.build(Link::default(), seed);
    for (at, action) in actions {
        sim.schedule(Time(*at), action.clone());
    }
    sim.run_until(Time(until));
    sim
}

fn notes(sim: &GossipSim) -> Vec<(Time, Note)> {
    sim.trace().notes()
}

/// §2: each member increments its own heartbeat once per gossip period.
#[test]
fn heartbeat_grows_once_per_period() {
    let sim = run(params(), 1, &[], 10_000);
    for slot in sim.nodes() {
        // 40 periods fit in 10 s; the first beat comes at a random offset within the first.
        assert!(
            (39..=40).contains(&slot.node().heartbeat()),
            "{}",
            slot.node().heartbeat()
        );
    }
}

/// §2: gossip spreads every member's counter, so tables stay close to current.
#[test]
fn tables_converge_on_current_heartbeats_without_faults() {
    let sim = run(params(), 2, &[], 10_000);
    assert!(
        notes(&sim).is_empty(),
        "nobody is suspected in a calm cluster"
    );
    for slot in sim.nodes() {
        for (m, member) in slot.node().members().iter().enumerate() {
            let truth = sim.nodes()[m].node().heartbeat();
            // Nobody is suspected, so no row is more than T_fail (10 periods) behind.
            assert!(
                truth - member.heartbeat <= 10,
                "row {m} lags by {}",
                truth - member.heartbeat
            );
        }
    }
    assert!(sim.violations().is_empty());
}

/// §2: a member whose heartbeat has not increased for T_fail is considered failed; with a
/// crash this happens at every live node (completeness).
#[test]
fn a_crash_is_detected_by_every_live_node() {
    let sim = run(params(), 3, &[(3000, Action::Crash(NodeId(2)))], 12_000);
    let suspicions: Vec<(Time, Note)> = notes(&sim)
        .into_iter()
        .filter(|(_, n)| {
            matches!(
                n,
                Note::Suspects {
                    peer: NodeId(2),
                    ..
                }
            )
        })
        .collect();
    assert_eq!(suspicions.len(), 4, "{suspicions:?}");
    for (at, note) in &suspicions {
        let Note::Suspects { silent_for, .. } = note else {
            unreachable!()
        };
        assert!(*silent_for > Span(2500));
        assert!(*at > Time(3000), "{note} came before the crash");
    }
    let detections = sim.monitor().detections();
    assert_eq!(detections.len(), 1);
    assert_eq!(detections[0].node, NodeId(2));
    assert_eq!(detections[0].detected_at, suspicions.last().unwrap().0);
    assert!(sim.violations().is_empty(), "{:?}", sim.violations());
    for slot in sim.nodes().iter().filter(|s| s.is_up()) {
        let digest_rows = slot
            .node()
            .members()
            .iter()
            .filter(|m| !m.suspected)
            .count();
        assert_eq!(digest_rows, 4, "suspected rows are left out of digests");
    }
}

/// A partition makes both sides suspect each other although all are alive: the detector's
/// inherent false suspicion. Healing lets newer counters through and clears it.
#[test]
fn partition_brings_false_suspicion_that_heals() {
    let sim = run(
        params(),
        4,
        &[
            (
                2000,
                Action::Partition(Partition(vec![vec![NodeId(0), NodeId(1)]])),
            ),
            (9000, Action::Heal),
        ],
        16_000,
    );
    let suspected: Vec<(NodeId, NodeId)> = notes(&sim)
        .iter()
        .filter_map(|(at, n)| match n {
            Note::Suspects { node, peer, .. } if *at < Time(9000) => Some((*node, *peer)),
            _ => None,
        })
        .collect();
    let small = [NodeId(0), NodeId(1)];
    let large = [NodeId(2), NodeId(3), NodeId(4)];
    for a in small {
        for b in large {
            assert!(suspected.contains(&(a, b)), "{a} never suspected {b}");
            assert!(suspected.contains(&(b, a)), "{b} never suspected {a}");
        }
    }
    assert!(sim.monitor().false_suspicions() >= 12);
    assert!(
        sim.nodes()
            .iter()
            .all(|s| s.node().suspects().next().is_none()),
        "healed"
    );
    assert!(sim.violations().is_empty());
}

/// The heartbeat counter is durable: a restarted node continues above what its peers
/// remember, so they trust it again.
#[test]
fn a_restarted_node_is_trusted_again() {
    let sim = run(
        params(),
        5,
        &[
            (2000, Action::Crash(NodeId(3))),
            (8000, Action::Restart(NodeId(3))),
        ],
        14_000,
    );
    // About 8 beats before the crash and 24 after the restart: the counter went on from storage.
    assert!(sim.slot(NodeId(3)).node().heartbeat() >= 30);
    let trusted_again: Vec<NodeId> = notes(&sim)
        .iter()
        .filter_map(|(at, n)| match n {
            Note::Trusts {
                node,
                peer: NodeId(3),
                ..
            } if *at > Time(8000) => Some(*node),
            _ => None,
        })
        .collect();
    for node in [0, 1, 2, 4].map(NodeId) {
        assert!(
            trusted_again.contains(&node),
            "{node} never trusted n3 again"
        );
    }
    assert!(sim.violations().is_empty());
}

/// The monitor must catch each deliberately wrong variant.
#[test]
fn refresh_on_any_digest_never_suspects_the_dead() {
    let sim = run(
        Params {
            bug: Some(Bug::RefreshOnAnyDigest),
            ..params()
        },
        6,
        &[(3000, Action::Crash(NodeId(2)))],
        12_000,
    );
    assert!(sim.monitor().detections().is_empty());
    let v = &sim.violations()[0];
    assert_eq!(v.property, "Suspects on time");
    assert_eq!(v.nodes[1], NodeId(2));
    assert!(
        v.explanation.contains("still trusts n2"),
        "{}",
        v.explanation
    );
}

#[test]
fn hasty_suspicion_breaks_the_timeout() {
    let sim = run(
        Params {
            bug: Some(Bug::HastySuspicion),
            ..params()
        },
        7,
        &[],
        10_000,
    );
    let v = sim
        .violations()
        .iter()
        .find(|v| v.property == "Waits for the timeout")
        .expect("the monitor must catch hasty suspicion");
    assert!(
        v.explanation.contains("T_fail is 2.5 s"),
        "{}",
        v.explanation
    );
}

#[test]
fn parameters_out_of_range_are_refused_with_the_range() {
    let bad = Params {
        nodes: 40,
        ..params()
    };
    assert_eq!(
        bad.validate().unwrap_err(),
        "nodes must be between 2 and 12, got 40"
    );
    let fast = Params {
        fail_after: Span(400),
        ..params()
    };
    assert!(
        fast.validate()
            .unwrap_err()
            .contains("two gossip periods (500 ms)")
    );
    assert!(params().validate().is_ok());
}
