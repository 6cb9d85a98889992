//! The living playlist and the approval queue as a service (SPEC §8.3, §8.4), shared by the HTTP
//! routes (`routes/dynamic.rs`, `routes/queue.rs`), the scheduler of `hearth serve` and the CLI
//! (`hearth refresh`, `hearth cycling`, `hearth next`), which all call the same functions.
//!
//! A refresh: (1) tops up the approval queue from the [`CandidateSource`]s (today the
//! recommender's top unheard tracks, [`RecommendationSource`]; discovery sources plug in later),
//! (2) recounts trial plays / skips from listening history, (3) scores the pool — **core**: known
//! tracks by decayed taste weight × (1 − staleness), plus approved candidates; **exploration**:
//! known tracks not played within `staleness_window_days`, favouring those unplayed longest (up
//! to `cooldown_days`); **discovery**: open candidates by predicted score — (4) runs
//! [`hearth_core::dynamic::refresh`], (5) stores the list and its diff, puts the discovery tracks
//! on trial, and (6) freezes a snapshot when `snapshot_interval_days` have passed.

use crate::reco::{RecoRequest, RecoService};
use crate::ApiError;
use async_trait::async_trait;
use hearth_core::clock::{Clock, UnixMs};
use hearth_core::config::Config;
use hearth_core::dynamic::{self, CyclingParams, LivingItem, Pool, PoolItem, Section};
use hearth_core::ids::{PlaylistId, ProfileId, TrackId};
use hearth_core::model::{Feedback, FeedbackKind, Profile, TrackStatus};
use hearth_core::taste::{recent_plays, staleness, StalenessParams};
use hearth_store::{
    CandidateStatus, DynStore, NewCandidate, NewRefresh, QueueCandidate, RefreshKind,
    RefreshRecord, RestoreSource, SnapshotInfo,
};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

const MS_PER_DAY: f64 = 86_400_000.0;

/// `candidates.source` of suggestions taken from the recommender.
pub const RECOMMENDATION_SOURCE: &str = "recommendation";

/// Something that suggests tracks for the approval queue.
#[async_trait]
pub trait CandidateSource: Send + Sync {
    /// The `candidates.source` value it writes.
    fn name(&self) -> &'static str;
    /// Up to `limit` suggestions for the profile, best first. Tracks already known or queued may
    /// be among them; the queue ignores those.
    async fn suggest(
        &self,
        profile: ProfileId,
        limit: usize,
        now: UnixMs,
    ) -> Result<Vec<NewCandidate>, ApiError>;
}

/// The recommender's top unheard tracks (`GET /api/recommendations` without a vibe).
pub struct RecommendationSource {
    reco: Arc<RecoService>,
}

impl RecommendationSource {
    pub fn new(reco: Arc<RecoService>) -> Self {
        RecommendationSource { reco }
    }
}

#[async_trait]
impl CandidateSource for RecommendationSource {
    fn name(&self) -> &'static str {
        RECOMMENDATION_SOURCE
    }

    async fn suggest(
        &self,
        profile: ProfileId,
        limit: usize,
        now: UnixMs,
    ) -> Result<Vec<NewCandidate>, ApiError> {
        let req = RecoRequest {
            profile: Some(profile),
            vibe: None,
            alpha: 1.0,
            limit,
            seed: None,
        };
        let items = self.reco.recommend(&req, now).await?;
        Ok(items
            .into_iter()
            .map(|i| {
                let seed = i.scored.reasons.iter().find_map(|r| match r {
                    hearth_core::scoring::Reason::SimilarToKnown { track_id, .. } => {
                        Some(*track_id)
                    }
                    _ => None,
                });
                NewCandidate {
                    track_id: i.scored.track_id,
                    source: RECOMMENDATION_SOURCE.into(),
                    seed_track_id: seed,
                    predicted_score: Some(f64::from(i.scored.score)),
                    reasons: i.reasons,
                }
            })
            .collect())
    }
}

