//! Linearizability, one register per key.
//!
//! The search keeps *configurations*: the register's value after some order of the
//! operations placed so far, and which still-running operations that order has already placed.
//! Events are taken in time order (at one millisecond, invocations first). An invocation adds
//! the operation to the running ones; a read is placed at once in every configuration whose
//! value is the one it returned (placing a read never changes the value, so doing it as early
//! as possible loses nothing). A return forces its operation into the order: from each
//! configuration the search places running writes, each followed by the reads it lets in,
//! until the returning operation is placed (Lowe's just-in-time linearization); the
//! configurations where it is placed go on. None left: the history is not linearizable at that
//! return. A write without an answer stays running for ever, and is placed only where some
//! running read returned its value (placing it to be overwritten at once shows nothing).
//!
//! The [`Linearizer`] takes events as a run makes them, and works only as far as every
//! operation begun has an answer: a read can be placed only once its value is known.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use crate::{History, Kind, Op, OpId, Outcome};

/// More configurations than this on one key and the key is left undecided: a run's cost is
/// bounded, whatever its history.
pub const MOST_CONFIGURATIONS: usize = 10_000;

/// What the checker found on one key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeyVerdict {
    /// Every operation so far fits one order.
    Linearizable,
    /// No order fits the operations up to this one's return.
    Broken(OpId),
    /// Too many orders to tell apart (more than [`MOST_CONFIGURATIONS`]).
    Undecided,
}

/// One possible order so far: the value it leaves, and the running operations it placed.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Config {
    value: Option<u32>,
    placed: Vec<OpId>,
}

#[derive(Clone, Copy, Debug)]
enum Event {
    Invoke(OpId),
    Return(u64, OpId),
}

/// The search on one key.
#[derive(Clone, Debug)]
struct Register {
    queue: VecDeque<Event>,
    configs: Vec<Config>,
    running: Vec<OpId>,
    verdict: KeyVerdict,
}

impl Default for Register {
    fn default() -> Register {
        Register {
            queue: VecDeque::new(),
            configs: vec![Config {
                value: None,
                placed: Vec::new(),
            }],
            running: Vec::new(),
            verdict: KeyVerdict::Linearizable,
        }
    }
}

/// Whether a read that returned `values` may be placed where the register holds `value`.
fn fits(value: Option<u32>, values: &[u32]) -> bool {
    match values {
        [] => value.is_none(),
        [v] => value == Some(*v),
        _ => false,
    }
}

impl Register {
    /// Takes events while the operations they concern are known; with `settle`, an operation
    /// still waiting counts as one that will never answer.
    fn advance(&mut self, h: &History, settle: bool) {
        while let Some(&event) = self.queue.front() {
            if self.verdict != KeyVerdict::Linearizable {
                self.queue.clear();
                return;
            }
            match event {
                Event::Invoke(id) => {
                    if h.op(id).returned.is_none() && !settle {
                        return;
                    }
                    self.invoke(h, id);
                }
                Event::Return(_, id) => self.ret(h, id),
            }
            self.queue.pop_front();
        }
    }

    fn invoke(&mut self, h: &History, id: OpId) {
        let op = h.op(id);
        let answered = op.returned.is_some();
        match (op.kind, &op.outcome) {
            // A refused operation, or a read without an answer, constrains nothing.
            (_, Outcome::Failed) if answered => {}
            (Kind::Write(_), _) => self.running.push(id),
            (Kind::Read, Outcome::Ok(values)) if answered => {
                self.running.push(id);
                for c in &mut self.configs {
                    if fits(c.value, values) {
                        c.placed.push(id);
                        c.placed.sort_unstable();
                    }
                }
            }
            (Kind::Read, _) => {}
        }
    }

    /// Places every running read that fits `c`'s value.
    fn place_reads(&self, h: &History, c: &mut Config) {
        for &r in &self.running {
            if let Some(values) = h.op(r).values()
                && !c.placed.contains(&r)
                && fits(c.value, values)
            {
                c.placed.push(r);
            }
        }
        c.placed.sort_unstable();
    }

    fn ret(&mut self, h: &History, o: OpId) {
        let mut out = BTreeSet::new();
        let mut seen = BTreeSet::new();
        let mut stack = std::mem::take(&mut self.configs);
        while let Some(c) = stack.pop() {
            if c.placed.contains(&o) {
                out.insert(c);
                continue;
            }
            if !seen.insert(c.clone()) {
                continue;
            }
            if seen.len() > MOST_CONFIGURATIONS {
                self.verdict = KeyVerdict::Undecided;
                return;
            }
            for &p in &self.running {
                let op = h.op(p);
                let Kind::Write(v) = op.kind else { continue };
                if c.placed.contains(&p) {
                    continue;
                }
                // A write that never answered matters only to a read that saw it.
                if !op.ok()
                    && !self
                        .running
                        .iter()
                        .any(|&r| h.op(r).values() == Some(&[v][..]))
                {
                    continue;
                }
                let mut next = Config {
                    value: Some(v),
                    placed: c.placed.clone(),
                };
                next.placed.push(p);
                self.place_reads(h, &mut next);
                stack.push(next);
            }
        }
        self.running.retain(|&p| p != o);
        self.configs = out
            .into_iter()
            .map(|mut c| {
                c.placed.retain(|&p| p != o);
                c
            })
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        if self.configs.is_empty() {
            self.verdict = KeyVerdict::Broken(o);
        } else if self.configs.len() > MOST_CONFIGURATIONS {
            self.verdict = KeyVerdict::Undecided;
        }
    }
}

