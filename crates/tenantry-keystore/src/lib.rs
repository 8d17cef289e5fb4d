//! Where a staff member's signing key lives.
//!
//! - **The OS keyring** (Secret Service on Linux desktops, the Keychain on macOS, the
//!   Credential Manager on Windows): the default. A key is created on first use and never
//!   leaves the keyring except to sign in memory; it never touches the database, the
//!   logs or the web view.
//! - **An owner-only key file**, for automation on machines without a keyring (a
//!   platform team's pipeline). Never the default; refused when anyone but the owner
//!   can read it.
//!
//! The keyring is the default feature `os-keyring`. Without it (`default-features =
//! false`) only key files and rotation endorsements are built, with no D-Bus or keyring
//! crate: that is how the platform server uses this crate for its platform key.

mod file;
#[cfg(feature = "os-keyring")]
mod keyring_store;
mod rotation;
#[cfg(feature = "os-keyring")]
mod token;

pub use file::{read_key_file, write_key_file};
#[cfg(feature = "os-keyring")]
pub use keyring_store::{KeyringStore, StoreKind, KEYRING_SERVICE};
pub use rotation::{Endorsement, ENDORSEMENT_CONTEXT};
#[cfg(feature = "os-keyring")]
pub use token::{delete_server_token, load_server_token, store_server_token, TOKEN_SERVICE};

/// Why a key could not be read, written or made.
#[derive(Debug, thiserror::Error)]
pub enum KeyStoreError {
    #[error("the OS keyring is not available ({0}). On Linux, a Secret Service (e.g. GNOME Keyring) must be running and unlocked; on a server, use a key file instead (--key-file)")]
    KeyringUnavailable(String),
    #[error("the keyring holds an entry for '{0}' that is not a Tenantry signing key")]
    CorruptEntry(String),
    #[error("no signing key for '{0}' yet; create one with `tenantry key create`")]
    NoKey(String),
    #[error("a signing key for '{0}' already exists (key id {1}); use `tenantry key rotate` to replace it")]
    AlreadyExists(String, String),
    #[error("the key file {path} can be read by others (mode {mode:o}); run `chmod 600 {path}` and try again")]
    LooseFilePermissions { path: String, mode: u32 },
    #[error("cannot read the key file {path}: {reason}")]
    FileUnreadable { path: String, reason: String },
    #[error("cannot write the key file {path}: {reason}")]
    FileUnwritable { path: String, reason: String },
    #[error(transparent)]
    Key(#[from] tenantry_changeset::keys::KeyError),
}
