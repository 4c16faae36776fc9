//! The one trait every protocol node implements, and the context it acts through.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::fmt;

use crate::rng::Rng;
use crate::time::{Span, Time};

/// A node's name: its index in the cluster, shown as `n0`, `n1`, …
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct NodeId(pub u16);

impl NodeId {
    /// The position of this node in the cluster.
    pub fn index(self) -> usize {
        usize::from(self.0)
    }

    /// Every id of a cluster of `n` nodes, in order.
    pub fn all(n: usize) -> impl Iterator<Item = NodeId> + Clone {
        (0..n).map(|i| NodeId(i as u16))
    }
}

impl fmt::Display for NodeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "n{}", self.0)
    }
}

/// A protocol participant.
///
/// Messages, timers, commands and notes display as short plain words ("heartbeat digest of 5
/// entries", "n3 suspects n1"): the trace narrates itself with them.
///
/// Handlers never see the simulator: they read their own state, act through the [`Context`],
/// and return. The engine calls [`Node::boot`] to make a node at the start of a run and again
/// when a crashed node restarts, then [`Node::on_start`].
pub trait Node: Clone + fmt::Debug + Sized + 'static {
    /// Everything a node needs to boot that is the same for the whole cluster.
    type Config: Clone + fmt::Debug;
    /// What travels between nodes.
    type Msg: Clone + fmt::Debug + fmt::Display + Serialize + DeserializeOwned;
    /// A timer's name. Setting a timer that is already set moves it.
    type Timer: Clone + fmt::Debug + fmt::Display + PartialEq + Serialize + DeserializeOwned;
    /// A request from outside the cluster (a client, a user), delivered by an [`crate::Action`].
    type Command: Clone + fmt::Debug + fmt::Display + Serialize + DeserializeOwned;
    /// Something the node wants in the trace: a role change, a suspicion, a decision.
    type Note: Clone + fmt::Debug + fmt::Display + Serialize + DeserializeOwned;
    /// What survives a crash: the node's stable storage.
    type Durable: Clone + fmt::Debug;

    /// Makes node `id` of a cluster of `cluster_size`, from stable storage after a restart.
    fn boot(
        config: &Self::Config,
        id: NodeId,
        cluster_size: usize,
        durable: Option<Self::Durable>,
    ) -> Self;
    /// Called once after boot: set the first timers here.
    fn on_start(&mut self, ctx: &mut Context<'_, Self>);
    /// A message from `from` has arrived.
    fn on_message(&mut self, ctx: &mut Context<'_, Self>, from: NodeId, msg: Self::Msg);
    /// A timer set earlier has fired.
    fn on_timer(&mut self, ctx: &mut Context<'_, Self>, timer: Self::Timer);
    /// A command from outside has arrived.
    fn on_command(&mut self, ctx: &mut Context<'_, Self>, command: Self::Command);
    /// The state written to stable storage; handed back by `boot` after a crash.
    fn durable(&self) -> Self::Durable;
    /// About how many bytes the node holds, its heap included: the engine keeps its
    /// checkpoints, each a copy of every node, within [`crate::CHECKPOINT_BUDGET`] by it. The
    /// default counts the node's own size; a node that grows (a log, a set) adds what it holds.
    fn footprint(&self) -> usize {
        std::mem::size_of_val(self)
    }
    /// About how many bytes message `msg` holds, its heap included, as [`Node::footprint`]: the
    /// trace keeps every message sent.
    fn message_footprint(msg: &Self::Msg) -> usize {
        std::mem::size_of_val(msg)
    }
}

/// What a handler asked for; applied by the engine when the handler returns.
#[derive(Clone, Debug)]
pub(crate) enum Effect<N: Node> {
    Send(NodeId, N::Msg),
    SetTimer(N::Timer, Span),
    CancelTimer(N::Timer),
    Note(N::Note),
}

/// A node's only way to act on the world.
pub struct Context<'a, N: Node> {
    pub(crate) id: NodeId,
    pub(crate) now: Time,
    pub(crate) local_now: Time,
    pub(crate) cluster_size: usize,
    pub(crate) rng: &'a mut Rng,
    pub(crate) effects: &'a mut Vec<Effect<N>>,
}

impl<N: Node> Context<'_, N> {
    /// The node being run.
    pub fn id(&self) -> NodeId {
        self.id
    }

    /// The current virtual time, true time: what the engine orders events by, and what no
    /// real process can read. A node that measures time should read [`Context::local_now`].
    pub fn now(&self) -> Time {
        self.now
    }

    /// What this node's own clock reads now: true time through the offset and drift that
    /// [`crate::Action::Drift`] and [`crate::Action::JumpClock`] give it (true time until then).
    pub fn local_now(&self) -> Time {
        self.local_now
    }

    /// How many nodes the cluster has.
    pub fn cluster_size(&self) -> usize {
        self.cluster_size
    }

    /// Every node of the cluster except this one.
    pub fn peers(&self) -> impl Iterator<Item = NodeId> + '_ {
        NodeId::all(self.cluster_size).filter(move |&p| p != self.id)
    }

    /// Sends `msg` to `to` through the network.
    pub fn send(&mut self, to: NodeId, msg: N::Msg) {
        self.effects.push(Effect::Send(to, msg));
    }

    /// Fires `timer` when this node's clock has moved on by `after`, replacing it if it is
    /// already set.
    pub fn set_timer(&mut self, timer: N::Timer, after: Span) {
        self.effects.push(Effect::SetTimer(timer, after));
    }

    /// Stops `timer` from firing; nothing happens if it is not set.
    pub fn cancel_timer(&mut self, timer: N::Timer) {
        self.effects.push(Effect::CancelTimer(timer));
    }

    /// Records `note` in the trace, stamped with this node and the current time.
    pub fn note(&mut self, note: N::Note) {
        self.effects.push(Effect::Note(note));
    }

    /// A uniform random number in `0..bound`, drawn from the run's seeded generator.
    pub fn random_below(&mut self, bound: u64) -> u64 {
        self.rng.below(bound)
    }

    /// A uniform random span in `low..=high`, for randomized timeouts.
    pub fn random_span(&mut self, low: Span, high: Span) -> Span {
        Span(self.rng.between(low.0, high.0))
    }

    /// A peer other than this node, chosen uniformly at random; `None` in a cluster of one.
    pub fn random_peer(&mut self) -> Option<NodeId> {
        if self.cluster_size < 2 {
            return None;
        }
        let pick = self.rng.below(self.cluster_size as u64 - 1) as u16;
        Some(if pick >= self.id.0 {
            NodeId(pick + 1)
        } else {
            NodeId(pick)
        })
    }
}

/// About how many bytes the entries of `map` take on the heap (a B-tree's nodes are about two
/// thirds full), for a [`Node::footprint`] or a monitor's.
pub fn map_bytes<K, V>(map: &std::collections::BTreeMap<K, V>) -> usize {
    map.len() * (std::mem::size_of::<K>() + std::mem::size_of::<V>()) * 3 / 2
}

/// About how many bytes the elements of `set` take on the heap, as [`map_bytes`].
pub fn set_bytes<T>(set: &std::collections::BTreeSet<T>) -> usize {
    set.len() * std::mem::size_of::<T>() * 3 / 2
}
