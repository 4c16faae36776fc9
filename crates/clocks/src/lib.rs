//! # netsplit-clocks: Lamport clocks, vector clocks, and happened-before
//!
//! An [`Execution`] is a set of processes, each a sequence of events, and messages from a send
//! event on one process to a receive event on another. An event that sent or received may send
//! more messages (a multicast, or a receive that passes news on). From it both clocks follow
//! (Lamport, "Time, Clocks, and the Ordering of Events in a Distributed System", 1978; Fidge and
//! Mattern, 1988):
//!
//! ```text
//!   P0  ●────────●───────────────────●
//!       [1,0,0]  [2,0,0] send        [3,0,0]
//!                   \
//!                    \ message stamped [2,0,0]
//!                     \
//!   P1  ●──────────────●─────────────●
//!       [0,1,0]        [2,2,0]       [2,3,0]
//!                      receive: merge [0,1,0] with [2,0,0], then tick
//! ```
//!
//! - Vector clocks characterise causality exactly: `a → b` (a happened before b) if and only if
//!   `V(a) < V(b)` component-wise; events whose clocks are incomparable are concurrent.
//! - Lamport time respects causality (`a → b` implies `L(a) < L(b)`) but not the converse.
//!
//! The crate also reads and writes the log format of ShiViz: an event description line, then a
//! line with the host name and its vector clock as JSON. Errors name the line and what is
//! wrong. [`ClocksLab`] is the lab: a [`ClocksScenario`] (processes and steps) whose moments are
//! step counts, with its presets. It never draws, reads a clock, or uses randomness other than
//! a seeded generator.

pub mod lab;
mod presets;
mod shiviz;

use netsplit_sim::Rng;
use serde::{Deserialize, Serialize};
use std::cmp::Ordering;
use std::fmt;

pub use lab::{ClocksLab, ClocksRun, ClocksScenario, execution_bytes};
pub use shiviz::{ShivizError, export_shiviz, import_shiviz};

/// An event's place in the execution: its index in the order events were added.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct EventId(pub usize);

/// A message's place in the execution.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct MessageId(pub usize);

/// A vector clock: one counter per process.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct VectorClock(pub Vec<u64>);

/// How two events are related in time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// The first happened before the second.
    Before,
    /// The first happened after the second.
    After,
    /// They are the same event.
    Same,
    /// Neither happened before the other.
    Concurrent,
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Verdict::Before => "happened before",
            Verdict::After => "happened after",
            Verdict::Same => "is the same event as",
            Verdict::Concurrent => "is concurrent with",
        })
    }
}

impl VectorClock {
    /// The clock of `n` processes before anything happened.
    pub fn zero(n: usize) -> VectorClock {
        VectorClock(vec![0; n])
    }

    /// Compares component-wise.
    pub fn compare(&self, other: &VectorClock) -> Verdict {
        let mut less = false;
        let mut greater = false;
        for (a, b) in self.0.iter().zip(&other.0) {
            match a.cmp(b) {
                Ordering::Less => less = true,
                Ordering::Greater => greater = true,
                Ordering::Equal => {}
            }
        }
        match (less, greater) {
            (false, false) => Verdict::Same,
            (true, false) => Verdict::Before,
            (false, true) => Verdict::After,
            (true, true) => Verdict::Concurrent,
        }
    }

    /// The component-wise maximum with `other`.
    pub fn merge(&mut self, other: &VectorClock) {
        for (a, b) in self.0.iter_mut().zip(&other.0) {
            *a = (*a).max(*b);
        }
    }
}

impl fmt::Display for VectorClock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self.0.iter().map(u64::to_string).collect();
        write!(f, "[{}]", parts.join(","))
    }
}

/// What an event is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// Something happened on one process only.
    Local,
    /// A message left.
    Send(MessageId),
    /// A message arrived.
    Receive(MessageId),
}

/// One event.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    /// The process it happened on.
    pub process: usize,
    /// What it is.
    pub kind: EventKind,
    /// A short description.
    pub label: String,
    /// Its vector clock.
    pub clock: VectorClock,
    /// Its Lamport time.
    pub lamport: u64,
}

/// A message between two processes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    /// The sending process.
    pub from: usize,
    /// The receiving process.
    pub to: usize,
    /// The send event.
    pub send: EventId,
    /// The receive event, once delivered.
    pub receive: Option<EventId>,
}

