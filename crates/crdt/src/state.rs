//! One replica's state, whichever type the lab runs, and the operations on it.

use netsplit_sim::NodeId;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::fmt;

use crate::types::{
    GCounter, GSet, Lattice, LwwRegister, MvRegister, OptimizedOrSet, OrSet, PnCounter, Tag,
    TwoPhaseSet,
};

/// Which CRDT the replicas hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// Grow-only counter.
    GCounter,
    /// Positive-negative counter.
    PnCounter,
    /// Grow-only set.
    GSet,
    /// Two-phase set.
    TwoPhaseSet,
    /// Observed-remove set, add-wins.
    OrSet,
    /// Last-writer-wins register of a letter.
    LwwRegister,
    /// Multi-value register of a letter.
    MvRegister,
    /// Last-writer-wins register holding a whole set: what a naive replicated set does.
    LwwSet,
    /// Observed-remove set, add-wins, with a version vector instead of tombstones. (Last
    /// here so that links made before it keep their meaning; menus follow [`Kind::ALL`].)
    OptimizedOrSet,
}

/// Which family a type belongs to; each family has its bug toggle.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Family {
    /// G-Counter, PN-Counter.
    Counter,
    /// G-Set, 2P-Set, OR-Set, LWW set.
    Set,
    /// LWW-Register, MV-Register.
    Register,
}

impl Kind {
    /// Every type, in menu order.
    pub const ALL: [Kind; 9] = [
        Kind::GCounter,
        Kind::PnCounter,
        Kind::GSet,
        Kind::TwoPhaseSet,
        Kind::OrSet,
        Kind::OptimizedOrSet,
        Kind::LwwSet,
        Kind::LwwRegister,
        Kind::MvRegister,
    ];

    /// The set types the comparison runs side by side on the same operations.
    pub const COMPARED: [Kind; 4] = [
        Kind::TwoPhaseSet,
        Kind::OrSet,
        Kind::OptimizedOrSet,
        Kind::LwwSet,
    ];

    /// How the type settles a concurrent add and remove of one element, in one sentence.
    pub fn conflict_rule(self) -> &'static str {
        match self {
            Kind::TwoPhaseSet => {
                "Remove wins, forever: a removed element is tombstoned and can never be added back."
            }
            Kind::OrSet => {
                "Add wins: a remove tombstones only the tags it has seen, so a concurrent add survives."
            }
            Kind::OptimizedOrSet => {
                "Add wins, as in the OR-Set, but a remove just forgets the dots it has seen; the version vector remembers them, so nothing is kept for each removal."
            }
            Kind::LwwSet => {
                "The write with the later timestamp replaces the whole set; the other replica's change is lost."
            }
            _ => "Not a set with removal.",
        }
    }

    /// A short name for menus and the command line.
    pub fn name(self) -> &'static str {
        match self {
            Kind::GCounter => "g-counter",
            Kind::PnCounter => "pn-counter",
            Kind::GSet => "g-set",
            Kind::TwoPhaseSet => "2p-set",
            Kind::OrSet => "or-set",
            Kind::OptimizedOrSet => "optimized-or-set",
            Kind::LwwRegister => "lww-register",
            Kind::MvRegister => "mv-register",
            Kind::LwwSet => "lww-set",
        }
    }

    /// Its family.
    pub fn family(self) -> Family {
        match self {
            Kind::GCounter | Kind::PnCounter => Family::Counter,
            Kind::GSet | Kind::TwoPhaseSet | Kind::OrSet | Kind::OptimizedOrSet | Kind::LwwSet => {
                Family::Set
            }
            Kind::LwwRegister | Kind::MvRegister => Family::Register,
        }
    }

    /// The operations it takes, with `element` standing for any letter.
    pub fn ops(self, element: char) -> Vec<Op> {
        match self {
            Kind::GCounter => vec![Op::Increment],
            Kind::PnCounter => vec![Op::Increment, Op::Decrement],
            Kind::GSet => vec![Op::Add(element)],
            Kind::TwoPhaseSet | Kind::OrSet | Kind::OptimizedOrSet | Kind::LwwSet => {
                vec![Op::Add(element), Op::Remove(element)]
            }
            Kind::LwwRegister | Kind::MvRegister => vec![Op::Set(element)],
        }
    }

    /// An empty state of this type.
    pub fn empty(self) -> State {
        match self {
            Kind::GCounter => State::GCounter(GCounter::default()),
            Kind::PnCounter => State::PnCounter(PnCounter::default()),
            Kind::GSet => State::GSet(GSet::default()),
            Kind::TwoPhaseSet => State::TwoPhaseSet(TwoPhaseSet::default()),
            Kind::OrSet => State::OrSet(OrSet::default()),
            Kind::OptimizedOrSet => State::OptimizedOrSet(OptimizedOrSet::default()),
            Kind::LwwRegister => State::LwwRegister(LwwRegister::default()),
            Kind::MvRegister => State::MvRegister(MvRegister::default()),
            Kind::LwwSet => State::LwwSet(LwwRegister::default()),
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Kind::GCounter => "G-Counter",
            Kind::PnCounter => "PN-Counter",
            Kind::GSet => "G-Set",
            Kind::TwoPhaseSet => "2P-Set",
            Kind::OrSet => "OR-Set",
            Kind::OptimizedOrSet => "Optimized OR-Set",
            Kind::LwwRegister => "LWW-Register",
            Kind::MvRegister => "MV-Register",
            Kind::LwwSet => "LWW set",
        })
    }
}

