//! Whose key signs: the OS keyring (the default, one key per profile), or an owner-only
//! key file for automation on machines without a keyring.

use std::path::PathBuf;

use clap::Args;
use tenantry_changeset::SigningKey;
use tenantry_keystore::{KeyStoreError, KeyringStore};

#[derive(Debug, Args)]
pub struct SignerArgs {
    /// The keyring profile whose key signs (one key per profile)
    #[arg(long, default_value = "default", env = "TENANTRY_PROFILE")]
    pub profile: String,
    /// Sign with the key in this file instead of the OS keyring (for pipelines without a
    /// keyring; the file must be readable by its owner only)
    #[arg(long, value_name = "FILE", env = "TENANTRY_KEY_FILE")]
    pub key_file: Option<PathBuf>,
}

impl SignerArgs {
    /// The signing key, created in the keyring on first use when `create` is set.
    pub fn key(&self, create: bool) -> Result<SigningKey, String> {
        match &self.key_file {
            Some(path) => tenantry_keystore::read_key_file(path).map_err(|error| error.to_string()),
            None => {
                let store = KeyringStore::new(&self.profile);
                let loaded = if create {
                    store.load_or_create().map(Some)
                } else {
                    store.load()
                };
                loaded
                    .map_err(|error| error.to_string())?
                    .ok_or_else(|| KeyStoreError::NoKey(self.profile.clone()).to_string())
            }
        }
    }
}
