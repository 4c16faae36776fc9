//! The frame every network lab shares: one component, compiled once, that runs the play loop,
//! takes clicks, taps and keys, and draws the page ([`crate::kit::frame`]) of whichever lab it
//! holds.
//!
//! ```text
//!   LabView ──Box<dyn LiveLab>──▶ Live<S> ──▶ Session<S::Lab>   (kit/live.rs, session.rs)
//!   clicks, keys, frames            what S draws (LabSpec, kit/spec.rs)
//! ```

use gloo_events::EventListener;
use gloo_render::{AnimationFrame, request_animation_frame};
use gloo_timers::callback::Timeout;
use netsplit_sim::lab::Lab;
use netsplit_sim::{Action, MsgId, NoCommand, NodeId, Span, Time};
use std::collections::VecDeque;
use std::rc::Rc;
use wasm_bindgen::JsCast;
use yew::prelude::*;

use crate::kit::checks::invariants;
use crate::kit::embed::{Embed, tell_height};
use crate::kit::export::{Export, download_drawing, download_text};
use crate::kit::field::Fields;
use crate::kit::frame::{Frame, frame};
use crate::kit::inspector::{MessageOp, NodePanel, message_inspector, node_inspector};
use crate::kit::keys::{SHARED_SHORTCUTS, listen_for_keys, typing_in_field};
use crate::kit::live::{LiveLab, Opener, open};
use crate::kit::log::LogLine;
use crate::kit::network::{network_panel, partition_banner};
use crate::kit::presets::PresetEntry;
use crate::kit::share::{copy_to_clipboard, link_to};
use crate::kit::spec::{LabOf, LabSpec};
use crate::kit::storage::store;
use crate::kit::timeline::timeline;
use crate::kit::topology::Topology;
use crate::kit::{
    BASE_RATE, SPEEDS, now_ms, prefers_reduced_motion, settle_later, tenths, working_banner,
};
use crate::session::{Goal, NetworkField, ProcessOp, Selection};

/// The most log lines kept on screen.
const LOG_LINES: usize = 150;
/// The longest real-time gap one frame may cover, so a hidden tab does not leap ahead.
const MAX_FRAME_MS: f64 = 100.0;
/// How many recent frames the frame-time figure covers.
const FRAME_WINDOW: usize = 240;
/// How long one frame may spend on the way to a far moment, leaving the rest of the 100 ms a
/// task may take to drawing and to the user's clicks.
const WORK_MS: f64 = 20.0;
/// How long a frame of play gives the lab's side work ([`LiveLab::work`]), leaving the rest of
/// the frame to the run and its drawing.
const SIDE_WORK_MS: f64 = 8.0;

/// What a lab reacts to.
pub enum LabMsg {
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
    /// Do something every lab can do to the run now.
    Act(Action<NoCommand>),
    /// Do something to a message in flight.
    Message(MsgId, MessageOp),
    /// Run the node's action number `n` (crash or restart, then the lab's own).
    NodeAction(NodeId, usize),
    /// Put a node in or out of the group to cut off.
    Pick(NodeId),
    /// Cut the picked nodes off from the rest.
    Split,
    /// Pause the picked processes or change their clocks.
    Process(ProcessOp),
    /// A lab parameter changed: its name and what was typed.
    Param(&'static str, String),
    /// A network panel setting changed: of every link, or an amount for the picked processes.
    Network(NetworkField, String),
    /// Show or hide routine log lines.
    ToggleRoutine,
    /// Open or close the shortcut list.
    Help(bool),
    /// A key pressed anywhere on the page.
    Key(web_sys::KeyboardEvent),
    /// Go to this moment (milliseconds).
    Seek(u64),
    /// Go back one event.
    StepBack,
    /// Run until the next violation (or the end).
    NextViolation,
    /// Bring back the actions that acting in the past dropped.
    Undo,
    /// Stop on the way to a far moment, staying where the run got.
    Cancel,
    /// Open or close the share dialog.
    Share(bool),
    /// Open this run in the full app (from an embedded lab).
    OpenFull,
    /// Download the view or the trace.
    Export(Export),
    /// The page is going away: keep the run in this browser.
    Leaving,
    /// The first frame is drawn: draw what lies below the fold.
    Settled,
}

/// What a lab opens with.
#[derive(Properties, Clone, Default)]
pub struct LabProps {
    /// The code of the share link on the page's address, if it has one.
    #[prop_or_default]
    pub link: Option<Rc<str>>,
    /// Set when the lab is embedded in another page.
    #[prop_or_default]
    pub embed: Option<Rc<Embed>>,
}

impl PartialEq for LabProps {
    fn eq(&self, other: &Self) -> bool {
        same(&self.link, &other.link) && same(&self.embed, &other.embed)
    }
}

/// Whether two props hold the same value: the app makes each once, so pointers decide.
fn same<T: ?Sized>(a: &Option<Rc<T>>, b: &Option<Rc<T>>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => Rc::ptr_eq(a, b),
        (a, b) => a.is_none() && b.is_none(),
    }
}

