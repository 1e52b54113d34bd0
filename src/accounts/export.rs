//! "Export my data": `GET /account/export` answers a ZIP of everything Scout holds about the
//! signed-in person: `scout-data.json` (`repo::export_document`), the photos of their listings
//! (the largest size kept), and a README saying what is where. The archive is written while it
//! is sent (the photos one at a time), so its size doesn't hold memory; a couple of exports
//! run at once, the rest are asked to retry.

use super::{
    repo::{self, SecurityEvent},
    session::{Device, signed_in_account},
};
use crate::{
    error::AppError,
    server::{
        security,
        state::{AppState, ClientIp},
    },
};
use axum::{
    Extension, Router,
    body::{Body, Bytes},
    extract::State,
    http::{HeaderMap, HeaderValue, header},
    response::{IntoResponse, Redirect, Response},
    routing::get,
};
use std::io::Write;
use tokio::sync::mpsc;
use tower_sessions::Session;

/// How many exports are written at once (each reads every photo of a seller's listings).
const AT_ONCE: usize = 2;

/// The size of the pieces the archive is sent in.
const CHUNK: usize = 64 * 1024;

/// The route, inside the session layer.
pub fn routes() -> Router<AppState> {
    let running = std::sync::Arc::new(tokio::sync::Semaphore::new(AT_ONCE));
    Router::new().route(
        "/account/export",
        get(move |state, session, ip, headers| {
            export(state, session, ip, headers, running.clone())
        }),
    )
}

async fn export(
    State(state): State<AppState>,
    session: Session,
    ip: Option<Extension<ClientIp>>,
    headers: HeaderMap,
    running: std::sync::Arc<tokio::sync::Semaphore>,
) -> Response {
    let device = Device::of_request(&headers, ip.map(|Extension(ip)| ip.0));
    // a person who pressed "Download my data" comes back to the Account page, which says why
    let browser = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("text/html"));
    match start(&state, &session, &device, running).await {
        Ok(Some(res)) => res,
        Ok(None) => Redirect::to("/sign-in").into_response(),
        Err(e) if browser && e.retry_after_secs().is_some() => {
            let why = if matches!(e, AppError::RateLimited { .. }) {
                "limited"
            } else {
                "busy"
            };
            Redirect::to(&format!(
                "/account?export={why}&wait={}#export-heading",
                e.retry_after_secs().unwrap_or(60)
            ))
            .into_response()
        }
        Err(e) => security::error_response(e),
    }
}

async fn start(
    state: &AppState,
    session: &Session,
    device: &Device,
    running: std::sync::Arc<tokio::sync::Semaphore>,
) -> Result<Option<Response>, AppError> {
    let Some(account) = signed_in_account(session, &state.pool).await? else {
        return Ok(None);
    };
    if let Some(wait) =
        repo::export_wait(&state.pool, account, super::model::EXPORTS_PER_DAY).await?
    {
        return Err(AppError::RateLimited {
            retry_after_secs: wait,
        });
    }
    let permit = running.try_acquire_owned().map_err(|_| AppError::Busy {
        message: "Scout is preparing other downloads right now. Try again in a minute.".into(),
        retry_after_secs: 30,
    })?;
    let document = repo::export_document(&state.pool, account)
        .await?
        .ok_or(AppError::NotFound)?;
    let photos = repo::export_photos(&state.pool, account).await?;
    super::api::record(state, account, SecurityEvent::DataExported, device).await?;
    tracing::info!(%account, photos = photos.len(), "data export started");

    let (tx, rx) = mpsc::channel::<Result<Bytes, std::io::Error>>(4);
    let media = state.media.clone();
    let runtime = tokio::runtime::Handle::current();
    tokio::task::spawn_blocking(move || {
        let _permit = permit;
        let mut sink = ChannelWriter {
            tx: tx.clone(),
            buf: Vec::with_capacity(CHUNK),
        };
        if let Err(e) = write_archive(&mut sink, &document, &photos, |key| {
            runtime.block_on(media.get(key))
        }) {
            tracing::warn!(%account, "data export stopped: {e}");
            let _ = tx.blocking_send(Err(std::io::Error::other(e)));
        }
    });
    let stream = tokio_stream_of(rx);
    let date = time::OffsetDateTime::now_utc().date();
    let mut res = Response::new(Body::from_stream(stream));
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/zip"),
    );
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"scout-data-{date}.zip\""))
    {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(Some(res))
}

