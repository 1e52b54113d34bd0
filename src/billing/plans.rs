//! Plans and what they allow: the one place that answers "what may this account do".
//!
//! Plans are rows of the `plan` table, which the operator edits (prices, quotas, which plan is
//! the default) without a release. An account is on its subscription's plan while that
//! subscription is trialing, active, or past due within its grace period; otherwise on the
//! default plan. Callers ask here, never a constant of their own; a refusal is
//! [`refusal`]'s 402, which names the quota, the plan and the plan that allows more.

use serde::{Deserialize, Serialize};

/// What an account may do.
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
    /// Listings published at once.
    pub active_listings: i64,
    /// Photos on one listing.
    pub photos_per_listing: i64,
    /// Marketplace accounts linked for cross-posting.
    pub linked_marketplaces: i64,
    /// Listings cross-posted at once.
    pub crossposted_listings: i64,
    /// Requests per minute to server functions and pages.
    pub requests_per_minute: u32,
}

/// A plan as the pricing page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    pub code: String,
    pub name: String,
    /// The plan of everyone without a subscription.
    pub is_default: bool,
    pub monthly_cents: i64,
    pub yearly_cents: i64,
    pub trial_days: i32,
    /// Stripe prices exist for (monthly, yearly): the plan can be bought at that interval.
    pub buyable: (bool, bool),
    pub limits: Limits,
}

impl Plan {
    pub fn is_free(&self) -> bool {
        self.monthly_cents == 0 && self.yearly_cents == 0
    }
}

/// A quota a refusal is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Quota {
    ActiveAlerts,
    TotalAlerts,
    PushDevices,
    Webhooks,
    ActiveListings,
    PhotosPerListing,
    LinkedMarketplaces,
    CrosspostedListings,
}

impl Quota {
    pub const ALL: [Quota; 8] = [
        Quota::ActiveAlerts,
        Quota::TotalAlerts,
        Quota::ActiveListings,
        Quota::PhotosPerListing,
        Quota::LinkedMarketplaces,
        Quota::CrosspostedListings,
        Quota::PushDevices,
        Quota::Webhooks,
    ];

    /// The quota's value in `limits`.
    pub fn of(self, limits: &Limits) -> i64 {
        let n = |v: usize| i64::try_from(v).unwrap_or(i64::MAX);
        match self {
            Quota::ActiveAlerts => n(limits.active_rules),
            Quota::TotalAlerts => n(limits.total_rules),
            Quota::PushDevices => limits.push_devices,
            Quota::Webhooks => limits.webhooks,
            Quota::ActiveListings => limits.active_listings,
            Quota::PhotosPerListing => limits.photos_per_listing,
            Quota::LinkedMarketplaces => limits.linked_marketplaces,
            Quota::CrosspostedListings => limits.crossposted_listings,
        }
    }

    /// What is counted, for "3 active alerts" (singular, plural).
    pub fn noun(self) -> (&'static str, &'static str) {
        match self {
            Quota::ActiveAlerts => ("active alert", "active alerts"),
            Quota::TotalAlerts => (
                "alert (paused ones included)",
                "alerts (paused ones included)",
            ),
            Quota::PushDevices => (
                "device with push notifications",
                "devices with push notifications",
            ),
            Quota::Webhooks => ("webhook", "webhooks"),
            Quota::ActiveListings => ("published listing", "published listings"),
            Quota::PhotosPerListing => ("photo on this listing", "photos on this listing"),
            Quota::LinkedMarketplaces => ("linked marketplace", "linked marketplaces"),
            Quota::CrosspostedListings => ("cross-posted listing", "cross-posted listings"),
        }
    }

