//! Photo work: upload (check, store the original, process, publish), take over abandoned work
//! after a crash, reorder, delete. Processing runs on the blocking pool, at most
//! `SCOUT_PHOTO_WORKERS` photos at once, so ten large uploads queue rather than exhaust memory.

use super::{
    model::{PhotoState, Picture, SellerPhoto, SellerPhotos, Source},
    pipeline::{self, Limits, PhotoError},
    repo::{self, PhotoRow, StoredVariant},
    store,
};
use crate::accounts::model::AccountId;
use crate::billing::plans::{self, Quota};
use crate::listings::model::ListingId;
use crate::{error::AppError, server::state::AppState};
use bytes::Bytes;
use tokio::sync::OwnedSemaphorePermit;
use uuid::Uuid;

/// Processing attempts before a photo is marked failed.
const MAX_ATTEMPTS: i16 = 3;

pub fn limits() -> Limits {
    Limits::default()
}

fn store_error(e: object_store::Error) -> AppError {
    AppError::internal(format_args!("media store: {e}"))
}

/// A search card's cover, from `listing.cover`.
pub fn cover_picture(media: &store::MediaStore, cover: &repo::StoredCover) -> Picture {
    picture_in(media, cover.photo_id, &cover.variants, &cover.placeholder)
}

pub fn picture(
    state: &AppState,
    photo_id: Uuid,
    variants: &[StoredVariant],
    placeholder: &str,
) -> Picture {
    picture_in(&state.media, photo_id, variants, placeholder)
}

fn picture_in(
    media: &store::MediaStore,
    photo_id: Uuid,
    variants: &[StoredVariant],
    placeholder: &str,
) -> Picture {
    let mut sources: Vec<Source> = variants
        .iter()
        .map(|v| Source {
            url: media.url(&v.key),
            width: v.width,
            height: v.height,
        })
        .collect();
    sources.sort_by_key(|s| s.width);
    Picture {
        id: photo_id.to_string(),
        sources,
        placeholder: placeholder.to_string(),
    }
}

pub fn seller_photo(state: &AppState, row: &PhotoRow) -> SellerPhoto {
    let photo_state = row.status;
    SellerPhoto {
        id: row.photo_id.to_string(),
        state: photo_state,
        file_name: row.file_name.clone(),
        picture: (photo_state == PhotoState::Ready).then(|| {
            picture(
                state,
                row.photo_id,
                &row.variants.0,
                row.placeholder.as_deref().unwrap_or_default(),
            )
        }),
        error: row.error.clone(),
    }
}

/// A file name as the seller's uploader shows it: no path, printable, at most 120 characters.
pub fn clean_file_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or_default();
    base.chars()
        .filter(|c| !c.is_control())
        .take(120)
        .collect::<String>()
        .trim()
        .to_string()
}

/// Who may see what: the seller's photos of their listing.
pub async fn seller_photos(
    state: &AppState,
    seller_id: AccountId,
    listing_id: ListingId,
) -> Result<SellerPhotos, AppError> {
    if !repo::owns(&state.pool, listing_id, seller_id).await? {
        return Err(AppError::NotFound);
    }
    let rows = repo::all_photos(&state.pool, listing_id).await?;
    Ok(SellerPhotos {
        listing_id,
        photos: rows.iter().map(|r| seller_photo(state, r)).collect(),
        max: max_photos(state, seller_id).await?,
        max_bytes: limits().max_bytes as u64,
    })
}

/// What buyers see of a listing's photos (the caller has checked they may see the listing).
pub async fn buyer_pictures(
    state: &AppState,
    listing_id: ListingId,
) -> Result<Vec<Picture>, AppError> {
    let rows = repo::ready_photos(&state.pool, listing_id).await?;
    Ok(rows
        .iter()
        .map(|r| {
            picture(
                state,
                r.photo_id,
                &r.variants.0,
                r.placeholder.as_deref().unwrap_or_default(),
            )
        })
        .collect())
}

/// A refused file as the uploader hears it: a 422 on the `photo` field.
pub fn refused(e: &PhotoError) -> AppError {
    AppError::invalid_field("photo", e.to_string())
}

