//! Demo data for a fresh private database: a demo buyer, a private seller and a dealer, and
//! (the first time) a few thousand listings from the two sellers.
//!
//! Their passwords are random, made the first time and kept in `<data dir>/demo-accounts.txt`
//! (mode 0600, git-ignored), and printed in the log at every start so a person trying Scout
//! can sign in.

use crate::{
    accounts::{model::AccountId, repo},
    server::state::AppState,
};
use anyhow::Context;
use rand::{Rng, distributions::Alphanumeric};
use sqlx::{ConnectOptions, Connection};
use std::{os::unix::fs::PermissionsExt, path::Path};

pub const DEMO_ACCOUNTS: [(&str, &str); 3] = [
    ("buyer", "buyer@scout.test"),
    ("seller", "seller@scout.test"),
    ("dealer", "dealer@scout.test"),
];

fn random_password() -> String {
    let word: String = rand::thread_rng()
        .sample_iter(&Alphanumeric)
        .take(16)
        .map(char::from)
        .collect();
    format!("demo-{word}")
}

/// Creates the demo accounts that don't exist yet and logs every demo credential.
/// Refused on a public https deployment: the demo passwords sit in a file and the log.
pub async fn seed_demo_accounts(state: &AppState, data_dir: &Path) -> anyhow::Result<()> {
    if state.config.public_url.is_https() {
        anyhow::bail!(
            "demo accounts are not made when SCOUT_PUBLIC_URL is https (a public deployment): \
             unset SCOUT_SEED_DEMO"
        );
    }
    let file = data_dir.join("demo-accounts.txt");
    let mut known: Vec<(String, String)> = std::fs::read_to_string(&file)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.split_once(' '))
        .map(|(e, p)| (e.to_string(), p.to_string()))
        .collect();
    for (role, email) in DEMO_ACCOUNTS {
        let found = repo::find_credentials(&state.pool, email).await?;
        if let Some(found) = found.as_ref().filter(|f| !f.email_verified) {
            // made before addresses were confirmed: the demo addresses are the operator's own
            repo::mark_verified(&state.pool, found.account_id).await?;
        }
        let exists = found.is_some();
        if !exists {
            let password = random_password();
            let hash = state
                .passwords
                .hash(password.clone())
                .await
                .map_err(|e| anyhow::anyhow!("hashing the demo password: {e}"))?;
            repo::insert_verified_account(&state.pool, email, &hash)
                .await
                .with_context(|| format!("creating the demo {role}"))?;
            known.retain(|(e, _)| e != email);
            known.push((email.to_string(), password));
        }
    }
    std::fs::create_dir_all(data_dir)?;
    let text: String = known.iter().map(|(e, p)| format!("{e} {p}\n")).collect();
    std::fs::write(&file, text)?;
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600))?;
    for (role, email) in DEMO_ACCOUNTS {
        if let Some((_, password)) = known.iter().find(|(e, _)| e == email) {
            tracing::info!("demo {role}: sign in as {email} with password {password}");
        }
    }
    Ok(())
}

/// Listings from the demo seller (private) and the demo dealer.
pub async fn seed_demo_listings(
    state: &AppState,
    count: usize,
    seed: u64,
) -> anyhow::Result<usize> {
    let sellers = demo_sellers(state).await?;
    let n = crate::listings::demo::seed_listings(&state.pool, &sellers, count, seed).await?;
    state.search_synced().await?;
    Ok(n)
}

/// Seeds the demo listings once: when there are no listings at all.
pub async fn seed_demo_listings_once(state: &AppState, count: usize) -> anyhow::Result<()> {
    let existing = sqlx::query_scalar!(r#"select count(*) as "n!" from listing"#)
        .fetch_one(&state.pool)
        .await?;
    if existing == 0 && count > 0 {
        let started = std::time::Instant::now();
        let n = seed_demo_listings(state, count, 2026).await?;
        let made = seed_demo_photos(state, DEMO_PHOTO_LISTINGS, DEMO_PHOTOS_EACH).await?;
        let shared = share_demo_photos(state).await?;
        tracing::info!(
            "seeded {n} demo listings in {:.1} s: {made} photos made through the pipeline, \
             shared as {} photos of {} more listings",
            started.elapsed().as_secs_f64(),
            shared.photos,
            shared.listings,
        );
    }
    Ok(())
}

/// The newest demo listings that get photos of their own through the pipeline, and how many
/// each: these few dozen photos are then shared by most other demo listings.
pub const DEMO_PHOTO_LISTINGS: i64 = 10;
pub const DEMO_PHOTOS_EACH: u64 = 3;

/// Gives the newest `listings` demo listings `each` generated photos, through the same
/// pipeline and store as an upload (as many at once as there are photo workers).
pub async fn seed_demo_photos(state: &AppState, listings: i64, each: u64) -> anyhow::Result<usize> {
    use futures::{StreamExt, TryStreamExt};
    let newest = sqlx::query!(
        "select listing_id, seller_id from listing where status = 'published' \
         order by published_at desc, listing_id desc limit $1",
        listings
    )
    .fetch_all(&state.pool)
    .await?;
    let uploads = newest.into_iter().flat_map(|r| {
        let (listing_id, seller_id) = (r.listing_id, AccountId(r.seller_id));
        (0..each).map(move |n| (listing_id, seller_id, n))
    });
    let added: Vec<()> = futures::stream::iter(uploads)
        .map(|(listing_id, seller_id, n)| async move {
            let car = u64::try_from(listing_id).unwrap_or(0);
            let bytes = tokio::task::spawn_blocking(move || {
                crate::gallery::fixtures::jpeg(&crate::gallery::fixtures::demo_car(
                    1200, 900, car, n,
                ))
            })
            .await?;
            let budget = crate::gallery::service::reserve(state, bytes.len()).await?;
            crate::gallery::service::upload(
                state,
                seller_id,
                crate::listings::model::ListingId(listing_id),
                &format!("demo-{listing_id}-{}.jpg", n + 1),
                bytes.into(),
                budget,
            )
            .await
            .map_err(|e| anyhow::anyhow!("demo photo for listing {listing_id}: {e}"))?;
            anyhow::Ok(())
        })
        .buffered(state.config.photo_workers.max(1))
        .try_collect()
        .await?;
    state.search_synced().await?;
    Ok(added.len())
}

/// What [`share_demo_photos`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shared {
    pub listings: usize,
    pub photos: usize,
}

