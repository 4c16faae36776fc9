//! The coordinator of 2PC and 3PC, which is also a saga's orchestrator: n0.

use netsplit_sim::{Context, NodeId};

use crate::{Account, Bug, Entry, Leg, Mode, Msg, Note, Params, Timer, Transfer, TxnNode};

/// Where the coordinator is with a transaction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// Waiting for the votes.
    Voting,
    /// 3PC: PRECOMMIT sent, waiting for the acknowledgements.
    Precommitting,
    /// Decided (commit, or abort); sending the decision until every participant acknowledges.
    Deciding(bool),
    /// 3PC, restarted with PRECOMMIT logged and no decision: asking the participants, which
    /// may have decided by the termination protocol meanwhile.
    Asking,
    /// Saga: running step [`Tx::step`].
    Forward,
    /// Saga: compensating step [`Tx::step`].
    Backward,
}

/// A transaction (or saga) the coordinator is working on.
#[derive(Clone, Debug)]
pub struct Tx {
    /// Its number.
    pub id: u32,
    /// The transfer.
    pub transfer: Transfer,
    /// The participants it involves.
    pub participants: Vec<NodeId>,
    /// Where it is.
    pub phase: Phase,
    /// Who has answered in this phase (yes votes, PRECOMMIT acknowledgements or decision
    /// acknowledgements).
    pub answered: Vec<NodeId>,
    /// Saga: the step running or being compensated.
    pub step: usize,
}

/// The coordinator: its log, and the transactions it is working on (rebuilt from the log
/// after a restart).
#[derive(Clone, Debug)]
pub struct Coordinator {
    params: Params,
    /// The write-ahead log: what survives a crash.
    pub log: Vec<Entry>,
    /// How many transfers it has made up on its own.
    pub made: u32,
    /// The number of the next transaction.
    next: u32,
    /// What is in progress.
    pub txs: Vec<Tx>,
}

impl Coordinator {
    /// The coordinator as its log leaves it (BHG §7.4 and §7.5; Garcia-Molina and Salem §5,
    /// backward recovery): a 2PC transaction with no decision logged is aborted; a 3PC one is
    /// aborted too unless PRECOMMIT was logged, and then the participants are asked; a
    /// decision logged is sent again; a saga goes on from its last step logged.
    pub fn recover(params: Params, log: Vec<Entry>, made: u32) -> Coordinator {
        let mut txs: Vec<Tx> = Vec::new();
        let mut next = 0;
        for entry in &log {
            let tx = entry.tx();
            let found = txs.iter().position(|t| t.id == tx);
            match (entry, found) {
                (Entry::Begin { transfer, .. }, _) => {
                    next = next.max(tx + 1);
                    txs.push(Tx {
                        id: tx,
                        participants: transfer.participants(),
                        transfer: transfer.clone(),
                        phase: match params.mode {
                            Mode::Saga => Phase::Forward,
                            _ => Phase::Voting,
                        },
                        answered: Vec::new(),
                        step: 0,
                    });
                }
                (Entry::Precommit { .. }, Some(i)) => txs[i].phase = Phase::Asking,
                (Entry::Decided { commit, .. }, Some(i)) => txs[i].phase = Phase::Deciding(*commit),
                (Entry::End { .. }, Some(i)) => {
                    txs.remove(i);
                }
                (Entry::Step { step, ok: true, .. }, Some(i)) => txs[i].step = *step as usize + 1,
                (
                    Entry::Step {
                        step, ok: false, ..
                    },
                    Some(i),
                ) => {
                    txs[i].phase = Phase::Backward;
                    txs[i].step = *step as usize;
                }
                (Entry::Compensation { step, .. }, Some(i)) => txs[i].step = *step as usize,
                _ => {}
            }
        }
        Coordinator {
            params,
            log,
            made,
            next,
            txs,
        }
    }

