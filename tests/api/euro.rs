//! Bulgaria's changeover to the euro: listings priced in leva before it become euro as the
//! changeover converted prices, and a seller who types leva today gets euro.

use crate::helpers::*;
use scout::listings::wire::ListingDetail;
use sqlx::PgPool;

const EURO_MIGRATION: i64 = 20261211000001;

/// Every migration before the euro's, as a database had them on the day before.
fn before_the_euro() -> sqlx::migrate::Migrator {
    let mut m = sqlx::migrate!();
    m.migrations = m
        .migrations
        .iter()
        .filter(|x| x.version < EURO_MIGRATION)
        .cloned()
        .collect::<Vec<_>>()
        .into();
    m
}

#[sqlx::test(migrations = false)]
async fn listings_in_leva_become_euro_at_the_fixed_rate(pool: PgPool) {
    before_the_euro().run(&pool).await.unwrap();
    let seller: uuid::Uuid = sqlx::query_scalar(
        "insert into account (email, password_hash) values ('seller@example.com', 'x') returning account_id",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    let city: i32 = sqlx::query_scalar("select city_id from city where slug = 'sofia'")
        .fetch_one(&pool)
        .await
        .unwrap();
    let insert = |price: i64, currency: &'static str| {
        let pool = pool.clone();
        async move {
            sqlx::query_scalar::<_, i64>(
                "insert into listing (seller_id, category, status, title, price_minor, currency, city_id, latitude, longitude, published_at)
                 values ($1, 'other', 'published', 'Bicycle', $2, $3, $4, 42.7, 23.3, now()) returning listing_id",
            )
            .bind(seller)
            .bind(price)
            .bind(currency)
            .bind(city)
            .fetch_one(&pool)
            .await
            .unwrap()
        }
    };
    // 29,337.45 leva is exactly 15,000 euro; 12,500 leva is 6,391.149... euro
    let exact = insert(2_933_745, "BGN").await;
    let golf = insert(1_250_000, "BGN").await;
    let euro = insert(990_000, "EUR").await;
    // a drop on the Golf, from 13,000 leva: a badge, and a history of 12,500, 13,000, 12,500
    sqlx::query("update listing set price_minor = 1300000 where listing_id = $1")
        .bind(golf)
        .execute(&pool)
        .await
        .unwrap();
    sqlx::query("update listing set price_minor = 1250000 where listing_id = $1")
        .bind(golf)
        .execute(&pool)
        .await
        .unwrap();
    let before: i64 = sqlx::query_scalar("select count(*) from listing_event")
        .fetch_one(&pool)
        .await
        .unwrap();
    let rule = |search: &'static str| {
        let pool = pool.clone();
        async move {
            sqlx::query_scalar::<_, i64>(
                "insert into alert_rule (account_id, name, search) values ($1, 'x', $2) returning rule_id",
            )
            .bind(seller)
            .bind(search)
            .fetch_one(&pool)
            .await
            .unwrap()
        }
    };
    let in_leva = rule("q=golf+%3C15000").await;
    let empty = rule("").await;
    let in_euro = rule("make=bmw&cur=EUR").await;

    sqlx::migrate!().run(&pool).await.unwrap();

    let price = |id: i64| {
        let pool = pool.clone();
        async move {
            sqlx::query_as::<_, (i64, String, i64, Option<i64>)>(
                "select price_minor, currency, price_eur_minor, previous_price_minor from listing where listing_id = $1",
            )
            .bind(id)
            .fetch_one(&pool)
            .await
            .unwrap()
        }
    };
    assert_eq!(
        price(exact).await,
        (1_500_000, "EUR".into(), 1_500_000, None)
    );
    assert_eq!(
        price(golf).await,
        (639_115, "EUR".into(), 639_115, Some(664_679)),
        "12,500 leva are 6,391.15 euro; the 13,000 it dropped from are 6,646.79"
    );
    assert_eq!(price(euro).await, (990_000, "EUR".into(), 990_000, None));
    let history: Vec<(i64, String)> = sqlx::query_as(
        "select price_minor, currency from listing_price where listing_id = $1 order by changed_at, price_minor",
    )
    .bind(golf)
    .fetch_all(&pool)
    .await
    .unwrap();
    assert!(
        history
            == [
                (639_115, "EUR".into()),
                (664_679, "EUR".into()),
                (639_115, "EUR".into())
            ],
        "{history:?}"
    );
    let after: i64 = sqlx::query_scalar("select count(*) from listing_event")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(after, before, "a conversion is no price drop and no news");

    let search = |id: i64| {
        let pool = pool.clone();
        async move {
            sqlx::query_scalar::<_, String>("select search from alert_rule where rule_id = $1")
                .bind(id)
                .fetch_one(&pool)
                .await
                .unwrap()
        }
    };
    // alerts saved when prices were read in leva keep meaning leva
    assert_eq!(search(in_leva).await, "q=golf+%3C15000&cur=BGN");
    assert_eq!(search(empty).await, "cur=BGN");
    assert_eq!(search(in_euro).await, "make=bmw&cur=EUR");

    // the lev's rate is the conversion rate: nobody changes it
    let changed = sqlx::query("update currency set per_eur = 2 where code = 'BGN'")
        .execute(&pool)
        .await;
    assert!(changed.unwrap_err().to_string().contains("fixed"));
}

