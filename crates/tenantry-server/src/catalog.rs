//! The signed catalog on the server: `tenantry-server catalog publish` signs a catalog
//! with the platform key (an owner-only key file, `tenantry-keystore` without the OS
//! keyring) and stores the envelope; `GET /v1/catalog` serves the highest version.
//!
//! The serving process never needs the private key: publishing is a separate command
//! run where the key file is, against the same database. With nothing published the
//! server answers `404 no_catalog` rather than signing the bundled catalog itself, so a
//! client only ever holds a catalog someone chose to publish, with a version the
//! platform team controls.

use std::path::Path;
use std::time::Duration;

use sqlx::Row;
use tenantry_changeset::catalog::{verify_signed_catalog, CatalogDocument, CatalogError};
use tenantry_changeset::keys::PublicKey;
use tenantry_changeset::SigningKey;
use tenantry_core::catalog::Catalog;
use tenantry_core::Timestamp;
use tenantry_keystore::{read_key_file, write_key_file, KeyStoreError};

use crate::storage::{Database, StorageError};

/// A catalog file much bigger than this is not one.
pub const MAX_CATALOG_FILE_BYTES: u64 = 8 * 1024 * 1024;
/// How long a published catalog stays valid unless told otherwise.
pub const DEFAULT_VALIDITY: Duration = Duration::from_secs(30 * 24 * 60 * 60);

/// A published catalog as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublishedCatalog {
    pub version: u64,
    pub hash: String,
    pub key_id: String,
    pub public_key: String,
    pub issued_at: Timestamp,
    pub expires_at: Timestamp,
    /// The exact envelope bytes.
    pub envelope: Vec<u8>,
}

#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    #[error("the platform key: {0}")]
    Key(#[from] KeyStoreError),
    #[error("cannot read the catalog file {path}: {reason}")]
    CatalogFile { path: String, reason: String },
    #[error("the catalog file {path} is not a valid catalog: {reason}")]
    InvalidCatalog { path: String, reason: String },
    #[error("version {version} is not newer than the published version {current}; publish version {next} or higher")]
    NotNewer {
        version: u64,
        current: u64,
        next: u64,
    },
    #[error("'{0}' is not a validity period: use a number with s, m, h or d, e.g. 30d")]
    BadPeriod(String),
    #[error(transparent)]
    Catalog(#[from] CatalogError),
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// Parses `30d`, `12h`, `90m`, `3600s` (a bare number is seconds).
pub fn parse_period(text: &str) -> Result<Duration, PublishError> {
    let bad = || PublishError::BadPeriod(text.chars().take(40).collect());
    let text = text.trim();
    let (number, unit) = match text.char_indices().find(|(_, c)| !c.is_ascii_digit()) {
        Some((at, _)) => text.split_at(at),
        None => (text, "s"),
    };
    let number: u64 = number.parse().map_err(|_| bad())?;
    let seconds = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => return Err(bad()),
    };
    let period = number.checked_mul(seconds).ok_or_else(bad)?;
    if period == 0 {
        return Err(bad());
    }
    Ok(Duration::from_secs(period))
}

/// Makes the platform key's owner-only file (mode 0600); refuses to overwrite one.
pub fn init_platform_key(path: &Path) -> Result<PublicKey, PublishError> {
    let key = SigningKey::generate().map_err(KeyStoreError::from)?;
    write_key_file(path, &key)?;
    Ok(key.public())
}

/// Reads a catalog file (JSON, the shape of `tenantry catalog show --format json`).
pub fn read_catalog_file(path: &Path) -> Result<Catalog, PublishError> {
    let shown = path.display().to_string();
    let unreadable = |reason: String| PublishError::CatalogFile {
        path: shown.clone(),
        reason,
    };
    let size = std::fs::metadata(path)
        .map_err(|error| unreadable(error.to_string()))?
        .len();
    if size > MAX_CATALOG_FILE_BYTES {
        return Err(unreadable(format!(
            "it is {size} bytes; a catalog is at most {MAX_CATALOG_FILE_BYTES}"
        )));
    }
    let text = std::fs::read_to_string(path).map_err(|error| unreadable(error.to_string()))?;
    Catalog::from_json(&text).map_err(|error| PublishError::InvalidCatalog {
        path: shown.clone(),
        reason: error.to_string(),
    })
}

/// What to publish.
#[derive(Debug)]
pub struct Publication<'a> {
    pub key_file: &'a Path,
    pub catalog: Catalog,
    pub organisation: &'a str,
    /// None: one above the published version (1 for the first).
    pub version: Option<u64>,
    pub valid_for: Duration,
}

/// Signs `publication` with the platform key and stores it as the newest version.
/// Refuses a version that is not above the published one; nothing is written then.
pub async fn publish(
    db: &Database,
    publication: Publication<'_>,
) -> Result<PublishedCatalog, PublishError> {
    let key = read_key_file(publication.key_file)?;
    let current = db.catalog_version().await?;
    let next = current.map_or(1, |current| current.saturating_add(1));
    let version = publication.version.unwrap_or(next);
    if let Some(current) = current.filter(|current| version <= *current) {
        return Err(PublishError::NotNewer {
            version,
            current,
            next,
        });
    }
    let issued_at = Timestamp::now();
    let valid_ms = i64::try_from(publication.valid_for.as_millis()).unwrap_or(i64::MAX);
    let expires_at = Timestamp::from_unix_millis(issued_at.unix_millis().saturating_add(valid_ms))
        .map_err(|_| PublishError::BadPeriod(format!("{}s", publication.valid_for.as_secs())))?;
    let document = CatalogDocument::new(
        publication.organisation,
        version,
        issued_at,
        expires_at,
        publication.catalog,
    )?;
    let envelope = document.sign(&key).to_json();
    // What clients will run on it, run once here: a catalog that does not verify is
    // never stored.
    let verified = verify_signed_catalog(&envelope, &key.public())?;
    let published = PublishedCatalog {
        version,
        hash: verified.hash.0,
        key_id: verified.key_id.to_string(),
        public_key: key.public().to_hex(),
        issued_at,
        expires_at,
        envelope,
    };
    if !db.insert_catalog(&published).await? {
        // Another publish got there first with this or a higher version.
        let current = db.catalog_version().await?.unwrap_or(version);
        return Err(PublishError::NotNewer {
            version,
            current,
            next: current.saturating_add(1),
        });
    }
    tracing::info!(
        version,
        expires_at = %expires_at,
        key_id = %published.key_id,
        "catalog published"
    );
    Ok(published)
}

