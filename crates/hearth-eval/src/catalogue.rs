//! Playlist continuation on the Spotify tracks catalogue (`spotify-tracks-genre-catalogue/`).
//!
//! The two Kaggle "Spotify Music Dataset" files (`high_popularity_spotify_data.csv`,
//! `low_popularity_spotify_data.csv`) list real Spotify playlists (`playlist_id`, 115 of them)
//! with the audio features of every track. These playlists are the evaluation units; nothing is
//! synthesised from genres. `songs_normalize.csv` has no playlists and is not used.
//!
//! Protocol: tracks keyed by `track_id` (features from the first row seen); rows with a missing
//! feature are skipped. Playlists with ≥ 4 distinct usable tracks, in ascending `playlist_id`
//! order; each playlist's tracks in ascending `track_id` order are shuffled with CPython's
//! `random.Random(seed).shuffle` (one generator for the pass); the first ⌊n/2⌋ are the seed
//! (the "listens", weight 1 each), the rest is held out. Candidates: every catalogue track except
//! the seed. HR@10 = any held-out track in the top 10; NDCG@10 with binary relevance and the
//! ideal DCG of min(10, held-out) hits. Item vectors: the nine continuous audio features
//! (danceability, energy, loudness, speechiness, acousticness, instrumentalness, liveness,
//! valence, tempo), z-scored over the catalogue.

use crate::error::EvalError;
use crate::interactions::Interactions;
use crate::metrics::{multi_relevant_at_k, K};
use crate::mt19937::PyRandom;
use crate::rankers::{TasteRanker, TopList};
use crate::report::{EvalReport, RankerResult};
use crate::vectors::ItemVectors;
use crate::EvalOptions;
use hearth_core::scoring::CentroidMode;
use hearth_core::taste::TasteParams;
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::path::Path;
use std::time::Instant;

/// The files that carry playlists.
pub const FILES: &[&str] = &[
    "high_popularity_spotify_data.csv",
    "low_popularity_spotify_data.csv",
];
/// The audio features used as item vectors.
pub const FEATURES: &[&str] = &[
    "danceability",
    "energy",
    "loudness",
    "speechiness",
    "acousticness",
    "instrumentalness",
    "liveness",
    "valence",
    "tempo",
];
/// Smallest playlist evaluated.
pub const MIN_PLAYLIST_TRACKS: usize = 4;
/// Rankers of the catalogue run.
pub const RANKERS: &[&str] = &["taste-single", "taste-multi"];

/// Splits one CSV record into fields (RFC 4180 quoting: `"a,b"`, `""` for a quote). Records
/// spanning several lines are not supported (these files have none); an unterminated quote is an
/// error.
fn csv_fields(line: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut field = String::new();
    let mut chars = line.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') if field.is_empty() => quoted = true,
            (false, ',') => out.push(std::mem::take(&mut field)),
            (false, c) => field.push(c),
        }
    }
    if quoted {
        return Err("unterminated quoted field".into());
    }
    out.push(field);
    Ok(out)
}

/// The loaded catalogue: tracks (ascending `track_id`), their raw features and the playlists.
pub struct Catalogue {
    pub track_ids: Vec<String>,
    /// `FEATURES.len()` raw values per track.
    pub features: Vec<[f32; 9]>,
    /// `playlist_id` → track indices (ascending, distinct).
    pub playlists: BTreeMap<String, Vec<u32>>,
    /// Rows skipped because a feature was missing.
    pub skipped_rows: usize,
}