/// What a network lab's page opens with: the lab, and what the page asks for.
#[derive(Properties, Clone)]
pub struct NetworkLabProps {
    /// The lab's slug, which names it for comparisons.
    pub slug: &'static str,
    /// Opens the lab.
    pub open: Opener,
    /// The code of the share link on the page's address, if it has one.
    #[prop_or_default]
    pub link: Option<Rc<str>>,
    /// Set when the lab is embedded in another page.
    #[prop_or_default]
    pub embed: Option<Rc<Embed>>,
}

impl PartialEq for NetworkLabProps {
    fn eq(&self, other: &Self) -> bool {
        // Function addresses are not unique; the slug says which lab it is.
        self.slug == other.slug && same(&self.link, &other.link) && same(&self.embed, &other.embed)
    }
}

/// The page of network lab `S`.
pub fn network_page<S: LabSpec>(props: LabProps) -> Html {
    let open: Opener = open::<S>;
    let slug = <LabOf<S> as Lab>::ABOUT.slug;
    html! { <LabView {slug} {open} link={props.link} embed={props.embed} /> }
}

/// A network lab on screen.
pub struct LabView {
    lab: Box<dyn LiveLab>,
    preset_menu: Vec<PresetEntry>,
    playing: bool,
    speed: usize,
    /// Fractional virtual milliseconds not yet run, for smooth motion between events.
    carry: f64,
    last_frame: Option<f64>,
    frame: Option<AnimationFrame>,
    routine_log: bool,
    log: Vec<LogLine>,
    logged: usize,
    error: Option<String>,
    /// Why the link on the page's address could not be opened.
    problem: Option<String>,
    help: bool,
    fields: Fields,
    controls: Controls,
    /// When the frame being drawn started, and how long recent frames took to run and draw.
    frame_started: Option<f64>,
    frame_times: VecDeque<f64>,
    /// The link being shown in the share dialog.
    share: Option<String>,
    embed: Option<Rc<Embed>>,
    /// The page height last told to the embedding page.
    told_height: i32,
    _keys: Option<EventListener>,
    _leaving: Option<EventListener>,
    /// Whether the parts below the fold are drawn: not in the first frame (see [`settle_later`]).
    settled: bool,
    settling: Option<Timeout>,
    /// A far moment reached late in a frame: its messages and log are drawn in the next one,
    /// which has its whole time for them.
    arriving: bool,
}

