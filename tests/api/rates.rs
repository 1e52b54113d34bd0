//! The rates job against a local stand-in for the European Central Bank: it serves the daily
//! reference rates document over HTTP as the ECB does, and the job fetches it through the
//! production path (`listings::rates`), which writes the rates, reprices listings in those
//! currencies and makes every conversion use them.

use crate::helpers::*;
use axum::{Router, http::header, routing::get};
use scout::listings::{model::Currency, rates, wire::ListingDetail};
use scout::server::config::Config;
use sqlx::PgPool;
use std::sync::{Arc, Mutex};

/// The ECB's daily document for `day`, with the rates of `rates` (as the ECB writes them; the
/// documents before 2026 also had the lev, which Scout must not take).
fn ecb_document(day: &str, rates: &[(&str, &str)]) -> String {
    let cubes: String = rates
        .iter()
        .map(|(c, r)| format!("\t\t\t<Cube currency='{c}' rate='{r}'/>\n"))
        .collect();
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<gesmes:Envelope xmlns:gesmes="http://www.gesmes.org/xml/2002-08-01" xmlns="http://www.ecb.int/vocabulary/2002-08-01/eurofxref">
	<gesmes:subject>Reference rates</gesmes:subject>
	<gesmes:Sender>
		<gesmes:name>European Central Bank</gesmes:name>
	</gesmes:Sender>
	<Cube>
		<Cube time='{day}'>
{cubes}		</Cube>
	</Cube>
</gesmes:Envelope>"#
    )
}

/// The stand-in: answers `GET /eurofxref-daily.xml` with whatever the test set (status, body).
struct Ecb {
    url: String,
    answer: Arc<Mutex<(u16, String)>>,
}

