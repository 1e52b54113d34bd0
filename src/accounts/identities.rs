//! SQL for the identities accounts sign in with at outside providers (`account_identity`).

use crate::accounts::model::AccountId;
use crate::server::secrets::{Binding, Sealer};
use sqlx::PgExecutor;

/// The account an identity at a provider belongs to; its last use is noted.
pub async fn find_account(
    db: impl PgExecutor<'_>,
    provider: &str,
    issuer: &str,
    subject: &str,
) -> sqlx::Result<Option<AccountId>> {
    sqlx::query_scalar!(
        r#"update account_identity set last_used_at = now()
           where provider = $1 and issuer = $2 and subject = $3 and kind = 'sign_in'
           returning account_id as "account_id: AccountId""#,
        provider,
        issuer,
        subject
    )
    .fetch_optional(db)
    .await
}

/// What linking an identity did.
#[derive(Debug, PartialEq, Eq)]
pub enum Linked {
    Linked,
    /// The account has another identity at this provider.
    AccountHasOne,
    /// The identity belongs to another account.
    Elsewhere,
}

/// What an identity is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A way to sign in.
    SignIn,
    /// An outside marketplace account Scout publishes the person's listings to.
    Marketplace,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::SignIn => "sign_in",
            Kind::Marketplace => "marketplace",
        }
    }
}

/// Links an identity at a provider to an account.
pub async fn link(
    db: impl PgExecutor<'_>,
    account: AccountId,
    kind: Kind,
    provider: &str,
    issuer: &str,
    subject: &str,
    email: &str,
) -> sqlx::Result<Linked> {
    let inserted = sqlx::query!(
        "insert into account_identity (account_id, kind, provider, issuer, subject, email) \
         values ($1, $2, $3, $4, $5, left($6, 254))",
        account.0,
        kind.as_str(),
        provider,
        issuer,
        subject,
        email
    )
    .execute(db)
    .await;
    match inserted {
        Ok(_) => Ok(Linked::Linked),
        Err(sqlx::Error::Database(e)) if e.constraint() == Some("account_identity_key") => {
            Ok(Linked::Elsewhere)
        }
        Err(sqlx::Error::Database(e))
            if e.constraint() == Some("account_identity_one_per_provider") =>
        {
            Ok(Linked::AccountHasOne)
        }
        Err(e) => Err(e),
    }
}

/// What signing up with a provider did.
pub enum SignUp {
    Created(AccountId),
    /// An account already uses the email the provider asserted: never signed into.
    EmailTaken,
}

/// A new account for a person who signs up with a provider: its address is the one the
/// provider confirmed, it has no password, and the identity is linked, in one transaction.
pub async fn sign_up(
    db: &sqlx::PgPool,
    email: &str,
    provider: &str,
    issuer: &str,
    subject: &str,
) -> sqlx::Result<SignUp> {
    let mut tx = db.begin().await?;
    let created = sqlx::query_scalar!(
        r#"insert into account (email, password_hash, email_verified_at) values ($1, null, now())
           on conflict (email) do nothing
           returning account_id as "account_id: AccountId""#,
        email
    )
    .fetch_optional(&mut *tx)
    .await?;
    let Some(account) = created else {
        return Ok(SignUp::EmailTaken);
    };
    link(
        &mut *tx,
        account,
        Kind::SignIn,
        provider,
        issuer,
        subject,
        email,
    )
    .await?;
    tx.commit().await?;
    Ok(SignUp::Created(account))
}

/// One identity of an account, as the Account page lists it.
pub struct IdentityRow {
    /// "sign_in" or "marketplace".
    pub kind: String,
    pub provider: String,
    pub email: String,
    pub created_at: time::OffsetDateTime,
    pub scopes: String,
    /// "connected", "expired", "revoked" or "failing".
    pub status: String,
    pub status_reason: String,
    pub token_expires_at: Option<time::OffsetDateTime>,
    /// Whether the provider gave a token to renew access with.
    pub renewable: bool,
    pub refreshed_at: Option<time::OffsetDateTime>,
}

