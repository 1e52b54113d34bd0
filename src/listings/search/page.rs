//! The search page: one GET form whose whole state is the URL. Without JavaScript it is a
//! plain form and links; once hydrated, changing a filter or typing (debounced) navigates
//! client-side and the results update in place.

use crate::listings::{
    api::{search_form_options, search_listings},
    model::{Currency, group_thousands},
    preference::display_currency,
    search::{
        facets::VOCABS,
        query::{PAGE_SIZES, SearchQuery, Sort, encode_component},
    },
    wire::{Chip, CityOption, EquipmentOption, FacetGroup, FormOptions, SearchResults},
};
use crate::{
    error::AppError,
    i18n::{Locale, t_string, td_string, use_i18n},
    ui::{INPUT, LABEL, listing_card::Card},
};
use leptos::prelude::*;
use leptos_meta::{Meta, Title};
use leptos_router::{components::Form, hooks::use_query_map};

/// The search in the address bar, read the same way on both targets.
fn current_query() -> Memo<SearchQuery> {
    let params = use_query_map();
    Memo::new(move |_| SearchQuery::from_query_string(&params.read().to_query_string()))
}

#[component]
pub fn SearchPage() -> impl IntoView {
    let query = current_query();
    let results = Resource::new(move || query.get().to_query_string(), search_listings);
    let options = Resource::new(|| (), |()| search_form_options());
    // the person's own currency, for a search whose address names none
    let own = Resource::new(|| (), |()| display_currency());
    let i18n = use_i18n();
    let title = move || {
        let q = query.read();
        if q.q.trim().is_empty() {
            t_string!(i18n, search.title).to_string()
        } else {
            t_string!(i18n, search.title_for, q = q.q.trim())
        }
    };
    view! {
        <Title text=title />
        <Meta name="description" content=t_string!(i18n, search.description) />
        <div class="mx-auto max-w-6xl px-4 py-6">
            <h1 class="text-2xl font-bold text-slate-900">{t_string!(i18n, search.heading)}</h1>
            <Transition fallback=move || {
                view! { <p class="mt-4 text-slate-600">{t_string!(i18n, search.loading_form)}</p> }
            }>
                {move || Suspend::new(async move {
                    let options = options.await.unwrap_or_default();
                    let own = own.await.unwrap_or_default();
                    let query = Memo::new(move |_| query.get().in_currency(own));
                    // the form and the results read the currency the server searched in
                    view! { <SearchForm query options results /> }
                })}
            </Transition>
        </div>
    }
}

/// The id of the search form; controls outside it (sort, page size) join it with `form=`.
const FORM_ID: &str = "search-form";

/// Submits the search form: "instant" results once hydrated.
#[cfg(feature = "hydrate")]
fn submit_search_form() {
    use leptos::wasm_bindgen::JsCast;
    let form = leptos::prelude::document()
        .get_element_by_id(FORM_ID)
        .and_then(|f| f.dyn_into::<leptos::web_sys::HtmlFormElement>().ok());
    if let Some(form) = form {
        let _ = form.request_submit();
    }
}

#[component]
fn SearchForm(
    query: Memo<SearchQuery>,
    options: FormOptions,
    results: Resource<Result<SearchResults, AppError>>,
) -> impl IntoView {
    let i18n = use_i18n();
    // The form holds the search box and the filters but not the results: each result card
    // has forms of its own (save, compare), and forms can't nest. `contents` lets the form's
    // parts sit in the page grid beside the results.
    view! {
        <div class="mt-4 grid gap-6 lg:grid-cols-[18rem_1fr]">
            <Form method="GET" action="/search" noscroll=true attr:id=FORM_ID attr:class="contents">
                <SmartBox query />
                // Closed on a phone (results come first); on a wide screen the filters show
                // whether or not the panel is open (`::details-content`).
                <details
                    class="group self-start rounded-lg border border-slate-200 bg-white p-4 lg:[&::details-content]:[content-visibility:visible]"
                    on:change=apply_now
                >
                    <summary class="cursor-pointer font-semibold text-slate-900">
                        {t_string!(i18n, search.filters)}
                    </summary>
                    <Filters query options=options.clone() />
                    <button
                        type="submit"
                        class="mt-4 w-full rounded-lg border border-slate-300 px-3 py-2 font-medium hover:bg-slate-100"
                    >
                        {t_string!(i18n, search.apply)}
                    </button>
                    <Transition fallback=|| ()>
                        {move || Suspend::new(async move {
                            match results.await {
                                Ok(r) => view! { <Facets groups=r.facets /> }.into_any(),
                                Err(_) => ().into_any(),
                            }
                        })}
                    </Transition>
                </details>
            </Form>
            <div>
                <ResultOptions query />
                <Transition fallback=move || {
                    view! {
                        <p class="mt-6 text-slate-600" role="status">
                            {t_string!(i18n, search.searching)}
                        </p>
                    }
                }>
                    {move || Suspend::new(async move {
                        match results.await {
                            Ok(r) => view! { <Results r query=query.get_untracked() /> }.into_any(),
                            Err(e) => {
                                crate::ui::answer_with(&e);
                                view! {
                                    <p
                                        role="alert"
                                        class="mt-6 rounded-lg border border-red-300 bg-red-50 px-4 py-3 text-red-800"
                                    >
                                        {e.to_string()}
                                    </p>
                                }
                                    .into_any()
                            }
                        }
                    })}
                </Transition>
            </div>
        </div>
    }
}

