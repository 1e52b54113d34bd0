//! Server side of buyer search: reads the search, corrects typos, runs the page, count and
//! facet queries together, and shapes the answer (cards, facets with links, chips, "what to
//! loosen").

use super::{
    engine::{self, Index},
    facets::Vocab,
    filters::{Facet, Filters, YEAR_BUCKETS, price_bounds},
    query::{Criteria, SearchQuery, TextQuery, understand},
};
use crate::listings::{
    cards::card,
    catalog::Catalog,
    model::{ListingId, Money, group_thousands},
    repo::{self, Cursor},
    wire::{Chip, FacetGroup, FacetValue, Loosen, SearchResults},
};
use crate::{error::AppError, server::state::AppState};
use time::OffsetDateTime;

/// Typo corrections for the typed words: `(typed, nearest known word)` for each word of three
/// or more letters that search doesn't know but has a near neighbour for.
async fn typo_fixes(state: &AppState, text: &TextQuery) -> Result<Vec<(String, String)>, AppError> {
    if text.words.is_empty() {
        return Ok(Vec::new());
    }
    Ok(repo::corrections(&state.pool, &text.words)
        .await?
        .into_iter()
        .filter_map(|(w, c)| c.map(|c| (w, c)))
        .filter(|(w, _)| w.chars().count() >= 3)
        .collect())
}

/// The filters of `criteria`, each unknown word OR-ed with its correction from `fixes`.
fn filters(
    criteria: &Criteria,
    catalog: &Catalog,
    fixes: &[(String, String)],
) -> (Filters, Vec<String>) {
    let text = criteria.text.to_match(|w| {
        fixes
            .iter()
            .filter(|(typed, _)| typed == w)
            .map(|(_, c)| c.clone())
            .collect()
    });
    Filters::resolve(criteria, catalog, text)
}

/// Everything resolved for one search: what SQL needs and what the page shows about it.
struct Resolved {
    filters: Filters,
    chips: Vec<Chip>,
    ignored: Vec<String>,
    corrected: Vec<(String, String)>,
}

async fn resolve(
    state: &AppState,
    catalog: &Catalog,
    query: &SearchQuery,
) -> Result<Resolved, AppError> {
    let smart = understand(&query.q, &catalog.vocabulary, query.currency());
    let criteria = Criteria::from_search(query, &smart);
    let corrected = typo_fixes(state, &criteria.text).await?;
    let (filters, mut ignored) = filters(&criteria, catalog, &corrected);
    ignored.extend(query.ignored.iter().cloned());
    let mut chips: Vec<Chip> = smart
        .understood
        .iter()
        .map(|u| Chip {
            label: u.what.label(),
            href: SearchQuery {
                q: u.q_without.clone(),
                ..query.first_page()
            }
            .url(),
        })
        .collect();
    chips.extend(form_chips(query, catalog));
    Ok(Resolved {
        filters,
        chips,
        ignored,
        corrected,
    })
}

