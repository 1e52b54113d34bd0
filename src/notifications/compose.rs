//! What a group of due deliveries says on each channel: the items (title, why, price, link,
//! photo), the email letter (single or digest, with its unsubscribe links) and the push
//! payload. No I/O: the worker reads, these compose, the transports send.

use super::{
    email::{Item, Letter},
    model::Rhythm,
    repo::{Due, Unsubscribe},
};
use crate::{
    listings::{model::ListingId, wire::ListingCard},
    server::state::AppState,
};
use std::collections::HashMap;

/// Absolute URLs from what may be a path.
fn absolute(origin: &str, url: &str) -> String {
    if url.starts_with('/') {
        format!("{origin}{url}")
    } else {
        url.to_string()
    }
}

/// One message's worth of due deliveries: a single notification, or a digest.
pub fn items(
    state: &AppState,
    group: &[&Due],
    cards: &HashMap<ListingId, ListingCard>,
) -> Vec<Item> {
    let origin = state.config.public_url.origin();
    group
        .iter()
        .map(|d| {
            let card = d.listing_id.and_then(|id| cards.get(&id));
            Item {
                title: d.title.clone(),
                reason: d.reason.clone(),
                // the seller's price, and in the recipient's currency when it is another
                price: card.map_or_else(String::new, |c| match c.buyer_price {
                    Some(theirs) => format!("{} (≈ {})", c.price.format(), theirs.format()),
                    None => c.price.format(),
                }),
                url: format!(
                    "{origin}{}",
                    super::notices::href_of(d.listing_id, d.link.as_deref())
                ),
                photo: card
                    .and_then(|c| c.cover.as_ref())
                    .map(|p| absolute(&origin, p.src_for(480))),
            }
        })
        .collect()
}

/// The email for a group: one listing, or a digest of several.
/// What the email's unsubscribe link stops: the one rule (or favorites) a single message is
/// about, else all alert email.
pub fn unsubscribe_scope(group: &[&Due]) -> Unsubscribe {
    let first = group[0];
    let single = first.digest.is_none() && group.iter().all(|d| d.rule_id == first.rule_id);
    if first.listing_id.is_none() {
        // a notice about the account itself belongs to no rule and no favorite
        return Unsubscribe::AllEmail;
    }
    match (single, first.rule_id, &first.rule_name) {
        (true, Some(rule_id), Some(name)) => Unsubscribe::Rule {
            rule_id,
            name: name.clone(),
        },
        (true, None, _) => Unsubscribe::Favorites,
        _ => Unsubscribe::AllEmail,
    }
}

/// The email for a group: one listing, or a digest of several. `token` is its unsubscribe
/// link's (see `repo::new_unsubscribe_link`).
pub fn letter(
    state: &AppState,
    group: &[&Due],
    cards: &HashMap<ListingId, ListingCard>,
    token: uuid::Uuid,
    per_day: u32,
) -> Letter {
    let origin = state.config.public_url.origin();
    let first = group[0];
    let items = items(state, group, cards);
    let digest = first.digest;
    let capped = group.iter().filter(|d| d.capped).count();
    let (subject, mut intro) = match digest {
        None => (first.title.clone(), None),
        Some(kind) => {
            let n = group.len();
            let word = if kind == Rhythm::Weekly {
                "weekly"
            } else {
                "daily"
            };
            (
                format!(
                    "Your {word} Scout digest: {n} listing{}",
                    if n == 1 { "" } else { "s" }
                ),
                Some(format!(
                    "{n} listing{} matched your alerts.",
                    if n == 1 { "" } else { "s" }
                )),
            )
        }
    };
    if capped > 0 {
        intro = Some(format!(
            "{} {capped} of them arrived after you reached today's limit of {} instant alerts, so they waited for this digest.",
            intro.unwrap_or_default(),
            per_day
        ).trim().to_string());
    }
    let what = super::settings::describe(&unsubscribe_scope(group));
    Letter {
        to: first.address.clone(),
        subject,
        intro,
        items,
        unsubscribe_post: format!("{origin}/api/unsubscribe/{token}"),
        unsubscribe_page: format!("{origin}/unsubscribe/{token}"),
        unsubscribe_what: what,
        settings_url: format!("{origin}/settings"),
        message_id: format!(
            "<delivery-{}@{}>",
            first.delivery_id,
            state
                .config
                .public_url
                .authority
                .split(':')
                .next()
                .unwrap_or("scout")
        ),
    }
}

/// The push payload the service worker shows for a group: the listing itself, or a count
/// that opens the inbox.
pub fn push_payload(
    state: &AppState,
    group: &[&Due],
    cards: &HashMap<ListingId, ListingCard>,
) -> Vec<u8> {
    let origin = state.config.public_url.origin();
    let payload = match items(state, group, cards).as_slice() {
        [one] => serde_json::json!({
            "title": one.title,
            "body": if one.price.is_empty() {
                one.reason.clone()
            } else {
                format!("{} · {}", one.reason, one.price)
            },
            "url": one.url,
            "icon": one.photo,
            "tag": group[0].listing_id.map_or_else(
                || format!("notice-{}", group[0].notification_id),
                |id| format!("listing-{id}")
            ),
        }),
        many => serde_json::json!({
            "title": format!("{} listings matched your alerts", many.len()),
            "body": many.iter().map(|i| i.title.as_str()).collect::<Vec<_>>().join("\n"),
            "url": format!("{origin}/inbox"),
            "tag": "digest",
        }),
    };
    serde_json::to_vec(&payload).unwrap_or_default()
}
