//! The Home Assistant / Music Assistant adapter: one `music_assistant.play_media` service call.
//!
//! Request (SPEC §8.2): `POST {url}/api/services/music_assistant/play_media` with
//! `Authorization: Bearer <token>` and the JSON body
//! `{"entity_id", "media_id": [...], "media_type": "track", "enqueue": "replace"}`.
//! Home Assistant answers 200 with the list of states the call changed; 401 for a bad token;
//! 400 when the service does not exist (Music Assistant not installed) or rejects the data.
//!
//! Plain `http://` only: the crate is built without a TLS stack (a household Home Assistant is
//! reached on the LAN). An `https://` URL is refused when the adapter is built, not at play time.

use std::fmt;
use std::time::Duration;

use async_trait::async_trait;
use hearth_core::config::Secret;
use serde::Serialize;

use crate::{PlayError, PlayItem, PlayReport, PlaybackTarget};

const TARGET: &str = "Home Assistant";
/// The service path, relative to the Home Assistant base URL.
pub const PLAY_MEDIA_PATH: &str = "/api/services/music_assistant/play_media";
/// How much of an error body goes into an error message.
const MAX_MESSAGE_CHARS: usize = 300;

/// Plays on a Home Assistant media player through the Music Assistant integration.
#[derive(Clone)]
pub struct HomeAssistant {
    /// Base URL without a trailing slash, e.g. `http://homeassistant.local:8123`.
    base_url: String,
    token: Secret,
    timeout: Duration,
    client: reqwest::Client,
}

impl fmt::Debug for HomeAssistant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HomeAssistant")
            .field("base_url", &self.base_url)
            .field("token", &self.token)
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// The JSON body of `music_assistant.play_media`.
#[derive(Debug, Serialize)]
struct PlayMediaBody<'a> {
    entity_id: &'a str,
    media_id: Vec<String>,
    media_type: &'static str,
    enqueue: &'static str,
}

impl HomeAssistant {
    /// An adapter for the Home Assistant at `base_url` (`http://host:8123`, no path needed), with
    /// a long-lived access `token`; `timeout` bounds the whole request (connect + answer).
    ///
    /// Errors: [`PlayError::NotConfigured`] when the URL or token is empty, the URL is not
    /// `http://`, or the timeout is zero.
    pub fn new(
        base_url: impl Into<String>,
        token: impl Into<String>,
        timeout: Duration,
    ) -> Result<Self, PlayError> {
        let base_url = base_url.into().trim().trim_end_matches('/').to_string();
        let token = token.into();
        let not_configured = |what: String| PlayError::NotConfigured {
            target: TARGET,
            what,
        };
        if base_url.is_empty() {
            return Err(not_configured("home_assistant.url is empty".into()));
        }
        if base_url.starts_with("https://") {
            return Err(not_configured(format!(
                "home_assistant.url {base_url:?} uses https, but this build speaks plain http \
                 only (use the LAN address, e.g. http://homeassistant.local:8123)"
            )));
        }
        let Some(host) = base_url.strip_prefix("http://") else {
            return Err(not_configured(format!(
                "home_assistant.url {base_url:?} must start with http://"
            )));
        };
        if host.is_empty() || host.starts_with('/') {
            return Err(not_configured(format!(
                "home_assistant.url {base_url:?} has no host"
            )));
        }
        if token.trim().is_empty() {
            return Err(not_configured("home_assistant.token is empty".into()));
        }
        if timeout.is_zero() {
            return Err(not_configured(
                "the request timeout must be above zero".into(),
            ));
        }
        let client = reqwest::Client::builder()
            // Home Assistant lives on the household network: never hand its bearer token to a
            // proxy picked up from HTTP_PROXY-style environment variables.
            .no_proxy()
            .timeout(timeout)
            .connect_timeout(timeout)
            .build()
            .map_err(|e| not_configured(format!("cannot build the HTTP client: {e}")))?;
        Ok(HomeAssistant {
            base_url,
            token: Secret::new(token.trim()),
            timeout,
            client,
        })
    }

    /// The full URL of the `play_media` service.
    pub fn play_media_url(&self) -> String {
        format!("{}{PLAY_MEDIA_PATH}", self.base_url)
    }

    fn timeout_error(&self) -> PlayError {
        PlayError::Timeout {
            target: TARGET,
            after_ms: u64::try_from(self.timeout.as_millis()).unwrap_or(u64::MAX),
        }
    }

