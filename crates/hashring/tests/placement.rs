//! The strategies against the papers that define them: jump hash against its published
//! reference code, minimal movement (Karger et al. 1997, §4; Thaler and Ravishankar 1998;
//! Lamping and Veach 2014, §2), balance against virtual-node count, and the bound of bounded
//! loads and what it costs in movement against ε (Mirrokni et al. 2018, §2 and Theorem 1.1).

use netsplit_hashring::{
    Balance, Config, Movement, Op, Params, Placement, Placing, Strategy, hash64,
    imbalance_by_vnodes, jump,
};
use netsplit_sim::NodeId;
use proptest::prelude::*;

/// Outputs of the reference code in Figure 1 of Lamping and Veach (compiled as C++, 64-bit),
/// as (key, buckets, bucket).
const JUMP_REFERENCE: [(u64, u32, u32); 36] = [
    (0x0, 1, 0),
    (0x0, 57, 0),
    (0x0, 1000, 0),
    (0x0, 2147483647, 0),
    (0x1, 10, 6),
    (0x1, 100, 55),
    (0x1, 666, 549),
    (0x1, 65536, 21134),
    (0x2, 2, 0),
    (0x2, 100, 62),
    (0x2, 1024, 338),
    (0x2a, 1, 0),
    (0x2a, 57, 43),
    (0x2a, 1000, 571),
    (0x2a, 2147483647, 1603940301),
    (0x100, 10, 3),
    (0x100, 666, 520),
    (0x100, 1024, 520),
    (0x100, 65536, 8799),
    (0xdead10cc, 2, 1),
    (0xdead10cc, 100, 94),
    (0xdead10cc, 666, 361),
    (0xdead10cc, 1024, 361),
    (0xdeadbeef, 1, 0),
    (0xdeadbeef, 57, 16),
    (0xdeadbeef, 1000, 285),
    (0xdeadbeef, 2147483647, 1452406526),
    (0x3039, 10, 1),
    (0x3039, 666, 462),
    (0x3039, 65536, 10170),
    (0xffffffffffffffff, 2, 1),
    (0xffffffffffffffff, 100, 92),
    (0xffffffffffffffff, 1024, 313),
    (0x123456789abcdef, 1, 0),
    (0x123456789abcdef, 57, 35),
    (0x123456789abcdef, 2147483647, 1651575352),
];

#[test]
fn jump_matches_the_published_reference_code() {
    for (key, buckets, bucket) in JUMP_REFERENCE {
        assert_eq!(jump(key, buckets), bucket, "jump({key:#x}, {buckets})");
    }
}

#[test]
fn the_hash_is_xxh3_as_specified() {
    // The XXH3_64bits test vector for the empty input with seed 0; a seed changes the result.
    assert_eq!(hash64(b"", 0), 0x2D06_8005_38D3_94C2);
    assert_ne!(hash64(b"", 1), hash64(b"", 0));
}

fn cluster(strategy: Strategy, nodes: u32, vnodes: u32, keys: u32) -> Config {
    Config::new(&Params {
        strategy,
        nodes,
        vnodes,
        keys,
        ..Params::default()
    })
}

/// Applies `op` and returns the placements before and after, with the movement.
fn change(config: &Config, op: Op) -> (Placement, Placement, Movement) {
    let mut after = config.clone();
    after.apply(op).expect("the change is allowed");
    let (a, b) = (config.place(), after.place());
    let movement = Movement::between(&a, &config.fair_shares(), &b, &after.fair_shares());
    (a, b, movement)
}

#[test]
fn a_joining_node_takes_keys_only_for_itself() {
    // Karger et al. §4 (monotonicity); rendezvous and jump share the property.
    for strategy in [Strategy::Ring, Strategy::Rendezvous, Strategy::Jump] {
        let config = cluster(strategy, 9, 64, 20_000);
        let (before, after, movement) = change(&config, Op::Nodes(10));
        let newcomer = NodeId(9);
        for k in 0..before.keys() {
            if before.primary(k) != after.primary(k) {
                assert_eq!(after.primary(k), newcomer, "{strategy}: key {k}");
            }
        }
        assert!((movement.ideal - 0.1).abs() < 1e-9);
        let fraction = movement.fraction();
        assert!(
            (0.06..0.15).contains(&fraction),
            "{strategy} moved {fraction}, ideal 0.1"
        );
    }
}

