//! The contract a lab fulfils, so that the registry, the command line, the browser and the
//! tests can treat every lab alike.
//!
//! ```text
//!   NetworkLab (a protocol on this engine: params, build, findings, presets, fuzz)
//!        │ blanket impl
//!        ▼
//!   Lab (any lab: its scenario, validation, run, report, presets, fuzzing, link versions)
//!        ▲
//!        └── step labs with no network (vector clocks, consistent hashing) implement it directly
//! ```
//!
//! A lab is described once, in its protocol's crate. Only the registry (`netsplit-labs`) names
//! every lab; everything else is generic over [`Lab`].

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::ops::{Range, RangeInclusive};

use crate::{
    Action, Link, Monitor, Node, NodeId, Record, Rng, Sim, Slot, Span, Strike, Time, Timed,
    TraceEvent, Violation,
};

/// Who a lab is: the names people, files and links know it by.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct About {
    /// The name in addresses (`#raft`), scenario files and on the command line.
    pub slug: &'static str,
    /// The name people read.
    pub title: &'static str,
    /// One line on what the lab shows.
    pub summary: &'static str,
    /// The lab's number in share links. Never changes and is never reused.
    pub tag: u8,
    /// The version of the lab's scenario encoding in share links. Raise it when the scenario's
    /// shape changes (a new parameter), and teach [`Lab::decode`] to read the older versions
    /// with their old meaning.
    pub version: u8,
}

/// The longest run a scenario may ask for.
pub const MAX_DURATION: Span = Span::secs(3600);
/// The most actions a scenario may hold.
pub const MAX_ACTIONS: usize = 10_000;

/// The most events a network lab's run may be expected to take
/// ([`NetworkLab::expected_events`]): validation refuses a heavier run and says which settings
/// to lower. Half of [`crate::MAX_EVENTS`], so that the engine's stop is left for what an
/// estimate from the settings cannot see (links changed by actions, a protocol's retries).
pub const EVENT_BUDGET: u64 = crate::MAX_EVENTS / 2;

/// Which way a setting makes a run lighter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lighter {
    /// A smaller value costs less (the number of nodes).
    Lower,
    /// A larger value costs less (a timer's period).
    Higher,
}

/// A parameter a run's cost depends on, for the advice given with a refusal of a run expected
/// to cost more than [`EVENT_BUDGET`] or [`IN_FLIGHT_BUDGET`]: "raise heartbeat to at least
/// 61 ms".
pub struct Knob<P> {
    /// Its name in scenario files and on the command line, which
    /// [`NetworkLab::set_param`] knows.
    pub name: &'static str,
    /// The unit its values are written in, with its leading space (" ms"), or "".
    pub unit: &'static str,
    /// Which way it makes a run lighter.
    pub lighter: Lighter,
    /// The values the lab allows (the lab's validation checks how it goes with the others).
    pub range: RangeInclusive<u64>,
    /// Its value in the parameters.
    pub get: fn(&P) -> u64,
}

impl<P> Knob<P> {
    /// A timer's period in milliseconds, which costs less the longer it is.
    pub fn period(name: &'static str, range: RangeInclusive<u64>, get: fn(&P) -> u64) -> Self {
        Knob {
            name,
            unit: " ms",
            lighter: Lighter::Higher,
            range,
            get,
        }
    }

    /// A number of nodes, which costs less the fewer they are.
    pub fn count(name: &'static str, range: RangeInclusive<usize>, get: fn(&P) -> u64) -> Self {
        Knob {
            name,
            unit: "",
            lighter: Lighter::Lower,
            range: *range.start() as u64..=*range.end() as u64,
            get,
        }
    }
}

/// Events at `per_period` a period over `span`: a protocol's steady traffic in a run's length.
pub fn over(span: Span, per_period: u64, period: Span) -> u64 {
    per_period.saturating_mul(span.0) / period.0.max(1)
}

/// `events` that send messages on `links`, with the copies the links' duplication adds.
pub fn with_copies(events: u64, links: &Link) -> u64 {
    events.saturating_add(events.saturating_mul(u64::from(links.duplicate.ppm())) / 1_000_000)
}

/// The most messages a network lab's run may be expected to hold in flight at once
/// ([`expected_in_flight`]): every checkpoint copies them, and the page must copy a world
/// within a frame.
pub const IN_FLIGHT_BUDGET: u64 = 5_000;

/// How many messages the run is expected to hold in the network at once: its events a
/// millisecond (as if every one were a delivery) times the links' mean latency and the longest
/// pause, since what reaches a paused process waits there.
pub fn expected_in_flight<L: NetworkLab>(s: &ScenarioOf<L>) -> u64 {
    let longest_pause = s
        .actions
        .iter()
        .filter_map(|t| match t.action {
            Action::Pause(_, span) => Some(span.0),
            _ => None,
        })
        .max()
        .unwrap_or(0);
    let latency =
        u128::from(s.links.latency_min.0 + s.links.latency_max.0) / 2 + u128::from(longest_pause);
    let in_flight = u128::from(L::expected_events(s)) * latency / u128::from(s.duration.0.max(1));
    u64::try_from(in_flight).unwrap_or(u64::MAX)
}

