//! # netsplit-sim: the deterministic engine under every lab
//!
//! A discrete-event simulator for message-passing protocols. A [`Sim`] owns a set of nodes, a
//! queue of future events ordered by `(time, ticket)` (a ticket is a sequence number, so equal
//! times keep the order they were scheduled in), one seeded [`Rng`] and a [`Network`].
//! Protocol code implements [`Node`] and never touches the world directly: every handler gets
//! a [`Context`] that records effects (send, set or cancel a timer, note something for the
//! trace), and the engine turns those effects into future events.
//!
//! ```text
//!   Action (user, timed) ─┐
//!                         ▼
//!   ┌────────── event queue ───────────┐  pop   ┌──────────────┐ effects ┌──────────┐
//!   │ (t, ticket) → deliver/timer      │ ─────▶ │ Node handler │ ──────▶ │ Network  │
//!   └──────────────────────────────────┘        └──────────────┘         └────┬─────┘
//!           ▲                                          │ trace + monitors     │ latency,
//!           └──────────────────────────────────────────┴──────────────────────┘ loss, dup
//! ```
//!
//! ## What it guarantees
//! - **Determinism.** A run is a pure function of the node configuration, the network settings,
//!   the seed and the timed actions. The engine never reads a clock, never asks the OS for
//!   randomness, never iterates a `HashMap`, and does no I/O. The same inputs give the same
//!   [`Trace`] (and the same [`Trace::hash`]) on the host and in WebAssembly.
//! - **Crash semantics.** A crash discards a node's volatile state and its timers; what the node
//!   declared [`Node::durable`] at the moment of the crash is handed back when it restarts.
//! - **Explained drops.** Every message ends in exactly one `Delivered` or `Dropped` record, and a
//!   drop says why (lost by the network, partitioned, destination down, dropped by the user).
//! - **Live checking.** A [`Monitor`] sees every event and the nodes right after it, and can record
//!   a [`Violation`] with a readable explanation and the nodes and trace events involved.
//! - **Time travel.** [`Sim::seek`] restores the nearest earlier checkpoint and re-runs to the
//!   requested moment; because the run is deterministic the result is the run itself.
//!
//! ## Labs
//! [`lab`] holds the contract every lab fulfils ([`lab::Lab`], and [`lab::NetworkLab`] for a
//! protocol on this engine): its scenario, validation, presets, findings and fuzzing, so that
//! the registry, the command line and the browser treat every lab alike. [`random_faults`]
//! draws the crash, partition and bad-link schedules that fuzzing uses.
//!
//! ## What it never does
//! It knows nothing about the browser, drawing, or any particular protocol. Labs build on it;
//! the user interface reads [`Sim::snapshot`] and speaks to the run only through [`Action`]s.

mod action;
mod clock;
mod engine;
mod faults;
pub mod lab;
mod monitor;
mod network;
mod node;
mod rng;
mod time;
mod trace;

pub use action::{Action, NoCommand, Timed};
pub use clock::{Clock, DRIFT_RANGE, MAX_JUMP, MAX_PAUSE, check_process_action};
pub use engine::{
    CHECKPOINT_BUDGET, InFlight, MAX_CHECKPOINTS, MAX_EVENTS, MAX_RECORDS, MEMORY_BUDGET,
    MEMORY_STOP, MessageState, Sim, Slot, Snapshot,
};
pub use faults::{FaultPlan, Strike, random_crashes, random_faults};
pub use monitor::{Monitor, NoMonitor, Observation, Violation};
pub use network::{Chance, Link, Network, NetworkError, Partition};
pub use node::{Context, Node, NodeId, map_bytes, set_bytes};
pub use rng::Rng;
pub use time::{Span, Time};
pub use trace::{DropReason, Fnv1a, MsgId, Record, Trace, TraceEvent, fnv1a};

/// Writes `value` rounded to `places` decimals ("12.3"), by integer formatting only: the same
/// text on every platform, and Rust's float formatting would add kilobytes to the browser build.
pub fn decimal(value: f64, places: u32) -> String {
    let scale = 10u64.pow(places);
    let scaled = (value.abs() * scale as f64).round() as u64;
    let sign = if value < 0.0 && scaled > 0 { "-" } else { "" };
    if places == 0 {
        return format!("{sign}{scaled}");
    }
    let width = places as usize;
    format!("{sign}{}.{:0width$}", scaled / scale, scaled % scale)
}

/// Refuses `value` outside `lo..=hi`, naming the setting and the allowed range:
/// "nodes must be between 2 and 12, got 40". Labs validate their parameters with it.
pub fn check_range(what: &str, value: u64, lo: u64, hi: u64, unit: &str) -> Result<(), String> {
    if (lo..=hi).contains(&value) {
        Ok(())
    } else {
        Err(format!(
            "{what} must be between {lo}{unit} and {hi}{unit}, got {value}{unit}"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::decimal;

    #[test]
    fn decimals_round_half_away_from_zero_and_keep_leading_zeros() {
        assert_eq!(decimal(12.34, 1), "12.3");
        assert_eq!(decimal(-0.06, 1), "-0.1");
        assert_eq!(decimal(-0.04, 1), "0.0");
        assert_eq!(decimal(7.0, 1), "7.0");
        assert_eq!(decimal(1.005_1, 2), "1.01");
        assert_eq!(decimal(3.07, 2), "3.07");
        assert_eq!(decimal(0.5, 0), "1");
        assert_eq!(decimal(11.1111, 3), "11.111");
    }
}
