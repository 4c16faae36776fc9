//! Fault schedules for simulation testing. [`random_faults`] draws a schedule ahead of the run:
//! crashes and restarts, partitions into two or more groups, one-way cuts, loss, duplication and
//! slow links. A [`Strike`] is a fault aimed at a moment of the run, which a lab's nemesis
//! chooses as the run goes (see [`crate::lab::provoke`]): a leader crashed right after an entry
//! reaches a minority, a voter restarted right after it votes.

use crate::{Action, Chance, Link, MsgId, NodeId, Partition, Rng, Span, Time, Timed};

/// A fault aimed at a moment of a run, asked for by a lab's nemesis while fuzzing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Strike<C> {
    /// Crash `node` `after` from now and restart it `down` later.
    Bounce {
        /// The node.
        node: NodeId,
        /// How long from now it crashes.
        after: Span,
        /// How long it stays down.
        down: Span,
    },
    /// Cut `nodes` off from the rest now, and heal the network `lasting` later.
    Isolate {
        /// The group cut off.
        nodes: Vec<NodeId>,
        /// How long the cut lasts.
        lasting: Span,
    },
    /// Hold `message` in the network now and let it go on `lasting` later, so that it arrives
    /// after messages sent after it.
    Delay {
        /// The message.
        message: MsgId,
        /// How long it is held.
        lasting: Span,
    },
    /// Pause `node`'s process now for `lasting`, as a long garbage collection would.
    Pause {
        /// The node.
        node: NodeId,
        /// How long it stays paused.
        lasting: Span,
    },
    /// Hand `node` a command `after` from now, as a client retrying elsewhere would.
    Command {
        /// The node.
        node: NodeId,
        /// How long from now.
        after: Span,
        /// The command.
        command: C,
    },
}

impl<C> Strike<C> {
    /// The timed actions of the strike made at `now`, or none if any of them would fall at or
    /// after `until`, when faults stop.
    pub fn actions(self, now: Time, until: Time) -> Vec<Timed<Action<C>>> {
        let actions = match self {
            Strike::Bounce { node, after, down } => vec![
                Timed {
                    at: now + after,
                    action: Action::Crash(node),
                },
                Timed {
                    at: now + after + down,
                    action: Action::Restart(node),
                },
            ],
            Strike::Isolate { nodes, lasting } => vec![
                Timed {
                    at: now,
                    action: Action::Partition(Partition(vec![nodes])),
                },
                Timed {
                    at: now + lasting,
                    action: Action::Heal,
                },
            ],
            Strike::Delay { message, lasting } => vec![
                Timed {
                    at: now,
                    action: Action::HoldMessage(message),
                },
                Timed {
                    at: now + lasting,
                    action: Action::ReleaseMessage(message),
                },
            ],
            Strike::Pause { node, lasting } => vec![Timed {
                at: now,
                action: Action::Pause(node, lasting),
            }],
            Strike::Command {
                node,
                after,
                command,
            } => {
                vec![Timed {
                    at: now + after,
                    action: Action::Command(node, command),
                }]
            }
        };
        if actions.iter().all(|a| a.at < until) {
            actions
        } else {
            Vec::new()
        }
    }
}

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

/// Random crashes and restarts of nodes `0..nodes` until `until`, a node toggling at most
/// `most_gap` ms after the last, every node up again at `until`: faults for a protocol that
/// assumes nodes only crash (Bully, 3PC), drawn from `rng`.
pub fn random_crashes<C>(
    rng: &mut Rng,
    nodes: usize,
    until: Time,
    most_gap: u64,
) -> Vec<Timed<Action<C>>> {
    let mut actions = Vec::new();
    let mut down = vec![false; nodes];
    let mut t = 0;
    loop {
        t += 1 + rng.below(most_gap);
        if t >= until.0 {
            break;
        }
        let node = NodeId(rng.below(nodes as u64) as u16);
        let i = node.index();
        down[i] = !down[i];
        let action = if down[i] {
            Action::Crash(node)
        } else {
            Action::Restart(node)
        };
        actions.push(Timed {
            at: Time(t),
            action,
        });
    }
    for node in NodeId::all(nodes).filter(|n| down[n.index()]) {
        actions.push(Timed {
            at: until,
            action: Action::Restart(node),
        });
    }
    actions
}

