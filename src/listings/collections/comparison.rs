//! The visitor's comparison, kept in their session (anyone may compare, signed in or not).

use crate::error::AppError;
use crate::listings::model::ListingId;

const COMPARE: &str = "compare";

/// The visitor's session; none outside a request.
async fn session() -> Option<tower_sessions::Session> {
    crate::accounts::api::current_session().await.ok()
}

/// The listings in this visitor's comparison (none outside a request).
pub async fn compared_ids() -> Result<Vec<ListingId>, AppError> {
    match session().await {
        Some(s) => Ok(s.get::<Vec<ListingId>>(COMPARE).await?.unwrap_or_default()),
        None => Ok(Vec::new()),
    }
}

pub async fn set_compared(ids: &[ListingId]) -> Result<(), AppError> {
    let s = session()
        .await
        .ok_or_else(|| AppError::internal("session layer missing"))?;
    s.insert(COMPARE, ids).await?;
    Ok(())
}
