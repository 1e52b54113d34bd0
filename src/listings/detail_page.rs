//! A listing's page: every field, the price history, similar listings, a share link and
//! "back to results"; title, description, canonical URL and schema.org JSON-LD for search
//! engines. Server-rendered whole (`SsrMode::Async`).

use crate::listings::{
    api::get_listing,
    model::{ListingId, Status, group_thousands},
    search::query::SearchQuery,
    wire::{ListingDetail, PricePoint},
};
use crate::{
    error::AppError,
    i18n::{t_string, use_i18n},
    ui::listing_card::{CardGrid, CompareButton, SaveButton},
};
use leptos::prelude::*;
use leptos_meta::{Link, Meta, Title};
use leptos_router::hooks::{use_params_map, use_query_map};

#[component]
pub fn ListingPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let id = Memo::new(move |_| {
        params
            .read()
            .get("id")
            .and_then(|s| s.parse::<ListingId>().ok())
    });
    let listing = Resource::new(
        move || (id.get(), query.read().get("cur")),
        |(id, cur)| async move {
            match id {
                Some(id) => get_listing(id, cur).await,
                None => Err(AppError::NotFound),
            }
        },
    );
    let i18n = use_i18n();
    // "back to results": the search this listing was opened from, if any
    let back = move || {
        query
            .read()
            .get("from")
            .map(|qs| SearchQuery::from_query_string(&qs).url())
    };
    view! {
        <div class="mx-auto max-w-6xl px-4 py-6">
            <Transition fallback=move || {
                view! { <p class="text-slate-600">{t_string!(i18n, listing.loading)}</p> }
            }>
                {move || Suspend::new(async move {
                    match listing.await {
                        Ok(l) => view! { <Listing l back=back() /> }.into_any(),
                        Err(e) => view! { <Missing e /> }.into_any(),
                    }
                })}
            </Transition>
        </div>
    }
}

#[component]
fn Missing(e: AppError) -> impl IntoView {
    crate::ui::answer_with(&e);
    let not_found = e == AppError::NotFound;
    let i18n = use_i18n();
    view! {
        <Title text=t_string!(i18n, listing.not_found_title) />
        <section class="mx-auto max-w-xl py-10 text-center">
            <h1 class="text-2xl font-bold">
                {if not_found {
                    t_string!(i18n, listing.not_found).to_string()
                } else {
                    e.to_string()
                }}
            </h1>
            <p class="mt-3 text-slate-700">{t_string!(i18n, listing.not_found_why)}</p>
            <a
                href="/search"
                class="mt-6 inline-block rounded-lg bg-emerald-700 px-4 py-2 font-semibold text-white hover:bg-emerald-800"
            >
                {t_string!(i18n, listing.search)}
            </a>
        </section>
    }
}

/// schema.org Car + Offer, as JSON-LD, safe inside a `<script>` (see `script_safe`).
fn json_ld(l: &ListingDetail, url: &str) -> String {
    let availability = match l.status {
        Status::Published => "https://schema.org/InStock",
        _ => "https://schema.org/SoldOut",
    };
    let mut car = serde_json::json!({
        "@context": "https://schema.org",
        "@type": "Car",
        "name": l.title,
        "description": l.description.chars().take(300).collect::<String>(),
        "url": url,
        "offers": {
            "@type": "Offer",
            "price": format!("{}.{:02}", l.price.minor / 100, l.price.minor % 100),
            "priceCurrency": l.price.currency.code(),
            "availability": availability,
            "itemCondition": match l.condition.as_str() {
                "new" => "https://schema.org/NewCondition",
                "damaged" => "https://schema.org/DamagedCondition",
                _ => "https://schema.org/UsedCondition",
            },
        },
    });
    if let Some(make) = &l.make {
        car["brand"] = serde_json::json!({ "@type": "Brand", "name": make });
    }
    if let Some(model) = &l.model {
        car["model"] = serde_json::json!(model);
    }
    if let Some(year) = l.year {
        car["vehicleModelDate"] = serde_json::json!(year.to_string());
    }
    if let Some((_, km)) = l.specs.iter().find(|(k, _)| k == "Mileage") {
        let digits: String = km.chars().filter(char::is_ascii_digit).collect();
        car["mileageFromOdometer"] = serde_json::json!({
            "@type": "QuantitativeValue", "value": digits, "unitCode": "KMT"
        });
    }
    script_safe(&car.to_string())
}

