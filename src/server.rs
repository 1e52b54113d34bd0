//! Server-only plumbing: configuration, state, start-up, the private Postgres, security
//! layers, plain form posts (`forms`), logs and demo data. Nothing here is compiled into the WASM bundle.

pub mod config;
pub mod embedded_pg;
pub mod forms;
pub mod geoip;
/// Which language a request is served in; the language switch.
pub mod lang;
/// Scout as an installed app: the service worker and the page script that registers it.
pub mod pwa;
/// The rate limit as a layer: the headers and the 429s.
pub mod rate_layer;
/// Requests per minute per plan: the windows.
pub mod rate_limit;
pub mod secrets;
pub mod security;
pub mod seed;
pub mod serve;
pub mod startup;
pub mod state;
pub mod telemetry;
pub mod workers;
