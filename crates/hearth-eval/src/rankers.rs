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
//! * `hybrid` (eval-only glue until hearth-core grows a collaborative term, see [`HybridRanker`]):
//!   the ItemKNN shortlist re-scored by a z-scored blend of collaborative, tag-taste and
//!   co-occurrence-taste similarity, the last two read from `recommend`'s score components.

use crate::baselines::itemknn::ItemKnn;
use crate::error::EvalError;
use crate::evaluate::Scorer;
use crate::interactions::Interactions;
use crate::metrics::{Summary, K};
use crate::vectors::ItemVectors;
use hearth_core::explore::ExplorationMode;
use hearth_core::ids::TrackId;
use hearth_core::scoring::{recommend, Candidate, CentroidMode, RecommendInput, ScoreWeights};
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
        mood: 0.0,
        freshness: 0.0,
        meta: 0.0,
        avoid: 0.0,
        exploration_noise: 0.0,
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

    /// `recommend` over `candidates` (item indices); returns (item, taste similarity in [0, 1])
    /// in recommend's order. Items without a vector get `None`.
    pub fn recommend(
        &self,
        profile: &TasteProfile,
        candidates: &[u32],
        limit: usize,
    ) -> Result<Vec<(u32, Option<f32>)>, EvalError> {
        let cands: Vec<Candidate<'_>> = candidates
            .iter()
            .map(|&i| {
                let mut c = Candidate::new(TrackId(i64::from(i)));
                if !self.vectors.is_zero(i as usize) {
                    c.vector = Some(self.vectors.row(i as usize));
                }
                c
            })
            .collect();
        let mut input = RecommendInput::new(&cands, NOW_MS);
        input.profile = Some(profile);
        input.weights = taste_only_weights();
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
        let top = self.recommend(&profile, &self.unplayed(user), k)?;
        Ok(top.into_iter().map(|(i, _)| i).collect())
    }
}

/// Weights of the hybrid blend (applied to per-user z-scores over the shortlist).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HybridWeights {
    /// ItemKNN (item-item co-listening).
    pub item_knn: f64,
    /// Implicit-ALS preference (latent co-listening).
    pub als: f64,
    /// Taste similarity in tag space.
    pub tag_taste: f64,
    /// Taste similarity in co-occurrence (ALS item factor) space.
    pub cooccurrence_taste: f64,
    /// `ln(1 + training users)` of the item.
    pub popularity: f64,
}

/// Collaborative shortlist + taste re-scoring.
///
/// Eval-only glue: `recommend` has no collaborative term yet. In the product the collaborative
/// signal would come from a similar-artists source (Last.fm `artist.getSimilar`, itself
/// co-listening based) or a model trained over the instance's profiles; here it is ItemKNN and
/// ALS on the training split. What should move into hearth-core: a `collaborative: Option<f32>`
/// field on `Candidate` and a `w_collab` weight in `ScoreWeights`, blended after per-request
/// z-scoring as done here.
pub struct HybridRanker<'a> {
    pub knn: &'a ItemKnn<'a>,
    pub als: &'a dyn Scorer,
    pub tag: TasteRanker<'a>,
    pub cooccurrence: TasteRanker<'a>,
    pub weights: HybridWeights,
    /// Shortlist: this many top ItemKNN items plus half as many top ALS items.
    pub shortlist: usize,
    /// `ln(1 + training users)` per item.
    pub log_popularity: Vec<f64>,
}

/// One user's shortlist and the raw value of every signal on it.
#[derive(Debug, Clone, PartialEq)]
pub struct Signals {
    pub items: Vec<u32>,
    pub item_knn: Vec<f64>,
    pub als: Vec<f64>,
    pub tag_taste: Vec<f64>,
    pub cooccurrence_taste: Vec<f64>,
    pub popularity: Vec<f64>,
}

fn z_scores(values: &[f64]) -> Vec<f64> {
    let n = values.len().max(1) as f64;
    let mean = values.iter().sum::<f64>() / n;
    let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n;
    let sd = var.sqrt();
    if sd <= 1e-12 {
        return vec![0.0; values.len()];
    }
    values.iter().map(|v| (v - mean) / sd).collect()
}

