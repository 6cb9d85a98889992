//! `hearth refresh` — refreshes a profile's living playlist now (the same
//! [`LivingService`] as `POST /api/dynamic/{profile}/refresh`) and prints the diff.

use crate::settings::Settings;
use anyhow::Context;
use hearth_core::clock::{Clock, SystemClock};
use hearth_core::model::Profile;
use hearth_core::profile_name::DEFAULT_PROFILE;
use hearth_server::living::LivingService;
use hearth_server::reco::RecoService;
use hearth_store::DynStore;
use std::collections::HashMap;
use std::sync::Arc;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Profile name (default `default`).
    #[arg(long)]
    pub profile: Option<String>,
    /// Print the refresh as JSON.
    #[arg(long)]
    pub json: bool,
}

/// The store, the living-playlist service and the named profile (an error when it is unknown).
pub(crate) async fn open_living(
    settings: &Settings,
    profile: Option<&str>,
) -> anyhow::Result<(DynStore, LivingService, Profile)> {
    let store = settings.open_store().await?;
    let name = profile.unwrap_or(DEFAULT_PROFILE);
    let p = store
        .get_profile(name)
        .await?
        .with_context(|| format!("profile {name:?} does not exist"))?;
    let config = Arc::new(settings.config.clone());
    let reco = Arc::new(RecoService::new(store.clone(), &config));
    let living = LivingService::new(store.clone(), config, reco);
    Ok((store, living, p))
}

/// "Artist – Title" of the given tracks.
pub(crate) async fn names(
    store: &DynStore,
    ids: &[hearth_core::ids::TrackId],
) -> anyhow::Result<HashMap<hearth_core::ids::TrackId, String>> {
    Ok(store
        .tracks_by_ids(ids)
        .await?
        .into_iter()
        .map(|t| (t.id, format!("{} – {}", t.artist, t.title)))
        .collect())
}

pub async fn run(settings: Settings, args: Args) -> anyhow::Result<()> {
    let (store, living, p) = open_living(&settings, args.profile.as_deref()).await?;
    let out = living
        .refresh(&p, SystemClock.now_ms())
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let r = &out.record;
    if args.json {
        let v = serde_json::json!({
            "profile": p.name, "refresh_id": r.id, "budget": r.budget,
            "aggressiveness": r.aggressiveness, "track_count": r.items.len(),
            "added": r.added, "removed": r.removed, "queued": out.queued,
            "snapshot": out.snapshot,
        });
        println!("{}", serde_json::to_string_pretty(&v)?);
        return Ok(());
    }
    let ids: Vec<_> = r
        .added
        .iter()
        .map(|a| a.track_id)
        .chain(r.removed.iter().map(|x| x.track_id))
        .collect();
    let names = names(&store, &ids).await?;
    let name = |id| {
        names
            .get(&id)
            .cloned()
            .unwrap_or_else(|| format!("track {id}"))
    };
    let bound = r
        .budget
        .map(|b| format!("at most {b} changes, aggressiveness {}", r.aggressiveness))
        .unwrap_or_else(|| "first build".into());
    println!(
        "Living playlist of {} refreshed: +{} / -{} ({} tracks; {bound})",
        p.name,
        r.added.len(),
        r.removed.len(),
        r.items.len()
    );
    for a in &r.added {
        println!(
            "  + [{}] {}  — {}",
            a.section.as_str(),
            name(a.track_id),
            a.reasons.join("; ")
        );
    }
    for x in &r.removed {
        println!(
            "  - [{}] {}  — {}",
            x.section.as_str(),
            name(x.track_id),
            x.reason.describe()
        );
    }
    if out.queued > 0 {
        println!("{} new suggestions queued (see `hearth next`)", out.queued);
    }
    if let Some(s) = &out.snapshot {
        println!("Snapshot saved: {} ({} tracks)", s.name, s.track_count);
    }
    Ok(())
}
