//! The Consistent hashing lab: place keys on nodes by five strategies, change the cluster, and
//! see which keys move, how many against the least possible, and how even the load is.
//!
//! There is no network and no virtual time: a history is a starting cluster and a list of
//! changes, and the timeline travels through the changes. Everything shown is recomputed from
//! the cluster at the chosen step (and the one before, for what moved), a slice of keys at a
//! time between frames (`HashingView::work`): the page keeps drawing the step it has until
//! the next one is placed, with a banner and Cancel. The charts and the share dialog's hash
//! (every step placed again, as `netsplit run` does) are made the same way.

use gloo_render::{AnimationFrame, request_animation_frame};
use netsplit_labs::hashing::{
    Balance, Config, Layout, Movement, Op, Params, Placement, Placements, Strategy, vnode_rings,
};
use netsplit_labs::hashing::{HashingLab, HashingScenario, Reporting};
use netsplit_labs::{Selected, ShareState, ViewState};
use netsplit_sim::lab::{Lab, Preset, Recording, Report, preset_of};
use netsplit_sim::{NodeId, Time, decimal};
use std::rc::Rc;
use yew::prelude::*;

use crate::kit::embed::{Embed, tell_height};
use crate::kit::export::{Export, download_drawing, download_text, to_json};
use crate::kit::help::ShortcutHelp;
use crate::kit::keys::{listen_for_keys, typing_in_field};
use crate::kit::lab::LabProps;
use crate::kit::presets::{PresetEntry, preset_menu, preset_picker};
use crate::kit::share::{
    Opening, copy_to_clipboard, link_problem, link_to, opening, run_facts, share_dialog,
};
use crate::kit::storage::store;
use crate::kit::timeline::step_timeline;
use crate::kit::{now_ms, on_circle, progress_note, settle_later, tenths, working_banner};

/// At most this many keys are drawn; all of them are counted.
const DRAWN_KEYS: usize = 1000;
/// Moved keys fly to their new place when at most this many drawn keys moved.
const FLYING_KEYS: usize = 400;
/// At most this many tokens are drawn on the ring; beyond, only the selected node's.
const DRAWN_TOKENS: usize = 4096;
/// The imbalance chart places at most this many keys per point, to stay quick.
const CHART_KEYS: u32 = 20_000;
/// The key counts the keys slider steps through.
const KEY_STEPS: [u32; 13] = [
    10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000, 20_000, 50_000, 100_000,
];

const SHORTCUTS: [(&str, &str); 12] = [
    ("a", "add a node"),
    ("x / Delete", "remove the selected node (a failure)"),
    ("[ / ]", "select the previous / next node"),
    ("+ / -", "raise / lower the selected node's weight"),
    (
        "1 to 5",
        "switch strategy: modulo, ring, rendezvous, jump, bounded",
    ),
    (", / .", "one step back / forward in the history"),
    (
        "u",
        "undo a change made in the past (bring back the later changes)",
    ),
    ("c", "compare every strategy on this step"),
    ("s", "share this history"),
    ("Esc", "clear the selection, close this list"),
    ("?", "show this list"),
    (
        "Tab",
        "reach every control; sliders move with the arrow keys",
    ),
];

/// What the lab reacts to.
pub enum Msg {
    /// The first frame is drawn: compute the charts.
    Settled,
    /// Load preset `n`.
    Preset(usize),
    /// Make a change to the cluster or its settings.
    Do(Op),
    /// Select a node, or clear the selection.
    Select(Option<NodeId>),
    /// Show the history up to step `n`.
    Show(usize),
    /// Bring back the steps that acting in the past dropped.
    Undo,
    /// Turn the strategy comparison on or off.
    Compare(bool),
    /// Download the view or the history.
    Download(Export),
    /// Open or close the share dialog.
    Share(bool),
    /// Open or close the help.
    Help(bool),
    /// A key pressed anywhere.
    Key(web_sys::KeyboardEvent),
    /// A frame to go on placing in.
    Frame,
    /// Stop placing: keep the page as it is.
    Cancel,
}

/// One strategy's result for the same change.
struct Comparison {
    strategy: Strategy,
    movement: Option<Movement>,
    balance: Balance,
}

/// A history and the step of it the page shows.
#[derive(Clone)]
struct History {
    scenario: HashingScenario,
    /// The cluster at the start and after each change.
    configs: Vec<Config>,
    shown: usize,
    preset: Option<usize>,
    /// The later changes that acting in the past dropped.
    undo: Option<Vec<Op>>,
}

impl History {
    fn config(&self) -> &Config {
        &self.configs[self.shown]
    }
}

/// A history on its way to the page: its shown step placed (and the step before, unless its
/// placement is known), a slice of keys at a time.
struct Next {
    history: History,
    placements: Placements,
    made: Vec<(Layout, Placement)>,
    before: Option<Placement>,
    /// Milliseconds spent on it so far.
    took: f64,
}

/// The charts on their way: the imbalance curve's rings (when `curve`), then each strategy's
/// shown step and the step before, placed in that order.
struct Charting {
    curve: bool,
    placements: Placements,
    made: Vec<Placement>,
}

/// What a history's report is made for.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Wanted {
    /// The share dialog's trace hash.
    Hash,
    /// The history and findings, downloaded.
    Download,
}

/// How long one frame may spend placing keys, leaving the rest of the 100 ms a task may take
/// to drawing and to the user's clicks.
const WORK_MS: f64 = 30.0;
/// The most keys a history opened with the page places before the first frame.
const FIRST_FRAME_KEYS: u64 = 20_000;
/// How many keys are placed between asking whether to go on: a few milliseconds of the
/// costliest strategy (rendezvous, 64 nodes, five replicas) in the browser.
const SLICE_KEYS: usize = 500;

/// The Consistent hashing lab.
pub struct HashingView {
    /// The lab's presets and their menu, made once.
    presets: Vec<Preset<HashingScenario>>,
    preset_menu: Vec<PresetEntry>,
    /// The history on the page: what is drawn is of its shown step.
    now: History,
    /// The history to show next, while its placements are made (see [`HashingView::work`]).
    next: Option<Next>,
    /// The imbalance curve's rings and the comparison's strategies, while they are placed,
    /// and those placed so far.
    charting: Option<Charting>,
    /// The history's report while it is made: for the share dialog's hash, or the download.
    reporting: Option<(Box<Reporting>, Wanted)>,
    frame: Option<AnimationFrame>,
    /// The lookup structure of the shown cluster (its tokens are drawn on the ring).
    layout: Layout,
    placement: Placement,
    /// The placement one step earlier, and what moved since.
    before: Option<(Placement, Movement)>,
    balance: Balance,
    curve: Vec<(u32, f64)>,
    /// Where the drawn keys sit on the circle.
    points: Vec<u64>,
    comparing: bool,
    comparison: Vec<Comparison>,
    selected: Option<NodeId>,
    /// How long placing the keys and measuring took, in milliseconds.
    took: f64,
    error: Option<String>,
    /// Why the link on the page's address could not be opened.
    problem: Option<String>,
    /// The share dialog's link, and its trace hash once the report is made.
    share: Option<(String, Option<u64>)>,
    help: bool,
    embed: Option<Rc<Embed>>,
    told_height: i32,
    _keys: Option<gloo_events::EventListener>,
    /// Whether the charts are computed: not for the first frame, but in a task of their own
    /// after it (see [`settle_later`]).
    settled: bool,
    settling: Option<gloo_timers::callback::Timeout>,
}

