//! Signing in with an outside OpenID Connect provider (Google, or any issuer configured by
//! its discovery URL), as RFC 9700 asks: the authorization code flow with S256 PKCE every
//! time; a `state` that is single-use, kept in this browser's session and good for 10
//! minutes; a `nonce` in the ID token; the issuer checked exactly, in the ID token and in the
//! callback's `iss` (RFC 9207: a mix-up with another provider is refused); accounts found by
//! (provider, issuer, subject) only. An email a provider asserts never signs into an account
//! that already uses it: its owner signs in the usual way and connects the provider.
//!
//! Two plain axum routes: `POST /auth/{provider}/start` (a form button: the cross-site check
//! applies) and `GET /auth/{provider}/callback`. Token calls go through Scout's reqwest client
//! with redirects off.

use super::{
    discovery::client,
    identities::{self, Linked, SignUp},
    model::{AccountId, Email},
    repo::SecurityEvent,
    session::{self, Device},
};
use crate::{
    error::AppError,
    server::{config::ProviderConfig, security, state::AppState, state::ClientIp},
};
use axum::{
    Extension, Form, Router,
    extract::{Path, Query, State},
    http::HeaderMap,
    response::{IntoResponse, Redirect, Response},
    routing::{get, post},
};
use openidconnect::{
    AuthorizationCode, CsrfToken, Nonce, OAuth2TokenResponse, PkceCodeChallenge, PkceCodeVerifier,
    RefreshToken, RequestTokenError, Scope, TokenResponse,
    core::{CoreAuthenticationFlow, CoreErrorResponseType},
};
use serde::{Deserialize, Serialize};
use tower_sessions::Session;

/// The scopes Scout asks a provider for ("openid" is always asked for).
const SCOPES: [&str; 3] = ["openid", "email", "profile"];

/// The session key of a sign-in under way.
const FLOW: &str = "provider_flow";

/// A sign-in with a provider under way, kept in the browser's session between the start and
/// the callback.
#[derive(Serialize, Deserialize)]
struct Flow {
    provider: String,
    state: String,
    nonce: String,
    pkce_verifier: String,
    started_at: i64,
    /// Connecting the provider to this signed-in account, not signing in.
    link_to: Option<AccountId>,
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/auth/{provider}/start", post(start))
        .route("/auth/{provider}/callback", get(callback))
}

/// Why a sign-in with a provider did not happen, as `?provider_error=` carries it to the page
/// that shows it ([`super::model::provider_error_message`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Refusal {
    Expired,
    Cancelled,
    Failed,
    Unavailable,
    NoEmail,
    Exists,
    Elsewhere,
    HasOne,
}

impl Refusal {
    fn code(self) -> &'static str {
        match self {
            Refusal::Expired => "expired",
            Refusal::Cancelled => "cancelled",
            Refusal::Failed => "failed",
            Refusal::Unavailable => "unavailable",
            Refusal::NoEmail => "no_email",
            Refusal::Exists => "exists",
            Refusal::Elsewhere => "elsewhere",
            Refusal::HasOne => "has_one",
        }
    }
}

fn refused(linking: bool, provider: &str, why: Refusal) -> Response {
    let page = if linking { "/account" } else { "/sign-in" };
    Redirect::to(&format!(
        "{page}?provider={provider}&provider_error={}",
        why.code()
    ))
    .into_response()
}

#[derive(Deserialize)]
struct StartForm {
    /// "link": connect the provider to the signed-in account.
    #[serde(default)]
    intent: String,
}

