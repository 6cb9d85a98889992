//! `/api/queue…` — the approval queue (SPEC §8.4): one candidate at a time with its source,
//! predicted score, reasons and trial plays / skips; approve, reject or skip it.

use super::dynamic::{living, track_names};
use super::profile_or_default;
use crate::extract::ApiQuery;
use crate::living::{Decision, Verdict};
use crate::{ApiError, AppState};
use axum::extract::{Path, State};
use axum::Json;
use hearth_core::clock::to_rfc3339;
use hearth_store::QueueCandidate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Deserialize, IntoParams)]
pub struct NextQuery {
    /// Profile name (default `default`); 404 when unknown.
    pub profile: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct CandidateView {
    pub id: i64,
    pub track_id: i64,
    pub title: Option<String>,
    pub artist: Option<String>,
    pub album: Option<String>,
    /// Where the suggestion came from (`recommendation`, later discovery sources).
    pub source: String,
    pub predicted_score: Option<f64>,
    pub reasons: Vec<String>,
    /// pending | trial | approved | rejected | skipped
    pub status: String,
    pub trial_plays: i64,
    pub trial_skips: i64,
    /// True once `trial_listens_before_decision` trial listens (plays + skips) were counted.
    pub verdict_due: bool,
    pub trial_listens_before_decision: u32,
    pub created_at: String,
}

pub(crate) async fn candidate_view(
    state: &AppState,
    c: &QueueCandidate,
) -> Result<CandidateView, ApiError> {
    let names = track_names(state, [c.track_id]).await?;
    let t = names.get(&c.track_id);
    let svc = living(state);
    Ok(CandidateView {
        id: c.id,
        track_id: c.track_id.0,
        title: t.map(|t| t.title.clone()),
        artist: t.map(|t| t.artist.clone()),
        album: t.and_then(|t| t.album.clone()),
        source: c.source.clone(),
        predicted_score: c.predicted_score,
        reasons: c.reasons.clone(),
        status: c.status.as_str().into(),
        trial_plays: c.trial_plays,
        trial_skips: c.trial_skips,
        verdict_due: svc.verdict_due(c),
        trial_listens_before_decision: svc.verdict_after(),
        created_at: to_rfc3339(c.created_at),
    })
}

#[derive(Serialize, ToSchema)]
pub struct NextView {
    pub profile: String,
    /// `null` when there is nothing to decide on.
    pub candidate: Option<CandidateView>,
}

/// The next candidate to approve, reject or skip.
#[utoipa::path(get, path = "/api/queue/next", tag = "queue", params(NextQuery),
    responses((status = 200, body = NextView), (status = 404, body = crate::error::ErrorBody)))]
pub async fn next(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<NextQuery>,
) -> Result<Json<NextView>, ApiError> {
    let p = profile_or_default(&state, q.profile.as_deref()).await?;
    let c = living(&state).next(p.id, state.clock.now_ms()).await?;
    let candidate = match c {
        Some(c) => Some(candidate_view(&state, &c).await?),
        None => None,
    };
    Ok(Json(NextView {
        profile: p.name,
        candidate,
    }))
}

#[derive(Serialize, ToSchema)]
pub struct FeedbackRef {
    pub id: i64,
    pub kind: String,
}

#[derive(Serialize, ToSchema)]
pub struct DecisionView {
    pub status: &'static str,
    /// approve | reject | skip
    pub action: String,
    pub candidate: CandidateView,
    /// The feedback written (approve: `like`, reject: `bad_recommendation`; skip: none).
    pub feedback: Option<FeedbackRef>,
}

fn parse_id(raw: &str) -> Result<i64, ApiError> {
    raw.parse().map_err(|_| ApiError::Invalid {
        field: "id".into(),
        reason: format!("{raw:?} is not a candidate id"),
    })
}

async fn decide(
    state: AppState,
    raw_id: String,
    verdict: Verdict,
) -> Result<Json<DecisionView>, ApiError> {
    let id = parse_id(&raw_id)?;
    let Decision {
        candidate,
        feedback,
    } = living(&state)
        .decide(id, verdict, state.clock.now_ms())
        .await?;
    Ok(Json(DecisionView {
        status: "ok",
        action: verdict.as_str().into(),
        candidate: candidate_view(&state, &candidate).await?,
        feedback: feedback.map(|(id, kind)| FeedbackRef {
            id,
            kind: kind.as_str().into(),
        }),
    }))
}

/// Approves a candidate: it joins the pool (and the profile gets a `like`).
#[utoipa::path(post, path = "/api/queue/{id}/approve", tag = "queue", params(("id" = i64, Path)),
    responses((status = 200, body = DecisionView), (status = 404, body = crate::error::ErrorBody),
              (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn approve(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<DecisionView>, ApiError> {
    decide(state, id, Verdict::Approve).await
}

/// Rejects a candidate: never suggested again (and a `bad_recommendation` feedback).
#[utoipa::path(post, path = "/api/queue/{id}/reject", tag = "queue", params(("id" = i64, Path)),
    responses((status = 200, body = DecisionView), (status = 404, body = crate::error::ErrorBody),
              (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn reject(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<DecisionView>, ApiError> {
    decide(state, id, Verdict::Reject).await
}

/// Skips a candidate for now: it goes to the back of the queue.
#[utoipa::path(post, path = "/api/queue/{id}/skip", tag = "queue", params(("id" = i64, Path)),
    responses((status = 200, body = DecisionView), (status = 404, body = crate::error::ErrorBody),
              (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn skip(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<DecisionView>, ApiError> {
    decide(state, id, Verdict::Skip).await
}