/// One step of building an execution, as a user or a log takes it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    /// A local event.
    Local {
        /// The process.
        process: u16,
        /// What happened.
        label: String,
    },
    /// A message leaves.
    Send {
        /// The sender.
        from: u16,
        /// The receiver.
        to: u16,
        /// What is sent.
        label: String,
    },
    /// A message in flight arrives.
    Deliver {
        /// The message, by its number.
        message: u32,
        /// What happened.
        label: String,
    },
    /// An event that already sent or received also sends a message: a multicast, or a
    /// receive that passes something on.
    SendFrom {
        /// The event, by its number.
        event: u32,
        /// The receiver.
        to: u16,
    },
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Step::Local { process, label } => write!(f, "P{process}: {label}"),
            Step::Send { from, to, label } => write!(f, "P{from} sends {label} to P{to}"),
            Step::Deliver { message, label } => write!(f, "message m{message} arrives: {label}"),
            Step::SendFrom { event, to } => write!(f, "event {event} also sends to P{to}"),
        }
    }
}

/// Why an event could not be added.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExecutionError(pub String);

impl fmt::Display for ExecutionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Processes, their events in order, and the messages between them, with both clocks.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Execution {
    processes: Vec<String>,
    events: Vec<Event>,
    messages: Vec<Message>,
    /// The latest event of each process.
    last: Vec<Option<EventId>>,
}

/// The most processes an execution may have.
pub const MAX_PROCESSES: usize = 16;

impl Execution {
    /// An execution of processes named `names`, with no events yet.
    pub fn new(names: Vec<String>) -> Execution {
        let n = names.len();
        Execution {
            processes: names,
            events: Vec::new(),
            messages: Vec::new(),
            last: vec![None; n],
        }
    }

    /// An execution of `n` processes named P0, P1, …
    pub fn with_processes(n: usize) -> Execution {
        Execution::new((0..n).map(|i| format!("P{i}")).collect())
    }

    /// The processes' names.
    pub fn processes(&self) -> &[String] {
        &self.processes
    }

    /// Every event, in the order it was added.
    pub fn events(&self) -> &[Event] {
        &self.events
    }

    /// One event.
    pub fn event(&self, id: EventId) -> &Event {
        &self.events[id.0]
    }

    /// Every message.
    pub fn messages(&self) -> &[Message] {
        &self.messages
    }

