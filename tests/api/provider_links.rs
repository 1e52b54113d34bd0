//! The Account page's sign-in providers after they are connected: the tokens kept sealed and
//! bound to their row, access renewed now or refused (expired, failing), and disconnecting
//! with its confirmation, the last-way-to-sign-in rule and revocation at the provider.
//! Against the OpenID Connect stand-in (`oidc.rs`) over real HTTP.

use crate::helpers::{PASSWORD, TestApp, form};
use crate::oidc::{Provider, Renewals};
use crate::sign_in_providers::setup;
use axum::http::StatusCode;
use scout::accounts::{
    connect::{Health, ProviderLink},
    identities,
    model::AccountId,
};
use scout::server::secrets::Binding;
use sqlx::PgPool;
use std::time::Duration;

const FLOW: Duration = Duration::from_secs(600);

/// Jane's account, with a password, after connecting the provider from the Account page.
async fn connected(app: &TestApp, provider: &Provider) -> String {
    let cookie = app.signed_in_account("jane@example.com", PASSWORD).await;
    let attempt = app.provider_start(provider, Some(&cookie), "link").await;
    let (to, cookie) = app
        .provider_callback(&attempt.callback, &attempt.cookie)
        .await;
    assert_eq!(to, "/account?connected=test");
    cookie
}

