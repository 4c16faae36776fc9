//! Raw engine speed: events per second with 9 nodes gossiping (target: 5 million per second).
//!
//! `raw` runs without trace, monitor or checkpoints, as a fuzzer does; `as in the app` keeps
//! the trace, the monitor and checkpoints, as the browser does.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use netsplit_gossip::{GossipNode, Params};
use netsplit_sim::{Link, NoMonitor, Sim, Time};
use std::hint::black_box;

const NODES: usize = 9;
const VIRTUAL_MS: u64 = 60_000;

fn params() -> Params {
    Params {
        nodes: NODES,
        ..Params::default()
    }
}

fn engine(c: &mut Criterion) {
    let raw = || {
        let mut sim: Sim<GossipNode> = Sim::new(params(), NODES, Link::default(), 7, NoMonitor)
            .without_trace()
            .with_checkpoints(None);
        sim.run_until(Time(VIRTUAL_MS));
        sim.steps()
    };
    let app = || {
        let mut sim = params().build(Link::default(), 7);
        sim.run_until(Time(VIRTUAL_MS));
        sim.steps()
    };
    let mut group = c.benchmark_group("gossip 9 nodes, 60 virtual seconds");
    group.throughput(Throughput::Elements(raw()));
    group.bench_function("raw", |b| b.iter(|| black_box(raw())));
    group.throughput(Throughput::Elements(app()));
    group.bench_function("as in the app", |b| b.iter(|| black_box(app())));
    group.finish();
}

criterion_group!(benches, engine);
criterion_main!(benches);
