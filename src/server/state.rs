//! `AppState`: everything a request needs, built once at start-up (or once per test) and
//! handed to server functions through Leptos context and to axum handlers as router state.

use crate::{
    accounts::password::Passwords,
    error::AppError,
    gallery::store::MediaStore,
    listings::{catalog::Catalog, search::engine::SearchEngine},
    server::config::Config,
};
use axum::extract::FromRef;
use leptos::prelude::LeptosOptions;
use sqlx::PgPool;
use std::sync::Arc;
use tokio::sync::{OnceCell, Semaphore};

#[derive(Clone)]
pub struct AppState {
    pub pool: PgPool,
    pub config: Arc<Config>,
    pub passwords: Arc<Passwords>,
    pub leptos_options: LeptosOptions,
    /// Where photo files live.
    pub media: MediaStore,
    /// Where alert email goes (SMTP, or a folder of `.eml` files).
    pub mailer: crate::notifications::email::Mailer,
    /// Seals secrets kept in the database (webhook secrets, bot tokens).
    pub sealer: crate::server::secrets::Sealer,
    /// Scout's identity towards browsers' push services.
    pub vapid: Arc<crate::notifications::push::Vapid>,
    /// One permit per photo being processed (`SCOUT_PHOTO_WORKERS`).
    pub photo_workers: Arc<Semaphore>,
    /// One permit per KiB of upload body held in memory (`SCOUT_UPLOAD_BUDGET_MB`).
    pub upload_budget: Arc<Semaphore>,
    /// One permit per MiB the running photo jobs may need (`SCOUT_PHOTO_MEMORY_MB`).
    pub photo_memory: Arc<Semaphore>,
    /// Makes, models, cities, rates: read from Postgres on first use, and again when the
    /// rates change (`listings::rates`).
    catalog: Arc<tokio::sync::RwLock<Option<Arc<Catalog>>>>,
    /// The in-memory search index: built on first use (or at start-up by `serve`).
    search: Arc<OnceCell<Arc<SearchEngine>>>,
    /// Calls to sign-in providers (discovery, keys, tokens): redirects never followed.
    pub http: reqwest::Client,
    /// The sign-in providers' discovery documents, read when first needed.
    pub discovery: crate::accounts::discovery::Discovery,
    /// Each linked marketplace's own ids for places, read when first needed.
    pub places: crate::listings::crossposting::places::Places,
    /// Where a client address is, for the list of where an account is signed in.
    pub geoip: Arc<crate::server::geoip::GeoIp>,
    /// Stripe, when payments are set up (`SCOUT_STRIPE_SECRET_KEY`).
    pub stripe: Option<Arc<crate::billing::stripe::Stripe>>,
    /// Requests per minute per account or address.
    pub rate_limiter: Arc<crate::server::rate_limit::RateLimiter>,
}

impl AppState {
    pub fn new(
        pool: PgPool,
        config: Config,
        leptos_options: LeptosOptions,
    ) -> anyhow::Result<AppState> {
        let media = MediaStore::from_config(&config.media, config.media_url.as_deref())?;
        let photo_workers = Arc::new(Semaphore::new(config.photo_workers));
        let mailer = crate::notifications::email::Mailer::new(
            config.smtp_url.as_deref(),
            config.data_dir.join("mail"),
        )?;
        let sealer = crate::server::secrets::Sealer::from_config(
            config.secret_key.as_deref(),
            &config.data_dir,
        )?;
        let vapid = Arc::new(crate::notifications::push::Vapid::from_config(
            config.vapid_private_key.as_deref(),
            &config.data_dir,
            format!("mailto:{}", config.mail_from.email),
        )?);
        let geoip = Arc::new(crate::server::geoip::GeoIp::open(&config.geoip_dir));
        let stripe = match &config.stripe {
            Some(c) => Some(Arc::new(crate::billing::stripe::Stripe::new(c)?)),
            None => None,
        };
        Ok(AppState {
            stripe,
            rate_limiter: Arc::default(),
            mailer,
            sealer,
            vapid,
            pool,
            media,
            photo_workers,
            upload_budget: Arc::new(Semaphore::new(config.upload_budget_bytes.div_ceil(1024))),
            photo_memory: Arc::new(Semaphore::new(config.photo_memory_mb as usize)),
            config: Arc::new(config),
            passwords: Arc::new(Passwords::new()?),
            leptos_options,
            catalog: Arc::default(),
            search: Arc::new(OnceCell::new()),
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .no_proxy()
                .connect_timeout(std::time::Duration::from_secs(5))
                .timeout(std::time::Duration::from_secs(15))
                .build()?,
            discovery: crate::accounts::discovery::Discovery::default(),
            places: crate::listings::crossposting::places::Places::default(),
            geoip,
        })
    }

