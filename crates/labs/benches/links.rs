//! A million damaged share links (see `tests/support/mutations.rs`): how many, the refusals by
//! kind, how many still opened a valid run, and the slowest decode. `tests/link.rs` runs a
//! hundred thousand of the same in every test run.

use std::time::{Duration, Instant};

#[path = "../tests/support/mutations.rs"]
mod mutations;

fn main() {
    const INPUTS: u64 = 1_000_000;
    let seeds = mutations::seeds();
    let mut rng = netsplit_sim::Rng::seeded(1);
    let mut tally = mutations::Tally::default();
    let mut slowest = (Duration::ZERO, String::new());
    let started = Instant::now();
    for _ in 0..INPUTS {
        let code = mutations::damaged(&seeds, &mut rng);
        let before = Instant::now();
        mutations::try_one(&code, &mut tally);
        let took = before.elapsed();
        if took > slowest.0 {
            slowest = (took, code);
        }
    }
    println!(
        "damaged links: {} tried in {:.1} s from {} real ones, no panic; {} opened a valid run",
        tally.tried,
        started.elapsed().as_secs_f64(),
        seeds.len(),
        tally.opened
    );
    for (kind, count) in &tally.refused {
        println!("  refused, {kind}: {count}");
    }
    println!(
        "  slowest decode: {:.3} ms ({} characters)",
        slowest.0.as_secs_f64() * 1000.0,
        slowest.1.len()
    );
}
