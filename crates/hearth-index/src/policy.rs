//! Start-up policy: which index serves a vector kind, and whether it is loaded from disk or
//! rebuilt from the store.
//!
//! Below `exact_below` vectors an exact scan is both fast enough and perfectly accurate, so the
//! policy builds an [`ExactIndex`] from the store (no file). Above it, an [`HnswIndex`] is loaded
//! from its file when the file is intact and was built from the store as it is now (same key and
//! fingerprint, same count); otherwise it is rebuilt from the store and saved again. A corrupt or
//! stale file is never trusted.
//!
//! An index that grows past the threshold while the server runs stays exact (still correct,
//! just slower) until the next start-up applies the policy again.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::persist::Checksum64;
use crate::{ExactIndex, ExactStorage, HnswIndex, HnswParams, IndexError, IndexKey, VectorIndex};

/// Which in-process index to use for how many vectors.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct IndexPolicy {
    /// Catalogues with fewer live vectors than this use exact search.
    pub exact_below: usize,
    /// Storage of the exact index (int8 scans 4× less memory per query).
    pub exact_storage: ExactStorage,
    pub hnsw: HnswParams,
}

impl Default for IndexPolicy {
    fn default() -> Self {
        IndexPolicy {
            exact_below: 20_000,
            exact_storage: ExactStorage::F32,
            hnsw: HnswParams::default(),
        }
    }
}

/// What the store holds for one key right now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoreSnapshot {
    /// Number of vectors the store has for the key.
    pub count: usize,
    /// A summary of the store's contents; any write must change it (see [`store_fingerprint`]).
    pub fingerprint: u64,
}

/// Mixes the parts that identify the store's state (e.g. count, largest `updated_at_ms`, largest
/// row id) into a fingerprint for [`StoreSnapshot`].
pub fn store_fingerprint(parts: &[u64]) -> u64 {
    let mut h = Checksum64::new();
    for p in parts {
        h.update(&p.to_le_bytes());
    }
    h.finish()
}

/// How the start-up index came to be.
#[derive(Debug, Clone, PartialEq)]
pub enum Provenance {
    /// Small catalogue: exact index built from the store.
    BuiltExact,
    /// HNSW loaded from its file.
    Loaded,
    /// HNSW rebuilt from the store; `reason` says why the file was not used. `save_error`
    /// reports a failure to write the new file (the index is usable; the next start rebuilds).
    Rebuilt {
        reason: String,
        save_error: Option<String>,
    },
}

/// The index chosen at start-up and how it was obtained.
pub struct StartupIndex {
    pub index: Arc<dyn VectorIndex>,
    pub provenance: Provenance,
}

impl IndexPolicy {
    /// An empty index of the kind this policy picks for `count` vectors.
    pub fn empty_for(
        &self,
        key: &IndexKey,
        count: usize,
    ) -> Result<Arc<dyn VectorIndex>, IndexError> {
        Ok(if count < self.exact_below {
            Arc::new(ExactIndex::new(key.clone(), self.exact_storage)?)
        } else {
            Arc::new(HnswIndex::new(key.clone(), self.hnsw)?)
        })
    }

    /// Loads or rebuilds the index of `key`. `fill` streams the store's vectors into the index
    /// it is given (e.g. pages of `upsert_batch`); it is called only when a build is needed.
    pub fn load_or_rebuild(
        &self,
        path: &Path,
        key: &IndexKey,
        store: StoreSnapshot,
        fill: impl FnOnce(&dyn VectorIndex) -> Result<(), IndexError>,
    ) -> Result<StartupIndex, IndexError> {
        key.validate()?;
        if store.count < self.exact_below {
            let index = ExactIndex::new(key.clone(), self.exact_storage)?;
            fill(&index)?;
            return Ok(StartupIndex {
                index: Arc::new(index),
                provenance: Provenance::BuiltExact,
            });
        }
        let reason = match HnswIndex::load(path, key, store.fingerprint) {
            Ok(index) if index.len()? == store.count => {
                return Ok(StartupIndex {
                    index: Arc::new(index),
                    provenance: Provenance::Loaded,
                })
            }
            Ok(index) => format!(
                "file holds {} vectors, the store {}",
                index.len()?,
                store.count
            ),
            Err(e) if e.means_rebuild() => e.to_string(),
            Err(e) => return Err(e),
        };
        let index = HnswIndex::new(key.clone(), self.hnsw)?;
        fill(&index)?;
        let save_error = index
            .save(path, store.fingerprint)
            .err()
            .map(|e| e.to_string());
        Ok(StartupIndex {
            index: Arc::new(index),
            provenance: Provenance::Rebuilt { reason, save_error },
        })
    }

    /// The file an index of `key` is kept in under `dir`.
    pub fn index_path(dir: &Path, key: &IndexKey) -> PathBuf {
        dir.join(format!("{}_{}d.hnsw", key.slug(), key.dim))
    }
}

/// The live indexes, one per [`IndexKey`]. Looking up a key that has no index is an error, so a
/// query can never be answered from vectors of another kind or version.
#[derive(Default, Clone)]
pub struct IndexSet {
    indexes: HashMap<IndexKey, Arc<dyn VectorIndex>>,
}

impl IndexSet {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds or replaces the index of its key; returns the one it replaced.
    pub fn insert(&mut self, index: Arc<dyn VectorIndex>) -> Option<Arc<dyn VectorIndex>> {
        self.indexes.insert(index.key().clone(), index)
    }

    /// The index of exactly this key.
    pub fn get(&self, key: &IndexKey) -> Result<Arc<dyn VectorIndex>, IndexError> {
        self.indexes
            .get(key)
            .cloned()
            .ok_or_else(|| IndexError::NotFound(key.to_string()))
    }

    /// The newest version of `kind` that has an index.
    pub fn latest(&self, kind: &str) -> Option<Arc<dyn VectorIndex>> {
        self.indexes
            .iter()
            .filter(|(k, _)| k.kind == kind)
            .max_by_key(|(k, _)| k.version)
            .map(|(_, v)| v.clone())
    }

    pub fn keys(&self) -> impl Iterator<Item = &IndexKey> {
        self.indexes.keys()
    }
}
