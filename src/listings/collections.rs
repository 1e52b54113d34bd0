//! What a buyer collects: favorites (signed in, in Postgres) and a comparison of 2 to 4
//! listings (anyone, in the session: `comparison`), with their server functions (`api`) and
//! pages (`page`).

pub mod api;
#[cfg(feature = "ssr")]
pub mod comparison;
pub mod page;
