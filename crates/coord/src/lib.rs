//! # netsplit-coord: locks with leases and fencing tokens, Redlock, and Bully election
//!
//! One lesson runs through this crate: a timeout is not a failure detector. A process that
//! holds a lock, or leads, can be paused, cut off or misled by its clock, and go on acting on
//! a belief the rest of the system has already given up. Three protocols show it:
//!
//! - **A lock service with leases** ([`Mode::Lease`]): one lock server grants a lease for a
//!   TTL; clients acquire, renew and release it, and write to a storage service while they
//!   believe they hold it. Every grant carries a **fencing token** that grows (Kleppmann, "How
//!   to do distributed locking", 2016), and the storage refuses a write whose token is below
//!   the highest it has seen: a client paused past its lease cannot overwrite its successor.
//! - **Redlock** ([`Mode::Redlock`]), the Redis distributed-lock algorithm: N independent lock
//!   servers; a client asks them all, holds the lock once a majority granted it within the
//!   TTL, for the TTL minus the time that took minus a drift allowance, and releases it
//!   everywhere. Redlock has no fencing tokens of its own; here a client takes the largest of
//!   its majority's counters, which usually grows and is not guaranteed to.
//! - **Bully election** (Garcia-Molina, "Elections in a Distributed Computing System", 1982)
//!   ([`Mode::Bully`]): a node that misses its coordinator sends ELECTION to every higher id;
//!   any that is up answers OK and takes the election over; one that hears no answer within
//!   its timeout announces itself COORDINATOR. A recovered higher node bullies its way back.
//!
//! ```text
//!   client n1          lock server n0            storage n3
//!     ── acquire ──────▶ grant token 7, TTL 1 s
//!     ◀── granted 7 ───
//!     (pause 2 s)        lease ends; n2 gets 8 ──▶ write 8: accepted, highest 8
//!     ── write 7 ──────────────────────────────▶ 7 < 8: rejected (fenced)
//! ```
//!
//! Clocks matter: leases are measured on each node's own clock, which the engine lets drift
//! and jump ([`netsplit_sim::Action::Drift`], [`netsplit_sim::Action::JumpClock`]), and
//! processes can be paused ([`netsplit_sim::Action::Pause`]). [`CoordMonitor`] checks, in true
//! time: one holder at a time, that the storage accepts no write under an ended lease once a
//! later lease wrote, that tokens only grow at the storage, one coordinator among nodes that
//! reach each other, and that the highest live node wins. Each [`Bug`] breaks one of them.
//!
//! This crate never draws, never reads a clock, and never uses randomness other than the
//! engine's seeded generator.

pub mod history;
pub mod lab;
mod monitor;
mod presets;

use netsplit_sim::{Context, Link, NoCommand, Node, NodeId, Sim, Span, Time, check_range};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::ops::RangeInclusive;

pub use lab::CoordLab;
pub use monitor::CoordMonitor;

/// A run of the Coordination lab, with its monitor.
pub type CoordSim = Sim<CoordNode, CoordMonitor>;
/// A scenario of the Coordination lab.
pub type CoordScenario = netsplit_sim::lab::LabScenario<Params, NoCommand>;

/// Which protocol the lab runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// One lock server with leases and fencing tokens.
    Lease,
    /// Redlock over several independent lock servers.
    Redlock,
    /// Bully election among processes.
    Bully,
}

impl Mode {
    /// Every mode, for menus.
    pub const ALL: [Mode; 3] = [Mode::Lease, Mode::Redlock, Mode::Bully];

    /// A short name for menus and the command line.
    pub fn name(self) -> &'static str {
        match self {
            Mode::Lease => "lease",
            Mode::Redlock => "redlock",
            Mode::Bully => "bully",
        }
    }
}

/// A deliberately wrong variant of a protocol, for seeing the monitor fail.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Bug {
    /// The storage accepts every write, whatever its token.
    NoFencing,
    /// A lock server that restarts has forgotten its leases and grants at once.
    ForgetLeases,
    /// A client counts its lease valid for the whole TTL less the time it took to get it,
    /// with no allowance for clocks that run at different rates.
    NoDriftAllowance,
    /// A Bully node announces itself coordinator as soon as it starts an election, without
    /// waiting for higher nodes to answer.
    HastyCoordinator,
}

impl Bug {
    /// Every bug, for menus.
    pub const ALL: [Bug; 4] = [
        Bug::NoFencing,
        Bug::ForgetLeases,
        Bug::NoDriftAllowance,
        Bug::HastyCoordinator,
    ];

