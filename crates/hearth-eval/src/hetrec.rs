//! HetRec 2011 Last.fm 2K: loading and the SPEC §14 leave-one-out run.

use crate::baselines::als::{AlsParams, ImplicitAls};
use crate::baselines::itemknn::ItemKnn;
use crate::baselines::popular::MostPopular;
use crate::error::EvalError;
use crate::evaluate::evaluate;
use crate::interactions::Interactions;
use crate::metrics::Summary;
use crate::rankers::{
    evaluate_top, hybrid_weights, tune_hybrid, HybridRanker, Signals, TasteRanker,
};
use crate::report::{EvalReport, RankerResult};
use crate::split::{leave_one_out, LeaveOneOut};
use crate::vectors::{tag_vectors, ItemVectors};
use crate::EvalOptions;
use hearth_core::scoring::{CentroidMode, ScoreWeights};
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::collections::HashSet;
use std::path::Path;
use std::time::Instant;

/// The protocol text reported with every HetRec run.
pub const PROTOCOL: &str = "HetRec 2011 Last.fm 2K, leave-one-out: users with >= 2 artists (1,884 of 1,892) \
in ascending userID order; one held-out artist per user drawn with CPython random.Random(seed=2011).choice over \
the user's artists in ascending artistID order (MT19937, init_by_array seeding, _randbelow rejection; play \
weights ignored). Candidates: all 17,632 artists of user_artists.dat except the user's training artists. \
Ranking by score descending, ties by artistID ascending. HR@10 and NDCG@10 (1/log2(rank+2)) averaged over \
users. MostPopular = distinct training users per artist; ItemKNN = cosine on the binarised training matrix, \
all neighbours, score = sum of similarities to the user's training artists. ALS = implicit ALS \
(Hu-Koren-Volinsky), 64 factors, 15 iterations, lambda 5, confidence 1 + 10 ln(1 + plays/10), 3 CG steps. \
Taste rankers = hearth_core TasteProfile (default TasteParams) + scoring::recommend (taste weight only, \
exploration off) over co-occurrence item vectors (the ALS item factors of the training split, \
L2-normalised); an artist played p times is 1 + floor(log2(1 + p)) listens. Tag vectors (for the hybrid \
and the -tag variants) = TF-IDF over user_taggedartists tags, 128-d sparse random projection, excluding \
each user's own tag assignments on their held-out artist.";

/// Names of the rankers a full run reports, in table order.
pub const RANKERS: &[&str] = &[
    "most-popular",
    "item-knn",
    "als",
    "taste-single",
    "taste-multi",
    "hybrid",
    "taste-single-tag",
    "taste-multi-tag",
    "taste-single-concat",
    "taste-multi-concat",
];
/// The rankers of a default full run (the `-tag` / `-concat` variants run on request).
pub const DEFAULT_RANKERS: &[&str] = &[
    "most-popular",
    "item-knn",
    "als",
    "taste-single",
    "taste-multi",
    "hybrid",
];
/// The rankers of the fast mode (reference baselines only, still all users).
pub const FAST_RANKERS: &[&str] = &["most-popular", "item-knn"];

/// The loaded dataset, with dense indices in ascending raw-id order.
pub struct HetrecData {
    /// Raw userIDs by user index.
    pub user_ids: Vec<u32>,
    /// Raw artistIDs by item index.
    pub artist_ids: Vec<u32>,
    /// Plays per (user, artist).
    pub plays: Interactions,
    /// Tag assignments `(user index, item index, tagID)` on artists present in `plays`.
    pub tag_assignments: Vec<(u32, u32, u32)>,
}

