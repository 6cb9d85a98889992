//! Prints, for each file given on the command line, one JSON line with the
//! path, the analysis and the raw (unstandardised) descriptor vector — the
//! data behind the reference statistics of the vector standardisation.
//! `cargo run --release -p hearth-audio --example analyze -- FILE...`

fn main() {
    for arg in std::env::args().skip(1) {
        match hearth_audio::analyze_file(std::path::Path::new(&arg)) {
            Ok(a) => {
                let line = serde_json::json!({
                    "path": arg,
                    "raw": a.descriptor.raw_vector().to_vec(),
                    "analysis": a,
                });
                println!("{line}");
            }
            Err(e) => eprintln!("{arg}: {e}"),
        }
    }
}
