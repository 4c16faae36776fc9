//! One module per lab: the network labs are [`crate::kit::spec::LabSpec`]s; the Vector clocks
//! and Consistent hashing labs, which have no network, are components of their own.
//!
//! [`PAGES`] is the browser's one list of labs' pages; their names and order come from the
//! registry, and each lab's crate is reached through it (`netsplit_labs::raft`).

pub mod clocks;
pub mod crdt;
pub mod gossip;
pub mod hashing;
pub mod paxos;
pub mod raft;

use netsplit_labs as lab;
use netsplit_sim::lab::Lab;
use yew::prelude::*;

use crate::kit::lab::{LabProps, network_page};

/// Draws a lab's page.
type Page = fn(LabProps) -> Html;

/// Every lab's page, by the lab's slug.
pub const PAGES: &[(&str, Page)] = &[
    (
        <lab::raft::RaftLab as Lab>::ABOUT.slug,
        network_page::<raft::RaftSpec>,
    ),
    (
        <lab::paxos::PaxosLab as Lab>::ABOUT.slug,
        network_page::<paxos::PaxosSpec>,
    ),
    (
        <lab::crdt::CrdtLab as Lab>::ABOUT.slug,
        network_page::<crdt::CrdtSpec>,
    ),
    (
        <lab::gossip::GossipLab as Lab>::ABOUT.slug,
        network_page::<gossip::GossipSpec>,
    ),
    (
        <lab::clocks::ClocksLab as Lab>::ABOUT.slug,
        |p| html! { <clocks::ClocksView ..p /> },
    ),
    (
        <lab::hashing::HashingLab as Lab>::ABOUT.slug,
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

#[cfg(test)]
mod tests {
    use super::PAGES;

    #[test]
    fn every_lab_in_the_registry_has_a_page_and_every_page_a_lab() {
        let pages: Vec<&str> = PAGES.iter().map(|(slug, _)| *slug).collect();
        let labs: Vec<&str> = netsplit_labs::LABS.iter().map(|lab| lab.slug).collect();
        assert_eq!(pages, labs, "pages follow the registry's menu order");
    }
}
