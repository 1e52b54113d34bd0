//! Which alert rules a listing matches, without visiting every rule.
//!
//! Candidates: every rule is filed under the most specific thing it asks for: each model it
//! names, else each make, else "anywhere" (no make or model); and within that by place: in a
//! city, within a radius of a centre (most centres are city centres), or anywhere. A listing
//! looks at its model's, its make's and the "anywhere" shelves only, and on each at the
//! rules without a place, its own city's, and those around the centres within reach of it
//! (its distance to each centre measured once).
//!
//! Each such list is a bit index: a column of bits (one per rule) for every bucket of every
//! structured dimension (price, year, mileage, power, each closed vocabulary of
//! `facets::VOCABS`, photos, and distance around a centre), the bit set when the rule's bounds admit a value
//! in that bucket. A listing picks one column per dimension; AND-ing those (64 rules a
//! machine word) leaves a small superset of the rules whose bounds admit it, which the exact
//! check then narrows. That exact check decides the criteria it covers completely (make,
//! model, the numeric bounds, the closed vocabularies, photos, city, distance). What else a
//! rule asks for (words, equipment, an age) is decided by the search engine's own
//! code: the listing is put in a one-listing [`Index`] and those filters are counted on it,
//! exactly as a search counts them; rules that ask for the same thing share one answer per
//! listing, and keyword expressions shared by many rules are likewise evaluated once per
//! listing. The engine is also the reference the index is tested against (every rule on its
//! own one-listing index, and every rule as a search over all listings), so a search and its
//! alert agree about a listing. Last, the rule's must-have and excluded keywords are checked
//! against the listing's words.

use super::keywords::{Expr, Text};
use crate::accounts::model::AccountId;
use crate::listings::{
    search::engine::{self, Index, Row},
    search::facets::{VOCAB_COUNT, VOCABS, Vocab},
    search::filters::Filters,
};
use std::collections::HashMap;
use time::OffsetDateTime;

/// One rule ready to match: the search part resolved as search resolves it.
#[derive(Debug, Clone)]
pub struct Rule {
    pub id: i64,
    pub account: AccountId,
    pub filters: Filters,
    pub keywords: Option<Expr>,
    pub excluded: Option<Expr>,
}

impl Rule {
    /// The full check, on a listing already put in a one-listing index.
    fn admits(&self, one: &Index, text: &Text, now: OffsetDateTime) -> bool {
        one.count(&self.filters, now) == 1
            && self.keywords.as_ref().is_none_or(|k| k.matches(text))
            && !self.excluded.as_ref().is_some_and(|x| x.matches(text))
    }
}

/// A newly published or changed listing as the matcher takes it.
pub struct Listing<'a> {
    pub row: &'a Row,
    /// Its title, make, model and description, for keywords.
    pub text: &'a Text,
}

/// Puts one listing in an index of its own, for [`Rule`] checks.
pub fn one_listing_index(row: &Row) -> Index {
    Index::build(std::slice::from_ref(row), &[], HashMap::new())
}

/// Brute force: every rule's full check. The reference the indexed matcher is tested against.
pub fn brute_force<'r>(
    rules: impl IntoIterator<Item = &'r Rule>,
    listing: &Listing<'_>,
    now: OffsetDateTime,
) -> Vec<i64> {
    let one = one_listing_index(listing.row);
    let mut ids: Vec<i64> = rules
        .into_iter()
        .filter(|r| r.admits(&one, listing.text, now))
        .map(|r| r.id)
        .collect();
    ids.sort_unstable();
    ids
}

/// A value's bit in its vocabulary, the value's place in `facets::VOCABS` (0 when it has
/// none: matches no mask; every vocabulary has at most 32 values, as a test there checks).
fn bit(vocab: Vocab, value: Option<&str>) -> u32 {
    value
        .and_then(|v| vocab.facet().values.iter().position(|(x, _)| *x == v))
        .map_or(0, |i| 1 << i)
}

/// The mask of a rule's accepted values; `u32::MAX` when it accepts any. Values outside the
/// vocabulary set no bit (the search finds nothing for them either).
fn mask(vocab: Vocab, values: &[String]) -> u32 {
    if values.is_empty() {
        return u32::MAX;
    }
    values.iter().fold(0, |m, v| m | bit(vocab, Some(v)))
}

/// A listing's values as the exact check reads them.
struct Probe {
    price: i64,
    year: Option<i16>,
    mileage: Option<i32>,
    power: Option<i16>,
    /// Its value's bit in each closed vocabulary.
    bits: [u32; VOCAB_COUNT],
    photos: bool,
    city: i32,
    at: (f64, f64),
}

impl Probe {
    fn of(row: &Row) -> Probe {
        Probe {
            price: row.price_eur_minor,
            year: row.year,
            mileage: row.mileage_km,
            power: row.power_hp,
            bits: Vocab::ALL.map(|v| bit(v, row.vocab(v))),
            photos: row.photo_count > 0,
            city: row.city_id,
            at: (row.latitude, row.longitude),
        }
    }
}

/// A rule's structured bounds, kept next to its slot in a candidate list, with the same
/// meaning as the engine gives them (inclusive bounds; a listing without a value fails a
/// bound on it; distance by the engine's `earth_distance`).
#[derive(Debug, Clone, Copy)]
struct Entry {
    price_max: i64,
    price_min: i64,
    /// Inclusive bounds, None when the rule sets neither end.
    year: Option<(i16, i16)>,
    power: Option<(i16, i16)>,
    mileage_max: Option<i32>,
    masks: [u32; VOCAB_COUNT],
    city: Option<i32>,
    /// The interned centre and the radius in metres.
    near: Option<(u32, f64)>,
    photos: bool,
    /// The rule's criteria the exact check does not cover, as two interned parts (its words;
    /// its equipment and age): the search engine's own check decides each, once per
    /// listing for all rules that share it. [`NONE`] for a part a rule does not have.
    residual: [u32; 2],
    /// The must-have and excluded keyword expressions, interned likewise.
    keywords: u32,
    excluded: u32,
    /// Filed under a model and a make: a listing of that model and make meets it twice. (A
    /// listing has one model and one make, so two models or two makes never meet it twice.)
    several: bool,
    slot: u32,
    /// The rule's id, so a match needs no look at the rule itself.
    id: i64,
}

