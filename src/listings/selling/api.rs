//! Server functions for sellers: create and edit listings, publish, mark sold, archive,
//! delete, and the "My listings" overview. Every one checks who is asking; a listing that
//! isn't the caller's answers 404, exactly as one that doesn't exist.

#[cfg(feature = "ssr")]
use crate::accounts::{api::signed_in, model::AccountId};
use crate::error::AppError;
use crate::listings::model::ListingId;
use crate::listings::{model::Status, selling::form::ListingForm, wire::ListingCard};
use leptos::{prelude::*, server_fn::codec::GetUrl};
use serde::{Deserialize, Serialize};

/// The seller's listings in one status, and how many they have in each.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MyListings {
    pub tab: Status,
    pub counts: Vec<(Status, i64)>,
    pub listings: Vec<ListingCard>,
}

/// A listing's edit form: what was typed last time (or what is stored) and its status.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EditForm {
    pub listing_id: Option<ListingId>,
    pub status: Status,
    pub form: ListingForm,
    /// Field errors of a submit without JavaScript, carried over with what was typed.
    pub errors: crate::error::FieldErrors,
    /// The listing's photos (None for a new listing: photos come once it is saved).
    pub photos: Option<crate::gallery::model::SellerPhotos>,
}

#[cfg(feature = "ssr")]
mod server {
    use super::*;
    use crate::{
        billing::plans::{self, Quota},
        error::FieldErrors,
        listings::{cards, catalog::Catalog, repo},
        server::state::AppState,
    };

    /// What a signed-out person is asked to sign in for.
    pub const SIGN_IN_TO_SELL: &str = "Sign in to sell and manage your listings.";

    /// The name the Sell form's no-JavaScript retries are kept under (`server::forms`).
    pub const FORM: &str = "listing";

    /// The ids and coordinates a draft's slugs stand for.
    pub struct Places {
        pub city_id: i32,
        pub latitude: f64,
        pub longitude: f64,
        pub make_id: Option<i32>,
        pub model_id: Option<i32>,
    }

    /// Turns slugs into ids; unknown ones are field errors.
    pub fn resolve_places(
        catalog: &Catalog,
        draft: &crate::listings::selling::form::ListingDraft,
    ) -> Result<Places, FieldErrors> {
        let mut e = FieldErrors::new();
        let city = catalog.city(&draft.city);
        if city.is_none() {
            e.insert("city".into(), "Choose a city from the list.".into());
        }
        let make = draft.make.as_deref().and_then(|slug| {
            let m = catalog.make(slug);
            if m.is_none() {
                e.insert("make".into(), "Choose a make from the list.".into());
            }
            m
        });
        let model = draft.model.as_deref().and_then(|slug| {
            let m = catalog.model(slug);
            if m.is_none() {
                e.insert("model".into(), "Choose a model from the list.".into());
            }
            m
        });
        if let (Some(make), Some(model)) = (make, model)
            && model.make_id != make.make_id
        {
            e.insert(
                "model".into(),
                format!(
                    "{} is not a {} model: choose one of the {} models.",
                    model.name, make.name, make.name
                ),
            );
        }
        if model.is_some() && make.is_none() && !e.contains_key("make") {
            e.insert("make".into(), "Choose the make too.".into());
        }
        // only what the catalogue lists: each value is an index entry on every server
        let unknown: Vec<&str> = draft
            .equipment
            .iter()
            .filter(|slug| !catalog.equipment.iter().any(|k| &k.slug == *slug))
            .map(String::as_str)
            .collect();
        if !unknown.is_empty() {
            let named: Vec<String> = unknown.iter().take(3).map(|u| format!("\"{u}\"")).collect();
            let more = unknown.len().saturating_sub(3);
            e.insert(
                "equipment".into(),
                format!(
                    "Choose equipment from the list: {}{} {} not in it.",
                    named.join(", "),
                    if more > 0 {
                        format!(" and {more} more")
                    } else {
                        String::new()
                    },
                    if unknown.len() == 1 { "is" } else { "are" }
                ),
            );
        }
        match (city, e.is_empty()) {
            (Some(c), true) => Ok(Places {
                city_id: c.city_id,
                latitude: c.latitude,
                longitude: c.longitude,
                make_id: make.map(|m| m.make_id),
                model_id: model.map(|m| m.model_id),
            }),
            _ => Err(e),
        }
    }

