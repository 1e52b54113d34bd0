//! The Postgres session store, with one rule the stock store lacks: saving a session never
//! brings back one that was deleted.
//!
//! tower-sessions saves every session at the end of each request that loaded it (Scout turns
//! `always_save` on to refresh the idle expiry). The stock `PostgresStore::save` is an upsert,
//! so a request that loaded the session just before a sign-out (a stylesheet, the favicon, a
//! second tab) re-inserted the deleted record when it finished, and its response set the
//! cookie again: the person was signed back in. Here `save` only updates a record that still
//! exists; only `create` (a new session, or a new id at sign-in) inserts.

use async_trait::async_trait;
use sqlx::PgPool;
use tower_sessions::{
    ExpiredDeletion, SessionStore,
    session::{Id, Record},
    session_store,
};
use tower_sessions_sqlx_store::PostgresStore;

/// Sessions in `tower_sessions.session` (the table `migrate` creates).
#[derive(Clone, Debug)]
pub struct ScoutSessionStore {
    inner: PostgresStore,
    pool: PgPool,
}

impl ScoutSessionStore {
    pub fn new(pool: PgPool) -> Self {
        Self {
            inner: PostgresStore::new(pool.clone()),
            pool,
        }
    }

    /// Creates the schema and table when missing (idempotent; run at start-up).
    pub async fn migrate(&self) -> sqlx::Result<()> {
        self.inner.migrate().await
    }
}

fn backend(e: impl std::fmt::Display) -> session_store::Error {
    session_store::Error::Backend(e.to_string())
}

#[async_trait]
impl SessionStore for ScoutSessionStore {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        self.inner.create(record).await
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        let data =
            rmp_serde::to_vec(record).map_err(|e| session_store::Error::Encode(e.to_string()))?;
        // A runtime-checked statement: the table belongs to the store crate and is created by
        // `migrate`, not by Scout's migrations, so `query!` could not check it at build time.
        sqlx::query("update tower_sessions.session set data = $2, expiry_date = $3 where id = $1")
            .bind(record.id.to_string())
            .bind(data)
            .bind(record.expiry_date)
            .execute(&self.pool)
            .await
            .map_err(backend)?;
        Ok(())
    }

    async fn load(&self, session_id: &Id) -> session_store::Result<Option<Record>> {
        self.inner.load(session_id).await
    }

    async fn delete(&self, session_id: &Id) -> session_store::Result<()> {
        self.inner.delete(session_id).await
    }
}

#[async_trait]
impl ExpiredDeletion for ScoutSessionStore {
    async fn delete_expired(&self) -> session_store::Result<()> {
        self.inner.delete_expired().await
    }
}
