//! Scout's integration tests: one binary (one link of the whole crate), one client.
//! Each `#[sqlx::test]` gets its own freshly migrated database; `helpers` holds the
//! `TestApp` every module drives the real router through.
#![cfg(feature = "ssr")]
#![expect(clippy::unwrap_used, clippy::expect_used, reason = "tests")]

mod helpers;
mod oidc;
mod smtp;
mod stripe_stand_in;

mod account_data;
mod accounts;
mod alerts;
mod billing;
mod cross_posting;
mod demo;
mod euro;
mod facebook_sign_in;
mod http;
mod listings;
mod marketplace_links;
mod notifications;
mod photos;
mod private_postgres;
mod profile;
mod provider_links;
mod push;
mod pwa;
mod rates;
mod reauthentication;
mod selling;
mod sign_in_providers;
mod stripe_billing;
mod webhooks;
