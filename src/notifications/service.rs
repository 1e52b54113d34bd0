//! Settings for their owners, queueing deliveries as notifications are recorded, and the
//! worker that sends what is due.
//!
//! Delivery guarantees: a delivery row is unique per (notification, channel, target), so a
//! notification is queued once. A worker takes due rows with `for update skip locked` and
//! keeps them locked while it sends, then records the outcome in the same transaction. If
//! the process dies mid-send, the transaction dies with it and another worker sends the row
//! again: nothing is lost. The only repeat possible is a message the receiver accepted in
//! the instant before the crash; it carries the same `Message-ID` (per delivery), so a
//! receiver can recognise it.

use super::{
    email::{Item, Letter, SendError},
    model::{
        Channel, ChannelTrouble, DeviceView, NotificationSettings, Rhythm, SettingsView,
        WebhookView,
    },
    push::{self, PushError},
    repo::{self, Due, NewDelivery, Unsubscribe},
    schedule::{self, Timing},
    webhook::{self, Kind},
};
use crate::{
    error::AppError,
    listings::{repo as listings_repo, service as listings},
    plans::Limits,
    server::state::AppState,
};
use sqlx::{Postgres, Transaction};
use std::collections::{BTreeMap, HashMap};
use time::OffsetDateTime;
use uuid::Uuid;

/// Attempts before a delivery is given up.
pub const MAX_ATTEMPTS: i32 = 6;
/// Failures in a row before a channel is shown as failing.
pub const FAILING_AFTER: i32 = 3;
/// Due deliveries taken per transaction.
const BATCH: i64 = 100;

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

pub fn known_zone(name: &str) -> bool {
    jiff::tz::TimeZone::get(name).is_ok()
}

/// Every zone a person may choose, sorted (read from the bundled database once).
pub fn zone_names() -> &'static [String] {
    static NAMES: std::sync::LazyLock<Vec<String>> = std::sync::LazyLock::new(|| {
        let mut names: Vec<String> = jiff::tz::db()
            .available()
            .map(|n| n.to_string())
            .filter(|n| n.contains('/') || n == "UTC")
            .collect();
        names.sort();
        names
    });
    &NAMES
}

fn trouble_words(
    t: &repo::Trouble,
    address: &str,
    hooks: &[repo::WebhookRow],
    now: OffsetDateTime,
) -> ChannelTrouble {
    let what = match t.channel.as_str() {
        "email" => format!("Email to {address}"),
        "push" => "A device's push notifications".to_string(),
        "webhook" => hooks
            .iter()
            .find(|w| format!("webhook:{}", w.endpoint_id) == t.target)
            .map_or_else(
                || "A webhook".to_string(),
                |w| format!("Webhook “{}”", w.name),
            ),
        other => format!("{other} {}", t.target),
    };
    ChannelTrouble {
        what,
        since: crate::format::ago(t.failing_since, now),
        error: t.last_error.clone(),
    }
}

/// The account's channels that keep failing, in words.
pub async fn trouble(state: &AppState, account: Uuid) -> Result<Vec<ChannelTrouble>, AppError> {
    let (settings, sign_in, _) = repo::settings(&state.pool, account)
        .await?
        .ok_or(AppError::NotFound)?;
    let address = settings.alert_email.unwrap_or(sign_in);
    let hooks = repo::webhooks(&state.pool, account).await?;
    trouble_with(state, account, &address, &hooks).await
}

/// `trouble` for a caller that has already read the address and the webhooks.
async fn trouble_with(
    state: &AppState,
    account: Uuid,
    address: &str,
    hooks: &[repo::WebhookRow],
) -> Result<Vec<ChannelTrouble>, AppError> {
    let now = OffsetDateTime::now_utc();
    Ok(repo::trouble(&state.pool, account)
        .await?
        .iter()
        .map(|t| trouble_words(t, address, hooks, now))
        .collect())
}

