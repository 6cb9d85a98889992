//! Playlist generation (SPEC §8.1) around the pure assembly in `hearth_core::playlist`: gathers
//! the candidates (discoveries from [`RecoService::recommend`], the same ranker as
//! `/api/recommendations`; known favourites from the profile's listens and feedback), assembles,
//! saves, and turns saved playlists into the API view, playback items and export files. Shared
//! by the HTTP handlers and the `hearth playlist` command.

use crate::reco::{RecoRequest, RecoService, DSP_VERSION};
use crate::ApiError;
use hearth_core::clock::{to_rfc3339, UnixMs};
use hearth_core::ids::{PlaylistId, TrackId};
use hearth_core::model::{FeedbackKind, Profile, Track};
use hearth_core::norm::norm_artist;
use hearth_core::playlist::{
    self, Discovery, ItemKind, KnownTrack, PlaylistParams, TrackTraits, Unmet,
    RECENT_SKIP_WINDOW_MS,
};
use hearth_play::export::{ExportPlaylist, ExportTrack};
use hearth_play::{PlayError, PlayItem};
use hearth_store::{
    DynStore, FeatureAttributes, NewPlaylist, NewPlaylistItem, PlaylistKind, StoredPlaylist,
};
use serde::Serialize;
use serde_json::json;
use std::collections::HashMap;

/// Known candidates handed to assembly at most (the best by like / play count; tracks the
/// profile hated or skipped are always passed so their recordings stay out).
const KNOWN_POOL_MAX: usize = 1000;

/// A validated generation request.
#[derive(Debug, Clone)]
pub struct GenerateSpec {
    /// `None`: a guest — vibe only over the whole catalogue, no known part.
    pub profile: Option<Profile>,
    pub vibe: Option<String>,
    /// 1.0 = pure taste, 0.0 = pure vibe (ignored without a vibe).
    pub alpha: f32,
    pub params: PlaylistParams,
    pub name: Option<String>,
}

/// What the profile did with one track.
#[derive(Debug, Default, Clone)]
struct Facts {
    plays: u32,
    last_played: Option<UnixMs>,
    recent_skips: u32,
    /// Latest sentiment feedback: `Some(true)` liked, `Some(false)` hated.
    sentiment: Option<(UnixMs, bool)>,
}

async fn facts_of(
    store: &DynStore,
    profile: &Profile,
    now: UnixMs,
) -> Result<HashMap<TrackId, Facts>, ApiError> {
    let mut facts: HashMap<TrackId, Facts> = HashMap::new();
    let recent = now - RECENT_SKIP_WINDOW_MS;
    for l in store.listens_of_profile(profile.id).await? {
        let f = facts.entry(l.track_id).or_default();
        f.last_played = Some(f.last_played.map_or(l.ts, |t| t.max(l.ts)));
        if l.skipped {
            if l.ts >= recent {
                f.recent_skips += 1;
            }
        } else {
            f.plays += 1;
        }
    }
    for fb in store.feedback_of_profile(profile.id).await? {
        let f = facts.entry(fb.track_id).or_default();
        let sentiment = match fb.kind {
            FeedbackKind::Like | FeedbackKind::Love | FeedbackKind::Favorite => Some(true),
            FeedbackKind::Dislike | FeedbackKind::Hate | FeedbackKind::BadRecommendation => {
                Some(false)
            }
            FeedbackKind::Skip => {
                if fb.ts >= recent {
                    f.recent_skips += 1;
                }
                None
            }
            FeedbackKind::Play => None,
        };
        if let Some(s) = sentiment {
            if f.sentiment.is_none_or(|(t, _)| fb.ts >= t) {
                f.sentiment = Some((fb.ts, s));
            }
        }
    }
    Ok(facts)
}

