//! The one error type of `hearth-play`; `hearth-server` maps it to HTTP in one place.

/// Why a playback request failed. Every variant names the target so a user can tell a Home
/// Assistant problem from an MPD one.
#[derive(Debug, thiserror::Error)]
pub enum PlayError {
    /// The target is not configured (e.g. no Home Assistant URL or token).
    #[error("{target} is not configured: {what}")]
    NotConfigured { target: &'static str, what: String },
    /// `speaker_entity` is not something this target can play on.
    #[error("invalid speaker_entity {speaker_entity:?}: {reason}")]
    InvalidTarget {
        speaker_entity: String,
        reason: String,
    },
    /// Nothing in the playlist can be played on this target.
    #[error("nothing to play on {target}: {reason}")]
    NothingToPlay {
        target: &'static str,
        reason: String,
    },
    /// The target did not answer in time.
    #[error("{target} did not answer within {after_ms} ms")]
    Timeout { target: &'static str, after_ms: u64 },
    /// The target refused our credentials (HTTP 401/403).
    #[error("{target} refused the credentials (HTTP {status}): check the token")]
    Unauthorized { target: &'static str, status: u16 },
    /// The target or the entity does not exist (HTTP 404, unknown MPD path…).
    #[error("{target} has no {what}")]
    NotFound { target: &'static str, what: String },
    /// The target answered with an error (HTTP 5xx, MPD `ACK`).
    #[error("{target} failed: {message}")]
    Upstream {
        target: &'static str,
        status: Option<u16>,
        message: String,
    },
    /// The connection itself failed (refused, reset, DNS).
    #[error("cannot reach {target}: {reason}")]
    Connection {
        target: &'static str,
        reason: String,
    },
}
