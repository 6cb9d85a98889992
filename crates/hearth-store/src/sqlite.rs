//! The embedded SQLite adapter (the default): WAL journal, `synchronous=NORMAL` (a committed
//! transaction survives a killed process; only an OS crash can lose the last commits), one
//! writer connection (SQLite serialises writers anyway; one connection avoids busy retries and
//! makes read-check-write sequences such as listen deduplication atomic) and a pool of readers.

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Pool, Sqlite};
use std::str::FromStr;
use std::time::Duration;

/// The SQLite store.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    write: Pool<Sqlite>,
    read: Pool<Sqlite>,
    default_id: i64,
}

impl SqliteStore {
    pub(crate) const BACKEND: &'static str = "sqlite";
    /// Pages in use × page size (the main database file; the WAL is not counted).
    pub(crate) const DB_SIZE_SQL: &'static str =
        "SELECT CAST(p.page_count * s.page_size AS BIGINT) FROM pragma_page_count() p, pragma_page_size() s";
    /// SQLite has one writer (this connection), so the subquery cannot race.
    pub(crate) const CLAIM_SQL: &'static str = "UPDATE jobs SET status = 'running', attempts = attempts + 1, locked_by = $1, \
         locked_at = $2, updated_at = $2 WHERE id = (SELECT id FROM jobs WHERE status = 'queued' AND run_after <= $2 \
         AND kind IN ({kinds}) ORDER BY run_after, id LIMIT 1) RETURNING {cols}";

    /// Opens `sqlite:<path>` (created when missing) and applies pending migrations.
    pub async fn open(url: &str) -> Result<Self, crate::StoreError> {
        let opts = SqliteConnectOptions::from_str(url)
            .map_err(|e| crate::StoreError::InvalidInput {
                field: "database_url".into(),
                reason: e.to_string(),
            })?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10))
            .pragma("temp_store", "memory")
            .pragma("cache_size", "-16000")
            // Checkpoint when the WAL reaches 32 MB instead of SQLite's 4 MB: a bulk import's
            // commit dirties thousands of index pages, and at 4 MB every commit was followed by
            // a checkpoint copying all of them into the database file again; fewer, larger
            // checkpoints copy a page rewritten by several commits once (issue 3, measured while
            // the listen index was still (profile, track, ts): 36k -> 48k rows/s, 4.6 -> 3.5 GB
            // written).
            .pragma("wal_autocheckpoint", "8192");
        // The writer gets a 32 MB page cache (readers keep 16 MB): the pages a bulk import's
        // 50,000-row transaction dirties must fit, or they are spilled to the WAL
        // mid-transaction and read back (issue 3; RSS stays under 150 MB).
        let write = SqlitePoolOptions::new()
            .max_connections(1)
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(opts.clone().pragma("cache_size", "-32768"))
            .await?;
        sqlx::migrate!("./migrations/sqlite").run(&write).await?;
        let read = SqlitePoolOptions::new()
            .max_connections(4)
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(opts.read_only(true))
            .await?;
        let default_id: i64 = sqlx::query_scalar("SELECT id FROM profiles WHERE name = 'default'")
            .fetch_one(&write)
            .await?;
        Ok(SqliteStore {
            write,
            read,
            default_id,
        })
    }

    /// Bulk statements use anonymous parameters here (see [`crate::sql::positional`]).
    fn bulk_sql(sql: String) -> String {
        crate::sql::positional(&sql)
    }

    fn w(&self) -> &Pool<Sqlite> {
        &self.write
    }
    fn r(&self) -> &Pool<Sqlite> {
        &self.read
    }
    fn default_id(&self) -> i64 {
        self.default_id
    }

    /// Nothing to do: the single writer connection already serialises deduplication.
    async fn lock_dedup(
        _tx: &mut sqlx::Transaction<'static, Sqlite>,
        _profile_id: i64,
        _track_id: i64,
    ) -> Result<(), crate::StoreError> {
        Ok(())
    }

    /// Closes both pools (flushes the WAL on the last connection).
    pub async fn close(&self) {
        self.read.close().await;
        self.write.close().await;
    }
}

impl_store!(SqliteStore, Sqlite);
