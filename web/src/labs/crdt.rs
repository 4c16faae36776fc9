//! The CRDT lab: replicas edit apart, gossip their states, merge and converge; every state
//! drawn whole, and the set types compared on the same operations.

use netsplit_labs::crdt::types::{Counts, Tag};
use netsplit_labs::crdt::{
    Bug, Command, CrdtLab, Kind, Msg, Op, Params, Replica, SetComparison, SetOutcome, State, Timer,
};
use netsplit_sim::{Action, NodeId, Slot};
use std::cell::RefCell;
use std::collections::BTreeSet;
use yew::prelude::*;

use crate::kit::compare::{self, Comparing, Kept};
use crate::kit::field::Fields;
use crate::kit::spec::{LabSpec, NodeAction, NodeLook, ScenarioOf, SimOf};
use crate::session::Selection;

/// What makes the CRDT lab.
pub struct CrdtSpec;

/// How long a card stays marked after a merge changed it, in virtual milliseconds.
const FRESH_MS: u64 = 1500;

impl LabSpec for CrdtSpec {
    type Lab = CrdtLab;

    const FIELDS: &'static [&'static str] = &["type", "replicas", "period", "bug"];
    const SHORTCUTS: &'static [(&'static str, &'static str)] = &[
        (
            "a",
            "the selected replica increments, adds or sets the next letter",
        ),
        (
            "x",
            "the selected replica decrements, or removes its first element",
        ),
        (
            "y",
            "the selected replica sends its state to the next replica now",
        ),
    ];
    const STAGE_LABEL: &'static str =
        "Replicas on a ring, each with its value; dots are states on their way to be merged";

    fn intro() -> Html {
        html! {
            <>
                <h1>{ "CRDTs" }</h1>
                <p>
                    { "Each replica updates its own copy at once, without asking anyone, and now and then sends \
                       its whole state to a peer, which merges it. Merging is the least upper bound of a \
                       lattice: commutative, associative and idempotent, so replicas that saw the same \
                       updates hold the same state, however the merges were ordered, grouped or repeated." }
                </p>
            </>
        }
    }

    fn params_panel(params: &Params, fields: &Fields) -> Html {
        let kinds: Vec<(&'static str, &'static str)> = Kind::ALL
            .iter()
            .map(|k| (k.name(), kind_label(*k)))
            .collect();
        let (r_lo, r_hi) = Params::REPLICAS.into_inner();
        let (_, p_hi) = Params::PERIOD_MS.into_inner();
        let mut bugs = vec![("none", "none (correct merges)")];
        bugs.extend(
            Bug::ALL
                .iter()
                .filter(|b| b.applies_to(params.kind))
                .map(|b| (b.name(), b.name())),
        );
        html! {
            <>
                { fields.menu("type", "data type", &kinds, params.kind.name()) }
                { fields.number("replicas", "replicas", params.replicas as u64, r_lo as u64, r_hi as u64) }
                { fields.number("period", "anti-entropy period (ms, 0 = off)", params.period.as_millis(), 0, p_hi) }
                { fields.menu("bug", "bug toggle", &bugs, params.bug.map_or("none", Bug::name)) }
                if let Some(bug) = params.bug {
                    <p class="hint">{ bug.describe() }</p>
                }
            </>
        }
    }

    fn node_look(sim: &SimOf<Self>, slot: &Slot<Replica>, id: NodeId, now: f64) -> NodeLook {
        let params = sim.config();
        let value = slot.node().state().value();
        let timer = slot
            .timer_due(&Timer::AntiEntropy)
            .map(|due| (due.0 as f64 - now).max(0.0) / params.period.as_millis().max(1) as f64);
        let behind = slot.node().state() != sim.monitor().target();
        NodeLook {
            caption: short(&value),
            description: if slot.is_up() {
                format!(
                    "{id}, {} {value}{}",
                    params.kind,
                    if behind {
                        ", not yet holding every update"
                    } else {
                        ", up to date"
                    }
                )
            } else {
                format!("{id}, crashed (its state is kept)")
            },
            badge: None,
            timer,
            tint: None,
        }
    }

    fn message_look(_: &Msg) -> (&'static str, &'static str) {
        ("S", "state")
    }

    fn message_tag(msg: &Msg) -> Option<String> {
        let Msg::State(state) = msg;
        Some(short(&state.value()))
    }

    fn node_actions(sim: &SimOf<Self>, id: NodeId) -> Vec<NodeAction<Command>> {
        let params = sim.config();
        let written = sim
            .script()
            .iter()
            .filter(|t| {
                matches!(
                    t.action,
                    Action::Command(_, Command::Apply(Op::Add(_) | Op::Set(_)))
                )
            })
            .count();
        let next = char::from(b'a' + (written % 26) as u8);
        let apply = |label: String, key: &'static str, op: Op| NodeAction {
            label,
            key,
            action: Action::Command(id, Command::Apply(op)),
        };
        let mut actions = Vec::new();
        for op in params.kind.ops(next) {
            match op {
                Op::Increment => actions.push(apply("Increment".into(), "a", op)),
                Op::Decrement => actions.push(apply("Decrement".into(), "x", op)),
                Op::Add(x) => actions.push(apply(format!("Add {x}"), "a", op)),
                Op::Set(x) => actions.push(apply(format!("Set {x}"), "a", op)),
                // A removal of every element present, the first on the keyboard.
                Op::Remove(_) => {
                    for (i, x) in present(sim.slot(id).node().state()).into_iter().enumerate() {
                        let key = if i == 0 { "x" } else { "" };
                        actions.push(apply(format!("Remove {x}"), key, Op::Remove(x)));
                    }
                }
            }
        }
        // A sync to every other replica, the next one first and on the keyboard.
        for step in 1..params.replicas as u16 {
            let peer = NodeId((id.0 + step) % params.replicas as u16);
            actions.push(NodeAction {
                label: format!("Sync {id} → {peer}"),
                key: if step == 1 { "y" } else { "" },
                action: Action::Command(id, Command::SyncTo(peer)),
            });
        }
        actions
    }

    fn node_details(sim: &SimOf<Self>, id: NodeId) -> Html {
        let node = sim.slot(id).node();
        let row = |name: &'static str, value: String| html! { <tr><th scope="row">{ name }</th><td>{ value }</td></tr> };
        html! {
            <table class="members">
                <caption>{ "replica · its state is kept across crashes" }</caption>
                <tbody>
                    { row("value", node.state().value()) }
                    { row("state", node.state().to_string()) }
                    { row("size", entries(node.state().entries())) }
                    { row("last merge", node.last_merge().map_or("none yet".into(), |m| format!("{}'s state at {} (before it: {})", m.from, m.at, m.before.value()))) }
                </tbody>
            </table>
        }
    }

    fn below_stage(sim: &SimOf<Self>, scenario: &ScenarioOf<Self>, selected: Selection) -> Html {
        let now = sim.now();
        let target = sim.monitor().target();
        let cards = sim.nodes().iter().enumerate().map(|(i, slot)| {
            let id = NodeId(i as u16);
            let node = slot.node();
            let fresh = node
                .last_merge()
                .filter(|m| now.since(m.at).as_millis() < FRESH_MS);
            let class = classes!(
                "replica-card",
                (!slot.is_up()).then_some("down"),
                (selected == Selection::Node(id)).then_some("selected"),
                fresh.is_some().then_some("fresh"),
                (node.state() == target).then_some("current"),
            );
            html! {
                <li {class}>
                    <h3>{ id.to_string() }{ if slot.is_up() { "" } else { " (down)" } }</h3>
                    <p class="value">{ node.state().value() }</p>
                    { state_view(node.state(), fresh.map(|m| &m.before)) }
                    <p class="size">{ entries(node.state().entries()) }</p>
                    if let Some(merge) = fresh {
                        <p class="merged-from">{ format!("merged {}'s state: {} → {}", merge.from, merge.before.value(), node.state().value()) }</p>
                    }
                </li>
            }
        });
        html! {
            <>
                <section class="panel replicas" aria-labelledby="replicas-title">
                    <h2 id="replicas-title">{ format!("Replicas: {}", scenario.params.kind) }</h2>
                    <p class="hint">{ "Each card draws the whole state. New parts after a merge are underlined, and the card says whose state it merged; a solid border means the replica holds the merge of every update made so far." }</p>
                    <ul class="cards">{ for cards }</ul>
                </section>
                { comparison(scenario) }
            </>
        }
    }

    fn legend() -> Html {
        html! {
            <>
                <span class="key state">{ "S" }</span>{ " a replica's state on its way to be merged (tagged with its value) " }
                <span class="key held">{ "‖" }</span>{ " held " }
                <span class="key flag">{ "!" }</span>{ " named in a violation" }
            </>
        }
    }

    /// The comparison of set types replays the whole scenario four times: a slice at a time.
    fn side_work(scenario: &ScenarioOf<Self>, more: &mut dyn FnMut() -> bool) -> bool {
        compare(scenario, more)
    }
}

