//! The data types, each a join-semilattice: `merge` is the least upper bound and `le` the
//! order it climbs. Elements and register values are letters, so every state prints whole.

use netsplit_sim::NodeId;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// A state-based CRDT: a join-semilattice whose operations only move up.
pub trait Lattice: Clone + PartialEq {
    /// Joins `other` into `self`: the least upper bound of the two.
    fn merge(&mut self, other: &Self);
    /// True when `self ≤ other` in the lattice order.
    fn leq(&self, other: &Self) -> bool;
}

/// A map from replica to count, ordered pointwise. The state of a G-Counter and the clock of a
/// multi-value register.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Counts(BTreeMap<NodeId, u64>);

impl Counts {
    /// The count of `replica`.
    pub fn get(&self, replica: NodeId) -> u64 {
        self.0.get(&replica).copied().unwrap_or(0)
    }

    /// Adds one to `replica`'s count.
    pub fn bump(&mut self, replica: NodeId) {
        *self.0.entry(replica).or_default() += 1;
    }

    /// The sum of all counts.
    pub fn total(&self) -> u64 {
        // Saturating: a counter that adds on merge (a bug toggle) can grow past any bound.
        self.0
            .values()
            .fold(0, |sum: u64, &c| sum.saturating_add(c))
    }

    /// Every replica with a count, and the count.
    pub fn iter(&self) -> impl Iterator<Item = (NodeId, u64)> + '_ {
        self.0.iter().map(|(&r, &c)| (r, c))
    }

    /// The deliberately wrong merge: counts are added, so a state merged twice counts twice.
    pub(crate) fn add_all(&mut self, other: &Counts) {
        for (replica, count) in other.iter() {
            let mine = self.0.entry(replica).or_default();
            *mine = mine.saturating_add(count);
        }
    }
}

impl Lattice for Counts {
    fn merge(&mut self, other: &Self) {
        for (replica, count) in other.iter() {
            let mine = self.0.entry(replica).or_default();
            *mine = (*mine).max(count);
        }
    }

    fn leq(&self, other: &Self) -> bool {
        self.iter().all(|(r, c)| c <= other.get(r))
    }
}

impl fmt::Display for Counts {
    /// "[n0:2 n1:1]".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self.iter().map(|(r, c)| format!("{r}:{c}")).collect();
        write!(f, "[{}]", parts.join(" "))
    }
}

/// Grow-only counter: one slot per replica, each incremented only by its owner.
///
/// ```text
///   lattice: vectors of counts, ordered pointwise; join = pointwise max; value = sum
///   n0 [n0:2 n1:0] ⊔ n1 [n0:1 n1:3] = [n0:2 n1:3] → 5
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GCounter {
    /// The slots.
    pub counts: Counts,
}

impl GCounter {
    /// `replica` counts one more.
    pub fn increment(&mut self, replica: NodeId) {
        self.counts.bump(replica);
    }

    /// The counter's value.
    pub fn value(&self) -> u64 {
        self.counts.total()
    }
}

impl Lattice for GCounter {
    fn merge(&mut self, other: &Self) {
        self.counts.merge(&other.counts);
    }

    fn leq(&self, other: &Self) -> bool {
        self.counts.leq(&other.counts)
    }
}

/// Positive-negative counter: two G-Counters, one for increments and one for decrements.
///
/// ```text
///   lattice: pairs (P, N) of G-Counters, ordered componentwise; value = |P| − |N|
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PnCounter {
    /// Increments.
    pub up: GCounter,
    /// Decrements.
    pub down: GCounter,
}

impl PnCounter {
    /// `replica` adds one.
    pub fn increment(&mut self, replica: NodeId) {
        self.up.increment(replica);
    }

    /// `replica` takes one away.
    pub fn decrement(&mut self, replica: NodeId) {
        self.down.increment(replica);
    }

    /// The counter's value.
    pub fn value(&self) -> i64 {
        let value = i128::from(self.up.value()) - i128::from(self.down.value());
        value.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64
    }
}

impl Lattice for PnCounter {
    fn merge(&mut self, other: &Self) {
        self.up.merge(&other.up);
        self.down.merge(&other.down);
    }

    fn leq(&self, other: &Self) -> bool {
        self.up.leq(&other.up) && self.down.leq(&other.down)
    }
}

