//! The reference data search needs on every request, read from Postgres once per process:
//! makes, models, their aliases, cities, equipment and currency rates. It turns slugs into
//! ids, feeds the smart query box its names, and converts money between currencies.

use crate::listings::{
    model::{Currency, Money},
    search::query::{Name, Understood, Vocabulary, normalise},
    wire::{CityOption, EquipmentOption, FormOptions, MakeOption, ModelOption},
};
use sqlx::PgExecutor;
use std::collections::HashMap;

#[derive(Debug, Clone)]
pub struct Make {
    pub make_id: i32,
    pub slug: String,
    pub name: String,
}

#[derive(Debug, Clone)]
pub struct Model {
    pub model_id: i32,
    pub make_id: i32,
    pub slug: String,
    pub name: String,
}

#[derive(Debug, Clone)]
pub struct City {
    pub city_id: i32,
    pub slug: String,
    pub name_en: String,
    pub name_bg: String,
    pub latitude: f64,
    pub longitude: f64,
}

#[derive(Debug, Clone)]
pub struct Equipment {
    pub slug: String,
    pub name_en: String,
}

/// Millionths: 1.95583 BGN per euro is 1_955_830.
const RATE_SCALE: i128 = 1_000_000;

#[derive(Debug, Clone)]
pub struct Catalog {
    pub makes: Vec<Make>,
    pub models: Vec<Model>,
    pub cities: Vec<City>,
    pub equipment: Vec<Equipment>,
    /// Units of the currency per euro, in millionths.
    per_eur: HashMap<Currency, i64>,
    /// Where each rate comes from, to say what a converted price is based on.
    basis: HashMap<Currency, Basis>,
    pub vocabulary: Vocabulary,
}

impl Catalog {
    pub async fn load(db: &sqlx::PgPool) -> sqlx::Result<Catalog> {
        let makes = sqlx::query_as!(
            Make,
            "select make_id, slug, name from vehicle_make order by name"
        )
        .fetch_all(db)
        .await?;
        let models = sqlx::query_as!(
            Model,
            "select model_id, make_id, slug, name from vehicle_model order by name"
        )
        .fetch_all(db)
        .await?;
        let cities = sqlx::query_as!(
            City,
            "select city_id, slug, name_en, name_bg, latitude, longitude from city order by population desc"
        )
        .fetch_all(db)
        .await?;
        let equipment = sqlx::query_as!(
            Equipment,
            "select slug, name_en from equipment order by name_en"
        )
        .fetch_all(db)
        .await?;
        let rates = sqlx::query!(
            r#"select code, (per_eur * 1000000)::bigint as "per_eur_millionths!", per_eur::text as "per_eur!",
                      rate_date, source
               from currency"#
        )
        .fetch_all(db)
        .await?;
        let mut per_eur = HashMap::new();
        let mut basis = HashMap::new();
        for r in rates {
            let Some(c) = Currency::parse(&r.code) else {
                continue;
            };
            per_eur.insert(c, r.per_eur_millionths);
            basis.insert(
                c,
                Basis {
                    fixed: r.source == "fixed",
                    per_eur: r
                        .per_eur
                        .trim_end_matches('0')
                        .trim_end_matches('.')
                        .to_string(),
                    date: r.rate_date,
                },
            );
        }
        let aliases = load_aliases(db).await?;
        let vocabulary = vocabulary(&makes, &models, &cities, aliases);
        Ok(Catalog {
            makes,
            models,
            cities,
            equipment,
            per_eur,
            basis,
            vocabulary,
        })
    }

    /// What a price converted from `from` into `to` is based on, for people: "fixed rate
    /// 1.95583" between the euro and the lev, else the day of the rate (the older of two).
    pub fn rate_basis(&self, from: Currency, to: Currency) -> String {
        let rates: Vec<&Basis> = [from, to]
            .iter()
            .filter(|c| **c != Currency::Eur)
            .filter_map(|c| self.basis.get(c))
            .collect();
        let dates = rates.iter().filter(|b| !b.fixed).map(|b| b.date);
        match dates.min() {
            Some(Some(d)) => format!("rate of {}", crate::format::date(d)),
            Some(None) => "reference rate".into(),
            None => rates
                .first()
                .map(|b| format!("fixed rate {}", b.per_eur))
                .unwrap_or_default(),
        }
    }

    /// What one euro buys of `currency`, for people: "1 EUR = 1.95583 BGN, fixed", "1 EUR =
    /// 1.085 USD, rate of 4 December 2026". None for the euro and a currency without a rate.
    pub fn rate_line(&self, currency: Currency) -> Option<String> {
        if currency == Currency::Eur {
            return None;
        }
        let b = self.basis.get(&currency)?;
        let basis = match (b.fixed, b.date) {
            (true, _) => "fixed".to_string(),
            (false, Some(d)) => format!("rate of {}", crate::format::date(d)),
            (false, None) => "reference rate".to_string(),
        };
        Some(format!(
            "1 EUR = {} {}, {basis}",
            b.per_eur,
            currency.code()
        ))
    }

