//! A draft onboarding: the private, editable working copy of one client's tenant
//! document, kept locally (and autosaved) until it is submitted, and kept afterwards so
//! that the next edit becomes the next change set.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::client_name::ClientName;
use crate::industry::Industry;
use crate::tenant::{Slug, TenantDocument};
use crate::timestamp::Timestamp;
use crate::validation::{Field, FieldIssue, ValidationError};

/// A draft's identifier: a UUIDv7, so ids sort by creation time and never repeat.
#[derive(
    Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, specta::Type,
)]
#[serde(transparent)]
pub struct DraftId(String);

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("'{0}' is not a draft id")]
pub struct DraftIdError(String);

impl DraftId {
    pub fn generate() -> Self {
        Self(Uuid::now_v7().hyphenated().to_string())
    }

    /// Accepts only the canonical lowercase hyphenated form, so one draft has one id text.
    pub fn parse(text: &str) -> Result<Self, DraftIdError> {
        match Uuid::try_parse(text) {
            Ok(uuid) if uuid.hyphenated().to_string() == text => Ok(Self(text.to_owned())),
            _ => Err(DraftIdError(text.to_owned())),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// What a person typed into the "New client" form, before any rule was applied.
/// The industry is text so that a wrong value gets our own message, not a parse failure.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct NewDraft {
    pub client_name: String,
    pub industry: String,
}

/// A [`NewDraft`] that passed every rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValidNewDraft {
    pub client_name: ClientName,
    pub industry: Industry,
    /// The tenant's web address, derived from the name when the draft is created.
    pub slug: Slug,
}

impl ValidNewDraft {
    /// The tenant document the draft starts from: a fresh tenant id and the safe,
    /// restrictive defaults, with the name and industry filled in.
    pub fn starting_document(&self) -> TenantDocument {
        TenantDocument::starting(&self.client_name, self.slug.clone(), self.industry, &[])
    }
}

impl NewDraft {
    /// Checks every field and reports all problems at once, so the form can mark each.
    pub fn validate(&self) -> Result<ValidNewDraft, ValidationError> {
        let mut issues = Vec::new();
        let client_name = ClientName::parse(&self.client_name)
            .map_err(|error| issues.push(FieldIssue::new(Field::ClientName, error.to_string())))
            .ok();
        // The slug is the tenant's address on the platform; a name it cannot be made
        // from (only non-Latin letters, say) is caught here, not at submission.
        let slug = client_name.as_ref().and_then(|name| {
            Slug::from_name(name.as_str())
                .map_err(|error| {
                    issues.push(FieldIssue::new(
                        Field::ClientName,
                        format!(
                            "No web address can be made from this name ({error}); \
                             include the client's name in Latin letters."
                        ),
                    ))
                })
                .ok()
        });
        let industry = if self.industry.is_empty() {
            issues.push(FieldIssue::new(
                Field::Industry,
                "Choose the client's industry.",
            ));
            None
        } else {
            let found = Industry::from_id(&self.industry);
            if found.is_none() {
                issues.push(FieldIssue::new(
                    Field::Industry,
                    "That industry is not in the list; choose one of the listed industries.",
                ));
            }
            found
        };
        match (client_name, industry, slug) {
            (Some(client_name), Some(industry), Some(slug)) => Ok(ValidNewDraft {
                client_name,
                industry,
                slug,
            }),
            _ => Err(ValidationError::new(issues)),
        }
    }

    /// The problems [`NewDraft::validate`] would report; empty when the input is fine.
    pub fn issues(&self) -> Vec<FieldIssue> {
        self.validate()
            .err()
            .map(ValidationError::into_issues)
            .unwrap_or_default()
    }
}

/// Where a draft stands against what was signed from it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub enum SubmissionState {
    /// Nothing has been signed from this draft yet.
    NotSubmitted,
    /// The last submission holds every edit.
    Submitted,
    /// Edited after the last submission: the next submission makes a new change set.
    EditedSinceSubmission,
}

impl SubmissionState {
    /// From the draft's last edit and its last submission (if any).
    pub fn from_times(updated_at: Timestamp, submitted_at: Option<Timestamp>) -> Self {
        match submitted_at {
            None => Self::NotSubmitted,
            Some(submitted) if updated_at > submitted => Self::EditedSinceSubmission,
            Some(_) => Self::Submitted,
        }
    }
}

/// A draft as the mirror keeps it and every front end lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Draft {
    pub id: DraftId,
    pub client_name: String,
    pub industry: Industry,
    pub industry_label: String,
    /// The tenant's web address, as the draft's document holds it.
    pub slug: String,
    pub submission: SubmissionState,
    #[specta(type = String)]
    pub created_at: Timestamp,
    #[specta(type = String)]
    pub updated_at: Timestamp,
}