/// Grow-only set.
///
/// ```text
///   lattice: subsets ordered by ⊆; join = union
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GSet {
    /// The elements.
    pub elements: BTreeSet<char>,
}

impl Lattice for GSet {
    fn merge(&mut self, other: &Self) {
        self.elements.extend(other.elements.iter().copied());
    }

    fn leq(&self, other: &Self) -> bool {
        within(&self.elements, &other.elements)
    }
}

/// Two-phase set: a G-Set of additions and a G-Set of removals (tombstones). An element is in
/// the set when added and never removed, so a removed element can never return.
///
/// ```text
///   lattice: pairs (A, R) ordered componentwise by ⊆; join = unions; value = A \ R
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TwoPhaseSet {
    /// Everything ever added.
    pub added: BTreeSet<char>,
    /// Everything ever removed.
    pub removed: BTreeSet<char>,
}

impl TwoPhaseSet {
    /// The elements present.
    pub fn value(&self) -> BTreeSet<char> {
        set_of(
            self.added
                .iter()
                .copied()
                .filter(|x| !self.removed.contains(x)),
        )
    }
}

impl Lattice for TwoPhaseSet {
    fn merge(&mut self, other: &Self) {
        self.added.extend(other.added.iter().copied());
        self.removed.extend(other.removed.iter().copied());
    }

    fn leq(&self, other: &Self) -> bool {
        within(&self.added, &other.added) && within(&self.removed, &other.removed)
    }
}

/// A unique tag for one addition to an OR-Set: the adding replica and its sequence number.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Tag {
    /// The replica that added.
    pub replica: NodeId,
    /// Its how-manieth addition.
    pub seq: u64,
}

impl fmt::Display for Tag {
    /// "n1#3".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}#{}", self.replica, self.seq)
    }
}

/// Observed-remove set, add-wins: each addition gets a unique tag; a removal tombstones the tags
/// its replica has seen for the element, so an addition it has not seen survives.
///
/// ```text
///   lattice: pairs (tagged additions, tombstoned tags) ordered by ⊆; join = unions;
///   x ∈ set  ⇔  some tag of x is not tombstoned
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrSet {
    /// Every addition, by element.
    pub additions: BTreeMap<char, BTreeSet<Tag>>,
    /// Tags removed.
    pub tombstones: BTreeSet<Tag>,
}

impl OrSet {
    /// `replica` adds `element` with a fresh tag: one above the highest `replica` has used.
    /// Tags are ordered by replica, then sequence, so each set answers by one range lookup
    /// rather than a scan of every tag.
    pub fn add(&mut self, replica: NodeId, element: char) {
        let mine = Tag { replica, seq: 0 }..=Tag {
            replica,
            seq: u64::MAX,
        };
        let seq = self
            .additions
            .values()
            .chain(std::iter::once(&self.tombstones))
            .filter_map(|tags| tags.range(mine.clone()).next_back())
            .map(|t| t.seq)
            .max()
            .unwrap_or(0)
            + 1;
        self.additions
            .entry(element)
            .or_default()
            .insert(Tag { replica, seq });
    }

    /// Tombstones every tag of `element` seen here.
    pub fn remove(&mut self, element: char) {
        if let Some(tags) = self.additions.get(&element) {
            self.tombstones.extend(tags.iter().copied());
        }
    }

    /// The tags of `element` that are not tombstoned.
    pub fn live_tags(&self, element: char) -> impl Iterator<Item = Tag> + '_ {
        self.additions
            .get(&element)
            .into_iter()
            .flatten()
            .copied()
            .filter(|t| !self.tombstones.contains(t))
    }

    /// How many tags and tombstones the state holds.
    pub fn entries(&self) -> usize {
        self.additions.values().map(BTreeSet::len).sum::<usize>() + self.tombstones.len()
    }

    /// The elements present.
    pub fn value(&self) -> BTreeSet<char> {
        set_of(
            self.additions
                .keys()
                .copied()
                .filter(|&e| self.live_tags(e).next().is_some()),
        )
    }
}

impl Lattice for OrSet {
    fn merge(&mut self, other: &Self) {
        for (element, tags) in &other.additions {
            self.additions
                .entry(*element)
                .or_default()
                .extend(tags.iter().copied());
        }
        self.tombstones.extend(other.tombstones.iter().copied());
    }

