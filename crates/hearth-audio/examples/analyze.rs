//! Prints the analysis of each file given on the command line as JSON lines.
//! `cargo run -p hearth-audio --example analyze -- FILE...`

fn main() {
    for arg in std::env::args().skip(1) {
        match hearth_audio::analyze_file(std::path::Path::new(&arg)) {
            Ok(a) => println!("{}", serde_json::to_string(&a).unwrap_or_default()),
            Err(e) => eprintln!("{arg}: {e}"),
        }
    }
}