/// No interned criteria.
const NONE: u32 = u32::MAX;

/// The parts of a rule's filters the exact check does not decide: its words, and its
/// equipment and age. The engine ANDs filters, so a listing passes the whole when it
/// passes each part, and parts are shared by far more rules than whole combinations are.
fn residual(f: &Filters) -> [Option<Filters>; 2] {
    let words = f.text.is_some().then(|| Filters {
        text: f.text.clone(),
        ..Filters::default()
    });
    let rest = (!f.equipment.is_empty() || f.posted_within_days.is_some()).then(|| Filters {
        equipment: f.equipment.clone(),
        posted_within_days: f.posted_within_days,
        ..Filters::default()
    });
    [words, rest]
}

/// Values stored once however many rules share them, by their `Debug` form.
struct Interned<T> {
    ids: HashMap<String, u32>,
    items: Vec<T>,
}

impl<T: std::fmt::Debug> Interned<T> {
    fn id(&mut self, item: Option<T>) -> u32 {
        let Some(item) = item else {
            return NONE;
        };
        let key = format!("{item:?}");
        if let Some(id) = self.ids.get(&key) {
            return *id;
        }
        let id = u32::try_from(self.items.len()).unwrap_or(NONE);
        self.items.push(item);
        self.ids.insert(key, id);
        id
    }
}

impl<T> Default for Interned<T> {
    fn default() -> Self {
        Interned {
            ids: HashMap::new(),
            items: Vec::new(),
        }
    }
}

impl Entry {
    fn of(
        rule: &Rule,
        slot: u32,
        interned: ([u32; 2], u32, u32),
        centre: u32,
        several: bool,
    ) -> Entry {
        let id = rule.id;
        let rule = &rule.filters;
        let small = |v: i32| i16::try_from(v).unwrap_or(if v < 0 { i16::MIN } else { i16::MAX });
        let bounds = |min: Option<i32>, max: Option<i32>| {
            (min.is_some() || max.is_some())
                .then(|| (min.map_or(i16::MIN, small), max.map_or(i16::MAX, small)))
        };
        Entry {
            price_max: rule.price_max_eur.unwrap_or(i64::MAX),
            price_min: rule.price_min_eur.unwrap_or(i64::MIN),
            year: bounds(rule.year_min, rule.year_max),
            power: bounds(rule.power_min, rule.power_max),
            mileage_max: rule.mileage_max,
            masks: Vocab::ALL.map(|v| mask(v, &rule.picks[v])),
            city: rule.city_id,
            near: rule.near.and_then(|(_, _, r)| r.map(|r| (centre, r))),
            photos: rule.has_photos,
            residual: interned.0,
            keywords: interned.1,
            excluded: interned.2,
            several,
            slot,
            id,
        }
    }

    /// False only when the rule's own bounds rule the listing out (a listing without a year
    /// or mileage fails a rule that bounds them, as in search).
    fn may_admit(&self, p: &Probe, distances: &mut Distances<'_>) -> bool {
        let within = |v: Option<i16>, bounds: Option<(i16, i16)>| {
            bounds.is_none_or(|(lo, hi)| v.is_some_and(|v| v >= lo && v <= hi))
        };
        p.price >= self.price_min
            && p.price <= self.price_max
            && within(p.year, self.year)
            && self
                .mileage_max
                .is_none_or(|max| p.mileage.is_some_and(|m| m <= max))
            && within(p.power, self.power)
            && self
                .masks
                .iter()
                .zip(p.bits)
                .all(|(m, b)| *m == u32::MAX || m & b != 0)
            && (!self.photos || p.photos)
            && self.city.is_none_or(|c| c == p.city)
            && self
                .near
                .is_none_or(|(centre, r)| distances.to(centre, p.at) <= r)
    }
}

/// Distances from one listing to the rules' centres (most rules are centred on a city, so
/// there are few), each measured once, with the engine's own `earth_distance`.
struct Distances<'a> {
    centres: &'a [(f64, f64)],
    known: Vec<f64>,
}

impl Distances<'_> {
    fn to(&mut self, centre: u32, at: (f64, f64)) -> f64 {
        let d = &mut self.known[centre as usize];
        if d.is_nan() {
            *d = engine::earth_distance(self.centres[centre as usize], at);
        }
        *d
    }
}

/// How one dimension's values fall into buckets: bucket `b` holds the values from its lower
/// bound up to the next bucket's. The first bucket starts at `i64::MIN`, so every value has
/// one.
#[derive(Debug)]
struct Scale(Vec<i64>);

impl Scale {
    fn new(bounds: impl IntoIterator<Item = i64>) -> Scale {
        let mut lower = vec![i64::MIN];
        lower.extend(bounds);
        debug_assert!(lower.windows(2).all(|w| w[0] < w[1]), "{lower:?}");
        Scale(lower)
    }

    fn len(&self) -> usize {
        self.0.len()
    }

    fn bucket(&self, value: i64) -> usize {
        self.0.partition_point(|lower| *lower <= value) - 1
    }

    /// Whether every value of bucket `b` is in `lo..=hi`.
    fn within(&self, b: usize, lo: i64, hi: i64) -> bool {
        let upper = self.0.get(b + 1).map_or(i64::MAX, |next| next - 1);
        self.0[b] >= lo && upper <= hi
    }

    /// The buckets holding any value of `lo..=hi`.
    fn span(&self, lo: i64, hi: i64) -> std::ops::RangeInclusive<usize> {
        if lo > hi {
            #[expect(clippy::reversed_empty_ranges, reason = "no buckets")]
            return 1..=0;
        }
        self.bucket(lo)..=self.bucket(hi)
    }
}

