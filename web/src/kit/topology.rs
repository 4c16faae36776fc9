//! The topology view: nodes on a circle (or in two columns), messages travelling along the links
//! between them.
//!
//! It draws plain data ([`NodeGlyph`], [`MessageGlyph`], [`Arrow`]) that a lab derives from its
//! snapshot, so every lab shares one drawing and one set of interactions.

use netsplit_sim::{MsgId, NodeId};
use yew::prelude::*;

use crate::kit::{on_circle, tenths};
use crate::session::Selection;

const SIZE: f64 = 440.0;
const RADIUS: f64 = 160.0;
const NODE_R: f64 = 26.0;

/// How a node is drawn.
#[derive(Clone, Debug, PartialEq)]
pub struct NodeGlyph {
    /// Which node.
    pub id: NodeId,
    /// False draws the node crashed: grey, dashed, crossed out, labelled "down".
    pub up: bool,
    /// True while its process is paused: drawn faded, with a dashed ring.
    pub paused: bool,
    /// A short line under the name, such as "hb 42".
    pub caption: String,
    /// The full description read by screen readers.
    pub description: String,
    /// The partition group, when the network is split.
    pub group: Option<u16>,
    /// True when a monitor names this node in a violation.
    pub flagged: bool,
    /// A word above the node, such as "leader".
    pub badge: Option<&'static str>,
    /// How much of a running timer is left, from 1 to 0, drawn as a shrinking arc.
    pub timer: Option<f64>,
    /// A colour index for the fill (Raft: the term), from a palette safe for colour blindness.
    pub tint: Option<u64>,
}

/// How a message in flight is drawn.
#[derive(Clone, Debug, PartialEq)]
pub struct MessageGlyph {
    /// Which message.
    pub id: MsgId,
    /// The sender.
    pub from: NodeId,
    /// The receiver.
    pub to: NodeId,
    /// How far along, from 0 (just sent) to 1 (arriving).
    pub progress: f64,
    /// One letter drawn inside the dot; kinds differ by letter as well as colour.
    pub letter: &'static str,
    /// The CSS class that colours it.
    pub class: &'static str,
    /// A short tag written beside the dot, such as a ballot.
    pub tag: Option<String>,
    /// True while the user holds it.
    pub held: bool,
    /// What it is, for screen readers and tooltips.
    pub description: String,
}

/// A dashed arrow between two nodes, such as "n3 suspects n1".
#[derive(Clone, Debug, PartialEq)]
pub struct Arrow {
    /// Where it starts.
    pub from: NodeId,
    /// Where it points.
    pub to: NodeId,
    /// What it means.
    pub description: String,
}

/// The most messages the stage draws, the oldest first: a network of thousands in flight (links
/// of many seconds) would take longer to draw than a frame has. The network panel says how many
/// there are.
pub const DRAWN_MESSAGES: usize = 200;

/// Properties of [`Topology`].
#[derive(Properties, PartialEq)]
pub struct TopologyProps {
    /// The nodes, in id order.
    pub nodes: Vec<NodeGlyph>,
    /// The messages in flight.
    pub messages: Vec<MessageGlyph>,
    /// Relations to draw between nodes.
    pub arrows: Vec<Arrow>,
    /// What the user has selected.
    pub selected: Selection,
    /// Called when a node is clicked, tapped, or activated with Enter or Space.
    pub on_select: Callback<Selection>,
    /// What the whole picture shows, for screen readers.
    pub label: AttrValue,
    /// When set, the first this many nodes stand in a left column and the rest in a right one,
    /// so that requests read left to right and replies right to left (Paxos: proposers, then
    /// acceptors). Otherwise the nodes stand on a circle.
    #[prop_or_default]
    pub columns: Option<usize>,
}

/// Where the nodes stand.
#[derive(Clone, Copy)]
struct Layout {
    n: usize,
    columns: Option<usize>,
}

impl Layout {
    /// The centre of node `i`.
    fn position(self, i: usize) -> (f64, f64) {
        match self.columns {
            Some(left) if i < left => column(COLUMN_LEFT, i, left),
            Some(left) => column(SIZE - COLUMN_LEFT, i - left, self.n - left),
            None => position(i, self.n),
        }
    }
}