/// Callbacks made once per lab: nothing is allocated for them on each frame, and the parts of
/// the page that take them are compiled once for all labs.
#[derive(Clone)]
pub struct Controls {
    pub(crate) play: Callback<()>,
    pub(crate) step: Callback<()>,
    pub(crate) reset: Callback<()>,
    pub(crate) to_end: Callback<()>,
    pub(crate) speed: Callback<usize>,
    pub(crate) seed: Callback<String>,
    pub(crate) preset: Callback<usize>,
    pub(crate) select: Callback<Selection>,
    pub(crate) pick: Callback<NodeId>,
    pub(crate) split: Callback<()>,
    pub(crate) process: Callback<ProcessOp>,
    pub(crate) heal: Callback<()>,
    pub(crate) message: Callback<(MsgId, MessageOp)>,
    pub(crate) node_action: Callback<(NodeId, usize)>,
    pub(crate) routine: Callback<()>,
    pub(crate) help: Callback<bool>,
    pub(crate) seek: Callback<u64>,
    pub(crate) step_back: Callback<()>,
    pub(crate) next_violation: Callback<()>,
    pub(crate) undo: Callback<()>,
    pub(crate) cancel: Callback<()>,
    pub(crate) share: Callback<bool>,
    pub(crate) open_full: Callback<()>,
    pub(crate) export: Callback<Export>,
    pub(crate) network: Vec<(NetworkField, Callback<String>)>,
}

impl Controls {
    fn new(link: &yew::html::Scope<LabView>) -> Controls {
        Controls {
            play: link.callback(|()| LabMsg::Play),
            step: link.callback(|()| LabMsg::Step),
            reset: link.callback(|()| LabMsg::Reset),
            to_end: link.callback(|()| LabMsg::ToEnd),
            speed: link.callback(LabMsg::Speed),
            seed: link.callback(LabMsg::Seed),
            preset: link.callback(LabMsg::Preset),
            select: link.callback(LabMsg::Select),
            pick: link.callback(LabMsg::Pick),
            split: link.callback(|()| LabMsg::Split),
            process: link.callback(LabMsg::Process),
            heal: link.callback(|()| LabMsg::Act(Action::Heal)),
            message: link.callback(|(id, op)| LabMsg::Message(id, op)),
            node_action: link.callback(|(id, n)| LabMsg::NodeAction(id, n)),
            routine: link.callback(|()| LabMsg::ToggleRoutine),
            help: link.callback(LabMsg::Help),
            seek: link.callback(LabMsg::Seek),
            step_back: link.callback(|()| LabMsg::StepBack),
            next_violation: link.callback(|()| LabMsg::NextViolation),
            undo: link.callback(|()| LabMsg::Undo),
            cancel: link.callback(|()| LabMsg::Cancel),
            share: link.callback(LabMsg::Share),
            open_full: link.callback(|()| LabMsg::OpenFull),
            export: link.callback(LabMsg::Export),
            network: NetworkField::ALL
                .iter()
                .map(|&field| {
                    (
                        field,
                        link.callback(move |text| LabMsg::Network(field, text)),
                    )
                })
                .collect(),
        }
    }
}

/// Whether `msg` moves the run by hand (and so pauses it).
fn moves_by_hand(msg: &LabMsg) -> bool {
    matches!(
        msg,
        LabMsg::Step | LabMsg::ToEnd | LabMsg::Seek(_) | LabMsg::StepBack | LabMsg::NextViolation
    )
}

impl Component for LabView {
    type Message = LabMsg;
    type Properties = NetworkLabProps;

    fn create(ctx: &Context<Self>) -> Self {
        let props = ctx.props();
        let (lab, opened, problem) = (props.open)(props.link.as_deref());
        let fields = Fields::new(
            lab.fields()
                .iter()
                .map(|&field| {
                    (
                        field,
                        ctx.link().callback(move |text| LabMsg::Param(field, text)),
                    )
                })
                .collect(),
        );
        let mut view = LabView {
            preset_menu: lab.preset_menu(),
            lab,
            playing: false,
            speed: 3,
            carry: 0.0,
            last_frame: None,
            frame: None,
            routine_log: opened.as_ref().is_some_and(|view| view.routine_log),
            log: Vec::new(),
            logged: 0,
            error: None,
            problem,
            help: false,
            fields,
            controls: Controls::new(ctx.link()),
            frame_started: None,
            frame_times: VecDeque::with_capacity(FRAME_WINDOW),
            share: None,
            embed: props.embed.clone(),
            told_height: 0,
            _keys: listen_for_keys(ctx.link().callback(LabMsg::Key)),
            _leaving: web_sys::window().map(|window| {
                let link = ctx.link().clone();
                EventListener::new(&window, "pagehide", move |_| {
                    link.send_message(LabMsg::Leaving)
                })
            }),
            settled: false,
            settling: None,
            arriving: false,
        };
        view.sync_log();
        let autoplay = match &view.embed {
            Some(embed) => embed.autoplay,
            None => opened.is_none(),
        };
        if autoplay && !prefers_reduced_motion() {
            view.set_playing(ctx, true);
        }
        if view.lab.busy() {
            // A link opened at a late moment: the page is drawn first, then the way is gone.
            view.request_frame(ctx);
        }
        view
    }

