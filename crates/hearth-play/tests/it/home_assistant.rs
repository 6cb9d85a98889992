//! The Home Assistant adapter against the fake HA: the exact request, and every failure mode.

use std::time::Duration;

use hearth_play::{HomeAssistant, PlayError, PlayItem, PlaybackTarget};
use rstest::rstest;
use serde_json::json;

use crate::fake_ha::{FakeHa, Reply};
use crate::{item, refused_port, shared_data};

const TOKEN: &str = "test-long-lived-token.abc";
const ENTITY: &str = "media_player.kitchen";

/// A recorded real response body from `api-fixtures/homeassistant/`.
fn fixture(test: &str, name: &str) -> Option<String> {
    let dir = shared_data(test)?.join("api-fixtures/homeassistant");
    Some(std::fs::read_to_string(dir.join(name)).unwrap())
}

fn playlist() -> Vec<PlayItem> {
    let mut a = item(11, "Radiohead", "Reckoner");
    a.provider_uri = Some("spotify:track:02ppMPbg1OtEdHgoPqoqju".into());
    let b = item(12, "Björk", "Jóga");
    let mut c = item(13, "  Massive Attack ", "Teardrop ");
    c.album = Some("Mezzanine".into());
    c.file_path = Some("/music/Massive Attack/Teardrop.flac".into());
    vec![a, b, c]
}

fn adapter(base_url: &str, timeout: Duration) -> HomeAssistant {
    HomeAssistant::new(base_url, TOKEN, timeout).unwrap()
}

#[rstest]
// A plain service call answers with the states it changed (REST docs example).
#[case("ha-developer-docs/ha-docs-rest.block16.json")]
// With ?return_response HA wraps them with the service response; still a success.
#[case("ha-developer-docs/ha-docs-rest.block17.json")]
#[tokio::test]
async fn play_sends_the_exact_request(#[case] recorded_body: &str) {
    let Some(body) = fixture("play_sends_the_exact_request", recorded_body) else {
        return;
    };
    let ha = FakeHa::start(Reply::json(200, body)).await;
    let report = adapter(&format!("{}/", ha.url()), Duration::from_secs(5))
        .play(ENTITY, &playlist())
        .await
        .unwrap();

    assert_eq!(report.target, "home_assistant");
    assert_eq!(report.speaker_entity, ENTITY);
    assert_eq!(report.queued, 3);
    assert!(report.not_queued.is_empty());

    let requests = ha.requests();
    assert_eq!(requests.len(), 1, "{requests:?}");
    let r = &requests[0];
    assert_eq!(r.method, "POST");
    assert_eq!(r.path, "/api/services/music_assistant/play_media");
    assert_eq!(r.header("authorization"), Some(&*format!("Bearer {TOKEN}")));
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert_eq!(
        r.json(),
        json!({
            "entity_id": "media_player.kitchen",
            "media_id": [
                "spotify:track:02ppMPbg1OtEdHgoPqoqju",
                "Björk - Jóga",
                "Massive Attack - Teardrop"
            ],
            "media_type": "track",
            "enqueue": "replace"
        })
    );
}

#[tokio::test]
async fn base_url_with_a_path_prefix_is_kept() {
    let ha = FakeHa::start(Reply::json(200, "[]")).await;
    adapter(
        &format!("{}/homeassistant", ha.url()),
        Duration::from_secs(5),
    )
    .play(ENTITY, &playlist()[..1])
    .await
    .unwrap();
    assert_eq!(
        ha.requests()[0].path,
        "/homeassistant/api/services/music_assistant/play_media"
    );
}

#[rstest]
#[case(401)]
#[case(403)]
#[tokio::test]
async fn refused_token_is_unauthorized(#[case] status: u16) {
    let ha = FakeHa::start(Reply::text(status, format!("{status}: Unauthorized"))).await;
    let err = adapter(&ha.url(), Duration::from_secs(5))
        .play(ENTITY, &playlist())
        .await
        .unwrap_err();
    assert!(
        matches!(err, PlayError::Unauthorized { target: "Home Assistant", status: s } if s == status),
        "{err:?}"
    );
    assert!(err.to_string().contains("check the token"), "{err}");
}