/// The dimensions of the bit index, in column order.
const PRICE: usize = 0;
const YEAR: usize = 1;
const MILEAGE: usize = 2;
const POWER: usize = 3;
/// The first of the closed vocabularies, one dimension each in `facets::VOCABS` order.
const VOCABULARY: usize = 4;
const PHOTOS: usize = VOCABULARY + VOCAB_COUNT;
const DISTANCE: usize = PHOTOS + 1;
/// The columns a listing picks, one per dimension; the distance one only around a centre.
type Picks = [usize; DISTANCE];

/// Where each dimension's columns start in a candidate list, and how values are bucketed.
/// A rule sets its bit in every column whose bucket holds a value its bounds admit, plus the
/// "no value" column of a dimension it does not bound; a listing picks one column per
/// dimension (its value's bucket, or "no value"). So a rule whose bounds admit the listing
/// has its bit set in every column the listing picks: the columns' AND is a superset of the
/// rules that pass, which the exact check ([`Entry::may_admit`]) then narrows.
#[derive(Debug)]
struct Layout {
    price: Scale,
    year: Scale,
    mileage: Scale,
    power: Scale,
    distance: Scale,
    start: [usize; DISTANCE + 2],
}

impl Default for Layout {
    fn default() -> Layout {
        // euro cents, about 12% apart from 300 EUR to 1,000,000 EUR
        let mut prices = vec![0];
        let mut eur = 300.0_f64;
        while eur < 1_000_000.0 {
            #[expect(clippy::cast_possible_truncation, reason = "below 10^8")]
            prices.push((eur.round() as i64) * 100);
            eur *= 1.12;
        }
        let year = Scale::new([1970, 1980, 1990].into_iter().chain(1991..=2035));
        let mileage = Scale::new(
            (0..=300_000)
                .step_by(10_000)
                .chain([350_000, 400_000, 500_000]),
        );
        let power = Scale::new((0..=400).step_by(20).chain([450, 500, 600, 800]));
        // metres
        let distance = Scale::new(
            (0..=200_000)
                .step_by(5_000)
                .chain([250_000, 300_000, 400_000, 500_000, 1_000_000]),
        );
        // each dimension's width: the buckets, plus one for "no value" where a listing may
        // lack one (a vocabulary's extra column also takes values outside it)
        let price = Scale::new(prices);
        let widths: Vec<usize> = [
            price.len(),
            year.len() + 1,
            mileage.len() + 1,
            power.len() + 1,
        ]
        .into_iter()
        .chain(VOCABS.iter().map(|f| f.values.len() + 1))
        .chain([2, distance.len()])
        .collect();
        let mut start = [0; DISTANCE + 2];
        for (i, width) in widths.iter().enumerate() {
            start[i + 1] = start[i] + width;
        }
        Layout {
            price,
            year,
            mileage,
            power,
            distance,
            start,
        }
    }
}

impl Layout {
    /// How many columns a list has: around a centre, the distance ones too.
    fn width(&self, around: bool) -> usize {
        self.start[if around { DISTANCE + 1 } else { DISTANCE }]
    }

    /// "No value": the column after a dimension's buckets.
    fn none(&self, dimension: usize) -> usize {
        self.start[dimension + 1] - 1
    }

    /// Calls `set` with every column the entry's bounds admit, and whether they admit every
    /// value of that column's bucket.
    fn admitted(&self, e: &Entry, around: bool, mut set: impl FnMut(usize, bool)) {
        // the buckets meeting lo..=hi, wholly admitted when none of their values is below
        // lo or above `whole` (hi, or less where values are rounded down into buckets);
        // unbounded: every bucket and "no value"
        let mut bounded =
            |dimension: usize, scale: &Scale, bounds: Option<(i64, i64, i64)>| match bounds {
                Some((lo, hi, whole)) => {
                    for b in scale.span(lo, hi) {
                        set(self.start[dimension] + b, scale.within(b, lo, whole));
                    }
                }
                None => {
                    for b in 0..=scale.len() {
                        set(self.start[dimension] + b, true);
                    }
                }
            };
        let price = (e.price_min, e.price_max, e.price_max);
        bounded(PRICE, &self.price, Some(price));
        let year = e.year.map(|(lo, hi)| (lo.into(), hi.into(), hi.into()));
        bounded(YEAR, &self.year, year);
        let mileage = e.mileage_max.map(|m| (i64::MIN, m.into(), m.into()));
        bounded(MILEAGE, &self.mileage, mileage);
        let power = e.power.map(|(lo, hi)| (lo.into(), hi.into(), hi.into()));
        bounded(POWER, &self.power, power);
        if around && let Some((_, radius)) = e.near {
            // listings are bucketed by the floor of their distance in whole metres: those at
            // most floor(radius) may be within the radius, those below it certainly are
            #[expect(clippy::cast_possible_truncation, reason = "saturates, as meant")]
            let floor = radius.floor() as i64;
            let distance = (i64::MIN, floor, floor.saturating_sub(1));
            bounded(DISTANCE, &self.distance, Some(distance));
        }
        for (i, mask) in e.masks.iter().enumerate() {
            let width = VOCABS[i].values.len();
            for b in 0..=width {
                if *mask == u32::MAX || (b < width && mask >> b & 1 == 1) {
                    set(self.start[VOCABULARY + i] + b, true);
                }
            }
        }
        for b in usize::from(e.photos)..=1 {
            set(self.start[PHOTOS] + b, true);
        }
    }

    /// The column a listing picks in each dimension but distance.
    fn picks(&self, p: &Probe) -> Picks {
        let value = |dimension: usize, scale: &Scale, v: Option<i64>| {
            v.map_or(self.none(dimension), |v| {
                self.start[dimension] + scale.bucket(v)
            })
        };
        let mut picks = [0; DISTANCE];
        picks[PRICE] = self.start[PRICE] + self.price.bucket(p.price);
        picks[YEAR] = value(YEAR, &self.year, p.year.map(i64::from));
        picks[MILEAGE] = value(MILEAGE, &self.mileage, p.mileage.map(i64::from));
        picks[POWER] = value(POWER, &self.power, p.power.map(i64::from));
        for (i, bit) in p.bits.iter().enumerate() {
            let dimension = VOCABULARY + i;
            picks[dimension] = if *bit == 0 {
                self.none(dimension)
            } else {
                self.start[dimension] + bit.trailing_zeros() as usize
            };
        }
        picks[PHOTOS] = self.start[PHOTOS] + usize::from(p.photos);
        picks
    }