    /// A short name for menus and the command line.
    pub fn name(self) -> &'static str {
        match self {
            Bug::NoFencing => "no-fencing",
            Bug::ForgetLeases => "forget-leases",
            Bug::NoDriftAllowance => "no-drift-allowance",
            Bug::HastyCoordinator => "hasty-coordinator",
        }
    }

    /// What the bug does, in one sentence.
    pub fn describe(self) -> &'static str {
        match self {
            Bug::NoFencing => "The storage accepts every write, whatever its fencing token.",
            Bug::ForgetLeases => {
                "A lock server that restarts has forgotten its leases and grants at once."
            }
            Bug::NoDriftAllowance => {
                "Clients count on the whole TTL, with no allowance for clock drift."
            }
            Bug::HastyCoordinator => {
                "A Bully node announces itself coordinator without waiting for answers."
            }
        }
    }

    /// The modes in which the bug does anything.
    pub fn modes(self) -> &'static [Mode] {
        match self {
            Bug::NoFencing | Bug::ForgetLeases | Bug::NoDriftAllowance => {
                &[Mode::Lease, Mode::Redlock]
            }
            Bug::HastyCoordinator => &[Mode::Bully],
        }
    }
}

/// The Coordination lab's parameters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Params {
    /// The protocol.
    pub mode: Mode,
    /// How many lock servers Redlock uses (the lease service has one).
    pub servers: usize,
    /// How many clients compete for the lock.
    pub clients: usize,
    /// How many processes hold a Bully election.
    pub processes: usize,
    /// How long a lease lasts, on the lock server's clock.
    pub ttl: Span,
    /// How long a client works on its write after it got the lock, before sending it.
    pub work: Span,
    /// The allowance for clock drift, in thousandths of the TTL (Redlock's is 10, plus 2 ms).
    pub drift_allowance: u32,
    /// Whether a lock server writes its leases to stable storage. A server without keeps no
    /// lease over a restart, and so waits out one TTL before it grants again. (Its token
    /// counter is always on stable storage: a fencing token must never repeat.)
    pub durable: bool,
    /// How long a Bully node waits for an answer, and then for a coordinator.
    pub election_timeout: Span,
    /// How often a Bully coordinator tells the others it is alive.
    pub heartbeat: Span,
    /// A deliberately wrong variant, or `None` for the protocols as published.
    pub bug: Option<Bug>,
}

impl Default for Params {
    fn default() -> Params {
        Params {
            mode: Mode::Lease,
            servers: 5,
            clients: 2,
            processes: 5,
            ttl: Span::secs(2),
            work: Span::millis(300),
            drift_allowance: 10,
            durable: true,
            election_timeout: Span::millis(400),
            heartbeat: Span::millis(500),
            bug: None,
        }
    }
}

impl Params {
    /// Allowed numbers of Redlock servers.
    pub const SERVERS: RangeInclusive<usize> = 3..=7;
    /// Allowed numbers of clients.
    pub const CLIENTS: RangeInclusive<usize> = 2..=4;
    /// Allowed numbers of Bully processes.
    pub const PROCESSES: RangeInclusive<usize> = 3..=8;
    /// Allowed lease lengths, in milliseconds.
    pub const TTL_MS: RangeInclusive<u64> = 100..=60_000;
    /// Allowed work times, in milliseconds.
    pub const WORK_MS: RangeInclusive<u64> = 1..=60_000;
    /// Allowed drift allowances, in thousandths of the TTL.
    pub const DRIFT_ALLOWANCE: RangeInclusive<u32> = 0..=200;
    /// Allowed election timeouts, in milliseconds.
    pub const ELECTION_TIMEOUT_MS: RangeInclusive<u64> = 50..=10_000;
    /// Allowed heartbeat periods, in milliseconds.
    pub const HEARTBEAT_MS: RangeInclusive<u64> = 50..=10_000;

    /// Refuses out-of-range values, naming the allowed range.
    pub fn validate(&self) -> Result<(), String> {
        let range = |r: &RangeInclusive<usize>| (*r.start() as u64, *r.end() as u64);
        let (lo, hi) = range(&Self::SERVERS);
        check_range("lock servers", self.servers as u64, lo, hi, "")?;
        let (lo, hi) = range(&Self::CLIENTS);
        check_range("clients", self.clients as u64, lo, hi, "")?;
        let (lo, hi) = range(&Self::PROCESSES);
        check_range("processes", self.processes as u64, lo, hi, "")?;
        let ms = |r: &RangeInclusive<u64>| (*r.start(), *r.end());
        let (lo, hi) = ms(&Self::TTL_MS);
        check_range("TTL", self.ttl.0, lo, hi, " ms")?;
        let (lo, hi) = ms(&Self::WORK_MS);
        check_range("work", self.work.0, lo, hi, " ms")?;
        let (lo, hi) = (*Self::DRIFT_ALLOWANCE.start(), *Self::DRIFT_ALLOWANCE.end());
        check_range(
            "drift allowance",
            u64::from(self.drift_allowance),
            u64::from(lo),
            u64::from(hi),
            " thousandths of the TTL",
        )?;
        let (lo, hi) = ms(&Self::ELECTION_TIMEOUT_MS);
        check_range("election timeout", self.election_timeout.0, lo, hi, " ms")?;
        let (lo, hi) = ms(&Self::HEARTBEAT_MS);
        check_range("heartbeat", self.heartbeat.0, lo, hi, " ms")?;
        Ok(())
    }

