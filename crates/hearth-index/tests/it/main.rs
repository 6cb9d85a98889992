//! Integration tests of hearth-index: one behavioural contract run against every implementation
//! (`contract`, and `pg` for PostgreSQL), HNSW recall and invariants (`hnsw`), persistence
//! (`persistence`) and the start-up policy (`policy`).

mod contract;
mod hnsw;
mod persistence;
#[cfg(feature = "pgvector")]
mod pg;
mod policy;
