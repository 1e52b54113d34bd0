//! Buying and keeping a plan through Stripe, against the Stripe stand-in (the production
//! client and webhook route under test): Checkout puts the account on Pro once Stripe's
//! events arrive; a webhook is applied only with a genuine, fresh signature under a current
//! secret; each event type has its effect; any order and any number of deliveries of a
//! subscription's events end in the same state.

use crate::helpers::{PASSWORD, TestApp, spawn_app_with};
use crate::stripe_stand_in::{SECRET, Sent, StandIn, deliver};
use axum::http::StatusCode;
use proptest::{
    strategy::{Strategy, ValueTree},
    test_runner::TestRunner,
};
use scout::billing::{api::BillingView, signature};
use scout::server::config::Config;
use sqlx::PgPool;

async fn app_with(pool: PgPool, stand_in: &StandIn, secrets: &[&str]) -> TestApp {
    let mut config = Config::for_tests();
    let stripe = stand_in.config(secrets);
    let prices = stripe.prices.clone();
    config.stripe = Some(stripe);
    let app = spawn_app_with(pool, config).await;
    scout::billing::plans::set_prices(&app.state.pool, &prices)
        .await
        .unwrap();
    app
}

async fn billing(app: &TestApp, cookie: &str) -> BillingView {
    app.get("/api/billing/overview", Some(cookie)).await.json()
}

/// Starts Checkout for `plan` as the pricing page's button does: the Stripe page's URL.
async fn checkout(app: &TestApp, cookie: &str, plan: &str, interval: &str) -> String {
    let reply = app
        .post(
            "/api/billing/checkout",
            format!("plan={plan}&interval={interval}"),
            Some(cookie),
        )
        .await;
    assert!(
        reply.status.is_success() || reply.status.is_redirection(),
        "{}",
        reply.body
    );
    reply.headers["location"].to_str().unwrap().to_string()
}

async fn deliver_all(app: &TestApp, events: &[Sent]) {
    for e in events {
        assert_eq!(
            deliver(app, &e.payload, Some(&e.signature)).await,
            StatusCode::OK,
            "{} {}",
            e.kind,
            e.id
        );
    }
}

/// What billing keeps of an account, to compare states.
async fn snapshot(app: &TestApp) -> Vec<String> {
    sqlx::query_scalar::<_, String>(
        "select concat_ws('|', s.stripe_subscription_id, s.plan_code, s.status, \
           s.billing_interval, s.cancel_at_period_end, s.current_period_end, s.trial_end, \
           s.past_due_since is not null) from subscription s \
         union all \
         select concat_ws('|', i.stripe_invoice_id, i.status, i.amount_cents, i.currency) \
         from invoice i order by 1",
    )
    .fetch_all(&app.state.pool)
    .await
    .unwrap()
}

#[sqlx::test]
async fn checkout_puts_the_account_on_pro_when_stripe_says_so(pool: PgPool) {
    let stripe = StandIn::start().await;
    let app = app_with(pool, &stripe, &[SECRET]).await;
    let ana = app.signed_in_account("ana@example.com", PASSWORD).await;
    for q in ["golf", "passat", "octavia"] {
        app.alert(&ana, &format!("q={q}"), q).await;
    }
    assert_eq!(
        app.save_alert(Some(&ana), "q=corolla", "corolla")
            .await
            .status,
        StatusCode::PAYMENT_REQUIRED
    );

    let url = checkout(&app, &ana, "pro", "month").await;
    assert!(
        url.starts_with(&format!("{}/checkout/", stripe.url)),
        "{url}"
    );
    // the customer and the session were made with idempotency keys of Scout's own
    let requests = stripe.requests().await;
    let keys: Vec<&str> = requests
        .iter()
        .filter(|r| r["method"] == "POST")
        .map(|r| r["idempotency_key"].as_str().unwrap_or_default())
        .collect();
    assert!(keys[0].starts_with("scout-customer-"), "{keys:?}");
    assert!(keys[1].starts_with("scout-checkout-"), "{keys:?}");
    // a redirect back proves nothing: until Stripe's events arrive (or the return page reads
    // the session from Stripe) the plan is Free
    let back = stripe.pay(&url, "4242 4242 4242 4242").await;
    assert!(back.contains("/billing?checkout=cs_"), "{back}");
    assert_eq!(billing(&app, &ana).await.plan.code, "free");

    let events = stripe.events().await;
    let kinds: Vec<&str> = events.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(
        kinds,
        [
            "checkout.session.completed",
            "customer.subscription.created",
            "invoice.paid"
        ]
    );
    deliver_all(&app, &events).await;
    let view = billing(&app, &ana).await;
    assert_eq!(view.plan.code, "pro");
    let sub = view.subscription.unwrap();
    // Pro has a 14-day trial: nothing charged yet, the first invoice is for €0
    assert_eq!(
        (sub.status.as_str(), sub.interval.as_str()),
        ("trialing", "month")
    );
    assert!(sub.trial_end.is_some());
    assert_eq!(view.invoices.len(), 1);
    assert_eq!(view.invoices[0].amount, "€0");
    assert!(
        view.invoices[0]
            .pdf_url
            .as_deref()
            .unwrap()
            .ends_with(".pdf")
    );
    // the quota is Pro's now
    app.alert(&ana, "q=corolla", "corolla").await;

    // a second checkout goes to the portal: one subscription per account
    let again = checkout(&app, &ana, "dealer", "month").await;
    assert!(
        again.starts_with(&format!("{}/portal/", stripe.url)),
        "{again}"
    );
}

