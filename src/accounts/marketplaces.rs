//! Linking an outside marketplace account (shaped like the OLX partner API) so Scout can
//! publish a seller's listings there: OAuth 2 with the `oauth2` crate over Scout's HTTP client
//! (redirects off), authorization code with S256 PKCE and a single-use `state` kept in the
//! browser's session for 10 minutes, as for sign-in providers. The marketplace's
//! `<api>/users/me` names the linked account; it is kept as an identity of kind
//! "marketplace" (never a way to sign in) with its tokens sealed like a provider's.
//!
//! Two plain axum routes: `POST /marketplaces/{id}/connect` (a form button on the Account
//! page; the cross-site check applies) and `GET /marketplaces/{id}/callback`.

use super::{
    identities::{self, Kind, Linked, Tokens},
    model::AccountId,
    repo::SecurityEvent,
    session::{self, Device},
};
use crate::{
    error::AppError,
    server::{config::MarketplaceConfig, security, state::AppState, state::ClientIp},
};
use axum::{
    Extension, Router,
    extract::{Path, Query, State},
    http::HeaderMap,
    response::{IntoResponse, Redirect, Response},
    routing::{get, post},
};
use oauth2::{
    AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken, EndpointNotSet, EndpointSet,
    PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, RefreshToken, RequestTokenError, Scope,
    TokenResponse, TokenUrl,
    basic::{BasicClient, BasicErrorResponseType},
};
use serde::{Deserialize, Serialize};
use tower_sessions::Session;

/// The session key of a link under way.
const FLOW: &str = "marketplace_flow";

#[derive(Serialize, Deserialize)]
struct Flow {
    marketplace: String,
    state: String,
    pkce_verifier: String,
    started_at: i64,
    account: AccountId,
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/marketplaces/{id}/connect", post(connect))
        .route("/marketplaces/{id}/callback", get(callback))
}

type Client = BasicClient<EndpointSet, EndpointNotSet, EndpointNotSet, EndpointNotSet, EndpointSet>;

fn client(origin: &str, config: &MarketplaceConfig) -> Result<Client, AppError> {
    Ok(BasicClient::new(ClientId::new(config.client_id.clone()))
        .set_client_secret(ClientSecret::new(config.client_secret.clone()))
        .set_auth_uri(AuthUrl::new(config.authorize_url.clone()).map_err(AppError::internal)?)
        .set_token_uri(TokenUrl::new(config.token_url.clone()).map_err(AppError::internal)?)
        .set_redirect_uri(
            RedirectUrl::new(format!("{origin}/marketplaces/{}/callback", config.id))
                .map_err(AppError::internal)?,
        ))
}

/// Why a link did not happen, as `?provider_error=` carries it to the Account page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Refusal {
    Expired,
    Cancelled,
    Failed,
    Elsewhere,
    HasOne,
}

impl Refusal {
    fn code(self) -> &'static str {
        match self {
            Refusal::Expired => "expired",
            Refusal::Cancelled => "cancelled",
            Refusal::Failed => "failed",
            Refusal::Elsewhere => "elsewhere",
            Refusal::HasOne => "has_one",
        }
    }
}

/// Whether `account`'s plan allows linking marketplace `id` (another one than those linked; a
/// relink of one already linked always is).
async fn room_for_another(
    state: &AppState,
    account: AccountId,
    id: &str,
) -> Result<bool, AppError> {
    let others = sqlx::query_scalar!(
        r#"select count(*) as "n!" from account_identity
           where account_id = $1 and kind = 'marketplace' and provider <> $2"#,
        account.0,
        id
    )
    .fetch_one(&state.pool)
    .await?;
    let most = crate::billing::plans::limits_for(&state.pool, account)
        .await?
        .linked_marketplaces;
    Ok(others < most)
}