    /// How many lock servers there are (none in Bully mode).
    pub fn lock_servers(&self) -> usize {
        match self.mode {
            Mode::Lease => 1,
            Mode::Redlock => self.servers,
            Mode::Bully => 0,
        }
    }

    /// How many nodes the run has: lock servers, clients and the storage, or the processes.
    pub fn nodes(&self) -> usize {
        match self.mode {
            Mode::Bully => self.processes,
            _ => self.lock_servers() + self.clients + 1,
        }
    }

    /// The role of node `id`.
    pub fn role(&self, id: NodeId) -> Role {
        let servers = self.lock_servers();
        match self.mode {
            Mode::Bully => Role::Process,
            _ if id.index() < servers => Role::LockServer,
            _ if id.index() < servers + self.clients => Role::Client,
            _ => Role::Storage,
        }
    }

    /// The storage node of a lock mode.
    pub fn storage(&self) -> NodeId {
        NodeId((self.lock_servers() + self.clients) as u16)
    }

    /// Every lock server.
    pub fn servers_ids(&self) -> impl Iterator<Item = NodeId> + Clone {
        NodeId::all(self.lock_servers())
    }

    /// How many grants make a lock: a majority of the servers.
    pub fn quorum(&self) -> usize {
        self.lock_servers() / 2 + 1
    }

    /// What a client takes off its lease for clocks that drift: the allowance's share of the
    /// TTL, plus 2 ms, as the Redlock description has it; nothing under
    /// [`Bug::NoDriftAllowance`].
    pub fn allowance(&self) -> Span {
        if self.bug == Some(Bug::NoDriftAllowance) {
            return Span(0);
        }
        Span(self.ttl.0 * u64::from(self.drift_allowance) / 1000 + 2)
    }

    /// Builds the run.
    pub fn build(&self, links: Link, seed: u64) -> CoordSim {
        Sim::new(
            *self,
            self.nodes(),
            links,
            seed,
            CoordMonitor::new(self, &links),
        )
    }
}

/// What a node is in the run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// Grants leases.
    LockServer,
    /// Competes for the lock and writes to the storage.
    Client,
    /// Keeps the data, fenced by tokens.
    Storage,
    /// Takes part in a Bully election.
    Process,
}

/// A lease a lock server has granted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grant {
    /// Who holds it.
    pub client: NodeId,
    /// Its fencing token.
    pub token: u64,
    /// When it ends, on the server's clock.
    pub expires: Time,
}

/// A lock server: one lease at a time, and a counter for fencing tokens.
#[derive(Clone, Debug)]
pub struct LockServer {
    params: Params,
    /// The lease in force, if any (it may have expired; that is checked when asked).
    pub holder: Option<Grant>,
    /// The last token granted.
    pub counter: u64,
    /// Until when (on its clock) a server that lost its leases in a restart grants nothing.
    pub closed_until: Option<Time>,
    restarted_without_leases: bool,
}

/// A client's lease, as the client believes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Lease {
    /// Its fencing token.
    pub token: u64,
    /// When it ends, on the client's own clock.
    pub until: Time,
}

/// Where a client is in its cycle.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// Waiting to try for the lock.
    Idle,
    /// Asking the servers for the lock, or to renew it.
    Asking,
    /// Holding the lock, working on its write.
    Working,
    /// The write is sent; waiting for the storage's answer.
    Writing,
}

/// A client of the lock service.
#[derive(Clone, Debug)]
pub struct Client {
    params: Params,
    /// Where it is in its cycle.
    pub phase: Phase,
    /// The lease it believes it holds.
    pub lease: Option<Lease>,
    /// The current request's number: answers to older ones are ignored.
    round: u32,
    /// Whether the current request renews the lease.
    renewing: bool,
    /// When (its clock) it sent the current request.
    asked_at: Time,
    /// Tokens granted to the current request, by server.
    grants: Vec<(NodeId, u64)>,
    /// Servers that refused the current request.
    refusals: Vec<NodeId>,
    /// The grants the lease it holds was made of.
    held: Vec<(NodeId, u64)>,
    /// How many writes it has sent.
    pub writes: u32,
}

