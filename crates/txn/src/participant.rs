//! Participants, which keep the accounts, and the auditor, which reads them.

use netsplit_sim::{Context, NodeId, Time};

use crate::{
    ACCOUNTS_EACH, Bug, Entry, Leg, Mode, Msg, Note, Params, Refusal, Timer, TxState, TxnNode,
};

/// A transaction a participant voted yes to and has no decision for: it is in doubt, and
/// holds the locks of its legs.
#[derive(Clone, Debug)]
pub struct Pending {
    /// The transaction.
    pub tx: u32,
    /// Its legs here.
    pub legs: Vec<Leg>,
    /// Every participant of the transaction.
    pub with: Vec<NodeId>,
    /// 3PC: told PRECOMMIT.
    pub precommitted: bool,
    /// It restarted in doubt about this transaction: it may have missed what was sent
    /// meanwhile, so under 3PC it asks but never decides alone (Skeen's recovery protocol).
    pub recovering: bool,
    /// 3PC termination: the states the others answered, and whether each is recovering.
    answers: Vec<(NodeId, TxState, bool)>,
    /// 3PC termination: it decided to commit and sent PRECOMMIT to the others first.
    pushing: bool,
}

/// A participant: its accounts, its log, and what it is in doubt about.
#[derive(Clone, Debug)]
pub struct Participant {
    params: Params,
    id: NodeId,
    /// Its accounts' balances, as its log has applied them.
    pub balances: [i64; ACCOUNTS_EACH],
    /// The write-ahead log: what survives a crash.
    pub log: Vec<Entry>,
    /// What it voted yes to and has no decision for.
    pub pending: Vec<Pending>,
    /// The auditor's read lock (2PC and 3PC): its audit, and until when, on this node's
    /// clock, it holds.
    pub reader: Option<(u32, Time)>,
}

impl Participant {
    /// The participant as its log leaves it: what it prepared and has no outcome for, it is
    /// in doubt about, locks included (BHG §7.4: a participant that voted yes may not decide
    /// alone).
    pub fn recover(
        params: Params,
        id: NodeId,
        log: Vec<Entry>,
        balances: [i64; ACCOUNTS_EACH],
    ) -> Participant {
        let mut pending: Vec<Pending> = Vec::new();
        for entry in &log {
            match entry {
                Entry::Prepared { tx, legs, with } => pending.push(Pending {
                    tx: *tx,
                    legs: legs.clone(),
                    with: with.clone(),
                    precommitted: false,
                    recovering: true,
                    answers: Vec::new(),
                    pushing: false,
                }),
                Entry::Precommitted { tx } => {
                    if let Some(p) = pending.iter_mut().find(|p| p.tx == *tx) {
                        p.precommitted = true;
                    }
                }
                Entry::Committed { tx } | Entry::Aborted { tx } => pending.retain(|p| p.tx != *tx),
                _ => {}
            }
        }
        Participant {
            params,
            id,
            balances,
            log,
            pending,
            reader: None,
        }
    }

    /// What a crash keeps: the log, less "prepared" records of undecided transactions under
    /// [`Bug::VolatilePrepare`].
    pub fn durable_log(&self) -> Vec<Entry> {
        if self.params.bug != Some(Bug::VolatilePrepare) {
            return self.log.clone();
        }
        let undecided = |tx: u32| self.pending.iter().any(|p| p.tx == tx);
        self.log
            .iter()
            .filter(|e| {
                !matches!(e, Entry::Prepared { tx, .. } | Entry::Precommitted { tx } if undecided(*tx))
            })
            .cloned()
            .collect()
    }

    /// After a restart it is in doubt about what it prepared: it asks in a while.
    pub fn on_start(&mut self, ctx: &mut Context<'_, TxnNode>) {
        if self.pending.is_empty() {
            return;
        }
        ctx.note(Note::InDoubt {
            participant: self.id,
            txs: self.pending.iter().map(|p| p.tx).collect(),
        });
        for p in &self.pending {
            ctx.set_timer(Timer::Doubt(p.tx), self.params.doubt());
        }
    }

    /// The outcome its log records for `tx`.
    pub fn outcome(&self, tx: u32) -> Option<bool> {
        self.log.iter().rev().find_map(|e| match *e {
            Entry::Committed { tx: t } if t == tx => Some(true),
            Entry::Aborted { tx: t } if t == tx => Some(false),
            _ => None,
        })
    }

