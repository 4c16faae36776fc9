//! The Transactions lab: two-phase commit, three-phase commit and sagas. What a user must see is
//! where each transaction stands at each node: the logs, the locks, the balances, and who is in
//! doubt and for how long.

use netsplit_labs::transactions::{
    ACCOUNTS_EACH, Account, Bug, Entry, Leg, Mode, Msg, Params, Participant, Phase,
    ProtocolComparison, ProtocolOutcome, Timer, Transfer, TxRecord, TxnLab, TxnNode,
};
use netsplit_sim::{Action, NodeId, Slot, Span, Time};
use std::cell::RefCell;
use yew::prelude::*;

use crate::kit::compare::{self, Comparing, Kept};
use crate::kit::field::Fields;
use crate::kit::spec::{LabSpec, NodeAction, NodeLook, ScenarioOf, SimOf};
use crate::kit::tenths;
use crate::session::Selection;

/// What makes the Transactions lab.
pub struct TxnSpec;

/// How many log records a node's card shows, newest last.
const LOG_SHOWN: usize = 6;
/// How many transactions the table shows, newest first.
const ROWS_SHOWN: usize = 12;
/// The fill of a participant in doubt: amber, the colour of waiting.
const IN_DOUBT_TINT: u64 = 1;
/// The fill of a participant that is not: blue.
const SETTLED_TINT: u64 = 5;

impl LabSpec for TxnSpec {
    type Lab = TxnLab;

