//! The signed catalog as a client takes it: `GET /v1/catalog`, verified against the
//! platform key, refused when it is not fresh, stored in the mirror so it works offline
//! (docs/sync.md, "The signed catalog").
//!
//! Which key: a platform team must trust every byte, so the key is configuration
//! ([`CatalogTrust::Key`], from `TENANTRY_PLATFORM_KEY` or a flag), never something the
//! server says about itself. Asking the server for its key is possible only as an
//! explicit choice ([`CatalogTrust::TrustOnFirstUse`]) and only while the mirror holds
//! no catalog; after that the key of the held catalog is the pin.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use reqwest::{Method, StatusCode};
use serde::{Deserialize, Serialize};
use tenantry_changeset::catalog::CatalogError;
use tenantry_changeset::PublicKey;
use tenantry_core::Timestamp;
use tenantry_store::{AcceptCatalogError, CatalogAcceptance, StoreError, StoredCatalog};

use crate::http::refusal;
use crate::{SyncError, Syncer};

/// The environment variable holding the platform's public key (64 hex characters).
pub const PLATFORM_KEY_ENV: &str = "TENANTRY_PLATFORM_KEY";

/// Which key a signed catalog must be signed by.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CatalogTrust {
    /// The platform key as configured: the only choice that trusts nothing the server says.
    Key(PublicKey),
    /// The key of the catalog this mirror holds (accepted earlier); refused when none.
    Pinned,
    /// As `Pinned`; with no catalog held, the key the server names (`GET
    /// /v1/catalog/key`), which the first accepted catalog then pins.
    TrustOnFirstUse,
}

impl CatalogTrust {
    /// `Key` from 64 hex characters (the value of [`PLATFORM_KEY_ENV`]).
    pub fn from_hex(hex: &str) -> Result<Self, CatalogPullError> {
        PublicKey::from_hex(hex.trim())
            .map(Self::Key)
            .map_err(|_| CatalogPullError::BadPlatformKey)
    }
}

/// What `pull_catalog` did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CatalogPull {
    pub outcome: CatalogAcceptance,
    pub version: u64,
    pub issued_at: Timestamp,
    pub expires_at: Timestamp,
    /// The platform key it was verified against.
    pub key_id: String,
    /// True when the key came from the server this time (trust on first use).
    pub key_from_server: bool,
}

/// Why a catalog pull failed. A refusal names the version and the instants involved.
#[derive(Debug, thiserror::Error)]
pub enum CatalogPullError {
    #[error(
        "the catalog from {url} was refused: {error}; the catalog this mirror holds is unchanged"
    )]
    Refused {
        url: String,
        error: Box<CatalogError>,
    },
    #[error("no catalog has been published on {url} yet")]
    NoCatalog { url: String },
    #[error("no platform key is configured: set {PLATFORM_KEY_ENV} to the public key your platform team gives you (64 hex characters), or trust the server's key on first use explicitly")]
    NoPlatformKey,
    #[error("the platform key is not an ed25519 public key: expected 64 hex characters of a valid curve point")]
    BadPlatformKey,
    #[error(transparent)]
    Sync(#[from] SyncError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

#[derive(Debug, Deserialize)]
struct SignedCatalogView {
    envelope: String,
}

#[derive(Debug, Deserialize)]
struct PlatformKeyView {
    public_key: String,
}

impl Syncer {
    /// Fetches the server's signed catalog, verifies it against the platform key that
    /// `trust` names, and stores it for `organisation` when it is fresh (not expired,
    /// not issued in the future) and newer than the held one. Any refusal leaves the
    /// held catalog as it was.
    #[tracing::instrument(skip_all, fields(server = %self.http.base()))]
    pub async fn pull_catalog(
        &self,
        trust: &CatalogTrust,
        organisation: &str,
    ) -> Result<CatalogPull, CatalogPullError> {
        let url = self.http.base().to_owned();
        let (key, key_from_server) = match trust {
            CatalogTrust::Key(key) => (key.clone(), false),
            CatalogTrust::Pinned | CatalogTrust::TrustOnFirstUse => {
                match self.store.current_catalog().await? {
                    Some(held) => (held.platform_key()?, false),
                    None if *trust == CatalogTrust::TrustOnFirstUse => {
                        (self.server_platform_key().await?, true)
                    }
                    None => return Err(CatalogPullError::NoPlatformKey),
                }
            }
        };
        let view: SignedCatalogView = self.get_catalog_json("/v1/catalog").await?;
        let envelope = STANDARD.decode(&view.envelope).map_err(|error| {
            SyncError::Protocol(format!("the catalog envelope is not base64: {error}"))
        })?;
        let now = Timestamp::now();
        let outcome = self
            .store
            .accept_catalog(&envelope, &key, organisation, now, &url)
            .await
            .map_err(|error| match error {
                AcceptCatalogError::Refused(error) => CatalogPullError::Refused {
                    url: url.clone(),
                    error: Box::new(error),
                },
                AcceptCatalogError::Store(error) => CatalogPullError::Store(error),
            })?;
        let held = self.store.current_catalog().await?.ok_or_else(|| {
            SyncError::Protocol("the accepted catalog is not in the mirror".into())
        })?;
        if key_from_server {
            tracing::warn!(key_id = %key.key_id(), "platform key trusted on first use");
        }
        Ok(CatalogPull {
            outcome,
            version: held.version,
            issued_at: held.issued_at,
            expires_at: held.expires_at,
            key_id: key.key_id().to_string(),
            key_from_server,
        })
    }

    /// The catalog this mirror holds (verified again from its stored bytes), if any.
    pub async fn current_catalog(&self) -> Result<Option<StoredCatalog>, StoreError> {
        self.store.current_catalog().await
    }

    /// The key the server says signs its catalogs. Only for trust on first use.
    async fn server_platform_key(&self) -> Result<PublicKey, CatalogPullError> {
        let view: PlatformKeyView = self.get_catalog_json("/v1/catalog/key").await?;
        PublicKey::from_hex(&view.public_key).map_err(|error| {
            SyncError::Protocol(format!("the server's platform key is not valid: {error}")).into()
        })
    }

    async fn get_catalog_json<T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
    ) -> Result<T, CatalogPullError> {
        let (status, bytes) = self.http.send(Method::GET, path, None, true, None).await?;
        if status == StatusCode::NOT_FOUND {
            let body: serde_json::Value = serde_json::from_slice(&bytes).unwrap_or_default();
            if body["code"] == "no_catalog" {
                return Err(CatalogPullError::NoCatalog {
                    url: self.http.base().to_owned(),
                });
            }
        }
        if !status.is_success() {
            return Err(refusal(status, &bytes).into());
        }
        serde_json::from_slice(&bytes)
            .map_err(|error| SyncError::Protocol(format!("{path}: {error}")).into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_configured_key_must_be_a_public_key() {
        let key = tenantry_changeset::SigningKey::generate().expect("key");
        assert_eq!(
            CatalogTrust::from_hex(&format!(" {} \n", key.public().to_hex())).ok(),
            Some(CatalogTrust::Key(key.public()))
        );
        assert!(matches!(
            CatalogTrust::from_hex("abc"),
            Err(CatalogPullError::BadPlatformKey)
        ));
        assert!(CatalogPullError::NoPlatformKey
            .to_string()
            .contains(PLATFORM_KEY_ENV));
    }
}