    /// What it knows of `tx`.
    pub fn state(&self, tx: u32) -> TxState {
        match (self.outcome(tx), self.pending.iter().find(|p| p.tx == tx)) {
            (Some(true), _) => TxState::Committed,
            (Some(false), _) => TxState::Aborted,
            (None, Some(p)) if p.precommitted => TxState::Precommitted,
            (None, Some(_)) => TxState::Prepared,
            (None, None) => TxState::Unknown,
        }
    }

    /// Whether a pending transaction holds a lock on the account in `slot`.
    pub fn locked(&self, slot: usize) -> bool {
        self.pending
            .iter()
            .any(|p| p.legs.iter().any(|l| l.account.slot() == slot))
    }

    fn read_locked(&self, now: Time) -> bool {
        self.reader.is_some_and(|(_, until)| now < until)
    }

    fn find(&self, tx: u32) -> Option<usize> {
        self.pending.iter().position(|p| p.tx == tx)
    }

    /// Why it cannot do these legs now, if it cannot: an account locked (no waiting, so no
    /// deadlock: the transaction aborts and the client may try again), or one that would go
    /// below zero.
    fn refusal(&self, legs: &[Leg], now: Time) -> Option<Refusal> {
        if self.read_locked(now) || legs.iter().any(|l| self.locked(l.account.slot())) {
            return Some(Refusal::Locked);
        }
        let mut after = self.balances;
        for leg in legs {
            after[leg.account.slot()] += leg.amount;
        }
        after.iter().any(|&b| b < 0).then_some(Refusal::Funds)
    }

    /// Logs the outcome, applies the legs if it commits, and lets the locks go.
    fn finish(&mut self, ctx: &mut Context<'_, TxnNode>, tx: u32, commit: bool) {
        if let Some(i) = self.find(tx) {
            let p = self.pending.remove(i);
            if commit {
                for leg in &p.legs {
                    self.balances[leg.account.slot()] += leg.amount;
                }
            }
            ctx.cancel_timer(Timer::Doubt(tx));
            ctx.cancel_timer(Timer::Collect(tx));
        }
        self.log.push(if commit {
            Entry::Committed { tx }
        } else {
            Entry::Aborted { tx }
        });
        ctx.note(Note::Outcome {
            tx,
            participant: self.id,
            commit,
        });
    }

    /// Handles a message.
    pub fn on_message(&mut self, ctx: &mut Context<'_, TxnNode>, from: NodeId, msg: Msg) {
        let now = ctx.local_now();
        match msg {
            Msg::Prepare { tx, legs, with } => self.prepare(ctx, from, tx, legs, with),
            Msg::Decision { tx, commit } => {
                if self.outcome(tx).is_none() {
                    // Without a record of its vote (it never voted, or lost the record) it
                    // can only abort.
                    let known = self.find(tx).is_some();
                    self.finish(ctx, tx, commit && known);
                }
                if from == NodeId(0) {
                    ctx.send(from, Msg::Ack { tx });
                }
            }
            Msg::Precommit { tx } => {
                if let Some(i) = self.find(tx) {
                    if !self.pending[i].precommitted {
                        self.pending[i].precommitted = true;
                        self.log.push(Entry::Precommitted { tx });
                    }
                    ctx.send(from, Msg::PrecommitAck { tx });
                    ctx.set_timer(Timer::Doubt(tx), self.params.doubt());
                }
            }
            Msg::Ask { tx } => self.answer(ctx, from, tx),
            Msg::State {
                tx,
                state,
                recovering,
            } => {
                if let Some(i) = self.find(tx) {
                    let answers = &mut self.pending[i].answers;
                    answers.retain(|&(n, ..)| n != from);
                    answers.push((from, state, recovering));
                }
            }
            Msg::Do { tx, step, leg } => self.run_step(ctx, from, tx, step, leg),
            Msg::Undo { tx, step, leg } => self.undo_step(ctx, from, tx, step, leg),
            Msg::Read { audit } => {
                let saga = self.params.mode == Mode::Saga;
                if !saga && !self.pending.is_empty() {
                    ctx.send(from, Msg::Busy { audit });
                    return;
                }
                if !saga {
                    self.reader = Some((audit, now + self.params.timeout));
                }
                let balances = self.balances;
                ctx.send(from, Msg::Balances { audit, balances });
            }
            Msg::Release { audit } if self.reader.is_some_and(|(a, _)| a == audit) => {
                self.reader = None;
            }
            _ => {}
        }
    }

