//! Taste profiles (SPEC §7.2): what a profile's listens and feedback say about the music it likes,
//! summarised as up to `max_centroids` weighted directions in track-vector space, plus "avoid"
//! directions from negative signals, the recent-listening mood vector and per-track staleness.
//!
//! # Weights
//! The weight of a track is `Σ signal × recency` over its events, `recency = 0.5^(age_days /
//! half_life_days)`. Signals: a listen is `1.0` when played fully, its played fraction when partial,
//! `−0.5` when skipped; feedback is love/favorite `+2`, like `+1`, dislike `−1`, hate `−3`,
//! bad_recommendation `−1`, and the implicit kinds play `+1` / skip `−0.5` (same as the listens they
//! stand for — a caller that stores both a listen and a `play` feedback for one action must feed
//! only one of them).
//!
//! **Feedback decays like listens.** Every signal, listen or feedback, is multiplied by the same
//! recency factor. Taste drifts, and a like from two years ago should not outweigh this month's
//! listening; it also keeps the incremental update exact (one decay clock for everything).
//! Hard exclusions ("never play what I hated") are not the taste profile's job — the playlist rules
//! and the known-track exclusion handle them.
//!
//! # Centroids
//! Tracks with positive weight are clustered by weighted spherical k-means on their L2-normalised
//! vectors (k-means++ seeding from a seeded [`SeededRng`], three restarts, best dispersion kept).
//! `k` is chosen adaptively: start at one centroid and add one at a time while
//! (a) `k` does not exceed the number of distinct vectors or `max_centroids`,
//! (b) every cluster keeps at least `min_cluster_mass × total mass` (lighter clusters are dissolved
//!     into their neighbours; if that leaves no more clusters than before, stop), and
//! (c) the current clusters are not already tight: the mean dispersion `J / total mass`, with
//!     `J = Σ w·(1 − cos(x, centroid))`, is at least `min_spread` (default 0.05, i.e. a mean
//!     cosine to the centroid below 0.95), and
//! (d) the new `J` falls by at least `min_dispersion_gain` (default 25 %) relative to the
//!     previous `k`. (For isotropic noise in `d` dimensions a split only gains about `0.64 / d`,
//!     so one blob stays one centroid in any realistic embedding dimension.)
//! Tracks with negative weight are clustered the same way (up to `max_avoid_centroids`) into avoid
//! directions.
//!
//! # Incremental update
//! Each centroid keeps the unnormalised weighted sum `Σ w·x` and mass `Σ w`, in "weight at
//! `reference_ms`" units. When an event newer than the reference arrives, every accumulator is
//! multiplied by `0.5^(Δdays / half_life)` and the reference moves: decay is one scalar per
//! accumulator. Each known track remembers its own weight (with the time it refers to) and the
//! accumulator holding it, so a new event removes the track's old contribution and adds the new
//! one — a track stays in its centroid, a newly positive one joins the nearest centroid, a newly
//! negative one the nearest avoid direction. Cost: O((centroids + avoid) × dim). A full
//! [`TasteProfile::build`] over the same events gives the same sums and masses whenever it assigns
//! tracks to the same clusters (tested); [`TasteProfile::needs_rebuild`] says when the structure
//! may have changed enough to re-cluster.

use crate::clock::UnixMs;
use crate::explore::SeededRng;
use crate::ids::TrackId;
use crate::model::FeedbackKind;
use crate::CoreError;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

/// Milliseconds in a day.
pub const MS_PER_DAY: f64 = 86_400_000.0;

/// A placed item whose best cosine to its centroid is below this counts as a misfit (a hint that
/// a new taste mode appeared and a rebuild may split it off).
const MISFIT_COSINE: f64 = 0.5;

/// Tunables of the taste profile. Defaults are SPEC §7.2 / `[taste]` in `hearth.toml`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TasteParams {
    pub half_life_days: f64,
    pub max_centroids: usize,
    /// Minimum share of the total positive mass a centroid must hold, in `[0, 1)`.
    pub min_cluster_mass: f64,
    /// Minimum relative drop in dispersion that justifies one more centroid, in `[0, 1]`.
    pub min_dispersion_gain: f64,
    /// A set of vectors whose mean dispersion `J / mass` is below this is tight enough for one
    /// direction and is not split further (two near-identical tracks are one taste).
    pub min_spread: f64,
    pub max_avoid_centroids: usize,
    /// Seed of the k-means++ seeding: same events, same profile.
    pub seed: u64,
}

impl Default for TasteParams {
    fn default() -> Self {
        TasteParams {
            half_life_days: 30.0,
            max_centroids: 4,
            min_cluster_mass: 0.05,
            min_dispersion_gain: 0.25,
            min_spread: 0.05,
            max_avoid_centroids: 2,
            seed: 0x7a57e,
        }
    }
}

impl TasteParams {
    pub fn validate(&self) -> Result<(), CoreError> {
        if !(self.half_life_days.is_finite() && self.half_life_days > 0.0) {
            return Err(CoreError::invalid(
                "taste.half_life_days",
                format!("{} must be a positive number of days", self.half_life_days),
            ));
        }
        if self.max_centroids == 0 || self.max_centroids > 64 {
            return Err(CoreError::invalid(
                "taste.max_centroids",
                format!("{} must be between 1 and 64", self.max_centroids),
            ));
        }
        if self.max_avoid_centroids == 0 || self.max_avoid_centroids > 64 {
            return Err(CoreError::invalid(
                "taste.max_avoid_centroids",
                format!("{} must be between 1 and 64", self.max_avoid_centroids),
            ));
        }
        if !(0.0..1.0).contains(&self.min_cluster_mass) {
            return Err(CoreError::invalid(
                "taste.min_cluster_mass",
                format!("{} must be in [0, 1)", self.min_cluster_mass),
            ));
        }
        if !(0.0..=1.0).contains(&self.min_dispersion_gain) {
            return Err(CoreError::invalid(
                "taste.min_dispersion_gain",
                format!("{} must be in [0, 1]", self.min_dispersion_gain),
            ));
        }
        if !(0.0..=2.0).contains(&self.min_spread) {
            return Err(CoreError::invalid(
                "taste.min_spread",
                format!("{} must be in [0, 2]", self.min_spread),
            ));
        }
        Ok(())
    }
}