fn traits(t: &Track, f: Option<&FeatureAttributes>) -> TrackTraits {
    TrackTraits {
        track_id: t.id,
        artist_key: norm_artist(&t.artist),
        recording_key: t.norm_key.clone(),
        duration_ms: t.duration_ms,
        energy: f.and_then(|f| f.energy).map(|e| e as f32),
        tempo_bpm: f.and_then(|f| f.tempo_bpm).map(|b| b as f32),
    }
}

/// Generates, saves and returns a playlist.
pub async fn generate(
    store: &DynStore,
    reco: &RecoService,
    spec: &GenerateSpec,
    now: UnixMs,
) -> Result<StoredPlaylist, ApiError> {
    let mut params = spec.params.clone();
    params.validate()?;
    if spec.profile.is_none() {
        // Guests have no favourites: the whole list is discoveries.
        params.known_pct = 0;
    }
    let facts = match &spec.profile {
        Some(p) => facts_of(store, p, now).await?,
        None => HashMap::new(),
    };

    // Discoveries: enough headroom for the artist rules to choose from.
    let wanted = match params.duration_min {
        Some(m) => (m * 60_000.0 / playlist::ASSUMED_TRACK_MS as f64).ceil() as usize + 1,
        None => params.total_tracks,
    };
    let limit = (wanted * 4).clamp(50, 500);
    let ranked = reco
        .recommend(
            &RecoRequest {
                profile: spec.profile.as_ref().map(|p| p.id),
                vibe: spec.vibe.clone(),
                alpha: spec.alpha,
                limit,
                seed: Some(params.seed),
            },
            now,
        )
        .await?;

    // Known favourites: liked or played; hated / skipped ones ride along so assembly can keep
    // their recordings out.
    let mut known_ids: Vec<(TrackId, &Facts)> = facts
        .iter()
        .filter(|(_, f)| f.plays > 0 || f.sentiment.is_some() || f.recent_skips > 0)
        .map(|(id, f)| (*id, f))
        .collect();
    known_ids.sort_by(|a, b| {
        let liked = |f: &Facts| matches!(f.sentiment, Some((_, true)));
        liked(b.1)
            .cmp(&liked(a.1))
            .then(b.1.plays.cmp(&a.1.plays))
            .then(a.0.cmp(&b.0))
    });
    let (keep, rest): (Vec<_>, Vec<_>) = known_ids
        .into_iter()
        .enumerate()
        .partition(|(i, _)| *i < KNOWN_POOL_MAX);
    let mut known_ids: Vec<(TrackId, &Facts)> = keep.into_iter().map(|(_, x)| x).collect();
    known_ids.extend(rest.into_iter().map(|(_, x)| x).filter(|(_, f)| {
        matches!(f.sentiment, Some((_, false))) || f.recent_skips >= playlist::SKIPS_TO_EXCLUDE
    }));

    let mut all_ids: Vec<TrackId> = known_ids.iter().map(|(id, _)| *id).collect();
    all_ids.extend(
        ranked
            .iter()
            .filter(|r| r.track.is_some())
            .map(|r| r.scored.track_id),
    );
    all_ids.sort();
    all_ids.dedup();
    let features: HashMap<TrackId, FeatureAttributes> = store
        .track_features(&all_ids, DSP_VERSION)
        .await?
        .into_iter()
        .collect();
    let known_tracks: HashMap<TrackId, Track> = store
        .tracks_by_ids(&known_ids.iter().map(|(id, _)| *id).collect::<Vec<_>>())
        .await?
        .into_iter()
        .map(|t| (t.id, t))
        .collect();

    let known: Vec<KnownTrack> = known_ids
        .iter()
        .filter_map(|(id, f)| {
            let t = known_tracks.get(id)?;
            Some(KnownTrack {
                traits: traits(t, features.get(id)),
                liked: matches!(f.sentiment, Some((_, true))),
                play_count: f.plays,
                last_played_ms: f.last_played,
                recent_skips: f.recent_skips,
                hated: matches!(f.sentiment, Some((_, false))),
            })
        })
        .collect();
    let discoveries: Vec<Discovery> = ranked
        .iter()
        .filter_map(|r| {
            let t = r.track.as_ref()?;
            let f = facts.get(&t.id);
            Some(Discovery {
                traits: traits(t, features.get(&t.id)),
                score: r.scored.score,
                reasons: r.reasons.clone(),
                recent_skips: f.map_or(0, |f| f.recent_skips),
                hated: f.is_some_and(|f| matches!(f.sentiment, Some((_, false)))),
            })
        })
        .collect();

    let assembled = playlist::assemble(&known, &discoveries, &params, now)?;
    let name = spec
        .name
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(String::from)
        .unwrap_or_else(|| default_name(spec, now));
    let new = NewPlaylist {
        profile_id: spec.profile.as_ref().map(|p| p.id),
        name,
        kind: PlaylistKind::Generated,
        params: json!({
            "requested_tracks": spec.params.total_tracks,
            "known_pct": params.known_pct,
            "vibe": spec.vibe,
            "alpha": spec.alpha,
            "duration_min": params.duration_min,
            "arc": params.arc.as_str(),
            "seed": params.seed,
            "max_per_artist": params.max_per_artist,
            "min_artist_spacing": params.min_artist_spacing,
            "unmet": assembled.unmet,
            "excluded_hated": assembled.excluded_hated,
            "excluded_skipped": assembled.excluded_skipped,
            "duplicate_versions": assembled.duplicate_versions,
        }),
        created_at: now,
        items: assembled
            .items
            .iter()
            .map(|i| NewPlaylistItem {
                track_id: i.track_id,
                reason: json!({"kind": i.kind.as_str(), "reasons": i.reasons}),
            })
            .collect(),
    };
    let id = store.save_playlist(&new).await?;
    store
        .get_playlist(id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("playlist {id} vanished after saving")))
}

