//! # netsplit-hashring: where keys live, and how many move when nodes change
//!
//! A distributed store spreads keys over nodes with a *placement strategy*. When a node joins,
//! leaves or changes weight, some keys must move; a good strategy moves only the keys it has to
//! and keeps every node's load near its fair share. This crate places keys by five strategies
//! behind one interface ([`Layout`]) and measures both effects ([`Balance`], [`Movement`]):
//!
//! ```text
//!   modulo        key mod n                      moves about (n-1)/n of all keys on any change
//!   ring          first token clockwise of key   V virtual nodes (tokens) per node and weight
//!   rendezvous    node with the highest score    score = hash(key, node); weight = more draws
//!   jump          Lamping and Veach (2014)       buckets 0..n-1; only the last bucket can leave
//!   bounded       ring, but skip full nodes      capacity ⌈(1+ε)·m/n⌉ (Mirrokni et al., 2018)
//! ```
//!
//! A cluster's state is a [`Config`]: strategy, settings, the members in bucket order and the
//! number of keys. A history is a starting [`Params`] and a list of [`Op`]s applied in turn,
//! so a history replays like any other scenario. Keys are numbered; key `i` sits at
//! `hash64(i, seed)` on the 64-bit circle, and node tokens hash the node's id and the token's
//! number with the same seed. [`Config::place`] gives every key its preference
//! list of `R` distinct nodes (the first is the primary), and comparing two placements says
//! which keys moved where against the least any strategy could have moved.
//!
//! [`HashingLab`] is the lab: a [`HashingScenario`] (a starting cluster and its changes) whose
//! moments are step counts, with its presets and the digest of every preference list.
//!
//! Placing 100,000 keys on 64 nodes by rendezvous takes longer than a frame, so a placement can
//! be made a number of keys at a time: [`Placing`] one cluster, [`Placements`] several in turn,
//! [`Reporting`] a whole history's report. Each gives what placing at once gives.
//!
//! Everything here is integer arithmetic and IEEE basic operations (jump hash's division, the
//! statistics' square root), which give the same bits on every platform; the one hash is xxh3,
//! fixed by its specification. The crate never draws, reads a clock, or iterates a hash map.

pub mod lab;
mod layout;
mod presets;
mod stats;

use netsplit_sim::{NodeId, check_range};
use serde::{Deserialize, Serialize};
use std::fmt;

pub use lab::{HashingLab, HashingRun, HashingScenario, Reporting};
pub use layout::{Layout, Placement, Placements, Placing, Token, jump};
pub use stats::{Balance, Flow, Movement, imbalance_by_vnodes, vnode_rings};

/// The one hash function: xxh3 (64-bit) of `bytes` with `seed`.
pub fn hash64(bytes: &[u8], seed: u64) -> u64 {
    xxhash_rust::xxh3::xxh3_64_with_seed(bytes, seed)
}

/// How keys are placed on nodes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Strategy {
    /// `hash mod n`: the baseline that moves almost everything.
    Modulo,
    /// A consistent-hash ring with virtual nodes (Karger et al., 1997).
    Ring,
    /// Rendezvous, or highest random weight, hashing (Thaler and Ravishankar, 1998).
    Rendezvous,
    /// Jump consistent hash (Lamping and Veach, 2014).
    Jump,
    /// Consistent hashing with bounded loads (Mirrokni, Thorup and Zadimoghaddam, 2018).
    Bounded,
}

impl Strategy {
    /// Every strategy, in menu order.
    pub const ALL: [Strategy; 5] = [
        Strategy::Modulo,
        Strategy::Ring,
        Strategy::Rendezvous,
        Strategy::Jump,
        Strategy::Bounded,
    ];

