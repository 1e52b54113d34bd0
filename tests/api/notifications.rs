//! Alert delivery beyond the inbox, through the real router, Postgres and a local SMTP
//! server: the email (headers, both parts, photo, price, one-click unsubscribe), settings and
//! their checks, digests and the daily cap, quiet hours, retries with backoff, a failing
//! channel shown to its owner, and a worker killed mid-delivery.

use axum::{
    body::Body,
    http::{Request, StatusCode, header},
};
use scout::{
    alerts::{model::AlertsOverview, service::Worker},
    gallery::fixtures,
    notifications::worker as deliveries,
};
use sqlx::PgPool;

use crate::helpers::{GOLF, TestApp, with};
use crate::smtp::{Mode, Smtp};

const GOLF_ALERT: &str = "make=volkswagen&model=volkswagen-golf&fuel=diesel&price_max=20000";

/// The app, sending its mail to a local SMTP stand-in.
async fn setup(pool: PgPool) -> (TestApp, Smtp) {
    crate::helpers::spawn_app_with_smtp(pool).await
}

impl TestApp {
    async fn deliveries(&self) -> Vec<(String, Option<String>, bool, i32, Option<String>)> {
        sqlx::query_as(
            "select state, digest, capped, attempts, last_error from delivery order by delivery_id",
        )
        .fetch_all(&self.pool)
        .await
        .unwrap()
    }
}

const SETTINGS: &[(&str, &str)] = &[
    ("inbox", "on"),
    ("email", "on"),
    ("rhythm", "instant"),
    ("digest_hour", "8"),
    ("digest_weekday", "1"),
    ("quiet_start", ""),
    ("quiet_end", ""),
    ("time_zone", "Europe/Sofia"),
    ("alert_email", ""),
];

fn settings_with<'a>(changes: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    SETTINGS
        .iter()
        .map(|(k, v)| {
            changes
                .iter()
                .find(|(ck, _)| ck == k)
                .map_or((*k, *v), |c| *c)
        })
        .collect()
}

