//! The shell: a header naming Netsplit and its labs, a theme switch, and the chosen lab.

use netsplit_labs::{FRAGMENT_PREFIX, LABS, ShareState};
use netsplit_sim::lab::About;
use std::rc::Rc;
use yew::prelude::*;

use crate::kit::embed::Embed;
use crate::kit::lab::LabProps;

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

/// What the page address asks for: a lab (`#raft`), a shared run (`#s=…`), or, when the link
/// is broken, the first lab and a message saying what is wrong.
#[derive(Clone, PartialEq)]
struct Opening {
    lab: About,
    shared: Option<Rc<ShareState>>,
    problem: Option<String>,
    embed: Option<Rc<Embed>>,
}

fn opening_from_location() -> Opening {
    let location = web_sys::window().map(|w| w.location());
    let hash = location
        .as_ref()
        .and_then(|l| l.hash().ok())
        .unwrap_or_default();
    let search = location
        .as_ref()
        .and_then(|l| l.search().ok())
        .unwrap_or_default();
    let embed = Embed::from_query(&search).map(Rc::new);
    let fragment = hash.trim_start_matches('#');
    if fragment.starts_with(FRAGMENT_PREFIX) {
        return match ShareState::decode(fragment) {
            Ok(state) => Opening {
                lab: state.scenario.about(),
                shared: Some(Rc::new(state)),
                problem: None,
                embed,
            },
            Err(e) => Opening {
                lab: LABS[0],
                shared: None,
                problem: Some(format!(
                    "This link could not be opened: {e}. Nothing else changed: the lab opens as it would without the link."
                )),
                embed,
            },
        };
    }
    let lab = netsplit_labs::about(fragment).unwrap_or(LABS[0]);
    Opening {
        lab,
        shared: None,
        problem: None,
        embed,
    }
}

/// The whole app.
#[component]
pub fn App() -> Html {
    let theme = use_state(|| Theme::System);
    let opening = use_memo((), |()| opening_from_location());
    let lab = use_state(|| opening.lab);
    let toggle_theme = {
        let theme = theme.clone();
        Callback::from(move |_: MouseEvent| {
            let next = theme.next();
            next.apply();
            theme.set(next);
        })
    };
    let tabs = LABS.iter().map(|&l| {
        let current = *lab == l;
        let onclick = {
            let lab = lab.clone();
            Callback::from(move |_: MouseEvent| {
                if let Some(location) = web_sys::window().map(|w| w.location()) {
                    let _ = location.set_hash(l.slug);
                }
                lab.set(l)
            })
        };
        html! {
            <button class={classes!("tab", current.then_some("current"))}
                aria-current={if current { "page" } else { "false" }} {onclick}>
                { l.title }
            </button>
        }
    });
    // The shared run goes to its own lab only; switching labs opens the others as usual.
    let props = LabProps {
        shared: opening
            .shared
            .clone()
            .filter(|s| s.scenario.about() == *lab),
        embed: opening.embed.clone(),
    };
    let content = crate::labs::page(lab.slug, props);
    if opening.embed.is_some() {
        return html! { <main id="lab" class="embedded-page">{ content }</main> };
    }
    html! {
        <>
            <a class="skip" href="#lab">{ "Skip to the lab" }</a>
            <header class="app-header">
                <span class="brand" aria-label="Netsplit">{ "net" }<span class="split">{ "/" }</span>{ "split" }</span>
                <nav aria-label="Labs">{ for tabs }</nav>
                <button class="theme" onclick={toggle_theme}>{ theme.label() }</button>
            </header>
            <main id="lab">
                if let Some(problem) = &opening.problem {
                    <p class="error link-problem" role="alert">{ problem }</p>
                }
                { content }
            </main>
        </>
    }
}
