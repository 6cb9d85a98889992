//! The recommendation service (SPEC §7.2–7.5): the in-memory catalogue of DSP v1 vectors and
//! attributes with its vector index, the per-profile taste profiles, and the request path
//! `centroid_queries → index top-k → merge_centroid_hits → scoring::recommend`.
//!
//! **Durability.** Listens and feedback in the store are the source of truth. A profile's
//! [`TasteProfile`] is kept in memory and updated incrementally by every committed listen
//! ([`ListenHook`]) and feedback; after each update it is written through to `taste_profiles`
//! (model `dsp-v1`) for readers such as the CLI. A profile not yet in memory (first use after a
//! start) is rebuilt from its whole history, so a lost write can never make the taste wrong —
//! the rebuilt profile already contains the events that triggered the load.
//!
//! **Catalogue.** Loaded lazily from `audio_vectors(1)` / `all_track_features(1)` on first use
//! and kept current by [`RecoService::add_features`]; the index follows hearth-index's
//! [`IndexPolicy`] (exact below its threshold, HNSW above).
//!
//! **Co-listening.** The household's listening days (one basket per profile and UTC day) fit a
//! [`CoListening`] model — the same code as the evaluation's ItemKNN and the hybrid's
//! collaborative term. A request scores the profile's played tracks against it: co-listened
//! tracks the profile does not know join the candidates, and every candidate carries its
//! co-listening as [`Evidence`], which `recommend` standardises and weighs by
//! `[scoring] collaborative_weight`. The model is built on first use and rebuilt in the
//! background when listens arrived and it is older than [`COLLAB_REFRESH`].

use crate::hooks::{ListenHook, StoredListen};
use crate::ApiError;
use async_trait::async_trait;
use hearth_core::clock::UnixMs;
use hearth_core::collab::CoListening;
use hearth_core::config::Config;
use hearth_core::explore::ExplorationMode;
use hearth_core::ids::{ProfileId, TrackId};
use hearth_core::model::{Feedback, Track};
use hearth_core::prefs::Preferences;
use hearth_core::qfzz::{self, QfzzTrack};
use hearth_core::scoring::{
    self, Anchor, Candidate, CentroidMode, Evidence, RecommendInput, ScoreWeights, ScoredTrack,
    VibeInput,
};
use hearth_core::taste::{
    mood_vector, MoodParams, StalenessParams, TasteEvent, TasteParams, TasteProfile, TasteSummary,
};
use hearth_core::vibe::{self, Mode, TempoClass, TrackAttributes};
use hearth_index::{IndexKey, IndexPolicy, SearchOptions, VectorIndex};
use hearth_store::{DynStore, FeatureAttributes, StoredTaste};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use tokio::sync::{Mutex, RwLock};

/// Extractor version of the DSP vectors recommendations use.
pub const DSP_VERSION: i32 = 1;
/// `taste_profiles.model` of profiles built from DSP v1 vectors.
pub const TASTE_MODEL: &str = "dsp-v1";
/// Minimum age of the co-listening model before new listens trigger a rebuild.
pub const COLLAB_REFRESH: std::time::Duration = std::time::Duration::from_secs(300);

/// The household co-listening model and its freshness.
#[derive(Default)]
struct CollabCache {
    model: RwLock<Option<(Arc<CoListening>, std::time::Instant)>>,
    /// Listens arrived since the last build.
    dirty: std::sync::atomic::AtomicBool,
    /// A background rebuild is running.
    building: std::sync::atomic::AtomicBool,
}

impl CollabCache {
    async fn build(store: &DynStore) -> Result<CoListening, ApiError> {
        let days = store.listening_days().await?;
        // Rows come ordered by (profile, day): consecutive runs are the baskets.
        let baskets = days
            .chunk_by(|a, b| a.profile_id == b.profile_id && a.day == b.day)
            .map(|run| run.iter().map(|d| d.track_id).collect::<Vec<_>>());
        Ok(CoListening::fit(baskets))
    }
}

/// What recommendations know about the analysed catalogue.
#[derive(Default)]
pub struct Catalogue {
    pub vectors: HashMap<TrackId, Vec<f32>>,
    pub attributes: HashMap<TrackId, TrackAttributes>,
    pub index: Option<Arc<dyn VectorIndex>>,
}

