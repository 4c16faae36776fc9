//! Fuzzing speed of every lab that can be fuzzed: seeds per second with the lab's default
//! fuzzing settings (Raft: 5 servers for 60 virtual seconds; Paxos: 2 proposers and 3
//! acceptors for 30; CRDTs: 3 OR-Set replicas for about 40; Gossip: 6 nodes for 40), with its
//! own traffic and random faults and every invariant checked after every event (target for
//! Raft: 500 per second per core). Seeking anywhere in a ten-minute Raft run (target: under
//! 50 ms in the browser) is measured here too, on the host; `tests/wasm.rs` reports the same in
//! headless Chromium.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use netsplit_labs::{LABS, Member, VisitLab, with_lab};
use netsplit_sim::lab::Recording;
use std::hint::black_box;

const SEEDS: u64 = 20;

/// Measures how many fuzzing seeds of lab `L` run per second, quietly, with every monitor on.
struct SeedsPerSecond<'a>(&'a mut Criterion);

impl VisitLab for SeedsPerSecond<'_> {
    type Out = ();

    fn visit<L: Member>(self) {
        let Some(fuzzing) = L::fuzzing() else {
            return;
        };
        let scenarios: Vec<L::Scenario> = (0..SEEDS)
            .map(|seed| (fuzzing.case)(seed, &fuzzing.template, true))
            .collect();
        let mut group = self.0.benchmark_group(format!("{} fuzz", L::ABOUT.slug));
        group.throughput(Throughput::Elements(SEEDS));
        group.sample_size(10);
        group.bench_function("seeds", |b| {
            b.iter(|| {
                for scenario in &scenarios {
                    black_box(L::run(scenario, Recording::Quiet).unwrap());
                }
            })
        });
        group.finish();
    }
}

fn fuzz_speed(c: &mut Criterion) {
    for lab in LABS {
        with_lab(lab.slug, SeedsPerSecond(c));
    }
}

#[path = "../tests/support/long_run.rs"]
mod long_run;

fn seek_speed(c: &mut Criterion) {
    let mut sim = long_run::ten_minutes();
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
