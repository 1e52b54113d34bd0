//! What a buyer asks for, for both targets: the search held in the URL ([`SearchQuery`]), the
//! smart query box that turns `bmw x5 diesel <25000 2016+ sofia 50km` into filters
//! ([`understand`]), and the free-text part ([`TextQuery`]). Alert rules (a later issue) reuse
//! [`Criteria`], so search and alerts can never disagree about what matches.

use crate::listings::{
    model::{Currency, Money},
    search::facets::{Picks, VOCABS, Vocab},
};
use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;

/// Results per page a buyer can choose.
pub const PAGE_SIZES: [u16; 3] = [20, 50, 100];
pub const DEFAULT_PAGE_SIZE: u16 = 20;
/// The widest radius the filter accepts, in km.
pub const MAX_RADIUS_KM: i32 = 1000;

/// Lower case, Latin accents dropped, `ё` -> `е`: the same as `scout_normalise` in Postgres
/// (which uses `unaccent`; its rules leave other Cyrillic letters, such as `й`, alone).
pub fn normalise(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            'ё' | 'Ё' => out.push('е'),
            'ß' => out.push_str("ss"),
            'æ' | 'Æ' => out.push_str("ae"),
            'œ' | 'Œ' => out.push_str("oe"),
            'ø' | 'Ø' => out.push('o'),
            'ł' | 'Ł' => out.push('l'),
            'đ' | 'Đ' => out.push('d'),
            // Cyrillic and everything outside Latin: only lower-cased
            c if !c.is_ascii() && !('\u{00C0}'..='\u{024F}').contains(&c) => {
                out.extend(c.to_lowercase());
            }
            c => out.extend(
                c.to_lowercase()
                    .nfd()
                    .filter(|d| !('\u{0300}'..='\u{036F}').contains(d)),
            ),
        }
    }
    out
}

/// How results are ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Sort {
    /// Best text match first; newest first when there is no text.
    #[default]
    Relevance,
    Newest,
    PriceAsc,
    PriceDesc,
    MileageAsc,
    YearDesc,
    /// Nearest first; needs a city.
    Distance,
}

impl Sort {
    pub const ALL: &'static [Sort] = &[
        Sort::Relevance,
        Sort::Newest,
        Sort::PriceAsc,
        Sort::PriceDesc,
        Sort::MileageAsc,
        Sort::YearDesc,
        Sort::Distance,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Sort::Relevance => "relevance",
            Sort::Newest => "newest",
            Sort::PriceAsc => "price_asc",
            Sort::PriceDesc => "price_desc",
            Sort::MileageAsc => "mileage",
            Sort::YearDesc => "year",
            Sort::Distance => "distance",
        }
    }

    pub fn from_slug(s: &str) -> Option<Sort> {
        Sort::ALL.iter().copied().find(|x| x.as_str() == s)
    }
}

/// A search as it lives in the URL: every filter the form has, the smart query box as typed,
/// the sort, the page size and the keyset cursor. Unknown or unreadable parameters are
/// dropped (and listed in `ignored`), so an edited link still opens.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct SearchQuery {
    /// The search box as typed (free text plus smart tokens).
    pub q: String,
    /// Make slugs ("bmw").
    pub makes: Vec<String>,
    /// Model slugs ("bmw-x5").
    pub models: Vec<String>,
    pub year_min: Option<i32>,
    pub year_max: Option<i32>,
    /// Whole units of `currency`.
    pub price_min: Option<i64>,
    pub price_max: Option<i64>,
    /// The buyer's currency as the address names it (`cur=`): price filters are in it and
    /// prices are also shown in it. None: the person's display currency (Settings), which the
    /// server fills in before it searches; the euro for anyone else. See [`Self::currency`].
    pub currency: Option<Currency>,
    pub mileage_max: Option<i32>,
    pub power_min: Option<i32>,
    pub power_max: Option<i32>,
    /// Fuels, gearboxes, bodies, ...: the closed-vocabulary facets' values.
    pub picks: Picks,
    /// Equipment slugs that must all be present.
    pub equipment: Vec<String>,
    /// City slug.
    pub city: Option<String>,
    pub radius_km: Option<i32>,
    pub has_photos: bool,
    pub posted_within_days: Option<i32>,
    pub sort: Sort,
    pub page_size: u16,
    /// Keyset cursor: results after this one.
    pub after: Option<String>,
    /// Parameters that could not be read, as `name=value`.
    #[serde(default)]
    pub ignored: Vec<String>,
}

/// The most makes, models and equipment items one search takes: more than a person picks,
/// few enough that the work a search does (chips, links, index lookups) stays small whatever
/// a link carries. Values past a cap are listed as not applied.
pub const MAX_MAKES: usize = 20;
pub const MAX_MODELS: usize = 50;
pub const MAX_EQUIPMENT: usize = 64;
/// Parameters read from one search; the rest are counted as not applied.
pub const MAX_PARAMS: usize = 300;
/// Characters kept of one value (the smart box takes 300; slugs, cities and page links are shorter).
const MAX_VALUE_CHARS: usize = 300;
/// Parameters named one by one as not applied; the rest are counted.
const MAX_IGNORED_NAMED: usize = 10;

fn push_unique<T: PartialEq>(list: &mut Vec<T>, value: T) {
    if !list.contains(&value) {
        list.push(value);
    }
}

/// Adds `value` unless it is there already; false when the list is full (`cap`).
fn push_capped(list: &mut Vec<String>, value: &str, cap: usize) -> bool {
    if list.iter().any(|v| v == value) {
        true
    } else if list.len() < cap {
        list.push(value.to_string());
        true
    } else {
        false
    }
}

impl SearchQuery {
    /// The currency prices and price filters are in: the one the address names, else the euro
    /// (the server first fills in a signed-in person's own, [`Self::in_currency`]).
    pub fn currency(&self) -> Currency {
        self.currency.unwrap_or_default()
    }

