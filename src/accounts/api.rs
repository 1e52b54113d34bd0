//! Server functions for signing up, in and out. Each one: parse -> who is asking -> repo -> answer.

use super::model::{Account, SecurityEventView, SessionView};
use crate::error::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use {
    super::{
        model::{AccountId, Email, NewPassword},
        repo::{self, SecurityEvent},
        session,
    },
    crate::{
        error::FieldErrors,
        server::{
            secrets::token_sha256,
            state::{AppState, client_ip},
        },
    },
};

#[cfg(feature = "ssr")]
pub use crate::server::state::current_session;

/// The signed-in account's id, or None: the "who is asking" step of every server function.
#[cfg(feature = "ssr")]
pub async fn current_account_id() -> Result<Option<AccountId>, AppError> {
    let state = AppState::from_context()?;
    let session = current_session().await?;
    session::signed_in_account(&session, &state.pool).await
}

/// The app state and the signed-in account, or 401 with `message` (what to sign in for).
#[cfg(feature = "ssr")]
pub async fn signed_in(message: &str) -> Result<(AppState, AccountId), AppError> {
    let state = AppState::from_context()?;
    let account = current_account_id()
        .await?
        .ok_or_else(|| AppError::unauthorized(message))?;
    Ok((state, account))
}

/// The forms whose typed email comes back after a failed plain post (`typed_email`).
pub const EMAIL_FORMS: [&str; 2] = ["sign_up", "sign_in"];

/// Keeps the typed email (never the password) for the page a failed plain post of `form`
/// returns to.
#[cfg(feature = "ssr")]
async fn keep_email<T>(
    form: &str,
    email: &str,
    result: Result<T, AppError>,
) -> Result<T, AppError> {
    if let Err(e) = &result {
        let fields = match e {
            AppError::Invalid { fields, .. } => fields.clone(),
            _ => FieldErrors::new(),
        };
        crate::server::forms::keep_for_retry(form, &(), &email, &fields).await?;
    }
    result
}

/// What was typed in the email box of `form` (`sign_up` or `sign_in`) before a failed post
/// without JavaScript; read once.
#[server(prefix = "/api", endpoint = "accounts/typed_email", input = leptos::server_fn::codec::GetUrl)]
pub async fn typed_email(form: String) -> Result<Option<String>, AppError> {
    let form = EMAIL_FORMS
        .into_iter()
        .find(|f| *f == form)
        .ok_or(AppError::NotFound)?;
    let kept: Option<(String, FieldErrors)> = crate::server::forms::take_retry(form, &()).await?;
    Ok(kept.map(|(email, _)| email))
}

/// How long a link confirming an address works.
#[cfg(feature = "ssr")]
const CONFIRM_LINK_HOURS: i64 = 24;

/// What a sign-up answers, whatever the address: a stranger can't learn from it whether an
/// account uses the address (its owner learns it from the mail).
pub fn check_your_email(email: &str) -> String {
    format!(
        "Check your email: we sent a message to {email}. Open the link in it within 24 hours to finish creating your account and sign in. Nothing after a few minutes? Look in the spam folder, or sign up again for a new link."
    )
}

/// Starts an account: mails the address a link that confirms it and signs in (or, when the
/// address already has a confirmed account, a note saying so to its owner), and answers
/// `check_your_email` either way. Field errors come back as 422.
#[server(prefix = "/api", endpoint = "accounts/sign_up")]
pub async fn sign_up(email: String, password: String) -> Result<String, AppError> {
    let result = create_account(&email, &password).await;
    keep_email("sign_up", &email, result).await
}

