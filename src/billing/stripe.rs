//! The one small interface Scout has to Stripe, over async-stripe's split crates (pinned): make
//! a customer, start Checkout, open the Customer Portal, read subscriptions, invoices and
//! checkout sessions back. The base URL is configuration (`SCOUT_STRIPE_API_URL`), so tests and
//! journeys drive this same code against the stand-in (`end2end/stripe-stand-in.mjs`).
//! Every write carries an idempotency key made from Scout's own operation.

use crate::{error::AppError, server::config::StripeConfig};
use std::collections::HashMap;
use stripe::{Client, ClientBuilder, IdempotencyKey, RequestStrategy, StripeError, StripeRequest};
use stripe_billing::{
    billing_portal_session::CreateBillingPortalSession,
    invoice::RetrieveInvoice,
    subscription::{ListSubscription, ListSubscriptionStatus, RetrieveSubscription},
};
use stripe_checkout::checkout_session::{
    CreateCheckoutSession, CreateCheckoutSessionLineItems, CreateCheckoutSessionSubscriptionData,
    RetrieveCheckoutSession,
};
use stripe_core::customer::CreateCustomer;
use stripe_shared::{CheckoutSessionMode, Invoice, Subscription};

/// The metadata key naming the Scout account on Stripe's objects.
pub const ACCOUNT_KEY: &str = "scout_account";

/// Stripe, as Scout uses it.
#[derive(Clone)]
pub struct Stripe {
    client: Client,
}

/// Why a call to Stripe did not give what was asked.
#[derive(Debug, thiserror::Error)]
pub enum Failure {
    /// 404: Stripe has no such object.
    #[error("Stripe has no such object")]
    NotFound,
    /// Another 4xx: Stripe refused the request (its message).
    #[error("Stripe refused the request: {0}")]
    Refused(String),
    /// Stripe could not be reached, or failed: worth trying again later.
    #[error("Stripe is not answering: {0}")]
    Unavailable(String),
}

impl From<StripeError> for Failure {
    fn from(e: StripeError) -> Failure {
        match e {
            StripeError::Stripe(err, 404) => {
                let _ = err;
                Failure::NotFound
            }
            StripeError::Stripe(err, status) if (400..500).contains(&status) => {
                Failure::Refused(err.message.unwrap_or_else(|| format!("status {status}")))
            }
            other => Failure::Unavailable(other.to_string()),
        }
    }
}

impl From<Failure> for AppError {
    fn from(f: Failure) -> AppError {
        match f {
            Failure::Unavailable(cause) => {
                tracing::warn!("stripe: {cause}");
                AppError::Busy {
                    message: "Payments are not answering right now.".into(),
                    retry_after_secs: 30,
                }
            }
            other => AppError::internal(format_args!("stripe: {other}")),
        }
    }
}

/// A subscription as Scout keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubscriptionState {
    pub id: String,
    pub customer: String,
    /// Stripe's word: trialing, active, past_due, canceled, unpaid, incomplete, ...
    pub status: String,
    pub price: Option<String>,
    /// "month" or "year".
    pub interval: String,
    pub current_period_end: Option<i64>,
    pub cancel_at_period_end: bool,
    pub trial_end: Option<i64>,
    /// The Scout account named in the subscription's metadata.
    pub account: Option<String>,
    /// Its newest invoice.
    pub latest_invoice: Option<String>,
}

impl From<Subscription> for SubscriptionState {
    fn from(s: Subscription) -> SubscriptionState {
        let item = s.items.data.first();
        SubscriptionState {
            id: s.id.as_str().to_owned(),
            customer: s.customer.id().as_str().to_owned(),
            status: s.status.as_str().to_owned(),
            price: item.map(|i| i.price.id.as_str().to_owned()),
            interval: item
                .and_then(|i| i.price.recurring.as_ref())
                .map_or("month", |r| r.interval.as_str())
                .to_owned(),
            current_period_end: item.map(|i| i.current_period_end),
            cancel_at_period_end: s.cancel_at_period_end,
            trial_end: s.trial_end,
            account: s.metadata.get(ACCOUNT_KEY).cloned(),
            latest_invoice: s
                .latest_invoice
                .as_ref()
                .and_then(|i| i.id().as_ref())
                .map(|id| id.as_str().to_owned()),
        }
    }
}

/// An invoice as the billing page lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvoiceState {
    pub id: String,
    pub customer: Option<String>,
    pub subscription: Option<String>,
    /// draft, open, paid, uncollectible, void
    pub status: String,
    /// What was paid, or is due while unpaid (cents).
    pub amount_cents: i64,
    pub currency: String,
    pub created: i64,
    pub pdf_url: Option<String>,
    pub hosted_url: Option<String>,
}

