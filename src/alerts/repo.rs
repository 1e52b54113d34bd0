//! SQL for alert rules, listing events and notifications. Every statement about a rule or a
//! notification names its account, so one person can never read or change another's.

use super::model::RuleFields;
use crate::notifications::model::{Channel, Rhythm};
use sqlx::{PgExecutor, PgPool, Postgres, Transaction};
use time::OffsetDateTime;
use uuid::Uuid;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RuleRow {
    pub rule_id: i64,
    pub account_id: Uuid,
    pub name: String,
    pub search: String,
    pub keywords: String,
    pub excluded: String,
    pub min_deal_score: Option<i16>,
    pub channels: Vec<String>,
    pub rhythm: String,
    pub paused: bool,
    pub version: i64,
}

impl RuleRow {
    pub fn fields(&self) -> RuleFields {
        RuleFields {
            name: self.name.clone(),
            keywords: self.keywords.clone(),
            excluded: self.excluded.clone(),
            min_deal_score: self.min_deal_score,
            channels: self
                .channels
                .iter()
                .filter_map(|c| Channel::from_slug(c))
                .collect(),
            rhythm: Rhythm::from_slug(&self.rhythm).unwrap_or_default(),
        }
    }
}

const RULE_COLUMNS: &str = "rule_id, account_id, name, search, keywords, excluded, \
     min_deal_score, channels, rhythm, paused, version";

fn channel_slugs(fields: &RuleFields) -> Vec<String> {
    fields
        .channels
        .iter()
        .map(|c| c.as_str().to_string())
        .collect()
}

/// Locks the account's rules for a change that counts them (so two tabs cannot both create
/// the last allowed rule) and says how many are active.
pub async fn lock_and_count_active(
    tx: &mut Transaction<'_, Postgres>,
    account: Uuid,
) -> sqlx::Result<i64> {
    sqlx::query("select 1 from account where account_id = $1 for update")
        .bind(account)
        .execute(&mut **tx)
        .await?;
    sqlx::query_scalar("select count(*) from alert_rule where account_id = $1 and not paused")
        .bind(account)
        .fetch_one(&mut **tx)
        .await
}

pub async fn insert_rule(
    tx: &mut Transaction<'_, Postgres>,
    account: Uuid,
    search: &str,
    fields: &RuleFields,
) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "insert into alert_rule (account_id, name, search, keywords, excluded, min_deal_score, \
         channels, rhythm) values ($1, $2, $3, $4, $5, $6, $7, $8) returning rule_id",
    )
    .bind(account)
    .bind(&fields.name)
    .bind(search)
    .bind(&fields.keywords)
    .bind(&fields.excluded)
    .bind(fields.min_deal_score)
    .bind(channel_slugs(fields))
    .bind(fields.rhythm.as_str())
    .fetch_one(&mut **tx)
    .await
}

/// Changes a rule's own fields; false when the account has no such rule.
pub async fn update_rule(
    db: impl PgExecutor<'_>,
    account: Uuid,
    rule_id: i64,
    fields: &RuleFields,
) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "update alert_rule set name = $3, keywords = $4, excluded = $5, min_deal_score = $6, \
         channels = $7, rhythm = $8 where rule_id = $1 and account_id = $2",
    )
    .bind(rule_id)
    .bind(account)
    .bind(&fields.name)
    .bind(&fields.keywords)
    .bind(&fields.excluded)
    .bind(fields.min_deal_score)
    .bind(channel_slugs(fields))
    .bind(fields.rhythm.as_str())
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn set_paused(
    db: impl PgExecutor<'_>,
    account: Uuid,
    rule_id: i64,
    paused: bool,
) -> sqlx::Result<bool> {
    let done =
        sqlx::query("update alert_rule set paused = $3 where rule_id = $1 and account_id = $2")
            .bind(rule_id)
            .bind(account)
            .bind(paused)
            .execute(db)
            .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn delete_rule(db: &PgPool, account: Uuid, rule_id: i64) -> sqlx::Result<bool> {
    let done = sqlx::query("delete from alert_rule where rule_id = $1 and account_id = $2")
        .bind(rule_id)
        .bind(account)
        .execute(db)
        .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn rule(
    db: impl PgExecutor<'_>,
    account: Uuid,
    rule_id: i64,
) -> sqlx::Result<Option<RuleRow>> {
    sqlx::query_as(&format!(
        "select {RULE_COLUMNS} from alert_rule where rule_id = $1 and account_id = $2"
    ))
    .bind(rule_id)
    .bind(account)
    .fetch_optional(db)
    .await
}

/// A rule with what the Alerts page says about its matches.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RuleWithStats {
    #[sqlx(flatten)]
    pub rule: RuleRow,
    pub last_match: Option<OffsetDateTime>,
    pub matches_this_week: i64,
}

/// The account's rules, oldest first.
pub async fn rules_of(db: &PgPool, account: Uuid) -> sqlx::Result<Vec<RuleWithStats>> {
    sqlx::query_as(&format!(
        "select {RULE_COLUMNS}, \
           (select max(n.created_at) from notification n where n.rule_id = r.rule_id) as last_match, \
           (select count(*) from notification n where n.rule_id = r.rule_id \
              and n.created_at > now() - interval '7 days') as matches_this_week \
         from alert_rule r where account_id = $1 order by created_at, rule_id"
    ))
    .bind(account)
    .fetch_all(db)
    .await
}

/// A rule that exists and is not paused, with where and when it delivers as it is now.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct LiveRule {
    pub rule_id: i64,
    pub channels: Vec<String>,
    pub rhythm: String,
}

