//! Selling: the listing form as typed and its checks (`form`, both targets), the sellers'
//! server functions (`api`: save, status, delete, my listings) and their pages (`page`).

pub mod api;
pub mod form;
pub mod page;
