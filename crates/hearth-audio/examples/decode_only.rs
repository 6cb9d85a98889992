//! Profiling aid: decode (and optionally resample) files without analysing.
//! `cargo run --release -p hearth-audio --example decode_only -- [--resample] FILE...`

use hearth_audio::{AudioDecoder, Resampler, SymphoniaDecoder};

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let resample = args.first().is_some_and(|a| a == "--resample");
    if resample {
        args.remove(0);
    }
    let start = std::time::Instant::now();
    let mut total = 0u64;
    let mut audio_s = 0.0;
    for arg in &args {
        let mut d = match SymphoniaDecoder::open(std::path::Path::new(arg)) {
            Ok(d) => d,
            Err(e) => {
                eprintln!("{e}");
                continue;
            }
        };
        let mut buf = Vec::new();
        let mut out = Vec::new();
        let mut r: Option<Resampler> = None;
        let mut n = 0u64;
        while let Ok(true) = d.next_mono_block(&mut buf) {
            n += buf.len() as u64;
            if resample {
                let rs = r.get_or_insert_with(|| Resampler::new(d.sample_rate_hz(), 22_050));
                out.clear();
                rs.process(&buf, &mut out);
            }
            buf.clear();
        }
        total += n;
        audio_s += n as f64 / f64::from(d.sample_rate_hz().max(1));
    }
    let cpu = hearth_audio::bench::process_cpu_seconds().unwrap_or(0.0);
    println!(
        "samples {total}, audio {audio_s:.1} s, wall {:.2} s, cpu {cpu:.2} s, x{:.0} per core",
        start.elapsed().as_secs_f64(),
        audio_s / cpu
    );
}
