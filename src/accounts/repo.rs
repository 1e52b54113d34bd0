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

/// Failed sign-ins within the window: for this email, for this client address, and the
/// number of seconds until the oldest of the counted failures leaves the window.
pub struct RecentFailures {
    pub for_email: i64,
    pub for_client: i64,
    pub email_retry_after_secs: i64,
    pub client_retry_after_secs: i64,
}

pub async fn recent_failures(
    db: impl PgExecutor<'_>,
    email: &str,
    client_ip: &str,
    window_secs: i64,
    max_failures: i64,
) -> sqlx::Result<RecentFailures> {
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
        client_ip,
        window_secs as f64,
        i32::try_from(max_failures).unwrap_or(i32::MAX)
    )
    .fetch_one(db)
    .await?;
    Ok(RecentFailures {
        for_email: row.for_email,
        for_client: row.for_client,
        email_retry_after_secs: row.email_retry,
        client_retry_after_secs: row.client_retry,
    })
}

pub async fn record_failure(
    db: impl PgExecutor<'_>,
    email: &str,
    client_ip: &str,
) -> sqlx::Result<()> {
    sqlx::query!(
        r#"insert into sign_in_failure (email, client_ip) values ($1, $2)"#,
        email,
        client_ip
    )
    .execute(db)
    .await?;
    Ok(())
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