/// How far the columns stand from the edges.
const COLUMN_LEFT: f64 = 80.0;

/// Node `i` of `count` in a column at `x`, spread evenly from top to bottom.
fn column(x: f64, i: usize, count: usize) -> (f64, f64) {
    let step = (SIZE - 2.0 * 50.0) / count.max(1) as f64;
    (x, 50.0 + step * (i as f64 + 0.5))
}

/// The centre of node `i` of `n`, the first at the top, going clockwise.
fn position(i: usize, n: usize) -> (f64, f64) {
    let (cos, sin) = on_circle(i as f64 / n.max(1) as f64 - 0.25);
    (SIZE / 2.0 + RADIUS * cos, SIZE / 2.0 + RADIUS * sin)
}

/// The point `t` of the way from `a` to `b`, moved `offset` to the right of the direction of
/// travel so that messages going opposite ways do not overlap.
fn along(a: (f64, f64), b: (f64, f64), t: f64, offset: f64) -> (f64, f64) {
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let len = (dx * dx + dy * dy).sqrt().max(1.0);
    let (nx, ny) = (-dy / len, dx / len);
    (a.0 + dx * t + nx * offset, a.1 + dy * t + ny * offset)
}

/// The letter of partition group `g`.
pub fn group_letter(g: u16) -> char {
    char::from(b'A' + (g.saturating_sub(1) % 26) as u8)
}

/// Nodes on a circle with messages in flight between them.
#[component]
pub fn Topology(props: &TopologyProps) -> Html {
    let layout = Layout {
        n: props.nodes.len(),
        columns: props.columns,
    };
    let arrows = props.arrows.iter().map(|arrow| {
        let (a, b) = (
            layout.position(arrow.from.index()),
            layout.position(arrow.to.index()),
        );
        let len = ((b.0 - a.0).powi(2) + (b.1 - a.1).powi(2)).sqrt().max(1.0);
        let trim = (NODE_R + 4.0) / len;
        let start = along(a, b, trim, -5.0);
        let end = along(a, b, 1.0 - trim, -5.0);
        html! {
            <line class="arrow" x1={fmt(start.0)} y1={fmt(start.1)} x2={fmt(end.0)} y2={fmt(end.1)}
                marker-end="url(#arrowhead)">
                <title>{ &arrow.description }</title>
            </line>
        }
    });
    let nodes = props
        .nodes
        .iter()
        .map(|node| node_view(node, layout.position(node.id.index()), props));
    let messages = props.messages.iter().map(|m| {
        let (a, b) = (
            layout.position(m.from.index()),
            layout.position(m.to.index()),
        );
        let t = m.progress.clamp(0.0, 1.0);
        let edge = NODE_R / ((b.0 - a.0).hypot(b.1 - a.1)).max(1.0);
        let (x, y) = along(a, b, edge + t * (1.0 - 2.0 * edge), 7.0);
        let selected = props.selected == Selection::Message(m.id);
        let id = m.id;
        let onclick = props.on_select.reform(move |_: MouseEvent| Selection::Message(id));
        let class = classes!("msg", m.class, m.held.then_some("held"), selected.then_some("selected"));
        // A held message turns into a square with a pause sign, so it reads without colour.
        let shape = if m.held {
            html! { <rect x="-8" y="-8" width="16" height="16" rx="2" /> }
        } else {
            html! { <circle r="8" /> }
        };
        html! {
            <g key={m.id.0} {class} transform={format!("translate({} {})", fmt(x), fmt(y))} {onclick}>
                <title>{ &m.description }</title>
                { shape }
                <text class="msg-letter" dy="3">{ if m.held { "‖" } else { m.letter } }</text>
                if let Some(tag) = &m.tag {
                    <text class="msg-tag" x="10" y="-7">{ tag }</text>
                }
            </g>
        }
    });
    html! {
        <svg class="topology" viewBox={format!("0 0 {0} {0}", tenths(SIZE))} role="group" aria-label={props.label.clone()}>
            <defs>
                <marker id="arrowhead" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
                    <path d="M0,0 L10,5 L0,10 z" class="arrowhead" />
                </marker>
            </defs>
            <g class="arrows">{ for arrows }</g>
            <g class="nodes">{ for nodes }</g>
            <g class="messages">{ for messages }</g>
        </svg>
    }
}

