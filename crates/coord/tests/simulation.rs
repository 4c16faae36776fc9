//! Simulation testing: thousands of faulty seeds with every check after every event, what each
//! protocol guarantees under which faults, and every bug toggle tripping the property it names
//! at every cluster size. A failing seed is printed so that it can be replayed.
//!
//! - The fenced lease service keeps every check under crashes, restarts, partitions, one-way
//!   cuts, loss, duplication, slow links, pauses of holders and clocks that drift within the
//!   allowance.
//! - Redlock keeps one holder at a time under the same faults, but its tokens (the largest of
//!   a majority's counters) are not fencing tokens: a paused holder's write can land after a
//!   later holder's, as Kleppmann (2016) argues.
//! - Bully keeps one coordinator, and the highest live node wins, under crashes and restarts
//!   on reliable links with bounded delays, which is what Garcia-Molina (1982) assumes; a
//!   partition or a pause breaks it by design (the presets show both).

use netsplit_coord::{Bug, CoordLab, CoordNode, CoordScenario, Mode, Params};
use netsplit_sim::lab::{Lab, NetworkLab, Recording, first_breaking};
use netsplit_sim::{NodeId, Time};

/// A fuzz run; `nodes` is the number of Redlock servers or Bully processes (unused for the
/// lease service).
fn run(mode: Mode, seed: u64, clients: usize, nodes: usize, bug: Option<Bug>) -> CoordScenario {
    let mut params = Params {
        mode,
        clients,
        bug,
        ..Params::default()
    };
    match mode {
        Mode::Lease => {}
        Mode::Redlock => params.servers = nodes,
        Mode::Bully => params.processes = nodes,
    }
    CoordLab::fuzz(seed, params, true)
}

fn violations(scenario: &CoordScenario) -> Vec<netsplit_sim::Violation> {
    <CoordLab as Lab>::run(scenario, Recording::Quiet)
        .expect("fuzz scenarios are valid")
        .violations
}

fn replay(scenario: &CoordScenario) -> String {
    format!(
        "{{\"coordination\": {}}}",
        serde_json::to_string(scenario).unwrap()
    )
}

#[test]
fn the_fenced_lease_service_keeps_every_check_under_10000_faulty_seeds() {
    let clients: Vec<usize> = Params::CLIENTS.collect();
    for seed in 0..10_000 {
        let scenario = run(
            Mode::Lease,
            seed,
            clients[seed as usize % clients.len()],
            1,
            None,
        );
        let found = violations(&scenario);
        assert!(
            found.is_empty(),
            "seed {seed}: {:?}; replay: {}",
            found[0],
            replay(&scenario)
        );
    }
}

#[test]
fn redlock_keeps_one_holder_at_a_time_under_2000_faulty_seeds() {
    let clients: Vec<usize> = Params::CLIENTS.collect();
    let servers: Vec<usize> = Params::SERVERS.collect();
    for seed in 0..2000 {
        let (c, s) = (
            seed as usize % clients.len(),
            seed as usize / 3 % servers.len(),
        );
        let scenario = run(Mode::Redlock, seed, clients[c], servers[s], None);
        let found = violations(&scenario);
        let broken = found
            .iter()
            .find(|v| v.property == "One holder at a time" || v.property == "Tokens only grow");
        assert!(
            broken.is_none(),
            "seed {seed}: {broken:?}; replay: {}",
            replay(&scenario)
        );
    }
}

/// Kleppmann, "How to do distributed locking" (2016): Redlock generates no fencing tokens.
#[test]
fn kleppmann_2016_redlock_tokens_are_not_fencing_tokens() {
    let found = first_breaking::<CoordLab>(0..1000, "Fenced writes", |seed| {
        run(Mode::Redlock, seed, 2, 5, None)
    });
    assert!(
        found.is_some(),
        "a stale Redlock holder's write landed in 1000 seeds"
    );
}

#[test]
fn bully_keeps_its_checks_under_10000_seeds_of_crashes_and_restarts() {
    let sizes: Vec<usize> = Params::PROCESSES.collect();
    for seed in 0..10_000 {
        let n = sizes[seed as usize % sizes.len()];
        let scenario = run(Mode::Bully, seed, 2, n, None);
        let mut sim = CoordLab::start(&scenario, Recording::Full).unwrap();
        sim.run_until(Time::ZERO + scenario.duration);
        assert!(
            sim.violations().is_empty(),
            "seed {seed}: {:?}; replay: {}",
            sim.violations()[0],
            replay(&scenario)
        );
        // Liveness: ten calm seconds after the last fault, everyone follows the highest.
        for slot in sim.nodes() {
            let CoordNode::Process(p) = slot.node() else {
                unreachable!()
            };
            assert_eq!(p.coordinator, Some(NodeId(n as u16 - 1)), "seed {seed}");
        }
    }
}

/// The property each bug toggle must trip.
fn tripped_by(bug: Bug) -> &'static str {
    match bug {
        // The paused holder's old token is not refused.
        Bug::NoFencing => "Fenced writes",
        // A restarted server grants a lease another client still holds.
        Bug::ForgetLeases => "One holder at a time",
        // A client with a slow clock outlives the lease the servers gave it.
        Bug::NoDriftAllowance => "One holder at a time",
        // A node claims the cluster while a higher one is up.
        Bug::HastyCoordinator => "Highest live wins",
    }
}

#[test]
fn every_bug_trips_its_property_within_1000_seeds_at_every_cluster_size() {
    for bug in Bug::ALL {
        let property = tripped_by(bug);
        let mut sizes = Vec::new();
        for &mode in bug.modes() {
            match mode {
                Mode::Lease => sizes.extend(Params::CLIENTS.map(|c| (mode, c, 1))),
                Mode::Redlock => {
                    for c in Params::CLIENTS {
                        sizes.extend(Params::SERVERS.map(|s| (mode, c, s)));
                    }
                }
                Mode::Bully => sizes.extend(Params::PROCESSES.map(|n| (mode, 2, n))),
            }
        }
        for (mode, clients, servers) in sizes {
            let found = first_breaking::<CoordLab>(0..1000, property, |seed| {
                run(mode, seed, clients, servers, Some(bug))
            });
            assert!(
                found.is_some(),
                "{} never broke {property} in {} mode ({clients} clients, {servers} servers or \
                 processes) within 1000 seeds",
                bug.name(),
                mode.name()
            );
        }
    }
}
