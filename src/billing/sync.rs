//! Keeping Postgres in step with Stripe. Every change comes from what Stripe says *now*: a
//! webhook names an object, Scout re-reads it from Stripe and writes that, so events applied
//! in any order, any number of times, end in Stripe's state. The same writes serve the return
//! from Checkout and the Portal, and the daily reconciliation that catches anything a crash
//! or a lost delivery missed.

use super::{
    enforce,
    stripe::{Failure, InvoiceState, SessionState, Stripe, SubscriptionState},
};
use crate::{accounts::model::AccountId, error::AppError, format::day, server::state::AppState};
use sqlx::{Postgres, Transaction};
use std::time::Duration;
use time::OffsetDateTime;

fn at(t: Option<i64>) -> Option<OffsetDateTime> {
    t.and_then(|t| OffsetDateTime::from_unix_timestamp(t).ok())
}

/// The account a Stripe object belongs to: the one its metadata names (when it exists), else
/// the owner of its customer.
async fn account_of(
    tx: &mut Transaction<'_, Postgres>,
    named: Option<&str>,
    customer: Option<&str>,
) -> Result<Option<AccountId>, AppError> {
    if let Some(id) = named.and_then(|n| uuid::Uuid::parse_str(n).ok()) {
        let found = sqlx::query_scalar!("select account_id from account where account_id = $1", id)
            .fetch_optional(&mut **tx)
            .await?;
        if let Some(id) = found {
            return Ok(Some(AccountId(id)));
        }
    }
    let Some(customer) = customer else {
        return Ok(None);
    };
    Ok(sqlx::query_scalar!(
        "select account_id from billing_customer where stripe_customer_id = $1",
        customer
    )
    .fetch_optional(&mut **tx)
    .await?
    .map(AccountId))
}