    const FIELDS: &'static [&'static str] = &[
        "mode",
        "participants",
        "transfers",
        "gap",
        "timeout",
        "audit_every",
        "cooperative",
        "bug",
    ];
    const SHORTCUTS: &'static [(&'static str, &'static str)] = &[(
        "t",
        "Send a transfer of 20 out of the selected participant (or n1)",
    )];
    const STAGE_LABEL: &'static str = "The coordinator on the left; the participants, which keep the accounts, and the auditor on the right; dots are messages in flight";

    fn intro() -> Html {
        html! {
            <>
                <h1>{ "Transactions" }</h1>
                <p>
                    { "A transfer moves money between accounts kept by different participants, and must happen \
                       everywhere or nowhere. Two-phase commit blocks while its coordinator is gone; three-phase \
                       commit does not, until a partition makes each side decide alone; a saga never blocks and \
                       gives up isolation. Crash the coordinator mid-way and watch who stays in doubt." }
                </p>
            </>
        }
    }

    fn columns(_: &Params) -> Option<usize> {
        Some(1)
    }

    fn params_panel(params: &Params, fields: &Fields) -> Html {
        let range = |r: &std::ops::RangeInclusive<usize>| (*r.start() as u64, *r.end() as u64);
        let ms = |r: &std::ops::RangeInclusive<u64>| (*r.start(), *r.end());
        let modes = [
            ("2pc", "two-phase commit"),
            ("3pc", "three-phase commit"),
            ("saga", "saga with compensations"),
        ];
        let mut bugs = vec![("none", "none (correct protocols)")];
        bugs.extend(
            Bug::ALL
                .iter()
                .filter(|b| b.modes().contains(&params.mode))
                .map(|b| (b.name(), b.name())),
        );
        let (p_lo, p_hi) = range(&Params::PARTICIPANTS);
        let (t_lo, t_hi) = range(&Params::TRANSFERS);
        let (g_lo, g_hi) = ms(&Params::GAP_MS);
        let (o_lo, o_hi) = ms(&Params::TIMEOUT_MS);
        let (a_lo, a_hi) = ms(&Params::AUDIT_MS);
        let cooperative = [
            ("false", "ask the coordinator only"),
            ("true", "also ask the other participants"),
        ];
        html! {
            <>
                { fields.menu("mode", "protocol", &modes, params.mode.name()) }
                { fields.number("participants", "participants", params.participants as u64, p_lo, p_hi) }
                { fields.number("transfers", "transfers the coordinator makes up", params.transfers as u64, t_lo, t_hi) }
                { fields.number("gap", "between them (ms)", params.gap.0, g_lo, g_hi) }
                { fields.number("timeout", "timeout (ms)", params.timeout.0, o_lo, o_hi) }
                { fields.number("audit_every", "audit every (ms)", params.audit_every.0, a_lo, a_hi) }
                if params.mode == Mode::TwoPhase {
                    { fields.menu("cooperative", "in doubt, a participant", &cooperative, if params.cooperative { "true" } else { "false" }) }
                }
                { fields.menu("bug", "bug toggle", &bugs, params.bug.map_or("none", Bug::name)) }
            </>
        }
    }

    fn node_look(sim: &SimOf<Self>, slot: &Slot<TxnNode>, id: NodeId, now: f64) -> NodeLook {
        let params = sim.config();
        let true_now = sim.now();
        let (role, caption, badge, timer, tint) = match slot.node() {
            TxnNode::Coordinator(c) => {
                let caption = match c.txs.last() {
                    Some(t) => format!(
                        "t{} {}{}",
                        t.id,
                        phase_name(t.phase),
                        if c.txs.len() > 1 {
                            format!(" (+{})", c.txs.len() - 1)
                        } else {
                            String::new()
                        }
                    ),
                    None => "idle".to_string(),
                };
                let timer = c.txs.last().and_then(|t| {
                    slot.timer_due(&Timer::Wait(t.id))
                        .map(|due| (due.0 as f64 - now).max(0.0) / params.timeout.0.max(1) as f64)
                });
                let role = if params.mode == Mode::Saga {
                    "orchestrator"
                } else {
                    "coordinator"
                };
                (role, caption, Some(role_badge(params.mode)), timer, None)
            }
            TxnNode::Participant(p) => {
                let doubt = in_doubt_since(sim, id);
                let caption = match doubt {
                    Some(since) => format!("in doubt {}", Span(true_now.since(since).0)),
                    None => balances(p),
                };
                let timer = p.pending.first().and_then(|pending| {
                    slot.timer_due(&Timer::Doubt(pending.tx))
                        .map(|due| (due.0 as f64 - now).max(0.0) / params.doubt().0.max(1) as f64)
                });
                let tint = if doubt.is_some() {
                    IN_DOUBT_TINT
                } else {
                    SETTLED_TINT
                };
                // No badge: the caption and the fill say it, and a badge in the column of
                // participants would cover the caption of the node above.
                ("participant", caption, None, timer, Some(tint))
            }
            TxnNode::Auditor(a) => {
                let caption = a
                    .last
                    .map_or("no audit yet".to_string(), |sum| format!("read {sum}"));
                ("auditor", caption, None, None, None)
            }
        };
        let state = if slot.is_up() {
            match slot.node() {
                TxnNode::Participant(p) => {
                    let locks = locked_accounts(p);
                    format!(
                        "{}{}",
                        balances(p),
                        if locks.is_empty() {
                            String::new()
                        } else {
                            format!(", holding {}", locks.join(" and "))
                        }
                    )
                }
                _ => caption.clone(),
            }
        } else {
            "crashed".to_string()
        };
        NodeLook {
            caption,
            description: format!(
                "{id}, {role}, {state}{}",
                if in_doubt_since(sim, id).is_some() {
                    ", in doubt"
                } else {
                    ""
                }
            ),
            badge,
            timer,
            tint,
        }
    }

    fn message_look(msg: &Msg) -> (&'static str, &'static str) {
        match msg {
            Msg::Prepare { .. } => ("P", "txn-prepare"),
            Msg::Vote { yes: true, .. } => ("Y", "txn-yes"),
            Msg::Vote { .. } => ("N", "txn-no"),
            Msg::Precommit { .. } => ("R", "txn-precommit"),
            Msg::PrecommitAck { .. } => ("r", "txn-ack"),
            Msg::Decision { commit: true, .. } => ("C", "txn-commit"),
            Msg::Decision { .. } => ("A", "txn-abort"),
            Msg::Ack { .. } => ("K", "txn-ack"),
            Msg::Ask { .. } => ("?", "txn-ask"),
            Msg::State { .. } => ("S", "txn-ask"),
            Msg::Do { .. } => ("D", "txn-prepare"),
            Msg::Done { ok: true, .. } => ("✓", "txn-yes"),
            Msg::Done { .. } => ("✗", "txn-no"),
            Msg::Undo { .. } => ("U", "txn-abort"),
            Msg::Undone { .. } => ("u", "txn-ack"),
            Msg::Read { .. } => ("Q", "txn-read"),
            Msg::Balances { .. } => ("B", "txn-read"),
            Msg::Busy { .. } => ("…", "txn-read"),
            Msg::Release { .. } => ("L", "txn-read"),
        }
    }

    fn message_tag(msg: &Msg) -> Option<String> {
        match msg {
            Msg::Prepare { tx, .. }
            | Msg::Vote { tx, .. }
            | Msg::Precommit { tx }
            | Msg::PrecommitAck { tx }
            | Msg::Decision { tx, .. }
            | Msg::Ack { tx }
            | Msg::Ask { tx }
            | Msg::State { tx, .. }
            | Msg::Do { tx, .. }
            | Msg::Done { tx, .. }
            | Msg::Undo { tx, .. }
            | Msg::Undone { tx, .. } => Some(format!("t{tx}")),
            _ => None,
        }
    }

    fn node_actions(sim: &SimOf<Self>, id: NodeId) -> Vec<NodeAction<Transfer>> {
        let params = sim.config();
        let payer = if (1..=params.participants as u16).contains(&id.0) {
            id
        } else {
            NodeId(1)
        };
        let payee = NodeId(payer.0 % params.participants as u16 + 1);
        let account = |node: NodeId| Account(((node.0 - 1) as usize * ACCOUNTS_EACH) as u8);
        let transfer = Transfer {
            legs: vec![
                Leg {
                    account: account(payer),
                    amount: -20,
                },
                Leg {
                    account: account(payee),
                    amount: 20,
                },
            ],
        };
        vec![NodeAction {
            label: format!("Transfer 20: {} → {}", account(payer), account(payee)),
            key: "t",
            action: Action::Command(NodeId(0), transfer),
        }]
    }

    fn node_details(sim: &SimOf<Self>, id: NodeId) -> Html {
        let slot = sim.slot(id);
        let row = |name: &'static str, value: String| html! { <tr><th scope="row">{ name }</th><td>{ value }</td></tr> };
        let rows = match slot.node() {
            TxnNode::Coordinator(c) => {
                let working = if c.txs.is_empty() {
                    "nothing".to_string()
                } else {
                    c.txs
                        .iter()
                        .map(|t| format!("t{} {}", t.id, phase_name(t.phase)))
                        .collect::<Vec<_>>()
                        .join(", ")
                };
                html! {
                    <>
                        { row("working on", working) }
                        { row("made up", format!("{} of {} transfers", c.made, sim.config().transfers)) }
                        { row("log", log_tail(&c.log)) }
                    </>
                }
            }
            TxnNode::Participant(p) => {
                let locks = locked_accounts(p);
                let doubt = in_doubt_since(sim, id).map(|since| {
                    format!("since {since}, {} so far", Span(sim.now().since(since).0))
                });
                html! {
                    <>
                        { row("balances", balances(p)) }
                        { row("locked", if locks.is_empty() { "nothing".into() } else { locks.join(", ") }) }
                        { row("in doubt", doubt.unwrap_or_else(|| "no".into())) }
                        { row("auditor's read lock", p.reader.map_or("none".into(), |(audit, until)| format!("audit {audit}, until its clock reads {until}"))) }
                        { row("log", log_tail(&p.log)) }
                    </>
                }
            }
            TxnNode::Auditor(a) => {
                let audits = sim.monitor().audits();
                html! {
                    <>
                        { row("last sum", a.last.map_or("none yet".into(), |s| s.to_string())) }
                        { row("audits", format!("{} read every balance; {} saw a sum other than {}", audits.done, audits.anomalies, sim.config().total())) }
                    </>
                }
            }
        };
        html! {
            <table class="members">
                <caption>{ "state and write-ahead log" }</caption>
                <tbody>{ rows }</tbody>
            </table>
        }
    }

    fn below_stage(sim: &SimOf<Self>, scenario: &ScenarioOf<Self>, _: Selection) -> Html {
        html! {
            <>
                { participants(sim) }
                { transactions(sim) }
                { comparison(scenario) }
            </>
        }
    }

    fn side_work(scenario: &ScenarioOf<Self>, more: &mut dyn FnMut() -> bool) -> bool {
        let start =
            |s: &ScenarioOf<Self>| ProtocolComparison::new(s).map_err(|why| why.to_string());
        compare::work(&COMPARED, scenario, start, COMPARE_SLICE, more)
    }

    fn legend() -> Html {
        html! {
            <>
                <span class="key txn-prepare">{ "P" }</span>{ " prepare / saga step  " }
                <span class="key txn-yes">{ "Y" }</span>{ " yes  " }
                <span class="key txn-no">{ "N" }</span>{ " no  " }
                <span class="key txn-precommit">{ "R" }</span>{ " precommit  " }
                <span class="key txn-commit">{ "C" }</span>{ " commit  " }
                <span class="key txn-abort">{ "A" }</span>{ " abort / undo  " }
                <span class="key txn-read">{ "Q" }</span>{ " audit  " }
                <span class="key down">{ "✕" }</span>{ " crashed  " }
                <span class="key flag">{ "!" }</span>{ " named in a violation" }
            </>
        }
    }
}

