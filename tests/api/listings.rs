//! Buyer search and listing pages through the real router, each test on its own migrated
//! database with generated listings: filters agree with SQL, keyset pages have no gaps or
//! duplicates while listings arrive, typos and aliases are forgiven, the smart box becomes
//! filters, facets count right, empty results say what to loosen, drafts stay private.

use axum::http::StatusCode;
use scout::accounts::model::AccountId;
use scout::listings::model::ListingId;
use scout::listings::{
    demo,
    search::query::encode_component,
    wire::{ListingDetail, SearchResults},
};
use sqlx::PgPool;
use std::collections::HashSet;

use crate::helpers::{Reply, TestApp, spawn_app};

async fn seller(pool: &PgPool, email: &str) -> AccountId {
    sqlx::query_scalar(
        "insert into account (email, password_hash) values ($1, 'x') returning account_id",
    )
    .bind(email)
    .fetch_one(pool)
    .await
    .unwrap()
}

/// The app over `pool` with `n` generated listings from two sellers.
async fn app_with_listings(pool: PgPool, n: usize) -> TestApp {
    let private = seller(&pool, "private@example.com").await;
    let dealer = seller(&pool, "dealer@example.com").await;
    demo::seed_listings(&pool, &[(private, "private"), (dealer, "dealer")], n, 7)
        .await
        .unwrap();
    spawn_app(pool).await
}

impl TestApp {
    /// Search results for a URL query string, through the public endpoint.
    async fn search(&self, qs: &str) -> SearchResults {
        self.get(
            &format!("/api/listings/search?query={}", encode_component(qs)),
            None,
        )
        .await
        .json()
    }

    async fn sql_count(&self, condition: &str) -> i64 {
        let sql = format!(
            "select count(*) from listing l left join vehicle_make mk on mk.make_id = l.make_id \
             where l.status = 'published' and {condition}"
        );
        sqlx::query_scalar(&sql)
            .fetch_one(&self.pool)
            .await
            .unwrap()
    }

    /// Every id of every page, following "next" links.
    async fn all_pages(&self, qs: &str) -> Vec<ListingId> {
        let mut ids = Vec::new();
        let mut next = Some(qs.to_string());
        while let Some(qs) = next {
            let r = self.search(&qs).await;
            ids.extend(r.cards.iter().map(|c| c.id));
            next = r.next.map(|n| n.trim_start_matches("/search?").to_string());
        }
        ids
    }
}

#[sqlx::test]
async fn filters_agree_with_sql(pool: PgPool) {
    let app = app_with_listings(pool, 600).await;
    let r = app.search("make=bmw&fuel=diesel").await;
    let expected = app.sql_count("mk.slug = 'bmw' and l.fuel = 'diesel'").await;
    assert!(expected > 0, "the generator should make diesel BMWs");
    assert_eq!(r.total, expected);
    assert!(r.cards.iter().all(|c| c.title.starts_with("BMW")));

    let r = app
        .search("year_min=2018&km_max=60000&gearbox=automatic")
        .await;
    let expected = app
        .sql_count("l.year >= 2018 and l.mileage_km <= 60000 and l.transmission = 'automatic'")
        .await;
    assert_eq!(r.total, expected);

    // a price limit in euros covers listings priced in leva too (through the peg)
    let r = app.search("price_max=10000&cur=EUR").await;
    let expected = app.sql_count("l.price_eur_minor <= 1000000").await;
    assert_eq!(r.total, expected);
    assert!(r.cards.iter().all(|c| {
        let eur = c.buyer_price.unwrap_or(c.price);
        eur.minor <= 1_000_000
    }));
}

