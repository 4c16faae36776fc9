//! Share links: every lab round-trips, old formats keep opening, and no input, however broken,
//! makes the decoder panic or allocate without bound.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use netsplit_scenario::{
    LINK_VERSION, Lab, LinkError, MAX_INFLATED_BYTES, Selected, ShareState, ViewState, presets,
};
use netsplit_sim::{MsgId, NodeId, Time};
use proptest::prelude::*;

fn state(lab: Lab, slug: &str) -> ShareState {
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

#[test]
fn every_preset_of_every_lab_round_trips() {
    for lab in Lab::ALL {
        for preset in presets(lab) {
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

/// Links of format 1 must open in every later version. This one was written by format 1 for
/// the Raft "partition" preset at 2.345 s with n2 selected; if the encoding changes, bump
/// LINK_VERSION, keep a reader for format 1, and keep this test.
#[test]
fn a_format_1_link_still_opens() {
    assert_eq!(LINK_VERSION, 1);
    let expected = state(Lab::Raft, "partition");
    let decoded = ShareState::decode(FORMAT_1_RAFT_PARTITION).expect("format 1 opens");
    assert_eq!(decoded, expected);
}

const FORMAT_1_RAFT_PARTITION: &str = concat!(
    "AQABAQWsAtgEZAAUUAAACGQGAAGgBgYAAAF4AdwLAgECAAHQDwYAAAF5AqAfBgIAAXoDoB8GAwABegOgHwYEAAF6A_",
    "AuA6hGqRIBAAIB",
);

#[test]
fn broken_links_say_what_is_wrong() {
    let good = state(Lab::Gossip, "crash").encode();
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
        "the link was made by a newer version of Netsplit (format 9); this one reads formats up to 1"
    );

    // A valid encoding of an out-of-range run is refused by validation.
    let mut too_big = state(Lab::Gossip, "crash");
    let netsplit_scenario::Scenario::Gossip(s) = &mut too_big.scenario else {
        unreachable!()
    };
    s.params.nodes = 40;
    let refused = ShareState::decode(&too_big.encode()).unwrap_err();
    assert_eq!(
        refused.to_string(),
        "the link's run is out of range: nodes must be between 2 and 12, got 40"
    );
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
        let good = state(Lab::Raft, "figure-8").encode();
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
        ("AQAAAQb6AcQTABRQAAACuBcAApBOAQKAfQAAAA", Lab::Gossip),
        ("AQABAQWsAtgEZAAUUAAAAKAfAAAA", Lab::Raft),
        (
            "AQFRAAAA9QsCAwJQMAJQMQJQMgYAAAl3cml0ZSB4PTEAAQwAoDIBAAIDeD0xAQEHAKAyAgELcmVjZWl2KAA1MgIADgBgeD0xBgAA",
            Lab::Clocks,
        ),
        ("AQADAAhA0A8BGQEEAAkACAcBAAkEAAA", Lab::Hashing),
    ] {
        let state = ShareState::decode(code).unwrap_or_else(|e| panic!("{lab:?}: {e}"));
        assert_eq!(state.scenario.lab(), lab);
    }
}
