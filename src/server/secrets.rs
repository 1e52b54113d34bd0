//! Secrets at rest (webhook signing secrets, Telegram bot tokens): sealed with AES-256-GCM
//! under a key that never lives in the database: `SCOUT_SECRET_KEY` (32 bytes, base64), or,
//! when it is unset, a random key kept in `<SCOUT_DATA_DIR>/secret.key` (readable by its
//! owner only) so a local run needs no set-up.
//!
//! Each secret is bound to where it is kept (`Binding`: table and column, account, and what
//! names it within the account) as AES-GCM associated data, so a sealed value copied into
//! another row, account or column does not open there.

use aes_gcm::{
    Aes256Gcm, Key, Nonce,
    aead::{Aead, KeyInit},
};
use anyhow::{Context, bail};
use base64::{Engine, engine::general_purpose::STANDARD};
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;
use std::path::Path;

const NONCE_LEN: usize = 12;
/// What a secret bound to its row starts with (before its nonce); older secrets, sealed
/// without a binding, start with their nonce.
pub const BOUND_PREFIX: &[u8; 4] = b"SCb1";

/// Where a sealed secret is kept: the table and column (`place`), the account it belongs to,
/// and what names it within that account (a push endpoint, a webhook's kind and target).
#[derive(Debug, Clone, Copy)]
pub struct Binding<'a> {
    pub place: &'static str,
    pub owner: &'a str,
    pub key: &'a str,
}

impl Binding<'_> {
    /// The associated data: each part length-prefixed, so no two bindings read alike.
    fn aad(&self) -> Vec<u8> {
        let mut out = b"scout sealed secret v1".to_vec();
        for part in [self.place, self.owner, self.key] {
            out.extend((part.len() as u64).to_be_bytes());
            out.extend(part.as_bytes());
        }
        out
    }
}

/// The text of the key file at `path`; when there is none yet, `make`'s text is written
/// there first, readable by its owner only (and `true` says so).
pub fn key_file(path: &Path, make: impl FnOnce() -> String) -> anyhow::Result<(String, bool)> {
    if let Ok(text) = std::fs::read_to_string(path) {
        return Ok((text, false));
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let text = make();
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("creating {}", path.display()))?
        .write_all(text.as_bytes())?;
    Ok((text, true))
}

/// A random token for a link (256 bits, URL-safe base64, 43 characters).
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// A link token as it is stored: its SHA-256 only (surrounding spaces aside), so the
/// database never holds what opens the link.
pub fn token_sha256(token: &str) -> Vec<u8> {
    use sha2::Digest;
    Sha256::digest(token.trim().as_bytes()).to_vec()
}

#[derive(Clone)]
pub struct Sealer {
    cipher: Aes256Gcm,
    /// HMAC-SHA256 key for `tag`, derived from the secret key (never the key itself).
    mac_key: [u8; 32],
}

impl std::fmt::Debug for Sealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Sealer(<key redacted>)")
    }
}

