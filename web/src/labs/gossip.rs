//! The Gossip lab: heartbeats spread by gossip, and suspicion spreading when they stop.

use netsplit_labs::gossip::{Bug, GossipLab, GossipNode, Params};
use netsplit_sim::{NodeId, Slot};
use yew::prelude::*;

use crate::kit::field::Fields;
use crate::kit::spec::{LabSpec, NodeLook, SimOf};
use crate::kit::topology::Arrow;

/// What makes the Gossip lab.
pub struct GossipSpec;

impl LabSpec for GossipSpec {
    type Lab = GossipLab;

    const FIELDS: &'static [&'static str] = &["nodes", "gossip_period", "fail_after", "bug"];
    const SHORTCUTS: &'static [(&'static str, &'static str)] = &[];
    const STAGE_LABEL: &'static str = "Nodes on a ring; dots are gossip digests in flight; dashed arrows point from a node to the peers it suspects";

    fn intro() -> Html {
        html! {
            <>
                <h1>{ "Gossip failure detection" }</h1>
                <p>
                    { "Every node beats a heartbeat counter and gossips its table to one random peer each period. \
                       A node suspects a peer whose counter has not grown for T" }<sub>{ "fail" }</sub>
                    { ", and trusts it again when it grows." }
                </p>
            </>
        }
    }

    fn params_panel(params: &Params, fields: &Fields) -> Html {
        let (nodes_lo, nodes_hi) = Params::NODES.into_inner();
        let (period_lo, period_hi) = Params::GOSSIP_PERIOD_MS.into_inner();
        let (fail_lo, fail_hi) = Params::FAIL_AFTER_MS.into_inner();
        let mut bugs = vec![("none", "none (correct protocol)")];
        bugs.extend(Bug::ALL.iter().map(|b| (b.name(), b.name())));
        html! {
            <>
                { fields.number("nodes", "nodes", params.nodes as u64, nodes_lo as u64, nodes_hi as u64) }
                { fields.number("gossip_period", "gossip period (ms)", params.gossip_period.as_millis(), period_lo, period_hi) }
                { fields.number("fail_after", "T_fail (ms)", params.fail_after.as_millis(), fail_lo, fail_hi) }
                { fields.menu("bug", "bug toggle", &bugs, params.bug.map_or("none", Bug::name)) }
            </>
        }
    }

    fn node_look(_: &SimOf<Self>, slot: &Slot<GossipNode>, id: NodeId, _: f64) -> NodeLook {
        let node = slot.node();
        let suspects: Vec<String> = node.suspects().map(|p| p.to_string()).collect();
        let description = if slot.is_up() {
            format!(
                "{id}, up, heartbeat {}, {}",
                node.heartbeat(),
                if suspects.is_empty() {
                    "suspects nobody".to_string()
                } else {
                    format!("suspects {}", suspects.join(", "))
                }
            )
        } else {
            format!("{id}, crashed")
        };
        NodeLook {
            caption: format!("hb {}", node.heartbeat()),
            description,
            badge: None,
            timer: None,
            tint: None,
        }
    }

    fn message_look(_: &netsplit_labs::gossip::Digest) -> (&'static str, &'static str) {
        ("D", "digest")
    }

    fn arrows(sim: &SimOf<Self>) -> Vec<Arrow> {
        let mut arrows = Vec::new();
        for (i, slot) in sim.nodes().iter().enumerate().filter(|(_, s)| s.is_up()) {
            let from = NodeId(i as u16);
            for to in slot.node().suspects() {
                arrows.push(Arrow {
                    from,
                    to,
                    description: format!("{from} suspects {to}"),
                });
            }
        }
        arrows
    }

    fn node_details(sim: &SimOf<Self>, id: NodeId) -> Html {
        let slot = sim.slot(id);
        let now = sim.now();
        let rows = slot.node().members().iter().enumerate().map(|(m, member)| {
            let status = if m == id.index() {
                "itself"
            } else if member.suspected {
                "suspected"
            } else {
                "trusted"
            };
            html! {
                <tr class={status}>
                    <th scope="row">{ format!("n{m}") }</th>
                    <td>{ member.heartbeat }</td>
                    <td>{ format!("{} ago", now.since(member.last_growth)) }</td>
                    <td>{ status }</td>
                </tr>
            }
        });
        let caption = if slot.is_up() {
            format!("{id}'s membership table")
        } else {
            format!("{id}'s table when it crashed (lost on restart)")
        };
        html! {
            <table class="members">
                <caption>{ caption }</caption>
                <thead><tr><th scope="col">{ "member" }</th><th scope="col">{ "heartbeat" }</th><th scope="col">{ "grew" }</th><th scope="col">{ "status" }</th></tr></thead>
                <tbody>{ for rows }</tbody>
            </table>
        }
    }

    fn legend() -> Html {
        html! {
            <>
                <span class="key digest">{ "D" }</span>{ " digest in flight  " }
                <span class="key held">{ "‖" }</span>{ " held  " }
                <span class="key arrow">{ "⇢" }</span>{ " suspects  " }
                <span class="key down">{ "✕" }</span>{ " crashed  " }
                <span class="key flag">{ "!" }</span>{ " named in a violation" }
            </>
        }
    }
}
