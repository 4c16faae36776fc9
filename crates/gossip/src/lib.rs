//! # netsplit-gossip: heartbeat failure detection spread by gossip
//!
//! The protocol of van Renesse, Minsky and Hayden, "A Gossip-Style Failure Detection Service"
//! (Middleware 1998), §2. Every node keeps a table with one row per member: the highest
//! heartbeat counter it has heard of, and the local time at which that counter last grew.
//!
//! ```text
//!   every gossip period, node n0:            on a digest from a peer:
//!     heartbeat += 1                           for each (member, counter):
//!     suspect rows silent for > T_fail           counter > mine? take it, stamp now,
//!     send its unsuspected rows ──digest──▶        and trust the member again
//!       to one peer chosen at random
//!
//!   n0 table:  member  heartbeat  last grew  suspected
//!              n0         57        9.50 s     -
//!              n1         42        6.10 s     yes   ◀─ silent for 3.4 s > T_fail = 1.5 s
//!              n2         55        9.20 s     -
//! ```
//!
//! A crashed node's counter stops growing, so every live node suspects it within T_fail plus
//! one gossip period of the last growth it saw: that is the detector's *completeness*. A live
//! node behind a partition stops growing too, which is the detector's inherent *false
//! suspicion*; it ends as soon as a newer counter gets through.
//!
//! Rows a node suspects are left out of its digests, so a dead node's last counter stops
//! spreading once it is stale. The heartbeat counter is written to stable storage, so a
//! restarted node continues above the value its peers remember and is trusted again at once.
//!
//! [`DetectorMonitor`] checks, after every event, that each node's suspicions follow from what
//! it has seen (no trust past the deadline, no suspicion before the timeout) and records how long
//! every crash took to be detected by all live nodes. [`Bug::RefreshOnAnyDigest`]
//! and [`Bug::HastySuspicion`] are deliberately wrong variants that the monitor must catch.
//! [`GossipLab`] describes the lab: its settings, findings, presets and how it is fuzzed.
//!
//! This crate never draws, never reads a clock, and never uses randomness other than the
//! engine's seeded generator.

pub mod lab;
mod monitor;
mod presets;

use netsplit_sim::{Context, Link, NoCommand, Node, NodeId, Sim, Span, Time, check_range};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::ops::RangeInclusive;

pub use lab::GossipLab;
pub use monitor::{Detection, DetectorMonitor};

/// A run of the Gossip lab, with its monitor.
pub type GossipSim = Sim<GossipNode, DetectorMonitor>;
/// A scenario of the Gossip lab.
pub type GossipScenario = netsplit_sim::lab::LabScenario<Params, netsplit_sim::NoCommand>;

/// A deliberately wrong variant of the protocol, for seeing the monitor fail.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Bug {
    /// Refreshes "last grew" for every row in a digest, even when the counter did not grow, so
    /// a dead node that others still mention never looks silent.
    RefreshOnAnyDigest,
    /// Suspects a member after one silent gossip period instead of T_fail.
    HastySuspicion,
}

impl Bug {
    /// Every bug, for menus.
    pub const ALL: [Bug; 2] = [Bug::RefreshOnAnyDigest, Bug::HastySuspicion];

    /// A short name for menus and the command line.
    pub fn name(self) -> &'static str {
        match self {
            Bug::RefreshOnAnyDigest => "refresh-on-any-digest",
            Bug::HastySuspicion => "hasty-suspicion",
        }
    }

    /// What the bug does, in one sentence.
    pub fn describe(self) -> &'static str {
        match self {
            Bug::RefreshOnAnyDigest => {
                "Refresh a member's timestamp whenever a digest mentions it, grown or not."
            }
            Bug::HastySuspicion => "Suspect a member after one silent gossip period, not T_fail.",
        }
    }
}

