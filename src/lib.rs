//! Scout: a marketplace and deal finder for used cars and other used goods.
//! One Leptos application, server-rendered on axum and hydrated in the browser.

/// Sign up, sign in, sign out, sessions.
pub mod accounts;
/// Alert rules, the matcher, the inbox.
pub mod alerts;
/// The HTML shell, routes and page layout.
pub mod app;
/// Plans and their quotas, Stripe checkout and portal, the billing pages.
pub mod billing;
/// Scout's own types as Postgres values (enums stored as text).
#[cfg(feature = "ssr")]
pub mod db;
/// `AppError`, the one error type of both targets.
pub mod error;
/// Times and durations in words.
pub mod format;
/// Random tests of the parsers, run by `scripts/fuzz.sh` (not by the test command).
#[cfg(all(test, feature = "ssr"))]
mod fuzz;
/// Photos: upload pipeline, media store, gallery.
pub mod gallery;
/// Bulgarian and English: translations and the request's language.
pub mod i18n;
/// Listings: search, detail pages, sellers' listings, demo data.
pub mod listings;
/// Notification settings and delivery beyond the inbox: email, digests, quiet hours.
pub mod notifications;
/// Server-only: config, state, router, private Postgres, security layers.
#[cfg(feature = "ssr")]
pub mod server;
/// Shared components: form fields, alerts, buttons.
pub mod ui;

/// The browser entry point: hydrate the server-rendered page. Pages are lazy routes
/// (`app::lazy_pages`), so hydration first fetches the open page's WASM chunk.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    // `hydrate_from_async` starts Leptos's executor itself
    wasm_bindgen_futures::spawn_local(async {
        let Some(body) = leptos::prelude::document().body() else {
            return;
        };
        leptos::mount::hydrate_from_async(body.clone(), app::App)
            .await
            .forget();
        // A marker for the browser tests: from here on the WASM handles the page.
        let _ = body.set_attribute("data-hydrated", "");
    });
}
