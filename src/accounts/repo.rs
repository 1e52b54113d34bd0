//! SQL for accounts and sign-in throttling. Compile-checked queries; `.sqlx/` is committed.

use crate::accounts::model::AccountId;
use sqlx::PgExecutor;

/// A stored account, as sign-in needs it.
pub struct AccountCredentials {
    pub account_id: AccountId,
    /// None for an account made with a sign-in provider that has not chosen a password.
    pub password_hash: Option<String>,
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

/// What the page header and the Account page show of the signed-in account: its email,
/// whether the address is confirmed, whether it has a password.
pub async fn account_summary(
    db: impl PgExecutor<'_>,
    account_id: AccountId,
) -> sqlx::Result<Option<(String, bool, bool)>> {
    Ok(sqlx::query!(
        r#"select email, email_verified_at is not null as "verified!",
                  password_hash is not null as "has_password!"
           from account where account_id = $1"#,
        account_id.0
    )
    .fetch_optional(db)
    .await?
    .map(|r| (r.email, r.verified, r.has_password)))
}

/// The code of the currency the account reads prices in (None: no such account).
pub async fn display_currency(
    db: impl PgExecutor<'_>,
    account_id: AccountId,
) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar!(
        "select display_currency from account where account_id = $1",
        account_id.0
    )
    .fetch_optional(db)
    .await
}

/// The currency each of `accounts` reads prices in: (account, code).
pub async fn display_currencies(
    db: impl PgExecutor<'_>,
    accounts: &[AccountId],
) -> sqlx::Result<Vec<(AccountId, String)>> {
    let ids: Vec<uuid::Uuid> = accounts.iter().map(|a| a.0).collect();
    Ok(sqlx::query!(
        "select account_id, display_currency from account where account_id = any($1)",
        &ids
    )
    .fetch_all(db)
    .await?
    .into_iter()
    .map(|r| (AccountId(r.account_id), r.display_currency))
    .collect())
}

/// Sets the currency the account reads prices in (a code of the `currency` table).
pub async fn set_display_currency(
    db: impl PgExecutor<'_>,
    account_id: AccountId,
    code: &str,
) -> sqlx::Result<bool> {
    Ok(sqlx::query!(
        "update account set display_currency = $2 where account_id = $1",
        account_id.0,
        code
    )
    .execute(db)
    .await?
    .rows_affected()
        == 1)
}

/// The language the account reads Scout in (`bg`, `en`), if it chose one.
pub async fn language(
    db: impl PgExecutor<'_>,
    account_id: AccountId,
) -> sqlx::Result<Option<String>> {
    Ok(sqlx::query_scalar!(
        "select language from account where account_id = $1",
        account_id.0
    )
    .fetch_optional(db)
    .await?
    .flatten())
}