    /// The distance column of a listing `metres` from a list's centre.
    fn distance(&self, metres: f64) -> usize {
        #[expect(clippy::cast_possible_truncation, reason = "saturates, as meant")]
        let floor = metres.floor() as i64;
        self.start[DISTANCE] + self.distance.bucket(floor)
    }
}

/// One candidate list: rules in the order they came, a bit each (64 to a word) in columns
/// kept in one flat array, `stride` words apart: for every bucket of every dimension (see
/// [`Layout`]) one column of the rules whose bounds admit some of its values, and one of those
/// admitting all of them; then which rules are still in the list, and which need more than
/// their bounds checked (words, equipment, keywords; or filed under a model and its make).
#[derive(Debug)]
struct Group {
    entries: Vec<Entry>,
    /// The entries' rule ids, for rules that need no more than the columns say.
    ids: Vec<i64>,
    bits: Vec<u64>,
    stride: usize,
    /// Words in use per column.
    words: usize,
    /// Columns per kind (some, all).
    width: usize,
    dead: usize,
    /// Rules around one centre: the distance columns are kept.
    around: bool,
}

impl Group {
    fn new(around: bool, layout: &Layout) -> Group {
        Group {
            entries: Vec::new(),
            ids: Vec::new(),
            bits: Vec::new(),
            stride: 0,
            words: 0,
            width: layout.width(around),
            dead: 0,
            around,
        }
    }

    fn live(&self) -> usize {
        2 * self.width
    }

    fn special(&self) -> usize {
        2 * self.width + 1
    }

    fn column(&self, c: usize) -> &[u64] {
        &self.bits[c * self.stride..c * self.stride + self.words]
    }

    fn set(&mut self, c: usize, i: usize) {
        self.bits[c * self.stride + i / 64] |= 1 << (i % 64);
    }

    fn push(&mut self, e: Entry, layout: &Layout) {
        let n = self.entries.len();
        if n == self.words * 64 {
            if self.words == self.stride {
                // room for twice the words in every column
                let stride = (self.stride * 2).max(1);
                let columns = 2 * self.width + 2;
                let mut bits = vec![0; columns * stride];
                for c in 0..columns {
                    bits[c * stride..c * stride + self.words].copy_from_slice(self.column(c));
                }
                self.bits = bits;
                self.stride = stride;
            }
            self.words += 1;
        }
        self.set(self.live(), n);
        if e.residual != [NONE; 2] || e.keywords != NONE || e.excluded != NONE || e.several {
            self.set(self.special(), n);
        }
        // a city as well as a radius (not what search builds, but a filter can say it): the
        // columns do not hold the city, so such a rule is never taken as surely admitting
        let columns_tell_all = !(e.near.is_some() && e.city.is_some());
        let (width, stride, word, bit) = (self.width, self.stride, n / 64, 1u64 << (n % 64));
        let bits = &mut self.bits;
        layout.admitted(&e, self.around, |c, whole| {
            bits[c * stride + word] |= bit;
            if whole && columns_tell_all {
                bits[(width + c) * stride + word] |= bit;
            }
        });
        self.ids.push(e.id);
        self.entries.push(e);
    }

    fn is_live(&self, i: usize) -> bool {
        self.column(self.live())[i / 64] >> (i % 64) & 1 == 1
    }

    /// Takes the rule in `slot` out; rebuilds the list once most of it is gone.
    fn remove(&mut self, slot: u32, layout: &Layout) {
        let Some(i) =
            (0..self.entries.len()).find(|i| self.entries[*i].slot == slot && self.is_live(*i))
        else {
            return;
        };
        let live = self.live();
        self.bits[live * self.stride + i / 64] &= !(1 << (i % 64));
        self.dead += 1;
        if self.dead * 2 > self.entries.len() {
            let mut fresh = Group::new(self.around, layout);
            let entries = std::mem::take(&mut self.entries);
            for (i, e) in entries.into_iter().enumerate() {
                if self.is_live(i) {
                    fresh.push(e, layout);
                }
            }
            *self = fresh;
        }
    }

    /// The rules whose bounds admit the listing: the ids of those that need nothing else into
    /// `ids`, the entries of the rest (bounds already checked) into `found`.
    fn candidates<'a>(
        &'a self,
        picks: &Picks,
        distance: Option<usize>,
        p: &Probe,
        distances: &mut Distances<'_>,
        ids: &mut Vec<i64>,
        found: &mut Vec<&'a Entry>,
    ) {
        if self.words == 0 {
            return;
        }
        let mut some: [&[u64]; DISTANCE + 1] = [&[]; DISTANCE + 1];
        let mut all: [&[u64]; DISTANCE + 1] = [&[]; DISTANCE + 1];
        let mut n = 0;
        for c in picks.iter().chain(distance.as_ref()) {
            some[n] = self.column(*c);
            all[n] = self.column(self.width + c);
            n += 1;
        }
        let (some, all) = (&some[..n], &all[..n]);
        let live = self.column(self.live());
        let special = self.column(self.special());
        for i in 0..self.words {
            let mut maybe = live[i];
            for column in some {
                if maybe == 0 {
                    break;
                }
                maybe &= column[i];
            }
            if maybe == 0 {
                continue;
            }
            // bounds that admit every value of the listing's buckets
            let mut whole = maybe;
            for column in all {
                whole &= column[i];
            }
            let mut word = whole & !special[i];
            while word != 0 {
                let bit = word.trailing_zeros() as usize;
                word &= word - 1;
                ids.push(self.ids[i * 64 + bit]);
            }
            let mut word = maybe & special[i];
            while word != 0 {
                let bit = word.trailing_zeros() as usize;
                word &= word - 1;
                let e = &self.entries[i * 64 + bit];
                if whole >> bit & 1 == 1 || e.may_admit(p, distances) {
                    found.push(e);
                }
            }
            let mut word = maybe & !whole & !special[i];
            while word != 0 {
                let bit = word.trailing_zeros() as usize;
                word &= word - 1;
                let e = &self.entries[i * 64 + bit];
                if e.may_admit(p, distances) {
                    ids.push(e.id);
                }
            }
        }
    }
}

