//! Typed configuration in layers (SPEC §13): compiled-in defaults ([`DEFAULT_TOML`]) → the
//! `hearth.toml` file → `HEARTH_*` environment variables → CLI flags. The binary reads the file and
//! the environment and hands their *contents* here; this module only merges, types and validates.

use crate::CoreError;
use serde::{Deserialize, Serialize};
use std::fmt;

/// The commented default configuration; every key Hearth knows, with its default.
pub const DEFAULT_TOML: &str = include_str!("../hearth.example.toml");

/// A secret string: never printed by `Debug` or by `hearth config show`.
#[derive(Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Self {
        Secret(s.into())
    }
    /// The secret itself. Call only where it is used (an Authorization header, a comparison).
    pub fn expose(&self) -> &str {
        &self.0
    }
    pub fn is_set(&self) -> bool {
        !self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.0.is_empty() {
            "\"\""
        } else {
            "\"<redacted>\""
        })
    }
}

impl Serialize for Secret {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(if self.0.is_empty() { "" } else { "<redacted>" })
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub data_dir: String,
    pub database_url: String,
    pub server: ServerConfig,
    pub taste: TasteConfig,
    pub playlist: PlaylistConfig,
    pub cycling: CyclingConfig,
    pub scoring: ScoringConfig,
    pub mood: MoodConfig,
    pub discovery: DiscoveryConfig,
    pub taste_model: TasteModelConfig,
    pub clustering: ClusteringConfig,
    pub analysis: AnalysisConfig,
    pub lastfm: LastfmConfig,
    pub home_assistant: HomeAssistantConfig,
    pub mpd: MpdConfig,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerConfig {
    pub bind: String,
    pub api_token: Secret,
    pub body_limit_bytes: u64,
    pub request_timeout_s: u64,
    pub dedup_window_s: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TasteConfig {
    pub half_life_days: f64,
    pub max_centroids: u32,
    pub min_cluster_mass: f64,
    /// Seconds between write-behind flushes of incrementally updated taste profiles.
    pub persist_interval_s: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlaylistConfig {
    pub total_tracks: u32,
    pub known_pct: u32,
    pub max_per_artist: u32,
    pub target_size: u32,
    pub core_fraction: f64,
    pub exploration_fraction: f64,
    pub discovery_fraction: f64,
    pub max_change_per_refresh: f64,
    pub min_artist_spacing: u32,
    pub snapshot_interval_days: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CyclingConfig {
    pub aggressiveness: u32,
    pub staleness_lambda: f64,
    pub staleness_window_days: u32,
    pub cooldown_days: u32,
    pub min_plays_for_staleness: u32,
    pub blacklist_threshold: u32,
    /// How often `hearth serve` refreshes every living playlist (0 = never; the seed's cron
    /// refreshes twice a day).
    pub refresh_interval_hours: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScoringConfig {
    pub taste_weight: f64,
    pub mood_weight: f64,
    pub freshness_weight: f64,
    pub meta_weight: f64,
    pub exploration_noise: f64,
    /// Weight of household co-listening (standardised per request; see `scoring::Evidence`).
    pub collaborative_weight: f64,
    /// Weight of household popularity (standardised; negative favours the long tail).
    pub popularity_weight: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MoodConfig {
    pub window_size: u32,
    pub decay_rate: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DiscoveryConfig {
    pub candidates_per_refresh: u32,
    pub trial_listens_before_decision: u32,
    pub similar_per_track: u32,
    pub itunes_requests_per_minute: u32,
    pub lastfm_similar: bool,
    pub listenbrainz: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TasteModelConfig {
    pub retrain_interval_days: u32,
    pub model_type: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClusteringConfig {
    pub min_cluster_size: u32,
    pub min_samples: u32,
    pub recluster_interval_days: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnalysisConfig {
    pub workers: u32,
    pub max_attempts: u32,
    pub library_roots: Vec<String>,
    pub rescan_interval_minutes: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LastfmConfig {
    pub api_key: Secret,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HomeAssistantConfig {
    pub url: String,
    pub token: Secret,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MpdConfig {
    pub music_dir: String,
}

/// Keys whose values are secrets (`section.key`).
pub const SECRET_KEYS: [&str; 3] = ["server.api_token", "lastfm.api_key", "home_assistant.token"];

/// Environment variables that are shorthands for a config key (SPEC §10).
const ENV_ALIASES: [(&str, &str); 2] = [
    ("HEARTH_BIND", "server.bind"),
    ("HEARTH_API_TOKEN", "server.api_token"),
];

/// Environment variables that belong to the CLI or the test harness, not to the config tree.
const ENV_IGNORED: [&str; 2] = ["HEARTH_CONFIG", "HEARTH_SHARED_DATA"];

/// Builds configuration in layers.
#[derive(Debug, Clone)]
pub struct ConfigBuilder {
    tree: toml::Table,
}

impl Default for ConfigBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl ConfigBuilder {
    /// Starts from the compiled-in defaults.
    pub fn new() -> Self {
        let tree: toml::Table = DEFAULT_TOML
            .parse()
            .expect("built-in default config is valid TOML");
        ConfigBuilder { tree }
    }

    /// Merges the text of a `hearth.toml`. Unknown sections and keys are errors naming the key.
    pub fn file(mut self, origin: &str, text: &str) -> Result<Self, CoreError> {
        let table: toml::Table = text
            .parse()
            .map_err(|e: toml::de::Error| CoreError::invalid(origin, e.message().to_string()))?;
        for (k, v) in table {
            match (self.tree.get_mut(&k), v) {
                (Some(toml::Value::Table(dst)), toml::Value::Table(src)) => {
                    for (sk, sv) in src {
                        let full = format!("{k}.{sk}");
                        let Some(old) = dst.get(&sk) else {
                            return Err(CoreError::invalid(
                                full,
                                format!("unknown key in {origin}"),
                            ));
                        };
                        check_same_type(&full, old, &sv)?;
                        dst.insert(sk, sv);
                    }
                }
                (Some(old), v) if !old.is_table() => {
                    check_same_type(&k, old, &v)?;
                    self.tree.insert(k, v);
                }
                (Some(_), _) => {
                    return Err(CoreError::invalid(
                        k,
                        format!("must be a table in {origin}"),
                    ))
                }
                (None, _) => return Err(CoreError::invalid(k, format!("unknown key in {origin}"))),
            }
        }
        Ok(self)
    }

    /// Applies `HEARTH_*` variables: `HEARTH_<KEY>` for top-level keys, `HEARTH_<SECTION>_<KEY>`
    /// for section keys, plus the aliases `HEARTH_BIND` and `HEARTH_API_TOKEN`. A variable that
    /// names a known section but an unknown key is an error (a typo must not pass silently).
    pub fn env<I, K, V>(mut self, vars: I) -> Result<Self, CoreError>
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<str>,
        V: AsRef<str>,
    {
        let mut vars: Vec<(String, String)> = vars
            .into_iter()
            .filter(|(k, _)| k.as_ref().starts_with("HEARTH_"))
            .map(|(k, v)| (k.as_ref().to_string(), v.as_ref().to_string()))
            .collect();
        // Aliases first so that the explicit HEARTH_SERVER_BIND form wins over HEARTH_BIND.
        vars.sort_by_key(|(k, _)| !ENV_ALIASES.iter().any(|(a, _)| a == k));
        for (name, value) in vars {
            if ENV_IGNORED.contains(&name.as_str()) {
                continue;
            }
            if let Some((_, path)) = ENV_ALIASES.iter().find(|(a, _)| *a == name) {
                self = self.set(path, &value, &name)?;
                continue;
            }
            let rest = name["HEARTH_".len()..].to_ascii_lowercase();
            if self.tree.get(&rest).is_some_and(|v| !v.is_table()) {
                self = self.set(&rest, &value, &name)?;
                continue;
            }
            let section = self
                .tree
                .iter()
                .filter(|(_, v)| v.is_table())
                .map(|(k, _)| k.clone())
                .filter(|s| rest.starts_with(&format!("{s}_")))
                .max_by_key(|s| s.len());
            // Anything else (e.g. HEARTH_TEST_PG_URL) is not a config variable: ignore it.
            if let Some(s) = section {
                let key = &rest[s.len() + 1..];
                self = self.set(&format!("{s}.{key}"), &value, &name)?;
            }
        }
        Ok(self)
    }

    /// Sets one key (`section.key` or `key`) from a string, coerced to the default's type.
    pub fn set(mut self, path: &str, raw: &str, origin: &str) -> Result<Self, CoreError> {
        let (section, key) = match path.split_once('.') {
            Some((s, k)) => (Some(s), k),
            None => (None, path),
        };
        let slot = match section {
            Some(s) => self
                .tree
                .get_mut(s)
                .and_then(|t| t.as_table_mut())
                .and_then(|t| t.get_mut(key)),
            None => self.tree.get_mut(key),
        };
        let Some(slot) = slot else {
            return Err(CoreError::invalid(
                path,
                format!("unknown config key (from {origin})"),
            ));
        };
        *slot = coerce(path, slot, raw, origin)?;
        Ok(self)
    }

    /// Types and validates the merged tree.
    pub fn build(self) -> Result<Config, CoreError> {
        let cfg: Config = toml::Value::Table(self.tree)
            .try_into()
            .map_err(|e: toml::de::Error| CoreError::invalid("config", e.message().to_string()))?;
        cfg.validate()?;
        Ok(cfg)
    }
}

fn check_same_type(path: &str, old: &toml::Value, new: &toml::Value) -> Result<(), CoreError> {
    let ok = match (old, new) {
        (toml::Value::Float(_), toml::Value::Integer(_)) => true,
        (a, b) => std::mem::discriminant(a) == std::mem::discriminant(b),
    };
    if ok {
        Ok(())
    } else {
        Err(CoreError::invalid(
            path,
            format!("expected a {}, got a {}", old.type_str(), new.type_str()),
        ))
    }
}

fn coerce(
    path: &str,
    old: &toml::Value,
    raw: &str,
    origin: &str,
) -> Result<toml::Value, CoreError> {
    let bad = |what: &str| CoreError::invalid(path, format!("{origin}={raw:?} is not {what}"));
    Ok(match old {
        toml::Value::String(_) => toml::Value::String(raw.to_string()),
        toml::Value::Integer(_) => {
            toml::Value::Integer(raw.trim().parse().map_err(|_| bad("an integer"))?)
        }
        toml::Value::Float(_) => {
            toml::Value::Float(raw.trim().parse().map_err(|_| bad("a number"))?)
        }
        toml::Value::Boolean(_) => toml::Value::Boolean(match raw.trim() {
            "1" | "true" | "yes" | "on" => true,
            "0" | "false" | "no" | "off" => false,
            _ => return Err(bad("a boolean")),
        }),
        toml::Value::Array(_) => toml::Value::Array(
            raw.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| toml::Value::String(s.to_string()))
                .collect(),
        ),
        other => {
            return Err(CoreError::invalid(
                path,
                format!("cannot be set from text ({})", other.type_str()),
            ))
        }
    })
}

fn in_unit(field: &str, x: f64) -> Result<(), CoreError> {
    if (0.0..=1.0).contains(&x) {
        Ok(())
    } else {
        Err(CoreError::invalid(field, format!("{x} is outside [0, 1]")))
    }
}

impl Config {
    /// The compiled-in defaults.
    pub fn defaults() -> Config {
        ConfigBuilder::new().build().expect("defaults are valid")
    }

    /// The database URL in effect: `database_url`, or SQLite inside `data_dir`.
    pub fn effective_database_url(&self) -> String {
        if self.database_url.is_empty() {
            format!("sqlite:{}/hearth.db", self.data_dir.trim_end_matches('/'))
        } else {
            self.database_url.clone()
        }
    }

    /// Checks every cross-field rule once, at start-up.
    pub fn validate(&self) -> Result<(), CoreError> {
        if self.data_dir.trim().is_empty() {
            return Err(CoreError::invalid("data_dir", "must not be empty"));
        }
        let url = &self.database_url;
        if !url.is_empty()
            && !["sqlite:", "postgres://", "postgresql://"]
                .iter()
                .any(|p| url.starts_with(p))
        {
            return Err(CoreError::invalid(
                "database_url",
                format!("{url:?} must start with sqlite:, postgres:// or postgresql://"),
            ));
        }
        if self.server.bind.parse::<std::net::SocketAddr>().is_err() {
            return Err(CoreError::invalid(
                "server.bind",
                format!(
                    "{:?} is not an address like 127.0.0.1:8321",
                    self.server.bind
                ),
            ));
        }
        if self.server.body_limit_bytes < 1024 {
            return Err(CoreError::invalid(
                "server.body_limit_bytes",
                "must be at least 1024",
            ));
        }
        if self.server.request_timeout_s == 0 {
            return Err(CoreError::invalid(
                "server.request_timeout_s",
                "must be at least 1",
            ));
        }
        if self.taste.half_life_days <= 0.0 {
            return Err(CoreError::invalid(
                "taste.half_life_days",
                "must be positive",
            ));
        }
        if !(1..=32).contains(&self.taste.max_centroids) {
            return Err(CoreError::invalid(
                "taste.max_centroids",
                "must be in 1..=32",
            ));
        }
        in_unit("taste.min_cluster_mass", self.taste.min_cluster_mass)?;
        if self.taste.min_cluster_mass >= 1.0 {
            return Err(CoreError::invalid(
                "taste.min_cluster_mass",
                "must be below 1 (it is a share of the taste mass)",
            ));
        }
        if self.taste.persist_interval_s == 0 {
            return Err(CoreError::invalid(
                "taste.persist_interval_s",
                "must be at least 1",
            ));
        }
        let p = &self.playlist;
        if p.known_pct > 100 {
            return Err(CoreError::invalid(
                "playlist.known_pct",
                "must be in 0..=100",
            ));
        }
        if p.total_tracks == 0 {
            return Err(CoreError::invalid(
                "playlist.total_tracks",
                "must be at least 1",
            ));
        }
        for (f, x) in [
            ("playlist.core_fraction", p.core_fraction),
            ("playlist.exploration_fraction", p.exploration_fraction),
            ("playlist.discovery_fraction", p.discovery_fraction),
            ("playlist.max_change_per_refresh", p.max_change_per_refresh),
            ("scoring.exploration_noise", self.scoring.exploration_noise),
            ("mood.decay_rate", self.mood.decay_rate),
        ] {
            in_unit(f, x)?;
        }
        for (f, x, lo) in [
            (
                "scoring.collaborative_weight",
                self.scoring.collaborative_weight,
                0.0,
            ),
            (
                "scoring.popularity_weight",
                self.scoring.popularity_weight,
                -10.0,
            ),
        ] {
            if !(x.is_finite() && (lo..=10.0).contains(&x)) {
                return Err(CoreError::invalid(f, format!("{x} must be in [{lo}, 10]")));
            }
        }
        let sum = p.core_fraction + p.exploration_fraction + p.discovery_fraction;
        if (sum - 1.0).abs() > 1e-6 {
            return Err(CoreError::invalid(
                "playlist.core_fraction",
                format!("core + exploration + discovery fractions must sum to 1 (got {sum})"),
            ));
        }
        if !(1..=10).contains(&self.cycling.aggressiveness) {
            return Err(CoreError::invalid(
                "cycling.aggressiveness",
                "must be in 1..=10",
            ));
        }
        if self.mood.window_size == 0 {
            return Err(CoreError::invalid("mood.window_size", "must be at least 1"));
        }
        if self.analysis.max_attempts == 0 {
            return Err(CoreError::invalid(
                "analysis.max_attempts",
                "must be at least 1",
            ));
        }
        if !self.home_assistant.url.is_empty()
            && !["http://", "https://"]
                .iter()
                .any(|p| self.home_assistant.url.starts_with(p))
        {
            return Err(CoreError::invalid(
                "home_assistant.url",
                "must be an http(s) URL",
            ));
        }
        Ok(())
    }

    /// The effective configuration as TOML with secrets redacted (`hearth config show`).
    pub fn to_redacted_toml(&self) -> String {
        let mut shown = self.clone();
        shown.database_url = redact_url(&shown.database_url);
        toml::to_string_pretty(&shown).unwrap_or_default()
    }
}

/// Hides the password of a URL like `postgres://user:pass@host/db`.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => match url[s + 3..at].split_once(':') {
            Some((user, _)) => format!("{}{}:<redacted>{}", &url[..s + 3], user, &url[at..]),
            None => url.to_string(),
        },
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_the_seed_values() {
        let c = Config::defaults();
        assert_eq!(c.server.bind, "127.0.0.1:8321");
        assert_eq!(c.playlist.target_size, 100);
        assert_eq!(c.playlist.max_change_per_refresh, 0.15);
        assert_eq!(c.cycling.staleness_lambda, 0.05);
        assert_eq!(c.mood.decay_rate, 0.85);
        assert_eq!(c.discovery.trial_listens_before_decision, 3);
        assert_eq!(c.taste.max_centroids, 4);
        assert_eq!(c.effective_database_url(), "sqlite:./hearth-data/hearth.db");
    }

    #[test]
    fn layers_apply_in_order() {
        let c = ConfigBuilder::new()
            .file("hearth.toml", "data_dir = \"/srv/h\"\n[playlist]\ntarget_size = 50\n[scoring]\ntaste_weight = 1\n")
            .unwrap()
            .env([("HEARTH_PLAYLIST_TARGET_SIZE", "60"), ("HEARTH_BIND", "0.0.0.0:9000"), ("HEARTH_TEST_PG_URL", "x"), ("PATH", "/bin")])
            .unwrap()
            .set("data_dir", "/cli", "--data-dir")
            .unwrap()
            .build()
            .unwrap();
        assert_eq!(c.playlist.target_size, 60);
        assert_eq!(c.scoring.taste_weight, 1.0);
        assert_eq!(c.server.bind, "0.0.0.0:9000");
        assert_eq!(c.data_dir, "/cli");
    }

    #[test]
    fn explicit_env_key_beats_alias() {
        let c = ConfigBuilder::new()
            .env([
                ("HEARTH_SERVER_BIND", "127.0.0.1:1"),
                ("HEARTH_BIND", "127.0.0.1:2"),
            ])
            .unwrap()
            .build()
            .unwrap();
        assert_eq!(c.server.bind, "127.0.0.1:1");
    }

    #[test]
    fn errors_name_the_key() {
        let err = |r: Result<Config, CoreError>| match r {
            Err(CoreError::InvalidInput { field, .. }) => field,
            Ok(_) => panic!("expected an error"),
        };
        let b = || ConfigBuilder::new();
        assert_eq!(
            err(b()
                .file("f", "[playlist]\ntarget_sise = 1")
                .and_then(|b| b.build())),
            "playlist.target_sise"
        );
        assert_eq!(
            err(b().file("f", "[nosuch]\nx = 1").and_then(|b| b.build())),
            "nosuch"
        );
        assert_eq!(
            err(b()
                .file("f", "[playlist]\ntarget_size = \"big\"")
                .and_then(|b| b.build())),
            "playlist.target_size"
        );
        assert_eq!(
            err(b()
                .env([("HEARTH_PLAYLIST_TARGET_SIZE", "many")])
                .and_then(|b| b.build())),
            "playlist.target_size"
        );
        assert_eq!(
            err(b()
                .env([("HEARTH_SCORING_COLLABORATIVE_WEIGHT", "-0.1")])
                .and_then(|b| b.build())),
            "scoring.collaborative_weight"
        );
        assert_eq!(
            err(b()
                .env([("HEARTH_SCORING_POPULARITY_WEIGHT", "-11")])
                .and_then(|b| b.build())),
            "scoring.popularity_weight"
        );
        // A negative popularity weight (favour the long tail) is allowed.
        let c = b()
            .env([("HEARTH_SCORING_POPULARITY_WEIGHT", "-0.5")])
            .and_then(|b| b.build())
            .unwrap();
        assert_eq!(c.scoring.popularity_weight, -0.5);
        assert_eq!(
            err(b()
                .env([("HEARTH_CYCLING_AGGRESIVENESS", "3")])
                .and_then(|b| b.build())),
            "cycling.aggresiveness"
        );
        assert_eq!(
            err(b()
                .env([("HEARTH_CYCLING_AGGRESSIVENESS", "11")])
                .and_then(|b| b.build())),
            "cycling.aggressiveness"
        );
        assert_eq!(
            err(b()
                .env([("HEARTH_DATABASE_URL", "mysql://x")])
                .and_then(|b| b.build())),
            "database_url"
        );
        assert_eq!(
            err(b()
                .env([("HEARTH_BIND", "localhost")])
                .and_then(|b| b.build())),
            "server.bind"
        );
        assert_eq!(
            err(b().file("f", "this is not toml").and_then(|b| b.build())),
            "f"
        );
    }

    #[test]
    fn secrets_are_redacted() {
        let c = ConfigBuilder::new()
            .env([
                ("HEARTH_API_TOKEN", "s3cret"),
                ("HEARTH_LASTFM_API_KEY", "k3y"),
            ])
            .unwrap()
            .build()
            .unwrap();
        assert_eq!(c.server.api_token.expose(), "s3cret");
        let shown = c.to_redacted_toml();
        assert!(
            !shown.contains("s3cret") && !shown.contains("k3y"),
            "{shown}"
        );
        assert!(shown.contains("<redacted>"));
        assert!(!format!("{c:?}").contains("s3cret"));
        assert_eq!(
            redact_url("postgres://u:p@h/db"),
            "postgres://u:<redacted>@h/db"
        );
        assert_eq!(redact_url("sqlite:./x.db"), "sqlite:./x.db");
    }
}
