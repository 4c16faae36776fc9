//! One module per lab: the network labs are [`crate::kit::lab::LabSpec`]s; the Vector clocks
//! and Consistent hashing labs, which have no network, are components of their own.

pub mod clocks;
pub mod crdt;
pub mod gossip;
pub mod hashing;
pub mod paxos;
pub mod raft;
