//! The one error shape that crosses the IPC edge: `{ code, message, fields }`.

use serde::Serialize;
use tenantry_core::{FieldIssue, ValidationError};
use tenantry_policy::PolicyError;
use tenantry_store::{CreateDraftError, DraftError, RecordError, StoreError};
use tenantry_sync::SyncError;
use tenantry_workflow::WorkflowError;

/// What the UI may branch on. Grows only when the UI must act differently.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The input broke a rule; `fields` says which and why.
    InvalidInput,
    NotFound,
    /// Someone else's change got there first (the tenant moved on, or a look-alike
    /// slug exists); the user decides what to do.
    Conflict,
    /// The signing key could not be read from (or created in) the OS keyring.
    Keyring,
    /// The platform server cannot be reached; changes stay in the outbox.
    Offline,
    /// This person's key is not registered with the server, or not approved yet.
    NotRegistered,
    /// The server refused the request.
    Server,
    /// The local mirror failed or could not be opened.
    Storage,
    Internal,
}

/// An error the UI can show as it is: a message for people, never a debug chain.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, specta::Type, thiserror::Error)]
#[error("{message}")]
pub struct AppError {
    pub code: ErrorCode,
    pub message: String,
    /// For `invalid_input`: one entry per field to mark.
    pub fields: Vec<FieldIssue>,
}

impl AppError {
    fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            fields: Vec::new(),
        }
    }

    pub fn keyring(message: String) -> Self {
        Self::new(ErrorCode::Keyring, message)
    }

    pub fn not_found(message: String) -> Self {
        Self::new(ErrorCode::NotFound, message)
    }

    pub fn invalid(message: String) -> Self {
        Self::new(ErrorCode::InvalidInput, message)
    }

    pub fn not_registered(server_url: &str) -> Self {
        Self::new(
            ErrorCode::NotRegistered,
            format!(
                "Your key is not registered with {server_url} yet: register it in Settings, \
                 then ask an admin to approve it. Your changes stay in the outbox."
            ),
        )
    }

    pub fn mirror_unavailable(reason: &str) -> Self {
        Self::new(
            ErrorCode::Storage,
            format!(
                "Tenantry could not open its local mirror: {reason}. Check the database \
                 setting (TENANTRY_DATABASE_URL) or the data directory, then restart Tenantry."
            ),
        )
    }
}

impl From<ValidationError> for AppError {
    fn from(error: ValidationError) -> Self {
        Self {
            code: ErrorCode::InvalidInput,
            message: "Some answers need attention before this can be saved.".to_owned(),
            fields: error.into_issues(),
        }
    }
}

impl From<StoreError> for AppError {
    fn from(error: StoreError) -> Self {
        // The details (SQL state, file paths) go to the log, not to the window.
        tracing::error!(%error, "mirror error");
        Self::new(
            ErrorCode::Storage,
            "The local mirror could not complete this. Nothing was changed; try again, and if \
             it keeps failing, the details are in Tenantry's log.",
        )
    }
}

impl From<CreateDraftError> for AppError {
    fn from(error: CreateDraftError) -> Self {
        match error {
            CreateDraftError::Invalid(error) => error.into(),
            CreateDraftError::Store(error) => error.into(),
        }
    }
}

impl From<DraftError> for AppError {
    fn from(error: DraftError) -> Self {
        match error {
            DraftError::NotFound(_) => Self::new(ErrorCode::NotFound, error.to_string()),
            DraftError::TooLarge { .. }
            | DraftError::OtherTenant { .. }
            | DraftError::CannotUpgrade(_) => {
                Self::new(ErrorCode::InvalidInput, capitalised(&error.to_string()))
            }
            DraftError::Store(error) => error.into(),
        }
    }
}

impl From<PolicyError> for AppError {
    fn from(error: PolicyError) -> Self {
        tracing::error!(%error, "policy evaluation failed");
        Self::new(
            ErrorCode::Internal,
            "The policy pack could not check this document, so nothing was signed. The \
             details are in Tenantry's log.",
        )
    }
}

impl From<WorkflowError> for AppError {
    fn from(error: WorkflowError) -> Self {
        match error {
            WorkflowError::Draft(error) => error.into(),
            WorkflowError::Store(error) | WorkflowError::Record(RecordError::Store(error)) => {
                error.into()
            }
            WorkflowError::Policy(error) => error.into(),
            WorkflowError::Key(message) => Self::keyring(message),
            WorkflowError::Record(
                error @ (RecordError::NotHead { .. } | RecordError::SlugTaken { .. }),
            ) => Self::new(
                ErrorCode::Conflict,
                format!("Not submitted: {error}. Nothing was signed into the mirror."),
            ),
            WorkflowError::ChangeSet(error) => {
                Self::new(ErrorCode::InvalidInput, format!("Not submitted: {error}."))
            }
            error @ WorkflowError::UnknownTenant(_) => {
                Self::not_found(capitalised(&error.to_string()))
            }
            error @ (WorkflowError::NoSignedDocument { .. } | WorkflowError::NotPromotable) => {
                Self::new(
                    ErrorCode::InvalidInput,
                    format!("Not promoted: {error}. Nothing was signed."),
                )
            }
            other => {
                tracing::error!(error = %other, "submission failed");
                Self::new(
                    ErrorCode::Internal,
                    format!("Not submitted: {other}. Nothing was changed."),
                )
            }
        }
    }
}

