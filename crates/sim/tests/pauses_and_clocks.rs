//! Process pauses and local clocks: what a stop-the-world pause holds back, and how a drifting
//! or jumping clock moves the timers set on it, with a tiny ping protocol.

use netsplit_sim::{
    Action, Context, DropReason, Link, MessageState, NoMonitor, Node, NodeId, Sim, Span, Time,
    TraceEvent,
};
use serde::{Deserialize, Serialize};
use std::fmt;

/// Node 0 pings node 1 every `period` of its own clock and notes what its clock read when
/// the timer fired; node 1 answers each ping.
#[derive(Clone, Debug)]
struct Pinger {
    id: NodeId,
    period: Span,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
enum Msg {
    Ping,
    Pong,
    /// The clock's reading when the round timer fired.
    Read(u64),
}

impl fmt::Display for Msg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{self:?}")
    }
}

impl Node for Pinger {
    type Config = Span;
    type Msg = Msg;
    type Timer = Msg;
    type Command = Msg;
    type Note = Msg;
    type Durable = ();

    fn boot(period: &Span, id: NodeId, _: usize, _: Option<()>) -> Self {
        Pinger {
            id,
            period: *period,
        }
    }

    fn on_start(&mut self, ctx: &mut Context<'_, Self>) {
        if self.id == NodeId(0) {
            ctx.set_timer(Msg::Ping, self.period);
        }
    }

    fn on_message(&mut self, ctx: &mut Context<'_, Self>, from: NodeId, msg: Msg) {
        if msg == Msg::Ping {
            ctx.send(from, Msg::Pong);
        }
    }

    fn on_timer(&mut self, ctx: &mut Context<'_, Self>, _: Msg) {
        ctx.note(Msg::Read(ctx.local_now().0));
        ctx.send(NodeId(1), Msg::Ping);
        ctx.set_timer(Msg::Ping, self.period);
    }

