//! The Coordination lab: leases and fencing tokens, Redlock, and Bully election. Each node's own
//! clock and pauses are what it is about, so the nodes show them and the inspector offers them.

use netsplit_labs::coordination::{Bug, CoordLab, CoordNode, Mode, Msg, Params, Phase, Timer};
use netsplit_sim::{Action, NoCommand, NodeId, Slot, Span, Time};
use yew::prelude::*;

use crate::kit::field::Fields;
use crate::kit::spec::{LabSpec, NodeAction, NodeLook, ScenarioOf, SimOf};
use crate::session::Selection;

/// What makes the Coordination lab.
pub struct CoordSpec;

/// How long the inspector's pause lasts.
const PAUSE: Span = Span::secs(3);
/// How far the inspector moves a clock.
const JUMP_MS: i64 = 5000;
/// How fast a clock the inspector speeds up runs, in thousandths.
const FAST: u32 = 1500;

impl LabSpec for CoordSpec {
    type Lab = CoordLab;

    const FIELDS: &'static [&'static str] = &[
        "mode",
        "servers",
        "clients",
        "processes",
        "ttl",
        "work",
        "drift_allowance",
        "durable",
        "election_timeout",
        "heartbeat",
        "bug",
    ];
    const SHORTCUTS: &'static [(&'static str, &'static str)] = &[
        ("z", "pause the selected node's process for 3 s"),
        ("j / b", "move the selected node's clock 5 s ahead / back"),
        (
            "f",
            "make the selected node's clock run fast, or on time again",
        ),
    ];
    const STAGE_LABEL: &'static str = "Lock servers on the left, clients and the storage on the right (or Bully processes on a circle); dots are messages in flight";

    fn intro() -> Html {
        html! {
            <>
                <h1>{ "Coordination" }</h1>
                <p>
                    { "A timeout is not a failure detector. A client that holds a lock, or a node that leads, can be \
                       paused, cut off or misled by its own clock, and go on acting on a belief the others gave up. \
                       Leases with fencing tokens, Redlock and Bully election, with every clock and pause in view." }
                </p>
            </>
        }
    }

    fn columns(params: &Params) -> Option<usize> {
        (params.mode != Mode::Bully).then(|| params.lock_servers())
    }

    fn params_panel(params: &Params, fields: &Fields) -> Html {
        let ms = |r: &std::ops::RangeInclusive<u64>| (*r.start(), *r.end());
        let modes = [
            ("lease", "lease service (one lock server)"),
            ("redlock", "Redlock (several lock servers)"),
            ("bully", "Bully election"),
        ];
        let mut bugs = vec![("none", "none (correct protocols)")];
        bugs.extend(
            Bug::ALL
                .iter()
                .filter(|b| b.modes().contains(&params.mode))
                .map(|b| (b.name(), b.name())),
        );
        let durable = [("true", "on disk"), ("false", "in memory only")];
        let mode = fields.menu("mode", "protocol", &modes, params.mode.name());
        let bug = fields.menu(
            "bug",
            "bug toggle",
            &bugs,
            params.bug.map_or("none", Bug::name),
        );
        if params.mode == Mode::Bully {
            let (lo, hi) = (
                *Params::PROCESSES.start() as u64,
                *Params::PROCESSES.end() as u64,
            );
            let (t_lo, t_hi) = ms(&Params::ELECTION_TIMEOUT_MS);
            let (h_lo, h_hi) = ms(&Params::HEARTBEAT_MS);
            return html! {
                <>
                    { mode }
                    { fields.number("processes", "processes", params.processes as u64, lo, hi) }
                    { fields.number("election_timeout", "election timeout (ms)", params.election_timeout.0, t_lo, t_hi) }
                    { fields.number("heartbeat", "heartbeat (ms)", params.heartbeat.0, h_lo, h_hi) }
                    { bug }
                </>
            };
        }
        let (c_lo, c_hi) = (
            *Params::CLIENTS.start() as u64,
            *Params::CLIENTS.end() as u64,
        );
        let (s_lo, s_hi) = (
            *Params::SERVERS.start() as u64,
            *Params::SERVERS.end() as u64,
        );
        let (ttl_lo, ttl_hi) = ms(&Params::TTL_MS);
        let (w_lo, w_hi) = ms(&Params::WORK_MS);
        let (d_lo, d_hi) = (
            u64::from(*Params::DRIFT_ALLOWANCE.start()),
            u64::from(*Params::DRIFT_ALLOWANCE.end()),
        );
        html! {
            <>
                { mode }
                if params.mode == Mode::Redlock {
                    { fields.number("servers", "lock servers", params.servers as u64, s_lo, s_hi) }
                }
                { fields.number("clients", "clients", params.clients as u64, c_lo, c_hi) }
                { fields.number("ttl", "lease TTL (ms)", params.ttl.0, ttl_lo, ttl_hi) }
                { fields.number("work", "work before the write (ms)", params.work.0, w_lo, w_hi) }
                { fields.number("drift_allowance", "drift allowance (‰ of the TTL)", u64::from(params.drift_allowance), d_lo, d_hi) }
                { fields.menu("durable", "lock server's leases", &durable, if params.durable { "true" } else { "false" }) }
                { bug }
            </>
        }
    }

    fn node_look(sim: &SimOf<Self>, slot: &Slot<CoordNode>, id: NodeId, now: f64) -> NodeLook {
        let params = sim.config();
        let true_now = sim.now();
        let local = slot.clock().at(true_now);
        let left = |timer: Timer, full: Span| {
            slot.timer_due(&timer)
                .map(|due| (due.0 as f64 - now).max(0.0) / full.0.max(1) as f64)
        };
        let (role, caption, badge, timer) = match slot.node() {
            CoordNode::Server(s) => {
                let caption = match (s.current(local), s.closed_until) {
                    (_, Some(until)) if local < until => "waits out a TTL".to_string(),
                    (Some(g), _) => format!("{} #{}", g.client, g.token),
                    (None, _) => "free".to_string(),
                };
                let timer = s
                    .current(local)
                    .map(|g| g.expires.0.saturating_sub(local.0) as f64 / params.ttl.0 as f64);
                ("lock server", caption, None, timer)
            }
            CoordNode::Client(c) => {
                let held = c.lease.filter(|l| local < l.until);
                let caption = match (held, c.phase) {
                    (Some(l), _) => format!("#{} held", l.token),
                    (None, Phase::Asking) => "asking".to_string(),
                    (None, _) => "idle".to_string(),
                };
                let timer =
                    held.map(|l| l.until.0.saturating_sub(local.0) as f64 / params.ttl.0 as f64);
                ("client", caption, held.map(|_| "holds the lock"), timer)
            }
            CoordNode::Storage(s) => (
                "storage",
                format!("#{} · {}✓ {}✗", s.highest, s.accepted, s.rejected),
                None,
                None,
            ),
            CoordNode::Process(p) => {
                let coordinator = p.coordinator == Some(id);
                let caption = match p.coordinator {
                    _ if p.electing => "electing".to_string(),
                    Some(c) if c == id => "coordinator".to_string(),
                    Some(c) => format!("follows {c}"),
                    None => "no coordinator".to_string(),
                };
                let timer = left(Timer::Answers, params.election_timeout)
                    .or_else(|| left(Timer::Announcement, params.election_timeout));
                (
                    "process",
                    caption,
                    coordinator.then_some("♛ coordinator"),
                    timer,
                )
            }
        };
        let clock = clock_note(slot, true_now);
        let state = if !slot.is_up() {
            "crashed".to_string()
        } else if let Some(until) = slot.paused_until() {
            format!("paused until {until}")
        } else {
            caption.clone()
        };
        NodeLook {
            caption: match (slot.paused_until(), &clock) {
                (Some(_), _) => "paused".to_string(),
                (None, Some(c)) => format!("{caption} · {c}"),
                (None, None) => caption,
            },
            description: format!(
                "{id}, {role}, {state}{}",
                clock
                    .map(|c| format!(", its clock {c}"))
                    .unwrap_or_default()
            ),
            badge,
            timer,
            tint: None,
        }
    }

    fn message_look(msg: &Msg) -> (&'static str, &'static str) {
        match msg {
            Msg::Acquire { .. } => ("A", "lock-ask"),
            Msg::Renew { .. } => ("R", "lock-ask"),
            Msg::Granted { .. } => ("G", "lock-grant"),
            Msg::Refused { .. } => ("✗", "lock-refuse"),
            Msg::Release { .. } => ("L", "lock-release"),
            Msg::Write { .. } => ("W", "write"),
            Msg::Written { accepted: true, .. } => ("✓", "write-ok"),
            Msg::Written { .. } => ("✗", "write-rejected"),
            Msg::Election => ("E", "election"),
            Msg::Answer => ("O", "answer"),
            Msg::Coordinator => ("C", "coordinator"),
            Msg::Alive => ("H", "alive"),
        }
    }

    fn message_tag(msg: &Msg) -> Option<String> {
        match msg {
            Msg::Granted { token, .. } | Msg::Write { token } | Msg::Written { token, .. } => {
                Some(format!("#{token}"))
            }
            _ => None,
        }
    }

    fn node_actions(sim: &SimOf<Self>, id: NodeId) -> Vec<NodeAction<NoCommand>> {
        let slot = sim.slot(id);
        if !slot.is_up() {
            return Vec::new();
        }
        let mut actions = Vec::new();
        if slot.paused_until().is_none() {
            actions.push(NodeAction {
                label: "Pause 3 s (z)".into(),
                key: "z",
                action: Action::Pause(id, PAUSE),
            });
        }
        actions.push(NodeAction {
            label: "Clock +5 s (j)".into(),
            key: "j",
            action: Action::JumpClock(id, JUMP_MS),
        });
        actions.push(NodeAction {
            label: "Clock −5 s (b)".into(),
            key: "b",
            action: Action::JumpClock(id, -JUMP_MS),
        });
        let fast = slot.clock().rate() != 1000;
        actions.push(NodeAction {
            label: if fast {
                "Clock on time (f)"
            } else {
                "Clock 1.5× fast (f)"
            }
            .into(),
            key: "f",
            action: Action::Drift(id, if fast { 1000 } else { FAST }),
        });
        actions
    }

    fn node_details(sim: &SimOf<Self>, id: NodeId) -> Html {
        let slot = sim.slot(id);
        let now = sim.now();
        let row = |name: &'static str, value: String| html! { <tr><th scope="row">{ name }</th><td>{ value }</td></tr> };
        let clock = format!(
            "reads {} (true time {now}), runs at {}",
            slot.clock().at(now),
            rate(slot.clock().rate())
        );
        let rows = match slot.node() {
            CoordNode::Server(s) => html! {
                <>
                    { row("lease", s.holder.map_or("none".into(), |g| format!("{} with token {}, until its clock reads {}", g.client, g.token, g.expires))) }
                    { row("last token", s.counter.to_string()) }
                </>
            },
            CoordNode::Client(c) => html! {
                <>
                    { row("believes", c.lease.map_or("it holds no lock".into(), |l| format!("it holds token {} until its clock reads {}", l.token, l.until))) }
                    { row("which is, in true time", c.lease.map_or("—".into(), |l| slot.clock().true_time_of(l.until, now).to_string())) }
                    { row("writes sent", c.writes.to_string()) }
                </>
            },
            CoordNode::Storage(s) => html! {
                <>
                    { row("highest token", s.highest.to_string()) }
                    { row("writes", format!("{} accepted, {} rejected for an old token", s.accepted, s.rejected)) }
                    { row("last write", s.last.map_or("none".into(), |(c, t)| format!("{c}, token {t}"))) }
                </>
            },
            CoordNode::Process(p) => html! {
                <>
                    { row("coordinator", p.coordinator.map_or("none".into(), |c| c.to_string())) }
                    { row("election", if p.electing { if p.answered { "answered; waits for a coordinator" } else { "waits for answers" } } else { "none" }.into()) }
                </>
            },
        };
        html! {
            <table class="members">
                <caption>{ "state, and the node's own clock" }</caption>
                <tbody>
                    { rows }
                    { row("clock", clock) }
                    { row("process", slot.paused_until().map_or("running".into(), |t| format!("paused until {t}"))) }
                </tbody>
            </table>
        }
    }

    fn below_stage(sim: &SimOf<Self>, _: &ScenarioOf<Self>, _: Selection) -> Html {
        if sim.config().mode == Mode::Bully {
            return html! {};
        }
        leases(sim)
    }

    fn legend() -> Html {
        html! {
            <>
                <span class="key lock-ask">{ "A" }</span>{ " acquire / renew  " }
                <span class="key lock-grant">{ "G" }</span>{ " granted  " }
                <span class="key write">{ "W" }</span>{ " write  " }
                <span class="key election">{ "E" }</span>{ " election  " }
                <span class="key coordinator">{ "C" }</span>{ " coordinator  " }
                <span class="key down">{ "✕" }</span>{ " crashed  " }
                <span class="key flag">{ "!" }</span>{ " named in a violation" }
            </>
        }
    }
}