/// Rules around one centre, and the farthest any of them reaches.
#[derive(Debug)]
struct Around {
    centre: u32,
    reach: f64,
    group: Group,
}

/// Every rule filed under one key, by place: anywhere, in a city, or within a radius of a
/// centre (a listing looks only at its own city's list and at the centres within reach).
#[derive(Debug)]
struct Shelf {
    anywhere: Group,
    cities: HashMap<i32, Group>,
    around: Vec<Around>,
}

impl Shelf {
    fn new(layout: &Layout) -> Shelf {
        Shelf {
            anywhere: Group::new(false, layout),
            cities: HashMap::new(),
            around: Vec::new(),
        }
    }

    fn group(&mut self, e: &Entry, layout: &Layout) -> &mut Group {
        match (e.near, e.city) {
            (Some((centre, radius)), _) => {
                let at = match self.around.iter().position(|a| a.centre == centre) {
                    Some(at) => at,
                    None => {
                        self.around.push(Around {
                            centre,
                            reach: radius,
                            group: Group::new(true, layout),
                        });
                        self.around.len() - 1
                    }
                };
                let around = &mut self.around[at];
                around.reach = around.reach.max(radius);
                &mut around.group
            }
            (None, Some(city)) => self
                .cities
                .entry(city)
                .or_insert_with(|| Group::new(false, layout)),
            (None, None) => &mut self.anywhere,
        }
    }

    fn candidates<'a>(
        &'a self,
        layout: &Layout,
        picks: &Picks,
        p: &Probe,
        distances: &mut Distances<'_>,
        ids: &mut Vec<i64>,
        found: &mut Vec<&'a Entry>,
    ) {
        self.anywhere
            .candidates(picks, None, p, distances, ids, found);
        if let Some(group) = self.cities.get(&p.city) {
            group.candidates(picks, None, p, distances, ids, found);
        }
        for around in &self.around {
            let metres = distances.to(around.centre, p.at);
            if metres <= around.reach {
                let column = layout.distance(metres);
                around
                    .group
                    .candidates(picks, Some(column), p, distances, ids, found);
            }
        }
    }
}

/// Where a rule is filed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Key {
    Model(i32),
    Make(i32),
    Anywhere,
}

fn keys_of(f: &Filters) -> Vec<Key> {
    if f.make_ids.is_empty() && f.model_ids.is_empty() {
        return vec![Key::Anywhere];
    }
    // Filters hold the chosen models plus the makes with no model chosen: a listing matches
    // when its model is one of the former or its make one of the latter.
    let mut keys: Vec<Key> = f.model_ids.iter().map(|m| Key::Model(*m)).collect();
    keys.extend(f.make_ids.iter().map(|m| Key::Make(*m)));
    keys.sort_unstable_by_key(|k| match k {
        Key::Model(m) => (0, *m),
        Key::Make(m) => (1, *m),
        Key::Anywhere => (2, 0),
    });
    keys.dedup();
    keys
}

/// Every active rule, filed for candidate selection. See the module comment.
#[derive(Default)]
pub struct Matcher {
    rules: Vec<Option<Rule>>,
    slot_of: HashMap<i64, u32>,
    lists: HashMap<Key, Shelf>,
    layout: Layout,
    residuals: Interned<Filters>,
    expressions: Interned<Expr>,
    centres: Interned<(f64, f64)>,
}

impl Matcher {
    pub fn new() -> Matcher {
        Matcher::default()
    }

    pub fn len(&self) -> usize {
        self.slot_of.len()
    }

    pub fn is_empty(&self) -> bool {
        self.slot_of.is_empty()
    }

    /// Adds a rule, or replaces the one with its id.
    pub fn upsert(&mut self, rule: Rule) {
        self.remove(rule.id);
        let slot = u32::try_from(self.rules.len()).unwrap_or(u32::MAX);
        let entry = self.entry(&rule, slot);
        for key in keys_of(&rule.filters) {
            let layout = &self.layout;
            let shelf = self.lists.entry(key).or_insert_with(|| Shelf::new(layout));
            shelf.group(&entry, layout).push(entry, layout);
        }
        self.slot_of.insert(rule.id, slot);
        self.rules.push(Some(rule));
    }

    /// Takes a rule out (paused or deleted). Its slot stays empty.
    pub fn remove(&mut self, id: i64) {
        let Some(slot) = self.slot_of.remove(&id) else {
            return;
        };
        if let Some(rule) = self.rules[slot as usize].take() {
            let entry = self.entry(&rule, slot);
            for key in keys_of(&rule.filters) {
                if let Some(shelf) = self.lists.get_mut(&key) {
                    shelf.group(&entry, &self.layout).remove(slot, &self.layout);
                }
            }
        }
    }

    fn entry(&mut self, rule: &Rule, slot: u32) -> Entry {
        let interned = (
            residual(&rule.filters).map(|part| self.residuals.id(part)),
            self.expressions.id(rule.keywords.clone()),
            self.expressions.id(rule.excluded.clone()),
        );
        let centre = self
            .centres
            .id(rule.filters.near.map(|(lat, lng, _)| (lat, lng)));
        Entry::of(rule, slot, interned, centre, {
            let keys = keys_of(&rule.filters);
            keys.iter().any(|k| matches!(k, Key::Model(_)))
                && keys.iter().any(|k| matches!(k, Key::Make(_)))
        })
    }