/// The receiving end as a body stream.
fn tokio_stream_of(
    mut rx: mpsc::Receiver<Result<Bytes, std::io::Error>>,
) -> impl futures::Stream<Item = Result<Bytes, std::io::Error>> {
    futures::stream::poll_fn(move |cx| rx.poll_recv(cx))
}

/// Writes the archive: README, the document, then each photo's largest file (a photo
/// whose file is missing is named in the README's last line instead). `fetch` reads a file
/// from the media store.
pub fn write_archive<W: Write>(
    out: W,
    document: &serde_json::Value,
    photos: &[repo::ExportPhoto],
    mut fetch: impl FnMut(&str) -> object_store::Result<Option<bytes::Bytes>>,
) -> Result<W, String> {
    let mut zip = zip::ZipWriter::new_stream(out);
    let stored = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Stored)
        .large_file(false);
    let e = |e: zip::result::ZipError| e.to_string();
    let io = |e: std::io::Error| e.to_string();
    let mut missing = Vec::new();
    let mut files = Vec::new();
    for p in photos {
        let clean = crate::gallery::service::clean_file_name(&p.file_name);
        let stem = clean
            .rsplit_once('.')
            .map_or(clean.as_str(), |(stem, _)| stem);
        let extension = p.key.rsplit_once('.').map_or("webp", |(_, e)| e);
        let name = format!(
            "photos/{}/{:02}-{stem}.{extension}",
            p.listing_id,
            p.position + 1
        );
        files.push((name, p.key.clone()));
    }
    zip.start_file("README.txt", stored).map_err(e)?;
    zip.write_all(readme(files.len()).as_bytes()).map_err(io)?;
    zip.start_file("scout-data.json", stored).map_err(e)?;
    let json = serde_json::to_vec_pretty(document).map_err(|e| e.to_string())?;
    zip.write_all(&json).map_err(io)?;
    for (name, key) in files {
        match fetch(&key).map_err(|e| e.to_string())? {
            Some(bytes) => {
                zip.start_file(name, stored).map_err(e)?;
                zip.write_all(&bytes).map_err(io)?;
            }
            None => missing.push(name),
        }
    }
    if !missing.is_empty() {
        zip.start_file("photos/MISSING.txt", stored).map_err(e)?;
        let text = format!(
            "These photos' files could not be found when the download was made:\n{}\n",
            missing.join("\n")
        );
        zip.write_all(text.as_bytes()).map_err(io)?;
    }
    let mut inner = zip.finish().map_err(e)?.into_inner();
    inner.flush().map_err(io)?;
    Ok(inner)
}

fn readme(photos: usize) -> String {
    format!(
        "Your data from Scout\n\
         ====================\n\n\
         scout-data.json  everything Scout holds about your account: the account, your \
         listings (with their price history and photo list), favorites, alerts and alert \
         settings, notifications and their deliveries, webhooks, push devices, where you are \
         signed in, the security log and linked accounts. Left out: your password's hash, \
         sealed secrets and keys, and link tokens, which would let someone act as you.\n\
         photos/          the {photos} photo file(s) of your listings, one folder per listing \
         (photos/<listing id>/<position>-<file name>.webp), each in the largest size Scout \
         keeps. The files as you uploaded them are not kept once their sizes are made (their \
         metadata could tell where a photo was taken).\n"
    )
}

/// A blocking writer that sends what it is given in pieces over a channel (the response
/// body reads the other end). A download the browser dropped ends the writing.
struct ChannelWriter {
    tx: mpsc::Sender<Result<Bytes, std::io::Error>>,
    buf: Vec<u8>,
}

impl Write for ChannelWriter {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.buf.extend_from_slice(data);
        if self.buf.len() >= CHUNK {
            self.flush()?;
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let piece = Bytes::from(std::mem::replace(&mut self.buf, Vec::with_capacity(CHUNK)));
        self.tx.blocking_send(Ok(piece)).map_err(|_| {
            std::io::Error::new(std::io::ErrorKind::BrokenPipe, "the download was dropped")
        })
    }
}
