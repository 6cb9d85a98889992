//! [`Players`]: the one [`PlaybackTarget`] the server holds; it picks the adapter from the
//! `speaker_entity` (`mpd://…` → MPD, anything else → Home Assistant).

use std::path::PathBuf;
use std::time::Duration;

use async_trait::async_trait;
use hearth_core::config::Config;

use crate::home_assistant::HomeAssistant;
use crate::mpd::{is_mpd_entity, Mpd};
use crate::{PlayError, PlayItem, PlayReport, PlaybackTarget};

/// Whole-request timeout of a Home Assistant `play_media` call. Music Assistant resolves the
/// search strings before answering, so this is generous.
pub const HOME_ASSISTANT_TIMEOUT: Duration = Duration::from_secs(15);
/// Connect and per-answer timeout for MPD (a LAN daemon answers in milliseconds).
pub const MPD_TIMEOUT: Duration = Duration::from_secs(5);

/// Routes a play request to the adapter its `speaker_entity` names.
#[derive(Debug, Clone)]
pub struct Players {
    /// `Err(what is missing)` when Home Assistant is not configured.
    home_assistant: Result<HomeAssistant, String>,
    mpd: Mpd,
}

impl Players {
    /// `home_assistant`: the adapter, or `None` when not configured (then Home Assistant
    /// entities fail with [`PlayError::NotConfigured`]).
    pub fn new(home_assistant: Option<HomeAssistant>, mpd: Mpd) -> Self {
        Players {
            home_assistant: home_assistant.ok_or_else(|| {
                "home_assistant.url and home_assistant.token are not set".to_string()
            }),
            mpd,
        }
    }

    /// Builds both adapters from `[home_assistant]` and `[mpd]` with the default timeouts.
    ///
    /// Home Assistant counts as configured when its URL or token is set; a half-set or unusable
    /// section (no token, an `https://` URL) is an error here, at startup, not at play time.
    pub fn from_config(config: &Config) -> Result<Self, PlayError> {
        let ha = &config.home_assistant;
        let home_assistant = if ha.url.trim().is_empty() && !ha.token.is_set() {
            Err("home_assistant.url and home_assistant.token are not set".to_string())
        } else {
            Ok(HomeAssistant::new(
                ha.url.as_str(),
                ha.token.expose(),
                HOME_ASSISTANT_TIMEOUT,
            )?)
        };
        let music_dir = config.mpd.music_dir.trim();
        let mpd = Mpd::new(
            (!music_dir.is_empty()).then(|| PathBuf::from(music_dir)),
            MPD_TIMEOUT,
        )?;
        Ok(Players {
            home_assistant,
            mpd,
        })
    }

    pub fn mpd(&self) -> &Mpd {
        &self.mpd
    }

    /// The Home Assistant adapter, when configured.
    pub fn home_assistant(&self) -> Option<&HomeAssistant> {
        self.home_assistant.as_ref().ok()
    }
}

#[async_trait]
impl PlaybackTarget for Players {
    async fn play(
        &self,
        speaker_entity: &str,
        items: &[PlayItem],
    ) -> Result<PlayReport, PlayError> {
        if is_mpd_entity(speaker_entity) {
            return self.mpd.play(speaker_entity, items).await;
        }
        match &self.home_assistant {
            Ok(ha) => ha.play(speaker_entity, items).await,
            Err(what) => Err(PlayError::NotConfigured {
                target: "Home Assistant",
                what: format!("{what} (needed to play on {speaker_entity})"),
            }),
        }
    }
}