    /// This search in `currency` (a person's display currency) where the address names none.
    /// The euro needs no naming: an address without `cur=` means it for anyone else.
    pub fn in_currency(mut self, currency: Currency) -> SearchQuery {
        if self.currency.is_none() && currency != Currency::default() {
            self.currency = Some(currency);
        }
        self
    }

    /// From URL query pairs (repeated names for multi-selects: `make=bmw&make=audi`).
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> SearchQuery {
        let mut s = SearchQuery {
            page_size: DEFAULT_PAGE_SIZE,
            ..SearchQuery::default()
        };
        let mut unnamed = 0usize;
        for (n, (name, value)) in pairs.into_iter().enumerate() {
            if n >= MAX_PARAMS {
                unnamed += 1;
                continue;
            }
            let value = value.trim();
            let value = match value.char_indices().nth(MAX_VALUE_CHARS) {
                // (cut, it may end in a space: read again, it would lose it)
                Some((end, _)) => value[..end].trim_end(),
                None => value,
            };
            if value.is_empty() {
                continue;
            }
            let int = |v: &str| v.replace([' ', ','], "").parse::<i64>().ok();
            let small = |v: &str| int(v).and_then(|n| i32::try_from(n).ok());
            let ok = match name {
                "q" => {
                    s.q = value.to_string();
                    true
                }
                "make" => push_capped(&mut s.makes, value, MAX_MAKES),
                "model" => push_capped(&mut s.models, value, MAX_MODELS),
                "year_min" => small(value).map(|v| s.year_min = Some(v)).is_some(),
                "year_max" => small(value).map(|v| s.year_max = Some(v)).is_some(),
                "price_min" => int(value).map(|v| s.price_min = Some(v)).is_some(),
                "price_max" => int(value).map(|v| s.price_max = Some(v)).is_some(),
                "cur" => Currency::parse(value)
                    .map(|c| s.currency = Some(c))
                    .is_some(),
                "km_max" => small(value).map(|v| s.mileage_max = Some(v)).is_some(),
                "hp_min" => small(value).map(|v| s.power_min = Some(v)).is_some(),
                "hp_max" => small(value).map(|v| s.power_max = Some(v)).is_some(),
                "equip" => push_capped(&mut s.equipment, value, MAX_EQUIPMENT),
                "city" => {
                    s.city = Some(value.to_string());
                    true
                }
                "radius" => small(value)
                    .filter(|r| (1..=MAX_RADIUS_KM).contains(r))
                    .map(|v| s.radius_km = Some(v))
                    .is_some(),
                "photos" => {
                    s.has_photos = matches!(value, "1" | "on" | "true" | "yes");
                    true
                }
                "within" => small(value)
                    .filter(|d| *d > 0)
                    .map(|v| s.posted_within_days = Some(v))
                    .is_some(),
                "sort" => Sort::from_slug(value).map(|v| s.sort = v).is_some(),
                "size" => int(value)
                    .and_then(|n| u16::try_from(n).ok())
                    .filter(|n| PAGE_SIZES.contains(n))
                    .map(|v| s.page_size = v)
                    .is_some(),
                "after" => {
                    s.after = Some(value.to_string());
                    true
                }
                _ => match Vocab::from_param(name) {
                    Some(vocab) => vocab
                        .facet()
                        .slug(value)
                        .map(|v| s.picks.add(vocab, v))
                        .is_some(),
                    None => true, // foreign parameters (utm_*, ...) are not ours to judge
                },
            };
            if !ok {
                if s.ignored.len() < MAX_IGNORED_NAMED {
                    s.ignored.push(format!("{name}={value}"));
                } else {
                    unnamed += 1;
                }
            }
        }
        if unnamed > 0 {
            s.ignored.push(format!(
                "{unnamed} more (a search takes up to {MAX_MAKES} makes, {MAX_MODELS} models, {MAX_EQUIPMENT} equipment items and {MAX_PARAMS} parameters)"
            ));
        }
        // ranges typed the wrong way round mean the same range
        if let (Some(a), Some(b)) = (s.year_min, s.year_max)
            && a > b
        {
            (s.year_min, s.year_max) = (Some(b), Some(a));
        }
        if let (Some(a), Some(b)) = (s.price_min, s.price_max)
            && a > b
        {
            (s.price_min, s.price_max) = (Some(b), Some(a));
        }
        s
    }

    /// From a raw query string (`a=1&b=2`, percent-encoded, `+` for spaces).
    pub fn from_query_string(qs: &str) -> SearchQuery {
        let pairs: Vec<(String, String)> = qs
            .trim_start_matches('?')
            .split('&')
            .filter(|p| !p.is_empty())
            .map(|p| {
                let (k, v) = p.split_once('=').unwrap_or((p, ""));
                (decode_component(k), decode_component(v))
            })
            .collect();
        SearchQuery::from_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
    }

