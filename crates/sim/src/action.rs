//! What a user (or a scenario file) can do to a run, and when.

use serde::{Deserialize, Serialize};
use std::fmt;

use crate::network::{Link, Partition};
use crate::node::NodeId;
use crate::time::{Span, Time};
use crate::trace::MsgId;

/// One intervention in a run. Recorded with its time, it replays exactly.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action<C> {
    /// Stop a node: its volatile state and timers are lost.
    Crash(NodeId),
    /// Boot a crashed node again from its durable state.
    Restart(NodeId),
    /// Split the network into groups (nodes not named form one more group).
    Partition(Partition),
    /// Make the network whole again.
    Heal,
    /// Change every link that has no setting of its own.
    SetLinks(Link),
    /// Give the one-way link from the first node to the second a setting of its own.
    SetLink(NodeId, NodeId, Link),
    /// Deliver a command to a node, as a client would.
    Command(NodeId, C),
    /// Remove a message from the network.
    DropMessage(MsgId),
    /// Keep a message in the network until it is released.
    HoldMessage(MsgId),
    /// Let a held message continue; it arrives after the rest of its delay.
    ReleaseMessage(MsgId),
    /// Deliver a message in flight right away.
    DeliverNow(MsgId),
    /// Stop a node's process for a span, as a stop-the-world garbage collection does: it runs
    /// no handler, and the messages that reach it and the timers that fall due wait; when it
    /// resumes it handles them, late, each as if no time had passed since it last looked.
    Pause(NodeId, Span),
    /// From now on the node's clock runs at this many thousandths of true time (1000: on time).
    Drift(NodeId, u32),
    /// Move the node's clock by this many milliseconds, forward or (when negative) back; its
    /// timers, set on that clock, fall due earlier or later.
    JumpClock(NodeId, i64),
}

/// An action and the virtual time at which it happens.
///
/// An action at time `t` runs after every network and timer event at `t`, so an action taken
/// live in the browser at `t` and the same action replayed from a scenario land at the same
/// point of the run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Timed<A> {
    /// When the action happens.
    pub at: Time,
    /// What happens.
    pub action: A,
}

/// The command type of a lab whose nodes take no commands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum NoCommand {}

impl fmt::Display for NoCommand {
    fn fmt(&self, _: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {}
    }
}

impl Action<NoCommand> {
    /// The same action in a run whose nodes take commands of type `C`: an action without a
    /// command means the same in every lab.
    pub fn for_commands<C>(self) -> Action<C> {
        match self {
            Action::Crash(n) => Action::Crash(n),
            Action::Restart(n) => Action::Restart(n),
            Action::Partition(p) => Action::Partition(p),
            Action::Heal => Action::Heal,
            Action::SetLinks(link) => Action::SetLinks(link),
            Action::SetLink(from, to, link) => Action::SetLink(from, to, link),
            Action::Command(_, command) => match command {},
            Action::DropMessage(id) => Action::DropMessage(id),
            Action::HoldMessage(id) => Action::HoldMessage(id),
            Action::ReleaseMessage(id) => Action::ReleaseMessage(id),
            Action::DeliverNow(id) => Action::DeliverNow(id),
            Action::Pause(n, span) => Action::Pause(n, span),
            Action::Drift(n, rate) => Action::Drift(n, rate),
            Action::JumpClock(n, ms) => Action::JumpClock(n, ms),
        }
    }
}
