//! The desktop shell. It owns windows, IPC and OS glue; every decision is made by the
//! core crates it calls. Start-up order matters: panic hook, then logging, then the
//! app's state, whose mirror (migrated) every command waits for.

mod audit;
mod commands;
mod error;
mod logging;
mod progress;
mod settings;
mod signing;
mod state;
mod sync;

use std::process::ExitCode;

pub use commands::specta_builder;
pub use error::{AppError, ErrorCode};

use crate::settings::Settings;
use crate::state::AppState;

/// Runs the app until its last window closes.
pub fn run() -> ExitCode {
    logging::install_panic_hook();
    let settings = match Settings::from_env() {
        Ok(settings) => settings,
        Err(message) => {
            eprintln!("tenantry-desktop: {message}");
            return ExitCode::FAILURE;
        }
    };
    // Keep the guard alive for the whole run: dropping it flushes and stops the log writer.
    let _log_guard = match logging::init(&settings.log_dir) {
        Ok(guard) => guard,
        Err(message) => {
            eprintln!("tenantry-desktop: {message}");
            return ExitCode::FAILURE;
        }
    };
    tracing::info!(version = env!("CARGO_PKG_VERSION"), data_dir = %settings.data_dir.display(), "starting");

    let started = std::time::Instant::now();
    let builder = specta_builder();
    let result = tauri::Builder::default()
        .invoke_handler(builder.invoke_handler())
        .setup(move |app| {
            // How long the window took to exist: the start-up's own part (BENCHMARKS.md).
            tracing::info!(elapsed_ms = started.elapsed().as_millis(), "window created");
            builder.mount_events(app);
            // Nothing slow here: see `state` for why the mirror opens in the background.
            tauri::Manager::manage(app, AppState::new(settings));
            let handle = app.handle().clone();
            tauri::async_runtime::spawn(async move {
                tauri::Manager::state::<AppState>(&handle).warm_up().await;
            });
            sync::start_background(app.handle().clone());
            progress::start_background(app.handle().clone());
            Ok(())
        })
        .run(tauri::generate_context!());
    match result {
        Ok(()) => {
            tracing::info!("stopped");
            ExitCode::SUCCESS
        }
        Err(error) => {
            tracing::error!(%error, "the app could not run");
            eprintln!("tenantry-desktop: {error}");
            ExitCode::FAILURE
        }
    }
}
