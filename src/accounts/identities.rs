//! SQL for the identities accounts sign in with at outside providers (`account_identity`).

use crate::accounts::model::AccountId;
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
           where provider = $1 and issuer = $2 and subject = $3
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

/// Links an identity at a provider to an account.
pub async fn link(
    db: impl PgExecutor<'_>,
    account: AccountId,
    provider: &str,
    issuer: &str,
    subject: &str,
    email: &str,
) -> sqlx::Result<Linked> {
    let inserted = sqlx::query!(
        "insert into account_identity (account_id, provider, issuer, subject, email) \
         values ($1, $2, $3, $4, left($5, 254))",
        account.0,
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
    link(&mut *tx, account, provider, issuer, subject, email).await?;
    tx.commit().await?;
    Ok(SignUp::Created(account))
}

/// One identity of an account, as the Account page lists it.
pub struct IdentityRow {
    pub provider: String,
    pub email: String,
    pub created_at: time::OffsetDateTime,
}

pub async fn of_account(
    db: impl PgExecutor<'_>,
    account: AccountId,
) -> sqlx::Result<Vec<IdentityRow>> {
    sqlx::query_as!(
        IdentityRow,
        "select provider, email, created_at from account_identity \
         where account_id = $1 order by created_at",
        account.0
    )
    .fetch_all(db)
    .await
}
