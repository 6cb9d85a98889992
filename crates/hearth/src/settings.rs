//! Turns global flags, the config file and the environment into the one validated [`Config`]
//! (layers: defaults → file → `HEARTH_*` → flags) and initialises logging.

use anyhow::{bail, Context};
use hearth_core::config::{Config, ConfigBuilder, SECRET_KEYS};
use std::path::{Path, PathBuf};

#[derive(clap::Args, Debug, Clone)]
pub struct GlobalArgs {
    /// Configuration file (TOML). Default: ./hearth.toml when it exists.
    #[arg(long, global = true, env = "HEARTH_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Data directory (SQLite database, caches) [env: HEARTH_DATA_DIR] [default: ./hearth-data]
    #[arg(long, global = true, value_name = "DIR")]
    pub data_dir: Option<String>,
    /// Database URL: sqlite:PATH or postgres://… [env: HEARTH_DATABASE_URL] [default: sqlite:DATA_DIR/hearth.db]
    #[arg(long, global = true, value_name = "URL")]
    pub database: Option<String>,
    /// Log filter, e.g. `info`, `warn,hearth=debug` [env: HEARTH_LOG]
    #[arg(long, global = true, value_name = "FILTER")]
    pub log: Option<String>,
}

/// What every command receives.
#[derive(Debug, Clone)]
pub struct Settings {
    pub config: Config,
    pub config_file: Option<PathBuf>,
    pub log_filter: String,
}

impl Settings {
    pub fn load(global: &GlobalArgs, command: &crate::Command) -> anyhow::Result<Settings> {
        let mut b = ConfigBuilder::new();
        let file = match &global.config {
            Some(p) => Some(p.clone()),
            None => Some(PathBuf::from("hearth.toml")).filter(|p| p.exists()),
        };
        if let Some(path) = &file {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read config file {}", path.display()))?;
            check_secret_permissions(path, &text)?;
            b = b.file(&path.display().to_string(), &text)?;
        }
        if let crate::Command::Demo(_) = command {
            // The demo never writes into the real default data directory; the environment and
            // --data-dir still win.
            b = b.set(
                "data_dir",
                crate::cmd::demo::DEFAULT_DEMO_DIR,
                "hearth demo",
            )?;
        }
        b = b.env(std::env::vars())?;
        if let Some(d) = &global.data_dir {
            b = b.set("data_dir", d, "--data-dir")?;
        }
        if let Some(u) = &global.database {
            b = b.set("database_url", u, "--database")?;
        }
        if let crate::Command::Serve(args) = command {
            if let Some(bind) = &args.bind {
                b = b.set("server.bind", bind, "--bind")?;
            }
        }
        let config = b.build()?;
        let log_filter = global
            .log
            .clone()
            .or_else(|| std::env::var("HEARTH_LOG").ok())
            .unwrap_or_else(|| "info".into());
        Ok(Settings {
            config,
            config_file: file,
            log_filter,
        })
    }

    /// Installs the global tracing subscriber (structured `key=value` lines on stderr).
    pub fn init_logging(&self) {
        let filter = tracing_subscriber::EnvFilter::try_new(&self.log_filter)
            .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
        let _ = tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_writer(std::io::stderr)
            .with_target(true)
            .try_init();
    }

    /// Opens the store of the effective database URL (migrating it), creating the data
    /// directory of a SQLite database first: the first step of every command that touches data.
    pub async fn open_store(&self) -> anyhow::Result<hearth_store::DynStore> {
        self.ensure_data_dir()?;
        let url = self.config.effective_database_url();
        hearth_store::open(&url)
            .await
            .with_context(|| format!("cannot open the store at {url}"))
    }

    /// Creates the data directory for a SQLite URL inside it.
    fn ensure_data_dir(&self) -> anyhow::Result<()> {
        let url = self.config.effective_database_url();
        if let Some(path) = url.strip_prefix("sqlite:") {
            let path = path.split('?').next().unwrap_or(path);
            if let Some(parent) = Path::new(path)
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
            {
                std::fs::create_dir_all(parent).with_context(|| {
                    format!("cannot create data directory {}", parent.display())
                })?;
            }
        }
        Ok(())
    }
}

/// SPEC §13: secrets only from the environment or from a file only its owner can read.
fn check_secret_permissions(path: &Path, text: &str) -> anyhow::Result<()> {
    let table: toml::Table = match text.parse() {
        Ok(t) => t,
        Err(_) => return Ok(()), // the config layer reports the syntax error with its location
    };
    let has_secret = SECRET_KEYS.iter().any(|k| {
        let (section, key) = k.split_once('.').unwrap_or(("", k));
        table
            .get(section)
            .and_then(|s| s.get(key))
            .and_then(|v| v.as_str())
            .is_some_and(|v| !v.is_empty())
    });
    #[cfg(unix)]
    if has_secret {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path)?.permissions().mode();
        if mode & 0o077 != 0 {
            bail!(
                "{} holds secrets but is readable by others (mode {:o}); run `chmod 600 {}` or move the secrets to HEARTH_* environment variables",
                path.display(),
                mode & 0o777,
                path.display()
            );
        }
    }
    Ok(())
}
