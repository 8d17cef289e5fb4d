//! The shape of a validation finding, shared by every form and command.

use serde::{Deserialize, Serialize};

/// The input fields the rules can point at. A closed set, so the UI can place every
/// message next to the field it is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub enum Field {
    ClientName,
    Industry,
}

/// One problem with one field, worded for the person filling the form.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct FieldIssue {
    pub field: Field,
    pub message: String,
}

impl FieldIssue {
    pub fn new(field: Field, message: impl Into<String>) -> Self {
        Self {
            field,
            message: message.into(),
        }
    }
}

/// Input that breaks one or more rules. Never empty.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{}", summary(.0))]
pub struct ValidationError(Vec<FieldIssue>);

impl ValidationError {
    /// `None` when there is nothing to report, so an empty error cannot exist.
    pub fn from_issues(issues: Vec<FieldIssue>) -> Option<Self> {
        (!issues.is_empty()).then_some(Self(issues))
    }

    /// For rule code that has just pushed at least one issue.
    pub(crate) fn new(issues: Vec<FieldIssue>) -> Self {
        debug_assert!(
            !issues.is_empty(),
            "a validation error names at least one issue"
        );
        Self(issues)
    }

    pub fn issues(&self) -> &[FieldIssue] {
        &self.0
    }

    pub fn into_issues(self) -> Vec<FieldIssue> {
        self.0
    }
}

fn summary(issues: &[FieldIssue]) -> String {
    issues
        .iter()
        .map(|issue| issue.message.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_error_needs_at_least_one_issue() {
        assert!(ValidationError::from_issues(Vec::new()).is_none());
    }

    #[test]
    fn the_error_message_joins_the_issue_messages() {
        let error = ValidationError::from_issues(vec![
            FieldIssue::new(Field::ClientName, "Enter the client's name."),
            FieldIssue::new(Field::Industry, "Choose an industry."),
        ])
        .expect("two issues");
        assert_eq!(
            error.to_string(),
            "Enter the client's name. Choose an industry."
        );
        assert_eq!(error.issues().len(), 2);
        assert_eq!(error.into_issues()[1].field, Field::Industry);
    }

    #[test]
    fn fields_serialise_as_the_ui_names_them() {
        let json = serde_json::to_string(&FieldIssue::new(Field::ClientName, "x")).expect("json");
        assert_eq!(json, r#"{"field":"clientName","message":"x"}"#);
    }
}
