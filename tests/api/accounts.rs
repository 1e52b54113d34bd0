//! Getting back into an account ("Forgot password?") and what a stranger can't do with the
//! account forms: learn which addresses have accounts, flood a mailbox, or create accounts
//! without end.

use axum::http::StatusCode;
use sqlx::PgPool;

use crate::helpers::{PASSWORD, TestApp, form};
use crate::smtp::{Smtp, mails};

const NEW_PASSWORD: &str = "a new and rather long passphrase";

/// The app, sending its mail to a local SMTP stand-in.
async fn setup(pool: PgPool) -> (TestApp, Smtp) {
    crate::helpers::spawn_app_with_smtp(pool).await
}

impl TestApp {
    async fn forgot(&self, email: &str, client: &str) -> crate::helpers::Reply {
        self.post_from(
            "/api/accounts/forgot_password",
            &form(&[("email", email)]),
            client,
            None,
        )
        .await
    }
}

/// Waits for the `n`th mail (sent in the background) and returns the token in its link.
async fn reset_token(smtp: &Smtp, n: usize) -> String {
    let mail = mails(smtp, n).await;
    let message = mail[n - 1].parsed();
    assert_eq!(message.subject(), Some("Choose a new Scout password"));
    let text = message.body_text(0).unwrap().to_string();
    let (_, rest) = text.split_once("/reset-password/").expect("a link");
    rest.chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect()
}

#[sqlx::test]
async fn a_forgotten_password_is_reset_by_a_single_use_link_that_signs_out_everywhere(
    pool: PgPool,
) {
    let (app, smtp) = setup(pool).await;
    let laptop = app.seller("ana@example.com").await;
    let phone = app
        .sign_in_from("ana@example.com", PASSWORD, "10.5.0.1", None)
        .await
        .cookie
        .unwrap();
    assert_eq!(app.me(&phone).await.as_deref(), Some("ana@example.com"));

    // the same answer whether or not an account uses the address; only the owner gets mail
    let known = app.forgot("ana@example.com", "10.5.0.2").await;
    let unknown = app.forgot("nobody@example.com", "10.5.0.3").await;
    assert_eq!(known.status, StatusCode::OK, "{}", known.body);
    assert_eq!(unknown.status, StatusCode::OK);
    assert_eq!(
        known.body.replace("ana@example.com", "X"),
        unknown.body.replace("nobody@example.com", "X")
    );
    let token = reset_token(&smtp, 1).await;
    assert_eq!(smtp.received()[0].to, ["ana@example.com"]);
    // the token is stored only as its hash
    let stored: Vec<u8> = sqlx::query_scalar("select token_sha256 from password_reset")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert!(!stored.windows(8).any(|w| token.as_bytes().starts_with(w)));

    // the page the link opens offers a new password
    let page = app.get(&format!("/reset-password/{token}"), None).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("New password"), "{}", page.body);
    // a weak password is refused and the link still works
    let reset = |password: &'static str, token: String| {
        let app = &app;
        async move {
            app.post(
                "/api/accounts/reset_password",
                form(&[("token", &token), ("password", password)]),
                None,
            )
            .await
        }
    };
    let reply = reset("password", token.clone()).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(reply.error().field("password").is_some());
    let reply = reset(NEW_PASSWORD, token.clone()).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let fresh = reply.cookie.unwrap();
    assert_eq!(app.me(&fresh).await.as_deref(), Some("ana@example.com"));
    // every other session is over
    assert_eq!(app.me(&laptop).await, None);
    assert_eq!(app.me(&phone).await, None);
    // the old password no longer works, the new one does
    let old = app
        .sign_in_from("ana@example.com", PASSWORD, "10.5.0.4", None)
        .await;
    assert_eq!(old.status, StatusCode::UNAUTHORIZED);
    let new = app
        .sign_in_from("ana@example.com", NEW_PASSWORD, "10.5.0.4", None)
        .await;
    assert_eq!(new.status, StatusCode::OK);
    // single use
    let reply = reset(NEW_PASSWORD, token.clone()).await;
    assert_eq!(reply.status, StatusCode::CONFLICT);
    assert!(
        reply
            .error()
            .to_string()
            .contains("expired or was already used")
    );
    let page = app.get(&format!("/reset-password/{token}"), None).await;
    assert!(
        page.body.contains("expired or was already used"),
        "{}",
        page.body
    );

    // an hour old, a link no longer works
    sqlx::query("update password_reset set created_at = created_at - interval '1 day'")
        .execute(&app.pool)
        .await
        .unwrap();
    assert_eq!(
        app.forgot("ana@example.com", "10.5.0.5").await.status,
        StatusCode::OK
    );
    let token = reset_token(&smtp, 2).await;
    sqlx::query("update password_reset set created_at = now() - interval '61 minutes' where used_at is null")
        .execute(&app.pool)
        .await
        .unwrap();
    assert_eq!(
        reset(NEW_PASSWORD, token).await.status,
        StatusCode::CONFLICT
    );
}