#[sqlx::test]
async fn a_match_is_emailed_once_with_its_photo_price_reason_and_one_click_unsubscribe(
    pool: PgPool,
) {
    let (app, smtp) = setup(pool).await;
    let mut worker = Worker::new();
    let buyer = app.seller("buyer@example.com").await;
    let seller = app.seller("seller@example.com").await;
    let rule = app.alert(&buyer, GOLF_ALERT, "Golf diesel").await;
    let id = app.create(&seller, GOLF).await;
    let photo = fixtures::jpeg(&fixtures::photo(1200, 900, 1));
    let reply = app.upload(Some(&seller), id, "golf.jpg", photo).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    app.work(&mut worker).await;

    let mail = smtp.received();
    assert_eq!(mail.len(), 1, "one email");
    assert_eq!(mail[0].to, vec!["buyer@example.com".to_string()]);
    assert_eq!(mail[0].from, "alerts@localhost");
    let message = mail[0].parsed();
    let subject = message.subject().unwrap_or_default();
    assert!(
        subject.starts_with("Volkswagen Golf 2.0 TDI Highline"),
        "{subject}"
    );
    let unsubscribe = message
        .header_raw("List-Unsubscribe")
        .expect("List-Unsubscribe")
        .trim()
        .to_string();
    assert!(
        unsubscribe.starts_with("<http://127.0.0.1:3000/api/unsubscribe/"),
        "{unsubscribe}"
    );
    assert_eq!(
        message.header_raw("List-Unsubscribe-Post").map(str::trim),
        Some("List-Unsubscribe=One-Click")
    );
    assert!(
        message
            .message_id()
            .unwrap_or_default()
            .starts_with("delivery-")
    );
    let text = message.body_text(0).expect("a plain text part").to_string();
    let html = message.body_html(0).expect("an HTML part").to_string();
    for part in [
        "18,900 EUR",
        "Diesel",
        "just listed",
        &format!("/listings/{id}"),
    ] {
        assert!(text.contains(part), "{part} in the text: {text}");
        assert!(html.contains(part), "{part} in the HTML: {html}");
    }
    assert!(
        html.contains("Stop emails for the alert “Golf diesel”"),
        "{html}"
    );
    // the listing's cover photo, by an absolute URL a mail client can load
    assert!(
        html.contains("<img src=\"http://127.0.0.1:3000/media/"),
        "{html}"
    );
    // the same event again and another worker pass: no second email
    sqlx::query("insert into listing_event (listing_id, kind, new_price_minor, currency) values ($1, 'published', 1890000, 'EUR')")
        .bind(id)
        .execute(&app.pool)
        .await
        .unwrap();
    app.work(&mut worker).await;
    assert_eq!(smtp.received().len(), 1);
    assert_eq!(app.deliveries().await.len(), 1);

    // a link scanner's GET changes nothing: it is sent to the page that asks
    let url = unsubscribe
        .trim_matches(['<', '>'])
        .replace("http://127.0.0.1:3000", "");
    // the token is kept only as its hash
    let token = url.rsplit('/').next().unwrap().to_string();
    let kept: Vec<Vec<u8>> = sqlx::query_scalar("select token_sha256 from unsubscribe_link")
        .fetch_all(&app.pool)
        .await
        .unwrap();
    use sha2::Digest;
    assert!(kept.contains(&sha2::Sha256::digest(token.as_bytes()).to_vec()));
    assert!(
        !kept
            .iter()
            .any(|k| k.windows(8).any(|w| token.as_bytes().starts_with(w)))
    );
    let reply = app.get(&url, None).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    assert!(reply.location.unwrap().starts_with("/unsubscribe/"));
    let channels = |o: AlertsOverview| o.rules[0].fields.channels.clone();
    assert_eq!(channels(app.overview(&buyer).await).len(), 2);
    // the mail provider's one-click POST: no cookie, no Origin (RFC 8058)
    let req = Request::post(&url)
        .header(header::HOST, "127.0.0.1:3000")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from("List-Unsubscribe=One-Click"))
        .unwrap();
    let reply = app.send(req).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert!(reply.body.contains("Golf diesel"), "{}", reply.body);
    let overview = app.overview(&buyer).await;
    assert_eq!(overview.rules[0].id, rule);
    assert_eq!(
        channels(overview),
        vec![scout::notifications::model::Channel::Inbox]
    );
    // the next drop still reaches the inbox, and no email goes out
    let cheaper = with(GOLF, &[("price", "17400"), ("intent", "save")]);
    assert_eq!(
        app.save(Some(&seller), Some(id), &cheaper).await.status,
        StatusCode::OK
    );
    app.work(&mut worker).await;
    assert_eq!(smtp.received().len(), 1);
    let unread: i64 = sqlx::query_scalar("select count(*) from notification where read_at is null")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(unread, 2);
    // a made-up token is refused
    let reply = app
        .send(
            Request::post("/api/unsubscribe/00000000-0000-0000-0000-000000000000")
                .header(header::HOST, "127.0.0.1:3000")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
}

