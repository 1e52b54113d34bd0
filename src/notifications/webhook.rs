//! Alert webhooks: the request for each endpoint kind and how it is sent.
//!
//! **JSON** (any URL): `POST` with `Content-Type: application/json` and
//! - `Scout-Delivery`: the delivery's id (the same on a retry: drop repeats by it);
//! - `Scout-Timestamp`: Unix seconds when it was signed;
//! - `Scout-Signature: v1=<hex HMAC-SHA256(secret, "{timestamp}.{raw body}")>`.
//!
//! To verify, recompute the HMAC over the timestamp, a dot and the raw body with the signing
//! secret shown in Settings, compare in constant time, and refuse timestamps older than five
//! minutes (replays). **Discord**: the webhook URL Discord gives, with `content` and an embed.
//! **Telegram**: `sendMessage` through the person's bot to their chat id.
//!
//! Endpoint addresses must be public: a URL that resolves to a loopback, private, link-local
//! or other internal address is refused (unless `SCOUT_WEBHOOK_ALLOW_PRIVATE` is set, for
//! tests and private networks), the checked address is the one connected to (no second DNS
//! answer), and redirects are not followed.

use super::email::{Item, SendError};
use hmac::{Hmac, Mac};
use serde_json::json;
use sha2::Sha256;
use std::{
    net::{IpAddr, SocketAddr},
    time::Duration,
};

/// What kind of endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Json,
    Discord,
    Telegram,
}

impl Kind {
    pub fn from_slug(s: &str) -> Option<Kind> {
        match s {
            "json" => Some(Kind::Json),
            "discord" => Some(Kind::Discord),
            "telegram" => Some(Kind::Telegram),
            _ => None,
        }
    }
}

/// An endpoint, its secret opened.
#[derive(Debug, Clone)]
pub struct Endpoint {
    pub kind: Kind,
    pub url: Option<String>,
    pub chat_id: Option<String>,
    /// json: the signing secret; telegram: the bot token.
    pub secret: Option<String>,
}

/// `v1=<hex>` for a body signed at `timestamp`.
pub fn signature(secret: &str, timestamp: i64, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("v1={}", hex::encode(mac.finalize().into_bytes()))
}

/// Whether an address is one a webhook must not reach: anything the IANA special-purpose
/// registries don't list as globally reachable (this machine, private and shared networks,
/// documentation, benchmarking, multicast, reserved), and, for IPv6 forms that carry an IPv4
/// address (mapped, IPv4-compatible, NAT64, 6to4, Teredo), the IPv4 address they lead to.
/// IPv6 outside global unicast (2000::/3) is refused too.
pub fn is_internal(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, c, _] = v4.octets();
            v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || v4.is_documentation()
                || a == 0
                || (a == 100 && (64..128).contains(&b)) // shared address space (CGNAT)
                || (a == 192 && b == 0 && c == 0) // IETF protocol assignments
                || (a == 192 && b == 88 && c == 99) // 6to4 relay anycast (deprecated)
                || (a == 198 && (18..20).contains(&b)) // benchmarking
                || a >= 240 // reserved
        }
        IpAddr::V6(v6) => {
            let seg = v6.segments();
            let o = v6.octets();
            let v4 = |at: usize| IpAddr::from([o[at], o[at + 1], o[at + 2], o[at + 3]]);
            if let Some(mapped) = v6.to_ipv4_mapped() {
                return is_internal(IpAddr::V4(mapped));
            }
            if v6.is_loopback() || v6.is_unspecified() {
                return true;
            }
            // IPv4-compatible (::a.b.c.d, deprecated): where it leads
            if seg[..6] == [0; 6] {
                return is_internal(v4(12));
            }
            // NAT64, well-known prefix 64:ff9b::/96: the IPv4 address behind it
            if seg[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
                return is_internal(v4(12));
            }
            // 6to4 (2002::/16): the IPv4 address in bits 16..48
            if seg[0] == 0x2002 {
                return is_internal(v4(2));
            }
            // Teredo (2001::/32): the client's IPv4 address, inverted, in the last 32 bits
            if seg[0] == 0x2001 && seg[1] == 0 {
                let last = [!o[12], !o[13], !o[14], !o[15]];
                return is_internal(IpAddr::from(last));
            }
            (seg[0] & 0xe000) != 0x2000 // not global unicast: ULA, link- and site-local,
                // multicast, discard-only, NAT64 local-use (64:ff9b:1::/48), ...
                || (seg[0] == 0x2001 && seg[1] < 0x0200) // IETF protocol assignments
                || (seg[0] == 0x2001 && seg[1] == 0x0db8) // documentation
                || (seg[0] & 0xfff0) == 0x3ff0 // documentation (3fff::/20)
        }
    }
}