/// The coordinator's badge, by protocol.
fn role_badge(mode: Mode) -> &'static str {
    match mode {
        Mode::TwoPhase => "2PC coordinator",
        Mode::ThreePhase => "3PC coordinator",
        Mode::Saga => "saga orchestrator",
    }
}

/// Where the coordinator is with a transaction, in a word or two.
fn phase_name(phase: Phase) -> &'static str {
    match phase {
        Phase::Voting => "voting",
        Phase::Precommitting => "precommitting",
        Phase::Deciding(true) => "committing",
        Phase::Deciding(false) => "aborting",
        Phase::Asking => "asking",
        Phase::Forward => "running",
        Phase::Backward => "compensating",
    }
}

/// A participant's balances: "a 60 · b 125".
fn balances(p: &Participant) -> String {
    p.balances
        .iter()
        .enumerate()
        .map(|(i, b)| format!("{} {b}", char::from(b'a' + i as u8)))
        .collect::<Vec<_>>()
        .join(" · ")
}

/// The accounts a participant holds locked, with the transaction that holds each.
fn locked_accounts(p: &Participant) -> Vec<String> {
    p.pending
        .iter()
        .flat_map(|pending| {
            pending
                .legs
                .iter()
                .map(move |leg| format!("{} for t{}", leg.account, pending.tx))
        })
        .collect()
}