/// The two budgets a network lab's run is expected within.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Budget {
    /// [`EVENT_BUDGET`].
    Events,
    /// [`IN_FLIGHT_BUDGET`].
    InFlight,
}

impl Budget {
    fn holds<L: NetworkLab>(self, s: &ScenarioOf<L>) -> bool {
        match self {
            Budget::Events => L::expected_events(s) <= EVENT_BUDGET,
            Budget::InFlight => expected_in_flight::<L>(s) <= IN_FLIGHT_BUDGET,
        }
    }
}

/// Refuses a run expected to take more than [`EVENT_BUDGET`] events or to hold more than
/// [`IN_FLIGHT_BUDGET`] messages at once. For each budget it misses, the sentence says what
/// would meet it: the longest duration (for events) or the slowest links (for messages in
/// flight), and for each of the lab's [`NetworkLab::knobs`], the value.
fn within_budget<L: NetworkLab>(s: &ScenarioOf<L>) -> Result<(), ScenarioError> {
    let mut over = Vec::new();
    if !Budget::Events.holds::<L>(s) {
        over.push(format!(
            "to take about {}, more than the {} a run may take (to fit, {})",
            about(L::expected_events(s)),
            about(EVENT_BUDGET),
            ways_to_meet::<L>(s, Budget::Events).join(", or ")
        ));
    }
    if !Budget::InFlight.holds::<L>(s) {
        over.push(format!(
            "to hold about {} messages in flight at once, more than the {IN_FLIGHT_BUDGET} a \
             run may hold (to fit, {})",
            expected_in_flight::<L>(s),
            ways_to_meet::<L>(s, Budget::InFlight).join(", or ")
        ));
    }
    if over.is_empty() {
        return Ok(());
    }
    Err(ScenarioError(format!(
        "this run is expected {}",
        over.join(", and ")
    )))
}

/// Each change of one setting that would bring the run within `budget`, in words: "lower
/// duration to at most 294118 ms", "raise heartbeat to at least 61 ms".
fn ways_to_meet<L: NetworkLab>(s: &ScenarioOf<L>, budget: Budget) -> Vec<String> {
    let mut ways = Vec::new();
    let (what, value) = match budget {
        Budget::Events => (
            "duration",
            largest_fix::<L>(s, budget, set_duration, 1, s.duration.0),
        ),
        Budget::InFlight => (
            "latency_max",
            largest_fix::<L>(
                s,
                budget,
                set_latency_max,
                s.links.latency_min.0,
                s.links.latency_max.0,
            ),
        ),
    };
    if let Some(ms) = value {
        ways.push(format!("lower {what} to at most {ms} ms"));
    }
    for knob in L::knobs() {
        let now = (knob.get)(&s.params);
        let (start, end) = knob.range.clone().into_inner();
        let toward = match knob.lighter {
            Lighter::Lower if now > start => start..=now - 1,
            Lighter::Higher if now < end => now + 1..=end,
            _ => continue,
        };
        let fits = |value: u64| {
            let mut t = s.clone();
            L::set_param(&mut t.params, knob.name, &value.to_string()).is_ok()
                && L::validate_params(&t.params).is_ok()
                && validate_actions(&t, L::nodes(&t.params)).is_ok()
                && L::validate_commands(&t).is_ok()
                && budget.holds::<L>(&t)
        };
        if let Some(value) = edge(toward, knob.lighter, fits) {
            let (way, bound) = match knob.lighter {
                Lighter::Lower => ("lower", "most"),
                Lighter::Higher => ("raise", "least"),
            };
            ways.push(format!(
                "{way} {} to at {bound} {value}{}",
                knob.name, knob.unit
            ));
        }
    }
    if ways.is_empty() {
        ways.push("hold fewer actions".to_string());
    }
    ways
}

fn set_duration<P, C>(s: &mut LabScenario<P, C>, ms: u64) {
    s.duration = Span(ms);
}

fn set_latency_max<P, C>(s: &mut LabScenario<P, C>, ms: u64) {
    s.links.latency_max = Span(ms);
}

/// The largest value from `least` to below `most` that, `set` into the scenario, brings it
/// within `budget`.
fn largest_fix<L: NetworkLab>(
    s: &ScenarioOf<L>,
    budget: Budget,
    set: fn(&mut ScenarioOf<L>, u64),
    least: u64,
    most: u64,
) -> Option<u64> {
    if most <= least {
        return None;
    }
    let fits = |value: u64| {
        let mut t = s.clone();
        set(&mut t, value);
        budget.holds::<L>(&t)
    };
    edge(least..=most - 1, Lighter::Lower, fits)
}

/// The scenario brought within both budgets by slower links and then a shorter length, if
/// those are enough: the heaviest run of its kind that is accepted.
fn fitted<L: NetworkLab>(s: &ScenarioOf<L>) -> Option<ScenarioOf<L>> {
    let mut t = s.clone();
    if !Budget::InFlight.holds::<L>(&t) {
        let (least, most) = (t.links.latency_min.0, t.links.latency_max.0);
        let ms = largest_fix::<L>(&t, Budget::InFlight, set_latency_max, least, most)?;
        set_latency_max(&mut t, ms);
    }
    if !Budget::Events.holds::<L>(&t) {
        let ms = largest_fix::<L>(&t, Budget::Events, set_duration, 1, t.duration.0)?;
        set_duration(&mut t, ms);
    }
    (Budget::Events.holds::<L>(&t) && Budget::InFlight.holds::<L>(&t)).then_some(t)
}

