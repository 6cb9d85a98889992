//! `hearth` — the command-line binary: parses arguments, builds the layered configuration,
//! picks the concrete adapters (the store from the database URL) and runs one subcommand.
//! Each subcommand lives in its own file under `cmd/` with its `Args` and `run()`.

mod cmd;
mod demo;
mod settings;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// Hearth — a self-hosted music recommendation engine for your household.
#[derive(Parser, Debug)]
#[command(name = "hearth", version, about, long_about = None, after_help = EXAMPLES)]
pub struct Cli {
    #[command(flatten)]
    pub global: settings::GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

const EXAMPLES: &str = "Examples:
  hearth demo                               # a synthetic household + dashboard at http://127.0.0.1:8321
  hearth serve                              # start on ./hearth-data/hearth.db, http://127.0.0.1:8321
  hearth --database postgres://u@db/hearth serve --bind 0.0.0.0:8321
  hearth import auto my_spotify_data.zip --profile alice   # import listening history
  hearth scan ~/Music                       # find and analyse music files (resumable)
  hearth recommend --profile alice --vibe \"calm acoustic\"
  hearth stats --profile alice              # listening stats and system health
  hearth config show                        # effective configuration, secrets redacted
  hearth bench webhook --seconds 20         # webhook load benchmark (SQLite; add --pg-url for PostgreSQL)
  hearth refresh --profile alice            # refresh the living playlist, print the diff
  hearth next --profile alice               # approve / reject / skip suggestions, one key each
  hearth eval hetrec ../shared/data/hetrec2011-lastfm-2k   # quality vs MostPopular / ItemKNN / ALS

Exit codes: 0 ok, 1 failure, 2 usage or configuration error.";

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run the HTTP server (API, webhook, dashboard).
    #[command(after_help = "Examples:
  hearth serve                               # http://127.0.0.1:8321 (dashboard at /)
  hearth serve --bind 0.0.0.0:8321           # reachable from the LAN
  HEARTH_API_TOKEN=secret hearth serve       # writes need Authorization: Bearer secret")]
    Serve(cmd::serve::Args),
    /// Manage listener profiles (list, create, ListenBrainz tokens).
    #[command(after_help = "Examples:
  hearth profile list
  hearth profile list --json
  hearth profile create alice --display-name Alice
  hearth profile token alice                 # token for scrobblers (POST /1/submit-listens)")]
    Profile(cmd::profile::Args),
    /// Import listening history (Spotify, Last.fm, ListenBrainz, Libre.fm, Rockbox exports).
    #[command(after_help = "Examples:
  hearth import auto my_spotify_data.zip --profile alice
  hearth import lastfm-csv scrobbles.csv --profile bob --json
  hearth import listenbrainz export.jsonl --quiet")]
    Import(cmd::import::Args),
    /// Inspect the configuration.
    #[command(after_help = "Examples:
  hearth config show                         # effective configuration, secrets redacted
  hearth --config /etc/hearth.toml config show")]
    Config(cmd::config::Args),
    /// Offline evaluation of recommendation quality (HR@10, NDCG@10) against baselines.
    #[command(after_help = "Examples:
  hearth eval hetrec ../shared/data/hetrec2011-lastfm-2k
  hearth eval hetrec ../shared/data/hetrec2011-lastfm-2k --fast --json
  hearth eval catalogue ../shared/data/spotify-tracks-genre-catalogue
  hearth eval album-coherence ~/Music")]
    Eval(cmd::eval::Args),
    /// Explained recommendations for a profile or a vibe (reads the store directly).
    #[command(after_help = "Examples:
  hearth recommend --profile alice
  hearth recommend --profile alice --vibe \"rainy sunday\" --alpha 0.3 --limit 10
  hearth recommend --vibe \"calm acoustic\"           # a guest: vibe only
  hearth recommend --profile bob --json")]
    Recommend(cmd::recommend::Args),
    /// Show or set a profile's mood.
    #[command(after_help = "Examples:
  hearth mood --profile alice                # detected mood from recent listens
  hearth mood --profile alice set \"calm acoustic\" --hours 2")]
    Mood(cmd::mood::Args),
    /// Listening statistics and system health.
    Stats(cmd::stats::Args),
    /// Create a demo household (synthesised, analysed clips; a month of listens) and serve it.
    Demo(cmd::demo::Args),
    /// Refresh a profile's living playlist now and print the diff.
    #[command(after_help = "Examples:
  hearth refresh --profile alice
  hearth refresh --profile alice --json")]
    Refresh(cmd::refresh::Args),
    /// Show or set a profile's cycling aggressiveness (1–10).
    #[command(after_help = "Examples:
  hearth cycling --profile alice             # show the current aggressiveness
  hearth cycling 7 --profile alice           # change more of the living playlist per refresh")]
    Cycling(cmd::cycling::Args),
    /// Approve, reject or skip suggestions one keypress at a time.
    #[command(after_help = "Examples:
  hearth next --profile alice                # a = approve, r = reject, s = skip, q = quit")]
    Next(cmd::next::Args),
    /// Generate, list, show and export playlists (reads the store directly).
    Playlist(cmd::playlist::Args),
    /// Run a benchmark.
    #[command(after_help = "Examples:
  hearth bench webhook --seconds 20 --clients 16
  hearth bench index --quick
  hearth bench analyze ~/Music --threads 2
  hearth bench import --rows 100000
  hearth bench recommend")]
    Bench(cmd::bench::Args),
    /// Scan music folders and analyse new or changed files on all cores.
    Scan(cmd::scan::Args),
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    let settings = match settings::Settings::load(&cli.global, &cli.command) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("hearth: configuration error: {e:#}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("hearth: cannot start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    let result = runtime.block_on(async move {
        match cli.command {
            Command::Serve(args) => cmd::serve::run(settings, args).await,
            Command::Import(args) => cmd::import::run(settings, args).await,
            Command::Config(args) => cmd::config::run(settings, args),
            Command::Profile(args) => cmd::profile::run(settings, args).await,
            Command::Recommend(args) => cmd::recommend::run(settings, args).await,
            Command::Mood(args) => cmd::mood::run(settings, args).await,
            Command::Playlist(args) => cmd::playlist::run(settings, args).await,
            Command::Bench(args) => cmd::bench::run(settings, args).await,
            Command::Stats(args) => cmd::stats::run(settings, args).await,
            Command::Demo(args) => cmd::demo::run(settings, args).await,
            Command::Refresh(args) => cmd::refresh::run(settings, args).await,
            Command::Cycling(args) => cmd::cycling::run(settings, args).await,
            Command::Next(args) => cmd::next::run(settings, args).await,
            Command::Scan(args) => cmd::scan::run(settings, args).await,
            Command::Eval(args) => cmd::eval::run(args),
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("hearth: {e:#}");
            ExitCode::from(1)
        }
    }
}
