//! Every background worker Scout runs, listed in one place. `scout` (serve) starts them all
//! beside the web server; `scout alert-worker` runs only the alert pair. Each worker is safe to
//! run in several processes at once (rows are claimed with `for update skip locked`).

use super::{startup, state::AppState};
use std::time::Duration;
use tokio::task::JoinHandle;

/// The workers a server process started; `stop` ends them (on shutdown).
pub struct Workers(Vec<(&'static str, JoinHandle<()>)>);

impl Workers {
    /// Starts the housekeeping and photo-recovery workers, and the alert pair (listing events
    /// into notifications, due deliveries out) when `alerts` (`SCOUT_ALERT_WORKER`).
    pub fn start(state: &AppState, alerts: bool) -> Workers {
        let mut all = vec![
            ("housekeeping", tokio::spawn(housekeeping(state.clone()))),
            (
                "photo recovery",
                tokio::spawn(photo_recovery(state.clone())),
            ),
            (
                "provider renewals",
                tokio::spawn(provider_renewals(state.clone())),
            ),
            (
                "cross-posting",
                tokio::spawn(crate::listings::crossposting::sync::run(state.clone())),
            ),
            (
                "plan quotas",
                tokio::spawn(crate::billing::enforce::run(state.clone())),
            ),
            (
                "Stripe reconciliation",
                tokio::spawn(crate::billing::sync::run(state.clone())),
            ),
            (
                "rates",
                tokio::spawn(crate::listings::rates::run(state.clone())),
            ),
        ];
        if alerts {
            all.push((
                "alert matcher",
                tokio::spawn(crate::alerts::service::run(state.clone())),
            ));
            all.push((
                "deliveries",
                tokio::spawn(crate::notifications::worker::run(state.clone())),
            ));
        }
        tracing::debug!(workers = ?all.iter().map(|(n, _)| *n).collect::<Vec<_>>(), "workers started");
        Workers(all)
    }

    pub fn stop(self) {
        for (_, handle) in self.0 {
            handle.abort();
        }
    }
}

/// `scout alert-worker`: the alert pair alone, until one of them ends (they don't).
pub async fn alert_workers(state: AppState) {
    tokio::join!(
        crate::alerts::service::run(state.clone()),
        crate::notifications::worker::run(state)
    );
}

/// Every 15 minutes: expired sessions, old sign-in failures and confirmation-mail records go.
async fn housekeeping(state: AppState) {
    use tower_sessions::ExpiredDeletion;
    let store = startup::session_store(&state);
    let mut tick = tokio::time::interval(Duration::from_secs(15 * 60));
    loop {
        tick.tick().await;
        if let Err(e) = store.delete_expired().await {
            tracing::warn!("deleting expired sessions: {e}");
        }
        if let Err(e) = crate::accounts::repo::delete_old_failures(&state.pool).await {
            tracing::warn!("deleting old sign-in failures: {e}");
        }
        if let Err(e) = crate::notifications::repo::delete_old_confirmation_mail(&state.pool).await
        {
            tracing::warn!("deleting old confirmation mail records: {e}");
        }
    }
}

/// Every 30 s: photos whose processing a crash interrupted (here or in another process) are
/// taken over and finished.
async fn photo_recovery(state: AppState) {
    let mut tick = tokio::time::interval(Duration::from_secs(30));
    loop {
        tick.tick().await;
        match crate::gallery::service::resume_abandoned(&state).await {
            Ok(0) => {}
            Ok(n) => tracing::info!("took over {n} abandoned photo(s)"),
            Err(e) => tracing::warn!("taking over abandoned photos: {e}"),
        }
    }
}

/// Every minute: access at sign-in providers and marketplaces that ends within 10 minutes is renewed with the
/// refresh token Scout holds (`links::renew_due`). What to renew is read from the rows each
/// time, so a restart loses nothing; a renewal holds its row, so processes don't collide.
async fn provider_renewals(state: AppState) {
    let mut tick = tokio::time::interval(Duration::from_secs(60));
    loop {
        tick.tick().await;
        match crate::accounts::links::renew_due(&state, Duration::from_secs(600)).await {
            Ok(0) => {}
            Ok(n) => tracing::info!("renewed access at sign-in providers for {n} link(s)"),
            Err(e) => tracing::warn!("renewing access at sign-in providers: {e}"),
        }
    }
}
