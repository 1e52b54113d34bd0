//! Plans as data: every quota refuses with 402 at its limit, naming the plan and the plan that
//! allows more; an operator's edit of the plan table applies without a restart; a
//! subscription in good standing (or past due within its grace) lifts the quotas; the billing
//! page's usage counts what is used; without Stripe keys the payment actions answer 501.

use crate::helpers::{GOLF, TestApp, form, spawn_app, with};
use axum::http::StatusCode;
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use scout::billing::api::{BillingView, Pricing};
use scout::billing::{enforce, plans::Quota};
use scout::error::AppError;
use scout::gallery::fixtures;
use sqlx::PgPool;

/// Sets one of the Free plan's quotas, as an operator edits the table.
async fn free_allows(app: &TestApp, column: &str, n: i32) {
    sqlx::query(&format!(
        "update plan set {column} = $1 where code = 'free'"
    ))
    .bind(n)
    .execute(&app.state.pool)
    .await
    .unwrap();
}

fn plan_limit(reply: &crate::helpers::Reply) -> String {
    assert_eq!(
        reply.status,
        StatusCode::PAYMENT_REQUIRED,
        "expected a 402: {}",
        reply.body
    );
    match reply.error() {
        AppError::PlanLimit { message } => message,
        other => panic!("not a plan limit: {other:?}"),
    }
}

async fn account_id(app: &TestApp, email: &str) -> uuid::Uuid {
    sqlx::query_scalar("select account_id from account where email = $1")
        .bind(email)
        .fetch_one(&app.state.pool)
        .await
        .unwrap()
}

async fn subscribe(app: &TestApp, email: &str, plan: &str, status: &str, grace_hours: i64) {
    let account = account_id(app, email).await;
    sqlx::query(
        "insert into subscription (stripe_subscription_id, account_id, plan_code, status, \
         billing_interval, current_period_end, grace_until) \
         values ('sub_' || md5(random()::text), $1, $2, $3, 'month', now() + interval '30 days', \
                 now() + make_interval(hours => $4::int))",
    )
    .bind(account)
    .bind(plan)
    .bind(status)
    .bind(i32::try_from(grace_hours).unwrap())
    .execute(&app.state.pool)
    .await
    .unwrap();
}

async fn billing(app: &TestApp, cookie: &str) -> BillingView {
    app.get("/api/billing/overview", Some(cookie)).await.json()
}

#[sqlx::test]
async fn each_quota_refuses_at_its_limit_with_the_plan_and_the_upgrade(pool: PgPool) {
    let app = spawn_app(pool).await;
    let ana = app.seller("ana@example.com").await;

    // active alerts: the Free plan's 3, then 402 naming Free and Pro's number
    for n in 0..3 {
        app.alert(&ana, "q=golf", &format!("Golf {n}")).await;
    }
    let message = plan_limit(&app.save_alert(Some(&ana), "q=golf", "Golf 4").await);
    assert_eq!(
        message,
        "You have 3 active alerts, the most the Free plan allows. To add another, pause or delete an alert, or upgrade: Pro allows 25."
    );

    // published listings: one allowed; a second publish is refused whichever way it comes,
    // a draft is not
    free_allows(&app, "active_listings", 1).await;
    let first = app.create(&ana, GOLF).await;
    let refused = app.save(Some(&ana), None, GOLF).await;
    assert!(plan_limit(&refused).contains("1 published listing, the most the Free plan allows"));
    let draft = app.create(&ana, &with(GOLF, &[("intent", "draft")])).await;
    let message = plan_limit(&app.set_status(&ana, draft, "published").await);
    assert!(
        message.contains("mark a listing sold or archive it"),
        "{message}"
    );
    // editing the published one is not a new publish
    let edited = app.save(Some(&ana), Some(first), GOLF).await;
    assert_eq!(edited.status, StatusCode::OK, "{}", edited.body);
    // once the first is sold there is room
    assert_eq!(
        app.set_status(&ana, first, "sold").await.status,
        StatusCode::OK
    );
    assert_eq!(
        app.set_status(&ana, draft, "published").await.status,
        StatusCode::OK
    );

    // photos per listing
    free_allows(&app, "photos_per_listing", 1).await;
    let photo = |seed| fixtures::jpeg(&fixtures::photo(800, 600, seed));
    let reply = app.upload(Some(&ana), draft, "one.jpg", photo(1)).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    let message = plan_limit(&app.upload(Some(&ana), draft, "two.jpg", photo(2)).await);
    assert!(
        message.starts_with("You have 1 photo on this listing, the most the Free plan allows."),
        "{message}"
    );
    assert_eq!(app.photos(&ana, draft).await.max, 1);

    // push devices: a quota of none
    free_allows(&app, "push_devices", 0).await;
    let key = web_push_native::p256::SecretKey::random(&mut rand::rngs::OsRng);
    let p256dh = URL_SAFE_NO_PAD.encode(key.public_key().to_sec1_bytes());
    let reply = app
        .post(
            "/api/settings/push/add",
            form(&[
                ("endpoint", "http://127.0.0.1:9/push/1"),
                ("p256dh", &p256dh),
                ("auth", "tBHItJI5svbpez7KI4CCXg"),
                ("device_name", "Ana's phone"),
            ]),
            Some(&ana),
        )
        .await;
    assert_eq!(
        plan_limit(&reply),
        "The Free plan has no devices with push notifications. Upgrade: Pro allows 20."
    );
}