impl LiveRule {
    pub fn channels(&self) -> Vec<Channel> {
        self.channels
            .iter()
            .filter_map(|c| Channel::from_slug(c))
            .collect()
    }

    pub fn rhythm(&self) -> Rhythm {
        Rhythm::from_slug(&self.rhythm).unwrap_or_default()
    }
}

/// Those of `ids` whose rules exist and are not paused.
pub async fn live_rules(db: impl PgExecutor<'_>, ids: &[i64]) -> sqlx::Result<Vec<LiveRule>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    sqlx::query_as(
        "select rule_id, channels, rhythm from alert_rule where rule_id = any($1) and not paused \
         order by rule_id",
    )
    .bind(ids)
    .fetch_all(db)
    .await
}

/// The database's clock (rules are stamped with it).
pub async fn database_now(db: &PgPool) -> sqlx::Result<OffsetDateTime> {
    sqlx::query_scalar("select now()").fetch_one(db).await
}

/// Every rule changed after `since` (every rule when None), paused ones too: the matcher
/// drops them.
pub async fn rules_changed(
    db: &PgPool,
    since: Option<OffsetDateTime>,
) -> sqlx::Result<Vec<RuleRow>> {
    sqlx::query_as(&format!(
        "select {RULE_COLUMNS} from alert_rule \
         where $1::timestamptz is null or updated_at > $1 order by rule_id"
    ))
    .bind(since)
    .fetch_all(db)
    .await
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Event {
    pub event_id: i64,
    pub listing_id: i64,
    pub kind: String,
    pub old_price_minor: Option<i64>,
    pub new_price_minor: Option<i64>,
    pub currency: Option<String>,
}

/// Takes the oldest events no other worker holds; they stay locked until the transaction
/// ends and are deleted in it, so a worker that dies leaves them for the next.
pub async fn claim_events(
    tx: &mut Transaction<'_, Postgres>,
    limit: i64,
) -> sqlx::Result<Vec<Event>> {
    sqlx::query_as(
        "select event_id, listing_id, kind, old_price_minor, new_price_minor, currency \
         from listing_event order by event_id limit $1 for update skip locked",
    )
    .bind(limit)
    .fetch_all(&mut **tx)
    .await
}

pub async fn delete_events(tx: &mut Transaction<'_, Postgres>, ids: &[i64]) -> sqlx::Result<()> {
    sqlx::query("delete from listing_event where event_id = any($1)")
        .bind(ids)
        .execute(&mut **tx)
        .await
        .map(|_| ())
}

/// What a notification needs to know about its listing.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ListingWords {
    pub listing_id: i64,
    pub title: String,
    pub description: String,
    pub make: Option<String>,
    pub model: Option<String>,
    pub status: String,
    pub price_minor: i64,
    pub currency: String,
}

pub async fn listing_words(
    db: impl PgExecutor<'_>,
    ids: &[i64],
) -> sqlx::Result<Vec<ListingWords>> {
    sqlx::query_as(
        "select l.listing_id, l.title, l.description, mk.name as make, md.name as model, \
           l.status, l.price_minor, l.currency \
         from listing l left join vehicle_make mk on mk.make_id = l.make_id \
           left join vehicle_model md on md.model_id = l.model_id \
         where l.listing_id = any($1)",
    )
    .bind(ids)
    .fetch_all(db)
    .await
}

/// Whether the account hears about its favorites.
pub async fn favorite_alerts(db: &PgPool, account: Uuid) -> sqlx::Result<bool> {
    sqlx::query_scalar("select alert_on_favorites from account where account_id = $1")
        .bind(account)
        .fetch_optional(db)
        .await
        .map(|on| on.unwrap_or(false))
}

pub async fn set_favorite_alerts(db: &PgPool, account: Uuid, on: bool) -> sqlx::Result<()> {
    sqlx::query("update account set alert_on_favorites = $2 where account_id = $1")
        .bind(account)
        .bind(on)
        .execute(db)
        .await
        .map(|_| ())
}

/// Accounts that saved the listing and want to hear about it.
pub async fn favorited_by(db: impl PgExecutor<'_>, listing_id: i64) -> sqlx::Result<Vec<Uuid>> {
    sqlx::query_scalar(
        "select f.account_id from favorite f join account a on a.account_id = f.account_id \
         where f.listing_id = $1 and a.alert_on_favorites",
    )
    .bind(listing_id)
    .fetch_all(db)
    .await
}
