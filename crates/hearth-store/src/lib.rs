//! `hearth-store` — persistence. Owns the store ports ([`ProfileStore`], [`ListenStore`],
//! [`TrackStore`], [`FeedbackStore`], [`JobStore`], [`StatusStore`], [`StatsStore`],
//! [`DynamicStore`] (living playlist and approval queue), [`LibraryStore`] (scanned files),
//! together [`Store`]), their two
//! adapters ([`SqliteStore`], the embedded default in WAL mode, and [`PgStore`] for PostgreSQL),
//! the append-only migrations of the SPEC §4 data model (`migrations/sqlite`, `migrations/postgres`)
//! and the durable job queue.
//!
//! Depends on `hearth-core` for domain types; knows nothing of HTTP. The backend is chosen from
//! the database URL by [`open`] (`sqlite:…` or `postgres://…`). Both adapters share one SQL
//! implementation (`sql.rs`), written in the portable subset of SQL both engines accept, so the
//! store contract test suite (`tests/it`) holds for both.
//!
//! Saved playlists and their items: [`PlaylistStore`] (`playlists.rs`), also part of [`Store`].
//! Bulk imports write many batches per transaction through an [`ImportSession`]; the steps that
//! differ per engine are in `sqlite_import.rs` and `postgres_import.rs`.

#[macro_use]
mod sql;
#[macro_use]
mod dynamic;
mod error;
mod library;
mod playlists;
mod ports;
mod postgres;
mod postgres_import;
mod sqlite;
mod sqlite_import;
mod stats;

pub use dynamic::*;
pub use error::StoreError;
pub use library::{LibraryCounts, LibraryFile, LibraryFileState, LibraryFileStatus, LibraryStore};
pub use playlists::*;
pub use ports::*;
pub use postgres::PgStore;
pub use sqlite::SqliteStore;
pub use stats::*;

use std::sync::Arc;

/// A shared handle to whichever store the URL picked.
pub type DynStore = Arc<dyn Store>;

/// Opens (creating and migrating when needed) the store named by `url`: `sqlite:<path>` or
/// `postgres://…` / `postgresql://…`.
pub async fn open(url: &str) -> Result<DynStore, StoreError> {
    if url.starts_with("sqlite:") {
        Ok(Arc::new(SqliteStore::open(url).await?))
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Arc::new(PgStore::open(url).await?))
    } else {
        Err(StoreError::InvalidInput {
            field: "database_url".into(),
            reason: format!("{url:?} must start with sqlite: or postgres://"),
        })
    }
}
