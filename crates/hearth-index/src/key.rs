//! Which vectors an index holds: one index per vector kind and version, never mixed.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::IndexError;

/// Identifies the vector space an index covers. Two vectors are comparable only when their keys
/// are equal: a DSP v1 descriptor is never compared with a DSP v2 one or with an embedding.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct IndexKey {
    /// `"dsp"` for the DSP descriptor, otherwise the embedding model's name. Lower-case ASCII
    /// letters, digits, `_` and `-`, 1..=40 characters (it becomes part of a table name).
    pub kind: String,
    /// Version of the extractor that produced the vectors.
    pub version: u32,
    /// Number of components of every vector in the index.
    pub dim: usize,
}

/// Largest accepted dimension; far above any descriptor or embedding Hearth uses.
pub const MAX_DIM: usize = 16_384;

impl IndexKey {
    /// Builds a key after checking the kind name and dimension.
    pub fn new(kind: impl Into<String>, version: u32, dim: usize) -> Result<Self, IndexError> {
        let key = IndexKey {
            kind: kind.into(),
            version,
            dim,
        };
        key.validate()?;
        Ok(key)
    }

    /// Checks the invariants documented on the fields.
    pub fn validate(&self) -> Result<(), IndexError> {
        let ok_chars = self
            .kind
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-');
        if self.kind.is_empty() || self.kind.len() > 40 || !ok_chars {
            return Err(IndexError::invalid(
                "kind",
                format!(
                    "{:?}: expected 1..=40 characters from [a-z0-9_-]",
                    self.kind
                ),
            ));
        }
        if self.dim == 0 || self.dim > MAX_DIM {
            return Err(IndexError::invalid(
                "dim",
                format!("{} is outside 1..={MAX_DIM}", self.dim),
            ));
        }
        Ok(())
    }

    /// A name usable as an SQL identifier or file stem: `<kind>_v<version>` with `-` → `_`.
    pub fn slug(&self) -> String {
        format!("{}_v{}", self.kind.replace('-', "_"), self.version)
    }
}

impl fmt::Display for IndexKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} v{} ({}-d)", self.kind, self.version, self.dim)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case("dsp", 1, 32, true)]
    #[case("clap-laion", 2, 512, true)]
    #[case("", 1, 32, false)]
    #[case("DSP", 1, 32, false)]
    #[case("dsp;drop", 1, 32, false)]
    #[case("dsp", 1, 0, false)]
    #[case("dsp", 1, MAX_DIM + 1, false)]
    fn key_validation(
        #[case] kind: &str,
        #[case] version: u32,
        #[case] dim: usize,
        #[case] ok: bool,
    ) {
        assert_eq!(IndexKey::new(kind, version, dim).is_ok(), ok);
    }

    #[test]
    fn slug_is_sql_safe() {
        let key = IndexKey::new("clap-laion", 3, 512).unwrap();
        assert_eq!(key.slug(), "clap_laion_v3");
    }
}