#[sqlx::test]
async fn reset_links_and_sign_ups_are_throttled(pool: PgPool) {
    let (app, smtp) = setup(pool).await;
    app.seller("ana@example.com").await;
    // asking again at once sends nothing more (the same answer)
    for client in ["10.6.0.1", "10.6.0.2", "10.6.0.3"] {
        assert_eq!(
            app.forgot("ana@example.com", client).await.status,
            StatusCode::OK
        );
    }
    reset_token(&smtp, 1).await;
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert_eq!(smtp.received().len(), 1);
    // a few minutes apart: five links a day to one account, then nothing more
    for n in 2..=6 {
        sqlx::query("update password_reset set created_at = created_at - interval '3 minutes'")
            .execute(&app.pool)
            .await
            .unwrap();
        let reply = app.forgot("ana@example.com", &format!("10.6.2.{n}")).await;
        assert_eq!(reply.status, StatusCode::OK);
    }
    reset_token(&smtp, 5).await;
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert_eq!(
        smtp.received().len(),
        5,
        "the sixth link of the day is not sent"
    );
    // one client asking for many addresses: 10 an hour, then 429
    for i in 0..10 {
        let reply = app
            .forgot(&format!("user{i}@example.com"), "10.6.1.1")
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{i}");
    }
    let reply = app.forgot("user10@example.com", "10.6.1.1").await;
    assert_eq!(reply.status, StatusCode::TOO_MANY_REQUESTS);

    // sign-ups: 10 an hour from one client address (an IPv6 client: its /64)
    for i in 0..10 {
        let reply = app
            .post_from(
                "/api/accounts/sign_up",
                &form(&[
                    ("email", &format!("new{i}@example.com")),
                    ("password", PASSWORD),
                ]),
                &format!("2001:db8:7:8::{i:x}"),
                None,
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{i}: {}", reply.body);
    }
    let reply = app
        .post_from(
            "/api/accounts/sign_up",
            &form(&[("email", "new10@example.com"), ("password", PASSWORD)]),
            "2001:db8:7:8:abcd::1",
            None,
        )
        .await;
    assert_eq!(reply.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(reply.headers.contains_key("retry-after"));
    let accounts: i64 = sqlx::query_scalar("select count(*) from account")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(accounts, 11);
}

/// The token in a mail's `/verify-email/` link, if it has one.
fn verify_token(mail: &crate::smtp::Received) -> Option<String> {
    let text = mail.parsed().body_text(0)?.to_string();
    let (_, rest) = text.split_once("/verify-email/")?;
    Some(
        rest.chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
            .collect(),
    )
}

impl TestApp {
    async fn sign_up_from(
        &self,
        email: &str,
        password: &str,
        client: &str,
    ) -> crate::helpers::Reply {
        self.post_from(
            "/api/accounts/sign_up",
            &form(&[("email", email), ("password", password)]),
            client,
            None,
        )
        .await
    }

    async fn verify(&self, token: &str) -> crate::helpers::Reply {
        self.post_from(
            "/api/accounts/verify_email",
            &form(&[("token", token)]),
            "10.8.9.9",
            None,
        )
        .await
    }
}

#[sqlx::test]
async fn sign_up_answers_alike_for_every_address_and_its_mailed_link_signs_in(pool: PgPool) {
    let (app, smtp) = setup(pool).await;
    app.account("taken@example.com", PASSWORD).await;

    let new = app
        .sign_up_from("new@example.com", PASSWORD, "10.8.0.1")
        .await;
    let taken = app
        .sign_up_from("taken@example.com", NEW_PASSWORD, "10.8.0.2")
        .await;
    // the same answer, and nobody is signed in by it
    assert_eq!((new.status, taken.status), (StatusCode::OK, StatusCode::OK));
    assert_eq!(new.body.replace("new@", "taken@"), taken.body);
    assert!(new.body.contains("Check your email"), "{}", new.body);
    assert!(new.set_cookie().is_none() && taken.set_cookie().is_none());

    // the new address gets a link; the taken one's owner a note without one
    let mail = mails(&smtp, 2).await;
    let to_new = mail.iter().find(|m| m.to == ["new@example.com"]).unwrap();
    let to_taken = mail.iter().find(|m| m.to == ["taken@example.com"]).unwrap();
    assert_eq!(
        to_new.parsed().subject(),
        Some("Confirm your address for Scout")
    );
    assert_eq!(
        to_taken.parsed().subject(),
        Some("You already have a Scout account")
    );
    assert_eq!(verify_token(to_taken), None);
    let taken_text = to_taken.parsed().body_text(0).unwrap().to_string();
    assert!(taken_text.contains("/forgot-password"), "{taken_text}");
    let token = verify_token(to_new).expect("a link");

    // the taken account is as it was
    let reply = app
        .sign_in_from("taken@example.com", NEW_PASSWORD, "10.8.0.3", None)
        .await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    let reply = app
        .sign_in_from("taken@example.com", PASSWORD, "10.8.0.3", None)
        .await;
    assert_eq!(reply.status, StatusCode::OK);

    // the new one can't sign in until its address is confirmed (a link went out a moment
    // ago, so no second one yet)
    let reply = app
        .sign_in_from("new@example.com", PASSWORD, "10.8.0.4", None)
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN, "{}", reply.body);
    assert!(
        reply
            .error()
            .to_string()
            .starts_with("Confirm your address first: we sent a link to new@example.com."),
        "{}",
        reply.body
    );
    assert!(reply.set_cookie().is_none());
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert_eq!(smtp.received().len(), 2);

    // the link's page names the address and asks for a click (a mail scanner's visit
    // changes nothing)
    let page = app.get(&format!("/verify-email/{token}"), None).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("new@example.com"), "{}", page.body);
    assert!(page.body.contains("Confirm and sign in"), "{}", page.body);
    let reply = app.verify(&token).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let cookie = reply.cookie.clone().expect("signed in");
    assert_eq!(app.me(&cookie).await.as_deref(), Some("new@example.com"));
    // once
    assert_eq!(app.verify(&token).await.status, StatusCode::CONFLICT);
    let page = app.get(&format!("/verify-email/{token}"), None).await;
    assert!(
        page.body
            .contains("This link has expired or was already used"),
        "{}",
        page.body
    );
    // and from now on the password signs in
    let reply = app
        .sign_in_from("new@example.com", PASSWORD, "10.8.0.5", None)
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
}

