//! SQL for photos. Every change that could alter what buyers see runs in a transaction that
//! first locks the listing row (so uploads, reorders and deletes of one listing queue up, and
//! the photo quota holds under concurrent uploads) and ends with `refresh_listing`.

use crate::accounts::model::AccountId;
use crate::listings::model::ListingId;
use serde::{Deserialize, Serialize};
use sqlx::{PgExecutor, PgPool, Postgres, Transaction, types::Json};
use uuid::Uuid;

use crate::gallery::model::PhotoState;

/// One stored size of a photo.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredVariant {
    pub kind: String,
    pub key: String,
    pub width: u32,
    pub height: u32,
    pub bytes: u64,
}

/// What `listing.cover` holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredCover {
    pub photo_id: Uuid,
    pub variants: Vec<StoredVariant>,
    pub placeholder: String,
}

#[derive(Debug, Clone)]
pub struct PhotoRow {
    pub photo_id: Uuid,
    pub listing_id: ListingId,
    pub position: i32,
    pub status: PhotoState,
    pub file_name: String,
    pub variants: Json<Vec<StoredVariant>>,
    pub placeholder: Option<String>,
    pub error: Option<String>,
}

/// Locks the seller's listing for a photo change; None when it isn't theirs (or doesn't exist).
pub async fn lock_listing(
    tx: &mut Transaction<'_, Postgres>,
    listing_id: ListingId,
    seller_id: AccountId,
) -> sqlx::Result<Option<()>> {
    sqlx::query_scalar!(
        "select listing_id from listing where listing_id = $1 and seller_id = $2 for update",
        listing_id.0,
        seller_id.0
    )
    .fetch_optional(&mut **tx)
    .await
    .map(|found| found.map(|_| ()))
}

/// Locks a listing for a photo change made on the seller's behalf (processing, which was
/// authorised when the photo was uploaded).
pub async fn lock_photos_of(
    tx: &mut Transaction<'_, Postgres>,
    listing_id: ListingId,
) -> sqlx::Result<()> {
    sqlx::query!(
        "select 1 as one from listing where listing_id = $1 for update",
        listing_id.0
    )
    .fetch_optional(&mut **tx)
    .await
    .map(|_| ())
}

/// Photos that count against the quota: all but failed ones.
pub async fn counted_photos(db: impl PgExecutor<'_>, listing_id: ListingId) -> sqlx::Result<i64> {
    sqlx::query_scalar!(
        r#"select count(*) as "n!" from listing_photo where listing_id = $1 and status <> 'failed'"#,
        listing_id.0
    )
    .fetch_one(db)
    .await
}

/// A new photo, last in the order, held by this process while it is processed.
pub async fn insert_photo(
    db: impl PgExecutor<'_>,
    listing_id: ListingId,
    file_name: &str,
) -> sqlx::Result<Uuid> {
    sqlx::query_scalar!("insert into listing_photo (listing_id, position, file_name) \
         values ($1, (select coalesce(max(position) + 1, 0) from listing_photo where listing_id = $1), $2) \
         returning photo_id", listing_id.0, file_name)
    .fetch_one(db)
    .await
}

/// Takes over photos whose processing was abandoned (the process holding them died): at
/// most `limit`, each held for another two minutes. Returns (photo, listing, attempts so far).
pub async fn claim_abandoned(db: &PgPool, limit: i64) -> sqlx::Result<Vec<(Uuid, i64, i16)>> {
    let rows = sqlx::query!(
        "update listing_photo set claimed_until = now() + interval '2 minutes', attempts = attempts + 1 \
         where photo_id in (select photo_id from listing_photo \
             where status = 'processing' and claimed_until < now() \
             order by claimed_until limit $1 for update skip locked) \
         returning photo_id, listing_id, attempts",
        limit
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| (r.photo_id, r.listing_id, r.attempts))
        .collect())
}

/// What processing made of a photo.
pub struct Made<'a> {
    pub width: u32,
    pub height: u32,
    pub variants: &'a [StoredVariant],
    pub thumbhash: &'a [u8],
    pub placeholder: &'a str,
    pub phash: &'a [u8],
}

/// Holds the photo for another two minutes (processing is about to start).
pub async fn renew_claim(db: impl PgExecutor<'_>, photo_id: Uuid) -> sqlx::Result<()> {
    sqlx::query!(
        "update listing_photo set claimed_until = now() + interval '2 minutes' \
         where photo_id = $1 and status = 'processing'",
        photo_id
    )
    .execute(db)
    .await
    .map(|_| ())
}