    /// PREPARE (3PC's CanCommit?): vote yes and lock, or no; a copy is answered as before.
    fn prepare(
        &mut self,
        ctx: &mut Context<'_, TxnNode>,
        from: NodeId,
        tx: u32,
        legs: Vec<Leg>,
        with: Vec<NodeId>,
    ) {
        let yes = match self.state(tx) {
            TxState::Unknown => {
                let refusal = self.refusal(&legs, ctx.local_now());
                ctx.note(Note::Voted {
                    tx,
                    participant: self.id,
                    refusal,
                });
                if refusal.is_some() {
                    // Before it votes yes a participant may abort on its own.
                    self.finish(ctx, tx, false);
                    false
                } else {
                    self.log.push(Entry::Prepared {
                        tx,
                        legs: legs.clone(),
                        with: with.clone(),
                    });
                    self.pending.push(Pending {
                        tx,
                        legs,
                        with,
                        precommitted: false,
                        recovering: false,
                        answers: Vec::new(),
                        pushing: false,
                    });
                    ctx.set_timer(Timer::Doubt(tx), self.params.doubt());
                    true
                }
            }
            TxState::Aborted => false,
            TxState::Prepared | TxState::Precommitted | TxState::Committed => true,
        };
        ctx.send(from, Msg::Vote { tx, yes });
    }

    /// Another node asks what became of `tx`. 2PC (the cooperative termination protocol,
    /// BHG §7.4): a participant that knows the decision tells it, one that has not voted
    /// aborts and says so, one in doubt cannot help. 3PC (Skeen's termination protocol): it
    /// answers its state, aborting first if it has not voted.
    fn answer(&mut self, ctx: &mut Context<'_, TxnNode>, from: NodeId, tx: u32) {
        let mut state = self.state(tx);
        if state == TxState::Unknown {
            self.finish(ctx, tx, false);
            state = TxState::Aborted;
        }
        let recovering = self.pending.iter().any(|p| p.tx == tx && p.recovering);
        match (self.params.mode, state) {
            (Mode::ThreePhase, _) => ctx.send(
                from,
                Msg::State {
                    tx,
                    state,
                    recovering,
                },
            ),
            (_, TxState::Committed | TxState::Aborted) => ctx.send(
                from,
                Msg::Decision {
                    tx,
                    commit: state == TxState::Committed,
                },
            ),
            _ => {}
        }
    }

    /// Handles a timer.
    pub fn on_timer(&mut self, ctx: &mut Context<'_, TxnNode>, timer: Timer) {
        match timer {
            Timer::Doubt(tx) => self.in_doubt(ctx, tx),
            Timer::Collect(tx) => self.terminate(ctx, tx),
            _ => {}
        }
    }

    /// Still in doubt about `tx`: 2PC asks the coordinator (and, cooperative, the others);
    /// 3PC starts the termination protocol, asking everyone's state.
    fn in_doubt(&mut self, ctx: &mut Context<'_, TxnNode>, tx: u32) {
        let Some(i) = self.find(tx) else { return };
        let id = self.id;
        let others: Vec<NodeId> = self.pending[i]
            .with
            .iter()
            .copied()
            .filter(|&n| n != id)
            .collect();
        match self.params.mode {
            Mode::ThreePhase => {
                ctx.note(Note::Terminates {
                    tx,
                    participant: id,
                });
                self.pending[i].answers.clear();
                for node in std::iter::once(NodeId(0)).chain(others) {
                    ctx.send(node, Msg::Ask { tx });
                }
                ctx.set_timer(Timer::Collect(tx), self.params.timeout);
            }
            _ if self.params.bug == Some(Bug::FireAndForget) => {}
            _ => {
                ctx.send(NodeId(0), Msg::Ask { tx });
                if self.params.cooperative {
                    for node in others {
                        ctx.send(node, Msg::Ask { tx });
                    }
                }
                ctx.set_timer(Timer::Doubt(tx), self.params.doubt());
            }
        }
    }