/// A user's verdict on a queued candidate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Joins the pool: status `approved` and a `like` feedback.
    Approve,
    /// Never suggested again: status `rejected` and a `bad_recommendation` feedback.
    Reject,
    /// Asked again later: status `skipped`, back of the queue, no feedback.
    Skip,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Approve => "approve",
            Verdict::Reject => "reject",
            Verdict::Skip => "skip",
        }
    }
    fn status(self) -> CandidateStatus {
        match self {
            Verdict::Approve => CandidateStatus::Approved,
            Verdict::Reject => CandidateStatus::Rejected,
            Verdict::Skip => CandidateStatus::Skipped,
        }
    }
    fn feedback(self) -> Option<FeedbackKind> {
        match self {
            Verdict::Approve => Some(FeedbackKind::Like),
            Verdict::Reject => Some(FeedbackKind::BadRecommendation),
            Verdict::Skip => None,
        }
    }
}

/// What a refresh did.
#[derive(Debug, Clone)]
pub struct RefreshOutcome {
    pub record: RefreshRecord,
    /// The snapshot this refresh froze, when one was due.
    pub snapshot: Option<SnapshotInfo>,
    /// Suggestions added to the queue before the refresh.
    pub queued: u64,
}

/// The outcome of a verdict.
#[derive(Debug, Clone)]
pub struct Decision {
    pub candidate: QueueCandidate,
    /// The feedback row written (`None` for a skip).
    pub feedback: Option<(i64, FeedbackKind)>,
}

/// The living-playlist service. Cheap to build; holds `Arc`s only.
#[derive(Clone)]
pub struct LivingService {
    store: DynStore,
    config: Arc<Config>,
    reco: Arc<RecoService>,
    sources: Vec<Arc<dyn CandidateSource>>,
}

impl LivingService {
    /// The service with the recommender as its only candidate source.
    pub fn new(store: DynStore, config: Arc<Config>, reco: Arc<RecoService>) -> Self {
        let sources: Vec<Arc<dyn CandidateSource>> =
            vec![Arc::new(RecommendationSource::new(reco.clone()))];
        Self::with_sources(store, config, reco, sources)
    }

