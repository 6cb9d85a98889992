//! `hearth demo` — a fresh data directory with a synthetic household (see `crate::demo`), then
//! the dashboard on it, so a newcomer sees recommendations, reasons and playlists in a minute.

use crate::demo::{self, DemoOptions};
use crate::settings::Settings;
use anyhow::Context;
use hearth_core::clock::{Clock, SystemClock};
use hearth_server::reco::RecoService;
use hearth_server::AppState;
use std::sync::Arc;

#[derive(clap::Args, Debug)]
#[command(after_help = "Examples:
  hearth demo                                   # ./hearth-demo, then http://127.0.0.1:8321
  hearth --data-dir /tmp/hearth-demo demo --no-serve
  hearth --data-dir /tmp/hearth-demo recommend --profile alice")]
pub struct Args {
    /// Only create the data; do not start the server.
    #[arg(long)]
    pub no_serve: bool,
    /// Synthesised clips per style (six styles).
    #[arg(long, default_value_t = 40, value_parser = clap::value_parser!(u32).range(2..=500))]
    pub tracks_per_style: u32,
    /// Address for the dashboard [default: the configured bind, 127.0.0.1:8321]
    #[arg(long, value_name = "ADDR")]
    pub bind: Option<String>,
}

/// The data directory the demo uses when none is given: not the real `./hearth-data`.
pub const DEFAULT_DEMO_DIR: &str = "./hearth-demo";

pub async fn run(settings: Settings, args: Args) -> anyhow::Result<()> {
    let store = settings.open_store().await?;
    let url = settings.config.effective_database_url();
    let reco = RecoService::new(store.clone(), &settings.config);
    let opts = DemoOptions {
        tracks_per_style: args.tracks_per_style as usize,
        ..DemoOptions::default()
    };
    let total = opts.tracks_per_style * 6;
    let bar = indicatif::ProgressBar::new(total as u64).with_style(
        indicatif::ProgressStyle::with_template(
            "analysing clips {bar:30} {pos}/{len} [{elapsed_precise}]",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let progress = |n: usize, _total: usize| bar.set_position(n as u64);
    let now = SystemClock.now_ms();
    let summary = demo::generate(&store, &reco, &opts, now, &progress).await?;
    bar.finish_and_clear();
    println!(
        "demo household ready in {url}: {} tracks analysed, {} listens, {} feedback for {}",
        summary.tracks,
        summary.listens,
        summary.feedback,
        summary.profiles.join(", ")
    );
    if args.no_serve {
        return Ok(());
    }
    settings.init_logging();
    let bind = args
        .bind
        .unwrap_or_else(|| settings.config.server.bind.clone());
    let listener = tokio::net::TcpListener::bind(&bind)
        .await
        .with_context(|| format!("cannot listen on {bind}"))?;
    let addr = listener.local_addr()?;
    let state = AppState::new(store, settings.config, Arc::new(SystemClock));
    println!("dashboard: http://{addr}/  (Ctrl-C to stop)");
    hearth_server::serve(listener, state, super::serve::shutdown_signal()).await?;
    Ok(())
}