    /// The quota's name on the pricing and billing pages.
    pub fn label(self) -> &'static str {
        match self {
            Quota::ActiveAlerts => "Active alerts",
            Quota::TotalAlerts => "Saved alerts",
            Quota::PushDevices => "Push devices",
            Quota::Webhooks => "Webhooks",
            Quota::ActiveListings => "Published listings",
            Quota::PhotosPerListing => "Photos per listing",
            Quota::LinkedMarketplaces => "Linked marketplaces",
            Quota::CrosspostedListings => "Cross-posted listings",
        }
    }

    /// What the person can do instead of upgrading.
    fn instead(self) -> &'static str {
        match self {
            Quota::ActiveAlerts => "pause or delete an alert",
            Quota::TotalAlerts => "delete an alert you no longer need",
            Quota::PushDevices => "remove a device",
            Quota::Webhooks => "remove a webhook",
            Quota::ActiveListings => "mark a listing sold or archive it",
            Quota::PhotosPerListing => "remove a photo",
            Quota::LinkedMarketplaces => "disconnect a marketplace",
            Quota::CrosspostedListings => "stop cross-posting a listing",
        }
    }
}

/// `n` followed by the singular or plural noun.
pub fn count(n: i64, (one, many): (&str, &str)) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The sentence of a 402: what is at its limit on which plan, and the cheapest plan that
/// allows more (if any), e.g. "You have 3 active alerts, the most the Free plan allows. Pause
/// or delete an alert, or upgrade: Pro allows 25."
pub fn refusal_message(quota: Quota, used: i64, current: &Plan, plans: &[Plan]) -> String {
    let most = quota.of(&current.limits);
    let better = plans
        .iter()
        .filter(|p| quota.of(&p.limits) > most)
        .min_by_key(|p| (p.monthly_cents, quota.of(&p.limits)));
    let have = count(used.max(most), quota.noun());
    let head = if most == 0 {
        format!(
            "The {} plan has no {}.",
            current.name,
            quota.noun().1.split(" (").next().unwrap_or_default()
        )
    } else {
        format!(
            "You have {have}, the most the {} plan allows.",
            current.name
        )
    };
    let tail = match (better, most) {
        (Some(p), 0) => format!(" Upgrade: {} allows {}.", p.name, quota.of(&p.limits)),
        (Some(p), _) => format!(
            " To add another, {}, or upgrade: {} allows {}.",
            quota.instead(),
            p.name,
            quota.of(&p.limits)
        ),
        (None, 0) => String::new(),
        (None, _) => format!(" To add another, {} first.", quota.instead()),
    };
    format!("{head}{tail}")
}

/// Where a 402's upgrade link goes.
pub const UPGRADE_PATH: &str = "/pricing";

#[cfg(feature = "ssr")]
pub use server::*;

#[cfg(feature = "ssr")]
mod server {
    use super::{Limits, Plan, Quota, refusal_message};
    use crate::{accounts::model::AccountId, error::AppError};
    use sqlx::PgExecutor;

    struct PlanRow {
        code: String,
        name: String,
        is_default: bool,
        monthly_cents: i32,
        yearly_cents: i32,
        trial_days: i32,
        stripe_price_monthly: Option<String>,
        stripe_price_yearly: Option<String>,
        active_rules: i32,
        total_rules: i32,
        alert_delay_minutes: i32,
        notifications_per_day: i32,
        active_listings: i32,
        photos_per_listing: i32,
        linked_marketplaces: i32,
        crossposted_listings: i32,
        requests_per_minute: i32,
        push_devices: i32,
        webhooks: i32,
    }

