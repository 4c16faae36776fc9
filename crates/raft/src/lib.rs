//! # netsplit-raft: Raft, as in the extended paper's Figure 2
//!
//! Ongaro and Ousterhout, "In Search of an Understandable Consensus Algorithm (Extended
//! Version)", 2014. Servers are followers, candidates or leaders; time is divided into terms,
//! each starting with an election; the leader of a term replicates its log to the others and
//! commits an entry once a majority stores it.
//!
//! ```text
//!              times out,            receives votes from
//!   start ──▶ Follower ──starts──▶ Candidate ──a majority──▶ Leader
//!                ▲   election          │  ▲ times out,          │
//!                │                     │  └─ new election       │
//!                └── discovers a current leader or a higher term ┘
//!
//!   leader log   1:t1 x=1 │ 2:t1 y=2 │ 3:t2 x=5 │ 4:t2 z=1      commitIndex = 3
//!   follower     1:t1 x=1 │ 2:t1 y=2 │ 3:t2 x=5                 matchIndex  = 3, nextIndex = 4
//! ```
//!
//! Everything in Figure 2 is here: persistent `currentTerm`, `votedFor` and `log`; volatile
//! `commitIndex`, `lastApplied`, and the leader's `nextIndex` and `matchIndex`; RequestVote with
//! the up-to-date check (§5.4.1); AppendEntries with the consistency check, conflict truncation
//! and retries; commitment only by counting replicas of current-term entries (§5.4.2); and a
//! small key-value state machine that applies committed entries in order. Client requests go to
//! the leader; a follower answers with the leader it knows.
//!
//! [`RaftMonitor`] checks the five properties of Figure 3, one vote per term (§5.2) and durable
//! commits (§5.3) after every event. [`Bug`] holds deliberately wrong variants that the monitor
//! must catch.
//!
//! [`RaftLab`] describes the lab: its settings, findings, presets and how it is fuzzed.
//!
//! The crate never draws, reads a clock, or uses randomness other than the engine's.

pub mod lab;
mod log;
mod monitor;
mod presets;

use netsplit_sim::{Context, Link, Node, NodeId, Sim, Span, check_range};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;
use std::ops::RangeInclusive;

pub use lab::RaftLab;
pub use log::{Entry, Log, Op};
pub use monitor::RaftMonitor;

/// A run of the Raft lab, with its monitor.
pub type RaftSim = Sim<RaftNode, RaftMonitor>;
/// A scenario of the Raft lab.
pub type RaftScenario = netsplit_sim::lab::LabScenario<Params, Command>;

/// The most entries one AppendEntries carries.
const BATCH: usize = 8;

/// A deliberately wrong variant of Raft.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Bug {
    /// Grants votes without the §5.4.1 check that the candidate's log is at least as
    /// up-to-date, so a leader may lack committed entries.
    VoteWithoutLogCheck,
    /// Commits any entry stored on a majority, whatever its term: the mistake that the
    /// paper's Figure 8 shows.
    CommitOldTerms,
    /// Does not persist `votedFor`, so a server that restarts may vote twice in one term.
    ForgetVotedFor,
}

impl Bug {
    /// Every bug, for menus and fuzzing.
    pub const ALL: [Bug; 3] = [
        Bug::VoteWithoutLogCheck,
        Bug::CommitOldTerms,
        Bug::ForgetVotedFor,
    ];

    /// A short name for menus and the command line.
    pub fn name(self) -> &'static str {
        match self {
            Bug::VoteWithoutLogCheck => "vote-without-log-check",
            Bug::CommitOldTerms => "commit-old-terms",
            Bug::ForgetVotedFor => "forget-voted-for",
        }
    }

    /// What the bug does, in one sentence.
    pub fn describe(self) -> &'static str {
        match self {
            Bug::VoteWithoutLogCheck => {
                "Grant votes without checking that the candidate's log is up to date (§5.4.1)."
            }
            Bug::CommitOldTerms => {
                "Commit entries from earlier terms by counting replicas (Figure 8, §5.4.2)."
            }
            Bug::ForgetVotedFor => {
                "Lose votedFor on restart, so a server can vote twice in a term."
            }
        }
    }
}

/// The Raft lab's parameters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Params {
    /// How many servers.
    pub nodes: usize,
    /// The shortest election timeout.
    pub election_min: Span,
    /// The longest election timeout; each timer draws uniformly in between.
    pub election_max: Span,
    /// How often a leader sends AppendEntries when it has nothing new.
    pub heartbeat: Span,
    /// A deliberately wrong variant, or `None` for Raft as published.
    pub bug: Option<Bug>,
}

