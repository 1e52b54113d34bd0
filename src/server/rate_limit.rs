//! Requests per minute, per plan (`plan.requests_per_minute`): a signed-in account by its
//! id, anyone else by their address (at the default plan's rate, or
//! `SCOUT_ANONYMOUS_REQUESTS_PER_MINUTE`). Every counted answer carries `X-RateLimit-Limit`,
//! `X-RateLimit-Remaining` and `X-RateLimit-Reset` (seconds until the window starts again);
//! past the limit the answer is 429 with `Retry-After`: the JSON error for a server function,
//! a short page that reloads itself when the wait is over for a page.
//!
//! Counted: pages, server functions and the other routes inside the session layer. Not
//! counted: assets, photos, probes and the Stripe webhook, which sit outside it. The windows
//! live in this process: with several processes behind a balancer each allows the rate.

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
use std::{
    collections::HashMap,
    sync::Mutex,
    time::{Duration, Instant},
};

const WINDOW: Duration = Duration::from_secs(60);
/// How long an account's rate is remembered before its plan is read again.
const PLAN_TTL: Duration = Duration::from_secs(60);

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key {
    Account(AccountId),
    Address(String),
}

struct Window {
    start: Instant,
    count: u32,
}

/// The outcome of counting one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decision {
    pub allowed: bool,
    pub limit: u32,
    pub remaining: u32,
    /// Seconds until the window starts again.
    pub reset_secs: u64,
}

/// Fixed one-minute windows per key, and each account's rate from its plan.
#[derive(Default)]
pub struct RateLimiter {
    windows: Mutex<HashMap<Key, Window>>,
    rates: Mutex<HashMap<Option<AccountId>, (u32, Instant)>>,
}

impl RateLimiter {
    /// Reads `account`'s plan again on its next request (after its plan changed).
    pub fn forget(&self, account: AccountId) {
        self.rates
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&Some(account));
    }

    fn count(&self, key: Key, limit: u32, now: Instant) -> Decision {
        let mut windows = self.windows.lock().unwrap_or_else(|p| p.into_inner());
        if windows.len() > 50_000 {
            windows.retain(|_, w| now.duration_since(w.start) < WINDOW);
        }
        let w = windows.entry(key).or_insert(Window {
            start: now,
            count: 0,
        });
        if now.duration_since(w.start) >= WINDOW {
            *w = Window {
                start: now,
                count: 0,
            };
        }
        let left = WINDOW.saturating_sub(now.duration_since(w.start));
        let reset_secs = left.as_secs() + u64::from(left.subsec_nanos() > 0);
        if w.count >= limit {
            return Decision {
                allowed: false,
                limit,
                remaining: 0,
                reset_secs: reset_secs.max(1),
            };
        }
        w.count += 1;
        Decision {
            allowed: true,
            limit,
            remaining: limit - w.count,
            reset_secs: reset_secs.max(1),
        }
    }

    /// The rate of `account` (None: someone signed out), read from its plan at most once a
    /// minute.
    async fn rate(&self, state: &AppState, account: Option<AccountId>) -> Result<u32, AppError> {
        let now = Instant::now();
        if account.is_none()
            && let Some(rpm) = state.config.anonymous_requests_per_minute
        {
            return Ok(rpm);
        }
        if let Some((rpm, at)) = self
            .rates
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&account)
            && now.duration_since(*at) < PLAN_TTL
        {
            return Ok(*rpm);
        }
        let rpm = match account {
            Some(a) => crate::billing::plans::limits_for(&state.pool, a).await?,
            None => crate::billing::plans::default_limits(&state.pool).await?,
        }
        .requests_per_minute;
        let mut rates = self.rates.lock().unwrap_or_else(|p| p.into_inner());
        if rates.len() > 50_000 {
            rates.retain(|_, (_, at)| now.duration_since(*at) < PLAN_TTL);
        }
        rates.insert(account, (rpm, now));
        Ok(rpm)
    }
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
    let rpm = match state.rate_limiter.rate(&state, account).await {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_window_allows_its_rate_then_refuses_until_it_starts_again() {
        let limiter = RateLimiter::default();
        let t0 = Instant::now();
        let ana = || Key::Address("10.0.0.1".into());
        for n in 1..=3u32 {
            let d = limiter.count(ana(), 3, t0 + Duration::from_secs(u64::from(n)));
            assert!(d.allowed);
            assert_eq!((d.limit, d.remaining), (3, 3 - n));
        }
        let refused = limiter.count(ana(), 3, t0 + Duration::from_secs(20));
        assert_eq!(
            refused,
            Decision {
                allowed: false,
                limit: 3,
                remaining: 0,
                reset_secs: 41
            }
        );
        // another key has its own window
        assert!(
            limiter
                .count(Key::Address("10.0.0.2".into()), 3, t0)
                .allowed
        );
        // a minute after the window began, it starts again
        let again = limiter.count(ana(), 3, t0 + Duration::from_secs(61));
        assert!(again.allowed);
        assert_eq!((again.remaining, again.reset_secs), (2, 60));
    }
}
