//! Search at scale: seeds a private Postgres (under `target/bench-search/`, kept between runs)
//! up to 1,000,000 listings, then runs a fixed, varied mix of searches (free text with typos,
//! 2-4 filters, facets, every sort, deep keyset pages) and reports p50/p95/p99/max for
//! the SQL alone (the page, then the total and facet counts as the server function gets
//! them: one grouping-sets pass plus one query per facet whose own filter is in use) and for the whole search (typo correction, resolution, shaping included).
//!
//!     cargo bench --bench search --features ssr            # 1,000,000 listings, 1,000 searches
//!     SCOUT_BENCH_LISTINGS=100000 cargo bench --bench search --features ssr
#![expect(clippy::unwrap_used, reason = "a benchmark: fail loudly")]

use leptos::prelude::LeptosOptions;
use rand::{Rng, SeedableRng, rngs::StdRng, seq::SliceRandom};
use scout::listings::model::ListingId;
use scout::{
    listings::{
        model::Money, repo, search::engine::Ask, search::query::SearchQuery, search::service,
    },
    server::{config::Config, embedded_pg::EmbeddedPostgres, seed, state::AppState},
};
use sqlx::postgres::PgPoolOptions;
use std::time::{Duration, Instant};

const TEXT: &[&str] = &[
    "golf",
    "volkswagn passat",
    "mercedez",
    "bmw x5",
    "octavia",
    "toyota corola",
    "audi a4 avant",
    "navigation",
    "климатик",
    "нов внос",
    "\"full history\"",
    "golf -diesel",
    "kashkai",
    "renualt megane",
    "sportage",
    "range rover",
    "fokus",
    "tdi",
    "hybrid",
    "БМВ",
    "vw",
    "merc e-class",
];
const SMART: &[&str] = &[
    "<25000",
    "2016+",
    "<180000km",
    ">150hp",
    "diesel",
    "automatic",
    "sofia 50km",
    "plovdiv",
    "2012-2018",
    "дизел",
    "до 15000 лв",
    "estate",
    "suv",
    "<8000€",
];
const MAKES: &[&str] = &[
    "volkswagen",
    "bmw",
    "mercedes-benz",
    "audi",
    "opel",
    "ford",
    "toyota",
    "skoda",
    "porsche",
    "dacia",
];
const FILTERS: &[&str] = &[
    "fuel=diesel",
    "fuel=petrol",
    "fuel=hybrid",
    "gearbox=automatic",
    "gearbox=manual",
    "body=suv",
    "body=estate",
    "year_min=2015",
    "year_max=2012",
    "price_max=20000",
    "price_min=30000",
    "km_max=100000",
    "hp_min=200",
    "city=sofia&radius=50",
    "city=varna",
    "seller=dealer",
    "equip=navigation",
    "colour=black",
    "within=7",
    "condition=used",
];
const SORTS: &[&str] = &[
    "relevance",
    "newest",
    "price_asc",
    "price_desc",
    "mileage",
    "year",
    "distance",
];

/// A fixed mix: the same searches every run.
fn searches(n: usize) -> Vec<String> {
    let mut rng = StdRng::seed_from_u64(42);
    (0..n)
        .map(|i| {
            let mut parts: Vec<String> = Vec::new();
            match i % 4 {
                0 => parts.push(format!(
                    "q={}",
                    scout::listings::search::query::encode_component(
                        TEXT.choose(&mut rng).unwrap()
                    )
                )),
                1 => {
                    let q = format!(
                        "{} {}",
                        MAKES.choose(&mut rng).unwrap().replace('-', " "),
                        SMART.choose(&mut rng).unwrap()
                    );
                    parts.push(format!(
                        "q={}",
                        scout::listings::search::query::encode_component(&q)
                    ));
                }
                2 => parts.push(format!("make={}", MAKES.choose(&mut rng).unwrap())),
                _ => {}
            }
            let how_many = rng.gen_range(2..=4);
            for f in FILTERS.choose_multiple(&mut rng, how_many) {
                parts.push((*f).to_string());
            }
            parts.push(format!("sort={}", SORTS.choose(&mut rng).unwrap()));
            if rng.gen_bool(0.2) {
                parts.push("size=100".into());
            }
            parts.join("&")
        })
        .collect()
}