/// Since when (true time) participant `id` has been in doubt, by the monitor: the earliest of
/// the transactions it voted yes to and has no outcome for.
fn in_doubt_since(sim: &SimOf<TxnSpec>, id: NodeId) -> Option<Time> {
    sim.monitor()
        .doubt()
        .get(id.index())
        .and_then(|d| d.now.iter().map(|&(_, since)| since).min())
}

/// The newest records of a log, oldest first.
fn log_tail(log: &[Entry]) -> String {
    if log.is_empty() {
        return "empty".into();
    }
    let skip = log.len().saturating_sub(LOG_SHOWN);
    let mut shown: Vec<String> = log[skip..].iter().map(ToString::to_string).collect();
    if skip > 0 {
        shown.insert(0, format!("… {skip} older"));
    }
    shown.join("; ")
}

/// A card for the coordinator (what it works on) and for each participant (balances, locks,
/// time in doubt), each with its log's newest records.
fn participants(sim: &SimOf<TxnSpec>) -> Html {
    let now = sim.now();
    let cards = sim.nodes().iter().enumerate().filter_map(|(i, slot)| {
        let id = NodeId(i as u16);
        let crashed = if slot.is_up() { "" } else { " (crashed)" };
        let (log, head, doubt) = match slot.node() {
            TxnNode::Coordinator(c) => {
                let working = c
                    .txs
                    .iter()
                    .map(|t| format!("t{} {}", t.id, phase_name(t.phase)))
                    .collect::<Vec<_>>();
                let head = html! {
                    <>
                        <h3>{ format!("{id}, {}{crashed}", role_badge(sim.config().mode)) }</h3>
                        <p>{ if working.is_empty() { "working on nothing".to_string() } else { format!("working on {}", working.join(", ")) } }</p>
                    </>
                };
                (&c.log, head, None)
            }
            TxnNode::Participant(p) => {
                let doubt = in_doubt_since(sim, id);
                let locks = locked_accounts(p);
                let head = html! {
                    <>
                        <h3>{ format!("{id}{crashed}") }</h3>
                        <p class="balances">{ balances(p) }</p>
                        <p>{ if locks.is_empty() { "no locks".to_string() } else { format!("locked: {}", locks.join(", ")) } }</p>
                        if let Some(since) = doubt {
                            <p class="doubt-clock">{ format!("in doubt for {}", Span(now.since(since).0)) }</p>
                        }
                    </>
                };
                (&p.log, head, doubt)
            }
            TxnNode::Auditor(_) => return None,
        };
        let skip = log.len().saturating_sub(LOG_SHOWN);
        Some(html! {
            <li class={classes!("txn-card", doubt.map(|_| "doubt"), (!slot.is_up()).then_some("down"))}>
                { head }
                <ol class="log" start={(skip + 1).to_string()} aria-label={format!("{id}'s log, newest last")}>
                    { for log[skip..].iter().map(|e| html! { <li>{ e.to_string() }</li> }) }
                </ol>
            </li>
        })
    });
    let audits = sim.monitor().audits();
    let audit_line = format!(
        "The auditor has read every balance {} times; {} of its reads summed to something other than {}{}.",
        audits.done,
        audits.anomalies,
        sim.config().total(),
        match sim.config().mode {
            Mode::Saga => " (a saga takes no locks: a read may see money in flight)",
            _ => " (it reads under read locks)",
        }
    );
    html! {
        <section class="panel txn-participants" aria-label="Participants">
            <h2>{ "Logs, locks and balances" }</h2>
            <ul class="txn-cards">{ for cards }</ul>
            <p class="hint">{ audit_line }</p>
        </section>
    }
}

