//! Share links: every lab round-trips, old formats keep opening, and no input, however broken,
//! makes the decoder panic or allocate without bound.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use netsplit_labs::{
    LABS, LINK_VERSION, LinkError, MAX_INFLATED_BYTES, Member, Scenario, Selected, ShareState,
    ViewState, Visit, VisitLab, presets, with_lab,
};
use netsplit_sim::lab::Recording;
use netsplit_sim::{MsgId, NodeId, Time};
use proptest::prelude::*;

#[path = "support/mutations.rs"]
mod mutations;

fn state(lab: &str, slug: &str) -> ShareState {
    let scenario = presets(lab)
        .into_iter()
        .find(|p| p.slug == slug)
        .unwrap()
        .scenario;
    ShareState {
        scenario,
        view: ViewState {
            at: Time(2345),
            selected: Some(Selected::Node(NodeId(2))),
            routine_log: true,
        },
    }
}

/// Every preset of every lab as a link code at its start, with its lab.
fn preset_codes() -> Vec<(&'static netsplit_sim::lab::About, String)> {
    LABS.iter()
        .flat_map(|lab| {
            presets(lab.slug).into_iter().map(move |preset| {
                let code = ShareState {
                    scenario: preset.scenario,
                    view: ViewState::default(),
                }
                .encode();
                (lab, code)
            })
        })
        .collect()
}

/// A link code's bytes as stored, and its body unpacked (`[format, packing, body…]`).
fn stored_and_plain(code: &str) -> (Vec<u8>, Vec<u8>) {
    let stored = URL_SAFE_NO_PAD.decode(code).unwrap();
    let plain = match stored[1] {
        0 => stored[2..].to_vec(),
        _ => lz4_flex::block::decompress_size_prepended(&stored[2..]).unwrap(),
    };
    (stored, plain)
}

#[test]
fn every_preset_of_every_lab_round_trips() {
    for lab in LABS {
        for preset in presets(lab.slug) {
            let shared = ShareState {
                scenario: preset.scenario.clone(),
                view: ViewState {
                    at: Time(1500),
                    selected: Some(Selected::Message(MsgId(7))),
                    routine_log: false,
                },
            };
            let code = shared.encode();
            assert!(
                code.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'),
                "{code}"
            );
            assert_eq!(
                ShareState::decode(&code).unwrap(),
                shared,
                "{}",
                preset.slug
            );
            let link = format!("https://example.invalid/app/#s={code}");
            assert_eq!(ShareState::decode(&link).unwrap(), shared);
        }
    }
}

/// A lab's page reads only its own lab's links: the same run as the reader of every lab, and a
/// run of another lab is named, not read.
#[test]
fn a_lab_reads_its_own_links_and_names_the_lab_of_others() {
    struct Own<'a>(&'a str);
    impl Visit for Own<'_> {
        type Out = ();
        fn visit<L: Member>(self, scenario: &L::Scenario) {
            let own = ShareState::<L::Scenario>::decode_as::<L>(self.0).unwrap();
            assert_eq!(&own.scenario, scenario);
            let again = ShareState {
                scenario: own.scenario.clone(),
                view: own.view.clone(),
            };
            assert_eq!(again.encode_as::<L>(), code_of(self.0));
            for other in LABS.iter().filter(|lab| lab.slug != L::ABOUT.slug) {
                struct Other<'a>(&'a str, &'static str);
                impl VisitLab for Other<'_> {
                    type Out = ();
                    fn visit<M: Member>(self) {
                        let refused =
                            ShareState::<M::Scenario>::decode_as::<M>(self.0).unwrap_err();
                        let LinkError::OtherLab(lab) = refused else {
                            panic!("{refused:?}")
                        };
                        assert_eq!(lab.slug, self.1);
                        assert_eq!(
                            refused.to_string(),
                            format!("the link is a run of the {} lab", lab.title)
                        );
                    }
                }
                with_lab(other.slug, Other(self.0, L::ABOUT.slug)).unwrap();
            }
        }
    }
    fn code_of(link: &str) -> &str {
        link.rsplit_once("#s=").map_or(link, |(_, code)| code)
    }
    let corpus = include_str!("links/format-1.txt");
    let links = corpus
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| l.split_whitespace().find(|w| w.starts_with("AQ")));
    let mut opened = 0;
    for (lab, code) in preset_codes() {
        assert_eq!(netsplit_labs::lab_of_link(&code), Ok(*lab));
        let state = ShareState::decode(&code).unwrap();
        state.scenario.visit(Own(&format!(
            "https://example.invalid/{}/#s={code}",
            lab.slug
        )));
        opened += 1;
    }
    // Format 1 links name their lab too (re-encoding writes format 2, so only the lab is compared).
    for code in links {
        let state = ShareState::decode(code).unwrap();
        assert_eq!(netsplit_labs::lab_of_link(code), Ok(state.scenario.about()));
        opened += 1;
    }
    assert!(opened > 60, "{opened} links");
    assert_eq!(
        netsplit_labs::lab_of_link("AQ").unwrap_err(),
        LinkError::Truncated
    );
}

