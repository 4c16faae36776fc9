//! The two OR-Sets against the `crdts` crate's `Orswot`, on the same random history: 6
//! replicas, each step an add (45%), a remove (35%) of one of 26 letters, or a merge of one
//! replica's state into another's (20%). Prints the time of each at 200, 2,000 and 20,000
//! steps, the largest state each of ours ends with (in entries: tags and tombstones, or dots
//! and version-vector entries), and the ratio `Orswot` time ÷ ours (≥ 1 means ours
//! is as fast or faster). The values every replica reads must agree across the three.

use crdts::{CmRDT, CvRDT, Orswot};
use netsplit_crdt::types::{Lattice, OptimizedOrSet, OrSet};
use netsplit_sim::{NodeId, Rng};
use std::collections::BTreeSet;
use std::hint::black_box;
use std::time::{Duration, Instant};

const REPLICAS: usize = 6;

#[derive(Clone, Copy)]
enum Step {
    Add(usize, char),
    Remove(usize, char),
    Merge { into: usize, from: usize },
}

fn history(steps: usize) -> Vec<Step> {
    let mut rng = Rng::seeded(steps as u64);
    (0..steps)
        .map(|_| {
            let replica = rng.below(REPLICAS as u64) as usize;
            let letter = char::from(b'a' + rng.below(26) as u8);
            match rng.below(20) {
                0..9 => Step::Add(replica, letter),
                9..16 => Step::Remove(replica, letter),
                _ => {
                    let from = (replica + 1 + rng.below(REPLICAS as u64 - 1) as usize) % REPLICAS;
                    Step::Merge {
                        into: replica,
                        from,
                    }
                }
            }
        })
        .collect()
}

/// One replica's state as each implementation keeps it.
trait Replica: Clone + Default {
    fn add(&mut self, replica: usize, letter: char);
    fn remove(&mut self, letter: char);
    fn merge_from(&mut self, other: &Self);
    fn read(&self) -> BTreeSet<char>;
}

/// Both of ours take the same calls.
macro_rules! ours {
    ($($set:ty),*) => {$(
        impl Replica for $set {
            fn add(&mut self, replica: usize, letter: char) {
                <$set>::add(self, NodeId(replica as u16), letter);
            }
            fn remove(&mut self, letter: char) {
                <$set>::remove(self, letter);
            }
            fn merge_from(&mut self, other: &Self) {
                self.merge(other);
            }
            fn read(&self) -> BTreeSet<char> {
                self.value()
            }
        }
    )*};
}
ours!(OrSet, OptimizedOrSet);

impl Replica for Orswot<char, u16> {
    fn add(&mut self, replica: usize, letter: char) {
        let ctx = self.read_ctx().derive_add_ctx(replica as u16);
        self.apply(Orswot::add(self, letter, ctx));
    }
    fn remove(&mut self, letter: char) {
        let ctx = self.contains(&letter).derive_rm_ctx();
        self.apply(self.rm(letter, ctx));
    }
    fn merge_from(&mut self, other: &Self) {
        // Its merge takes the other state by value.
        self.merge(other.clone());
    }
    fn read(&self) -> BTreeSet<char> {
        Orswot::read(self).val.into_iter().collect()
    }
}

/// Plays `history` on fresh replicas and returns them.
fn play<R: Replica>(history: &[Step]) -> Vec<R> {
    let mut replicas = vec![R::default(); REPLICAS];
    for &step in history {
        match step {
            Step::Add(r, x) => replicas[r].add(r, x),
            Step::Remove(r, x) => replicas[r].remove(x),
            Step::Merge { into, from } => {
                let (into, from) = if into < from {
                    let (low, high) = replicas.split_at_mut(from);
                    (&mut low[into], &high[0])
                } else {
                    let (low, high) = replicas.split_at_mut(into);
                    (&mut high[0], &low[from])
                };
                into.merge_from(from);
            }
        }
    }
    replicas
}

/// Seconds per play of `history`, the best of repeated plays over about a second.
fn time<R: Replica>(history: &[Step]) -> f64 {
    let start = Instant::now();
    let mut best = f64::INFINITY;
    while start.elapsed() < Duration::from_secs(1) || best.is_infinite() {
        let one = Instant::now();
        black_box(play::<R>(history));
        best = best.min(one.elapsed().as_secs_f64());
    }
    best
}

fn main() {
    println!("OR-Sets, {REPLICAS} replicas, the same random adds, removes and merges");
    println!(
        "{:>7}  {:>22}  {:>22}  {:>14}  {:>16}  {:>16}",
        "steps",
        "OR-Set (tombstones)",
        "optimized OR-Set",
        "crdts Orswot",
        "ratio, tombstones",
        "ratio, optimized"
    );
    for steps in [200, 2_000, 20_000] {
        let history = history(steps);
        let tombstones = play::<OrSet>(&history);
        let optimized = play::<OptimizedOrSet>(&history);
        let values: Vec<_> = play::<Orswot<char, u16>>(&history)
            .iter()
            .map(Replica::read)
            .collect();
        assert_eq!(
            values,
            tombstones.iter().map(Replica::read).collect::<Vec<_>>()
        );
        assert_eq!(
            values,
            optimized.iter().map(Replica::read).collect::<Vec<_>>()
        );
        let largest = |entries: Vec<usize>| entries.into_iter().max().unwrap_or(0);
        let (t, o, s) = (
            time::<OrSet>(&history),
            time::<OptimizedOrSet>(&history),
            time::<Orswot<char, u16>>(&history),
        );
        println!(
            "{steps:>7}  {:>9.3} ms, {:>5} ent  {:>9.3} ms, {:>5} ent  {:>11.3} ms  {:>15.2}×  {:>15.2}×",
            t * 1e3,
            largest(tombstones.iter().map(OrSet::entries).collect()),
            o * 1e3,
            largest(optimized.iter().map(OptimizedOrSet::entries).collect()),
            s * 1e3,
            s / t,
            s / o,
        );
    }
    println!("ratio = Orswot's time ÷ ours (target ≥ 1 for the optimized OR-Set at every size)");
}
