//! Sellers and buyers through the real router: create, validate, publish, edit, change
//! status, delete; another account's listing is 404 everywhere; a failed submit without
//! JavaScript comes back with what was typed; every price change lands in the history;
//! favorites outlive a sale; comparisons hold 2 to 4 listings and share as a link.

use axum::http::{StatusCode, header};
use scout::listings::model::ListingId;
use scout::{
    gallery::{
        fixtures,
        model::{PhotoState, SellerPhoto},
    },
    listings::{
        collections::api::Comparison,
        search::query::encode_component,
        selling::api::{EditForm, MyListings},
        wire::ListingCard,
        wire::{ListingDetail, SearchResults},
    },
    server::config::Config,
};
use sqlx::PgPool;

use crate::helpers::{GOLF, ORIGIN, Reply, TestApp, spawn_app, spawn_app_with, with};

#[sqlx::test]
async fn a_seller_publishes_a_listing_that_buyers_then_find(pool: PgPool) {
    let app = spawn_app(pool).await;
    let ana = app.seller("ana@example.com").await;
    let reply = app.save(Some(&ana), None, GOLF).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let id: ListingId = serde_json::from_str(&reply.body).unwrap();

    let detail: ListingDetail = serde_json::from_str(&app.detail(id, None).await.body).unwrap();
    assert_eq!(detail.title, "Volkswagen Golf 2.0 TDI Highline");
    assert_eq!(detail.price.minor, 1_890_000);
    assert_eq!(detail.equipment, ["Navigation", "Parking sensors"]);
    assert!(!detail.mine);

    let found: SearchResults = serde_json::from_str(
        &app.get(
            &format!(
                "/api/listings/search?query={}",
                encode_component("q=golf highline varna")
            ),
            None,
        )
        .await
        .body,
    )
    .unwrap();
    assert_eq!(found.cards.iter().map(|c| c.id).collect::<Vec<_>>(), [id]);
    // its title's words are known to typo correction from now on
    let typo: SearchResults = serde_json::from_str(
        &app.get(
            &format!(
                "/api/listings/search?query={}",
                encode_component("q=highlnie")
            ),
            None,
        )
        .await
        .body,
    )
    .unwrap();
    assert_eq!(typo.total, 1);

    let mine: MyListings = serde_json::from_str(
        &app.get("/api/listings/mine?tab=published", Some(&ana))
            .await
            .body,
    )
    .unwrap();
    assert_eq!(mine.listings.len(), 1);
    assert!(
        mine.counts
            .iter()
            .any(|(s, n)| s.as_str() == "published" && *n == 1)
    );
}

#[sqlx::test]
async fn bad_input_gets_a_message_per_field_and_saves_nothing(pool: PgPool) {
    let app = spawn_app(pool).await;
    let ana = app.seller("ana@example.com").await;
    let bad = with(
        GOLF,
        &[
            ("price", "cheap"),
            ("year", "1850"),
            ("model", "bmw-x5"),
            ("vin", "ABC"),
        ],
    );
    let reply = app.save(Some(&ana), None, &bad).await;
    assert_eq!(
        reply.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        reply.body
    );
    let e = reply.error();
    assert!(e.field("price").unwrap().contains("number"));
    assert!(e.field("year").unwrap().contains("between 1900"));
    assert_eq!(
        e.field("vin").as_deref(),
        Some("A VIN has exactly 17 characters.")
    );
    // the model is checked against the make once the rest reads
    let reply = app
        .save(Some(&ana), None, &with(GOLF, &[("model", "bmw-x5")]))
        .await;
    assert_eq!(
        reply.error().field("model").as_deref(),
        Some("X5 is not a Volkswagen model: choose one of the Volkswagen models.")
    );
    // equipment is what the catalogue lists, nothing else
    let mut made_up = GOLF.to_vec();
    let junk: Vec<String> = (0..5).map(|i| format!("gold-plated-{i}")).collect();
    made_up.extend(junk.iter().map(|j| ("equipment][", j.as_str())));
    let reply = app.save(Some(&ana), None, &made_up).await;
    assert_eq!(
        reply.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        reply.body
    );
    assert_eq!(
        reply.error().field("equipment").as_deref(),
        Some(
            "Choose equipment from the list: \"gold-plated-0\", \"gold-plated-1\", \"gold-plated-2\" and 2 more are not in it."
        )
    );
    let count: i64 = sqlx::query_scalar("select count(*) from listing")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(count, 0);
    // and the database holds to it whoever writes
    let id = app.create(&ana, GOLF).await;
    let refused = sqlx::query(
        "update listing set equipment = '{navigation,gold-plated}' where listing_id = $1",
    )
    .bind(id)
    .execute(&app.pool)
    .await
    .unwrap_err();
    assert!(refused.to_string().contains("catalogue slugs"), "{refused}");

    // a draft needs less, publishing more
    let draft = with(
        GOLF,
        &[
            ("intent", "draft"),
            ("make", ""),
            ("model", ""),
            ("year", ""),
            ("fuel", ""),
        ],
    );
    assert_eq!(
        app.save(Some(&ana), None, &draft).await.status,
        StatusCode::OK
    );
    let publish = with(&draft, &[("intent", "publish")]);
    let e = app.save(Some(&ana), None, &publish).await.error();
    assert_eq!(
        e.field("make").as_deref(),
        Some("Choose the make: buyers filter by it.")
    );

    // and nobody signed out can sell
    let reply = app.save(None, None, GOLF).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
}