impl Default for Params {
    fn default() -> Params {
        Params {
            nodes: 5,
            election_min: Span::millis(300),
            election_max: Span::millis(600),
            heartbeat: Span::millis(100),
            bug: None,
        }
    }
}

impl Params {
    /// Allowed cluster sizes.
    pub const NODES: RangeInclusive<usize> = 3..=9;
    /// Allowed election timeouts, in milliseconds.
    pub const ELECTION_MS: RangeInclusive<u64> = 50..=10_000;
    /// Allowed heartbeat intervals, in milliseconds.
    pub const HEARTBEAT_MS: RangeInclusive<u64> = 10..=5_000;

    /// Refuses out-of-range values, naming the allowed range.
    pub fn validate(&self) -> Result<(), String> {
        let (lo, hi) = Self::NODES.into_inner();
        check_range("servers", self.nodes as u64, lo as u64, hi as u64, "")?;
        let (lo, hi) = Self::ELECTION_MS.into_inner();
        check_range(
            "shortest election timeout",
            self.election_min.as_millis(),
            lo,
            hi,
            " ms",
        )?;
        check_range(
            "longest election timeout",
            self.election_max.as_millis(),
            lo,
            hi,
            " ms",
        )?;
        let (lo, hi) = Self::HEARTBEAT_MS.into_inner();
        check_range(
            "heartbeat interval",
            self.heartbeat.as_millis(),
            lo,
            hi,
            " ms",
        )?;
        if self.election_max <= self.election_min {
            return Err(format!(
                "the longest election timeout ({}) must be above the shortest ({})",
                self.election_max, self.election_min
            ));
        }
        if self.heartbeat >= self.election_min {
            return Err(format!(
                "the heartbeat interval ({}) must be shorter than the shortest election timeout ({})",
                self.heartbeat, self.election_min
            ));
        }
        Ok(())
    }

    /// A run of this cluster on a network whose links behave like `link`.
    pub fn build(&self, link: Link, seed: u64) -> RaftSim {
        Sim::new(*self, self.nodes, link, seed, RaftMonitor::new(self.nodes))
    }
}

/// A server's role.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Answers RPCs and waits.
    Follower,
    /// Asks for votes.
    Candidate,
    /// Replicates its log.
    Leader,
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Role::Follower => "follower",
            Role::Candidate => "candidate",
            Role::Leader => "leader",
        })
    }
}

/// The RPCs of Figure 2 and their replies.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Msg {
    /// A candidate asks for a vote.
    RequestVote {
        /// The candidate's term.
        term: u64,
        /// Index of the candidate's last log entry.
        last_log_index: u64,
        /// Term of the candidate's last log entry.
        last_log_term: u64,
    },
    /// The answer to RequestVote.
    Vote {
        /// The voter's current term.
        term: u64,
        /// True when the vote is granted.
        granted: bool,
    },
    /// A leader replicates entries (none: a heartbeat).
    AppendEntries {
        /// The leader's term.
        term: u64,
        /// Index of the entry just before the new ones.
        prev_log_index: u64,
        /// Its term.
        prev_log_term: u64,
        /// The entries to store.
        entries: Vec<Entry>,
        /// The leader's commitIndex.
        leader_commit: u64,
    },
    /// The answer to AppendEntries.
    Appended {
        /// The follower's current term.
        term: u64,
        /// True when the follower's log matched and now holds the entries.
        success: bool,
        /// On success, the index of the last entry the request covered.
        match_index: u64,
    },
}

impl Msg {
    /// The term the message carries.
    pub fn term(&self) -> u64 {
        match self {
            Msg::RequestVote { term, .. }
            | Msg::Vote { term, .. }
            | Msg::AppendEntries { term, .. }
            | Msg::Appended { term, .. } => *term,
        }
    }
}

impl fmt::Display for Msg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Msg::RequestVote { term, .. } => write!(f, "RequestVote (term {term})"),
            Msg::Vote { term, granted } => {
                write!(
                    f,
                    "a vote {} (term {term})",
                    if *granted { "granted" } else { "refused" }
                )
            }
            Msg::AppendEntries {
                term,
                entries,
                prev_log_index,
                ..
            } if entries.is_empty() => {
                write!(f, "a heartbeat (term {term}, after index {prev_log_index})")
            }
            Msg::AppendEntries {
                term,
                entries,
                prev_log_index,
                ..
            } => write!(
                f,
                "AppendEntries {}–{} (term {term})",
                prev_log_index + 1,
                prev_log_index + entries.len() as u64
            ),
            Msg::Appended {
                term,
                success: true,
                match_index,
            } => {
                write!(f, "an append success up to {match_index} (term {term})")
            }
            Msg::Appended {
                term,
                success: false,
                ..
            } => write!(f, "an append failure (term {term})"),
        }
    }
}

