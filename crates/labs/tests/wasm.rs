//! The engine in WebAssembly, inside headless Chromium, must reproduce the host's traces.
#![cfg(target_arch = "wasm32")]

mod common;
#[path = "support/long_run.rs"]
mod long_run;

use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
fn traces_in_the_browser_match_the_recorded_hashes() {
    for (name, scenario, expected) in common::golden() {
        let report = scenario.run().expect("golden scenarios are valid");
        assert_eq!(
            report.trace_hash, expected,
            "{name}: {:016x}",
            report.trace_hash
        );
    }
}

/// Reports (does not judge) how long seeking takes in the browser: the target is under 50 ms
/// for any moment of a ten-minute, five-server Raft run.
#[wasm_bindgen_test]
fn report_seek_time_in_the_browser() {
    let mut sim = long_run::ten_minutes();
    let seeks = 50;
    let mut t = 0;
    let start = js_sys::Date::now();
    for _ in 0..seeks {
        t = (t + 217_379) % long_run::LENGTH_MS;
        sim.seek(netsplit_sim::Time(t));
    }
    let each = (js_sys::Date::now() - start) / f64::from(seeks);
    wasm_bindgen_test::console_log!(
        "seek in a 10-minute 5-server Raft run, wasm: {each:.2} ms per seek (target < 50 ms)"
    );
    // Where the seeks ended is where a fresh run to that moment is.
    let fresh = long_run::until(t);
    assert_eq!(sim.trace().hash(), fresh.trace().hash());
    assert_eq!(sim.violations(), fresh.violations());
}

/// Reports (does not judge) how long placing and measuring 100,000 keys on 64 nodes takes in
/// the browser, per strategy: the target is under 50 ms, so sliders feel instant.
#[wasm_bindgen_test]
fn report_placement_time_in_the_browser() {
    use netsplit_hashring::{Balance, Config, Params, Strategy};
    for strategy in Strategy::ALL {
        let config = Config::new(&Params {
            strategy,
            nodes: 64,
            vnodes: 128,
            keys: 100_000,
            ..Params::default()
        });
        let start = js_sys::Date::now();
        let placement = config.place();
        let balance = Balance::of(&placement, &config.fair_shares());
        let took = js_sys::Date::now() - start;
        wasm_bindgen_test::console_log!(
            "{strategy}: 100,000 keys on 64 nodes placed and measured in {took:.0} ms in wasm (target < 50 ms; peak {:.2})",
            balance.peak
        );
    }
}
