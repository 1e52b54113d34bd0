//! Web push through the real router and Postgres to a local push service that does what a
//! browser vendor's does: it checks the VAPID token (RFC 8292: ES256, audience, expiry at
//! most 24 hours ahead, the key the browser subscribed with) and the browser decrypts the
//! RFC 8291 message with its own keys. A subscription the service reports gone is removed.

use axum::{
    Router,
    body::Bytes,
    extract::State,
    http::{HeaderMap, StatusCode},
    routing::post,
};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use scout::{alerts::service::Worker, notifications::worker as deliveries, server::config::Config};
use sqlx::PgPool;
use std::sync::{Arc, Mutex};
use web_push_native::{
    Auth,
    jwt_simple::{
        algorithms::{ECDSAP256PublicKeyLike, ES256PublicKey},
        claims::NoCustomClaims,
    },
    p256::SecretKey,
};

use crate::helpers::{GOLF, form, spawn_app_with};

const GOLF_ALERT: &str = "make=volkswagen&model=volkswagen-golf&fuel=diesel&price_max=20000";

#[derive(Clone)]
struct PushService {
    received: Arc<Mutex<Vec<(HeaderMap, Bytes)>>>,
    status: Arc<Mutex<u16>>,
}

async fn accept(State(s): State<PushService>, headers: HeaderMap, body: Bytes) -> StatusCode {
    s.received.lock().unwrap().push((headers, body));
    StatusCode::from_u16(*s.status.lock().unwrap()).unwrap()
}