    fn update(&mut self, ctx: &Context<Self>, msg: LabMsg) -> bool {
        if moves_by_hand(&msg) {
            // Everything that moves the run by hand stops the play loop's smooth motion.
            self.set_playing(ctx, false);
            self.carry = 0.0;
        }
        match msg {
            LabMsg::Frame(ts) => {
                self.frame = None;
                if self.arriving {
                    self.arriving = false;
                    self.sync_log();
                    if self.playing {
                        self.last_frame = None;
                        self.request_frame(ctx);
                    }
                    return true;
                }
                if self.lab.goal().is_some() || (self.lab.busy() && !self.playing) {
                    self.work(ctx);
                    self.sync_log();
                    return true;
                }
                if !self.playing {
                    return false;
                }
                self.frame_started = Some(now_ms());
                let dt = self
                    .last_frame
                    .map_or(0.0, |last| (ts - last).clamp(0.0, MAX_FRAME_MS));
                self.last_frame = Some(ts);
                self.carry += dt * BASE_RATE * SPEEDS[self.speed];
                let whole = self.carry.floor();
                self.carry -= whole;
                self.lab.advance(Span(whole as u64));
                // The lab's side work goes on while the run plays, a little each frame.
                if self.lab.busy() {
                    let deadline = now_ms() + SIDE_WORK_MS;
                    self.lab.work(&mut || now_ms() < deadline);
                }
                self.request_frame(ctx);
            }
            LabMsg::Play => {
                // Playing starts from where the run is: a far moment on the way is given up.
                self.lab.cancel();
                self.set_playing(ctx, !self.playing);
                self.keep();
            }
            LabMsg::Step => {
                self.lab.step();
                self.keep();
            }
            LabMsg::ToEnd => {
                self.lab.run_to_end();
                self.keep();
            }
            LabMsg::Reset => {
                self.lab.reset();
                self.restarted(Ok(()));
            }
            LabMsg::Speed(index) => self.speed = index.min(SPEEDS.len() - 1),
            LabMsg::Seed(text) => {
                let result = self.lab.set_seed(&text);
                self.restarted(result);
            }
            LabMsg::Preset(index) => {
                self.lab.load_preset(index);
                self.restarted(Ok(()));
            }
            LabMsg::Param(field, value) => {
                let result = self.lab.set_param(field, &value);
                self.restarted(result);
            }
            LabMsg::Select(selection) => self.lab.select(selection),
            LabMsg::Act(action) => {
                self.lab.act(action);
                self.keep();
            }
            LabMsg::Message(id, op) => {
                self.lab.act(match op {
                    MessageOp::Drop => Action::DropMessage(id),
                    MessageOp::Hold => Action::HoldMessage(id),
                    MessageOp::Release => Action::ReleaseMessage(id),
                    MessageOp::DeliverNow => Action::DeliverNow(id),
                });
                self.keep();
            }
            LabMsg::NodeAction(id, n) => {
                self.lab.node_action(id, n);
                self.keep();
            }
            LabMsg::Pick(id) => self.lab.pick(id),
            LabMsg::Split => {
                self.error = self.lab.split().err();
                self.keep();
            }
            LabMsg::Process(op) => {
                self.error = self.lab.act_on_picks(op).err();
                self.keep();
            }
            LabMsg::Network(field, value) => {
                self.error = self.lab.set_network(field, &value).err();
                self.keep();
            }
            LabMsg::ToggleRoutine => {
                self.routine_log = !self.routine_log;
                self.log.clear();
                self.logged = 0;
            }
            LabMsg::Help(open) => self.help = open,
            LabMsg::Key(e) => return self.on_key(ctx, &e),
            LabMsg::Seek(ms) => {
                self.lab.seek(Time(ms));
                self.keep();
            }
            LabMsg::StepBack => {
                self.lab.step_back();
                self.keep();
            }
            LabMsg::NextViolation => self.lab.next_violation(),
            LabMsg::Cancel => {
                self.lab.cancel();
                self.keep();
            }
            LabMsg::Undo => {
                self.lab.undo();
                self.log.clear();
                self.logged = 0;
                self.keep();
            }
            LabMsg::Share(open) => {
                self.share = open.then(|| link_to(&self.share_code()));
                if let Some(link) = &self.share {
                    copy_to_clipboard(link);
                }
            }
            LabMsg::Settled => {
                self.settled = true;
                self.settling = None;
                return true;
            }
            LabMsg::Leaving => {
                self.keep();
                return false;
            }
            LabMsg::Export(kind) => {
                self.export(kind);
                return false;
            }
            LabMsg::OpenFull => {
                if let Some(window) = web_sys::window() {
                    let _ = window.open_with_url_and_target(&link_to(&self.share_code()), "_blank");
                }
            }
        }
        if self.lab.busy() && self.frame.is_none() {
            self.work(ctx);
        }
        self.sync_log();
        true
    }

