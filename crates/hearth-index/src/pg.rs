//! `PgVectorIndex`: the scale-out adapter; vectors live in PostgreSQL and are searched there by a
//! pgvector HNSW index (`vector_cosine_ops`).
//!
//! One table per [`IndexKey`]: `track_vectors_<kind>_v<version>(track_id BIGINT PRIMARY KEY,
//! embedding vector(<dim>) NOT NULL)`, created when missing; an existing table of another
//! dimension is refused. Vectors are normalised in Rust before they are stored, so the cosine
//! distance pgvector computes matches the in-process indexes.
//!
//! Async/sync: the real work is in the `*_async` inherent methods (sqlx is async). The sync
//! [`VectorIndex`] port is implemented on top so the server can hold every index as
//! `Arc<dyn VectorIndex>`: inside a multi-threaded tokio runtime a call uses
//! `block_in_place` (the worker hands its other tasks away while it waits); outside any runtime
//! it blocks on the runtime the index was connected on. A current-thread runtime cannot block,
//! so there the port returns [`IndexError::Unavailable`] and callers use the async methods.
//!
//! pgvector specifics handled here: `hnsw.ef_search` (default 40) caps how many rows an index
//! scan returns, so each search raises it to at least k; exclusions are a `<> ALL($n)` filter,
//! and with pgvector ≥ 0.8 `hnsw.iterative_scan = relaxed_order` keeps scanning until enough rows
//! pass it (results are re-sorted here, since relaxed order may be slightly out of order). If
//! the index scan still comes back short, the query is repeated as an exact sequential scan, so
//! exclusions and filters never cost results.

use std::future::Future;

use sqlx::postgres::PgPool;
use sqlx::Row;

use crate::kernel::normalized;
use crate::port::{check_batch, check_k};
use crate::topk::{TopK, Worst};
use crate::{Hit, IndexError, IndexKey, SearchOptions, VectorIndex};

/// Tuning of the pgvector HNSW index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PgVectorParams {
    pub m: usize,
    pub ef_construction: usize,
    pub ef_search: usize,
}

impl Default for PgVectorParams {
    fn default() -> Self {
        PgVectorParams {
            m: 16,
            ef_construction: 64,
            ef_search: 64,
        }
    }
}

/// Rows per INSERT statement in batch upserts.
const INSERT_CHUNK: usize = 500;

fn db(e: sqlx::Error) -> IndexError {
    IndexError::Database(e.to_string())
}

/// pgvector's text format, `[x,y,...]`; `{}` on f32 prints the shortest round-tripping decimal.
fn literal(v: &[f32]) -> String {
    let mut s = String::with_capacity(v.len() * 10 + 2);
    s.push('[');
    for (i, x) in v.iter().enumerate() {
        if i > 0 {
            s.push(',');
        }
        s.push_str(&x.to_string());
    }
    s.push(']');
    s
}

/// A vector index inside PostgreSQL. See the module docs.
pub struct PgVectorIndex {
    key: IndexKey,
    pool: PgPool,
    table: String,
    params: PgVectorParams,
    /// pgvector ≥ 0.8: iterative index scans are available.
    iterative: bool,
    extension_version: String,
    runtime: tokio::runtime::Handle,
}