    impl From<PlanRow> for Plan {
        fn from(r: PlanRow) -> Plan {
            let u = |v: i32| u32::try_from(v).unwrap_or(0);
            Plan {
                code: r.code,
                name: r.name,
                is_default: r.is_default,
                monthly_cents: r.monthly_cents.into(),
                yearly_cents: r.yearly_cents.into(),
                trial_days: r.trial_days,
                buyable: (
                    r.stripe_price_monthly.is_some(),
                    r.stripe_price_yearly.is_some(),
                ),
                limits: Limits {
                    active_rules: usize::try_from(r.active_rules).unwrap_or(0),
                    total_rules: usize::try_from(r.total_rules).unwrap_or(0),
                    delay_minutes: u(r.alert_delay_minutes),
                    per_day: u(r.notifications_per_day),
                    push_devices: r.push_devices.into(),
                    webhooks: r.webhooks.into(),
                    active_listings: r.active_listings.into(),
                    photos_per_listing: r.photos_per_listing.into(),
                    linked_marketplaces: r.linked_marketplaces.into(),
                    crossposted_listings: r.crossposted_listings.into(),
                    requests_per_minute: u(r.requests_per_minute).max(1),
                },
            }
        }
    }

    /// Every plan, cheapest first.
    pub async fn all(db: impl PgExecutor<'_>) -> Result<Vec<Plan>, AppError> {
        let rows = sqlx::query_as!(
            PlanRow,
            "select code, name, is_default, monthly_cents, yearly_cents, trial_days, \
             stripe_price_monthly, stripe_price_yearly, active_rules, total_rules, \
             alert_delay_minutes, notifications_per_day, active_listings, photos_per_listing, \
             linked_marketplaces, crossposted_listings, requests_per_minute, push_devices, \
             webhooks from plan order by position, code"
        )
        .fetch_all(db)
        .await?;
        Ok(rows.into_iter().map(Plan::from).collect())
    }

    /// The plan `account` is on now: its subscription's while that is in good standing
    /// (trialing, active, or past due within the grace period), else the default plan.
    pub async fn plan_of(db: impl PgExecutor<'_>, account: AccountId) -> Result<Plan, AppError> {
        let row = sqlx::query_as!(
            PlanRow,
            "select code, name, is_default, monthly_cents, yearly_cents, trial_days, \
             stripe_price_monthly, stripe_price_yearly, active_rules, total_rules, \
             alert_delay_minutes, notifications_per_day, active_listings, photos_per_listing, \
             linked_marketplaces, crossposted_listings, requests_per_minute, push_devices, \
             webhooks from plan where code = account_plan($1)",
            account.0,
        )
        .fetch_optional(db)
        .await?;
        row.map(Plan::from)
            .ok_or_else(|| AppError::internal("no plan applies: the plan table has no default row"))
    }

    /// Makes `code` the plan of everyone without a subscription (`SCOUT_DEFAULT_PLAN`).
    pub async fn set_default(db: &sqlx::PgPool, code: &str) -> anyhow::Result<()> {
        let mut tx = db.begin().await?;
        // two statements: the partial unique index allows one default at any moment
        sqlx::query!(
            "update plan set is_default = false where is_default and code <> $1",
            code
        )
        .execute(&mut *tx)
        .await?;
        let found = sqlx::query!("update plan set is_default = true where code = $1", code)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if found == 0 {
            let codes: Vec<String> = sqlx::query_scalar!("select code from plan order by position")
                .fetch_all(&mut *tx)
                .await?;
            anyhow::bail!(
                "SCOUT_DEFAULT_PLAN={code:?} names no plan; the plans are {}",
                codes.join(", ")
            );
        }
        tx.commit().await?;
        tracing::info!(plan = code, "the default plan is set by SCOUT_DEFAULT_PLAN");
        Ok(())
    }

    /// Writes Stripe's price ids per plan (`SCOUT_STRIPE_PRICES`).
    pub async fn set_prices(
        db: &sqlx::PgPool,
        prices: &[crate::server::config::PlanPrices],
    ) -> anyhow::Result<()> {
        for (code, monthly, yearly) in prices {
            let found = sqlx::query!(
                "update plan set stripe_price_monthly = $2, stripe_price_yearly = $3 where code = $1",
                code,
                monthly.as_deref(),
                yearly.as_deref()
            )
            .execute(db)
            .await?
            .rows_affected();
            if found == 0 {
                anyhow::bail!("SCOUT_STRIPE_PRICES names {code:?}, which is no plan");
            }
        }
        Ok(())
    }