    fn rendered(&mut self, ctx: &Context<Self>, first: bool) {
        if first {
            self.settling = Some(settle_later(ctx.link().callback(|()| LabMsg::Settled)));
        }
        if self.embed.is_some() {
            tell_height(&mut self.told_height);
        }
        if let Some(start) = self.frame_started.take() {
            if self.frame_times.len() == FRAME_WINDOW {
                self.frame_times.pop_front();
            }
            self.frame_times.push_back(now_ms() - start);
        }
    }

    fn view(&self, _: &Context<Self>) -> Html {
        let c = &self.controls;
        let lab = &*self.lab;
        let now = lab.now();
        let shown_at = now.0 as f64 + self.carry;
        // On the way to a far moment, messages in flight are not drawn: every frame of the way
        // would draw a new set of them, which takes longer than running the way.
        let messages = if lab.goal().is_some() || self.arriving {
            Vec::new()
        } else {
            lab.message_glyphs(shown_at)
        };
        let topology = html! {
            <Topology
                nodes={lab.node_glyphs(shown_at)}
                {messages}
                arrows={lab.arrows()}
                selected={lab.selected()}
                on_select={c.select.clone()}
                label={AttrValue::from(lab.stage_label())}
                columns={lab.columns()}
            />
        };
        let inspector = match lab.selected() {
            Selection::Nothing => node_inspector(None, c),
            Selection::Node(id) => {
                let panel: NodePanel = (
                    id,
                    lab.is_up(id),
                    lab.node_actions(id),
                    lab.node_details(id),
                );
                node_inspector(Some(panel), c)
            }
            Selection::Message(id) => message_inspector(id, lab.message(id), c),
        };
        let (messages, in_flight) = lab.in_flight(12);
        let findings = lab.findings();
        frame(
            Frame {
                slug: lab.about().slug,
                intro: lab.intro(),
                presets: &self.preset_menu,
                preset: lab.preset(),
                timeline: timeline(now, lab.end(), &lab.marks(), lab.undoable(), c),
                share: self.share.as_deref().map(|link| (link, lab.trace_hash())),
                embed: self.embed.as_deref(),
                playing: self.playing,
                speed: self.speed,
                now: now.to_string(),
                seed: lab.seed(),
                error: self.error.as_deref(),
                problem: self.problem.as_deref(),
                settled: self.settled,
                banner: html! {
                    <>
                        { lab.goal().map(|goal| goal_banner(goal, now, &c.cancel)) }
                        { stopped_banner(&findings) }
                        { partition_banner(lab.network(), lab.nodes()) }
                    </>
                },
                topology,
                legend: lab.legend(),
                inspector,
                invariants: invariants(lab.properties(), lab.violations(), &findings),
                below: lab.below_stage(),
                network: network_panel(
                    lab.network(),
                    lab.picks(),
                    &lab.amounts(),
                    &messages,
                    in_flight,
                    lab.selected(),
                    c,
                ),
                params: lab.params_panel(&self.fields),
                log: self.log.clone(),
                routine: self.routine_log,
                facts: format!(
                    "events run: {} · trace records: {}{}{}",
                    lab.steps(),
                    lab.trace_len(),
                    self.frame_report(),
                    if self.playing {
                        String::new()
                    } else {
                        format!(" · trace hash: {:016x}", lab.trace_hash())
                    }
                ),
                help: self.help.then(|| {
                    SHARED_SHORTCUTS
                        .iter()
                        .chain(lab.shortcuts())
                        .copied()
                        .collect()
                }),
            },
            c,
        )
    }
}

