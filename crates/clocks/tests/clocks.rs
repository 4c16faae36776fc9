//! Vector clocks against happened-before computed independently, Lamport clocks, and ShiViz.
#![allow(clippy::needless_range_loop)] // Index loops read best for a transitive closure and pairwise checks.

use netsplit_clocks::{EventId, EventKind, Execution, Verdict, export_shiviz, import_shiviz};
use proptest::prelude::*;

/// Happened-before as the transitive closure of program order and messages (Lamport 1978, §2),
/// computed without any clock.
fn reachability(execution: &Execution) -> Vec<Vec<bool>> {
    let n = execution.events().len();
    let mut reach = vec![vec![false; n]; n];
    let mut last: Vec<Option<usize>> = vec![None; execution.processes().len()];
    for (i, event) in execution.events().iter().enumerate() {
        if let Some(prev) = last[event.process] {
            reach[prev][i] = true;
        }
        last[event.process] = Some(i);
        if let EventKind::Receive(m) = event.kind {
            reach[execution.messages()[m.0].send.0][i] = true;
        }
    }
    for k in 0..n {
        for i in 0..n {
            if reach[i][k] {
                for j in 0..n {
                    if reach[k][j] {
                        reach[i][j] = true;
                    }
                }
            }
        }
    }
    reach
}

/// Generated executions, and executions where events that sent or received send again: to
/// several receivers (a multicast) and onward after a receive.
fn executions() -> impl Strategy<Value = Execution> {
    let generated = (any::<u64>(), 2usize..6, 0usize..40)
        .prop_map(|(seed, p, e)| Execution::generate(seed, p, e));
    let multicasting = (
        2usize..6,
        prop::collection::vec((0u8..4, any::<u16>(), any::<u16>()), 0..40),
    )
        .prop_map(|(processes, ops)| {
            let mut e = Execution::with_processes(processes);
            for (i, (op, a, b)) in ops.into_iter().enumerate() {
                let (a, b) = (usize::from(a), usize::from(b));
                let to = |from: usize| (from + 1 + b % (processes - 1)) % processes;
                let pending: Vec<_> = e.in_flight().collect();
                let senders: Vec<EventId> = (0..e.events().len())
                    .map(EventId)
                    .filter(|&x| e.event(x).kind != EventKind::Local)
                    .collect();
                let label = format!("e{i}");
                match op {
                    0 => drop(e.local(a % processes, label)),
                    1 => drop(e.send(a % processes, to(a % processes), label)),
                    2 if !pending.is_empty() => drop(e.deliver(pending[a % pending.len()], label)),
                    3 if !senders.is_empty() => {
                        let from = senders[a % senders.len()];
                        e.send_from(from, to(e.event(from).process)).unwrap();
                    }
                    _ => drop(e.local(a % processes, label)),
                }
            }
            e
        });
    prop_oneof![generated, multicasting]
}