#[sqlx::test]
async fn a_price_typed_in_leva_is_kept_in_euro(pool: PgPool) {
    let app = spawn_app(pool).await;
    let ana = app.seller("ana@example.com").await;
    let id = app
        .create(
            &ana,
            &with(GOLF, &[("price", "12 500"), ("currency", "BGN")]),
        )
        .await;
    let page: ListingDetail = serde_json::from_str(&app.detail(id, None).await.body).unwrap();
    assert_eq!(page.price.format(), "6,391.15 EUR");
    let leva = page
        .buyer_prices
        .iter()
        .find(|p| p.price.currency.code() == "BGN")
        .unwrap();
    // back in leva, rounded to the lev
    assert_eq!(leva.price.format(), "12,500 BGN");
    assert_eq!(leva.basis, "fixed rate 1.95583");
    let usd = page
        .buyer_prices
        .iter()
        .find(|p| p.price.currency.code() == "USD")
        .unwrap();
    assert!(usd.basis.starts_with("rate of "), "{}", usd.basis);
    // the buyer's currency first
    let page: ListingDetail = serde_json::from_str(
        &app.get(&format!("/api/listings/get?id={id}&cur=GBP"), None)
            .await
            .body,
    )
    .unwrap();
    assert_eq!(page.buyer_prices[0].price.currency.code(), "GBP");
}

/// Search results for a URL query string as `cookie`'s owner (None: signed out) gets them.
async fn search_as(
    app: &TestApp,
    cookie: Option<&str>,
    qs: &str,
) -> scout::listings::wire::SearchResults {
    let reply = app
        .get(
            &format!(
                "/api/listings/search?query={}",
                scout::listings::search::query::encode_component(qs)
            ),
            cookie,
        )
        .await;
    assert_eq!(reply.status, axum::http::StatusCode::OK, "{}", reply.body);
    reply.json()
}

/// A listing's page with `cur=` in its address.
async fn detail_in(
    app: &TestApp,
    id: scout::listings::model::ListingId,
    cur: &str,
    cookie: Option<&str>,
) -> ListingDetail {
    app.get(&format!("/api/listings/get?id={id}&cur={cur}"), cookie)
        .await
        .json()
}

