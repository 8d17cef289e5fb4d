//! The server's database: SQLite (a file, for a sandbox) or Postgres (production), with
//! the same SQL for both through sqlx's `Any` driver (`$n` parameters work on both
//! engines). The schema is the server's own (`migrations/server/{sqlite,postgres}`),
//! applied when the database is opened, before any request is served.
//!
//! The push transaction lives in [`crate::push`]; this module holds everything else.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::time::Duration;

use sqlx::any::AnyPoolOptions;
use sqlx::migrate::Migrator;
use sqlx::{Any, AnyPool, Executor, Row, Transaction};
use tenantry_changeset::keys::{KeyId, PublicKey};

use crate::staff::{KeyState, Role, StaffKey};

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("../../migrations/server/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("../../migrations/server/postgres");

/// How long a request waits for a connection (or a locked SQLite file) before it is
/// answered with a 503, rather than hanging.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("'{0}' is not a database URL this server supports: use sqlite://PATH or postgres://…")]
    Unsupported(String),
    #[error("cannot create the directory {path}: {source}")]
    CreateDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot open the database at {location}: {source}")]
    Open {
        location: String,
        source: sqlx::Error,
    },
    #[error("cannot apply the server's migrations: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("the database has not applied migration {0} yet")]
    MigrationMissing(i64),
    #[error(transparent)]
    Query(#[from] sqlx::Error),
    #[error("row {id} of {table} is corrupt: {detail}")]
    Corrupt {
        table: &'static str,
        id: String,
        detail: String,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DatabaseKind {
    Sqlite,
    Postgres,
}

/// A database URL, understood: which engine, what to connect to, and how to show it in
/// logs (a Postgres password is masked).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DatabaseUrl {
    pub kind: DatabaseKind,
    connect: String,
    sqlite_path: Option<PathBuf>,
}

impl DatabaseUrl {
    /// `sqlite://PATH` (or `sqlite:PATH`; `sqlite:///abs/path` for an absolute one) or
    /// `postgres://…` / `postgresql://…`.
    pub fn parse(url: &str) -> Result<Self, StorageError> {
        let url = url.trim();
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(Self {
                kind: DatabaseKind::Postgres,
                connect: url.to_owned(),
                sqlite_path: None,
            });
        }
        let Some(rest) = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
        else {
            return Err(StorageError::Unsupported(redact(url)));
        };
        let (path, query) = match rest.split_once('?') {
            Some((path, query)) => (path, Some(query)),
            None => (rest, None),
        };
        if path.is_empty() || path == ":memory:" {
            // An in-memory database would lose every accepted change set at exit.
            return Err(StorageError::Unsupported(url.to_owned()));
        }
        // Create the file when it is missing, unless the URL says otherwise.
        let query = match query {
            Some(query) if query.split('&').any(|pair| pair.starts_with("mode=")) => {
                query.to_owned()
            }
            Some(query) => format!("{query}&mode=rwc"),
            None => "mode=rwc".to_owned(),
        };
        Ok(Self {
            kind: DatabaseKind::Sqlite,
            connect: format!("sqlite://{path}?{query}"),
            sqlite_path: Some(PathBuf::from(path)),
        })
    }

    /// A SQLite URL for a file.
    pub fn sqlite_file(path: &std::path::Path) -> Self {
        Self {
            kind: DatabaseKind::Sqlite,
            connect: format!("sqlite://{}?mode=rwc", path.display()),
            sqlite_path: Some(path.to_owned()),
        }
    }

    /// The SQLite file, if this is one.
    pub fn sqlite_path(&self) -> Option<&std::path::Path> {
        self.sqlite_path.as_deref()
    }
}

impl std::fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&redact(&self.connect))
    }
}

/// The URL with any password replaced by `***`, for logs and messages.
pub fn redact(url: &str) -> String {
    let Some(scheme_end) = url.find("://").map(|i| i + 3) else {
        return url.to_owned();
    };
    let authority_end = url[scheme_end..]
        .find('/')
        .map_or(url.len(), |i| scheme_end + i);
    let authority = &url[scheme_end..authority_end];
    let Some(at) = authority.rfind('@') else {
        return url.to_owned();
    };
    let user_info = &authority[..at];
    let Some(colon) = user_info.find(':') else {
        return url.to_owned();
    };
    format!(
        "{}{}:***{}",
        &url[..scheme_end],
        &user_info[..colon],
        &url[scheme_end + at..]
    )
}