fn node_view(node: &NodeGlyph, (x, y): (f64, f64), props: &TopologyProps) -> Html {
    let id = node.id;
    let selected = props.selected == Selection::Node(id);
    let onclick = props
        .on_select
        .reform(move |_: MouseEvent| Selection::Node(id));
    let on_select = props.on_select.clone();
    let onkeydown = Callback::from(move |e: KeyboardEvent| {
        if e.key() == "Enter" || e.key() == " " {
            e.prevent_default();
            e.stop_propagation();
            on_select.emit(Selection::Node(id));
        }
    });
    let class = classes!(
        "node",
        if node.up { "up" } else { "down" },
        node.paused.then_some("paused"),
        selected.then_some("selected"),
        node.flagged.then_some("flagged"),
        node.badge.filter(|_| node.up),
        node.tint.map(|t| format!("tint-{}", t % 6)),
    );
    // The arc starts at the top and shrinks clockwise as the timer runs down.
    let arc = node.timer.filter(|_| node.up).map(|left| {
        let r = NODE_R + 3.0;
        let circumference = std::f64::consts::TAU * r;
        let shown = circumference * left.clamp(0.0, 1.0);
        html! {
            <circle class="timer" r={fmt(r)} transform="rotate(-90)"
                stroke-dasharray={format!("{} {}", fmt(shown), fmt(circumference))} />
        }
    });
    let badge = node.badge.filter(|_| node.up).map(|badge| {
        html! { <text class="badge" dy={fmt(-NODE_R - 12.0)}>{ badge }</text> }
    });
    let group = node.group.map(|g| {
        let letter = group_letter(g).to_string();
        html! {
            <g class={format!("group group-{}", (g - 1) % 4)} transform="translate(20 -30)">
                <rect x="-9" y="-9" width="18" height="18" rx="3" />
                <text dy="4">{ letter }</text>
            </g>
        }
    });
    // What the marks around a node show, its label says; they sit beside the button, hidden
    // from screen readers, so that its accessible name is its label and its visible text its name.
    html! {
        <g key={node.id.0} transform={format!("translate({} {})", fmt(x), fmt(y))}>
            <g {class} tabindex="0" role="button" aria-pressed={selected.to_string()}
                aria-label={node.description.clone()} {onclick} {onkeydown}>
                <circle class="halo" r={fmt(NODE_R + 7.0)} />
                <circle class="body" r={fmt(NODE_R)} />
                { for arc }
                if !node.up {
                    <path class="cross" d="M-12,-12 L12,12 M12,-12 L-12,12" />
                }
                <text class="name" dy="5">{ node.id.to_string() }</text>
            </g>
            <g class="node-marks" aria-hidden="true">
                { for badge }
                <text class="caption" dy={fmt(NODE_R + 16.0)}>
                    { if node.up { node.caption.clone() } else { "down".to_string() } }
                </text>
                if node.flagged {
                    <text class="flag" x="-30" y="-22">{ "!" }</text>
                }
                { for group }
            </g>
        </g>
    }
}

/// Writes a coordinate rounded to a tenth of a pixel, which keeps the SVG text short.
fn fmt(v: f64) -> String {
    tenths(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_node_is_at_the_top() {
        let (x, y) = position(0, 4);
        assert!((x - SIZE / 2.0).abs() < 1e-9);
        assert!((y - (SIZE / 2.0 - RADIUS)).abs() < 1e-9);
    }

    #[test]
    fn columns_put_the_first_nodes_left_and_the_rest_right() {
        let layout = Layout {
            n: 5,
            columns: Some(2),
        };
        let (p0, p1, a0) = (layout.position(0), layout.position(1), layout.position(2));
        assert_eq!(p0.0, p1.0);
        assert!(p0.1 < p1.1);
        assert!(a0.0 > p0.0 + 200.0);
    }

    #[test]
    fn group_letters() {
        assert_eq!(group_letter(1), 'A');
        assert_eq!(group_letter(3), 'C');
    }
}
