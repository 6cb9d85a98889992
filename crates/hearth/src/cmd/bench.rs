//! `hearth bench …` — repeatable benchmarks. Each prints a ratio against a baseline measured in
//! the same run, because these machines are shared and noisy.

use crate::settings::Settings;
use anyhow::{bail, Context};
use hearth_core::clock::SystemClock;
use hearth_server::AppState;
use serde::Serialize;
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(subcommand)]
    pub which: Which,
}

#[derive(clap::Subcommand, Debug)]
pub enum Which {
    /// Load-test `POST /api/history/webhook` over loopback (SQLite, and PostgreSQL with --pg-url).
    Webhook(WebhookArgs),
    /// Vector search: exact (f32, int8), HNSW and pgvector on synthetic clustered vectors.
    Index(IndexArgs),
    /// Audio analysis speed on a folder of music: tracks/s, × real time per CPU core, peak RSS.
    Analyze(AnalyzeArgs),
    /// Import a generated Spotify Extended Streaming History file into a fresh SQLite store.
    Import(ImportArgs),
    /// Recommendation latency over a synthetic 200k-track catalogue, and taste update cost.
    Recommend(super::bench_recommend::RecommendArgs),
}

#[derive(clap::Args, Debug)]
pub struct IndexArgs {
    /// A small run (20k × 128) for a quick check instead of 100k/200k × 512 and 1M × 64.
    #[arg(long)]
    pub quick: bool,
    /// Also benchmark pgvector in this PostgreSQL database.
    #[arg(long, env = "HEARTH_BENCH_PG_URL")]
    pub pg_url: Option<String>,
    /// Print JSON rows `{"kind", "n", "dim", "build_s", "qps_1t", "qps_2t", "p50_ms", "p99_ms", "recall_at_50", "mem_bytes"}`.
    #[arg(long)]
    pub json: bool,
}

#[derive(clap::Args, Debug)]
pub struct AnalyzeArgs {
    /// Folder of audio files (searched recursively).
    pub dir: std::path::PathBuf,
    /// Worker threads (0 = one per core).
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
    #[arg(long)]
    pub json: bool,
}

#[derive(clap::Args, Debug)]
pub struct ImportArgs {
    /// Rows in the generated file.
    #[arg(long, default_value_t = 1_000_000)]
    pub rows: usize,
    /// Generator seed (same seed, same file).
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
}

#[derive(clap::Args, Debug)]
pub struct WebhookArgs {
    /// Seconds of load per backend.
    #[arg(long, default_value_t = 20)]
    pub seconds: u64,
    /// Concurrent clients.
    #[arg(long, default_value_t = 16)]
    pub clients: usize,
    /// Also run against this PostgreSQL database (its tables are created if missing).
    #[arg(long, env = "HEARTH_BENCH_PG_URL")]
    pub pg_url: Option<String>,
    /// Print JSON rows instead of a table.
    #[arg(long)]
    pub json: bool,
}

pub async fn run(settings: Settings, args: Args) -> anyhow::Result<()> {
    match args.which {
        Which::Webhook(a) => webhook(settings, a).await,
        Which::Index(a) => index(a).await,
        Which::Analyze(a) => analyze(a).await,
        Which::Import(a) => import(a).await,
        Which::Recommend(a) => {
            tokio::task::spawn_blocking(move || super::bench_recommend::run(a)).await?
        }
    }
}

async fn index(a: IndexArgs) -> anyhow::Result<()> {
    let mut cfg = if a.quick {
        hearth_index::bench::BenchConfig::quick()
    } else {
        hearth_index::bench::BenchConfig::full()
    };
    cfg.pg_url = a.pg_url;
    cfg.progress = !a.json;
    // The benchmark drives its own threads (and its own runtime for pgvector): keep it off ours.
    let rows = tokio::task::spawn_blocking(move || hearth_index::bench::run(&cfg)).await??;
    if a.json {
        println!("{}", serde_json::to_string_pretty(&rows)?);
    } else {
        print!("{}", hearth_index::bench::render_table(&rows));
    }
    Ok(())
}

async fn analyze(a: AnalyzeArgs) -> anyhow::Result<()> {
    let dir = a.dir.clone();
    let report =
        tokio::task::spawn_blocking(move || hearth_audio::bench::bench_analyze(&dir, a.threads))
            .await?
            .with_context(|| format!("analysing {}", a.dir.display()))?;
    if a.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        println!("{report}");
    }
    Ok(())
}

