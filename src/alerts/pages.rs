//! The Alerts page (rules: criteria, channels, matches; edit, rename, pause, delete,
//! preview) and the search page's "Save as alert".

use super::{
    api::{
        CreateAlert, DeleteAlert, PauseAlert, SetFavoriteAlerts, UpdateAlert, list_alerts,
        preview_alert,
    },
    model::RuleSummary,
};
use crate::{
    error::AppError,
    notifications::pages::TroubleList,
    ui::{
        BUTTON, FormAlert, INPUT, LABEL, LINK, PRIMARY_BUTTON, SignedInContent, action_error,
        channels::{ChannelChooser, RhythmChooser},
        fields::TextField,
        listing_card::CardGrid,
    },
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

/// "Save as alert" under the search's result count: names the alert after the criteria.
#[component]
pub fn SaveAlert(search: String, suggested_name: String) -> impl IntoView {
    let action = ServerAction::<CreateAlert>::new();
    let error = action_error(action);
    let saved = move || matches!(action.value().get(), Some(Ok(_)));
    let unauthorized = move || matches!(error.get(), Some(AppError::Unauthorized { .. }));
    view! {
        <ActionForm action attr:class="mt-3 flex flex-wrap items-end gap-2">
            <input type="hidden" name="search" value=search />
            <div class="min-w-[12rem] flex-1 sm:max-w-sm">
                <label for="alert-name" class=LABEL>
                    "Alert name"
                </label>
                <input
                    id="alert-name"
                    name="name"
                    value=suggested_name
                    maxlength="80"
                    required
                    class=INPUT
                />
            </div>
            <button type="submit" class=PRIMARY_BUTTON disabled=move || action.pending().get()>
                "Save as alert"
            </button>
            <div class="w-full text-sm" aria-live="polite">
                {move || {
                    if saved() {
                        view! {
                            <p role="status" class="text-emerald-800">
                                "Alert saved: new matches and price drops will appear in your inbox. "
                                <a class=LINK href="/alerts">
                                    "Manage alerts"
                                </a>
                            </p>
                        }
                            .into_any()
                    } else if unauthorized() {
                        view! {
                            <p role="alert" class="text-red-800">
                                <a class=LINK href="/sign-in">
                                    "Sign in"
                                </a>
                                " to save this search as an alert."
                            </p>
                        }
                            .into_any()
                    } else {
                        error
                            .get()
                            .map(|e| {
                                view! {
                                    <p role="alert" class="text-red-800">
                                        {crate::ui::error_text(&e)}
                                    </p>
                                }
                            })
                            .into_any()
                    }
                }}
            </div>
        </ActionForm>
    }
}

#[component]
pub fn AlertsPage() -> impl IntoView {
    let update = ServerAction::<UpdateAlert>::new();
    let pause = ServerAction::<PauseAlert>::new();
    let delete = ServerAction::<DeleteAlert>::new();
    let favorites = ServerAction::<SetFavoriteAlerts>::new();
    let overview = Resource::new(
        move || {
            (
                update.version().get(),
                pause.version().get(),
                delete.version().get(),
                favorites.version().get(),
            )
        },
        |_| list_alerts(),
    );
    let pause_error = action_error(pause);
    let delete_error = action_error(delete);
    view! {
        <Title text="Alerts · Scout" />
        <div class="mx-auto max-w-4xl px-4 py-6">
            <h1 class="text-2xl font-bold text-slate-900">"Alerts"</h1>
            <p class="mt-1 text-slate-700">
                "Saved searches that tell you when a matching listing appears, drops in price or comes back. "
                <a class=LINK href="/inbox">
                    "Your inbox"
                </a>
            </p>
            <div class="mt-3 space-y-2" aria-live="polite">
                <FormAlert error=pause_error />
                <FormAlert error=delete_error />
            </div>
            <SignedInContent
                data=overview
                loading="Loading your alerts…"
                sign_in_to=" to save searches as alerts."
                let:o
            >
                {match o {
                    o if o.rules.is_empty() => {
                        view! {
                            <TroubleList trouble=o.trouble />
                            <FavoriteAlerts on=o.favorites action=favorites />
                            <div class="mt-6 rounded-lg border border-slate-200 bg-white p-6">
                                <h2 class="font-semibold text-slate-900">"No alerts yet"</h2>
                                <p class="mt-2 text-slate-700">
                                    "Search for what you want, then press “Save as alert”. We'll tell you when a matching listing is published, drops in price or comes back on the market. "
                                    <a class=LINK href="/search">
                                        "Start a search"
                                    </a>
                                </p>
                            </div>
                        }
                            .into_any()
                    }
                    o => {
                        let limits = o.limits;
                        view! {
                            <TroubleList trouble=o.trouble />
                            <FavoriteAlerts on=o.favorites action=favorites />
                            <p class="mt-4 text-sm text-slate-700">
                                {format!("{} of {} active alerts", o.active, limits.active_rules)}
                            </p>
                            <ul class="mt-2 space-y-4" aria-label="Your alerts">
                                {o
                                    .rules
                                    .into_iter()
                                    .map(|rule| {
                                        view! {
                                            <li>
                                                <RuleCard rule update pause delete />
                                            </li>
                                        }
                                    })
                                    .collect_view()}
                            </ul>
                        }
                            .into_any()
                    }
                }}
            </SignedInContent>
        </div>
    }
}

/// Favorites as implicit rules: on or off.
#[component]
fn FavoriteAlerts(on: bool, action: ServerAction<SetFavoriteAlerts>) -> impl IntoView {
    view! {
        <section
            aria-labelledby="favorite-alerts"
            class="mt-4 flex flex-wrap items-center justify-between gap-2 rounded-lg border border-slate-200 bg-white p-4"
        >
            <div>
                <h2 id="favorite-alerts" class="font-semibold text-slate-900">
                    "Favorites"
                </h2>
                <p class="text-sm text-slate-700">
                    {if on {
                        "On: you hear when a listing you saved drops in price or is sold."
                    } else {
                        "Off: listings you saved send no notifications."
                    }}
                </p>
            </div>
            <ActionForm action>
                <input type="hidden" name="on" value=(!on).to_string() />
                <button type="submit" class=BUTTON>
                    {if on { "Turn off favorite alerts" } else { "Turn on favorite alerts" }}
                </button>
            </ActionForm>
        </section>
    }
}

#[component]
fn RuleCard(
    rule: RuleSummary,
    update: ServerAction<UpdateAlert>,
    pause: ServerAction<PauseAlert>,
    delete: ServerAction<DeleteAlert>,
) -> impl IntoView {
    let id = rule.id;
    let heading = format!("alert-{id}-name");
    let heading_id = heading.clone();
    let channels = rule
        .fields
        .channels
        .iter()
        .map(|c| c.label())
        .collect::<Vec<_>>()
        .join(", ");
    let name = rule.fields.name.clone();
    let pause_label = format!("{} {name}", if rule.paused { "Resume" } else { "Pause" });
    let delete_question =
        format!("Delete “{name}”? Notifications it already sent stay in your inbox.");
    let delete_label = format!("Delete {name}");
    view! {
        <article
            aria-labelledby=heading.clone()
            class="rounded-lg border border-slate-200 bg-white p-4 shadow-sm"
        >
            <div class="flex flex-wrap items-center gap-2">
                <h2 id=heading_id class="text-lg font-semibold text-slate-900">
                    {rule.fields.name.clone()}
                </h2>
                {rule
                    .paused
                    .then(|| {
                        view! {
                            <span class="rounded-full bg-amber-100 px-2 py-0.5 text-xs font-semibold text-amber-900">
                                "Paused"
                            </span>
                        }
                    })}
            </div>
            <ul class="mt-2 flex flex-wrap gap-1.5" aria-label="Criteria">
                {if rule.chips.is_empty() {
                    view! {
                        <li class="rounded-full bg-slate-100 px-2.5 py-0.5 text-sm text-slate-800">
                            "Any listing"
                        </li>
                    }
                        .into_any()
                } else {
                    rule.chips
                        .iter()
                        .map(|c| {
                            view! {
                                <li class="rounded-full bg-slate-100 px-2.5 py-0.5 text-sm text-slate-800">
                                    {c.label.clone()}
                                </li>
                            }
                        })
                        .collect_view()
                        .into_any()
                }}
                {(!rule.fields.keywords.is_empty())
                    .then(|| {
                        view! {
                            <li class="rounded-full bg-emerald-50 px-2.5 py-0.5 text-sm text-emerald-900">
                                {format!("Must have: {}", rule.fields.keywords)}
                            </li>
                        }
                    })}
                {(!rule.fields.excluded.is_empty())
                    .then(|| {
                        view! {
                            <li class="rounded-full bg-red-50 px-2.5 py-0.5 text-sm text-red-900">
                                {format!("Not: {}", rule.fields.excluded)}
                            </li>
                        }
                    })}
            </ul>
            <dl class="mt-3 grid grid-cols-2 gap-x-4 gap-y-1 text-sm sm:grid-cols-4">
                <div>
                    <dt class="text-slate-600">"Channels"</dt>
                    <dd class="font-medium text-slate-900">{channels}</dd>
                </div>
                <div>
                    <dt class="text-slate-600">"When"</dt>
                    <dd class="font-medium text-slate-900">{rule.fields.rhythm.label()}</dd>
                </div>
                <div>
                    <dt class="text-slate-600">"Last match"</dt>
                    <dd class="font-medium text-slate-900">
                        {rule.last_match.clone().unwrap_or_else(|| "None yet".into())}
                    </dd>
                </div>
                <div>
                    <dt class="text-slate-600">"Matches this week"</dt>
                    <dd class="font-medium text-slate-900">{rule.matches_this_week}</dd>
                </div>
            </dl>
            <div class="mt-3 flex flex-wrap items-center gap-2">
                <a class=BUTTON href=format!("/alerts/{id}")>
                    "Preview matches"
                </a>
                <a class=BUTTON href=rule.search_url.clone()>
                    "Open as search"
                </a>
                <ActionForm action=pause>
                    <input type="hidden" name="rule_id" value=id.to_string() />
                    <input type="hidden" name="paused" value=(!rule.paused).to_string() />
                    <button type="submit" class=BUTTON aria-label=pause_label>
                        {if rule.paused { "Resume" } else { "Pause" }}
                    </button>
                </ActionForm>
                <details class="group">
                    <summary class=format!(
                        "{BUTTON} cursor-pointer list-none",
                    )>"Delete…"</summary>
                    <div class="mt-2 rounded-lg border border-red-200 bg-red-50 p-3 text-sm">
                        <p class="text-red-900">{delete_question}</p>
                        <ActionForm action=delete attr:class="mt-2">
                            <input type="hidden" name="rule_id" value=id.to_string() />
                            <button
                                type="submit"
                                class="rounded-lg bg-red-700 px-3 py-1.5 text-sm font-semibold text-white hover:bg-red-800"
                            >
                                {delete_label}
                            </button>
                        </ActionForm>
                    </div>
                </details>
            </div>
            <details class="mt-3">
                <summary class="cursor-pointer text-sm font-medium text-emerald-800 underline">
                    {format!("Edit {}", rule.fields.name)}
                </summary>
                <EditRule rule update />
            </details>
        </article>
    }
}

#[component]
fn EditRule(rule: RuleSummary, update: ServerAction<UpdateAlert>) -> impl IntoView {
    let id = rule.id;
    // only this rule's form shows the update's error
    let error = Signal::derive(move || {
        let mine = update.input().get().is_none_or(|i| i.rule_id == id);
        update.value().get().and_then(Result::err).filter(|_| mine)
    });
    let f = rule.fields;
    let field = move |key: &'static str| format!("alert-{id}-{key}");
    view! {
        <ActionForm action=update attr:class="mt-3 space-y-3">
            <input type="hidden" name="rule_id" value=id.to_string() />
            <FormAlert error />
            <TextField
                label="Name"
                key="name"
                id=field("name")
                value=f.name.clone()
                maxlength=80
                required=true
                error
            />
            <TextField
                label="Must-have keywords"
                key="keywords"
                id=field("keywords")
                value=f.keywords.clone()
                maxlength=500
                hint="Words or \"quoted phrases\"; AND, OR, NOT (or -word) and parentheses. Example: diesel (navi OR navigation) -accident"
                error
            />
            <TextField
                label="Excluded words"
                key="excluded"
                id=field("excluded")
                value=f.excluded.clone()
                maxlength=500
                hint="Separated by commas; a listing with any of them is left out."
                error
            />
            <TextField
                label="Minimum deal score"
                key="min_deal_score"
                id=field("deal")
                input_type="number"
                inputmode="numeric"
                range=(0, 100, 1)
                value=f.min_deal_score.map(|v| v.to_string()).unwrap_or_default()
                hint="0 to 100; leave empty for any. Takes effect once Scout rates deals (not yet)."
                error
            />
            <ChannelChooser chosen=f.channels.clone() error>
                "Where email, push and webhooks go: "
                <a class="underline" href="/settings">
                    "Settings"
                </a>
            </ChannelChooser>
            <RhythmChooser
                chosen=f.rhythm
                note="Digests go out at the hour chosen in Settings; quiet hours hold the rest."
            />
            <button type="submit" class=PRIMARY_BUTTON disabled=move || update.pending().get()>
                "Save changes"
            </button>
        </ActionForm>
    }
}

/// The listings a rule matches right now.
#[component]
pub fn AlertPreviewPage() -> impl IntoView {
    let params = use_params_map();
    let preview = Resource::new(
        move || {
            params
                .read()
                .get("id")
                .and_then(|id| id.parse::<i64>().ok())
        },
        |id| async move {
            match id {
                Some(id) => preview_alert(id).await,
                None => Err(AppError::NotFound),
            }
        },
    );
    view! {
        <Title text="Alert preview · Scout" />
        <div class="mx-auto max-w-6xl px-4 py-6">
            <p>
                <a class=LINK href="/alerts">
                    "← All alerts"
                </a>
            </p>
            <SignedInContent
                data=preview
                loading="Finding what this alert matches…"
                sign_in_to=" to see your alerts."
                let:found
            >
                {
                    let (name, cards) = found;
                    let count = match cards.len() {
                        0 => {
                            "Nothing matches right now: you'll hear as soon as something does."
                                .to_string()
                        }
                        1 => "1 listing matches right now.".to_string(),
                        n => format!("{n} listings match right now (the newest first)."),
                    };
                    view! {
                        <h1 class="mt-2 text-2xl font-bold text-slate-900">
                            {format!("Matches for “{name}”")}
                        </h1>
                        <p role="status" class="mt-2 text-slate-700">
                            {count}
                        </p>
                        <CardGrid label="Matching listings" cards />
                    }
                        .into_any()
                }
            </SignedInContent>
        </div>
    }
}
