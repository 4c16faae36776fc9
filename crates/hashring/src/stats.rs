//! How even a placement is, and what changed between two placements.

use crate::{Config, Placement, Strategy};
use netsplit_sim::NodeId;
use std::collections::BTreeMap;

/// How evenly a placement spreads the primaries.
#[derive(Clone, Debug, PartialEq)]
pub struct Balance {
    /// The busiest node's load over its fair share (1.0 is perfect).
    pub peak: f64,
    /// The standard deviation of the loads from their fair shares, in keys.
    pub std_dev: f64,
    /// The most keys on one node.
    pub max: u32,
    /// Keys per node on average.
    pub mean: f64,
}

impl Balance {
    /// The balance of `placement`, against each member's fair share (`shares`, in member
    /// order, summing to 1).
    pub fn of(placement: &Placement, shares: &[f64]) -> Balance {
        let keys = placement.keys() as f64;
        let loads = placement.loads();
        let n = loads.len().max(1) as f64;
        let mut peak: f64 = 0.0;
        let mut squares = 0.0;
        for (&load, &share) in loads.iter().zip(shares) {
            let fair = keys * share;
            peak = peak.max(f64::from(load) / fair);
            squares += (f64::from(load) - fair) * (f64::from(load) - fair);
        }
        Balance {
            peak,
            std_dev: (squares / n).sqrt(),
            max: loads.iter().copied().max().unwrap_or(0),
            mean: keys / n,
        }
    }
}

/// Keys that changed primary from one node to another.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Flow {
    /// The old primary.
    pub from: NodeId,
    /// The new primary.
    pub to: NodeId,
    /// How many keys.
    pub keys: u32,
}

/// What changed between two placements of the same keys.
#[derive(Clone, Debug, PartialEq)]
pub struct Movement {
    /// Keys present in both placements.
    pub compared: u32,
    /// Keys whose primary changed.
    pub moved: u32,
    /// Where they went, by (from, to).
    pub flows: Vec<Flow>,
    /// The least fraction of keys any placement must move for the change of fair shares:
    /// half the sum of every node's change of share.
    pub ideal: f64,
    /// The least number of keys that had to move between these two placements, whatever
    /// went where: half the sum of every node's change of actual load over the compared keys.
    /// `moved` is never below it; a strategy that moves only what the loads demand meets it.
    pub floor: u32,
    /// Replica copies to make: nodes that joined a key's preference list.
    pub copies: u32,
}

impl Movement {
    /// Compares `before` and `after` over the keys both hold; `shares` are each placement's
    /// fair shares in its member order.
    pub fn between(
        before: &Placement,
        before_shares: &[f64],
        after: &Placement,
        after_shares: &[f64],
    ) -> Movement {
        let compared = before.keys().min(after.keys());
        // Counts by (old member index, new member index): a dense table, since every key may
        // move.
        let index = |members: &[crate::Member]| {
            let ids = members.iter().map(|m| m.id.index() + 1).max().unwrap_or(0);
            let mut index = vec![0usize; ids];
            for (i, m) in members.iter().enumerate() {
                index[m.id.index()] = i;
            }
            index
        };
        let (from_index, to_index) = (index(before.members()), index(after.members()));
        let width = after.members().len();
        let mut table = vec![0u32; before.members().len() * width];
        let mut copies = 0;
        // Each node's change of primary load, by id: a dense table too, looked up twice a key.
        let ids = before
            .members()
            .iter()
            .chain(after.members())
            .map(|m| m.id.index() + 1)
            .max()
            .unwrap_or(0);
        let mut load_change = vec![0i64; ids];
        for k in 0..compared {
            let (old, new) = (before.list(k), after.list(k));
            load_change[old[0].index()] -= 1;
            load_change[new[0].index()] += 1;
            if old[0] != new[0] {
                table[from_index[old[0].index()] * width + to_index[new[0].index()]] += 1;
            }
            copies += new.iter().filter(|n| !old.contains(n)).count() as u32;
        }
        let mut flows: Vec<Flow> = table
            .iter()
            .enumerate()
            .filter(|(_, keys)| **keys > 0)
            .map(|(cell, &keys)| Flow {
                from: before.members()[cell / width].id,
                to: after.members()[cell % width].id,
                keys,
            })
            .collect();
        flows.sort_by_key(|f| (f.from, f.to));
        let mut change: BTreeMap<NodeId, f64> = BTreeMap::new();
        for (m, share) in before.members().iter().zip(before_shares) {
            *change.entry(m.id).or_default() -= share;
        }
        for (m, share) in after.members().iter().zip(after_shares) {
            *change.entry(m.id).or_default() += share;
        }
        Movement {
            compared: compared as u32,
            moved: flows.iter().map(|f| f.keys).sum(),
            flows,
            ideal: change.values().map(|c| c.abs()).sum::<f64>() / 2.0,
            floor: (load_change.iter().map(|c| c.unsigned_abs()).sum::<u64>() / 2) as u32,
            copies,
        }
    }

    /// The fraction of compared keys that moved.
    pub fn fraction(&self) -> f64 {
        self.of_compared(self.moved)
    }

    /// The fraction of compared keys that had to move: [`Movement::floor`].
    pub fn floor_fraction(&self) -> f64 {
        self.of_compared(self.floor)
    }

    fn of_compared(&self, keys: u32) -> f64 {
        if self.compared == 0 {
            0.0
        } else {
            f64::from(keys) / f64::from(self.compared)
        }
    }
}

/// The ring's peak load over fair share for 1, 2, 4, … 512 virtual nodes per node, with the
/// cluster and keys of `config`.
pub fn imbalance_by_vnodes(config: &Config) -> Vec<(u32, f64)> {
    vnode_rings(config)
        .into_iter()
        .map(|ring| {
            let peak = Balance::of(&ring.place(), &ring.fair_shares()).peak;
            (ring.vnodes, peak)
        })
        .collect()
}

/// The rings [`imbalance_by_vnodes`] places: `config`'s nodes and keys on a ring of 1, 2, 4, …
/// 512 virtual nodes per node, one replica each.
pub fn vnode_rings(config: &Config) -> Vec<Config> {
    (0..10)
        .map(|i| Config {
            vnodes: 1 << i,
            replicas: 1,
            ..config.with_strategy(Strategy::Ring)
        })
        .collect()
}