    fn transport_error(&self, e: reqwest::Error) -> PlayError {
        if e.is_timeout() {
            self.timeout_error()
        } else {
            PlayError::Connection {
                target: TARGET,
                reason: error_chain(&e),
            }
        }
    }
}

/// What Music Assistant is asked to play for one item: the provider URI when known (played
/// directly), else an "artist - title" search string.
pub fn media_id(item: &PlayItem) -> String {
    match item.provider_uri.as_deref().map(str::trim) {
        Some(uri) if !uri.is_empty() => uri.to_string(),
        _ => format!("{} - {}", item.artist.trim(), item.title.trim()),
    }
}

/// Checks the shape of a Home Assistant entity id (`domain.object_id`, lower-case letters,
/// digits and underscores), so a typo is reported here instead of as an opaque HTTP 400.
pub fn check_entity_id(entity_id: &str) -> Result<(), PlayError> {
    let invalid = |reason: &str| PlayError::InvalidTarget {
        speaker_entity: entity_id.to_string(),
        reason: reason.to_string(),
    };
    let Some((domain, object)) = entity_id.split_once('.') else {
        return Err(invalid(
            "expected a Home Assistant entity id like media_player.kitchen or mpd://host:port",
        ));
    };
    let part_ok = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
    };
    if !part_ok(domain) || !part_ok(object) {
        return Err(invalid(
            "an entity id is domain.object_id in lower-case letters, digits and underscores",
        ));
    }
    Ok(())
}

/// The message of an error body: HA's JSON `{"message": …}` when present, else the text itself,
/// shortened.
fn body_message(body: &str) -> String {
    let from_json = serde_json::from_str::<serde_json::Value>(body)
        .ok()
        .and_then(|v| v.get("message")?.as_str().map(str::to_string));
    let text = from_json.unwrap_or_else(|| body.trim().to_string());
    let mut short: String = text.chars().take(MAX_MESSAGE_CHARS).collect();
    if short.len() < text.len() {
        short.push('…');
    }
    if short.is_empty() {
        "(empty body)".to_string()
    } else {
        short
    }
}

/// The error's own message followed by its sources (reqwest hides "connection refused" there).
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let s_text = s.to_string();
        if !out.contains(&s_text) {
            out.push_str(": ");
            out.push_str(&s_text);
        }
        source = s.source();
    }
    out
}

/// Maps a non-success HTTP answer of `play_media` to the error that says what went wrong.
fn status_error(status: u16, body: &str, entity_id: &str) -> PlayError {
    let message = body_message(body);
    match status {
        401 | 403 => PlayError::Unauthorized {
            target: TARGET,
            status,
        },
        404 => {
            let lower = message.to_ascii_lowercase();
            let what = if lower.contains("entity") {
                format!("entity {entity_id} ({message})")
            } else if lower.contains("service") || lower.contains("music_assistant") {
                format!(
                    "music_assistant.play_media service: is Music Assistant installed? ({message})"
                )
            } else {
                format!(
                    "{PLAY_MEDIA_PATH} endpoint (HTTP 404: {message}): either entity {entity_id} \
                     or the Music Assistant integration is missing"
                )
            };
            PlayError::NotFound {
                target: TARGET,
                what,
            }
        }
        // HA answers 400 both for an unknown service and for data the service's schema rejects.
        400 => PlayError::Upstream {
            target: TARGET,
            status: Some(status),
            message: format!(
                "rejected the play_media call (HTTP 400: {message}); the Music Assistant \
                 integration is missing or refused entity {entity_id}"
            ),
        },
        _ => PlayError::Upstream {
            target: TARGET,
            status: Some(status),
            message: format!("HTTP {status}: {message}"),
        },
    }
}