/// Applies the search form at once (a filter, the sort, the page size, the currency changed).
fn apply_now(_: leptos::ev::Event) {
    #[cfg(feature = "hydrate")]
    submit_search_form();
}

/// The smart box: typing applies after a pause, and the box follows the URL (a removed chip
/// changes it) except while someone types in it.
#[component]
fn SmartBox(query: Memo<SearchQuery>) -> impl IntoView {
    let i18n = use_i18n();
    let q = query.get_untracked();
    // typing waits for a pause; every other control applies at once
    let typed = RwSignal::new(0u32);
    let on_input = move |_: leptos::ev::Event| {
        let generation = typed.get_untracked().wrapping_add(1);
        typed.set(generation);
        #[cfg(feature = "hydrate")]
        set_timeout(
            move || {
                if typed.get_untracked() == generation {
                    submit_search_form();
                }
            },
            std::time::Duration::from_millis(350),
        );
    };
    // the box follows the URL (a removed chip changes it) but never while someone types in it
    let q_input = NodeRef::<leptos::html::Input>::new();
    let q_value = move || {
        let q = query.with(|q| q.q.clone());
        #[cfg(feature = "hydrate")]
        if let Some(input) = q_input.get() {
            let focused = leptos::prelude::document()
                .active_element()
                .is_some_and(|el| {
                    let el: &leptos::web_sys::Node = el.as_ref();
                    let input: &leptos::web_sys::Node = input.as_ref();
                    el.is_same_node(Some(input))
                });
            if focused {
                return input.value();
            }
        }
        q
    };
    view! {
        <div class="flex gap-2 lg:col-span-2" role="search">
            <div class="flex-1">
                <label for="search-q" class="sr-only">
                    {t_string!(i18n, search.box_label)}
                </label>
                <input
                    id="search-q"
                    type="search"
                    name="q"
                    value=q.q.clone()
                    prop:value=q_value
                    node_ref=q_input
                    maxlength="300"
                    autocomplete="off"
                    placeholder=t_string!(i18n, search.box_hint)
                    aria-describedby="search-q-hint"
                    class=INPUT
                    on:input=on_input
                />
                <p id="search-q-hint" class="mt-1 text-xs text-slate-600">
                    {t_string!(i18n, search.box_help)}
                </p>
            </div>
            <button
                type="submit"
                class="h-11 rounded-lg bg-emerald-700 px-4 font-semibold text-white hover:bg-emerald-800 focus-visible:outline focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-emerald-700"
            >
                {t_string!(i18n, search.button)}
            </button>
        </div>
    }
}

/// How results are shown: sort, page size and the currency prices are converted to.
#[component]
fn ResultOptions(query: Memo<SearchQuery>) -> impl IntoView {
    let i18n = use_i18n();
    let locale = i18n.get_locale_untracked();
    view! {
        <div class="grid grid-cols-3 gap-3 sm:max-w-xl" on:change=apply_now>
            <Select
                id="search-sort"
                name="sort"
                label=t_string!(i18n, search.sort_by)
                options=Sort::ALL
                    .iter()
                    .map(|s| (s.as_str().to_string(), sort_label(*s, locale).to_string()))
                    .collect()
                value=Signal::derive(move || { query.with(|q| q.sort.as_str().to_string()) })
            />
            <Select
                id="search-size"
                name="size"
                label=t_string!(i18n, search.per_page)
                options=PAGE_SIZES.iter().map(|n| (n.to_string(), n.to_string())).collect()
                value=Signal::derive(move || query.with(|q| q.page_size.to_string()))
            />
            <Select
                id="search-cur"
                name="cur"
                label=t_string!(i18n, search.currency)
                options=Currency::ALL
                    .iter()
                    .map(|c| (c.code().to_string(), c.code().to_string()))
                    .collect()
                value=Signal::derive(move || { query.with(|q| q.currency().code().to_string()) })
            />
        </div>
    }
}

