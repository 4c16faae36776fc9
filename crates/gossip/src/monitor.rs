//! The detector's live checks and its detection-time report.

use netsplit_sim::{Monitor, NodeId, Observation, Slot, Span, Time, TraceEvent, Violation};

use crate::{GossipNode, Note, Params};

/// What one node last saw of one member's counter, as the monitor tracks it.
#[derive(Clone, Copy, Debug)]
struct Seen {
    heartbeat: u64,
    since: Time,
    suspected: bool,
    flagged: bool,
}

/// How long a crash took to be noticed by every node that was up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Detection {
    /// The crashed node.
    pub node: NodeId,
    /// When it crashed.
    pub crashed_at: Time,
    /// When the last live node came to suspect it.
    pub detected_at: Time,
}

impl Detection {
    /// From crash to detection by all.
    pub fn took(&self) -> Span {
        self.detected_at.since(self.crashed_at)
    }
}

/// Checks the failure detector against its specification after every event.
///
/// For every live node `n` and member `m`, it tracks when the counter `n` holds for `m` last
/// changed. Two properties follow from §2 of the paper:
/// - **Suspects on time**: `n` must suspect `m` once the counter has been still for longer
///   than T_fail plus one gossip period (the check runs once per period). With a crashed `m`
///   this is completeness.
/// - **Waits for the timeout**: `n` must not suspect `m` while the counter grew within T_fail.
///
/// It also counts false suspicions (of a node that is up) and records a [`Detection`] for
/// every crash.
#[derive(Clone, Debug)]
pub struct DetectorMonitor {
    fail_after: Span,
    deadline: Span,
    seen: Vec<Vec<Seen>>,
    crashed_at: Vec<Option<Time>>,
    detections: Vec<Detection>,
    false_suspicions: u64,
}

impl DetectorMonitor {
    /// A monitor for a cluster with these parameters.
    pub fn new(params: &Params) -> DetectorMonitor {
        let fresh = Seen {
            heartbeat: 0,
            since: Time::ZERO,
            suspected: false,
            flagged: false,
        };
        DetectorMonitor {
            fail_after: params.fail_after,
            deadline: params.fail_after + params.gossip_period,
            seen: vec![vec![fresh; params.nodes]; params.nodes],
            crashed_at: vec![None; params.nodes],
            detections: Vec::new(),
            false_suspicions: 0,
        }
    }

    /// Every crash detected so far.
    pub fn detections(&self) -> &[Detection] {
        &self.detections
    }

    /// How many times a node suspected a member that was up.
    pub fn false_suspicions(&self) -> u64 {
        self.false_suspicions
    }

    fn check_node(
        &mut self,
        node: NodeId,
        now: Time,
        index: usize,
        nodes: &[Slot<GossipNode>],
        out: &mut Vec<Violation>,
    ) {
        let slot = &nodes[node.index()];
        if !slot.is_up() {
            return;
        }
        for (m, member) in slot.node().members().iter().enumerate() {
            if m == node.index() {
                continue;
            }
            let peer = NodeId(m as u16);
            let seen = &mut self.seen[node.index()][m];
            if member.heartbeat != seen.heartbeat {
                seen.heartbeat = member.heartbeat;
                seen.since = now;
                seen.flagged = false;
            }
            let still_for = now.since(seen.since);
            if member.suspected && !seen.suspected {
                if still_for <= self.fail_after {
                    out.push(Violation {
                        property: "Waits for the timeout".into(),
                        explanation: format!(
                            "{node} suspects {peer} although its heartbeat grew to {} only {still_for} ago (T_fail is {})",
                            member.heartbeat, self.fail_after
                        ),
                        nodes: vec![node, peer],
                        events: vec![index],
                        indexes: Vec::new(),
                    });
                }
                if nodes[m].is_up() {
                    self.false_suspicions += 1;
                }
            }
            if !member.suspected && !seen.flagged && still_for > self.deadline {
                seen.flagged = true;
                out.push(Violation {
                    property: "Suspects on time".into(),
                    explanation: format!(
                        "{node} still trusts {peer} although its heartbeat has stayed at {} for {still_for} (T_fail plus one gossip period is {})",
                        member.heartbeat, self.deadline
                    ),
                    nodes: vec![node, peer],
                    events: vec![index],
                        indexes: Vec::new(),
                });
            }
            seen.suspected = member.suspected;
        }
    }

    fn restart_tracking(&mut self, node: NodeId, now: Time, nodes: &[Slot<GossipNode>]) {
        let members = nodes[node.index()].node().members();
        for (seen, member) in self.seen[node.index()].iter_mut().zip(members) {
            *seen = Seen {
                heartbeat: member.heartbeat,
                since: now,
                suspected: member.suspected,
                flagged: false,
            };
        }
    }

    fn check_detection(&mut self, now: Time, nodes: &[Slot<GossipNode>]) {
        for (c, crashed) in self.crashed_at.iter_mut().enumerate() {
            let Some(crashed_at) = *crashed else { continue };
            let mut live = nodes.iter().filter(|s| s.is_up()).peekable();
            if live.peek().is_none() {
                continue;
            }
            if live.all(|s| s.node().members()[c].suspected) {
                self.detections.push(Detection {
                    node: NodeId(c as u16),
                    crashed_at,
                    detected_at: now,
                });
                *crashed = None;
            }
        }
    }
}

impl Monitor<GossipNode> for DetectorMonitor {
    fn observe(&mut self, seen: &Observation<'_, GossipNode>, out: &mut Vec<Violation>) {
        let (now, nodes) = (seen.now, seen.nodes);
        match seen.event {
            TraceEvent::Started { node } => {
                self.crashed_at[node.index()] = None;
                self.restart_tracking(*node, now, nodes);
            }
            TraceEvent::Crashed { node } => {
                self.crashed_at[node.index()] = Some(now);
                self.check_detection(now, nodes);
            }
            TraceEvent::TimerFired { node, .. } => {
                self.check_node(*node, now, seen.index, nodes, out);
            }
            TraceEvent::Delivered { to, .. } => {
                self.check_node(*to, now, seen.index, nodes, out);
            }
            TraceEvent::Noted {
                note: Note::Suspects { .. },
                ..
            } => self.check_detection(now, nodes),
            _ => {}
        }
    }
}
