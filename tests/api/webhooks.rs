//! Alert webhooks through the real router and Postgres, to a local HTTP receiver that checks
//! what arrives: the signed JSON (HMAC-SHA256 over "timestamp.body"), Discord's body, the
//! Telegram Bot API call; secrets sealed at rest; retries and permanent failures; private
//! addresses refused; one account never touches another's endpoints.

use axum::{
    Router,
    body::Bytes,
    extract::{Path, State},
    http::{HeaderMap, StatusCode},
    routing::post,
};
use hmac::{Hmac, Mac};
use scout::{alerts::service::Worker, notifications::worker as deliveries, server::config::Config};
use sha2::Sha256;
use sqlx::PgPool;
use std::sync::{Arc, Mutex};

use crate::helpers::{GOLF, TestApp, spawn_app_with, with};

const GOLF_ALERT: &str = "make=volkswagen&model=volkswagen-golf&fuel=diesel&price_max=20000";
const BOT_TOKEN: &str = "123456789:AAHabcdefghijklmnopqrstuvwxyz";

#[derive(Debug, Clone)]
struct Hit {
    path: String,
    headers: HeaderMap,
    body: Bytes,
}

#[derive(Clone, Default)]
struct Receiver {
    hits: Arc<Mutex<Vec<Hit>>>,
    status: Arc<Mutex<u16>>,
}

async fn hook(State(r): State<Receiver>, headers: HeaderMap, body: Bytes) -> StatusCode {
    r.hits.lock().unwrap().push(Hit {
        path: "/hook".into(),
        headers,
        body,
    });
    StatusCode::from_u16(*r.status.lock().unwrap()).unwrap()
}

async fn discord(State(r): State<Receiver>, headers: HeaderMap, body: Bytes) -> StatusCode {
    r.hits.lock().unwrap().push(Hit {
        path: "/discord".into(),
        headers,
        body,
    });
    StatusCode::NO_CONTENT
}

