//! Server functions for notification settings, the inbox and the unsubscribe page. Settings
//! and the inbox need a signed-in person; unsubscribing needs only the link's token.

use super::model::{Inbox, SettingsForm, SettingsView};
use crate::error::AppError;
use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;

#[cfg(feature = "ssr")]
use crate::accounts::api::signed_in;

#[server(prefix = "/api", endpoint = "settings/notifications", input = GetUrl)]
pub async fn get_notification_settings() -> Result<SettingsView, AppError> {
    let (state, account) = signed_in("Sign in to see your settings.").await?;
    super::settings::settings_view(&state, account).await
}

/// Saves the notification settings form.
#[server(prefix = "/api", endpoint = "settings/notifications/save")]
pub async fn save_notification_settings(input: SettingsForm) -> Result<String, AppError> {
    let (state, account) = signed_in("Sign in to change your settings.").await?;
    let settings = input
        .parse(super::settings::known_zone)
        .map_err(AppError::invalid)?;
    super::settings::save_settings(&state, account, settings).await
}

/// The new alert address a confirmation link is for.
#[server(prefix = "/api", endpoint = "settings/alert-email/to-confirm", input = GetUrl)]
pub async fn alert_email_to_confirm(token: String) -> Result<String, AppError> {
    let state = crate::server::state::AppState::from_context()?;
    super::settings::email_to_confirm(&state, &token).await
}

/// Confirms a new alert address, then goes on to Settings, which says so; the address.
#[server(prefix = "/api", endpoint = "settings/alert-email/confirm")]
pub async fn confirm_alert_email(token: String) -> Result<String, AppError> {
    let state = crate::server::state::AppState::from_context()?;
    let address = super::settings::confirm_email(&state, &token).await?;
    leptos_axum::redirect("/settings?confirmed=alert-email");
    Ok(address)
}

/// What an unsubscribe link stops ("the alert “Golf diesel”").
#[server(prefix = "/api", endpoint = "unsubscribe/what", input = GetUrl)]
pub async fn unsubscribe_what(token: String) -> Result<String, AppError> {
    let state = crate::server::state::AppState::from_context()?;
    super::settings::unsubscribe_what(&state, &token).await
}

/// Stops the email an unsubscribe link names; what stopped.
#[server(prefix = "/api", endpoint = "unsubscribe/confirm")]
pub async fn confirm_unsubscribe(token: String) -> Result<String, AppError> {
    let state = crate::server::state::AppState::from_context()?;
    super::settings::unsubscribe(&state, &token).await
}

/// Adds a webhook endpoint: `kind` is json, discord or telegram.
#[server(prefix = "/api", endpoint = "settings/webhooks/add")]
pub async fn add_webhook(
    kind: String,
    webhook_name: String,
    webhook_url: Option<String>,
    bot_token: Option<String>,
    chat_id: Option<String>,
) -> Result<i64, AppError> {
    let (state, account) = signed_in("Sign in to change your settings.").await?;
    super::settings::add_webhook(
        &state,
        account,
        &kind,
        &webhook_name,
        webhook_url.as_deref().unwrap_or_default(),
        bot_token.as_deref().unwrap_or_default(),
        chat_id.as_deref().unwrap_or_default(),
    )
    .await
}

#[server(prefix = "/api", endpoint = "settings/webhooks/remove")]
pub async fn remove_webhook(endpoint_id: i64) -> Result<(), AppError> {
    let (state, account) = signed_in("Sign in to change your settings.").await?;
    super::settings::remove_webhook(&state, account, endpoint_id).await
}

/// Turns push notifications on for the browser that just subscribed.
#[server(prefix = "/api", endpoint = "settings/push/add")]
pub async fn add_push_device(
    endpoint: String,
    p256dh: String,
    auth: String,
    device_name: String,
) -> Result<i64, AppError> {
    let (state, account) = signed_in("Sign in to change your settings.").await?;
    super::settings::add_device(&state, account, &endpoint, &p256dh, &auth, &device_name).await
}

#[server(prefix = "/api", endpoint = "settings/push/remove")]
pub async fn remove_push_device(device_id: i64) -> Result<(), AppError> {
    let (state, account) = signed_in("Sign in to change your settings.").await?;
    super::settings::remove_device(&state, account, device_id).await
}

/// The inbox (its endpoints keep the paths they had under alerts).
#[server(prefix = "/api", endpoint = "alerts/inbox", input = GetUrl)]
pub async fn get_inbox() -> Result<Inbox, AppError> {
    let (state, account) = signed_in("Sign in to see your notifications.").await?;
    super::notices::inbox(&state, account).await
}

/// Unread notifications, for the header's badge (0 when signed out).
#[server(prefix = "/api", endpoint = "alerts/unread", input = GetUrl)]
pub async fn unread_count() -> Result<i64, AppError> {
    let state = crate::server::state::AppState::from_context()?;
    match crate::accounts::api::current_account_id().await? {
        Some(account) => Ok(super::repo::unread(&state.pool, account).await?),
        None => Ok(0),
    }
}

/// Marks one notification read, or all of them when `notification_id` is missing.
#[server(prefix = "/api", endpoint = "alerts/read")]
pub async fn mark_read(notification_id: Option<i64>) -> Result<(), AppError> {
    let (state, account) = signed_in("Sign in to see your notifications.").await?;
    if super::repo::mark_read(&state.pool, account, notification_id).await? {
        Ok(())
    } else {
        Err(AppError::NotFound)
    }
}
