//! The recommendation score (SPEC §7.4) and the one ranking entry point, [`recommend`], that both
//! `/api/recommendations` and the offline evaluation call — the ranker evaluated is the ranker
//! served.
//!
//! ```text
//! score = w_taste · taste_side + w_mood · mood + w_fresh · (1 − staleness) + w_meta · qfzz
//!         − w_avoid · max(0, cos(avoid))
//!         + Σ_e w_e · z(evidence_e)  + noise       (e: collaborative, latent, tag_taste, popularity)
//! taste_side = alpha · taste + (1 − alpha) · vibe     (haunt-fm: alpha 1 = pure taste, 0 = pure
//!                                                      vibe; without a vibe, taste alone)
//! ```
//! Every similarity is mapped from cosine `[-1, 1]` to `[0, 1]` by `(cos + 1) / 2` (Spotify-AI
//! plan `score_song`), and is `0.5` (neutral) when there is nothing to compare — no taste yet, no
//! mood, no candidate vector. `taste` is the best centroid's similarity (or the single pooled
//! centroid's in [`CentroidMode::Single`]); `vibe` is the cosine to a text embedding when one is
//! given, else the lexicon's [`vibe_score`]; `qfzz` is [`qfzz::score_track`] with the profile's
//! explicit preferences; `noise` follows [`ExplorationMode`].
//!
//! **Evidence** ([`Evidence`]) is what a candidate brings from outside the vector space —
//! co-listening ([`crate::collab::CoListening`]), a latent-factor preference, taste in a second
//! (tag) space, popularity. Each has its own scale, so every evidence value is standardised over
//! the request's eligible candidates (a z-score; a missing value scores as the mean) before it is
//! weighted: the hybrid of SPEC §14 is this blend, tuned offline by `hearth eval hetrec`.
//!
//! **Multi-modal taste.** With several centroids each candidate belongs to its nearest centroid,
//! and the result is drawn from the centroids in proportion to their mass ([`allocate_slots`]), so
//! the metal fan who also loves ballads gets both. The same allocation sizes the per-centroid
//! vector-index queries ([`centroid_queries`], [`merge_centroid_hits`]).
//!
//! Known tracks of the profile (any event) are excluded unless `include_known` is set. Every
//! returned item carries its [`Reason`]s, which hold track ids; [`Reason::render`] turns them
//! into sentences with a caller-supplied name lookup.

use crate::clock::UnixMs;
use crate::explore::{ArmStats, ExplorationMode, SeededRng};
use crate::ids::TrackId;
use crate::prefs::Preferences;
use crate::qfzz::{self, QfzzTrack};
use crate::taste::{staleness, CentroidView, Slot, StalenessParams, TasteProfile};
use crate::vibe::{vibe_score, TrackAttributes, VibeAttribute, VibeTarget};
use crate::CoreError;
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};

/// Dot product, unrolled into eight independent lanes so the compiler vectorises it.
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    let mut acc = [0.0f32; 8];
    let ca = a.chunks_exact(8);
    let cb = b.chunks_exact(8);
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        for i in 0..8 {
            acc[i] += x[i] * y[i];
        }
    }
    let mut s = (acc[0] + acc[4]) + (acc[1] + acc[5]) + (acc[2] + acc[6]) + (acc[3] + acc[7]);
    for (x, y) in ra.iter().zip(rb) {
        s += x * y;
    }
    s
}

/// Cosine similarity; `None` when either vector is zero, not finite or the lengths differ.
pub fn cosine(a: &[f32], b: &[f32]) -> Option<f32> {
    if a.len() != b.len() {
        return None;
    }
    let na = dot(a, a).sqrt();
    let nb = dot(b, b).sqrt();
    let c = dot(a, b) / (na * nb);
    (na > 0.0 && nb > 0.0 && c.is_finite()).then(|| c.clamp(-1.0, 1.0))
}

/// `(cos + 1) / 2`.
fn unit_sim(cos: f32) -> f32 {
    ((cos + 1.0) * 0.5).clamp(0.0, 1.0)
}

/// Weights of the score. Defaults: `[scoring]` of `hearth.toml` plus `avoid` 0.3.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ScoreWeights {
    pub taste: f32,
    pub mood: f32,
    pub freshness: f32,
    pub meta: f32,
    /// Penalty per unit of positive cosine to the nearest avoid direction.
    pub avoid: f32,
    /// Scale of the exploration term (epsilon-greedy `uniform(0, ε)` or `ε · θ`).
    pub exploration_noise: f32,
    /// Weight of the standardised co-listening evidence.
    pub collaborative: f32,
    /// Weight of the standardised latent-factor evidence.
    pub latent: f32,
    /// Weight of the standardised tag-space taste evidence.
    pub tag_taste: f32,
    /// Weight of the standardised popularity evidence (negative favours the long tail).
    pub popularity: f32,
}

impl Default for ScoreWeights {
    fn default() -> Self {
        ScoreWeights {
            taste: 0.4,
            mood: 0.4,
            freshness: 0.2,
            meta: 0.1,
            avoid: 0.3,
            exploration_noise: 0.1,
            collaborative: 0.1,
            latent: 0.0,
            tag_taste: 0.0,
            popularity: 0.0,
        }
    }
}

