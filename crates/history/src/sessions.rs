//! Session guarantees (Terry, Demers, Petersen, Spreitzer, Theimer and Welch 1994) and stale
//! reads, judged from a history alone.
//!
//! A write is *older* than another when it finished before the other began: every order a
//! store could claim puts it first. Each client keeps, per key, a *floor*: the newest write it
//! must not go back past, and the guarantee that put it there.
//!
//! - **Read your writes**: after a client's write, its reads of that key.
//! - **Monotonic reads**: after a client's read, its later reads of that key.
//! - **Monotonic writes**: a write depends on the writes its client made before it; a client
//!   that reads the write must not then read, on another key, something older than those.
//! - **Writes follow reads**: a write depends on what its client had read; a client that reads
//!   the write must not then read something older than that.
//!
//! A read breaks a guarantee when everything it returned (nothing at all, or every sibling) is
//! older than the floor. A read is *stale* when it missed a write that finished before it
//! began, in the same sense; how stale is how long that write had been finished.

use std::collections::BTreeMap;

use crate::{History, Kind, Op, OpId};

/// A session guarantee.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Guarantee {
    /// A client's reads see its own writes.
    ReadYourWrites,
    /// A client's reads never go back.
    MonotonicReads,
    /// A client's writes are seen in the order it made them.
    MonotonicWrites,
    /// A write is seen only with the writes its client had read.
    WritesFollowReads,
}

impl Guarantee {
    /// All four, in order.
    pub const ALL: [Guarantee; 4] = [
        Guarantee::ReadYourWrites,
        Guarantee::MonotonicReads,
        Guarantee::MonotonicWrites,
        Guarantee::WritesFollowReads,
    ];

    /// Its name, as a property.
    pub fn name(self) -> &'static str {
        match self {
            Guarantee::ReadYourWrites => "Read your writes",
            Guarantee::MonotonicReads => "Monotonic reads",
            Guarantee::MonotonicWrites => "Monotonic writes",
            Guarantee::WritesFollowReads => "Writes follow reads",
        }
    }
}

/// The newest write a client must not go back past on one key.
#[derive(Clone, Copy, Debug)]
struct Floor {
    write: OpId,
    invoked: u64,
    guarantee: Guarantee,
    /// The write whose reading raised the floor (monotonic writes, writes follow reads).
    via: Option<OpId>,
}

/// A read that broke a guarantee.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Breach {
    /// The guarantee.
    pub guarantee: Guarantee,
    /// The read.
    pub read: OpId,
    /// The write it went back past.
    pub floor: OpId,
    /// The write whose reading made the floor binding, if another's.
    pub via: Option<OpId>,
}

impl Breach {
    /// What happened, in one sentence.
    pub fn explain(&self, h: &History) -> String {
        let (r, f) = (h.op(self.read), h.op(self.floor));
        let why = match (self.guarantee, self.via) {
            (Guarantee::ReadYourWrites, _) => format!("after {f}, its own write"),
            (Guarantee::MonotonicReads, _) => format!("after it had seen {}", value_word(f)),
            (g, Some(via)) => {
                let v = h.op(via);
                let dep = if g == Guarantee::MonotonicWrites {
                    format!("c{} had written {f} before it", v.client)
                } else {
                    format!("c{} had read {} before it", v.client, value_word(f))
                };
                format!("after it read {}, and {dep}", value_word(v))
            }
            (_, None) => format!("after {f}"),
        };
        format!("{r}, {why}: the read went back to something older.")
    }
}

fn value_word(op: &Op) -> String {
    match op.kind {
        Kind::Write(v) => format!("{v} (written by c{})", op.client),
        Kind::Read => "a read".into(),
    }
}

/// How stale the reads were.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Staleness {
    /// Reads that returned.
    pub reads: usize,
    /// Of those, reads that missed a write finished before they began.
    pub stale: usize,
    /// The longest any stale read's missed write had been finished, in milliseconds.
    pub longest: u64,
    /// The sum of those times, for a mean.
    pub total: u64,
    /// The first stale read and the write it missed.
    pub first: Option<(OpId, OpId)>,
}

/// The session checker of a history that grows, told of each operation as it begins and ends.
#[derive(Clone, Debug, Default)]
pub struct Sessions {
    floors: BTreeMap<(u16, u8), Floor>,
    deps: BTreeMap<OpId, Vec<(u8, Floor)>>,
    writes: BTreeMap<(u8, u32), OpId>,
    /// Each key's finished writes in the order they finished: (returned, invoked, id), and the
    /// latest-invoked so far.
    finished: BTreeMap<u8, Vec<(u64, OpId)>>,
    breaches: Vec<Breach>,
    staleness: Staleness,
}

