//! A marketplace's own ids for places: an advert names its town by the marketplace's id (OLX:
//! `location.city_id`), not by name. The marketplace's `GET <api>/cities` (OLX's partner API:
//! `{"data": [{"id", "name", ...}]}`, paged by `offset` and `limit`) is read through once with
//! the seller's access token and kept a day per marketplace; a listing's town is found by its
//! Bulgarian name, ignoring case.

use crate::server::config::MarketplaceConfig;
use serde::Deserialize;
use std::{
    collections::HashMap,
    sync::Arc,
    time::{Duration, Instant},
};
use tokio::sync::Mutex;

/// The list is read again after this long.
const KEPT: Duration = Duration::from_secs(24 * 3600);

/// Asked for at a time (OLX answers at most 1,000).
const PAGE: usize = 1000;

/// More pages than this means something is wrong there: stop rather than loop.
const MOST_PAGES: usize = 100;

/// One marketplace's places: lower-cased name -> its id there.
type Towns = Arc<HashMap<String, Id>>;

/// Each marketplace's places, with when they were read, read when first needed.
#[derive(Clone, Default)]
pub struct Places {
    cache: Arc<Mutex<HashMap<String, (Instant, Towns)>>>,
}

/// A place's id as the marketplace wrote it (OLX: a number), to be sent back the same way.
type Id = serde_json::Value;

/// What reading a marketplace's places gave.
#[derive(Debug)]
pub enum Lookup {
    /// The marketplace's id for the town.
    Found(Id),
    /// The marketplace lists no place by that name.
    Unknown,
}

#[derive(Deserialize)]
struct City {
    id: serde_json::Value,
    name: String,
}

#[derive(Deserialize)]
struct Page {
    data: Vec<City>,
}

/// How a town's name is compared: trimmed, lower case.
fn key(name: &str) -> String {
    name.trim().to_lowercase()
}

impl Places {
    /// The marketplace's id for the town called `name`. Err: the list could not be read (the
    /// status it answered, or why), so the advert waits and tries again.
    pub async fn city_id(
        &self,
        http: &reqwest::Client,
        config: &MarketplaceConfig,
        token: &str,
        name: &str,
    ) -> Result<Lookup, Read> {
        let mut cache = self.cache.lock().await;
        let held = cache
            .get(&config.id)
            .filter(|(at, _)| at.elapsed() < KEPT)
            .map(|(_, places)| places.clone());
        let places = match held {
            Some(places) => places,
            None => {
                let places = Arc::new(read_all(http, config, token).await?);
                cache.insert(config.id.clone(), (Instant::now(), places.clone()));
                places
            }
        };
        Ok(places
            .get(&key(name))
            .map_or(Lookup::Unknown, |id| Lookup::Found(id.clone())))
    }
}

/// Why the places could not be read.
#[derive(Debug)]
pub enum Read {
    /// The marketplace answered with this status.
    Status(u16),
    /// It could not be asked, or answered something else than a list.
    Failed(String),
}

async fn read_all(
    http: &reqwest::Client,
    config: &MarketplaceConfig,
    token: &str,
) -> Result<HashMap<String, Id>, Read> {
    let mut places = HashMap::new();
    let mut offset = 0usize;
    for _ in 0..MOST_PAGES {
        let answer = http
            .get(format!("{}/cities", config.api_url))
            .query(&[("offset", offset), ("limit", PAGE)])
            .bearer_auth(token)
            .header("Version", "2.0")
            .send()
            .await
            .map_err(|e| Read::Failed(e.to_string()))?;
        if !answer.status().is_success() {
            return Err(Read::Status(answer.status().as_u16()));
        }
        let page: Page = answer
            .json()
            .await
            .map_err(|e| Read::Failed(format!("/cities: {e}")))?;
        let got = page.data.len();
        for city in page.data {
            if !(city.id.is_number() || city.id.is_string()) {
                continue;
            }
            let id = city.id;
            // the first of two places with one name (a town and a village) is the town
            places.entry(key(&city.name)).or_insert(id);
        }
        if got == 0 {
            return Ok(places);
        }
        offset += got;
    }
    Err(Read::Failed(format!(
        "/cities: more than {MOST_PAGES} pages"
    )))
}