impl PgVectorIndex {
    /// Opens (creating if needed) the table and HNSW index of `key`. Must be called inside a
    /// tokio runtime; that runtime serves the sync port later.
    pub async fn connect(
        pool: PgPool,
        key: IndexKey,
        params: PgVectorParams,
    ) -> Result<Self, IndexError> {
        key.validate()?;
        let runtime = tokio::runtime::Handle::try_current()
            .map_err(|_| IndexError::Unavailable("connect outside a tokio runtime".into()))?;
        sqlx::query("CREATE EXTENSION IF NOT EXISTS vector")
            .execute(&pool)
            .await
            .map_err(|e| IndexError::Database(format!("enabling the pgvector extension: {e}")))?;
        let extension_version: String =
            sqlx::query_scalar("SELECT extversion FROM pg_extension WHERE extname = 'vector'")
                .fetch_one(&pool)
                .await
                .map_err(db)?;
        let iterative = version_at_least(&extension_version, 0, 8);
        let table = format!("track_vectors_{}", key.slug());
        // Identifiers cannot be bound as parameters; `slug` is [a-z0-9_] only (IndexKey::validate).
        sqlx::query(&format!(
            "CREATE TABLE IF NOT EXISTS {table} (track_id BIGINT PRIMARY KEY, \
             embedding vector({}) NOT NULL)",
            key.dim
        ))
        .execute(&pool)
        .await
        .map_err(db)?;
        let typmod: i32 = sqlx::query_scalar(
            "SELECT atttypmod FROM pg_attribute WHERE attrelid = $1::regclass \
             AND attname = 'embedding'",
        )
        .bind(&table)
        .fetch_one(&pool)
        .await
        .map_err(db)?;
        if typmod != key.dim as i32 {
            return Err(IndexError::invalid(
                "dim",
                format!(
                    "table {table} holds {typmod}-d vectors, the key says {}",
                    key.dim
                ),
            ));
        }
        let index = PgVectorIndex {
            key,
            pool,
            table,
            params,
            iterative,
            extension_version,
            runtime,
        };
        index.create_index().await?;
        Ok(index)
    }

    async fn create_index(&self) -> Result<(), IndexError> {
        sqlx::query(&format!(
            "CREATE INDEX IF NOT EXISTS {t}_hnsw ON {t} USING hnsw (embedding vector_cosine_ops) \
             WITH (m = {m}, ef_construction = {ef})",
            t = self.table,
            m = self.params.m,
            ef = self.params.ef_construction
        ))
        .execute(&self.pool)
        .await
        .map_err(db)?;
        Ok(())
    }

    /// The installed pgvector version (e.g. "0.8.0").
    pub fn extension_version(&self) -> &str {
        &self.extension_version
    }

    pub fn table(&self) -> &str {
        &self.table
    }

    pub async fn upsert_async(&self, id: i64, vector: &[f32]) -> Result<(), IndexError> {
        let unit = normalized(vector, self.key.dim, "vector")?;
        sqlx::query(&format!(
            "INSERT INTO {} (track_id, embedding) VALUES ($1, $2::vector) \
             ON CONFLICT (track_id) DO UPDATE SET embedding = EXCLUDED.embedding",
            self.table
        ))
        .bind(id)
        .bind(literal(&unit))
        .execute(&self.pool)
        .await
        .map_err(db)?;
        Ok(())
    }

    /// Upserts rows in one transaction (all or nothing); a repeated id: the last row wins.
    pub async fn upsert_batch_async(&self, ids: &[i64], vectors: &[f32]) -> Result<(), IndexError> {
        check_batch(&self.key, ids, vectors)?;
        let dim = self.key.dim;
        let mut rows: Vec<(i64, String)> = Vec::with_capacity(ids.len());
        for (i, (id, v)) in ids.iter().zip(vectors.chunks_exact(dim)).enumerate() {
            rows.push((*id, literal(&normalized(v, dim, &format!("vectors[{i}]"))?)));
        }
        // ON CONFLICT cannot touch one row twice in a statement: keep the last of each id.
        let mut seen = std::collections::HashSet::new();
        rows.reverse();
        rows.retain(|(id, _)| seen.insert(*id));
        rows.reverse();
        let mut tx = self.pool.begin().await.map_err(db)?;
        for chunk in rows.chunks(INSERT_CHUNK) {
            let (cid, cvec): (Vec<i64>, Vec<String>) = chunk.iter().cloned().unzip();
            sqlx::query(&format!(
                "INSERT INTO {} (track_id, embedding) \
                 SELECT i, v::vector FROM unnest($1::bigint[], $2::text[]) AS r(i, v) \
                 ON CONFLICT (track_id) DO UPDATE SET embedding = EXCLUDED.embedding",
                self.table
            ))
            .bind(cid)
            .bind(cvec)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        }
        tx.commit().await.map_err(db)
    }

