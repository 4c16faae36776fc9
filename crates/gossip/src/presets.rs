//! The Gossip lab's ready-made scenarios.

use netsplit_sim::lab::{LabScenario, Preset, at};
use netsplit_sim::{Action, Chance, Link, NodeId, Partition, Span, Timed};

use crate::{Bug, GossipScenario, Params};

fn gossip(
    params: Params,
    links: Link,
    actions: Vec<Timed<Action<netsplit_sim::NoCommand>>>,
    seconds: u64,
) -> GossipScenario {
    LabScenario {
        seed: 1,
        params,
        links,
        actions,
        duration: Span::secs(seconds),
    }
}

/// The lab's presets; the first is its default.
pub fn presets() -> Vec<Preset<GossipScenario>> {
    let params = Params::default();
    let link = Link::default();
    vec![
        Preset {
            slug: "crash",
            title: "Crash and detect",
            description: "n2 crashes at 3 s: watch suspicion of it spread until every live node \
                          suspects it, then restart it at 10 s and watch the suspicion clear.",
            breaks: &[],
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
            breaks: &[],
            scenario: gossip(params, link, vec![], 10),
        },
        Preset {
            slug: "partition",
            title: "Partition: false suspicion",
            description: "n0 and n1 are cut off at 3 s. Both sides suspect the other though \
                          every node is alive; the suspicion clears once the network heals at 9 s.",
            breaks: &[],
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
            breaks: &[],
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
            breaks: &[],
            scenario: gossip(
                Params {
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