/// Sets the language the account reads Scout in (`bg` or `en`; the table refuses others).
pub async fn set_language(
    db: impl PgExecutor<'_>,
    account_id: AccountId,
    code: &str,
) -> sqlx::Result<bool> {
    Ok(sqlx::query!(
        "update account set language = $2 where account_id = $1",
        account_id.0,
        code
    )
    .execute(db)
    .await?
    .rows_affected()
        == 1)
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
        "with gone as (delete from account_session where account_id = $1) \
         update account set password_hash = $2, sessions_valid_after = now(), \
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

/// Sets a new password and ends every session of the account begun before now (and takes
/// them off its list of sessions).
pub async fn set_password(
    db: impl PgExecutor<'_>,
    account: AccountId,
    password_hash: &str,
) -> sqlx::Result<()> {
    sqlx::query!(
        "with gone as (delete from account_session where account_id = $1) \
         update account set password_hash = $2, sessions_valid_after = now() where account_id = $1",
        account.0,
        password_hash
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
    gone += sqlx::query!(
        "delete from account_session \
         where last_seen_at < now() - case when remembered then interval '30 days' else interval '2 hours' end \
            or created_at < now() - case when remembered then interval '90 days' else interval '12 hours' end"
    )
    .execute(db)
    .await?
    .rows_affected();
    gone += sqlx::query!("delete from account_event where at < now() - interval '1 year'")
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

/// A live session of an account, as Settings lists it.
pub struct SessionRow {
    pub handle: uuid::Uuid,
    pub user_agent: String,
    pub client_ip: String,
    pub created_at: time::OffsetDateTime,
    pub last_seen_at: time::OffsetDateTime,
}

/// Records a session that just began: its handle.
pub async fn insert_session(
    db: impl PgExecutor<'_>,
    account: AccountId,
    remembered: bool,
    user_agent: &str,
    client_ip: &str,
) -> sqlx::Result<uuid::Uuid> {
    sqlx::query_scalar!(
        "insert into account_session (account_id, remembered, user_agent, client_ip) \
         values ($1, $2, left($3, 512), left($4, 64)) returning handle",
        account.0,
        remembered,
        user_agent,
        client_ip
    )
    .fetch_one(db)
    .await
}

/// What a request's who-is-asking step needs to know about its session, in one statement:
/// when the account's sessions were last all ended (inner None: never) and whether the
/// session's row is still there (a session from before rows existed has no handle: true).
/// Marks the session seen now (at most once a minute). None: the account is gone.
pub async fn session_state(
    db: impl PgExecutor<'_>,
    account: AccountId,
    handle: Option<uuid::Uuid>,
) -> sqlx::Result<Option<(Option<time::OffsetDateTime>, bool)>> {
    Ok(sqlx::query!(
        r#"with seen as (
             update account_session set last_seen_at = now()
             where handle = $2 and account_id = $1 and last_seen_at < now() - interval '1 minute'
           )
           select a.sessions_valid_after,
                  ($2::uuid is null or exists (select 1 from account_session s
                     where s.handle = $2 and s.account_id = $1)) as "live!"
           from account a where a.account_id = $1"#,
        account.0,
        handle
    )
    .fetch_optional(db)
    .await?
    .map(|r| (r.sessions_valid_after, r.live)))
}

/// The account's sessions that have not expired, the most recently seen first.
pub async fn live_sessions(
    db: impl PgExecutor<'_>,
    account: AccountId,
) -> sqlx::Result<Vec<SessionRow>> {
    sqlx::query_as!(
        SessionRow,
        r#"select handle, user_agent, client_ip, created_at, last_seen_at from account_session
           where account_id = $1
             and last_seen_at > now() - case when remembered then interval '30 days' else interval '2 hours' end
             and created_at > now() - case when remembered then interval '90 days' else interval '12 hours' end
           order by last_seen_at desc, created_at desc"#,
        account.0
    )
    .fetch_all(db)
    .await
}

/// Ends one session of the account (its next request finds itself signed out): whether there
/// was one.
pub async fn delete_session(
    db: impl PgExecutor<'_>,
    account: AccountId,
    handle: uuid::Uuid,
) -> sqlx::Result<bool> {
    let done = sqlx::query!(
        "delete from account_session where account_id = $1 and handle = $2",
        account.0,
        handle
    )
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Ends every session of the account but `keep`, also those from before sessions had rows
/// (through `sessions_valid_after`; the caller starts its own session again after this):
/// how many listed sessions ended.
pub async fn end_other_sessions(
    db: &sqlx::PgPool,
    account: AccountId,
    keep: uuid::Uuid,
) -> sqlx::Result<u64> {
    let mut tx = db.begin().await?;
    let ended = sqlx::query!(
        "delete from account_session where account_id = $1 and handle <> $2",
        account.0,
        keep
    )
    .execute(&mut *tx)
    .await?
    .rows_affected();
    sqlx::query!(
        "update account set sessions_valid_after = now() where account_id = $1",
        account.0
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(ended)
}

/// What the account's security log records (`account_event.kind`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecurityEvent {
    SignedIn,
    AddressConfirmed,
    PasswordChanged,
    PasswordReset,
    /// Another device was signed out from this one.
    SessionEnded,
    OtherSessionsEnded,
    DataExported,
    ProfileChanged,
    /// A sign-in provider was connected to the account.
    ProviderLinked,
    /// The account was made by signing in with a provider.
    SignedUpWithProvider,
    /// A sign-in provider was disconnected from the account.
    ProviderUnlinked,
    /// An outside marketplace account was linked, or unlinked.
    MarketplaceLinked,
    MarketplaceUnlinked,
    /// A link to move the sign-in address was mailed to the new address.
    EmailChangeRequested,
    EmailChanged,
}

impl SecurityEvent {
    pub fn as_str(self) -> &'static str {
        match self {
            SecurityEvent::SignedIn => "signed_in",
            SecurityEvent::AddressConfirmed => "address_confirmed",
            SecurityEvent::PasswordChanged => "password_changed",
            SecurityEvent::PasswordReset => "password_reset",
            SecurityEvent::SessionEnded => "session_ended",
            SecurityEvent::OtherSessionsEnded => "other_sessions_ended",
            SecurityEvent::DataExported => "data_exported",
            SecurityEvent::ProfileChanged => "profile_changed",
            SecurityEvent::ProviderLinked => "provider_linked",
            SecurityEvent::SignedUpWithProvider => "signed_up_with_provider",
            SecurityEvent::ProviderUnlinked => "provider_unlinked",
            SecurityEvent::MarketplaceLinked => "marketplace_linked",
            SecurityEvent::MarketplaceUnlinked => "marketplace_unlinked",
            SecurityEvent::EmailChangeRequested => "email_change_requested",
            SecurityEvent::EmailChanged => "email_changed",
        }
    }

    /// The log's line for it, as its owner reads it.
    pub fn describe(kind: &str) -> &'static str {
        match kind {
            "signed_in" => "Signed in",
            "address_confirmed" => "Confirmed the sign-in address",
            "password_changed" => "Changed the password",
            "password_reset" => "Chose a new password from a reset link",
            "session_ended" => "Signed out another device",
            "other_sessions_ended" => "Signed out every other device",
            "data_exported" => "Downloaded a copy of the account's data",
            "profile_changed" => "Changed the name or phone shown on listings",
            "provider_linked" => "Connected a sign-in provider",
            "signed_up_with_provider" => "Signed up with a sign-in provider",
            "provider_unlinked" => "Disconnected a sign-in provider",
            "marketplace_linked" => "Linked a marketplace account",
            "marketplace_unlinked" => "Unlinked a marketplace account",
            "email_change_requested" => "Asked to change the sign-in address",
            "email_changed" => "Changed the sign-in address",
            _ => "Changed the account",
        }
    }
}

/// One line of the security log.
pub struct EventRow {
    pub kind: String,
    pub user_agent: String,
    pub client_ip: String,
    pub at: time::OffsetDateTime,
}

/// Records what just happened to the account, from which browser and address.
pub async fn record_event(
    db: impl PgExecutor<'_>,
    account: AccountId,
    event: SecurityEvent,
    user_agent: &str,
    client_ip: &str,
) -> sqlx::Result<()> {
    sqlx::query!(
        "insert into account_event (account_id, kind, user_agent, client_ip) \
         values ($1, $2, left($3, 512), left($4, 64))",
        account.0,
        event.as_str(),
        user_agent,
        client_ip
    )
    .execute(db)
    .await?;
    Ok(())
}

/// The account's latest `limit` security events, the newest first.
pub async fn recent_events(
    db: impl PgExecutor<'_>,
    account: AccountId,
    limit: i64,
) -> sqlx::Result<Vec<EventRow>> {
    sqlx::query_as!(
        EventRow,
        "select kind, user_agent, client_ip, at from account_event \
         where account_id = $1 order by at desc, event_id desc limit $2",
        account.0,
        limit
    )
    .fetch_all(db)
    .await
}

/// Deletes the account and everything that is its (every table that holds an account's data
/// references it `on delete cascade`), and the sign-in failures counted against its address:
/// whether there was one.
pub async fn delete_account(
    db: &sqlx::PgPool,
    account: AccountId,
    email: &str,
) -> sqlx::Result<bool> {
    let mut tx = db.begin().await?;
    sqlx::query!("delete from sign_in_failure where email = $1", email)
        .execute(&mut *tx)
        .await?;
    let gone = sqlx::query!("delete from account where account_id = $1", account.0)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    tx.commit().await?;
    Ok(gone == 1)
}

/// Everything Scout holds about the account, as one JSON document for "Export my data":
/// every row of every table that names the account, without what would let someone act as
/// it (the password hash, sealed secrets and keys, link tokens) and without search-engine
/// internals. Photos are listed; their files are added to the download beside it.
pub async fn export_document(
    db: impl PgExecutor<'_>,
    account: AccountId,
) -> sqlx::Result<Option<serde_json::Value>> {
    sqlx::query_scalar!(
        r#"select jsonb_build_object(
             'account', to_jsonb(a) - 'password_hash',
             'listings', coalesce((
               select jsonb_agg(to_jsonb(l) - 'search_text' - 'seller_id' || jsonb_build_object(
                        'price_history', coalesce((
                          select jsonb_agg(to_jsonb(p) - 'listing_id' order by p.changed_at)
                          from listing_price p where p.listing_id = l.listing_id), '[]'),
                        'photos', coalesce((
                          select jsonb_agg(jsonb_build_object(
                                   'photo_id', ph.photo_id, 'position', ph.position,
                                   'file_name', ph.file_name, 'status', ph.status,
                                   'width', ph.width, 'height', ph.height,
                                   'created_at', ph.created_at) order by ph.position)
                          from listing_photo ph where ph.listing_id = l.listing_id), '[]'))
                      order by l.listing_id)
               from listing l where l.seller_id = a.account_id), '[]'),
             'favorites', coalesce((
               select jsonb_agg(jsonb_build_object('listing_id', f.listing_id,
                        'title', l.title, 'saved_at', f.created_at) order by f.created_at)
               from favorite f join listing l on l.listing_id = f.listing_id
               where f.account_id = a.account_id), '[]'),
             'alerts', coalesce((
               select jsonb_agg(to_jsonb(r) - 'account_id' order by r.rule_id)
               from alert_rule r where r.account_id = a.account_id), '[]'),
             'alert_settings', (
               select to_jsonb(s) - 'account_id' - 'pending_token_sha256'
               from alert_settings s where s.account_id = a.account_id),
             'notifications', coalesce((
               select jsonb_agg(to_jsonb(n) - 'account_id' - 'trigger_key'
                        order by n.notification_id)
               from notification n where n.account_id = a.account_id), '[]'),
             'deliveries', coalesce((
               select jsonb_agg(to_jsonb(d) - 'account_id' - 'lease_until'
                        order by d.delivery_id)
               from delivery d where d.account_id = a.account_id), '[]'),
             'webhooks', coalesce((
               select jsonb_agg(to_jsonb(w) - 'account_id' - 'secret_sealed'
                        order by w.endpoint_id)
               from webhook_endpoint w where w.account_id = a.account_id), '[]'),
             'push_devices', coalesce((
               select jsonb_agg(jsonb_build_object('name', p.name, 'endpoint', p.endpoint,
                        'created_at', p.created_at) order by p.subscription_id)
               from push_subscription p where p.account_id = a.account_id), '[]'),
             'sessions', coalesce((
               select jsonb_agg(to_jsonb(s) - 'account_id' - 'handle' order by s.created_at)
               from account_session s where s.account_id = a.account_id), '[]'),
             'security_log', coalesce((
               select jsonb_agg(to_jsonb(e) - 'account_id' order by e.at)
               from account_event e where e.account_id = a.account_id), '[]'),
             'email_changes', coalesce((
               select jsonb_agg(to_jsonb(c) - 'account_id' - 'token_sha256'
                        order by c.created_at)
               from email_change c where c.account_id = a.account_id), '[]'),
             'linked_accounts', coalesce((
               select jsonb_agg(to_jsonb(i) - 'account_id' - 'access_token' - 'refresh_token'
                        - 'renew_lease_until' order by i.created_at)
               from account_identity i where i.account_id = a.account_id), '[]')
           ) as "document!"
           from account a where a.account_id = $1"#,
        account.0
    )
    .fetch_optional(db)
    .await
}

