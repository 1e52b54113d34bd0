//! SQL for listings. Fixed-shape queries are compile-checked (`query!`, `.sqlx/` committed);
//! the search query changes shape with the filters, so it is built with `QueryBuilder` and
//! every value is bound, never spliced (covered by tests/listings.rs).
//!
//! Buyers' searches are answered by the in-memory index (`engine.rs`); the SQL search here
//! (`search_page`, `count`, `facet_counts`) is its plain, obviously-right definition, which
//! tests/listings.rs checks the index against on random searches.

use crate::accounts::model::AccountId;
use crate::listings::model::ListingId;
use crate::listings::{
    search::filters::{Facet, Filters, YEAR_BUCKETS},
    search::query::Sort,
};
use sqlx::{PgExecutor, PgPool, Postgres, QueryBuilder};
use time::OffsetDateTime;

impl Filters {
    /// ` and ...` for every active filter but `except`'s.
    fn push_where(&self, qb: &mut QueryBuilder<'_, Postgres>, except: Option<Facet>) {
        qb.push(" where l.status = 'published'");
        if let Some(t) = &self.text {
            qb.push(" and l.search_text @@ to_tsquery('simple', ")
                .push_bind(t.to_tsquery())
                .push(")");
        }
        match except {
            Some(Facet::Make) => {}
            Some(Facet::Model) => {
                let all: Vec<i32> = self.make_ids.clone();
                if !all.is_empty() || !self.model_ids.is_empty() {
                    // the models of every chosen make, whichever model is chosen
                    qb.push(" and (l.make_id = any(")
                        .push_bind(all)
                        .push(") or l.make_id in (select make_id from vehicle_model where model_id = any(")
                        .push_bind(self.model_ids.clone())
                        .push(")))");
                }
            }
            _ => match (self.make_ids.is_empty(), self.model_ids.is_empty()) {
                (true, true) => {}
                (false, true) => {
                    qb.push(" and l.make_id = any(")
                        .push_bind(self.make_ids.clone())
                        .push(")");
                }
                (true, false) => {
                    qb.push(" and l.model_id = any(")
                        .push_bind(self.model_ids.clone())
                        .push(")");
                }
                (false, false) => {
                    qb.push(" and (l.make_id = any(")
                        .push_bind(self.make_ids.clone())
                        .push(") or l.model_id = any(")
                        .push_bind(self.model_ids.clone())
                        .push("))");
                }
            },
        }
        if except != Some(Facet::Year) {
            if let Some(v) = self.year_min {
                qb.push(" and l.year >= ").push_bind(v);
            }
            if let Some(v) = self.year_max {
                qb.push(" and l.year <= ").push_bind(v);
            }
        }
        if except != Some(Facet::Price) {
            if let Some(v) = self.price_min_eur {
                qb.push(" and l.price_eur_minor >= ").push_bind(v);
            }
            if let Some(v) = self.price_max_eur {
                qb.push(" and l.price_eur_minor <= ").push_bind(v);
            }
        }
        if let Some(v) = self.mileage_max {
            qb.push(" and l.mileage_km <= ").push_bind(v);
        }
        if let Some(v) = self.power_min {
            qb.push(" and l.power_hp >= ").push_bind(v);
        }
        if let Some(v) = self.power_max {
            qb.push(" and l.power_hp <= ").push_bind(v);
        }
        for (facet, values) in self.picks.iter() {
            if !values.is_empty() && except != Some(Facet::Vocab(facet.vocab)) {
                qb.push(format_args!(" and l.{} = any(", facet.column))
                    .push_bind(values.to_vec())
                    .push(")");
            }
        }
        if !self.equipment.is_empty() {
            qb.push(" and l.equipment @> ")
                .push_bind(self.equipment.clone());
        }
        if let Some(city_id) = self.city_id {
            qb.push(" and l.city_id = ").push_bind(city_id);
        }
        if let Some((lat, lng, Some(metres))) = self.near {
            // the box uses the GiST index; the distance check makes it a circle
            qb.push(" and earth_box(ll_to_earth(")
                .push_bind(lat)
                .push(", ")
                .push_bind(lng)
                .push("), ")
                .push_bind(metres)
                .push(") @> ll_to_earth(l.latitude, l.longitude) and earth_distance(ll_to_earth(")
                .push_bind(lat)
                .push(", ")
                .push_bind(lng)
                .push("), ll_to_earth(l.latitude, l.longitude)) <= ")
                .push_bind(metres);
        }
        if self.has_photos {
            qb.push(" and l.photo_count > 0");
        }
        if let Some(days) = self.posted_within_days {
            qb.push(" and l.published_at >= now() - make_interval(days => ")
                .push_bind(days)
                .push(")");
        }
    }
}

