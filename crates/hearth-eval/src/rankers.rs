//! Hearth's own rankers under the evaluation protocol. They call `hearth_core::taste` (profile
//! building: weighted spherical k-means with adaptive k) and `hearth_core::scoring::recommend` —
//! the same entry point `/api/recommendations` serves — with deterministic settings (no
//! exploration noise, no mood, no freshness, no metadata: the datasets carry none of those).
//!
//! * A user's training items become listen events: an item played `p` times yields
//!   `1 + ⌊log2(1 + p)⌋` full listens at one instant (HetRec only has aggregate play counts; the
//!   log keeps one obsessively played artist from swamping the profile).
//! * `taste-single` uses [`CentroidMode::Single`] (the pooled weighted mean), `taste-multi`
//!   [`CentroidMode::Multi`] (up to 4 centroids, slots drawn in proportion to centroid mass).
//! * `hybrid` ([`HybridRanker`]): the ItemKNN (+ ALS) shortlist ranked by one `recommend` call
//!   whose candidates carry [`Evidence`] — co-listening, ALS preference, tag-space taste,
//!   popularity — standardised and weighted by `recommend` itself, beside the co-occurrence
//!   taste term: the blend `/api/recommendations` serves.

use crate::baselines::itemknn::ItemKnn;
use crate::error::EvalError;
use crate::evaluate::Scorer;
use crate::interactions::Interactions;
use crate::metrics::{Summary, K};
use crate::vectors::ItemVectors;
use hearth_core::explore::ExplorationMode;
use hearth_core::ids::TrackId;
use hearth_core::scoring::{
    recommend, Candidate, CentroidMode, Evidence, RecommendInput, ScoreWeights,
};
use hearth_core::taste::{TasteEvent, TasteParams, TasteProfile};
use rayon::prelude::*;
use std::collections::HashMap;

/// The instant every synthesised listen happens at (recency is then 1 for all of them).
const NOW_MS: i64 = 1_300_000_000_000;

/// A ranker that returns its top list for a user (best first, item indices).
pub trait TopList: Sync {
    fn top(&self, user: usize, k: usize) -> Result<Vec<u32>, EvalError>;
}

/// Runs the protocol for a top-list ranker: the held-out item's rank is its position in the
/// top-`K` list, a miss counts as rank ≥ K.
pub fn evaluate_top(ranker: &dyn TopList, test: &[(u32, u32)]) -> Result<Summary, EvalError> {
    let ranks: Vec<usize> = test
        .par_iter()
        .map(|&(u, target)| {
            let top = ranker.top(u as usize, K)?;
            Ok(top.iter().position(|&i| i == target).unwrap_or(usize::MAX))
        })
        .collect::<Result<_, EvalError>>()?;
    Ok(Summary::from_ranks(&ranks, K))
}

/// Scoring weights that leave only the taste term: the datasets have no mood, freshness or
/// metadata signal, and exploration is off so runs are reproducible.
fn taste_only_weights() -> ScoreWeights {
    ScoreWeights {
        taste: 1.0,
        ..ScoreWeights::zero()
    }
}

/// Taste profile + `recommend` over one item-vector space.
pub struct TasteRanker<'a> {
    name: &'static str,
    train: &'a Interactions,
    vectors: &'a ItemVectors,
    mode: CentroidMode,
    params: TasteParams,
}

impl<'a> TasteRanker<'a> {
    pub fn new(
        name: &'static str,
        train: &'a Interactions,
        vectors: &'a ItemVectors,
        mode: CentroidMode,
    ) -> Self {
        TasteRanker {
            name,
            train,
            vectors,
            mode,
            params: TasteParams::default(),
        }
    }

    /// Overrides the taste-profile parameters (default: hearth-core's defaults).
    pub fn with_params(mut self, params: TasteParams) -> Self {
        self.params = params;
        self
    }

    fn err(&self, source: hearth_core::CoreError) -> EvalError {
        EvalError::Ranker {
            ranker: self.name.to_string(),
            source,
        }
    }

