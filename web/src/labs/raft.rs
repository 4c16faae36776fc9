//! The Raft lab: elections, log replication and commitment, with Figure 3 checked live.

use netsplit_labs::raft::{Bug, Command, Msg, Op, Params, RaftLab, RaftNode, Role, Timer};
use netsplit_sim::{Action, NodeId, Slot};
use yew::prelude::*;

use crate::kit::field::Fields;
use crate::kit::spec::{LabSpec, NodeAction, NodeLook, ScenarioOf, SimOf};
use crate::session::Selection;

/// What makes the Raft lab.
pub struct RaftSpec;

/// The most log columns drawn; longer logs show their last entries.
const LOG_COLUMNS: u64 = 20;

impl LabSpec for RaftSpec {
    type Lab = RaftLab;

    const FIELDS: &'static [&'static str] =
        &["nodes", "election_min", "election_max", "heartbeat", "bug"];
    const SHORTCUTS: &'static [(&'static str, &'static str)] = &[
        (
            "t",
            "make the selected server time out and stand for election",
        ),
        ("q", "send the selected server a client request"),
    ];
    const STAGE_LABEL: &'static str = "Raft servers on a ring: role above each, term below, the shrinking arc is the election timer; dots are RPCs in flight";

    fn intro() -> Html {
        html! {
            <>
                <h1>{ "Raft consensus" }</h1>
                <p>
                    { "Servers elect a leader for each term; the leader appends client requests to its log, \
                       replicates them with AppendEntries, and commits an entry once a majority stores it. \
                       As in the extended paper's Figure 2." }
                </p>
            </>
        }
    }

    fn params_panel(params: &Params, fields: &Fields) -> Html {
        let (nodes_lo, nodes_hi) = Params::NODES.into_inner();
        let (el_lo, el_hi) = Params::ELECTION_MS.into_inner();
        let (hb_lo, hb_hi) = Params::HEARTBEAT_MS.into_inner();
        let mut bugs = vec![("none", "none (Raft as published)")];
        bugs.extend(Bug::ALL.iter().map(|b| (b.name(), b.name())));
        html! {
            <>
                { fields.number("nodes", "servers", params.nodes as u64, nodes_lo as u64, nodes_hi as u64) }
                { fields.number("election_min", "election timeout min (ms)", params.election_min.as_millis(), el_lo, el_hi) }
                { fields.number("election_max", "election timeout max (ms)", params.election_max.as_millis(), el_lo, el_hi) }
                { fields.number("heartbeat", "heartbeat (ms)", params.heartbeat.as_millis(), hb_lo, hb_hi) }
                { fields.menu("bug", "bug toggle", &bugs, params.bug.map_or("none", Bug::name)) }
                if let Some(bug) = params.bug {
                    <p class="hint">{ bug.describe() }</p>
                }
            </>
        }
    }

    fn node_look(sim: &SimOf<Self>, slot: &Slot<RaftNode>, id: NodeId, now: f64) -> NodeLook {
        let node = slot.node();
        let params = sim.config();
        let timer = slot
            .timer_due(&Timer::Election)
            .map(|due| (due.0 as f64 - now).max(0.0) / params.election_max.as_millis() as f64);
        let badge = match node.role() {
            Role::Leader => Some("leader"),
            Role::Candidate => Some("candidate"),
            Role::Follower => None,
        };
        let votes = node.votes().count();
        let description = if slot.is_up() {
            format!(
                "{id}, {} of term {}, {} log entries, commit index {}{}",
                node.role(),
                node.term(),
                node.log().last_index(),
                node.commit_index(),
                if node.role() == Role::Candidate {
                    format!(", {votes} votes")
                } else {
                    String::new()
                }
            )
        } else {
            format!("{id}, crashed")
        };
        let caption = match node.role() {
            Role::Candidate => format!("term {} · {votes} votes", node.term()),
            _ => format!("term {}", node.term()),
        };
        NodeLook {
            caption,
            description,
            badge,
            timer,
            tint: Some(node.term()),
        }
    }

    fn message_look(msg: &Msg) -> (&'static str, &'static str) {
        match msg {
            Msg::RequestVote { .. } => ("V", "request-vote"),
            Msg::Vote { granted: true, .. } => ("Y", "vote-yes"),
            Msg::Vote { granted: false, .. } => ("N", "vote-no"),
            Msg::AppendEntries { entries, .. } if entries.is_empty() => ("H", "heartbeat"),
            Msg::AppendEntries { .. } => ("A", "append"),
            Msg::Appended { success: true, .. } => ("✓", "append-ok"),
            Msg::Appended { success: false, .. } => ("✗", "append-fail"),
        }
    }

    fn node_actions(sim: &SimOf<Self>, id: NodeId) -> Vec<NodeAction<Command>> {
        let requests = sim
            .script()
            .iter()
            .filter(|t| matches!(t.action, Action::Command(_, Command::Request(_))))
            .count();
        let op = Op {
            key: char::from(b'a' + (requests % 5) as u8),
            value: requests as u32 + 1,
        };
        vec![
            NodeAction {
                label: "Time out".into(),
                key: "t",
                action: Action::Command(id, Command::Timeout),
            },
            NodeAction {
                label: format!("Client request {op}"),
                key: "q",
                action: Action::Command(id, Command::Request(op)),
            },
        ]
    }

    fn node_details(sim: &SimOf<Self>, id: NodeId) -> Html {
        let node = sim.slot(id).node();
        let state: Vec<String> = node
            .state()
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        let row = |name: &'static str, value: String| html! { <tr><th scope="row">{ name }</th><td>{ value }</td></tr> };
        let progress = (node.role() == Role::Leader).then(|| {
            let rows = NodeId::all(sim.nodes().len()).filter(|&p| p != id).map(|p| {
                html! { <tr><th scope="row">{ p.to_string() }</th><td>{ node.next_index(p) }</td><td>{ node.match_index(p) }</td></tr> }
            });
            html! {
                <table class="members">
                    <caption>{ "replication progress" }</caption>
                    <thead><tr><th scope="col">{ "follower" }</th><th scope="col">{ "nextIndex" }</th><th scope="col">{ "matchIndex" }</th></tr></thead>
                    <tbody>{ for rows }</tbody>
                </table>
            }
        });
        html! {
            <>
                <table class="members">
                    <caption>{ "persistent: term, vote, log · volatile: the rest" }</caption>
                    <tbody>
                        { row("role", node.role().to_string()) }
                        { row("currentTerm", node.term().to_string()) }
                        { row("votedFor", node.voted_for().map_or("nobody".into(), |v| v.to_string())) }
                        { row("leader known", node.leader().map_or("none".into(), |v| v.to_string())) }
                        { row("log length", node.log().last_index().to_string()) }
                        { row("commitIndex", node.commit_index().to_string()) }
                        { row("lastApplied", node.last_applied().to_string()) }
                        { row("state machine", if state.is_empty() { "empty".into() } else { state.join(" ") }) }
                    </tbody>
                </table>
                { for progress }
            </>
        }
    }

    fn below_stage(sim: &SimOf<Self>, _: &ScenarioOf<Self>, selected: Selection) -> Html {
        let longest = sim
            .nodes()
            .iter()
            .map(|s| s.node().log().last_index())
            .max()
            .unwrap_or(0);
        let first = longest.saturating_sub(LOG_COLUMNS - 1).max(1);
        let columns = first..=longest.max(first);
        let leader = sim
            .nodes()
            .iter()
            .filter(|s| s.is_up() && s.node().role() == Role::Leader)
            .max_by_key(|s| s.node().term())
            .map(|s| s.node());
        let headers = columns
            .clone()
            .map(|i| html! { <th scope="col">{ i }</th> });
        let rows = sim.nodes().iter().enumerate().map(|(n, slot)| {
            let id = NodeId(n as u16);
            let node = slot.node();
            let flagged: Vec<u64> = sim
                .violations()
                .iter()
                .filter(|v| v.nodes.contains(&id))
                .flat_map(|v| v.indexes.iter().copied())
                .collect();
            let progress = leader.filter(|l| l.leader() != Some(id)).map(|l| (l.next_index(id), l.match_index(id)));
            let cells = columns.clone().map(|i| {
                let entry = node.log().get(i);
                let class = classes!(
                    "entry",
                    entry.map(|e| format!("tint-{}", e.term % 6)),
                    (entry.is_some() && i <= node.commit_index()).then_some("committed"),
                    flagged.contains(&i).then_some("flagged"),
                    progress.is_some_and(|(next, _)| next == i).then_some("next"),
                    progress.is_some_and(|(_, m)| m == i).then_some("match"),
                );
                let title = entry.map(|e| format!("index {i}: {} (term {})", e.op, e.term));
                html! { <td {class} {title}>{ entry.map(|e| e.term.to_string()).unwrap_or_default() }</td> }
            });
            let row_class = classes!(
                "server",
                (!slot.is_up()).then_some("down"),
                (selected == Selection::Node(id)).then_some("selected"),
                (slot.is_up() && node.role() == Role::Leader).then_some("leader"),
            );
            html! {
                <tr class={row_class}>
                    <th scope="row">{ id.to_string() }{ if slot.is_up() && node.role() == Role::Leader { " ★" } else { "" } }</th>
                    { for cells }
                    <td class="commit">{ node.commit_index() }</td>
                </tr>
            }
        });
        html! {
            <section class="panel logs" aria-labelledby="logs-title">
                <h2 id="logs-title">{ "Logs" }</h2>
                <p class="hint" id="logs-key">{ "Each cell is an entry, showing its term. Solid cells are committed, dashed ones not yet; ▸ marks the leader's nextIndex for a follower, an underline its matchIndex; ! marks an index named in a violation." }</p>
                <div class="log-scroll">
                    <table class="log-table" aria-describedby="logs-key">
                        <thead><tr><th scope="col">{ "server" }</th>{ for headers }<th scope="col">{ "commit" }</th></tr></thead>
                        <tbody>{ for rows }</tbody>
                    </table>
                </div>
            </section>
        }
    }

    fn legend() -> Html {
        html! {
            <>
                <span class="key request-vote">{ "V" }</span>{ " RequestVote " }
                <span class="key vote-yes">{ "Y" }</span>{ "/" }<span class="key vote-no">{ "N" }</span>{ " vote granted/refused " }
                <span class="key heartbeat">{ "H" }</span>{ " heartbeat " }
                <span class="key append">{ "A" }</span>{ " AppendEntries " }
                <span class="key append-ok">{ "✓" }</span>{ "/" }<span class="key append-fail">{ "✗" }</span>{ " append ok/failed " }
                <span class="key held">{ "‖" }</span>{ " held " }
                <span class="key flag">{ "!" }</span>{ " named in a violation" }
            </>
        }
    }
}
