//! Long-running random tests of the parsers a stranger's text reaches: the search URL codec,
//! the smart box, the listing form and the alert keyword expressions. Each feeds random
//! input (biased towards the characters and words these parsers treat specially) and checks
//! that nothing panics and that what comes out is bounded by what went in.
//!
//! Not part of the test command (each is `#[ignore]`): `scripts/fuzz.sh [seconds]` runs each
//! for that long (60 s by default). A failure prints the seed and the input.

use crate::alerts::keywords;
use crate::listings::model::Currency;
use crate::listings::search::query::{
    Name, SearchQuery, TextQuery, Understood, Vocabulary, understand,
};
use crate::listings::selling::form::ListingForm;
use rand::{Rng, SeedableRng, rngs::StdRng, seq::SliceRandom};
use std::time::{Duration, Instant};

/// Pieces random input is made of: syntax of each parser, numbers with units in both
/// languages, Cyrillic, combining marks, emoji, controls, long runs.
const PIECES: &[&str] = &[
    "&",
    "=",
    "%",
    "%2",
    "%zz",
    "%E2%82%AC",
    "+",
    "?",
    "#",
    ";",
    ",",
    "\"",
    "'",
    "(",
    ")",
    "-",
    " ",
    "  ",
    "\t",
    "\n",
    "\r",
    "\0",
    "\u{200b}",
    "\u{301}",
    "\u{2028}",
    "🚗",
    "€",
    "лв",
    "до",
    "от",
    "над",
    "под",
    "км",
    "к.с.",
    "hp",
    "km",
    "k",
    "хил",
    "bgn",
    "eur",
    "лева",
    "евро",
    "under",
    "over",
    "from",
    "to",
    "between",
    "and",
    "AND",
    "OR",
    "NOT",
    "make=",
    "model=",
    "equip=",
    "q=",
    "price_max=",
    "year_min=",
    "radius_km=",
    "city=",
    "after=",
    "sort=",
    "bmw",
    "бмв",
    "golf",
    "x5",
    "sofia",
    "софия",
    "stara",
    "zagora",
    "diesel",
    "дизел",
    "automatic",
    "автомат",
    "0",
    "1",
    "9",
    "12",
    "2016",
    "99999999999999999999",
    "-5",
    "1.5",
    "1,5",
    "18 900",
    "1e9",
    "NaN",
    "x",
];

fn input(rng: &mut StdRng, max_pieces: usize) -> String {
    let n = rng.gen_range(0..=max_pieces);
    let mut s = String::new();
    for _ in 0..n {
        if rng.gen_bool(0.1) {
            // any character at all
            s.push(char::from_u32(rng.gen_range(0..0x11_0000)).unwrap_or('\u{fffd}'));
        } else {
            s.push_str(PIECES.choose(rng).copied().unwrap_or("x"));
        }
    }
    s
}

/// Runs `case` on fresh seeds until the time `SCOUT_FUZZ_SECS` (default 5) is up.
fn for_a_while(name: &str, mut case: impl FnMut(&mut StdRng)) {
    let secs = std::env::var("SCOUT_FUZZ_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(5);
    let end = Instant::now() + Duration::from_secs(secs);
    let mut runs = 0u64;
    let mut seed = rand::random::<u64>();
    while Instant::now() < end {
        let mut rng = StdRng::seed_from_u64(seed);
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| case(&mut rng)));
        assert!(outcome.is_ok(), "{name}: failed with seed {seed}");
        runs += 1;
        seed = seed.wrapping_add(0x9e37_79b9_7f4a_7c15);
    }
    println!("{name}: {runs} inputs in {secs} s, no failure");
}

fn vocabulary() -> Vocabulary {
    let name = |words: &[&str], what: Understood| Name {
        words: words.iter().map(|w| (*w).to_string()).collect(),
        what,
    };
    Vocabulary {
        names: vec![
            name(
                &["bmw"],
                Understood::Make {
                    slug: "bmw".into(),
                    name: "BMW".into(),
                },
            ),
            name(
                &["бмв"],
                Understood::Make {
                    slug: "bmw".into(),
                    name: "BMW".into(),
                },
            ),
            name(
                &["x5"],
                Understood::Model {
                    make: "bmw".into(),
                    slug: "bmw-x5".into(),
                    name: "BMW X5".into(),
                },
            ),
            name(
                &["stara", "zagora"],
                Understood::City {
                    slug: "stara-zagora".into(),
                    name: "Stara Zagora".into(),
                },
            ),
            name(
                &["софия"],
                Understood::City {
                    slug: "sofia".into(),
                    name: "Sofia".into(),
                },
            ),
        ],
    }
}