/// A sort key: plain SQL, or the text rank (which binds the text query).
enum Key {
    Sql(String),
    Rank(String),
}

/// How a sort orders and where its keyset cursor points.
struct Order {
    key: Key,
    /// The key is a timestamp: the cursor holds it as epoch microseconds.
    timestamp: bool,
    /// SQL turning the cursor's text back into the key's type, around the bound value.
    cast: (&'static str, &'static str),
    descending: bool,
}

impl Order {
    fn push_key(&self, qb: &mut QueryBuilder<'_, Postgres>) {
        match &self.key {
            Key::Sql(sql) => {
                qb.push(sql);
            }
            Key::Rank(q) => {
                qb.push("ts_rank(l.search_text, to_tsquery('simple', ")
                    .push_bind(q.clone())
                    .push("))");
            }
        }
    }

    fn push_key_text(&self, qb: &mut QueryBuilder<'_, Postgres>) {
        if self.timestamp {
            qb.push("(extract(epoch from ");
            self.push_key(qb);
            qb.push(") * 1000000)::bigint::text");
        } else {
            qb.push("(");
            self.push_key(qb);
            qb.push(")::text");
        }
    }
}

fn order(sort: Sort, f: &Filters) -> Order {
    let newest = Order {
        key: Key::Sql("l.published_at".into()),
        timestamp: true,
        cast: (
            "('epoch'::timestamptz + ",
            "::bigint * interval '1 microsecond')",
        ),
        descending: true,
    };
    let plain = |key: String, cast: &'static str, descending: bool| Order {
        key: Key::Sql(key),
        timestamp: false,
        cast: ("", cast),
        descending,
    };
    match sort {
        Sort::Relevance => match &f.text {
            Some(t) => Order {
                key: Key::Rank(t.to_tsquery()),
                timestamp: false,
                cast: ("", "::float4"),
                descending: true,
            },
            None => newest,
        },
        Sort::Newest => newest,
        Sort::PriceAsc => plain("l.price_eur_minor".into(), "::bigint", false),
        Sort::PriceDesc => plain("l.price_eur_minor".into(), "::bigint", true),
        Sort::MileageAsc => plain(
            "coalesce(l.mileage_km, 2147483647)".into(),
            "::integer",
            false,
        ),
        Sort::YearDesc => plain("coalesce(l.year, 0)::integer".into(), "::integer", true),
        Sort::Distance => match f.near {
            // the coordinates are the catalog's numbers, never the request's text
            Some((lat, lng, _)) => plain(
                format!(
                    "earth_distance(ll_to_earth(l.latitude, l.longitude), ll_to_earth({lat:?}::float8, {lng:?}::float8))"
                ),
                "::float8",
                false,
            ),
            None => newest,
        },
    }
}

/// A keyset cursor: the sort key of the last result shown and its id, as `key~id`.
#[derive(Debug, Clone, PartialEq)]
pub struct Cursor {
    pub key: String,
    pub id: i64,
}

impl Cursor {
    /// Reads `after=`; anything that isn't a number pair is refused (None).
    pub fn parse(s: &str) -> Option<Cursor> {
        let (key, id) = s.rsplit_once('~')?;
        key.parse::<f64>().ok().filter(|k| k.is_finite())?;
        Some(Cursor {
            key: key.to_string(),
            id: id.parse().ok()?,
        })
    }

    pub fn encode(&self) -> String {
        format!("{}~{}", self.key, self.id)
    }
}

/// Whether a cursor's key has the type `sort` compares: any number for rank and distance,
/// an integer for the others (a link from another sort would otherwise fail the cast).
pub fn cursor_fits(sort: Sort, f: &Filters, c: &Cursor) -> bool {
    let o = order(sort, f);
    matches!(o.cast.1, "::float4" | "::float8") || c.key.parse::<i64>().is_ok()
}