impl HashingView {
    /// The cluster drawn.
    fn config(&self) -> &Config {
        self.now.config()
    }

    /// The history as the user last left it: the one on its way, or the one shown.
    fn latest(&self) -> &History {
        self.next.as_ref().map_or(&self.now, |next| &next.history)
    }

    /// Sets out to show `history`: its shown step is placed (and the step before, unless
    /// `before` is its placement) by [`HashingView::work`], and replaces what is drawn then.
    fn show(&mut self, history: History, before: Option<Placement>) {
        let mut configs = vec![history.config().clone()];
        if let Some(earlier) = history.shown.checked_sub(1)
            && before.is_none()
        {
            configs.push(history.configs[earlier].clone());
        }
        self.charting = None;
        self.next = Some(Next {
            history,
            placements: Placements::new(configs),
            made: Vec::new(),
            before,
            took: 0.0,
        });
    }

    /// Draws the history that [`HashingView::work`] placed, and measures what is shown.
    fn arrive(&mut self, next: Next) {
        let start = now_ms();
        let Next {
            history,
            made,
            before,
            took,
            ..
        } = next;
        self.now = history;
        let config = self.now.config().clone();
        // In the order `show` asked for them: the shown step, then the step before if unknown.
        let mut made = made.into_iter();
        let (layout, placement) = made.next().expect("the shown step is placed");
        let earlier = made.next().map(|(_, placement)| placement);
        let shares = config.fair_shares();
        self.balance = Balance::of(&placement, &shares);
        self.before = self.now.shown.checked_sub(1).map(|i| {
            let previous_config = &self.now.configs[i];
            let before = before
                .or(earlier)
                .expect("the step before is placed or known");
            let movement =
                Movement::between(&before, &previous_config.fair_shares(), &placement, &shares);
            (before, movement)
        });
        self.layout = layout;
        self.placement = placement;
        let mut points = config.key_points();
        points.truncate(DRAWN_KEYS);
        self.points = points;
        self.took = took + now_ms() - start;
        if self.settled {
            self.refresh_charts(true);
        }
        if self
            .selected
            .is_some_and(|id| !config.members.iter().any(|m| m.id == id))
        {
            self.selected = None;
        }
        self.keep();
    }

    /// Sets out to place the imbalance chart's rings (with `curve`, or when a curve is on its
    /// way already) and, when comparing, every strategy on the shown step: tens of placements,
    /// which the first frame leaves for later (see [`settle_later`]).
    fn refresh_charts(&mut self, curve: bool) {
        let curve = curve || self.charting.as_ref().is_some_and(|c| c.curve);
        let config = self.config().clone();
        let mut configs = if curve { self.rings() } else { Vec::new() };
        if self.comparing {
            for strategy in Strategy::ALL {
                configs.push(config.with_strategy(strategy));
                if let Some(earlier) = self.now.shown.checked_sub(1) {
                    configs.push(self.now.configs[earlier].with_strategy(strategy));
                }
            }
        }
        self.charting = (!configs.is_empty()).then(|| Charting {
            curve,
            placements: Placements::new(configs),
            made: Vec::new(),
        });
    }

    /// The rings of the imbalance curve: the shown nodes and at most [`CHART_KEYS`] keys.
    fn rings(&self) -> Vec<Config> {
        let config = self.config();
        vnode_rings(&Config {
            keys: config.keys.min(CHART_KEYS),
            ..config.clone()
        })
    }

    /// The curve and the comparison from the charts' placements, in the order
    /// [`HashingView::refresh_charts`] asked for them.
    fn chart(&mut self, Charting { curve, made, .. }: Charting) {
        let config = self.config().clone();
        let mut compared = &made[..];
        if curve {
            let rings = self.rings();
            let curve;
            (curve, compared) = made.split_at(rings.len());
            self.curve = rings
                .iter()
                .zip(curve)
                .map(|(ring, placement)| {
                    (
                        ring.vnodes,
                        Balance::of(placement, &ring.fair_shares()).peak,
                    )
                })
                .collect();
        }
        let earlier = self.now.shown.checked_sub(1);
        let per_strategy = if earlier.is_some() { 2 } else { 1 };
        self.comparison = Strategy::ALL
            .iter()
            .zip(compared.chunks(per_strategy))
            .map(|(&strategy, placed)| {
                let shares = config.with_strategy(strategy).fair_shares();
                let placement = &placed[0];
                let movement = earlier.zip(placed.get(1)).map(|(i, before)| {
                    let before_shares = self.now.configs[i].with_strategy(strategy).fair_shares();
                    Movement::between(before, &before_shares, placement, &shares)
                });
                Comparison {
                    strategy,
                    movement,
                    balance: Balance::of(placement, &shares),
                }
            })
            .collect();
    }

    /// Places keys for at most [`WORK_MS`]: the history on its way first, then a report the
    /// user asked for, then the charts; asks for another frame while any is left.
    fn work(&mut self, ctx: &Context<Self>) {
        let started = now_ms();
        let deadline = started + WORK_MS;
        while now_ms() < deadline {
            let mut keys = SLICE_KEYS;
            if let Some(next) = &mut self.next {
                let start = now_ms();
                while let Some(made) = next.placements.next(&mut keys) {
                    next.made.push(made);
                }
                next.took += now_ms() - start;
                if next.placements.finished() {
                    // Measuring the new step and drawing it can take a frame of their own: a
                    // frame that spent a third of its time placing keys leaves them for the
                    // next one.
                    if now_ms() - started < WORK_MS / 3.0 {
                        let next = self.next.take().expect("on its way");
                        self.arrive(next);
                    }
                    break;
                }
            } else if let Some((reporting, wanted)) = &mut self.reporting {
                if reporting.go(keys) {
                    let wanted = *wanted;
                    let (reporting, _) = self.reporting.take().expect("on its way");
                    self.reported(reporting.report(), wanted);
                }
            } else if let Some(charting) = &mut self.charting {
                while let Some((_, placement)) = charting.placements.next(&mut keys) {
                    charting.made.push(placement);
                }
                if charting.placements.finished() {
                    let charting = self.charting.take().expect("on its way");
                    self.chart(charting);
                }
            } else {
                self.frame = None;
                return;
            }
        }
        let link = ctx.link().clone();
        self.frame = Some(request_animation_frame(move |_| {
            link.send_message(Msg::Frame)
        }));
    }

    /// What the banner says is on its way, and how far it got: a history to show, or a
    /// download (the share dialog and the charts say their own).
    fn working(&self) -> Option<(String, f64)> {
        if let Some(next) = &self.next {
            let what = format!("Placing {} keys", next.history.config().keys);
            return Some((what, next.placements.done()));
        }
        match &self.reporting {
            Some((reporting, Wanted::Download)) => Some((
                "Placing every step's keys for the download".into(),
                reporting.done(),
            )),
            _ => None,
        }
    }