#[sqlx::test]
async fn another_sellers_listing_is_not_found_everywhere(pool: PgPool) {
    let app = spawn_app(pool).await;
    let ana = app.seller("ana@example.com").await;
    let ben = app.seller("ben@example.com").await;
    let id: ListingId = app.create(&ana, GOLF).await;
    let draft: ListingId = app.create(&ana, &with(GOLF, &[("intent", "draft")])).await;

    assert_eq!(
        app.save(Some(&ben), Some(id), GOLF).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.set_status(&ben, id, "sold").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.post(
            "/api/listings/delete",
            format!("listing_id={id}"),
            Some(&ben)
        )
        .await
        .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get(
            &format!("/api/listings/edit_form?listing_id={id}"),
            Some(&ben)
        )
        .await
        .status,
        StatusCode::NOT_FOUND
    );
    // a draft is invisible to others, visible to its seller
    assert_eq!(
        app.detail(draft, Some(&ben)).await.status,
        StatusCode::NOT_FOUND
    );
    let own: ListingDetail =
        serde_json::from_str(&app.detail(draft, Some(&ana)).await.body).unwrap();
    assert!(own.mine);
    // untouched
    let title: String = sqlx::query_scalar("select title from listing where listing_id = $1")
        .bind(id)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(title, "Volkswagen Golf 2.0 TDI Highline");
}

#[sqlx::test]
async fn listings_move_through_their_life_and_keep_their_price_history(pool: PgPool) {
    let app = spawn_app(pool).await;
    let ana = app.seller("ana@example.com").await;
    let id: ListingId = app.create(&ana, GOLF).await;

    // a price drop: recorded, and shown as a drop
    let cheaper = with(GOLF, &[("price", "17500"), ("intent", "save")]);
    assert_eq!(
        app.save(Some(&ana), Some(id), &cheaper).await.status,
        StatusCode::OK
    );
    let d: ListingDetail = serde_json::from_str(&app.detail(id, None).await.body).unwrap();
    assert_eq!(
        d.history.iter().map(|h| h.price.minor).collect::<Vec<_>>(),
        [1_890_000, 1_750_000]
    );
    assert_eq!(d.history[1].change, Some(-140_000));
    assert_eq!(d.dropped_from.unwrap().minor, 1_890_000);
    // editing other fields records no new price
    let renamed = with(&cheaper, &[("title", "VW Golf 2.0 TDI")]);
    assert_eq!(
        app.save(Some(&ana), Some(id), &renamed).await.status,
        StatusCode::OK
    );
    let d: ListingDetail = serde_json::from_str(&app.detail(id, None).await.body).unwrap();
    assert_eq!(d.history.len(), 2);

    assert_eq!(
        app.set_status(&ana, id, "sold").await.status,
        StatusCode::OK
    );
    let d: ListingDetail = serde_json::from_str(&app.detail(id, None).await.body).unwrap();
    assert_eq!(d.status.as_str(), "sold");
    let reply = app.set_status(&ana, id, "draft").await;
    assert_eq!(reply.status, StatusCode::CONFLICT);
    assert_eq!(
        reply.error().to_string(),
        "A sold listing can't be turned back into a draft."
    );
    assert_eq!(
        app.set_status(&ana, id, "published").await.status,
        StatusCode::OK
    );
    assert_eq!(
        app.set_status(&ana, id, "archived").await.status,
        StatusCode::OK
    );

    // an incomplete draft can't be published from the list either
    let draft = with(GOLF, &[("intent", "draft"), ("fuel", "")]);
    let draft: ListingId = app.create(&ana, &draft).await;
    let reply = app.set_status(&ana, draft, "published").await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        reply
            .error()
            .field("status")
            .unwrap()
            .contains("before publishing")
    );

    let reply = app
        .post(
            "/api/listings/delete",
            format!("listing_id={id}"),
            Some(&ana),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(app.detail(id, None).await.status, StatusCode::NOT_FOUND);
    let history: i64 =
        sqlx::query_scalar("select count(*) from listing_price where listing_id = $1")
            .bind(id)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(history, 0);
}

