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
use roaring::{MultiOps, RoaringBitmap};

mod columns;
mod geo;
mod live;
#[macro_use]
mod rows;

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

    fn word(&self, w: &str) -> Option<&RoaringBitmap> {
        self.lexicon.get(w).map(|i| &self.words[*i as usize])
    }

    /// The word ids a term stands for (every known word it starts, for a prefix).
    fn term_words(&self, word: &str, prefix: bool) -> Vec<u32> {
        if prefix {
            self.lexicon
                .range(word.to_string()..)
                .take_while(|(w, _)| w.starts_with(word))
                .map(|(_, i)| *i)
                .collect()
        } else {
            self.lexicon.get(word).copied().into_iter().collect()
        }
    }

    /// The word ids any term of a word group stands for.
    fn group_words(&self, group: &[Term]) -> Vec<u32> {
        group
            .iter()
            .flat_map(|term| self.term_words(&term.word, term.prefix))
            .collect()
    }

    /// Per word group, the docs with it in the title, make or model (relevance tiers).
    fn title_sets(&self, t: &TextMatch) -> Vec<RoaringBitmap> {
        t.groups
            .iter()
            .map(|group| {
                self.group_words(group)
                    .iter()
                    .filter_map(|i| self.title_words.get(i))
                    .union()
            })
            .collect()
    }

    /// The docs matching the free text.
    fn text(&self, t: &TextMatch) -> RoaringBitmap {
        let mut sets: Vec<RoaringBitmap> = t
            .groups
            .iter()
            .map(|group| {
                self.group_words(group)
                    .iter()
                    .map(|i| &self.words[*i as usize])
                    .union()
            })
            .collect();
        for phrase in &t.phrases {
            let ids: Option<Vec<u32>> = phrase
                .iter()
                .map(|w| self.lexicon.get(w).copied())
                .collect();
            let set = match ids {
                Some(ids) => ids
                    .windows(2)
                    .map(|p| {
                        self.pairs
                            .get(&((u64::from(p[0]) << 32) | u64::from(p[1])))
                            .cloned()
                            .unwrap_or_default()
                    })
                    .intersection(),
                None => RoaringBitmap::new(),
            };
            sets.push(set);
        }
        let mut out = if sets.is_empty() {
            self.live.clone()
        } else {
            sets.sort_by_key(RoaringBitmap::len);
            sets.intersection()
        };
        for e in &t.excluded {
            if let Some(set) = self.word(e) {
                out -= set;
            }
        }
        out
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

    fn page(
        &self,
        all: &RoaringBitmap,
        f: &Filters,
        sort: Sort,
        after: Option<(&str, i64)>,
        limit: usize,
    ) -> Vec<(Doc, String)> {
        let int_after = |after: Option<(&str, i64)>| {
            after.and_then(|(k, id)| Some((k.parse::<i64>().ok()?, id)))
        };
        let keyed = |key: Key, desc: bool, range: (Option<i64>, Option<i64>)| {
            self.ordered(all, key, desc, int_after(after), range, limit)
                .into_iter()
                .map(|d| (d, self.key(key, d).to_string()))
                .collect()
        };
        let within = |min: Option<i32>, max: Option<i32>| (min.map(i64::from), max.map(i64::from));
        match (sort, &f.text, f.near) {
            (Sort::Relevance, Some(t), _) => {
                self.by_relevance(all, &self.title_sets(t), int_after(after), limit)
            }
            (Sort::Distance, _, Some((lat, lng, _))) => {
                let after = after.and_then(|(k, id)| Some((k.parse::<f64>().ok()?, id)));
                self.by_distance(all, (lat, lng), after, limit)
            }
            (Sort::PriceAsc, ..) => keyed(Key::Price, false, (f.price_min_eur, f.price_max_eur)),
            (Sort::PriceDesc, ..) => keyed(Key::Price, true, (f.price_min_eur, f.price_max_eur)),
            (Sort::MileageAsc, ..) => keyed(Key::Mileage, false, within(None, f.mileage_max)),
            (Sort::YearDesc, ..) => keyed(Key::Year, true, within(f.year_min, f.year_max)),
            _ => keyed(Key::Published, true, (None, None)),
        }
    }

    /// The first `limit` docs of `set` in `key` order after `after`. Walks the sorted order
    /// from the cursor (or from the edge of `range`, when the filter bounds the sort key
    /// itself) while the set is dense along it; sorts the set itself when it is small or the
    /// walk finds too few.
    fn ordered(
        &self,
        set: &RoaringBitmap,
        key: Key,
        desc: bool,
        after: Option<(i64, i64)>,
        range: (Option<i64>, Option<i64>),
        limit: usize,
    ) -> Vec<Doc> {
        let n = set.len() as usize;
        let order = &self.orders[KEYS.iter().position(|k| *k == key).unwrap_or(0)];
        let sort_key = |d: Doc| (self.key(key, d), self.ids[d as usize]);
        let beyond = |d: Doc| match after {
            None => true,
            Some(a) if desc => sort_key(d) < a,
            Some(a) => sort_key(d) > a,
        };
        if n.saturating_mul(n) > limit.saturating_mul(order.len()).saturating_mul(4) {
            // walk: start at the cursor, or where the sort key's own range starts
            let mut start = match after {
                Some(a) if desc => order.partition_point(|d| sort_key(*d) < a),
                Some(a) => order.partition_point(|d| sort_key(*d) <= a),
                None if desc => order.len(),
                None => 0,
            };
            if desc {
                if let Some(max) = range.1 {
                    start = start.min(order.partition_point(|d| self.key(key, *d) <= max));
                }
            } else if let Some(min) = range.0 {
                start = start.max(order.partition_point(|d| self.key(key, *d) < min));
            }
            let budget = (limit * order.len() / n.max(1))
                .saturating_mul(8)
                .max(50_000);
            let mut out = Vec::with_capacity(limit);
            let mut steps = 0;
            let mut step = |d: Doc, out: &mut Vec<Doc>| {
                steps += 1;
                if set.contains(d) {
                    out.push(d);
                }
                out.len() < limit && steps < budget
            };
            if desc {
                for d in order[..start].iter().rev() {
                    if !step(*d, &mut out) {
                        break;
                    }
                }
            } else {
                for d in &order[start..] {
                    if !step(*d, &mut out) {
                        break;
                    }
                }
            }
            if out.len() == limit || steps < budget {
                return out;
            }
        }
        let mut docs: Vec<Doc> = set.iter().filter(|d| beyond(*d)).collect();
        let cmp = |a: &Doc, b: &Doc| {
            let o = sort_key(*a).cmp(&sort_key(*b));
            if desc { o.reverse() } else { o }
        };
        if docs.len() > limit {
            docs.select_nth_unstable_by(limit, cmp);
            docs.truncate(limit);
        }
        docs.sort_unstable_by(cmp);
        docs
    }

    /// Relevance: the number of word groups found in the title (or make, model), then newest.
    /// The cursor key is `tier * 10^16 + published epoch microseconds`.
    fn by_relevance(
        &self,
        all: &RoaringBitmap,
        titles: &[RoaringBitmap],
        after: Option<(i64, i64)>,
        limit: usize,
    ) -> Vec<(Doc, String)> {
        const TIER: i64 = 10_000_000_000_000_000;
        // tiers[k]: the docs found in exactly k title sets
        let mut tiers: Vec<RoaringBitmap> = vec![all.clone()];
        for title in titles {
            tiers.push(RoaringBitmap::new());
            for k in (0..tiers.len() - 1).rev() {
                let moved = &tiers[k] & title;
                if !moved.is_empty() {
                    tiers[k] -= &moved;
                    tiers[k + 1] |= moved;
                }
            }
        }
        let mut out = Vec::new();
        for (tier, docs) in tiers.iter().enumerate().rev() {
            let tier = i64::try_from(tier).unwrap_or(0);
            let after = match after {
                Some((key, _)) if key.div_euclid(TIER) < tier => continue,
                Some((key, id)) if key.div_euclid(TIER) == tier => Some((key.rem_euclid(TIER), id)),
                _ => None,
            };
            for d in self.ordered(
                docs,
                Key::Published,
                true,
                after,
                (None, None),
                limit - out.len(),
            ) {
                out.push((d, (tier * TIER + self.key(Key::Published, d)).to_string()));
            }
            if out.len() == limit {
                break;
            }
        }
        out
    }

    /// Nearest first (ties by id), visiting geo cells nearest first and stopping once no
    /// unvisited cell can hold anything nearer than the page's last result.
    fn by_distance(
        &self,
        all: &RoaringBitmap,
        from: (f64, f64),
        after: Option<(f64, i64)>,
        limit: usize,
    ) -> Vec<(Doc, String)> {
        let mut cells: Vec<(f64, &RoaringBitmap)> = self
            .cells
            .iter()
            .map(|((a, b), docs)| {
                let centre = (
                    (f64::from(*a) + 0.5) * CELL_DEGREES,
                    (f64::from(*b) + 0.5) * CELL_DEGREES,
                );
                (
                    (earth_distance(from, centre) - self.cell_reach).max(0.0),
                    docs,
                )
            })
            .collect();
        cells.sort_by(|a, b| a.0.total_cmp(&b.0));
        let beyond = |x: (f64, i64)| match after {
            None => true,
            Some(a) => x.0 > a.0 || (x.0 == a.0 && x.1 > a.1),
        };
        let mut found: Vec<(f64, i64, Doc)> = Vec::new();
        if limit == 0 {
            return Vec::new();
        }
        for (nearest, docs) in cells {
            if found.len() >= limit {
                found.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
                found.truncate(limit);
                if found[limit - 1].0 < nearest {
                    break;
                }
            }
            for d in &(docs & all) {
                let i = d as usize;
                let x = (
                    earth_distance(from, (self.lat[i], self.lng[i])),
                    self.ids[i],
                );
                if beyond(x) {
                    found.push((x.0, x.1, d));
                }
            }
        }
        found.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        found.truncate(limit);
        found
            .into_iter()
            .map(|(dist, _, d)| (d, format!("{dist:?}")))
            .collect()
    }
}

fn micros(t: OffsetDateTime) -> i64 {
    i64::try_from(t.unix_timestamp_nanos() / 1000).unwrap_or(i64::MAX)
}

/// Price facet bounds of every buyer currency, in euro cents (what the index counts by).
pub fn all_price_bounds_eur(catalog: &Catalog) -> Vec<i64> {
    let mut out: Vec<i64> = [Currency::Bgn, Currency::Eur, Currency::Usd]
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
mod tests {
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
                .filter(|v| {
                    (b == 0 || **v >= bounds[b - 1]) && (b == bounds.len() || **v < bounds[b])
                })
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
}
