//! What every lab reuses, one concern per file: the lab frame (`lab`) and the page parts it
//! holds (transport, timeline, topology, inspector, live checks, network panel, parameters and
//! their fields, event log, shortcut help, share, storage, embedding, keys, downloads), and
//! the panic panel. The step labs (Vector clocks, Consistent hashing) use the same parts.

pub mod checks;
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