    fn leq(&self, other: &Self) -> bool {
        self.additions.iter().all(|(e, tags)| {
            other
                .additions
                .get(e)
                .is_some_and(|theirs| within(tags, theirs))
        }) && within(&self.tombstones, &other.tombstones)
    }
}

/// Observed-remove set without tombstones (Bieniusa, Zawirski, Preguiça, Shapiro, Baquero and
/// Balegas, "An Optimized Conflict-free Replicated Set", 2012, §3): the same add-wins set as
/// [`OrSet`], in a state that does not grow with every removal.
///
/// Each addition is a *dot*, the adding replica and its how-manieth addition, and a version
/// vector `seen` says which dots this state knows of. A removal forgets the element's dots;
/// `seen` still covers them, and that is what tells a merge "removed here" from "not yet
/// heard of here". A replica keeps only its latest dot per element, since a newer addition by
/// the same replica covers the older.
///
/// ```text
///   lattice: (dots, seen); a dot survives a merge if both sides hold it, or if the side
///   without it has not seen it; seen = pointwise max.   x ∈ set  ⇔  x has a dot
///   n0 {x: n0#1} seen [n0:1]  ⊔  n1 {} seen [n0:1] (n1 removed x) = {} seen [n0:1]
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OptimizedOrSet {
    /// Each element's dots: the replicas that added it, with the sequence of their latest add.
    pub dots: BTreeMap<char, Counts>,
    /// Every dot this state knows of: per replica, all of its additions up to this one.
    pub seen: Counts,
}

impl OptimizedOrSet {
    /// `replica` adds `element` with its next dot, replacing its own older dot of `element`.
    pub fn add(&mut self, replica: NodeId, element: char) {
        self.seen.bump(replica);
        let seq = self.seen.get(replica);
        self.dots.entry(element).or_default().0.insert(replica, seq);
    }

    /// Forgets every dot of `element` seen here; `seen` keeps them known.
    pub fn remove(&mut self, element: char) {
        self.dots.remove(&element);
    }

    /// The elements present.
    pub fn value(&self) -> BTreeSet<char> {
        set_of(self.dots.keys().copied())
    }

    /// How many dots and version-vector entries the state holds.
    pub fn entries(&self) -> usize {
        self.dots.values().map(|d| d.0.len()).sum::<usize>() + self.seen.0.len()
    }

    /// The sequence of `replica`'s dot of `element`, if this state holds one.
    fn dot(&self, element: char, replica: NodeId) -> Option<u64> {
        self.dots.get(&element)?.0.get(&replica).copied()
    }
}

impl Lattice for OptimizedOrSet {
    /// §3's merge: dots both sides hold, and dots one side holds that the other has not seen;
    /// of one replica's dots of an element, only the latest is kept.
    fn merge(&mut self, other: &Self) {
        let mut merged = BTreeMap::new();
        let elements = set_of(self.dots.keys().chain(other.dots.keys()).copied());
        for element in elements {
            let (mine, theirs) = (self.dots.get(&element), other.dots.get(&element));
            let mut joined = Counts::default();
            for (from, to, seen_there) in [(mine, theirs, &other.seen), (theirs, mine, &self.seen)]
            {
                for (replica, seq) in from.into_iter().flat_map(Counts::iter) {
                    let held_there = to.is_some_and(|t| t.0.get(&replica) == Some(&seq));
                    if held_there || seq > seen_there.get(replica) {
                        let kept = joined.0.entry(replica).or_default();
                        *kept = (*kept).max(seq);
                    }
                }
            }
            if !joined.0.is_empty() {
                merged.insert(element, joined);
            }
        }
        self.dots = merged;
        self.seen.merge(&other.seen);
    }

    /// `self ≤ other` when `other` has seen every dot `self` has, and holds no dot that `self`
    /// has seen and dropped (so `self ⊔ other = other`).
    fn leq(&self, other: &Self) -> bool {
        self.seen.leq(&other.seen)
            && other.dots.iter().all(|(&element, dots)| {
                dots.iter().all(|(replica, seq)| {
                    seq > self.seen.get(replica) || self.dot(element, replica) == Some(seq)
                })
            })
    }
}

/// A write's timestamp: a Lamport time, ties broken by replica.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Stamp {
    /// One more than the time of the write it replaced.
    pub time: u64,
    /// The writer.
    pub replica: NodeId,
}

