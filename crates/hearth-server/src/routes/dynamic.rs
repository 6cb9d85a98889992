//! `/api/dynamic/{profile}…` — the living playlist (SPEC §8.3): refresh, the current list with
//! sections and reasons, refresh history with diffs, snapshots, rollback and cycling
//! aggressiveness. The logic lives in [`crate::living::LivingService`].

use super::existing_profile;
use crate::extract::{ApiJson, ApiQuery};
use crate::living::{snapshot_source, LivingService};
use crate::{ApiError, AppState};
use axum::extract::{Path, State};
use axum::Json;
use hearth_core::clock::to_rfc3339;
use hearth_core::dynamic::{self, LivingItem, Section};
use hearth_core::ids::TrackId;
use hearth_core::model::Track;
use hearth_store::{RefreshRecord, RestoreSource, SnapshotInfo};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use utoipa::{IntoParams, ToSchema};

/// The service over this request's state.
pub(crate) fn living(state: &AppState) -> LivingService {
    LivingService::new(
        state.store.clone(),
        state.config.clone(),
        state.reco.clone(),
    )
}

/// Titles and artists of the given tracks.
pub(crate) async fn track_names(
    state: &AppState,
    ids: impl IntoIterator<Item = TrackId>,
) -> Result<HashMap<TrackId, Track>, ApiError> {
    let mut ids: Vec<TrackId> = ids.into_iter().collect();
    ids.sort();
    ids.dedup();
    Ok(state
        .store
        .tracks_by_ids(&ids)
        .await?
        .into_iter()
        .map(|t| (t.id, t))
        .collect())
}

#[derive(Serialize, ToSchema)]
pub struct LivingItemView {
    pub position: usize,
    pub track_id: i64,
    pub title: Option<String>,
    pub artist: Option<String>,
    pub album: Option<String>,
    /// core | exploration | discovery
    pub section: String,
    pub reasons: Vec<String>,
}

#[derive(Serialize, ToSchema)]
pub struct SectionCounts {
    pub core: usize,
    pub exploration: usize,
    pub discovery: usize,
}

#[derive(Serialize, ToSchema)]
pub struct LivingView {
    pub profile: String,
    /// `null` before the first refresh.
    pub playlist_id: Option<i64>,
    pub created_at: Option<String>,
    pub updated_at: Option<String>,
    pub target_size: usize,
    pub aggressiveness: u32,
    /// Most tracks one refresh may add (and remove) at this aggressiveness.
    pub max_changes_per_refresh: usize,
    /// Target slots per section.
    pub quotas: SectionCounts,
    /// Tracks per section now.
    pub counts: SectionCounts,
    pub items: Vec<LivingItemView>,
}

fn counts(items: &[LivingItem]) -> SectionCounts {
    let n = |s: Section| items.iter().filter(|i| i.section == s).count();
    SectionCounts {
        core: n(Section::Core),
        exploration: n(Section::Exploration),
        discovery: n(Section::Discovery),
    }
}