pub async fn of_account(
    db: impl PgExecutor<'_>,
    account: AccountId,
) -> sqlx::Result<Vec<IdentityRow>> {
    sqlx::query_as!(
        IdentityRow,
        r#"select kind, provider, email, created_at, scopes, status, status_reason, token_expires_at,
                  refresh_token is not null as "renewable!", refreshed_at
           from account_identity where account_id = $1 order by created_at"#,
        account.0
    )
    .fetch_all(db)
    .await
}

/// The account at `provider` an identity of kind `kind` already belongs to, if any.
pub async fn owner(
    db: impl PgExecutor<'_>,
    kind: Kind,
    provider: &str,
    issuer: &str,
    subject: &str,
) -> sqlx::Result<Option<AccountId>> {
    sqlx::query_scalar!(
        r#"select account_id as "account_id: AccountId" from account_identity
           where provider = $1 and issuer = $2 and subject = $3 and kind = $4"#,
        provider,
        issuer,
        subject,
        kind.as_str()
    )
    .fetch_optional(db)
    .await
}

/// The tokens a provider gave, as they arrive.
#[derive(Clone)]
pub struct Tokens {
    pub access: String,
    /// None: the provider sent none this time (a refresh keeps the one it had).
    pub refresh: Option<String>,
    pub expires_in: Option<std::time::Duration>,
    /// Space-separated; empty: the provider did not say (the ones asked for were granted).
    pub scopes: String,
}

impl std::fmt::Debug for Tokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Tokens(<redacted>)")
    }
}

/// What asking a provider or marketplace for new tokens gave.
pub enum Renewed {
    Tokens(Tokens),
    /// `invalid_grant`: the refresh token was withdrawn or has ended.
    Refused,
    /// Another OAuth error (its code, for the log).
    Declined(String),
    /// It could not be asked, or its answer could not be read (for the log).
    Unreachable(String),
}

const ACCESS_TOKEN: &str = "account_identity.access_token";
const REFRESH_TOKEN: &str = "account_identity.refresh_token";

/// What a sealed token is bound to: its column, the account and the identity (provider,
/// issuer, subject), so a token copied into another row does not open there.
fn binding_key(provider: &str, issuer: &str, subject: &str) -> String {
    format!("{provider}\n{issuer}\n{subject}")
}

fn seal(
    sealer: &Sealer,
    place: &'static str,
    account: AccountId,
    key: &str,
    plain: &str,
) -> Vec<u8> {
    sealer.seal_bound(
        plain.as_bytes(),
        &Binding {
            place,
            owner: &account.0.to_string(),
            key,
        },
    )
}

/// Keeps the tokens a provider just gave for the account's identity there, sealed and bound
/// to the row, and marks the link healthy. A refresh token the provider did not send again
/// is kept.
pub async fn store_tokens(
    db: impl PgExecutor<'_>,
    sealer: &Sealer,
    account: AccountId,
    provider: &str,
    issuer: &str,
    subject: &str,
    tokens: &Tokens,
) -> sqlx::Result<()> {
    let key = binding_key(provider, issuer, subject);
    let access = seal(sealer, ACCESS_TOKEN, account, &key, &tokens.access);
    let refresh = tokens
        .refresh
        .as_deref()
        .map(|r| seal(sealer, REFRESH_TOKEN, account, &key, r));
    let expires_in = tokens.expires_in.map(|d| {
        i64::try_from(d.as_secs())
            .unwrap_or(i64::MAX)
            .min(10 * 365 * 86_400)
    });
    sqlx::query!(
        "update account_identity set access_token = $5, \
           refresh_token = coalesce($6, refresh_token), \
           token_expires_at = now() + make_interval(secs => $7::bigint), \
           scopes = case when $8 = '' then scopes else left($8, 1000) end, \
           status = 'connected', status_reason = '', refreshed_at = now(), \
           renew_lease_until = null \
         where account_id = $1 and provider = $2 and issuer = $3 and subject = $4",
        account.0,
        provider,
        issuer,
        subject,
        access,
        refresh,
        expires_in,
        tokens.scopes
    )
    .execute(db)
    .await?;
    Ok(())
}