/// Checks a URL a person gave for an endpoint: http(s), a host, at most 2,000 characters.
pub fn check_url(url: &str, allow_private: bool) -> Result<reqwest::Url, String> {
    let parsed = reqwest::Url::parse(url.trim())
        .map_err(|_| "Enter the full address, starting with https://".to_string())?;
    match parsed.scheme() {
        "https" => {}
        "http" if allow_private => {}
        _ => return Err("Webhook addresses must start with https://".into()),
    }
    if parsed.host_str().is_none_or(str::is_empty) || url.len() > 2000 {
        return Err("Enter the full address, starting with https://".into());
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err("Leave the user name and password out of the address.".into());
    }
    // public endpoints on the https port only: no probing of other services on a host
    if !allow_private && parsed.port().is_some_and(|p| p != 443) {
        return Err("Webhook addresses use the standard https port: leave the port out.".into());
    }
    Ok(parsed)
}

/// The JSON body for one or more listings.
pub fn json_body(delivery: &str, rule: Option<&str>, items: &[Item]) -> serde_json::Value {
    json!({
        "id": delivery,
        "type": if items.len() == 1 { "alert.match" } else { "alert.digest" },
        "rule": rule,
        "items": items.iter().map(|i| json!({
            "title": i.title,
            "reason": i.reason,
            "price": i.price,
            "url": i.url,
            "photo": i.photo,
        })).collect::<Vec<_>>(),
    })
}

/// Discord's webhook body: a line of text and an embed per listing (at most 10).
pub fn discord_body(items: &[Item]) -> serde_json::Value {
    let content = if items.len() == 1 {
        "New on Scout".to_string()
    } else {
        format!("{} listings on Scout", items.len())
    };
    json!({
        "content": content,
        "embeds": items.iter().take(10).map(|i| {
            let mut embed = json!({
                "title": i.title.chars().take(256).collect::<String>(),
                "url": i.url,
                "description": if i.price.is_empty() {
                    i.reason.clone()
                } else {
                    format!("{}\n**{}**", i.reason, i.price)
                },
            });
            if let Some(photo) = &i.photo {
                embed["image"] = json!({ "url": photo });
            }
            embed
        }).collect::<Vec<_>>(),
        "allowed_mentions": { "parse": [] },
    })
}

/// Telegram's `sendMessage` body.
pub fn telegram_body(chat_id: &str, items: &[Item]) -> serde_json::Value {
    let text = items
        .iter()
        .map(|i| {
            [&i.title, &i.reason, &i.price, &i.url]
                .into_iter()
                .filter(|s| !s.is_empty())
                .map(String::as_str)
                .collect::<Vec<_>>()
                .join("\n")
        })
        .collect::<Vec<_>>()
        .join("\n\n");
    json!({ "chat_id": chat_id, "text": text.chars().take(4000).collect::<String>() })
}

/// An HTTP client for one request to `url`: no redirects, a 15-second limit, and when
/// `check_private`, pinned to the address the host resolves to after checking that none of
/// its addresses is internal.
pub async fn guarded_client(
    url: &reqwest::Url,
    check_private: bool,
) -> Result<reqwest::Client, SendError> {
    let host = url.host_str().unwrap_or_default().to_string();
    let port = url.port_or_known_default().unwrap_or(443);
    let mut client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        // a proxy from the environment would connect somewhere this check never saw
        .no_proxy()
        .connect_timeout(Duration::from_secs(5))
        .timeout(Duration::from_secs(15))
        .user_agent("Scout-Webhooks/1");
    if check_private {
        // one answer for "doesn't resolve" and "resolves inside", so a webhook can't be used
        // to learn which names exist on Scout's own network
        let unreachable = |permanent| {
            failure(
                permanent,
                format!("{host} can't be reached as a public address"),
            )
        };
        let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), port))
            .await
            .map_err(|_| unreachable(false))?
            .collect();
        let Some(addr) = addrs.first().copied() else {
            return Err(unreachable(false));
        };
        if addrs.iter().any(|a| is_internal(a.ip())) {
            return Err(unreachable(true));
        }
        // connect to the address just checked, not to whatever a second lookup says
        client = client.resolve(&host, addr);
    }
    client
        .build()
        .map_err(|e| failure(false, format!("no HTTP client: {e}")))
}

fn failure(permanent: bool, message: impl Into<String>) -> SendError {
    SendError {
        permanent,
        message: message.into(),
    }
}