    /// The URL query pairs for this search, in a stable order; defaults are left out.
    pub fn to_pairs(&self) -> Vec<(&'static str, String)> {
        let mut out: Vec<(&'static str, String)> = Vec::new();
        if !self.q.trim().is_empty() {
            out.push(("q", self.q.clone()));
        }
        out.extend(self.makes.iter().map(|m| ("make", m.clone())));
        out.extend(self.models.iter().map(|m| ("model", m.clone())));
        let num = |out: &mut Vec<_>, name, v: Option<i64>| {
            if let Some(v) = v {
                out.push((name, v.to_string()));
            }
        };
        num(&mut out, "year_min", self.year_min.map(i64::from));
        num(&mut out, "year_max", self.year_max.map(i64::from));
        num(&mut out, "price_min", self.price_min);
        num(&mut out, "price_max", self.price_max);
        // named even when it is the euro: it may not be the person's own currency
        if let Some(currency) = self.currency {
            out.push(("cur", currency.code().to_string()));
        }
        num(&mut out, "km_max", self.mileage_max.map(i64::from));
        num(&mut out, "hp_min", self.power_min.map(i64::from));
        num(&mut out, "hp_max", self.power_max.map(i64::from));
        for (facet, values) in self.picks.iter() {
            out.extend(values.iter().map(|v| (facet.param, v.clone())));
        }
        out.extend(self.equipment.iter().map(|v| ("equip", v.clone())));
        if let Some(city) = &self.city {
            out.push(("city", city.clone()));
        }
        num(&mut out, "radius", self.radius_km.map(i64::from));
        if self.has_photos {
            out.push(("photos", "1".to_string()));
        }
        num(&mut out, "within", self.posted_within_days.map(i64::from));
        if self.sort != Sort::default() {
            out.push(("sort", self.sort.as_str().to_string()));
        }
        if self.page_size != DEFAULT_PAGE_SIZE {
            out.push(("size", self.page_size.to_string()));
        }
        if let Some(after) = &self.after {
            out.push(("after", after.clone()));
        }
        out
    }

    /// `a=1&b=2`, percent-encoded.
    pub fn to_query_string(&self) -> String {
        self.to_pairs()
            .iter()
            .map(|(k, v)| format!("{k}={}", encode_component(v)))
            .collect::<Vec<_>>()
            .join("&")
    }

    /// The search page URL for this search.
    pub fn url(&self) -> String {
        let qs = self.to_query_string();
        if qs.is_empty() {
            "/search".to_string()
        } else {
            format!("/search?{qs}")
        }
    }

    /// The same search from its first page (any change of filters starts over).
    pub fn first_page(&self) -> SearchQuery {
        SearchQuery {
            after: None,
            ignored: Vec::new(),
            ..self.clone()
        }
    }
}

/// Percent-decodes one URL component (`+` is a space, as forms send it).
pub fn decode_component(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            // the two hex digits are read as bytes: slicing the text there could cut a
            // character in two ("%2д"), which panicked (found by scripts/fuzz.sh)
            b'%' if i + 2 < bytes.len() => {
                let hex = |b: u8| char::from(b).to_digit(16);
                match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                    (Some(high), Some(low)) => {
                        out.push(u8::try_from(high * 16 + low).unwrap_or(b'?'));
                        i += 2;
                    }
                    _ => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Percent-encodes one URL component (unreserved characters stay).
pub fn encode_component(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(char::from(b));
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// One thing the smart query box understood.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Understood {
    Make {
        slug: String,
        name: String,
    },
    Model {
        make: String,
        slug: String,
        name: String,
    },
    PriceMin(Money),
    PriceMax(Money),
    YearMin(i32),
    YearMax(i32),
    MileageMax(i32),
    PowerMin(i32),
    PowerMax(i32),
    /// A value of a closed vocabulary (fuel, gearbox, ...), by slug.
    Pick(Vocab, String),
    City {
        slug: String,
        name: String,
    },
    RadiusKm(i32),
}

impl Understood {
    /// What the chip says.
    pub fn label(&self) -> String {
        use crate::listings::model::group_thousands;
        match self {
            Understood::Make { name, .. } | Understood::Model { name, .. } => name.clone(),
            Understood::PriceMin(m) => format!("from {}", m.format()),
            Understood::PriceMax(m) => format!("up to {}", m.format()),
            Understood::YearMin(y) => format!("from {y}"),
            Understood::YearMax(y) => format!("up to {y}"),
            Understood::MileageMax(km) => format!("up to {} km", group_thousands(*km)),
            Understood::PowerMin(hp) => format!("from {hp} hp"),
            Understood::PowerMax(hp) => format!("up to {hp} hp"),
            Understood::Pick(vocab, slug) => vocab.facet().label(slug).to_string(),
            Understood::City { name, .. } => name.clone(),
            Understood::RadiusKm(km) => format!("within {km} km"),
        }
    }
}

/// One understood token with the search box text that remains when it is removed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UnderstoodToken {
    pub what: Understood,
    /// The box's text without this token (the chip's "remove" link).
    pub q_without: String,
}

/// The smart box, read: filters it names and the free text left over.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct SmartQuery {
    pub understood: Vec<UnderstoodToken>,
    /// What is left for full-text search, as typed.
    pub text: String,
}

/// One name the smart box recognises: a make or model alias, or a city. `words` are
/// normalised ([`normalise`]); several words match consecutive tokens.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Name {
    pub words: Vec<String>,
    pub what: Understood,
}

/// The names the smart box knows (loaded from the taxonomy and city tables on the server).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Vocabulary {
    pub names: Vec<Name>,
}