/// A count of events in round words: "500 thousand events", "6.1 million events".
fn about(events: u64) -> String {
    if events.div_ceil(1000) < 1000 {
        format!("{} thousand events", events.div_ceil(1000))
    } else {
        let tenths = events.div_ceil(100_000);
        format!("{}.{} million events", tenths / 10, tenths % 10)
    }
}

/// The value in `range` nearest the heavy end that still `fits`, searching by halves (cost
/// only grows toward the heavy end); `None` when not even the lightest end fits.
fn edge(range: RangeInclusive<u64>, lighter: Lighter, fits: impl Fn(u64) -> bool) -> Option<u64> {
    let (mut light, mut heavy) = match lighter {
        Lighter::Lower => (*range.start(), *range.end()),
        Lighter::Higher => (*range.end(), *range.start()),
    };
    if range.is_empty() || !fits(light) {
        return None;
    }
    // `light` fits; look between it and `heavy` for the heaviest value that does.
    while light != heavy {
        let middle = if light < heavy {
            light + (heavy - light).div_ceil(2)
        } else {
            light - (light - heavy).div_ceil(2)
        };
        if fits(middle) {
            light = middle;
        } else if light < heavy {
            heavy = middle - 1;
        } else {
            heavy = middle + 1;
        }
    }
    Some(light)
}

/// Why a scenario was refused, in a sentence that names the allowed range.
#[derive(Clone, PartialEq, Eq)]
pub struct ScenarioError(pub String);

impl fmt::Debug for ScenarioError {
    /// The sentence itself: it is meant to be read, and escaping it would only add code.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ScenarioError {}

impl From<String> for ScenarioError {
    fn from(why: String) -> ScenarioError {
        ScenarioError(why)
    }
}

/// Whether a run keeps what a viewer needs (trace, checkpoints) or runs as fast as it can.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Recording {
    /// Keep the trace and checkpoints.
    Full,
    /// Keep neither; monitors still run. For fuzzing.
    Quiet,
}

/// A network lab's findings for `sim`, led by a word on a run that reached
/// [`crate::MAX_EVENTS`], [`crate::MAX_RECORDS`] or [`crate::MEMORY_STOP`]: what the command
/// line prints and the page shows.
pub fn all_findings<L: NetworkLab>(sim: &SimOf<L>) -> Vec<Finding> {
    let mut findings = L::findings(sim);
    if sim.stopped() {
        findings.insert(0, stopped_at::<L>(sim));
    }
    findings
}

/// One narrated event as a line of text: the moment right-aligned, then what happened. The
/// command line's `--narrate` and the browser's trace download write these.
pub fn narration_line(when: &str, what: &str) -> String {
    format!("{when:>9}  {what}\n")
}

/// The heading of the finding on a run that stopped at a limit.
pub const STOPPED: &str = "Stopped";

fn stopped_at<L: NetworkLab>(sim: &SimOf<L>) -> Finding {
    let (events, now) = (sim.steps(), sim.now());
    let records = sim.trace().len();
    let why = if events >= crate::MAX_EVENTS {
        "that is the most events one run may take".to_string()
    } else if records * 2 > crate::MAX_RECORDS {
        format!("its trace holds {records} records, the most memory one run may take")
    } else {
        format!(
            "by then it holds about {} MiB, the most memory one run may take",
            sim.memory_held() >> 20
        )
    };
    Finding {
        heading: STOPPED,
        lines: vec![format!(
            "this run stops at {events} events, at {now}: {why}. Shorten the run, or use fewer \
             nodes, slower timers or shorter latencies, to see it to its end."
        )],
    }
}

/// A named scenario with a sentence on what it shows.
#[derive(Clone, Debug)]
pub struct Preset<S> {
    /// The name in links and on the command line.
    pub slug: &'static str,
    /// The name in menus.
    pub title: &'static str,
    /// What to watch for.
    pub description: &'static str,
    /// The properties the run breaks though no bug is on: its faults go beyond what the
    /// protocol assumes (a clock that jumps under Redlock, a pause under Bully). Empty for
    /// most; a preset that turns a bug on breaks what its bug breaks.
    pub breaks: &'static [&'static str],
    /// The run.
    pub scenario: S,
}

/// The place among `presets` of the one whose run is `scenario`, if any: a link to an untouched
/// preset opens as that preset.
pub fn preset_of<S: PartialEq>(presets: &[Preset<S>], scenario: &S) -> Option<usize> {
    presets
        .iter()
        .position(|preset| preset.scenario == *scenario)
}

/// What a lab reports beyond pass or fail: a heading and its lines ("Leaders by term":
/// "term 1: n2"). The command line prints them and the browser shows them under the checks.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// What the lines are about.
    pub heading: &'static str,
    /// One line each.
    pub lines: Vec<String>,
}

