//! Cross-posting a listing to a linked marketplace, against the stand-in's advert API (OLX's
//! shape, in `oidc.rs`): the advert made once and kept in step (price, sold, deleted), a
//! refusal kept in the marketplace's words until the listing changes, an outage that never
//! blocks saving and sends nothing twice, and who may ask.

use crate::helpers::{GOLF, PASSWORD, TestApp, form};
use crate::marketplace_links::{LINKED, setup};
use crate::oidc::{Market, Provider};
use axum::http::StatusCode;
use scout::listings::crossposting::{CrossPostView, sync::sync_due};
use scout::listings::model::ListingId;
use sqlx::PgPool;

/// A seller who linked the marketplace, and a published Golf of theirs.
async fn seller_with_golf(app: &TestApp, provider: &Provider) -> (String, ListingId) {
    let cookie = app.signed_in_account("ana@example.com", PASSWORD).await;
    let (to, cookie) = app.link_market(provider, &cookie).await;
    assert_eq!(to, LINKED);
    let golf = app.create(&cookie, GOLF).await;
    (cookie, golf)
}

async fn publish_there(app: &TestApp, cookie: &str, listing: ListingId, yes: bool) -> StatusCode {
    let id = listing.0.to_string();
    let mut fields = vec![("listing_id", id.as_str()), ("marketplace", "market")];
    if yes {
        fields.push(("publish", "yes"));
    }
    app.post("/api/listings/cross_post", form(&fields), Some(cookie))
        .await
        .status
}