    /// The service with explicit candidate sources (asked in order).
    pub fn with_sources(
        store: DynStore,
        config: Arc<Config>,
        reco: Arc<RecoService>,
        sources: Vec<Arc<dyn CandidateSource>>,
    ) -> Self {
        LivingService {
            store,
            config,
            reco,
            sources,
        }
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Trial listens after which a verdict is asked for.
    pub fn verdict_after(&self) -> u32 {
        self.config.discovery.trial_listens_before_decision
    }

    /// The refresh parameters of a profile (its own aggressiveness, else the configured one).
    pub async fn params(&self, profile: ProfileId) -> Result<CyclingParams, ApiError> {
        let aggr = self.store.cycling_aggressiveness(profile).await?;
        Ok(CyclingParams::from_config(&self.config, aggr))
    }

    /// Sets a profile's cycling aggressiveness (1–10, else 422 naming `aggressiveness`).
    pub async fn set_aggressiveness(
        &self,
        profile: ProfileId,
        aggressiveness: i64,
        now: UnixMs,
    ) -> Result<CyclingParams, ApiError> {
        let n = dynamic::validate_aggressiveness(aggressiveness)?;
        self.store
            .set_cycling_aggressiveness(profile, n, now)
            .await?;
        self.params(profile).await
    }

    /// Tops the profile's open queue up to `discovery.candidates_per_refresh` from the sources.
    pub async fn fill_queue(&self, profile: ProfileId, now: UnixMs) -> Result<u64, ApiError> {
        let want = self.config.discovery.candidates_per_refresh as usize;
        let all = self
            .store
            .candidates(profile, &CandidateStatus::ALL)
            .await?;
        let open = all
            .iter()
            .filter(|c| CandidateStatus::OPEN.contains(&c.status))
            .count();
        if open >= want {
            return Ok(0);
        }
        let queued: HashSet<TrackId> = all.iter().map(|c| c.track_id).collect();
        let mut added = 0;
        for source in &self.sources {
            let need = want.saturating_sub(open + added as usize);
            if need == 0 {
                break;
            }
            // Ask for more than needed: some suggestions may already be queued or decided.
            let fresh: Vec<NewCandidate> = source
                .suggest(profile, need + queued.len().min(200), now)
                .await?
                .into_iter()
                .filter(|c| !queued.contains(&c.track_id))
                .take(need)
                .collect();
            added += self.store.add_candidates(profile, &fresh, now).await?;
        }
        Ok(added)
    }

    /// The scored pool of a profile (see the module docs).
    pub async fn pool(&self, profile: ProfileId, now: UnixMs) -> Result<Pool, ApiError> {
        let taste = self.reco.taste(profile, now).await?;
        let known = taste.top_tracks(usize::MAX, now);
        let candidates = self
            .store
            .candidates(profile, &CandidateStatus::ALL)
            .await?;
        let listens = self.store.listens_of_profile(profile).await?;
        let mut plays: HashMap<TrackId, Vec<UnixMs>> = HashMap::new();
        for l in listens.iter().filter(|l| !l.skipped) {
            plays.entry(l.track_id).or_default().push(l.ts);
        }
        let mut ids: Vec<TrackId> = known.iter().map(|(id, _)| *id).collect();
        ids.extend(candidates.iter().map(|c| c.track_id));
        let barred: HashSet<TrackId> = self
            .store
            .tracks_by_ids(&ids)
            .await?
            .into_iter()
            .filter(|t| matches!(t.status, TrackStatus::Rejected | TrackStatus::Blacklisted))
            .map(|t| t.id)
            .collect();
        let undecided: HashSet<TrackId> = candidates
            .iter()
            .filter(|c| CandidateStatus::OPEN.contains(&c.status))
            .map(|c| c.track_id)
            .collect();
        let rejected: HashSet<TrackId> = candidates
            .iter()
            .filter(|c| c.status == CandidateStatus::Rejected)
            .map(|c| c.track_id)
            .collect();
        let stale = StalenessParams {
            lambda: self.config.cycling.staleness_lambda,
            min_plays: self.config.cycling.min_plays_for_staleness,
            window_days: f64::from(self.config.cycling.staleness_window_days),
        };
        let cooldown_days = f64::from(self.config.cycling.cooldown_days.max(1));
        let max_w = known.iter().map(|(_, w)| *w).fold(0.0_f64, f64::max);
        let mut pool = Pool::default();
        let mut in_core: HashSet<TrackId> = HashSet::new();
        for (id, w) in &known {
            if barred.contains(id) || undecided.contains(id) || rejected.contains(id) {
                continue;
            }
            let norm = if max_w > 0.0 { w / max_w } else { 0.0 };
            let ts = plays.get(id).map(Vec::as_slice).unwrap_or(&[]);
            let recent = recent_plays(ts, now, stale.window_days);
            let s = staleness(recent, &stale);
            let mut reasons = vec![format!("in your taste (weight {:.0}%)", norm * 100.0)];
            if s > 0.0 {
                reasons.push(format!(
                    "played {recent} times in the last {} days (staleness {:.0}%)",
                    stale.window_days,
                    s * 100.0
                ));
            }
            pool.core.push(PoolItem {
                track_id: *id,
                score: norm * (1.0 - s),
                reasons,
            });
            in_core.insert(*id);
            if recent == 0 {
                let last = ts.iter().copied().filter(|t| *t <= now).max();
                let (factor, why) = match last {
                    Some(t) => {
                        let days = (now - t) as f64 / MS_PER_DAY;
                        (
                            (days / cooldown_days).min(1.0),
                            format!("known, not played for {days:.0} days"),
                        )
                    }
                    None => (1.0, "known from feedback, never played here".to_string()),
                };
                pool.exploration.push(PoolItem {
                    track_id: *id,
                    score: norm * factor,
                    reasons: vec![why],
                });
            }
        }
        for c in &candidates {
            if barred.contains(&c.track_id) {
                continue;
            }
            let score = c.predicted_score.unwrap_or(0.0);
            match c.status {
                CandidateStatus::Approved if !in_core.contains(&c.track_id) => {
                    pool.core.push(PoolItem {
                        track_id: c.track_id,
                        score: score.clamp(0.0, 1.0),
                        reasons: vec![format!("approved from the queue ({})", c.source)],
                    });
                }
                CandidateStatus::Pending | CandidateStatus::Trial | CandidateStatus::Skipped => {
                    let mut reasons = c.reasons.clone();
                    reasons.push(format!(
                        "on trial from {}: {} plays, {} skips",
                        c.source, c.trial_plays, c.trial_skips
                    ));
                    pool.discovery.push(PoolItem {
                        track_id: c.track_id,
                        score,
                        reasons,
                    });
                }
                _ => {}
            }
        }
        Ok(pool)
    }

    /// Refreshes one profile's living playlist (see the module docs).
    pub async fn refresh(
        &self,
        profile: &Profile,
        now: UnixMs,
    ) -> Result<RefreshOutcome, ApiError> {
        let queued = self.fill_queue(profile.id, now).await?;
        self.store.update_trial_counts(profile.id).await?;
        let params = self.params(profile.id).await?;
        let current = self
            .store
            .living_playlist(profile.id)
            .await?
            .map(|l| l.items)
            .unwrap_or_default();
        let pool = self.pool(profile.id, now).await?;
        let plan = dynamic::refresh(&current, &pool, &params)?;
        let record = self
            .store
            .save_refresh(
                profile.id,
                &NewRefresh {
                    kind: RefreshKind::Refresh,
                    items: plan.items,
                    added: plan.added,
                    removed: plan.removed,
                    budget: plan.budget,
                    aggressiveness: params.aggressiveness,
                    restored_from: None,
                },
                now,
            )
            .await?;
        self.start_trials(profile.id, &record.items, now).await?;
        let snapshot = self.maybe_snapshot(profile, &record, now).await?;
        Ok(RefreshOutcome {
            record,
            snapshot,
            queued,
        })
    }

    async fn start_trials(
        &self,
        profile: ProfileId,
        items: &[LivingItem],
        now: UnixMs,
    ) -> Result<(), ApiError> {
        let discovery: Vec<TrackId> = items
            .iter()
            .filter(|i| i.section == Section::Discovery)
            .map(|i| i.track_id)
            .collect();
        self.store.start_trials(profile, &discovery, now).await?;
        Ok(())
    }

    /// Freezes the list when `snapshot_interval_days` have passed since the last snapshot (or
    /// since the living playlist was first built).
    async fn maybe_snapshot(
        &self,
        profile: &Profile,
        record: &RefreshRecord,
        now: UnixMs,
    ) -> Result<Option<SnapshotInfo>, ApiError> {
        let Some(live) = self.store.living_playlist(profile.id).await? else {
            return Ok(None);
        };
        let last = self
            .store
            .snapshots(profile.id)
            .await?
            .first()
            .map(|s| s.created_at);
        let interval = self.config.playlist.snapshot_interval_days;
        if !dynamic::snapshot_due(last, live.created_at, now, interval) {
            return Ok(None);
        }
        let date = hearth_core::clock::to_rfc3339(now);
        let name = format!("Living {} {}", profile.name, &date[..10]);
        let id = self
            .store
            .save_snapshot(profile.id, &name, &record.items, Some(record.id), now)
            .await?;
        Ok(Some(SnapshotInfo {
            id,
            name,
            created_at: now,
            track_count: record.items.len() as i64,
            refresh_id: Some(record.id),
        }))
    }

    /// Restores the exact list of an earlier refresh or snapshot, recorded as a refresh of kind
    /// `rollback` (not bounded by the change budget: the user asked for that list).
    pub async fn rollback(
        &self,
        profile: &Profile,
        source: RestoreSource,
        now: UnixMs,
    ) -> Result<RefreshRecord, ApiError> {
        let target = match source {
            RestoreSource::RefreshId(id) => self
                .store
                .get_refresh(profile.id, id)
                .await?
                .map(|r| r.items)
                .ok_or_else(|| {
                    ApiError::NotFound(format!(
                        "refresh {id} of profile {:?} does not exist",
                        profile.name
                    ))
                })?,
            RestoreSource::SnapshotId(id) => self
                .store
                .snapshot_items(profile.id, id)
                .await?
                .ok_or_else(|| {
                    ApiError::NotFound(format!(
                        "snapshot {id} of profile {:?} does not exist",
                        profile.name
                    ))
                })?,
        };
        let current = self
            .store
            .living_playlist(profile.id)
            .await?
            .map(|l| l.items)
            .unwrap_or_default();
        let (added, removed) = dynamic::diff(&current, &target);
        let params = self.params(profile.id).await?;
        let record = self
            .store
            .save_refresh(
                profile.id,
                &NewRefresh {
                    kind: RefreshKind::Rollback,
                    items: target,
                    added,
                    removed,
                    budget: None,
                    aggressiveness: params.aggressiveness,
                    restored_from: Some(source),
                },
                now,
            )
            .await?;
        self.start_trials(profile.id, &record.items, now).await?;
        Ok(record)
    }

    /// The next candidate to decide on (trial counts recounted first; the queue is topped up
    /// from the sources when it is empty).
    pub async fn next(
        &self,
        profile: ProfileId,
        now: UnixMs,
    ) -> Result<Option<QueueCandidate>, ApiError> {
        self.store.update_trial_counts(profile).await?;
        let verdict_after = self.verdict_after();
        if let Some(c) = self.store.next_candidate(profile, verdict_after).await? {
            return Ok(Some(c));
        }
        self.fill_queue(profile, now).await?;
        Ok(self.store.next_candidate(profile, verdict_after).await?)
    }

    /// Whether a candidate has had its trial listens.
    pub fn verdict_due(&self, c: &QueueCandidate) -> bool {
        c.trial_plays + c.trial_skips >= i64::from(self.verdict_after())
    }

    /// Applies a verdict. Approve and reject also write feedback through the same path as
    /// `POST /api/feedback` (the row, then taste and QFZZ preferences). A candidate that was
    /// already approved or rejected is a conflict.
    pub async fn decide(
        &self,
        id: i64,
        verdict: Verdict,
        now: UnixMs,
    ) -> Result<Decision, ApiError> {
        let c = self
            .store
            .get_candidate(id)
            .await?
            .ok_or_else(|| ApiError::NotFound(format!("candidate {id} does not exist")))?;
        if !CandidateStatus::OPEN.contains(&c.status) {
            return Err(ApiError::Conflict(format!(
                "candidate {id} was already {}",
                c.status.as_str()
            )));
        }
        let feedback = match verdict.feedback() {
            Some(kind) => {
                let track = self.store.get_track(c.track_id).await?.ok_or_else(|| {
                    ApiError::NotFound(format!("track {} does not exist", c.track_id))
                })?;
                let fb = Feedback {
                    profile_id: c.profile_id,
                    track_id: c.track_id,
                    kind,
                    rating: None,
                    vibe: None,
                    ts: now,
                };
                let fid = self.store.add_feedback(&fb).await?;
                self.reco.on_feedback(&fb, &track).await?;
                Some((fid, kind))
            }
            None => None,
        };
        let candidate = self
            .store
            .set_candidate_status(id, verdict.status(), now)
            .await?;
        Ok(Decision {
            candidate,
            feedback,
        })
    }

    /// Refreshes every profile (the scheduler). One profile's failure is logged and does not
    /// stop the others; returns how many succeeded.
    pub async fn refresh_all(&self, now: UnixMs) -> Result<usize, ApiError> {
        let mut ok = 0;
        for (p, _) in self.store.list_profiles().await? {
            match self.refresh(&p, now).await {
                Ok(out) => {
                    ok += 1;
                    tracing::info!(profile = %p.name, added = out.record.added.len(),
                        removed = out.record.removed.len(), snapshot = out.snapshot.is_some(),
                        "living playlist refreshed");
                }
                Err(e) => {
                    tracing::warn!(profile = %p.name, error = %e, "living playlist refresh failed")
                }
            }
        }
        Ok(ok)
    }
}

/// Starts the scheduled refresh of every living playlist every `interval_hours` (the first one
/// after one interval). `hearth serve` calls this; nothing else does, so in-process tests have no
/// background refreshes. Returns `None` when the interval is 0 (off).
pub fn spawn_scheduler(
    service: LivingService,
    clock: Arc<dyn Clock>,
    interval_hours: u32,
) -> Option<tokio::task::JoinHandle<()>> {
    if interval_hours == 0 {
        return None;
    }
    let period = std::time::Duration::from_secs(u64::from(interval_hours) * 3600);
    Some(tokio::spawn(async move {
        let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if let Err(e) = service.refresh_all(clock.now_ms()).await {
                tracing::warn!(error = %e, "scheduled living playlist refresh failed");
            }
        }
    }))
}

/// Snapshot ids as the API names them.
pub fn snapshot_source(id: i64) -> RestoreSource {
    RestoreSource::SnapshotId(PlaylistId(id))
}