/// The checker of a history that grows: told of each operation as it begins and as it ends,
/// it decides each key as far as the answers allow.
#[derive(Clone, Debug, Default)]
pub struct Linearizer {
    registers: BTreeMap<u8, Register>,
}

impl Linearizer {
    /// Operation `id` of `h` has begun.
    pub fn begun(&mut self, h: &History, id: OpId) {
        let op = h.op(id);
        let queue = &mut self.registers.entry(op.key).or_default().queue;
        // At one millisecond invocations come first: operations that touch are concurrent.
        let at = queue
            .iter()
            .rposition(|e| !matches!(e, Event::Return(t, _) if *t == op.invoked))
            .map_or(0, |i| i + 1);
        queue.insert(at, Event::Invoke(id));
    }

    /// Operation `id` of `h` has ended (its outcome is in `h`).
    pub fn ended(&mut self, h: &History, id: OpId) {
        let op = h.op(id);
        if let (Outcome::Ok(_), Some(at)) = (&op.outcome, op.returned) {
            let register = self.registers.entry(op.key).or_default();
            register.queue.push_back(Event::Return(at, id));
        }
    }

    /// Decides as far as every operation begun has an answer; returns the keys that broke.
    pub fn advance(&mut self, h: &History) -> Vec<(u8, OpId)> {
        let mut broke = Vec::new();
        for (&key, register) in &mut self.registers {
            let before = register.verdict.clone();
            register.advance(h, false);
            if let (KeyVerdict::Linearizable, KeyVerdict::Broken(op)) = (before, &register.verdict)
            {
                broke.push((key, *op));
            }
        }
        broke
    }

    /// Decides everything, counting operations still waiting as never answered.
    pub fn settle(&mut self, h: &History) {
        for register in self.registers.values_mut() {
            register.advance(h, true);
        }
    }

    /// Each key's verdict so far.
    pub fn verdicts(&self) -> impl Iterator<Item = (u8, &KeyVerdict)> {
        self.registers.iter().map(|(&k, r)| (k, &r.verdict))
    }

    /// About how many bytes the checker holds.
    pub fn footprint(&self) -> usize {
        self.registers
            .values()
            .map(|r| {
                r.queue.len() * 16
                    + r.running.len() * 4
                    + r.configs
                        .iter()
                        .map(|c| 16 + 4 * c.placed.len())
                        .sum::<usize>()
            })
            .sum()
    }
}

/// The verdict on a whole history.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verdict {
    /// Each key and what the checker found on it.
    pub keys: Vec<(u8, KeyVerdict)>,
}

impl Verdict {
    /// Whether every key is linearizable.
    pub fn linearizable(&self) -> bool {
        self.keys
            .iter()
            .all(|(_, v)| *v == KeyVerdict::Linearizable)
    }

    /// The first key that broke, and the operation at whose return it did.
    pub fn broken(&self) -> Option<(u8, OpId)> {
        self.keys.iter().find_map(|(k, v)| match v {
            KeyVerdict::Broken(op) => Some((*k, *op)),
            _ => None,
        })
    }
}

/// Checks a whole history; operations still waiting count as never answered.
pub fn check(h: &History) -> Verdict {
    let mut l = Linearizer::default();
    feed(&mut l, h, 0..h.ops.len() as OpId);
    l.settle(h);
    Verdict {
        keys: l.verdicts().map(|(k, v)| (k, v.clone())).collect(),
    }
}

/// Gives `l` the invocations and returns of `ids`, in time order.
fn feed(l: &mut Linearizer, h: &History, ids: impl Iterator<Item = OpId>) {
    let mut events: Vec<(u64, bool, OpId)> = Vec::new();
    for id in ids {
        let op = h.op(id);
        events.push((op.invoked, false, id));
        if let Some(r) = op.returned {
            events.push((r, true, id));
        }
    }
    events.sort_unstable();
    for (_, is_return, id) in events {
        if is_return {
            l.ended(h, id);
        } else {
            l.begun(h, id);
        }
    }
}