pub async fn settings_view(state: &AppState, account: Uuid) -> Result<SettingsView, AppError> {
    let (settings, sign_in_email, pending) = repo::settings(&state.pool, account)
        .await?
        .ok_or(AppError::NotFound)?;
    let now = OffsetDateTime::now_utc();
    let hooks = repo::webhooks(&state.pool, account).await?;
    let address = settings.alert_email.as_deref().unwrap_or(&sign_in_email);
    let trouble = trouble_with(state, account, address, &hooks).await?;
    let webhooks = hooks.iter().map(|w| webhook_view(state, w, now)).collect();
    let devices = repo::devices(&state.pool, account)
        .await?
        .iter()
        .map(|d| DeviceView {
            id: d.subscription_id,
            name: d.name.clone(),
            added: crate::format::ago(d.created_at, now),
        })
        .collect();
    Ok(SettingsView {
        settings,
        webhooks,
        devices,
        push_key: state.vapid.public_key.clone(),
        sign_in_email,
        pending_email: pending.map(|p| p.email),
        trouble,
        zones: zone_names().to_vec(),
    })
}

fn webhook_view(state: &AppState, w: &repo::WebhookRow, now: OffsetDateTime) -> WebhookView {
    let kind = Kind::from_slug(&w.kind);
    let target = match (&w.url, &w.telegram_chat_id) {
        (Some(url), _) => reqwest::Url::parse(url).map_or_else(
            |_| url.clone(),
            // Discord's path holds the webhook's key: show the host only
            |u| match kind {
                Some(Kind::Discord) => u.host_str().unwrap_or_default().to_string(),
                _ => format!("{}{}", u.host_str().unwrap_or_default(), u.path()),
            },
        ),
        (None, Some(chat)) => format!("chat {chat}"),
        _ => String::new(),
    };
    WebhookView {
        id: w.endpoint_id,
        name: w.name.clone(),
        kind: match kind {
            Some(Kind::Json) => "JSON (signed)",
            Some(Kind::Discord) => "Discord",
            Some(Kind::Telegram) => "Telegram",
            None => "Unknown",
        }
        .to_string(),
        target,
        added: crate::format::ago(w.created_at, now),
        signing_secret: match kind {
            Some(Kind::Json) => w
                .secret_sealed
                .as_deref()
                .and_then(|s| state.sealer.open_string(s).ok()),
            _ => None,
        },
    }
}

/// A new endpoint from the Settings form.
pub async fn add_webhook(
    state: &AppState,
    account: Uuid,
    kind: &str,
    name: &str,
    url: &str,
    bot_token: &str,
    chat_id: &str,
) -> Result<i64, AppError> {
    use crate::error::FieldErrors;
    let mut errors = FieldErrors::new();
    let allow_private = state.config.webhook_allow_private;
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 60 {
        errors.insert(
            "webhook_name".into(),
            "Give the webhook a name of up to 60 characters.".into(),
        );
    }
    let kind = Kind::from_slug(kind);
    let (url, chat, secret) = match kind {
        None => {
            errors.insert(
                "webhook_kind".into(),
                "Choose JSON, Discord or Telegram.".into(),
            );
            (None, None, None)
        }
        Some(Kind::Json | Kind::Discord) => {
            let checked = webhook::check_url(url, allow_private).and_then(|u| {
                let discord_host = matches!(u.host_str(), Some("discord.com" | "discordapp.com"));
                if kind == Some(Kind::Discord) && !discord_host && !allow_private {
                    Err("Paste the webhook URL Discord shows (https://discord.com/api/webhooks/...).".into())
                } else {
                    Ok(u)
                }
            });
            match checked {
                Ok(u) => {
                    let secret = (kind == Some(Kind::Json)).then(|| {
                        use rand::RngCore;
                        let mut bytes = [0u8; 24];
                        rand::rngs::OsRng.fill_bytes(&mut bytes);
                        format!("whsec_{}", hex::encode(bytes))
                    });
                    (Some(u.to_string()), None, secret)
                }
                Err(m) => {
                    errors.insert("webhook_url".into(), m);
                    (None, None, None)
                }
            }
        }
        Some(Kind::Telegram) => {
            let token = bot_token.trim();
            let token_ok = token.split_once(':').is_some_and(|(id, key)| {
                !id.is_empty()
                    && id.chars().all(|c| c.is_ascii_digit())
                    && key.len() >= 20
                    && key
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
            });
            if !token_ok {
                errors.insert(
                    "bot_token".into(),
                    "Paste the token BotFather gave your bot, like 123456789:AAH...".into(),
                );
            }
            let chat = chat_id.trim();
            let chat_ok = (chat
                .strip_prefix('-')
                .unwrap_or(chat)
                .chars()
                .all(|c| c.is_ascii_digit())
                && !chat.trim_start_matches('-').is_empty())
                || (chat.starts_with('@') && chat.len() > 5 && chat.len() <= 33);
            if !chat_ok {
                errors.insert(
                    "chat_id".into(),
                    "Enter the chat id (a number such as -1001234567890) or @channelname.".into(),
                );
            }
            (None, Some(chat.to_string()), Some(token.to_string()))
        }
    };
    if !errors.is_empty() {
        return Err(AppError::invalid(errors));
    }
    let kind_slug = match kind {
        Some(Kind::Json) => "json",
        Some(Kind::Discord) => "discord",
        _ => "telegram",
    };
    let new = repo::NewWebhook {
        kind: kind_slug,
        name,
        url: url.as_deref(),
        chat_id: chat.as_deref(),
        secret_sealed: secret.map(|s| state.sealer.seal(s.as_bytes())),
    };
    let most = crate::plans::limits_for(account).webhooks;
    repo::insert_webhook(&state.pool, account, &new, most)
        .await?
        .ok_or_else(|| AppError::PlanLimit {
            message: format!(
                "You have {most} webhooks, the most an account may have. Remove one first."
            ),
        })
}