#[sqlx::test]
async fn the_return_from_checkout_reads_the_session_from_stripe(pool: PgPool) {
    let stripe = StandIn::start().await;
    let app = app_with(pool, &stripe, &[SECRET]).await;
    let ana = app.signed_in_account("ana@example.com", PASSWORD).await;
    let bob = app.signed_in_account("bob@example.com", PASSWORD).await;
    let url = checkout(&app, &ana, "dealer", "year").await;
    let back = stripe.pay(&url, "4242 4242 4242 4242").await;
    let session = back.split("checkout=").nth(1).unwrap().to_string();
    // someone else's session id changes nothing for them
    let other: BillingView = app
        .get(
            &format!("/api/billing/overview?checkout={session}"),
            Some(&bob),
        )
        .await
        .json();
    assert_eq!(other.plan.code, "free");
    // Ana's return page shows Dealer before any webhook
    let view: BillingView = app
        .get(
            &format!("/api/billing/overview?checkout={session}"),
            Some(&ana),
        )
        .await
        .json();
    assert_eq!(view.plan.code, "dealer");
    assert_eq!(view.subscription.unwrap().interval, "year");
    // with its first invoice
    assert_eq!(view.invoices.len(), 1);
    // ...and the webhooks that follow change nothing more
    let subscription_rows = |rows: Vec<String>| -> Vec<String> {
        rows.into_iter().filter(|r| r.starts_with("sub_")).collect()
    };
    let before = subscription_rows(snapshot(&app).await);
    assert_eq!(before.len(), 1, "{before:?}");
    deliver_all(&app, &stripe.events().await).await;
    assert_eq!(subscription_rows(snapshot(&app).await), before);
}

#[sqlx::test]
async fn only_a_genuine_fresh_signature_under_a_current_secret_is_applied(pool: PgPool) {
    let stripe = StandIn::start().await;
    // mid-rotation: the new secret and the old one
    let app = app_with(pool, &stripe, &["whsec_new_one", SECRET]).await;
    let ana = app.signed_in_account("ana@example.com", PASSWORD).await;
    let url = checkout(&app, &ana, "pro", "month").await;
    stripe.pay(&url, "4242 4242 4242 4242").await;
    let events = stripe.events().await;
    let created = events
        .iter()
        .find(|e| e.kind == "customer.subscription.created")
        .unwrap();
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let body = &created.payload;
    let nothing_changed = |app: &TestApp| {
        let pool = app.state.pool.clone();
        async move {
            let applied: i64 = sqlx::query_scalar("select count(*) from stripe_event")
                .fetch_one(&pool)
                .await
                .unwrap();
            let subs: i64 = sqlx::query_scalar("select count(*) from subscription")
                .fetch_one(&pool)
                .await
                .unwrap();
            (applied, subs) == (0, 0)
        }
    };
    for (why, header) in [
        ("no signature", None),
        (
            "forged",
            Some(signature::header("whsec_attacker", now, body.as_bytes())),
        ),
        (
            "a changed body",
            Some(signature::header(SECRET, now, b"{\"id\":\"evt_other\"}")),
        ),
        (
            "301 s old",
            Some(signature::header(SECRET, now - 301, body.as_bytes())),
        ),
        ("malformed", Some("t=abc,v1=zz".to_string())),
    ] {
        assert_eq!(
            deliver(&app, body, header.as_deref()).await,
            StatusCode::BAD_REQUEST,
            "{why}"
        );
        assert!(nothing_changed(&app).await, "{why} changed state");
    }
    // the stand-in signed with the old secret, still accepted during the rotation; and the
    // new secret's signature too
    assert_eq!(
        deliver(&app, body, Some(&created.signature)).await,
        StatusCode::OK
    );
    let checkout_done = &events[0];
    assert_eq!(
        deliver(
            &app,
            &checkout_done.payload,
            Some(&signature::header(
                "whsec_new_one",
                now - 299,
                checkout_done.payload.as_bytes()
            ))
        )
        .await,
        StatusCode::OK
    );
    assert_eq!(billing(&app, &ana).await.plan.code, "pro");
}