impl InvoiceState {
    fn from(i: Invoice) -> Option<InvoiceState> {
        let status = i.status.as_ref().map_or("draft", |s| s.as_str()).to_owned();
        Some(InvoiceState {
            id: i.id.as_ref()?.as_str().to_owned(),
            customer: i.customer.as_ref().map(|c| c.id().as_str().to_owned()),
            subscription: i
                .parent
                .as_ref()
                .and_then(|p| p.subscription_details.as_ref())
                .map(|d| d.subscription.id().as_str().to_owned()),
            amount_cents: if status == "paid" {
                i.amount_paid
            } else {
                i.amount_due
            },
            status,
            currency: i.currency.to_string(),
            created: i.created,
            pdf_url: i.invoice_pdf,
            hosted_url: i.hosted_invoice_url,
        })
    }
}

/// A checkout session, once the person came back from it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionState {
    pub id: String,
    pub customer: Option<String>,
    pub subscription: Option<String>,
    /// `client_reference_id`: the Scout account that started it.
    pub account: Option<String>,
}

fn key(operation: &str) -> Result<RequestStrategy, Failure> {
    IdempotencyKey::new(operation)
        .map(RequestStrategy::Idempotent)
        .map_err(|e| Failure::Refused(format!("idempotency key: {e}")))
}

impl Stripe {
    pub fn new(config: &StripeConfig) -> anyhow::Result<Stripe> {
        // the crate joins `{url}v1{path}`: the base ends with a slash
        let client = ClientBuilder::new(config.secret_key.clone())
            .url(format!("{}/", config.api_url.trim_end_matches('/')))
            .build()
            .map_err(|e| anyhow::anyhow!("the Stripe client could not be made: {e}"))?;
        Ok(Stripe { client })
    }

    /// A new customer for `account` (one per account whatever the retries: the key is the
    /// account's).
    pub async fn create_customer(&self, account: &str, email: &str) -> Result<String, Failure> {
        let customer = CreateCustomer::new()
            .email(email)
            .metadata(HashMap::from([(
                ACCOUNT_KEY.to_string(),
                account.to_string(),
            )]))
            .customize()
            .request_strategy(key(&format!("scout-customer-{account}"))?)
            .send(&self.client)
            .await?;
        Ok(customer.id.as_str().to_owned())
    }

    /// Starts Checkout in subscription mode for `price`; the page's URL.
    #[expect(clippy::too_many_arguments, reason = "one checkout's parameters")]
    pub async fn checkout(
        &self,
        operation: &str,
        customer: &str,
        account: &str,
        price: &str,
        trial_days: Option<u32>,
        success_url: &str,
        cancel_url: &str,
    ) -> Result<String, Failure> {
        let mut item = CreateCheckoutSessionLineItems::new();
        item.price = Some(price.to_owned());
        item.quantity = Some(1);
        let mut data = CreateCheckoutSessionSubscriptionData::new();
        data.trial_period_days = trial_days;
        data.metadata = Some(HashMap::from([(
            ACCOUNT_KEY.to_string(),
            account.to_string(),
        )]));
        let session = CreateCheckoutSession::new()
            .mode(CheckoutSessionMode::Subscription)
            .customer(customer)
            .client_reference_id(account)
            .line_items(vec![item])
            .allow_promotion_codes(true)
            .subscription_data(data)
            .success_url(success_url)
            .cancel_url(cancel_url)
            .customize()
            .request_strategy(key(operation)?)
            .send(&self.client)
            .await?;
        session
            .url
            .ok_or_else(|| Failure::Refused("the checkout session has no URL".into()))
    }

    /// A Customer Portal session's URL.
    pub async fn portal(
        &self,
        operation: &str,
        customer: &str,
        return_url: &str,
    ) -> Result<String, Failure> {
        let session = CreateBillingPortalSession::new()
            .customer(customer)
            .return_url(return_url)
            .customize()
            .request_strategy(key(operation)?)
            .send(&self.client)
            .await?;
        Ok(session.url)
    }

    pub async fn subscription(&self, id: &str) -> Result<SubscriptionState, Failure> {
        let s = RetrieveSubscription::new(id).send(&self.client).await?;
        Ok(s.into())
    }

    pub async fn invoice(&self, id: &str) -> Result<Option<InvoiceState>, Failure> {
        let i = RetrieveInvoice::new(id).send(&self.client).await?;
        Ok(InvoiceState::from(i))
    }

    pub async fn checkout_session(&self, id: &str) -> Result<SessionState, Failure> {
        let s = RetrieveCheckoutSession::new(id).send(&self.client).await?;
        Ok(SessionState {
            id: s.id.as_str().to_owned(),
            customer: s.customer.as_ref().map(|c| c.id().as_str().to_owned()),
            subscription: s.subscription.as_ref().map(|x| x.id().as_str().to_owned()),
            account: s.client_reference_id,
        })
    }

    /// Every subscription of `customer`, whatever its state (newest first).
    pub async fn subscriptions_of(
        &self,
        customer: &str,
    ) -> Result<Vec<SubscriptionState>, Failure> {
        let list = ListSubscription::new()
            .customer(customer)
            .status(ListSubscriptionStatus::All)
            .limit(20)
            .send(&self.client)
            .await?;
        Ok(list.data.into_iter().map(SubscriptionState::from).collect())
    }
}
