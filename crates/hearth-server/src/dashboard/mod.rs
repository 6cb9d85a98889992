//! The HTML dashboard (SPEC §10, `GET /`): server-rendered pages, readable on a phone, with one
//! small progressive-enhancement script (feedback buttons, the manual feedback form, the playlist
//! builder and the persistent vibe context all call the JSON API with `fetch`).
//!
//! Pages are built in two steps so they can be snapshot-tested: `gather_*` reads the store and
//! the recommendation service into plain view structs, and `render_*` turns those into HTML
//! through [`html::Html`], which escapes every runtime value. One file per section.
//!
//! These routes serve HTML, not JSON, so they are deliberately absent from `/api/openapi.json`.

pub mod html;
mod layout;
mod listens;
mod playlists;
mod profiles;
mod recommendations;
mod status;

use crate::reco::{RecoRequest, DSP_VERSION};
use crate::{ApiError, AppState};
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{Html as HtmlResponse, IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use hearth_core::clock::UnixMs;
use hearth_core::ids::TrackId;
use hearth_core::model::{ListenEvent, Profile, ProfileStats};
use hearth_core::profile_name::DEFAULT_PROFILE;
use hearth_store::{Job, StatusCounts};
use html::Html;
use serde::Deserialize;
use std::collections::HashMap;

const SCRIPT: &str = include_str!("dashboard.js");
const STYLE: &str = include_str!("dashboard.css");
/// Paths of the static assets (versioned by the crate version so browsers refetch on upgrade).
pub const SCRIPT_PATH: &str = "/dashboard/app.js";
pub const STYLE_PATH: &str = "/dashboard/app.css";

/// How many recent listens and jobs the front page shows.
const RECENT_LISTENS: u32 = 30;
const RECENT_JOBS: u32 = 8;
const RECOMMENDATIONS: usize = 15;

/// The dashboard's routes (HTML and its two static assets).
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(index))
        .route("/profiles/{name}", get(profile_page))
        .route(SCRIPT_PATH, get(script))
        .route(STYLE_PATH, get(style))
}

/// Query parameters of the pages: which profile and vibe the recommendations are for.
#[derive(Debug, Default, Deserialize)]
pub struct PageQuery {
    pub profile: Option<String>,
    pub vibe: Option<String>,
    pub alpha: Option<String>,
}

/// Everything the front page shows.
pub struct IndexView {
    pub now: UnixMs,
    pub backend: &'static str,
    pub counts: StatusCounts,
    pub jobs: Vec<Job>,
    pub listens: Vec<ListenEvent>,
    pub profiles: Vec<ProfileCard>,
    pub reco: RecoView,
}

/// A profile with its speakers and taste summary.
pub struct ProfileCard {
    pub profile: Profile,
    pub stats: ProfileStats,
    /// The taste summary, or why it could not be computed (shown, not hidden).
    pub taste: Result<TasteView, String>,
}

/// A taste summary in words and numbers.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TasteView {
    pub centroids: usize,
    pub avoid_centroids: usize,
    pub known_tracks: usize,
    pub n_events: u64,
    /// (artist, share of the weight of the top tracks), heaviest first.
    pub top_artists: Vec<(String, f64)>,
    pub top_tags: Vec<(String, f64)>,
    /// Weighted mean energy in [0, 1] of the top tracks with features.
    pub energy: Option<f64>,
    pub tempo_bpm: Option<f64>,
}

/// The recommendations section: the chosen profile and vibe and what came back.
pub struct RecoView {
    pub profile: Option<String>,
    pub vibe: Option<String>,
    pub alpha: f32,
    pub items: Result<Vec<RecoRow>, String>,
}

pub struct RecoRow {
    pub track_id: TrackId,
    pub title: String,
    pub artist: String,
    pub album: Option<String>,
    pub score: f32,
    pub reasons: Vec<String>,
}

/// One profile's page.
pub struct ProfileView {
    pub now: UnixMs,
    pub card: ProfileCard,
    pub all_profiles: Vec<String>,
    pub listens: Vec<ListenEvent>,
    pub reco: RecoView,
}