    pub fn make(&self, slug: &str) -> Option<&Make> {
        self.makes.iter().find(|m| m.slug == slug)
    }

    pub fn model(&self, slug: &str) -> Option<&Model> {
        self.models.iter().find(|m| m.slug == slug)
    }

    pub fn city(&self, slug: &str) -> Option<&City> {
        self.cities.iter().find(|c| c.slug == slug)
    }

    /// The amount in euro cents (rounded), for comparing prices across currencies.
    pub fn to_eur_minor(&self, money: Money) -> i64 {
        let per_eur = i128::from(*self.per_eur.get(&money.currency).unwrap_or(&1_000_000));
        let v = (i128::from(money.minor) * RATE_SCALE * 2 + per_eur) / (per_eur * 2);
        i64::try_from(v).unwrap_or(i64::MAX)
    }

    /// Euro cents in `currency` (rounded).
    pub fn from_eur_minor(&self, eur_minor: i64, currency: Currency) -> Money {
        let per_eur = i128::from(*self.per_eur.get(&currency).unwrap_or(&1_000_000));
        let v = (i128::from(eur_minor) * per_eur * 2 + RATE_SCALE) / (RATE_SCALE * 2);
        Money::new(i64::try_from(v).unwrap_or(i64::MAX), currency)
    }

    /// `money` in `currency`, through the euro (exact for the BGN peg up to rounding).
    pub fn convert(&self, money: Money, currency: Currency) -> Money {
        if money.currency == currency {
            money
        } else {
            self.from_eur_minor(self.to_eur_minor(money), currency)
        }
    }

    /// What the search form offers.
    pub fn options(&self) -> FormOptions {
        FormOptions {
            this_year: time::OffsetDateTime::now_utc().year(),
            makes: self
                .makes
                .iter()
                .map(|m| MakeOption {
                    slug: m.slug.clone(),
                    name: m.name.clone(),
                })
                .collect(),
            models: self
                .models
                .iter()
                .filter_map(|m| {
                    let make = self.makes.iter().find(|k| k.make_id == m.make_id)?;
                    Some(ModelOption {
                        make: make.slug.clone(),
                        slug: m.slug.clone(),
                        name: m.name.clone(),
                    })
                })
                .collect(),
            cities: self
                .cities
                .iter()
                .map(|c| CityOption {
                    slug: c.slug.clone(),
                    name: c.name_en.clone(),
                })
                .collect(),
            equipment: self
                .equipment
                .iter()
                .map(|e| EquipmentOption {
                    slug: e.slug.clone(),
                    name: e.name_en.clone(),
                })
                .collect(),
        }
    }
}

/// A rate's origin: fixed by law (the euro, the lev) or a market rate of a day.
#[derive(Debug, Clone)]
struct Basis {
    fixed: bool,
    /// units per euro as written: "1.95583"
    per_eur: String,
    date: Option<time::Date>,
}

struct AliasRow {
    alias: String,
    make_id: i32,
    model_id: Option<i32>,
}

async fn load_aliases(db: impl PgExecutor<'_>) -> sqlx::Result<Vec<AliasRow>> {
    sqlx::query_as!(
        AliasRow,
        "select alias, make_id, model_id from vehicle_alias"
    )
    .fetch_all(db)
    .await
}

fn vocabulary(
    makes: &[Make],
    models: &[Model],
    cities: &[City],
    aliases: Vec<AliasRow>,
) -> Vocabulary {
    let mut names = Vec::new();
    let words = |s: &str| -> Vec<String> {
        normalise(s)
            .split_whitespace()
            .map(str::to_string)
            .collect()
    };
    for a in aliases {
        let Some(make) = makes.iter().find(|m| m.make_id == a.make_id) else {
            continue;
        };
        let what = match a
            .model_id
            .and_then(|id| models.iter().find(|m| m.model_id == id))
        {
            Some(model) => Understood::Model {
                make: make.slug.clone(),
                slug: model.slug.clone(),
                name: format!("{} {}", make.name, model.name),
            },
            None => Understood::Make {
                slug: make.slug.clone(),
                name: make.name.clone(),
            },
        };
        names.push(Name {
            words: words(&a.alias),
            what,
        });
    }
    for c in cities {
        let what = Understood::City {
            slug: c.slug.clone(),
            name: c.name_en.clone(),
        };
        for spelling in [c.name_en.as_str(), c.name_bg.as_str()] {
            names.push(Name {
                words: words(spelling),
                what: what.clone(),
            });
        }
    }
    Vocabulary { names }
}
