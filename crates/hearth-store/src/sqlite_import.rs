//! The SQLite side of bulk imports ([`crate::ListenStore::import_listens`]): the two steps whose
//! portable form cost most of an import (issue 3).
//!
//! sqlx hands every result row from SQLite's worker thread to the calling task one at a time
//! (a channel send, often a thread wake-up, and a row decoded into owned values). A
//! `RETURNING id, track_id, dedup_key` per stored listen and a row per known track made those
//! hand-offs the bulk of an import's CPU time. Here the known tracks come back as one JSON
//! array per statement, and stored listens as a row *count*: this connection is the only
//! writer and the batch runs in one transaction, so the rows an INSERT added are exactly those
//! with an id above the largest id before it (AUTOINCREMENT ids only grow). When the count says
//! every row went in and the ids are consecutive, each row's id follows from its position;
//! otherwise (a re-run, a key repeated in the batch) the added rows are read back.

use crate::StoreError;
use hearth_core::model::NewListen;
use sqlx::{Sqlite, Transaction};
use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

/// Keys per `IN (…)` lookup.
const KEY_CHUNK: usize = 1_000;
/// Listens per multi-row INSERT (9 parameters each; SQLite allows 32,766 per statement).
const LISTEN_CHUNK: usize = 1_000;
const LISTEN_COLS: usize = 9;

type Tx = Transaction<'static, Sqlite>;

/// `?, ?, …` — `n` anonymous parameters (see [`crate::sql::positional`] for why anonymous).
fn params(n: usize) -> String {
    let mut s = String::with_capacity(n * 3);
    for i in 0..n {
        s.push_str(if i == 0 { "?" } else { ", ?" });
    }
    s
}

/// The multi-row listen INSERT for `rows` rows; the full-chunk statement is built once.
fn insert_sql(rows: usize) -> Cow<'static, str> {
    fn build(rows: usize) -> String {
        let row = format!("({})", params(LISTEN_COLS));
        let values = vec![row; rows].join(", ");
        // ON CONFLICT: a stored (or repeated) key skips its row, never an error.
        format!(
            "INSERT INTO listen_events (track_id, profile_id, ts, source, speaker_name, ms_played, \
             skipped, reason_end, dedup_key) VALUES {values} ON CONFLICT (dedup_key) DO NOTHING"
        )
    }
    static FULL: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    if rows == LISTEN_CHUNK {
        Cow::Borrowed(FULL.get_or_init(|| build(LISTEN_CHUNK)).as_str())
    } else {
        Cow::Owned(build(rows))
    }
}

impl crate::SqliteStore {
    /// `norm_key -> id` of the tracks among `keys` that exist, in one row per [`KEY_CHUNK`]
    /// keys.
    pub(crate) async fn import_known_tracks(
        tx: &mut Tx,
        keys: &[&str],
    ) -> Result<HashMap<String, i64>, StoreError> {
        let mut ids = HashMap::with_capacity(keys.len());
        for chunk in keys.chunks(KEY_CHUNK) {
            let sql = format!(
                "SELECT json_group_array(json_array(id, norm_key)) FROM tracks \
                 WHERE norm_key IN ({})",
                params(chunk.len())
            );
            let mut q = sqlx::query_scalar::<_, String>(&sql);
            for k in chunk {
                q = q.bind(*k);
            }
            let json = q.fetch_one(&mut **tx).await?;
            let pairs: Vec<(i64, String)> = serde_json::from_str(&json)
                .map_err(|e| StoreError::Corrupt(format!("known tracks as JSON: {e}")))?;
            ids.extend(pairs.into_iter().map(|(id, key)| (key, id)));
        }
        Ok(ids)
    }

    /// Inserts the listens of `batch` (every one has a `dedup_key`; `track_ids[i]` is the track
    /// of `batch[i]`). Returns, per row, the new listen's id, or `None` when its key was already
    /// stored or occurred earlier in the batch (a duplicate).
    pub(crate) async fn import_insert_listens(
        tx: &mut Tx,
        batch: &[NewListen],
        track_ids: &[i64],
    ) -> Result<Vec<Option<i64>>, StoreError> {
        let keys: Vec<&str> = batch
            .iter()
            .enumerate()
            .map(|(i, l)| {
                l.dedup_key
                    .as_deref()
                    .ok_or_else(|| StoreError::InvalidInput {
                        field: format!("batch[{i}].dedup_key"),
                        reason: "imports need a row key".into(),
                    })
            })
            .collect::<Result<_, _>>()?;
        let mut out = vec![None; batch.len()];
        let rows: Vec<usize> = (0..batch.len()).collect();
        let chunks: Vec<&[usize]> = rows.chunks(LISTEN_CHUNK).collect();
        let sqls: Vec<Cow<'static, str>> = chunks.iter().map(|c| insert_sql(c.len())).collect();
        let bind = |k: usize| {
            let mut q = sqlx::query(&sqls[k]);
            for &i in chunks[k] {
                q = bind_listen!(q, batch[i], track_ids[i]);
            }
            q
        };
        // Every row an INSERT adds gets an id above the largest one before it (AUTOINCREMENT
        // never reuses an id or goes back), and nothing else writes in between (one writer
        // connection, inside its transaction).
        let mut before: i64 = sqlx::query_scalar("SELECT coalesce(max(id), 0) FROM listen_events")
            .fetch_one(&mut **tx)
            .await?;
        let mut next = (!chunks.is_empty()).then(|| bind(0));
        for (k, chunk) in chunks.iter().enumerate() {
            let Some(q) = next.take() else { break };
            // Binding the next chunk's ~9,000 values overlaps SQLite executing this one:
            // the INSERT is handed to the connection's worker thread on its first poll.
            let (done, following) = tokio::join!(q.execute(&mut **tx), async {
                (k + 1 < chunks.len()).then(|| bind(k + 1))
            });
            next = following;
            let done = done?;
            let added = done.rows_affected() as i64;
            if added == 0 {
                // Every key was stored already (a re-run): all duplicates.
                continue;
            }
            let start = before;
            // The last row added has the largest id now.
            before = done.last_insert_rowid();
            if added == chunk.len() as i64 && before - start == added {
                // Every row went in and took the `added` ids right above `start`: one per
                // row, increasing in VALUES order.
                for (r, &i) in chunk.iter().enumerate() {
                    out[i] = Some(start + 1 + r as i64);
                }
                continue;
            }
            // Some keys were stored already or repeated: read back what this statement added
            // (only these rows cross over one by one).
            let added_ids: HashMap<String, i64> = sqlx::query_as::<_, (i64, String)>(
                "SELECT id, dedup_key FROM listen_events WHERE id > ?",
            )
            .bind(start)
            .fetch_all(&mut **tx)
            .await?
            .into_iter()
            .map(|(id, k)| (k, id))
            .collect();
            // The first row with an added key is the one stored; a repeat inside this chunk is
            // a duplicate. (A key stored by an earlier chunk was ignored here, so it is not
            // among the added rows.)
            let mut taken: HashSet<&str> = HashSet::new();
            for &i in chunk.iter() {
                if taken.insert(keys[i]) {
                    out[i] = added_ids.get(keys[i]).copied();
                }
            }
        }
        Ok(out)
    }
}