/// The storage: the data the lock protects, fenced by tokens.
#[derive(Clone, Debug)]
pub struct Storage {
    params: Params,
    /// The highest token of an accepted write.
    pub highest: u64,
    /// Writes accepted.
    pub accepted: u32,
    /// Writes refused for an old token.
    pub rejected: u32,
    /// The last write accepted: its client and token.
    pub last: Option<(NodeId, u64)>,
}

/// A Bully process.
#[derive(Clone, Debug)]
pub struct Process {
    params: Params,
    id: NodeId,
    size: usize,
    /// Whom it takes for coordinator (itself when it is).
    pub coordinator: Option<NodeId>,
    /// Whether it is holding an election.
    pub electing: bool,
    /// Whether a higher node answered its election (it now waits for a coordinator).
    pub answered: bool,
}

/// A node of the Coordination lab.
#[derive(Clone, Debug)]
pub enum CoordNode {
    /// A lock server.
    Server(LockServer),
    /// A client.
    Client(Client),
    /// The storage.
    Storage(Storage),
    /// A Bully process.
    Process(Process),
}

/// What travels between nodes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Msg {
    /// A client asks for the lock for `ttl`.
    Acquire {
        /// The request's number.
        round: u32,
        /// How long the lease should last.
        ttl: Span,
    },
    /// A holder asks for its lease to run `ttl` from now.
    Renew {
        /// The request's number.
        round: u32,
        /// The lease's token.
        token: u64,
        /// How long from now.
        ttl: Span,
    },
    /// A server grants (or renews) the lock.
    Granted {
        /// The request answered.
        round: u32,
        /// The fencing token.
        token: u64,
    },
    /// A server refuses: another lease is in force, or it is waiting out a restart.
    Refused {
        /// The request answered.
        round: u32,
    },
    /// A client gives the lock back.
    Release {
        /// The lease's token.
        token: u64,
    },
    /// A client writes to the storage under its lease.
    Write {
        /// The lease's token.
        token: u64,
    },
    /// The storage's answer to a write.
    Written {
        /// The write's token.
        token: u64,
        /// Whether it was accepted.
        accepted: bool,
    },
    /// Bully: a node holds an election and asks higher nodes whether they are up.
    Election,
    /// Bully: a higher node answers that it is up and takes the election over.
    Answer,
    /// Bully: the sender is the new coordinator.
    Coordinator,
    /// Bully: the coordinator is still there.
    Alive,
}

impl fmt::Display for Msg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Msg::Acquire { ttl, .. } => write!(f, "acquire for {ttl}"),
            Msg::Renew { token, ttl, .. } => write!(f, "renew token {token} for {ttl}"),
            Msg::Granted { token, .. } => write!(f, "granted, token {token}"),
            Msg::Refused { .. } => f.write_str("refused"),
            Msg::Release { token } => write!(f, "release token {token}"),
            Msg::Write { token } => write!(f, "write with token {token}"),
            Msg::Written {
                token,
                accepted: true,
            } => write!(f, "write {token} accepted"),
            Msg::Written { token, .. } => write!(f, "write {token} rejected"),
            Msg::Election => f.write_str("ELECTION"),
            Msg::Answer => f.write_str("OK"),
            Msg::Coordinator => f.write_str("COORDINATOR"),
            Msg::Alive => f.write_str("alive"),
        }
    }
}

/// A node's timers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Timer {
    /// A client tries for the lock.
    Try,
    /// A client gives up a request the servers did not answer within an eighth of the TTL.
    GiveUp,
    /// A client's work is done: it sends its write.
    Work,
    /// A client renews its lease.
    Renew,
    /// A client's lease ends, by its own clock.
    Expire,
    /// Bully: no higher node answered in time.
    Answers,
    /// Bully: a higher node answered, but no coordinator was announced in time.
    Announcement,
    /// Bully: the coordinator tells the others it is alive.
    Heartbeat,
    /// Bully: the coordinator has been silent too long.
    Watch,
}

impl fmt::Display for Timer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Timer::Try => "try",
            Timer::GiveUp => "give up",
            Timer::Work => "work done",
            Timer::Renew => "renew",
            Timer::Expire => "lease end",
            Timer::Answers => "answers",
            Timer::Announcement => "announcement",
            Timer::Heartbeat => "heartbeat",
            Timer::Watch => "watch",
        })
    }
}