impl Vocabulary {
    /// The longest name starting at `tokens[0]`, and how many tokens it spans.
    fn longest_name(&self, tokens: &[&str]) -> Option<(&Understood, usize)> {
        self.names
            .iter()
            .filter(|n| {
                n.words.len() <= tokens.len() && n.words.iter().zip(tokens).all(|(w, t)| w == t)
            })
            .max_by_key(|n| n.words.len())
            .map(|n| (&n.what, n.words.len()))
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Op {
    Lt,
    Gt,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Unit {
    Km,
    Hp,
    Kw,
    Money(Currency),
    Year,
}

fn unit(word: &str) -> Option<Unit> {
    Some(match word {
        "km" | "км" | "kms" => Unit::Km,
        "hp" | "кс" | "к.с." | "к.с" | "ps" | "bhp" | "cv" => Unit::Hp,
        "kw" | "квт" => Unit::Kw,
        "лв" | "лв." | "bgn" | "lv" | "лева" => Unit::Money(Currency::Bgn),
        "eur" | "€" | "евро" | "euro" => Unit::Money(Currency::Eur),
        "usd" | "$" | "долара" => Unit::Money(Currency::Usd),
        "г" | "г." | "год" | "год." => Unit::Year,
        _ => return None,
    })
}

fn op_word(word: &str) -> Option<Op> {
    match word {
        "до" | "under" | "below" | "max" | "upto" | "<" | "<=" => Some(Op::Lt),
        "от" | "over" | "above" | "min" | "from" | ">" | ">=" | "след" | "after" => {
            Some(Op::Gt)
        }
        _ => None,
    }
}

/// A number token: `<25000`, `2016+`, `2018-2020`, `180000km`, `150кс`, `25000лв`.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Number {
    op: Option<Op>,
    value: i64,
    upper: Option<i64>,
    plus: bool,
    unit: Option<Unit>,
}

fn number(token: &str) -> Option<Number> {
    let (op, rest) = if let Some(r) = token.strip_prefix("<=").or(token.strip_prefix('<')) {
        (Some(Op::Lt), r)
    } else if let Some(r) = token.strip_prefix(">=").or(token.strip_prefix('>')) {
        (Some(Op::Gt), r)
    } else {
        (None, token)
    };
    let digits_end = rest
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(rest.len());
    if digits_end == 0 || digits_end > 10 {
        return None;
    }
    let value: i64 = rest[..digits_end].parse().ok()?;
    let mut rest = &rest[digits_end..];
    let mut upper = None;
    if let Some(r) = rest.strip_prefix('-') {
        let end = r.find(|c: char| !c.is_ascii_digit()).unwrap_or(r.len());
        if end > 0 && end <= 10 {
            upper = Some(r[..end].parse().ok()?);
            rest = &r[end..];
        }
    }
    let plus = if let Some(r) = rest.strip_suffix('+') {
        rest = r;
        true
    } else if let Some(r) = rest.strip_prefix('+') {
        rest = r;
        true
    } else {
        false
    };
    let unit = if rest.is_empty() {
        None
    } else {
        Some(unit(rest)?)
    };
    Some(Number {
        op,
        value,
        upper,
        plus,
        unit,
    })
}

fn is_year(v: i64) -> bool {
    (i64::from(crate::listings::model::FIRST_YEAR)
        ..=i64::from(crate::listings::model::LAST_STORABLE_YEAR))
        .contains(&v)
}

fn to_i32(v: i64) -> Option<i32> {
    i32::try_from(v).ok()
}

/// What a number token means, given whether a city came right before it.
fn interpret(n: Number, after_city: bool, currency: Currency) -> Option<Vec<Understood>> {
    let money = |v: i64, c: Currency| Money::new(v.saturating_mul(100), c);
    let out = match n.unit {
        Some(Unit::Km) => {
            let v = to_i32(n.upper.unwrap_or(n.value))?;
            if after_city && n.op.is_none() && n.upper.is_none() && (1..=MAX_RADIUS_KM).contains(&v)
            {
                vec![Understood::RadiusKm(v)]
            } else if n.op == Some(Op::Gt) {
                return None; // no minimum mileage filter: leave it as text
            } else {
                vec![Understood::MileageMax(v)]
            }
        }
        Some(u @ (Unit::Hp | Unit::Kw)) => {
            let hp = |v: i64| {
                to_i32(if u == Unit::Kw {
                    (v * 136 + 50) / 100
                } else {
                    v
                })
            };
            match (n.op, n.upper) {
                (_, Some(upper)) => vec![
                    Understood::PowerMin(hp(n.value)?),
                    Understood::PowerMax(hp(upper)?),
                ],
                (Some(Op::Lt), None) => vec![Understood::PowerMax(hp(n.value)?)],
                _ => vec![Understood::PowerMin(hp(n.value)?)],
            }
        }
        Some(Unit::Money(c)) => match (n.op, n.upper) {
            (_, Some(upper)) => vec![
                Understood::PriceMin(money(n.value, c)),
                Understood::PriceMax(money(upper, c)),
            ],
            (Some(Op::Gt), None) => vec![Understood::PriceMin(money(n.value, c))],
            _ if n.plus => vec![Understood::PriceMin(money(n.value, c))],
            _ => vec![Understood::PriceMax(money(n.value, c))],
        },
        Some(Unit::Year) => year_range(n)?,
        None => {
            if n.plus && n.upper.is_none() && is_year(n.value) {
                vec![Understood::YearMin(to_i32(n.value)?)]
            } else if let Some(upper) = n.upper {
                if is_year(n.value) && is_year(upper) {
                    year_range(n)?
                } else {
                    vec![
                        Understood::PriceMin(money(n.value, currency)),
                        Understood::PriceMax(money(upper, currency)),
                    ]
                }
            } else {
                match n.op {
                    Some(Op::Lt) => vec![Understood::PriceMax(money(n.value, currency))],
                    Some(Op::Gt) => vec![Understood::PriceMin(money(n.value, currency))],
                    // a bare number is a model ("320", "911") or a word: leave it as text
                    None => return None,
                }
            }
        }
    };
    Some(out)
}

fn year_range(n: Number) -> Option<Vec<Understood>> {
    if !is_year(n.value) || n.upper.is_some_and(|u| !is_year(u)) {
        return None;
    }
    let v = to_i32(n.value)?;
    Some(match (n.op, n.upper) {
        (_, Some(upper)) => vec![Understood::YearMin(v), Understood::YearMax(to_i32(upper)?)],
        (Some(Op::Lt), None) => vec![Understood::YearMax(v)],
        (Some(Op::Gt), None) => vec![Understood::YearMin(v)],
        (None, None) if n.plus => vec![Understood::YearMin(v)],
        (None, None) => vec![Understood::YearMin(v), Understood::YearMax(v)],
    })
}

fn vocabulary_word(word: &str) -> Option<Understood> {
    VOCABS
        .iter()
        .find_map(|f| (f.word)(word).map(|slug| Understood::Pick(f.vocab, slug.to_string())))
}

/// A token of the box with where it sits in the text.
struct Token<'a> {
    start: usize,
    end: usize,
    raw: &'a str,
    norm: String,
    /// inside quotes or an `-excluded` word: free text, never a filter
    literal: bool,
}

fn tokens(q: &str) -> Vec<Token<'_>> {
    let mut out = Vec::new();
    let mut in_quotes = false;
    let mut start = None;
    let mut quoted_token = false;
    for (i, c) in q.char_indices().chain(std::iter::once((q.len(), ' '))) {
        let boundary = c.is_whitespace() || c == '"';
        if boundary {
            if let Some(s) = start.take() {
                let raw = &q[s..i];
                out.push(Token {
                    start: s,
                    end: i,
                    raw,
                    norm: normalise(raw),
                    literal: quoted_token || raw.starts_with('-'),
                });
            }
            if c == '"' {
                in_quotes = !in_quotes;
            }
        } else if start.is_none() {
            start = Some(i);
            quoted_token = in_quotes;
        }
    }
    out
}

