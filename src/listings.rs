//! Listings: what sellers publish and buyers search. Vehicles first (make, model, year,
//! mileage, ...), other used goods in the same table. Search lives in the URL, understands a
//! smart query box, forgives typos and counts every filter value.

pub mod api;
#[cfg(feature = "ssr")]
pub mod catalog;
pub mod collections;
pub mod collections_page;
#[cfg(feature = "ssr")]
pub mod comparison;
#[cfg(feature = "ssr")]
pub mod demo;
pub mod detail_page;
pub mod editing;
#[cfg(feature = "ssr")]
pub mod engine;
#[cfg(feature = "ssr")]
pub mod filters;
pub mod model;
#[cfg(feature = "ssr")]
pub mod repo;
pub mod search;
pub mod search_page;
pub mod selling;
pub mod selling_page;
#[cfg(feature = "ssr")]
pub mod seo;
#[cfg(feature = "ssr")]
pub mod service;
pub mod wire;