    pub async fn save(
        state: &AppState,
        seller_id: AccountId,
        listing_id: Option<ListingId>,
        form: &ListingForm,
    ) -> Result<(ListingId, String), AppError> {
        let this_year = time::OffsetDateTime::now_utc().year();
        let draft = form.parse(this_year).map_err(AppError::invalid)?;
        let catalog = state.catalog().await?;
        let Places {
            city_id,
            latitude,
            longitude,
            make_id,
            model_id,
        } = resolve_places(&catalog, &draft).map_err(AppError::invalid)?;
        let w = repo::ListingWrite {
            category: if draft.vehicle { "vehicle" } else { "other" },
            title: &draft.title,
            description: &draft.description,
            price_minor: draft.price.minor,
            currency: draft.price.currency.code(),
            negotiable: draft.negotiable,
            vat: draft.vat.as_str(),
            condition: draft.condition.as_str(),
            seller_type: draft.seller_type.as_str(),
            city_id,
            latitude,
            longitude,
            make_id,
            model_id,
            year: draft.year,
            mileage_km: draft.mileage_km,
            fuel: draft.fuel.map(|v| v.as_str()),
            transmission: draft.transmission.map(|v| v.as_str()),
            body: draft.body.map(|v| v.as_str()),
            power_hp: draft.power_hp,
            engine_cc: draft.engine_cc,
            colour: draft.colour.map(|v| v.as_str()),
            doors: draft.doors,
            seats: draft.seats,
            vin: draft.vin.as_ref().map(|v| v.as_str()),
            equipment: &draft.equipment,
        };
        let mut tx = state.pool.begin().await?;
        if draft.publish {
            room_to_publish(state, &mut tx, seller_id, listing_id).await?;
        }
        let (id, status) = match listing_id {
            None => (
                repo::insert_listing(&mut *tx, seller_id, &w, draft.publish).await?,
                if draft.publish { "published" } else { "draft" }.to_string(),
            ),
            Some(id) => {
                match repo::update_listing(&mut *tx, id, seller_id, &w, draft.publish).await? {
                    Some(status) => (id, status),
                    None => return Err(AppError::NotFound),
                }
            }
        };
        if status == "published" {
            repo::learn_words(&mut *tx, id).await?;
        }
        tx.commit().await?;
        state.listings_changed(vec![id]).await;
        Ok((id, status))
    }

    /// Refuses (402) publishing `listing_id` (a new listing: None) when the seller's plan
    /// allows no more published listings. Holds the seller's account lock for the rest of
    /// `tx`, so two publishes at once can't both take the last place.
    pub async fn room_to_publish(
        state: &AppState,
        tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
        seller_id: AccountId,
        listing_id: Option<ListingId>,
    ) -> Result<(), AppError> {
        crate::accounts::repo::lock_account(tx, seller_id).await?;
        let (others, this_one) = repo::published_besides(&mut **tx, seller_id, listing_id).await?;
        let most = plans::limits_for(&mut **tx, seller_id)
            .await?
            .active_listings;
        if this_one || others < most {
            return Ok(());
        }
        Err(plans::refusal(&state.pool, seller_id, Quota::ActiveListings, others).await?)
    }

    pub async fn my_listings(
        state: &AppState,
        seller_id: AccountId,
        tab: Status,
    ) -> Result<MyListings, AppError> {
        let catalog = state.catalog().await?;
        let counted = repo::count_by_status(&state.pool, seller_id).await?;
        let counts = Status::ALL
            .iter()
            .map(|s| {
                (
                    *s,
                    counted
                        .iter()
                        .find(|(k, _)| k == s.as_str())
                        .map_or(0, |(_, n)| *n),
                )
            })
            .collect();
        let now = time::OffsetDateTime::now_utc();
        let listings = repo::seller_listings(&state.pool, seller_id, tab.as_str())
            .await?
            .iter()
            .map(|r| {
                cards::card(
                    r,
                    &catalog,
                    &state.media,
                    crate::listings::model::Currency::default(),
                    now,
                )
            })
            .collect();
        Ok(MyListings {
            tab,
            counts,
            listings,
        })
    }

