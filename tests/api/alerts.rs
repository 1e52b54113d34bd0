//! Alerts through the real router and Postgres: a buyer saves a search as an alert, sellers
//! publish, cut prices, relist and sell, and the worker turns what happened into inbox
//! notifications: each (rule, listing, trigger) once, whatever is retried or raced; paused
//! rules say nothing; limits hold; one account never sees or touches another's rules.

use axum::http::StatusCode;
use scout::listings::model::ListingId;
use scout::{
    alerts::{repo, service::Worker},
    error::AppError,
    notifications::{
        model::{Channel, Rhythm},
        notices::{Recorder, Route},
        repo::NewNotice,
    },
};
use sqlx::PgPool;

use crate::helpers::{GOLF, input_form, spawn_app, with};

const GOLF_ALERT: &str = "make=volkswagen&model=volkswagen-golf&fuel=diesel&price_max=20000";

#[sqlx::test]
async fn a_saved_search_hears_of_a_new_match_once_and_of_each_price_drop(pool: PgPool) {
    let app = spawn_app(pool).await;
    let mut worker = Worker::new();
    let buyer = app.seller("buyer@example.com").await;
    let seller = app.seller("seller@example.com").await;
    let rule = app.alert(&buyer, GOLF_ALERT, "Golf diesel").await;

    let id = app.create(&seller, GOLF).await;
    app.drain(&mut worker).await;
    let inbox = app.inbox(&buyer).await;
    assert_eq!(inbox.unread, 1);
    let n = &inbox.notices[0];
    assert_eq!(n.listing_id, Some(id));
    assert_eq!(n.href, format!("/listings/{id}"));
    assert!(
        n.title.starts_with("Volkswagen Golf 2.0 TDI Highline"),
        "{}",
        n.title
    );
    assert!(n.title.contains("18,900"), "{}", n.title);
    // says why: the criteria and what happened
    for part in [
        "Volkswagen",
        "Golf",
        "Diesel",
        "up to 20,000 EUR",
        "just listed",
    ] {
        assert!(n.reason.contains(part), "{part} in {}", n.reason);
    }

    // the same event delivered again (a worker died after notifying, before its commit
    // landed elsewhere; or a second worker raced it): nothing new
    sqlx::query("insert into listing_event (listing_id, kind, new_price_minor, currency) values ($1, 'published', 1890000, 'EUR')")
        .bind(id)
        .execute(&app.pool)
        .await
        .unwrap();
    app.drain(&mut worker).await;
    assert_eq!(app.inbox(&buyer).await.notices.len(), 1);

    // a price drop is news, with how much
    let cheaper = with(GOLF, &[("price", "17400"), ("intent", "save")]);
    assert_eq!(
        app.save(Some(&seller), Some(id), &cheaper).await.status,
        StatusCode::OK
    );
    app.drain(&mut worker).await;
    let inbox = app.inbox(&buyer).await;
    assert_eq!(inbox.unread, 2);
    assert!(
        inbox.notices[0]
            .reason
            .contains("price dropped 1,500 EUR (to 17,400 EUR)"),
        "{}",
        inbox.notices[0].reason
    );
    // a rise is not; an edit that keeps the price is not
    let dearer = with(GOLF, &[("price", "19000"), ("intent", "save")]);
    assert_eq!(
        app.save(Some(&seller), Some(id), &dearer).await.status,
        StatusCode::OK
    );
    let retitled = with(
        GOLF,
        &[
            ("price", "19000"),
            ("title", "VW Golf TDI"),
            ("intent", "save"),
        ],
    );
    assert_eq!(
        app.save(Some(&seller), Some(id), &retitled).await.status,
        StatusCode::OK
    );
    app.drain(&mut worker).await;
    assert_eq!(app.inbox(&buyer).await.notices.len(), 2);

    // back on the market after being sold: news again
    assert_eq!(
        app.set_status(&seller, id, "sold").await.status,
        StatusCode::OK
    );
    assert_eq!(
        app.set_status(&seller, id, "published").await.status,
        StatusCode::OK
    );
    app.drain(&mut worker).await;
    let inbox = app.inbox(&buyer).await;
    assert_eq!(inbox.notices.len(), 3);
    assert!(inbox.notices[0].reason.contains("back on the market"));

    // the Alerts page counts the matches
    let o = app.overview(&buyer).await;
    assert_eq!(o.rules.len(), 1);
    assert_eq!(o.rules[0].id, rule);
    assert_eq!(o.rules[0].matches_this_week, 3);
    assert_eq!(o.rules[0].last_match.as_deref(), Some("just now"));
    let chips: Vec<&str> = o.rules[0].chips.iter().map(|c| c.label.as_str()).collect();
    assert!(chips.contains(&"Diesel"), "{chips:?}");

    // read one, then all
    let first = app.inbox(&buyer).await.notices[2].id;
    let reply = app
        .post(
            "/api/alerts/read",
            format!("notification_id={first}"),
            Some(&buyer),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(app.inbox(&buyer).await.unread, 2);
    assert_eq!(app.get("/api/alerts/unread", Some(&buyer)).await.body, "2");
    app.post("/api/alerts/read", String::new(), Some(&buyer))
        .await;
    assert_eq!(app.inbox(&buyer).await.unread, 0);
    // the seller was told nothing
    assert!(app.inbox(&seller).await.notices.is_empty());
}

#[sqlx::test]
async fn relisting_and_nudging_a_price_are_not_news_twice(pool: PgPool) {
    let app = spawn_app(pool).await;
    let mut worker = Worker::new();
    let buyer = app.seller("buyer@example.com").await;
    let seller = app.seller("seller@example.com").await;
    app.alert(&buyer, GOLF_ALERT, "Golf diesel").await;
    let id = app.create(&seller, GOLF).await;
    app.drain(&mut worker).await;
    let told = async |app: &crate::helpers::TestApp| app.inbox(&buyer).await.notices.len();
    assert_eq!(told(&app).await, 1, "just listed");
    // sold and back, twice: back on the market is said once
    for _ in 0..2 {
        app.set_status(&seller, id, "sold").await;
        app.set_status(&seller, id, "published").await;
        app.drain(&mut worker).await;
    }
    assert_eq!(told(&app).await, 2, "back on the market once");
    // 18,900 -> 17,000: news; up to 18,000 and down to 17,500: nothing new (not below 17,000);
    // back to 17,000: nothing new; down to 16,000: news
    let mut expected = 2;
    for (price, news) in [
        ("17000", true),
        ("18000", false),
        ("17500", false),
        ("17000", false),
        ("16000", true),
    ] {
        let form = with(GOLF, &[("price", price), ("intent", "save")]);
        assert_eq!(
            app.save(Some(&seller), Some(id), &form).await.status,
            StatusCode::OK
        );
        app.drain(&mut worker).await;
        expected += usize::from(news);
        assert_eq!(told(&app).await, expected, "after {price}");
    }
}

#[sqlx::test]
async fn listings_outside_the_rule_and_paused_rules_say_nothing(pool: PgPool) {
    let app = spawn_app(pool).await;
    let mut worker = Worker::new();
    let buyer = app.seller("buyer@example.com").await;
    let seller = app.seller("seller@example.com").await;
    let rule = app.alert(&buyer, GOLF_ALERT, "Golf diesel").await;
    let excluding = app
        .alert(&buyer, "make=volkswagen", "VW without one-owner talk")
        .await;
    let reply = app
        .update_alert(
            &buyer,
            excluding,
            &[
                ("name", "VW"),
                ("excluded", "one owner, taxi"),
                ("inbox", "on"),
            ],
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);

    // too dear, petrol, another model: nothing (and the excluding rule skips "One owner")
    for changes in [
        vec![("price", "21000")],
        vec![("fuel", "petrol")],
        vec![("model", "volkswagen-passat")],
    ] {
        app.create(&seller, &with(GOLF, &changes)).await;
    }
    app.drain(&mut worker).await;
    assert!(app.inbox(&buyer).await.notices.is_empty());

    // a price drop into the range is the first news of that listing
    let dear = app
        .create(&seller, &with(GOLF, &[("price", "20500")]))
        .await;
    app.drain(&mut worker).await;
    assert!(app.inbox(&buyer).await.notices.is_empty());
    let within = with(GOLF, &[("price", "19500"), ("intent", "save")]);
    app.save(Some(&seller), Some(dear), &within).await;
    app.drain(&mut worker).await;
    let inbox = app.inbox(&buyer).await;
    assert_eq!(inbox.notices.len(), 1);
    assert!(inbox.notices[0].reason.contains("price dropped 1,000 EUR"));

    // paused: the next match says nothing, and resuming does not replay it
    assert_eq!(app.pause(&buyer, rule, true).await.status, StatusCode::OK);
    app.create(&seller, GOLF).await;
    app.drain(&mut worker).await;
    assert_eq!(app.inbox(&buyer).await.notices.len(), 1);
    assert_eq!(app.pause(&buyer, rule, false).await.status, StatusCode::OK);
    app.drain(&mut worker).await;
    assert_eq!(app.inbox(&buyer).await.notices.len(), 1);
    // a worker that had not yet heard of the pause when it matched still records nothing:
    // the database decides
    assert_eq!(app.pause(&buyer, rule, true).await.status, StatusCode::OK);
    let mut tx = app.pool.begin().await.unwrap();
    let account: scout::accounts::model::AccountId =
        sqlx::query_scalar("select account_id from alert_rule where rule_id = $1")
            .bind(rule)
            .fetch_one(&mut *tx)
            .await
            .unwrap();
    let notice = NewNotice {
        account,
        rule_id: Some(rule),
        listing_id: dear,
        kind: scout::listings::model::EventKind::Published,
        trigger_key: "",
        title: "t",
        reason: "r",
    };
    let route = Route::Chosen {
        channels: &[Channel::Inbox],
        rhythm: Rhythm::Instant,
    };
    let now = time::OffsetDateTime::now_utc();
    let mut recorder = Recorder::default();
    let recorded = recorder.record(&mut tx, &notice, route, now).await.unwrap();
    assert!(!recorded);
    tx.commit().await.unwrap();
    assert_eq!(app.inbox(&buyer).await.notices.len(), 1);
}

#[sqlx::test]
async fn rules_are_limited_checked_and_private(pool: PgPool) {
    let app = spawn_app(pool).await;
    let ana = app.seller("ana@example.com").await;
    let ben = app.seller("ben@example.com").await;
    let mut ids = Vec::new();
    for i in 0..3 {
        ids.push(app.alert(&ana, GOLF_ALERT, &format!("Alert {i}")).await);
    }
    // the fourth active one is over the limit; pausing one makes room; resuming it is then
    // over the limit again
    let reply = app.save_alert(Some(&ana), GOLF_ALERT, "Alert 3").await;
    assert_eq!(reply.status, StatusCode::PAYMENT_REQUIRED, "{}", reply.body);
    assert!(reply.error().to_string().contains("3 active alerts"));
    assert_eq!(app.pause(&ana, ids[0], true).await.status, StatusCode::OK);
    app.alert(&ana, GOLF_ALERT, "Alert 3").await;
    assert_eq!(
        app.pause(&ana, ids[0], false).await.status,
        StatusCode::PAYMENT_REQUIRED
    );
    let o = app.overview(&ana).await;
    assert_eq!((o.rules.len(), o.active, o.limits.active_rules), (4, 3, 3));

    // bad input: each field says what is wrong, and nothing changes
    let reply = app
        .update_alert(
            &ana,
            ids[1],
            &[
                ("name", " "),
                ("keywords", "diesel AND (navi"),
                ("excluded", ""),
                ("inbox", "on"),
            ],
        )
        .await;
    assert_eq!(
        reply.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        reply.body
    );
    let e = reply.error();
    assert_eq!(e.field("name").as_deref(), Some("Give the alert a name."));
    assert!(e.field("keywords").unwrap().contains('('), "{e:?}");
    for bad in ["101", "-1", "lots"] {
        let reply = app
            .update_alert(
                &ana,
                ids[1],
                &[("name", "Golf"), ("inbox", "on"), ("min_deal_score", bad)],
            )
            .await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
        assert!(reply.error().field("min_deal_score").is_some(), "{bad}");
    }
    assert_eq!(app.overview(&ana).await.rules[1].fields.name, "Alert 1");
    // the minimum deal score is kept (it takes effect once deal scores exist)
    let reply = app
        .update_alert(
            &ana,
            ids[1],
            &[
                ("name", "Alert 1"),
                ("inbox", "on"),
                ("min_deal_score", "70"),
            ],
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(
        app.overview(&ana).await.rules[1].fields.min_deal_score,
        Some(70)
    );

    // a search with parts that mean nothing would match everything: refused, saying which
    let reply = app
        .save_alert(Some(&ben), "make=nosuchmake&fuel=diesel", "Odd")
        .await;
    assert_eq!(
        reply.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        reply.body
    );
    assert!(
        reply
            .error()
            .field("search")
            .unwrap()
            .contains("make=nosuchmake")
    );

    // another account: 404 on every rule of ana's; its own list is empty
    for (path, body) in [
        (
            "/api/alerts/pause",
            format!("rule_id={}&paused=true", ids[1]),
        ),
        ("/api/alerts/delete", format!("rule_id={}", ids[1])),
        (
            "/api/alerts/update",
            format!(
                "rule_id={}&{}",
                ids[1],
                input_form(&[("name", "Mine"), ("inbox", "on")])
            ),
        ),
    ] {
        let reply = app.post(path, body, Some(&ben)).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{path}");
    }
    let reply = app
        .get(
            &format!("/api/alerts/preview?rule_id={}", ids[1]),
            Some(&ben),
        )
        .await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert!(app.overview(&ben).await.rules.is_empty());
    // signed out: 401
    let reply = app.save_alert(None, GOLF_ALERT, "Nope").await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert!(matches!(reply.error(), AppError::Unauthorized { .. }));
    assert_eq!(
        app.get("/api/alerts/overview", None).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(app.get("/api/alerts/unread", None).await.body, "0");

    // delete
    let reply = app
        .post(
            "/api/alerts/delete",
            format!("rule_id={}", ids[1]),
            Some(&ana),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(app.overview(&ana).await.rules.len(), 3);
}

#[sqlx::test]
async fn a_search_longer_than_an_alert_can_hold_is_refused_on_its_length_alone(pool: PgPool) {
    let app = spawn_app(pool).await;
    let ana = app.seller("ana@example.com").await;
    // 35,000 bytes that would read as the one-word search "golf": refused before it is read
    let huge = "q=golf&".repeat(5000);
    let reply = app.save_alert(Some(&ana), &huge, "Huge").await;
    assert_eq!(
        reply.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        reply.body
    );
    assert_eq!(
        reply.error().field("search").as_deref(),
        Some("This search is too long to save as an alert: remove some filters or words.")
    );
    assert!(app.overview(&ana).await.rules.is_empty());
    // the same search, short, is saved
    app.alert(&ana, "q=golf", "Golf").await;
    assert_eq!(app.overview(&ana).await.rules.len(), 1);
}

#[sqlx::test]
async fn paused_rules_count_towards_a_limit_of_their_own(pool: PgPool) {
    let app = spawn_app(pool).await;
    let ana = app.seller("ana@example.com").await;
    let total = app.overview(&ana).await.limits.total_rules;
    for i in 0..total {
        let id = app.alert(&ana, GOLF_ALERT, &format!("Alert {i}")).await;
        assert_eq!(app.pause(&ana, id, true).await.status, StatusCode::OK);
    }
    let o = app.overview(&ana).await;
    assert_eq!((o.rules.len(), o.active), (50, 0));
    let reply = app.save_alert(Some(&ana), GOLF_ALERT, "One too many").await;
    assert_eq!(reply.status, StatusCode::PAYMENT_REQUIRED, "{}", reply.body);
    assert!(
        reply
            .error()
            .to_string()
            .contains("50 alerts (paused ones included), the most the Free plan allows"),
        "{}",
        reply.body
    );
    assert_eq!(app.overview(&ana).await.rules.len(), 50);
}

#[sqlx::test]
async fn the_preview_shows_what_the_rule_matches_now(pool: PgPool) {
    let app = spawn_app(pool).await;
    let buyer = app.seller("buyer@example.com").await;
    let seller = app.seller("seller@example.com").await;
    let plain = app
        .create(&seller, &with(GOLF, &[("description", "Garage kept.")]))
        .await;
    let other = app
        .create(&seller, &with(GOLF, &[("price", "19500")]))
        .await;
    app.create(&seller, &with(GOLF, &[("price", "25000")]))
        .await;
    let rule = app.alert(&buyer, GOLF_ALERT, "Golf").await;
    // the search index learns of the new listings asynchronously
    app.state.search_synced().await.unwrap();
    let reply = app
        .get(&format!("/api/alerts/preview?rule_id={rule}"), Some(&buyer))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let (name, cards): (String, Vec<scout::listings::wire::ListingCard>) =
        serde_json::from_str(&reply.body).unwrap();
    assert_eq!(name, "Golf");
    let mut found: Vec<ListingId> = cards.iter().map(|c| c.id).collect();
    found.sort_unstable();
    assert_eq!(found, [plain, other], "the Golfs up to 20,000 EUR");
    // with must-have keywords, only the garage-kept one
    let reply = app
        .update_alert(
            &buyer,
            rule,
            &[("name", "Golf"), ("keywords", "garage"), ("inbox", "on")],
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let (_, cards): (String, Vec<scout::listings::wire::ListingCard>) = serde_json::from_str(
        &app.get(&format!("/api/alerts/preview?rule_id={rule}"), Some(&buyer))
            .await
            .body,
    )
    .unwrap();
    assert_eq!(cards.iter().map(|c| c.id).collect::<Vec<_>>(), [plain]);
}

#[sqlx::test]
async fn favorites_hear_of_price_drops_and_sales(pool: PgPool) {
    let app = spawn_app(pool).await;
    let mut worker = Worker::new();
    let buyer = app.seller("buyer@example.com").await;
    let quiet = app.seller("quiet@example.com").await;
    let seller = app.seller("seller@example.com").await;
    let id = app.create(&seller, GOLF).await;
    for who in [&buyer, &quiet] {
        let reply = app
            .post(
                "/api/listings/favorite",
                format!("listing_id={id}"),
                Some(who),
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK);
    }
    assert!(
        app.overview(&quiet).await.favorites,
        "on unless switched off"
    );
    let reply = app
        .post("/api/alerts/favorites", "on=false".into(), Some(&quiet))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert!(!app.overview(&quiet).await.favorites);
    assert!(
        app.overview(&buyer).await.favorites,
        "one account's switch is its own"
    );
    assert_eq!(
        app.post("/api/alerts/favorites", "on=false".into(), None)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    app.drain(&mut worker).await;
    assert!(
        app.inbox(&buyer).await.notices.is_empty(),
        "publishing is not news to a favorite"
    );

    let cheaper = with(GOLF, &[("price", "18000"), ("intent", "save")]);
    app.save(Some(&seller), Some(id), &cheaper).await;
    app.set_status(&seller, id, "sold").await;
    app.drain(&mut worker).await;
    let inbox = app.inbox(&buyer).await;
    let reasons: Vec<&str> = inbox.notices.iter().map(|n| n.reason.as_str()).collect();
    assert_eq!(
        reasons,
        [
            "Your favorite; sold",
            "Your favorite; price dropped 900 EUR (to 18,000 EUR)"
        ]
    );
    assert!(app.inbox(&quiet).await.notices.is_empty());
}

#[sqlx::test]
async fn a_worker_killed_mid_batch_loses_nothing_and_racing_workers_tell_once(pool: PgPool) {
    let app = spawn_app(pool).await;
    let buyer = app.seller("buyer@example.com").await;
    let seller = app.seller("seller@example.com").await;
    app.alert(&buyer, GOLF_ALERT, "Golf").await;
    for _ in 0..5 {
        app.create(&seller, GOLF).await;
    }
    // a worker takes the events and dies before committing: they go back to the queue
    let mut tx = app.pool.begin().await.unwrap();
    assert_eq!(repo::claim_events(&mut tx, 100).await.unwrap().len(), 5);
    // while it holds them, another worker sees none
    let mut other = Worker::new();
    assert_eq!(other.step(&app.state).await.unwrap(), 0);
    drop(tx);
    // three workers race for the same events
    let mut workers = [Worker::new(), Worker::new(), Worker::new()];
    let [a, b, c] = &mut workers;
    let (x, y, z) = tokio::join!(
        a.drain(&app.state),
        b.drain(&app.state),
        c.drain(&app.state)
    );
    x.unwrap();
    y.unwrap();
    z.unwrap();
    assert_eq!(app.inbox(&buyer).await.notices.len(), 5);
    let left: i64 = sqlx::query_scalar("select count(*) from listing_event")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(left, 0);
}

#[sqlx::test]
async fn a_rule_change_that_commits_late_still_reaches_the_worker(pool: PgPool) {
    let app = spawn_app(pool).await;
    let mut worker = Worker::new();
    let buyer = app.seller("buyer@example.com").await;
    let seller = app.seller("seller@example.com").await;
    let rule = app.alert(&buyer, GOLF_ALERT, "Golf").await;
    assert_eq!(app.pause(&buyer, rule, true).await.status, StatusCode::OK);
    worker.sync_rules(&app.state).await.unwrap();

    // the resume is stamped first but commits after a later change the worker has seen
    let mut resume = app.pool.begin().await.unwrap();
    sqlx::query("update alert_rule set paused = false where rule_id = $1")
        .bind(rule)
        .execute(&mut *resume)
        .await
        .unwrap();
    app.alert(&buyer, "make=bmw", "BMW").await;
    worker.sync_rules(&app.state).await.unwrap();
    resume.commit().await.unwrap();

    app.create(&seller, GOLF).await;
    app.drain(&mut worker).await;
    assert_eq!(app.inbox(&buyer).await.notices.len(), 1);
}
