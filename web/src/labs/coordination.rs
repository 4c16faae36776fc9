//! The Coordination lab: leases and fencing tokens, Redlock, and Bully election. Each node's own
//! clock and pauses are what it is about, so the nodes show them and the inspector offers them.

use netsplit_labs::coordination::history::{History, Spell};
use netsplit_labs::coordination::{
    Bug, CoordLab, CoordNode, Mode, Msg, Params, Phase, Role, Timer,
};
use netsplit_sim::{Clock, NodeId, Slot, Span, Time};
use std::collections::VecDeque;
use yew::prelude::*;

use crate::kit::field::Fields;
use crate::kit::spec::{LabSpec, NodeLook, ScenarioOf, SimOf};
use crate::kit::tenths;
use crate::session::Selection;

/// What makes the Coordination lab.
pub struct CoordSpec;

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
    const SHORTCUTS: &'static [(&'static str, &'static str)] = &[];
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
        let mut tint = None;
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
                tint = if p.electing {
                    Some(ELECTING_TINT)
                } else {
                    p.coordinator
                        .map(|c| FOLLOWER_TINTS[c.index() % FOLLOWER_TINTS.len()])
                };
                (
                    "process",
                    caption,
                    coordinator.then_some("♛ coordinator"),
                    timer,
                )
            }
        };
        // The frame adds a pause to the description.
        let clock = clock_note(slot.clock(), true_now);
        let state = if slot.is_up() {
            caption.as_str()
        } else {
            "crashed"
        };
        let description = format!(
            "{id}, {role}, {state}{}",
            clock
                .as_ref()
                .map(|c| format!(", its clock {c}"))
                .unwrap_or_default()
        );
        NodeLook {
            caption: match (slot.paused_until(), clock) {
                (Some(_), _) => "paused".to_string(),
                (None, Some(c)) => format!("{caption} · {c}"),
                (None, None) => caption,
            },
            description,
            badge,
            timer,
            tint,
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
            return elections(sim);
        }
        html! {
            <>
                { lease_timeline(sim) }
                { leases(sim) }
            </>
        }
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

/// The fill of a Bully process that is electing: the colour of ELECTION messages.
const ELECTING_TINT: u64 = 3;
/// The fills of processes by the coordinator they follow, so that two camps show apart.
const FOLLOWER_TINTS: [u64; 5] = [0, 1, 2, 4, 5];

/// A clock's rate as a multiple of true time: "1.5×".
fn rate(thousandths: u32) -> String {
    let exact = netsplit_sim::decimal(f64::from(thousandths) / 1000.0, 3);
    format!("{}×", exact.trim_end_matches('0').trim_end_matches('.'))
}