#[sqlx::test]
async fn a_failed_submit_without_javascript_comes_back_with_what_was_typed(pool: PgPool) {
    let app = spawn_app(pool).await;
    let ana = app.seller("ana@example.com").await;
    let typed = with(
        GOLF,
        &[
            ("price", "about 18k"),
            ("description", "Long text the seller must not lose."),
        ],
    );
    let body: Vec<String> = typed
        .iter()
        .map(|(k, v)| {
            format!(
                "{}={}",
                encode_component(&format!("input[{k}]")),
                encode_component(v)
            )
        })
        .collect();
    let reply = app
        .post_accepting(
            "/api/listings/save",
            body.join("&"),
            Some(&ana),
            "text/html,application/xhtml+xml",
        )
        .await;
    assert!(
        reply.status.is_redirection(),
        "{} {}",
        reply.status,
        reply.body
    );
    assert!(
        reply
            .location
            .unwrap()
            .starts_with(&format!("{ORIGIN}/sell"))
    );
    let form: EditForm =
        serde_json::from_str(&app.get("/api/listings/edit_form", Some(&ana)).await.body).unwrap();
    assert_eq!(form.form.description, "Long text the seller must not lose.");
    assert_eq!(form.form.price, "about 18k");
    assert_eq!(form.form.equipment, ["navigation", "parking-sensors"]);
    assert!(form.errors.contains_key("price"));
    // shown once
    let again: EditForm =
        serde_json::from_str(&app.get("/api/listings/edit_form", Some(&ana)).await.body).unwrap();
    assert_eq!(again.form.description, "");
}

