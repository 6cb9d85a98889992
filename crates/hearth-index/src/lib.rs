//! hearth-index owns nearest-neighbour search over track vectors (SPEC §7.1): the
//! [`VectorIndex`] port and its implementations — [`ExactIndex`] (brute force, f32 or int8
//! with f32 re-ranking), [`HnswIndex`] (our own HNSW graph with filtered search and checksummed
//! persistence) and, behind the `pgvector` feature, [`PgVectorIndex`] (a pgvector HNSW index
//! inside PostgreSQL) — plus the policy that picks one at start-up ([`policy`]) and the
//! `hearth bench index` benchmark ([`bench`]).
//!
//! Every index covers exactly one [`IndexKey`] (vector kind, extractor version, dimension), so
//! vectors of different versions are never compared. Vectors are L2-normalised on insert and
//! scores are cosine similarities. This crate depends on `hearth-core` only for domain
//! identifiers; it must not depend on the store, the server or the audio pipeline — the caller
//! feeds it `(track id, vector)` pairs.

pub mod bench;
mod error;
mod exact;
mod hnsw;
mod kernel;
mod key;
mod persist;
#[cfg(feature = "pgvector")]
mod pg;
pub mod policy;
mod port;
pub mod synth;
mod topk;

pub use error::IndexError;
pub use exact::{ExactIndex, ExactStorage};
pub use hnsw::{HnswIndex, HnswParams};
pub use kernel::{dot, normalized};
pub use key::{IndexKey, MAX_DIM};
#[cfg(feature = "pgvector")]
pub use pg::{PgVectorIndex, PgVectorParams};
pub use policy::{IndexPolicy, IndexSet, Provenance, StartupIndex, StoreSnapshot};
pub use port::{check_batch, Hit, IdFilter, SearchOptions, VectorIndex};