/// `POST /marketplaces/{id}/connect`: off to the marketplace's own page, signed in only.
async fn connect(
    State(state): State<AppState>,
    Path(id): Path<String>,
    session: Session,
) -> Response {
    let Some(config) = state.marketplace(&id) else {
        return security::error_response(AppError::NotFound);
    };
    let account = match session::signed_in_account(&session, &state.pool).await {
        Ok(Some(account)) => account,
        Ok(None) => return Redirect::to("/sign-in").into_response(),
        Err(e) => return security::error_response(e),
    };
    // the plan's linked marketplaces: refused before the marketplace's page, not after
    match room_for_another(&state, account, &id).await {
        Ok(true) => {}
        Ok(false) => {
            return Redirect::to(&format!(
                "/account?provider={id}&provider_error=plan#marketplaces-heading"
            ))
            .into_response();
        }
        Err(e) => return security::error_response(e),
    }
    let client = match client(&state.config.public_url.origin(), config) {
        Ok(c) => c,
        Err(e) => return security::error_response(e),
    };
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (url, csrf) = client
        .authorize_url(CsrfToken::new_random)
        .add_scopes(config.scopes.iter().map(|s| Scope::new(s.clone())))
        .set_pkce_challenge(challenge)
        .url();
    let flow = Flow {
        marketplace: id,
        state: csrf.secret().clone(),
        pkce_verifier: verifier.secret().clone(),
        started_at: time::OffsetDateTime::now_utc().unix_timestamp(),
        account,
    };
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
}

/// `GET /marketplaces/{id}/callback`: the marketplace sends the browser back here.
async fn callback(
    State(state): State<AppState>,
    Path(id): Path<String>,
    session: Session,
    ip: Option<Extension<ClientIp>>,
    headers: HeaderMap,
    Query(query): Query<CallbackQuery>,
) -> Response {
    let device = Device::of_request(&headers, ip.map(|Extension(ip)| ip.0));
    // used up whatever happens next: a callback can't be replayed
    let flow: Option<Flow> = session.remove(FLOW).await.ok().flatten();
    let Some(config) = state.marketplace(&id).cloned() else {
        return security::error_response(AppError::NotFound);
    };
    match finish(&state, &config, &session, &device, flow, query).await {
        Ok(()) => {
            Redirect::to(&format!("/account?connected={id}#marketplaces-heading")).into_response()
        }
        Err(why) => {
            tracing::info!(
                marketplace = id,
                why = why.code(),
                "linking a marketplace was refused"
            );
            Redirect::to(&format!(
                "/account?provider={id}&provider_error={}#marketplaces-heading",
                why.code()
            ))
            .into_response()
        }
    }
}

async fn finish(
    state: &AppState,
    config: &MarketplaceConfig,
    session: &Session,
    device: &Device,
    flow: Option<Flow>,
    query: CallbackQuery,
) -> Result<(), Refusal> {
    let flow = flow.ok_or(Refusal::Expired)?;
    let fits = session::flow_answer_fits(
        flow.started_at,
        state.config.sign_in_flow_max_age,
        &flow.state,
        query.state.as_deref(),
    );
    if flow.marketplace != config.id || !fits {
        return Err(Refusal::Expired);
    }
    // the browser must still be signed in as the account that started
    let account = session::signed_in_account(session, &state.pool)
        .await
        .ok()
        .flatten()
        .filter(|a| *a == flow.account)
        .ok_or(Refusal::Expired)?;
    if query.error.is_some() {
        return Err(Refusal::Cancelled);
    }
    let code = query.code.ok_or(Refusal::Failed)?;
    let client = client(&state.config.public_url.origin(), config).map_err(|_| Refusal::Failed)?;
    let token = client
        .exchange_code(AuthorizationCode::new(code))
        .set_pkce_verifier(PkceCodeVerifier::new(flow.pkce_verifier))
        .request_async(&state.http)
        .await
        .map_err(|e| {
            tracing::warn!(
                marketplace = config.id,
                "the marketplace refused the code: {e}"
            );
            Refusal::Failed
        })?;
    let tokens = tokens_of(&token, config);
    let me = who_is(state, config, &tokens.access).await.map_err(|e| {
        tracing::warn!(marketplace = config.id, "users/me failed: {e}");
        Refusal::Failed
    })?;
    let internal = |e: sqlx::Error| {
        tracing::error!(marketplace = config.id, "linking a marketplace failed: {e}");
        Refusal::Failed
    };
    let issuer = config.api_url.as_str();
    match identities::owner(&state.pool, Kind::Marketplace, &config.id, issuer, &me.id)
        .await
        .map_err(internal)?
    {
        Some(owner) if owner != account => return Err(Refusal::Elsewhere),
        // linked again: fresh tokens below
        Some(_) => {}
        None => match identities::link(
            &state.pool,
            account,
            Kind::Marketplace,
            &config.id,
            issuer,
            &me.id,
            &me.email,
        )
        .await
        .map_err(internal)?
        {
            Linked::Linked => {
                super::api::record(state, account, SecurityEvent::MarketplaceLinked, device)
                    .await
                    .map_err(|e| {
                        tracing::error!(%account, "a security event could not be recorded: {e}");
                        Refusal::Failed
                    })?;
            }
            Linked::AccountHasOne => return Err(Refusal::HasOne),
            Linked::Elsewhere => return Err(Refusal::Elsewhere),
        },
    }
    identities::store_tokens(
        &state.pool,
        &state.sealer,
        account,
        &config.id,
        issuer,
        &me.id,
        &tokens,
    )
    .await
    .map_err(internal)?;
    tracing::info!(%account, marketplace = config.id, "a marketplace account was linked");
    Ok(())
}