/// An update a replica applies locally.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Op {
    /// Add one.
    Increment,
    /// Take one away.
    Decrement,
    /// Add an element.
    Add(char),
    /// Remove an element.
    Remove(char),
    /// Write a value.
    Set(char),
}

impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Op::Increment => f.write_str("increment"),
            Op::Decrement => f.write_str("decrement"),
            Op::Add(x) => write!(f, "add {x}"),
            Op::Remove(x) => write!(f, "remove {x}"),
            Op::Set(x) => write!(f, "set {x}"),
        }
    }
}

/// A deliberately wrong merge, one per family.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Bug {
    /// Counters: merge adds the slots instead of taking their maximum, so a state received
    /// twice counts twice.
    AddOnMerge,
    /// Sets: merge replaces the local state with the incoming one ("last sync wins").
    LastSyncWins,
    /// LWW-Register: equal times are not broken by replica id; each replica keeps its own write.
    KeepMineOnTie,
}

impl Bug {
    /// Every bug, for menus and fuzzing.
    pub const ALL: [Bug; 3] = [Bug::AddOnMerge, Bug::LastSyncWins, Bug::KeepMineOnTie];

    /// A short name for menus and the command line.
    pub fn name(self) -> &'static str {
        match self {
            Bug::AddOnMerge => "add-on-merge",
            Bug::LastSyncWins => "last-sync-wins",
            Bug::KeepMineOnTie => "keep-mine-on-tie",
        }
    }

    /// What the bug does, in one sentence.
    pub fn describe(self) -> &'static str {
        match self {
            Bug::AddOnMerge => "Counters merge by adding slots instead of taking the maximum.",
            Bug::LastSyncWins => "Sets merge by replacing the local state with the incoming one.",
            Bug::KeepMineOnTie => {
                "LWW-Registers compare times only and keep their own write on a tie."
            }
        }
    }

    /// The types it applies to.
    pub fn applies_to(self, kind: Kind) -> bool {
        match self {
            Bug::AddOnMerge => kind.family() == Family::Counter,
            Bug::LastSyncWins => kind.family() == Family::Set,
            Bug::KeepMineOnTie => kind == Kind::LwwRegister,
        }
    }
}

/// A replica's state.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    /// A G-Counter.
    GCounter(GCounter),
    /// A PN-Counter.
    PnCounter(PnCounter),
    /// A G-Set.
    GSet(GSet),
    /// A 2P-Set.
    TwoPhaseSet(TwoPhaseSet),
    /// An OR-Set.
    OrSet(OrSet),
    /// An LWW-Register.
    LwwRegister(LwwRegister<char>),
    /// An MV-Register.
    MvRegister(MvRegister),
    /// An LWW-Register holding a set.
    LwwSet(LwwRegister<BTreeSet<char>>),
    /// An optimized OR-Set.
    OptimizedOrSet(OptimizedOrSet),
}

impl State {
    /// Its type.
    pub fn kind(&self) -> Kind {
        match self {
            State::GCounter(_) => Kind::GCounter,
            State::PnCounter(_) => Kind::PnCounter,
            State::GSet(_) => Kind::GSet,
            State::TwoPhaseSet(_) => Kind::TwoPhaseSet,
            State::OrSet(_) => Kind::OrSet,
            State::OptimizedOrSet(_) => Kind::OptimizedOrSet,
            State::LwwRegister(_) => Kind::LwwRegister,
            State::MvRegister(_) => Kind::MvRegister,
            State::LwwSet(_) => Kind::LwwSet,
        }
    }