/// Whether the seller may add a photo to this listing now: theirs (else 404) and under its
/// photo quota (else 402). Asked before an upload's body is read, and again, under the
/// listing's lock, when the photo is recorded.
pub async fn check_room(
    state: &AppState,
    seller_id: AccountId,
    listing_id: ListingId,
) -> Result<(), AppError> {
    if !repo::owns(&state.pool, listing_id, seller_id).await? {
        return Err(AppError::NotFound);
    }
    let most = max_photos(state, seller_id).await?;
    quota(
        state,
        seller_id,
        repo::counted_photos(&state.pool, listing_id).await?,
        most,
    )
    .await
}

/// A share of the memory uploads may hold at once (`SCOUT_UPLOAD_BUDGET_MB`) for `bytes`,
/// or 503 with `Retry-After` when it is in use: a person's upload doesn't wait in memory.
pub fn try_reserve(state: &AppState, bytes: usize) -> Result<OwnedSemaphorePermit, AppError> {
    state
        .upload_budget
        .clone()
        .try_acquire_many_owned(budget_units(bytes))
        .map_err(|_| {
            tracing::info!(bytes, "upload refused: the upload budget is in use");
            AppError::Busy {
                message: "Scout is receiving a lot of photos right now.".into(),
                retry_after_secs: 5,
            }
        })
}

/// The same, waiting for it (Scout's own uploads: the demo photos).
pub async fn reserve(state: &AppState, bytes: usize) -> Result<OwnedSemaphorePermit, AppError> {
    state
        .upload_budget
        .clone()
        .acquire_many_owned(budget_units(bytes))
        .await
        .map_err(AppError::internal)
}

/// The budget counts KiB.
fn budget_units(bytes: usize) -> u32 {
    u32::try_from(bytes.div_ceil(1024)).unwrap_or(u32::MAX)
}

/// The most photos the seller's listings may have: the plan's quota, within the operator's
/// ceiling (`SCOUT_MAX_PHOTOS`).
async fn max_photos(state: &AppState, seller_id: AccountId) -> Result<i64, AppError> {
    let plan = plans::limits_for(&state.pool, seller_id).await?;
    Ok(plan.photos_per_listing.min(state.config.max_photos))
}

async fn quota(
    state: &AppState,
    seller_id: AccountId,
    photos: i64,
    most: i64,
) -> Result<(), AppError> {
    if photos < most {
        return Ok(());
    }
    if most
        < plans::limits_for(&state.pool, seller_id)
            .await?
            .photos_per_listing
    {
        // the operator's ceiling, not the plan: no plan allows more
        return Err(AppError::PlanLimit {
            message: format!(
                "This listing already has {most} photos, the most a listing can have: delete one to add another."
            ),
        });
    }
    Err(plans::refusal(&state.pool, seller_id, Quota::PhotosPerListing, photos).await?)
}

/// One upload, start to finish: the answer comes when the photo is ready (or refused).
/// Refusals (not an image, too large, too many pixels, damaged, over the quota) leave nothing
/// behind. If the server dies after the original is stored, `resume_abandoned` finishes it.
/// `budget` is the upload's share of the memory uploads may hold: it is given back, with the
/// bytes, once the original is stored, so a photo waiting for a worker holds no memory.
pub async fn upload(
    state: &AppState,
    seller_id: AccountId,
    listing_id: ListingId,
    file_name: &str,
    bytes: Bytes,
    budget: OwnedSemaphorePermit,
) -> Result<SellerPhoto, AppError> {
    pipeline::precheck(&bytes, &limits()).map_err(|e| refused(&e))?;

    let mut tx = state.pool.begin().await?;
    repo::lock_listing(&mut tx, listing_id, seller_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let most = max_photos(state, seller_id).await?;
    quota(
        state,
        seller_id,
        repo::counted_photos(&mut *tx, listing_id).await?,
        most,
    )
    .await?;
    let photo_id = repo::insert_photo(&mut *tx, listing_id, &clean_file_name(file_name)).await?;
    tx.commit().await?;

    let stored = state.media.put(&store::upload_key(photo_id), bytes).await;
    drop(budget);
    if let Err(e) = stored {
        repo::forget_photo(&state.pool, photo_id).await?;
        return Err(store_error(e));
    }
    // A task of its own: it finishes even if the uploader goes away meanwhile.
    let task = tokio::spawn({
        let state = state.clone();
        async move {
            let done = process(&state, photo_id, listing_id, Failure::Forget).await;
            if let Err(e) = &done
                && !matches!(e, AppError::Invalid { .. })
            {
                // the uploader hears it failed: leave nothing that could go live later
                if let Err(e) = repo::forget_photo(&state.pool, photo_id).await {
                    tracing::warn!(%photo_id, "forgetting a failed upload: {e}");
                }
                let _ = state.media.delete(&[store::upload_key(photo_id)]).await;
            }
            done
        }
    });
    task.await??;
    let row = repo::photo(&state.pool, photo_id)
        .await?
        .ok_or(AppError::NotFound)?;
    tracing::info!(%listing_id, %photo_id, "photo ready");
    Ok(seller_photo(state, &row))
}

/// What to do with a photo processing refuses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Failure {
    /// Its uploader is waiting: remove it and tell them.
    Forget,
    /// Nobody is waiting (work taken over after a crash): keep it, failed, for the seller.
    Record,
}

