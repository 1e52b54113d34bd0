//! Where and when a person's notifications go, as they manage it on the Settings page:
//! channels, rhythm and quiet hours, the alert address (confirmed by a link), webhooks and
//! push devices, channels that keep failing, and the unsubscribe links in every email.

use super::{
    model::{ChannelTrouble, DeviceView, NotificationSettings, SettingsView, Target, WebhookView},
    push,
    repo::{self, Unsubscribe},
    webhook::{self, Kind},
};
use crate::accounts::model::AccountId;
use crate::billing::plans::{self, Quota};
use crate::server::secrets::{Binding, Sealer, token_sha256};
use crate::{error::AppError, server::state::AppState};
use time::OffsetDateTime;
use uuid::Uuid;

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
    let what = match t.target {
        Target::Email => format!("Email to {address}"),
        Target::Push(_) => "A device's push notifications".to_string(),
        Target::Webhook(id) => hooks.iter().find(|w| w.endpoint_id == id).map_or_else(
            || "A webhook".to_string(),
            |w| format!("Webhook “{}”", w.name),
        ),
    };
    ChannelTrouble {
        what,
        since: crate::format::ago(t.failing_since, now),
        error: t.last_error.clone(),
    }
}

/// The account's channels that keep failing, in words.
pub async fn trouble(
    state: &AppState,
    account: AccountId,
) -> Result<Vec<ChannelTrouble>, AppError> {
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
    account: AccountId,
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

pub async fn settings_view(state: &AppState, account: AccountId) -> Result<SettingsView, AppError> {
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

/// Seals a webhook's secret (signing secret, bot token, Discord URL) bound to its account,
/// kind and the target kept in the clear.
pub fn seal_webhook_secret(
    sealer: &Sealer,
    account: AccountId,
    kind: &str,
    url: Option<&str>,
    chat: Option<&str>,
    secret: &str,
) -> Vec<u8> {
    let (owner, key) = webhook_binding(account, kind, url, chat);
    sealer.seal_bound(
        secret.as_bytes(),
        &Binding {
            place: WEBHOOK_SECRET,
            owner: &owner,
            key: &key,
        },
    )
}

/// A webhook's secret, when it has one and it opens in this row.
pub fn open_webhook_secret(
    sealer: &Sealer,
    w: &repo::WebhookRow,
) -> Option<anyhow::Result<String>> {
    let sealed = w.secret_sealed.as_deref()?;
    let (owner, key) = webhook_binding(
        w.account_id,
        &w.kind,
        w.url.as_deref(),
        w.telegram_chat_id.as_deref(),
    );
    Some(sealer.open_bound_string(
        sealed,
        &Binding {
            place: WEBHOOK_SECRET,
            owner: &owner,
            key: &key,
        },
    ))
}

const WEBHOOK_SECRET: &str = "webhook_endpoint.secret_sealed";
const PUSH_AUTH: &str = "push_subscription.auth_sealed";

fn webhook_binding(
    account: AccountId,
    kind: &str,
    url: Option<&str>,
    chat: Option<&str>,
) -> (String, String) {
    (
        account.0.to_string(),
        format!(
            "{kind}\n{}\n{}",
            url.unwrap_or_default(),
            chat.unwrap_or_default()
        ),
    )
}

/// Seals a push subscription's `auth` bound to its account and endpoint.
pub fn seal_push_auth(sealer: &Sealer, account: AccountId, endpoint: &str, auth: &str) -> Vec<u8> {
    let owner = account.0.to_string();
    sealer.seal_bound(
        auth.as_bytes(),
        &Binding {
            place: PUSH_AUTH,
            owner: &owner,
            key: endpoint,
        },
    )
}

/// A push subscription's `auth`, if it opens in this row.
pub fn open_push_auth(
    sealer: &Sealer,
    account: AccountId,
    endpoint: &str,
    sealed: &[u8],
) -> anyhow::Result<String> {
    let owner = account.0.to_string();
    sealer.open_bound_string(
        sealed,
        &Binding {
            place: PUSH_AUTH,
            owner: &owner,
            key: endpoint,
        },
    )
}

/// Seals again, bound to their rows, the secrets sealed before secrets were bound, and seals
/// the URLs of Discord webhooks added before those were sealed: run at start-up, before
/// requests are taken. How many rows changed; a secret that doesn't open with this key is
/// left as it is (and logged: sends to it fail saying so).
pub async fn bind_old_secrets(state: &AppState) -> anyhow::Result<usize> {
    let sealer = &state.sealer;
    let mut changed = 0;
    for w in repo::webhooks_to_reseal(&state.pool).await? {
        let (url, secret) = match (&w.secret_sealed, w.kind.as_str()) {
            (Some(old), _) => match sealer.open_string(old) {
                Ok(secret) => (w.url.clone(), secret),
                Err(e) => {
                    tracing::warn!(endpoint = w.endpoint_id, "an old webhook secret: {e}");
                    continue;
                }
            },
            // a Discord URL in the clear: sealed, with only scheme and host left in `url`
            (None, _) => {
                let Some(full) = w.url.clone() else { continue };
                let Ok(parsed) = reqwest::Url::parse(&full) else {
                    continue;
                };
                (
                    Some(format!("{}://{}/", parsed.scheme(), parsed.authority())),
                    full,
                )
            }
        };
        let sealed = seal_webhook_secret(
            sealer,
            w.account_id,
            &w.kind,
            url.as_deref(),
            w.telegram_chat_id.as_deref(),
            &secret,
        );
        if repo::reseal_webhook(
            &state.pool,
            w.endpoint_id,
            w.secret_sealed.as_deref(),
            url.as_deref(),
            &sealed,
        )
        .await?
        {
            changed += 1;
        }
    }
    for (id, account, endpoint, old) in repo::devices_to_reseal(&state.pool).await? {
        let auth = match sealer.open_string(&old) {
            Ok(auth) => auth,
            Err(e) => {
                tracing::warn!(device = id, "an old push secret: {e}");
                continue;
            }
        };
        let sealed = seal_push_auth(sealer, account, &endpoint, &auth);
        if repo::reseal_device(&state.pool, id, &old, &sealed).await? {
            changed += 1;
        }
    }
    Ok(changed)
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
            Some(Kind::Json) => open_webhook_secret(&state.sealer, w).and_then(Result::ok),
            _ => None,
        },
    }
}