#[sqlx::test]
async fn a_persons_own_currency_applies_where_the_address_names_none(pool: PgPool) {
    let app = spawn_app(pool).await;
    let ana = app.seller("ana@example.com").await;
    // 10,000 euro are 19,558.30 leva
    let golf = app
        .create(
            &ana,
            &with(GOLF, &[("price", "10 000"), ("currency", "EUR")]),
        )
        .await;
    let bo = app.seller("bo@example.com").await;
    let ids = |r: &scout::listings::wire::SearchResults| -> Vec<_> {
        r.cards.iter().map(|c| c.id).collect()
    };

    // until Bo chooses, the euro
    let r = search_as(&app, Some(&bo), "price_max=19000").await;
    assert_eq!(r.currency.code(), "EUR");
    assert_eq!(ids(&r), [golf]);

    let saved = app
        .post(
            "/api/listings/save_display_currency",
            form(&[("currency", "BGN")]),
            Some(&bo),
        )
        .await;
    assert_eq!(saved.status, axum::http::StatusCode::OK, "{}", saved.body);
    assert!(saved.body.contains("BGN (Bulgarian lev)"), "{}", saved.body);

    // Bo's filters and prices are in leva now: 19,000 leva is less than the Golf's price
    let r = search_as(&app, Some(&bo), "price_max=19000").await;
    assert_eq!(r.currency.code(), "BGN");
    assert!(ids(&r).is_empty(), "{:?}", ids(&r));
    let r = search_as(&app, Some(&bo), "price_max=20000").await;
    assert_eq!(ids(&r), [golf]);
    assert_eq!(
        r.cards[0].buyer_price.map(|m| m.format()).as_deref(),
        Some("19,558 BGN")
    );
    // the smart box reads a bare number in Bo's currency too
    let r = search_as(&app, Some(&bo), "q=%3C19000").await;
    assert!(ids(&r).is_empty(), "{:?}", ids(&r));
    // an address that names a currency wins, for Bo as for anyone
    let r = search_as(&app, Some(&bo), "price_max=19000&cur=EUR").await;
    assert_eq!((r.currency.code(), ids(&r)), ("EUR", vec![golf]));
    // nobody else is touched by Bo's choice
    let r = search_as(&app, None, "price_max=19000").await;
    assert_eq!((r.currency.code(), ids(&r)), ("EUR", vec![golf]));
    let r = search_as(&app, Some(&ana), "price_max=19000").await;
    assert_eq!((r.currency.code(), ids(&r)), ("EUR", vec![golf]));

    // a listing's converted prices: Bo's currency first, with its basis
    let page: ListingDetail = app.detail(golf, Some(&bo)).await.json();
    assert_eq!(page.buyer_prices[0].price.format(), "19,558 BGN");
    assert_eq!(page.buyer_prices[0].basis, "fixed rate 1.95583");
    // the address wins here too
    let page = detail_in(&app, golf, "GBP", Some(&bo)).await;
    assert_eq!(page.buyer_prices[0].price.currency.code(), "GBP");
    // anyone else reads the euro's order
    let page: ListingDetail = app.detail(golf, None).await.json();
    assert_eq!(
        page.buyer_prices,
        detail_in(&app, golf, "EUR", None).await.buyer_prices
    );

    // the Settings section: the choice and each rate with its day
    let mine: scout::listings::preference::CurrencyChoice = app
        .get("/api/listings/my_display_currency", Some(&bo))
        .await
        .json();
    assert_eq!(mine.chosen.code(), "BGN");
    let lines: Vec<String> = mine.rates.into_iter().filter_map(|(_, l)| l).collect();
    assert!(
        lines.contains(&"1 EUR = 1.95583 BGN, fixed".to_string()),
        "{lines:?}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("1 EUR = 5.09 RON, rate of ")),
        "{lines:?}"
    );
}

#[sqlx::test]
async fn a_display_currency_must_be_one_scout_offers_and_needs_a_person(pool: PgPool) {
    let app = spawn_app(pool).await;
    let bo = app.seller("bo@example.com").await;
    for bad in ["XYZ", "", "bgn; drop table account"] {
        let reply = app
            .post(
                "/api/listings/save_display_currency",
                form(&[("currency", bad)]),
                Some(&bo),
            )
            .await;
        assert_eq!(
            reply.error().field("currency").as_deref(),
            Some("Choose one of EUR, BGN, USD, RON, GBP."),
            "{bad:?}: {}",
            reply.body
        );
    }
    let mine: scout::listings::preference::CurrencyChoice = app
        .get("/api/listings/my_display_currency", Some(&bo))
        .await
        .json();
    assert_eq!(
        mine.chosen.code(),
        "EUR",
        "a refused choice changes nothing"
    );

    let reply = app
        .post(
            "/api/listings/save_display_currency",
            form(&[("currency", "USD")]),
            None,
        )
        .await;
    assert_eq!(reply.status, axum::http::StatusCode::UNAUTHORIZED);
    let reply = app.get("/api/listings/my_display_currency", None).await;
    assert_eq!(reply.status, axum::http::StatusCode::UNAUTHORIZED);
}