#[rstest]
// aiohttp's bare 404: HA cannot say which is missing, so the message names both.
#[case(
    Reply::text(404, "404: Not Found"),
    "either entity media_player.kitchen or the Music Assistant integration"
)]
#[case(
    Reply::json(404, r#"{"message": "Entity media_player.kitchen not found."}"#),
    "entity media_player.kitchen"
)]
#[case(
    Reply::json(404, r#"{"message": "Service music_assistant.play_media not found."}"#),
    "is Music Assistant installed?"
)]
#[tokio::test]
async fn not_found_names_what_is_missing(#[case] reply: Reply, #[case] expected: &str) {
    let ha = FakeHa::start(reply).await;
    let err = adapter(&ha.url(), Duration::from_secs(5))
        .play(ENTITY, &playlist())
        .await
        .unwrap_err();
    let PlayError::NotFound { target, what } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(*target, "Home Assistant");
    assert!(what.contains(expected), "{what}");
}

#[rstest]
#[case(
    Reply::text(500, "500 Internal Server Error\n\nServer got itself in trouble"),
    500,
    "Server got itself in trouble"
)]
#[case(
    Reply::json(502, r#"{"message": "Music Assistant is not reachable"}"#),
    502,
    "Music Assistant is not reachable"
)]
#[case(Reply::json(503, ""), 503, "(empty body)")]
// HA's answer to an unknown service or data its schema refuses.
#[case(
    Reply::text(400, "400: Bad Request"),
    400,
    "Music Assistant integration is missing or refused"
)]
#[tokio::test]
async fn server_errors_carry_has_message(
    #[case] reply: Reply,
    #[case] status: u16,
    #[case] expected: &str,
) {
    let ha = FakeHa::start(reply).await;
    let err = adapter(&ha.url(), Duration::from_secs(5))
        .play(ENTITY, &playlist())
        .await
        .unwrap_err();
    let PlayError::Upstream {
        target,
        status: got_status,
        message,
    } = &err
    else {
        panic!("{err:?}")
    };
    assert_eq!(*target, "Home Assistant");
    assert_eq!(*got_status, Some(status));
    assert!(message.contains(expected), "{message}");
}

#[tokio::test]
async fn slow_answer_is_a_timeout() {
    let mut reply = Reply::json(200, "[]");
    reply.delay = Duration::from_secs(30);
    let ha = FakeHa::start(reply).await;
    let err = adapter(&ha.url(), Duration::from_millis(300))
        .play(ENTITY, &playlist())
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            PlayError::Timeout {
                target: "Home Assistant",
                after_ms: 300
            }
        ),
        "{err:?}"
    );
    // The request did reach HA; it just did not answer in time.
    assert_eq!(ha.requests().len(), 1);
}

#[tokio::test]
async fn refused_connection_is_a_connection_error() {
    let url = format!("http://127.0.0.1:{}", refused_port());
    let err = adapter(&url, Duration::from_secs(5))
        .play(ENTITY, &playlist())
        .await
        .unwrap_err();
    let PlayError::Connection { target, reason } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(*target, "Home Assistant");
    assert!(reason.to_lowercase().contains("refused"), "{reason}");
}

#[rstest]
#[case("kitchen")]
#[case("Media_Player.Kitchen")]
#[case("http://ha.local/kitchen")]
#[tokio::test]
async fn malformed_entity_is_refused_before_any_request(#[case] entity: &str) {
    let ha = FakeHa::start(Reply::json(200, "[]")).await;
    let err = adapter(&ha.url(), Duration::from_secs(5))
        .play(entity, &playlist())
        .await
        .unwrap_err();
    assert!(matches!(err, PlayError::InvalidTarget { .. }), "{err:?}");
    assert!(ha.requests().is_empty());
}

#[tokio::test]
async fn empty_playlist_is_nothing_to_play() {
    let ha = FakeHa::start(Reply::json(200, "[]")).await;
    let err = adapter(&ha.url(), Duration::from_secs(5))
        .play(ENTITY, &[])
        .await
        .unwrap_err();
    assert!(matches!(err, PlayError::NothingToPlay { .. }), "{err:?}");
    assert!(ha.requests().is_empty());
}
