//! `tenantry-server`: serve the API, or register the first admin.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use tenantry_server::catalog::{
    init_platform_key, parse_period, publish, read_catalog_file, Publication,
};
use tenantry_server::rate_limit::RateLimit;
use tenantry_server::state::{DEFAULT_MAX_BATCH, DEFAULT_MAX_BODY_BYTES, DEFAULT_ORGANISATION};
use tenantry_server::{
    bootstrap_admin, serve, AppState, BootstrapOutcome, Database, DatabaseUrl, ServerConfig,
};
use tracing_subscriber::EnvFilter;

/// glibc's malloc spent ~45 % of a push's CPU time on the blocking pool's threads
/// (BENCHMARKS.md, issue 5); mimalloc's per-thread heaps do not contend.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Debug, Parser)]
#[command(
    name = "tenantry-server",
    version,
    about = "Tenantry's reference platform server: staff keys, signed change sets, approvals"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the HTTP API (plain HTTP: put it behind a TLS-terminating proxy)
    Serve {
        /// Address to listen on (port 0: any free port; the address is logged)
        #[arg(long, env = "TENANTRY_SERVER_LISTEN", default_value = "127.0.0.1:8480")]
        listen: SocketAddr,
        #[command(flatten)]
        database: DatabaseArg,
        /// The platform organisation every change set must name
        #[arg(long, env = "TENANTRY_SERVER_ORGANISATION", default_value = DEFAULT_ORGANISATION)]
        organisation: String,
        /// Largest request body accepted, in bytes (413 beyond)
        #[arg(long, env = "TENANTRY_SERVER_MAX_BODY_BYTES", default_value_t = DEFAULT_MAX_BODY_BYTES)]
        max_body_bytes: usize,
        /// Most envelopes in one batch
        #[arg(long, env = "TENANTRY_SERVER_MAX_BATCH", default_value_t = DEFAULT_MAX_BATCH)]
        max_batch: usize,
        /// Requests per second each key may make on average (0: no limit)
        #[arg(long, env = "TENANTRY_SERVER_RATE_LIMIT_PER_SECOND", default_value_t = RateLimit::default().per_second)]
        rate_limit_per_second: f64,
        /// Requests a key may make at once after a quiet spell
        #[arg(long, env = "TENANTRY_SERVER_RATE_LIMIT_BURST", default_value_t = RateLimit::default().burst)]
        rate_limit_burst: f64,
    },
    /// Register the first admin's key, approved, and print their bearer token once.
    /// Refuses when an approved admin exists already.
    BootstrapAdmin {
        #[arg(long)]
        name: String,
        /// The admin's ed25519 public key, 64 hex characters (`tenantry key show`)
        #[arg(long = "public-key", value_name = "HEX")]
        public_key: String,
        #[command(flatten)]
        database: DatabaseArg,
    },
    /// The platform key that signs the catalog: an owner-only key file
    PlatformKey {
        #[command(subcommand)]
        command: PlatformKeyCommand,
    },
    /// The catalog clients pull with `tenantry catalog pull`, signed by the platform key
    Catalog {
        #[command(subcommand)]
        command: CatalogCommand,
    },
}

#[derive(Debug, Subcommand)]
enum PlatformKeyCommand {
    /// Make a new platform key in an owner-only file (mode 0600) and print its public
    /// key for the clients' configuration. Refuses to overwrite an existing file
    Init {
        #[arg(long = "key-file", value_name = "PATH")]
        key_file: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
enum CatalogCommand {
    /// Sign a catalog file with the platform key and store it as the newest version,
    /// served at GET /v1/catalog. Refuses a version not above the published one
    Publish {
        /// The platform key file (`platform-key init`)
        #[arg(
            long = "key-file",
            env = "TENANTRY_SERVER_PLATFORM_KEY_FILE",
            value_name = "PATH"
        )]
        key_file: PathBuf,
        /// The catalog (JSON, the shape `tenantry catalog show --format json` prints)
        #[arg(long, value_name = "FILE")]
        catalog: PathBuf,
        /// The version [default: one above the published version, 1 for the first]
        #[arg(long, value_name = "N")]
        version: Option<u64>,
        /// How long clients accept it: a number with s, m, h or d
        #[arg(long = "expires-in", value_name = "PERIOD", default_value = "30d")]
        expires_in: String,
        /// The platform organisation (the one `serve` runs for)
        #[arg(long, env = "TENANTRY_SERVER_ORGANISATION", default_value = DEFAULT_ORGANISATION)]
        organisation: String,
        #[command(flatten)]
        database: DatabaseArg,
    },
}

#[derive(Debug, Args)]
struct DatabaseArg {
    /// sqlite://PATH or postgres://user:pass@host:5432/db [default: a SQLite file in
    /// the platform data directory, e.g. ~/.local/share/tenantry-server/server.db]
    #[arg(
        long = "database-url",
        env = "TENANTRY_SERVER_DATABASE_URL",
        value_name = "URL"
    )]
    url: Option<String>,
}

impl DatabaseArg {
    fn resolve(&self) -> Result<DatabaseUrl, String> {
        match &self.url {
            Some(url) => DatabaseUrl::parse(url).map_err(|error| error.to_string()),
            None => Ok(DatabaseUrl::sqlite_file(&default_database_file()?)),
        }
    }
}

fn default_database_file() -> Result<PathBuf, String> {
    dirs::data_dir()
        .map(|dir| dir.join("tenantry-server").join("server.db"))
        .ok_or_else(|| "no data directory is known for this user; pass --database-url".to_owned())
}

