//! Billing's tables: usage per quota, the account's subscription and invoices, Stripe
//! customers, and the applied Stripe events.

use super::plans::Quota;
use crate::accounts::model::AccountId;
use sqlx::PgExecutor;
use time::OffsetDateTime;

/// How much of each quota the account uses now.
pub async fn usage(db: impl PgExecutor<'_>, account: AccountId) -> sqlx::Result<Vec<(Quota, i64)>> {
    let r = sqlx::query!(
        r#"select
             (select count(*) from alert_rule where account_id = $1 and not paused) as "active_alerts!",
             (select count(*) from alert_rule where account_id = $1) as "total_alerts!",
             (select count(*) from listing where seller_id = $1 and status = 'published') as "listings!",
             (select coalesce(max(n), 0) from (
                 select count(*) as n from listing_photo p join listing l using (listing_id)
                 where l.seller_id = $1 and p.status <> 'failed' group by p.listing_id) per) as "photos!",
             (select count(*) from account_identity where account_id = $1 and kind = 'marketplace') as "marketplaces!",
             (select count(distinct listing_id) from cross_post where account_id = $1 and want <> 'deleted') as "cross_posted!",
             (select count(*) from push_subscription where account_id = $1) as "push!",
             (select count(*) from webhook_endpoint where account_id = $1) as "webhooks!""#,
        account.0
    )
    .fetch_one(db)
    .await?;
    Ok(vec![
        (Quota::ActiveAlerts, r.active_alerts),
        (Quota::TotalAlerts, r.total_alerts),
        (Quota::ActiveListings, r.listings),
        (Quota::PhotosPerListing, r.photos),
        (Quota::LinkedMarketplaces, r.marketplaces),
        (Quota::CrosspostedListings, r.cross_posted),
        (Quota::PushDevices, r.push),
        (Quota::Webhooks, r.webhooks),
    ])
}

/// The account's newest subscription, whatever its state.
pub struct SubscriptionRow {
    pub stripe_subscription_id: String,
    pub plan_code: String,
    pub plan_name: String,
    pub status: String,
    pub billing_interval: String,
    pub current_period_end: Option<OffsetDateTime>,
    pub cancel_at_period_end: bool,
    pub trial_end: Option<OffsetDateTime>,
    pub grace_until: Option<OffsetDateTime>,
}

pub async fn subscription(
    db: impl PgExecutor<'_>,
    account: AccountId,
) -> sqlx::Result<Option<SubscriptionRow>> {
    sqlx::query_as!(
        SubscriptionRow,
        r#"select s.stripe_subscription_id, s.plan_code, p.name as plan_name, s.status,
                  s.billing_interval, s.current_period_end, s.cancel_at_period_end, s.trial_end,
                  s.grace_until
           from subscription s join plan p on p.code = s.plan_code
           where s.account_id = $1
           order by (s.status in ('trialing', 'active', 'past_due', 'unpaid')) desc,
                    s.updated_at desc
           limit 1"#,
        account.0
    )
    .fetch_optional(db)
    .await
}

pub struct InvoiceRow {
    pub stripe_invoice_id: String,
    pub status: String,
    pub amount_cents: i64,
    pub currency: String,
    pub created_at: OffsetDateTime,
    pub pdf_url: Option<String>,
    pub hosted_url: Option<String>,
}

/// The account's newest invoices.
pub async fn invoices(
    db: impl PgExecutor<'_>,
    account: AccountId,
) -> sqlx::Result<Vec<InvoiceRow>> {
    sqlx::query_as!(
        InvoiceRow,
        "select stripe_invoice_id, status, amount_cents, currency, created_at, pdf_url, hosted_url \
         from invoice where account_id = $1 order by created_at desc limit 24",
        account.0
    )
    .fetch_all(db)
    .await
}

/// Alert rules the plan paused.
pub async fn paused_by_plan(db: impl PgExecutor<'_>, account: AccountId) -> sqlx::Result<i64> {
    sqlx::query_scalar!(
        r#"select count(*) as "n!" from alert_rule where account_id = $1 and paused_by_plan"#,
        account.0
    )
    .fetch_one(db)
    .await
}

/// The sentence for the banner every page shows while a subscription's payment has failed.
pub async fn payment_trouble(
    db: impl PgExecutor<'_>,
    account: AccountId,
) -> sqlx::Result<Option<String>> {
    let row = sqlx::query!(
        r#"select p.name, s.status, s.grace_until from subscription s
           join plan p on p.code = s.plan_code
           where s.account_id = $1 and s.status in ('past_due', 'unpaid')
           order by s.updated_at desc limit 1"#,
        account.0
    )
    .fetch_optional(db)
    .await?;
    Ok(row.map(|r| match (r.status.as_str(), r.grace_until) {
        ("past_due", Some(until)) if until > OffsetDateTime::now_utc() => format!(
            "The payment for {} failed. Update your payment method: {} stays yours until {} while we retry.",
            r.name,
            r.name,
            crate::format::day(until)
        ),
        _ => format!(
            "The payment for {} failed and its limits are on hold: the free plan's apply until it is paid. Update your payment method.",
            r.name
        ),
    }))
}
