//! The shell: which lab the page's address asks for, the theme switch, and, when one module
//! holds every lab (`trunk serve`), a header with a tab for each.
//!
//! ```text
//!   #s=CODE ──lab_of_link──▶ this module has the lab?  yes: its page opens the link
//!                                                      no:  go to ../<slug>/ with the link
//!   #raft   ──────────────▶ the same, by slug        (nothing: the module's first lab)
//! ```

use netsplit_labs::{FRAGMENT_PREFIX, lab_of_link};
use std::rc::Rc;
use yew::prelude::*;

use crate::kit::embed::Embed;
use crate::kit::lab::LabProps;
use crate::labs::Page;

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

/// The button that switches the colour theme.
#[component]
pub fn ThemeSwitch() -> Html {
    let theme = use_state(|| Theme::System);
    let onclick = {
        let theme = theme.clone();
        Callback::from(move |_: MouseEvent| {
            let next = theme.next();
            next.apply();
            theme.set(next);
        })
    };
    html! { <button type="button" class="theme" {onclick}>{ theme.label() }</button> }
}

/// What the page's address asks for: a lab's page, and the link it opens.
struct Asked {
    page: Page,
    link: Option<Rc<str>>,
    embed: Option<Rc<Embed>>,
}

/// Reads the page's address; `Err` holds the address of the lab page to go to instead, when the
/// address asks for a lab this module does not hold.
fn asked_by_location(pages: &[Page]) -> Result<Asked, String> {
    let location = web_sys::window().map(|w| w.location());
    let hash = location
        .as_ref()
        .and_then(|l| l.hash().ok())
        .unwrap_or_default();
    let search = location
        .as_ref()
        .and_then(|l| l.search().ok())
        .unwrap_or_default();
    let fragment = hash.trim_start_matches('#');
    let (slug, link) = if fragment.starts_with(FRAGMENT_PREFIX) {
        // A link that does not even name its lab is reported by the first page, which reads it.
        let slug = lab_of_link(fragment).map_or(pages[0].about.slug, |lab| lab.slug);
        (slug, Some(Rc::from(fragment)))
    } else {
        (fragment, None)
    };
    let page = match pages.iter().find(|page| page.about.slug == slug) {
        Some(page) => *page,
        None if netsplit_labs::about(slug).is_some() => {
            return Err(format!("../{slug}/{search}{hash}"));
        }
        None => pages[0],
    };
    Ok(Asked {
        page,
        link,
        embed: Embed::from_query(&search).map(Rc::new),
    })
}

/// The pages a module holds.
#[derive(Properties, Clone, Copy)]
pub struct AppProps {
    /// Its labs' pages; with more than one, the app draws a header with a tab for each.
    pub pages: &'static [Page],
}

impl PartialEq for AppProps {
    fn eq(&self, other: &Self) -> bool {
        std::ptr::eq(self.pages, other.pages)
    }
}

/// The app: the lab the address asks for.
#[component]
pub fn App(props: &AppProps) -> Html {
    let pages = props.pages;
    let asked = use_memo((), |()| asked_by_location(pages));
    let page = use_state(|| (*asked).as_ref().map_or(pages[0], |asked| asked.page));
    let asked = match &*asked {
        Ok(asked) => asked,
        Err(elsewhere) => {
            if let Some(location) = web_sys::window().map(|w| w.location()) {
                let _ = location.replace(elsewhere);
            }
            return Html::default();
        }
    };
    // The link goes to its own lab only; switching labs opens the others as usual.
    let props = LabProps {
        link: asked
            .link
            .clone()
            .filter(|_| page.about == asked.page.about),
        embed: asked.embed.clone(),
    };
    let content = (page.draw)(props);
    // A lab's own page has its header in its HTML, drawn before the module loads.
    if pages.len() == 1 {
        return content;
    }
    if asked.embed.is_some() {
        return html! { <main id="lab">{ content }</main> };
    }
    let tabs = pages.iter().map(|&p| {
        let current = page.about == p.about;
        let onclick = {
            let page = page.clone();
            Callback::from(move |_: MouseEvent| {
                if let Some(location) = web_sys::window().map(|w| w.location()) {
                    let _ = location.set_hash(p.about.slug);
                }
                page.set(p)
            })
        };
        html! {
            <button class={classes!("tab", current.then_some("current"))}
                aria-current={if current { "page" } else { "false" }} {onclick}>
                { p.about.title }
            </button>
        }
    });
    html! {
        <>
            <a class="skip" href="#lab">{ "Skip to the lab" }</a>
            <header class="app-header">
                <span class="brand"><span aria-hidden="true">{ "net" }<span class="split">{ "/" }</span>{ "split" }</span><span class="sr-only">{ "Netsplit" }</span></span>
                <nav aria-label="Labs">{ for tabs }</nav>
                <ThemeSwitch />
            </header>
            <main id="lab">{ content }</main>
        </>
    }
}
