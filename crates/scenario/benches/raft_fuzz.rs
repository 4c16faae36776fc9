//! Fuzzing speed: seeds per second for 5 servers, 60 virtual seconds each, with client requests
//! and random faults, every invariant checked after every event (target: 500 per second per
//! core). Seeking anywhere in a ten-minute run (target: under 50 ms in the browser) is
//! measured here too, on the host; `tests/wasm.rs` reports the same in headless Chromium.

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