/// A server's timers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Timer {
    /// A follower or candidate hears nothing: it starts an election.
    Election,
    /// A leader sends AppendEntries to every follower.
    Heartbeat,
}

impl fmt::Display for Timer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Timer::Election => "election",
            Timer::Heartbeat => "heartbeat",
        })
    }
}

/// What users can ask a server to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Command {
    /// A client request: the leader appends it to its log.
    Request(Op),
    /// Behave as if the election timer had fired.
    Timeout,
}

impl fmt::Display for Command {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Command::Request(op) => write!(f, "set {op}"),
            Command::Timeout => f.write_str("time out"),
        }
    }
}

/// What a server notes in the trace.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Note {
    /// `node` starts an election for `term`.
    Candidate {
        /// The server.
        node: NodeId,
        /// The new term.
        term: u64,
    },
    /// `node` won the election for `term`.
    Leader {
        /// The server.
        node: NodeId,
        /// Its term.
        term: u64,
    },
    /// `node` saw a higher term, or a leader of its term, and follows.
    Follower {
        /// The server.
        node: NodeId,
        /// Its term now.
        term: u64,
    },
    /// `node` grants its vote to `candidate` in `term`.
    Voted {
        /// The voter.
        node: NodeId,
        /// Who got the vote.
        candidate: NodeId,
        /// The term.
        term: u64,
    },
    /// The leader `node` appended a client request at `index`.
    Accepted {
        /// The leader.
        node: NodeId,
        /// Where the entry went.
        index: u64,
        /// The command.
        op: Op,
    },
    /// `node`, not the leader, turned a request away.
    Redirected {
        /// The server asked.
        node: NodeId,
        /// The leader it knows, if any.
        leader: Option<NodeId>,
    },
    /// `node` advanced its commitIndex to `index`.
    Committed {
        /// The server.
        node: NodeId,
        /// The new commitIndex.
        index: u64,
    },
    /// `node` dropped its entries from `index` on, which conflicted with the leader's.
    Truncated {
        /// The server.
        node: NodeId,
        /// The first index removed.
        index: u64,
    },
}

impl fmt::Display for Note {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Note::Candidate { node, term } => {
                write!(f, "{node} times out and stands for election in term {term}")
            }
            Note::Leader { node, term } => {
                write!(f, "{node} wins the election: leader of term {term}")
            }
            Note::Follower { node, term } => write!(f, "{node} becomes a follower in term {term}"),
            Note::Voted {
                node,
                candidate,
                term,
            } => {
                write!(f, "{node} grants its vote to {candidate} in term {term}")
            }
            Note::Accepted { node, index, op } => {
                write!(f, "leader {node} appends {op} at index {index}")
            }
            Note::Redirected {
                node,
                leader: Some(leader),
            } => {
                write!(
                    f,
                    "{node} is not the leader; it points the client to {leader}"
                )
            }
            Note::Redirected { node, leader: None } => {
                write!(
                    f,
                    "{node} is not the leader and knows of none; the client must retry"
                )
            }
            Note::Committed { node, index } => write!(f, "{node} commits up to index {index}"),
            Note::Truncated { node, index } => {
                write!(
                    f,
                    "{node} deletes its conflicting entries from index {index} on"
                )
            }
        }
    }
}

/// What a server keeps on stable storage (Figure 2, "persistent state on all servers").
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Storage {
    /// currentTerm.
    pub term: u64,
    /// votedFor.
    pub voted_for: Option<NodeId>,
    /// log[].
    pub log: Log,
}

/// A Raft server.
#[derive(Clone, Debug)]
pub struct RaftNode {
    id: NodeId,
    params: Params,
    cluster: usize,
    // Persistent state.
    term: u64,
    voted_for: Option<NodeId>,
    log: Log,
    // Volatile state.
    role: Role,
    leader: Option<NodeId>,
    commit_index: u64,
    last_applied: u64,
    state: BTreeMap<char, u32>,
    votes: Vec<bool>,
    // Volatile state on leaders.
    next_index: Vec<u64>,
    match_index: Vec<u64>,
}

