//! SQL for accounts and sign-in throttling. Compile-checked queries; `.sqlx/` is committed.

use crate::accounts::model::AccountId;
use sqlx::PgExecutor;

/// A stored account, as sign-in needs it.
pub struct AccountCredentials {
    pub account_id: AccountId,
    pub password_hash: String,
    /// Whether someone opened a confirmation link sent to the address (or a reset link).
    pub email_verified: bool,
}

/// Inserts an account whose address is already known to be its owner's (the demo accounts);
/// a taken email surfaces as the `account_email_key` constraint. People sign up through
/// `sign_up`, whose accounts start unconfirmed.
pub async fn insert_verified_account(
    db: impl PgExecutor<'_>,
    email: &str,
    password_hash: &str,
) -> sqlx::Result<AccountId> {
    sqlx::query_scalar!(
        r#"insert into account (email, password_hash, email_verified_at) values ($1, $2, now())
           returning account_id as "account_id: AccountId""#,
        email,
        password_hash
    )
    .fetch_one(db)
    .await
}

/// Counts the account's address as confirmed (the demo accounts, whose addresses are the
/// operator's).
pub async fn mark_verified(db: impl PgExecutor<'_>, account: AccountId) -> sqlx::Result<()> {
    sqlx::query!(
        "update account set email_verified_at = coalesce(email_verified_at, now()) where account_id = $1",
        account.0
    )
    .execute(db)
    .await?;
    Ok(())
}

/// What a sign-up found at its address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignUp {
    /// A new account, not confirmed yet, with the sign-up's password.
    Created(AccountId),
    /// An account made earlier whose address nobody has confirmed yet.
    Unconfirmed(AccountId),
    /// An account whose owner confirmed the address: the sign-up changes nothing.
    Confirmed(AccountId),
}

/// Creates an unconfirmed account for `email` unless one uses it already.
pub async fn sign_up(db: &sqlx::PgPool, email: &str, password_hash: &str) -> sqlx::Result<SignUp> {
    let created = sqlx::query_scalar!(
        r#"insert into account (email, password_hash) values ($1, $2)
           on conflict on constraint account_email_key do nothing
           returning account_id as "account_id: AccountId""#,
        email,
        password_hash
    )
    .fetch_optional(db)
    .await?;
    if let Some(id) = created {
        return Ok(SignUp::Created(id));
    }
    let found = sqlx::query!(
        r#"select account_id as "account_id: AccountId", email_verified_at is not null as "verified!"
           from account where email = $1"#,
        email
    )
    .fetch_one(db)
    .await?;
    Ok(if found.verified {
        SignUp::Confirmed(found.account_id)
    } else {
        SignUp::Unconfirmed(found.account_id)
    })
}

/// Records a mail to the account's address (a confirmation link when `token_sha256` is given,
/// carrying a sign-up's password when `password_hash` is; a notice without a link otherwise),
/// unless one of its kind (link or notice) was recorded in the last 2 minutes or 5 in the last
/// day (a mailbox is not flooded): whether it was recorded, and so may be sent.
pub async fn insert_email_verification(
    db: &sqlx::PgPool,
    account: AccountId,
    token_sha256: Option<&[u8]>,
    password_hash: Option<&str>,
) -> sqlx::Result<bool> {
    let mut tx = db.begin().await?;
    lock_account(&mut tx, account).await?;
    let row = sqlx::query!(
        r#"select count(*) filter (where created_at > now() - interval '2 minutes') as "recent!",
                  count(*) as "today!"
           from email_verification where account_id = $1 and created_at > now() - interval '1 day'
             and (token_sha256 is null) = $2"#,
        account.0,
        token_sha256.is_none()
    )
    .fetch_one(&mut *tx)
    .await?;
    if row.recent > 0 || row.today >= 5 {
        return Ok(false);
    }
    sqlx::query!(
        "insert into email_verification (account_id, token_sha256, password_hash) values ($1, $2, $3)",
        account.0,
        token_sha256,
        password_hash
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(true)
}

/// The address a confirmation link is for, while it works (unused, under 24 hours old).
pub async fn verification_link_email(
    db: impl PgExecutor<'_>,
    token_sha256: &[u8],
) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar!(
        r#"select a.email from email_verification v join account a using (account_id)
           where v.token_sha256 = $1 and v.used_at is null
             and v.created_at > now() - interval '24 hours'"#,
        token_sha256
    )
    .fetch_optional(db)
    .await
}

