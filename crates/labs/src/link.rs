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

use crate::{LABS, Member, Scenario, Visit, VisitLab, with_tag};
use netsplit_sim::lab::{About, Lab, MAX_DURATION};

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

/// Everything a share link carries: a run (of any lab, or of one lab `S`) and the view of it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShareState<S = Scenario> {
    /// The run.
    pub scenario: S,
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
    /// For another lab than the one asked for (that lab).
    OtherLab(About),
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
            LinkError::OtherLab(lab) => write!(f, "the link is a run of the {} lab", lab.title),
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
        struct Encode<'a>(&'a ViewState);
        impl Visit for Encode<'_> {
            type Out = String;
            fn visit<L: Member>(self, scenario: &L::Scenario) -> String {
                encode::<L>(scenario, self.0)
            }
        }
        self.scenario.visit(Encode(&self.view))
    }

    /// Reads a code, a fragment (`#s=…`, `s=…`) or a whole link, of any lab.
    pub fn decode(link: &str) -> Result<ShareState, LinkError> {
        struct Read<'a>(&'a Body<'a>);
        impl VisitLab for Read<'_> {
            type Out = Result<ShareState, LinkError>;
            fn visit<L: Member>(self) -> Self::Out {
                let state = read::<L>(self.0)?;
                Ok(ShareState {
                    scenario: L::wrap(state.scenario),
                    view: state.view,
                })
            }
        }
        let packed = unpack(link)?;
        let body = body_of(&packed)?;
        with_tag(body.tag, Read(&body)).unwrap_or(Err(LinkError::UnknownLab(body.tag)))
    }
}

impl<S> ShareState<S> {
    /// The code for a link to this run of lab `L`.
    pub fn encode_as<L: Lab<Scenario = S>>(&self) -> String {
        encode::<L>(&self.scenario, &self.view)
    }

    /// Reads a link to a run of lab `L`; a run of another lab is refused with
    /// [`LinkError::OtherLab`] (or [`LinkError::UnknownLab`]), and nothing of other labs is
    /// read, so a page holding one lab carries no other lab's code.
    pub fn decode_as<L: Lab<Scenario = S>>(link: &str) -> Result<Self, LinkError> {
        let packed = unpack(link)?;
        let body = body_of(&packed)?;
        if body.tag != L::ABOUT.tag {
            return Err(
                lab_of_tag(body.tag).map_or(LinkError::UnknownLab(body.tag), LinkError::OtherLab)
            );
        }
        read::<L>(&body)
    }
}

/// The lab a link is a run of, read from its header alone; the rest is read (and refused if
/// damaged) by [`ShareState::decode_as`] on that lab's page.
pub fn lab_of_link(link: &str) -> Result<About, LinkError> {
    let packed = unpack(link)?;
    let tag = body_of(&packed)?.tag;
    lab_of_tag(tag).ok_or(LinkError::UnknownLab(tag))
}

fn lab_of_tag(tag: u8) -> Option<About> {
    LABS.iter().copied().find(|lab| lab.tag == tag)
}

/// `[format][packing][body]`: `[lab tag][lab version][scenario][view]` after `#s=`, packed.
fn encode<L: Lab>(scenario: &L::Scenario, view: &ViewState) -> String {
    let plain = postcard::to_extend(scenario, vec![L::ABOUT.tag, L::ABOUT.version])
        .and_then(|bytes| postcard::to_extend(view, bytes))
        .unwrap_or_else(|_| unreachable!("a share state always encodes"));
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

/// A link's code, unpacked: its format and its plain body.
struct Unpacked {
    format: u8,
    plain: Vec<u8>,
}

/// A link's body, split: the lab's tag and version, then its scenario and view.
struct Body<'a> {
    tag: u8,
    version: u8,
    rest: &'a [u8],
}

/// Checks a link's text and header and inflates its body.
fn unpack(link: &str) -> Result<Unpacked, LinkError> {
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
    let [format, packing, body @ ..] = bytes.as_slice() else {
        return Err(LinkError::Truncated);
    };
    match *format {
        0 => return Err(LinkError::UnknownVersion(0)),
        v if v > LINK_VERSION => return Err(LinkError::FutureVersion(v)),
        _ => {}
    }
    let plain = match *packing {
        PACKED_PLAIN => body.to_vec(),
        PACKED_LZ4 => {
            let (size, block) =
                lz4_flex::block::uncompressed_size(body).map_err(|_| LinkError::BadCompression)?;
            if size > MAX_INFLATED_BYTES {
                return Err(LinkError::BadCompression);
            }
            lz4_flex::block::decompress(block, size).map_err(|_| LinkError::BadCompression)?
        }
        other => return Err(LinkError::UnknownPacking(other)),
    };
    Ok(Unpacked {
        format: *format,
        plain,
    })
}

/// Splits `[tag][lab version, unless format 1][rest]`.
fn body_of(unpacked: &Unpacked) -> Result<Body<'_>, LinkError> {
    let has_lab_version = unpacked.format > FORMAT_WITHOUT_LAB_VERSION;
    match (unpacked.plain.as_slice(), has_lab_version) {
        ([tag, version, rest @ ..], true) => Ok(Body {
            tag: *tag,
            version: *version,
            rest,
        }),
        ([tag, rest @ ..], false) => Ok(Body {
            tag: *tag,
            version: 1,
            rest,
        }),
        _ => Err(LinkError::Malformed(describe(
            postcard::Error::DeserializeUnexpectedEnd,
        ))),
    }
}

/// Reads lab `L`'s scenario and the view from a body, and validates them.
fn read<L: Lab>(body: &Body<'_>) -> Result<ShareState<L::Scenario>, LinkError> {
    if body.version > L::ABOUT.version {
        return Err(LinkError::FutureLabVersion(L::ABOUT.title, body.version));
    }
    if body.version == 0 {
        return Err(LinkError::Malformed(format!(
            "it names version 0 of the {} lab, which never existed",
            L::ABOUT.title
        )));
    }
    let (scenario, rest) =
        L::decode(body.version, body.rest).map_err(|e| LinkError::Malformed(describe(e)))?;
    let view: ViewState =
        postcard::from_bytes(rest).map_err(|e| LinkError::Malformed(describe(e)))?;
    L::validate(&scenario).map_err(|e| LinkError::Refused(e.0))?;
    if view.at > Time::ZERO + MAX_DURATION {
        return Err(LinkError::Refused(format!(
            "the moment shown, {}, is past the longest run ({MAX_DURATION})",
            view.at
        )));
    }
    Ok(ShareState { scenario, view })
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
        | postcard::Error::DeserializeBadOption
        | postcard::Error::DeserializeBadEncoding => "a value in it is malformed".into(),
        postcard::Error::SerdeDeCustom => "a value in it is not one the lab accepts".into(),
        // The rest come from writing, not reading, or from features links never use.
        _ => "it does not hold a run this version of Netsplit can read".into(),
    }
}