/// What a finished run amounts to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Report {
    /// The lab's slug.
    pub lab: &'static str,
    /// The seed.
    pub seed: u64,
    /// Virtual time at the end (for a step lab, the number of steps).
    pub ended_at: Time,
    /// How many events ran.
    pub steps: u64,
    /// How many trace records there are.
    pub records: usize,
    /// The trace hash: equal hashes mean identical runs.
    #[serde(serialize_with = "hex")]
    pub trace_hash: u64,
    /// Every violation found.
    pub violations: Vec<Violation>,
    /// The lab's findings.
    pub findings: Vec<Finding>,
}

fn hex<S: serde::Serializer>(hash: &u64, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&format!("{hash:016x}"))
}

/// How a lab is fuzzed: the scenario it starts from, and the run for each seed.
pub struct Fuzzing<S> {
    /// The lab's fuzzing settings before any are changed (`netsplit fuzz LAB --set k=v`).
    pub template: S,
    /// The run for one seed with the template's settings, with random faults or without.
    pub case: fn(seed: u64, template: &S, faults: bool) -> S,
}

/// A lab: everything the registry, the command line and the tests need to know of it.
///
/// Protocols on this engine implement [`NetworkLab`] instead and get this trait from it.
pub trait Lab: Sized + 'static {
    /// Who the lab is.
    const ABOUT: About;
    /// Everything that determines one run.
    type Scenario: Clone + fmt::Debug + PartialEq + Serialize + DeserializeOwned + 'static;
    /// A scenario started.
    type Run: Clone;
    /// What the run records, one entry per event (the downloadable trace).
    type Record: Serialize;

    /// Refuses anything out of range, saying what is allowed.
    fn validate(scenario: &Self::Scenario) -> Result<(), ScenarioError>;
    /// Builds the run of a validated scenario.
    fn build(scenario: &Self::Scenario, recording: Recording) -> Self::Run;
    /// The seed of the scenario's random choices.
    fn seed(scenario: &Self::Scenario) -> u64;
    /// How long the scenario lasts (a step lab: a millisecond per step).
    fn duration(scenario: &Self::Scenario) -> Span;
    /// Runs every event up to `t` (a step lab: takes the first `t` steps).
    fn run_until(run: &mut Self::Run, t: Time);
    /// The run so far, with its trace hash, violations and findings.
    fn report(run: &Self::Run) -> Report;
    /// What the run has recorded.
    fn records(run: &Self::Run) -> &[Self::Record];
    /// Every recorded event in plain words, (when, what), one at a time so that a long trace
    /// is written as it is narrated.
    fn narrate(run: &Self::Run) -> impl Iterator<Item = (String, String)> + '_;
    /// The lab's ready-made scenarios; the first is its default.
    fn presets() -> Vec<Preset<Self::Scenario>>;
    /// The heaviest runs the lab's ranges allow, one for each way a run can cost (the most
    /// nodes, the fastest timers, the widest latencies, the most actions), each to be played to
    /// its end: the adversarial corpus. Each is refused by [`Lab::validate`] with a sentence
    /// naming the limits, or runs within [`crate::MAX_EVENTS`] and [`crate::MEMORY_BUDGET`].
    fn heaviest() -> Vec<Self::Scenario>;

    /// The bug toggle a scenario turns on, if any: its runs are expected to break a property.
    fn bug(_scenario: &Self::Scenario) -> Option<&'static str> {
        None
    }
    /// Changes one setting by name, from text (`nodes`, `5`); refuses what it cannot read.
    /// Ranges are checked by [`Lab::validate`].
    fn set(_scenario: &mut Self::Scenario, key: &str, _value: &str) -> Result<(), String> {
        Err(format!(
            "the {} lab has no setting \"{key}\"",
            Self::ABOUT.title
        ))
    }
    /// How the lab is fuzzed; `None` for a lab whose runs have no random faults.
    fn fuzzing() -> Option<Fuzzing<Self::Scenario>> {
        None
    }
    /// Reads a scenario that a share link wrote with encoding `version` (at most
    /// [`About::version`]) and returns it with the bytes after it.
    fn decode(version: u8, bytes: &[u8]) -> Result<(Self::Scenario, &[u8]), postcard::Error> {
        debug_assert_eq!(version, Self::ABOUT.version, "older versions need a reader");
        postcard::take_from_bytes(bytes)
    }

    /// Validates the scenario and builds its run.
    fn start(scenario: &Self::Scenario, recording: Recording) -> Result<Self::Run, ScenarioError> {
        Self::validate(scenario)?;
        Ok(Self::build(scenario, recording))
    }
    /// Runs the scenario to its end and reports.
    fn run(scenario: &Self::Scenario, recording: Recording) -> Result<Report, ScenarioError> {
        let mut run = Self::start(scenario, recording)?;
        Self::run_until(&mut run, Time::ZERO + Self::duration(scenario));
        Ok(Self::report(&run))
    }
}

/// A run of a lab on the engine: parameters, links, seed, timed actions and length.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LabScenario<P, C> {
    /// The seed of the run's random generator.
    pub seed: u64,
    /// The lab's parameters.
    pub params: P,
    /// How every link behaves at the start.
    pub links: Link,
    /// What the user does, and when.
    pub actions: Vec<Timed<Action<C>>>,
    /// How long the run lasts.
    pub duration: Span,
}

impl<P, C> LabScenario<P, C> {
    /// How many of its actions come before its end: the ones a run takes.
    pub fn actions_taken(&self) -> u64 {
        self.actions
            .iter()
            .filter(|a| a.at.0 < self.duration.0)
            .count() as u64
    }