async fn index(
    State(state): State<AppState>,
    Query(q): Query<PageQuery>,
) -> Result<Response, ApiError> {
    let view = gather_index(&state, &q).await?;
    Ok(page_response(StatusCode::OK, render_index(&view)))
}

async fn profile_page(
    State(state): State<AppState>,
    Path(name): Path<String>,
    Query(q): Query<PageQuery>,
) -> Result<Response, ApiError> {
    match gather_profile(&state, &name, &q).await? {
        Some(view) => Ok(page_response(StatusCode::OK, render_profile(&view))),
        None => Ok(page_response(
            StatusCode::NOT_FOUND,
            render_not_found(&name),
        )),
    }
}

async fn script() -> Response {
    asset("text/javascript; charset=utf-8", SCRIPT)
}

async fn style() -> Response {
    asset("text/css; charset=utf-8", STYLE)
}

fn asset(content_type: &'static str, body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "public, max-age=300"),
        ],
        body,
    )
        .into_response()
}

fn page_response(status: StatusCode, body: String) -> Response {
    (
        status,
        [
            (header::CACHE_CONTROL, "no-store"),
            // The pages load only their own script and style; inline script is never needed.
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
            ),
        ],
        HtmlResponse(body),
    )
        .into_response()
}

/// Reads what the front page shows.
pub async fn gather_index(state: &AppState, q: &PageQuery) -> Result<IndexView, ApiError> {
    let now = state.clock.now_ms();
    let counts = state.store.status_counts().await?;
    let jobs = state.store.list_jobs(RECENT_JOBS).await?;
    let listens = state.store.recent_listens(None, RECENT_LISTENS).await?;
    let mut profiles = Vec::new();
    for (p, stats) in state.store.list_profiles().await? {
        let taste = taste_view(state, &p, now).await;
        profiles.push(ProfileCard {
            profile: p,
            stats,
            taste,
        });
    }
    // Without a choice, recommend for the most active profile (ties: by name).
    let chosen = nonempty(q.profile.as_deref())
        .map(str::to_string)
        .or_else(|| {
            profiles
                .iter()
                .max_by(|a, b| {
                    a.stats
                        .event_count
                        .cmp(&b.stats.event_count)
                        .then(b.profile.name.cmp(&a.profile.name))
                })
                .map(|c| c.profile.name.clone())
        });
    let reco = reco_view(state, chosen, q, now).await;
    Ok(IndexView {
        now,
        backend: state.store.backend(),
        counts,
        jobs,
        listens,
        profiles,
        reco,
    })
}

/// Reads one profile's page; `None` when the profile does not exist.
pub async fn gather_profile(
    state: &AppState,
    name: &str,
    q: &PageQuery,
) -> Result<Option<ProfileView>, ApiError> {
    let now = state.clock.now_ms();
    let Some(p) = state.store.get_profile(name).await? else {
        return Ok(None);
    };
    let stats = state.store.profile_stats(p.id).await?;
    let listens = state
        .store
        .recent_listens(Some(p.id), RECENT_LISTENS)
        .await?;
    let all_profiles = state
        .store
        .list_profiles()
        .await?
        .into_iter()
        .map(|(p, _)| p.name)
        .collect();
    let taste = taste_view(state, &p, now).await;
    let reco = reco_view(state, Some(p.name.clone()), q, now).await;
    Ok(Some(ProfileView {
        now,
        card: ProfileCard {
            profile: p,
            stats,
            taste,
        },
        all_profiles,
        listens,
        reco,
    }))
}

fn nonempty(s: Option<&str>) -> Option<&str> {
    s.map(str::trim).filter(|s| !s.is_empty())
}

