//! The `netsplit` binary, run as a user would.

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn netsplit(args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_netsplit"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("netsplit starts");
    if let Some(text) = stdin {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(text.as_bytes())
            .unwrap();
    }
    child.wait_with_output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn a_preset_runs_clean_and_prints_its_findings() {
    let preset = netsplit(&["preset", "gossip", "crash"], None);
    assert!(preset.status.success());
    let out = netsplit(&["run", "-"], Some(&text(&preset.stdout)));
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.contains("lab gossip  seed 1  ran to 16 s"),
        "{stdout}"
    );
    assert!(
        stdout.contains("n2 crashed at 3 s: every live node suspected it"),
        "{stdout}"
    );
    assert!(stdout.contains("invariants: all held"));
    assert!(
        stdout
            .lines()
            .any(|l| l.starts_with("trace hash ") && l.len() == 27)
    );
}

#[test]
fn a_violation_exits_with_1_and_explains_itself() {
    let preset = netsplit(&["preset", "gossip", "bug-refresh"], None);
    let out = netsplit(&["run", "-"], Some(&text(&preset.stdout)));
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stdout).contains("Suspects on time: n"));
}

#[test]
fn json_output_carries_the_report_and_the_whole_trace() {
    let preset = netsplit(&["preset", "gossip", "calm"], None);
    let out = netsplit(&["run", "-", "--json"], Some(&text(&preset.stdout)));
    assert!(out.status.success());
    let value: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let records = value["report"]["records"].as_u64().unwrap();
    assert_eq!(value["trace"].as_array().unwrap().len() as u64, records);
    assert_eq!(value["trace"][0]["event"]["started"]["node"], 0);
    assert_eq!(value["report"]["trace_hash"].as_str().unwrap().len(), 16);
}

#[test]
fn bad_input_exits_with_2_and_says_what_is_wrong() {
    let out = netsplit(&["run", "-"], Some("{\"gossip\": 5}"));
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("- is not a scenario"));

    let preset = text(&netsplit(&["preset", "gossip", "calm"], None).stdout);
    let too_big = preset.replace("\"nodes\": 6", "\"nodes\": 50");
    let out = netsplit(&["run", "-"], Some(&too_big));
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("nodes must be between 2 and 12, got 50"));

    let out = netsplit(&["preset", "gossip", "nope"], None);
    assert!(text(&out.stderr).contains("no gossip preset named \"nope\""));
}

#[test]
fn a_share_link_replays_to_its_moment() {
    let dir = std::env::temp_dir().join(format!("netsplit-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("crash.json");
    std::fs::write(&file, netsplit(&["preset", "gossip", "crash"], None).stdout).unwrap();
    let link = text(&netsplit(&["link", file.to_str().unwrap(), "--at", "5000"], None).stdout);
    assert!(link.starts_with("#s=Ag"), "format 2: {link}");
    let out = netsplit(
        &["run", &format!("http://127.0.0.1:8080/{}", link.trim())],
        None,
    );
    assert!(
        text(&out.stdout).contains("ran to 5 s"),
        "{}",
        text(&out.stdout)
    );
    let broken = netsplit(&["run", "#s=AQE"], None);
    assert_eq!(broken.status.code(), Some(2));
    assert!(text(&broken.stderr).contains("neither a scenario file nor a share link"));
}

#[test]
fn paxos_fuzz_finds_a_bug_and_prints_a_scenario_that_replays_it() {
    let out = netsplit(
        &[
            "fuzz",
            "paxos",
            "--seeds",
            "200",
            "--bug",
            "ignore-accepted-values",
        ],
        None,
    );
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("broke Chosen values stay"), "{stdout}");
    let scenario = stdout.lines().last().unwrap();
    let replay = netsplit(&["run", "-"], Some(scenario));
    assert_eq!(replay.status.code(), Some(1));
    assert!(text(&replay.stdout).contains("Chosen values stay: slot"));

    let clean = netsplit(
        &["fuzz", "paxos", "--seeds", "200", "--set", "mode=multi"],
        None,
    );
    assert_eq!(clean.status.code(), Some(0));
    assert_eq!(text(&clean.stdout), "200 seeds, no violation\n");

    let refused = netsplit(&["fuzz", "paxos", "--set", "acceptors=8"], None);
    assert_eq!(refused.status.code(), Some(2));
    assert!(text(&refused.stderr).contains("acceptors must be between 1 and 7, got 8"));

    let unknown = netsplit(&["fuzz", "paxos", "--set", "ballots=3"], None);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(text(&unknown.stderr).contains("the settings are proposers, acceptors"));
    let wrong_bug = netsplit(&["fuzz", "paxos", "--bug", "nope"], None);
    assert!(
        text(&wrong_bug.stderr)
            .contains("the bugs are ignore-accepted-values, accept-below-promise"),
        "{}",
        text(&wrong_bug.stderr)
    );
}

#[test]
fn crdt_fuzz_catches_a_wrong_merge_and_refuses_a_bug_of_another_family() {
    let out = netsplit(
        &[
            "fuzz",
            "crdt",
            "--seeds",
            "50",
            "--set",
            "type=g-set",
            "--bug",
            "last-sync-wins",
        ],
        None,
    );
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("broke Merges join"), "{stdout}");

    let clean = netsplit(
        &["fuzz", "crdt", "--seeds", "50", "--set", "type=mv-register"],
        None,
    );
    assert_eq!(text(&clean.stdout), "50 seeds, no violation\n");

    let refused = netsplit(
        &[
            "fuzz",
            "crdt",
            "--set",
            "type=g-set",
            "--bug",
            "add-on-merge",
        ],
        None,
    );
    assert_eq!(refused.status.code(), Some(2));
    assert!(
        text(&refused.stderr).contains("the add-on-merge bug does not apply to a G-Set"),
        "{}",
        text(&refused.stderr)
    );
}

#[test]
fn every_lab_with_random_faults_fuzzes_by_the_same_command() {
    for lab in ["raft", "paxos", "crdt", "gossip"] {
        let out = netsplit(&["fuzz", lab, "--seeds", "3"], None);
        assert_eq!(out.status.code(), Some(0), "{lab}: {}", text(&out.stderr));
        assert_eq!(text(&out.stdout), "3 seeds, no violation\n");
    }
    let out = netsplit(
        &[
            "fuzz",
            "raft",
            "--seeds",
            "5",
            "--set",
            "nodes=3",
            "--no-faults",
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(0));
    let stepped = netsplit(&["fuzz", "clocks"], None);
    assert_eq!(stepped.status.code(), Some(2));
    assert!(text(&stepped.stderr).contains("the Vector clocks lab has no random faults"));
    let unknown = netsplit(&["fuzz", "bogus"], None);
    assert!(text(&unknown.stderr).contains("no lab named \"bogus\"; the labs are raft, paxos"));
}
