//! Demo data for a fresh private database: a demo buyer, a private seller and a dealer, and
//! (the first time) a few thousand listings from the two sellers.
//!
//! Their passwords are random, made the first time and kept in `<data dir>/demo-accounts.txt`
//! (mode 0600, git-ignored), and printed in the log at every start so a person trying Scout
//! can sign in.

use crate::{accounts::repo, server::state::AppState};
use anyhow::Context;
use rand::{Rng, distributions::Alphanumeric};
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
pub async fn seed_demo_accounts(state: &AppState, data_dir: &Path) -> anyhow::Result<()> {
    let file = data_dir.join("demo-accounts.txt");
    let mut known: Vec<(String, String)> = std::fs::read_to_string(&file)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.split_once(' '))
        .map(|(e, p)| (e.to_string(), p.to_string()))
        .collect();
    for (role, email) in DEMO_ACCOUNTS {
        let exists = repo::find_credentials(&state.pool, email).await?.is_some();
        if !exists {
            let password = random_password();
            let hash = state
                .passwords
                .hash(password.clone())
                .await
                .map_err(|e| anyhow::anyhow!("hashing the demo password: {e}"))?;
            repo::insert_account(&state.pool, email, &hash)
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
        let photos = seed_demo_photos(state, 6, 3).await?;
        tracing::info!(
            "seeded {n} demo listings ({photos} photos) in {:.1} s",
            started.elapsed().as_secs_f64()
        );
    }
    Ok(())
}

/// Gives the newest `listings` demo listings `each` generated photos, through the same
/// pipeline and store as an upload.
pub async fn seed_demo_photos(state: &AppState, listings: i64, each: u64) -> anyhow::Result<usize> {
    let newest: Vec<(i64, uuid::Uuid)> = sqlx::query_as(
        "select listing_id, seller_id from listing where status = 'published' \
         order by published_at desc, listing_id desc limit $1",
    )
    .bind(listings)
    .fetch_all(&state.pool)
    .await?;
    let mut added = 0;
    for (listing_id, seller_id) in newest {
        for n in 0..each {
            let seed = u64::try_from(listing_id).unwrap_or(0) * 10 + n;
            let bytes = tokio::task::spawn_blocking(move || {
                crate::gallery::fixtures::jpeg(&crate::gallery::fixtures::photo(1200, 900, seed))
            })
            .await?;
            crate::gallery::service::upload(
                state,
                seller_id,
                listing_id,
                &format!("demo-{listing_id}-{}.jpg", n + 1),
                bytes.into(),
            )
            .await
            .map_err(|e| anyhow::anyhow!("demo photo for listing {listing_id}: {e}"))?;
            added += 1;
        }
    }
    state.search_synced().await?;
    Ok(added)
}