#[derive(Serialize, Debug)]
struct Row {
    backend: String,
    endpoint: &'static str,
    clients: usize,
    seconds: f64,
    requests: u64,
    ok: u64,
    per_s: f64,
    p50_ms: f64,
    p99_ms: f64,
    /// Throughput relative to `GET /health` on the same server in the same run.
    ratio_vs_health: f64,
    /// Listens found in the store afterwards (must equal `ok`).
    stored: Option<i64>,
}

async fn webhook(settings: Settings, a: WebhookArgs) -> anyhow::Result<()> {
    if a.clients == 0 || a.seconds == 0 {
        bail!("--clients and --seconds must be at least 1");
    }
    let dir = tempfile::tempdir()?;
    let mut targets = vec![(
        "sqlite".to_string(),
        format!("sqlite:{}/bench.db", dir.path().display()),
    )];
    if let Some(pg) = &a.pg_url {
        targets.push(("postgres".to_string(), pg.clone()));
    }
    let mut rows = Vec::new();
    for (backend, url) in targets {
        let store = hearth_store::open(&url)
            .await
            .with_context(|| format!("cannot open {backend} store"))?;
        let before = store.status_counts().await?.listens;
        let state = AppState::new(
            store.clone(),
            settings.config.clone(),
            Arc::new(SystemClock),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(hearth_server::serve(listener, state, async {
            let _ = stop_rx.await;
        }));
        let base = format!("http://{addr}");
        let warm = Duration::from_secs(a.seconds.min(5));
        let health = drive(&base, a.clients, warm, Endpoint::Health).await?;
        let hooks = drive(
            &base,
            a.clients,
            Duration::from_secs(a.seconds),
            Endpoint::Webhook(backend.clone()),
        )
        .await?;
        let _ = stop_tx.send(());
        server.await??;
        let stored = store.status_counts().await?.listens - before;
        for (endpoint, m) in [
            ("GET /health", &health),
            ("POST /api/history/webhook", &hooks),
        ] {
            rows.push(Row {
                backend: backend.clone(),
                endpoint,
                clients: a.clients,
                seconds: m.elapsed.as_secs_f64(),
                requests: m.latencies_us.len() as u64,
                ok: m.ok,
                per_s: m.ok as f64 / m.elapsed.as_secs_f64(),
                p50_ms: percentile(&m.latencies_us, 0.50),
                p99_ms: percentile(&m.latencies_us, 0.99),
                ratio_vs_health: (m.ok as f64 / m.elapsed.as_secs_f64())
                    / (health.ok as f64 / health.elapsed.as_secs_f64()),
                stored: (endpoint != "GET /health").then_some(stored),
            });
        }
        if stored != hooks.ok as i64 {
            bail!(
                "{backend}: {} listens were acknowledged but {stored} are stored",
                hooks.ok
            );
        }
    }
    if a.json {
        println!("{}", serde_json::to_string_pretty(&rows)?);
    } else {
        println!(
            "{:<9} {:<26} {:>7} {:>9} {:>10} {:>8} {:>8} {:>9} {:>8}",
            "backend",
            "endpoint",
            "clients",
            "requests",
            "per s",
            "p50 ms",
            "p99 ms",
            "x health",
            "stored"
        );
        for r in &rows {
            println!(
                "{:<9} {:<26} {:>7} {:>9} {:>10.0} {:>8.2} {:>8.2} {:>9.2} {:>8}",
                r.backend,
                r.endpoint,
                r.clients,
                r.requests,
                r.per_s,
                r.p50_ms,
                r.p99_ms,
                r.ratio_vs_health,
                r.stored
                    .map(|s| s.to_string())
                    .unwrap_or_else(|| "-".into())
            );
        }
        println!("every acknowledged listen was found in the store afterwards");
    }
    Ok(())
}

enum Endpoint {
    Health,
    Webhook(String),
}

struct Measured {
    elapsed: Duration,
    ok: u64,
    latencies_us: Vec<u32>,
}

async fn drive(
    base: &str,
    clients: usize,
    dur: Duration,
    endpoint: Endpoint,
) -> anyhow::Result<Measured> {
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(clients)
        .build()?;
    let start = Instant::now();
    let deadline = start + dur;
    let endpoint = Arc::new(endpoint);
    let mut tasks = Vec::with_capacity(clients);
    for c in 0..clients {
        let http = http.clone();
        let base = base.to_string();
        let endpoint = endpoint.clone();
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::with_capacity(100_000);
            let mut ok = 0u64;
            let mut n = 0u64;
            while Instant::now() < deadline {
                let t = Instant::now();
                let res = match &*endpoint {
                    Endpoint::Health => http.get(format!("{base}/health")).send().await,
                    Endpoint::Webhook(tag) => {
                        // Distinct tracks so that deduplication never hides a write.
                        let body = serde_json::json!({
                            "title": format!("Bench {tag} {c}-{n}"),
                            "artist": format!("Bench Artist {}", n % 500),
                            "album": "Bench",
                            "speaker_name": "Bench speaker",
                        });
                        http.post(format!("{base}/api/history/webhook"))
                            .json(&body)
                            .send()
                            .await
                    }
                };
                lat.push(t.elapsed().as_micros().min(u128::from(u32::MAX)) as u32);
                if matches!(&res, Ok(r) if r.status().is_success()) {
                    ok += 1;
                }
                n += 1;
            }
            (ok, lat)
        }));
    }
    let mut ok = 0;
    let mut latencies_us = Vec::new();
    for t in tasks {
        let (o, l) = t.await?;
        ok += o;
        latencies_us.extend(l);
    }
    Ok(Measured {
        elapsed: start.elapsed(),
        ok,
        latencies_us,
    })
}