impl LabView {
    /// After the run started again (or was refused to): a fresh log, or the refusal shown.
    fn restarted(&mut self, result: Result<(), String>) {
        match result {
            Ok(()) => {
                self.carry = 0.0;
                self.log.clear();
                self.logged = 0;
                self.error = None;
                self.keep();
            }
            Err(why) => self.error = Some(why),
        }
    }

    fn share_code(&self) -> String {
        self.lab.share_code(self.routine_log)
    }

    /// Keeps the run in this browser, to be restored on the next visit (not when embedded).
    fn keep(&self) {
        if self.embed.is_none() {
            store(self.lab.about().slug, &self.share_code());
        }
    }

    fn export(&mut self, kind: Export) {
        let slug = self.lab.about().slug;
        match kind {
            Export::Svg | Export::Png => download_drawing(
                "svg.topology",
                &format!("netsplit-{slug}"),
                kind == Export::Png,
            ),
            Export::Trace => download_text(
                &format!("netsplit-{slug}-trace.txt"),
                "text/plain",
                &self.lab.trace_text(),
            ),
        }
    }

    fn set_playing(&mut self, ctx: &Context<Self>, playing: bool) {
        self.playing = playing;
        self.last_frame = None;
        if playing {
            self.request_frame(ctx);
        } else if !self.lab.busy() {
            self.frame = None;
        }
    }

    /// Goes toward the lab's goal for at most [`WORK_MS`], then lets the page draw and asks
    /// for another frame to go on; keeps the run once it arrives, and plays on from there if
    /// it was playing (an embedded run opened at its moment).
    fn work(&mut self, ctx: &Context<Self>) {
        let started = now_ms();
        let deadline = started + WORK_MS;
        let going = self.lab.goal().is_some();
        if self.lab.work(&mut || now_ms() < deadline) {
            self.keep();
            if going && now_ms() - started > WORK_MS / 3.0 {
                self.arriving = true;
                self.request_frame(ctx);
            } else if self.playing {
                self.last_frame = None;
                self.request_frame(ctx);
            }
        } else {
            self.request_frame(ctx);
        }
    }

