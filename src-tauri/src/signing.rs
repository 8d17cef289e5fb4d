//! The staff member's signing key, kept in the OS keyring. Only the shell touches it:
//! the web view can learn the public key and its id, never the private key, and the
//! key is fetched only at the moment a change set is signed.

use serde::Serialize;
use tenantry_changeset::SigningKey;
use tenantry_keystore::KeyringStore;

/// Which keyring entry signs: `$TENANTRY_PROFILE`, the same setting the CLI reads, so
/// the app and `tenantry` sign as the same person.
pub const PROFILE_ENV: &str = "TENANTRY_PROFILE";
const DEFAULT_PROFILE: &str = "default";

/// The public half of the signing key, for the status panel and key registration.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct KeyInfo {
    pub profile: String,
    /// Present once a key exists; one is created at the first submission.
    pub key_id: Option<String>,
    pub public_key: Option<String>,
}

#[derive(Clone, Debug)]
pub struct Signer {
    profile: String,
    /// The key id as far as it is known (`Some(None)`: looked, no key yet): a profile's
    /// key never changes once made, and the audit log asks for it on every command,
    /// typing included (the keyring is a D-Bus round trip). `key` fills it when it
    /// creates the key.
    key_id: std::sync::Arc<std::sync::Mutex<Option<Option<String>>>>,
}

impl Signer {
    pub fn from_env() -> Self {
        let profile = std::env::var(PROFILE_ENV)
            .ok()
            .filter(|profile| !profile.trim().is_empty())
            .unwrap_or_else(|| DEFAULT_PROFILE.to_owned());
        Self {
            profile,
            key_id: std::sync::Arc::default(),
        }
    }

    /// This profile's key id, if it has a key; read from the keyring once.
    pub fn key_id(&self) -> Option<String> {
        let mut known = self
            .key_id
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(known) = known.as_ref() {
            return known.clone();
        }
        // An unreadable keyring is not remembered: the next command asks again.
        let info = self.info().ok()?;
        *known = Some(info.key_id.clone());
        info.key_id
    }

    fn remember(&self, key: &SigningKey) {
        let mut known = self
            .key_id
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        *known = Some(Some(key.key_id().as_str().to_owned()));
    }

    /// The key that signs, created in the keyring on first use. Keyring calls block
    /// on D-Bus, so they leave the async worker while they run.
    pub fn key(&self) -> Result<SigningKey, String> {
        let store = KeyringStore::new(&self.profile);
        let key = tokio::task::block_in_place(|| store.load_or_create()).map_err(|error| {
            tracing::error!(%error, profile = %self.profile, "the signing key is unavailable");
            format!(
                "Your signing key could not be read from the system keyring ({error}). \
                 Unlock the keyring and try again; nothing was signed."
            )
        })?;
        self.remember(&key);
        Ok(key)
    }

    /// The public key and its id, if a key exists. Never creates one.
    pub fn info(&self) -> Result<KeyInfo, String> {
        let store = KeyringStore::new(&self.profile);
        let key =
            tokio::task::block_in_place(|| store.load()).map_err(|error| error.to_string())?;
        Ok(KeyInfo {
            profile: self.profile.clone(),
            key_id: key.as_ref().map(|key| key.key_id().as_str().to_owned()),
            public_key: key.as_ref().map(|key| key.public().to_hex()),
        })
    }
}

impl Signer {
    /// This profile's bearer token for `server_url`, from the keyring.
    pub fn server_token(&self, server_url: &str) -> Result<Option<String>, String> {
        tokio::task::block_in_place(|| {
            tenantry_keystore::load_server_token(&self.profile, server_url)
        })
        .map_err(|error| error.to_string())
    }

    /// Keeps the token the server issued at registration, in the keyring.
    pub fn keep_server_token(&self, server_url: &str, token: &str) -> Result<(), String> {
        tokio::task::block_in_place(|| {
            tenantry_keystore::store_server_token(&self.profile, server_url, token)
        })
        .map_err(|error| error.to_string())
    }
}
