//! Which language a request is served in, and the language switch (`POST /lang`).
//!
//! In order: the session's language (a signed-in person's setting, or what this browser chose
//! before signing in), the `scout_lang` cookie the switch sets, the browser's
//! `Accept-Language`, Bulgarian. A choice made before signing in becomes the person's setting
//! when they sign in (`crate::accounts::session::begin`).

use crate::{
    accounts::session::{LANG as SESSION_LANG, signed_in_account},
    error::AppError,
    i18n::{LANG_COOKIE, Locale, RequestLocale},
    server::{security, state::AppState},
};
use axum::{
    Extension, Form, Router,
    extract::{Request, State},
    http::{HeaderMap, header},
    middleware::Next,
    response::{AppendHeaders, IntoResponse, Redirect, Response},
    routing::post,
};
use std::str::FromStr;
// `as_str`, `from_str` and the rest of leptos_i18n's locale trait
use leptos_i18n::Locale as _;
use tower_sessions::Session;

/// A year: the switch's choice outlives sessions.
const COOKIE_MAX_AGE_SECS: u32 = 365 * 24 * 3600;

/// Resolves the request's language into a `RequestLocale` extension (read by the shell, the
/// pages and server functions).
pub async fn resolve(session: Session, mut req: Request, next: Next) -> Response {
    let from_session = session
        .get::<String>(SESSION_LANG)
        .await
        .ok()
        .flatten()
        .and_then(|l| Locale::from_str(&l).ok());
    let locale = from_session
        .or_else(|| cookie_locale(req.headers()))
        .or_else(|| {
            req.headers()
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .and_then(accept_language)
        })
        .unwrap_or_default();
    req.extensions_mut().insert(RequestLocale(locale));
    next.run(req).await
}

/// The language in the `scout_lang` cookie, if it names one Scout has.
fn cookie_locale(headers: &HeaderMap) -> Option<Locale> {
    security::cookies(headers)
        .find(|(name, _)| *name == LANG_COOKIE)
        .and_then(|(_, value)| Locale::from_str(value).ok())
}

/// The language of Scout's the browser prefers most (RFC 9110 §12.5.4): by quality, then by
/// order; `bg-BG` counts as `bg`, `*` and a quality of 0 name none.
pub fn accept_language(header: &str) -> Option<Locale> {
    let mut best: Option<(u16, Locale)> = None;
    for item in header.split(',') {
        let mut parts = item.split(';');
        let tag = parts.next().unwrap_or("").trim();
        let quality = parts
            .filter_map(|p| p.trim().strip_prefix("q="))
            .next()
            .map_or(Some(1000), quality_millis);
        let Some(quality) = quality else { continue };
        if quality == 0 {
            continue;
        }
        let primary = tag.split('-').next().unwrap_or("").to_ascii_lowercase();
        let Ok(locale) = Locale::from_str(&primary) else {
            continue;
        };
        if best.is_none_or(|(q, _)| quality > q) {
            best = Some((quality, locale));
        }
    }
    best.map(|(_, l)| l)
}

/// A quality value (`0`, `0.8`, `1.000`) in thousandths; None if malformed.
fn quality_millis(q: &str) -> Option<u16> {
    let (whole, frac) = q.trim().split_once('.').unwrap_or((q.trim(), ""));
    if frac.len() > 3 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let frac_millis = format!("{frac:0<3}").parse::<u16>().ok()?;
    match whole {
        "0" => Some(frac_millis),
        "1" if frac_millis == 0 => Some(1000),
        _ => None,
    }
}

pub fn routes() -> Router<AppState> {
    Router::new().route("/lang", post(switch))
}

#[derive(serde::Deserialize)]
struct Switch {
    lang: String,
    /// The page to come back to (a path on this site).
    #[serde(default)]
    next: String,
}

