//! Listen ingest with group commit. Concurrent webhook requests hand their listen to one task
//! that stores whatever has queued up in a single transaction and only then answers each request.
//! A 2xx therefore always means "committed", while throughput scales with concurrency instead of
//! paying one transaction per request. Deduplication (same profile + track within the window)
//! happens inside that transaction, in arrival order, so racing duplicates are stored once.

use crate::hooks::{ListenHooks, StoredListen};
use hearth_core::model::{ListenOutcome, NewListen};
use hearth_store::{DynStore, StoreError};
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot};

/// Most listens committed in one transaction.
const MAX_BATCH: usize = 512;

type Reply = oneshot::Sender<Result<ListenOutcome, Arc<StoreError>>>;

/// Handle to the ingest task.
#[derive(Clone)]
pub struct ListenIngest {
    tx: mpsc::Sender<(NewListen, Reply)>,
}

impl ListenIngest {
    /// Spawns the ingest task on the current Tokio runtime.
    pub fn start(store: DynStore, dedup_window_ms: i64, hooks: ListenHooks) -> Self {
        let (tx, rx) = mpsc::channel(4096);
        // Follow-up work (taste updates) runs on its own task, in commit order, so a slow hook
        // never holds up the next group commit; the bounded channel applies backpressure only
        // if hooks fall thousands of batches behind.
        let (hook_tx, mut hook_rx) = mpsc::channel::<Vec<StoredListen>>(1024);
        tokio::spawn(async move {
            while let Some(mut batch) = hook_rx.recv().await {
                // Coalesce whatever queued up meanwhile (in order): one taste update and one
                // write-through per burst instead of one per group commit.
                while batch.len() < 50_000 {
                    match hook_rx.try_recv() {
                        Ok(more) => batch.extend(more),
                        Err(_) => break,
                    }
                }
                hooks.notify(&batch).await;
            }
        });
        tokio::spawn(run(store, dedup_window_ms, hook_tx, rx));
        ListenIngest { tx }
    }

    /// Stores one listen; resolves once it is committed (or found to be a duplicate).
    pub async fn submit(&self, listen: NewListen) -> Result<ListenOutcome, Arc<StoreError>> {
        let (reply, rx) = oneshot::channel();
        self.tx
            .send((listen, reply))
            .await
            .map_err(|_| Arc::new(StoreError::Unavailable("listen ingest has stopped".into())))?;
        rx.await
            .map_err(|_| Arc::new(StoreError::Unavailable("listen ingest has stopped".into())))?
    }
}

fn stored(listen: &NewListen, outcome: &ListenOutcome) -> Option<StoredListen> {
    match *outcome {
        ListenOutcome::Stored {
            listen_id,
            track_id,
            new_track,
        } => Some(StoredListen {
            listen_id,
            track_id,
            profile_id: listen.profile_id,
            ts: listen.ts,
            ms_played: listen.ms_played,
            duration_ms: listen.track.duration_ms,
            skipped: listen.skipped,
            new_track,
        }),
        ListenOutcome::Duplicate { .. } => None,
    }
}

async fn run(
    store: DynStore,
    dedup_window_ms: i64,
    hooks: mpsc::Sender<Vec<StoredListen>>,
    mut rx: mpsc::Receiver<(NewListen, Reply)>,
) {
    let mut batch: Vec<NewListen> = Vec::with_capacity(MAX_BATCH);
    let mut replies: Vec<Reply> = Vec::with_capacity(MAX_BATCH);
    while let Some((first, reply)) = rx.recv().await {
        batch.push(first);
        replies.push(reply);
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok((l, r)) => {
                    batch.push(l);
                    replies.push(r);
                }
                Err(_) => break,
            }
        }
        match store.record_listens(&batch, dedup_window_ms).await {
            Ok(outcomes) => {
                let committed: Vec<StoredListen> = batch
                    .iter()
                    .zip(&outcomes)
                    .filter_map(|(l, o)| stored(l, o))
                    .collect();
                for (reply, outcome) in replies.drain(..).zip(outcomes) {
                    let _ = reply.send(Ok(outcome));
                }
                if !committed.is_empty() {
                    let _ = hooks.send(committed).await;
                }
            }
            Err(batch_err) => {
                // One listen may have poisoned the batch: store them one by one so the others
                // still land and only the culprit gets the error.
                tracing::warn!(error = %batch_err, size = batch.len(), "batch commit failed; retrying listens singly");
                for (listen, reply) in batch.iter().zip(replies.drain(..)) {
                    let res = store
                        .record_listens(std::slice::from_ref(listen), dedup_window_ms)
                        .await
                        .map_err(Arc::new)
                        .and_then(|mut v| {
                            v.pop()
                                .ok_or_else(|| Arc::new(StoreError::Corrupt("no outcome".into())))
                        });
                    let committed = res.as_ref().ok().and_then(|o| stored(listen, o));
                    let _ = reply.send(res);
                    if let Some(c) = committed {
                        let _ = hooks.send(vec![c]).await;
                    }
                }
            }
        }
        batch.clear();
    }
}
