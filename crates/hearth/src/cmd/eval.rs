//! `hearth eval …` — offline recommendation-quality evaluation (SPEC §14). The rankers measured
//! are the ones that serve `/api/recommendations` (`hearth_core::scoring`), beside the standard
//! baselines.

use anyhow::Context;
use hearth_eval::{EvalOptions, EvalReport};
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(subcommand)]
    pub dataset: Dataset,
}

#[derive(clap::Args, Debug)]
pub struct Common {
    /// The dataset folder.
    pub dir: PathBuf,
    /// Baselines only (MostPopular, ItemKNN), still over every user.
    #[arg(long)]
    pub fast: bool,
    /// Seed of the held-out split.
    #[arg(long, default_value_t = 2011)]
    pub seed: u64,
    /// Only these rankers (comma-separated names as printed in the table).
    #[arg(long, value_delimiter = ',')]
    pub rankers: Option<Vec<String>>,
    /// Print `{"dataset", "protocol", "rankers": [{"name", "hr_at_10", "ndcg_at_10", "users"}]}`.
    #[arg(long)]
    pub json: bool,
}

#[derive(clap::Subcommand, Debug)]
pub enum Dataset {
    /// HetRec 2011 Last.fm 2K: one held-out artist per user (seed 2011), HR@10 / NDCG@10.
    Hetrec(Common),
    /// Spotify tracks + playlists: playlist continuation from audio features.
    Catalogue(Common),
    /// Descriptor quality on your own music: share of each track's 5 nearest neighbours from the
    /// same album (album tag, else folder), beside the shuffled-album floor.
    AlbumCoherence(CoherenceArgs),
}

#[derive(clap::Args, Debug)]
pub struct CoherenceArgs {
    /// Folder of audio files (searched recursively).
    pub dir: PathBuf,
    /// Worker threads (0 = one per core).
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
    /// Print `{"tracks", "albums", "coherence_at_5", "shuffled_floor"}`.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let (c, report): (&Common, EvalReport) = match &args.dataset {
        Dataset::Hetrec(c) => (
            c,
            hearth_eval::run_hetrec(&c.dir, &options(c))
                .with_context(|| format!("evaluating {}", c.dir.display()))?,
        ),
        Dataset::Catalogue(c) => (
            c,
            hearth_eval::run_catalogue(&c.dir, &options(c))
                .with_context(|| format!("evaluating {}", c.dir.display()))?,
        ),
        Dataset::AlbumCoherence(a) => return album_coherence(a),
    };
    if c.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        println!("{report}");
    }
    Ok(())
}

fn options(c: &Common) -> EvalOptions {
    EvalOptions {
        fast: c.fast,
        seed: c.seed,
        rankers: c.rankers.clone(),
    }
}

fn album_coherence(a: &CoherenceArgs) -> anyhow::Result<()> {
    let (report, failures) = hearth_audio::bench::eval_album_coherence(&a.dir, a.threads)
        .with_context(|| format!("analysing {}", a.dir.display()))?;
    for f in &failures {
        eprintln!("skipped (failed to analyse): {f}");
    }
    if a.json {
        println!("{}", serde_json::to_string(&report)?);
    } else {
        println!("{report}");
    }
    Ok(())
}