#[sqlx::test]
async fn a_stranger_who_signed_up_first_with_an_address_does_not_keep_it(pool: PgPool) {
    let (app, smtp) = setup(pool).await;
    // a stranger signs up with Ana's address and a password of their own
    let stranger_password = "the stranger's own password";
    app.sign_up_from("ana@example.com", stranger_password, "10.9.0.1")
        .await;
    let first = verify_token(&mails(&smtp, 1).await[0]).unwrap();
    // the stranger's password doesn't sign in (the address isn't confirmed)...
    let reply = app
        .sign_in_from("ana@example.com", stranger_password, "10.9.0.2", None)
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    // ...Ana signs up later with her own password and opens her link
    sqlx::query("update email_verification set created_at = created_at - interval '3 minutes'")
        .execute(&app.pool)
        .await
        .unwrap();
    let reply = app
        .sign_up_from("ana@example.com", PASSWORD, "10.9.0.3")
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    let second = verify_token(&mails(&smtp, 2).await[1]).unwrap();
    assert_ne!(first, second);
    let reply = app.verify(&second).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    // her password is the one that works, and the stranger's link no longer does
    let reply = app
        .sign_in_from("ana@example.com", stranger_password, "10.9.0.4", None)
        .await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    let reply = app
        .sign_in_from("ana@example.com", PASSWORD, "10.9.0.5", None)
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(app.verify(&first).await.status, StatusCode::CONFLICT);
}

