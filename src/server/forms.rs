//! Plain form posts, for browsers without JavaScript: whether a request is one, and what a
//! failed one leaves for the page it returns to ("what you typed comes back with its errors").
//!
//! A form's server function that refuses its input calls [`keep_for_retry`] with the form's
//! name, the key of what it edits (a listing's id, `()` for a sign-up), what was typed and
//! the field errors; the page's loader calls [`take_retry`] with the same name and key and
//! gets them back, once. Nothing is kept for a JavaScript (fetch) call: the page still holds
//! what was typed. Secrets (passwords) are never kept: leave them out of `input`.

use super::state::current_session;
use crate::error::{AppError, FieldErrors};
use serde::{Serialize, de::DeserializeOwned};

/// True for a plain form post (no JavaScript): the browser asks for a page, not JSON.
pub fn is_form_post() -> bool {
    super::state::request_header(http::header::ACCEPT).is_some_and(|a| a.contains("text/html"))
}

fn session_key(form: &str) -> String {
    format!("form_retry:{form}")
}

/// Keeps `input` and its `errors` for the page a plain post of `form` (editing `key`) is
/// sent back to; does nothing for a JavaScript call.
pub async fn keep_for_retry<K: Serialize, F: Serialize>(
    form: &str,
    key: &K,
    input: &F,
    errors: &FieldErrors,
) -> Result<(), AppError> {
    if is_form_post() {
        current_session()
            .await?
            .insert(&session_key(form), (key, input, errors))
            .await?;
    }
    Ok(())
}

/// What a failed plain post of `form` left for `key`, if anything. Read once: a retry kept
/// for another key (another listing) is dropped too.
pub async fn take_retry<K: DeserializeOwned + PartialEq, F: DeserializeOwned>(
    form: &str,
    key: &K,
) -> Result<Option<(F, FieldErrors)>, AppError> {
    let kept: Option<(K, F, FieldErrors)> =
        current_session().await?.remove(&session_key(form)).await?;
    Ok(kept
        .filter(|(k, _, _)| k == key)
        .map(|(_, input, errors)| (input, errors)))
}
