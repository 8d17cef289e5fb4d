//! The one error shape that crosses the IPC edge: `{ code, message, fields }`.

use serde::Serialize;
use tenantry_core::{FieldIssue, ValidationError};
use tenantry_store::{CreateDraftError, StoreError};

/// What the UI may branch on. Grows only when the UI must act differently.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The input broke a rule; `fields` says which and why.
    InvalidInput,
    NotFound,
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
    fn serialises_as_the_ui_expects() {
        let json = serde_json::to_value(AppError::mirror_unavailable("x")).expect("json");
        assert_eq!(json["code"], "storage");
        assert!(json["fields"].as_array().expect("array").is_empty());
    }
}