#[sqlx::test]
async fn an_unconfirmed_address_gets_no_alert_email_and_a_banner_until_confirmed(pool: PgPool) {
    let (app, smtp) = setup(pool).await;
    let mut worker = scout::alerts::service::Worker::new();
    // an account from before addresses were confirmed, still signed in
    let buyer = app.seller("buyer@example.com").await;
    sqlx::query("update account set email_verified_at = null where email = 'buyer@example.com'")
        .execute(&app.pool)
        .await
        .unwrap();
    let seller = app.seller("seller@example.com").await;
    app.alert(&buyer, "make=volkswagen", "Golfs").await;
    app.create(&seller, crate::helpers::GOLF).await;
    app.work(&mut worker).await;
    // the match is in the inbox, not in the mailbox
    assert_eq!(app.inbox(&buyer).await.notices.len(), 1);
    assert!(smtp.received().is_empty(), "{:?}", smtp.received());

    // every page says so, with a way to get the link
    let page = app.get("/search", Some(&buyer)).await;
    assert!(
        page.body.contains("until then Scout emails you no alerts"),
        "{}",
        page.body
    );
    assert!(page.body.contains("Send the link again"));
    let resend = || {
        app.post(
            "/api/accounts/resend_verification",
            String::new(),
            Some(&buyer),
        )
    };
    let reply = resend().await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    // a second one at once is refused, with a reason
    let again = resend().await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.body);
    assert!(again.error().to_string().contains("a short while ago"));
    let token = verify_token(&mails(&smtp, 1).await[0]).unwrap();
    assert_eq!(app.verify(&token).await.status, StatusCode::OK);

    // confirmed: the banner goes and the next match is emailed
    let page = app.get("/search", Some(&buyer)).await;
    assert!(!page.body.contains("Send the link again"));
    let golf = crate::helpers::with(crate::helpers::GOLF, &[("title", "Another Golf")]);
    app.create(&seller, &golf).await;
    app.work(&mut worker).await;
    let mail = mails(&smtp, 2).await;
    assert_eq!(mail[1].to, ["buyer@example.com"]);
}

#[sqlx::test]
async fn changing_the_password_needs_the_current_one_and_signs_out_every_other_device(
    pool: PgPool,
) {
    let (app, smtp) = setup(pool).await;
    let laptop = app.seller("ana@example.com").await;
    let phone = app
        .sign_in_from("ana@example.com", PASSWORD, "10.10.0.1", None)
        .await
        .cookie
        .unwrap();
    let change = |current: &str, new: &str| {
        let body = form(&[("current_password", current), ("new_password", new)]);
        let laptop = laptop.clone();
        let app = &app;
        async move {
            app.post("/api/accounts/change_password", body, Some(&laptop))
                .await
        }
    };
    // signed out: refused
    let reply = app
        .post(
            "/api/accounts/change_password",
            form(&[
                ("current_password", PASSWORD),
                ("new_password", NEW_PASSWORD),
            ]),
            None,
        )
        .await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    // a wrong current password, or a weak new one: a message on the field, nothing changes
    let reply = change("not my password", NEW_PASSWORD).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        reply.error().field("current_password").as_deref(),
        Some("That is not your current password.")
    );
    let reply = change(PASSWORD, "password1").await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        reply
            .error()
            .field("new_password")
            .unwrap()
            .contains("most common passwords")
    );
    assert_eq!(app.me(&phone).await.as_deref(), Some("ana@example.com"));

    let reply = change(PASSWORD, NEW_PASSWORD).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    // this browser goes on (under a new session id), the phone is signed out
    let laptop = reply.cookie.clone().expect("a new session id");
    assert_eq!(app.me(&laptop).await.as_deref(), Some("ana@example.com"));
    assert_eq!(app.me(&phone).await, None);
    // the new password signs in, the old one no longer
    let old = app
        .sign_in_from("ana@example.com", PASSWORD, "10.10.0.2", None)
        .await;
    assert_eq!(old.status, StatusCode::UNAUTHORIZED);
    let new = app
        .sign_in_from("ana@example.com", NEW_PASSWORD, "10.10.0.3", None)
        .await;
    assert_eq!(new.status, StatusCode::OK);
    // and the address is told
    let mail = mails(&smtp, 1).await;
    assert_eq!(mail[0].to, ["ana@example.com"]);
    assert_eq!(
        mail[0].parsed().subject(),
        Some("Your Scout password was changed")
    );
}