    /// Messages sent but not yet received.
    pub fn in_flight(&self) -> impl Iterator<Item = MessageId> + '_ {
        self.messages
            .iter()
            .enumerate()
            .filter(|(_, m)| m.receive.is_none())
            .map(|(i, _)| MessageId(i))
    }

    /// The events of process `p`, in order.
    pub fn timeline(&self, p: usize) -> impl Iterator<Item = EventId> + '_ {
        self.events
            .iter()
            .enumerate()
            .filter(move |(_, e)| e.process == p)
            .map(|(i, _)| EventId(i))
    }

    fn check_process(&self, p: usize) -> Result<(), ExecutionError> {
        if p < self.processes.len() {
            Ok(())
        } else {
            Err(ExecutionError(format!(
                "there is no process {p}; the processes are 0 to {}",
                self.processes.len() - 1
            )))
        }
    }

    /// Adds an event on `p` whose clocks follow from `p`'s previous event and, for a receive,
    /// the message's send event.
    fn push(
        &mut self,
        p: usize,
        kind: EventKind,
        label: String,
        received: Option<EventId>,
    ) -> EventId {
        let n = self.processes.len();
        let (mut clock, mut lamport) = match self.last[p] {
            Some(prev) => (
                self.events[prev.0].clock.clone(),
                self.events[prev.0].lamport,
            ),
            None => (VectorClock::zero(n), 0),
        };
        if let Some(send) = received {
            clock.merge(&self.events[send.0].clock);
            lamport = lamport.max(self.events[send.0].lamport);
        }
        clock.0[p] += 1;
        lamport += 1;
        let id = EventId(self.events.len());
        self.events.push(Event {
            process: p,
            kind,
            label,
            clock,
            lamport,
        });
        self.last[p] = Some(id);
        id
    }

    /// A local event on `p`.
    pub fn local(&mut self, p: usize, label: impl Into<String>) -> Result<EventId, ExecutionError> {
        self.check_process(p)?;
        Ok(self.push(p, EventKind::Local, label.into(), None))
    }

    /// `from` sends a message to `to`; it stays in flight until [`Execution::deliver`].
    pub fn send(
        &mut self,
        from: usize,
        to: usize,
        label: impl Into<String>,
    ) -> Result<MessageId, ExecutionError> {
        self.check_process(from)?;
        self.check_process(to)?;
        if from == to {
            return Err(ExecutionError(
                "a process does not send messages to itself here".into(),
            ));
        }
        let message = MessageId(self.messages.len());
        let send = self.push(from, EventKind::Send(message), label.into(), None);
        self.messages.push(Message {
            from,
            to,
            send,
            receive: None,
        });
        Ok(message)
    }

    /// Event `event`, a send or a receive, also sends a message to `to`, stamped with the
    /// event's clock. A local event sends nothing: it would be a send.
    pub fn send_from(&mut self, event: EventId, to: usize) -> Result<MessageId, ExecutionError> {
        let e = self
            .events
            .get(event.0)
            .ok_or_else(|| ExecutionError(format!("there is no event {}", event.0)))?;
        let from = e.process;
        if e.kind == EventKind::Local {
            return Err(ExecutionError(format!(
                "event {} is local; only a send or a receive sends more",
                event.0
            )));
        }
        self.check_process(to)?;
        if from == to {
            return Err(ExecutionError(
                "a process does not send messages to itself here".into(),
            ));
        }
        self.messages.push(Message {
            from,
            to,
            send: event,
            receive: None,
        });
        Ok(MessageId(self.messages.len() - 1))
    }

    /// Delivers a message in flight to its receiver.
    pub fn deliver(
        &mut self,
        message: MessageId,
        label: impl Into<String>,
    ) -> Result<EventId, ExecutionError> {
        let m = *self
            .messages
            .get(message.0)
            .ok_or_else(|| ExecutionError(format!("there is no message {}", message.0)))?;
        if m.receive.is_some() {
            return Err(ExecutionError(format!(
                "message {} was already delivered",
                message.0
            )));
        }
        let id = self.push(
            m.to,
            EventKind::Receive(message),
            label.into(),
            Some(m.send),
        );
        self.messages[message.0].receive = Some(id);
        Ok(id)
    }

    /// How `a` relates to `b`, by their vector clocks.
    pub fn verdict(&self, a: EventId, b: EventId) -> Verdict {
        if a == b {
            return Verdict::Same;
        }
        self.events[a.0].clock.compare(&self.events[b.0].clock)
    }

    /// The events that happened before `e` (its causal past).
    pub fn past(&self, e: EventId) -> Vec<EventId> {
        (0..self.events.len())
            .map(EventId)
            .filter(|&x| self.verdict(x, e) == Verdict::Before)
            .collect()
    }

    /// The events that `e` happened before (its causal future).
    pub fn future(&self, e: EventId) -> Vec<EventId> {
        (0..self.events.len())
            .map(EventId)
            .filter(|&x| self.verdict(e, x) == Verdict::Before)
            .collect()
    }

    /// The verdict in words, with the components that decide it.
    pub fn explain(&self, a: EventId, b: EventId) -> String {
        let (ea, eb) = (&self.events[a.0], &self.events[b.0]);
        let name = |e: &Event| format!("{} on {}", e.label, self.processes[e.process]);
        let (va, vb) = (&ea.clock, &eb.clock);
        let smaller: Vec<&str> = self.components(va, vb, Ordering::Less);
        let larger: Vec<&str> = self.components(va, vb, Ordering::Greater);
        match self.verdict(a, b) {
            Verdict::Same => format!("{} is one event: {va}", name(ea)),
            Verdict::Before => format!(
                "{} happened before {}: {va} ≤ {vb} in every component and is smaller in {}, so a chain of events and messages leads from the first to the second.",
                name(ea),
                name(eb),
                smaller.join(", ")
            ),
            Verdict::After => format!(
                "{} happened after {}: {va} ≥ {vb} in every component and is larger in {}.",
                name(ea),
                name(eb),
                larger.join(", ")
            ),
            Verdict::Concurrent => format!(
                "{} and {} are concurrent: {va} is smaller in {} but larger in {}, so neither could have influenced the other.",
                name(ea),
                name(eb),
                smaller.join(", "),
                larger.join(", ")
            ),
        }
    }

    fn components(&self, a: &VectorClock, b: &VectorClock, order: Ordering) -> Vec<&str> {
        a.0.iter()
            .zip(&b.0)
            .enumerate()
            .filter(|(_, (x, y))| x.cmp(y) == order)
            .map(|(i, _)| self.processes[i].as_str())
            .collect()
    }

    /// Takes one step.
    pub fn apply(&mut self, step: &Step) -> Result<EventId, ExecutionError> {
        match step {
            Step::Local { process, label } => self.local(usize::from(*process), label.clone()),
            Step::Send { from, to, label } => {
                let m = self.send(usize::from(*from), usize::from(*to), label.clone())?;
                Ok(self.messages[m.0].send)
            }
            Step::Deliver { message, label } => {
                self.deliver(MessageId(*message as usize), label.clone())
            }
            Step::SendFrom { event, to } => {
                let event = EventId(*event as usize);
                self.send_from(event, usize::from(*to)).map(|_| event)
            }
        }
    }

    /// The step `step` in words, naming the event a [`Step::SendFrom`] sends from; `step` is
    /// one this execution has taken.
    pub fn describe(&self, step: &Step) -> String {
        match step {
            Step::SendFrom { event, to } => {
                let e = &self.events[*event as usize];
                format!("P{}'s {} also sends to P{to}", e.process, e.label)
            }
            step => step.to_string(),
        }
    }

    /// The execution that `steps` build on processes named `names`; an error names the step.
    pub fn from_steps(names: Vec<String>, steps: &[Step]) -> Result<Execution, ExecutionError> {
        let mut execution = Execution::new(names);
        for (i, step) in steps.iter().enumerate() {
            execution
                .apply(step)
                .map_err(|e| ExecutionError(format!("step {}: {}", i + 1, e.0)))?;
        }
        Ok(execution)
    }

    /// The steps that build this execution, in order: one per event, and a
    /// [`Step::SendFrom`] for each message that left an event made by an earlier step, taken as
    /// soon as its event and the messages numbered before it exist.
    pub fn steps(&self) -> Vec<Step> {
        let mut steps = Vec::with_capacity(self.events.len());
        let mut next_message = 0;
        let send_from_ready = |steps: &mut Vec<Step>, next: &mut usize, events: usize| {
            while let Some(m) = self.messages.get(*next) {
                let made_by_its_event =
                    self.events[m.send.0].kind == EventKind::Send(MessageId(*next));
                if made_by_its_event || m.send.0 >= events {
                    break;
                }
                steps.push(Step::SendFrom {
                    event: m.send.0 as u32,
                    to: m.to as u16,
                });
                *next += 1;
            }
        };
        for (i, e) in self.events.iter().enumerate() {
            send_from_ready(&mut steps, &mut next_message, i);
            steps.push(match e.kind {
                EventKind::Local => Step::Local {
                    process: e.process as u16,
                    label: e.label.clone(),
                },
                EventKind::Send(m) => {
                    next_message = m.0 + 1;
                    Step::Send {
                        from: e.process as u16,
                        to: self.messages[m.0].to as u16,
                        label: e.label.clone(),
                    }
                }
                EventKind::Receive(m) => Step::Deliver {
                    message: m.0 as u32,
                    label: e.label.clone(),
                },
            });
        }
        send_from_ready(&mut steps, &mut next_message, self.events.len());
        steps
    }

    /// A random execution of `processes` processes and about `events` events, fixed by `seed`:
    /// local events, sends, and deliveries of messages in flight in any order.
    pub fn generate(seed: u64, processes: usize, events: usize) -> Execution {
        let processes = processes.clamp(2, MAX_PROCESSES);
        let mut rng = Rng::seeded(seed);
        let mut execution = Execution::with_processes(processes);
        for i in 0..events {
            let pending: Vec<MessageId> = execution.in_flight().collect();
            let choice = rng.below(3);
            let result = if choice == 0 && !pending.is_empty() {
                let m = pending[rng.below(pending.len() as u64) as usize];
                execution.deliver(m, format!("e{i}")).map(|_| ())
            } else if choice == 1 {
                let from = rng.below(processes as u64) as usize;
                let to = (from + 1 + rng.below(processes as u64 - 1) as usize) % processes;
                execution.send(from, to, format!("e{i}")).map(|_| ())
            } else {
                let p = rng.below(processes as u64) as usize;
                execution.local(p, format!("e{i}")).map(|_| ())
            };
            result.expect("generated events are valid");
        }
        execution
    }
}
