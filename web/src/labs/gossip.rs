//! The Gossip lab: heartbeats spread by gossip, and suspicion spreading when they stop.

use gloo_events::EventListener;
use gloo_render::{AnimationFrame, request_animation_frame};
use netsplit_gossip::{Bug, GossipNode, GossipSim, Params};
use netsplit_scenario::{Lab, LabScenario, Preset, Scenario, presets};
use netsplit_sim::{
    Action, Chance, DropReason, MessageState, MsgId, NoCommand, NodeId, Partition, Snapshot, Span,
    TraceEvent,
};
use wasm_bindgen::JsCast;
use yew::prelude::*;

use crate::kit::controls::Transport;
use crate::kit::field::NumberField;
use crate::kit::help::ShortcutHelp;
use crate::kit::log::{EventLog, LogLine, Tone};
use crate::kit::topology::{Arrow, MessageGlyph, NodeGlyph, Topology, group_letter};
use crate::kit::{BASE_RATE, SPEEDS, Selection, prefers_reduced_motion, typing_in_field};

type GossipScenario = LabScenario<Params, NoCommand>;

/// The most log lines kept on screen.
const LOG_LINES: usize = 150;
/// The longest real-time gap one frame may cover, so a hidden tab does not leap ahead.
const MAX_FRAME_MS: f64 = 100.0;

/// The shortcuts of this lab, for the help dialog.
const SHORTCUTS: [(&str, &str); 14] = [
    ("Space", "play or pause"),
    (". or →", "run the next event"),
    ("e", "run to the end of the scenario"),
    ("r", "reset to the start"),
    ("+ / -", "faster / slower"),
    ("0 – 9", "select node n0 – n9"),
    ("c", "crash or restart the selected node"),
    ("[ / ]", "select the previous / next message in flight"),
    ("d", "drop the selected message"),
    ("h", "hold or release the selected message"),
    ("n", "deliver the selected message now"),
    ("l", "show or hide messages and timers in the log"),
    ("Esc", "clear the selection, close this list"),
    ("?", "show this list"),
];

/// A parameter the user can edit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    /// Cluster size.
    Nodes,
    /// Gossip period in milliseconds.
    Period,
    /// Failure timeout in milliseconds.
    FailAfter,
    /// The bug toggle.
    Bug,
    /// Loss in percent.
    Loss,
    /// Duplication in percent.
    Duplicate,
    /// Least latency in milliseconds.
    LatencyMin,
    /// Greatest latency in milliseconds.
    LatencyMax,
}

impl Field {
    const ALL: [Field; 8] = [
        Field::Nodes,
        Field::Period,
        Field::FailAfter,
        Field::Bug,
        Field::Loss,
        Field::Duplicate,
        Field::LatencyMin,
        Field::LatencyMax,
    ];
}

/// What the lab reacts to.
pub enum Msg {
    /// An animation frame at this timestamp (ms).
    Frame(f64),
    /// Play or pause.
    Play,
    /// Run one event.
    Step,
    /// Run to the scenario's end.
    ToEnd,
    /// Back to the start.
    Reset,
    /// Pick a speed.
    Speed(usize),
    /// A new seed, as typed.
    Seed(String),
    /// Load preset number `n`.
    Preset(usize),
    /// Select something.
    Select(Selection),
    /// Crash the node if it is up, restart it if it is down.
    ToggleNode(NodeId),
    /// Do something to the run now.
    Act(Action<NoCommand>),
    /// Put a node in or out of the group to cut off.
    Pick(NodeId),
    /// Cut the picked nodes off from the rest.
    Split,
    /// A parameter changed.
    Param(Field, String),
    /// Show or hide routine log lines.
    ToggleRoutine,
    /// Open or close the shortcut list.
    Help(bool),
    /// A key pressed anywhere on the page.
    Key(web_sys::KeyboardEvent),
}

