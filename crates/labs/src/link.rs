//! Share links: a run, and the moment and view it was shared at, in a URL fragment.
//!
//! ```text
//!   [lab tag][lab version][scenario][view] ──postcard──▶ bytes
//!       ──LZ4, if smaller──▶ [format][packing][bytes] ──base64url──▶ "AgA…"  (after `#s=`)
//! ```
//!
//! A lab's tag never changes, so adding a lab breaks no link; a lab's scenario carries its own
//! version, so a lab that adds a parameter reads its older links with their old meaning. Format
//! 1 wrote the lab as its place in the list of labs, which is its tag, and no lab version (1).
//!
//! Decoding trusts nothing: the text, the inflated size and every count are bounded, and the
//! decoded scenario is validated like any other. Every format version ever written stays
//! readable; a link from a newer version is refused with a message saying so.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use netsplit_sim::{MsgId, NodeId, Time};
use serde::{Deserialize, Serialize};
use std::fmt;

use crate::{Member, Scenario, Visit, VisitLab, with_tag};
use netsplit_sim::lab::MAX_DURATION;

/// The format this version writes.
pub const LINK_VERSION: u8 = 2;
/// The format that wrote no lab version: every lab's scenario was at its version 1.
const FORMAT_WITHOUT_LAB_VERSION: u8 = 1;
/// The longest link text accepted, in characters.
pub const MAX_LINK_CHARS: usize = 256 * 1024;
/// The most bytes a link may inflate to.
pub const MAX_INFLATED_BYTES: usize = 1024 * 1024;
/// What comes before the code in a link's fragment.
pub const FRAGMENT_PREFIX: &str = "s=";

const PACKED_PLAIN: u8 = 0;
/// An LZ4 block with its inflated size in front (small code, and the size is checked before
/// anything is allocated).
const PACKED_LZ4: u8 = 1;

/// What is selected in the view.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Selected {
    /// A node.
    Node(NodeId),
    /// A message.
    Message(MsgId),
    /// One or two events of a clocks execution, by their place in it.
    Events {
        /// The first event selected.
        first: u32,
        /// The second, to compare with the first.
        second: Option<u32>,
    },
}

/// How the lab looked when the link was made.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ViewState {
    /// The moment of the run on screen.
    pub at: Time,
    /// What was selected.
    pub selected: Option<Selected>,
    /// Whether the event log showed messages and timers.
    pub routine_log: bool,
}

/// Everything a share link carries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShareState {
    /// The run.
    pub scenario: Scenario,
    /// The view of it.
    pub view: ViewState,
}

/// Why a link could not be opened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LinkError {
    /// The link carries no code.
    Empty,
    /// Longer than any link this app writes.
    TooLong(usize),
    /// Not base64url.
    NotBase64,
    /// Cut short: not even the header is there.
    Truncated,
    /// Written by a newer version of the app.
    FutureVersion(u8),
    /// For a lab this version does not have (its tag).
    UnknownLab(u8),
    /// A lab's scenario written by a newer version of that lab: (lab title, version).
    FutureLabVersion(&'static str, u8),
    /// A version that never existed.
    UnknownVersion(u8),
    /// An unknown packing.
    UnknownPacking(u8),
    /// The compressed data is damaged or inflates past the limit.
    BadCompression,
    /// The data does not describe a run.
    Malformed(String),
    /// The run is out of range.
    Refused(String),
}

impl fmt::Display for LinkError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LinkError::Empty => f.write_str("the link carries no run"),
            LinkError::TooLong(n) => write!(
                f,
                "the link is {n} characters long; links of up to {MAX_LINK_CHARS} are accepted"
            ),
            LinkError::NotBase64 => f.write_str("the link is damaged: its code is not base64url"),
            LinkError::Truncated => f.write_str("the link is cut short"),
            LinkError::FutureVersion(v) => write!(
                f,
                "the link was made by a newer version of Netsplit (format {v}); this one reads formats up to {LINK_VERSION}"
            ),
            LinkError::UnknownVersion(v) => write!(f, "the link has an unknown format ({v})"),
            LinkError::UnknownLab(tag) => write!(
                f,
                "the link is for a lab this version of Netsplit does not have (lab number {tag})"
            ),
            LinkError::FutureLabVersion(lab, v) => write!(
                f,
                "the link was made by a newer version of the {lab} lab (its version {v}); update Netsplit to open it"
            ),
            LinkError::UnknownPacking(p) => write!(f, "the link is packed in an unknown way ({p})"),
            LinkError::BadCompression => {
                f.write_str("the link is damaged: its data does not unpack")
            }
            LinkError::Malformed(why) => write!(f, "the link is damaged: {why}"),
            LinkError::Refused(why) => write!(f, "the link's run is out of range: {why}"),
        }
    }
}

impl std::error::Error for LinkError {}