/// How a node's clock differs from true time at `now`, if it does: "+5 s, 1.5×".
fn clock_note(clock: &Clock, now: Time) -> Option<String> {
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
                <td>{ clock_note(slot.clock(), now).unwrap_or_else(|| "on time".into()) }</td>
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

/// How much true time the lease timeline shows: six TTLs, from 3 s to a minute.
fn window(ttl: Span) -> Span {
    Span((ttl.0 * 6).clamp(3000, 60_000))
}

/// The step between the timeline's ticks: about six of them across `span`.
fn tick_step(span: Span) -> u64 {
    [250, 500, 1000, 2000, 5000, 10_000, 20_000]
        .into_iter()
        .find(|&step| span.0 / step <= 8)
        .unwrap_or(30_000)
}

/// The timeline's geometry: where a moment of true time and a client's lane are drawn.
struct Scale {
    start: u64,
    end: u64,
}

const LABEL_W: f64 = 44.0;
const PLOT_W: f64 = 640.0;
const LANE_H: f64 = 54.0;
const AXIS_H: f64 = 22.0;

impl Scale {
    fn x(&self, t: Time) -> f64 {
        let t = t.0.clamp(self.start, self.end);
        LABEL_W + (t - self.start) as f64 / (self.end - self.start) as f64 * PLOT_W
    }

    /// A bar from `from` to `to` on row `y`, clipped to the window; nothing if outside it.
    fn bar(
        &self,
        from: Time,
        to: Time,
        y: f64,
        h: f64,
        class: Classes,
        label: Option<String>,
    ) -> Html {
        if to.0 < self.start || from.0 > self.end {
            return html! {};
        }
        let (x0, x1) = (self.x(from), self.x(to));
        let w = (x1 - x0).max(1.5);
        html! {
            <g class={class}>
                <rect x={tenths(x0)} y={tenths(y)} width={tenths(w)} height={tenths(h)} rx="2" />
                if let Some(label) = label.filter(|_| w > 26.0) {
                    <text x={tenths(x0 + 4.0)} y={tenths(y + h - 3.0)}>{ label }</text>
                }
            </g>
        }
    }
}

/// Each client's lease in true time as the lock service held it (solid) and as the client
/// believed it by its own clock (outlined), its pauses (hatched), and its writes as the storage
/// took (✓) or refused (✗) them: where the outline outlives the solid bar, the client acts on
/// a lease nobody else honours.
fn lease_timeline(sim: &SimOf<CoordSpec>) -> Html {
    let params = sim.config();
    let now = sim.now();
    let span = window(params.ttl);
    let scale = Scale {
        start: now.0.saturating_sub(span.0),
        end: now.0.max(span.0) + span.0 / 5,
    };
    let history = sim.monitor().history();
    let flagged = sim.violations().first();
    let is_flagged = |client: NodeId, token: u64| {
        flagged.is_some_and(|v| v.nodes.contains(&client) && v.indexes.contains(&token))
    };
    let clients: Vec<NodeId> = NodeId::all(params.nodes())
        .filter(|&id| params.role(id) == Role::Client)
        .collect();
    let lanes = clients.iter().enumerate().map(|(row, &client)| {
        let lane = &history.lanes[client.index()];
        let y = AXIS_H + row as f64 * LANE_H;
        let spells = |spells: &VecDeque<Spell>, dy: f64, h: f64, kind: &'static str| {
            spells
                .iter()
                .map(|s| {
                    // A lease still going ends later if no clock changes: drawn dashed.
                    let shown_to = if s.open { s.to.min(now) } else { s.to };
                    let class = classes!(kind, is_flagged(client, s.token).then_some("flagged"));
                    let label = (s.token > 0).then(|| format!("#{}", s.token));
                    html! {
                        <>
                            { scale.bar(s.from, shown_to, y + dy, h, class, label) }
                            if s.open && s.to > now {
                                { scale.bar(now, s.to, y + dy, h, classes!(kind, "projected"), None) }
                            }
                        </>
                    }
                })
                .collect::<Html>()
        };
        let writes = history.writes.iter().filter(|w| w.client == client && w.at.0 >= scale.start).map(|w| {
            let x = scale.x(w.at);
            let (mark, class) = if w.accepted { ("✓", "write-mark ok") } else { ("✗", "write-mark bad") };
            let class = classes!(class, is_flagged(client, w.token).then_some("flagged"));
            html! {
                <g {class}>
                    <line x1={tenths(x)} x2={tenths(x)} y1={tenths(y + 2.0)} y2={tenths(y + 34.0)} />
                    <text x={tenths(x + 3.0)} y={tenths(y + 47.0)}>{ format!("{mark}#{}", w.token) }</text>
                </g>
            }
        });
        html! {
            <g class="lane">
                <text class="lane-name" x="4" y={tenths(y + 20.0)}>{ client.to_string() }</text>
                { spells(&lane.paused, 0.0, 36.0, "paused") }
                { spells(&lane.held, 3.0, 14.0, "held") }
                { spells(&lane.believed, 20.0, 14.0, "believed") }
                { for writes }
            </g>
        }
    });
    let step = tick_step(Span(scale.end - scale.start));
    let ticks = (scale.start.div_ceil(step)..=scale.end / step).map(|i| {
        let t = Time(i * step);
        let x = scale.x(t);
        html! {
            <g class="tick">
                <line x1={tenths(x)} x2={tenths(x)} y1={tenths(AXIS_H - 4.0)} y2={tenths(AXIS_H + clients.len() as f64 * LANE_H)} />
                <text x={tenths(x)} y="12">{ t.to_string() }</text>
            </g>
        }
    });
    let height = AXIS_H + clients.len() as f64 * LANE_H + 4.0;
    let width = LABEL_W + PLOT_W + 8.0;
    let x_now = scale.x(now);
    html! {
        <section class="panel lease-timeline" aria-labelledby="lease-timeline-title">
            <h2 id="lease-timeline-title">{ "Leases in true time" }</h2>
            <svg class="timeline-chart" viewBox={format!("0 0 {} {}", tenths(width), tenths(height))}
                role="img" aria-label={timeline_summary(sim, &clients)}>
                <defs>
                    <pattern id="paused-hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">
                        <line x1="0" y1="0" x2="0" y2="6" class="hatch" />
                    </pattern>
                </defs>
                { for ticks }
                { for lanes }
                <line class="now" x1={tenths(x_now)} x2={tenths(x_now)} y1={tenths(AXIS_H - 6.0)} y2={tenths(height)} />
            </svg>
            <p class="hint">
                <span class="swatch held"></span>{ " the lock service holds the lease  " }
                <span class="swatch believed"></span>{ " the client believes it holds it, by its own clock  " }
                <span class="swatch paused"></span>{ " paused  " }
                { "✓ / ✗ a write the storage took / refused, with its token; dashed: how it goes on if no clock changes" }
            </p>
            { write_list(history) }
        </section>
    }
}