/// The Gossip lab component.
pub struct GossipLab {
    presets: Vec<Preset>,
    preset: usize,
    scenario: GossipScenario,
    sim: GossipSim,
    playing: bool,
    speed: usize,
    /// Fractional virtual milliseconds not yet run, for smooth motion between events.
    carry: f64,
    last_frame: Option<f64>,
    frame: Option<AnimationFrame>,
    selected: Selection,
    picks: Vec<bool>,
    routine_log: bool,
    log: Vec<LogLine>,
    logged: usize,
    error: Option<String>,
    help: bool,
    /// Callbacks made once, so that number fields keep what is being typed.
    on_field: Vec<(Field, Callback<String>)>,
    on_seed: Callback<String>,
    _keys: Option<EventListener>,
}

fn gossip_scenario(preset: &Preset) -> GossipScenario {
    let Scenario::Gossip(s) = &preset.scenario else {
        unreachable!("the Gossip lab's presets are Gossip scenarios")
    };
    s.clone()
}

fn start(scenario: &GossipScenario) -> GossipSim {
    let mut sim = scenario.params.build(scenario.links, scenario.seed);
    for timed in &scenario.actions {
        sim.schedule(timed.at, timed.action.clone());
    }
    sim
}

impl Component for GossipLab {
    type Message = Msg;
    type Properties = ();

    fn create(ctx: &Context<Self>) -> Self {
        let presets = presets(Lab::Gossip);
        let scenario = gossip_scenario(&presets[0]);
        let link = ctx.link().clone();
        let keys = web_sys::window().and_then(|w| w.document()).map(|doc| {
            EventListener::new(&doc, "keydown", move |e| {
                if let Some(e) = e.dyn_ref::<web_sys::KeyboardEvent>() {
                    link.send_message(Msg::Key(e.clone()));
                }
            })
        });
        let on_field = Field::ALL
            .iter()
            .map(|&field| {
                (
                    field,
                    ctx.link().callback(move |text| Msg::Param(field, text)),
                )
            })
            .collect();
        let mut lab = GossipLab {
            sim: start(&scenario),
            picks: vec![false; scenario.params.nodes],
            presets,
            preset: 0,
            scenario,
            playing: false,
            speed: 3,
            carry: 0.0,
            last_frame: None,
            frame: None,
            selected: Selection::Nothing,
            routine_log: false,
            log: Vec::new(),
            logged: 0,
            error: None,
            help: false,
            on_field,
            on_seed: ctx.link().callback(Msg::Seed),
            _keys: keys,
        };
        lab.sync_log();
        if !prefers_reduced_motion() {
            lab.set_playing(ctx, true);
        }
        lab
    }

    fn update(&mut self, ctx: &Context<Self>, msg: Msg) -> bool {
        match msg {
            Msg::Frame(ts) => {
                self.frame = None;
                if !self.playing {
                    return false;
                }
                let dt = self
                    .last_frame
                    .map_or(0.0, |last| (ts - last).clamp(0.0, MAX_FRAME_MS));
                self.last_frame = Some(ts);
                self.carry += dt * BASE_RATE * SPEEDS[self.speed];
                let whole = self.carry.floor();
                self.carry -= whole;
                self.sim.run_until(self.sim.now() + Span(whole as u64));
                self.request_frame(ctx);
            }
            Msg::Play => self.set_playing(ctx, !self.playing),
            Msg::Step => {
                self.set_playing(ctx, false);
                self.carry = 0.0;
                self.sim.step();
            }
            Msg::ToEnd => {
                self.set_playing(ctx, false);
                self.carry = 0.0;
                let end = netsplit_sim::Time::ZERO + self.scenario.duration;
                self.sim.run_until(end.max(self.sim.now()));
            }
            Msg::Reset => self.restart(),
            Msg::Speed(index) => self.speed = index.min(SPEEDS.len() - 1),
            Msg::Seed(text) => match text.trim().parse::<u64>() {
                Ok(seed) => {
                    self.scenario.seed = seed;
                    self.restart();
                }
                Err(_) => {
                    self.error = Some(format!(
                        "the seed must be a whole number from 0 to {}, got {text:?}",
                        u64::MAX
                    ))
                }
            },
            Msg::Preset(index) => {
                if let Some(preset) = self.presets.get(index) {
                    self.preset = index;
                    self.scenario = gossip_scenario(preset);
                    self.restart();
                }
            }
            Msg::Select(selection) => self.selected = selection,
            Msg::ToggleNode(id) => {
                let action = if self.sim.slot(id).is_up() {
                    Action::Crash(id)
                } else {
                    Action::Restart(id)
                };
                self.sim.act(action);
            }
            Msg::Act(action) => self.sim.act(action),
            Msg::Pick(id) => {
                if let Some(pick) = self.picks.get_mut(id.index()) {
                    *pick = !*pick;
                }
            }
            Msg::Split => {
                let group: Vec<NodeId> = NodeId::all(self.picks.len())
                    .filter(|n| self.picks[n.index()])
                    .collect();
                if group.is_empty() || group.len() == self.picks.len() {
                    self.error =
                        Some("pick at least one node, and not all of them, to cut off".into());
                } else {
                    self.error = None;
                    self.sim.act(Action::Partition(Partition(vec![group])));
                }
            }
            Msg::Param(field, value) => self.set_param(field, &value),
            Msg::ToggleRoutine => {
                self.routine_log = !self.routine_log;
                self.log.clear();
                self.logged = 0;
            }
            Msg::Help(open) => self.help = open,
            Msg::Key(e) => return self.on_key(ctx, &e),
        }
        self.sync_log();
        true
    }

