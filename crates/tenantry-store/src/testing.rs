//! Throwaway mirrors for tests: a fresh SQLite file, or a fresh database on a real
//! Postgres server. Never skips: if Postgres does not answer, the test fails and says
//! how to provide one.

use std::path::PathBuf;

use sqlx::Connection;

use crate::{Location, Store};

/// Makes each listed `async fn case(&TestMirror)` into two tests, `sqlite::case` and
/// `postgres::case`, each on a fresh mirror, so one suite runs on both backends and a
/// failure names the engine.
#[macro_export]
macro_rules! on_both_backends {
    ($($case:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $case() {
                    let mirror = $crate::testing::TestMirror::sqlite().await;
                    super::$case(&mirror).await;
                    mirror.remove().await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test]
                async fn $case() {
                    let mirror = $crate::testing::TestMirror::postgres().await;
                    super::$case(&mirror).await;
                    mirror.remove().await;
                }
            )*
        }
    };
}

/// The Postgres server tests create their databases on.
pub const TEST_PG_URL_ENV: &str = "TENANTRY_TEST_PG_URL";
const DEFAULT_TEST_PG_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// The admin URL of the test Postgres server: `$TENANTRY_TEST_PG_URL`, or the local
/// server on 127.0.0.1:5432 with trust authentication.
pub fn postgres_admin_url() -> String {
    std::env::var(TEST_PG_URL_ENV)
        .ok()
        .filter(|url| !url.trim().is_empty())
        .unwrap_or_else(|| DEFAULT_TEST_PG_URL.to_owned())
}

/// A mirror that exists only for one test.
#[derive(Debug)]
pub struct TestMirror {
    pub store: Store,
    location: Location,
    resource: Resource,
}

#[derive(Debug)]
enum Resource {
    Directory(tempfile::TempDir),
    PostgresDatabase { admin_url: String, name: String },
}

impl TestMirror {
    /// A new SQLite mirror in a temporary data directory.
    pub async fn sqlite() -> Self {
        let dir = tempfile::tempdir().expect("create a temporary data directory");
        let location = Location::SqliteFile(dir.path().join(crate::SQLITE_FILE_NAME));
        let store = Store::open(location.clone())
            .await
            .expect("open a fresh SQLite mirror");
        Self {
            store,
            location,
            resource: Resource::Directory(dir),
        }
    }

    /// A new, empty database on the test Postgres server.
    pub async fn postgres() -> Self {
        let admin_url = postgres_admin_url();
        let name = format!("tenantry_test_{}", uuid::Uuid::now_v7().simple());
        let mut admin = sqlx::PgConnection::connect(&admin_url)
            .await
            .unwrap_or_else(|error| {
                panic!(
                    "Postgres tests need a server: none answered at {} ({error}). \
                 Start one, set {TEST_PG_URL_ENV}, or run `make test`, which starts its own.",
                    Location::Postgres(admin_url.clone())
                )
            });
        // The name is generated above from a UUID: only [a-z0-9_], so quoting is safe.
        sqlx::query(&format!("CREATE DATABASE \"{name}\""))
            .execute(&mut admin)
            .await
            .expect("create a throwaway Postgres database");
        admin.close().await.ok();
        let location = Location::Postgres(database_url(&admin_url, &name));
        let store = Store::open(location.clone())
            .await
            .expect("open a fresh Postgres mirror");
        Self {
            store,
            location,
            resource: Resource::PostgresDatabase { admin_url, name },
        }
    }

    /// Where this mirror lives, for tests that reopen it like a restarted app would.
    pub fn location(&self) -> &Location {
        &self.location
    }

    /// The data directory of a SQLite mirror (for tests that run the CLI or the app on it).
    pub fn data_dir(&self) -> Option<PathBuf> {
        match &self.resource {
            Resource::Directory(dir) => Some(dir.path().to_owned()),
            Resource::PostgresDatabase { .. } => None,
        }
    }

    /// Closes the store and removes the database or directory.
    pub async fn remove(self) {
        self.store.close().await;
        match self.resource {
            Resource::Directory(dir) => drop(dir),
            Resource::PostgresDatabase { admin_url, name } => {
                let mut admin = sqlx::PgConnection::connect(&admin_url)
                    .await
                    .expect("reconnect to drop the test database");
                sqlx::query(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                    .execute(&mut admin)
                    .await
                    .expect("drop the test database");
            }
        }
    }
}

/// `admin_url` with its database name replaced by `database`.
fn database_url(admin_url: &str, database: &str) -> String {
    let (base, query) = match admin_url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (admin_url, None),
    };
    let authority_start = base.find("://").map_or(0, |i| i + 3);
    let server = match base[authority_start..].find('/') {
        Some(slash) => &base[..authority_start + slash],
        None => base,
    };
    match query {
        Some(query) => format!("{server}/{database}?{query}"),
        None => format!("{server}/{database}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_url_swaps_only_the_database_name() {
        assert_eq!(
            database_url("postgres://u@127.0.0.1:5432/postgres", "t1"),
            "postgres://u@127.0.0.1:5432/t1"
        );
        assert_eq!(database_url("postgres://u@h", "t1"), "postgres://u@h/t1");
        assert_eq!(
            database_url("postgres://u@h/db?sslmode=disable", "t1"),
            "postgres://u@h/t1?sslmode=disable"
        );
    }
}
