//! The replicated log, 1-based as in the paper, with a hash chain for checking it.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A state-machine command: set `key` to `value`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Op {
    /// A one-letter key, `a` to `z`.
    pub key: char,
    /// The value.
    pub value: u32,
}

impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}={}", self.key, self.value)
    }
}

/// One log entry: a command and the term in which a leader received it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// The leader's term when the entry was created.
    pub term: u64,
    /// The command.
    pub op: Op,
}

/// A log of entries, indexed from 1, and beside it a hash chain: `chain[i]` digests entries
/// `1..=i`, so two logs agree up to `i` exactly when their chains agree at `i`. The chain is
/// what the safety monitor compares; the protocol never reads it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Log {
    entries: Vec<Entry>,
    chain: Vec<u64>,
}

impl Log {
    /// The index of the last entry (0 when empty).
    pub fn last_index(&self) -> u64 {
        self.entries.len() as u64
    }

    /// The term of the last entry (0 when empty).
    pub fn last_term(&self) -> u64 {
        self.term_at(self.last_index())
    }

    /// The term of entry `index`; 0 for index 0 or an index past the end.
    pub fn term_at(&self, index: u64) -> u64 {
        self.get(index).map_or(0, |e| e.term)
    }

    /// Entry `index`, if the log has it.
    pub fn get(&self, index: u64) -> Option<&Entry> {
        let i = usize::try_from(index.checked_sub(1)?).ok()?;
        self.entries.get(i)
    }

    /// About how many bytes the log holds on the heap.
    pub fn footprint(&self) -> usize {
        std::mem::size_of_val(self.entries.as_slice())
            + std::mem::size_of_val(self.chain.as_slice())
    }

    /// Every entry, index 1 first.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// The hash chain: element `i - 1` digests entries `1..=i`.
    pub fn chain(&self) -> &[u64] {
        &self.chain
    }

    /// Up to `max` entries starting at `index`.
    pub fn slice_from(&self, index: u64, max: usize) -> Vec<Entry> {
        let start = (index.max(1) - 1) as usize;
        self.entries.iter().skip(start).take(max).copied().collect()
    }

    /// Adds an entry at the end.
    pub fn append(&mut self, entry: Entry) {
        let previous = self.chain.last().copied().unwrap_or(0);
        self.chain.push(link(previous, &entry));
        self.entries.push(entry);
    }

    /// Deletes entry `index` and everything after it.
    pub fn truncate_from(&mut self, index: u64) {
        let keep = index.saturating_sub(1) as usize;
        self.entries.truncate(keep);
        self.chain.truncate(keep);
    }
}

/// One link of the chain: a 64-bit mix (SplitMix64's finalizer) of the previous link and the
/// entry.
fn link(previous: u64, entry: &Entry) -> u64 {
    let mut z = previous
        ^ entry.term.wrapping_mul(0x9e37_79b9_7f4a_7c15)
        ^ (u64::from(entry.op.key) << 32 | u64::from(entry.op.value))
            .wrapping_mul(0xd6e8_feb8_6659_fd93);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(term: u64, value: u32) -> Entry {
        Entry {
            term,
            op: Op { key: 'x', value },
        }
    }

    #[test]
    fn indexes_start_at_one() {
        let mut log = Log::default();
        assert_eq!(
            (log.last_index(), log.last_term(), log.term_at(0)),
            (0, 0, 0)
        );
        log.append(entry(1, 10));
        log.append(entry(2, 20));
        assert_eq!((log.last_index(), log.last_term()), (2, 2));
        assert_eq!(log.get(1).unwrap().op.value, 10);
        assert_eq!(log.get(3), None);
        assert_eq!(log.slice_from(2, 5), vec![entry(2, 20)]);
        log.truncate_from(2);
        assert_eq!(log.last_index(), 1);
        assert_eq!(log.chain().len(), 1);
    }

    #[test]
    fn chains_agree_exactly_when_prefixes_do() {
        let mut a = Log::default();
        let mut b = Log::default();
        for log in [&mut a, &mut b] {
            log.append(entry(1, 1));
            log.append(entry(1, 2));
        }
        a.append(entry(2, 3));
        b.append(entry(3, 3));
        assert_eq!(a.chain()[..2], b.chain()[..2]);
        assert_ne!(a.chain()[2], b.chain()[2]);
        b.truncate_from(3);
        b.append(entry(2, 3));
        assert_eq!(a.chain(), b.chain());
    }
}