    fn on_command(&mut self, _: &mut Context<'_, Self>, _: Msg) {}

    fn durable(&self) {}
}

fn sim() -> Sim<Pinger> {
    let link = Link {
        latency_min: Span(10),
        latency_max: Span(10),
        ..Link::default()
    };
    Sim::new(Span(100), 2, link, 1, NoMonitor)
}

/// When node 0's round timer fired (true time) and what its clock read then.
fn rounds(s: &Sim<Pinger>) -> Vec<(u64, u64)> {
    s.trace()
        .records()
        .iter()
        .filter_map(|r| match r.event {
            TraceEvent::Noted {
                note: Msg::Read(local),
                ..
            } => Some((r.at.0, local)),
            _ => None,
        })
        .collect()
}

#[test]
fn a_paused_process_handles_what_waited_for_it_only_when_it_resumes() {
    let mut s = sim();
    s.schedule(Time(150), Action::Pause(NodeId(1), Span(500)));
    s.run_until(Time(1000));
    let records = s.trace().records();
    let at = |pred: &dyn Fn(&TraceEvent<Pinger>) -> bool| {
        records
            .iter()
            .filter(|r| pred(&r.event))
            .map(|r| r.at.0)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        at(&|e| matches!(
            e,
            TraceEvent::Paused {
                until: Time(650),
                ..
            }
        )),
        [150]
    );
    assert_eq!(at(&|e| matches!(e, TraceEvent::Resumed { .. })), [650]);
    // Pings sent at 200 to 600 reach n1 at 210 to 610 and wait; n1 takes them all at 650, in
    // the order they came, after it resumes; the ping of 700 is on time again.
    let delivered_to_n1 = at(&|e| matches!(e, TraceEvent::Delivered { to: NodeId(1), .. }));
    assert_eq!(
        delivered_to_n1,
        [110, 650, 650, 650, 650, 650, 710, 810, 910]
    );
    let resumed = records
        .iter()
        .position(|r| matches!(r.event, TraceEvent::Resumed { .. }));
    let first_late = records
        .iter()
        .position(|r| r.at == Time(650) && matches!(r.event, TraceEvent::Delivered { .. }));
    assert!(resumed < first_late);
    // Nothing was lost.
    assert!(
        !records
            .iter()
            .any(|r| matches!(r.event, TraceEvent::Dropped { .. }))
    );
}

#[test]
fn a_paused_process_fires_its_timers_late_and_a_command_to_it_is_refused() {
    let mut s = sim();
    s.schedule(Time(250), Action::Pause(NodeId(0), Span(300)));
    s.schedule(Time(300), Action::Command(NodeId(0), Msg::Pong));
    s.schedule(Time(300), Action::Pause(NodeId(0), Span(10)));
    s.run_until(Time(800));
    // Its timer due at 300 fires at 550, when it resumes; the next is a period after that.
    assert_eq!(
        rounds(&s),
        [(100, 100), (200, 200), (550, 550), (650, 650), (750, 750)]
    );
    let refusals: Vec<&str> = s
        .trace()
        .records()
        .iter()
        .filter_map(|r| match &r.event {
            TraceEvent::Refused { reason, .. } => Some(reason.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(
        refusals,
        [
            "n0 is paused until 0.55 s",
            "n0 is already paused until 0.55 s"
        ]
    );
}

#[test]
fn a_message_waiting_at_a_paused_process_is_shown_arrived_and_dropped_if_it_crashes() {
    let mut s = sim();
    s.schedule(Time(205), Action::Pause(NodeId(1), Span(100)));
    s.schedule(Time(250), Action::Crash(NodeId(1)));
    s.run_until(Time(220));
    let waiting: Vec<_> = s.in_flight().collect();
    assert_eq!(waiting.len(), 1);
    assert_eq!(waiting[0].state, MessageState::Waiting { until: Time(305) });
    assert_eq!(waiting[0].progress(215.0), 1.0);
    s.run_until(Time(400));
    // The crash ends the pause; what waited is lost with the process.
    assert!(
        !s.trace()
            .records()
            .iter()
            .any(|r| matches!(r.event, TraceEvent::Resumed { .. }))
    );
    assert!(s.trace().records().iter().any(|r| matches!(
        r.event,
        TraceEvent::Dropped {
            reason: DropReason::ReceiverDown,
            ..
        }
    ) && r.at == Time(305)));
}

#[test]
fn timers_are_set_on_the_nodes_own_clock_which_drifts_and_jumps() {
    let mut s = sim();
    // From 0.2 s n0's clock runs twice as fast: its 100 ms timer fires every 50 ms of true time.
    s.schedule(Time(200), Action::Drift(NodeId(0), 2000));
    // At 0.35 s, after the round due then, its clock jumps 0.3 s ahead: the round due at its
    // 0.6 s is due at once.
    s.schedule(Time(350), Action::JumpClock(NodeId(0), 300));
    // At 0.4 s it runs on time again, and jumps back 1 s to read zero: its next round waits a
    // whole second for its clock.
    s.schedule(Time(400), Action::Drift(NodeId(0), 1000));
    s.schedule(Time(400), Action::JumpClock(NodeId(0), -1000));
    s.run_until(Time(1500));
    assert_eq!(
        rounds(&s),
        [
            (100, 100),
            (200, 200),
            (250, 300),
            (300, 400),
            (350, 500),
            (350, 800),
            (400, 900),
            (1400, 1000),
            (1500, 1100),
        ]
    );
    assert_eq!(s.slot(NodeId(0)).clock().offset(Time(1500)), -400);
    assert_eq!(s.slot(NodeId(1)).clock().offset(Time(1500)), 0);
}

#[test]
fn pauses_and_clock_changes_replay_exactly_and_seek_back() {
    let script = [
        (Time(120), Action::Pause(NodeId(1), Span(333))),
        (Time(260), Action::Drift(NodeId(0), 1500)),
        (Time(610), Action::JumpClock(NodeId(0), 4000)),
        (Time(700), Action::Pause(NodeId(0), Span(90))),
    ];
    let run = || {
        let mut s = sim().with_checkpoints(Some(4));
        for (at, action) in script.clone() {
            s.schedule(at, action);
        }
        s.run_until(Time(2000));
        s
    };
    let (a, mut b) = (run(), run());
    assert_eq!(a.trace().hash(), b.trace().hash());
    b.seek(Time(300));
    b.seek(Time(2000));
    assert_eq!(a.trace().hash(), b.trace().hash());
    assert_eq!(a.slot(NodeId(0)).clock(), b.slot(NodeId(0)).clock());
}