    /// The user's taste profile from their training items (see the module docs).
    pub fn profile(&self, user: usize) -> Result<TasteProfile, EvalError> {
        let mut events = Vec::new();
        let mut vectors = HashMap::new();
        for (&i, &plays) in self.train.items(user).iter().zip(self.train.weights(user)) {
            let id = TrackId(i64::from(i));
            let listens = 1 + (1.0 + plays.max(0.0)).log2().floor() as usize;
            events.extend((0..listens).map(|_| TasteEvent::listen(id, NOW_MS, None, None, false)));
            if !self.vectors.is_zero(i as usize) {
                vectors.insert(id, self.vectors.row(i as usize).to_vec());
            }
        }
        TasteProfile::build(&events, &vectors, NOW_MS, &self.params).map_err(|e| self.err(e))
    }

    /// `recommend` over `candidates` (item indices), optionally with per-candidate evidence
    /// (aligned with `candidates`); returns (item, taste similarity in [0, 1]) in recommend's
    /// order. Items without a vector get `None`.
    pub fn recommend(
        &self,
        profile: &TasteProfile,
        candidates: &[u32],
        evidence: Option<&[Evidence]>,
        weights: &ScoreWeights,
        limit: usize,
    ) -> Result<Vec<(u32, Option<f32>)>, EvalError> {
        let cands: Vec<Candidate<'_>> = candidates
            .iter()
            .enumerate()
            .map(|(j, &i)| {
                let mut c = Candidate::new(TrackId(i64::from(i)));
                if !self.vectors.is_zero(i as usize) {
                    c.vector = Some(self.vectors.row(i as usize));
                }
                if let Some(e) = evidence {
                    c.evidence = e[j];
                }
                c
            })
            .collect();
        let mut input = RecommendInput::new(&cands, NOW_MS);
        input.profile = Some(profile);
        input.weights = weights.clone();
        input.exploration = ExplorationMode::Off;
        input.centroid_mode = self.mode;
        input.limit = limit;
        let out = recommend(&input).map_err(|e| self.err(e))?;
        Ok(out
            .into_iter()
            .map(|s| (s.track_id.0 as u32, s.components.taste))
            .collect())
    }

    fn unplayed(&self, user: usize) -> Vec<u32> {
        let played = self.train.items(user);
        (0..self.train.n_items() as u32)
            .filter(|i| played.binary_search(i).is_err())
            .collect()
    }
}

impl TopList for TasteRanker<'_> {
    fn top(&self, user: usize, k: usize) -> Result<Vec<u32>, EvalError> {
        let profile = self.profile(user)?;
        let top = self.recommend(
            &profile,
            &self.unplayed(user),
            None,
            &taste_only_weights(),
            k,
        )?;
        Ok(top.into_iter().map(|(i, _)| i).collect())
    }
}

/// Hybrid scoring weights: `recommend`'s own [`ScoreWeights`] with the co-listening evidence
/// at weight 1 and the datasets' missing signals (mood, freshness, metadata, avoid, exploration)
/// at 0. `taste` weighs the co-occurrence taste similarity (raw, in `[0, 1]`); the evidence
/// weights apply to per-request z-scores.
pub fn hybrid_weights(taste: f32, latent: f32, tag_taste: f32, popularity: f32) -> ScoreWeights {
    ScoreWeights {
        taste,
        collaborative: 1.0,
        latent,
        tag_taste,
        popularity,
        ..taste_only_weights()
    }
}

/// Collaborative shortlist ranked by `recommend` with evidence.
///
/// The shortlist is the top ItemKNN items (hearth-core's [`CoListening`](hearth_core::collab))
/// plus the top ALS items. Each candidate carries [`Evidence`]: co-listening (ItemKNN), latent
/// (ALS), tag-space taste (a `recommend` pass over tag vectors) and `ln(1 + training users)`;
/// the final ranking is one `recommend` call with the user's co-occurrence taste profile — the
/// same blend `/api/recommendations` computes with the household's co-listening.
pub struct HybridRanker<'a> {
    pub knn: &'a ItemKnn<'a>,
    pub als: &'a dyn Scorer,
    pub tag: TasteRanker<'a>,
    pub cooccurrence: TasteRanker<'a>,
    pub weights: ScoreWeights,
    /// Shortlist: this many top ItemKNN items plus half as many top ALS items.
    pub shortlist: usize,
    /// `ln(1 + training users)` per item.
    pub log_popularity: Vec<f64>,
}

