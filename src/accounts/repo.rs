//! SQL for accounts and sign-in throttling. Compile-checked queries; `.sqlx/` is committed.

use crate::accounts::model::AccountId;
use sqlx::PgExecutor;

/// A stored account, as sign-in needs it.
pub struct AccountCredentials {
    pub account_id: AccountId,
    pub password_hash: String,
}

/// Inserts an account; a taken email surfaces as the `account_email_key` constraint.
pub async fn insert_account(
    db: impl PgExecutor<'_>,
    email: &str,
    password_hash: &str,
) -> sqlx::Result<AccountId> {
    sqlx::query_scalar!(
        r#"insert into account (email, password_hash) values ($1, $2) returning account_id as "account_id: AccountId""#,
        email,
        password_hash
    )
    .fetch_one(db)
    .await
}

pub async fn find_credentials(
    db: impl PgExecutor<'_>,
    email: &str,
) -> sqlx::Result<Option<AccountCredentials>> {
    sqlx::query_as!(
        AccountCredentials,
        r#"select account_id, password_hash from account where email = $1"#,
        email
    )
    .fetch_optional(db)
    .await
}

/// The email of an account, if it still exists.
pub async fn find_email(
    db: impl PgExecutor<'_>,
    account_id: AccountId,
) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar!(
        r#"select email from account where account_id = $1"#,
        account_id.0
    )
    .fetch_optional(db)
    .await
}

/// The answer to "may this client try a password for this email now?".
pub enum Attempt {
    /// Allowed: the attempt is already counted as a failure (row `0`) until it succeeds.
    Reserved(i64),
    /// Refused: the limit is reached; the oldest counted failure leaves the window in this
    /// many seconds.
    Throttled { retry_after_secs: i64 },
}

/// Counts this attempt against the email's and the client's limits before the password is
/// checked, atomically: the count and the insert run under transaction-scoped advisory locks
/// on the email and on the client (always taken in that order, so two attempts never wait on
/// each other in a circle), so of N parallel attempts at most `max_failures` get through.
pub async fn reserve_attempt(
    db: &sqlx::PgPool,
    email: &str,
    client: &str,
    window_secs: i64,
    max_failures: i64,
) -> sqlx::Result<Attempt> {
    let mut tx = db.begin().await?;
    for key in [
        format!("sign-in email {email}"),
        format!("sign-in client {client}"),
    ] {
        sqlx::query_scalar!(
            r#"select 1 as "locked!" from (select pg_advisory_xact_lock(hashtextextended($1, 0))) l"#,
            key
        )
        .fetch_one(&mut *tx)
        .await?;
    }
    // The wait is measured from the failure that would have to expire for the count to
    // drop below the limit (the max-th newest), not the oldest, so it is never too short.
    let row = sqlx::query!(
        r#"
        with e as (
            select created_at from sign_in_failure
            where email = $1 and created_at > now() - make_interval(secs => $3)
        ), c as (
            select created_at from sign_in_failure
            where client_ip = $2 and created_at > now() - make_interval(secs => $3)
        )
        select
            (select count(*) from e) as "for_email!",
            (select count(*) from c) as "for_client!",
            coalesce((select ceil(extract(epoch from (created_at + make_interval(secs => $3) - now())))::bigint
                      from e order by created_at desc offset greatest($4 - 1, 0) limit 1), 0) as "email_retry!",
            coalesce((select ceil(extract(epoch from (created_at + make_interval(secs => $3) - now())))::bigint
                      from c order by created_at desc offset greatest($4 - 1, 0) limit 1), 0) as "client_retry!"
        "#,
        email,
        client,
        window_secs as f64,
        i32::try_from(max_failures).unwrap_or(i32::MAX)
    )
    .fetch_one(&mut *tx)
    .await?;
    let mut wait = None;
    if row.for_email >= max_failures {
        wait = Some(row.email_retry);
    }
    if row.for_client >= max_failures {
        wait = Some(wait.unwrap_or(0).max(row.client_retry));
    }
    if let Some(retry_after_secs) = wait {
        return Ok(Attempt::Throttled { retry_after_secs });
    }
    let id = sqlx::query_scalar!(
        r#"insert into sign_in_failure (email, client_ip) values ($1, $2) returning sign_in_failure_id"#,
        email,
        client
    )
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Attempt::Reserved(id))
}

/// A successful sign-in forgives the account's earlier failures (not the client address's).
pub async fn clear_failures_for_email(db: impl PgExecutor<'_>, email: &str) -> sqlx::Result<()> {
    sqlx::query!(r#"delete from sign_in_failure where email = $1"#, email)
        .execute(db)
        .await?;
    Ok(())
}

/// Housekeeping: failures older than a day no longer count for anything.
pub async fn delete_old_failures(db: impl PgExecutor<'_>) -> sqlx::Result<u64> {
    let done =
        sqlx::query!(r#"delete from sign_in_failure where created_at < now() - interval '1 day'"#)
            .execute(db)
            .await?;
    Ok(done.rows_affected())
}
