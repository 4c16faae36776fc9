//! Paxos against "Paxos Made Simple" (Lamport, 2001), rule by rule, through the lab's presets
//! and small scripted runs: each handler's behaviour is read back from the trace.

use netsplit_paxos::{
    Ballot, Bug, Command, GiveUp, Mode, Note, Params, PaxosLab, PaxosScenario, PaxosSim,
    SINGLE_SLOT, Stage, Value,
};
use netsplit_sim::lab::{Lab, run_to_end};
use netsplit_sim::{Action, Link, NodeId, Span, Time, Timed};
use std::collections::BTreeMap;

fn preset(slug: &str) -> PaxosScenario {
    netsplit_sim::lab::preset::<PaxosLab>(slug)
        .unwrap_or_else(|| panic!("no preset {slug}"))
        .scenario
}

fn run(scenario: &PaxosScenario) -> Box<PaxosSim> {
    run_to_end::<PaxosLab>(scenario)
}

fn notes(sim: &PaxosSim) -> Vec<(Time, Note)> {
    sim.trace().notes()
}

fn with_bug(mut scenario: PaxosScenario, bug: Option<Bug>) -> PaxosScenario {
    scenario.params.bug = bug;
    scenario
}

fn ballot(round: u32, proposer: u16) -> Ballot {
    Ballot {
        round,
        proposer: NodeId(proposer),
    }
}

fn propose(at: u64, node: u16, letter: char) -> Timed<Action<Command>> {
    Timed {
        at: Time(at),
        action: Action::Command(NodeId(node), Command::Propose(Value::Client(letter))),
    }
}

fn scripted(params: Params, actions: Vec<Timed<Action<Command>>>) -> PaxosScenario {
    PaxosScenario {
        seed: 7,
        params,
        links: Link::default(),
        actions,
        duration: Span::secs(4),
    }
}

/// §2.2, phase 1 and 2 with one proposer: Prepare, a promise from every acceptor, Accept with
/// the proposer's own value (no acceptor had accepted anything), and the value is chosen once a
/// majority accepts it, before the learner hears of it (§2.3).
#[test]
fn s2_2_one_proposer_gets_its_own_value_chosen() {
    let sim = run(&preset("one-proposer"));
    let notes = notes(&sim);
    let b = ballot(1, 0);
    let promised = notes
        .iter()
        .filter(|(_, n)| matches!(n, Note::Promised { ballot, .. } if *ballot == b))
        .count();
    assert_eq!(promised, 3);
    assert!(notes.iter().any(|(_, n)| *n
        == Note::Proposed {
            proposer: NodeId(0),
            ballot: b,
            slot: SINGLE_SLOT,
            value: Value::Client('A'),
            carried_from: None,
        }));
    let choice = &sim.monitor().chosen()[&SINGLE_SLOT];
    assert_eq!((choice.value, choice.ballot), (Value::Client('A'), b));
    assert_eq!(choice.acceptors.len(), 2, "chosen at the second acceptance");
    let (learned_at, _) = notes
        .iter()
        .find(|(_, n)| matches!(n, Note::Learned { .. }))
        .expect("the learner learns");
    assert!(*learned_at > choice.at, "chosen before anyone learns it");
    assert!(sim.violations().is_empty());
}

/// §2.2, P1a: an acceptor that promised a higher ballot refuses a lower Prepare or Accept and
/// names its promise; every promise and acceptance in a duel respects the earlier promises.
#[test]
fn s2_2_p1a_acceptors_refuse_ballots_below_their_promise() {
    let sim = run(&with_bug(preset("bug-accept-below-promise"), None));
    let notes = notes(&sim);
    assert!(notes.iter().any(|(_, n)| matches!(
        n,
        Note::Refused { ballot: b, promised: p, .. } if *b == ballot(1, 0) && *p == ballot(1, 1)
    )));
    let mut promised: BTreeMap<NodeId, Ballot> = BTreeMap::new();
    for (_, note) in &notes {
        match *note {
            Note::Promised { acceptor, ballot }
            | Note::Accepted {
                acceptor, ballot, ..
            } => {
                let before = promised.entry(acceptor).or_insert(ballot);
                assert!(ballot >= *before, "{acceptor} went below its promise");
                *before = ballot;
            }
            Note::Refused {
                acceptor,
                ballot,
                promised: p,
            } => {
                assert!(p > ballot);
                assert_eq!(promised.get(&acceptor), Some(&p));
            }
            _ => {}
        }
    }
    assert!(sim.violations().is_empty());
}

