//! `hearth import <format> <path…>` — import listening history (SPEC §6) through the same
//! pipeline as `POST /api/import`, with a progress bar on stderr and a per-file summary table
//! on stdout.
//!
//! Exit codes: 0 when the import ran (rejected rows are reported, not fatal); 1 when it could
//! not run — a file of the wrong format or unreadable (bad input: nothing was written), or a
//! store failure (the batches committed before it stay; running the same import again is
//! safe); 2 for usage errors (clap).

use crate::settings::Settings;
use anyhow::Context;
use hearth_core::clock::{Clock, SystemClock};
use hearth_core::profile_name::{validate_profile_name, DEFAULT_PROFILE};
use hearth_server::hooks::ListenHooks;
use hearth_server::pipeline::import::run_import;
use hearth_server::reco::RecoService;
use hearth_sources::FormatRequest;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::path::PathBuf;
use std::sync::Arc;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// `auto` (detect from content), or one of: spotify-extended, spotify-account, lastfm-csv,
    /// listenbrainz, librefm, rockbox, maloja, panoscrobbler, spinitron.
    pub format: String,
    /// Export files, folders or `.zip` archives.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Profile the listens belong to (created when it does not exist).
    #[arg(long, default_value = DEFAULT_PROFILE)]
    pub profile: String,
    /// Print the summary as JSON instead of a table.
    #[arg(long)]
    pub json: bool,
    /// No progress bar.
    #[arg(long)]
    pub quiet: bool,
}

pub async fn run(settings: Settings, args: Args) -> anyhow::Result<()> {
    let format: FormatRequest = args
        .format
        .parse()
        .with_context(|| format!("unknown format {:?}", args.format))?;
    validate_profile_name(&args.profile)?;
    let store = settings.open_store().await?;
    let (profile, created) = store
        .ensure_profile(&args.profile, SystemClock.now_ms())
        .await?;
    if created {
        eprintln!("created profile {}", profile.name);
    }
    let bar = if args.quiet {
        ProgressBar::hidden()
    } else {
        ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr())
    };
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {wide_bar} {bytes}/{total_bytes} {msg}",
        )
        .context("progress bar template")?,
    );
    // Imported listens update taste exactly as live ones do: the same taste hook the server
    // registers, fed per committed batch; the result is written to the store at the end.
    let hooks = ListenHooks::default();
    let reco = Arc::new(RecoService::new(store.clone(), &settings.config));
    hooks.add(reco.clone());
    let bar_cb = bar.clone();
    let report = run_import(
        store,
        hooks,
        args.paths.clone(),
        format,
        profile.id,
        move |p| {
            bar_cb.set_length(p.bytes_total.max(p.bytes_read));
            bar_cb.set_position(p.bytes_read);
            bar_cb.set_message(format!(
                "{} rows, {} new, {} dup · file {}/{}",
                p.rows, p.imported, p.duplicate, p.file_index, p.files_total
            ));
        },
    )
    .await;
    bar.finish_and_clear();
    let report = report?;
    reco.flush()
        .await
        .context("writing the updated taste profile")?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", report.summary());
        for i in &report.ignored {
            println!("ignored {}: {}", i.name, i.reason);
        }
        println!(
            "profile {}: {} listens imported",
            profile.name, report.total.imported
        );
    }
    Ok(())
}
