//! Application state: small, cloneable, everything behind `Arc`.

use crate::hooks::ListenHooks;
use crate::ingest::ListenIngest;
use crate::reco::RecoService;
use hearth_core::clock::Clock;
use hearth_core::config::Config;
use hearth_store::DynStore;
use std::sync::Arc;

#[derive(Clone)]
pub struct AppState {
    pub store: DynStore,
    pub config: Arc<Config>,
    pub clock: Arc<dyn Clock>,
    pub ingest: ListenIngest,
    /// Follow-up work after listens are committed (taste, analysis queue).
    pub hooks: ListenHooks,
    pub started_at_ms: i64,
    /// Taste profiles, the analysed catalogue and its vector index (registered as a listen hook).
    pub reco: Arc<RecoService>,
}

impl AppState {
    /// Builds the state and starts the listen ingest task (needs a Tokio runtime).
    pub fn new(store: DynStore, config: Config, clock: Arc<dyn Clock>) -> Self {
        let dedup_window_ms =
            i64::try_from(config.server.dedup_window_s.saturating_mul(1000)).unwrap_or(i64::MAX);
        let hooks = ListenHooks::default();
        let reco = Arc::new(RecoService::new(store.clone(), &config));
        hooks.add(reco.clone());
        reco.start_flusher(std::time::Duration::from_secs(
            config.taste.persist_interval_s,
        ));
        let ingest = ListenIngest::start(store.clone(), dedup_window_ms, hooks.clone());
        let started_at_ms = clock.now_ms();
        AppState {
            store,
            config: Arc::new(config),
            clock,
            ingest,
            hooks,
            started_at_ms,
            reco,
        }
    }
}
