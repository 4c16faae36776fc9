//! The lookup structures of the five strategies, and placing every key with them.

use crate::{Config, Member, Strategy, hash64};
use netsplit_sim::NodeId;

/// Salts that keep token points and rendezvous draws apart from key points with the same seed.
const TOKEN_SEED: u64 = 0x746f_6b65_6e73;
const DRAW_SEED: u64 = 0x0064_7261_7773;

/// A virtual node: a point on the circle owned by a member.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Token {
    /// Where it sits on the 64-bit circle.
    pub point: u64,
    /// Its member's place in bucket order.
    pub member: u16,
}

/// What a strategy needs to look keys up, built once per cluster state.
#[derive(Clone, Debug)]
pub struct Layout {
    strategy: Strategy,
    members: Vec<Member>,
    replicas: usize,
    epsilon: u32,
    /// Ring strategies: token points, sorted, and their owners (member indexes) alongside.
    points: Vec<u64>,
    owners: Vec<u16>,
    /// Rendezvous: one seed per unit of weight, and its member index.
    draws: Vec<(u64, u16)>,
}

/// Every key's preference list, and the primaries' loads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Placement {
    replicas: usize,
    lists: Vec<NodeId>,
    members: Vec<Member>,
    loads: Vec<u32>,
    capacity: Option<Vec<u32>>,
}

/// Jump consistent hash: the bucket in `0..buckets` of `key`, exactly as the published
/// reference code computes it (Lamping and Veach, "A Fast, Minimal Memory, Consistent Hash
/// Algorithm", 2014, Figure 1). Its only floating-point steps are a division and a product,
/// which IEEE 754 rounds the same everywhere.
pub fn jump(mut key: u64, buckets: u32) -> u32 {
    let mut bucket: i64 = -1;
    let mut next: i64 = 0;
    while next < i64::from(buckets) {
        bucket = next;
        key = key.wrapping_mul(2_862_933_555_777_941_757).wrapping_add(1);
        next = ((bucket + 1) as f64 * ((1u64 << 31) as f64 / ((key >> 33) + 1) as f64)) as i64;
    }
    bucket as u32
}

impl Layout {
    /// Builds the lookup structure of `config`'s strategy.
    pub fn new(config: &Config) -> Layout {
        let members = config.members.clone();
        let mut points = Vec::new();
        let mut owners = Vec::new();
        let mut draws = Vec::new();
        if config.strategy.uses_ring() {
            // Each token as one number, point then member, so that sorting them sorts by point
            // (ties by member) as plain integers: several times quicker than by a pair in wasm,
            // for the hundred thousand tokens of 64 weighted nodes with 512 virtual nodes.
            let mut tokens: Vec<u128> = members
                .iter()
                .enumerate()
                .flat_map(|(i, m)| {
                    (0..config.vnodes * m.weight).map(move |v| {
                        let point = hash64(&name(m.id, v), config.seed ^ TOKEN_SEED);
                        u128::from(point) << 16 | i as u128
                    })
                })
                .collect();
            tokens.sort_unstable();
            points = tokens.iter().map(|&t| (t >> 16) as u64).collect();
            owners = tokens.iter().map(|&t| t as u16).collect();
        }
        if config.strategy == Strategy::Rendezvous {
            draws = members
                .iter()
                .enumerate()
                .flat_map(|(i, m)| {
                    (0..m.weight)
                        .map(move |c| (hash64(&name(m.id, c), config.seed ^ DRAW_SEED), i as u16))
                })
                .collect();
        }
        Layout {
            strategy: config.strategy,
            members,
            replicas: config.replicas as usize,
            epsilon: config.epsilon,
            points,
            owners,
            draws,
        }
    }

