//! The live index: built at start-up, kept fresh by the `listing_changed` notifications
//! (rebuilt after a lost connection or once dead slots pile up), and searched under a lock.

use super::*;

/// What the index-keeping task is told.
enum Change {
    /// These listings changed (reply when applied).
    Listings(Vec<i64>, Option<tokio::sync::oneshot::Sender<()>>),
    /// A `sync:N` notification came back: everything committed before it is applied.
    Synced(u64),
    /// Build the index again from Postgres: the notification connection was lost and re-made
    /// (some changes may be missed), or someone asked (reply when done).
    Rebuild(Option<tokio::sync::oneshot::Sender<()>>),
}

/// The live index and the task keeping it fresh (see the module comment).
pub struct SearchEngine {
    index: std::sync::RwLock<Index>,
    changes: tokio::sync::mpsc::UnboundedSender<Change>,
    syncs: std::sync::Mutex<HashMap<u64, tokio::sync::oneshot::Sender<()>>>,
    next_sync: std::sync::atomic::AtomicU64,
    pool: sqlx::PgPool,
}

/// The channel the `listing_changed` trigger notifies on (payload: the listing id).
const CHANNEL: &str = "listing_changed";

impl SearchEngine {
    /// Builds the index from Postgres and starts keeping it fresh. Listens before reading, so
    /// a change committed during the build is applied after it.
    pub async fn start(
        pool: sqlx::PgPool,
        catalog: &Catalog,
    ) -> sqlx::Result<std::sync::Arc<SearchEngine>> {
        let mut listener = sqlx::postgres::PgListener::connect_with(&pool).await?;
        listener.listen(CHANNEL).await?;
        let started = std::time::Instant::now();
        let bounds = all_price_bounds_eur(catalog);
        let makes: HashMap<i32, i32> = catalog
            .models
            .iter()
            .map(|m| (m.model_id, m.make_id))
            .collect();
        let index = Index::load(&pool, &bounds, makes.clone()).await?;
        tracing::info!(
            listings = index.len(),
            ms = started.elapsed().as_millis(),
            "search index built"
        );
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        let engine = std::sync::Arc::new(SearchEngine {
            index: std::sync::RwLock::new(index),
            changes: tx.clone(),
            syncs: std::sync::Mutex::new(HashMap::new()),
            // random start: other processes' sync tokens (same channel) never match ours
            next_sync: std::sync::atomic::AtomicU64::new(rand::random::<u64>() >> 1),
            pool: pool.clone(),
        });
        tokio::spawn(forward_notifications(listener, tx));
        tokio::spawn(keep_fresh(
            std::sync::Arc::downgrade(&engine),
            rx,
            bounds,
            makes,
        ));
        Ok(engine)
    }

    /// The index, for reading (a search holds it for a few milliseconds).
    pub fn read(&self) -> std::sync::RwLockReadGuard<'_, Index> {
        self.index
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Applies these listings' changes now (a seller sees their own change in the very next
    /// search); other processes' changes arrive by notification.
    pub async fn changed(&self, ids: Vec<i64>) {
        let (tx, rx) = tokio::sync::oneshot::channel();
        if self.changes.send(Change::Listings(ids, Some(tx))).is_ok()
            && tokio::time::timeout(std::time::Duration::from_secs(10), rx)
                .await
                .is_err()
        {
            tracing::warn!("search index: a change took over 10 s to apply");
        }
    }

    /// Builds the index again from Postgres (reclaiming every dead slot) and waits for it.
    pub async fn rebuild(&self) {
        let (tx, rx) = tokio::sync::oneshot::channel();
        if self.changes.send(Change::Rebuild(Some(tx))).is_ok() {
            let _ = rx.await;
        }
    }

