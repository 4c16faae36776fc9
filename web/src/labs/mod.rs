//! One module per lab, each a [`crate::kit::lab::LabSpec`].

pub mod gossip;
pub mod raft;