    /// Replaces the table's contents and builds the HNSW index once at the end, which is far
    /// faster than maintaining it row by row (used for initial loads and the benchmark).
    pub async fn bulk_load_async(&self, ids: &[i64], vectors: &[f32]) -> Result<(), IndexError> {
        check_batch(&self.key, ids, vectors)?;
        sqlx::query(&format!("DROP INDEX IF EXISTS {}_hnsw", self.table))
            .execute(&self.pool)
            .await
            .map_err(db)?;
        sqlx::query(&format!("TRUNCATE {}", self.table))
            .execute(&self.pool)
            .await
            .map_err(db)?;
        self.upsert_batch_async(ids, vectors).await?;
        self.create_index().await
    }

    pub async fn delete_async(&self, id: i64) -> Result<bool, IndexError> {
        let r = sqlx::query(&format!("DELETE FROM {} WHERE track_id = $1", self.table))
            .bind(id)
            .execute(&self.pool)
            .await
            .map_err(db)?;
        Ok(r.rows_affected() > 0)
    }

    pub async fn contains_async(&self, id: i64) -> Result<bool, IndexError> {
        sqlx::query_scalar(&format!(
            "SELECT EXISTS (SELECT 1 FROM {} WHERE track_id = $1)",
            self.table
        ))
        .bind(id)
        .fetch_one(&self.pool)
        .await
        .map_err(db)
    }

    pub async fn len_async(&self) -> Result<usize, IndexError> {
        let n: i64 = sqlx::query_scalar(&format!("SELECT count(*) FROM {}", self.table))
            .fetch_one(&self.pool)
            .await
            .map_err(db)?;
        Ok(n as usize)
    }

    /// One query: up to `limit` rows nearest to `q` whose ids are not in `exclude`, via the
    /// HNSW index (`exact = false`) or a sequential scan (`exact = true`).
    async fn query(
        &self,
        q: &str,
        exclude: &[i64],
        limit: usize,
        ef: usize,
        exact: bool,
    ) -> Result<Vec<Hit>, IndexError> {
        let mut tx = self.pool.begin().await.map_err(db)?;
        // SET cannot take bind parameters; both values are integers we computed.
        let ef = ef.clamp(1, 1000);
        sqlx::query(&format!("SET LOCAL hnsw.ef_search = {ef}"))
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        if exact {
            sqlx::query("SET LOCAL enable_indexscan = off")
                .execute(&mut *tx)
                .await
                .map_err(db)?;
        } else if self.iterative {
            sqlx::query("SET LOCAL hnsw.iterative_scan = relaxed_order")
                .execute(&mut *tx)
                .await
                .map_err(db)?;
        }
        let sql = format!(
            "SELECT track_id, (1 - (embedding <=> $1::vector))::real AS score FROM {} \
             WHERE track_id <> ALL($2) ORDER BY embedding <=> $1::vector LIMIT $3",
            self.table
        );
        let rows = sqlx::query(&sql)
            .bind(q)
            .bind(exclude)
            .bind(limit as i64)
            .fetch_all(&mut *tx)
            .await
            .map_err(db)?;
        tx.commit().await.map_err(db)?;
        rows.iter()
            .map(|r| {
                Ok(Hit {
                    id: r.try_get::<i64, _>(0).map_err(db)?,
                    score: r.try_get::<f32, _>(1).map_err(db)?,
                })
            })
            .collect()
    }