pub async fn remove_webhook(state: &AppState, account: Uuid, id: i64) -> Result<(), AppError> {
    if repo::delete_webhook(&state.pool, account, id).await? {
        Ok(())
    } else {
        Err(AppError::NotFound)
    }
}

/// Turns push on for the browser that subscribed (`endpoint` and keys as the browser's
/// `PushSubscription.toJSON()` gives them).
pub async fn add_device(
    state: &AppState,
    account: Uuid,
    endpoint: &str,
    p256dh: &str,
    auth: &str,
    name: &str,
) -> Result<i64, AppError> {
    let name = name.trim();
    let name = if name.is_empty() {
        "This browser"
    } else {
        name
    };
    if name.chars().count() > 60 {
        return Err(AppError::invalid_field(
            "device_name",
            "Name the device in up to 60 characters.",
        ));
    }
    push::check_subscription(endpoint, p256dh, auth, state.config.webhook_allow_private)
        .map_err(|m| AppError::invalid_field("device_name", m))?;
    let sealed = state.sealer.seal(auth.trim().as_bytes());
    let most = crate::plans::limits_for(account).push_devices;
    repo::upsert_device(
        &state.pool,
        account,
        endpoint.trim(),
        p256dh.trim(),
        &sealed,
        name,
        most,
    )
    .await?
    .ok_or_else(|| AppError::PlanLimit {
        message: format!(
            "You have push notifications on {most} devices, the most an account may have. Remove one first."
        ),
    })
}

pub async fn remove_device(state: &AppState, account: Uuid, id: i64) -> Result<(), AppError> {
    if repo::delete_device(&state.pool, account, id).await? {
        Ok(())
    } else {
        Err(AppError::NotFound)
    }
}

/// Sends a group to one device; a subscription its push service reports gone is removed.
async fn send_push(
    state: &AppState,
    group: &[&Due],
    cards: &HashMap<i64, crate::listings::api::ListingCard>,
) -> Result<(), SendError> {
    let first = group[0];
    let gone = |message: &str| SendError {
        permanent: true,
        message: message.to_string(),
    };
    let id: i64 = first
        .target
        .strip_prefix("push:")
        .and_then(|id| id.parse().ok())
        .ok_or_else(|| gone("push was turned off on this device"))?;
    let device = repo::device(&state.pool, first.account_id, id)
        .await
        .map_err(|e| SendError {
            permanent: false,
            message: format!("the device could not be read: {e}"),
        })?
        .ok_or_else(|| gone("push was turned off on this device"))?;
    let auth = state
        .sealer
        .open_string(&device.auth_sealed)
        .map_err(|_| gone("the device's secret does not open with this server's key"))?;
    let items = items_for(state, group, cards);
    let origin = state.config.public_url.origin();
    let payload = match items.as_slice() {
        [one] => serde_json::json!({
            "title": one.title,
            "body": format!("{} · {}", one.reason, one.price),
            "url": one.url,
            "icon": one.photo,
            "tag": format!("listing-{}", first.listing_id),
        }),
        many => serde_json::json!({
            "title": format!("{} listings matched your alerts", many.len()),
            "body": many.iter().map(|i| i.title.as_str()).collect::<Vec<_>>().join("\n"),
            "url": format!("{origin}/inbox"),
            "tag": "digest",
        }),
    };
    let bytes = serde_json::to_vec(&payload).unwrap_or_default();
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
            let _ = repo::delete_device(&state.pool, first.account_id, id).await;
            tracing::info!(account = %first.account_id, "expired push subscription removed");
            Err(gone(
                "the browser's push subscription has expired or was withdrawn; the device was removed",
            ))
        }
    }
}

