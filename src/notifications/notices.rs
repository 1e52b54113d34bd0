//! Notices: the inbox's entries, and the one way a feature records one. A notice is recorded
//! and queued on its outside channels (email, push, webhooks) in the caller's transaction,
//! so a notice and its deliveries exist together or not at all.

use super::{
    model::{Channel, Inbox, Notice, Rhythm},
    queue::{self, Prefs},
    repo::{self, AccountNotice, NewNotice},
};
use crate::accounts::model::AccountId;
use crate::{error::AppError, format::ago, server::state::AppState};
use sqlx::{Postgres, Transaction};
use std::collections::{HashMap, hash_map::Entry};
use time::OffsetDateTime;

/// Where and when a notice goes out besides the inbox.
#[derive(Debug, Clone, Copy)]
pub enum Route<'a> {
    /// The channels and rhythm its source chose (an alert rule's).
    Chosen {
        channels: &'a [Channel],
        rhythm: Rhythm,
    },
    /// The person's settings for news of their favorites: the inbox, email if they asked for
    /// it, at their usual rhythm.
    Favorites,
}

/// Records notices, reading each person's delivery preferences once (keep one per batch).
#[derive(Debug, Default)]
pub struct Recorder {
    prefs: HashMap<AccountId, Prefs>,
}

impl Recorder {
    /// The person's delivery preferences, read once per batch.
    async fn prefs_of(
        &mut self,
        tx: &mut Transaction<'_, Postgres>,
        account: AccountId,
    ) -> Result<&Prefs, AppError> {
        Ok(match self.prefs.entry(account) {
            Entry::Occupied(e) => e.into_mut(),
            Entry::Vacant(e) => e.insert(queue::prefs(tx, account).await?),
        })
    }

    /// Records `notice` and queues its deliveries, in `tx`; false when it was already
    /// recorded (same source, listing, trigger and key) or its rule is no longer active.
    pub async fn record(
        &mut self,
        tx: &mut Transaction<'_, Postgres>,
        notice: &NewNotice<'_>,
        route: Route<'_>,
        now: OffsetDateTime,
    ) -> Result<bool, AppError> {
        let Some(id) = repo::insert_notice(tx, notice).await? else {
            return Ok(false);
        };
        let prefs = self.prefs_of(tx, notice.account).await?;
        let (channels, rhythm) = match route {
            Route::Chosen { channels, rhythm } => (channels, rhythm),
            Route::Favorites if prefs.favorite_email => {
                (&[Channel::Inbox, Channel::Email][..], prefs.favorite_rhythm)
            }
            Route::Favorites => (&[Channel::Inbox][..], prefs.favorite_rhythm),
        };
        queue::queue(tx, id, notice.account, channels, rhythm, prefs, now).await?;
        Ok(true)
    }

    /// Records a notice about the account itself and queues it at once on the channels of
    /// the person's settings (quiet hours still apply; the plan's delay and daily cap don't);
    /// false when it was already recorded.
    pub async fn record_account(
        &mut self,
        tx: &mut Transaction<'_, Postgres>,
        notice: &AccountNotice<'_>,
        now: OffsetDateTime,
    ) -> Result<bool, AppError> {
        let Some(id) = repo::insert_account_notice(tx, notice).await? else {
            return Ok(false);
        };
        // not an alert: neither the plan's delay nor the daily cap of instant alerts holds it
        // back (quiet hours still do)
        let mut prefs = self.prefs_of(tx, notice.account).await?.clone();
        prefs.limits.delay_minutes = 0;
        prefs.limits.per_day = u32::MAX;
        let channels = prefs.channels.clone();
        queue::queue(
            tx,
            id,
            notice.account,
            &channels,
            Rhythm::Instant,
            &prefs,
            now,
        )
        .await?;
        Ok(true)
    }
}

/// Where a notice opens: its listing, else its own path (a path on Scout only), else the inbox.
pub fn href_of(listing: Option<crate::listings::model::ListingId>, link: Option<&str>) -> String {
    match (listing, link) {
        (Some(id), _) => format!("/listings/{id}"),
        (None, Some(path)) if path.starts_with('/') && !path.starts_with("//") => path.to_string(),
        (None, _) => "/inbox".into(),
    }
}

/// The newest 100 notices and how many are unread.
pub async fn inbox(state: &AppState, account: AccountId) -> Result<Inbox, AppError> {
    let now = OffsetDateTime::now_utc();
    let notices = repo::inbox(&state.pool, account, 100)
        .await?
        .into_iter()
        .map(|n| Notice {
            id: n.notification_id,
            listing_id: n.listing_id,
            href: href_of(n.listing_id, n.link.as_deref()),
            title: n.title,
            reason: n.reason,
            when: ago(n.created_at, now),
            read: n.read_at.is_some(),
        })
        .collect();
    Ok(Inbox {
        notices,
        unread: repo::unread(&state.pool, account).await?,
    })
}