impl Sessions {
    /// Operation `id` of `h` has begun: a write takes its client's floors as what it depends on.
    pub fn begun(&mut self, h: &History, id: OpId) {
        let op = h.op(id);
        let Kind::Write(v) = op.kind else { return };
        self.writes.insert((op.key, v), id);
        let deps: Vec<(u8, Floor)> = self
            .floors
            .range((op.client, 0)..=(op.client, u8::MAX))
            .map(|(&(_, key), f)| {
                let guarantee = match f.guarantee {
                    Guarantee::ReadYourWrites => Guarantee::MonotonicWrites,
                    _ => Guarantee::WritesFollowReads,
                };
                (key, Floor { guarantee, ..*f })
            })
            .collect();
        self.deps.insert(id, deps);
    }

    /// Operation `id` of `h` has ended: a read is judged, and floors move.
    pub fn ended(&mut self, h: &History, id: OpId) {
        let op = h.op(id);
        if !op.ok() {
            return;
        }
        match op.kind {
            Kind::Write(_) => {
                self.raise(
                    op.client,
                    op.key,
                    Floor {
                        write: id,
                        invoked: op.invoked,
                        guarantee: Guarantee::ReadYourWrites,
                        via: None,
                    },
                );
                let finished = self.finished.entry(op.key).or_default();
                let newest = match finished.last() {
                    Some(&(_, last)) if h.op(last).invoked > op.invoked => last,
                    _ => id,
                };
                finished.push((op.returned.unwrap_or(0), newest));
            }
            Kind::Read => self.read(h, id),
        }
    }

    fn read(&mut self, h: &History, id: OpId) {
        let op = h.op(id);
        let values = op.values().unwrap_or(&[]);
        let writers: Vec<Option<OpId>> = values
            .iter()
            .map(|v| self.writes.get(&(op.key, *v)).copied())
            .collect();
        // Everything the read returned is older than `a`.
        let older = |a: &Op| {
            writers
                .iter()
                .all(|w| w.is_some_and(|w| h.op(w).precedes(a)))
        };
        if let Some(f) = self.floors.get(&(op.client, op.key))
            && older(h.op(f.write))
        {
            self.breaches.push(Breach {
                guarantee: f.guarantee,
                read: id,
                floor: f.write,
                via: f.via,
            });
        }
        self.staleness.reads += 1;
        if let Some(finished) = self.finished.get(&op.key) {
            let before = finished.partition_point(|&(r, _)| r < op.invoked);
            if before > 0 && older(h.op(finished[before - 1].1)) {
                // The first write it missed: the earliest-finished one newer than what it read.
                let missed = finished[..before]
                    .iter()
                    .find(|&&(_, w)| older(h.op(w)))
                    .map_or(finished[before - 1], |&x| x);
                let stale_for = op.invoked - missed.0;
                let s = &mut self.staleness;
                s.stale += 1;
                s.longest = s.longest.max(stale_for);
                s.total += stale_for;
                s.first.get_or_insert((id, missed.1));
            }
        }
        for w in writers.into_iter().flatten() {
            let write = h.op(w);
            self.raise(
                op.client,
                op.key,
                Floor {
                    write: w,
                    invoked: write.invoked,
                    guarantee: Guarantee::MonotonicReads,
                    via: None,
                },
            );
            for (key, dep) in self.deps.get(&w).cloned().unwrap_or_default() {
                self.raise(
                    op.client,
                    key,
                    Floor {
                        via: Some(w),
                        ..dep
                    },
                );
            }
        }
    }

    fn raise(&mut self, client: u16, key: u8, floor: Floor) {
        let slot = self.floors.entry((client, key)).or_insert(floor);
        if floor.invoked > slot.invoked || floor.write == slot.write {
            *slot = floor;
        }
    }

    /// Every breach so far, in the order found.
    pub fn breaches(&self) -> &[Breach] {
        &self.breaches
    }

    /// How stale the reads were.
    pub fn staleness(&self) -> Staleness {
        self.staleness
    }