impl Catalogue {
    pub fn load(dir: &Path) -> Result<Self, EvalError> {
        let mut tracks: BTreeMap<String, [f32; 9]> = BTreeMap::new();
        let mut memberships: Vec<(String, String)> = Vec::new();
        let mut skipped_rows = 0;
        for file in FILES {
            let path = dir.join(file);
            let text = EvalError::read_to_string(&path)?;
            let mut lines = text.lines().enumerate();
            let header = match lines.next() {
                Some((_, h)) => csv_fields(h).map_err(|reason| EvalError::Parse {
                    path: path.clone(),
                    line: 1,
                    reason,
                })?,
                None => return Err(EvalError::invalid(*file, "empty file")),
            };
            let col = |name: &str| {
                header
                    .iter()
                    .position(|h| h.trim() == name)
                    .ok_or_else(|| EvalError::Parse {
                        path: path.clone(),
                        line: 1,
                        reason: format!("missing column `{name}`"),
                    })
            };
            let track_col = col("track_id")?;
            let playlist_col = col("playlist_id")?;
            let feature_cols: Vec<usize> =
                FEATURES.iter().map(|f| col(f)).collect::<Result<_, _>>()?;
            for (n, line) in lines {
                if line.trim().is_empty() {
                    continue;
                }
                let parse_err = |reason: String| EvalError::Parse {
                    path: path.clone(),
                    line: n + 1,
                    reason,
                };
                let fields = csv_fields(line).map_err(parse_err)?;
                if fields.len() != header.len() {
                    return Err(parse_err(format!(
                        "{} fields, header has {}",
                        fields.len(),
                        header.len()
                    )));
                }
                let mut values = [0f32; 9];
                let mut missing = false;
                for (v, &c) in values.iter_mut().zip(&feature_cols) {
                    let raw = fields[c].trim();
                    if raw.is_empty() {
                        missing = true;
                        break;
                    }
                    *v = raw
                        .parse()
                        .map_err(|e| parse_err(format!("column `{}`: {e}", header[c])))?;
                }
                let track = fields[track_col].trim().to_string();
                let playlist = fields[playlist_col].trim().to_string();
                if missing || track.is_empty() || playlist.is_empty() {
                    skipped_rows += 1;
                    continue;
                }
                tracks.entry(track.clone()).or_insert(values);
                memberships.push((playlist, track));
            }
        }
        if tracks.is_empty() {
            return Err(EvalError::invalid("catalogue", "no usable tracks"));
        }
        let track_ids: Vec<String> = tracks.keys().cloned().collect();
        let features = tracks.into_values().collect();
        let mut playlists: BTreeMap<String, Vec<u32>> = BTreeMap::new();
        for (p, t) in memberships {
            let idx = track_ids.binary_search(&t).expect("known track") as u32;
            playlists.entry(p).or_default().push(idx);
        }
        for v in playlists.values_mut() {
            v.sort_unstable();
            v.dedup();
        }
        Ok(Catalogue {
            track_ids,
            features,
            playlists,
            skipped_rows,
        })
    }

    /// Z-scored features (population standard deviation) as item vectors.
    pub fn vectors(&self) -> ItemVectors {
        let n = self.features.len() as f64;
        let d = FEATURES.len();
        let mut data = Vec::with_capacity(self.features.len() * d);
        let mut mean = vec![0f64; d];
        let mut sd = vec![0f64; d];
        for f in &self.features {
            for j in 0..d {
                mean[j] += f64::from(f[j]) / n;
            }
        }
        for f in &self.features {
            for j in 0..d {
                sd[j] += (f64::from(f[j]) - mean[j]).powi(2) / n;
            }
        }
        for f in &self.features {
            for j in 0..d {
                let s = sd[j].sqrt();
                data.push(if s > 0.0 {
                    ((f64::from(f[j]) - mean[j]) / s) as f32
                } else {
                    0.0
                });
            }
        }
        ItemVectors { dim: d, data }
    }
}

/// Python's `random.shuffle`: Fisher–Yates from the end with `_randbelow(i + 1)`.
pub fn py_shuffle<T>(rng: &mut PyRandom, items: &mut [T]) {
    for i in (1..items.len()).rev() {
        let j = rng.below(i as u32 + 1) as usize;
        items.swap(i, j);
    }
}

/// One playlist's split: (seed tracks, held-out tracks).
pub type PlaylistSplit = (Vec<u32>, Vec<u32>);

