//! Keeping cross-posted adverts in step (server only): the rows the triggers mark as changed
//! are claimed with a two-minute hold, the advert Scout wants is built from the listing as it
//! is now, and the marketplace's advert API (OLX's partner API shape: `POST /adverts`,
//! `PUT /adverts/{id}`, `POST /adverts/{id}/commands`, `DELETE /adverts/{id}`) is asked to
//! make it so. The outcome is kept on the row: synced, refused (in the marketplace's words;
//! tried again when the listing changes) or retrying with backoff. A creation carries the
//! row's `external_id`, so one retried after a crash finds the advert it made.

use crate::{
    accounts::{identities, model::AccountId},
    error::AppError,
    listings::crossposting::places::{Lookup, Read},
    server::{config::MarketplaceConfig, state::AppState},
};
use serde_json::{Value, json};
use sqlx::PgExecutor;
use std::time::Duration;

/// A row due for a sync, as claimed.
#[derive(Debug)]
pub struct Due {
    pub cross_post_id: i64,
    pub account_id: uuid::Uuid,
    pub marketplace: String,
    pub listing_id: Option<i64>,
    pub external_id: uuid::Uuid,
    pub advert_id: Option<String>,
    pub want: String,
    pub version: i64,
    pub state: String,
    pub attempts: i32,
}

/// Claims up to `limit` rows whose advert is behind its listing, holding each two minutes.
pub async fn claim_due(db: impl PgExecutor<'_>, limit: i64) -> sqlx::Result<Vec<Due>> {
    sqlx::query_as!(
        Due,
        r#"update cross_post c set lease_until = now() + interval '2 minutes'
           where cross_post_id in (
             select cross_post_id from cross_post
             where synced_version < version and next_attempt_at <= now()
               and (lease_until is null or lease_until < now())
             order by next_attempt_at limit $1 for update skip locked)
           returning c.cross_post_id, c.account_id, c.marketplace, c.listing_id, c.external_id,
                     c.advert_id, c.want, c.version, c.state, c.attempts"#,
        limit
    )
    .fetch_all(db)
    .await
}

/// What a sync did.
#[derive(Debug, PartialEq, Eq)]
enum Outcome {
    /// The marketplace has the advert as wanted (its id, and state there).
    Synced {
        advert_id: Option<String>,
        state: &'static str,
    },
    /// The marketplace refused it: why, in its words.
    Refused(String),
    /// It could not be asked: why, for the person and for the log.
    Retry(String, String),
    /// The marketplace no longer accepts Scout's access (401): the link is marked revoked,
    /// and the advert waits (with backoff) until the seller links it again.
    AccessRefused(String),
    /// The advert is gone there and the listing too: the row goes.
    Gone,
}

/// What a failed call means for the row: a 401 ends the link's access, another 4xx is the
/// marketplace's refusal of the advert, anything else is tried again.
fn judge(config: &MarketplaceConfig, e: Call) -> Outcome {
    match e {
        Call::Refused(401, _) => Outcome::AccessRefused(format!(
            "{} no longer accepts Scout's access to your account: link it again on your Account page.",
            config.name
        )),
        Call::Refused(_, why) => Outcome::Refused(why),
        Call::Unreachable(e) => Outcome::Retry(
            format!(
                "{} can't be reached just now; Scout tries again shortly.",
                config.name
            ),
            e,
        ),
    }
}

/// Syncs every row that is due (20 at a time): how many were synced or settled.
pub async fn sync_due(state: &AppState) -> Result<usize, AppError> {
    let due = claim_due(&state.pool, 20).await?;
    let mut done = 0;
    for row in due {
        let outcome = match state.marketplace(&row.marketplace) {
            Some(config) => sync_one(state, config, &row).await,
            None => Outcome::Retry(
                format!("{} is no longer offered by Scout.", row.marketplace),
                "the marketplace is not configured".into(),
            ),
        };
        keep(state, &row, outcome).await?;
        done += 1;
    }
    Ok(done)
}

