//! The one client every integration test drives Scout through (zero2prod's `helpers.rs`):
//! a `TestApp` over the real router and a test's own database, requests as the browser sends
//! them (forms posted to server functions, JSON back, the session cookie carried along),
//! signed-in accounts, and a way to run the background workers to a standstill.

use axum::{
    Router,
    body::{Body, to_bytes},
    http::{HeaderMap, Request, Response, StatusCode, header},
};
use leptos::prelude::LeptosOptions;
use scout::{
    alerts::{model::AlertsOverview, service::Worker},
    error::AppError,
    gallery::model::SellerPhotos,
    listings::{model::ListingId, search::query::encode_component},
    notifications::{
        model::{Inbox, SettingsView},
        worker as deliveries,
    },
    server::{
        config::{Config, MediaConfig},
        startup,
        state::AppState,
    },
};
use sqlx::PgPool;
use tower::ServiceExt;

pub const ORIGIN: &str = "http://127.0.0.1:3000";

/// A password every test account may use.
pub const PASSWORD: &str = "violet tractor mango 42";

pub struct TestApp {
    pub router: Router,
    pub pool: PgPool,
    pub state: AppState,
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    /// The `Location` header, if any.
    pub location: Option<String>,
    /// The session cookie this response set, as `name=value`.
    pub cookie: Option<String>,
    /// The body as text (lossy UTF-8) and as it came.
    pub body: String,
    pub bytes: axum::body::Bytes,
}

impl Reply {
    pub async fn from(res: Response<Body>) -> Reply {
        let status = res.status();
        let headers = res.headers().clone();
        let location = headers
            .get(header::LOCATION)
            .map(|v| v.to_str().unwrap().to_string());
        let cookie = Self::session_cookie_in(&headers)
            .map(|c| c.split(';').next().unwrap_or_default().to_string());
        let body = to_bytes(res.into_body(), 20 * 1024 * 1024).await.unwrap();
        Reply {
            status,
            headers,
            location,
            cookie,
            body: String::from_utf8_lossy(&body).into_owned(),
            bytes: body,
        }
    }

    pub fn error(&self) -> AppError {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("not an AppError ({e}): {}", self.body))
    }

    /// The body as JSON of type `T`, after checking the status is 200.
    pub fn json<T: serde::de::DeserializeOwned>(&self) -> T {
        assert_eq!(self.status, StatusCode::OK, "{}", self.body);
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("not the expected JSON ({e}): {}", self.body))
    }

    /// The whole `Set-Cookie` header of the session cookie, attributes included.
    pub fn set_cookie(&self) -> Option<String> {
        Self::session_cookie_in(&self.headers).map(str::to_string)
    }

    fn session_cookie_in(headers: &HeaderMap) -> Option<&str> {
        headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|c| c.contains("scout_session="))
    }
}