/// One result, as a search card shows it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CardRow {
    pub listing_id: ListingId,
    pub title: String,
    pub status: String,
    pub price_minor: i64,
    pub currency: String,
    pub price_eur_minor: i64,
    pub previous_price_minor: Option<i64>,
    pub year: Option<i16>,
    pub mileage_km: Option<i32>,
    pub fuel: Option<String>,
    pub transmission: Option<String>,
    pub power_hp: Option<i16>,
    pub city: String,
    pub seller_type: String,
    pub published_at: Option<OffsetDateTime>,
    pub photo_count: i32,
    pub cover: Option<sqlx::types::Json<crate::gallery::repo::StoredCover>>,
    pub sort_key: Option<String>,
}

const CARD_COLUMNS: &str = "l.listing_id, l.title, l.status, l.price_minor, l.currency, l.price_eur_minor, \
     l.previous_price_minor, l.year, l.mileage_km, l.fuel, l.transmission, l.power_hp, \
     c.name_en as city, l.seller_type, l.published_at, l.photo_count, l.cover";

/// The reference search: one page of results after `after`, plus one more row to tell whether another page exists.
pub async fn search_page(
    db: &PgPool,
    f: &Filters,
    sort: Sort,
    after: Option<&Cursor>,
    limit: i64,
) -> sqlx::Result<Vec<CardRow>> {
    let o = order(sort, f);
    let mut qb = QueryBuilder::<Postgres>::new("select ");
    qb.push(CARD_COLUMNS).push(", ");
    o.push_key_text(&mut qb);
    qb.push(" as sort_key from listing l join city c on c.city_id = l.city_id");
    f.push_where(&mut qb, None);
    let dir = if o.descending { "desc" } else { "asc" };
    if let Some(cursor) = after {
        qb.push(" and (");
        o.push_key(&mut qb);
        qb.push(if o.descending {
            ", l.listing_id) < ("
        } else {
            ", l.listing_id) > ("
        })
        .push(o.cast.0)
        .push_bind(cursor.key.clone())
        .push(o.cast.1)
        .push(", ")
        .push_bind(cursor.id)
        .push(")");
    }
    qb.push(" order by ");
    o.push_key(&mut qb);
    qb.push(format_args!(" {dir}, l.listing_id {dir} limit "))
        .push_bind(limit);
    qb.build_query_as::<CardRow>().fetch_all(db).await
}

/// The reference count: how many published listings match.
pub async fn count(db: &PgPool, f: &Filters) -> sqlx::Result<i64> {
    let mut qb = QueryBuilder::<Postgres>::new("select count(*) from listing l");
    f.push_where(&mut qb, None);
    qb.build_query_scalar::<i64>().fetch_one(db).await
}

/// The reference facet: counts per value of `facet` under every other filter: `(value, count)`, largest first.
/// Year and price come back as bucket numbers (`width_bucket`, 0 = below the first bound).
pub async fn facet_counts(
    db: &PgPool,
    f: &Filters,
    facet: Facet,
    price_bounds_eur: &[i64],
) -> sqlx::Result<Vec<(String, i64)>> {
    let mut qb = QueryBuilder::<Postgres>::new("select ");
    match facet {
        Facet::Make => qb.push("l.make_id::text"),
        Facet::Model => qb.push("l.model_id::text"),
        Facet::Vocab(v) => qb.push(format_args!("l.{}", v.facet().column)),
        Facet::Year => qb
            .push("width_bucket(l.year, ")
            .push_bind(YEAR_BUCKETS.to_vec())
            .push(")::text"),
        Facet::Price => qb
            .push("width_bucket(l.price_eur_minor, ")
            .push_bind(price_bounds_eur.to_vec())
            .push(")::text"),
    };
    qb.push(" as value, count(*) as n from listing l");
    f.push_where(&mut qb, Some(facet));
    qb.push(" group by 1 having ");
    qb.push(match facet {
        Facet::Make => "l.make_id::text",
        Facet::Model => "l.model_id::text",
        _ => "1",
    });
    qb.push(" is not null order by n desc");
    let rows: Vec<(Option<String>, i64)> = qb.build_query_as().fetch_all(db).await?;
    Ok(rows
        .into_iter()
        .filter_map(|(v, n)| v.map(|v| (v, n)))
        .collect())
}