#[sqlx::test]
async fn a_subscription_in_good_standing_lifts_the_quotas_and_a_lapsed_one_does_not(pool: PgPool) {
    let app = spawn_app(pool).await;
    let ana = app.seller("ana@example.com").await;
    free_allows(&app, "active_rules", 1).await;
    app.alert(&ana, "q=golf", "Golf").await;
    assert_eq!(
        app.save_alert(Some(&ana), "q=passat", "Passat")
            .await
            .status,
        StatusCode::PAYMENT_REQUIRED
    );

    // a payment that failed keeps Pro while the grace period lasts
    subscribe(&app, "ana@example.com", "pro", "past_due", 48).await;
    let view = billing(&app, &ana).await;
    assert_eq!(view.plan.code, "pro");
    assert_eq!(view.subscription.as_ref().unwrap().status, "past_due");
    app.alert(&ana, "q=passat", "Passat").await;

    // once the grace has passed, the Free plan's quotas apply again
    sqlx::query("update subscription set grace_until = now() - interval '1 minute'")
        .execute(&app.state.pool)
        .await
        .unwrap();
    assert_eq!(billing(&app, &ana).await.plan.code, "free");
    let message = plan_limit(&app.save_alert(Some(&ana), "q=octavia", "Octavia").await);
    assert!(
        message.starts_with("You have 2 active alerts, the most the Free plan allows."),
        "{message}"
    );

    // a trial counts as good standing; a cancelled subscription does not
    sqlx::query("update subscription set status = 'canceled'")
        .execute(&app.state.pool)
        .await
        .unwrap();
    assert_eq!(billing(&app, &ana).await.plan.code, "free");
    subscribe(&app, "ana@example.com", "dealer", "trialing", 0).await;
    assert_eq!(billing(&app, &ana).await.plan.code, "dealer");
    app.alert(&ana, "q=octavia", "Octavia").await;
}