    fn view(&self, ctx: &Context<Self>) -> Html {
        let link = ctx.link();
        let snapshot = self.sim.snapshot();
        let preset = &self.presets[self.preset];
        let preset_options = self.presets.iter().enumerate().map(|(i, p)| {
            html! { <option value={i.to_string()} selected={i == self.preset}>{ p.title }</option> }
        });
        let on_preset = link.callback(|e: Event| {
            let select: web_sys::HtmlSelectElement = e.target_unchecked_into();
            Msg::Preset(select.value().parse().unwrap_or(0))
        });
        html! {
            <div class="lab gossip">
                <div class="lab-intro">
                    <h1>{ "Gossip failure detection" }</h1>
                    <p>
                        { "Every node beats a heartbeat counter and gossips its table to one random peer each period. \
                           A node suspects a peer whose counter has not grown for T" }<sub>{ "fail" }</sub>
                        { ", and trusts it again when it grows." }
                    </p>
                    <label class="preset">
                        { "Scenario " }
                        <select onchange={on_preset} aria-describedby="preset-description">{ for preset_options }</select>
                    </label>
                    <p id="preset-description" class="preset-description">{ preset.description }</p>
                </div>
                <Transport
                    playing={self.playing}
                    speed={self.speed}
                    now={AttrValue::from(self.sim.now().to_string())}
                    seed={self.scenario.seed}
                    on_play={link.callback(|()| Msg::Play)}
                    on_step={link.callback(|()| Msg::Step)}
                    on_reset={link.callback(|()| Msg::Reset)}
                    on_to_end={link.callback(|()| Msg::ToEnd)}
                    on_speed={link.callback(Msg::Speed)}
                    on_seed={self.on_seed.clone()}
                />
                if let Some(error) = &self.error {
                    <p class="error" role="alert">{ error }</p>
                }
                <div class="lab-grid">
                    <section class="stage" aria-label="Cluster view">
                        { self.partition_banner() }
                        <Topology
                            nodes={self.node_glyphs(&snapshot)}
                            messages={self.message_glyphs(&snapshot)}
                            arrows={self.suspicion_arrows(&snapshot)}
                            selected={self.selected}
                            on_select={link.callback(Msg::Select)}
                            label={AttrValue::from("Nodes on a ring; dots are gossip digests in flight; dashed arrows point from a node to the peers it suspects")}
                        />
                        <p class="legend">
                            <span class="key digest">{ "D" }</span>{ " digest in flight  " }
                            <span class="key held">{ "‖" }</span>{ " held  " }
                            <span class="key arrow">{ "⇢" }</span>{ " suspects  " }
                            <span class="key down">{ "✕" }</span>{ " crashed  " }
                            <span class="key flag">{ "!" }</span>{ " named in a violation" }
                        </p>
                    </section>
                    <div class="side">
                        { self.inspector(ctx) }
                        { self.invariants() }
                    </div>
                </div>
                <div class="lab-panels">
                    { self.network_panel(ctx) }
                    { self.params_panel(ctx) }
                    <EventLog lines={self.log.clone()} routine={self.routine_log}
                        on_toggle_routine={link.callback(|()| Msg::ToggleRoutine)} />
                </div>
                <p class="run-facts">
                    { format!("events run: {} · trace records: {}", self.sim.steps(), self.sim.trace().len()) }
                    if !self.playing {
                        { format!(" · trace hash: {:016x}", self.sim.trace().hash()) }
                    }
                    <button class="link" onclick={link.callback(|_| Msg::Help(true))}>{ "Keyboard shortcuts (?)" }</button>
                </p>
                if self.help {
                    <ShortcutHelp shortcuts={SHORTCUTS.to_vec()} on_close={link.callback(|()| Msg::Help(false))} />
                }
            </div>
        }
    }
}

