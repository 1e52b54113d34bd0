//! The index against the plain definitions: every value checked, every listing measured.

#![expect(clippy::unwrap_used, reason = "tests")]

use super::*;
use rand::{Rng, SeedableRng, rngs::StdRng};

fn row(rng: &mut StdRng, listing_id: i64) -> Row {
    let year = rng.gen_range(1995..2026);
    Row {
        listing_id,
        make_id: Some(rng.gen_range(1..6)),
        model_id: Some(rng.gen_range(1..20)),
        year: rng.gen_bool(0.95).then_some(year),
        price_eur_minor: rng.gen_range(50_000..5_000_000),
        mileage_km: rng.gen_bool(0.9).then(|| rng.gen_range(0..400_000)),
        power_hp: Some(rng.gen_range(60..400)),
        fuel: Some(["diesel", "petrol", "hybrid"][rng.gen_range(0..3)].into()),
        transmission: Some(["manual", "automatic"][rng.gen_range(0..2)].into()),
        body: None,
        colour: None,
        condition: "used".into(),
        seller_type: "private".into(),
        city_id: 1,
        // a spread of points around Sofia, some far
        latitude: 42.7 + rng.gen_range(-1.5..1.5),
        longitude: 23.3 + rng.gen_range(-2.0..2.0),
        equipment: Vec::new(),
        photo_count: 0,
        published_at: Some(
            OffsetDateTime::UNIX_EPOCH + time::Duration::days(rng.gen_range(19_000..20_000)),
        ),
        updated_at: OffsetDateTime::UNIX_EPOCH,
        search_text: format!("'car':1A 'word{}':2C", rng.gen_range(0..5)),
    }
}

fn index(n: i64, seed: u64) -> (Index, Vec<Row>) {
    let mut rng = StdRng::seed_from_u64(seed);
    let rows: Vec<Row> = (1..=n).map(|id| row(&mut rng, id)).collect();
    (
        Index::build(&rows, &[1_000_000, 2_000_000], HashMap::new()),
        rows,
    )
}

#[test]
fn tsvector_text_is_read_with_quotes_positions_and_weights() {
    let mut seen = Vec::new();
    parse_tsvector(
        r"'golf':1A,5 'it''s':3B 'back\\slash':4 'x5':2A 'nopos'",
        |w, p| seen.push((w.to_string(), p.to_vec())),
    );
    assert_eq!(
        seen,
        vec![
            ("golf".into(), vec![(1, 0), (5, 3)]),
            ("it's".into(), vec![(3, 1)]),
            ("back\\slash".into(), vec![(4, 3)]),
            ("x5".into(), vec![(2, 0)]),
            ("nopos".into(), vec![]),
        ]
    );
}

#[test]
fn numeric_ranges_equal_checking_every_value() {
    let mut rng = StdRng::seed_from_u64(3);
    let values: Vec<Option<i64>> = (0..5000)
        .map(|_| rng.gen_bool(0.9).then(|| rng.gen_range(-50..1000)))
        .collect();
    let mut column = Numeric::new(&values, &[100, 250], 16);
    for (d, v) in values.iter().enumerate() {
        column.push(u32::try_from(d).unwrap(), *v);
    }
    for _ in 0..300 {
        let within: RoaringBitmap = (0..5000u32).filter(|_| rng.gen_bool(0.7)).collect();
        let min = rng.gen_bool(0.7).then(|| rng.gen_range(-100..1100));
        let max = rng.gen_bool(0.7).then(|| rng.gen_range(-100..1100));
        let expected: RoaringBitmap = within
            .iter()
            .filter(|d| {
                values[*d as usize]
                    .is_some_and(|v| min.is_none_or(|m| v >= m) && max.is_none_or(|m| v <= m))
            })
            .collect();
        assert_eq!(
            column.range(min, max, &within),
            expected,
            "{min:?}..={max:?}"
        );
    }
    let all: RoaringBitmap = (0..5000u32).collect();
    let bounds = [0, 100, 250, 333];
    let counts = column.bucket_counts(&bounds, &all);
    for (bucket, n) in counts {
        let b = bucket as usize;
        let expected = values
            .iter()
            .flatten()
            .filter(|v| (b == 0 || **v >= bounds[b - 1]) && (b == bounds.len() || **v < bounds[b]))
            .count();
        assert_eq!(n, expected as u64, "bucket {bucket}");
    }
}

