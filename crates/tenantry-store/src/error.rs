use std::path::PathBuf;

/// Why the mirror could not do what was asked. Messages name the database but never a
/// password; callers that show errors to users decide how much of this to reveal.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("could not create the data directory {path}: {source}")]
    CreateDataDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("'{0}' is not a database URL Tenantry can use; expected postgres://… or sqlite://…")]
    UnsupportedUrl(String),
    #[error("could not open the mirror at {location}: {source}")]
    Open {
        location: String,
        source: sqlx::Error,
    },
    #[error("could not bring the mirror's schema up to date: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("the mirror failed a query: {0}")]
    Query(#[from] sqlx::Error),
    #[error("the mirror holds a {table} row ({id}) this version cannot read: {detail}")]
    CorruptRow {
        table: &'static str,
        id: String,
        detail: String,
    },
}
