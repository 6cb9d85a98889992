//! `cargo run --release -p hearth-audio --example bench -- analyze DIR [THREADS]`
//! `cargo run --release -p hearth-audio --example bench -- coherence DIR [THREADS]`
//! Stand-in for `hearth bench analyze` / `hearth eval album-coherence` until
//! the binary wires them up.

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(cmd), Some(dir)) = (args.first(), args.get(1)) else {
        eprintln!("usage: bench analyze|coherence DIR [THREADS]");
        std::process::exit(2);
    };
    let threads = args.get(2).and_then(|t| t.parse().ok()).unwrap_or(0);
    let dir = std::path::Path::new(dir);
    match cmd.as_str() {
        "analyze" => match hearth_audio::bench_analyze(dir, threads) {
            Ok(r) => println!("{r}"),
            Err(e) => {
                eprintln!("{e}");
                std::process::exit(1);
            }
        },
        "coherence" => match hearth_audio::eval_album_coherence(dir, threads) {
            Ok((r, failures)) => {
                println!("{r}");
                println!("{}", serde_json::to_string(&r).unwrap_or_default());
                failures.iter().for_each(|f| eprintln!("failed: {f}"));
            }
            Err(e) => {
                eprintln!("{e}");
                std::process::exit(1);
            }
        },
        _ => {
            eprintln!("usage: bench analyze|coherence DIR [THREADS]");
            std::process::exit(2);
        }
    }
}