fn default_name(spec: &GenerateSpec, now: UnixMs) -> String {
    let day: String = to_rfc3339(now).chars().take(16).collect::<String>();
    let day = day.replace('T', " ");
    match (&spec.vibe, &spec.profile) {
        (Some(v), _) => format!("{v} — {day}"),
        (None, Some(p)) => format!("Mix for {} — {day}", p.name),
        (None, None) => format!("Mix — {day}"),
    }
}

/// One track of a playlist as the API shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PlaylistTrackView {
    pub position: i64,
    pub track_id: i64,
    pub title: String,
    pub artist: String,
    pub album: Option<String>,
    pub duration_ms: Option<i64>,
    /// `known` or `discovery`.
    pub kind: String,
    pub reasons: Vec<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct UnmetView {
    pub rule: String,
    pub detail: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ExportLinks {
    pub m3u8: String,
    pub xspf: String,
    pub jspf: String,
}

/// A saved playlist (the response of generate and of `GET /api/playlists/{id}`).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PlaylistView {
    pub id: i64,
    pub name: String,
    /// `None` for a guest playlist.
    pub profile: Option<String>,
    pub vibe: Option<String>,
    /// RFC 3339.
    pub created_at: String,
    /// Tracks in the playlist (`known_count + discovery_count`).
    pub total_tracks: usize,
    pub known_count: usize,
    pub discovery_count: usize,
    /// Sum of the known track durations.
    pub duration_ms: i64,
    pub tracks: Vec<PlaylistTrackView>,
    /// Rules that could not be met, and why.
    pub unmet: Vec<UnmetView>,
    pub exports: ExportLinks,
    /// What `auto_play` did: the target's report, or `{"error", "message"}`; `null` when not asked.
    #[schema(value_type = Option<Object>)]
    pub playback: Option<serde_json::Value>,
}

fn item_kind(reason: &serde_json::Value) -> String {
    reason["kind"]
        .as_str()
        .and_then(ItemKind::parse)
        .map_or("discovery", ItemKind::as_str)
        .to_string()
}

