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
