//! A labelled number input that keeps what the user is typing.
//!
//! Labs re-render every animation frame, and Yew resets a controlled input to its rendered value
//! on every render. As a component of its own, the field re-renders only when its value or
//! callback changes, so typing is never undone mid-edit. Give it a callback made once, not one
//! made during each render.

use yew::prelude::*;

/// Properties of [`NumberField`].
#[derive(Properties, PartialEq)]
pub struct NumberFieldProps {
    /// The visible label, also the accessible name.
    pub label: AttrValue,
    /// The current value.
    pub value: u64,
    /// The least allowed value, if any.
    #[prop_or_default]
    pub min: Option<u64>,
    /// The greatest allowed value, if any.
    #[prop_or_default]
    pub max: Option<u64>,
    /// Called with the text when the user commits it (Enter or leaving the field).
    pub on_change: Callback<String>,
}

/// A number input with its label.
#[component]
pub fn NumberField(props: &NumberFieldProps) -> Html {
    let onchange = props.on_change.reform(|e: Event| {
        let input: web_sys::HtmlInputElement = e.target_unchecked_into();
        input.value()
    });
    html! {
        <label class="field">
            <span>{ props.label.clone() }</span>
            <input type="number" value={props.value.to_string()}
                min={props.min.map(|m| m.to_string())} max={props.max.map(|m| m.to_string())}
                {onchange} />
        </label>
    }
}

/// Number fields and menus for a lab's parameters, with callbacks made once.
pub struct Fields {
    callbacks: Vec<(&'static str, Callback<String>)>,
}

impl Fields {
    /// The fields with a callback for each parameter, by name.
    pub fn new(callbacks: Vec<(&'static str, Callback<String>)>) -> Fields {
        Fields { callbacks }
    }

    /// The callback that sets `field`.
    pub fn callback(&self, field: &'static str) -> Callback<String> {
        self.callbacks
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, callback)| callback.clone())
            .expect("every field has a callback")
    }

    /// A labelled number input for `field`.
    pub fn number(
        &self,
        field: &'static str,
        label: &'static str,
        value: u64,
        min: u64,
        max: u64,
    ) -> Html {
        html! { <NumberField {label} {value} min={min} max={max} on_change={self.callback(field)} /> }
    }

    /// A labelled menu for `field`: (value, label) options, the first meaning "none".
    pub fn menu(
        &self,
        field: &'static str,
        label: &'static str,
        options: &[(&'static str, &'static str)],
        selected: &str,
    ) -> Html {
        let callback = self.callback(field);
        let onchange = Callback::from(move |e: Event| {
            let select: web_sys::HtmlSelectElement = e.target_unchecked_into();
            callback.emit(select.value());
        });
        let options = options.iter().map(|(value, text)| {
            html! { <option value={*value} selected={*value == selected}>{ *text }</option> }
        });
        html! {
            <label class="field">
                <span>{ label }</span>
                <select {onchange}>{ for options }</select>
            </label>
        }
    }
}