async fn where_it_stands(app: &TestApp, cookie: &str, listing: ListingId) -> CrossPostView {
    let reply = app
        .get(
            &format!("/api/listings/cross_posts?listing_id={listing}"),
            Some(cookie),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let mut all: Vec<CrossPostView> = reply.json();
    assert_eq!(all.len(), 1);
    all.remove(0)
}

async fn sync(app: &TestApp) -> usize {
    sync_due(&app.state).await.unwrap()
}

#[sqlx::test]
async fn an_advert_is_made_once_and_kept_in_step_until_the_listing_goes(pool: PgPool) {
    let (app, provider) = setup(pool, false).await;
    let (cookie, golf) = seller_with_golf(&app, &provider).await;
    let view = where_it_stands(&app, &cookie, golf).await;
    assert!(view.linked);
    assert_eq!(view.post, None);

    assert_eq!(
        publish_there(&app, &cookie, golf, true).await,
        StatusCode::OK
    );
    let post = where_it_stands(&app, &cookie, golf).await.post.unwrap();
    assert_eq!(post.summary, "Waiting to be sent to Test Market.");
    assert_eq!(sync(&app).await, 1);

    let adverts = provider.adverts();
    assert_eq!(adverts.len(), 1);
    let advert = &adverts[0];
    assert_eq!(advert["title"], "Volkswagen Golf 2.0 TDI Highline");
    assert_eq!(advert["description"], "Обслужена, нов внос. One owner.");
    assert_eq!(advert["price"]["value"], 18900.0);
    assert_eq!(advert["price"]["currency"], "EUR");
    assert_eq!(advert["category_id"], "84");
    // the place by the marketplace's own id (its `/cities`, read page by page)
    assert_eq!(advert["location"]["city_id"], 3);
    assert_eq!(advert["status"], "active");
    assert_eq!(
        advert["external_url"],
        format!("http://127.0.0.1:3000/listings/{golf}")
    );
    let id = advert["id"].to_string();
    let post = where_it_stands(&app, &cookie, golf).await.post.unwrap();
    assert!(
        post.summary.starts_with("On Test Market since ")
            && post.summary.contains(&format!("advert {id}"))
            && post.summary.contains("last synced"),
        "{}",
        post.summary
    );
    assert_eq!((post.refused, post.retrying), (None, None));
    // nothing more to send
    assert_eq!(sync(&app).await, 0);

    // a new price goes there as an update of the same advert
    let mut cheaper: Vec<(&str, &str)> = GOLF.to_vec();
    cheaper.retain(|(k, _)| *k != "price");
    cheaper.push(("price", "17 500"));
    let reply = app.save(Some(&cookie), Some(golf), &cheaper).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(sync(&app).await, 1);
    assert_eq!(provider.adverts()[0]["price"]["value"], 17500.0);

    // sold: deactivated there
    assert_eq!(
        app.set_status(&cookie, golf, "sold").await.status,
        StatusCode::OK
    );
    assert_eq!(sync(&app).await, 1);
    assert_eq!(provider.adverts()[0]["status"], "inactive");
    let post = where_it_stands(&app, &cookie, golf).await.post.unwrap();
    assert!(
        post.summary.starts_with("On Test Market, not shown there"),
        "{}",
        post.summary
    );

    // deleted: removed there, and the row goes
    let reply = app
        .post(
            "/api/listings/delete",
            form(&[("listing_id", &golf.to_string())]),
            Some(&cookie),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(sync(&app).await, 1);
    assert!(provider.adverts().is_empty());
    let rows: i64 = sqlx::query_scalar("select count(*) from cross_post")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(rows, 0);
    assert_eq!(
        provider.advert_calls(),
        [
            "POST /adverts".to_string(),
            format!("PUT /adverts/{id}"),
            format!("PUT /adverts/{id}"),
            format!("POST /adverts/{id}/commands \"deactivate\""),
            format!("DELETE /adverts/{id}"),
        ]
    );
}

#[sqlx::test]
async fn a_refusal_is_kept_in_the_marketplaces_words_until_the_listing_changes(pool: PgPool) {
    let (app, provider) = setup(pool, false).await;
    let (cookie, golf) = seller_with_golf(&app, &provider).await;
    // OLX wants 16 to 70 characters in a title
    let mut short: Vec<(&str, &str)> = GOLF.to_vec();
    short.retain(|(k, _)| *k != "title");
    short.push(("title", "VW Golf"));
    assert_eq!(
        app.save(Some(&cookie), Some(golf), &short).await.status,
        StatusCode::OK
    );
    assert_eq!(
        publish_there(&app, &cookie, golf, true).await,
        StatusCode::OK
    );
    assert_eq!(sync(&app).await, 1);
    let post = where_it_stands(&app, &cookie, golf).await.post.unwrap();
    assert_eq!(
        post.refused.as_deref(),
        Some("Test Market refused the advert: Title must be between 16 and 70 characters")
    );
    assert!(provider.adverts().is_empty());
    // not asked again for the same listing
    assert_eq!(sync(&app).await, 0);
    // a better title goes out, and the refusal is gone
    assert_eq!(
        app.save(Some(&cookie), Some(golf), GOLF).await.status,
        StatusCode::OK
    );
    assert_eq!(sync(&app).await, 1);
    assert_eq!(provider.adverts().len(), 1);
    let post = where_it_stands(&app, &cookie, golf).await.post.unwrap();
    assert_eq!(post.refused, None);
}

#[sqlx::test]
async fn a_town_the_marketplace_does_not_know_is_refused_in_words_and_its_places_are_read_once(
    pool: PgPool,
) {
    let (app, provider) = setup(pool, false).await;
    let (cookie, golf) = seller_with_golf(&app, &provider).await;
    assert_eq!(
        publish_there(&app, &cookie, golf, true).await,
        StatusCode::OK
    );
    assert_eq!(sync(&app).await, 1);
    assert_eq!(provider.adverts()[0]["location"]["city_id"], 3);
    // eight places, three a page (whatever the limit asked): every page read once, and the
    // empty one that ends the list
    assert_eq!(provider.city_pages(), 4);

    // moved to Vidin, which the marketplace doesn't list
    let mut vidin: Vec<(&str, &str)> = GOLF.to_vec();
    vidin.retain(|(k, _)| *k != "city");
    vidin.push(("city", "vidin"));
    assert_eq!(
        app.save(Some(&cookie), Some(golf), &vidin).await.status,
        StatusCode::OK
    );
    assert_eq!(sync(&app).await, 1);
    let post = where_it_stands(&app, &cookie, golf).await.post.unwrap();
    assert_eq!(
        post.refused.as_deref(),
        Some(
            "Test Market has no place called Видин, so the advert can't say where the car is. Choose a nearby town to publish it there."
        )
    );
    // the advert keeps its place there, nothing more was sent, and the places were not read
    // again
    assert_eq!(provider.adverts()[0]["location"]["city_id"], 3);
    assert_eq!(sync(&app).await, 0);
    assert_eq!(provider.city_pages(), 4);

    // back in Varna, the change goes out
    assert_eq!(
        app.save(Some(&cookie), Some(golf), GOLF).await.status,
        StatusCode::OK
    );
    assert_eq!(sync(&app).await, 1);
    assert_eq!(
        where_it_stands(&app, &cookie, golf)
            .await
            .post
            .unwrap()
            .refused,
        None
    );
}

#[sqlx::test]
async fn an_outage_never_blocks_saving_and_nothing_is_sent_twice(pool: PgPool) {
    let (app, provider) = setup(pool, false).await;
    let (cookie, golf) = seller_with_golf(&app, &provider).await;
    assert_eq!(
        publish_there(&app, &cookie, golf, true).await,
        StatusCode::OK
    );

    provider.market(Market::Down);
    assert_eq!(sync(&app).await, 1);
    let post = where_it_stands(&app, &cookie, golf).await.post.unwrap();
    assert_eq!(
        post.retrying.as_deref(),
        Some("Test Market can't be reached just now; Scout tries again shortly.")
    );
    // saving in Scout does not wait for the marketplace
    assert_eq!(
        app.save(Some(&cookie), Some(golf), GOLF).await.status,
        StatusCode::OK
    );
    // tried again after the backoff, not before
    assert_eq!(sync(&app).await, 0);
    let wait: f64 = sqlx::query_scalar(
        "select extract(epoch from next_attempt_at - now())::float8 from cross_post",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert!(wait > 20.0 && wait <= 60.0, "{wait}");

    // the marketplace makes the advert but its answer is lost: the retry finds the same
    // advert by its external id instead of making a second
    provider.market(Market::LosesAnswers);
    sqlx::query("update cross_post set next_attempt_at = now()")
        .execute(&app.pool)
        .await
        .unwrap();
    assert_eq!(sync(&app).await, 1);
    assert_eq!(provider.adverts().len(), 1);
    provider.market(Market::Up);
    sqlx::query("update cross_post set next_attempt_at = now()")
        .execute(&app.pool)
        .await
        .unwrap();
    assert_eq!(sync(&app).await, 1);
    assert_eq!(
        provider.adverts().len(),
        1,
        "one advert, however often it was asked"
    );
    let post = where_it_stands(&app, &cookie, golf).await.post.unwrap();
    assert!(
        post.summary.starts_with("On Test Market since"),
        "{}",
        post.summary
    );
    assert_eq!(post.retrying, None);

    // saving it unchanged sends nothing; a sync cut off mid-way (its hold never let go) is
    // taken over once the hold lapses
    assert_eq!(
        app.save(Some(&cookie), Some(golf), GOLF).await.status,
        StatusCode::OK
    );
    assert_eq!(sync(&app).await, 0, "nothing changed");
    let mut cheaper: Vec<(&str, &str)> = GOLF.to_vec();
    cheaper.retain(|(k, _)| *k != "price");
    cheaper.push(("price", "17 900"));
    assert_eq!(
        app.save(Some(&cookie), Some(golf), &cheaper).await.status,
        StatusCode::OK
    );
    let claimed = scout::listings::crossposting::sync::claim_due(&app.pool, 10)
        .await
        .unwrap();
    assert_eq!(claimed.len(), 1);
    assert_eq!(sync(&app).await, 0, "held");
    sqlx::query("update cross_post set lease_until = now() - interval '1 second'")
        .execute(&app.pool)
        .await
        .unwrap();
    assert_eq!(sync(&app).await, 1);
}

#[sqlx::test]
async fn only_the_seller_with_a_linked_account_cross_posts(pool: PgPool) {
    let (app, provider) = setup(pool, false).await;
    let (ana, golf) = seller_with_golf(&app, &provider).await;
    // another seller can't see or change where Ana's listing is published
    let bob = app.signed_in_account("bob@example.com", PASSWORD).await;
    assert_eq!(
        publish_there(&app, &bob, golf, true).await,
        StatusCode::NOT_FOUND
    );
    let reply = app
        .get(
            &format!("/api/listings/cross_posts?listing_id={golf}"),
            Some(&bob),
        )
        .await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    // a seller who has not linked the marketplace is told to link it first
    let bobs = app.create(&bob, GOLF).await;
    let view = where_it_stands(&app, &bob, bobs).await;
    assert!(!view.linked);
    let id = bobs.0.to_string();
    let reply = app
        .post(
            "/api/listings/cross_post",
            form(&[
                ("listing_id", id.as_str()),
                ("marketplace", "market"),
                ("publish", "yes"),
            ]),
            Some(&bob),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CONFLICT);
    assert_eq!(
        reply.error().to_string(),
        "Link your Test Market account on your Account page first."
    );
    // signed out: nothing
    assert_eq!(
        app.post(
            "/api/listings/cross_post",
            form(&[
                ("listing_id", "1"),
                ("marketplace", "market"),
                ("publish", "yes")
            ]),
            None
        )
        .await
        .status,
        StatusCode::UNAUTHORIZED
    );
    // stopping removes the advert there
    assert_eq!(publish_there(&app, &ana, golf, true).await, StatusCode::OK);
    assert_eq!(sync(&app).await, 1);
    assert_eq!(provider.adverts().len(), 1);
    assert_eq!(publish_there(&app, &ana, golf, false).await, StatusCode::OK);
    assert_eq!(where_it_stands(&app, &ana, golf).await.post, None);
    assert_eq!(sync(&app).await, 1);
    assert!(provider.adverts().is_empty());
}

#[sqlx::test]
async fn access_withdrawn_at_the_marketplace_marks_the_link_and_waits_for_it(pool: PgPool) {
    let (app, provider) = setup(pool, false).await;
    let (cookie, golf) = seller_with_golf(&app, &provider).await;
    assert_eq!(
        publish_there(&app, &cookie, golf, true).await,
        StatusCode::OK
    );
    assert_eq!(sync(&app).await, 1);

    // withdrawn there: the next change is refused with 401
    provider.forget_access_tokens();
    let mut cheaper: Vec<(&str, &str)> = GOLF.to_vec();
    cheaper.retain(|(k, _)| *k != "price");
    cheaper.push(("price", "16 900"));
    assert_eq!(
        app.save(Some(&cookie), Some(golf), &cheaper).await.status,
        StatusCode::OK
    );
    assert_eq!(sync(&app).await, 1);
    let words = "Test Market no longer accepts Scout's access to your account: link it again on your Account page.";
    let post = where_it_stands(&app, &cookie, golf).await.post.unwrap();
    assert_eq!(post.retrying.as_deref(), Some(words));
    let links: Vec<scout::accounts::connect::ProviderLink> = app
        .get("/api/accounts/provider_links", Some(&cookie))
        .await
        .json();
    let c = links[0].connected.clone().unwrap();
    assert_eq!(
        (c.health, c.detail.as_str()),
        (scout::accounts::connect::Health::Revoked, words)
    );
    // the seller's pages carry a banner about it (a visitor's nothing)
    let troubles: Vec<String> = app
        .get("/api/accounts/link_troubles", Some(&cookie))
        .await
        .json();
    assert_eq!(
        troubles,
        [format!("Your Test Market link needs attention: {words}")]
    );
    let none: Vec<String> = app.get("/api/accounts/link_troubles", None).await.json();
    assert!(none.is_empty());
    // and one notice says so, opening the Account page's marketplaces section (the retries
    // that follow, still refused, tell nothing new)
    sqlx::query("update cross_post set next_attempt_at = now()")
        .execute(&app.pool)
        .await
        .unwrap();
    assert_eq!(sync(&app).await, 1);
    let inbox = app.inbox(&cookie).await;
    assert_eq!(inbox.notices.len(), 1, "{inbox:?}");
    assert_eq!(
        inbox.notices[0].title,
        "Scout's access at Test Market has ended"
    );
    assert_eq!(inbox.notices[0].reason, words);
    assert_eq!(inbox.notices[0].href, "/account#marketplaces-heading");

    // linked again, the change goes out at the next try
    let (_, cookie) = app.link_market(&provider, &cookie).await;
    sqlx::query("update cross_post set next_attempt_at = now()")
        .execute(&app.pool)
        .await
        .unwrap();
    assert_eq!(sync(&app).await, 1);
    assert_eq!(provider.adverts()[0]["price"]["value"], 16900.0);
    assert_eq!(
        where_it_stands(&app, &cookie, golf)
            .await
            .post
            .unwrap()
            .retrying,
        None
    );
    let troubles: Vec<String> = app
        .get("/api/accounts/link_troubles", Some(&cookie))
        .await
        .json();
    assert!(troubles.is_empty());
}

#[sqlx::test]
async fn a_draft_goes_to_the_marketplace_once_it_is_published(pool: PgPool) {
    let (app, provider) = setup(pool, false).await;
    let (cookie, _) = seller_with_golf(&app, &provider).await;
    let mut draft: Vec<(&str, &str)> = GOLF.to_vec();
    draft.retain(|(k, _)| *k != "intent");
    draft.push(("intent", "draft"));
    let id = app.create(&cookie, &draft).await;
    assert_eq!(publish_there(&app, &cookie, id, true).await, StatusCode::OK);
    assert_eq!(sync(&app).await, 1);
    assert!(provider.adverts().is_empty());
    let post = where_it_stands(&app, &cookie, id).await.post.unwrap();
    assert_eq!(
        post.summary,
        "Goes to Test Market once it is published here."
    );
    // published: made there at the next sync
    assert_eq!(
        app.save(Some(&cookie), Some(id), GOLF).await.status,
        StatusCode::OK
    );
    assert_eq!(sync(&app).await, 1);
    assert_eq!(provider.adverts().len(), 1);
    assert_eq!(provider.adverts()[0]["status"], "active");
}
