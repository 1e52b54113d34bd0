//! Who is signed in: the account id in the tower-sessions session, with idle and absolute
//! expiry.
//!
//! - Idle expiry is the session's own (`Expiry::OnInactivity`, refreshed on every request).
//! - Absolute expiry is checked here from the sign-in time kept in the session, because
//!   tower-sessions has only one expiry.
//! - "Keep me signed in" lengthens both.

use crate::accounts::model::AccountId;
use crate::error::AppError;
use time::{Duration, OffsetDateTime};
use tower_sessions::{Expiry, Session};

/// Signed-in sessions end after this long without a request...
pub const IDLE_TIMEOUT: Duration = Duration::hours(2);
/// ...and this long after sign-in, whatever happens.
pub const ABSOLUTE_TIMEOUT: Duration = Duration::hours(12);
/// With "keep me signed in".
pub const REMEMBERED_IDLE_TIMEOUT: Duration = Duration::days(30);
pub const REMEMBERED_ABSOLUTE_TIMEOUT: Duration = Duration::days(90);

/// The session key of the signed-in account's id.
pub const ACCOUNT_ID: &str = "account_id";
const SIGNED_IN_AT: &str = "signed_in_at";
/// The same in milliseconds, to tell a session from one a password reset ended in that second.
const SIGNED_IN_AT_MS: &str = "signed_in_at_ms";
const ABSOLUTE_SECS: &str = "absolute_timeout_secs";
/// The language of the session: a signed-in person's setting, or what this browser chose
/// before signing in (read by `crate::server::lang`).
pub const LANG: &str = "lang";
/// The session's row in `account_session`.
const HANDLE: &str = "handle";

/// Signs `account_id` in on this session, under a new session id (no fixation).
pub async fn start_session(
    session: &Session,
    account_id: AccountId,
    remember: bool,
) -> Result<(), AppError> {
    let (idle, absolute) = if remember {
        (REMEMBERED_IDLE_TIMEOUT, REMEMBERED_ABSOLUTE_TIMEOUT)
    } else {
        (IDLE_TIMEOUT, ABSOLUTE_TIMEOUT)
    };
    session.clear().await;
    session.cycle_id().await?;
    session.set_expiry(Some(Expiry::OnInactivity(idle)));
    session.insert(ACCOUNT_ID, account_id).await?;
    let now = OffsetDateTime::now_utc();
    session.insert(SIGNED_IN_AT, now.unix_timestamp()).await?;
    session
        .insert(
            SIGNED_IN_AT_MS,
            i64::try_from(now.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX),
        )
        .await?;
    session
        .insert(ABSOLUTE_SECS, absolute.whole_seconds())
        .await?;
    Ok(())
}

/// The signed-in account, or None. A session past its absolute lifetime is ended here.
pub async fn current_account_id(session: &Session) -> Result<Option<AccountId>, AppError> {
    let Some(account_id) = session.get::<AccountId>(ACCOUNT_ID).await? else {
        return Ok(None);
    };
    let signed_in_at = session.get::<i64>(SIGNED_IN_AT).await?.unwrap_or(0);
    let absolute = session
        .get::<i64>(ABSOLUTE_SECS)
        .await?
        .unwrap_or(ABSOLUTE_TIMEOUT.whole_seconds());
    if OffsetDateTime::now_utc().unix_timestamp() - signed_in_at > absolute {
        session.flush().await?;
        return Ok(None);
    }
    Ok(Some(account_id))
}

/// Where a session is signed in from, for the list in Settings.
#[derive(Debug, Clone, Default)]
pub struct Device {
    pub user_agent: String,
    pub client_ip: String,
}

impl Device {
    /// The browser and address of a request served by a plain axum route (server functions
    /// use `api::this_device`).
    pub fn of_request(headers: &http::HeaderMap, client_ip: Option<String>) -> Device {
        Device {
            user_agent: headers
                .get(http::header::USER_AGENT)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_string(),
            client_ip: client_ip.unwrap_or_default(),
        }
    }
}

/// Signs `account_id` in on this session (`start_session`) and records it among the account's
/// sessions, so Settings lists it and another device can end it. A row this browser had from
/// an earlier sign-in goes.
pub async fn begin(
    session: &Session,
    db: &sqlx::PgPool,
    account_id: AccountId,
    remember: bool,
    device: &Device,
) -> Result<(), AppError> {
    if let (Some(old), Some(old_account)) = (
        session.get::<uuid::Uuid>(HANDLE).await?,
        session.get::<AccountId>(ACCOUNT_ID).await?,
    ) {
        crate::accounts::repo::delete_session(db, old_account, old).await?;
    }
    // A language this browser chose just before signing in is the latest choice: it becomes the
    // account's; otherwise the account's own, if it has one, is the session's from now on.
    let chosen = session
        .get::<String>(LANG)
        .await?
        .filter(|l| l.parse::<crate::i18n::Locale>().is_ok());
    start_session(session, account_id, remember).await?;
    let language = match chosen {
        Some(chosen) => {
            crate::accounts::repo::set_language(db, account_id, &chosen).await?;
            Some(chosen)
        }
        None => crate::accounts::repo::language(db, account_id).await?,
    };
    if let Some(language) = language {
        session.insert(LANG, language).await?;
    }
    let handle = crate::accounts::repo::insert_session(
        db,
        account_id,
        remember,
        &device.user_agent,
        &device.client_ip,
    )
    .await?;
    session.insert(HANDLE, handle).await?;
    Ok(())
}