/// Links of format 1 must open in every later version. This one was written by format 1 for
/// the Raft "partition" preset at 2.345 s with n2 selected.
#[test]
fn a_format_1_link_still_opens() {
    let expected = state("raft", "partition");
    let decoded = ShareState::decode(FORMAT_1_RAFT_PARTITION).expect("format 1 opens");
    assert_eq!(decoded, expected);
}

const FORMAT_1_RAFT_PARTITION: &str = concat!(
    "AQABAQWsAtgEZAAUUAAACGQGAAGgBgYAAAF4AdwLAgECAAHQDwYAAAF5AqAfBgIAAXoDoB8GAwABegOgHwYEAAF6A_",
    "AuA6hGqRIBAAIB",
);

#[test]
fn broken_links_say_what_is_wrong() {
    let good = state("gossip", "crash").encode();
    let bytes = URL_SAFE_NO_PAD.decode(&good).unwrap();
    let with = |mutate: &dyn Fn(&mut Vec<u8>)| {
        let mut b = bytes.clone();
        mutate(&mut b);
        ShareState::decode(&URL_SAFE_NO_PAD.encode(b)).unwrap_err()
    };
    assert_eq!(ShareState::decode("").unwrap_err(), LinkError::Empty);
    assert_eq!(ShareState::decode("#s=").unwrap_err(), LinkError::Empty);
    assert_eq!(
        ShareState::decode("#s=@@@").unwrap_err(),
        LinkError::NotBase64
    );
    assert_eq!(ShareState::decode("AQ").unwrap_err(), LinkError::Truncated);
    assert_eq!(with(&|b| b[0] = 9), LinkError::FutureVersion(9));
    assert_eq!(with(&|b| b[0] = 0), LinkError::UnknownVersion(0));
    assert_eq!(with(&|b| b[1] = 7), LinkError::UnknownPacking(7));
    assert!(matches!(
        with(&|b| b.truncate(b.len() / 2)),
        LinkError::BadCompression | LinkError::Malformed(_)
    ));
    let message = with(&|b| b[0] = 9).to_string();
    assert_eq!(
        message,
        "the link was made by a newer version of Netsplit (format 9); this one reads formats up to 2"
    );
    // A lab's own version, and a lab that does not exist.
    assert_eq!(
        with(&|b| b[3] = 9),
        LinkError::FutureLabVersion("Gossip", 9)
    );
    assert_eq!(
        with(&|b| b[3] = 9).to_string(),
        "the link was made by a newer version of the Gossip lab (its version 9); update Netsplit to open it"
    );
    assert_eq!(with(&|b| b[2] = 200), LinkError::UnknownLab(200));
    assert_eq!(
        with(&|b| b[2] = 200).to_string(),
        "the link is for a lab this version of Netsplit does not have (lab number 200)"
    );

    // A valid encoding of an out-of-range run is refused by validation.
    let mut too_big = state("gossip", "crash");
    let Scenario::Gossip(s) = &mut too_big.scenario else {
        unreachable!()
    };
    s.params.nodes = 40;
    let refused = ShareState::decode(&too_big.encode()).unwrap_err();
    assert_eq!(
        refused.to_string(),
        "the link's run is out of range: nodes must be between 2 and 12, got 40"
    );
}