#[sqlx::test]
async fn keyset_pages_have_no_gaps_or_duplicates_while_listings_arrive(pool: PgPool) {
    let app = app_with_listings(pool, 300).await;
    let qs = "sort=newest&make=volkswagen&make=opel&make=ford";
    let total = app.search(qs).await.total;
    assert!(total > 20, "need several pages, got {total}");

    // walk page by page, adding new listings between pages
    let mut seen = Vec::new();
    let mut next = Some(qs.to_string());
    let newcomer = seller(&app.pool, "newcomer@example.com").await;
    let mut round = 0;
    while let Some(page) = next {
        let r = app.search(&page).await;
        seen.extend(r.cards.iter().map(|c| c.id));
        next = r.next.map(|n| n.trim_start_matches("/search?").to_string());
        round += 1;
        demo::seed_listings(&app.pool, &[(newcomer, "private")], 5, round)
            .await
            .unwrap();
        // they are published now, as new listings are
        sqlx::query("update listing set published_at = now() where seller_id = $1")
            .bind(newcomer)
            .execute(&app.pool)
            .await
            .unwrap();
        // the index has both writes before the next page (as SQL would)
        app.state.search_synced().await.unwrap();
    }
    let unique: HashSet<ListingId> = seen.iter().copied().collect();
    assert_eq!(unique.len(), seen.len(), "a listing was shown twice");
    assert_eq!(
        i64::try_from(seen.len()).unwrap(),
        total,
        "every listing that existed at the start was shown once"
    );

    // the other sorts page cleanly too
    for sort in ["price_asc", "price_desc", "mileage", "year"] {
        let qs = format!("sort={sort}&size=50&make=bmw");
        let total = app.search(&qs).await.total;
        let ids = app.all_pages(&qs).await;
        let unique: HashSet<ListingId> = ids.iter().copied().collect();
        assert_eq!(unique.len(), ids.len(), "{sort}: duplicates");
        assert_eq!(i64::try_from(ids.len()).unwrap(), total, "{sort}: gaps");
    }
}

#[sqlx::test]
async fn typos_aliases_and_cyrillic_are_forgiven(pool: PgPool) {
    let app = app_with_listings(pool, 500).await;
    let exact = app.search("q=volkswagen+golf").await;
    assert!(exact.total > 0);
    let typo = app.search("q=volkswagn+golf").await;
    assert_eq!(typo.total, exact.total, "volkswagn = volkswagen");
    assert!(typo.cards.iter().all(|c| c.title.contains("Golf")));

    let bmw = app.search("make=bmw").await.total;
    assert_eq!(
        app.search("q=%D0%B1%D0%BC%D0%B2").await.total,
        bmw,
        "БМВ = BMW"
    );
    assert_eq!(
        app.search("q=mercedez").await.total,
        app.search("make=mercedes-benz").await.total
    );
    assert_eq!(
        app.search("q=vw").await.total,
        app.search("make=volkswagen").await.total
    );

    // prefix while typing
    assert_eq!(
        app.search("q=volksw").await.total,
        app.search("make=volkswagen").await.total
    );
}

#[sqlx::test]
async fn the_smart_box_becomes_filters_and_chips(pool: PgPool) {
    let app = app_with_listings(pool, 800).await;
    let r = app.search("q=bmw+diesel+%3C40000+2012%2B").await;
    let expected = app
        .sql_count(
            "mk.slug = 'bmw' and l.fuel = 'diesel' and l.year >= 2012 \
             and l.price_eur_minor <= 4000000",
        )
        .await;
    assert_eq!(r.total, expected);
    let labels: Vec<&str> = r.chips.iter().map(|c| c.label.as_str()).collect();
    assert_eq!(labels, ["BMW", "Diesel", "up to 40,000 EUR", "from 2012"]);
    // removing a chip removes just its token
    let price = &r.chips[2];
    assert_eq!(price.href, "/search?q=bmw+diesel+2012%2B");

    // "exact phrases" and -excluded words
    let r = app.search("q=golf+-diesel").await;
    assert!(r.total > 0);
    let diesel_golfs = app.search("q=golf+diesel").await.total;
    assert_eq!(r.total + diesel_golfs, app.search("q=golf").await.total);
}

#[sqlx::test]
async fn facets_count_every_value_under_the_other_filters(pool: PgPool) {
    let app = app_with_listings(pool, 500).await;
    let r = app.search("make=audi").await;
    let fuel = r.facets.iter().find(|g| g.title == "Fuel").unwrap();
    assert_eq!(fuel.values.iter().map(|v| v.count).sum::<i64>(), r.total);
    // the make facet ignores the make filter, so other makes can be added
    let makes = r.facets.iter().find(|g| g.title == "Make").unwrap();
    let bmw = makes.values.iter().find(|v| v.label == "BMW").unwrap();
    assert_eq!(bmw.count, app.search("make=bmw").await.total);
    assert!(!bmw.selected);
    assert!(makes.values.iter().any(|v| v.label == "Audi" && v.selected));
    // following a value's link applies it
    let diesel = fuel.values.iter().find(|v| v.label == "Diesel").unwrap();
    let followed = app.search(diesel.href.trim_start_matches("/search?")).await;
    assert_eq!(followed.total, diesel.count);
}