impl RaftNode {
    /// currentTerm.
    pub fn term(&self) -> u64 {
        self.term
    }

    /// votedFor.
    pub fn voted_for(&self) -> Option<NodeId> {
        self.voted_for
    }

    /// The log.
    pub fn log(&self) -> &Log {
        &self.log
    }

    /// The role.
    pub fn role(&self) -> Role {
        self.role
    }

    /// The leader this server knows of.
    pub fn leader(&self) -> Option<NodeId> {
        self.leader
    }

    /// commitIndex.
    pub fn commit_index(&self) -> u64 {
        self.commit_index
    }

    /// lastApplied.
    pub fn last_applied(&self) -> u64 {
        self.last_applied
    }

    /// The key-value state machine.
    pub fn state(&self) -> &BTreeMap<char, u32> {
        &self.state
    }

    /// Who granted this candidate (or leader) its vote in the current term.
    pub fn votes(&self) -> impl Iterator<Item = NodeId> + '_ {
        NodeId::all(self.votes.len()).filter(|n| self.votes[n.index()])
    }

    /// nextIndex for `peer` (meaningful on a leader).
    pub fn next_index(&self, peer: NodeId) -> u64 {
        self.next_index[peer.index()]
    }

    /// matchIndex for `peer` (meaningful on a leader).
    pub fn match_index(&self, peer: NodeId) -> u64 {
        self.match_index[peer.index()]
    }

    fn majority(&self) -> usize {
        self.cluster / 2 + 1
    }

    fn has(&self, bug: Bug) -> bool {
        self.params.bug == Some(bug)
    }

    fn reset_election_timer(&self, ctx: &mut Context<'_, Self>) {
        let timeout = ctx.random_span(self.params.election_min, self.params.election_max);
        ctx.set_timer(Timer::Election, timeout);
    }

    /// "If RPC request or response contains term T > currentTerm: set currentTerm = T, convert
    /// to follower" (Figure 2, rules for all servers).
    fn observe_term(&mut self, ctx: &mut Context<'_, Self>, term: u64) {
        if term > self.term {
            self.term = term;
            self.voted_for = None;
            self.leader = None;
            self.become_follower(ctx);
        }
    }

    fn become_follower(&mut self, ctx: &mut Context<'_, Self>) {
        if self.role != Role::Follower {
            if self.role == Role::Leader {
                ctx.cancel_timer(Timer::Heartbeat);
            }
            self.role = Role::Follower;
            ctx.note(Note::Follower {
                node: self.id,
                term: self.term,
            });
            self.reset_election_timer(ctx);
        }
    }

    fn start_election(&mut self, ctx: &mut Context<'_, Self>) {
        if self.role == Role::Leader {
            ctx.cancel_timer(Timer::Heartbeat);
        }
        self.term += 1;
        self.role = Role::Candidate;
        self.voted_for = Some(self.id);
        self.leader = None;
        self.votes = vec![false; self.cluster];
        self.votes[self.id.index()] = true;
        ctx.note(Note::Candidate {
            node: self.id,
            term: self.term,
        });
        self.reset_election_timer(ctx);
        let request = Msg::RequestVote {
            term: self.term,
            last_log_index: self.log.last_index(),
            last_log_term: self.log.last_term(),
        };
        for peer in NodeId::all(self.cluster).filter(|&p| p != self.id) {
            ctx.send(peer, request.clone());
        }
    }

    fn become_leader(&mut self, ctx: &mut Context<'_, Self>) {
        self.role = Role::Leader;
        self.leader = Some(self.id);
        self.next_index = vec![self.log.last_index() + 1; self.cluster];
        self.match_index = vec![0; self.cluster];
        self.match_index[self.id.index()] = self.log.last_index();
        ctx.cancel_timer(Timer::Election);
        ctx.note(Note::Leader {
            node: self.id,
            term: self.term,
        });
        self.broadcast_append(ctx);
    }

    fn broadcast_append(&mut self, ctx: &mut Context<'_, Self>) {
        for peer in NodeId::all(self.cluster).filter(|&p| p != self.id) {
            self.send_append(ctx, peer);
        }
        ctx.set_timer(Timer::Heartbeat, self.params.heartbeat);
    }

    fn send_append(&self, ctx: &mut Context<'_, Self>, peer: NodeId) {
        let next = self.next_index[peer.index()];
        let prev_log_index = next - 1;
        ctx.send(
            peer,
            Msg::AppendEntries {
                term: self.term,
                prev_log_index,
                prev_log_term: self.log.term_at(prev_log_index),
                entries: self.log.slice_from(next, BATCH),
                leader_commit: self.commit_index,
            },
        );
    }

    fn on_request_vote(
        &mut self,
        ctx: &mut Context<'_, Self>,
        candidate: NodeId,
        term: u64,
        last_index: u64,
        last_term: u64,
    ) {
        // §5.4.1: the candidate's log must be at least as up-to-date as the voter's.
        let up_to_date = (last_term, last_index) >= (self.log.last_term(), self.log.last_index());
        let free = self.voted_for.is_none() || self.voted_for == Some(candidate);
        let granted =
            term == self.term && free && (up_to_date || self.has(Bug::VoteWithoutLogCheck));
        if granted {
            self.voted_for = Some(candidate);
            ctx.note(Note::Voted {
                node: self.id,
                candidate,
                term,
            });
            self.reset_election_timer(ctx);
        }
        ctx.send(
            candidate,
            Msg::Vote {
                term: self.term,
                granted,
            },
        );
    }

    fn on_vote(&mut self, ctx: &mut Context<'_, Self>, voter: NodeId, term: u64, granted: bool) {
        if self.role != Role::Candidate || term != self.term || !granted {
            return;
        }
        self.votes[voter.index()] = true;
        if self.votes.iter().filter(|&&v| v).count() >= self.majority() {
            self.become_leader(ctx);
        }
    }

    fn on_append_entries(&mut self, ctx: &mut Context<'_, Self>, leader: NodeId, request: Msg) {
        let Msg::AppendEntries {
            term,
            prev_log_index,
            prev_log_term,
            entries,
            leader_commit,
        } = request
        else {
            return;
        };
        if term < self.term {
            self.refuse_append(ctx, leader);
            return;
        }
        // A leader of this term exists: candidates step down, everyone resets the timer.
        self.leader = Some(leader);
        self.become_follower(ctx);
        self.reset_election_timer(ctx);
        // Consistency check: the log must hold prevLogIndex with prevLogTerm.
        if prev_log_index > self.log.last_index()
            || self.log.term_at(prev_log_index) != prev_log_term
        {
            self.refuse_append(ctx, leader);
            return;
        }
        let last_new = prev_log_index + entries.len() as u64;
        for (offset, entry) in entries.into_iter().enumerate() {
            let index = prev_log_index + 1 + offset as u64;
            match self.log.get(index) {
                Some(existing) if existing.term == entry.term => continue,
                Some(_) => {
                    // An existing entry conflicts with a new one: delete it and all that follow.
                    self.log.truncate_from(index);
                    ctx.note(Note::Truncated {
                        node: self.id,
                        index,
                    });
                    self.log.append(entry);
                }
                None => self.log.append(entry),
            }
        }
        if leader_commit > self.commit_index {
            let commit = leader_commit.min(last_new);
            if commit > self.commit_index {
                self.commit_index = commit;
                ctx.note(Note::Committed {
                    node: self.id,
                    index: commit,
                });
                self.apply();
            }
        }
        ctx.send(
            leader,
            Msg::Appended {
                term: self.term,
                success: true,
                match_index: last_new,
            },
        );
    }

    fn refuse_append(&self, ctx: &mut Context<'_, Self>, leader: NodeId) {
        let refusal = Msg::Appended {
            term: self.term,
            success: false,
            match_index: 0,
        };
        ctx.send(leader, refusal);
    }

    fn on_appended(
        &mut self,
        ctx: &mut Context<'_, Self>,
        follower: NodeId,
        term: u64,
        success: bool,
        match_index: u64,
    ) {
        if self.role != Role::Leader || term != self.term {
            return;
        }
        let f = follower.index();
        if success {
            if match_index > self.match_index[f] {
                self.match_index[f] = match_index;
            }
            self.next_index[f] = self.next_index[f].max(self.match_index[f] + 1);
            self.advance_commit(ctx);
            if self.next_index[f] <= self.log.last_index() {
                self.send_append(ctx, follower);
            }
        } else {
            // Log inconsistency: step nextIndex back and retry.
            self.next_index[f] = (self.next_index[f] - 1).max(self.match_index[f] + 1).max(1);
            self.send_append(ctx, follower);
        }
    }

    /// "If there exists an N such that N > commitIndex, a majority of matchIndex[i] ≥ N, and
    /// log[N].term == currentTerm: set commitIndex = N" (§5.3, §5.4).
    fn advance_commit(&mut self, ctx: &mut Context<'_, Self>) {
        for n in (self.commit_index + 1..=self.log.last_index()).rev() {
            let current_term = self.log.term_at(n) == self.term;
            if !current_term && !self.has(Bug::CommitOldTerms) {
                continue;
            }
            let replicas = self.match_index.iter().filter(|&&m| m >= n).count();
            if replicas >= self.majority() {
                self.commit_index = n;
                ctx.note(Note::Committed {
                    node: self.id,
                    index: n,
                });
                self.apply();
                return;
            }
        }
    }

    /// "If commitIndex > lastApplied: increment lastApplied, apply log[lastApplied] to the
    /// state machine."
    fn apply(&mut self) {
        while self.last_applied < self.commit_index {
            self.last_applied += 1;
            let op = self
                .log
                .get(self.last_applied)
                .expect("committed entries exist")
                .op;
            self.state.insert(op.key, op.value);
        }
    }
}

