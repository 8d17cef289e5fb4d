//! The platform's signed catalog in the mirror (migration `…_platform_catalog.sql`), so
//! the catalog a client accepted works offline. Only a catalog whose platform-key
//! signature verifies, for this organisation, unexpired and newer than the one held, is
//! written; reading verifies the stored bytes again.

use serde::Serialize;
use tenantry_changeset::catalog::{
    check_succession, verify_fresh_catalog, verify_signed_catalog, CatalogError, Succession,
};
use tenantry_changeset::{PayloadHash, PublicKey};
use tenantry_core::catalog::Catalog;
use tenantry_core::Timestamp;

use crate::store::on_pool;
use crate::{Store, StoreError};

/// The catalog this mirror holds (its highest accepted version).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StoredCatalog {
    pub version: u64,
    pub organisation: String,
    pub issued_at: Timestamp,
    pub expires_at: Timestamp,
    /// Id of the platform key that signed it.
    pub key_id: String,
    /// That key, 64 hex characters.
    pub public_key: String,
    /// SHA-256 of the signed payload.
    pub hash: String,
    /// The server it was pulled from.
    pub source: String,
    pub accepted_at: Timestamp,
    pub catalog: Catalog,
    /// The exact envelope bytes the platform key signed.
    #[serde(skip)]
    pub envelope: Vec<u8>,
}

impl StoredCatalog {
    /// The platform key that signed it (checked against the stored bytes when read).
    pub fn platform_key(&self) -> Result<PublicKey, StoreError> {
        PublicKey::from_hex(&self.public_key).map_err(|error| StoreError::CorruptRow {
            table: "platform_catalogs",
            id: self.version.to_string(),
            detail: error.to_string(),
        })
    }

    pub fn is_expired(&self, now: Timestamp) -> bool {
        now >= self.expires_at
    }
}

/// What [`Store::accept_catalog`] did with a catalog that verified.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CatalogAcceptance {
    /// Newer than the one held: it is now the current catalog.
    Stored,
    /// Byte for byte the catalog held already.
    AlreadyCurrent,
}