/// Stores what processing made; false when the photo was deleted meanwhile.
pub async fn mark_ready(
    tx: &mut Transaction<'_, Postgres>,
    photo_id: Uuid,
    made: &Made<'_>,
) -> sqlx::Result<bool> {
    let done = sqlx::query!(
        "update listing_photo set status = 'ready', width = $2, height = $3, variants = $4, \
         thumbhash = $5, placeholder = $6, phash = $7, error = null \
         where photo_id = $1 and status = 'processing'",
        photo_id,
        i32::try_from(made.width).unwrap_or(i32::MAX),
        i32::try_from(made.height).unwrap_or(i32::MAX),
        Json(made.variants) as _,
        made.thumbhash,
        made.placeholder,
        made.phash
    )
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn mark_failed(db: impl PgExecutor<'_>, photo_id: Uuid, error: &str) -> sqlx::Result<()> {
    sqlx::query!("update listing_photo set status = 'failed', error = $2 where photo_id = $1 and status = 'processing'", photo_id, error)
    .execute(db)
    .await
    .map(|_| ())
}

/// Removes a photo nobody will see (refused while its uploader waited); returns its listing.
pub async fn forget_photo(db: impl PgExecutor<'_>, photo_id: Uuid) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar!(
        "delete from listing_photo where photo_id = $1 returning listing_id",
        photo_id
    )
    .fetch_optional(db)
    .await
}

/// Keeps `listing.photo_count` (ready photos) and `listing.cover` (the first ready photo) true,
/// and the positions 0, 1, 2... in the seller's order.
pub async fn refresh_listing(
    tx: &mut Transaction<'_, Postgres>,
    listing_id: ListingId,
) -> sqlx::Result<()> {
    sqlx::query!(
        "update listing_photo p set position = o.n - 1 \
         from (select photo_id, row_number() over (order by position, created_at) as n \
               from listing_photo where listing_id = $1) o \
         where p.photo_id = o.photo_id and p.position <> o.n - 1",
        listing_id.0
    )
    .execute(&mut **tx)
    .await?;
    sqlx::query!("update listing l set \
             photo_count = (select count(*) from listing_photo where listing_id = $1 and status = 'ready'), \
             cover = (select jsonb_build_object('photo_id', photo_id, 'variants', variants, 'placeholder', placeholder) \
                      from listing_photo where listing_id = $1 and status = 'ready' \
                      order by position limit 1) \
         where listing_id = $1", listing_id.0)
    .execute(&mut **tx)
    .await
    .map(|_| ())
}

/// Every photo of a listing, in order (the seller's view: check `owns` first).
pub async fn all_photos(
    db: impl PgExecutor<'_>,
    listing_id: ListingId,
) -> sqlx::Result<Vec<PhotoRow>> {
    sqlx::query_as!(
        PhotoRow,
        r#"select p.photo_id, p.listing_id, p.position, p.status as "status: PhotoState", p.file_name,
           p.variants as "variants: Json<Vec<StoredVariant>>", p.placeholder, p.error
         from listing_photo p where p.listing_id = $1 order by p.position"#,
        listing_id.0
    )
    .fetch_all(db)
    .await
}

/// Whether the listing is the seller's.
pub async fn owns(
    db: impl PgExecutor<'_>,
    listing_id: ListingId,
    seller_id: AccountId,
) -> sqlx::Result<bool> {
    sqlx::query_scalar!(
        r#"select exists(select 1 from listing where listing_id = $1 and seller_id = $2) as "owns!""#,
        listing_id.0,
        seller_id.0
    )
    .fetch_one(db)
    .await
}

pub async fn photo(db: impl PgExecutor<'_>, photo_id: Uuid) -> sqlx::Result<Option<PhotoRow>> {
    sqlx::query_as!(
        PhotoRow,
        r#"select p.photo_id, p.listing_id, p.position, p.status as "status: PhotoState", p.file_name,
           p.variants as "variants: Json<Vec<StoredVariant>>", p.placeholder, p.error
         from listing_photo p where p.photo_id = $1"#,
        photo_id
    )
    .fetch_optional(db)
    .await
}

/// What buyers see: the ready photos, in order.
pub async fn ready_photos(
    db: impl PgExecutor<'_>,
    listing_id: ListingId,
) -> sqlx::Result<Vec<PhotoRow>> {
    sqlx::query_as!(
        PhotoRow,
        r#"select p.photo_id, p.listing_id, p.position, p.status as "status: PhotoState", p.file_name,
           p.variants as "variants: Json<Vec<StoredVariant>>", p.placeholder, p.error
         from listing_photo p where p.listing_id = $1 and p.status = 'ready'
         order by p.position"#,
        listing_id.0
    )
    .fetch_all(db)
    .await
}