/// One user's shortlist, the evidence of every item on it, and the user's taste profile in the
/// co-occurrence space.
#[derive(Debug, Clone)]
pub struct Signals {
    pub items: Vec<u32>,
    pub evidence: Vec<Evidence>,
    pub profile: TasteProfile,
}

impl HybridRanker<'_> {
    /// The user's shortlist (top ItemKNN ∪ top ALS items) and its evidence.
    pub fn signals(&self, user: usize) -> Result<Signals, EvalError> {
        let train = self.tag.train;
        let mut collab = vec![0.0f64; train.n_items()];
        self.knn.score(user, &mut collab);
        let mut als = vec![0.0f64; train.n_items()];
        self.als.score(user, &mut als);
        let played = train.items(user);
        let unplayed: Vec<u32> = (0..train.n_items() as u32)
            .filter(|i| played.binary_search(i).is_err())
            .collect();
        let mut order = top_by(&unplayed, &collab, self.shortlist);
        order.extend(top_by(&unplayed, &als, self.shortlist / 2));
        order.sort_unstable();
        order.dedup();
        let tag_profile = self.tag.profile(user)?;
        let tag: HashMap<u32, Option<f32>> = self
            .tag
            .recommend(
                &tag_profile,
                &order,
                None,
                &taste_only_weights(),
                order.len(),
            )?
            .into_iter()
            .collect();
        let evidence = order
            .iter()
            .map(|&i| Evidence {
                collaborative: Some(collab[i as usize] as f32),
                latent: Some(als[i as usize] as f32),
                // No tag vector / no tag taste: neutral 0.5, the value recommend itself uses.
                tag_taste: Some(tag.get(&i).copied().flatten().unwrap_or(0.5)),
                popularity: Some(self.log_popularity[i as usize] as f32),
            })
            .collect();
        Ok(Signals {
            profile: self.cooccurrence.profile(user)?,
            evidence,
            items: order,
        })
    }

    /// The top `k` of a shortlist under `weights`: one `recommend` call.
    pub fn rank(
        &self,
        s: &Signals,
        weights: &ScoreWeights,
        k: usize,
    ) -> Result<Vec<u32>, EvalError> {
        Ok(self
            .cooccurrence
            .recommend(&s.profile, &s.items, Some(&s.evidence), weights, k)?
            .into_iter()
            .map(|(i, _)| i)
            .collect())
    }
}

/// The `m` best of `items` by `score` (ties by index), best first.
fn top_by(items: &[u32], score: &[f64], m: usize) -> Vec<u32> {
    let mut order = items.to_vec();
    let m = m.min(order.len());
    let cmp = |a: &u32, b: &u32| {
        score[*b as usize]
            .total_cmp(&score[*a as usize])
            .then(a.cmp(b))
    };
    if m > 0 && m < order.len() {
        order.select_nth_unstable_by(m - 1, cmp);
    }
    order.truncate(m);
    order.sort_by(cmp);
    order
}

impl TopList for HybridRanker<'_> {
    fn top(&self, user: usize, k: usize) -> Result<Vec<u32>, EvalError> {
        self.rank(&self.signals(user)?, &self.weights, k)
    }
}

/// Picks the blend weights with the best mean NDCG@10 from pre-computed signals of validation
/// users (`(signals, held-out item)`) by coordinate ascent over a grid: starting from
/// co-listening alone (weight 1, kept fixed), each other weight in turn takes its best grid
/// value given the others, for up to [`TUNE_ROUNDS`] rounds or until nothing changes. (A full
/// grid of the same values costs 225 `recommend` passes over the validation users instead of
/// about 30, and reached the same validation and test NDCG here.)
pub fn tune_hybrid(
    ranker: &HybridRanker<'_>,
    validation: &[(Signals, u32)],
) -> Result<(ScoreWeights, f64), EvalError> {
    let ndcg_of = |w: &ScoreWeights| -> Result<f64, EvalError> {
        let ranks: Vec<usize> = validation
            .par_iter()
            .map(|(s, target)| {
                Ok(ranker
                    .rank(s, w, K)?
                    .iter()
                    .position(|i| i == target)
                    .unwrap_or(usize::MAX))
            })
            .collect::<Result<_, EvalError>>()?;
        Ok(Summary::from_ranks(&ranks, K).ndcg)
    };
    type Field = fn(&mut ScoreWeights) -> &mut f32;
    let axes: [(Field, &[f32]); 4] = [
        (|w| &mut w.latent, &[0.0, 0.25, 0.5, 1.0, 2.0]),
        (|w| &mut w.tag_taste, &[0.0, 0.1, 0.25]),
        (|w| &mut w.taste, &HYBRID_TASTE_GRID),
        (|w| &mut w.popularity, &[-0.25, 0.0, 0.25]),
    ];
    let mut best_w = hybrid_weights(0.0, 0.0, 0.0, 0.0);
    let mut best = ndcg_of(&best_w)?;
    for _ in 0..TUNE_ROUNDS {
        let mut changed = false;
        for (field, grid) in &axes {
            for &v in grid.iter() {
                let mut w = best_w.clone();
                if *field(&mut w) == v {
                    continue;
                }
                *field(&mut w) = v;
                let n = ndcg_of(&w)?;
                if n > best {
                    (best_w, best, changed) = (w, n, true);
                }
            }
        }
        if !changed {
            break;
        }
    }
    Ok((best_w, best))
}