    /// The ring's tokens in clockwise order (empty for strategies without a ring).
    pub fn tokens(&self) -> impl ExactSizeIterator<Item = Token> + '_ {
        self.points
            .iter()
            .zip(&self.owners)
            .map(|(&point, &member)| Token { point, member })
    }

    /// The members, in bucket order.
    pub fn members(&self) -> &[Member] {
        &self.members
    }

    /// The primary node of the key at `point`. Bounded loads answers as the plain ring would:
    /// where a key goes under bounds depends on the keys placed before it (see
    /// [`Layout::place`]).
    pub fn lookup(&self, point: u64) -> NodeId {
        let n = self.members.len() as u32;
        let member = match self.strategy {
            Strategy::Modulo => (point % u64::from(n)) as usize,
            Strategy::Jump => jump(point, n) as usize,
            Strategy::Ring | Strategy::Bounded => self.owners[self.successor(point)] as usize,
            Strategy::Rendezvous => self.top(point),
        };
        self.members[member].id
    }

    /// The first token at or clockwise of `point`.
    fn successor(&self, point: u64) -> usize {
        let at = self.points.partition_point(|&p| p < point);
        if at == self.points.len() { 0 } else { at }
    }

    /// The member of the best draw for `point`. Draws are in member order, so a tie goes to
    /// the lower index, as in [`Layout::score`].
    fn top(&self, point: u64) -> usize {
        let bytes = point.to_le_bytes();
        let mut best = (0, 0);
        for &(seed, member) in &self.draws {
            let score = hash64(&bytes, seed);
            if score > best.0 {
                best = (score, member as usize);
            }
        }
        best.1
    }

    /// The best-scoring member for `point`; every member's score (its best draw) goes into
    /// `scores`.
    fn score(&self, point: u64, scores: &mut [u64]) -> usize {
        scores.fill(0);
        let bytes = point.to_le_bytes();
        for &(seed, member) in &self.draws {
            let slot = &mut scores[member as usize];
            *slot = (*slot).max(hash64(&bytes, seed));
        }
        best(scores, &[])
    }

    /// Places every key (by its point, in key order) on `replicas` distinct nodes.
    ///
    /// - Modulo and jump: the primary's bucket and the buckets after it.
    /// - Ring: the distinct owners of the tokens clockwise from the key (as in Dynamo).
    /// - Rendezvous: the members with the highest scores.
    /// - Bounded loads: keys in order take the first token clockwise whose member is below its
    ///   capacity ⌈(1 + ε)·m·w/W⌉; the other replicas are the next distinct owners clockwise
    ///   from the key, as on the ring.
    pub fn place(&self, points: &[u64]) -> Placement {
        let mut placing = Placing::new(self, points.len());
        placing.go(self, points, usize::MAX);
        placing.finish(self)
    }

    /// Key `point`'s preference list, as member indexes, into `list`.
    fn place_one(&self, point: u64, placing: &mut Placing) {
        let Placing {
            list,
            loads,
            capacity,
            scores,
            ..
        } = placing;
        let n = self.members.len();
        let r = self.replicas.min(n);
        list.clear();
        match self.strategy {
            Strategy::Modulo | Strategy::Jump => {
                let first = if self.strategy == Strategy::Modulo {
                    (point % n as u64) as usize
                } else {
                    jump(point, n as u32) as usize
                };
                list.extend((0..r).map(|i| (first + i) % n));
            }
            Strategy::Ring => self.walk(self.successor(point), r, list),
            Strategy::Bounded => {
                let capacity = capacity.as_deref().unwrap_or_default();
                let start = self.successor(point);
                let mut t = start;
                loop {
                    let member = self.owners[t] as usize;
                    if loads[member] < capacity[member] {
                        list.push(member);
                        break;
                    }
                    t = (t + 1) % self.owners.len();
                }
                self.walk(start, r, list);
            }
            Strategy::Rendezvous if r == 1 => list.push(self.top(point)),
            Strategy::Rendezvous => {
                list.push(self.score(point, scores));
                while list.len() < r {
                    list.push(best(scores, list));
                }
            }
        }
    }

    /// Adds the distinct owners of the tokens from `start` clockwise until `list` holds `r`.
    fn walk(&self, start: usize, r: usize, list: &mut Vec<usize>) {
        let mut t = start;
        while list.len() < r {
            let member = self.owners[t] as usize;
            if !list.contains(&member) {
                list.push(member);
            }
            t = (t + 1) % self.owners.len();
        }
    }

    /// Bounded loads: each member's capacity for `keys` keys, ⌈(100 + ε)·keys·w / (100·W)⌉.
    fn capacities(&self, keys: usize) -> Vec<u32> {
        let total: u64 = self.members.iter().map(|m| u64::from(m.weight)).sum();
        self.members
            .iter()
            .map(|m| {
                let num = (100 + u64::from(self.epsilon)) * keys as u64 * u64::from(m.weight);
                num.div_ceil(100 * total) as u32
            })
            .collect()
    }
}

/// The highest score's member outside `taken`; the lower index wins a tie.
fn best(scores: &[u64], taken: &[usize]) -> usize {
    let mut best = usize::MAX;
    for (i, &score) in scores.iter().enumerate() {
        if !taken.contains(&i) && (best == usize::MAX || score > scores[best]) {
            best = i;
        }
    }
    best
}

/// The bytes hashed for a member's `n`th token or draw.
fn name(id: NodeId, n: u32) -> [u8; 6] {
    let mut bytes = [0u8; 6];
    bytes[..2].copy_from_slice(&id.0.to_le_bytes());
    bytes[2..].copy_from_slice(&n.to_le_bytes());
    bytes
}

impl Placement {
    /// How many keys were placed.
    pub fn keys(&self) -> usize {
        self.lists.len() / self.replicas.max(1)
    }

    /// Nodes per key.
    pub fn replicas(&self) -> usize {
        self.replicas
    }

    /// Key `k`'s preference list, primary first.
    pub fn list(&self, k: usize) -> &[NodeId] {
        &self.lists[k * self.replicas..(k + 1) * self.replicas]
    }

    /// Key `k`'s primary.
    pub fn primary(&self, k: usize) -> NodeId {
        self.lists[k * self.replicas]
    }