#[sqlx::test]
async fn settings_are_checked_and_say_where_and_when_email_goes(pool: PgPool) {
    let (app, smtp) = setup(pool).await;
    let mut worker = Worker::new();
    let buyer = app.seller("buyer@example.com").await;
    let seller = app.seller("seller@example.com").await;

    let view = app.settings(&buyer).await;
    assert_eq!(view.sign_in_email, "buyer@example.com");
    assert_eq!(view.settings.time_zone, "UTC");
    assert!(view.zones.iter().any(|z| z == "Europe/Sofia"));

    // every mistake is named, and nothing is saved
    let bad = settings_with(&[
        ("time_zone", "Mars/Olympus"),
        ("alert_email", "not-an-address"),
        ("quiet_start", "22:00"),
        ("quiet_end", ""),
    ]);
    let reply = app.save_settings(&buyer, &bad).await;
    assert_eq!(
        reply.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        reply.body
    );
    let error = reply.error();
    for field in ["time_zone", "alert_email", "quiet_end"] {
        assert!(error.field(field).is_some(), "{field}: {}", reply.body);
    }
    assert_eq!(app.settings(&buyer).await.settings.time_zone, "UTC");
    // signed out: 401
    let reply = app
        .post(
            "/api/settings/notifications/save",
            crate::helpers::input_form(SETTINGS),
            None,
        )
        .await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);

    // another address; quiet hours of 23 hours from this hour (in UTC+2) on: the email waits
    let now =
        time::OffsetDateTime::now_utc().to_offset(time::UtcOffset::from_hms(2, 0, 0).unwrap());
    let start = format!("{:02}:00", now.hour());
    let end = format!("{:02}:00", (now.hour() + 23) % 24);
    let good = settings_with(&[
        ("alert_email", "Ana.Alerts@Example.com"),
        ("quiet_start", &start),
        ("quiet_end", &end),
    ]);
    let reply = app.save_settings(&buyer, &good).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert!(
        reply
            .body
            .contains("We sent a link to ana.alerts@example.com")
            && reply.body.contains("to buyer@example.com until then"),
        "{}",
        reply.body
    );
    let view = app.settings(&buyer).await;
    assert_eq!(view.settings.time_zone, "Europe/Sofia");
    assert!(view.settings.quiet.is_some());
    // the new address is not used until its owner opens the link sent to it
    assert_eq!(view.settings.alert_email, None);
    assert_eq!(
        view.pending_email.as_deref(),
        Some("ana.alerts@example.com")
    );
    let token = confirmation_token(&smtp, "ana.alerts@example.com");
    // saving the same address again at once sends no second link
    let reply = app.save_settings(&buyer, &good).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(smtp.received().len(), 1);
    // a made-up or altered token confirms nothing
    for forged in ["x".repeat(43), format!("{token}a")] {
        let path = format!("/api/settings/alert-email/to-confirm?token={forged}");
        assert_eq!(app.get(&path, None).await.status, StatusCode::NOT_FOUND);
        let reply = app
            .post(
                "/api/settings/alert-email/confirm",
                crate::helpers::form(&[("token", forged.as_str())]),
                None,
            )
            .await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{}", reply.body);
    }
    // the link's page names the address; confirming needs no sign-in, only the token
    let path = format!("/api/settings/alert-email/to-confirm?token={token}");
    let reply = app.get(&path, None).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.body, "\"ana.alerts@example.com\"");
    let confirm = crate::helpers::form(&[("token", token.as_str())]);
    let reply = app
        .post("/api/settings/alert-email/confirm", confirm.clone(), None)
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let view = app.settings(&buyer).await;
    assert_eq!(
        view.settings.alert_email.as_deref(),
        Some("ana.alerts@example.com")
    );
    assert_eq!(view.pending_email, None);
    // a link works once
    let reply = app
        .post("/api/settings/alert-email/confirm", confirm, None)
        .await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);

    app.alert(&buyer, GOLF_ALERT, "Golf diesel").await;
    app.create(&seller, GOLF).await;
    app.work(&mut worker).await;
    // inside quiet hours (Sofia is UTC+2 in winter and UTC+3 in summer: either way the
    // window "this hour .. an hour before it" contains the present)
    assert_eq!(
        smtp.received().len(),
        1,
        "only the confirmation: the alert is held during quiet hours"
    );
    let (due, pending): (time::OffsetDateTime, String) =
        sqlx::query_as("select due_at, state from delivery")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(pending, "pending");
    assert!(
        due > time::OffsetDateTime::now_utc(),
        "due when quiet hours end"
    );
    app.time_passes().await;
    deliveries::deliver_all(&app.state).await.unwrap();
    let mail = smtp.received();
    assert_eq!(
        mail.len(),
        2,
        "the confirmation, then the alert: held, then delivered"
    );
    assert_eq!(mail[1].to, vec!["ana.alerts@example.com".to_string()]);
}