/// One row per transaction, newest first: its transfer, when it began, what was decided and
/// by whom, each participant's outcome, and when the coordinator was done.
fn transactions(sim: &SimOf<TxnSpec>) -> Html {
    let all = sim.monitor().transactions();
    let saga = sim.config().mode == Mode::Saga;
    let flagged: Vec<u64> = sim
        .violations()
        .iter()
        .flat_map(|v| v.indexes.iter().copied())
        .collect();
    let shown = &all[all.len().saturating_sub(ROWS_SHOWN)..];
    // To now while any row is unfinished, else to the last row's end: a short transaction
    // long done still fills the bar.
    let end = shown
        .iter()
        .map(|t| t.ended.map(|(_, at)| at))
        .try_fold(Time::ZERO, |latest, ended| ended.map(|at| latest.max(at)));
    let axis = Axis {
        start: shown.first().map_or(Time::ZERO, |t| t.begun),
        now: end.unwrap_or(sim.now()),
    };
    let rows = all.iter().enumerate().rev().take(ROWS_SHOWN).map(|(i, t)| {
        let tx = i as u32;
        let flag = flagged.contains(&u64::from(tx));
        html! {
            <tr class={classes!(flag.then_some("flagged"))}>
                <th scope="row">{ format!("t{tx}{}", if flag { " !" } else { "" }) }</th>
                <td>{ t.transfer.to_string().trim_start_matches("transfer ").to_string() }</td>
                <td class="phases">{ axis.phases(t, saga) }</td>
                <td>{ t.begun.to_string() }</td>
                <td>{ decided(t, saga) }</td>
                <td>{ outcomes(t, saga) }</td>
                <td>{ t.ended.map_or("—".to_string(), |(_, at)| at.to_string()) }</td>
            </tr>
        }
    });
    html! {
        <section class="panel txn-table" aria-label="Transactions">
            <h2>{ "Transactions" }</h2>
            if all.is_empty() {
                <p class="hint">{ "None yet: the coordinator begins one when a transfer reaches it (key t sends one)." }</p>
            } else {
                <table class="members">
                    <caption>{ format!("the newest {} of {}, in true time", all.len().min(ROWS_SHOWN), all.len()) }</caption>
                    <thead><tr>
                        <th scope="col">{ "tx" }</th><th scope="col">{ "transfer" }</th>
                        <th scope="col">{ format!("phases, {} to {}", axis.start, axis.now) }</th>
                        <th scope="col">{ "begun" }</th>
                        <th scope="col">{ if saga { "ended" } else { "decided" } }</th>
                        <th scope="col">{ if saga { "steps" } else { "at each participant" } }</th>
                        <th scope="col">{ "done" }</th>
                    </tr></thead>
                    <tbody>{ for rows }</tbody>
                </table>
            }
        </section>
    }
}