    /// 3PC's termination protocol, once the answers are in (Skeen 1981; BHG §7.5): if anyone
    /// committed, commit; if anyone aborted or had not voted, abort; otherwise the lowest
    /// participant that answered and has been up all along decides: commit if anyone is
    /// precommitted (after telling the others to precommit), abort if all only voted. A
    /// participant that restarted may have missed a PRECOMMIT: its "prepared" proves nothing,
    /// and it never decides alone; if everyone is recovering, 3PC blocks too.
    fn terminate(&mut self, ctx: &mut Context<'_, TxnNode>, tx: u32) {
        let Some(i) = self.find(tx) else { return };
        let p = &self.pending[i];
        if p.pushing {
            self.decide_alone(ctx, tx, true);
            return;
        }
        let states = || p.answers.iter().map(|&(_, s, _)| s);
        if states().any(|s| s == TxState::Committed) {
            self.decide_alone(ctx, tx, true);
            return;
        }
        if states().any(|s| matches!(s, TxState::Aborted | TxState::Unknown)) {
            self.decide_alone(ctx, tx, false);
            return;
        }
        let lowest = p
            .answers
            .iter()
            .filter(|&&(_, _, recovering)| !recovering)
            .map(|&(n, ..)| n)
            .min()
            .unwrap_or(self.id);
        if p.recovering || lowest < self.id {
            // Someone else decides; wait to hear from it.
            ctx.set_timer(Timer::Doubt(tx), self.params.doubt());
            return;
        }
        if p.precommitted || states().any(|s| s == TxState::Precommitted) {
            let waiting: Vec<NodeId> = p
                .answers
                .iter()
                .filter(|&&(_, s, _)| s == TxState::Prepared)
                .map(|&(n, ..)| n)
                .collect();
            if !p.precommitted {
                self.log.push(Entry::Precommitted { tx });
            }
            let p = &mut self.pending[i];
            p.precommitted = true;
            p.pushing = true;
            ctx.note(Note::Precommits { tx, by: self.id });
            for node in waiting {
                ctx.send(node, Msg::Precommit { tx });
            }
            ctx.set_timer(Timer::Collect(tx), self.params.timeout);
        } else {
            self.decide_alone(ctx, tx, false);
        }
    }

    /// 3PC: decides by the termination protocol, and tells the others and the coordinator.
    fn decide_alone(&mut self, ctx: &mut Context<'_, TxnNode>, tx: u32, commit: bool) {
        let Some(i) = self.find(tx) else { return };
        let with = self.pending[i].with.clone();
        ctx.note(Note::Decides {
            tx,
            commit,
            by: self.id,
        });
        self.finish(ctx, tx, commit);
        for node in std::iter::once(NodeId(0)).chain(with.into_iter().filter(|&n| n != self.id)) {
            ctx.send(node, Msg::Decision { tx, commit });
        }
    }

    /// Whether its log holds a record for which `matches` holds.
    fn logged(&self, matches: impl Fn(&Entry) -> bool) -> bool {
        self.log.iter().rev().any(matches)
    }

    /// A saga step: a local transaction, applied once however often it is asked (unless
    /// [`Bug::RepeatedStep`]), refused if an account would go below zero.
    fn run_step(
        &mut self,
        ctx: &mut Context<'_, TxnNode>,
        from: NodeId,
        tx: u32,
        step: u8,
        leg: Leg,
    ) {
        let repeats = self.params.bug == Some(Bug::RepeatedStep);
        let applied =
            |e: &Entry| matches!(*e, Entry::Applied { tx: t, step: s, .. } if t == tx && s == step);
        let refused =
            |e: &Entry| matches!(*e, Entry::Refused { tx: t, step: s } if t == tx && s == step);
        let ok = if !repeats && self.logged(applied) {
            true
        } else if self.logged(refused) {
            false
        } else if self.balances[leg.account.slot()] + leg.amount < 0 {
            self.log.push(Entry::Refused { tx, step });
            ctx.note(Note::Refused {
                tx,
                step,
                participant: self.id,
            });
            false
        } else {
            self.balances[leg.account.slot()] += leg.amount;
            self.log.push(Entry::Applied { tx, step, leg });
            ctx.note(Note::Applied {
                tx,
                step,
                participant: self.id,
                leg,
            });
            true
        };
        ctx.send(from, Msg::Done { tx, step, ok });
    }

