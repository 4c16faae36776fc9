//! The checker against a verdict derived independently: every order of a small history tried
//! by brute force (Herlihy and Wing 1990's definition, taken literally).

use netsplit_history::linear::{check, orderable, smallest_unorderable};
use netsplit_history::{History, Kind, OpId, Outcome, sessions, text};
use proptest::prelude::*;

/// Whether some order of the operations that took effect (and any subset of the writes that
/// got no answer) respects real time and gives every read the last value written.
fn brute_force(h: &History) -> bool {
    let must: Vec<usize> = (0..h.ops.len()).filter(|&i| h.ops[i].ok()).collect();
    let maybe: Vec<usize> = (0..h.ops.len())
        .filter(|&i| {
            let op = &h.ops[i];
            matches!(op.kind, Kind::Write(_)) && !op.ok() && op.outcome != Outcome::Failed
        })
        .collect();
    (0..1u32 << maybe.len()).any(|mask| {
        let mut ops = must.clone();
        ops.extend(
            maybe
                .iter()
                .enumerate()
                .filter(|(b, _)| mask >> b & 1 == 1)
                .map(|(_, &i)| i),
        );
        permutations_fit(h, &mut Vec::new(), &mut ops)
    })
}

fn permutations_fit(h: &History, order: &mut Vec<usize>, left: &mut Vec<usize>) -> bool {
    if left.is_empty() {
        return fits(h, order);
    }
    for i in 0..left.len() {
        let next = left.remove(i);
        // Real time: nothing left may have returned before `next` began.
        if !left.iter().any(|&o| h.ops[o].precedes(&h.ops[next])) {
            order.push(next);
            if permutations_fit(h, order, left) {
                return true;
            }
            order.pop();
        }
        left.insert(i, next);
    }
    false
}

fn fits(h: &History, order: &[usize]) -> bool {
    let mut value = None;
    for &i in order {
        let op = &h.ops[i];
        match op.kind {
            Kind::Write(v) => value = Some(v),
            Kind::Read => {
                let want: Vec<u32> = value.into_iter().collect();
                if op.values() != Some(&want[..]) {
                    return false;
                }
            }
        }
    }
    true
}

/// A small history on one key: each client's operations one after another, reads returning
/// any value written (or nothing, or two at once), some answers missing or refusals.
fn history() -> impl Strategy<Value = History> {
    let op = (0u16..3, any::<bool>(), 1u64..6, 1u64..8, 0u8..10, 0usize..5);
    prop::collection::vec(op, 1..8).prop_map(|ops| {
        let mut h = History::default();
        let mut free = [0u64; 3];
        let mut written = Vec::new();
        for (n, (client, is_write, gap, length, ending, pick)) in ops.into_iter().enumerate() {
            let start = free[client as usize] + gap;
            let end = start + length;
            free[client as usize] = end;
            let kind = if is_write {
                written.push(n as u32 + 1);
                Kind::Write(n as u32 + 1)
            } else {
                Kind::Read
            };
            let outcome = match ending {
                0 => Outcome::Unknown,
                1 => Outcome::Failed,
                _ if is_write => Outcome::Ok(Vec::new()),
                9 if written.len() >= 2 => Outcome::Ok(written[..2].to_vec()),
                _ if pick < written.len() => Outcome::Ok(vec![written[pick]]),
                _ => Outcome::Ok(Vec::new()),
            };
            let id = h.invoke(client, 0, kind, start);
            h.finish(id, end, outcome);
        }
        h
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    #[test]
    fn the_checker_agrees_with_trying_every_order(h in history()) {
        prop_assert_eq!(check(&h).linearizable(), brute_force(&h), "{}", text::write(&h));
    }

    #[test]
    fn a_smallest_set_cannot_be_ordered_and_loses_that_without_any_one(h in history()) {
        if let Some((key, broken)) = check(&h).broken() {
            let set = smallest_unorderable(&h, key, broken);
            prop_assert!(!set.is_empty());
            prop_assert!(!orderable(&h, &set));
            for &id in &set {
                let group: Vec<OpId> = match h.op(id).kind {
                    Kind::Write(v) => set.iter().copied().filter(|&r| r == id
                        || h.op(r).values().is_some_and(|vs| vs.contains(&v))).collect(),
                    Kind::Read => vec![id],
                };
                let rest: Vec<OpId> = set.iter().copied().filter(|x| !group.contains(x)).collect();
                prop_assert!(rest.is_empty() || orderable(&h, &rest), "{}", text::write(&h));
            }
        }
    }

    #[test]
    fn a_linearizable_history_keeps_every_session_guarantee(h in history()) {
        if check(&h).linearizable() {
            let s = sessions::check(&h);
            prop_assert!(s.breaches().is_empty(), "{:?}\n{}", s.breaches(), text::write(&h));
            prop_assert_eq!(s.staleness().stale, 0);
        }
    }

    #[test]
    fn histories_survive_the_text_format(h in history()) {
        prop_assert_eq!(text::parse(&text::write(&h)).unwrap(), h);
    }
}
