//! Ready-made scenarios, the starting points each lab offers.

use netsplit_gossip::{Bug, Params as GossipParams};
use netsplit_sim::{Action, Chance, Link, NodeId, Partition, Span, Time, Timed};

use crate::{Lab, LabScenario, Scenario};

/// A named scenario with a sentence on what it shows.
#[derive(Clone, Debug)]
pub struct Preset {
    /// The name in links and on the command line.
    pub slug: &'static str,
    /// The name in menus.
    pub title: &'static str,
    /// What to watch for.
    pub description: &'static str,
    /// The run.
    pub scenario: Scenario,
}

fn at<C>(ms: u64, action: Action<C>) -> Timed<Action<C>> {
    Timed {
        at: Time(ms),
        action,
    }
}

fn gossip(
    params: GossipParams,
    links: Link,
    actions: Vec<Timed<Action<netsplit_sim::NoCommand>>>,
    seconds: u64,
) -> Scenario {
    Scenario::Gossip(LabScenario {
        seed: 1,
        params,
        links,
        actions,
        duration: Span::secs(seconds),
    })
}

/// The presets of `lab`; the first is the lab's default.
pub fn presets(lab: Lab) -> Vec<Preset> {
    match lab {
        Lab::Gossip => gossip_presets(),
    }
}

fn gossip_presets() -> Vec<Preset> {
    let params = GossipParams::default();
    let link = Link::default();
    vec![
        Preset {
            slug: "crash",
            title: "Crash and detect",
            description: "n2 crashes at 3 s: watch suspicion of it spread until every live node \
                          suspects it, then restart it at 10 s and watch the suspicion clear.",
            scenario: gossip(
                params,
                link,
                vec![
                    at(3000, Action::Crash(NodeId(2))),
                    at(10_000, Action::Restart(NodeId(2))),
                ],
                16,
            ),
        },
        Preset {
            slug: "calm",
            title: "Calm cluster",
            description: "No faults: heartbeats grow, digests spread them, nobody is suspected.",
            scenario: gossip(params, link, vec![], 10),
        },
        Preset {
            slug: "partition",
            title: "Partition: false suspicion",
            description: "n0 and n1 are cut off at 3 s. Both sides suspect the other though \
                          every node is alive; the suspicion clears once the network heals at 9 s.",
            scenario: gossip(
                params,
                link,
                vec![
                    at(
                        3000,
                        Action::Partition(Partition(vec![vec![NodeId(0), NodeId(1)]])),
                    ),
                    at(9000, Action::Heal),
                ],
                14,
            ),
        },
        Preset {
            slug: "lossy",
            title: "Lossy network",
            description: "A fifth of all digests are lost and some arrive twice; detection still \
                          completes, a little later.",
            scenario: gossip(
                params,
                Link {
                    latency_min: Span::millis(20),
                    latency_max: Span::millis(250),
                    drop: Chance::percent(20),
                    duplicate: Chance::percent(10),
                },
                vec![at(4000, Action::Crash(NodeId(1)))],
                14,
            ),
        },
        Preset {
            slug: "bug-refresh",
            title: "Bug: refresh on any digest",
            description: "Nodes refresh a member's timestamp whenever a digest mentions it. The \
                          crashed n2 keeps being mentioned, is never suspected, and the monitor \
                          reports the broken deadline.",
            scenario: gossip(
                GossipParams {
                    bug: Some(Bug::RefreshOnAnyDigest),
                    ..params
                },
                link,
                vec![at(3000, Action::Crash(NodeId(2)))],
                12,
            ),
        },
    ]
}
