//! The search index: every published listing's searchable fields held in memory as compressed
//! bitmaps (one per filter value, per word, per adjacent word pair), cumulative bitmaps for
//! numeric ranges, and one sorted order per sort key. A search is set algebra on bitmaps, facet
//! counts are bitmap intersection sizes, and a page is a walk along a sort order from the
//! cursor, so no step visits every listing. Postgres stays the source of truth: the index is
//! built from it at start-up and kept fresh by `listing_changed` notifications (see
//! [`SearchEngine::start`]); the page's cards are then read from Postgres by id.
//!
//! Slots (`Doc`) are never reused: a changed listing gets a new slot and its old one leaves
//! `live`, which every search intersects with. Dead slots are reclaimed by a rebuild once they
//! outnumber a quarter of the live ones.

use crate::listings::{
    catalog::Catalog,
    model::{Currency, Money},
    search::facets::{VOCAB_COUNT, Vocab},
    search::filters::{Facet, Filters, YEAR_BUCKETS, price_bounds},
    search::query::{Sort, Term, TextMatch},
};
use roaring::RoaringBitmap;

mod columns;
mod geo;
mod live;
mod order;
#[macro_use]
mod rows;
mod text;

use columns::{Categorical, Dict, Numeric};
pub use geo::earth_distance;
use geo::{CELL_DEGREES, cell_of};
pub use live::SearchEngine;
use rows::{Ranged, parse_tsvector};
pub use rows::{Row, load_rows};
use std::collections::{BTreeMap, HashMap};
use time::OffsetDateTime;

type Doc = u32;
const NULL: u32 = u32::MAX;

/// Below this many matches facets are tallied doc by doc; above, by bitmap intersections.
const TALLY_BELOW: u64 = 20_000;

/// The keys results can be ordered by (with the listing id as the tie-breaker).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Key {
    Published,
    Price,
    Mileage,
    Year,
}

const KEYS: [Key; 4] = [Key::Published, Key::Price, Key::Mileage, Key::Year];

/// Slots added and replaced by [`Index::stage`], made live by [`Index::commit`].
#[derive(Debug, Default)]
pub struct Staged {
    added: Vec<(i64, Doc)>,
    removed: Vec<(i64, Doc)>,
}

/// A search, as the index takes it.
#[derive(Debug, Clone, Copy)]
pub struct Ask<'a> {
    pub filters: &'a Filters,
    pub sort: Sort,
    /// The last result of the previous page: its cursor key and listing id.
    pub after: Option<(&'a str, i64)>,
    /// Results wanted (a page and one more, to tell whether another page follows).
    pub limit: usize,
    pub facets: &'a [Facet],
    /// The price facet's bucket bounds, in euro cents.
    pub price_bounds_eur: &'a [i64],
    /// "posted within N days" counts back from here.
    pub now: OffsetDateTime,
}

/// A search answered by the index: the page (listing ids with their cursor keys), the total
/// and the facet counts, values as the SQL facet queries give them.
#[derive(Debug, Clone, PartialEq)]
pub struct Found {
    pub page: Vec<(i64, String)>,
    pub total: i64,
    pub facets: Vec<(Facet, Vec<(String, i64)>)>,
}

/// The whole index; see the module comment.
pub struct Index {
    ids: Vec<i64>,
    updated: Vec<OffsetDateTime>,
    doc_of: HashMap<i64, Doc>,
    live: RoaringBitmap,
    make: Categorical,
    model: Categorical,
    /// Each model's make (from the catalog), for the model facet ("the models of the chosen
    /// makes").
    make_of_model: HashMap<i32, i32>,
    city: Categorical,
    /// One column per closed vocabulary (`facets::VOCABS`), values interned in `dict`.
    vocab: [Categorical; VOCAB_COUNT],
    dict: Dict,
    equipment: HashMap<u32, RoaringBitmap>,
    photos: RoaringBitmap,
    year: Numeric,
    price: Numeric,
    mileage: Numeric,
    power: Numeric,
    published: Numeric,
    lat: Vec<f64>,
    lng: Vec<f64>,
    cells: HashMap<(i32, i32), RoaringBitmap>,
    /// No point of a cell is farther than this from its centre (with a margin).
    cell_reach: f64,
    lexicon: BTreeMap<String, u32>,
    words: Vec<RoaringBitmap>,
    /// Docs with the word in their title, make or model (weight A): relevance tiers.
    title_words: HashMap<u32, RoaringBitmap>,
    /// Docs with word `a` right before word `b`, under `a << 32 | b`: phrases.
    pairs: HashMap<u64, RoaringBitmap>,
    /// Docs ordered by `(key, listing id)` ascending, one order per [`KEYS`] entry; dead
    /// slots stay in them (searches only ever pick live ones).
    orders: Vec<Vec<Doc>>,
}