#[sqlx::test]
async fn each_event_type_has_its_effect(pool: PgPool) {
    let stripe = StandIn::start().await;
    let app = app_with(pool, &stripe, &[SECRET]).await;
    let ana = app.signed_in_account("ana@example.com", PASSWORD).await;
    let url = checkout(&app, &ana, "pro", "month").await;
    stripe.pay(&url, "4242 4242 4242 4242").await;
    deliver_all(&app, &stripe.events().await).await;
    let seen = stripe.events().await.len();
    let customer: String = sqlx::query_scalar("select stripe_customer_id from billing_customer")
        .fetch_one(&app.state.pool)
        .await
        .unwrap();
    let subscription: String =
        sqlx::query_scalar("select stripe_subscription_id from subscription")
            .fetch_one(&app.state.pool)
            .await
            .unwrap();
    let next = |from: usize| {
        let stripe = &stripe;
        async move { stripe.events().await.split_off(from) }
    };
    // a test control on the subscription, and the events it made since `from`
    let on_subscription = |what: &'static str, from: usize| {
        let (stripe, subscription) = (&stripe, subscription.clone());
        async move {
            stripe
                .control(what, serde_json::json!({ "subscription": subscription }))
                .await;
            stripe.events().await.split_off(from)
        }
    };

    // trial_will_end: a notice, once
    let batch = on_subscription("trial-will-end", seen).await;
    assert_eq!(batch[0].kind, "customer.subscription.trial_will_end");
    deliver_all(&app, &batch).await;
    deliver_all(&app, &batch).await;
    let inbox = app.inbox(&ana).await;
    let trial: Vec<_> = inbox
        .notices
        .iter()
        .filter(|n| n.title == "Your Pro trial ends soon")
        .collect();
    assert_eq!(trial.len(), 1, "{inbox:?}");
    assert_eq!(trial[0].href, "/billing");

    // the trial ends and the first real period is paid
    let seen = seen + batch.len();
    let batch = on_subscription("end-period", seen).await;
    deliver_all(&app, &batch).await;
    let view = billing(&app, &ana).await;
    assert_eq!(view.subscription.as_ref().unwrap().status, "active");
    assert!(
        view.invoices
            .iter()
            .any(|i| i.amount == "€9.99" && i.status == "paid")
    );

    // invoice.payment_failed: past due, the plan holds through the grace period, the person
    // is told in the inbox and on every page
    let seen = seen + batch.len();
    stripe
        .control("fail-payment", serde_json::json!({ "customer": customer }))
        .await;
    let batch = next(seen).await;
    let kinds: Vec<&str> = batch.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(
        kinds,
        ["invoice.payment_failed", "customer.subscription.updated"]
    );
    deliver_all(&app, &batch).await;
    let view = billing(&app, &ana).await;
    let sub = view.subscription.as_ref().unwrap();
    assert_eq!(sub.status, "past_due");
    assert!(sub.grace_until.is_some());
    assert_eq!(view.plan.code, "pro", "the grace period keeps Pro");
    assert!(view.invoices.iter().any(|i| i.status == "open"));
    let inbox = app.inbox(&ana).await;
    let failed = inbox
        .notices
        .iter()
        .find(|n| n.title == "A payment for Pro failed")
        .expect("the payment failure is told");
    assert!(
        failed.reason.contains("stays yours until"),
        "{}",
        failed.reason
    );
    let me: serde_json::Value = app.get("/api/accounts/me", Some(&ana)).await.json();
    assert!(
        me["payment_trouble"]
            .as_str()
            .unwrap()
            .starts_with("The payment for Pro failed."),
        "{me}"
    );

    // the grace period runs out: Free's quotas apply, the alerts over them are paused
    for q in ["golf", "passat", "octavia", "corolla", "civic"] {
        app.alert(&ana, &format!("q={q}"), q).await;
    }
    sqlx::query("update subscription set grace_until = now() - interval '1 second'")
        .execute(&app.state.pool)
        .await
        .unwrap();
    assert_eq!(billing(&app, &ana).await.plan.code, "free");
    let accounts = scout::billing::enforce::due(&app.state).await.unwrap();
    for account in accounts {
        scout::billing::enforce::enforce(&app.state, account)
            .await
            .unwrap();
    }
    assert_eq!(app.overview(&ana).await.active, 3);

    // cancelled in the portal at the period's end, then the period ends: deleted, Free
    let seen = seen + batch.len();
    let portal: String = {
        let reply = app
            .post("/api/billing/portal", String::new(), Some(&ana))
            .await;
        reply.headers["location"].to_str().unwrap().to_string()
    };
    stripe.cancel_in_portal(&portal).await;
    let batch = next(seen).await;
    deliver_all(&app, &batch).await;
    assert!(
        billing(&app, &ana)
            .await
            .subscription
            .unwrap()
            .cancel_at_period_end
    );
    let seen = seen + batch.len();
    let batch = on_subscription("end-period", seen).await;
    assert_eq!(batch[0].kind, "customer.subscription.deleted");
    deliver_all(&app, &batch).await;
    let view = billing(&app, &ana).await;
    assert_eq!(view.subscription.unwrap().status, "canceled");
    assert_eq!(view.plan.code, "free");
}

