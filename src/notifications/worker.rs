//! The delivery worker: takes due deliveries, groups them into messages (digests gather),
//! sends each on its target's channel and records the outcome, with retries and backoff.
//!
//! Delivery guarantees: a delivery row is unique per (notification, channel, target), so a
//! notification is queued once. A worker claims due rows with a lease (`LEASE`), commits,
//! sends them outside any transaction (at most `SENDING` messages at once, and at most
//! `PER_TARGET` of one account's endpoint per round, so a slow or dead endpoint delays
//! nobody else), and records each message's outcome as it comes, clearing the lease. If the
//! process dies mid-send, the lease lapses and another worker sends the row again: nothing is
//! lost. The only repeat possible is a message the receiver accepted in the instant before
//! the crash; it carries the same `Message-ID` / `Scout-Delivery` id, so a receiver can
//! recognise it. A target that keeps failing is paused (see `repo::record_health`).

use super::{
    compose,
    email::{Letter, SendError},
    model::Target,
    push::{self, PushError},
    repo::{self, Due},
    webhook::{self, Kind},
};
use crate::{
    accounts::model::AccountId,
    error::AppError,
    listings::model::ListingId,
    listings::{cards, model::Currency, repo as listings_repo, wire::ListingCard},
    server::state::AppState,
};
use futures::StreamExt;
use std::collections::{BTreeMap, HashMap};
use time::OffsetDateTime;

/// Attempts before a delivery is given up.
pub const MAX_ATTEMPTS: i32 = 6;
/// Failures in a row before a channel is shown as failing.
pub const FAILING_AFTER: i32 = 3;
/// Due deliveries claimed per round.
const BATCH: i64 = 100;
/// How long a claim holds: longer than the slowest send (email: 60 s) with room to record it.
const LEASE_SECS: i64 = 120;
/// Messages being sent at once by one worker.
const SENDING: usize = 16;
/// Deliveries of one account's channel target (an email address, a webhook, a device) per
/// round, digests aside.
const PER_TARGET: i64 = 5;

/// How long before the next attempt after `attempts` failed ones: 1 min, 5 min, 30 min, 2 h, 6 h.
pub fn backoff(attempts: i32) -> time::Duration {
    match attempts {
        ..=1 => time::Duration::minutes(1),
        2 => time::Duration::minutes(5),
        3 => time::Duration::minutes(30),
        4 => time::Duration::hours(2),
        _ => time::Duration::hours(6),
    }
}

/// Sends a group to one device; a subscription its push service reports gone is removed.
async fn send_push(
    state: &AppState,
    device_id: i64,
    group: &[&Due],
    cards: &HashMap<ListingId, ListingCard>,
) -> Result<(), SendError> {
    let account = group[0].account_id;
    let gone = |message: &str| SendError {
        permanent: true,
        message: message.to_string(),
    };
    let device = repo::device(&state.pool, account, device_id)
        .await
        .map_err(|e| SendError {
            permanent: false,
            message: format!("the device could not be read: {e}"),
        })?
        .ok_or_else(|| gone("push was turned off on this device"))?;
    let auth = super::settings::open_push_auth(
        &state.sealer,
        account,
        &device.endpoint,
        &device.auth_sealed,
    )
    .map_err(|_| gone("the device's secret does not open with this server's key"))?;
    let bytes = compose::push_payload(state, group, cards);
    match push::send(
        &state.vapid,
        &device.endpoint,
        &device.p256dh,
        &auth,
        &bytes,
        state.config.webhook_allow_private,
    )
    .await
    {
        Ok(()) => Ok(()),
        Err(PushError::Failed(e)) => Err(e),
        Err(PushError::Gone) => {
            let _ = repo::delete_device(&state.pool, account, device_id).await;
            tracing::info!(%account, "expired push subscription removed");
            Err(gone(
                "the browser's push subscription has expired or was withdrawn; the device was removed",
            ))
        }
    }
}

