//! Notification settings, the delivery queue and channel health in Postgres.

use super::model::{Channel, NotificationSettings, Quiet, Rhythm, Target};
use crate::accounts::model::AccountId;
use crate::listings::model::EventKind;
use crate::listings::model::ListingId;
use crate::server::secrets::token_sha256;
use sqlx::{PgExecutor, PgPool, Postgres, Transaction};
use time::OffsetDateTime;
use uuid::Uuid;

#[derive(Debug, Clone)]
struct SettingsRow {
    sign_in_email: String,
    has_row: bool,
    channels: Option<Vec<Channel>>,
    rhythm: Option<Rhythm>,
    digest_hour: Option<i16>,
    digest_weekday: Option<i16>,
    quiet_start: Option<i16>,
    quiet_end: Option<i16>,
    time_zone: Option<String>,
    alert_email: Option<String>,
    pending_email: Option<String>,
    pending_sent_at: Option<OffsetDateTime>,
}

/// A new alert address waiting for its owner to open the link sent to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pending {
    pub email: String,
    pub sent_at: OffsetDateTime,
}

/// A person's settings (the defaults when they never saved any) and sign-in address.
pub async fn settings(
    db: impl PgExecutor<'_>,
    account: AccountId,
) -> sqlx::Result<Option<(NotificationSettings, String, Option<Pending>)>> {
    let row = sqlx::query_as!(
        SettingsRow,
        r#"select a.email as sign_in_email, s.account_id is not null as "has_row!",
           s.channels as "channels?: Vec<Channel>", s.rhythm as "rhythm?: Rhythm",
           s.digest_hour as "digest_hour?", s.digest_weekday as "digest_weekday?",
           s.quiet_start, s.quiet_end, s.time_zone as "time_zone?", s.alert_email,
           s.pending_email, s.pending_sent_at
         from account a left join alert_settings s on s.account_id = a.account_id
         where a.account_id = $1"#,
        account.0
    )
    .fetch_optional(db)
    .await?;
    Ok(row.map(|r| {
        let defaults = NotificationSettings::default();
        if !r.has_row {
            return (defaults, r.sign_in_email, None);
        }
        let pending = r
            .pending_email
            .zip(r.pending_sent_at)
            .map(|(email, sent_at)| Pending { email, sent_at });
        let quiet = match (r.quiet_start, r.quiet_end) {
            (Some(s), Some(e)) => Some(Quiet {
                start: u16::try_from(s).unwrap_or(0),
                end: u16::try_from(e).unwrap_or(0),
            }),
            _ => None,
        };
        let settings = NotificationSettings {
            channels: r.channels.unwrap_or_default(),
            rhythm: r.rhythm.unwrap_or_default(),
            digest_hour: r
                .digest_hour
                .and_then(|h| u8::try_from(h).ok())
                .unwrap_or(defaults.digest_hour),
            digest_weekday: r
                .digest_weekday
                .and_then(|d| u8::try_from(d).ok())
                .unwrap_or(defaults.digest_weekday),
            quiet,
            time_zone: r.time_zone.unwrap_or(defaults.time_zone),
            alert_email: r.alert_email,
        };
        (settings, r.sign_in_email, pending)
    }))
}

