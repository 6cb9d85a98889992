//! `hearth bench index`: builds every index kind on synthetic clustered vectors and measures
//! build time, memory, throughput on 1 and 2 threads, top-k latency and recall against exact
//! search. Speed is reported as a ratio against the exact-f32 index measured in the same run.
//!
//! [`run`] blocks for minutes at full size; call it from sync code (or `spawn_blocking`). It
//! reads `/proc/self/status` for the process's peak memory (Linux; elsewhere that column is
//! empty). With a PostgreSQL URL it also benchmarks [`crate::PgVectorIndex`] on a scratch table
//! (`track_vectors_bench_v<n>`), which it drops afterwards.

use std::collections::HashSet;
use std::time::Instant;

use serde::Serialize;

use crate::synth::Clustered;
use crate::{
    ExactIndex, ExactStorage, HnswIndex, HnswParams, IndexError, IndexKey, SearchOptions,
    VectorIndex,
};

/// What to benchmark.
#[derive(Debug, Clone)]
pub struct BenchConfig {
    /// (n, dim) pairs.
    pub sizes: Vec<(usize, usize)>,
    /// Queries per measurement (drawn from the same clusters, not from the data).
    pub queries: usize,
    /// Results per query (recall is measured at this k).
    pub k: usize,
    pub hnsw: HnswParams,
    /// PostgreSQL URL for the pgvector rows; `None` skips them.
    pub pg_url: Option<String>,
    /// pgvector rows are skipped for sizes above this n (its build is much slower).
    pub pg_max_n: usize,
    pub seed: u64,
    /// Print progress lines to stderr.
    pub progress: bool,
}

impl BenchConfig {
    /// The sizes of issue #5: 100k and 200k at 512-d, 1M at 64-d.
    pub fn full() -> Self {
        BenchConfig {
            sizes: vec![(100_000, 512), (200_000, 512), (1_000_000, 64)],
            queries: 300,
            k: 50,
            hnsw: HnswParams::default(),
            pg_url: None,
            pg_max_n: usize::MAX,
            seed: 0x5EED,
            progress: true,
        }
    }

    /// A CI smoke run: seconds, not minutes.
    pub fn quick() -> Self {
        BenchConfig {
            sizes: vec![(20_000, 128)],
            queries: 100,
            ..Self::full()
        }
    }
}

/// One measured (kind, size). Field names are the `--json` output format.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BenchRow {
    /// "exact" | "exact-int8" | "hnsw" | "pgvector".
    pub kind: String,
    pub n: usize,
    pub dim: usize,
    /// Seconds to insert all vectors (and build the graph / database index).
    pub build_s: f64,
    /// Queries per second with one search thread.
    pub qps_1t: f64,
    /// Queries per second with two concurrent search threads.
    pub qps_2t: f64,
    /// Latency of one top-k query issued alone (intra-query parallelism allowed).
    pub p50_ms: f64,
    pub p99_ms: f64,
    /// Mean fraction of the exact top-k found.
    pub recall_at_50: f64,
    /// Memory held by the index itself (in-process), or the table plus index size on disk
    /// (pgvector).
    pub mem_bytes: u64,
    /// Growth of the process's peak resident memory while building and querying this index.
    #[serde(skip)]
    pub peak_rss_delta_bytes: Option<u64>,
}

fn note(cfg: &BenchConfig, msg: &str) {
    if cfg.progress {
        eprintln!("[bench index] {msg}");
    }
}

/// Reads a `Vm*` line of `/proc/self/status`, in bytes. `None` off Linux.
fn proc_status_bytes(field: &str) -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = s.lines().find(|l| l.starts_with(field))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// Starts a peak-memory window: resets the kernel's high-water mark (`clear_refs` value 5) and
/// returns the current RSS. If the reset is not permitted the window spans the process life.
fn rss_window_start() -> Option<u64> {
    // Failing to reset only widens the window; the measurement stays an upper bound.
    if std::fs::write("/proc/self/clear_refs", "5").is_err() {
        return None;
    }
    proc_status_bytes("VmRSS:")
}