/// `0.5^(Δt / half_life)` — the factor that carries a weight stated at `from_ms` to `to_ms`.
/// Greater than 1 when `to_ms < from_ms`.
pub fn decay_factor(from_ms: UnixMs, to_ms: UnixMs, half_life_days: f64) -> f64 {
    let days = (to_ms - from_ms) as f64 / MS_PER_DAY;
    0.5f64.powf(days / half_life_days)
}

/// Recency of an event `age_ms` old: `0.5^(age_days / half_life_days)`.
pub fn recency(age_ms: i64, half_life_days: f64) -> f64 {
    decay_factor(0, age_ms, half_life_days)
}

/// The signal of one listen: `−0.5` when skipped, else the played fraction in `[0, 1]` (a full
/// play when the fraction is unknown).
pub fn listen_signal(played_fraction: Option<f64>, skipped: bool) -> f64 {
    if skipped {
        return -0.5;
    }
    match played_fraction {
        Some(f) if f.is_finite() => f.clamp(0.0, 1.0),
        _ => 1.0,
    }
}

/// The signal of one feedback (see the module docs).
pub fn feedback_signal(kind: FeedbackKind) -> f64 {
    match kind {
        FeedbackKind::Love | FeedbackKind::Favorite => 2.0,
        FeedbackKind::Like => 1.0,
        FeedbackKind::Play => 1.0,
        FeedbackKind::Skip => -0.5,
        FeedbackKind::Dislike => -1.0,
        FeedbackKind::Hate => -3.0,
        FeedbackKind::BadRecommendation => -1.0,
    }
}

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum TasteEventKind {
    /// A listen; `played_fraction` is `ms_played / duration_ms` when both are known.
    Listen {
        played_fraction: Option<f64>,
        skipped: bool,
    },
    Feedback {
        kind: FeedbackKind,
    },
}

/// One event of a profile's history, as the taste profile sees it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct TasteEvent {
    pub track_id: TrackId,
    pub ts: UnixMs,
    pub kind: TasteEventKind,
}

impl TasteEvent {
    /// A listen. The played fraction is `ms_played / duration_ms` when both are known and the
    /// duration is positive.
    pub fn listen(
        track_id: TrackId,
        ts: UnixMs,
        ms_played: Option<i64>,
        duration_ms: Option<i64>,
        skipped: bool,
    ) -> Self {
        let played_fraction = match (ms_played, duration_ms) {
            (Some(p), Some(d)) if d > 0 => Some((p.max(0) as f64 / d as f64).min(1.0)),
            _ => None,
        };
        TasteEvent {
            track_id,
            ts,
            kind: TasteEventKind::Listen {
                played_fraction,
                skipped,
            },
        }
    }

    pub fn feedback(track_id: TrackId, ts: UnixMs, kind: FeedbackKind) -> Self {
        TasteEvent {
            track_id,
            ts,
            kind: TasteEventKind::Feedback { kind },
        }
    }

    /// The undecayed signal of this event.
    pub fn signal(&self) -> f64 {
        match self.kind {
            TasteEventKind::Listen {
                played_fraction,
                skipped,
            } => listen_signal(played_fraction, skipped),
            TasteEventKind::Feedback { kind } => feedback_signal(kind),
        }
    }

    /// `Some(true)` for a play, `Some(false)` for a skip (listens and play/skip feedback), else
    /// `None`. Feeds the per-centroid Thompson posteriors.
    fn play_or_skip(&self) -> Option<bool> {
        match self.kind {
            TasteEventKind::Listen { skipped, .. } => Some(!skipped),
            TasteEventKind::Feedback {
                kind: FeedbackKind::Play,
            } => Some(true),
            TasteEventKind::Feedback {
                kind: FeedbackKind::Skip,
            } => Some(false),
            TasteEventKind::Feedback { .. } => None,
        }
    }
}

/// Which accumulator holds a track's weight.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Slot {
    Taste(u16),
    Avoid(u16),
}

/// A known track's weight and placement.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct TrackTaste {
    /// Weight as of `at_ms`.
    pub weight: f64,
    pub at_ms: UnixMs,
    /// `None` when the weight is zero or the track had no usable vector.
    pub slot: Option<Slot>,
}

/// A weighted sum of unit vectors and its mass, in "weight at the profile's reference time".
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Accumulator {
    pub sum: Vec<f64>,
    pub mass: f64,
    /// Plays and skips of tracks nearest to this centroid (Thompson posterior; not decayed).
    pub plays: f64,
    pub skips: f64,
}