/// `POST /auth/{provider}/start`: off to the provider's sign-in page.
async fn start(
    State(state): State<AppState>,
    Path(provider): Path<String>,
    session: Session,
    Form(form): Form<StartForm>,
) -> Response {
    let Some(config) = state.provider(&provider) else {
        return security::error_response(AppError::NotFound);
    };
    let link_to = if form.intent == "link" {
        match session::signed_in_account(&session, &state.pool).await {
            Ok(Some(account)) => Some(account),
            Ok(None) => return Redirect::to("/sign-in").into_response(),
            Err(e) => return security::error_response(e),
        }
    } else {
        None
    };
    let meta = match state.discovery.metadata(&state.http, config).await {
        Ok(meta) => meta,
        Err(e) => {
            tracing::warn!(
                provider,
                "the provider's discovery document could not be read: {e}"
            );
            return refused(link_to.is_some(), &provider, Refusal::Unavailable);
        }
    };
    let client = match client(&state.config.public_url.origin(), config, meta) {
        Ok(c) => c,
        Err(e) => return security::error_response(e),
    };
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (url, csrf, nonce) = client
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .add_scopes(SCOPES.iter().skip(1).map(|s| Scope::new((*s).into())))
        .set_pkce_challenge(challenge)
        .url();
    let flow = Flow {
        provider: provider.clone(),
        state: csrf.secret().clone(),
        nonce: nonce.secret().clone(),
        pkce_verifier: verifier.secret().clone(),
        started_at: time::OffsetDateTime::now_utc().unix_timestamp(),
        link_to,
    };
    // one flow at a time per browser: a new start replaces an unfinished one
    if let Err(e) = session.insert(FLOW, flow).await {
        return security::error_response(AppError::from(e));
    }
    Redirect::to(url.as_str()).into_response()
}

#[derive(Deserialize)]
struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
    /// RFC 9207: the issuer that sent this answer.
    iss: Option<String>,
}

/// `GET /auth/{provider}/callback`: the provider sends the browser back here.
async fn callback(
    State(state): State<AppState>,
    Path(provider): Path<String>,
    session: Session,
    ip: Option<Extension<ClientIp>>,
    headers: HeaderMap,
    Query(query): Query<CallbackQuery>,
) -> Response {
    let device = Device::of_request(&headers, ip.map(|Extension(ip)| ip.0));
    // the flow is used up whatever happens next: a callback can't be replayed
    let flow: Option<Flow> = session.remove(FLOW).await.ok().flatten();
    let linking = flow.as_ref().is_some_and(|f| f.link_to.is_some());
    match finish(&state, &provider, &session, &device, flow, query).await {
        Ok(to) => Redirect::to(&to).into_response(),
        Err(Some(why)) => {
            tracing::info!(
                provider,
                why = why.code(),
                "a sign-in with a provider was refused"
            );
            refused(linking, &provider, why)
        }
        Err(None) => security::error_response(AppError::NotFound),
    }
}