/// Why a catalog was not stored.
#[derive(Debug, thiserror::Error)]
pub enum AcceptCatalogError {
    /// The catalog itself is refused (signature, type, organisation, expiry, version).
    #[error(transparent)]
    Refused(#[from] CatalogError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

type Row = (
    i64,
    String,
    String,
    String,
    String,
    i64,
    i64,
    Vec<u8>,
    String,
    i64,
);

const COLUMNS: &str = "version, organisation, hash, key_id, public_key, issued_at_ms, \
                       expires_at_ms, envelope, source, accepted_at_ms";

fn corrupt(version: i64, detail: impl std::fmt::Display) -> StoreError {
    StoreError::CorruptRow {
        table: "platform_catalogs",
        id: version.to_string(),
        detail: detail.to_string(),
    }
}

fn stored_from_row(row: Row) -> Result<StoredCatalog, StoreError> {
    let (version, _, hash, key_id, public_key, _, _, envelope, source, accepted_at_ms) = row;
    let key = PublicKey::from_hex(&public_key).map_err(|error| corrupt(version, error))?;
    // The row's columns are a cache of the signed bytes: the bytes are what counts.
    let verified =
        verify_signed_catalog(&envelope, &key).map_err(|error| corrupt(version, error))?;
    let document = verified.document;
    if i64::try_from(document.version).ok() != Some(version)
        || verified.hash.0 != hash
        || verified.key_id.as_str() != key_id
    {
        return Err(corrupt(
            version,
            "the columns do not match the signed catalog",
        ));
    }
    Ok(StoredCatalog {
        version: document.version,
        organisation: document.organisation,
        issued_at: document.issued_at,
        expires_at: document.expires_at,
        key_id,
        public_key,
        hash,
        source,
        accepted_at: Timestamp::from_unix_millis(accepted_at_ms)
            .map_err(|error| corrupt(version, error))?,
        catalog: document.catalog,
        envelope,
    })
}

impl Store {
    /// The catalog this mirror holds (its highest version), verified again from the
    /// stored bytes; `None` before the first `accept_catalog`. An expired one is still
    /// returned: the caller says so ([`StoredCatalog::is_expired`]).
    pub async fn current_catalog(&self) -> Result<Option<StoredCatalog>, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM platform_catalogs ORDER BY version DESC LIMIT 1");
        let row: Option<Row> = on_pool!(&self.backend, |pool| sqlx::query_as(&sql)
            .fetch_optional(pool)
            .await?);
        row.map(stored_from_row).transpose()
    }

    async fn current_version(&self) -> Result<Option<(u64, PayloadHash)>, StoreError> {
        const SQL: &str =
            "SELECT version, hash FROM platform_catalogs ORDER BY version DESC LIMIT 1";
        let row: Option<(i64, String)> = on_pool!(&self.backend, |pool| sqlx::query_as(SQL)
            .fetch_optional(pool)
            .await?);
        row.map(|(version, hash)| {
            u64::try_from(version)
                .map(|version| (version, PayloadHash(hash)))
                .map_err(|error| corrupt(version, error))
        })
        .transpose()
    }

    /// Verifies `envelope` (the exact bytes served) against `platform_key` for
    /// `organisation` at `now`, and stores it as the current catalog if it is newer than
    /// the one held. Refused, nothing changes: another key or payload type, a bad
    /// signature, another organisation, expired, not yet valid, an older version, or
    /// the same version with other content.
    pub async fn accept_catalog(
        &self,
        envelope: &[u8],
        platform_key: &PublicKey,
        organisation: &str,
        now: Timestamp,
        source: &str,
    ) -> Result<CatalogAcceptance, AcceptCatalogError> {
        let verified = verify_fresh_catalog(envelope, platform_key, organisation, now)?;
        let document = &verified.document;
        let held = self.current_version().await?;
        if check_succession(
            document.version,
            &verified.hash,
            held.as_ref().map(|(version, hash)| (*version, hash)),
        )? == Succession::Same
        {
            return Ok(CatalogAcceptance::AlreadyCurrent);
        }
        let version = i64::try_from(document.version)
            .map_err(|_| CatalogError::BadVersion(document.version))?;
        // One statement: the version is checked against the held ones where it is
        // written, so two pulls racing each other can never store a lower version
        // above a higher one (the current catalog is the highest, so it only moves up).
        let sql = format!(
            "INSERT INTO platform_catalogs ({COLUMNS}) \
             SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10 \
             WHERE NOT EXISTS (SELECT 1 FROM platform_catalogs WHERE version >= $1) \
             ON CONFLICT DO NOTHING"
        );
        let inserted = on_pool!(&self.backend, |pool| sqlx::query(&sql)
            .bind(version)
            .bind(document.organisation.as_str())
            .bind(verified.hash.0.as_str())
            .bind(verified.key_id.as_str())
            .bind(platform_key.to_hex())
            .bind(document.issued_at.unix_millis())
            .bind(document.expires_at.unix_millis())
            .bind(envelope)
            .bind(source)
            .bind(now.unix_millis())
            .execute(pool)
            .await
            .map_err(StoreError::from)?
            .rows_affected());
        if inserted == 1 {
            tracing::info!(
                version = document.version,
                expires_at = %document.expires_at,
                key_id = %verified.key_id,
                "signed catalog accepted"
            );
            return Ok(CatalogAcceptance::Stored);
        }
        // Another writer stored this or a higher version meanwhile: answer as if it
        // had been there first.
        let held = self.current_version().await?;
        match check_succession(
            document.version,
            &verified.hash,
            held.as_ref().map(|(version, hash)| (*version, hash)),
        )? {
            Succession::Same => Ok(CatalogAcceptance::AlreadyCurrent),
            Succession::Newer => Err(StoreError::CorruptRow {
                table: "platform_catalogs",
                id: document.version.to_string(),
                detail: "the version was neither stored nor found".to_owned(),
            }
            .into()),
        }
    }
}
