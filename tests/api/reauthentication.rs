//! Confirming it's the owner with a sign-in provider, for an account without a password,
//! before the changes that need the password otherwise (deleting the account, changing the
//! sign-in address): the provider is asked to sign the person in again (`prompt=login`,
//! `max_age=0`), its ID token must say they did just now (`auth_time`) and be of the
//! identity connected to this account; the confirmation is used up by one change. Against
//! the OpenID Connect stand-in (`oidc.rs`) over real HTTP.

use crate::helpers::{TestApp, form};
use crate::oidc::{Person, Provider, Tamper};
use crate::sign_in_providers::setup;
use axum::http::StatusCode;
use scout::accounts::model::Account;
use sqlx::PgPool;
use std::time::Duration;

const FLOW: Duration = Duration::from_secs(600);

/// Jane, signed up with the provider (so without a password): her cookie.
async fn provider_only(app: &TestApp, provider: &Provider) -> String {
    let attempt = app.provider_start(provider, None, "").await;
    let (to, cookie) = app
        .provider_callback(&attempt.callback, &attempt.cookie)
        .await;
    assert_eq!(to, "/");
    cookie
}

/// Presses "Confirm with Test ID" in the section `then` ("delete" or "email"), and lets the
/// provider sign the person in again: where Scout sends the browser, and its cookie.
async fn confirm(app: &TestApp, provider: &Provider, cookie: &str, then: &str) -> (String, String) {
    let reply = app
        .post(
            "/auth/test/start",
            form(&[("intent", "reauth"), ("then", then)]),
            Some(cookie),
        )
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    let back = provider.sign_in(reply.location.as_deref().unwrap()).await;
    let callback = back.strip_prefix("http://127.0.0.1:3000").unwrap();
    app.provider_callback(callback, cookie).await
}

async fn me(app: &TestApp, cookie: &str) -> Option<Account> {
    app.get("/api/accounts/me", Some(cookie)).await.json()
}

async fn delete(app: &TestApp, cookie: &str, password: &str) -> crate::helpers::Reply {
    app.post(
        "/api/accounts/delete",
        form(&[("password", password), ("confirm", "yes")]),
        Some(cookie),
    )
    .await
}

#[sqlx::test]
async fn an_account_without_a_password_confirms_with_its_provider_then_deletes(pool: PgPool) {
    let (app, provider) = setup(pool, FLOW).await;
    let cookie = provider_only(&app, &provider).await;

    // nothing confirmed yet: the password field says how to confirm instead
    let reply = delete(&app, &cookie, "").await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        reply.error().field("password").as_deref(),
        Some(scout::accounts::api::CONFIRM_FIRST)
    );
    assert_eq!(me(&app, &cookie).await.unwrap().confirmed_with, None);

    let (to, cookie) = confirm(&app, &provider, &cookie, "delete").await;
    // the provider was asked to sign the person in again, whatever session it had
    let asked = provider.last_request();
    assert_eq!(asked["prompt"], "login");
    assert_eq!(asked["max_age"], "0");
    assert_eq!(to, "/account?confirmed=test#delete-heading");
    assert_eq!(
        me(&app, &cookie).await.unwrap().confirmed_with.as_deref(),
        Some("test")
    );

    // confirmed: the account goes without a password, and the browser is signed out
    let reply = delete(&app, &cookie, "").await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(app.me(&cookie).await, None);
    let accounts: i64 = sqlx::query_scalar("select count(*) from account")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(accounts, 0);
    // and the same person can sign up again with the provider, as a new account
    let cookie = provider_only(&app, &provider).await;
    assert_eq!(app.me(&cookie).await.as_deref(), Some("jane@example.com"));
}

#[sqlx::test]
async fn a_confirmation_is_used_up_by_one_change(pool: PgPool) {
    let (app, provider) = setup(pool, FLOW).await;
    let cookie = provider_only(&app, &provider).await;
    let (to, cookie) = confirm(&app, &provider, &cookie, "email").await;
    assert_eq!(to, "/account?confirmed=test#email");

    // a refused change (the address is not one) leaves it in place
    let change = |to: &'static str| {
        let cookie = cookie.clone();
        let app = &app;
        async move {
            app.post(
                "/api/accounts/change_email",
                form(&[("new_email", to), ("email_password", "")]),
                Some(&cookie),
            )
            .await
        }
    };
    let reply = change("not an address").await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(reply.error().field("new_email").is_some());
    assert_eq!(reply.error().field("email_password"), None);
    // the change goes ahead without a password
    let reply = change("jane.new@example.com").await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    // and the next change needs another confirmation
    assert_eq!(me(&app, &cookie).await.unwrap().confirmed_with, None);
    let reply = delete(&app, &cookie, "").await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        reply.error().field("password").as_deref(),
        Some(scout::accounts::api::CONFIRM_FIRST)
    );
}

#[sqlx::test]
async fn someone_else_at_the_provider_or_an_old_sign_in_confirms_nothing(pool: PgPool) {
    let (app, provider) = setup(pool, FLOW).await;
    let cookie = provider_only(&app, &provider).await;

    // the provider signs in another of its people
    provider.set_person(Person {
        subject: "someone-else-7".into(),
        email: "mallory@example.com".into(),
        email_verified: true,
    });
    let (to, cookie) = confirm(&app, &provider, &cookie, "delete").await;
    assert_eq!(
        to,
        "/account?provider=test&confirm_error=not_you&then=delete#delete-heading"
    );
    assert_eq!(me(&app, &cookie).await.unwrap().confirmed_with, None);

    // the right person, but the provider answers with a sign-in of an hour ago
    provider.set_person(crate::sign_in_providers::jane());
    provider.tamper(Tamper::StaleSignIn);
    let (to, cookie) = confirm(&app, &provider, &cookie, "delete").await;
    assert_eq!(
        to,
        "/account?provider=test&confirm_error=not_recent&then=delete#delete-heading"
    );
    assert_eq!(me(&app, &cookie).await.unwrap().confirmed_with, None);
    assert_eq!(
        delete(&app, &cookie, "").await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );

    // a confirmation needs a signed-in browser
    let reply = app
        .post(
            "/auth/test/start",
            form(&[("intent", "reauth"), ("then", "delete")]),
            None,
        )
        .await;
    assert_eq!(reply.location.as_deref(), Some("/sign-in"));
}
