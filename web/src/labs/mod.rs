//! One module per lab.

pub mod gossip;
