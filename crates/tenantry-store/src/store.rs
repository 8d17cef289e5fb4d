use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, SqlitePool};

use crate::location::{DatabaseKind, Location};
use crate::StoreError;

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations/postgres");

/// How long a command waits for a connection (or a locked SQLite file) before it fails
/// with an error the user can read, rather than hanging the window.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// sqlx retries a refused Postgres connection until this runs out; a wrong URL or a
/// stopped server should be reported at start-up within seconds, not ten.
const POSTGRES_CONNECT_TIMEOUT: Duration = Duration::from_secs(4);

/// An open mirror with its schema up to date. Cheap to clone: the pools are shared.
#[derive(Clone, Debug)]
pub struct Store {
    pub(crate) backend: Backend,
    location: std::sync::Arc<Location>,
}

#[derive(Clone, Debug)]
pub(crate) enum Backend {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// A transaction that writes. On SQLite it takes the file's write lock when it begins
/// (`BEGIN IMMEDIATE`): a deferred transaction that reads first and writes later cannot
/// wait for another writer (SQLite refuses the upgrade at once, "database is locked",
/// without the busy timeout), so two overlapping writers failed one of them: a submission
/// meeting the draft's autosave or the tenant list's progress. Begun immediately, the
/// second waits its turn (up to the busy timeout). Postgres' row locks need nothing more.
pub(crate) trait BeginWrite {
    type Database: sqlx::Database;

    async fn begin_write(&self) -> Result<sqlx::Transaction<'static, Self::Database>, sqlx::Error>;
}

impl BeginWrite for SqlitePool {
    type Database = sqlx::Sqlite;

    async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>, sqlx::Error> {
        self.begin_with("BEGIN IMMEDIATE").await
    }
}

impl BeginWrite for PgPool {
    type Database = sqlx::Postgres;

    async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Postgres>, sqlx::Error> {
        self.begin().await
    }
}

/// Runs the same expression against whichever pool the mirror uses. The SQL is shared:
/// both engines accept `$1`-style parameters.
macro_rules! on_pool {
    ($backend:expr, |$pool:ident| $body:expr) => {
        match $backend {
            $crate::store::Backend::Sqlite($pool) => $body,
            $crate::store::Backend::Postgres($pool) => $body,
        }
    };
}
pub(crate) use on_pool;

impl Store {
    /// Opens (creating it if needed) the mirror at `location` and applies every pending
    /// migration before returning, so no caller ever sees an old schema.
    #[tracing::instrument(skip_all, fields(location = %location))]
    pub async fn open(location: Location) -> Result<Self, StoreError> {
        let backend = match &location {
            Location::SqliteFile(path) => {
                if let Some(dir) = path.parent().filter(|dir| !dir.as_os_str().is_empty()) {
                    std::fs::create_dir_all(dir).map_err(|source| StoreError::CreateDataDir {
                        path: dir.to_owned(),
                        source,
                    })?;
                }
                let options = SqliteConnectOptions::new()
                    .filename(path)
                    .create_if_missing(true)
                    .journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Normal)
                    .foreign_keys(true)
                    .busy_timeout(CONNECT_TIMEOUT);
                let pool = SqlitePoolOptions::new()
                    .max_connections(4)
                    .acquire_timeout(CONNECT_TIMEOUT)
                    .connect_with(options)
                    .await
                    .map_err(|source| open_error(&location, source))?;
                SQLITE_MIGRATIONS.run(&pool).await?;
                Backend::Sqlite(pool)
            }
            Location::Postgres(url) => {
                let options = PgConnectOptions::from_str(url)
                    .map_err(|source| open_error(&location, source))?;
                let pool = PgPoolOptions::new()
                    .max_connections(8)
                    .acquire_timeout(POSTGRES_CONNECT_TIMEOUT)
                    .connect_with(options)
                    .await
                    .map_err(|source| open_error(&location, source))?;
                POSTGRES_MIGRATIONS.run(&pool).await?;
                Backend::Postgres(pool)
            }
        };
        tracing::info!("mirror open");
        Ok(Self {
            backend,
            location: std::sync::Arc::new(location),
        })
    }

    pub fn kind(&self) -> DatabaseKind {
        self.location.kind()
    }

    pub fn location(&self) -> &Location {
        &self.location
    }

    /// Waits for queries in flight and closes every connection (SQLite then checkpoints
    /// its write-ahead log into the main file).
    pub async fn close(&self) {
        on_pool!(&self.backend, |pool| pool.close().await);
    }
}

fn open_error(location: &Location, source: sqlx::Error) -> StoreError {
    StoreError::Open {
        location: location.to_string(),
        source,
    }
}