/// Keeps a sync's outcome on its row and lets go of it.
async fn keep(state: &AppState, row: &Due, outcome: Outcome) -> Result<(), AppError> {
    match outcome {
        Outcome::Gone => {
            sqlx::query!(
                "delete from cross_post where cross_post_id = $1",
                row.cross_post_id
            )
            .execute(&state.pool)
            .await?;
        }
        Outcome::Synced {
            advert_id,
            state: s,
        } => {
            sqlx::query!(
                "update cross_post set synced_version = greatest(synced_version, $2), \
                   advert_id = coalesce($3, advert_id), state = $4, problem_kind = '', \
                   problem = '', attempts = 0, lease_until = null, synced_at = now(), \
                   posted_at = case when $3::text is not null and posted_at is null \
                                    then now() else posted_at end \
                 where cross_post_id = $1",
                row.cross_post_id,
                row.version,
                advert_id,
                s
            )
            .execute(&state.pool)
            .await?;
        }
        Outcome::Refused(why) => {
            // not tried again until the listing changes (its version moves past this one)
            sqlx::query!(
                "update cross_post set synced_version = greatest(synced_version, $2), \
                   problem_kind = 'refused', problem = left($3, 500), attempts = 0, \
                   lease_until = null \
                 where cross_post_id = $1",
                row.cross_post_id,
                row.version,
                why
            )
            .execute(&state.pool)
            .await?;
        }
        Outcome::AccessRefused(why) => {
            // the Account page says so; the advert waits for the seller to link it again
            crate::accounts::links::mark(
                state,
                AccountId(row.account_id),
                &row.marketplace,
                "revoked",
                &why,
            )
            .await?;
            retry_later(state, row, &why, "the marketplace answered 401").await?;
        }
        Outcome::Retry(why, log) => retry_later(state, row, &why, &log).await?,
    }
    Ok(())
}

/// Keeps why the row could not be sent, and when it is tried again (`backoff`).
async fn retry_later(state: &AppState, row: &Due, why: &str, log: &str) -> Result<(), AppError> {
    tracing::warn!(
        cross_post = row.cross_post_id,
        marketplace = row.marketplace,
        attempts = row.attempts + 1,
        "a cross-post will be tried again: {log}"
    );
    sqlx::query!(
        "update cross_post set problem_kind = 'retrying', problem = left($2, 500), \
           attempts = attempts + 1, lease_until = null, \
           next_attempt_at = now() + make_interval(secs => $3::float8) \
         where cross_post_id = $1",
        row.cross_post_id,
        why,
        backoff(row.attempts).as_secs_f64()
    )
    .execute(&state.pool)
    .await?;
    Ok(())
}

/// 30 s after the first failure, doubling, at most an hour.
pub fn backoff(attempts: i32) -> Duration {
    let n = u32::try_from(attempts.clamp(0, 7)).unwrap_or(7);
    Duration::from_secs((30u64 << n).min(3600))
}

async fn sync_one(state: &AppState, config: &MarketplaceConfig, row: &Due) -> Outcome {
    let account = AccountId(row.account_id);
    let unreachable = |e: String| judge(config, Call::Unreachable(e));
    // the listing is gone, or the seller stopped publishing it there
    if row.want == "deleted" {
        let Some(advert) = &row.advert_id else {
            return Outcome::Gone;
        };
        let token = match token(state, config, account).await {
            Ok(t) => t,
            Err(o) => return o,
        };
        return match call(
            state,
            config,
            &token,
            reqwest::Method::DELETE,
            &format!("/adverts/{advert}"),
            None,
        )
        .await
        {
            // 404: already gone there
            Ok(_) | Err(Call::Refused(404, _)) => Outcome::Gone,
            Err(e) => judge(config, e),
        };
    }
    let Some(listing_id) = row.listing_id else {
        return Outcome::Gone;
    };
    let (mut advert, town) = match advert_of(state, config, listing_id, row.external_id).await {
        Ok(Some(a)) => a,
        Ok(None) => return Outcome::Gone,
        Err(e) => return unreachable(format!("reading the listing: {e}")),
    };
    let token = match token(state, config, account).await {
        Ok(t) => t,
        Err(o) => return o,
    };
    // the town by the marketplace's own id for it
    match state
        .places
        .city_id(&state.http, config, &token, &town)
        .await
    {
        Ok(Lookup::Found(id)) => advert["location"] = json!({ "city_id": id }),
        Ok(Lookup::Unknown) => {
            return Outcome::Refused(format!(
                "{} has no place called {town}, so the advert can't say where the car is. Choose a nearby town to publish it there.",
                config.name
            ));
        }
        Err(Read::Status(status)) if (400..500).contains(&status) => {
            return judge(
                config,
                Call::Refused(
                    status,
                    format!(
                        "{} refused to list its places (HTTP {status}).",
                        config.name
                    ),
                ),
            );
        }
        Err(Read::Status(status)) => return unreachable(format!("/cities answered {status}")),
        Err(Read::Failed(e)) => return unreachable(e),
    }
    let wanted_state = if row.want == "active" {
        "active"
    } else {
        "inactive"
    };
    // made once: a creation is only sent while there is no advert id
    let advert_id = match &row.advert_id {
        Some(id) => {
            match call(
                state,
                config,
                &token,
                reqwest::Method::PUT,
                &format!("/adverts/{id}"),
                Some(&advert),
            )
            .await
            {
                Ok(_) => id.clone(),
                Err(e) => return judge(config, e),
            }
        }
        None => {
            // a listing that is not published is not made there until it is
            if wanted_state == "inactive" {
                return Outcome::Synced {
                    advert_id: None,
                    state: "pending",
                };
            }
            match call(
                state,
                config,
                &token,
                reqwest::Method::POST,
                "/adverts",
                Some(&advert),
            )
            .await
            {
                Ok(body) => match body["data"]["id"].clone() {
                    Value::String(s) if !s.is_empty() => s,
                    Value::Number(n) => n.to_string(),
                    _ => return unreachable(format!("no advert id in {body}")),
                },
                Err(e) => return judge(config, e),
            }
        }
    };
    // an advert it had: its status there, when it differs from what Scout wants (a new one
    // is made active)
    if row.advert_id.is_some() && row.state != wanted_state {
        let command = if wanted_state == "active" {
            json!({ "command": "activate" })
        } else {
            json!({ "command": "deactivate", "is_success": row.want == "inactive" })
        };
        let path = format!("/adverts/{advert_id}/commands");
        if let Err(e) = call(
            state,
            config,
            &token,
            reqwest::Method::POST,
            &path,
            Some(&command),
        )
        .await
        {
            return judge(config, e);
        }
    }
    Outcome::Synced {
        advert_id: Some(advert_id),
        state: wanted_state,
    }
}