fn parse_tsv(
    path: &Path,
    columns: usize,
    mut row: impl FnMut(&[u32]) -> Result<(), String>,
) -> Result<(), EvalError> {
    let text = EvalError::read_to_string(path)?;
    let mut fields = Vec::with_capacity(columns);
    for (n, line) in text.lines().enumerate().skip(1) {
        let line = line.trim_end_matches('\r');
        if line.is_empty() {
            continue;
        }
        fields.clear();
        for f in line.split('\t') {
            fields.push(f.trim().parse::<u32>().map_err(|e| EvalError::Parse {
                path: path.to_path_buf(),
                line: n + 1,
                reason: format!("field {:?}: {e}", f),
            })?);
        }
        if fields.len() < columns {
            return Err(EvalError::Parse {
                path: path.to_path_buf(),
                line: n + 1,
                reason: format!(
                    "expected {columns} tab-separated fields, got {}",
                    fields.len()
                ),
            });
        }
        row(&fields).map_err(|reason| EvalError::Parse {
            path: path.to_path_buf(),
            line: n + 1,
            reason,
        })?;
    }
    Ok(())
}

impl HetrecData {
    /// Reads `user_artists.dat` and `user_taggedartists.dat` from `dir`.
    pub fn load(dir: &Path) -> Result<Self, EvalError> {
        let mut raw: BTreeMap<u32, BTreeMap<u32, f32>> = BTreeMap::new();
        parse_tsv(&dir.join("user_artists.dat"), 3, |f| {
            if raw
                .entry(f[0])
                .or_default()
                .insert(f[1], f[2] as f32)
                .is_some()
            {
                return Err(format!("duplicate (user {}, artist {})", f[0], f[1]));
            }
            Ok(())
        })?;
        if raw.is_empty() {
            return Err(EvalError::invalid("user_artists.dat", "no interactions"));
        }
        let user_ids: Vec<u32> = raw.keys().copied().collect();
        let mut artist_ids: Vec<u32> = raw.values().flat_map(|m| m.keys().copied()).collect();
        artist_ids.sort_unstable();
        artist_ids.dedup();
        let item_of = |a: u32| artist_ids.binary_search(&a).ok().map(|i| i as u32);
        let rows = raw
            .values()
            .map(|m| {
                m.iter()
                    .map(|(&a, &w)| (item_of(a).expect("known"), w))
                    .collect()
            })
            .collect();
        let plays = Interactions::from_rows(artist_ids.len(), rows);

        let mut tag_assignments = Vec::new();
        parse_tsv(&dir.join("user_taggedartists.dat"), 3, |f| {
            if let (Ok(u), Some(i)) = (user_ids.binary_search(&f[0]), item_of(f[1])) {
                tag_assignments.push((u as u32, i, f[2]));
            }
            // Tags on artists nobody played (or by users without plays) cannot affect ranking.
            Ok(())
        })?;
        Ok(HetrecData {
            user_ids,
            artist_ids,
            plays,
            tag_assignments,
        })
    }
}

fn check_rankers(
    opts: &EvalOptions,
    known: &[&str],
    default: &[&str],
) -> Result<Vec<String>, EvalError> {
    match &opts.rankers {
        None => Ok(default.iter().map(|s| s.to_string()).collect()),
        Some(list) => {
            for name in list {
                if !known.contains(&name.as_str()) {
                    return Err(EvalError::invalid(
                        "rankers",
                        format!("unknown ranker `{name}`; known: {}", known.join(", ")),
                    ));
                }
            }
            Ok(list.clone())
        }
    }
}

fn result(name: &str, s: Summary, start: Instant) -> RankerResult {
    RankerResult {
        name: name.to_string(),
        hr_at_10: s.hr,
        ndcg_at_10: s.ndcg,
        users: s.users,
        elapsed_ms: start.elapsed().as_millis() as u64,
    }
}

/// Dimension of the projected tag vectors.
pub const TAG_DIM: usize = 128;

/// How many ItemKNN candidates the hybrid re-scores.
pub const HYBRID_SHORTLIST: usize = 200;

/// Tag vectors of every item, without the tag assignments of `held` (user, item) pairs.
fn tag_vectors_without(data: &HetrecData, held: &HashSet<(u32, u32)>, seed: u64) -> ItemVectors {
    let assignments: Vec<(u32, u32)> = data
        .tag_assignments
        .iter()
        .filter(|(u, i, _)| !held.contains(&(*u, *i)))
        .map(|&(_, i, t)| (i, t))
        .collect();
    tag_vectors(data.plays.n_items(), &assignments, TAG_DIM, seed)
}