/// A group of checkboxes for a multi-select filter. `selected` follows the URL, so links
/// (facets, chips) and the boxes never disagree.
#[component]
fn Checks(
    legend: &'static str,
    name: &'static str,
    /// (value, label)
    items: Vec<(String, String)>,
    selected: Signal<Vec<String>>,
) -> impl IntoView {
    view! {
        <fieldset class="mt-4">
            <legend class=LABEL>{legend}</legend>
            <div class="mt-1 max-h-48 space-y-1 overflow-y-auto pr-1">
                {items
                    .into_iter()
                    .map(|(value, label)| {
                        let initially = selected.with_untracked(|s| s.contains(&value));
                        let v = value.clone();
                        view! {
                            <label class="flex items-center gap-2 text-sm text-slate-800">
                                <input
                                    type="checkbox"
                                    name=name
                                    value=value
                                    checked=initially
                                    prop:checked=move || selected.with(|s| s.contains(&v))
                                    class="h-4 w-4 rounded border-slate-300"
                                />
                                {label}
                            </label>
                        }
                    })
                    .collect_view()}
            </div>
        </fieldset>
    }
}

/// A number box following the URL; empty means "any".
#[component]
fn NumberInput(
    id: &'static str,
    name: &'static str,
    label: &'static str,
    value: Signal<Option<i64>>,
) -> impl IntoView {
    let text = move || value.get().map(|v| v.to_string()).unwrap_or_default();
    view! {
        <div>
            <label for=id class="block text-xs text-slate-700">
                {label}
            </label>
            <input
                id=id
                name=name
                type="number"
                inputmode="numeric"
                min="0"
                value=value.get_untracked().map(|v| v.to_string())
                prop:value=text
                class=INPUT
            />
        </div>
    }
}

/// A select following the URL: `options` are (value, label); "" is "any".
#[component]
fn Select(
    id: &'static str,
    name: &'static str,
    label: &'static str,
    options: Vec<(String, String)>,
    value: Signal<String>,
) -> impl IntoView {
    view! {
        <div>
            <label for=id class=LABEL>
                {label}
            </label>
            <select id=id name=name form=FORM_ID class=INPUT prop:value=move || value.get()>
                {options
                    .into_iter()
                    .map(|(v, text)| {
                        let initially = value.with_untracked(|x| *x == v);
                        view! {
                            <option value=v selected=initially>
                                {text}
                            </option>
                        }
                    })
                    .collect_view()}
            </select>
        </div>
    }
}

fn number(query: Memo<SearchQuery>, field: fn(&SearchQuery) -> Option<i64>) -> Signal<Option<i64>> {
    Signal::derive(move || query.with(field))
}

/// The filter panel: make and model, the number ranges, the vocabularies, place and time.
#[component]
fn Filters(query: Memo<SearchQuery>, options: FormOptions) -> impl IntoView {
    view! {
        <MakeModelChecks query options=options.clone() />
        <Ranges query />
        <VocabularyChecks query equipment=options.equipment.clone() />
        <PlaceAndTime query cities=options.cities />
    }
}

/// Makes, and the models of the chosen makes (redrawn only when that set changes).
#[component]
fn MakeModelChecks(query: Memo<SearchQuery>, options: FormOptions) -> impl IntoView {
    let make_items = options
        .makes
        .iter()
        .map(|m| (m.slug.clone(), m.name.clone()))
        .collect();
    let all_models = options.models.clone();
    let i18n = use_i18n();
    // the models of the chosen makes (and of chosen models); re-drawn only when that set changes
    let models = Memo::new(move |_| {
        query.with(|q| {
            all_models
                .iter()
                .filter(|m| q.makes.contains(&m.make) || q.models.contains(&m.slug))
                .map(|m| (m.slug.clone(), m.name.clone()))
                .collect::<Vec<_>>()
        })
    });
    view! {
        <Checks
            legend=t_string!(i18n, search.make)
            name="make"
            items=make_items
            selected=Signal::derive(move || query.with(|q| q.makes.clone()))
        />
        {move || {
            let items = models.get();
            (!items.is_empty())
                .then(|| {
                    view! {
                        <Checks
                            legend=t_string!(i18n, search.model)
                            name="model"
                            items
                            selected=Signal::derive(move || query.with(|q| q.models.clone()))
                        />
                    }
                })
        }}
    }
}