impl ScoreWeights {
    /// Every weight 0: a starting point for rankers that switch single terms on (offline
    /// evaluation, tests).
    pub fn zero() -> Self {
        ScoreWeights {
            taste: 0.0,
            mood: 0.0,
            freshness: 0.0,
            meta: 0.0,
            avoid: 0.0,
            exploration_noise: 0.0,
            collaborative: 0.0,
            latent: 0.0,
            tag_taste: 0.0,
            popularity: 0.0,
        }
    }

    pub fn validate(&self) -> Result<(), CoreError> {
        for (field, w) in [
            ("scoring.taste_weight", self.taste),
            ("scoring.mood_weight", self.mood),
            ("scoring.freshness_weight", self.freshness),
            ("scoring.meta_weight", self.meta),
            ("scoring.avoid_weight", self.avoid),
            ("scoring.exploration_noise", self.exploration_noise),
            ("scoring.collaborative_weight", self.collaborative),
            ("scoring.latent_weight", self.latent),
            ("scoring.tag_taste_weight", self.tag_taste),
        ] {
            if !(w.is_finite() && (0.0..=10.0).contains(&w)) {
                return Err(CoreError::invalid(
                    field,
                    format!("{w} must be a number in [0, 10]"),
                ));
            }
        }
        let p = self.popularity;
        if !(p.is_finite() && (-10.0..=10.0).contains(&p)) {
            return Err(CoreError::invalid(
                "scoring.popularity_weight",
                format!("{p} must be a number in [-10, 10]"),
            ));
        }
        Ok(())
    }
}

/// Which taste summary the ranker uses (the evaluation compares both).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CentroidMode {
    /// All centroids, candidates drawn in proportion to centroid mass.
    #[default]
    Multi,
    /// The haunt-fm single weighted average ([`TasteProfile::mean_vector`]).
    Single,
}

/// A vibe request: the text (for reasons), its lexicon target and/or its text embedding, and the
/// blend factor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VibeInput {
    pub text: String,
    pub target: Option<VibeTarget>,
    /// A text embedding in the candidates' vector space (CLAP); preferred over `target`.
    pub vector: Option<Vec<f32>>,
    /// 1.0 = pure taste, 0.0 = pure vibe (haunt-fm default 0.5).
    pub alpha: f32,
}

impl VibeInput {
    /// A lexicon vibe from free text (see [`crate::vibe::parse_vibe`]).
    pub fn from_text(text: &str, alpha: f32) -> Self {
        VibeInput {
            text: text.to_string(),
            target: Some(crate::vibe::parse_vibe(text)),
            vector: None,
            alpha,
        }
    }
}

/// What a candidate brings from outside the vector space, each value on its own scale (see the
/// module docs: [`recommend`] standardises them per request). `None`: not known for this track.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct Evidence {
    /// Co-listening with the profile's tracks ([`crate::collab::CoListening::score`]).
    pub collaborative: Option<f32>,
    /// A latent-factor preference (e.g. implicit ALS) when such a model is trained.
    pub latent: Option<f32>,
    /// Taste similarity in a second, tag-based vector space.
    pub tag_taste: Option<f32>,
    /// Popularity, e.g. `ln(1 + listeners)`.
    pub popularity: Option<f32>,
}

impl Evidence {
    fn values(&self) -> [Option<f32>; 4] {
        [
            self.collaborative,
            self.latent,
            self.tag_taste,
            self.popularity,
        ]
    }

    fn from_values(v: [Option<f32>; 4]) -> Self {
        Evidence {
            collaborative: v[0],
            latent: v[1],
            tag_taste: v[2],
            popularity: v[3],
        }
    }
}

impl ScoreWeights {
    fn evidence(&self) -> [f32; 4] {
        [
            self.collaborative,
            self.latent,
            self.tag_taste,
            self.popularity,
        ]
    }
}

/// One candidate track. Borrowed so a large candidate set is not copied.
#[derive(Debug, Clone, Copy)]
pub struct Candidate<'a> {
    pub track_id: TrackId,
    /// The track vector (any scale); `None` when not analysed yet.
    pub vector: Option<&'a [f32]>,
    pub attributes: TrackAttributes,
    pub tags: &'a [String],
    /// QFZZ view of the track (artist, genres, moods, energy, tempo) for the metadata score.
    pub meta: Option<&'a QfzzTrack>,
    /// Library cluster (SPEC §12), the Thompson arm when known.
    pub cluster: Option<u32>,
    /// Plays inside the staleness window (see [`crate::taste::recent_plays`]).
    pub recent_plays: u32,
    pub evidence: Evidence,
}

impl Candidate<'_> {
    /// A candidate with nothing known but its id.
    pub fn new(track_id: TrackId) -> Self {
        Candidate {
            track_id,
            vector: None,
            attributes: TrackAttributes::default(),
            tags: &[],
            meta: None,
            cluster: None,
            recent_plays: 0,
            evidence: Evidence::default(),
        }
    }
}

/// A known track the reasons may cite ("you liked Z").
#[derive(Debug, Clone, Copy)]
pub struct Anchor<'a> {
    pub track_id: TrackId,
    pub vector: &'a [f32],
    /// Its taste weight (positive: liked/played; only positive anchors are cited).
    pub weight: f64,
}