impl ShareState {
    /// The code for a link: compressed when that is shorter.
    pub fn encode(&self) -> String {
        struct Body<'a>(&'a ViewState);
        impl Visit for Body<'_> {
            type Out = Vec<u8>;
            fn visit<L: Member>(self, scenario: &L::Scenario) -> Vec<u8> {
                let bytes = vec![L::ABOUT.tag, L::ABOUT.version];
                let encoded = postcard::to_extend(scenario, bytes)
                    .and_then(|bytes| postcard::to_extend(self.0, bytes));
                encoded.expect("a share state always encodes")
            }
        }
        let plain = self.scenario.visit(Body(&self.view));
        let packed = lz4_flex::block::compress_prepend_size(&plain);
        let (packing, body) = if packed.len() < plain.len() {
            (PACKED_LZ4, packed)
        } else {
            (PACKED_PLAIN, plain)
        };
        let mut bytes = Vec::with_capacity(body.len() + 2);
        bytes.extend([LINK_VERSION, packing]);
        bytes.extend(body);
        URL_SAFE_NO_PAD.encode(bytes)
    }

    /// Reads a code, a fragment (`#s=…`, `s=…`) or a whole link.
    pub fn decode(link: &str) -> Result<ShareState, LinkError> {
        let code = code_of(link);
        if code.is_empty() {
            return Err(LinkError::Empty);
        }
        if code.len() > MAX_LINK_CHARS {
            return Err(LinkError::TooLong(code.len()));
        }
        let bytes = URL_SAFE_NO_PAD
            .decode(code)
            .map_err(|_| LinkError::NotBase64)?;
        let [version, packing, body @ ..] = bytes.as_slice() else {
            return Err(LinkError::Truncated);
        };
        match *version {
            0 => return Err(LinkError::UnknownVersion(0)),
            v if v > LINK_VERSION => return Err(LinkError::FutureVersion(v)),
            _ => {}
        }
        let has_lab_version = *version > FORMAT_WITHOUT_LAB_VERSION;
        let inflated;
        let plain = match *packing {
            PACKED_PLAIN => body,
            PACKED_LZ4 => {
                let (size, block) = lz4_flex::block::uncompressed_size(body)
                    .map_err(|_| LinkError::BadCompression)?;
                if size > MAX_INFLATED_BYTES {
                    return Err(LinkError::BadCompression);
                }
                inflated = lz4_flex::block::decompress(block, size)
                    .map_err(|_| LinkError::BadCompression)?;
                &inflated[..]
            }
            other => return Err(LinkError::UnknownPacking(other)),
        };
        let state = read_body(plain, has_lab_version)?;
        state
            .scenario
            .validate()
            .map_err(|e| LinkError::Refused(e.0))?;
        if state.view.at > Time::ZERO + MAX_DURATION {
            return Err(LinkError::Refused(format!(
                "the moment shown, {}, is past the longest run ({MAX_DURATION})",
                state.view.at
            )));
        }
        Ok(state)
    }
}

/// Reads `[tag][lab version, unless format 1][scenario][view]`.
fn read_body(plain: &[u8], has_lab_version: bool) -> Result<ShareState, LinkError> {
    struct Read<'a>(u8, &'a [u8]);
    impl VisitLab for Read<'_> {
        type Out = Result<ShareState, LinkError>;
        fn visit<L: Member>(self) -> Self::Out {
            let Read(version, bytes) = self;
            if version > L::ABOUT.version {
                return Err(LinkError::FutureLabVersion(L::ABOUT.title, version));
            }
            if version == 0 {
                return Err(LinkError::Malformed(format!(
                    "it names version 0 of the {} lab, which never existed",
                    L::ABOUT.title
                )));
            }
            let (scenario, rest) =
                L::decode(version, bytes).map_err(|e| LinkError::Malformed(describe(e)))?;
            let view = postcard::from_bytes(rest).map_err(|e| LinkError::Malformed(describe(e)))?;
            Ok(ShareState {
                scenario: L::wrap(scenario),
                view,
            })
        }
    }
    let (tag, version, bytes) = match (plain, has_lab_version) {
        ([tag, version, bytes @ ..], true) => (*tag, *version, bytes),
        ([tag, bytes @ ..], false) => (*tag, 1, bytes),
        _ => {
            return Err(LinkError::Malformed(describe(
                postcard::Error::DeserializeUnexpectedEnd,
            )));
        }
    };
    with_tag(tag, Read(version, bytes)).unwrap_or(Err(LinkError::UnknownLab(tag)))
}

/// The code in a link: what follows `#s=` (or `s=`), or the text itself.
fn code_of(link: &str) -> &str {
    let link = link.trim();
    let fragment = link.rsplit_once('#').map_or(link, |(_, f)| f);
    fragment.strip_prefix(FRAGMENT_PREFIX).unwrap_or(fragment)
}

fn describe(error: postcard::Error) -> String {
    match error {
        postcard::Error::DeserializeUnexpectedEnd => "it ends too soon".into(),
        postcard::Error::DeserializeBadVarint => "a number in it is malformed".into(),
        postcard::Error::DeserializeBadEnum => {
            "it names an action or a setting that does not exist".into()
        }
        postcard::Error::DeserializeBadBool
        | postcard::Error::DeserializeBadChar
        | postcard::Error::DeserializeBadUtf8
        | postcard::Error::DeserializeBadOption => "a value in it is malformed".into(),
        other => other.to_string(),
    }
}