impl Node for RaftNode {
    type Config = Params;
    type Msg = Msg;
    type Timer = Timer;
    type Command = Command;
    type Note = Note;
    type Durable = Storage;

    fn boot(params: &Params, id: NodeId, cluster: usize, storage: Option<Storage>) -> Self {
        let storage = storage.unwrap_or(Storage {
            term: 0,
            voted_for: None,
            log: Log::default(),
        });
        RaftNode {
            id,
            params: *params,
            cluster,
            term: storage.term,
            voted_for: storage.voted_for,
            log: storage.log,
            role: Role::Follower,
            leader: None,
            commit_index: 0,
            last_applied: 0,
            state: BTreeMap::new(),
            votes: vec![false; cluster],
            next_index: vec![1; cluster],
            match_index: vec![0; cluster],
        }
    }

    fn on_start(&mut self, ctx: &mut Context<'_, Self>) {
        self.reset_election_timer(ctx);
    }

    fn on_message(&mut self, ctx: &mut Context<'_, Self>, from: NodeId, msg: Msg) {
        self.observe_term(ctx, msg.term());
        match msg {
            Msg::RequestVote {
                term,
                last_log_index,
                last_log_term,
            } => self.on_request_vote(ctx, from, term, last_log_index, last_log_term),
            Msg::Vote { term, granted } => self.on_vote(ctx, from, term, granted),
            request @ Msg::AppendEntries { .. } => self.on_append_entries(ctx, from, request),
            Msg::Appended {
                term,
                success,
                match_index,
            } => self.on_appended(ctx, from, term, success, match_index),
        }
    }

