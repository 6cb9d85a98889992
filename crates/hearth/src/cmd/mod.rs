//! One module per subcommand, each with its `Args` and `run()`.

pub mod bench;
pub mod config;
pub mod eval;
pub mod import;
pub mod profile;
pub mod serve;
