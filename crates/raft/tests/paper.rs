//! Raft against the extended paper (Ongaro and Ousterhout, 2014), section by section, through
//! the lab's presets and small scripted runs.

use netsplit_raft::{Bug, Command, Note, Op, Params, RaftLab, RaftScenario, RaftSim, Role};
use netsplit_sim::lab::run_to_end;
use netsplit_sim::{Action, Link, NodeId, Partition, Time, TraceEvent};

fn preset(slug: &str) -> RaftScenario {
    netsplit_sim::lab::preset::<RaftLab>(slug)
        .unwrap_or_else(|| panic!("no preset {slug}"))
        .scenario
}

fn run(scenario: &RaftScenario) -> Box<RaftSim> {
    run_to_end::<RaftLab>(scenario)
}

fn notes(sim: &RaftSim) -> Vec<(Time, Note)> {
    sim.trace().notes()
}

fn with_bug(mut scenario: RaftScenario, bug: Option<Bug>) -> RaftScenario {
    scenario.params.bug = bug;
    scenario
}

/// §5.2: servers start as followers; the first to time out becomes a candidate, wins a
/// majority and leads; the others learn of it from its heartbeats.
#[test]
fn s5_2_a_leader_is_elected_and_the_others_follow() {
    let sim = run(&preset("election"));
    let leaders: Vec<_> = sim
        .nodes()
        .iter()
        .filter(|s| s.node().role() == Role::Leader)
        .collect();
    assert_eq!(leaders.len(), 1);
    let leader = leaders[0].node();
    assert_eq!(leader.term(), 1);
    for slot in sim.nodes() {
        assert_eq!(slot.node().term(), 1);
        assert_eq!(slot.node().leader(), leader.leader());
    }
    assert!(sim.violations().is_empty());
}

/// §5.2: with votes split, no candidate wins and a new election starts in a later term.
#[test]
fn s5_2_a_split_vote_elects_nobody_in_that_term() {
    let sim = run(&preset("split-vote"));
    let leaders = sim.monitor().leaders();
    assert!(
        !leaders.contains_key(&1),
        "term 1 had a leader: {leaders:?}"
    );
    assert_eq!(
        leaders.len(),
        1,
        "a later term elects one leader: {leaders:?}"
    );
    assert!(sim.violations().is_empty());
}

/// §5.3: the leader appends a request, replicates it, commits it once a majority stores it,
/// and every server applies committed entries in log order.
#[test]
fn s5_3_requests_are_replicated_committed_and_applied_in_order() {
    let sim = run(&preset("replicate"));
    for slot in sim.nodes() {
        let node = slot.node();
        assert_eq!(node.commit_index(), 3);
        assert_eq!(node.last_applied(), 3);
        assert_eq!(node.state().get(&'x'), Some(&3));
        assert_eq!(node.state().get(&'y'), Some(&2));
    }
}

/// §5.3 and Figure 7: a leader cut off with a minority cannot commit; the majority elects a
/// new leader that can; on healing the old leader steps down and its conflicting, uncommitted
/// entry is deleted and replaced.
#[test]
fn s5_3_figure_7_a_minority_cannot_commit_and_its_extra_entries_are_replaced() {
    let sim = run(&preset("partition"));
    let all = notes(&sim);
    let committed_y = all.iter().any(|(at, n)| {
        matches!(
            n,
            Note::Committed {
                node: NodeId(0),
                index: 2
            }
        ) && *at < Time(6000)
    });
    assert!(!committed_y, "the minority leader must not commit index 2");
    assert!(all.iter().any(|(_, n)| matches!(
        n,
        Note::Truncated {
            node: NodeId(0),
            index: 2
        }
    )));
    let reference = sim.nodes()[2].node().log().chain().to_vec();
    for slot in sim.nodes() {
        assert_eq!(
            slot.node().log().chain(),
            reference,
            "logs are identical after healing"
        );
        assert_eq!(slot.node().state().get(&'z'), Some(&3));
        assert_eq!(
            slot.node().state().get(&'y'),
            None,
            "the uncommitted y=2 is gone"
        );
    }
}

/// §5.3 and Figure 7: a follower missing entries is repaired: AppendEntries fails the
/// consistency check, the leader steps nextIndex back and retries until the logs match.
#[test]
fn s5_3_figure_7_a_lagging_follower_is_repaired() {
    let sim = run(&preset("log-repair"));
    let failures = sim
        .trace()
        .records()
        .iter()
        .filter(|r| matches!(&r.event, TraceEvent::Sent { from: NodeId(4), msg, .. } if matches!(**msg, netsplit_raft::Msg::Appended { success: false, .. })))
        .count();
    assert!(failures >= 1, "n4 must first refuse");
    let leader = sim.nodes()[1].node();
    assert_eq!(leader.role(), Role::Leader);
    assert_eq!(leader.match_index(NodeId(4)), 5);
    assert_eq!(sim.nodes()[4].node().log().chain(), leader.log().chain());
    assert_eq!(sim.nodes()[4].node().commit_index(), 5);
}

fn stand_twice(node: u16, at: u64) -> [netsplit_sim::Timed<Action<Command>>; 2] {
    let timeout = |at| netsplit_sim::Timed {
        at: Time(at),
        action: Action::Command(NodeId(node), Command::Timeout),
    };
    [timeout(at), timeout(at + 10)]
}

