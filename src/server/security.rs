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

/// Cookie name: with https the `__Host-` prefix makes browsers insist on Secure, path=/ and
/// no Domain, so no sibling subdomain can plant or read it.
pub fn session_cookie_name(https: bool) -> &'static str {
    if https {
        "__Host-scout_session"
    } else {
        "scout_session"
    }
}

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
    let mut res = (status, [(header::CONTENT_TYPE, "application/json")], body).into_response();
    if let Some(secs) = err.retry_after_secs()
        && let Ok(v) = HeaderValue::from_str(&secs.to_string())
    {
        res.headers_mut().insert(header::RETRY_AFTER, v);
    }
    res
}

/// The time a request may take once its headers are in: `SCOUT_REQUEST_TIMEOUT_SECS`, or
/// `SCOUT_UPLOAD_TIMEOUT_SECS` for a photo upload (its body can take minutes on a phone).
/// Past it the work is dropped and the answer is 503 with `Retry-After`.
pub async fn request_deadline(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let upload = req.method() == Method::POST && req.uri().path().ends_with("/photos");
    let limit = if upload {
        state.config.upload_timeout
    } else {
        state.config.request_timeout
    };
    let (method, path) = (
        req.method().clone(),
        loggable_path(req.uri().path()).into_owned(),
    );
    match tokio::time::timeout(limit, next.run(req)).await {
        Ok(res) => res,
        Err(_) => {
            tracing::warn!(%method, path, limit_secs = limit.as_secs(), "request took too long");
            error_response(AppError::Busy {
                message: "That took longer than it should.".into(),
                retry_after_secs: 5,
            })
        }
    }
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
    // On a loopback address (development, the run command with no public URL), also accept
    // the Host the browser used: localhost vs 127.0.0.1 vs [::1]. Never otherwise: a
    // DNS-rebinding page sends its own name as Host, and on a plain-http deployment that
    // would pass.
    let host = get(header::HOST).map(str::to_ascii_lowercase);
    is_loopback(&public.authority)
        && is_loopback(&authority)
        && scheme == public.scheme
        && host.as_deref() == Some(authority.as_str())
}

/// Whether `host[:port]` names this machine (localhost, 127.0.0.0/8, ::1).
fn is_loopback(authority: &str) -> bool {
    let Ok(authority) = authority.parse::<http::uri::Authority>() else {
        return false;
    };
    let host = authority
        .host()
        .trim_start_matches('[')
        .trim_end_matches(']');
    host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

pub async fn csrf_guard(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let safe = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if !safe && !is_same_origin(req.headers(), &state) {
        tracing::warn!(method = %req.method(), path = %loggable_path(req.uri().path()), "cross-origin request refused");
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
    // "Continue with …" (and "Connect" for a marketplace) posts to Scout, which redirects to
    // the provider's sign-in page: a form's redirect counts as its target, so each provider's
    // origin is a form target too
    let providers: String = state
        .config
        .sign_in_providers
        .iter()
        .filter_map(|p| origin_of(p.sign_in_page()))
        .chain(
            state
                .config
                .marketplaces
                .iter()
                .filter_map(|m| origin_of(&m.authorize_url)),
        )
        // choosing a plan and "Manage payment methods" post to Scout, which redirects to
        // Stripe's Checkout and Customer Portal pages
        .chain(
            state
                .config
                .stripe
                .iter()
                .flat_map(|s| s.page_origins())
                .filter_map(|o| origin_of(&o)),
        )
        .map(|(scheme, authority)| format!(" {scheme}://{authority}"))
        .collect();
    let csp = format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self'; img-src 'self' data: blob:{media}; font-src 'self'; connect-src 'self'; \
         manifest-src 'self'; worker-src 'self'; object-src 'none'; base-uri 'none'; \
         form-action 'self'{providers}; frame-ancestors 'none'"
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

/// A client's own `X-Request-Id` is dropped before ours is made: the id in our logs and
/// answers is always one we generated, so nobody can plant text in either.
pub async fn forget_client_request_id(mut req: Request, next: Next) -> Response {
    req.headers_mut().remove("x-request-id");
    next.run(req).await
}

/// Paths whose last part is a secret (an unsubscribe or confirmation token).
const TOKEN_PATHS: [&str; 6] = [
    "/api/unsubscribe/",
    "/unsubscribe/",
    "/confirm-email/",
    "/change-email/",
    "/verify-email/",
    "/reset-password/",
];

/// A request path as the request log writes it: tokens are replaced by `<token>`.
pub fn loggable_path(path: &str) -> std::borrow::Cow<'_, str> {
    match TOKEN_PATHS.iter().find(|p| path.starts_with(*p)) {
        Some(prefix) => format!("{prefix}<token>").into(),
        None => path.into(),
    }
}

/// Pages about the account itself are never kept in a shared or browser cache.
const PRIVATE_PAGES: [&str; 11] = [
    "/settings",
    "/account",
    "/verify-email/",
    "/change-email/",
    "/sign-in",
    "/sign-up",
    "/forgot-password",
    "/reset-password/",
    "/confirm-email/",
    "/unsubscribe/",
    "/api/unsubscribe/",
];

/// The request's cookies as (name, value), in the order sent; a pair without `=` is a name
/// with an empty value.
pub fn cookies(headers: &axum::http::HeaderMap) -> impl Iterator<Item = (&str, &str)> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            (name.trim(), value.trim())
        })
}

