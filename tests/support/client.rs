//! A client for the real router, as the browser talks to it: forms posted to server
//! functions, JSON back, the session cookie carried along. Shared by the integration tests
//! that act as sellers and buyers.
#![allow(dead_code, reason = "each test crate uses part of it")]

use axum::{
    Router,
    body::{Body, to_bytes},
    http::{Request, StatusCode, header},
};
use scout::{
    error::AppError,
    gallery::model::SellerPhotos,
    listings::search::encode_component,
    server::{
        config::{Config, MediaConfig},
        state::AppState,
    },
};
use sqlx::PgPool;
use tower::ServiceExt;

pub const ORIGIN: &str = "http://127.0.0.1:3000";

pub struct App {
    pub router: Router,
    pub pool: PgPool,
    pub state: AppState,
}

pub struct Reply {
    pub status: StatusCode,
    pub location: Option<String>,
    pub cookie: Option<String>,
    pub body: String,
}

impl Reply {
    pub fn error(&self) -> AppError {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("not an AppError ({e}): {}", self.body))
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

pub async fn app(pool: PgPool) -> App {
    app_with(pool, Config::for_tests()).await
}

/// With photos in a folder of the test's own, so it can check what is (not) left behind.
pub async fn app_with(pool: PgPool, mut config: Config) -> App {
    config.media = MediaConfig::Local {
        dir: std::env::temp_dir().join(format!("scout-media-{}", uuid::Uuid::new_v4())),
    };
    let (router, state) = crate::support::app(pool.clone(), config, "target/site").await;
    App {
        router,
        pool,
        state,
    }
}

impl App {
    pub async fn send(&self, req: Request<Body>) -> Reply {
        let what = format!("{} {}", req.method(), req.uri());
        crate::support::answered(what, self.send_now(req)).await
    }

    async fn send_now(&self, req: Request<Body>) -> Reply {
        let res = self.router.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let location = res
            .headers()
            .get(header::LOCATION)
            .map(|v| v.to_str().unwrap().to_string());
        let cookie = res
            .headers()
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|c| c.starts_with("scout_session="))
            .map(|c| c.split(';').next().unwrap().to_string());
        let body = to_bytes(res.into_body(), 10 * 1024 * 1024).await.unwrap();
        Reply {
            status,
            location,
            cookie,
            body: String::from_utf8_lossy(&body).into_owned(),
        }
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

    /// A new account, signed in: its session cookie.
    pub async fn seller(&self, email: &str) -> String {
        let reply = self
            .post(
                "/api/accounts/sign_up",
                format!(
                    "email={}&password={}",
                    encode_component(email),
                    "violet+tractor+mango+42"
                ),
                None,
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        reply.cookie.unwrap()
    }

    /// Saves a new listing that must be accepted; its id.
    pub async fn create(&self, cookie: &str, fields: &[(&str, &str)]) -> i64 {
        let reply = self.save(Some(cookie), None, fields).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        serde_json::from_str(&reply.body).unwrap()
    }

    pub async fn save(
        &self,
        cookie: Option<&str>,
        listing_id: Option<i64>,
        fields: &[(&str, &str)],
    ) -> Reply {
        let mut body: Vec<String> = fields
            .iter()
            .map(|(k, v)| {
                format!(
                    "{}={}",
                    encode_component(&format!("input[{k}]")),
                    encode_component(v)
                )
            })
            .collect();
        if let Some(id) = listing_id {
            body.push(format!("listing_id={id}"));
        }
        self.post("/api/listings/save", body.join("&"), cookie)
            .await
    }

    pub async fn set_status(&self, cookie: &str, id: i64, status: &str) -> Reply {
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
        listing_id: i64,
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

    pub async fn photos(&self, cookie: &str, listing_id: i64) -> SellerPhotos {
        let reply = self
            .get(
                &format!("/api/photos/list?listing_id={listing_id}"),
                Some(cookie),
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        serde_json::from_str(&reply.body).unwrap()
    }

    pub async fn detail(&self, id: i64, cookie: Option<&str>) -> Reply {
        self.get(&format!("/api/listings/get?id={id}"), cookie)
            .await
    }
}

/// A diesel Golf in Varna, published.
pub const GOLF: &[(&str, &str)] = &[
    ("category", "vehicle"),
    ("title", "Volkswagen Golf 2.0 TDI Highline"),
    ("description", "Обслужена, нов внос. One owner."),
    ("price", "18 900"),
    ("currency", "BGN"),
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
