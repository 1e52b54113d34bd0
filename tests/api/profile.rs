//! The Account page's profile (the name and, on request, the phone a seller's listings show)
//! and the change of the sign-in address by a link mailed to the new one.

use axum::{
    body::Body,
    http::{Request, StatusCode, header},
};
use scout::accounts::model::{ProfileView, SecurityEventView};
use scout::listings::wire::ListingDetail;
use sqlx::PgPool;

use crate::helpers::{GOLF, PASSWORD, TestApp, form};
use crate::smtp::{Smtp, mails};

async fn setup(pool: PgPool) -> (TestApp, Smtp) {
    crate::helpers::spawn_app_with_smtp(pool).await
}

impl TestApp {
    async fn save_profile(
        &self,
        cookie: Option<&str>,
        fields: &[(&str, &str)],
    ) -> crate::helpers::Reply {
        self.post("/api/accounts/update_profile", form(fields), cookie)
            .await
    }

    async fn log(&self, cookie: &str) -> Vec<String> {
        let log: Vec<SecurityEventView> = self
            .get("/api/accounts/security_log", Some(cookie))
            .await
            .json();
        log.into_iter().map(|e| e.what).collect()
    }

    async fn change_email(
        &self,
        cookie: &str,
        new_email: &str,
        password: &str,
    ) -> crate::helpers::Reply {
        self.post(
            "/api/accounts/change_email",
            form(&[("new_email", new_email), ("email_password", password)]),
            Some(cookie),
        )
        .await
    }

    async fn confirm_change(&self, token: &str) -> crate::helpers::Reply {
        self.post(
            "/api/accounts/confirm_email_change",
            form(&[("token", token)]),
            None,
        )
        .await
    }
}

async fn listing(app: &TestApp, id: scout::listings::model::ListingId) -> ListingDetail {
    let reply = app.detail(id, None).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    reply.json()
}

