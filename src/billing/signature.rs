//! Stripe's webhook signature (`Stripe-Signature: t=<unix>,v1=<hex>,v1=<hex>,...`): HMAC-SHA256
//! of `"{t}.{raw body}"` under the endpoint's secret. An event is accepted when any `v1`
//! matches under any configured secret (two during a rotation), compared in constant time,
//! and `t` is within the tolerance of now (both ways).
//!
//! Written here rather than taken from `async-stripe-webhook`: that crate checks only the first
//! `v1` and one secret, and parses the payload into its generated types before we can decide
//! what to do with an event.

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// How far a signature's timestamp may be from now, in seconds (Stripe's libraries use 300).
pub const TOLERANCE_SECS: i64 = 300;

/// Why a delivery was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    #[error("no Stripe-Signature header")]
    Missing,
    #[error("the Stripe-Signature header has no timestamp or no v1 signature")]
    Malformed,
    #[error("the signature's timestamp is more than {TOLERANCE_SECS} s from now")]
    Stale,
    #[error("no v1 signature matches")]
    Forged,
}

/// The signature over `body` at `timestamp` under `secret`, hex (as in the header's `v1`).
pub fn sign(secret: &str, timestamp: i64, body: &[u8]) -> String {
    hex::encode(mac(secret, timestamp, body).finalize().into_bytes())
}

fn mac(secret: &str, timestamp: i64, body: &[u8]) -> Hmac<Sha256> {
    #[expect(clippy::expect_used, reason = "HMAC takes a key of any length")]
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac
}

/// A `Stripe-Signature` header value for `body`, as Stripe sends it (for tests and the
/// stand-in).
pub fn header(secret: &str, timestamp: i64, body: &[u8]) -> String {
    format!("t={timestamp},v1={}", sign(secret, timestamp, body))
}

/// Checks `header` against `body` under any of `secrets` at `now` (unix seconds).
pub fn verify(
    header: Option<&str>,
    body: &[u8],
    secrets: &[String],
    now: i64,
) -> Result<(), Refused> {
    let header = header.ok_or(Refused::Missing)?;
    let mut timestamp = None;
    let mut signatures = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", t)) => timestamp = t.parse::<i64>().ok(),
            Some(("v1", v)) => {
                if let Ok(bytes) = hex::decode(v) {
                    signatures.push(bytes);
                }
            }
            _ => {}
        }
    }
    let timestamp = timestamp.ok_or(Refused::Malformed)?;
    if signatures.is_empty() {
        return Err(Refused::Malformed);
    }
    // a well-signed body is checked before its age, so an old replay and a forgery are told
    // apart in the log
    let signed = secrets.iter().any(|secret| {
        signatures
            .iter()
            .any(|sig| mac(secret, timestamp, body).verify_slice(sig).is_ok())
    });
    if !signed {
        return Err(Refused::Forged);
    }
    if (now - timestamp).abs() > TOLERANCE_SECS {
        return Err(Refused::Stale);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const BODY: &[u8] = br#"{"id":"evt_1","object":"event","type":"invoice.paid"}"#;
    const NOW: i64 = 1_796_000_000;

    fn secrets(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_string()).collect()
    }

    #[test]
    fn the_signature_is_hmac_sha256_of_timestamp_dot_body() {
        // computed independently: printf '%s' '1492774577.{"id":"evt_test","object":"event"}'
        //   | openssl dgst -sha256 -hmac whsec_test_secret
        assert_eq!(
            sign(
                "whsec_test_secret",
                1_492_774_577,
                br#"{"id":"evt_test","object":"event"}"#
            ),
            "691252e266ce41cb94d709c84e9580d4172b117a510bbc81723f657d2cd5d215"
        );
    }

    #[test]
    fn a_genuine_delivery_is_accepted_and_anything_else_refused() {
        let ok = secrets(&["whsec_current"]);
        let good = header("whsec_current", NOW, BODY);
        assert_eq!(verify(Some(&good), BODY, &ok, NOW), Ok(()));
        assert_eq!(verify(Some(&good), BODY, &ok, NOW + 300), Ok(()));
        // a changed body, another secret, no header, a header without parts
        assert_eq!(
            verify(Some(&good), b"{\"id\":\"evt_2\"}", &ok, NOW),
            Err(Refused::Forged)
        );
        let forged = header("whsec_attacker", NOW, BODY);
        assert_eq!(verify(Some(&forged), BODY, &ok, NOW), Err(Refused::Forged));
        assert_eq!(verify(None, BODY, &ok, NOW), Err(Refused::Missing));
        assert_eq!(
            verify(Some("v1=abcd"), BODY, &ok, NOW),
            Err(Refused::Malformed)
        );
        assert_eq!(
            verify(Some(&format!("t={NOW}")), BODY, &ok, NOW),
            Err(Refused::Malformed)
        );
        // the timestamp is signed: moving it breaks the signature
        let moved = good.replace(&format!("t={NOW}"), &format!("t={}", NOW + 1));
        assert_eq!(verify(Some(&moved), BODY, &ok, NOW), Err(Refused::Forged));
    }

    #[test]
    fn an_old_or_future_delivery_is_refused_past_five_minutes() {
        let ok = secrets(&["whsec_current"]);
        let old = header("whsec_current", NOW - 301, BODY);
        assert_eq!(verify(Some(&old), BODY, &ok, NOW), Err(Refused::Stale));
        let edge = header("whsec_current", NOW - 300, BODY);
        assert_eq!(verify(Some(&edge), BODY, &ok, NOW), Ok(()));
        let future = header("whsec_current", NOW + 301, BODY);
        assert_eq!(verify(Some(&future), BODY, &ok, NOW), Err(Refused::Stale));
    }

    #[test]
    fn any_v1_under_either_secret_of_a_rotation_is_accepted() {
        let both = secrets(&["whsec_new", "whsec_old"]);
        // Stripe signs with every active secret during a rotation: one v1 each
        let two = format!(
            "t={NOW},v1={},v1={},v0=ignored",
            sign("whsec_unknown", NOW, BODY),
            sign("whsec_old", NOW, BODY)
        );
        assert_eq!(verify(Some(&two), BODY, &both, NOW), Ok(()));
        let new_only = header("whsec_new", NOW, BODY);
        assert_eq!(verify(Some(&new_only), BODY, &both, NOW), Ok(()));
        // after the rotation, the old secret's signature no longer passes
        assert_eq!(
            verify(
                Some(&header("whsec_old", NOW, BODY)),
                BODY,
                &secrets(&["whsec_new"]),
                NOW
            ),
            Err(Refused::Forged)
        );
    }
}
