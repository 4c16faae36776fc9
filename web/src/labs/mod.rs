//! One module per lab: the network labs are [`crate::kit::spec::LabSpec`]s; the Vector clocks
//! and Consistent hashing labs, which have no network, are components of their own.
//!
//! Each lab has a [`Page`]; [`PAGES`] is the browser's one list of them, in the registry's
//! order, and each lab's crate is reached through the registry (`netsplit_labs::raft`).

pub mod clocks;
pub mod coordination;
pub mod crdt;
pub mod gossip;
pub mod hashing;
pub mod paxos;
pub mod raft;
pub mod transactions;

use netsplit_labs as lab;
use netsplit_sim::lab::{About, Lab};
use yew::prelude::*;

use crate::kit::lab::{LabProps, network_page};

/// A lab's page in the browser: the lab, and how to draw it.
#[derive(Clone, Copy)]
pub struct Page {
    /// The lab it shows.
    pub about: About,
    /// Draws the lab.
    pub draw: fn(LabProps) -> Html,
}

/// The Raft lab's page.
pub const RAFT: Page = Page {
    about: <lab::raft::RaftLab as Lab>::ABOUT,
    draw: network_page::<raft::RaftSpec>,
};
/// The Paxos lab's page.
pub const PAXOS: Page = Page {
    about: <lab::paxos::PaxosLab as Lab>::ABOUT,
    draw: network_page::<paxos::PaxosSpec>,
};
/// The CRDT lab's page.
pub const CRDT: Page = Page {
    about: <lab::crdt::CrdtLab as Lab>::ABOUT,
    draw: network_page::<crdt::CrdtSpec>,
};
/// The Gossip lab's page.
pub const GOSSIP: Page = Page {
    about: <lab::gossip::GossipLab as Lab>::ABOUT,
    draw: network_page::<gossip::GossipSpec>,
};
/// The Vector clocks lab's page.
pub const CLOCKS: Page = Page {
    about: <lab::clocks::ClocksLab as Lab>::ABOUT,
    draw: |p| html! { <clocks::ClocksView ..p /> },
};
/// The Consistent hashing lab's page.
pub const HASHING: Page = Page {
    about: <lab::hashing::HashingLab as Lab>::ABOUT,
    draw: |p| html! { <hashing::HashingView ..p /> },
};

/// The Coordination lab's page.
pub const COORDINATION: Page = Page {
    about: <lab::coordination::CoordLab as Lab>::ABOUT,
    draw: network_page::<coordination::CoordSpec>,
};

/// The Transactions lab's page.
pub const TRANSACTIONS: Page = Page {
    about: <lab::transactions::TxnLab as Lab>::ABOUT,
    draw: network_page::<transactions::TxnSpec>,
};

/// Every lab's page, in the registry's menu order: the app with every lab in one module
/// (`trunk serve`) shows them all; each lab's own module (`src/bin/<slug>.rs`) names one.
pub const PAGES: &[Page] = &[
    RAFT,
    PAXOS,
    CRDT,
    GOSSIP,
    CLOCKS,
    HASHING,
    COORDINATION,
    TRANSACTIONS,
];

#[cfg(test)]
mod tests {
    use super::PAGES;

    #[test]
    fn every_lab_in_the_registry_has_a_page_and_every_page_a_lab() {
        let pages: Vec<&str> = PAGES.iter().map(|page| page.about.slug).collect();
        let labs: Vec<&str> = netsplit_labs::LABS.iter().map(|lab| lab.slug).collect();
        assert_eq!(pages, labs, "pages follow the registry's menu order");
    }

    /// The site builds a module for every lab from `src/bin/<slug>.rs`, which starts its page.
    #[test]
    fn every_lab_has_a_module_of_its_own() {
        for page in PAGES {
            let slug = page.about.slug;
            let bin =
                std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("src/bin/{slug}.rs"));
            let source =
                std::fs::read_to_string(&bin).unwrap_or_else(|e| panic!("{}: {e}", bin.display()));
            let starts = format!(
                "netsplit_web::start(&netsplit_web::labs::{});",
                slug.to_uppercase()
            );
            assert!(source.contains(&starts), "{} calls {starts}", bin.display());
        }
    }
}