/// Sends one webhook request. `telegram_api` is the Bot API's base URL.
pub async fn send(
    endpoint: &Endpoint,
    delivery: &str,
    rule: Option<&str>,
    items: &[Item],
    telegram_api: &str,
    allow_private: bool,
) -> Result<(), SendError> {
    let (url, body, secret) = match endpoint.kind {
        Kind::Json => (
            endpoint.url.clone().unwrap_or_default(),
            json_body(delivery, rule, items),
            endpoint.secret.clone(),
        ),
        Kind::Discord => (
            endpoint.url.clone().unwrap_or_default(),
            discord_body(items),
            None,
        ),
        Kind::Telegram => (
            format!(
                "{}/bot{}/sendMessage",
                telegram_api.trim_end_matches('/'),
                endpoint.secret.clone().unwrap_or_default()
            ),
            telegram_body(endpoint.chat_id.as_deref().unwrap_or_default(), items),
            None,
        ),
    };
    // the Bot API is ours to configure; people's URLs are checked
    let check_private = endpoint.kind != Kind::Telegram && !allow_private;
    let parsed = check_url(&url, !check_private).map_err(|m| failure(true, m))?;
    let client = guarded_client(&parsed, check_private).await?;
    let raw = serde_json::to_vec(&body).unwrap_or_default();
    let mut request = client
        .post(parsed)
        .header("content-type", "application/json")
        .header("Scout-Delivery", delivery);
    if let Some(secret) = secret {
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        request = request
            .header("Scout-Timestamp", now.to_string())
            .header("Scout-Signature", signature(&secret, now, &raw));
    }
    let response = request.body(raw).send().await.map_err(|e| {
        let what = if e.is_timeout() {
            "did not answer within 15 seconds".to_string()
        } else {
            "could not be reached".to_string()
        };
        // (the Telegram URL holds the bot token: never in messages)
        failure(false, format!("the endpoint {what}"))
    })?;
    let status = response.status();
    if status.is_success() {
        return Ok(());
    }
    let code = status.as_u16();
    let transient = code == 408 || code == 429 || status.is_server_error();
    Err(failure(
        !transient,
        format!(
            "the endpoint answered {code} {}",
            status.canonical_reason().unwrap_or("")
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_follow_the_documented_scheme() {
        // HMAC-SHA256("secret", "1700000000.{}"), computed independently:
        // printf '1700000000.{}' | openssl dgst -sha256 -hmac secret
        assert_eq!(
            signature("secret", 1_700_000_000, b"{}"),
            "v1=b8569b78799ff9e3cbff0fc2d63a33a2b57f3282abd07c37ae5e8e7d79a5f163"
        );
        assert_ne!(
            signature("secret", 1_700_000_001, b"{}"),
            signature("secret", 1_700_000_000, b"{}")
        );
    }

    #[test]
    fn internal_addresses_are_refused() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "100.64.0.1",
            "::1",
            "fd00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
            "224.0.0.1",
            // IANA special-purpose, not globally reachable
            "192.0.0.8",
            "198.18.0.1",
            "240.0.0.1",
            "fec0::1",
            "100::1",
            "2001:db8::1",
            "3fff::1",
            "ff02::1",
            // IPv6 forms that lead to an internal IPv4 address
            "::127.0.0.1",
            "::10.0.0.1",
            "64:ff9b::a9fe:a9fe",
            "64:ff9b:1::a00:1",
            "2002:7f00:1::1",
            "2002:a00:1::",
            "2001:0:4136:e378:8000:63bf:f5ff:fffe",
        ] {
            assert!(
                is_internal(ip.parse().unwrap_or(IpAddr::from([0, 0, 0, 0]))),
                "{ip}"
            );
        }
        for ip in [
            "93.184.216.34",
            "1.1.1.1",
            "2606:4700:4700::1111",
            "64:ff9b::101:101",
            "2002:101:101::1",
            "::ffff:1.1.1.1",
        ] {
            assert!(
                !is_internal(ip.parse().unwrap_or(IpAddr::from([0, 0, 0, 0]))),
                "{ip}"
            );
        }
        assert!(check_url("https://hooks.example.com/x", false).is_ok());
        assert!(check_url("http://hooks.example.com/x", false).is_err());
        assert!(check_url("http://127.0.0.1:9/x", true).is_ok());
        assert!(check_url("https://user:pw@hooks.example.com/", false).is_err());
        assert!(check_url("hooks.example.com", false).is_err());
        assert!(check_url("ftp://hooks.example.com", true).is_err());
        assert!(check_url("https://hooks.example.com:8443/x", false).is_err());
        assert!(check_url("https://hooks.example.com:443/x", false).is_ok());
    }

    #[test]
    fn bodies_carry_every_listing() {
        let item = Item {
            title: "Golf".into(),
            reason: "Diesel; just listed".into(),
            price: "17,400 BGN".into(),
            url: "https://scout.test/listings/7".into(),
            photo: Some("https://scout.test/media/a.webp".into()),
        };
        let body = json_body(
            "delivery-9",
            Some("Golf diesel"),
            std::slice::from_ref(&item),
        );
        assert_eq!(body["type"], "alert.match");
        assert_eq!(body["items"][0]["price"], "17,400 BGN");
        let discord = discord_body(&[item.clone(), item.clone()]);
        assert_eq!(discord["embeds"].as_array().map(Vec::len), Some(2));
        assert_eq!(
            discord["embeds"][0]["image"]["url"],
            "https://scout.test/media/a.webp"
        );
        let telegram = telegram_body("-100123", &[item]);
        assert_eq!(telegram["chat_id"], "-100123");
        assert!(
            telegram["text"]
                .as_str()
                .unwrap_or_default()
                .contains("17,400 BGN")
        );
    }
}