/// Whether this session was begun with "keep me signed in".
pub async fn remembered(session: &Session) -> Result<bool, AppError> {
    Ok(session.get::<i64>(ABSOLUTE_SECS).await?
        == Some(REMEMBERED_ABSOLUTE_TIMEOUT.whole_seconds()))
}

/// This session's row among the account's sessions (None for one from before rows existed).
pub async fn handle(session: &Session) -> Result<Option<uuid::Uuid>, AppError> {
    Ok(session.get::<uuid::Uuid>(HANDLE).await?)
}

/// The signed-in account, or None, also ending a session that began before the account's
/// sessions were all ended (a password reset), that another device signed out, or whose
/// account is gone.
pub async fn signed_in_account(
    session: &Session,
    db: &sqlx::PgPool,
) -> Result<Option<AccountId>, AppError> {
    let Some(account_id) = current_account_id(session).await? else {
        return Ok(None);
    };
    let signed_in_ms = match session.get::<i64>(SIGNED_IN_AT_MS).await? {
        Some(ms) => ms,
        None => session.get::<i64>(SIGNED_IN_AT).await?.unwrap_or(0) * 1000,
    };
    let handle = session.get::<uuid::Uuid>(HANDLE).await?;
    // The values are read one at a time, and a page's other parts run this check on the same
    // session at once: one of them may have ended it (flushed it) in between, leaving no
    // handle, which would read as a session from before handles existed and pass. What was
    // read counts only if the session is still there after the last read.
    if session.get::<AccountId>(ACCOUNT_ID).await? != Some(account_id) {
        return Ok(None);
    }
    let still = match crate::accounts::repo::session_state(db, account_id, handle).await? {
        None | Some((_, false)) => false,
        Some((None, true)) => true,
        // to the millisecond: this browser's new session may begin in the same one
        Some((Some(after), true)) => {
            i128::from(signed_in_ms) >= after.unix_timestamp_nanos() / 1_000_000
        }
    };
    if !still {
        tracing::info!(%account_id, "a session ended elsewhere (or by a reset) was refused");
        session.flush().await?;
        return Ok(None);
    }
    Ok(Some(account_id))
}

/// Whether the answer to an OAuth flow this browser started at `started_at` (Unix seconds)
/// may be used: it came back within `max_age` and carries the `state` the flow kept (compared
/// in constant time).
pub fn flow_answer_fits(
    started_at: i64,
    max_age: std::time::Duration,
    kept_state: &str,
    answered_state: Option<&str>,
) -> bool {
    use subtle::ConstantTimeEq;
    let age = OffsetDateTime::now_utc().unix_timestamp() - started_at;
    let max_age = i64::try_from(max_age.as_secs()).unwrap_or(600);
    answered_state.is_some_and(|s| bool::from(s.as_bytes().ct_eq(kept_state.as_bytes())))
        && (0..=max_age).contains(&age)
}

/// The session key of a confirmation at a sign-in provider ("it's me", signed in there again).
const CONFIRMED: &str = "confirmed_owner";

/// How long a confirmation at a provider stands in for the password: 5 minutes.
pub const CONFIRMATION_LASTS: i64 = 300;

/// A sign-in provider confirmed, at `at` (Unix seconds), that the owner of `account` is at
/// this browser: they signed in there again and it is the identity connected here.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
struct Confirmed {
    account: AccountId,
    provider: String,
    at: i64,
}

/// Whether a confirmation made at `at` still holds at `now` (within 5 minutes, and not from
/// the future).
pub fn confirmation_holds(at: i64, now: i64) -> bool {
    (0..=CONFIRMATION_LASTS).contains(&(now - at))
}

/// Keeps that `provider` confirmed it's the owner of `account`, just now.
pub async fn confirmed(
    session: &Session,
    account: AccountId,
    provider: &str,
) -> Result<(), AppError> {
    let at = OffsetDateTime::now_utc().unix_timestamp();
    let provider = provider.to_string();
    session
        .insert(
            CONFIRMED,
            Confirmed {
                account,
                provider,
                at,
            },
        )
        .await?;
    Ok(())
}

