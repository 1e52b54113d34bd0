//! Server functions for buyers: search, the search form's options, a listing's page. Reads
//! use GET with stable addresses, so a result page is a shareable, cacheable URL. Each one:
//! parse -> who is asking -> repo -> answer.

use crate::error::AppError;
use crate::listings::{
    model::ListingId,
    wire::{FormOptions, ListingDetail, SearchResults},
};
use leptos::{prelude::*, server_fn::codec::GetUrl};

/// Search results for a URL query string (`make=bmw&q=x5+<25000`).
#[server(prefix = "/api", endpoint = "listings/search", input = GetUrl)]
pub async fn search_listings(query: String) -> Result<SearchResults, AppError> {
    let state = crate::server::state::AppState::from_context()?;
    let viewer = crate::accounts::api::current_account_id().await?;
    // no `cur=` in the address: the person's own currency
    let query = crate::listings::search::query::SearchQuery::from_query_string(&query)
        .in_currency(crate::listings::preference::of(&state, viewer).await?);
    let mut results = crate::listings::search::service::search(&state, &query).await?;
    crate::listings::cards::annotate(&state, viewer, &mut results.cards).await?;
    Ok(results)
}

/// Makes, models, cities and equipment for the search form.
#[server(prefix = "/api", endpoint = "listings/search_form_options", input = GetUrl)]
pub async fn search_form_options() -> Result<FormOptions, AppError> {
    let state = crate::server::state::AppState::from_context()?;
    Ok(state.catalog().await?.options())
}

/// One listing. Drafts are visible to their seller only; to anyone else they don't exist.
#[server(prefix = "/api", endpoint = "listings/get", input = GetUrl)]
pub async fn get_listing(id: ListingId, cur: Option<String>) -> Result<ListingDetail, AppError> {
    let state = crate::server::state::AppState::from_context()?;
    let viewer = crate::accounts::api::current_account_id().await?;
    let currency = match cur
        .as_deref()
        .and_then(crate::listings::model::Currency::parse)
    {
        Some(named) => named,
        None => crate::listings::preference::of(&state, viewer).await?,
    };
    crate::listings::cards::listing_detail(&state, id, viewer, currency).await
}