impl Accumulator {
    fn new(dim: usize) -> Self {
        Accumulator {
            sum: vec![0.0; dim],
            mass: 0.0,
            plays: 0.0,
            skips: 0.0,
        }
    }
    fn add(&mut self, x: &[f32], w: f64) {
        for (s, &v) in self.sum.iter_mut().zip(x) {
            *s += w * v as f64;
        }
        self.mass += w;
    }
    fn scale(&mut self, f: f64) {
        for s in &mut self.sum {
            *s *= f;
        }
        self.mass *= f;
    }
    /// Unit direction, or `None` for an empty or cancelled-out accumulator.
    fn direction(&self) -> Option<Vec<f32>> {
        if self.mass <= 1e-12 {
            return None;
        }
        let n = self.sum.iter().map(|s| s * s).sum::<f64>().sqrt();
        if !(n.is_finite() && n > 1e-12) {
            return None;
        }
        Some(self.sum.iter().map(|s| (s / n) as f32).collect())
    }
}

/// A centroid as the ranker sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CentroidView {
    /// Stable index inside the profile (reasons cite it as "taste cluster #index+1").
    pub index: usize,
    /// Unit vector.
    pub vector: Vec<f32>,
    /// Mass at the queried time.
    pub mass: f64,
    /// Share of the total positive (or negative) mass, in `[0, 1]`.
    pub share: f64,
    pub plays: f64,
    pub skips: f64,
}

/// A serialisable overview of a profile's taste (dashboard, `GET /api/profiles/{name}`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TasteSummary {
    pub clusters: Vec<ClusterSummary>,
    pub avoid: Vec<ClusterSummary>,
    pub known_tracks: usize,
    pub n_events: u64,
    pub built_at: UnixMs,
    pub updated_at: UnixMs,
    pub needs_rebuild: bool,
}

/// One centroid in a [`TasteSummary`]; `exemplars` are its heaviest tracks (names are the
/// caller's to look up).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClusterSummary {
    pub index: usize,
    pub share: f64,
    pub mass: f64,
    pub exemplars: Vec<TrackId>,
}

/// A profile's learned taste. Serialise it with serde (the store keeps it as JSON).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TasteProfile {
    dim: usize,
    params: TasteParams,
    reference_ms: UnixMs,
    centroids: Vec<Accumulator>,
    avoid: Vec<Accumulator>,
    tracks: BTreeMap<TrackId, TrackTaste>,
    n_events: u64,
    built_at: UnixMs,
    updated_at: UnixMs,
    events_since_build: u64,
    misfits_since_build: u64,
}

impl TasteProfile {
    /// A profile with no history (cold start). The dimension is fixed by the first vector seen.
    pub fn empty(params: TasteParams, now_ms: UnixMs) -> Result<Self, CoreError> {
        params.validate()?;
        Ok(TasteProfile {
            dim: 0,
            params,
            reference_ms: now_ms,
            centroids: Vec::new(),
            avoid: Vec::new(),
            tracks: BTreeMap::new(),
            n_events: 0,
            built_at: now_ms,
            updated_at: now_ms,
            events_since_build: 0,
            misfits_since_build: 0,
        })
    }

    /// Full rebuild from a profile's whole history. `vectors` maps track ids to their vectors (any
    /// scale; they are L2-normalised here); tracks without a vector, or with a zero or non-finite
    /// one, are remembered (known, weighted) but not placed. All vectors must share one dimension.
    /// The decay reference is `max(now_ms, newest event)`.
    pub fn build(
        events: &[TasteEvent],
        vectors: &HashMap<TrackId, Vec<f32>>,
        now_ms: UnixMs,
        params: &TasteParams,
    ) -> Result<Self, CoreError> {
        params.validate()?;
        let reference = events.iter().map(|e| e.ts).fold(now_ms, i64::max);
        let h = params.half_life_days;
        let mut weights: BTreeMap<TrackId, f64> = BTreeMap::new();
        let mut outcomes: BTreeMap<TrackId, (f64, f64)> = BTreeMap::new();
        for e in events {
            *weights.entry(e.track_id).or_insert(0.0) +=
                e.signal() * decay_factor(e.ts, reference, h);
            if let Some(play) = e.play_or_skip() {
                let o = outcomes.entry(e.track_id).or_insert((0.0, 0.0));
                if play {
                    o.0 += 1.0
                } else {
                    o.1 += 1.0
                }
            }
        }
        let mut p = Self::from_track_weights(&weights, &outcomes, vectors, reference, params)?;
        p.n_events = events.len() as u64;
        p.built_at = now_ms;
        Ok(p)
    }

    /// Builds a profile from per-track weights that are already aggregated and stated at `now_ms`
    /// (e.g. play counts of a dataset without timestamps, as in the HetRec evaluation). Same
    /// clustering as [`TasteProfile::build`]; `n_events` is the number of weighted tracks.
    pub fn from_weights(
        weights: &[(TrackId, f64)],
        vectors: &HashMap<TrackId, Vec<f32>>,
        now_ms: UnixMs,
        params: &TasteParams,
    ) -> Result<Self, CoreError> {
        params.validate()?;
        let mut map: BTreeMap<TrackId, f64> = BTreeMap::new();
        for (id, w) in weights {
            if !w.is_finite() {
                return Err(CoreError::invalid(
                    "weight",
                    format!("track {id} has a non-finite weight"),
                ));
            }
            *map.entry(*id).or_insert(0.0) += w;
        }
        let mut p = Self::from_track_weights(&map, &BTreeMap::new(), vectors, now_ms, params)?;
        p.n_events = map.len() as u64;
        Ok(p)
    }