#[sqlx::test]
async fn guessing_the_current_password_from_a_session_is_throttled_like_signing_in(pool: PgPool) {
    let (app, _smtp) = setup(pool).await;
    let cookie = app.seller("ana@example.com").await;
    let mut statuses = Vec::new();
    for i in 0..11 {
        let reply = app
            .post(
                "/api/accounts/change_password",
                form(&[
                    ("current_password", &format!("guess {i}")),
                    ("new_password", NEW_PASSWORD),
                ]),
                Some(&cookie),
            )
            .await;
        statuses.push(reply.status);
    }
    assert_eq!(statuses[..10], [StatusCode::UNPROCESSABLE_ENTITY; 10]);
    assert_eq!(statuses[10], StatusCode::TOO_MANY_REQUESTS);
}

const FIREFOX_ON_WINDOWS: &str =
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0";
const SAFARI_ON_IPHONE: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1";
const CHROME_ON_ANDROID: &str = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36";

impl TestApp {
    /// Signs in from a browser (its User-Agent) at a client address: the session cookie.
    async fn sign_in_with(&self, email: &str, user_agent: &str, client_ip: &str) -> String {
        let req = crate::helpers::api_post("/api/accounts/sign_in", "127.0.0.1:3000")
            .header(axum::http::header::ORIGIN, crate::helpers::ORIGIN)
            .header(axum::http::header::USER_AGENT, user_agent)
            .header("x-forwarded-for", client_ip)
            .body(axum::body::Body::from(form(&[
                ("email", email),
                ("password", PASSWORD),
            ])))
            .unwrap();
        let reply = self.send(req).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        reply.cookie.expect("a session cookie")
    }

    /// A form posted from the laptop (its browser and address).
    async fn post_from_laptop(
        &self,
        path: &str,
        body: String,
        cookie: &str,
    ) -> crate::helpers::Reply {
        let req = crate::helpers::api_post(path, "127.0.0.1:3000")
            .header(axum::http::header::ORIGIN, crate::helpers::ORIGIN)
            .header(axum::http::header::USER_AGENT, FIREFOX_ON_WINDOWS)
            .header(axum::http::header::COOKIE, cookie)
            .header("x-forwarded-for", "198.51.100.7")
            .body(axum::body::Body::from(body))
            .unwrap();
        self.send(req).await
    }

    async fn sessions(&self, cookie: &str) -> Vec<scout::accounts::model::SessionView> {
        self.get("/api/accounts/sessions", Some(cookie))
            .await
            .json()
    }
}

#[sqlx::test]
async fn each_device_is_placed_by_its_address(pool: PgPool) {
    let (app, _smtp) = setup(pool).await;
    app.account("ana@example.com", PASSWORD).await;
    let laptop = app
        .sign_in_with("ana@example.com", FIREFOX_ON_WINDOWS, "94.26.0.1")
        .await;
    app.sign_in_with("ana@example.com", SAFARI_ON_IPHONE, "2001:67c:20d0::1")
        .await;
    app.sign_in_with("ana@example.com", CHROME_ON_ANDROID, "10.1.2.3")
        .await;
    let mut places: Vec<(String, String)> = app
        .sessions(&laptop)
        .await
        .into_iter()
        .map(|s| (s.address, s.place))
        .collect();
    places.sort();
    assert_eq!(
        places,
        [
            ("10.1.2.3".to_string(), String::new()),
            ("2001:67c:20d0::1".to_string(), "Sofia, BG".to_string()),
            ("94.26.0.1".to_string(), "Sofia, BG".to_string()),
        ]
    );
}