/// The access token Scout holds for the account at `provider`, opened, and when it ends;
/// None when not connected or the provider gave none.
pub async fn access_token(
    db: impl PgExecutor<'_>,
    sealer: &Sealer,
    account: AccountId,
    provider: &str,
) -> anyhow::Result<Option<(String, Option<time::OffsetDateTime>)>> {
    let Some(row) = sqlx::query!(
        "select issuer, subject, access_token, token_expires_at from account_identity \
         where account_id = $1 and provider = $2",
        account.0,
        provider
    )
    .fetch_optional(db)
    .await?
    else {
        return Ok(None);
    };
    let Some(sealed) = row.access_token else {
        return Ok(None);
    };
    let token = sealer.open_bound_string(
        &sealed,
        &Binding {
            place: ACCESS_TOKEN,
            owner: &account.0.to_string(),
            key: &binding_key(provider, &row.issuer, &row.subject),
        },
    )?;
    Ok(Some((token, row.token_expires_at)))
}

/// An identity's renewal token, opened, with what names the identity.
pub struct Renewal {
    pub issuer: String,
    pub subject: String,
    pub refresh_token: String,
}

/// What asking to renew an identity's access found.
pub enum Claim {
    /// Not connected, or the provider gave no token to renew with.
    Nothing,
    /// Another renewal of it is under way (the worker's, or another click).
    Busy,
    /// Held for two minutes (or until its outcome is kept): the token to renew with.
    Held(Renewal),
}

/// Holds the account's identity at `provider` for a renewal and opens its refresh token: a
/// provider that rotates refresh tokens accepts each once, so two renewals at once would
/// lose the link. A token that does not open here (another key, another row) is an error.
pub async fn claim_renewal(
    db: impl PgExecutor<'_>,
    sealer: &Sealer,
    account: AccountId,
    provider: &str,
) -> anyhow::Result<Claim> {
    let Some(row) = sqlx::query!(
        r#"with it as (
             select identity_id, refresh_token is not null as renewable,
                    renew_lease_until is null or renew_lease_until < now() as free
             from account_identity where account_id = $1 and provider = $2 for update
           ), held as (
             update account_identity i set renew_lease_until = now() + interval '2 minutes'
             from it where i.identity_id = it.identity_id and it.free and it.renewable
             returning i.issuer, i.subject, i.refresh_token
           )
           select it.free as "free!", it.renewable as "renewable!", held.issuer as "issuer?",
                  held.subject as "subject?", held.refresh_token as "refresh_token?"
           from it left join held on true"#,
        account.0,
        provider
    )
    .fetch_optional(db)
    .await?
    else {
        return Ok(Claim::Nothing);
    };
    let (Some(issuer), Some(subject), Some(sealed)) = (row.issuer, row.subject, row.refresh_token)
    else {
        return Ok(if row.renewable && !row.free {
            Claim::Busy
        } else {
            Claim::Nothing
        });
    };
    let refresh_token = sealer.open_bound_string(
        &sealed,
        &Binding {
            place: REFRESH_TOKEN,
            owner: &account.0.to_string(),
            key: &binding_key(provider, &issuer, &subject),
        },
    )?;
    Ok(Claim::Held(Renewal {
        issuer,
        subject,
        refresh_token,
    }))
}

