//! Alerts: buyers turn a search into a rule and hear about matching and cheaper listings.
//!
//! - `model`: channels, rhythm, limits, a rule's own fields (both targets).
//! - `keywords`: must-have and excluded keywords (AND/OR/NOT, quoted phrases).
//! - `matcher`: which rules a listing matches, through a candidate index and then the search
//!   engine's own check.
//! - `sample`: random rules and listings for the matcher's property test and benchmark.
//! - `repo`, `service`: rules, listing events and notifications in Postgres; the worker that
//!   turns events into notifications.
//! - `api`, `pages`: server functions and pages (Alerts, preview, inbox, badge, "Save as
//!   alert").

pub mod api;
pub mod keywords;
#[cfg(feature = "ssr")]
pub mod matcher;
pub mod model;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod repo;
#[cfg(feature = "ssr")]
pub mod sample;
#[cfg(feature = "ssr")]
pub mod service;