    /// The strategy's name as users see it.
    pub fn title(self) -> &'static str {
        match self {
            Strategy::Modulo => "Modulo",
            Strategy::Ring => "Ring",
            Strategy::Rendezvous => "Rendezvous",
            Strategy::Jump => "Jump",
            Strategy::Bounded => "Bounded loads",
        }
    }

    /// Whether node weights change where keys go.
    pub fn weighted(self) -> bool {
        matches!(
            self,
            Strategy::Ring | Strategy::Rendezvous | Strategy::Bounded
        )
    }

    /// Whether keys sit on a ring of tokens.
    pub fn uses_ring(self) -> bool {
        matches!(self, Strategy::Ring | Strategy::Bounded)
    }

    /// One sentence on how the strategy places a key.
    pub fn explain(self) -> &'static str {
        match self {
            Strategy::Modulo => {
                "A key goes to node number hash mod n. Change n and almost every key lands somewhere else."
            }
            Strategy::Ring => {
                "Nodes own tokens on a circle; a key goes to the first token clockwise of its hash. A node that joins takes keys only from its new tokens' clockwise neighbours."
            }
            Strategy::Rendezvous => {
                "Every node scores every key with hash(key, node); the highest score wins. A node that leaves gives up only its own keys, each to that key's runner-up."
            }
            Strategy::Jump => {
                "The key's hash seeds a generator that jumps forward through bucket numbers; the last jump below n is the bucket. No table at all, but buckets are numbered: only the last one can leave cheaply."
            }
            Strategy::Bounded => {
                "Like the ring, but no node takes more than (1+ε) times its fair share: a key whose node is full walks on clockwise to the next node with room."
            }
        }
    }
}

impl fmt::Display for Strategy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.title())
    }
}

/// A node of the cluster and its weight.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    /// Its name; ids are never reused.
    pub id: NodeId,
    /// Its share of the keys relative to the others (for weighted strategies).
    pub weight: u32,
}

/// How a history starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Params {
    /// The placement strategy.
    pub strategy: Strategy,
    /// How many nodes, all of weight 1.
    pub nodes: u32,
    /// Virtual nodes (tokens) per unit of weight, for the ring strategies.
    pub vnodes: u32,
    /// How many keys.
    pub keys: u32,
    /// How many distinct nodes hold each key.
    pub replicas: u32,
    /// The bounded-load slack ε, in percent of the fair share.
    pub epsilon: u32,
    /// Where keys, tokens and rendezvous draws fall on the circle.
    pub seed: u64,
}

impl Params {
    /// Allowed numbers of nodes.
    pub const NODES: (u32, u32) = (1, 64);
    /// Allowed virtual nodes per unit of weight.
    pub const VNODES: (u32, u32) = (1, 512);
    /// Allowed numbers of keys.
    pub const KEYS: (u32, u32) = (10, 100_000);
    /// Allowed replication factors (never more than the nodes).
    pub const REPLICAS: (u32, u32) = (1, 5);
    /// Allowed bounded-load slack, in percent.
    pub const EPSILON: (u32, u32) = (5, 100);
    /// Allowed node weights.
    pub const WEIGHT: (u32, u32) = (1, 8);

    /// Refuses anything out of range, saying what is allowed.
    pub fn validate(&self) -> Result<(), String> {
        range("nodes", self.nodes, Self::NODES)?;
        range("virtual nodes", self.vnodes, Self::VNODES)?;
        range("keys", self.keys, Self::KEYS)?;
        range("replicas", self.replicas, Self::REPLICAS)?;
        range("ε (percent)", self.epsilon, Self::EPSILON)?;
        replicas_fit(self.replicas, self.nodes)
    }
}

impl Default for Params {
    fn default() -> Self {
        Params {
            strategy: Strategy::Ring,
            nodes: 8,
            vnodes: 16,
            keys: 2000,
            replicas: 1,
            epsilon: 25,
            seed: 1,
        }
    }
}

fn range(what: &str, value: u32, (lo, hi): (u32, u32)) -> Result<(), String> {
    check_range(what, value.into(), lo.into(), hi.into(), "")
}

fn replicas_fit(replicas: u32, nodes: u32) -> Result<(), String> {
    if replicas > nodes {
        Err(format!(
            "{replicas} replicas need at least {replicas} nodes, but there are {nodes}"
        ))
    } else {
        Ok(())
    }
}

/// One change to the cluster or its settings: a step of a history.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Op {
    /// Grow or shrink to this many nodes: new nodes (weight 1) join at the end, and shrinking
    /// removes the newest.
    Nodes(u32),
    /// Remove this node, as when it fails. Its bucket goes to the last node.
    Remove(NodeId),
    /// Give this node a new weight.
    Weight(NodeId, u32),
    /// Virtual nodes per unit of weight.
    Vnodes(u32),
    /// The number of keys.
    Keys(u32),
    /// The replication factor.
    Replicas(u32),
    /// The bounded-load slack, in percent.
    Epsilon(u32),
    /// Switch the placement strategy.
    Strategy(Strategy),
}

impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Op::Nodes(n) => write!(f, "resize to {n} nodes"),
            Op::Remove(id) => write!(f, "remove {id}"),
            Op::Weight(id, w) => write!(f, "give {id} weight {w}"),
            Op::Vnodes(v) => write!(f, "use {v} virtual nodes per node"),
            Op::Keys(k) => write!(f, "use {k} keys"),
            Op::Replicas(r) => write!(f, "keep {r} replicas of each key"),
            Op::Epsilon(e) => write!(f, "set ε to {e}%"),
            Op::Strategy(s) => write!(f, "switch to {s}"),
        }
    }
}

/// The state of a cluster: what [`Op`]s change and what placement reads.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Config {
    /// The placement strategy.
    pub strategy: Strategy,
    /// Virtual nodes per unit of weight.
    pub vnodes: u32,
    /// How many distinct nodes hold each key.
    pub replicas: u32,
    /// The bounded-load slack, in percent.
    pub epsilon: u32,
    /// How many keys.
    pub keys: u32,
    /// Where the keys sit on the circle.
    pub seed: u64,
    /// The nodes, in bucket order (what modulo and jump number).
    pub members: Vec<Member>,
    /// The id the next node to join gets.
    pub next_id: u16,
}

impl Config {
    /// The cluster a history starts from. Call [`Params::validate`] first.
    pub fn new(params: &Params) -> Config {
        Config {
            strategy: params.strategy,
            vnodes: params.vnodes,
            replicas: params.replicas,
            epsilon: params.epsilon,
            keys: params.keys,
            seed: params.seed,
            members: NodeId::all(params.nodes as usize)
                .map(|id| Member { id, weight: 1 })
                .collect(),
            next_id: params.nodes as u16,
        }
    }

    /// Applies `op`, or refuses it (saying why) and changes nothing.
    pub fn apply(&mut self, op: Op) -> Result<(), String> {
        match op {
            Op::Nodes(n) => {
                range("nodes", n, Params::NODES)?;
                replicas_fit(self.replicas, n)?;
                let n = n as usize;
                while self.members.len() < n {
                    if self.next_id == u16::MAX {
                        return Err("no more node ids are left".into());
                    }
                    self.members.push(Member {
                        id: NodeId(self.next_id),
                        weight: 1,
                    });
                    self.next_id += 1;
                }
                self.members.truncate(n);
            }
            Op::Remove(id) => {
                let at = self.position(id)?;
                replicas_fit(self.replicas, self.members.len() as u32 - 1)?;
                if self.members.len() == 1 {
                    return Err(format!(
                        "{id} is the last node; a cluster keeps at least one"
                    ));
                }
                self.members.swap_remove(at);
            }
            Op::Weight(id, w) => {
                range("weight", w, Params::WEIGHT)?;
                let at = self.position(id)?;
                self.members[at].weight = w;
            }
            Op::Vnodes(v) => {
                range("virtual nodes", v, Params::VNODES)?;
                self.vnodes = v;
            }
            Op::Keys(k) => {
                range("keys", k, Params::KEYS)?;
                self.keys = k;
            }
            Op::Replicas(r) => {
                range("replicas", r, Params::REPLICAS)?;
                replicas_fit(r, self.members.len() as u32)?;
                self.replicas = r;
            }
            Op::Epsilon(e) => {
                range("ε (percent)", e, Params::EPSILON)?;
                self.epsilon = e;
            }
            Op::Strategy(s) => self.strategy = s,
        }
        Ok(())
    }

    fn position(&self, id: NodeId) -> Result<usize, String> {
        self.members
            .iter()
            .position(|m| m.id == id)
            .ok_or_else(|| format!("there is no node {id}"))
    }

    /// The same cluster under another strategy.
    pub fn with_strategy(&self, strategy: Strategy) -> Config {
        Config {
            strategy,
            ..self.clone()
        }
    }

    /// Where every key sits on the circle, in key order.
    pub fn key_points(&self) -> Vec<u64> {
        (0..u64::from(self.keys))
            .map(|i| hash64(&i.to_le_bytes(), self.seed))
            .collect()
    }

    /// The lookup structure for this cluster.
    pub fn layout(&self) -> Layout {
        Layout::new(self)
    }

    /// Every key's preference list.
    pub fn place(&self) -> Placement {
        self.layout().place(&self.key_points())
    }

    /// Each member's fair share of the keys, in member order: by weight when the strategy
    /// honours weights, equal otherwise.
    pub fn fair_shares(&self) -> Vec<f64> {
        let weight = |m: &Member| {
            if self.strategy.weighted() {
                f64::from(m.weight)
            } else {
                1.0
            }
        };
        let total: f64 = self.members.iter().map(weight).sum();
        self.members.iter().map(|m| weight(m) / total).collect()
    }
}