fn kind_label(kind: Kind) -> &'static str {
    match kind {
        Kind::GCounter => "G-Counter (grow-only counter)",
        Kind::PnCounter => "PN-Counter (increment and decrement)",
        Kind::GSet => "G-Set (grow-only set)",
        Kind::TwoPhaseSet => "2P-Set (remove is final)",
        Kind::OrSet => "OR-Set (add wins)",
        Kind::OptimizedOrSet => "Optimized OR-Set (add wins, no tombstones)",
        Kind::LwwSet => "LWW set (last writer's whole set)",
        Kind::LwwRegister => "LWW-Register (last writer wins)",
        Kind::MvRegister => "MV-Register (keeps concurrent values)",
    }
}

/// At most 14 characters of a value, for captions and message tags.
fn short(value: &str) -> String {
    if value.chars().count() <= 14 {
        value.to_string()
    } else {
        format!("{}…", value.chars().take(13).collect::<String>())
    }
}

/// The elements a set-like state holds now.
fn present(state: &State) -> BTreeSet<char> {
    match state {
        State::TwoPhaseSet(s) => s.value(),
        State::OrSet(s) => s.value(),
        State::OptimizedOrSet(s) => s.value(),
        State::LwwSet(r) => r.value().cloned().unwrap_or_default(),
        State::GSet(s) => s.elements.clone(),
        _ => BTreeSet::new(),
    }
}

