//! One module per lab: the network labs are [`crate::kit::lab::LabSpec`]s; the Vector clocks
//! and Consistent hashing labs, which have no network, are components of their own.
//!
//! [`PAGES`] is the browser's one list of labs; their names and order come from the registry.

pub mod clocks;
pub mod crdt;
pub mod gossip;
pub mod hashing;
pub mod paxos;
pub mod raft;

use netsplit_sim::lab::Lab;
use yew::prelude::*;

use crate::kit::lab::LabProps;

/// Draws a lab's page.
type Page = fn(LabProps) -> Html;

/// Every lab's page, by the lab's slug.
pub const PAGES: [(&str, Page); 6] = [
    (
        <netsplit_raft::RaftLab as Lab>::ABOUT.slug,
        |p| html! { <raft::RaftView ..p /> },
    ),
    (
        <netsplit_paxos::PaxosLab as Lab>::ABOUT.slug,
        |p| html! { <paxos::PaxosView ..p /> },
    ),
    (
        <netsplit_crdt::CrdtLab as Lab>::ABOUT.slug,
        |p| html! { <crdt::CrdtView ..p /> },
    ),
    (
        <netsplit_gossip::GossipLab as Lab>::ABOUT.slug,
        |p| html! { <gossip::GossipView ..p /> },
    ),
    (
        <netsplit_clocks::ClocksLab as Lab>::ABOUT.slug,
        |p| html! { <clocks::ClocksView ..p /> },
    ),
    (
        <netsplit_hashring::HashingLab as Lab>::ABOUT.slug,
        |p| html! { <hashing::HashingView ..p /> },
    ),
];

/// The page of the lab called `slug`.
pub fn page(slug: &str, props: LabProps) -> Html {
    PAGES
        .iter()
        .find(|(s, _)| *s == slug)
        .map_or_else(Html::default, |(_, page)| page(props))
}