/// The profile's living playlist, each item with its section and reasons.
#[utoipa::path(get, path = "/api/dynamic/{profile}", tag = "dynamic", params(("profile" = String, Path)),
    responses((status = 200, body = LivingView), (status = 404, body = crate::error::ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    Path(profile): Path<String>,
) -> Result<Json<LivingView>, ApiError> {
    let p = existing_profile(&state, &profile).await?;
    let svc = living(&state);
    let params = svc.params(p.id).await?;
    let live = state.store.living_playlist(p.id).await?;
    let items = live.as_ref().map(|l| l.items.clone()).unwrap_or_default();
    let names = track_names(&state, items.iter().map(|i| i.track_id)).await?;
    let q = params.quotas();
    Ok(Json(LivingView {
        profile: p.name,
        playlist_id: live.as_ref().map(|l| l.playlist_id.0),
        created_at: live.as_ref().map(|l| to_rfc3339(l.created_at)),
        updated_at: live.as_ref().map(|l| to_rfc3339(l.updated_at)),
        target_size: params.target_size,
        aggressiveness: params.aggressiveness,
        max_changes_per_refresh: dynamic::change_budget(&params),
        quotas: SectionCounts {
            core: q[0],
            exploration: q[1],
            discovery: q[2],
        },
        counts: counts(&items),
        items: items
            .iter()
            .enumerate()
            .map(|(n, i)| {
                let t = names.get(&i.track_id);
                LivingItemView {
                    position: n,
                    track_id: i.track_id.0,
                    title: t.map(|t| t.title.clone()),
                    artist: t.map(|t| t.artist.clone()),
                    album: t.and_then(|t| t.album.clone()),
                    section: i.section.as_str().into(),
                    reasons: i.reasons.clone(),
                }
            })
            .collect(),
    }))
}

#[derive(Serialize, ToSchema)]
pub struct ChangeView {
    pub track_id: i64,
    pub title: Option<String>,
    pub artist: Option<String>,
    pub section: String,
    /// Why it came in (added) or went out (removed).
    pub reasons: Vec<String>,
    /// For removals: no_longer_eligible | outranked | rolled_back.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason_code: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct RefreshView {
    pub id: i64,
    /// refresh | rollback
    pub kind: String,
    pub created_at: String,
    pub track_count: usize,
    /// The change budget it ran with (`null`: first build or rollback).
    pub budget: Option<usize>,
    pub aggressiveness: u32,
    /// For a rollback: `{"refresh_id": n}` or `{"snapshot_id": n}`.
    #[schema(value_type = Option<Object>)]
    pub restored_from: Option<serde_json::Value>,
    pub added: Vec<ChangeView>,
    pub removed: Vec<ChangeView>,
}

pub(crate) async fn refresh_view(
    state: &AppState,
    r: &RefreshRecord,
) -> Result<RefreshView, ApiError> {
    let names = track_names(
        state,
        r.added
            .iter()
            .map(|a| a.track_id)
            .chain(r.removed.iter().map(|x| x.track_id)),
    )
    .await?;
    let name = |id: TrackId| names.get(&id);
    Ok(RefreshView {
        id: r.id,
        kind: r.kind.as_str().into(),
        created_at: to_rfc3339(r.created_at),
        track_count: r.items.len(),
        budget: r.budget,
        aggressiveness: r.aggressiveness,
        restored_from: r.restored_from.map(|s| match s {
            RestoreSource::RefreshId(id) => serde_json::json!({ "refresh_id": id }),
            RestoreSource::SnapshotId(id) => serde_json::json!({ "snapshot_id": id.0 }),
        }),
        added: r
            .added
            .iter()
            .map(|a| ChangeView {
                track_id: a.track_id.0,
                title: name(a.track_id).map(|t| t.title.clone()),
                artist: name(a.track_id).map(|t| t.artist.clone()),
                section: a.section.as_str().into(),
                reasons: a.reasons.clone(),
                reason_code: None,
            })
            .collect(),
        removed: r
            .removed
            .iter()
            .map(|x| ChangeView {
                track_id: x.track_id.0,
                title: name(x.track_id).map(|t| t.title.clone()),
                artist: name(x.track_id).map(|t| t.artist.clone()),
                section: x.section.as_str().into(),
                reasons: vec![x.reason.describe().to_string()],
                reason_code: serde_json::to_value(x.reason)
                    .ok()
                    .and_then(|v| v.as_str().map(String::from)),
            })
            .collect(),
    })
}

#[derive(Serialize, ToSchema)]
pub struct SnapshotView {
    pub id: i64,
    pub name: String,
    pub created_at: String,
    pub track_count: i64,
    pub refresh_id: Option<i64>,
}

impl From<&SnapshotInfo> for SnapshotView {
    fn from(s: &SnapshotInfo) -> Self {
        SnapshotView {
            id: s.id.0,
            name: s.name.clone(),
            created_at: to_rfc3339(s.created_at),
            track_count: s.track_count,
            refresh_id: s.refresh_id,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct RefreshResult {
    pub profile: String,
    pub refresh: RefreshView,
    /// The snapshot this refresh froze (every `snapshot_interval_days`).
    pub snapshot: Option<SnapshotView>,
    /// Suggestions added to the approval queue before the refresh.
    pub queued: u64,
}

/// Refreshes the living playlist now (bounded by the cycling aggressiveness) and returns the diff.
#[utoipa::path(post, path = "/api/dynamic/{profile}/refresh", tag = "dynamic", params(("profile" = String, Path)),
    responses((status = 200, body = RefreshResult), (status = 404, body = crate::error::ErrorBody)))]
pub async fn refresh(
    State(state): State<AppState>,
    Path(profile): Path<String>,
) -> Result<Json<RefreshResult>, ApiError> {
    let p = existing_profile(&state, &profile).await?;
    let out = living(&state).refresh(&p, state.clock.now_ms()).await?;
    Ok(Json(RefreshResult {
        profile: p.name,
        refresh: refresh_view(&state, &out.record).await?,
        snapshot: out.snapshot.as_ref().map(SnapshotView::from),
        queued: out.queued,
    }))
}

#[derive(Serialize, ToSchema)]
pub struct SnapshotList {
    pub profile: String,
    pub snapshots: Vec<SnapshotView>,
}

/// Frozen snapshots of the living playlist, newest first.
#[utoipa::path(get, path = "/api/dynamic/{profile}/snapshots", tag = "dynamic", params(("profile" = String, Path)),
    responses((status = 200, body = SnapshotList), (status = 404, body = crate::error::ErrorBody)))]
