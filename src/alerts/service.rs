//! Alert rules for their owners (create, change, pause, delete, preview) and the worker that
//! turns listing events into notifications.

use super::{
    keywords::{self, Text},
    matcher::{Listing, Matcher, Rule},
    model::{AlertsOverview, RuleFields, RuleSummary},
    repo::{self, Event, ListingWords, RuleRow},
};
use crate::accounts::model::AccountId;
use crate::listings::model::ListingId;
use crate::{
    billing::plans::{self, Quota, limits_for},
    error::AppError,
    format::ago,
    listings::{
        cards,
        model::{EventKind, Money},
        search::engine,
        search::query::SearchQuery,
        search::service as search,
        wire::ListingCard,
    },
    notifications::{
        notices::{Recorder, Route},
        repo::NewNotice,
        settings as notification_settings,
    },
    server::state::AppState,
};
use std::collections::HashMap;
use time::OffsetDateTime;

/// The longest search (as its query string) a rule keeps; the database allows as much.
pub const SEARCH_MAX: usize = 8000;

/// The search a rule is saved from, as the rule keeps it: the first page, no cursor, and
/// nothing that was not understood.
pub fn rule_search(query_string: &str) -> String {
    let mut q = SearchQuery::from_query_string(query_string).first_page();
    q.ignored.clear();
    q.to_query_string()
}

