//! Engine behaviour, checked with a tiny ping protocol.

use netsplit_sim::{
    Action, Chance, Context, DropReason, Link, MAX_CHECKPOINTS, MAX_EVENTS, MAX_RECORDS,
    MessageState, Monitor, MsgId, Node, NodeId, Observation, Partition, Sim, Span, Time,
    TraceEvent, Violation,
};
use serde::{Deserialize, Serialize};
use std::fmt;

/// Node 0 pings every peer each `period`; peers answer with a pong. `pongs` is volatile,
/// `rounds` is durable.
#[derive(Clone, Debug)]
struct Pinger {
    id: NodeId,
    period: Span,
    rounds: u32,
    pongs: u32,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
enum Msg {
    Ping(u32),
    Pong(u32),
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
enum Timer {
    Round,
    Spare,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
enum Command {
    Skip,
}

macro_rules! display_as_debug {
    ($($t:ty),*) => {$(
        impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{self:?}")
            }
        }
    )*};
}
display_as_debug!(Msg, Timer, Command);

impl Node for Pinger {
    type Config = Span;
    type Msg = Msg;
    type Timer = Timer;
    type Command = Command;
    type Note = Msg;
    type Durable = u32;

    fn boot(period: &Span, id: NodeId, _: usize, durable: Option<u32>) -> Self {
        Pinger {
            id,
            period: *period,
            rounds: durable.unwrap_or(0),
            pongs: 0,
        }
    }

    fn on_start(&mut self, ctx: &mut Context<'_, Self>) {
        if self.id == NodeId(0) {
            ctx.set_timer(Timer::Round, self.period);
        }
    }

    fn on_message(&mut self, ctx: &mut Context<'_, Self>, from: NodeId, msg: Msg) {
        match msg {
            Msg::Ping(k) => ctx.send(from, Msg::Pong(k)),
            Msg::Pong(k) => {
                self.pongs += 1;
                ctx.note(Msg::Pong(k));
            }
        }
    }

    fn on_timer(&mut self, ctx: &mut Context<'_, Self>, timer: Timer) {
        if timer == Timer::Round {
            self.rounds += 1;
            let peers: Vec<NodeId> = ctx.peers().collect();
            for peer in peers {
                ctx.send(peer, Msg::Ping(self.rounds));
            }
            ctx.set_timer(Timer::Round, self.period);
        }
    }

    fn on_command(&mut self, ctx: &mut Context<'_, Self>, _: Command) {
        // Skipping a round: the timer moves one period later.
        ctx.set_timer(Timer::Round, self.period + self.period);
        ctx.set_timer(Timer::Spare, Span(1));
        ctx.cancel_timer(Timer::Spare);
    }