#[test]
fn a_leaving_node_gives_up_only_its_own_keys() {
    for (strategy, leaving) in [
        (Strategy::Ring, NodeId(3)),
        (Strategy::Rendezvous, NodeId(3)),
        // Jump hash can only drop the last bucket without disturbing others.
        (Strategy::Jump, NodeId(9)),
    ] {
        let config = cluster(strategy, 10, 64, 20_000);
        let (before, after, movement) = change(&config, Op::Remove(leaving));
        for k in 0..before.keys() {
            if before.primary(k) != after.primary(k) {
                assert_eq!(before.primary(k), leaving, "{strategy}: key {k}");
            }
        }
        assert!(movement.moved > 0);
    }
}

#[test]
fn jump_removing_a_middle_bucket_also_moves_the_last_nodes_keys() {
    let config = cluster(Strategy::Jump, 10, 1, 20_000);
    let (before, _, movement) = change(&config, Op::Remove(NodeId(3)));
    // n9 takes over bucket 3; the keys of bucket 9 jump again, and those that land in bucket 3
    // stay with n9.
    assert!(
        movement
            .flows
            .iter()
            .all(|f| [NodeId(3), NodeId(9)].contains(&f.from))
    );
    assert!(movement.moved > before.loads()[3] + before.loads()[9] / 2);
    assert!(movement.fraction() > 1.5 * movement.ideal);
}

#[test]
fn modulo_moves_about_all_but_one_in_n() {
    for n in [4, 8, 16] {
        let config = cluster(Strategy::Modulo, n, 1, 20_000);
        let (_, _, movement) = change(&config, Op::Nodes(n + 1));
        // A key stays only if hash mod n = hash mod (n + 1): about 1 in n + 1 keys.
        let expected = f64::from(n) / f64::from(n + 1);
        assert!(
            (movement.fraction() - expected).abs() < 0.02,
            "n = {n}: moved {}, expected about {expected}",
            movement.fraction()
        );
    }
}

#[test]
fn more_virtual_nodes_flatten_the_load_as_one_over_root_v() {
    // With V tokens per node a node's share is a sum of V arcs: its relative spread shrinks
    // as 1/√V, so the excess of the peak load over the fair share should shrink about 4× from
    // 16 to 256 tokens. One layout is one random draw; the average over 12 seeds is steady.
    let curves: Vec<Vec<(u32, f64)>> = (1..=12)
        .map(|seed| {
            let mut config = cluster(Strategy::Ring, 16, 1, 50_000);
            config.seed = seed;
            imbalance_by_vnodes(&config)
        })
        .collect();
    let excess = |v: u32| {
        let total: f64 = curves
            .iter()
            .map(|c| c.iter().find(|(x, _)| *x == v).unwrap().1 - 1.0)
            .sum();
        total / curves.len() as f64
    };
    assert!(excess(1) > 1.0, "one token per node is badly skewed");
    let ratio = excess(16) / excess(256);
    assert!((2.5..6.5).contains(&ratio), "ratio {ratio}");
    assert!(excess(512) < 0.15, "excess at 512: {}", excess(512));
}

#[test]
fn weights_share_keys_in_proportion() {
    for strategy in [Strategy::Ring, Strategy::Rendezvous, Strategy::Bounded] {
        let mut config = cluster(strategy, 4, 128, 40_000);
        config.apply(Op::Weight(NodeId(0), 4)).unwrap();
        let placement = config.place();
        // n0 should hold 4/7 of the keys.
        let share = f64::from(placement.loads()[0]) / 40_000.0;
        assert!(
            (share - 4.0 / 7.0).abs() < 0.05,
            "{strategy}: n0 holds {share}"
        );
    }
}