/// JSON that can sit inside an HTML `<script>` element: `<`, `>` and `&` (which could open
/// `<!--`, `<script` or `</script>` and change how the HTML parser reads the rest of the
/// page) and U+2028/U+2029 are written as `\uXXXX` escapes. They only occur inside JSON
/// strings, where the escape means the same character.
fn script_safe(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    for c in json.chars() {
        match c {
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => {
                out.push_str(&format!("\\u{:04x}", u32::from(c)));
            }
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "tests")]
mod tests {
    use super::*;

    #[test]
    fn json_ld_text_cannot_change_how_the_page_parses() {
        let title = "Golf <!--<script> & </script> \u{2028}\u{2029} \"ok\" \\";
        let json = serde_json::json!({ "name": title }).to_string();
        let safe = script_safe(&json);
        for bad in ['<', '>', '&', '\u{2028}', '\u{2029}'] {
            assert!(!safe.contains(bad), "{bad:?} left in {safe}");
        }
        // it is the same JSON
        let back: serde_json::Value = serde_json::from_str(&safe).unwrap();
        assert_eq!(back["name"], title);
    }
}

#[component]
fn Listing(l: ListingDetail, back: Option<String>) -> impl IntoView {
    let url = l.url.clone();
    let description = {
        let mut d: String = format!(
            "{} for {} in {}. {}",
            l.title,
            l.price.format(),
            l.city,
            l.specs
                .iter()
                .filter(|(k, _)| matches!(
                    k.as_str(),
                    "First registration" | "Mileage" | "Fuel" | "Gearbox"
                ))
                .map(|(_, v)| v.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        );
        d.truncate(d.char_indices().nth(160).map_or(d.len(), |(i, _)| i));
        d
    };
    let i18n = use_i18n();
    let status_note = match l.status {
        Status::Sold => Some(t_string!(i18n, listing.sold)),
        Status::Archived => Some(t_string!(i18n, listing.archived)),
        Status::Draft => Some(t_string!(i18n, listing.draft)),
        Status::Published => None,
    };
    let ld = json_ld(&l, &url);
    let nonce = use_nonce();
    view! {
        <Title text=format!("{} · {} · Scout", l.title, l.price.format()) />
        <Meta name="description" content=description />
        <Link rel="canonical" href=url.clone() />
        <script type="application/ld+json" nonce=nonce inner_html=ld></script>
        {back
            .map(|href| {
                view! {
                    <a href=href class="text-sm font-medium text-emerald-800 underline">
                        {t_string!(i18n, listing.back)}
                    </a>
                }
            })}
        {status_note
            .map(|note| {
                view! {
                    <p
                        role="note"
                        class="mt-3 rounded-lg border border-amber-300 bg-amber-50 px-4 py-3 text-amber-900"
                    >
                        {note}
                    </p>
                }
            })}
        // On a phone the price box and its actions come right after the gallery (the order
        // of the markup); from the large breakpoint they sit in the right column beside it.
        <div class="mt-3 grid gap-6 lg:grid-cols-[1fr_20rem] lg:grid-rows-[auto_1fr]">
            <div class="lg:col-start-1 lg:row-start-1">
                <h1 class="text-2xl font-bold text-slate-900 sm:text-3xl">{l.title.clone()}</h1>
                {l
                    .mine
                    .then(|| {
                        view! {
                            <p class="mt-1">
                                <a
                                    class="font-medium text-emerald-800 underline"
                                    href=format!("/my-listings/{}/edit", l.id)
                                >
                                    {t_string!(i18n, listing.edit)}
                                </a>
                            </p>
                        }
                    })}
                <p class="mt-1 text-slate-700">
                    {format!("{} · {}", l.city, l.seller_type.label())}
                    {l.published.clone().map(|d| t_string!(i18n, listing.listed, date = d))}
                </p>
                <crate::gallery::viewer::Gallery title=l.title.clone() photos=l.photos.clone() />
            </div>
            <aside class="space-y-4 lg:col-start-2 lg:row-span-2 lg:row-start-1">
                <PriceBox l=l.clone() />
                <SellerBox l=l.clone() />
                <PriceHistory history=l.history.clone() />
                <div class="rounded-lg border border-slate-200 bg-white p-4">
                    <label for="share-link" class="block font-semibold">
                        {t_string!(i18n, listing.share)}
                    </label>
                    <input
                        id="share-link"
                        readonly
                        value=url.clone()
                        class="mt-2 block w-full rounded border border-slate-300 bg-slate-50 px-2 py-1 text-sm"
                    />
                </div>
            </aside>
            <div class="lg:col-start-1 lg:row-start-2">
                <Specs specs=l.specs.clone() />
                <Equipment items=l.equipment.clone() />
                <section class="mt-6" aria-labelledby="description-h">
                    <h2 id="description-h" class="text-lg font-semibold">
                        {t_string!(i18n, listing.description)}
                    </h2>
                    <p class="mt-2 whitespace-pre-line text-slate-800">{l.description.clone()}</p>
                </section>
            </div>
        </div>
        {(!l.similar.is_empty())
            .then(|| {
                view! {
                    <section class="mt-10" aria-labelledby="similar-h">
                        <h2 id="similar-h" class="text-lg font-semibold">
                            {t_string!(i18n, listing.similar)}
                        </h2>
                        <CardGrid
                            label=t_string!(i18n, listing.similar)
                            cards=l.similar.clone()
                            four=true
                        />
                    </section>
                }
            })}
    }
}

/// The listing's specs, label and value, two columns on a wide screen.
#[component]
fn Specs(specs: Vec<(String, String)>) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <section class="mt-6" aria-labelledby="specs-h">
            <h2 id="specs-h" class="text-lg font-semibold">
                {t_string!(i18n, listing.details)}
            </h2>
            <dl class="mt-2 grid grid-cols-1 gap-x-6 gap-y-1 sm:grid-cols-2">
                {specs
                    .iter()
                    .map(|(k, v)| {
                        view! {
                            <div class="flex justify-between border-b border-slate-100 py-1">
                                <dt class="text-slate-600">{k.clone()}</dt>
                                <dd class="font-medium text-slate-900">{v.clone()}</dd>
                            </div>
                        }
                    })
                    .collect_view()}
            </dl>
        </section>
    }
}