impl From<SyncError> for AppError {
    fn from(error: SyncError) -> Self {
        let message = capitalised(&error.to_string());
        match error {
            SyncError::BadUrl(_) | SyncError::InsecureUrl(_) | SyncError::CaFile { .. } => {
                Self::new(ErrorCode::InvalidInput, message)
            }
            SyncError::Unreachable { .. } | SyncError::Unavailable { .. } => {
                Self::new(ErrorCode::Offline, message)
            }
            SyncError::MissingToken { url } => Self::not_registered(&url),
            SyncError::KeyNotApproved { .. } | SyncError::Unauthenticated { .. } => {
                Self::new(ErrorCode::NotRegistered, message)
            }
            SyncError::Signer(_) => Self::new(ErrorCode::Keyring, message),
            SyncError::SelfApproval { .. } => Self::new(ErrorCode::InvalidInput, message),
            SyncError::Store(error) | SyncError::Record(RecordError::Store(error)) => error.into(),
            SyncError::Refused { .. }
            | SyncError::Protocol(_)
            | SyncError::Untrusted { .. }
            | SyncError::SignedAfterRevocation { .. }
            | SyncError::UntrustedCertificate { .. }
            | SyncError::Resolve(_)
            | SyncError::Record(_) => {
                tracing::warn!(%error, "sync refused or failed");
                Self::new(ErrorCode::Server, message)
            }
        }
    }
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use tenantry_core::NewDraft;

    #[test]
    fn invalid_input_carries_every_field_issue() {
        let error = NewDraft::default().validate().expect_err("empty input");
        let app_error = AppError::from(error);
        assert_eq!(app_error.code, ErrorCode::InvalidInput);
        assert_eq!(app_error.fields.len(), 2);
    }

    #[test]
    fn storage_errors_do_not_leak_paths() {
        let error = StoreError::CreateDataDir {
            path: "/home/someone/.local/share/x".into(),
            source: std::io::Error::other("denied"),
        };
        let app_error = AppError::from(error);
        assert_eq!(app_error.code, ErrorCode::Storage);
        assert!(!app_error.message.contains("/home/someone"));
    }

    #[test]
    fn draft_errors_keep_their_specific_message() {
        let error = AppError::from(DraftError::TooLarge { bytes: 2_000_000 });
        assert_eq!(error.code, ErrorCode::InvalidInput);
        assert!(
            error.message.starts_with("The draft is 2000000 bytes"),
            "{}",
            error.message
        );
        let missing = AppError::from(DraftError::NotFound("x".into()));
        assert_eq!(missing.code, ErrorCode::NotFound);
    }

    #[test]
    fn a_taken_slug_is_a_conflict_the_user_can_read() {
        let error = AppError::from(WorkflowError::Record(RecordError::SlugTaken {
            slug: "acme".into(),
            existing: "acrne".into(),
        }));
        assert_eq!(error.code, ErrorCode::Conflict);
        assert!(error.message.contains("'acrne'"), "{}", error.message);
    }

    #[test]
    fn a_promotion_without_a_source_says_so_and_an_unknown_tenant_is_not_found() {
        let error = AppError::from(WorkflowError::NoSignedDocument {
            tenant: "corner-bakery".into(),
            environment: "staging",
        });
        assert_eq!(error.code, ErrorCode::InvalidInput);
        assert_eq!(
            error.message,
            "Not promoted: tenant 'corner-bakery' has no signed staging document yet. Nothing was signed."
        );
        let error = AppError::from(WorkflowError::UnknownTenant("nobody".into()));
        assert_eq!(error.code, ErrorCode::NotFound);
        assert!(
            error.message.starts_with("No tenant 'nobody'"),
            "{}",
            error.message
        );
    }

    #[test]
    fn a_locked_keyring_says_so() {
        let error = AppError::from(WorkflowError::Key("the keyring is locked".into()));
        assert_eq!(error.code, ErrorCode::Keyring);
        assert_eq!(error.message, "the keyring is locked");
    }

    #[test]
    fn sync_errors_tell_offline_from_unregistered() {
        let offline = AppError::from(SyncError::Unreachable {
            url: "http://127.0.0.1:1".into(),
            detail: "connection refused".into(),
        });
        assert_eq!(offline.code, ErrorCode::Offline);
        assert!(
            offline.message.contains("stay in the outbox"),
            "{}",
            offline.message
        );
        let missing = AppError::from(SyncError::MissingToken {
            url: "http://127.0.0.1:8480".into(),
        });
        assert_eq!(missing.code, ErrorCode::NotRegistered);
        assert!(
            missing.message.contains("register it in Settings"),
            "{}",
            missing.message
        );
        let bad = AppError::from(SyncError::BadUrl("ftp://x".into()));
        assert_eq!(bad.code, ErrorCode::InvalidInput);
    }

    #[test]
    fn serialises_as_the_ui_expects() {
        let json = serde_json::to_value(AppError::mirror_unavailable("x")).expect("json");
        assert_eq!(json["code"], "storage");
        assert!(json["fields"].as_array().expect("array").is_empty());
    }
}