#[sqlx::test]
async fn settings_list_where_one_is_signed_in_and_sign_out_one_device_or_all_others(pool: PgPool) {
    let (app, _smtp) = setup(pool).await;
    app.account("ana@example.com", PASSWORD).await;
    let laptop = app
        .sign_in_with("ana@example.com", FIREFOX_ON_WINDOWS, "198.51.100.7")
        .await;
    let phone = app
        .sign_in_with("ana@example.com", SAFARI_ON_IPHONE, "203.0.113.20")
        .await;
    let tablet = app
        .sign_in_with("ana@example.com", CHROME_ON_ANDROID, "2001:db8::1")
        .await;
    let bob = app.signed_in_account("bob@example.com", PASSWORD).await;

    // signed out: nothing to list
    let reply = app.get("/api/accounts/sessions", None).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);

    // the laptop sees all three, itself marked, the most recently seen first
    let listed = app.sessions(&laptop).await;
    let mut devices: Vec<_> = listed
        .iter()
        .map(|s| (s.device.as_str(), s.address.as_str(), s.this_one))
        .collect();
    devices.sort();
    assert_eq!(
        devices,
        [
            ("Chrome on Android", "2001:db8::1", false),
            ("Firefox on Windows", "198.51.100.7", true),
            ("Safari on iPhone", "203.0.113.20", false),
        ]
    );
    assert!(listed.iter().all(|s| s.last_seen == "just now"));
    // documentation addresses are nowhere
    assert!(listed.iter().all(|s| s.place.is_empty()));
    // another account's list has only its own session
    assert_eq!(app.sessions(&bob).await.len(), 1);
    let phone_handle = listed
        .iter()
        .find(|s| s.device == "Safari on iPhone")
        .unwrap()
        .handle
        .clone();

    // bob can't end ana's phone session, nor can a made-up handle be ended
    for (cookie, handle) in [
        (bob.as_str(), phone_handle.as_str()),
        (laptop.as_str(), "not a handle"),
        (laptop.as_str(), "7a1c4e52-0000-4000-8000-000000000000"),
    ] {
        let reply = app
            .post(
                "/api/accounts/end_session",
                form(&[("handle", handle)]),
                Some(cookie),
            )
            .await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{handle}");
    }
    assert_eq!(app.me(&phone).await.as_deref(), Some("ana@example.com"));

    // the laptop signs the phone out: its next request finds itself signed out
    let reply = app
        .post_from_laptop(
            "/api/accounts/end_session",
            form(&[("handle", &phone_handle)]),
            &laptop,
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(app.me(&phone).await, None);
    assert_eq!(app.me(&tablet).await.as_deref(), Some("ana@example.com"));
    assert_eq!(app.sessions(&laptop).await.len(), 2);

    // "sign out everywhere else": the tablet goes, this browser stays (under a new id)
    let reply = app
        .post_from_laptop("/api/accounts/end_other_sessions", String::new(), &laptop)
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let laptop = reply.cookie.clone().expect("a new session id");
    assert_eq!(app.me(&tablet).await, None);
    assert_eq!(app.me(&laptop).await.as_deref(), Some("ana@example.com"));
    let left = app.sessions(&laptop).await;
    assert_eq!(left.len(), 1);
    assert!(left[0].this_one);
    assert_eq!(app.me(&bob).await.as_deref(), Some("bob@example.com"));

    // signing out takes the session off the list
    let again = app
        .sign_in_with("ana@example.com", SAFARI_ON_IPHONE, "203.0.113.20")
        .await;
    assert_eq!(app.sessions(&laptop).await.len(), 2);
    app.post("/api/accounts/sign_out", String::new(), Some(&again))
        .await;
    assert_eq!(app.sessions(&laptop).await.len(), 1);

    // and the security log has each of it, the newest first, with where it came from
    let log: Vec<scout::accounts::model::SecurityEventView> = app
        .get("/api/accounts/security_log", Some(&laptop))
        .await
        .json();
    let lines: Vec<_> = log
        .iter()
        .map(|e| (e.what.as_str(), e.device.as_str(), e.address.as_str()))
        .collect();
    assert_eq!(
        lines,
        [
            ("Signed in", "Safari on iPhone", "203.0.113.20"),
            (
                "Signed out every other device",
                "Firefox on Windows",
                "198.51.100.7"
            ),
            (
                "Signed out another device",
                "Firefox on Windows",
                "198.51.100.7"
            ),
            ("Signed in", "Chrome on Android", "2001:db8::1"),
            ("Signed in", "Safari on iPhone", "203.0.113.20"),
            ("Signed in", "Firefox on Windows", "198.51.100.7"),
        ]
    );
    let bobs: Vec<scout::accounts::model::SecurityEventView> = app
        .get("/api/accounts/security_log", Some(&bob))
        .await
        .json();
    assert_eq!(bobs.len(), 1);
    let reply = app.get("/api/accounts/security_log", None).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
}