fn rss_window_delta(start: Option<u64>) -> Option<u64> {
    let start = start?;
    Some(proc_status_bytes("VmHWM:")?.saturating_sub(start))
}

fn percentile(sorted_ms: &[f64], p: f64) -> f64 {
    if sorted_ms.is_empty() {
        return 0.0;
    }
    let i = ((sorted_ms.len() as f64 - 1.0) * p).round() as usize;
    sorted_ms[i]
}

/// Makes an empty in-process index to benchmark.
type MakeIndex<'a> = Box<dyn Fn() -> Result<Box<dyn VectorIndex>, IndexError> + 'a>;

/// Query-side measurements of one index.
struct Measured {
    qps_1t: f64,
    qps_2t: f64,
    p50_ms: f64,
    p99_ms: f64,
    recall: f64,
    /// Ids returned per query (the exact index's become the ground truth).
    results: Vec<Vec<i64>>,
}

/// Measures queries on one index: latency (sequential), throughput on 1 and 2 threads, recall.
fn measure(
    cfg: &BenchConfig,
    index: &dyn VectorIndex,
    queries: &[f32],
    dim: usize,
    truth: &[HashSet<i64>],
) -> Result<Measured, IndexError> {
    use rayon::prelude::*;
    let opts = SearchOptions::default();
    let mut lat = Vec::new();
    let mut results = Vec::new();
    for q in queries.chunks_exact(dim) {
        let t = Instant::now();
        let hits = index.search(q, cfg.k, &opts)?;
        lat.push(t.elapsed().as_secs_f64() * 1000.0);
        results.push(hits.iter().map(|h| h.id).collect::<Vec<_>>());
    }
    lat.sort_by(f64::total_cmp);
    let mut qps = [0.0; 2];
    for (slot, threads) in [1usize, 2].into_iter().enumerate() {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .map_err(|e| IndexError::Unavailable(format!("thread pool: {e}")))?;
        let t = Instant::now();
        pool.install(|| {
            queries
                .par_chunks_exact(dim)
                .try_for_each(|q| index.search(q, cfg.k, &opts).map(|_| ()))
        })?;
        qps[slot] = (queries.len() / dim) as f64 / t.elapsed().as_secs_f64();
    }
    let recall = if truth.is_empty() {
        1.0
    } else {
        let found: usize = results
            .iter()
            .zip(truth)
            .map(|(r, t)| r.iter().filter(|id| t.contains(id)).count())
            .sum();
        let total: usize = truth.iter().map(HashSet::len).sum();
        found as f64 / total.max(1) as f64
    };
    Ok(Measured {
        qps_1t: qps[0],
        qps_2t: qps[1],
        p50_ms: percentile(&lat, 0.5),
        p99_ms: percentile(&lat, 0.99),
        recall,
        results,
    })
}