fn item_reasons(reason: &serde_json::Value) -> Vec<String> {
    reason["reasons"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|r| r.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

/// The API view of a saved playlist.
pub fn view(p: &StoredPlaylist) -> PlaylistView {
    let s = &p.summary;
    let tracks: Vec<PlaylistTrackView> = p
        .items
        .iter()
        .map(|i| PlaylistTrackView {
            position: i.position,
            track_id: i.track.id.0,
            title: i.track.title.clone(),
            artist: i.track.artist.clone(),
            album: i.track.album.clone(),
            duration_ms: i.track.duration_ms,
            kind: item_kind(&i.reason),
            reasons: item_reasons(&i.reason),
        })
        .collect();
    let known_count = tracks.iter().filter(|t| t.kind == "known").count();
    let unmet: Vec<UnmetView> = serde_json::from_value::<Vec<Unmet>>(s.params["unmet"].clone())
        .unwrap_or_default()
        .into_iter()
        .map(|u| UnmetView {
            rule: u.rule,
            detail: u.detail,
        })
        .collect();
    let id = s.id.0;
    PlaylistView {
        id,
        name: s.name.clone(),
        profile: s.profile.clone(),
        vibe: s.params["vibe"].as_str().map(String::from),
        created_at: to_rfc3339(s.created_at),
        total_tracks: tracks.len(),
        known_count,
        discovery_count: tracks.len() - known_count,
        duration_ms: tracks.iter().filter_map(|t| t.duration_ms).sum(),
        tracks,
        unmet,
        exports: ExportLinks {
            m3u8: format!("/api/playlists/{id}.m3u8"),
            xspf: format!("/api/playlists/{id}.xspf"),
            jspf: format!("/api/playlists/{id}.jspf"),
        },
        playback: None,
    }
}

/// What a player needs for each item: the track's own provider URI, else `spotify:track:<id>`
/// from `spotify_id`; the local file; the preview URL.
pub fn play_items(p: &StoredPlaylist) -> Vec<PlayItem> {
    p.items
        .iter()
        .map(|i| {
            let t = &i.track;
            PlayItem {
                track_id: t.id.0,
                artist: t.artist.clone(),
                title: t.title.clone(),
                album: t.album.clone(),
                duration_ms: t.duration_ms,
                provider_uri: provider_uri(t),
                file_path: t.file_path.as_ref().map(std::path::PathBuf::from),
                url: t.preview_url.clone(),
            }
        })
        .collect()
}

fn provider_uri(t: &Track) -> Option<String> {
    t.provider_uri
        .clone()
        .filter(|u| !u.is_empty())
        .or_else(|| {
            t.spotify_id
                .as_deref()
                .filter(|s| !s.is_empty())
                .map(|s| format!("spotify:track:{s}"))
        })
}

/// The export description of a saved playlist.
pub fn export_of(p: &StoredPlaylist) -> ExportPlaylist {
    let s = &p.summary;
    let creator = match &s.profile {
        Some(name) => format!("Hearth (profile {name})"),
        None => "Hearth (guest)".to_string(),
    };
    let annotation = s.params["vibe"]
        .as_str()
        .map(|v| format!("Generated by Hearth for the vibe \"{v}\""))
        .or_else(|| Some("Generated by Hearth".to_string()));
    ExportPlaylist {
        title: s.name.clone(),
        creator,
        date: to_rfc3339(s.created_at),
        annotation,
        tracks: p
            .items
            .iter()
            .map(|i| {
                let t = &i.track;
                let reasons = item_reasons(&i.reason);
                ExportTrack {
                    title: t.title.clone(),
                    artist: t.artist.clone(),
                    album: t.album.clone(),
                    duration_ms: t.duration_ms,
                    file_path: t.file_path.clone(),
                    url: t.preview_url.clone(),
                    provider_uri: provider_uri(t),
                    mbid: t.mbid.clone(),
                    annotation: (!reasons.is_empty())
                        .then(|| format!("{}: {}", item_kind(&i.reason), reasons.join("; "))),
                }
            })
            .collect(),
    }
}

/// A playlist file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    M3u8,
    Xspf,
    Jspf,
}

impl ExportFormat {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "m3u8" => Some(ExportFormat::M3u8),
            "xspf" => Some(ExportFormat::Xspf),
            "jspf" => Some(ExportFormat::Jspf),
            _ => None,
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            ExportFormat::M3u8 => "audio/x-mpegurl; charset=utf-8",
            ExportFormat::Xspf => "application/xspf+xml",
            ExportFormat::Jspf => "application/jspf+json",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            ExportFormat::M3u8 => "m3u8",
            ExportFormat::Xspf => "xspf",
            ExportFormat::Jspf => "jspf",
        }
    }

    /// The file's text.
    pub fn render(self, p: &StoredPlaylist) -> String {
        let e = export_of(p);
        match self {
            ExportFormat::M3u8 => hearth_play::export::m3u8(&e),
            ExportFormat::Xspf => hearth_play::export::xspf(&e),
            ExportFormat::Jspf => {
                let mut s = serde_json::to_string_pretty(&hearth_play::export::jspf(&e))
                    .unwrap_or_else(|_| "{}".into());
                s.push('\n');
                s
            }
        }
    }
}