fn log_popularity(train: &Interactions) -> Vec<f64> {
    train
        .item_degrees()
        .into_iter()
        .map(|d| f64::from(d).ln_1p())
        .collect()
}

fn unit_rows(als: &ImplicitAls) -> ItemVectors {
    let mut v = ItemVectors {
        dim: als.factors(),
        data: als.item_factors().to_vec(),
    };
    v.normalize();
    v
}

/// Chooses the hybrid's blend weights without looking at the test holdout: a second
/// leave-one-out split of the *training* data (seed + 1) gives validation users; every model
/// (ItemKNN, ALS, tag vectors without the held-out tags of both splits) is refitted on the
/// validation-training data, and [`tune_hybrid`] grid-searches the weights on it.
pub fn tune_hybrid_on_validation(
    data: &HetrecData,
    split: &LeaveOneOut,
    seed: u64,
) -> Result<(ScoreWeights, f64), EvalError> {
    let val = leave_one_out(&split.train, seed.wrapping_add(1));
    let held: HashSet<(u32, u32)> = split.test.iter().chain(&val.test).copied().collect();
    let tags = tag_vectors_without(data, &held, seed);
    let als = ImplicitAls::fit(&val.train, &AlsParams::default());
    let cooc = unit_rows(&als);
    let knn = ItemKnn::fit(&val.train);
    let hybrid = HybridRanker {
        knn: &knn,
        als: &als,
        tag: TasteRanker::new("hybrid", &val.train, &tags, CentroidMode::Multi),
        cooccurrence: TasteRanker::new("hybrid", &val.train, &cooc, CentroidMode::Multi),
        weights: hybrid_weights(0.0, 0.0, 0.0, 0.0),
        shortlist: HYBRID_SHORTLIST,
        log_popularity: log_popularity(&val.train),
    };
    let signals: Vec<(Signals, u32)> = val
        .test
        .par_iter()
        .map(|&(u, t)| Ok((hybrid.signals(u as usize)?, t)))
        .collect::<Result<_, EvalError>>()?;
    tune_hybrid(&hybrid, &signals)
}

/// Models shared between rankers, built on first use; each build's wall time is charged to the
/// first ranker that needs it.
struct Shared<'a> {
    data: &'a HetrecData,
    split: &'a LeaveOneOut,
    seed: u64,
    als: Option<ImplicitAls>,
    tags: Option<ItemVectors>,
    cooc: Option<ItemVectors>,
}

impl<'a> Shared<'a> {
    fn als(&mut self) -> &ImplicitAls {
        let train = &self.split.train;
        self.als
            .get_or_insert_with(|| ImplicitAls::fit(train, &AlsParams::default()))
    }

    fn tags(&mut self) -> &ItemVectors {
        let (data, split, seed) = (self.data, self.split, self.seed);
        self.tags.get_or_insert_with(|| {
            // A user's own tags on their held-out artist would leak the answer: drop them.
            let held: HashSet<(u32, u32)> = split.test.iter().copied().collect();
            tag_vectors_without(data, &held, seed)
        })
    }

    fn cooc(&mut self) -> &ItemVectors {
        if self.cooc.is_none() {
            let v = unit_rows(self.als());
            self.cooc = Some(v);
        }
        self.cooc.as_ref().expect("just built")
    }
}