/// Uses a confirmation link: the account's address counts as confirmed from now on, the
/// password chosen at that link's sign-up (if any) replaces the stored one, ending every
/// earlier session, and the account's other links stop working. None when the link doesn't
/// work (unknown, used, or over 24 hours old).
pub async fn verify_email(
    db: &sqlx::PgPool,
    token_sha256: &[u8],
) -> sqlx::Result<Option<AccountId>> {
    let mut tx = db.begin().await?;
    let used = sqlx::query!(
        r#"update email_verification set used_at = now()
           where token_sha256 = $1 and used_at is null and created_at > now() - interval '24 hours'
           returning account_id as "account_id: AccountId", password_hash"#,
        token_sha256
    )
    .fetch_optional(&mut *tx)
    .await?;
    let Some(used) = used else {
        return Ok(None);
    };
    sqlx::query!(
        "update email_verification set used_at = now() where account_id = $1 and used_at is null",
        used.account_id.0
    )
    .execute(&mut *tx)
    .await?;
    mark_verified(&mut *tx, used.account_id).await?;
    if let Some(hash) = used.password_hash {
        set_password(&mut *tx, used.account_id, &hash).await?;
    }
    tx.commit().await?;
    Ok(Some(used.account_id))
}

pub async fn find_credentials(
    db: impl PgExecutor<'_>,
    email: &str,
) -> sqlx::Result<Option<AccountCredentials>> {
    sqlx::query_as!(
        AccountCredentials,
        r#"select account_id, password_hash, email_verified_at is not null as "email_verified!"
           from account where email = $1"#,
        email
    )
    .fetch_optional(db)
    .await
}

/// The email of an account and whether it is confirmed, if the account still exists.
pub async fn find_email(
    db: impl PgExecutor<'_>,
    account_id: AccountId,
) -> sqlx::Result<Option<(String, bool)>> {
    Ok(sqlx::query!(
        r#"select email, email_verified_at is not null as "verified!" from account where account_id = $1"#,
        account_id.0
    )
    .fetch_optional(db)
    .await?
    .map(|r| (r.email, r.verified)))
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
        "update account set password_hash = $2, sessions_valid_after = now(), \
           email_verified_at = coalesce(email_verified_at, now()) where account_id = $1",
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

/// Sets a new password and ends every session of the account begun before now.
pub async fn set_password(
    db: impl PgExecutor<'_>,
    account: AccountId,
    password_hash: &str,
) -> sqlx::Result<()> {
    sqlx::query!(
        "update account set password_hash = $2, sessions_valid_after = now() where account_id = $1",
        account.0,
        password_hash
    )
    .execute(db)
    .await?;
    Ok(())
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

/// Housekeeping: failures, counted requests and links older than they can matter go (a
/// day for what is counted per day, two for confirmation links that work for one).
pub async fn delete_old_failures(db: &sqlx::PgPool) -> sqlx::Result<u64> {
    let mut gone = 0;
    gone += sqlx::query!("delete from sign_in_failure where created_at < now() - interval '1 day'")
        .execute(db)
        .await?
        .rows_affected();
    gone += sqlx::query!("delete from client_request where created_at < now() - interval '1 day'")
        .execute(db)
        .await?
        .rows_affected();
    gone += sqlx::query!("delete from password_reset where created_at < now() - interval '1 day'")
        .execute(db)
        .await?
        .rows_affected();
    gone +=
        sqlx::query!("delete from email_verification where created_at < now() - interval '2 days'")
            .execute(db)
            .await?
            .rows_affected();
    Ok(gone)
}