/// A replica's whole state, drawn; parts that `before` lacked are marked new.
fn state_view(state: &State, before: Option<&State>) -> Html {
    let was = |part: &dyn Fn(&State) -> bool| before.is_some_and(|b| !part(b));
    match state {
        State::GCounter(c) => slots("slots", &c.counts, before.map(|b| match b {
            State::GCounter(o) => o.counts.clone(),
            _ => Counts::default(),
        })),
        State::PnCounter(c) => {
            let old = before.and_then(|b| match b {
                State::PnCounter(o) => Some(o.clone()),
                _ => None,
            });
            html! {
                <>
                    { slots("increments (P)", &c.up.counts, old.as_ref().map(|o| o.up.counts.clone())) }
                    { slots("decrements (N)", &c.down.counts, old.as_ref().map(|o| o.down.counts.clone())) }
                </>
            }
        }
        State::GSet(s) => chips(s.elements.iter().map(|&x| {
            let new = was(&|b| present(b).contains(&x));
            (x.to_string(), new, false)
        })),
        State::TwoPhaseSet(s) => chips(s.added.iter().map(|&x| {
            let removed = s.removed.contains(&x);
            let new = was(&|b| matches!(b, State::TwoPhaseSet(o) if o.added.contains(&x) && o.removed.contains(&x) == removed));
            (x.to_string(), new, removed)
        })),
        State::OrSet(s) => {
            let rows = s.additions.iter().map(|(&x, tags)| {
                let live = s.live_tags(x).next().is_some();
                let tags = tags.iter().map(|t| {
                    let dead = s.tombstones.contains(t);
                    let new = was(&|b| matches!(b, State::OrSet(o) if o.additions.get(&x).is_some_and(|ts| ts.contains(t)) && o.tombstones.contains(t) == dead));
                    tag_view("tag", *t, dead, new)
                });
                html! {
                    <li class={classes!("element", (!live).then_some("gone"))}>
                        <strong>{ x }</strong>{ " " }{ for tags }
                    </li>
                }
            });
            html! { <ul class="tags">{ for rows }</ul> }
        }
        State::OptimizedOrSet(s) => {
            let rows = s.dots.iter().map(|(&x, dots)| {
                let dots = dots.iter().map(|(replica, seq)| {
                    let new = was(&|b| matches!(b, State::OptimizedOrSet(o) if o.dots.get(&x).is_some_and(|d| d.get(replica) == seq)));
                    tag_view("dot", Tag { replica, seq }, false, new)
                });
                html! { <li class="element"><strong>{ x }</strong>{ " " }{ for dots }</li> }
            });
            html! {
                <ul class="tags">
                    { for rows }
                    <li class="hint">{ format!("seen {}", s.seen) }</li>
                </ul>
            }
        }
        State::LwwRegister(r) => match &r.write {
            Some((stamp, v)) => html! { <p class="stamp">{ format!("{v} written at {stamp}") }</p> },
            None => html! { <p class="stamp">{ "never written" }</p> },
        },
        State::LwwSet(r) => match &r.write {
            Some((stamp, _)) => html! { <p class="stamp">{ format!("whole set written at {stamp}") }</p> },
            None => html! { <p class="stamp">{ "never written" }</p> },
        },
        State::MvRegister(r) => {
            let values = r.values.iter().map(|(clock, v)| {
                html! { <li><strong>{ v }</strong>{ format!(" with clock {clock}") }</li> }
            });
            html! {
                <ul class="tags">
                    { for values }
                    if r.values.len() > 1 {
                        <li class="hint">{ "concurrent: neither write saw the other" }</li>
                    }
                </ul>
            }
        }
    }
}

