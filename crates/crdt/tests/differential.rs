//! Differential tests against the `crdts` crate, an independent, widely used implementation:
//! random histories of updates and merges on three replicas must give the same observable
//! values as its GCounter, PNCounter, Orswot, LWWReg and MVReg. And each bug toggle must
//! break one of the lattice laws, so the laws can fail.

use crdts::{CmRDT, CvRDT, GCounter, LWWReg, MVReg, Orswot, PNCounter};
use netsplit_crdt::{Bug, Kind, Op, State};
use netsplit_sim::NodeId;
use proptest::prelude::*;
use std::collections::BTreeSet;

const REPLICAS: usize = 3;

/// The same replica in both implementations.
#[derive(Clone)]
enum Theirs {
    Counter(GCounter<u16>),
    PnCounter(PNCounter<u16>),
    Set(Orswot<char, u16>),
    Lww(LWWReg<char, (u64, u16)>),
    Mv(MVReg<char, u16>),
}

impl Theirs {
    fn new(kind: Kind) -> Theirs {
        match kind {
            Kind::GCounter => Theirs::Counter(GCounter::new()),
            Kind::PnCounter => Theirs::PnCounter(PNCounter::new()),
            Kind::OrSet | Kind::OptimizedOrSet => Theirs::Set(Orswot::new()),
            Kind::LwwRegister => Theirs::Lww(LWWReg::default()),
            Kind::MvRegister => Theirs::Mv(MVReg::new()),
            other => unreachable!("{other} has no counterpart"),
        }
    }

    /// Applies `op` by `actor`. An LWW write is stamped here, by the rule of last-writer-wins
    /// with Lamport times: one more than the time of the write it replaces, the writer
    /// breaking ties.
    fn apply(&mut self, actor: u16, op: Op) {
        match (self, op) {
            (Theirs::Counter(c), Op::Increment) => c.apply(c.inc(actor)),
            (Theirs::PnCounter(c), Op::Increment) => c.apply(c.inc(actor)),
            (Theirs::PnCounter(c), Op::Decrement) => c.apply(c.dec(actor)),
            (Theirs::Set(s), Op::Add(x)) => {
                let ctx = s.read_ctx().derive_add_ctx(actor);
                s.apply(s.add(x, ctx));
            }
            (Theirs::Set(s), Op::Remove(x)) => {
                let ctx = s.contains(&x).derive_rm_ctx();
                s.apply(s.rm(x, ctx));
            }
            (Theirs::Lww(r), Op::Set(x)) => {
                let stamp = (r.marker.0 + 1, actor);
                r.update(x, stamp);
            }
            (Theirs::Mv(r), Op::Set(x)) => {
                let ctx = r.read().derive_add_ctx(actor);
                r.apply(r.write(x, ctx));
            }
            _ => unreachable!("the op fits the type"),
        }
    }

    fn merge(&mut self, other: &Theirs) {
        match (self, other) {
            (Theirs::Counter(a), Theirs::Counter(b)) => a.merge(b.clone()),
            (Theirs::PnCounter(a), Theirs::PnCounter(b)) => a.merge(b.clone()),
            (Theirs::Set(a), Theirs::Set(b)) => a.merge(b.clone()),
            (Theirs::Lww(a), Theirs::Lww(b)) => a.merge(b.clone()),
            (Theirs::Mv(a), Theirs::Mv(b)) => a.merge(b.clone()),
            _ => unreachable!("replicas share a type"),
        }
    }

    /// What a reader sees, written as ours writes it.
    fn value(&self) -> String {
        let set = |items: BTreeSet<char>| {
            let items: Vec<String> = items.iter().map(char::to_string).collect();
            format!("{{{}}}", items.join(", "))
        };
        match self {
            Theirs::Counter(c) => c.read().to_string(),
            Theirs::PnCounter(c) => c.read().to_string(),
            Theirs::Set(s) => set(s.read().val.into_iter().collect()),
            Theirs::Lww(r) if r.marker == (0, 0) => "empty".into(),
            Theirs::Lww(r) => r.val.to_string(),
            Theirs::Mv(r) => {
                let values: BTreeSet<char> = r.read().val.into_iter().collect();
                if values.is_empty() {
                    "empty".into()
                } else {
                    set(values)
                }
            }
        }
    }
}

fn steps() -> impl Strategy<Value = Vec<(usize, usize, char)>> {
    prop::collection::vec((0..REPLICAS, 0..4usize, prop::char::range('a', 'd')), 0..60)
}

fn compared() -> impl Strategy<Value = Kind> {
    prop::sample::select(vec![
        Kind::GCounter,
        Kind::PnCounter,
        Kind::OrSet,
        Kind::OptimizedOrSet,
        Kind::LwwRegister,
        Kind::MvRegister,
    ])
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    #[test]
    fn values_match_the_crdts_crate(kind in compared(), history in steps()) {
        let mut ours = vec![kind.empty(); REPLICAS];
        let mut theirs = vec![Theirs::new(kind); REPLICAS];
        for (who, pick, letter) in history {
            if pick == 3 {
                let next = (who + 1) % REPLICAS;
                let (state, other) = (ours[next].clone(), theirs[next].clone());
                ours[who].merge(&state, None);
                theirs[who].merge(&other);
            } else {
                let ops = kind.ops(letter);
                let op = ops[pick % ops.len()];
                ours[who].apply(NodeId(who as u16), op).expect("every op of these types applies");
                theirs[who].apply(who as u16, op);
            }
            for r in 0..REPLICAS {
                prop_assert_eq!(ours[r].value(), theirs[r].value(), "replica {} of a {}", r, kind);
            }
        }
    }
}

fn applied(kind: Kind, steps: &[(u16, Op)]) -> State {
    let mut state = kind.empty();
    for &(who, op) in steps {
        state.apply(NodeId(who), op).unwrap();
    }
    state
}

fn merged(a: &State, b: &State, bug: Bug) -> State {
    let mut out = a.clone();
    out.merge(b, Some(bug));
    out
}

/// Each bug breaks a law that the correct merge keeps.
#[test]
fn every_bug_breaks_a_lattice_law() {
    // add-on-merge: merging a counter with itself doubles it (idempotence).
    let counter = applied(Kind::GCounter, &[(0, Op::Increment), (1, Op::Increment)]);
    assert_eq!(merged(&counter, &counter, Bug::AddOnMerge).value(), "4");
    let mut correct = counter.clone();
    correct.merge(&counter, None);
    assert_eq!(correct, counter);

    // last-sync-wins: merging loses what the replica had (it no longer moves up).
    let mine = applied(Kind::OrSet, &[(0, Op::Add('x'))]);
    let theirs = applied(Kind::OrSet, &[(1, Op::Add('y'))]);
    let after = merged(&mine, &theirs, Bug::LastSyncWins);
    assert!(!mine.leq(&after));
    assert_eq!(after.value(), "{y}");

    // keep-mine-on-tie: two writes at the same time merge differently on each side
    // (commutativity).
    let a = applied(Kind::LwwRegister, &[(0, Op::Set('a'))]);
    let b = applied(Kind::LwwRegister, &[(1, Op::Set('b'))]);
    assert_ne!(
        merged(&a, &b, Bug::KeepMineOnTie),
        merged(&b, &a, Bug::KeepMineOnTie)
    );
    let (mut ab, mut ba) = (a.clone(), b.clone());
    ab.merge(&b, None);
    ba.merge(&a, None);
    assert_eq!(ab, ba);
    assert_eq!(ab.value(), "b", "the tie goes to the higher replica id");
}
