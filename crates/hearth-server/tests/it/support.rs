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