#[async_trait]
impl PlaybackTarget for HomeAssistant {
    async fn play(
        &self,
        speaker_entity: &str,
        items: &[PlayItem],
    ) -> Result<PlayReport, PlayError> {
        check_entity_id(speaker_entity)?;
        if items.is_empty() {
            return Err(PlayError::NothingToPlay {
                target: TARGET,
                reason: "the playlist is empty".into(),
            });
        }
        let body = PlayMediaBody {
            entity_id: speaker_entity,
            media_id: items.iter().map(media_id).collect(),
            media_type: "track",
            enqueue: "replace",
        };
        let response = self
            .client
            .post(self.play_media_url())
            .bearer_auth(self.token.expose())
            .json(&body)
            .send()
            .await
            .map_err(|e| self.transport_error(e))?;
        let status = response.status();
        // Read the body in every case: on success to finish the exchange within the timeout, on
        // failure for HA's message.
        let text = response.text().await.map_err(|e| self.transport_error(e))?;
        if !status.is_success() {
            return Err(status_error(status.as_u16(), &text, speaker_entity));
        }
        Ok(PlayReport {
            target: "home_assistant".into(),
            speaker_entity: speaker_entity.to_string(),
            queued: items.len(),
            not_queued: Vec::new(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    fn item(artist: &str, title: &str, uri: Option<&str>) -> PlayItem {
        PlayItem {
            track_id: 1,
            artist: artist.into(),
            title: title.into(),
            album: None,
            duration_ms: None,
            provider_uri: uri.map(str::to_string),
            file_path: None,
            url: None,
        }
    }

    #[rstest]
    #[case(
        Some("spotify:track:4uLU6hMCjMI75M1A2tKUQC"),
        "spotify:track:4uLU6hMCjMI75M1A2tKUQC"
    )]
    #[case(None, "Radiohead - Reckoner")]
    #[case(Some("  "), "Radiohead - Reckoner")]
    fn media_id_prefers_provider_uri(#[case] uri: Option<&str>, #[case] expected: &str) {
        assert_eq!(media_id(&item("Radiohead", "Reckoner", uri)), expected);
    }

    #[rstest]
    #[case("media_player.kitchen", true)]
    #[case("media_player.living_room_2", true)]
    #[case("media_player", false)]
    #[case("Media_Player.Kitchen", false)]
    #[case("media_player.", false)]
    #[case(".kitchen", false)]
    #[case("media_player.kitchen speaker", false)]
    #[case("", false)]
    fn entity_ids(#[case] entity: &str, #[case] ok: bool) {
        let got = check_entity_id(entity);
        assert_eq!(got.is_ok(), ok, "{entity:?}: {got:?}");
        if let Err(e) = got {
            assert!(matches!(e, PlayError::InvalidTarget { .. }), "{e:?}");
        }
    }

    #[rstest]
    #[case("", "t")]
    #[case("homeassistant.local:8123", "t")]
    #[case("https://ha.example:8123", "t")]
    #[case("http://", "t")]
    #[case("http://ha.local:8123", "")]
    fn constructor_refuses_unusable_config(#[case] url: &str, #[case] token: &str) {
        let got = HomeAssistant::new(url, token, Duration::from_secs(1));
        assert!(
            matches!(got, Err(PlayError::NotConfigured { .. })),
            "{url:?} {token:?}: {got:?}"
        );
    }

    #[test]
    fn debug_hides_the_token() {
        let ha =
            HomeAssistant::new("http://ha.local:8123/", "s3cret", Duration::from_secs(1)).unwrap();
        let shown = format!("{ha:?}");
        assert!(!shown.contains("s3cret"), "{shown}");
        assert_eq!(
            ha.play_media_url(),
            "http://ha.local:8123/api/services/music_assistant/play_media"
        );
    }

    #[test]
    fn body_message_prefers_json_message_and_shortens() {
        assert_eq!(
            body_message(r#"{"message": "Entity not found."}"#),
            "Entity not found."
        );
        assert_eq!(
            body_message("500 Internal Server Error\n"),
            "500 Internal Server Error"
        );
        assert_eq!(body_message(""), "(empty body)");
        let long = "x".repeat(1000);
        assert_eq!(body_message(&long).chars().count(), MAX_MESSAGE_CHARS + 1);
    }

    #[rstest]
    #[case(
        404,
        r#"{"message": "Entity media_player.x not found"}"#,
        "entity media_player.x"
    )]
    #[case(
        404,
        r#"{"message": "Service music_assistant.play_media not found."}"#,
        "Music Assistant installed"
    )]
    #[case(
        404,
        "404: Not Found",
        "either entity media_player.x or the Music Assistant"
    )]
    fn not_found_says_what_is_missing(
        #[case] status: u16,
        #[case] body: &str,
        #[case] expected: &str,
    ) {
        let e = status_error(status, body, "media_player.x");
        let PlayError::NotFound { what, .. } = &e else {
            panic!("{e:?}")
        };
        assert!(what.contains(expected), "{what}");
    }
}