    /// Builds a matcher from many rules at once.
    pub fn build(rules: impl IntoIterator<Item = Rule>) -> Matcher {
        let mut m = Matcher::new();
        for rule in rules {
            m.upsert(rule);
        }
        m
    }

    /// The rules whose bounds admit the row, each once: the ids of those that need nothing
    /// more, and the entries of the rest.
    fn candidates(&self, row: &Row) -> (Vec<i64>, Vec<&Entry>) {
        let mut ids = Vec::with_capacity(1024);
        let mut found = Vec::with_capacity(256);
        let probe = Probe::of(row);
        let picks = self.layout.picks(&probe);
        let mut distances = Distances {
            centres: &self.centres.items,
            known: vec![f64::NAN; self.centres.items.len()],
        };
        let mut look = |key: Key| {
            if let Some(shelf) = self.lists.get(&key) {
                shelf.candidates(
                    &self.layout,
                    &picks,
                    &probe,
                    &mut distances,
                    &mut ids,
                    &mut found,
                );
            }
        };
        if let Some(m) = row.model_id {
            look(Key::Model(m));
        }
        if let Some(m) = row.make_id {
            look(Key::Make(m));
        }
        look(Key::Anywhere);
        if found.iter().any(|e| e.several) {
            let mut seen = std::collections::HashSet::new();
            found.retain(|e| !e.several || seen.insert(e.slot));
        }
        (ids, found)
    }

    /// How many rules' bounds admit the listing, and how many distinct criteria the search
    /// engine then decides for them (for benchmarks).
    pub fn candidate_count(&self, row: &Row) -> (usize, usize) {
        let (ids, found) = self.candidates(row);
        let mut residuals: Vec<u32> = found
            .iter()
            .flat_map(|e| e.residual)
            .filter(|r| *r != NONE)
            .collect();
        residuals.sort_unstable();
        residuals.dedup();
        (ids.len() + found.len(), residuals.len())
    }

    /// A rule by id.
    pub fn rule(&self, id: i64) -> Option<&Rule> {
        self.slot_of
            .get(&id)
            .and_then(|s| self.rules[*s as usize].as_ref())
    }

