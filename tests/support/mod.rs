//! What the integration tests share: the real router over a test's own database.

use axum::Router;
use leptos::prelude::LeptosOptions;
use scout::server::{config::Config, startup, state::AppState};
use sqlx::PgPool;

/// The app's router and state, as `main` builds them, over `pool` (a fresh test database).
pub async fn app(pool: PgPool, config: Config, site_root: &str) -> (Router, AppState) {
    let options = LeptosOptions::builder()
        .output_name("scout")
        .site_root(site_root)
        .build();
    let state = AppState::new(pool, config, options).expect("app state");
    startup::session_store(&state)
        .migrate()
        .await
        .expect("session table");
    (startup::router(state.clone()), state)
}

/// Awaits a request's reply; none within a minute fails the test, naming the request (`what`),
/// instead of hanging the suite.
pub async fn answered<T>(what: String, reply: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(std::time::Duration::from_secs(60), reply)
        .await
        .unwrap_or_else(|_| panic!("{what}: no reply within 60 s"))
}