/// Everything [`recommend`] needs. Build it with [`RecommendInput::new`] and set fields.
#[derive(Debug, Clone)]
pub struct RecommendInput<'a> {
    pub profile: Option<&'a TasteProfile>,
    pub now_ms: UnixMs,
    pub candidates: &'a [Candidate<'a>],
    /// Extra ids never to return (e.g. rejected or blacklisted tracks).
    pub exclude: Option<&'a HashSet<TrackId>>,
    /// Return tracks the profile already knows (default false).
    pub include_known: bool,
    /// The current mood vector ([`crate::taste::mood_vector`]).
    pub mood: Option<&'a [f32]>,
    pub vibe: Option<&'a VibeInput>,
    /// Explicit QFZZ preferences for the metadata term.
    pub preferences: Option<&'a Preferences>,
    pub weights: ScoreWeights,
    pub staleness: StalenessParams,
    pub centroid_mode: CentroidMode,
    pub exploration: ExplorationMode,
    /// Plays/skips per library cluster (Thompson arms). Candidates without a cluster use their
    /// taste centroid's counters.
    pub cluster_stats: Option<&'a HashMap<u32, ArmStats>>,
    pub anchors: &'a [Anchor<'a>],
    pub limit: usize,
    pub seed: u64,
}

impl<'a> RecommendInput<'a> {
    pub fn new(candidates: &'a [Candidate<'a>], now_ms: UnixMs) -> Self {
        RecommendInput {
            profile: None,
            now_ms,
            candidates,
            exclude: None,
            include_known: false,
            mood: None,
            vibe: None,
            preferences: None,
            weights: ScoreWeights::default(),
            staleness: StalenessParams::default(),
            centroid_mode: CentroidMode::Multi,
            exploration: ExplorationMode::Thompson,
            cluster_stats: None,
            anchors: &[],
            limit: 50,
            seed: 0,
        }
    }
}

/// The parts of a score (after weighting they sum to `score`).
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct ScoreComponents {
    /// Taste similarity in `[0, 1]` (`None`: no taste or no vector).
    pub taste: Option<f32>,
    /// Vibe match in `[0, 1]` (`None`: no vibe).
    pub vibe: Option<f32>,
    /// The blended taste side.
    pub taste_side: f32,
    pub mood: f32,
    pub freshness: f32,
    pub meta: f32,
    /// Positive cosine to the nearest avoid direction.
    pub avoid: f32,
    /// The standardised evidence (z-scores; `None` where the candidate had none).
    pub evidence: Evidence,
    pub noise: f32,
}

/// Why an item was recommended. Carries ids; [`Reason::render`] makes the sentence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Reason {
    /// Close to taste centroid `cluster` (0-based; rendered 1-based) whose heaviest tracks are
    /// `exemplars`.
    TasteCluster {
        cluster: usize,
        similarity: f32,
        exemplars: Vec<TrackId>,
    },
    /// Close to the overall taste (single-centroid mode).
    TasteProfile {
        similarity: f32,
    },
    /// Sounds like a track the profile liked or played.
    SimilarToKnown {
        track_id: TrackId,
        similarity: f32,
    },
    /// Sounds like the track a "similar tracks" request started from.
    SimilarToSeed {
        track_id: TrackId,
        similarity: f32,
    },
    Vibe {
        vibe: String,
        score: f32,
        matched_tags: Vec<String>,
        matched_attributes: Vec<VibeAttribute>,
    },
    /// Often listened to alongside the profile's tracks (co-listening `z` standard deviations
    /// above the shortlist's mean).
    CoListened {
        z: f32,
    },
    /// Fits what the profile has been playing lately.
    Mood {
        similarity: f32,
    },
    GenrePreference {
        genre: String,
        /// The preferred genre it is similar to, when not an exact match.
        similar_to: Option<String>,
        weight: f64,
    },
    ArtistPreference {
        artist: String,
        weight: f64,
    },
    MoodPreference {
        mood: String,
        weight: f64,
    },
    /// Ranked in by the exploration term, not by its score.
    ExplorationPick {
        cluster: Option<u32>,
    },
    /// Pushed down: sounds like things the profile disliked.
    NearDisliked {
        similarity: f32,
    },
    /// Pushed down: played a lot lately.
    PlayedOften {
        recent_plays: u32,
    },
}

