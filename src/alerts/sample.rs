//! Random alert rules and listings of realistic variety, for the matcher's property test and
//! its benchmark: popular makes and models far more often than rare ones (Zipf-like), most
//! rules bounded by price, many by year, mileage, fuel or distance, some with words or a colour.

use super::{
    keywords::{self, Text},
    matcher::Rule,
};
use crate::accounts::model::AccountId;
use crate::listings::{
    search::engine::Row,
    search::facets::Vocab,
    search::filters::Filters,
    search::query::{Term, TextMatch},
};
use rand::{Rng, rngs::StdRng};
use time::OffsetDateTime;

pub const MAKES: i32 = 60;
pub const MODELS_PER_MAKE: i32 = 20;
const FUELS: [&str; 4] = ["petrol", "diesel", "hybrid", "electric"];
const GEARBOXES: [&str; 2] = ["manual", "automatic"];
const BODIES: [&str; 5] = ["sedan", "estate", "hatchback", "suv", "coupe"];
const COLOURS: [&str; 6] = ["black", "white", "silver", "grey", "blue", "red"];
const EQUIPMENT: [&str; 6] = [
    "navigation",
    "leather",
    "heated-seats",
    "tow-bar",
    "sunroof",
    "parking-camera",
];
/// Bulgarian cities, largest first: Sofia, Plovdiv, Varna, Burgas, Ruse, Stara Zagora,
/// Pleven, Sliven, Dobrich, Shumen, Pernik, Haskovo, Blagoevgrad, Veliko Tarnovo, Vratsa.
const CITIES: [(i32, f64, f64); 15] = [
    (1, 42.6977, 23.3219),
    (2, 42.1354, 24.7453),
    (3, 43.2141, 27.9147),
    (4, 42.5048, 27.4626),
    (5, 43.8356, 25.9657),
    (6, 42.4258, 25.6345),
    (7, 43.4170, 24.6067),
    (8, 42.6817, 26.3229),
    (9, 43.5726, 27.8273),
    (10, 43.2712, 26.9361),
    (11, 42.6052, 23.0378),
    (12, 41.9344, 25.5554),
    (13, 42.0209, 23.0943),
    (14, 43.0757, 25.6172),
    (15, 43.2102, 23.5529),
];

fn city(rng: &mut StdRng) -> (i32, f64, f64) {
    let n = i32::try_from(CITIES.len()).unwrap_or(1);
    CITIES[usize::try_from(zipf(rng, n) - 1).unwrap_or(0)]
}
const WORDS: [&str; 24] = [
    "navigation",
    "service",
    "history",
    "owner",
    "one",
    "new",
    "tyres",
    "leather",
    "accident",
    "imported",
    "germany",
    "garage",
    "kept",
    "full",
    "warranty",
    "towbar",
    "xenon",
    "panorama",
    "damaged",
    "parts",
    "clean",
    "rust",
    "winter",
    "camera",
];

/// 1..=n, the first far more often than the last (weight 1/rank).
fn zipf(rng: &mut StdRng, n: i32) -> i32 {
    let total: f64 = (1..=n).map(|k| 1.0 / f64::from(k)).sum();
    let mut x = rng.gen_range(0.0..total);
    for k in 1..=n {
        x -= 1.0 / f64::from(k);
        if x <= 0.0 {
            return k;
        }
    }
    n
}

fn model_of(rng: &mut StdRng, make: i32) -> i32 {
    make * 100 + zipf(rng, MODELS_PER_MAKE)
}

fn pick<'a>(rng: &mut StdRng, from: &[&'a str]) -> &'a str {
    from[rng.gen_range(0..from.len())]
}

/// A listing and its text (title and description).
pub fn listing(rng: &mut StdRng, listing_id: i64, now: OffsetDateTime) -> (Row, String) {
    let make = zipf(rng, MAKES);
    let model = model_of(rng, make);
    let year: i16 = rng.gen_range(1998..=2026);
    let age = f64::from(2027 - year);
    // newer cars cost more; a spread of about x3 either way
    let price_eur = 40_000.0 / age.powf(0.8) * rng.gen_range(0.35..3.0);
    let (city, lat, lng) = city(rng);
    let words: Vec<&str> = (0..rng.gen_range(3..12))
        .map(|_| pick(rng, &WORDS))
        .collect();
    let title = format!("make{make} model{model} {year}");
    let description = words.join(" ");
    let mut tsvector = String::new();
    for (i, w) in title.split(' ').chain(words.iter().copied()).enumerate() {
        let weight = if i < 3 { "A" } else { "C" };
        tsvector.push_str(&format!("'{w}':{}{weight} ", i + 1));
    }
    let row = Row {
        listing_id,
        make_id: Some(make),
        model_id: Some(model),
        year: rng.gen_bool(0.97).then_some(year),
        price_eur_minor: (price_eur * 100.0) as i64,
        mileage_km: rng
            .gen_bool(0.95)
            .then(|| i32::from(2027 - year) * rng.gen_range(5_000..25_000)),
        power_hp: Some(rng.gen_range(70..400)),
        fuel: Some(pick(rng, &FUELS).into()),
        transmission: Some(pick(rng, &GEARBOXES).into()),
        body: rng.gen_bool(0.9).then(|| pick(rng, &BODIES).into()),
        colour: rng.gen_bool(0.8).then(|| pick(rng, &COLOURS).into()),
        condition: if rng.gen_bool(0.95) {
            "used"
        } else {
            "damaged"
        }
        .into(),
        seller_type: if rng.gen_bool(0.7) {
            "private"
        } else {
            "dealer"
        }
        .into(),
        city_id: city,
        latitude: lat + rng.gen_range(-0.1..0.1),
        longitude: lng + rng.gen_range(-0.1..0.1),
        equipment: EQUIPMENT
            .iter()
            .filter(|_| rng.gen_bool(0.3))
            .map(|e| (*e).to_string())
            .collect(),
        photo_count: if rng.gen_bool(0.8) { 5 } else { 0 },
        published_at: Some(now),
        updated_at: now,
        search_text: tsvector.trim_end().to_string(),
    };
    (row, format!("{title} {description}"))
}

