//! Throwaway mirrors for tests: a fresh SQLite file, or a fresh database on a real
//! Postgres server. Never skips: if Postgres does not answer, the test fails and says
//! how to provide one.

use std::path::PathBuf;

use sqlx::Connection;

use crate::{Location, Store};

mod tenant_list;
pub use tenant_list::{fill_tenant_list, tenant_list_envelopes, TENANT_LIST_DRAFTS};

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
        let database = TestPostgresDatabase::create("tenantry_test").await;
        let location = Location::Postgres(database.url.clone());
        let store = Store::open(location.clone())
            .await
            .expect("open a fresh Postgres mirror");
        Self {
            store,
            location,
            resource: Resource::PostgresDatabase {
                admin_url: database.admin_url,
                name: database.name,
            },
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
                drop_database(&admin_url, &name).await;
            }
        }
    }
}

/// An empty database of its own on the test Postgres server, for a test that runs
/// something else on Postgres (the reference server, say) next to its mirrors.
#[derive(Debug)]
pub struct TestPostgresDatabase {
    /// The database's URL, to hand to whatever uses it.
    pub url: String,
    admin_url: String,
    name: String,
}

impl TestPostgresDatabase {
    /// Creates `<prefix>_<uuid>`; panics with what to do when no Postgres answers (a
    /// test that needs Postgres fails rather than skips).
    pub async fn create(prefix: &str) -> Self {
        let admin_url = postgres_admin_url();
        let prefix: String = prefix
            .chars()
            .filter(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_')
            .collect();
        let name = format!("{prefix}_{}", uuid::Uuid::now_v7().simple());
        let mut admin = sqlx::PgConnection::connect(&admin_url)
            .await
            .unwrap_or_else(|error| {
                panic!(
                    "Postgres tests need a server: none answered at {} ({error}). \
                 Start one, set {TEST_PG_URL_ENV}, or run `make test`, which starts its own.",
                    Location::Postgres(admin_url.clone())
                )
            });
        // The name is only [a-z0-9_] (filtered prefix, UUID), so quoting is safe.
        sqlx::query(&format!("CREATE DATABASE \"{name}\""))
            .execute(&mut admin)
            .await
            .expect("create a throwaway Postgres database");
        admin.close().await.ok();
        let url = database_url(&admin_url, &name);
        Self {
            url,
            admin_url,
            name,
        }
    }

    /// Drops the database, closing whatever is still connected to it.
    pub async fn remove(self) {
        drop_database(&self.admin_url, &self.name).await;
    }
}

async fn drop_database(admin_url: &str, name: &str) {
    let mut admin = sqlx::PgConnection::connect(admin_url)
        .await
        .expect("reconnect to drop the test database");
    sqlx::query(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
        .execute(&mut admin)
        .await
        .expect("drop the test database");
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

    #[tokio::test]
    async fn a_throwaway_postgres_database_exists_until_removed() {
        let database = TestPostgresDatabase::create("tenantry_Test-prefix").await;
        assert!(
            database.name.starts_with("tenantry_estprefix_"),
            "only [a-z0-9_] of the prefix is kept: {}",
            database.name
        );
        let mut connection = sqlx::PgConnection::connect(&database.url)
            .await
            .expect("the new database accepts connections");
        let one: i32 = sqlx::query_scalar("SELECT 1")
            .fetch_one(&mut connection)
            .await
            .expect("query");
        assert_eq!(one, 1);
        let url = database.url.clone();
        // Removing it closes the connection still open above.
        database.remove().await;
        assert!(
            sqlx::PgConnection::connect(&url).await.is_err(),
            "the database is gone"
        );
    }
}