/// Checks the callback and signs in, signs up or links; where the browser goes next.
/// `Err(None)`: no such provider.
async fn finish(
    state: &AppState,
    provider: &str,
    session: &Session,
    device: &Device,
    flow: Option<Flow>,
    query: CallbackQuery,
) -> Result<String, Option<Refusal>> {
    let config = state.provider(provider).ok_or(None)?;
    let flow = flow.ok_or(Refusal::Expired)?;
    let age = time::OffsetDateTime::now_utc().unix_timestamp() - flow.started_at;
    let max_age = i64::try_from(state.config.sign_in_flow_max_age.as_secs()).unwrap_or(600);
    let state_matches = query.state.as_deref().is_some_and(|s| {
        use subtle::ConstantTimeEq;
        bool::from(s.as_bytes().ct_eq(flow.state.as_bytes()))
    });
    if flow.provider != provider || !state_matches || !(0..=max_age).contains(&age) {
        return Err(Some(Refusal::Expired));
    }
    if query.error.is_some() {
        return Err(Some(Refusal::Cancelled));
    }
    let meta = state
        .discovery
        .metadata(&state.http, config)
        .await
        .map_err(|e| {
            tracing::warn!(
                provider,
                "the provider's discovery document could not be read: {e}"
            );
            Refusal::Unavailable
        })?;
    // RFC 9207: an answer that says it comes from another issuer is a mix-up
    if let Some(iss) = &query.iss
        && iss != meta.issuer().as_str()
    {
        tracing::warn!(provider, "a callback named another issuer");
        return Err(Some(Refusal::Failed));
    }
    let code = query.code.ok_or(Refusal::Failed)?;
    let client =
        client(&state.config.public_url.origin(), config, meta).map_err(|_| Refusal::Failed)?;
    let token = client
        .exchange_code(AuthorizationCode::new(code))
        .map_err(|_| Refusal::Failed)?
        .set_pkce_verifier(PkceCodeVerifier::new(flow.pkce_verifier))
        .request_async(&state.http)
        .await
        .map_err(|e| {
            tracing::warn!(provider, "the provider refused the code: {e}");
            Refusal::Failed
        })?;
    let tokens = tokens_of(&token);
    let id_token = token.id_token().ok_or(Refusal::Failed)?;
    let claims = id_token
        .claims(&client.id_token_verifier(), &Nonce::new(flow.nonce))
        .map_err(|e| {
            tracing::warn!(provider, "an ID token was refused: {e}");
            Refusal::Failed
        })?;
    let issuer = claims.issuer().as_str().to_string();
    let subject = claims.subject().as_str().to_string();
    let email = claims
        .email()
        .filter(|_| claims.email_verified() == Some(true))
        .and_then(|e| Email::parse(e.as_str()).ok());

    let internal = |e: sqlx::Error| {
        tracing::error!(provider, "a sign-in with a provider failed: {e}");
        Refusal::Failed
    };
    let known = identities::find_account(&state.pool, provider, &issuer, &subject)
        .await
        .map_err(internal)?;
    let keep_tokens = |account: AccountId| {
        let (issuer, subject, tokens) = (issuer.clone(), subject.clone(), tokens.clone());
        async move {
            identities::store_tokens(
                &state.pool,
                &state.sealer,
                account,
                provider,
                &issuer,
                &subject,
                &tokens,
            )
            .await
            .map_err(internal)
        }
    };
    if let Some(account) = flow.link_to {
        return match known {
            // connecting again renews the tokens
            Some(a) if a == account => {
                keep_tokens(account).await?;
                Ok(format!("/account?connected={provider}"))
            }
            Some(_) => Err(Some(Refusal::Elsewhere)),
            None => {
                let shown = email.as_ref().map(Email::as_str).unwrap_or_default();
                match identities::link(&state.pool, account, provider, &issuer, &subject, shown)
                    .await
                    .map_err(internal)?
                {
                    Linked::Linked => {
                        keep_tokens(account).await?;
                        record(state, account, SecurityEvent::ProviderLinked, device).await?;
                        Ok(format!("/account?connected={provider}"))
                    }
                    Linked::AccountHasOne => Err(Some(Refusal::HasOne)),
                    Linked::Elsewhere => Err(Some(Refusal::Elsewhere)),
                }
            }
        };
    }
    let (account, event) = match known {
        Some(account) => (account, SecurityEvent::SignedIn),
        None => {
            let email = email.ok_or(Refusal::NoEmail)?;
            match identities::sign_up(&state.pool, email.as_str(), provider, &issuer, &subject)
                .await
                .map_err(internal)?
            {
                SignUp::Created(account) => (account, SecurityEvent::SignedUpWithProvider),
                SignUp::EmailTaken => return Err(Some(Refusal::Exists)),
            }
        }
    };
    keep_tokens(account).await?;
    session::begin(session, &state.pool, account, false, device)
        .await
        .map_err(|e| {
            tracing::error!(provider, "a session could not begin: {e}");
            Refusal::Failed
        })?;
    record(state, account, event, device).await?;
    tracing::info!(%account, provider, "signed in with a provider");
    Ok("/".into())
}

/// Records `event` in the security log (`api::record`); a failure refuses the sign-in.
async fn record(
    state: &AppState,
    account: AccountId,
    event: SecurityEvent,
    device: &Device,
) -> Result<(), Option<Refusal>> {
    super::api::record(state, account, event, device)
        .await
        .map_err(|e| {
            tracing::error!(%account, "a security event could not be recorded: {e}");
            Some(Refusal::Failed)
        })
}