/// Makes the variants, stores them, and shows the photo to buyers, all or nothing. The
/// original is read from the media store once a worker is free (not held while waiting).
async fn process(
    state: &AppState,
    photo_id: Uuid,
    listing_id: ListingId,
    on_failure: Failure,
) -> Result<(), AppError> {
    let processed = {
        let _permit = state
            .photo_workers
            .clone()
            .acquire_owned()
            .await
            .map_err(AppError::internal)?;
        // the wait for a slot doesn't count against the hold
        repo::renew_claim(&state.pool, photo_id).await?;
        let bytes = state
            .media
            .get(&store::upload_key(photo_id))
            .await
            .map_err(store_error)?
            .ok_or_else(|| {
                AppError::internal(format_args!("the original of {photo_id} is gone"))
            })?;
        // and the memory this file needs decoded (all of the budget at most, so a file
        // bigger than the budget runs alone rather than never)
        let budget = state.config.photo_memory_mb.max(1);
        let mib = u32::try_from(pipeline::memory_needed(&bytes).div_ceil(1 << 20))
            .unwrap_or(u32::MAX)
            .clamp(1, budget);
        let _memory = state
            .photo_memory
            .clone()
            .acquire_many_owned(mib)
            .await
            .map_err(AppError::internal)?;
        let limits = limits();
        tokio::task::spawn_blocking(move || -> Result<_, PhotoError> {
            // a decoder bug tripped by a hostile file refuses that file, nothing more
            std::panic::catch_unwind(|| {
                let processed = pipeline::process(&bytes, &limits, pipeline::WEBP_METHOD)?;
                let placeholder = pipeline::placeholder_data_url(&processed.placeholder)?;
                Ok((processed, placeholder))
            })
            .unwrap_or_else(|_| Err(PhotoError::Damaged("the pipeline panicked".into())))
        })
        .await?
    };
    let (processed, placeholder) = match processed {
        Ok(done) => done,
        Err(e) => {
            tracing::info!(%listing_id, %photo_id, "photo refused: {e:?}");
            match on_failure {
                Failure::Forget => {
                    repo::forget_photo(&state.pool, photo_id).await?;
                }
                Failure::Record => repo::mark_failed(&state.pool, photo_id, &e.to_string()).await?,
            }
            let _ = state.media.delete(&[store::upload_key(photo_id)]).await;
            return Err(refused(&e));
        }
    };

    let variants: Vec<(StoredVariant, Bytes)> = processed
        .variants
        .into_iter()
        .map(|v| {
            let stored = StoredVariant {
                kind: v.kind.as_str().to_string(),
                key: store::variant_key(photo_id, v.kind.as_str(), &v.webp),
                width: v.width,
                height: v.height,
                bytes: v.webp.len() as u64,
            };
            (stored, Bytes::from(v.webp))
        })
        .collect();
    let keys: Vec<String> = variants.iter().map(|(v, _)| v.key.clone()).collect();
    let puts = variants
        .iter()
        .map(|(v, bytes)| state.media.put(&v.key, bytes.clone()));
    if let Err(e) = futures::future::try_join_all(puts).await {
        let _ = state.media.delete(&keys).await;
        return Err(store_error(e));
    }
    let stored: Vec<StoredVariant> = variants.into_iter().map(|(v, _)| v).collect();

    let mut tx = state.pool.begin().await?;
    repo::lock_photos_of(&mut tx, listing_id).await?;
    let made = repo::Made {
        width: processed.width,
        height: processed.height,
        variants: &stored,
        thumbhash: &processed.placeholder,
        placeholder: &placeholder,
        phash: &processed.phash,
    };
    let shown = repo::mark_ready(&mut tx, photo_id, &made).await?;
    if shown {
        repo::refresh_listing(&mut tx, listing_id).await?;
    }
    tx.commit().await?;
    if shown {
        state.listings_changed(vec![listing_id]).await;
    } else if repo::photo(&state.pool, photo_id).await?.is_none() {
        // deleted while it was processed (if another run finished it first, the keys are
        // the same files, now in use: keep them)
        let _ = state.media.delete(&keys).await;
    }
    if let Err(e) = state.media.delete(&[store::upload_key(photo_id)]).await {
        tracing::warn!(%photo_id, "could not delete the original: {e}");
    }
    Ok(())
}