    fn from_track_weights(
        weights: &BTreeMap<TrackId, f64>,
        outcomes: &BTreeMap<TrackId, (f64, f64)>,
        vectors: &HashMap<TrackId, Vec<f32>>,
        reference: UnixMs,
        params: &TasteParams,
    ) -> Result<Self, CoreError> {
        let mut p = TasteProfile::empty(params.clone(), reference)?;
        p.reference_ms = reference;
        p.updated_at = reference;
        let mut pos: Vec<(TrackId, Vec<f32>, f64)> = Vec::new();
        let mut neg: Vec<(TrackId, Vec<f32>, f64)> = Vec::new();
        for (&id, &w) in weights {
            p.tracks.insert(
                id,
                TrackTaste {
                    weight: w,
                    at_ms: reference,
                    slot: None,
                },
            );
            if w == 0.0 {
                continue;
            }
            let Some(v) = vectors.get(&id) else { continue };
            let Some(x) = p.unit(id, v)? else { continue };
            if w > 0.0 {
                pos.push((id, x, w));
            } else {
                neg.push((id, x, -w));
            }
        }

        let mut rng = SeededRng::new(params.seed);
        let dim = p.dim;
        for (items, is_taste) in [(&pos, true), (&neg, false)] {
            let max_k = if is_taste {
                params.max_centroids
            } else {
                params.max_avoid_centroids
            };
            let pts: Vec<(&[f32], f64)> = items.iter().map(|(_, x, w)| (&x[..], *w)).collect();
            let clustering = adaptive_kmeans(&pts, max_k, params, &mut rng.fork(is_taste as u64));
            let mut accs: Vec<Accumulator> =
                (0..clustering.k).map(|_| Accumulator::new(dim)).collect();
            for ((id, x, w), &c) in items.iter().zip(&clustering.assign) {
                accs[c].add(x, *w);
                let slot = if is_taste {
                    Slot::Taste(c as u16)
                } else {
                    Slot::Avoid(c as u16)
                };
                if let Some(t) = p.tracks.get_mut(id) {
                    t.slot = Some(slot);
                }
            }
            if is_taste {
                p.centroids = accs;
            } else {
                p.avoid = accs;
            }
        }

        // Thompson counters: each track's plays/skips go to the centroid nearest its vector.
        let dirs: Vec<Option<Vec<f32>>> = p.centroids.iter().map(Accumulator::direction).collect();
        for (&id, &(plays, skips)) in outcomes {
            let Some(v) = vectors.get(&id) else { continue };
            let Some(x) = p.unit(id, v)? else { continue };
            if let Some((c, _)) = nearest(&dirs, &x) {
                p.centroids[c].plays += plays;
                p.centroids[c].skips += skips;
            }
        }
        Ok(p)
    }

    /// Incremental update with one new event, in O((centroids + avoid) × dim). `vector` is the
    /// event's track vector (any scale). It is required when the track is already placed (its old
    /// contribution must be removed); without one the weight is still tracked but not placed.
    /// The track's vector must be the one it had when it was placed (a vector version change
    /// requires [`TasteProfile::build`]).
    pub fn apply(&mut self, event: &TasteEvent, vector: Option<&[f32]>) -> Result<(), CoreError> {
        let h = self.params.half_life_days;
        if event.ts > self.reference_ms {
            let f = decay_factor(self.reference_ms, event.ts, h);
            for a in self.centroids.iter_mut().chain(self.avoid.iter_mut()) {
                a.scale(f);
            }
            self.reference_ms = event.ts;
        }
        let reference = self.reference_ms;
        let x = match vector {
            Some(v) => self.unit(event.track_id, v)?,
            None => None,
        };
        let entry = self.tracks.get(&event.track_id).copied();
        if entry.is_some_and(|t| t.slot.is_some()) && x.is_none() {
            return Err(CoreError::invalid(
                "vector",
                format!(
                    "track {} is placed in the taste profile; its (non-zero) vector is required",
                    event.track_id
                ),
            ));
        }
        let old_w = entry.map_or(0.0, |t| t.weight * decay_factor(t.at_ms, reference, h));
        let new_w = old_w + event.signal() * decay_factor(event.ts, reference, h);
        let old_slot = entry.and_then(|t| t.slot);

        let mut new_slot = None;
        if let Some(x) = &x {
            match old_slot {
                Some(Slot::Taste(c)) => self.centroids[c as usize].add(x, -old_w),
                Some(Slot::Avoid(a)) => self.avoid[a as usize].add(x, old_w),
                None => {}
            }
            if new_w > 0.0 {
                let c = match old_slot {
                    Some(Slot::Taste(c)) => c as usize,
                    _ => self.nearest_or_new(true, x),
                };
                self.centroids[c].add(x, new_w);
                new_slot = Some(Slot::Taste(c as u16));
                let dirs = [self.centroids[c].direction()];
                if nearest(&dirs, x).is_none_or(|(_, cos)| cos < MISFIT_COSINE) {
                    self.misfits_since_build += 1;
                }
            } else if new_w < 0.0 {
                let a = match old_slot {
                    Some(Slot::Avoid(a)) => a as usize,
                    _ => self.nearest_or_new(false, x),
                };
                self.avoid[a].add(x, -new_w);
                new_slot = Some(Slot::Avoid(a as u16));
            }
            if let Some(play) = event.play_or_skip() {
                let dirs: Vec<Option<Vec<f32>>> =
                    self.centroids.iter().map(Accumulator::direction).collect();
                if let Some((c, _)) = nearest(&dirs, x) {
                    if play {
                        self.centroids[c].plays += 1.0;
                    } else {
                        self.centroids[c].skips += 1.0;
                    }
                }
            }
        }
        self.tracks.insert(
            event.track_id,
            TrackTaste {
                weight: new_w,
                at_ms: reference,
                slot: new_slot,
            },
        );
        self.n_events += 1;
        self.events_since_build += 1;
        self.updated_at = self.updated_at.max(event.ts);
        Ok(())
    }