/// §2.2, P2c: a value accepted by only one acceptor is carried forward when that acceptor is
/// in the next proposer's majority; the proposer's own value B is never proposed.
#[test]
fn s2_2_p2c_a_minority_value_is_carried_forward() {
    let sim = run(&preset("carried-forward"));
    let notes = notes(&sim);
    assert!(notes.iter().any(|(_, n)| *n
        == Note::Proposed {
            proposer: NodeId(1),
            ballot: ballot(1, 1),
            slot: SINGLE_SLOT,
            value: Value::Client('A'),
            carried_from: Some(ballot(1, 0)),
        }));
    assert!(!notes.iter().any(|(_, n)| matches!(
        n,
        Note::Proposed {
            value: Value::Client('B'),
            ..
        }
    )));
    assert_eq!(
        sim.monitor().chosen()[&SINGLE_SLOT].value,
        Value::Client('A')
    );
    assert!(sim.violations().is_empty());
}

/// §2.5: a proposer keeps the highest round it used on stable storage, so after a restart its
/// next ballot is higher; it then finds the chosen value B and proposes it again, not its C.
#[test]
fn s2_5_a_restarted_proposer_never_reuses_a_ballot() {
    let sim = run(&preset("proposer-crash"));
    let notes = notes(&sim);
    let n0_ballots: Vec<Ballot> = notes
        .iter()
        .filter_map(|(_, n)| match n {
            Note::Preparing { proposer, ballot } if *proposer == NodeId(0) => Some(*ballot),
            _ => None,
        })
        .collect();
    assert_eq!(n0_ballots, vec![ballot(1, 0), ballot(2, 0)]);
    assert!(notes.iter().any(|(_, n)| matches!(
        n,
        Note::Proposed { proposer, value: Value::Client('B'), carried_from: Some(_), .. } if *proposer == NodeId(0)
    )));
    assert_eq!(
        sim.monitor().chosen()[&SINGLE_SLOT].value,
        Value::Client('B')
    );
    assert!(sim.violations().is_empty());
}

/// §2.5: acceptors keep their promise and their vote on stable storage across a crash.
#[test]
fn s2_5_an_acceptor_remembers_its_promise_and_vote_across_a_crash() {
    let params = Params {
        proposers: 1,
        ..Params::default()
    };
    let mut actions = vec![propose(100, 0, 'A')];
    actions.push(Timed {
        at: Time(1000),
        action: Action::Crash(NodeId(1)),
    });
    actions.push(Timed {
        at: Time(1500),
        action: Action::Restart(NodeId(1)),
    });
    let sim = run(&scripted(params, actions));
    let acceptor = sim.slot(NodeId(1)).node().acceptor().unwrap();
    assert_eq!(acceptor.promised(), Some(ballot(1, 0)));
    assert_eq!(
        acceptor.accepted(SINGLE_SLOT),
        Some((ballot(1, 0), Value::Client('A')))
    );
}

/// §2.4: two proposers can keep outbidding each other; rejections name the higher promise,
/// the loser backs off for a random time and retries above it, and eventually one value is
/// chosen and both proposers learn it.
#[test]
fn s2_4_duelling_proposers_outbid_each_other_then_one_value_is_chosen() {
    let sim = run(&preset("duel"));
    let notes = notes(&sim);
    let outbid: Vec<(Ballot, Ballot)> = notes
        .iter()
        .filter_map(|(_, n)| match n {
            Note::GaveUp {
                ballot,
                why: GiveUp::Outbid { promised, .. },
                ..
            } => Some((*ballot, *promised)),
            _ => None,
        })
        .collect();
    assert!(outbid.len() >= 2, "ballots given up: {outbid:?}");
    for (mine, theirs) in &outbid {
        assert!(theirs > mine);
    }
    let chosen = sim.monitor().chosen()[&SINGLE_SLOT].value;
    for p in 0..2 {
        let proposer = sim.slot(NodeId(p)).node().proposer().unwrap();
        assert_eq!(proposer.learned().get(&SINGLE_SLOT), Some(&chosen));
        assert_eq!(proposer.stage(), Stage::Idle);
    }
    assert!(sim.monitor().ballots().len() >= 4);
    assert!(sim.violations().is_empty());
}