/// The true time the transactions table's phase bars span: from the first row shown to now
/// (or to the last end, when every row shown is done).
struct Axis {
    start: Time,
    now: Time,
}

/// The width of a row's phase bar.
const PHASES_W: f64 = 160.0;

impl Axis {
    /// Where moment `t` is drawn.
    fn x(&self, t: Time) -> f64 {
        let span = self.now.since(self.start).0.max(1) as f64;
        t.since(self.start).0 as f64 / span * PHASES_W
    }

    /// A transaction's phases as a bar: waiting for votes (a saga: running its steps), then
    /// the decision on its way until the coordinator is done, with a tick where each
    /// participant took its outcome.
    fn phases(&self, t: &TxRecord, saga: bool) -> Html {
        let decided = t.decided.map(|(commit, at, _)| (commit, at));
        let first_end = match (saga, decided) {
            (false, Some((_, at))) => at,
            _ => t.ended.map_or(self.now, |(_, at)| at),
        };
        let bar = |from: Time, to: Time, class: &'static str| {
            let (x, end) = (self.x(from), self.x(to));
            let (x, width) = (tenths(x), tenths((end - x).max(1.0)));
            html! { <rect class={class} x={x} y="3" width={width} height="10" /> }
        };
        let mut words = vec![format!(
            "{} from {} to {}",
            if saga { "running" } else { "voting" },
            t.begun,
            first_end
        )];
        let second = decided.filter(|_| !saga).map(|(commit, at)| {
            let to = t.ended.map_or(self.now, |(_, end)| end);
            words.push(format!(
                "{} until {}",
                if commit { "committing" } else { "aborting" },
                to
            ));
            bar(at, to, if commit { "commit" } else { "abort" })
        });
        let ticks = t.outcomes.iter().map(|&(_, commit, at)| {
            let x = tenths(self.x(at));
            html! { <line class={if commit { "tick commit" } else { "tick abort" }} x1={x.clone()} x2={x} y1="0" y2="16" /> }
        });
        let first_class = match (saga, t.ended) {
            (true, Some((true, _))) => "commit",
            (true, Some((false, _))) => "abort",
            _ => "voting",
        };
        html! {
            <svg class="phase-bar" viewBox={format!("0 0 {PHASES_W} 16")} width={PHASES_W.to_string()} height="16" role="img" aria-label={words.join(", ")}>
                { bar(t.begun, first_end, first_class) }
                { for second }
                { for ticks }
            </svg>
        }
    }
}

/// What was decided: "commit by n0 at 0.625 s".
fn decided(t: &TxRecord, saga: bool) -> String {
    if saga {
        return match t.ended {
            Some((true, _)) => "completed".into(),
            Some((false, _)) => "compensated".into(),
            None => "running".into(),
        };
    }
    t.decided.map_or("undecided".into(), |(commit, at, by)| {
        format!(
            "{} by {by} at {at}",
            if commit { "commit" } else { "abort" }
        )
    })
}