pub async fn snapshots(
    State(state): State<AppState>,
    Path(profile): Path<String>,
) -> Result<Json<SnapshotList>, ApiError> {
    let p = existing_profile(&state, &profile).await?;
    let snaps = state.store.snapshots(p.id).await?;
    Ok(Json(SnapshotList {
        profile: p.name,
        snapshots: snaps.iter().map(SnapshotView::from).collect(),
    }))
}

#[derive(Deserialize, IntoParams)]
pub struct HistoryQuery {
    /// 1–500, default 20.
    pub limit: Option<u32>,
}

#[derive(Serialize, ToSchema)]
pub struct HistoryView {
    pub profile: String,
    pub refreshes: Vec<RefreshView>,
}

/// Refresh history with each refresh's diff, newest first.
#[utoipa::path(get, path = "/api/dynamic/{profile}/history", tag = "dynamic",
    params(("profile" = String, Path), HistoryQuery),
    responses((status = 200, body = HistoryView), (status = 404, body = crate::error::ErrorBody),
              (status = 422, body = crate::error::ErrorBody)))]
pub async fn history(
    State(state): State<AppState>,
    Path(profile): Path<String>,
    ApiQuery(q): ApiQuery<HistoryQuery>,
) -> Result<Json<HistoryView>, ApiError> {
    let limit = q.limit.unwrap_or(20);
    if !(1..=500).contains(&limit) {
        return Err(ApiError::Invalid {
            field: "limit".into(),
            reason: format!("{limit} is outside 1..=500"),
        });
    }
    let p = existing_profile(&state, &profile).await?;
    let mut refreshes = Vec::new();
    for r in state.store.refreshes(p.id, limit).await? {
        refreshes.push(refresh_view(&state, &r).await?);
    }
    Ok(Json(HistoryView {
        profile: p.name,
        refreshes,
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RollbackRequest {
    /// Restore the list right after this refresh …
    pub refresh_id: Option<i64>,
    /// … or this snapshot (exactly one of the two).
    pub snapshot_id: Option<i64>,
}

/// Restores the exact list of an earlier refresh or snapshot; recorded as a refresh.
#[utoipa::path(post, path = "/api/dynamic/{profile}/rollback", tag = "dynamic", params(("profile" = String, Path)),
    request_body = RollbackRequest,
    responses((status = 200, body = RefreshResult), (status = 404, body = crate::error::ErrorBody),
              (status = 422, body = crate::error::ErrorBody)))]
pub async fn rollback(
    State(state): State<AppState>,
    Path(profile): Path<String>,
    ApiJson(body): ApiJson<RollbackRequest>,
) -> Result<Json<RefreshResult>, ApiError> {
    let source = match (body.refresh_id, body.snapshot_id) {
        (Some(r), None) => RestoreSource::RefreshId(r),
        (None, Some(s)) => snapshot_source(s),
        _ => {
            return Err(ApiError::Invalid {
                field: "refresh_id".into(),
                reason: "give exactly one of refresh_id and snapshot_id".into(),
            })
        }
    };
    let p = existing_profile(&state, &profile).await?;
    let record = living(&state)
        .rollback(&p, source, state.clock.now_ms())
        .await?;
    Ok(Json(RefreshResult {
        profile: p.name,
        refresh: refresh_view(&state, &record).await?,
        snapshot: None,
        queued: 0,
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CyclingRequest {
    /// 1 (gentle) – 10 (aggressive); 5 changes `max_change_per_refresh` of the list per refresh.
    pub aggressiveness: i64,
}

#[derive(Serialize, ToSchema)]
pub struct CyclingView {
    pub profile: String,
    pub aggressiveness: u32,
    pub max_changes_per_refresh: usize,
    pub target_size: usize,
}

/// Sets the profile's cycling aggressiveness.
#[utoipa::path(put, path = "/api/dynamic/{profile}/cycling", tag = "dynamic", params(("profile" = String, Path)),
    request_body = CyclingRequest,
    responses((status = 200, body = CyclingView), (status = 404, body = crate::error::ErrorBody),
              (status = 422, body = crate::error::ErrorBody)))]
pub async fn put_cycling(
    State(state): State<AppState>,
    Path(profile): Path<String>,
    ApiJson(body): ApiJson<CyclingRequest>,
) -> Result<Json<CyclingView>, ApiError> {
    let p = existing_profile(&state, &profile).await?;
    let params = living(&state)
        .set_aggressiveness(p.id, body.aggressiveness, state.clock.now_ms())
        .await?;
    Ok(Json(CyclingView {
        profile: p.name,
        aggressiveness: params.aggressiveness,
        max_changes_per_refresh: dynamic::change_budget(&params),
        target_size: params.target_size,
    }))
}
