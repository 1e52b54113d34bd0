//! What the server makes of listing rows for pages (ssr): result cards, a listing's page
//! (specs in words, price history, similar listings) and the viewer's marks on them (saved,
//! compared). Search, favorites, comparisons, a seller's listings, alerts and emails all show
//! listings through these.

use crate::accounts::model::AccountId;
use crate::listings::model::ListingId;
use crate::listings::{
    catalog::Catalog,
    model::{
        Body, Colour, Condition, Currency, Fuel, Money, SellerType, Status, Transmission,
        group_thousands, hp_to_kw,
    },
    repo::{self, CardRow},
    wire::{Converted, ListingCard, ListingDetail, PricePoint},
};
use crate::{error::AppError, server::state::AppState};
use time::OffsetDateTime;

/// A stored currency code as a currency (the default for an unknown one).
pub fn currency(code: &str) -> Currency {
    Currency::parse(code).unwrap_or_default()
}

/// The label of a stored slug (`"plug_in_hybrid"` -> "Plug-in hybrid"), when it is one.
fn label<T>(
    slug: Option<&str>,
    parse: fn(&str) -> Option<T>,
    label: fn(T) -> &'static str,
) -> Option<String> {
    slug.and_then(parse).map(|v| label(v).to_string())
}

fn card_specs(
    year: Option<i16>,
    mileage: Option<i32>,
    fuel: Option<&str>,
    gearbox: Option<&str>,
    hp: Option<i16>,
) -> Vec<String> {
    let mut specs = Vec::new();
    if let Some(y) = year {
        specs.push(y.to_string());
    }
    if let Some(km) = mileage {
        specs.push(format!("{} km", group_thousands(km)));
    }
    specs.extend(label(fuel, Fuel::from_slug, Fuel::label));
    specs.extend(label(gearbox, Transmission::from_slug, Transmission::label));
    if let Some(hp) = hp {
        specs.push(format!("{hp} hp"));
    }
    specs
}

pub fn card(
    row: &CardRow,
    catalog: &Catalog,
    media: &crate::gallery::store::MediaStore,
    buyer: Currency,
    now: OffsetDateTime,
) -> ListingCard {
    let cur = currency(&row.currency);
    ListingCard {
        id: row.listing_id,
        title: row.title.clone(),
        status: Status::from_slug(&row.status).unwrap_or(Status::Published),
        price: Money::new(row.price_minor, cur),
        buyer_price: (buyer != cur)
            .then(|| catalog.from_eur_minor(row.price_eur_minor, buyer).rounded()),
        dropped_from: row.previous_price_minor.map(|m| Money::new(m, cur)),
        specs: card_specs(
            row.year,
            row.mileage_km,
            row.fuel.as_deref(),
            row.transmission.as_deref(),
            row.power_hp,
        ),
        city: row.city.clone(),
        seller_type: SellerType::from_slug(&row.seller_type).unwrap_or(SellerType::Private),
        age: crate::format::age(row.published_at, now),
        photo_count: row.photo_count,
        cover: row
            .cover
            .as_ref()
            .map(|c| crate::gallery::service::cover_picture(media, &c.0)),
        saved: None,
        compared: false,
    }
}

/// Marks the cards the viewer saved or is comparing.
pub async fn annotate(
    state: &AppState,
    viewer: Option<AccountId>,
    cards: &mut [ListingCard],
) -> Result<(), AppError> {
    let compared = crate::listings::collections::comparison::compared_ids().await?;
    let saved = match viewer {
        Some(account) => {
            let ids: Vec<ListingId> = cards.iter().map(|c| c.id).collect();
            Some(repo::favorite_ids(&state.pool, account, &ids).await?)
        }
        None => None,
    };
    for card in cards {
        card.saved = saved.as_ref().map(|s| s.contains(&card.id));
        card.compared = compared.contains(&card.id);
    }
    Ok(())
}

/// A listing's page, as `viewer` may see it.
pub async fn listing_detail(
    state: &AppState,
    id: ListingId,
    viewer: Option<AccountId>,
    buyer: Currency,
) -> Result<ListingDetail, AppError> {
    let (mut detail, like) = listing_facts(state, id, viewer, buyer).await?;
    let catalog = state.catalog().await?;
    let mut previous: Option<(i64, String)> = None;
    for h in repo::price_history(&state.pool, id).await? {
        let change = previous
            .as_ref()
            .filter(|(_, c)| *c == h.currency)
            .map(|(p, _)| h.price_minor - p);
        detail.history.push(PricePoint {
            price: Money::new(h.price_minor, currency(&h.currency)),
            date: crate::format::iso_date(h.changed_at),
            change,
        });
        previous = Some((h.price_minor, h.currency));
    }
    if let Some(model_id) = like.model_id {
        let now = OffsetDateTime::now_utc();
        detail.similar = repo::similar(&state.pool, id, model_id, like.year, like.price_eur_minor)
            .await?
            .iter()
            .map(|r| card(r, &catalog, &state.media, buyer, now))
            .collect();
    }
    detail.saved = match viewer {
        Some(account) => Some(
            !repo::favorite_ids(&state.pool, account, &[id])
                .await?
                .is_empty(),
        ),
        None => None,
    };
    detail.compared = crate::listings::collections::comparison::compared_ids()
        .await?
        .contains(&id);
    Ok(detail)
}

