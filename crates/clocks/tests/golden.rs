//! A seed generates the same execution everywhere: the digest recorded here is checked on the
//! host and, by `tests/wasm.rs`, in headless Chromium.

use netsplit_clocks::Execution;

/// FNV-1a over the execution's JSON form.
pub fn digest(execution: &Execution) -> u64 {
    let json = serde_json::to_string(execution).expect("an execution always encodes");
    json.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// 8 processes, 200 events, seed 7.
pub const EIGHT_BY_200: u64 = 0xf1b7_ddaa_8e99_5ec4;

#[cfg(not(target_arch = "wasm32"))]
#[test]
fn the_recorded_execution_is_generated() {
    let d = digest(&Execution::generate(7, 8, 200));
    assert_eq!(d, EIGHT_BY_200, "got {d:#018x}");
}