    /// Applies `op` at `replica`; refuses an operation the type does not have, or a 2P-Set
    /// removal of an element that is not there (its precondition).
    pub fn apply(&mut self, replica: NodeId, op: Op) -> Result<(), String> {
        match (self, op) {
            (State::GCounter(c), Op::Increment) => c.increment(replica),
            (State::PnCounter(c), Op::Increment) => c.increment(replica),
            (State::PnCounter(c), Op::Decrement) => c.decrement(replica),
            (State::GSet(s), Op::Add(x)) => {
                s.elements.insert(x);
            }
            (State::TwoPhaseSet(s), Op::Add(x)) => {
                s.added.insert(x);
            }
            (State::TwoPhaseSet(s), Op::Remove(x)) => {
                if !s.value().contains(&x) {
                    return Err(format!("{x} is not in the set, so it cannot be removed"));
                }
                s.removed.insert(x);
            }
            (State::OrSet(s), Op::Add(x)) => s.add(replica, x),
            (State::OrSet(s), Op::Remove(x)) => s.remove(x),
            (State::OptimizedOrSet(s), Op::Add(x)) => s.add(replica, x),
            (State::OptimizedOrSet(s), Op::Remove(x)) => s.remove(x),
            (State::LwwSet(r), Op::Add(x) | Op::Remove(x)) => {
                let mut set = r.value().cloned().unwrap_or_default();
                if matches!(op, Op::Add(_)) {
                    set.insert(x);
                } else {
                    set.remove(&x);
                }
                r.set(replica, set);
            }
            (State::LwwRegister(r), Op::Set(x)) => r.set(replica, x),
            (State::MvRegister(r), Op::Set(x)) => r.set(replica, x),
            (state, op) => return Err(format!("a {} cannot {op}", state.kind())),
        }
        Ok(())
    }

    /// Merges `other` in; with `bug`, the wrong merge of this type's family.
    ///
    /// # Panics
    /// When the two states are of different types: replicas of one run share a type.
    pub fn merge(&mut self, other: &State, bug: Option<Bug>) {
        let bug = bug.filter(|b| b.applies_to(self.kind()));
        match (self, other) {
            (State::GCounter(a), State::GCounter(b)) if bug == Some(Bug::AddOnMerge) => {
                a.counts.add_all(&b.counts)
            }
            (State::PnCounter(a), State::PnCounter(b)) if bug == Some(Bug::AddOnMerge) => {
                a.up.counts.add_all(&b.up.counts);
                a.down.counts.add_all(&b.down.counts);
            }
            (a, b) if bug == Some(Bug::LastSyncWins) => *a = b.clone(),
            (State::LwwRegister(a), State::LwwRegister(b)) if bug == Some(Bug::KeepMineOnTie) => {
                a.merge_keeping_mine_on_tie(b)
            }
            (State::GCounter(a), State::GCounter(b)) => a.merge(b),
            (State::PnCounter(a), State::PnCounter(b)) => a.merge(b),
            (State::GSet(a), State::GSet(b)) => a.merge(b),
            (State::TwoPhaseSet(a), State::TwoPhaseSet(b)) => a.merge(b),
            (State::OrSet(a), State::OrSet(b)) => a.merge(b),
            (State::OptimizedOrSet(a), State::OptimizedOrSet(b)) => a.merge(b),
            (State::LwwRegister(a), State::LwwRegister(b)) => a.merge(b),
            (State::MvRegister(a), State::MvRegister(b)) => a.merge(b),
            (State::LwwSet(a), State::LwwSet(b)) => a.merge(b),
            (a, b) => panic!("cannot merge a {} into a {}", b.kind(), a.kind()),
        }
    }

    /// True when `self ≤ other` in the type's lattice order (false across types).
    pub fn leq(&self, other: &State) -> bool {
        match (self, other) {
            (State::GCounter(a), State::GCounter(b)) => a.leq(b),
            (State::PnCounter(a), State::PnCounter(b)) => a.leq(b),
            (State::GSet(a), State::GSet(b)) => a.leq(b),
            (State::TwoPhaseSet(a), State::TwoPhaseSet(b)) => a.leq(b),
            (State::OrSet(a), State::OrSet(b)) => a.leq(b),
            (State::OptimizedOrSet(a), State::OptimizedOrSet(b)) => a.leq(b),
            (State::LwwRegister(a), State::LwwRegister(b)) => a.leq(b),
            (State::MvRegister(a), State::MvRegister(b)) => a.leq(b),
            (State::LwwSet(a), State::LwwSet(b)) => a.leq(b),
            _ => false,
        }
    }

