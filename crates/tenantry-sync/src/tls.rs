//! TLS for the sync client: one crypto provider (*ring*), the machine's trust store plus
//! an optional private certificate authority, and certificate failures told apart from
//! a network that is down.

use std::path::{Path, PathBuf};

use crate::error::SyncError;

/// Environment variable naming a PEM file of extra certificate authorities to trust,
/// for a platform whose server certificate comes from a private CA.
pub const CA_FILE_ENV: &str = "TENANTRY_SERVER_CA_FILE";

/// Largest CA file read: a bundle of a few hundred certificates fits easily.
const MAX_CA_FILE_BYTES: u64 = 1024 * 1024;

/// Makes *ring* the process's rustls crypto provider. reqwest is built without one
/// (see the workspace Cargo.toml), so every `reqwest::Client` in the process needs this
/// first; it is called by everything in this crate that builds a client, and is public
/// for programs and tests that build their own. Calling it again does nothing.
pub fn install_crypto_provider() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // Err means another provider was installed first, which serves as well.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

/// A default `reqwest::Client` with the provider installed, for tools and tests that
/// talk to the server directly rather than through a `Syncer`.
pub fn http_client() -> reqwest::Client {
    install_crypto_provider();
    reqwest::Client::new()
}

/// The CA file named by `TENANTRY_SERVER_CA_FILE`, if set and not blank.
pub fn ca_file_from_env() -> Option<PathBuf> {
    std::env::var_os(CA_FILE_ENV)
        .filter(|value| !value.to_string_lossy().trim().is_empty())
        .map(PathBuf::from)
}

/// Reads the certificates of a PEM file; a file that is missing, too large, not PEM or
/// holds no certificate is an error naming the file.
pub fn read_ca_file(path: &Path) -> Result<Vec<reqwest::Certificate>, SyncError> {
    let error = |detail: String| SyncError::CaFile {
        path: path.to_path_buf(),
        detail,
    };
    let metadata = std::fs::metadata(path).map_err(|e| error(e.to_string()))?;
    if !metadata.is_file() {
        return Err(error("not a file".to_owned()));
    }
    if metadata.len() > MAX_CA_FILE_BYTES {
        return Err(error(format!(
            "{} bytes; a CA file is at most {MAX_CA_FILE_BYTES}",
            metadata.len()
        )));
    }
    let bytes = std::fs::read(path).map_err(|e| error(e.to_string()))?;
    let certificates = reqwest::Certificate::from_pem_bundle(&bytes)
        .map_err(|e| error(format!("not a PEM certificate bundle: {e}")))?;
    if certificates.is_empty() {
        return Err(error("holds no PEM certificate".to_owned()));
    }
    Ok(certificates)
}

/// Whether plain `http://` may be used for `host` (as `Url::host_str` gives it): only on
/// this machine (the sandbox server of `make run`, tests), because the bearer token
/// travels with every request.
pub fn plain_http_allowed(host: &str) -> bool {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    match bare.parse::<std::net::IpAddr>() {
        Ok(address) => address.is_loopback(),
        Err(_) => bare.eq_ignore_ascii_case("localhost"),
    }
}

/// A failed request whose cause is the server's certificate (unknown authority, wrong
/// name, expired): a configuration problem to tell the user about, not an outage to
/// retry. Returns rustls' description of it.
pub(crate) fn certificate_problem(error: &reqwest::Error) -> Option<String> {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(cause) = source {
        if let Some(rustls_error) = cause.downcast_ref::<rustls::Error>() {
            return matches!(
                rustls_error,
                rustls::Error::InvalidCertificate(_)
                    | rustls::Error::NoCertificatesPresented
                    | rustls::Error::InvalidCertRevocationList(_)
            )
            .then(|| rustls_error.to_string());
        }
        // io::Error's `source()` skips the error it wraps; look inside it instead.
        source = match cause.downcast_ref::<std::io::Error>() {
            Some(io) => match io.get_ref() {
                Some(inner) => Some(inner as &(dyn std::error::Error + 'static)),
                None => None,
            },
            None => cause.source(),
        };
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_http_only_on_this_machine() {
        for host in ["127.0.0.1", "127.8.9.10", "[::1]", "localhost", "LOCALHOST"] {
            assert!(plain_http_allowed(host), "{host}");
        }
        for host in [
            "10.0.0.5",
            "sync.example.com",
            "[2001:db8::1]",
            "localhost.evil.com",
        ] {
            assert!(!plain_http_allowed(host), "{host}");
        }
    }

    #[test]
    fn a_ca_file_that_is_missing_empty_or_not_pem_is_named_in_the_error() {
        let dir = tempfile::tempdir().expect("dir");
        let missing = dir.path().join("missing.pem");
        let error = read_ca_file(&missing).expect_err("missing");
        assert!(error.to_string().contains("missing.pem"), "{error}");

        let empty = dir.path().join("empty.pem");
        std::fs::write(&empty, "").expect("write");
        let error = read_ca_file(&empty).expect_err("empty");
        assert!(error.to_string().contains("no PEM certificate"), "{error}");

        let garbage = dir.path().join("garbage.pem");
        std::fs::write(
            &garbage,
            "-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n",
        )
        .expect("write");
        assert!(read_ca_file(&garbage).is_err());

        assert!(read_ca_file(dir.path()).is_err(), "a directory is refused");
    }

    #[test]
    fn installing_the_provider_twice_is_harmless() {
        install_crypto_provider();
        install_crypto_provider();
        assert!(rustls::crypto::CryptoProvider::get_default().is_some());
        // Would panic without a provider.
        let _client = http_client();
    }
}