/// Every sort, from every kind of cursor, on sets dense and sparse: the walk along the
/// sorted order and the sort of the set give what sorting everything gives.
#[test]
fn pages_follow_the_sort_from_any_cursor() {
    let (index, _) = index(6000, 1);
    let mut rng = StdRng::seed_from_u64(2);
    for density in [0.9, 0.3, 0.02, 0.001] {
        let set: RoaringBitmap = index
            .live
            .iter()
            .filter(|_| rng.gen_bool(density))
            .collect();
        for key in KEYS {
            for desc in [false, true] {
                let mut all: Vec<Doc> = set.iter().collect();
                all.sort_by_key(|d| (index.key(key, *d), index.ids[*d as usize]));
                if desc {
                    all.reverse();
                }
                for start in [0, all.len() / 3, all.len().saturating_sub(5)] {
                    let after = start.checked_sub(1).map(|i| {
                        let d = all[i];
                        (index.key(key, d), index.ids[d as usize])
                    });
                    let got = index.ordered(&set, key, desc, after, (None, None), 21);
                    let expected: Vec<Doc> = all.iter().skip(start).take(21).copied().collect();
                    assert_eq!(
                        got, expected,
                        "{key:?} desc={desc} density={density} from {start}"
                    );
                }
            }
        }
    }
}

#[test]
fn nearest_first_equals_measuring_every_listing() {
    let (index, _) = index(4000, 4);
    let from = (42.6977, 23.3219);
    let set = index.live.clone();
    let mut all: Vec<(f64, i64)> = set
        .iter()
        .map(|d| {
            let i = d as usize;
            (
                earth_distance(from, (index.lat[i], index.lng[i])),
                index.ids[i],
            )
        })
        .collect();
    all.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    let first = index.by_distance(&set, from, None, 30);
    let ids: Vec<i64> = first.iter().map(|(d, _)| index.ids[*d as usize]).collect();
    assert_eq!(ids, all.iter().take(30).map(|x| x.1).collect::<Vec<_>>());
    let (d, key) = first.last().unwrap();
    let next = index.by_distance(
        &set,
        from,
        Some((key.parse().unwrap(), index.ids[*d as usize])),
        30,
    );
    let ids: Vec<i64> = next.iter().map(|(d, _)| index.ids[*d as usize]).collect();
    assert_eq!(
        ids,
        all.iter()
            .skip(30)
            .take(30)
            .map(|x| x.1)
            .collect::<Vec<_>>()
    );
    // the circle: exactly the listings within 60 km
    let inside = index.within_radius(from.0, from.1, 60_000.0, &set);
    let expected = all.iter().filter(|x| x.0 <= 60_000.0).count();
    assert_eq!(inside.len() as usize, expected);
}

#[test]
fn changes_replace_listings_and_unpublished_ones_leave() {
    let (mut index, rows) = index(500, 5);
    let filters = Filters::default();
    let ask = |limit| Ask {
        filters: &filters,
        sort: Sort::PriceAsc,
        after: None,
        limit,
        facets: &[Facet::Vocab(crate::listings::search::facets::Vocab::Fuel)],
        price_bounds_eur: &[],
        now: OffsetDateTime::now_utc(),
    };
    // listing 7 becomes the cheapest; listing 8 is sold (not among the published rows)
    let mut cheaper = rows[6].clone();
    cheaper.price_eur_minor = 1;
    cheaper.updated_at += time::Duration::seconds(1);
    index.apply(&[7, 8], &[cheaper]);
    let found = index.search(&ask(3));
    assert_eq!(found.page[0], (7, "1".to_string()));
    assert_eq!(found.total, 499);
    let fuels: i64 = found.facets[0].1.iter().map(|(_, n)| n).sum();
    assert_eq!(fuels, 499);
    assert!(index.search(&ask(1000)).page.iter().all(|(id, _)| *id != 8));
    // the same version again (same updated_at) changes nothing: the in-process call and
    // the notification of one write both arrive
    let dead = index.dead();
    let same = index.search(&ask(3)).page[0].clone();
    let mut again = rows[6].clone();
    again.price_eur_minor = 1;
    again.updated_at += time::Duration::seconds(1);
    index.apply(&[7], &[again]);
    assert_eq!(index.dead(), dead);
    assert_eq!(index.search(&ask(3)).page[0], same);
}
