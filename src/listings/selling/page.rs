//! The seller's pages: the listing form (new and edit) and "My listings" with a tab per
//! status. Plain forms that post without JavaScript (a failed submit comes back with what
//! was typed and a message on each field) and stay on the page with it.

use crate::listings::{
    api::search_form_options,
    model::{
        Body, Colour, Condition, Currency, Fuel, ListingId, SellerType, Status, Transmission, Vat,
    },
    selling::api::{
        DeleteListing, EditForm, MyListings, SaveListing, SetListingStatus, list_my_listings,
        load_listing_form,
    },
    selling::form::{DESCRIPTION_MAX_CHARS, ListingForm, TITLE_MAX_CHARS},
    wire::{EquipmentOption, FormOptions, ListingCard},
};
use crate::ui::listing_card::Card;
use crate::{
    error::AppError,
    gallery::uploader::PhotoManager,
    ui::{
        BUTTON, FormAlert, INPUT, Labelled, PRIMARY_BUTTON, WIDE_ON_PHONE, described_by,
        field_error,
        fields::{SelectField, TextField},
    },
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

/// "Sign in to sell" for visitors, the error otherwise.
#[component]
fn Refused(e: AppError) -> impl IntoView {
    let signed_out = matches!(e, AppError::Unauthorized { .. });
    if !signed_out {
        crate::ui::answer_with(&e);
    }
    view! {
        <section class="mx-auto max-w-xl py-10 text-center">
            <h1 class="text-2xl font-bold">
                {if signed_out { "Sign in to sell".to_string() } else { e.to_string() }}
            </h1>
            {signed_out
                .then(|| {
                    view! {
                        <p class="mt-3 text-slate-700">
                            "Listing a car is free. "
                            <a class="font-medium text-emerald-800 underline" href="/sign-in">
                                "Sign in"
                            </a> " or "
                            <a class="font-medium text-emerald-800 underline" href="/sign-up">
                                "create an account"
                            </a> "."
                        </p>
                    }
                })}
        </section>
    }
}

fn choices<T: Copy>(
    all: &[T],
    slug: fn(T) -> &'static str,
    label: fn(T) -> &'static str,
    none: Option<&str>,
) -> Vec<(String, String)> {
    none.map(|n| (String::new(), n.to_string()))
        .into_iter()
        .chain(
            all.iter()
                .map(|v| (slug(*v).to_string(), label(*v).to_string())),
        )
        .collect()
}

#[component]
pub fn SellPage() -> impl IntoView {
    let form = Resource::new(|| (), |()| load_listing_form(None));
    view! {
        <Title text="Sell a car · Scout" />
        <div class="mx-auto max-w-3xl px-4">
            <crate::accounts::connect::LinkTroubleBanner spaced=true />
        </div>
        <EditorFrame form heading="Sell a car" />
    }
}

#[component]
pub fn EditListingPage() -> impl IntoView {
    let params = use_params_map();
    let id = Memo::new(move |_| {
        params
            .read()
            .get("id")
            .and_then(|s| s.parse::<ListingId>().ok())
    });
    let form = Resource::new(
        move || id.get(),
        |id| async move {
            match id {
                Some(id) => load_listing_form(Some(id)).await,
                None => Err(AppError::NotFound),
            }
        },
    );
    view! {
        <Title text="Edit listing · Scout" />
        <EditorFrame form heading="Edit listing" />
        {move || {
            id.get()
                .map(|listing_id| {
                    view! {
                        <div class="mx-auto max-w-3xl px-4 pb-6">
                            <crate::listings::crossposting::CrossPostPanel listing_id />
                        </div>
                    }
                })
        }}
    }
}

#[component]
fn EditorFrame(form: Resource<Result<EditForm, AppError>>, heading: &'static str) -> impl IntoView {
    let options = Resource::new(|| (), |()| search_form_options());
    view! {
        <div class="mx-auto max-w-3xl px-4 py-6">
            <Transition fallback=|| {
                view! { <p class="text-slate-600">"Loading the form…"</p> }
            }>
                {move || Suspend::new(async move {
                    match (form.await, options.await) {
                        (Ok(edit), Ok(options)) => {
                            view! { <Editor edit options heading /> }.into_any()
                        }
                        (Err(e), _) | (_, Err(e)) => view! { <Refused e /> }.into_any(),
                    }
                })}
            </Transition>
        </div>
    }
}

#[component]
fn Editor(edit: EditForm, options: FormOptions, heading: &'static str) -> impl IntoView {
    let save = ServerAction::<SaveListing>::new();
    let carried = (!edit.errors.is_empty()).then(|| AppError::invalid(edit.errors.clone()));
    let error = Signal::derive(move || match save.value().get() {
        Some(Err(e)) => Some(e),
        Some(Ok(_)) => None,
        None => carried.clone(),
    });
    let form_level = Signal::derive(move || {
        error.get().map(|e| match e {
            AppError::Invalid { .. } => AppError::Invalid {
                message: "The listing was not saved: please correct the highlighted fields.".into(),
                fields: Default::default(),
            },
            other => other,
        })
    });
    let f: ListingForm = edit.form.clone();
    let is_new = edit.listing_id.is_none();
    let is_draft = edit.status == Status::Draft;
    let pending = save.pending();
    view! {
        <h1 class="text-2xl font-bold text-slate-900">{heading}</h1>
        {(!is_new)
            .then(|| {
                view! {
                    <p class="mt-1 text-slate-700">
                        {format!("Status: {}", edit.status.label())} " · "
                        <a
                            class="text-emerald-800 underline"
                            href=format!("/listings/{}", edit.listing_id.map_or(0, |id| id.0))
                        >
                            "View the listing"
                        </a>
                    </p>
                }
            })}
        {match edit.photos.clone() {
            Some(photos) => view! { <PhotoManager photos /> }.into_any(),
            None => {
                view! {
                    <section aria-labelledby="photos-h" class="mt-6">
                        <h2 id="photos-h" class="text-lg font-semibold text-slate-900">
                            "Photos"
                        </h2>
                        <p class="mt-1 text-slate-700">
                            "Photos are added once the listing is saved: fill in the details below and choose “Save draft and add photos”."
                        </p>
                    </section>
                }
                    .into_any()
            }
        }}
        <ActionForm action=save attr:class="mt-6 space-y-6" attr:novalidate=true>
            <FormAlert error=form_level />
            {edit
                .listing_id
                .map(|id| view! { <input type="hidden" name="listing_id" value=id.to_string() /> })}
            <Basics f=f.clone() options=options.clone() error />
            <Vehicle f options error />
            <SaveButtons is_new is_draft pending />
        </ActionForm>
    }
}

/// The first section of the listing form: what it is, title, price, terms, place, text.
#[component]
fn Basics(f: ListingForm, options: FormOptions, error: Signal<Option<AppError>>) -> impl IntoView {
    let mut cities = vec![(String::new(), "Choose…".to_string())];
    cities.extend(
        options
            .cities
            .iter()
            .map(|c| (c.slug.clone(), c.name.clone())),
    );
    view! {
        <fieldset class="space-y-4 rounded-lg border border-slate-200 bg-white p-4">
            <legend class="px-1 font-semibold">"The basics"</legend>
            <SelectField
                label="What are you selling?"
                key="category"
                value=f.category.clone()
                options=vec![
                    ("vehicle".into(), "A car or other vehicle".into()),
                    ("other".into(), "Something else".into()),
                ]
                error
            />
            <TextField
                label="Title"
                key="title"
                value=f.title.clone()
                error
                required=true
                maxlength=TITLE_MAX_CHARS
                hint="e.g. BMW X5 3.0d xDrive, one owner"
            />
            <div class="grid grid-cols-2 gap-4">
                <TextField
                    label="Price"
                    key="price"
                    value=f.price.clone()
                    error
                    inputmode="decimal"
                    required=true
                    hint="A price in leva (лв) is converted to euro at the fixed rate of 1.95583 when you save."
                />
                <SelectField
                    label="Currency"
                    key="currency"
                    value=f.currency.clone()
                    options=currency_options(&f.currency)
                    error
                />
            </div>
            <label class="flex items-center gap-2 text-sm text-slate-800">
                <input
                    type="checkbox"
                    name="input[negotiable]"
                    value="on"
                    checked=f.negotiable.is_some()
                    class="h-4 w-4 rounded border-slate-300"
                />
                "Price is negotiable"
            </label>
            <div class="grid gap-4 sm:grid-cols-2">
                <SelectField
                    label="VAT"
                    key="vat"
                    value=f.vat.clone()
                    options=choices(Vat::ALL, Vat::as_str, Vat::label, None)
                    error
                />
                <SelectField
                    label="Condition"
                    key="condition"
                    value=if f.condition.is_empty() { "used".into() } else { f.condition.clone() }
                    options=choices(Condition::ALL, Condition::as_str, Condition::label, None)
                    error
                />
                <SelectField
                    label="Where it can be seen"
                    key="city"
                    value=f.city.clone()
                    options=cities
                    error
                />
                <SelectField
                    label="You sell as"
                    key="seller_type"
                    value=f.seller_type.clone()
                    options=choices(SellerType::ALL, SellerType::as_str, SellerType::label, None)
                    error
                />
            </div>
            <Labelled label="Description" id="l-description" key="description" error>
                <textarea
                    id="l-description"
                    name="input[description]"
                    rows="6"
                    maxlength=DESCRIPTION_MAX_CHARS
                    aria-invalid=move || {
                        field_error(error, "description")().is_some().then_some("true")
                    }
                    aria-describedby=described_by(error, "description", "l-description", false)
                    class=INPUT
                >
                    {f.description.clone()}
                </textarea>
            </Labelled>
        </fieldset>
    }
}

/// The vehicle section: make and model, registration, mileage, drive, body, VIN, equipment.
#[component]
fn Vehicle(f: ListingForm, options: FormOptions, error: Signal<Option<AppError>>) -> impl IntoView {
    let years: Vec<(String, String)> = std::iter::once((String::new(), "Choose…".to_string()))
        .chain(
            crate::listings::model::year_range(options.this_year)
                .rev()
                .map(|y| (y.to_string(), y.to_string())),
        )
        .collect();
    view! {
        <fieldset class="space-y-4 rounded-lg border border-slate-200 bg-white p-4">
            <legend class="px-1 font-semibold">"The vehicle"</legend>
            <p class="text-sm text-slate-600">
                "Make, model, year, mileage, fuel and gearbox are needed to publish a vehicle."
            </p>
            <div class="grid gap-4 sm:grid-cols-2">
                <MakeAndModel f=f.clone() options=options.clone() error />
                <SelectField
                    label="First registration"
                    key="year"
                    value=f.year.clone()
                    options=years
                    error
                />
                <TextField
                    label="Mileage (km)"
                    key="mileage_km"
                    value=f.mileage_km.clone()
                    error
                    inputmode="numeric"
                />
                <SelectField
                    label="Fuel"
                    key="fuel"
                    value=f.fuel.clone()
                    options=choices(Fuel::ALL, Fuel::as_str, Fuel::label, Some("Choose…"))
                    error
                />
                <SelectField
                    label="Gearbox"
                    key="transmission"
                    value=f.transmission.clone()
                    options=choices(
                        Transmission::ALL,
                        Transmission::as_str,
                        Transmission::label,
                        Some("Choose…"),
                    )
                    error
                />
                <SelectField
                    label="Body"
                    key="body"
                    value=f.body.clone()
                    options=choices(Body::ALL, Body::as_str, Body::label, Some("Not given"))
                    error
                />
                <TextField
                    label="Power (hp)"
                    key="power_hp"
                    value=f.power_hp.clone()
                    error
                    inputmode="numeric"
                />
                <TextField
                    label="Engine size (cm³)"
                    key="engine_cc"
                    value=f.engine_cc.clone()
                    error
                    inputmode="numeric"
                />
                <SelectField
                    label="Colour"
                    key="colour"
                    value=f.colour.clone()
                    options=choices(Colour::ALL, Colour::as_str, Colour::label, Some("Not given"))
                    error
                />
                <TextField
                    label="Doors"
                    key="doors"
                    value=f.doors.clone()
                    error
                    inputmode="numeric"
                />
                <TextField
                    label="Seats"
                    key="seats"
                    value=f.seats.clone()
                    error
                    inputmode="numeric"
                />
            </div>
            <TextField
                label="VIN (optional)"
                key="vin"
                value=f.vin.clone()
                error
                hint="17 characters; buyers trust listings with a VIN."
            />
            <EquipmentChoices chosen=f.equipment.clone() options=options.equipment.clone() error />
        </fieldset>
    }
}

/// The make and model selects: choosing a make shows only its models (all without JavaScript).
#[component]
fn MakeAndModel(
    f: ListingForm,
    options: FormOptions,
    error: Signal<Option<AppError>>,
) -> impl IntoView {
    let make = RwSignal::new(f.make.clone());
    // (make slug, make name, its models as (slug, name))
    type MakeModels = (String, String, Vec<(String, String)>);
    let models_by_make: Vec<MakeModels> = options
        .makes
        .iter()
        .map(|m| {
            let models = options
                .models
                .iter()
                .filter(|md| md.make == m.slug)
                .map(|md| (md.slug.clone(), md.name.clone()))
                .collect();
            (m.slug.clone(), m.name.clone(), models)
        })
        .collect();
    let model_value = f.model.clone();
    let model_message = field_error(error, "model");
    let mut makes = vec![(String::new(), "Choose…".to_string())];
    makes.extend(
        options
            .makes
            .iter()
            .map(|m| (m.slug.clone(), m.name.clone())),
    );
    view! {
        <SelectField
            label="Make"
            key="make"
            value=f.make.clone()
            options=makes
            error
            on_change=Callback::new(move |slug| make.set(slug))
        />
        <Labelled label="Model" id="l-model" key="model" error>
            <select
                id="l-model"
                name="input[model]"
                aria-invalid=move || model_message().is_some().then_some("true")
                aria-describedby=described_by(error, "model", "l-model", false)
                class=INPUT
            >
                <option value="">"Choose…"</option>
                {models_by_make
                    .into_iter()
                    .map(|(make_slug, make_name, models)| {
                        let shown = make_slug.clone();
                        view! {
                            <optgroup
                                label=make_name
                                hidden=move || {
                                    let m = make.get();
                                    !m.is_empty() && m != shown
                                }
                            >
                                {models
                                    .into_iter()
                                    .map(|(v, l)| {
                                        let selected = v == model_value;
                                        view! {
                                            <option value=v selected=selected>
                                                {l}
                                            </option>
                                        }
                                    })
                                    .collect_view()}
                            </optgroup>
                        }
                    })
                    .collect_view()}
            </select>
        </Labelled>
    }
}

/// The equipment checkboxes, from the catalogue, `chosen` ticked; the error names values the
/// catalogue doesn't have (only a hand-made request can send them).
#[component]
fn EquipmentChoices(
    chosen: Vec<String>,
    options: Vec<EquipmentOption>,
    error: Signal<Option<AppError>>,
) -> impl IntoView {
    let message = field_error(error, "equipment");
    view! {
        <fieldset aria-describedby="field-equipment-error">
            <legend class="text-sm font-medium text-slate-800">"Equipment"</legend>
            <p id="field-equipment-error" class="text-sm font-medium text-red-700">
                {message}
            </p>
            <div class="mt-1 grid grid-cols-1 gap-1 sm:grid-cols-2">
                {options
                    .iter()
                    .map(|e| {
                        let checked = chosen.contains(&e.slug);
                        view! {
                            <label class="flex items-center gap-2 text-sm text-slate-800">
                                <input
                                    type="checkbox"
                                    name="input[equipment][]"
                                    value=e.slug.clone()
                                    checked=checked
                                    class="h-4 w-4 rounded border-slate-300"
                                />
                                {e.name.clone()}
                            </label>
                        }
                    })
                    .collect_view()}
            </div>
        </fieldset>
    }
}

/// The form's actions: a draft publishes, saves or (when new) saves and goes on to photos; a
/// published listing saves its changes.
#[component]
fn SaveButtons(is_new: bool, is_draft: bool, #[prop(into)] pending: Signal<bool>) -> impl IntoView {
    view! {
        <div class="flex flex-wrap gap-3">
            {if is_draft {
                view! {
                    <button
                        type="submit"
                        name="input[intent]"
                        value="publish"
                        class=format!("{PRIMARY_BUTTON} {WIDE_ON_PHONE}")
                        disabled=move || pending.get()
                    >
                        "Publish"
                    </button>
                    <button
                        type="submit"
                        name="input[intent]"
                        value="draft"
                        class=BUTTON
                        disabled=move || pending.get()
                    >
                        "Save draft"
                    </button>
                    {is_new
                        .then(|| {
                            view! {
                                <button
                                    type="submit"
                                    name="input[intent]"
                                    value="photos"
                                    class=BUTTON
                                    disabled=move || pending.get()
                                >
                                    "Save draft and add photos"
                                </button>
                            }
                        })}
                }
                    .into_any()
            } else {
                view! {
                    <button
                        type="submit"
                        name="input[intent]"
                        value="save"
                        class=format!("{PRIMARY_BUTTON} {WIDE_ON_PHONE}")
                        disabled=move || pending.get()
                    >
                        "Save changes"
                    </button>
                }
                    .into_any()
            }} <span role="status" class="self-center text-sm text-slate-600">
                {move || pending.get().then_some("Saving…")}
            </span>
        </div>
    }
}

#[component]
pub fn MyListingsPage() -> impl IntoView {
    let query = use_query_map();
    let set_status = ServerAction::<SetListingStatus>::new();
    let delete = ServerAction::<DeleteListing>::new();
    let listings = Resource::new(
        move || {
            (
                query.read().get("tab"),
                set_status.version().get(),
                delete.version().get(),
            )
        },
        |(tab, _, _)| list_my_listings(tab),
    );
    let action_error = Signal::derive(move || {
        set_status
            .value()
            .get()
            .and_then(Result::err)
            .or_else(|| delete.value().get().and_then(Result::err))
            .map(|e| match e {
                AppError::Invalid { fields, .. } if fields.contains_key("status") => {
                    AppError::Conflict {
                        message: fields.get("status").cloned().unwrap_or_default(),
                    }
                }
                other => other,
            })
    });
    view! {
        <Title text="My listings · Scout" />
        <div class="mx-auto max-w-6xl px-4 py-6">
            <crate::accounts::connect::LinkTroubleBanner />
            <Transition fallback=|| {
                view! { <p class="text-slate-600">"Loading your listings…"</p> }
            }>
                {move || Suspend::new(async move {
                    match listings.await {
                        Ok(mine) => {
                            view! { <MyListingsView mine set_status delete action_error /> }
                                .into_any()
                        }
                        Err(e) => view! { <Refused e /> }.into_any(),
                    }
                })}
            </Transition>
        </div>
    }
}

#[component]
fn MyListingsView(
    mine: MyListings,
    set_status: ServerAction<SetListingStatus>,
    delete: ServerAction<DeleteListing>,
    action_error: Signal<Option<AppError>>,
) -> impl IntoView {
    let tab = mine.tab;
    view! {
        <div class="flex flex-wrap items-center justify-between gap-3">
            <h1 class="text-2xl font-bold text-slate-900">"My listings"</h1>
            <a
                href="/sell"
                class="rounded-lg bg-emerald-700 px-4 py-2 font-semibold text-white hover:bg-emerald-800"
            >
                "Sell a car"
            </a>
        </div>
        <StatusTabs tab counts=mine.counts />
        <div class="mt-4">
            <FormAlert error=action_error />
        </div>
        {if mine.listings.is_empty() {
            view! { <p class="mt-6 text-slate-700">{empty_tab(tab)}</p> }.into_any()
        } else {
            view! {
                <ul
                    aria-label="Your listings"
                    class="mt-4 grid gap-4 sm:grid-cols-2 lg:grid-cols-3"
                >
                    {mine
                        .listings
                        .into_iter()
                        .map(|card| view! { <ManagedListing card tab set_status delete /> })
                        .collect_view()}
                </ul>
            }
                .into_any()
        }}
    }
}

/// One link per status with its count; the shown one is the current page.
#[component]
fn StatusTabs(tab: Status, counts: Vec<(Status, i64)>) -> impl IntoView {
    view! {
        <nav
            aria-label="Listing status"
            class="mt-4 flex flex-wrap gap-2 border-b border-slate-200 pb-2"
        >
            {counts
                .into_iter()
                .map(|(status, n)| {
                    view! {
                        <a
                            href=format!("/my-listings?tab={}", status.as_str())
                            aria-current=(status == tab).then_some("page")
                            class="rounded-lg px-3 py-1.5 text-sm font-medium text-slate-700 hover:bg-slate-100 aria-[current=page]:bg-emerald-700 aria-[current=page]:text-white"
                        >
                            {format!("{} ({n})", status.label())}
                        </a>
                    }
                })
                .collect_view()}
        </nav>
    }
}

/// What an empty tab says.
fn empty_tab(tab: Status) -> &'static str {
    match tab {
        Status::Draft => "No drafts. A listing you save without publishing waits here.",
        Status::Published => {
            "Nothing published yet. Buyers will see your listings here once you publish them."
        }
        Status::Sold => "Nothing sold yet.",
        Status::Archived => "Nothing archived.",
    }
}

