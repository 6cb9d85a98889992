//! The report every `hearth eval` run prints: one table, or JSON with the shape
//! `{"dataset", "protocol", "rankers": [{"name", "hr_at_10", "ndcg_at_10", "users"}]}`.

use serde::{Deserialize, Serialize};
use std::fmt;

/// One ranker's result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RankerResult {
    pub name: String,
    pub hr_at_10: f64,
    pub ndcg_at_10: f64,
    /// Number of evaluated users (or playlists).
    pub users: usize,
    /// Wall time to fit and score this ranker, in milliseconds. Shown in the table only; the JSON
    /// shape is fixed by SPEC §14.
    #[serde(skip)]
    pub elapsed_ms: u64,
}

/// The outcome of one evaluation run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvalReport {
    pub dataset: String,
    /// The exact protocol, in words, so a number can be reproduced or challenged.
    pub protocol: String,
    pub rankers: Vec<RankerResult>,
}

impl EvalReport {
    /// The result of a ranker by name.
    pub fn ranker(&self, name: &str) -> Option<&RankerResult> {
        self.rankers.iter().find(|r| r.name == name)
    }
}

impl fmt::Display for EvalReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "dataset:  {}", self.dataset)?;
        writeln!(f, "protocol: {}", self.protocol)?;
        let width = self
            .rankers
            .iter()
            .map(|r| r.name.len())
            .max()
            .unwrap_or(6)
            .max(6);
        writeln!(
            f,
            "{:<width$}  {:>7}  {:>10}  {:>6}  {:>9}",
            "ranker", "HR@10", "NDCG@10", "users", "time_ms"
        )?;
        for r in &self.rankers {
            writeln!(
                f,
                "{:<width$}  {:>7.4}  {:>10.4}  {:>6}  {:>9}",
                r.name, r.hr_at_10, r.ndcg_at_10, r.users, r.elapsed_ms
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> EvalReport {
        EvalReport {
            dataset: "toy".into(),
            protocol: "p".into(),
            rankers: vec![RankerResult {
                name: "most-popular".into(),
                hr_at_10: 0.5,
                ndcg_at_10: 0.25,
                users: 4,
                elapsed_ms: 12,
            }],
        }
    }

    #[test]
    fn json_has_exactly_the_spec_shape() {
        let v = serde_json::to_value(sample()).unwrap();
        assert_eq!(
            v,
            serde_json::json!({
                "dataset": "toy",
                "protocol": "p",
                "rankers": [{"name": "most-popular", "hr_at_10": 0.5, "ndcg_at_10": 0.25, "users": 4}]
            })
        );
    }

    #[test]
    fn table_lists_every_ranker() {
        let s = sample().to_string();
        assert!(
            s.contains("most-popular   0.5000      0.2500       4         12"),
            "{s}"
        );
    }
}