    /// Uses a finished report: the share dialog's hash, or the download.
    fn reported(&mut self, report: Report, wanted: Wanted) {
        match wanted {
            Wanted::Hash => {
                if let Some((_, hash)) = &mut self.share {
                    *hash = Some(report.trace_hash);
                }
            }
            Wanted::Download => {
                // The history, then what each step did, as `netsplit run` narrates it.
                match to_json(&(&self.now.scenario, &report.findings)) {
                    Ok(json) => download_text("netsplit-hashing.json", "application/json", &json),
                    Err(e) => self.error = Some(format!("The history could not be written: {e}")),
                }
            }
        }
    }

    /// Sets out to make the report of the shown history up to the shown step (all of it at
    /// the start), as `netsplit run` makes it for the shared link.
    fn report(&mut self, wanted: Wanted) {
        let mut scenario = self.now.scenario.clone();
        if wanted == Wanted::Hash && self.now.shown > 0 {
            scenario.ops.truncate(self.now.shown);
        }
        let mut run = HashingLab::build(&scenario, Recording::Full);
        HashingLab::run_until(&mut run, Time(scenario.ops.len() as u64));
        self.reporting = Some((Box::new(Reporting::new(&run)), wanted));
    }

    fn load(&mut self, scenario: HashingScenario, preset: Option<usize>, shown: usize) {
        match scenario.configs() {
            Ok(configs) => {
                let history = History {
                    shown: shown.min(scenario.ops.len()),
                    configs,
                    scenario,
                    preset,
                    undo: None,
                };
                self.error = None;
                self.selected = None;
                self.show(history, None);
            }
            Err(e) => self.error = Some(format!("That history cannot be shown: {e}")),
        }
    }

    /// Makes a change to the latest history. A change made in the past drops the later ones;
    /// undo brings them back. A refused change leaves everything as it was.
    fn take(&mut self, op: Op) {
        let mut history = self.latest().clone();
        let mut config = history.config().clone();
        if let Err(e) = config.apply(op) {
            self.error = Some(format!("Not changed: {e}."));
            return;
        }
        if history.scenario.ops.len() >= HashingScenario::MAX_OPS {
            self.error = Some(format!(
                "A history holds at most {} changes.",
                HashingScenario::MAX_OPS
            ));
            return;
        }
        if history.shown < history.scenario.ops.len() {
            history.undo = Some(history.scenario.ops.clone());
            history.scenario.ops.truncate(history.shown);
            history.configs.truncate(history.shown + 1);
        }
        history.scenario.ops.push(op);
        history.configs.push(config);
        history.shown = history.scenario.ops.len();
        history.preset = None;
        self.error = None;
        // The drawn placement is the step before's, unless another change is on its way.
        let before = self.next.is_none().then(|| self.placement.clone());
        self.show(history, before);
    }

    fn share_code(&self) -> String {
        ShareState {
            scenario: self.now.scenario.clone(),
            view: ViewState {
                at: Time(self.now.shown as u64),
                selected: self.selected.map(Selected::Node),
                routine_log: self.comparing,
            },
        }
        .encode_as::<HashingLab>()
    }

    fn keep(&self) {
        if self.embed.is_none() {
            store(HashingLab::ABOUT.slug, &self.share_code());
        }
    }

    /// The selected node's neighbour in bucket order, `step` places away.
    fn neighbour(&self, step: isize) -> Option<NodeId> {
        let members = &self.config().members;
        let at = self
            .selected
            .and_then(|id| members.iter().position(|m| m.id == id));
        let n = members.len() as isize;
        let next = match at {
            Some(i) => (i as isize + step).rem_euclid(n),
            None if step > 0 => 0,
            None => n - 1,
        };
        members.get(next as usize).map(|m| m.id)
    }
}

impl Component for HashingView {
    type Message = Msg;
    type Properties = LabProps;

    fn create(ctx: &Context<Self>) -> Self {
        let keys = listen_for_keys(ctx.link().callback(Msg::Key));
        let start = HashingScenario {
            params: Params::default(),
            ops: Vec::new(),
        };
        let first = Config::new(&start.params);
        let presets = HashingLab::presets();
        let mut lab = HashingView {
            preset_menu: preset_menu(&presets),
            presets,
            layout: first.layout(),
            placement: first.place(),
            now: History {
                scenario: start,
                configs: vec![first],
                shown: 0,
                preset: None,
                undo: None,
            },
            next: None,
            charting: None,
            reporting: None,
            frame: None,
            before: None,
            balance: Balance {
                peak: 1.0,
                std_dev: 0.0,
                max: 0,
                mean: 0.0,
            },
            curve: Vec::new(),
            points: Vec::new(),
            comparing: false,
            comparison: Vec::new(),
            selected: None,
            took: 0.0,
            error: None,
            problem: None,
            share: None,
            help: false,
            embed: ctx.props().embed.clone(),
            told_height: 0,
            _keys: keys,
            settled: false,
            settling: None,
        };
        let Opening { run, problem } = opening::<HashingLab>(ctx.props().link.as_deref());
        lab.problem = problem;
        let opened = run.map(|run| (run.scenario, run.view));
        match opened {
            Some((s, view)) => {
                lab.comparing = view.routine_log;
                let preset = preset_of(&lab.presets, &s);
                lab.load(s, preset, view.at.0 as usize);
                if let Some(Selected::Node(id)) = view.selected {
                    lab.selected = Some(id);
                }
            }
            None => {
                let first = lab.presets[0].scenario.clone();
                lab.load(first, Some(0), usize::MAX);
            }
        }
        // A history of at most FIRST_FRAME_KEYS keys is placed before the first frame; a
        // larger one is placed in frames after it, under the banner.
        if lab
            .next
            .as_ref()
            .is_some_and(|next| next.placements.keys() <= FIRST_FRAME_KEYS)
        {
            lab.work(ctx);
        } else {
            let link = ctx.link().clone();
            lab.frame = Some(request_animation_frame(move |_| {
                link.send_message(Msg::Frame)
            }));
        }
        lab
    }

    fn rendered(&mut self, ctx: &Context<Self>, first: bool) {
        if first {
            self.settling = Some(settle_later(ctx.link().callback(|()| Msg::Settled)));
        }
        if self.embed.is_some() {
            tell_height(&mut self.told_height);
        }
    }