impl Signals {
    /// Blends the z-scored signals and returns the top `k` items (ties by item index).
    pub fn blend(&self, w: &HybridWeights, k: usize) -> Vec<u32> {
        let z = [
            (w.item_knn, z_scores(&self.item_knn)),
            (w.als, z_scores(&self.als)),
            (w.tag_taste, z_scores(&self.tag_taste)),
            (w.cooccurrence_taste, z_scores(&self.cooccurrence_taste)),
            (w.popularity, z_scores(&self.popularity)),
        ];
        let mut scored: Vec<(f64, u32)> = self
            .items
            .iter()
            .enumerate()
            .map(|(j, &i)| (z.iter().map(|(wt, zs)| wt * zs[j]).sum(), i))
            .collect();
        scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        scored.into_iter().take(k).map(|(_, i)| i).collect()
    }
}

impl HybridRanker<'_> {
    /// The user's shortlist (top ItemKNN ∪ top ALS items) and every signal on it.
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
        let taste_of = |r: &TasteRanker<'_>| -> Result<Vec<f64>, EvalError> {
            let p = r.profile(user)?;
            let got: HashMap<u32, Option<f32>> =
                r.recommend(&p, &order, order.len())?.into_iter().collect();
            // No vector / no taste: neutral 0.5, the value recommend itself uses.
            Ok(order
                .iter()
                .map(|i| f64::from(got.get(i).copied().flatten().unwrap_or(0.5)))
                .collect())
        };
        Ok(Signals {
            item_knn: order.iter().map(|&i| collab[i as usize]).collect(),
            als: order.iter().map(|&i| als[i as usize]).collect(),
            tag_taste: taste_of(&self.tag)?,
            cooccurrence_taste: taste_of(&self.cooccurrence)?,
            popularity: order
                .iter()
                .map(|&i| self.log_popularity[i as usize])
                .collect(),
            items: order,
        })
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
        Ok(self.signals(user)?.blend(&self.weights, k))
    }
}

/// Picks the blend weights with the best mean NDCG@10 on a grid, from pre-computed signals of
/// validation users (`(signals, held-out item)`). The grid keeps ItemKNN at weight 1.
pub fn tune_hybrid(validation: &[(Signals, u32)]) -> (HybridWeights, f64) {
    let mut best = (
        HybridWeights {
            item_knn: 1.0,
            als: 0.0,
            tag_taste: 0.0,
            cooccurrence_taste: 0.0,
            popularity: 0.0,
        },
        f64::MIN,
    );
    let mut grid = Vec::new();
    for als in [0.0, 0.25, 0.5, 1.0, 2.0] {
        for tag_taste in [0.0, 0.1, 0.25] {
            for cooccurrence_taste in [0.0, 0.1, 0.25, 0.5, 1.0] {
                for popularity in [-0.25, 0.0, 0.25] {
                    grid.push(HybridWeights {
                        item_knn: 1.0,
                        als,
                        tag_taste,
                        cooccurrence_taste,
                        popularity,
                    });
                }
            }
        }
    }
    {
        {
            for w in grid {
                let ranks: Vec<usize> = validation
                    .par_iter()
                    .map(|(s, target)| {
                        s.blend(&w, K)
                            .iter()
                            .position(|i| i == target)
                            .unwrap_or(usize::MAX)
                    })
                    .collect();
                let ndcg = Summary::from_ranks(&ranks, K).ndcg;
                if ndcg > best.1 {
                    best = (w, ndcg);
                }
            }
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn z_scores_by_hand() {
        // mean 2, population sd sqrt(2/3)
        let z = z_scores(&[1.0, 2.0, 3.0]);
        let sd = (2.0f64 / 3.0).sqrt();
        assert!(
            (z[0] + 1.0 / sd).abs() < 1e-12
                && z[1].abs() < 1e-12
                && (z[2] - 1.0 / sd).abs() < 1e-12
        );
        assert_eq!(z_scores(&[5.0, 5.0]), vec![0.0, 0.0]);
    }

    #[test]
    fn blend_follows_the_weights() {
        let s = Signals {
            items: vec![7, 8, 9],
            item_knn: vec![3.0, 2.0, 1.0],
            als: vec![1.0, 2.0, 3.0],
            tag_taste: vec![0.0; 3],
            cooccurrence_taste: vec![0.5; 3],
            popularity: vec![1.0; 3],
        };
        let knn_only = HybridWeights {
            item_knn: 1.0,
            als: 0.0,
            tag_taste: 0.0,
            cooccurrence_taste: 0.0,
            popularity: 0.0,
        };
        assert_eq!(s.blend(&knn_only, 2), vec![7, 8]);
        let als_heavy = HybridWeights {
            als: 2.0,
            ..knn_only
        };
        assert_eq!(s.blend(&als_heavy, 3), vec![9, 8, 7]);
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
