//! The MPD adapter against the scripted fake MPD: the exact lines on the wire (quoting, command
//! lists, continuing after an `ACK`), the report, and the failure modes.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use hearth_play::mpd::{PlayerState, ACK_NO_EXIST};
use hearth_play::{Mpd, NotQueued, PlayError, PlayItem, PlaybackTarget};

use crate::fake_mpd::{FakeMpd, Responder};
use crate::{item, refused_port};

const GREETING: &str = "OK MPD 0.23.5";

fn with_file(track_id: i64, path: &str) -> PlayItem {
    let mut it = item(track_id, "Artist", &format!("Song {track_id}"));
    it.file_path = Some(PathBuf::from(path));
    it
}

fn mpd(timeout: Duration) -> Mpd {
    Mpd::new(Some(PathBuf::from("/music")), timeout).unwrap()
}

/// Everything succeeds except the commands in `refused`, which get `ACK 50`.
fn responder(refused: &'static [&'static str]) -> Responder {
    Arc::new(move |cmd: &str| {
        if refused.contains(&cmd) {
            Err((ACK_NO_EXIST, "No such directory".into()))
        } else {
            Ok(Vec::new())
        }
    })
}

#[tokio::test]
async fn play_sends_quoted_adds_in_command_lists_and_goes_on_after_an_ack() {
    let fake = FakeMpd::start(Some(GREETING), responder(&[r#"add "C/three.wav""#])).await;
    let items = vec![
        with_file(1, "/music/A/one.wav"),
        item(2, "No", "File"),
        with_file(3, r#"/music/B/"two".wav"#),
        with_file(4, "/music/C/three.wav"),
        with_file(5, r"/music/D/four\back.wav"),
        with_file(6, "/elsewhere/six.wav"),
        with_file(7, "/music/./E/../../etc/passwd"),
    ];
    let report = mpd(Duration::from_secs(5))
        .play(&fake.entity(), &items)
        .await
        .unwrap();

    // The closing `close` may or may not have arrived yet: not part of the assertion.
    let lines: Vec<String> = fake.lines().into_iter().filter(|l| l != "close").collect();
    assert_eq!(
        lines,
        vec![
            "clear",
            "command_list_ok_begin",
            r#"add "A/one.wav""#,
            r#"add "B/\"two\".wav""#,
            r#"add "C/three.wav""#,
            r#"add "D/four\\back.wav""#,
            "command_list_end",
            // MPD stopped the list at the refused add; the rest is sent again.
            "command_list_ok_begin",
            r#"add "D/four\\back.wav""#,
            "command_list_end",
            "play",
        ]
    );
    assert_eq!(report.target, "mpd");
    assert_eq!(report.speaker_entity, fake.entity());
    assert_eq!(report.queued, 3);
    let ids: Vec<i64> = report.not_queued.iter().map(|n| n.track_id).collect();
    assert_eq!(ids, vec![2, 4, 6, 7], "{:?}", report.not_queued);
    let reason = |id: i64| -> &str {
        &report
            .not_queued
            .iter()
            .find(|n: &&NotQueued| n.track_id == id)
            .unwrap()
            .reason
    };
    assert_eq!(reason(2), "no local file");
    assert!(
        reason(4).contains("MPD has no \"C/three.wav\""),
        "{}",
        reason(4)
    );
    assert!(
        reason(6).contains("outside the MPD music_dir"),
        "{}",
        reason(6)
    );
    assert!(reason(7).contains("'..'"), "{}", reason(7));
}

#[tokio::test]
async fn every_add_refused_is_nothing_to_play_and_does_not_press_play() {
    let fake = FakeMpd::start(
        Some(GREETING),
        responder(&[r#"add "a.wav""#, r#"add "b.wav""#]),
    )
    .await;
    let items = vec![with_file(1, "/music/a.wav"), with_file(2, "/music/b.wav")];
    let err = mpd(Duration::from_secs(5))
        .play(&fake.entity(), &items)
        .await
        .unwrap_err();
    let PlayError::NothingToPlay { target, reason } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(*target, "MPD");
    assert!(
        reason.contains("track 1") && reason.contains("track 2"),
        "{reason}"
    );
    assert!(
        !fake.lines().iter().any(|l| l == "play"),
        "{:?}",
        fake.lines()
    );
}

#[tokio::test]
async fn nothing_mappable_never_touches_the_server() {
    let fake = FakeMpd::start(Some(GREETING), responder(&[])).await;
    let items = vec![item(1, "A", "B"), with_file(2, "/tmp/x.wav")];
    let err = mpd(Duration::from_secs(5))
        .play(&fake.entity(), &items)
        .await
        .unwrap_err();
    assert!(matches!(err, PlayError::NothingToPlay { .. }), "{err:?}");
    // Not even `clear`: the current queue is left alone.
    assert!(fake.lines().is_empty(), "{:?}", fake.lines());
}

#[tokio::test]
async fn refused_clear_is_an_upstream_error() {
    let fake = FakeMpd::start(
        Some(GREETING),
        Arc::new(|cmd: &str| {
            if cmd == "clear" {
                Err((4, "you don't have permission for \"clear\"".into()))
            } else {
                Ok(Vec::new())
            }
        }),
    )
    .await;
    let err = mpd(Duration::from_secs(5))
        .play(&fake.entity(), &[with_file(1, "/music/a.wav")])
        .await
        .unwrap_err();
    let PlayError::Upstream {
        target, message, ..
    } = &err
    else {
        panic!("{err:?}")
    };
    assert_eq!(*target, "MPD");
    assert!(message.contains("permission"), "{message}");
}

#[tokio::test]
async fn silent_server_is_a_timeout() {
    let fake = FakeMpd::start(None, responder(&[])).await;
    let err = mpd(Duration::from_millis(300))
        .play(&fake.entity(), &[with_file(1, "/music/a.wav")])
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            PlayError::Timeout {
                target: "MPD",
                after_ms: 300
            }
        ),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_server_that_is_not_mpd_is_named() {
    let fake = FakeMpd::start(Some("HTTP/1.1 400 Bad Request"), responder(&[])).await;
    let err = mpd(Duration::from_secs(5))
        .status(&fake.entity())
        .await
        .unwrap_err();
    let PlayError::Upstream { message, .. } = &err else {
        panic!("{err:?}")
    };
    assert!(message.contains("is not an MPD server"), "{message}");
}

#[tokio::test]
async fn refused_connection_is_a_connection_error() {
    let entity = format!("mpd://127.0.0.1:{}", refused_port());
    let err = mpd(Duration::from_secs(5))
        .play(&entity, &[with_file(1, "/music/a.wav")])
        .await
        .unwrap_err();
    assert!(
        matches!(err, PlayError::Connection { target: "MPD", .. }),
        "{err:?}"
    );
}

#[tokio::test]
async fn status_and_playlist_helpers_read_the_answers() {
    let fake = FakeMpd::start(
        Some(GREETING),
        Arc::new(|cmd: &str| match cmd {
            "status" => Ok(vec![
                "volume: -1".into(),
                "playlistlength: 2".into(),
                "state: pause".into(),
                "song: 1".into(),
            ]),
            "playlistinfo" => Ok(vec![
                "file: A/one.wav".into(),
                "duration: 2.500".into(),
                "Pos: 0".into(),
                "file: B/two.wav".into(),
                "Title: Two".into(),
                "Pos: 1".into(),
            ]),
            other => Err((5, format!("unknown command \"{other}\""))),
        }),
    )
    .await;
    let mpd = mpd(Duration::from_secs(5));
    let status = mpd.status(&fake.entity()).await.unwrap();
    assert_eq!(status.state, PlayerState::Pause);
    assert_eq!(status.playlist_length, 2);
    assert_eq!(status.song_pos, Some(1));
    let songs = mpd.current_playlist(&fake.entity()).await.unwrap();
    let files: Vec<&str> = songs.iter().map(|s| s.file.as_str()).collect();
    assert_eq!(files, ["A/one.wav", "B/two.wav"]);
    assert_eq!(songs[0].duration_ms, Some(2500));
    assert_eq!(songs[1].title.as_deref(), Some("Two"));
    let err = mpd.update_database(&fake.entity()).await.unwrap_err();
    assert!(err.to_string().contains("unknown command"), "{err}");
}

#[tokio::test]
async fn play_without_music_dir_is_not_configured() {
    let fake = FakeMpd::start(Some(GREETING), responder(&[])).await;
    let err = Mpd::new(None, Duration::from_secs(5))
        .unwrap()
        .play(&fake.entity(), &[with_file(1, "/music/a.wav")])
        .await
        .unwrap_err();
    assert!(
        matches!(err, PlayError::NotConfigured { target: "MPD", .. }),
        "{err:?}"
    );
    assert!(fake.lines().is_empty());
}

#[tokio::test]
async fn other_schemes_are_invalid_targets() {
    let err = mpd(Duration::from_secs(5))
        .play("media_player.kitchen", &[with_file(1, "/music/a.wav")])
        .await
        .unwrap_err();
    assert!(matches!(err, PlayError::InvalidTarget { .. }), "{err:?}");
}