    fn update(&mut self, ctx: &Context<Self>, msg: Msg) -> bool {
        match msg {
            Msg::Preset(i) => {
                if let Some(preset) = self.presets.get(i).cloned() {
                    self.load(preset.scenario, Some(i), usize::MAX);
                }
            }
            Msg::Do(op) => self.take(op),
            Msg::Select(id) => self.selected = id,
            Msg::Show(n) => {
                let mut history = self.latest().clone();
                let n = n.min(history.scenario.ops.len());
                if n == history.shown {
                    return false;
                }
                // A step forward from the drawn one already has the step before placed.
                let before =
                    (self.next.is_none() && n == history.shown + 1).then(|| self.placement.clone());
                history.shown = n;
                self.show(history, before);
            }
            Msg::Undo => {
                let latest = self.latest();
                if let Some(ops) = latest.undo.clone() {
                    let (shown, preset, params) =
                        (latest.shown, latest.preset, latest.scenario.params);
                    self.load(HashingScenario { params, ops }, preset, shown);
                }
            }
            Msg::Compare(on) => {
                self.comparing = on;
                self.comparison.clear();
                // The curve stays: only the strategies are placed (or a curve on its way goes on).
                self.refresh_charts(false);
            }
            Msg::Download(Export::Trace) => self.report(Wanted::Download),
            Msg::Download(kind) => {
                download_drawing("svg.placement", "netsplit-hashing", kind == Export::Png);
                return false;
            }
            Msg::Share(open) => {
                self.share = open.then(|| (link_to(&self.share_code()), None));
                if let Some((link, _)) = &self.share {
                    copy_to_clipboard(link);
                    self.report(Wanted::Hash);
                } else if self
                    .reporting
                    .as_ref()
                    .is_some_and(|(_, wanted)| *wanted == Wanted::Hash)
                {
                    self.reporting = None;
                }
            }
            Msg::Help(open) => self.help = open,
            Msg::Key(e) => return self.on_key(ctx, &e),
            Msg::Settled => {
                self.settled = true;
                self.settling = None;
                self.refresh_charts(true);
            }
            Msg::Frame => {
                self.frame = None;
                self.work(ctx);
                return true;
            }
            Msg::Cancel => {
                self.next = None;
                self.reporting = None;
            }
        }
        // A step to show is placed at once, as far as a frame's time goes.
        if self.next.is_some() || self.frame.is_none() {
            self.work(ctx);
        }
        self.keep();
        true
    }

    fn view(&self, ctx: &Context<Self>) -> Html {
        let link = ctx.link();
        let config = self.config();
        let steps = self.now.scenario.ops.len();
        if self.embed.is_some() {
            let open = link_to(&self.share_code());
            return html! {
                <div class="lab hashing embedded">
                    { link_problem(self.problem.as_deref()) }
                    { self.picture(ctx) }
                    { self.moved_counter() }
                    <div class="strip">
                        { self.timeline(ctx) }
                        <a class="link" href={open} target="_blank" rel="noopener">{ "Open in Netsplit ↗" }</a>
                    </div>
                </div>
            };
        }
        let narration = self
            .now
            .scenario
            .ops
            .iter()
            .enumerate()
            .rev()
            .map(|(i, op)| {
                let class = classes!((i >= self.now.shown).then_some("future"));
                html! { <li key={i} {class}><time>{ format!("{}.", i + 1) }</time>{ op.to_string() }</li> }
            });
        html! {
            <div class="lab hashing">
                { link_problem(self.problem.as_deref()) }
                <div class="lab-intro">
                    <h1>{ "Consistent hashing" }</h1>
                    <p>{ "A store spreads keys over nodes. When a node joins, leaves or changes weight, some keys must move: a good strategy moves only those, and keeps every node near its fair share of the load." }</p>
                    { preset_picker(
                        "History",
                        &self.preset_menu,
                        self.now.preset,
                        ("(this history)", "Your own history: changed by hand or opened from a link."),
                        link.callback(Msg::Preset),
                    ) }
                </div>
                { self.timeline(ctx) }
                if let Some(error) = &self.error {
                    <p class="error" role="alert">{ error }</p>
                }
                <div class="lab-grid">
                    <section class="stage" aria-label="Where the keys are">
                        if let Some((what, done)) = self.working() {
                            { working_banner(&what, done, &link.callback(|()| Msg::Cancel)) }
                        }
                        <p class="strategy-explain"><strong>{ format!("{}: ", config.strategy) }</strong>{ config.strategy.explain() }</p>
                        { self.picture(ctx) }
                        { self.moved_counter() }
                    </section>
                    <div class="side">
                        { self.cluster_panel(ctx) }
                        { self.node_panel(ctx) }
                    </div>
                </div>
                <div class="lab-panels">
                    { self.load_chart(ctx) }
                    { self.curve_chart() }
                    { self.comparison_panel(ctx) }
                    <section class="panel log" aria-labelledby="changes-title">
                        <header><h2 id="changes-title">{ "Changes" }</h2></header>
                        <ol aria-live="polite" aria-relevant="additions">{ for narration }</ol>
                        <p class="hint">{ format!("{} at the start: {}, {} nodes.", steps_word(steps), self.now.configs[0].strategy, self.now.configs[0].members.len()) }</p>
                    </section>
                </div>
                { run_facts(
                    html! { <span class="took">{ format!("placed and measured {} keys in {} ms", config.keys, tenths(self.took)) }</span> },
                    ("history", "history and findings (JSON)"),
                    &link.callback(Msg::Share),
                    &link.callback(Msg::Download),
                    &link.callback(Msg::Help),
                ) }
                if self.help {
                    <ShortcutHelp shortcuts={SHORTCUTS.to_vec()} on_close={link.callback(|()| Msg::Help(false))} />
                }
                if let Some((share, hash)) = &self.share {
                    { share_dialog(share, *hash, link.callback(|_| Msg::Share(false))) }
                }
            </div>
        }
    }
}

/// "1 change", "2 changes".
fn steps_word(n: usize) -> String {
    format!("{n} change{}", if n == 1 { "" } else { "s" })
}

/// A fraction as a percentage with one decimal.
fn percent(x: f64) -> String {
    format!("{}%", tenths(x * 100.0))
}

/// A ratio with two decimals.
fn hundredths(x: f64) -> String {
    decimal(x, 2)
}

/// A node's colour (eight Okabe–Ito hues) and shape (four), fixed by its id.
fn look(id: NodeId) -> (usize, usize) {
    (usize::from(id.0) % 8, usize::from(id.0) / 8 % 4)
}

/// Where `point` is on the circle, as a share of a turn clockwise from the top.
fn turns(point: u64) -> f64 {
    point as f64 / 18_446_744_073_709_551_616.0
}

const SIZE: f64 = 420.0;
const CENTRE: f64 = SIZE / 2.0;

fn ring_point(point: u64, radius: f64) -> (f64, f64) {
    let (cos, sin) = on_circle(turns(point));
    (CENTRE + radius * sin, CENTRE - radius * cos)
}

impl HashingView {
    fn timeline(&self, ctx: &Context<Self>) -> Html {
        let link = ctx.link();
        let now = match self.now.shown {
            0 => ": the start".to_string(),
            k => format!(": after “{}”", self.now.scenario.ops[k - 1]),
        };
        step_timeline(
            self.now.shown,
            self.now.scenario.ops.len(),
            &now,
            (self.now.undo.is_some() && self.embed.is_none()).then_some("the later changes"),
            link.callback(Msg::Show),
            link.callback(|()| Msg::Undo),
        )
    }