    /// A ready-made run: seed 1, calm default links, `actions`, `seconds` long.
    pub fn preset(params: P, actions: Vec<Timed<Action<C>>>, seconds: u64) -> Self {
        LabScenario {
            seed: 1,
            params,
            links: Link::default(),
            actions,
            duration: Span::secs(seconds),
        }
    }
}

/// The scenario of network lab `L`.
pub type ScenarioOf<L> = LabScenario<<L as NetworkLab>::Params, CommandOf<L>>;
/// The command type of network lab `L`.
pub type CommandOf<L> = <<L as NetworkLab>::Node as Node>::Command;
/// The simulator of network lab `L`.
pub type SimOf<L> = Sim<<L as NetworkLab>::Node, <L as NetworkLab>::Monitor>;

/// A lab whose protocol runs on this engine. Every such lab is a [`Lab`].
pub trait NetworkLab: Sized + 'static {
    /// Who the lab is.
    const ABOUT: About;
    /// The properties the monitor checks: (name, what it means). A violation names one.
    const PROPERTIES: &'static [(&'static str, &'static str)];
    /// The protocol's node.
    type Node: Node<Command: PartialEq>;
    /// The protocol's monitor.
    type Monitor: Monitor<Self::Node> + fmt::Debug;
    /// The lab's parameters.
    type Params: Copy + fmt::Debug + PartialEq + Serialize + DeserializeOwned + 'static;

    /// The properties that apply to a run with `params` (by default all of them): a lab of
    /// several protocols checks each by its own.
    fn checks(_params: &Self::Params) -> &'static [(&'static str, &'static str)] {
        Self::PROPERTIES
    }
    /// How many nodes the parameters ask for.
    fn nodes(params: &Self::Params) -> usize;
    /// Refuses parameters out of range, naming the allowed range.
    fn validate_params(params: &Self::Params) -> Result<(), String>;
    /// Refuses commands the lab's nodes cannot take (the generic checks of every action have
    /// passed already).
    fn validate_commands(_scenario: &ScenarioOf<Self>) -> Result<(), ScenarioError> {
        Ok(())
    }
    /// The simulator for these parameters, links and seed, with nothing scheduled.
    fn build(params: &Self::Params, links: Link, seed: u64) -> SimOf<Self>;
    /// Changes one parameter by name, from text; refuses what it cannot read.
    fn set_param(params: &mut Self::Params, key: &str, value: &str) -> Result<(), String>;
    /// The bug toggle the parameters turn on, if any.
    fn bug(params: &Self::Params) -> Option<&'static str>;
    /// How many events the run is expected to take, from its settings alone, before it runs:
    /// the protocol's traffic at its busiest over the run's length (see [`over`]) and what its
    /// actions set off, with the links' copies ([`with_copies`]). A run expected to take more
    /// than [`EVENT_BUDGET`], or to hold more than [`IN_FLIGHT_BUDGET`] messages at once
    /// ([`expected_in_flight`]), is refused; a test holds the estimate to the events runs take.
    fn expected_events(scenario: &ScenarioOf<Self>) -> u64;
    /// The parameters a run's cost depends on, for the advice with a refusal.
    fn knobs() -> Vec<Knob<Self::Params>>;
    /// What the monitor found beyond pass or fail.
    fn findings(sim: &SimOf<Self>) -> Vec<Finding>;
    /// The lab's ready-made scenarios; the first is its default.
    fn presets() -> Vec<Preset<ScenarioOf<Self>>>;
    /// The parameters fuzzing starts from.
    fn fuzz_params() -> Self::Params;
    /// A run for fuzzing: the lab's own traffic and, with `faults`, random faults (drawn ahead
    /// with [`crate::random_faults`], then aimed with [`provoke`]).
    fn fuzz(seed: u64, params: Self::Params, faults: bool) -> ScenarioOf<Self>;
    /// The costliest settings the lab's ranges allow (the most nodes, the fastest timers), for
    /// [`Lab::heaviest`].
    fn heaviest_params() -> Vec<Self::Params>;
    /// The `i`th of the most actions a scenario may hold, for [`Lab::heaviest`]: by default a
    /// crash or a restart; a lab with client commands sends one.
    fn busy_action(params: &Self::Params, i: usize) -> Action<CommandOf<Self>> {
        let node = NodeId((i / 2 % Self::nodes(params)) as u16);
        if i.is_multiple_of(2) {
            Action::Crash(node)
        } else {
            Action::Restart(node)
        }
    }
    /// The lab's nemesis: after each step of a fuzz run, faults aimed at what the step did
    /// (`step` holds its records; `nodes` are the nodes right after it). None by default.
    fn aim(
        _step: &[Record<Self::Node>],
        _nodes: &[Slot<Self::Node>],
        _rng: &mut Rng,
    ) -> Vec<Strike<CommandOf<Self>>> {
        Vec::new()
    }
}

