//! `hearth serve` — the HTTP server on the configured store.

use crate::settings::Settings;
use anyhow::Context;
use hearth_core::clock::SystemClock;
use hearth_server::living::{spawn_scheduler, LivingService};
use hearth_server::AppState;
use std::sync::Arc;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Address to listen on [env: HEARTH_BIND] [default: 127.0.0.1:8321]
    #[arg(long, value_name = "ADDR")]
    pub bind: Option<String>,
}

pub async fn run(settings: Settings, _args: Args) -> anyhow::Result<()> {
    settings.init_logging();
    let store = settings.open_store().await?;
    let bind = settings.config.server.bind.clone();
    let listener = tokio::net::TcpListener::bind(&bind)
        .await
        .with_context(|| format!("cannot listen on {bind}"))?;
    let addr = listener.local_addr()?;
    // Playback targets (Home Assistant / Music Assistant, MPD) for `auto_play`; a target that is
    // not configured answers "not configured" when used, a misconfigured one stops start-up.
    let players = hearth_play::Players::from_config(&settings.config)
        .context("invalid [home_assistant] / [mpd] configuration")?;
    let state =
        AppState::new(store, settings.config, Arc::new(SystemClock)).with_player(Arc::new(players));
    // Scheduled living-playlist refreshes ([cycling] refresh_interval_hours; 0 = off).
    let living = LivingService::new(
        state.store.clone(),
        state.config.clone(),
        state.reco.clone(),
    );
    let _scheduler = spawn_scheduler(
        living,
        state.clock.clone(),
        state.config.cycling.refresh_interval_hours,
    );
    hearth_server::pipeline::library::start_in_server(&state);
    tracing::info!(%addr, backend = state.store.backend(), "hearth is listening");
    // A machine-readable line on stdout: scripts and tests learn the port when binding port 0.
    println!("hearth listening on http://{addr}");
    hearth_server::serve(listener, state, shutdown_signal()).await?;
    tracing::info!("hearth stopped");
    Ok(())
}

/// Resolves on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutdown requested; finishing in-flight requests");
}
