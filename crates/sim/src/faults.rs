//! Random fault schedules for simulation testing: crashes, restarts, partitions and bad links.

use crate::{Action, Chance, Link, NodeId, Partition, Rng, Span, Time, Timed};

/// What a random fault schedule may contain.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FaultPlan {
    /// How many nodes the cluster has.
    pub nodes: usize,
    /// Faults happen in `0..until`; afterwards everything is restarted, healed and calm.
    pub until: Time,
    /// The mean gap between two faults.
    pub mean_gap: Span,
    /// The calm link the network returns to.
    pub calm: Link,
}

/// A random schedule of faults drawn from `seed`, ending with every node restarted, the
/// network healed and the links calm at `plan.until`.
pub fn random_faults<C>(seed: u64, plan: &FaultPlan) -> Vec<Timed<Action<C>>> {
    let mut rng = Rng::seeded(seed ^ 0x6e65_7473_706c_6974);
    let mut actions = Vec::new();
    let mut down = vec![false; plan.nodes];
    let mut t = 0;
    loop {
        t += 1 + rng.below(2 * plan.mean_gap.as_millis().max(1));
        if t >= plan.until.0 {
            break;
        }
        let node = NodeId(rng.below(plan.nodes as u64) as u16);
        let action = match rng.below(6) {
            0 | 1 => {
                down[node.index()] = !down[node.index()];
                if down[node.index()] {
                    Action::Crash(node)
                } else {
                    Action::Restart(node)
                }
            }
            2 => {
                let mut group: Vec<NodeId> = NodeId::all(plan.nodes)
                    .filter(|_| rng.below(2) == 0)
                    .collect();
                if group.is_empty() {
                    group.push(node);
                }
                Action::Partition(Partition(vec![group]))
            }
            3 => Action::Heal,
            _ => Action::SetLinks(Link {
                latency_min: plan.calm.latency_min,
                latency_max: plan.calm.latency_max + Span(rng.below(400)),
                drop: Chance::percent(rng.below(40) as u32),
                duplicate: Chance::percent(rng.below(20) as u32),
            }),
        };
        actions.push(Timed {
            at: Time(t),
            action,
        });
    }
    let calm_at = plan.until;
    for (i, _) in down.iter().enumerate().filter(|(_, d)| **d) {
        actions.push(Timed {
            at: calm_at,
            action: Action::Restart(NodeId(i as u16)),
        });
    }
    actions.push(Timed {
        at: calm_at,
        action: Action::Heal,
    });
    actions.push(Timed {
        at: calm_at,
        action: Action::SetLinks(plan.calm),
    });
    actions
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::NoCommand;

    #[test]
    fn schedules_are_reproducible_and_end_calm() {
        let plan = FaultPlan {
            nodes: 5,
            until: Time(20_000),
            mean_gap: Span(700),
            calm: Link::default(),
        };
        let a: Vec<Timed<Action<NoCommand>>> = random_faults(3, &plan);
        assert_eq!(a, random_faults::<NoCommand>(3, &plan));
        assert_ne!(a, random_faults::<NoCommand>(4, &plan));
        assert!(a.len() > 10);
        assert!(a.windows(2).all(|w| w[0].at <= w[1].at));
        let last = &a[a.len() - 1];
        assert_eq!(last.action, Action::SetLinks(Link::default()));
        let mut up = [true; 5];
        for timed in &a {
            match timed.action {
                Action::Crash(n) => up[n.index()] = false,
                Action::Restart(n) => up[n.index()] = true,
                _ => {}
            }
        }
        assert!(up.iter().all(|&u| u), "every node is up at the end");
    }
}
