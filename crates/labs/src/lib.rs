//! # netsplit-labs: the one list of labs
//!
//! Every lab describes itself once, in its protocol's crate, by implementing
//! [`netsplit_sim::lab::Lab`] (a protocol on the engine implements `NetworkLab` and gets `Lab`
//! from it). This crate is the only place that names every lab: the `registry!` list below.
//! From that list it makes what must know every lab at once:
//!
//! ```text
//!   registry! { Raft(raft) => netsplit_raft::RaftLab, … }
//!        │
//!        ├─▶ raft, paxos, …  each lab's crate, for the browser's views of them
//!        ├─▶ Scenario        a run of any lab; scenario files: {"raft": {seed, params, …}}
//!        ├─▶ LABS            every lab's About (slug, title, summary, link tag), menu order
//!        ├─▶ Scenario::visit / with_lab    hand a lab's own types to generic code
//!        └─▶ ShareState      share links: [tag][lab version][scenario][view], so that a new
//!                            lab or a new parameter never breaks an old link
//! ```
//!
//! Everything else (the command line, the browser, the tests) is generic over `Lab` and reaches
//! a lab through [`Scenario::visit`], [`with_lab`] or [`Member`]. The crate runs nothing by
//! itself and knows nothing of the browser or the terminal.

mod link;

use netsplit_sim::Span;
use netsplit_sim::lab::{
    About, Lab, NetworkLab, Preset, Recording, Report, ScenarioError, ScenarioOf, SimOf,
};
use serde::{Deserialize, Serialize};

pub use link::{
    FRAGMENT_PREFIX, LINK_VERSION, LinkError, MAX_INFLATED_BYTES, MAX_LINK_CHARS, Selected,
    ShareState, ViewState, lab_of_link,
};

/// Generic code over one lab, handed that lab's scenario.
pub trait Visit {
    /// What the visit returns.
    type Out;
    /// Called with the lab `L` of the scenario and its own scenario.
    fn visit<L: Member>(self, scenario: &L::Scenario) -> Self::Out;
}

/// Generic code over one lab, chosen by name or tag.
pub trait VisitLab {
    /// What the visit returns.
    type Out;
    /// Called with the lab `L`.
    fn visit<L: Member>(self) -> Self::Out;
}

/// A lab in the registry: its scenarios go in and out of [`Scenario`].
pub trait Member: Lab {
    /// The lab's scenario as a scenario of any lab.
    fn wrap(scenario: Self::Scenario) -> Scenario;
    /// The lab's own scenario, if `scenario` is one of this lab's.
    fn unwrap(scenario: &Scenario) -> Option<&Self::Scenario>;
}

/// A network lab in the registry, with its scenario and run known to be the engine's: generic
/// code over network labs (the browser's lab frame) bounds its lab by this.
pub trait NetworkMember:
    NetworkLab + Member<Scenario = ScenarioOf<Self>, Run = Box<SimOf<Self>>>
{
}

impl<L> NetworkMember for L where
    L: NetworkLab + Member<Scenario = ScenarioOf<L>, Run = Box<SimOf<L>>>
{
}

/// Makes, from one list of labs, everything that must name every lab.
macro_rules! registry {
    ($($variant:ident($module:ident) => $krate:ident::$lab:ident),+ $(,)?) => {
        $(
            #[doc = concat!("The ", stringify!($variant), " lab's crate.")]
            pub use $krate as $module;
        )+

        /// A run of any lab, as scenario files write it: `{"raft": {"seed": 1, …}}`.
        #[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum Scenario {
            $(
                #[doc = concat!("A run of ", stringify!($lab), ".")]
                $variant(<$krate::$lab as Lab>::Scenario),
            )+
        }

        /// Every lab, in menu order.
        pub const LABS: &[About] = &[$(<$krate::$lab as Lab>::ABOUT),+];

        /// The crate of each lab in [`LABS`], in the same order (for weighing each lab's code).
        pub const CRATES: &[&str] = &[$(stringify!($krate)),+];

        impl Scenario {
            /// Hands the scenario's lab and its own scenario to `visitor`.
            pub fn visit<V: Visit>(&self, visitor: V) -> V::Out {
                match self {
                    $(Scenario::$variant(s) => visitor.visit::<$krate::$lab>(s),)+
                }
            }
        }

        /// Hands the lab called `slug` to `visitor`; `None` when there is no such lab.
        pub fn with_lab<V: VisitLab>(slug: &str, visitor: V) -> Option<V::Out> {
            $(
                if slug == <$krate::$lab as Lab>::ABOUT.slug {
                    return Some(visitor.visit::<$krate::$lab>());
                }
            )+
            None
        }

        /// Hands the lab with link tag `tag` to `visitor`; `None` when there is no such lab.
        fn with_tag<V: VisitLab>(tag: u8, visitor: V) -> Option<V::Out> {
            $(
                if tag == <$krate::$lab as Lab>::ABOUT.tag {
                    return Some(visitor.visit::<$krate::$lab>());
                }
            )+
            None
        }

        $(
            impl Member for $krate::$lab {
                fn wrap(scenario: Self::Scenario) -> Scenario {
                    Scenario::$variant(scenario)
                }

                fn unwrap(scenario: &Scenario) -> Option<&Self::Scenario> {
                    match scenario {
                        Scenario::$variant(s) => Some(s),
                        _ => None,
                    }
                }
            }
        )+
    };
}