impl Index {
    /// Builds the index from `rows` (in any order). `price_bounds_eur` are the price facet
    /// bounds of every buyer currency, so price buckets are counted without checks.
    pub fn build(
        rows: &[Row],
        price_bounds_eur: &[i64],
        make_of_model: HashMap<i32, i32>,
    ) -> Index {
        let ranges: Vec<Ranged> = rows
            .iter()
            .map(|r| (r.price_eur_minor, r.mileage_km, r.power_hp, r.published_at))
            .collect();
        let mut index = Index::empty(&ranges, price_bounds_eur, make_of_model);
        for row in rows {
            index.add(row);
        }
        index.finish();
        index
    }

    /// Builds the index from Postgres, streaming the rows (the range bounds come from a first,
    /// narrow read of the numeric columns: they only steer speed, never results).
    pub async fn load(
        db: &sqlx::PgPool,
        price_bounds_eur: &[i64],
        make_of_model: HashMap<i32, i32>,
    ) -> sqlx::Result<Index> {
        use futures::TryStreamExt;
        let ranges: Vec<Ranged> = sqlx::query!(
            "select price_eur_minor, mileage_km, power_hp, published_at from listing \
             where status = 'published'"
        )
        .fetch_all(db)
        .await?
        .into_iter()
        .map(|r| (r.price_eur_minor, r.mileage_km, r.power_hp, r.published_at))
        .collect();
        let mut index = Index::empty(&ranges, price_bounds_eur, make_of_model);
        let mut rows = published_rows!("order by listing_id").fetch(db);
        while let Some(row) = rows.try_next().await? {
            index.add(&row);
        }
        index.finish();
        Ok(index)
    }

    fn empty(
        ranges: &[Ranged],
        price_bounds_eur: &[i64],
        make_of_model: HashMap<i32, i32>,
    ) -> Index {
        let this_year = OffsetDateTime::now_utc().year();
        let mut years: Vec<i64> = crate::listings::model::year_range(this_year)
            .map(i64::from)
            .collect();
        years.extend(YEAR_BUCKETS.iter().map(|y| i64::from(*y)));
        let col = |f: &dyn Fn(&Ranged) -> Option<i64>| ranges.iter().map(f).collect::<Vec<_>>();
        Index {
            ids: Vec::with_capacity(ranges.len()),
            updated: Vec::with_capacity(ranges.len()),
            doc_of: HashMap::with_capacity(ranges.len()),
            live: RoaringBitmap::new(),
            make: Categorical::default(),
            model: Categorical::default(),
            make_of_model,
            city: Categorical::default(),
            vocab: Default::default(),
            dict: Dict::default(),
            equipment: HashMap::new(),
            photos: RoaringBitmap::new(),
            year: Numeric::new(&[], &years, 0),
            price: Numeric::new(&col(&|r| Some(r.0)), price_bounds_eur, 48),
            mileage: Numeric::new(&col(&|r| r.1.map(i64::from)), &[], 32),
            power: Numeric::new(&col(&|r| r.2.map(i64::from)), &[], 32),
            published: Numeric::new(&col(&|r| r.3.map(micros)), &[], 32),
            lat: Vec::with_capacity(ranges.len()),
            lng: Vec::with_capacity(ranges.len()),
            cells: HashMap::new(),
            cell_reach: earth_distance((0.0, 0.0), (CELL_DEGREES, CELL_DEGREES)) * 0.75,
            lexicon: BTreeMap::new(),
            words: Vec::new(),
            title_words: HashMap::new(),
            pairs: HashMap::new(),
            orders: vec![Vec::new(); KEYS.len()],
        }
    }

