//! The protocols against their sources, through the lab's presets: Kleppmann, "How to do
//! distributed locking" (2016); the Redlock description of the Redis documentation; and
//! Garcia-Molina, "Elections in a Distributed Computing System" (1982).

use netsplit_coord::{CoordLab, CoordNode, CoordSim, Note};
use netsplit_sim::lab::{NetworkLab, run_to_end};
use netsplit_sim::{NodeId, Time};

fn preset(slug: &str) -> Box<CoordSim> {
    let preset = <CoordLab as NetworkLab>::presets()
        .into_iter()
        .find(|p| p.slug == slug)
        .unwrap_or_else(|| panic!("no preset {slug}"));
    run_to_end::<CoordLab>(&preset.scenario)
}

fn broken(sim: &CoordSim) -> Vec<&str> {
    sim.violations()
        .iter()
        .map(|v| v.property.as_str())
        .collect()
}

fn notes(sim: &CoordSim) -> Vec<(Time, Note)> {
    sim.trace().notes()
}

fn coordinator(sim: &CoordSim, node: u16) -> Option<NodeId> {
    match sim.slot(NodeId(node)).node() {
        CoordNode::Process(p) => p.coordinator,
        _ => None,
    }
}

#[test]
fn kleppmann_2016_fencing_the_storage_rejects_the_write_of_a_holder_paused_past_its_lease() {
    let sim = preset("gc-pause-fenced");
    assert!(broken(&sim).is_empty(), "{:?}", sim.violations());
    // n2 got token 1 and was paused; n1 got token 2 and wrote; n2's late write is refused.
    let rejected = notes(&sim).into_iter().find_map(|(at, n)| match n {
        Note::Rejected {
            client,
            token,
            highest,
        } => Some((at, client, token, highest)),
        _ => None,
    });
    let (at, client, token, highest) = rejected.expect("the stale write is rejected");
    assert_eq!((client, token), (NodeId(2), 1));
    assert!(
        highest > token && at > Time(3000),
        "after the 3 s pause ends"
    );
}

#[test]
fn kleppmann_2016_without_fencing_the_paused_holder_overwrites_its_successor() {
    let sim = preset("gc-pause-unfenced");
    assert!(
        broken(&sim).contains(&"Fenced writes"),
        "{:?}",
        broken(&sim)
    );
    assert!(broken(&sim).contains(&"Tokens only grow"));
    let v = sim
        .violations()
        .iter()
        .find(|v| v.property == "Fenced writes")
        .expect("reported");
    assert!(v.nodes.contains(&NodeId(2)) && v.nodes.contains(&NodeId(1)));
}

#[test]
fn redlock_description_delayed_restarts_a_server_without_its_leases_waits_out_a_ttl() {
    let sim = preset("volatile-restart");
    assert!(broken(&sim).is_empty(), "{:?}", sim.violations());
    let notes = notes(&sim);
    let waits = notes
        .iter()
        .find_map(|(at, n)| matches!(n, Note::WaitsOut { .. }).then_some(*at))
        .expect("the restarted server waits");
    // Nothing is granted within a TTL (2 s) of the restart.
    assert!(
        !notes.iter().any(|(at, n)| matches!(n, Note::Granted { .. })
            && *at >= waits
            && at.since(waits).0 < 2000)
    );
}

#[test]
fn a_server_that_forgets_its_leases_on_restart_gives_the_lock_to_two_clients() {
    let sim = preset("forget-leases");
    assert_eq!(broken(&sim).first(), Some(&"One holder at a time"));
}

#[test]
fn redlock_description_a_majority_within_the_validity_time_holds_the_lock() {
    let sim = preset("redlock");
    assert!(broken(&sim).is_empty(), "{:?}", sim.violations());
    let notes = notes(&sim);
    // Each new lease follows grants from at least three of the five servers to its client.
    for (i, (_, note)) in notes.iter().enumerate() {
        if let Note::Holds {
            client,
            renewed: false,
            ..
        } = note
        {
            let mut servers: Vec<NodeId> = notes[..i]
                .iter()
                .filter_map(|(_, n)| match n {
                    Note::Granted {
                        server, client: c, ..
                    } if c == client => Some(*server),
                    _ => None,
                })
                .collect();
            servers.sort();
            servers.dedup();
            assert!(servers.len() >= 3, "{client} held the lock on {servers:?}");
        }
    }
    assert!(notes.iter().any(|(_, n)| matches!(n, Note::Holds { .. })));
}