    fn request_frame(&mut self, ctx: &Context<Self>) {
        let link = ctx.link().clone();
        self.frame = Some(request_animation_frame(move |ts| {
            link.send_message(LabMsg::Frame(ts))
        }));
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
        let lab = &*self.lab;
        let msg = match key.as_str() {
            " " if !on_button => LabMsg::Play,
            "." | "ArrowRight" => LabMsg::Step,
            "," | "ArrowLeft" => LabMsg::StepBack,
            "v" => LabMsg::NextViolation,
            "u" if lab.undoable().is_some() => LabMsg::Undo,
            "s" => LabMsg::Share(true),
            "e" => LabMsg::ToEnd,
            "r" => LabMsg::Reset,
            "+" | "=" => LabMsg::Speed((self.speed + 1).min(SPEEDS.len() - 1)),
            "-" => LabMsg::Speed(self.speed.saturating_sub(1)),
            "?" => LabMsg::Help(!self.help),
            "Escape" if self.help => LabMsg::Help(false),
            "Escape" if self.share.is_some() => LabMsg::Share(false),
            "Escape" if lab.goal().is_some() => LabMsg::Cancel,
            "Escape" => LabMsg::Select(Selection::Nothing),
            "l" => LabMsg::ToggleRoutine,
            "[" | "]" => match lab.cycle_message(key == "]") {
                Some(id) => LabMsg::Select(Selection::Message(id)),
                None => return false,
            },
            "d" | "h" | "n" => match lab.selected() {
                Selection::Message(id) if lab.message(id).is_some() => match key.as_str() {
                    "d" => LabMsg::Act(Action::DropMessage(id)),
                    "n" => LabMsg::Act(Action::DeliverNow(id)),
                    _ => match lab.toggle_hold(id) {
                        Some(action) => LabMsg::Act(action),
                        None => return false,
                    },
                },
                _ => return false,
            },
            digit if digit.len() == 1 && digit.as_bytes()[0].is_ascii_digit() => {
                let index = usize::from(digit.as_bytes()[0] - b'0');
                if index >= lab.nodes() {
                    return false;
                }
                LabMsg::Select(Selection::Node(NodeId(index as u16)))
            }
            other => match lab.selected() {
                Selection::Node(id) => {
                    match lab
                        .node_actions(id)
                        .iter()
                        .position(|(_, k, _)| *k == other)
                    {
                        Some(n) => LabMsg::NodeAction(id, n),
                        None => return false,
                    }
                }
                _ => return false,
            },
        };
        e.prevent_default();
        Component::update(self, ctx, msg)
    }

    /// Narrates the trace records not yet in the log. While the run goes to a far moment the
    /// log waits for it there: every frame of the way would write all its lines anew.
    fn sync_log(&mut self) {
        if self.lab.goal().is_some() || self.arriving {
            return;
        }
        let len = self.lab.trace_len();
        if self.logged > len {
            self.log.clear();
            self.logged = 0;
        }
        let lines = self.lab.narrate(self.logged, self.routine_log, LOG_LINES);
        self.log.extend(lines);
        self.logged = len;
        let excess = self.log.len().saturating_sub(LOG_LINES);
        self.log.drain(..excess);
    }

    /// The 95th percentile of recent frame times (running the simulation and drawing it).
    fn frame_report(&self) -> String {
        if self.frame_times.len() < 10 {
            return String::new();
        }
        // The 95th percentile is the smallest of the slowest twentieth: kept by hand rather
        // than by sorting, which would add a sort to the download for one figure.
        let n = self.frame_times.len();
        let slowest = n - n * 95 / 100;
        let mut top: Vec<f64> = Vec::with_capacity(slowest);
        for &t in &self.frame_times {
            if top.len() < slowest {
                top.push(t);
            } else if let Some(least) = top.iter_mut().min_by(|a, b| a.total_cmp(b))
                && t > *least
            {
                *least = t;
            }
        }
        let p95 = top.iter().copied().fold(f64::INFINITY, f64::min);
        format!(" · frame work p95: {} ms over {n} frames", tenths(p95))
    }
}

/// The banner over the stage while the run goes to a far moment: how far it got, and Cancel.
fn goal_banner(goal: Goal, now: Time, cancel: &Callback<()>) -> Html {
    let what = if goal.is_search() {
        format!("Looking for the next violation, up to {}", goal.to)
    } else {
        format!("Going to {}", goal.to)
    };
    working_banner(&what, goal.done(now), cancel)
}

/// The banner over the stage of a run that reached the most events a run may take.
fn stopped_banner(findings: &[netsplit_sim::lab::Finding]) -> Html {
    let line = findings
        .iter()
        .find(|f| f.heading == netsplit_sim::lab::STOPPED)
        .and_then(|f| f.lines.first());
    match line {
        Some(line) => {
            html! { <p class="banner stopped" role="status">{ format!("Stopped: {line}") }</p> }
        }
        None => html! {},
    }
}
