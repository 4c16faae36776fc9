//! What a network lab adds in the browser ([`LabSpec`]): how its nodes and messages look, its
//! panels and its inspector. Everything else about the lab is its protocol crate's.

use netsplit_labs::NetworkMember;
use netsplit_sim::lab::NetworkLab;
use netsplit_sim::{Action, Node, NodeId, Slot};
use yew::prelude::*;

use crate::kit::field::Fields;
use crate::kit::topology::Arrow;
use crate::session::Selection;

/// The protocol of lab view `L`.
pub type LabOf<L> = <L as LabSpec>::Lab;
/// The node type of lab view `L`.
pub type NodeOf<L> = <LabOf<L> as NetworkLab>::Node;
/// The command type of lab view `L`.
pub type CommandOf<L> = netsplit_sim::lab::CommandOf<LabOf<L>>;
/// The scenario type of lab view `L`.
pub type ScenarioOf<L> = netsplit_sim::lab::ScenarioOf<LabOf<L>>;
/// The parameters of lab view `L`.
pub type ParamsOf<L> = <LabOf<L> as NetworkLab>::Params;
/// The simulator type of lab view `L`.
pub type SimOf<L> = netsplit_sim::lab::SimOf<LabOf<L>>;

/// How a lab draws one of its nodes, beyond what every lab draws.
pub struct NodeLook {
    /// A short line under the name.
    pub caption: String,
    /// What screen readers say about the node.
    pub description: String,
    /// A word above the node, such as "leader".
    pub badge: Option<&'static str>,
    /// How much of a running timer is left, from 1 (just set) to 0.
    pub timer: Option<f64>,
    /// A colour index for the node's fill (Raft: its term).
    pub tint: Option<u64>,
}

/// Something a user can do to a selected node.
pub struct NodeAction<C> {
    /// The button's label.
    pub label: String,
    /// Its keyboard shortcut; empty for an action reached only by click or tap.
    pub key: &'static str,
    /// What it does.
    pub action: Action<C>,
}

/// What the browser adds to a network lab: how its nodes and messages look and its own parts
/// of the view. Everything else about the lab (parameters, checks, findings, presets) is the
/// protocol crate's [`NetworkLab`].
pub trait LabSpec: Sized + 'static {
    /// The lab, as its protocol crate describes it.
    type Lab: NetworkMember;

    /// The parameters the panel edits, by the names [`NetworkLab::set_param`] takes.
    const FIELDS: &'static [&'static str];
    /// The lab's own shortcuts, listed in the help after the shared ones.
    const SHORTCUTS: &'static [(&'static str, &'static str)];
    /// What the topology shows, for screen readers.
    const STAGE_LABEL: &'static str;

    /// The heading and a short explanation.
    fn intro() -> Html;
    /// The parameter controls.
    fn params_panel(params: &ParamsOf<Self>, fields: &Fields) -> Html;
    /// How node `id` looks at (fractional) time `now`.
    fn node_look(sim: &SimOf<Self>, slot: &Slot<NodeOf<Self>>, id: NodeId, now: f64) -> NodeLook;
    /// A message's letter and CSS class: kinds differ by letter as well as colour.
    fn message_look(msg: &<NodeOf<Self> as Node>::Msg) -> (&'static str, &'static str);
    /// A short tag written beside a message in flight (Paxos: its ballot).
    fn message_tag(_msg: &<NodeOf<Self> as Node>::Msg) -> Option<String> {
        None
    }
    /// How many nodes stand in a left column, the rest in a right one; `None` puts them on a
    /// circle.
    fn columns(_params: &ParamsOf<Self>) -> Option<usize> {
        None
    }
    /// Relations drawn between nodes.
    fn arrows(_sim: &SimOf<Self>) -> Vec<Arrow> {
        Vec::new()
    }
    /// What the user can do to node `id` besides crashing or restarting it.
    fn node_actions(_sim: &SimOf<Self>, _id: NodeId) -> Vec<NodeAction<CommandOf<Self>>> {
        Vec::new()
    }
    /// The inspector's details for node `id`.
    fn node_details(sim: &SimOf<Self>, id: NodeId) -> Html;
    /// A panel under the topology (Raft: the log table; CRDTs: the replica cards and a
    /// comparison that replays the scenario with other types).
    fn below_stage(_sim: &SimOf<Self>, _scenario: &ScenarioOf<Self>, _selected: Selection) -> Html {
        html! {}
    }
    /// The legend under the topology.
    fn legend() -> Html;
    /// The lab's own work besides its run (CRDTs: replaying the scenario with each set type),
    /// done a slice at a time while `more` says to go on; true when none is left. The page
    /// calls it between frames until then, so that it never holds a frame for long.
    fn side_work(_scenario: &ScenarioOf<Self>, _more: &mut dyn FnMut() -> bool) -> bool {
        true
    }
}