async fn link(app: &TestApp, cookie: &str) -> ProviderLink {
    let reply = app.get("/api/accounts/provider_links", Some(cookie)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let mut links: Vec<ProviderLink> = reply.json();
    assert_eq!(links.len(), 1);
    links.remove(0)
}

async fn account_of(app: &TestApp, email: &str) -> AccountId {
    AccountId(
        sqlx::query_scalar("select account_id from account where email = $1")
            .bind(email)
            .fetch_one(&app.pool)
            .await
            .unwrap(),
    )
}

/// The refresh token Scout holds for the account, opened as its row binds it: the column,
/// the account, and the identity (provider, issuer, subject).
async fn held(app: &TestApp, account: AccountId) -> Option<String> {
    let (issuer, subject, sealed): (String, String, Option<Vec<u8>>) = sqlx::query_as(
        "select issuer, subject, refresh_token from account_identity \
         where account_id = $1 and provider = 'test'",
    )
    .bind(account.0)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let binding = Binding {
        place: "account_identity.refresh_token",
        owner: &account.0.to_string(),
        key: &format!("test\n{issuer}\n{subject}"),
    };
    Some(
        app.state
            .sealer
            .open_bound_string(&sealed?, &binding)
            .unwrap(),
    )
}

async fn refresh(app: &TestApp, cookie: &str) -> crate::helpers::Reply {
    app.post(
        "/api/accounts/refresh_provider",
        form(&[("provider", "test")]),
        Some(cookie),
    )
    .await
}

async fn disconnect(app: &TestApp, cookie: &str, confirm: &str) -> crate::helpers::Reply {
    app.post(
        "/api/accounts/disconnect_provider",
        form(&[("provider", "test"), ("confirm", confirm)]),
        Some(cookie),
    )
    .await
}

#[sqlx::test]
async fn tokens_are_sealed_at_rest_and_open_only_in_their_own_row(pool: PgPool) {
    let (app, provider) = setup(pool, FLOW).await;
    let cookie = connected(&app, &provider).await;
    let jane = account_of(&app, "jane@example.com").await;
    let (access, refresh): (Vec<u8>, Vec<u8>) = sqlx::query_as(
        "select access_token, refresh_token from account_identity where account_id = $1",
    )
    .bind(jane.0)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    for sealed in [&access, &refresh] {
        assert!(sealed.starts_with(b"SCb1"), "bound to its row");
        let text = String::from_utf8_lossy(sealed);
        assert!(!text.contains("access-") && !text.contains("refresh-"));
    }
    let token = held(&app, jane).await.expect("a refresh token");
    assert!(token.starts_with("refresh-"), "{token}");

    // copied into another account's identity at the same provider, it does not open there
    provider.set_person(crate::oidc::Person {
        subject: "other-subject".into(),
        email: "olga@example.com".into(),
        email_verified: true,
    });
    let other = app.provider_start(&provider, None, "").await;
    app.provider_callback(&other.callback, &other.cookie).await;
    let olga = account_of(&app, "olga@example.com").await;
    sqlx::query("update account_identity set refresh_token = $1 where account_id = $2")
        .bind(&refresh)
        .bind(olga.0)
        .execute(&app.pool)
        .await
        .unwrap();
    assert!(
        identities::claim_renewal(&app.pool, &app.state.sealer, olga, "test")
            .await
            .is_err()
    );
    // and Jane's own still does
    assert_eq!(held(&app, jane).await.as_deref(), Some(token.as_str()));

    // her data export lists the link, without its tokens, sealed or not
    let data = scout::accounts::repo::export_document(&app.pool, jane)
        .await
        .unwrap()
        .unwrap();
    let linked = &data["linked_accounts"][0];
    assert_eq!(
        (linked["provider"].as_str(), linked["email"].as_str()),
        (Some("test"), Some("jane@example.com"))
    );
    assert_eq!(linked["scopes"], "openid email profile");
    assert!(linked.get("access_token").is_none() && linked.get("refresh_token").is_none());
    let text = data.to_string();
    assert!(!text.contains(&token) && !text.contains(&hex::encode(&refresh)));
    assert_eq!(
        link(&app, &cookie).await.connected.unwrap().health,
        Health::Connected
    );
}

#[sqlx::test]
async fn refresh_now_renews_with_the_refresh_token_and_keeps_the_new_one(pool: PgPool) {
    let (app, provider) = setup(pool, FLOW).await;
    let cookie = connected(&app, &provider).await;
    let jane = account_of(&app, "jane@example.com").await;
    let c = link(&app, &cookie).await.connected.expect("connected");
    assert_eq!(c.email, "jane@example.com");
    assert_eq!(c.scopes, "openid email profile");
    assert_eq!(c.health, Health::Connected);
    assert!(c.renewable && c.removable);
    assert!(c.detail.starts_with("Access until "), "{}", c.detail);

    let first = held(&app, jane).await.unwrap();
    let reply = refresh(&app, &cookie).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let second = held(&app, jane).await.unwrap();
    assert_eq!(provider.renewed_with(), vec![first.clone()]);
    assert_ne!(second, first, "the rotated refresh token is kept");
    // the provider narrowed the scopes on renewal: the page says what it shares now
    assert_eq!(
        link(&app, &cookie).await.connected.unwrap().scopes,
        "email profile"
    );

    // the next renewal uses the new one (the old one no longer works at the provider)
    let reply = refresh(&app, &cookie).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(provider.renewed_with(), vec![first, second]);

    // only the signed-in owner refreshes, and only a configured provider
    assert_eq!(
        app.post(
            "/api/accounts/refresh_provider",
            form(&[("provider", "test")]),
            None
        )
        .await
        .status,
        StatusCode::UNAUTHORIZED
    );
    let reply = app
        .post(
            "/api/accounts/refresh_provider",
            form(&[("provider", "elsewhere")]),
            Some(&cookie),
        )
        .await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
}

#[sqlx::test]
async fn a_refused_renewal_marks_the_link_expired_and_an_outage_failing(pool: PgPool) {
    let (app, provider) = setup(pool, FLOW).await;
    let cookie = connected(&app, &provider).await;

    provider.renewals(Renewals::Down);
    let reply = refresh(&app, &cookie).await;
    assert_eq!(reply.status, StatusCode::CONFLICT, "{}", reply.body);
    assert!(
        reply
            .error()
            .to_string()
            .starts_with("Test ID could not be reached to renew Scout's access."),
        "{}",
        reply.error()
    );
    let c = link(&app, &cookie).await.connected.unwrap();
    assert_eq!(
        (c.health, c.detail),
        (Health::Failing, reply.error().to_string())
    );

    provider.renewals(Renewals::Withdrawn);
    let reply = refresh(&app, &cookie).await;
    assert_eq!(reply.status, StatusCode::CONFLICT, "{}", reply.body);
    let c = link(&app, &cookie).await.connected.unwrap();
    assert_eq!(c.health, Health::Expired);
    assert_eq!(
        c.detail,
        "Test ID no longer accepts Scout's access: it was withdrawn at Test ID or has ended. Reconnect to renew it."
    );

    // connecting again gives fresh tokens and a healthy link
    provider.renewals(Renewals::Normal);
    let attempt = app.provider_start(&provider, Some(&cookie), "link").await;
    let (to, cookie) = app
        .provider_callback(&attempt.callback, &attempt.cookie)
        .await;
    assert_eq!(to, "/account?connected=test");
    assert_eq!(
        link(&app, &cookie).await.connected.unwrap().health,
        Health::Connected
    );
    assert_eq!(refresh(&app, &cookie).await.status, StatusCode::OK);
}

#[sqlx::test]
async fn a_link_that_stops_working_tells_the_person_once_in_the_inbox_and_by_email(pool: PgPool) {
    let provider = Provider::start(crate::sign_in_providers::jane()).await;
    let smtp = crate::smtp::Smtp::start().await;
    let mut config = scout::server::config::Config::for_tests();
    config.sign_in_providers = vec![scout::server::config::ProviderConfig {
        id: "test".into(),
        name: "Test ID".into(),
        issuer: provider.issuer.clone(),
        client_id: crate::oidc::CLIENT_ID.into(),
        client_secret: crate::oidc::CLIENT_SECRET.into(),
        graph: None,
    }];
    config.smtp_url = Some(smtp.url.clone());
    let app = crate::helpers::spawn_app_with(pool, config).await;
    let cookie = connected(&app, &provider).await;
    // the person had their fill of instant alerts today (the plan's cap of 50): a notice about
    // the account is not an alert, and is not held back for the digest
    let jane = account_of(&app, "jane@example.com").await;
    sqlx::query(
        "with n as ( \
           insert into notification (account_id, source, kind, trigger_key, title, reason, link, \
             read_at) \
           select $1, 'link:earlier', 'link_expired', g::text, 'Earlier', 'Earlier', '/account', \
             now() \
           from generate_series(1, 50) g returning notification_id) \
         insert into delivery (notification_id, account_id, channel, target, due_at, state, \
           sent_at) \
         select notification_id, $1, 'email', 'email', now(), 'sent', now() from n",
    )
    .bind(jane.0)
    .execute(&app.pool)
    .await
    .unwrap();
    let ended = |inbox: scout::notifications::model::Inbox| {
        inbox
            .notices
            .into_iter()
            .filter(|n| n.title == "Scout's access at Test ID has ended")
            .count()
    };

    // an outage is not the end of anything: no notice
    provider.renewals(Renewals::Down);
    assert_eq!(refresh(&app, &cookie).await.status, StatusCode::CONFLICT);
    assert_eq!(ended(app.inbox(&cookie).await), 0);

    // refused: the inbox says so, and opens the Account page's providers section
    provider.renewals(Renewals::Withdrawn);
    assert_eq!(refresh(&app, &cookie).await.status, StatusCode::CONFLICT);
    let inbox = app.inbox(&cookie).await;
    assert_eq!(inbox.unread, 1);
    let notice = &inbox.notices[0];
    assert_eq!(notice.title, "Scout's access at Test ID has ended");
    assert_eq!(
        notice.reason,
        "Test ID no longer accepts Scout's access: it was withdrawn at Test ID or has ended. Reconnect to renew it."
    );
    assert_eq!(notice.listing_id, None);
    assert_eq!(notice.href, "/account#providers-heading");
    // refused again (a click, or the worker): nothing new
    assert_eq!(refresh(&app, &cookie).await.status, StatusCode::CONFLICT);
    assert_eq!(ended(app.inbox(&cookie).await), 1);

    // and it goes out on the person's channels (the inbox and email by default), at once: on
    // its own, not capped, due now
    let (digest, capped): (Option<String>, bool) = sqlx::query_as(
        "select d.digest, d.capped from delivery d join notification n using (notification_id) \
         where n.title = 'Scout''s access at Test ID has ended'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!((digest, capped), (None, false));
    scout::notifications::worker::deliver_all(&app.state)
        .await
        .unwrap();
    let mail = crate::smtp::mails(&smtp, 1).await;
    assert_eq!(mail.len(), 1);
    assert_eq!(mail[0].to, vec!["jane@example.com".to_string()]);
    let message = mail[0].parsed();
    assert_eq!(
        message.subject(),
        Some("Scout's access at Test ID has ended")
    );
    let text = message.body_text(0).unwrap().to_string();
    assert!(
        text.contains("Test ID no longer accepts Scout's access"),
        "{text}"
    );
    assert!(
        text.contains("http://127.0.0.1:3000/account#providers-heading"),
        "{text}"
    );
    assert!(!text.contains("Price:"), "{text}");

    // reconnected, and lost again later: told again
    provider.renewals(Renewals::Normal);
    let attempt = app.provider_start(&provider, Some(&cookie), "link").await;
    let (_, cookie) = app
        .provider_callback(&attempt.callback, &attempt.cookie)
        .await;
    provider.renewals(Renewals::Withdrawn);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(refresh(&app, &cookie).await.status, StatusCode::CONFLICT);
    assert_eq!(ended(app.inbox(&cookie).await), 2);
}

#[sqlx::test]
async fn disconnecting_asks_for_confirmation_revokes_at_the_provider_and_is_logged(pool: PgPool) {
    let (app, provider) = setup(pool, FLOW).await;
    let cookie = connected(&app, &provider).await;
    let jane = account_of(&app, "jane@example.com").await;
    let token = held(&app, jane).await.unwrap();

    let reply = disconnect(&app, &cookie, "").await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        reply.error().field("confirm").as_deref(),
        Some("Confirm that you want to disconnect Test ID.")
    );
    assert!(link(&app, &cookie).await.connected.is_some());

    let reply = disconnect(&app, &cookie, "yes").await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(link(&app, &cookie).await.connected, None);
    assert_eq!(
        app.security_log(&cookie).await[0],
        "Disconnected a sign-in provider"
    );
    // the refresh token first, then the access token, at the provider's revocation endpoint
    let revoked = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            let revoked = provider.revoked();
            if revoked.len() == 2 {
                return revoked;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await
    .expect("both tokens revoked");
    assert_eq!(revoked[0], token);
    assert!(revoked[1].starts_with("access-"), "{revoked:?}");

    // gone: a second disconnect is 404, and the provider no longer signs into the account
    assert_eq!(
        disconnect(&app, &cookie, "yes").await.status,
        StatusCode::NOT_FOUND
    );
    let attempt = app.provider_start(&provider, None, "").await;
    let (to, _) = app
        .provider_callback(&attempt.callback, &attempt.cookie)
        .await;
    assert_eq!(to, "/sign-in?provider=test&provider_error=exists");
}

#[sqlx::test]
async fn a_provider_without_revocation_is_disconnected_all_the_same(pool: PgPool) {
    let (app, provider) = setup(pool, FLOW).await;
    provider.without_revocation();
    let cookie = connected(&app, &provider).await;
    assert_eq!(
        disconnect(&app, &cookie, "yes").await.status,
        StatusCode::OK
    );
    assert_eq!(link(&app, &cookie).await.connected, None);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(provider.revoked().is_empty());
}

#[sqlx::test]
async fn the_last_way_to_sign_in_cannot_be_disconnected(pool: PgPool) {
    let (app, provider) = setup(pool, FLOW).await;
    // signed up with the provider: no password
    let attempt = app.provider_start(&provider, None, "").await;
    let (_, cookie) = app
        .provider_callback(&attempt.callback, &attempt.cookie)
        .await;
    let c = link(&app, &cookie).await.connected.unwrap();
    assert!(!c.removable);

    let reply = disconnect(&app, &cookie, "yes").await;
    assert_eq!(reply.status, StatusCode::CONFLICT);
    assert!(
        reply
            .error()
            .to_string()
            .starts_with("Test ID is your only way to sign in."),
        "{}",
        reply.error()
    );
    assert!(link(&app, &cookie).await.connected.is_some());
    let identities: i64 = sqlx::query_scalar("select count(*) from account_identity")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(identities, 1);
    assert!(provider.revoked().is_empty());
}

#[sqlx::test]
async fn one_renewal_at_a_time_holds_the_link(pool: PgPool) {
    let (app, provider) = setup(pool, FLOW).await;
    let cookie = connected(&app, &provider).await;
    let jane = account_of(&app, "jane@example.com").await;
    // the worker (or another click) holds it: a click now is asked to wait, and the refresh
    // token is not spent twice
    let claim = identities::claim_renewal(&app.pool, &app.state.sealer, jane, "test")
        .await
        .unwrap();
    assert!(matches!(claim, identities::Claim::Held(_)));
    let reply = refresh(&app, &cookie).await;
    assert_eq!(
        reply.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        reply.body
    );
    assert!(reply.headers.contains_key("retry-after"));
    assert!(provider.renewed_with().is_empty());
    // a held claim that was never finished (a crash) lapses after two minutes
    sqlx::query("update account_identity set renew_lease_until = now() - interval '1 second'")
        .execute(&app.pool)
        .await
        .unwrap();
    assert_eq!(refresh(&app, &cookie).await.status, StatusCode::OK);
    assert_eq!(provider.renewed_with().len(), 1);
}

#[sqlx::test]
async fn the_worker_renews_access_before_it_ends_and_leaves_the_rest(pool: PgPool) {
    let (app, provider) = setup(pool, FLOW).await;
    let cookie = connected(&app, &provider).await;
    let jane = account_of(&app, "jane@example.com").await;
    let ahead = Duration::from_secs(600);
    // an hour left: nothing to do yet
    assert_eq!(
        scout::accounts::links::renew_due(&app.state, ahead)
            .await
            .unwrap(),
        0
    );
    assert!(provider.renewed_with().is_empty());

    // five minutes left: renewed, and good for an hour again
    sqlx::query("update account_identity set token_expires_at = now() + interval '5 minutes'")
        .execute(&app.pool)
        .await
        .unwrap();
    let token = held(&app, jane).await.unwrap();
    assert_eq!(
        scout::accounts::links::renew_due(&app.state, ahead)
            .await
            .unwrap(),
        1
    );
    assert_eq!(provider.renewed_with(), vec![token]);
    let left: f64 = sqlx::query_scalar(
        "select extract(epoch from token_expires_at - now())::float8 from account_identity",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert!((3500.0..=3600.0).contains(&left), "{left}");

    // refused: marked expired once, and not asked again
    provider.renewals(Renewals::Withdrawn);
    sqlx::query("update account_identity set token_expires_at = now() + interval '5 minutes'")
        .execute(&app.pool)
        .await
        .unwrap();
    assert_eq!(
        scout::accounts::links::renew_due(&app.state, ahead)
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        link(&app, &cookie).await.connected.unwrap().health,
        Health::Expired
    );
    scout::accounts::links::renew_due(&app.state, ahead)
        .await
        .unwrap();
    assert_eq!(provider.renewed_with().len(), 2);
}