/// A listing in full, for its page.
pub struct DetailRow {
    pub listing_id: ListingId,
    pub seller_id: AccountId,
    pub category: String,
    pub status: String,
    pub title: String,
    pub description: String,
    pub price_minor: i64,
    pub currency: String,
    pub price_eur_minor: i64,
    pub previous_price_minor: Option<i64>,
    pub negotiable: bool,
    pub vat: String,
    pub condition: String,
    pub seller_type: String,
    pub city_slug: String,
    pub city: String,
    pub make_id: Option<i32>,
    pub model_id: Option<i32>,
    pub make: Option<String>,
    pub model: Option<String>,
    pub year: Option<i16>,
    pub mileage_km: Option<i32>,
    pub fuel: Option<String>,
    pub transmission: Option<String>,
    pub body: Option<String>,
    pub power_hp: Option<i16>,
    pub engine_cc: Option<i32>,
    pub colour: Option<String>,
    pub doors: Option<i16>,
    pub seats: Option<i16>,
    pub vin: Option<String>,
    pub equipment: Vec<String>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    pub published_at: Option<OffsetDateTime>,
    /// The seller's display name ('' when they gave none).
    pub seller_name: String,
    /// The seller's phone (E.164), only when they chose to show it on their listings.
    pub seller_phone: Option<String>,
}

pub async fn find_listing(
    db: impl PgExecutor<'_>,
    listing_id: ListingId,
) -> sqlx::Result<Option<DetailRow>> {
    sqlx::query_as!(
        DetailRow,
        r#"select l.listing_id, l.seller_id, l.category, l.status, l.title, l.description,
                  l.price_minor, l.currency, l.price_eur_minor, l.previous_price_minor, l.negotiable,
                  l.vat, l.condition, l.seller_type, c.slug as city_slug, c.name_en as city,
                  l.make_id, l.model_id, mk.name as "make?", md.name as "model?",
                  l.year, l.mileage_km, l.fuel, l.transmission, l.body, l.power_hp, l.engine_cc,
                  l.colour, l.doors, l.seats, l.vin, l.equipment,
                  l.created_at, l.updated_at, l.published_at,
                  a.display_name as seller_name,
                  case when a.show_phone then a.phone end as seller_phone
           from listing l
           join account a on a.account_id = l.seller_id
           join city c on c.city_id = l.city_id
           left join vehicle_make mk on mk.make_id = l.make_id
           left join vehicle_model md on md.model_id = l.model_id
           where l.listing_id = $1"#,
        listing_id.0
    )
    .fetch_optional(db)
    .await
}

pub struct PriceRow {
    pub price_minor: i64,
    pub currency: String,
    pub changed_at: OffsetDateTime,
}

/// Every price the listing has had, oldest first.
pub async fn price_history(
    db: impl PgExecutor<'_>,
    listing_id: ListingId,
) -> sqlx::Result<Vec<PriceRow>> {
    sqlx::query_as!(
        PriceRow,
        r#"select price_minor, currency, changed_at from listing_price
           where listing_id = $1 order by changed_at, listing_price_id"#,
        listing_id.0
    )
    .fetch_all(db)
    .await
}

/// Published listings of the same model, nearest in year and then in price.
pub async fn similar(
    db: &PgPool,
    listing_id: ListingId,
    model_id: i32,
    year: Option<i16>,
    price_eur_minor: i64,
) -> sqlx::Result<Vec<CardRow>> {
    let mut qb = QueryBuilder::<Postgres>::new("select ");
    qb.push(CARD_COLUMNS)
        .push(", null::text as sort_key from listing l join city c on c.city_id = l.city_id where l.status = 'published' and l.model_id = ")
        .push_bind(model_id)
        .push(" and l.listing_id <> ")
        .push_bind(listing_id)
        .push(" order by abs(coalesce(l.year, 0) - ")
        .push_bind(i32::from(year.unwrap_or(0)))
        .push("), abs(l.price_eur_minor - ")
        .push_bind(price_eur_minor)
        .push("), l.listing_id desc limit 4");
    qb.build_query_as::<CardRow>().fetch_all(db).await
}

/// Of `words`, those search knows exactly, and for the others the closest known word
/// (trigram similarity above pg_trgm's threshold), for typo tolerance.
pub async fn corrections(
    db: impl PgExecutor<'_>,
    words: &[String],
) -> sqlx::Result<Vec<(String, Option<String>)>> {
    let rows = sqlx::query!(
        r#"select t.word as "word!",
                  case when exists (select 1 from search_word w where w.word = t.word) then null
                  else (select w.word from search_word w where w.word % t.word
                        order by similarity(w.word, t.word) desc, w.word limit 1) end as correction
           from unnest($1::text[]) as t (word)"#,
        words
    )
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|r| (r.word, r.correction)).collect())
}