/// JSON lines on stderr, one object per event, with the request span's fields (among
/// them the request id). `TENANTRY_SERVER_LOG` (or `RUST_LOG`) sets the filter.
fn init_logging() {
    let filter = std::env::var("TENANTRY_SERVER_LOG")
        .ok()
        .and_then(|text| EnvFilter::try_new(text).ok())
        .or_else(|| EnvFilter::try_from_default_env().ok())
        .unwrap_or_else(|| EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .json()
        .with_env_filter(filter)
        .with_current_span(true)
        .with_span_list(false)
        .with_writer(std::io::stderr)
        .init();
}

async fn shutdown_signal() {
    let interrupt = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {}
        () = terminate => {}
    }
    tracing::info!("shutting down: finishing the requests in flight");
}

async fn run(cli: Cli) -> Result<(), String> {
    match cli.command {
        Command::Serve {
            listen,
            database,
            organisation,
            max_body_bytes,
            max_batch,
            rate_limit_per_second,
            rate_limit_burst,
        } => {
            let url = database.resolve()?;
            let db = Database::open(&url)
                .await
                .map_err(|error| error.to_string())?;
            let config = ServerConfig {
                organisation,
                max_body_bytes,
                max_batch: max_batch.max(1),
                rate_limit: RateLimit {
                    per_second: rate_limit_per_second,
                    burst: rate_limit_burst,
                },
            };
            let listener = tokio::net::TcpListener::bind(listen)
                .await
                .map_err(|error| format!("cannot listen on {listen}: {error}"))?;
            let address = listener
                .local_addr()
                .map_err(|error| format!("cannot read the listening address: {error}"))?;
            tracing::info!(
                address = %address,
                database = %url,
                organisation = %config.organisation,
                "listening"
            );
            serve(
                listener,
                AppState::new(db.clone(), config),
                shutdown_signal(),
            )
            .await
            .map_err(|error| format!("the server stopped: {error}"))?;
            db.close().await;
            Ok(())
        }
        Command::BootstrapAdmin {
            name,
            public_key,
            database,
        } => {
            let url = database.resolve()?;
            let db = Database::open(&url)
                .await
                .map_err(|error| error.to_string())?;
            let outcome = bootstrap_admin(&db, &name, &public_key)
                .await
                .map_err(|error| error.to_string());
            db.close().await;
            match outcome? {
                BootstrapOutcome::Created { key_id, token } => {
                    println!("key_id: {key_id}");
                    println!("token: {token}");
                    eprintln!("The admin's key is approved. Keep the token: it is shown only this once.");
                    Ok(())
                }
                BootstrapOutcome::AdminExists => Err(
                    "an approved admin exists already; register new keys with POST /v1/keys and have an admin approve them"
                        .to_owned(),
                ),
                BootstrapOutcome::KeyExists => Err(
                    "this public key is registered already; an admin can approve it".to_owned(),
                ),
            }
        }
        Command::PlatformKey {
            command: PlatformKeyCommand::Init { key_file },
        } => {
            let public = init_platform_key(&key_file).map_err(|error| error.to_string())?;
            println!("key_id: {}", public.key_id());
            println!("public_key: {}", public.to_hex());
            eprintln!(
                "The platform key is in {} (owner-only). Give clients the public key \
                 (TENANTRY_PLATFORM_KEY) and keep the file off the serving machine.",
                key_file.display()
            );
            Ok(())
        }
        Command::Catalog {
            command:
                CatalogCommand::Publish {
                    key_file,
                    catalog,
                    version,
                    expires_in,
                    organisation,
                    database,
                },
        } => {
            let valid_for = parse_period(&expires_in).map_err(|error| error.to_string())?;
            let catalog = read_catalog_file(&catalog).map_err(|error| error.to_string())?;
            let url = database.resolve()?;
            let db = Database::open(&url)
                .await
                .map_err(|error| error.to_string())?;
            let outcome = publish(
                &db,
                Publication {
                    key_file: &key_file,
                    catalog,
                    organisation: &organisation,
                    version,
                    valid_for,
                },
            )
            .await
            .map_err(|error| error.to_string());
            db.close().await;
            let published = outcome?;
            println!("version: {}", published.version);
            println!("issued_at: {}", published.issued_at);
            println!("expires_at: {}", published.expires_at);
            println!("key_id: {}", published.key_id);
            Ok(())
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("tenantry-server: cannot start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            tracing::error!(error = %message, "tenantry-server failed");
            eprintln!("tenantry-server: {message}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_well_formed() {
        Cli::command().debug_assert();
        let cli = Cli::try_parse_from([
            "tenantry-server",
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--database-url",
            "sqlite:///tmp/x.db",
        ])
        .expect("parses");
        match cli.command {
            Command::Serve {
                listen, database, ..
            } => {
                assert_eq!(listen.port(), 0);
                assert!(database.resolve().is_ok());
            }
            other => panic!("expected serve, got {other:?}"),
        }
        assert!(
            default_database_file().is_ok_and(|path| path.ends_with("tenantry-server/server.db"))
        );
        let cli = Cli::try_parse_from([
            "tenantry-server",
            "catalog",
            "publish",
            "--key-file",
            "platform.key",
            "--catalog",
            "catalog.json",
            "--version",
            "7",
        ])
        .expect("parses");
        match cli.command {
            Command::Catalog {
                command:
                    CatalogCommand::Publish {
                        version,
                        expires_in,
                        ..
                    },
            } => {
                assert_eq!(version, Some(7));
                assert_eq!(expires_in, "30d");
            }
            other => panic!("expected catalog publish, got {other:?}"),
        }
    }
}