/// What nodes note in the trace.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Note {
    /// A server granted a lease.
    Granted {
        /// The server.
        server: NodeId,
        /// The client.
        client: NodeId,
        /// The token.
        token: u64,
        /// When it ends on the server's clock.
        expires: Time,
    },
    /// A server restarted without its leases and grants nothing until its clock reads `until`.
    WaitsOut {
        /// The server.
        server: NodeId,
        /// Until when, on its clock.
        until: Time,
    },
    /// A client holds the lock (a new lease, or a renewed one).
    Holds {
        /// The client.
        client: NodeId,
        /// The token.
        token: u64,
        /// Until when, on its own clock.
        until: Time,
        /// Whether the lease was renewed rather than newly acquired.
        renewed: bool,
    },
    /// A client's lease ended by its own clock before it was done.
    LeaseEnded {
        /// The client.
        client: NodeId,
        /// The token.
        token: u64,
    },
    /// The storage accepted a write.
    Accepted {
        /// The writer.
        client: NodeId,
        /// Its token.
        token: u64,
    },
    /// The storage refused a write with an old token.
    Rejected {
        /// The writer.
        client: NodeId,
        /// Its token.
        token: u64,
        /// The highest token the storage has accepted.
        highest: u64,
    },
    /// A Bully node starts an election.
    Elects {
        /// The node.
        node: NodeId,
    },
    /// A Bully node announces itself coordinator.
    Coordinator {
        /// The node.
        node: NodeId,
    },
    /// A Bully node takes another as coordinator.
    Follows {
        /// The node.
        node: NodeId,
        /// Its coordinator.
        coordinator: NodeId,
    },
}

impl fmt::Display for Note {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Note::Granted {
                server,
                client,
                token,
                expires,
            } => write!(
                f,
                "{server} grants the lock to {client} with token {token}, until its clock reads {expires}"
            ),
            Note::WaitsOut { server, until } => write!(
                f,
                "{server} lost its leases in the restart: it grants nothing until its clock reads {until}"
            ),
            Note::Holds {
                client,
                token,
                until,
                renewed,
            } => write!(
                f,
                "{client} {} the lock with token {token} until its clock reads {until}",
                if *renewed { "renews" } else { "holds" }
            ),
            Note::LeaseEnded { client, token } => {
                write!(f, "{client}'s lease {token} ends by its own clock")
            }
            Note::Accepted { client, token } => {
                write!(f, "the storage accepts {client}'s write with token {token}")
            }
            Note::Rejected {
                client,
                token,
                highest,
            } => write!(
                f,
                "the storage rejects {client}'s write with token {token}: it has seen {highest}"
            ),
            Note::Elects { node } => write!(f, "{node} holds an election"),
            Note::Coordinator { node } => write!(f, "{node} announces itself coordinator"),
            Note::Follows { node, coordinator } => {
                write!(f, "{node} takes {coordinator} for coordinator")
            }
        }
    }
}

/// What survives a crash.
#[derive(Clone, Debug)]
pub enum Durable {
    /// A lock server's token counter, and its lease when its state is durable.
    Server(u64, Option<Grant>),
    /// The storage's data.
    Storage(u64, u32, u32, Option<(NodeId, u64)>),
    /// Clients and processes keep nothing.
    Nothing,
}

impl Node for CoordNode {
    type Config = Params;
    type Msg = Msg;
    type Timer = Timer;
    type Command = NoCommand;
    type Note = Note;
    type Durable = Durable;

    fn boot(params: &Params, id: NodeId, size: usize, durable: Option<Durable>) -> Self {
        let params = *params;
        match params.role(id) {
            Role::LockServer => {
                let (counter, holder, restarted) = match durable {
                    Some(Durable::Server(counter, holder)) => (counter, holder, true),
                    _ => (0, None, false),
                };
                let forgets = params.bug == Some(Bug::ForgetLeases);
                CoordNode::Server(LockServer {
                    params,
                    holder: if forgets { None } else { holder },
                    counter,
                    closed_until: None,
                    restarted_without_leases: restarted && !params.durable && !forgets,
                })
            }
            Role::Client => CoordNode::Client(Client {
                params,
                phase: Phase::Idle,
                lease: None,
                round: 0,
                renewing: false,
                asked_at: Time::ZERO,
                grants: Vec::new(),
                refusals: Vec::new(),
                held: Vec::new(),
                writes: 0,
            }),
            Role::Storage => {
                let (highest, accepted, rejected, last) = match durable {
                    Some(Durable::Storage(h, a, r, l)) => (h, a, r, l),
                    _ => (0, 0, 0, None),
                };
                CoordNode::Storage(Storage {
                    params,
                    highest,
                    accepted,
                    rejected,
                    last,
                })
            }
            Role::Process => CoordNode::Process(Process {
                params,
                id,
                size,
                coordinator: None,
                electing: false,
                answered: false,
            }),
        }
    }

    fn on_start(&mut self, ctx: &mut Context<'_, Self>) {
        match self {
            CoordNode::Server(s) => s.start(ctx),
            CoordNode::Client(c) => c.wait_to_try(ctx, Span(50)),
            CoordNode::Storage(_) => {}
            // A process that starts, or recovers, holds an election: a higher one bullies.
            CoordNode::Process(p) => p.elect(ctx),
        }
    }