#[cfg(feature = "ssr")]
async fn create_account(email: &str, password: &str) -> Result<String, AppError> {
    let state = AppState::from_context()?;
    let mut fields = FieldErrors::new();
    let email = Email::parse(email)
        .map_err(|m| fields.insert("email".into(), m.into()))
        .ok();
    let password = NewPassword::parse(password)
        .map_err(|m| fields.insert("password".into(), m))
        .ok();
    let (Some(email), Some(password)) = (email, password) else {
        return Err(AppError::invalid(fields));
    };
    // each sign-up costs a password hash and an email: a few per client an hour
    let client = throttle_bucket(&client_ip()?);
    if let Some(wait) = repo::reserve_client_request(
        &state.pool,
        "sign_up",
        &client,
        3600,
        state.config.sign_up_max_per_client,
    )
    .await?
    {
        tracing::warn!(client, "sign-up throttled");
        return Err(AppError::RateLimited {
            retry_after_secs: u64::try_from(wait).unwrap_or(60),
        });
    }

    // hashed whatever the address, so that every answer takes as long
    let hash = state.passwords.hash(password.expose().to_owned()).await?;
    match repo::sign_up(&state.pool, email.as_str(), &hash).await? {
        repo::SignUp::Created(account) => {
            tracing::info!(%account, "account created, waiting for its address to be confirmed");
            mail_confirmation_link(&state, account, email.as_str(), None).await?;
        }
        // whoever opens this link gets the password typed now, not one a stranger typed first
        repo::SignUp::Unconfirmed(account) => {
            mail_confirmation_link(&state, account, email.as_str(), Some(&hash)).await?;
        }
        repo::SignUp::Confirmed(account) => {
            if repo::insert_email_verification(&state.pool, account, None, None).await? {
                let origin = state.config.public_url.origin();
                let (sign_in, reset) = (
                    format!("{origin}/sign-in"),
                    format!("{origin}/forgot-password"),
                );
                let to = email.as_str().to_string();
                mail_in_background(&state, "account-exists note", move |from| {
                    crate::notifications::email::account_exists(&to, &sign_in, &reset, from)
                });
            }
        }
    }
    // without JavaScript the page shows the same sentence from `?sent=`
    leptos_axum::redirect(&format!(
        "/sign-up?sent={}",
        crate::listings::search::query::encode_component(email.as_str())
    ));
    Ok(check_your_email(email.as_str()))
}

/// Mails `to` a link that confirms the account's address and signs in (with `password_hash`,
/// it also sets that password), unless the account had one in the last 2 minutes or 5 today:
/// whether one was sent.
#[cfg(feature = "ssr")]
async fn mail_confirmation_link(
    state: &AppState,
    account: AccountId,
    to: &str,
    password_hash: Option<&str>,
) -> Result<bool, AppError> {
    let token = crate::server::secrets::random_token();
    let recorded = repo::insert_email_verification(
        &state.pool,
        account,
        Some(&token_sha256(&token)),
        password_hash,
    )
    .await?;
    if recorded {
        let link = format!("{}/verify-email/{token}", state.config.public_url.origin());
        let to = to.to_string();
        mail_in_background(state, "address confirmation link", move |from| {
            crate::notifications::email::confirm_address(&to, &link, CONFIRM_LINK_HOURS, from)
        });
    }
    Ok(recorded)
}

/// Sends a mail about the account in a background task, so the answer comes as fast whether
/// or not there was one to send; a failure is logged (without the mail server's words reaching
/// the person who asked).
#[cfg(feature = "ssr")]
pub(super) fn mail_in_background(
    state: &AppState,
    what: &'static str,
    build: impl FnOnce(&lettre::message::Mailbox) -> Result<lettre::Message, String> + Send + 'static,
) {
    let state = state.clone();
    tokio::spawn(async move {
        let sent = match build(&state.config.mail_from) {
            Ok(m) => state.mailer.send(m).await.map_err(|e| e.message),
            Err(e) => Err(e),
        };
        if let Err(e) = sent {
            tracing::warn!(error = %e, "{what} not sent");
        }
    });
}

/// The address a confirmation link is for, while the link works (for its page).
#[server(prefix = "/api", endpoint = "accounts/verify_link", input = leptos::server_fn::codec::GetUrl)]
pub async fn verify_link_email(token: String) -> Result<Option<String>, AppError> {
    let state = AppState::from_context()?;
    Ok(repo::verification_link_email(&state.pool, &token_sha256(&token)).await?)
}

/// Uses a confirmation link: the address counts as confirmed and this browser is signed in.
/// A button on the link's page calls it, so a mail scanner that opens links doesn't use it up.
#[server(prefix = "/api", endpoint = "accounts/verify_email")]
pub async fn verify_email(token: String) -> Result<(), AppError> {
    let state = AppState::from_context()?;
    let Some(account) = repo::verify_email(&state.pool, &token_sha256(&token)).await? else {
        return Err(AppError::Conflict {
            message: "This link has expired or was already used. Sign in to get a new one, or sign up again.".into(),
        });
    };
    begin_here(&state, account, false, SecurityEvent::AddressConfirmed).await?;
    tracing::info!(%account, "address confirmed");
    leptos_axum::redirect("/");
    Ok(())
}

