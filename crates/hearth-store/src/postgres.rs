//! The PostgreSQL adapter (scale-out deployments): a connection pool, `FOR UPDATE SKIP LOCKED`
//! job claiming so any number of workers can share the queue, and a transaction-scoped advisory
//! lock per (profile, track) so concurrent server processes cannot both store a duplicate listen.

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{PgPool, Pool, Postgres};
use std::str::FromStr;
use std::time::Duration;

/// The PostgreSQL store.
#[derive(Debug, Clone)]
pub struct PgStore {
    pool: PgPool,
    default_id: i64,
}

impl PgStore {
    pub(crate) const BACKEND: &'static str = "postgres";
    pub(crate) const DB_SIZE_SQL: &'static str = "SELECT pg_database_size(current_database())";
    pub(crate) const CLAIM_SQL: &'static str = "UPDATE jobs SET status = 'running', attempts = attempts + 1, locked_by = $1, \
         locked_at = $2, updated_at = $2 WHERE id = (SELECT id FROM jobs WHERE status = 'queued' AND run_after <= $2 \
         AND kind IN ({kinds}) ORDER BY run_after, id LIMIT 1 FOR UPDATE SKIP LOCKED) RETURNING {cols}";

    /// Connects to `postgres://…` and applies pending migrations.
    pub async fn open(url: &str) -> Result<Self, crate::StoreError> {
        let opts =
            PgConnectOptions::from_str(url).map_err(|e| crate::StoreError::InvalidInput {
                field: "database_url".into(),
                reason: e.to_string(),
            })?;
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(opts)
            .await?;
        sqlx::migrate!("./migrations/postgres").run(&pool).await?;
        let default_id: i64 = sqlx::query_scalar("SELECT id FROM profiles WHERE name = 'default'")
            .fetch_one(&pool)
            .await?;
        Ok(PgStore { pool, default_id })
    }

    /// The pool, for adapters that live beside the store (e.g. the pgvector index).
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// PostgreSQL binds `$N` by position already.
    fn bulk_sql(sql: String) -> String {
        sql
    }

    fn w(&self) -> &Pool<Postgres> {
        &self.pool
    }
    fn r(&self) -> &Pool<Postgres> {
        &self.pool
    }
    fn default_id(&self) -> i64 {
        self.default_id
    }

    async fn lock_dedup(
        tx: &mut sqlx::Transaction<'static, Postgres>,
        profile_id: i64,
        track_id: i64,
    ) -> Result<(), crate::StoreError> {
        sqlx::query("SELECT pg_advisory_xact_lock($1, $2)")
            .bind(profile_id as i32 ^ 0x4845_4152) // "HEAR": keeps Hearth's locks apart from others'
            .bind(track_id as i32)
            .execute(&mut **tx)
            .await?;
        Ok(())
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

impl_store!(PgStore, Postgres);