/// `q` without the byte ranges in `cut`, spaces tidied.
fn without(q: &str, cut: &[(usize, usize)]) -> String {
    let mut out = String::with_capacity(q.len());
    let mut at = 0;
    for &(s, e) in cut {
        out.push_str(&q[at..s]);
        at = e;
    }
    out.push_str(&q[at..]);
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Reads the smart box. Makes, models and cities come from `vocabulary`; numbers with units,
/// fuels, gearboxes, bodies, colours, conditions and seller types are known here, in English
/// and Bulgarian. Everything else stays free text. A km value is never a price: units decide,
/// and a bare number is never a filter.
pub fn understand(q: &str, vocabulary: &Vocabulary, currency: Currency) -> SmartQuery {
    let toks = tokens(q);
    let mut understood = Vec::new();
    let mut text_ranges: Vec<(usize, usize)> = Vec::new();
    let mut last_was_city = false;
    let mut i = 0;
    while i < toks.len() {
        let t = &toks[i];
        if t.literal {
            text_ranges.push((t.start, t.end));
            last_was_city = false;
            i += 1;
            continue;
        }
        // an operator word ("до", "under", "от") may stand before a number token
        let (op, num_at) = match op_word(&t.norm) {
            Some(op) if i + 1 < toks.len() && !toks[i + 1].literal => (Some(op), i + 1),
            _ => (None, i),
        };
        if let Some(mut n) = number(&toks[num_at].norm) {
            let mut end = num_at + 1;
            // a unit may be a token of its own: "180000 km", "150 кс", "25000 лв"
            if n.unit.is_none()
                && let Some(u) = toks
                    .get(end)
                    .filter(|t| !t.literal)
                    .and_then(|t| unit(&t.norm))
            {
                n.unit = Some(u);
                end += 1;
            }
            if n.op.is_none() {
                n.op = op;
            }
            if let Some(found) = interpret(n, last_was_city, currency) {
                let cut = [(toks[i].start, toks[end - 1].end)];
                let q_without = without(q, &cut);
                for what in found {
                    understood.push(UnderstoodToken {
                        what,
                        q_without: q_without.clone(),
                    });
                }
                last_was_city = false;
                i = end;
                continue;
            }
        }
        let words: Vec<&str> = toks[i..]
            .iter()
            .take(4)
            .take_while(|t| !t.literal)
            .map(|t| t.norm.as_str())
            .collect();
        let found = vocabulary
            .longest_name(&words)
            .map(|(what, len)| (what.clone(), len))
            .or_else(|| vocabulary_word(&t.norm).map(|what| (what, 1)));
        if let Some((what, len)) = found {
            last_was_city = matches!(what, Understood::City { .. });
            let cut = [(toks[i].start, toks[i + len - 1].end)];
            understood.push(UnderstoodToken {
                what,
                q_without: without(q, &cut),
            });
            i += len;
            continue;
        }
        last_was_city = false;
        text_ranges.push((t.start, t.end));
        i += 1;
    }
    // the free text keeps its quotes: rebuild it from the ranges, re-quoting quoted runs
    let text = rebuild_text(q, &toks, &text_ranges);
    SmartQuery { understood, text }
}

fn rebuild_text(q: &str, toks: &[Token<'_>], ranges: &[(usize, usize)]) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut quoted: Vec<&str> = Vec::new();
    for t in toks {
        let kept = ranges.contains(&(t.start, t.end));
        let in_quotes =
            t.literal && !t.raw.starts_with('-') && q[..t.start].matches('"').count() % 2 == 1;
        let continues_quote = kept && in_quotes;
        if !continues_quote && !quoted.is_empty() {
            parts.push(format!("\"{}\"", quoted.join(" ")));
            quoted.clear();
        }
        if kept {
            if in_quotes {
                quoted.push(t.raw);
            } else {
                parts.push(t.raw.to_string());
            }
        }
    }
    if !quoted.is_empty() {
        parts.push(format!("\"{}\"", quoted.join(" ")));
    }
    parts.join(" ")
}

/// The free-text part of a search, ready for `to_tsquery`: words are normalised and cut to
/// letters and digits, so nothing a person types can break the query syntax.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct TextQuery {
    /// Words that must match (each may be corrected for typos on the server).
    pub words: Vec<String>,
    /// `"exact phrases"`, each a run of words.
    pub phrases: Vec<Vec<String>>,
    /// `-excluded` words.
    pub excluded: Vec<String>,
}

fn split_words(s: &str) -> Vec<String> {
    normalise(s)
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| w.chars().take(40).collect())
        .collect()
}

impl TextQuery {
    /// Reads `golf "full service" -damaged` (at most 12 words).
    pub fn parse(text: &str) -> TextQuery {
        let mut out = TextQuery::default();
        for (n, part) in text.split('"').enumerate() {
            if n % 2 == 1 {
                let words = split_words(part);
                match words.len() {
                    0 => {}
                    1 => out.words.extend(words),
                    _ => out.phrases.push(words),
                }
                continue;
            }
            for raw in part.split_whitespace() {
                if let Some(ex) = raw.strip_prefix('-') {
                    out.excluded.extend(split_words(ex));
                } else {
                    out.words.extend(split_words(raw));
                }
            }
        }
        out.words.truncate(12);
        out.phrases.truncate(4);
        out.excluded.truncate(8);
        out
    }

    pub fn is_empty(&self) -> bool {
        self.words.is_empty() && self.phrases.is_empty() && self.excluded.is_empty()
    }

