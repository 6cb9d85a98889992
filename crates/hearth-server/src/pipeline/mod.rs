//! Long-running work shared by the CLI and the API (imports now; discovery later).

pub mod import;
