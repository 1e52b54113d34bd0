//! SQL for alert rules, listing events and notifications. Every statement about a rule or a
//! notification names its account, so one person can never read or change another's.

use super::model::RuleFields;
use crate::accounts::model::AccountId;
use crate::listings::model::ListingId;
use crate::{
    listings::model::{EventKind, Status},
    notifications::model::{Channel, Rhythm},
};
use sqlx::{PgExecutor, PgPool, Postgres, Transaction};
use time::OffsetDateTime;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RuleRow {
    pub rule_id: i64,
    pub account_id: AccountId,
    pub name: String,
    pub search: String,
    pub keywords: String,
    pub excluded: String,
    pub min_deal_score: Option<i16>,
    pub channels: Vec<Channel>,
    pub rhythm: Rhythm,
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
            channels: self.channels.clone(),
            rhythm: self.rhythm,
        }
    }
}

/// The account's rules (active, in all), with the account row locked so two requests can't
/// both pass a limit.
pub async fn lock_and_count_rules(
    tx: &mut Transaction<'_, Postgres>,
    account: AccountId,
) -> sqlx::Result<(i64, i64)> {
    crate::accounts::repo::lock_account(tx, account).await?;
    let row = sqlx::query!(
        r#"select count(*) filter (where not paused) as "active!", count(*) as "total!"
           from alert_rule where account_id = $1"#,
        account.0
    )
    .fetch_one(&mut **tx)
    .await?;
    Ok((row.active, row.total))
}

pub async fn insert_rule(
    tx: &mut Transaction<'_, Postgres>,
    account: AccountId,
    search: &str,
    fields: &RuleFields,
) -> sqlx::Result<i64> {
    sqlx::query_scalar!(
        "insert into alert_rule (account_id, name, search, keywords, excluded, min_deal_score, \
         channels, rhythm) values ($1, $2, $3, $4, $5, $6, $7, $8) returning rule_id",
        account.0,
        fields.name,
        search,
        fields.keywords,
        fields.excluded,
        fields.min_deal_score,
        &fields.channels as &[Channel],
        fields.rhythm as Rhythm,
    )
    .fetch_one(&mut **tx)
    .await
}

