//! `hearth cycling N` — sets a profile's cycling aggressiveness (1–10): how much of the living
//! playlist one refresh may change (5 = `max_change_per_refresh`, 10 = twice that).

use crate::cmd::refresh::open_living;
use crate::settings::Settings;
use hearth_core::clock::{Clock, SystemClock};
use hearth_core::dynamic::change_budget;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// 1 (gentle) to 10 (aggressive); omitted: show the current value.
    pub value: Option<i64>,
    /// Profile name (default `default`).
    #[arg(long)]
    pub profile: Option<String>,
}

pub async fn run(settings: Settings, args: Args) -> anyhow::Result<()> {
    if let Some(v) = args.value {
        hearth_core::dynamic::validate_aggressiveness(v)?;
    }
    let (_store, living, p) = open_living(&settings, args.profile.as_deref()).await?;
    let params = match args.value {
        Some(v) => living
            .set_aggressiveness(p.id, v, SystemClock.now_ms())
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?,
        None => living
            .params(p.id)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?,
    };
    let verb = if args.value.is_some() { "set to" } else { "is" };
    println!(
        "Cycling of {} {verb} {}/10: a refresh changes at most {} of {} tracks",
        p.name,
        params.aggressiveness,
        change_budget(&params),
        params.target_size
    );
    Ok(())
}
