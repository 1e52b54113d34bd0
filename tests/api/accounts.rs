//! Getting back into an account ("Forgot password?") and what a stranger can't do with the
//! account forms: learn which addresses have accounts, flood a mailbox, or create accounts
//! without end.

use axum::http::StatusCode;
use sqlx::PgPool;

use crate::helpers::{PASSWORD, TestApp, form};
use crate::smtp::Smtp;

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
    for _ in 0..200 {
        if smtp.received().len() >= n {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    let mail = smtp.received();
    assert_eq!(mail.len(), n, "{mail:?}");
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
