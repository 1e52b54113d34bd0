//! Form fields for server functions that take one `input` struct (`ListingForm`, `RuleForm`,
//! `SettingsForm`): each control is named `input[key]`, labelled, and tied to its hint and
//! to its message in the form's error (`aria-invalid`, `aria-describedby`), keyed by `key`.

use super::{INPUT, Labelled, described_by, field_error};
use crate::error::AppError;
use leptos::prelude::*;

/// A text, number, email or time box named `input[key]` (id `l-{key}` unless given).
#[component]
pub fn TextField(
    label: &'static str,
    key: &'static str,
    #[prop(into)] value: String,
    error: Signal<Option<AppError>>,
    #[prop(optional, into)] id: Option<String>,
    #[prop(optional)] hint: Option<&'static str>,
    #[prop(default = "text")] input_type: &'static str,
    #[prop(optional)] inputmode: Option<&'static str>,
    #[prop(optional)] autocomplete: Option<&'static str>,
    #[prop(optional, into)] placeholder: Option<String>,
    #[prop(optional)] required: bool,
    #[prop(optional)] maxlength: Option<usize>,
    /// Bounds and step of a number box.
    #[prop(optional)]
    range: Option<(i64, i64, i64)>,
) -> impl IntoView {
    let id = id.unwrap_or_else(|| format!("l-{key}"));
    let message = field_error(error, key);
    view! {
        <Labelled label id=id.clone() key error hint=hint>
            <input
                id=id.clone()
                name=format!("input[{key}]")
                type=input_type
                inputmode=inputmode
                autocomplete=autocomplete
                placeholder=placeholder
                value=value
                required=required
                maxlength=maxlength
                min=range.map(|r| r.0)
                max=range.map(|r| r.1)
                step=range.map(|r| r.2)
                aria-invalid=move || message().is_some().then_some("true")
                aria-describedby=described_by(error, key, &id, hint.is_some())
                class=INPUT
            />
        </Labelled>
    }
}

/// A select named `input[key]` (id `l-{key}` unless given); `options` are (value, label),
/// "" first when optional.
#[component]
pub fn SelectField(
    label: &'static str,
    key: &'static str,
    #[prop(into)] value: String,
    options: Vec<(String, String)>,
    error: Signal<Option<AppError>>,
    #[prop(optional, into)] id: Option<String>,
    /// Told the chosen value whenever it changes (the Sell form narrows its models by make).
    #[prop(optional)]
    on_change: Option<Callback<String>>,
) -> impl IntoView {
    let id = id.unwrap_or_else(|| format!("l-{key}"));
    let message = field_error(error, key);
    view! {
        <Labelled label id=id.clone() key error>
            <select
                on:change=move |ev| {
                    if let Some(told) = on_change {
                        told.run(event_target_value(&ev));
                    }
                }
                id=id.clone()
                name=format!("input[{key}]")
                aria-invalid=move || message().is_some().then_some("true")
                aria-describedby=described_by(error, key, &id, false)
                class=INPUT
            >
                {options
                    .into_iter()
                    .map(|(v, l)| {
                        let selected = v == value;
                        view! {
                            <option value=v selected=selected>
                                {l}
                            </option>
                        }
                    })
                    .collect_view()}
            </select>
        </Labelled>
    }
}
