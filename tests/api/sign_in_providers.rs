//! Signing in with an OpenID Connect provider, against the local stand-in (`oidc.rs`) over
//! real HTTP: sign-up and sign-in, PKCE, the single-use state bound to its browser, the
//! issuer and nonce checks, and an email that belongs to an account never signing into it.

use axum::http::StatusCode;
use scout::accounts::model::SecurityEventView;
use scout::server::config::{Config, ProviderConfig};
use sqlx::PgPool;
use std::time::Duration;

use crate::helpers::{PASSWORD, TestApp, form};
use crate::oidc::{CLIENT_ID, CLIENT_SECRET, Person, Provider, Tamper};

pub(crate) fn jane() -> Person {
    Person {
        subject: "248289761001".into(),
        email: "jane@example.com".into(),
        email_verified: true,
    }
}

pub(crate) async fn setup(pool: PgPool, max_age: Duration) -> (TestApp, Provider) {
    let provider = Provider::start(jane()).await;
    let mut config = Config::for_tests();
    config.sign_in_providers = vec![ProviderConfig {
        id: "test".into(),
        name: "Test ID".into(),
        issuer: provider.issuer.clone(),
        client_id: CLIENT_ID.into(),
        client_secret: CLIENT_SECRET.into(),
        graph: None,
    }];
    config.sign_in_flow_max_age = max_age;
    (crate::helpers::spawn_app_with(pool, config).await, provider)
}

/// One browser's way through a sign-in with the provider.
pub(crate) struct Attempt {
    /// The browser's session cookie after the start.
    pub(crate) cookie: String,
    /// Where the provider sends the browser back (a path on Scout, with code and state).
    pub(crate) callback: String,
}

impl TestApp {
    /// Presses "Continue with Test ID" (or "Connect", with `intent` "link") and lets the
    /// provider sign the person in.
    pub(crate) async fn provider_start(
        &self,
        provider: &Provider,
        cookie: Option<&str>,
        intent: &str,
    ) -> Attempt {
        self.provider_start_at("test", provider, cookie, intent)
            .await
    }

    /// As `provider_start`, for the provider configured under `id`.
    pub(crate) async fn provider_start_at(
        &self,
        id: &str,
        provider: &Provider,
        cookie: Option<&str>,
        intent: &str,
    ) -> Attempt {
        let reply = self
            .post(
                &format!("/auth/{id}/start"),
                form(&[("intent", intent)]),
                cookie,
            )
            .await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
        let to = reply.location.clone().unwrap();
        assert!(
            to.starts_with(&format!("{}/authorize?", provider.issuer)),
            "{to}"
        );
        let back = provider.sign_in(&to).await;
        let callback = back
            .strip_prefix("http://127.0.0.1:3000")
            .unwrap_or_else(|| panic!("back to Scout: {back}"))
            .to_string();
        Attempt {
            cookie: reply.cookie.or(cookie.map(str::to_string)).unwrap(),
            callback,
        }
    }

    /// Follows the provider's redirect back to Scout: where Scout sends the browser next,
    /// and the session cookie it holds then.
    pub(crate) async fn provider_callback(&self, path: &str, cookie: &str) -> (String, String) {
        let reply = self.get(path, Some(cookie)).await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
        (
            reply.location.unwrap(),
            reply.cookie.unwrap_or_else(|| cookie.to_string()),
        )
    }

    async fn accounts(&self) -> i64 {
        sqlx::query_scalar("select count(*) from account")
            .fetch_one(&self.pool)
            .await
            .unwrap()
    }

    pub(crate) async fn security_log(&self, cookie: &str) -> Vec<String> {
        let log: Vec<SecurityEventView> = self
            .get("/api/accounts/security_log", Some(cookie))
            .await
            .json();
        log.into_iter().map(|e| e.what).collect()
    }
}

fn refused(code: &str) -> String {
    format!("/sign-in?provider=test&provider_error={code}")
}

