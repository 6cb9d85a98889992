//! One module per subcommand, each with its `Args` and `run()`.

pub mod bench;
pub mod config;
pub mod eval;
pub mod profile;
pub mod serve;