    /// After a start or a restart: carry on with what the log left, and go on making up
    /// transfers.
    pub fn on_start(&mut self, ctx: &mut Context<'_, TxnNode>) {
        for id in self.txs.iter().map(|t| t.id).collect::<Vec<_>>() {
            let Some(i) = self.find(id) else { continue };
            match self.txs[i].phase {
                Phase::Voting => self.decide(ctx, i, false),
                Phase::Deciding(commit) => self.send_decision(ctx, i, commit),
                Phase::Asking => self.ask(ctx, i),
                // A saga's step is its number after the last one done (forward), or the one
                // just compensated (backward): the next to undo is below it.
                Phase::Forward => self.forward(ctx, i),
                Phase::Backward => self.backward(ctx, i),
                Phase::Precommitting => {}
            }
        }
        if (self.made as usize) < self.params.transfers {
            ctx.set_timer(Timer::Next, self.params.gap);
        }
    }

    /// The run's parameters.
    pub fn params(&self) -> &Params {
        &self.params
    }

    fn find(&self, tx: u32) -> Option<usize> {
        self.txs.iter().position(|t| t.id == tx)
    }

    /// Begins a transaction for `transfer`: log it, then ask (or run the saga's first step).
    pub fn begin(&mut self, ctx: &mut Context<'_, TxnNode>, transfer: Transfer) {
        let id = self.next;
        self.next += 1;
        self.log.push(Entry::Begin {
            tx: id,
            transfer: transfer.clone(),
        });
        ctx.note(Note::Begins {
            tx: id,
            transfer: transfer.clone(),
        });
        let saga = self.params.mode == Mode::Saga;
        self.txs.push(Tx {
            id,
            participants: transfer.participants(),
            transfer,
            phase: if saga { Phase::Forward } else { Phase::Voting },
            answered: Vec::new(),
            step: 0,
        });
        let i = self.txs.len() - 1;
        if saga {
            self.forward(ctx, i);
            return;
        }
        let tx = &self.txs[i];
        for &p in &tx.participants {
            ctx.send(
                p,
                Msg::Prepare {
                    tx: id,
                    legs: tx.transfer.legs_at(p),
                    with: tx.participants.clone(),
                },
            );
        }
        ctx.set_timer(Timer::Wait(id), self.params.timeout);
    }

    /// A transfer of its own making, as a client's request: 10 to 60 out of one account, into
    /// one or two accounts at other participants, the paying leg at a random place (a saga
    /// runs the legs in order, so it may fail at any step).
    fn made_up(&self, ctx: &mut Context<'_, TxnNode>) -> Transfer {
        let n = self.params.participants as u64;
        let k = if n >= 3 && ctx.random_below(2) == 0 {
            3
        } else {
            2
        };
        let mut keepers: Vec<u64> = (0..n).collect();
        for i in 0..k {
            let j = i + ctx.random_below(n - i as u64) as usize;
            keepers.swap(i, j);
        }
        let accounts: Vec<Account> = keepers[..k]
            .iter()
            .map(|&p| Account((p * 2 + ctx.random_below(2)) as u8))
            .collect();
        let amount = 10 + ctx.random_below(51) as i64;
        let share = amount / 2;
        let mut legs = vec![Leg {
            account: accounts[0],
            amount: -amount,
        }];
        if k == 2 {
            legs.push(Leg {
                account: accounts[1],
                amount,
            });
        } else {
            legs.push(Leg {
                account: accounts[1],
                amount: share,
            });
            legs.push(Leg {
                account: accounts[2],
                amount: amount - share,
            });
        }
        let payer_at = ctx.random_below(k as u64) as usize;
        legs.swap(0, payer_at);
        Transfer { legs }
    }

    /// Decides, logs the decision and sends it to every participant.
    fn decide(&mut self, ctx: &mut Context<'_, TxnNode>, i: usize, commit: bool) {
        let id = self.txs[i].id;
        self.log.push(Entry::Decided { tx: id, commit });
        ctx.note(Note::Decides {
            tx: id,
            commit,
            by: ctx.id(),
        });
        self.send_decision(ctx, i, commit);
        if self.params.bug == Some(Bug::FireAndForget) {
            self.end(ctx, i, commit);
        }
    }

    fn send_decision(&mut self, ctx: &mut Context<'_, TxnNode>, i: usize, commit: bool) {
        let tx = &mut self.txs[i];
        tx.phase = Phase::Deciding(commit);
        tx.answered.clear();
        for &p in &tx.participants {
            ctx.send(p, Msg::Decision { tx: tx.id, commit });
        }
        ctx.set_timer(Timer::Wait(tx.id), self.params.timeout);
    }