/// The taste summary of one profile: centroid counts from [`crate::reco::RecoService::summary`],
/// top artists and tags and the energy/tempo leaning from its heaviest tracks.
async fn taste_view(state: &AppState, p: &Profile, now: UnixMs) -> Result<TasteView, String> {
    let inner = async {
        let summary = state.reco.summary(p.id, now).await?;
        let taste = state.reco.taste(p.id, now).await?;
        let top = taste.top_tracks(50, now);
        let ids: Vec<TrackId> = top.iter().map(|(id, _)| *id).collect();
        let tracks: HashMap<TrackId, hearth_core::model::Track> = state
            .store
            .tracks_by_ids(&ids)
            .await?
            .into_iter()
            .map(|t| (t.id, t))
            .collect();
        let features: HashMap<TrackId, hearth_store::FeatureAttributes> = state
            .store
            .track_features(&ids, DSP_VERSION)
            .await?
            .into_iter()
            .collect();
        let (mut artists, mut tags) = (WeightedCounts::default(), WeightedCounts::default());
        let (mut energy, mut tempo) = (WeightedMean::default(), WeightedMean::default());
        for (id, w) in &top {
            let w = w.max(0.0);
            if let Some(t) = tracks.get(id) {
                artists.add(&t.artist, w);
                for tag in &t.tags {
                    tags.add(&tag.to_lowercase(), w);
                }
            }
            if let Some(f) = features.get(id) {
                energy.add(f.energy, w);
                tempo.add(f.tempo_bpm, w);
            }
        }
        Ok::<_, ApiError>(TasteView {
            centroids: summary.clusters.len(),
            avoid_centroids: summary.avoid.len(),
            known_tracks: summary.known_tracks,
            n_events: summary.n_events,
            top_artists: artists.top(5),
            top_tags: tags.top(6),
            energy: energy.mean(),
            tempo_bpm: tempo.mean(),
        })
    };
    inner.await.map_err(|e| {
        tracing::warn!(profile = %p.name, error = %e, "dashboard: taste summary failed");
        e.to_string()
    })
}

#[derive(Default)]
struct WeightedCounts(HashMap<String, f64>);

impl WeightedCounts {
    fn add(&mut self, key: &str, w: f64) {
        if !key.trim().is_empty() {
            *self.0.entry(key.trim().to_string()).or_default() += w;
        }
    }
    /// The `n` heaviest keys with their share of the total (ties by name, for stable pages).
    fn top(self, n: usize) -> Vec<(String, f64)> {
        let total: f64 = self.0.values().sum();
        let mut v: Vec<(String, f64)> = self.0.into_iter().collect();
        v.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        v.truncate(n);
        if total > 0.0 {
            for e in &mut v {
                e.1 /= total;
            }
        }
        v
    }
}

#[derive(Default)]
struct WeightedMean {
    sum: f64,
    weight: f64,
}

impl WeightedMean {
    fn add(&mut self, x: Option<f64>, w: f64) {
        if let Some(x) = x.filter(|x| x.is_finite()) {
            self.sum += x * w;
            self.weight += w;
        }
    }
    fn mean(&self) -> Option<f64> {
        (self.weight > 0.0).then(|| self.sum / self.weight)
    }
}

/// Recommendations for `profile` (a guest when `None`) and the page's vibe.
async fn reco_view(
    state: &AppState,
    profile: Option<String>,
    q: &PageQuery,
    now: UnixMs,
) -> RecoView {
    let vibe = nonempty(q.vibe.as_deref()).map(str::to_string);
    let alpha_raw = nonempty(q.alpha.as_deref());
    let alpha = alpha_raw
        .and_then(|a| a.parse::<f32>().ok())
        .filter(|a| (0.0..=1.0).contains(a))
        .unwrap_or(0.5);
    let items = async {
        if let Some(raw) = alpha_raw {
            if raw
                .parse::<f32>()
                .ok()
                .filter(|a| (0.0..=1.0).contains(a))
                .is_none()
            {
                return Err(format!("alpha {raw:?} must be a number in [0, 1]"));
            }
        }
        let pid = match profile.as_deref() {
            Some(name) => match state.store.get_profile(name).await {
                Ok(Some(p)) => Some(p.id),
                Ok(None) => return Err(format!("profile {name:?} does not exist")),
                Err(e) => return Err(e.to_string()),
            },
            None => None,
        };
        let req = RecoRequest {
            profile: pid,
            vibe: vibe.clone(),
            alpha,
            limit: RECOMMENDATIONS,
            seed: None,
        };
        let items = state
            .reco
            .recommend(&req, now)
            .await
            .map_err(|e| e.to_string())?;
        Ok(items
            .into_iter()
            .filter_map(|i| {
                let t = i.track?;
                Some(RecoRow {
                    track_id: t.id,
                    title: t.title,
                    artist: t.artist,
                    album: t.album,
                    score: i.scored.score,
                    reasons: i.reasons,
                })
            })
            .collect())
    }
    .await;
    RecoView {
        profile,
        vibe,
        alpha,
        items,
    }
}

