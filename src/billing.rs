//! Billing: plans and their quotas (what an account may do), the pricing and billing pages,
//! and (server side) Stripe Checkout, the Customer Portal and the webhook that keeps each
//! subscription in Postgres.

pub mod api;
#[cfg(feature = "ssr")]
pub mod enforce;
pub mod pages;
pub mod plans;
#[cfg(feature = "ssr")]
pub mod repo;
#[cfg(feature = "ssr")]
pub mod signature;
#[cfg(feature = "ssr")]
pub mod stripe;
#[cfg(feature = "ssr")]
pub mod sync;
#[cfg(feature = "ssr")]
pub mod webhook;
