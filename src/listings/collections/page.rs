//! The Favorites page and the comparison table.

use crate::listings::collections::api::{Comparison, compare_listings, list_favorites};
use crate::ui::{LINK, SignedInContent, listing_card::CardGrid, load_failed};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn FavoritesPage() -> impl IntoView {
    let favorites = Resource::new(|| (), |()| list_favorites());
    view! {
        <Title text="Favorites · Scout" />
        <div class="mx-auto max-w-6xl px-4 py-6">
            <h1 class="text-2xl font-bold text-slate-900">"Favorites"</h1>
            <SignedInContent
                data=favorites
                loading="Loading your favorites…"
                sign_in_to=" to keep favorites on every device."
                let:cards
            >
                {if cards.is_empty() {
                    view! {
                        <p class="mt-4 text-slate-700">
                            "Nothing saved yet. Press “Save” on any listing to keep it here; you'll see when it sells. "
                            <a class=LINK href="/search">
                                "Search listings"
                            </a>
                        </p>
                    }
                        .into_any()
                } else {
                    view! { <CardGrid label="Saved listings" cards /> }.into_any()
                }}
            </SignedInContent>
        </div>
    }
}

#[component]
pub fn ComparePage() -> impl IntoView {
    let query = use_query_map();
    let comparison = Resource::new(move || query.read().get("ids"), compare_listings);
    view! {
        <Title text="Compare listings · Scout" />
        <div class="mx-auto max-w-6xl px-4 py-6">
            <h1 class="text-2xl font-bold text-slate-900">"Compare listings"</h1>
            <Transition fallback=|| {
                view! { <p class="mt-4 text-slate-600">"Loading the comparison…"</p> }
            }>
                {move || Suspend::new(async move {
                    match comparison.await {
                        Ok(c) if c.cards.len() < 2 => {
                            view! {
                                <p class="mt-4 text-slate-700">
                                    {if c.cards.is_empty() {
                                        "Nothing to compare yet."
                                    } else {
                                        "One listing so far: add at least one more."
                                    }} " Press “Compare” on 2 to 4 listings in "
                                    <a
                                        class="font-medium text-emerald-800 underline"
                                        href="/search"
                                    >
                                        "search"
                                    </a> " and they line up here side by side."
                                </p>
                            }
                                .into_any()
                        }
                        Ok(c) => view! { <CompareTable c /> }.into_any(),
                        Err(e) => load_failed(e),
                    }
                })}
            </Transition>
        </div>
    }
}

#[component]
fn CompareTable(c: Comparison) -> impl IntoView {
    let differing = c.rows.iter().filter(|r| r.differs).count();
    view! {
        <p class="mt-2 text-slate-700">
            {format!("{} listings, {differing} differences highlighted.", c.cards.len())}
        </p>
        <div class="mt-4 overflow-x-auto">
            <table class="w-full min-w-[36rem] border-collapse text-sm">
                <caption class="sr-only">
                    "Listings side by side; rows where they differ are marked"
                </caption>
                <thead>
                    <tr>
                        <th scope="col" class="w-40 p-2 text-left text-slate-600">
                            <span class="sr-only">"Detail"</span>
                        </th>
                        {c
                            .cards
                            .iter()
                            .map(|card| {
                                view! {
                                    <th scope="col" class="p-2 text-left align-top">
                                        <a
                                            class="font-semibold text-emerald-800 underline"
                                            href=format!("/listings/{}", card.id)
                                        >
                                            {card.title.clone()}
                                        </a>
                                    </th>
                                }
                            })
                            .collect_view()}
                    </tr>
                </thead>
                <tbody>
                    {c
                        .rows
                        .into_iter()
                        .map(|row| {
                            let differs = row.differs;
                            view! {
                                <tr class=if differs {
                                    "border-t border-slate-200 bg-amber-50"
                                } else {
                                    "border-t border-slate-200"
                                }>
                                    <th
                                        scope="row"
                                        class="p-2 text-left font-medium text-slate-700"
                                    >
                                        {row.label}
                                        {differs
                                            .then(|| {
                                                view! {
                                                    <span class="ml-1 text-xs font-semibold text-amber-900">
                                                        "(differs)"
                                                    </span>
                                                }
                                            })}
                                    </th>
                                    {row
                                        .values
                                        .into_iter()
                                        .map(|v| {
                                            view! { <td class="p-2 align-top text-slate-900">{v}</td> }
                                        })
                                        .collect_view()}
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </div>
        <CardGrid label="Compared listings" cards=c.cards four=true />
        <div class="mt-6">
            <label for="compare-share" class="block font-semibold">
                "Share this comparison"
            </label>
            <input
                id="compare-share"
                readonly
                value=c.share
                class="mt-2 block w-full max-w-xl rounded border border-slate-300 bg-slate-50 px-2 py-1 text-sm"
            />
        </div>
    }
}
