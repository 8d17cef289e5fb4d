use tenantry_store::{RecordError, StoreError};

/// Why a sync step failed. Messages name the server but never the token.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error(
        "'{0}' is not a server URL Tenantry can use; expected http://host:port or https://host"
    )]
    BadUrl(String),
    #[error(
        "'{0}' would send your token unencrypted: use https://. Plain http:// is only for a server on this machine, such as the sandbox of `make run`"
    )]
    InsecureUrl(String),
    #[error("cannot use the certificate authority file {}: {detail}", path.display())]
    CaFile {
        path: std::path::PathBuf,
        detail: String,
    },
    #[error(
        "the server at {url} presented a certificate this machine does not trust ({detail}); if your platform uses a private certificate authority, set TENANTRY_SERVER_CA_FILE to its PEM file"
    )]
    UntrustedCertificate { url: String, detail: String },
    #[error("the server at {url} cannot be reached ({detail}); your changes stay in the outbox")]
    Unreachable { url: String, detail: String },
    #[error("the server at {url} is unavailable (HTTP {status}: {message}); your changes stay in the outbox")]
    Unavailable {
        url: String,
        status: u16,
        message: String,
    },
    #[error("no token for {url} in this profile: register your key first with `tenantry server register --server {url}`")]
    MissingToken { url: String },
    #[error("your key is registered but not approved yet: an admin must approve it on the server ({message})")]
    KeyNotApproved { message: String },
    #[error("the server refused the token ({code}): {message}")]
    Unauthenticated { code: String, message: String },
    #[error("the server refused the request (HTTP {status}, {code}): {message}")]
    Refused {
        status: u16,
        code: String,
        message: String,
    },
    #[error("the server sent something this client cannot read: {0}")]
    Protocol(String),
    #[error("the server sent change set {hash} (sequence {seq}) that cannot be trusted: {detail}")]
    Untrusted {
        seq: i64,
        hash: String,
        detail: String,
    },
    #[error("the server sent change set {hash} (sequence {seq}) signed by key {key_id} ({name}), which was revoked after sequence {revoked_after_seq}: nothing of this page is applied")]
    SignedAfterRevocation {
        seq: i64,
        hash: String,
        key_id: String,
        name: String,
        revoked_after_seq: i64,
    },
    #[error("cannot sign the rebased change set: {0}")]
    Signer(String),
    #[error("you authored change set {hash}; someone else must approve it")]
    SelfApproval { hash: String },
    #[error("cannot resolve the conflict: {0}")]
    Resolve(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Record(#[from] RecordError),
}

impl SyncError {
    /// Worth trying again later: the server or the network, not the request.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            SyncError::Unreachable { .. } | SyncError::Unavailable { .. }
        )
    }

    /// The server could not be reached at all (the status shows "offline").
    pub fn is_offline(&self) -> bool {
        matches!(self, SyncError::Unreachable { .. })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_network_and_server_trouble_is_retryable() {
        let unreachable = SyncError::Unreachable {
            url: "http://x".into(),
            detail: "refused".into(),
        };
        assert!(unreachable.is_retryable() && unreachable.is_offline());
        let busy = SyncError::Unavailable {
            url: "http://x".into(),
            status: 503,
            message: "busy".into(),
        };
        assert!(busy.is_retryable() && !busy.is_offline());
        let refused = SyncError::Refused {
            status: 403,
            code: "forbidden_role".into(),
            message: "no".into(),
        };
        assert!(!refused.is_retryable());
        assert!(SyncError::MissingToken {
            url: "http://x".into()
        }
        .to_string()
        .contains("tenantry server register"));
    }
}