    /// About how many bytes the state holds, its heap included: its entries at the size of the
    /// largest (a tag or a dot with its element, in a map's node).
    pub fn footprint(&self) -> usize {
        std::mem::size_of_val(self) + self.entries() * 48
    }

    /// How many entries the state holds (slots, elements, tags, tombstones, dots, clock
    /// entries, written values): what a replica stores and sends, whatever it shows.
    pub fn entries(&self) -> usize {
        match self {
            State::GCounter(c) => c.counts.iter().count(),
            State::PnCounter(c) => c.up.counts.iter().count() + c.down.counts.iter().count(),
            State::GSet(s) => s.elements.len(),
            State::TwoPhaseSet(s) => s.added.len() + s.removed.len(),
            State::OrSet(s) => s.entries(),
            State::OptimizedOrSet(s) => s.entries(),
            State::LwwRegister(r) => usize::from(r.write.is_some()),
            State::MvRegister(r) => r.values.iter().map(|(c, _)| 1 + c.iter().count()).sum(),
            State::LwwSet(r) => r.value().map_or(0, |s| 1 + s.len()),
        }
    }

    /// What a reader sees: "7", "{a, c}", "x", "{x, y}", or "empty".
    pub fn value(&self) -> String {
        let set = |s: &BTreeSet<char>| {
            let mut text = String::from("{");
            for (i, x) in s.iter().enumerate() {
                if i > 0 {
                    text.push_str(", ");
                }
                text.push(*x);
            }
            text + "}"
        };
        match self {
            State::GCounter(c) => c.value().to_string(),
            State::PnCounter(c) => c.value().to_string(),
            State::GSet(s) => set(&s.elements),
            State::TwoPhaseSet(s) => set(&s.value()),
            State::OrSet(s) => set(&s.value()),
            State::OptimizedOrSet(s) => set(&s.value()),
            State::LwwRegister(r) => r.value().map_or("empty".into(), char::to_string),
            State::MvRegister(r) if r.values.is_empty() => "empty".into(),
            State::MvRegister(r) => set(&r.value()),
            State::LwwSet(r) => r.value().map_or("{}".into(), set),
        }
    }
}

impl fmt::Display for State {
    /// The whole state, compactly: "P[n0:2 n1:1] N[n1:1]", "A{x, y} R{x}", "x: n0#1 n1#1 †n0#1",
    /// "x: n1#1; seen [n0:1 n1:1]".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            State::GCounter(c) => write!(f, "{}", c.counts),
            State::PnCounter(c) => write!(f, "P{} N{}", c.up.counts, c.down.counts),
            State::GSet(_) => f.write_str(&self.value()),
            State::TwoPhaseSet(s) => {
                let a: String = s.added.iter().collect();
                let r: String = s.removed.iter().collect();
                write!(f, "added {{{a}}} removed {{{r}}}")
            }
            State::OrSet(s) if s.additions.is_empty() => f.write_str("{}"),
            State::OrSet(s) => {
                for (i, (element, tags)) in s.additions.iter().enumerate() {
                    write!(f, "{}{element}:", if i == 0 { "" } else { "; " })?;
                    for tag in tags {
                        let dead = if s.tombstones.contains(tag) {
                            "†"
                        } else {
                            ""
                        };
                        write!(f, " {dead}{tag}")?;
                    }
                }
                Ok(())
            }
            State::LwwRegister(r) => match &r.write {
                Some((stamp, v)) => write!(f, "{v} @ {stamp}"),
                None => f.write_str("empty"),
            },
            State::MvRegister(r) => {
                for (i, (clock, value)) in r.values.iter().enumerate() {
                    write!(f, "{}{value} {clock}", if i == 0 { "" } else { " | " })?;
                }
                Ok(())
            }
            State::LwwSet(r) => match &r.write {
                Some((stamp, _)) => write!(f, "{} @ {stamp}", self.value()),
                None => f.write_str("{}"),
            },
            State::OptimizedOrSet(s) => {
                for (element, dots) in &s.dots {
                    write!(f, "{element}:")?;
                    for (replica, seq) in dots.iter() {
                        write!(f, " {}", Tag { replica, seq })?;
                    }
                    f.write_str("; ")?;
                }
                write!(f, "seen {}", s.seen)
            }
        }
    }
}