/// The Gossip lab's parameters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Params {
    /// How many nodes the cluster has.
    pub nodes: usize,
    /// How often each node beats and gossips.
    pub gossip_period: Span,
    /// How long a counter may stay still before its member is suspected (T_fail).
    pub fail_after: Span,
    /// A deliberately wrong variant, or `None` for the protocol as published.
    pub bug: Option<Bug>,
}

impl Default for Params {
    fn default() -> Params {
        Params {
            nodes: 6,
            gossip_period: Span::millis(250),
            // Ten periods: with six nodes, a live member is falsely suspected about once in
            // ten minutes of calm; five periods would do it several times a minute.
            fail_after: Span::millis(2500),
            bug: None,
        }
    }
}

impl Params {
    /// Allowed cluster sizes.
    pub const NODES: RangeInclusive<usize> = 2..=12;
    /// Allowed gossip periods, in milliseconds.
    pub const GOSSIP_PERIOD_MS: RangeInclusive<u64> = 50..=5_000;
    /// Allowed failure timeouts, in milliseconds; at least two gossip periods as well.
    pub const FAIL_AFTER_MS: RangeInclusive<u64> = 100..=60_000;

    /// Refuses out-of-range values, naming the allowed range.
    pub fn validate(&self) -> Result<(), String> {
        let (lo, hi) = Self::NODES.into_inner();
        check_range("nodes", self.nodes as u64, lo as u64, hi as u64, "")?;
        let period = self.gossip_period.as_millis();
        let (lo, hi) = Self::GOSSIP_PERIOD_MS.into_inner();
        check_range("gossip period", period, lo, hi, " ms")?;
        let (lo, hi) = Self::FAIL_AFTER_MS.into_inner();
        check_range(
            "failure timeout",
            self.fail_after.as_millis(),
            lo,
            hi,
            " ms",
        )?;
        if self.fail_after.as_millis() < 2 * period {
            return Err(format!(
                "failure timeout must be at least two gossip periods ({} ms), got {} ms",
                2 * period,
                self.fail_after.as_millis()
            ));
        }
        Ok(())
    }

    /// A run of this cluster on a network whose links behave like `link`.
    pub fn build(&self, link: Link, seed: u64) -> GossipSim {
        Sim::new(*self, self.nodes, link, seed, DetectorMonitor::new(self))
    }
}

/// One row of a node's membership table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Member {
    /// The highest heartbeat counter heard of.
    pub heartbeat: u64,
    /// When that counter last grew, by this node's reckoning.
    pub last_growth: Time,
    /// Whether this node currently suspects the member has failed.
    pub suspected: bool,
}

/// A gossiping node.
#[derive(Clone, Debug)]
pub struct GossipNode {
    id: NodeId,
    params: Params,
    members: Vec<Member>,
}

impl GossipNode {
    /// This node's table, one row per member, its own row included.
    pub fn members(&self) -> &[Member] {
        &self.members
    }

    /// This node's own heartbeat counter.
    pub fn heartbeat(&self) -> u64 {
        self.members[self.id.index()].heartbeat
    }

    /// The members this node suspects.
    pub fn suspects(&self) -> impl Iterator<Item = NodeId> + '_ {
        NodeId::all(self.members.len()).filter(|m| self.members[m.index()].suspected)
    }

    fn check_suspicions(&mut self, ctx: &mut Context<'_, Self>) {
        let now = ctx.now();
        let timeout = if self.params.bug == Some(Bug::HastySuspicion) {
            self.params.gossip_period
        } else {
            self.params.fail_after
        };
        for (index, member) in self.members.iter_mut().enumerate() {
            let silent_for = now.since(member.last_growth);
            if index != self.id.index() && !member.suspected && silent_for > timeout {
                member.suspected = true;
                ctx.note(Note::Suspects {
                    node: self.id,
                    peer: NodeId(index as u16),
                    silent_for,
                });
            }
        }
    }

    fn digest(&self) -> Vec<(NodeId, u64)> {
        let mut rows = Vec::with_capacity(self.members.len());
        rows.extend(
            self.members
                .iter()
                .enumerate()
                .filter(|(_, m)| !m.suspected)
                .map(|(i, m)| (NodeId(i as u16), m.heartbeat)),
        );
        rows
    }
}