    /// Moves the decay reference to `now_ms` (no-op when it is older than the reference). Queries
    /// take `now_ms` anyway; this only keeps the stored numbers readable.
    pub fn advance_to(&mut self, now_ms: UnixMs) {
        if now_ms > self.reference_ms {
            let f = decay_factor(self.reference_ms, now_ms, self.params.half_life_days);
            for a in self.centroids.iter_mut().chain(self.avoid.iter_mut()) {
                a.scale(f);
            }
            self.reference_ms = now_ms;
        }
    }

    /// Whether a full rebuild is advisable: many events since the last one (≥ 50 and ≥ 20 % of
    /// the history), or ≥ 10 positive items that fit their centroid poorly while a centroid slot
    /// is still free (a new taste mode may have appeared).
    pub fn needs_rebuild(&self) -> bool {
        let built_events = self.n_events.saturating_sub(self.events_since_build);
        let stale = self.events_since_build >= 50 && self.events_since_build * 5 >= built_events;
        let new_mode =
            self.misfits_since_build >= 10 && self.centroids.len() < self.params.max_centroids;
        stale || new_mode
    }

    /// Positive centroids with non-zero mass, masses decayed to `now_ms`.
    pub fn centroids_at(&self, now_ms: UnixMs) -> Vec<CentroidView> {
        self.views(&self.centroids, now_ms)
    }

    /// Avoid directions with non-zero mass, masses decayed to `now_ms`.
    pub fn avoid_at(&self, now_ms: UnixMs) -> Vec<CentroidView> {
        self.views(&self.avoid, now_ms)
    }

    /// The haunt-fm single taste vector: the unit direction of `Σ w·x` over every positively
    /// weighted placed track (all centroids pooled). `None` without positive history.
    pub fn mean_vector(&self) -> Option<Vec<f32>> {
        let mut all = Accumulator::new(self.dim);
        for a in &self.centroids {
            for (s, v) in all.sum.iter_mut().zip(&a.sum) {
                *s += v;
            }
            all.mass += a.mass;
        }
        all.direction()
    }

    /// The `n` heaviest tracks of a slot, heaviest first (for "taste cluster #2 (Artist X, …)").
    pub fn exemplars(&self, slot: Slot, n: usize) -> Vec<TrackId> {
        let h = self.params.half_life_days;
        let mut v: Vec<(TrackId, f64)> = self
            .tracks
            .iter()
            .filter(|(_, t)| t.slot == Some(slot))
            .map(|(id, t)| {
                (
                    *id,
                    t.weight.abs() * decay_factor(t.at_ms, self.reference_ms, h),
                )
            })
            .collect();
        v.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        v.into_iter().take(n).map(|(id, _)| id).collect()
    }

    /// An overview with up to `exemplars` heaviest tracks per centroid.
    pub fn summary(&self, now_ms: UnixMs, exemplars: usize) -> TasteSummary {
        let clusters = |views: Vec<CentroidView>, taste: bool| -> Vec<ClusterSummary> {
            views
                .into_iter()
                .map(|v| ClusterSummary {
                    index: v.index,
                    share: v.share,
                    mass: v.mass,
                    exemplars: self.exemplars(
                        if taste {
                            Slot::Taste(v.index as u16)
                        } else {
                            Slot::Avoid(v.index as u16)
                        },
                        exemplars,
                    ),
                })
                .collect()
        };
        TasteSummary {
            clusters: clusters(self.centroids_at(now_ms), true),
            avoid: clusters(self.avoid_at(now_ms), false),
            known_tracks: self.tracks.len(),
            n_events: self.n_events,
            built_at: self.built_at,
            updated_at: self.updated_at,
            needs_rebuild: self.needs_rebuild(),
        }
    }

    /// The `n` most positively weighted known tracks at `now_ms`, heaviest first — the anchors a
    /// ranker cites as "you liked Z".
    pub fn top_tracks(&self, n: usize, now_ms: UnixMs) -> Vec<(TrackId, f64)> {
        let h = self.params.half_life_days;
        let mut v: Vec<(TrackId, f64)> = self
            .tracks
            .iter()
            .filter(|(_, t)| t.weight > 0.0)
            .map(|(id, t)| (*id, t.weight * decay_factor(t.at_ms, now_ms, h)))
            .collect();
        v.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        v.truncate(n);
        v
    }

    /// Whether the profile has any event for this track (known tracks are excluded from
    /// recommendations unless asked for).
    pub fn knows(&self, id: TrackId) -> bool {
        self.tracks.contains_key(&id)
    }

    /// A known track's weight decayed to `now_ms`.
    pub fn track_weight_at(&self, id: TrackId, now_ms: UnixMs) -> Option<f64> {
        self.tracks
            .get(&id)
            .map(|t| t.weight * decay_factor(t.at_ms, now_ms, self.params.half_life_days))
    }

    /// Every known track with its placement.
    pub fn tracks(&self) -> &BTreeMap<TrackId, TrackTaste> {
        &self.tracks
    }

    pub fn dim(&self) -> usize {
        self.dim
    }
    pub fn params(&self) -> &TasteParams {
        &self.params
    }
    pub fn n_events(&self) -> u64 {
        self.n_events
    }
    /// When the last full rebuild ran.
    pub fn built_at(&self) -> UnixMs {
        self.built_at
    }
    /// Time of the newest event applied.
    pub fn updated_at(&self) -> UnixMs {
        self.updated_at
    }
    /// The time the stored sums and masses refer to.
    pub fn reference_ms(&self) -> UnixMs {
        self.reference_ms
    }
    /// Raw accumulators (for storage or inspection).
    pub fn accumulators(&self) -> (&[Accumulator], &[Accumulator]) {
        (&self.centroids, &self.avoid)
    }