#[test]
#[ignore = "long-running: scripts/fuzz.sh"]
fn fuzz_search_url_codec() {
    for_a_while("search URL codec", |rng| {
        let qs = input(rng, 400);
        let query = SearchQuery::from_query_string(&qs);
        let url = query.url();
        // what is kept is bounded by the caps whatever came in, and reads back the same
        assert!(
            url.len() <= 3 * qs.len() + 64 * 1024,
            "{qs:?} -> {} bytes",
            url.len()
        );
        let query_string = url.split_once('?').map_or("", |(_, q)| q);
        let again = SearchQuery::from_query_string(query_string);
        assert_eq!(again.url(), url, "{qs:?}");
    });
}

#[test]
#[ignore = "long-running: scripts/fuzz.sh"]
fn fuzz_smart_box() {
    let vocabulary = vocabulary();
    for_a_while("smart box", |rng| {
        let q = input(rng, 200);
        let smart = understand(&q, &vocabulary, Currency::Bgn);
        // (separators may be spaced out around what was understood)
        assert!(smart.text.len() <= 2 * q.len(), "{q:?} -> {:?}", smart.text);
        assert!(smart.understood.len() <= q.len(), "{q:?}");
        let text = TextQuery::parse(&smart.text);
        let words = text.words.len() + text.excluded.len() + text.phrases.len();
        assert!(words <= smart.text.len(), "{q:?}");
    });
}

#[test]
#[ignore = "long-running: scripts/fuzz.sh"]
fn fuzz_listing_form() {
    for_a_while("listing form", |rng| {
        let field = |rng: &mut StdRng| input(rng, 40);
        let form = ListingForm {
            category: if rng.gen_bool(0.7) {
                "vehicle".into()
            } else {
                field(rng)
            },
            title: field(rng),
            description: field(rng),
            price: field(rng),
            currency: ["BGN", "EUR", "USD", ""]
                .choose(rng)
                .copied()
                .unwrap_or("")
                .into(),
            negotiable: rng.gen_bool(0.5).then(|| "on".into()),
            vat: field(rng),
            condition: field(rng),
            seller_type: field(rng),
            city: field(rng),
            make: field(rng),
            model: field(rng),
            year: field(rng),
            mileage_km: field(rng),
            fuel: field(rng),
            transmission: field(rng),
            body: field(rng),
            power_hp: field(rng),
            engine_cc: field(rng),
            colour: field(rng),
            doors: field(rng),
            seats: field(rng),
            vin: field(rng),
            equipment: (0..rng.gen_range(0..80)).map(|_| field(rng)).collect(),
            intent: ["draft", "publish", ""]
                .choose(rng)
                .copied()
                .unwrap_or("")
                .into(),
        };
        let typed: usize = [
            &form.title,
            &form.description,
            &form.city,
            &form.make,
            &form.model,
        ]
        .iter()
        .map(|s| s.len())
        .sum::<usize>()
            + form.equipment.iter().map(String::len).sum::<usize>();
        match form.parse(2026) {
            Ok(draft) => {
                let kept = draft.title.len()
                    + draft.description.len()
                    + draft.city.len()
                    + draft.equipment.iter().map(String::len).sum::<usize>();
                assert!(kept <= typed, "{form:?}");
            }
            Err(fields) => {
                // one message per field at most, each a sentence of ours
                assert!(fields.len() <= 30, "{fields:?}");
                assert!(fields.values().all(|m| m.len() < 400), "{fields:?}");
            }
        }
    });
}

#[test]
#[ignore = "long-running: scripts/fuzz.sh"]
fn fuzz_keyword_expressions() {
    for_a_while("keyword expressions", |rng| {
        let q = input(rng, 120);
        match keywords::parse(&q) {
            Ok(Some(expr)) => {
                fn size(e: &keywords::Expr) -> usize {
                    match e {
                        keywords::Expr::Words(w) => w.iter().map(String::len).sum::<usize>() + 1,
                        keywords::Expr::Not(inner) => size(inner) + 1,
                        keywords::Expr::And(parts) | keywords::Expr::Or(parts) => {
                            parts.iter().map(size).sum::<usize>() + 1
                        }
                    }
                }
                assert!(size(&expr) <= 2 * q.len() + 2, "{q:?}");
            }
            Ok(None) => {}
            Err(message) => assert!(message.len() < 200, "{q:?}: {message}"),
        }
        let _ = keywords::parse_list(&q);
    });
}