/// The settings new rules start from.
pub async fn defaults(state: &AppState, account: Uuid) -> Result<NotificationSettings, AppError> {
    Ok(repo::settings(&state.pool, account)
        .await?
        .map(|(s, _, _)| s)
        .unwrap_or_default())
}

/// How long a link to confirm a new alert address works.
pub const CONFIRM_FOR: time::Duration = time::Duration::days(3);
/// A save that asks for the same new address again resends its link only this long after.
const RESEND_AFTER: time::Duration = time::Duration::minutes(5);

/// Saves the settings; what to tell the person. A new alert address is not used until its
/// owner opens the link Scout sends to it: until then alerts keep going where they went.
pub async fn save_settings(
    state: &AppState,
    account: Uuid,
    settings: NotificationSettings,
) -> Result<String, AppError> {
    let mut settings = settings.checked(known_zone).map_err(AppError::invalid)?;
    let (current, sign_in, pending) = repo::settings(&state.pool, account)
        .await?
        .ok_or(AppError::NotFound)?;
    // the sign-in address needs no link; it is what an empty field means
    let wanted = settings
        .alert_email
        .take()
        .filter(|a| !a.eq_ignore_ascii_case(&sign_in));
    let confirmed = match &wanted {
        None => None,
        Some(a) if current.alert_email.as_deref() == Some(a.as_str()) => Some(a.clone()),
        Some(_) => current.alert_email.clone(),
    };
    settings.alert_email = confirmed.clone();
    repo::save_settings(&state.pool, account, &settings).await?;
    let Some(new) = wanted.filter(|a| Some(a) != confirmed.as_ref()) else {
        repo::clear_pending_email(&state.pool, account).await?;
        return Ok("Settings saved.".into());
    };
    let now = OffsetDateTime::now_utc();
    let current = confirmed.unwrap_or(sign_in);
    let resend = pending.is_none_or(|p| p.email != new || now - p.sent_at >= RESEND_AFTER);
    if resend {
        send_confirmation(state, account, &new).await?;
    }
    Ok(format!(
        "Settings saved. We sent a link to {new}: alert email goes there once you open it, and to {current} until then."
    ))
}

/// The token in a confirmation link, as stored.
fn token_hash(token: &str) -> Vec<u8> {
    use sha2::Digest;
    sha2::Sha256::digest(token.trim().as_bytes()).to_vec()
}

/// Records `address` as waiting and sends it the link that confirms it.
async fn send_confirmation(state: &AppState, account: Uuid, address: &str) -> Result<(), AppError> {
    use base64::Engine;
    use rand::RngCore;
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let token = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    let link = format!("{}/confirm-email/{token}", state.config.public_url.origin());
    let message = super::email::confirmation(address, &link, &state.config.mail_from)
        .map_err(|e| AppError::invalid_field("alert_email", e))?;
    repo::set_pending_email(&state.pool, account, address, &token_hash(&token)).await?;
    if let Err(e) = state.mailer.send(message).await {
        repo::clear_pending_email(&state.pool, account).await?;
        tracing::warn!(error = %e.message, "alert address confirmation not sent");
        return Err(AppError::invalid_field(
            "alert_email",
            format!(
                "We could not send the confirmation link to {address} ({}). Your other settings were saved; check the address and save again.",
                e.message
            ),
        ));
    }
    Ok(())
}

/// The address a confirmation link is for, while the link works.
pub async fn email_to_confirm(state: &AppState, token: &str) -> Result<String, AppError> {
    let since = OffsetDateTime::now_utc() - CONFIRM_FOR;
    repo::pending_for_token(&state.pool, &token_hash(token), since)
        .await?
        .ok_or(AppError::NotFound)
}