/// Mails a new confirmation link to the signed-in account's address (for the banner shown
/// until it is confirmed).
#[server(prefix = "/api", endpoint = "accounts/resend_verification")]
pub async fn resend_verification() -> Result<String, AppError> {
    let (state, account) = signed_in("Sign in to confirm your address.").await?;
    let Some((email, verified)) = repo::find_email(&state.pool, account).await? else {
        return Err(AppError::unauthorized("Sign in to confirm your address."));
    };
    if verified {
        return Ok("Your address is confirmed.".into());
    }
    if !mail_confirmation_link(&state, account, &email, None).await? {
        return Err(AppError::Conflict {
            message: format!(
                "We sent a link to {email} a short while ago. Please give it a few minutes (and look in the spam folder) before asking for another."
            ),
        });
    }
    Ok(format!(
        "We sent a new link to {email}. It works for 24 hours."
    ))
}

/// Signs in with email and password. Wrong email and wrong password get the same answer
/// (401, same message, same time); repeated failures per email or per client address get 429.
#[server(prefix = "/api", endpoint = "accounts/sign_in")]
pub async fn sign_in(
    email: String,
    password: String,
    remember: Option<String>,
) -> Result<(), AppError> {
    let result = check_credentials(&email, password, remember.is_some()).await;
    keep_email("sign_in", &email, result).await
}

#[cfg(feature = "ssr")]
async fn check_credentials(email: &str, password: String, remember: bool) -> Result<(), AppError> {
    let state = AppState::from_context()?;
    let email = email.trim().to_lowercase();
    let mut fields = FieldErrors::new();
    if email.is_empty() {
        fields.insert("email".into(), "Enter your email address.".into());
    }
    if password.is_empty() {
        fields.insert("password".into(), "Enter your password.".into());
    }
    if !fields.is_empty() {
        return Err(AppError::invalid(fields));
    }
    let client_ip = client_ip()?;

    // Throttled per email and per client (an IPv6 client per /64: one host holds a whole
    // /64). The attempt is counted before the password is hashed, so parallel guesses can't
    // all pass the check.
    let client = throttle_bucket(&client_ip);
    let max = state.config.sign_in_max_failures;
    let window = i64::try_from(state.config.sign_in_window.as_secs()).unwrap_or(i64::MAX);
    match repo::reserve_attempt(&state.pool, &email, &client, window, max).await? {
        repo::Attempt::Reserved(_) => {}
        repo::Attempt::Throttled { retry_after_secs } => {
            tracing::warn!(client, "sign-in throttled");
            return Err(AppError::RateLimited {
                retry_after_secs: u64::try_from(retry_after_secs.max(1)).unwrap_or(1),
            });
        }
    }

    let credentials = repo::find_credentials(&state.pool, &email).await?;
    let stored_hash = credentials.as_ref().and_then(|c| c.password_hash.clone());
    let ok = state.passwords.verify(password, stored_hash).await?;
    let Some(credentials) = credentials.filter(|_| ok) else {
        return Err(AppError::unauthorized(
            "The email or password is incorrect.",
        ));
    };
    repo::clear_failures_for_email(&state.pool, &email).await?;
    if !credentials.email_verified {
        // the right password, but nobody has shown they read this address yet
        mail_confirmation_link(&state, credentials.account_id, &email, None).await?;
        return Err(AppError::Forbidden {
            message: format!(
                "Confirm your address first: we sent a link to {email}. Open it to sign in; it works for 24 hours."
            ),
        });
    }
    begin_here(
        &state,
        credentials.account_id,
        remember,
        SecurityEvent::SignedIn,
    )
    .await?;
    tracing::info!(account_id = %credentials.account_id, "signed in");
    leptos_axum::redirect("/");
    Ok(())
}

/// Signs `account` in on this browser (`session::begin`, listed among its sessions) and
/// records `event` in its security log.
#[cfg(feature = "ssr")]
async fn begin_here(
    state: &AppState,
    account: AccountId,
    remember: bool,
    event: SecurityEvent,
) -> Result<(), AppError> {
    let device = this_device()?;
    session::begin(
        &current_session().await?,
        &state.pool,
        account,
        remember,
        &device,
    )
    .await?;
    record(state, account, event, &device).await
}

