//! The router: Leptos pages and server functions, health checks, static assets, and the
//! layers every request passes (request id, logs, compression, sessions, CSRF, headers).

use crate::{
    accounts::{session::IDLE_TIMEOUT, session_store::ScoutSessionStore},
    app::{App, shell},
    server::{security, state::AppState},
};
use axum::{
    Router,
    extract::State,
    http::{HeaderName, StatusCode},
    middleware::{from_fn, from_fn_with_state},
    response::IntoResponse,
    routing::get,
};
use leptos::prelude::provide_context;
use leptos_axum::{AxumRouteListing, LeptosRoutes, generate_route_list};
use tower::ServiceBuilder;
use tower_http::{
    compression::CompressionLayer,
    request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer},
    services::ServeDir,
    trace::TraceLayer,
};
use tower_sessions::{Expiry, SessionManagerLayer, cookie::SameSite};

use super::security::session_cookie_name;

/// The session store; its table is created by `migrate` at start-up.
/// The one way a Scout process reaches its database: connect (at most `max_connections`,
/// waiting up to 10 s for one) and bring the schema up to date with the embedded migrations.
pub async fn connect(url: &str, max_connections: u32) -> anyhow::Result<sqlx::PgPool> {
    use anyhow::Context;
    let pool = sqlx::postgres::PgPoolOptions::new()
        .max_connections(max_connections)
        .acquire_timeout(std::time::Duration::from_secs(10))
        .connect(url)
        .await
        .context("connecting to Postgres")?;
    let applied = || async {
        sqlx::query_scalar::<_, i64>("select count(*) from _sqlx_migrations")
            .fetch_one(&pool)
            .await
            .unwrap_or(0)
    };
    let before = applied().await;
    sqlx::migrate!()
        .run(&pool)
        .await
        .context("running migrations")?;
    // New migrations change tables (and fill the catalogue ones): fresh statistics at once,
    // instead of whenever autovacuum gets to it, so query plans don't change a minute after
    // start-up. sqlx's compile-time checks read those plans too (for the nullability of
    // outer-joined columns): with statistics made here, a freshly migrated database gives
    // the same `.sqlx/` whenever it is read.
    if applied().await > before {
        sqlx::query("analyze")
            .execute(&pool)
            .await
            .context("analyzing the tables after migrations")?;
    }
    Ok(pool)
}

pub fn session_store(state: &AppState) -> ScoutSessionStore {
    ScoutSessionStore::new(state.pool.clone())
}

async fn healthz() -> &'static str {
    "ok"
}

async fn readyz(State(state): State<AppState>) -> impl IntoResponse {
    // within 2 s, as a probe expects (the pool would keep trying to connect for 10 s)
    let check = sqlx::query_scalar!("select 1 as \"one!\"").fetch_one(&state.pool);
    match tokio::time::timeout(std::time::Duration::from_secs(2), check).await {
        Ok(Ok(_)) => (StatusCode::OK, "ready"),
        Ok(Err(e)) => {
            tracing::warn!("readiness check failed: {e}");
            (StatusCode::SERVICE_UNAVAILABLE, "database unreachable")
        }
        Err(_) => {
            tracing::warn!("readiness check failed: no database connection within 2 s");
            (StatusCode::SERVICE_UNAVAILABLE, "database unreachable")
        }
    }
}

/// The app's routes, listed once per process. Listing them renders the app with resource
/// loading switched off for the whole process (leptos_server's flag is a global), so a listing
/// made while pages render elsewhere in the process left those pages waiting for ever: the
/// tests, which build a server per test, hung about one render in a thousand.
fn route_list() -> Vec<AxumRouteListing> {
    static ROUTES: std::sync::OnceLock<Vec<AxumRouteListing>> = std::sync::OnceLock::new();
    ROUTES.get_or_init(|| generate_route_list(App)).clone()
}

pub fn router(state: AppState) -> Router {
    let leptos_options = state.leptos_options.clone();
    let routes = route_list();
    let https = state.config.public_url.is_https();

    let sessions = SessionManagerLayer::new(session_store(&state))
        .with_name(session_cookie_name(https))
        .with_secure(https)
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_path("/")
        // refresh the idle expiry on every request, not only when the session changes
        .with_always_save(true)
        .with_expiry(Expiry::OnInactivity(IDLE_TIMEOUT));

    let pkg_dir = format!(
        "{}/{}",
        leptos_options.site_root, leptos_options.site_pkg_dir
    );
    let pkg = Router::new()
        .fallback_service(
            ServeDir::new(pkg_dir)
                .precompressed_br()
                .precompressed_gzip(),
        )
        .layer(from_fn(security::immutable_cache));

    let context_state = state.clone();
    let provide_state = move || provide_context(context_state.clone());

    let x_request_id = HeaderName::from_static("x-request-id");
    let trace = TraceLayer::new_for_http().make_span_with(|req: &axum::http::Request<_>| {
        let request_id = req
            .headers()
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("-");
        let path = security::loggable_path(req.uri().path());
        tracing::info_span!("request", request_id, method = %req.method(), path = %path)
    });

    Router::new()
        .leptos_routes_with_context(&state, routes, provide_state.clone(), {
            let options = leptos_options.clone();
            move || shell(options.clone())
        })
        .merge(crate::gallery::http::session_routes())
        .merge(crate::accounts::export::routes())
        .merge(crate::accounts::providers::routes())
        .merge(crate::accounts::marketplaces::routes())
        .merge(super::lang::routes())
        .fallback(leptos_axum::file_and_error_handler_with_context::<
            AppState,
            _,
        >(provide_state, shell))
        // Layers run bottom-up on the request: the last added sees the request first.
        .layer(from_fn(security::map_server_fn_error_status))
        .layer(from_fn_with_state(
            state.clone(),
            security::signed_form_errors,
        ))
        // inside the session layer: a signed-in person is counted by account
        .layer(from_fn_with_state(
            state.clone(),
            crate::server::rate_layer::rate_limit,
        ))
        // the request's language: reads the session, so inside its layer
        .layer(from_fn(super::lang::resolve))
        .layer(sessions)
        // Added after the session layer, so it doesn't see them: assets and probes neither read
        // nor write a session (one database round trip less each, and no stale save racing
        // a sign-out).
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .merge(super::pwa::routes(&state))
        .merge(crate::listings::seo::routes())
        .merge(crate::gallery::http::public_routes())
        .nest_service(&format!("/{}", leptos_options.site_pkg_dir), pkg)
        .layer(from_fn_with_state(state.clone(), security::csrf_guard))
        // one-click unsubscribe comes from mail providers' servers: outside the cross-site check
        .merge(crate::notifications::unsubscribe::routes())
        // Stripe's servers post events, authenticated by their signature
        .merge(crate::billing::webhook::routes())
        .layer(from_fn_with_state(
            state.clone(),
            security::request_deadline,
        ))
        .layer(from_fn_with_state(state.clone(), security::client_ip))
        .layer(from_fn_with_state(
            state.clone(),
            security::security_headers,
        ))
        .layer(from_fn(security::private_no_store))
        .layer(CompressionLayer::new())
        .layer(
            ServiceBuilder::new()
                .layer(from_fn(security::forget_client_request_id))
                .layer(SetRequestIdLayer::new(
                    x_request_id.clone(),
                    MakeRequestUuid,
                ))
                .layer(trace)
                .layer(PropagateRequestIdLayer::new(x_request_id)),
        )
        .with_state(state)
}