/// Plays `scenario` with a nemesis until `faults_until` and returns it with every action the
/// nemesis added, in the order they ran, so that it replays exactly. The nemesis holds one
/// message in forty for up to half a second, which reorders it among the others, and makes the
/// strikes [`NetworkLab::aim`] asks for.
pub fn provoke<L: NetworkLab>(scenario: ScenarioOf<L>, faults_until: Time) -> ScenarioOf<L> {
    provoke_with::<L>(scenario, faults_until, true, L::aim)
}

/// The strikes a nemesis makes after a step: [`NetworkLab::aim`], or another aim of the lab's.
pub type Aim<L> = fn(
    &[Record<<L as NetworkLab>::Node>],
    &[Slot<<L as NetworkLab>::Node>],
    &mut Rng,
) -> Vec<Strike<CommandOf<L>>>;

/// [`provoke`] with the lab's own `aim`, and without holding messages unless `reorder`: a
/// protocol proved for links of bounded delay is fuzzed on them.
pub fn provoke_with<L: NetworkLab>(
    mut scenario: ScenarioOf<L>,
    faults_until: Time,
    reorder: bool,
    aim: Aim<L>,
) -> ScenarioOf<L> {
    let mut sim = L::build(&scenario.params, scenario.links, scenario.seed).with_checkpoints(None);
    for timed in &scenario.actions {
        sim.schedule(timed.at, timed.action.clone());
    }
    let mut rng = Rng::seeded(scenario.seed ^ 0x006e_656d_6573_6973);
    let end = Time::ZERO + scenario.duration;
    let mut read = 0;
    while sim
        .next_event_time()
        .is_some_and(|t| t <= end.min(faults_until))
        && sim.step()
    {
        let now = sim.now();
        let step = &sim.trace().records()[read..];
        read = sim.trace().len();
        let mut strikes = Vec::new();
        for record in step.iter().filter(|_| reorder) {
            if let TraceEvent::Sent { id, .. } = record.event
                && sim.message(id).is_some()
                && rng.below(40) == 0
            {
                strikes.push(Strike::Delay {
                    message: id,
                    lasting: Span(1 + rng.below(500)),
                });
            }
        }
        strikes.extend(aim(step, sim.nodes(), &mut rng));
        let mut actions: Vec<Timed<Action<CommandOf<L>>>> = Vec::new();
        for strike in strikes {
            // A message the network dropped as it was sent cannot be held, nor one held twice.
            if let Strike::Delay { message, .. } = strike {
                let held = Action::HoldMessage(message);
                if sim.message(message).is_none() || actions.iter().any(|a| a.action == held) {
                    continue;
                }
            }
            actions.extend(strike.actions(now, faults_until));
        }
        if sim.script().len() + actions.len() > MAX_ACTIONS {
            break;
        }
        for timed in actions {
            sim.schedule(timed.at, timed.action);
        }
    }
    scenario.actions = sim.script().to_vec();
    scenario
}

impl<L: NetworkLab> Lab for L {
    const ABOUT: About = <L as NetworkLab>::ABOUT;
    type Scenario = ScenarioOf<L>;
    type Run = Box<SimOf<L>>;
    type Record = Record<L::Node>;

    fn validate(s: &ScenarioOf<L>) -> Result<(), ScenarioError> {
        L::validate_params(&s.params)?;
        validate_actions(s, L::nodes(&s.params))?;
        L::validate_commands(s)?;
        within_budget::<L>(s)
    }

    fn build(s: &ScenarioOf<L>, recording: Recording) -> Box<SimOf<L>> {
        let sim = L::build(&s.params, s.links, s.seed);
        let mut sim = match recording {
            Recording::Full => sim,
            Recording::Quiet => sim.without_trace().with_checkpoints(None),
        };
        for timed in &s.actions {
            sim.schedule(timed.at, timed.action.clone());
        }
        Box::new(sim)
    }

    fn seed(s: &ScenarioOf<L>) -> u64 {
        s.seed
    }

    fn duration(s: &ScenarioOf<L>) -> Span {
        s.duration
    }

    fn run_until(sim: &mut Box<SimOf<L>>, t: Time) {
        sim.run_until(t);
    }

    fn report(sim: &Box<SimOf<L>>) -> Report {
        Report {
            lab: <L as NetworkLab>::ABOUT.slug,
            seed: sim.seed(),
            ended_at: sim.now(),
            steps: sim.steps(),
            records: sim.trace().len(),
            trace_hash: sim.trace().hash(),
            violations: sim.violations().to_vec(),
            findings: all_findings::<L>(sim),
        }
    }

    fn records(sim: &Box<SimOf<L>>) -> &[Record<L::Node>] {
        sim.trace().records()
    }