    fn add(&mut self, row: &Row) {
        let d = self.push(row);
        self.doc_of.insert(row.listing_id, d);
        self.live.insert(d);
    }

    fn finish(&mut self) {
        for (k, key) in KEYS.iter().enumerate() {
            let mut order: Vec<Doc> = self.live.iter().collect();
            order.sort_unstable_by_key(|d| (self.key(*key, *d), self.ids[*d as usize]));
            self.orders[k] = order;
        }
    }

    pub fn len(&self) -> u64 {
        self.live.len()
    }

    pub fn is_empty(&self) -> bool {
        self.live.is_empty()
    }

    /// About how many bytes the index holds (bitmaps as serialised, columns, orders, words).
    pub fn heap_bytes(&self) -> usize {
        let maps = |m: &HashMap<u32, RoaringBitmap>| -> usize {
            m.values().map(|b| b.serialized_size() + 16).sum()
        };
        let categorical = [&self.make, &self.model, &self.city]
            .into_iter()
            .chain(&self.vocab)
            .map(|c| c.of_doc.len() * 4 + maps(&c.sets))
            .sum::<usize>();
        let numeric = [
            &self.year,
            &self.price,
            &self.mileage,
            &self.power,
            &self.published,
        ]
        .iter()
        .map(|n| {
            n.of_doc.len() * 8
                + n.present.serialized_size()
                + n.below
                    .iter()
                    .map(RoaringBitmap::serialized_size)
                    .sum::<usize>()
        })
        .sum::<usize>();
        let words = self
            .words
            .iter()
            .map(|b| b.serialized_size() + 24)
            .sum::<usize>()
            + self.lexicon.keys().map(|w| w.len() + 40).sum::<usize>()
            + maps(&self.title_words)
            + self
                .pairs
                .values()
                .map(|b| b.serialized_size() + 24)
                .sum::<usize>();
        let geo = self.lat.len() * 16
            + self
                .cells
                .values()
                .map(|b| b.serialized_size() + 24)
                .sum::<usize>();
        let rest = self.ids.len() * (8 + 16 + 24)
            + self.orders.iter().map(|o| o.len() * 4).sum::<usize>()
            + maps(&self.equipment)
            + self.live.serialized_size()
            + self.photos.serialized_size();
        categorical + numeric + words + geo + rest
    }

    /// Slots no longer live (reclaimed by a rebuild).
    pub fn dead(&self) -> u64 {
        self.ids.len() as u64 - self.live.len()
    }

    fn key(&self, key: Key, d: Doc) -> i64 {
        let d = d as usize;
        match key {
            Key::Published => self.published.of_doc[d].max(0),
            Key::Price => self.price.of_doc[d],
            Key::Mileage => match self.mileage.of_doc[d] {
                i64::MIN => i64::from(i32::MAX),
                v => v,
            },
            Key::Year => self.year.of_doc[d].max(0),
        }
    }

