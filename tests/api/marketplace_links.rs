//! Linking an outside marketplace account (OLX's shape) from the Account page: OAuth 2 with
//! PKCE against the stand-in (`oidc.rs`, which also answers the marketplace's `users/me`),
//! the link kept with its tokens, renewed and unlinked like a provider's, never a way to sign
//! in, and one marketplace account for one Scout account.

use crate::helpers::{PASSWORD, TestApp, form};
use crate::oidc::{CLIENT_ID, CLIENT_SECRET, Person, Provider};
use axum::http::StatusCode;
use scout::accounts::connect::{Health, LinkKind, ProviderLink};
use scout::server::config::{Config, MarketplaceConfig, ProviderConfig};
use sqlx::PgPool;

fn seller() -> Person {
    Person {
        subject: "90210".into(),
        email: "seller@example.com".into(),
        email_verified: true,
    }
}

/// Scout with the stand-in as marketplace "market" (and, with `sign_in`, as sign-in
/// provider "test" too).
pub(crate) async fn setup(pool: PgPool, sign_in: bool) -> (TestApp, Provider) {
    let provider = Provider::start(seller()).await;
    let mut config = Config::for_tests();
    let issuer = provider.issuer.clone();
    config.marketplaces = vec![MarketplaceConfig {
        id: "market".into(),
        name: "Test Market".into(),
        authorize_url: format!("{issuer}/authorize"),
        token_url: format!("{issuer}/token"),
        revoke_url: Some(format!("{issuer}/revoke")),
        api_url: issuer.clone(),
        client_id: CLIENT_ID.into(),
        client_secret: CLIENT_SECRET.into(),
        scopes: vec!["read".into(), "write".into(), "v2".into()],
        category_id: "84".into(),
    }];
    if sign_in {
        config.sign_in_providers = vec![ProviderConfig {
            id: "test".into(),
            name: "Test ID".into(),
            issuer,
            client_id: CLIENT_ID.into(),
            client_secret: CLIENT_SECRET.into(),
            graph: None,
        }];
    }
    (crate::helpers::spawn_app_with(pool, config).await, provider)
}

impl TestApp {
    /// Presses "Link Test Market" and lets the marketplace approve: where Scout sends the
    /// browser at the end, and its cookie then.
    pub(crate) async fn link_market(&self, provider: &Provider, cookie: &str) -> (String, String) {
        let reply = self
            .post("/marketplaces/market/connect", String::new(), Some(cookie))
            .await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
        let to = reply.location.unwrap();
        assert!(
            to.starts_with(&format!("{}/authorize?", provider.issuer)),
            "{to}"
        );
        let cookie = reply.cookie.unwrap_or_else(|| cookie.to_string());
        let back = provider.sign_in(&to).await;
        let path = back
            .strip_prefix("http://127.0.0.1:3000")
            .unwrap()
            .to_string();
        let reply = self.get(&path, Some(&cookie)).await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
        (reply.location.unwrap(), reply.cookie.unwrap_or(cookie))
    }

    /// Disconnects provider or marketplace `id`, confirmed.
    async fn unlink(&self, cookie: &str, id: &str) -> crate::helpers::Reply {
        self.post(
            "/api/accounts/disconnect_provider",
            form(&[("provider", id), ("confirm", "yes")]),
            Some(cookie),
        )
        .await
    }

    async fn market(&self, cookie: &str) -> ProviderLink {
        let links: Vec<ProviderLink> = self
            .get("/api/accounts/provider_links", Some(cookie))
            .await
            .json();
        links
            .into_iter()
            .find(|l| l.kind == LinkKind::Marketplace)
            .unwrap()
    }
}

pub(crate) const LINKED: &str = "/account?connected=market#marketplaces-heading";