/// A gossip message: the sender's unsuspected rows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Digest(pub Vec<(NodeId, u64)>);

impl fmt::Display for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a digest of {} heartbeats", self.0.len())
    }
}

/// The one timer: beat, check, gossip.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tick;

impl fmt::Display for Tick {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("gossip")
    }
}

/// What a node notes in the trace.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Note {
    /// `node` suspects `peer`: its counter has not grown for `silent_for`.
    Suspects {
        /// The suspecting node.
        node: NodeId,
        /// The suspected member.
        peer: NodeId,
        /// How long the counter had been still.
        silent_for: Span,
    },
    /// `node` trusts `peer` again: its counter grew to `heartbeat`.
    Trusts {
        /// The trusting node.
        node: NodeId,
        /// The member trusted again.
        peer: NodeId,
        /// The new counter.
        heartbeat: u64,
    },
}

impl fmt::Display for Note {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Note::Suspects {
                node,
                peer,
                silent_for,
            } => write!(f, "{node} suspects {peer}: no heartbeat for {silent_for}"),
            Note::Trusts {
                node,
                peer,
                heartbeat,
            } => write!(
                f,
                "{node} trusts {peer} again: its heartbeat grew to {heartbeat}"
            ),
        }
    }
}

impl Node for GossipNode {
    type Config = Params;
    type Msg = Digest;
    type Timer = Tick;
    type Command = NoCommand;
    type Note = Note;
    /// The node's own heartbeat counter.
    type Durable = u64;

    fn boot(params: &Params, id: NodeId, cluster_size: usize, durable: Option<u64>) -> Self {
        let mut members = vec![
            Member {
                heartbeat: 0,
                last_growth: Time::ZERO,
                suspected: false,
            };
            cluster_size
        ];
        members[id.index()].heartbeat = durable.unwrap_or(0);
        GossipNode {
            id,
            params: *params,
            members,
        }
    }

    fn on_start(&mut self, ctx: &mut Context<'_, Self>) {
        let now = ctx.now();
        self.members.iter_mut().for_each(|m| m.last_growth = now);
        // A random first beat keeps the nodes from gossiping in lockstep.
        let first = ctx.random_span(Span::millis(1), self.params.gossip_period);
        ctx.set_timer(Tick, first);
    }

    fn on_message(&mut self, ctx: &mut Context<'_, Self>, _from: NodeId, digest: Digest) {
        let now = ctx.now();
        for (peer, heartbeat) in digest.0 {
            let Some(member) = self.members.get_mut(peer.index()) else {
                continue;
            };
            if heartbeat > member.heartbeat {
                member.heartbeat = heartbeat;
                member.last_growth = now;
                if member.suspected {
                    member.suspected = false;
                    ctx.note(Note::Trusts {
                        node: self.id,
                        peer,
                        heartbeat,
                    });
                }
            } else if self.params.bug == Some(Bug::RefreshOnAnyDigest) && peer != self.id {
                member.last_growth = now;
            }
        }
    }

    fn on_timer(&mut self, ctx: &mut Context<'_, Self>, _: Tick) {
        let me = &mut self.members[self.id.index()];
        me.heartbeat += 1;
        me.last_growth = ctx.now();
        self.check_suspicions(ctx);
        if let Some(peer) = ctx.random_peer() {
            ctx.send(peer, Digest(self.digest()));
        }
        ctx.set_timer(Tick, self.params.gossip_period);
    }

    fn on_command(&mut self, _: &mut Context<'_, Self>, command: NoCommand) {
        match command {}
    }

    fn durable(&self) -> u64 {
        self.heartbeat()
    }
}
