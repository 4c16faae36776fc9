//! Ready-made scenarios, the starting points each lab offers.

use netsplit_crdt::{
    Bug as CrdtBug, Command as CrdtCommand, Kind, Op as CrdtOp, Params as CrdtParams,
};
use netsplit_gossip::{Bug, Params as GossipParams};
use netsplit_paxos::{
    Bug as PaxosBug, Command as PaxosCommand, Mode as PaxosMode, Params as PaxosParams, Value,
};
use netsplit_raft::{Bug as RaftBug, Command as RaftCommand, Op, Params as RaftParams};
use netsplit_sim::{Action, Chance, Link, NodeId, Partition, Span, Time, Timed};

use crate::{ClocksScenario, HashingScenario, Lab, LabScenario, Scenario};
use netsplit_clocks::{Execution, Step};
use netsplit_hashring::{Op as HashingOp, Params as HashingParams, Strategy};

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
        Lab::Raft => raft_presets(),
        Lab::Paxos => paxos_presets(),
        Lab::Crdt => crdt_presets(),
        Lab::Clocks => clocks_presets(),
        Lab::Hashing => hashing_presets(),
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

fn raft(params: RaftParams, actions: Vec<Timed<Action<RaftCommand>>>, seconds: u64) -> Scenario {
    Scenario::Raft(LabScenario {
        seed: 1,
        params,
        links: Link::default(),
        actions,
        duration: Span::secs(seconds),
    })
}

fn set(node: u16, key: char, value: u32) -> Action<RaftCommand> {
    Action::Command(NodeId(node), RaftCommand::Request(Op { key, value }))
}

fn timeout(node: u16) -> Action<RaftCommand> {
    Action::Command(NodeId(node), RaftCommand::Timeout)
}

fn cut_off<C>(nodes: &[u16]) -> Action<C> {
    Action::Partition(Partition(vec![nodes.iter().map(|&n| NodeId(n)).collect()]))
}

fn paxos(
    seed: u64,
    params: PaxosParams,
    actions: Vec<Timed<Action<PaxosCommand>>>,
    seconds: u64,
) -> Scenario {
    Scenario::Paxos(LabScenario {
        seed,
        params,
        links: Link::default(),
        actions,
        duration: Span::secs(seconds),
    })
}

fn propose(node: u16, letter: char) -> Action<PaxosCommand> {
    Action::Command(NodeId(node), PaxosCommand::Propose(Value::Client(letter)))
}

