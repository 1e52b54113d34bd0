//! Signing in with Facebook, which is OAuth 2 and the Graph API rather than OpenID Connect,
//! against the stand-in playing Facebook (`oidc.rs`) over real HTTP: S256 PKCE and the
//! single-use state as for every provider, the client in the token request's body, `/me`
//! read with `appsecret_proof`, identities by (facebook, https://www.facebook.com, id), an
//! email that belongs to an account never signing into it, and disconnecting revoking the
//! grant at Graph.

use crate::helpers::{PASSWORD, TestApp, form};
use crate::oidc::{CLIENT_ID, CLIENT_SECRET, Person, Provider};
use axum::http::StatusCode;
use scout::accounts::connect::{Health, ProviderLink};
use scout::server::config::{Config, GraphApi, ProviderConfig};
use sqlx::PgPool;
use std::time::Duration;

fn mark() -> Person {
    Person {
        subject: "10229876543210987".into(),
        email: "mark@example.com".into(),
        email_verified: true,
    }
}

async fn setup(pool: PgPool, person: Person) -> (TestApp, Provider) {
    let provider = Provider::start(person).await;
    let mut config = Config::for_tests();
    config.sign_in_providers = vec![ProviderConfig {
        id: "facebook".into(),
        name: "Facebook".into(),
        issuer: "https://www.facebook.com".into(),
        client_id: CLIENT_ID.into(),
        client_secret: CLIENT_SECRET.into(),
        graph: Some(GraphApi {
            authorize_url: format!("{}/authorize", provider.issuer),
            token_url: format!("{}/token", provider.issuer),
            api_url: provider.issuer.clone(),
        }),
    }];
    (crate::helpers::spawn_app_with(pool, config).await, provider)
}

/// Presses "Continue with Facebook" (or "Connect", with `intent` "link") and lets Facebook
/// sign the person in: the callback path and the browser's cookie.
async fn through_facebook(
    app: &TestApp,
    provider: &Provider,
    cookie: Option<&str>,
    intent: &str,
) -> (String, String) {
    let attempt = app
        .provider_start_at("facebook", provider, cookie, intent)
        .await;
    (attempt.callback, attempt.cookie)
}