/// Converts stored attributes to the ranker's view.
pub fn track_attributes(f: &FeatureAttributes) -> TrackAttributes {
    TrackAttributes {
        energy: f.energy.map(|x| x as f32),
        danceability: f.danceability.map(|x| x as f32),
        acousticness: f.acousticness.map(|x| x as f32),
        brightness: f.brightness.map(|x| x as f32),
        tempo_bpm: f.tempo_bpm.map(|x| x as f32),
        mode: match f.mode.as_deref() {
            Some("major") => Some(Mode::Major),
            Some("minor") => Some(Mode::Minor),
            _ => None,
        },
    }
}

/// A recommendation request, already validated by the handler.
#[derive(Debug, Clone)]
pub struct RecoRequest {
    /// `None`: a guest (vibe-only over the whole catalogue).
    pub profile: Option<ProfileId>,
    pub vibe: Option<String>,
    pub alpha: f32,
    pub limit: usize,
    /// Seed of the exploration noise; `None` derives one from the minute and the profile (so
    /// repeated requests vary slowly). A playlist passes its own seed: same seed, same list.
    pub seed: Option<u64>,
}

/// One ranked item with its track row (when the catalogue still has it).
pub struct RecoItem {
    pub scored: ScoredTrack,
    pub track: Option<Track>,
    pub reasons: Vec<String>,
}

pub struct RecoService {
    store: DynStore,
    taste_params: TasteParams,
    mood_params: MoodParams,
    staleness: StalenessParams,
    weights: ScoreWeights,
    policy: IndexPolicy,
    catalogue: RwLock<Option<Catalogue>>,
    profiles: Mutex<HashMap<ProfileId, TasteProfile>>,
    /// Per profile, the newest listen id a rebuild from history already included. Hooks run
    /// after commit on their own task, so a rebuild can read listens whose hook events are still
    /// queued; those events are skipped instead of being counted twice.
    rebuilt_through: std::sync::Mutex<HashMap<ProfileId, i64>>,
    /// Profiles changed in memory since they were last written to the store. Taste is derived
    /// data (a rebuild from listens and feedback reproduces it), so incremental updates are
    /// written behind, by [`RecoService::flush`], instead of serialising the whole profile on
    /// every group commit — that write grew with the profile and held SQLite's one writer.
    dirty: std::sync::Mutex<HashSet<ProfileId>>,
    collab: Arc<CollabCache>,
}

impl RecoService {
    pub fn new(store: DynStore, config: &Config) -> Self {
        let t = &config.taste;
        RecoService {
            store,
            // The `[taste]` keys; the finer k-means knobs keep their measured defaults.
            taste_params: TasteParams {
                half_life_days: t.half_life_days,
                max_centroids: t.max_centroids as usize,
                min_cluster_mass: t.min_cluster_mass,
                ..TasteParams::default()
            },
            mood_params: MoodParams {
                window_size: config.mood.window_size as usize,
                decay_rate: config.mood.decay_rate,
            },
            staleness: StalenessParams {
                lambda: config.cycling.staleness_lambda,
                min_plays: config.cycling.min_plays_for_staleness,
                window_days: f64::from(config.cycling.staleness_window_days),
            },
            weights: ScoreWeights {
                taste: config.scoring.taste_weight as f32,
                mood: config.scoring.mood_weight as f32,
                freshness: config.scoring.freshness_weight as f32,
                meta: config.scoring.meta_weight as f32,
                exploration_noise: config.scoring.exploration_noise as f32,
                collaborative: config.scoring.collaborative_weight as f32,
                popularity: config.scoring.popularity_weight as f32,
                ..ScoreWeights::default()
            },
            policy: IndexPolicy::default(),
            catalogue: RwLock::new(None),
            profiles: Mutex::new(HashMap::new()),
            rebuilt_through: std::sync::Mutex::new(HashMap::new()),
            dirty: std::sync::Mutex::new(HashSet::new()),
            collab: Arc::new(CollabCache::default()),
        }
    }