/// Seconds until the account may download its data again, when it has done so `per_day`
/// times in the last 24 hours (the oldest of those then leaves the window); None: it may.
pub async fn export_wait(
    db: impl PgExecutor<'_>,
    account: AccountId,
    per_day: i64,
) -> sqlx::Result<Option<u64>> {
    let row = sqlx::query!(
        r#"select count(*) as "done!",
                  ceil(extract(epoch from min(at) + interval '1 day' - now()))::bigint as wait
           from account_event
           where account_id = $1 and kind = 'data_exported' and at > now() - interval '1 day'"#,
        account.0
    )
    .fetch_one(db)
    .await?;
    Ok((row.done >= per_day).then(|| row.wait.unwrap_or(60).max(1).unsigned_abs()))
}

/// One photo of the account's listings, for the files beside the export document: its
/// largest stored size (the upload itself is not kept once its sizes are made).
pub struct ExportPhoto {
    pub listing_id: i64,
    pub position: i32,
    pub file_name: String,
    /// The media store's key of the largest size.
    pub key: String,
}

/// The photos of the account's listings that are ready, listing by listing in their order.
pub async fn export_photos(
    db: impl PgExecutor<'_>,
    account: AccountId,
) -> sqlx::Result<Vec<ExportPhoto>> {
    sqlx::query_as!(
        ExportPhoto,
        r#"select p.listing_id, p.position, p.file_name, v.key as "key!"
           from listing_photo p
           join listing l on l.listing_id = p.listing_id
           cross join lateral (
             select x ->> 'key' as key from jsonb_array_elements(p.variants) x
             order by (x ->> 'width')::int desc limit 1) v
           where l.seller_id = $1 and v.key is not null
           order by p.listing_id, p.position"#,
        account.0
    )
    .fetch_all(db)
    .await
}