    /// The text resolved for matching. `alternatives(word)` gives the corrections to OR in
    /// for a word (typo tolerance); the last word also matches as a prefix (typing).
    pub fn to_match(&self, alternatives: impl Fn(&str) -> Vec<String>) -> Option<TextMatch> {
        if self.is_empty() {
            return None;
        }
        let last = self.words.len().saturating_sub(1);
        let groups = self
            .words
            .iter()
            .enumerate()
            .map(|(i, w)| {
                let mut terms = vec![Term {
                    word: w.clone(),
                    prefix: i == last,
                }];
                terms.extend(
                    alternatives(w)
                        .into_iter()
                        .filter(|a| a != w)
                        .map(|word| Term {
                            word,
                            prefix: false,
                        }),
                );
                terms
            })
            .collect();
        Some(TextMatch {
            groups,
            phrases: self.phrases.clone(),
            excluded: self.excluded.clone(),
        })
    }

    /// The `to_tsquery('simple', ..)` text of [`TextQuery::to_match`].
    pub fn to_tsquery(&self, alternatives: impl Fn(&str) -> Vec<String>) -> Option<String> {
        self.to_match(alternatives).map(|m| m.to_tsquery())
    }
}

/// One way a typed word may match: the word itself (or, for the last word typed, any word it
/// starts), or a typo correction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Term {
    pub word: String,
    pub prefix: bool,
}

/// Free text as matching needs it: every group must match (any of its terms), every phrase
/// must occur as consecutive words, no excluded word may occur.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TextMatch {
    pub groups: Vec<Vec<Term>>,
    pub phrases: Vec<Vec<String>>,
    pub excluded: Vec<String>,
}

impl TextMatch {
    /// The same match as `to_tsquery('simple', ..)` text (words are letters and digits only,
    /// so nothing typed can break the syntax).
    pub fn to_tsquery(&self) -> String {
        let mut parts: Vec<String> = Vec::new();
        for group in &self.groups {
            let options: Vec<String> = group
                .iter()
                .map(|t| {
                    if t.prefix {
                        format!("{}:*", t.word)
                    } else {
                        t.word.clone()
                    }
                })
                .collect();
            parts.push(if options.len() == 1 {
                options[0].clone()
            } else {
                format!("({})", options.join(" | "))
            });
        }
        for p in &self.phrases {
            parts.push(format!("({})", p.join(" <-> ")));
        }
        // only exclusions still filter ("-diesel": everything without it)
        parts.extend(self.excluded.iter().map(|e| format!("!{e}")));
        parts.join(" & ")
    }
}

/// Everything a listing must satisfy: the URL's filters and what the smart box understood,
/// merged. The same type will drive alert rules.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Criteria {
    pub text: TextQuery,
    pub makes: Vec<String>,
    pub models: Vec<String>,
    pub year_min: Option<i32>,
    pub year_max: Option<i32>,
    pub price_min: Option<Money>,
    pub price_max: Option<Money>,
    pub mileage_max: Option<i32>,
    pub power_min: Option<i32>,
    pub power_max: Option<i32>,
    /// Fuels, gearboxes, bodies, ...: the closed-vocabulary facets' values.
    pub picks: Picks,
    pub equipment: Vec<String>,
    pub city: Option<String>,
    pub radius_km: Option<i32>,
    pub has_photos: bool,
    pub posted_within_days: Option<i32>,
}

fn tighter_min<T: Ord + Copy>(a: Option<T>, b: Option<T>) -> Option<T> {
    a.max(b).or(a).or(b)
}

fn tighter_max<T: Ord + Copy>(a: Option<T>, b: Option<T>) -> Option<T> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.min(y)),
        _ => a.or(b),
    }
}

impl Criteria {
    /// The URL's filters plus the smart box's.
    pub fn from_search(query: &SearchQuery, smart: &SmartQuery) -> Criteria {
        let currency = query.currency();
        let money = |v: Option<i64>| v.map(|v| Money::new(v.saturating_mul(100), currency));
        let mut c = Criteria {
            text: TextQuery::parse(&smart.text),
            makes: query.makes.clone(),
            models: query.models.clone(),
            year_min: query.year_min,
            year_max: query.year_max,
            price_min: money(query.price_min),
            price_max: money(query.price_max),
            mileage_max: query.mileage_max,
            power_min: query.power_min,
            power_max: query.power_max,
            picks: query.picks.clone(),
            equipment: query.equipment.clone(),
            city: query.city.clone(),
            radius_km: query.radius_km,
            has_photos: query.has_photos,
            posted_within_days: query.posted_within_days,
        };
        for token in &smart.understood {
            match &token.what {
                Understood::Make { slug, .. } => push_unique(&mut c.makes, slug.clone()),
                Understood::Model { make, slug, .. } => {
                    push_unique(&mut c.makes, make.clone());
                    push_unique(&mut c.models, slug.clone());
                }
                // a price in another currency than the buyer's stays in its own currency; the
                // server compares in euro cents either way
                Understood::PriceMin(m) => c.price_min = c.price_min.or(Some(*m)),
                Understood::PriceMax(m) => c.price_max = c.price_max.or(Some(*m)),
                Understood::YearMin(v) => c.year_min = tighter_min(c.year_min, Some(*v)),
                Understood::YearMax(v) => c.year_max = tighter_max(c.year_max, Some(*v)),
                Understood::MileageMax(v) => c.mileage_max = tighter_max(c.mileage_max, Some(*v)),
                Understood::PowerMin(v) => c.power_min = tighter_min(c.power_min, Some(*v)),
                Understood::PowerMax(v) => c.power_max = tighter_max(c.power_max, Some(*v)),
                Understood::Pick(vocab, slug) => c.picks.add(*vocab, slug),
                Understood::City { slug, .. } => c.city = c.city.clone().or(Some(slug.clone())),
                Understood::RadiusKm(v) => c.radius_km = c.radius_km.or(Some(*v)),
            }
        }
        c
    }
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "tests")]
mod tests {
    use super::*;

    #[test]
    fn a_percent_before_a_character_of_several_bytes_is_kept_as_it_is() {
        assert_eq!(decode_component("%2д"), "%2д");
        assert_eq!(decode_component("%дд"), "%дд");
        assert_eq!(decode_component("%D0%B4%2"), "д%2");
        let q = SearchQuery::from_query_string("q=%2д&make=%zz");
        assert_eq!(q.q, "%2д");
    }

