//! `hearth-eval` — the offline evaluation harness behind `hearth eval` (SPEC §14): dataset
//! loaders, the deterministic leave-out splits, ranking metrics (HR@K, NDCG@K), the standard
//! baselines (MostPopular, ItemKNN, implicit ALS) and the adapters that run Hearth's own rankers
//! from `hearth-core` under the same protocol, so every quality claim is a number anyone can
//! reproduce with one command.
//!
//! It reads dataset files and nothing else: no database, no network, no server. It must not be
//! a dependency of the serving crates; the binary calls [`run_hetrec`] and [`run_catalogue`] and
//! prints the [`EvalReport`] (a table via `Display`, or JSON via serde).
//!
//! Main types: [`EvalOptions`], [`EvalReport`], [`EvalError`], [`split::LeaveOneOut`],
//! [`evaluate::Scorer`]. The exact HetRec protocol is [`hetrec::PROTOCOL`].

pub mod baselines;
pub mod catalogue;
pub mod error;
pub mod evaluate;
pub mod hetrec;
pub mod interactions;
pub mod metrics;
pub mod mt19937;
pub mod rankers;
pub mod report;
pub mod split;
pub mod vectors;

pub use catalogue::run_catalogue;
pub use error::EvalError;
pub use hetrec::run_hetrec;
pub use report::{EvalReport, RankerResult};

/// Options shared by every `hearth eval` dataset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvalOptions {
    /// Reference baselines only (still every user): the CI mode.
    pub fast: bool,
    /// Seed of the held-out draw (SPEC §14: 2011).
    pub seed: u64,
    /// Restrict the run to these rankers (names as in the report); `None` = the mode's default.
    pub rankers: Option<Vec<String>>,
}

impl Default for EvalOptions {
    fn default() -> Self {
        EvalOptions {
            fast: false,
            seed: 2011,
            rankers: None,
        }
    }
}