/// A counter's slots as a small table; slots that grew since `before` are marked new.
fn slots(caption: &'static str, counts: &Counts, before: Option<Counts>) -> Html {
    let cells = counts.iter().map(|(replica, count)| {
        let new = before.as_ref().is_some_and(|b| b.get(replica) < count);
        html! { <td class={classes!(new.then_some("new"))} title={format!("{replica}'s slot")}>{ format!("{replica}: {count}") }</td> }
    });
    html! {
        <table class="slots">
            <caption>{ caption }</caption>
            <tbody><tr>{ for cells }</tr></tbody>
        </table>
    }
}

/// Elements as chips: (text, new since the last merge, removed).
fn chips(items: impl Iterator<Item = (String, bool, bool)>) -> Html {
    let items = items.map(|(text, new, removed)| {
        let class = classes!(
            "chip",
            new.then_some("new"),
            removed.then_some("tombstone")
        );
        let label = if removed {
            format!("{text}, removed for good")
        } else {
            text.clone()
        };
        html! { <li {class} aria-label={label}>{ if removed { format!("†{text}") } else { text } }</li> }
    });
    html! { <ul class="chips">{ for items }</ul> }
}

/// A tag (or dot: the optimized OR-Set's name for the same pair) of one addition.
fn tag_view(noun: &str, tag: Tag, dead: bool, new: bool) -> Html {
    let class = classes!("tag", dead.then_some("tombstone"), new.then_some("new"));
    let title = if dead {
        format!("{noun} {tag}, tombstoned by a remove")
    } else {
        format!("{noun} {tag}, live")
    };
    html! { <span {class} {title}>{ if dead { format!("†{tag}") } else { tag.to_string() } }</span> }
}

/// "7 entries": what a state holds, whatever it shows.
fn entries(count: usize) -> String {
    match count {
        1 => "1 entry".into(),
        n => format!("{n} entries"),
    }
}

thread_local! {
    /// The comparison of the scenario on the page, on its way or done.
    static COMPARED: Kept<ScenarioOf<CrdtSpec>, SetComparison> = const { RefCell::new(None) };
}

impl Comparing for SetComparison {
    type Outcome = Vec<SetOutcome>;

    fn go(&mut self, events: u64) -> bool {
        SetComparison::go(self, events)
    }

    fn done(&self) -> f64 {
        SetComparison::done(self)
    }

    fn outcome(&self) -> Vec<SetOutcome> {
        self.outcomes().expect("every run is at its end")
    }
}

/// How many events the comparison runs between asking whether to go on: few, since an OR-Set
/// with its tombstones merges states of thousands of entries late in a long run.
const COMPARE_SLICE: u64 = 100;

/// Goes on with the comparison of `scenario` (from the start if the scenario is new) while
/// `more` says to; true once it is done.
fn compare(scenario: &ScenarioOf<CrdtSpec>, more: &mut dyn FnMut() -> bool) -> bool {
    let start = |s: &ScenarioOf<CrdtSpec>| SetComparison::new(s).map_err(|why| why.to_string());
    compare::work(&COMPARED, scenario, start, COMPARE_SLICE, more)
}

/// The scenario's operations replayed on a 2P-Set, both OR-Sets and an LWW set, side by side.
fn comparison(scenario: &ScenarioOf<CrdtSpec>) -> Html {
    let refused = |why: &str| {
        html! { <p class="hint">{ format!("{why}. Choose a set type (or the add/remove conflict preset) to compare.") }</p> }
    };
    let done = |outcomes: &Vec<SetOutcome>| {
        let cards = outcomes.iter().map(|o| {
            let agreed = o.values.windows(2).all(|w| w[0] == w[1]);
            html! {
                <li class={classes!("replica-card", (o.kind == scenario.params.kind).then_some("selected"))}>
                    <h3>{ o.kind.to_string() }</h3>
                    <p class="value">{ if agreed { o.values[0].clone() } else { o.values.join(" / ") } }</p>
                    <p class="rule">{ o.rule }</p>
                    <p class="size">{ format!("largest state: {}", entries(o.largest_state)) }</p>
                </li>
            }
        });
        html! { <ul class="cards compare">{ for cards }</ul> }
    };
    let body = compare::show(
        &COMPARED,
        scenario,
        "Replaying with each set type",
        done,
        refused,
    );
    html! {
        <section class="panel comparison" aria-labelledby="compare-title">
            <h2 id="compare-title">{ "The same operations on four set types" }</h2>
            <p class="hint">{ "This run's adds, removes, syncs and faults replayed to the end with each set type: where they differ, the type's rule for a concurrent add and remove decides." }</p>
            { body }
        </section>
    }
}