/// The open database. Cheap to clone: the pool is shared.
#[derive(Clone, Debug)]
pub struct Database {
    pool: AnyPool,
    url: DatabaseUrl,
}

/// A change set as stored: its global sequence number and its exact envelope bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredChangeset {
    pub seq: i64,
    pub hash: String,
    pub tenant: String,
    pub author: String,
    /// `draft`, `staging` or `production`.
    pub environment: String,
    pub envelope: Vec<u8>,
}

/// A tenant's newest change set.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TenantHead {
    pub tenant: String,
    pub hash: String,
    pub seq: i64,
}

/// A stored approval of a change set.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Approval {
    pub approver: String,
    pub signature: String,
    pub approved_at_ms: i64,
}

/// What [`Database::bootstrap_admin`] did.
#[derive(Debug, PartialEq, Eq)]
pub enum Bootstrap {
    Created,
    /// An approved admin exists already; nothing was written.
    AdminExists,
    /// This public key is registered already; nothing was written.
    KeyExists,
}

fn key_from_row(row: &sqlx::any::AnyRow) -> Result<StaffKey, StorageError> {
    let key_id: String = row.try_get("key_id")?;
    let corrupt = |detail: String| StorageError::Corrupt {
        table: "staff_keys",
        id: key_id.clone(),
        detail,
    };
    let public_key = PublicKey::from_hex(&row.try_get::<String, _>("public_key")?)
        .map_err(|error| corrupt(error.to_string()))?;
    if public_key.key_id().as_str() != key_id {
        return Err(corrupt("the key id does not match the public key".into()));
    }
    let role: String = row.try_get("role")?;
    let state: String = row.try_get("state")?;
    Ok(StaffKey {
        key_id: public_key.key_id(),
        public_key,
        name: row.try_get("name")?,
        role: Role::from_id(&role).ok_or_else(|| corrupt(format!("unknown role {role}")))?,
        state: KeyState::from_id(&state)
            .ok_or_else(|| corrupt(format!("unknown state {state}")))?,
        registered_at_ms: row.try_get("registered_at_ms")?,
        decided_by: row.try_get("decided_by")?,
        decided_at_ms: row.try_get("decided_at_ms")?,
    })
}

const KEY_COLUMNS: &str =
    "key_id, public_key, name, role, state, registered_at_ms, decided_by, decided_at_ms";

fn stored_from_row(row: &sqlx::any::AnyRow) -> Result<StoredChangeset, StorageError> {
    Ok(StoredChangeset {
        seq: row.try_get("seq")?,
        hash: row.try_get("hash")?,
        tenant: row.try_get("tenant_id")?,
        author: row.try_get("author")?,
        environment: row.try_get("environment")?,
        envelope: row.try_get("envelope")?,
    })
}

async fn insert_key(
    tx: &mut Transaction<'static, Any>,
    key: &StaffKey,
    token_digest: &str,
) -> Result<(), StorageError> {
    sqlx::query(&format!(
        "INSERT INTO staff_keys ({KEY_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
    ))
    .bind(key.key_id.as_str())
    .bind(key.public_key.to_hex())
    .bind(key.name.as_str())
    .bind(key.role.id())
    .bind(key.state.id())
    .bind(key.registered_at_ms)
    .bind(key.decided_by.clone())
    .bind(key.decided_at_ms)
    .execute(&mut **tx)
    .await?;
    insert_token(tx, key, token_digest).await
}

