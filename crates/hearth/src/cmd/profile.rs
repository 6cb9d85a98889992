//! `hearth profile …` — manage listener profiles from the terminal.

use crate::settings::Settings;
use hearth_core::clock::{to_rfc3339, Clock, SystemClock};
use hearth_core::profile_name::validate_profile_name;

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(subcommand)]
    pub action: Action,
}

#[derive(clap::Subcommand, Debug)]
pub enum Action {
    /// List profiles with their stats.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Create a profile.
    Create {
        name: String,
        #[arg(long)]
        display_name: Option<String>,
    },
    /// Create or rotate the profile's ListenBrainz-compatible token (printed once, stored hashed).
    ///
    /// Scrobblers (Navidrome, Jellyfin, Pano Scrobbler, multi-scrobbler…) send it as
    /// `Authorization: Token <token>` to `POST /1/submit-listens`; the listens land on this profile.
    Token { name: String },
}

pub async fn run(settings: Settings, args: Args) -> anyhow::Result<()> {
    let store = settings.open_store().await?;
    let now = SystemClock.now_ms();
    match args.action {
        Action::List { json } => {
            let rows = store.list_profiles().await?;
            if json {
                let v: Vec<serde_json::Value> = rows
                    .iter()
                    .map(|(p, s)| {
                        serde_json::json!({"name": p.name, "display_name": p.display_name, "event_count": s.event_count,
                            "track_count": s.track_count, "last_listen": s.last_listen.map(to_rfc3339), "speakers": s.speakers})
                    })
                    .collect();
                println!("{}", serde_json::to_string_pretty(&v)?);
            } else {
                println!(
                    "{:<24} {:>8} {:>8}  {:<24}  speakers",
                    "profile", "listens", "tracks", "last listen"
                );
                for (p, s) in rows {
                    println!(
                        "{:<24} {:>8} {:>8}  {:<24}  {}",
                        p.name,
                        s.event_count,
                        s.track_count,
                        s.last_listen.map(to_rfc3339).unwrap_or_else(|| "-".into()),
                        s.speakers.join(", ")
                    );
                }
            }
        }
        Action::Create { name, display_name } => {
            validate_profile_name(&name)?;
            let p = store
                .create_profile(&name, display_name.as_deref(), now)
                .await?;
            println!("created profile {}", p.name);
        }
        Action::Token { name } => {
            validate_profile_name(&name)?;
            let (p, created) = store.ensure_profile(&name, now).await?;
            let mut bytes = [0u8; 32];
            rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut bytes);
            let token = hearth_core::token::token_from_bytes(&bytes);
            store
                .set_token_hash(p.id, &hearth_core::token::hash_token(&token))
                .await?;
            if created {
                eprintln!("created profile {}", p.name);
            }
            eprintln!(
                "ListenBrainz-compatible token for {} (shown once; any earlier token is revoked):",
                p.name
            );
            println!("{token}");
        }
    }
    Ok(())
}