    /// "9.8% moved, least possible 9.7%, ideal 10%", with where they went.
    fn moved_counter(&self) -> Html {
        let Some((_, movement)) = &self.before else {
            return html! {
                <p class="movement" aria-live="polite">{ format!("{} keys on {} nodes; peak load {}× the fair share. Make a change to see what moves.",
                    self.config().keys, self.config().members.len(), hundredths(self.balance.peak)) }</p>
            };
        };
        // The six largest flows, largest first (earlier ones first among equals).
        let mut rest: Vec<&netsplit_labs::hashing::Flow> = movement.flows.iter().collect();
        let mut shown = Vec::new();
        while shown.len() < 6 && !rest.is_empty() {
            let largest = (0..rest.len()).fold(0, |best, i| {
                if rest[i].keys > rest[best].keys {
                    i
                } else {
                    best
                }
            });
            let f = rest.remove(largest);
            shown.push(format!("{} → {}: {}", f.from, f.to, f.keys));
        }
        let top = shown.join(" · ");
        let more = rest.len();
        let replicas = self.placement.replicas();
        html! {
            <div class="movement" aria-live="polite">
                <p class="moved-count"><strong>{ format!("{} moved", percent(movement.fraction())) }</strong>
                    { format!(", least possible {}, ideal {} ", percent(movement.floor_fraction()), percent(movement.ideal)) }
                    <span class="hint">{ format!("({} of {} keys changed primary, where the loads alone demanded {}; peak load {}× the fair share)", movement.moved, movement.compared, movement.floor, hundredths(self.balance.peak)) }</span>
                </p>
                if replicas > 1 {
                    <p class="hint">{ format!("{} replica copies to make: nodes new to a key's list of {replicas}.", movement.copies) }</p>
                }
                if !top.is_empty() {
                    <p class="flows">{ top }{ if more > 0 { format!(" · and {more} more") } else { String::new() } }</p>
                }
            </div>
        }
    }

    /// The ring (ring strategies) or the buckets (the others), with the drawn keys.
    fn picture(&self, ctx: &Context<Self>) -> Html {
        let config = self.config();
        let body = if config.strategy.uses_ring() {
            self.ring()
        } else {
            self.buckets(ctx)
        };
        let drawn = self.points.len();
        let note = if (config.keys as usize) > drawn {
            format!("{drawn} of {} keys drawn; all are counted.", config.keys)
        } else {
            format!("{drawn} keys.")
        };
        let link = ctx.link();
        let chips = config.members.iter().map(|m| {
            let id = m.id;
            let (colour, shape) = look(id);
            let pressed = self.selected == Some(id);
            let onclick = link.callback(move |_| Msg::Select((!pressed).then_some(id)));
            html! {
                <button class={classes!("node-chip", format!("owner-{colour}"))} aria-pressed={pressed.to_string()} {onclick}>
                    <svg viewBox="-6 -6 12 12" aria-hidden="true"><path class="key" d={key_outline(shape, 0.0, 0.0, 1.0)} /></svg>
                    { id.to_string() }
                </button>
            }
        });
        html! {
            <figure class="placement-figure">
                { body }
                if config.strategy == Strategy::Rendezvous {
                    { self.weights_table() }
                }
                <div class="node-chips" role="group" aria-label="Nodes: select one to pick out its keys and tokens">{ for chips }</div>
                <figcaption class="hint">{ note }{ " Keys take their primary node's colour and shape; moved keys are ringed. Select a node to pick out its keys." }</figcaption>
            </figure>
        }
    }

    fn moved(&self, k: usize) -> bool {
        self.before.as_ref().is_some_and(|(before, _)| {
            k < before.keys() && before.primary(k) != self.placement.primary(k)
        })
    }

    /// How many drawn keys changed primary since the step before.
    fn drawn_moved(&self) -> usize {
        (0..self.points.len()).filter(|&k| self.moved(k)).count()
    }

    /// The classes of key `k`'s look: its owner, and whether it moved, flies, or is dimmed.
    fn key_class(&self, k: usize, fly: bool) -> String {
        let (colour, _) = look(self.placement.primary(k));
        let moved = self.moved(k);
        let dim = self
            .selected
            .is_some_and(|s| !self.placement.list(k).contains(&s));
        format!(
            "key owner-{colour}{}{}{}",
            if moved { " moved" } else { "" },
            if moved && fly { " fly" } else { "" },
            if dim { " dim" } else { "" },
        )
    }

    fn ring(&self) -> Html {
        let layout = &self.layout;
        let members = layout.members();
        let all_tokens = layout.tokens().len();
        // One path per node holds all its tokens' ticks: hundreds of lines, a few elements.
        let mut ticks: Vec<String> = vec![String::new(); members.len()];
        for t in layout.tokens().filter(|t| {
            all_tokens <= DRAWN_TOKENS || Some(members[t.member as usize].id) == self.selected
        }) {
            let (x1, y1) = ring_point(t.point, 172.0);
            let (x2, y2) = ring_point(t.point, 190.0);
            let d = &mut ticks[t.member as usize];
            d.push_str(&format!(
                "M{} {}L{} {}",
                tenths(x1),
                tenths(y1),
                tenths(x2),
                tenths(y2)
            ));
        }
        let tokens = members
            .iter()
            .zip(ticks)
            .filter(|(_, d)| !d.is_empty())
            .map(|(m, d)| {
                let (colour, _) = look(m.id);
                let class = classes!(
                    "token",
                    format!("owner-{colour}"),
                    self.selected.is_some_and(|s| s != m.id).then_some("dim"),
                );
                html! { <path {class} {d} /> }
            });
        let fly = self.drawn_moved() <= FLYING_KEYS;
        // On the ring a key never moves (only its owner changes), so every key is in a look.
        let mut keys = KeyMarks::default();
        for (k, &point) in self.points.iter().enumerate() {
            let (x, y) = ring_point(point, 160.0 - 8.0 * (k % 6) as f64);
            let (_, shape) = look(self.placement.primary(k));
            keys.add(self.key_class(k, fly), &key_outline(shape, x, y, 1.0));
        }
        let token_note = if all_tokens > DRAWN_TOKENS {
            format!("{all_tokens} tokens: select a node to draw its own")
        } else {
            format!("{all_tokens} tokens")
        };
        html! {
            <svg class="placement ring" viewBox={format!("-20 -20 {0} {0}", tenths(SIZE + 40.0))} role="img"
                aria-label={format!("Ring with {} nodes, {token_note}, and keys as dots at their hash", members.len())}>
                <circle class="circle" cx={tenths(CENTRE)} cy={tenths(CENTRE)} r="172" />
                { for tokens }
                { keys.html() }
                <text class="ring-note" x={tenths(CENTRE)} y={tenths(CENTRE)}>{ token_note }</text>
            </svg>
        }
    }