async fn links(app: &TestApp, cookie: &str) -> Vec<ProviderLink> {
    let reply = app.get("/api/accounts/provider_links", Some(cookie)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    reply.json()
}

#[sqlx::test]
async fn signing_up_with_facebook_and_again_finds_the_same_account(pool: PgPool) {
    let (app, provider) = setup(pool, mark()).await;
    let (callback, cookie) = through_facebook(&app, &provider, None, "").await;
    // the login dialog: code flow, S256 PKCE, a state, Facebook's permissions, no nonce
    let asked = provider.last_request();
    assert_eq!(asked["response_type"], "code");
    assert_eq!(asked["code_challenge_method"], "S256");
    assert_eq!(asked["code_challenge"].len(), 43);
    assert!(asked["state"].len() >= 22);
    assert_eq!(asked["scope"], "email public_profile");
    assert_eq!(
        asked["redirect_uri"],
        "http://127.0.0.1:3000/auth/facebook/callback"
    );

    let (to, cookie) = app.provider_callback(&callback, &cookie).await;
    assert_eq!(to, "/");
    assert_eq!(app.me(&cookie).await.as_deref(), Some("mark@example.com"));
    assert_eq!(
        app.security_log(&cookie).await[0],
        "Signed up with a sign-in provider"
    );
    // kept under Facebook's issuer and the app-scoped id, with the access token sealed and no
    // refresh token (Facebook gives none)
    let (issuer, subject, access, refresh): (String, String, Option<Vec<u8>>, Option<Vec<u8>>) =
        sqlx::query_as(
            "select issuer, subject, access_token, refresh_token from account_identity \
             where provider = 'facebook'",
        )
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(issuer, "https://www.facebook.com");
    assert_eq!(subject, "10229876543210987");
    let access = access.expect("the access token is kept");
    assert!(
        !access.windows(9).any(|w| w == b"fb-access"),
        "the access token is sealed"
    );
    assert_eq!(refresh, None);
    // the Account page: connected, as whom, what it shares, nothing to refresh, not the last
    // thing to remove (it is the only way in)
    let listed = links(&app, &cookie).await;
    assert_eq!(listed.len(), 1);
    let connected = listed[0].connected.clone().unwrap();
    assert_eq!(connected.email, "mark@example.com");
    assert_eq!(connected.health, Health::Connected);
    assert!(!connected.renewable);
    assert!(!connected.removable);

    // another browser, later: the same account
    let (callback, cookie) = through_facebook(&app, &provider, None, "").await;
    let (to, cookie) = app.provider_callback(&callback, &cookie).await;
    assert_eq!(to, "/");
    assert_eq!(app.me(&cookie).await.as_deref(), Some("mark@example.com"));
    assert_eq!(app.security_log(&cookie).await[0], "Signed in");

    // the dialog's origin is a form target
    let page = app.get("/sign-in", None).await;
    let csp = page.headers["content-security-policy"].to_str().unwrap();
    assert!(csp.contains(&provider.issuer), "{csp}");
}

#[sqlx::test]
async fn a_replayed_or_foreign_callback_signs_nobody_in(pool: PgPool) {
    let (app, provider) = setup(pool, mark()).await;
    let (callback, cookie) = through_facebook(&app, &provider, None, "").await;
    let (other_callback, other) = through_facebook(&app, &provider, None, "").await;
    // this browser's callback in another browser
    let (to, other) = app.provider_callback(&callback, &other).await;
    assert_eq!(to, "/sign-in?provider=facebook&provider_error=expired");
    assert_eq!(app.me(&other).await, None);
    // the state is used up by a finished sign-in: the same callback again is refused
    let (to, cookie) = app.provider_callback(&other_callback, &cookie).await;
    assert_eq!(to, "/sign-in?provider=facebook&provider_error=expired");
    assert_eq!(app.me(&cookie).await, None);
    // a person who cancels at Facebook
    let reply = app
        .post("/auth/facebook/start", form(&[("intent", "")]), None)
        .await;
    let state = reply
        .location
        .as_deref()
        .and_then(|to| reqwest::Url::parse(to).ok())
        .and_then(|u| {
            u.query_pairs()
                .find(|(k, _)| k == "state")
                .map(|(_, v)| v.into_owned())
        })
        .unwrap();
    let (to, _) = app
        .provider_callback(
            &format!(
                "/auth/facebook/callback?error=access_denied&error_reason=user_denied&state={state}"
            ),
            reply.cookie.as_deref().unwrap(),
        )
        .await;
    assert_eq!(to, "/sign-in?provider=facebook&provider_error=cancelled");
}

#[sqlx::test]
async fn an_email_facebook_asserts_never_signs_into_the_account_that_has_it(pool: PgPool) {
    let (app, provider) = setup(pool, mark()).await;
    app.signed_in_account("mark@example.com", PASSWORD).await;
    let (callback, cookie) = through_facebook(&app, &provider, None, "").await;
    let (to, cookie) = app.provider_callback(&callback, &cookie).await;
    assert_eq!(to, "/sign-in?provider=facebook&provider_error=exists");
    assert_eq!(app.me(&cookie).await, None);
    let identities: i64 = sqlx::query_scalar("select count(*) from account_identity")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(identities, 0);

    // and a person Facebook has no confirmed address for can't sign up
    provider.set_person(Person {
        subject: "10229870000000001".into(),
        email: "unconfirmed@example.com".into(),
        email_verified: false,
    });
    let (callback, cookie) = through_facebook(&app, &provider, None, "").await;
    let (to, _) = app.provider_callback(&callback, &cookie).await;
    assert_eq!(to, "/sign-in?provider=facebook&provider_error=no_email");
}

#[sqlx::test]
async fn connected_to_an_account_facebook_signs_in_and_disconnecting_revokes_the_grant(
    pool: PgPool,
) {
    let (app, provider) = setup(pool, mark()).await;
    // the owner of the address signs in the usual way and connects Facebook
    let cookie = app.signed_in_account("mark@example.com", PASSWORD).await;
    let (callback, cookie) = through_facebook(&app, &provider, Some(&cookie), "link").await;
    let (to, cookie) = app.provider_callback(&callback, &cookie).await;
    assert_eq!(to, "/account?connected=facebook");
    assert!(
        links(&app, &cookie).await[0]
            .connected
            .as_ref()
            .unwrap()
            .removable
    );
    // Facebook now signs into that account
    let (callback, fresh) = through_facebook(&app, &provider, None, "").await;
    let (to, fresh) = app.provider_callback(&callback, &fresh).await;
    assert_eq!(to, "/");
    assert_eq!(app.me(&fresh).await.as_deref(), Some("mark@example.com"));

    // "Refresh now" has nothing to renew with (no refresh token) and changes nothing
    let reply = app
        .post(
            "/api/accounts/refresh_provider",
            form(&[("provider", "facebook")]),
            Some(&cookie),
        )
        .await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert_eq!(
        links(&app, &cookie).await[0]
            .connected
            .as_ref()
            .unwrap()
            .health,
        Health::Connected
    );

    let reply = app
        .post(
            "/api/accounts/disconnect_provider",
            form(&[("provider", "facebook"), ("confirm", "yes")]),
            Some(&cookie),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(links(&app, &cookie).await[0].connected, None);
    // the grant ends at Graph (DELETE /me/permissions with the latest access token)
    let revoked = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            let revoked = provider.revoked();
            if !revoked.is_empty() {
                return revoked;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await
    .expect("the grant revoked at Facebook");
    assert_eq!(revoked.len(), 1);
    assert!(revoked[0].starts_with("fb-access-"), "{revoked:?}");
    // and Facebook no longer signs into the account
    let (callback, cookie) = through_facebook(&app, &provider, None, "").await;
    let (to, _) = app.provider_callback(&callback, &cookie).await;
    assert_eq!(to, "/sign-in?provider=facebook&provider_error=exists");
}
