//! The Paxos lab: ballots, promises and acceptances, single-decree or Multi-Paxos, with the
//! safety properties checked live.

use netsplit_labs::paxos::{
    Ballot, BallotLog, Bug, Command, Mode, Msg, Params, PaxosLab, PaxosNode, Role, Stage, Timer,
    Value,
};
use netsplit_sim::{Action, NodeId, Slot, Span};
use yew::prelude::*;

use crate::kit::field::Fields;
use crate::kit::spec::{LabSpec, NodeAction, NodeLook, ScenarioOf, SimOf};
use crate::session::Selection;

/// What makes the Paxos lab.
pub struct PaxosSpec;

/// The most slots drawn in the acceptor table; later slots push the first ones out.
const SLOT_COLUMNS: u64 = 12;
/// The most ballots listed in the timeline; the latest are kept.
const BALLOT_ROWS: usize = 12;

impl LabSpec for PaxosSpec {
    type Lab = PaxosLab;

    const FIELDS: &'static [&'static str] = &[
        "proposers",
        "acceptors",
        "mode",
        "timeout",
        "backoff_max",
        "bug",
    ];
    const SHORTCUTS: &'static [(&'static str, &'static str)] =
        &[("p", "the selected proposer proposes the next letter")];
    const STAGE_LABEL: &'static str = "Proposers in the left column, acceptors in the right: requests travel right, replies travel left, each message tagged with its ballot";

    fn intro() -> Html {
        html! {
            <>
                <h1>{ "Paxos" }</h1>
                <p>
                    { "Proposers try to get a value chosen by a majority of acceptors, in two round trips per \
                       ballot: Prepare and Promise, then Accept and Accepted. An acceptor promises to ignore \
                       lower ballots and reports what it accepted; a proposer must carry that value forward. \
                       As in \"Paxos Made Simple\"; Multi-Paxos runs phase 1 once for a stream of slots." }
                </p>
            </>
        }
    }

    fn columns(params: &Params) -> Option<usize> {
        Some(params.proposers)
    }

    fn params_panel(params: &Params, fields: &Fields) -> Html {
        let (p_lo, p_hi) = Params::PROPOSERS.into_inner();
        let (a_lo, a_hi) = Params::ACCEPTORS.into_inner();
        let (t_lo, t_hi) = Params::TIMEOUT_MS.into_inner();
        let (b_lo, b_hi) = Params::BACKOFF_MS.into_inner();
        let modes = [
            ("single", "single-decree Paxos"),
            ("multi", "Multi-Paxos (a leader, many slots)"),
        ];
        let mut bugs = vec![("none", "none (Paxos as published)")];
        bugs.extend(Bug::ALL.iter().map(|b| (b.name(), b.name())));
        html! {
            <>
                { fields.menu("mode", "protocol", &modes, params.mode.name()) }
                { fields.number("proposers", "proposers", params.proposers as u64, p_lo as u64, p_hi as u64) }
                { fields.number("acceptors", "acceptors", params.acceptors as u64, a_lo as u64, a_hi as u64) }
                { fields.number("timeout", "phase timeout (ms)", params.timeout.as_millis(), t_lo, t_hi) }
                { fields.number("backoff_max", "longest backoff (ms)", params.backoff_max.as_millis(), b_lo, b_hi) }
                { fields.menu("bug", "bug toggle", &bugs, params.bug.map_or("none", Bug::name)) }
                if let Some(bug) = params.bug {
                    <p class="hint">{ bug.describe() }</p>
                }
            </>
        }
    }

    fn node_look(sim: &SimOf<Self>, slot: &Slot<PaxosNode>, id: NodeId, now: f64) -> NodeLook {
        let params = sim.config();
        let node = slot.node();
        let left = |timer: Timer, full: Span| {
            slot.timer_due(&timer)
                .map(|due| (due.0 as f64 - now).max(0.0) / full.as_millis().max(1) as f64)
        };
        match node.role() {
            Role::Proposer(p) => {
                let badge = match p.stage() {
                    Stage::Preparing => Some("phase 1"),
                    Stage::Proposing if node.is_leader() => Some("leader"),
                    Stage::Proposing => Some("phase 2"),
                    Stage::BackingOff => Some("backoff"),
                    Stage::Idle => None,
                };
                let timer = left(Timer::Phase, params.timeout)
                    .or_else(|| left(Timer::Backoff, params.backoff_max))
                    .or_else(|| left(Timer::LeaderLost, params.timeout + params.backoff_max));
                let ballot = p
                    .ballot()
                    .map_or("no ballot".to_string(), |b| format!("ballot {b}"));
                let learned = match params.mode {
                    Mode::Single => p.learned().values().next().map(|v| format!("learned {v}")),
                    Mode::Multi => (p.first_unlearned() > 1)
                        .then(|| format!("learned 1–{}", p.first_unlearned() - 1)),
                };
                let caption = learned.clone().unwrap_or_else(|| ballot.clone());
                NodeLook {
                    caption,
                    description: if slot.is_up() {
                        format!(
                            "{id}, proposer, {}, {ballot}{}",
                            badge.unwrap_or("idle"),
                            learned.map(|l| format!(", {l}")).unwrap_or_default()
                        )
                    } else {
                        format!("{id}, proposer, crashed")
                    },
                    badge,
                    timer,
                    tint: p.ballot().map(|b| u64::from(b.round)),
                }
            }
            Role::Acceptor(a) => {
                let promised = a
                    .promised()
                    .map_or("no promise".to_string(), |b| format!("promised {b}"));
                let last = a.votes().iter().next_back();
                let caption = match (params.mode, last) {
                    (Mode::Single, Some((_, (b, v)))) => format!("{v} @ {b}"),
                    _ => promised.clone(),
                };
                let votes = last.map_or(", nothing accepted".to_string(), |(slot, (b, v))| {
                    format!(", accepted {v} in slot {slot} under {b}")
                });
                NodeLook {
                    caption,
                    description: if slot.is_up() {
                        format!("{id}, acceptor, {promised}{votes}")
                    } else {
                        format!("{id}, acceptor, crashed (its promise and votes are on disk)")
                    },
                    badge: None,
                    timer: None,
                    tint: a.promised().map(|b| u64::from(b.round)),
                }
            }
        }
    }

    fn message_look(msg: &Msg) -> (&'static str, &'static str) {
        match msg {
            Msg::Prepare { .. } => ("P", "prepare"),
            Msg::Promise { .. } => ("p", "promise"),
            Msg::Accept { .. } => ("A", "accept"),
            Msg::Accepted { .. } => ("a", "accepted"),
            Msg::Rejected { .. } => ("✗", "rejected"),
            Msg::Heartbeat { .. } => ("H", "heartbeat"),
            Msg::CatchUp { .. } => ("?", "catch-up"),
            Msg::Decided { .. } => ("D", "decided"),
        }
    }

    fn message_tag(msg: &Msg) -> Option<String> {
        Some(match msg {
            Msg::Accept { value, .. } | Msg::Accepted { value, .. } => {
                format!("{} {value}", msg.ballot())
            }
            _ => msg.ballot().to_string(),
        })
    }

    fn node_actions(sim: &SimOf<Self>, id: NodeId) -> Vec<NodeAction<Command>> {
        if !sim.config().is_proposer(id) {
            return Vec::new();
        }
        let proposals = sim
            .script()
            .iter()
            .filter(|t| matches!(t.action, Action::Command(..)))
            .count();
        let letter = char::from(b'A' + (proposals % 26) as u8);
        vec![NodeAction {
            label: format!("Propose {letter}"),
            key: "p",
            action: Action::Command(id, Command::Propose(Value::Client(letter))),
        }]
    }

    fn node_details(sim: &SimOf<Self>, id: NodeId) -> Html {
        let row = |name: &'static str, value: String| html! { <tr><th scope="row">{ name }</th><td>{ value }</td></tr> };
        let none = || "none".to_string();
        match sim.slot(id).node().role() {
            Role::Proposer(p) => {
                let learned: Vec<String> = p
                    .learned()
                    .iter()
                    .map(|(slot, v)| format!("{slot}:{v}"))
                    .collect();
                let promises: Vec<String> = p.promises().map(|n| n.to_string()).collect();
                let proposals: Vec<String> = p
                    .proposals()
                    .iter()
                    .map(|(slot, prop)| {
                        let from = prop
                            .carried_from
                            .map_or(String::new(), |b| format!(" from {b}"));
                        let by: Vec<String> =
                            prop.accepted_by.iter().map(NodeId::to_string).collect();
                        format!(
                            "slot {slot} = {}{from}, accepted by {}",
                            prop.value,
                            if by.is_empty() {
                                "none yet".into()
                            } else {
                                by.join(" ")
                            }
                        )
                    })
                    .collect();
                html! {
                    <table class="members">
                        <caption>{ "proposer and learner · on disk: the highest round used" }</caption>
                        <tbody>
                            { row("stage", stage_name(p.stage(), sim.config().mode).into()) }
                            { row("ballot", p.ballot().map_or_else(none, |b| b.to_string())) }
                            { row("highest round", p.max_round().to_string()) }
                            { row("own value", p.value().map_or_else(none, |v| v.to_string())) }
                            { row("promises", if promises.is_empty() { none() } else { promises.join(" ") }) }
                            { row("proposing", if proposals.is_empty() { none() } else { proposals.join("; ") }) }
                            { row("leader followed", p.leader().map_or_else(none, |b| format!("{} ({b})", b.proposer))) }
                            { row("waiting values", p.queue().iter().map(Value::to_string).collect::<Vec<_>>().join(" ")) }
                            { row("learned", if learned.is_empty() { none() } else { learned.join(" ") }) }
                        </tbody>
                    </table>
                }
            }
            Role::Acceptor(a) => {
                let votes: Vec<String> = a
                    .votes()
                    .iter()
                    .map(|(slot, (b, v))| format!("{slot}:{v}@{b}"))
                    .collect();
                html! {
                    <table class="members">
                        <caption>{ "acceptor · everything here is on disk" }</caption>
                        <tbody>
                            { row("promised", a.promised().map_or_else(none, |b| b.to_string())) }
                            { row("accepted", if votes.is_empty() { none() } else { votes.join(" ") }) }
                        </tbody>
                    </table>
                }
            }
        }
    }

    fn below_stage(sim: &SimOf<Self>, _: &ScenarioOf<Self>, selected: Selection) -> Html {
        html! {
            <>
                { acceptor_table(sim, selected) }
                { ballot_timeline(sim) }
                { relation_to_raft(sim.config().mode) }
            </>
        }
    }

    fn legend() -> Html {
        html! {
            <>
                <span class="key prepare">{ "P" }</span>{ " Prepare " }
                <span class="key promise">{ "p" }</span>{ " Promise " }
                <span class="key accept">{ "A" }</span>{ " Accept " }
                <span class="key accepted">{ "a" }</span>{ " Accepted " }
                <span class="key rejected">{ "✗" }</span>{ " rejected " }
                <span class="key heartbeat">{ "H" }</span>{ " leader heartbeat " }
                <span class="key catch-up">{ "?" }</span>{ " catch-up " }
                <span class="key decided">{ "D" }</span>{ " decided values " }
                <span class="key held">{ "‖" }</span>{ " held " }
                <span class="key flag">{ "!" }</span>{ " named in a violation · 2.1 = round 2 of n1" }
            </>
        }
    }
}