/// Each participant's outcome, or a saga's steps in effect: "n1 ✓, n2 ✗, n3 …".
fn outcomes(t: &TxRecord, saga: bool) -> String {
    if saga {
        return t
            .effects
            .iter()
            .zip(&t.transfer.legs)
            .enumerate()
            .map(|(i, (&e, leg))| {
                format!(
                    "{} {}",
                    i + 1,
                    match e {
                        0 => format!("({leg}) not in effect"),
                        1 => format!("{leg}"),
                        n => format!("{leg} ×{n}"),
                    }
                )
            })
            .collect::<Vec<_>>()
            .join(", ");
    }
    t.participants
        .iter()
        .map(|p| {
            let mark = t
                .outcomes
                .iter()
                .find(|o| o.0 == *p)
                .map_or(
                    "no outcome yet",
                    |o| {
                        if o.1 { "committed" } else { "aborted" }
                    },
                );
            format!("{p} {mark}")
        })
        .collect::<Vec<_>>()
        .join(", ")
}

thread_local! {
    /// The comparison of the scenario on the page, on its way or done.
    static COMPARED: Kept<ScenarioOf<TxnSpec>, ProtocolComparison> = const { RefCell::new(None) };
}

/// How many events the comparison runs between asking whether to go on.
const COMPARE_SLICE: u64 = 500;

impl Comparing for ProtocolComparison {
    type Outcome = Vec<ProtocolOutcome>;

    fn go(&mut self, events: u64) -> bool {
        ProtocolComparison::go(self, events)
    }

    fn done(&self) -> f64 {
        ProtocolComparison::done(self)
    }

    fn outcome(&self) -> Vec<ProtocolOutcome> {
        self.outcomes().expect("every run is at its end")
    }
}

/// The run's seed, links, transfers and faults under each protocol, side by side.
fn comparison(scenario: &ScenarioOf<TxnSpec>) -> Html {
    let saga_words = |mode: Mode| {
        if mode == Mode::Saga {
            ("completed", "compensated")
        } else {
            ("committed", "aborted")
        }
    };
    let done = |outcomes: &Vec<ProtocolOutcome>| {
        let rows = outcomes.iter().map(|o| {
            let (done, undone) = saga_words(o.mode);
            let current = o.mode == scenario.params.mode;
            html! {
                <tr class={classes!(current.then_some("current"), (!o.broken.is_empty()).then_some("flagged"))}>
                    <th scope="row">{ o.mode.title() }{ if current { " (this run)" } else { "" } }</th>
                    <td>{ format!("{} {done}, {} {undone}, {} in progress", o.tally.committed, o.tally.aborted, o.open) }</td>
                    <td>{ o.longest_doubt.to_string() }</td>
                    <td>{ format!("{} of {}", o.audits.anomalies, o.audits.done) }</td>
                    <td>{ if o.broken.is_empty() { "all hold".to_string() } else { format!("broken: {}", o.broken.join(", ")) } }</td>
                </tr>
            }
        });
        html! {
            <table class="members">
                <caption>{ "at the end of each run" }</caption>
                <thead><tr>
                    <th scope="col">{ "protocol" }</th><th scope="col">{ "transactions" }</th>
                    <th scope="col">{ "longest in doubt" }</th><th scope="col">{ "audits that saw money in flight" }</th>
                    <th scope="col">{ "checks" }</th>
                </tr></thead>
                <tbody>{ for rows }</tbody>
            </table>
        }
    };
    let refused = |why: &str| html! { <p class="hint">{ format!("The other protocols cannot replay this run: {why}.") }</p> };
    html! {
        <section class="panel txn-compare" aria-labelledby="txn-compare-title">
            <h2 id="txn-compare-title">{ "The same run under each protocol" }</h2>
            <p class="hint">{ "This run's seed, links, transfers and faults replayed to the end under two-phase commit, three-phase commit and a saga." }</p>
            { compare::show(&COMPARED, scenario, "Replaying under each protocol", done, refused) }
        </section>
    }
}