    /// The household co-listening model, or `None` when no weight uses it. Built on first use;
    /// afterwards, when listens arrived and the model is older than [`COLLAB_REFRESH`], rebuilt
    /// on a background task while requests keep using the current one.
    pub async fn co_listening(&self) -> Result<Option<Arc<CoListening>>, ApiError> {
        use std::sync::atomic::Ordering;
        if self.weights.collaborative == 0.0 && self.weights.popularity == 0.0 {
            return Ok(None);
        }
        let cache = &self.collab;
        let current = cache.model.read().await.clone();
        let Some((model, built)) = current else {
            let mut slot = cache.model.write().await;
            if let Some((m, _)) = slot.as_ref() {
                return Ok(Some(m.clone()));
            }
            cache.dirty.store(false, Ordering::SeqCst);
            let m = Arc::new(CollabCache::build(&self.store).await?);
            *slot = Some((m.clone(), std::time::Instant::now()));
            return Ok(Some(m));
        };
        if built.elapsed() >= COLLAB_REFRESH
            && cache.dirty.load(Ordering::SeqCst)
            && !cache.building.swap(true, Ordering::SeqCst)
        {
            cache.dirty.store(false, Ordering::SeqCst);
            let (cache, store) = (self.collab.clone(), self.store.clone());
            tokio::spawn(async move {
                match CollabCache::build(&store).await {
                    Ok(m) => {
                        *cache.model.write().await = Some((Arc::new(m), std::time::Instant::now()));
                    }
                    Err(e) => {
                        cache.dirty.store(true, Ordering::SeqCst);
                        tracing::warn!(error = %e, "co-listening rebuild failed");
                    }
                }
                cache.building.store(false, Ordering::SeqCst);
            });
        }
        Ok(Some(model))
    }

    /// Writes every profile changed since the last flush to the store; returns how many.
    pub async fn flush(&self) -> Result<usize, ApiError> {
        let dirty: Vec<ProfileId> = self
            .dirty
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .drain()
            .collect();
        let mut written = 0;
        for profile in dirty {
            let snapshot = self.profiles.lock().await.get(&profile).cloned();
            if let Some(p) = snapshot {
                if let Err(e) = self.persist(profile, &p).await {
                    // Keep it dirty so the next flush retries.
                    self.mark_dirty(profile);
                    return Err(e);
                }
                written += 1;
            }
        }
        Ok(written)
    }

    fn mark_dirty(&self, profile: ProfileId) {
        self.dirty
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(profile);
    }