/// Chips for the filters set in the form (the URL), each with the search without it.
fn form_chips(query: &SearchQuery, catalog: &Catalog) -> Vec<Chip> {
    let base = query.first_page();
    let mut chips = Vec::new();
    let mut chip = |label: String, without: SearchQuery| {
        chips.push(Chip {
            label,
            href: without.url(),
        });
    };
    // chips only for what the catalogue knows: anything else is listed as not applied, and a
    // link can't put text of its own choosing on the page as a chip
    for (slug, make) in query
        .makes
        .iter()
        .filter_map(|s| Some((s, catalog.make(s)?)))
    {
        let mut q = base.clone();
        q.makes.retain(|m| m != slug);
        chip(make.name.clone(), q);
    }
    for (slug, model) in query
        .models
        .iter()
        .filter_map(|s| Some((s, catalog.model(s)?)))
    {
        let mut q = base.clone();
        q.models.retain(|m| m != slug);
        chip(model.name.clone(), q);
    }
    let money = |v: i64| Money::new(v * 100, query.currency()).format();
    let range = |lo: Option<String>, hi: Option<String>| match (lo, hi) {
        (Some(a), Some(b)) => format!("{a} to {b}"),
        (Some(a), None) => format!("from {a}"),
        (None, Some(b)) => format!("up to {b}"),
        (None, None) => String::new(),
    };
    if query.price_min.is_some() || query.price_max.is_some() {
        chip(
            range(query.price_min.map(money), query.price_max.map(money)),
            SearchQuery {
                price_min: None,
                price_max: None,
                ..base.clone()
            },
        );
    }
    if query.year_min.is_some() || query.year_max.is_some() {
        chip(
            range(
                query.year_min.map(|y| y.to_string()),
                query.year_max.map(|y| y.to_string()),
            ),
            SearchQuery {
                year_min: None,
                year_max: None,
                ..base.clone()
            },
        );
    }
    if let Some(km) = query.mileage_max {
        chip(
            format!("up to {} km", group_thousands(km)),
            SearchQuery {
                mileage_max: None,
                ..base.clone()
            },
        );
    }
    if query.power_min.is_some() || query.power_max.is_some() {
        chip(
            range(
                query.power_min.map(|v| format!("{v} hp")),
                query.power_max.map(|v| format!("{v} hp")),
            ),
            SearchQuery {
                power_min: None,
                power_max: None,
                ..base.clone()
            },
        );
    }
    for (facet, values) in query.picks.iter() {
        for v in values {
            let picks = query.picks.toggled(facet.vocab, v);
            chip(
                facet.label(v).to_string(),
                SearchQuery {
                    picks,
                    ..base.clone()
                },
            );
        }
    }
    for slug in &query.equipment {
        let Some(known) = catalog.equipment.iter().find(|e| &e.slug == slug) else {
            continue;
        };
        let mut q = base.clone();
        q.equipment.retain(|e| e != slug);
        chip(known.name_en.clone(), q);
    }
    if let Some(city) = query.city.as_deref().and_then(|slug| catalog.city(slug)) {
        let name = city.name_en.clone();
        let label = match query.radius_km {
            Some(km) => format!("within {km} km of {name}"),
            None => name,
        };
        chip(
            label,
            SearchQuery {
                city: None,
                radius_km: None,
                ..base.clone()
            },
        );
    }
    if query.has_photos {
        chip(
            "with photos".into(),
            SearchQuery {
                has_photos: false,
                ..base.clone()
            },
        );
    }
    if let Some(days) = query.posted_within_days {
        chip(
            format!("posted in the last {days} days"),
            SearchQuery {
                posted_within_days: None,
                ..base.clone()
            },
        );
    }
    chips
}

fn toggle<T: PartialEq + Clone>(list: &[T], value: &T) -> Vec<T> {
    if list.contains(value) {
        list.iter().filter(|v| *v != value).cloned().collect()
    } else {
        let mut out = list.to_vec();
        out.push(value.clone());
        out
    }
}

/// Facet groups with a link per value that switches it on or off.
fn facets(
    query: &SearchQuery,
    catalog: &Catalog,
    counts: Vec<(Facet, Vec<(String, i64)>)>,
) -> Vec<FacetGroup> {
    let mut groups: Vec<FacetGroup> = counts
        .into_iter()
        .filter_map(|(facet, rows)| match facet {
            Facet::Make => Some(make_group(query, catalog, &rows)),
            Facet::Model => (!query.makes.is_empty() || !query.models.is_empty())
                .then(|| model_group(query, catalog, &rows)),
            Facet::Vocab(v) => Some(vocab_group(query, v, &rows)),
            Facet::Year => Some(year_group(query, &rows)),
            Facet::Price => Some(price_group(query, &rows)),
        })
        .collect();
    groups.retain(|g| !g.values.is_empty());
    groups
}

fn make_group(query: &SearchQuery, catalog: &Catalog, makes: &[(String, i64)]) -> FacetGroup {
    let base = query.first_page();
    let make_values = makes
        .iter()
        .filter_map(|(id, n)| {
            let make = catalog
                .makes
                .iter()
                .find(|m| m.make_id.to_string() == *id)?;
            let selected = query.makes.contains(&make.slug);
            Some(FacetValue {
                label: make.name.clone(),
                count: *n,
                selected,
                href: SearchQuery {
                    makes: toggle(&query.makes, &make.slug),
                    // models of a make that is switched off go with it
                    models: if selected {
                        query
                            .models
                            .iter()
                            .filter(|s| catalog.model(s).is_none_or(|m| m.make_id != make.make_id))
                            .cloned()
                            .collect()
                    } else {
                        query.models.clone()
                    },
                    ..base.clone()
                }
                .url(),
            })
        })
        .collect();
    FacetGroup {
        title: "Make".into(),
        values: make_values,
    }
}

fn model_group(query: &SearchQuery, catalog: &Catalog, models: &[(String, i64)]) -> FacetGroup {
    let base = query.first_page();
    let values = models
        .iter()
        .filter_map(|(id, n)| {
            let model = catalog
                .models
                .iter()
                .find(|m| m.model_id.to_string() == *id)?;
            Some(FacetValue {
                label: model.name.clone(),
                count: *n,
                selected: query.models.contains(&model.slug),
                href: SearchQuery {
                    models: toggle(&query.models, &model.slug),
                    ..base.clone()
                }
                .url(),
            })
        })
        .collect();
    FacetGroup {
        title: "Model".into(),
        values,
    }
}

