//! The rate limit as a layer: which key and rate a request has, the headers, the 429s
//! (`server::rate_limit` keeps the windows; the rules are described there).

use super::rate_limit::{Decision, Key, RateLimiter};
use crate::{
    accounts::model::AccountId,
    error::AppError,
    server::state::{AppState, ClientIp},
};
use axum::{
    extract::{Request, State},
    http::{HeaderValue, Method, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};
use std::time::Instant;

/// The rate of `account` (None: someone signed out), read from its plan at most once a
/// minute.
async fn rate(
    limiter: &RateLimiter,
    state: &AppState,
    account: Option<AccountId>,
) -> Result<u32, AppError> {
    if account.is_none()
        && let Some(rpm) = state.config.anonymous_requests_per_minute
    {
        return Ok(rpm);
    }
    let now = Instant::now();
    if let Some(rpm) = limiter.cached_rate(account, now) {
        return Ok(rpm);
    }
    let rpm = match account {
        Some(a) => crate::billing::plans::limits_for(&state.pool, a).await?,
        None => crate::billing::plans::default_limits(&state.pool).await?,
    }
    .requests_per_minute;
    limiter.remember_rate(account, rpm, now);
    Ok(rpm)
}

fn set(res: &mut Response, d: Decision) {
    let h = res.headers_mut();
    for (name, value) in [
        ("x-ratelimit-limit", d.limit.to_string()),
        ("x-ratelimit-remaining", d.remaining.to_string()),
        ("x-ratelimit-reset", d.reset_secs.to_string()),
    ] {
        if let Ok(v) = HeaderValue::from_str(&value) {
            h.insert(name, v);
        }
    }
}

/// The page a browser gets for a page past the limit: it says how long to wait and reloads
/// itself then (no script: the page's CSP allows none inline).
fn too_many_page(secs: u64) -> Response {
    let wait = crate::format::human_duration(secs);
    let body = format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <meta http-equiv=\"refresh\" content=\"{secs}\"><title>One moment · Scout</title></head>\
         <body><main><h1>One moment</h1><p role=\"status\">You've opened more pages in the last \
         minute than your plan allows. This page tries again by itself in {wait}.</p>\
         <p><a href=\"/pricing\">See plans with a higher rate</a></p></main></body></html>"
    );
    let mut res = (
        StatusCode::TOO_MANY_REQUESTS,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        body,
    )
        .into_response();
    if let Ok(v) = HeaderValue::from_str(&secs.to_string()) {
        res.headers_mut().insert(header::RETRY_AFTER, v);
    }
    res
}

/// The middleware: counts the request against its key's window, answers 429 past it, and
/// puts the rate-limit headers on every answer it counted.
pub async fn rate_limit(State(state): State<AppState>, req: Request, next: Next) -> Response {
    // the account the session names (not re-checked here: the handler does that; a session
    // ended elsewhere only ever counts against its own account)
    let account = match req.extensions().get::<tower_sessions::Session>() {
        Some(session) => session
            .get::<AccountId>(crate::accounts::session::ACCOUNT_ID)
            .await
            .ok()
            .flatten(),
        None => None,
    };
    let rpm = match rate(&state.rate_limiter, &state, account).await {
        Ok(rpm) => rpm,
        // the plan could not be read (the database is down): the request goes on and meets
        // the same trouble with its own error
        Err(_) => return next.run(req).await,
    };
    let key = match account {
        Some(a) => Key::Account(a),
        None => Key::Address(
            req.extensions()
                .get::<ClientIp>()
                .map_or_else(|| "unknown".to_string(), |ip| ip.0.clone()),
        ),
    };
    let d = state.rate_limiter.count(key, rpm, Instant::now());
    if !d.allowed {
        tracing::info!(
            account = ?account.map(|a| a.0),
            limit = d.limit,
            "rate limit reached"
        );
        let page = req.method() == Method::GET
            && req
                .headers()
                .get(header::ACCEPT)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|a| a.contains("text/html"));
        let mut res = if page {
            too_many_page(d.reset_secs)
        } else {
            crate::server::security::error_response(AppError::RateLimited {
                retry_after_secs: d.reset_secs,
            })
        };
        set(&mut res, d);
        return res;
    }
    let mut res = next.run(req).await;
    set(&mut res, d);
    res
}