    /// Flushes changed taste profiles every `every` until the service is dropped.
    pub fn start_flusher(self: &Arc<Self>, every: std::time::Duration) {
        let weak = Arc::downgrade(self);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            tick.tick().await;
            loop {
                tick.tick().await;
                let Some(service) = weak.upgrade() else { break };
                if let Err(e) = service.flush().await {
                    tracing::warn!(error = %e, "writing taste profiles failed; will retry");
                }
            }
        });
    }

    /// Loads the catalogue from the store when not loaded yet.
    async fn ensure_catalogue(&self) -> Result<(), ApiError> {
        if self.catalogue.read().await.is_some() {
            return Ok(());
        }
        let mut guard = self.catalogue.write().await;
        if guard.is_some() {
            return Ok(());
        }
        let vectors: HashMap<TrackId, Vec<f32>> = self
            .store
            .audio_vectors(DSP_VERSION)
            .await?
            .into_iter()
            .collect();
        let attributes = self
            .store
            .all_track_features(DSP_VERSION)
            .await?
            .into_iter()
            .map(|(id, f)| (id, track_attributes(&f)))
            .collect();
        let index = build_index(&self.policy, &vectors)?;
        *guard = Some(Catalogue {
            vectors,
            attributes,
            index,
        });
        Ok(())
    }

    /// Forgets the loaded catalogue (the next request reloads it from the store).
    pub async fn reload_catalogue(&self) {
        *self.catalogue.write().await = None;
    }

    /// Stores a track's features and adds them to the live catalogue and index.
    pub async fn add_features(
        &self,
        track: TrackId,
        vector: &[f32],
        attrs: &FeatureAttributes,
        now: UnixMs,
    ) -> Result<(), ApiError> {
        self.store
            .save_audio_features(track, DSP_VERSION, vector, attrs, now)
            .await?;
        let mut guard = self.catalogue.write().await;
        if let Some(c) = guard.as_mut() {
            let dim_ok = c.index.as_ref().is_none_or(|i| i.key().dim == vector.len());
            if !dim_ok {
                // A new vector dimension: rebuild lazily from the store.
                *guard = None;
                return Ok(());
            }
            c.vectors.insert(track, vector.to_vec());
            c.attributes.insert(track, track_attributes(attrs));
            match &c.index {
                Some(i) => i.upsert(track.0, vector).map_err(index_error)?,
                None => c.index = build_index(&self.policy, &c.vectors)?,
            }
        }
        Ok(())
    }

    /// Rebuilds a profile's taste from its whole history (listens + feedback) and stores it.
    pub async fn rebuild(&self, profile: ProfileId, now: UnixMs) -> Result<TasteProfile, ApiError> {
        self.ensure_catalogue().await?;
        let p = self.build_from_history(profile, now).await?;
        self.persist(profile, &p).await?;
        self.profiles.lock().await.insert(profile, p.clone());
        Ok(p)
    }

    async fn build_from_history(
        &self,
        profile: ProfileId,
        now: UnixMs,
    ) -> Result<TasteProfile, ApiError> {
        let listens = self.store.listens_of_profile(profile).await?;
        if let Some(newest) = listens.iter().map(|l| l.id).max() {
            self.rebuilt_through
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .insert(profile, newest);
        }
        let feedback = self.store.feedback_of_profile(profile).await?;
        let track_ids: Vec<TrackId> = listens.iter().map(|l| l.track_id).collect();
        let durations: HashMap<TrackId, Option<i64>> = {
            let mut ids = track_ids.clone();
            ids.sort();
            ids.dedup();
            self.store
                .tracks_by_ids(&ids)
                .await?
                .into_iter()
                .map(|t| (t.id, t.duration_ms))
                .collect()
        };
        let mut events: Vec<TasteEvent> = listens
            .iter()
            .map(|l| {
                TasteEvent::listen(
                    l.track_id,
                    l.ts,
                    l.ms_played,
                    durations.get(&l.track_id).copied().flatten(),
                    l.skipped,
                )
            })
            .collect();
        events.extend(
            feedback
                .iter()
                .map(|f| TasteEvent::feedback(f.track_id, f.ts, f.kind)),
        );
        events.sort_by_key(|e| e.ts);
        let guard = self.catalogue.read().await;
        let cat = guard
            .as_ref()
            .ok_or_else(|| ApiError::Unavailable("catalogue not loaded".into()))?;
        let vectors: HashMap<TrackId, Vec<f32>> = events
            .iter()
            .filter_map(|e| {
                cat.vectors
                    .get(&e.track_id)
                    .map(|v| (e.track_id, v.clone()))
            })
            .collect();
        Ok(TasteProfile::build(
            &events,
            &vectors,
            now,
            &self.taste_params,
        )?)
    }

    async fn persist(&self, profile: ProfileId, p: &TasteProfile) -> Result<(), ApiError> {
        let state = serde_json::to_value(p)
            .map_err(|e| ApiError::Unavailable(format!("taste profile serialisation: {e}")))?;
        self.store
            .save_taste_profile(&StoredTaste {
                profile_id: profile,
                model: TASTE_MODEL.into(),
                state,
                n_events: i64::try_from(p.n_events()).unwrap_or(i64::MAX),
                built_at: p.built_at(),
            })
            .await?;
        Ok(())
    }

    /// The profile's taste (rebuilt from history when not in memory).
    pub async fn taste(&self, profile: ProfileId, now: UnixMs) -> Result<TasteProfile, ApiError> {
        self.ensure_catalogue().await?;
        if let Some(p) = self.profiles.lock().await.get(&profile) {
            return Ok(p.clone());
        }
        self.rebuild(profile, now).await
    }

    pub async fn summary(&self, profile: ProfileId, now: UnixMs) -> Result<TasteSummary, ApiError> {
        Ok(self.taste(profile, now).await?.summary(now, 3))
    }

    /// Applies events incrementally to one profile (loads it first when needed: a profile loaded
    /// from history already contains these events, so they are not applied twice).
    async fn apply_events(
        &self,
        profile: ProfileId,
        events: &[TasteEvent],
        now: UnixMs,
    ) -> Result<(), ApiError> {
        self.ensure_catalogue().await?;
        let loaded = self.profiles.lock().await.contains_key(&profile);
        if !loaded {
            self.rebuild(profile, now).await?;
            return Ok(());
        }
        {
            let cat_guard = self.catalogue.read().await;
            let cat = cat_guard
                .as_ref()
                .ok_or_else(|| ApiError::Unavailable("catalogue not loaded".into()))?;
            let mut profiles = self.profiles.lock().await;
            let Some(p) = profiles.get_mut(&profile) else {
                return Ok(());
            };
            for e in events {
                let v = cat.vectors.get(&e.track_id).map(Vec::as_slice);
                if v.is_some_and(|v| p.dim() != 0 && v.len() != p.dim()) {
                    continue;
                }
                p.apply(e, v)?;
            }
        }
        self.mark_dirty(profile);
        Ok(())
    }

    /// Feedback: taste profile and QFZZ preferences. The feedback row is stored by the caller.
    pub async fn on_feedback(
        &self,
        fb: &Feedback,
        track: &Track,
    ) -> Result<qfzz::FeedbackEffect, ApiError> {
        self.apply_events(
            fb.profile_id,
            &[TasteEvent::feedback(fb.track_id, fb.ts, fb.kind)],
            fb.ts,
        )
        .await?;
        let mut prefs = Preferences::from_json(&self.store.preferences(fb.profile_id).await?)?;
        let attrs = self
            .catalogue
            .read()
            .await
            .as_ref()
            .and_then(|c| c.attributes.get(&track.id).copied())
            .unwrap_or_default();
        let q = qfzz_track(track, &attrs);
        let effect = qfzz::apply_feedback(&mut prefs, Some(&q), fb.kind, fb.rating)?;
        let json = serde_json::to_value(&prefs)
            .map_err(|e| ApiError::Unavailable(format!("preferences serialisation: {e}")))?;
        self.store.set_preferences(fb.profile_id, &json).await?;
        Ok(effect)
    }

    /// The current mood vector of a profile (last `window_size` listens).
    pub async fn mood(
        &self,
        profile: ProfileId,
    ) -> Result<(Option<Vec<f32>>, Vec<TrackId>), ApiError> {
        self.ensure_catalogue().await?;
        let recent = self
            .store
            .recent_listens(Some(profile), self.mood_params.window_size as u32)
            .await?;
        let guard = self.catalogue.read().await;
        let cat = guard
            .as_ref()
            .ok_or_else(|| ApiError::Unavailable("catalogue not loaded".into()))?;
        let rows: Vec<(UnixMs, Option<&[f32]>)> = recent
            .iter()
            .map(|l| (l.ts, cat.vectors.get(&l.track_id).map(Vec::as_slice)))
            .collect();
        let v = mood_vector(&rows, &self.mood_params).map_err(ApiError::from)?;
        Ok((v, recent.iter().map(|l| l.track_id).collect()))
    }

    /// Mean attributes of the given tracks (the detected mood in words).
    pub async fn mean_attributes(&self, ids: &[TrackId]) -> TrackAttributes {
        let guard = self.catalogue.read().await;
        let Some(cat) = guard.as_ref() else {
            return TrackAttributes::default();
        };
        let mean = |f: &dyn Fn(&TrackAttributes) -> Option<f32>| {
            let xs: Vec<f32> = ids
                .iter()
                .filter_map(|id| cat.attributes.get(id))
                .filter_map(f)
                .collect();
            (!xs.is_empty()).then(|| xs.iter().sum::<f32>() / xs.len() as f32)
        };
        let majors = ids
            .iter()
            .filter_map(|id| cat.attributes.get(id)?.mode)
            .filter(|m| *m == Mode::Major)
            .count();
        let modes = ids
            .iter()
            .filter_map(|id| cat.attributes.get(id)?.mode)
            .count();
        TrackAttributes {
            energy: mean(&|a| a.energy),
            danceability: mean(&|a| a.danceability),
            acousticness: mean(&|a| a.acousticness),
            brightness: mean(&|a| a.brightness),
            tempo_bpm: mean(&|a| a.tempo_bpm),
            mode: (modes > 0).then(|| {
                if majors * 2 >= modes {
                    Mode::Major
                } else {
                    Mode::Minor
                }
            }),
        }
    }

    /// Ranked recommendations (see the module docs).
    pub async fn recommend(
        &self,
        req: &RecoRequest,
        now: UnixMs,
    ) -> Result<Vec<RecoItem>, ApiError> {
        self.ensure_catalogue().await?;
        let taste = match req.profile {
            Some(p) => Some(self.taste(p, now).await?),
            None => None,
        };
        let mood = match req.profile {
            Some(p) => self.mood(p).await?.0,
            None => None,
        };
        let prefs = match req.profile {
            Some(p) => Some(Preferences::from_json(&self.store.preferences(p).await?)?),
            None => None,
        };
        // A guest asks for the vibe alone: alpha 0 (no taste to blend with).
        let vibe = req.vibe.as_deref().map(|v| {
            VibeInput::from_text(
                v,
                if req.profile.is_some() {
                    req.alpha
                } else {
                    0.0
                },
            )
        });
        let guard = self.catalogue.read().await;
        let cat = guard
            .as_ref()
            .ok_or_else(|| ApiError::Unavailable("catalogue not loaded".into()))?;
        let shortlist = (req.limit * 4).max(200);

        // Candidate ids: taste centroids through the index, plus vibe matches over the catalogue.
        let mut ids: Vec<TrackId> = Vec::new();
        let known: HashSet<i64> = taste
            .as_ref()
            .map(|t| t.tracks().keys().map(|id| id.0).collect())
            .unwrap_or_default();
        let has_taste = taste
            .as_ref()
            .is_some_and(|t| !t.centroids_at(now).is_empty());
        if let (Some(t), Some(index)) = (taste.as_ref().filter(|_| has_taste), cat.index.as_ref()) {
            let queries = scoring::centroid_queries(t, now, shortlist, CentroidMode::Multi);
            let opts = SearchOptions::excluding(&known);
            let mut hits = Vec::with_capacity(queries.len());
            let mut shares = Vec::with_capacity(queries.len());
            for (_, q, k) in &queries {
                if q.len() != index.key().dim {
                    continue;
                }
                let h = index.search(q, *k, &opts).map_err(index_error)?;
                hits.push(h.into_iter().map(|h| TrackId(h.id)).collect::<Vec<_>>());
                shares.push(*k as f64);
            }
            ids = scoring::merge_centroid_hits(&hits, &shares, shortlist);
        }
        if let Some(v) = vibe.as_ref().and_then(|v| v.target.as_ref()) {
            let mut scored: Vec<(f32, TrackId)> = cat
                .attributes
                .iter()
                .filter(|(id, _)| !known.contains(&id.0))
                .map(|(id, a)| (vibe::vibe_score(v, a, &[]).score, *id))
                .collect();
            let by =
                |a: &(f32, TrackId), b: &(f32, TrackId)| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1));
            if scored.len() > shortlist {
                scored.select_nth_unstable_by(shortlist - 1, by);
                scored.truncate(shortlist);
            }
            ids.extend(scored.into_iter().map(|(_, id)| id));
        }
        if !has_taste && vibe.is_none() {
            // Cold start: no taste and no vibe — the analysed catalogue (capped), explored by noise.
            let mut all: Vec<TrackId> = cat
                .vectors
                .keys()
                .copied()
                .filter(|id| !known.contains(&id.0))
                .collect();
            all.sort();
            all.truncate(shortlist * 10);
            ids = all;
        }
        // Co-listening: the profile's played tracks against the household's listening days.
        let collab = if req.profile.is_some() {
            self.co_listening().await?
        } else {
            None
        };
        let co_scores: HashMap<TrackId, f64> = match (&collab, &taste) {
            (Some(m), Some(t)) => {
                let played: Vec<TrackId> = t
                    .tracks()
                    .iter()
                    .filter(|(_, tt)| tt.weight > 0.0)
                    .map(|(id, _)| *id)
                    .collect();
                m.score_map(&played)
            }
            _ => HashMap::new(),
        };
        if self.weights.collaborative > 0.0 {
            let mut co: Vec<(f64, TrackId)> = co_scores
                .iter()
                .filter(|(id, _)| !known.contains(&id.0))
                .map(|(id, s)| (*s, *id))
                .collect();
            co.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
            ids.extend(co.into_iter().take(shortlist / 4).map(|(_, id)| id));
        }
        let mut seen = HashSet::new();
        ids.retain(|id| seen.insert(*id));

        let tracks: HashMap<TrackId, Track> = self
            .store
            .tracks_by_ids(&ids)
            .await?
            .into_iter()
            .map(|t| (t.id, t))
            .collect();
        let metas: HashMap<TrackId, QfzzTrack> = tracks
            .values()
            .map(|t| {
                (
                    t.id,
                    qfzz_track(t, &cat.attributes.get(&t.id).copied().unwrap_or_default()),
                )
            })
            .collect();
        let candidates: Vec<Candidate<'_>> = ids
            .iter()
            .filter(|id| tracks.contains_key(id))
            .map(|id| Candidate {
                track_id: *id,
                vector: cat.vectors.get(id).map(Vec::as_slice),
                attributes: cat.attributes.get(id).copied().unwrap_or_default(),
                tags: tracks.get(id).map(|t| t.tags.as_slice()).unwrap_or(&[]),
                meta: metas.get(id),
                cluster: None,
                recent_plays: 0,
                evidence: match &collab {
                    Some(m) => Evidence {
                        collaborative: Some(co_scores.get(id).copied().unwrap_or(0.0) as f32),
                        popularity: Some((m.listeners(*id) as f32).ln_1p()),
                        ..Evidence::default()
                    },
                    None => Evidence::default(),
                },
            })
            .collect();
        let anchors_src: Vec<(TrackId, f64)> = taste
            .as_ref()
            .map(|t| t.top_tracks(20, now))
            .unwrap_or_default();
        let anchors: Vec<Anchor<'_>> = anchors_src
            .iter()
            .filter_map(|(id, w)| {
                cat.vectors.get(id).map(|v| Anchor {
                    track_id: *id,
                    vector: v.as_slice(),
                    weight: *w,
                })
            })
            .collect();
        let mut input = RecommendInput::new(&candidates, now);
        input.profile = taste.as_ref();
        input.mood = mood.as_deref();
        input.vibe = vibe.as_ref();
        input.preferences = prefs.as_ref();
        input.weights = self.weights.clone();
        input.staleness = self.staleness.clone();
        input.exploration = if has_taste {
            ExplorationMode::Thompson
        } else {
            ExplorationMode::Noise
        };
        input.anchors = &anchors;
        input.limit = req.limit;
        input.seed = req.seed.unwrap_or_else(|| {
            (now as u64 / 60_000) ^ req.profile.map_or(0, |p| p.0 as u64).rotate_left(17)
        });
        let ranked = scoring::recommend(&input)?;

        // Names for the reasons (anchors and exemplars may be outside the shortlist).
        let mut cited: Vec<TrackId> = Vec::new();
        for r in &ranked {
            for reason in &r.reasons {
                match reason {
                    scoring::Reason::TasteCluster { exemplars, .. } => {
                        cited.extend(exemplars.iter().copied())
                    }
                    scoring::Reason::SimilarToKnown { track_id, .. }
                    | scoring::Reason::SimilarToSeed { track_id, .. } => cited.push(*track_id),
                    _ => {}
                }
            }
        }
        cited.retain(|id| !tracks.contains_key(id));
        cited.sort();
        cited.dedup();
        let extra: HashMap<TrackId, Track> = self
            .store
            .tracks_by_ids(&cited)
            .await?
            .into_iter()
            .map(|t| (t.id, t))
            .collect();
        let name_of = |id: TrackId| {
            tracks
                .get(&id)
                .or_else(|| extra.get(&id))
                .map(|t| format!("{} – {}", t.artist, t.title))
        };
        Ok(ranked
            .into_iter()
            .map(|s| {
                let mut reasons: Vec<String> =
                    s.reasons.iter().map(|r| r.render(&name_of)).collect();
                if reasons.is_empty() {
                    reasons.push(fallback_reason(&s));
                }
                RecoItem {
                    track: tracks.get(&s.track_id).cloned(),
                    reasons,
                    scored: s,
                }
            })
            .collect())
    }

    /// Tracks that sound like `seed` (index neighbours). `Ok(None)` when the seed has no vector.
    pub async fn similar(
        &self,
        seed: TrackId,
        limit: usize,
    ) -> Result<Option<Vec<RecoItem>>, ApiError> {
        self.ensure_catalogue().await?;
        let guard = self.catalogue.read().await;
        let cat = guard
            .as_ref()
            .ok_or_else(|| ApiError::Unavailable("catalogue not loaded".into()))?;
        let (Some(v), Some(index)) = (cat.vectors.get(&seed), cat.index.as_ref()) else {
            return Ok(None);
        };
        let exclude: HashSet<i64> = [seed.0].into();
        let hits = index
            .search(v, limit, &SearchOptions::excluding(&exclude))
            .map_err(index_error)?;
        let ids: Vec<TrackId> = hits.iter().map(|h| TrackId(h.id)).collect();
        let candidates: Vec<Candidate<'_>> = ids
            .iter()
            .map(|id| Candidate {
                vector: cat.vectors.get(id).map(Vec::as_slice),
                ..Candidate::new(*id)
            })
            .collect();
        let ranked = scoring::similar_tracks(seed, v, &candidates, None, limit);
        let mut all = ids.clone();
        all.push(seed);
        let tracks: HashMap<TrackId, Track> = self
            .store
            .tracks_by_ids(&all)
            .await?
            .into_iter()
            .map(|t| (t.id, t))
            .collect();
        let name_of = |id: TrackId| {
            tracks
                .get(&id)
                .map(|t| format!("{} – {}", t.artist, t.title))
        };
        Ok(Some(
            ranked
                .into_iter()
                .map(|s| RecoItem {
                    track: tracks.get(&s.track_id).cloned(),
                    reasons: s.reasons.iter().map(|r| r.render(&name_of)).collect(),
                    scored: s,
                })
                .collect(),
        ))
    }
}

