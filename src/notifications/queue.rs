//! Queueing: a notice just recorded becomes one delivery per outside target (the alert
//! address, each push device, each webhook), due when the person's rhythm, the plan's delay,
//! quiet hours and the daily cap say, in the same transaction that recorded it.

use super::{
    model::{Channel, Rhythm, Target},
    repo::{self, NewDelivery},
    schedule::{self, Timing},
};
use crate::accounts::model::AccountId;
use crate::{billing::plans::Limits, error::AppError};
use sqlx::{Postgres, Transaction};
use time::OffsetDateTime;

/// A person's timing and channel facts, read once per account per batch of events.
#[derive(Debug, Clone)]
pub struct Prefs {
    pub timing: Timing,
    pub favorite_email: bool,
    pub favorite_rhythm: Rhythm,
    /// The channels of the person's settings (notices about the account go there).
    pub channels: Vec<Channel>,
    pub limits: Limits,
}

pub async fn prefs(
    tx: &mut Transaction<'_, Postgres>,
    account: AccountId,
) -> Result<Prefs, AppError> {
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
        channels: settings.channels,
        limits: crate::billing::plans::limits_for(&mut **tx, account).await?,
    })
}

/// Queues a new notification on its outside channels, in the same transaction that
/// recorded it: when each is due follows the rhythm, the plan's delay, quiet hours and the
/// daily cap (past it, instant ones wait for the daily digest).
pub async fn queue(
    tx: &mut Transaction<'_, Postgres>,
    notification_id: i64,
    account: AccountId,
    channels: &[Channel],
    rhythm: Rhythm,
    prefs: &Prefs,
    now: OffsetDateTime,
) -> Result<(), AppError> {
    let mut targets: Vec<Target> = Vec::new();
    if channels.contains(&Channel::Email) {
        targets.push(Target::Email);
    }
    if channels.contains(&Channel::Push) {
        for d in repo::devices(&mut **tx, account).await? {
            targets.push(Target::Push(d.subscription_id));
        }
    }
    if channels.contains(&Channel::Webhook) {
        for w in repo::webhooks(&mut **tx, account).await? {
            targets.push(Target::Webhook(w.endpoint_id));
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
    for target in targets {
        let delivery = NewDelivery {
            notification_id,
            account,
            target,
            digest,
            capped,
            due_at: schedule::to_time(due),
        };
        repo::insert_delivery(tx, &delivery).await?;
    }
    Ok(())
}