/// §3: a Multi-Paxos leader runs phase 1 once, then one phase 2 per value, in consecutive
/// slots; a proposer that follows it turns clients away to it.
#[test]
fn s3_multi_paxos_runs_phase_one_once_for_every_slot() {
    let sim = run(&preset("multi"));
    let notes = notes(&sim);
    let prepares = notes
        .iter()
        .filter(|(_, n)| matches!(n, Note::Preparing { .. }))
        .count();
    assert_eq!(prepares, 1);
    let chosen: Vec<(u64, Value)> = sim
        .monitor()
        .chosen()
        .iter()
        .map(|(&s, c)| (s, c.value))
        .collect();
    let expected: Vec<(u64, Value)> = "ABCD"
        .chars()
        .enumerate()
        .map(|(i, c)| (i as u64 + 1, Value::Client(c)))
        .collect();
    assert_eq!(chosen, expected);
    assert!(notes.iter().any(|(_, n)| *n
        == Note::Redirected {
            proposer: NodeId(1),
            leader: NodeId(0)
        }));
    assert!(sim.slot(NodeId(0)).node().is_leader());
    assert!(sim.violations().is_empty());
}

/// §3: a new leader re-runs phase 1 from the first slot it has not learned and fills every
/// slot that no acceptor reports with a no-op, so the sequence of chosen values has no gaps.
#[test]
fn s3_a_new_leader_fills_gaps_with_no_ops() {
    let sim = run(&preset("multi-failover"));
    let chosen: Vec<(u64, Value)> = sim
        .monitor()
        .chosen()
        .iter()
        .map(|(&s, c)| (s, c.value))
        .collect();
    assert_eq!(
        chosen,
        vec![
            (1, Value::Client('A')),
            (2, Value::Noop),
            (3, Value::Client('C')),
            (4, Value::Client('D')),
        ]
    );
    let new_leader = sim.slot(NodeId(1)).node();
    assert!(new_leader.is_leader());
    assert_eq!(new_leader.proposer().unwrap().first_unlearned(), 5);
    assert!(sim.violations().is_empty());
}

/// The bug toggles: each preset breaks the property it names, and the same run without the bug
/// breaks nothing.
#[test]
fn bug_toggles_break_their_property_and_only_with_the_bug() {
    for (slug, property) in [
        // P2b breaks at the proposal, before a majority accepts the wrong value.
        ("bug-ignore-values", "Chosen values stay"),
        ("bug-accept-below-promise", "Promises kept"),
    ] {
        let sim = run(&preset(slug));
        let broken: Vec<&str> = sim
            .violations()
            .iter()
            .map(|v| v.property.as_str())
            .collect();
        assert_eq!(broken.first(), Some(&property), "{slug}: {broken:?}");
        let clean = run(&with_bug(preset(slug), None));
        assert!(clean.violations().is_empty(), "{slug} without its bug");
    }
}

/// The Agreement violation names both ballots, the acceptors and both values.
#[test]
fn an_agreement_violation_names_ballots_acceptors_and_values() {
    let sim = run(&preset("bug-ignore-values"));
    let v = sim
        .violations()
        .iter()
        .find(|v| v.property == "Agreement")
        .expect("the wrong value is chosen too");
    for word in ["A", "B", "1.0", "1.1", "n3", "n4"] {
        assert!(v.explanation.contains(word), "{word} in {}", v.explanation);
    }
    assert_eq!(v.indexes, vec![SINGLE_SLOT]);
    assert_eq!(v.events.len(), 2);
    // Both majorities were n3 and n4: the nodes named are the two together, each once.
    assert_eq!(v.explanation.matches("accepted by n3, n4").count(), 2);
    assert_eq!(v.nodes, vec![NodeId(3), NodeId(4)]);
}

#[test]
fn out_of_range_parameters_and_misdirected_proposals_are_refused() {
    let refused = |params: Params, actions| {
        PaxosLab::validate(&scripted(params, actions))
            .expect_err("refused")
            .to_string()
    };
    let too_many = Params {
        proposers: 4,
        ..Params::default()
    };
    assert_eq!(
        refused(too_many, vec![]),
        "proposers must be between 1 and 3, got 4"
    );
    let acceptors = Params {
        acceptors: 9,
        ..Params::default()
    };
    assert_eq!(
        refused(acceptors, vec![]),
        "acceptors must be between 1 and 7, got 9"
    );
    assert_eq!(
        refused(Params::default(), vec![propose(100, 3, 'A')]),
        "action 1 at 0.1 s asks n3 to propose, but only n0 to n1 are proposers"
    );
    assert_eq!(
        refused(Params::default(), vec![propose(100, 0, 'a')]),
        "action 1 at 0.1 s proposes a; proposals are capital letters A to Z (or numbered requests)"
    );
    let multi = Params {
        mode: Mode::Multi,
        ..Params::default()
    };
    assert!(PaxosLab::validate(&scripted(multi, vec![propose(100, 1, 'Q')])).is_ok());
}
