//! Store factories for the contract suite, and the listen every suite starts from.

use hearth_core::ids::ProfileId;
use hearth_core::model::{NewListen, TrackInput};
use hearth_store::{DynStore, PgStore, SqliteStore};
use std::sync::Arc;

/// A played-through listen of `artist – title` by `profile` at `ts`, source `test`, no key.
pub fn listen(profile: ProfileId, artist: &str, title: &str, ts: i64) -> NewListen {
    NewListen {
        track: TrackInput::new(artist, title),
        profile_id: profile,
        ts,
        source: "test".into(),
        speaker_name: None,
        ms_played: None,
        skipped: false,
        reason_end: None,
        dedup_key: None,
    }
}

/// A fresh SQLite store in a temp dir (the dir lives as long as the returned guard).
pub async fn sqlite() -> (DynStore, Box<dyn std::any::Any + Send>) {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}/t.db", dir.path().display());
    let store = SqliteStore::open(&url).await.unwrap();
    (Arc::new(store), Box::new(dir))
}

/// A fresh PostgreSQL database, or `None` (with one line printed) when no server is configured.
pub async fn postgres() -> Option<(DynStore, Box<dyn std::any::Any + Send>)> {
    let (url, guard) = postgres_url().await?;
    let store = PgStore::open(&url).await.unwrap();
    Some((Arc::new(store), guard))
}

/// The URL of a fresh SQLite database file, not yet migrated (for migration tests).
pub fn sqlite_url() -> (String, Box<dyn std::any::Any + Send>) {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}/t.db?mode=rwc", dir.path().display());
    (url, Box::new(dir))
}

/// The URL of a freshly created, empty PostgreSQL database (dropped with the guard), or `None`
/// (with one line printed) when no server is configured.
pub async fn postgres_url() -> Option<(String, Box<dyn std::any::Any + Send>)> {
    let Ok(admin_url) = std::env::var("HEARTH_TEST_PG_URL") else {
        println!("skipped: HEARTH_TEST_PG_URL not set (PostgreSQL contract tests)");
        return None;
    };
    use sqlx::Connection;
    let name = format!("hearth_t_{}_{}", std::process::id(), rand_suffix());
    let mut admin = sqlx::PgConnection::connect(&admin_url)
        .await
        .expect("connect to HEARTH_TEST_PG_URL");
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut admin)
        .await
        .unwrap();
    let base = admin_url
        .rsplit_once('/')
        .map(|(b, _)| b)
        .unwrap_or(&admin_url);
    let url = format!("{base}/{name}");
    Some((url, Box::new(DropDb { admin_url, name })))
}

fn rand_suffix() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos() as u64;
    t ^ (N.fetch_add(1, Ordering::SeqCst) << 32)
}

/// Drops the test database when the test ends (best effort, in a fresh runtime thread).
struct DropDb {
    admin_url: String,
    name: String,
}

impl Drop for DropDb {
    fn drop(&mut self) {
        let (url, name) = (self.admin_url.clone(), self.name.clone());
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async {
                use sqlx::Connection;
                if let Ok(mut c) = sqlx::PgConnection::connect(&url).await {
                    let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                        .execute(&mut c)
                        .await;
                }
            });
        })
        .join();
    }
}

/// Declares each contract test twice: `sqlite::<name>` and `postgres::<name>`.
#[macro_export]
macro_rules! contract_tests {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let (store, _guard) = $crate::support::sqlite().await;
                    super::$name(store).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let Some((store, _guard)) = $crate::support::postgres().await else { return };
                    super::$name(store).await;
                }
            )*
        }
    };
}
