//! Reading and writing the log format of ShiViz: each event is a description line followed by
//! a line with the host name and its vector clock as JSON, such as
//!
//! ```text
//! sent the request
//! alice {"alice": 2}
//! got the request
//! bob {"alice": 2, "bob": 1}
//! ```

use std::collections::BTreeMap;
use std::fmt;

use crate::{EventId, Execution, MessageId, VectorClock};

/// Why a log could not be read; `line` is 1-based.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShivizError {
    /// The line at fault.
    pub line: usize,
    /// What is wrong with it.
    pub problem: String,
}

impl fmt::Display for ShivizError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.problem)
    }
}

impl std::error::Error for ShivizError {}

/// The most events a log may hold.
pub const MAX_EVENTS: usize = 5000;

struct Parsed {
    label: String,
    host: usize,
    clock: VectorClock,
    line: usize,
}

fn error(line: usize, problem: impl Into<String>) -> ShivizError {
    ShivizError {
        line,
        problem: problem.into(),
    }
}

/// Writes `execution` as a ShiViz log.
pub fn export_shiviz(execution: &Execution) -> String {
    let names = execution.processes();
    let mut out = String::new();
    for event in execution.events() {
        let entries: Vec<String> = event
            .clock
            .0
            .iter()
            .enumerate()
            .filter(|(_, c)| **c > 0)
            .map(|(i, c)| format!("\"{}\": {c}", names[i]))
            .collect();
        out.push_str(&event.label.replace('\n', " "));
        out.push('\n');
        out.push_str(&format!(
            "{} {{{}}}\n",
            names[event.process],
            entries.join(", ")
        ));
    }
    out
}