/// Records `event` in the account's security log, with the browser and address it came from.
#[cfg(feature = "ssr")]
pub(super) async fn record(
    state: &AppState,
    account: AccountId,
    event: SecurityEvent,
    device: &session::Device,
) -> Result<(), AppError> {
    repo::record_event(
        &state.pool,
        account,
        event,
        &device.user_agent,
        &device.client_ip,
    )
    .await?;
    Ok(())
}

/// The browser and address of the request being served, as the list of sessions shows them.
#[cfg(feature = "ssr")]
pub(super) fn this_device() -> Result<session::Device, AppError> {
    Ok(session::Device {
        user_agent: crate::server::state::request_header(http::header::USER_AGENT)
            .unwrap_or_default(),
        client_ip: client_ip()?,
    })
}

/// The key a client is throttled under: its IPv4 address, or the /64 its IPv6 address is in
/// (an IPv4-mapped IPv6 address counts as the IPv4 one).
#[cfg(feature = "ssr")]
pub fn throttle_bucket(client_ip: &str) -> String {
    use std::net::IpAddr;
    match client_ip.parse::<IpAddr>().map(|ip| ip.to_canonical()) {
        Ok(IpAddr::V6(v6)) => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
        Ok(ip) => ip.to_string(),
        Err(_) => client_ip.to_string(),
    }
}

/// How long a "forgot password" link works.
#[cfg(feature = "ssr")]
const RESET_LINK_MINUTES: i64 = 60;
/// Reset links one client address may ask for per hour.
#[cfg(feature = "ssr")]
const RESETS_PER_CLIENT_AN_HOUR: i64 = 10;

/// "Forgot password?": mails a link to choose a new password when an account uses this
/// address. The answer is the same whether or not one does, and comes as fast (the mail is
/// sent in the background); a client asking too often gets 429.
#[server(prefix = "/api", endpoint = "accounts/forgot_password")]
pub async fn forgot_password(email: String) -> Result<String, AppError> {
    let state = AppState::from_context()?;
    let email = Email::parse(&email).map_err(|m| AppError::invalid_field("email", m))?;
    let client = throttle_bucket(&client_ip()?);
    if let Some(wait) = repo::reserve_client_request(
        &state.pool,
        "password_reset",
        &client,
        3600,
        RESETS_PER_CLIENT_AN_HOUR,
    )
    .await?
    {
        return Err(AppError::RateLimited {
            retry_after_secs: u64::try_from(wait).unwrap_or(60),
        });
    }
    if let Some(found) = repo::find_credentials(&state.pool, email.as_str()).await? {
        let token = crate::server::secrets::random_token();
        // a few per account a day, at least 2 minutes apart; past that, nothing is sent
        if repo::insert_password_reset(&state.pool, found.account_id, &token_sha256(&token)).await?
        {
            let link = format!(
                "{}/reset-password/{token}",
                state.config.public_url.origin()
            );
            let to = email.as_str().to_string();
            mail_in_background(&state, "password reset link", move |from| {
                crate::notifications::email::password_reset(&to, &link, RESET_LINK_MINUTES, from)
            });
        }
    }
    // without JavaScript the page shows the same sentence from `?sent=`
    leptos_axum::redirect(&format!(
        "/forgot-password?sent={}",
        crate::listings::search::query::encode_component(email.as_str())
    ));
    Ok(format!(
        "If a Scout account uses {}, we sent it a link to choose a new password. The link works for an hour; check your spam folder if it doesn't arrive in a few minutes.",
        email.as_str()
    ))
}

/// Whether a reset link still works (for its page).
#[server(prefix = "/api", endpoint = "accounts/reset_link", input = leptos::server_fn::codec::GetUrl)]
pub async fn reset_link_works(token: String) -> Result<bool, AppError> {
    let state = AppState::from_context()?;
    Ok(repo::reset_link_account(&state.pool, &token_sha256(&token))
        .await?
        .is_some())
}

/// Sets a new password with a reset link, signs out every other session of the account and
/// signs this one in.
#[server(prefix = "/api", endpoint = "accounts/reset_password")]
pub async fn reset_password(token: String, password: String) -> Result<(), AppError> {
    let state = AppState::from_context()?;
    let password =
        NewPassword::parse(&password).map_err(|m| AppError::invalid_field("password", m))?;
    let hash = state.passwords.hash(password.expose().to_owned()).await?;
    let Some(account) = repo::reset_password(&state.pool, &token_sha256(&token), &hash).await?
    else {
        return Err(AppError::Conflict {
            message: "This link has expired or was already used. Ask for a new one on the sign-in page (\"Forgot password?\").".into(),
        });
    };
    begin_here(&state, account, false, SecurityEvent::PasswordReset).await?;
    tracing::info!(%account, "password reset; other sessions signed out");
    leptos_axum::redirect("/");
    Ok(())
}

