//! The `VectorIndex` port: what the recommender needs from any nearest-neighbour index.

use std::collections::HashSet;

use serde::Serialize;

use crate::{IndexError, IndexKey};

/// One search result: a track and its cosine similarity to the query (in [-1, 1]).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Hit {
    pub id: i64,
    pub score: f32,
}

/// A caller-supplied predicate over track ids; only ids for which it returns `true` are returned.
pub type IdFilter<'a> = &'a (dyn Fn(i64) -> bool + Sync);

/// Per-query options. `Default` is "no exclusions, no filter, the index's own ef".
#[derive(Clone, Copy, Default)]
pub struct SearchOptions<'a> {
    /// Ids that must never be returned (e.g. a profile's known tracks). Honoured exactly.
    pub exclude: Option<&'a HashSet<i64>>,
    /// Extra predicate applied to every returned id. Honoured exactly.
    pub filter: Option<IdFilter<'a>>,
    /// Override of the approximate indexes' search breadth for this query (ignored by exact
    /// search). Larger is slower and more accurate.
    pub ef_search: Option<usize>,
}

impl<'a> SearchOptions<'a> {
    pub fn excluding(exclude: &'a HashSet<i64>) -> Self {
        SearchOptions {
            exclude: Some(exclude),
            ..Default::default()
        }
    }

    /// True when `id` may be returned.
    #[inline]
    pub fn allows(&self, id: i64) -> bool {
        self.exclude.is_none_or(|e| !e.contains(&id)) && self.filter.is_none_or(|f| f(id))
    }

    /// True when neither an exclusion set nor a filter is given.
    pub fn is_unrestricted(&self) -> bool {
        self.exclude.is_none_or(|e| e.is_empty()) && self.filter.is_none()
    }
}

impl std::fmt::Debug for SearchOptions<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SearchOptions")
            .field("exclude_len", &self.exclude.map(HashSet::len))
            .field("filter", &self.filter.is_some())
            .field("ef_search", &self.ef_search)
            .finish()
    }
}

/// A nearest-neighbour index over the L2-normalised vectors of one [`IndexKey`].
///
/// Object-safe so the server holds `Arc<dyn VectorIndex>`. Methods take `&self`: implementations
/// use interior locking so searches run concurrently with each other and with inserts.
/// Vectors are normalised on insert, so the score is the cosine similarity. Results are sorted
/// by score, best first, ties broken by lower id.
pub trait VectorIndex: Send + Sync {
    /// The vector space this index covers.
    fn key(&self) -> &IndexKey;

    /// A short name of the implementation (`"exact"`, `"exact-int8"`, `"hnsw"`, `"pgvector"`).
    fn kind_name(&self) -> &'static str;

    /// Inserts or replaces the vector of `id`.
    fn upsert(&self, id: i64, vector: &[f32]) -> Result<(), IndexError>;

    /// Inserts or replaces many vectors at once; `vectors` is row-major, `ids.len() × dim`.
    /// Implementations parallelise or batch this. When an id repeats, the last row wins.
    fn upsert_batch(&self, ids: &[i64], vectors: &[f32]) -> Result<(), IndexError> {
        check_batch(self.key(), ids, vectors)?;
        let dim = self.key().dim;
        for (id, v) in ids.iter().zip(vectors.chunks_exact(dim)) {
            self.upsert(*id, v)?;
        }
        Ok(())
    }

    /// Removes `id`; returns whether it was present. A deleted id never comes back in results.
    fn delete(&self, id: i64) -> Result<bool, IndexError>;

    /// Whether `id` is present.
    fn contains(&self, id: i64) -> Result<bool, IndexError>;

    /// The top `k` ids by cosine similarity to `query` that `opts` allows.
    fn search(
        &self,
        query: &[f32],
        k: usize,
        opts: &SearchOptions<'_>,
    ) -> Result<Vec<Hit>, IndexError>;

    /// Number of live vectors.
    fn len(&self) -> Result<usize, IndexError>;

    fn is_empty(&self) -> Result<bool, IndexError> {
        Ok(self.len()? == 0)
    }

    /// Bytes of process memory held by the index (0 for indexes that live in a database).
    fn mem_bytes(&self) -> usize;
}

/// Validates the shape of a row-major batch against `key`.
pub fn check_batch(key: &IndexKey, ids: &[i64], vectors: &[f32]) -> Result<(), IndexError> {
    if vectors.len() != ids.len() * key.dim {
        return Err(IndexError::invalid(
            "vectors",
            format!(
                "{} values for {} ids of dimension {} (expected {})",
                vectors.len(),
                ids.len(),
                key.dim,
                ids.len() * key.dim
            ),
        ));
    }
    Ok(())
}

/// Validates `k`; shared by all implementations so they reject the same inputs.
pub(crate) fn check_k(k: usize) -> Result<(), IndexError> {
    if k == 0 || k > 100_000 {
        return Err(IndexError::invalid(
            "k",
            format!("{k} is outside 1..=100000"),
        ));
    }
    Ok(())
}
