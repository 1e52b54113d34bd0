//! Photos: the upload pipeline, the media store, the seller's uploader and the buyer's gallery.

pub mod api;
pub mod model;
pub mod uploader;
pub mod viewer;

#[cfg(feature = "ssr")]
pub mod fixtures;
#[cfg(feature = "ssr")]
pub mod http;
#[cfg(feature = "ssr")]
pub mod pipeline;
#[cfg(feature = "ssr")]
pub mod repo;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub mod store;
