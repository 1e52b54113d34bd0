//! Photos: the upload pipeline (server only) and, in later steps, the media store, the
//! uploader and the gallery.

#[cfg(feature = "ssr")]
pub mod fixtures;
#[cfg(feature = "ssr")]
pub mod pipeline;
