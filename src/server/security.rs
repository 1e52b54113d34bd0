//! Request guards and response headers that apply to every route.
//!
//! - `client_ip`: who is connecting (socket address, or `X-Forwarded-For` behind a trusted proxy).
//! - `csrf_guard`: every state-changing request must come from our own origin (Origin, or
//!   Referer when Origin is absent, must match; `Sec-Fetch-Site` must not say cross-site).
//!   We check the origin rather than use tokens: it protects server-function calls and
//!   no-JS form posts alike, needs no per-form state, and every browser that can run Scout
//!   sends Origin on POST. Session cookies are also SameSite=Lax.
//! - `security_headers`: a per-request CSP nonce (the hydration script carries it), nosniff,
//!   referrer policy, frame-ancestors, HSTS over https.
//! - `map_server_fn_error_status`: Leptos answers every server-function error with 500; this
//!   reads the encoded `AppError` and answers with its own status, in one place.

use crate::{
    error::AppError,
    server::state::{AppState, ClientIp},
};
use axum::{
    body::{Body, to_bytes},
    extract::{ConnectInfo, Request, State},
    http::{HeaderValue, Method, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};
use base64::Engine;
use rand::RngCore;
use std::net::SocketAddr;

/// The CSP nonce of this response, read by the HTML shell.
#[derive(Debug, Clone)]
pub struct CspNonce(pub String);

pub async fn client_ip(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let forwarded = state
        .config
        .trust_proxy
        .then(|| {
            req.headers()
                .get("x-forwarded-for")
                .and_then(|v| v.to_str().ok())
                // the entry our own proxy appended is the last one
                .and_then(|v| v.rsplit(',').next())
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        })
        .flatten();
    let ip = forwarded
        .or_else(|| {
            req.extensions()
                .get::<ConnectInfo<SocketAddr>>()
                .map(|ci| ci.0.ip().to_string())
        })
        .unwrap_or_else(|| "unknown".to_string());
    req.extensions_mut().insert(ClientIp(ip));
    next.run(req).await
}

/// An `AppError` as the body of a non-2xx answer, the way server functions encode it, so
/// the browser side shows the message.
pub fn error_response(err: AppError) -> Response {
    let status = StatusCode::from_u16(err.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let body = serde_json::to_string(&err).unwrap_or_else(|_| "{}".into());
    (status, [(header::CONTENT_TYPE, "application/json")], body).into_response()
}

fn origin_of(url: &str) -> Option<(String, String)> {
    let uri: http::Uri = url.parse().ok()?;
    Some((
        uri.scheme_str()?.to_ascii_lowercase(),
        uri.authority()?.as_str().to_ascii_lowercase(),
    ))
}

/// Whether a state-changing request comes from our own pages.
pub fn is_same_origin(req_headers: &http::HeaderMap, state: &AppState) -> bool {
    let get = |name: header::HeaderName| req_headers.get(name).and_then(|v| v.to_str().ok());
    if get(header::HeaderName::from_static("sec-fetch-site"))
        .is_some_and(|site| site != "same-origin" && site != "none")
    {
        return false;
    }
    let claimed = match get(header::ORIGIN) {
        Some("null") => return false,
        Some(origin) => origin_of(origin),
        None => get(header::REFERER).and_then(origin_of),
    };
    let Some((scheme, authority)) = claimed else {
        return false;
    };
    let public = &state.config.public_url;
    if scheme == public.scheme && authority == public.authority {
        return true;
    }
    // Also accept the Host the browser used (e.g. localhost vs 127.0.0.1 in development),
    // which a cross-site page cannot choose. With https configured, plain http never passes.
    let host = get(header::HOST).map(str::to_ascii_lowercase);
    let scheme_ok = scheme == public.scheme || (!public.is_https() && scheme == "http");
    scheme_ok && host.as_deref() == Some(authority.as_str())
}

pub async fn csrf_guard(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let safe = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if !safe && !is_same_origin(req.headers(), &state) {
        tracing::warn!(method = %req.method(), path = %req.uri().path(), "cross-origin request refused");
        return error_response(AppError::forbidden(
            "This request did not come from a Scout page, so it was refused. Reload the page and try again.",
        ));
    }
    next.run(req).await
}

pub async fn security_headers(
    State(state): State<AppState>,
    mut req: Request,
    next: Next,
) -> Response {
    let mut bytes = [0u8; 18];
    rand::thread_rng().fill_bytes(&mut bytes);
    let nonce = base64::engine::general_purpose::STANDARD.encode(bytes);
    req.extensions_mut().insert(CspNonce(nonce.clone()));
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    // photos may come from SCOUT_MEDIA_URL (a CDN or the bucket)
    let media = state
        .config
        .media_url
        .as_deref()
        .and_then(origin_of)
        .map(|(scheme, authority)| format!(" {scheme}://{authority}"))
        .unwrap_or_default();
    let csp = format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self'; img-src 'self' data: blob:{media}; font-src 'self'; connect-src 'self'; \
         manifest-src 'self'; worker-src 'self'; object-src 'none'; base-uri 'none'; \
         form-action 'self'; frame-ancestors 'none'"
    );
    if let Ok(v) = HeaderValue::from_str(&csp) {
        h.insert(header::CONTENT_SECURITY_POLICY, v);
    }
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("strict-origin-when-cross-origin"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::HeaderName::from_static("cross-origin-opener-policy"),
        HeaderValue::from_static("same-origin"),
    );
    if state.config.public_url.is_https() {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        );
    }
    res
}

/// Gives server-function errors their real status (see the module docs).
pub async fn map_server_fn_error_status(req: Request, next: Next) -> Response {
    let res = next.run(req).await;
    if res.status() != StatusCode::INTERNAL_SERVER_ERROR
        || !res.headers().contains_key("serverfnerror")
    {
        return res;
    }
    let (mut parts, body) = res.into_parts();
    let Ok(bytes) = to_bytes(body, 64 * 1024).await else {
        return error_response(AppError::Internal { request_id: None });
    };
    if let Ok(err) = serde_json::from_slice::<AppError>(&bytes) {
        if let Ok(status) = StatusCode::from_u16(err.status()) {
            parts.status = status;
        }
        if let AppError::RateLimited { retry_after_secs } = err
            && let Ok(v) = HeaderValue::from_str(&retry_after_secs.to_string())
        {
            parts.headers.insert(header::RETRY_AFTER, v);
        }
    }
    Response::from_parts(parts, Body::from(bytes))
}

/// Long-lived caching for content-hashed assets under /pkg.
pub async fn immutable_cache(req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    if res.status().is_success() {
        res.headers_mut().insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static("public, max-age=31536000, immutable"),
        );
    }
    res
}