/// A seller's listing with what they can do to it from the `tab` it is in: edit, the status
/// moves that tab allows, and delete after a confirmation.
#[component]
fn ManagedListing(
    card: ListingCard,
    tab: Status,
    set_status: ServerAction<SetListingStatus>,
    delete: ServerAction<DeleteListing>,
) -> impl IntoView {
    let id = card.id;
    let title = card.title.clone();
    let moves: Vec<(Status, &str, String)> = [
        (
            Status::Published,
            if tab == Status::Draft {
                "Publish"
            } else {
                "Relist"
            },
        ),
        (Status::Sold, "Mark sold"),
        (Status::Archived, "Archive"),
        (Status::Draft, "Back to draft"),
    ]
    .into_iter()
    .filter(|(to, _)| tab.can_become(*to))
    .map(|(to, label)| (to, label, format!("{label}: {title}")))
    .collect();
    let manage = format!("Manage {title}");
    let edit = format!("Edit {title}");
    let ask_delete = format!("Delete {title}…");
    let confirm_delete = format!("Yes, delete {title}");
    view! {
        <li class="flex flex-col gap-2">
            <Card card controls=false />
            <div class="flex flex-wrap gap-2" role="group" aria-label=manage>
                <a href=format!("/my-listings/{id}/edit") class=BUTTON aria-label=edit>
                    "Edit"
                </a>
                {moves
                    .into_iter()
                    .map(|(to, label, aria)| {
                        view! {
                            <ActionForm action=set_status>
                                <input type="hidden" name="listing_id" value=id.to_string() />
                                <input type="hidden" name="status" value=to.as_str() />
                                <button type="submit" class=BUTTON aria-label=aria>
                                    {label}
                                </button>
                            </ActionForm>
                        }
                    })
                    .collect_view()}
                <details class="w-full">
                    <summary
                        class=format!("{BUTTON} cursor-pointer list-none")
                        aria-label=ask_delete
                    >
                        "Delete…"
                    </summary>
                    <div class="mt-2 rounded-lg border border-red-200 bg-red-50 p-3">
                        <p class="text-sm text-slate-800">
                            "Delete for good? Its price history goes too."
                        </p>
                        <ActionForm action=delete>
                            <input type="hidden" name="listing_id" value=id.to_string() />
                            <button
                                type="submit"
                                class="mt-2 rounded-lg bg-red-700 px-3 py-1.5 text-sm font-semibold text-white hover:bg-red-800"
                                aria-label=confirm_delete
                            >
                                "Yes, delete"
                            </button>
                        </ActionForm>
                    </div>
                </details>
            </div>
        </li>
    }
}

/// The currencies a price is entered in (euro, or leva converted on saving), and the
/// listing's own if it is priced in another.
fn currency_options(current: &str) -> Vec<(String, String)> {
    let mut options: Vec<Currency> = Currency::ENTERED.to_vec();
    if let Some(c) = Currency::parse(current).filter(|c| !options.contains(c)) {
        options.push(c);
    }
    options
        .into_iter()
        .map(|c| (c.code().to_string(), c.label().to_string()))
        .collect()
}