fn stage_name(stage: Stage, mode: Mode) -> &'static str {
    match (stage, mode) {
        (Stage::Idle, Mode::Single) => "idle",
        (Stage::Idle, Mode::Multi) => "following",
        (Stage::Preparing, _) => "phase 1: waiting for promises",
        (Stage::Proposing, Mode::Single) => "phase 2: waiting for acceptances",
        (Stage::Proposing, Mode::Multi) => "leading",
        (Stage::BackingOff, _) => "backing off before a new ballot",
    }
}

fn names(nodes: &[NodeId]) -> String {
    nodes
        .iter()
        .map(NodeId::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Each acceptor's promise and, per slot, the value and ballot it accepted; the chosen value of
/// each slot underneath.
fn acceptor_table(sim: &SimOf<PaxosSpec>, selected: Selection) -> Html {
    let params = sim.config();
    let monitor = sim.monitor();
    let top = params
        .acceptor_ids()
        .filter_map(|id| sim.slot(id).node().acceptor())
        .filter_map(|a| a.votes().keys().next_back().copied())
        .max()
        .unwrap_or(1)
        .max(1);
    let first = top.saturating_sub(SLOT_COLUMNS - 1).max(1);
    let slots = first..=top;
    let heading = |slot: u64| match params.mode {
        Mode::Single => "accepted (ballot: value)".to_string(),
        Mode::Multi => format!("slot {slot}"),
    };
    let headers = slots
        .clone()
        .map(|s| html! { <th scope="col">{ heading(s) }</th> });
    let rows = params.acceptor_ids().map(|id| {
        let slot = sim.slot(id);
        let acceptor = slot.node().acceptor().expect("acceptor ids hold acceptors");
        let flagged: Vec<u64> = sim
            .violations()
            .iter()
            .filter(|v| v.nodes.contains(&id))
            .flat_map(|v| v.indexes.iter().copied())
            .collect();
        let broke_promise = sim
            .violations()
            .iter()
            .any(|v| v.property == "Promises kept" && v.nodes.first() == Some(&id));
        let cells = slots.clone().map(|s| {
            let vote = acceptor.accepted(s);
            let chosen = vote.is_some_and(|(b, v)| {
                monitor
                    .chosen()
                    .get(&s)
                    .is_some_and(|c| c.value == v && c.ballot <= b)
            });
            let class = classes!(
                "entry",
                vote.map(|(b, _)| format!("tint-{}", b.round % 6)),
                chosen.then_some("committed"),
                flagged.contains(&s).then_some("flagged"),
            );
            let title = vote.map(|(b, v)| format!("slot {s}: {v} accepted under ballot {b}"));
            html! { <td {class} {title}>{ vote.map(|(b, v)| format!("{b}: {v}")).unwrap_or_default() }</td> }
        });
        let row_class = classes!(
            "server",
            (!slot.is_up()).then_some("down"),
            (selected == Selection::Node(id)).then_some("selected"),
        );
        let promise_class = classes!("promise", broke_promise.then_some("flagged"));
        html! {
            <tr class={row_class}>
                <th scope="row">{ id.to_string() }</th>
                <td class={promise_class}>{ acceptor.promised().map_or("—".to_string(), |b| b.to_string()) }</td>
                { for cells }
            </tr>
        }
    });
    let chosen_cells = slots.clone().map(|s| match monitor.chosen().get(&s) {
        Some(c) => html! { <td class="chosen-cell" title={format!("chosen at {}", c.at)}>{ format!("★ {}", c.value) }</td> },
        None => html! { <td class="chosen-cell">{ "—" }</td> },
    });
    html! {
        <section class="panel logs acceptors" aria-labelledby="acceptors-title">
            <h2 id="acceptors-title">{ "Acceptors" }</h2>
            <p class="hint" id="acceptors-key">{ "Each acceptor's promise and what it accepted, as ballot: value. A solid border marks a vote for the chosen value; ★ is the chosen value, marked the moment a majority accepts it, even before any learner knows; ! marks an acceptor or slot named in a violation." }</p>
            <div class="log-scroll">
                <table class="log-table" aria-describedby="acceptors-key">
                    <thead><tr><th scope="col">{ "acceptor" }</th><th scope="col">{ "promised" }</th>{ for headers }</tr></thead>
                    <tbody>
                        { for rows }
                        <tr class="chosen-row"><th scope="row">{ "chosen" }</th><td></td>{ for chosen_cells }</tr>
                    </tbody>
                </table>
            </div>
        </section>
    }
}

/// One row per ballot: its promises and refusals, whether phase 1 reached a majority, and what
/// phase 2 got accepted.
fn ballot_timeline(sim: &SimOf<PaxosSpec>) -> Html {
    let monitor = sim.monitor();
    let majority = monitor.majority();
    let ballots: Vec<(&Ballot, &BallotLog)> = monitor.ballots().iter().collect();
    let hidden = ballots.len().saturating_sub(BALLOT_ROWS);
    let rows = ballots[hidden..].iter().map(|&(ballot, log)| {
        let promises = log.promises.len();
        let phase1 = format!(
            "{promises} {}, {majority} needed",
            if promises == 1 { "promise" } else { "promises" }
        );
        let phase2: Vec<String> = log
            .proposals
            .iter()
            .map(|(slot, value)| {
                let count = log.accepts.get(slot).map_or(0, |a| a.len());
                let won = monitor
                    .chosen()
                    .get(slot)
                    .is_some_and(|c| c.ballot == *ballot);
                format!(
                    "slot {slot} = {value}: {count} accepted{}",
                    if won { " ★ chosen" } else { "" }
                )
            })
            .collect();
        let mut outcome = if phase2.is_empty() && log.abandoned {
            "given up in phase 1".to_string()
        } else if log.abandoned {
            "given up in phase 2".to_string()
        } else if log.phase_one {
            "phase 1 reached a majority".to_string()
        } else {
            "in phase 1".to_string()
        };
        if !log.refusals.is_empty() {
            let refusers: Vec<NodeId> = log.refusals.iter().copied().collect();
            outcome.push_str(&format!("; refused by {}", names(&refusers)));
        }
        let class = classes!(
            "ballot-row",
            log.phase_one.then_some("phase-one"),
            log.abandoned.then_some("abandoned"),
        );
        html! {
            <tr {class}>
                <th scope="row" class={format!("tint-{}", ballot.round % 6)}>{ ballot.to_string() }</th>
                <td>{ ballot.proposer.to_string() }</td>
                <td>{ format!("{}", log.started) }</td>
                <td class="phase1">{ if log.phase_one { "✓ " } else { "" } }{ phase1 }</td>
                <td class="phase2">{ if phase2.is_empty() { "—".to_string() } else { phase2.join(" · ") } }</td>
                <td>{ outcome }</td>
            </tr>
        }
    });
    html! {
        <section class="panel ballots" aria-labelledby="ballots-title">
            <h2 id="ballots-title">{ "Ballots" }</h2>
            if ballots.is_empty() {
                <p class="hint">{ "No ballot yet: select a proposer and press Propose (p)." }</p>
            } else {
                <div class="log-scroll">
                    <table class="ballot-table">
                        if hidden > 0 {
                            <caption>{ format!("the last {BALLOT_ROWS} of {} ballots", ballots.len()) }</caption>
                        }
                        <thead><tr>
                            <th scope="col">{ "ballot" }</th><th scope="col">{ "proposer" }</th><th scope="col">{ "started" }</th>
                            <th scope="col">{ "phase 1" }</th><th scope="col">{ "phase 2" }</th><th scope="col">{ "outcome" }</th>
                        </tr></thead>
                        <tbody>{ for rows }</tbody>
                    </table>
                </div>
            }
        </section>
    }
}

/// Single-decree Paxos, Multi-Paxos and Raft side by side.
fn relation_to_raft(mode: Mode) -> Html {
    let rows = [
        (
            "who proposes",
            "any proposer, any time",
            "the leader; others redirect clients",
            "the leader; followers redirect clients",
        ),
        (
            "phase 1 (Prepare/Promise)",
            "for every attempt",
            "once per leader, for all slots from the first unlearned",
            "the election: RequestVote for a term",
        ),
        (
            "ballot",
            "round.proposer",
            "round.proposer, kept while leading",
            "the term",
        ),
        (
            "carrying values forward",
            "the highest-ballot value among the promises",
            "the same, slot by slot; gaps become no-ops",
            "only a candidate with an up-to-date log can win (§5.4.1)",
        ),
        (
            "per value",
            "both phases",
            "Accept and Accepted: one round trip",
            "AppendEntries and its reply",
        ),
    ];
    let current = |m: Mode| (mode == m).then_some("current");
    html! {
        <details class="panel relation">
            <summary>{ "Single-decree, Multi-Paxos and Raft side by side" }</summary>
            <div class="log-scroll">
            <table class="members">
                <thead><tr>
                    <th scope="col"></th>
                    <th scope="col" class={classes!(current(Mode::Single))}>{ "single-decree" }</th>
                    <th scope="col" class={classes!(current(Mode::Multi))}>{ "Multi-Paxos" }</th>
                    <th scope="col">{ "Raft" }</th>
                </tr></thead>
                <tbody>
                    { for rows.iter().map(|(what, single, multi, raft)| html! {
                        <tr><th scope="row">{ *what }</th><td>{ *single }</td><td>{ *multi }</td><td>{ *raft }</td></tr>
                    }) }
                </tbody>
            </table>
            </div>
        </details>
    }
}
