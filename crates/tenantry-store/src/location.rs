//! Where the mirror lives: resolved the same way by the desktop app and the CLI, so both
//! see the same drafts without any configuration.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::Serialize;

/// The desktop app's identifier; also the name of its data directory.
pub const APP_IDENTIFIER: &str = "dev.tenantry.desktop";
/// Overrides the data directory (tests use it to isolate runs).
pub const DATA_DIR_ENV: &str = "TENANTRY_DATA_DIR";
/// Selects a database other than the embedded SQLite file, e.g. `postgres://…`.
pub const DATABASE_URL_ENV: &str = "TENANTRY_DATABASE_URL";
/// The embedded mirror's file inside the data directory.
pub const SQLITE_FILE_NAME: &str = "tenantry.sqlite3";

/// Which database engine holds the mirror.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum DatabaseKind {
    Sqlite,
    Postgres,
}

/// A mirror's address: a SQLite file or a Postgres URL.
#[derive(Clone, PartialEq, Eq)]
pub enum Location {
    SqliteFile(PathBuf),
    Postgres(String),
}

/// The per-user data directory (`$XDG_DATA_HOME/dev.tenantry.desktop` on Linux), the
/// same directory Tauri's `app_data_dir` names for the desktop app.
pub fn default_data_dir() -> Option<PathBuf> {
    dirs::data_dir().map(|dir| dir.join(APP_IDENTIFIER))
}

impl Location {
    /// Chooses the mirror from explicit settings: a database URL wins; otherwise the
    /// SQLite file in `data_dir`.
    pub fn resolve(data_dir: &Path, database_url: Option<&str>) -> Result<Self, crate::StoreError> {
        match database_url.map(str::trim).filter(|url| !url.is_empty()) {
            None => Ok(Self::SqliteFile(data_dir.join(SQLITE_FILE_NAME))),
            Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
                Ok(Self::Postgres(url.to_owned()))
            }
            Some(url) => match url.strip_prefix("sqlite://") {
                Some(path) if !path.is_empty() => Ok(Self::SqliteFile(PathBuf::from(path))),
                _ => Err(crate::StoreError::UnsupportedUrl(redact(url))),
            },
        }
    }

    pub fn kind(&self) -> DatabaseKind {
        match self {
            Self::SqliteFile(_) => DatabaseKind::Sqlite,
            Self::Postgres(_) => DatabaseKind::Postgres,
        }
    }
}

/// Shows the location with any password replaced, so it can be logged and displayed.
impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::SqliteFile(path) => write!(f, "{}", path.display()),
            Self::Postgres(url) => f.write_str(&redact(url)),
        }
    }
}

impl fmt::Debug for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Location({self})")
    }
}

/// Replaces the password in `scheme://user:password@host/…` with `***`, and drops
/// query parameters (they can carry `password=` too).
fn redact(url: &str) -> String {
    let without_query = url.split(['?', '#']).next().unwrap_or_default();
    let Some((scheme, rest)) = without_query.split_once("://") else {
        return "<not a URL>".to_owned();
    };
    match rest.rsplit_once('@') {
        Some((credentials, host)) => {
            let user = credentials.split(':').next().unwrap_or_default();
            if credentials.contains(':') {
                format!("{scheme}://{user}:***@{host}")
            } else {
                format!("{scheme}://{user}@{host}")
            }
        }
        None => format!("{scheme}://{rest}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_a_url_the_mirror_is_the_sqlite_file_in_the_data_dir() {
        let location = Location::resolve(Path::new("/data"), None).expect("resolves");
        assert_eq!(
            location,
            Location::SqliteFile(PathBuf::from("/data/tenantry.sqlite3"))
        );
        assert_eq!(location.kind(), DatabaseKind::Sqlite);
        // A blank variable is treated as unset, not as an error.
        assert_eq!(
            Location::resolve(Path::new("/data"), Some("  ")).expect("resolves"),
            location
        );
    }

    #[test]
    fn a_postgres_url_selects_postgres() {
        for url in ["postgres://u@db/tenantry", "postgresql://u@db/tenantry"] {
            let location = Location::resolve(Path::new("/data"), Some(url)).expect("resolves");
            assert_eq!(location.kind(), DatabaseKind::Postgres);
        }
    }

    #[test]
    fn a_sqlite_url_names_a_file() {
        let location =
            Location::resolve(Path::new("/data"), Some("sqlite:///tmp/x.db")).expect("resolves");
        assert_eq!(location, Location::SqliteFile(PathBuf::from("/tmp/x.db")));
    }

    #[test]
    fn other_urls_are_refused_without_echoing_a_password() {
        let error = Location::resolve(Path::new("/d"), Some("mysql://root:hunter2@db/x"))
            .expect_err("unsupported");
        let message = error.to_string();
        assert!(message.contains("mysql://root:***@db/x"), "{message}");
        assert!(!message.contains("hunter2"));
        assert!(Location::resolve(Path::new("/d"), Some("sqlite://")).is_err());
    }

    #[test]
    fn passwords_never_show_in_display_or_debug() {
        let location = Location::Postgres("postgres://app:s3cret@db:5432/t?password=s3cret".into());
        assert_eq!(location.to_string(), "postgres://app:***@db:5432/t");
        assert!(!format!("{location:?}").contains("s3cret"));
        assert_eq!(redact("postgres://app@db/t"), "postgres://app@db/t");
        assert_eq!(redact("postgres://db/t"), "postgres://db/t");
        assert_eq!(redact("garbage"), "<not a URL>");
    }

    #[test]
    fn the_default_data_dir_ends_with_the_app_identifier() {
        let dir = default_data_dir().expect("tests run with a home directory");
        assert!(dir.ends_with(APP_IDENTIFIER));
    }
}