fn fallback_reason(s: &ScoredTrack) -> String {
    match s.components.vibe {
        Some(v) => format!("vibe match {:.0}%", v * 100.0),
        None => format!("overall score {:.2} (taste, mood and freshness)", s.score),
    }
}

/// A track as QFZZ sees it: genres are its tags, energy and tempo from audio analysis.
pub fn qfzz_track(t: &Track, a: &TrackAttributes) -> QfzzTrack {
    QfzzTrack {
        track_id: t.id.0.to_string(),
        title: t.title.clone(),
        artist: t.artist.clone(),
        genres: t.tags.iter().map(|g| vibe::normalize_tag(g)).collect(),
        moods: Vec::new(),
        energy: a.energy.map(|e| f64::from(e.clamp(0.0, 1.0))),
        tempo: a.tempo_bpm.and_then(TempoClass::from_bpm),
        duration_s: t.duration_ms.and_then(|d| u32::try_from(d / 1000).ok()),
    }
}

/// Words describing mean attributes (the detected mood).
pub fn describe(a: &TrackAttributes) -> Vec<&'static str> {
    let mut w = Vec::new();
    match a.energy {
        Some(e) if e >= 0.66 => w.push("energetic"),
        Some(e) if e <= 0.33 => w.push("calm"),
        Some(_) => w.push("moderate"),
        None => {}
    }
    if a.acousticness.is_some_and(|x| x >= 0.6) {
        w.push("acoustic");
    }
    if a.danceability.is_some_and(|x| x >= 0.66) {
        w.push("danceable");
    }
    match a.tempo_class() {
        Some(TempoClass::Fast) => w.push("fast"),
        Some(TempoClass::Slow) => w.push("slow"),
        _ => {}
    }
    match a.mode {
        Some(Mode::Major) => w.push("bright (major)"),
        Some(Mode::Minor) => w.push("dark (minor)"),
        None => {}
    }
    w
}

