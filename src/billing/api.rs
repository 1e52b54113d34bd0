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

/// What the billing page and a refused payment action say while Stripe is not configured.
pub const NOT_SET_UP: &str = "Payments are not set up on this Scout, so plans can't be bought or changed here. Everything else works on your current plan.";

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

/// The signed-in person's plan, subscription, usage and invoices. `checkout` is the Checkout
/// session they came back from, `portal` says they came back from the Customer Portal: either
/// way their subscription is read again from Stripe first, so the page shows what they just
/// did (the webhook brings the same state, maybe a moment later).
#[server(prefix = "/api", endpoint = "billing/overview", input = GetUrl)]
pub async fn billing_overview(
    checkout: Option<String>,
    portal: Option<bool>,
) -> Result<BillingView, AppError> {
    let (state, account) = crate::accounts::api::signed_in(SIGN_IN_FOR_BILLING).await?;
    if let Some(stripe) = state.stripe.clone() {
        if let Some(session) = checkout.as_deref().filter(|s| !s.is_empty()) {
            super::sync::after_checkout(&state, &stripe, account, session).await?;
        } else if portal == Some(true) {
            super::sync::refresh_account(&state, &stripe, account).await?;
        }
    }
    server::overview(&state, account).await
}

/// Starts Stripe Checkout for `plan` at `interval` ("month" or "year"): the browser goes on to
/// Stripe's page. Someone who already has a subscription goes to the Customer Portal instead,
/// where plans are changed. 501 while payments are not set up.
#[server(prefix = "/api", endpoint = "billing/checkout")]
pub async fn start_checkout(plan: String, interval: String) -> Result<(), AppError> {
    let (state, account) = crate::accounts::api::signed_in("Sign in to choose a plan.").await?;
    let Some(stripe) = state.stripe.clone() else {
        return Err(server::not_set_up());
    };
    let url = server::checkout(&state, &stripe, account, &plan, &interval).await?;
    leptos_axum::redirect(&url);
    Ok(())
}

/// Opens the Stripe Customer Portal (payment methods, plan changes, cancelling). 501 while
/// payments are not set up.
#[server(prefix = "/api", endpoint = "billing/portal")]
pub async fn open_portal() -> Result<(), AppError> {
    let (state, account) = crate::accounts::api::signed_in(SIGN_IN_FOR_BILLING).await?;
    let Some(stripe) = state.stripe.clone() else {
        return Err(server::not_set_up());
    };
    let url = server::portal(&state, &stripe, account).await?;
    leptos_axum::redirect(&url);
    Ok(())
}

#[cfg(feature = "ssr")]
mod server {
    use super::*;
    use crate::{
        accounts::model::AccountId,
        billing::{plans, repo, stripe::Stripe},
        server::state::AppState,
    };

    /// The 501 of a payment action while Stripe is not configured.
    pub fn not_set_up() -> AppError {
        AppError::NotConfigured {
            message: NOT_SET_UP.into(),
        }
    }

    /// An operation id for an idempotency key: this request's id (a retry of the same
    /// request sends the same key), else a fresh one.
    fn operation(what: &str, account: AccountId) -> String {
        let request =
            crate::error::current_request_id().unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
        format!("scout-{what}-{account}-{request}")
    }

    /// The account's Stripe customer, made on first need.
    async fn customer(
        state: &AppState,
        stripe: &Stripe,
        account: AccountId,
    ) -> Result<String, AppError> {
        let known = sqlx::query_scalar!(
            "select stripe_customer_id from billing_customer where account_id = $1",
            account.0
        )
        .fetch_optional(&state.pool)
        .await?;
        if let Some(c) = known {
            return Ok(c);
        }
        let email = crate::accounts::repo::account_summary(&state.pool, account)
            .await?
            .map(|(email, _, _)| email)
            .ok_or(AppError::NotFound)?;
        let customer = stripe
            .create_customer(&account.0.to_string(), &email)
            .await?;
        let mut tx = state.pool.begin().await?;
        super::super::sync::record_customer(&mut tx, account, &customer).await?;
        tx.commit().await?;
        Ok(customer)
    }

    pub async fn checkout(
        state: &AppState,
        stripe: &Stripe,
        account: AccountId,
        plan: &str,
        interval: &str,
    ) -> Result<String, AppError> {
        let interval = match interval {
            "month" | "year" => interval,
            _ => {
                return Err(AppError::invalid_field(
                    "interval",
                    "Choose monthly or yearly.",
                ));
            }
        };
        let (price, trial_days, name) = plans::price_of(&state.pool, plan, interval)
            .await?
            .ok_or_else(|| AppError::invalid_field("plan", "Choose one of the plans."))?;
        let Some(price) = price else {
            return Err(AppError::Conflict {
                message: format!(
                    "{name} can't be bought {} here yet.",
                    if interval == "year" {
                        "yearly"
                    } else {
                        "monthly"
                    }
                ),
            });
        };
        // one subscription per account: someone who has one changes it in the portal
        if repo::subscription(&state.pool, account)
            .await?
            .is_some_and(|s| {
                matches!(
                    s.status.as_str(),
                    "trialing" | "active" | "past_due" | "unpaid"
                )
            })
        {
            return portal(state, stripe, account).await;
        }
        let customer = customer(state, stripe, account).await?;
        // a trial is for a first subscription only
        let had_one = sqlx::query_scalar!(
            r#"select exists (select 1 from subscription where account_id = $1) as "had!""#,
            account.0
        )
        .fetch_one(&state.pool)
        .await?;
        let trial = (trial_days > 0 && !had_one).then(|| u32::try_from(trial_days).unwrap_or(0));
        let origin = state.config.public_url.origin();
        let url = stripe
            .checkout(
                &operation("checkout", account),
                &customer,
                &account.0.to_string(),
                &price,
                trial,
                &format!("{origin}/billing?checkout={{CHECKOUT_SESSION_ID}}"),
                &format!("{origin}/pricing"),
            )
            .await?;
        tracing::info!(%account, plan, interval, "checkout started");
        Ok(url)
    }

    pub async fn portal(
        state: &AppState,
        stripe: &Stripe,
        account: AccountId,
    ) -> Result<String, AppError> {
        let customer = customer(state, stripe, account).await?;
        let origin = state.config.public_url.origin();
        Ok(stripe
            .portal(
                &operation("portal", account),
                &customer,
                &format!("{origin}/billing?portal=true"),
            )
            .await?)
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
                    period_end: s.current_period_end.map(crate::format::day),
                    cancel_at_period_end: s.cancel_at_period_end,
                    trial_end: s.trial_end.map(crate::format::day),
                    grace_until: s.grace_until.map(crate::format::day),
                    plan_name: s.plan_name,
                });
        let invoices = repo::invoices(&state.pool, account)
            .await?
            .into_iter()
            .map(|i| InvoiceView {
                id: i.stripe_invoice_id,
                date: crate::format::day(i.created_at),
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
