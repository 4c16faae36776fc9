//! The adversarial corpus: every lab's heaviest scenarios (`Lab::heaviest`: the most nodes, the
//! fastest timers, the widest latencies, the most actions), each either refused with a sentence
//! naming the limits or played to its end, as a link opened at its last moment is, within
//! `MAX_EVENTS` and `MEMORY_BUDGET`. Memory is measured by counting every allocation of this
//! test binary; the test prints each run's time and peak.

#![cfg(not(target_arch = "wasm32"))]

use std::time::Instant;

use netsplit_labs::{LABS, Member, VisitLab, with_lab};
use netsplit_sim::lab::{Recording, STOPPED};
use netsplit_sim::{MAX_EVENTS, MEMORY_BUDGET, Time};
use peak_alloc::PeakAlloc;

/// The system allocator, counting the bytes in use and the most ever in use.
#[global_allocator]
static COUNTING: PeakAlloc = PeakAlloc;

/// What one scenario of the corpus did.
struct Outcome {
    refusal: Option<String>,
    /// The finding of a run that stopped at a limit.
    stopped: Option<String>,
    events: u64,
    ended_at: Time,
    seconds: f64,
    peak: usize,
}

struct Corpus;

impl VisitLab for Corpus {
    type Out = Vec<Outcome>;

    fn visit<L: Member>(self) -> Vec<Outcome> {
        L::heaviest()
            .iter()
            .map(|scenario| {
                let before = COUNTING.current_usage();
                COUNTING.reset_peak_usage();
                let started = Instant::now();
                let outcome = match L::start(scenario, Recording::Full) {
                    Err(refusal) => (Some(refusal.to_string()), None, 0, Time::ZERO),
                    Ok(mut run) => {
                        L::run_until(&mut run, Time::ZERO + L::duration(scenario));
                        let report = L::report(&run);
                        let stopped = report
                            .findings
                            .iter()
                            .find(|f| f.heading == STOPPED)
                            .map(|f| f.lines.join(" "));
                        (None, stopped, report.steps, report.ended_at)
                    }
                };
                Outcome {
                    refusal: outcome.0,
                    stopped: outcome.1,
                    events: outcome.2,
                    ended_at: outcome.3,
                    seconds: started.elapsed().as_secs_f64(),
                    peak: COUNTING.peak_usage() - before,
                }
            })
            .collect()
    }
}

/// Runs in one test so that no other test's allocations count.
#[test]
fn the_heaviest_scenarios_are_refused_or_run_within_the_budget() {
    let (mut accepted, mut by_memory) = (0, 0);
    for lab in LABS {
        let outcomes = with_lab(lab.slug, Corpus).expect("a lab of the registry");
        assert!(
            !outcomes.is_empty(),
            "{} has no heaviest scenarios",
            lab.title
        );
        for (i, outcome) in outcomes.iter().enumerate() {
            let mib = outcome.peak as f64 / f64::from(1 << 20);
            match &outcome.refusal {
                Some(refusal) => {
                    println!("{} #{i}: refused: {refusal}", lab.slug);
                    // A sentence a user can act on: it names a limit.
                    assert!(
                        refusal.chars().any(|c| c.is_ascii_digit()) && refusal.len() > 30,
                        "{} #{i}: {refusal}",
                        lab.slug
                    );
                }
                None => {
                    accepted += 1;
                    println!(
                        "{} #{i}: {} events to {}, {:.2} s, peak {mib:.0} MiB",
                        lab.slug, outcome.events, outcome.ended_at, outcome.seconds
                    );
                    if let Some(stopped) = &outcome.stopped {
                        println!("  stopped: {stopped}");
                        by_memory += usize::from(stopped.contains("the most memory"));
                    }
                    assert!(outcome.events <= MAX_EVENTS, "{} #{i}", lab.slug);
                    assert!(
                        outcome.peak <= MEMORY_BUDGET,
                        "{} #{i} took {mib:.0} MiB, over the budget of {} MiB",
                        lab.slug,
                        MEMORY_BUDGET >> 20
                    );
                }
            }
        }
    }
    assert!(accepted >= LABS.len(), "{accepted} accepted runs");
    // The memory stop is what keeps some of them within the budget.
    assert!(
        by_memory > 0,
        "no run stopped at the most memory a run may take"
    );
}
