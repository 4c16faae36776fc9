//! # netsplit-history: what clients saw, and whether any store could have shown it
//!
//! A history is every operation clients made on a key-value store: who asked, which key,
//! read or write, when the request went out and when the answer came, and the answer. It is
//! the only evidence a consistency claim can be judged by: whatever the replicas did inside,
//! a client sees only its answers. This crate judges a history three ways.
//!
//! - **Linearizability** ([`linear`]; Herlihy and Wing 1990): is there one order of all the
//!   operations that keeps each inside its own time span and gives every read the value of
//!   the last write before it? The search is Wing and Gong's (1993), with Lowe's just-in-time
//!   linearization (2017): an operation is placed in the order only when a return forces it,
//!   and a read is placed as soon as the value it returned is the register's. Keys are
//!   independent registers, so each key is checked on its own (as Porcupine partitions a
//!   history). A write whose client never heard back may have taken effect at any moment
//!   after it began, or never; a refused operation never took effect. When no order exists,
//!   [`linear::smallest_unorderable`] finds a smallest set of operations that still cannot be
//!   ordered (removing any one of them makes the rest orderable), and
//!   [`linear::explain`] says why in words.
//! - **Session guarantees** ([`sessions`]; Terry et al. 1994): read your writes, monotonic
//!   reads, monotonic writes and writes follow reads, judged from the history alone: a read
//!   breaks one when everything it returned is *older* than a write the client had seen,
//!   wrote, or depended on, where a write is older than another when it finished before the
//!   other began. The same order counts stale reads (a read that missed a write finished
//!   before it began) and how stale they were.
//! - The [`text`] format: a history as lines a person can read and write, for
//!   `netsplit check-history` and the browser's download.
//!
//! Values written are unique (a store's clients write each value once), so a read's value
//! names the write it saw. Times are whole milliseconds; an operation precedes another when
//! it returned strictly before the other was invoked, so two that touch at one millisecond
//! are concurrent. This crate never reads a clock, never allocates without bound on input it
//! has not been shown, and iterates only ordered maps.

pub mod linear;
pub mod sessions;
pub mod text;

use serde::{Deserialize, Serialize};
use std::fmt;

/// An operation's place in its history.
pub type OpId = u32;

/// Read or write.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Kind {
    /// A read of the key.
    Read,
    /// A write of this value.
    Write(u32),
}

/// How an operation ended.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Outcome {
    /// It took effect. A read's values: none when the key was never written, two or more when
    /// the store returned siblings; a write's are none.
    Ok(Vec<u32>),
    /// The store refused it before it could take effect.
    Failed,
    /// No answer (the client gave up, or the store could not tell): a write may have taken
    /// effect at any moment after it began, or never.
    Unknown,
}

/// One client operation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Op {
    /// The client, from 0.
    pub client: u16,
    /// The key.
    pub key: u8,
    /// Read or write.
    pub kind: Kind,
    /// When the client sent the request, in milliseconds.
    pub invoked: u64,
    /// When the answer came or the client gave up; `None` while it is still waiting.
    pub returned: Option<u64>,
    /// How it ended (meaningless while `returned` is `None`).
    pub outcome: Outcome,
}

impl Op {
    /// Whether the operation took effect and returned.
    pub fn ok(&self) -> bool {
        self.returned.is_some() && matches!(self.outcome, Outcome::Ok(_))
    }

    /// A read's values, once it returned them.
    pub fn values(&self) -> Option<&[u32]> {
        match (&self.outcome, self.kind, self.returned) {
            (Outcome::Ok(values), Kind::Read, Some(_)) => Some(values),
            _ => None,
        }
    }

    /// Whether `self` returned before `other` began: every order must put it first.
    pub fn precedes(&self, other: &Op) -> bool {
        self.ok() && self.returned.is_some_and(|r| r < other.invoked)
    }
}

impl fmt::Display for Op {
    /// "c1 wrote 7 to k0 (120–131 ms)", "c2 read k0: 7 (140–152 ms)".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let span = |f: &mut fmt::Formatter<'_>| match self.returned {
            Some(r) => write!(f, " ({}–{r} ms)", self.invoked),
            None => write!(f, " (from {} ms)", self.invoked),
        };
        match (self.kind, &self.outcome) {
            (Kind::Write(v), Outcome::Ok(_)) => {
                write!(f, "c{} wrote {v} to k{}", self.client, self.key)?
            }
            (Kind::Write(v), Outcome::Failed) => write!(
                f,
                "c{}'s write of {v} to k{} was refused",
                self.client, self.key
            )?,
            (Kind::Write(v), Outcome::Unknown) => write!(
                f,
                "c{}'s write of {v} to k{} got no answer",
                self.client, self.key
            )?,
            (Kind::Read, Outcome::Ok(values)) => {
                write!(f, "c{} read k{}: {}", self.client, self.key, Values(values))?
            }
            (Kind::Read, Outcome::Failed) => {
                write!(f, "c{}'s read of k{} was refused", self.client, self.key)?
            }
            (Kind::Read, Outcome::Unknown) => {
                write!(f, "c{}'s read of k{} got no answer", self.client, self.key)?
            }
        }
        span(f)
    }
}

/// A read's values in words: "nothing", "7", "7 and 9 (siblings)".
pub struct Values<'a>(pub &'a [u32]);

impl fmt::Display for Values<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            [] => f.write_str("nothing"),
            [v] => write!(f, "{v}"),
            [init @ .., last] => {
                let init: Vec<String> = init.iter().map(ToString::to_string).collect();
                write!(f, "{} and {last} (siblings)", init.join(", "))
            }
        }
    }
}

/// Every operation clients made, in the order they began.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct History {
    /// The operations; an operation's [`OpId`] is its place here.
    pub ops: Vec<Op>,
}

impl History {
    /// Records an operation as it begins and returns its id.
    pub fn invoke(&mut self, client: u16, key: u8, kind: Kind, at: u64) -> OpId {
        self.ops.push(Op {
            client,
            key,
            kind,
            invoked: at,
            returned: None,
            outcome: Outcome::Unknown,
        });
        (self.ops.len() - 1) as OpId
    }

    /// Records how operation `id` ended.
    pub fn finish(&mut self, id: OpId, at: u64, outcome: Outcome) {
        let op = &mut self.ops[id as usize];
        op.returned = Some(at);
        op.outcome = outcome;
    }

    /// The operation `id`.
    pub fn op(&self, id: OpId) -> &Op {
        &self.ops[id as usize]
    }
}