/// Makes the address a link is for the alert address (no sign-in: the token, which only
/// that mailbox received, is the permission); the address.
pub async fn confirm_email(state: &AppState, token: &str) -> Result<String, AppError> {
    let since = OffsetDateTime::now_utc() - CONFIRM_FOR;
    repo::confirm_pending_email(&state.pool, &token_hash(token), since)
        .await?
        .ok_or(AppError::NotFound)
}

/// What the unsubscribe link names, for its confirmation page.
pub async fn unsubscribe_what(state: &AppState, token: &str) -> Result<String, AppError> {
    let token = Uuid::parse_str(token.trim()).map_err(|_| AppError::NotFound)?;
    let (_, what) = repo::unsubscribe_target(&state.pool, token)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(describe(&what))
}

fn describe(what: &Unsubscribe) -> String {
    match what {
        Unsubscribe::Rule { name, .. } => format!("the alert “{name}”"),
        Unsubscribe::Favorites => "news about your favorites".into(),
        Unsubscribe::AllEmail => "all Scout alerts".into(),
    }
}

/// Stops the email a link names (no sign-in: the token is the permission); what stopped.
pub async fn unsubscribe(state: &AppState, token: &str) -> Result<String, AppError> {
    let token = Uuid::parse_str(token.trim()).map_err(|_| AppError::NotFound)?;
    let (account, what) = repo::unsubscribe_target(&state.pool, token)
        .await?
        .ok_or(AppError::NotFound)?;
    repo::unsubscribe(&state.pool, account, &what).await?;
    tracing::info!(%account, "alert email unsubscribed by link");
    Ok(describe(&what))
}

/// A person's timing and channel facts, read once per account per batch of events.
#[derive(Debug, Clone)]
pub struct Prefs {
    pub timing: Timing,
    pub favorite_email: bool,
    pub favorite_rhythm: Rhythm,
    pub limits: Limits,
}

pub async fn prefs(tx: &mut Transaction<'_, Postgres>, account: Uuid) -> Result<Prefs, AppError> {
    let settings = repo::settings(&mut **tx, account)
        .await?
        .map(|(s, _, _)| s)
        .unwrap_or_default();
    Ok(Prefs {
        timing: Timing {
            zone: Timing::zone(&settings.time_zone),
            quiet: settings.quiet,
            digest_hour: settings.digest_hour,
            digest_weekday: settings.digest_weekday,
        },
        favorite_email: repo::favorite_email(&mut **tx, account).await?,
        favorite_rhythm: settings.rhythm,
        limits: crate::plans::limits_for(account),
    })
}

/// Queues a new notification on its outside channels, in the same transaction that
/// recorded it: when each is due follows the rhythm, the plan's delay, quiet hours and the
/// daily cap (past it, instant ones wait for the daily digest).
pub async fn queue(
    tx: &mut Transaction<'_, Postgres>,
    notification_id: i64,
    account: Uuid,
    channels: &[Channel],
    rhythm: Rhythm,
    prefs: &Prefs,
    now: OffsetDateTime,
) -> Result<(), AppError> {
    let mut targets: Vec<(Channel, String)> = Vec::new();
    if channels.contains(&Channel::Email) {
        targets.push((Channel::Email, "email".into()));
    }
    if channels.contains(&Channel::Push) {
        for d in repo::devices(&mut **tx, account).await? {
            targets.push((Channel::Push, format!("push:{}", d.subscription_id)));
        }
    }
    if channels.contains(&Channel::Webhook) {
        for w in repo::webhooks(&mut **tx, account).await? {
            targets.push((Channel::Webhook, format!("webhook:{}", w.endpoint_id)));
        }
    }
    if targets.is_empty() {
        return Ok(());
    }
    let t = schedule::from_time(now);
    let (digest, capped, due) = match rhythm {
        Rhythm::Instant => {
            let day = schedule::to_time(schedule::start_of_day(t, &prefs.timing.zone));
            let sent = repo::sent_on_their_own_since(&mut **tx, account, day).await?;
            if sent >= i64::from(prefs.limits.per_day) {
                let at = schedule::next_digest(t, Rhythm::Daily, &prefs.timing);
                (Some(Rhythm::Daily), true, at)
            } else {
                let at = schedule::due(t, rhythm, &prefs.timing, prefs.limits.delay_minutes);
                (None, false, at)
            }
        }
        Rhythm::Daily | Rhythm::Weekly => (
            Some(rhythm),
            false,
            schedule::next_digest(t, rhythm, &prefs.timing),
        ),
    };
    for (channel, target) in &targets {
        let delivery = NewDelivery {
            notification_id,
            account,
            channel: *channel,
            target,
            digest,
            capped,
            due_at: schedule::to_time(due),
        };
        repo::insert_delivery(tx, &delivery).await?;
    }
    Ok(())
}