/// What the account shows of its owner on listings.
pub struct ProfileRow {
    pub display_name: String,
    /// E.164
    pub phone: Option<String>,
    pub show_phone: bool,
}

pub async fn profile(
    db: impl PgExecutor<'_>,
    account: AccountId,
) -> sqlx::Result<Option<ProfileRow>> {
    sqlx::query_as!(
        ProfileRow,
        "select display_name, phone, show_phone from account where account_id = $1",
        account.0
    )
    .fetch_optional(db)
    .await
}

/// Saves the profile: whether anything changed.
pub async fn update_profile(
    db: impl PgExecutor<'_>,
    account: AccountId,
    display_name: &str,
    phone: Option<&str>,
    show_phone: bool,
) -> sqlx::Result<bool> {
    let changed = sqlx::query!(
        "update account set display_name = $2, phone = $3, show_phone = $4 \
         where account_id = $1 \
           and (display_name, phone, show_phone) is distinct from ($2, $3, $4)",
        account.0,
        display_name,
        phone,
        show_phone
    )
    .execute(db)
    .await?
    .rows_affected();
    Ok(changed == 1)
}

/// Records a link that moves the account to `new_email`, unless one was made in the last
/// 2 minutes or 5 in the last day (the new mailbox is not flooded): whether it was recorded.
pub async fn insert_email_change(
    db: &sqlx::PgPool,
    account: AccountId,
    new_email: &str,
    token_sha256: &[u8],
) -> sqlx::Result<bool> {
    let mut tx = db.begin().await?;
    lock_account(&mut tx, account).await?;
    let row = sqlx::query!(
        r#"select count(*) filter (where created_at > now() - interval '2 minutes') as "recent!",
                  count(*) as "today!"
           from email_change where account_id = $1 and created_at > now() - interval '1 day'"#,
        account.0
    )
    .fetch_one(&mut *tx)
    .await?;
    if row.recent > 0 || row.today >= 5 {
        return Ok(false);
    }
    sqlx::query!(
        "insert into email_change (account_id, new_email, token_sha256) values ($1, $2, $3)",
        account.0,
        new_email,
        token_sha256
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(true)
}

/// The addresses an email-change link moves between, while it works (unused, under a day
/// old, and the newest link of its account): (from, to).
pub async fn email_change_link(
    db: impl PgExecutor<'_>,
    token_sha256: &[u8],
) -> sqlx::Result<Option<(String, String)>> {
    let row = sqlx::query!(
        r#"select a.email, c.new_email from email_change c
           join account a on a.account_id = c.account_id
           where c.token_sha256 = $1 and c.used_at is null
             and c.created_at > now() - interval '1 day'"#,
        token_sha256
    )
    .fetch_optional(db)
    .await?;
    Ok(row.map(|r| (r.email, r.new_email)))
}

/// What using an email-change link did.
pub enum EmailChange {
    /// The account now signs in with `new`; `old` is the address it had.
    Changed {
        account: AccountId,
        old: String,
        new: String,
    },
    /// Another account signed up with the address after the link was sent.
    Taken,
    /// Unknown, used or expired.
    NotValid,
}

/// Uses an email-change link: the account's address becomes the new one (which counts as
/// confirmed: the link came to it), and every other pending change of the account stops
/// working.
pub async fn use_email_change(db: &sqlx::PgPool, token_sha256: &[u8]) -> sqlx::Result<EmailChange> {
    let mut tx = db.begin().await?;
    let Some(link) = sqlx::query!(
        r#"select c.account_id as "account_id: AccountId", c.new_email, a.email
           from email_change c join account a on a.account_id = c.account_id
           where c.token_sha256 = $1 and c.used_at is null
             and c.created_at > now() - interval '1 day'
           for update of c, a"#,
        token_sha256
    )
    .fetch_optional(&mut *tx)
    .await?
    else {
        return Ok(EmailChange::NotValid);
    };
    let taken = sqlx::query_scalar!(
        r#"select exists (select 1 from account where email = $1) as "taken!""#,
        link.new_email
    )
    .fetch_one(&mut *tx)
    .await?;
    if taken {
        return Ok(EmailChange::Taken);
    }
    let updated = sqlx::query!(
        "update account set email = $2, email_verified_at = now() where account_id = $1",
        link.account_id.0,
        link.new_email
    )
    .execute(&mut *tx)
    .await;
    match updated {
        Ok(_) => {}
        // signed up with the same address a moment ago
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
            return Ok(EmailChange::Taken);
        }
        Err(e) => return Err(e),
    }
    sqlx::query!(
        "update email_change set used_at = now() where account_id = $1 and used_at is null",
        link.account_id.0
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(EmailChange::Changed {
        account: link.account_id,
        old: link.email,
        new: link.new_email,
    })
}