/// Every refusal of a damaged link is a sentence a person can act on: each byte of each
/// preset's link (as stored, and unpacked) set to several values, and every message read.
#[test]
fn every_refusal_of_a_damaged_link_reads_as_a_sentence() {
    let mut refused = 0;
    let mut messages = std::collections::BTreeSet::new();
    for (_, code) in preset_codes() {
        let (stored, plain) = stored_and_plain(&code);
        let mut unpacked = vec![stored[0], 0];
        unpacked.extend(plain);
        for bytes in [stored, unpacked] {
            for i in 0..bytes.len() {
                for value in [0u8, 1, 2, 7, 0x7f, 0x80, 0xfe, 0xff] {
                    let mut damaged = bytes.clone();
                    damaged[i] = value;
                    if let Err(e) = ShareState::decode(&URL_SAFE_NO_PAD.encode(&damaged)) {
                        refused += 1;
                        messages.insert(e.to_string());
                    }
                }
            }
        }
    }
    assert!(refused > 10_000, "{refused} refusals");
    for message in &messages {
        let library_words = ["Serde", "Error", "error", "postcard", "Deserializ", "Lz4"];
        assert!(
            message.starts_with("the link") && !library_words.iter().any(|w| message.contains(w)),
            "{message}"
        );
    }
}

/// A hundred thousand damaged links (see `support/mutations.rs`): none panics, every refusal is
/// a sentence, every link that still opens holds a valid run, and the damage reaches every
/// layer (base64, the header, compression, the scenario's fields).
#[test]
fn a_hundred_thousand_damaged_links_are_refused_or_open_a_valid_run() {
    let seeds = mutations::seeds();
    assert!(seeds.len() > 60, "{} links to start from", seeds.len());
    let mut rng = netsplit_sim::Rng::seeded(16);
    let mut tally = mutations::Tally::default();
    for _ in 0..100_000 {
        mutations::try_one(&mutations::damaged(&seeds, &mut rng), &mut tally);
    }
    for kind in [
        "cut short",
        "bad compression",
        "malformed scenario",
        "scenario refused",
    ] {
        assert!(
            tally.refused.get(kind).is_some_and(|&n| n > 100),
            "{kind}: {:?}",
            tally.refused
        );
    }
    assert!(tally.opened > 100, "{} opened", tally.opened);
}

#[test]
fn a_decompression_bomb_is_refused() {
    let zeros = vec![0u8; MAX_INFLATED_BYTES * 8];
    let mut bytes = vec![LINK_VERSION, 1];
    bytes.extend(lz4_flex::block::compress_prepend_size(&zeros));
    let code = URL_SAFE_NO_PAD.encode(&bytes);
    assert!(code.len() < 64 * 1024, "the bomb is small: {}", code.len());
    assert_eq!(
        ShareState::decode(&code).unwrap_err(),
        LinkError::BadCompression
    );
    // A size field that lies (claims little, holds much) is caught too.
    bytes[2..6].copy_from_slice(&100u32.to_le_bytes());
    let lying = URL_SAFE_NO_PAD.encode(&bytes);
    assert_eq!(
        ShareState::decode(&lying).unwrap_err(),
        LinkError::BadCompression
    );
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        let _ = ShareState::decode(&URL_SAFE_NO_PAD.encode(&bytes));
        let mut framed = vec![LINK_VERSION, 0];
        framed.extend(&bytes);
        let _ = ShareState::decode(&URL_SAFE_NO_PAD.encode(&framed));
        let mut deflated = vec![LINK_VERSION, 1];
        deflated.extend(&bytes);
        let _ = ShareState::decode(&URL_SAFE_NO_PAD.encode(&deflated));
    }

    #[test]
    fn arbitrary_text_never_panics(text in ".{0,300}") {
        let _ = ShareState::decode(&text);
    }

    #[test]
    fn flipped_bytes_in_a_real_link_never_panic(index in 0usize..10_000, value in any::<u8>()) {
        let good = state("raft", "figure-8").encode();
        let mut bytes = URL_SAFE_NO_PAD.decode(&good).unwrap();
        let i = index % bytes.len();
        bytes[i] = value;
        if let Ok(state) = ShareState::decode(&URL_SAFE_NO_PAD.encode(&bytes)) {
            prop_assert!(state.scenario.validate().is_ok());
        }
    }
}