#[sqlx::test]
async fn a_seller_shows_a_name_and_on_request_a_phone_on_their_listings(pool: PgPool) {
    let (app, _smtp) = setup(pool).await;
    let ana = app.seller("ana@example.com").await;
    let golf = app.create(&ana, GOLF).await;
    let l = listing(&app, golf).await;
    assert_eq!(
        (l.seller_name.as_str(), l.seller_phone),
        ("Private seller", None)
    );

    // a name, and a phone kept but not shown
    let reply = app
        .save_profile(
            Some(&ana),
            &[
                ("display_name", "  Ана \t Петрова "),
                ("phone", "0888 123 456"),
            ],
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let l = listing(&app, golf).await;
    assert_eq!(
        (l.seller_name.as_str(), l.seller_phone),
        ("Ана Петрова", None)
    );
    let mine: ProfileView = app.get("/api/accounts/profile", Some(&ana)).await.json();
    assert_eq!(
        mine,
        ProfileView {
            display_name: "Ана Петрова".into(),
            phone: "+359 88 812 3456".into(),
            show_phone: false,
        }
    );

    // shown on request: on the listing's data and as a link that dials it on its page
    let reply = app
        .save_profile(
            Some(&ana),
            &[
                ("display_name", "Ана Петрова"),
                ("phone", "+359 88 812 3456"),
                ("show_phone", "yes"),
            ],
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let l = listing(&app, golf).await;
    assert_eq!(
        l.seller_phone,
        Some(("+359 88 812 3456".into(), "tel:+359888123456".into()))
    );
    let page = app
        .send(
            Request::get(format!("/listings/{golf}"))
                .header(header::ACCEPT, "text/html")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains(r#"href="tel:+359888123456""#),
        "{}",
        page.body
    );
    // a browser that names no language reads Bulgarian
    assert!(page.body.contains("Обадете се на +359 88 812 3456"));
    assert!(page.body.contains("Ана Петрова"));

    // bad input: a message per field, and the saved profile stays as it was
    let reply = app
        .save_profile(
            Some(&ana),
            &[
                ("display_name", &"я".repeat(61)),
                ("phone", "0888 12"),
                ("show_phone", "yes"),
            ],
        )
        .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    let error = reply.error();
    assert_eq!(
        error.field("display_name").as_deref(),
        Some("Use at most 60 characters.")
    );
    assert!(error.field("phone").unwrap().contains("0888 123 456"));
    let reply = app
        .save_profile(
            Some(&ana),
            &[
                ("display_name", "Ana"),
                ("phone", ""),
                ("show_phone", "yes"),
            ],
        )
        .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        listing(&app, golf).await.seller_phone.map(|p| p.1),
        Some("tel:+359888123456".into())
    );
    // the database refuses what the form would: a phone shown must exist and be E.164
    let refused = sqlx::query("update account set phone = '0888 123 456'")
        .execute(&app.pool)
        .await;
    assert!(refused.is_err());

    // signed out: refused; each change is in the log once (saving the same again is not a change)
    let reply = app
        .save_profile(None, &[("display_name", "Mallory"), ("phone", "")])
        .await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    let reply = app
        .save_profile(
            Some(&ana),
            &[
                ("display_name", "Ана Петрова"),
                ("phone", "0888123456"),
                ("show_phone", "yes"),
            ],
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    let changes = app
        .log(&ana)
        .await
        .into_iter()
        .filter(|w| w == "Changed the name or phone shown on listings")
        .count();
    assert_eq!(changes, 2);
}

/// The token in the `n`th mail's `/change-email/` link.
async fn change_token(smtp: &Smtp, n: usize) -> String {
    let mail = mails(smtp, n).await;
    let message = mail[n - 1].parsed();
    assert_eq!(
        message.subject(),
        Some("Confirm your new Scout sign-in address")
    );
    let text = message.body_text(0).unwrap().to_string();
    let (_, rest) = text.split_once("/change-email/").expect("a link");
    rest.chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect()
}

#[sqlx::test]
async fn the_sign_in_address_changes_only_by_the_link_sent_to_the_new_one(pool: PgPool) {
    let (app, smtp) = setup(pool).await;
    let ana = app.seller("ana@example.com").await;

    // the password again, and a new address that is really new
    let reply = app
        .change_email(&ana, "ana.new@example.com", "not her password")
        .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    let error = reply.error();
    assert_eq!(
        error.field("email_password").as_deref(),
        Some("That is not your password.")
    );
    let reply = app.change_email(&ana, " ANA@example.com", PASSWORD).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    let error = reply.error();
    assert_eq!(
        error.field("new_email").as_deref(),
        Some("That is already your sign-in address.")
    );

    let reply = app
        .change_email(&ana, "Ana.New@example.com", PASSWORD)
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let token = change_token(&smtp, 1).await;
    assert_eq!(
        smtp.received()[0].to,
        vec!["ana.new@example.com".to_string()]
    );
    // nothing changes until the link is used
    assert_eq!(app.me(&ana).await.as_deref(), Some("ana@example.com"));
    let link: Option<(String, String)> = app
        .get(
            &format!("/api/accounts/email_change_link?token={token}"),
            None,
        )
        .await
        .json();
    assert_eq!(
        link,
        Some(("ana@example.com".into(), "ana.new@example.com".into()))
    );
    // asking again at once answers the same and mails nothing more
    let reply = app
        .change_email(&ana, "ana.new@example.com", PASSWORD)
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(smtp.received().len(), 1);

    // a made-up link does nothing; the real one (opened in any browser) makes the change
    assert_eq!(
        app.confirm_change("not-a-token").await.status,
        StatusCode::CONFLICT
    );
    let reply = app.confirm_change(&token).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(app.me(&ana).await.as_deref(), Some("ana.new@example.com"));
    let mail = mails(&smtp, 2).await;
    assert_eq!(mail[1].to, vec!["ana@example.com".to_string()]);
    let told = mail[1].parsed();
    assert_eq!(
        told.subject(),
        Some("Your Scout sign-in address was changed")
    );
    assert!(told.body_text(0).unwrap().contains("ana.new@example.com"));
    // the new address signs in; the old one no longer does; the link is spent
    let old = app
        .sign_in_from("ana@example.com", PASSWORD, "10.40.0.1", None)
        .await;
    assert_eq!(old.status, StatusCode::UNAUTHORIZED);
    let new = app
        .sign_in_from("ana.new@example.com", PASSWORD, "10.40.0.2", None)
        .await;
    assert_eq!(new.status, StatusCode::OK, "{}", new.body);
    assert_eq!(
        app.confirm_change(&token).await.status,
        StatusCode::CONFLICT
    );
    let log = app.log(&ana).await;
    assert_eq!(
        log[..2],
        [
            "Signed in".to_string(),
            "Changed the sign-in address".to_string()
        ]
    );
    assert!(log.contains(&"Asked to change the sign-in address".to_string()));

    // an address someone else took meanwhile is not taken from them
    let bob = app.seller("bob@example.com").await;
    let reply = app.change_email(&bob, "carol@example.com", PASSWORD).await;
    assert_eq!(reply.status, StatusCode::OK);
    let token = change_token(&smtp, 3).await;
    app.seller("carol@example.com").await;
    let reply = app.confirm_change(&token).await;
    assert_eq!(reply.status, StatusCode::CONFLICT);
    assert!(
        reply.body.contains("Another Scout account"),
        "{}",
        reply.body
    );
    assert_eq!(app.me(&bob).await.as_deref(), Some("bob@example.com"));
}