    fn narrate(sim: &Box<SimOf<L>>) -> impl Iterator<Item = (String, String)> + '_ {
        sim.trace()
            .records()
            .iter()
            .map(|r| (r.at.to_string(), r.event.to_string()))
    }

    fn presets() -> Vec<Preset<ScenarioOf<L>>> {
        <L as NetworkLab>::presets()
    }

    /// For each of the lab's heaviest settings, an hour: on the fastest links, on the slowest,
    /// and with the most actions a scenario may hold spread over it on links of up to 10 s
    /// (whose messages pile up in flight); each hour that is refused also with its links made
    /// as fast and its length as short as it takes to be accepted.
    fn heaviest() -> Vec<ScenarioOf<L>> {
        let fastest = Link {
            latency_min: Span(0),
            latency_max: Span(1),
            ..Link::default()
        };
        let slowest = Link {
            latency_min: Span(0),
            latency_max: Span::secs(60),
            ..Link::default()
        };
        let piling = Link {
            latency_max: Span::secs(10),
            ..slowest
        };
        let mut corpus = Vec::new();
        for params in L::heaviest_params() {
            let scenario = |links, actions| LabScenario {
                seed: 1,
                params,
                links,
                actions,
                duration: MAX_DURATION,
            };
            let every = MAX_DURATION.0 / MAX_ACTIONS as u64;
            let busy = (0..MAX_ACTIONS)
                .map(|i| Timed {
                    at: Time(every * i as u64),
                    action: L::busy_action(&params, i),
                })
                .collect();
            for hour in [
                scenario(fastest, Vec::new()),
                scenario(slowest, Vec::new()),
                scenario(piling, busy),
            ] {
                if let Some(accepted) = fitted::<L>(&hour).filter(|fit| *fit != hour) {
                    corpus.push(accepted);
                }
                corpus.push(hour);
            }
        }
        corpus
    }

    fn bug(s: &ScenarioOf<L>) -> Option<&'static str> {
        <L as NetworkLab>::bug(&s.params)
    }

    fn set(s: &mut ScenarioOf<L>, key: &str, value: &str) -> Result<(), String> {
        L::set_param(&mut s.params, key, value)
    }

    fn fuzzing() -> Option<Fuzzing<ScenarioOf<L>>> {
        Some(Fuzzing {
            template: L::fuzz(0, L::fuzz_params(), false),
            case: |seed, template, faults| L::fuzz(seed, template.params, faults),
        })
    }
}

/// The checks every network lab's scenario passes: links, duration, the number and order of
/// actions, and that every action names a node of the cluster.
pub fn validate_actions<P, C>(s: &LabScenario<P, C>, nodes: usize) -> Result<(), ScenarioError> {
    s.links.validate().map_err(|e| ScenarioError(e.0))?;
    if s.duration > MAX_DURATION || s.duration == Span(0) {
        return Err(ScenarioError(format!(
            "duration must be between 0.001 s and {MAX_DURATION}, got {}",
            s.duration
        )));
    }
    if s.actions.len() > MAX_ACTIONS {
        return Err(ScenarioError(format!(
            "a scenario holds at most {MAX_ACTIONS} actions, got {}",
            s.actions.len()
        )));
    }
    for (i, timed) in s.actions.iter().enumerate() {
        let node = match &timed.action {
            Action::Crash(n)
            | Action::Restart(n)
            | Action::Command(n, _)
            | Action::Pause(n, _)
            | Action::Drift(n, _)
            | Action::JumpClock(n, _) => Some(*n),
            Action::SetLink(from, to, _) => Some(*from.max(to)),
            Action::Partition(p) => p.0.iter().flatten().copied().max(),
            _ => None,
        };
        if let Some(n) = node.filter(|n| n.index() >= nodes) {
            return Err(ScenarioError(format!(
                "action {} at {} names {n}, but the cluster has nodes n0 to n{}",
                i + 1,
                timed.at,
                nodes - 1
            )));
        }
        if let Action::SetLinks(link) | Action::SetLink(_, _, link) = &timed.action {
            link.validate()
                .map_err(|e| ScenarioError(format!("action {} at {}: {e}", i + 1, timed.at)))?;
        }
        if let Err(reason) = crate::clock::check_process_action(&timed.action) {
            return Err(ScenarioError(format!(
                "action {} at {}: {reason}",
                i + 1,
                timed.at
            )));
        }
        if i > 0 && timed.at < s.actions[i - 1].at {
            return Err(ScenarioError(format!(
                "action {} at {} comes before the action listed ahead of it",
                i + 1,
                timed.at
            )));
        }
    }
    Ok(())
}

/// A scenario run to its end under variants of its settings, one run after another and a slice
/// of events at a time, for a lab's comparison (the CRDT lab's set types, the Transactions lab's
/// protocols): the page works on it between frames and never holds one for long.
pub struct Replays<L: NetworkLab, K> {
    end: Time,
    runs: Vec<Replayed<L, K>>,
    /// How many of the runs are at the end.
    finished: usize,
}

/// One of [`Replays`]: its variant, and its run.
pub type Replayed<L, K> = (K, Box<SimOf<L>>);

impl<L: NetworkLab, K> Replays<L, K> {
    /// The runs of `scenario` with each variant's parameters, at their start, quiet.
    pub fn new(
        scenario: &ScenarioOf<L>,
        variants: impl IntoIterator<Item = (K, L::Params)>,
    ) -> Result<Replays<L, K>, ScenarioError> {
        let runs = variants
            .into_iter()
            .map(|(key, params)| {
                let mut run = scenario.clone();
                run.params = params;
                Ok((key, <L as Lab>::start(&run, Recording::Quiet)?))
            })
            .collect::<Result<_, ScenarioError>>()?;
        Ok(Replays {
            end: Time::ZERO + scenario.duration,
            runs,
            finished: 0,
        })
    }