/// Links written before the Paxos and CRDT labs existed (the documentation site's embedded
/// runs) still open, in the lab they were made in: new labs must not move the old ones' place
/// in the encoding.
#[test]
fn links_from_before_the_newer_labs_open_in_their_own_lab() {
    for (code, lab) in [
        ("AQAAAQb6AcQTABRQAAACuBcAApBOAQKAfQAAAA", "gossip"),
        ("AQABAQWsAtgEZAAUUAAAAKAfAAAA", "raft"),
        (
            "AQFRAAAA9QsCAwJQMAJQMQJQMgYAAAl3cml0ZSB4PTEAAQwAoDIBAAIDeD0xAQEHAKAyAgELcmVjZWl2KAA1MgIADgBgeD0xBgAA",
            "clocks",
        ),
        ("AQADAAhA0A8BGQEEAAkACAcBAAkEAAA", "hashing"),
    ] {
        let state = ShareState::decode(code).unwrap_or_else(|e| panic!("{lab}: {e}"));
        assert_eq!(state.scenario.about().slug, lab);
    }
}

/// The trace hash of a link's run replayed to its moment (or to its end at moment zero), as
/// the app and `netsplit run LINK` replay it.
fn hash_at(state: &ShareState) -> u64 {
    struct HashAt(Time);
    impl Visit for HashAt {
        type Out = u64;
        fn visit<L: Member>(self, scenario: &L::Scenario) -> u64 {
            let mut run = L::start(scenario, Recording::Full).unwrap();
            let end = if self.0 > Time::ZERO {
                self.0
            } else {
                Time::ZERO + L::duration(scenario)
            };
            L::run_until(&mut run, end);
            L::report(&run).trace_hash
        }
    }
    state.scenario.visit(HashAt(state.view.at))
}

/// Links recorded from the app before labs had link tags (every preset of every lab, several
/// at a later moment with a selection) open in their lab, at their moment, with their
/// selection, and replay to the trace hash they had then; written again in today's format, each
/// gives the same state.
#[test]
fn the_recorded_format_1_links_open_and_replay_to_their_hashes() {
    let corpus = include_str!("links/format-1.txt");
    let mut opened = 0;
    for line in corpus.lines().filter(|l| !l.starts_with('#')) {
        let fields: Vec<&str> = line.split(' ').collect();
        let [lab, preset, at, selected, routine, hash, code] = fields[..] else {
            panic!("a corpus line has seven fields: {line}");
        };
        let state = ShareState::decode(code).unwrap_or_else(|e| panic!("{lab}/{preset}: {e}"));
        assert_eq!(state.scenario.about().slug, lab);
        let expected = presets(lab).into_iter().find(|p| p.slug == preset).unwrap();
        assert_eq!(state.scenario, expected.scenario, "{lab}/{preset}");
        assert_eq!(state.view.at, Time(at.parse().unwrap()));
        assert_eq!(state.view.routine_log.to_string(), routine);
        let selection = match state.view.selected {
            None => "-".to_string(),
            Some(Selected::Node(n)) => format!("node:{}", n.0),
            Some(Selected::Message(m)) => format!("message:{}", m.0),
            Some(Selected::Events { first, second }) => format!(
                "events:{first}:{}",
                second.map_or("-".to_string(), |s| s.to_string())
            ),
        };
        assert_eq!(selection, selected, "{lab}/{preset}");
        assert_eq!(
            format!("{:016x}", hash_at(&state)),
            hash,
            "{lab}/{preset} at {at}"
        );
        assert_eq!(ShareState::decode(&state.encode()).unwrap(), state);
        opened += 1;
    }
    let presets_in_all_labs: usize = LABS.iter().map(|l| presets(l.slug).len()).sum();
    assert!(opened > presets_in_all_labs, "{opened} links");
}

/// Today's format names the lab by its tag and the lab's scenario version, so that a new lab
/// or a new parameter leaves every existing link as it is.
#[test]
fn links_carry_the_lab_tag_and_version() {
    assert_eq!(LINK_VERSION, 2);
    for lab in LABS {
        let code = ShareState {
            scenario: presets(lab.slug).remove(0).scenario,
            view: ViewState::default(),
        }
        .encode();
        let (bytes, plain) = stored_and_plain(&code);
        assert_eq!(bytes[0], LINK_VERSION);
        assert_eq!(plain[..2], [lab.tag, lab.version], "{}", lab.slug);
    }
}

/// How a lab grows a parameter without breaking its links: a lab at version 2 (which added
/// `step`) reads the links its version 1 wrote, with the meaning they had (a step of 1), and
/// refuses links from a version after its own.
mod a_lab_that_adds_a_parameter {
    use netsplit_labs::{LinkError, ShareState, ViewState};
    use netsplit_sim::lab::{About, Lab, Preset, Recording, Report, ScenarioError};
    use netsplit_sim::{Span, Time};
    use serde::{Deserialize, Serialize};