/// The tokens in a provider's token response; scopes it did not list are the ones asked for.
fn tokens_of(token: &impl OAuth2TokenResponse) -> identities::Tokens {
    identities::Tokens {
        access: token.access_token().secret().clone(),
        refresh: token.refresh_token().map(|r| r.secret().clone()),
        expires_in: token.expires_in(),
        scopes: token
            .scopes()
            .map(|s| s.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(" "))
            .unwrap_or_else(|| SCOPES.join(" ")),
    }
}

/// What renewing Scout's access at a provider did.
#[derive(Debug, PartialEq, Eq)]
pub enum Refreshed {
    Renewed,
    /// Not connected, or the provider gave no token to renew with.
    NothingToRenew,
    /// The provider refused or could not be asked: why, in words (also kept on the link).
    Refused(String),
}

/// Renews Scout's access for `account` at `provider` with the refresh token it holds, and
/// keeps what the provider answers: new tokens, or the link marked "expired" (the provider
/// refused the token: `invalid_grant`) or "failing" (it could not be asked, or refused for
/// another reason), with why in words.
pub async fn refresh(
    state: &AppState,
    config: &ProviderConfig,
    account: AccountId,
) -> Result<Refreshed, AppError> {
    let name = &config.name;
    let renewal = match identities::claim_renewal(&state.pool, &state.sealer, account, &config.id)
        .await
        .map_err(AppError::internal)?
    {
        identities::Claim::Held(renewal) => renewal,
        identities::Claim::Nothing => return Ok(Refreshed::NothingToRenew),
        identities::Claim::Busy => {
            return Err(AppError::Busy {
                message: format!("Scout is renewing its access at {name} just now."),
                retry_after_secs: 10,
            });
        }
    };
    let failing = |why: String| async move {
        identities::mark(&state.pool, account, &config.id, "failing", &why).await?;
        Ok::<_, AppError>(Refreshed::Refused(why))
    };
    let meta = match state.discovery.metadata(&state.http, config).await {
        Ok(meta) => meta,
        Err(e) => {
            tracing::warn!(
                provider = config.id,
                "the provider's discovery document could not be read: {e}"
            );
            return failing(format!(
                "{name} could not be reached to renew Scout's access. Scout tries again later; you can also try now."
            ))
            .await;
        }
    };
    let client = client(&state.config.public_url.origin(), config, meta)?;
    let refresh_token = RefreshToken::new(renewal.refresh_token);
    let answer = client
        .exchange_refresh_token(&refresh_token)
        .map_err(AppError::internal)?
        .request_async(&state.http)
        .await;
    match answer {
        Ok(token) => {
            identities::store_tokens(
                &state.pool,
                &state.sealer,
                account,
                &config.id,
                &renewal.issuer,
                &renewal.subject,
                &tokens_of(&token),
            )
            .await?;
            tracing::info!(%account, provider = config.id, "access at a provider renewed");
            Ok(Refreshed::Renewed)
        }
        Err(RequestTokenError::ServerResponse(refusal))
            if *refusal.error() == CoreErrorResponseType::InvalidGrant =>
        {
            let why = format!(
                "{name} no longer accepts Scout's access: it was withdrawn at {name} or has ended. Reconnect to renew it."
            );
            identities::mark(&state.pool, account, &config.id, "expired", &why).await?;
            tracing::info!(%account, provider = config.id, "a provider refused to renew access");
            Ok(Refreshed::Refused(why))
        }
        Err(RequestTokenError::ServerResponse(refusal)) => {
            tracing::warn!(provider = config.id, error = %refusal.error(), "a provider refused a renewal");
            failing(format!(
                "{name} refused to renew Scout's access just now. Scout tries again later; if it keeps happening, reconnect."
            ))
            .await
        }
        Err(e) => {
            tracing::warn!(provider = config.id, "a renewal at a provider failed: {e}");
            failing(format!(
                "{name} could not be reached to renew Scout's access. Scout tries again later; you can also try now."
            ))
            .await
        }
    }
}

