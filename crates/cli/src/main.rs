//! # netsplit: the labs without a browser
//!
//! Runs a scenario file headless, as fast as the machine allows, and prints what happened: a
//! summary with the trace hash (the same hash the browser shows for the same scenario), the
//! lab's findings and any invariant violations, or with `--json` the whole trace.
//!
//! ```text
//!   netsplit presets                 list every lab's presets
//!   netsplit preset gossip crash     print a preset as a scenario file
//!   netsplit run scenario.json       run it; exit 1 if an invariant broke, 2 on bad input
//!   netsplit run s.json --narrate    the same, with every event narrated
//!   netsplit run '…#s=AQE…'          run what a share link holds; same trace hash as the app
//!   netsplit link s.json --at 3000   a share link fragment for a scenario
//!   netsplit raft fuzz --seeds 1000  random faults; the first failing seed and its scenario
//!   netsplit paxos fuzz --bug accept-below-promise   the same for Paxos
//!   netsplit crdt fuzz --type or-set                 and for CRDT replicas
//! ```
//!
//! It reads only the files it is given and writes only to standard output and error.

use clap::{Parser, Subcommand};
use netsplit_scenario::{
    FRAGMENT_PREFIX, FuzzOutcome, Lab, LabRun, Report, Scenario, ShareState, ViewState,
    crdt_fuzz_scenario, fuzz, paxos_fuzz_scenario, presets, raft_fuzz_scenario,
};
use netsplit_sim::Time;
use std::io::Read;
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "netsplit", version, about = "Run Netsplit scenarios headless.")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run a scenario file, a share link, or `-` (standard input), and print a summary.
    Run {
        /// A scenario file (JSON), a share link (or its `#s=…` fragment), or `-`.
        path: String,
        /// Print the report and the full trace as JSON instead of a summary.
        #[arg(long)]
        json: bool,
        /// Print the trace narrated, one line per event, before the summary.
        #[arg(long)]
        narrate: bool,
    },
    /// Print a share link fragment (`#s=…`) for a scenario file, to put after the app's address.
    Link {
        /// The scenario, as JSON.
        path: String,
        /// The moment the link opens at, in milliseconds.
        #[arg(long, default_value_t = 0)]
        at: u64,
    },
    /// List the presets of every lab.
    Presets,
    /// Raft lab tools.
    Raft {
        #[command(subcommand)]
        command: RaftCommand,
    },
    /// Paxos lab tools.
    Paxos {
        #[command(subcommand)]
        command: PaxosCommand,
    },
    /// CRDT lab tools.
    Crdt {
        #[command(subcommand)]
        command: CrdtCommand,
    },
    /// Print one preset as a scenario file.
    Preset {
        /// The lab, such as `gossip`.
        lab: String,
        /// The preset, such as `crash`.
        name: String,
    },
}

#[derive(Subcommand)]
enum RaftCommand {
    /// Run many seeds with client requests and random faults; report the first violation.
    Fuzz {
        /// How many seeds to run.
        #[arg(long, default_value_t = 1000)]
        seeds: u64,
        /// The first seed.
        #[arg(long, default_value_t = 0)]
        start: u64,
        /// Cluster size (3 to 9).
        #[arg(long, default_value_t = 5)]
        nodes: usize,
        /// Leave out crashes, partitions and bad links; keep the client requests.
        #[arg(long)]
        no_faults: bool,
        /// A deliberately wrong variant: vote-without-log-check, commit-old-terms or
        /// forget-voted-for.
        #[arg(long)]
        bug: Option<String>,
    },
}

#[derive(Subcommand)]
enum PaxosCommand {
    /// Run many seeds with proposals and random faults; report the first violation.
    Fuzz {
        /// How many seeds to run.
        #[arg(long, default_value_t = 1000)]
        seeds: u64,
        /// The first seed.
        #[arg(long, default_value_t = 0)]
        start: u64,
        /// Proposers (1 to 3).
        #[arg(long, default_value_t = 2)]
        proposers: usize,
        /// Acceptors (1 to 7).
        #[arg(long, default_value_t = 3)]
        acceptors: usize,
        /// `single` (single-decree Paxos) or `multi` (Multi-Paxos).
        #[arg(long, default_value = "single")]
        mode: String,
        /// Leave out crashes, partitions and bad links; keep the proposals.
        #[arg(long)]
        no_faults: bool,
        /// A deliberately wrong variant: ignore-accepted-values or accept-below-promise.
        #[arg(long)]
        bug: Option<String>,
    },
}

#[derive(Subcommand)]
enum CrdtCommand {
    /// Run many seeds with random updates and random faults; report the first violation.
    Fuzz {
        /// How many seeds to run.
        #[arg(long, default_value_t = 1000)]
        seeds: u64,
        /// The first seed.
        #[arg(long, default_value_t = 0)]
        start: u64,
        /// Replicas (2 to 6).
        #[arg(long, default_value_t = 3)]
        replicas: usize,
        /// The type: g-counter, pn-counter, g-set, 2p-set, or-set, lww-set, lww-register or
        /// mv-register.
        #[arg(long = "type", default_value = "or-set")]
        kind: String,
        /// The anti-entropy period in milliseconds.
        #[arg(long, default_value_t = 1000)]
        period: u64,
        /// Leave out crashes, partitions and bad links; keep the updates.
        #[arg(long)]
        no_faults: bool,
        /// A deliberately wrong merge: add-on-merge, last-sync-wins or keep-mine-on-tie.
        #[arg(long)]
        bug: Option<String>,
    },
}

