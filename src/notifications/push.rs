//! Web push: the VAPID identity (RFC 8292) and sending an RFC 8291 (aes128gcm) encrypted
//! message to a browser's push service, through `web-push-native`. The service worker
//! (`public/sw.js`) shows the notification and opens the listing on tap.
//!
//! The VAPID key comes from `SCOUT_VAPID_PRIVATE_KEY` (the 32-byte P-256 private key in
//! base64url), else from `<SCOUT_DATA_DIR>/vapid.key`, made on first use. Changing it
//! invalidates every browser's subscription.

use super::{email::SendError, webhook};
use anyhow::Context;
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use std::{path::Path, time::Duration};
use web_push_native::jwt_simple::algorithms::ECDSAP256PublicKeyLike;
use web_push_native::{
    Auth, WebPushBuilder, jwt_simple::algorithms::ES256KeyPair, p256::PublicKey,
};

/// How long a push service keeps an undelivered message (also the VAPID token's lifetime,
/// which RFC 8292 caps at 24 hours).
pub const TTL: Duration = Duration::from_secs(12 * 60 * 60);

pub struct Vapid {
    key: ES256KeyPair,
    /// The public key in base64url, for `applicationServerKey` in the browser.
    pub public_key: String,
    /// `mailto:` of the sender, for push services to reach the operator.
    pub contact: String,
}

impl std::fmt::Debug for Vapid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vapid")
            .field("public_key", &self.public_key)
            .finish_non_exhaustive()
    }
}

impl Vapid {
    pub fn from_bytes(private: &[u8], contact: String) -> anyhow::Result<Vapid> {
        let key = ES256KeyPair::from_bytes(private)
            .map_err(|e| anyhow::anyhow!("the VAPID key is not a P-256 private key: {e}"))?;
        let public_key =
            URL_SAFE_NO_PAD.encode(key.public_key().public_key().to_bytes_uncompressed());
        Ok(Vapid {
            key,
            public_key,
            contact,
        })
    }

    pub fn from_config(
        private_b64: Option<&str>,
        data_dir: &Path,
        contact: String,
    ) -> anyhow::Result<Vapid> {
        let decode = |s: &str| {
            URL_SAFE_NO_PAD
                .decode(s.trim().trim_end_matches('='))
                .context("the VAPID key must be base64url")
        };
        if let Some(k) = private_b64 {
            return Vapid::from_bytes(&decode(k)?, contact);
        }
        let (text, _) = crate::server::secrets::key_file(&data_dir.join("vapid.key"), || {
            URL_SAFE_NO_PAD.encode(ES256KeyPair::generate().to_bytes())
        })?;
        Vapid::from_bytes(&decode(&text)?, contact)
    }
}

/// Checks what a browser sent when it subscribed: its keys decode and the endpoint is a URL.
pub fn check_subscription(
    endpoint: &str,
    p256dh: &str,
    auth: &str,
    allow_private: bool,
) -> Result<(), String> {
    webhook::check_url(endpoint, allow_private)
        .map_err(|_| "The browser gave a push address Scout cannot use.".to_string())?;
    let key = URL_SAFE_NO_PAD
        .decode(p256dh.trim().trim_end_matches('='))
        .map_err(|_| "The browser's push key could not be read.".to_string())?;
    PublicKey::from_sec1_bytes(&key)
        .map_err(|_| "The browser's push key is not a P-256 key.".to_string())?;
    let auth = URL_SAFE_NO_PAD
        .decode(auth.trim().trim_end_matches('='))
        .map_err(|_| "The browser's push secret could not be read.".to_string())?;
    if auth.len() != 16 {
        return Err("The browser's push secret has the wrong length.".into());
    }
    Ok(())
}

/// The outcome of a push: delivered, failed (maybe for now), or the subscription is gone.
#[derive(Debug)]
pub enum PushError {
    /// 404 or 410: the browser unsubscribed or the subscription expired.
    Gone,
    Failed(SendError),
}

fn failed(permanent: bool, message: impl Into<String>) -> PushError {
    PushError::Failed(SendError {
        permanent,
        message: message.into(),
    })
}