    fn views(&self, accs: &[Accumulator], now_ms: UnixMs) -> Vec<CentroidView> {
        let f = decay_factor(self.reference_ms, now_ms, self.params.half_life_days);
        let total: f64 = accs.iter().map(|a| a.mass.max(0.0)).sum();
        accs.iter()
            .enumerate()
            .filter_map(|(i, a)| {
                let vector = a.direction()?;
                Some(CentroidView {
                    index: i,
                    vector,
                    mass: a.mass * f,
                    share: if total > 0.0 { a.mass / total } else { 0.0 },
                    plays: a.plays,
                    skips: a.skips,
                })
            })
            .collect()
    }

    /// Checks the dimension (fixing it on first use) and L2-normalises. `Ok(None)` for a zero or
    /// non-finite vector, which cannot be placed.
    fn unit(&mut self, id: TrackId, v: &[f32]) -> Result<Option<Vec<f32>>, CoreError> {
        if self.dim == 0 {
            if v.is_empty() {
                return Err(CoreError::invalid(
                    "vector",
                    format!("track {id} has an empty vector"),
                ));
            }
            self.dim = v.len();
        } else if v.len() != self.dim {
            return Err(CoreError::invalid(
                "vector",
                format!(
                    "track {id} has a {}-dimensional vector; this profile uses {} dimensions",
                    v.len(),
                    self.dim
                ),
            ));
        }
        Ok(unit_vector(v))
    }

    fn nearest_or_new(&mut self, taste: bool, x: &[f32]) -> usize {
        let dim = self.dim;
        let accs = if taste {
            &mut self.centroids
        } else {
            &mut self.avoid
        };
        let dirs: Vec<Option<Vec<f32>>> = accs.iter().map(Accumulator::direction).collect();
        if let Some((i, _)) = nearest(&dirs, x) {
            return i;
        }
        // No live accumulator: reuse an emptied one or open the first.
        if let Some(i) = accs.iter().position(|a| a.mass <= 1e-12) {
            let (plays, skips) = (accs[i].plays, accs[i].skips);
            accs[i] = Accumulator::new(dim);
            accs[i].plays = plays;
            accs[i].skips = skips;
            return i;
        }
        accs.push(Accumulator::new(dim));
        accs.len() - 1
    }
}

/// The L2-normalised copy of `v`, or `None` when it is zero or not finite.
pub fn unit_vector(v: &[f32]) -> Option<Vec<f32>> {
    let n = v
        .iter()
        .map(|&a| (a as f64) * (a as f64))
        .sum::<f64>()
        .sqrt();
    if !(n.is_finite() && n > 1e-12) {
        return None;
    }
    Some(v.iter().map(|&a| (a as f64 / n) as f32).collect())
}

fn dot64(a: &[f32], b: &[f32]) -> f64 {
    a.iter().zip(b).map(|(&x, &y)| x as f64 * y as f64).sum()
}

/// `dot64` in f32 with the vectorised kernel: k-means only compares cosines, so single
/// precision is enough there, and it is several times faster.
fn dot32(a: &[f32], b: &[f32]) -> f64 {
    crate::scoring::dot(a, b) as f64
}

/// Index and cosine of the live direction nearest to unit vector `x` (ties → lowest index).
fn nearest(dirs: &[Option<Vec<f32>>], x: &[f32]) -> Option<(usize, f64)> {
    let mut best: Option<(usize, f64)> = None;
    for (i, d) in dirs.iter().enumerate() {
        if let Some(d) = d {
            let c = dot64(d, x);
            if best.is_none_or(|(_, b)| c > b) {
                best = Some((i, c));
            }
        }
    }
    best
}

struct Clustering {
    k: usize,
    assign: Vec<usize>,
    dispersion: f64,
}

/// Weighted spherical k-means with adaptive `k` (rules in the module docs). Points are unit
/// vectors with positive weights. Clusters are numbered by descending mass.
fn adaptive_kmeans(
    pts: &[(&[f32], f64)],
    max_k: usize,
    params: &TasteParams,
    rng: &mut SeededRng,
) -> Clustering {
    if pts.is_empty() {
        return Clustering {
            k: 0,
            assign: Vec::new(),
            dispersion: 0.0,
        };
    }
    let total: f64 = pts.iter().map(|p| p.1).sum();
    let mut best = lloyd(pts, vec![heaviest(pts)], 1);
    let distinct = count_distinct(pts, max_k);
    for k in 2..=max_k.min(distinct) {
        let mut cand: Option<Clustering> = None;
        for restart in 0..3u64 {
            let mut r = rng.fork(k as u64 * 31 + restart);
            let seeds = kmeanspp_seeds(pts, k, &mut r);
            if seeds.len() < k {
                continue;
            }
            let mut c = lloyd(pts, seeds, 50);
            c = dissolve_light(pts, c, params.min_cluster_mass * total);
            if cand
                .as_ref()
                .is_none_or(|b| c.k > b.k || (c.k == b.k && c.dispersion < b.dispersion))
            {
                cand = Some(c);
            }
        }
        let Some(cand) = cand else { break };
        if cand.k <= best.k {
            break;
        }
        if best.dispersion <= params.min_spread * total
            || cand.dispersion > (1.0 - params.min_dispersion_gain) * best.dispersion
        {
            break;
        }
        best = cand;
    }
    order_by_mass(pts, best)
}

/// Number of distinct vectors, counting no further than `cap + 1`.
fn count_distinct(pts: &[(&[f32], f64)], cap: usize) -> usize {
    let mut reps: Vec<&[f32]> = Vec::new();
    for p in pts {
        if !reps.iter().any(|r| dot32(r, p.0) > 1.0 - 1e-9) {
            reps.push(p.0);
            if reps.len() > cap {
                break;
            }
        }
    }
    reps.len()
}