/// The deterministic half split of every playlist with ≥ [`MIN_PLAYLIST_TRACKS`] tracks.
pub fn split_playlists(playlists: &BTreeMap<String, Vec<u32>>, seed: u64) -> Vec<PlaylistSplit> {
    let mut rng = PyRandom::new(seed);
    playlists
        .values()
        .filter(|t| t.len() >= MIN_PLAYLIST_TRACKS)
        .map(|tracks| {
            let mut t = tracks.clone();
            py_shuffle(&mut rng, &mut t);
            let held = t.split_off(t.len() / 2);
            (t, held)
        })
        .collect()
}

/// Candidate k-means settings for the multi-centroid ranker: hearth-core's defaults, then
/// progressively freer splitting (more centroids, lighter minimum mass, no gain threshold).
fn multi_param_grid() -> Vec<TasteParams> {
    let d = TasteParams::default();
    [
        (4, 0.05, 0.25, 0.05),
        (4, 0.2, 0.25, 0.05),
        (4, 0.1, 0.1, 0.05),
        (8, 0.1, 0.0, 0.0),
    ]
    .into_iter()
    .map(|(k, mass, gain, spread)| TasteParams {
        max_centroids: k,
        min_cluster_mass: mass,
        min_dispersion_gain: gain,
        min_spread: spread,
        ..d.clone()
    })
    .collect()
}

/// Mean (HR@10, NDCG@10) of one taste ranker over playlist splits.
fn evaluate_playlists(
    splits: &[PlaylistSplit],
    cat: &Catalogue,
    vectors: &ItemVectors,
    mode: CentroidMode,
    params: &TasteParams,
) -> Result<(f64, f64), EvalError> {
    let train = Interactions::from_rows(
        cat.track_ids.len(),
        splits
            .iter()
            .map(|(s, _)| s.iter().map(|&i| (i, 1.0)).collect())
            .collect(),
    );
    let name = if mode == CentroidMode::Single {
        "taste-single"
    } else {
        "taste-multi"
    };
    let ranker = TasteRanker::new(name, &train, vectors, mode).with_params(params.clone());
    let per: Vec<(f64, f64)> = splits
        .par_iter()
        .enumerate()
        .map(|(p, (_, held))| Ok(multi_relevant_at_k(&ranker.top(p, K)?, held, K)))
        .collect::<Result<_, EvalError>>()?;
    let n = per.len().max(1) as f64;
    Ok((
        per.iter().map(|p| p.0).sum::<f64>() / n,
        per.iter().map(|p| p.1).sum::<f64>() / n,
    ))
}