/// Sends a group to a webhook endpoint; a removed endpoint is a permanent failure.
async fn send_webhook(
    state: &AppState,
    endpoint_id: i64,
    group: &[&Due],
    cards: &HashMap<ListingId, ListingCard>,
) -> Result<(), SendError> {
    let first = group[0];
    let gone = || SendError {
        permanent: true,
        message: "the webhook was removed".into(),
    };
    let row = repo::webhook(&state.pool, first.account_id, endpoint_id)
        .await
        .map_err(|e| SendError {
            permanent: false,
            message: format!("the webhook could not be read: {e}"),
        })?
        .ok_or_else(gone)?;
    let secret = match super::settings::open_webhook_secret(&state.sealer, &row) {
        Some(opened) => Some(opened.map_err(|_| SendError {
            permanent: true,
            message: "the webhook's secret does not open with this server's key".into(),
        })?),
        None => None,
    };
    let kind = Kind::from_slug(&row.kind).ok_or_else(gone)?;
    // a Discord URL is kept sealed (rows from before that hold it in `url`)
    let (url, secret) = match (kind, secret) {
        (Kind::Discord, Some(full)) => (Some(full), None),
        (_, secret) => (row.url.clone(), secret),
    };
    let endpoint = webhook::Endpoint {
        kind,
        url,
        chat_id: row.telegram_chat_id.clone(),
        secret,
    };
    let rule = group
        .iter()
        .all(|d| d.rule_name == first.rule_name)
        .then(|| first.rule_name.clone())
        .flatten();
    webhook::send(
        &endpoint,
        &format!("delivery-{}", first.delivery_id),
        rule.as_deref(),
        &compose::items(state, group, cards),
        &state.config.telegram_api,
        state.config.webhook_allow_private,
    )
    .await
}

/// Sends an email, giving the mail server a minute.
async fn send_email(state: &AppState, letter: &Letter) -> Result<(), SendError> {
    let message = letter
        .message(&state.config.mail_from)
        .map_err(|message| SendError {
            permanent: true,
            message,
        })?;
    match tokio::time::timeout(
        std::time::Duration::from_secs(60),
        state.mailer.send(message),
    )
    .await
    {
        Ok(result) => result,
        Err(_) => Err(SendError {
            permanent: false,
            message: "the mail server did not answer within 60 seconds".into(),
        }),
    }
}

/// Sends the due deliveries (one round); how many rows were handled (0: nothing due).
pub async fn deliver_step(state: &AppState) -> Result<usize, AppError> {
    let due = repo::claim_due(&state.pool, BATCH, LEASE_SECS, PER_TARGET).await?;
    if due.is_empty() {
        return Ok(0);
    }
    let (wanted, unwanted): (Vec<&Due>, Vec<&Due>) = due.iter().partition(|d| d.wanted);
    let cancelled: Vec<i64> = unwanted.iter().map(|d| d.delivery_id).collect();
    repo::mark_cancelled(&state.pool, &cancelled).await?;

    // digests: one message per account, target and kind; the rest one each
    let mut groups: BTreeMap<(AccountId, Target, &str, i64), Vec<&Due>> = BTreeMap::new();
    for d in wanted {
        let key = match d.digest {
            Some(kind) => (d.account_id, d.target, kind.as_str(), 0),
            None => (d.account_id, d.target, "", d.delivery_id),
        };
        groups.entry(key).or_default().push(d);
    }
    let mut ids: Vec<ListingId> = due.iter().filter_map(|d| d.listing_id).collect();
    ids.sort_unstable();
    ids.dedup();
    let catalog = state.catalog().await?;
    let now = OffsetDateTime::now_utc();
    // each recipient reads prices in their own currency too ("10,000 EUR (≈ 19,558 BGN)")
    let mut accounts: Vec<AccountId> = groups.keys().map(|(a, ..)| *a).collect();
    accounts.dedup();
    let currency_of: HashMap<AccountId, Currency> =
        crate::accounts::repo::display_currencies(&state.pool, &accounts)
            .await?
            .into_iter()
            .map(|(a, code)| (a, Currency::parse(&code).unwrap_or_default()))
            .collect();
    let mut currencies: Vec<Currency> = currency_of.values().copied().collect();
    currencies.push(Currency::default());
    currencies.sort_by_key(|c| c.code());
    currencies.dedup();
    let rows = listings_repo::cards_by_id(&state.pool, &ids, None).await?;
    let cards: HashMap<(ListingId, Currency), ListingCard> = rows
        .iter()
        .flat_map(|row| {
            let (catalog, media) = (&catalog, &state.media);
            currencies.iter().map(move |cur| {
                (
                    (row.listing_id, *cur),
                    cards::card(row, catalog, media, *cur, now),
                )
            })
        })
        .collect();
    let sends: Vec<_> = groups
        .into_iter()
        .map(|((account, target, ..), group)| {
            let cur = currency_of.get(&account).copied().unwrap_or_default();
            let own: HashMap<ListingId, ListingCard> = group
                .iter()
                .filter_map(|d| d.listing_id)
                .filter_map(|id| cards.get(&(id, cur)).map(|c| (id, c.clone())))
                .collect();
            send_group(state, account, target, group, own, now)
        })
        .collect();
    let outcomes: Vec<Result<usize, AppError>> = futures::stream::iter(sends)
        .buffer_unordered(SENDING)
        .collect()
        .await;
    let mut sent = 0usize;
    for outcome in outcomes {
        sent += outcome?;
    }
    if sent > 0 {
        tracing::info!(deliveries = sent, "alert deliveries sent");
    }
    Ok(due.len())
}

