//! Histories as text: one operation per line, in the order they began.
//!
//! ```text
//! # netsplit history: client op key value invoked returned outcome
//! c0 write k0 1 120 131 ok
//! c1 read k0 1 125 140 ok
//! c1 read k0 - 150 162 ok        a read that found nothing
//! c2 read k0 1,2 170 181 ok      siblings
//! c0 write k1 5 200 260 unknown  no answer: it may or may not have taken effect
//! c1 read k1 - 300 305 failed    refused: it took no effect
//! c3 read k1 - 310 - unknown     still waiting when the history ended
//! ```
//!
//! Times are milliseconds. Blank lines and everything after `#` are ignored. Values are whole
//! numbers, each written once per key.

use std::fmt::Write as _;

use crate::{History, Kind, Op, Outcome};

/// Most lines a history may have: a file is input from anyone.
pub const MOST_OPS: usize = 1_000_000;

/// The history as text.
pub fn write(h: &History) -> String {
    let mut out =
        String::from("# netsplit history: client op key value invoked returned outcome\n");
    for op in &h.ops {
        let (name, value) = match (op.kind, &op.outcome) {
            (Kind::Write(v), _) => ("write", v.to_string()),
            (Kind::Read, Outcome::Ok(vs)) if op.returned.is_some() && !vs.is_empty() => {
                let vs: Vec<String> = vs.iter().map(ToString::to_string).collect();
                ("read", vs.join(","))
            }
            (Kind::Read, _) => ("read", "-".into()),
        };
        let returned = op.returned.map_or("-".into(), |r| r.to_string());
        let outcome = match (&op.outcome, op.returned) {
            (Outcome::Ok(_), Some(_)) => "ok",
            (Outcome::Failed, Some(_)) => "failed",
            _ => "unknown",
        };
        let _ = writeln!(
            out,
            "c{} {name} k{} {value} {} {returned} {outcome}",
            op.client, op.key, op.invoked
        );
    }
    out
}

/// Reads a history, refusing the first line it cannot read with its number and why.
pub fn parse(text: &str) -> Result<History, String> {
    let mut h = History::default();
    for (n, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        if h.ops.len() == MOST_OPS {
            return Err(format!("a history holds at most {MOST_OPS} operations"));
        }
        let op = parse_line(line).map_err(|why| format!("line {}: {why}", n + 1))?;
        h.ops.push(op);
    }
    check_unique(&h)?;
    Ok(h)
}

fn parse_line(line: &str) -> Result<Op, String> {
    let fields: Vec<&str> = line.split_whitespace().collect();
    let [client, op, key, value, invoked, returned, outcome] = fields[..] else {
        return Err(format!(
            "expected 7 fields (client op key value invoked returned outcome), got {}",
            fields.len()
        ));
    };
    let number = |what: &str, s: &str, prefix: &str| -> Result<u64, String> {
        s.strip_prefix(prefix)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| format!("{what} should look like {prefix}0, got \"{s}\""))
    };
    let client = u16::try_from(number("the client", client, "c")?)
        .map_err(|_| "the client number is too large".to_string())?;
    let key =
        u8::try_from(number("the key", key, "k")?).map_err(|_| "keys go up to k255".to_string())?;
    let time = |what: &str, s: &str| -> Result<u64, String> {
        s.parse()
            .map_err(|_| format!("the {what} time should be whole milliseconds, got \"{s}\""))
    };
    let invoked = time("invoked", invoked)?;
    let returned = match returned {
        "-" => None,
        r => Some(time("returned", r)?),
    };
    if returned.is_some_and(|r| r < invoked) {
        return Err("it returned before it was invoked".into());
    }
    let values: Vec<u32> = match value {
        "-" => Vec::new(),
        v => v
            .split(',')
            .map(|x| {
                x.parse()
                    .map_err(|_| format!("\"{x}\" is not a value (a whole number)"))
            })
            .collect::<Result<_, _>>()?,
    };
    let kind = match op {
        "read" => Kind::Read,
        "write" => match values[..] {
            [v] => Kind::Write(v),
            _ => return Err("a write writes one value".into()),
        },
        other => return Err(format!("the operation is read or write, not \"{other}\"")),
    };
    let outcome = match (outcome, returned) {
        ("ok", Some(_)) => Outcome::Ok(if kind == Kind::Read {
            values
        } else {
            Vec::new()
        }),
        ("ok", None) => return Err("an operation still waiting cannot be ok".into()),
        ("failed", Some(_)) => Outcome::Failed,
        ("failed", None) => return Err("an operation still waiting cannot have failed".into()),
        ("unknown", _) => Outcome::Unknown,
        (other, _) => {
            return Err(format!(
                "the outcome is ok, failed or unknown, not \"{other}\""
            ));
        }
    };
    Ok(Op {
        client,
        key,
        kind,
        invoked,
        returned,
        outcome,
    })
}

/// Refuses a value written twice to one key: a read's value must name its write.
fn check_unique(h: &History) -> Result<(), String> {
    let mut seen = std::collections::BTreeSet::new();
    for (n, op) in h.ops.iter().enumerate() {
        if let Kind::Write(v) = op.kind
            && !seen.insert((op.key, v))
        {
            return Err(format!(
                "operation {} writes {v} to k{} again: each value is written once per key",
                n + 1,
                op.key
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_example_reads_and_writes_back_the_same() {
        let text = "# netsplit history: client op key value invoked returned outcome\n\
                    c0 write k0 1 120 131 ok\n\
                    c1 read k0 1 125 140 ok\n\
                    c1 read k0 - 150 162 ok\n\
                    c2 read k0 1,2 170 181 ok\n\
                    c0 write k1 5 200 260 unknown\n\
                    c1 read k1 - 300 305 failed\n\
                    c3 read k1 - 310 - unknown\n";
        let h = parse(text).unwrap();
        assert_eq!(h.ops.len(), 7);
        assert_eq!(h.ops[3].outcome, Outcome::Ok(vec![1, 2]));
        assert_eq!(write(&h), text);
    }

    #[test]
    fn a_bad_line_is_refused_with_its_number() {
        let err = parse("c0 write k0 1 10 5 ok").unwrap_err();
        assert_eq!(err, "line 1: it returned before it was invoked");
        let err = parse("\n# two\nc0 read k0 - 1 2 fine").unwrap_err();
        assert!(
            err.starts_with("line 3: the outcome is ok, failed or unknown"),
            "{err}"
        );
        let err = parse("c0 write k0 1 1 2 ok\nc1 write k0 1 3 4 ok").unwrap_err();
        assert!(err.contains("again"), "{err}");
    }
}
