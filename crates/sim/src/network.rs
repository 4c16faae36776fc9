//! The virtual network: latency, loss and duplication per link, and partitions into groups.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

use crate::node::NodeId;
use crate::time::Span;

/// A probability in parts per million, so that it is exact and the same on every platform.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Chance(u32);

impl Chance {
    /// One million parts: certainty.
    pub const MILLION: u32 = 1_000_000;
    /// Never happens.
    pub const NEVER: Chance = Chance(0);
    /// Always happens.
    pub const ALWAYS: Chance = Chance(Self::MILLION);

    /// A chance of `ppm` in a million, capped at certainty.
    pub const fn from_ppm(ppm: u32) -> Chance {
        Chance(if ppm > Self::MILLION {
            Self::MILLION
        } else {
            ppm
        })
    }

    /// A chance of `p` percent, capped at certainty.
    pub const fn percent(p: u32) -> Chance {
        Chance::from_ppm(p.saturating_mul(10_000))
    }

    /// Parts per million.
    pub fn ppm(self) -> u32 {
        self.0
    }
}

impl fmt::Display for Chance {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let tenths = (self.0 + 500) / 1000;
        if tenths.is_multiple_of(10) {
            write!(f, "{}%", tenths / 10)
        } else {
            write!(f, "{}.{}%", tenths / 10, tenths % 10)
        }
    }
}

/// How one direction of a link behaves.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Link {
    /// The least one-way delay.
    pub latency_min: Span,
    /// The greatest one-way delay; each message draws uniformly between the two.
    pub latency_max: Span,
    /// The chance that a message is lost. Scenario files name the unit: `"drop_ppm": 100000`
    /// is 10% (files that say `"drop"` mean parts per million too).
    #[serde(rename = "drop_ppm", alias = "drop")]
    pub drop: Chance,
    /// The chance that a message arrives twice (the copy draws its own delay), in parts per
    /// million like `drop`.
    #[serde(rename = "duplicate_ppm", alias = "duplicate")]
    pub duplicate: Chance,
}

impl Default for Link {
    fn default() -> Link {
        Link {
            latency_min: Span::millis(20),
            latency_max: Span::millis(80),
            drop: Chance::NEVER,
            duplicate: Chance::NEVER,
        }
    }
}

impl Link {
    /// Refuses a link whose latency range is upside down or longer than a minute, or whose
    /// chances are above certainty.
    pub fn validate(&self) -> Result<(), NetworkError> {
        const LONGEST: Span = Span::secs(60);
        for (name, chance) in [("drop_ppm", self.drop), ("duplicate_ppm", self.duplicate)] {
            if chance.0 > Chance::MILLION {
                return Err(NetworkError(format!(
                    "{name} is in parts per million and must be between 0 and {} (100%), got {}",
                    Chance::MILLION,
                    chance.0
                )));
            }
        }
        if self.latency_min > self.latency_max {
            return Err(NetworkError(format!(
                "latency minimum {} is above the maximum {}",
                self.latency_min, self.latency_max
            )));
        }
        if self.latency_max > LONGEST {
            return Err(NetworkError(format!(
                "latency maximum {} is out of range (0 s to {LONGEST})",
                self.latency_max
            )));
        }
        Ok(())
    }
}

/// A split of the nodes into groups that cannot reach one another.
///
/// Nodes not named in any group form one more group together, so `[[n0, n1]]` cuts n0 and n1
/// off from everyone else.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Partition(pub Vec<Vec<NodeId>>);

/// Why a network setting was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NetworkError(pub String);

impl fmt::Display for NetworkError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The network every message crosses.
#[derive(Clone, Debug)]
pub struct Network {
    default_link: Link,
    links: BTreeMap<(NodeId, NodeId), Link>,
    /// The partition group of each node; all zero when the network is whole.
    group: Vec<u16>,
    partition: Option<Partition>,
}