    /// The members, in bucket order.
    pub fn members(&self) -> &[Member] {
        &self.members
    }

    /// How many keys each member is primary for, in member order.
    pub fn loads(&self) -> &[u32] {
        &self.loads
    }

    /// Bounded loads: each member's capacity, in member order.
    pub fn capacity(&self) -> Option<&[u32]> {
        self.capacity.as_deref()
    }

    /// Every preference list, one after another (what a digest of the placement covers).
    pub fn lists(&self) -> &[NodeId] {
        &self.lists
    }
}

/// A placement on its way: [`Layout::place`] a number of keys at a time ([`Placing::go`]), so
/// that placing 100,000 keys on 64 nodes can be spread over frames. Keys are placed in order,
/// as bounded loads needs, so the result is the same however the keys are sliced.
#[derive(Clone, Debug)]
pub struct Placing {
    keys: usize,
    lists: Vec<NodeId>,
    loads: Vec<u32>,
    capacity: Option<Vec<u32>>,
    /// One key's preference list and rendezvous scores, kept between keys.
    list: Vec<usize>,
    scores: Vec<u64>,
}

impl Placing {
    /// Nothing placed yet of `keys` keys with `layout`.
    pub fn new(layout: &Layout, keys: usize) -> Placing {
        let n = layout.members.len();
        let r = layout.replicas.min(n);
        Placing {
            keys,
            lists: Vec::with_capacity(keys * r),
            loads: vec![0; n],
            capacity: (layout.strategy == Strategy::Bounded).then(|| layout.capacities(keys)),
            list: Vec::with_capacity(r),
            scores: vec![0; n],
        }
    }

    /// How many keys are placed.
    pub fn placed(&self) -> usize {
        self.loads.iter().map(|&l| l as usize).sum()
    }

    /// Places at most `keys` more of `points` (the same layout and points every call); true
    /// once every key is placed.
    pub fn go(&mut self, layout: &Layout, points: &[u64], keys: usize) -> bool {
        let from = self.placed();
        let to = from.saturating_add(keys).min(self.keys);
        for &point in &points[from..to] {
            layout.place_one(point, self);
            self.loads[self.list[0]] += 1;
            self.lists
                .extend(self.list.iter().map(|&i| layout.members[i].id));
        }
        to == self.keys
    }

    /// The placement, once every key is placed.
    pub fn finish(self, layout: &Layout) -> Placement {
        debug_assert_eq!(self.placed(), self.keys, "a placement finishes whole");
        Placement {
            replicas: layout.replicas.min(layout.members.len()),
            lists: self.lists,
            members: layout.members.clone(),
            loads: self.loads,
            capacity: self.capacity,
        }
    }
}

/// Clusters placed one after another, a number of keys at a time ([`Placements::next`]): a long
/// history's report, or a comparison of every strategy, spread over frames.
#[derive(Clone, Debug)]
pub struct Placements {
    configs: Vec<Config>,
    /// How many clusters are placed whole.
    finished: usize,
    /// The cluster being placed: its layout, its key points and the keys placed so far.
    current: Option<(Layout, Vec<u64>, Placing)>,
    keys_placed: u64,
    keys_total: u64,
}

impl Placements {
    /// Nothing placed yet of `configs`.
    pub fn new(configs: Vec<Config>) -> Placements {
        Placements {
            keys_total: configs.iter().map(|c| u64::from(c.keys)).sum(),
            configs,
            finished: 0,
            current: None,
            keys_placed: 0,
        }
    }

    /// Places at most `keys` more keys of the next cluster, taking them from `keys`; the
    /// cluster's layout and placement once it is whole. `None` when `keys` ran out first, or
    /// every cluster is placed ([`Placements::finished`]).
    pub fn next(&mut self, keys: &mut usize) -> Option<(Layout, Placement)> {
        let config = self.configs.get(self.finished)?;
        let (layout, points, placing) = self.current.get_or_insert_with(|| {
            let layout = config.layout();
            let placing = Placing::new(&layout, config.keys as usize);
            (layout, config.key_points(), placing)
        });
        let before = placing.placed();
        let whole = placing.go(layout, points, *keys);
        let placed = placing.placed() - before;
        self.keys_placed += placed as u64;
        *keys -= placed;
        if !whole {
            return None;
        }
        self.finished += 1;
        let (layout, _, placing) = self.current.take().expect("placed above");
        let placement = placing.finish(&layout);
        Some((layout, placement))
    }

    /// The clusters, in the order they are placed.
    pub fn configs(&self) -> &[Config] {
        &self.configs
    }

    /// How many keys there are to place, over every cluster.
    pub fn keys(&self) -> u64 {
        self.keys_total
    }

    /// Whether every cluster is placed.
    pub fn finished(&self) -> bool {
        self.finished == self.configs.len()
    }

    /// How much of the way is gone, from 0 to 1.
    pub fn done(&self) -> f64 {
        self.keys_placed as f64 / self.keys_total.max(1) as f64
    }
}
