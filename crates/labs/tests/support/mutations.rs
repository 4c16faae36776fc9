//! Damaged share links made from real ones: every preset's link and the recorded format-1 links,
//! with bytes flipped, inserted, deleted or repeated, the text cut short, the header's format
//! and packing changed, the compressed size field lied about, and the plain body damaged then
//! packed again so that the damage reaches the scenario's own fields (counts, lengths, ranges).
//! Used by `tests/link.rs` (100,000 inputs) and `benches/links.rs` (1,000,000, with timings).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use netsplit_labs::{LABS, LinkError, ShareState, ViewState, presets};
use netsplit_sim::Rng;
use std::collections::BTreeMap;

/// The links the mutations start from, as link codes.
pub fn seeds() -> Vec<String> {
    let mut codes: Vec<String> = LABS
        .iter()
        .flat_map(|lab| presets(lab.slug))
        .map(|preset| {
            ShareState {
                scenario: preset.scenario,
                view: ViewState::default(),
            }
            .encode()
        })
        .collect();
    let recorded = include_str!("../links/format-1.txt");
    codes.extend(
        recorded
            .lines()
            .filter(|line| !line.starts_with('#') && !line.trim().is_empty())
            .filter_map(|line| line.split_whitespace().last())
            .map(str::to_string),
    );
    codes
}

/// A damaged link made from one of `seeds`, as `rng` draws it.
pub fn damaged(seeds: &[String], rng: &mut Rng) -> String {
    let code = &seeds[rng.below(seeds.len() as u64) as usize];
    let Ok(mut bytes) = URL_SAFE_NO_PAD.decode(code) else {
        return code.clone();
    };
    let at = |rng: &mut Rng, len: usize| rng.below(len.max(1) as u64) as usize;
    match rng.below(9) {
        0 => {
            let i = at(rng, bytes.len());
            bytes[i] = rng.below(256) as u8;
        }
        1 => {
            let i = at(rng, bytes.len() + 1);
            bytes.insert(i.min(bytes.len()), rng.below(256) as u8);
        }
        2 => {
            let i = at(rng, bytes.len());
            bytes.remove(i);
        }
        3 => bytes.truncate(at(rng, bytes.len())),
        4 => {
            // A span repeated: lengths and counts that no longer match what follows.
            let from = at(rng, bytes.len());
            let to = (from + 1 + at(rng, 16)).min(bytes.len());
            let span = bytes[from..to].to_vec();
            bytes.splice(to..to, span);
        }
        5 => bytes[0] = rng.below(4) as u8,
        6 if bytes.len() > 1 => bytes[1] = rng.below(4) as u8,
        7 if bytes.len() > 6 && bytes[1] == 1 => {
            // The compressed body's size field, claiming another size.
            let claimed = rng.below(1 << 24) as u32;
            bytes[2..6].copy_from_slice(&claimed.to_le_bytes());
        }
        _ => {
            // The plain body damaged and packed again, as a careless tool would write it.
            let plain = match bytes.get(1) {
                Some(0) => bytes[2..].to_vec(),
                Some(1) => {
                    lz4_flex::block::decompress_size_prepended(&bytes[2..]).unwrap_or_default()
                }
                _ => Vec::new(),
            };
            let mut plain = plain;
            for _ in 0..1 + rng.below(3) {
                let i = at(rng, plain.len());
                if let Some(byte) = plain.get_mut(i) {
                    *byte = [0, 1, 0x7f, 0x80, 0xff][rng.below(5) as usize];
                }
            }
            let mut packed = vec![bytes[0], 1];
            packed.extend(lz4_flex::block::compress_prepend_size(&plain));
            bytes = packed;
        }
    }
    URL_SAFE_NO_PAD.encode(&bytes)
}

/// What a run of damaged links came to.
#[derive(Default)]
pub struct Tally {
    /// How many links were tried.
    pub tried: u64,
    /// How many opened (their damage left a valid run).
    pub opened: u64,
    /// Refusals by kind.
    pub refused: BTreeMap<&'static str, u64>,
}

/// Decodes `code`, validating what opens, and counts the outcome; panics on a refusal that
/// is not a sentence, or on an opened run that fails validation.
pub fn try_one(code: &str, tally: &mut Tally) {
    tally.tried += 1;
    match ShareState::decode(code) {
        Ok(state) => {
            state
                .scenario
                .validate()
                .expect("a link that opens holds a valid run");
            tally.opened += 1;
        }
        Err(e) => {
            let message = e.to_string();
            assert!(
                message.starts_with("the link") && message.len() > 20,
                "{message}"
            );
            *tally.refused.entry(kind(&e)).or_default() += 1;
        }
    }
}

fn kind(e: &LinkError) -> &'static str {
    match e {
        LinkError::Empty => "empty",
        LinkError::TooLong(_) => "too long",
        LinkError::NotBase64 => "not base64url",
        LinkError::Truncated => "cut short",
        LinkError::FutureVersion(_) => "newer format",
        LinkError::UnknownLab(_) => "unknown lab",
        LinkError::OtherLab(_) => "another lab's",
        LinkError::FutureLabVersion(..) => "newer lab version",
        LinkError::UnknownVersion(_) => "unknown lab version",
        LinkError::UnknownPacking(_) => "unknown packing",
        LinkError::BadCompression => "bad compression",
        LinkError::Malformed(_) => "malformed scenario",
        LinkError::Refused(_) => "scenario refused",
    }
}
