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
    core::{CoreAuthPrompt, CoreAuthenticationFlow, CoreErrorResponseType},
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
    /// Confirming it's the owner of this signed-in account (signing in again there), before a
    /// change that needs the password otherwise.
    #[serde(default)]
    confirm_for: Option<AccountId>,
    /// The Account page's section a confirmation goes back to: "email" or "delete".
    #[serde(default)]
    then: String,
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
    /// A confirmation signed in another identity than the one connected to the account.
    NotYou,
    /// A confirmation whose sign-in at the provider was not just now.
    NotRecent,
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
            Refusal::NotYou => "not_you",
            Refusal::NotRecent => "not_recent",
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

/// A refused confirmation goes back to the Account page's section that asked for it.
fn refused_confirmation(provider: &str, then: &str, why: Refusal) -> Response {
    Redirect::to(&format!(
        "/account?provider={provider}&confirm_error={}&then={then}#{}",
        why.code(),
        section_of(then)
    ))
    .into_response()
}

/// The Account page's anchor of the section a confirmation is for.
fn section_of(then: &str) -> &'static str {
    if then == "delete" {
        "delete-heading"
    } else {
        "email"
    }
}

#[derive(Deserialize)]
struct StartForm {
    /// "link": connect the provider to the signed-in account; "reauth": confirm it's the
    /// owner of the signed-in account by signing in there again.
    #[serde(default)]
    intent: String,
    /// For "reauth": the section of the Account page to go back to ("email" or "delete").
    #[serde(default)]
    then: String,
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
    let reauth = form.intent == "reauth";
    let signed_in = if form.intent == "link" || reauth {
        match session::signed_in_account(&session, &state.pool).await {
            Ok(Some(account)) => Some(account),
            Ok(None) => return Redirect::to("/sign-in").into_response(),
            Err(e) => return security::error_response(e),
        }
    } else {
        None
    };
    let (link_to, confirm_for) = if reauth {
        (None, signed_in)
    } else {
        (signed_in, None)
    };
    let then = if form.then == "delete" {
        "delete"
    } else {
        "email"
    };
    let origin = state.config.public_url.origin();
    let flow = if let Some(graph) = &config.graph {
        match super::facebook::start(&origin, config, graph, reauth) {
            Ok(start) => (start.url, start.state, String::new(), start.pkce_verifier),
            Err(e) => return security::error_response(e),
        }
    } else {
        let meta = match state.discovery.metadata(&state.http, config).await {
            Ok(meta) => meta,
            Err(e) => {
                tracing::warn!(
                    provider,
                    "the provider's discovery document could not be read: {e}"
                );
                return if reauth {
                    refused_confirmation(&provider, then, Refusal::Unavailable)
                } else {
                    refused(link_to.is_some(), &provider, Refusal::Unavailable)
                };
            }
        };
        let client = match client(&origin, config, meta) {
            Ok(c) => c,
            Err(e) => return security::error_response(e),
        };
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let mut request = client
            .authorize_url(
                CoreAuthenticationFlow::AuthorizationCode,
                CsrfToken::new_random,
                Nonce::new_random,
            )
            .add_scopes(SCOPES.iter().skip(1).map(|s| Scope::new((*s).into())))
            .set_pkce_challenge(challenge);
        if reauth {
            // sign in again whatever session the provider has, and say when (`auth_time`)
            request = request
                .add_prompt(CoreAuthPrompt::Login)
                .set_max_age(std::time::Duration::ZERO);
        }
        let (url, csrf, nonce) = request.url();
        (
            url.to_string(),
            csrf.secret().clone(),
            nonce.secret().clone(),
            verifier.secret().clone(),
        )
    };
    let (url, csrf, nonce, pkce_verifier) = flow;
    let flow = Flow {
        provider: provider.clone(),
        state: csrf,
        nonce,
        pkce_verifier,
        started_at: time::OffsetDateTime::now_utc().unix_timestamp(),
        link_to,
        confirm_for,
        then: then.to_string(),
    };
    // one flow at a time per browser: a new start replaces an unfinished one
    if let Err(e) = session.insert(FLOW, flow).await {
        return security::error_response(AppError::from(e));
    }
    Redirect::to(&url).into_response()
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
    let confirming = flow
        .as_ref()
        .and_then(|f| f.confirm_for.map(|_| f.then.clone()));
    match finish(&state, &provider, &session, &device, flow, query).await {
        Ok(to) => Redirect::to(&to).into_response(),
        Err(Some(why)) => {
            tracing::info!(
                provider,
                why = why.code(),
                "a sign-in with a provider was refused"
            );
            match confirming {
                Some(then) => refused_confirmation(&provider, &then, why),
                None => refused(linking, &provider, why),
            }
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
    let fits = session::flow_answer_fits(
        flow.started_at,
        state.config.sign_in_flow_max_age,
        &flow.state,
        query.state.as_deref(),
    );
    if flow.provider != provider || !fits {
        return Err(Some(Refusal::Expired));
    }
    if query.error.is_some() {
        return Err(Some(Refusal::Cancelled));
    }
    let code = query.code.ok_or(Refusal::Failed)?;
    let Whom {
        issuer,
        subject,
        email,
        tokens,
        auth_time,
    } = match &config.graph {
        Some(graph) => {
            let (person, tokens) = super::facebook::finish(
                &state.http,
                &state.config.public_url.origin(),
                config,
                graph,
                code,
                flow.pkce_verifier,
            )
            .await
            .map_err(|e| {
                tracing::warn!(provider, "a sign-in with Facebook failed: {e}");
                Refusal::Failed
            })?;
            Whom {
                issuer: config.issuer.clone(),
                subject: person.id,
                email: person.email.and_then(|e| Email::parse(&e).ok()),
                tokens,
                // Facebook says nothing of when: `auth_type=reauthenticate` asked for the
                // password there
                auth_time: None,
            }
        }
        None => oidc_whom(state, config, &flow, query.iss, code).await?,
    };

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
    if let Some(account) = flow.confirm_for {
        // still this browser's account, the identity connected to it, signed in just now
        let here = session::signed_in_account(session, &state.pool)
            .await
            .map_err(|_| Refusal::Failed)?;
        if here != Some(account) {
            return Err(Some(Refusal::Expired));
        }
        if known != Some(account) {
            return Err(Some(Refusal::NotYou));
        }
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let recent = |t: i64| (-60..=session::CONFIRMATION_LASTS).contains(&(now - t));
        if config.graph.is_none() && !auth_time.is_some_and(recent) {
            return Err(Some(Refusal::NotRecent));
        }
        keep_tokens(account).await?;
        session::confirmed(session, account, provider)
            .await
            .map_err(|_| Refusal::Failed)?;
        tracing::info!(%account, provider, "the owner confirmed it's them at a provider");
        return Ok(format!(
            "/account?confirmed={provider}#{}",
            section_of(&flow.then)
        ));
    }
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
                match identities::link(
                    &state.pool,
                    account,
                    identities::Kind::SignIn,
                    provider,
                    &issuer,
                    &subject,
                    shown,
                )
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

/// Who an OpenID Connect provider signed in: the code exchanged with its PKCE verifier and
/// the ID token checked (signature, audience, exact issuer, this flow's nonce).
async fn oidc_whom(
    state: &AppState,
    config: &ProviderConfig,
    flow: &Flow,
    iss: Option<String>,
    code: String,
) -> Result<Whom, Refusal> {
    let provider = config.id.as_str();
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
    if let Some(iss) = &iss
        && iss != meta.issuer().as_str()
    {
        tracing::warn!(provider, "a callback named another issuer");
        return Err(Refusal::Failed);
    }
    let client =
        client(&state.config.public_url.origin(), config, meta).map_err(|_| Refusal::Failed)?;
    let token = client
        .exchange_code(AuthorizationCode::new(code))
        .map_err(|_| Refusal::Failed)?
        .set_pkce_verifier(PkceCodeVerifier::new(flow.pkce_verifier.clone()))
        .request_async(&state.http)
        .await
        .map_err(|e| {
            tracing::warn!(provider, "the provider refused the code: {e}");
            Refusal::Failed
        })?;
    let tokens = tokens_of(&token);
    let id_token = token.id_token().ok_or(Refusal::Failed)?;
    let claims = id_token
        .claims(&client.id_token_verifier(), &Nonce::new(flow.nonce.clone()))
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

    Ok(Whom {
        issuer,
        subject,
        email,
        tokens,
        auth_time: claims.auth_time().map(|t| t.timestamp()),
    })
}

/// The person a provider signed in, and the tokens it gave.
struct Whom {
    issuer: String,
    subject: String,
    /// A confirmed address, when the provider shared one.
    email: Option<Email>,
    tokens: identities::Tokens,
    /// When the person last signed in at the provider (Unix seconds), when it says.
    auth_time: Option<i64>,
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

/// Renews access at a sign-in provider with `refresh_token` (its discovered token endpoint).
pub async fn renew(
    state: &AppState,
    config: &ProviderConfig,
    refresh_token: String,
) -> identities::Renewed {
    if config.graph.is_some() {
        // Facebook gives no refresh token, so there is never one to renew with
        return identities::Renewed::Declined("Facebook renews no tokens".into());
    }
    let meta = match state.discovery.metadata(&state.http, config).await {
        Ok(meta) => meta,
        Err(e) => return identities::Renewed::Unreachable(format!("discovery: {e}")),
    };
    let client = match client(&state.config.public_url.origin(), config, meta) {
        Ok(client) => client,
        Err(e) => return identities::Renewed::Unreachable(e.to_string()),
    };
    let held = RefreshToken::new(refresh_token);
    let request = match client.exchange_refresh_token(&held) {
        Ok(request) => request,
        Err(e) => return identities::Renewed::Unreachable(e.to_string()),
    };
    match request.request_async(&state.http).await {
        Ok(token) => identities::Renewed::Tokens(tokens_of(&token)),
        Err(RequestTokenError::ServerResponse(refusal))
            if *refusal.error() == CoreErrorResponseType::InvalidGrant =>
        {
            identities::Renewed::Refused
        }
        Err(RequestTokenError::ServerResponse(refusal)) => {
            identities::Renewed::Declined(refusal.error().to_string())
        }
        Err(e) => identities::Renewed::Unreachable(e.to_string()),
    }
}
