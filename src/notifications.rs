//! Delivering alerts beyond the inbox, and the settings that say where and when.
//!
//! - `model`: settings and quiet hours as people edit them (both targets).
//! - `schedule`: when a notification is due (delay, quiet hours, digests, the cap's day), in
//!   the person's time zone.
//! - `email`: the message and the SMTP (or folder) transport.
//! - `repo`, `service`: settings, the delivery queue and channel health in Postgres; the
//!   worker that sends what is due with retries and backoff.
//! - `api`, `pages`: the Settings page's notification section and the unsubscribe page.

pub mod api;
#[cfg(feature = "ssr")]
pub mod email;
pub mod model;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod push;
#[cfg(feature = "ssr")]
pub mod repo;
#[cfg(feature = "ssr")]
pub mod schedule;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub mod unsubscribe;
#[cfg(feature = "ssr")]
pub mod webhook;