/// Encrypts `payload` for the subscription and posts it to its push service.
pub async fn send(
    vapid: &Vapid,
    endpoint: &str,
    p256dh: &str,
    auth: &str,
    payload: &[u8],
    allow_private: bool,
) -> Result<(), PushError> {
    let url = webhook::check_url(endpoint, allow_private).map_err(|m| failed(true, m))?;
    let key = URL_SAFE_NO_PAD
        .decode(p256dh.trim_end_matches('='))
        .ok()
        .and_then(|k| PublicKey::from_sec1_bytes(&k).ok())
        .ok_or_else(|| failed(true, "the subscription's key is not usable"))?;
    let auth = URL_SAFE_NO_PAD
        .decode(auth.trim_end_matches('='))
        .ok()
        .filter(|a| a.len() == 16)
        .ok_or_else(|| failed(true, "the subscription's secret is not usable"))?;
    let uri: http::Uri = endpoint
        .parse()
        .map_err(|_| failed(true, "the push address is not a URL"))?;
    let request = WebPushBuilder::new(uri, key, Auth::clone_from_slice(&auth))
        .with_valid_duration(TTL)
        .with_vapid(&vapid.key, &vapid.contact)
        .build(payload.to_vec())
        .map_err(|e| failed(true, format!("the message could not be encrypted: {e}")))?;
    let client = webhook::guarded_client(&url, !allow_private)
        .await
        .map_err(PushError::Failed)?;
    let (parts, body) = request.into_parts();
    let response = client
        .post(url)
        .headers(parts.headers)
        .header("Urgency", "normal")
        .body(body)
        .send()
        .await
        .map_err(|e| {
            failed(
                false,
                if e.is_timeout() {
                    "the push service did not answer within 15 seconds"
                } else {
                    "the push service could not be reached"
                },
            )
        })?;
    let status = response.status();
    match status.as_u16() {
        200..=299 => Ok(()),
        404 | 410 => Err(PushError::Gone),
        code => Err(failed(
            !(code == 408 || code == 429 || status.is_server_error()),
            format!(
                "the push service answered {code} {}",
                status.canonical_reason().unwrap_or("")
            ),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use web_push_native::p256::SecretKey;

    fn b64(s: &str) -> Vec<u8> {
        URL_SAFE_NO_PAD.decode(s).unwrap_or_default()
    }

    /// RFC 8291, Appendix A: the user agent's keys and the encrypted message, byte for byte.
    #[test]
    fn the_rfc_8291_example_decrypts_to_its_plaintext() {
        let ua_private = SecretKey::from_slice(&b64("q1dXpw3UpT5VOmu_cf_v6ih07Aems3njxI-JWgLcM94"))
            .unwrap_or_else(|_| unreachable!());
        let auth = Auth::clone_from_slice(&b64("BTBZMqHH6r4Tts7J_aSIgg"));
        let message = b64(
            "DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A_yl95bQpu6cVPTpK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_Qulcy4a-fN",
        );
        let plain = web_push_native::decrypt(message, &ua_private, &auth).unwrap_or_default();
        assert_eq!(plain, b"When I grow up, I want to be a watermelon");
        // the user agent's public key in the example is the private key's
        assert_eq!(
            ua_private.public_key().to_sec1_bytes().to_vec(),
            b64(
                "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4"
            )
        );
    }

    #[test]
    fn subscriptions_are_checked_and_vapid_keys_kept() {
        let ua = SecretKey::random(&mut rand::rngs::OsRng);
        let p256dh = URL_SAFE_NO_PAD.encode(ua.public_key().to_sec1_bytes());
        let auth = URL_SAFE_NO_PAD.encode([7u8; 16]);
        assert!(
            check_subscription(
                "https://fcm.googleapis.com/fcm/send/x",
                &p256dh,
                &auth,
                false
            )
            .is_ok()
        );
        assert!(check_subscription("http://127.0.0.1/x", &p256dh, &auth, false).is_err());
        assert!(check_subscription("https://push.example/x", "AAAA", &auth, false).is_err());
        assert!(check_subscription("https://push.example/x", &p256dh, "AAAA", false).is_err());
        let dir = std::env::temp_dir().join(format!("scout-vapid-{}", uuid::Uuid::new_v4()));
        let first = Vapid::from_config(None, &dir, "mailto:a@b.c".into())
            .unwrap_or_else(|_| unreachable!());
        let again = Vapid::from_config(None, &dir, "mailto:a@b.c".into())
            .unwrap_or_else(|_| unreachable!());
        assert_eq!(first.public_key, again.public_key);
        assert_eq!(b64(&first.public_key).len(), 65);
        let _ = std::fs::remove_dir_all(dir);
    }
}