/// §5.4.1: a server refuses its vote to a candidate whose log is less up-to-date.
#[test]
fn s5_4_1_votes_go_only_to_up_to_date_candidates() {
    let mut s = preset("log-repair");
    // n4 returns with an empty log and stands for election twice before it is repaired (the
    // first try, in term 2, meets servers that already voted in that term).
    s.actions.extend(stand_twice(4, 3300));
    let sim = run(&s);
    let votes_for_n4 = notes(&sim)
        .iter()
        .filter(|(at, n)| {
            *at >= Time(3300)
                && matches!(
                    n,
                    Note::Voted {
                        candidate: NodeId(4),
                        ..
                    }
                )
        })
        .count();
    assert_eq!(votes_for_n4, 0);
    assert!(sim.violations().is_empty());

    let mut s = with_bug(preset("log-repair"), Some(Bug::VoteWithoutLogCheck));
    s.actions.extend(stand_twice(4, 3300));
    let sim = run(&s);
    assert!(notes(&sim).iter().any(|(at, n)| *at >= Time(3300)
        && matches!(
            n,
            Note::Voted {
                candidate: NodeId(4),
                ..
            }
        )));
    assert_eq!(sim.violations()[0].property, "Leader Completeness");
}

/// §5.4.2 and Figure 8: a leader never commits an entry of an earlier term by counting
/// replicas. With the bug it does, and a later leader, elected without the committed entry,
/// overwrites it on a server that had committed it.
#[test]
fn s5_4_2_figure_8_old_terms_are_not_committed_by_counting() {
    let buggy = run(&preset("figure-8"));
    let properties: Vec<&str> = buggy
        .violations()
        .iter()
        .map(|v| v.property.as_str())
        .collect();
    assert_eq!(
        properties,
        [
            "Leader Completeness",
            "Durable Commits",
            "State Machine Safety"
        ]
    );
    assert_eq!(buggy.violations()[1].indexes, [2]);
    assert_eq!(buggy.violations()[2].indexes, [2]);

    let correct = run(&with_bug(preset("figure-8"), None));
    assert!(
        correct.violations().is_empty(),
        "{:?}",
        correct.violations()
    );
    let leader_of_term_3_commits_2 = notes(&correct).iter().any(|(at, n)| {
        matches!(
            n,
            Note::Committed {
                node: NodeId(0),
                index: 2
            }
        ) && (Time(2000)..Time(2600)).contains(at)
    });
    assert!(!leader_of_term_3_commits_2);
}

/// Figure 2, persistent state: currentTerm, votedFor and the log survive a crash; commitIndex
/// and the state machine are rebuilt.
#[test]
fn figure_2_persistent_state_survives_a_restart() {
    let mut sim = Params::default().build(Link::default(), 3);
    sim.schedule(Time(100), Action::Command(NodeId(0), Command::Timeout));
    sim.schedule(
        Time(800),
        Action::Command(NodeId(0), Command::Request(Op { key: 'k', value: 7 })),
    );
    sim.run_until(Time(1500));
    let before = sim.slot(NodeId(2)).node().clone();
    assert_eq!(before.voted_for(), Some(NodeId(0)));
    sim.act(Action::Crash(NodeId(2)));
    sim.act(Action::Restart(NodeId(2)));
    let after = sim.slot(NodeId(2)).node();
    assert_eq!(
        (after.term(), after.voted_for()),
        (before.term(), before.voted_for())
    );
    assert_eq!(after.log(), before.log());
    assert_eq!((after.commit_index(), after.last_applied()), (0, 0));
    assert!(after.state().is_empty());
    sim.run_until(Time(2000));
    assert_eq!(
        sim.slot(NodeId(2)).node().state().get(&'k'),
        Some(&7),
        "re-applied after restart"
    );
}

/// Figure 2, client interaction (§8): a follower answers with the leader it knows.
#[test]
fn followers_redirect_clients_to_the_leader() {
    let sim = run(&preset("partition"));
    assert!(notes(&sim).iter().any(|(_, n)| matches!(
        n,
        Note::Redirected {
            node: NodeId(3),
            leader: Some(NodeId(2))
        }
    )));
}

/// Out-of-range parameters are refused with the allowed range.
#[test]
fn parameters_out_of_range_are_refused() {
    let refuse = |p: Params| p.validate().unwrap_err();
    assert_eq!(
        refuse(Params {
            nodes: 11,
            ..Params::default()
        }),
        "servers must be between 3 and 9, got 11"
    );
    assert!(
        refuse(Params {
            heartbeat: netsplit_sim::Span(400),
            ..Params::default()
        })
        .contains("must be shorter than the shortest election timeout")
    );
    assert!(
        refuse(Params {
            election_max: netsplit_sim::Span(200),
            ..Params::default()
        })
        .contains("must be above the shortest")
    );
}

/// A partition can also be expressed with several groups; a three-way split leaves nobody a
/// majority, so no leader is elected while it lasts.
#[test]
fn a_three_way_split_elects_nobody() {
    let mut sim = Params::default().build(Link::default(), 5);
    let groups = Partition(vec![vec![NodeId(0), NodeId(1)], vec![NodeId(2), NodeId(3)]]);
    sim.schedule(Time(0), Action::Partition(groups));
    sim.run_until(Time(5000));
    assert!(sim.monitor().leaders().is_empty());
    assert!(sim.nodes().iter().all(|s| s.node().role() != Role::Leader));
}