/// Whether the operations `ids` of `h` (all on one key) fit one order.
pub fn orderable(h: &History, ids: &[OpId]) -> bool {
    let mut l = Linearizer::default();
    feed(&mut l, h, ids.iter().copied());
    l.settle(h);
    l.verdicts()
        .all(|(_, v)| !matches!(v, KeyVerdict::Broken(_)))
}

/// At most this many operations before the break are searched for a smallest set first.
const WINDOW: usize = 64;
/// Beyond this many operations on the key, no smallest set is sought.
const MOST_SEARCHED: usize = 512;

/// A smallest set of operations on `key`, up to the return of `broken`, that no order fits:
/// removing any one of them (a write together with the reads that saw it) leaves operations
/// that fit. Empty when the key has too many operations to search.
pub fn smallest_unorderable(h: &History, key: u8, broken: OpId) -> Vec<OpId> {
    let end = h.op(broken).returned.unwrap_or(u64::MAX);
    let all: Vec<OpId> = (0..h.ops.len() as OpId)
        .filter(|&id| {
            let op = h.op(id);
            op.key == key && op.invoked <= end && !matches!(op.outcome, Outcome::Failed)
        })
        .collect();
    let tail = &all[all.len().saturating_sub(WINDOW)..];
    let mut set = if !orderable(h, tail) {
        tail.to_vec()
    } else if all.len() <= MOST_SEARCHED {
        all
    } else {
        return Vec::new();
    };
    let mut i = 0;
    while i < set.len() {
        let id = set[i];
        let group: Vec<OpId> = match h.op(id).kind {
            Kind::Write(v) => set
                .iter()
                .copied()
                .filter(|&r| r == id || h.op(r).values().is_some_and(|vs| vs.contains(&v)))
                .collect(),
            Kind::Read => vec![id],
        };
        let rest: Vec<OpId> = set.iter().copied().filter(|x| !group.contains(x)).collect();
        if !rest.is_empty() && !orderable(h, &rest) {
            set = rest;
        } else {
            i += 1;
        }
    }
    set
}

/// Why no order fits `set` (a smallest set from [`smallest_unorderable`]), in one sentence.
pub fn explain(h: &History, set: &[OpId]) -> String {
    let ops: Vec<&Op> = set.iter().map(|&id| h.op(id)).collect();
    let reads: Vec<&Op> = ops
        .iter()
        .copied()
        .filter(|op| op.kind == Kind::Read)
        .collect();
    let writer = |v: u32| ops.iter().copied().find(|op| op.kind == Kind::Write(v));
    // What a read saw: the write of its value, or None for nothing.
    let saw = |r: &Op| -> Option<Option<&Op>> {
        match r.values()? {
            [] => Some(None),
            [v] => writer(*v).map(Some),
            _ => None,
        }
    };
    for r in &reads {
        if r.values().is_some_and(|vs| vs.len() > 1) {
            return format!("{r} returned siblings: no single register holds two values at once.");
        }
        if let Some(Some(w)) = saw(r)
            && r.precedes(w)
        {
            return format!(
                "{r}, but the write of that value began only after the read ended: {w}."
            );
        }
    }
    for r in &reads {
        let Some(seen) = saw(r) else { continue };
        for a in ops
            .iter()
            .filter(|a| matches!(a.kind, Kind::Write(_)) && a.precedes(r))
        {
            let older = seen.is_none_or(|x| x.precedes(a));
            if older && seen.is_none_or(|x| x != *a) {
                let what = match seen {
                    None => "it found nothing, as if no write had happened".to_string(),
                    Some(x) => format!("it returned the older {}, from {x}", value_of(x)),
                };
                return format!("{a}; {r} began after that, yet {what}.");
            }
        }
    }
    for r1 in &reads {
        for r2 in reads.iter().filter(|r2| r1.precedes(r2)) {
            let (Some(Some(b)), Some(x)) = (saw(r1), saw(r2)) else {
                continue;
            };
            // What r2 saw was written before r1 began, or before what r1 saw: r1's value came later.
            if x.is_none_or(|x| x.precedes(b) || x.precedes(r1)) {
                let old = x.map_or("nothing".to_string(), |x| value_of(x).to_string());
                return format!(
                    "{r1}; then {r2}, which began after that read ended, saw the older {old}: \
                     once a read has seen a write, a later read may not go back."
                );
            }
        }
    }
    let named: Vec<String> = ops.iter().map(ToString::to_string).collect();
    format!(
        "No order of these operations keeps each within its own time span and gives every read \
         the value last written before it: {}.",
        named.join("; ")
    )
}

