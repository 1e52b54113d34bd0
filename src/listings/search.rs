//! Buyer search: the table of closed-vocabulary facets (`facets`, both targets), the URL codec
//! and the smart query box (`query`, both targets), the search resolved into filters and
//! facets (`filters`), the in-memory index that answers them (`engine`), the orchestration
//! that shapes the answer (`service`) and the page (`page`).

#[cfg(feature = "ssr")]
pub mod engine;
pub mod facets;
#[cfg(feature = "ssr")]
pub mod filters;
pub mod page;
pub mod query;
#[cfg(feature = "ssr")]
pub mod service;