    /// 3PC: every vote is yes; log it and tell every participant to precommit.
    fn precommit(&mut self, ctx: &mut Context<'_, TxnNode>, i: usize) {
        let tx = &mut self.txs[i];
        self.log.push(Entry::Precommit { tx: tx.id });
        ctx.note(Note::Precommits {
            tx: tx.id,
            by: ctx.id(),
        });
        tx.phase = Phase::Precommitting;
        tx.answered.clear();
        for &p in &tx.participants {
            ctx.send(p, Msg::Precommit { tx: tx.id });
        }
        ctx.set_timer(Timer::Wait(tx.id), self.params.timeout);
    }

    /// 3PC after a restart: ask every participant what became of the transaction.
    fn ask(&mut self, ctx: &mut Context<'_, TxnNode>, i: usize) {
        let tx = &self.txs[i];
        for &p in &tx.participants {
            ctx.send(p, Msg::Ask { tx: tx.id });
        }
        ctx.set_timer(Timer::Wait(tx.id), self.params.timeout);
    }

    /// Done with the transaction: log its end and forget it.
    fn end(&mut self, ctx: &mut Context<'_, TxnNode>, i: usize, commit: bool) {
        let tx = self.txs.remove(i);
        self.log.push(Entry::End { tx: tx.id });
        ctx.note(Note::Ends { tx: tx.id, commit });
        ctx.cancel_timer(Timer::Wait(tx.id));
    }

    /// Saga: run step `step`, or end the saga once every step is done.
    fn forward(&mut self, ctx: &mut Context<'_, TxnNode>, i: usize) {
        let tx = &mut self.txs[i];
        tx.phase = Phase::Forward;
        let Some(&leg) = tx.transfer.legs.get(tx.step) else {
            self.end(ctx, i, true);
            return;
        };
        let (id, step) = (tx.id, tx.step as u8);
        ctx.send(leg.account.keeper(), Msg::Do { tx: id, step, leg });
        ctx.set_timer(Timer::Wait(id), self.params.timeout);
    }

    /// Saga: compensate the step below `step`, or end the saga once none is left.
    fn backward(&mut self, ctx: &mut Context<'_, TxnNode>, i: usize) {
        let tx = &mut self.txs[i];
        tx.phase = Phase::Backward;
        let skips_first = self.params.bug == Some(Bug::SkipCompensation);
        if tx.step == 0 || (skips_first && tx.step == 1) {
            self.end(ctx, i, false);
            return;
        }
        let (id, step) = (tx.id, tx.step as u8 - 1);
        let leg = tx.transfer.legs[usize::from(step)];
        ctx.send(leg.account.keeper(), Msg::Undo { tx: id, step, leg });
        ctx.set_timer(Timer::Wait(id), self.params.timeout);
    }

    /// What the log says was decided about `tx`.
    fn logged_decision(&self, tx: u32) -> Option<bool> {
        self.log.iter().rev().find_map(|e| match *e {
            Entry::Decided { tx: t, commit } if t == tx => Some(commit),
            _ => None,
        })
    }