// The one list of labs, in menu order: the variant of `Scenario`, the name its crate is known
// by here, and the lab. A lab's place here may change; its slug and link tag (in its `About`)
// never do.
registry! {
    Raft(raft) => netsplit_raft::RaftLab,
    Paxos(paxos) => netsplit_paxos::PaxosLab,
    Crdt(crdt) => netsplit_crdt::CrdtLab,
    Gossip(gossip) => netsplit_gossip::GossipLab,
    Clocks(clocks) => netsplit_clocks::ClocksLab,
    Hashing(hashing) => netsplit_hashring::HashingLab,
    Coordination(coordination) => netsplit_coord::CoordLab,
    Transactions(transactions) => netsplit_txn::TxnLab,
}

/// The lab called `slug`.
pub fn about(slug: &str) -> Option<About> {
    LABS.iter().copied().find(|a| a.slug == slug)
}

/// The presets of the lab called `slug`, as scenarios of any lab (none for an unknown lab).
pub fn presets(slug: &str) -> Vec<Preset<Scenario>> {
    struct Presets;
    impl VisitLab for Presets {
        type Out = Vec<Preset<Scenario>>;
        fn visit<L: Member>(self) -> Self::Out {
            L::presets()
                .into_iter()
                .map(|p| Preset {
                    slug: p.slug,
                    title: p.title,
                    description: p.description,
                    breaks: p.breaks,
                    scenario: L::wrap(p.scenario),
                })
                .collect()
        }
    }
    with_lab(slug, Presets).unwrap_or_default()
}

/// A lab's function of its own scenario, as a visitor (`fn(&L::Scenario) -> T` for every lab).
macro_rules! per_lab {
    ($name:ident -> $out:ty, |$s:ident| $body:expr) => {{
        struct $name;
        impl Visit for $name {
            type Out = $out;
            fn visit<L: Member>(self, $s: &L::Scenario) -> $out {
                $body
            }
        }
        $name
    }};
}

impl Scenario {
    /// The lab this scenario belongs to.
    pub fn about(&self) -> About {
        self.visit(per_lab!(AboutOf -> About, |_s| L::ABOUT))
    }

    /// The seed of the run's random choices.
    pub fn seed(&self) -> u64 {
        self.visit(per_lab!(Seed -> u64, |s| L::seed(s)))
    }

    /// How long the run lasts (a step lab: a millisecond per step).
    pub fn duration(&self) -> Span {
        self.visit(per_lab!(Duration -> Span, |s| L::duration(s)))
    }

    /// Refuses anything out of range, saying what is allowed.
    pub fn validate(&self) -> Result<(), ScenarioError> {
        self.visit(per_lab!(Validate -> Result<(), ScenarioError>, |s| L::validate(s)))
    }

    /// The bug toggle the scenario turns on, if any.
    pub fn bug(&self) -> Option<&'static str> {
        self.visit(per_lab!(Bug -> Option<&'static str>, |s| L::bug(s)))
    }

    /// Runs the scenario to its end and reports.
    pub fn run(&self) -> Result<Report, ScenarioError> {
        self.run_with(Recording::Full)
    }

    /// Runs the scenario to its end, choosing what it records, and reports.
    pub fn run_with(&self, recording: Recording) -> Result<Report, ScenarioError> {
        struct Run(Recording);
        impl Visit for Run {
            type Out = Result<Report, ScenarioError>;
            fn visit<L: Member>(self, s: &L::Scenario) -> Self::Out {
                L::run(s, self.0)
            }
        }
        self.visit(Run(recording))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_and_link_tags_are_unique_and_scenario_files_use_the_slug() {
        for (i, a) in LABS.iter().enumerate() {
            for b in &LABS[i + 1..] {
                assert_ne!(a.slug, b.slug);
                assert_ne!(a.tag, b.tag, "{} and {} share a link tag", a.slug, b.slug);
            }
            let preset = presets(a.slug)
                .into_iter()
                .next()
                .expect("every lab has presets");
            assert_eq!(preset.scenario.about(), *a);
            let json = serde_json::to_value(&preset.scenario).unwrap();
            assert!(
                json.get(a.slug).is_some(),
                "{} files are keyed {json}",
                a.slug
            );
            assert_eq!(about(a.slug), Some(*a));
        }
    }
}