/// A clock's rate as a multiple of true time: "1.5×".
fn rate(thousandths: u32) -> String {
    let (whole, part) = (thousandths / 1000, thousandths % 1000);
    if part == 0 {
        format!("{whole}×")
    } else {
        format!("{whole}.{}×", format!("{part:03}").trim_end_matches('0'))
    }
}

/// How a node's clock differs from true time, if it does: "+5 s, 1.5×".
fn clock_note(slot: &Slot<CoordNode>, now: Time) -> Option<String> {
    let clock = slot.clock();
    let offset = clock.offset(now);
    let drift = clock.rate() != 1000;
    if offset == 0 && !drift {
        return None;
    }
    let sign = if offset < 0 { "−" } else { "+" };
    let mut note = format!("{sign}{}", Span(offset.unsigned_abs()));
    if drift {
        note.push_str(&format!(", {}", rate(clock.rate())));
    }
    Some(note)
}

/// Every client's belief of its lease beside the truth, and the storage's view: the gap
/// between a lease as its holder counts it and as true time does is the lesson.
fn leases(sim: &SimOf<CoordSpec>) -> Html {
    let now = sim.now();
    let rows = sim.nodes().iter().enumerate().filter_map(|(i, slot)| {
        let CoordNode::Client(c) = slot.node() else {
            return None;
        };
        let id = NodeId(i as u16);
        let local = slot.clock().at(now);
        let (token, belief, truth) = match c.lease {
            Some(l) if local < l.until => (
                format!("#{}", l.token),
                format!("until its clock reads {}", l.until),
                format!("until {}", slot.clock().true_time_of(l.until, now)),
            ),
            _ => ("—".into(), "holds nothing".into(), "—".into()),
        };
        let paused = slot
            .paused_until()
            .map_or(String::new(), |t| format!(" (paused until {t})"));
        Some(html! {
            <tr>
                <th scope="row">{ format!("{id}{paused}") }</th>
                <td>{ token }</td>
                <td>{ belief }</td>
                <td>{ truth }</td>
                <td>{ clock_note(slot, now).unwrap_or_else(|| "on time".into()) }</td>
            </tr>
        })
    });
    let storage = match sim.slot(sim.config().storage()).node() {
        CoordNode::Storage(s) => format!(
            "The storage has accepted {} writes and rejected {} for an old token; the highest token it has seen is {}.",
            s.accepted, s.rejected, s.highest
        ),
        _ => String::new(),
    };
    html! {
        <section class="panel leases" aria-label="Leases">
            <h2>{ "Leases: belief and truth" }</h2>
            <table class="members">
                <caption>{ format!("at true time {now}") }</caption>
                <thead><tr>
                    <th scope="col">{ "client" }</th><th scope="col">{ "token" }</th>
                    <th scope="col">{ "believes it holds" }</th><th scope="col">{ "true time" }</th>
                    <th scope="col">{ "its clock" }</th>
                </tr></thead>
                <tbody>{ for rows }</tbody>
            </table>
            <p class="hint">{ storage }</p>
        </section>
    }
}