/// Reads a ShiViz log and rebuilds the execution: who sent each message is worked out from the
/// clocks, and every clock must follow from the events before it.
pub fn import_shiviz(text: &str) -> Result<Execution, ShivizError> {
    let all: Vec<&str> = text.lines().map(str::trim_end).collect();
    // Blank lines between events are skipped, but a blank line right before a host and clock
    // line is an event with an empty description.
    let looks_like_clock = |l: &str| {
        l.split_once(' ')
            .is_some_and(|(host, json)| !host.is_empty() && json.trim_start().starts_with('{'))
    };
    let lines: Vec<(usize, &str)> = all
        .iter()
        .enumerate()
        .filter(|&(i, l)| {
            !l.trim().is_empty() || all.get(i + 1).is_some_and(|n| looks_like_clock(n))
        })
        .map(|(i, l)| (i + 1, *l))
        .collect();
    if lines.is_empty() {
        return Err(error(1, "the log is empty"));
    }
    let mut hosts: Vec<String> = Vec::new();
    let mut raw: Vec<(String, usize, BTreeMap<String, u64>, usize)> = Vec::new();
    for pair in lines.chunks(2) {
        let (label_line, label) = pair[0];
        let Some(&(line, clock_line)) = pair.get(1) else {
            return Err(error(
                label_line + 1,
                format!("the event \"{label}\" has no host and clock line after it"),
            ));
        };
        let (host, json) = clock_line.split_once(' ').ok_or_else(|| {
            error(
                line,
                "expected a host name, a space and a vector clock, like: alice {\"alice\": 2}",
            )
        })?;
        if host.is_empty() {
            return Err(error(line, "the host name is missing"));
        }
        let clock = parse_clock(json.trim()).map_err(|e| {
            error(
                line,
                format!("the vector clock is not a JSON object of counts: {e}"),
            )
        })?;
        for name in std::iter::once(host).chain(clock.keys().map(String::as_str)) {
            if !hosts.iter().any(|h| h == name) {
                if hosts.len() == crate::MAX_PROCESSES {
                    return Err(error(
                        line,
                        format!("more than {} hosts", crate::MAX_PROCESSES),
                    ));
                }
                hosts.push(name.to_string());
            }
        }
        raw.push((
            label.to_string(),
            hosts.iter().position(|h| h == host).expect("just added"),
            clock,
            line,
        ));
        if raw.len() > MAX_EVENTS {
            return Err(error(line, format!("more than {MAX_EVENTS} events")));
        }
    }
    let n = hosts.len();
    let parsed: Vec<Parsed> = raw
        .into_iter()
        .map(|(label, host, map, line)| {
            let mut clock = VectorClock::zero(n);
            for (name, count) in map {
                let i = hosts
                    .iter()
                    .position(|h| *h == name)
                    .expect("collected above");
                clock.0[i] = count;
            }
            Parsed {
                label,
                host,
                clock,
                line,
            }
        })
        .collect();

    // Each host's own entry counts its events: 1, 2, 3, …
    let mut counts = vec![0u64; n];
    let mut by_count: BTreeMap<(usize, u64), usize> = BTreeMap::new();
    for (i, e) in parsed.iter().enumerate() {
        counts[e.host] += 1;
        if e.clock.0[e.host] != counts[e.host] {
            return Err(error(
                e.line,
                format!(
                    "{}'s own entry should be {} (its events counted so far), got {}",
                    hosts[e.host], counts[e.host], e.clock.0[e.host]
                ),
            ));
        }
        by_count.insert((e.host, counts[e.host]), i);
    }

    // The sender of each receive: the latest event of another host that the clock has newly
    // learned of, and that is not already known through another such event. One event may be
    // the sender of several receives (a multicast), and may itself have received.
    let mut previous: Vec<VectorClock> = vec![VectorClock::zero(n); n];
    let mut receivers_of: Vec<Vec<usize>> = vec![Vec::new(); parsed.len()];
    for (i, e) in parsed.iter().enumerate() {
        let prev = &previous[e.host];
        let learned: Vec<usize> = (0..n)
            .filter(|&k| k != e.host && e.clock.0[k] > prev.0[k])
            .filter_map(|k| by_count.get(&(k, e.clock.0[k])).copied())
            .collect();
        let senders: Vec<usize> = learned
            .iter()
            .copied()
            .filter(|&s| {
                !learned.iter().any(|&o| {
                    o != s && parsed[s].clock.compare(&parsed[o].clock) == crate::Verdict::Before
                })
            })
            .collect();
        match senders.as_slice() {
            [] => {}
            [s] => {
                if parsed[*s].line > e.line {
                    return Err(error(
                        e.line,
                        format!(
                            "it receives from the event on line {}, which comes later in the log",
                            parsed[*s].line
                        ),
                    ));
                }
                receivers_of[*s].push(i);
            }
            many => {
                let lines: Vec<String> = many.iter().map(|&s| parsed[s].line.to_string()).collect();
                return Err(error(
                    e.line,
                    format!(
                        "it would receive from several events at once (lines {})",
                        lines.join(", ")
                    ),
                ));
            }
        }
        previous[e.host] = e.clock.clone();
    }

    // Rebuild in log order and check that every clock follows. An event that receives is a
    // delivery; otherwise one that sends is a send to its first receiver; its other messages
    // leave from it as soon as it exists.
    let mut execution = Execution::new(hosts.clone());
    let mut message_to: BTreeMap<usize, MessageId> = BTreeMap::new();
    for (i, e) in parsed.iter().enumerate() {
        let fail = |x: crate::ExecutionError| error(e.line, x.0);
        let mut receivers = receivers_of[i].iter();
        // Senders come first in the log, so a receive's message is made by now.
        let id: EventId = if let Some(&m) = message_to.get(&i) {
            execution.deliver(m, e.label.clone()).map_err(fail)?
        } else if let Some(&to) = receivers.next() {
            let m = execution
                .send(e.host, parsed[to].host, e.label.clone())
                .map_err(fail)?;
            message_to.insert(to, m);
            execution.messages()[m.0].send
        } else {
            execution.local(e.host, e.label.clone()).map_err(fail)?
        };
        for &to in receivers {
            let m = execution.send_from(id, parsed[to].host).map_err(fail)?;
            message_to.insert(to, m);
        }
        let computed = &execution.event(id).clock;
        if *computed != e.clock {
            return Err(error(
                e.line,
                format!(
                    "the clock {} does not follow from the events before it, which give {computed}",
                    e.clock
                ),
            ));
        }
    }
    Ok(execution)
}