#[test]
fn bounded_loads_move_few_keys_for_their_slack() {
    // Mirrokni et al. 2018, Theorems 1.1 and 1.2: when a bin joins or leaves, the keys moved
    // are within O(1/ε²) of the least possible (a fair share, m/n) for ε ≤ 1, and within
    // 1 + O(log c / c) of it for c = 1 + ε ≥ 2; Aamand, Knudsen and Thorup (2021) sharpen this to
    // O(C/ε) keys for capacity C = (1+ε)·m/n, that is (1+ε)/ε fair shares. The bounds hide
    // their constants; this test holds the sharper one's to 1, on average since the theorems
    // are about expectations, and checks that more slack never moves more keys (up to noise).
    const SEEDS: u64 = 24;
    const KEYS: u32 = 6_000;
    for vnodes in [1, 16] {
        let mut previous = f64::INFINITY;
        for percent in [5u32, 10, 25, 50, 100] {
            let epsilon = f64::from(percent) / 100.0;
            let mut shares_moved = 0.0;
            for seed in 0..SEEDS {
                let config = Config::new(&Params {
                    strategy: Strategy::Bounded,
                    nodes: 10,
                    vnodes,
                    keys: KEYS,
                    replicas: 1,
                    epsilon: percent,
                    seed,
                });
                // A join (fair share m/11) and a leave (the leaver held about m/10).
                for (op, nodes) in [(Op::Nodes(11), 11.0), (Op::Remove(NodeId(3)), 10.0)] {
                    let (_, _, movement) = change(&config, op);
                    shares_moved += f64::from(movement.moved) / (f64::from(KEYS) / nodes);
                }
            }
            let mean = shares_moved / (2 * SEEDS) as f64;
            let bound = (1.0 + epsilon) / epsilon;
            assert!(
                mean <= bound,
                "{vnodes} vnodes, ε {percent}%: moved {mean:.2} fair shares, bound {bound:.2}"
            );
            assert!(
                mean <= previous * 1.05,
                "{vnodes} vnodes: more slack (ε {percent}%) moved more keys: {mean:.2} > {previous:.2}"
            );
            previous = mean;
        }
    }
}

/// A history's cost is known before it runs: the heaviest one the ranges allow (every key, node
/// and replica, rendezvous, a thousand changes) would take minutes and is refused with a
/// sentence saying how far to go; one just inside the budget is accepted.
#[test]
fn a_history_over_the_work_budget_is_refused_before_it_runs() {
    use netsplit_hashring::HashingScenario;
    use netsplit_sim::lab::Lab;
    let params = Params {
        strategy: Strategy::Rendezvous,
        nodes: 64,
        vnodes: 512,
        keys: 100_000,
        replicas: 5,
        epsilon: 5,
        seed: 1,
    };
    let history = |changes: usize| HashingScenario {
        params,
        ops: (0..changes)
            .map(|i| Op::Weight(NodeId((i % 64) as u16), 1 + (i % 8) as u32))
            .collect(),
    };
    let refused = netsplit_hashring::HashingLab::validate(&history(HashingScenario::MAX_OPS))
        .unwrap_err()
        .to_string();
    assert_eq!(
        refused,
        "this history would take about 32032 million key steps (its keys placed 1001 times), over \
         the 300 million a history may take; use fewer keys, nodes, virtual nodes or changes (at \
         its starting settings, at most 9 placements, that is 8 changes)"
    );
    assert!(netsplit_hashring::HashingLab::validate(&history(8)).is_ok());
    assert!(netsplit_hashring::HashingLab::validate(&history(9)).is_err());
}

/// A history's report made a few hundred keys at a time, as the page makes it between frames,
/// is the report made at once: the same hash and the same line for every step.
#[test]
fn a_report_in_slices_is_the_report_at_once() {
    use netsplit_hashring::{HashingLab, Reporting};
    use netsplit_sim::Time;
    use netsplit_sim::lab::{Lab, Recording};
    for preset in HashingLab::presets() {
        let history = preset.scenario;
        let mut run = HashingLab::start(&history, Recording::Full).unwrap();
        HashingLab::run_until(&mut run, Time(history.ops.len() as u64));
        let mut reporting = Reporting::new(&run);
        let mut done = 0.0;
        while !reporting.go(333) {
            assert!(reporting.done() > done && reporting.done() < 1.0);
            done = reporting.done();
        }
        assert_eq!(reporting.done(), 1.0);
        assert_eq!(
            reporting.report(),
            HashingLab::report(&run),
            "{}",
            preset.slug
        );
    }
}

