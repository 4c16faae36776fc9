//! The typed record of everything that happened in a run.

use serde::{Deserialize, Serialize};
use std::cell::RefCell;
use std::fmt;
use std::rc::Rc;

use crate::action::Action;
use crate::monitor::Violation;
use crate::node::{Node, NodeId};
use crate::time::Time;

/// A message's name, unique within a run and the same in every replay of it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct MsgId(pub u64);

impl fmt::Display for MsgId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "m{}", self.0)
    }
}

/// Why a message never arrived.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DropReason {
    /// The link lost it (its drop chance).
    Lost,
    /// A partition separated sender and receiver.
    Partitioned,
    /// The receiver was down when it arrived.
    ReceiverDown,
    /// The user dropped it.
    ByUser,
}

impl fmt::Display for DropReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DropReason::Lost => "the network lost it",
            DropReason::Partitioned => "a partition blocked it",
            DropReason::ReceiverDown => "the receiver is down",
            DropReason::ByUser => "you dropped it",
        })
    }
}

/// One thing that happened.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(bound = "", rename_all = "snake_case")]
pub enum TraceEvent<N: Node> {
    /// A node booted (at the start, or on restart) and ran `on_start`.
    Started {
        /// The node.
        node: NodeId,
    },
    /// A node sent a message; `deliver_at` is when the network will hand it over.
    Sent {
        /// The message's name.
        id: MsgId,
        /// The sender.
        from: NodeId,
        /// The receiver.
        to: NodeId,
        /// The content.
        msg: Rc<N::Msg>,
        /// When it is due.
        deliver_at: Time,
        /// Set when the network duplicated an earlier message.
        copy_of: Option<MsgId>,
    },
    /// A message arrived and its receiver handled it.
    Delivered {
        /// The message.
        id: MsgId,
        /// The sender.
        from: NodeId,
        /// The receiver.
        to: NodeId,
    },
    /// A message ended without arriving.
    Dropped {
        /// The message.
        id: MsgId,
        /// The sender.
        from: NodeId,
        /// The intended receiver.
        to: NodeId,
        /// Why.
        reason: DropReason,
    },
    /// The user held a message in the network.
    Held {
        /// The message.
        id: MsgId,
    },
    /// The user let a held message go on; it arrives at `deliver_at`.
    Released {
        /// The message.
        id: MsgId,
        /// Its new arrival time.
        deliver_at: Time,
    },
    /// A timer fired and its node handled it.
    TimerFired {
        /// The node.
        node: NodeId,
        /// Which timer.
        timer: N::Timer,
    },
    /// A node stopped.
    Crashed {
        /// The node.
        node: NodeId,
    },
    /// A command arrived at a node.
    Commanded {
        /// The node.
        node: NodeId,
        /// The command.
        command: N::Command,
    },
    /// A node recorded a protocol event.
    Noted {
        /// The node.
        node: NodeId,
        /// What it noted.
        note: N::Note,
    },
    /// The network was partitioned, healed or reconfigured.
    NetworkChanged {
        /// The action that changed it.
        change: Action<N::Command>,
    },
    /// A user action could not be carried out (for example, restarting a node that is up).
    Refused {
        /// The action.
        action: Action<N::Command>,
        /// Why.
        reason: String,
    },
    /// A monitor found a property broken. (Boxed: a violation is large and rare, and every
    /// record is as large as the largest kind.)
    Violated(Box<Violation>),
    /// The run reached [`crate::MAX_EVENTS`] or [`crate::MEMORY_STOP`] and stops here, whatever
    /// its scenario says.
    Stopped {
        /// How many events it took.
        events: u64,
    },
    /// A node's process was paused until `until`.
    Paused {
        /// The node.
        node: NodeId,
        /// When it resumes.
        until: Time,
    },
    /// A paused process resumed; what waited for it comes next.
    Resumed {
        /// The node.
        node: NodeId,
    },
    /// A node's clock was moved or set to another rate.
    ClockSet {
        /// The node.
        node: NodeId,
        /// What its clock reads now.
        reads: Time,
        /// How fast it runs, in thousandths of true time.
        rate: u32,
    },
}