/// A random schedule of faults drawn from `seed`, ending with every node restarted, the
/// network healed and every link calm at `plan.until`.
pub fn random_faults<C>(seed: u64, plan: &FaultPlan) -> Vec<Timed<Action<C>>> {
    let mut rng = Rng::seeded(seed ^ 0x6e65_7473_706c_6974);
    let mut actions = Vec::new();
    let mut down = vec![false; plan.nodes];
    // One-way links given a setting of their own, which the end of the schedule calms again.
    let mut cut = Vec::new();
    let mut t = 0;
    loop {
        t += 1 + rng.below(2 * plan.mean_gap.as_millis().max(1));
        if t >= plan.until.0 {
            break;
        }
        let node = NodeId(rng.below(plan.nodes as u64) as u16);
        let action = match rng.below(8) {
            0 | 1 => {
                down[node.index()] = !down[node.index()];
                if down[node.index()] {
                    Action::Crash(node)
                } else {
                    Action::Restart(node)
                }
            }
            2 => Action::Partition(random_partition(&mut rng, plan.nodes, node)),
            3 => Action::Heal,
            4 => {
                // A one-way cut: `node` still hears `to`, but `to` no longer hears `node`.
                let others = plan.nodes.max(2) as u64 - 1;
                let to = NodeId(
                    ((u64::from(node.0) + 1 + rng.below(others)) % plan.nodes as u64) as u16,
                );
                let severed = Link {
                    drop: Chance::ALWAYS,
                    ..plan.calm
                };
                if !cut.contains(&(node, to)) {
                    cut.push((node, to));
                }
                Action::SetLink(node, to, severed)
            }
            5 => match cut.pop() {
                Some((from, to)) => Action::SetLink(from, to, plan.calm),
                None => Action::Heal,
            },
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
    let calm = |action| Timed {
        at: calm_at,
        action,
    };
    for (i, _) in down.iter().enumerate().filter(|(_, d)| **d) {
        actions.push(calm(Action::Restart(NodeId(i as u16))));
    }
    actions.push(calm(Action::Heal));
    actions.push(calm(Action::SetLinks(plan.calm)));
    for (from, to) in cut {
        actions.push(calm(Action::SetLink(from, to, plan.calm)));
    }
    actions
}

/// Two, three or four groups, each node in one at random (the last group is the nodes named in
/// none); should every node fall into that last one, `node` is cut off alone instead.
fn random_partition(rng: &mut Rng, nodes: usize, node: NodeId) -> Partition {
    let count = 2 + rng.below(3) as usize;
    let mut groups = vec![Vec::new(); count];
    for id in NodeId::all(nodes) {
        groups[rng.below(count as u64) as usize].push(id);
    }
    groups.pop();
    groups.retain(|g: &Vec<NodeId>| !g.is_empty());
    if groups.is_empty() {
        groups.push(vec![node]);
    }
    Partition(groups)
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
        let mut up = [true; 5];
        let mut own_links = std::collections::BTreeMap::new();
        let mut groups = std::collections::BTreeSet::new();
        for timed in &a {
            match &timed.action {
                Action::Crash(n) => up[n.index()] = false,
                Action::Restart(n) => up[n.index()] = true,
                Action::SetLink(from, to, link) => {
                    own_links.insert((*from, *to), *link);
                }
                Action::Partition(p) => {
                    groups.insert(p.0.len());
                }
                _ => {}
            }
        }
        assert!(up.iter().all(|&u| u), "every node is up at the end");
        assert!(!own_links.is_empty(), "some link is cut one way");
        assert!(
            own_links.values().all(|l| *l == Link::default()),
            "every cut link is calm at the end"
        );
        assert!(
            groups.iter().any(|&g| g >= 2),
            "some partition has three groups or more: {groups:?}"
        );
        let ending: Vec<_> = a
            .iter()
            .filter(|t| t.at == plan.until)
            .map(|t| &t.action)
            .collect();
        assert!(
            ending.contains(&&Action::Heal) && ending.contains(&&Action::SetLinks(Link::default()))
        );
    }
}