    pub fn form_from_row(r: repo::EditRow) -> (Status, ListingForm) {
        let s = |v: Option<String>| v.unwrap_or_default();
        let n = |v: Option<i64>| v.map(|v| v.to_string()).unwrap_or_default();
        let status = Status::from_slug(&r.status).unwrap_or(Status::Draft);
        let price = crate::listings::model::Money::new(
            r.price_minor,
            crate::listings::model::Currency::parse(&r.currency).unwrap_or_default(),
        );
        let form = ListingForm {
            category: r.category,
            title: r.title,
            description: r.description,
            price: if price.minor % 100 == 0 {
                (price.minor / 100).to_string()
            } else {
                format!("{}.{:02}", price.minor / 100, price.minor % 100)
            },
            currency: r.currency,
            negotiable: r.negotiable.then(|| "on".to_string()),
            vat: r.vat,
            condition: r.condition,
            seller_type: r.seller_type,
            city: r.city,
            make: s(r.make),
            model: s(r.model),
            year: n(r.year.map(i64::from)),
            mileage_km: n(r.mileage_km.map(i64::from)),
            fuel: s(r.fuel),
            transmission: s(r.transmission),
            body: s(r.body),
            power_hp: n(r.power_hp.map(i64::from)),
            engine_cc: n(r.engine_cc.map(i64::from)),
            colour: s(r.colour),
            doors: n(r.doors.map(i64::from)),
            seats: n(r.seats.map(i64::from)),
            vin: s(r.vin),
            equipment: r.equipment,
            intent: String::new(),
        };
        (status, form)
    }
}

/// Creates (no `listing_id`) or updates a listing. `input.intent == "publish"` publishes a
/// draft; otherwise a new listing is saved as a draft and an existing one keeps its status.
/// Goes on to "My listings" on the listing's tab, or with `intent == "photos"` to the
/// listing's edit page, where photos are added.
#[server(prefix = "/api", endpoint = "listings/save")]
pub async fn save_listing(
    listing_id: Option<ListingId>,
    input: ListingForm,
) -> Result<ListingId, AppError> {
    let (state, seller_id) = signed_in(server::SIGN_IN_TO_SELL).await?;
    match server::save(&state, seller_id, listing_id, &input).await {
        Ok((id, status)) => {
            tracing::info!(listing_id = %id, %status, "listing saved");
            if input.intent == "photos" {
                leptos_axum::redirect(&format!("/my-listings/{id}/edit#photos"));
            } else {
                leptos_axum::redirect(&format!("/my-listings?tab={status}"));
            }
            Ok(id)
        }
        Err(e) => {
            // what was typed comes back with the refusal: a field's error, or the plan's
            // (publishing past the quota keeps the form as it was)
            let fields = match &e {
                AppError::Invalid { fields, .. } => Some(fields.clone()),
                AppError::PlanLimit { .. } => Some(crate::error::FieldErrors::new()),
                _ => None,
            };
            if let Some(fields) = fields {
                crate::server::forms::keep_for_retry(server::FORM, &listing_id, &input, &fields)
                    .await?;
            }
            Err(e)
        }
    }
}

