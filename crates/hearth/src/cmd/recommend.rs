//! `hearth recommend` — explained recommendations straight from the store (no server needed);
//! the same [`RecoService`] path as `GET /api/recommendations`.

use crate::settings::Settings;
use anyhow::bail;
use hearth_core::clock::{Clock, SystemClock};
use hearth_server::reco::{RecoRequest, RecoService};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Profile name (default `default`; with --vibe and no profile: guest, vibe only).
    #[arg(long)]
    pub profile: Option<String>,
    /// Free-text vibe, e.g. "calm acoustic".
    #[arg(long)]
    pub vibe: Option<String>,
    /// 1.0 = pure taste, 0.0 = pure vibe.
    #[arg(long, default_value_t = 0.5)]
    pub alpha: f32,
    /// 1–500.
    #[arg(long, default_value_t = 20)]
    pub limit: usize,
    #[arg(long)]
    pub json: bool,
}

pub async fn run(settings: Settings, args: Args) -> anyhow::Result<()> {
    if !(args.alpha.is_finite() && (0.0..=1.0).contains(&args.alpha)) {
        bail!("--alpha {} is outside [0.0, 1.0]", args.alpha);
    }
    if !(1..=500).contains(&args.limit) {
        bail!("--limit {} is outside 1..=500", args.limit);
    }
    let store = settings.open_store().await?;
    let now = SystemClock.now_ms();
    let (profile, vibe) = super::listener(&store, args.profile.as_deref(), args.vibe).await?;
    let reco = RecoService::new(store.clone(), &settings.config);
    let req = RecoRequest {
        profile: profile.as_ref().map(|p| p.id),
        vibe: vibe.clone(),
        alpha: args.alpha,
        limit: args.limit,
        seed: None,
    };
    let items = reco
        .recommend(&req, now)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    if args.json {
        let v: Vec<serde_json::Value> = items
            .iter()
            .map(|i| {
                serde_json::json!({"track_id": i.scored.track_id.0, "title": i.track.as_ref().map(|t| &t.title),
                    "artist": i.track.as_ref().map(|t| &t.artist), "score": i.scored.score, "reasons": i.reasons,
                    "components": i.scored.components})
            })
            .collect();
        let out = serde_json::json!({"profile": profile.map(|p| p.name), "vibe": vibe, "alpha": args.alpha, "count": v.len(), "recommendations": v});
        println!("{}", serde_json::to_string_pretty(&out)?);
        return Ok(());
    }
    if items.is_empty() {
        println!("no recommendations yet (no analysed tracks, or everything is already known)");
        return Ok(());
    }
    println!("{:>3}  {:>6}  {:<50}  why", "#", "score", "track");
    for (n, i) in items.iter().enumerate() {
        let name = i
            .track
            .as_ref()
            .map(|t| format!("{} – {}", t.artist, t.title))
            .unwrap_or_else(|| format!("track {}", i.scored.track_id));
        let name: String = name.chars().take(50).collect();
        println!(
            "{:>3}  {:>6.3}  {:<50}  {}",
            n + 1,
            i.scored.score,
            name,
            i.reasons.join("; ")
        );
    }
    Ok(())
}
