//! A network lab's estimate of a run's events (`NetworkLab::expected_events`), which decides
//! whether a run is accepted, is held to the events runs take: presets, fuzz runs with and
//! without faults, and the heaviest settings on fast, calm and slow links. A run refused for
//! its cost is told how to fit, and each way it is told fits.

use netsplit_labs::{coordination, crdt, gossip, paxos, raft, transactions};
use netsplit_sim::lab::{
    EVENT_BUDGET, IN_FLIGHT_BUDGET, Lab, LabScenario, NetworkLab, ScenarioOf, expected_in_flight,
};
use netsplit_sim::{Chance, Link, Span, Time};

/// Every network lab; a new one joins this list.
macro_rules! each_network_lab {
    ($check:ident) => {
        $check::<raft::RaftLab>();
        $check::<paxos::PaxosLab>();
        $check::<crdt::CrdtLab>();
        $check::<gossip::GossipLab>();
        $check::<coordination::CoordLab>();
        $check::<transactions::TxnLab>();
    };
}

/// The events the run takes and the most messages it holds in flight (looked at every
/// simulated second), whether or not it is accepted.
fn cost<L: NetworkLab>(s: &ScenarioOf<L>) -> (u64, u64) {
    let mut sim = L::build(&s.params, s.links, s.seed)
        .without_trace()
        .with_checkpoints(None);
    for timed in &s.actions {
        sim.schedule(timed.at, timed.action.clone());
    }
    let mut most = 0;
    for second in 1..=s.duration.0.div_ceil(1000) {
        sim.run_until(Time((second * 1000).min(s.duration.0)));
        most = most.max(sim.in_flight().count() as u64);
    }
    (sim.steps(), most)
}

/// A run takes at most a quarter more events than its estimate, and holds at most a quarter
/// more messages in flight (and a few for tiny runs).
fn estimate_holds<L: NetworkLab>() {
    let slug = <L as NetworkLab>::ABOUT.slug;
    let mut cases: Vec<(String, ScenarioOf<L>, bool)> = <L as NetworkLab>::presets()
        .into_iter()
        .map(|p| (format!("preset {}", p.slug), p.scenario, false))
        .collect();
    for seed in 0..20 {
        for faults in [false, true] {
            let s = <L as NetworkLab>::fuzz(seed, L::fuzz_params(), faults);
            cases.push((format!("fuzz seed {seed}, faults {faults}"), s, faults));
        }
    }
    for params in L::heaviest_params() {
        for latency_max in [1, 80, 60_000] {
            let links = Link {
                latency_min: Span(0),
                latency_max: Span(latency_max),
                ..Link::default()
            };
            let s = LabScenario {
                seed: 1,
                params,
                links,
                actions: Vec::new(),
                duration: Span::secs(60),
            };
            cases.push((
                format!("heaviest {params:?} on links to {latency_max} ms"),
                s,
                false,
            ));
        }
    }
    let mut worst = (0, 1, String::new());
    for (case, s, faulty) in cases {
        let ((taken, held), expected) = (cost::<L>(&s), L::expected_events(&s));
        assert!(
            taken <= expected + expected / 4 + 10,
            "{slug} {case}: {taken} events, {expected} expected"
        );
        // Faults hold messages and slow links down, which the settings do not show.
        let expected_held = expected_in_flight::<L>(&s);
        assert!(
            faulty || held <= expected_held + expected_held / 4 + 10,
            "{slug} {case}: {held} messages in flight at once, {expected_held} expected"
        );
        if taken * worst.1 > worst.0 * expected.max(1) {
            worst = (taken, expected.max(1), case);
        }
    }
    println!(
        "{slug}: at most {}% of the estimate ({} of {}, {})",
        worst.0 * 100 / worst.1,
        worst.0,
        worst.1,
        worst.2
    );
}

#[test]
fn runs_take_no_more_events_and_hold_no_more_messages_than_their_estimate() {
    each_network_lab!(estimate_holds);
}

/// Every heaviest scenario expected over the budgets, on its own links and on links that copy
/// every message, is refused, and each way the refusal names ("lower duration to at most
/// 294118 ms", "lower latency_max to at most 4000 ms", "raise timeout to at least 66 ms")
/// makes it accepted.
fn advice_fits<L: NetworkLab>() {
    let slug = <L as NetworkLab>::ABOUT.slug;
    let mut refused = 0;
    let copying = <L as Lab>::heaviest().into_iter().map(|mut s| {
        s.links.duplicate = Chance::ALWAYS;
        s
    });
    for s in <L as Lab>::heaviest().into_iter().chain(copying) {
        let Err(refusal) = <L as Lab>::validate(&s) else {
            continue;
        };
        let refusal = refusal.0;
        refused += 1;
        // "…more than the 5000 a run may hold (to fit, lower latency_max to at most 4000 ms, or
        // lower nodes to at most 4)": each way meets the budget it is given for.
        let parts: Vec<&str> = refusal.split("(to fit, ").collect();
        for (missed, advice) in parts.iter().zip(&parts[1..]) {
            let in_flight = missed.contains("messages in flight");
            let ways = advice.split(')').next().expect("advice");
            for way in ways.split(", or ") {
                let words: Vec<&str> = way.split(' ').collect();
                let (name, value) = (words[1], words[5]);
                let mut fitted = s.clone();
                match name {
                    "duration" => fitted.duration = Span(value.parse().expect("milliseconds")),
                    "latency_max" => {
                        fitted.links.latency_max = Span(value.parse().expect("milliseconds"));
                    }
                    _ => <L as Lab>::set(&mut fitted, name, value).expect("a setting"),
                }
                let met = if in_flight {
                    expected_in_flight::<L>(&fitted) <= IN_FLIGHT_BUDGET
                } else {
                    L::expected_events(&fitted) <= EVENT_BUDGET
                };
                assert!(met, "{slug}: \"{way}\" does not fit: {refusal}");
            }
        }
    }
    assert!(
        refused > 0,
        "{slug}: no heaviest scenario is over the budget"
    );
}

#[test]
fn a_run_refused_for_its_cost_is_told_how_to_fit() {
    each_network_lab!(advice_fits);
}