    fn buckets(&self, ctx: &Context<Self>) -> Html {
        let link = ctx.link();
        let members = self.placement.members();
        let n = members.len();
        let (width, height) = (BUCKETS_WIDTH, BUCKETS_HEIGHT);
        let (left, bottom) = (BUCKETS_LEFT, BUCKETS_BOTTOM);
        let column = (width - 2.0 * left) / n as f64;
        let drawn = self.points.len();
        let (spots, pitch) = bucket_spots(&self.placement, drawn);
        let fly = self.drawn_moved() <= FLYING_KEYS;
        // A moved key flies from where it sat in the step before.
        let before = self
            .before
            .as_ref()
            .filter(|_| fly)
            .map(|(before, _)| bucket_spots(before, drawn.min(before.keys())));
        let mut keys = KeyMarks::default();
        for (k, &(x, y)) in spots.iter().enumerate() {
            let (_, shape) = look(self.placement.primary(k));
            let class = self.key_class(k, fly);
            let from = before
                .as_ref()
                .filter(|_| self.moved(k))
                .and_then(|(spots, pitch)| spots.get(k).map(|(x0, y0)| (x0, y0, pitch)));
            match from {
                Some((x0, y0, pitch0)) => keys.flying.push(html! {
                    <path key={k} class={format!("{class} flying")} d={key_outline(shape, 0.0, 0.0, 1.0)}
                        transform={format!("translate({} {}) scale({})", tenths(x), tenths(y), tenths(pitch / 10.0))}
                        style={format!("--from: translate({}px, {}px) scale({})", tenths(*x0), tenths(*y0), tenths(pitch0 / 10.0))} />
                }),
                None => keys.add(class, &key_outline(shape, x, y, pitch / 10.0)),
            }
        }
        let strategy = self.config().strategy;
        let columns = members.iter().enumerate().map(|(i, m)| {
            let x = left + column * i as f64;
            let id = m.id;
            let label = if n <= 16 {
                match strategy {
                    Strategy::Jump | Strategy::Modulo => format!("{i}: {id}"),
                    _ => id.to_string(),
                }
            } else {
                id.0.to_string()
            };
            let class = classes!("bucket", (self.selected == Some(id)).then_some("selected"));
            html! {
                <g {class} onclick={link.callback(move |_| Msg::Select(Some(id)))}>
                    <rect x={tenths(x + 1.0)} y="10" width={tenths(column - 2.0)} height={tenths(bottom - 10.0)} />
                    <text x={tenths(x + column / 2.0)} y={tenths(bottom + 16.0)}>{ label }</text>
                </g>
            }
        });
        let caption = match strategy {
            Strategy::Modulo => "bucket = hash mod n",
            Strategy::Jump => "bucket = jump(hash, n)",
            _ => "the node with the highest hash(key, node)",
        };
        html! {
            <svg class="placement buckets" viewBox={format!("0 0 {} {}", tenths(width), tenths(height))} role="img"
                aria-label={format!("{n} buckets in order, each holding its keys as dots: {caption}")}>
                { for columns }
                { keys.html() }
            </svg>
        }
    }

    /// Rendezvous: each node's weight is its number of draws; its best draw is its score.
    fn weights_table(&self) -> Html {
        let config = self.config();
        let shares = config.fair_shares();
        let loads = self.placement.loads();
        let rows = config.members.iter().enumerate().map(|(i, m)| {
            html! {
                <tr class={classes!((self.selected == Some(m.id)).then_some("current"))}>
                    <th scope="row">{ m.id.to_string() }</th>
                    <td>{ m.weight }</td>
                    <td>{ percent(shares[i]) }</td>
                    <td>{ loads[i] }</td>
                </tr>
            }
        });
        html! {
            <table class="members weights">
                <caption>{ "Weights: a node of weight w draws w scores per key and keeps the best" }</caption>
                <thead><tr><th scope="col">{ "node" }</th><th scope="col">{ "weight (draws)" }</th><th scope="col">{ "fair share" }</th><th scope="col">{ "keys" }</th></tr></thead>
                <tbody>{ for rows }</tbody>
            </table>
        }
    }

    fn cluster_panel(&self, ctx: &Context<Self>) -> Html {
        let link = ctx.link();
        let config = self.config();
        let strategies = Strategy::ALL.iter().enumerate().map(|(i, s)| {
            html! { <option value={i.to_string()} selected={*s == config.strategy}>{ format!("{} ({})", s.title(), i + 1) }</option> }
        });
        let on_strategy = link.callback(|e: Event| {
            let select: web_sys::HtmlSelectElement = e.target_unchecked_into();
            let i: usize = select.value().parse().unwrap_or(0);
            Msg::Do(Op::Strategy(Strategy::ALL[i.min(4)]))
        });
        let slider = |label: &'static str,
                      (lo, hi): (u32, u32),
                      value: u32,
                      shown: String,
                      make: fn(u32) -> Op| {
            let onchange = link.callback(move |e: Event| {
                let input: web_sys::HtmlInputElement = e.target_unchecked_into();
                Msg::Do(make(input.value().parse().unwrap_or(lo)))
            });
            html! {
                <label class="slider">
                    <span>{ label }</span>
                    <input type="range" min={lo.to_string()} max={hi.to_string()} value={value.to_string()} {onchange}
                        aria-valuetext={shown.clone()} />
                    <output>{ shown }</output>
                </label>
            }
        };
        let n = config.members.len() as u32;
        let vnode_step = config.vnodes.max(1).ilog2();
        let key_step = KEY_STEPS
            .iter()
            .position(|&k| k >= config.keys)
            .unwrap_or(KEY_STEPS.len() - 1) as u32;
        html! {
            <section class="panel" aria-labelledby="cluster-title">
                <h2 id="cluster-title">{ "Cluster" }</h2>
                <label class="field"><span>{ "Strategy" }</span><select onchange={on_strategy}>{ for strategies }</select></label>
                { slider("Nodes", Params::NODES, n, format!("{n} (1 to 64)"), Op::Nodes) }
                <div class="buttons">
                    <button class="primary" onclick={link.callback(move |_| Msg::Do(Op::Nodes(n + 1)))} aria-keyshortcuts="a">{ "Add a node (a)" }</button>
                </div>
                if config.strategy.uses_ring() {
                    { slider("Virtual nodes", (0, 9), vnode_step, format!("{} per node (1 to 512)", config.vnodes), |e| Op::Vnodes(1 << e)) }
                }
                { slider("Keys", (0, KEY_STEPS.len() as u32 - 1), key_step, format!("{} (10 to 100,000)", config.keys), |i| Op::Keys(KEY_STEPS[i as usize])) }
                { slider("Replicas", Params::REPLICAS, config.replicas, format!("{} per key (1 to 5)", config.replicas), Op::Replicas) }
                if config.strategy == Strategy::Bounded {
                    { slider("ε", Params::EPSILON, config.epsilon, format!("{}% over the fair share (5 to 100)", config.epsilon), Op::Epsilon) }
                }
            </section>
        }
    }

    fn node_panel(&self, ctx: &Context<Self>) -> Html {
        let link = ctx.link();
        let config = self.config();
        let Some((i, member)) = self
            .selected
            .and_then(|id| config.members.iter().enumerate().find(|(_, m)| m.id == id))
        else {
            return html! {
                <section class="panel inspector" aria-labelledby="node-title">
                    <h2 id="node-title">{ "Node" }</h2>
                    <p class="hint">{ "Click or tap a node's chip, bucket or bar, or press [ and ], to select it: its keys stand out, and you can remove it or change its weight." }</p>
                </section>
            };
        };
        let id = member.id;
        let load = self.placement.loads()[i];
        let share = config.fair_shares()[i];
        let weights = (Params::WEIGHT.0..=Params::WEIGHT.1).map(|w| {
            html! { <option value={w.to_string()} selected={w == member.weight}>{ w }</option> }
        });
        let on_weight = link.callback(move |e: Event| {
            let select: web_sys::HtmlSelectElement = e.target_unchecked_into();
            Msg::Do(Op::Weight(id, select.value().parse().unwrap_or(1)))
        });
        let tokens = if config.strategy.uses_ring() {
            format!(", {} tokens", config.vnodes * member.weight)
        } else {
            String::new()
        };
        let capacity = self
            .placement
            .capacity()
            .map(|c| format!(" Its capacity under bounded loads: {} keys.", c[i]))
            .unwrap_or_default();
        html! {
            <section class="panel inspector" aria-labelledby="node-title">
                <h2 id="node-title">{ format!("Node {id}") }</h2>
                <p>{ format!("Bucket {i}{tokens}. Primary for {load} keys; its fair share is {} ({} keys).{capacity}", percent(share), tenths(share * f64::from(config.keys))) }</p>
                <label class="field">
                    <span>{ "Weight" }</span>
                    <select onchange={on_weight} disabled={!config.strategy.weighted()}>{ for weights }</select>
                </label>
                if !config.strategy.weighted() {
                    <p class="hint">{ format!("{} has no weights: every node gets an equal share.", config.strategy) }</p>
                }
                <div class="buttons">
                    <button onclick={link.callback(move |_| Msg::Do(Op::Remove(id)))} aria-keyshortcuts="x">{ format!("Remove {id} (x)") }</button>
                    <button onclick={link.callback(|_| Msg::Select(None))}>{ "Clear selection (Esc)" }</button>
                </div>
            </section>
        }
    }