/// What similar listings are near to.
pub struct SimilarTo {
    model_id: Option<i32>,
    year: Option<i16>,
    price_eur_minor: i64,
}

/// A listing's own fields as its page shows them, from one query: no price history, similar
/// listings or the viewer's marks (what a comparison needs). A draft is only its seller's.
pub async fn listing_facts(
    state: &AppState,
    id: ListingId,
    viewer: Option<AccountId>,
    buyer: Currency,
) -> Result<(ListingDetail, SimilarTo), AppError> {
    let Some(row) = repo::find_listing(&state.pool, id).await? else {
        return Err(AppError::NotFound);
    };
    let mine = viewer == Some(row.seller_id);
    if row.status == Status::Draft.as_str() && !mine {
        return Err(AppError::NotFound);
    }
    let catalog = state.catalog().await?;
    let cur = currency(&row.currency);
    let price = Money::new(row.price_minor, cur);
    let mut buyer_prices: Vec<Converted> = Currency::ALL
        .iter()
        .filter(|c| **c != cur)
        .map(|c| Converted {
            price: catalog.from_eur_minor(row.price_eur_minor, *c).rounded(),
            basis: catalog.rate_basis(cur, *c),
        })
        .collect();
    // the buyer's own currency first
    buyer_prices.sort_by_key(|m| m.price.currency != buyer);

    let like = SimilarTo {
        model_id: row.model_id,
        year: row.year,
        price_eur_minor: row.price_eur_minor,
    };

    let mut specs: Vec<(String, String)> = Vec::new();
    let mut spec = |label: &str, value: Option<String>| {
        if let Some(v) = value {
            specs.push((label.to_string(), v));
        }
    };
    spec("Make", row.make.clone());
    spec("Model", row.model.clone());
    spec("First registration", row.year.map(|y| y.to_string()));
    spec(
        "Mileage",
        row.mileage_km
            .map(|km| format!("{} km", group_thousands(km))),
    );
    spec(
        "Fuel",
        label(row.fuel.as_deref(), Fuel::from_slug, Fuel::label),
    );
    spec(
        "Gearbox",
        label(
            row.transmission.as_deref(),
            Transmission::from_slug,
            Transmission::label,
        ),
    );
    spec(
        "Body",
        label(row.body.as_deref(), Body::from_slug, Body::label),
    );
    spec(
        "Power",
        row.power_hp
            .map(|hp| format!("{hp} hp ({} kW)", hp_to_kw(i32::from(hp)))),
    );
    spec(
        "Engine",
        row.engine_cc
            .map(|cc| format!("{} cm³", group_thousands(cc))),
    );
    spec(
        "Colour",
        label(row.colour.as_deref(), Colour::from_slug, Colour::label),
    );
    spec("Doors", row.doors.map(|d| d.to_string()));
    spec("Seats", row.seats.map(|d| d.to_string()));
    spec(
        "Condition",
        label(Some(&row.condition), Condition::from_slug, Condition::label),
    );
    spec("VIN", row.vin.clone());

    let equipment = row
        .equipment
        .iter()
        .map(|slug| {
            catalog
                .equipment
                .iter()
                .find(|e| &e.slug == slug)
                .map_or(slug.clone(), |e| e.name_en.clone())
        })
        .collect();

    let seller_type = SellerType::from_slug(&row.seller_type).unwrap_or(SellerType::Private);
    let detail = ListingDetail {
        id: row.listing_id,
        title: row.title,
        status: Status::from_slug(&row.status).unwrap_or(Status::Published),
        description: row.description,
        price,
        buyer_prices,
        dropped_from: row.previous_price_minor.map(|m| Money::new(m, cur)),
        negotiable: row.negotiable,
        vat: crate::listings::model::Vat::from_slug(&row.vat)
            .map_or(String::new(), |v| v.label().to_string()),
        condition: row.condition,
        seller_type,
        seller_name: if row.seller_name.is_empty() {
            seller_type.label().to_string()
        } else {
            row.seller_name
        },
        seller_phone: row.seller_phone.map(|e164| {
            (
                crate::accounts::profile::phone_for_people(&e164),
                format!("tel:{e164}"),
            )
        }),
        city: row.city,
        city_slug: row.city_slug,
        make: row.make,
        model: row.model,
        year: row.year,
        specs,
        equipment,
        photos: crate::gallery::service::buyer_pictures(state, id).await?,
        history: Vec::new(),
        similar: Vec::new(),
        published: row.published_at.map(crate::format::iso_date),
        updated: crate::format::iso_date(row.updated_at),
        mine,
        url: format!("{}/listings/{id}", state.config.public_url.origin()),
        saved: None,
        compared: false,
    };
    Ok((detail, like))
}