/// Publishes, marks sold, archives or takes back to draft the caller's listing.
#[server(prefix = "/api", endpoint = "listings/set_status")]
pub async fn set_listing_status(listing_id: ListingId, status: String) -> Result<(), AppError> {
    let to = Status::from_slug(&status)
        .ok_or_else(|| AppError::invalid_field("status", "Unknown status."))?;
    let (state, seller_id) = signed_in(server::SIGN_IN_TO_SELL).await?;
    let from = crate::listings::repo::owned_status(&state.pool, listing_id, seller_id)
        .await?
        .and_then(|s| Status::from_slug(&s))
        .ok_or(AppError::NotFound)?;
    if !from.can_become(to) {
        return Err(AppError::Conflict {
            message: format!(
                "A {} listing can't be {}.",
                from.label().to_lowercase(),
                to.past_tense()
            ),
        });
    }
    let mut tx = state.pool.begin().await?;
    if to == Status::Published {
        server::room_to_publish(&state, &mut tx, seller_id, Some(listing_id)).await?;
    }
    match crate::listings::repo::set_status(&mut *tx, listing_id, seller_id, to.as_str()).await {
        Ok(true) => {}
        Ok(false) => return Err(AppError::NotFound),
        Err(sqlx::Error::Database(e))
            if e.constraint() == Some("listing_published_vehicle_complete") =>
        {
            return Err(AppError::invalid_field(
                "status",
                "Add the make, model, year, mileage, fuel and gearbox before publishing: edit the listing.",
            ));
        }
        Err(e) => return Err(e.into()),
    }
    if to == Status::Published {
        crate::listings::repo::learn_words(&mut *tx, listing_id).await?;
    }
    tx.commit().await?;
    state.listings_changed(vec![listing_id]).await;
    tracing::info!(
        %listing_id,
        from = from.as_str(),
        to = to.as_str(),
        "listing status changed"
    );
    leptos_axum::redirect(&format!("/my-listings?tab={}", to.as_str()));
    Ok(())
}

/// Deletes the caller's listing for good (its price history and favorites go with it).
#[server(prefix = "/api", endpoint = "listings/delete")]
pub async fn delete_listing(listing_id: ListingId) -> Result<(), AppError> {
    let (state, seller_id) = signed_in(server::SIGN_IN_TO_SELL).await?;
    let files = crate::gallery::service::listing_files(&state, listing_id).await?;
    let status = crate::listings::repo::delete_listing(&state.pool, listing_id, seller_id)
        .await?
        .ok_or(AppError::NotFound)?;
    state.listings_changed(vec![listing_id]).await;
    if let Err(e) = state.media.delete(&files).await {
        tracing::warn!(
            %listing_id,
            "could not delete a deleted listing's photo files: {e}"
        );
    }
    tracing::info!(%listing_id, "listing deleted");
    leptos_axum::redirect(&format!("/my-listings?tab={status}"));
    Ok(())
}

/// The caller's listings on one tab (a status), with counts for every tab.
#[server(prefix = "/api", endpoint = "listings/mine", input = GetUrl)]
pub async fn list_my_listings(tab: Option<String>) -> Result<MyListings, AppError> {
    let tab = tab
        .as_deref()
        .and_then(Status::from_slug)
        .unwrap_or(Status::Published);
    let (state, seller_id) = signed_in(server::SIGN_IN_TO_SELL).await?;
    server::my_listings(&state, seller_id, tab).await
}

/// The form to edit the caller's listing, or a new one (`listing_id` None). After a failed
/// submit without JavaScript it holds what was typed and the errors.
#[server(prefix = "/api", endpoint = "listings/edit_form", input = GetUrl)]
pub async fn load_listing_form(listing_id: Option<ListingId>) -> Result<EditForm, AppError> {
    let (state, seller_id) = signed_in(server::SIGN_IN_TO_SELL).await?;
    let (status, stored) = match listing_id {
        Some(id) => {
            let row = crate::listings::repo::find_for_edit(&state.pool, id, seller_id)
                .await?
                .ok_or(AppError::NotFound)?;
            server::form_from_row(row)
        }
        None => (
            Status::Draft,
            ListingForm {
                currency: crate::listings::model::Currency::default().code().into(),
                ..ListingForm::default()
            },
        ),
    };
    let (form, errors) = match crate::server::forms::take_retry(server::FORM, &listing_id).await? {
        Some((typed, errors)) => (typed, errors),
        None => (stored, Default::default()),
    };
    let photos = match listing_id {
        Some(id) => Some(crate::gallery::service::seller_photos(&state, seller_id, id).await?),
        None => None,
    };
    Ok(EditForm {
        listing_id,
        status,
        form,
        errors,
        photos,
    })
}
