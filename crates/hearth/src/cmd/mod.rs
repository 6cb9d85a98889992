//! One module per subcommand, each with its `Args` and `run()`.

pub mod bench;
pub mod bench_recommend;
pub mod config;
pub mod cycling;
pub mod demo;
pub mod eval;
pub mod import;
pub mod mood;
pub mod next;
pub mod playlist;
pub mod profile;
pub mod recommend;
pub mod refresh;
pub mod scan;
pub mod serve;
pub mod stats;
