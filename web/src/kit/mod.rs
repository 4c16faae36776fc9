//! What every lab reuses, one concern per file: the lab frame (`lab`) and the page parts it
//! holds (transport, timeline, topology, inspector, live checks, network panel, parameters and
//! their fields, event log, shortcut help, share, storage, embedding, keys, downloads, a
//! comparison replayed between frames), and the panic panel. The step labs (Vector clocks, Consistent hashing) use the same parts.

pub mod checks;
pub mod compare;
pub mod embed;
pub mod export;
pub mod fatal;
pub mod field;
pub mod frame;
pub mod help;
pub mod inspector;
pub mod keys;
pub mod lab;
pub mod live;
pub mod log;
pub mod network;
pub mod presets;
pub mod share;
pub mod spec;
pub mod storage;
pub mod timeline;
pub mod topology;
pub mod transport;

/// The speeds the speed control steps through, as multiples of the base rate.
pub const SPEEDS: [f64; 9] = [0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 7.5, 10.0];
/// The same speeds as shown to people.
pub const SPEED_LABELS: [&str; 9] = [
    "0.1×", "0.25×", "0.5×", "1×", "2×", "3×", "5×", "7.5×", "10×",
];

/// Virtual milliseconds per real millisecond at 1×: slow motion, so messages can be followed.
pub const BASE_RATE: f64 = 0.2;

/// Writes `v` rounded to one decimal, the precision drawings and readings use.
pub fn tenths(v: f64) -> String {
    netsplit_sim::decimal(v, 1)
}

/// The cosine and sine of `turns` whole turns (an angle of 2π·`turns`), to within 1e-13.
/// Drawings place nodes and keys on circles; the standard `sin` and `cos` carry an argument
/// reduction for any angle, kilobytes of code the browser build does without.
pub fn on_circle(turns: f64) -> (f64, f64) {
    let t = turns - turns.floor();
    let quarter = (t * 4.0 + 0.5).floor();
    // What is left is at most an eighth of a turn: short series converge fast.
    let x = (t - quarter / 4.0) * std::f64::consts::TAU;
    let x2 = x * x;
    let (mut sin, mut cos, mut term_s, mut term_c) = (x, 1.0, x, 1.0);
    for k in 1..8 {
        let k = f64::from(k);
        term_s *= -x2 / ((2.0 * k) * (2.0 * k + 1.0));
        term_c *= -x2 / ((2.0 * k - 1.0) * (2.0 * k));
        sin += term_s;
        cos += term_c;
    }
    match quarter as u32 % 4 {
        0 => (cos, sin),
        1 => (-sin, cos),
        2 => (-cos, -sin),
        _ => (sin, -cos),
    }
}

/// Emits `settle` in a task of its own, once the current one (mounting the page) is done: what
/// lies below the fold is drawn then, so that no single task both mounts the whole page and
/// lays it out. Dropping the handle cancels it.
pub fn settle_later(settle: yew::Callback<()>) -> gloo_timers::callback::Timeout {
    gloo_timers::callback::Timeout::new(0, move || settle.emit(()))
}

/// The banner over a lab's picture while work too long for a frame goes on in slices: how far
/// it got, what it is (`what`, "Going to 90 s"), and Cancel.
pub fn working_banner(what: &str, done: f64, cancel: &yew::Callback<()>) -> yew::Html {
    use yew::prelude::*;
    // Whole numbers: formatting a float would add its code to every lab's module.
    let percent = (done * 100.0) as u32;
    html! {
        // The button and the bar come first, so that the changing words never move them.
        <div class="banner going" role="status">
            <button onclick={cancel.reform(|_: MouseEvent| ())}
                title="Stop here, keeping what is shown (Esc)">{ "Cancel" }</button>
            <label>
                <progress max="100" value={percent.to_string()}></progress>
                { format!("{what}: {percent}%") }
            </label>
        </div>
    }
}

/// A line saying how far work in slices got, for a panel that waits for it (`what`: "Replaying
/// with each set type").
pub fn progress_note(what: &str, done: f64) -> yew::Html {
    use yew::prelude::*;
    // Whole numbers: formatting a float would add its code to every lab's module.
    let percent = (done * 100.0) as u32;
    html! {
        <p class="hint" role="status">
            <label>
                <progress max="100" value={percent.to_string()}></progress>
                { format!(" {what}: {percent}%") }
            </label>
        </p>
    }
}

/// Milliseconds since the page loaded, from the browser's monotonic clock.
pub fn now_ms() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map_or(0.0, |p| p.now())
}

/// True when the user asked the system for less motion.
pub fn prefers_reduced_motion() -> bool {
    web_sys::window()
        .and_then(|w| {
            w.match_media("(prefers-reduced-motion: reduce)")
                .ok()
                .flatten()
        })
        .is_some_and(|q| q.matches())
}

#[cfg(test)]
mod tests {
    use super::on_circle;

    #[test]
    fn points_on_a_circle_match_the_standard_functions() {
        for i in -1000..=1000 {
            let turns = f64::from(i) / 997.0;
            let (cos, sin) = on_circle(turns);
            let angle = turns * std::f64::consts::TAU;
            assert!((cos - angle.cos()).abs() < 1e-12, "{turns}");
            assert!((sin - angle.sin()).abs() < 1e-12, "{turns}");
        }
        assert_eq!(on_circle(0.0), (1.0, 0.0));
    }
}