fn vocab_group(query: &SearchQuery, vocab: Vocab, rows: &[(String, i64)]) -> FacetGroup {
    let base = query.first_page();
    let facet = vocab.facet();
    let values = rows
        .iter()
        .filter_map(|(slug, n)| {
            let (slug, label) = facet.values.iter().find(|(s, _)| s == slug)?;
            Some(FacetValue {
                label: (*label).into(),
                count: *n,
                selected: query.picks[vocab].iter().any(|s| s == slug),
                href: SearchQuery {
                    picks: query.picks.toggled(vocab, slug),
                    ..base.clone()
                }
                .url(),
            })
        })
        .collect();
    FacetGroup {
        title: facet.title.into(),
        values,
    }
}

/// Buckets: index i covers [bounds[i-1], bounds[i]).
fn bucket(i: usize, bounds: &[i64]) -> (Option<i64>, Option<i64>) {
    let lo = i.checked_sub(1).and_then(|j| bounds.get(j)).copied();
    let hi = bounds.get(i).map(|b| b - 1);
    (lo, hi)
}

fn year_group(query: &SearchQuery, years: &[(String, i64)]) -> FacetGroup {
    let base = query.first_page();
    let year_bounds: Vec<i64> = YEAR_BUCKETS.iter().map(|&y| i64::from(y)).collect();
    let mut year_values: Vec<(usize, FacetValue)> = years
        .iter()
        .filter_map(|(b, n)| {
            let i: usize = b.parse().ok()?;
            let (lo, hi) = bucket(i, &year_bounds);
            let (lo, hi) = (
                lo.and_then(|v| i32::try_from(v).ok()),
                hi.and_then(|v| i32::try_from(v).ok()),
            );
            let label = match (lo, hi) {
                (None, Some(h)) => format!("{h} or older"),
                (Some(l), None) => format!("{l} or newer"),
                (Some(l), Some(h)) => format!("{l}-{h}"),
                (None, None) => "any".into(),
            };
            let selected = query.year_min == lo && query.year_max == hi;
            let href = if selected {
                SearchQuery {
                    year_min: None,
                    year_max: None,
                    ..base.clone()
                }
            } else {
                SearchQuery {
                    year_min: lo,
                    year_max: hi,
                    ..base.clone()
                }
            }
            .url();
            Some((
                i,
                FacetValue {
                    label,
                    count: *n,
                    selected,
                    href,
                },
            ))
        })
        .collect();
    year_values.sort_by_key(|(i, _)| std::cmp::Reverse(*i));
    FacetGroup {
        title: "Year".into(),
        values: year_values.into_iter().map(|(_, v)| v).collect(),
    }
}

fn price_group(query: &SearchQuery, prices: &[(String, i64)]) -> FacetGroup {
    let base = query.first_page();

    let bounds = price_bounds(query.currency());
    let mut price_values: Vec<(usize, FacetValue)> = prices
        .iter()
        .filter_map(|(b, n)| {
            let i: usize = b.parse().ok()?;
            let (lo, hi) = bucket(i, &bounds);
            let hi = hi.map(|h| h + 1);
            let m = |v: i64| Money::new(v * 100, query.currency()).format();
            let label = match (lo, hi) {
                (None, Some(h)) => format!("under {}", m(h)),
                (Some(l), None) => format!("{} and more", m(l)),
                (Some(l), Some(h)) => format!("{} to {}", m(l), m(h)),
                (None, None) => "any".into(),
            };
            let selected = query.price_min == lo && query.price_max == hi;
            let href = if selected {
                SearchQuery {
                    price_min: None,
                    price_max: None,
                    ..base.clone()
                }
            } else {
                SearchQuery {
                    price_min: lo,
                    price_max: hi,
                    ..base.clone()
                }
            }
            .url();
            Some((
                i,
                FacetValue {
                    label,
                    count: *n,
                    selected,
                    href,
                },
            ))
        })
        .collect();
    price_values.sort_by_key(|(i, _)| *i);
    FacetGroup {
        title: "Price".into(),
        values: price_values.into_iter().map(|(_, v)| v).collect(),
    }
}

/// What SQL compares for `query` (typo corrections included), for benchmarks and tools.
pub async fn resolve_filters(state: &AppState, query: &SearchQuery) -> Result<Filters, AppError> {
    let catalog = state.catalog().await?;
    Ok(resolve(state, &catalog, query).await?.filters)
}