    fn push(&mut self, r: &Row) -> Doc {
        let d = Doc::try_from(self.ids.len()).unwrap_or(NULL);
        self.ids.push(r.listing_id);
        self.updated.push(r.updated_at);
        let id = |v: Option<i32>| v.and_then(|v| u32::try_from(v).ok());
        self.make.push(d, id(r.make_id));
        self.model.push(d, id(r.model_id));
        self.city.push(d, id(Some(r.city_id)));
        for vocab in Vocab::ALL {
            let v = r.vocab(vocab).map(|v| self.dict.id(v));
            self.vocab[vocab as usize].push(d, v);
        }
        for e in &r.equipment {
            let e = self.dict.id(e);
            self.equipment.entry(e).or_default().insert(d);
        }
        if r.photo_count > 0 {
            self.photos.insert(d);
        }
        self.year.push(d, r.year.map(i64::from));
        self.price.push(d, Some(r.price_eur_minor));
        self.mileage.push(d, r.mileage_km.map(i64::from));
        self.power.push(d, r.power_hp.map(i64::from));
        self.published.push(d, r.published_at.map(micros));
        self.lat.push(r.latitude);
        self.lng.push(r.longitude);
        self.cells
            .entry(cell_of(r.latitude, r.longitude))
            .or_default()
            .insert(d);
        let mut at: Vec<(u16, u32)> = Vec::new();
        parse_tsvector(&r.search_text, |word, positions| {
            let w = match self.lexicon.get(word) {
                Some(w) => *w,
                None => {
                    let w = u32::try_from(self.words.len()).unwrap_or(NULL);
                    self.lexicon.insert(word.to_string(), w);
                    self.words.push(RoaringBitmap::new());
                    w
                }
            };
            self.words[w as usize].insert(d);
            if positions.iter().any(|(_, weight)| *weight == 0) {
                self.title_words.entry(w).or_default().insert(d);
            }
            at.extend(positions.iter().map(|(p, _)| (*p, w)));
        });
        at.sort_unstable();
        for pair in at.windows(2) {
            if pair[1].0 == pair[0].0 + 1 {
                let key = (u64::from(pair[0].1) << 32) | u64::from(pair[1].1);
                self.pairs.entry(key).or_default().insert(d);
            }
        }
        d
    }

    /// First step of applying changes: adds slots for the published rows among `changed` (the
    /// others were unpublished or deleted), not yet live. A row whose `updated_at` the index
    /// already has is skipped.
    pub fn stage(&mut self, changed: &[i64], rows: &[Row]) -> Staged {
        let fresh: HashMap<i64, &Row> = rows.iter().map(|r| (r.listing_id, r)).collect();
        let mut staged = Staged::default();
        for id in changed {
            let row = fresh.get(id);
            if let Some(&old) = self.doc_of.get(id) {
                if row.is_some_and(|r| r.updated_at == self.updated[old as usize]) {
                    continue;
                }
                staged.removed.push((*id, old));
            }
            if let Some(row) = row {
                staged.added.push((*id, self.push(row)));
            }
        }
        staged
    }

    /// Second step (needs only reading, so searches go on meanwhile): the sort orders with
    /// the staged slots merged in.
    pub fn merged_orders(&self, added: &[(i64, Doc)]) -> Vec<Vec<Doc>> {
        KEYS.iter()
            .enumerate()
            .map(|(k, key)| {
                let sort = |d: &Doc| (self.key(*key, *d), self.ids[*d as usize]);
                let mut new: Vec<Doc> = added.iter().map(|(_, d)| *d).collect();
                new.sort_unstable_by_key(sort);
                let old = &self.orders[k];
                let mut merged = Vec::with_capacity(old.len() + new.len());
                let (mut i, mut j) = (0, 0);
                while i < old.len() && j < new.len() {
                    if sort(&old[i]) <= sort(&new[j]) {
                        merged.push(old[i]);
                        i += 1;
                    } else {
                        merged.push(new[j]);
                        j += 1;
                    }
                }
                merged.extend_from_slice(&old[i..]);
                merged.extend_from_slice(&new[j..]);
                merged
            })
            .collect()
    }

    /// Last step: the staged slots go live and the replaced ones leave, in one write.
    pub fn commit(&mut self, staged: Staged, orders: Vec<Vec<Doc>>) {
        for (id, old) in staged.removed {
            self.live.remove(old);
            self.doc_of.remove(&id);
        }
        if !staged.added.is_empty() {
            self.orders = orders;
        }
        for (id, d) in staged.added {
            self.live.insert(d);
            self.doc_of.insert(id, d);
        }
    }

    /// Applies changes in one go (tests and tools; the live engine splits the steps).
    pub fn apply(&mut self, changed: &[i64], rows: &[Row]) {
        let staged = self.stage(changed, rows);
        let orders = self.merged_orders(&staged.added);
        self.commit(staged, orders);
    }

