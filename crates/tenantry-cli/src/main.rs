//! `tenantry`: Tenantry's command line, over the same core and mirror as the desktop app.

mod args;
mod drafts;
mod mirror;
mod output;

use std::process::ExitCode;

use clap::Parser;

use crate::args::{Cli, Command, DraftsCommand};

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(cli.verbose);
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => return output::fail(&format!("could not start the async runtime: {error}")),
    };
    let result = runtime.block_on(async {
        match cli.command {
            Command::Drafts {
                command: DraftsCommand::List { format },
            } => drafts::list(&cli.mirror, format).await,
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => output::fail(&message),
    }
}

/// Logs go to stderr so that stdout stays clean for `--format json`.
fn init_logging(verbose: bool) {
    let default = if verbose { "info" } else { "warn" };
    let filter = tracing_subscriber::EnvFilter::try_from_env("TENANTRY_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .init();
}