#[test]
fn out_of_range_changes_are_refused_and_change_nothing() {
    let mut config = cluster(Strategy::Ring, 3, 8, 100);
    let original = config.clone();
    assert_eq!(
        config.apply(Op::Vnodes(0)),
        Err("virtual nodes must be between 1 and 512, got 0".into())
    );
    assert_eq!(
        config.apply(Op::Remove(NodeId(7))),
        Err("there is no node n7".into())
    );
    config.apply(Op::Replicas(3)).unwrap();
    assert!(
        config
            .apply(Op::Nodes(2))
            .unwrap_err()
            .contains("3 replicas")
    );
    assert!(config.apply(Op::Weight(NodeId(1), 9)).is_err());
    assert_eq!(config.members, original.members);
}

fn strategy() -> impl proptest::strategy::Strategy<Value = Strategy> {
    proptest::sample::select(Strategy::ALL.to_vec())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Mirrokni et al. §2: no bin ever holds more than ⌈(1 + ε)·m/n⌉ balls, and every ball
    /// is placed.
    #[test]
    fn bounded_loads_never_exceed_the_bound(
        nodes in 1u32..20,
        weights in proptest::collection::vec(1u32..=8, 20),
        vnodes in 1u32..40,
        keys in 10u32..3000,
        epsilon in 5u32..=100,
        seed in any::<u64>(),
    ) {
        let mut config = Config::new(&Params {
            strategy: Strategy::Bounded,
            nodes, vnodes, keys, epsilon, seed, replicas: 1,
        });
        for (i, w) in weights.iter().take(nodes as usize).enumerate() {
            config.apply(Op::Weight(NodeId(i as u16), *w)).unwrap();
        }
        let placement = config.place();
        let total: u64 = config.members.iter().map(|m| u64::from(m.weight)).sum();
        prop_assert_eq!(placement.keys(), keys as usize);
        prop_assert_eq!(placement.loads().iter().sum::<u32>(), keys);
        for (m, load) in config.members.iter().zip(placement.loads()) {
            let bound = ((100 + u64::from(epsilon)) * u64::from(keys) * u64::from(m.weight))
                .div_ceil(100 * total);
            prop_assert!(u64::from(*load) <= bound, "{} holds {} > {}", m.id, load, bound);
        }
        // And each key sits where the paper's rule puts it, computed here on its own: keys in
        // order walk clockwise from their point to the first token whose bin is not full.
        let mut tokens: Vec<(u64, usize)> =
            config.layout().tokens().map(|t| (t.point, usize::from(t.member))).collect();
        tokens.sort();
        let capacity: Vec<u64> = config
            .members
            .iter()
            .map(|m| ((100 + u64::from(epsilon)) * u64::from(keys) * u64::from(m.weight)).div_ceil(100 * total))
            .collect();
        let mut held = vec![0u64; config.members.len()];
        for (k, point) in config.key_points().into_iter().enumerate() {
            let start = tokens.partition_point(|&(p, _)| p < point);
            let bin = (0..tokens.len())
                .map(|i| tokens[(start + i) % tokens.len()].1)
                .find(|&b| held[b] < capacity[b])
                .expect("the bins hold more than every key");
            held[bin] += 1;
            prop_assert_eq!(placement.primary(k), config.members[bin].id, "key {}", k);
        }
    }

    /// No change moves fewer keys than the change of the actual loads demands, and the ideal
    /// and the floor agree on what a change of fair shares means.
    #[test]
    fn movement_never_falls_below_its_floor(
        strategy in strategy(),
        nodes in 2u32..16,
        keys in 100u32..2000,
        op in 0u8..3,
        seed in any::<u64>(),
    ) {
        let config = Config::new(&Params {
            strategy, nodes, vnodes: 16, keys, replicas: 1, epsilon: 25, seed,
        });
        let op = match op {
            0 => Op::Nodes(nodes + 1),
            1 => Op::Remove(NodeId(0)),
            _ => Op::Weight(NodeId(1), 3),
        };
        let (before, after, movement) = change(&config, op);
        prop_assert!(movement.moved >= movement.floor);
        let floor: u32 = before
            .members()
            .iter()
            .map(|m| m.id)
            .chain(after.members().iter().map(|m| m.id))
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .map(|id| {
                let count = |p: &netsplit_hashring::Placement| {
                    (0..p.keys()).filter(|&k| p.primary(k) == id).count() as i64
                };
                (count(&after) - count(&before)).unsigned_abs() as u32
            })
            .sum::<u32>()
            / 2;
        prop_assert_eq!(movement.floor, floor);
    }

    /// Every preference list holds R distinct members of the cluster.
    #[test]
    fn preference_lists_hold_distinct_members(
        strategy in strategy(),
        nodes in 1u32..12,
        replicas in 1u32..=5,
        seed in any::<u64>(),
    ) {
        let replicas = replicas.min(nodes);
        let config = Config::new(&Params {
            strategy, nodes, vnodes: 8, keys: 200, replicas, epsilon: 25, seed,
        });
        let placement = config.place();
        for k in 0..placement.keys() {
            let list = placement.list(k);
            prop_assert_eq!(list.len(), replicas as usize);
            for (i, id) in list.iter().enumerate() {
                prop_assert!(config.members.iter().any(|m| m.id == *id));
                prop_assert!(!list[..i].contains(id));
            }
        }
        // The loads and the peak agree with the lists, counted here from the primaries.
        let shares = config.fair_shares();
        let mut primaries = vec![0u32; config.members.len()];
        for k in 0..placement.keys() {
            let at = placement.members().iter().position(|m| m.id == placement.list(k)[0]);
            primaries[at.expect("a primary is a member")] += 1;
        }
        prop_assert_eq!(placement.loads(), &primaries[..]);
        let peak = primaries
            .iter()
            .zip(&shares)
            .map(|(&load, share)| f64::from(load) / (placement.keys() as f64 * share))
            .fold(0.0, f64::max);
        let balance = Balance::of(&placement, &shares);
        prop_assert!((balance.peak - peak).abs() < 1e-9, "{} against {peak}", balance.peak);
    }

    /// A placement is a function of the cluster: placing twice gives the same lists, and the
    /// lookup of one key agrees with placing all of them (bounded loads aside).
    #[test]
    fn lookup_agrees_with_placement(strategy in strategy(), nodes in 1u32..12, seed in any::<u64>()) {
        let config = Config::new(&Params { strategy, nodes, vnodes: 8, keys: 100, replicas: 1, epsilon: 25, seed });
        let placement = config.place();
        prop_assert_eq!(&placement, &config.place());
        if strategy != Strategy::Bounded {
            let layout = config.layout();
            for (k, point) in config.key_points().into_iter().enumerate() {
                prop_assert_eq!(layout.lookup(point), placement.primary(k));
            }
        }
    }

    /// Placed a few keys at a time, as the page places them between frames, the keys land
    /// where they land placed at once, bounded loads' order-dependent capacities included.
    #[test]
    fn placing_in_slices_places_as_at_once(
        strategy in strategy(),
        nodes in 1u32..12,
        replicas in 1u32..=3,
        slice in 1usize..50,
        seed in any::<u64>(),
    ) {
        let config = Config::new(&Params {
            strategy, nodes, vnodes: 8, keys: 300, replicas, epsilon: 5, seed,
        });
        let (layout, points) = (config.layout(), config.key_points());
        let mut placing = Placing::new(&layout, points.len());
        let mut slices = 1;
        while !placing.go(&layout, &points, slice) {
            prop_assert_eq!(placing.placed(), slices * slice);
            slices += 1;
        }
        prop_assert_eq!(slices, points.len().div_ceil(slice));
        prop_assert_eq!(placing.finish(&layout), config.place());
    }
}