/// "“golf” · Diesel · Up to 15,000 BGN": the criteria in words.
fn criteria_words(chips: &[crate::listings::wire::Chip]) -> String {
    if chips.is_empty() {
        "Any listing".to_string()
    } else {
        chips
            .iter()
            .map(|c| c.label.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

fn too_long() -> AppError {
    AppError::invalid_field(
        "search",
        "This search is too long to save as an alert: remove some filters or words.",
    )
}

/// Saves a search as a rule, when the account may have another active one.
pub async fn create(
    state: &AppState,
    account: AccountId,
    search: &str,
    fields: RuleFields,
) -> Result<i64, AppError> {
    let fields = fields.checked().map_err(AppError::invalid)?;
    let limits = limits_for(&state.pool, account).await?;
    // a bound on the raw length first, so a huge search costs nothing to refuse; the exact
    // limit applies to the search as it will be stored
    if search.len() > SEARCH_MAX * 4 {
        return Err(too_long());
    }
    let search = rule_search(search);
    if search.chars().count() > SEARCH_MAX {
        return Err(too_long());
    }
    let (_, _, ignored) =
        search::resolve_criteria(state, &SearchQuery::from_query_string(&search)).await?;
    if !ignored.is_empty() {
        return Err(AppError::invalid_field(
            "search",
            format!(
                "Part of this search could not be understood ({}), so an alert would match more than you asked for. Remove it and save again.",
                ignored.join(", ")
            ),
        ));
    }
    let mut tx = state.pool.begin().await?;
    let (active, total) = repo::lock_and_count_rules(&mut tx, account).await?;
    if usize::try_from(total).unwrap_or(usize::MAX) >= limits.total_rules {
        return Err(plans::refusal(&state.pool, account, Quota::TotalAlerts, total).await?);
    }
    if usize::try_from(active).unwrap_or(usize::MAX) >= limits.active_rules {
        return Err(plans::refusal(&state.pool, account, Quota::ActiveAlerts, active).await?);
    }
    let id = repo::insert_rule(&mut tx, account, &search, &fields).await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn update(
    state: &AppState,
    account: AccountId,
    rule_id: i64,
    fields: RuleFields,
) -> Result<(), AppError> {
    let fields = fields.checked().map_err(AppError::invalid)?;
    if repo::update_rule(&state.pool, account, rule_id, &fields).await? {
        Ok(())
    } else {
        Err(AppError::NotFound)
    }
}

/// Pauses a rule, or resumes it when the account may have another active one.
pub async fn set_paused(
    state: &AppState,
    account: AccountId,
    rule_id: i64,
    paused: bool,
) -> Result<(), AppError> {
    let mut tx = state.pool.begin().await?;
    let (active, _) = repo::lock_and_count_rules(&mut tx, account).await?;
    let rule = repo::rule(&mut *tx, account, rule_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let limits = limits_for(&mut *tx, account).await?;
    if !paused
        && rule.paused
        && usize::try_from(active).unwrap_or(usize::MAX) >= limits.active_rules
    {
        return Err(plans::refusal(&state.pool, account, Quota::ActiveAlerts, active).await?);
    }
    repo::set_paused(&mut *tx, account, rule_id, paused).await?;
    tx.commit().await?;
    Ok(())
}

pub async fn delete(state: &AppState, account: AccountId, rule_id: i64) -> Result<(), AppError> {
    if repo::delete_rule(&state.pool, account, rule_id).await? {
        Ok(())
    } else {
        Err(AppError::NotFound)
    }
}

pub async fn overview(state: &AppState, account: AccountId) -> Result<AlertsOverview, AppError> {
    let now = OffsetDateTime::now_utc();
    let mut rules = Vec::new();
    for r in repo::rules_of(&state.pool, account).await? {
        let query = SearchQuery::from_query_string(&r.rule.search);
        let (_, chips, _) = search::resolve_criteria(state, &query).await?;
        rules.push(RuleSummary {
            id: r.rule.rule_id,
            fields: r.rule.fields(),
            search_url: query.url(),
            chips,
            paused: r.rule.paused,
            last_match: r.last_match.map(|t| ago(t, now)),
            matches_this_week: r.matches_this_week,
        });
    }
    let active = rules.iter().filter(|r| !r.paused).count();
    Ok(AlertsOverview {
        rules,
        limits: limits_for(&state.pool, account).await?,
        active,
        favorites: repo::favorite_alerts(&state.pool, account).await?,
        trouble: notification_settings::trouble(state, account).await?,
    })
}

/// The rule's name and the newest listings it matches right now (the newest 100 of its
/// search, then its keywords), as cards.
pub async fn preview(
    state: &AppState,
    account: AccountId,
    rule_id: i64,
) -> Result<(String, Vec<ListingCard>), AppError> {
    let rule = repo::rule(&state.pool, account, rule_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut query = SearchQuery::from_query_string(&rule.search);
    query.page_size = 100;
    let mut cards = search::search(state, &query).await?.cards;
    let wanted = keywords::parse(&rule.keywords).ok().flatten();
    let excluded = keywords::parse_list(&rule.excluded).ok().flatten();
    if wanted.is_some() || excluded.is_some() {
        let ids: Vec<ListingId> = cards.iter().map(|c| c.id).collect();
        let texts: HashMap<ListingId, Text> = repo::listing_words(&state.pool, &ids)
            .await?
            .iter()
            .map(|w| (w.listing_id, words_of(w)))
            .collect();
        cards.retain(|c| {
            texts.get(&c.id).is_some_and(|t| {
                wanted.as_ref().is_none_or(|k| k.matches(t))
                    && !excluded.as_ref().is_some_and(|x| x.matches(t))
            })
        });
    }
    cards::annotate(state, Some(account), &mut cards).await?;
    Ok((rule.name, cards))
}

fn words_of(w: &ListingWords) -> Text {
    Text::new(&[
        &w.title,
        w.make.as_deref().unwrap_or(""),
        w.model.as_deref().unwrap_or(""),
        &w.description,
    ])
}

/// A rule the worker holds: its matcher form and its criteria in words.
struct Compiled {
    rule: Rule,
    criteria: String,
}

async fn compile(state: &AppState, row: &RuleRow) -> Result<Compiled, AppError> {
    let query = SearchQuery::from_query_string(&row.search);
    let (filters, chips, ignored) = search::resolve_criteria(state, &query).await?;
    if !ignored.is_empty() {
        // a make, model or city that no longer exists: matching without it would tell of
        // far more than was asked for
        return Err(AppError::invalid_field(
            "search",
            format!("no longer understood: {}", ignored.join(", ")),
        ));
    }
    let keywords =
        keywords::parse(&row.keywords).map_err(|e| AppError::invalid_field("keywords", e))?;
    let excluded =
        keywords::parse_list(&row.excluded).map_err(|e| AppError::invalid_field("excluded", e))?;
    let mut criteria = criteria_words(&chips);
    if !row.keywords.is_empty() {
        criteria.push_str(&format!(", with {}", row.keywords));
    }
    Ok(Compiled {
        rule: Rule {
            id: row.rule_id,
            account: row.account_id,
            filters,
            keywords,
            excluded,
        },
        criteria,
    })
}

/// Turns listing events into notifications. Holds every active rule in a [`Matcher`], kept
/// up to date before each batch from the rules changed since the last look (with an overlap:
/// a change is stamped when its transaction starts, so one that commits later than another
/// is still read), and from a full re-read every [`RECONCILE_EVERY`], which also drops
/// deleted rules. Any number of workers may run (in the server or as separate processes):
/// each event is taken by one of them, and the notification's unique key makes a repeat
/// after a crash a no-op; a notification also needs its rule to exist and be active when it
/// is recorded, whatever a worker's matcher still holds.
pub struct Worker {
    matcher: Matcher,
    criteria: HashMap<i64, String>,
    /// The version of each rule as last applied.
    applied: HashMap<i64, i64>,
    /// When (database time) the last look at the rules started.
    looked: Option<OffsetDateTime>,
    reconciled: Option<std::time::Instant>,
}

/// How often every rule is read again (and deleted ones dropped).
const RECONCILE_EVERY: std::time::Duration = std::time::Duration::from_secs(600);
/// How far back each look at changed rules reaches before the previous look.
const OVERLAP: time::Duration = time::Duration::minutes(1);
/// Events taken per transaction.
const BATCH: i64 = 200;

impl Default for Worker {
    fn default() -> Self {
        Worker::new()
    }
}

impl Worker {
    pub fn new() -> Worker {
        Worker {
            matcher: Matcher::new(),
            criteria: HashMap::new(),
            applied: HashMap::new(),
            looked: None,
            reconciled: None,
        }
    }

    fn forget(&mut self, id: i64) {
        self.matcher.remove(id);
        self.criteria.remove(&id);
    }

    /// Reads the rules changed since the last call into the matcher.
    pub async fn sync_rules(&mut self, state: &AppState) -> Result<(), AppError> {
        let full = self
            .reconciled
            .is_none_or(|at| at.elapsed() >= RECONCILE_EVERY);
        let started = repo::database_now(&state.pool).await?;
        let since = if full {
            None
        } else {
            self.looked.map(|t| t - OVERLAP)
        };
        let rows = repo::rules_changed(&state.pool, since).await?;
        if full {
            let present: std::collections::HashSet<i64> = rows.iter().map(|r| r.rule_id).collect();
            let gone: Vec<i64> = self
                .applied
                .keys()
                .filter(|id| !present.contains(id))
                .copied()
                .collect();
            for id in gone {
                self.applied.remove(&id);
                self.forget(id);
            }
            self.reconciled = Some(std::time::Instant::now());
        }
        for row in rows {
            if self.applied.insert(row.rule_id, row.version) == Some(row.version) {
                continue;
            }
            if row.paused {
                self.forget(row.rule_id);
                continue;
            }
            match compile(state, &row).await {
                Ok(c) => {
                    self.criteria.insert(row.rule_id, c.criteria);
                    self.matcher.upsert(c.rule);
                }
                Err(e @ AppError::Invalid { .. }) => {
                    tracing::warn!(rule_id = row.rule_id, error = ?e, "alert rule not usable");
                    self.forget(row.rule_id);
                }
                Err(e) => {
                    // try this rule again at the next look
                    self.applied.remove(&row.rule_id);
                    return Err(e);
                }
            }
        }
        self.looked = Some(started);
        Ok(())
    }

    /// Handles the oldest waiting events; how many there were (0: nothing to do).
    pub async fn step(&mut self, state: &AppState) -> Result<usize, AppError> {
        self.sync_rules(state).await?;
        let mut tx = state.pool.begin().await?;
        let events = repo::claim_events(&mut tx, BATCH).await?;
        if events.is_empty() {
            return Ok(0);
        }
        let mut ids: Vec<ListingId> = events.iter().map(|e| e.listing_id).collect();
        ids.sort_unstable();
        ids.dedup();
        let rows: HashMap<ListingId, engine::Row> =
            engine::load_rows(&state.pool, &ListingId::raw(&ids))
                .await?
                .into_iter()
                .map(|r| (ListingId(r.listing_id), r))
                .collect();
        let words: HashMap<ListingId, ListingWords> = repo::listing_words(&mut *tx, &ids)
            .await?
            .into_iter()
            .map(|w| (w.listing_id, w))
            .collect();
        let now = OffsetDateTime::now_utc();
        let mut told = 0usize;
        let mut recorder = Recorder::default();
        for event in &events {
            let Some(listing) = words.get(&event.listing_id) else {
                continue;
            };
            let happened = what_happened(event);
            let title = format!(
                "{} · {}",
                listing.title,
                Money::new(listing.price_minor, cards::currency(&listing.currency)).format()
            );
            let key = trigger_key(event);
            let mut heard = std::collections::HashSet::new();
            // rules: only while the listing is on the market
            if event.kind != EventKind::Sold
                && let Some(row) = rows.get(&event.listing_id)
            {
                let text = words_of(listing);
                let matched = self.matcher.matching(&Listing { row, text: &text }, now);
                // rules paused or deleted since this worker last looked are skipped (and
                // their owners still hear of their favorites below)
                let live = repo::live_rules(&mut *tx, &matched).await?;
                for live in &live {
                    let Some(rule) = self.matcher.rule(live.rule_id) else {
                        continue;
                    };
                    let criteria = self.criteria.get(&rule.id).map_or("", String::as_str);
                    let reason = format!("{criteria}; {happened}");
                    let notice = NewNotice {
                        account: rule.account,
                        rule_id: Some(rule.id),
                        listing_id: event.listing_id,
                        kind: event.kind,
                        trigger_key: &key,
                        title: &title,
                        reason: &reason,
                    };
                    let route = Route::Chosen {
                        channels: &live.channels,
                        rhythm: live.rhythm,
                    };
                    if recorder.record(&mut tx, &notice, route, now).await? {
                        told += 1;
                    }
                    heard.insert(rule.account);
                }
            }
            // favorites (once per person: a rule that matched already said it): price drops and sales
            if matches!(event.kind, EventKind::PriceDrop | EventKind::Sold) {
                let reason = format!("Your favorite; {happened}");
                for account in repo::favorited_by(&mut *tx, event.listing_id).await? {
                    if heard.contains(&account) {
                        continue;
                    }
                    let notice = NewNotice {
                        account,
                        rule_id: None,
                        listing_id: event.listing_id,
                        kind: event.kind,
                        trigger_key: &key,
                        title: &title,
                        reason: &reason,
                    };
                    if recorder
                        .record(&mut tx, &notice, Route::Favorites, now)
                        .await?
                    {
                        told += 1;
                    }
                }
            }
        }
        let done: Vec<i64> = events.iter().map(|e| e.event_id).collect();
        repo::delete_events(&mut tx, &done).await?;
        tx.commit().await?;
        if told > 0 {
            tracing::info!(
                events = events.len(),
                notifications = told,
                "alerts matched"
            );
        }
        Ok(events.len())
    }

    /// Handles events until none are waiting.
    pub async fn drain(&mut self, state: &AppState) -> Result<(), AppError> {
        while self.step(state).await? > 0 {}
        Ok(())
    }
}

/// "price dropped 1,500 EUR (to 23,500 EUR)", "just listed", ...
fn what_happened(e: &Event) -> String {
    let cur = e
        .currency
        .as_deref()
        .map(cards::currency)
        .unwrap_or_default();
    match (e.kind, e.old_price_minor, e.new_price_minor) {
        (EventKind::PriceDrop, Some(old), Some(new)) => format!(
            "price dropped {} (to {})",
            Money::new(old - new, cur).format(),
            Money::new(new, cur).format()
        ),
        (EventKind::Back, ..) => "back on the market".into(),
        (EventKind::Sold, ..) => "sold".into(),
        _ => "just listed".into(),
    }
}

/// Tells repeated triggers of one kind apart. A listing is news once per kind (published,
/// back on the market, sold), however often a seller relists it; a price drop is news once
/// per price, and only below every price already told (`repo::insert_notice`), so nudging a
/// price up and down again says nothing new.
fn trigger_key(e: &Event) -> String {
    match e.kind {
        EventKind::PriceDrop => e.new_price_minor.unwrap_or_default().to_string(),
        EventKind::Back | EventKind::Published | EventKind::Sold => String::new(),
    }
}

/// Runs a worker until the process ends: a batch whenever events wait, else a short sleep.
pub async fn run(state: AppState) {
    let mut worker = Worker::new();
    loop {
        match worker.step(&state).await {
            Ok(0) => tokio::time::sleep(std::time::Duration::from_millis(500)).await,
            Ok(_) => {}
            Err(e) => {
                tracing::error!(error = %e, "alert worker step failed");
                tokio::time::sleep(std::time::Duration::from_secs(5)).await;
            }
        }
    }
}
