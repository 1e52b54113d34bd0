//! Password hashing with argon2id (OWASP: m >= 46 MiB, t = 1, p = 1), off the async runtime.
//!
//! Hashing costs ~46 MiB of memory, so at most a few run at once (a semaphore) and a burst
//! of sign-ins queues instead of exhausting memory. Unknown emails are checked against a
//! dummy hash with the same parameters, so a failed sign-in takes as long whether or not
//! the account exists.

use crate::error::AppError;
use argon2::{
    Algorithm, Argon2, Params, PasswordHash, PasswordHasher, PasswordVerifier, Version,
    password_hash::{SaltString, rand_core::OsRng},
};
use std::sync::Arc;
use tokio::sync::Semaphore;

/// Memory cost in KiB: 46 MiB, OWASP's minimum for t = 1.
pub const ARGON2_M_KIB: u32 = 46 * 1024;
pub const ARGON2_T: u32 = 1;
pub const ARGON2_P: u32 = 1;

fn argon2() -> anyhow::Result<Argon2<'static>> {
    let params = Params::new(ARGON2_M_KIB, ARGON2_T, ARGON2_P, None)
        .map_err(|e| anyhow::anyhow!("argon2 parameters: {e}"))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

fn hash_blocking(password: &str) -> anyhow::Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    argon2()?
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("hashing a password: {e}"))
}

fn verify_blocking(password: &str, phc: &str) -> bool {
    // The parameters come from the stored PHC string, so older hashes keep verifying
    // after the parameters are raised.
    PasswordHash::new(phc)
        .map(|hash| {
            Argon2::default()
                .verify_password(password.as_bytes(), &hash)
                .is_ok()
        })
        .unwrap_or(false)
}

/// Hashes and verifies passwords; one per process, shared through `AppState`.
pub struct Passwords {
    dummy_hash: String,
    permits: Arc<Semaphore>,
}

impl Passwords {
    pub fn new() -> anyhow::Result<Passwords> {
        let workers = std::thread::available_parallelism().map_or(2, |n| n.get());
        Ok(Passwords {
            dummy_hash: hash_blocking("scout-dummy-password-for-unknown-accounts")?,
            permits: Arc::new(Semaphore::new(workers * 2)),
        })
    }

    /// An argon2id PHC string for `password`.
    pub async fn hash(&self, password: String) -> Result<String, AppError> {
        let _permit = self.permits.acquire().await.map_err(AppError::internal)?;
        tokio::task::spawn_blocking(move || hash_blocking(&password))
            .await?
            .map_err(AppError::internal)
    }

    /// Whether `password` matches `stored`. With no stored hash (unknown account) it checks
    /// against the dummy hash, taking the same time, and answers false.
    pub async fn verify(&self, password: String, stored: Option<String>) -> Result<bool, AppError> {
        let _permit = self.permits.acquire().await.map_err(AppError::internal)?;
        let known = stored.is_some();
        let phc = stored.unwrap_or_else(|| self.dummy_hash.clone());
        let ok = tokio::task::spawn_blocking(move || verify_blocking(&password, &phc)).await?;
        Ok(known && ok)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_hash_verifies_its_password_and_nothing_else() -> anyhow::Result<()> {
        let passwords = Passwords::new()?;
        let hash = passwords.hash("zebra-lantern".into()).await?;
        assert!(
            hash.starts_with("$argon2id$v=19$m=47104,t=1,p=1$"),
            "{hash}"
        );
        assert!(
            passwords
                .verify("zebra-lantern".into(), Some(hash.clone()))
                .await?
        );
        assert!(!passwords.verify("zebra-lanterN".into(), Some(hash)).await?);
        Ok(())
    }

    #[tokio::test]
    async fn unknown_accounts_never_verify_even_with_the_dummy_password() -> anyhow::Result<()> {
        let passwords = Passwords::new()?;
        let ok = passwords
            .verify("scout-dummy-password-for-unknown-accounts".into(), None)
            .await?;
        assert!(!ok);
        Ok(())
    }
}