impl fmt::Display for Stamp {
    /// "t3 by n1".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "t{} by {}", self.time, self.replica)
    }
}

/// Last-writer-wins register: the write with the highest stamp wins.
///
/// ```text
///   lattice: (stamp, value) ordered by stamp (time, then replica id); join = the higher
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LwwRegister<T> {
    /// The winning write, if any.
    pub write: Option<(Stamp, T)>,
}

impl<T> Default for LwwRegister<T> {
    fn default() -> Self {
        LwwRegister { write: None }
    }
}

impl<T: Clone + PartialEq> LwwRegister<T> {
    /// `replica` writes `value`, stamped one tick after the write it replaces.
    pub fn set(&mut self, replica: NodeId, value: T) {
        let time = self.write.as_ref().map_or(0, |(s, _)| s.time) + 1;
        self.write = Some((Stamp { time, replica }, value));
    }

    /// The value, if written.
    pub fn value(&self) -> Option<&T> {
        self.write.as_ref().map(|(_, v)| v)
    }

    /// The deliberately wrong merge: only times are compared, and on a tie the local write
    /// stays, so two replicas that wrote at the same time keep their own values forever.
    pub(crate) fn merge_keeping_mine_on_tie(&mut self, other: &Self) {
        let theirs = other.write.as_ref().map(|(s, _)| s.time);
        let mine = self.write.as_ref().map(|(s, _)| s.time);
        if theirs > mine {
            self.write.clone_from(&other.write);
        }
    }
}

impl<T: Clone + PartialEq> Lattice for LwwRegister<T> {
    fn merge(&mut self, other: &Self) {
        let theirs = other.write.as_ref().map(|(s, _)| *s);
        if theirs > self.write.as_ref().map(|(s, _)| *s) {
            self.write.clone_from(&other.write);
        }
    }

    fn leq(&self, other: &Self) -> bool {
        match (&self.write, &other.write) {
            (None, _) => true,
            (Some(_), None) => false,
            (Some((a, x)), Some((b, y))) => a < b || (a == b && x == y),
        }
    }
}

/// Multi-value register: a write replaces the values its replica has seen; writes that did not
/// see each other are kept side by side until a later write replaces them all.
///
/// ```text
///   lattice: antichains of (vector clock, value) under clock order; join = union, then drop
///   every entry whose clock is below another's
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MvRegister {
    /// The concurrent values with their clocks, in clock order.
    pub values: Vec<(Counts, char)>,
}

impl MvRegister {
    /// `replica` writes `value`, replacing every value it has seen.
    pub fn set(&mut self, replica: NodeId, value: char) {
        let mut clock = Counts::default();
        for (c, _) in &self.values {
            clock.merge(c);
        }
        clock.bump(replica);
        self.values = vec![(clock, value)];
    }

    /// The concurrent values.
    pub fn value(&self) -> BTreeSet<char> {
        set_of(self.values.iter().map(|(_, v)| *v))
    }
}

/// True when clock `a` is strictly below `b`.
fn below(a: &Counts, b: &Counts) -> bool {
    a.leq(b) && a != b
}

impl Lattice for MvRegister {
    fn merge(&mut self, other: &Self) {
        let all: Vec<(Counts, char)> = self.values.iter().chain(&other.values).cloned().collect();
        let mut kept: Vec<(Counts, char)> = all
            .iter()
            .filter(|(c, _)| !all.iter().any(|(d, _)| below(c, d)))
            .cloned()
            .collect();
        kept.sort();
        kept.dedup();
        self.values = kept;
    }

    fn leq(&self, other: &Self) -> bool {
        self.values.iter().all(|(c, v)| {
            other
                .values
                .iter()
                .any(|(d, w)| below(c, d) || (c == d && v == w))
        })
    }
}

/// `a ⊆ b`, by a lookup per element: `BTreeSet::is_subset` is faster on large sets and much
/// larger in the browser build, and these sets are small.
fn within<T: Ord>(a: &BTreeSet<T>, b: &BTreeSet<T>) -> bool {
    a.iter().all(|x| b.contains(x))
}

/// The set of `elements`, built by inserting each: collecting into a set would sort first, and
/// a sort is code the browser build does without.
fn set_of(elements: impl Iterator<Item = char>) -> BTreeSet<char> {
    let mut set = BTreeSet::new();
    for element in elements {
        set.insert(element);
    }
    set
}