async fn telegram(
    State(r): State<Receiver>,
    Path(bot): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> (StatusCode, &'static str) {
    r.hits.lock().unwrap().push(Hit {
        path: format!("/{bot}/sendMessage"),
        headers,
        body,
    });
    (StatusCode::OK, r#"{"ok":true,"result":{}}"#)
}

async fn receiver() -> (Receiver, String) {
    let r = Receiver {
        status: Arc::new(Mutex::new(200)),
        ..Receiver::default()
    };
    let app = Router::new()
        .route("/hook", post(hook))
        .route("/discord", post(discord))
        .route("/{bot}/sendMessage", post(telegram))
        .with_state(r.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (r, base)
}

impl Receiver {
    fn hits(&self) -> Vec<Hit> {
        self.hits.lock().unwrap().clone()
    }
}

impl TestApp {
    async fn states(&self) -> Vec<(String, i32, Option<String>)> {
        sqlx::query_as("select state, attempts, last_error from delivery order by delivery_id")
            .fetch_all(&self.pool)
            .await
            .unwrap()
    }
}

async fn setup(pool: PgPool, allow_private: bool, telegram_api: &str) -> TestApp {
    let mut config = Config::for_tests();
    config.webhook_allow_private = allow_private;
    config.telegram_api = telegram_api.to_string();
    spawn_app_with(pool, config).await
}

#[sqlx::test]
async fn a_json_webhook_is_signed_as_documented_and_its_secret_sealed(pool: PgPool) {
    let (receiver, base) = receiver().await;
    let app = setup(pool, true, &base).await;
    let mut worker = Worker::new();
    let buyer = app.seller("buyer@example.com").await;
    let seller = app.seller("seller@example.com").await;
    let reply = app
        .add_webhook(
            &buyer,
            &[
                ("kind", "json"),
                ("webhook_name", "My server"),
                ("webhook_url", &format!("{base}/hook")),
            ],
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let view = app.settings(&buyer).await;
    assert_eq!(view.webhooks.len(), 1);
    assert_eq!(view.webhooks[0].kind, "JSON (signed)");
    let secret = view.webhooks[0].signing_secret.clone().unwrap();
    assert!(secret.starts_with("whsec_") && secret.len() > 40);
    // sealed at rest: the database never holds the secret itself
    let sealed: Vec<u8> = sqlx::query_scalar("select secret_sealed from webhook_endpoint")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert!(!sealed.windows(secret.len()).any(|w| w == secret.as_bytes()));

    app.alert_to(&buyer, GOLF_ALERT, "Golf diesel", "webhook")
        .await;
    let id = app.create(&seller, GOLF).await;
    app.work(&mut worker).await;
    let hits = receiver.hits();
    assert_eq!(hits.len(), 1);
    let hit = &hits[0];
    let header = |name: &str| hit.headers.get(name).unwrap().to_str().unwrap().to_string();
    let timestamp: i64 = header("scout-timestamp").parse().unwrap();
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    assert!((now - timestamp).abs() < 300, "fresh timestamp");
    // verify as a receiver would: HMAC-SHA256(secret, "{timestamp}.{raw body}")
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{timestamp}.").as_bytes());
    mac.update(&hit.body);
    let signature = header("scout-signature");
    let hex = signature.strip_prefix("v1=").unwrap();
    mac.verify_slice(&hex::decode(hex).unwrap())
        .expect("the signature verifies");
    // a changed body does not verify
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{timestamp}.").as_bytes());
    mac.update(b"{\"items\":[]}");
    assert!(mac.verify_slice(&hex::decode(hex).unwrap()).is_err());
    assert!(header("scout-delivery").starts_with("delivery-"));
    let body: serde_json::Value = serde_json::from_slice(&hit.body).unwrap();
    assert_eq!(body["type"], "alert.match");
    assert_eq!(body["rule"], "Golf diesel");
    assert_eq!(body["items"][0]["price"], "18,900 EUR");
    assert_eq!(
        body["items"][0]["url"],
        format!("http://127.0.0.1:3000/listings/{id}")
    );
    assert!(
        body["items"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("just listed")
    );
    assert_eq!(app.states().await[0].0, "sent");
}

#[sqlx::test]
async fn discord_and_telegram_get_their_own_formats(pool: PgPool) {
    let (receiver, base) = receiver().await;
    let app = setup(pool, true, &base).await;
    let mut worker = Worker::new();
    let buyer = app.seller("buyer@example.com").await;
    let seller = app.seller("seller@example.com").await;
    for fields in [
        vec![
            ("kind", "discord"),
            ("webhook_name", "Car channel"),
            ("webhook_url", &*format!("{base}/discord")),
        ],
        vec![
            ("kind", "telegram"),
            ("webhook_name", "My phone"),
            ("bot_token", BOT_TOKEN),
            ("chat_id", "-1001234567890"),
        ],
    ] {
        let reply = app.add_webhook(&buyer, &fields).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    }
    // Discord's URL is its key: sealed at rest, only the host kept in the clear
    let (url, sealed): (String, Vec<u8>) =
        sqlx::query_as("select url, secret_sealed from webhook_endpoint where kind = 'discord'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(url, format!("{base}/"));
    assert!(!sealed.windows(8).any(|w| w == b"/discord"));
    let view = app.settings(&buyer).await;
    assert_eq!(view.webhooks[1].target, "chat -1001234567890");
    assert!(view.webhooks.iter().all(|w| w.signing_secret.is_none()));
    let sealed: Vec<u8> =
        sqlx::query_scalar("select secret_sealed from webhook_endpoint where kind = 'telegram'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert!(
        !sealed
            .windows(BOT_TOKEN.len())
            .any(|w| w == BOT_TOKEN.as_bytes())
    );

    app.alert_to(&buyer, GOLF_ALERT, "Golf diesel", "webhook")
        .await;
    app.create(&seller, GOLF).await;
    app.work(&mut worker).await;
    let hits = receiver.hits();
    assert_eq!(hits.len(), 2, "{hits:?}");
    let discord = hits.iter().find(|h| h.path == "/discord").unwrap();
    let body: serde_json::Value = serde_json::from_slice(&discord.body).unwrap();
    assert_eq!(body["content"], "New on Scout");
    assert!(
        body["embeds"][0]["title"]
            .as_str()
            .unwrap()
            .starts_with("Volkswagen Golf")
    );
    assert!(
        body["embeds"][0]["description"]
            .as_str()
            .unwrap()
            .contains("18,900 EUR")
    );
    assert!(discord.headers.get("scout-signature").is_none());
    let telegram = hits
        .iter()
        .find(|h| h.path == format!("/bot{BOT_TOKEN}/sendMessage"))
        .unwrap();
    let body: serde_json::Value = serde_json::from_slice(&telegram.body).unwrap();
    assert_eq!(body["chat_id"], "-1001234567890");
    assert!(body["text"].as_str().unwrap().contains("just listed"));
    assert!(app.states().await.iter().all(|s| s.0 == "sent"));
}

#[sqlx::test]
async fn webhook_mistakes_failures_and_other_accounts(pool: PgPool) {
    let (receiver, base) = receiver().await;
    let app = setup(pool, true, &base).await;
    let mut worker = Worker::new();
    let buyer = app.seller("buyer@example.com").await;
    let other = app.seller("other@example.com").await;
    let seller = app.seller("seller@example.com").await;

    // each mistake is named
    let reply = app
        .add_webhook(
            &buyer,
            &[
                ("kind", "json"),
                ("webhook_name", ""),
                ("webhook_url", "ftp://x"),
            ],
        )
        .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    let e = reply.error();
    assert!(e.field("webhook_name").is_some() && e.field("webhook_url").is_some());
    let reply = app
        .add_webhook(
            &buyer,
            &[
                ("kind", "telegram"),
                ("webhook_name", "Phone"),
                ("bot_token", "not-a-token"),
                ("chat_id", "somebody"),
            ],
        )
        .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    let e = reply.error();
    assert!(e.field("bot_token").is_some() && e.field("chat_id").is_some());
    // five at most
    for n in 0..5 {
        let reply = app
            .add_webhook(
                &buyer,
                &[
                    ("kind", "json"),
                    ("webhook_name", &format!("Hook {n}")),
                    ("webhook_url", &format!("{base}/hook")),
                ],
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    }
    let reply = app
        .add_webhook(
            &buyer,
            &[
                ("kind", "json"),
                ("webhook_name", "Sixth"),
                ("webhook_url", &format!("{base}/hook")),
            ],
        )
        .await;
    assert_eq!(reply.status, StatusCode::PAYMENT_REQUIRED);
    // nobody else can remove them, or see them
    let ids: Vec<i64> = app
        .settings(&buyer)
        .await
        .webhooks
        .iter()
        .map(|w| w.id)
        .collect();
    let reply = app
        .post(
            "/api/settings/webhooks/remove",
            format!("endpoint_id={}", ids[0]),
            Some(&other),
        )
        .await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert!(app.settings(&other).await.webhooks.is_empty());
    // keep one
    for id in &ids[1..] {
        let reply = app
            .post(
                "/api/settings/webhooks/remove",
                format!("endpoint_id={id}"),
                Some(&buyer),
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK);
    }

    // the receiver fails: retried later, and after three failures the Alerts page says so
    app.alert_to(&buyer, GOLF_ALERT, "Golf diesel", "webhook")
        .await;
    *receiver.status.lock().unwrap() = 503;
    app.create(&seller, GOLF).await;
    app.work(&mut worker).await;
    let (state, attempts, error) = app.states().await.pop().unwrap();
    assert_eq!((state.as_str(), attempts), ("pending", 1));
    assert!(error.unwrap().contains("503"));
    for _ in 0..2 {
        sqlx::query("update delivery set due_at = now() where state = 'pending'")
            .execute(&app.pool)
            .await
            .unwrap();
        deliveries::deliver_all(&app.state).await.unwrap();
    }
    let reply = app.get("/api/alerts/overview", Some(&buyer)).await;
    let overview: scout::alerts::model::AlertsOverview = serde_json::from_str(&reply.body).unwrap();
    assert_eq!(overview.trouble.len(), 1);
    assert_eq!(overview.trouble[0].what, "Webhook “Hook 0”");
    // gone for good (410): not retried (once the failing endpoint's pause is over)
    *receiver.status.lock().unwrap() = 410;
    app.time_passes().await;
    deliveries::deliver_all(&app.state).await.unwrap();
    let (state, attempts, _) = app.states().await.pop().unwrap();
    assert_eq!((state.as_str(), attempts), ("failed", 4));
    // an endpoint removed while a delivery waits: the delivery is cancelled
    *receiver.status.lock().unwrap() = 503;
    app.create(
        &seller,
        &with(GOLF, &[("title", "Volkswagen Golf Variant")]),
    )
    .await;
    app.work(&mut worker).await;
    let reply = app
        .post(
            "/api/settings/webhooks/remove",
            format!("endpoint_id={}", ids[0]),
            Some(&buyer),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    app.time_passes().await;
    deliveries::deliver_all(&app.state).await.unwrap();
    assert_eq!(app.states().await.pop().unwrap().0, "cancelled");
}

#[sqlx::test]
async fn webhooks_may_not_reach_private_addresses(pool: PgPool) {
    let (receiver, base) = receiver().await;
    let app = setup(pool, false, "https://api.telegram.org").await;
    let mut worker = Worker::new();
    let buyer = app.seller("buyer@example.com").await;
    let seller = app.seller("seller@example.com").await;
    // plain http is refused outright
    let reply = app
        .add_webhook(
            &buyer,
            &[
                ("kind", "json"),
                ("webhook_name", "Local"),
                ("webhook_url", &format!("{base}/hook")),
            ],
        )
        .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    // a Discord endpoint must be Discord's
    let reply = app
        .add_webhook(
            &buyer,
            &[
                ("kind", "discord"),
                ("webhook_name", "Fake"),
                ("webhook_url", "https://example.com/api/webhooks/1/x"),
            ],
        )
        .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    // another port than https's: refused (no probing of other services on a host)
    let port = base.rsplit(':').next().unwrap();
    let reply = app
        .add_webhook(
            &buyer,
            &[
                ("kind", "json"),
                ("webhook_name", "Probe"),
                (
                    "webhook_url",
                    &format!("https://hooks.example.com:{port}/hook"),
                ),
            ],
        )
        .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    // https to a name that resolves to this machine: accepted, but never called
    let reply = app
        .add_webhook(
            &buyer,
            &[
                ("kind", "json"),
                ("webhook_name", "Sneaky"),
                ("webhook_url", "https://localhost/hook"),
            ],
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    app.alert_to(&buyer, GOLF_ALERT, "Golf diesel", "webhook")
        .await;
    app.create(&seller, GOLF).await;
    app.work(&mut worker).await;
    assert!(receiver.hits().is_empty());
    let (state, _, error) = app.states().await.pop().unwrap();
    assert_eq!(state, "failed");
    // the same words whether the name doesn't resolve or resolves inside
    let error = error.unwrap();
    assert!(
        error.contains("localhost can't be reached as a public address"),
        "{error}"
    );
}

/// A webhook receiver that, while `hang` is set, takes requests and never answers (a
/// tarpit); `answered` counts the requests it did answer.
#[derive(Clone, Default)]
struct Tarpit {
    hang: Arc<std::sync::atomic::AtomicBool>,
    entered: Arc<std::sync::atomic::AtomicUsize>,
    answered: Arc<std::sync::atomic::AtomicUsize>,
}

async fn tarpit_hook(State(t): State<Tarpit>) -> StatusCode {
    use std::sync::atomic::Ordering::SeqCst;
    t.entered.fetch_add(1, SeqCst);
    if t.hang.load(SeqCst) {
        std::future::pending::<()>().await;
    }
    t.answered.fetch_add(1, SeqCst);
    StatusCode::OK
}

#[sqlx::test]
async fn a_tarpit_endpoint_delays_nobody_else_and_a_killed_worker_sends_once(pool: PgPool) {
    use std::sync::atomic::Ordering::SeqCst;
    let tarpit = Tarpit::default();
    tarpit.hang.store(true, SeqCst);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let router = Router::new()
        .route("/hook", post(tarpit_hook))
        .with_state(tarpit.clone());
    tokio::spawn(async move { axum::serve(listener, router).await });
    let smtp = crate::smtp::Smtp::start().await;
    let mut config = Config::for_tests();
    config.webhook_allow_private = true;
    config.smtp_url = Some(smtp.url.clone());
    let app = spawn_app_with(pool, config).await;
    let mut worker = Worker::new();

    // Ana's alerts go to an endpoint that never answers; Ben's by email
    let ana = app.seller("ana@example.com").await;
    let reply = app
        .add_webhook(
            &ana,
            &[
                ("kind", "json"),
                ("webhook_name", "Tarpit"),
                ("webhook_url", &format!("{base}/hook")),
            ],
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    app.alert_to(&ana, GOLF_ALERT, "Golf diesel", "webhook")
        .await;
    let ben = app.seller("ben@example.com").await;
    app.alert_to(&ben, GOLF_ALERT, "Golf diesel", "email").await;
    let seller = app.seller("seller@example.com").await;
    app.create(&seller, GOLF).await;
    app.drain(&mut worker).await;

    // Ben's email goes out within seconds while Ana's webhook hangs
    let started = std::time::Instant::now();
    let state = app.state.clone();
    let step = tokio::spawn(async move { deliveries::deliver_step(&state).await });
    let sent = || async {
        sqlx::query_scalar::<_, i64>("select count(*) from delivery where state = 'sent'")
            .fetch_one(&app.pool)
            .await
            .unwrap()
    };
    while sent().await == 0 {
        assert!(
            started.elapsed() < std::time::Duration::from_secs(5),
            "the email waited behind the webhook"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(smtp.received().len(), 1);
    while tarpit.entered.load(SeqCst) == 0 {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    // the worker dies mid-send (Ben's outcome was recorded as it came)
    step.abort();
    let _ = step.await;
    let states: Vec<(String, bool)> =
        sqlx::query_as("select state, lease_until is not null from delivery order by channel")
            .fetch_all(&app.pool)
            .await
            .unwrap();
    assert_eq!(
        states,
        [("sent".to_string(), false), ("pending".to_string(), true)]
    );

    // the endpoint recovers; once the dead worker's lease lapses, another worker sends the
    // webhook, and nothing is sent twice
    tarpit.hang.store(false, SeqCst);
    deliveries::deliver_all(&app.state).await.unwrap();
    assert_eq!(
        tarpit.answered.load(SeqCst),
        0,
        "taken while the lease held"
    );
    app.leases_lapse().await;
    deliveries::deliver_all(&app.state).await.unwrap();
    assert_eq!(tarpit.answered.load(SeqCst), 1);
    assert_eq!(smtp.received().len(), 1);
    let states: Vec<String> = sqlx::query_scalar("select state from delivery")
        .fetch_all(&app.pool)
        .await
        .unwrap();
    assert_eq!(states, ["sent", "sent"]);
}

#[sqlx::test]
async fn secrets_open_only_in_their_own_row_and_older_ones_are_bound_at_start_up(pool: PgPool) {
    use scout::notifications::settings::{bind_old_secrets, open_push_auth, open_webhook_secret};
    let (receiver, base) = receiver().await;
    let app = setup(pool, true, &base).await;
    let mut worker = Worker::new();
    let buyer = app.seller("buyer@example.com").await;
    let other = app.seller("other@example.com").await;
    let seller = app.seller("seller@example.com").await;
    for cookie in [&buyer, &other] {
        let reply = app
            .add_webhook(
                cookie,
                &[
                    ("kind", "json"),
                    ("webhook_name", "My server"),
                    ("webhook_url", &format!("{base}/hook")),
                ],
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    }
    assert!(
        app.settings(&other).await.webhooks[0]
            .signing_secret
            .is_some()
    );
    // the buyer's sealed secret copied into the other account's row does not open there
    sqlx::query(
        "update webhook_endpoint set secret_sealed = (select secret_sealed from webhook_endpoint w \
           join account a using (account_id) where a.email = 'buyer@example.com') \
         where account_id = (select account_id from account where email = 'other@example.com')",
    )
    .execute(&app.pool)
    .await
    .unwrap();
    assert_eq!(app.settings(&other).await.webhooks[0].signing_secret, None);

    // rows from before secrets were bound: a JSON secret sealed unbound, a Discord URL in the
    // clear, a push device's auth sealed unbound
    let buyer_id: uuid::Uuid =
        sqlx::query_scalar("select account_id from account where email = 'buyer@example.com'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    let sealer = &app.state.sealer;
    sqlx::query(
        "insert into webhook_endpoint (account_id, kind, name, url, secret_sealed) values \
           ($1, 'json', 'Old server', $2, $3), ($1, 'discord', 'Old channel', $4, null)",
    )
    .bind(buyer_id)
    .bind(format!("{base}/hook"))
    .bind(sealer.seal(b"whsec_from_before"))
    .bind(format!("{base}/discord"))
    .execute(&app.pool)
    .await
    .unwrap();
    sqlx::query(
        "insert into push_subscription (account_id, endpoint, p256dh, auth_sealed, name) \
         values ($1, 'https://push.example/old', 'key', $2, 'Old phone')",
    )
    .bind(buyer_id)
    .bind(sealer.seal(b"old-auth"))
    .execute(&app.pool)
    .await
    .unwrap();

    assert_eq!(bind_old_secrets(&app.state).await.unwrap(), 3);
    assert_eq!(bind_old_secrets(&app.state).await.unwrap(), 0, "once");
    let view = app.settings(&buyer).await;
    assert_eq!(
        view.webhooks[1].signing_secret.as_deref(),
        Some("whsec_from_before")
    );
    let rows = scout::notifications::repo::webhooks(
        &app.pool,
        scout::accounts::model::AccountId(buyer_id),
    )
    .await
    .unwrap();
    let discord = &rows[2];
    assert_eq!(discord.url.as_deref(), Some(&*format!("{base}/")));
    assert_eq!(
        open_webhook_secret(sealer, discord).unwrap().unwrap(),
        format!("{base}/discord")
    );
    let (endpoint, auth): (String, Vec<u8>) =
        sqlx::query_as("select endpoint, auth_sealed from push_subscription")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(
        open_push_auth(
            sealer,
            scout::accounts::model::AccountId(buyer_id),
            &endpoint,
            &auth
        )
        .unwrap(),
        "old-auth"
    );

    // and both old webhooks still get the alerts
    app.alert_to(&buyer, GOLF_ALERT, "Golf diesel", "webhook")
        .await;
    app.create(&seller, GOLF).await;
    app.work(&mut worker).await;
    let hits = receiver.hits();
    assert_eq!(
        hits.iter().filter(|h| h.path == "/hook").count(),
        2,
        "{hits:?}"
    );
    assert_eq!(hits.iter().filter(|h| h.path == "/discord").count(), 1);
}