impl GossipLab {
    fn number_field(
        &self,
        field: Field,
        label: &'static str,
        value: u64,
        min: u64,
        max: u64,
    ) -> Html {
        let on_change = self
            .on_field
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, callback)| callback.clone())
            .expect("every field has a callback");
        html! { <NumberField {label} {value} min={min} max={max} {on_change} /> }
    }

    fn set_playing(&mut self, ctx: &Context<Self>, playing: bool) {
        self.playing = playing;
        self.last_frame = None;
        if playing {
            self.request_frame(ctx);
        } else {
            self.frame = None;
        }
    }

    fn request_frame(&mut self, ctx: &Context<Self>) {
        let link = ctx.link().clone();
        self.frame = Some(request_animation_frame(move |ts| {
            link.send_message(Msg::Frame(ts))
        }));
    }

    fn restart(&mut self) {
        self.sim = start(&self.scenario);
        self.carry = 0.0;
        self.picks = vec![false; self.scenario.params.nodes];
        self.selected = Selection::Nothing;
        self.log.clear();
        self.logged = 0;
        self.error = None;
    }

    fn set_param(&mut self, field: Field, value: &str) {
        let number = value.trim().parse::<u64>();
        let mut params = self.scenario.params;
        let mut link = *self.sim.network().default_link();
        let result = match (field, number) {
            (Field::Bug, _) => {
                params.bug = Bug::ALL.into_iter().find(|b| b.name() == value);
                Ok(())
            }
            (_, Err(_)) => Err(format!("{value:?} is not a whole number")),
            (Field::Nodes, Ok(n)) => {
                params.nodes = n as usize;
                Ok(())
            }
            (Field::Period, Ok(ms)) => {
                params.gossip_period = Span(ms);
                Ok(())
            }
            (Field::FailAfter, Ok(ms)) => {
                params.fail_after = Span(ms);
                Ok(())
            }
            (Field::Loss, Ok(p)) => percent(p).map(|c| link.drop = c),
            (Field::Duplicate, Ok(p)) => percent(p).map(|c| link.duplicate = c),
            (Field::LatencyMin, Ok(ms)) => {
                link.latency_min = Span(ms);
                link.validate().map_err(|e| e.0)
            }
            (Field::LatencyMax, Ok(ms)) => {
                link.latency_max = Span(ms);
                link.validate().map_err(|e| e.0)
            }
        };
        let result = result.and_then(|()| match field {
            Field::Loss | Field::Duplicate | Field::LatencyMin | Field::LatencyMax => {
                self.sim.act(Action::SetLinks(link));
                Ok(())
            }
            _ => params.validate().map(|()| {
                let keep_actions = params.nodes == self.scenario.params.nodes;
                self.scenario.params = params;
                if !keep_actions {
                    self.scenario.actions.clear();
                }
                self.restart();
            }),
        });
        self.error = result.err();
    }

    fn on_key(&mut self, ctx: &Context<Self>, e: &web_sys::KeyboardEvent) -> bool {
        if e.ctrl_key() || e.meta_key() || e.alt_key() || typing_in_field(e) {
            return false;
        }
        let on_button = e
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            .is_some_and(|el| el.tag_name() == "BUTTON");
        let key = e.key();
        let msg = match key.as_str() {
            " " if !on_button => Msg::Play,
            "." | "ArrowRight" => Msg::Step,
            "e" => Msg::ToEnd,
            "r" => Msg::Reset,
            "+" | "=" => Msg::Speed((self.speed + 1).min(SPEEDS.len() - 1)),
            "-" => Msg::Speed(self.speed.saturating_sub(1)),
            "?" => Msg::Help(!self.help),
            "Escape" if self.help => Msg::Help(false),
            "Escape" => {
                self.selected = Selection::Nothing;
                return true;
            }
            "l" => Msg::ToggleRoutine,
            "c" => match self.selected {
                Selection::Node(id) => Msg::ToggleNode(id),
                _ => return false,
            },
            "[" | "]" => {
                let ids: Vec<MsgId> = self.sim.in_flight().map(|m| m.id).collect();
                if ids.is_empty() {
                    return false;
                }
                let current = match self.selected {
                    Selection::Message(id) => ids.iter().position(|&m| m == id),
                    _ => None,
                };
                let next = match (key.as_str(), current) {
                    ("]", Some(i)) => (i + 1) % ids.len(),
                    ("[", Some(i)) => (i + ids.len() - 1) % ids.len(),
                    ("]", None) => 0,
                    _ => ids.len() - 1,
                };
                self.selected = Selection::Message(ids[next]);
                return true;
            }
            "d" | "h" | "n" => match self.selected {
                Selection::Message(id) => match (key.as_str(), self.sim.message(id)) {
                    (_, None) => return false,
                    ("d", _) => Msg::Act(Action::DropMessage(id)),
                    ("n", _) => Msg::Act(Action::DeliverNow(id)),
                    (_, Some(m)) if matches!(m.state, MessageState::Held { .. }) => {
                        Msg::Act(Action::ReleaseMessage(id))
                    }
                    _ => Msg::Act(Action::HoldMessage(id)),
                },
                _ => return false,
            },
            digit if digit.len() == 1 && digit.as_bytes()[0].is_ascii_digit() => {
                let index = usize::from(digit.as_bytes()[0] - b'0');
                if index >= self.sim.nodes().len() {
                    return false;
                }
                self.selected = Selection::Node(NodeId(index as u16));
                return true;
            }
            _ => return false,
        };
        e.prevent_default();
        Component::update(self, ctx, msg)
    }

    /// Narrates the trace records not yet in the log.
    fn sync_log(&mut self) {
        let records = self.sim.trace().records();
        if self.logged > records.len() {
            self.log.clear();
            self.logged = 0;
        }
        for (index, record) in records.iter().enumerate().skip(self.logged) {
            let tone = tone(&record.event);
            if tone == Tone::Routine && !self.routine_log {
                continue;
            }
            self.log.push(LogLine {
                index,
                at: record.at.to_string(),
                text: record.event.to_string(),
                tone,
            });
        }
        self.logged = records.len();
        let excess = self.log.len().saturating_sub(LOG_LINES);
        self.log.drain(..excess);
    }

    fn display_now(&self) -> f64 {
        self.sim.now().0 as f64 + self.carry
    }

    fn flagged(&self, id: NodeId) -> bool {
        self.sim.violations().iter().any(|v| v.nodes.contains(&id))
    }

    fn node_glyphs(&self, snapshot: &Snapshot<'_, GossipNode>) -> Vec<NodeGlyph> {
        let network = snapshot.network;
        snapshot
            .nodes
            .iter()
            .enumerate()
            .map(|(i, slot)| {
                let id = NodeId(i as u16);
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
                NodeGlyph {
                    id,
                    up: slot.is_up(),
                    caption: format!("hb {}", node.heartbeat()),
                    description,
                    group: network.partition().map(|_| network.group_of(id)),
                    flagged: self.flagged(id),
                }
            })
            .collect()
    }

    fn message_glyphs(&self, snapshot: &Snapshot<'_, GossipNode>) -> Vec<MessageGlyph> {
        let now = self.display_now();
        snapshot
            .messages
            .iter()
            .map(|m| {
                let held = matches!(m.state, MessageState::Held { .. });
                MessageGlyph {
                    id: m.id,
                    from: m.from,
                    to: m.to,
                    progress: m.progress(now),
                    letter: "D",
                    class: "digest",
                    held,
                    description: describe_message(m.id, m.from, m.to, &m.msg.to_string(), held),
                }
            })
            .collect()
    }

    fn suspicion_arrows(&self, snapshot: &Snapshot<'_, GossipNode>) -> Vec<Arrow> {
        let mut arrows = Vec::new();
        for (i, slot) in snapshot.nodes.iter().enumerate() {
            if !slot.is_up() {
                continue;
            }
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

    fn partition_banner(&self) -> Html {
        let network = self.sim.network();
        let Some(_) = network.partition() else {
            return html! {};
        };
        let n = self.sim.nodes().len();
        let mut groups: Vec<(u16, Vec<String>)> = Vec::new();
        for id in NodeId::all(n) {
            let g = network.group_of(id);
            match groups.iter_mut().find(|(gg, _)| *gg == g) {
                Some((_, members)) => members.push(id.to_string()),
                None => groups.push((g, vec![id.to_string()])),
            }
        }
        groups.sort();
        let text: Vec<String> = groups
            .iter()
            .map(|(g, members)| format!("{}: {}", group_letter(*g), members.join(" ")))
            .collect();
        html! {
            <p class="banner partitioned" role="status">
                { format!("Network partitioned — {}", text.join("  |  ")) }
            </p>
        }
    }

    fn inspector(&self, ctx: &Context<Self>) -> Html {
        let link = ctx.link();
        let body = match self.selected {
            Selection::Nothing => html! {
                <p class="hint">{ "Select a node or a message: click or tap it, press 0–9 for nodes, or [ and ] for messages." }</p>
            },
            Selection::Node(id) => {
                let slot = self.sim.slot(id);
                let now = self.sim.now();
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
                let label = if slot.is_up() {
                    format!("Crash {id}")
                } else {
                    format!("Restart {id}")
                };
                html! {
                    <>
                        <h3>{ format!("{id} — {}", if slot.is_up() { "up" } else { "crashed" }) }</h3>
                        <button class={if slot.is_up() { "danger" } else { "primary" }}
                            onclick={link.callback(move |_| Msg::ToggleNode(id))} aria-keyshortcuts="c">
                            { label }
                        </button>
                        <table class="members">
                            <caption>{ if slot.is_up() { format!("{id}'s membership table") } else { format!("{id}'s table when it crashed (lost on restart)") } }</caption>
                            <thead><tr><th scope="col">{ "member" }</th><th scope="col">{ "heartbeat" }</th><th scope="col">{ "grew" }</th><th scope="col">{ "status" }</th></tr></thead>
                            <tbody>{ for rows }</tbody>
                        </table>
                    </>
                }
            }
            Selection::Message(id) => match self.sim.message(id) {
                None => {
                    html! { <p class="hint">{ format!("{id} has left the network (delivered or dropped).") }</p> }
                }
                Some(m) => {
                    let held = matches!(m.state, MessageState::Held { .. });
                    let when = match m.state {
                        MessageState::OnTheWay { deliver_at, .. } => {
                            format!("arrives at {deliver_at}")
                        }
                        MessageState::Held { remaining, .. } => {
                            format!("held, {remaining} of travel left")
                        }
                    };
                    let hold = if held {
                        html! { <button onclick={link.callback(move |_| Msg::Act(Action::ReleaseMessage(id)))} aria-keyshortcuts="h">{ "Release" }</button> }
                    } else {
                        html! { <button onclick={link.callback(move |_| Msg::Act(Action::HoldMessage(id)))} aria-keyshortcuts="h">{ "Hold" }</button> }
                    };
                    let rows = m.msg.0.iter().map(|(peer, hb)| html! { <tr><th scope="row">{ peer.to_string() }</th><td>{ hb }</td></tr> });
                    html! {
                        <>
                            <h3>{ format!("{id}: {} → {}", m.from, m.to) }</h3>
                            <p>{ format!("{}, sent at {}, {when}.", m.msg, m.sent_at) }</p>
                            <div class="buttons">
                                <button class="danger" onclick={link.callback(move |_| Msg::Act(Action::DropMessage(id)))} aria-keyshortcuts="d">{ "Drop" }</button>
                                { hold }
                                <button onclick={link.callback(move |_| Msg::Act(Action::DeliverNow(id)))} aria-keyshortcuts="n">{ "Deliver now" }</button>
                            </div>
                            <table class="members">
                                <caption>{ "heartbeats carried" }</caption>
                                <tbody>{ for rows }</tbody>
                            </table>
                        </>
                    }
                }
            },
        };
        html! {
            <section class="panel inspector" aria-labelledby="inspector-title">
                <h2 id="inspector-title">{ "Inspector" }</h2>
                { body }
            </section>
        }
    }

    fn invariants(&self) -> Html {
        let violations = self.sim.violations();
        let property = |name: &'static str, what: &'static str| {
            let broken: Vec<_> = violations.iter().filter(|v| v.property == name).collect();
            let (class, status) = if broken.is_empty() {
                ("holds", "✓ holds".to_string())
            } else {
                ("broken", format!("✗ broken ({})", broken.len()))
            };
            html! {
                <li class={class}>
                    <strong>{ name }</strong>{ format!(" — {status}") }
                    <div class="what">{ what }</div>
                    if let Some(v) = broken.last() {
                        <div class="evidence">{ &v.explanation }</div>
                    }
                </li>
            }
        };
        let monitor = self.sim.monitor();
        let detections = monitor.detections().iter().map(|d| {
            html! { <li>{ format!("{} crashed at {}: every live node suspected it {} later", d.node, d.crashed_at, d.took()) }</li> }
        });
        html! {
            <section class="panel invariants" aria-labelledby="invariants-title">
                <h2 id="invariants-title">{ "Live checks" }</h2>
                <ul class="properties">
                    { property("Suspects on time", "A node suspects a peer once its heartbeat has been still for T_fail plus one gossip period.") }
                    { property("Waits for the timeout", "A node never suspects a peer whose heartbeat grew within T_fail.") }
                </ul>
                <h3>{ "Detection times" }</h3>
                if monitor.detections().is_empty() {
                    <p class="hint">{ "No crash detected yet." }</p>
                } else {
                    <ul>{ for detections }</ul>
                }
                <p>{ format!("False suspicions of live nodes: {}", monitor.false_suspicions()) }</p>
            </section>
        }
    }

    fn network_panel(&self, ctx: &Context<Self>) -> Html {
        let link = ctx.link();
        let network = self.sim.network();
        let current = *network.default_link();
        let picks = NodeId::all(self.picks.len()).map(|id| {
            html! {
                <label class="pick">
                    <input type="checkbox" checked={self.picks[id.index()]}
                        onchange={link.callback(move |_| Msg::Pick(id))} />
                    { id.to_string() }
                </label>
            }
        });
        let messages = self.sim.in_flight().take(12).map(|m| {
            let id = m.id;
            let selected = self.selected == Selection::Message(id);
            let held = matches!(m.state, MessageState::Held { .. });
            html! {
                <li key={id.0}>
                    <button class={classes!("msg-button", selected.then_some("selected"))} aria-pressed={selected.to_string()}
                        onclick={link.callback(move |_| Msg::Select(Selection::Message(id)))}>
                        { format!("{id} {}→{}{}", m.from, m.to, if held { " (held)" } else { "" }) }
                    </button>
                </li>
            }
        });
        let in_flight = self.sim.in_flight().count();
        html! {
            <section class="panel network" aria-labelledby="network-title">
                <h2 id="network-title">{ "Network" }</h2>
                <fieldset>
                    <legend>{ "Partition: cut the picked nodes off" }</legend>
                    <div class="picks">{ for picks }</div>
                    <div class="buttons">
                        <button onclick={link.callback(|_| Msg::Split)}>{ "Split" }</button>
                        <button onclick={link.callback(|_| Msg::Act(Action::Heal))} disabled={network.partition().is_none()}>{ "Heal" }</button>
                    </div>
                </fieldset>
                <fieldset>
                    <legend>{ "Links" }</legend>
                    { self.number_field(Field::Loss, "loss %", u64::from(current.drop.ppm() / 10_000), 0, 100) }
                    { self.number_field(Field::Duplicate, "duplicate %", u64::from(current.duplicate.ppm() / 10_000), 0, 100) }
                    { self.number_field(Field::LatencyMin, "latency min (ms)", current.latency_min.as_millis(), 0, 60_000) }
                    { self.number_field(Field::LatencyMax, "latency max (ms)", current.latency_max.as_millis(), 0, 60_000) }
                </fieldset>
                <h3>{ format!("In flight: {in_flight}") }</h3>
                <ul class="in-flight">{ for messages }</ul>
            </section>
        }
    }

    fn params_panel(&self, ctx: &Context<Self>) -> Html {
        let link = ctx.link();
        let params = &self.scenario.params;
        let bugs = Bug::ALL.iter().map(|b| {
            html! { <option value={b.name()} selected={params.bug == Some(*b)} title={b.describe()}>{ b.name() }</option> }
        });
        let on_bug = link.callback(|e: Event| {
            let select: web_sys::HtmlSelectElement = e.target_unchecked_into();
            Msg::Param(Field::Bug, select.value())
        });
        let (nodes_lo, nodes_hi) = Params::NODES.into_inner();
        let (period_lo, period_hi) = Params::GOSSIP_PERIOD_MS.into_inner();
        let (fail_lo, fail_hi) = Params::FAIL_AFTER_MS.into_inner();
        html! {
            <section class="panel params" aria-labelledby="params-title">
                <h2 id="params-title">{ "Parameters" }</h2>
                <p class="hint">{ "Changing these restarts the run." }</p>
                { self.number_field(Field::Nodes, "nodes", params.nodes as u64, nodes_lo as u64, nodes_hi as u64) }
                { self.number_field(Field::Period, "gossip period (ms)", params.gossip_period.as_millis(), period_lo, period_hi) }
                { self.number_field(Field::FailAfter, "T_fail (ms)", params.fail_after.as_millis(), fail_lo, fail_hi) }
                <label class="field">
                    <span>{ "bug toggle" }</span>
                    <select onchange={on_bug}>
                        <option value="none" selected={params.bug.is_none()}>{ "none (correct protocol)" }</option>
                        { for bugs }
                    </select>
                </label>
            </section>
        }
    }
}

fn percent(p: u64) -> Result<Chance, String> {
    if p <= 100 {
        Ok(Chance::percent(p as u32))
    } else {
        Err(format!("a percentage must be between 0 and 100, got {p}"))
    }
}

fn describe_message(id: MsgId, from: NodeId, to: NodeId, what: &str, held: bool) -> String {
    format!(
        "{id}: {what} from {from} to {to}{}",
        if held { ", held" } else { "" }
    )
}

fn tone(event: &TraceEvent<GossipNode>) -> Tone {
    match event {
        TraceEvent::Sent { .. } | TraceEvent::Delivered { .. } | TraceEvent::TimerFired { .. } => {
            Tone::Routine
        }
        TraceEvent::Dropped { reason, .. } if *reason != DropReason::ByUser => Tone::Routine,
        TraceEvent::Refused { .. } | TraceEvent::Violated(_) => Tone::Alarm,
        _ => Tone::Notable,
    }
}
