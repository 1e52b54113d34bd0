//! A plan's quotas after the plan changed (a downgrade, a cancelled subscription, a grace
//! period that ran out): what is over them is paused, never deleted, and the person is told
//! what and how to resume it. What the plan paused is resumed by itself, oldest first, when
//! the account has room again (an upgrade).
//!
//! Today this covers alert rules, the quota whose excess has a natural paused state.

use super::plans;
use crate::{accounts::model::AccountId, error::AppError, server::state::AppState};
use std::time::Duration;
use time::OffsetDateTime;

/// What one enforcement changed.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Enforced {
    /// Names of the rules paused.
    pub paused: Vec<String>,
    /// Names of the rules resumed.
    pub resumed: Vec<String>,
}

/// Brings `account`'s active alert rules within its plan: resumes what the plan paused while
/// there is room, then pauses the newest active rules over the quota (the oldest `quota` stay
/// on) and tells the person.
pub async fn enforce(state: &AppState, account: AccountId) -> Result<Enforced, AppError> {
    // the request rate follows the plan from the next request on
    state.rate_limiter.forget(account);
    let mut tx = state.pool.begin().await?;
    crate::accounts::repo::lock_account(&mut tx, account).await?;
    let limits = plans::limits_for(&mut *tx, account).await?;
    let most = i64::try_from(limits.active_rules).unwrap_or(i64::MAX);
    let resumed = sqlx::query_scalar!(
        r#"with room as (
               select greatest($2 - count(*), 0) as n from alert_rule
               where account_id = $1 and not paused),
           picked as (
               select rule_id from alert_rule where account_id = $1 and paused_by_plan
               order by created_at, rule_id limit (select n from room))
           update alert_rule r set paused = false, paused_by_plan = false
           from picked where r.rule_id = picked.rule_id
           returning r.name"#,
        account.0,
        most
    )
    .fetch_all(&mut *tx)
    .await?;
    let paused = sqlx::query_scalar!(
        r#"with over as (
               select rule_id from alert_rule where account_id = $1 and not paused
               order by created_at, rule_id
               offset $2)
           update alert_rule r set paused = true, paused_by_plan = true
           from over where r.rule_id = over.rule_id
           returning r.name"#,
        account.0,
        most
    )
    .fetch_all(&mut *tx)
    .await?;
    let (mut paused, mut resumed) = (paused, resumed);
    paused.sort();
    resumed.sort();
    if !paused.is_empty() {
        let now = OffsetDateTime::now_utc();
        let title = format!(
            "{} paused by your plan",
            plans::count(
                i64::try_from(paused.len()).unwrap_or(i64::MAX),
                ("alert", "alerts")
            )
        );
        let reason = format!(
            "Your plan now allows {most} active alert{}, so these were paused: {}. Nothing was deleted: resume them on the Alerts page when you have room, or upgrade to resume them all.",
            if most == 1 { "" } else { "s" },
            paused.join(", ")
        );
        let notice = crate::notifications::repo::AccountNotice {
            account,
            kind: "plan_paused",
            source: "plan",
            trigger_key: &now.unix_timestamp_nanos().to_string(),
            title: &title,
            reason: &reason,
            link: "/alerts",
        };
        crate::notifications::notices::Recorder::default()
            .record_account(&mut tx, &notice, now)
            .await?;
    }
    tx.commit().await?;
    if !paused.is_empty() || !resumed.is_empty() {
        tracing::info!(
            %account,
            paused = paused.len(),
            resumed = resumed.len(),
            "alerts brought within the plan"
        );
    }
    Ok(Enforced { paused, resumed })
}

/// Accounts whose active alerts are over their plan's quota, or that have rules the plan
/// paused and room for them again.
pub async fn due(state: &AppState) -> Result<Vec<AccountId>, AppError> {
    let rows = sqlx::query_scalar!(
        r#"select a.account_id as "account_id!" from (
               select account_id, count(*) filter (where not paused) as active,
                      bool_or(paused_by_plan) as any_paused
               from alert_rule group by account_id) a
           join plan p on p.code = account_plan(a.account_id)
           where a.active > p.active_rules or (a.any_paused and a.active < p.active_rules)
           limit 500"#
    )
    .fetch_all(&state.pool)
    .await?;
    Ok(rows.into_iter().map(AccountId).collect())
}

/// Every minute: brings every account that needs it within its plan (a grace period that
/// ended, a subscription that changed).
pub async fn run(state: AppState) {
    let mut tick = tokio::time::interval(Duration::from_secs(60));
    loop {
        tick.tick().await;
        match due(&state).await {
            Ok(accounts) => {
                for account in accounts {
                    if let Err(e) = enforce(&state, account).await {
                        tracing::warn!(%account, "bringing alerts within the plan: {e}");
                    }
                }
            }
            Err(e) => tracing::warn!("finding accounts over their plan: {e}"),
        }
    }
}