/// What the timeline shows, in words, for screen readers.
fn timeline_summary(sim: &SimOf<CoordSpec>, clients: &[NodeId]) -> String {
    let now = sim.now();
    let history = sim.monitor().history();
    let parts: Vec<String> = clients
        .iter()
        .map(|&c| {
            let lane = &history.lanes[c.index()];
            let open = |list: &VecDeque<Spell>| list.back().filter(|s| s.open).map(|s| s.token);
            match (open(&lane.held), open(&lane.believed)) {
                (Some(t), Some(_)) => format!("{c} holds lease {t}"),
                (None, Some(t)) => format!(
                    "{c} believes it holds lease {t}, which the lock service no longer holds"
                ),
                (Some(t), None) => {
                    format!("the lock service holds lease {t} for {c}, which does not know it yet")
                }
                (None, None) => format!("{c} holds nothing"),
            }
        })
        .collect();
    format!("Leases at true time {now}: {}", parts.join("; "))
}

/// The storage's newest writes, newest first.
fn write_list(history: &History) -> Html {
    if history.writes.is_empty() {
        return html! { <p class="hint">{ "The storage has had no write yet." }</p> };
    }
    let items = history.writes.iter().rev().take(8).map(|w| {
        let (class, verdict) = if w.accepted {
            ("ok", "accepted")
        } else {
            ("bad", "rejected: the storage has seen a higher token")
        };
        html! {
            <li class={class}>{ format!("{} — {}, token {}: {verdict}", w.at, w.client, w.token) }</li>
        }
    });
    html! {
        <>
            <h3>{ "Writes at the storage, newest first" }</h3>
            <ol class="writes" reversed=true>{ for items }</ol>
        </>
    }
}

/// Bully's elections: each wave, what it cost in messages, and who won.
fn elections(sim: &SimOf<CoordSpec>) -> Html {
    let history = sim.monitor().history();
    let rows = history.elections.iter().rev().map(|e| {
        let [election, answer, coordinator] = e.messages;
        html! {
            <tr>
                <td>{ e.began.to_string() }</td>
                <td>{ e.by.to_string() }</td>
                <td>{ election }</td>
                <td>{ answer }</td>
                <td>{ coordinator }</td>
                <td>{ election + answer + coordinator }</td>
                <td>{ e.winner.map_or("none yet".into(), |w| format!("♛ {w}")) }</td>
            </tr>
        }
    });
    html! {
        <section class="panel elections" aria-labelledby="elections-title">
            <h2 id="elections-title">{ "Elections" }</h2>
            if history.elections.is_empty() {
                <p class="hint">{ "No election yet." }</p>
            } else {
                <p class="hint">{ "A process is filled pink while it elects, and otherwise with the colour of the coordinator it follows: two camps show apart." }</p>
                <table class="members">
                    <caption>{ "newest first; one wave runs until no election message is sent for an election timeout" }</caption>
                    <thead><tr>
                        <th scope="col">{ "began" }</th><th scope="col">{ "by" }</th>
                        <th scope="col">{ "ELECTION" }</th><th scope="col">{ "OK" }</th>
                        <th scope="col">{ "COORDINATOR" }</th><th scope="col">{ "messages" }</th>
                        <th scope="col">{ "winner" }</th>
                    </tr></thead>
                    <tbody>{ for rows }</tbody>
                </table>
            }
        </section>
    }
}
