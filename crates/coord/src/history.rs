//! The recent past in true time, for the view: each client's leases as the lock service held
//! them and as the client believed them by its own clock, when each process was paused, the
//! storage's writes, and Bully's elections with what each cost. The monitor keeps it, since it
//! alone sees true time; every list is bounded, so a long run holds no more than a short one.

use netsplit_sim::{Observation, Slot, Span, Time, TraceEvent};
use std::collections::VecDeque;

use crate::monitor::believed;
use crate::{CoordNode, Msg, NodeId, Note, Params};

/// How many spells of each kind, writes and elections are kept: enough to fill a timeline of a
/// few leases, and what the view lists.
pub const KEPT: usize = 12;

/// A stretch of true time: a lease held or believed, or a pause.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Spell {
    /// The lease's token (0 for a pause).
    pub token: u64,
    /// When it began.
    pub from: Time,
    /// When it ended; while it lasts, when it will end if no clock changes.
    pub to: Time,
    /// Whether it still lasts.
    pub open: bool,
}

/// A client's lease as the lock service held it and as the client believed it, and its pauses.
#[derive(Clone, Debug, Default)]
pub struct Lane {
    /// While a majority of the lock servers that are up (the one, without Redlock) held a
    /// lease for the client, by their clocks.
    pub held: VecDeque<Spell>,
    /// While the client believed, by its own clock, that it held the lock.
    pub believed: VecDeque<Spell>,
    /// While the client's process was paused.
    pub paused: VecDeque<Spell>,
}

/// A write the storage handled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Write {
    /// When it arrived.
    pub at: Time,
    /// Who wrote.
    pub client: NodeId,
    /// Under which token.
    pub token: u64,
    /// Whether the storage took it.
    pub accepted: bool,
}

/// One Bully election, as a wave: from a node's first ELECTION until no ELECTION, OK or
/// COORDINATOR has been sent for an election timeout. Elections that nodes start while one is
/// going on (a late ELECTION sets one off, and each node that answers starts its own) are one
/// wave.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Election {
    /// When it began.
    pub began: Time,
    /// Who began it.
    pub by: NodeId,
    /// ELECTION, OK and COORDINATOR messages sent in it.
    pub messages: [u32; 3],
    /// The last node to announce itself in it.
    pub winner: Option<NodeId>,
    /// When its last message was sent.
    pub last: Time,
}

/// The recent past, in true time.
#[derive(Clone, Debug)]
pub struct History {
    quorum: usize,
    /// How long a wave of elections stays open after its last message.
    election_timeout: Span,
    /// One lane per node; only clients' are filled.
    pub lanes: Vec<Lane>,
    /// The newest writes, oldest first.
    pub writes: VecDeque<Write>,
    /// The newest elections, oldest first.
    pub elections: VecDeque<Election>,
}

/// Ends the open spell of `list` at `now` unless `current` (token, projected end) goes on
/// with it, and opens a new one for `current` if it is new.
fn track(list: &mut VecDeque<Spell>, now: Time, current: Option<(u64, Time)>) {
    if let Some(last) = list.back_mut().filter(|s| s.open) {
        match current {
            Some((token, to)) if token == last.token => {
                last.to = to;
                return;
            }
            _ => {
                last.open = false;
                last.to = last.to.min(now);
            }
        }
    }
    if let Some((token, to)) = current {
        if list.len() == KEPT {
            list.pop_front();
        }
        list.push_back(Spell {
            token,
            from: now,
            to,
            open: true,
        });
    }
}

fn push_bounded<T>(list: &mut VecDeque<T>, item: T) {
    if list.len() == KEPT {
        list.pop_front();
    }
    list.push_back(item);
}

impl History {
    /// Nothing yet, for a run with these parameters.
    pub fn new(params: &Params) -> History {
        History {
            quorum: params.quorum(),
            election_timeout: params.election_timeout,
            lanes: vec![Lane::default(); params.nodes()],
            writes: VecDeque::new(),
            elections: VecDeque::new(),
        }
    }