/// Adds the words of a listing's title to the typo-tolerance word list.
pub async fn learn_words(db: impl PgExecutor<'_>, listing_id: ListingId) -> sqlx::Result<()> {
    sqlx::query!(
        r#"insert into search_word (word)
           select w from listing l,
                unnest(tsvector_to_array(to_tsvector('simple', scout_normalise(l.title)))) as w
           where l.listing_id = $1 and char_length(w) >= 3 and w !~ '^[0-9]+$'
           on conflict do nothing"#,
        listing_id.0
    )
    .execute(db)
    .await?;
    Ok(())
}

/// The columns a seller writes, resolved to ids.
pub struct ListingWrite<'a> {
    pub category: &'a str,
    pub title: &'a str,
    pub description: &'a str,
    pub price_minor: i64,
    pub currency: &'a str,
    pub negotiable: bool,
    pub vat: &'a str,
    pub condition: &'a str,
    pub seller_type: &'a str,
    pub city_id: i32,
    pub latitude: f64,
    pub longitude: f64,
    pub make_id: Option<i32>,
    pub model_id: Option<i32>,
    pub year: Option<i16>,
    pub mileage_km: Option<i32>,
    pub fuel: Option<&'a str>,
    pub transmission: Option<&'a str>,
    pub body: Option<&'a str>,
    pub power_hp: Option<i16>,
    pub engine_cc: Option<i32>,
    pub colour: Option<&'a str>,
    pub doors: Option<i16>,
    pub seats: Option<i16>,
    pub vin: Option<&'a str>,
    pub equipment: &'a [String],
}

/// A new listing, as a draft or published at once.
pub async fn insert_listing(
    db: impl PgExecutor<'_>,
    seller_id: AccountId,
    w: &ListingWrite<'_>,
    publish: bool,
) -> sqlx::Result<ListingId> {
    sqlx::query_scalar!(
        r#"insert into listing (seller_id, category, title, description, price_minor, currency,
               negotiable, vat, condition, seller_type, city_id, latitude, longitude, make_id,
               model_id, year, mileage_km, fuel, transmission, body, power_hp, engine_cc, colour,
               doors, seats, vin, equipment, status, published_at)
           values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17,
                   $18, $19, $20, $21, $22, $23, $24, $25, $26, $27,
                   case when $28 then 'published' else 'draft' end,
                   case when $28 then now() end)
           returning listing_id as "listing_id: ListingId""#,
        seller_id.0,
        w.category,
        w.title,
        w.description,
        w.price_minor,
        w.currency,
        w.negotiable,
        w.vat,
        w.condition,
        w.seller_type,
        w.city_id,
        w.latitude,
        w.longitude,
        w.make_id,
        w.model_id,
        w.year,
        w.mileage_km,
        w.fuel,
        w.transmission,
        w.body,
        w.power_hp,
        w.engine_cc,
        w.colour,
        w.doors,
        w.seats,
        w.vin,
        w.equipment,
        publish
    )
    .fetch_one(db)
    .await
}

/// Updates the seller's own listing (None: no such listing of theirs). `publish` also
/// publishes a draft; a published, sold or archived listing keeps its status.
pub async fn update_listing(
    db: impl PgExecutor<'_>,
    listing_id: ListingId,
    seller_id: AccountId,
    w: &ListingWrite<'_>,
    publish: bool,
) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar!(
        r#"update listing set category = $3, title = $4, description = $5, price_minor = $6,
               currency = $7, negotiable = $8, vat = $9, condition = $10, seller_type = $11,
               city_id = $12, latitude = $13, longitude = $14, make_id = $15, model_id = $16,
               year = $17, mileage_km = $18, fuel = $19, transmission = $20, body = $21,
               power_hp = $22, engine_cc = $23, colour = $24, doors = $25, seats = $26, vin = $27,
               equipment = $28,
               status = case when $29 and status = 'draft' then 'published' else status end,
               published_at = case when $29 and status = 'draft' then now() else published_at end
           where listing_id = $1 and seller_id = $2
           returning status"#,
        listing_id.0,
        seller_id.0,
        w.category,
        w.title,
        w.description,
        w.price_minor,
        w.currency,
        w.negotiable,
        w.vat,
        w.condition,
        w.seller_type,
        w.city_id,
        w.latitude,
        w.longitude,
        w.make_id,
        w.model_id,
        w.year,
        w.mileage_km,
        w.fuel,
        w.transmission,
        w.body,
        w.power_hp,
        w.engine_cc,
        w.colour,
        w.doors,
        w.seats,
        w.vin,
        w.equipment,
        publish
    )
    .fetch_optional(db)
    .await
}

