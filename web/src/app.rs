//! The shell: a header naming Netsplit and its labs, a theme switch, and the chosen lab.

use netsplit_scenario::Lab;
use yew::prelude::*;

use crate::labs::gossip::GossipLab;
use crate::labs::raft::RaftLab;

/// The colour theme: follow the system, or force light or dark.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Theme {
    System,
    Light,
    Dark,
}

impl Theme {
    fn next(self) -> Theme {
        match self {
            Theme::System => Theme::Light,
            Theme::Light => Theme::Dark,
            Theme::Dark => Theme::System,
        }
    }

    fn label(self) -> &'static str {
        match self {
            Theme::System => "Theme: system",
            Theme::Light => "Theme: light",
            Theme::Dark => "Theme: dark",
        }
    }

    fn apply(self) {
        let root = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.document_element());
        if let Some(root) = root {
            let _ = match self {
                Theme::System => root.remove_attribute("data-theme"),
                Theme::Light => root.set_attribute("data-theme", "light"),
                Theme::Dark => root.set_attribute("data-theme", "dark"),
            };
        }
    }
}

/// The lab named by the page address (`#gossip`), or the first lab.
fn lab_from_location() -> Lab {
    let hash = web_sys::window()
        .and_then(|w| w.location().hash().ok())
        .unwrap_or_default();
    Lab::ALL
        .into_iter()
        .find(|lab| hash.trim_start_matches('#') == lab.slug())
        .unwrap_or(Lab::ALL[0])
}

/// The whole app.
#[component]
pub fn App() -> Html {
    let theme = use_state(|| Theme::System);
    let lab = use_state(lab_from_location);
    let toggle_theme = {
        let theme = theme.clone();
        Callback::from(move |_: MouseEvent| {
            let next = theme.next();
            next.apply();
            theme.set(next);
        })
    };
    let tabs = Lab::ALL.iter().map(|&l| {
        let current = *lab == l;
        let onclick = {
            let lab = lab.clone();
            Callback::from(move |_: MouseEvent| {
                if let Some(location) = web_sys::window().map(|w| w.location()) {
                    let _ = location.set_hash(l.slug());
                }
                lab.set(l)
            })
        };
        html! {
            <button class={classes!("tab", current.then_some("current"))}
                aria-current={if current { "page" } else { "false" }} {onclick}>
                { l.title() }
            </button>
        }
    });
    let content = match *lab {
        Lab::Gossip => html! { <GossipLab /> },
        Lab::Raft => html! { <RaftLab /> },
    };
    html! {
        <>
            <a class="skip" href="#lab">{ "Skip to the lab" }</a>
            <header class="app-header">
                <span class="brand" aria-label="Netsplit">{ "net" }<span class="split">{ "/" }</span>{ "split" }</span>
                <nav aria-label="Labs">{ for tabs }</nav>
                <button class="theme" onclick={toggle_theme}>{ theme.label() }</button>
            </header>
            <main id="lab">{ content }</main>
        </>
    }
}