/// What the Account page says once the password is changed (after a no-JS post, from
/// `?changed=password`).
pub const PASSWORD_CHANGED: &str =
    "Your password is changed. Every other device where you were signed in is signed out.";

/// Changes the signed-in account's password. The current one is required (and counted like a
/// sign-in attempt, so a borrowed session can't be used to guess it); every other session of
/// the account ends, this one goes on under a new id, and the address is told.
#[server(prefix = "/api", endpoint = "accounts/change_password")]
pub async fn change_password(
    current_password: String,
    new_password: String,
) -> Result<String, AppError> {
    let (state, account) = signed_in("Sign in to change your password.").await?;
    let Some((email, _)) = repo::find_email(&state.pool, account).await? else {
        return Err(AppError::unauthorized("Sign in to change your password."));
    };
    let new = NewPassword::parse(&new_password);
    if current_password.is_empty() || new.is_err() {
        let mut fields = FieldErrors::new();
        if current_password.is_empty() {
            fields.insert(
                "current_password".into(),
                "Enter your current password.".into(),
            );
        }
        if let Err(m) = new {
            fields.insert("new_password".into(), m);
        }
        return Err(AppError::invalid(fields));
    }
    let new = new.unwrap_or_else(|_| unreachable!("checked above"));
    check_password_again(&state, &email, "current_password", current_password).await?;
    let hash = state.passwords.hash(new.expose().to_owned()).await?;
    repo::set_password(&state.pool, account, &hash).await?;
    // this browser stays signed in: a new session, begun after the others were ended
    let remember = session::remembered(&current_session().await?).await?;
    begin_here(&state, account, remember, SecurityEvent::PasswordChanged).await?;
    tracing::info!(%account, "password changed; other sessions signed out");
    let origin = state.config.public_url.origin();
    let reset = format!("{origin}/forgot-password");
    let to = email.clone();
    mail_in_background(&state, "password-changed note", move |from| {
        crate::notifications::email::password_changed(&to, &reset, from)
    });
    // without JavaScript the Account page shows the same sentence from `?changed=password`
    leptos_axum::redirect("/account?changed=password");
    Ok(PASSWORD_CHANGED.into())
}

/// What a change that needs the password says to an account that has none.
pub const NO_PASSWORD_YET: &str = "Your account has no password yet: you sign in with a provider. Confirm it's you with it (the button above), or choose a password with “Forgot password?” on the sign-in page.";

/// What a change that needs the password says to an account without one that has not
/// confirmed it's them at a provider in the last 5 minutes.
pub const CONFIRM_FIRST: &str = "Your account has no password: confirm it's you with your sign-in provider first (the button above).";

/// Checks it's the owner again before a change that needs it: a confirmation at a sign-in
/// provider in the last 5 minutes (used up by this change) when no password was typed, else
/// the password (`check_password_again`). 422 on `field` when neither holds.
#[cfg(feature = "ssr")]
pub(super) async fn check_owner_again(
    state: &AppState,
    account: AccountId,
    email: &str,
    field: &str,
    password: String,
) -> Result<(), AppError> {
    if password.is_empty() {
        let session = current_session().await?;
        if session::use_confirmation(&session, account).await? {
            return Ok(());
        }
        let message = no_password_typed(state, account).await?;
        return Err(AppError::invalid_field(field, message));
    }
    check_password_again(state, email, field, password).await
}

/// What a change says when no password was typed and no confirmation holds: to type it, or
/// (an account without one) to confirm at a provider.
#[cfg(feature = "ssr")]
pub(super) async fn no_password_typed(
    state: &AppState,
    account: AccountId,
) -> Result<&'static str, AppError> {
    let has_password = repo::account_summary(&state.pool, account)
        .await?
        .is_none_or(|(_, _, has)| has);
    Ok(if has_password {
        "Enter your password."
    } else {
        CONFIRM_FIRST
    })
}