    /// Waits until every change committed before this call (by any process) is applied: a
    /// notification of our own comes back after all earlier ones.
    pub async fn sync(&self) -> sqlx::Result<()> {
        let token = self
            .next_sync
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let (tx, rx) = tokio::sync::oneshot::channel();
        self.syncs
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(token, tx);
        sqlx::query!(
            "select from pg_notify($1, $2)",
            CHANNEL,
            format!("sync:{token}")
        )
        .execute(&self.pool)
        .await?;
        if tokio::time::timeout(std::time::Duration::from_secs(30), rx)
            .await
            .is_err()
        {
            tracing::warn!("search index: sync took over 30 s");
        }
        Ok(())
    }
}

/// Turns notifications into [`Change`]s (its own task: a `PgListener` wait is never cut short).
async fn forward_notifications(
    mut listener: sqlx::postgres::PgListener,
    tx: tokio::sync::mpsc::UnboundedSender<Change>,
) {
    loop {
        let change = match listener.try_recv().await {
            Ok(Some(n)) => match n.payload().strip_prefix("sync:") {
                Some(token) => token.parse().map(Change::Synced).ok(),
                None => n
                    .payload()
                    .parse()
                    .ok()
                    .map(|id| Change::Listings(vec![id], None)),
            },
            Ok(None) => Some(Change::Rebuild(None)),
            Err(sqlx::Error::PoolClosed) => return,
            Err(e) => {
                tracing::warn!("search index: notifications: {e}");
                tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                None
            }
        };
        if let Some(change) = change
            && tx.send(change).is_err()
        {
            return;
        }
    }
}

/// Applies changes in batches; rebuilds when notifications may have been missed or dead slots
/// pile up. Ends when the engine is dropped.
async fn keep_fresh(
    engine: std::sync::Weak<SearchEngine>,
    mut rx: tokio::sync::mpsc::UnboundedReceiver<Change>,
    bounds: Vec<i64>,
    makes: HashMap<i32, i32>,
) {
    while let Some(first) = rx.recv().await {
        let mut batch = vec![first];
        while let Ok(more) = rx.try_recv() {
            batch.push(more);
        }
        let Some(engine) = engine.upgrade() else {
            return;
        };
        let mut ids: Vec<i64> = Vec::new();
        let mut rebuild_asked = false;
        for change in &batch {
            match change {
                Change::Listings(changed, _) => ids.extend(changed),
                Change::Rebuild(_) => rebuild_asked = true,
                Change::Synced(_) => {}
            }
        }
        ids.sort_unstable();
        ids.dedup();
        let rebuild = rebuild_asked || {
            let index = engine.read();
            index.dead() > index.len() / 4 + 10_000
        };
        let result = if rebuild {
            // a rebuild is seconds of CPU at a million listings: keep it off the async workers
            let (pool, bounds, makes) = (engine.pool.clone(), bounds.clone(), makes.clone());
            let runtime = tokio::runtime::Handle::current();
            tokio::task::spawn_blocking(move || {
                runtime.block_on(Index::load(&pool, &bounds, makes))
            })
            .await
            .unwrap_or_else(|e| {
                Err(sqlx::Error::Protocol(format!(
                    "index rebuild panicked: {e}"
                )))
            })
            .map(|index| {
                *engine
                    .index
                    .write()
                    .unwrap_or_else(std::sync::PoisonError::into_inner) = index;
            })
        } else if ids.is_empty() {
            Ok(())
        } else {
            load_rows(&engine.pool, &ids).await.map(|rows| {
                let staged = engine
                    .index
                    .write()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .stage(&ids, &rows);
                let orders = engine.read().merged_orders(&staged.added);
                engine
                    .index
                    .write()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .commit(staged, orders);
            })
        };
        if let Err(e) = result {
            tracing::warn!(
                "search index: applying changes failed (retried on the next change): {e}"
            );
        }
        for change in batch {
            match change {
                Change::Listings(_, Some(done)) | Change::Rebuild(Some(done)) => {
                    let _ = done.send(());
                }
                Change::Synced(token) => {
                    let waiting = engine
                        .syncs
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner)
                        .remove(&token);
                    if let Some(done) = waiting {
                        let _ = done.send(());
                    }
                }
                _ => {}
            }
        }
    }
}