    /// The ids of the rules the listing matches, in no particular order; `now` is what
    /// "posted within N days" counts back from.
    pub fn matching(&self, listing: &Listing<'_>, now: OffsetDateTime) -> Vec<i64> {
        let (mut out, found) = self.candidates(listing.row);
        let mut one: Option<Index> = None;
        // per interned item: 0 not yet asked, 1 no, 2 yes
        let mut residuals = vec![0u8; self.residuals.items.len()];
        let mut expressions = vec![0u8; self.expressions.items.len()];
        let mut holds = |id: u32| {
            let known = &mut expressions[id as usize];
            if *known == 0 {
                *known = 1 + u8::from(self.expressions.items[id as usize].matches(listing.text));
            }
            *known == 2
        };
        for e in found {
            if e.keywords != NONE && !holds(e.keywords) || e.excluded != NONE && holds(e.excluded) {
                continue;
            }
            let mut passes = |part: u32| {
                if part == NONE {
                    return true;
                }
                let known = &mut residuals[part as usize];
                if *known == 0 {
                    let index = one.get_or_insert_with(|| one_listing_index(listing.row));
                    let admits = index.count(&self.residuals.items[part as usize], now) == 1;
                    *known = 1 + u8::from(admits);
                }
                *known == 2
            };
            if e.residual.into_iter().all(&mut passes) {
                out.push(e.id);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    #![expect(clippy::unwrap_used, reason = "tests")]
    use super::*;
    use crate::alerts::sample;
    use rand::{Rng, SeedableRng, rngs::StdRng};

    fn listings(rng: &mut StdRng, n: i64, now: OffsetDateTime) -> Vec<(Row, Text)> {
        (1..=n)
            .map(|id| {
                let (row, text) = sample::listing(rng, id, now);
                (row, sample::text(&text))
            })
            .collect()
    }

    #[test]
    fn indexed_matching_equals_brute_force_on_random_rules_and_listings() {
        let now = OffsetDateTime::now_utc();
        for seed in 0..3 {
            let mut rng = StdRng::seed_from_u64(seed);
            let account = AccountId::random();
            let mut rules: HashMap<i64, Rule> = (1..=4_000)
                .map(|id| (id, sample::rule(&mut rng, id, account)))
                .collect();
            let mut matcher = Matcher::build(rules.values().cloned());
            // rules come and go and change between listings, as they do in service
            for id in 1..=4_000 {
                match rng.gen_range(0..10) {
                    0 => {
                        rules.remove(&id);
                        matcher.remove(id);
                    }
                    1 => {
                        let changed = sample::rule(&mut rng, id, account);
                        matcher.upsert(changed.clone());
                        rules.insert(id, changed);
                    }
                    _ => {}
                }
            }
            assert_eq!(matcher.len(), rules.len());
            let mut matched = 0;
            for (row, text) in listings(&mut rng, 300, now) {
                let listing = Listing {
                    row: &row,
                    text: &text,
                };
                let want = brute_force(rules.values(), &listing, now);
                let mut got: Vec<i64> = matcher.matching(&listing, now);
                got.sort_unstable();
                assert_eq!(got, want, "seed {seed}, listing {row:?}");
                matched += got.len();
            }
            // the sample is varied enough that matching is exercised, not vacuous
            assert!(matched > 300, "seed {seed}: only {matched} matches");
        }
    }

    #[test]
    fn a_rule_matches_a_listing_exactly_when_its_search_finds_it() {
        let now = OffsetDateTime::now_utc();
        let mut rng = StdRng::seed_from_u64(7);
        let rows = listings(&mut rng, 600, now);
        let plain: Vec<Row> = rows.iter().map(|(r, _)| r.clone()).collect();
        let search = Index::build(&plain, &[], HashMap::new());
        let account = AccountId::random();
        let mut nonzero = 0;
        for id in 1..=400 {
            let mut rule = sample::rule(&mut rng, id, account);
            rule.keywords = None;
            rule.excluded = None;
            let by_listing = rows
                .iter()
                .filter(|(row, text)| !brute_force([&rule], &Listing { row, text }, now).is_empty())
                .count();
            let by_search = search.count(&rule.filters, now);
            assert_eq!(by_listing as i64, by_search, "{:?}", rule.filters);
            nonzero += usize::from(by_search > 0);
        }
        assert!(nonzero > 100, "only {nonzero} rules found anything");
    }

    /// Values on and beside every bucket bound of a scale.
    fn edges(scale: &Scale) -> Vec<i64> {
        scale.0[1..]
            .iter()
            .flat_map(|b| [b - 1, *b, b + 1])
            .collect()
    }

    fn pick(rng: &mut StdRng, from: &[i64]) -> i64 {
        from[rng.gen_range(0..from.len())]
    }

    #[test]
    fn bounds_on_and_beside_every_bucket_edge_match_as_brute_force_does() {
        let now = OffsetDateTime::now_utc();
        let layout = Layout::default();
        let mut rng = StdRng::seed_from_u64(11);
        let small = |v: i64| i32::try_from(v.clamp(-30_000, 30_000)).unwrap();
        let (prices, years, mileages, powers) = (
            edges(&layout.price),
            edges(&layout.year),
            edges(&layout.mileage),
            edges(&layout.power),
        );
        let (mut row, text) = plain_listing(now);
        let centre = (42.1354, 24.7453);
        let mut checked = 0;
        let mut matched = 0;
        for round in 0..300 {
            row.price_eur_minor = pick(&mut rng, &prices);
            row.year =
                (round % 10 != 0).then(|| i16::try_from(small(pick(&mut rng, &years))).unwrap());
            row.mileage_km =
                (round % 7 != 0).then(|| i32::try_from(pick(&mut rng, &mileages)).unwrap());
            row.power_hp =
                (round % 9 != 0).then(|| i16::try_from(small(pick(&mut rng, &powers))).unwrap());
            let metres = engine::earth_distance(centre, (row.latitude, row.longitude));
            let listing = Listing {
                row: &row,
                text: &text,
            };
            let mut rules = Vec::new();
            for id in 0..40 {
                let mut f = Filters::default();
                let price = row.price_eur_minor;
                match id % 4 {
                    0 => f.price_max_eur = Some(pick(&mut rng, &prices)),
                    1 => f.price_min_eur = Some(pick(&mut rng, &prices)),
                    2 => f.price_max_eur = Some(price + rng.gen_range(-1..=1)),
                    _ => f.price_min_eur = Some(price + rng.gen_range(-1..=1)),
                }
                if rng.gen_bool(0.5) {
                    f.year_min = Some(small(pick(&mut rng, &years)));
                }
                if rng.gen_bool(0.3) {
                    f.year_max = Some(small(pick(&mut rng, &years)));
                }
                if rng.gen_bool(0.5) {
                    f.mileage_max = Some(i32::try_from(pick(&mut rng, &mileages)).unwrap());
                }
                if rng.gen_bool(0.3) {
                    f.power_min = Some(small(pick(&mut rng, &powers)));
                }
                if rng.gen_bool(0.3) {
                    f.power_max = Some(small(pick(&mut rng, &powers)));
                }
                if rng.gen_bool(0.5) {
                    let radius = match rng.gen_range(0..4) {
                        0 => metres,
                        1 => metres.floor(),
                        2 => metres.floor() - 1.0,
                        _ => metres.ceil(),
                    };
                    f.near = Some((centre.0, centre.1, Some(radius)));
                }
                rules.push(Rule {
                    id: round * 100 + id,
                    account: AccountId(uuid::Uuid::nil()),
                    filters: f,
                    keywords: None,
                    excluded: None,
                });
            }
            let matcher = Matcher::build(rules.iter().cloned());
            let mut got = matcher.matching(&listing, now);
            got.sort_unstable();
            let want = brute_force(&rules, &listing, now);
            assert_eq!(got, want, "{row:?}");
            checked += rules.len();
            matched += want.len();
        }
        assert!(
            matched > checked / 20,
            "only {matched} of {checked} matched"
        );
    }

    fn word(w: &str) -> crate::listings::search::query::TextMatch {
        crate::listings::search::query::TextMatch {
            groups: vec![vec![crate::listings::search::query::Term {
                word: w.into(),
                prefix: false,
            }]],
            phrases: Vec::new(),
            excluded: Vec::new(),
        }
    }

    fn plain_listing(now: OffsetDateTime) -> (Row, Text) {
        let row = Row {
            listing_id: 1,
            make_id: Some(1),
            model_id: Some(101),
            year: Some(2017),
            price_eur_minor: 2_000_000,
            mileage_km: Some(120_000),
            power_hp: Some(190),
            fuel: Some("diesel".into()),
            transmission: Some("automatic".into()),
            // no body given: only rules that ask for one pass it by
            body: None,
            colour: Some("black".into()),
            condition: "used".into(),
            seller_type: "dealer".into(),
            city_id: 1,
            latitude: 42.6977,
            longitude: 23.3219,
            equipment: vec!["navigation".into()],
            photo_count: 3,
            published_at: Some(now),
            updated_at: now,
            search_text: "'bmw':1A 'x5':2A 'one':3C 'owner':4C 'navigation':5C".into(),
        };
        let text = Text::new(&["BMW X5 one owner navigation"]);
        (row, text)
    }

    #[test]
    fn each_criterion_admits_and_refuses_as_written() {
        let now = OffsetDateTime::now_utc();
        let (row, text) = plain_listing(now);
        let listing = Listing {
            row: &row,
            text: &text,
        };
        // Plovdiv is 132 km from Sofia as the crow flies
        let plovdiv = (42.1354, 24.7453);
        let with = |edit: &dyn Fn(&mut Filters)| {
            let mut f = Filters::default();
            edit(&mut f);
            f
        };
        let cases: Vec<(&str, Filters, bool)> = vec![
            ("nothing", Filters::default(), true),
            ("model", with(&|f| f.model_ids = vec![101]), true),
            ("other model", with(&|f| f.model_ids = vec![102]), false),
            ("make", with(&|f| f.make_ids = vec![1]), true),
            (
                "other make or this model",
                with(&|f| {
                    f.make_ids = vec![2];
                    f.model_ids = vec![101];
                }),
                true,
            ),
            (
                "price at the ceiling",
                with(&|f| f.price_max_eur = Some(2_000_000)),
                true,
            ),
            (
                "price a cent under",
                with(&|f| f.price_max_eur = Some(1_999_999)),
                false,
            ),
            (
                "price floor",
                with(&|f| f.price_min_eur = Some(2_000_001)),
                false,
            ),
            ("year from 2017", with(&|f| f.year_min = Some(2017)), true),
            ("year from 2018", with(&|f| f.year_min = Some(2018)), false),
            ("year to 2016", with(&|f| f.year_max = Some(2016)), false),
            (
                "mileage at most 120,000",
                with(&|f| f.mileage_max = Some(120_000)),
                true,
            ),
            (
                "mileage at most 119,999",
                with(&|f| f.mileage_max = Some(119_999)),
                false,
            ),
            ("power 190+", with(&|f| f.power_min = Some(190)), true),
            ("power to 150", with(&|f| f.power_max = Some(150)), false),
            (
                "diesel or petrol",
                with(&|f| f.picks[Vocab::Fuel] = vec!["petrol".into(), "diesel".into()]),
                true,
            ),
            (
                "electric",
                with(&|f| f.picks[Vocab::Fuel] = vec!["electric".into()]),
                false,
            ),
            (
                "automatic",
                with(&|f| f.picks[Vocab::Gearbox] = vec!["automatic".into()]),
                true,
            ),
            (
                "estate",
                with(&|f| f.picks[Vocab::Body] = vec!["estate".into()]),
                false,
            ),
            (
                "black",
                with(&|f| f.picks[Vocab::Colour] = vec!["black".into()]),
                true,
            ),
            (
                "white or red",
                with(&|f| f.picks[Vocab::Colour] = vec!["white".into(), "red".into()]),
                false,
            ),
            (
                "damaged",
                with(&|f| f.picks[Vocab::Condition] = vec!["damaged".into()]),
                false,
            ),
            (
                "private",
                with(&|f| f.picks[Vocab::Seller] = vec!["private".into()]),
                false,
            ),
            (
                "navigation",
                with(&|f| f.equipment = vec!["navigation".into()]),
                true,
            ),
            (
                "tow bar",
                with(&|f| f.equipment = vec!["tow-bar".into()]),
                false,
            ),
            ("with photos", with(&|f| f.has_photos = true), true),
            ("in Sofia", with(&|f| f.city_id = Some(1)), true),
            ("in Plovdiv", with(&|f| f.city_id = Some(2)), false),
            (
                "within 140 km of Plovdiv",
                with(&|f| f.near = Some((plovdiv.0, plovdiv.1, Some(140_000.0)))),
                true,
            ),
            (
                "within 120 km of Plovdiv",
                with(&|f| f.near = Some((plovdiv.0, plovdiv.1, Some(120_000.0)))),
                false,
            ),
            (
                "within 140 km of Plovdiv, in Plovdiv",
                with(&|f| {
                    f.near = Some((plovdiv.0, plovdiv.1, Some(140_000.0)));
                    f.city_id = Some(2);
                }),
                false,
            ),
            (
                "within 140 km of Plovdiv, in Sofia",
                with(&|f| {
                    f.near = Some((plovdiv.0, plovdiv.1, Some(140_000.0)));
                    f.city_id = Some(1);
                }),
                true,
            ),
            (
                "posted within a day",
                with(&|f| f.posted_within_days = Some(1)),
                true,
            ),
            (
                "the word owner",
                with(&|f| f.text = Some(word("owner"))),
                true,
            ),
            (
                "the word accident",
                with(&|f| f.text = Some(word("accident"))),
                false,
            ),
        ];
        for (what, filters, want) in cases {
            let rule = Rule {
                id: 1,
                account: AccountId(uuid::Uuid::nil()),
                filters,
                keywords: None,
                excluded: None,
            };
            let mut matcher = Matcher::new();
            matcher.upsert(rule.clone());
            assert_eq!(!matcher.matching(&listing, now).is_empty(), want, "{what}");
            assert_eq!(
                !brute_force([&rule], &listing, now).is_empty(),
                want,
                "{what}"
            );
        }
        // a bound far outside any value still refuses a listing without that value, as in
        // search
        let mut no_year = row.clone();
        no_year.year = None;
        no_year.power_hp = None;
        let bare = Listing {
            row: &no_year,
            text: &text,
        };
        for filters in [
            with(&|f| f.year_max = Some(40_000)),
            with(&|f| f.power_max = Some(40_000)),
        ] {
            let rule = Rule {
                id: 1,
                account: AccountId(uuid::Uuid::nil()),
                filters,
                keywords: None,
                excluded: None,
            };
            let mut matcher = Matcher::new();
            matcher.upsert(rule.clone());
            assert!(matcher.matching(&bare, now).is_empty());
            assert!(brute_force([&rule], &bare, now).is_empty());
        }
        let keyword_cases = [
            ("one owner", "", true),
            ("\"owner one\"", "", false),
            ("accident OR navigation", "", true),
            ("navigation -owner", "", false),
            ("", "accident, damaged", true),
            ("", "\"one owner\"", false),
        ];
        for (keywords, excluded, want) in keyword_cases {
            let rule = Rule {
                id: 1,
                account: AccountId(uuid::Uuid::nil()),
                filters: Filters::default(),
                keywords: crate::alerts::keywords::parse(keywords).unwrap(),
                excluded: crate::alerts::keywords::parse_list(excluded).unwrap(),
            };
            let mut matcher = Matcher::new();
            matcher.upsert(rule);
            assert_eq!(
                !matcher.matching(&listing, now).is_empty(),
                want,
                "{keywords} / {excluded}"
            );
        }
    }
}
