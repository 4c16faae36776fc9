//! The keyboard shortcut list, opened with `?`.

use yew::prelude::*;

/// Properties of [`ShortcutHelp`].
#[derive(Properties, PartialEq)]
pub struct ShortcutHelpProps {
    /// Pairs of (keys, what they do).
    pub shortcuts: Vec<(&'static str, &'static str)>,
    /// Closes the dialog.
    pub on_close: Callback<()>,
}

/// A modal list of shortcuts; Escape or the button closes it.
#[component]
pub fn ShortcutHelp(props: &ShortcutHelpProps) -> Html {
    let close = props.on_close.reform(|_: MouseEvent| ());
    let rows = props.shortcuts.iter().map(|(keys, what)| {
        html! { <tr><th scope="row"><kbd>{ *keys }</kbd></th><td>{ *what }</td></tr> }
    });
    html! {
        <div class="backdrop">
            <div class="dialog" role="dialog" aria-modal="true" aria-labelledby="help-title">
                <h2 id="help-title">{ "Keyboard shortcuts" }</h2>
                <table>{ for rows }</table>
                <button class="primary" onclick={close} autofocus=true>{ "Close (Esc)" }</button>
            </div>
        </div>
    }
}