/// The access token for the seller's link to the marketplace, renewed first when it ends
/// within a minute.
async fn token(
    state: &AppState,
    config: &MarketplaceConfig,
    account: AccountId,
) -> Result<String, Outcome> {
    let relink = || Outcome::Retry(relink_words(config), "no usable access token".into());
    let held = identities::access_token(&state.pool, &state.sealer, account, &config.id)
        .await
        .map_err(|e| Outcome::Retry(relink_words(config), e.to_string()))?;
    let Some((token, ends)) = held else {
        return Err(relink());
    };
    let soon = time::OffsetDateTime::now_utc() + time::Duration::minutes(1);
    if ends.is_some_and(|t| t < soon) {
        match crate::accounts::links::refresh(state, account, &config.id).await {
            Ok(crate::accounts::links::Refreshed::Renewed) => {
                return identities::access_token(&state.pool, &state.sealer, account, &config.id)
                    .await
                    .ok()
                    .flatten()
                    .map(|(t, _)| t)
                    .ok_or_else(relink);
            }
            _ => return Err(relink()),
        }
    }
    Ok(token)
}

fn relink_words(config: &MarketplaceConfig) -> String {
    format!(
        "Scout's access to your {} account has ended: link it again on your Account page.",
        config.name
    )
}

/// How a call to the advert API went wrong.
enum Call {
    /// A 4xx: the marketplace's reason in words.
    Refused(u16, String),
    /// The network, a 5xx, or an answer that could not be read.
    Unreachable(String),
}

async fn call(
    state: &AppState,
    config: &MarketplaceConfig,
    token: &str,
    method: reqwest::Method,
    path: &str,
    body: Option<&Value>,
) -> Result<Value, Call> {
    let mut request = state
        .http
        .request(method, format!("{}{path}", config.api_url))
        .bearer_auth(token)
        .header("Version", "2.0")
        .timeout(Duration::from_secs(20));
    if let Some(body) = body {
        request = request.json(body);
    }
    let answer = request
        .send()
        .await
        .map_err(|e| Call::Unreachable(e.to_string()))?;
    let status = answer.status();
    let text = answer.text().await.unwrap_or_default();
    if status.is_success() {
        return Ok(serde_json::from_str(&text).unwrap_or(Value::Null));
    }
    if status.is_client_error() {
        return Err(Call::Refused(
            status.as_u16(),
            refusal_words(&config.name, status.as_u16(), &text),
        ));
    }
    Err(Call::Unreachable(format!(
        "{status}: {}",
        text.chars().take(200).collect::<String>()
    )))
}

/// The marketplace's refusal in words: OLX answers `{"error": {"title", "detail",
/// "validation": [{"field", "title", "detail"}]}}`; the first validation message is the most
/// specific. Anything else is said plainly.
pub fn refusal_words(name: &str, status: u16, body: &str) -> String {
    let v: Value = serde_json::from_str(body).unwrap_or(Value::Null);
    let e = &v["error"];
    let said = e["validation"][0]["detail"]
        .as_str()
        .or_else(|| e["validation"][0]["title"].as_str())
        .or_else(|| e["detail"].as_str())
        .or_else(|| e["title"].as_str())
        .map(|s| s.chars().take(300).collect::<String>());
    match (said, status) {
        (Some(s), _) => format!("{name} refused the advert: {s}"),
        (None, 401 | 403) => format!(
            "{name} refused Scout's access to your account: link it again on your Account page."
        ),
        (None, _) => format!("{name} refused the advert (HTTP {status})."),
    }
}