    fn within_radius(
        &self,
        lat: f64,
        lng: f64,
        metres: f64,
        within: &RoaringBitmap,
    ) -> RoaringBitmap {
        let span_lat = metres / 111_000.0 + CELL_DEGREES;
        let span_lng = span_lat / lat.to_radians().cos().abs().max(0.01);
        let (lo, hi) = (
            cell_of(lat - span_lat, lng - span_lng),
            cell_of(lat + span_lat, lng + span_lng),
        );
        let mut out = RoaringBitmap::new();
        for ((clat, clng), docs) in &self.cells {
            if *clat < lo.0 || *clat > hi.0 || *clng < lo.1 || *clng > hi.1 {
                continue;
            }
            let centre = (
                (f64::from(*clat) + 0.5) * CELL_DEGREES,
                (f64::from(*clng) + 0.5) * CELL_DEGREES,
            );
            if earth_distance((lat, lng), centre) - self.cell_reach > metres {
                continue;
            }
            let docs = docs & within;
            if docs.is_empty() {
                continue;
            }
            let corner = |a: i32, b: i32| {
                earth_distance(
                    (lat, lng),
                    (f64::from(a) * CELL_DEGREES, f64::from(b) * CELL_DEGREES),
                )
            };
            let inside = [(0, 0), (0, 1), (1, 0), (1, 1)]
                .iter()
                .all(|(a, b)| corner(clat + a, clng + b) < metres * 0.999);
            if inside {
                out |= docs;
            } else {
                for d in &docs {
                    let i = d as usize;
                    if earth_distance((lat, lng), (self.lat[i], self.lng[i])) <= metres {
                        out.insert(d);
                    }
                }
            }
        }
        out
    }

    /// The filters as bitmaps over live docs, each tagged with the facet that leaves it out.
    fn filter_sets(&self, f: &Filters, now: OffsetDateTime) -> Vec<(Option<Facet>, RoaringBitmap)> {
        let mut sets: Vec<(Option<Facet>, RoaringBitmap)> = Vec::new();
        let live = &self.live;
        if let Some(t) = &f.text {
            sets.push((None, self.text(t)));
        }
        let ids = |v: &[i32]| {
            v.iter()
                .filter_map(|x| u32::try_from(*x).ok())
                .collect::<Vec<_>>()
        };
        if !f.make_ids.is_empty() || !f.model_ids.is_empty() {
            let mut set = self.make.any_of(ids(&f.make_ids));
            set |= self.model.any_of(ids(&f.model_ids));
            sets.push((Some(Facet::Make), set));
        }
        if f.year_min.is_some() || f.year_max.is_some() {
            let set = self
                .year
                .range(f.year_min.map(i64::from), f.year_max.map(i64::from), live);
            sets.push((Some(Facet::Year), set));
        }
        if f.price_min_eur.is_some() || f.price_max_eur.is_some() {
            sets.push((
                Some(Facet::Price),
                self.price.range(f.price_min_eur, f.price_max_eur, live),
            ));
        }
        if let Some(max) = f.mileage_max {
            sets.push((None, self.mileage.range(None, Some(i64::from(max)), live)));
        }
        if f.power_min.is_some() || f.power_max.is_some() {
            let set =
                self.power
                    .range(f.power_min.map(i64::from), f.power_max.map(i64::from), live);
            sets.push((None, set));
        }
        let slugs =
            |c: &Categorical, v: &[String]| c.any_of(v.iter().filter_map(|s| self.dict.find(s)));
        for (facet, values) in f.picks.iter() {
            if !values.is_empty() {
                let column = &self.vocab[facet.vocab as usize];
                sets.push((Some(Facet::Vocab(facet.vocab)), slugs(column, values)));
            }
        }
        for e in &f.equipment {
            let set = self
                .dict
                .find(e)
                .and_then(|e| self.equipment.get(&e))
                .cloned()
                .unwrap_or_default();
            sets.push((None, set));
        }
        if let Some(city) = f.city_id {
            sets.push((None, self.city.any_of(u32::try_from(city).ok())));
        }
        if f.has_photos {
            sets.push((None, self.photos.clone()));
        }
        if let Some((lat, lng, Some(metres))) = f.near {
            sets.push((None, self.within_radius(lat, lng, metres, live)));
        }
        if let Some(days) = f.posted_within_days {
            let since = micros(now - time::Duration::days(i64::from(days)));
            sets.push((None, self.published.range(Some(since), None, live)));
        }
        sets.sort_by_key(|(_, s)| s.len());
        sets
    }