fn percentile(v: &[u32], q: f64) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    let mut s = v.to_vec();
    s.sort_unstable();
    let idx = ((s.len() - 1) as f64 * q).round() as usize;
    f64::from(s[idx]) / 1000.0
}

/// Generates the file, measures a parse-only pass (the baseline: the parser alone), then the
/// full import into a fresh SQLite store, and prints both rates, their ratio and peak RSS.
async fn import(a: ImportArgs) -> anyhow::Result<()> {
    use hearth_sources::bench_data::{generate_spotify_extended, parse_throughput, peak_rss_bytes};
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("Streaming_History_Audio_bench.json");
    {
        let file = std::fs::File::create(&path)?;
        generate_spotify_extended(
            a.rows,
            a.seed,
            std::io::BufWriter::with_capacity(1 << 20, file),
        )?;
    }
    let size = std::fs::metadata(&path)?.len();
    println!(
        "generated {} rows ({:.1} MB) in {}",
        a.rows,
        size as f64 / 1e6,
        path.display()
    );
    let parse = {
        let path = path.clone();
        tokio::task::spawn_blocking(move || -> anyhow::Result<_> {
            let file = std::fs::File::open(&path)?;
            Ok(parse_throughput(&path.display().to_string(), file)?)
        })
        .await??
    };
    let store = hearth_store::open(&format!("sqlite:{}/bench.db", dir.path().display())).await?;
    let (profile, _) = store
        .ensure_profile("default", hearth_core::clock::Clock::now_ms(&SystemClock))
        .await?;
    let start = Instant::now();
    let report = hearth_server::pipeline::import::run_import(
        store.clone(),
        hearth_server::hooks::ListenHooks::default(),
        vec![path.clone()],
        hearth_sources::FormatRequest::Auto,
        profile.id,
        |_| {},
    )
    .await?;
    let elapsed = start.elapsed().as_secs_f64();
    let stored = store.status_counts().await?.listens;
    let t = &report.total;
    let rows = t.listens + t.skipped_total() + t.rejected;
    let import_rate = rows as f64 / elapsed;
    println!(
        "parse only (baseline): {:>10.0} rows/s  ({} rows in {:.2} s)",
        parse.rows_per_s(),
        parse.rows,
        parse.elapsed.as_secs_f64()
    );
    println!("import into SQLite:    {:>10.0} rows/s  ({} rows in {:.2} s; {} listens stored, {} duplicate, {} skipped, {} rejected)", import_rate, rows, elapsed, t.imported, t.duplicate, t.skipped_total(), t.rejected);
    println!(
        "import / parse ratio:  {:>10.3}",
        import_rate / parse.rows_per_s()
    );
    println!(
        "peak RSS:              {:>10.1} MB",
        peak_rss_bytes()? as f64 / (1024.0 * 1024.0)
    );
    if stored as u64 != t.imported {
        bail!(
            "{} listens reported imported but {stored} are stored",
            t.imported
        );
    }
    Ok(())
}