/// Identities whose access ends within `ahead` and that Scout can renew, the soonest first:
/// the renewal worker's list. A failing one waits 15 minutes between tries.
pub async fn due_for_renewal(
    db: impl PgExecutor<'_>,
    ahead: std::time::Duration,
    limit: i64,
) -> sqlx::Result<Vec<(AccountId, String)>> {
    let ahead = i64::try_from(ahead.as_secs()).unwrap_or(i64::MAX);
    Ok(sqlx::query!(
        r#"select account_id, provider from account_identity
           where refresh_token is not null and status in ('connected', 'failing')
             and token_expires_at < now() + make_interval(secs => $1::bigint)
             and (renew_lease_until is null or renew_lease_until < now())
             and (status = 'connected' or refreshed_at < now() - interval '15 minutes')
           order by token_expires_at limit $2"#,
        ahead,
        limit
    )
    .fetch_all(db)
    .await?
    .into_iter()
    .map(|r| (AccountId(r.account_id), r.provider))
    .collect())
}

/// Notes that the provider would not renew the link (`status` "expired", "revoked" or
/// "failing"), with why in words; the status it had (None: no such link).
pub async fn mark(
    db: impl PgExecutor<'_>,
    account: AccountId,
    provider: &str,
    status: &str,
    reason: &str,
) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar!(
        "with before as ( \
           select status from account_identity \
           where account_id = $1 and provider = $2 for update) \
         update account_identity set status = $3, status_reason = left($4, 300), \
           refreshed_at = now(), renew_lease_until = null \
         from before \
         where account_id = $1 and provider = $2 \
         returning before.status",
        account.0,
        provider,
        status,
        reason
    )
    .fetch_optional(db)
    .await
}

/// What disconnecting a provider did.
pub enum Unlinked {
    /// Gone; the tokens it had, opened, to revoke at the provider.
    Done {
        kind: Kind,
        refresh: Option<String>,
        access: Option<String>,
    },
    NotConnected,
    /// The account has no password and no other provider: it could no longer sign in.
    LastWay,
}

/// Disconnects the account from `provider`, unless that would leave it no way to sign in (a
/// marketplace is never a way to sign in, so it can always go).
pub async fn unlink(
    db: &sqlx::PgPool,
    sealer: &Sealer,
    account: AccountId,
    provider: &str,
) -> sqlx::Result<Unlinked> {
    let mut tx = db.begin().await?;
    // the account's row is locked so two disconnects at once can't both pass the check
    let ways = sqlx::query!(
        r#"select (a.password_hash is not null) as "password!",
                  (select count(*) from account_identity i
                   where i.account_id = a.account_id and i.provider <> $2
                     and i.kind = 'sign_in') as "others!"
           from account a where a.account_id = $1 for update"#,
        account.0,
        provider
    )
    .fetch_optional(&mut *tx)
    .await?;
    let Some(ways) = ways else {
        return Ok(Unlinked::NotConnected);
    };
    let gone = sqlx::query!(
        "delete from account_identity where account_id = $1 and provider = $2 \
         returning kind, issuer, subject, access_token, refresh_token",
        account.0,
        provider
    )
    .fetch_optional(&mut *tx)
    .await?;
    let Some(gone) = gone else {
        return Ok(Unlinked::NotConnected);
    };
    if gone.kind == Kind::SignIn.as_str() && !ways.password && ways.others == 0 {
        return Ok(Unlinked::LastWay);
    }
    tx.commit().await?;
    let key = binding_key(provider, &gone.issuer, &gone.subject);
    let owner = account.0.to_string();
    let open = |place, sealed: Option<Vec<u8>>| {
        sealed.and_then(|s| {
            sealer
                .open_bound_string(
                    &s,
                    &Binding {
                        place,
                        owner: &owner,
                        key: &key,
                    },
                )
                .ok()
        })
    };
    Ok(Unlinked::Done {
        kind: if gone.kind == Kind::Marketplace.as_str() {
            Kind::Marketplace
        } else {
            Kind::SignIn
        },
        refresh: open(REFRESH_TOKEN, gone.refresh_token),
        access: open(ACCESS_TOKEN, gone.access_token),
    })
}
