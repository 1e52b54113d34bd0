//! A search resolved against the catalog into what the index and SQL compare (ids, euro
//! cents, metres), and the facets whose values are counted. `engine` answers `Filters` from
//! memory; `repo` answers the same `Filters` in SQL (its plain definition).

use crate::listings::{
    catalog::Catalog,
    model::Currency,
    search::{
        facets::{Picks, VOCABS, Vocab},
        query::{Criteria, TextMatch},
    },
};

/// A search, resolved against the catalog into what SQL compares: ids, euro cents, metres.
#[derive(Debug, Clone, Default)]
pub struct Filters {
    /// The free text, already typo-corrected.
    pub text: Option<TextMatch>,
    /// Makes with no model chosen (any of their models matches).
    pub make_ids: Vec<i32>,
    pub model_ids: Vec<i32>,
    pub year_min: Option<i32>,
    pub year_max: Option<i32>,
    pub price_min_eur: Option<i64>,
    pub price_max_eur: Option<i64>,
    pub mileage_max: Option<i32>,
    pub power_min: Option<i32>,
    pub power_max: Option<i32>,
    /// Slugs per closed vocabulary, any of which matches (the listing's column holds the slug).
    pub picks: Picks,
    pub equipment: Vec<String>,
    /// Latitude, longitude and radius in metres (None: anywhere, but distance can sort).
    pub near: Option<(f64, f64, Option<f64>)>,
    /// The city itself, when a city is chosen without a radius.
    pub city_id: Option<i32>,
    pub has_photos: bool,
    pub posted_within_days: Option<i32>,
}

/// A filter dimension whose own condition is left out when counting its values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Facet {
    Make,
    Model,
    /// A closed vocabulary whose table entry is `counted`.
    Vocab(Vocab),
    Year,
    Price,
}

/// Year buckets: before 2006, 2006-2010, 2011-2015, 2016-2019, 2020 and later.
pub const YEAR_BUCKETS: [i32; 4] = [2006, 2011, 2016, 2020];

impl Filters {
    /// Resolves slugs to ids and money to euro cents; unknown slugs are returned as ignored.
    pub fn resolve(
        c: &Criteria,
        catalog: &Catalog,
        text: Option<TextMatch>,
    ) -> (Filters, Vec<String>) {
        let mut ignored = Vec::new();
        let mut model_ids = Vec::new();
        let mut makes_with_model = Vec::new();
        for slug in &c.models {
            match catalog.model(slug) {
                Some(m) => {
                    model_ids.push(m.model_id);
                    makes_with_model.push(m.make_id);
                }
                None => ignored.push(format!("model={slug}")),
            }
        }
        let mut make_ids = Vec::new();
        for slug in &c.makes {
            match catalog.make(slug) {
                Some(m) if !makes_with_model.contains(&m.make_id) => make_ids.push(m.make_id),
                Some(_) => {}
                None => ignored.push(format!("make={slug}")),
            }
        }
        let mut equipment = Vec::new();
        for slug in &c.equipment {
            if catalog.equipment.iter().any(|e| &e.slug == slug) {
                equipment.push(slug.clone());
            } else {
                ignored.push(format!("equip={slug}"));
            }
        }
        let city = c.city.as_deref().and_then(|slug| {
            let found = catalog.city(slug);
            if found.is_none() {
                ignored.push(format!("city={slug}"));
            }
            found
        });
        let near = city.map(|city| {
            (
                city.latitude,
                city.longitude,
                c.radius_km.map(|km| f64::from(km) * 1000.0),
            )
        });
        let filters = Filters {
            text,
            make_ids,
            model_ids,
            year_min: c.year_min,
            year_max: c.year_max,
            price_min_eur: c.price_min.map(|m| catalog.to_eur_minor(m)),
            price_max_eur: c.price_max.map(|m| catalog.to_eur_minor(m)),
            mileage_max: c.mileage_max,
            power_min: c.power_min,
            power_max: c.power_max,
            picks: c.picks.clone(),
            equipment,
            city_id: city.filter(|_| c.radius_km.is_none()).map(|c| c.city_id),
            near,
            has_photos: c.has_photos,
            posted_within_days: c.posted_within_days,
        };
        (filters, ignored)
    }
}

impl Facet {
    /// Every counted facet, in the order the page shows them.
    pub fn all() -> impl Iterator<Item = Facet> {
        [Facet::Make, Facet::Model]
            .into_iter()
            .chain(
                VOCABS
                    .iter()
                    .filter(|f| f.counted)
                    .map(|f| Facet::Vocab(f.vocab)),
            )
            .chain([Facet::Year, Facet::Price])
    }

    /// Whether `f` filters on this facet itself: then its counts leave that filter out and
    /// need a query of their own.
    pub fn filtered_by(self, f: &Filters) -> bool {
        match self {
            Facet::Make => !f.make_ids.is_empty() || !f.model_ids.is_empty(),
            Facet::Model => !f.model_ids.is_empty(),
            Facet::Vocab(v) => !f.picks[v].is_empty(),
            Facet::Year => f.year_min.is_some() || f.year_max.is_some(),
            Facet::Price => f.price_min_eur.is_some() || f.price_max_eur.is_some(),
        }
    }
}

/// Price facet bounds in whole units of the buyer's currency.
pub fn price_bounds(currency: Currency) -> [i64; 5] {
    match currency {
        Currency::Bgn | Currency::Ron => [5_000, 10_000, 20_000, 40_000, 80_000],
        Currency::Eur | Currency::Usd | Currency::Gbp => [2_500, 5_000, 10_000, 20_000, 40_000],
    }
}