fn build_index(
    policy: &IndexPolicy,
    vectors: &HashMap<TrackId, Vec<f32>>,
) -> Result<Option<Arc<dyn VectorIndex>>, ApiError> {
    let Some(dim) = vectors.values().next().map(Vec::len) else {
        return Ok(None);
    };
    let key = IndexKey::new("dsp", DSP_VERSION as u32, dim).map_err(index_error)?;
    let index = policy.empty_for(&key, vectors.len()).map_err(index_error)?;
    let mut ids: Vec<&TrackId> = vectors.keys().collect();
    ids.sort();
    for id in ids {
        let v = &vectors[id];
        if v.len() == dim {
            index.upsert(id.0, v).map_err(index_error)?;
        }
    }
    Ok(Some(index))
}

fn index_error(e: hearth_index::IndexError) -> ApiError {
    ApiError::Unavailable(format!("vector index: {e}"))
}

#[async_trait]
impl ListenHook for RecoService {
    async fn on_listens(&self, listens: &[StoredListen]) {
        if !listens.is_empty() {
            self.collab
                .dirty
                .store(true, std::sync::atomic::Ordering::SeqCst);
        }
        let mut by_profile: HashMap<ProfileId, Vec<TasteEvent>> = HashMap::new();
        let mut newest = 0;
        let marks = self
            .rebuilt_through
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        for l in listens
            .iter()
            .filter(|l| marks.get(&l.profile_id).is_none_or(|&m| l.listen_id > m))
        {
            newest = newest.max(l.ts);
            by_profile
                .entry(l.profile_id)
                .or_default()
                .push(TasteEvent::listen(
                    l.track_id,
                    l.ts,
                    l.ms_played,
                    l.duration_ms,
                    l.skipped,
                ));
        }
        for (profile, events) in by_profile {
            if let Err(e) = self.apply_events(profile, &events, newest).await {
                tracing::warn!(profile = %profile, error = %e, "taste update after listens failed");
            }
        }
    }
}
