use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::Router;
use hearth_core::clock::ManualClock;
use hearth_core::config::{Config, ConfigBuilder};
use hearth_server::AppState;
use hearth_store::DynStore;
use http_body_util::BodyExt;
use serde_json::Value;
use std::sync::Arc;
use tower::ServiceExt;

pub const T0: i64 = 1_700_000_000_000;

pub struct TestApp {
    pub router: Router,
    pub store: DynStore,
    pub clock: ManualClock,
    _dir: tempfile::TempDir,
}

impl TestApp {
    pub async fn new() -> Self {
        Self::with_config(Config::defaults()).await
    }

    pub async fn with_env(vars: &[(&str, &str)]) -> Self {
        Self::with_config(
            ConfigBuilder::new()
                .env(vars.iter().copied())
                .unwrap()
                .build()
                .unwrap(),
        )
        .await
    }

    pub async fn with_config(config: Config) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let store = hearth_store::open(&format!("sqlite:{}/t.db", dir.path().display()))
            .await
            .unwrap();
        let clock = ManualClock::new(T0);
        let state = AppState::new(store.clone(), config, Arc::new(clock.clone()));
        TestApp {
            router: hearth_server::router(state),
            store,
            clock,
            _dir: dir,
        }
    }

    pub async fn call(&self, method: &str, uri: &str, body: Option<&str>) -> (StatusCode, Value) {
        self.call_with(method, uri, body, &[]).await
    }

    pub async fn call_with(
        &self,
        method: &str,
        uri: &str,
        body: Option<&str>,
        headers: &[(&str, &str)],
    ) -> (StatusCode, Value) {
        let mut req = Request::builder().method(method).uri(uri);
        if body.is_some() {
            req = req.header("content-type", "application/json");
        }
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let req = req
            .body(
                body.map(|b| Body::from(b.to_string()))
                    .unwrap_or_else(Body::empty),
            )
            .unwrap();
        let res = self.router.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let bytes = res.into_body().collect().await.unwrap().to_bytes();
        let value = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes)
                .unwrap_or(Value::String(String::from_utf8_lossy(&bytes).into()))
        };
        (status, value)
    }

    pub async fn listens(&self) -> i64 {
        self.store.status_counts().await.unwrap().listens
    }
}

/// The real test data (`HEARTH_SHARED_DATA`, default the `shared/data` folder beside the
/// checkout), or `None` after printing one skip line.
pub fn shared_data(test: &str) -> Option<std::path::PathBuf> {
    let dir = std::env::var("HEARTH_SHARED_DATA").unwrap_or_else(|_| {
        concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data").to_string()
    });
    let p = std::path::PathBuf::from(dir);
    if p.is_dir() {
        Some(p)
    } else {
        println!("skipped {test}: no shared data at {}", p.display());
        None
    }
}

/// A fresh SQLite store in a temp dir (kept alive by the guard).
pub async fn sqlite_store() -> (DynStore, Box<dyn std::any::Any + Send>) {
    let dir = tempfile::tempdir().unwrap();
    let store = hearth_store::open(&format!("sqlite:{}/t.db", dir.path().display()))
        .await
        .unwrap();
    (store, Box::new(dir))
}

/// A fresh PostgreSQL database per call (dropped with the guard), or `None` after one skip line
/// when `HEARTH_TEST_PG_URL` is not set. Same approach as hearth-store's contract suite.
pub async fn pg_store(test: &str) -> Option<(DynStore, Box<dyn std::any::Any + Send>)> {
    let Ok(admin_url) = std::env::var("HEARTH_TEST_PG_URL") else {
        println!("skipped {test} on PostgreSQL: HEARTH_TEST_PG_URL not set");
        return None;
    };
    use sqlx::Connection;
    static N: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos() as u64;
    let name = format!(
        "hearth_srv_{}_{}",
        std::process::id(),
        nanos ^ (N.fetch_add(1, std::sync::atomic::Ordering::SeqCst) << 32)
    );
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
    let store = hearth_store::open(&format!("{base}/{name}")).await.unwrap();
    Some((store, Box::new(DropDb { admin_url, name })))
}

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