    /// About how many bytes the checker holds.
    pub fn footprint(&self) -> usize {
        self.floors.len() * 48
            + self.deps.values().map(|d| 24 + d.len() * 40).sum::<usize>()
            + self.writes.len() * 24
            + self.finished.values().map(|f| f.len() * 16).sum::<usize>()
            + self.breaches.len() * std::mem::size_of::<Breach>()
    }
}

/// Runs the session checks over a whole history, in the order operations began and ended.
pub fn check(h: &History) -> Sessions {
    let mut events: Vec<(u64, bool, OpId)> = Vec::new();
    for (id, op) in h.ops.iter().enumerate() {
        events.push((op.invoked, false, id as OpId));
        if let Some(r) = op.returned {
            events.push((r, true, id as OpId));
        }
    }
    // At one millisecond, returns first: a client's next operation begins after its last ended.
    events.sort_unstable_by_key(|&(t, is_return, id)| (t, !is_return, id));
    let mut s = Sessions::default();
    for (_, is_return, id) in events {
        if is_return {
            s.ended(h, id);
        } else {
            s.begun(h, id);
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Outcome;

    fn op(h: &mut History, c: u16, key: u8, kind: Kind, from: u64, to: u64, vs: &[u32]) -> OpId {
        let id = h.invoke(c, key, kind, from);
        h.finish(id, to, Outcome::Ok(vs.to_vec()));
        id
    }

    #[test]
    fn a_client_that_reads_nothing_after_its_own_write_breaks_read_your_writes() {
        let mut h = History::default();
        let w = op(&mut h, 0, 0, Kind::Write(1), 0, 10, &[]);
        let r = op(&mut h, 0, 0, Kind::Read, 20, 30, &[]);
        let s = check(&h);
        assert_eq!(s.breaches()[0].guarantee, Guarantee::ReadYourWrites);
        assert_eq!((s.breaches()[0].read, s.breaches()[0].floor), (r, w));
        assert_eq!(s.staleness().stale, 1);
        assert_eq!(s.staleness().longest, 10);
    }

    #[test]
    fn going_back_to_an_older_value_breaks_monotonic_reads() {
        let mut h = History::default();
        op(&mut h, 0, 0, Kind::Write(1), 0, 10, &[]);
        op(&mut h, 0, 0, Kind::Write(2), 20, 30, &[]);
        op(&mut h, 1, 0, Kind::Read, 40, 50, &[2]);
        op(&mut h, 1, 0, Kind::Read, 60, 70, &[1]);
        let s = check(&h);
        assert_eq!(s.breaches().len(), 1);
        assert_eq!(s.breaches()[0].guarantee, Guarantee::MonotonicReads);
    }

    #[test]
    fn a_write_seen_without_the_writes_before_it_breaks_monotonic_writes() {
        let mut h = History::default();
        op(&mut h, 0, 0, Kind::Write(1), 0, 10, &[]);
        op(&mut h, 0, 1, Kind::Write(2), 20, 30, &[]);
        op(&mut h, 1, 1, Kind::Read, 40, 50, &[2]);
        op(&mut h, 1, 0, Kind::Read, 60, 70, &[]);
        let s = check(&h);
        assert_eq!(s.breaches()[0].guarantee, Guarantee::MonotonicWrites);
        assert!(s.breaches()[0].explain(&h).contains("had written"));
    }

    #[test]
    fn a_write_seen_without_what_its_writer_read_breaks_writes_follow_reads() {
        let mut h = History::default();
        op(&mut h, 0, 0, Kind::Write(1), 0, 10, &[]);
        op(&mut h, 1, 0, Kind::Read, 20, 30, &[1]);
        op(&mut h, 1, 1, Kind::Write(2), 40, 50, &[]);
        op(&mut h, 2, 1, Kind::Read, 60, 70, &[2]);
        op(&mut h, 2, 0, Kind::Read, 80, 90, &[]);
        let s = check(&h);
        assert_eq!(s.breaches()[0].guarantee, Guarantee::WritesFollowReads);
    }

    #[test]
    fn concurrent_writes_break_nothing() {
        let mut h = History::default();
        op(&mut h, 0, 0, Kind::Write(1), 0, 50, &[]);
        op(&mut h, 1, 0, Kind::Write(2), 10, 20, &[]);
        op(&mut h, 1, 0, Kind::Read, 30, 40, &[1]);
        op(&mut h, 0, 0, Kind::Read, 60, 70, &[2]);
        let s = check(&h);
        assert!(s.breaches().is_empty(), "{:?}", s.breaches());
        assert_eq!(s.staleness().stale, 0);
    }
}
