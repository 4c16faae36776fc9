//! Fuzzing speed: seeds per second for 5 servers, 60 virtual seconds each, with client requests
//! and random faults, every invariant checked after every event (target: 500 per second per
//! core). Seeking in a ten-minute run is measured here too.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use netsplit_raft::Params;
use netsplit_scenario::{Recording, raft_fuzz_scenario};
use std::hint::black_box;

const SEEDS: u64 = 20;

fn fuzz_speed(c: &mut Criterion) {
    let scenarios: Vec<_> = (0..SEEDS)
        .map(|seed| raft_fuzz_scenario(seed, Params::default(), true))
        .collect();
    let mut group = c.benchmark_group("raft fuzz, 5 servers, 60 virtual s");
    group.throughput(Throughput::Elements(SEEDS));
    group.sample_size(10);
    group.bench_function("seeds", |b| {
        b.iter(|| {
            for scenario in &scenarios {
                black_box(scenario.run_with(Recording::Quiet).unwrap());
            }
        })
    });
    group.finish();
}

criterion_group!(benches, fuzz_speed);
criterion_main!(benches);