/// Runs the benchmark; one row per (kind, size), exact first.
pub fn run(cfg: &BenchConfig) -> Result<Vec<BenchRow>, IndexError> {
    let mut rows = Vec::new();
    #[cfg(feature = "pgvector")]
    let pg = match &cfg.pg_url {
        Some(url) => Some(pg_bench::PgBench::connect(url)?),
        None => None,
    };
    #[cfg(not(feature = "pgvector"))]
    if cfg.pg_url.is_some() {
        return Err(IndexError::Unavailable(
            "built without the `pgvector` feature".into(),
        ));
    }
    for &(n, dim) in &cfg.sizes {
        note(cfg, &format!("generating {n} × {dim} clustered vectors"));
        let clusters = (n / 1000).clamp(16, 1000);
        let gen = Clustered::new(dim, clusters, cfg.seed).generator();
        let data = gen.points(n, 0);
        let queries = gen.points(cfg.queries, 1);
        let ids: Vec<i64> = (0..n as i64).collect();
        let key = IndexKey::new("bench", 1, dim)?;
        let mut truth: Vec<HashSet<i64>> = Vec::new();

        let kinds: [(&str, MakeIndex<'_>); 3] = [
            (
                "exact",
                Box::new(|| Ok(Box::new(ExactIndex::new(key.clone(), ExactStorage::F32)?))),
            ),
            (
                "exact-int8",
                Box::new(|| Ok(Box::new(ExactIndex::new(key.clone(), ExactStorage::Int8)?))),
            ),
            (
                "hnsw",
                Box::new(|| Ok(Box::new(HnswIndex::new(key.clone(), cfg.hnsw)?))),
            ),
        ];
        for (name, make) in kinds {
            note(cfg, &format!("{name}: building {n} × {dim}"));
            let window = rss_window_start();
            let index = make()?;
            let t = Instant::now();
            for (cid, cv) in ids.chunks(50_000).zip(data.chunks(50_000 * dim)) {
                index.upsert_batch(cid, cv)?;
            }
            let build_s = t.elapsed().as_secs_f64();
            note(cfg, &format!("{name}: built in {build_s:.1} s; querying"));
            let m = measure(cfg, index.as_ref(), &queries, dim, &truth)?;
            rows.push(BenchRow {
                kind: name.to_string(),
                n,
                dim,
                build_s,
                qps_1t: m.qps_1t,
                qps_2t: m.qps_2t,
                p50_ms: m.p50_ms,
                p99_ms: m.p99_ms,
                recall_at_50: m.recall,
                mem_bytes: index.mem_bytes() as u64,
                peak_rss_delta_bytes: rss_window_delta(window),
            });
            if truth.is_empty() {
                truth = m
                    .results
                    .into_iter()
                    .map(|r| r.into_iter().collect())
                    .collect();
            }
            drop(index);
        }
        #[cfg(feature = "pgvector")]
        if let Some(pg) = &pg {
            if n <= cfg.pg_max_n {
                note(
                    cfg,
                    &format!("pgvector: loading {n} × {dim} and building its HNSW index"),
                );
                let index = pg.index(dim)?;
                let t = Instant::now();
                pg.bulk_load(&index, &ids, &data)?;
                let build_s = t.elapsed().as_secs_f64();
                note(cfg, &format!("pgvector: built in {build_s:.1} s; querying"));
                let m = measure(cfg, &index, &queries, dim, &truth)?;
                rows.push(BenchRow {
                    kind: "pgvector".into(),
                    n,
                    dim,
                    build_s,
                    qps_1t: m.qps_1t,
                    qps_2t: m.qps_2t,
                    p50_ms: m.p50_ms,
                    p99_ms: m.p99_ms,
                    recall_at_50: m.recall,
                    mem_bytes: pg.relation_bytes(&index)?,
                    peak_rss_delta_bytes: None,
                });
                pg.drop_table(&index)?;
            } else {
                note(cfg, &format!("pgvector: skipped at n = {n} (> pg_max_n)"));
            }
        }
    }
    Ok(rows)
}

/// A fixed-width table of `rows`, with each kind's speed relative to exact f32 at the same size
/// (p50 latency ratio and 2-thread throughput ratio) and memory relative to the raw vectors.
pub fn render_table(rows: &[BenchRow]) -> String {
    let mut out = format!(
        "{:<11} {:>9} {:>5} {:>9} {:>9} {:>9} {:>8} {:>8} {:>9} {:>9} {:>8} {:>9} {:>10} {:>9}\n",
        "kind",
        "n",
        "dim",
        "build_s",
        "qps_1t",
        "qps_2t",
        "p50_ms",
        "p99_ms",
        "recall@k",
        "mem_MiB",
        "mem/raw",
        "peak_MiB",
        "p50_speedup",
        "qps_ratio"
    );
    for r in rows {
        let base = rows
            .iter()
            .find(|b| b.kind == "exact" && b.n == r.n && b.dim == r.dim);
        let (speedup, qps_ratio) = match base {
            Some(b) => (
                format!("{:.1}×", b.p50_ms / r.p50_ms.max(1e-9)),
                format!("{:.1}×", r.qps_2t / b.qps_2t.max(1e-9)),
            ),
            None => ("-".into(), "-".into()),
        };
        let raw = (r.n * r.dim * 4) as f64;
        let mib = |b: u64| b as f64 / (1024.0 * 1024.0);
        out.push_str(&format!(
            "{:<11} {:>9} {:>5} {:>9.2} {:>9.1} {:>9.1} {:>8.3} {:>8.3} {:>9.4} {:>9.1} {:>8.2} {:>9} {:>10} {:>9}\n",
            r.kind,
            r.n,
            r.dim,
            r.build_s,
            r.qps_1t,
            r.qps_2t,
            r.p50_ms,
            r.p99_ms,
            r.recall_at_50,
            mib(r.mem_bytes),
            r.mem_bytes as f64 / raw,
            r.peak_rss_delta_bytes
                .map_or("-".to_string(), |b| format!("{:.1}", mib(b))),
            speedup,
            qps_ratio
        ));
    }
    out
}

#[cfg(feature = "pgvector")]
mod pg_bench {
    use super::*;
    use crate::{PgVectorIndex, PgVectorParams};

    /// A runtime and pool dedicated to the benchmark's pgvector rows.
    pub struct PgBench {
        rt: tokio::runtime::Runtime,
        pool: sqlx::PgPool,
    }

    impl PgBench {
        pub fn connect(url: &str) -> Result<Self, IndexError> {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .map_err(|e| IndexError::Unavailable(format!("tokio runtime: {e}")))?;
            let pool = rt
                .block_on(
                    sqlx::postgres::PgPoolOptions::new()
                        .max_connections(4)
                        // Index builds need room: pgvector's build is much slower once the
                        // graph no longer fits in maintenance_work_mem.
                        .after_connect(|conn, _| {
                            Box::pin(async move {
                                use sqlx::Executor;
                                conn.execute("SET maintenance_work_mem = '2GB'").await?;
                                Ok(())
                            })
                        })
                        .connect(url),
                )
                .map_err(|e| IndexError::Database(format!("connecting to {url}: {e}")))?;
            Ok(PgBench { rt, pool })
        }

        pub fn index(&self, dim: usize) -> Result<PgVectorIndex, IndexError> {
            let key = IndexKey::new("bench", dim as u32, dim)?;
            let pool = self.pool.clone();
            let idx = self.rt.block_on(async move {
                sqlx::query(&format!(
                    "DROP TABLE IF EXISTS track_vectors_{}",
                    key.slug()
                ))
                .execute(&pool)
                .await
                .map_err(|e| IndexError::Database(e.to_string()))?;
                PgVectorIndex::connect(pool, key, PgVectorParams::default()).await
            })?;
            Ok(idx)
        }

        pub fn bulk_load(
            &self,
            index: &PgVectorIndex,
            ids: &[i64],
            data: &[f32],
        ) -> Result<(), IndexError> {
            self.rt.block_on(index.bulk_load_async(ids, data))
        }

        pub fn relation_bytes(&self, index: &PgVectorIndex) -> Result<u64, IndexError> {
            let n: i64 = self
                .rt
                .block_on(
                    sqlx::query_scalar("SELECT pg_total_relation_size($1::regclass)")
                        .bind(index.table())
                        .fetch_one(&self.pool),
                )
                .map_err(|e| IndexError::Database(e.to_string()))?;
            Ok(n as u64)
        }

        pub fn drop_table(&self, index: &PgVectorIndex) -> Result<(), IndexError> {
            self.rt
                .block_on(
                    sqlx::query(&format!("DROP TABLE IF EXISTS {}", index.table()))
                        .execute(&self.pool),
                )
                .map_err(|e| IndexError::Database(e.to_string()))?;
            Ok(())
        }
    }
}