    /// The counter as its version 1 wrote it.
    #[derive(Serialize, Deserialize)]
    struct CounterV1 {
        count: u32,
    }

    /// The counter of version 2: `step` is new; version 1 counted in ones.
    #[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
    struct Counter {
        count: u32,
        step: u32,
    }

    struct CounterLab;

    impl Lab for CounterLab {
        const ABOUT: About = About {
            slug: "counter",
            title: "Counter",
            summary: "A lab that exists only in this test.",
            tag: 250,
            version: 2,
        };
        type Scenario = Counter;
        type Run = u32;
        type Record = u32;
        fn validate(_: &Counter) -> Result<(), ScenarioError> {
            Ok(())
        }
        fn build(scenario: &Counter, _: Recording) -> u32 {
            scenario.count * scenario.step
        }
        fn seed(_: &Counter) -> u64 {
            0
        }
        fn duration(_: &Counter) -> Span {
            Span(0)
        }
        fn run_until(_: &mut u32, _: Time) {}
        fn report(run: &u32) -> Report {
            Report {
                lab: "counter",
                seed: 0,
                ended_at: Time::ZERO,
                steps: 0,
                records: 0,
                trace_hash: u64::from(*run),
                violations: Vec::new(),
                findings: Vec::new(),
            }
        }
        fn records(_: &u32) -> &[u32] {
            &[]
        }
        fn narrate(_: &u32) -> impl Iterator<Item = (String, String)> {
            std::iter::empty()
        }
        fn heaviest() -> Vec<Counter> {
            Vec::new()
        }
        fn presets() -> Vec<Preset<Counter>> {
            Vec::new()
        }
        fn decode(version: u8, bytes: &[u8]) -> Result<(Counter, &[u8]), postcard::Error> {
            match version {
                1 => {
                    let (old, rest): (CounterV1, _) = postcard::take_from_bytes(bytes)?;
                    Ok((
                        Counter {
                            count: old.count,
                            step: 1,
                        },
                        rest,
                    ))
                }
                _ => postcard::take_from_bytes(bytes),
            }
        }
    }

    /// A link as the lab's version `version` wrote it.
    fn link(version: u8, scenario: &impl Serialize) -> String {
        use base64::Engine;
        let plain = postcard::to_extend(scenario, vec![250, version])
            .and_then(|bytes| postcard::to_extend(&ViewState::default(), bytes))
            .unwrap();
        let mut bytes = vec![netsplit_labs::LINK_VERSION, 0];
        bytes.extend(plain);
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    }

    #[test]
    fn old_links_keep_their_meaning_and_newer_ones_are_refused() {
        let old = ShareState::<Counter>::decode_as::<CounterLab>(&link(1, &CounterV1 { count: 7 }))
            .unwrap();
        assert_eq!(old.scenario, Counter { count: 7, step: 1 });
        let now = ShareState {
            scenario: Counter { count: 7, step: 3 },
            view: ViewState::default(),
        };
        assert_eq!(
            ShareState::<Counter>::decode_as::<CounterLab>(&now.encode_as::<CounterLab>()).unwrap(),
            now
        );
        assert_eq!(
            ShareState::<Counter>::decode_as::<CounterLab>(&link(3, &now.scenario)).unwrap_err(),
            LinkError::FutureLabVersion("Counter", 3)
        );
    }
}

/// Every run the documentation site embeds opens, in the lab whose page embeds it.
#[test]
fn the_documentation_sites_links_open_in_their_lab() {
    let book = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/book/src");
    let mut opened = 0;
    for entry in std::fs::read_dir(book).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        for frame in text.split("src=\"app/").skip(1) {
            let src = &frame[..frame.find('"').unwrap()];
            let (page, code) = src.split_once("#s=").unwrap_or_else(|| panic!("{src}"));
            let state = ShareState::decode(code)
                .unwrap_or_else(|e| panic!("{}: {src}: {e}", path.display()));
            assert_eq!(
                page.split('/').next(),
                Some(state.scenario.about().slug),
                "{src}"
            );
            opened += 1;
        }
    }
    assert!(opened >= 15, "{opened} embedded runs");
}
