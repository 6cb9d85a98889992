//! QFZZ explicit preferences (SPEC §7.3, seed `002_*.txt` `UserProfile`), stored in
//! `profiles.preferences` and validated here.

use crate::CoreError;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Preferred tempo class. `varied` matches any tempo.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum TempoPreference {
    Slow,
    #[default]
    Medium,
    Fast,
    Varied,
}

impl TempoPreference {
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "slow" => TempoPreference::Slow,
            "medium" => TempoPreference::Medium,
            "fast" => TempoPreference::Fast,
            "varied" => TempoPreference::Varied,
            _ => return None,
        })
    }
}

/// A profile's explicit preferences. Weights are in `[0, 1]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Preferences {
    pub genres: BTreeMap<String, f64>,
    pub artists: BTreeMap<String, f64>,
    pub moods: BTreeMap<String, f64>,
    pub energy_level: f64,
    pub tempo_preference: TempoPreference,
    pub discovery_factor: f64,
}

impl Default for Preferences {
    fn default() -> Self {
        Preferences {
            genres: BTreeMap::new(),
            artists: BTreeMap::new(),
            moods: BTreeMap::new(),
            energy_level: 0.5,
            tempo_preference: TempoPreference::Medium,
            discovery_factor: 0.3,
        }
    }
}

impl Preferences {
    /// Builds preferences from an untyped JSON object (the PUT body), applying QFZZ defaults to
    /// absent fields and naming the first offending field on error. Unknown fields are refused so a
    /// typo (`energy` for `energy_level`) is not silently ignored.
    pub fn from_json(value: &serde_json::Value) -> Result<Self, CoreError> {
        let obj = value
            .as_object()
            .ok_or_else(|| CoreError::invalid("preferences", "must be a JSON object"))?;
        let mut p = Preferences::default();
        for (key, v) in obj {
            match key.as_str() {
                "genres" => p.genres = weight_map("genres", v)?,
                "artists" => p.artists = weight_map("artists", v)?,
                "moods" => p.moods = weight_map("moods", v)?,
                "energy_level" => p.energy_level = unit("energy_level", v)?,
                "discovery_factor" => p.discovery_factor = unit("discovery_factor", v)?,
                "tempo_preference" => {
                    let s = v.as_str().ok_or_else(|| {
                        CoreError::invalid("tempo_preference", "must be one of slow, medium, fast, varied")
                    })?;
                    p.tempo_preference = TempoPreference::parse(s).ok_or_else(|| {
                        CoreError::invalid(
                            "tempo_preference",
                            format!("{s:?} is not one of slow, medium, fast, varied"),
                        )
                    })?;
                }
                other => {
                    return Err(CoreError::invalid(
                        other,
                        "unknown preference (expected genres, artists, moods, energy_level, tempo_preference, discovery_factor)",
                    ))
                }
            }
        }
        Ok(p)
    }

    /// Re-checks every invariant (QFZZ `validate()`).
    pub fn validate(&self) -> Result<(), CoreError> {
        for (field, map) in [
            ("genres", &self.genres),
            ("artists", &self.artists),
            ("moods", &self.moods),
        ] {
            for (k, w) in map {
                check_unit(&format!("{field}.{k}"), *w)?;
                if k.trim().is_empty() {
                    return Err(CoreError::invalid(field, "names must not be empty"));
                }
            }
        }
        check_unit("energy_level", self.energy_level)?;
        check_unit("discovery_factor", self.discovery_factor)
    }

    /// Top `limit` genres by weight, highest first (ties by name).
    pub fn top_genres(&self, limit: usize) -> Vec<String> {
        top(&self.genres, limit)
    }

    /// Top `limit` artists by weight, highest first (ties by name).
    pub fn top_artists(&self, limit: usize) -> Vec<String> {
        top(&self.artists, limit)
    }
}

fn top(map: &BTreeMap<String, f64>, limit: usize) -> Vec<String> {
    let mut v: Vec<(&String, f64)> = map.iter().map(|(k, w)| (k, *w)).collect();
    v.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(b.0)));
    v.into_iter().take(limit).map(|(k, _)| k.clone()).collect()
}

fn check_unit(field: &str, x: f64) -> Result<(), CoreError> {
    if !(0.0..=1.0).contains(&x) || !x.is_finite() {
        return Err(CoreError::invalid(
            field,
            format!("{x} is outside [0.0, 1.0]"),
        ));
    }
    Ok(())
}

fn unit(field: &str, v: &serde_json::Value) -> Result<f64, CoreError> {
    let x = v
        .as_f64()
        .ok_or_else(|| CoreError::invalid(field, "must be a number in [0.0, 1.0]"))?;
    check_unit(field, x)?;
    Ok(x)
}

fn weight_map(field: &str, v: &serde_json::Value) -> Result<BTreeMap<String, f64>, CoreError> {
    let obj = v
        .as_object()
        .ok_or_else(|| CoreError::invalid(field, "must be an object of name → weight"))?;
    let mut out = BTreeMap::new();
    for (k, w) in obj {
        if k.trim().is_empty() {
            return Err(CoreError::invalid(field, "names must not be empty"));
        }
        out.insert(k.clone(), unit(&format!("{field}.{k}"), w)?);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn defaults_match_qfzz() {
        let p = Preferences::from_json(&json!({})).unwrap();
        assert_eq!(p.energy_level, 0.5);
        assert_eq!(p.tempo_preference, TempoPreference::Medium);
        assert_eq!(p.discovery_factor, 0.3);
    }

    #[test]
    fn qfzz_example_is_accepted() {
        let p = Preferences::from_json(&json!({
            "genres": {"rock": 0.9, "indie": 0.8, "pop": 0.6, "jazz": 0.5, "classical": 0.3},
            "artists": {"The Beatles": 0.9, "Pink Floyd": 0.85},
            "energy_level": 0.7, "discovery_factor": 0.3, "tempo_preference": "fast"
        }))
        .unwrap();
        assert_eq!(p.top_genres(3), vec!["rock", "indie", "pop"]);
        assert_eq!(p.top_artists(1), vec!["The Beatles"]);
        p.validate().unwrap();
    }

    #[test]
    fn invalid_values_name_their_field() {
        let cases = [
            (json!({"energy_level": 1.5}), "energy_level"),
            (json!({"discovery_factor": -0.1}), "discovery_factor"),
            (json!({"tempo_preference": "lively"}), "tempo_preference"),
            (json!({"genres": {"rock": 2}}), "genres.rock"),
            (json!({"genres": ["rock"]}), "genres"),
            (json!({"energy": 0.5}), "energy"),
            (json!({"moods": {"calm": "high"}}), "moods.calm"),
        ];
        for (body, field) in cases {
            match Preferences::from_json(&body) {
                Err(CoreError::InvalidInput { field: f, .. }) => assert_eq!(f, field, "{body}"),
                other => panic!("{body}: expected error on {field}, got {other:?}"),
            }
        }
    }
}