impl Reason {
    /// A human sentence. `name_of` turns a track id into "Artist – Title" (or `None`).
    pub fn render(&self, name_of: &dyn Fn(TrackId) -> Option<String>) -> String {
        let name = |id: TrackId| name_of(id).unwrap_or_else(|| format!("track {id}"));
        match self {
            Reason::TasteCluster {
                cluster, exemplars, ..
            } => {
                if exemplars.is_empty() {
                    format!("close to your taste cluster #{}", cluster + 1)
                } else {
                    let names: Vec<String> = exemplars.iter().map(|&id| name(id)).collect();
                    format!(
                        "close to your taste cluster #{} ({})",
                        cluster + 1,
                        names.join(", ")
                    )
                }
            }
            Reason::TasteProfile { .. } => "close to your overall taste".to_string(),
            Reason::SimilarToSeed { track_id, .. } => format!("sounds like {}", name(*track_id)),
            Reason::SimilarToKnown { track_id, .. } => {
                format!("sounds like {}, which you liked", name(*track_id))
            }
            Reason::Vibe {
                vibe, matched_tags, ..
            } => {
                if matched_tags.is_empty() {
                    format!("matches the vibe “{vibe}”")
                } else {
                    format!(
                        "matches the vibe “{vibe}” (tagged {})",
                        matched_tags.join(", ")
                    )
                }
            }
            Reason::Mood { .. } => "fits what you have been playing lately".to_string(),
            Reason::CoListened { .. } => "often played alongside the music you play".to_string(),
            Reason::GenrePreference {
                genre, similar_to, ..
            } => match similar_to {
                Some(p) => format!("genre {genre} is close to {p}, one of your preferences"),
                None => format!("genre {genre} is in your preferences"),
            },
            Reason::ArtistPreference { artist, .. } => {
                format!("{artist} is one of your preferred artists")
            }
            Reason::MoodPreference { mood, .. } => format!("mood {mood} is in your preferences"),
            Reason::ExplorationPick { .. } => {
                "exploration pick: something a little different".to_string()
            }
            Reason::NearDisliked { .. } => "ranked lower: resembles music you disliked".to_string(),
            Reason::PlayedOften { recent_plays } => {
                format!("ranked lower: played {recent_plays} times recently")
            }
        }
    }
}

/// A ranked recommendation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScoredTrack {
    pub track_id: TrackId,
    pub score: f32,
    pub components: ScoreComponents,
    /// The taste centroid the candidate is nearest to (index into the profile's centroids).
    pub centroid: Option<usize>,
    pub reasons: Vec<Reason>,
}

/// Largest-remainder allocation of `total` slots in proportion to `shares` (non-negative; ties go
/// to the lower index). All-zero shares are treated as equal.
pub fn allocate_slots(shares: &[f64], total: usize) -> Vec<usize> {
    if shares.is_empty() {
        return Vec::new();
    }
    let clean: Vec<f64> = shares
        .iter()
        .map(|s| if s.is_finite() && *s > 0.0 { *s } else { 0.0 })
        .collect();
    let sum: f64 = clean.iter().sum();
    let clean: Vec<f64> = if sum > 0.0 {
        clean.iter().map(|s| s / sum).collect()
    } else {
        vec![1.0 / shares.len() as f64; shares.len()]
    };
    let exact: Vec<f64> = clean.iter().map(|s| s * total as f64).collect();
    let mut out: Vec<usize> = exact.iter().map(|e| e.floor() as usize).collect();
    let mut left = total.saturating_sub(out.iter().sum());
    let mut order: Vec<usize> = (0..shares.len()).collect();
    order.sort_by(|&a, &b| {
        let ra = exact[a] - exact[a].floor();
        let rb = exact[b] - exact[b].floor();
        rb.total_cmp(&ra).then(a.cmp(&b))
    });
    for &i in order.iter().cycle() {
        if left == 0 {
            break;
        }
        out[i] += 1;
        left -= 1;
    }
    out
}

/// Per-centroid index queries: each live centroid's unit vector and how many neighbours to ask
/// the vector index for, `total` split by mass (at least one each). Single mode or one centroid:
/// one query with the pooled mean.
pub fn centroid_queries(
    profile: &TasteProfile,
    now_ms: UnixMs,
    total: usize,
    mode: CentroidMode,
) -> Vec<(usize, Vec<f32>, usize)> {
    let cs = profile.centroids_at(now_ms);
    if mode == CentroidMode::Single || cs.len() <= 1 {
        return profile
            .mean_vector()
            .map(|v| vec![(0, v, total)])
            .unwrap_or_default();
    }
    let shares: Vec<f64> = cs.iter().map(|c| c.share).collect();
    let alloc = allocate_slots(&shares, total);
    cs.into_iter()
        .zip(alloc)
        .map(|(c, k)| (c.index, c.vector, k.max(1)))
        .collect()
}

/// Merges per-centroid index hits (each list best first) into one deduplicated shortlist of up to
/// `total` ids: each centroid contributes in proportion to its share; when a list runs dry its
/// slots pass to the others. Output interleaves the lists so every mode appears early.
pub fn merge_centroid_hits(hits: &[Vec<TrackId>], shares: &[f64], total: usize) -> Vec<TrackId> {
    let mut quota = allocate_slots(shares, total);
    quota.resize(hits.len(), 0);
    let mut pos = vec![0usize; hits.len()];
    let mut seen: HashSet<TrackId> = HashSet::new();
    let mut out = Vec::with_capacity(total);
    // Rounds: take one from every list that still has quota, until nothing moves; then hand the
    // unused quota to lists that still have hits.
    loop {
        let mut moved = false;
        for (i, list) in hits.iter().enumerate() {
            if out.len() >= total {
                return out;
            }
            if quota[i] == 0 {
                continue;
            }
            while pos[i] < list.len() {
                let id = list[pos[i]];
                pos[i] += 1;
                if seen.insert(id) {
                    out.push(id);
                    quota[i] -= 1;
                    moved = true;
                    break;
                }
            }
        }
        if !moved {
            let spare = total - out.len();
            let open: Vec<usize> = (0..hits.len())
                .filter(|&i| pos[i] < hits[i].len())
                .collect();
            if spare == 0 || open.is_empty() {
                return out;
            }
            for &i in &open {
                quota[i] = spare;
            }
        }
    }
}