impl<N: Node> fmt::Display for TraceEvent<N> {
    /// One line of narration, in plain words.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TraceEvent::Started { node } => write!(f, "{node} starts"),
            TraceEvent::Sent {
                id,
                from,
                to,
                msg,
                copy_of: None,
                ..
            } => write!(f, "{from} sends {msg} to {to} ({id})"),
            TraceEvent::Sent {
                id,
                to,
                copy_of: Some(original),
                ..
            } => write!(f, "the network duplicates {original} to {to} as {id}"),
            TraceEvent::Delivered { id, from, to } => write!(f, "{to} receives {id} from {from}"),
            TraceEvent::Dropped {
                id,
                from,
                to,
                reason,
            } => write!(f, "{id} from {from} to {to} is dropped: {reason}"),
            TraceEvent::Held { id } => write!(f, "{id} is held in the network"),
            TraceEvent::Released { id, deliver_at } => {
                write!(f, "{id} is released; it arrives at {deliver_at}")
            }
            TraceEvent::TimerFired { node, timer } => write!(f, "{node}: {timer} timer fires"),
            TraceEvent::Crashed { node } => write!(f, "{node} crashes"),
            TraceEvent::Commanded { node, command } => write!(f, "{node} is asked to {command}"),
            TraceEvent::Noted { note, .. } => write!(f, "{note}"),
            TraceEvent::NetworkChanged { change } => match change {
                Action::Partition(p) => {
                    let groups: Vec<String> =
                        p.0.iter()
                            .map(|g| {
                                let names: Vec<String> = g.iter().map(|n| n.to_string()).collect();
                                format!("{{{}}}", names.join(", "))
                            })
                            .collect();
                    write!(
                        f,
                        "the network splits: {} | everyone else",
                        groups.join(" | ")
                    )
                }
                Action::Heal => f.write_str("the network heals"),
                Action::SetLinks(link) => write!(
                    f,
                    "links now take {} to {}, lose {} and duplicate {}",
                    link.latency_min, link.latency_max, link.drop, link.duplicate
                ),
                Action::SetLink(from, to, link) => write!(
                    f,
                    "the link {from} → {to} now takes {} to {}, loses {} and duplicates {}",
                    link.latency_min, link.latency_max, link.drop, link.duplicate
                ),
                _ => f.write_str("the network changes"),
            },
            TraceEvent::Refused { reason, .. } => write!(f, "refused: {reason}"),
            TraceEvent::Violated(v) => write!(f, "VIOLATION of {}: {}", v.property, v.explanation),
            TraceEvent::Stopped { events } => write!(
                f,
                "the run stops here, after {events} events: the most one run may take, in \
                 events or in memory"
            ),
            TraceEvent::Paused { node, until } => {
                write!(f, "{node} pauses (a stop-the-world pause) until {until}")
            }
            TraceEvent::Resumed { node } => {
                write!(f, "{node} resumes, unaware of the time that passed")
            }
            TraceEvent::ClockSet { node, reads, rate } => write!(
                f,
                "{node}'s clock now reads {reads} and runs at {}.{:03}× true time",
                rate / 1000,
                rate % 1000
            ),
        }
    }
}

/// An event and when it happened.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(bound = "")]
pub struct Record<N: Node> {
    /// When.
    pub at: Time,
    /// What.
    pub event: TraceEvent<N>,
}

/// Every record of a run, in order.
///
/// After going back in time the records past the current moment are kept as the known future:
/// the run is deterministic, so running forward writes the same records again, and a jump
/// forward to a later checkpoint finds them in place. A change of script forgets them.
#[derive(Clone, Debug)]
pub struct Trace<N: Node> {
    records: Vec<Record<N>>,
    /// How many records belong to the present; the rest are the known future.
    len: usize,
    enabled: bool,
    /// About how many bytes the records hold, the known future's included.
    held: usize,
    /// The hash's state after every [`HASHED_BLOCK`] records, from none on: made as
    /// [`Trace::hash`] needs them, so that a page asking for the hash of a long run each frame
    /// hashes only the records since the last whole block.
    block_hashes: RefCell<Vec<u64>>,
}

/// How many records a remembered state of the trace hash covers.
const HASHED_BLOCK: usize = 1024;

impl<N: Node> Default for Trace<N> {
    fn default() -> Self {
        Trace {
            records: Vec::new(),
            len: 0,
            enabled: true,
            held: 0,
            block_hashes: RefCell::new(vec![Fnv1a::default().0]),
        }
    }
}

impl<N: Node> Trace<N> {
    /// The records so far.
    pub fn records(&self) -> &[Record<N>] {
        &self.records[..self.len]
    }