impl Sealer {
    pub fn from_key(key: &[u8]) -> anyhow::Result<Sealer> {
        if key.len() != 32 {
            bail!("the secret key must be 32 bytes, got {}", key.len());
        }
        let mut derive = <Hmac<Sha256> as Mac>::new_from_slice(key)
            .map_err(|_| anyhow::anyhow!("HMAC refused the secret key"))?;
        derive.update(b"scout tag key v1");
        Ok(Sealer {
            cipher: Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(key)),
            mac_key: derive.finalize().into_bytes().into(),
        })
    }

    /// From `SCOUT_SECRET_KEY` (base64), else the data folder's key file (made on first use).
    pub fn from_config(key_b64: Option<&str>, data_dir: &Path) -> anyhow::Result<Sealer> {
        if let Some(k) = key_b64 {
            let key = STANDARD
                .decode(k.trim())
                .context("SCOUT_SECRET_KEY must be 32 bytes in base64 (openssl rand -base64 32)")?;
            return Sealer::from_key(&key);
        }
        let path = data_dir.join("secret.key");
        let (text, made) = key_file(&path, || {
            let mut key = [0u8; 32];
            rand::rngs::OsRng.fill_bytes(&mut key);
            STANDARD.encode(key)
        })?;
        if made {
            tracing::warn!(
                path = %path.display(),
                "SCOUT_SECRET_KEY is unset: made a key for secrets at rest in the data folder"
            );
        }
        let key = STANDARD
            .decode(text.trim())
            .with_context(|| format!("{} is not a base64 key", path.display()))?;
        Sealer::from_key(&key)
    }

    /// `BOUND_PREFIX` || nonce || ciphertext+tag, with `binding` as associated data.
    pub fn seal_bound(&self, plain: &[u8], binding: &Binding) -> Vec<u8> {
        let mut nonce = [0u8; NONCE_LEN];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let aad = binding.aad();
        let sealed = self
            .cipher
            .encrypt(
                Nonce::from_slice(&nonce),
                aes_gcm::aead::Payload {
                    msg: plain,
                    aad: &aad,
                },
            )
            .unwrap_or_default();
        let mut out = BOUND_PREFIX.to_vec();
        out.extend(nonce);
        out.extend(sealed);
        out
    }

    /// Opens a secret sealed by `seal_bound` for this same binding; anything else (another
    /// row's secret, an unbound one, a changed one) is an error.
    pub fn open_bound(&self, sealed: &[u8], binding: &Binding) -> anyhow::Result<Vec<u8>> {
        let Some(rest) = sealed.strip_prefix(BOUND_PREFIX) else {
            bail!("a sealed secret is not bound to its row");
        };
        if rest.len() < NONCE_LEN + 16 {
            bail!("a sealed secret is too short");
        }
        let (nonce, body) = rest.split_at(NONCE_LEN);
        let aad = binding.aad();
        self.cipher
            .decrypt(
                Nonce::from_slice(nonce),
                aes_gcm::aead::Payload {
                    msg: body,
                    aad: &aad,
                },
            )
            .map_err(|_| anyhow::anyhow!("a sealed secret does not open with this key here"))
    }

    pub fn open_bound_string(&self, sealed: &[u8], binding: &Binding) -> anyhow::Result<String> {
        String::from_utf8(self.open_bound(sealed, binding)?).context("a sealed secret is not text")
    }

    /// Whether `sealed` is bound to its row (or an older, unbound secret).
    pub fn is_bound(sealed: &[u8]) -> bool {
        sealed.starts_with(BOUND_PREFIX)
    }

    /// nonce || ciphertext+tag, bound to nothing: the format before secrets were bound to
    /// their rows, kept so such rows can be read once and sealed again (`open`).
    pub fn seal(&self, plain: &[u8]) -> Vec<u8> {
        let mut nonce = [0u8; NONCE_LEN];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let sealed = self
            .cipher
            .encrypt(Nonce::from_slice(&nonce), plain)
            .unwrap_or_default();
        let mut out = nonce.to_vec();
        out.extend(sealed);
        out
    }

    pub fn open(&self, sealed: &[u8]) -> anyhow::Result<Vec<u8>> {
        if sealed.len() < NONCE_LEN + 16 {
            bail!("a sealed secret is too short");
        }
        let (nonce, body) = sealed.split_at(NONCE_LEN);
        self.cipher
            .decrypt(Nonce::from_slice(nonce), body)
            .map_err(|_| anyhow::anyhow!("a sealed secret does not open with this key"))
    }

    /// A tag (hex HMAC-SHA256) that shows Scout itself wrote `data` for `purpose`.
    pub fn tag(&self, purpose: &str, data: &[u8]) -> String {
        hex::encode(self.mac(purpose, data).finalize().into_bytes())
    }

    /// Whether `tag` is `tag(purpose, data)` (compared in constant time).
    pub fn verify_tag(&self, purpose: &str, data: &[u8], tag: &str) -> bool {
        hex::decode(tag).is_ok_and(|t| self.mac(purpose, data).verify_slice(&t).is_ok())
    }

    fn mac(&self, purpose: &str, data: &[u8]) -> Hmac<Sha256> {
        // the key is 32 bytes: HMAC takes any length
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.mac_key)
            .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
        mac.update(purpose.as_bytes());
        mac.update(&[0]);
        mac.update(data);
        mac
    }

    pub fn open_string(&self, sealed: &[u8]) -> anyhow::Result<String> {
        String::from_utf8(self.open(sealed)?).context("a sealed secret is not text")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_round_trip_and_do_not_open_with_another_key_or_when_changed() {
        let a = Sealer::from_key(&[7u8; 32]).unwrap_or_else(|_| unreachable!());
        let b = Sealer::from_key(&[8u8; 32]).unwrap_or_else(|_| unreachable!());
        let sealed = a.seal(b"123456:bot-token");
        assert!(!sealed.windows(9).any(|w| w == b"bot-token"));
        assert_eq!(
            a.open_string(&sealed).ok().as_deref(),
            Some("123456:bot-token")
        );
        assert!(b.open(&sealed).is_err());
        let mut changed = sealed.clone();
        if let Some(last) = changed.last_mut() {
            *last ^= 1;
        }
        assert!(a.open(&changed).is_err());
        // a fresh nonce each time
        assert_ne!(a.seal(b"x"), a.seal(b"x"));
        assert!(Sealer::from_key(&[1u8; 16]).is_err());
        // tags: only the same key, purpose and data verify
        let tag = a.tag("form error", b"message");
        assert!(a.verify_tag("form error", b"message", &tag));
        assert!(!a.verify_tag("form error", b"massage", &tag));
        assert!(!a.verify_tag("other", b"message", &tag));
        assert!(!b.verify_tag("form error", b"message", &tag));
        assert!(!a.verify_tag("form error", b"message", "zz"));
        // the data folder's key is made once and read back
        let dir = std::env::temp_dir().join(format!("scout-key-{}", uuid::Uuid::new_v4()));
        let first = Sealer::from_config(None, &dir).unwrap_or_else(|_| unreachable!());
        let again = Sealer::from_config(None, &dir).unwrap_or_else(|_| unreachable!());
        assert_eq!(again.open(&first.seal(b"k")).ok(), Some(b"k".to_vec()));
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn a_bound_secret_opens_only_where_it_was_sealed() {
        let a = Sealer::from_key(&[7u8; 32]).unwrap_or_else(|_| unreachable!());
        let here = Binding {
            place: "push_subscription.auth_sealed",
            owner: "account-1",
            key: "https://push.example/1",
        };
        let sealed = a.seal_bound(b"auth", &here);
        assert!(Sealer::is_bound(&sealed));
        assert_eq!(a.open_bound(&sealed, &here).ok(), Some(b"auth".to_vec()));
        // another account, another row, another column: it doesn't open
        for elsewhere in [
            Binding {
                owner: "account-2",
                ..here
            },
            Binding {
                key: "https://push.example/2",
                ..here
            },
            Binding {
                place: "webhook_endpoint.secret_sealed",
                ..here
            },
            // the parts can't be shifted into each other
            Binding {
                owner: "account-1https://push.example/1",
                key: "",
                ..here
            },
        ] {
            assert!(a.open_bound(&sealed, &elsewhere).is_err(), "{elsewhere:?}");
        }
        // an unbound secret is not accepted where a bound one is expected, nor the reverse
        let unbound = a.seal(b"auth");
        assert!(!Sealer::is_bound(&unbound));
        assert!(a.open_bound(&unbound, &here).is_err());
        assert!(a.open(&sealed).is_err());
        let mut changed = sealed.clone();
        if let Some(last) = changed.last_mut() {
            *last ^= 1;
        }
        assert!(a.open_bound(&changed, &here).is_err());
    }
}