    fn on_message(&mut self, ctx: &mut Context<'_, Self>, from: NodeId, msg: Msg) {
        match self {
            CoordNode::Server(s) => s.on_message(ctx, from, msg),
            CoordNode::Client(c) => c.on_message(ctx, from, msg),
            CoordNode::Storage(s) => s.on_message(ctx, from, msg),
            CoordNode::Process(p) => p.on_message(ctx, from, msg),
        }
    }

    fn on_timer(&mut self, ctx: &mut Context<'_, Self>, timer: Timer) {
        match self {
            CoordNode::Client(c) => c.on_timer(ctx, timer),
            CoordNode::Process(p) => p.on_timer(ctx, timer),
            CoordNode::Server(_) | CoordNode::Storage(_) => {}
        }
    }

    fn on_command(&mut self, _: &mut Context<'_, Self>, command: NoCommand) {
        match command {}
    }

    fn durable(&self) -> Durable {
        match self {
            CoordNode::Server(s) => {
                Durable::Server(s.counter, s.holder.filter(|_| s.params.durable))
            }
            CoordNode::Storage(s) => Durable::Storage(s.highest, s.accepted, s.rejected, s.last),
            CoordNode::Client(_) | CoordNode::Process(_) => Durable::Nothing,
        }
    }
}

impl LockServer {
    /// A server that came back without its leases waits out the longest lease it might have
    /// granted before the crash ("delayed restarts", in the Redlock description).
    fn start(&mut self, ctx: &mut Context<'_, CoordNode>) {
        if self.restarted_without_leases {
            let until = ctx.local_now() + self.params.ttl;
            self.closed_until = Some(until);
            ctx.note(Note::WaitsOut {
                server: ctx.id(),
                until,
            });
        }
    }

    /// The lease in force at this moment of the server's clock.
    pub fn current(&self, local_now: Time) -> Option<Grant> {
        self.holder.filter(|g| local_now < g.expires)
    }

    fn on_message(&mut self, ctx: &mut Context<'_, CoordNode>, from: NodeId, msg: Msg) {
        let now = ctx.local_now();
        let closed = self.closed_until.is_some_and(|until| now < until);
        match msg {
            Msg::Acquire { round, ttl } => {
                if closed || self.current(now).is_some() {
                    ctx.send(from, Msg::Refused { round });
                    return;
                }
                self.counter += 1;
                let grant = Grant {
                    client: from,
                    token: self.counter,
                    expires: now + ttl,
                };
                self.holder = Some(grant);
                ctx.note(Note::Granted {
                    server: ctx.id(),
                    client: from,
                    token: grant.token,
                    expires: grant.expires,
                });
                ctx.send(
                    from,
                    Msg::Granted {
                        round,
                        token: grant.token,
                    },
                );
            }
            Msg::Renew { round, token, ttl } => match self.current(now) {
                Some(g) if g.client == from && g.token == token => {
                    self.holder = Some(Grant {
                        expires: now + ttl,
                        ..g
                    });
                    ctx.send(from, Msg::Granted { round, token });
                }
                _ => ctx.send(from, Msg::Refused { round }),
            },
            Msg::Release { token }
                if self
                    .holder
                    .is_some_and(|g| g.client == from && g.token == token) =>
            {
                self.holder = None;
            }
            _ => {}
        }
    }
}

impl Client {
    /// Tries for the lock after a random wait of up to `most`.
    fn wait_to_try(&mut self, ctx: &mut Context<'_, CoordNode>, most: Span) {
        self.phase = Phase::Idle;
        let wait = ctx.random_span(Span(1), most.max(Span(1)));
        ctx.set_timer(Timer::Try, wait);
    }

    /// Sends the current request (acquire or renew) to every server.
    fn ask(&mut self, ctx: &mut Context<'_, CoordNode>, renewing: bool) {
        self.round += 1;
        self.renewing = renewing;
        self.asked_at = ctx.local_now();
        self.grants.clear();
        self.refusals.clear();
        self.phase = if renewing { self.phase } else { Phase::Asking };
        let (round, ttl) = (self.round, self.params.ttl);
        if renewing {
            // Each server renews the lease it granted, under its own token.
            for &(server, token) in &self.held {
                ctx.send(server, Msg::Renew { round, token, ttl });
            }
        } else {
            for server in self.params.servers_ids() {
                ctx.send(server, Msg::Acquire { round, ttl });
            }
            // Not the whole TTL: a server that is down must not hold the client up for long
            // (the Redlock description asks for a timeout small against the TTL).
            ctx.set_timer(Timer::GiveUp, ttl / 8);
        }
    }