    pub async fn search_async(
        &self,
        query: &[f32],
        k: usize,
        opts: &SearchOptions<'_>,
    ) -> Result<Vec<Hit>, IndexError> {
        check_k(k)?;
        let q = literal(&normalized(query, self.key.dim, "query")?);
        let exclude: Vec<i64> = opts
            .exclude
            .map(|e| e.iter().copied().collect())
            .unwrap_or_default();
        let ef = opts.ef_search.unwrap_or(self.params.ef_search);
        // A Rust filter cannot run in SQL: fetch more rows than k and filter here, widening
        // until k pass or the table is exhausted.
        let mut limit = if opts.filter.is_some() { k * 4 } else { k };
        let mut exact = false;
        loop {
            let rows = self
                .query(&q, &exclude, limit, ef.max(limit), exact)
                .await?;
            let exhausted = rows.len() < limit;
            let mut top = TopK::new(k);
            for h in rows {
                if opts.allows(h.id) {
                    top.push(Worst {
                        score: h.score,
                        id: h.id,
                        slot: 0,
                    });
                }
            }
            let hits = top.into_hits();
            if hits.len() == k || (exhausted && exact) {
                return Ok(hits);
            }
            if exhausted {
                // The approximate scan gave up early (filtered-out neighbourhood, scan caps):
                // confirm with an exact sequential scan.
                exact = true;
            } else {
                limit *= 4;
            }
        }
    }

    /// Runs a future to completion from sync code (see the module docs).
    fn block<F: Future>(&self, f: F) -> Result<F::Output, IndexError> {
        match tokio::runtime::Handle::try_current() {
            Ok(h) => match h.runtime_flavor() {
                tokio::runtime::RuntimeFlavor::MultiThread => {
                    Ok(tokio::task::block_in_place(|| h.block_on(f)))
                }
                _ => Err(IndexError::Unavailable(
                    "the sync VectorIndex port of PgVectorIndex cannot block a current-thread \
                     runtime; call the *_async methods"
                        .into(),
                )),
            },
            Err(_) => Ok(self.runtime.block_on(f)),
        }
    }
}

fn version_at_least(v: &str, major: u32, minor: u32) -> bool {
    let mut parts = v.split('.').map(|p| p.parse::<u32>().unwrap_or(0));
    let (a, b) = (parts.next().unwrap_or(0), parts.next().unwrap_or(0));
    (a, b) >= (major, minor)
}

impl VectorIndex for PgVectorIndex {
    fn key(&self) -> &IndexKey {
        &self.key
    }

    fn kind_name(&self) -> &'static str {
        "pgvector"
    }

    fn upsert(&self, id: i64, vector: &[f32]) -> Result<(), IndexError> {
        self.block(self.upsert_async(id, vector))?
    }

    fn upsert_batch(&self, ids: &[i64], vectors: &[f32]) -> Result<(), IndexError> {
        self.block(self.upsert_batch_async(ids, vectors))?
    }

    fn delete(&self, id: i64) -> Result<bool, IndexError> {
        self.block(self.delete_async(id))?
    }

    fn contains(&self, id: i64) -> Result<bool, IndexError> {
        self.block(self.contains_async(id))?
    }

    fn search(
        &self,
        query: &[f32],
        k: usize,
        opts: &SearchOptions<'_>,
    ) -> Result<Vec<Hit>, IndexError> {
        self.block(self.search_async(query, k, opts))?
    }

    fn len(&self) -> Result<usize, IndexError> {
        self.block(self.len_async())?
    }

    fn mem_bytes(&self) -> usize {
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literal_round_trips() {
        let v = [0.1f32, -2.5e-8, 1.0];
        let s = literal(&v);
        assert_eq!(s, "[0.1,-0.000000025,1]");
        let back: Vec<f32> = s[1..s.len() - 1]
            .split(',')
            .map(|x| x.parse().unwrap())
            .collect();
        assert_eq!(back, v);
    }

    #[test]
    fn version_compare() {
        assert!(version_at_least("0.8.0", 0, 8));
        assert!(version_at_least("1.0", 0, 8));
        assert!(!version_at_least("0.7.4", 0, 8));
    }
}
