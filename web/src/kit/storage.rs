//! The last run of each lab, kept in this browser's local storage in the share-link encoding,
//! and restored on the next visit if it still opens.

use netsplit_labs::{Member, ShareState, ViewState};

fn storage_key(slug: &str) -> String {
    format!("netsplit.{slug}.last")
}

/// Lab `L`'s scenario and the view in `state`, if the state is a run of that lab.
pub fn opened_in<L: Member>(state: &ShareState) -> Option<(L::Scenario, ViewState)> {
    Some((L::unwrap(&state.scenario)?.clone(), state.view.clone()))
}

/// The last run of lab `L` kept in this browser, if any and if it still opens.
pub fn restore<L: Member>() -> Option<(L::Scenario, ViewState)> {
    let storage = web_sys::window()?.local_storage().ok()??;
    let code = storage.get_item(&storage_key(L::ABOUT.slug)).ok()??;
    opened_in::<L>(&ShareState::decode(&code).ok()?)
}

/// Keeps `state` as the last run of the lab called `slug` in this browser.
pub fn store(slug: &str, state: &ShareState) {
    let storage = web_sys::window().and_then(|w| w.local_storage().ok().flatten());
    if let Some(storage) = storage {
        // A full or disabled storage only means the run is not remembered.
        let _ = storage.set_item(&storage_key(slug), &state.encode());
    }
}
