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

/// Holds a transaction-scoped advisory lock on `key` until the transaction ends.
async fn advisory_lock(tx: &mut sqlx::PgConnection, key: &str) -> sqlx::Result<()> {
    sqlx::query_scalar!(
        r#"select 1 as "locked!" from (select pg_advisory_xact_lock(hashtextextended($1, 0))) l"#,
        key
    )
    .fetch_one(tx)
    .await?;
    Ok(())
}

/// Locks the account's row until the transaction ends: how a change that counts what an
/// account has (rules, devices, links sent) keeps two requests from both passing a limit.
pub async fn lock_account(tx: &mut sqlx::PgConnection, account: AccountId) -> sqlx::Result<()> {
    sqlx::query!(
        "select 1 as one from account where account_id = $1 for update",
        account.0
    )
    .fetch_optional(tx)
    .await?;
    Ok(())
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
        advisory_lock(&mut tx, &key).await?;
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

/// Counts a request of `kind` (`sign_up`, `password_reset`) from `client` unless it made
/// `max` in the last `window_secs`: Ok(None), or Ok(Some(seconds to wait)). Atomic, like
/// `reserve_attempt`.
pub async fn reserve_client_request(
    db: &sqlx::PgPool,
    kind: &str,
    client: &str,
    window_secs: i64,
    max: i64,
) -> sqlx::Result<Option<i64>> {
    let mut tx = db.begin().await?;
    advisory_lock(&mut tx, &format!("client request {kind} {client}")).await?;
    let row = sqlx::query!(
        r#"select count(*) as "made!",
             coalesce(ceil(extract(epoch from (min(created_at) + make_interval(secs => $3) - now())))::bigint, 0) as "wait!"
           from (select created_at from client_request
                 where kind = $1 and client = $2 and created_at > now() - make_interval(secs => $3)
                 order by created_at desc limit $4) recent"#,
        kind,
        client,
        window_secs as f64,
        max
    )
    .fetch_one(&mut *tx)
    .await?;
    if row.made >= max {
        return Ok(Some(row.wait.max(1)));
    }
    sqlx::query!(
        "insert into client_request (kind, client) values ($1, $2)",
        kind,
        client
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(None)
}

/// Records a reset link for the account, unless one was made in the last 2 minutes or 5 in
/// the last day (a mailbox is not flooded): whether it was recorded.
pub async fn insert_password_reset(
    db: &sqlx::PgPool,
    account: AccountId,
    token_sha256: &[u8],
) -> sqlx::Result<bool> {
    let mut tx = db.begin().await?;
    lock_account(&mut tx, account).await?;
    let row = sqlx::query!(
        r#"select count(*) filter (where created_at > now() - interval '2 minutes') as "recent!",
                  count(*) as "today!"
           from password_reset where account_id = $1 and created_at > now() - interval '1 day'"#,
        account.0
    )
    .fetch_one(&mut *tx)
    .await?;
    if row.recent > 0 || row.today >= 5 {
        return Ok(false);
    }
    sqlx::query!(
        "insert into password_reset (account_id, token_sha256) values ($1, $2)",
        account.0,
        token_sha256
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(true)
}

/// The account a reset link is for, while it works (unused, under an hour old).
pub async fn reset_link_account(
    db: impl PgExecutor<'_>,
    token_sha256: &[u8],
) -> sqlx::Result<Option<AccountId>> {
    sqlx::query_scalar!(
        r#"select account_id as "account_id: AccountId" from password_reset
           where token_sha256 = $1 and used_at is null and created_at > now() - interval '1 hour'"#,
        token_sha256
    )
    .fetch_optional(db)
    .await
}

/// Uses a reset link: the new password is set, every earlier session of the account ends,
/// and every other reset link of the account stops working. None when the link doesn't work.
pub async fn reset_password(
    db: &sqlx::PgPool,
    token_sha256: &[u8],
    password_hash: &str,
) -> sqlx::Result<Option<AccountId>> {
    let mut tx = db.begin().await?;
    let account = sqlx::query_scalar!(
        r#"update password_reset set used_at = now()
           where token_sha256 = $1 and used_at is null and created_at > now() - interval '1 hour'
           returning account_id as "account_id: AccountId""#,
        token_sha256
    )
    .fetch_optional(&mut *tx)
    .await?;
    let Some(account) = account else {
        return Ok(None);
    };
    sqlx::query!(
        "update password_reset set used_at = now() where account_id = $1 and used_at is null",
        account.0
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query!(
        "update account set password_hash = $2, sessions_valid_after = now() where account_id = $1",
        account.0,
        password_hash
    )
    .execute(&mut *tx)
    .await?;
    // a fresh start for sign-in throttling too
    sqlx::query!(
        "delete from sign_in_failure where email = (select email from account where account_id = $1)",
        account.0
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Some(account))
}

/// When the account's sessions were last all ended (inner None: never); outer None: the
/// account no longer exists.
pub async fn sessions_valid_after(
    db: impl PgExecutor<'_>,
    account: AccountId,
) -> sqlx::Result<Option<Option<time::OffsetDateTime>>> {
    sqlx::query_scalar!(
        "select sessions_valid_after from account where account_id = $1",
        account.0
    )
    .fetch_optional(db)
    .await
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
