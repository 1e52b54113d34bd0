//! `POST /stripe/webhook`: Stripe's events. A plain axum route on the raw body (the signature
//! is over the exact bytes), outside the cross-site check and the session layer (Stripe's
//! servers send it; the signature is its authentication). A refused delivery (no or a bad
//! signature, an unreadable body) is answered 400 and changes nothing; one Scout could not
//! apply (Stripe or the database not answering) is answered 5xx, so Stripe delivers it again.

use super::{signature, sync};
use crate::{error::AppError, server::security::error_response, server::state::AppState};
use axum::{
    Router,
    body::Bytes,
    extract::{DefaultBodyLimit, State},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    routing::post,
};
use serde::Deserialize;

/// The route; mounted outside the cross-site check.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/stripe/webhook", post(receive))
        // Stripe's events are a few KB; far more is not Stripe
        .layer(DefaultBodyLimit::max(512 * 1024))
}

#[derive(Deserialize)]
struct Envelope {
    id: String,
    #[serde(rename = "type")]
    kind: String,
    data: Data,
}

#[derive(Deserialize)]
struct Data {
    object: Object,
}

#[derive(Deserialize)]
struct Object {
    id: Option<String>,
}

fn refused(message: &str) -> Response {
    (
        StatusCode::BAD_REQUEST,
        axum::Json(AppError::Transport {
            message: message.to_string(),
        }),
    )
        .into_response()
}

async fn receive(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let (Some(config), Some(stripe)) = (state.config.stripe.as_ref(), state.stripe.clone()) else {
        return error_response(AppError::NotFound);
    };
    let header = headers
        .get("stripe-signature")
        .and_then(|v| v.to_str().ok());
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    if let Err(why) = signature::verify(header, &body, &config.webhook_secrets, now) {
        tracing::warn!("a Stripe webhook was refused: {why}");
        return refused(&format!("the delivery was refused: {why}"));
    }
    let event: Envelope = match serde_json::from_slice(&body) {
        Ok(e) => e,
        Err(e) => {
            tracing::warn!("a signed Stripe webhook could not be read: {e}");
            return refused("the event could not be read");
        }
    };
    let object_id = event.data.object.id.unwrap_or_default();
    match sync::apply_event(&state, &stripe, &event.id, &event.kind, &object_id).await {
        Ok(()) => (
            StatusCode::OK,
            axum::Json(serde_json::json!({ "received": true })),
        )
            .into_response(),
        Err(e) => {
            tracing::warn!(
                event = event.id,
                kind = event.kind,
                "a Stripe event was not applied (Stripe will deliver it again): {e}"
            );
            error_response(e)
        }
    }
}