/// The keyword text of a listing made by [`listing`].
pub fn text(listing_text: &str) -> Text {
    Text::new(&[listing_text])
}

/// A rule such as buyers save.
pub fn rule(rng: &mut StdRng, id: i64, account: AccountId) -> Rule {
    let mut f = Filters::default();
    let anchor = rng.gen_range(0..100);
    if anchor < 70 {
        let make = zipf(rng, MAKES);
        for _ in 0..if rng.gen_bool(0.8) { 1 } else { 2 } {
            f.model_ids.push(model_of(rng, make));
        }
        f.model_ids.dedup();
    } else if anchor < 95 {
        for _ in 0..if rng.gen_bool(0.8) { 1 } else { 2 } {
            f.make_ids.push(zipf(rng, MAKES));
        }
        f.make_ids.dedup();
    } else {
        // no make: a body type or words, and a budget (below)
        f.picks[Vocab::Body].push(pick(rng, &BODIES).into());
    }
    if rng.gen_bool(0.8) {
        f.price_max_eur = Some(rng.gen_range(1_500..60_000) * 100);
    }
    if rng.gen_bool(0.15) {
        f.price_min_eur = Some(rng.gen_range(500..10_000) * 100);
    }
    if rng.gen_bool(0.5) {
        f.year_min = Some(rng.gen_range(2000..2024));
    }
    if rng.gen_bool(0.05) {
        f.year_max = Some(rng.gen_range(2005..2026));
    }
    if rng.gen_bool(0.4) {
        f.mileage_max = Some(rng.gen_range(20..300) * 1_000);
    }
    if rng.gen_bool(0.1) {
        f.power_min = Some(rng.gen_range(80..250));
    }
    if rng.gen_bool(0.3) {
        f.picks[Vocab::Fuel].push(pick(rng, &FUELS).into());
        if rng.gen_bool(0.3) {
            f.picks[Vocab::Fuel].push(pick(rng, &FUELS).into());
        }
    }
    if rng.gen_bool(0.2) {
        f.picks[Vocab::Gearbox].push(pick(rng, &GEARBOXES).into());
    }
    if rng.gen_bool(0.05) {
        f.picks[Vocab::Colour].push(pick(rng, &COLOURS).into());
        if rng.gen_bool(0.3) {
            f.picks[Vocab::Colour].push(pick(rng, &COLOURS).into());
        }
    }
    if rng.gen_bool(0.05) {
        f.picks[Vocab::Condition].push("used".into());
    }
    if rng.gen_bool(0.1) {
        f.picks[Vocab::Seller].push(
            if rng.gen_bool(0.5) {
                "private"
            } else {
                "dealer"
            }
            .into(),
        );
    }
    if rng.gen_bool(0.05) {
        f.equipment.push(pick(rng, &EQUIPMENT).into());
    }
    if rng.gen_bool(0.1) {
        f.has_photos = true;
    }
    // most buyers look near home: a radius or their city
    let (city, lat, lng) = city(rng);
    match rng.gen_range(0..20) {
        0..=9 => f.near = Some((lat, lng, Some(f64::from(rng.gen_range(10..150)) * 1000.0))),
        10..=12 => f.city_id = Some(city),
        _ => {}
    }
    if rng.gen_bool(0.08) {
        f.text = Some(TextMatch {
            groups: vec![vec![Term {
                word: pick(rng, &WORDS).into(),
                prefix: rng.gen_bool(0.2),
            }]],
            phrases: Vec::new(),
            excluded: Vec::new(),
        });
    }
    let keywords = rng.gen_bool(0.1).then(|| {
        let expr = match rng.gen_range(0..4) {
            0 => pick(rng, &WORDS).to_string(),
            1 => format!("{} OR {}", pick(rng, &WORDS), pick(rng, &WORDS)),
            2 => format!("\"{} {}\"", pick(rng, &WORDS), pick(rng, &WORDS)),
            _ => format!("{} -{}", pick(rng, &WORDS), pick(rng, &WORDS)),
        };
        keywords::parse(&expr).ok().flatten()
    });
    let excluded = rng.gen_bool(0.1).then(|| {
        keywords::parse_list(&format!("{}, {}", pick(rng, &WORDS), pick(rng, &WORDS)))
            .ok()
            .flatten()
    });
    Rule {
        id,
        account,
        filters: f,
        keywords: keywords.flatten(),
        excluded: excluded.flatten(),
    }
}