    /// The live docs in every set but those tagged `except`.
    fn combine(
        &self,
        sets: &[(Option<Facet>, RoaringBitmap)],
        except: Option<Facet>,
    ) -> RoaringBitmap {
        let mut out = self.live.clone();
        for (tag, set) in sets {
            if except.is_none() || *tag != except {
                out &= set;
            }
        }
        out
    }

    /// Runs a search.
    pub fn search(&self, ask: &Ask<'_>) -> Found {
        let Ask {
            filters: f,
            sort,
            after,
            limit,
            facets,
            price_bounds_eur,
            now,
        } = *ask;
        let sets = self.filter_sets(f, now);
        let all = self.combine(&sets, None);
        let page = self.page(&all, f, sort, after, limit);
        let mut counted = Vec::new();
        for facet in facets {
            let own;
            let within = if !facet.filtered_by(f) {
                &all
            } else if *facet == Facet::Model {
                // the models of every chosen make, whichever model is chosen
                let mut within = self.combine(&sets, Some(Facet::Make));
                let makes: Vec<u32> = f
                    .make_ids
                    .iter()
                    .chain(f.model_ids.iter().filter_map(|m| self.make_of_model.get(m)))
                    .filter_map(|x| u32::try_from(*x).ok())
                    .collect();
                within &= self.make.any_of(makes);
                own = within;
                &own
            } else {
                own = self.combine(&sets, Some(*facet));
                &own
            };
            let numbers = |c: Vec<(u32, u64)>| -> Vec<(String, i64)> {
                c.into_iter()
                    .map(|(v, n)| (v.to_string(), i64::try_from(n).unwrap_or(i64::MAX)))
                    .collect()
            };
            let names = |c: Vec<(u32, u64)>| -> Vec<(String, i64)> {
                c.into_iter()
                    .map(|(v, n)| {
                        (
                            self.dict.names[v as usize].clone(),
                            i64::try_from(n).unwrap_or(i64::MAX),
                        )
                    })
                    .collect()
            };
            let mut values = match facet {
                Facet::Make => numbers(self.make.counts(within)),
                Facet::Model => numbers(self.model.counts(within)),
                Facet::Vocab(v) => names(self.vocab[*v as usize].counts(within)),
                Facet::Year => {
                    let bounds: Vec<i64> = YEAR_BUCKETS.iter().map(|y| i64::from(*y)).collect();
                    numbers(self.year.bucket_counts(&bounds, within))
                }
                Facet::Price => numbers(self.price.bucket_counts(price_bounds_eur, within)),
            };
            values.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            counted.push((*facet, values));
        }
        Found {
            page: page
                .into_iter()
                .map(|(d, key)| (self.ids[d as usize], key))
                .collect(),
            total: i64::try_from(all.len()).unwrap_or(i64::MAX),
            facets: counted,
        }
    }

    /// How many live docs match (for "what to loosen").
    pub fn count(&self, f: &Filters, now: OffsetDateTime) -> i64 {
        let sets = self.filter_sets(f, now);
        i64::try_from(self.combine(&sets, None).len()).unwrap_or(i64::MAX)
    }
}

fn micros(t: OffsetDateTime) -> i64 {
    i64::try_from(t.unix_timestamp_nanos() / 1000).unwrap_or(i64::MAX)
}

/// Price facet bounds of every buyer currency, in euro cents (what the index counts by).
pub fn all_price_bounds_eur(catalog: &Catalog) -> Vec<i64> {
    let mut out: Vec<i64> = Currency::ALL
        .iter()
        .flat_map(|c| price_bounds(*c).map(|v| catalog.to_eur_minor(Money::new(v * 100, *c))))
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// Whether a page link's key has the type `sort` orders by here: a distance is any number,
/// every other key an integer (a link from another sort shows the first page instead).
pub fn cursor_fits(sort: Sort, f: &Filters, key: &str) -> bool {
    match (sort, f.near) {
        (Sort::Distance, Some(_)) => key.parse::<f64>().is_ok_and(f64::is_finite),
        _ => key.parse::<i64>().is_ok(),
    }
}

#[cfg(test)]
mod tests;
