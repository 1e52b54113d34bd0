//! Bulgarian and English: the typed translations `build.rs` compiles from
//! `locales/<locale>.json` (leptos_i18n), and which language a request is served in.
//!
//! The server picks the language once per request (`crate::server::lang`): the signed-in
//! person's setting, else the choice this browser made (a cookie), else the browser's
//! `Accept-Language`, else Bulgarian. The page's `<html lang>` carries it to the browser, which
//! hydrates in it; switching language is a form post to `/lang`, and the page is rendered again.

// generated code: the locale codes it parses with `expect` are the two above, known good
#[allow(
    clippy::all,
    clippy::pedantic,
    clippy::expect_used,
    clippy::unwrap_used,
    missing_docs,
    unused
)]
mod generated {
    include!(concat!(env!("OUT_DIR"), "/i18n/mod.rs"));
}

pub use generated::i18n::{Locale, use_i18n};
use leptos::prelude::*;
pub use leptos_i18n::{t_string, td_string};
// `as_str` (leptos_i18n's locale trait)
#[cfg(feature = "ssr")]
use leptos_i18n::Locale as _;

/// The cookie that keeps the language a browser chose with the switch.
pub const LANG_COOKIE: &str = "scout_lang";

/// The language the server chose for the request being rendered (a request extension).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RequestLocale(pub Locale);

/// The language the server resolved for the request being rendered, if inside one.
#[cfg(feature = "ssr")]
pub fn request_locale() -> Option<Locale> {
    crate::server::state::request_extension::<RequestLocale>().map(|RequestLocale(l)| l)
}

/// The language's name in itself, for the switch.
pub fn native_name(locale: Locale) -> &'static str {
    td_string!(locale, lang.name)
}

/// The other language, the one the switch offers.
pub fn other(locale: Locale) -> Locale {
    match locale {
        Locale::bg => Locale::en,
        Locale::en => Locale::bg,
    }
}

/// Makes `use_i18n()` work below: on the server in the language the request was resolved to,
/// in the browser in the one the server wrote into `<html lang>`.
pub fn provide_i18n() {
    use leptos_i18n::context::{
        I18nContextOptions, UseLocalesOptions, init_i18n_context_with_options,
    };
    #[cfg(feature = "ssr")]
    let chosen = request_locale().map(|l| l.as_str().to_string());
    #[cfg(not(feature = "ssr"))]
    let chosen: Option<String> = None;
    // leptos_i18n reads the language from what it takes for `Accept-Language`: given the
    // resolved one, it agrees with the server's choice.
    let header = UseLocalesOptions::default().ssr_lang_header_getter(move || chosen.clone());
    let options = I18nContextOptions::<Locale>::default()
        .enable_cookie(false)
        .ssr_lang_header_getter(header);
    provide_context(init_i18n_context_with_options::<Locale>(options));
}
