use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use tenantry_store::{DATABASE_URL_ENV, DATA_DIR_ENV};

/// Tenantry's command line: check and inspect client onboardings headlessly, over the
/// same mirror as the desktop app.
#[derive(Debug, Parser)]
#[command(name = "tenantry", version, about, propagate_version = true)]
pub struct Cli {
    #[command(flatten)]
    pub mirror: MirrorArgs,

    /// Log what happens (to stderr); TENANTRY_LOG=debug for more.
    #[arg(long, short, global = true)]
    pub verbose: bool,

    #[command(subcommand)]
    pub command: Command,
}

/// Which mirror to read. Without either option, the desktop app's own mirror.
#[derive(Debug, Args)]
pub struct MirrorArgs {
    /// Data directory holding the embedded SQLite mirror [default: the app's, e.g.
    /// ~/.local/share/dev.tenantry.desktop]
    #[arg(long, global = true, env = DATA_DIR_ENV, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,

    /// Use this database instead of the embedded SQLite file (postgres://…)
    #[arg(long, global = true, env = DATABASE_URL_ENV, value_name = "URL", hide_env_values = true)]
    pub database_url: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Drafts: onboardings started on this machine and not yet submitted
    Drafts {
        #[command(subcommand)]
        command: DraftsCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum DraftsCommand {
    /// List every draft, newest first
    List {
        /// Output format
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Aligned columns for people
    Table,
    /// A JSON array for programs
    Json,
}