/// Sends one message and records how it went; how many deliveries it sent.
async fn send_group(
    state: &AppState,
    account: AccountId,
    target: Target,
    group: Vec<&Due>,
    cards: HashMap<ListingId, ListingCard>,
    now: OffsetDateTime,
) -> Result<usize, AppError> {
    let cards = &cards;
    let result = match target {
        Target::Email => {
            // a fresh unsubscribe link for this email, kept only as its hash
            let scope = compose::unsubscribe_scope(&group);
            let prepared = async {
                let per_day = crate::billing::plans::limits_for(&state.pool, account)
                    .await?
                    .per_day;
                let token = repo::new_unsubscribe_link(&state.pool, account, &scope).await?;
                Ok::<_, AppError>((per_day, token))
            };
            match prepared.await {
                Ok((per_day, token)) => {
                    send_email(
                        state,
                        &compose::letter(state, &group, cards, token, per_day),
                    )
                    .await
                }
                Err(e) => Err(SendError {
                    permanent: false,
                    message: format!("the email could not be prepared: {e}"),
                }),
            }
        }
        Target::Webhook(id) => send_webhook(state, id, &group, cards).await,
        Target::Push(id) => send_push(state, id, &group, cards).await,
    };
    record(state, account, target, &group, result, now).await
}

/// Records how one message went (and its channel's health); how many deliveries it sent.
async fn record(
    state: &AppState,
    account: AccountId,
    target: Target,
    group: &[&Due],
    result: Result<(), SendError>,
    now: OffsetDateTime,
) -> Result<usize, AppError> {
    let ids: Vec<i64> = group.iter().map(|d| d.delivery_id).collect();
    let mut tx = state.pool.begin().await?;
    let sent = match result {
        Ok(()) => {
            repo::mark_sent(&mut tx, &ids).await?;
            repo::record_health(&mut tx, account, target, None, FAILING_AFTER).await?;
            ids.len()
        }
        Err(e) => {
            let attempts = group.iter().map(|d| d.attempts).max().unwrap_or(0) + 1;
            let retry_at =
                (!e.permanent && attempts < MAX_ATTEMPTS).then(|| now + backoff(attempts));
            tracing::warn!(
                %account, channel = target.channel().as_str(), attempts,
                permanent = e.permanent, error = %e.message,
                "alert delivery failed"
            );
            repo::mark_attempt_failed(&mut tx, &ids, &e.message, retry_at).await?;
            repo::record_health(&mut tx, account, target, Some(&e.message), FAILING_AFTER).await?;
            0
        }
    };
    tx.commit().await?;
    Ok(sent)
}

/// Sends until nothing is due.
pub async fn deliver_all(state: &AppState) -> Result<(), AppError> {
    while deliver_step(state).await? > 0 {}
    Ok(())
}

/// Sends due deliveries until the process ends.
pub async fn run(state: AppState) {
    loop {
        match deliver_step(&state).await {
            Ok(0) => tokio::time::sleep(std::time::Duration::from_millis(500)).await,
            Ok(_) => {}
            Err(e) => {
                tracing::error!(error = %e, "alert delivery step failed");
                tokio::time::sleep(std::time::Duration::from_secs(5)).await;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_and_end() {
        assert_eq!(backoff(1), time::Duration::minutes(1));
        assert!(backoff(2) < backoff(3) && backoff(3) < backoff(4) && backoff(4) < backoff(5));
        assert_eq!(backoff(9), time::Duration::hours(6));
    }
}