    /// Handles a message.
    pub fn on_message(&mut self, ctx: &mut Context<'_, TxnNode>, from: NodeId, msg: Msg) {
        let tx = match msg {
            Msg::Vote { tx, .. }
            | Msg::PrecommitAck { tx }
            | Msg::Ack { tx }
            | Msg::State { tx, .. }
            | Msg::Decision { tx, .. }
            | Msg::Done { tx, .. }
            | Msg::Undone { tx, .. } => tx,
            // A participant in doubt asks: the log answers, even after the end.
            Msg::Ask { tx } => {
                if let Some(commit) = self.logged_decision(tx) {
                    ctx.send(from, Msg::Decision { tx, commit });
                }
                return;
            }
            _ => return,
        };
        let Some(i) = self.find(tx) else { return };
        let phase = self.txs[i].phase;
        let three = self.params.mode == Mode::ThreePhase;
        // A yes vote, or an acknowledgement of PRECOMMIT or of the decision, in its phase; a
        // copy the network made counts once.
        let answer = matches!(
            (&msg, phase),
            (Msg::Vote { yes: true, .. }, Phase::Voting)
                | (Msg::PrecommitAck { .. }, Phase::Precommitting)
                | (Msg::Ack { .. }, Phase::Deciding(_))
        );
        let t = &mut self.txs[i];
        if answer && t.participants.contains(&from) && !t.answered.contains(&from) {
            t.answered.push(from);
        }
        let everyone = t.answered.len() == t.participants.len();
        match (msg, phase) {
            (Msg::Vote { yes: false, .. }, Phase::Voting) => self.decide(ctx, i, false),
            (Msg::Vote { yes: true, .. }, Phase::Voting)
                if everyone || self.params.bug == Some(Bug::EarlyCommit) =>
            {
                if three {
                    self.precommit(ctx, i);
                } else {
                    self.decide(ctx, i, true);
                }
            }
            (Msg::PrecommitAck { .. }, Phase::Precommitting) if everyone => {
                self.decide(ctx, i, true)
            }
            (Msg::Ack { .. }, Phase::Deciding(commit)) if everyone => self.end(ctx, i, commit),
            // 3PC: a participant decided by the termination protocol; the coordinator
            // takes its decision as its own.
            (
                Msg::Decision { commit, .. },
                Phase::Voting | Phase::Precommitting | Phase::Asking,
            ) => self.decide(ctx, i, commit),
            (Msg::State { state, .. }, Phase::Asking) => match state {
                crate::TxState::Committed => self.decide(ctx, i, true),
                crate::TxState::Aborted | crate::TxState::Unknown => self.decide(ctx, i, false),
                _ => {}
            },
            (Msg::Done { step, ok, .. }, Phase::Forward)
                if usize::from(step) == self.txs[i].step =>
            {
                self.log.push(Entry::Step { tx, step, ok });
                if ok {
                    self.txs[i].step += 1;
                    self.forward(ctx, i);
                } else {
                    self.backward(ctx, i);
                }
            }
            (Msg::Undone { step, .. }, Phase::Backward)
                if usize::from(step) + 1 == self.txs[i].step =>
            {
                self.log.push(Entry::Compensation { tx, step });
                self.txs[i].step -= 1;
                self.backward(ctx, i);
            }
            _ => {}
        }
    }

    /// Handles a timer.
    pub fn on_timer(&mut self, ctx: &mut Context<'_, TxnNode>, timer: Timer) {
        match timer {
            Timer::Next => {
                self.made += 1;
                let transfer = self.made_up(ctx);
                self.begin(ctx, transfer);
                if (self.made as usize) < self.params.transfers {
                    ctx.set_timer(Timer::Next, self.params.gap);
                }
            }
            Timer::Wait(tx) => {
                let Some(i) = self.find(tx) else { return };
                match self.txs[i].phase {
                    // A vote that does not come is a no.
                    Phase::Voting => self.decide(ctx, i, false),
                    // Skeen: every vote was yes and PRECOMMIT went out; a participant that did
                    // not acknowledge has failed, and will learn the decision when it returns.
                    Phase::Precommitting => self.decide(ctx, i, true),
                    Phase::Deciding(commit) => {
                        let tx = &self.txs[i];
                        for &p in tx.participants.iter().filter(|p| !tx.answered.contains(p)) {
                            ctx.send(p, Msg::Decision { tx: tx.id, commit });
                        }
                        ctx.set_timer(Timer::Wait(tx.id), self.params.timeout);
                    }
                    Phase::Asking => self.ask(ctx, i),
                    Phase::Forward => self.forward(ctx, i),
                    Phase::Backward => self.backward(ctx, i),
                }
            }
            _ => {}
        }
    }

    /// The heap it holds, for [`netsplit_sim::Node::footprint`].
    pub fn footprint(&self) -> usize {
        let tx = std::mem::size_of::<Tx>() + Transfer::MOST_LEGS * std::mem::size_of::<Leg>();
        self.txs.capacity() * tx
            + self
                .log
                .iter()
                .map(|e| match e {
                    Entry::Begin { transfer, .. } => {
                        transfer.legs.capacity() * std::mem::size_of::<Leg>()
                    }
                    _ => 0,
                })
                .sum::<usize>()
    }
}