/// Price, registration year, mileage and power, each from/to.
#[component]
fn Ranges(query: Memo<SearchQuery>) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <fieldset class="mt-4">
            <legend class=LABEL>
                {move || {
                    t_string!(i18n, search.price, currency = query.with(|q| q.currency().code()))
                }}
            </legend>
            <div class="mt-1 grid grid-cols-2 gap-2">
                <NumberInput
                    id="f-price-min"
                    name="price_min"
                    label=t_string!(i18n, search.from)
                    value=number(query, |q| q.price_min)
                />
                <NumberInput
                    id="f-price-max"
                    name="price_max"
                    label=t_string!(i18n, search.to)
                    value=number(query, |q| q.price_max)
                />
            </div>
        </fieldset>
        <fieldset class="mt-4">
            <legend class=LABEL>{t_string!(i18n, search.registration)}</legend>
            <div class="mt-1 grid grid-cols-2 gap-2">
                <NumberInput
                    id="f-year-min"
                    name="year_min"
                    label=t_string!(i18n, search.from_year)
                    value=number(query, |q| q.year_min.map(i64::from))
                />
                <NumberInput
                    id="f-year-max"
                    name="year_max"
                    label=t_string!(i18n, search.to_year)
                    value=number(query, |q| q.year_max.map(i64::from))
                />
            </div>
        </fieldset>
        <div class="mt-4">
            <NumberInput
                id="f-km-max"
                name="km_max"
                label=t_string!(i18n, search.km_max)
                value=number(query, |q| q.mileage_max.map(i64::from))
            />
        </div>
        <fieldset class="mt-4">
            <legend class=LABEL>{t_string!(i18n, search.power)}</legend>
            <div class="mt-1 grid grid-cols-2 gap-2">
                <NumberInput
                    id="f-hp-min"
                    name="hp_min"
                    label=t_string!(i18n, search.from)
                    value=number(query, |q| q.power_min.map(i64::from))
                />
                <NumberInput
                    id="f-hp-max"
                    name="hp_max"
                    label=t_string!(i18n, search.to)
                    value=number(query, |q| q.power_max.map(i64::from))
                />
            </div>
        </fieldset>
    }
}

/// The closed vocabularies (`facets::VOCABS`) and equipment: a checkbox per value.
#[component]
fn VocabularyChecks(query: Memo<SearchQuery>, equipment: Vec<EquipmentOption>) -> impl IntoView {
    let i18n = use_i18n();
    let equipment_items = equipment
        .iter()
        .map(|e| (e.slug.clone(), e.name.clone()))
        .collect();
    view! {
        {VOCABS
            .iter()
            .map(|facet| {
                let vocab = facet.vocab;
                let items = facet
                    .values
                    .iter()
                    .map(|(slug, label)| (slug.to_string(), label.to_string()))
                    .collect();
                let selected = Signal::derive(move || query.with(|q| q.picks[vocab].clone()));
                view! {
                    <Checks legend=facet.title name=facet.param items=items selected=selected />
                }
            })
            .collect_view()}
        <Checks
            legend=t_string!(i18n, search.must_have)
            name="equip"
            items=equipment_items
            selected=Signal::derive(move || query.with(|q| q.equipment.clone()))
        />
    }
}