/// `Cache-Control: no-store` on every answer to a signed-in request (a page can show signing
/// secrets, alerts, the inbox) and on the account pages, unless the handler chose a policy
/// (content-hashed assets and photos are public and immutable).
pub async fn private_no_store(req: Request, next: Next) -> Response {
    let signed_in = cookies(req.headers())
        .any(|(name, _)| name == session_cookie_name(true) || name == session_cookie_name(false));
    let path = req.uri().path();
    let private = signed_in || PRIVATE_PAGES.iter().any(|p| path.starts_with(p));
    let mut res = next.run(req).await;
    if private && !res.headers().contains_key(header::CACHE_CONTROL) {
        res.headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
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
        if let Some(retry_after_secs) = err.retry_after_secs()
            && let Ok(v) = HeaderValue::from_str(&retry_after_secs.to_string())
        {
            parts.headers.insert(header::RETRY_AFTER, v);
        }
    }
    Response::from_parts(parts, Body::from(bytes))
}

/// What a form error in a URL is tagged for (see `signed_form_errors`).
const FORM_ERROR: &str = "form error in url";

/// The parameters Leptos puts on the page a form without JavaScript returns to.
const FORM_ERROR_PARAMS: [&str; 3] = ["__path", "__err", "__sig"];

/// A form posted without JavaScript comes back to its page with the error in the URL
/// (`__path`, `__err`), and the page shows its message. So that a crafted link can't make a
/// Scout page say anything it likes, the redirect's error is tagged with the secret key
/// (`__sig`), and a page asked for with an error that Scout did not tag is sent to the same
/// URL without it.
pub async fn signed_form_errors(
    State(state): State<AppState>,
    req: Request,
    next: Next,
) -> Response {
    if req.method() == Method::GET
        && let Some(query) = req.uri().query()
    {
        let pairs = query_pairs(query);
        let get = |name: &str| first(&pairs, name);
        if get("__err").is_some() || get("__path").is_some() {
            let data = form_error_data(&pairs);
            let tag = get("__sig").unwrap_or_default();
            if !state.sealer.verify_tag(FORM_ERROR, data.as_bytes(), tag) {
                let rest: String = form_urlencoded::Serializer::new(String::new())
                    .extend_pairs(
                        pairs
                            .iter()
                            .filter(|(k, _)| !FORM_ERROR_PARAMS.contains(&k.as_str())),
                    )
                    .finish();
                let path = req.uri().path();
                let to = if rest.is_empty() {
                    path.to_string()
                } else {
                    format!("{path}?{rest}")
                };
                return (StatusCode::SEE_OTHER, [(header::LOCATION, to)]).into_response();
            }
        }
    }
    let mut res = next.run(req).await;
    let location = res
        .headers()
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .filter(|l| l.contains("__err="))
        .map(str::to_owned);
    if let Some(location) = location {
        let query = location.split_once('?').map(|(_, q)| q).unwrap_or_default();
        let data = form_error_data(&query_pairs(query));
        let tag = state.sealer.tag(FORM_ERROR, data.as_bytes());
        if let Ok(v) = HeaderValue::from_str(&format!("{location}&__sig={tag}")) {
            res.headers_mut().insert(header::LOCATION, v);
        }
    }
    res
}

/// A query string's name/value pairs, decoded.
fn query_pairs(query: &str) -> Vec<(String, String)> {
    form_urlencoded::parse(query.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// The first value of `name`.
fn first<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// What a form error's tag covers: its server function path and the error.
fn form_error_data(pairs: &[(String, String)]) -> String {
    let part = |name| first(pairs, name).unwrap_or_default();
    format!("{}\0{}", part("__path"), part("__err"))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_stay_out_of_the_request_log() {
        assert_eq!(
            loggable_path("/api/unsubscribe/abc123"),
            "/api/unsubscribe/<token>"
        );
        assert_eq!(
            loggable_path("/confirm-email/abc123"),
            "/confirm-email/<token>"
        );
        assert_eq!(loggable_path("/unsubscribe/abc123"), "/unsubscribe/<token>");
        assert_eq!(
            loggable_path("/change-email/abc123"),
            "/change-email/<token>"
        );
        assert_eq!(loggable_path("/listings/42"), "/listings/42");
    }

    #[test]
    fn loopback_means_this_machine() {
        for a in [
            "localhost:3000",
            "127.0.0.1:3000",
            "127.1.2.3",
            "[::1]:8080",
        ] {
            assert!(is_loopback(a), "{a}");
        }
        for a in [
            "scout.example",
            "10.0.0.1:3000",
            "localhost.evil.example",
            "[::2]",
        ] {
            assert!(!is_loopback(a), "{a}");
        }
    }
}
