//! The inspector: what a selected node is and what can be done to it, or where a selected
//! message is going and the buttons that drop, hold or deliver it.

use netsplit_sim::{InFlight, MessageState, MsgId, NodeId, Time};
use std::fmt;
use yew::prelude::*;

use crate::kit::lab::Controls;

/// What can be done to a message in flight.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MessageOp {
    /// Remove it.
    Drop,
    /// Keep it where it is.
    Hold,
    /// Let a held message go on.
    Release,
    /// Hand it over at once.
    DeliverNow,
}

/// A message in flight, already put into words, so that the panels drawing it are compiled
/// once for all labs.
pub struct MessageInfo {
    /// The message.
    pub id: MsgId,
    /// Its sender.
    pub from: NodeId,
    /// Its receiver.
    pub to: NodeId,
    /// What it says.
    pub text: String,
    /// When it was sent.
    pub sent_at: Time,
    /// On its way or held.
    pub state: MessageState,
}

impl MessageInfo {
    /// The message `m`, put into words.
    pub fn of<M: fmt::Display>(m: &InFlight<M>) -> MessageInfo {
        MessageInfo {
            id: m.id,
            from: m.from,
            to: m.to,
            text: m.msg.to_string(),
            sent_at: m.sent_at,
            state: m.state,
        }
    }

    /// Whether the message is held.
    pub fn held(&self) -> bool {
        matches!(self.state, MessageState::Held { .. })
    }
}

/// The inspector for a node: (id, up, actions as (label, key, class), the lab's details).
pub type NodePanel = (
    NodeId,
    bool,
    Vec<(String, &'static str, &'static str)>,
    Html,
);

fn inspector_panel(body: Html) -> Html {
    html! {
        <section class="panel inspector" aria-labelledby="inspector-title">
            <h2 id="inspector-title">{ "Inspector" }</h2>
            { body }
        </section>
    }
}

/// The inspector with a node selected, or with nothing.
pub fn node_inspector(node: Option<NodePanel>, c: &Controls) -> Html {
    let Some((id, up, actions, details)) = node else {
        return inspector_panel(html! {
            <p class="hint">{ "Select a node or a message: click or tap it, press 0–9 for nodes, or [ and ] for messages." }</p>
        });
    };
    let buttons = actions.into_iter().enumerate().map(|(n, (label, key, class))| {
        let onclick = c.node_action.reform(move |_: MouseEvent| (id, n));
        if key.is_empty() {
            html! { <button {class} {onclick}>{ label }</button> }
        } else {
            html! { <button {class} aria-keyshortcuts={key} {onclick}>{ format!("{label} ({key})") }</button> }
        }
    });
    inspector_panel(html! {
        <>
            <h3>{ format!("{id} — {}", if up { "up" } else { "crashed" }) }</h3>
            <div class="buttons">{ for buttons }</div>
            { details }
        </>
    })
}

/// The inspector with a message selected.
pub fn message_inspector(id: MsgId, message: Option<MessageInfo>, c: &Controls) -> Html {
    let Some(m) = message else {
        return inspector_panel(html! {
            <p class="hint">{ format!("{id} has left the network (delivered or dropped).") }</p>
        });
    };
    let when = match m.state {
        MessageState::OnTheWay { deliver_at, .. } => format!("arrives at {deliver_at}"),
        MessageState::Held { remaining, .. } => format!("held, {remaining} of travel left"),
        MessageState::Waiting { until } => {
            format!("arrived; waits for its receiver to resume at {until}")
        }
    };
    let (label, hold) = if m.held() {
        ("Release (h)", MessageOp::Release)
    } else {
        ("Hold (h)", MessageOp::Hold)
    };
    let op = |op: MessageOp| c.message.reform(move |_: MouseEvent| (id, op));
    inspector_panel(html! {
        <>
            <h3>{ format!("{id}: {} → {}", m.from, m.to) }</h3>
            <p>{ format!("{}, sent at {}, {when}.", m.text, m.sent_at) }</p>
            <div class="buttons">
                <button class="danger" aria-keyshortcuts="d" onclick={op(MessageOp::Drop)}>{ "Drop (d)" }</button>
                <button aria-keyshortcuts="h" onclick={op(hold)}>{ label }</button>
                <button aria-keyshortcuts="n" onclick={op(MessageOp::DeliverNow)}>{ "Deliver now (n)" }</button>
            </div>
        </>
    })
}
