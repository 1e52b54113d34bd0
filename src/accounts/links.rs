//! What Scout does with a link's tokens, whatever its kind (a sign-in provider or a
//! marketplace): renew them now or before they end (the worker), keep the outcome on the link,
//! and revoke them at the provider when the link goes.

use super::{
    identities::{self, Renewed},
    model::AccountId,
};
use crate::{error::AppError, server::state::AppState};

/// A configured provider or marketplace, as renewal and revocation need it.
struct Remote {
    name: String,
    client_id: String,
    client_secret: String,
}

fn remote(state: &AppState, id: &str) -> Option<Remote> {
    if let Some(p) = state.provider(id) {
        return Some(Remote {
            name: p.name.clone(),
            client_id: p.client_id.clone(),
            client_secret: p.client_secret.clone(),
        });
    }
    state.marketplace(id).map(|m| Remote {
        name: m.name.clone(),
        client_id: m.client_id.clone(),
        client_secret: m.client_secret.clone(),
    })
}

/// The name people know provider or marketplace `id` by, if it is configured.
pub fn name_of(state: &AppState, id: &str) -> Option<String> {
    remote(state, id).map(|r| r.name)
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

/// Renews Scout's access for `account` at provider or marketplace `id` with the refresh token
/// it holds (holding the link meanwhile), and keeps what the provider answers: new tokens, or
/// the link marked "expired" (the provider refused the token: `invalid_grant`) or "failing"
/// (it could not be asked, or refused for another reason), with why in words. 404 for an id
/// that is not configured.
pub async fn refresh(
    state: &AppState,
    account: AccountId,
    id: &str,
) -> Result<Refreshed, AppError> {
    let name = remote(state, id).ok_or(AppError::NotFound)?.name;
    let renewal = match identities::claim_renewal(&state.pool, &state.sealer, account, id)
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
    let renewed = if let Some(config) = state.provider(id) {
        super::providers::renew(state, config, renewal.refresh_token).await
    } else if let Some(config) = state.marketplace(id) {
        super::marketplaces::renew(state, config, renewal.refresh_token).await
    } else {
        return Err(AppError::NotFound);
    };
    let (status, why) = match renewed {
        Renewed::Tokens(tokens) => {
            identities::store_tokens(
                &state.pool,
                &state.sealer,
                account,
                id,
                &renewal.issuer,
                &renewal.subject,
                &tokens,
            )
            .await?;
            tracing::info!(%account, provider = id, "access at a provider renewed");
            return Ok(Refreshed::Renewed);
        }
        Renewed::Refused => {
            tracing::info!(%account, provider = id, "a provider refused to renew access");
            (
                "expired",
                format!(
                    "{name} no longer accepts Scout's access: it was withdrawn at {name} or has ended. Reconnect to renew it."
                ),
            )
        }
        Renewed::Declined(code) => {
            tracing::warn!(provider = id, code, "a provider refused a renewal");
            (
                "failing",
                format!(
                    "{name} refused to renew Scout's access just now. Scout tries again later; if it keeps happening, reconnect."
                ),
            )
        }
        Renewed::Unreachable(e) => {
            tracing::warn!(provider = id, "a renewal at a provider failed: {e}");
            (
                "failing",
                format!(
                    "{name} could not be reached to renew Scout's access. Scout tries again later; you can also try now."
                ),
            )
        }
    };
    mark(state, account, id, status, &why).await?;
    Ok(Refreshed::Refused(why))
}

/// Keeps what a provider or marketplace said of a link (`status` "expired", "revoked" or
/// "failing", with why in words). A link that stops working here ("expired" or "revoked"
/// after it was working) also tells the person once, in the same transaction: a notice in the
/// inbox, sent on at once on the channels of their notification settings, that opens the
/// Account page's section where they reconnect.
pub async fn mark(
    state: &AppState,
    account: AccountId,
    id: &str,
    status: &str,
    why: &str,
) -> Result<(), AppError> {
    let mut tx = state.pool.begin().await?;
    let was = identities::mark(&mut *tx, account, id, status, why).await?;
    let ended = |s: &str| s == "expired" || s == "revoked";
    if ended(status)
        && let Some(was) = was
        && !ended(&was)
    {
        let name = name_of(state, id).unwrap_or_else(|| id.to_string());
        let section = if state.marketplace(id).is_some() {
            "marketplaces"
        } else {
            "providers"
        };
        let title = format!("Scout's access at {name} has ended");
        let now = time::OffsetDateTime::now_utc();
        let notice = crate::notifications::repo::AccountNotice {
            account,
            kind: "link_expired",
            source: &format!("link:{id}"),
            trigger_key: &now.unix_timestamp().to_string(),
            title: &title,
            reason: why,
            link: &format!("/account#{section}-heading"),
        };
        crate::notifications::notices::Recorder::default()
            .record_account(&mut tx, &notice, now)
            .await?;
        tracing::info!(%account, provider = id, status, "the person is told a link ended");
    }
    tx.commit().await?;
    Ok(())
}

/// Renews every link whose access ends within `ahead` (50 at a time): how many were renewed.
/// A provider that refuses marks its link (`refresh`); one that is no longer configured is
/// left alone.
pub async fn renew_due(state: &AppState, ahead: std::time::Duration) -> Result<usize, AppError> {
    let due = identities::due_for_renewal(&state.pool, ahead, 50).await?;
    let mut renewed = 0;
    for (account, id) in due {
        if remote(state, &id).is_none() {
            continue;
        }
        match refresh(state, account, &id).await {
            Ok(Refreshed::Renewed) => renewed += 1,
            Ok(_) => {}
            // held by a click at this moment, or a database hiccup: next minute
            Err(e) => tracing::debug!(%account, provider = id, "a renewal was put off: {e}"),
        }
    }
    Ok(renewed)
}

/// Revokes a removed link's tokens at provider or marketplace `id` (RFC 7009), the refresh
/// token first (that ends the access tokens made from it at most providers). One without a
/// revocation endpoint, or one that fails, is logged: the link is gone in Scout either way.
pub async fn revoke(state: &AppState, id: &str, refresh: Option<String>, access: Option<String>) {
    let Some(remote) = remote(state, id) else {
        return;
    };
    if let Some((config, graph)) = state
        .provider(id)
        .and_then(|p| p.graph.as_ref().map(|g| (p, g)))
    {
        // Facebook: its Graph API ends what was granted, with any access token
        let Some(access) = access else {
            tracing::info!(provider = id, "no access token to revoke with");
            return;
        };
        match super::facebook::revoke(&state.http, config, graph, &access).await {
            Ok(()) => tracing::info!(provider = id, "the permissions were revoked at Facebook"),
            Err(e) => tracing::warn!(provider = id, "the permissions could not be revoked: {e}"),
        }
        return;
    }
    let endpoint = if let Some(config) = state.provider(id) {
        match state.discovery.metadata(&state.http, config).await {
            Ok(meta) => meta.additional_metadata().revocation_endpoint.clone(),
            Err(e) => {
                tracing::warn!(provider = id, "tokens not revoked: discovery failed: {e}");
                return;
            }
        }
    } else {
        state.marketplace(id).and_then(|m| m.revoke_url.clone())
    };
    let Some(endpoint) = endpoint else {
        tracing::info!(provider = id, "the provider has no revocation endpoint");
        return;
    };
    let tokens = refresh
        .map(|t| (t, "refresh_token"))
        .into_iter()
        .chain(access.map(|t| (t, "access_token")));
    for (token, hint) in tokens {
        match revoke_at(&state.http, &endpoint, &remote, &token, hint).await {
            Ok(()) => tracing::info!(provider = id, hint, "a token was revoked at the provider"),
            Err(e) => tracing::warn!(provider = id, hint, "a token could not be revoked: {e}"),
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
    remote: &Remote,
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
            encode(&remote.client_id),
            Some(encode(&remote.client_secret)),
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