fn main() -> ExitCode {
    match execute(Cli::parse().command) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("netsplit: {message}");
            ExitCode::from(2)
        }
    }
}

fn execute(command: Command) -> Result<ExitCode, String> {
    match command {
        Command::Run {
            path,
            json,
            narrate,
        } => run(&path, json, narrate),
        Command::Raft {
            command:
                RaftCommand::Fuzz {
                    seeds,
                    start,
                    nodes,
                    no_faults,
                    bug,
                },
        } => raft_fuzz(
            start..start.saturating_add(seeds),
            nodes,
            !no_faults,
            bug.as_deref(),
        ),
        Command::Paxos {
            command:
                PaxosCommand::Fuzz {
                    seeds,
                    start,
                    proposers,
                    acceptors,
                    mode,
                    no_faults,
                    bug,
                },
        } => {
            let params = netsplit_paxos::Params {
                proposers,
                acceptors,
                mode: netsplit_paxos::Mode::named(&mode).ok_or_else(|| {
                    format!("no mode named {mode:?}; the modes are single and multi")
                })?,
                bug: named_bug(bug.as_deref(), &netsplit_paxos::Bug::ALL, |b| b.name())?,
                ..netsplit_paxos::Params::default()
            };
            params.validate()?;
            let seeds = start..start.saturating_add(seeds);
            print_fuzz(fuzz(seeds, |seed| {
                paxos_fuzz_scenario(seed, params, !no_faults)
            }))
        }
        Command::Crdt {
            command:
                CrdtCommand::Fuzz {
                    seeds,
                    start,
                    replicas,
                    kind,
                    period,
                    no_faults,
                    bug,
                },
        } => {
            let params = netsplit_crdt::Params {
                replicas,
                kind: netsplit_crdt::Kind::named(&kind).ok_or_else(|| {
                    let names: Vec<&str> =
                        netsplit_crdt::Kind::ALL.iter().map(|k| k.name()).collect();
                    format!("no type named {kind:?}; the types are {}", names.join(", "))
                })?,
                period: netsplit_sim::Span(period),
                bug: named_bug(bug.as_deref(), &netsplit_crdt::Bug::ALL, |b| b.name())?,
            };
            params.validate()?;
            let seeds = start..start.saturating_add(seeds);
            print_fuzz(fuzz(seeds, |seed| {
                crdt_fuzz_scenario(seed, params, !no_faults)
            }))
        }
        Command::Link { path, at } => {
            let scenario = read_scenario(&path)?;
            let state = ShareState {
                scenario,
                view: ViewState {
                    at: Time(at),
                    ..ViewState::default()
                },
            };
            println!("#{FRAGMENT_PREFIX}{}", state.encode());
            Ok(ExitCode::SUCCESS)
        }
        Command::Presets => {
            for lab in Lab::ALL {
                for preset in presets(lab) {
                    println!("{:<8} {:<12} {}", lab.slug(), preset.slug, preset.title);
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Preset { lab, name } => {
            let lab = Lab::ALL
                .into_iter()
                .find(|l| l.slug() == lab)
                .ok_or_else(|| format!("no lab named {lab:?}; try `netsplit presets`"))?;
            let preset = presets(lab)
                .into_iter()
                .find(|p| p.slug == name)
                .ok_or_else(|| format!("no {} preset named {name:?}", lab.slug()))?;
            println!("{}", to_json(&preset.scenario)?);
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// A scenario from a JSON file, a share link, or `-` for standard input holding either, with
/// the moment a share link opens at (zero for a file).
fn read_input(path: &str) -> Result<(Scenario, Time), String> {
    let text = if path == "-" {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|e| format!("cannot read standard input: {e}"))?;
        text
    } else if std::path::Path::new(path).is_file() {
        std::fs::read_to_string(path).map_err(|e| format!("cannot read {path}: {e}"))?
    } else {
        path.to_string()
    };
    if text.trim_start().starts_with('{') {
        let scenario =
            serde_json::from_str(&text).map_err(|e| format!("{path} is not a scenario: {e}"))?;
        Ok((scenario, Time::ZERO))
    } else {
        ShareState::decode(&text)
            .map(|state| (state.scenario, state.view.at))
            .map_err(|e| format!("{path} is neither a scenario file nor a share link: {e}"))
    }
}

fn read_scenario(path: &str) -> Result<Scenario, String> {
    read_input(path).map(|(scenario, _)| scenario)
}

fn run(path: &str, json: bool, narrate: bool) -> Result<ExitCode, String> {
    let (mut scenario, moment) = read_input(path)?;
    // A clocks execution or hashing history shared at step k replays its first k steps, as the
    // app shows it.
    if moment > Time::ZERO {
        match &mut scenario {
            Scenario::Clocks(s) => s.steps.truncate(moment.0 as usize),
            Scenario::Hashing(s) => s.ops.truncate(moment.0 as usize),
            _ => {}
        }
    }
    let mut lab_run = scenario
        .start()
        .map_err(|e| format!("{path} is refused: {e}"))?;
    // A share link replays to the moment it was shared at, as the app does when it opens it.
    let end = if moment > Time::ZERO {
        moment
    } else {
        Time::ZERO + scenario.duration()
    };
    lab_run.run_until(end);
    let report = lab_run.report(scenario.seed());
    if json {
        let trace = match &lab_run {
            LabRun::Gossip(sim) => serde_json::to_value(sim.trace().records()),
            LabRun::Raft(sim) => serde_json::to_value(sim.trace().records()),
            LabRun::Paxos(sim) => serde_json::to_value(sim.trace().records()),
            LabRun::Crdt(sim) => serde_json::to_value(sim.trace().records()),
            LabRun::Clocks(execution) => serde_json::to_value(execution.events()),
            LabRun::Hashing(history) => serde_json::to_value(&history.ops),
        }
        .map_err(|e| e.to_string())?;
        let out = serde_json::json!({ "report": report, "trace": trace });
        println!("{}", to_json(&out)?);
    } else {
        if narrate {
            match &lab_run {
                LabRun::Gossip(sim) => print_narration(sim.trace().records()),
                LabRun::Raft(sim) => print_narration(sim.trace().records()),
                LabRun::Paxos(sim) => print_narration(sim.trace().records()),
                LabRun::Crdt(sim) => print_narration(sim.trace().records()),
                LabRun::Clocks(execution) => {
                    for (step, event) in execution.steps().iter().zip(execution.events()) {
                        println!("{:>9}  {step}", event.clock.to_string());
                    }
                }
                LabRun::Hashing(history) => {
                    for (i, op) in history.ops.iter().enumerate() {
                        println!("{:>9}  {op}", format!("step {}", i + 1));
                    }
                }
            }
        }
        print_summary(&report);
    }
    Ok(if report.violations.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn raft_fuzz(
    seeds: std::ops::Range<u64>,
    nodes: usize,
    faults: bool,
    bug: Option<&str>,
) -> Result<ExitCode, String> {
    let params = netsplit_raft::Params {
        nodes,
        bug: named_bug(bug, &netsplit_raft::Bug::ALL, |b| b.name())?,
        ..netsplit_raft::Params::default()
    };
    params.validate()?;
    print_fuzz(fuzz(seeds, |seed| raft_fuzz_scenario(seed, params, faults)))
}

/// The bug called `name` among `bugs`, refusing an unknown name with the list of known ones.
fn named_bug<B: Copy>(
    name: Option<&str>,
    bugs: &[B],
    name_of: impl Fn(B) -> &'static str,
) -> Result<Option<B>, String> {
    let Some(name) = name else {
        return Ok(None);
    };
    bugs.iter()
        .copied()
        .find(|&b| name_of(b) == name)
        .map(Some)
        .ok_or_else(|| {
            let names: Vec<&str> = bugs.iter().map(|&b| name_of(b)).collect();
            format!("no bug named {name:?}; the bugs are {}", names.join(", "))
        })
}

/// Prints a fuzzing outcome: the seed count, or the failing seed and a scenario replaying it.
fn print_fuzz(outcome: FuzzOutcome) -> Result<ExitCode, String> {
    match outcome.failure {
        None => {
            println!("{} seeds, no violation", outcome.seeds_run);
            Ok(ExitCode::SUCCESS)
        }
        Some(failure) => {
            println!(
                "seed {} broke {} after {} seeds: {}",
                failure.seed,
                failure.violation.property,
                outcome.seeds_run,
                failure.violation.explanation
            );
            println!(
                "replay it: save the next line to a file and run `netsplit run FILE --narrate`"
            );
            println!(
                "{}",
                serde_json::to_string(&failure.scenario).map_err(|e| e.to_string())?
            );
            Ok(ExitCode::from(1))
        }
    }
}

fn to_json(value: &impl serde::Serialize) -> Result<String, String> {
    serde_json::to_string_pretty(value).map_err(|e| e.to_string())
}

fn print_narration<N: netsplit_sim::Node>(records: &[netsplit_sim::Record<N>]) {
    for record in records {
        println!("{:>9}  {}", record.at.to_string(), record.event);
    }
}

fn print_summary(report: &Report) {
    println!(
        "lab {}  seed {}  ran to {}  events {}  trace records {}",
        report.lab.slug(),
        report.seed,
        report.ended_at,
        report.steps,
        report.records
    );
    println!("trace hash {:016x}", report.trace_hash);
    for finding in &report.findings {
        println!("  {finding}");
    }
    if report.violations.is_empty() {
        println!("invariants: all held");
    } else {
        println!("invariants: {} violation(s)", report.violations.len());
        for v in &report.violations {
            println!("  {}: {}", v.property, v.explanation);
        }
    }
}