/// What a search means, for an alert rule saved from it: the filters the engine compares,
/// the criteria as chips (the free text first, in quotes), and what could not be applied
/// (unknown makes, models, cities...), which a rule must not silently drop.
pub async fn resolve_criteria(
    state: &AppState,
    query: &SearchQuery,
) -> Result<(Filters, Vec<Chip>, Vec<String>), AppError> {
    let catalog = state.catalog().await?;
    let resolved = resolve(state, &catalog, query).await?;
    let smart = understand(&query.q, &catalog.vocabulary, query.currency());
    let mut chips = Vec::new();
    let text = smart.text.trim();
    if !text.is_empty() {
        chips.push(Chip {
            label: format!("“{text}”"),
            href: SearchQuery {
                q: String::new(),
                ..query.first_page()
            }
            .url(),
        });
    }
    chips.extend(resolved.chips);
    Ok((resolved.filters, chips, resolved.ignored))
}

/// The facets a search page shows: the model facet only once a make or model is chosen
/// (a smart-box make counts too: it is in the resolved filters).
pub fn wanted_facets(f: &Filters) -> Vec<Facet> {
    Facet::all()
        .filter(|x| *x != Facet::Model || !f.make_ids.is_empty() || !f.model_ids.is_empty())
        .collect()
}

/// Runs a search: one page of cards, the total, and the facet counts.
pub async fn search(state: &AppState, query: &SearchQuery) -> Result<SearchResults, AppError> {
    let catalog = state.catalog().await?;
    let resolved = resolve(state, &catalog, query).await?;
    let f = &resolved.filters;
    let mut ignored = resolved.ignored.clone();
    let cursor = match query.after.as_deref().map(Cursor::parse) {
        Some(None) => {
            ignored.push("after (an unreadable page link: showing the first page)".into());
            None
        }
        Some(Some(c)) if !engine::cursor_fits(query.sort, f, &c.key) => {
            ignored.push("after (a page link from another sort: showing the first page)".into());
            None
        }
        Some(c) => c,
        None => None,
    };
    let size = usize::from(query.page_size);
    let price_bounds_eur: Vec<i64> = price_bounds(query.currency())
        .iter()
        .map(|&v| catalog.to_eur_minor(Money::new(v * 100, query.currency())))
        .collect();
    let now = OffsetDateTime::now_utc();
    let engine = state.search_engine().await?;
    let wanted = wanted_facets(f);
    let found = engine.read().search(&engine::Ask {
        filters: f,
        sort: query.sort,
        after: cursor.as_ref().map(|c| (c.key.as_str(), c.id)),
        limit: size + 1,
        facets: &wanted,
        price_bounds_eur: &price_bounds_eur,
        now,
    });
    let total = found.total;
    let shown = &found.page[..found.page.len().min(size)];
    let ids: Vec<ListingId> = shown.iter().map(|(id, _)| ListingId(*id)).collect();
    let page = repo::cards_by_id(&state.pool, &ids, None).await?;
    let next = match (found.page.len() > size, shown.last()) {
        (true, Some((id, key))) => Some(
            SearchQuery {
                after: Some(
                    Cursor {
                        key: key.clone(),
                        id: *id,
                    }
                    .encode(),
                ),
                ..query.first_page()
            }
            .url(),
        ),
        _ => None,
    };
    let cards = page
        .iter()
        .map(|r| card(r, &catalog, &state.media, query.currency(), now))
        .collect();
    let loosen = if total == 0 {
        loosen(
            &engine.read(),
            &catalog,
            &resolved.chips,
            &resolved.corrected,
        )
    } else {
        Vec::new()
    };
    Ok(SearchResults {
        total,
        cards,
        facets: facets(query, &catalog, found.facets),
        chips: resolved.chips,
        next,
        first: cursor.map(|_| query.first_page().url()),
        loosen,
        ignored,
        corrected: resolved.corrected,
        currency: query.currency(),
    })
}

/// For an empty result: how many listings each chip's removal would find (best first).
/// Dropping a chip only drops words, so the search's own typo corrections still hold.
fn loosen(
    index: &Index,
    catalog: &Catalog,
    chips: &[Chip],
    fixes: &[(String, String)],
) -> Vec<Loosen> {
    let now = OffsetDateTime::now_utc();
    let mut out: Vec<Loosen> = chips
        .iter()
        .take(8)
        .filter_map(|chip| {
            let without = SearchQuery::from_query_string(chip.href.trim_start_matches("/search"));
            let smart = understand(&without.q, &catalog.vocabulary, without.currency());
            let (f, _) = filters(&Criteria::from_search(&without, &smart), catalog, fixes);
            let count = index.count(&f, now);
            (count > 0).then(|| Loosen {
                without: chip.label.clone(),
                count,
                href: chip.href.clone(),
            })
        })
        .collect();
    out.sort_by_key(|l| std::cmp::Reverse(l.count));
    out.truncate(3);
    out
}