    /// The sign-in provider configured under `id`.
    pub fn provider(&self, id: &str) -> Option<&crate::server::config::ProviderConfig> {
        self.config.sign_in_providers.iter().find(|p| p.id == id)
    }

    /// The marketplace configured under `id`.
    pub fn marketplace(&self, id: &str) -> Option<&crate::server::config::MarketplaceConfig> {
        self.config.marketplaces.iter().find(|m| m.id == id)
    }

    /// The reference data search needs (loaded once; a failed load is retried next time).
    pub async fn catalog(&self) -> Result<Arc<Catalog>, AppError> {
        if let Some(catalog) = self.catalog.read().await.as_ref() {
            return Ok(catalog.clone());
        }
        let mut slot = self.catalog.write().await;
        if let Some(catalog) = slot.as_ref() {
            return Ok(catalog.clone());
        }
        let catalog = Arc::new(Catalog::load(&self.pool).await?);
        *slot = Some(catalog.clone());
        Ok(catalog)
    }

    /// Reads the reference data again (new rates): conversions from now on use it.
    pub async fn reload_catalog(&self) -> Result<(), AppError> {
        let catalog = Arc::new(Catalog::load(&self.pool).await?);
        *self.catalog.write().await = Some(catalog);
        Ok(())
    }

    /// The search index (built once; a failed build is retried next time).
    pub async fn search_engine(&self) -> Result<Arc<SearchEngine>, AppError> {
        let engine = self
            .search
            .get_or_try_init(|| async {
                let catalog = self.catalog().await?;
                Ok::<_, AppError>(SearchEngine::start(self.pool.clone(), &catalog).await?)
            })
            .await?;
        Ok(engine.clone())
    }

    /// Tells the search index these listings changed, once the change is committed: the
    /// next search (by anyone) sees it. Nothing to do before the index is built.
    pub async fn listings_changed(&self, ids: Vec<crate::listings::model::ListingId>) {
        if let Some(engine) = self.search.get() {
            engine
                .changed(ids.into_iter().map(|id| id.0).collect())
                .await;
        }
    }

    /// Waits until the search index has every change committed so far, by any process.
    pub async fn search_synced(&self) -> Result<(), AppError> {
        if let Some(engine) = self.search.get() {
            engine.sync().await?;
        }
        Ok(())
    }

    /// The state inside a server function (provided by `leptos_routes_with_context`).
    pub fn from_context() -> Result<AppState, AppError> {
        leptos::prelude::use_context::<AppState>()
            .ok_or_else(|| AppError::internal("AppState missing from the Leptos context"))
    }
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

/// The client's address, as put on the request by `security::client_ip_layer`.
#[derive(Debug, Clone)]
pub struct ClientIp(pub String);

/// A value one of our layers put on the request being served, read inside a server
/// function or while rendering a page.
pub fn request_extension<T: Clone + Send + Sync + 'static>() -> Option<T> {
    leptos::prelude::use_context::<http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<T>().cloned())
}

/// The client address of the request being served, inside a server function.
pub fn client_ip() -> Result<String, AppError> {
    request_extension::<ClientIp>()
        .map(|ip| ip.0)
        .ok_or_else(|| AppError::internal("client address missing from the request"))
}

/// A header of the request being served, inside a server function.
pub fn request_header(name: http::header::HeaderName) -> Option<String> {
    leptos::prelude::use_context::<http::request::Parts>().and_then(|parts| {
        parts
            .headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    })
}

/// The request's session: the one way server functions reach it.
pub async fn current_session() -> Result<tower_sessions::Session, crate::error::AppError> {
    leptos_axum::extract::<tower_sessions::Session>()
        .await
        .map_err(|e| crate::error::AppError::internal(format_args!("session layer missing: {e}")))
}