    /// What the nodes noted, with when: the protocol's own account of the run.
    pub fn notes(&self) -> Vec<(Time, N::Note)> {
        self.records()
            .iter()
            .filter_map(|r| match &r.event {
                TraceEvent::Noted { note, .. } => Some((r.at, note.clone())),
                _ => None,
            })
            .collect()
    }

    /// About how many bytes the records hold, the known future's included, and the room their
    /// vector keeps for more.
    pub fn held(&self) -> usize {
        self.held
            + (self.records.capacity() - self.records.len()) * std::mem::size_of::<Record<N>>()
    }

    /// How many records there are.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True before anything happened.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// A 64-bit FNV-1a hash of the records' canonical binary encoding (postcard).
    ///
    /// Two runs with the same hash produced the same events with the same contents at the same
    /// times; the encoding does not depend on the platform's word size.
    pub fn hash(&self) -> u64 {
        let mut blocks = self.block_hashes.borrow_mut();
        let whole = self.len / HASHED_BLOCK;
        let mut buf = Vec::new();
        let mut hash_from = |state: u64, records: &[Record<N>]| {
            let mut hash = Fnv1a(state);
            for record in records {
                buf.clear();
                // Not `expect`: that would ship the encoder's error names in every module.
                buf = postcard::to_extend(record, std::mem::take(&mut buf))
                    .unwrap_or_else(|_| unreachable!("a trace record always encodes"));
                hash.write(&buf);
            }
            hash.0
        };
        while blocks.len() <= whole {
            let k = blocks.len() - 1;
            let block = &self.records[k * HASHED_BLOCK..(k + 1) * HASHED_BLOCK];
            let state = hash_from(blocks[k], block);
            blocks.push(state);
        }
        hash_from(blocks[whole], &self.records[whole * HASHED_BLOCK..self.len])
    }

    pub(crate) fn set_enabled(&mut self, enabled: bool) {
        self.enabled = enabled;
    }

    pub(crate) fn push(&mut self, at: Time, event: TraceEvent<N>) {
        if !self.enabled {
            return;
        }
        let record = Record { at, event };
        match self.records.get_mut(self.len) {
            // Replaying the known future: the same record again.
            Some(slot) => *slot = record,
            None => {
                self.held += record_bytes(&record);
                self.records.push(record);
            }
        }
        self.len += 1;
    }

    /// Goes back to the moment when the trace had `len` records, keeping the rest as the known
    /// future.
    pub(crate) fn rewind(&mut self, len: usize) {
        self.len = len.min(self.records.len());
    }

    /// Forgets the known future.
    pub(crate) fn forget_future(&mut self) {
        let forgotten: usize = self.records[self.len..].iter().map(record_bytes).sum();
        self.held -= forgotten;
        self.records.truncate(self.len);
        // The states of whole blocks in the present stay true; those ahead go with their records.
        self.block_hashes
            .get_mut()
            .truncate(self.len / HASHED_BLOCK + 1);
    }
}

/// About how many bytes `record` holds: its own size, and a message's content (shared with the
/// messages in flight, so counted here once).
fn record_bytes<N: Node>(record: &Record<N>) -> usize {
    let content = match &record.event {
        TraceEvent::Sent {
            msg, copy_of: None, ..
        } => N::message_footprint(msg),
        _ => 0,
    };
    std::mem::size_of::<Record<N>>() + content
}

/// The 64-bit FNV-1a hash of `bytes`: the hash the trace hash is made of, for runs whose record
/// is not a trace.
pub fn fnv1a(bytes: &[u8]) -> u64 {
    let mut hash = Fnv1a::default();
    hash.write(bytes);
    hash.0
}

/// The 64-bit Fowler–Noll–Vo hash, FNV-1a variant, written a piece at a time: the hash of
/// pieces written one after the other is the hash of them joined.
pub struct Fnv1a(u64);

impl Default for Fnv1a {
    fn default() -> Self {
        Fnv1a(0xcbf2_9ce4_8422_2325)
    }
}

impl Fnv1a {
    /// Hashes `bytes` after what was written before.
    pub fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 ^= u64::from(b);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }

    /// The hash of everything written.
    pub fn finish(&self) -> u64 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::Fnv1a;

    #[test]
    fn fnv1a_published_vectors() {
        let hash = |s: &str| {
            let mut h = Fnv1a::default();
            h.write(s.as_bytes());
            h.0
        };
        assert_eq!(hash(""), 0xcbf29ce484222325);
        assert_eq!(hash("a"), 0xaf63dc4c8601ec8c);
        assert_eq!(hash("foobar"), 0x85944171f73967e8);
    }
}
