//! The menu of a lab's presets, with the chosen one's description.

use netsplit_sim::lab::Preset;
use yew::prelude::*;

/// A preset in a menu: its title and what it shows.
pub type PresetEntry = (&'static str, &'static str);

/// The menu entries of `presets`.
pub fn preset_menu<S>(presets: &[Preset<S>]) -> Vec<PresetEntry> {
    presets.iter().map(|p| (p.title, p.description)).collect()
}

/// The menu of a lab's presets with the chosen one's description. `preset` is `None` for a run
/// that is no preset (shared, restored or built by hand), described by `own` (menu entry, text).
pub fn preset_picker(
    label: &'static str,
    presets: &[PresetEntry],
    preset: Option<usize>,
    own: (&'static str, &'static str),
    on_pick: Callback<usize>,
) -> Html {
    let options = presets.iter().enumerate().map(|(i, (title, _))| {
        html! { <option value={i.to_string()} selected={Some(i) == preset}>{ *title }</option> }
    });
    let description = preset.map_or(own.1, |i| presets[i].1);
    let onchange = on_pick.reform(|e: Event| {
        let select: web_sys::HtmlSelectElement = e.target_unchecked_into();
        select.value().parse().unwrap_or(0)
    });
    html! {
        <>
            <label class="preset">
                { format!("{label} ") }
                <select {onchange} aria-describedby="preset-description">
                    if preset.is_none() {
                        <option value="" selected=true disabled=true>{ own.0 }</option>
                    }
                    { for options }
                </select>
            </label>
            <p id="preset-description" class="preset-description">{ description }</p>
        </>
    }
}