fn heaviest(pts: &[(&[f32], f64)]) -> Vec<f32> {
    let mut i = 0;
    for (j, p) in pts.iter().enumerate() {
        if p.1 > pts[i].1 {
            i = j;
        }
    }
    pts[i].0.to_vec()
}

/// k-means++ seeding on the sphere: the first centre is drawn ∝ weight, the next ∝ weight ×
/// (1 − cos to the nearest chosen centre). Stops early when every point coincides with a centre.
fn kmeanspp_seeds(pts: &[(&[f32], f64)], k: usize, rng: &mut SeededRng) -> Vec<Vec<f32>> {
    let mut centres: Vec<Vec<f32>> = Vec::with_capacity(k);
    let pick = |scores: &[f64], rng: &mut SeededRng| -> Option<usize> {
        let total: f64 = scores.iter().sum();
        if total.is_nan() || total <= 1e-12 {
            return None;
        }
        let mut t = rng.next_f64() * total;
        for (i, s) in scores.iter().enumerate() {
            if t < *s {
                return Some(i);
            }
            t -= s;
        }
        scores.iter().rposition(|s| *s > 0.0)
    };
    let weights: Vec<f64> = pts.iter().map(|p| p.1).collect();
    let Some(first) = pick(&weights, rng) else {
        return centres;
    };
    centres.push(pts[first].0.to_vec());
    let mut dist: Vec<f64> = pts
        .iter()
        .map(|p| (1.0 - dot32(p.0, &centres[0])).max(0.0))
        .collect();
    while centres.len() < k {
        let scores: Vec<f64> = pts.iter().zip(&dist).map(|(p, d)| p.1 * d).collect();
        let Some(i) = pick(&scores, rng) else { break };
        let c = pts[i].0.to_vec();
        for (d, p) in dist.iter_mut().zip(pts) {
            *d = d.min((1.0 - dot32(p.0, &c)).max(0.0));
        }
        centres.push(c);
    }
    centres
}

/// Lloyd iterations from the given centres; empty or cancelled clusters are dropped.
fn lloyd(pts: &[(&[f32], f64)], mut centres: Vec<Vec<f32>>, max_iter: usize) -> Clustering {
    let dim = pts[0].0.len();
    let mut assign = vec![usize::MAX; pts.len()];
    for _ in 0..max_iter.max(1) {
        let mut changed = false;
        for (a, p) in assign.iter_mut().zip(pts) {
            let mut best = 0;
            let mut best_cos = f64::NEG_INFINITY;
            for (j, c) in centres.iter().enumerate() {
                let cos = dot32(p.0, c);
                if cos > best_cos {
                    best_cos = cos;
                    best = j;
                }
            }
            if *a != best {
                *a = best;
                changed = true;
            }
        }
        let mut accs: Vec<Accumulator> =
            (0..centres.len()).map(|_| Accumulator::new(dim)).collect();
        for (a, p) in assign.iter().zip(pts) {
            accs[*a].add(p.0, p.1);
        }
        let mut keep = Vec::with_capacity(centres.len());
        let mut new_centres = Vec::with_capacity(centres.len());
        for (j, acc) in accs.iter().enumerate() {
            if let Some(d) = acc.direction() {
                keep.push(j);
                new_centres.push(d);
            } else if acc.mass > 1e-12 {
                // Members cancel out (antipodal points): keep the old centre so they stay put.
                keep.push(j);
                new_centres.push(centres[j].clone());
            }
        }
        let dropped = keep.len() != centres.len();
        centres = new_centres;
        if dropped {
            assign.iter_mut().for_each(|a| *a = usize::MAX);
            continue;
        }
        if !changed {
            break;
        }
    }
    finish(pts, &centres)
}

/// Final assignment to the given centres and its dispersion; empty centres are dropped.
fn finish(pts: &[(&[f32], f64)], centres: &[Vec<f32>]) -> Clustering {
    let mut assign: Vec<usize> = pts
        .iter()
        .map(|p| {
            let mut best = 0;
            let mut best_cos = f64::NEG_INFINITY;
            for (j, c) in centres.iter().enumerate() {
                let cos = dot32(p.0, c);
                if cos > best_cos {
                    best_cos = cos;
                    best = j;
                }
            }
            best
        })
        .collect();
    // Renumber densely (a centre may have lost all its points).
    let mut map = vec![usize::MAX; centres.len()];
    let mut k = 0;
    for a in assign.iter_mut() {
        if map[*a] == usize::MAX {
            map[*a] = k;
            k += 1;
        }
        *a = map[*a];
    }
    let dispersion = dispersion(pts, &assign, k);
    Clustering {
        k,
        assign,
        dispersion,
    }
}

/// `Σ w·(1 − cos(x, direction of its cluster))`.
fn dispersion(pts: &[(&[f32], f64)], assign: &[usize], k: usize) -> f64 {
    let dim = pts[0].0.len();
    let mut accs: Vec<Accumulator> = (0..k).map(|_| Accumulator::new(dim)).collect();
    for (a, p) in assign.iter().zip(pts) {
        accs[*a].add(p.0, p.1);
    }
    let dirs: Vec<Option<Vec<f32>>> = accs.iter().map(Accumulator::direction).collect();
    assign
        .iter()
        .zip(pts)
        .map(|(a, p)| match &dirs[*a] {
            Some(d) => p.1 * (1.0 - dot64(p.0, d)).max(0.0),
            None => p.1,
        })
        .sum()
}

