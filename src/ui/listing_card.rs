//! The listing card every list of listings shows (search results, favorites, a seller's own
//! listings, an alert's preview), with its Save and Compare buttons.

use crate::listings::model::ListingId;
use crate::listings::{
    collections::api::{COMPARE_MAX, ToggleCompare, ToggleFavorite},
    model::Status,
    wire::ListingCard,
};
use crate::{error::AppError, ui::action_error};
use leptos::prelude::*;

/// A result card. `from` is the search it was found in, for "back to results".
#[component]
pub fn Card(
    card: ListingCard,
    #[prop(optional, into)] from: String,
    /// Show "save" and "compare" (not on the seller's own list).
    #[prop(default = true)]
    controls: bool,
) -> impl IntoView {
    let (id, title, saved, compared) = (card.id, card.title.clone(), card.saved, card.compared);
    let href = if from.is_empty() {
        format!("/listings/{}", card.id)
    } else {
        format!("/listings/{}?from={from}", card.id)
    };
    let status = match card.status {
        Status::Sold => Some("Sold"),
        Status::Archived => Some("No longer listed"),
        _ => None,
    };
    view! {
        <article class="flex h-full flex-col overflow-hidden rounded-lg border border-slate-200 bg-white shadow-sm">
            <crate::gallery::viewer::CardCover
                cover=card.cover.clone()
                photo_count=card.photo_count
                title=card.title.clone()
            />
            <div class="flex flex-1 flex-col p-4">
                <h2 class="font-semibold leading-snug text-slate-900">
                    <a href=href class="hover:underline">
                        {card.title.clone()}
                    </a>
                </h2>
                <p class="mt-1 text-lg font-bold text-slate-900">
                    {card.price.format()}
                    {card
                        .buyer_price
                        .map(|p| {
                            view! {
                                <span class="ml-2 text-sm font-normal text-slate-600">
                                    {format!("≈ {}", p.format())}
                                </span>
                            }
                        })}
                </p>
                {card
                    .dropped_from
                    .map(|was| {
                        view! {
                            <p class="mt-1">
                                <span class="rounded bg-emerald-100 px-2 py-0.5 text-xs font-semibold text-emerald-900">
                                    {format!("Price dropped from {}", was.format())}
                                </span>
                            </p>
                        }
                    })}
                {status
                    .map(|s| {
                        view! {
                            <p class="mt-1">
                                <span class="rounded bg-slate-200 px-2 py-0.5 text-xs font-semibold text-slate-800">
                                    {s}
                                </span>
                            </p>
                        }
                    })}
                <p class="mt-2 text-sm text-slate-700">{card.specs.join(" · ")}</p>
                <p class="mt-auto pt-2 text-sm text-slate-600">
                    {format!("{} · {} · {}", card.city, card.seller_type.label(), card.age)}
                </p>
                {controls
                    .then(|| {
                        view! {
                            <div class="mt-3 flex flex-wrap gap-2">
                                <SaveButton listing_id=id title=title.clone() saved />
                                <CompareButton listing_id=id title=title.clone() compared />
                            </div>
                        }
                    })}
            </div>
        </article>
    }
}

const SMALL_BUTTON: &str = "inline-flex items-center gap-1 rounded-lg border border-slate-300 bg-white px-3 py-1 text-sm font-medium text-slate-800 hover:bg-slate-100 aria-pressed:border-emerald-700 aria-pressed:bg-emerald-50 aria-pressed:text-emerald-900 focus-visible:outline focus-visible:outline-2 focus-visible:outline-emerald-700";

/// Save to / remove from favorites; visitors are asked to sign in.
#[component]
pub fn SaveButton(listing_id: ListingId, title: String, saved: Option<bool>) -> impl IntoView {
    let Some(initially) = saved else {
        return view! {
            <a href="/sign-in" class=SMALL_BUTTON aria-label=format!("Sign in to save {title}")>
                <span aria-hidden="true">"♡"</span>
                "Save"
            </a>
        }
        .into_any();
    };
    let action = ServerAction::<ToggleFavorite>::new();
    let saved = Signal::derive(move || match action.value().get() {
        Some(Ok(now)) => now,
        _ => initially,
    });
    view! {
        <ActionForm action>
            <Toggle
                listing_id
                label=format!("Save {title}")
                pressed=saved
                error=action_error(action)
            >
                <span aria-hidden="true">{move || if saved.get() { "♥" } else { "♡" }}</span>
                {move || if saved.get() { "Saved" } else { "Save" }}
            </Toggle>
        </ActionForm>
    }
    .into_any()
}

/// Add to / take out of the comparison (up to four listings).
#[component]
pub fn CompareButton(listing_id: ListingId, title: String, compared: bool) -> impl IntoView {
    let action = ServerAction::<ToggleCompare>::new();
    let compared = Signal::derive(move || match action.value().get() {
        Some(Ok(ids)) => ids.contains(&listing_id),
        _ => compared,
    });
    let count = move || match action.value().get() {
        Some(Ok(ids)) if ids.len() >= 2 => Some(ids.len()),
        _ => None,
    };
    let see_comparison = move || {
        count().map(|n| {
            view! {
                <a href="/compare" class="ml-2 text-sm font-medium text-emerald-800 underline">
                    {format!("See the comparison ({n} of {COMPARE_MAX})")}
                </a>
            }
        })
    };
    view! {
        <ActionForm action>
            <Toggle
                listing_id
                label=format!("Compare {title}")
                pressed=compared
                error=action_error(action)
                after=see_comparison
            >
                {move || if compared.get() { "✓ Comparing" } else { "Compare" }}
            </Toggle>
        </ActionForm>
    }
}

/// What a card's toggle form holds: the listing's id, the button (pressed or not, named by
/// `label`, showing `children`), whatever follows it (`after`) and the toggle's error.
#[component]
fn Toggle(
    listing_id: ListingId,
    label: String,
    pressed: Signal<bool>,
    error: Signal<Option<AppError>>,
    #[prop(optional, into)] after: ViewFn,
    children: Children,
) -> impl IntoView {
    view! {
        <input type="hidden" name="listing_id" value=listing_id.to_string() />
        <button
            type="submit"
            class=SMALL_BUTTON
            aria-pressed=move || pressed.get().to_string()
            aria-label=label
        >
            {children()}
        </button>
        {move || after.run()}
        <span role="alert" class="text-sm text-red-700">
            {move || error.get().map(|e| e.to_string())}
        </span>
    }
}

/// A grid of cards, named for screen readers by `label` ("Saved listings"): three across on
/// a wide screen, or four where a page has the width (`four`).
#[component]
pub fn CardGrid(
    label: &'static str,
    cards: Vec<ListingCard>,
    #[prop(optional)] four: bool,
) -> impl IntoView {
    let class = if four {
        "mt-4 grid gap-4 sm:grid-cols-2 lg:grid-cols-4"
    } else {
        "mt-4 grid gap-4 sm:grid-cols-2 lg:grid-cols-3"
    };
    view! {
        <ul aria-label=label class=class>
            {cards
                .into_iter()
                .map(|card| {
                    view! {
                        <li>
                            <Card card />
                        </li>
                    }
                })
                .collect_view()}
        </ul>
    }
}
