//! The last run of each lab, kept in this browser's local storage in the share-link encoding,
//! and restored on the next visit if it still opens.

use netsplit_labs::ShareState;
use netsplit_sim::lab::Lab;

/// Set in this tab's session storage by the error panel's "Open the lab without this run".
const FRESH: &str = "netsplit.fresh";

fn storage_key(slug: &str) -> String {
    format!("netsplit.{slug}.last")
}

/// The last run of lab `L` kept in this browser, if any and if it still opens; none when the
/// error panel asked for the lab without it (that run may be what stopped the app).
pub fn restore<L: Lab>() -> Option<ShareState<L::Scenario>> {
    let window = web_sys::window()?;
    if let Some(session) = window.session_storage().ok().flatten()
        && session.get_item(FRESH).ok().flatten().is_some()
    {
        let _ = session.remove_item(FRESH);
        return None;
    }
    let storage = window.local_storage().ok()??;
    let code = storage.get_item(&storage_key(L::ABOUT.slug)).ok()??;
    ShareState::decode_as::<L>(&code).ok()
}

/// Keeps the run with link code `code` as the last run of the lab called `slug` in this browser.
pub fn store(slug: &str, code: &str) {
    let storage = web_sys::window().and_then(|w| w.local_storage().ok().flatten());
    if let Some(storage) = storage {
        // A full or disabled storage only means the run is not remembered.
        let _ = storage.set_item(&storage_key(slug), code);
    }
}
