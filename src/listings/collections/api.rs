//! What a buyer collects: favorites (signed in, kept in Postgres) and a comparison of 2 to 4
//! listings (anyone, kept in the session, shareable as a link).

use crate::error::AppError;
use crate::listings::model::ListingId;
use crate::listings::wire::ListingCard;
use leptos::{prelude::*, server_fn::codec::GetUrl};
use serde::{Deserialize, Serialize};

/// How many listings can be compared at once.
pub const COMPARE_MAX: usize = 4;

/// One line of the comparison table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CompareRow {
    pub label: String,
    /// One value per listing, in the cards' order ("—" where a listing has none).
    pub values: Vec<String>,
    /// Not every listing has the same value.
    pub differs: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    pub cards: Vec<ListingCard>,
    pub rows: Vec<CompareRow>,
    /// A link that opens this comparison for anyone.
    pub share: String,
}

#[cfg(feature = "ssr")]
mod server {
    use super::*;

    /// The table: price, place and every spec, one column per listing.
    pub fn rows(details: &[crate::listings::wire::ListingDetail]) -> Vec<CompareRow> {
        let mut labels: Vec<String> = vec!["Price".into(), "Location".into(), "Seller".into()];
        for d in details {
            for (label, _) in &d.specs {
                if !labels.contains(label) {
                    labels.push(label.clone());
                }
            }
        }
        labels.push("Equipment".into());
        labels
            .into_iter()
            .map(|label| {
                let values: Vec<String> = details
                    .iter()
                    .map(|d| match label.as_str() {
                        "Price" => d.price.format(),
                        "Location" => d.city.clone(),
                        "Seller" => d.seller_type.label().to_string(),
                        "Equipment" => {
                            if d.equipment.is_empty() {
                                "—".into()
                            } else {
                                d.equipment.join(", ")
                            }
                        }
                        other => d
                            .specs
                            .iter()
                            .find(|(l, _)| l == other)
                            .map_or("—".to_string(), |(_, v)| v.clone()),
                    })
                    .collect();
                let differs = values.windows(2).any(|w| w[0] != w[1]);
                CompareRow {
                    label,
                    values,
                    differs,
                }
            })
            .collect()
    }
}

/// Saves the listing to the caller's favorites, or removes it; true when it is now saved.
#[server(prefix = "/api", endpoint = "listings/favorite")]
pub async fn toggle_favorite(listing_id: ListingId) -> Result<bool, AppError> {
    let state = crate::server::state::AppState::from_context()?;
    let account = crate::accounts::api::current_account_id()
        .await?
        .ok_or_else(|| AppError::unauthorized("Sign in to save favorites."))?;
    if !crate::listings::repo::is_visible(&state.pool, listing_id, account).await? {
        return Err(AppError::NotFound);
    }
    Ok(crate::listings::repo::toggle_favorite(&state.pool, account, listing_id).await?)
}

/// The caller's favorites, newest saved first; sold and archived ones are marked.
#[server(prefix = "/api", endpoint = "listings/favorites", input = GetUrl)]
pub async fn list_favorites() -> Result<Vec<ListingCard>, AppError> {
    let state = crate::server::state::AppState::from_context()?;
    let account = crate::accounts::api::current_account_id()
        .await?
        .ok_or_else(|| AppError::unauthorized("Sign in to see your favorites."))?;
    let catalog = state.catalog().await?;
    let now = time::OffsetDateTime::now_utc();
    let mut cards: Vec<ListingCard> = crate::listings::repo::favorites(&state.pool, account)
        .await?
        .iter()
        .map(|r| crate::listings::cards::card(r, &catalog, &state.media, Default::default(), now))
        .collect();
    crate::listings::cards::annotate(&state, Some(account), &mut cards).await?;
    Ok(cards)
}

/// Adds the listing to this visitor's comparison or takes it out; the new list.
#[server(prefix = "/api", endpoint = "listings/compare_toggle")]
pub async fn toggle_compare(listing_id: ListingId) -> Result<Vec<ListingId>, AppError> {
    let state = crate::server::state::AppState::from_context()?;
    let mut ids = crate::listings::collections::comparison::compared_ids().await?;
    if let Some(i) = ids.iter().position(|id| *id == listing_id) {
        ids.remove(i);
    } else {
        if ids.len() >= COMPARE_MAX {
            return Err(AppError::Conflict {
                message: format!(
                    "You can compare up to {COMPARE_MAX} listings. Remove one from the comparison first."
                ),
            });
        }
        let viewer = crate::accounts::api::current_account_id().await?;
        if crate::listings::repo::cards_by_id(&state.pool, &[listing_id], viewer)
            .await?
            .is_empty()
        {
            return Err(AppError::NotFound);
        }
        ids.push(listing_id);
    }
    crate::listings::collections::comparison::set_compared(&ids).await?;
    Ok(ids)
}

/// The comparison: `ids` ("12,34,56") when given (a shared link), else this visitor's.
#[server(prefix = "/api", endpoint = "listings/compare", input = GetUrl)]
pub async fn compare_listings(ids: Option<String>) -> Result<Comparison, AppError> {
    let state = crate::server::state::AppState::from_context()?;
    let viewer = crate::accounts::api::current_account_id().await?;
    let ids: Vec<ListingId> = match ids.as_deref().filter(|s| !s.trim().is_empty()) {
        Some(list) => list
            .split(',')
            .filter_map(|s| s.trim().parse().ok())
            .take(COMPARE_MAX)
            .collect(),
        None => crate::listings::collections::comparison::compared_ids().await?,
    };
    let mut details = Vec::new();
    for id in &ids {
        match crate::listings::cards::listing_facts(&state, *id, viewer, Default::default()).await {
            Ok((d, _)) => details.push(d),
            Err(AppError::NotFound) => {}
            Err(e) => return Err(e),
        }
    }
    let catalog = state.catalog().await?;
    let now = time::OffsetDateTime::now_utc();
    let found: Vec<ListingId> = details.iter().map(|d| d.id).collect();
    let mut cards: Vec<ListingCard> =
        crate::listings::repo::cards_by_id(&state.pool, &found, viewer)
            .await?
            .iter()
            .map(|r| {
                crate::listings::cards::card(r, &catalog, &state.media, Default::default(), now)
            })
            .collect();
    crate::listings::cards::annotate(&state, viewer, &mut cards).await?;
    let share = format!(
        "{}/compare?ids={}",
        state.config.public_url.origin(),
        found
            .iter()
            .map(ListingId::to_string)
            .collect::<Vec<_>>()
            .join(",")
    );
    Ok(Comparison {
        cards,
        rows: server::rows(&details),
        share,
    })
}