/// The language switch: keeps the choice in a cookie and in the session, saves it as a
/// signed-in person's setting, and goes back to the page it was made on.
async fn switch(
    State(state): State<AppState>,
    session: Session,
    current: Option<Extension<RequestLocale>>,
    Form(form): Form<Switch>,
) -> Response {
    let Ok(locale) = Locale::from_str(form.lang.trim()) else {
        let current = current
            .map(|Extension(RequestLocale(l))| l)
            .unwrap_or_default();
        return security::error_response(AppError::invalid_field(
            "lang",
            crate::i18n::td_string!(current, lang.unknown),
        ));
    };
    if let Err(e) = remember(&state, &session, locale).await {
        return security::error_response(e);
    }
    let secure = if state.config.public_url.is_https() {
        "; Secure"
    } else {
        ""
    };
    let cookie = format!(
        "{LANG_COOKIE}={}; Path=/; Max-Age={COOKIE_MAX_AGE_SECS}; SameSite=Lax; HttpOnly{secure}",
        locale.as_str()
    );
    (
        AppendHeaders([(header::SET_COOKIE, cookie)]),
        Redirect::to(&local_path(&form.next)),
    )
        .into_response()
}

async fn remember(state: &AppState, session: &Session, locale: Locale) -> Result<(), AppError> {
    session.insert(SESSION_LANG, locale.as_str()).await?;
    if let Some(account) = signed_in_account(session, &state.pool).await? {
        crate::accounts::repo::set_language(&state.pool, account, locale.as_str()).await?;
    }
    Ok(())
}

/// `next` if it is a path on this site, else the home page: the switch never sends a person
/// elsewhere (`//host`, `/\host` and absolute URLs are refused).
fn local_path(next: &str) -> String {
    let ok = next.starts_with('/')
        && !next.starts_with("//")
        && !next.starts_with("/\\")
        && !next.chars().any(char::is_control);
    if ok { next.to_string() } else { "/".into() }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn accept_language_takes_the_most_preferred_language_scout_has() {
        assert_eq!(
            accept_language("bg-BG,bg;q=0.9,en-US;q=0.8,en;q=0.7"),
            Some(Locale::bg)
        );
        assert_eq!(accept_language("en-GB,en;q=0.9"), Some(Locale::en));
        // German first, which Scout lacks: the next one it has
        assert_eq!(
            accept_language("de-DE,de;q=0.9,en;q=0.5,bg;q=0.4"),
            Some(Locale::en)
        );
        // by quality, not by order
        assert_eq!(accept_language("en;q=0.3, bg;q=0.8"), Some(Locale::bg));
        assert_eq!(accept_language("BG"), Some(Locale::bg));
        // q=0 means "not this one"; * and nonsense name none
        assert_eq!(accept_language("bg;q=0, fr"), None);
        assert_eq!(accept_language("*"), None);
        assert_eq!(accept_language("en;q=2, bg;q=0.1234"), None);
        assert_eq!(accept_language(""), None);
    }

    #[test]
    fn the_cookie_names_the_language_only_if_scout_has_it() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; scout_lang=en; b=2"),
        );
        assert_eq!(cookie_locale(&h), Some(Locale::en));
        h.insert(header::COOKIE, HeaderValue::from_static("scout_lang=fr"));
        assert_eq!(cookie_locale(&h), None);
        h.insert(header::COOKIE, HeaderValue::from_static("xscout_lang=en"));
        assert_eq!(cookie_locale(&h), None);
    }

    #[test]
    fn the_switch_only_goes_back_to_a_page_of_this_site() {
        assert_eq!(local_path("/search?q=golf&page=2"), "/search?q=golf&page=2");
        assert_eq!(local_path("//evil.example/"), "/");
        assert_eq!(local_path("/\\evil.example"), "/");
        assert_eq!(local_path("https://evil.example/"), "/");
        assert_eq!(local_path(""), "/");
        assert_eq!(local_path("/a\r\nSet-Cookie: x=1"), "/");
    }
}