/// Absolute URLs from what may be a path.
fn absolute(origin: &str, url: &str) -> String {
    if url.starts_with('/') {
        format!("{origin}{url}")
    } else {
        url.to_string()
    }
}

/// One message's worth of due deliveries: a single notification, or a digest.
fn items_for(
    state: &AppState,
    group: &[&Due],
    cards: &HashMap<i64, crate::listings::api::ListingCard>,
) -> Vec<Item> {
    let origin = state.config.public_url.origin();
    group
        .iter()
        .map(|d| {
            let card = cards.get(&d.listing_id);
            Item {
                title: d.title.clone(),
                reason: d.reason.clone(),
                price: card.map_or_else(String::new, |c| c.price.format()),
                url: format!("{origin}/listings/{}", d.listing_id),
                photo: card
                    .and_then(|c| c.cover.as_ref())
                    .map(|p| absolute(&origin, p.src_for(480))),
            }
        })
        .collect()
}

/// Sends a group to a webhook endpoint; a removed endpoint is a permanent failure.
async fn send_webhook(
    state: &AppState,
    group: &[&Due],
    cards: &HashMap<i64, crate::listings::api::ListingCard>,
) -> Result<(), SendError> {
    let first = group[0];
    let gone = || SendError {
        permanent: true,
        message: "the webhook was removed".into(),
    };
    let id: i64 = first
        .target
        .strip_prefix("webhook:")
        .and_then(|id| id.parse().ok())
        .ok_or_else(gone)?;
    let row = repo::webhook(&state.pool, first.account_id, id)
        .await
        .map_err(|e| SendError {
            permanent: false,
            message: format!("the webhook could not be read: {e}"),
        })?
        .ok_or_else(gone)?;
    let secret = match &row.secret_sealed {
        Some(sealed) => Some(state.sealer.open_string(sealed).map_err(|_| SendError {
            permanent: true,
            message: "the webhook's secret does not open with this server's key".into(),
        })?),
        None => None,
    };
    let endpoint = webhook::Endpoint {
        kind: Kind::from_slug(&row.kind).ok_or_else(gone)?,
        url: row.url.clone(),
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
        &items_for(state, group, cards),
        &state.config.telegram_api,
        state.config.webhook_allow_private,
    )
    .await
}

fn letter_for(
    state: &AppState,
    group: &[&Due],
    cards: &HashMap<i64, crate::listings::api::ListingCard>,
) -> Letter {
    let origin = state.config.public_url.origin();
    let first = group[0];
    let items = items_for(state, group, cards);
    let digest = first.digest.as_deref();
    let capped = group.iter().filter(|d| d.capped).count();
    let limits = crate::plans::limits_for(first.account_id);
    let (subject, mut intro) = match digest {
        None => (first.title.clone(), None),
        Some(kind) => {
            let n = group.len();
            let word = if kind == "weekly" { "weekly" } else { "daily" };
            (
                format!(
                    "Your {word} Scout digest: {n} listing{}",
                    if n == 1 { "" } else { "s" }
                ),
                Some(format!(
                    "{n} listing{} matched your alerts.",
                    if n == 1 { "" } else { "s" }
                )),
            )
        }
    };
    if capped > 0 {
        intro = Some(format!(
            "{} {capped} of them arrived after you reached today's limit of {} instant alerts, so they waited for this digest.",
            intro.unwrap_or_default(),
            limits.per_day
        ).trim().to_string());
    }
    let single_rule = group
        .iter()
        .all(|d| d.unsubscribe_token == first.unsubscribe_token);
    let (token, what) = if single_rule && digest.is_none() {
        (
            first.unsubscribe_token,
            first.rule_name.as_ref().map_or_else(
                || "news about your favorites".to_string(),
                |n| format!("the alert “{n}”"),
            ),
        )
    } else {
        (
            first.email_unsubscribe_token,
            "all Scout alerts".to_string(),
        )
    };
    Letter {
        to: first.address.clone(),
        subject,
        intro,
        items,
        unsubscribe_post: format!("{origin}/api/unsubscribe/{token}"),
        unsubscribe_page: format!("{origin}/unsubscribe/{token}"),
        unsubscribe_what: what,
        settings_url: format!("{origin}/settings"),
        message_id: format!(
            "<delivery-{}@{}>",
            first.delivery_id,
            state
                .config
                .public_url
                .authority
                .split(':')
                .next()
                .unwrap_or("scout")
        ),
    }
}