proptest! {
    /// The vector-clock verdict equals reachability in the event graph (Fidge, Mattern).
    #[test]
    fn vector_clocks_characterise_happened_before(execution in executions()) {
        let reach = reachability(&execution);
        let n = execution.events().len();
        for a in 0..n {
            for b in 0..n {
                let expected = if a == b {
                    Verdict::Same
                } else if reach[a][b] {
                    Verdict::Before
                } else if reach[b][a] {
                    Verdict::After
                } else {
                    Verdict::Concurrent
                };
                prop_assert_eq!(execution.verdict(EventId(a), EventId(b)), expected, "events {} and {}", a, b);
            }
        }
    }

    /// Happened-before is a strict partial order: irreflexive, antisymmetric, transitive.
    #[test]
    fn happened_before_is_a_strict_partial_order(execution in executions()) {
        let n = execution.events().len();
        let before = |a: usize, b: usize| execution.verdict(EventId(a), EventId(b)) == Verdict::Before;
        for a in 0..n {
            prop_assert!(!before(a, a));
            for b in 0..n {
                prop_assert!(!(before(a, b) && before(b, a)));
                for c in 0..n {
                    if before(a, b) && before(b, c) {
                        prop_assert!(before(a, c));
                    }
                }
            }
        }
    }

    /// Lamport time respects happened-before (Lamport 1978, Clock Condition).
    #[test]
    fn lamport_time_respects_happened_before(execution in executions()) {
        let events = execution.events();
        for a in 0..events.len() {
            for b in 0..events.len() {
                if execution.verdict(EventId(a), EventId(b)) == Verdict::Before {
                    prop_assert!(events[a].lamport < events[b].lamport);
                }
            }
        }
    }

    /// Writing an execution as a ShiViz log and reading it back keeps every clock, verdict and
    /// delivered message.
    #[test]
    fn shiviz_round_trip(execution in executions()) {
        let back = import_shiviz(&export_shiviz(&execution));
        prop_assume!(!execution.events().is_empty());
        let back = back.unwrap();
        // ShiViz names processes by their events, so one without events does not come back;
        // compare clocks by process name.
        let clocks = |e: &Execution| {
            e.events()
                .iter()
                .map(|x| {
                    x.clock.0.iter().enumerate().filter(|(_, c)| **c > 0)
                        .map(|(i, c)| (e.processes()[i].clone(), *c))
                        .collect::<std::collections::BTreeMap<_, _>>()
                })
                .collect::<Vec<_>>()
        };
        prop_assert_eq!(clocks(&back), clocks(&execution));
        // And the same messages, from the same send to the same receive. A log shows only the
        // messages that told their receiver something new: one never delivered, or delivered
        // after the receiver had heard of its send another way, leaves its send local.
        let edges = |e: &Execution| {
            e.messages()
                .iter()
                .filter_map(|m| {
                    let receive = m.receive?;
                    let before = e.timeline(m.to).take_while(|&x| x != receive).last();
                    let known = before.map_or(0, |x| e.event(x).clock.0[m.from]);
                    (e.event(m.send).clock.0[m.from] > known).then_some((m.send.0, receive.0))
                })
                .collect::<std::collections::BTreeSet<_>>()
        };
        prop_assert_eq!(edges(&back), edges(&execution));
    }

    /// The steps an execution gives build it again, exactly.
    #[test]
    fn steps_rebuild_any_execution(execution in executions()) {
        let back = Execution::from_steps(execution.processes().to_vec(), &execution.steps());
        prop_assert_eq!(back.unwrap(), execution);
    }
}

/// The converse of the Clock Condition fails: a smaller Lamport time does not mean
/// happened-before.
#[test]
fn lamport_order_does_not_imply_happened_before() {
    let mut e = Execution::with_processes(2);
    let a = e.local(0, "a").unwrap();
    let _ = e.local(1, "b1").unwrap();
    let b = e.local(1, "b2").unwrap();
    assert!(e.event(a).lamport < e.event(b).lamport);
    assert_eq!(e.verdict(a, b), Verdict::Concurrent);
}

#[test]
fn clocks_follow_the_rules() {
    let mut e = Execution::with_processes(3);
    let a = e.local(0, "a").unwrap();
    let m = e.send(0, 1, "send").unwrap();
    let c = e.local(1, "c").unwrap();
    let r = e.deliver(m, "receive").unwrap();
    assert_eq!(e.event(a).clock.to_string(), "[1,0,0]");
    assert_eq!(e.event(c).clock.to_string(), "[0,1,0]");
    assert_eq!(e.event(r).clock.to_string(), "[2,2,0]");
    assert_eq!(e.event(r).lamport, 3);
    assert_eq!(e.verdict(a, r), Verdict::Before);
    assert_eq!(e.verdict(c, r), Verdict::Before);
    assert_eq!(e.verdict(a, c), Verdict::Concurrent);
    assert_eq!(e.past(r), vec![a, e.messages()[m.0].send, c]);
    assert!(
        e.explain(a, c)
            .contains("is smaller in P1 but larger in P0"),
        "{}",
        e.explain(a, c)
    );
    assert_eq!(
        e.deliver(m, "again").unwrap_err().0,
        "message 0 was already delivered"
    );
    assert!(
        e.send(0, 9, "x")
            .unwrap_err()
            .0
            .contains("there is no process 9")
    );
}

#[test]
fn steps_rebuild_the_execution() {
    let e = Execution::generate(11, 4, 50);
    let back = Execution::from_steps(e.processes().to_vec(), &e.steps()).unwrap();
    assert_eq!(back, e);
    let bad = [netsplit_clocks::Step::Deliver {
        message: 3,
        label: "x".into(),
    }];
    let err = Execution::from_steps(e.processes().to_vec(), &bad).unwrap_err();
    assert_eq!(err.0, "step 1: there is no message 3");
}

#[test]
fn the_same_seed_generates_the_same_execution() {
    assert_eq!(Execution::generate(5, 4, 60), Execution::generate(5, 4, 60));
    assert_ne!(Execution::generate(5, 4, 60), Execution::generate(6, 4, 60));
}

