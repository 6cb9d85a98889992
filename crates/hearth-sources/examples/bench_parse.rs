//! Parse-only import throughput on a generated Spotify Extended Streaming History file.
//!
//! `cargo run --release -p hearth-sources --example bench_parse -- [rows] [seed]`
//! (default 1,000,000 rows). Prints rows/s, MB/s, the ratio against a plain read of the same
//! file measured in the same run (the I/O baseline), rows per CPU-second, and the process's
//! peak RSS.

use std::io::Read;
use std::time::Instant;

use hearth_sources::bench_data::{
    generate_spotify_extended, parse_throughput, peak_rss_bytes, thread_cpu_ns,
};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let rows: usize = args
        .next()
        .map(|s| s.parse())
        .transpose()?
        .unwrap_or(1_000_000);
    let seed: u64 = args.next().map(|s| s.parse()).transpose()?.unwrap_or(42);
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("Streaming_History_Audio_bench.json");

    let t = Instant::now();
    generate_spotify_extended(rows, seed, std::fs::File::create(&path)?)?;
    let size = std::fs::metadata(&path)?.len();
    println!(
        "generated {rows} rows, {:.1} MB in {:.2} s",
        size as f64 / 1e6,
        t.elapsed().as_secs_f64()
    );

    // Baseline: reading the bytes, nothing else.
    let t = Instant::now();
    let mut file = std::io::BufReader::with_capacity(256 * 1024, std::fs::File::open(&path)?);
    let mut buf = vec![0u8; 256 * 1024];
    let mut total = 0u64;
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        total += n as u64;
    }
    let read_s = t.elapsed().as_secs_f64();

    let cpu0 = thread_cpu_ns()?;
    let stats = parse_throughput(
        "Streaming_History_Audio_bench.json",
        std::fs::File::open(&path)?,
    )?;
    let cpu_s = (thread_cpu_ns()? - cpu0) as f64 / 1e9;
    assert_eq!(total, stats.bytes);
    let parse_s = stats.elapsed.as_secs_f64();
    println!(
        "parsed {} rows ({} listens, {} skip events, {} skipped, {} rejected) in {parse_s:.2} s",
        stats.rows, stats.listens, stats.skip_events, stats.skipped, stats.rejected
    );
    println!(
        "parse: {:.0} rows/s, {:.0} MB/s; plain read: {:.0} MB/s; parse/read time ratio {:.1}x",
        stats.rows_per_s(),
        stats.bytes as f64 / 1e6 / parse_s,
        total as f64 / 1e6 / read_s,
        parse_s / read_s
    );
    // On a shared machine wall time includes waiting for a core; CPU time does not.
    println!(
        "parse CPU time {cpu_s:.2} s: {:.0} rows/s per core",
        stats.rows as f64 / cpu_s
    );
    println!("peak RSS: {:.1} MB", peak_rss_bytes()? as f64 / 1e6);
    Ok(())
}
