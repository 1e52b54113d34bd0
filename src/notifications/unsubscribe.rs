//! RFC 8058 one-click unsubscribe: mail providers POST `List-Unsubscribe=One-Click` to the
//! URL in the `List-Unsubscribe` header, from their own servers (no cookie, no Origin), so
//! this route sits outside the cross-site check; the random token in the URL is the
//! permission. A GET (a person, a link scanner) changes nothing: it goes to the page that asks.

use crate::server::{security::error_response, state::AppState};
use axum::{
    Router,
    extract::{Path, State},
    response::{IntoResponse, Redirect, Response},
    routing::get,
};

async fn one_click(State(state): State<AppState>, Path(token): Path<String>) -> Response {
    match super::settings::unsubscribe(&state, &token).await {
        Ok(what) => {
            format!("Unsubscribed: Scout will not email you about {what} any more.").into_response()
        }
        Err(e) => error_response(e),
    }
}

async fn ask(Path(token): Path<String>) -> Redirect {
    let token: String = token
        .chars()
        .filter(|c| c.is_ascii_hexdigit() || *c == '-')
        .collect();
    Redirect::to(&format!("/unsubscribe/{token}"))
}

pub fn routes() -> Router<AppState> {
    Router::new().route("/api/unsubscribe/{token}", get(ask).post(one_click))
}
