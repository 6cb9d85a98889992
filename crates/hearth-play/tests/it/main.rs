//! Integration tests of hearth-play: the Home Assistant adapter against a local fake HA that
//! records requests, the MPD adapter against a scripted fake MPD (exact wire lines) and a real
//! `mpd` started by `scripts/ci/mpd.sh`, and the [`hearth_play::Players`] router.

mod fake_ha;
mod fake_mpd;
mod home_assistant;
mod mpd_protocol;
mod mpd_real;
mod players;

use std::path::PathBuf;

use hearth_play::PlayItem;

/// The shared test data folder, or `None` (after printing one line) when it is absent.
pub fn shared_data(test: &str) -> Option<PathBuf> {
    let dir = std::env::var_os("HEARTH_SHARED_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data"))
        });
    if dir.is_dir() {
        Some(dir)
    } else {
        println!(
            "{test}: skipped, shared data not found at {}",
            dir.display()
        );
        None
    }
}

/// A play item with only the fields a test sets.
pub fn item(track_id: i64, artist: &str, title: &str) -> PlayItem {
    PlayItem {
        track_id,
        artist: artist.into(),
        title: title.into(),
        album: None,
        duration_ms: None,
        provider_uri: None,
        file_path: None,
        url: None,
    }
}

/// A loopback port nobody listens on (bound, then released).
pub fn refused_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    drop(l);
    port
}
