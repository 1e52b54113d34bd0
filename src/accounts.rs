//! Accounts: sign up, sign in, sign out, sessions and sign-in throttling.

pub mod account_page;
pub mod api;
pub mod connect;
#[cfg(feature = "ssr")]
pub mod discovery;
#[cfg(feature = "ssr")]
pub mod export;
#[cfg(feature = "ssr")]
pub mod identities;
#[cfg(feature = "ssr")]
pub mod links;
#[cfg(feature = "ssr")]
pub mod marketplaces;
pub mod model;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod password;
pub mod profile;
#[cfg(feature = "ssr")]
pub mod providers;
#[cfg(feature = "ssr")]
pub mod repo;
#[cfg(feature = "ssr")]
pub mod session;
#[cfg(feature = "ssr")]
pub mod session_store;