    /// About how many bytes it holds on the heap at most.
    pub fn footprint(&self) -> usize {
        let lanes = self.lanes.len() * 3 * KEPT * std::mem::size_of::<Spell>();
        lanes + KEPT * (std::mem::size_of::<Write>() + std::mem::size_of::<Election>())
    }

    /// Takes in one event of a lock mode.
    pub fn observe_lock(&mut self, seen: &Observation<'_, CoordNode>) {
        let now = seen.now;
        if let TraceEvent::Noted { note, .. } = seen.event {
            let write = match *note {
                Note::Accepted { client, token } => Some((client, token, true)),
                Note::Rejected { client, token, .. } => Some((client, token, false)),
                _ => None,
            };
            if let Some((client, token, accepted)) = write {
                let at = now;
                push_bounded(
                    &mut self.writes,
                    Write {
                        at,
                        client,
                        token,
                        accepted,
                    },
                );
            }
        }
        for (i, slot) in seen.nodes.iter().enumerate() {
            if !matches!(slot.node(), CoordNode::Client(_)) {
                continue;
            }
            let believed = believed(slot, now);
            let held = self.held_for(NodeId(i as u16), seen.nodes, now);
            let paused = slot.paused_until().map(|until| (0, until));
            let lane = &mut self.lanes[i];
            track(&mut lane.believed, now, believed);
            track(&mut lane.held, now, held);
            track(&mut lane.paused, now, paused);
        }
    }

    /// Whether a majority of the lock servers up hold a lease for `client` at `now`: the
    /// highest of their tokens, and when the majority ends if no clock changes.
    fn held_for(
        &self,
        client: NodeId,
        nodes: &[Slot<CoordNode>],
        now: Time,
    ) -> Option<(u64, Time)> {
        // Seven servers at most: no allocation on every event.
        let mut ends = [Time::ZERO; 8];
        let mut count = 0;
        let mut token = 0;
        for slot in nodes.iter().filter(|s| s.is_up()) {
            let CoordNode::Server(server) = slot.node() else {
                continue;
            };
            let Some(grant) = server.current(slot.clock().at(now)) else {
                continue;
            };
            if grant.client == client && count < ends.len() {
                ends[count] = slot.clock().true_time_of(grant.expires, now);
                count += 1;
                token = token.max(grant.token);
            }
        }
        if count < self.quorum {
            return None;
        }
        // The majority lasts until the quorum-th latest of its leases ends.
        let ends = &mut ends[..count];
        ends.sort_unstable_by(|a, b| b.cmp(a));
        Some((token, ends[self.quorum - 1]))
    }

    /// Takes in one event of a Bully run.
    pub fn observe_bully(&mut self, seen: &Observation<'_, CoordNode>) {
        let now = seen.now;
        let timeout = self.election_timeout;
        let going = self
            .elections
            .back_mut()
            .filter(|e| now.since(e.last) <= timeout);
        match seen.event {
            TraceEvent::Noted {
                note: Note::Elects { node },
                ..
            } => match going {
                Some(e) => e.last = now,
                None => {
                    let election = Election {
                        began: now,
                        by: *node,
                        messages: [0; 3],
                        winner: None,
                        last: now,
                    };
                    push_bounded(&mut self.elections, election);
                }
            },
            TraceEvent::Noted {
                note: Note::Coordinator { node },
                ..
            } => {
                if let Some(e) = going {
                    e.winner = Some(*node);
                }
            }
            TraceEvent::Sent { msg, .. } => {
                let kind = match **msg {
                    Msg::Election => 0,
                    Msg::Answer => 1,
                    Msg::Coordinator => 2,
                    _ => return,
                };
                if let Some(e) = going {
                    e.messages[kind] += 1;
                    e.last = now;
                }
            }
            _ => {}
        }
    }
}
