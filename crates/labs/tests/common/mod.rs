//! Scenarios whose trace hashes are recorded: the host and the browser must both reproduce them.

use netsplit_crdt::CrdtLab;
use netsplit_hashring::{HashingScenario, Op, Params, Strategy};
use netsplit_labs::{Member, Scenario, presets};
use netsplit_paxos::PaxosLab;
use netsplit_sim::lab::NetworkLab;
use netsplit_sim::{Action, MsgId, NodeId, Time, Timed};
use netsplit_txn::TxnLab;

/// (name, scenario, the trace hash every platform must produce).
pub fn golden() -> Vec<(&'static str, Scenario, u64)> {
    let preset = |slug: &str| preset_of("gossip", slug);
    let raft = |slug: &str| preset_of("raft", slug);
    let paxos = |slug: &str| preset_of("paxos", slug);
    let multi_paxos = netsplit_paxos::Params {
        mode: netsplit_paxos::Mode::Multi,
        ..netsplit_paxos::Params::default()
    };
    let mut handled = preset("lossy");
    let Scenario::Gossip(s) = &mut handled else {
        unreachable!()
    };
    s.seed = 99;
    s.actions.extend([
        Timed {
            at: Time(5000),
            action: Action::HoldMessage(MsgId(130)),
        },
        Timed {
            at: Time(6000),
            action: Action::ReleaseMessage(MsgId(130)),
        },
        Timed {
            at: Time(6500),
            action: Action::DeliverNow(MsgId(163)),
        },
        Timed {
            at: Time(7000),
            action: Action::DropMessage(MsgId(174)),
        },
        Timed {
            at: Time(8000),
            action: Action::Restart(NodeId(1)),
        },
    ]);
    vec![
        ("gossip/crash", preset("crash"), GOSSIP_CRASH),
        ("gossip/partition", preset("partition"), GOSSIP_PARTITION),
        (
            "gossip/lossy with message handling",
            handled,
            GOSSIP_HANDLED,
        ),
        ("raft/partition", raft("partition"), RAFT_PARTITION),
        ("raft/figure-8", raft("figure-8"), RAFT_FIGURE_8),
        ("paxos/duel", paxos("duel"), PAXOS_DUEL),
        (
            "paxos/multi-failover",
            paxos("multi-failover"),
            PAXOS_MULTI_FAILOVER,
        ),
        (
            "crdt/add-remove",
            preset_of("crdt", "add-remove"),
            CRDT_ADD_REMOVE,
        ),
        (
            "crdt/mv-register under faults, seed 5",
            CrdtLab::wrap(CrdtLab::fuzz(
                5,
                netsplit_crdt::Params {
                    kind: netsplit_crdt::Kind::MvRegister,
                    ..netsplit_crdt::Params::default()
                },
                true,
            )),
            CRDT_MV_FAULTS,
        ),
        (
            "paxos/multi under faults, seed 3",
            PaxosLab::wrap(PaxosLab::fuzz(3, multi_paxos, true)),
            PAXOS_MULTI_FAULTS,
        ),
        (
            "transactions/3pc-partition",
            preset_of("transactions", "3pc-partition"),
            TXN_3PC_PARTITION,
        ),
        (
            "transactions/2pc under faults, seed 3",
            TxnLab::wrap(TxnLab::fuzz(3, TxnLab::fuzz_params(), true)),
            TXN_2PC_FAULTS,
        ),
        (
            "hashing/every strategy",
            every_strategy(),
            HASHING_EVERY_STRATEGY,
        ),
    ]
}

/// A history that passes through every placement strategy with weights, replicas and a
/// failure, so every strategy's arithmetic is covered.
pub fn every_strategy() -> Scenario {
    Scenario::Hashing(HashingScenario {
        params: Params {
            strategy: Strategy::Ring,
            nodes: 12,
            vnodes: 32,
            keys: 20_000,
            replicas: 3,
            epsilon: 10,
            seed: 42,
        },
        ops: vec![
            Op::Weight(NodeId(2), 5),
            Op::Remove(NodeId(4)),
            Op::Strategy(Strategy::Rendezvous),
            Op::Strategy(Strategy::Jump),
            Op::Nodes(14),
            Op::Strategy(Strategy::Bounded),
            Op::Strategy(Strategy::Modulo),
        ],
    })
}

fn preset_of(lab: &str, slug: &str) -> Scenario {
    presets(lab)
        .into_iter()
        .find(|p| p.slug == slug)
        .expect("preset exists")
        .scenario
}

const GOSSIP_CRASH: u64 = 0x6bfd_38ae_f392_9817;
const GOSSIP_PARTITION: u64 = 0x16ca_f471_51ee_08b5;
const GOSSIP_HANDLED: u64 = 0x5121_5495_158c_1389;
const RAFT_PARTITION: u64 = 0x1c24_bc08_c18c_44f1;
// The same events as before Durable Commits was checked; the trace now also holds that
// violation (it was 0x91da_40db_2a29_6b8b).
const RAFT_FIGURE_8: u64 = 0x6c59_45b4_2e8e_f0e5;
const PAXOS_DUEL: u64 = 0x2c59_b12c_5ced_842f;
// Multi-Paxos heartbeats say how far the leader has learned, and learners behind catch up:
// recorded again then (it was 0x9f4e_2bfb_e151_77ef).
const PAXOS_MULTI_FAILOVER: u64 = 0x2553_511c_4eb2_b278;
const CRDT_ADD_REMOVE: u64 = 0x38e8_6109_b0c9_4288;
// Fuzz runs: recorded again whenever a lab's fuzzing changes (last: one-way cuts, partitions
// into more than two groups, the nemesis, and a value of its own for each request).
const CRDT_MV_FAULTS: u64 = 0xae62_5508_6252_ad58;
const PAXOS_MULTI_FAULTS: u64 = 0xc348_7717_00fd_e113;
const HASHING_EVERY_STRATEGY: u64 = 0x5434_37ed_65e1_3cdb;
const TXN_3PC_PARTITION: u64 = 0x8b3b_7064_8d0c_431b;
const TXN_2PC_FAULTS: u64 = 0xf130_a983_d888_2e1a;