async fn push_service() -> (PushService, String) {
    let s = PushService {
        received: Arc::default(),
        status: Arc::new(Mutex::new(201)),
    };
    let app = Router::new()
        .route("/push/{id}", post(accept))
        .with_state(s.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (s, base)
}

/// A browser's side of a subscription: its keys.
struct Browser {
    secret: SecretKey,
    auth: [u8; 16],
}

impl Browser {
    fn new() -> Browser {
        Browser {
            secret: SecretKey::random(&mut rand::rngs::OsRng),
            auth: rand::random(),
        }
    }
    fn p256dh(&self) -> String {
        URL_SAFE_NO_PAD.encode(self.secret.public_key().to_sec1_bytes())
    }
    fn auth(&self) -> String {
        URL_SAFE_NO_PAD.encode(self.auth)
    }
    fn decrypt(&self, body: &[u8]) -> serde_json::Value {
        let plain = web_push_native::decrypt(
            body.to_vec(),
            &self.secret,
            &Auth::clone_from_slice(&self.auth),
        )
        .expect("the message decrypts with the browser's keys");
        serde_json::from_slice(&plain).unwrap()
    }
}

#[sqlx::test]
async fn a_match_is_pushed_encrypted_for_the_browser_with_a_valid_vapid_token(pool: PgPool) {
    let (service, base) = push_service().await;
    let app = spawn_app_with(pool, Config::for_tests()).await;
    let mut worker = Worker::new();
    let buyer = app.seller("buyer@example.com").await;
    let seller = app.seller("seller@example.com").await;
    let browser = Browser::new();
    let endpoint = format!("{base}/push/phone-1");
    let reply = app
        .post(
            "/api/settings/push/add",
            form(&[
                ("endpoint", &endpoint),
                ("p256dh", &browser.p256dh()),
                ("auth", &browser.auth()),
                ("device_name", "Ana's phone"),
            ]),
            Some(&buyer),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let view = app.settings(&buyer).await;
    assert_eq!(view.devices.len(), 1);
    assert_eq!(view.devices[0].name, "Ana's phone");
    let vapid_key = view.push_key.clone();
    assert_eq!(URL_SAFE_NO_PAD.decode(&vapid_key).unwrap().len(), 65);

    app.alert_to(&buyer, GOLF_ALERT, "Golf diesel", "push")
        .await;
    let id = app.create(&seller, GOLF).await;
    worker.drain(&app.state).await.unwrap();
    deliveries::deliver_all(&app.state).await.unwrap();

    let received = service.received.lock().unwrap().clone();
    assert_eq!(received.len(), 1);
    let (headers, body) = &received[0];
    let header = |name: &str| headers.get(name).unwrap().to_str().unwrap().to_string();
    assert_eq!(header("content-encoding"), "aes128gcm");
    let ttl: u64 = header("ttl").parse().unwrap();
    assert!(ttl > 0 && ttl <= 24 * 3600);
    // VAPID: "vapid t=<JWT>, k=<the key the browser subscribed with>"
    let auth = header("authorization");
    let rest = auth.strip_prefix("vapid ").unwrap();
    let (t, k) = rest.split_once(", ").unwrap();
    let (t, k) = (t.strip_prefix("t=").unwrap(), k.strip_prefix("k=").unwrap());
    assert_eq!(k, vapid_key);
    let key = ES256PublicKey::from_bytes(&URL_SAFE_NO_PAD.decode(k).unwrap()).unwrap();
    let claims = key
        .verify_token::<NoCustomClaims>(t, None)
        .expect("the VAPID token is signed with that key");
    let audiences = claims.audiences.unwrap().into_set();
    assert!(audiences.contains("http://127.0.0.1"), "{audiences:?}");
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let expires = i64::try_from(claims.expires_at.unwrap().as_secs()).unwrap();
    assert!(
        expires > now && expires <= now + 24 * 3600,
        "expiry at most 24 h ahead"
    );
    assert_eq!(claims.subject.as_deref(), Some("mailto:alerts@localhost"));
    // the browser decrypts it and the service worker has what it shows
    let message = browser.decrypt(body);
    assert!(
        message["title"]
            .as_str()
            .unwrap()
            .starts_with("Volkswagen Golf")
    );
    assert!(message["body"].as_str().unwrap().contains("just listed"));
    assert!(message["body"].as_str().unwrap().contains("18,900 EUR"));
    assert_eq!(
        message["url"],
        format!("http://127.0.0.1:3000/listings/{id}")
    );
    // another browser's keys cannot read it
    let stranger = Browser::new();
    assert!(
        web_push_native::decrypt(
            body.to_vec(),
            &stranger.secret,
            &Auth::clone_from_slice(&stranger.auth)
        )
        .is_err()
    );
    // the subscription's secret is sealed at rest
    let sealed: Vec<u8> = sqlx::query_scalar("select auth_sealed from push_subscription")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert!(!sealed.windows(16).any(|w| w == browser.auth));
}

#[sqlx::test]
async fn an_expired_subscription_is_removed_and_bad_ones_refused(pool: PgPool) {
    let (service, base) = push_service().await;
    let app = spawn_app_with(pool, Config::for_tests()).await;
    let mut worker = Worker::new();
    let buyer = app.seller("buyer@example.com").await;
    let other = app.seller("other@example.com").await;
    let seller = app.seller("seller@example.com").await;
    let browser = Browser::new();
    // keys that are not keys
    let reply = app
        .post(
            "/api/settings/push/add",
            form(&[
                ("endpoint", &format!("{base}/push/x")),
                ("p256dh", "AAAA"),
                ("auth", &browser.auth()),
                ("device_name", "Phone"),
            ]),
            Some(&buyer),
        )
        .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    // signed out
    let reply = app
        .post(
            "/api/settings/push/add",
            form(&[
                ("endpoint", &format!("{base}/push/x")),
                ("p256dh", &browser.p256dh()),
                ("auth", &browser.auth()),
                ("device_name", "Phone"),
            ]),
            None,
        )
        .await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    let reply = app
        .post(
            "/api/settings/push/add",
            form(&[
                ("endpoint", &format!("{base}/push/tablet")),
                ("p256dh", &browser.p256dh()),
                ("auth", &browser.auth()),
                ("device_name", ""),
            ]),
            Some(&buyer),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let device = app.settings(&buyer).await.devices[0].clone();
    assert_eq!(device.name, "This browser");
    // not someone else's to remove
    let reply = app
        .post(
            "/api/settings/push/remove",
            format!("device_id={}", device.id),
            Some(&other),
        )
        .await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    // nor someone else's to take: the same endpoint sent by another account stays the buyer's
    let reply = app
        .post(
            "/api/settings/push/add",
            form(&[
                ("endpoint", &format!("{base}/push/tablet")),
                ("p256dh", &browser.p256dh()),
                ("auth", &browser.auth()),
                ("device_name", "Mine now"),
            ]),
            Some(&other),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CONFLICT, "{}", reply.body);
    assert!(app.settings(&other).await.devices.is_empty());
    let kept = app.settings(&buyer).await.devices;
    assert_eq!((kept.len(), kept[0].name.as_str()), (1, "This browser"));

    // the push service says the subscription is gone: removed, not retried
    *service.status.lock().unwrap() = 410;
    app.alert_to(&buyer, GOLF_ALERT, "Golf diesel", "push")
        .await;
    app.create(&seller, GOLF).await;
    worker.drain(&app.state).await.unwrap();
    deliveries::deliver_all(&app.state).await.unwrap();
    assert_eq!(service.received.lock().unwrap().len(), 1);
    assert!(app.settings(&buyer).await.devices.is_empty());
    let (state, error): (String, Option<String>) =
        sqlx::query_as("select state, last_error from delivery")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(state, "failed");
    assert!(error.unwrap().contains("expired"));
}