/// Dissolves clusters lighter than `min_mass` one at a time (lightest first) into their nearest
/// remaining centres, re-running Lloyd after each removal.
fn dissolve_light(pts: &[(&[f32], f64)], mut c: Clustering, min_mass: f64) -> Clustering {
    loop {
        if c.k <= 1 {
            return c;
        }
        let mut mass = vec![0.0; c.k];
        for (a, p) in c.assign.iter().zip(pts) {
            mass[*a] += p.1;
        }
        let (lightest, m) = mass
            .iter()
            .enumerate()
            .min_by(|a, b| a.1.total_cmp(b.1))
            .map(|(i, m)| (i, *m))
            .unwrap_or((0, 0.0));
        if m >= min_mass {
            return c;
        }
        let centres: Vec<Vec<f32>> = centres_of(pts, &c)
            .into_iter()
            .enumerate()
            .filter(|(j, _)| *j != lightest)
            .map(|(_, d)| d)
            .collect();
        c = lloyd(pts, centres, 50);
    }
}

fn centres_of(pts: &[(&[f32], f64)], c: &Clustering) -> Vec<Vec<f32>> {
    let dim = pts[0].0.len();
    let mut accs: Vec<Accumulator> = (0..c.k).map(|_| Accumulator::new(dim)).collect();
    for (a, p) in c.assign.iter().zip(pts) {
        accs[*a].add(p.0, p.1);
    }
    accs.iter()
        .zip(
            c.assign
                .iter()
                .zip(pts)
                .fold(vec![None; c.k], |mut first, (a, p)| {
                    if first[*a].is_none() {
                        first[*a] = Some(p.0.to_vec());
                    }
                    first
                }),
        )
        .map(|(acc, first)| acc.direction().or(first).unwrap_or_else(|| vec![0.0; dim]))
        .collect()
}

/// Renumbers clusters by descending mass so "cluster #1" is the main taste.
fn order_by_mass(pts: &[(&[f32], f64)], c: Clustering) -> Clustering {
    let mut mass = vec![0.0; c.k];
    for (a, p) in c.assign.iter().zip(pts) {
        mass[*a] += p.1;
    }
    let mut order: Vec<usize> = (0..c.k).collect();
    order.sort_by(|a, b| mass[*b].total_cmp(&mass[*a]).then(a.cmp(b)));
    let mut rank = vec![0; c.k];
    for (r, &old) in order.iter().enumerate() {
        rank[old] = r;
    }
    Clustering {
        k: c.k,
        assign: c.assign.iter().map(|a| rank[*a]).collect(),
        dispersion: c.dispersion,
    }
}

/// Mood tunables (SPEC §7.2, `[mood]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct MoodParams {
    pub window_size: usize,
    pub decay_rate: f64,
}

impl Default for MoodParams {
    fn default() -> Self {
        MoodParams {
            window_size: 20,
            decay_rate: 0.85,
        }
    }
}

/// The current mood: the weighted average of the vectors of the last `window_size` listens, the
/// most recent weighted `1`, the one before `decay_rate`, then `decay_rate²`… (Spotify-AI plan
/// `compute_mood_vector`). `recent` holds `(ts, vector)` in any order; listens without a vector
/// still take their place in the window. `Ok(None)` when no listen in the window has a vector.
pub fn mood_vector(
    recent: &[(UnixMs, Option<&[f32]>)],
    params: &MoodParams,
) -> Result<Option<Vec<f32>>, CoreError> {
    let mut order: Vec<usize> = (0..recent.len()).collect();
    // Most recent first; stable, so equal timestamps keep input order.
    order.sort_by(|a, b| recent[*b].0.cmp(&recent[*a].0));
    let mut acc: Option<Vec<f64>> = None;
    let mut total_w = 0.0;
    for (i, &j) in order.iter().take(params.window_size).enumerate() {
        let Some(v) = recent[j].1 else { continue };
        let w = params.decay_rate.powi(i as i32);
        let a = acc.get_or_insert_with(|| vec![0.0; v.len()]);
        if a.len() != v.len() {
            return Err(CoreError::invalid(
                "mood.vectors",
                format!(
                    "listen #{j} has a {}-dimensional vector, others have {}",
                    v.len(),
                    a.len()
                ),
            ));
        }
        for (s, &x) in a.iter_mut().zip(v) {
            *s += w * x as f64;
        }
        total_w += w;
    }
    Ok(acc
        .filter(|_| total_w > 0.0)
        .map(|a| a.iter().map(|s| (s / total_w) as f32).collect()))
}

/// Staleness tunables (SPEC §7.2, `[cycling]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct StalenessParams {
    pub lambda: f64,
    pub min_plays: u32,
    pub window_days: f64,
}

impl Default for StalenessParams {
    fn default() -> Self {
        StalenessParams {
            lambda: 0.05,
            min_plays: 5,
            window_days: 30.0,
        }
    }
}

/// Plays inside `(now − window_days, now]`.
pub fn recent_plays(play_ts: &[UnixMs], now_ms: UnixMs, window_days: f64) -> u32 {
    let cutoff = now_ms as f64 - window_days * MS_PER_DAY;
    play_ts
        .iter()
        .filter(|&&t| t <= now_ms && t as f64 > cutoff)
        .count() as u32
}

/// `1 − exp(−λ · recent_plays)` when `recent_plays ≥ min_plays`, else `0`.
pub fn staleness(recent_plays: u32, params: &StalenessParams) -> f64 {
    if recent_plays >= params.min_plays {
        1.0 - (-params.lambda * recent_plays as f64).exp()
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests;