    #[test]
    fn a_search_takes_at_most_what_a_person_could_pick() {
        let makes: Vec<String> = (0..7_000).map(|i| format!("make{i}")).collect();
        let mut pairs: Vec<(&str, &str)> = makes.iter().map(|m| ("make", m.as_str())).collect();
        let long = "x".repeat(70_000);
        pairs.push(("model", &long));
        pairs.push(("year_min", "soon"));
        let q = SearchQuery::from_pairs(pairs);
        assert_eq!(q.makes.len(), MAX_MAKES);
        assert_eq!(q.makes[0], "make0");
        // the rest are reported, ten by name and the others as one count
        assert_eq!(q.ignored.len(), 11, "{:?}", q.ignored);
        assert_eq!(q.ignored[0], "make=make20");
        // of the first 300 parameters, 20 makes are taken and 280 refused (10 named, 270
        // counted); the 6,702 parameters after them are counted without being read
        assert!(q.ignored[10].starts_with("6972 more"), "{}", q.ignored[10]);
        // repeated values don't count twice, and within the caps nothing is dropped
        let q = SearchQuery::from_pairs([("make", "bmw"), ("make", "bmw"), ("equip", "tow-bar")]);
        assert_eq!(
            (q.makes.len(), q.equipment.len(), q.ignored.len()),
            (1, 1, 0)
        );
        // a value is cut to 300 characters
        let q = SearchQuery::from_pairs([("city", long.as_str())]);
        assert_eq!(q.city.map(|c| c.len()), Some(300));
    }

    fn vocab() -> Vocabulary {
        let make = |words: &[&str], slug: &str, name: &str| Name {
            words: words.iter().map(|w| w.to_string()).collect(),
            what: Understood::Make {
                slug: slug.into(),
                name: name.into(),
            },
        };
        let model = |words: &[&str], make: &str, slug: &str, name: &str| Name {
            words: words.iter().map(|w| w.to_string()).collect(),
            what: Understood::Model {
                make: make.into(),
                slug: slug.into(),
                name: name.into(),
            },
        };
        let city = |words: &[&str], slug: &str, name: &str| Name {
            words: words.iter().map(|w| w.to_string()).collect(),
            what: Understood::City {
                slug: slug.into(),
                name: name.into(),
            },
        };
        Vocabulary {
            names: vec![
                make(&["bmw"], "bmw", "BMW"),
                make(&["бмв"], "bmw", "BMW"),
                make(&["vw"], "volkswagen", "Volkswagen"),
                make(&["mercedes"], "mercedes-benz", "Mercedes-Benz"),
                make(&["mercedes", "benz"], "mercedes-benz", "Mercedes-Benz"),
                make(&["audi"], "audi", "Audi"),
                model(&["x5"], "bmw", "bmw-x5", "BMW X5"),
                model(&["a4"], "audi", "audi-a4", "Audi A4"),
                model(
                    &["golf"],
                    "volkswagen",
                    "volkswagen-golf",
                    "Volkswagen Golf",
                ),
                city(&["sofia"], "sofia", "Sofia"),
                city(&["софия"], "sofia", "Sofia"),
                city(&["plovdiv"], "plovdiv", "Plovdiv"),
                city(&["stara", "zagora"], "stara-zagora", "Stara Zagora"),
            ],
        }
    }

    fn whats(q: &str) -> (Vec<Understood>, String) {
        let s = understand(q, &vocab(), Currency::Bgn);
        (s.understood.into_iter().map(|u| u.what).collect(), s.text)
    }

    fn bgn(major: i64) -> Money {
        Money::new(major * 100, Currency::Bgn)
    }

    fn pick(vocab: Vocab, slug: &str) -> Understood {
        Understood::Pick(vocab, slug.into())
    }

    #[test]
    fn the_issue_examples_become_filters() {
        let (u, text) = whats("bmw x5 diesel <25000 2016+ <180000km automatic sofia");
        assert_eq!(
            u,
            vec![
                Understood::Make {
                    slug: "bmw".into(),
                    name: "BMW".into()
                },
                Understood::Model {
                    make: "bmw".into(),
                    slug: "bmw-x5".into(),
                    name: "BMW X5".into()
                },
                pick(Vocab::Fuel, "diesel"),
                Understood::PriceMax(bgn(25000)),
                Understood::YearMin(2016),
                Understood::MileageMax(180_000),
                pick(Vocab::Gearbox, "automatic"),
                Understood::City {
                    slug: "sofia".into(),
                    name: "Sofia".into()
                },
            ]
        );
        assert_eq!(text, "");

        let (u, _) = whats("audi a4 2018-2020 >150hp");
        assert_eq!(
            &u[2..],
            &[
                Understood::YearMin(2018),
                Understood::YearMax(2020),
                Understood::PowerMin(150)
            ]
        );

        let (u, text) = whats("golf manual plovdiv 50km");
        assert_eq!(
            &u[1..],
            &[
                pick(Vocab::Gearbox, "manual"),
                Understood::City {
                    slug: "plovdiv".into(),
                    name: "Plovdiv".into()
                },
                Understood::RadiusKm(50),
            ]
        );
        assert_eq!(text, "");
    }

    #[test]
    fn bulgarian_words_and_units() {
        let (u, _) = whats("бмв дизел автоматична до 20000 лв 150 кс софия");
        assert_eq!(
            u[1..],
            [
                pick(Vocab::Fuel, "diesel"),
                pick(Vocab::Gearbox, "automatic"),
                Understood::PriceMax(bgn(20000)),
                Understood::PowerMin(150),
                Understood::City {
                    slug: "sofia".into(),
                    name: "Sofia".into()
                },
            ]
        );
        let (u, _) = whats("от 2015 г. до 150000 км");
        assert_eq!(
            u,
            [Understood::YearMin(2015), Understood::MileageMax(150_000)]
        );
    }

