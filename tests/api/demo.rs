//! The demo data a first run seeds: most listings have photos, made once through the real
//! pipeline and shared, and a shared file is deleted only with the last photo that uses it.

use scout::accounts::model::AccountId;
use scout::listings::model::ListingId;
use scout::{
    gallery::{repo::StoredVariant, service},
    server::seed,
};
use sqlx::{PgPool, types::Json};
use uuid::Uuid;

/// Every file in the media store.
async fn files(app: &crate::helpers::TestApp) -> Vec<String> {
    let mut all = app.state.media.list("photos").await.unwrap();
    all.sort();
    all
}

/// (photo, listing, seller, file keys) of every photo, oldest first.
async fn photos(pool: &PgPool) -> Vec<(Uuid, i64, AccountId, Vec<String>)> {
    let rows: Vec<(Uuid, i64, AccountId, Json<Vec<StoredVariant>>)> = sqlx::query_as(
        "select p.photo_id, p.listing_id, l.seller_id, p.variants from listing_photo p \
         join listing l using (listing_id) order by p.created_at, p.photo_id",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    rows.into_iter()
        .map(|(p, l, s, v)| (p, l, s, v.0.into_iter().map(|v| v.key).collect()))
        .collect()
}

#[sqlx::test]
async fn most_demo_listings_share_a_few_photos_made_through_the_pipeline(pool: PgPool) {
    let app = crate::helpers::spawn_app(pool.clone()).await;
    let dir = std::env::temp_dir().join(format!("scout-demo-{}", Uuid::new_v4()));
    seed::seed_demo_accounts(&app.state, &dir).await.unwrap();
    assert_eq!(
        seed::seed_demo_listings(&app.state, 300, 2026)
            .await
            .unwrap(),
        300
    );
    let published: i64 =
        sqlx::query_scalar("select count(*) from listing where status = 'published'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(seed::seed_demo_photos(&app.state, 2, 2).await.unwrap(), 4);
    let made = files(&app).await;
    assert_eq!(made.len(), 4 * 3, "thumb, medium and large of four photos");

    let shared = seed::share_demo_photos(&app.state).await.unwrap();
    assert_eq!(files(&app).await, made, "sharing stores nothing new");
    // all but the cheapest tenth (and the two that have photos of their own) get one to three
    let with_photos: i64 = sqlx::query_scalar("select count(*) from listing where photo_count > 0")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(with_photos, i64::try_from(shared.listings).unwrap() + 2);
    assert!(
        with_photos * 100 >= published * 85,
        "{with_photos} of {published} listings have photos"
    );
    assert!(shared.photos >= shared.listings && shared.photos <= 3 * shared.listings);
    let cheapest_have_none: bool = sqlx::query_scalar(
        "select bool_and(photo_count = 0) from (select photo_count from listing \
         order by price_eur_minor limit 20) c",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert!(
        cheapest_have_none,
        "the cheapest listings stay without photos"
    );
    // cards show a cover that is one of the four photos, and every count is right
    let wrong: i64 = sqlx::query_scalar(
        "select count(*) from listing l where l.photo_count <> \
             (select count(*) from listing_photo p where p.listing_id = l.listing_id and p.status = 'ready') \
          or (l.photo_count > 0) <> (l.cover is not null)",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(wrong, 0, "photo_count and cover match the photos");
    let covers: Vec<String> = sqlx::query_scalar(
        "select distinct v ->> 'key' from listing, jsonb_array_elements(cover -> 'variants') v",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert!(covers.iter().all(|k| made.contains(k)), "{covers:?}");
    assert_eq!(
        seed::share_demo_photos(&app.state).await.unwrap(),
        seed::Shared {
            listings: 0,
            photos: 0
        },
        "a second run adds nothing"
    );

    // one copy deleted by its seller: the files stay for the other listings
    let all = photos(&pool).await;
    let original = &all[0];
    let copies: Vec<_> = all
        .iter()
        .filter(|p| p.3 == original.3 && p.0 != original.0)
        .collect();
    assert!(copies.len() >= 2, "the first photo is shared");
    service::delete(&app.state, copies[0].2, copies[0].0)
        .await
        .unwrap();
    assert_eq!(files(&app).await, made);
    // a listing deleted with its copies: none of the shared files go with it
    let doomed = copies[1].1;
    let with_it = service::listing_files(&app.state, ListingId(doomed))
        .await
        .unwrap();
    assert!(
        with_it.iter().all(|k| k.starts_with("uploads/")),
        "only its own originals: {with_it:?}"
    );
    // the original and every other copy deleted: now the files go
    for photo in all.iter().filter(|p| p.3 == original.3).skip(1) {
        if photo.0 != copies[0].0 {
            service::delete(&app.state, photo.2, photo.0).await.unwrap();
        }
    }
    let left = files(&app).await;
    assert!(
        left.iter().all(|k| made.contains(k))
            && original.3.iter().all(|k| made.contains(k))
            && original.3.iter().filter(|k| left.contains(k)).count() == 3,
        "the original's files stay while it is there"
    );
    service::delete(&app.state, original.2, original.0)
        .await
        .unwrap();
    let left = files(&app).await;
    assert_eq!(left.len(), made.len() - 3);
    assert!(original.3.iter().all(|k| !left.contains(k)));
    let _ = std::fs::remove_dir_all(dir);
}

#[sqlx::test]
async fn no_demo_accounts_on_a_public_https_deployment(pool: PgPool) {
    let mut config = scout::server::config::Config::for_tests();
    config.public_url = scout::server::config::PublicUrl::parse("https://scout.example").unwrap();
    let app = crate::helpers::spawn_app_with(pool.clone(), config).await;
    let dir = std::env::temp_dir().join(format!("scout-demo-{}", Uuid::new_v4()));
    let err = seed::seed_demo_accounts(&app.state, &dir)
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("SCOUT_PUBLIC_URL is https"),
        "{err}"
    );
    let accounts: i64 = sqlx::query_scalar("select count(*) from account")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(accounts, 0);
    assert!(!dir.join("demo-accounts.txt").exists());
}
