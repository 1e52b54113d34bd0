//! Server functions of the pricing and billing pages. Every one asks who is asking first; the
//! pricing page is public and marks the plan of a signed-in person.

use super::plans::{Plan, Quota};
use crate::error::AppError;
use leptos::{prelude::*, server_fn::codec::GetUrl};
use serde::{Deserialize, Serialize};

/// The pricing page's data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pricing {
    pub plans: Vec<Plan>,
    /// The signed-in person's plan code (None: signed out).
    pub current: Option<String>,
    /// Whether payments are set up (Stripe keys configured).
    pub payments: bool,
}

/// One quota's use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Usage {
    pub quota: Quota,
    pub used: i64,
    pub most: i64,
}

/// A subscription as the billing page says it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubscriptionView {
    /// Stripe's status: trialing, active, past_due, canceled, unpaid, incomplete, ...
    pub status: String,
    /// "month" or "year".
    pub interval: String,
    /// The end of the current period ("7 January 2027").
    pub period_end: Option<String>,
    pub cancel_at_period_end: bool,
    pub trial_end: Option<String>,
    /// While a failed payment is retried: until when the plan's quotas still hold.
    pub grace_until: Option<String>,
    pub plan_name: String,
}

/// An invoice line on the billing page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvoiceView {
    pub id: String,
    pub date: String,
    pub amount: String,
    pub status: String,
    pub pdf_url: Option<String>,
    pub hosted_url: Option<String>,
}

/// The billing page's data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BillingView {
    pub plan: Plan,
    pub subscription: Option<SubscriptionView>,
    pub usage: Vec<Usage>,
    pub invoices: Vec<InvoiceView>,
    pub payments: bool,
    /// Alerts the plan paused after a downgrade.
    pub paused_alerts: i64,
}

/// "€9.99", "€49", "€0": a price in euro cents.
pub fn euros(cents: i64) -> String {
    if cents % 100 == 0 {
        format!("€{}", cents / 100)
    } else {
        format!("€{}.{:02}", cents / 100, (cents % 100).abs())
    }
}

/// What a signed-out person is asked to sign in for.
pub const SIGN_IN_FOR_BILLING: &str = "Sign in to see your plan and billing.";

/// Every plan, with the signed-in person's marked.
#[server(prefix = "/api", endpoint = "billing/plans", input = GetUrl)]
pub async fn get_pricing() -> Result<Pricing, AppError> {
    let state = crate::server::state::AppState::from_context()?;
    let plans = super::plans::all(&state.pool).await?;
    let current = match crate::accounts::api::current_account_id().await? {
        Some(account) => Some(super::plans::plan_of(&state.pool, account).await?.code),
        None => None,
    };
    Ok(Pricing {
        plans,
        current,
        payments: state.config.stripe.is_some(),
    })
}

/// The signed-in person's plan, subscription, usage and invoices.
#[server(prefix = "/api", endpoint = "billing/overview", input = GetUrl)]
pub async fn billing_overview() -> Result<BillingView, AppError> {
    let (state, account) = crate::accounts::api::signed_in(SIGN_IN_FOR_BILLING).await?;
    server::overview(&state, account).await
}

/// Starts Stripe Checkout for `plan` at `interval` ("month" or "year"): the browser goes on to
/// Stripe's page. 501 while payments are not set up.
#[server(prefix = "/api", endpoint = "billing/checkout")]
pub async fn start_checkout(plan: String, interval: String) -> Result<(), AppError> {
    let (state, account) = crate::accounts::api::signed_in("Sign in to choose a plan.").await?;
    let _ = (plan, interval, account);
    Err(server::not_set_up(&state))
}

/// Opens the Stripe Customer Portal (payment methods, plan changes, cancelling). 501 while
/// payments are not set up.
#[server(prefix = "/api", endpoint = "billing/portal")]
pub async fn open_portal() -> Result<(), AppError> {
    let (state, account) = crate::accounts::api::signed_in(SIGN_IN_FOR_BILLING).await?;
    let _ = account;
    Err(server::not_set_up(&state))
}

#[cfg(feature = "ssr")]
mod server {
    use super::*;
    use crate::{
        accounts::model::AccountId,
        billing::{plans, repo},
        server::state::AppState,
    };
    use time::OffsetDateTime;

    /// "7 January 2027".
    fn day(t: OffsetDateTime) -> String {
        format!("{} {} {}", t.day(), t.month(), t.year())
    }

    /// The 501 of a payment action while Stripe is not configured.
    pub fn not_set_up(state: &AppState) -> AppError {
        if state.config.stripe.is_some() {
            // configured, but this build's Stripe client is not yet wired in
            return AppError::NotConfigured {
                message:
                    "Buying a plan is not available yet. Everyone is on the free plan meanwhile."
                        .into(),
            };
        }
        AppError::NotConfigured {
            message: "Payments are not set up on this Scout, so plans can't be bought or changed here. Everything else works on your current plan.".into(),
        }
    }

    pub async fn overview(state: &AppState, account: AccountId) -> Result<BillingView, AppError> {
        let plan = plans::plan_of(&state.pool, account).await?;
        let usage = repo::usage(&state.pool, account)
            .await?
            .into_iter()
            .map(|(quota, used)| Usage {
                quota,
                used,
                most: quota.of(&plan.limits),
            })
            .collect();
        let subscription =
            repo::subscription(&state.pool, account)
                .await?
                .map(|s| SubscriptionView {
                    status: s.status,
                    interval: s.billing_interval,
                    period_end: s.current_period_end.map(day),
                    cancel_at_period_end: s.cancel_at_period_end,
                    trial_end: s.trial_end.map(day),
                    grace_until: s.grace_until.map(day),
                    plan_name: s.plan_name,
                });
        let invoices = repo::invoices(&state.pool, account)
            .await?
            .into_iter()
            .map(|i| InvoiceView {
                id: i.stripe_invoice_id,
                date: day(i.created_at),
                amount: if i.currency.eq_ignore_ascii_case("eur") {
                    euros(i.amount_cents)
                } else {
                    format!(
                        "{}.{:02} {}",
                        i.amount_cents / 100,
                        i.amount_cents % 100,
                        i.currency.to_uppercase()
                    )
                },
                status: i.status,
                pdf_url: i.pdf_url,
                hosted_url: i.hosted_url,
            })
            .collect();
        Ok(BillingView {
            plan,
            subscription,
            usage,
            invoices,
            payments: state.config.stripe.is_some(),
            paused_alerts: repo::paused_by_plan(&state.pool, account).await?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::euros;

    #[test]
    fn prices_read_as_euros() {
        assert_eq!(euros(999), "€9.99");
        assert_eq!(euros(4900), "€49");
        assert_eq!(euros(0), "€0");
        assert_eq!(euros(9990), "€99.90");
    }
}
