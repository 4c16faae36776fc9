//! Lookups per second for every strategy with 100 nodes, and the same workload through the
//! `hashring` crate's ring, in the same run. The last lines print the ratio of our ring to it.
//!
//! The workload: 100 nodes with 100 virtual nodes each (ring strategies), and 10,000 distinct
//! integer keys, each looked up from the raw key (hashing included) to its primary node.

use criterion::{Criterion, Throughput, criterion_group};
use netsplit_hashring::{Config, Params, Strategy, hash64};
use std::hash::{Hash, Hasher};
use std::hint::black_box;
use std::time::{Duration, Instant};

const NODES: u32 = 100;
const VNODES: u32 = 100;
const KEYS: u64 = 10_000;

fn config(strategy: Strategy) -> Config {
    Config::new(&Params {
        strategy,
        nodes: NODES,
        vnodes: VNODES,
        ..Params::default()
    })
}

/// A virtual node of the peer's ring, as its documentation suggests building them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct VNode {
    node: u32,
    vnode: u32,
}

impl Hash for VNode {
    fn hash<H: Hasher>(&self, state: &mut H) {
        (self.node, self.vnode).hash(state);
    }
}

fn peer_ring() -> hashring::HashRing<VNode> {
    let mut ring = hashring::HashRing::new();
    for node in 0..NODES {
        for vnode in 0..VNODES {
            ring.add(VNode { node, vnode });
        }
    }
    ring
}

fn ours(layout: &netsplit_hashring::Layout) -> u64 {
    (0..KEYS)
        .map(|k| u64::from(layout.lookup(hash64(&k.to_le_bytes(), 1)).0))
        .sum()
}

fn peer(ring: &hashring::HashRing<VNode>) -> u64 {
    (0..KEYS)
        .map(|k| u64::from(ring.get(&k).map_or(0, |v| v.node)))
        .sum()
}

fn lookups(c: &mut Criterion) {
    let mut group = c.benchmark_group("lookups, 100 nodes");
    group.throughput(Throughput::Elements(KEYS));
    for strategy in Strategy::ALL {
        let layout = config(strategy).layout();
        group.bench_function(strategy.title(), |b| b.iter(|| black_box(ours(&layout))));
    }
    let ring = peer_ring();
    group.bench_function("hashring crate (ring)", |b| {
        b.iter(|| black_box(peer(&ring)))
    });
    group.finish();

    let mut group = c.benchmark_group("placement statistics, 100,000 keys, 64 nodes");
    group.sample_size(10);
    for strategy in Strategy::ALL {
        let cluster = Config::new(&Params {
            strategy,
            nodes: 64,
            vnodes: 128,
            keys: 100_000,
            ..Params::default()
        });
        group.bench_function(strategy.title(), |b| b.iter(|| black_box(cluster.place())));
    }
    group.finish();
}

/// Lookups per second of `f`, measured over about half a second.
fn rate(f: impl Fn() -> u64) -> f64 {
    let start = Instant::now();
    let mut rounds = 0u64;
    while start.elapsed() < Duration::from_millis(500) {
        black_box(f());
        rounds += 1;
    }
    (rounds * KEYS) as f64 / start.elapsed().as_secs_f64()
}

fn ratio() {
    let layout = config(Strategy::Ring).layout();
    let ring = peer_ring();
    let (a, b) = (rate(|| ours(&layout)), rate(|| peer(&ring)));
    println!(
        "ring lookups: Netsplit {:.1} M/s, hashring crate {:.1} M/s; ratio {:.2}× (target ≥ 1)",
        a / 1e6,
        b / 1e6,
        a / b
    );
}

criterion_group!(benches, lookups);

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
    ratio();
}