/// Runs playlist continuation on the catalogue in `dir`.
pub fn run_catalogue(dir: &Path, opts: &EvalOptions) -> Result<EvalReport, EvalError> {
    let names: Vec<String> = match &opts.rankers {
        None => RANKERS.iter().map(|s| s.to_string()).collect(),
        Some(list) => {
            if let Some(bad) = list.iter().find(|n| !RANKERS.contains(&n.as_str())) {
                return Err(EvalError::invalid(
                    "rankers",
                    format!("unknown ranker `{bad}`; known: {}", RANKERS.join(", ")),
                ));
            }
            list.clone()
        }
    };
    let cat = Catalogue::load(dir)?;
    let vectors = cat.vectors();
    let splits = split_playlists(&cat.playlists, opts.seed);
    // Multi-centroid k-means settings are chosen on a validation split of the seeds (each seed
    // half halved again with seed + 1); the test halves are never looked at.
    let val_splits: Vec<PlaylistSplit> = {
        let mut rng = PyRandom::new(opts.seed.wrapping_add(1));
        splits
            .iter()
            .map(|(seedhalf, _)| {
                let mut t = seedhalf.clone();
                py_shuffle(&mut rng, &mut t);
                let held = t.split_off(t.len() / 2);
                (t, held)
            })
            .collect()
    };
    let mut best_multi: Option<(TasteParams, f64)> = None;
    if names.iter().any(|n| n == "taste-multi") {
        for params in multi_param_grid() {
            let (_, ndcg) =
                evaluate_playlists(&val_splits, &cat, &vectors, CentroidMode::Multi, &params)?;
            if best_multi.as_ref().is_none_or(|b| ndcg > b.1) {
                best_multi = Some((params, ndcg));
            }
        }
    }
    let mut rankers = Vec::new();
    for name in &names {
        let start = Instant::now();
        let (mode, params) = if name == "taste-single" {
            (CentroidMode::Single, TasteParams::default())
        } else {
            let p = best_multi.as_ref().map(|b| b.0.clone()).unwrap_or_default();
            (CentroidMode::Multi, p)
        };
        let (hr, ndcg) = evaluate_playlists(&splits, &cat, &vectors, mode, &params)?;
        rankers.push(RankerResult {
            name: name.clone(),
            hr_at_10: hr,
            ndcg_at_10: ndcg,
            users: splits.len(),
            elapsed_ms: start.elapsed().as_millis() as u64,
        });
    }
    let chosen = best_multi
        .map(|(p, v)| {
            format!(
                " taste-multi k-means settings picked on the validation split (validation NDCG@10 \
                 {v:.4}) from {} candidates: max_centroids {}, min_cluster_mass {}, \
                 min_dispersion_gain {}, min_spread {}.",
                multi_param_grid().len(),
                p.max_centroids,
                p.min_cluster_mass,
                p.min_dispersion_gain,
                p.min_spread
            )
        })
        .unwrap_or_default();
    Ok(EvalReport {
        dataset: format!("spotify-tracks-genre-catalogue ({})", dir.display()),
        protocol: format!(
            "Playlist continuation on the real Spotify playlists of high_/low_popularity_spotify_data.csv \
             ({} tracks, {} playlists, {} evaluated with >= {MIN_PLAYLIST_TRACKS} tracks; {} rows \
             skipped for missing features). Per playlist (ascending playlist_id), tracks in ascending \
             track_id order shuffled by CPython random.Random(seed={}).shuffle; first floor(n/2) are \
             the seed listens (weight 1), the rest held out. Candidates: all tracks but the seed. \
             HR@10 = any held-out track in the top 10; NDCG@10 binary relevance, ideal DCG of \
             min(10, held-out) hits. Item vectors: z-scored danceability, energy, loudness, \
             speechiness, acousticness, instrumentalness, liveness, valence, tempo. Rankers: \
             hearth_core taste profile + scoring::recommend, single pooled centroid vs multi-centroid.",
            cat.track_ids.len(),
            cat.playlists.len(),
            splits.len(),
            cat.skipped_rows,
            opts.seed
        ) + &chosen,
        rankers,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_and_commas() {
        assert_eq!(
            csv_fields(r#"a,"b, c","say ""hi""",,d"#).unwrap(),
            vec!["a", "b, c", r#"say "hi""#, "", "d"]
        );
        assert!(csv_fields(r#"a,"b"#).is_err());
    }

    #[test]
    fn shuffle_matches_cpython() {
        // `r = random.Random(2011); x = list(range(6)); r.shuffle(x)` in CPython 3.11.
        let mut rng = PyRandom::new(2011);
        let mut x: Vec<u32> = (0..6).collect();
        py_shuffle(&mut rng, &mut x);
        assert_eq!(x, PY_SHUFFLE_2011_6.to_vec());
    }

    const PY_SHUFFLE_2011_6: [u32; 6] = [2, 0, 3, 1, 5, 4];

    #[test]
    fn playlist_split_is_deterministic_and_halves() {
        let mut p = BTreeMap::new();
        p.insert("a".to_string(), (0..9).collect::<Vec<u32>>());
        p.insert("b".to_string(), vec![1, 2, 3]); // too short: not evaluated
        p.insert("c".to_string(), (10..20).collect::<Vec<u32>>());
        let s = split_playlists(&p, 2011);
        assert_eq!(s, split_playlists(&p, 2011));
        assert_eq!(s.len(), 2);
        assert_eq!((s[0].0.len(), s[0].1.len()), (4, 5));
        assert_eq!((s[1].0.len(), s[1].1.len()), (5, 5));
        let mut all: Vec<u32> = s[0].0.iter().chain(&s[0].1).copied().collect();
        all.sort_unstable();
        assert_eq!(all, (0..9).collect::<Vec<u32>>());
    }
}
