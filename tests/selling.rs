//! Sellers and buyers through the real router: create, validate, publish, edit, change
//! status, delete; another account's listing is 404 everywhere; a failed submit without
//! JavaScript comes back with what was typed; every price change lands in the history;
//! favorites outlive a sale; comparisons hold 2 to 4 listings and share as a link.
#![cfg(feature = "ssr")]
#![expect(clippy::unwrap_used, clippy::expect_used, reason = "tests")]

use axum::{
    Router,
    body::{Body, to_bytes},
    http::{Request, StatusCode, header},
};
use scout::{
    error::AppError,
    listings::{
        api::ListingCard,
        api::{ListingDetail, SearchResults},
        collections::Comparison,
        search::encode_component,
        selling::{EditForm, MyListings},
    },
    server::config::Config,
};
use sqlx::PgPool;
use tower::ServiceExt;

mod support;

const ORIGIN: &str = "http://127.0.0.1:3000";

struct App {
    router: Router,
    pool: PgPool,
}

struct Reply {
    status: StatusCode,
    location: Option<String>,
    cookie: Option<String>,
    body: String,
}

impl Reply {
    fn error(&self) -> AppError {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("not an AppError ({e}): {}", self.body))
    }
}

async fn app(pool: PgPool) -> App {
    let (router, _) = support::app(pool.clone(), Config::for_tests(), "target/site").await;
    App { router, pool }
}

impl App {
    async fn send(&self, req: Request<Body>) -> Reply {
        let res = self.router.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let location = res
            .headers()
            .get(header::LOCATION)
            .map(|v| v.to_str().unwrap().to_string());
        let cookie = res
            .headers()
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|c| c.starts_with("scout_session="))
            .map(|c| c.split(';').next().unwrap().to_string());
        let body = to_bytes(res.into_body(), 10 * 1024 * 1024).await.unwrap();
        Reply {
            status,
            location,
            cookie,
            body: String::from_utf8_lossy(&body).into_owned(),
        }
    }

    async fn post(&self, path: &str, body: String, cookie: Option<&str>) -> Reply {
        self.post_accepting(path, body, cookie, "application/json")
            .await
    }

    async fn post_accepting(
        &self,
        path: &str,
        body: String,
        cookie: Option<&str>,
        accept: &str,
    ) -> Reply {
        let mut req = Request::post(path)
            .header(header::HOST, "127.0.0.1:3000")
            .header(header::ORIGIN, ORIGIN)
            .header(header::REFERER, format!("{ORIGIN}/sell"))
            .header(header::ACCEPT, accept)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        if let Some(c) = cookie {
            req = req.header(header::COOKIE, c);
        }
        self.send(req.body(Body::from(body)).unwrap()).await
    }

    async fn get(&self, path: &str, cookie: Option<&str>) -> Reply {
        let mut req = Request::get(path).header(header::ACCEPT, "application/json");
        if let Some(c) = cookie {
            req = req.header(header::COOKIE, c);
        }
        self.send(req.body(Body::empty()).unwrap()).await
    }

    /// A new account, signed in: its session cookie.
    async fn seller(&self, email: &str) -> String {
        let reply = self
            .post(
                "/api/accounts/sign_up",
                format!(
                    "email={}&password={}",
                    encode_component(email),
                    "violet+tractor+mango+42"
                ),
                None,
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        reply.cookie.unwrap()
    }

    /// Saves a new listing that must be accepted; its id.
    async fn create(&self, cookie: &str, fields: &[(&str, &str)]) -> i64 {
        let reply = self.save(Some(cookie), None, fields).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        serde_json::from_str(&reply.body).unwrap()
    }

    async fn save(
        &self,
        cookie: Option<&str>,
        listing_id: Option<i64>,
        fields: &[(&str, &str)],
    ) -> Reply {
        let mut body: Vec<String> = fields
            .iter()
            .map(|(k, v)| {
                format!(
                    "{}={}",
                    encode_component(&format!("input[{k}]")),
                    encode_component(v)
                )
            })
            .collect();
        if let Some(id) = listing_id {
            body.push(format!("listing_id={id}"));
        }
        self.post("/api/listings/save", body.join("&"), cookie)
            .await
    }

    async fn set_status(&self, cookie: &str, id: i64, status: &str) -> Reply {
        self.post(
            "/api/listings/set_status",
            format!("listing_id={id}&status={status}"),
            Some(cookie),
        )
        .await
    }

    async fn detail(&self, id: i64, cookie: Option<&str>) -> Reply {
        self.get(&format!("/api/listings/get?id={id}"), cookie)
            .await
    }
}

const GOLF: &[(&str, &str)] = &[
    ("category", "vehicle"),
    ("title", "Volkswagen Golf 2.0 TDI Highline"),
    ("description", "Обслужена, нов внос. One owner."),
    ("price", "18 900"),
    ("currency", "BGN"),
    ("city", "varna"),
    ("make", "volkswagen"),
    ("model", "volkswagen-golf"),
    ("year", "2016"),
    ("mileage_km", "154000"),
    ("fuel", "diesel"),
    ("transmission", "manual"),
    ("equipment][", "navigation"),
    ("equipment][", "parking-sensors"),
    ("intent", "publish"),
];

fn with<'a>(
    base: &[(&'a str, &'a str)],
    changes: &[(&'a str, &'a str)],
) -> Vec<(&'a str, &'a str)> {
    let mut out: Vec<(&str, &str)> = base
        .iter()
        .filter(|(k, _)| !changes.iter().any(|(c, _)| c == k))
        .copied()
        .collect();
    out.extend(changes.iter().filter(|(_, v)| !v.is_empty()).copied());
    out
}

#[sqlx::test]
async fn a_seller_publishes_a_listing_that_buyers_then_find(pool: PgPool) {
    let app = app(pool).await;
    let ana = app.seller("ana@example.com").await;
    let reply = app.save(Some(&ana), None, GOLF).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let id: i64 = serde_json::from_str(&reply.body).unwrap();

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
    let app = app(pool).await;
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
    let count: i64 = sqlx::query_scalar("select count(*) from listing")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(count, 0);

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
    let app = app(pool).await;
    let ana = app.seller("ana@example.com").await;
    let ben = app.seller("ben@example.com").await;
    let id: i64 = app.create(&ana, GOLF).await;
    let draft: i64 = app.create(&ana, &with(GOLF, &[("intent", "draft")])).await;

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
    let app = app(pool).await;
    let ana = app.seller("ana@example.com").await;
    let id: i64 = app.create(&ana, GOLF).await;

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
    let draft: i64 = app.create(&ana, &draft).await;
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
    let app = app(pool).await;
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
    let app = app(pool).await;
    let ana = app.seller("ana@example.com").await;
    let ben = app.seller("ben@example.com").await;
    let id: i64 = app.create(&ana, GOLF).await;
    let draft: i64 = app.create(&ana, &with(GOLF, &[("intent", "draft")])).await;

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
    let app = app(pool).await;
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
        ids.push(serde_json::from_str::<i64>(&body).unwrap());
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
        ["10,000 BGN", "12,000 BGN", "14,000 BGN", "16,000 BGN"]
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
    let left: Vec<i64> = serde_json::from_str(&reply.body).unwrap();
    assert_eq!(left, ids[1..4]);
}
