//! Runs the index benchmark: `cargo run -p hearth-index --release --example bench -- [--quick]
//! [--json] [--pg-url URL] [--sizes 100000x512,200000x512]`.

use hearth_index::bench::{render_table, run, BenchConfig};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut cfg = if args.iter().any(|a| a == "--quick") {
        BenchConfig::quick()
    } else {
        BenchConfig::full()
    };
    let json = args.iter().any(|a| a == "--json");
    let value = |flag: &str| {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1))
    };
    if let Some(url) = value("--pg-url") {
        cfg.pg_url = Some(url.clone());
    }
    if let Some(s) = value("--sizes") {
        cfg.sizes = s
            .split(',')
            .map(|p| {
                let (n, d) = p.split_once('x').ok_or("sizes are NxDIM")?;
                Ok::<_, Box<dyn std::error::Error>>((n.parse()?, d.parse()?))
            })
            .collect::<Result<_, _>>()?;
    }
    if let Some(q) = value("--queries") {
        cfg.queries = q.parse()?;
    }
    if let Some(m) = value("--pg-max-n") {
        cfg.pg_max_n = m.parse()?;
    }
    if let Some(ef) = value("--ef-search") {
        cfg.hnsw.ef_search = ef.parse()?;
    }
    if let Some(m) = value("--m") {
        cfg.hnsw.m = m.parse()?;
    }
    if let Some(ef) = value("--ef-construction") {
        cfg.hnsw.ef_construction = ef.parse()?;
    }
    let rows = run(&cfg)?;
    if json {
        println!("{}", serde_json::to_string_pretty(&rows)?);
    } else {
        print!("{}", render_table(&rows));
    }
    Ok(())
}