    /// Gives every grant of the current request back, and tries again later.
    fn give_up(&mut self, ctx: &mut Context<'_, CoordNode>) {
        for &(server, token) in &self.grants {
            ctx.send(server, Msg::Release { token });
        }
        self.grants.clear();
        self.round += 1;
        ctx.cancel_timer(Timer::GiveUp);
        // Soon: the lock may be free in a moment, and whoever asks first gets it.
        self.wait_to_try(ctx, self.params.ttl / 16);
    }

    /// Ends the lease it holds, releasing it everywhere.
    fn release(&mut self, ctx: &mut Context<'_, CoordNode>) {
        self.lease = None;
        for (server, token) in self.held.drain(..) {
            ctx.send(server, Msg::Release { token });
        }
        for timer in [Timer::Work, Timer::Renew, Timer::Expire] {
            ctx.cancel_timer(timer);
        }
    }

    fn on_message(&mut self, ctx: &mut Context<'_, CoordNode>, from: NodeId, msg: Msg) {
        match msg {
            // A copy the network made of an answer counts once.
            Msg::Granted { round, token }
                if round == self.round && self.grants.iter().all(|&(s, _)| s != from) =>
            {
                self.grants.push((from, token));
                if self.grants.len() == self.params.quorum() {
                    self.quorum_reached(ctx);
                }
            }
            // A late grant for a request given up is not wanted.
            Msg::Granted { round, token }
                if round != self.round && !self.held.contains(&(from, token)) =>
            {
                ctx.send(from, Msg::Release { token });
            }
            Msg::Refused { round } if round == self.round => {
                if !self.refusals.contains(&from) {
                    self.refusals.push(from);
                }
                let servers = self.params.lock_servers();
                let lost = servers.saturating_sub(self.refusals.len()) < self.params.quorum();
                if lost && self.phase == Phase::Asking && self.grants.len() < self.params.quorum() {
                    self.give_up(ctx);
                }
            }
            Msg::Written { token, .. } if self.lease.is_some_and(|l| l.token == token) => {
                self.release(ctx);
                self.wait_to_try(ctx, self.params.ttl);
            }
            _ => {}
        }
    }

    /// A majority granted the request: the lease runs for the TTL from when it was asked for,
    /// less the drift allowance (Redlock's validity time); if none is left, it is given up.
    fn quorum_reached(&mut self, ctx: &mut Context<'_, CoordNode>) {
        let now = ctx.local_now();
        let until = self.asked_at + self.params.ttl;
        let until = Time(until.0.saturating_sub(self.params.allowance().0));
        if until <= now {
            if self.renewing {
                return;
            }
            self.give_up(ctx);
            return;
        }
        let token = self.grants.iter().map(|&(_, t)| t).max().expect("a quorum");
        let renewed = self.renewing;
        self.lease = Some(Lease { token, until });
        if !renewed {
            self.held = self.grants.clone();
        }
        ctx.note(Note::Holds {
            client: ctx.id(),
            token,
            until,
            renewed,
        });
        let validity = until.since(now);
        ctx.set_timer(Timer::Expire, validity);
        if !renewed {
            ctx.cancel_timer(Timer::GiveUp);
            self.phase = Phase::Working;
            ctx.set_timer(Timer::Work, self.params.work);
        }
        // A lease that would end before the work is done is renewed halfway.
        let left = if renewed { Span(0) } else { self.params.work };
        if self.phase == Phase::Working && (left > validity / 2 || renewed) {
            ctx.set_timer(Timer::Renew, validity / 2);
        }
    }

    fn on_timer(&mut self, ctx: &mut Context<'_, CoordNode>, timer: Timer) {
        match timer {
            Timer::Try => self.ask(ctx, false),
            Timer::GiveUp if self.phase == Phase::Asking => {
                self.give_up(ctx);
            }
            // The client checked its lease when it got it; what happens after that check
            // (here, a pause during the work) it cannot see. It sends its write.
            Timer::Work => {
                if let Some(lease) = self.lease {
                    self.phase = Phase::Writing;
                    self.writes += 1;
                    ctx.cancel_timer(Timer::Renew);
                    ctx.send(self.params.storage(), Msg::Write { token: lease.token });
                }
            }
            Timer::Renew if self.lease.is_some() && self.phase == Phase::Working => {
                self.ask(ctx, true);
            }
            Timer::Expire => {
                if let Some(lease) = self.lease {
                    ctx.note(Note::LeaseEnded {
                        client: ctx.id(),
                        token: lease.token,
                    });
                    self.release(ctx);
                    self.wait_to_try(ctx, self.params.ttl / 4);
                }
            }
            _ => {}
        }
    }
}

