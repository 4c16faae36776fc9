//! Sharing a run: the link on this page's address, the clipboard, the share dialog with its
//! embed snippet and trace hash, and the line under every lab that offers them.

use netsplit_labs::{FRAGMENT_PREFIX, ShareState};
use netsplit_sim::lab::Lab;
use yew::prelude::*;

use crate::kit::export::Export;
use crate::kit::storage::restore;

/// What a lab opens with: the run of the link on the page's address, else the run kept in this
/// browser, else neither (the lab starts at its first preset); and, when the link could not be
/// opened, a sentence saying why.
pub struct Opening<S> {
    /// The run and the view to open.
    pub run: Option<ShareState<S>>,
    /// Why the page's link could not be opened.
    pub problem: Option<String>,
}

/// How lab `L` opens from `link`, the code on the page's address if it has one.
pub fn opening<L: Lab>(link: Option<&str>) -> Opening<L::Scenario> {
    match link.map(ShareState::decode_as::<L>) {
        Some(Ok(run)) => Opening {
            run: Some(run),
            problem: None,
        },
        Some(Err(e)) => Opening {
            run: restore::<L>(),
            problem: Some(format!(
                "This link could not be opened: {e}. Nothing else changed: the lab opens as it would without the link."
            )),
        },
        None => Opening {
            run: restore::<L>(),
            problem: None,
        },
    }
}

/// Says why the page's link could not be opened, above the lab.
pub fn link_problem(problem: Option<&str>) -> Html {
    match problem {
        Some(problem) => html! { <p class="error link-problem" role="alert">{ problem }</p> },
        None => Html::default(),
    }
}

/// A link to the run with code `code` on this page's address.
pub fn link_to(code: &str) -> String {
    let base = web_sys::window()
        .map(|w| w.location())
        .map(|l| {
            format!(
                "{}{}",
                l.origin().unwrap_or_default(),
                l.pathname().unwrap_or_default()
            )
        })
        .unwrap_or_default();
    format!("{base}#{FRAGMENT_PREFIX}{code}")
}

/// Puts `text` on the clipboard where the browser allows it.
pub fn copy_to_clipboard(text: &str) {
    if let Some(window) = web_sys::window() {
        let _ = window.navigator().clipboard().write_text(text);
    }
}

/// The share dialog: the link, an iframe snippet, and the run's hash ("about this run").
pub fn share_dialog(link: &str, hash: Option<u64>, close: Callback<MouseEvent>) -> Html {
    let (page, fragment) = link.split_once('#').unwrap_or((link, ""));
    let snippet = format!(
        "<iframe src=\"{page}?embed=1&controls=play,step,timeline#{fragment}\" title=\"Netsplit\" style=\"width: 100%; height: 560px; border: 0\"></iframe>"
    );
    html! {
        <div class="backdrop">
            <div class="dialog" role="dialog" aria-modal="true" aria-labelledby="share-title">
                <h2 id="share-title">{ "Share this run" }</h2>
                <p>{ "This link opens the same run at the same moment, with the same selection. It was copied to the clipboard where the browser allows it." }</p>
                <label class="share-link">
                    <span>{ "Link" }</span>
                    <input type="text" readonly=true value={link.to_string()} aria-label="Share link" />
                </label>
                <label class="share-link">
                    <span>{ "Embed it in a page" }</span>
                    <input type="text" readonly=true value={snippet} aria-label="Embed snippet" />
                </label>
                if let Some(hash) = hash {
                    <p>{ "About this run: trace hash " }<code class="hash">{ format!("{hash:016x}") }</code>
                       { ". The command line prints the same hash for " }<code>{ "netsplit run 'LINK'" }</code>{ "." }</p>
                } else {
                    <p role="status">{ "About this run: its trace hash is being worked out…" }</p>
                }
                <button class="primary" onclick={close} autofocus=true>{ "Close (Esc)" }</button>
            </div>
        </div>
    }
}

/// The line under a lab: `facts`, then share (`what` names the thing shared: "run"),
/// downloads of the view and of the record (`record`: "trace"), and the shortcut list.
pub fn run_facts(
    facts: Html,
    (what, record): (&str, &str),
    share: &Callback<bool>,
    export: &Callback<Export>,
    help: &Callback<bool>,
) -> Html {
    html! {
        <p class="run-facts">
            { facts }
            <button class="link" onclick={share.reform(|_: MouseEvent| true)} aria-keyshortcuts="s">{ format!("Share this {what} (s)") }</button>
            { "Download: " }
            <button class="link" onclick={export.reform(|_: MouseEvent| Export::Svg)}>{ "view (SVG)" }</button>
            <button class="link" onclick={export.reform(|_: MouseEvent| Export::Png)}>{ "view (PNG)" }</button>
            <button class="link" onclick={export.reform(|_: MouseEvent| Export::Trace)}>{ record }</button>
            <button class="link" onclick={help.reform(|_: MouseEvent| true)} aria-keyshortcuts="?">{ "Keyboard shortcuts (?)" }</button>
        </p>
    }
}