async fn send(state: &AppState, letter: &Letter) -> Result<(), SendError> {
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

/// Sends the due deliveries (one batch); how many rows were handled (0: nothing due).
pub async fn deliver_step(state: &AppState) -> Result<usize, AppError> {
    let mut tx = state.pool.begin().await?;
    let due = repo::claim_due(&mut tx, BATCH).await?;
    if due.is_empty() {
        return Ok(0);
    }
    let (wanted, unwanted): (Vec<&Due>, Vec<&Due>) = due.iter().partition(|d| d.wanted);
    let cancelled: Vec<i64> = unwanted.iter().map(|d| d.delivery_id).collect();
    repo::mark_cancelled(&mut tx, &cancelled).await?;

    // digests: one message per account, channel, target and kind; the rest one each
    let mut groups: BTreeMap<(Uuid, String, String, String, i64), Vec<&Due>> = BTreeMap::new();
    for d in wanted {
        let key = match &d.digest {
            Some(kind) => (
                d.account_id,
                d.channel.clone(),
                d.target.clone(),
                kind.clone(),
                0,
            ),
            None => (
                d.account_id,
                d.channel.clone(),
                d.target.clone(),
                String::new(),
                d.delivery_id,
            ),
        };
        groups.entry(key).or_default().push(d);
    }
    let mut ids: Vec<i64> = due.iter().map(|d| d.listing_id).collect();
    ids.sort_unstable();
    ids.dedup();
    let catalog = state.catalog().await?;
    let now = OffsetDateTime::now_utc();
    let cards: HashMap<i64, crate::listings::api::ListingCard> =
        listings_repo::cards_by_id(&state.pool, &ids, None)
            .await?
            .iter()
            .map(|row| {
                let cur = listings::currency(&row.currency);
                (
                    row.listing_id,
                    listings::card(row, &catalog, &state.media, cur, now),
                )
            })
            .collect();
    let mut sent = 0usize;
    for ((account, channel, target, ..), group) in &groups {
        let ids: Vec<i64> = group.iter().map(|d| d.delivery_id).collect();
        let result = match channel.as_str() {
            "email" => send(state, &letter_for(state, group, &cards)).await,
            "webhook" => send_webhook(state, group, &cards).await,
            "push" => send_push(state, group, &cards).await,
            other => Err(SendError {
                permanent: true,
                message: format!("{other} delivery is not available yet"),
            }),
        };
        match result {
            Ok(()) => {
                repo::mark_sent(&mut tx, &ids).await?;
                repo::record_health(&mut tx, *account, channel, target, None, FAILING_AFTER)
                    .await?;
                sent += ids.len();
            }
            Err(e) => {
                let attempts = group.iter().map(|d| d.attempts).max().unwrap_or(0) + 1;
                let retry_at =
                    (!e.permanent && attempts < MAX_ATTEMPTS).then(|| now + backoff(attempts));
                tracing::warn!(
                    %account, channel, attempts, permanent = e.permanent, error = %e.message,
                    "alert delivery failed"
                );
                repo::mark_attempt_failed(&mut tx, &ids, &e.message, retry_at).await?;
                repo::record_health(
                    &mut tx,
                    *account,
                    channel,
                    target,
                    Some(&e.message),
                    FAILING_AFTER,
                )
                .await?;
            }
        }
    }
    tx.commit().await?;
    if sent > 0 {
        tracing::info!(deliveries = sent, "alert deliveries sent");
    }
    Ok(due.len())
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
        assert!(known_zone("Europe/Sofia") && !known_zone("Europe/Atlantis"));
        let zones = zone_names();
        assert!(zones.iter().any(|z| z == "America/New_York"));
        assert!(zones.windows(2).all(|w| w[0] < w[1]));
    }
}