/// The equipment list (nothing when the seller gave none).
#[component]
fn Equipment(items: Vec<String>) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        {(!items.is_empty())
            .then(|| {
                view! {
                    <section class="mt-6" aria-labelledby="equipment-h">
                        <h2 id="equipment-h" class="text-lg font-semibold">
                            {t_string!(i18n, listing.equipment)}
                        </h2>
                        <ul class="mt-2 grid grid-cols-1 gap-1 text-slate-800 sm:grid-cols-2">
                            {items
                                .iter()
                                .map(|e| view! { <li>"✓ " {e.clone()}</li> })
                                .collect_view()}
                        </ul>
                    </section>
                }
            })}
    }
}

/// The price, in the buyer's other currencies too, a drop, the terms, and Save and Compare.
#[component]
fn PriceBox(l: ListingDetail) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <div class="rounded-lg border border-slate-200 bg-white p-4">
            <p class="text-3xl font-extrabold text-slate-900">{l.price.format()}</p>
            <ul class="mt-1 text-sm text-slate-600">
                {l
                    .buyer_prices
                    .iter()
                    .map(|p| {
                        view! {
                            <li>
                                {format!("≈ {}", p.price.format())}
                                <span class="text-slate-500">{format!(" · {}", p.basis)}</span>
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
            {l
                .dropped_from
                .map(|was| {
                    view! {
                        <p class="mt-2">
                            <span class="rounded bg-emerald-100 px-2 py-0.5 text-sm font-semibold text-emerald-900">
                                {t_string!(i18n, listing.dropped, price = was.format())}
                            </span>
                        </p>
                    }
                })}
            <p class="mt-2 text-sm text-slate-700">
                {if l.negotiable {
                    t_string!(i18n, listing.negotiable)
                } else {
                    t_string!(i18n, listing.fixed)
                }} " · " {l.vat.clone()}
            </p>
            <div class="mt-3 flex flex-wrap gap-2">
                <SaveButton listing_id=l.id title=l.title.clone() saved=l.saved />
                <CompareButton listing_id=l.id title=l.title.clone() compared=l.compared />
            </div>
        </div>
    }
}

/// Who sells it: their name (or "Private seller" / "Dealer"), and their phone number when
/// they chose to show it, as a link that dials it on a phone.
#[component]
fn SellerBox(l: ListingDetail) -> impl IntoView {
    let kind = l.seller_type.label();
    let named = l.seller_name != kind;
    let i18n = use_i18n();
    view! {
        <section class="rounded-lg border border-slate-200 bg-white p-4" aria-labelledby="seller-h">
            <h2 id="seller-h" class="font-semibold">
                {t_string!(i18n, listing.seller)}
            </h2>
            <p class="mt-1 text-slate-900">{l.seller_name.clone()}</p>
            {named.then(|| view! { <p class="text-sm text-slate-600">{kind}</p> })}
            {l
                .seller_phone
                .clone()
                .map(|(shown, href)| {
                    view! {
                        <a
                            href=href
                            class="mt-3 inline-flex items-center rounded-lg bg-emerald-700 px-4 py-2 font-semibold text-white hover:bg-emerald-800 focus-visible:outline focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-emerald-700"
                        >
                            {t_string!(i18n, listing.call, number = shown)}
                        </a>
                    }
                })}
        </section>
    }
}

/// Every price the listing had, newest last, with the change from the one before.
#[component]
fn PriceHistory(history: Vec<PricePoint>) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <section
            class="rounded-lg border border-slate-200 bg-white p-4"
            aria-labelledby="history-h"
        >
            <h2 id="history-h" class="font-semibold">
                {t_string!(i18n, listing.history)}
            </h2>
            <table class="mt-2 w-full text-sm">
                <thead class="sr-only">
                    <tr>
                        <th scope="col">{t_string!(i18n, listing.date)}</th>
                        <th scope="col">{t_string!(i18n, listing.price)}</th>
                        <th scope="col">{t_string!(i18n, listing.change)}</th>
                    </tr>
                </thead>
                <tbody>
                    {history
                        .iter()
                        .map(|h| {
                            let change = h
                                .change
                                .filter(|c| *c != 0)
                                .map(|c| {
                                    let amount = group_thousands(c.unsigned_abs() / 100);
                                    if c < 0 {
                                        format!("−{amount}")
                                    } else {
                                        format!("+{amount}")
                                    }
                                })
                                .unwrap_or_default();
                            view! {
                                <tr class="border-b border-slate-100">
                                    <td class="py-1 text-slate-600">{h.date.clone()}</td>
                                    <td class="py-1 font-medium">{h.price.format()}</td>
                                    <td class="py-1 text-right">{change}</td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </section>
    }
}