#[sqlx::test]
async fn empty_results_say_what_to_loosen(pool: PgPool) {
    let app = app_with_listings(pool, 400).await;
    let r = app.search("q=bmw+%3C300").await;
    assert_eq!(r.total, 0);
    let without_price = r
        .loosen
        .iter()
        .find(|l| l.without == "up to 300 EUR")
        .expect("a suggestion to drop the price limit");
    assert_eq!(without_price.count, app.search("make=bmw").await.total);
}

#[sqlx::test]
async fn radius_search_keeps_to_the_circle(pool: PgPool) {
    let app = app_with_listings(pool, 400).await;
    let r = app.search("city=plovdiv&radius=50&size=100").await;
    assert!(r.total > 0);
    let ids: Vec<ListingId> = r.cards.iter().map(|c| c.id).collect();
    let farthest: f64 = sqlx::query_scalar(
        "select max(earth_distance(ll_to_earth(l.latitude, l.longitude), ll_to_earth(c.latitude, c.longitude)))
         from listing l, city c where c.slug = 'plovdiv' and l.listing_id = any($1)",
    )
    .bind(&ids)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert!(farthest <= 50_000.0, "{farthest} m");
    // nearest first
    let r = app.search("city=plovdiv&sort=distance").await;
    assert_eq!(r.cards[0].city, "Plovdiv");
}

#[sqlx::test]
async fn bad_parameters_are_reported_not_fatal(pool: PgPool) {
    let app = app_with_listings(pool, 50).await;
    let r = app
        .search("year_min=soon&fuel=steam&make=trabant&after=garbage")
        .await;
    assert_eq!(r.total, app.sql_count("true").await);
    assert!(r.ignored.iter().any(|i| i == "year_min=soon"));
    assert!(r.ignored.iter().any(|i| i == "fuel=steam"));
    assert!(r.ignored.iter().any(|i| i == "make=trabant"));
    assert!(r.ignored.iter().any(|i| i.starts_with("after")));
    // a cursor from a numeric sort on a date sort is refused, not a 500
    let r = app.search("sort=newest&after=1.5~3").await;
    assert!(r.ignored.iter().any(|i| i.starts_with("after")));
}