/// Finishes photos whose processing was abandoned (a crash or a restart mid-way): from the
/// stored original when it is there, else the photo is marked failed with a message for the
/// seller. Returns how many were taken over.
pub async fn resume_abandoned(state: &AppState) -> Result<usize, AppError> {
    // no more than can be processed at once, so none waits out its hold in this loop
    let claimed = repo::claim_abandoned(
        &state.pool,
        i64::try_from(state.config.photo_workers).unwrap_or(1),
    )
    .await?;
    let count = claimed.len();
    for (photo_id, listing_id, attempts) in claimed {
        let listing_id = ListingId(listing_id);
        tracing::info!(%photo_id, %listing_id, attempts, "taking over an abandoned photo");
        let original = state
            .media
            .get(&store::upload_key(photo_id))
            .await
            .map_err(store_error)?
            .is_some();
        if original && attempts <= MAX_ATTEMPTS {
            if let Err(e) = process(state, photo_id, listing_id, Failure::Record).await {
                tracing::warn!(%photo_id, "processing an abandoned photo: {e}");
            }
        } else {
            repo::mark_failed(
                &state.pool,
                photo_id,
                "The upload was interrupted before this photo was ready: remove it and upload it again.",
            )
            .await?;
            let _ = state.media.delete(&[store::upload_key(photo_id)]).await;
        }
    }
    Ok(count)
}

/// Deletes the seller's photo and its files.
pub async fn delete(
    state: &AppState,
    seller_id: AccountId,
    photo_id: Uuid,
) -> Result<(), AppError> {
    let mut tx = state.pool.begin().await?;
    let (listing_id, keys) = repo::delete_photo(&mut tx, photo_id, seller_id)
        .await?
        .ok_or(AppError::NotFound)?;
    repo::refresh_listing(&mut tx, listing_id).await?;
    tx.commit().await?;
    state.listings_changed(vec![listing_id]).await;
    if let Err(e) = state.media.delete(&keys).await {
        // the row is gone, so nobody links to them: only space is lost
        tracing::warn!(%photo_id, "could not delete a deleted photo's files: {e}");
    }
    tracing::info!(%listing_id, %photo_id, "photo deleted");
    Ok(())
}

/// Puts the seller's photos in this order (the first is the cover); photos not named follow.
pub async fn reorder(
    state: &AppState,
    seller_id: AccountId,
    listing_id: ListingId,
    order: &[String],
) -> Result<(), AppError> {
    let ids: Vec<Uuid> = order
        .iter()
        .map(|s| Uuid::parse_str(s))
        .collect::<Result<_, _>>()
        .map_err(|_| AppError::invalid_field("order", "Unknown photo."))?;
    let mut tx = state.pool.begin().await?;
    repo::lock_listing(&mut tx, listing_id, seller_id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !repo::reorder(&mut tx, listing_id, &ids).await? {
        return Err(AppError::Conflict {
            message:
                "Those photos are no longer all here (changed in another window?): reload the page."
                    .into(),
        });
    }
    repo::refresh_listing(&mut tx, listing_id).await?;
    tx.commit().await?;
    state.listings_changed(vec![listing_id]).await;
    Ok(())
}

/// The files of a listing about to be deleted (delete them after the listing is gone).
pub async fn listing_files(
    state: &AppState,
    listing_id: ListingId,
) -> Result<Vec<String>, AppError> {
    Ok(repo::listing_keys(&state.pool, listing_id).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_lose_paths_and_control_characters() {
        assert_eq!(
            clean_file_name("C:\\Users\\me\\IMG_0001.JPG"),
            "IMG_0001.JPG"
        );
        assert_eq!(clean_file_name("/home/me/a\u{0}b.png"), "ab.png");
        assert_eq!(clean_file_name(&"x".repeat(300)).len(), 120);
    }
}
