//! Logs: a daily file in the log directory (two weeks kept), plus stderr in debug builds.

use std::path::Path;

use tracing_appender::non_blocking::WorkerGuard;
use tracing_appender::rolling::{RollingFileAppender, Rotation};
use tracing_subscriber::fmt::format::FmtSpan;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer};

/// Daily files older than this many days are deleted when a new one starts.
const KEPT_LOG_FILES: usize = 14;

/// Installed before anything else, so even a failure during start-up is recorded: to
/// stderr always, and to the log file once logging is up.
pub fn install_panic_hook() {
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let location = info
            .location()
            .map(|l| format!("{}:{}", l.file(), l.line()))
            .unwrap_or_default();
        tracing::error!(%location, "panic: {info}");
        default_hook(info);
    }));
}

/// Starts logging. `TENANTRY_LOG` (an `EnvFilter` string) overrides the default level.
/// Each command's span is logged when it closes, with how long it took.
pub fn init(log_dir: &Path) -> Result<WorkerGuard, String> {
    std::fs::create_dir_all(log_dir).map_err(|error| {
        format!(
            "cannot create the log directory {}: {error}",
            log_dir.display()
        )
    })?;
    let appender = RollingFileAppender::builder()
        .rotation(Rotation::DAILY)
        .filename_prefix("tenantry")
        .filename_suffix("log")
        .max_log_files(KEPT_LOG_FILES)
        .build(log_dir)
        .map_err(|error| format!("cannot open a log file in {}: {error}", log_dir.display()))?;
    let (file_writer, guard) = tracing_appender::non_blocking(appender);
    let filter = || {
        EnvFilter::try_from_env("TENANTRY_LOG")
            .unwrap_or_else(|_| EnvFilter::new("info,tao=warn,wry=warn"))
    };
    let file_layer = tracing_subscriber::fmt::layer()
        .with_writer(file_writer)
        .with_ansi(false)
        .with_span_events(FmtSpan::CLOSE)
        .with_filter(filter());
    let stderr_layer = cfg!(debug_assertions).then(|| {
        tracing_subscriber::fmt::layer()
            .with_writer(std::io::stderr)
            .with_span_events(FmtSpan::CLOSE)
            .with_filter(filter())
    });
    tracing_subscriber::registry()
        .with(file_layer)
        .with(stderr_layer)
        .try_init()
        .map_err(|error| format!("cannot start logging: {error}"))?;
    Ok(guard)
}