/// Resident memory of this process, in MiB.
fn rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .unwrap_or(0.0)
        / 1024.0
}

fn percentiles(name: &str, times: &mut [Duration]) {
    times.sort();
    let at = |p: f64| {
        times[((times.len() as f64 * p).ceil() as usize)
            .saturating_sub(1)
            .min(times.len() - 1)]
    };
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "{name:<34} n={:<5} p50 {:>7.2} ms  p95 {:>7.2} ms  p99 {:>7.2} ms  max {:>8.2} ms  over 100 ms: {}",
        times.len(),
        ms(at(0.50)),
        ms(at(0.95)),
        ms(at(0.99)),
        ms(*times.last().unwrap()),
        times.iter().filter(|d| d.as_millis() > 100).count()
    );
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let target: i64 = std::env::var("SCOUT_BENCH_LISTINGS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let runs: usize = std::env::var("SCOUT_BENCH_SEARCHES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1000);
    let dir = std::path::PathBuf::from("target/bench-search");
    std::fs::create_dir_all(&dir)?;
    let pg = EmbeddedPostgres::start(&dir).await?;
    // auto_explain writes the plan (ANALYZE, BUFFERS) of every statement slower than
    // SCOUT_BENCH_EXPLAIN_MS (default 300) to target/bench-search/postgres/postgres.log
    let explain_ms: u64 = std::env::var("SCOUT_BENCH_EXPLAIN_MS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(300);
    let pool = PgPoolOptions::new()
        .max_connections(10)
        .after_connect(move |conn, _| {
            Box::pin(async move {
                use sqlx::Executor;
                conn.execute("load 'auto_explain'").await?;
                let set = format!(
                    "set auto_explain.log_min_duration = '{explain_ms}ms'; \
                     set auto_explain.log_analyze = on; set auto_explain.log_buffers = on"
                );
                conn.execute(set.as_str()).await?;
                Ok(())
            })
        })
        .connect(pg.url())
        .await?;
    sqlx::migrate!().run(&pool).await?;
    let options = LeptosOptions::builder()
        .output_name("scout")
        .site_root("target/site")
        .build();
    let mut config = Config::for_tests();
    config.data_dir = dir.clone();
    let state = AppState::new(pool.clone(), config, options)?;
    seed::seed_demo_accounts(&state, &dir).await?;
    let have: i64 = sqlx::query_scalar("select count(*) from listing")
        .fetch_one(&pool)
        .await?;
    if have < target {
        let started = Instant::now();
        let mut added = have;
        while added < target {
            let n = (target - added).min(50_000);
            seed::seed_demo_listings(&state, usize::try_from(n)?, u64::try_from(added)? + 1)
                .await?;
            added += n;
            eprintln!(
                "seeded {added} of {target} listings ({:.0} s)",
                started.elapsed().as_secs_f64()
            );
        }
        sqlx::query("vacuum analyze").execute(&pool).await?;
    }
    println!("{target} listings ({have} were there already), {runs} searches");

    let queries = searches(runs);
    let catalog = state.catalog().await.unwrap();
    let rss_before = rss_mib();
    let started = Instant::now();
    let engine = state.search_engine().await.unwrap();
    println!(
        "search index: built in {:.1} s, {} listings, about {:.0} MiB (process memory {:.0} MiB -> {:.0} MiB)",
        started.elapsed().as_secs_f64(),
        engine.read().len(),
        engine.read().heap_bytes() as f64 / 1024.0 / 1024.0,
        rss_before,
        rss_mib()
    );
    // warm the caches (as a running server would be)
    for q in queries.iter().take(100) {
        service::search(&state, &SearchQuery::from_query_string(q))
            .await
            .unwrap();
    }
    let (mut resolve, mut index, mut deep, mut cards, mut whole) =
        (vec![], vec![], vec![], vec![], vec![]);
    let mut slowest = (Duration::ZERO, String::new());
    let mut slowest_index = (Duration::ZERO, String::new());
    for qs in &queries {
        let query = SearchQuery::from_query_string(qs);
        let t = Instant::now();
        let f = service::resolve_filters(&state, &query).await.unwrap();
        resolve.push(t.elapsed());
        let bounds: Vec<i64> = scout::listings::search::filters::price_bounds(query.currency())
            .iter()
            .map(|&v| catalog.to_eur_minor(Money::new(v * 100, query.currency())))
            .collect();
        let facets = service::wanted_facets(&f);
        let ask = Ask {
            filters: &f,
            sort: query.sort,
            after: None,
            limit: usize::from(query.page_size) + 1,
            facets: &facets,
            price_bounds_eur: &bounds,
            now: time::OffsetDateTime::now_utc(),
        };
        let t = Instant::now();
        let found = engine.read().search(&ask);
        let elapsed = t.elapsed();
        index.push(elapsed);
        if elapsed > slowest_index.0 {
            slowest_index = (elapsed, qs.clone());
        }
        // deep keyset pages: follow the cursor five pages on (page + total + facets each)
        let mut page = found.page.clone();
        for _ in 0..5 {
            if page.len() < ask.limit {
                break;
            }
            let (id, key) = page[usize::from(query.page_size) - 1].clone();
            let t = Instant::now();
            let more = engine.read().search(&Ask {
                after: Some((key.as_str(), id)),
                ..ask
            });
            deep.push(t.elapsed());
            page = more.page;
        }
        let ids: Vec<ListingId> = found.page.iter().map(|(id, _)| ListingId(*id)).collect();
        let t = Instant::now();
        repo::cards_by_id(&pool, &ids, None).await.unwrap();
        cards.push(t.elapsed());
        let t = Instant::now();
        service::search(&state, &query).await.unwrap();
        let elapsed = t.elapsed();
        whole.push(elapsed);
        if elapsed > slowest.0 {
            slowest = (elapsed, qs.clone());
        }
    }
    percentiles("index: page + total + facets", &mut index);
    percentiles("index: a deeper keyset page", &mut deep);
    percentiles("SQL: typo lookup (resolve)", &mut resolve);
    percentiles("SQL: the page's cards by id", &mut cards);
    percentiles("whole search (server function)", &mut whole);
    println!(
        "slowest in the index: {:.2} ms for /search?{}",
        slowest_index.0.as_secs_f64() * 1000.0,
        slowest_index.1
    );
    println!(
        "slowest whole: {:.2} ms for /search?{}",
        slowest.0.as_secs_f64() * 1000.0,
        slowest.1
    );
    // the SQL of the slowest whole search again, every statement's plan logged
    let query = SearchQuery::from_query_string(&slowest.1);
    let mut conn = pool.acquire().await?;
    sqlx::query("set auto_explain.log_min_duration = 0")
        .execute(&mut *conn)
        .await?;
    let words = scout::listings::search::query::TextQuery::parse(&query.q).words;
    repo::corrections(&mut *conn, &words).await?;
    let f = service::resolve_filters(&state, &query).await.unwrap();
    let ids: Vec<ListingId> = engine
        .read()
        .search(&Ask {
            filters: &f,
            sort: query.sort,
            after: None,
            limit: usize::from(query.page_size) + 1,
            facets: &[],
            price_bounds_eur: &[],
            now: time::OffsetDateTime::now_utc(),
        })
        .page
        .iter()
        .map(|(id, _)| ListingId(*id))
        .collect();
    repo::cards_by_id(&mut *conn, &ids, None).await?;
    println!(
        "EXPLAIN (ANALYZE, BUFFERS) of its statements: the end of {}",
        pg.log_path().display()
    );
    drop(conn);
    pool.close().await;
    pg.stop().await
}