/// Near which city and how far, how recently posted, and photos only.
#[component]
fn PlaceAndTime(query: Memo<SearchQuery>, cities: Vec<CityOption>) -> impl IntoView {
    let i18n = use_i18n();
    let locale = i18n.get_locale_untracked();
    let cities: Vec<(String, String)> =
        std::iter::once((String::new(), t_string!(i18n, search.anywhere).to_string()))
            .chain(cities.iter().map(|c| (c.slug.clone(), c.name.clone())))
            .collect();
    let mut radii = vec![(String::new(), t_string!(i18n, search.city_only).to_string())];
    radii.extend(
        [10, 25, 50, 100, 200]
            .iter()
            .map(|km| (km.to_string(), td_string!(locale, search.km, km = *km))),
    );
    let mut within = vec![
        (String::new(), t_string!(i18n, search.any_time).to_string()),
        ("1".to_string(), t_string!(i18n, search.today).to_string()),
    ];
    within.extend([3u32, 7, 30].iter().map(|d| {
        (
            d.to_string(),
            td_string!(locale, search.last_days, count = *d),
        )
    }));
    let opt_text = |f: fn(&SearchQuery) -> Option<String>| {
        Signal::derive(move || query.with(f).unwrap_or_default())
    };
    view! {
        <div class="mt-4 grid grid-cols-2 gap-2">
            <Select
                id="f-city"
                name="city"
                label=t_string!(i18n, search.near)
                options=cities
                value=opt_text(|q| q.city.clone())
            />
            <Select
                id="f-radius"
                name="radius"
                label=t_string!(i18n, search.radius)
                options=radii
                value=opt_text(|q| q.radius_km.map(|r| r.to_string()))
            />
        </div>
        <div class="mt-4">
            <Select
                id="f-within"
                name="within"
                label=t_string!(i18n, search.posted)
                options=within
                value=opt_text(|q| q.posted_within_days.map(|d| d.to_string()))
            />
        </div>
        <label class="mt-4 flex items-center gap-2 text-sm text-slate-800">
            <input
                type="checkbox"
                name="photos"
                value="1"
                checked=query.with_untracked(|q| q.has_photos)
                prop:checked=move || query.with(|q| q.has_photos)
                class="h-4 w-4 rounded border-slate-300"
            />
            {t_string!(i18n, search.photos_only)}
        </label>
    }
}

#[component]
fn Facets(groups: Vec<FacetGroup>) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <nav
            aria-label=t_string!(i18n, search.refine_by)
            class="mt-6 space-y-4 border-t border-slate-200 pt-4"
        >
            <h2 class="text-sm font-semibold text-slate-900">{t_string!(i18n, search.refine)}</h2>
            {groups
                .into_iter()
                .map(|g| {
                    view! {
                        <section>
                            <h3 class="text-xs font-semibold uppercase tracking-wide text-slate-600">
                                {g.title.clone()}
                            </h3>
                            <ul class="mt-1 space-y-0.5 text-sm">
                                {g
                                    .values
                                    .into_iter()
                                    .take(12)
                                    .map(|v| {
                                        view! {
                                            <li>
                                                <a
                                                    href=v.href
                                                    aria-current=v.selected.then_some("true")
                                                    class="flex justify-between gap-2 rounded px-1 py-0.5 text-slate-800 hover:bg-slate-100 aria-[current=true]:font-semibold aria-[current=true]:text-emerald-800"
                                                >
                                                    <span>{v.label}</span>
                                                    <span class="text-slate-600">
                                                        {group_thousands(v.count)}
                                                    </span>
                                                </a>
                                            </li>
                                        }
                                    })
                                    .collect_view()}
                            </ul>
                        </section>
                    }
                })
                .collect_view()}
        </nav>
    }
}

#[component]
fn Chips(chips: Vec<Chip>) -> impl IntoView {
    let i18n = use_i18n();
    (!chips.is_empty())
        .then(|| {
            view! {
                <ul aria-label=t_string!(i18n, search.in_use) class="mt-3 flex flex-wrap gap-2">
                    {chips
                        .into_iter()
                        .map(|c| {
                            let aria = t_string!(i18n, search.remove, label = c.label.as_str());
                            view! {
                                <li>
                                    <a
                                        href=c.href
                                        aria-label=aria
                                        class="inline-flex items-center gap-1 rounded-full border border-emerald-700 bg-emerald-50 px-3 py-1 text-sm text-emerald-900 hover:bg-emerald-100"
                                    >
                                        {c.label}
                                        <span aria-hidden="true">"×"</span>
                                    </a>
                                </li>
                            }
                        })
                        .collect_view()}
                </ul>
            }
        })
}

/// A name for an alert saved from this search: its criteria in words.
fn alert_name(query: &SearchQuery, chips: &[Chip], locale: Locale) -> String {
    let mut parts: Vec<String> = Vec::new();
    let text = query.q.trim();
    if !text.is_empty() && chips.is_empty() {
        parts.push(text.to_string());
    }
    parts.extend(chips.iter().map(|c| c.label.clone()));
    let name = parts.join(", ");
    if name.is_empty() {
        td_string!(locale, search.all_listings).to_string()
    } else {
        name.chars().take(80).collect()
    }
}

