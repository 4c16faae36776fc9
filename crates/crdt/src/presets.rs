//! The CRDT lab's ready-made scenarios.

use netsplit_sim::lab::{LabScenario, Preset, at, cut_off};
use netsplit_sim::{Action, NodeId, Span};

use crate::{Bug, Command, CrdtScenario, Kind, Op, Params};

fn update(replica: u16, op: Op) -> Action<Command> {
    Action::Command(NodeId(replica), Command::Apply(op))
}

fn sync(from: u16, to: u16) -> Action<Command> {
    Action::Command(NodeId(from), Command::SyncTo(NodeId(to)))
}

/// The lab's presets; the first is its default.
pub fn presets() -> Vec<Preset<CrdtScenario>> {
    let of = |kind: Kind| Params {
        kind,
        ..Params::default()
    };
    let buggy = |kind: Kind, bug: Bug| Params {
        kind,
        bug: Some(bug),
        period: Span::millis(300),
        ..Params::default()
    };
    vec![
        Preset {
            slug: "add-remove",
            title: "Add/remove conflict",
            description: "n0 adds x and tells n1. Cut off, n0 adds x again and then z, while n1 removes the x \
                          it saw and n2 adds y. After healing, the OR-Set holds x, y and z: the removal \
                          tombstoned only the tag n1 had seen, not n0's new one (add wins). Compare it with \
                          a 2P-Set and an LWW set below.",
            breaks: &[],
            scenario: LabScenario::preset(
                of(Kind::OrSet),
                vec![
                    at(300, update(0, Op::Add('x'))),
                    at(400, sync(0, 1)),
                    at(1000, cut_off(&[0])),
                    at(1500, update(0, Op::Add('x'))),
                    at(1500, update(1, Op::Remove('x'))),
                    at(1600, update(2, Op::Add('y'))),
                    at(2000, update(0, Op::Add('z'))),
                    at(3000, Action::Heal),
                ],
                10,
            ),
        },
        Preset {
            slug: "concurrent-increments",
            title: "Concurrent increments",
            description: "Three replicas increment at the same moment and one decrements. Each counts in \
                          its own slot, so merging takes the maximum slot by slot and nothing is counted \
                          twice: every replica ends at 2.",
            breaks: &[],
            scenario: LabScenario::preset(
                of(Kind::PnCounter),
                vec![
                    at(500, update(0, Op::Increment)),
                    at(500, update(1, Op::Increment)),
                    at(500, update(2, Op::Increment)),
                    at(600, update(1, Op::Decrement)),
                ],
                8,
            ),
        },
        Preset {
            slug: "partition-heal",
            title: "Partition and heal",
            description: "Four replicas of a G-Set split in two at 1 s. Each side adds its own letters and \
                          the sides drift apart; once the network heals at 5 s, anti-entropy carries every \
                          letter everywhere and the replicas converge.",
            breaks: &[],
            scenario: LabScenario::preset(
                Params {
                    replicas: 4,
                    ..of(Kind::GSet)
                },
                vec![
                    at(1000, cut_off(&[0, 1])),
                    at(1500, update(0, Op::Add('a'))),
                    at(2000, update(1, Op::Add('b'))),
                    at(2500, update(2, Op::Add('c'))),
                    at(3000, update(3, Op::Add('d'))),
                    at(5000, Action::Heal),
                ],
                14,
            ),
        },
        Preset {
            slug: "offline",
            title: "A replica offline for a long time",
            description: "n2 is cut off from 1 s to 15 s and keeps editing its OR-Set alone while the others \
                          add and remove. When it comes back, one exchange of states brings it and everyone \
                          else up to date: nothing either side did is lost.",
            breaks: &[],
            scenario: LabScenario::preset(
                of(Kind::OrSet),
                vec![
                    at(500, update(0, Op::Add('a'))),
                    at(1000, cut_off(&[2])),
                    at(2000, update(2, Op::Add('b'))),
                    at(3000, update(0, Op::Add('c'))),
                    at(5000, update(1, Op::Remove('a'))),
                    at(8000, update(2, Op::Add('d'))),
                    at(11_000, update(2, Op::Remove('a'))),
                    at(15_000, Action::Heal),
                ],
                24,
            ),
        },
        Preset {
            slug: "tombstones",
            title: "Add, remove, again: tombstones or dots",
            description: "A dozen times, a replica adds a or b, tells the next one, and that one \
                          removes it. An OR-Set keeps a tombstone for every tag ever removed, so its state \
                          only grows; the optimized OR-Set forgets removed dots and remembers them in one \
                          version vector, so it holds a few entries however long the run. Both end with the \
                          same set: compare their state sizes below.",
            breaks: &[],
            scenario: LabScenario::preset(
                of(Kind::OptimizedOrSet),
                (0..12u16)
                    .flat_map(|i| {
                        let (element, t) =
                            (if i % 2 == 0 { 'a' } else { 'b' }, 300 + 700 * u64::from(i));
                        let (adder, remover) = (i % 3, (i + 1) % 3);
                        [
                            at(t, update(adder, Op::Add(element))),
                            at(t + 100, sync(adder, remover)),
                            at(t + 400, update(remover, Op::Remove(element))),
                        ]
                    })
                    .collect(),
                14,
            ),
        },
        Preset {
            slug: "mv-register",
            title: "Concurrent writes: MV-Register",
            description: "n0 writes p and n1 writes q without seeing each other. The MV-Register keeps both, \
                          with their vector clocks, until n2, having seen both, writes r, which replaces them.",
            breaks: &[],
            scenario: LabScenario::preset(
                of(Kind::MvRegister),
                vec![
                    at(500, update(0, Op::Set('p'))),
                    at(500, update(1, Op::Set('q'))),
                    at(4000, update(2, Op::Set('r'))),
                ],
                9,
            ),
        },
        Preset {
            slug: "lww-register",
            title: "Concurrent writes: LWW-Register",
            description: "n0 writes p and n1 writes q, both at Lamport time 1. The tie goes to the higher \
                          replica id, so every replica ends with q, and p is silently lost.",
            breaks: &[],
            scenario: LabScenario::preset(
                of(Kind::LwwRegister),
                vec![
                    at(500, update(0, Op::Set('p'))),
                    at(500, update(1, Op::Set('q'))),
                ],
                8,
            ),
        },
        Preset {
            slug: "bug-add-on-merge",
            title: "Bug: counters add on merge",
            description: "A G-Counter whose merge adds slots instead of taking the maximum: every exchange \
                          counts the same increments again, the value keeps growing, and the replicas never \
                          settle on the 3 that was counted.",
            breaks: &[],
            scenario: LabScenario::preset(
                buggy(Kind::GCounter, Bug::AddOnMerge),
                vec![
                    at(300, update(0, Op::Increment)),
                    at(300, update(1, Op::Increment)),
                    at(300, update(2, Op::Increment)),
                ],
                10,
            ),
        },
        Preset {
            slug: "bug-last-sync-wins",
            title: "Bug: last sync wins",
            description: "An OR-Set whose merge replaces the local state with the incoming one. n0's x is \
                          overwritten by the first state that arrives without it, and the monitor reports \
                          the replica moving down its lattice.",
            breaks: &[],
            scenario: LabScenario::preset(
                buggy(Kind::OrSet, Bug::LastSyncWins),
                vec![
                    at(300, update(0, Op::Add('x'))),
                    at(300, update(1, Op::Add('y'))),
                ],
                6,
            ),
        },
        Preset {
            slug: "bug-keep-mine-on-tie",
            title: "Bug: LWW keeps its own write on a tie",
            description: "n0 writes p and n1 writes q at the same Lamport time; without the replica-id \
                          tie-break each keeps its own value, and the replicas never agree.",
            breaks: &[],
            scenario: LabScenario::preset(
                buggy(Kind::LwwRegister, Bug::KeepMineOnTie),
                vec![
                    at(300, update(0, Op::Set('p'))),
                    at(300, update(1, Op::Set('q'))),
                ],
                10,
            ),
        },
    ]
}
