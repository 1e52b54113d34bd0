//! Server functions for the seller's uploader. The upload itself is plain HTTP
//! (`gallery::http`), so the browser can show its progress. Each checks who is asking; a
//! listing or photo that isn't the caller's answers 404.

use super::model::SellerPhotos;
use crate::error::AppError;
use crate::listings::model::ListingId;
use leptos::{prelude::*, server_fn::codec::GetUrl};

#[cfg(feature = "ssr")]
const SIGN_IN: &str = "Sign in to manage your listing's photos.";

#[cfg(feature = "ssr")]
fn photo_id(id: &str) -> Result<uuid::Uuid, AppError> {
    uuid::Uuid::parse_str(id).map_err(|_| AppError::NotFound)
}

/// The caller's photos of their listing, in order.
#[server(prefix = "/api", endpoint = "photos/list", input = GetUrl)]
pub async fn list_photos(listing_id: ListingId) -> Result<SellerPhotos, AppError> {
    let (state, seller_id) = crate::accounts::api::signed_in(SIGN_IN).await?;
    super::service::seller_photos(&state, seller_id, listing_id).await
}

/// Puts the caller's photos in this order; the first is the cover.
#[server(prefix = "/api", endpoint = "photos/reorder")]
pub async fn reorder_photos(listing_id: ListingId, order: Vec<String>) -> Result<(), AppError> {
    let (state, seller_id) = crate::accounts::api::signed_in(SIGN_IN).await?;
    super::service::reorder(&state, seller_id, listing_id, &order).await
}

/// Deletes one of the caller's photos and its files.
#[server(prefix = "/api", endpoint = "photos/delete")]
pub async fn delete_photo(photo_id: String) -> Result<(), AppError> {
    let (state, seller_id) = crate::accounts::api::signed_in(SIGN_IN).await?;
    super::service::delete(&state, seller_id, self::photo_id(&photo_id)?).await
}