#[test]
fn a_shiviz_log_is_read() {
    let log = "start\nalice {\"alice\": 1}\nsend request\nalice {\"alice\": 2}\nreceive request\nbob {\"alice\": 2, \"bob\": 1}\n";
    let e = import_shiviz(log).unwrap();
    assert_eq!(e.processes(), ["alice", "bob"]);
    assert_eq!(e.messages().len(), 1);
    assert_eq!(e.verdict(EventId(0), EventId(2)), Verdict::Before);
    assert_eq!(export_shiviz(&e), log);
}

/// An event may have an empty description; blank lines between events are not events.
#[test]
fn a_blank_description_keeps_its_event() {
    let log =
        "start\nalice {\"alice\": 1}\n\nalice {\"alice\": 2}\n\n\nend\nalice {\"alice\": 3}\n";
    let e = import_shiviz(log).unwrap();
    let labels: Vec<&str> = e.events().iter().map(|x| x.label.as_str()).collect();
    assert_eq!(labels, ["start", "", "end"]);
    assert_eq!(import_shiviz(&export_shiviz(&e)).unwrap(), e);
}

/// An event that receives and then sends (P1 passes P0's news on to P2), and one send
/// received by two hosts, are read as such and written back unchanged.
#[test]
fn a_receive_that_sends_and_a_multicast_are_read() {
    let relay = "a\nP0 {\"P0\": 1}\nb\nP1 {\"P0\": 1, \"P1\": 1}\nc\nP2 {\"P0\": 1, \"P1\": 1, \"P2\": 1}\n";
    let e = import_shiviz(relay).unwrap();
    let edges: Vec<(usize, usize)> = e
        .messages()
        .iter()
        .map(|m| (m.send.0, m.receive.unwrap().0))
        .collect();
    assert_eq!(edges, [(0, 1), (1, 2)]);
    assert_eq!(
        e.event(EventId(1)).kind,
        EventKind::Receive(netsplit_clocks::MessageId(0))
    );
    assert_eq!(export_shiviz(&e), relay);

    let multicast =
        "offer\nP0 {\"P0\": 1}\nyes\nP1 {\"P0\": 1, \"P1\": 1}\nyes\nP2 {\"P0\": 1, \"P2\": 1}\n";
    let e = import_shiviz(multicast).unwrap();
    let edges: Vec<(usize, usize, usize)> = e
        .messages()
        .iter()
        .map(|m| (m.send.0, m.to, m.receive.unwrap().0))
        .collect();
    assert_eq!(edges, [(0, 1, 1), (0, 2, 2)]);
    assert_eq!(e.verdict(EventId(1), EventId(2)), Verdict::Concurrent);
    assert_eq!(export_shiviz(&e), multicast);
    // Its steps say so: the second message leaves the first event.
    assert_eq!(
        e.steps()[1],
        netsplit_clocks::Step::SendFrom { event: 0, to: 2 }
    );
    assert_eq!(e.describe(&e.steps()[1]), "P0's offer also sends to P2");
}

#[test]
fn only_a_send_or_a_receive_sends_more() {
    let mut e = Execution::with_processes(2);
    let local = e.local(0, "a").unwrap();
    assert_eq!(
        e.send_from(local, 1).unwrap_err().0,
        "event 0 is local; only a send or a receive sends more"
    );
    let m = e.send(0, 1, "b").unwrap();
    let send = e.messages()[m.0].send;
    assert!(e.send_from(send, 0).unwrap_err().0.contains("to itself"));
    assert_eq!(
        e.send_from(EventId(7), 1).unwrap_err().0,
        "there is no event 7"
    );
}

#[test]
fn broken_shiviz_logs_name_the_line_and_the_problem() {
    let refuse = |log: &str| import_shiviz(log).unwrap_err().to_string();
    assert_eq!(refuse(""), "line 1: the log is empty");
    assert_eq!(
        refuse("lonely event\n"),
        "line 2: the event \"lonely event\" has no host and clock line after it"
    );
    assert!(
        refuse("a\nalice {\"alice\": one}\n")
            .starts_with("line 2: the vector clock is not a JSON object of counts")
    );
    assert_eq!(
        refuse("a\nalice\n"),
        "line 2: expected a host name, a space and a vector clock, like: alice {\"alice\": 2}"
    );
    assert_eq!(
        refuse("a\nalice {\"alice\": 1}\nb\nalice {\"alice\": 3}\n"),
        "line 4: alice's own entry should be 2 (its events counted so far), got 3"
    );
    assert_eq!(
        refuse("a\nalice {\"alice\": 1}\nb\nbob {\"alice\": 1, \"bob\": 1, \"carol\": 4}\n"),
        "line 4: the clock [1,1,4] does not follow from the events before it, which give [1,1,0]"
    );
}