/// A form body as the browser posts it.
pub fn form(fields: &[(&str, &str)]) -> String {
    fields
        .iter()
        .map(|(k, v)| format!("{k}={}", encode_component(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// A form for a server function that takes one `input` struct: `input[name]=value&...`.
pub fn input_form(fields: &[(&str, &str)]) -> String {
    fields
        .iter()
        .map(|(k, v)| {
            format!(
                "{}={}",
                encode_component(&format!("input[{k}]")),
                encode_component(v)
            )
        })
        .collect::<Vec<_>>()
        .join("&")
}

pub async fn spawn_app(pool: PgPool) -> TestApp {
    spawn_app_with(pool, Config::for_tests()).await
}

/// The app with its mail going to a local SMTP stand-in.
pub async fn spawn_app_with_smtp(pool: PgPool) -> (TestApp, crate::smtp::Smtp) {
    let smtp = crate::smtp::Smtp::start().await;
    let mut config = Config::for_tests();
    config.smtp_url = Some(smtp.url.clone());
    (spawn_app_with(pool, config).await, smtp)
}

pub async fn spawn_app_with(pool: PgPool, config: Config) -> TestApp {
    spawn_app_with_site(pool, config, "target/site").await
}

/// The app's router and state, as `main` builds them, over `pool` (a fresh test database),
/// serving static files from `site_root`; photos go to a folder of the test's own, so it can
/// check what is (not) left behind.
pub async fn spawn_app_with_site(pool: PgPool, mut config: Config, site_root: &str) -> TestApp {
    config.media = MediaConfig::Local {
        dir: std::env::temp_dir().join(format!("scout-media-{}", uuid::Uuid::new_v4())),
    };
    let options = LeptosOptions::builder()
        .output_name("scout")
        .site_root(site_root)
        .build();
    let state = AppState::new(pool.clone(), config, options).expect("app state");
    startup::session_store(&state)
        .migrate()
        .await
        .expect("session table");
    TestApp {
        router: startup::router(state.clone()),
        pool,
        state,
    }
}

/// Awaits a request's reply; none within a minute fails the test, naming the request (`what`),
/// instead of hanging the suite.
pub async fn answered<T>(what: String, reply: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(std::time::Duration::from_secs(60), reply)
        .await
        .unwrap_or_else(|_| panic!("{what}: no reply within 60 s"))
}

/// A server-function POST as the browser's WASM sends it, with no Origin/Referer yet.
pub fn api_post(path: &str, host: &str) -> axum::http::request::Builder {
    Request::post(path)
        .header(header::HOST, host)
        .header(header::ACCEPT, "application/json")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
}

impl TestApp {
    pub async fn send(&self, req: Request<Body>) -> Reply {
        let what = format!("{} {}", req.method(), req.uri());
        answered(what, async {
            Reply::from(self.router.clone().oneshot(req).await.unwrap()).await
        })
        .await
    }

    /// A form posted from the page at `client_ip` (as the proxy reports it), for the tests
    /// of per-address throttling.
    pub async fn post_from(
        &self,
        path: &str,
        body: &str,
        client_ip: &str,
        cookie: Option<&str>,
    ) -> Reply {
        let mut req = api_post(path, "127.0.0.1:3000")
            .header(header::ORIGIN, ORIGIN)
            .header("x-forwarded-for", client_ip);
        if let Some(cookie) = cookie {
            req = req.header(header::COOKIE, cookie);
        }
        self.send(req.body(Body::from(body.to_string())).unwrap())
            .await
    }

    /// Signs up from an address of its own (sign-ups are throttled per client address).
    pub async fn sign_up(&self, email: &str, password: &str) -> Reply {
        static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(1);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let client = format!("10.200.{}.{}", (n >> 8) & 255, n & 255);
        let body = form(&[("email", email), ("password", password)]);
        self.post_from("/api/accounts/sign_up", &body, &client, None)
            .await
    }

    pub async fn sign_in_from(
        &self,
        email: &str,
        password: &str,
        client_ip: &str,
        cookie: Option<&str>,
    ) -> Reply {
        let body = form(&[("email", email), ("password", password)]);
        self.post_from("/api/accounts/sign_in", &body, client_ip, cookie)
            .await
    }

    /// The signed-in account's email for this cookie, or None.
    pub async fn me(&self, cookie: &str) -> Option<String> {
        let value: serde_json::Value = self.get("/api/accounts/me", Some(cookie)).await.json();
        value
            .get("email")
            .and_then(|e| e.as_str())
            .map(str::to_string)
    }

    pub async fn post(&self, path: &str, body: String, cookie: Option<&str>) -> Reply {
        self.post_accepting(path, body, cookie, "application/json")
            .await
    }

    pub async fn post_accepting(
        &self,
        path: &str,
        body: String,
        cookie: Option<&str>,
        accept: &str,
    ) -> Reply {
        let mut req = Request::post(path)
            .header(header::HOST, "127.0.0.1:3000")
            .header(header::ORIGIN, ORIGIN)
            .header(header::REFERER, format!("{ORIGIN}/sell"))
            .header(header::ACCEPT, accept)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        if let Some(c) = cookie {
            req = req.header(header::COOKIE, c);
        }
        self.send(req.body(Body::from(body)).unwrap()).await
    }

    pub async fn get(&self, path: &str, cookie: Option<&str>) -> Reply {
        let mut req = Request::get(path).header(header::ACCEPT, "application/json");
        if let Some(c) = cookie {
            req = req.header(header::COOKIE, c);
        }
        self.send(req.body(Body::empty()).unwrap()).await
    }

    /// A new account whose owner has confirmed its address (signing up, with the link it
    /// mails, is what `accounts.rs` tests).
    pub async fn account(&self, email: &str, password: &str) {
        let hash = self
            .state
            .passwords
            .hash(password.to_string())
            .await
            .unwrap();
        scout::accounts::repo::insert_verified_account(&self.pool, email, &hash)
            .await
            .unwrap();
    }

    /// A new account with a confirmed address, signed in (from a client address of its own):
    /// its session cookie.
    pub async fn signed_in_account(&self, email: &str, password: &str) -> String {
        self.account(email, password).await;
        static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(1);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let client = format!("10.201.{}.{}", (n >> 8) & 255, n & 255);
        let reply = self.sign_in_from(email, password, &client, None).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        reply.cookie.unwrap()
    }

    /// A new account, signed in: its session cookie.
    pub async fn seller(&self, email: &str) -> String {
        self.signed_in_account(email, PASSWORD).await
    }

    /// Saves a new listing that must be accepted; its id.
    pub async fn create(&self, cookie: &str, fields: &[(&str, &str)]) -> ListingId {
        let reply = self.save(Some(cookie), None, fields).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        serde_json::from_str(&reply.body).unwrap()
    }

    pub async fn save(
        &self,
        cookie: Option<&str>,
        listing_id: Option<ListingId>,
        fields: &[(&str, &str)],
    ) -> Reply {
        let mut body = input_form(fields);
        if let Some(id) = listing_id {
            body.push_str(&format!("&listing_id={id}"));
        }
        self.post("/api/listings/save", body, cookie).await
    }

    pub async fn set_status(&self, cookie: &str, id: ListingId, status: &str) -> Reply {
        self.post(
            "/api/listings/set_status",
            format!("listing_id={id}&status={status}"),
            Some(cookie),
        )
        .await
    }

    /// Uploads a file as the browser's uploader does (the raw body).
    pub async fn upload(
        &self,
        cookie: Option<&str>,
        listing_id: ListingId,
        name: &str,
        bytes: Vec<u8>,
    ) -> Reply {
        let mut req = Request::post(format!("/api/listings/{listing_id}/photos"))
            .header(header::HOST, "127.0.0.1:3000")
            .header(header::ORIGIN, ORIGIN)
            .header(header::CONTENT_TYPE, "application/octet-stream")
            .header(header::CONTENT_LENGTH, bytes.len())
            .header("x-file-name", encode_component(name));
        if let Some(c) = cookie {
            req = req.header(header::COOKIE, c);
        }
        self.send(req.body(Body::from(bytes)).unwrap()).await
    }

    pub async fn photos(&self, cookie: &str, listing_id: ListingId) -> SellerPhotos {
        let reply = self
            .get(
                &format!("/api/photos/list?listing_id={listing_id}"),
                Some(cookie),
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        serde_json::from_str(&reply.body).unwrap()
    }

    pub async fn detail(&self, id: ListingId, cookie: Option<&str>) -> Reply {
        self.get(&format!("/api/listings/get?id={id}"), cookie)
            .await
    }

    /// Saves a search (its query string) as an alert; the reply.
    pub async fn save_alert(&self, cookie: Option<&str>, search: &str, name: &str) -> Reply {
        self.post(
            "/api/alerts/create",
            form(&[("search", search), ("name", name)]),
            cookie,
        )
        .await
    }

    /// Saves an alert that must be accepted; its rule id.
    pub async fn alert(&self, cookie: &str, search: &str, name: &str) -> i64 {
        self.save_alert(Some(cookie), search, name).await.json()
    }

    /// An instant alert on `search` that goes to the inbox and to `channel` ("email", "push"
    /// or "webhook"); its rule id.
    pub async fn alert_to(&self, cookie: &str, search: &str, name: &str, channel: &str) -> i64 {
        let rule = self.alert(cookie, search, name).await;
        let fields = [
            ("name", name),
            ("inbox", "on"),
            (channel, "on"),
            ("rhythm", "instant"),
        ];
        let reply = self.update_alert(cookie, rule, &fields).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        rule
    }

    /// Changes a rule's own fields (`name`, `keywords`, `inbox`, ...) as its editor does.
    pub async fn update_alert(&self, cookie: &str, rule: i64, fields: &[(&str, &str)]) -> Reply {
        let body = format!("rule_id={rule}&{}", input_form(fields));
        self.post("/api/alerts/update", body, Some(cookie)).await
    }

    pub async fn pause(&self, cookie: &str, rule: i64, paused: bool) -> Reply {
        self.post(
            "/api/alerts/pause",
            format!("rule_id={rule}&paused={paused}"),
            Some(cookie),
        )
        .await
    }

    pub async fn overview(&self, cookie: &str) -> AlertsOverview {
        self.get("/api/alerts/overview", Some(cookie)).await.json()
    }

    pub async fn inbox(&self, cookie: &str) -> Inbox {
        self.get("/api/alerts/inbox", Some(cookie)).await.json()
    }

    pub async fn settings(&self, cookie: &str) -> SettingsView {
        self.get("/api/settings/notifications", Some(cookie))
            .await
            .json()
    }

    pub async fn save_settings(&self, cookie: &str, fields: &[(&str, &str)]) -> Reply {
        self.post(
            "/api/settings/notifications/save",
            input_form(fields),
            Some(cookie),
        )
        .await
    }

    pub async fn add_webhook(&self, cookie: &str, fields: &[(&str, &str)]) -> Reply {
        self.post("/api/settings/webhooks/add", form(fields), Some(cookie))
            .await
    }

    /// Runs the alert worker until no listing event waits (matching them into notices).
    pub async fn drain(&self, worker: &mut Worker) {
        worker.drain(&self.state).await.unwrap();
    }

    /// Runs the workers to a standstill: matches waiting events, then sends what is due.
    pub async fn work(&self, worker: &mut Worker) {
        self.drain(worker).await;
        deliveries::deliver_all(&self.state).await.unwrap();
    }

    /// As if the clock had moved on: every pending delivery is due now.
    /// The waits are over: retries are due and paused channels may be tried again (a worker's
    /// lease is another matter: it lapses only when the worker is gone).
    pub async fn time_passes(&self) {
        for sql in [
            "update delivery set due_at = now() where state = 'pending'",
            "update channel_health set paused_until = now() where paused_until > now()",
        ] {
            sqlx::query(sql).execute(&self.pool).await.unwrap();
        }
    }

    /// A dead worker's claims lapse.
    pub async fn leases_lapse(&self) {
        sqlx::query("update delivery set lease_until = now() where lease_until > now()")
            .execute(&self.pool)
            .await
            .unwrap();
    }
}

/// A diesel Golf in Varna, published.
pub const GOLF: &[(&str, &str)] = &[
    ("category", "vehicle"),
    ("title", "Volkswagen Golf 2.0 TDI Highline"),
    ("description", "Обслужена, нов внос. One owner."),
    ("price", "18 900"),
    ("currency", "EUR"),
    ("city", "varna"),
    ("make", "volkswagen"),
    ("model", "volkswagen-golf"),
    ("year", "2016"),
    ("mileage_km", "154000"),
    ("fuel", "diesel"),
    ("transmission", "manual"),
    ("equipment][", "navigation"),
    ("equipment][", "parking-sensors"),
    ("intent", "publish"),
];

pub fn with<'a>(
    base: &[(&'a str, &'a str)],
    changes: &[(&'a str, &'a str)],
) -> Vec<(&'a str, &'a str)> {
    let mut out: Vec<(&str, &str)> = base
        .iter()
        .filter(|(k, _)| !changes.iter().any(|(c, _)| c == k))
        .copied()
        .collect();
    out.extend(changes.iter().filter(|(_, v)| !v.is_empty()).copied());
    out
}
