//! The two choices every notification form asks (the Alerts page's rule editor, the Settings
//! page's defaults): where to tell the person (one checkbox per channel, `input[{slug}]`) and
//! how often (one radio per rhythm, `input[rhythm]`). Both forms' server functions take one
//! `input` struct (`RuleForm`, `NotificationForm`), so the names are the same in both.

use super::LABEL;
use crate::{
    error::AppError,
    notifications::model::{Channel, Rhythm},
};
use leptos::prelude::*;

/// "Tell me in": a checkbox per channel, `chosen` ticked; the children (a note) say where
/// the outside channels go; the form's `channels` error shows beneath.
#[component]
pub fn ChannelChooser(
    chosen: Vec<Channel>,
    error: Signal<Option<AppError>>,
    children: Children,
) -> impl IntoView {
    view! {
        <fieldset>
            <legend class=LABEL>"Tell me in"</legend>
            {Channel::ALL
                .into_iter()
                .map(|c| {
                    view! {
                        <label class="mt-1 flex items-center gap-2 text-sm">
                            <input
                                type="checkbox"
                                name=format!("input[{}]", c.as_str())
                                checked=chosen.contains(&c)
                            />
                            {c.label()}
                        </label>
                    }
                })
                .collect_view()}
            <p class="text-sm text-slate-600">{children()}</p>
            {move || {
                error
                    .get()
                    .and_then(|e| e.field("channels"))
                    .map(|m| view! { <p class="text-sm font-medium text-red-700">{m}</p> })
            }}
        </fieldset>
    }
}

/// "How often": a radio per rhythm, `chosen` selected, with an optional `note` beneath.
#[component]
pub fn RhythmChooser(
    chosen: Rhythm,
    #[prop(optional)] note: Option<&'static str>,
) -> impl IntoView {
    view! {
        <fieldset>
            <legend class=LABEL>"How often"</legend>
            {Rhythm::ALL
                .into_iter()
                .map(|r| {
                    view! {
                        <label class="mt-1 flex items-center gap-2 text-sm">
                            <input
                                type="radio"
                                name="input[rhythm]"
                                value=r.as_str()
                                checked=chosen == r
                            />
                            {r.label()}
                        </label>
                    }
                })
                .collect_view()}
            {note.map(|n| view! { <p class="text-sm text-slate-600">{n}</p> })}
        </fieldset>
    }
}