#[sqlx::test]
async fn drafts_are_private_and_price_drops_show(pool: PgPool) {
    let app = app_with_listings(pool, 20).await;
    let id: i64 = sqlx::query_scalar(
        "select listing_id from listing where status = 'published' order by listing_id limit 1",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    sqlx::query("update listing set price_minor = price_minor - 100 where listing_id = $1")
        .bind(id)
        .execute(&app.pool)
        .await
        .unwrap();
    let Reply { status, body, .. } = app.get(&format!("/api/listings/get?id={id}"), None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let detail: ListingDetail = serde_json::from_str(&body).unwrap();
    let last = detail.history.last().unwrap();
    assert_eq!(last.change, Some(-100));
    assert_eq!(detail.dropped_from.unwrap().minor, detail.price.minor + 100);

    sqlx::query("update listing set status = 'draft' where listing_id = $1")
        .bind(id)
        .execute(&app.pool)
        .await
        .unwrap();
    let Reply { status, .. } = app.get(&format!("/api/listings/get?id={id}"), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let Reply { status, .. } = app.get("/api/listings/get?id=999999999", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[sqlx::test]
async fn pages_render_without_javascript(pool: PgPool) {
    let app = app_with_listings(pool, 30).await;
    let Reply {
        status, body: html, ..
    } = app
        .get("/search?q=diesel&sort=price_asc", Some("scout_lang=bg"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("<html lang=\"bg\""), "{html}");
    assert!(html.contains("aria-label=\"Резултати\""), "{html}");
    // the language the switch chose (its cookie)
    let Reply {
        status, body: html, ..
    } = app
        .get("/search?q=diesel&sort=price_asc", Some("scout_lang=en"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("<html lang=\"en\""), "{html}");
    assert!(
        html.contains("aria-label=\"Remove filter: Diesel\""),
        "{html}"
    );
    assert!(html.contains("aria-label=\"Results\""));
    let id: i64 =
        sqlx::query_scalar("select listing_id from listing where status = 'published' limit 1")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    let Reply {
        status, body: html, ..
    } = app.get(&format!("/listings/{id}"), None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("application/ld+json"));
    assert!(html.contains("\"@type\":\"Car\""));
    assert!(html.contains("rel=\"canonical\""));
    let Reply { status, .. } = app.get("/listings/123456789", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[sqlx::test]
async fn robots_and_sitemaps_list_published_listings(pool: PgPool) {
    let app = app_with_listings(pool, 40).await;
    let Reply {
        status,
        body: robots,
        ..
    } = app.get("/robots.txt", None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(robots.contains("Sitemap: http://127.0.0.1:3000/sitemap.xml"));
    let Reply {
        status,
        body: index,
        ..
    } = app.get("/sitemap.xml", None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        index.contains("<loc>http://127.0.0.1:3000/sitemaps/listings-0.xml</loc>"),
        "{index}"
    );
    let Reply { body: urls, .. } = app.get("/sitemaps/listings-0.xml", None).await;
    let published: i64 = app.sql_count("true").await;
    assert_eq!(
        i64::try_from(urls.matches("<url>").count()).unwrap(),
        published
    );
    let draft: i64 = sqlx::query_scalar("update listing set status = 'draft' where listing_id = (select min(listing_id) from listing where status = 'published') returning listing_id")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let Reply { body: urls, .. } = app.get("/sitemaps/listings-0.xml", None).await;
    assert!(!urls.contains(&format!("/listings/{draft}<")));
    let Reply { status, .. } = app.get("/sitemaps/listings-99.xml", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

/// Random searches of every kind: free text (typos, prefixes, phrases, exclusions), every
/// filter, every sort, radius. The search index must give exactly what plain SQL over the
/// same table gives: the total, every facet's counts, and the first two pages in order.
#[sqlx::test]
async fn the_index_answers_exactly_what_sql_answers(pool: PgPool) {
    use rand::{Rng, SeedableRng, rngs::StdRng, seq::SliceRandom};
    use scout::listings::{
        repo::{self, Cursor},
        search::engine::Ask,
        search::facets::Vocab,
        search::filters::{Facet, price_bounds},
        search::query::{SearchQuery, Sort},
        search::service,
    };
    let private = seller(&pool, "p@example.com").await;
    let dealer = seller(&pool, "d@example.com").await;
    demo::seed_listings(&pool, &[(private, "private"), (dealer, "dealer")], 1500, 11)
        .await
        .unwrap();
    let state = spawn_app(pool.clone()).await.state;
    let engine = state.search_engine().await.unwrap();
    // changes after the build arrive as notifications: some price drops, some unpublished
    sqlx::query("update listing set price_minor = price_minor * 9 / 10 where listing_id % 7 = 0")
        .execute(&pool)
        .await
        .unwrap();
    sqlx::query(
        "update listing set status = 'sold' where listing_id % 11 = 0 and status = 'published'",
    )
    .execute(&pool)
    .await
    .unwrap();
    demo::seed_listings(&pool, &[(dealer, "dealer")], 100, 12)
        .await
        .unwrap();
    state.search_synced().await.unwrap();
    assert!(engine.read().dead() > 0, "changed listings left dead slots");
    // half the rounds run on the patched index, half on a rebuilt one (no dead slots)

    let text = [
        "golf",
        "volkswagn passat",
        "mercedez",
        "bmw x5",
        "octavia",
        "toyota corola",
        "audi a4",
        "navigation",
        "климатик",
        "\"full service\"",
        "golf -diesel",
        "-diesel",
        "tdi",
        "hybrid",
        "БМВ",
        "vw",
        "merc",
        "fo",
        "a",
    ];
    let filters = [
        "fuel=diesel",
        "fuel=petrol",
        "fuel=hybrid",
        "gearbox=automatic",
        "gearbox=manual",
        "body=suv",
        "body=estate",
        "year_min=2015",
        "year_max=2012",
        "year_min=2008&year_max=2016",
        "price_max=20000",
        "price_min=30000",
        "price_min=5000&price_max=15000&cur=EUR",
        "km_max=100000",
        "hp_min=200",
        "hp_max=120",
        "city=sofia&radius=50",
        "city=plovdiv&radius=120",
        "city=varna",
        "seller=dealer",
        "equip=navigation",
        "colour=black",
        "within=30",
        "condition=used",
        "make=bmw",
        "make=bmw&make=audi",
        "model=volkswagen-golf",
        "make=audi&model=bmw-x5",
        "photos=1",
    ];
    let sorts = [
        "relevance",
        "newest",
        "price_asc",
        "price_desc",
        "mileage",
        "year",
        "distance",
    ];
    let mut rng = StdRng::seed_from_u64(5);
    let catalog = state.catalog().await.unwrap();
    for round in 0..160 {
        if round == 80 {
            engine.rebuild().await;
            assert_eq!(engine.read().dead(), 0, "a rebuild reclaims every slot");
        }
        let mut parts: Vec<String> = Vec::new();
        if rng.gen_bool(0.5) {
            parts.push(format!(
                "q={}",
                encode_component(text.choose(&mut rng).unwrap())
            ));
        }
        let how_many = rng.gen_range(0..=3);
        for f in filters.choose_multiple(&mut rng, how_many) {
            parts.push((*f).to_string());
        }
        parts.push(format!("sort={}", sorts.choose(&mut rng).unwrap()));
        let qs = parts.join("&");
        let query = SearchQuery::from_query_string(&qs);
        let f = service::resolve_filters(&state, &query).await.unwrap();
        let bounds: Vec<i64> = price_bounds(query.currency())
            .iter()
            .map(|&v| {
                catalog.to_eur_minor(scout::listings::model::Money::new(
                    v * 100,
                    query.currency(),
                ))
            })
            .collect();
        let now = time::OffsetDateTime::now_utc();
        // every vocabulary is counted here, also those the page shows no counts for
        let every_facet: Vec<Facet> = [Facet::Make, Facet::Model, Facet::Year, Facet::Price]
            .into_iter()
            .chain(Vocab::ALL.map(Facet::Vocab))
            .collect();
        let ask = Ask {
            filters: &f,
            sort: query.sort,
            after: None,
            limit: 8,
            facets: &every_facet,
            price_bounds_eur: &bounds,
            now,
        };
        let found = engine.read().search(&ask);
        assert_eq!(
            found.total,
            repo::count(&pool, &f).await.unwrap(),
            "{qs}: total"
        );
        for (facet, mut values) in found.facets.clone() {
            let mut expected = repo::facet_counts(&pool, &f, facet, &bounds).await.unwrap();
            expected.sort();
            values.sort();
            assert_eq!(values, expected, "{qs}: {facet:?} (round {round})");
        }
        // relevance ranks differently by design (title matches first, then newest)
        if query.sort == Sort::Relevance && f.text.is_some() {
            continue;
        }
        let page = |rows: Vec<repo::CardRow>| rows.iter().map(|r| r.listing_id).collect::<Vec<_>>();
        let sql_first = page(
            repo::search_page(&pool, &f, query.sort, None, 8)
                .await
                .unwrap(),
        );
        let ids: Vec<ListingId> = found.page.iter().map(|(id, _)| ListingId(*id)).collect();
        assert_eq!(ids, sql_first, "{qs}: first page");
        if let Some((id, key)) = found.page.last() {
            let next = engine.read().search(&Ask {
                after: Some((key.as_str(), *id)),
                ..ask
            });
            let cursor = repo::search_page(&pool, &f, query.sort, None, 8)
                .await
                .unwrap()
                .last()
                .and_then(|r| r.sort_key.clone())
                .map(|key| Cursor { key, id: *id })
                .unwrap();
            let sql_next = page(
                repo::search_page(&pool, &f, query.sort, Some(&cursor), 8)
                    .await
                    .unwrap(),
            );
            let ids: Vec<ListingId> = next.page.iter().map(|(id, _)| ListingId(*id)).collect();
            assert_eq!(ids, sql_next, "{qs}: second page");
        }
    }
}

/// A search link carrying thousands of values costs no more than one carrying a few hundred:
/// the page and the API read at most 20 makes, 50 models and 300 parameters and name the rest
/// as not applied, so their size stops growing with the link (it grew with its square before).
#[sqlx::test]
async fn a_search_link_of_any_length_costs_no_more_than_one_past_the_caps(pool: PgPool) {
    let app = app_with_listings(pool, 40).await;
    let link = |n: usize| -> String {
        (0..n)
            .flat_map(|i| [format!("make=m{i}"), format!("model=m{i}-x")])
            .collect::<Vec<_>>()
            .join("&")
    };
    let mut sizes = Vec::new();
    // 10 and 30 times the caps (1,500 pairs is near the longest link a request line takes)
    for n in [500, 1_500] {
        let page = app.get(&format!("/search?{}", link(n)), None).await;
        assert_eq!(page.status, StatusCode::OK);
        let api = app
            .get(
                &format!("/api/listings/search?query={}", encode_component(&link(n))),
                None,
            )
            .await;
        assert_eq!(api.status, StatusCode::OK);
        let results: SearchResults = api.json();
        assert!(
            results
                .ignored
                .iter()
                .any(|i| i.contains("more (a search takes up to")),
            "{:?}",
            results.ignored
        );
        sizes.push((page.body.len(), api.body.len()));
    }
    // three times the values: the same size but for the digits of one count
    let [(page, api), (page_3x, api_3x)] = sizes[..] else {
        unreachable!()
    };
    assert!(page.abs_diff(page_3x) < 64, "{sizes:?}");
    assert!(api.abs_diff(api_3x) < 64, "{sizes:?}");
}

/// Property: over random parameter lists (known makes, models and equipment, made-up ones,
/// ranges, repeats, junk names), the page and the API grow at most linearly with the link;
/// the part that grows faster (a chip per known value, each linking to the rest) stops at
/// the caps. Made-up values get no chip: they are listed as not applied.
#[sqlx::test]
async fn search_pages_grow_at_most_linearly_with_their_links(pool: PgPool) {
    use rand::{Rng, SeedableRng, seq::SliceRandom};
    let app = app_with_listings(pool, 20).await;
    let catalog = app.state.catalog().await.unwrap();
    let makes: Vec<String> = catalog.makes.iter().map(|m| m.slug.clone()).collect();
    let models: Vec<String> = catalog.models.iter().map(|m| m.slug.clone()).collect();
    let equipment: Vec<String> = catalog.equipment.iter().map(|e| e.slug.clone()).collect();
    let mut rng = rand::rngs::StdRng::seed_from_u64(16);
    for case in 0..24 {
        let n = rng.gen_range(0..600);
        let pairs: Vec<String> = (0..n)
            .map(|i| match rng.gen_range(0..8) {
                0 => format!("make={}", makes.choose(&mut rng).unwrap()),
                1 => format!("model={}", models.choose(&mut rng).unwrap()),
                2 => format!("equip={}", equipment.choose(&mut rng).unwrap()),
                3 => format!("make=made-up-{i}"),
                4 => format!("equip=gold-plated-{i}"),
                5 => format!("price_max={}", rng.gen_range(1..100_000)),
                6 => format!("q=golf{i}"),
                _ => format!("x{i}=y"),
            })
            .collect();
        let link = pairs.join("&");
        let page = app.get(&format!("/search?{link}"), None).await;
        assert_eq!(page.status, StatusCode::OK, "case {case}");
        let api = app
            .get(
                &format!("/api/listings/search?query={}", encode_component(&link)),
                None,
            )
            .await;
        assert_eq!(api.status, StatusCode::OK, "case {case}");
        let results: SearchResults = api.json();
        for chip in &results.chips {
            assert!(
                !chip.label.contains("made-up") && !chip.label.contains("gold-plated"),
                "{chip:?}"
            );
        }
        // a constant for the capped part, then a few bytes out per byte in
        let bound = 1_200_000 + 16 * link.len();
        assert!(
            page.body.len() < bound,
            "case {case}: {} bytes for {} in",
            page.body.len(),
            link.len()
        );
        assert!(
            api.body.len() < bound,
            "case {case}: {} bytes for {} in",
            api.body.len(),
            link.len()
        );
    }
}

/// Found by `scripts/fuzz.sh`: a `%` and a digit before a character of several bytes cut that
/// character in two while decoding, and the request died with a panic.
#[sqlx::test]
async fn a_stray_percent_before_cyrillic_is_read_as_text(pool: PgPool) {
    let app = app_with_listings(pool, 5).await;
    let reply = app
        .get(
            &format!("/api/listings/search?query={}", encode_component("q=%2д")),
            None,
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let page = app.get("/search?q=%252%D0%B4", None).await;
    assert_eq!(page.status, StatusCode::OK);
}