    /// One bar per node: its primary keys against its fair share (and capacity).
    fn load_chart(&self, ctx: &Context<Self>) -> Html {
        let link = ctx.link();
        let config = self.config();
        let loads = self.placement.loads();
        let shares = config.fair_shares();
        let keys = f64::from(config.keys);
        let capacity = self.placement.capacity();
        let top = loads
            .iter()
            .map(|&l| f64::from(l))
            .chain(shares.iter().map(|s| s * keys * 1.2))
            .chain(capacity.into_iter().flatten().map(|&c| f64::from(c)))
            .fold(1.0, f64::max);
        let (width, height, bottom) = (640.0, 200.0, 180.0);
        let n = loads.len();
        let bar = width / n as f64;
        let y = |v: f64| bottom - v / top * (bottom - 10.0);
        let bars = config.members.iter().enumerate().map(|(i, m)| {
            let (colour, _) = look(m.id);
            let x = bar * i as f64;
            let id = m.id;
            let fair = y(shares[i] * keys);
            let class = classes!(
                "bar",
                format!("owner-{colour}"),
                self.selected.is_some_and(|s| s != id).then_some("dim")
            );
            html! {
                <g {class} onclick={link.callback(move |_| Msg::Select(Some(id)))}>
                    <rect x={tenths(x + 1.0)} y={tenths(y(f64::from(loads[i])))} width={tenths((bar - 2.0).max(1.0))} height={tenths(bottom - y(f64::from(loads[i])))}>
                        <title>{ format!("{id}: {} keys, fair share {}", loads[i], tenths(shares[i] * keys)) }</title>
                    </rect>
                    <line class="fair" x1={tenths(x)} x2={tenths(x + bar)} y1={tenths(fair)} y2={tenths(fair)} />
                    if let Some(c) = capacity {
                        <line class="cap" x1={tenths(x)} x2={tenths(x + bar)} y1={tenths(y(f64::from(c[i])))} y2={tenths(y(f64::from(c[i])))} />
                    }
                    if n <= 24 {
                        <text x={tenths(x + bar / 2.0)} y={tenths(bottom + 14.0)}>{ id.to_string() }</text>
                    }
                </g>
            }
        });
        let b = &self.balance;
        html! {
            <section class="panel chart" aria-labelledby="load-title">
                <h2 id="load-title">{ "Load per node" }</h2>
                <svg class="load-chart" viewBox={format!("0 0 {} {}", tenths(width), tenths(height))} role="img"
                    aria-label={format!("Primary keys per node: most {}, mean {}, peak {}× the fair share", b.max, tenths(b.mean), hundredths(b.peak))}>
                    { for bars }
                </svg>
                <p class="hint">{ format!("max {} · mean {} · peak/fair {} · standard deviation {} keys. Dashes: fair share{}.",
                    b.max, tenths(b.mean), hundredths(b.peak), tenths(b.std_dev),
                    if capacity.is_some() { "; dots: capacity" } else { "" }) }</p>
            </section>
        }
    }

    /// Peak load over fair share against virtual nodes per node, for a ring of this cluster.
    fn curve_chart(&self) -> Html {
        let (width, height, left, bottom) = (320.0, 180.0, 36.0, 150.0);
        let top = self.curve.iter().map(|p| p.1).fold(1.5, f64::max);
        let x = |i: usize| left + (width - left - 10.0) * i as f64 / 9.0;
        let y = |v: f64| bottom - (v - 1.0) / (top - 1.0) * (bottom - 10.0);
        let path = self
            .curve
            .iter()
            .enumerate()
            .map(|(i, &(_, v))| {
                format!(
                    "{}{},{}",
                    if i == 0 { "M" } else { "L" },
                    tenths(x(i)),
                    tenths(y(v))
                )
            })
            .collect::<String>();
        // The current setting is marked only where it is in use.
        let vnodes = if self.config().strategy.uses_ring() {
            self.config().vnodes
        } else {
            0
        };
        let points = self.curve.iter().enumerate().map(|(i, &(v, peak))| {
            let class = classes!("point", (v == vnodes).then_some("current"));
            html! {
                <g {class}>
                    <circle cx={tenths(x(i))} cy={tenths(y(peak))} r="4"><title>{ format!("{v} virtual nodes: peak {}× the fair share", hundredths(peak)) }</title></circle>
                    <text class="tick" x={tenths(x(i))} y={tenths(bottom + 14.0)}>{ v }</text>
                </g>
            }
        });
        let keys = self.config().keys.min(CHART_KEYS);
        html! {
            <section class="panel chart" aria-labelledby="curve-title">
                <h2 id="curve-title">{ "Imbalance against virtual nodes" }</h2>
                <svg class="curve-chart" viewBox={format!("0 0 {} {}", tenths(width), tenths(height))} role="img"
                    aria-label={format!("Peak load over fair share for 1 to 512 virtual nodes: {}", self.curve.iter().map(|(v, p)| format!("{v}: {}", hundredths(*p))).collect::<Vec<_>>().join(", "))}>
                    <line class="axis" x1={tenths(left)} x2={tenths(width)} y1={tenths(bottom)} y2={tenths(bottom)} />
                    <text class="ylabel" x="2" y={tenths(y(1.0) + 4.0)}>{ "1.0" }</text>
                    <text class="ylabel" x="2" y={tenths(y(top) + 8.0)}>{ tenths(top) }</text>
                    <path class="line" d={path} />
                    { for points }
                </svg>
                <p class="hint">{ format!("A ring of these nodes with {keys} keys. A node's share is a sum of V arcs, so the excess over the fair share shrinks about as 1/√V.") }</p>
                { self.charting_note(true) }
            </section>
        }
    }

    /// While the charts' placements are made: how far they got, under the curve (`curve`, when
    /// it is among them) or the comparison.
    fn charting_note(&self, curve: bool) -> Html {
        match &self.charting {
            Some(charting) if charting.curve || !curve => {
                let what = if curve {
                    "Placing the keys for this chart"
                } else {
                    "Placing the keys under every strategy"
                };
                progress_note(what, charting.placements.done())
            }
            _ => html! {},
        }
    }