/// The status of the seller's own listing (None: not theirs, or gone).
/// The seller's published listings other than `listing_id`, and whether `listing_id` is
/// itself published (an edit of a published listing publishes nothing new).
pub async fn published_besides(
    db: impl PgExecutor<'_>,
    seller_id: AccountId,
    listing_id: Option<ListingId>,
) -> sqlx::Result<(i64, bool)> {
    let row = sqlx::query!(
        r#"select count(*) filter (where listing_id is distinct from $2) as "others!",
                  coalesce(bool_or(listing_id = $2), false) as "this_one!"
           from listing where seller_id = $1 and status = 'published'"#,
        seller_id.0,
        listing_id.map(|l| l.0),
    )
    .fetch_one(db)
    .await?;
    Ok((row.others, row.this_one))
}

pub async fn owned_status(
    db: impl PgExecutor<'_>,
    listing_id: ListingId,
    seller_id: AccountId,
) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar!(
        "select status from listing where listing_id = $1 and seller_id = $2",
        listing_id.0,
        seller_id.0
    )
    .fetch_optional(db)
    .await
}

/// Moves the seller's listing to `status`; publishing (again) stamps the time.
pub async fn set_status(
    db: impl PgExecutor<'_>,
    listing_id: ListingId,
    seller_id: AccountId,
    status: &str,
) -> sqlx::Result<bool> {
    let done = sqlx::query!(
        r#"update listing set status = $3,
               published_at = case when $3 = 'published' and status <> 'published' then now() else published_at end
           where listing_id = $1 and seller_id = $2"#,
        listing_id.0,
        seller_id.0,
        status
    )
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn delete_listing(
    db: impl PgExecutor<'_>,
    listing_id: ListingId,
    seller_id: AccountId,
) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar!(
        "delete from listing where listing_id = $1 and seller_id = $2 returning status",
        listing_id.0,
        seller_id.0
    )
    .fetch_optional(db)
    .await
}

/// How many listings the seller has per status.
pub async fn count_by_status(
    db: impl PgExecutor<'_>,
    seller_id: AccountId,
) -> sqlx::Result<Vec<(String, i64)>> {
    let rows = sqlx::query!(
        r#"select status, count(*) as "n!" from listing where seller_id = $1 group by status"#,
        seller_id.0
    )
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|r| (r.status, r.n)).collect())
}

/// The seller's listings in one status, most recently changed first.
pub async fn seller_listings(
    db: &PgPool,
    seller_id: AccountId,
    status: &str,
) -> sqlx::Result<Vec<CardRow>> {
    let mut qb = QueryBuilder::<Postgres>::new("select ");
    qb.push(CARD_COLUMNS)
        .push(", null::text as sort_key from listing l join city c on c.city_id = l.city_id where l.seller_id = ")
        .push_bind(seller_id)
        .push(" and l.status = ")
        .push_bind(status.to_string())
        .push(" order by l.updated_at desc, l.listing_id desc limit 500");
    qb.build_query_as::<CardRow>().fetch_all(db).await
}

/// The seller's own listing as its edit form shows it.
pub struct EditRow {
    pub category: String,
    pub status: String,
    pub title: String,
    pub description: String,
    pub price_minor: i64,
    pub currency: String,
    pub negotiable: bool,
    pub vat: String,
    pub condition: String,
    pub seller_type: String,
    pub city: String,
    pub make: Option<String>,
    pub model: Option<String>,
    pub year: Option<i16>,
    pub mileage_km: Option<i32>,
    pub fuel: Option<String>,
    pub transmission: Option<String>,
    pub body: Option<String>,
    pub power_hp: Option<i16>,
    pub engine_cc: Option<i32>,
    pub colour: Option<String>,
    pub doors: Option<i16>,
    pub seats: Option<i16>,
    pub vin: Option<String>,
    pub equipment: Vec<String>,
}