/// Remembers `customer` as `account`'s Stripe customer.
pub async fn record_customer(
    tx: &mut Transaction<'_, Postgres>,
    account: AccountId,
    customer: &str,
) -> Result<(), AppError> {
    sqlx::query!(
        "insert into billing_customer (account_id, stripe_customer_id) values ($1, $2) \
         on conflict (account_id) do nothing",
        account.0,
        customer
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Writes a subscription as Stripe has it; the account it belongs to (None: not one of
/// Scout's, or a price no plan has).
pub async fn write_subscription(
    tx: &mut Transaction<'_, Postgres>,
    s: &SubscriptionState,
    grace_days: u32,
) -> Result<Option<AccountId>, AppError> {
    let Some(account) = account_of(tx, s.account.as_deref(), Some(&s.customer)).await? else {
        tracing::warn!(
            subscription = s.id,
            "a Stripe subscription of no Scout account: left alone"
        );
        return Ok(None);
    };
    let Some(price) = s.price.as_deref() else {
        return Ok(None);
    };
    let plan = sqlx::query_scalar!(
        "select code from plan where stripe_price_monthly = $1 or stripe_price_yearly = $1",
        price
    )
    .fetch_optional(&mut **tx)
    .await?;
    let Some(plan) = plan else {
        tracing::warn!(
            subscription = s.id,
            price,
            "a Stripe price no plan has: left alone"
        );
        return Ok(None);
    };
    let interval = if s.interval == "year" {
        "year"
    } else {
        "month"
    };
    sqlx::query!(
        "insert into subscription (stripe_subscription_id, account_id, plan_code, status, \
           billing_interval, current_period_end, cancel_at_period_end, trial_end, \
           past_due_since, grace_until) \
         values ($1, $2, $3, $4, $5, $6, $7, $8, \
           case when $4 = 'past_due' then now() end, \
           case when $4 = 'past_due' then now() + make_interval(days => $9) end) \
         on conflict (stripe_subscription_id) do update set \
           account_id = excluded.account_id, plan_code = excluded.plan_code, \
           status = excluded.status, billing_interval = excluded.billing_interval, \
           current_period_end = excluded.current_period_end, \
           cancel_at_period_end = excluded.cancel_at_period_end, trial_end = excluded.trial_end, \
           past_due_since = case when excluded.status = 'past_due' \
             then coalesce(subscription.past_due_since, now()) end, \
           grace_until = case when excluded.status = 'past_due' \
             then coalesce(subscription.grace_until, now() + make_interval(days => $9)) end, \
           updated_at = now()",
        s.id,
        account.0,
        plan,
        s.status,
        interval,
        at(s.current_period_end),
        s.cancel_at_period_end,
        at(s.trial_end),
        i32::try_from(grace_days).unwrap_or(7),
    )
    .execute(&mut **tx)
    .await?;
    record_customer(tx, account, &s.customer).await?;
    Ok(Some(account))
}

/// Writes an invoice as Stripe has it.
pub async fn write_invoice(
    tx: &mut Transaction<'_, Postgres>,
    account: AccountId,
    i: &InvoiceState,
) -> Result<(), AppError> {
    sqlx::query!(
        "insert into invoice (stripe_invoice_id, account_id, status, amount_cents, currency, \
           created_at, pdf_url, hosted_url) values ($1, $2, $3, $4, $5, $6, $7, $8) \
         on conflict (stripe_invoice_id) do update set status = excluded.status, \
           amount_cents = excluded.amount_cents, pdf_url = excluded.pdf_url, \
           hosted_url = excluded.hosted_url",
        i.id,
        account.0,
        i.status,
        i.amount_cents,
        i.currency,
        at(Some(i.created)).unwrap_or_else(OffsetDateTime::now_utc),
        i.pdf_url,
        i.hosted_url
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// A plan's name, for notices.
async fn plan_name(
    tx: &mut Transaction<'_, Postgres>,
    subscription: &str,
) -> Result<String, AppError> {
    Ok(sqlx::query_scalar!(
        "select p.name from subscription s join plan p on p.code = s.plan_code \
         where s.stripe_subscription_id = $1",
        subscription
    )
    .fetch_optional(&mut **tx)
    .await?
    .unwrap_or_else(|| "Your plan".into()))
}

/// Tells the person, once per invoice, that a payment failed.
async fn tell_payment_failed(
    tx: &mut Transaction<'_, Postgres>,
    account: AccountId,
    invoice: &InvoiceState,
) -> Result<(), AppError> {
    let Some(sub) = invoice.subscription.as_deref() else {
        return Ok(());
    };
    let name = plan_name(tx, sub).await?;
    let grace = sqlx::query_scalar!(
        "select grace_until from subscription where stripe_subscription_id = $1",
        sub
    )
    .fetch_optional(&mut **tx)
    .await?
    .flatten();
    let reason = match grace {
        Some(until) => format!(
            "We couldn't take the payment for {name}. Update your payment method on the Billing page: {name} stays yours until {} while Stripe tries again.",
            day(until)
        ),
        None => format!(
            "We couldn't take the payment for {name}. Update your payment method on the Billing page."
        ),
    };
    let notice = crate::notifications::repo::AccountNotice {
        account,
        kind: "payment_failed",
        source: "billing",
        trigger_key: &invoice.id,
        title: &format!("A payment for {name} failed"),
        reason: &reason,
        link: "/billing",
    };
    crate::notifications::notices::Recorder::default()
        .record_account(tx, &notice, OffsetDateTime::now_utc())
        .await?;
    Ok(())
}

/// Tells the person, once per trial, that it ends soon.
async fn tell_trial_ending(
    tx: &mut Transaction<'_, Postgres>,
    account: AccountId,
    s: &SubscriptionState,
) -> Result<(), AppError> {
    let (Some(end), "trialing") = (at(s.trial_end), s.status.as_str()) else {
        return Ok(());
    };
    let name = plan_name(tx, &s.id).await?;
    let reason = if s.cancel_at_period_end {
        format!(
            "Your {name} trial ends on {}; nothing will be charged.",
            day(end)
        )
    } else {
        format!(
            "Your {name} trial ends on {}; then {name} is billed to your payment method. Cancel on the Billing page if you don't want it.",
            day(end)
        )
    };
    let notice = crate::notifications::repo::AccountNotice {
        account,
        kind: "trial_ending",
        source: "billing",
        trigger_key: &format!("{}:{}", s.id, end.unix_timestamp()),
        title: &format!("Your {name} trial ends soon"),
        reason: &reason,
        link: "/billing",
    };
    crate::notifications::notices::Recorder::default()
        .record_account(tx, &notice, OffsetDateTime::now_utc())
        .await?;
    Ok(())
}

/// What an event is about, read back from Stripe.
enum Work {
    Nothing,
    Checkout(SessionState, Option<SubscriptionState>),
    Subscription(SubscriptionState, bool),
    Invoice(InvoiceState, Option<SubscriptionState>, bool),
}

/// Whether this event was applied already.
async fn seen(state: &AppState, event_id: &str) -> Result<bool, AppError> {
    Ok(sqlx::query_scalar!(
        r#"select exists (select 1 from stripe_event where event_id = $1) as "seen!""#,
        event_id
    )
    .fetch_one(&state.pool)
    .await?)
}

fn gone<T>(r: Result<T, Failure>) -> Result<Option<T>, AppError> {
    match r {
        Ok(v) => Ok(Some(v)),
        Err(Failure::NotFound) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// Applies one verified event (`kind`, about the object `object_id`): reads the object back
/// from Stripe, then records the event and its effect in one transaction. A redelivery, or a
/// second delivery racing the first, changes nothing.
pub async fn apply_event(
    state: &AppState,
    stripe: &Stripe,
    event_id: &str,
    kind: &str,
    object_id: &str,
) -> Result<(), AppError> {
    if seen(state, event_id).await? {
        tracing::debug!(event_id, kind, "a Stripe event seen before");
        return Ok(());
    }
    let work = match kind {
        "checkout.session.completed" => match gone(stripe.checkout_session(object_id).await)? {
            Some(session) => {
                let sub = match session.subscription.as_deref() {
                    Some(id) => gone(stripe.subscription(id).await)?,
                    None => None,
                };
                Work::Checkout(session, sub)
            }
            None => Work::Nothing,
        },
        "customer.subscription.created"
        | "customer.subscription.updated"
        | "customer.subscription.deleted"
        | "customer.subscription.paused"
        | "customer.subscription.resumed"
        | "customer.subscription.trial_will_end" => {
            match gone(stripe.subscription(object_id).await)? {
                Some(s) => Work::Subscription(s, kind == "customer.subscription.trial_will_end"),
                None => Work::Nothing,
            }
        }
        "invoice.paid"
        | "invoice.payment_failed"
        | "invoice.finalized"
        | "invoice.voided"
        | "invoice.marked_uncollectible"
        | "invoice.payment_succeeded" => match gone(stripe.invoice(object_id).await)?.flatten() {
            Some(i) => {
                let sub = match i.subscription.as_deref() {
                    Some(id) => gone(stripe.subscription(id).await)?,
                    None => None,
                };
                Work::Invoice(i, sub, kind == "invoice.payment_failed")
            }
            None => Work::Nothing,
        },
        _ => Work::Nothing,
    };

    let grace = state.config.stripe.as_ref().map_or(7, |s| s.grace_days);
    let mut tx = state.pool.begin().await?;
    let fresh = sqlx::query!(
        "insert into stripe_event (event_id, event_type) values ($1, $2) \
         on conflict (event_id) do nothing",
        event_id,
        kind
    )
    .execute(&mut *tx)
    .await?
    .rows_affected()
        == 1;
    if !fresh {
        // another delivery of the same event got here first
        return Ok(());
    }
    let account = match &work {
        Work::Nothing => None,
        Work::Checkout(session, sub) => {
            let account = account_of(
                &mut tx,
                session.account.as_deref(),
                session.customer.as_deref(),
            )
            .await?;
            if let (Some(account), Some(customer)) = (account, session.customer.as_deref()) {
                record_customer(&mut tx, account, customer).await?;
            }
            match sub {
                Some(s) => write_subscription(&mut tx, s, grace).await?,
                None => account,
            }
        }
        Work::Subscription(s, trial_ending) => {
            let account = write_subscription(&mut tx, s, grace).await?;
            if let (Some(account), true) = (account, *trial_ending) {
                tell_trial_ending(&mut tx, account, s).await?;
            }
            account
        }
        Work::Invoice(i, sub, failed) => {
            let mut account = match sub {
                Some(s) => write_subscription(&mut tx, s, grace).await?,
                None => None,
            };
            if account.is_none() {
                account = account_of(&mut tx, None, i.customer.as_deref()).await?;
            }
            if let Some(account) = account {
                write_invoice(&mut tx, account, i).await?;
                if *failed {
                    tell_payment_failed(&mut tx, account, i).await?;
                }
            }
            account
        }
    };
    tx.commit().await?;
    tracing::info!(event_id, kind, account = ?account.map(|a| a.0), "a Stripe event applied");
    if let Some(account) = account {
        enforce::enforce(state, account).await?;
    }
    Ok(())
}

/// After the person comes back from Checkout: the session they finished, re-read from Stripe
/// (never taken from the redirect), applied at once if it is theirs. Webhooks bring the same
/// state; this only makes it visible on the page they land on.
pub async fn after_checkout(
    state: &AppState,
    stripe: &Stripe,
    account: AccountId,
    session_id: &str,
) -> Result<bool, AppError> {
    let Some(session) = gone(stripe.checkout_session(session_id).await)? else {
        return Ok(false);
    };
    if session.account.as_deref() != Some(&account.0.to_string()) {
        return Ok(false);
    }
    let sub = match session.subscription.as_deref() {
        Some(id) => gone(stripe.subscription(id).await)?,
        None => None,
    };
    // its first invoice too, so the page lists it at once
    let invoice = match sub.as_ref().and_then(|s| s.latest_invoice.as_deref()) {
        Some(id) => gone(stripe.invoice(id).await)?.flatten(),
        None => None,
    };
    let grace = state.config.stripe.as_ref().map_or(7, |s| s.grace_days);
    let mut tx = state.pool.begin().await?;
    if let Some(customer) = session.customer.as_deref() {
        record_customer(&mut tx, account, customer).await?;
    }
    let done = match &sub {
        Some(s) => write_subscription(&mut tx, s, grace).await? == Some(account),
        None => false,
    };
    if done && let Some(invoice) = &invoice {
        write_invoice(&mut tx, account, invoice).await?;
    }
    tx.commit().await?;
    enforce::enforce(state, account).await?;
    Ok(done)
}

/// Re-reads every subscription of `account`'s customer from Stripe (after the Portal, and
/// in the daily reconciliation).
pub async fn refresh_account(
    state: &AppState,
    stripe: &Stripe,
    account: AccountId,
) -> Result<(), AppError> {
    let customer = sqlx::query_scalar!(
        "select stripe_customer_id from billing_customer where account_id = $1",
        account.0
    )
    .fetch_optional(&state.pool)
    .await?;
    let Some(customer) = customer else {
        return Ok(());
    };
    let subs = stripe.subscriptions_of(&customer).await?;
    let grace = state.config.stripe.as_ref().map_or(7, |s| s.grace_days);
    let mut tx = state.pool.begin().await?;
    for s in &subs {
        write_subscription(&mut tx, s, grace).await?;
    }
    tx.commit().await?;
    enforce::enforce(state, account).await?;
    Ok(())
}

/// Accounts with a subscription Stripe may still change (not ended).
async fn live_accounts(state: &AppState) -> Result<Vec<AccountId>, AppError> {
    Ok(sqlx::query_scalar!(
        "select distinct account_id from subscription \
         where status not in ('canceled', 'incomplete_expired')"
    )
    .fetch_all(&state.pool)
    .await?
    .into_iter()
    .map(AccountId)
    .collect())
}

/// Re-reads every live subscription from Stripe: what a crash between a delivery and its
/// effect, or a delivery Stripe gave up on, left behind is put right.
pub async fn reconcile(state: &AppState, stripe: &Stripe) -> Result<usize, AppError> {
    let accounts = live_accounts(state).await?;
    for account in &accounts {
        refresh_account(state, stripe, *account).await?;
    }
    Ok(accounts.len())
}

/// Once a day (and a minute after start): [`reconcile`].
pub async fn run(state: AppState) {
    let Some(stripe) = state.stripe.clone() else {
        return;
    };
    tokio::time::sleep(Duration::from_secs(60)).await;
    let mut tick = tokio::time::interval(Duration::from_secs(24 * 60 * 60));
    loop {
        tick.tick().await;
        match reconcile(&state, &stripe).await {
            Ok(n) => tracing::info!(accounts = n, "subscriptions reconciled with Stripe"),
            Err(e) => tracing::warn!("reconciling subscriptions with Stripe: {e}"),
        }
    }
}