#[sqlx::test]
async fn saving_settings_cannot_flood_a_mailbox_with_confirmation_links(pool: PgPool) {
    let (app, smtp) = setup(pool).await;
    let buyer = app.seller("buyer@example.com").await;
    let save = |address: &'static str| {
        let (app, buyer) = (&app, buyer.clone());
        async move {
            app.save_settings(&buyer, &settings_with(&[("alert_email", address)]))
                .await
        }
    };
    let later = || async {
        for table in [
            "update confirmation_mail set sent_at = sent_at - interval '6 minutes'",
            "update alert_settings set pending_sent_at = pending_sent_at - interval '6 minutes'",
        ] {
            sqlx::query(table).execute(&app.pool).await.unwrap();
        }
    };
    assert_eq!(save("a@example.com").await.status, StatusCode::OK);
    // alternating two addresses, or clearing the field in between, sends nothing more
    for address in ["b@example.com", "a@example.com", "", "b@example.com"] {
        let reply = save(address).await;
        if address == "b@example.com" {
            assert_eq!(
                reply.status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{}",
                reply.body
            );
            let error = reply.error().field("alert_email").unwrap();
            assert!(error.contains("at most one every 5 minutes"), "{error}");
        }
    }
    assert_eq!(smtp.received().len(), 1);
    // five minutes on, one more; an address gets at most three a day, from all accounts
    let other = app.seller("other@example.com").await;
    for i in 0..3 {
        later().await;
        let reply = if i == 1 {
            app.save_settings(&other, &settings_with(&[("alert_email", "b@example.com")]))
                .await
        } else {
            save("b@example.com").await
        };
        assert_eq!(reply.status, StatusCode::OK, "{i}: {}", reply.body);
    }
    later().await;
    let reply = save("b@example.com").await;
    assert_eq!(
        reply.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        reply.body
    );
    let error = reply.error().field("alert_email").unwrap();
    assert!(
        error.contains("3 confirmation links from Scout today"),
        "{error}"
    );
    let to_b = smtp
        .received()
        .iter()
        .filter(|m| m.to == ["b@example.com"])
        .count();
    assert_eq!((smtp.received().len(), to_b), (4, 3));
}

/// The token in the one confirmation link sent to `address`.
fn confirmation_token(smtp: &Smtp, address: &str) -> String {
    let mail = smtp.received();
    let sent: Vec<_> = mail.iter().filter(|m| m.to == [address]).collect();
    assert_eq!(sent.len(), 1, "{mail:?}");
    let message = sent[0].parsed();
    assert_eq!(
        message.subject(),
        Some("Confirm your address for Scout alerts")
    );
    let text = message.body_text(0).unwrap().to_string();
    let html = message.body_html(0).unwrap().to_string();
    let (_, rest) = text.split_once("/confirm-email/").expect("a link");
    let token: String = rest
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect();
    assert_eq!(token.len(), 43, "{text}");
    assert!(
        html.contains(&format!("/confirm-email/{token}\"")),
        "{html}"
    );
    token
}