/// The front page.
pub fn render_index(v: &IndexView) -> String {
    let mut h = Html::new();
    let names: Vec<String> = v.profiles.iter().map(|c| c.profile.name.clone()).collect();
    layout::open(&mut h, "Hearth");
    layout::vibe_bar(&mut h);
    h.raw("<main>");
    status::render(&mut h, v);
    listens::render(&mut h, &v.listens, v.now, true);
    listens::render_manual_form(&mut h, &names);
    recommendations::render(&mut h, &v.reco, &names, "/");
    playlists::render(&mut h, &names, v.reco.profile.as_deref());
    profiles::render_all(&mut h, &v.profiles, v.now);
    h.raw("</main>");
    layout::close(&mut h);
    h.into_string()
}

/// One profile's page.
pub fn render_profile(v: &ProfileView) -> String {
    let mut h = Html::new();
    let title = format!("{} · Hearth", v.card.profile.name);
    layout::open(&mut h, &title);
    layout::vibe_bar(&mut h);
    h.raw("<main>");
    profiles::render_card(&mut h, &v.card, v.now, true);
    listens::render(&mut h, &v.listens, v.now, false);
    let action = format!("/profiles/{}", v.card.profile.name);
    recommendations::render(&mut h, &v.reco, &v.all_profiles, &action);
    h.raw("</main>");
    layout::close(&mut h);
    h.into_string()
}

fn render_not_found(name: &str) -> String {
    let mut h = Html::new();
    layout::open(&mut h, "Not found · Hearth");
    h.raw(
        "<main><section class=\"card\"><h2>No such profile</h2><p>There is no profile named <code>",
    )
    .text(name)
    .raw("</code>. <a href=\"/\">Back to the dashboard</a>.</p></section></main>");
    layout::close(&mut h);
    h.into_string()
}

/// `default` sorts last in profile pickers: real listeners first.
pub(crate) fn picker_order(names: &[String]) -> Vec<&str> {
    let mut v: Vec<&str> = names
        .iter()
        .map(String::as_str)
        .filter(|n| *n != DEFAULT_PROFILE)
        .collect();
    if names.iter().any(|n| n == DEFAULT_PROFILE) {
        v.push(DEFAULT_PROFILE);
    }
    v
}

/// "3 min ago"-style age of `ts` at `now`.
pub(crate) fn ago(ts: UnixMs, now: UnixMs) -> String {
    let s = (now - ts).max(0) / 1000;
    match s {
        0..=59 => format!("{s} s ago"),
        60..=3599 => format!("{} min ago", s / 60),
        3600..=86_399 => format!("{} h ago", s / 3600),
        _ => format!("{} d ago", s / 86_400),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weighted_counts_rank_by_weight_then_name() {
        let mut c = WeightedCounts::default();
        c.add("b", 1.0);
        c.add("a", 1.0);
        c.add("c", 2.0);
        c.add("  ", 5.0);
        let top = c.top(2);
        assert_eq!(top[0].0, "c");
        assert_eq!(top[1].0, "a");
        assert!((top[0].1 - 0.5).abs() < 1e-9);
    }

    #[test]
    fn ages_read_naturally() {
        assert_eq!(ago(0, 30_000), "30 s ago");
        assert_eq!(ago(0, 5 * 60_000), "5 min ago");
        assert_eq!(ago(0, 3 * 3_600_000), "3 h ago");
        assert_eq!(ago(0, 2 * 86_400_000), "2 d ago");
        assert_eq!(ago(10, 0), "0 s ago");
    }
}
