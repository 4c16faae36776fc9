//! The Consistent hashing lab's ready-made histories.

use netsplit_sim::lab::Preset;

use crate::{HashingScenario, Op, Params, Strategy};

fn hashing(params: Params, ops: Vec<Op>) -> HashingScenario {
    HashingScenario { params, ops }
}

/// The lab's presets; the first is its default.
pub fn presets() -> Vec<Preset<HashingScenario>> {
    let base = Params::default();
    vec![
        Preset {
            slug: "modulo-vs-ring",
            title: "Modulo against a ring",
            description: "Eight nodes under modulo hashing; a ninth joins and nearly nine keys in \
                          ten move. Back to eight, switch to a ring, and the same join moves about \
                          one key in nine: only what the newcomer must take.",
            breaks: &[],
            scenario: hashing(
                Params {
                    strategy: Strategy::Modulo,
                    vnodes: 64,
                    ..base
                },
                vec![
                    Op::Nodes(9),
                    Op::Nodes(8),
                    Op::Strategy(Strategy::Ring),
                    Op::Nodes(9),
                ],
            ),
        },
        Preset {
            slug: "virtual-nodes",
            title: "Few against many virtual nodes",
            description: "One token per node leaves some nodes with several times their share. Step \
                          through 4, 16, 64 and 256 tokens per node and watch the load chart \
                          flatten, roughly as 1/√V.",
            breaks: &[],
            scenario: hashing(
                Params {
                    vnodes: 1,
                    keys: 10_000,
                    ..base
                },
                vec![
                    Op::Vnodes(4),
                    Op::Vnodes(16),
                    Op::Vnodes(64),
                    Op::Vnodes(256),
                ],
            ),
        },
        Preset {
            slug: "failure-replicas",
            title: "A node fails, three replicas",
            description: "Each key lives on three distinct nodes. When n3 fails only the keys it was \
                          primary for change primary, and every key that listed n3 gets one new \
                          replica from the next node clockwise.",
            breaks: &[],
            scenario: hashing(
                Params {
                    vnodes: 64,
                    keys: 5000,
                    replicas: 3,
                    ..base
                },
                vec![Op::Remove(netsplit_sim::NodeId(3))],
            ),
        },
        Preset {
            slug: "bounded-loads",
            title: "Bounded loads",
            description: "With four tokens per node a plain ring is lumpy. Bounded loads caps every \
                          node at (1+ε) times its fair share and sends overflow clockwise; tighten \
                          ε from 25% to 5% and the peak follows it down.",
            breaks: &[],
            scenario: hashing(
                Params {
                    strategy: Strategy::Ring,
                    vnodes: 4,
                    keys: 5000,
                    ..base
                },
                vec![
                    Op::Strategy(Strategy::Bounded),
                    Op::Epsilon(5),
                    Op::Nodes(9),
                ],
            ),
        },
        Preset {
            slug: "jump-last-or-middle",
            title: "Jump: the last bucket or a middle one",
            description: "Jump hash needs no table, but its buckets are numbered. Dropping the last \
                          node moves only its keys; removing n3 hands bucket 3 to the last node, so \
                          that node's keys move as well.",
            breaks: &[],
            scenario: hashing(
                Params {
                    strategy: Strategy::Jump,
                    nodes: 10,
                    ..base
                },
                vec![
                    Op::Nodes(9),
                    Op::Nodes(10),
                    Op::Remove(netsplit_sim::NodeId(3)),
                ],
            ),
        },
        Preset {
            slug: "weights",
            title: "Weighted rendezvous",
            description: "Rendezvous hashing gives a node of weight w w draws and keeps its best: n0 \
                          at weight 3 holds three shares, and only keys that must move to it do.",
            breaks: &[],
            scenario: hashing(
                Params {
                    strategy: Strategy::Rendezvous,
                    nodes: 6,
                    ..base
                },
                vec![Op::Weight(netsplit_sim::NodeId(0), 3)],
            ),
        },
    ]
}