/// The advert Scout wants on the marketplace for a listing as it is now (OLX's shape; its
/// `location` is set from the town, the second part, by the marketplace's id); None when the
/// listing is gone.
async fn advert_of(
    state: &AppState,
    config: &MarketplaceConfig,
    listing_id: i64,
    external_id: uuid::Uuid,
) -> sqlx::Result<Option<(Value, String)>> {
    let Some(l) = sqlx::query!(
        r#"select l.title, l.description, l.price_minor, l.currency, l.negotiable,
                  l.seller_type, c.name_bg as city, mk.name as "make?", md.name as "model?",
                  l.year, l.mileage_km, l.fuel, l.transmission,
                  coalesce(a.display_name, '') as "seller!"
           from listing l
           join city c on c.city_id = l.city_id
           join account a on a.account_id = l.seller_id
           left join vehicle_make mk on mk.make_id = l.make_id
           left join vehicle_model md on md.model_id = l.model_id
           where l.listing_id = $1"#,
        listing_id
    )
    .fetch_optional(&state.pool)
    .await?
    else {
        return Ok(None);
    };
    let photos = crate::gallery::repo::ready_photos(
        &state.pool,
        crate::listings::model::ListingId(listing_id),
    )
    .await?;
    let origin = state.config.public_url.origin();
    let images: Vec<Value> = photos
        .iter()
        .filter_map(|p| p.variants.0.first())
        .map(|v| {
            let url = state.media.url(&v.key);
            let url = if url.starts_with('/') {
                format!("{origin}{url}")
            } else {
                url
            };
            json!({ "url": url })
        })
        .collect();
    let mut attributes = Vec::new();
    for (code, value) in [
        ("make", l.make.clone()),
        ("model", l.model.clone()),
        ("year", l.year.map(|y| y.to_string())),
        ("mileage", l.mileage_km.map(|m| m.to_string())),
        ("fuel", l.fuel.clone()),
        ("transmission", l.transmission.clone()),
    ] {
        if let Some(value) = value {
            attributes.push(json!({ "code": code, "value": value }));
        }
    }
    let description = if l.description.trim().is_empty() {
        l.title.clone()
    } else {
        l.description.clone()
    };
    Ok(Some((
        json!({
            "title": l.title,
            "description": description,
            "category_id": config.category_id,
            "advertiser_type": if l.seller_type == "dealer" { "business" } else { "private" },
            "external_id": external_id.to_string(),
            "external_url": format!("{origin}/listings/{listing_id}"),
            "contact": { "name": if l.seller.is_empty() { "Scout seller".to_string() } else { l.seller } },
            "price": {
                "value": l.price_minor as f64 / 100.0,
                "currency": l.currency,
                "negotiable": l.negotiable,
            },
            "images": images,
            "attributes": attributes,
        }),
        l.city,
    )))
}

/// The worker: every 2 s, what is due goes out. Rows are claimed with a hold, so several
/// processes may run it; a crash mid-send leaves the row to be sent again after the hold
/// (a creation finds its advert again by `external_id`).
pub async fn run(state: AppState) {
    let mut tick = tokio::time::interval(Duration::from_secs(2));
    loop {
        tick.tick().await;
        match sync_due(&state).await {
            Ok(0) => {}
            Ok(n) => tracing::info!("cross-posts synced: {n}"),
            Err(e) => tracing::warn!("syncing cross-posts: {e}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_30_seconds_to_an_hour() {
        let waits: Vec<u64> = (0..9).map(|n| backoff(n).as_secs()).collect();
        assert_eq!(waits, [30, 60, 120, 240, 480, 960, 1920, 3600, 3600]);
    }

    #[test]
    fn a_refusal_is_said_in_the_marketplaces_words() {
        let olx = r#"{"error":{"status":400,"title":"Invalid request","detail":"Data validation error occurred","validation":[{"field":"title","title":"Invalid field value","detail":"Title must be between 16 and 70 characters"}]}}"#;
        assert_eq!(
            refusal_words("OLX", 400, olx),
            "OLX refused the advert: Title must be between 16 and 70 characters"
        );
        assert_eq!(
            refusal_words("OLX", 403, "<html>no</html>"),
            "OLX refused Scout's access to your account: link it again on your Account page."
        );
        assert_eq!(
            refusal_words("OLX", 409, ""),
            "OLX refused the advert (HTTP 409)."
        );
    }
}