    /// A saga step's compensation: takes the leg back once. A compensation never fails: the
    /// account may go below zero.
    fn undo_step(
        &mut self,
        ctx: &mut Context<'_, TxnNode>,
        from: NodeId,
        tx: u32,
        step: u8,
        leg: Leg,
    ) {
        let undone =
            |e: &Entry| matches!(*e, Entry::Undone { tx: t, step: s } if t == tx && s == step);
        let applied =
            |e: &Entry| matches!(*e, Entry::Applied { tx: t, step: s, .. } if t == tx && s == step);
        if !self.logged(undone) && self.logged(applied) {
            self.balances[leg.account.slot()] -= leg.amount;
            self.log.push(Entry::Undone { tx, step });
            ctx.note(Note::Compensated {
                tx,
                step,
                participant: self.id,
                leg,
            });
        }
        ctx.send(from, Msg::Undone { tx, step });
    }

    /// The heap it holds, for [`netsplit_sim::Node::footprint`].
    pub fn footprint(&self) -> usize {
        self.pending.capacity() * std::mem::size_of::<Pending>()
            + self
                .log
                .iter()
                .map(|e| match e {
                    Entry::Prepared { legs, with, .. } => {
                        legs.capacity() * std::mem::size_of::<Leg>()
                            + with.capacity() * std::mem::size_of::<NodeId>()
                    }
                    _ => 0,
                })
                .sum::<usize>()
    }
}

/// The auditor: now and then it reads every participant's balances and sums them. Under 2PC
/// and 3PC each read takes a read lock, held until the audit is done or for one timeout, so an
/// audit whose every answer came within that timeout saw one moment of the data. A saga takes
/// no locks.
#[derive(Clone, Debug)]
pub struct Auditor {
    params: Params,
    /// The current audit's number.
    pub audit: u32,
    asked_at: Time,
    answers: Vec<(NodeId, [i64; ACCOUNTS_EACH])>,
    collecting: bool,
    /// The sum of the last audit that completed.
    pub last: Option<i64>,
}

impl Auditor {
    /// An auditor that has read nothing.
    pub fn new(params: Params) -> Auditor {
        Auditor {
            params,
            audit: 0,
            asked_at: Time::ZERO,
            answers: Vec::new(),
            collecting: false,
            last: None,
        }
    }

    /// Starts auditing in a while.
    pub fn on_start(&mut self, ctx: &mut Context<'_, TxnNode>) {
        ctx.set_timer(Timer::Audit, self.params.audit_every);
    }

    /// Handles a message.
    pub fn on_message(&mut self, ctx: &mut Context<'_, TxnNode>, from: NodeId, msg: Msg) {
        match msg {
            Msg::Balances { audit, balances } if self.collecting && audit == self.audit => {
                if self.answers.iter().all(|&(n, _)| n != from) {
                    self.answers.push((from, balances));
                }
                if self.answers.len() < self.params.participants {
                    return;
                }
                let in_time = ctx.local_now().since(self.asked_at) < self.params.timeout;
                if in_time || self.params.mode == Mode::Saga {
                    let sum = self.answers.iter().flat_map(|(_, b)| b).sum();
                    self.last = Some(sum);
                    ctx.note(Note::Audited { audit, sum });
                }
                self.done(ctx);
            }
            Msg::Busy { audit } if self.collecting && audit == self.audit => self.done(ctx),
            _ => {}
        }
    }

    /// Handles a timer.
    pub fn on_timer(&mut self, ctx: &mut Context<'_, TxnNode>, timer: Timer) {
        match timer {
            Timer::Audit => {
                self.audit += 1;
                self.answers.clear();
                self.collecting = true;
                self.asked_at = ctx.local_now();
                for p in self.params.participant_ids() {
                    ctx.send(p, Msg::Read { audit: self.audit });
                }
                ctx.set_timer(Timer::AuditDone, self.params.timeout);
            }
            Timer::AuditDone if self.collecting => self.done(ctx),
            _ => {}
        }
    }

    /// Ends the audit: the read locks go, and the next audit is due.
    fn done(&mut self, ctx: &mut Context<'_, TxnNode>) {
        self.collecting = false;
        ctx.cancel_timer(Timer::AuditDone);
        if self.params.mode != Mode::Saga {
            for p in self.params.participant_ids() {
                ctx.send(p, Msg::Release { audit: self.audit });
            }
        }
        ctx.set_timer(Timer::Audit, self.params.audit_every);
    }
}
