//! The execution generator in WebAssembly, inside headless Chromium, matches the host's.
#![cfg(target_arch = "wasm32")]

mod golden;

use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
fn a_seed_generates_the_same_execution_in_the_browser() {
    let execution = netsplit_clocks::Execution::generate(7, 8, 200);
    assert_eq!(golden::digest(&execution), golden::EIGHT_BY_200);
}