/// A new endpoint from the Settings form.
pub async fn add_webhook(
    state: &AppState,
    account: AccountId,
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
                // Discord's URL is its key: sealed like the other secrets, and only where it
                // points (scheme and host) kept in the clear
                Ok(u) if kind == Some(Kind::Discord) => (
                    Some(format!("{}://{}/", u.scheme(), u.authority())),
                    None,
                    Some(u.to_string()),
                ),
                Ok(u) => {
                    use rand::RngCore;
                    let mut bytes = [0u8; 24];
                    rand::rngs::OsRng.fill_bytes(&mut bytes);
                    let secret = format!("whsec_{}", hex::encode(bytes));
                    (Some(u.to_string()), None, Some(secret))
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
        secret_sealed: secret.map(|s| {
            seal_webhook_secret(
                &state.sealer,
                account,
                kind_slug,
                url.as_deref(),
                chat.as_deref(),
                &s,
            )
        }),
    };
    let most = plans::limits_for(&state.pool, account).await?.webhooks;
    match repo::insert_webhook(&state.pool, account, &new, most).await? {
        Some(id) => Ok(id),
        None => Err(plans::refusal(&state.pool, account, Quota::Webhooks, most).await?),
    }
}

pub async fn remove_webhook(state: &AppState, account: AccountId, id: i64) -> Result<(), AppError> {
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
    account: AccountId,
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
    let sealed = seal_push_auth(&state.sealer, account, endpoint.trim(), auth.trim());
    let most = plans::limits_for(&state.pool, account).await?.push_devices;
    match repo::upsert_device(
        &state.pool,
        account,
        endpoint.trim(),
        p256dh.trim(),
        &sealed,
        name,
        most,
    )
    .await?
    {
        repo::DeviceAdded::Yes(id) => Ok(id),
        repo::DeviceAdded::AtLimit => {
            Err(plans::refusal(&state.pool, account, Quota::PushDevices, most).await?)
        }
        // it stays with the account that has it, which this one can't see or change
        repo::DeviceAdded::HeldByAnother => Err(AppError::Conflict {
            message: "This browser already gets Scout notifications for another account. Turn them off there first, or reset this site's notification permission in the browser, then try again.".into(),
        }),
    }
}