/// Changes a rule's own fields; false when the account has no such rule.
pub async fn update_rule(
    db: impl PgExecutor<'_>,
    account: AccountId,
    rule_id: i64,
    fields: &RuleFields,
) -> sqlx::Result<bool> {
    let done = sqlx::query!(
        "update alert_rule set name = $3, keywords = $4, excluded = $5, min_deal_score = $6, \
         channels = $7, rhythm = $8 where rule_id = $1 and account_id = $2",
        rule_id,
        account.0,
        fields.name,
        fields.keywords,
        fields.excluded,
        fields.min_deal_score,
        &fields.channels as &[Channel],
        fields.rhythm as Rhythm,
    )
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn set_paused(
    db: impl PgExecutor<'_>,
    account: AccountId,
    rule_id: i64,
    paused: bool,
) -> sqlx::Result<bool> {
    let done = sqlx::query!(
        "update alert_rule set paused = $3, paused_by_plan = false where rule_id = $1 and account_id = $2",
        rule_id,
        account.0,
        paused
    )
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn delete_rule(db: &PgPool, account: AccountId, rule_id: i64) -> sqlx::Result<bool> {
    let done = sqlx::query!(
        "delete from alert_rule where rule_id = $1 and account_id = $2",
        rule_id,
        account.0
    )
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn rule(
    db: impl PgExecutor<'_>,
    account: AccountId,
    rule_id: i64,
) -> sqlx::Result<Option<RuleRow>> {
    sqlx::query_as!(
        RuleRow,
        r#"select rule_id, account_id, name, search, keywords, excluded, min_deal_score,
           channels as "channels: Vec<Channel>", rhythm as "rhythm: Rhythm", paused, version
         from alert_rule where rule_id = $1 and account_id = $2"#,
        rule_id,
        account.0
    )
    .fetch_optional(db)
    .await
}

/// A rule with what the Alerts page says about its matches.
#[derive(Debug, Clone)]
pub struct RuleWithStats {
    pub rule: RuleRow,
    pub last_match: Option<OffsetDateTime>,
    pub matches_this_week: i64,
}

/// The account's rules, oldest first.
pub async fn rules_of(db: &PgPool, account: AccountId) -> sqlx::Result<Vec<RuleWithStats>> {
    let rows = sqlx::query!(
        r#"select rule_id, account_id, name, search, keywords, excluded, min_deal_score,
           channels as "channels: Vec<Channel>", rhythm as "rhythm: Rhythm", paused, version,
           (select max(n.created_at) from notification n where n.rule_id = r.rule_id) as last_match,
           (select count(*) from notification n where n.rule_id = r.rule_id
              and n.created_at > now() - interval '7 days') as "matches_this_week!"
         from alert_rule r where account_id = $1 order by created_at, rule_id"#,
        account.0
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| RuleWithStats {
            rule: RuleRow {
                rule_id: r.rule_id,
                account_id: r.account_id.into(),
                name: r.name,
                search: r.search,
                keywords: r.keywords,
                excluded: r.excluded,
                min_deal_score: r.min_deal_score,
                channels: r.channels,
                rhythm: r.rhythm,
                paused: r.paused,
                version: r.version,
            },
            last_match: r.last_match,
            matches_this_week: r.matches_this_week,
        })
        .collect())
}

/// A rule that exists and is not paused, with where and when it delivers as it is now.
#[derive(Debug, Clone)]
pub struct LiveRule {
    pub rule_id: i64,
    pub channels: Vec<Channel>,
    pub rhythm: Rhythm,
}

/// Those of `ids` whose rules exist and are not paused.
pub async fn live_rules(db: impl PgExecutor<'_>, ids: &[i64]) -> sqlx::Result<Vec<LiveRule>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    sqlx::query_as!(
        LiveRule,
        r#"select rule_id, channels as "channels: Vec<Channel>", rhythm as "rhythm: Rhythm"
         from alert_rule where rule_id = any($1) and not paused order by rule_id"#,
        ids
    )
    .fetch_all(db)
    .await
}

/// The database's clock (rules are stamped with it).
pub async fn database_now(db: &PgPool) -> sqlx::Result<OffsetDateTime> {
    sqlx::query_scalar!(r#"select now() as "now!""#)
        .fetch_one(db)
        .await
}

/// Every rule changed after `since` (every rule when None), paused ones too: the matcher
/// drops them.
pub async fn rules_changed(
    db: &PgPool,
    since: Option<OffsetDateTime>,
) -> sqlx::Result<Vec<RuleRow>> {
    sqlx::query_as!(
        RuleRow,
        r#"select rule_id, account_id, name, search, keywords, excluded, min_deal_score,
           channels as "channels: Vec<Channel>", rhythm as "rhythm: Rhythm", paused, version
         from alert_rule where $1::timestamptz is null or updated_at > $1 order by rule_id"#,
        since
    )
    .fetch_all(db)
    .await
}

#[derive(Debug, Clone)]
pub struct Event {
    pub event_id: i64,
    pub listing_id: ListingId,
    pub kind: EventKind,
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
    sqlx::query_as!(
        Event,
        r#"select event_id, listing_id, kind as "kind: EventKind", old_price_minor,
           new_price_minor, currency
         from listing_event order by event_id limit $1 for update skip locked"#,
        limit
    )
    .fetch_all(&mut **tx)
    .await
}

pub async fn delete_events(tx: &mut Transaction<'_, Postgres>, ids: &[i64]) -> sqlx::Result<()> {
    sqlx::query!("delete from listing_event where event_id = any($1)", ids)
        .execute(&mut **tx)
        .await
        .map(|_| ())
}

/// What a notification needs to know about its listing.
#[derive(Debug, Clone)]
pub struct ListingWords {
    pub listing_id: ListingId,
    pub title: String,
    pub description: String,
    pub make: Option<String>,
    pub model: Option<String>,
    pub status: Status,
    pub price_minor: i64,
    pub currency: String,
}

pub async fn listing_words(
    db: impl PgExecutor<'_>,
    ids: &[ListingId],
) -> sqlx::Result<Vec<ListingWords>> {
    sqlx::query_as!(
        ListingWords,
        r#"select l.listing_id as "listing_id!", l.title as "title!",
           l.description as "description!", mk.name as "make?", md.name as "model?",
           l.status as "status!: Status", l.price_minor as "price_minor!",
           l.currency as "currency!"
         from listing l left join vehicle_make mk on mk.make_id = l.make_id
           left join vehicle_model md on md.model_id = l.model_id
         where l.listing_id = any($1)"#,
        &ListingId::raw(ids)
    )
    .fetch_all(db)
    .await
}

/// Whether the account hears about its favorites.
pub async fn favorite_alerts(db: &PgPool, account: AccountId) -> sqlx::Result<bool> {
    sqlx::query_scalar!(
        "select alert_on_favorites from account where account_id = $1",
        account.0
    )
    .fetch_optional(db)
    .await
    .map(|on| on.unwrap_or(false))
}

pub async fn set_favorite_alerts(db: &PgPool, account: AccountId, on: bool) -> sqlx::Result<()> {
    sqlx::query!(
        "update account set alert_on_favorites = $2 where account_id = $1",
        account.0,
        on
    )
    .execute(db)
    .await
    .map(|_| ())
}

/// Accounts that saved the listing and want to hear about it.
pub async fn favorited_by(
    db: impl PgExecutor<'_>,
    listing_id: ListingId,
) -> sqlx::Result<Vec<AccountId>> {
    sqlx::query_scalar!(
        r#"select f.account_id as "account_id: AccountId" from favorite f join account a on a.account_id = f.account_id
         where f.listing_id = $1 and a.alert_on_favorites"#,
        listing_id.0
    )
    .fetch_all(db)
    .await
}