async fn insert_token(
    tx: &mut Transaction<'static, Any>,
    key: &StaffKey,
    token_digest: &str,
) -> Result<(), StorageError> {
    sqlx::query(
        "INSERT INTO access_tokens (token_sha256, key_id, created_at_ms) VALUES ($1, $2, $3)",
    )
    .bind(token_digest)
    .bind(key.key_id.as_str())
    .bind(key.registered_at_ms)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

impl Database {
    /// Opens (creating a SQLite file and its directory if needed) the database and
    /// applies every pending migration before returning.
    pub async fn open(url: &DatabaseUrl) -> Result<Self, StorageError> {
        sqlx::any::install_default_drivers();
        if let Some(dir) = url
            .sqlite_path()
            .and_then(std::path::Path::parent)
            .filter(|dir| !dir.as_os_str().is_empty())
        {
            std::fs::create_dir_all(dir).map_err(|source| StorageError::CreateDir {
                path: dir.to_owned(),
                source,
            })?;
        }
        let max_connections = match url.kind {
            // One writer at a time anyway; a few readers for pulls.
            DatabaseKind::Sqlite => 4,
            DatabaseKind::Postgres => 8,
        };
        let mut options = AnyPoolOptions::new()
            .max_connections(max_connections)
            .acquire_timeout(ACQUIRE_TIMEOUT);
        if url.kind == DatabaseKind::Sqlite {
            options = options.after_connect(|connection, _| {
                Box::pin(async move {
                    // Durable commits (an answer is only sent after one), and a writer
                    // waits its turn rather than failing when another holds the lock.
                    connection
                        .execute("PRAGMA synchronous = FULL; PRAGMA busy_timeout = 10000;")
                        .await?;
                    Ok(())
                })
            });
        }
        let pool = options
            .connect(&url.connect)
            .await
            .map_err(|source| StorageError::Open {
                location: url.to_string(),
                source,
            })?;
        if url.kind == DatabaseKind::Sqlite {
            // Readers never block the writer; the setting is kept in the file.
            sqlx::query("PRAGMA journal_mode = WAL")
                .execute(&pool)
                .await?;
        }
        Self::migrator(url.kind).run(&pool).await?;
        Ok(Self {
            pool,
            url: url.clone(),
        })
    }

    fn migrator(kind: DatabaseKind) -> &'static Migrator {
        match kind {
            DatabaseKind::Sqlite => &SQLITE_MIGRATIONS,
            DatabaseKind::Postgres => &POSTGRES_MIGRATIONS,
        }
    }

    pub fn url(&self) -> &DatabaseUrl {
        &self.url
    }

    pub(crate) async fn begin(&self) -> Result<Transaction<'static, Any>, StorageError> {
        Ok(self.pool.begin().await?)
    }

    /// A connection of the pool, outside any transaction (reads that need no lock).
    pub(crate) async fn acquire(&self) -> Result<sqlx::pool::PoolConnection<Any>, StorageError> {
        Ok(self.pool.acquire().await?)
    }

    /// Waits for queries in flight and closes every connection.
    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// The database answers and has applied every migration this build knows.
    pub async fn check_ready(&self) -> Result<(), StorageError> {
        let rows = sqlx::query("SELECT version FROM _sqlx_migrations WHERE success")
            .fetch_all(&self.pool)
            .await?;
        let applied = rows
            .iter()
            .map(|row| row.try_get::<i64, _>("version"))
            .collect::<Result<BTreeSet<i64>, _>>()?;
        for migration in Self::migrator(self.url.kind).iter() {
            if !applied.contains(&migration.version) {
                return Err(StorageError::MigrationMissing(migration.version));
            }
        }
        Ok(())
    }

    /// Registers `key` (pending) with the digest of its first token. False, and nothing
    /// written, when the key is registered already.
    pub async fn register_key(
        &self,
        key: &StaffKey,
        token_digest: &str,
    ) -> Result<bool, StorageError> {
        let mut tx = self.begin().await?;
        // The first statement writes, so on SQLite the transaction takes the write lock
        // at once (waiting its turn) instead of failing to upgrade a stale read later.
        let inserted = sqlx::query(&format!(
            "INSERT INTO staff_keys ({KEY_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
             ON CONFLICT (key_id) DO NOTHING"
        ))
        .bind(key.key_id.as_str())
        .bind(key.public_key.to_hex())
        .bind(key.name.as_str())
        .bind(key.role.id())
        .bind(key.state.id())
        .bind(key.registered_at_ms)
        .bind(key.decided_by.clone())
        .bind(key.decided_at_ms)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if inserted == 0 {
            return Ok(false);
        }
        insert_token(&mut tx, key, token_digest).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Registers the first admin, approved, unless an approved admin exists already.
    pub async fn bootstrap_admin(
        &self,
        key: &StaffKey,
        token_digest: &str,
    ) -> Result<Bootstrap, StorageError> {
        let mut tx = self.begin().await?;
        // Taking the sequence row's lock serialises two bootstraps racing each other.
        sqlx::query("UPDATE server_sequences SET value = value WHERE name = 'changesets'")
            .execute(&mut *tx)
            .await?;
        let admins: i64 = sqlx::query(
            "SELECT COUNT(*) AS n FROM staff_keys WHERE role = 'admin' AND state = 'approved'",
        )
        .fetch_one(&mut *tx)
        .await?
        .try_get("n")?;
        if admins > 0 {
            return Ok(Bootstrap::AdminExists);
        }
        let exists = sqlx::query("SELECT key_id FROM staff_keys WHERE key_id = $1")
            .bind(key.key_id.as_str())
            .fetch_optional(&mut *tx)
            .await?
            .is_some();
        if exists {
            return Ok(Bootstrap::KeyExists);
        }
        insert_key(&mut tx, key, token_digest).await?;
        tx.commit().await?;
        Ok(Bootstrap::Created)
    }

    pub async fn key(&self, key_id: &KeyId) -> Result<Option<StaffKey>, StorageError> {
        sqlx::query(&format!(
            "SELECT {KEY_COLUMNS} FROM staff_keys WHERE key_id = $1"
        ))
        .bind(key_id.as_str())
        .fetch_optional(&self.pool)
        .await?
        .as_ref()
        .map(key_from_row)
        .transpose()
    }

    /// Every registered key, oldest registration first.
    pub async fn keys(&self) -> Result<Vec<StaffKey>, StorageError> {
        sqlx::query(&format!(
            "SELECT {KEY_COLUMNS} FROM staff_keys ORDER BY registered_at_ms, key_id"
        ))
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(key_from_row)
        .collect()
    }

    /// Every registered key as `tx` sees it: a push re-reads the signers' states under
    /// the sequence lock, so a key revoked while the push waited for the lock is seen
    /// as revoked (revocation takes the same lock).
    pub async fn keys_in(
        tx: &mut Transaction<'static, Any>,
    ) -> Result<Vec<StaffKey>, StorageError> {
        sqlx::query(&format!("SELECT {KEY_COLUMNS} FROM staff_keys"))
            .fetch_all(&mut **tx)
            .await?
            .iter()
            .map(key_from_row)
            .collect()
    }

    /// The key a bearer token (given by its digest) stands for.
    pub async fn key_for_token(&self, digest: &str) -> Result<Option<StaffKey>, StorageError> {
        let columns = KEY_COLUMNS
            .split(", ")
            .map(|column| format!("k.{column}"))
            .collect::<Vec<_>>()
            .join(", ");
        sqlx::query(&format!(
            "SELECT {columns} FROM access_tokens t JOIN staff_keys k ON k.key_id = t.key_id \
             WHERE t.token_sha256 = $1"
        ))
        .bind(digest)
        .fetch_optional(&self.pool)
        .await?
        .as_ref()
        .map(key_from_row)
        .transpose()
    }

    /// Moves `key_id` to `state`, recording who decided and when. False when the key
    /// is not in one of the states `from` (one statement: no read-then-write race).
    pub async fn decide_key(
        &self,
        key_id: &KeyId,
        from: &[KeyState],
        state: KeyState,
        by: &KeyId,
        at_ms: i64,
    ) -> Result<bool, StorageError> {
        if from.is_empty() {
            return Ok(false);
        }
        let states = (0..from.len())
            .map(|index| format!("${}", index + 5))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "UPDATE staff_keys SET state = $1, decided_by = $2, decided_at_ms = $3 \
             WHERE key_id = $4 AND state IN ({states})"
        );
        let mut query = sqlx::query(&sql)
            .bind(state.id())
            .bind(by.as_str())
            .bind(at_ms)
            .bind(key_id.as_str());
        for current in from {
            query = query.bind(current.id());
        }
        let changed = query.execute(&self.pool).await?.rows_affected();
        Ok(changed > 0)
    }

    /// Up to `limit` change sets with a sequence number above `after`, in order.
    pub async fn changesets_after(
        &self,
        after: i64,
        limit: i64,
    ) -> Result<Vec<StoredChangeset>, StorageError> {
        sqlx::query(
            "SELECT seq, hash, tenant_id, author, environment, envelope FROM changesets \
             WHERE seq > $1 ORDER BY seq LIMIT $2",
        )
        .bind(after)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(stored_from_row)
        .collect()
    }

    pub async fn changeset(&self, hash: &str) -> Result<Option<StoredChangeset>, StorageError> {
        sqlx::query(
            "SELECT seq, hash, tenant_id, author, environment, envelope FROM changesets WHERE hash = $1",
        )
            .bind(hash)
            .fetch_optional(&self.pool)
            .await?
            .as_ref()
            .map(stored_from_row)
            .transpose()
    }

    /// Every tenant's newest change set, by tenant id.
    pub async fn heads(&self) -> Result<Vec<TenantHead>, StorageError> {
        sqlx::query("SELECT id, head_hash, head_seq FROM tenants ORDER BY id")
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|row| {
                Ok(TenantHead {
                    tenant: row.try_get("id")?,
                    hash: row.try_get("head_hash")?,
                    seq: row.try_get("head_seq")?,
                })
            })
            .collect()
    }

    /// Stores an approval; false when this approver has approved this change set already.
    pub async fn add_approval(
        &self,
        hash: &str,
        approval: &Approval,
    ) -> Result<bool, StorageError> {
        let result = sqlx::query(
            "INSERT INTO approvals (changeset_hash, approver, signature, approved_at_ms) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (changeset_hash, approver) DO NOTHING",
        )
        .bind(hash)
        .bind(approval.approver.as_str())
        .bind(approval.signature.as_str())
        .bind(approval.approved_at_ms)
        .execute(&self.pool)
        .await?;
        Ok(result.rows_affected() == 1)
    }

    /// A change set's approvals, oldest first.
    pub async fn approvals(&self, hash: &str) -> Result<Vec<Approval>, StorageError> {
        sqlx::query(
            "SELECT approver, signature, approved_at_ms FROM approvals \
             WHERE changeset_hash = $1 ORDER BY approved_at_ms, approver",
        )
        .bind(hash)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|row| {
            Ok(Approval {
                approver: row.try_get("approver")?,
                signature: row.try_get("signature")?,
                approved_at_ms: row.try_get("approved_at_ms")?,
            })
        })
        .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_urls_create_the_file_unless_told_otherwise() {
        let url = DatabaseUrl::parse("sqlite:///var/lib/t/server.db").expect("url");
        assert_eq!(url.kind, DatabaseKind::Sqlite);
        assert_eq!(
            url.sqlite_path(),
            Some(std::path::Path::new("/var/lib/t/server.db"))
        );
        assert_eq!(url.connect, "sqlite:///var/lib/t/server.db?mode=rwc");
        let url = DatabaseUrl::parse("sqlite:data/server.db?mode=ro").expect("url");
        assert_eq!(url.connect, "sqlite://data/server.db?mode=ro");
        assert!(DatabaseUrl::parse("sqlite::memory:").is_err());
        assert!(DatabaseUrl::parse("mysql://u:p@h/db").is_err());
        let file = DatabaseUrl::sqlite_file(std::path::Path::new("/tmp/x.db"));
        assert_eq!(file.to_string(), "sqlite:///tmp/x.db?mode=rwc");
    }

    #[test]
    fn postgres_passwords_never_show() {
        let url = DatabaseUrl::parse("postgres://tenantry:s3cret@db:5432/tenantry").expect("url");
        assert_eq!(url.kind, DatabaseKind::Postgres);
        assert_eq!(url.to_string(), "postgres://tenantry:***@db:5432/tenantry");
        assert_eq!(redact("postgres://u@h/db"), "postgres://u@h/db");
        assert_eq!(redact("not a url"), "not a url");
        match DatabaseUrl::parse("mysql://u:p@h/db") {
            Err(StorageError::Unsupported(shown)) => assert_eq!(shown, "mysql://u:***@h/db"),
            other => panic!("expected Unsupported, got {other:?}"),
        }
    }
}