/// Gives the demo sellers' listings that have no photos one to three of the photos the
/// pipeline made for other demo listings (the same files: two statements, ~2 s for 3,000
/// listings, and nothing new stored), all but the cheapest tenth, which stay
/// without as cheap listings often are. Runs again after `scout seed-listings N` for the new
/// listings.
pub async fn share_demo_photos(state: &AppState) -> anyhow::Result<Shared> {
    let sellers: Vec<AccountId> = demo_sellers(state)
        .await?
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    // a connection of its own, without sqlx's statement log: inserting ~5,000 shared photos
    // takes about a second, which the pool's slow-statement log printed as a warning with the
    // whole statement on every first start (the seeding logs its own summary and time)
    let mut conn = (*state.pool.connect_options())
        .clone()
        .disable_statement_logging()
        .connect()
        .await?;
    let mut tx = conn.begin().await?;
    // the pool: ready photos of the demo sellers whose files are their own (not shared
    // copies), numbered by car (listing) and shot; each listing gets one car's photos, starting
    // from a shot that varies, so the pool's every photo is some listing's cover
    let mut given = sqlx::query_scalar!(
        r#"with pool as (
               select dense_rank() over (order by p.listing_id) - 1 as car,
                      row_number() over (partition by p.listing_id order by p.position) - 1 as shot,
                      count(*) over (partition by p.listing_id) as shots, p.*
               from listing_photo p join listing l on l.listing_id = p.listing_id
               where l.seller_id = any($1) and p.status = 'ready'
                 and p.variants -> 0 ->> 'key' like 'photos/' || p.photo_id || '/%'),
           cars as (select count(distinct car) as n from pool),
           target as (
               select l.listing_id, 1 + l.listing_id % 3 as photos
               from listing l
               where l.seller_id = any($1) and l.photo_count = 0
                 and l.price_eur_minor > (
                     select percentile_disc(0.1) within group (order by price_eur_minor)
                     from listing where seller_id = any($1))
                 and not exists (select 1 from listing_photo p where p.listing_id = l.listing_id)),
           chosen as (
               select t.listing_id, p.width, p.height, p.variants, p.thumbhash, p.placeholder,
                      p.phash, (p.shot + t.listing_id / cars.n) % p.shots as place
               from target t cross join cars
               join pool p on p.car = t.listing_id % cars.n
               where cars.n > 0)
           insert into listing_photo (listing_id, position, status, file_name, width, height,
                                      variants, thumbhash, placeholder, phash, claimed_until)
           select c.listing_id, c.place, 'ready', format('demo-%s.jpg', c.place + 1), c.width,
                  c.height, c.variants, c.thumbhash, c.placeholder, c.phash, now()
           from chosen c join target t on t.listing_id = c.listing_id
           where c.place < t.photos
           returning listing_id"#,
        &sellers.iter().map(|s| s.0).collect::<Vec<_>>()
    )
    .fetch_all(&mut *tx)
    .await?;
    let photos = given.len();
    given.sort_unstable();
    given.dedup();
    // what cards show, as gallery::repo::refresh_listing keeps it
    sqlx::query!(
        r#"update listing l set photo_count = c.n, cover = c.cover
           from (select listing_id, count(*) as n,
                        (array_agg(jsonb_build_object('photo_id', photo_id, 'variants', variants,
                                                      'placeholder', placeholder)
                                   order by position))[1] as cover
                 from listing_photo where listing_id = any($1) and status = 'ready'
                 group by listing_id) c
           where l.listing_id = c.listing_id"#,
        &given
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    state.search_synced().await?;
    Ok(Shared {
        listings: given.len(),
        photos,
    })
}

/// The demo seller (private) and the demo dealer, as (account, seller type).
async fn demo_sellers(state: &AppState) -> anyhow::Result<Vec<(AccountId, &'static str)>> {
    let mut sellers = Vec::new();
    for (email, kind) in [
        ("seller@scout.test", "private"),
        ("dealer@scout.test", "dealer"),
    ] {
        let account = repo::find_credentials(&state.pool, email)
            .await?
            .with_context(|| format!("the demo account {email} is missing"))?;
        sellers.push((account.account_id, kind));
    }
    Ok(sellers)
}