    /// Stripe's price for `code` at `interval` ("month" or "year"), and the plan's trial days.
    pub async fn price_of(
        db: impl PgExecutor<'_>,
        code: &str,
        interval: &str,
    ) -> Result<Option<(Option<String>, i32, String)>, AppError> {
        let row = sqlx::query!(
            "select name, trial_days, stripe_price_monthly, stripe_price_yearly from plan where code = $1",
            code
        )
        .fetch_optional(db)
        .await?;
        Ok(row.map(|r| {
            let price = if interval == "year" {
                r.stripe_price_yearly
            } else {
                r.stripe_price_monthly
            };
            (price, r.trial_days, r.name)
        }))
    }

    /// What someone without an account may do: the default plan's limits (`account_plan` of
    /// an id no account has is the default plan).
    pub async fn default_limits(db: impl PgExecutor<'_>) -> Result<Limits, AppError> {
        Ok(plan_of(db, AccountId(uuid::Uuid::nil())).await?.limits)
    }

    /// What `account` may do now.
    pub async fn limits_for(
        db: impl PgExecutor<'_>,
        account: AccountId,
    ) -> Result<Limits, AppError> {
        Ok(plan_of(db, account).await?.limits)
    }

    /// The 402 for `quota` at its limit (`used` of it in use): names the plan and what allows
    /// more.
    pub async fn refusal(
        db: &sqlx::PgPool,
        account: AccountId,
        quota: Quota,
        used: i64,
    ) -> Result<AppError, AppError> {
        let current = plan_of(db, account).await?;
        let plans = all(db).await?;
        Ok(AppError::PlanLimit {
            message: refusal_message(quota, used, &current, &plans),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(name: &str, monthly: i64, active_rules: usize, webhooks: i64) -> Plan {
        Plan {
            code: name.to_lowercase(),
            name: name.into(),
            is_default: monthly == 0,
            monthly_cents: monthly,
            yearly_cents: monthly * 10,
            trial_days: 0,
            buyable: (true, true),
            limits: Limits {
                active_rules,
                total_rules: 50,
                delay_minutes: 0,
                per_day: 50,
                push_devices: 10,
                webhooks,
                active_listings: 5,
                photos_per_listing: 20,
                linked_marketplaces: 1,
                crossposted_listings: 5,
                requests_per_minute: 120,
            },
        }
    }

    #[test]
    fn a_refusal_names_the_plan_and_the_cheapest_that_allows_more() {
        let plans = [
            plan("Free", 0, 3, 0),
            plan("Dealer", 4900, 100, 20),
            plan("Pro", 999, 25, 5),
        ];
        assert_eq!(
            refusal_message(Quota::ActiveAlerts, 3, &plans[0], &plans),
            "You have 3 active alerts, the most the Free plan allows. To add another, pause or delete an alert, or upgrade: Pro allows 25."
        );
        assert_eq!(
            refusal_message(Quota::ActiveAlerts, 25, &plans[2], &plans),
            "You have 25 active alerts, the most the Pro plan allows. To add another, pause or delete an alert, or upgrade: Dealer allows 100."
        );
        // the top plan has nothing to upgrade to
        assert_eq!(
            refusal_message(Quota::ActiveAlerts, 100, &plans[1], &plans),
            "You have 100 active alerts, the most the Dealer plan allows. To add another, pause or delete an alert first."
        );
        // a quota of nothing
        assert_eq!(
            refusal_message(Quota::Webhooks, 0, &plans[0], &plans),
            "The Free plan has no webhooks. Upgrade: Pro allows 5."
        );
    }

    #[test]
    fn counts_agree_with_their_number() {
        assert_eq!(count(1, Quota::Webhooks.noun()), "1 webhook");
        assert_eq!(count(2, Quota::Webhooks.noun()), "2 webhooks");
    }
}