/// The hot-loop record: 16 bytes per candidate. Everything else is recomputed for the winners.
#[derive(Debug, Clone, Copy)]
struct Row {
    idx: u32,
    /// Nearest taste centroid (position in `Ctx::centroids`), `u32::MAX` for none.
    home: u32,
    base: f32,
    noise: f32,
}

impl Row {
    fn total(&self) -> f32 {
        self.base + self.noise
    }
    fn home(&self) -> Option<usize> {
        (self.home != u32::MAX).then_some(self.home as usize)
    }
}

/// What the request fixes for every candidate.
struct Ctx<'a> {
    input: &'a RecommendInput<'a>,
    centroids: Vec<CentroidView>,
    avoid: Vec<CentroidView>,
    dim: Option<usize>,
    mood: Option<(&'a [f32], f32)>,
    vibe_vec: Option<(&'a [f32], f32)>,
    alpha: Option<f32>,
    /// Per evidence kind: (mean, standard deviation) over the eligible candidates, `None` when
    /// no candidate has it or its weight is 0.
    evidence_stats: [Option<(f64, f64)>; 4],
}

/// One candidate's evaluation without the exploration term.
struct Eval {
    comp: ScoreComponents,
    base: f32,
    home: Option<usize>,
    taste_cos: Option<f32>,
    mood_cos: Option<f32>,
    meta: Option<qfzz::QfzzBreakdown>,
    vibe_match: Option<crate::vibe::VibeMatch>,
}

impl Ctx<'_> {
    fn eval(&self, c: &Candidate<'_>, want_details: bool) -> Eval {
        let w = &self.input.weights;
        let x = c.vector.filter(|x| self.dim.is_none_or(|d| x.len() == d));
        let xn = x
            .map(|x| dot(x, x).sqrt())
            .filter(|n| *n > 0.0 && n.is_finite());
        let (mut taste_cos, mut home) = (None, None);
        let mut avoid_cos = 0.0f32;
        let mut mood_cos = None;
        let mut vibe_cos = None;
        if let (Some(x), Some(xn)) = (x, xn) {
            for (i, cv) in self.centroids.iter().enumerate() {
                let cs = dot(&cv.vector, x) / xn;
                if taste_cos.is_none_or(|b| cs > b) {
                    taste_cos = Some(cs);
                    home = Some(i);
                }
            }
            for a in &self.avoid {
                if a.vector.len() == x.len() {
                    avoid_cos = avoid_cos.max(dot(&a.vector, x) / xn);
                }
            }
            if let Some((m, mn)) = self.mood {
                if m.len() == x.len() {
                    mood_cos = Some(dot(m, x) / (mn * xn));
                }
            }
            if let Some((v, vn)) = self.vibe_vec {
                if v.len() == x.len() {
                    vibe_cos = Some(dot(v, x) / (vn * xn));
                }
            }
        }
        let taste = taste_cos.map(unit_sim);
        let mut vibe_match = None;
        let vibe = match self.input.vibe {
            None => None,
            Some(v) => match (vibe_cos, &v.target) {
                (Some(cs), _) => Some(unit_sim(cs)),
                (None, Some(t)) => {
                    let m = vibe_score(t, &c.attributes, c.tags);
                    let score = m.score;
                    if want_details {
                        vibe_match = Some(m);
                    }
                    Some(score)
                }
                (None, None) => None,
            },
        };
        let taste_side = match (taste, vibe, self.alpha) {
            (Some(t), Some(v), Some(a)) => a * t + (1.0 - a) * v,
            (None, Some(v), _) => v,
            (Some(t), _, _) => t,
            (None, None, _) => 0.5,
        };
        let mood_s = mood_cos.map(unit_sim).unwrap_or(0.5);
        let freshness = (1.0 - staleness(c.recent_plays, &self.input.staleness)) as f32;
        let mut meta_breakdown = None;
        let meta = match (self.input.preferences, c.meta) {
            (Some(p), Some(m)) if w.meta > 0.0 || want_details => {
                let b = qfzz::score_track(p, m);
                let s = b.score as f32;
                if want_details {
                    meta_breakdown = Some(b);
                }
                if w.meta > 0.0 {
                    s
                } else {
                    0.0
                }
            }
            _ => 0.0,
        };
        let avoid = avoid_cos.max(0.0);
        let mut z = [None; 4];
        let mut evidence = 0.0f32;
        for (k, (v, wk)) in c
            .evidence
            .values()
            .into_iter()
            .zip(w.evidence())
            .enumerate()
        {
            if let (Some(v), Some((mean, sd))) = (v, self.evidence_stats[k]) {
                let zk = if sd > 1e-12 {
                    ((f64::from(v) - mean) / sd) as f32
                } else {
                    0.0
                };
                z[k] = Some(zk);
                evidence += wk * zk;
            }
        }
        let base = w.taste * taste_side + w.mood * mood_s + w.freshness * freshness + w.meta * meta
            - w.avoid * avoid
            + evidence;
        Eval {
            comp: ScoreComponents {
                taste,
                vibe,
                taste_side,
                mood: mood_s,
                freshness,
                meta,
                avoid,
                evidence: Evidence::from_values(z),
                noise: 0.0,
            },
            base: if base.is_finite() { base } else { 0.0 },
            home,
            taste_cos,
            mood_cos,
            meta: meta_breakdown,
            vibe_match,
        }
    }
}