/// Whether `password` is missing for a change by `account`: empty, and no confirmation at a
/// provider holds (it is used up only when the change goes ahead).
#[cfg(feature = "ssr")]
pub(super) async fn password_missing(account: AccountId, password: &str) -> Result<bool, AppError> {
    Ok(password.is_empty()
        && session::confirmed_by(&current_session().await?, account)
            .await?
            .is_none())
}

/// Checks the password of a signed-in person again before a change that needs it: counted
/// like a sign-in attempt (so a borrowed session can't be used to guess it), 422 on `field`
/// when wrong, 429 past the limit.
#[cfg(feature = "ssr")]
pub(super) async fn check_password_again(
    state: &AppState,
    email: &str,
    field: &str,
    password: String,
) -> Result<(), AppError> {
    let client = throttle_bucket(&client_ip()?);
    let window = i64::try_from(state.config.sign_in_window.as_secs()).unwrap_or(i64::MAX);
    if let repo::Attempt::Throttled { retry_after_secs } = repo::reserve_attempt(
        &state.pool,
        email,
        &client,
        window,
        state.config.sign_in_max_failures,
    )
    .await?
    {
        return Err(AppError::RateLimited {
            retry_after_secs: u64::try_from(retry_after_secs.max(1)).unwrap_or(1),
        });
    }
    let stored = repo::find_credentials(&state.pool, email)
        .await?
        .and_then(|c| c.password_hash);
    if stored.is_none() {
        return Err(AppError::invalid_field(field, NO_PASSWORD_YET));
    }
    let ok = state.passwords.verify(password, stored).await?;
    if !ok {
        let message = if field == "current_password" {
            "That is not your current password."
        } else {
            "That is not your password."
        };
        return Err(AppError::invalid_field(field, message));
    }
    repo::clear_failures_for_email(&state.pool, email).await?;
    Ok(())
}

/// Deletes the signed-in account for good, after its password and a ticked confirmation:
/// its listings (and their photo files), favorites, alerts, notifications, devices, webhooks,
/// sessions and security log go with it; the session ends and the address is told.
#[server(prefix = "/api", endpoint = "accounts/delete")]
pub async fn delete_account(password: String, confirm: Option<String>) -> Result<(), AppError> {
    let (state, account) = signed_in("Sign in to delete your account.").await?;
    let Some((email, _)) = repo::find_email(&state.pool, account).await? else {
        return Err(AppError::unauthorized("Sign in to delete your account."));
    };
    let mut fields = FieldErrors::new();
    if password_missing(account, &password).await? {
        let message = no_password_typed(&state, account).await?;
        fields.insert("password".into(), message.into());
    }
    if confirm.is_none() {
        fields.insert(
            "confirm".into(),
            "Tick this to confirm that the account and everything in it should go.".into(),
        );
    }
    if !fields.is_empty() {
        return Err(AppError::invalid(fields));
    }
    check_owner_again(&state, account, &email, "password", password).await?;
    let (listings, files) = crate::gallery::repo::seller_keys(&state.pool, account).await?;
    if !repo::delete_account(&state.pool, account, &email).await? {
        return Err(AppError::NotFound);
    }
    state.listings_changed(listings).await;
    if let Err(e) = state.media.delete(&files).await {
        tracing::warn!(%account, "could not delete a deleted account's photo files: {e}");
    }
    session::end_session(&current_session().await?, &state.pool).await?;
    tracing::info!(%account, "account deleted");
    mail_in_background(&state, "account-deleted note", move |from| {
        crate::notifications::email::account_deleted(&email, from)
    });
    leptos_axum::redirect("/?account=deleted");
    Ok(())
}

/// Where the signed-in account is signed in (sessions not yet expired), the most recently
/// seen first; the asking browser's is marked.
#[server(prefix = "/api", endpoint = "accounts/sessions", input = leptos::server_fn::codec::GetUrl)]
pub async fn list_sessions() -> Result<Vec<SessionView>, AppError> {
    let (state, account) = signed_in("Sign in to see where you are signed in.").await?;
    let mine = session::handle(&current_session().await?).await?;
    let now = time::OffsetDateTime::now_utc();
    Ok(repo::live_sessions(&state.pool, account)
        .await?
        .into_iter()
        .map(|r| SessionView {
            handle: r.handle.to_string(),
            device: super::model::describe_user_agent(&r.user_agent),
            place: r
                .client_ip
                .parse()
                .ok()
                .and_then(|ip| state.geoip.place(ip))
                .unwrap_or_default(),
            address: address_or_unknown(r.client_ip),
            signed_in: crate::format::ago(r.created_at, now),
            last_seen: crate::format::ago(r.last_seen_at, now),
            this_one: Some(r.handle) == mine,
        })
        .collect())
}

