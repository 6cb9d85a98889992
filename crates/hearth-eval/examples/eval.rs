//! Runs `hearth eval` without the CLI: `cargo run --release -p hearth-eval --example eval --
//! hetrec|catalogue <dir> [--fast] [--json] [--rankers a,b]`.

use hearth_eval::EvalOptions;
use std::path::PathBuf;
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let dataset = args
        .first()
        .ok_or("usage: eval hetrec|catalogue <dir> [--fast] [--json] [--rankers a,b]")?;
    let dir = PathBuf::from(args.get(1).ok_or("missing <dir>")?);
    let mut opts = EvalOptions::default();
    let mut json = false;
    let mut it = args.iter().skip(2);
    while let Some(a) = it.next() {
        match a.as_str() {
            "--fast" => opts.fast = true,
            "--json" => json = true,
            "--seed" => opts.seed = it.next().ok_or("--seed needs a value")?.parse()?,
            "--rankers" => {
                opts.rankers = Some(
                    it.next()
                        .ok_or("--rankers needs a value")?
                        .split(',')
                        .map(str::to_string)
                        .collect(),
                )
            }
            other => return Err(format!("unknown flag {other}").into()),
        }
    }
    let start = Instant::now();
    let report = match dataset.as_str() {
        "hetrec" => hearth_eval::run_hetrec(&dir, &opts)?,
        "catalogue" => hearth_eval::run_catalogue(&dir, &opts)?,
        other => return Err(format!("unknown dataset {other}").into()),
    };
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{report}");
    }
    eprintln!("wall time: {:.2} s", start.elapsed().as_secs_f64());
    Ok(())
}