#[test]
fn kleppmann_2016_timing_a_clock_jump_on_one_redlock_server_gives_two_clients_the_lock() {
    let sim = preset("redlock-clock-jump");
    assert_eq!(broken(&sim).first(), Some(&"One holder at a time"));
}

#[test]
fn garcia_molina_1982_the_highest_live_node_wins_and_a_recovered_higher_node_bullies_back() {
    let mut sim = preset("bully");
    assert!(broken(&sim).is_empty(), "{:?}", sim.violations());
    assert_eq!(coordinator(&sim, 0), Some(NodeId(4)));
    sim.seek(Time(6000));
    for node in 0..4 {
        assert_eq!(coordinator(&sim, node), Some(NodeId(3)), "n4 is down");
    }
}

#[test]
fn garcia_molina_1982_assumes_no_pauses_a_paused_coordinator_is_replaced_and_still_believes() {
    let sim = preset("bully-pause");
    assert!(
        broken(&sim).contains(&"One coordinator"),
        "{:?}",
        broken(&sim)
    );
    for node in 0..5 {
        assert_eq!(
            coordinator(&sim, node),
            Some(NodeId(4)),
            "n4 took the cluster back"
        );
    }
}

#[test]
fn a_partition_makes_two_coordinators_that_cannot_reach_each_other_then_the_higher_wins() {
    let sim = preset("bully-partition");
    assert!(broken(&sim).is_empty(), "{:?}", sim.violations());
    let (split, spells) = sim.monitor().split_brain(sim.now());
    assert!(spells >= 1 && split.0 > 2000, "{split} over {spells}");
    for node in 0..5 {
        assert_eq!(coordinator(&sim, node), Some(NodeId(4)));
    }
}

#[test]
fn a_hasty_node_that_does_not_wait_for_answers_claims_the_cluster_under_a_higher_one() {
    let sim = preset("bug-hasty");
    assert_eq!(broken(&sim).first(), Some(&"Highest live wins"));
}

#[test]
fn kleppmann_2016_the_timeline_shows_the_paused_holder_writing_after_the_service_let_its_lease_go()
{
    let sim = preset("gc-pause-fenced");
    let history = sim.monitor().history();
    let lane = &history.lanes[2];
    let held = lane
        .held
        .iter()
        .find(|s| s.token == 1)
        .expect("n2's lease 1");
    let pause = lane.paused.front().expect("n2 was paused");
    // The service's lease ran out while n2 was paused ...
    assert!(
        pause.from < held.to && held.to < pause.to,
        "{held:?} {pause:?}"
    );
    // ... the next holder wrote, then n2's write under the old token came and was refused.
    let writes: Vec<_> = history
        .writes
        .iter()
        .map(|w| (w.client, w.token, w.accepted))
        .collect();
    let stale = writes.iter().position(|&w| w == (NodeId(2), 1, false));
    let successor = writes
        .iter()
        .position(|&(c, t, ok)| c == NodeId(1) && t > 1 && ok);
    assert!(successor < stale && stale.is_some(), "{writes:?}");
    assert!(
        history
            .writes
            .iter()
            .all(|w| w.at >= pause.to || w.client != NodeId(2))
    );
}

#[test]
fn garcia_molina_1982_each_election_is_counted_from_its_first_election_message_to_its_coordinator()
{
    let sim = preset("bully");
    let elections: Vec<_> = sim.monitor().history().elections.iter().copied().collect();
    let others = sim.config().processes as u32 - 1;
    for e in &elections {
        // Every announcement reaches every other process.
        assert_eq!(e.messages[2] % others, 0, "{e:?}");
    }
    let after = |t: u64| {
        elections
            .iter()
            .find(|e| e.began >= Time(t))
            .expect("an election")
    };
    // n4 crashes at 3 s: those that miss it elect, and n3, the highest left, wins.
    let crash = after(3000);
    assert_eq!(crash.winner, Some(NodeId(3)), "{elections:?}");
    assert!(crash.messages[0] > 0 && crash.messages[1] > 0, "{crash:?}");
    // n4 recovers at 7 s: it has no one higher to ask, and one announcement bullies it back.
    let back = after(7000);
    assert_eq!((back.by, back.winner), (NodeId(4), Some(NodeId(4))));
    assert_eq!(back.messages, [0, 0, others], "{back:?}");
}