fn paxos_presets() -> Vec<Preset> {
    let single = PaxosParams::default();
    let multi = PaxosParams {
        mode: PaxosMode::Multi,
        ..single
    };
    vec![
        Preset {
            slug: "one-proposer",
            title: "One proposer",
            description: "n0 proposes A. Phase 1: Prepare 1.0 to the three acceptors, each promises. \
                          Phase 2: Accept 1.0 with A; A is chosen the moment a second acceptor accepts, \
                          and the learners hear of it one message later.",
            scenario: paxos(
                1,
                PaxosParams {
                    proposers: 1,
                    ..single
                },
                vec![at(200, propose(0, 'A'))],
                3,
            ),
        },
        Preset {
            slug: "duel",
            title: "Duelling proposers",
            description: "n0 proposes A and n1 proposes B at almost the same time. Each new Prepare \
                          outbids the other's ballot before its Accepts land, so ballots are refused one \
                          after another until a random backoff lets one proposer finish both phases.",
            scenario: paxos(
                32,
                PaxosParams {
                    backoff_max: Span::millis(100),
                    ..single
                },
                vec![at(200, propose(0, 'A')), at(200, propose(1, 'B'))],
                6,
            ),
        },
        Preset {
            slug: "proposer-crash",
            title: "Proposer crashes after phase 1",
            description: "n0 finishes phase 1 for A and at that moment is cut off and crashes: its Accepts \
                          never arrive. The acceptors still hold its promise, so n1 proposes B with a \
                          higher ballot and gets it chosen. n0 restarts at 2.5 s, remembers the round it \
                          used, and its new ballot finds B and carries it forward instead of A.",
            scenario: paxos(
                1,
                single,
                vec![
                    at(200, propose(0, 'A')),
                    at(PROPOSER_CRASH_AT, cut_off(&[0])),
                    at(PROPOSER_CRASH_AT, Action::Crash(NodeId(0))),
                    at(800, Action::Heal),
                    at(1000, propose(1, 'B')),
                    at(2500, Action::Restart(NodeId(0))),
                    at(2600, propose(0, 'C')),
                ],
                4,
            ),
        },
        Preset {
            slug: "carried-forward",
            title: "A minority's value is carried forward",
            description: "n0's Accept for A reaches only n2 before n0 crashes: A is accepted by a minority, \
                          not chosen. n1 then proposes B, but n2 is in its majority of promises and reports \
                          A, so n1 must propose A (P2c): B is never proposed, and A is chosen.",
            scenario: paxos(
                1,
                single,
                vec![
                    at(200, propose(0, 'A')),
                    at(PROPOSER_CRASH_AT, cut_off(&[0, 2])),
                    at(600, Action::Crash(NodeId(0))),
                    at(600, cut_off(&[4])),
                    at(800, propose(1, 'B')),
                    at(2000, Action::Heal),
                ],
                3,
            ),
        },
        Preset {
            slug: "multi",
            title: "Multi-Paxos: one leader, many slots",
            description: "n0 runs phase 1 once and leads. Every later value costs one round trip: an \
                          Accept in the next slot and the acceptances. Heartbeats keep n1 following.",
            scenario: paxos(
                1,
                multi,
                vec![
                    at(100, propose(0, 'A')),
                    at(800, propose(0, 'B')),
                    at(1100, propose(0, 'C')),
                    at(1400, propose(0, 'D')),
                    at(1700, propose(1, 'E')),
                ],
                3,
            ),
        },
        Preset {
            slug: "multi-failover",
            title: "Multi-Paxos: leader crash, gap filled",
            description: "n0 leads; A is chosen in slot 1. B's Accepts for slot 2 are lost, C's for slot 3 \
                          get through, and n0 crashes. n1 hears no heartbeat and runs phase 1 from slot 2: \
                          no acceptor reports slot 2, so the new leader fills it with a no-op, and D goes \
                          to slot 4.",
            scenario: paxos(
                1,
                multi,
                vec![
                    at(100, propose(0, 'A')),
                    at(800, propose(0, 'B')),
                    at(801, cut_off(&[0])),
                    at(880, Action::Heal),
                    at(890, propose(0, 'C')),
                    at(900, Action::Crash(NodeId(0))),
                    at(2500, propose(1, 'D')),
                ],
                4,
            ),
        },
        Preset {
            slug: "bug-ignore-values",
            title: "Bug: ignore accepted values",
            description: "A is chosen for n0. Then n1 proposes B; its promises report A, but the buggy \
                          proposer proposes B anyway, and a majority accepts it: two values chosen, and \
                          Agreement fails.",
            scenario: paxos(
                1,
                PaxosParams {
                    bug: Some(PaxosBug::IgnoreAcceptedValues),
                    ..single
                },
                vec![at(200, propose(0, 'A')), at(1200, propose(1, 'B'))],
                3,
            ),
        },
        Preset {
            slug: "bug-accept-below-promise",
            title: "Bug: accept below the promise",
            description: "n1's Prepare 1.1 reaches the acceptors between n0's phases. Correct acceptors \
                          would refuse n0's Accept 1.0; these accept it, breaking their promise.",
            scenario: paxos(
                1,
                PaxosParams {
                    bug: Some(PaxosBug::AcceptBelowPromise),
                    ..single
                },
                vec![
                    at(200, propose(0, 'A')),
                    at(BELOW_PROMISE_AT, propose(1, 'B')),
                ],
                3,
            ),
        },
    ]
}

/// When n0 has finished phase 1 in the Paxos presets that cut it off right after.
const PROPOSER_CRASH_AT: u64 = 300;
/// When n1 proposes so that its Prepare lands between n0's phases.
const BELOW_PROMISE_AT: u64 = 250;

fn crdt(params: CrdtParams, actions: Vec<Timed<Action<CrdtCommand>>>, seconds: u64) -> Scenario {
    Scenario::Crdt(LabScenario {
        seed: 1,
        params,
        links: Link::default(),
        actions,
        duration: Span::secs(seconds),
    })
}