impl Storage {
    fn on_message(&mut self, ctx: &mut Context<'_, CoordNode>, from: NodeId, msg: Msg) {
        let Msg::Write { token } = msg else {
            return;
        };
        let fenced = self.params.bug != Some(Bug::NoFencing);
        let accepted = !fenced || token >= self.highest;
        if accepted {
            self.highest = self.highest.max(token);
            self.accepted += 1;
            self.last = Some((from, token));
            ctx.note(Note::Accepted {
                client: from,
                token,
            });
        } else {
            self.rejected += 1;
            ctx.note(Note::Rejected {
                client: from,
                token,
                highest: self.highest,
            });
        }
        ctx.send(from, Msg::Written { token, accepted });
    }
}

impl Process {
    fn higher(&self) -> impl Iterator<Item = NodeId> + use<> {
        NodeId::all(self.size).skip(self.id.index() + 1)
    }

    /// Starts an election: ELECTION to every higher node, then wait for an answer. The
    /// highest node has no one to ask and wins at once.
    fn elect(&mut self, ctx: &mut Context<'_, CoordNode>) {
        self.electing = true;
        self.answered = false;
        ctx.cancel_timer(Timer::Watch);
        ctx.cancel_timer(Timer::Announcement);
        ctx.note(Note::Elects { node: self.id });
        let higher: Vec<NodeId> = self.higher().collect();
        for &node in &higher {
            ctx.send(node, Msg::Election);
        }
        if higher.is_empty() || self.params.bug == Some(Bug::HastyCoordinator) {
            self.win(ctx);
        } else {
            ctx.set_timer(Timer::Answers, self.params.election_timeout);
        }
    }

    /// No higher node answered: announce itself to every other node.
    fn win(&mut self, ctx: &mut Context<'_, CoordNode>) {
        self.electing = false;
        self.answered = false;
        self.coordinator = Some(self.id);
        ctx.cancel_timer(Timer::Answers);
        ctx.note(Note::Coordinator { node: self.id });
        for node in NodeId::all(self.size).filter(|&n| n != self.id) {
            ctx.send(node, Msg::Coordinator);
        }
        ctx.set_timer(Timer::Heartbeat, self.params.heartbeat);
    }

    /// Takes `node` for coordinator and watches that it stays alive.
    fn follow(&mut self, ctx: &mut Context<'_, CoordNode>, node: NodeId) {
        if self.coordinator != Some(node) {
            ctx.note(Note::Follows {
                node: self.id,
                coordinator: node,
            });
        }
        self.coordinator = Some(node);
        self.electing = false;
        self.answered = false;
        for timer in [Timer::Answers, Timer::Announcement, Timer::Heartbeat] {
            ctx.cancel_timer(timer);
        }
        self.watch(ctx);
    }

    /// How long a follower waits to hear from its coordinator: two heartbeats and a timeout.
    fn watch(&self, ctx: &mut Context<'_, CoordNode>) {
        let p = &self.params;
        ctx.set_timer(Timer::Watch, p.heartbeat + p.heartbeat + p.election_timeout);
    }

    fn on_message(&mut self, ctx: &mut Context<'_, CoordNode>, from: NodeId, msg: Msg) {
        let lower = from < self.id;
        match msg {
            // A lower node holds an election: answer, and take it over.
            Msg::Election if lower => {
                ctx.send(from, Msg::Answer);
                if !self.electing {
                    self.elect(ctx);
                }
            }
            Msg::Answer if self.electing && !self.answered => {
                self.answered = true;
                ctx.cancel_timer(Timer::Answers);
                ctx.set_timer(Timer::Announcement, self.params.election_timeout);
            }
            // A lower node claims to coordinate: bully it.
            Msg::Coordinator | Msg::Alive if lower && !self.electing => {
                self.elect(ctx);
            }
            Msg::Coordinator => self.follow(ctx, from),
            Msg::Alive => {
                if self.coordinator == Some(from) {
                    self.watch(ctx);
                } else if !self.electing {
                    self.follow(ctx, from);
                }
            }
            _ => {}
        }
    }

    fn on_timer(&mut self, ctx: &mut Context<'_, CoordNode>, timer: Timer) {
        match timer {
            Timer::Answers if self.electing => self.win(ctx),
            // A higher node answered but never announced itself: try again.
            Timer::Announcement if self.electing => self.elect(ctx),
            Timer::Heartbeat if self.coordinator == Some(self.id) => {
                for node in NodeId::all(self.size).filter(|&n| n != self.id) {
                    ctx.send(node, Msg::Alive);
                }
                ctx.set_timer(Timer::Heartbeat, self.params.heartbeat);
            }
            Timer::Watch if !self.electing => self.elect(ctx),
            _ => {}
        }
    }
}
