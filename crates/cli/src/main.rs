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
//!   netsplit run '…#s=AgE…'          run what a share link holds; same trace hash as the app
//!   netsplit link s.json --at 3000   a share link fragment for a scenario
//!   netsplit fuzz raft --seeds 1000  random faults; the first failing seed and its scenario
//!   netsplit fuzz paxos --bug accept-below-promise --set mode=multi
//! ```
//!
//! Every command works for every lab in the registry; nothing here names a lab. It reads only
//! the files it is given and writes only to standard output and error.

use clap::{Parser, Subcommand};
use netsplit_labs::{
    FRAGMENT_PREFIX, LABS, Member, Scenario, ShareState, ViewState, Visit, VisitLab, presets,
    with_lab,
};
use netsplit_sim::Time;
use netsplit_sim::lab::{About, Recording, Report, fuzz, named, narration_line};
use std::io::Read;
use std::io::Write;
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
    /// Print one preset as a scenario file.
    Preset {
        /// The lab, such as `gossip`.
        lab: String,
        /// The preset, such as `crash`.
        name: String,
    },
    /// Run many seeds of a lab with its own traffic and random faults; report the first
    /// violation and a scenario that replays it.
    Fuzz {
        /// The lab, such as `raft`.
        lab: String,
        /// How many seeds to run.
        #[arg(long, default_value_t = 1000)]
        seeds: u64,
        /// The first seed.
        #[arg(long, default_value_t = 0)]
        start: u64,
        /// A deliberately wrong variant (the same as `--set bug=NAME`).
        #[arg(long)]
        bug: Option<String>,
        /// A setting of the lab, such as `nodes=7` or `mode=multi`; may be repeated.
        #[arg(long = "set", value_name = "KEY=VALUE")]
        settings: Vec<String>,
        /// Leave out crashes, partitions and bad links; keep the lab's own traffic.
        #[arg(long)]
        no_faults: bool,
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
        } => {
            let (scenario, moment) = read_input(&path)?;
            let ran = scenario.visit(RunToMoment {
                path: &path,
                moment,
                json,
                narrate,
            })?;
            Ok(if ran {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        Command::Fuzz {
            lab,
            seeds,
            start,
            bug,
            settings,
            no_faults,
        } => {
            let mut settings = settings
                .iter()
                .map(|s| {
                    s.split_once('=')
                        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
                        .ok_or_else(|| format!("--set takes KEY=VALUE, got {s:?}"))
                })
                .collect::<Result<Vec<_>, String>>()?;
            settings.extend(bug.map(|b| ("bug".to_string(), b)));
            let lab = lab_named(&lab)?;
            with_lab(
                lab.slug,
                Fuzz {
                    seeds: start..start.saturating_add(seeds),
                    settings,
                    faults: !no_faults,
                },
            )
            .expect("a lab of the registry")
        }
        Command::Link { path, at } => {
            let (scenario, _) = read_input(&path)?;
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
            for lab in LABS {
                for preset in presets(lab.slug) {
                    println!("{:<8} {:<26} {}", lab.slug, preset.slug, preset.title);
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Preset { lab, name } => {
            let preset = presets(lab_named(&lab)?.slug)
                .into_iter()
                .find(|p| p.slug == name)
                .ok_or_else(|| format!("no {lab} preset named {name:?}; try `netsplit presets`"))?;
            println!("{}", to_json(&preset.scenario)?);
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// The lab called `slug`, or a sentence listing the labs there are.
fn lab_named(slug: &str) -> Result<About, String> {
    named("lab", slug, LABS, |lab| lab.slug)
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

/// Runs a scenario to the moment a share link was made at (as the app opens it), or to its
/// end, and prints it; returns whether every invariant held.
struct RunToMoment<'a> {
    path: &'a str,
    moment: Time,
    json: bool,
    narrate: bool,
}

impl Visit for RunToMoment<'_> {
    type Out = Result<bool, String>;

    fn visit<L: Member>(self, scenario: &L::Scenario) -> Self::Out {
        let mut run = L::start(scenario, Recording::Full)
            .map_err(|e| format!("{} is refused: {e}", self.path))?;
        let end = if self.moment > Time::ZERO {
            self.moment
        } else {
            Time::ZERO + L::duration(scenario)
        };
        L::run_until(&mut run, end);
        let report = L::report(&run);
        let held = report.violations.is_empty();
        let written = if self.json {
            write_json(&report, L::records(&run))
        } else if self.narrate {
            write_narration(L::narrate(&run))
        } else {
            Ok(())
        };
        match written {
            // A reader that stopped reading (`| head`) has what it wanted.
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => return Ok(held),
            Err(e) => return Err(format!("the output could not be written: {e}")),
            Ok(()) if !self.json => print_summary(&report),
            Ok(()) => {}
        }
        Ok(held)
    }
}

/// Fuzzes one lab with settings given by name.
struct Fuzz {
    seeds: std::ops::Range<u64>,
    settings: Vec<(String, String)>,
    faults: bool,
}

impl VisitLab for Fuzz {
    type Out = Result<ExitCode, String>;

    fn visit<L: Member>(self) -> Self::Out {
        let Some(fuzzing) = L::fuzzing() else {
            return Err(format!(
                "the {} lab has no random faults to fuzz with",
                L::ABOUT.title
            ));
        };
        let mut template = fuzzing.template;
        for (key, value) in &self.settings {
            L::set(&mut template, key, value)?;
        }
        L::validate(&(fuzzing.case)(self.seeds.start, &template, self.faults))
            .map_err(|e| e.to_string())?;
        let outcome = fuzz::<L>(self.seeds, |seed| {
            (fuzzing.case)(seed, &template, self.faults)
        });
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
                let scenario = L::wrap(failure.scenario);
                println!(
                    "{}",
                    serde_json::to_string(&scenario).map_err(|e| e.to_string())?
                );
                Ok(ExitCode::from(1))
            }
        }
    }
}

/// The report and the whole trace as one JSON object, written a record at a time, so that a
/// long run's trace is never held as JSON.
fn write_json<R: serde::Serialize>(report: &Report, records: &[R]) -> std::io::Result<()> {
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    write!(out, "{{\n\"report\": ")?;
    serde_json::to_writer_pretty(&mut out, report)?;
    write!(out, ",\n\"trace\": [")?;
    for (i, record) in records.iter().enumerate() {
        out.write_all(if i == 0 { b"\n" } else { b",\n" })?;
        serde_json::to_writer(&mut out, record)?;
    }
    writeln!(out, "\n]\n}}")?;
    out.flush()
}

/// Every event in words, one line each: the moment right-aligned, then what happened.
fn write_narration(lines: impl Iterator<Item = (String, String)>) -> std::io::Result<()> {
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for (when, what) in lines {
        out.write_all(narration_line(&when, &what).as_bytes())?;
    }
    out.flush()
}

fn to_json(value: &impl serde::Serialize) -> Result<String, String> {
    serde_json::to_string_pretty(value).map_err(|e| e.to_string())
}

fn print_summary(report: &Report) {
    println!(
        "lab {}  seed {}  ran to {}  events {}  trace records {}",
        report.lab, report.seed, report.ended_at, report.steps, report.records
    );
    println!("trace hash {:016x}", report.trace_hash);
    for finding in &report.findings {
        match finding.lines.as_slice() {
            [line] => println!("  {}: {line}", finding.heading),
            lines => {
                println!("  {}:", finding.heading);
                for line in lines {
                    println!("    {line}");
                }
            }
        }
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