/// Coordinate-ascent rounds of [`tune_hybrid`].
pub const TUNE_ROUNDS: usize = 3;

/// Weights of the raw co-occurrence taste term tried by [`tune_hybrid`].
pub const HYBRID_TASTE_GRID: [f32; 5] = [0.0, 0.5, 1.0, 2.0, 4.0];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hybrid_rank_follows_the_evidence_weights() {
        // Items 1..=3 unplayed by user 0; co-listening favours 1, ALS favours 3.
        let vectors = ItemVectors {
            dim: 2,
            data: vec![1.0, 0.0, 0.9, 0.1, 0.8, 0.2, 0.7, 0.3],
        };
        let train = Interactions::from_rows(4, vec![vec![(0, 10.0)], vec![(1, 1.0)]]);
        let knn = ItemKnn::fit(&train);
        let hybrid = HybridRanker {
            knn: &knn,
            als: &knn,
            tag: TasteRanker::new("t", &train, &vectors, CentroidMode::Multi),
            cooccurrence: TasteRanker::new("c", &train, &vectors, CentroidMode::Multi),
            weights: hybrid_weights(0.0, 0.0, 0.0, 0.0),
            shortlist: 10,
            log_popularity: vec![0.0; 4],
        };
        let ev = |c: f32, l: f32| Evidence {
            collaborative: Some(c),
            latent: Some(l),
            tag_taste: Some(0.5),
            popularity: Some(1.0),
        };
        let s = Signals {
            items: vec![1, 2, 3],
            evidence: vec![ev(3.0, 1.0), ev(2.0, 2.0), ev(1.0, 3.0)],
            profile: hybrid.cooccurrence.profile(0).unwrap(),
        };
        let knn_only = hybrid_weights(0.0, 0.0, 0.0, 0.0);
        assert_eq!(hybrid.rank(&s, &knn_only, 2).unwrap(), vec![1, 2]);
        let als_heavy = hybrid_weights(0.0, 2.0, 0.0, 0.0);
        assert_eq!(hybrid.rank(&s, &als_heavy, 3).unwrap(), vec![3, 2, 1]);
        // The taste term alone follows the vectors (item 1 is nearest item 0).
        let s_flat = Signals {
            evidence: vec![ev(1.0, 1.0); 3],
            ..s
        };
        assert_eq!(
            hybrid
                .rank(&s_flat, &hybrid_weights(1.0, 0.0, 0.0, 0.0), 3)
                .unwrap(),
            vec![1, 2, 3]
        );
    }

    #[test]
    fn taste_ranker_prefers_items_near_the_profile() {
        // 4 items in 2-D: user played item 0 (x axis); item 1 is near x, item 2 near y, item 3 at -x.
        let vectors = ItemVectors {
            dim: 2,
            data: vec![1.0, 0.0, 0.9, 0.1, 0.1, 0.9, -1.0, 0.0],
        };
        let train = Interactions::from_rows(4, vec![vec![(0, 10.0)]]);
        for mode in [CentroidMode::Single, CentroidMode::Multi] {
            let r = TasteRanker::new("t", &train, &vectors, mode);
            assert_eq!(r.top(0, 3).unwrap(), vec![1, 2, 3]);
        }
    }
}