    /// Runs at most `events` more events; true once every run is at the end.
    pub fn go(&mut self, mut events: u64) -> bool {
        while let Some((_, sim)) = self.runs.get_mut(self.finished) {
            let before = sim.steps();
            if !sim.run_toward(self.end, events) {
                return false;
            }
            events = events.saturating_sub(sim.steps() - before);
            self.finished += 1;
        }
        true
    }

    /// How much of the way is gone, from 0 to 1.
    pub fn done(&self) -> f64 {
        let current = self.runs.get(self.finished).map_or(0.0, |(_, sim)| {
            sim.now().0 as f64 / self.end.0.max(1) as f64
        });
        (self.finished as f64 + current) / self.runs.len().max(1) as f64
    }

    /// Every run at its end, with its variant, once all are.
    pub fn ended(&self) -> Option<&[Replayed<L, K>]> {
        (self.finished == self.runs.len()).then_some(&self.runs[..])
    }
}

/// The run of `scenario`, recorded in full and played to its end; for tests.
///
/// # Panics
/// When the scenario is refused.
pub fn run_to_end<L: Lab>(scenario: &L::Scenario) -> L::Run {
    let mut run = L::start(scenario, Recording::Full).expect("the scenario is valid");
    L::run_until(&mut run, Time::ZERO + L::duration(scenario));
    run
}

/// The preset of lab `L` called `slug`.
pub fn preset<L: Lab>(slug: &str) -> Option<Preset<L::Scenario>> {
    L::presets().into_iter().find(|p| p.slug == slug)
}

/// The first seed whose run broke an invariant.
#[derive(Clone, Debug)]
pub struct Failure<S> {
    /// The seed.
    pub seed: u64,
    /// The scenario that replays it.
    pub scenario: S,
    /// The first violation.
    pub violation: Violation,
}

/// What a fuzzing run found.
#[derive(Clone, Debug)]
pub struct FuzzOutcome<S> {
    /// How many seeds ran.
    pub seeds_run: u64,
    /// The first failure, if any; fuzzing stops there.
    pub failure: Option<Failure<S>>,
}

/// Runs the scenario `make` builds for each seed, quietly, until one breaks an invariant.
///
/// # Panics
/// When `make` builds an invalid scenario.
pub fn fuzz<L: Lab>(
    seeds: Range<u64>,
    make: impl Fn(u64) -> L::Scenario,
) -> FuzzOutcome<L::Scenario> {
    let mut seeds_run = 0;
    for seed in seeds {
        let scenario = make(seed);
        let report = L::run(&scenario, Recording::Quiet).expect("fuzz scenarios are valid");
        seeds_run += 1;
        if let Some(violation) = report.violations.into_iter().next() {
            return FuzzOutcome {
                seeds_run,
                failure: Some(Failure {
                    seed,
                    scenario,
                    violation,
                }),
            };
        }
    }
    FuzzOutcome {
        seeds_run,
        failure: None,
    }
}

/// The first of `seeds` whose run breaks `property`, with the violation; for tests that name
/// the property a bug must trip.
///
/// # Panics
/// When `make` builds an invalid scenario.
pub fn first_breaking<L: Lab>(
    seeds: Range<u64>,
    property: &str,
    make: impl Fn(u64) -> L::Scenario,
) -> Option<Failure<L::Scenario>> {
    seeds.into_iter().find_map(|seed| {
        let scenario = make(seed);
        let report = L::run(&scenario, Recording::Quiet).expect("fuzz scenarios are valid");
        let violation = report
            .violations
            .into_iter()
            .find(|v| v.property == property)?;
        Some(Failure {
            seed,
            scenario,
            violation,
        })
    })
}

/// `name` among `names`, refusing an unknown name with the list of known ones
/// ("no bug named \"x\"; the bugs are a, b").
pub fn named<T: Copy>(
    what: &str,
    name: &str,
    all: &[T],
    name_of: impl Fn(T) -> &'static str,
) -> Result<T, String> {
    all.iter()
        .copied()
        .find(|&t| name_of(t) == name)
        .ok_or_else(|| {
            let names: Vec<&str> = all.iter().map(|&t| name_of(t)).collect();
            format!(
                "no {what} named \"{name}\"; the {what}s are {}",
                names.join(", ")
            )
        })
}

/// A bug toggle by name: `none` (or nothing) turns it off.
pub fn named_bug<B: Copy>(
    name: &str,
    all: &[B],
    name_of: impl Fn(B) -> &'static str,
) -> Result<Option<B>, String> {
    match name.trim() {
        "" | "none" => Ok(None),
        name => named("bug", name, all, name_of).map(Some),
    }
}

/// The whole number in `value`, or a sentence saying that `key` takes one.
pub fn whole_number(key: &str, value: &str) -> Result<u64, String> {
    value
        .trim()
        .parse()
        .map_err(|_| format!("{key} takes a whole number, got \"{value}\""))
}

/// `action` at `ms` milliseconds, for writing presets.
pub fn at<C>(ms: u64, action: Action<C>) -> Timed<Action<C>> {
    Timed {
        at: Time(ms),
        action,
    }
}

/// A partition that cuts `nodes` off from the rest, for writing presets.
pub fn cut_off<C>(nodes: &[u16]) -> Action<C> {
    Action::Partition(crate::Partition(vec![
        nodes.iter().map(|&n| NodeId(n)).collect(),
    ]))
}
