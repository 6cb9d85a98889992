//! `hearth playlist …` — generate, list, show and export playlists straight from the store (no
//! server needed); the same generation path as `POST /api/playlists/generate`.

use crate::settings::Settings;
use anyhow::{bail, Context};
use hearth_core::clock::{Clock, SystemClock};
use hearth_core::ids::PlaylistId;
use hearth_core::playlist::{EnergyArc, PlaylistParams};
use hearth_server::playlists::{self, ExportFormat, GenerateSpec, PlaylistView};
use hearth_server::reco::RecoService;
use hearth_store::DynStore;
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(subcommand)]
    pub action: Action,
}

#[derive(clap::Subcommand, Debug)]
pub enum Action {
    /// Generate and save a playlist: known favourites and discoveries, mixed and ordered.
    Generate(GenerateArgs),
    /// Saved playlists, newest first.
    List {
        /// Only this profile's playlists.
        #[arg(long)]
        profile: Option<String>,
        /// 1–500.
        #[arg(long, default_value_t = 50)]
        limit: u32,
        #[arg(long)]
        json: bool,
    },
    /// One saved playlist.
    Show {
        id: i64,
        #[arg(long)]
        json: bool,
    },
    /// Write a saved playlist as M3U8, XSPF or JSPF (to stdout, or to a file with -o).
    Export {
        id: i64,
        /// m3u8, xspf or jspf.
        #[arg(long)]
        format: String,
        #[arg(short = 'o', long)]
        output: Option<PathBuf>,
    },
}

#[derive(clap::Args, Debug)]
pub struct GenerateArgs {
    /// Profile name (default `default`; with --vibe and no profile: guest, vibe only).
    #[arg(long)]
    pub profile: Option<String>,
    /// Free-text vibe, e.g. "calm acoustic".
    #[arg(long)]
    pub vibe: Option<String>,
    /// 1.0 = pure taste, 0.0 = pure vibe.
    #[arg(long, default_value_t = 0.5)]
    pub alpha: f32,
    /// Number of tracks (default from `[playlist] total_tracks`).
    #[arg(long)]
    pub tracks: Option<u32>,
    /// Share of known favourites, 0–100 (default from `[playlist] known_pct`).
    #[arg(long)]
    pub known_pct: Option<u32>,
    /// Target length in minutes (±5 %); the track count follows from it.
    #[arg(long)]
    pub duration_min: Option<f64>,
    /// Energy arc: none, build_up or wind_down.
    #[arg(long)]
    pub arc: Option<String>,
    /// Same seed and candidates → same playlist.
    #[arg(long)]
    pub seed: Option<u64>,
    #[arg(long)]
    pub name: Option<String>,
    #[arg(long)]
    pub json: bool,
}

pub async fn run(settings: Settings, args: Args) -> anyhow::Result<()> {
    let store = settings.open_store().await?;
    match args.action {
        Action::Generate(g) => generate(&settings, store, g).await,
        Action::List {
            profile,
            limit,
            json,
        } => list(store, profile, limit, json).await,
        Action::Show { id, json } => {
            let p = load(&store, id).await?;
            print_view(&playlists::view(&p), json)
        }
        Action::Export { id, format, output } => {
            let f = ExportFormat::parse(&format)
                .with_context(|| format!("--format {format:?} is not one of m3u8, xspf, jspf"))?;
            let text = f.render(&load(&store, id).await?);
            match output {
                Some(path) => std::fs::write(&path, text)
                    .with_context(|| format!("cannot write {}", path.display()))?,
                None => print!("{text}"),
            }
            Ok(())
        }
    }
}

async fn load(store: &DynStore, id: i64) -> anyhow::Result<hearth_store::StoredPlaylist> {
    store
        .get_playlist(PlaylistId(id))
        .await?
        .with_context(|| format!("playlist {id} does not exist"))
}