#[sqlx::test]
async fn favorites_are_private_and_outlive_a_sale(pool: PgPool) {
    let app = spawn_app(pool).await;
    let ana = app.seller("ana@example.com").await;
    let ben = app.seller("ben@example.com").await;
    let id: ListingId = app.create(&ana, GOLF).await;
    let draft: ListingId = app.create(&ana, &with(GOLF, &[("intent", "draft")])).await;

    let reply = app
        .post(
            "/api/listings/favorite",
            format!("listing_id={id}"),
            Some(&ben),
        )
        .await;
    assert_eq!(
        (reply.status, reply.body.as_str()),
        (StatusCode::OK, "true")
    );
    let saved: Vec<ListingCard> =
        serde_json::from_str(&app.get("/api/listings/favorites", Some(&ben)).await.body).unwrap();
    assert_eq!(
        saved.iter().map(|c| (c.id, c.saved)).collect::<Vec<_>>(),
        [(id, Some(true))]
    );
    // someone else's favorites are theirs alone
    let anas: Vec<ListingCard> =
        serde_json::from_str(&app.get("/api/listings/favorites", Some(&ana)).await.body).unwrap();
    assert!(anas.is_empty());
    // search marks it for ben, and for nobody signed out
    let d: ListingDetail = serde_json::from_str(&app.detail(id, Some(&ben)).await.body).unwrap();
    assert_eq!(d.saved, Some(true));
    let d: ListingDetail = serde_json::from_str(&app.detail(id, None).await.body).unwrap();
    assert_eq!(d.saved, None);

    // sold: still there, marked
    assert_eq!(
        app.set_status(&ana, id, "sold").await.status,
        StatusCode::OK
    );
    let saved: Vec<ListingCard> =
        serde_json::from_str(&app.get("/api/listings/favorites", Some(&ben)).await.body).unwrap();
    assert_eq!(saved[0].status.as_str(), "sold");

    let reply = app
        .post(
            "/api/listings/favorite",
            format!("listing_id={id}"),
            Some(&ben),
        )
        .await;
    assert_eq!(reply.body, "false");
    assert_eq!(
        app.post(
            "/api/listings/favorite",
            format!("listing_id={draft}"),
            Some(&ben)
        )
        .await
        .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.post("/api/listings/favorite", format!("listing_id={id}"), None)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
}

#[sqlx::test]
async fn a_comparison_holds_two_to_four_listings_and_shares_as_a_link(pool: PgPool) {
    let app = spawn_app(pool).await;
    let ana = app.seller("ana@example.com").await;
    let mut ids = Vec::new();
    for (price, year) in [
        ("10000", "2012"),
        ("12000", "2014"),
        ("14000", "2014"),
        ("16000", "2018"),
        ("18000", "2019"),
    ] {
        let body = app
            .save(
                Some(&ana),
                None,
                &with(GOLF, &[("price", price), ("year", year)]),
            )
            .await
            .body;
        ids.push(serde_json::from_str::<ListingId>(&body).unwrap());
    }
    // a visitor, signed out: the comparison lives in their session
    let first = app
        .post(
            "/api/listings/compare_toggle",
            format!("listing_id={}", ids[0]),
            None,
        )
        .await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    let visitor = first.cookie.clone().expect("a session for the comparison");
    for id in &ids[1..4] {
        let reply = app
            .post(
                "/api/listings/compare_toggle",
                format!("listing_id={id}"),
                Some(&visitor),
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    }
    let fifth = app
        .post(
            "/api/listings/compare_toggle",
            format!("listing_id={}", ids[4]),
            Some(&visitor),
        )
        .await;
    assert_eq!(fifth.status, StatusCode::CONFLICT);
    assert!(fifth.error().to_string().contains("up to 4"));

    let c: Comparison =
        serde_json::from_str(&app.get("/api/listings/compare", Some(&visitor)).await.body).unwrap();
    assert_eq!(c.cards.iter().map(|c| c.id).collect::<Vec<_>>(), ids[..4]);
    let row = |label: &str| c.rows.iter().find(|r| r.label == label).unwrap();
    assert!(row("Price").differs);
    assert_eq!(
        row("Price").values,
        ["10,000 EUR", "12,000 EUR", "14,000 EUR", "16,000 EUR"]
    );
    assert!(!row("Fuel").differs);
    assert!(row("First registration").differs);
    assert!(c.cards.iter().all(|card| card.compared));

    // the share link shows the same to anyone
    let shared = c
        .share
        .trim_start_matches("http://127.0.0.1:3000/compare?ids=")
        .to_string();
    let other: Comparison = serde_json::from_str(
        &app.get(
            &format!("/api/listings/compare?ids={}", encode_component(&shared)),
            None,
        )
        .await
        .body,
    )
    .unwrap();
    assert_eq!(other.rows, c.rows);

    // taking one out
    let reply = app
        .post(
            "/api/listings/compare_toggle",
            format!("listing_id={}", ids[0]),
            Some(&visitor),
        )
        .await;
    let left: Vec<ListingId> = serde_json::from_str(&reply.body).unwrap();
    assert_eq!(left, ids[1..4]);
}

fn photo_file(seed: u64) -> Vec<u8> {
    fixtures::jpeg(&fixtures::photo(1200, 900, seed))
}

fn uploaded(reply: &Reply) -> SellerPhoto {
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    serde_json::from_str(&reply.body).unwrap()
}

async fn search_card(app: &TestApp, q: &str) -> ListingCard {
    let found: SearchResults = serde_json::from_str(
        &app.get(
            &format!("/api/listings/search?query={}", encode_component(q)),
            None,
        )
        .await
        .body,
    )
    .unwrap();
    found.cards.into_iter().next().expect("a card")
}

#[sqlx::test]
async fn a_seller_uploads_arranges_and_deletes_photos_that_buyers_see_in_order(pool: PgPool) {
    let app = spawn_app(pool).await;
    let ana = app.seller("ana@example.com").await;
    let id = app.create(&ana, GOLF).await;

    let mut ids = Vec::new();
    for seed in 1..=3 {
        let photo = uploaded(
            &app.upload(
                Some(&ana),
                id,
                &format!("IMG_000{seed}.JPG"),
                photo_file(seed),
            )
            .await,
        );
        assert_eq!(photo.state, PhotoState::Ready);
        assert_eq!(photo.file_name, format!("IMG_000{seed}.JPG"));
        let picture = photo.picture.unwrap();
        let widths: Vec<u32> = picture.sources.iter().map(|s| s.width).collect();
        assert_eq!(widths, [320, 960, 1200], "never enlarged past the original");
        assert!(picture.placeholder.starts_with("data:image/png;base64,"));
        ids.push(photo.id);
    }

    // buyers: the detail page in upload order, the card with the first as its cover
    let detail: ListingDetail = serde_json::from_str(&app.detail(id, None).await.body).unwrap();
    assert_eq!(
        detail
            .photos
            .iter()
            .map(|p| p.id.clone())
            .collect::<Vec<_>>(),
        ids
    );
    let card = search_card(&app, "golf highline").await;
    assert_eq!(card.photo_count, 3);
    assert_eq!(card.cover.as_ref().unwrap().id, ids[0]);

    // a variant is served with an immutable cache lifetime and is a real WebP of its size
    let thumb = detail.photos[0].sources[0].url.clone();
    let res = app.get(&thumb, None).await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(res.headers[header::CONTENT_TYPE], "image/webp");
    assert_eq!(
        res.headers[header::CACHE_CONTROL],
        "public, max-age=31536000, immutable"
    );
    let decoded =
        image::load_from_memory_with_format(&res.bytes, image::ImageFormat::WebP).unwrap();
    assert_eq!((decoded.width(), decoded.height()), (320, 240));
    // originals (they may carry GPS) are never served, nor kept once processed
    let original = format!("/media/uploads/{}", ids[0]);
    assert_eq!(app.get(&original, None).await.status, StatusCode::NOT_FOUND);
    assert!(app.state.media.list("uploads").await.unwrap().is_empty());

    // the third becomes the cover; the others keep their order
    let reply = app
        .post(
            "/api/photos/reorder",
            format!("listing_id={id}&order[0]={}", ids[2]),
            Some(&ana),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let order: Vec<String> = app
        .photos(&ana, id)
        .await
        .photos
        .into_iter()
        .map(|p| p.id)
        .collect();
    assert_eq!(order, [ids[2].clone(), ids[0].clone(), ids[1].clone()]);
    assert_eq!(
        search_card(&app, "golf highline").await.cover.unwrap().id,
        ids[2]
    );

    // another seller can neither see, add to, arrange nor delete them; nobody signed out can upload
    let bob = app.seller("bob@example.com").await;
    let reply = app
        .get(&format!("/api/photos/list?listing_id={id}"), Some(&bob))
        .await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    let reply = app.upload(Some(&bob), id, "x.jpg", photo_file(9)).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND, "{}", reply.body);
    let reply = app
        .post(
            "/api/photos/reorder",
            format!("listing_id={id}&order[0]={}", ids[1]),
            Some(&bob),
        )
        .await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    let reply = app
        .post(
            "/api/photos/delete",
            format!("photo_id={}", ids[1]),
            Some(&bob),
        )
        .await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    let reply = app.upload(None, id, "x.jpg", photo_file(9)).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert_eq!(app.photos(&ana, id).await.photos.len(), 3);

    // deleting one removes its files too
    let prefix = format!("photos/{}", ids[0]);
    assert_eq!(app.state.media.list(&prefix).await.unwrap().len(), 3);
    let reply = app
        .post(
            "/api/photos/delete",
            format!("photo_id={}", ids[0]),
            Some(&ana),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert!(app.state.media.list(&prefix).await.unwrap().is_empty());
    let detail: ListingDetail = serde_json::from_str(&app.detail(id, None).await.body).unwrap();
    assert_eq!(
        detail
            .photos
            .iter()
            .map(|p| p.id.clone())
            .collect::<Vec<_>>(),
        [ids[2].clone(), ids[1].clone()]
    );
    assert_eq!(search_card(&app, "golf highline").await.photo_count, 2);

    // deleting the listing deletes every file
    let reply = app
        .post(
            "/api/listings/delete",
            format!("listing_id={id}"),
            Some(&ana),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert!(app.state.media.list("photos").await.unwrap().is_empty());
}

#[sqlx::test]
async fn bad_files_get_their_own_message_and_leave_the_listing_as_it_was(pool: PgPool) {
    let mut config = Config::for_tests();
    config.max_photos = 2;
    let app = spawn_app_with(pool, config).await;
    let ana = app.seller("ana@example.com").await;
    let id = app.create(&ana, GOLF).await;
    uploaded(&app.upload(Some(&ana), id, "good.jpg", photo_file(1)).await);

    let whole = photo_file(2);
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "notes.txt",
            b"not a photo at all".to_vec(),
            "isn't a photo we can read",
        ),
        (
            "cut.jpg",
            whole[..whole.len() / 2].to_vec(),
            "damaged or cut short",
        ),
        (
            "bomb.png",
            fixtures::png_claiming(50_000, 50_000),
            "50000 x 50000 pixels",
        ),
        (
            "huge.jpg",
            vec![0xFF; 26 * 1024 * 1024],
            "photos can be up to 25 MB",
        ),
        ("empty.jpg", Vec::new(), "This file is empty."),
    ];
    for (name, bytes, message) in cases {
        let reply = app.upload(Some(&ana), id, name, bytes).await;
        assert_eq!(
            reply.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{name}: {}",
            reply.body
        );
        let said = reply.error().field("photo").unwrap_or_default();
        assert!(said.contains(message), "{name}: {said}");
    }
    // nothing of them is left, and the good photo and the listing are untouched
    let photos = app.photos(&ana, id).await;
    assert_eq!(photos.photos.len(), 1);
    assert_eq!(photos.photos[0].state, PhotoState::Ready);
    assert!(app.state.media.list("uploads").await.unwrap().is_empty());
    let detail: ListingDetail = serde_json::from_str(&app.detail(id, None).await.body).unwrap();
    assert_eq!(detail.title, "Volkswagen Golf 2.0 TDI Highline");

    // one over the quota is refused with the number
    uploaded(
        &app.upload(Some(&ana), id, "second.jpg", photo_file(3))
            .await,
    );
    let reply = app.upload(Some(&ana), id, "third.jpg", photo_file(4)).await;
    assert_eq!(reply.status, StatusCode::PAYMENT_REQUIRED, "{}", reply.body);
    assert!(
        reply.body.contains("already has 2 photos"),
        "{}",
        reply.body
    );
    assert_eq!(app.photos(&ana, id).await.photos.len(), 2);
}

#[sqlx::test]
async fn processing_cut_off_by_a_crash_is_finished_or_cleanly_failed(pool: PgPool) {
    let app = spawn_app(pool).await;
    let ana = app.seller("ana@example.com").await;
    let id = app.create(&ana, GOLF).await;
    // two uploads whose process died: one original reached the store, one didn't
    let mut abandoned = Vec::new();
    for name in ["stored.jpg", "lost.jpg"] {
        let photo_id: uuid::Uuid = sqlx::query_scalar(
            "insert into listing_photo (listing_id, position, file_name, claimed_until) \
             values ($1, (select count(*) from listing_photo where listing_id = $1), $2, now() - interval '1 second') \
             returning photo_id",
        )
        .bind(id)
        .bind(name)
        .fetch_one(&app.pool)
        .await
        .unwrap();
        abandoned.push(photo_id);
    }
    app.state
        .media
        .put(
            &scout::gallery::store::upload_key(abandoned[0]),
            photo_file(5).into(),
        )
        .await
        .unwrap();
    // buyers see neither while they are processing
    let detail: ListingDetail = serde_json::from_str(&app.detail(id, None).await.body).unwrap();
    assert!(detail.photos.is_empty());

    let taken = scout::gallery::service::resume_abandoned(&app.state)
        .await
        .unwrap();
    assert_eq!(taken, 2);
    let photos = app.photos(&ana, id).await;
    let states: Vec<(String, PhotoState)> = photos
        .photos
        .iter()
        .map(|p| (p.file_name.clone(), p.state))
        .collect();
    assert_eq!(
        states,
        [
            ("stored.jpg".to_string(), PhotoState::Ready),
            ("lost.jpg".to_string(), PhotoState::Failed)
        ]
    );
    assert!(
        photos.photos[1]
            .error
            .as_ref()
            .unwrap()
            .contains("upload it again")
    );
    let detail: ListingDetail = serde_json::from_str(&app.detail(id, None).await.body).unwrap();
    assert_eq!(detail.photos.len(), 1, "only the finished one");
    assert!(app.state.media.list("uploads").await.unwrap().is_empty());
    // a second pass finds nothing left to do
    assert_eq!(
        scout::gallery::service::resume_abandoned(&app.state)
            .await
            .unwrap(),
        0
    );
}

/// An upload whose 20 MB body never comes (the client is slow, or never meant to send it).
fn stalled_upload(cookie: &str, listing_id: ListingId) -> axum::http::Request<axum::body::Body> {
    axum::http::Request::post(format!("/api/listings/{listing_id}/photos"))
        .header(header::HOST, "127.0.0.1:3000")
        .header(header::ORIGIN, ORIGIN)
        .header(header::COOKIE, cookie)
        .header(header::CONTENT_TYPE, "image/jpeg")
        .header(header::CONTENT_LENGTH, 20 * 1024 * 1024)
        .body(axum::body::Body::from_stream(futures::stream::pending::<
            Result<axum::body::Bytes, std::io::Error>,
        >()))
        .unwrap()
}

#[sqlx::test]
async fn uploads_are_refused_before_their_bodies_are_read_and_share_a_memory_budget(pool: PgPool) {
    let mut config = Config::for_tests();
    config.upload_budget_bytes = 30 * 1024 * 1024;
    let app = spawn_app_with(pool, config).await;
    let ana = app.seller("ana@example.com").await;
    let mallory = app.seller("mallory@example.com").await;
    let listing = app.create(&ana, GOLF).await;

    // twenty 20 MB uploads at once to someone else's listing: each is refused without
    // waiting for its body (which never comes), and nothing of the budget is held
    let budget = app.state.upload_budget.available_permits();
    let refusals = (0..20).map(|_| app.send(stalled_upload(&mallory, listing)));
    for reply in futures::future::join_all(refusals).await {
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{}", reply.body);
    }
    assert_eq!(app.state.upload_budget.available_permits(), budget);

    // the owner's 20 MB upload on its way holds 20 of the 30 MB: a second one is told to
    // come back shortly (503, Retry-After), not queued in memory
    let first = tokio::spawn({
        use tower::ServiceExt;
        app.router.clone().oneshot(stalled_upload(&ana, listing))
    });
    while app.state.upload_budget.available_permits() == budget {
        tokio::task::yield_now().await;
    }
    let reply = app.send(stalled_upload(&ana, listing)).await;
    assert_eq!(
        reply.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        reply.body
    );
    assert_eq!(reply.headers[header::RETRY_AFTER], "5");
    assert!(
        matches!(reply.error(), scout::error::AppError::Busy { .. }),
        "{}",
        reply.body
    );
    // once it is gone (the uploader left), the budget is whole again and photos arrive
    first.abort();
    let _ = first.await;
    assert_eq!(app.state.upload_budget.available_permits(), budget);
    let reply = app
        .upload(Some(&ana), listing, "car.jpg", photo_file(1))
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    assert_eq!(app.state.upload_budget.available_permits(), budget);
    // the processing took its share of the photo memory and gave it back
    assert_eq!(app.state.photo_memory.available_permits(), 1024);
}