/// Deletes the seller's photo; returns its listing and the store keys to remove.
pub async fn delete_photo(
    tx: &mut Transaction<'_, Postgres>,
    photo_id: Uuid,
    seller_id: AccountId,
) -> sqlx::Result<Option<(ListingId, Vec<String>)>> {
    let listing: Option<i64> = sqlx::query_scalar!(
        "select l.listing_id from listing_photo p join listing l on l.listing_id = p.listing_id \
         where p.photo_id = $1 and l.seller_id = $2",
        photo_id,
        seller_id.0
    )
    .fetch_optional(&mut **tx)
    .await?;
    let Some(listing_id) = listing.map(ListingId) else {
        return Ok(None);
    };
    if lock_listing(tx, listing_id, seller_id).await?.is_none() {
        return Ok(None);
    }
    let removed: Option<Json<Vec<StoredVariant>>> = sqlx::query_scalar!(
        r#"delete from listing_photo where photo_id = $1 returning variants as "variants: Json<Vec<StoredVariant>>""#,
        photo_id
    )
    .fetch_optional(&mut **tx)
    .await?;
    let Some(Json(variants)) = removed else {
        return Ok(None);
    };
    let keys: Vec<String> = variants.into_iter().map(|v| v.key).collect();
    let mut keys = unused_keys(&mut **tx, &keys, &[]).await?;
    keys.push(super::store::upload_key(photo_id));
    Ok(Some((listing_id, keys)))
}

/// Of `keys`, those no photo uses once the photos `leaving` are gone: the files that may be
/// deleted (a file can be shared, as the demo data shares a few dozen photos).
pub async fn unused_keys(
    db: impl PgExecutor<'_>,
    keys: &[String],
    leaving: &[Uuid],
) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar!(
        "select k as \"k!\" from unnest($1::text[]) k \
         where not exists ( \
             select 1 from listing_photo p \
             where p.variants @> jsonb_build_array(jsonb_build_object('key', k)) \
               and p.photo_id <> all($2::uuid[]))",
        keys,
        leaving
    )
    .fetch_all(db)
    .await
}

/// A seller's listings and the photo files that go when they do (files another seller's
/// photo also uses are kept): what deleting the seller's account deletes.
pub async fn seller_keys(
    db: &PgPool,
    seller: AccountId,
) -> sqlx::Result<(Vec<ListingId>, Vec<String>)> {
    let rows = sqlx::query!(
        r#"select l.listing_id, p.photo_id as "photo_id?",
                  p.variants as "variants?: Json<Vec<StoredVariant>>"
           from listing l left join listing_photo p on p.listing_id = l.listing_id
           where l.seller_id = $1 order by l.listing_id"#,
        seller.0
    )
    .fetch_all(db)
    .await?;
    let mut listings: Vec<ListingId> = rows.iter().map(|r| ListingId(r.listing_id)).collect();
    listings.dedup();
    let ids: Vec<Uuid> = rows.iter().filter_map(|r| r.photo_id).collect();
    let files: Vec<String> = rows
        .into_iter()
        .filter_map(|r| r.variants)
        .flat_map(|v| v.0.into_iter().map(|v| v.key))
        .collect();
    let mut keys = unused_keys(db, &files, &ids).await?;
    keys.sort();
    keys.dedup();
    keys.extend(ids.into_iter().map(super::store::upload_key));
    Ok((listings, keys))
}

/// Puts the named photos first, in the order given; the rest (say, uploads that finished
/// meanwhile) follow in their current order. False when a photo isn't the listing's or is
/// named twice.
pub async fn reorder(
    tx: &mut Transaction<'_, Postgres>,
    listing_id: ListingId,
    order: &[Uuid],
) -> sqlx::Result<bool> {
    let mut unique = order.to_vec();
    unique.sort();
    unique.dedup();
    let known: i64 = sqlx::query_scalar!(
        r#"select count(*) as "n!" from listing_photo where listing_id = $1 and photo_id = any($2)"#,
        listing_id.0,
        &unique
    )
    .fetch_one(&mut **tx)
    .await?;
    if unique.len() != order.len() || usize::try_from(known).ok() != Some(order.len()) {
        return Ok(false);
    }
    sqlx::query!("update listing_photo p set position = o.n - 1 \
         from (select photo_id, row_number() over ( \
                   order by coalesce(array_position($2::uuid[], photo_id), 1000000 + position), created_at) as n \
               from listing_photo where listing_id = $1) o \
         where p.photo_id = o.photo_id and p.position <> o.n - 1", listing_id.0, order)
    .execute(&mut **tx)
    .await?;
    Ok(true)
}

/// The store keys to delete with a listing (asked before the listing is deleted): its
/// originals, and its photos' files that no other listing's photo shares.
pub async fn listing_keys(db: &PgPool, listing_id: ListingId) -> sqlx::Result<Vec<String>> {
    let rows = sqlx::query!(
        r#"select photo_id, variants as "variants: Json<Vec<StoredVariant>>"
         from listing_photo where listing_id = $1"#,
        listing_id.0
    )
    .fetch_all(db)
    .await?;
    let ids: Vec<Uuid> = rows.iter().map(|r| r.photo_id).collect();
    let files: Vec<String> = rows
        .into_iter()
        .flat_map(|r| r.variants.0.into_iter().map(|v| v.key))
        .collect();
    let mut keys = unused_keys(db, &files, &ids).await?;
    keys.extend(ids.into_iter().map(super::store::upload_key));
    Ok(keys)
}
