//! Long-running work shared by the CLI and the API: history imports, and library analysis
//! (`scan` → `analyze`, orchestrated by `library`).

pub mod analyze;
pub mod import;
pub mod library;
pub mod scan;
