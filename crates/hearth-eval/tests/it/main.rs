//! Integration tests of `hearth-eval` on the real datasets in the shared data folder.

mod catalogue;
mod hetrec;

use std::path::PathBuf;

/// The shared data folder: `HEARTH_SHARED_DATA`, else `shared/data` beside the checkout.
/// `None` (after printing one skip line) when the named dataset is absent.
pub fn shared_dataset(test: &str, name: &str) -> Option<PathBuf> {
    let root = std::env::var_os("HEARTH_SHARED_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data"))
        });
    let dir = root.join(name);
    if dir.is_dir() {
        Some(dir)
    } else {
        println!("skipped {test}: dataset {} not found", dir.display());
        None
    }
}