/// The provider that confirmed it's the owner of `account` in the last 5 minutes, if one did.
pub async fn confirmed_by(
    session: &Session,
    account: AccountId,
) -> Result<Option<String>, AppError> {
    let now = OffsetDateTime::now_utc().unix_timestamp();
    Ok(session
        .get::<Confirmed>(CONFIRMED)
        .await?
        .filter(|c| c.account == account && confirmation_holds(c.at, now))
        .map(|c| c.provider))
}

/// Uses up the confirmation of `account`, if one holds: one change per confirmation.
pub async fn use_confirmation(session: &Session, account: AccountId) -> Result<bool, AppError> {
    let holds = confirmed_by(session, account).await?.is_some();
    session.remove::<Confirmed>(CONFIRMED).await?;
    Ok(holds)
}

/// Ends the session: its row in the account's list and the record in the store are deleted,
/// and the cookie removed.
pub async fn end_session(session: &Session, db: &sqlx::PgPool) -> Result<(), AppError> {
    if let (Some(handle), Some(account)) = (
        session.get::<uuid::Uuid>(HANDLE).await?,
        session.get::<AccountId>(ACCOUNT_ID).await?,
    ) {
        crate::accounts::repo::delete_session(db, account, handle).await?;
    }
    session.flush().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use tower_sessions::MemoryStore;

    fn new_session() -> Session {
        Session::new(None, Arc::new(MemoryStore::default()), None)
    }

    #[tokio::test]
    async fn a_fresh_sign_in_is_current() -> Result<(), AppError> {
        let session = new_session();
        let id = AccountId::random();
        start_session(&session, id, false).await?;
        assert_eq!(current_account_id(&session).await?, Some(id));
        assert_eq!(session.expiry(), Some(Expiry::OnInactivity(IDLE_TIMEOUT)));
        Ok(())
    }

    #[tokio::test]
    async fn keep_me_signed_in_lengthens_the_idle_timeout() -> Result<(), AppError> {
        let session = new_session();
        start_session(&session, AccountId::random(), true).await?;
        assert_eq!(
            session.expiry(),
            Some(Expiry::OnInactivity(REMEMBERED_IDLE_TIMEOUT))
        );
        Ok(())
    }

    #[tokio::test]
    async fn sessions_end_at_the_absolute_timeout_even_when_active() -> Result<(), AppError> {
        let session = new_session();
        start_session(&session, AccountId::random(), false).await?;
        let long_ago = OffsetDateTime::now_utc() - ABSOLUTE_TIMEOUT - Duration::seconds(1);
        session
            .insert(SIGNED_IN_AT, long_ago.unix_timestamp())
            .await?;
        assert_eq!(current_account_id(&session).await?, None);
        // and the session is gone, not just ignored
        assert_eq!(session.get::<AccountId>(ACCOUNT_ID).await?, None);
        Ok(())
    }

    #[tokio::test]
    async fn remembered_sessions_outlive_the_short_absolute_timeout() -> Result<(), AppError> {
        let session = new_session();
        let id = AccountId::random();
        start_session(&session, id, true).await?;
        let yesterday = OffsetDateTime::now_utc() - Duration::days(1);
        session
            .insert(SIGNED_IN_AT, yesterday.unix_timestamp())
            .await?;
        assert_eq!(current_account_id(&session).await?, Some(id));
        Ok(())
    }

    #[tokio::test]
    async fn a_confirmation_holds_five_minutes_for_its_own_account_and_once() -> Result<(), AppError>
    {
        assert!(confirmation_holds(1_000, 1_000));
        assert!(confirmation_holds(1_000, 1_300));
        assert!(!confirmation_holds(1_000, 1_301));
        assert!(!confirmation_holds(1_000, 999), "not from the future");

        let session = new_session();
        let (mine, other) = (AccountId::random(), AccountId::random());
        confirmed(&session, mine, "google").await?;
        assert_eq!(confirmed_by(&session, other).await?, None);
        assert_eq!(
            confirmed_by(&session, mine).await?.as_deref(),
            Some("google")
        );
        assert!(!use_confirmation(&session, other).await?);
        // another account's try used it up too: a confirmation is one change, whoever asks
        assert_eq!(confirmed_by(&session, mine).await?, None);

        confirmed(&session, mine, "google").await?;
        assert!(use_confirmation(&session, mine).await?);
        assert!(!use_confirmation(&session, mine).await?);
        // one made six minutes ago no longer holds
        let old = OffsetDateTime::now_utc().unix_timestamp() - 360;
        session
            .insert(
                CONFIRMED,
                Confirmed {
                    account: mine,
                    provider: "google".into(),
                    at: old,
                },
            )
            .await?;
        assert_eq!(confirmed_by(&session, mine).await?, None);
        Ok(())
    }
}