async fn generate(settings: &Settings, store: DynStore, g: GenerateArgs) -> anyhow::Result<()> {
    if !(g.alpha.is_finite() && (0.0..=1.0).contains(&g.alpha)) {
        bail!("--alpha {} is outside [0.0, 1.0]", g.alpha);
    }
    let now = SystemClock.now_ms();
    let mut params =
        PlaylistParams::from_config(&settings.config.playlist, g.seed.unwrap_or(now as u64));
    if let Some(n) = g.tracks {
        params.total_tracks = n as usize;
    }
    if let Some(k) = g.known_pct {
        params.known_pct = k;
    }
    params.duration_min = g.duration_min;
    if let Some(a) = &g.arc {
        params.arc = EnergyArc::parse(a)
            .with_context(|| format!("--arc {a:?} is not one of none, build_up, wind_down"))?;
    }
    // Same checks as the API; the messages name the field (`total_tracks` is --tracks).
    params.validate()?;
    let (profile, vibe) = super::listener(&store, g.profile.as_deref(), g.vibe).await?;
    let reco = RecoService::new(store.clone(), &settings.config);
    let spec = GenerateSpec {
        profile,
        vibe,
        alpha: g.alpha,
        params,
        name: g.name,
    };
    let saved = playlists::generate(&store, &reco, &spec, now)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    print_view(&playlists::view(&saved), g.json)
}

fn print_view(v: &PlaylistView, json: bool) -> anyhow::Result<()> {
    if json {
        println!("{}", serde_json::to_string_pretty(v)?);
        return Ok(());
    }
    let mins = v.duration_ms / 60_000;
    let secs = (v.duration_ms / 1000) % 60;
    println!(
        "playlist {} \"{}\" — {} tracks ({} known, {} discoveries), {mins}:{secs:02}{}",
        v.id,
        v.name,
        v.total_tracks,
        v.known_count,
        v.discovery_count,
        v.profile
            .as_deref()
            .map(|p| format!(", profile {p}"))
            .unwrap_or_default()
    );
    println!(
        "{:>3}  {:<9}  {:<24}  {:<32}  why",
        "#", "kind", "artist", "title"
    );
    for t in &v.tracks {
        let cut = |s: &str, n: usize| s.chars().take(n).collect::<String>();
        println!(
            "{:>3}  {:<9}  {:<24}  {:<32}  {}",
            t.position + 1,
            t.kind,
            cut(&t.artist, 24),
            cut(&t.title, 32),
            t.reasons.join("; ")
        );
    }
    for u in &v.unmet {
        println!("note: {} not met — {}", u.rule, u.detail);
    }
    println!(
        "export: hearth playlist export {} --format m3u8|xspf|jspf",
        v.id
    );
    Ok(())
}

async fn list(
    store: DynStore,
    profile: Option<String>,
    limit: u32,
    json: bool,
) -> anyhow::Result<()> {
    if !(1..=500).contains(&limit) {
        bail!("--limit {limit} is outside 1..=500");
    }
    let pid = match &profile {
        Some(name) => Some(
            store
                .get_profile(name)
                .await?
                .with_context(|| format!("profile {name:?} does not exist"))?
                .id,
        ),
        None => None,
    };
    let rows = store.list_playlists(pid, limit).await?;
    if json {
        let v: Vec<serde_json::Value> = rows
            .iter()
            .map(|p| {
                serde_json::json!({"id": p.id.0, "name": p.name, "profile": p.profile, "kind": p.kind.as_str(),
                    "vibe": p.params["vibe"], "created_at": hearth_core::clock::to_rfc3339(p.created_at),
                    "track_count": p.item_count})
            })
            .collect();
        println!("{}", serde_json::to_string_pretty(&v)?);
        return Ok(());
    }
    if rows.is_empty() {
        println!("no playlists yet (hearth playlist generate)");
        return Ok(());
    }
    println!(
        "{:>5}  {:<20}  {:<12}  {:>6}  name",
        "id", "created", "profile", "tracks"
    );
    for p in rows {
        let created: String = hearth_core::clock::to_rfc3339(p.created_at)
            .chars()
            .take(16)
            .collect();
        println!(
            "{:>5}  {:<20}  {:<12}  {:>6}  {}",
            p.id.0,
            created.replace('T', " "),
            p.profile.as_deref().unwrap_or("(guest)"),
            p.item_count,
            p.name
        );
    }
    Ok(())
}