impl Ecb {
    async fn start(status: u16, body: String) -> Ecb {
        let answer = Arc::new(Mutex::new((status, body)));
        let shared = answer.clone();
        let app = Router::new().route(
            "/eurofxref-daily.xml",
            get(move || {
                let (status, body) = shared.lock().unwrap().clone();
                async move {
                    (
                        axum::http::StatusCode::from_u16(status).unwrap(),
                        [(header::CONTENT_TYPE, "text/xml")],
                        body,
                    )
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!(
            "http://{}/eurofxref-daily.xml",
            listener.local_addr().unwrap()
        );
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Ecb { url, answer }
    }

    fn answer(&self, status: u16, body: String) {
        *self.answer.lock().unwrap() = (status, body);
    }
}

type RateRow = (String, String, Option<time::Date>, String);

async fn rates_table(pool: &PgPool) -> Vec<RateRow> {
    sqlx::query_as("select code, per_eur::text, rate_date, source from currency order by code")
        .fetch_all(pool)
        .await
        .unwrap()
}

/// The table's market rates as of 1 November (the migrations date them the day they ran).
async fn rates_of_november(pool: &PgPool) {
    sqlx::query("update currency set rate_date = '2026-11-01' where source <> 'fixed'")
        .execute(pool)
        .await
        .unwrap();
}

const DEC_4: &[(&str, &str)] = &[
    ("USD", "1.0850"),
    ("JPY", "161.42"),
    ("BGN", "1.9558"),
    ("GBP", "0.84310"),
    ("RON", "5.0913"),
];

#[sqlx::test]
async fn the_days_rates_are_taken_and_the_fixed_ones_are_not(pool: PgPool) {
    let app = spawn_app(pool).await;
    rates_of_november(&app.pool).await;
    let ecb = Ecb::start(200, ecb_document("2026-12-04", DEC_4)).await;
    let before = rates_table(&app.pool).await;

    let mut changed = rates::fetch_and_apply(&app.state, &ecb.url).await.unwrap();
    changed.sort();
    assert_eq!(changed, ["GBP", "RON", "USD"]);
    let after = rates_table(&app.pool).await;
    let row = |code: &str| after.iter().find(|r| r.0 == code).cloned().unwrap();
    let day = Some(time::macros::date!(2026 - 12 - 04));
    assert_eq!(
        row("USD"),
        ("USD".into(), "1.085000".into(), day, "ecb".into())
    );
    assert_eq!(
        row("GBP"),
        ("GBP".into(), "0.843100".into(), day, "ecb".into())
    );
    assert_eq!(
        row("RON"),
        ("RON".into(), "5.091300".into(), day, "ecb".into())
    );
    // the lev's conversion rate and the euro stand; the yen is not Scout's
    for fixed in ["BGN", "EUR"] {
        assert_eq!(
            before.iter().find(|r| r.0 == fixed),
            after.iter().find(|r| r.0 == fixed)
        );
    }
    assert_eq!(after.len(), before.len());

    // the same day again changes nothing; an older day never moves a rate back
    assert!(
        rates::fetch_and_apply(&app.state, &ecb.url)
            .await
            .unwrap()
            .is_empty()
    );
    ecb.answer(200, ecb_document("2026-12-03", &[("USD", "1.0700")]));
    assert!(
        rates::fetch_and_apply(&app.state, &ecb.url)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(rates_table(&app.pool).await, after);
}

#[sqlx::test]
async fn a_document_that_cant_be_read_changes_nothing(pool: PgPool) {
    let app = spawn_app(pool).await;
    let before = rates_table(&app.pool).await;
    let ecb = Ecb::start(503, "<html>Service unavailable</html>".into()).await;
    let e = rates::fetch_and_apply(&app.state, &ecb.url)
        .await
        .unwrap_err();
    assert!(
        e.to_string().ends_with("answered 503 Service Unavailable"),
        "{e}"
    );
    for (body, why) in [
        (
            "<html><body>Maintenance</body></html>".to_string(),
            "no day of rates in the document",
        ),
        (
            ecb_document("2026-12-04", &[("USD", "1.0850"), ("GBP", "-0.84")]),
            "the rate of GBP (\"-0.84\") is not a positive number",
        ),
        (
            ecb_document("2026-13-04", &[("USD", "1.0850")]),
            "\"2026-13-04\" is not a day",
        ),
    ] {
        ecb.answer(200, body);
        let e = rates::fetch_and_apply(&app.state, &ecb.url)
            .await
            .unwrap_err();
        assert!(e.to_string().ends_with(why), "{e}");
    }
    // too long to be the daily rates
    ecb.answer(200, "x".repeat(300 * 1024));
    let e = rates::fetch_and_apply(&app.state, &ecb.url)
        .await
        .unwrap_err();
    assert!(e.to_string().ends_with("sent more than 256 KiB"), "{e}");
    // nothing listens there
    let e = rates::fetch_and_apply(&app.state, "http://127.0.0.1:9/eurofxref-daily.xml")
        .await
        .unwrap_err();
    assert!(
        e.to_string().starts_with("asking http://127.0.0.1:9/"),
        "{e}"
    );
    assert_eq!(
        rates_table(&app.pool).await,
        before,
        "a bad answer changes no rate"
    );
}

#[sqlx::test]
async fn the_job_makes_conversions_and_listings_follow_the_new_rate(pool: PgPool) {
    let ecb = Ecb::start(200, ecb_document("2026-12-04", DEC_4)).await;
    let mut config = Config::for_tests();
    config.rates_url = Some(ecb.url.clone());
    let app = spawn_app_with(pool, config).await;
    rates_of_november(&app.pool).await;
    let ana = app.seller("ana@example.com").await;
    let golf = app
        .create(
            &ana,
            &with(GOLF, &[("price", "10 000"), ("currency", "EUR")]),
        )
        .await;
    // a listing priced in dollars (from before Scout's form offered only EUR and BGN)
    let usd_listing = app
        .create(
            &ana,
            &with(GOLF, &[("price", "5 000"), ("currency", "EUR")]),
        )
        .await;
    sqlx::query("update listing set price_minor = 2170000, currency = 'USD' where listing_id = $1")
        .bind(usd_listing.0)
        .execute(&app.pool)
        .await
        .unwrap();
    let history = |pool: PgPool| async move {
        sqlx::query_scalar::<_, i64>(
            "select (select count(*) from listing_price) + (select count(*) from listing_event)",
        )
        .fetch_one(&pool)
        .await
        .unwrap()
    };
    let told = history(app.pool.clone()).await;
    // before: the migration's rate (1 EUR = 1.08 USD or whatever the table holds)
    let eur_minor = |pool: PgPool, id: i64| async move {
        sqlx::query_scalar::<_, i64>("select price_eur_minor from listing where listing_id = $1")
            .bind(id)
            .fetch_one(&pool)
            .await
            .unwrap()
    };
    // search compares by the euro amount: 21,700 USD at the table's rate is over 20,000 EUR
    let under_20000 = || async {
        app.state.search_synced().await.unwrap();
        let r: scout::listings::wire::SearchResults = app
            .get(
                "/api/listings/search?query=price_max%3D20000%26cur%3DEUR",
                None,
            )
            .await
            .json();
        r.cards.iter().any(|c| c.id == usd_listing)
    };
    assert!(!under_20000().await);
    let catalog = app.state.catalog().await.unwrap();
    assert!(
        !catalog
            .rate_line(Currency::Usd)
            .unwrap()
            .contains("4 December 2026")
    );

    let job = tokio::spawn(rates::run(app.state.clone()));
    // the job fetches at once, and the process reads the new rates when they changed
    let mut line = String::new();
    for _ in 0..100 {
        line = app
            .state
            .catalog()
            .await
            .unwrap()
            .rate_line(Currency::Usd)
            .unwrap();
        if line.contains("4 December 2026") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    job.abort();
    assert_eq!(line, "1 EUR = 1.085 USD, rate of 4 December 2026");

    // a listing's page converts at the new rate and says so
    let page: ListingDetail = app.detail(golf, None).await.json();
    let usd = page
        .buyer_prices
        .iter()
        .find(|p| p.price.currency == Currency::Usd)
        .unwrap();
    assert_eq!(usd.price.format(), "10,850 USD");
    assert_eq!(usd.basis, "rate of 4 December 2026");

    // the dollar listing is compared at the new rate: 21,700 USD / 1.085 = 20,000 EUR
    assert_eq!(eur_minor(app.pool.clone(), usd_listing.0).await, 2_000_000);
    assert!(
        under_20000().await,
        "the search index compares at the new rate"
    );
    // a new rate is no price change: no history, no alert
    assert_eq!(history(app.pool.clone()).await, told);
}