/// A vector clock as ShiViz writes it: a JSON object of host names to counts, such as
/// `{"alice": 2, "bob": 1}`. Only that shape is read (names may escape `"` and `\\`); it is read
/// by hand so that the browser build carries no JSON library.
fn parse_clock(text: &str) -> Result<BTreeMap<String, u64>, String> {
    let mut clock = BTreeMap::new();
    let mut rest = text
        .strip_prefix('{')
        .ok_or("it does not start with {")?
        .trim_start();
    if let Some(after) = rest.strip_prefix('}') {
        return if after.trim().is_empty() {
            Ok(clock)
        } else {
            Err(format!("\"{after}\" follows the closing }}"))
        };
    }
    loop {
        rest = rest
            .strip_prefix('"')
            .ok_or("a host name in quotes was expected")?;
        let mut name = String::new();
        let mut chars = rest.char_indices();
        let end = loop {
            match chars.next() {
                Some((i, '"')) => break i,
                Some((_, '\\')) => match chars.next() {
                    Some((_, c @ ('"' | '\\'))) => name.push(c),
                    _ => return Err(format!("\"{name}\" has an escape other than \\\" or \\\\")),
                },
                Some((_, c)) => name.push(c),
                None => return Err(format!("the name \"{name}\" has no closing quote")),
            }
        };
        rest = rest[end + 1..]
            .trim_start()
            .strip_prefix(':')
            .ok_or_else(|| format!("a colon was expected after \"{name}\""))?
            .trim_start();
        let digits = rest.len() - rest.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        let count = rest[..digits]
            .parse::<u64>()
            .map_err(|_| format!("the count of \"{name}\" is not a whole number"))?;
        if clock.insert(name.clone(), count).is_some() {
            return Err(format!("\"{name}\" appears twice"));
        }
        rest = rest[digits..].trim_start();
        if let Some(after) = rest.strip_prefix('}') {
            return if after.trim().is_empty() {
                Ok(clock)
            } else {
                Err(format!("\"{after}\" follows the closing }}"))
            };
        }
        rest = rest
            .strip_prefix(',')
            .ok_or_else(|| format!("a comma or }} was expected after the count of \"{name}\""))?
            .trim_start();
    }
}

#[cfg(test)]
mod tests {
    use super::parse_clock;

    #[test]
    fn clocks_are_read_as_shiviz_writes_them_and_anything_else_is_refused() {
        let clock = parse_clock(r#"{"alice": 2, "bob \"b\"": 0}"#).unwrap();
        assert_eq!(clock["alice"], 2);
        assert_eq!(clock["bob \"b\""], 0);
        assert!(parse_clock("{}").unwrap().is_empty());
        for (bad, why) in [
            (r#"{"a": one}"#, "the count of \"a\" is not a whole number"),
            (
                r#"{"a": 1"#,
                "a comma or } was expected after the count of \"a\"",
            ),
            (r#"{"a": 1, "a": 2}"#, "\"a\" appears twice"),
            (r#"{"a": -1}"#, "the count of \"a\" is not a whole number"),
            (r#"["a"]"#, "it does not start with {"),
            (r#"{"a" 1}"#, "a colon was expected after \"a\""),
            (r#"{"a": 1} x"#, "\" x\" follows the closing }"),
        ] {
            assert_eq!(parse_clock(bad).unwrap_err(), why, "{bad}");
        }
    }
}