impl Network {
    /// A whole network of `nodes` nodes where every link behaves like `link`.
    pub fn new(nodes: usize, link: Link) -> Network {
        Network {
            default_link: link,
            links: BTreeMap::new(),
            group: vec![0; nodes],
            partition: None,
        }
    }

    /// The link from `from` to `to`.
    pub fn link(&self, from: NodeId, to: NodeId) -> &Link {
        self.links.get(&(from, to)).unwrap_or(&self.default_link)
    }

    /// The link used wherever no per-link setting exists.
    pub fn default_link(&self) -> &Link {
        &self.default_link
    }

    /// Changes every link without its own setting.
    pub fn set_default_link(&mut self, link: Link) {
        self.default_link = link;
    }

    /// Gives the direction `from → to` its own behaviour.
    pub fn set_link(&mut self, from: NodeId, to: NodeId, link: Link) {
        self.links.insert((from, to), link);
    }

    /// True when no partition separates `from` from `to`.
    pub fn connected(&self, from: NodeId, to: NodeId) -> bool {
        self.group[from.index()] == self.group[to.index()]
    }

    /// The current partition, if any.
    pub fn partition(&self) -> Option<&Partition> {
        self.partition.as_ref()
    }

    /// The group of `node` under the current partition (0 when the network is whole).
    pub fn group_of(&self, node: NodeId) -> u16 {
        self.group[node.index()]
    }

    /// Splits the network. Refuses unknown nodes and nodes named twice.
    pub fn set_partition(&mut self, partition: Partition) -> Result<(), NetworkError> {
        let rest = partition.0.len() as u16 + 1;
        let mut group = vec![rest; self.group.len()];
        for (g, members) in partition.0.iter().enumerate() {
            for &node in members {
                let slot = group.get_mut(node.index()).ok_or_else(|| {
                    NetworkError(format!(
                        "{node} is not in this network (it has {} nodes)",
                        self.group.len()
                    ))
                })?;
                if *slot != rest {
                    return Err(NetworkError(format!("{node} is in two partition groups")));
                }
                *slot = g as u16 + 1;
            }
        }
        self.group = group;
        self.partition = Some(partition);
        Ok(())
    }

    /// Makes the network whole again.
    pub fn heal(&mut self) {
        self.group.iter_mut().for_each(|g| *g = 0);
        self.partition = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partition_groups_and_the_rest() {
        let mut net = Network::new(5, Link::default());
        net.set_partition(Partition(vec![vec![NodeId(0), NodeId(1)]]))
            .unwrap();
        assert!(net.connected(NodeId(0), NodeId(1)));
        assert!(net.connected(NodeId(2), NodeId(4)));
        assert!(!net.connected(NodeId(1), NodeId(2)));
        net.heal();
        assert!(net.connected(NodeId(1), NodeId(2)));
    }

    #[test]
    fn partition_refuses_bad_groups() {
        let mut net = Network::new(3, Link::default());
        let twice = Partition(vec![vec![NodeId(0)], vec![NodeId(0)]]);
        assert_eq!(
            net.set_partition(twice).unwrap_err().0,
            "n0 is in two partition groups"
        );
        let unknown = Partition(vec![vec![NodeId(7)]]);
        assert!(net.set_partition(unknown).unwrap_err().0.contains("n7"));
        assert!(net.partition().is_none());
    }

    #[test]
    fn chance_display() {
        assert_eq!(Chance::percent(5).to_string(), "5%");
        assert_eq!(Chance::from_ppm(12_500).to_string(), "1.3%");
        assert_eq!(Chance::from_ppm(5_000_000), Chance::ALWAYS);
    }

    #[test]
    fn link_validation_names_the_range() {
        let bad = Link {
            latency_min: Span(50),
            latency_max: Span(10),
            ..Link::default()
        };
        assert!(bad.validate().unwrap_err().0.contains("above the maximum"));
        let slow = Link {
            latency_max: Span::secs(61),
            ..Link::default()
        };
        assert!(slow.validate().unwrap_err().0.contains("0 s to 60 s"));
    }
}
