//! The bearer token a platform server issued to this profile's key, kept in the OS
//! keyring next to the key (never in the mirror or a config file). One entry per
//! profile and server URL, so a person can be registered with several servers.

use crate::keyring_store::unavailable;
use crate::KeyStoreError;

/// The keyring "service" of server tokens; the "user" is `<profile> <server URL>`.
pub const TOKEN_SERVICE: &str = "dev.tenantry.server-token";

fn entry(profile: &str, server_url: &str) -> Result<keyring::Entry, KeyStoreError> {
    keyring::Entry::new(TOKEN_SERVICE, &format!("{profile} {server_url}")).map_err(unavailable)
}

/// Keeps `token` for `profile` at `server_url`, replacing an earlier one.
pub fn store_server_token(
    profile: &str,
    server_url: &str,
    token: &str,
) -> Result<(), KeyStoreError> {
    entry(profile, server_url)?
        .set_password(token)
        .map_err(unavailable)
}

/// The token of `profile` at `server_url`, if one is kept.
pub fn load_server_token(profile: &str, server_url: &str) -> Result<Option<String>, KeyStoreError> {
    match entry(profile, server_url)?.get_password() {
        Ok(token) => Ok(Some(token)),
        Err(keyring::Error::NoEntry) => Ok(None),
        Err(error) => Err(unavailable(error)),
    }
}

/// Forgets the token of `profile` at `server_url` (nothing kept: fine).
pub fn delete_server_token(profile: &str, server_url: &str) -> Result<(), KeyStoreError> {
    match entry(profile, server_url)?.delete_credential() {
        Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
        Err(error) => Err(unavailable(error)),
    }
}
