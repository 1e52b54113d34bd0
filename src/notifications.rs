//! Notifications: the inbox, delivery on outside channels, and the settings that say where
//! and when. Features record notices through `notices`; nothing else writes them.
//!
//! - `model`: settings and quiet hours as people edit them (both targets).
//! - `schedule`: when a notification is due (delay, quiet hours, digests, the cap's day), in
//!   the person's time zone.
//! - `email`: the message and the SMTP (or folder) transport.
//! - `notices`: the inbox's entries and the one way a feature records one (queued on the
//!   person's channels in the same transaction).
//! - `repo`: settings, the delivery queue and channel health in Postgres (SQL only).
//! - `settings`: what a person manages (channels, rhythm, quiet hours, the confirmed alert
//!   address, webhooks, push devices, failing channels, unsubscribe links).
//! - `queue`: a recorded notice becomes one delivery per outside target, due when it should.
//! - `compose`: what a group of deliveries says (email letter, push payload, items).
//! - `worker`: sends what is due on its target's channel, with retries and backoff.
//! - `api`, `pages`, `inbox_page`: the Settings page's notification section, the unsubscribe
//!   page, the inbox and the header's inbox link.

pub mod api;
#[cfg(feature = "ssr")]
pub mod compose;
#[cfg(feature = "ssr")]
pub mod email;
pub mod inbox_page;
pub mod model;
#[cfg(feature = "ssr")]
pub mod notices;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod push;
#[cfg(feature = "ssr")]
pub mod queue;
#[cfg(feature = "ssr")]
pub mod repo;
#[cfg(feature = "ssr")]
pub mod schedule;
#[cfg(feature = "ssr")]
pub mod settings;
#[cfg(feature = "ssr")]
pub mod unsubscribe;
#[cfg(feature = "ssr")]
pub mod webhook;
#[cfg(feature = "ssr")]
pub mod worker;