pub async fn remove_device(state: &AppState, account: AccountId, id: i64) -> Result<(), AppError> {
    if repo::delete_device(&state.pool, account, id).await? {
        Ok(())
    } else {
        Err(AppError::NotFound)
    }
}

/// The settings new rules start from.
pub async fn defaults(
    state: &AppState,
    account: AccountId,
) -> Result<NotificationSettings, AppError> {
    Ok(repo::settings(&state.pool, account)
        .await?
        .map(|(s, _, _)| s)
        .unwrap_or_default())
}

/// How long a link to confirm a new alert address works.
pub const CONFIRM_FOR: time::Duration = time::Duration::days(3);
/// A save that asks for the same new address again resends its link only this long after,
/// and an account gets at most one link (to any address) this often.
const RESEND_AFTER: time::Duration = time::Duration::minutes(5);
/// Confirmation links one address gets in 24 hours, from all accounts together.
const LINKS_PER_ADDRESS_A_DAY: i64 = 3;

/// Saves the settings; what to tell the person. A new alert address is not used until its
/// owner opens the link Scout sends to it: until then alerts keep going where they went.
pub async fn save_settings(
    state: &AppState,
    account: AccountId,
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

/// Records `address` as waiting and sends it the link that confirms it.
async fn send_confirmation(
    state: &AppState,
    account: AccountId,
    address: &str,
) -> Result<(), AppError> {
    let token = crate::server::secrets::random_token();
    let link = format!("{}/confirm-email/{token}", state.config.public_url.origin());
    let message = super::email::confirmation(address, &link, &state.config.mail_from)
        .map_err(|e| AppError::invalid_field("alert_email", e))?;
    let slot = repo::reserve_confirmation_mail(
        &state.pool,
        account,
        address,
        RESEND_AFTER.whole_seconds(),
        LINKS_PER_ADDRESS_A_DAY,
    )
    .await?;
    let reserved = match slot {
        repo::MailSlot::Reserved(id) => id,
        repo::MailSlot::AccountWait { secs } => {
            return Err(AppError::invalid_field(
                "alert_email",
                format!(
                    "We sent you a confirmation link a moment ago, and send at most one every 5 minutes. Your other settings were saved; ask for a link to {address} again in {}.",
                    crate::format::human_duration(u64::try_from(secs).unwrap_or(1))
                ),
            ));
        }
        repo::MailSlot::RecipientFull => {
            return Err(AppError::invalid_field(
                "alert_email",
                format!(
                    "{address} has had {LINKS_PER_ADDRESS_A_DAY} confirmation links from Scout today, the most we send to one address. Your other settings were saved; open one of those links, or try again tomorrow."
                ),
            ));
        }
    };
    repo::set_pending_email(&state.pool, account, address, &token_sha256(&token)).await?;
    if let Err(e) = state.mailer.send(message).await {
        repo::clear_pending_email(&state.pool, account).await?;
        repo::forget_confirmation_mail(&state.pool, reserved).await?;
        // the mail server's own words are for the log, not the person
        tracing::warn!(error = %e.message, "alert address confirmation not sent");
        return Err(AppError::invalid_field(
            "alert_email",
            format!(
                "We could not send the confirmation link to {address}: the mail server did not accept it. Your other settings were saved; check the address for typos and save again."
            ),
        ));
    }
    Ok(())
}

/// The address a confirmation link is for, while the link works.
pub async fn email_to_confirm(state: &AppState, token: &str) -> Result<String, AppError> {
    let since = OffsetDateTime::now_utc() - CONFIRM_FOR;
    repo::pending_for_token(&state.pool, &token_sha256(token), since)
        .await?
        .ok_or(AppError::NotFound)
}

/// Makes the address a link is for the alert address (no sign-in: the token, which only
/// that mailbox received, is the permission); the address.
pub async fn confirm_email(state: &AppState, token: &str) -> Result<String, AppError> {
    let since = OffsetDateTime::now_utc() - CONFIRM_FOR;
    repo::confirm_pending_email(&state.pool, &token_sha256(token), since)
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

/// What an unsubscribe link stops, in words.
pub fn describe(what: &Unsubscribe) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zones_are_the_bundled_database_sorted() {
        assert!(known_zone("Europe/Sofia") && !known_zone("Europe/Atlantis"));
        let zones = zone_names();
        assert!(zones.iter().any(|z| z == "America/New_York"));
        assert!(zones.windows(2).all(|w| w[0] < w[1]));
    }
}
