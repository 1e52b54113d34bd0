//! Plans and what they allow: the one place that answers "what may this account do". Every
//! account is on the one default plan until billing makes plans data; callers ask here, never
//! a constant of their own.

use serde::{Deserialize, Serialize};

/// What an account may do with alerts and notifications.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Limits {
    /// Rules that are not paused.
    pub active_rules: usize,
    /// Rules in all, paused or not (each is a stored search someone can edit and resume).
    pub total_rules: usize,
    /// How long a notification waits before it is delivered (0: at once).
    pub delay_minutes: u32,
    /// Notifications per day before the rest wait for the digest.
    pub per_day: u32,
    /// Browsers and phones that get push notifications.
    pub push_devices: i64,
    /// Webhook endpoints.
    pub webhooks: i64,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            active_rules: 3,
            total_rules: 50,
            delay_minutes: 0,
            per_day: 50,
            push_devices: 10,
            webhooks: 5,
        }
    }
}

/// The limits that apply to an account: every account has the defaults until plans exist.
#[cfg(feature = "ssr")]
pub fn limits_for(_account: crate::accounts::model::AccountId) -> Limits {
    Limits::default()
}