pub async fn find_for_edit(
    db: impl PgExecutor<'_>,
    listing_id: ListingId,
    seller_id: AccountId,
) -> sqlx::Result<Option<EditRow>> {
    sqlx::query_as!(
        EditRow,
        r#"select l.category, l.status, l.title, l.description, l.price_minor, l.currency,
                  l.negotiable, l.vat, l.condition, l.seller_type, c.slug as city,
                  mk.slug as "make?", md.slug as "model?", l.year, l.mileage_km, l.fuel,
                  l.transmission, l.body, l.power_hp, l.engine_cc, l.colour, l.doors, l.seats,
                  l.vin, l.equipment
           from listing l
           join city c on c.city_id = l.city_id
           left join vehicle_make mk on mk.make_id = l.make_id
           left join vehicle_model md on md.model_id = l.model_id
           where l.listing_id = $1 and l.seller_id = $2"#,
        listing_id.0,
        seller_id.0
    )
    .fetch_optional(db)
    .await
}

/// Of `ids`, those in the account's favorites.
pub async fn favorite_ids(
    db: impl PgExecutor<'_>,
    account_id: AccountId,
    ids: &[ListingId],
) -> sqlx::Result<Vec<ListingId>> {
    sqlx::query_scalar!(
        r#"select listing_id as "listing_id: ListingId" from favorite
           where account_id = $1 and listing_id = any($2)"#,
        account_id.0,
        &ListingId::raw(ids)
    )
    .fetch_all(db)
    .await
}

/// Whether buyers can see the listing (anything but someone else's draft).
pub async fn is_visible(
    db: impl PgExecutor<'_>,
    listing_id: ListingId,
    viewer: AccountId,
) -> sqlx::Result<bool> {
    let found = sqlx::query_scalar!(
        r#"select 1 as "one!" from listing where listing_id = $1 and (status <> 'draft' or seller_id = $2)"#,
        listing_id.0,
        viewer.0
    )
    .fetch_optional(db)
    .await?;
    Ok(found.is_some())
}

/// Saves or unsaves; true when it is now a favorite.
pub async fn toggle_favorite(
    db: &PgPool,
    account_id: AccountId,
    listing_id: ListingId,
) -> sqlx::Result<bool> {
    let removed = sqlx::query!(
        "delete from favorite where account_id = $1 and listing_id = $2",
        account_id.0,
        listing_id.0
    )
    .execute(db)
    .await?
    .rows_affected();
    if removed > 0 {
        return Ok(false);
    }
    sqlx::query!(
        "insert into favorite (account_id, listing_id) values ($1, $2) on conflict do nothing",
        account_id.0,
        listing_id.0
    )
    .execute(db)
    .await?;
    Ok(true)
}

/// The account's favorites, newest saved first: sold and archived ones stay (and say so);
/// a listing its seller took back to draft is left out.
pub async fn favorites(db: &PgPool, account_id: AccountId) -> sqlx::Result<Vec<CardRow>> {
    let mut qb = QueryBuilder::<Postgres>::new("select ");
    qb.push(CARD_COLUMNS)
        .push(", null::text as sort_key from favorite f join listing l on l.listing_id = f.listing_id join city c on c.city_id = l.city_id where f.account_id = ")
        .push_bind(account_id)
        .push(" and (l.status <> 'draft' or l.seller_id = f.account_id) order by f.created_at desc, l.listing_id desc limit 1000");
    qb.build_query_as::<CardRow>().fetch_all(db).await
}

/// Cards for these listings (visible ones only), in the order given.
pub async fn cards_by_id(
    db: impl PgExecutor<'_>,
    ids: &[ListingId],
    viewer: Option<AccountId>,
) -> sqlx::Result<Vec<CardRow>> {
    let ids = ListingId::raw(ids);
    let mut qb = QueryBuilder::<Postgres>::new("select ");
    qb.push(CARD_COLUMNS)
        .push(", null::text as sort_key from listing l join city c on c.city_id = l.city_id where l.listing_id = any(")
        .push_bind(ids.clone())
        .push(") and (l.status <> 'draft' or l.seller_id = ")
        .push_bind(viewer)
        .push(") order by array_position(")
        .push_bind(ids)
        .push(", l.listing_id)");
    qb.build_query_as::<CardRow>().fetch_all(db).await
}
