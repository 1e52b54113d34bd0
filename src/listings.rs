//! Listings: what sellers publish and buyers search. Vehicles first (make, model, year,
//! mileage, ...), other used goods in the same table. Search lives in the URL, understands a
//! smart query box, forgives typos and counts every filter value.
//!
//! Three features share the listing's model (`model`, `wire`), its SQL (`repo`), the catalog
//! and the cards (`cards`): `search` (buyers), `selling` (sellers) and `collections`
//! (favorites, comparisons). `api` and `detail_page` are a listing's own page.

pub mod api;
#[cfg(feature = "ssr")]
pub mod cards;
#[cfg(feature = "ssr")]
pub mod catalog;
pub mod collections;
pub mod crossposting;
#[cfg(feature = "ssr")]
pub mod demo;
pub mod detail_page;
pub mod model;
pub mod preference;
#[cfg(feature = "ssr")]
pub mod rates;
#[cfg(feature = "ssr")]
pub mod repo;
pub mod search;
pub mod selling;
#[cfg(feature = "ssr")]
pub mod seo;
pub mod wire;