    fn comparison_panel(&self, ctx: &Context<Self>) -> Html {
        let link = ctx.link();
        let on_toggle = link.callback(|e: Event| {
            let input: web_sys::HtmlInputElement = e.target_unchecked_into();
            Msg::Compare(input.checked())
        });
        let what = match self.now.shown {
            0 => "the starting cluster".to_string(),
            k => format!("“{}”", self.now.scenario.ops[k - 1]),
        };
        let rows = self.comparison.iter().map(|c| {
            let current = c.strategy == self.config().strategy;
            let (moved, ideal) = c.movement.as_ref().map_or(("–".into(), "–".into()), |m| {
                (percent(m.fraction()), percent(m.ideal))
            });
            html! {
                <tr class={classes!(current.then_some("current"))}>
                    <th scope="row">{ c.strategy.title() }</th>
                    <td>{ moved }</td>
                    <td>{ ideal }</td>
                    <td>{ format!("{}×", hundredths(c.balance.peak)) }</td>
                </tr>
            }
        });
        html! {
            <section class="panel compare" aria-labelledby="compare-title">
                <h2 id="compare-title">{ "Every strategy" }</h2>
                <label><input type="checkbox" checked={self.comparing} onchange={on_toggle} />{ format!(" Compare the strategies on {what} (c)") }</label>
                if self.comparing {
                    <table class="members">
                        <thead><tr><th scope="col">{ "strategy" }</th><th scope="col">{ "moved" }</th><th scope="col">{ "ideal" }</th><th scope="col">{ "peak/fair" }</th></tr></thead>
                        <tbody>{ for rows }</tbody>
                    </table>
                    <p class="hint">{ "The same cluster and keys under each strategy; a strategy switch itself counts as no change here." }</p>
                    { self.charting_note(false) }
                }
            </section>
        }
    }

    fn on_key(&mut self, ctx: &Context<Self>, e: &web_sys::KeyboardEvent) -> bool {
        if e.ctrl_key() || e.meta_key() || e.alt_key() || typing_in_field(e) {
            return false;
        }
        let selected = self.selected;
        let weight = selected.and_then(|id| {
            self.config()
                .members
                .iter()
                .find(|m| m.id == id)
                .map(|m| m.weight)
        });
        let msg = match e.key().as_str() {
            "a" => Msg::Do(Op::Nodes(self.config().members.len() as u32 + 1)),
            "x" | "Delete" => match selected {
                Some(id) => Msg::Do(Op::Remove(id)),
                None => return false,
            },
            "[" => Msg::Select(self.neighbour(-1)),
            "]" => Msg::Select(self.neighbour(1)),
            "+" | "=" => match (selected, weight) {
                (Some(id), Some(w)) => Msg::Do(Op::Weight(id, w + 1)),
                _ => return false,
            },
            "-" => match (selected, weight) {
                (Some(id), Some(w)) => Msg::Do(Op::Weight(id, w.saturating_sub(1))),
                _ => return false,
            },
            key @ ("1" | "2" | "3" | "4" | "5") => {
                let i: usize = key.parse().unwrap_or(1);
                Msg::Do(Op::Strategy(Strategy::ALL[i - 1]))
            }
            "," => Msg::Show(self.now.shown.saturating_sub(1)),
            "." => Msg::Show(self.now.shown + 1),
            "u" if self.now.undo.is_some() => Msg::Undo,
            "c" => Msg::Compare(!self.comparing),
            "s" => Msg::Share(true),
            "?" => Msg::Help(!self.help),
            "Escape" if self.help => Msg::Help(false),
            "Escape" if self.share.is_some() => Msg::Share(false),
            "Escape" if self.working().is_some() => Msg::Cancel,
            "Escape" => Msg::Select(None),
            _ => return false,
        };
        e.prevent_default();
        Component::update(self, ctx, msg)
    }
}

/// The four key shapes, centred on the origin, ten units across.
/// The outline of key shape `shape` (circle, square, triangle, diamond) centred on (`x`, `y`),
/// `size` times its usual size.
fn key_outline(shape: usize, x: f64, y: f64, size: f64) -> String {
    let n = |v: f64| tenths(v * size);
    let at = |dx: f64, dy: f64| format!("M{},{}", tenths(x + dx * size), tenths(y + dy * size));
    match shape {
        0 => format!(
            "{}a{r},{r} 0 1,0 {d},0a{r},{r} 0 1,0 -{d},0",
            at(-4.0, 0.0),
            r = n(4.0),
            d = n(8.0)
        ),
        1 => format!("{}h{s}v{s}h-{s}z", at(-3.6, -3.6), s = n(7.2)),
        2 => format!("{}l{},{}l-{},0z", at(0.0, -4.6), n(4.3), n(8.0), n(8.6)),
        _ => format!("{}l{h},{h}l-{h},{h}l-{h},-{h}z", at(0.0, -5.0), h = n(5.0)),
    }
}

/// The buckets view's size, its margin and the line its columns stand on.
const BUCKETS_WIDTH: f64 = 640.0;
const BUCKETS_HEIGHT: f64 = 320.0;
const BUCKETS_LEFT: f64 = 10.0;
const BUCKETS_BOTTOM: f64 = 290.0;

/// Where each of the first `keys` keys of `placement` sits in the buckets view (stacked in its
/// primary's column, in key order), and the dots' pitch: the largest at which the fullest
/// column fits.
fn bucket_spots(placement: &Placement, keys: usize) -> (Vec<(f64, f64)>, f64) {
    let members = placement.members();
    let n = members.len();
    let column = (BUCKETS_WIDTH - 2.0 * BUCKETS_LEFT) / n as f64;
    let index = |id: NodeId| members.iter().position(|m| m.id == id).unwrap_or(0);
    let mut counts = vec![0usize; n];
    for k in 0..keys {
        counts[index(placement.primary(k))] += 1;
    }
    let tallest = counts.iter().copied().max().unwrap_or(1).max(1);
    let pitch = (2..=14)
        .rev()
        .map(f64::from)
        .find(|&p| {
            let per_row = (column / p).floor().max(1.0);
            (tallest as f64 / per_row).ceil() * p <= BUCKETS_BOTTOM - 20.0
        })
        .unwrap_or(2.0);
    let per_row = (column / pitch).floor().max(1.0) as usize;
    let mut filled = vec![0usize; n];
    let spots = (0..keys)
        .map(|k| {
            let c = index(placement.primary(k));
            let rank = filled[c];
            filled[c] += 1;
            let x = BUCKETS_LEFT + column * c as f64 + pitch * ((rank % per_row) as f64 + 0.5);
            let y = BUCKETS_BOTTOM - pitch * ((rank / per_row) as f64 + 0.5);
            (x, y)
        })
        .collect();
    (spots, pitch)
}

/// Keys drawn as a few paths, one for each look (owner, moved, dimmed), which costs the page a
/// handful of elements however many keys there are; only keys that fly are drawn alone.
#[derive(Default)]
struct KeyMarks {
    looks: std::collections::BTreeMap<String, String>,
    flying: Vec<Html>,
}

impl KeyMarks {
    fn add(&mut self, class: String, outline: &str) {
        self.looks.entry(class).or_default().push_str(outline);
    }

    fn html(self) -> Html {
        let looks = self
            .looks
            .into_iter()
            .map(|(class, d)| html! { <path {class} {d} /> });
        html! { <>{ for looks }{ for self.flying }</> }
    }
}
