//! Invariant monitors: checks that run after every event and explain what they find.

use serde::{Deserialize, Serialize};

use crate::engine::Slot;
use crate::node::{Node, NodeId};
use crate::time::Time;
use crate::trace::TraceEvent;

/// A broken property, explained.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Violation {
    /// The property's short name, such as "Election Safety".
    pub property: String,
    /// What went wrong, in plain words, naming nodes and values.
    pub explanation: String,
    /// The nodes involved.
    pub nodes: Vec<NodeId>,
    /// Indexes into the trace of the events that matter.
    pub events: Vec<usize>,
    /// Positions in the nodes' logs involved (log indexes, slots), for labs that keep logs.
    pub indexes: Vec<u64>,
}

/// What a monitor sees after each event.
pub struct Observation<'a, N: Node> {
    /// The time of the event.
    pub now: Time,
    /// The event's index in the trace.
    pub index: usize,
    /// The event itself.
    pub event: &'a TraceEvent<N>,
    /// Every node, right after the event.
    pub nodes: &'a [Slot<N>],
}

/// A checker that runs after every event. It is part of the run's state, so it is cloned into
/// checkpoints and rewinds with time travel.
pub trait Monitor<N: Node>: Clone {
    /// Looks at the world after one event; pushes any violation it finds.
    fn observe(&mut self, seen: &Observation<'_, N>, violations: &mut Vec<Violation>);
    /// About how many bytes the monitor holds, its heap included, as [`Node::footprint`].
    fn footprint(&self) -> usize {
        std::mem::size_of_val(self)
    }
}

/// The monitor of a run that checks nothing.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoMonitor;

impl<N: Node> Monitor<N> for NoMonitor {
    fn observe(&mut self, _: &Observation<'_, N>, _: &mut Vec<Violation>) {}
}
