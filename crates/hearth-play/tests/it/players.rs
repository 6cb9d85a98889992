//! The `Players` router: built from `Config`, it sends `mpd://…` to MPD and everything else to
//! Home Assistant.

use std::sync::Arc;

use hearth_core::config::{Config, Secret};
use hearth_play::{PlayError, PlaybackTarget, Players};

use crate::fake_ha::{FakeHa, Reply};
use crate::fake_mpd::FakeMpd;
use crate::item;

fn with_file(id: i64, path: &str) -> hearth_play::PlayItem {
    let mut it = item(id, "A", "T");
    it.file_path = Some(path.into());
    it
}

#[tokio::test]
async fn default_config_has_neither_target_configured() {
    let players = Players::from_config(&Config::defaults()).unwrap();
    assert!(players.home_assistant().is_none());
    assert!(players.mpd().music_dir().is_none());
    let err = players
        .play("media_player.kitchen", &[item(1, "A", "T")])
        .await
        .unwrap_err();
    assert!(
        matches!(&err, PlayError::NotConfigured { target: "Home Assistant", what } if what.contains("media_player.kitchen")),
        "{err:?}"
    );
    let err = players
        .play("mpd://127.0.0.1:6600", &[with_file(1, "/music/a.wav")])
        .await
        .unwrap_err();
    assert!(
        matches!(err, PlayError::NotConfigured { target: "MPD", .. }),
        "{err:?}"
    );
}

#[tokio::test]
async fn routes_on_the_speaker_entity() {
    let ha = FakeHa::start(Reply::json(200, "[]")).await;
    let mpd = FakeMpd::start(Some("OK MPD 0.23.5"), Arc::new(|_: &str| Ok(Vec::new()))).await;
    let mut config = Config::defaults();
    config.home_assistant.url = ha.url();
    config.home_assistant.token = Secret::new("tok");
    config.mpd.music_dir = "/music".into();
    let players: Arc<dyn PlaybackTarget> = Arc::new(Players::from_config(&config).unwrap());

    let report = players
        .play("media_player.kitchen", &[with_file(1, "/music/a.wav")])
        .await
        .unwrap();
    assert_eq!(report.target, "home_assistant");
    assert_eq!(ha.requests().len(), 1);
    assert_eq!(ha.requests()[0].header("authorization"), Some("Bearer tok"));
    assert!(mpd.lines().is_empty());

    let report = players
        .play(&mpd.entity(), &[with_file(1, "/music/a.wav")])
        .await
        .unwrap();
    assert_eq!(report.target, "mpd");
    assert_eq!(report.queued, 1);
    assert!(mpd.lines().contains(&r#"add "a.wav""#.to_string()));
    assert_eq!(ha.requests().len(), 1, "MPD play must not reach HA");
}

#[test]
fn unusable_config_is_refused_at_startup() {
    let mut https = Config::defaults();
    https.home_assistant.url = "https://ha.example:8123".into();
    https.home_assistant.token = Secret::new("tok");
    let mut no_token = Config::defaults();
    no_token.home_assistant.url = "http://ha.local:8123".into();
    let mut relative_dir = Config::defaults();
    relative_dir.mpd.music_dir = "music".into();
    for config in [https, no_token, relative_dir] {
        let got = Players::from_config(&config);
        assert!(
            matches!(got, Err(PlayError::NotConfigured { .. })),
            "{config:?}: {got:?}"
        );
    }
}
