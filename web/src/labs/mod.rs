//! One module per lab: the network labs are [`crate::kit::lab::LabSpec`]s; the Vector clocks
//! lab, which has no network, is a component of its own.

pub mod clocks;
pub mod gossip;
pub mod raft;