#[test]
fn pkce_is_s256_as_in_rfc_7636_appendix_b() {
    use openidconnect::{PkceCodeChallenge, PkceCodeVerifier};
    let verifier = PkceCodeVerifier::new("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk".into());
    let challenge = PkceCodeChallenge::from_code_verifier_sha256(&verifier);
    assert_eq!(
        challenge.as_str(),
        "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    );
    assert_eq!(challenge.method().as_str(), "S256");
}

#[sqlx::test]
async fn signing_up_with_a_provider_and_signing_in_again_find_the_same_account(pool: PgPool) {
    let (app, provider) = setup(pool, Duration::from_secs(600)).await;
    let attempt = app.provider_start(&provider, None, "").await;
    // the authorization request: code flow, S256 PKCE, a state and a nonce, openid + email
    let asked = provider.last_request();
    assert_eq!(asked["response_type"], "code");
    assert_eq!(asked["code_challenge_method"], "S256");
    assert_eq!(asked["code_challenge"].len(), 43);
    assert!(asked["state"].len() >= 22 && asked["nonce"].len() >= 22);
    assert_eq!(
        asked["redirect_uri"],
        "http://127.0.0.1:3000/auth/test/callback"
    );
    assert!(asked["scope"].split(' ').any(|s| s == "email"));

    let (to, cookie) = app
        .provider_callback(&attempt.callback, &attempt.cookie)
        .await;
    assert_eq!(to, "/");
    assert_eq!(app.me(&cookie).await.as_deref(), Some("jane@example.com"));
    assert_eq!(
        app.security_log(&cookie).await[0],
        "Signed up with a sign-in provider"
    );
    // the account has no password: no password signs in, and what needs one says how to
    // choose one
    let reply = app
        .sign_in_from("jane@example.com", PASSWORD, "10.50.0.1", None)
        .await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    let me: scout::accounts::model::Account =
        app.get("/api/accounts/me", Some(&cookie)).await.json();
    assert!(!me.has_password);
    let reply = app
        .post(
            "/api/accounts/delete",
            form(&[("password", PASSWORD), ("confirm", "yes")]),
            Some(&cookie),
        )
        .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        reply.error().field("password").as_deref(),
        Some(scout::accounts::api::NO_PASSWORD_YET)
    );

    // another browser, later: the same account
    let again = app.provider_start(&provider, None, "").await;
    let (to, cookie) = app.provider_callback(&again.callback, &again.cookie).await;
    assert_eq!(to, "/");
    assert_eq!(app.me(&cookie).await.as_deref(), Some("jane@example.com"));
    assert_eq!(app.security_log(&cookie).await[0], "Signed in");
    assert_eq!(app.accounts().await, 1);

    // the provider's sign-in page is a form target (the start's redirect goes there)
    let page = app.get("/sign-in", None).await;
    let csp = page.headers["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains(&format!("form-action 'self' {};", provider.issuer)),
        "{csp}"
    );
    // a provider that isn't configured is not there
    let reply = app
        .post("/auth/elsewhere/start", form(&[("intent", "")]), None)
        .await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
}

#[sqlx::test]
async fn the_state_is_single_use_and_bound_to_the_browser_that_started(pool: PgPool) {
    let (app, provider) = setup(pool, Duration::from_secs(600)).await;
    let attempt = app.provider_start(&provider, None, "").await;
    // another browser (with a sign-in of its own under way) can't use this callback
    let other = app.provider_start(&provider, None, "").await;
    let (to, cookie) = app
        .provider_callback(&attempt.callback, &other.cookie)
        .await;
    assert_eq!(to, refused("expired"));
    assert_eq!(app.me(&cookie).await, None);
    // nor can a browser without one
    let reply = app.get(&attempt.callback, None).await;
    assert_eq!(reply.location.as_deref(), Some(refused("expired").as_str()));

    // without its state, the callback is refused, and the flow is spent
    let without_state: String = attempt
        .callback
        .split('&')
        .filter(|p| !p.starts_with("state="))
        .collect::<Vec<_>>()
        .join("&");
    let (to, _) = app.provider_callback(&without_state, &attempt.cookie).await;
    assert_eq!(to, refused("expired"));
    let (to, cookie) = app
        .provider_callback(&attempt.callback, &attempt.cookie)
        .await;
    assert_eq!(
        to,
        refused("expired"),
        "the flow was used up by the refused try"
    );
    assert_eq!(app.me(&cookie).await, None);

    // the right browser with the right state signs in once; a replay does not
    let fresh = app.provider_start(&provider, None, "").await;
    let (to, cookie) = app.provider_callback(&fresh.callback, &fresh.cookie).await;
    assert_eq!(to, "/");
    assert_eq!(app.me(&cookie).await.as_deref(), Some("jane@example.com"));
    let (to, _) = app.provider_callback(&fresh.callback, &fresh.cookie).await;
    assert_eq!(to, refused("expired"));
    // and a provider that answers "access_denied" is a cancelled sign-in
    let denied = app.provider_start(&provider, None, "").await;
    let state = provider.last_request()["state"].clone();
    let (to, _) = app
        .provider_callback(
            &format!("/auth/test/callback?error=access_denied&state={state}"),
            &denied.cookie,
        )
        .await;
    assert_eq!(to, refused("cancelled"));
}

#[sqlx::test]
async fn a_sign_in_left_longer_than_its_limit_is_refused(pool: PgPool) {
    let (app, provider) = setup(pool, Duration::from_secs(1)).await;
    let attempt = app.provider_start(&provider, None, "").await;
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let (to, cookie) = app
        .provider_callback(&attempt.callback, &attempt.cookie)
        .await;
    assert_eq!(to, refused("expired"));
    assert_eq!(app.me(&cookie).await, None);
    assert_eq!(app.accounts().await, 0);
}

