//! Embedding a lab in another page (`?embed=1`): which controls show, and telling the page how
//! tall the lab is so that it can size its iframe. Labs listen to no messages from the page.

/// How a lab is embedded in another page (`?embed=1`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Embed {
    /// The controls shown: any of `play`, `step`, `timeline`, and `panel` for the panel under
    /// the view.
    pub controls: Vec<String>,
    /// Whether the run plays at once.
    pub autoplay: bool,
}

impl Embed {
    /// `?embed=1&controls=play,step,timeline&autoplay=1`, when the page is embedded.
    pub fn from_query(search: &str) -> Option<Embed> {
        let query = search.trim_start_matches('?');
        let value = |key: &str| {
            query
                .split('&')
                .filter_map(|pair| pair.split_once('=').or(Some((pair, ""))))
                .find(|(k, _)| *k == key)
                .map(|(_, v)| v.to_string())
        };
        if value("embed").is_none_or(|v| v == "0") {
            return None;
        }
        let controls = value("controls").unwrap_or_else(|| "play,step,timeline".into());
        Some(Embed {
            controls: controls.split(',').map(str::to_string).collect(),
            autoplay: value("autoplay").is_some_and(|v| v != "0"),
        })
    }

    /// Whether the embedding page asked for `control`.
    pub fn shows(&self, control: &str) -> bool {
        self.controls.iter().any(|c| c == control)
    }
}

/// Tells the embedding page how tall the lab is, when that changed from `told`, so it can size
/// its iframe. Labs listen to no messages from the page in turn.
pub fn tell_height(told: &mut i32) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let height = window
        .document()
        .and_then(|d| d.document_element())
        .map_or(0, |e| e.scroll_height());
    if height == *told {
        return;
    }
    *told = height;
    if let Ok(Some(parent)) = window.parent() {
        let message = js_sys::Object::new();
        let _ = js_sys::Reflect::set(&message, &"type".into(), &"netsplit:height".into());
        let _ = js_sys::Reflect::set(&message, &"height".into(), &height.into());
        let _ = parent.post_message(&message, "*");
    }
}