pub async fn save_settings(
    db: &PgPool,
    account: AccountId,
    s: &NotificationSettings,
) -> sqlx::Result<()> {
    sqlx::query!(
        "insert into alert_settings (account_id, channels, rhythm, digest_hour, digest_weekday, \
           quiet_start, quiet_end, time_zone, alert_email) \
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
         on conflict (account_id) do update set channels = excluded.channels, \
           rhythm = excluded.rhythm, digest_hour = excluded.digest_hour, \
           digest_weekday = excluded.digest_weekday, quiet_start = excluded.quiet_start, \
           quiet_end = excluded.quiet_end, time_zone = excluded.time_zone, \
           alert_email = excluded.alert_email, updated_at = now()",
        account.0,
        &s.channels as &[Channel],
        s.rhythm.as_str(),
        i16::from(s.digest_hour),
        i16::from(s.digest_weekday),
        s.quiet.map(|q| q.start as i16),
        s.quiet.map(|q| q.end as i16),
        &s.time_zone,
        s.alert_email.as_deref()
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Records a new alert address waiting for confirmation (replacing any earlier one).
pub async fn set_pending_email(
    db: impl PgExecutor<'_>,
    account: AccountId,
    email: &str,
    token_sha256: &[u8],
) -> sqlx::Result<()> {
    sqlx::query!(
        "update alert_settings set pending_email = $2, pending_token_sha256 = $3, \
           pending_sent_at = now() where account_id = $1",
        account.0,
        email,
        token_sha256
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Whether a confirmation link may be mailed now (see `reserve_confirmation_mail`).
pub enum MailSlot {
    /// Yes: counted as sent (row id, to forget it if the send fails).
    Reserved(i64),
    /// The account had one sent less than the gap ago: wait this many seconds.
    AccountWait { secs: i64 },
    /// The address has had `max_per_day` links in the last 24 hours.
    RecipientFull,
}

/// Counts a confirmation mail to `recipient` for `account` before it is sent, unless the
/// account had one within `account_gap_secs` or the recipient `max_per_day` in a day. The
/// account row is locked, so two saves at once can't both pass.
pub async fn reserve_confirmation_mail(
    db: &PgPool,
    account: AccountId,
    recipient: &str,
    account_gap_secs: i64,
    max_per_day: i64,
) -> sqlx::Result<MailSlot> {
    let mut tx = db.begin().await?;
    crate::accounts::repo::lock_account(&mut tx, account).await?;
    let row = sqlx::query!(
        r#"select
             (select ceil(extract(epoch from (max(sent_at) + make_interval(secs => $3) - now())))::bigint
                from confirmation_mail where account_id = $1) as "wait",
             (select count(*) from confirmation_mail
                where recipient = $2 and sent_at > now() - interval '1 day') as "to_recipient!""#,
        account.0,
        recipient,
        account_gap_secs as f64
    )
    .fetch_one(&mut *tx)
    .await?;
    if let Some(secs) = row.wait.filter(|w| *w > 0) {
        return Ok(MailSlot::AccountWait { secs });
    }
    if row.to_recipient >= max_per_day {
        return Ok(MailSlot::RecipientFull);
    }
    let id = sqlx::query_scalar!(
        "insert into confirmation_mail (account_id, recipient) values ($1, $2) \
         returning confirmation_mail_id",
        account.0,
        recipient
    )
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(MailSlot::Reserved(id))
}

/// A reserved confirmation mail that could not be sent does not count.
pub async fn forget_confirmation_mail(db: impl PgExecutor<'_>, id: i64) -> sqlx::Result<()> {
    sqlx::query!(
        "delete from confirmation_mail where confirmation_mail_id = $1",
        id
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Housekeeping: confirmation mails older than a day no longer count.
pub async fn delete_old_confirmation_mail(db: impl PgExecutor<'_>) -> sqlx::Result<u64> {
    let done =
        sqlx::query!("delete from confirmation_mail where sent_at < now() - interval '1 day'")
            .execute(db)
            .await?;
    Ok(done.rows_affected())
}

pub async fn clear_pending_email(db: impl PgExecutor<'_>, account: AccountId) -> sqlx::Result<()> {
    sqlx::query!(
        "update alert_settings set pending_email = null, pending_token_sha256 = null, \
           pending_sent_at = null where account_id = $1",
        account.0
    )
    .execute(db)
    .await?;
    Ok(())
}

/// The address a confirmation link sent after `since` is for.
pub async fn pending_for_token(
    db: impl PgExecutor<'_>,
    token_sha256: &[u8],
    since: OffsetDateTime,
) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar!(
        r#"select pending_email as "pending_email!" from alert_settings
         where pending_token_sha256 = $1 and pending_sent_at > $2"#,
        token_sha256,
        since
    )
    .fetch_optional(db)
    .await
}

/// Makes the address a link sent after `since` is for the alert address; which it was.
pub async fn confirm_pending_email(
    db: impl PgExecutor<'_>,
    token_sha256: &[u8],
    since: OffsetDateTime,
) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar!(
        "update alert_settings set alert_email = pending_email, pending_email = null, \
           pending_token_sha256 = null, pending_sent_at = null, updated_at = now() \
         where pending_token_sha256 = $1 and pending_sent_at > $2 \
         returning alert_email as \"alert_email!\"",
        token_sha256,
        since
    )
    .fetch_optional(db)
    .await
}

/// Whether the account's favorites' news also goes out by email.
pub async fn favorite_email(db: impl PgExecutor<'_>, account: AccountId) -> sqlx::Result<bool> {
    sqlx::query_scalar!(
        "select favorite_email from account where account_id = $1",
        account.0
    )
    .fetch_optional(db)
    .await
    .map(|v| v.unwrap_or(false))
}

/// Notifications of the account sent on their own (not in a digest) since `since`.
pub async fn sent_on_their_own_since(
    db: impl PgExecutor<'_>,
    account: AccountId,
    since: OffsetDateTime,
) -> sqlx::Result<i64> {
    sqlx::query_scalar!(
        r#"select count(distinct notification_id) as "n!" from delivery
         where account_id = $1 and created_at >= $2 and digest is null"#,
        account.0,
        since
    )
    .fetch_one(db)
    .await
}

/// One delivery to queue.
#[derive(Debug, Clone)]
pub struct NewDelivery {
    pub notification_id: i64,
    pub account: AccountId,
    pub target: Target,
    pub digest: Option<Rhythm>,
    pub capped: bool,
    pub due_at: OffsetDateTime,
}

pub async fn insert_delivery(
    tx: &mut Transaction<'_, Postgres>,
    d: &NewDelivery,
) -> sqlx::Result<()> {
    sqlx::query!("insert into delivery (notification_id, account_id, channel, target, digest, capped, due_at) \
         values ($1, $2, $3, $4, $5, $6, $7) \
         on conflict (notification_id, channel, target) do nothing", d.notification_id, d.account.0, d.target.channel().as_str(), d.target.key(), d.digest.map(Rhythm::as_str), d.capped, d.due_at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// A delivery that is due, with what its message needs.
#[derive(Debug, Clone)]
pub struct Due {
    pub delivery_id: i64,
    pub notification_id: i64,
    pub account_id: AccountId,
    pub target: Target,
    /// The digest it waits for; None when it goes on its own.
    pub digest: Option<Rhythm>,
    pub capped: bool,
    pub attempts: i32,
    /// None: a notice about the account itself, which opens `link`.
    pub listing_id: Option<ListingId>,
    pub link: Option<String>,
    pub title: String,
    pub reason: String,
    pub rule_name: Option<String>,
    /// The rule it is about; None: a favorite.
    pub rule_id: Option<i64>,
    pub address: String,
    /// False when the person turned this channel off since (or paused or deleted the rule).
    pub wanted: bool,
}

/// Claims up to `limit` due deliveries for `lease_secs` (other workers skip them until the
/// lease lapses) and returns them, oldest first. Fair: at most `per_target` deliveries of one
/// account's channel target that go on their own (a digest's rows come together), and none
/// for a target that is paused. Two workers claiming at once never get the same row: the
/// update re-checks the lease on the row it locks.
pub async fn claim_due(
    db: &PgPool,
    limit: i64,
    lease_secs: i64,
    per_target: i64,
) -> sqlx::Result<Vec<Due>> {
    sqlx::query_as!(
        Due,
        r#"with candidates as (
           select d.delivery_id, d.due_at, d.digest,
             row_number() over (partition by d.account_id, d.channel, d.target
                                order by d.due_at, d.delivery_id) as rn
           from delivery d
           where d.state = 'pending' and d.due_at <= now()
             and (d.lease_until is null or d.lease_until <= now())
             and not exists (select 1 from channel_health h
               where h.account_id = d.account_id and h.channel = d.channel
                 and h.target = d.target and h.paused_until > now())
           order by d.due_at, d.delivery_id limit $1::bigint * 10
         ), picked as (
           select delivery_id from candidates where rn <= $3 or digest is not null
           order by due_at, delivery_id limit $1
         ), claimed as (
           update delivery d set lease_until = now() + make_interval(secs => $2)
           from picked p
           where d.delivery_id = p.delivery_id and d.state = 'pending'
             and (d.lease_until is null or d.lease_until <= now())
           returning d.delivery_id
         )
         select d.delivery_id, d.notification_id, d.account_id, d.target as "target: Target",
           d.digest as "digest: Rhythm", d.capped, d.attempts,
           n.listing_id as "listing_id: ListingId", n.link, n.title, n.reason,
           r.name as "rule_name?",
           n.rule_id as "rule_id?", coalesce(s.alert_email, a.email) as "address!",
           case when d.channel = 'email' and s.alert_email is null
                  and a.email_verified_at is null then false
                when d.channel = 'push' and not exists (select 1 from push_subscription p
                  where p.account_id = d.account_id
                    and 'push:' || p.subscription_id::text = d.target) then false
                when d.channel = 'webhook' and not exists (select 1 from webhook_endpoint w
                  where w.account_id = d.account_id
                    and 'webhook:' || w.endpoint_id::text = d.target) then false
                when n.listing_id is null
                  then d.channel = any(coalesce(s.channels, array['inbox', 'email']))
                when n.source = 'favorite' then a.alert_on_favorites and
                  (d.channel <> 'email' or a.favorite_email)
                else coalesce(not r.paused and d.channel = any(r.channels), false)
           end as "wanted!"
         from claimed join delivery d using (delivery_id)
         join notification n on n.notification_id = d.notification_id
         join account a on a.account_id = d.account_id
         left join alert_rule r on r.rule_id = n.rule_id
         left join alert_settings s on s.account_id = d.account_id
         order by d.due_at, d.delivery_id"#,
        limit,
        lease_secs as f64,
        per_target
    )
    .fetch_all(db)
    .await
}

pub async fn mark_sent(tx: &mut Transaction<'_, Postgres>, ids: &[i64]) -> sqlx::Result<()> {
    sqlx::query!(
        "update delivery set state = 'sent', sent_at = now(), attempts = attempts + 1, \
           last_error = null, lease_until = null where delivery_id = any($1)",
        ids
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub async fn mark_cancelled(db: impl PgExecutor<'_>, ids: &[i64]) -> sqlx::Result<()> {
    sqlx::query!(
        "update delivery set state = 'cancelled', lease_until = null where delivery_id = any($1)",
        ids
    )
    .execute(db)
    .await?;
    Ok(())
}

/// A failed attempt: tried again at `retry_at`, or given up when None.
pub async fn mark_attempt_failed(
    tx: &mut Transaction<'_, Postgres>,
    ids: &[i64],
    error: &str,
    retry_at: Option<OffsetDateTime>,
) -> sqlx::Result<()> {
    sqlx::query!(
        "update delivery set attempts = attempts + 1, last_error = $2, lease_until = null, \
           state = case when $3::timestamptz is null then 'failed' else 'pending' end, \
           due_at = coalesce($3, due_at) where delivery_id = any($1)",
        ids,
        error,
        retry_at
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Records how a channel did: a success clears its trouble; failures count up, and from
/// `failing_after` in a row on it is shown as failing and paused: nothing more is sent to it
/// for 1 minute, doubling with each further failure up to 6 hours (then one delivery tries).
pub async fn record_health(
    tx: &mut Transaction<'_, Postgres>,
    account: AccountId,
    target: Target,
    error: Option<&str>,
    failing_after: i32,
) -> sqlx::Result<()> {
    let (channel, target) = (target.channel().as_str(), target.key());
    match error {
        None => {
            sqlx::query!(
                "delete from channel_health where account_id = $1 and channel = $2 and target = $3",
                account.0,
                channel,
                target
            )
            .execute(&mut **tx)
            .await?;
        }
        Some(error) => {
            sqlx::query!(
                "insert into channel_health (account_id, channel, target, last_error, \
                   consecutive_failures, failing_since) \
                 values ($1, $2, $3, $4, 1, case when 1 >= $5 then now() end) \
                 on conflict (account_id, channel, target) do update set \
                   last_error = excluded.last_error, \
                   consecutive_failures = channel_health.consecutive_failures + 1, \
                   failing_since = coalesce(channel_health.failing_since, \
                     case when channel_health.consecutive_failures + 1 >= $5 then now() end), \
                   paused_until = case when channel_health.consecutive_failures + 1 >= $5 \
                     then now() + least(interval '1 minute' \
                       * power(2, least(channel_health.consecutive_failures + 1 - $5, 12)), \
                       interval '6 hours') end",
                account.0,
                channel,
                target,
                error,
                failing_after
            )
            .execute(&mut **tx)
            .await?;
        }
    }
    Ok(())
}

#[derive(Debug, Clone)]
pub struct Trouble {
    pub target: Target,
    pub failing_since: OffsetDateTime,
    pub last_error: String,
}

/// The account's channels that keep failing.
pub async fn trouble(db: &PgPool, account: AccountId) -> sqlx::Result<Vec<Trouble>> {
    sqlx::query_as!(
        Trouble,
        r#"select target as "target: Target", failing_since as "failing_since!",
           coalesce(last_error, '') as "last_error!"
         from channel_health where account_id = $1 and failing_since is not null
         order by failing_since"#,
        account.0
    )
    .fetch_all(db)
    .await
}

/// What an unsubscribe token stops, for the confirmation page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unsubscribe {
    Rule { rule_id: i64, name: String },
    Favorites,
    AllEmail,
}

/// Records a fresh unsubscribe link for one email: a random token (returned, for the email)
/// kept only as its hash, with what it stops.
pub async fn new_unsubscribe_link(
    db: impl PgExecutor<'_>,
    account: AccountId,
    what: &Unsubscribe,
) -> sqlx::Result<Uuid> {
    let token = Uuid::new_v4();
    let (kind, rule_id) = match what {
        Unsubscribe::Rule { rule_id, .. } => ("rule", Some(*rule_id)),
        Unsubscribe::Favorites => ("favorites", None),
        Unsubscribe::AllEmail => ("all", None),
    };
    sqlx::query!(
        "insert into unsubscribe_link (token_sha256, account_id, what, rule_id) \
         values ($1, $2, $3, $4)",
        token_sha256(&token.to_string()),
        account.0,
        kind,
        rule_id
    )
    .execute(db)
    .await?;
    Ok(token)
}

/// What an unsubscribe token stops, and whose.
pub async fn unsubscribe_target(
    db: &PgPool,
    token: Uuid,
) -> sqlx::Result<Option<(AccountId, Unsubscribe)>> {
    let row = sqlx::query!(
        r#"select l.account_id, l.what, l.rule_id, r.name as "name?"
           from unsubscribe_link l left join alert_rule r on r.rule_id = l.rule_id
           where l.token_sha256 = $1"#,
        token_sha256(&token.to_string())
    )
    .fetch_optional(db)
    .await?;
    Ok(row.and_then(|r| {
        let what = match (r.what.as_str(), r.rule_id, r.name) {
            ("rule", Some(rule_id), Some(name)) => Unsubscribe::Rule { rule_id, name },
            ("favorites", ..) => Unsubscribe::Favorites,
            ("all", ..) => Unsubscribe::AllEmail,
            _ => return None,
        };
        Some((AccountId(r.account_id), what))
    }))
}

/// Stops the email the token names; emails already queued are cancelled when their turn
/// comes (they check what is wanted then).
pub async fn unsubscribe(db: &PgPool, account: AccountId, what: &Unsubscribe) -> sqlx::Result<()> {
    let mut tx = db.begin().await?;
    match what {
        Unsubscribe::Rule { rule_id, .. } => {
            sqlx::query!(
                "update alert_rule set channels = array_remove(channels, 'email') \
                 where rule_id = $1 and account_id = $2 and 'email' = any(channels)",
                rule_id,
                account.0
            )
            .execute(&mut *tx)
            .await?;
        }
        Unsubscribe::Favorites => {
            sqlx::query!(
                "update account set favorite_email = false where account_id = $1",
                account.0
            )
            .execute(&mut *tx)
            .await?;
        }
        Unsubscribe::AllEmail => {
            sqlx::query!(
                "update alert_rule set channels = array_remove(channels, 'email') \
                 where account_id = $1 and 'email' = any(channels)",
                account.0
            )
            .execute(&mut *tx)
            .await?;
            sqlx::query!(
                "update account set favorite_email = false where account_id = $1",
                account.0
            )
            .execute(&mut *tx)
            .await?;
            sqlx::query!(
                "insert into alert_settings (account_id, channels) values ($1, '{inbox}') \
                 on conflict (account_id) do update set \
                   channels = array_remove(alert_settings.channels, 'email'), updated_at = now()",
                account.0
            )
            .execute(&mut *tx)
            .await?;
        }
    }
    tx.commit().await
}

#[derive(Debug, Clone)]
pub struct WebhookRow {
    pub endpoint_id: i64,
    pub account_id: AccountId,
    pub kind: String,
    pub name: String,
    pub url: Option<String>,
    pub telegram_chat_id: Option<String>,
    pub secret_sealed: Option<Vec<u8>>,
    pub created_at: OffsetDateTime,
}

pub async fn webhooks(
    db: impl PgExecutor<'_>,
    account: AccountId,
) -> sqlx::Result<Vec<WebhookRow>> {
    sqlx::query_as!(
        WebhookRow,
        "select endpoint_id, account_id, kind, name, url, telegram_chat_id, secret_sealed, \
           created_at from webhook_endpoint where account_id = $1 \
         order by created_at, endpoint_id",
        account.0
    )
    .fetch_all(db)
    .await
}

pub async fn webhook(
    db: impl PgExecutor<'_>,
    account: AccountId,
    endpoint_id: i64,
) -> sqlx::Result<Option<WebhookRow>> {
    sqlx::query_as!(
        WebhookRow,
        "select endpoint_id, account_id, kind, name, url, telegram_chat_id, secret_sealed, \
           created_at from webhook_endpoint where account_id = $1 and endpoint_id = $2",
        account.0,
        endpoint_id
    )
    .fetch_optional(db)
    .await
}

/// Webhooks whose secret was sealed before secrets were bound to their rows, and Discord
/// webhooks from before their URL was sealed (kept whole in `url`).
pub async fn webhooks_to_reseal(db: impl PgExecutor<'_>) -> sqlx::Result<Vec<WebhookRow>> {
    sqlx::query_as!(
        WebhookRow,
        "select endpoint_id, account_id, kind, name, url, telegram_chat_id, secret_sealed, \
           created_at from webhook_endpoint \
         where (secret_sealed is not null and substring(secret_sealed from 1 for 4) <> $1) \
            or (kind = 'discord' and secret_sealed is null) \
         order by endpoint_id",
        &crate::server::secrets::BOUND_PREFIX[..]
    )
    .fetch_all(db)
    .await
}

/// Replaces a webhook's `url` and sealed secret, unless the row changed since `old` was read
/// (or is gone): whether it was replaced.
pub async fn reseal_webhook(
    db: impl PgExecutor<'_>,
    endpoint_id: i64,
    old: Option<&[u8]>,
    url: Option<&str>,
    sealed: &[u8],
) -> sqlx::Result<bool> {
    let done = sqlx::query!(
        "update webhook_endpoint set url = $3, secret_sealed = $4 \
         where endpoint_id = $1 and secret_sealed is not distinct from $2",
        endpoint_id,
        old,
        url,
        sealed
    )
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Push subscriptions whose `auth` was sealed before secrets were bound to their rows:
/// (id, account, endpoint, sealed auth).
pub async fn devices_to_reseal(
    db: impl PgExecutor<'_>,
) -> sqlx::Result<Vec<(i64, AccountId, String, Vec<u8>)>> {
    Ok(sqlx::query!(
        r#"select subscription_id, account_id as "account_id: AccountId", endpoint, auth_sealed
           from push_subscription where substring(auth_sealed from 1 for 4) <> $1
           order by subscription_id"#,
        &crate::server::secrets::BOUND_PREFIX[..]
    )
    .fetch_all(db)
    .await?
    .into_iter()
    .map(|r| (r.subscription_id, r.account_id, r.endpoint, r.auth_sealed))
    .collect())
}

/// Replaces a push subscription's sealed `auth`, unless it changed since `old` was read.
pub async fn reseal_device(
    db: impl PgExecutor<'_>,
    id: i64,
    old: &[u8],
    sealed: &[u8],
) -> sqlx::Result<bool> {
    let done = sqlx::query!(
        "update push_subscription set auth_sealed = $3 where subscription_id = $1 and auth_sealed = $2",
        id,
        old,
        sealed
    )
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// One endpoint to add.
#[derive(Debug, Clone)]
pub struct NewWebhook<'a> {
    pub kind: &'a str,
    pub name: &'a str,
    pub url: Option<&'a str>,
    pub chat_id: Option<&'a str>,
    pub secret_sealed: Option<Vec<u8>>,
}

/// Adds an endpoint unless the account has `max` already (counted under a lock on the
/// account, so two tabs cannot both add the last one); its id, or None at the limit.
pub async fn insert_webhook(
    db: &PgPool,
    account: AccountId,
    w: &NewWebhook<'_>,
    max: i64,
) -> sqlx::Result<Option<i64>> {
    let mut tx = db.begin().await?;
    crate::accounts::repo::lock_account(&mut tx, account).await?;
    let count: i64 = sqlx::query_scalar!(
        r#"select count(*) as "n!" from webhook_endpoint where account_id = $1"#,
        account.0
    )
    .fetch_one(&mut *tx)
    .await?;
    if count >= max {
        return Ok(None);
    }
    let id: i64 = sqlx::query_scalar!("insert into webhook_endpoint (account_id, kind, name, url, telegram_chat_id, secret_sealed) \
         values ($1, $2, $3, $4, $5, $6) returning endpoint_id", account.0, w.kind, w.name, w.url, w.chat_id, w.secret_sealed.as_deref())
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Some(id))
}

/// Removes an endpoint (and its health record); false when it is not the account's.
pub async fn delete_webhook(
    db: &PgPool,
    account: AccountId,
    endpoint_id: i64,
) -> sqlx::Result<bool> {
    let mut tx = db.begin().await?;
    let done = sqlx::query!(
        "delete from webhook_endpoint where account_id = $1 and endpoint_id = $2",
        account.0,
        endpoint_id
    )
    .execute(&mut *tx)
    .await?
    .rows_affected()
        > 0;
    sqlx::query!(
        "delete from channel_health where account_id = $1 and channel = 'webhook' and target = $2",
        account.0,
        format!("webhook:{endpoint_id}")
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(done)
}

#[derive(Debug, Clone)]
pub struct DeviceRow {
    pub subscription_id: i64,
    pub endpoint: String,
    pub p256dh: String,
    pub auth_sealed: Vec<u8>,
    pub name: String,
    pub created_at: OffsetDateTime,
}

pub async fn devices(db: impl PgExecutor<'_>, account: AccountId) -> sqlx::Result<Vec<DeviceRow>> {
    sqlx::query_as!(
        DeviceRow,
        "select subscription_id, endpoint, p256dh, auth_sealed, name, created_at \
         from push_subscription where account_id = $1 order by created_at, subscription_id",
        account.0
    )
    .fetch_all(db)
    .await
}

pub async fn device(
    db: impl PgExecutor<'_>,
    account: AccountId,
    id: i64,
) -> sqlx::Result<Option<DeviceRow>> {
    sqlx::query_as!(
        DeviceRow,
        "select subscription_id, endpoint, p256dh, auth_sealed, name, created_at \
         from push_subscription where account_id = $1 and subscription_id = $2",
        account.0,
        id
    )
    .fetch_optional(db)
    .await
}

/// What became of a push subscription a person asked to add.
pub enum DeviceAdded {
    /// Added, or updated when the account already had it: its id.
    Yes(i64),
    /// The account has `max` other devices.
    AtLimit,
    /// Another account holds this endpoint; it stays theirs.
    HeldByAnother,
}

/// Adds (or, for an endpoint the account already has, updates) a subscription, unless the
/// account has `max` other devices or the endpoint is another account's.
pub async fn upsert_device(
    db: &PgPool,
    account: AccountId,
    endpoint: &str,
    p256dh: &str,
    auth_sealed: &[u8],
    name: &str,
    max: i64,
) -> sqlx::Result<DeviceAdded> {
    let mut tx = db.begin().await?;
    crate::accounts::repo::lock_account(&mut tx, account).await?;
    let others: i64 = sqlx::query_scalar!(
        r#"select count(*) as "n!" from push_subscription where account_id = $1 and endpoint <> $2"#,
        account.0,
        endpoint
    )
    .fetch_one(&mut *tx)
    .await?;
    if others >= max {
        return Ok(DeviceAdded::AtLimit);
    }
    let id: Option<i64> = sqlx::query_scalar!(
        "insert into push_subscription (account_id, endpoint, p256dh, auth_sealed, name) \
         values ($1, $2, $3, $4, $5) \
         on conflict (endpoint) do update set \
           p256dh = excluded.p256dh, auth_sealed = excluded.auth_sealed, name = excluded.name \
         where push_subscription.account_id = excluded.account_id \
         returning subscription_id",
        account.0,
        endpoint,
        p256dh,
        auth_sealed,
        name
    )
    .fetch_optional(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(id.map_or(DeviceAdded::HeldByAnother, DeviceAdded::Yes))
}

/// Removes a device (and its health record); false when it is not the account's.
pub async fn delete_device(
    db: impl sqlx::Acquire<'_, Database = Postgres>,
    account: AccountId,
    id: i64,
) -> sqlx::Result<bool> {
    let mut conn = db.acquire().await?;
    let done = sqlx::query!(
        "delete from push_subscription where account_id = $1 and subscription_id = $2",
        account.0,
        id
    )
    .execute(&mut *conn)
    .await?
    .rows_affected()
        > 0;
    sqlx::query!(
        "delete from channel_health where account_id = $1 and channel = 'push' and target = $2",
        account.0,
        format!("push:{id}")
    )
    .execute(&mut *conn)
    .await?;
    Ok(done)
}

/// One notification to record.
#[derive(Debug, Clone)]
pub struct NewNotice<'a> {
    pub account: AccountId,
    /// None: the account's favorite.
    pub rule_id: Option<i64>,
    pub listing_id: ListingId,
    pub kind: EventKind,
    pub trigger_key: &'a str,
    pub title: &'a str,
    pub reason: &'a str,
}

/// Records a notification unless this one was already recorded (same source, listing,
/// trigger and key), or, for a price drop, the source was already told of this price or a
/// lower one, or its rule has since been paused or deleted; its id when it is new.
pub async fn insert_notice(
    tx: &mut Transaction<'_, Postgres>,
    n: &NewNotice<'_>,
) -> sqlx::Result<Option<i64>> {
    let source = n
        .rule_id
        .map_or_else(|| "favorite".to_string(), |id| format!("rule:{id}"));
    sqlx::query_scalar!(
        "insert into notification (account_id, rule_id, source, listing_id, kind, trigger_key, \
           title, reason) \
         select $1, $2, $3, $4, $5, $6, $7, $8 \
         where ($2::bigint is null or exists (select 1 from alert_rule \
           where rule_id = $2 and account_id = $1 and not paused)) \
           and ($9::bigint is null or not exists (select 1 from notification p \
             where p.account_id = $1 and p.source = $3 and p.listing_id = $4 and p.kind = $5 \
               and case when p.trigger_key ~ '^[0-9]+$' then p.trigger_key::bigint <= $9 \
                        else false end)) \
         on conflict (account_id, source, listing_id, kind, trigger_key) do nothing \
         returning notification_id",
        n.account.0,
        n.rule_id,
        source,
        n.listing_id.0,
        n.kind as EventKind,
        n.trigger_key,
        n.title,
        n.reason,
        (n.kind == EventKind::PriceDrop)
            .then(|| n.trigger_key.parse::<i64>().ok())
            .flatten()
    )
    .fetch_optional(&mut **tx)
    .await
}

/// A notice about the account itself (no listing): told once per source and trigger.
#[derive(Debug, Clone)]
pub struct AccountNotice<'a> {
    pub account: AccountId,
    /// `link_expired`, `plan_paused`, `payment_failed` or `trial_ending`.
    pub kind: &'a str,
    /// What it is about: `link:<provider>`.
    pub source: &'a str,
    pub trigger_key: &'a str,
    pub title: &'a str,
    pub reason: &'a str,
    /// The path on Scout it opens.
    pub link: &'a str,
}

/// Records an account notice (one of the kinds without a listing) unless the same one was already
/// recorded; its id when it is new.
pub async fn insert_account_notice(
    tx: &mut Transaction<'_, Postgres>,
    n: &AccountNotice<'_>,
) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar!(
        "insert into notification (account_id, source, kind, trigger_key, title, reason, link) \
         values ($1, $2, $7, $3, $4, $5, $6) \
         on conflict (account_id, source, kind, trigger_key) where listing_id is null do nothing \
         returning notification_id",
        n.account.0,
        n.source,
        n.trigger_key,
        n.title,
        n.reason,
        n.link,
        n.kind
    )
    .fetch_optional(&mut **tx)
    .await
}

#[derive(Debug, Clone)]
pub struct NoticeRow {
    pub notification_id: i64,
    pub listing_id: Option<ListingId>,
    pub link: Option<String>,
    pub title: String,
    pub reason: String,
    pub created_at: OffsetDateTime,
    pub read_at: Option<OffsetDateTime>,
}

pub async fn inbox(db: &PgPool, account: AccountId, limit: i64) -> sqlx::Result<Vec<NoticeRow>> {
    sqlx::query_as!(
        NoticeRow,
        r#"select notification_id, listing_id as "listing_id: ListingId", link, title, reason,
           created_at, read_at
         from notification where account_id = $1
         order by created_at desc, notification_id desc limit $2"#,
        account.0,
        limit
    )
    .fetch_all(db)
    .await
}

pub async fn unread(db: &PgPool, account: AccountId) -> sqlx::Result<i64> {
    sqlx::query_scalar!(
        r#"select count(*) as "n!" from notification where account_id = $1 and read_at is null"#,
        account.0
    )
    .fetch_one(db)
    .await
}

/// Marks one notification read (None: all of them); false when there was no such one.
pub async fn mark_read(db: &PgPool, account: AccountId, id: Option<i64>) -> sqlx::Result<bool> {
    let done = sqlx::query!(
        "update notification set read_at = coalesce(read_at, now()) where account_id = $1 \
         and ($2::bigint is null or notification_id = $2)",
        account.0,
        id
    )
    .execute(db)
    .await?;
    Ok(id.is_none() || done.rows_affected() == 1)
}