#[sqlx::test]
async fn another_issuer_a_wrong_nonce_or_audience_is_refused(pool: PgPool) {
    let (app, provider) = setup(pool, Duration::from_secs(600)).await;
    // a mix-up: the answer says another issuer sent it (RFC 9207)
    let attempt = app.provider_start(&provider, None, "").await;
    let mixed = attempt.callback.replace(
        &format!("iss={}", urlencode(&provider.issuer)),
        &format!("iss={}", urlencode("https://accounts.evil.example")),
    );
    assert_ne!(mixed, attempt.callback);
    let (to, cookie) = app.provider_callback(&mixed, &attempt.cookie).await;
    assert_eq!(to, refused("failed"));
    assert_eq!(app.me(&cookie).await, None);

    for tamper in [Tamper::Issuer, Tamper::Nonce, Tamper::Audience] {
        provider.tamper(tamper);
        let attempt = app.provider_start(&provider, None, "").await;
        let (to, cookie) = app
            .provider_callback(&attempt.callback, &attempt.cookie)
            .await;
        assert_eq!(to, refused("failed"), "{tamper:?}");
        assert_eq!(app.me(&cookie).await, None, "{tamper:?}");
    }
    assert_eq!(app.accounts().await, 0);

    // the same provider behaving again signs in
    provider.tamper(Tamper::Nothing);
    let attempt = app.provider_start(&provider, None, "").await;
    let (to, _) = app
        .provider_callback(&attempt.callback, &attempt.cookie)
        .await;
    assert_eq!(to, "/");
}

#[sqlx::test]
async fn an_email_that_has_an_account_never_signs_into_it_until_its_owner_connects(pool: PgPool) {
    let (app, provider) = setup(pool, Duration::from_secs(600)).await;
    let ana = app.seller("ana@example.com").await;
    provider.set_person(Person {
        subject: "ana-at-the-provider".into(),
        email: "ana@example.com".into(),
        email_verified: true,
    });
    let attempt = app.provider_start(&provider, None, "").await;
    let (to, cookie) = app
        .provider_callback(&attempt.callback, &attempt.cookie)
        .await;
    assert_eq!(to, refused("exists"));
    assert_eq!(app.me(&cookie).await, None);
    // nor does an address the provider hasn't confirmed make an account
    provider.set_person(Person {
        subject: "someone-new".into(),
        email: "new@example.com".into(),
        email_verified: false,
    });
    let attempt = app.provider_start(&provider, None, "").await;
    let (to, _) = app
        .provider_callback(&attempt.callback, &attempt.cookie)
        .await;
    assert_eq!(to, refused("no_email"));
    assert_eq!(app.accounts().await, 1);

    // ana, signed in, connects the provider from her Account page
    provider.set_person(Person {
        subject: "ana-at-the-provider".into(),
        email: "ana@example.com".into(),
        email_verified: true,
    });
    let attempt = app.provider_start(&provider, Some(&ana), "link").await;
    let (to, ana) = app
        .provider_callback(&attempt.callback, &attempt.cookie)
        .await;
    assert_eq!(to, "/account?connected=test");
    assert_eq!(app.me(&ana).await.as_deref(), Some("ana@example.com"));
    assert_eq!(
        app.security_log(&ana).await[0],
        "Connected a sign-in provider"
    );
    let links: Vec<scout::accounts::connect::ProviderLink> = app
        .get("/api/accounts/provider_links", Some(&ana))
        .await
        .json();
    assert_eq!(links.len(), 1);
    assert_eq!(
        links[0].connected.as_ref().map(|c| c.email.as_str()),
        Some("ana@example.com")
    );
    // from now on the provider signs her in, in any browser
    let attempt = app.provider_start(&provider, None, "").await;
    let (to, cookie) = app
        .provider_callback(&attempt.callback, &attempt.cookie)
        .await;
    assert_eq!(to, "/");
    assert_eq!(app.me(&cookie).await.as_deref(), Some("ana@example.com"));

    // that identity can't be connected to bob as well
    let bob = app.seller("bob@example.com").await;
    let attempt = app.provider_start(&provider, Some(&bob), "link").await;
    let (to, _) = app
        .provider_callback(&attempt.callback, &attempt.cookie)
        .await;
    assert_eq!(to, "/account?provider=test&provider_error=elsewhere");
    let links: Vec<scout::accounts::connect::ProviderLink> = app
        .get("/api/accounts/provider_links", Some(&bob))
        .await
        .json();
    assert_eq!(links[0].connected, None);
}

fn urlencode(s: &str) -> String {
    scout::listings::search::query::encode_component(s)
}