/// Revokes a disconnected link's tokens at the provider (RFC 7009), the refresh token first
/// (that ends the access tokens made from it at most providers). A provider without a
/// revocation endpoint, or one that fails, is logged: the link is gone in Scout either way.
pub async fn revoke(
    state: &AppState,
    config: &ProviderConfig,
    refresh: Option<String>,
    access: Option<String>,
) {
    let endpoint = match state.discovery.metadata(&state.http, config).await {
        Ok(meta) => meta.additional_metadata().revocation_endpoint.clone(),
        Err(e) => {
            tracing::warn!(
                provider = config.id,
                "tokens not revoked: discovery failed: {e}"
            );
            return;
        }
    };
    let Some(endpoint) = endpoint else {
        tracing::info!(
            provider = config.id,
            "the provider has no revocation endpoint"
        );
        return;
    };
    let tokens = refresh
        .map(|t| (t, "refresh_token"))
        .into_iter()
        .chain(access.map(|t| (t, "access_token")));
    for (token, hint) in tokens {
        match revoke_at(&state.http, &endpoint, config, &token, hint).await {
            Ok(()) => tracing::info!(
                provider = config.id,
                hint,
                "a token was revoked at the provider"
            ),
            Err(e) => tracing::warn!(
                provider = config.id,
                hint,
                "a token could not be revoked: {e}"
            ),
        }
    }
}

/// One RFC 7009 revocation request: the token and its type hint, the client authenticated
/// with HTTP Basic as RFC 6749 section 2.3.1 has it (id and secret form-encoded first), no
/// redirects followed (Scout's client follows none). Written here rather than through the
/// `oauth2` crate's `revoke_token`, which refuses every `http:` endpoint, also the loopback
/// ones the test stand-ins listen on; this one requires HTTPS except on a loopback address.
async fn revoke_at(
    http: &reqwest::Client,
    endpoint: &str,
    config: &ProviderConfig,
    token: &str,
    hint: &str,
) -> Result<(), String> {
    let url = reqwest::Url::parse(endpoint).map_err(|e| format!("{endpoint:?}: {e}"))?;
    let loopback = match url.host_str() {
        Some("localhost") => true,
        Some(host) => host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback()),
        None => false,
    };
    if url.scheme() != "https" && !(url.scheme() == "http" && loopback) {
        return Err(format!("the revocation endpoint {endpoint} is not HTTPS"));
    }
    let encode = |s: &str| form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    let answer = http
        .post(url)
        .basic_auth(
            encode(&config.client_id),
            Some(encode(&config.client_secret)),
        )
        .form(&[("token", token), ("token_type_hint", hint)])
        .send()
        .await
        .map_err(|e| e.to_string())?;
    // RFC 7009 2.2: 200 for a revoked token and for one the provider did not know
    if answer.status().is_success() {
        Ok(())
    } else {
        Err(format!("the provider answered {}", answer.status()))
    }
}

/// Renews every link whose access ends within `ahead` (50 at a time): how many were renewed.
/// A provider that refuses marks its link (`refresh`); one that is no longer configured is
/// left alone.
pub async fn renew_due(state: &AppState, ahead: std::time::Duration) -> Result<usize, AppError> {
    let due = identities::due_for_renewal(&state.pool, ahead, 50).await?;
    let mut renewed = 0;
    for (account, provider) in due {
        let Some(config) = state.provider(&provider).cloned() else {
            continue;
        };
        match refresh(state, &config, account).await {
            Ok(Refreshed::Renewed) => renewed += 1,
            Ok(_) => {}
            // held by a click at this moment, or a database hiccup: next minute
            Err(e) => tracing::debug!(%account, provider, "a renewal was put off: {e}"),
        }
    }
    Ok(renewed)
}
