//! `hearth stats` — listening statistics and system health (the Spotify-AI plan's `stats`):
//! listens in total / last 7 / last 30 days, per profile, top artists and tracks, skip rate,
//! feedback counts; the store's backend, size, catalogue and job backlog.

use crate::settings::Settings;
use anyhow::Context;
use hearth_core::clock::{Clock, SystemClock};
use hearth_store::{ListeningStats, SystemHealth};

#[derive(clap::Args, Debug)]
#[command(after_help = "Examples:
  hearth stats                      # everyone, as tables
  hearth stats --profile alice      # one listener
  hearth stats --json | jq .health  # for scripts")]
pub struct Args {
    /// Only this profile's listens and feedback.
    #[arg(long)]
    pub profile: Option<String>,
    /// How many top artists and tracks (1–100).
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=100))]
    pub top: u32,
    /// Machine-readable output.
    #[arg(long)]
    pub json: bool,
}

pub async fn run(settings: Settings, args: Args) -> anyhow::Result<()> {
    let store = settings.open_store().await?;
    let profile = match &args.profile {
        Some(name) => Some(
            store
                .get_profile(name)
                .await?
                .with_context(|| format!("profile {name:?} does not exist"))?,
        ),
        None => None,
    };
    let now = SystemClock.now_ms();
    let stats = store
        .listening_stats(profile.as_ref().map(|p| p.id), now, args.top)
        .await?;
    let health = store.system_health().await?;
    if args.json {
        let out = serde_json::json!({
            "profile": profile.as_ref().map(|p| &p.name),
            "listening": {
                "listens_total": stats.listens_total,
                "listens_7d": stats.listens_7d,
                "listens_30d": stats.listens_30d,
                "skipped": stats.skipped,
                "skip_rate": stats.skip_rate(),
                "per_profile": stats.per_profile,
                "top_artists": stats.top_artists,
                "top_tracks": stats.top_tracks,
                "feedback": stats.feedback,
            },
            "health": health,
        });
        println!("{}", serde_json::to_string_pretty(&out)?);
        return Ok(());
    }
    print!(
        "{}",
        render(profile.as_ref().map(|p| p.name.as_str()), &stats, &health)
    );
    Ok(())
}

/// The human-readable report.
pub fn render(profile: Option<&str>, s: &ListeningStats, h: &SystemHealth) -> String {
    let mut out = String::new();
    let scope = profile.map_or("everyone".to_string(), |p| format!("profile {p}"));
    out += &format!("Listening ({scope})\n");
    out += &format!(
        "  listens        {} total, {} in the last 7 days, {} in the last 30 days\n",
        s.listens_total, s.listens_7d, s.listens_30d
    );
    out += &format!(
        "  skip rate      {}\n",
        s.skip_rate().map_or("–".to_string(), |r| format!(
            "{:.1}% ({} skipped)",
            r * 100.0,
            s.skipped
        ))
    );
    let fb: Vec<String> = s
        .feedback
        .iter()
        .map(|f| format!("{} {}", f.count, f.kind))
        .collect();
    out += &format!(
        "  feedback       {}\n",
        if fb.is_empty() {
            "none".to_string()
        } else {
            fb.join(", ")
        }
    );
    if !s.per_profile.is_empty() {
        out += "\n";
        out += &table(
            &["profile", "listens", "last 30 d", "skipped"],
            s.per_profile
                .iter()
                .map(|p| {
                    vec![
                        p.profile.clone(),
                        p.listens_total.to_string(),
                        p.listens_30d.to_string(),
                        p.skipped.to_string(),
                    ]
                })
                .collect(),
        );
    }
    if !s.top_artists.is_empty() {
        out += "\n";
        out += &table(
            &["top artist", "plays"],
            s.top_artists
                .iter()
                .map(|a| vec![a.artist.clone(), a.plays.to_string()])
                .collect(),
        );
    }
    if !s.top_tracks.is_empty() {
        out += "\n";
        out += &table(
            &["top track", "artist", "id", "plays"],
            s.top_tracks
                .iter()
                .map(|t| {
                    vec![
                        t.title.clone(),
                        t.artist.clone(),
                        t.track_id.0.to_string(),
                        t.plays.to_string(),
                    ]
                })
                .collect(),
        );
    }
    out += "\nSystem\n";
    out += &format!(
        "  database       {} ({})\n",
        h.backend,
        human_bytes(h.db_size_bytes)
    );
    out += &format!("  profiles       {}\n", h.profiles);
    let pct = if h.tracks > 0 {
        h.analysed as f64 / h.tracks as f64 * 100.0
    } else {
        0.0
    };
    out += &format!(
        "  tracks         {} ({} analysed, {pct:.0}%)\n",
        h.tracks, h.analysed
    );
    out += &format!(
        "  jobs           {} queued, {} running, {} failed\n",
        h.queued_jobs, h.running_jobs, h.failed_jobs
    );
    out
}

/// A plain text table: left-aligned text, right-aligned numbers, widths by characters.
fn table(headers: &[&str], rows: Vec<Vec<String>>) -> String {
    let n = headers.len();
    let mut width: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for r in &rows {
        for (i, c) in r.iter().enumerate().take(n) {
            width[i] = width[i].max(c.chars().count());
        }
    }
    let numeric: Vec<bool> = (0..n)
        .map(|i| !rows.is_empty() && rows.iter().all(|r| r[i].parse::<f64>().is_ok()))
        .collect();
    let line = |cells: Vec<&str>| {
        let parts: Vec<String> = cells
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let pad = " ".repeat(width[i] - c.chars().count());
                if numeric[i] {
                    format!("{pad}{c}")
                } else {
                    format!("{c}{pad}")
                }
            })
            .collect();
        format!("  {}\n", parts.join("  ").trim_end())
    };
    let mut out = line(headers.to_vec());
    out += &line(
        width
            .iter()
            .map(|w| "-".repeat(*w))
            .collect::<Vec<_>>()
            .iter()
            .map(String::as_str)
            .collect(),
    );
    for r in &rows {
        out += &line(r.iter().map(String::as_str).collect());
    }
    out
}

fn human_bytes(b: i64) -> String {
    const UNITS: [&str; 4] = ["B", "KiB", "MiB", "GiB"];
    let mut x = b as f64;
    let mut u = 0;
    while x >= 1024.0 && u < UNITS.len() - 1 {
        x /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{b} B")
    } else {
        format!("{x:.1} {}", UNITS[u])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_align_numbers_right_and_text_left() {
        let t = table(
            &["name", "n"],
            vec![
                vec!["ab".into(), "5".into()],
                vec!["c".into(), "123".into()],
            ],
        );
        assert_eq!(t, "  name    n\n  ----  ---\n  ab      5\n  c     123\n");
    }

    #[test]
    fn sizes_are_human() {
        assert_eq!(human_bytes(512), "512 B");
        assert_eq!(human_bytes(2048), "2.0 KiB");
        assert_eq!(human_bytes(5 * 1024 * 1024), "5.0 MiB");
    }
}
