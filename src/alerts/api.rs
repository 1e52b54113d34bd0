//! Server functions for alerts. Every one asks who is signed in first and only ever touches
//! that account's rules.

#[cfg(feature = "ssr")]
use super::model::RuleFields;
use super::model::{AlertsOverview, RuleForm};
use crate::{error::AppError, listings::wire::ListingCard};
use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;

#[cfg(feature = "ssr")]
use crate::accounts::api::signed_in;

/// Saves the search (its query string) as an alert that tells the inbox as things happen.
#[server(prefix = "/api", endpoint = "alerts/create")]
pub async fn create_alert(search: String, name: String) -> Result<i64, AppError> {
    let (state, account) = signed_in("Sign in to save searches as alerts.").await?;
    // new rules start from the person's notification settings
    let defaults = crate::notifications::settings::defaults(&state, account).await?;
    let fields = RuleFields {
        name,
        channels: defaults.channels,
        rhythm: defaults.rhythm,
        ..RuleFields::default()
    };
    // a search that names no currency was read in the person's own: the rule keeps it
    // (added to the search as sent: what can't be read in it must still be refused)
    let own = crate::listings::preference::of(&state, Some(account)).await?;
    let named = crate::listings::search::query::SearchQuery::from_query_string(&search)
        .currency
        .is_some();
    let search = if named || own == Default::default() {
        search
    } else if search.trim_matches('&').is_empty() {
        format!("cur={}", own.code())
    } else {
        format!("{}&cur={}", search.trim_end_matches('&'), own.code())
    };
    super::service::create(&state, account, &search, fields).await
}

/// The account's rules, with their criteria and matches.
#[server(prefix = "/api", endpoint = "alerts/overview", input = GetUrl)]
pub async fn list_alerts() -> Result<AlertsOverview, AppError> {
    let (state, account) = signed_in("Sign in to see your alerts.").await?;
    super::service::overview(&state, account).await
}

/// Changes a rule's name, keywords, channels and rhythm.
#[server(prefix = "/api", endpoint = "alerts/update")]
pub async fn update_alert(rule_id: i64, input: RuleForm) -> Result<(), AppError> {
    let (state, account) = signed_in("Sign in to change your alerts.").await?;
    let fields = input.parse().map_err(AppError::invalid)?;
    super::service::update(&state, account, rule_id, fields).await
}

/// Pauses (`paused` = "true") or resumes a rule.
#[server(prefix = "/api", endpoint = "alerts/pause")]
pub async fn pause_alert(rule_id: i64, paused: bool) -> Result<(), AppError> {
    let (state, account) = signed_in("Sign in to change your alerts.").await?;
    super::service::set_paused(&state, account, rule_id, paused).await
}

#[server(prefix = "/api", endpoint = "alerts/delete")]
pub async fn delete_alert(rule_id: i64) -> Result<(), AppError> {
    let (state, account) = signed_in("Sign in to change your alerts.").await?;
    super::service::delete(&state, account, rule_id).await
}

/// Favorites as implicit rules (price drops and sales): on or off.
#[server(prefix = "/api", endpoint = "alerts/favorites")]
pub async fn set_favorite_alerts(on: bool) -> Result<(), AppError> {
    let (state, account) = signed_in("Sign in to change your alerts.").await?;
    Ok(super::repo::set_favorite_alerts(&state.pool, account, on).await?)
}

/// The rule's name and the listings it matches now.
#[server(prefix = "/api", endpoint = "alerts/preview", input = GetUrl)]
pub async fn preview_alert(rule_id: i64) -> Result<(String, Vec<ListingCard>), AppError> {
    let (state, account) = signed_in("Sign in to see your alerts.").await?;
    super::service::preview(&state, account, rule_id).await
}
