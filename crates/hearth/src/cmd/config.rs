//! `hearth config show|defaults` — the effective configuration (secrets redacted).

use crate::settings::Settings;

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(subcommand)]
    pub action: Action,
}

#[derive(clap::Subcommand, Debug)]
pub enum Action {
    /// Print the effective configuration as TOML, secrets redacted.
    Show {
        /// Print JSON instead of TOML.
        #[arg(long)]
        json: bool,
    },
    /// Print the commented default configuration (a starting hearth.toml).
    Defaults,
}

pub fn run(settings: Settings, args: Args) -> anyhow::Result<()> {
    match args.action {
        Action::Show { json } => {
            if json {
                println!("{}", serde_json::to_string_pretty(&settings.config)?);
            } else {
                if let Some(f) = &settings.config_file {
                    println!("# from {} + HEARTH_* environment + flags", f.display());
                } else {
                    println!("# built-in defaults + HEARTH_* environment + flags");
                }
                println!(
                    "# database in effect: {}",
                    hearth_core::config::redact_url(&settings.config.effective_database_url())
                );
                print!("{}", settings.config.to_redacted_toml());
            }
        }
        Action::Defaults => print!("{}", hearth_core::config::DEFAULT_TOML),
    }
    Ok(())
}
