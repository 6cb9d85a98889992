//! `hearth mood` — show a profile's detected and explicit mood, or set the explicit one.

use crate::settings::Settings;
use anyhow::{bail, Context};
use hearth_core::clock::{to_rfc3339, Clock, SystemClock};
use hearth_core::profile_name::DEFAULT_PROFILE;
use hearth_server::reco::{describe, RecoService};
use hearth_store::MoodOverride;

#[derive(clap::Args, Debug)]
pub struct Args {
    #[arg(long)]
    pub profile: Option<String>,
    #[command(subcommand)]
    pub action: Option<Action>,
}

#[derive(clap::Subcommand, Debug)]
pub enum Action {
    /// Set an explicit mood (e.g. "calm acoustic") for a number of hours.
    Set {
        text: String,
        #[arg(long, default_value_t = 4.0)]
        hours: f64,
    },
}

pub async fn run(settings: Settings, args: Args) -> anyhow::Result<()> {
    let store = settings.open_store().await?;
    let name = args.profile.as_deref().unwrap_or(DEFAULT_PROFILE);
    let p = store
        .get_profile(name)
        .await?
        .with_context(|| format!("profile {name:?} does not exist"))?;
    let now = SystemClock.now_ms();
    if let Some(Action::Set { text, hours }) = args.action {
        if !(hours.is_finite() && hours > 0.0 && hours <= 168.0) {
            bail!("--hours {hours} is outside (0, 168]");
        }
        let text = text.trim().to_string();
        if text.is_empty() {
            bail!("the mood text must not be empty");
        }
        store
            .set_mood_override(
                p.id,
                &MoodOverride {
                    text,
                    set_at: now,
                    expires_at: now + (hours * 3_600_000.0) as i64,
                },
            )
            .await?;
    }
    let reco = RecoService::new(store.clone(), &settings.config);
    let (vector, recent) = reco.mood(p.id).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    let attrs = reco.mean_attributes(&recent).await;
    let words = describe(&attrs);
    println!("profile:  {}", p.name);
    println!(
        "detected: {} (last {} listens{})",
        if words.is_empty() {
            "unknown".to_string()
        } else {
            words.join(", ")
        },
        recent.len(),
        if vector.is_some() {
            ""
        } else {
            ", none analysed"
        }
    );
    match store.mood_override(p.id, now).await? {
        Some(m) => println!("explicit: {} (until {})", m.text, to_rfc3339(m.expires_at)),
        None => println!("explicit: none"),
    }
    Ok(())
}