fn tokens_of(token: &impl TokenResponse, config: &MarketplaceConfig) -> Tokens {
    Tokens {
        access: token.access_token().secret().clone(),
        refresh: token.refresh_token().map(|r| r.secret().clone()),
        expires_in: token.expires_in(),
        scopes: token
            .scopes()
            .map(|s| s.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(" "))
            .unwrap_or_else(|| config.scopes.join(" ")),
    }
}

/// The linked account, as the marketplace's `users/me` names it (OLX: `{"data": {...}}`).
#[derive(Deserialize)]
struct Me {
    id: serde_json::Value,
    #[serde(default)]
    email: String,
}

struct Whom {
    id: String,
    email: String,
}

async fn who_is(
    state: &AppState,
    config: &MarketplaceConfig,
    access: &str,
) -> Result<Whom, String> {
    #[derive(Deserialize)]
    struct Data {
        data: Me,
    }
    let answer = state
        .http
        .get(format!("{}/users/me", config.api_url))
        .bearer_auth(access)
        .header("Version", "2.0")
        .send()
        .await
        .map_err(|e| e.to_string())?;
    if !answer.status().is_success() {
        return Err(format!("answered {}", answer.status()));
    }
    let me = answer.json::<Data>().await.map_err(|e| e.to_string())?.data;
    let id = match me.id {
        serde_json::Value::String(s) => s,
        serde_json::Value::Number(n) => n.to_string(),
        other => return Err(format!("an id that is neither text nor a number: {other}")),
    };
    if id.is_empty() || id.len() > 255 {
        return Err("an empty or overlong id".into());
    }
    Ok(Whom {
        id,
        email: me.email,
    })
}

/// Renews access at a marketplace with `refresh_token` (its token endpoint).
pub async fn renew(
    state: &AppState,
    config: &MarketplaceConfig,
    refresh_token: String,
) -> identities::Renewed {
    let client = match client(&state.config.public_url.origin(), config) {
        Ok(c) => c,
        Err(e) => return identities::Renewed::Unreachable(e.to_string()),
    };
    let held = RefreshToken::new(refresh_token);
    match client
        .exchange_refresh_token(&held)
        .request_async(&state.http)
        .await
    {
        Ok(token) => identities::Renewed::Tokens(tokens_of(&token, config)),
        Err(RequestTokenError::ServerResponse(r))
            if *r.error() == BasicErrorResponseType::InvalidGrant =>
        {
            identities::Renewed::Refused
        }
        Err(RequestTokenError::ServerResponse(r)) => {
            identities::Renewed::Declined(r.error().to_string())
        }
        Err(e) => identities::Renewed::Unreachable(e.to_string()),
    }
}
