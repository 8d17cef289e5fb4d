use tenantry_changeset::keys::KeyError;
use tenantry_changeset::{PublicKey, SigningKey};
use zeroize::Zeroizing;

use crate::rotation::Endorsement;
use crate::KeyStoreError;

/// The keyring "service" under which Tenantry keeps keys; the "user" is the profile.
pub const KEYRING_SERVICE: &str = "dev.tenantry.signing-key";

/// What kind of store the platform's default keyring is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StoreKind {
    /// Kept on disk by the OS (Secret Service, Keychain, Credential Manager).
    Persistent,
    /// Kept in kernel memory until reboot (Linux keyutils).
    UntilReboot,
    /// Not a real store: values vanish with the process or the entry. Never acceptable.
    Mock,
}

/// The signing keys of one profile (normally the OS user's Tenantry identity).
#[derive(Debug, Clone)]
pub struct KeyringStore {
    profile: String,
}

pub(crate) fn unavailable(error: keyring::Error) -> KeyStoreError {
    KeyStoreError::KeyringUnavailable(error.to_string())
}

impl KeyringStore {
    pub fn new(profile: &str) -> Self {
        Self {
            profile: profile.to_owned(),
        }
    }

    pub fn profile(&self) -> &str {
        &self.profile
    }

    /// The kind of store this build's keyring writes to. The build names its platform
    /// stores explicitly, so this is never `Mock`; a test holds it to that.
    pub fn store_kind() -> StoreKind {
        use keyring::credential::CredentialPersistence;
        match keyring::default::default_credential_builder().persistence() {
            CredentialPersistence::UntilDelete => StoreKind::Persistent,
            CredentialPersistence::UntilReboot => StoreKind::UntilReboot,
            _ => StoreKind::Mock,
        }
    }

    fn entry(&self) -> Result<keyring::Entry, KeyStoreError> {
        keyring::Entry::new(KEYRING_SERVICE, &self.profile).map_err(unavailable)
    }

    /// The profile's key, if it has one.
    pub fn load(&self) -> Result<Option<SigningKey>, KeyStoreError> {
        match self.entry()?.get_secret() {
            Ok(secret) => {
                let secret = Zeroizing::new(secret);
                SigningKey::from_bytes(&secret)
                    .map(Some)
                    .map_err(|_: KeyError| KeyStoreError::CorruptEntry(self.profile.clone()))
            }
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(error) => Err(unavailable(error)),
        }
    }

    /// The profile's key, made and stored on first use.
    pub fn load_or_create(&self) -> Result<SigningKey, KeyStoreError> {
        if let Some(key) = self.load()? {
            return Ok(key);
        }
        self.create()
    }

    /// Makes and stores a new key; refuses to overwrite an existing one.
    pub fn create(&self) -> Result<SigningKey, KeyStoreError> {
        if let Some(existing) = self.load()? {
            return Err(KeyStoreError::AlreadyExists(
                self.profile.clone(),
                existing.key_id().to_string(),
            ));
        }
        let key = SigningKey::generate()?;
        self.store(&key)?;
        tracing::info!(key_id = %key.key_id(), "signing key created in the OS keyring");
        Ok(key)
    }

    /// Replaces the key with a new one endorsed by the old one, so a verifier that
    /// trusts the old key can learn to trust the new.
    pub fn rotate(&self) -> Result<(SigningKey, Endorsement), KeyStoreError> {
        let old = self
            .load()?
            .ok_or_else(|| KeyStoreError::NoKey(self.profile.clone()))?;
        let new = SigningKey::generate()?;
        let endorsement = Endorsement::new(&old, &new.public());
        self.store(&new)?;
        tracing::info!(old = %old.key_id(), new = %new.key_id(), "signing key rotated");
        Ok((new, endorsement))
    }

    /// The public half, for export.
    pub fn public(&self) -> Result<PublicKey, KeyStoreError> {
        Ok(self
            .load()?
            .ok_or_else(|| KeyStoreError::NoKey(self.profile.clone()))?
            .public())
    }

    /// Removes the profile's key (tests and explicit revocation only).
    pub fn delete(&self) -> Result<(), KeyStoreError> {
        match self.entry()?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(error) => Err(unavailable(error)),
        }
    }

    fn store(&self, key: &SigningKey) -> Result<(), KeyStoreError> {
        self.entry()?
            .set_secret(key.to_bytes().as_ref())
            .map_err(unavailable)
    }
}