    fn durable(&self) -> u32 {
        self.rounds
    }
}

fn link(min: u64, max: u64) -> Link {
    Link {
        latency_min: Span(min),
        latency_max: Span(max),
        ..Link::default()
    }
}

fn sim(nodes: usize, seed: u64) -> Sim<Pinger> {
    Sim::new(
        Span(100),
        nodes,
        link(10, 30),
        seed,
        netsplit_sim::NoMonitor,
    )
}

fn count(sim: &Sim<Pinger>, pred: impl Fn(&TraceEvent<Pinger>) -> bool) -> usize {
    sim.trace()
        .records()
        .iter()
        .filter(|r| pred(&r.event))
        .count()
}

#[test]
fn messages_arrive_within_the_latency_range() {
    let mut s = sim(3, 1);
    s.run_until(Time(1000));
    let records = s.trace().records();
    let mut checked = 0;
    for r in records {
        if let TraceEvent::Sent { id, deliver_at, .. } = &r.event {
            let latency = deliver_at.since(r.at).as_millis();
            assert!((10..=30).contains(&latency), "{id} took {latency} ms");
            let delivered = records
                .iter()
                .find(|d| matches!(&d.event, TraceEvent::Delivered { id: did, .. } if did == id));
            if let Some(d) = delivered {
                assert_eq!(d.at, *deliver_at);
                checked += 1;
            }
        }
    }
    // 10 rounds × 2 peers × (ping + pong), minus what is still in flight at the end.
    assert!(checked >= 36, "only {checked} deliveries checked");
    assert_eq!(s.nodes()[0].node().pongs, checked as u32 / 2);
}

#[test]
fn same_seed_same_trace_other_seed_other_trace() {
    let run = |seed| {
        let mut s = sim(4, seed);
        s.schedule(Time(250), Action::Crash(NodeId(2)));
        s.run_until(Time(2000));
        s.trace().hash()
    };
    assert_eq!(run(9), run(9));
    assert_ne!(run(9), run(10));
}

#[test]
fn partition_drops_and_says_why_then_heals() {
    let mut s = sim(3, 2);
    s.schedule(
        Time(150),
        Action::Partition(Partition(vec![vec![NodeId(0)]])),
    );
    s.schedule(Time(450), Action::Heal);
    s.run_until(Time(1000));
    let partitioned = count(&s, |e| {
        matches!(
            e,
            TraceEvent::Dropped {
                reason: DropReason::Partitioned,
                ..
            }
        )
    });
    // Rounds at 200, 300 and 400 ms each try two pings.
    assert_eq!(partitioned, 6);
    let pongs_after_heal = s
        .trace()
        .records()
        .iter()
        .filter(|r| r.at > Time(500) && matches!(r.event, TraceEvent::Noted { .. }))
        .count();
    assert!(pongs_after_heal > 0, "traffic must resume after healing");
}

#[test]
fn crash_loses_volatile_state_and_timers_restart_keeps_durable_state() {
    let mut s = sim(2, 3);
    s.run_until(Time(550));
    assert_eq!(s.slot(NodeId(0)).node().rounds, 5);
    assert!(s.slot(NodeId(0)).node().pongs > 0);
    s.act(Action::Crash(NodeId(0)));
    assert!(!s.slot(NodeId(0)).is_up());
    assert_eq!(s.slot(NodeId(0)).timer_due(&Timer::Round), None);
    s.run_until(Time(900));
    assert_eq!(
        s.slot(NodeId(0)).node().rounds,
        5,
        "no timer fires while down"
    );
    s.act(Action::Restart(NodeId(0)));
    let node = s.slot(NodeId(0)).node();
    assert_eq!((node.rounds, node.pongs), (5, 0));
    assert_eq!(s.slot(NodeId(0)).timer_due(&Timer::Round), Some(Time(1000)));
}

#[test]
fn messages_to_a_crashed_node_are_dropped_on_arrival() {
    let mut s = sim(2, 4);
    s.run_until(Time(100));
    s.act(Action::Crash(NodeId(1)));
    s.run_until(Time(200));
    assert_eq!(
        count(&s, |e| matches!(
            e,
            TraceEvent::Dropped {
                reason: DropReason::ReceiverDown,
                ..
            }
        )),
        1
    );
}

#[test]
fn setting_a_timer_again_moves_it_and_cancel_stops_it() {
    let mut s = sim(2, 5);
    s.run_until(Time(50));
    s.act(Action::Command(NodeId(0), Command::Skip));
    assert_eq!(s.slot(NodeId(0)).timer_due(&Timer::Round), Some(Time(250)));
    assert_eq!(s.slot(NodeId(0)).timer_due(&Timer::Spare), None);
    s.run_until(Time(260));
    let fired: Vec<Time> = s
        .trace()
        .records()
        .iter()
        .filter(|r| matches!(r.event, TraceEvent::TimerFired { .. }))
        .map(|r| r.at)
        .collect();
    assert_eq!(fired, [Time(250)], "the round at 100 ms moved to 250 ms");
}

#[test]
fn hold_release_deliver_now_and_drop() {
    let mut s = sim(3, 6);
    s.run_until(Time(100));
    let ids: Vec<MsgId> = s.in_flight().map(|m| m.id).collect();
    assert_eq!(ids.len(), 2);
    let (a, b) = (ids[0], ids[1]);
    s.act(Action::HoldMessage(a));
    s.act(Action::DropMessage(b));
    assert!(matches!(
        s.message(a).unwrap().state,
        MessageState::Held { .. }
    ));
    assert!(s.message(b).is_none());
    s.run_until(Time(180));
    assert!(s.message(a).is_some(), "a held message stays put");
    let held_progress = s.message(a).unwrap().progress(180.0);
    s.act(Action::ReleaseMessage(a));
    let released = s.message(a).unwrap();
    assert!((released.progress(180.0) - held_progress).abs() < 1e-9);
    s.act(Action::HoldMessage(a));
    s.act(Action::DeliverNow(a));
    s.run_until(Time(180));
    assert!(s.message(a).is_none());
    assert_eq!(
        count(&s, |e| matches!(
            e,
            TraceEvent::Dropped {
                reason: DropReason::ByUser,
                ..
            }
        )),
        1
    );
    s.act(Action::DropMessage(b));
    let refused = s.trace().records().last().unwrap();
    assert!(
        matches!(&refused.event, TraceEvent::Refused { reason, .. } if reason == "m1 is no longer in the network"),
        "{refused:?}"
    );
}

#[test]
fn impossible_actions_are_refused_with_a_reason() {
    let mut s = sim(2, 7);
    s.act(Action::Restart(NodeId(1)));
    s.act(Action::Crash(NodeId(5)));
    s.act(Action::SetLinks(link(50, 10)));
    let reasons: Vec<String> = s
        .trace()
        .records()
        .iter()
        .filter_map(|r| match &r.event {
            TraceEvent::Refused { reason, .. } => Some(reason.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(reasons.len(), 3);
    assert_eq!(reasons[0], "n1 is already up");
    assert_eq!(reasons[1], "n5 does not exist (the cluster has 2 nodes)");
    assert!(reasons[2].contains("above the maximum"));
}

#[test]
fn one_link_can_behave_differently() {
    let mut s = sim(3, 15);
    let slow = link(500, 500);
    s.act(Action::SetLink(NodeId(0), NodeId(2), slow));
    assert_eq!(*s.network().link(NodeId(0), NodeId(2)), slow);
    assert_eq!(*s.network().link(NodeId(2), NodeId(0)), link(10, 30));
    s.run_until(Time(100));
    let to_n2 = s.in_flight().find(|m| m.to == NodeId(2)).unwrap();
    assert_eq!(
        to_n2.state,
        MessageState::OnTheWay {
            deliver_at: Time(600),
            lost: false
        }
    );
}

#[test]
fn total_loss_and_total_duplication() {
    let mut lossy = sim(2, 8);
    lossy.act(Action::SetLinks(Link {
        drop: Chance::ALWAYS,
        ..link(10, 30)
    }));
    lossy.run_until(Time(1000));
    assert_eq!(lossy.slot(NodeId(0)).node().pongs, 0);
    // Ten pings, each lost when it would have arrived; the one sent at 1000 ms is still flying.
    assert_eq!(
        count(&lossy, |e| matches!(
            e,
            TraceEvent::Dropped {
                reason: DropReason::Lost,
                ..
            }
        )),
        9
    );

    let mut doubled = sim(2, 8);
    doubled.act(Action::SetLinks(Link {
        duplicate: Chance::ALWAYS,
        ..link(10, 30)
    }));
    doubled.run_until(Time(1000));
    let copies = count(&doubled, |e| {
        matches!(
            e,
            TraceEvent::Sent {
                copy_of: Some(_),
                ..
            }
        )
    });
    // Ten pings, each doubled; both arrivals of the first nine are answered by a doubled pong
    // (the tenth ping, sent at 1000 ms, has not arrived yet).
    assert_eq!(copies, 10 + 9 * 2);
}

#[test]
fn an_action_runs_after_every_event_at_its_time() {
    let mut s = sim(2, 9);
    // The first round fires at exactly 100 ms; a crash scheduled for 100 ms comes after it.
    s.schedule(Time(100), Action::Crash(NodeId(0)));
    s.run_until(Time(100));
    let kinds: Vec<&str> = s
        .trace()
        .records()
        .iter()
        .filter(|r| r.at == Time(100))
        .map(|r| match r.event {
            TraceEvent::TimerFired { .. } => "timer",
            TraceEvent::Sent { .. } => "sent",
            TraceEvent::Crashed { .. } => "crash",
            _ => "other",
        })
        .collect();
    assert_eq!(kinds, ["timer", "sent", "crash"]);
}

#[test]
fn seeking_back_reproduces_the_run() {
    let mut s = sim(4, 11).with_checkpoints(Some(16));
    s.schedule(Time(700), Action::Crash(NodeId(1)));
    s.run_until(Time(3000));
    let full = s.trace().hash();
    let steps = s.steps();

    let mut fresh = sim(4, 11);
    fresh.schedule(Time(700), Action::Crash(NodeId(1)));
    fresh.run_until(Time(1234));

    s.seek(Time(1234));
    assert_eq!(s.now(), Time(1234));
    assert_eq!(s.trace().hash(), fresh.trace().hash());
    assert_eq!(s.steps(), fresh.steps());
    s.seek(Time(3000));
    assert_eq!((s.trace().hash(), s.steps()), (full, steps));
}

#[test]
fn seeking_in_slices_ends_where_one_seek_does() {
    let mut whole = sim(4, 12).with_checkpoints(Some(16));
    whole.schedule(Time(900), Action::Crash(NodeId(2)));
    whole.run_until(Time(2500));
    let mut sliced = sim(4, 12).with_checkpoints(Some(16));
    sliced.schedule(Time(900), Action::Crash(NodeId(2)));
    let mut slices = 0;
    while !sliced.run_toward(Time(2500), 7) {
        slices += 1;
    }
    assert!(slices > 10, "the way took {slices} slices");
    assert_eq!(sliced.now(), Time(2500));
    assert_eq!(sliced.trace().hash(), whole.trace().hash());
    // Back, then forward again past the known future, seven events at a time.
    for target in [Time(1200), Time(400), Time(2500)] {
        whole.seek(target);
        while !sliced.seek_toward(target, 7) {}
        assert_eq!(
            (sliced.now(), sliced.steps(), sliced.trace().hash()),
            (whole.now(), whole.steps(), whole.trace().hash())
        );
    }
}

#[test]
fn the_trace_hash_stays_true_across_seeks_and_forks_of_a_long_run() {
    let hash_of_fresh = |until: Time, crash_at: Option<Time>| {
        let mut fresh = sim(5, 13);
        if let Some(at) = crash_at {
            fresh.schedule(at, Action::Crash(NodeId(1)));
        }
        fresh.run_until(until);
        (fresh.trace().len(), fresh.trace().hash())
    };
    let mut s = sim(5, 13).with_checkpoints(Some(64));
    s.run_until(Time(40_000));
    assert!(s.trace().len() > 5 * 1024, "{} records", s.trace().len());
    // Asked each step of the way, as the page does, and at the end.
    assert_eq!(
        (s.trace().len(), s.trace().hash()),
        hash_of_fresh(Time(40_000), None)
    );
    s.seek(Time(7_777));
    assert_eq!(
        (s.trace().len(), s.trace().hash()),
        hash_of_fresh(Time(7_777), None)
    );
    s.seek(Time(40_000));
    assert_eq!(
        (s.trace().len(), s.trace().hash()),
        hash_of_fresh(Time(40_000), None)
    );
    // A fork in the past writes other records over the known future.
    s.seek(Time(7_777));
    s.fork_at(Time(7_777));
    s.act(Action::Crash(NodeId(1)));
    s.run_until(Time(40_000));
    assert_eq!(
        (s.trace().len(), s.trace().hash()),
        hash_of_fresh(Time(40_000), Some(Time(7_777)))
    );
}

#[test]
fn stepping_back_one_event_at_a_time() {
    let mut s = sim(3, 16).with_checkpoints(Some(5));
    s.run_until(Time(800));
    let steps = s.steps();
    let mut fresh = sim(3, 16);
    while fresh.steps() < steps - 7 {
        fresh.step();
    }
    s.seek_step(steps - 7);
    assert_eq!(s.steps(), steps - 7);
    assert_eq!(s.trace().hash(), fresh.trace().hash());
    assert_eq!(s.now(), fresh.now());
}

#[test]
fn forking_drops_later_actions() {
    let mut s = sim(3, 12);
    s.schedule(Time(500), Action::Crash(NodeId(1)));
    s.schedule(Time(900), Action::Restart(NodeId(1)));
    s.run_until(Time(1200));
    let dropped = s.fork_at(Time(600));
    assert_eq!(dropped.len(), 1);
    assert_eq!(s.now(), Time(600));
    s.run_until(Time(1200));
    assert!(!s.slot(NodeId(1)).is_up(), "the restart was forked away");
}

/// Flags every pong after the third, to show monitors see every event.
#[derive(Clone, Default)]
struct AtMostThreePongs(u32);

impl Monitor<Pinger> for AtMostThreePongs {
    fn observe(&mut self, seen: &Observation<'_, Pinger>, out: &mut Vec<Violation>) {
        if let TraceEvent::Noted { node, .. } = seen.event {
            self.0 += 1;
            if self.0 > 3 {
                out.push(Violation {
                    property: "At most three pongs".into(),
                    explanation: format!("{node} got pong number {}", self.0),
                    nodes: vec![*node],
                    events: vec![seen.index],
                    indexes: Vec::new(),
                });
            }
        }
    }
}

#[test]
fn monitor_violations_enter_the_trace_with_their_evidence() {
    let mut s = Sim::new(Span(100), 2, link(10, 30), 13, AtMostThreePongs::default());
    s.run_until(Time(450));
    assert_eq!(s.violations().len(), 1);
    let v = &s.violations()[0];
    assert_eq!(v.explanation, "n0 got pong number 4");
    let evidence = &s.trace().records()[v.events[0]];
    assert!(matches!(evidence.event, TraceEvent::Noted { .. }));
    let last = s.trace().records().last().unwrap();
    assert!(matches!(&last.event, TraceEvent::Violated(found) if **found == *v));
}

/// A change of script after going back keeps the run whole: later seeks forward restore only
/// checkpoints that the changed run reaches too, so no record or violation goes missing.
#[test]
fn changing_the_script_after_seeking_back_loses_no_record() {
    let changed = |s: &mut Sim<Pinger, AtMostThreePongs>| {
        s.schedule(Time(900), Action::Crash(NodeId(1)));
    };
    let mut fresh = Sim::new(Span(100), 2, link(10, 30), 13, AtMostThreePongs::default())
        .with_checkpoints(Some(4));
    changed(&mut fresh);
    fresh.run_until(Time(1500));

    let mut s = Sim::new(Span(100), 2, link(10, 30), 13, AtMostThreePongs::default())
        .with_checkpoints(Some(4));
    s.run_until(Time(1500));
    s.seek(Time(200));
    changed(&mut s);
    s.seek(Time(600));
    s.seek(Time(1500));
    assert!(!fresh.violations().is_empty());
    assert_eq!(s.violations(), fresh.violations());
    assert_eq!(s.trace().len(), fresh.trace().len());
    assert_eq!(s.trace().hash(), fresh.trace().hash());

    // Forking ahead of the present after going back keeps it whole too.
    let mut forked = Sim::new(Span(100), 2, link(10, 30), 13, AtMostThreePongs::default())
        .with_checkpoints(Some(4));
    changed(&mut forked);
    forked.schedule(Time(1200), Action::Crash(NodeId(0)));
    forked.run_until(Time(1500));
    forked.seek(Time(200));
    forked.fork_at(Time(1000));
    forked.seek(Time(600));
    forked.seek(Time(1500));
    assert_eq!(forked.trace().hash(), fresh.trace().hash());
}

#[test]
fn trace_narrates_in_plain_words() {
    let mut s = sim(2, 14);
    s.schedule(Time(120), Action::Crash(NodeId(1)));
    s.run_until(Time(200));
    let lines: Vec<String> = s
        .trace()
        .records()
        .iter()
        .map(|r| r.event.to_string())
        .collect();
    assert!(
        lines.contains(&"n0 sends Ping(1) to n1 (m0)".to_string()),
        "{lines:?}"
    );
    assert!(lines.contains(&"n1 crashes".to_string()));
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    fn any_action() -> impl Strategy<Value = (u64, Action<Command>)> {
        let node = (0u16..4).prop_map(NodeId);
        let msg = (0u64..40).prop_map(MsgId);
        let action = prop_oneof![
            node.clone().prop_map(Action::Crash),
            node.clone().prop_map(Action::Restart),
            proptest::collection::vec(node.clone(), 0..3)
                .prop_map(|g| Action::Partition(Partition(vec![g]))),
            Just(Action::Heal),
            (0u32..60, 0u32..40).prop_map(|(drop, dup)| Action::SetLinks(Link {
                drop: Chance::percent(drop),
                duplicate: Chance::percent(dup),
                ..link(5, 90)
            })),
            node.prop_map(|n| Action::Command(n, Command::Skip)),
            msg.clone().prop_map(Action::DropMessage),
            msg.clone().prop_map(Action::HoldMessage),
            msg.clone().prop_map(Action::ReleaseMessage),
            msg.prop_map(Action::DeliverNow),
        ];
        (0u64..2000, action)
    }

    proptest! {
        /// Whatever happens, every message ends at most once, never before it was sent, and a
        /// run replays to the same trace.
        #[test]
        fn every_message_ends_at_most_once_and_runs_replay(
            seed in any::<u64>(),
            mut actions in proptest::collection::vec(any_action(), 0..25),
        ) {
            actions.sort_by_key(|(at, _)| *at);
            let run = || {
                let mut s = sim(4, seed);
                for (at, action) in &actions {
                    s.schedule(Time(*at), action.clone());
                }
                s.run_until(Time(2500));
                s
            };
            let s = run();
            let mut sent = std::collections::BTreeMap::new();
            let mut ended = std::collections::BTreeSet::new();
            for r in s.trace().records() {
                match &r.event {
                    TraceEvent::Sent { id, .. } => {
                        prop_assert!(sent.insert(*id, r.at).is_none());
                    }
                    TraceEvent::Delivered { id, .. } | TraceEvent::Dropped { id, .. } => {
                        prop_assert!(sent.contains_key(id), "{id} ended before it was sent");
                        prop_assert!(ended.insert(*id), "{id} ended twice");
                    }
                    _ => {}
                }
            }
            let in_flight: Vec<MsgId> = s.in_flight().map(|m| m.id).collect();
            for id in sent.keys() {
                prop_assert_eq!(ended.contains(id), !in_flight.contains(id));
            }
            prop_assert_eq!(run().trace().hash(), s.trace().hash());
        }
    }
}

/// A long run keeps at most MAX_CHECKPOINTS checkpoints, thinning them as it goes, and seeking
/// anywhere in it still gives what a fresh run gives.
#[test]
fn checkpoints_thin_out_and_seeking_stays_exact() {
    let mut s = sim(4, 21).with_checkpoints(Some(2));
    s.run_until(Time(40_000));
    let steps = s.steps();
    assert!(steps > 2 * 2 * MAX_CHECKPOINTS as u64, "{steps} events");
    assert!(s.checkpoints_kept() <= MAX_CHECKPOINTS);
    for t in [Time(13_333), Time(501), Time(39_999), Time(40_000)] {
        let mut fresh = sim(4, 21);
        fresh.run_until(t);
        s.seek(t);
        assert_eq!(
            (s.trace().hash(), s.steps()),
            (fresh.trace().hash(), fresh.steps()),
            "{t}"
        );
    }
}

/// The checkpoints a thinning lets go of are freed one every few dozen events, not all in the
/// step that thins (which would hold the page for longer than a frame): the memory the run
/// holds stays, then falls as the run goes on.
#[test]
fn thinned_checkpoints_are_freed_a_few_at_a_time() {
    let mut s = sim(4, 21).without_trace().with_checkpoints(Some(2));
    let mut before = (s.checkpoints_kept(), s.memory_held());
    while s.checkpoints_kept() >= before.0 {
        before = (s.checkpoints_kept(), s.memory_held());
        assert!(s.step());
    }
    let thinned = before.0 - s.checkpoints_kept();
    assert!(
        thinned >= MAX_CHECKPOINTS / 2 - 1,
        "{thinned} checkpoints let go"
    );
    let held = s.memory_held();
    assert!(
        held >= before.1,
        "all freed at once: {held} bytes, {} before",
        before.1
    );
    // No more checkpoints, to see the memory of those let go of leave.
    let mut s = s.with_checkpoints(None);
    for _ in 0..64 * thinned {
        assert!(s.step());
    }
    assert!(
        s.memory_held() < held / 2 + held / 4,
        "{} bytes, {held} after thinning",
        s.memory_held()
    );
}

/// However long its scenario, a run stops at MAX_EVENTS, says so in its trace, and goes no
/// further: its clock stays at its last event. Without a trace (fuzzing) it stops there too.
#[test]
fn a_run_stops_at_the_most_events_a_run_may_take() {
    let end = Time(u64::MAX / 2);
    let mut quiet = sim(4, 1).without_trace().with_checkpoints(None);
    quiet.run_until(end);
    assert!(quiet.stopped());
    assert_eq!(quiet.steps(), MAX_EVENTS);

    // With a trace, these pings fill it first: more than one record an event.
    let mut s = sim(4, 1).with_checkpoints(None);
    s.run_until(end);
    assert!(s.stopped());
    assert!(s.steps() < MAX_EVENTS);
    assert!(s.trace().len() <= MAX_RECORDS && s.trace().len() > MAX_RECORDS - 5000);
    assert!(s.now() < end);
    let last = s.trace().records().last().unwrap();
    assert!(matches!(last.event, TraceEvent::Stopped { events } if events == s.steps()));
    assert!(last.event.to_string().starts_with("the run stops here"));
    let (now, records) = (s.now(), s.trace().len());
    s.run_until(end);
    assert!(!s.step());
    assert_eq!((s.now(), s.trace().len()), (now, records));
}