impl Draft {
    /// Starts a new draft from validated input, with a fresh id.
    pub fn start(input: &ValidNewDraft, now: Timestamp) -> Self {
        Self {
            id: DraftId::generate(),
            client_name: input.client_name.as_str().to_owned(),
            industry: input.industry,
            industry_label: input.industry.label().to_owned(),
            slug: input.slug.as_str().to_owned(),
            submission: SubmissionState::NotSubmitted,
            created_at: now,
            updated_at: now,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(name: &str, industry: &str) -> NewDraft {
        NewDraft {
            client_name: name.to_owned(),
            industry: industry.to_owned(),
        }
    }

    #[test]
    fn good_input_starts_a_draft() {
        let valid = input(" Acme Health ", "healthcare")
            .validate()
            .expect("valid");
        let now = Timestamp::from_unix_millis(1_000).expect("in range");
        let draft = Draft::start(&valid, now);
        assert_eq!(draft.client_name, "Acme Health");
        assert_eq!(draft.industry, Industry::Healthcare);
        assert_eq!(draft.industry_label, "Healthcare");
        assert_eq!(draft.created_at, now);
        assert_eq!(draft.updated_at, now);
        assert!(DraftId::parse(draft.id.as_str()).is_ok());
        assert_eq!(draft.slug, "acme-health");
        assert_eq!(draft.submission, SubmissionState::NotSubmitted);
    }

    #[test]
    fn a_name_with_no_latin_letters_cannot_become_a_draft() {
        let issues = input("株式会社", "retail").issues();
        assert_eq!(issues.len(), 1, "{issues:?}");
        assert_eq!(issues[0].field, Field::ClientName);
        assert!(issues[0].message.contains("No web address"), "{issues:?}");
        // A Cyrillic look-alike is refused with the letter it imitates.
        let issues = input("\u{0430}cme", "retail").issues();
        assert!(
            issues[0].message.contains("looks like the Latin 'a'"),
            "{issues:?}"
        );
    }

    #[test]
    fn the_starting_document_carries_the_name_industry_and_slug() {
        let valid = input("Müller & Söhne", "retail").validate().expect("valid");
        let document = valid.starting_document();
        assert_eq!(document.tenant.display_name, "Müller & Söhne");
        assert_eq!(document.tenant.slug.as_str(), "muller-sohne");
        assert_eq!(document.classification.industry, Some(Industry::Retail));
        assert!(document.services.is_empty());
        // Each call is a new tenant: ids are never reused.
        assert_ne!(document.tenant.id, valid.starting_document().tenant.id);
    }

    #[test]
    fn submission_state_follows_the_last_edit_and_the_last_submission() {
        let at = |ms| Timestamp::from_unix_millis(ms).expect("in range");
        assert_eq!(
            SubmissionState::from_times(at(5), None),
            SubmissionState::NotSubmitted
        );
        assert_eq!(
            SubmissionState::from_times(at(5), Some(at(5))),
            SubmissionState::Submitted
        );
        assert_eq!(
            SubmissionState::from_times(at(6), Some(at(5))),
            SubmissionState::EditedSinceSubmission
        );
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let issues = input("   ", "").issues();
        assert_eq!(
            issues,
            vec![
                FieldIssue::new(Field::ClientName, "Enter the client's name."),
                FieldIssue::new(Field::Industry, "Choose the client's industry."),
            ]
        );
    }

    #[test]
    fn an_unknown_industry_is_named_as_such() {
        let issues = input("Acme", "crypto").issues();
        assert_eq!(issues.len(), 1);
        assert_eq!(issues[0].field, Field::Industry);
        assert!(issues[0].message.contains("not in the list"));
    }

    #[test]
    fn valid_input_has_no_issues() {
        assert!(input("Acme", "retail").issues().is_empty());
    }

    #[test]
    fn draft_ids_are_unique_and_time_ordered() {
        let first = DraftId::generate();
        let second = DraftId::generate();
        assert_ne!(first, second);
        assert!(first < second);
    }

    #[test]
    fn only_canonical_ids_parse() {
        let id = DraftId::generate();
        assert_eq!(DraftId::parse(id.as_str()), Ok(id.clone()));
        assert!(DraftId::parse(&id.as_str().to_uppercase()).is_err());
        assert!(DraftId::parse("not-an-id").is_err());
        assert!(DraftId::parse("").is_err());
    }

    #[test]
    fn drafts_serialise_in_the_shape_the_ui_reads() {
        let draft = Draft::start(
            &input("Acme", "retail").validate().expect("valid"),
            Timestamp::from_unix_millis(0).expect("in range"),
        );
        let json = serde_json::to_value(&draft).expect("json");
        assert_eq!(json["clientName"], "Acme");
        assert_eq!(json["industry"], "retail");
        assert_eq!(json["industryLabel"], "Retail and e-commerce");
        assert_eq!(json["createdAt"], "1970-01-01T00:00:00Z");
        assert_eq!(json["submission"], "notSubmitted");
    }
}
