//! The algebra every state-based CRDT must obey (Shapiro et al. 2011, §2.2–2.3), checked by
//! property tests on states reached by random histories of updates and merges, for every type.

use netsplit_crdt::{Kind, State};
use netsplit_sim::NodeId;
use proptest::prelude::*;

const REPLICAS: usize = 3;

/// One step of a history: replica `who` applies its `pick`-th operation on `letter`, or merges
/// the state of the next replica.
#[derive(Clone, Debug)]
struct Step {
    who: usize,
    pick: usize,
    letter: char,
}

fn steps() -> impl Strategy<Value = Vec<Step>> {
    prop::collection::vec(
        (0..REPLICAS, 0..4usize, prop::char::range('a', 'd'))
            .prop_map(|(who, pick, letter)| Step { who, pick, letter }),
        0..40,
    )
}

fn kind() -> impl Strategy<Value = Kind> {
    prop::sample::select(Kind::ALL.to_vec())
}

/// Runs a history; returns every state any replica held, in order, and the updates applied as
/// (state before, state after).
fn run(kind: Kind, steps: &[Step]) -> (Vec<State>, Vec<(State, State)>) {
    let mut replicas = vec![kind.empty(); REPLICAS];
    let mut states = vec![kind.empty()];
    let mut updates = Vec::new();
    for step in steps {
        let before = replicas[step.who].clone();
        let ops = kind.ops(step.letter);
        if step.pick == 3 {
            let other = replicas[(step.who + 1) % REPLICAS].clone();
            replicas[step.who].merge(&other, None);
        } else if replicas[step.who]
            .apply(NodeId(step.who as u16), ops[step.pick % ops.len()])
            .is_ok()
        {
            updates.push((before, replicas[step.who].clone()));
        }
        states.push(replicas[step.who].clone());
    }
    (states, updates)
}

fn join(a: &State, b: &State) -> State {
    let mut out = a.clone();
    out.merge(b, None);
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn merge_is_commutative_associative_and_idempotent(
        kind in kind(), history in steps(), picks in prop::collection::vec(any::<prop::sample::Index>(), 3)
    ) {
        let (states, _) = run(kind, &history);
        let [a, b, c] = [0, 1, 2].map(|i| picks[i].get(&states).clone());
        prop_assert_eq!(join(&a, &b), join(&b, &a));
        prop_assert_eq!(join(&join(&a, &b), &c), join(&a, &join(&b, &c)));
        prop_assert_eq!(join(&a, &a), a.clone());
    }

    #[test]
    fn updates_and_merges_only_move_up(
        kind in kind(), history in steps(), picks in prop::collection::vec(any::<prop::sample::Index>(), 2)
    ) {
        let (states, updates) = run(kind, &history);
        for (before, after) in &updates {
            prop_assert!(before.leq(after), "{before} -> {after}");
        }
        let [a, b] = [0, 1].map(|i| picks[i].get(&states).clone());
        let joined = join(&a, &b);
        prop_assert!(a.leq(&joined) && b.leq(&joined));
    }

    /// The order and the join agree: a ≤ b exactly when a ⊔ b = b (§2.2), for pairs from one
    /// history, where some are ordered and some are not.
    #[test]
    fn the_order_is_the_one_the_join_defines(
        kind in kind(), history in steps(), picks in prop::collection::vec(any::<prop::sample::Index>(), 2)
    ) {
        let (states, _) = run(kind, &history);
        let [a, b] = [0, 1].map(|i| picks[i].get(&states).clone());
        prop_assert_eq!(a.leq(&b), join(&a, &b) == b, "{} and {}", a, b);
        prop_assert_eq!(b.leq(&a), join(&b, &a) == a, "{} and {}", b, a);
        let joined = join(&a, &b);
        prop_assert!(a.leq(&joined) && joined.leq(&joined));
    }

    /// Replicas that have seen the same updates, merged in any order and any grouping, are
    /// equal: strong eventual consistency (§2.3).
    #[test]
    fn the_same_updates_in_any_order_and_grouping_give_the_same_state(
        kind in kind(), history in steps(), order in any::<u64>()
    ) {
        let (_, updates) = run(kind, &history);
        let afters: Vec<State> = updates.into_iter().map(|(_, after)| after).collect();
        let mut forward = kind.empty();
        for s in &afters {
            forward.merge(s, None);
        }
        // Another order (a rotation chosen by the seed, then reversed) in pairs, then together.
        let mut shuffled = afters.clone();
        if !shuffled.is_empty() {
            let len = shuffled.len();
            shuffled.rotate_left(order as usize % len);
            shuffled.reverse();
        }
        let grouped: Vec<State> = shuffled
            .chunks(2)
            .map(|pair| pair.iter().fold(kind.empty(), |acc, s| join(&acc, s)))
            .collect();
        let mut backward = kind.empty();
        for s in grouped.iter().rev() {
            backward.merge(s, None);
            backward.merge(s, None);
        }
        prop_assert_eq!(forward, backward);
    }
}