#[sqlx::test]
async fn a_seller_links_a_marketplace_account_with_pkce_and_it_is_listed(pool: PgPool) {
    let (app, provider) = setup(pool, false).await;
    let cookie = app.signed_in_account("ana@example.com", PASSWORD).await;
    assert_eq!(app.market(&cookie).await.connected, None);

    let (to, cookie) = app.link_market(&provider, &cookie).await;
    assert_eq!(to, LINKED);
    // the authorization request: code flow, S256 PKCE, a state, the configured scopes
    let asked = provider.last_request();
    assert_eq!(asked["response_type"], "code");
    assert_eq!(asked["code_challenge_method"], "S256");
    assert!(asked["state"].len() >= 22);
    assert_eq!(asked["scope"], "read write v2");
    assert_eq!(
        asked["redirect_uri"],
        "http://127.0.0.1:3000/marketplaces/market/callback"
    );

    let link = app.market(&cookie).await;
    assert_eq!(link.name, "Test Market");
    let c = link.connected.expect("linked");
    // whom the marketplace's users/me named
    assert_eq!(c.email, "seller@example.com");
    assert_eq!(c.scopes, "read write v2");
    assert_eq!(c.health, Health::Connected);
    assert!(c.renewable && c.removable);
    assert_eq!(
        app.security_log(&cookie).await[0],
        "Linked a marketplace account"
    );
    let subject: String = sqlx::query_scalar(
        "select subject from account_identity where kind = 'marketplace' and provider = 'market'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(subject, "90210");

    // the Account page's form targets include the marketplace
    let page = app.get("/account", Some(&cookie)).await;
    let csp = page.headers["content-security-policy"].to_str().unwrap();
    assert!(csp.contains(&provider.issuer), "{csp}");

    // renewed and unlinked like a provider's link, revoked at its revocation endpoint
    let reply = app
        .post(
            "/api/accounts/refresh_provider",
            form(&[("provider", "market")]),
            Some(&cookie),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(provider.renewed_with().len(), 1);
    let reply = app.unlink(&cookie, "market").await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(app.market(&cookie).await.connected, None);
    assert_eq!(
        app.security_log(&cookie).await[0],
        "Unlinked a marketplace account"
    );
    let revoked = tokio::time::timeout(std::time::Duration::from_secs(10), async {
        loop {
            if provider.revoked().len() == 2 {
                return provider.revoked();
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    })
    .await
    .expect("both tokens revoked");
    assert!(revoked[0].starts_with("refresh-") && revoked[1].starts_with("access-"));
}

#[sqlx::test]
async fn linking_needs_the_same_signed_in_browser_and_one_scout_account_per_marketplace_account(
    pool: PgPool,
) {
    let (app, provider) = setup(pool, false).await;
    // signed out: to the sign-in page, nothing asked of the marketplace
    let reply = app
        .post("/marketplaces/market/connect", String::new(), None)
        .await;
    assert_eq!(reply.location.as_deref(), Some("/sign-in"));
    // a marketplace that isn't configured is not there
    let ana = app.signed_in_account("ana@example.com", PASSWORD).await;
    let reply = app
        .post("/marketplaces/elsewhere/connect", String::new(), Some(&ana))
        .await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);

    // a callback in a browser that did not start it is refused
    let reply = app
        .post("/marketplaces/market/connect", String::new(), Some(&ana))
        .await;
    let back = provider.sign_in(&reply.location.unwrap()).await;
    let path = back.strip_prefix("http://127.0.0.1:3000").unwrap();
    let bob = app.signed_in_account("bob@example.com", PASSWORD).await;
    let reply = app.get(path, Some(&bob)).await;
    assert_eq!(
        reply.location.as_deref(),
        Some("/account?provider=market&provider_error=expired#marketplaces-heading")
    );
    assert_eq!(app.market(&bob).await.connected, None);

    // the marketplace account goes to one Scout account only
    let (to, ana) = app.link_market(&provider, &ana).await;
    assert_eq!(to, LINKED);
    let (to, _) = app.link_market(&provider, &bob).await;
    assert_eq!(
        to,
        "/account?provider=market&provider_error=elsewhere#marketplaces-heading"
    );
    assert_eq!(app.market(&bob).await.connected, None);
    // linking the same one again renews its tokens
    let (to, ana) = app.link_market(&provider, &ana).await;
    assert_eq!(to, LINKED);
    assert_eq!(
        app.market(&ana).await.connected.unwrap().health,
        Health::Connected
    );
}

#[sqlx::test]
async fn a_marketplace_link_is_never_a_way_to_sign_in(pool: PgPool) {
    let (app, provider) = setup(pool, true).await;
    // signed up with the sign-in provider: no password; then a marketplace linked
    provider.set_person(Person {
        subject: "sub-1".into(),
        email: "only@example.com".into(),
        email_verified: true,
    });
    let reply = app
        .post("/auth/test/start", form(&[("intent", "")]), None)
        .await;
    let cookie = reply.cookie.unwrap();
    let back = provider.sign_in(&reply.location.unwrap()).await;
    let reply = app
        .get(
            back.strip_prefix("http://127.0.0.1:3000").unwrap(),
            Some(&cookie),
        )
        .await;
    let cookie = reply.cookie.unwrap_or(cookie);
    let (to, cookie) = app.link_market(&provider, &cookie).await;
    assert_eq!(to, LINKED);

    // the sign-in provider is still the only way in: it can't go, the marketplace can
    let links: Vec<ProviderLink> = app
        .get("/api/accounts/provider_links", Some(&cookie))
        .await
        .json();
    let removable = |kind| {
        links
            .iter()
            .find(|l| l.kind == kind)
            .and_then(|l| l.connected.as_ref())
            .map(|c| c.removable)
    };
    assert_eq!(removable(LinkKind::SignIn), Some(false));
    assert_eq!(removable(LinkKind::Marketplace), Some(true));
    let reply = app.unlink(&cookie, "test").await;
    assert_eq!(reply.status, StatusCode::CONFLICT);
    let reply = app.unlink(&cookie, "market").await;
    assert_eq!(reply.status, StatusCode::OK);
}
