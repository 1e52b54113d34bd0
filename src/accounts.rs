//! Accounts: sign up, sign in, sign out, sessions and sign-in throttling.

pub mod account_page;
pub mod api;
#[cfg(feature = "ssr")]
pub mod export;
pub mod model;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod password;
pub mod profile;
#[cfg(feature = "ssr")]
pub mod repo;
#[cfg(feature = "ssr")]
pub mod session;
#[cfg(feature = "ssr")]
pub mod session_store;