#[sqlx::test]
async fn the_billing_page_counts_usage_and_payments_say_they_are_not_set_up(pool: PgPool) {
    let app = spawn_app(pool).await;
    let ana = app.seller("ana@example.com").await;
    app.alert(&ana, "q=golf", "Golf").await;
    let paused = app.alert(&ana, "q=passat", "Passat").await;
    assert_eq!(app.pause(&ana, paused, true).await.status, StatusCode::OK);
    app.create(&ana, GOLF).await;

    let view = billing(&app, &ana).await;
    assert_eq!(view.plan.name, "Free");
    assert!(!view.payments);
    assert!(view.subscription.is_none() && view.invoices.is_empty());
    let used = |q: Quota| {
        let u = view.usage.iter().find(|u| u.quota == q).unwrap();
        (u.used, u.most)
    };
    assert_eq!(used(Quota::ActiveAlerts), (1, 3));
    assert_eq!(used(Quota::TotalAlerts), (2, 50));
    assert_eq!(used(Quota::ActiveListings), (1, 5));
    assert_eq!(used(Quota::Webhooks), (0, 5));

    // the pricing page lists the plans cheapest first and marks Ana's
    let pricing: Pricing = app.get("/api/billing/plans", Some(&ana)).await.json();
    let names: Vec<&str> = pricing.plans.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["Free", "Pro", "Dealer"]);
    assert_eq!(pricing.current.as_deref(), Some("free"));
    let signed_out: Pricing = app.get("/api/billing/plans", None).await.json();
    assert_eq!(signed_out.current, None);

    // an operator's price change shows at once
    sqlx::query("update plan set monthly_cents = 1299 where code = 'pro'")
        .execute(&app.state.pool)
        .await
        .unwrap();
    let pricing: Pricing = app.get("/api/billing/plans", None).await.json();
    assert_eq!(pricing.plans[1].monthly_cents, 1299);

    // no Stripe keys: buying and the portal answer 501 in words; signed out, 401 first
    for (path, body) in [
        ("/api/billing/checkout", "plan=pro&interval=month"),
        ("/api/billing/portal", ""),
    ] {
        let reply = app.post(path, body.into(), Some(&ana)).await;
        assert_eq!(reply.status, StatusCode::NOT_IMPLEMENTED, "{}", reply.body);
        assert!(
            reply
                .error()
                .to_string()
                .contains("Payments are not set up")
        );
        let reply = app.post(path, body.into(), None).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{}", reply.body);
    }
    // the billing data is the signed-in person's only
    assert_eq!(
        app.get("/api/billing/overview", None).await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[sqlx::test]
async fn the_pricing_and_billing_pages_render_without_javascript(pool: PgPool) {
    let app = spawn_app(pool).await;
    let page = app.get("/pricing?billing=yearly", None).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("€99.90 / year"), "{}", page.body);
    assert!(page.body.contains("Sign up to choose Pro"));
    let ana = app.seller("ana@example.com").await;
    let page = app.get("/billing", Some(&ana)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Your plan: Free"));
    assert!(page.body.contains("Payments are not set up on this Scout"));
    let page = app.get("/billing", None).await;
    assert!(page.body.contains("to see your plan and billing"));
}

#[sqlx::test]
async fn a_downgrade_pauses_the_newest_alerts_tells_the_person_and_an_upgrade_resumes_them(
    pool: PgPool,
) {
    let app = spawn_app(pool).await;
    let ana = app.seller("ana@example.com").await;
    subscribe(&app, "ana@example.com", "pro", "active", 0).await;
    for name in ["Golf", "Passat", "Octavia", "Corolla", "Civic"] {
        app.alert(&ana, &format!("q={}", name.to_lowercase()), name)
            .await;
    }
    let account = scout::accounts::model::AccountId(account_id(&app, "ana@example.com").await);
    // nothing to do while Pro holds
    assert!(enforce::due(&app.state).await.unwrap().is_empty());

    // the subscription ends: Free allows 3, so the two newest are paused, nothing deleted
    sqlx::query("update subscription set status = 'canceled'")
        .execute(&app.state.pool)
        .await
        .unwrap();
    assert_eq!(enforce::due(&app.state).await.unwrap(), [account]);
    let done = enforce::enforce(&app.state, account).await.unwrap();
    assert_eq!(done.paused, ["Civic", "Corolla"]);
    let o = app.overview(&ana).await;
    assert_eq!((o.rules.len(), o.active), (5, 3));
    assert!(enforce::due(&app.state).await.unwrap().is_empty());
    // the person is told in the inbox what was paused and where to resume it
    let inbox = app.inbox(&ana).await;
    let notice = &inbox.notices[0];
    assert_eq!(notice.title, "2 alerts paused by your plan");
    assert!(
        notice.reason.contains("Civic, Corolla"),
        "{}",
        notice.reason
    );
    assert_eq!(notice.href, "/alerts");
    assert_eq!(billing(&app, &ana).await.paused_alerts, 2);

    // a second run changes nothing and tells nothing again
    assert_eq!(
        enforce::enforce(&app.state, account).await.unwrap(),
        enforce::Enforced::default()
    );
    assert_eq!(app.inbox(&ana).await.notices.len(), 1);

    // back on Pro, what the plan paused comes back by itself
    subscribe(&app, "ana@example.com", "pro", "active", 0).await;
    assert_eq!(enforce::due(&app.state).await.unwrap(), [account]);
    let done = enforce::enforce(&app.state, account).await.unwrap();
    assert_eq!(done.resumed.len(), 2);
    assert_eq!(app.overview(&ana).await.active, 5);
    assert_eq!(billing(&app, &ana).await.paused_alerts, 0);
}

#[sqlx::test]
async fn requests_past_the_plans_rate_are_refused_with_429_and_the_headers_say_so(pool: PgPool) {
    let app = spawn_app(pool).await;
    // before anyone asks: the Free plan (and so anyone signed out) allows 8 a minute
    free_allows(&app, "requests_per_minute", 8).await;
    let ana = app.seller("ana@example.com").await;

    let first = app.get("/api/billing/overview", Some(&ana)).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    let header = |r: &crate::helpers::Reply, name: &str| -> u64 {
        r.headers[name].to_str().unwrap().parse().unwrap()
    };
    assert_eq!(header(&first, "x-ratelimit-limit"), 8);
    let remaining = header(&first, "x-ratelimit-remaining");
    let reset = header(&first, "x-ratelimit-reset");
    assert!((1..=60).contains(&reset), "{reset}");
    // exactly what was left, then 429
    for left in (0..remaining).rev() {
        let reply = app.get("/api/billing/overview", Some(&ana)).await;
        assert_eq!(reply.status, StatusCode::OK);
        assert_eq!(header(&reply, "x-ratelimit-remaining"), left);
    }
    let refused = app.get("/api/billing/overview", Some(&ana)).await;
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
    let json: serde_json::Value = serde_json::from_str(&refused.body).unwrap();
    assert_eq!(json["code"], "rate_limited");
    let wait = header(&refused, "retry-after");
    assert_eq!(wait, header(&refused, "x-ratelimit-reset"));
    assert_eq!(json["retry_after"], wait);
    assert_eq!(header(&refused, "x-ratelimit-remaining"), 0);
    // a page says how long to wait, and reloads itself then
    let page = app
        .send(
            axum::http::Request::get("/alerts")
                .header(axum::http::header::ACCEPT, "text/html")
                .header(axum::http::header::COOKIE, &ana)
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(page.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(
        page.body.contains("This page tries again by itself in"),
        "{}",
        page.body
    );
    assert!(
        page.body
            .contains(&format!("content=\"{}\"", header(&page, "retry-after")))
    );
    // someone else (signed out, another address) has a window of their own
    let other = app
        .send(
            axum::http::Request::get("/api/billing/plans")
                .header(axum::http::header::ACCEPT, "application/json")
                .header("x-forwarded-for", "10.9.9.9")
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(other.status, StatusCode::OK);
    assert_eq!(header(&other, "x-ratelimit-remaining"), 7);

    // on Pro the rate is Pro's from the next request on
    subscribe(&app, "ana@example.com", "pro", "active", 0).await;
    let account = scout::accounts::model::AccountId(account_id(&app, "ana@example.com").await);
    enforce::enforce(&app.state, account).await.unwrap();
    let reply = app.get("/api/billing/overview", Some(&ana)).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(header(&reply, "x-ratelimit-limit"), 600);
}

#[sqlx::test]
async fn a_marketplace_past_the_plans_quota_is_refused_before_its_page(pool: PgPool) {
    let (app, provider) = crate::marketplace_links::setup(pool, false).await;
    free_allows(&app, "linked_marketplaces", 0).await;
    let ana = app
        .signed_in_account("ana@example.com", crate::helpers::PASSWORD)
        .await;
    let reply = app
        .post("/marketplaces/market/connect", String::new(), Some(&ana))
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    assert_eq!(
        reply.location.as_deref(),
        Some("/account?provider=market&provider_error=plan#marketplaces-heading")
    );
    let page = app
        .get("/account?provider=market&provider_error=plan", Some(&ana))
        .await;
    assert!(
        page.body
            .contains("Your plan allows no more linked marketplaces"),
        "{}",
        page.body
    );
    // with room on the plan, the same button goes on to the marketplace
    free_allows(&app, "linked_marketplaces", 1).await;
    let (to, _) = app.link_market(&provider, &ana).await;
    assert_eq!(to, crate::marketplace_links::LINKED);
}