/// Whether a candidate takes part in the ranking (not excluded, not known unless asked).
fn eligible(input: &RecommendInput<'_>, c: &Candidate<'_>) -> bool {
    !input.exclude.is_some_and(|e| e.contains(&c.track_id))
        && (input.include_known || !input.profile.is_some_and(|p| p.knows(c.track_id)))
}

/// Mean and population standard deviation of each weighted evidence kind over the eligible
/// candidates that carry it.
fn evidence_stats(input: &RecommendInput<'_>) -> [Option<(f64, f64)>; 4] {
    let weights = input.weights.evidence();
    let mut out = [None; 4];
    for (k, slot) in out.iter_mut().enumerate() {
        if weights[k] == 0.0 {
            continue;
        }
        let values: Vec<f64> = input
            .candidates
            .iter()
            .filter_map(|c| c.evidence.values()[k].map(|v| (c, v)))
            .filter(|(c, v)| v.is_finite() && eligible(input, c))
            .map(|(_, v)| v)
            .map(f64::from)
            .collect();
        if values.is_empty() {
            continue;
        }
        let n = values.len() as f64;
        let mean = values.iter().sum::<f64>() / n;
        let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n;
        *slot = Some((mean, var.sqrt()));
    }
    out
}

/// Scores and ranks candidates (see the module docs). Deterministic for a given input and seed.
pub fn recommend(input: &RecommendInput<'_>) -> Result<Vec<ScoredTrack>, CoreError> {
    input.weights.validate()?;
    if let Some(v) = input.vibe {
        if !(v.alpha.is_finite() && (0.0..=1.0).contains(&v.alpha)) {
            return Err(CoreError::invalid(
                "alpha",
                format!("{} is outside [0.0, 1.0]", v.alpha),
            ));
        }
    }
    if input.candidates.len() > u32::MAX as usize - 1 {
        return Err(CoreError::invalid(
            "candidates",
            "more than 4 billion candidates",
        ));
    }
    if input.limit == 0 || input.candidates.is_empty() {
        return Ok(Vec::new());
    }
    let w = &input.weights;
    let now = input.now_ms;

    let centroids: Vec<CentroidView> = match (input.profile, input.centroid_mode) {
        (Some(p), CentroidMode::Multi) => p.centroids_at(now),
        (Some(p), CentroidMode::Single) => {
            let all = p.centroids_at(now);
            p.mean_vector()
                .map(|v| {
                    vec![CentroidView {
                        index: 0,
                        vector: v,
                        mass: all.iter().map(|c| c.mass).sum(),
                        share: 1.0,
                        plays: all.iter().map(|c| c.plays).sum(),
                        skips: all.iter().map(|c| c.skips).sum(),
                    }]
                })
                .unwrap_or_default()
        }
        (None, _) => Vec::new(),
    };
    let norm_of = |v: &[f32]| {
        let n = dot(v, v).sqrt();
        (n > 0.0 && n.is_finite()).then_some(n)
    };
    let ctx = Ctx {
        input,
        dim: centroids
            .first()
            .map(|c| c.vector.len())
            .or_else(|| input.mood.map(<[f32]>::len)),
        avoid: input.profile.map(|p| p.avoid_at(now)).unwrap_or_default(),
        centroids,
        mood: input.mood.and_then(|m| norm_of(m).map(|n| (m, n))),
        vibe_vec: input
            .vibe
            .and_then(|v| v.vector.as_deref())
            .and_then(|v| norm_of(v).map(|n| (v, n))),
        alpha: input.vibe.map(|v| v.alpha),
        evidence_stats: evidence_stats(input),
    };

    let mut rng = SeededRng::new(input.seed);
    // Thompson draws: each arm gets a pool of THOMPSON_POOL independent posterior draws made on
    // first use, and a candidate takes a uniformly chosen one. Marginally this is exactly a draw
    // from the arm's Beta posterior, at the cost of one integer per candidate instead of two
    // Gamma samples.
    let mut pools: HashMap<(bool, u32), Vec<f32>> = HashMap::new();
    let mut pool_rng = rng.fork(0x7405);
    let mut rows: Vec<Row> = Vec::with_capacity(input.candidates.len());
    for (idx, c) in input.candidates.iter().enumerate() {
        if !eligible(input, c) {
            continue;
        }
        let e = ctx.eval(c, false);
        let noise = match input.exploration {
            ExplorationMode::Off => 0.0,
            ExplorationMode::Noise => w.exploration_noise * rng.next_f64() as f32,
            ExplorationMode::Thompson => {
                // The arm: the library cluster, else the taste centroid, else none (uniform).
                let key = match (c.cluster, e.home) {
                    (Some(k), _) => Some((true, k)),
                    (None, Some(h)) => Some((false, h as u32)),
                    (None, None) => None,
                };
                let theta = match key {
                    None => rng.next_f64() as f32,
                    Some(key) => {
                        let pool = pools.entry(key).or_insert_with(|| {
                            let stats = match key {
                                (true, k) => input
                                    .cluster_stats
                                    .and_then(|s| s.get(&k).copied())
                                    .unwrap_or_default(),
                                (false, h) => ArmStats {
                                    plays: ctx.centroids[h as usize].plays,
                                    skips: ctx.centroids[h as usize].skips,
                                },
                            };
                            (0..THOMPSON_POOL)
                                .map(|_| stats.sample(&mut pool_rng) as f32)
                                .collect()
                        });
                        pool[rng.below(THOMPSON_POOL as u64) as usize]
                    }
                };
                w.exploration_noise * theta
            }
        };
        rows.push(Row {
            idx: idx as u32,
            home: e.home.map_or(u32::MAX, |h| h as u32),
            base: e.base,
            noise,
        });
    }
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let limit = input.limit.min(rows.len());
    let by_total = |a: &Row, b: &Row| {
        b.total().total_cmp(&a.total()).then_with(|| {
            input.candidates[a.idx as usize]
                .track_id
                .cmp(&input.candidates[b.idx as usize].track_id)
        })
    };

    let proportional =
        ctx.centroids.len() >= 2 && w.taste > 0.0 && ctx.alpha.is_none_or(|a| a > 0.0);
    let select = |rows: Vec<Row>| -> Vec<Row> {
        if proportional {
            proportional_pick(rows, &ctx.centroids, limit, &by_total)
        } else {
            top_k(rows, limit, &by_total)
        }
    };
    // An exploration pick is an item the same selection would not have made without the
    // exploration term.
    let noiseless: HashSet<u32> = if input.exploration == ExplorationMode::Off {
        HashSet::new()
    } else {
        let quiet: Vec<Row> = rows.iter().map(|r| Row { noise: 0.0, ..*r }).collect();
        select(quiet).into_iter().map(|r| r.idx).collect()
    };
    let chosen = select(rows);

    let mut out = Vec::with_capacity(chosen.len());
    for r in chosen {
        let c = &input.candidates[r.idx as usize];
        let e = ctx.eval(c, true);
        let explored = r.noise > 0.0 && !noiseless.contains(&r.idx);
        let reasons = reasons_for(&ctx, c, &e, explored);
        let mut components = e.comp;
        components.noise = r.noise;
        out.push(ScoredTrack {
            track_id: c.track_id,
            score: r.total(),
            components,
            centroid: r.home().map(|h| ctx.centroids[h].index),
            reasons,
        });
    }
    Ok(out)
}

