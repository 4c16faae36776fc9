//! The network: the panel that partitions it, heals it, changes its links and pauses the picked
//! processes or changes their clocks, and the banner that names the groups while it is split.

use netsplit_sim::{DRIFT_RANGE, MAX_JUMP, MAX_PAUSE, Network, NodeId};
use yew::prelude::*;

use crate::kit::field::NumberField;
use crate::kit::inspector::MessageInfo;
use crate::kit::lab::Controls;
use crate::kit::topology::{DRAWN_MESSAGES, group_letter};
use crate::session::{NetworkField, ProcessAmounts, ProcessOp, Selection};

/// The network panel: pick nodes and cut them off, heal, change every link, pause the picked
/// processes or change their clocks, and the messages in flight (the first few, each
/// selectable).
pub fn network_panel(
    network: &Network,
    picks: &[bool],
    amounts: &ProcessAmounts,
    messages: &[MessageInfo],
    in_flight: usize,
    selected: Selection,
    c: &Controls,
) -> Html {
    let current = *network.default_link();
    let picks = NodeId::all(picks.len()).map(|id| {
        html! {
            <label class="pick">
                <input type="checkbox" checked={picks[id.index()]} onchange={c.pick.reform(move |_: Event| id)} />
                { id.to_string() }
            </label>
        }
    });
    let messages = messages.iter().map(|m| {
        let id = m.id;
        let is_selected = selected == Selection::Message(id);
        html! {
            <li key={id.0}>
                <button class={classes!("msg-button", is_selected.then_some("selected"))} aria-pressed={is_selected.to_string()}
                    onclick={c.select.reform(move |_: MouseEvent| Selection::Message(id))}>
                    { format!("{id} {}→{}{}", m.from, m.to, if m.held() { " (held)" } else { "" }) }
                </button>
            </li>
        }
    });
    let number = |field: NetworkField, label: &'static str, value: u64, min: u64, max: u64| {
        let on_change = c
            .network
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, callback)| callback.clone())
            .expect("every network field has a callback");
        html! { <NumberField {label} {value} min={min} max={max} {on_change} /> }
    };
    let op = |op: ProcessOp| c.process.reform(move |_: MouseEvent| op);
    let (slowest, fastest) = DRIFT_RANGE;
    html! {
        <section class="panel network" aria-labelledby="network-title">
            <h2 id="network-title">{ "Network" }</h2>
            <fieldset>
                <legend>{ "Partition: cut the picked nodes off" }</legend>
                <div class="picks">{ for picks }</div>
                <div class="buttons">
                    <button onclick={c.split.reform(|_: MouseEvent| ())}>{ "Split" }</button>
                    <button onclick={c.heal.reform(|_: MouseEvent| ())} disabled={network.partition().is_none()}>{ "Heal" }</button>
                </div>
            </fieldset>
            <fieldset class="processes">
                <legend>{ "Processes and clocks: act on the picked nodes" }</legend>
                <div class="amount">
                    { number(NetworkField::Pause, "pause for (ms)", amounts.pause.0, 1, MAX_PAUSE.0) }
                    <button onclick={op(ProcessOp::Pause)}>{ "Pause picked" }</button>
                </div>
                <div class="amount">
                    { number(NetworkField::Jump, "move clocks by (ms)", amounts.jump_ms, 0, MAX_JUMP.unsigned_abs()) }
                    <button onclick={op(ProcessOp::Ahead)}>{ "Clocks ahead" }</button>
                    <button onclick={op(ProcessOp::Back)}>{ "Clocks back" }</button>
                </div>
                <div class="amount">
                    { number(NetworkField::Rate, "clock rate (‰ of true time)", u64::from(amounts.rate), u64::from(slowest), u64::from(fastest)) }
                    <button onclick={op(ProcessOp::Rate)}>{ "Set rate" }</button>
                </div>
            </fieldset>
            <fieldset>
                <legend>{ "Links" }</legend>
                { number(NetworkField::Loss, "loss %", u64::from(current.drop.ppm() / 10_000), 0, 100) }
                { number(NetworkField::Duplicate, "duplicate %", u64::from(current.duplicate.ppm() / 10_000), 0, 100) }
                { number(NetworkField::LatencyMin, "latency min (ms)", current.latency_min.as_millis(), 0, 60_000) }
                { number(NetworkField::LatencyMax, "latency max (ms)", current.latency_max.as_millis(), 0, 60_000) }
            </fieldset>
            <h3>{
                if in_flight > DRAWN_MESSAGES {
                    format!("In flight: {in_flight} (the oldest {DRAWN_MESSAGES} drawn)")
                } else {
                    format!("In flight: {in_flight}")
                }
            }</h3>
            <ul class="in-flight">{ for messages }</ul>
        </section>
    }
}

/// The banner over the topology while the network is partitioned, naming the groups.
pub fn partition_banner(network: &Network, nodes: usize) -> Html {
    if network.partition().is_none() {
        return html! {};
    }
    let last_group = NodeId::all(nodes).map(|id| network.group_of(id)).max();
    let text: Vec<String> = (0..=last_group.unwrap_or(0))
        .filter_map(|g| {
            let members: Vec<String> = NodeId::all(nodes)
                .filter(|&id| network.group_of(id) == g)
                .map(|id| id.to_string())
                .collect();
            (!members.is_empty()).then(|| format!("{}: {}", group_letter(g), members.join(" ")))
        })
        .collect();
    html! {
        <p class="banner partitioned" role="status">
            { format!("Network partitioned — {}", text.join("  |  ")) }
        </p>
    }
}