#[sqlx::test]
async fn any_order_and_any_repeats_of_the_events_end_in_the_same_state(pool: PgPool) {
    let stripe = StandIn::start().await;
    let app = app_with(pool, &stripe, &[SECRET]).await;
    let ana = app.signed_in_account("ana@example.com", PASSWORD).await;
    let url = checkout(&app, &ana, "pro", "month").await;
    stripe.pay(&url, "4242 4242 4242 4242").await;
    let customer: String = sqlx::query_scalar("select stripe_customer_id from billing_customer")
        .fetch_one(&app.state.pool)
        .await
        .unwrap();
    // a lifecycle: bought, trial ends and is paid, a payment fails, cancelled in the portal
    let subscription = stripe
        .events()
        .await
        .iter()
        .find(|e| e.kind == "customer.subscription.created")
        .map(|e| {
            serde_json::from_str::<serde_json::Value>(&e.payload).unwrap()["data"]["object"]["id"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .unwrap();
    stripe
        .control(
            "end-period",
            serde_json::json!({ "subscription": subscription }),
        )
        .await;
    stripe
        .control("fail-payment", serde_json::json!({ "customer": customer }))
        .await;
    let portal = app
        .post("/api/billing/portal", String::new(), Some(&ana))
        .await;
    stripe
        .cancel_in_portal(portal.headers["location"].to_str().unwrap())
        .await;
    let events = stripe.events().await;
    assert!(events.len() >= 8, "{events:?}");

    async fn reset(app: &TestApp) {
        sqlx::query("truncate stripe_event, invoice, subscription")
            .execute(&app.state.pool)
            .await
            .unwrap();
    }
    // in order, once
    deliver_all(&app, &events).await;
    let expected = snapshot(&app).await;
    assert!(
        expected.iter().any(|s| s.contains("|past_due|")),
        "{expected:?}"
    );

    // proptest draws orderings: every event at least once, some twice or three times, in any
    // order (the state each event carries is stale by then; Scout must re-read Stripe's)
    let n = events.len();
    let strategy = proptest::collection::vec(0..n, 0..n)
        .prop_map(move |extra| {
            let mut all: Vec<usize> = (0..n).chain(extra).collect();
            all.sort_unstable();
            all
        })
        .prop_shuffle();
    let mut runner = TestRunner::deterministic();
    for case in 0..24 {
        let order = strategy.new_tree(&mut runner).unwrap().current();
        reset(&app).await;
        for &i in &order {
            // each delivery freshly signed, as Stripe's retries are
            let e = &events[i];
            let now = time::OffsetDateTime::now_utc().unix_timestamp();
            let header = signature::header(SECRET, now, e.payload.as_bytes());
            assert_eq!(
                deliver(&app, &e.payload, Some(&header)).await,
                StatusCode::OK
            );
        }
        assert_eq!(
            snapshot(&app).await,
            expected,
            "case {case}: order {order:?}"
        );
    }
}
