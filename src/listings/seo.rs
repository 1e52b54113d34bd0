//! For search engines: `robots.txt` and the sitemaps of published listings. Plain axum
//! routes (they are XML and text, not pages). A sitemap holds at most 50,000 URLs, so
//! `/sitemap.xml` is an index of one sitemap per block of 50,000 listing ids.

use crate::server::state::AppState;
use axum::{
    Router,
    extract::{Path, State},
    http::{StatusCode, header},
    response::{IntoResponse, Response},
    routing::get,
};

/// Listing ids per sitemap (the protocol's limit).
pub const SITEMAP_BLOCK: i64 = 50_000;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/robots.txt", get(robots))
        .route("/sitemap.xml", get(sitemap_index))
        .route("/sitemaps/{file}", get(sitemap_block))
}

async fn robots(State(state): State<AppState>) -> impl IntoResponse {
    let origin = state.config.public_url.origin();
    (
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        format!(
            "User-agent: *\nAllow: /\nDisallow: /api/\nDisallow: /sign-in\nDisallow: /sign-up\n\nSitemap: {origin}/sitemap.xml\n"
        ),
    )
}

fn xml(body: String) -> Response {
    (
        [
            (header::CONTENT_TYPE, "application/xml; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        body,
    )
        .into_response()
}

async fn sitemap_index(State(state): State<AppState>) -> Response {
    let blocks = sqlx::query!(
        r#"select (listing_id / $1) as "block!", max(updated_at) as "updated!"
           from listing where status = 'published' group by 1 order by 1"#,
        SITEMAP_BLOCK
    )
    .fetch_all(&state.pool)
    .await;
    let Ok(blocks) = blocks else {
        tracing::error!("sitemap index: {:?}", blocks.err());
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    };
    let origin = state.config.public_url.origin();
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    for b in blocks {
        out.push_str(&format!(
            "<sitemap><loc>{origin}/sitemaps/listings-{}.xml</loc><lastmod>{}</lastmod></sitemap>\n",
            b.block,
            crate::format::iso_date(b.updated)
        ));
    }
    out.push_str("</sitemapindex>\n");
    xml(out)
}

async fn sitemap_block(State(state): State<AppState>, Path(file): Path<String>) -> Response {
    let Some(block) = file
        .strip_prefix("listings-")
        .and_then(|f| f.strip_suffix(".xml"))
        .and_then(|n| n.parse::<i64>().ok())
        .filter(|n| *n >= 0)
    else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let rows = sqlx::query!(
        r#"select listing_id, updated_at from listing
           where status = 'published' and listing_id >= $1 and listing_id < $2
           order by listing_id"#,
        block * SITEMAP_BLOCK,
        (block + 1) * SITEMAP_BLOCK
    )
    .fetch_all(&state.pool)
    .await;
    let Ok(rows) = rows else {
        tracing::error!("sitemap block: {:?}", rows.err());
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    };
    if rows.is_empty() {
        return StatusCode::NOT_FOUND.into_response();
    }
    let origin = state.config.public_url.origin();
    let mut out = String::with_capacity(rows.len() * 120);
    out.push_str(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    for r in rows {
        out.push_str(&format!(
            "<url><loc>{origin}/listings/{}</loc><lastmod>{}</lastmod></url>\n",
            r.listing_id,
            crate::format::iso_date(r.updated_at)
        ));
    }
    out.push_str("</urlset>\n");
    xml(out)
}