    fn on_timer(&mut self, ctx: &mut Context<'_, Self>, timer: Timer) {
        match (timer, self.role) {
            (Timer::Election, Role::Follower | Role::Candidate) => self.start_election(ctx),
            (Timer::Heartbeat, Role::Leader) => self.broadcast_append(ctx),
            _ => {}
        }
    }

    fn on_command(&mut self, ctx: &mut Context<'_, Self>, command: Command) {
        match command {
            Command::Timeout => self.start_election(ctx),
            Command::Request(op) if self.role == Role::Leader => {
                self.log.append(Entry {
                    term: self.term,
                    op,
                });
                let index = self.log.last_index();
                self.match_index[self.id.index()] = index;
                ctx.note(Note::Accepted {
                    node: self.id,
                    index,
                    op,
                });
                for peer in NodeId::all(self.cluster).filter(|&p| p != self.id) {
                    if self.next_index[peer.index()] == index {
                        self.send_append(ctx, peer);
                    }
                }
                // A cluster that is a majority by itself commits at once.
                self.advance_commit(ctx);
            }
            Command::Request(_) => ctx.note(Note::Redirected {
                node: self.id,
                leader: self.leader,
            }),
        }
    }

    fn footprint(&self) -> usize {
        std::mem::size_of_val(self)
            + self.log.footprint()
            + netsplit_sim::map_bytes(&self.state)
            + std::mem::size_of_val(self.votes.as_slice())
            + std::mem::size_of_val(self.next_index.as_slice())
            + std::mem::size_of_val(self.match_index.as_slice())
    }

    fn message_footprint(msg: &Msg) -> usize {
        let entries = match msg {
            Msg::AppendEntries { entries, .. } => std::mem::size_of_val(entries.as_slice()),
            _ => 0,
        };
        std::mem::size_of_val(msg) + entries
    }

    fn durable(&self) -> Storage {
        Storage {
            term: self.term,
            voted_for: if self.has(Bug::ForgetVotedFor) {
                None
            } else {
                self.voted_for
            },
            log: self.log.clone(),
        }
    }
}
