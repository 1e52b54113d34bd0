//! Plain HTTP for photos, outside the server-function machinery: the upload takes the file as
//! the raw request body (so the browser can report upload progress and nothing is buffered
//! twice), and `/media/` serves the variants with immutable caching.

use super::{service, store};
use crate::listings::model::ListingId;
use crate::{
    accounts::session::signed_in_account,
    error::AppError,
    server::{security, state::AppState},
};
use axum::{
    Json, Router,
    body::Body,
    extract::{DefaultBodyLimit, Path, State},
    http::{HeaderMap, StatusCode, header},
    middleware::from_fn,
    response::{IntoResponse, Response},
    routing::{get, post},
};
use percent_encoding::percent_decode_str;
use tower_sessions::Session;

/// `X-File-Name`: the picked file's name, percent-encoded (headers are ASCII).
pub const FILE_NAME_HEADER: &str = "x-file-name";

/// Routes that need the session (inside its layer).
pub fn session_routes() -> Router<AppState> {
    // a little over the largest photo, so an oversized one gets our message, not a reset
    let limit = service::limits().max_bytes + 64 * 1024;
    Router::new()
        .route("/api/listings/{id}/photos", post(upload))
        .layer(DefaultBodyLimit::max(limit))
}

/// Routes that don't (outside the session layer: no database round trip per image).
pub fn public_routes() -> Router<AppState> {
    Router::new()
        .route("/media/{*key}", get(media))
        .layer(from_fn(security::immutable_cache))
}

async fn upload(
    State(state): State<AppState>,
    session: Session,
    Path(listing_id): Path<ListingId>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    match upload_inner(&state, &session, listing_id, &headers, body).await {
        Ok(photo) => (StatusCode::CREATED, Json(photo)).into_response(),
        Err(e) => security::error_response(e),
    }
}

async fn upload_inner(
    state: &AppState,
    session: &Session,
    listing_id: ListingId,
    headers: &HeaderMap,
    body: Body,
) -> Result<super::model::SellerPhoto, AppError> {
    let seller_id = signed_in_account(session, &state.pool)
        .await?
        .ok_or_else(|| AppError::unauthorized("Sign in to add photos to your listing."))?;
    let limits = service::limits();
    let too_large = |bytes: usize| {
        service::refused(&super::pipeline::PhotoError::TooLarge {
            bytes,
            max: limits.max_bytes,
        })
    };
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if let Some(length) = declared.filter(|&l| l > limits.max_bytes) {
        return Err(too_large(length));
    }
    // Before a byte of the body is read: is it the caller's listing, with room for a photo?
    service::check_room(state, seller_id, listing_id).await?;
    // And is there room in memory? Uploads hold at most SCOUT_UPLOAD_BUDGET_MB at once.
    let holds = declared.unwrap_or(limits.max_bytes);
    let budget = service::try_reserve(state, holds)?;
    let bytes = axum::body::to_bytes(body, holds)
        .await
        .map_err(|_| too_large(limits.max_bytes + 1))?;
    let file_name = headers
        .get(FILE_NAME_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(|v| percent_decode_str(v).decode_utf8_lossy().into_owned())
        .unwrap_or_default();
    service::upload(state, seller_id, listing_id, &file_name, bytes, budget).await
}

async fn media(State(state): State<AppState>, Path(key): Path<String>) -> Response {
    if !store::is_public_key(&key) {
        return StatusCode::NOT_FOUND.into_response();
    }
    match state.media.get(&key).await {
        Ok(Some(bytes)) => (
            [
                (header::CONTENT_TYPE, "image/webp"),
                (header::CONTENT_DISPOSITION, "inline"),
            ],
            bytes,
        )
            .into_response(),
        Ok(None) => StatusCode::NOT_FOUND.into_response(),
        Err(e) => {
            tracing::error!("media store: {e}");
            StatusCode::SERVICE_UNAVAILABLE.into_response()
        }
    }
}