/// Runs the HetRec protocol on the dataset in `dir`.
pub fn run_hetrec(dir: &Path, opts: &EvalOptions) -> Result<EvalReport, EvalError> {
    let names = check_rankers(
        opts,
        RANKERS,
        if opts.fast {
            FAST_RANKERS
        } else {
            DEFAULT_RANKERS
        },
    )?;
    let data = HetrecData::load(dir)?;
    let split = leave_one_out(&data.plays, opts.seed);
    let train = &split.train;
    let mut shared = Shared {
        data: &data,
        split: &split,
        seed: opts.seed,
        als: None,
        tags: None,
        cooc: None,
    };
    let mut rankers = Vec::new();
    let mut notes: Vec<String> = Vec::new();
    for name in &names {
        let start = Instant::now();
        let summary = match name.as_str() {
            "most-popular" => evaluate(&MostPopular::fit(train), train, &split.test),
            "item-knn" => evaluate(&ItemKnn::fit(train), train, &split.test),
            "als" => evaluate(shared.als(), train, &split.test),
            "taste-single-tag"
            | "taste-multi-tag"
            | "taste-single-concat"
            | "taste-multi-concat"
            | "taste-single"
            | "taste-multi" => {
                let mode = if name.contains("single") {
                    CentroidMode::Single
                } else {
                    CentroidMode::Multi
                };
                let concat;
                let vectors = if name.ends_with("-tag") {
                    shared.tags()
                } else if name.ends_with("-concat") {
                    let t = shared.tags().clone();
                    concat = ItemVectors::concat(&t, shared.cooc());
                    &concat
                } else {
                    // The headline taste rankers use co-occurrence vectors: tag vectors alone
                    // rank no better than popularity here (see the crate docs).
                    shared.cooc()
                };
                let static_name: &'static str =
                    RANKERS.iter().find(|n| *n == name).expect("checked");
                evaluate_top(
                    &TasteRanker::new(static_name, train, vectors, mode),
                    &split.test,
                )?
            }
            "hybrid" => {
                let tags = shared.tags().clone();
                let cooc = shared.cooc().clone();
                let als = shared.als.as_ref().expect("built by cooc()");
                let (weights, val_ndcg) = tune_hybrid_on_validation(&data, &split, opts.seed)?;
                let knn = ItemKnn::fit(train);
                let hybrid = HybridRanker {
                    knn: &knn,
                    als,
                    tag: TasteRanker::new("hybrid", train, &tags, CentroidMode::Multi),
                    cooccurrence: TasteRanker::new("hybrid", train, &cooc, CentroidMode::Multi),
                    weights: weights.clone(),
                    shortlist: HYBRID_SHORTLIST,
                    log_popularity: log_popularity(train),
                };
                notes.push(format!(
                    "hybrid weights (tuned on a grid by coordinate ascent on a validation split of the training data, \
                     seed+1, validation NDCG@10 {val_ndcg:.4}) of scoring::recommend, co-listening \
                     and the other evidence z-scored per user over the shortlist: collaborative \
                     (ItemKNN = hearth_core::collab::CoListening) {}, latent (ALS) {}, tag-taste {}, \
                     popularity {}, co-occurrence taste (raw [0,1]) {}; shortlist = top \
                     {HYBRID_SHORTLIST} ItemKNN + top {} ALS.",
                    weights.collaborative,
                    weights.latent,
                    weights.tag_taste,
                    weights.popularity,
                    weights.taste,
                    HYBRID_SHORTLIST / 2
                ));
                evaluate_top(&hybrid, &split.test)?
            }
            other => unreachable!("checked above: {other}"),
        };
        rankers.push(result(name, summary, start));
    }
    Ok(EvalReport {
        dataset: format!("hetrec2011-lastfm-2k ({})", dir.display()),
        protocol: std::iter::once(PROTOCOL.replace("seed=2011", &format!("seed={}", opts.seed)))
            .chain(notes)
            .collect::<Vec<_>>()
            .join(" "),
        rankers,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn held_out_tags_do_not_reach_the_tag_vectors() {
        // user 0 tagged item 1 (tag 5) and item 0 (tag 6); item 1 is user 0's held-out item, so
        // its only tag assignment must be dropped and item 1 ends up untagged.
        let data = HetrecData {
            user_ids: vec![10],
            artist_ids: vec![100, 101],
            plays: Interactions::from_rows(2, vec![vec![(0, 3.0), (1, 4.0)]]),
            tag_assignments: vec![(0, 1, 5), (0, 0, 6)],
        };
        let held: HashSet<(u32, u32)> = [(0, 1)].into_iter().collect();
        let v = tag_vectors_without(&data, &held, 1);
        assert!(v.is_zero(1));
        assert!(!v.is_zero(0));
        let all = tag_vectors_without(&data, &HashSet::new(), 1);
        assert!(!all.is_zero(1));
    }
}