fn value_of(op: &Op) -> u32 {
    match op.kind {
        Kind::Write(v) => v,
        Kind::Read => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(h: &mut History, c: u16, v: u32, from: u64, to: u64) -> OpId {
        let id = h.invoke(c, 0, Kind::Write(v), from);
        h.finish(id, to, Outcome::Ok(Vec::new()));
        id
    }

    fn read(h: &mut History, c: u16, vs: &[u32], from: u64, to: u64) -> OpId {
        let id = h.invoke(c, 0, Kind::Read, from);
        h.finish(id, to, Outcome::Ok(vs.to_vec()));
        id
    }

    #[test]
    fn a_stale_read_after_a_finished_write_breaks_and_is_explained() {
        let mut h = History::default();
        write(&mut h, 0, 1, 0, 10);
        write(&mut h, 0, 2, 20, 30);
        let r = read(&mut h, 1, &[1], 40, 50);
        let v = check(&h);
        assert_eq!(v.broken(), Some((0, r)));
        let set = smallest_unorderable(&h, 0, r);
        assert_eq!(set, vec![0, 1, 2]);
        let why = explain(&h, &set);
        assert!(
            why.contains("c0 wrote 2 to k0") && why.contains("older 1"),
            "{why}"
        );
    }

    #[test]
    fn concurrent_operations_may_take_either_order() {
        let mut h = History::default();
        write(&mut h, 0, 1, 0, 10);
        write(&mut h, 1, 2, 5, 40);
        read(&mut h, 2, &[2], 12, 20);
        read(&mut h, 3, &[2], 21, 25);
        assert!(check(&h).linearizable());
        // ...but once a read has seen the new value, a later one may not see the old.
        read(&mut h, 2, &[1], 30, 35);
        let v = check(&h);
        assert!(!v.linearizable());
        let set = smallest_unorderable(&h, 0, v.broken().unwrap().1);
        assert!(
            explain(&h, &set).contains("may not go back"),
            "{}",
            explain(&h, &set)
        );
    }

    #[test]
    fn a_read_may_be_placed_before_a_write_that_returned_first() {
        let mut h = History::default();
        write(&mut h, 0, 1, 0, 10);
        let r = h.invoke(1, 0, Kind::Read, 12);
        write(&mut h, 0, 2, 14, 20);
        h.finish(r, 30, Outcome::Ok(vec![1]));
        assert!(check(&h).linearizable());
    }

    #[test]
    fn a_write_without_an_answer_may_or_may_not_have_happened() {
        let mut h = History::default();
        let w = h.invoke(0, 0, Kind::Write(1), 0);
        h.finish(w, 100, Outcome::Unknown);
        read(&mut h, 1, &[], 200, 210);
        read(&mut h, 1, &[1], 300, 310);
        assert!(check(&h).linearizable());
        read(&mut h, 1, &[], 400, 410);
        assert!(!check(&h).linearizable());
    }

    #[test]
    fn a_refused_write_never_happened() {
        let mut h = History::default();
        let w = h.invoke(0, 0, Kind::Write(1), 0);
        h.finish(w, 10, Outcome::Failed);
        read(&mut h, 1, &[1], 20, 30);
        assert!(!check(&h).linearizable());
    }

    #[test]
    fn siblings_fit_no_register() {
        let mut h = History::default();
        write(&mut h, 0, 1, 0, 10);
        write(&mut h, 1, 2, 0, 10);
        let r = read(&mut h, 2, &[1, 2], 20, 30);
        assert_eq!(check(&h).broken(), Some((0, r)));
        assert!(explain(&h, &smallest_unorderable(&h, 0, r)).contains("siblings"));
    }

    #[test]
    fn the_live_checker_waits_for_answers_and_agrees_with_the_whole_check() {
        let mut h = History::default();
        let mut l = Linearizer::default();
        let w1 = h.invoke(0, 0, Kind::Write(1), 0);
        l.begun(&h, w1);
        let r = h.invoke(1, 0, Kind::Read, 5);
        l.begun(&h, r);
        h.finish(w1, 10, Outcome::Ok(Vec::new()));
        l.ended(&h, w1);
        assert!(l.advance(&h).is_empty());
        let w2 = h.invoke(0, 0, Kind::Write(2), 12);
        l.begun(&h, w2);
        h.finish(w2, 15, Outcome::Ok(Vec::new()));
        l.ended(&h, w2);
        // The read began before w1 returned and has not answered: nothing is decided past it.
        assert!(l.advance(&h).is_empty());
        h.finish(r, 20, Outcome::Ok(Vec::new()));
        l.ended(&h, r);
        // It read nothing, though w1 had finished before w2 began... and before r? No: r
        // began at 5, before w1 returned, so "nothing" fits (r placed first).
        assert!(l.advance(&h).is_empty());
        let r2 = h.invoke(1, 0, Kind::Read, 30);
        l.begun(&h, r2);
        h.finish(r2, 35, Outcome::Ok(vec![1]));
        l.ended(&h, r2);
        assert_eq!(l.advance(&h), vec![(0, r2)]);
        assert_eq!(check(&h).broken(), Some((0, r2)));
    }
}
