//! Scout's server: config -> database (own private Postgres unless DATABASE_URL is set) ->
//! migrations -> demo data -> router -> serve until Ctrl-C or SIGTERM -> clean shutdown.
//!
//! `scout` serves. `scout postgres` only runs the private Postgres (for the test command and
//! for `sqlx` tooling): it migrates, prints `DATABASE_URL=...` on stdout and stops cleanly on a
//! signal. `scout seed-listings N` adds N generated listings and stops.

use anyhow::Context;
use scout::server::{
    config::Config,
    embedded_pg::EmbeddedPostgres,
    seed, startup,
    state::AppState,
    telemetry,
    workers::{self, Workers},
};
use std::net::SocketAddr;

async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!("cannot listen for Ctrl-C: {e}");
            std::future::pending::<()>().await;
        }
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::error!("cannot listen for SIGTERM: {e}");
                std::future::pending::<()>().await;
            }
        }
    };
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}

fn leptos_options(config: &Config) -> anyhow::Result<leptos::prelude::LeptosOptions> {
    let mut options = leptos::prelude::get_configuration(None)
        .context("reading the Leptos configuration")?
        .leptos_options;
    options.site_root = config.site_root.clone().into();
    options.site_addr = SocketAddr::new(config.host, config.port);
    // cargo-leptos names the assets with a content hash (hash-files = true) and writes the
    // hashes next to the binary; read them whether or not cargo-leptos started us.
    options.hash_files = true;
    Ok(options)
}

async fn serve(config: Config) -> anyhow::Result<()> {
    let embedded = match &config.database_url {
        Some(_) => None,
        None => Some(EmbeddedPostgres::start(&config.data_dir).await?),
    };
    let result = serve_with(&config, embedded.as_ref().map(|pg| pg.url().to_string())).await;
    if let Some(pg) = embedded {
        pg.stop().await?;
    }
    result
}

async fn serve_with(config: &Config, embedded_url: Option<String>) -> anyhow::Result<()> {
    let url = embedded_url
        .clone()
        .or_else(|| config.database_url.clone())
        .context("no database")?;
    let pool = startup::connect(&url, config.db_max_connections).await?;
    let state = AppState::new(pool.clone(), config.clone(), leptos_options(config)?)?;
    startup::session_store(&state)
        .migrate()
        .await
        .context("creating the session table")?;
    if let Some(code) = &config.default_plan {
        scout::billing::plans::set_default(&state.pool, code).await?;
    }
    if let Some(stripe) = &config.stripe {
        scout::billing::plans::set_prices(&state.pool, &stripe.prices).await?;
    }
    match scout::notifications::settings::bind_old_secrets(&state).await {
        Ok(0) => {}
        Ok(n) => tracing::info!("sealed {n} older secret(s) again, bound to their rows"),
        Err(e) => tracing::warn!("binding older secrets to their rows: {e:#}"),
    }

    // demo data by default only for the private database, and never on public https
    if config
        .seed_demo
        .unwrap_or(embedded_url.is_some() && !config.public_url.is_https())
    {
        seed::seed_demo_accounts(&state, &config.data_dir).await?;
        seed::seed_demo_listings_once(&state, config.demo_listings).await?;
    }
    // Search answers from memory: build the index before taking requests.
    state
        .search_engine()
        .await
        .context("building the search index")?;

    let workers = Workers::start(&state, config.alert_worker);

    let addr = SocketAddr::new(config.host, config.port);
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("listening on {addr} (set SCOUT_PORT to use another port)"))?;
    tracing::info!(
        "Scout is serving on http://{addr} (public URL {})",
        config.public_url.origin()
    );
    let app = startup::router(state);
    let limits = scout::server::serve::Limits {
        max_connections: config.max_connections,
        header_timeout: config.header_timeout,
    };
    let served = scout::server::serve::serve(listener, app, limits, shutdown_signal()).await;
    workers.stop();
    pool.close().await;
    served.context("serving")
}

async fn run_postgres_only(config: Config) -> anyhow::Result<()> {
    let pg = EmbeddedPostgres::start(&config.data_dir).await?;
    startup::connect(pg.url(), 1).await?.close().await;
    println!("DATABASE_URL={}", pg.url());
    shutdown_signal().await;
    pg.stop().await
}

/// `scout alert-worker`: only the alert worker (matching and delivery), against `DATABASE_URL` (no web server).
async fn run_alert_worker(config: Config) -> anyhow::Result<()> {
    let url = config
        .database_url
        .clone()
        .context("set DATABASE_URL to the database the servers use")?;
    let pool = startup::connect(&url, 2).await?;
    let state = AppState::new(pool.clone(), config.clone(), leptos_options(&config)?)?;
    tracing::info!("alert worker started");
    tokio::select! {
        () = workers::alert_workers(state) => {}
        () = shutdown_signal() => {}
    }
    pool.close().await;
    Ok(())
}

/// `scout seed-listings N`: adds N generated listings (for demos at scale and benchmarks).
async fn run_seed_listings(config: Config, count: &str) -> anyhow::Result<()> {
    let count: usize = count
        .replace('_', "")
        .parse()
        .with_context(|| format!("{count:?} is not a number of listings"))?;
    let embedded = match &config.database_url {
        Some(_) => None,
        None => Some(EmbeddedPostgres::start(&config.data_dir).await?),
    };
    let url = embedded
        .as_ref()
        .map(|pg| pg.url().to_string())
        .or_else(|| config.database_url.clone())
        .context("no database")?;
    let result = async {
        let pool = startup::connect(&url, 2).await?;
        let state = AppState::new(pool.clone(), config.clone(), leptos_options(&config)?)?;
        seed::seed_demo_accounts(&state, &config.data_dir).await?;
        let started = std::time::Instant::now();
        let seed = u64::try_from(time::OffsetDateTime::now_utc().unix_timestamp()).unwrap_or(1);
        let n = seed::seed_demo_listings(&state, count, seed).await?;
        // the new listings share the demo photos, when the first start made them
        let shared = seed::share_demo_photos(&state).await?;
        tracing::info!(
            "added {n} listings in {:.1} s ({} of them with {} shared demo photos)",
            started.elapsed().as_secs_f64(),
            shared.listings,
            shared.photos,
        );
        pool.close().await;
        anyhow::Ok(())
    }
    .await;
    if let Some(pg) = embedded {
        pg.stop().await?;
    }
    result
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let config = match Config::from_env() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("scout: configuration error: {e:#}");
            return std::process::ExitCode::from(2);
        }
    };
    telemetry::init(config.log_format);
    let result = match std::env::args().nth(1).as_deref() {
        None | Some("serve") => serve(config).await,
        Some("postgres") => run_postgres_only(config).await,
        Some("alert-worker") => run_alert_worker(config).await,
        Some("seed-listings") => match std::env::args().nth(2) {
            Some(n) => run_seed_listings(config, &n).await,
            None => Err(anyhow::anyhow!("usage: scout seed-listings <how many>")),
        },
        Some(other) => Err(anyhow::anyhow!(
            "unknown command {other:?}; use `scout` (serve), `scout postgres`, `scout alert-worker` or `scout seed-listings N`"
        )),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("{e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