#[component]
fn Results(r: SearchResults, query: SearchQuery) -> impl IntoView {
    let i18n = use_i18n();
    let locale = i18n.get_locale_untracked();
    let total = r.total;
    let count_text = match total {
        0 => td_string!(locale, search.none_match).to_string(),
        n => td_string!(locale, search.listings, count = n, n = group_thousands(n)),
    };
    let from = encode_component(&query.to_query_string());
    view! {
        <div class="mt-4">
            <p role="status" class="font-semibold text-slate-900">
                {count_text}
            </p>
            <Chips chips=r.chips.clone() />
            <crate::alerts::pages::SaveAlert
                search=query.first_page().to_query_string()
                suggested_name=alert_name(&query, &r.chips, locale)
            />
            {(!r.corrected.is_empty())
                .then(|| {
                    let fixes = r
                        .corrected
                        .iter()
                        .map(|(typed, used)| {
                            td_string!(
                                locale, search.read_as, typed = typed.as_str(), used = used.as_str()
                            )
                        })
                        .collect::<Vec<_>>()
                        .join(", ");
                    view! {
                        <p class="mt-2 text-sm text-slate-700">
                            {td_string!(locale, search.also_searching, fixes = fixes.as_str())}
                        </p>
                    }
                })}
            {(!r.ignored.is_empty())
                .then(|| {
                    view! {
                        <p class="mt-2 text-sm text-amber-800">
                            {td_string!(
                                locale,
                                search.not_applied,
                                words = r.ignored.join(", ")
                            )}
                        </p>
                    }
                })}
            {(total == 0)
                .then(|| {
                    view! {
                        <div class="mt-6 rounded-lg border border-slate-200 bg-white p-6">
                            <h2 class="font-semibold text-slate-900">
                                {t_string!(i18n, search.nothing)}
                            </h2>
                            {if r.loosen.is_empty() {
                                view! {
                                    <p class="mt-2 text-slate-700">
                                        {t_string!(i18n, search.try_fewer)} " "
                                        <a
                                            class="font-medium text-emerald-800 underline"
                                            href="/search"
                                        >
                                            {t_string!(i18n, search.start_over)}
                                        </a>
                                    </p>
                                }
                                    .into_any()
                            } else {
                                view! {
                                    <ul class="mt-2 space-y-1 text-slate-700">
                                        {r
                                            .loosen
                                            .iter()
                                            .map(|l| {
                                                view! {
                                                    <li>
                                                        <a
                                                            class="font-medium text-emerald-800 underline"
                                                            href=l.href.clone()
                                                        >
                                                            {td_string!(
                                                                locale,
                                                                search.without,
                                                                n = group_thousands(l.count),
                                                                what = l.without.as_str()
                                                            )}
                                                        </a>
                                                    </li>
                                                }
                                            })
                                            .collect_view()}
                                    </ul>
                                }
                                    .into_any()
                            }}
                        </div>
                    }
                })}
            <ol aria-label=t_string!(i18n, search.results) class="mt-4 grid gap-4 sm:grid-cols-2">
                {r
                    .cards
                    .into_iter()
                    .map(|card| {
                        view! {
                            <li>
                                <Card card from=from.clone() />
                            </li>
                        }
                    })
                    .collect_view()}
            </ol>
            <nav aria-label=t_string!(i18n, search.pages) class="mt-6 flex justify-between">
                {r
                    .first
                    .map(|href| {
                        view! {
                            <a
                                class="rounded-lg border border-slate-300 px-4 py-2 font-medium hover:bg-slate-100"
                                href=href
                            >
                                {t_string!(i18n, search.first_page)}
                            </a>
                        }
                    })}
                <span></span>
                {r
                    .next
                    .map(|href| {
                        view! {
                            <a
                                rel="next"
                                class="rounded-lg bg-emerald-700 px-4 py-2 font-semibold text-white hover:bg-emerald-800"
                                href=href
                            >
                                {t_string!(i18n, search.next_page)}
                            </a>
                        }
                    })}
            </nav>
        </div>
    }
}

/// How a sort order is named in the sort menu.
fn sort_label(sort: Sort, locale: Locale) -> &'static str {
    match sort {
        Sort::Relevance => td_string!(locale, search.sort.relevance),
        Sort::Newest => td_string!(locale, search.sort.newest),
        Sort::PriceAsc => td_string!(locale, search.sort.price_asc),
        Sort::PriceDesc => td_string!(locale, search.sort.price_desc),
        Sort::MileageAsc => td_string!(locale, search.sort.mileage_asc),
        Sort::YearDesc => td_string!(locale, search.sort.year_desc),
        Sort::Distance => td_string!(locale, search.sort.distance),
    }
}