fn update(replica: u16, op: CrdtOp) -> Action<CrdtCommand> {
    Action::Command(NodeId(replica), CrdtCommand::Apply(op))
}

fn sync(from: u16, to: u16) -> Action<CrdtCommand> {
    Action::Command(NodeId(from), CrdtCommand::SyncTo(NodeId(to)))
}

fn crdt_presets() -> Vec<Preset> {
    let of = |kind: Kind| CrdtParams {
        kind,
        ..CrdtParams::default()
    };
    let buggy = |kind: Kind, bug: CrdtBug| CrdtParams {
        kind,
        bug: Some(bug),
        period: Span::millis(300),
        ..CrdtParams::default()
    };
    vec![
        Preset {
            slug: "add-remove",
            title: "Add/remove conflict",
            description: "n0 adds x and tells n1. Cut off, n0 adds x again and then z, while n1 removes the x \
                          it saw and n2 adds y. After healing, the OR-Set holds x, y and z: the removal \
                          tombstoned only the tag n1 had seen, not n0's new one (add wins). Compare it with \
                          a 2P-Set and an LWW set below.",
            scenario: crdt(
                of(Kind::OrSet),
                vec![
                    at(300, update(0, CrdtOp::Add('x'))),
                    at(400, sync(0, 1)),
                    at(1000, cut_off(&[0])),
                    at(1500, update(0, CrdtOp::Add('x'))),
                    at(1500, update(1, CrdtOp::Remove('x'))),
                    at(1600, update(2, CrdtOp::Add('y'))),
                    at(2000, update(0, CrdtOp::Add('z'))),
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
            scenario: crdt(
                of(Kind::PnCounter),
                vec![
                    at(500, update(0, CrdtOp::Increment)),
                    at(500, update(1, CrdtOp::Increment)),
                    at(500, update(2, CrdtOp::Increment)),
                    at(600, update(1, CrdtOp::Decrement)),
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
            scenario: crdt(
                CrdtParams {
                    replicas: 4,
                    ..of(Kind::GSet)
                },
                vec![
                    at(1000, cut_off(&[0, 1])),
                    at(1500, update(0, CrdtOp::Add('a'))),
                    at(2000, update(1, CrdtOp::Add('b'))),
                    at(2500, update(2, CrdtOp::Add('c'))),
                    at(3000, update(3, CrdtOp::Add('d'))),
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
            scenario: crdt(
                of(Kind::OrSet),
                vec![
                    at(500, update(0, CrdtOp::Add('a'))),
                    at(1000, cut_off(&[2])),
                    at(2000, update(2, CrdtOp::Add('b'))),
                    at(3000, update(0, CrdtOp::Add('c'))),
                    at(5000, update(1, CrdtOp::Remove('a'))),
                    at(8000, update(2, CrdtOp::Add('d'))),
                    at(11_000, update(2, CrdtOp::Remove('a'))),
                    at(15_000, Action::Heal),
                ],
                24,
            ),
        },
        Preset {
            slug: "mv-register",
            title: "Concurrent writes: MV-Register",
            description: "n0 writes p and n1 writes q without seeing each other. The MV-Register keeps both, \
                          with their vector clocks, until n2, having seen both, writes r, which replaces them.",
            scenario: crdt(
                of(Kind::MvRegister),
                vec![
                    at(500, update(0, CrdtOp::Set('p'))),
                    at(500, update(1, CrdtOp::Set('q'))),
                    at(4000, update(2, CrdtOp::Set('r'))),
                ],
                9,
            ),
        },
        Preset {
            slug: "lww-register",
            title: "Concurrent writes: LWW-Register",
            description: "n0 writes p and n1 writes q, both at Lamport time 1. The tie goes to the higher \
                          replica id, so every replica ends with q, and p is silently lost.",
            scenario: crdt(
                of(Kind::LwwRegister),
                vec![
                    at(500, update(0, CrdtOp::Set('p'))),
                    at(500, update(1, CrdtOp::Set('q'))),
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
            scenario: crdt(
                buggy(Kind::GCounter, CrdtBug::AddOnMerge),
                vec![
                    at(300, update(0, CrdtOp::Increment)),
                    at(300, update(1, CrdtOp::Increment)),
                    at(300, update(2, CrdtOp::Increment)),
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
            scenario: crdt(
                buggy(Kind::OrSet, CrdtBug::LastSyncWins),
                vec![
                    at(300, update(0, CrdtOp::Add('x'))),
                    at(300, update(1, CrdtOp::Add('y'))),
                ],
                6,
            ),
        },
        Preset {
            slug: "bug-keep-mine-on-tie",
            title: "Bug: LWW keeps its own write on a tie",
            description: "n0 writes p and n1 writes q at the same Lamport time; without the replica-id \
                          tie-break each keeps its own value, and the replicas never agree.",
            scenario: crdt(
                buggy(Kind::LwwRegister, CrdtBug::KeepMineOnTie),
                vec![
                    at(300, update(0, CrdtOp::Set('p'))),
                    at(300, update(1, CrdtOp::Set('q'))),
                ],
                10,
            ),
        },
    ]
}

fn raft_presets() -> Vec<Preset> {
    let params = RaftParams::default();
    vec![
        Preset {
            slug: "election",
            title: "Normal election",
            description: "Every server starts as a follower. The first election timer to fire makes its \
                          server a candidate; it asks for votes and, with a majority, leads term 1.",
            scenario: raft(params, vec![], 4),
        },
        Preset {
            slug: "replicate",
            title: "Log replication",
            description: "n0 times out first and leads. Clients send it three requests: each is appended, \
                          replicated by AppendEntries, committed once a majority stores it, then applied.",
            scenario: raft(
                params,
                vec![
                    at(100, timeout(0)),
                    at(1000, set(0, 'x', 1)),
                    at(1600, set(0, 'y', 2)),
                    at(2200, set(0, 'x', 3)),
                ],
                5,
            ),
        },
        Preset {
            slug: "split-vote",
            title: "Split vote",
            description: "In a cluster of four, n0 and n2 time out together and each wins one more vote: \
                          two of four is no majority, so term 1 has no leader. Randomized timeouts break \
                          the tie in a later term.",
            scenario: raft(
                RaftParams { nodes: 4, ..params },
                vec![at(200, timeout(0)), at(200, timeout(2))],
                5,
            ),
        },
        Preset {
            slug: "leader-crash",
            title: "Leader crash",
            description: "n0 leads and replicates a request, then crashes at 2 s. A follower times out, \
                          wins a new term, and n0 rejoins as a follower at 5 s and catches up.",
            scenario: raft(
                params,
                vec![
                    at(100, timeout(0)),
                    at(800, set(0, 'x', 1)),
                    at(2000, Action::Crash(NodeId(0))),
                    at(5000, Action::Restart(NodeId(0))),
                ],
                8,
            ),
        },
        Preset {
            slug: "partition",
            title: "Partition and heal",
            description: "The leader n0 and n1 are cut off at 1.5 s. Their request cannot commit without a \
                          majority; the other three elect a leader that can. On healing at 6 s, n0 steps down \
                          and its uncommitted entry is replaced.",
            scenario: raft(
                params,
                vec![
                    at(100, timeout(0)),
                    at(800, set(0, 'x', 1)),
                    at(1500, cut_off(&[0, 1])),
                    at(2000, set(0, 'y', 2)),
                    at(4000, set(2, 'z', 3)),
                    at(4000, set(3, 'z', 3)),
                    at(4000, set(4, 'z', 3)),
                    at(6000, Action::Heal),
                ],
                9,
            ),
        },
        Preset {
            slug: "log-repair",
            title: "Log repair",
            description: "n4 is down while n0 commits five requests; then n0 crashes and n1 takes over. \
                          When n4 returns with an empty log, n1's AppendEntries fail the consistency check; \
                          n1 steps nextIndex back until the logs match, then fills n4 in.",
            scenario: raft(
                params,
                vec![
                    at(100, timeout(0)),
                    at(600, Action::Crash(NodeId(4))),
                    at(1000, set(0, 'a', 1)),
                    at(1300, set(0, 'b', 2)),
                    at(1600, set(0, 'c', 3)),
                    at(1900, set(0, 'd', 4)),
                    at(2200, set(0, 'e', 5)),
                    at(2600, Action::Crash(NodeId(0))),
                    at(2700, timeout(1)),
                    at(3300, Action::Restart(NodeId(4))),
                ],
                7,
            ),
        },
        Preset {
            slug: "figure-8",
            title: "Figure 8, with its bug",
            description: "The paper's Figure 8 with the commit-old-terms bug on: a leader commits an entry \
                          of an earlier term by counting replicas; a later leader overwrites it, and two \
                          servers apply different entries at index 2. Switch the bug off to see Raft refuse.",
            scenario: raft(
                RaftParams {
                    election_min: Span::millis(1500),
                    election_max: Span::millis(3000),
                    bug: Some(RaftBug::CommitOldTerms),
                    ..params
                },
                figure_8(),
                6,
            ),
        },
    ]
}

/// The situation of the extended paper's Figure 8, driven by timeouts, crashes and partitions.
fn figure_8() -> Vec<Timed<Action<RaftCommand>>> {
    vec![
        // n0 leads term 1; index 1 commits everywhere.
        at(100, timeout(0)),
        at(300, set(0, 'x', 1)),
        // (a) n0 stores index 2 on n1 only, then crashes.
        at(700, cut_off(&[0, 1])),
        at(800, set(0, 'y', 2)),
        at(1000, Action::Crash(NodeId(0))),
        // (b) n4 leads term 2 with votes from n2 and n3 and takes a different index 2 alone.
        at(1100, cut_off(&[1])),
        at(1150, timeout(4)),
        at(1400, cut_off(&[4])),
        at(1450, set(4, 'z', 3)),
        at(1600, Action::Crash(NodeId(4))),
        // (c) n0 returns, leads term 3, and copies its index 2 (term 1) to n2 and n3.
        at(1700, Action::Heal),
        at(1700, Action::Restart(NodeId(0))),
        // Its first try meets servers already in term 2; the second wins term 3.
        at(1750, timeout(0)),
        at(2000, timeout(0)),
        at(2600, Action::Crash(NodeId(0))),
        // (d) n4 returns and, after one refused try, leads term 4 and overwrites index 2.
        at(2700, Action::Restart(NodeId(4))),
        at(2750, timeout(4)),
        at(3000, timeout(4)),
    ]
}

fn clocks(processes: usize, steps: Vec<Step>) -> Scenario {
    Scenario::Clocks(ClocksScenario {
        processes: (0..processes).map(|i| format!("P{i}")).collect(),
        steps,
    })
}

fn local(process: u16, label: &str) -> Step {
    Step::Local {
        process,
        label: label.into(),
    }
}

fn send(from: u16, to: u16, label: &str) -> Step {
    Step::Send {
        from,
        to,
        label: label.into(),
    }
}

fn deliver(message: u32, label: &str) -> Step {
    Step::Deliver {
        message,
        label: label.into(),
    }
}

fn clocks_presets() -> Vec<Preset> {
    vec![
        Preset {
            slug: "chain",
            title: "A causal chain",
            description: "P0 acts and tells P1, which tells P2: each event happened before the next, and \
                          the clocks grow along the chain.",
            scenario: clocks(
                3,
                vec![
                    local(0, "decide"),
                    send(0, 1, "tell P1"),
                    deliver(0, "hear from P0"),
                    send(1, 2, "tell P2"),
                    deliver(1, "hear from P1"),
                    local(2, "act"),
                ],
            ),
        },
        Preset {
            slug: "concurrent",
            title: "Concurrent writes",
            description: "P0 and P1 write x without hearing of each other: their writes are concurrent, \
                          though P2 receives one before the other.",
            scenario: clocks(
                3,
                vec![
                    local(0, "write x=1"),
                    local(1, "write x=2"),
                    send(0, 2, "x=1"),
                    send(1, 2, "x=2"),
                    deliver(1, "receive x=2"),
                    deliver(0, "receive x=1"),
                ],
            ),
        },
        Preset {
            slug: "overtaking",
            title: "A message overtakes another",
            description: "P0 sends two messages to P1; the second arrives first. The receive events \
                          are ordered on P1, the sends on P0, yet no clock says the first message \
                          arrived first.",
            scenario: clocks(
                2,
                vec![
                    send(0, 1, "first"),
                    local(0, "think"),
                    send(0, 1, "second"),
                    deliver(1, "get second"),
                    deliver(0, "get first"),
                ],
            ),
        },
        Preset {
            slug: "random",
            title: "A random execution",
            description: "Four processes and thirty events generated from seed 1.",
            scenario: clocks(4, Execution::generate(1, 4, 30).steps()),
        },
    ]
}

fn hashing(params: HashingParams, ops: Vec<HashingOp>) -> Scenario {
    Scenario::Hashing(HashingScenario { params, ops })
}

fn hashing_presets() -> Vec<Preset> {
    let base = HashingParams::default();
    vec![
        Preset {
            slug: "modulo-vs-ring",
            title: "Modulo against a ring",
            description: "Eight nodes under modulo hashing; a ninth joins and nearly nine keys in \
                          ten move. Back to eight, switch to a ring, and the same join moves about \
                          one key in nine: only what the newcomer must take.",
            scenario: hashing(
                HashingParams {
                    strategy: Strategy::Modulo,
                    vnodes: 64,
                    ..base
                },
                vec![
                    HashingOp::Nodes(9),
                    HashingOp::Nodes(8),
                    HashingOp::Strategy(Strategy::Ring),
                    HashingOp::Nodes(9),
                ],
            ),
        },
        Preset {
            slug: "virtual-nodes",
            title: "Few against many virtual nodes",
            description: "One token per node leaves some nodes with several times their share. Step \
                          through 4, 16, 64 and 256 tokens per node and watch the load chart \
                          flatten, roughly as 1/√V.",
            scenario: hashing(
                HashingParams {
                    vnodes: 1,
                    keys: 10_000,
                    ..base
                },
                vec![
                    HashingOp::Vnodes(4),
                    HashingOp::Vnodes(16),
                    HashingOp::Vnodes(64),
                    HashingOp::Vnodes(256),
                ],
            ),
        },
        Preset {
            slug: "failure-replicas",
            title: "A node fails, three replicas",
            description: "Each key lives on three distinct nodes. When n3 fails only the keys it was \
                          primary for change primary, and every key that listed n3 gets one new \
                          replica from the next node clockwise.",
            scenario: hashing(
                HashingParams {
                    vnodes: 64,
                    keys: 5000,
                    replicas: 3,
                    ..base
                },
                vec![HashingOp::Remove(netsplit_sim::NodeId(3))],
            ),
        },
        Preset {
            slug: "bounded-loads",
            title: "Bounded loads",
            description: "With four tokens per node a plain ring is lumpy. Bounded loads caps every \
                          node at (1+ε) times its fair share and sends overflow clockwise; tighten \
                          ε from 25% to 5% and the peak follows it down.",
            scenario: hashing(
                HashingParams {
                    strategy: Strategy::Ring,
                    vnodes: 4,
                    keys: 5000,
                    ..base
                },
                vec![
                    HashingOp::Strategy(Strategy::Bounded),
                    HashingOp::Epsilon(5),
                    HashingOp::Nodes(9),
                ],
            ),
        },
        Preset {
            slug: "jump-last-or-middle",
            title: "Jump: the last bucket or a middle one",
            description: "Jump hash needs no table, but its buckets are numbered. Dropping the last \
                          node moves only its keys; removing n3 hands bucket 3 to the last node, so \
                          that node's keys move as well.",
            scenario: hashing(
                HashingParams {
                    strategy: Strategy::Jump,
                    nodes: 10,
                    ..base
                },
                vec![
                    HashingOp::Nodes(9),
                    HashingOp::Nodes(10),
                    HashingOp::Remove(netsplit_sim::NodeId(3)),
                ],
            ),
        },
        Preset {
            slug: "weights",
            title: "Weighted rendezvous",
            description: "Rendezvous hashing gives a node of weight w w draws and keeps its best: n0 \
                          at weight 3 holds three shares, and only keys that must move to it do.",
            scenario: hashing(
                HashingParams {
                    strategy: Strategy::Rendezvous,
                    nodes: 6,
                    ..base
                },
                vec![HashingOp::Weight(netsplit_sim::NodeId(0), 3)],
            ),
        },
    ]
}