fn corrupt(version: i64, detail: impl std::fmt::Display) -> StorageError {
    StorageError::Corrupt {
        table: "catalogs",
        id: version.to_string(),
        detail: detail.to_string(),
    }
}

impl Database {
    /// The highest published version, if any.
    pub async fn catalog_version(&self) -> Result<Option<u64>, StorageError> {
        let mut connection = self.acquire().await?;
        let row = sqlx::query("SELECT MAX(version) AS version FROM catalogs")
            .fetch_one(&mut *connection)
            .await?;
        let version: Option<i64> = row.try_get("version")?;
        version
            .map(|version| u64::try_from(version).map_err(|error| corrupt(version, error)))
            .transpose()
    }

    /// The newest published catalog, if any.
    pub async fn current_catalog(&self) -> Result<Option<PublishedCatalog>, StorageError> {
        let mut connection = self.acquire().await?;
        let row = sqlx::query(
            "SELECT version, hash, key_id, public_key, issued_at_ms, expires_at_ms, envelope \
             FROM catalogs ORDER BY version DESC LIMIT 1",
        )
        .fetch_optional(&mut *connection)
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let version: i64 = row.try_get("version")?;
        let instant = |column: &str| -> Result<Timestamp, StorageError> {
            Timestamp::from_unix_millis(row.try_get(column)?)
                .map_err(|error| corrupt(version, error))
        };
        Ok(Some(PublishedCatalog {
            version: u64::try_from(version).map_err(|error| corrupt(version, error))?,
            hash: row.try_get("hash")?,
            key_id: row.try_get("key_id")?,
            public_key: row.try_get("public_key")?,
            issued_at: instant("issued_at_ms")?,
            expires_at: instant("expires_at_ms")?,
            envelope: row.try_get("envelope")?,
        }))
    }

    /// Stores `catalog` unless this or a higher version is stored: one statement, so
    /// two publishers racing can never leave a lower version above a higher one.
    pub async fn insert_catalog(&self, catalog: &PublishedCatalog) -> Result<bool, StorageError> {
        let version = i64::try_from(catalog.version)
            .map_err(|error| corrupt(i64::MAX, format!("version {}: {error}", catalog.version)))?;
        let mut tx = self.begin().await?;
        let inserted = sqlx::query(
            "INSERT INTO catalogs (version, hash, key_id, public_key, issued_at_ms, \
             expires_at_ms, envelope, published_at_ms) \
             SELECT $1, $2, $3, $4, $5, $6, $7, $8 \
             WHERE NOT EXISTS (SELECT 1 FROM catalogs WHERE version >= $1) \
             ON CONFLICT DO NOTHING",
        )
        .bind(version)
        .bind(catalog.hash.as_str())
        .bind(catalog.key_id.as_str())
        .bind(catalog.public_key.as_str())
        .bind(catalog.issued_at.unix_millis())
        .bind(catalog.expires_at.unix_millis())
        .bind(catalog.envelope.clone())
        .bind(Timestamp::now().unix_millis())
        .execute(&mut *tx)
        .await?
        .rows_affected();
        tx.commit().await?;
        Ok(inserted == 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_read_as_people_write_them() {
        assert_eq!(
            parse_period("30d").ok(),
            Some(Duration::from_secs(30 * 86_400))
        );
        assert_eq!(
            parse_period("12h").ok(),
            Some(Duration::from_secs(12 * 3600))
        );
        assert_eq!(parse_period("90m").ok(), Some(Duration::from_secs(5400)));
        assert_eq!(parse_period("45").ok(), Some(Duration::from_secs(45)));
        for bad in ["", "0d", "d", "3w", "-1d", "1.5d", "99999999999999999999d"] {
            assert!(
                matches!(parse_period(bad), Err(PublishError::BadPeriod(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn the_platform_key_file_is_made_once() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("platform.key");
        let public = init_platform_key(&path).expect("made");
        assert_eq!(
            read_key_file(&path)
                .expect("owner-only and readable")
                .public(),
            public
        );
        assert!(matches!(
            init_platform_key(&path),
            Err(PublishError::Key(KeyStoreError::FileUnwritable { .. }))
        ));
        assert_eq!(read_key_file(&path).expect("unchanged").public(), public);
    }

    #[test]
    fn a_catalog_file_must_be_a_catalog() {
        let dir = tempfile::tempdir().expect("dir");
        let good = dir.path().join("catalog.json");
        std::fs::write(&good, tenantry_core::catalog::BUNDLED_CATALOG_JSON).expect("write");
        assert_eq!(read_catalog_file(&good).expect("reads"), Catalog::bundled());
        let bad = dir.path().join("bad.json");
        std::fs::write(&bad, r#"{"version":"1"}"#).expect("write");
        assert!(matches!(
            read_catalog_file(&bad),
            Err(PublishError::InvalidCatalog { .. })
        ));
        assert!(matches!(
            read_catalog_file(&dir.path().join("missing.json")),
            Err(PublishError::CatalogFile { .. })
        ));
    }
}