#[sqlx::test]
async fn a_confirmation_link_that_cannot_be_sent_keeps_the_address_in_use(pool: PgPool) {
    let (app, smtp) = setup(pool).await;
    let buyer = app.seller("buyer@example.com").await;
    smtp.set_mode(Mode::Refuse(550));
    let reply = app
        .save_settings(
            &buyer,
            &settings_with(&[("alert_email", "nobody@example.com"), ("rhythm", "daily")]),
        )
        .await;
    assert_eq!(
        reply.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        reply.body
    );
    let error = reply.error().field("alert_email").unwrap();
    assert!(
        error.contains("could not send the confirmation link to nobody@example.com"),
        "{error}"
    );
    // what the mail server said stays in the log
    assert!(!error.contains("550"), "{error}");
    // the rest of the form was kept; nothing waits for a link that never left
    let view = app.settings(&buyer).await;
    assert_eq!(
        view.settings.rhythm,
        scout::notifications::model::Rhythm::Daily
    );
    assert_eq!(view.settings.alert_email, None);
    assert_eq!(view.pending_email, None);

    // an old link stops working once it is more than three days old
    smtp.set_mode(Mode::Accept);
    let reply = app
        .save_settings(
            &buyer,
            &settings_with(&[("alert_email", "ana@example.com")]),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let token = confirmation_token(&smtp, "ana@example.com");
    sqlx::query("update alert_settings set pending_sent_at = now() - interval '3 days 1 minute'")
        .execute(&app.pool)
        .await
        .unwrap();
    let reply = app
        .post(
            "/api/settings/alert-email/confirm",
            crate::helpers::form(&[("token", token.as_str())]),
            None,
        )
        .await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert_eq!(app.settings(&buyer).await.settings.alert_email, None);
    // the sign-in address itself needs no link
    let reply = app
        .save_settings(
            &buyer,
            &settings_with(&[("alert_email", "Buyer@Example.com")]),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let view = app.settings(&buyer).await;
    assert_eq!(
        (view.settings.alert_email, view.pending_email),
        (None, None)
    );
}

#[sqlx::test]
async fn digests_gather_matches_and_the_daily_cap_holds_the_rest_for_them(pool: PgPool) {
    let (app, smtp) = setup(pool).await;
    let mut worker = Worker::new();
    let buyer = app.seller("buyer@example.com").await;
    let seller = app.seller("seller@example.com").await;
    // a daily digest at 08:00 Sofia time
    let daily = settings_with(&[("rhythm", "daily")]);
    assert_eq!(
        app.save_settings(&buyer, &daily).await.status,
        StatusCode::OK
    );
    app.alert(&buyer, GOLF_ALERT, "Golf diesel").await;
    let first = app.create(&seller, GOLF).await;
    let second = app
        .create(
            &seller,
            &with(GOLF, &[("title", "Volkswagen Golf 1.6 TDI Comfortline")]),
        )
        .await;
    app.work(&mut worker).await;
    assert!(smtp.received().is_empty(), "digests wait for their hour");
    let due: Vec<time::OffsetDateTime> = sqlx::query_scalar("select due_at from delivery")
        .fetch_all(&app.pool)
        .await
        .unwrap();
    assert_eq!(due.len(), 2);
    for d in &due {
        let local = d.to_offset(time::UtcOffset::from_hms(2, 0, 0).unwrap());
        // 08:00 in Sofia: 06:00Z in winter, 05:00Z in summer
        assert!(
            matches!(d.hour(), 5 | 6) && d.minute() == 0,
            "{d} ({local})"
        );
        assert!(*d > time::OffsetDateTime::now_utc());
    }
    app.time_passes().await;
    deliveries::deliver_all(&app.state).await.unwrap();
    let mail = smtp.received();
    assert_eq!(mail.len(), 1, "one digest for both");
    let message = mail[0].parsed();
    assert_eq!(
        message.subject(),
        Some("Your daily Scout digest: 2 listings")
    );
    let text = message.body_text(0).unwrap().to_string();
    for id in [first, second] {
        assert!(text.contains(&format!("/listings/{id}")), "{text}");
    }
    assert!(text.contains("Stop emails for all Scout alerts"), "{text}");

    // instant again; 50 alerts already went out today: the next one waits for the digest
    let instant = settings_with(&[]);
    assert_eq!(
        app.save_settings(&buyer, &instant).await.status,
        StatusCode::OK
    );
    let buyer_id: uuid::Uuid =
        sqlx::query_scalar("select account_id from account where email = 'buyer@example.com'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    sqlx::query(
        "with n as (insert into notification (account_id, source, listing_id, kind, trigger_key, title, reason) \
           select $1, 'favorite', $2, 'price_drop', g::text, 't', 'r' from generate_series(1, 50) g \
           returning notification_id) \
         insert into delivery (notification_id, account_id, channel, target, due_at, state, sent_at) \
         select notification_id, $1, 'email', 'email', now(), 'sent', now() from n",
    )
    .bind(buyer_id)
    .bind(first)
    .execute(&app.pool)
    .await
    .unwrap();
    sqlx::query("update alert_rule set rhythm = 'instant'")
        .execute(&app.pool)
        .await
        .unwrap();
    app.create(
        &seller,
        &with(GOLF, &[("title", "Volkswagen Golf 2.0 TDI Variant")]),
    )
    .await;
    worker.drain(&app.state).await.unwrap();
    deliveries::deliver_all(&app.state).await.unwrap();
    assert_eq!(smtp.received().len(), 1, "held by the cap");
    let last = app.deliveries().await.pop().unwrap();
    assert_eq!(
        (last.0.as_str(), last.1.as_deref(), last.2),
        ("pending", Some("daily"), true)
    );
    app.time_passes().await;
    deliveries::deliver_all(&app.state).await.unwrap();
    let mail = smtp.received();
    assert_eq!(mail.len(), 2);
    let text = mail[1].parsed().body_text(0).unwrap().to_string();
    assert!(
        text.contains("after you reached today's limit of 50 instant alerts"),
        "{text}"
    );
}

#[sqlx::test]
async fn failed_sends_retry_with_backoff_and_a_failing_channel_is_shown(pool: PgPool) {
    let (app, smtp) = setup(pool).await;
    let mut worker = Worker::new();
    let buyer = app.seller("buyer@example.com").await;
    let seller = app.seller("seller@example.com").await;
    app.alert(&buyer, GOLF_ALERT, "Golf diesel").await;
    smtp.set_mode(Mode::Refuse(451));
    app.create(&seller, GOLF).await;
    app.work(&mut worker).await;
    let (state, _, _, attempts, error) = app.deliveries().await.pop().unwrap();
    assert_eq!((state.as_str(), attempts), ("pending", 1));
    let error = error.unwrap();
    assert_eq!(
        error, "the mail server asked us to try again later",
        "a sentence the person can act on, not the server's own text"
    );
    let due: time::OffsetDateTime = sqlx::query_scalar("select due_at from delivery")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let wait = due - time::OffsetDateTime::now_utc();
    assert!(
        wait > time::Duration::seconds(50) && wait <= time::Duration::minutes(1),
        "{wait}"
    );
    // not yet due: nothing is tried
    deliveries::deliver_all(&app.state).await.unwrap();
    assert_eq!(app.deliveries().await[0].3, 1);
    assert!(
        app.overview(&buyer).await.trouble.is_empty(),
        "one failure is not trouble yet"
    );
    for _ in 0..2 {
        app.time_passes().await;
        deliveries::deliver_all(&app.state).await.unwrap();
    }
    let trouble = app.overview(&buyer).await.trouble;
    assert_eq!(trouble.len(), 1, "three failures in a row");
    assert_eq!(trouble[0].what, "Email to buyer@example.com");
    assert_eq!(
        trouble[0].error,
        "the mail server asked us to try again later"
    );
    assert!(!trouble[0].error.contains("451"), "{}", trouble[0].error);
    // and the address is paused: even a due delivery waits for the pause to end
    sqlx::query("update delivery set due_at = now() where state = 'pending'")
        .execute(&app.pool)
        .await
        .unwrap();
    deliveries::deliver_all(&app.state).await.unwrap();
    assert_eq!(app.deliveries().await[0].3, 3, "not tried while paused");
    // the server recovers: delivered once, and the trouble is gone
    smtp.set_mode(Mode::Accept);
    app.time_passes().await;
    deliveries::deliver_all(&app.state).await.unwrap();
    assert_eq!(smtp.received().len(), 1);
    assert_eq!(app.deliveries().await[0].0, "sent");
    assert!(app.overview(&buyer).await.trouble.is_empty());

    // a permanent refusal is not retried
    smtp.set_mode(Mode::Refuse(550));
    app.create(
        &seller,
        &with(GOLF, &[("title", "Volkswagen Golf Variant")]),
    )
    .await;
    app.work(&mut worker).await;
    let (state, _, _, attempts, error) = app.deliveries().await.pop().unwrap();
    assert_eq!((state.as_str(), attempts), ("failed", 1));
    assert_eq!(
        error.as_deref(),
        Some("the mail server refused the address; check that it is spelled right"),
        "no 'no such mailbox' from the server"
    );

    // after six attempts a transient failure is given up too
    smtp.set_mode(Mode::Refuse(451));
    app.create(
        &seller,
        &with(GOLF, &[("title", "Volkswagen Golf Sportsvan")]),
    )
    .await;
    app.work(&mut worker).await;
    for _ in 0..6 {
        app.time_passes().await;
        deliveries::deliver_all(&app.state).await.unwrap();
    }
    let (state, _, _, attempts, _) = app.deliveries().await.pop().unwrap();
    assert_eq!(
        (state.as_str(), attempts),
        ("failed", deliveries::MAX_ATTEMPTS)
    );
}

#[sqlx::test]
async fn a_worker_killed_mid_delivery_loses_nothing_and_sends_nothing_twice(pool: PgPool) {
    let (app, smtp) = setup(pool).await;
    let mut worker = Worker::new();
    let buyer = app.seller("buyer@example.com").await;
    let seller = app.seller("seller@example.com").await;
    app.alert(&buyer, GOLF_ALERT, "Golf diesel").await;
    app.create(&seller, GOLF).await;
    worker.drain(&app.state).await.unwrap();

    // the mail server takes the whole message and hangs; the worker is killed meanwhile
    smtp.set_mode(Mode::Stall);
    let state = app.state.clone();
    let sending = tokio::spawn(async move { deliveries::deliver_step(&state).await });
    for _ in 0..200 {
        if smtp.stalled() > 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    assert_eq!(smtp.stalled(), 1, "the send was under way");
    // while the first worker holds it, a second one skips it
    let other = deliveries::deliver_step(&app.state).await.unwrap();
    assert_eq!(other, 0, "a row being sent is not taken twice");
    sending.abort();
    assert!(sending.await.unwrap_err().is_cancelled());

    // restarted (a new process: its own connections to the mail server): the row waits for
    // the dead worker's lease to lapse, then goes out exactly once
    smtp.set_mode(Mode::Accept);
    assert_eq!(deliveries::deliver_step(&app.state).await.unwrap(), 0);
    app.leases_lapse().await;
    let mut restarted = app.state.clone();
    restarted.mailer =
        scout::notifications::email::Mailer::new(Some(&smtp.url), std::env::temp_dir()).unwrap();
    for _ in 0..100 {
        deliveries::deliver_all(&restarted).await.unwrap();
        if !smtp.received().is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    deliveries::deliver_all(&restarted).await.unwrap();
    assert_eq!(smtp.received().len(), 1);
    let rows = app.deliveries().await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].0, "sent");
}

#[sqlx::test]
async fn alert_email_shows_the_price_in_the_recipients_currency_too(pool: PgPool) {
    let (app, smtp) = setup(pool).await;
    let mut worker = Worker::new();
    let in_euro = app.seller("euro@example.com").await;
    let in_leva = app.seller("leva@example.com").await;
    let saved = app
        .post(
            "/api/listings/save_display_currency",
            crate::helpers::form(&[("currency", "BGN")]),
            Some(&in_leva),
        )
        .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    // the same search from both: up to 40,000 is leva for one of them (20,452 EUR)
    let search = "make=volkswagen&model=volkswagen-golf&price_max=40000";
    app.alert(&in_euro, search, "Golf").await;
    app.alert(&in_leva, search, "Golf").await;
    let rules: Vec<(String, String)> = sqlx::query_as(
        "select a.email, r.search from alert_rule r join account a using (account_id) order by a.email",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(
        rules,
        [
            ("euro@example.com".to_string(), search.to_string()),
            ("leva@example.com".to_string(), format!("{search}&cur=BGN")),
        ],
        "a search that names no currency is kept in the currency it was read in"
    );

    let seller = app.seller("seller@example.com").await;
    app.create(&seller, GOLF).await; // 18,900 EUR
    app.work(&mut worker).await;
    let mail = smtp.received();
    let text_to = |to: &str| {
        let m = mail
            .iter()
            .find(|m| m.to == [to.to_string()])
            .unwrap_or_else(|| panic!("no email to {to}"));
        m.parsed().body_text(0).unwrap().to_string()
    };
    let leva = text_to("leva@example.com");
    // 18,900 EUR x 1.95583 = 36,965.19 BGN, rounded to the lev
    assert!(leva.contains("18,900 EUR (≈ 36,965 BGN)"), "{leva}");
    let euro = text_to("euro@example.com");
    assert!(euro.contains("18,900 EUR"), "{euro}");
    assert!(!euro.contains("BGN"), "{euro}");
}
