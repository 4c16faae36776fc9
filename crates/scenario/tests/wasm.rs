//! The engine in WebAssembly, inside headless Chromium, must reproduce the host's traces.
#![cfg(target_arch = "wasm32")]

mod common;

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
