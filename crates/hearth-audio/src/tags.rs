//! Tag reading (title, artist, album, genre, MusicBrainz ids, duration) from
//! the metadata symphonia parses while probing: ID3v2/ID3v1, Vorbis comments
//! (Ogg, FLAC), MP4 `ilst` atoms and RIFF INFO. No audio is decoded.

use std::path::Path;

use serde::{Deserialize, Serialize};
use symphonia::core::codecs::CodecParameters;
use symphonia::core::meta::{MetadataRevision, StandardTagKey};

use crate::error::AudioError;

/// Tags of one file; absent tags are `None`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Tags {
    pub title: Option<String>,
    pub artist: Option<String>,
    pub album: Option<String>,
    pub album_artist: Option<String>,
    pub genre: Option<String>,
    pub track_number: Option<u32>,
    /// Duration from the container headers (no decode), when known.
    pub duration_ms: Option<u64>,
    pub musicbrainz_recording_id: Option<String>,
    pub musicbrainz_track_id: Option<String>,
    pub musicbrainz_album_id: Option<String>,
    pub musicbrainz_artist_id: Option<String>,
    pub sample_rate_hz: Option<u32>,
    pub channels: Option<u32>,
}

fn apply(tags: &mut Tags, rev: &MetadataRevision) {
    for tag in rev.tags() {
        let Some(key) = tag.std_key else { continue };
        // RIFF INFO strings keep their C terminator; strip it with the whitespace.
        let value = tag
            .value
            .to_string()
            .trim_matches(|c: char| c == '\0' || c.is_whitespace())
            .to_string();
        if value.is_empty() {
            continue;
        }
        let slot = match key {
            StandardTagKey::TrackTitle => &mut tags.title,
            StandardTagKey::Artist => &mut tags.artist,
            StandardTagKey::Album => &mut tags.album,
            StandardTagKey::AlbumArtist => &mut tags.album_artist,
            StandardTagKey::Genre => &mut tags.genre,
            StandardTagKey::MusicBrainzRecordingId => &mut tags.musicbrainz_recording_id,
            StandardTagKey::MusicBrainzTrackId | StandardTagKey::MusicBrainzReleaseTrackId => {
                &mut tags.musicbrainz_track_id
            }
            StandardTagKey::MusicBrainzAlbumId => &mut tags.musicbrainz_album_id,
            StandardTagKey::MusicBrainzArtistId => &mut tags.musicbrainz_artist_id,
            StandardTagKey::TrackNumber => {
                // "3" or "3/12".
                if tags.track_number.is_none() {
                    tags.track_number = value.split('/').next().and_then(|n| n.trim().parse().ok());
                }
                continue;
            }
            _ => continue,
        };
        // The first revision that sets a tag wins (container tags are applied
        // first, then probe-level tags only fill gaps).
        if slot.is_none() {
            *slot = Some(value);
        }
    }
}

pub(crate) fn collect_tags(
    probe_level: Option<&MetadataRevision>,
    container: Option<&MetadataRevision>,
    params: Option<&CodecParameters>,
) -> Tags {
    let mut tags = Tags::default();
    if let Some(rev) = container {
        apply(&mut tags, rev);
    }
    if let Some(rev) = probe_level {
        apply(&mut tags, rev);
    }
    if let Some(p) = params {
        tags.sample_rate_hz = p.sample_rate;
        tags.channels = p.channels.map(|c| c.count() as u32);
        if let Some(n_frames) = p.n_frames {
            let ms = if let Some(tb) = p.time_base {
                let t = tb.calc_time(n_frames);
                Some(t.seconds * 1000 + (t.frac * 1000.0).round() as u64)
            } else {
                p.sample_rate
                    .filter(|&r| r > 0)
                    .map(|r| n_frames * 1000 / u64::from(r))
            };
            // Opus pre-skip (and encoder delay where not trimmed) is counted in
            // n_frames but is not audio.
            let delay_ms = match (p.delay, p.time_base) {
                (Some(d), Some(tb)) => {
                    let t = tb.calc_time(u64::from(d));
                    t.seconds * 1000 + (t.frac * 1000.0).round() as u64
                }
                _ => 0,
            };
            tags.duration_ms = ms.map(|m| m.saturating_sub(delay_ms));
        }
    }
    tags
}

/// Reads the tags of `path` without decoding audio.
pub fn read_tags(path: &Path) -> Result<Tags, AudioError> {
    crate::decode::probe(path).map(|(_, tags)| tags)
}