    #[test]
    fn units_are_never_confused() {
        // km is mileage unless it directly follows a city (then a radius)
        assert_eq!(whats("golf 150000km").0[1], Understood::MileageMax(150_000));
        assert_eq!(whats("sofia 30 km").0[1], Understood::RadiusKm(30));
        // a km value is never a price, a price never a year
        assert_eq!(whats("<20000km").0, [Understood::MileageMax(20_000)]);
        assert_eq!(whats("<2000").0, [Understood::PriceMax(bgn(2000))]);
        assert_eq!(
            whats("5000-9000").0,
            [
                Understood::PriceMin(bgn(5000)),
                Understood::PriceMax(bgn(9000))
            ]
        );
        assert_eq!(
            whats("<15000€").0,
            [Understood::PriceMax(Money::new(1_500_000, Currency::Eur))]
        );
        assert_eq!(whats("110kw").0, [Understood::PowerMin(150)]);
        // bare numbers are models or words, never filters
        let (u, text) = whats("bmw 320 2008");
        assert_eq!(u.len(), 1);
        assert_eq!(text, "320 2008");
    }

    #[test]
    fn quotes_and_exclusions_stay_free_text() {
        let (u, text) = whats("\"diesel sofia\" -automatic golf");
        assert_eq!(u.len(), 1); // only golf
        assert_eq!(text, "\"diesel sofia\" -automatic");
        let t = TextQuery::parse(&text);
        assert_eq!(t.phrases, vec![vec!["diesel".to_string(), "sofia".into()]]);
        assert_eq!(t.excluded, vec!["automatic".to_string()]);
    }

    #[test]
    fn multi_word_names_match_longest_first() {
        let (u, _) = whats("mercedes benz stara zagora");
        assert_eq!(u.len(), 2);
        assert!(matches!(&u[1], Understood::City { slug, .. } if slug == "stara-zagora"));
    }

    #[test]
    fn chips_remove_their_own_token() {
        let s = understand("bmw  x5 <25000 leather", &vocab(), Currency::Bgn);
        let price = s
            .understood
            .iter()
            .find(|u| matches!(u.what, Understood::PriceMax(_)))
            .unwrap();
        assert_eq!(price.q_without, "bmw x5 leather");
        assert_eq!(s.text, "leather");
    }

    #[test]
    fn text_queries_are_safe_tsquery_syntax() {
        let t = TextQuery::parse("volkswagn golf's & | ! (x) -rust \"full service\"");
        let q = t
            .to_tsquery(|w| {
                if w == "volkswagn" {
                    vec!["volkswagen".into()]
                } else {
                    vec![]
                }
            })
            .unwrap();
        assert_eq!(
            q,
            "(volkswagn | volkswagen) & golf & s & x:* & (full <-> service) & !rust"
        );
        assert_eq!(
            TextQuery::parse("-only -this")
                .to_tsquery(|_| vec![])
                .as_deref(),
            Some("!only & !this")
        );
        assert_eq!(TextQuery::parse(" \"\" ").to_tsquery(|_| vec![]), None);
    }

    #[test]
    fn normalising_matches_postgres_unaccent() {
        assert_eq!(normalise("Škoda Citroën"), "skoda citroen");
        assert_eq!(normalise("ЁЛКА Мерцедес"), "елка мерцедес");
        assert_eq!(normalise("Зайчаров й"), "зайчаров й");
    }

    #[test]
    fn search_urls_round_trip() {
        let q = SearchQuery::from_query_string(
            "q=bmw+x5+%3C25000&make=audi&make=bmw&fuel=diesel&fuel=coal&gearbox=diesel&colour=black&year_min=2020&year_max=2015&size=50&cur=EUR&radius=5000&utm_source=x",
        );
        assert_eq!(q.picks[Vocab::Fuel], ["diesel"]);
        assert_eq!(q.picks[Vocab::Colour], ["black"]);
        assert!(q.picks[Vocab::Gearbox].is_empty());
        assert_eq!(q.q, "bmw x5 <25000");
        assert_eq!(q.makes, vec!["audi", "bmw"]);
        assert_eq!((q.year_min, q.year_max), (Some(2015), Some(2020)));
        assert_eq!(q.page_size, 50);
        assert_eq!(q.currency, Some(Currency::Eur));
        assert_eq!(
            q.ignored,
            vec!["fuel=coal", "gearbox=diesel", "radius=5000"]
        );
        let again = SearchQuery::from_query_string(&q.to_query_string());
        assert_eq!(again.first_page(), q.first_page());
    }

    #[test]
    fn a_named_currency_stays_named_and_a_persons_own_fills_the_gap() {
        let own = |qs: &str, c| SearchQuery::from_query_string(qs).in_currency(c);
        // an address without `cur=`: the person's own currency, named from then on
        let q = own("price_max=20000", Currency::Bgn);
        assert_eq!(q.currency(), Currency::Bgn);
        assert_eq!(q.to_query_string(), "price_max=20000&cur=BGN");
        // a named currency wins, even the euro, and stays named: it may not be the person's own
        let q = own("price_max=20000&cur=EUR", Currency::Bgn);
        assert_eq!(q.currency(), Currency::Eur);
        assert_eq!(q.to_query_string(), "price_max=20000&cur=EUR");
        // the euro is what an address without `cur=` means for everyone
        let q = own("price_max=20000", Currency::Eur);
        assert_eq!((q.currency, q.currency()), (None, Currency::Eur));
        assert_eq!(q.to_query_string(), "price_max=20000");
        // an unknown currency is ignored and said so
        let q = own("cur=XYZ", Currency::Gbp);
        assert_eq!(q.currency(), Currency::Gbp);
        assert_eq!(q.ignored, ["cur=XYZ"]);
    }

    #[test]
    fn criteria_merge_the_form_and_the_box() {
        let query = SearchQuery::from_query_string("q=x5+2018%2B&year_min=2016&make=audi");
        let smart = understand(&query.q, &vocab(), query.currency());
        let c = Criteria::from_search(&query, &smart);
        assert_eq!(c.makes, vec!["audi", "bmw"]);
        assert_eq!(c.models, vec!["bmw-x5"]);
        assert_eq!(c.year_min, Some(2018));
    }
}