fn reasons_for(ctx: &Ctx<'_>, c: &Candidate<'_>, e: &Eval, explored: bool) -> Vec<Reason> {
    let input = ctx.input;
    let mut reasons = Vec::new();
    if let (Some(h), Some(cs)) = (e.home, e.taste_cos) {
        if input.centroid_mode == CentroidMode::Single {
            reasons.push(Reason::TasteProfile { similarity: cs });
        } else {
            let cluster = ctx.centroids[h].index;
            reasons.push(Reason::TasteCluster {
                cluster,
                similarity: cs,
                exemplars: input
                    .profile
                    .map(|p| p.exemplars(Slot::Taste(cluster as u16), 2))
                    .unwrap_or_default(),
            });
        }
    }
    if let Some(x) = c.vector {
        let best = input
            .anchors
            .iter()
            .filter(|a| a.weight > 0.0 && a.track_id != c.track_id)
            .filter_map(|a| cosine(a.vector, x).map(|s| (a.track_id, s)))
            .max_by(|a, b| a.1.total_cmp(&b.1).then(b.0.cmp(&a.0)));
        if let Some((id, s)) = best.filter(|b| b.1 >= SIMILAR_TO_KNOWN_COSINE) {
            reasons.push(Reason::SimilarToKnown {
                track_id: id,
                similarity: s,
            });
        }
    }
    if let (Some(v), Some(vs)) = (input.vibe, e.comp.vibe) {
        if vs >= VIBE_REASON_SCORE {
            let (matched_tags, matched_attributes) = e
                .vibe_match
                .as_ref()
                .map(|m| (m.matched_tags.clone(), m.matched_attributes.clone()))
                .unwrap_or_default();
            reasons.push(Reason::Vibe {
                vibe: v.text.clone(),
                score: vs,
                matched_tags,
                matched_attributes,
            });
        }
    }
    if let Some(z) = e.comp.evidence.collaborative {
        if z >= CO_LISTENED_REASON_Z && input.weights.collaborative > 0.0 {
            reasons.push(Reason::CoListened { z });
        }
    }
    if let Some(m) = e.mood_cos.filter(|m| *m >= MOOD_REASON_COSINE) {
        reasons.push(Reason::Mood { similarity: m });
    }
    if let (Some(p), Some(m), Some(b)) = (input.preferences, c.meta, &e.meta) {
        if let Some((g, via)) = &b.genre_match {
            let weight = match via {
                None => p.genres.get(g).copied().unwrap_or(0.0),
                Some(_) => qfzz::SIMILAR_GENRE_SHARE,
            };
            reasons.push(Reason::GenrePreference {
                genre: g.clone(),
                similar_to: via.clone(),
                weight,
            });
        }
        if b.artist > 0.0 {
            reasons.push(Reason::ArtistPreference {
                artist: m.artist.clone(),
                weight: p.artists.get(&m.artist).copied().unwrap_or(0.0),
            });
        }
        if let Some(mood) = &b.mood_match {
            reasons.push(Reason::MoodPreference {
                mood: mood.clone(),
                weight: p.moods.get(mood).copied().unwrap_or(0.0),
            });
        }
    }
    if explored {
        reasons.push(Reason::ExplorationPick { cluster: c.cluster });
    }
    if e.comp.avoid >= NEAR_DISLIKED_COSINE {
        reasons.push(Reason::NearDisliked {
            similarity: e.comp.avoid,
        });
    }
    if e.comp.freshness < 1.0 {
        reasons.push(Reason::PlayedOften {
            recent_plays: c.recent_plays,
        });
    }
    reasons
}