/// A playback outcome as the generate response shows it.
pub fn playback_json(r: Result<hearth_play::PlayReport, PlayError>) -> serde_json::Value {
    match r {
        Ok(report) => serde_json::to_value(&report).unwrap_or_else(
            |e| json!({"error": "internal", "message": format!("playback report: {e}")}),
        ),
        Err(e) => json!({"error": play_error_code(&e), "message": e.to_string()}),
    }
}

/// Stable machine code of a playback failure.
pub fn play_error_code(e: &PlayError) -> &'static str {
    match e {
        PlayError::NotConfigured { .. } => "not_configured",
        PlayError::InvalidTarget { .. } => "invalid_target",
        PlayError::NothingToPlay { .. } => "nothing_to_play",
        PlayError::Timeout { .. } => "timeout",
        PlayError::Unauthorized { .. } => "unauthorized",
        PlayError::NotFound { .. } => "not_found",
        PlayError::Upstream { .. } => "upstream",
        PlayError::Connection { .. } => "connection",
    }
}

/// Parses `42`, `42.m3u8`, `42.xspf`, `42.jspf` (one path segment).
pub fn parse_file_segment(seg: &str) -> Result<(PlaylistId, Option<ExportFormat>), ApiError> {
    let (id, fmt) = match seg.rsplit_once('.') {
        Some((id, ext)) => {
            let f = ExportFormat::parse(ext).ok_or_else(|| ApiError::Invalid {
                field: "format".into(),
                reason: format!("{ext:?} is not one of m3u8, xspf, jspf"),
            })?;
            (id, Some(f))
        }
        None => (seg, None),
    };
    let id = id.parse::<i64>().map_err(|_| ApiError::Invalid {
        field: "id".into(),
        reason: format!("{id:?} is not a playlist id"),
    })?;
    Ok((PlaylistId(id), fmt))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_segments_parse() {
        assert_eq!(parse_file_segment("42").unwrap(), (PlaylistId(42), None));
        assert_eq!(
            parse_file_segment("7.xspf").unwrap(),
            (PlaylistId(7), Some(ExportFormat::Xspf))
        );
        assert!(matches!(
            parse_file_segment("7.pls"),
            Err(ApiError::Invalid { field, .. }) if field == "format"
        ));
        assert!(matches!(
            parse_file_segment("x.m3u8"),
            Err(ApiError::Invalid { field, .. }) if field == "id"
        ));
    }
}