/// Signs out one of the account's sessions (another device): its next request finds itself
/// signed out. Someone else's session, or one already ended, is 404.
#[server(prefix = "/api", endpoint = "accounts/end_session")]
pub async fn end_session_elsewhere(handle: String) -> Result<(), AppError> {
    let (state, account) = signed_in("Sign in to sign out your other devices.").await?;
    let handle = uuid::Uuid::parse_str(handle.trim()).map_err(|_| AppError::NotFound)?;
    if !repo::delete_session(&state.pool, account, handle).await? {
        return Err(AppError::NotFound);
    }
    record(
        &state,
        account,
        SecurityEvent::SessionEnded,
        &this_device()?,
    )
    .await?;
    tracing::info!(%account, "a session signed out from another device");
    Ok(())
}

/// Signs out every other session of the account (those from before sessions were listed
/// too); this browser stays signed in under a new session id.
#[server(prefix = "/api", endpoint = "accounts/end_other_sessions")]
pub async fn end_other_sessions() -> Result<String, AppError> {
    let (state, account) = signed_in("Sign in to sign out your other devices.").await?;
    let session = current_session().await?;
    let keep = session::handle(&session).await?.unwrap_or_default();
    let ended = repo::end_other_sessions(&state.pool, account, keep).await?;
    let remember = session::remembered(&session).await?;
    begin_here(&state, account, remember, SecurityEvent::OtherSessionsEnded).await?;
    tracing::info!(%account, ended, "other sessions signed out");
    Ok("Every other device where you were signed in is signed out.".into())
}

/// The account's security log: its latest 30 sign-ins and changes, the newest first.
#[server(prefix = "/api", endpoint = "accounts/security_log", input = leptos::server_fn::codec::GetUrl)]
pub async fn security_log() -> Result<Vec<SecurityEventView>, AppError> {
    let (state, account) = signed_in("Sign in to manage your account.").await?;
    let now = time::OffsetDateTime::now_utc();
    Ok(repo::recent_events(&state.pool, account, 30)
        .await?
        .into_iter()
        .map(|e| SecurityEventView {
            what: SecurityEvent::describe(&e.kind).into(),
            device: super::model::describe_user_agent(&e.user_agent),
            address: address_or_unknown(e.client_ip),
            when: crate::format::ago(e.at, now),
            // whole seconds: HTML's `datetime` takes at most three digits of a fraction
            at: e
                .at
                .replace_nanosecond(0)
                .unwrap_or(e.at)
                .format(&time::format_description::well_known::Rfc3339)
                .unwrap_or_default(),
        })
        .collect())
}

/// A client address as the account page shows it.
#[cfg(feature = "ssr")]
fn address_or_unknown(ip: String) -> String {
    if ip.is_empty() {
        "an unknown address".into()
    } else {
        ip
    }
}

/// Ends the session on the server (the record is deleted, not just the cookie).
#[server(prefix = "/api", endpoint = "accounts/sign_out")]
pub async fn sign_out() -> Result<(), AppError> {
    let state = AppState::from_context()?;
    let session = current_session().await?;
    session::end_session(&session, &state.pool).await?;
    leptos_axum::redirect("/");
    Ok(())
}

/// The signed-in account, or None.
#[server(prefix = "/api", endpoint = "accounts/me", input = leptos::server_fn::codec::GetUrl)]
pub async fn current_account() -> Result<Option<Account>, AppError> {
    let state = AppState::from_context()?;
    let session = current_session().await?;
    let Some(account_id) = session::signed_in_account(&session, &state.pool).await? else {
        return Ok(None);
    };
    match repo::account_summary(&state.pool, account_id).await? {
        Some((email, email_verified, has_password)) => Ok(Some(Account {
            email,
            email_verified,
            has_password,
            confirmed_with: session::confirmed_by(&session, account_id).await?,
            payment_trouble: crate::billing::repo::payment_trouble(&state.pool, account_id).await?,
        })),
        None => {
            // The account is gone: the session must not outlive it.
            session::end_session(&session, &state.pool).await?;
            Ok(None)
        }
    }
}
