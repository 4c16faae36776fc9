//! Fuzzing speed: seeds per second for 5 servers, 60 virtual seconds each, with client requests
//! and random faults, every invariant checked after every event (target: 500 per second per
//! core). Seeking anywhere in a ten-minute run (target: under 50 ms in the browser) is
//! measured here too, on the host; `tests/wasm.rs` reports the same in headless Chromium.
//! Paxos fuzzing (2 proposers, 3 acceptors, 30 virtual seconds, both modes) and CRDT fuzzing
//! (3 OR-Set replicas, 40 virtual seconds) are measured beside Raft's.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use netsplit_crdt::Params as CrdtParams;
use netsplit_paxos::{Mode, Params as PaxosParams};
use netsplit_raft::Params;
use netsplit_scenario::{
    Recording, Scenario, crdt_fuzz_scenario, paxos_fuzz_scenario, raft_fuzz_scenario,
};
use std::hint::black_box;

const SEEDS: u64 = 20;

/// Measures how many of `scenarios` run per second, quietly, with every monitor on.
fn seeds_per_second(c: &mut Criterion, name: &str, scenarios: &[Scenario]) {
    let mut group = c.benchmark_group(name);
    group.throughput(Throughput::Elements(scenarios.len() as u64));
    group.sample_size(10);
    group.bench_function("seeds", |b| {
        b.iter(|| {
            for scenario in scenarios {
                black_box(scenario.run_with(Recording::Quiet).unwrap());
            }
        })
    });
    group.finish();
}

fn fuzz_speed(c: &mut Criterion) {
    let raft: Vec<_> = (0..SEEDS)
        .map(|seed| raft_fuzz_scenario(seed, Params::default(), true))
        .collect();
    seeds_per_second(c, "raft fuzz, 5 servers, 60 virtual s", &raft);
    let paxos: Vec<_> = (0..SEEDS)
        .map(|seed| {
            let mode = if seed.is_multiple_of(2) {
                Mode::Single
            } else {
                Mode::Multi
            };
            paxos_fuzz_scenario(
                seed,
                PaxosParams {
                    mode,
                    ..PaxosParams::default()
                },
                true,
            )
        })
        .collect();
    seeds_per_second(
        c,
        "paxos fuzz, 2 proposers and 3 acceptors, 30 virtual s",
        &paxos,
    );
    let crdt: Vec<_> = (0..SEEDS)
        .map(|seed| crdt_fuzz_scenario(seed, CrdtParams::default(), true))
        .collect();
    seeds_per_second(c, "crdt fuzz, 3 OR-Set replicas, 40 virtual s", &crdt);
}

#[path = "../tests/support/long_run.rs"]
mod long_run;

fn seek_speed(c: &mut Criterion) {
    let netsplit_scenario::LabRun::Raft(mut sim) = long_run::ten_minutes() else {
        unreachable!()
    };
    let mut t = 0u64;
    c.bench_function("seek anywhere in a 10-minute 5-server Raft run", |b| {
        b.iter(|| {
            // Jump around the run: back and forth by uneven strides.
            t = (t + 217_379) % long_run::LENGTH_MS;
            sim.seek(netsplit_sim::Time(t));
            black_box(sim.steps())
        })
    });
}

criterion_group!(benches, fuzz_speed, seek_speed);
criterion_main!(benches);