/// Posterior draws kept per Thompson arm and request.
const THOMPSON_POOL: usize = 256;
/// Vibe match at which "matches the vibe" is said.
const VIBE_REASON_SCORE: f32 = 0.6;
/// "More like this": candidates ranked by `(cos + 1) / 2` to the seed track's vector, best first,
/// ties by track id. The seed itself, excluded ids and candidates without a comparable vector are
/// left out. Deterministic; no exploration.
pub fn similar_tracks(
    seed_id: TrackId,
    seed: &[f32],
    candidates: &[Candidate<'_>],
    exclude: Option<&HashSet<TrackId>>,
    limit: usize,
) -> Vec<ScoredTrack> {
    let Some(sn) = Some(dot(seed, seed).sqrt()).filter(|n| *n > 0.0 && n.is_finite()) else {
        return Vec::new();
    };
    let mut hits: Vec<(f32, TrackId)> = candidates
        .iter()
        .filter(|c| c.track_id != seed_id && !exclude.is_some_and(|e| e.contains(&c.track_id)))
        .filter_map(|c| {
            let x = c.vector.filter(|x| x.len() == seed.len())?;
            let xn = dot(x, x).sqrt();
            let cs = dot(seed, x) / (sn * xn);
            (xn > 0.0 && cs.is_finite()).then_some((cs.clamp(-1.0, 1.0), c.track_id))
        })
        .collect();
    let by = |a: &(f32, TrackId), b: &(f32, TrackId)| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1));
    if limit == 0 {
        return Vec::new();
    }
    if limit < hits.len() {
        hits.select_nth_unstable_by(limit - 1, by);
        hits.truncate(limit);
    }
    hits.sort_by(by);
    hits.into_iter()
        .map(|(cs, id)| {
            let sim = unit_sim(cs);
            ScoredTrack {
                track_id: id,
                score: sim,
                components: ScoreComponents {
                    taste_side: sim,
                    mood: 0.5,
                    freshness: 1.0,
                    ..ScoreComponents::default()
                },
                centroid: None,
                reasons: vec![Reason::SimilarToSeed {
                    track_id: seed_id,
                    similarity: cs,
                }],
            }
        })
        .collect()
}

/// Cosine at which a known track is cited as "sounds like Z".
const SIMILAR_TO_KNOWN_COSINE: f32 = 0.8;
/// Cosine to the mood vector at which "fits what you have been playing" is said.
const MOOD_REASON_COSINE: f32 = 0.7;
/// Co-listening z-score at which "often played alongside the music you play" is said.
const CO_LISTENED_REASON_Z: f32 = 1.0;
/// Cosine to an avoid direction at which "resembles music you disliked" is said.
const NEAR_DISLIKED_COSINE: f32 = 0.5;

fn top_k(mut rows: Vec<Row>, k: usize, cmp: &dyn Fn(&Row, &Row) -> std::cmp::Ordering) -> Vec<Row> {
    if k < rows.len() {
        rows.select_nth_unstable_by(k - 1, |a, b| cmp(a, b));
        rows.truncate(k);
    }
    rows.sort_by(|a, b| cmp(a, b));
    rows
}

/// Fills each centroid's mass-proportional quota with its best candidates, passes unused slots
/// to the best remaining candidates overall, and returns the union sorted by score. Linear time
/// apart from sorting the `limit` winners.
fn proportional_pick(
    rows: Vec<Row>,
    centroids: &[CentroidView],
    limit: usize,
    cmp: &dyn Fn(&Row, &Row) -> std::cmp::Ordering,
) -> Vec<Row> {
    let shares: Vec<f64> = centroids.iter().map(|c| c.share).collect();
    let quota = allocate_slots(&shares, limit);
    let mut buckets: Vec<Vec<Row>> = vec![Vec::new(); centroids.len()];
    let mut rest: Vec<Row> = Vec::new();
    for r in rows {
        match r.home() {
            Some(h) => buckets[h].push(r),
            None => rest.push(r),
        }
    }
    let mut chosen: Vec<Row> = Vec::with_capacity(limit);
    for (mut b, q) in buckets.into_iter().zip(quota) {
        if q < b.len() {
            if q > 0 {
                // Afterwards b[..q] holds the bucket's best q (in no particular order).
                b.select_nth_unstable_by(q - 1, |x, y| cmp(x, y));
            }
            rest.extend(b.drain(q..));
        }
        chosen.extend(b);
    }
    if chosen.len() < limit && !rest.is_empty() {
        let more = top_k(rest, limit - chosen.len(), cmp);
        chosen.extend(more);
    }
    chosen.sort_by(|a, b| cmp(a, b));
    chosen
}

#[cfg(test)]
mod tests;
