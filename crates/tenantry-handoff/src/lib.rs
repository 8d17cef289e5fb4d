//! The client handoff document (step 12 of onboarding): what the teams that take over a
//! client need to know, generated from the tenant document *as it was signed* and the
//! change sets (with their signers) that produced it.
//!
//! ```text
//! Handoff::build(&document, &history)?  →  .markdown()  GitHub-flavoured Markdown
//!                                          .html()      one self-contained, print-ready page
//!                                          .pdf()       A4 PDF 1.4 (see [`pdf`] for its limits)
//! ```
//!
//! Building refuses a document or history that holds anything that looks like a
//! credential (see [`tenantry_core::credentials`]), naming the field; a handoff prints
//! secret *references* only. Rendering cannot fail, and the same input always renders
//! the same bytes (there is no "generated at" clock in the output).
//!
//! This crate is pure: no database, file system or network. The CLI (`tenantry
//! handoff`) and the desktop app map their stored history into [`ChangeRecord`]s.

mod format;
mod html;
mod markdown;
mod model;
pub mod pdf;

use tenantry_changeset::Environment;
use tenantry_core::credentials::{self, CredentialKind};
use tenantry_core::{TenantDocument, Timestamp};

use model::Section;
pub use model::SECTION_TITLES;

/// Who signed a change set: the key id, and the name the mirror knows the key by.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Signer {
    pub key_id: String,
    pub label: Option<String>,
}

/// One signed change set that produced the documented version, oldest first.
#[derive(Clone, Debug, PartialEq)]
pub struct ChangeRecord {
    /// Its sequence number in the tenant's chain.
    pub seq: i64,
    /// SHA-256 (hex) of the signed payload.
    pub hash: String,
    pub environment: Environment,
    pub author: Signer,
    /// Co-signers (approvals), in signature order; empty when nobody co-signed.
    pub approvers: Vec<Signer>,
    pub created_at: Timestamp,
    pub summary: String,
    /// The JSON pointers the change set's operations touched ("" is the whole document).
    pub changed_paths: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum HandoffError {
    /// A value looks like a credential. The value itself is never repeated.
    #[error("{field} looks like {kind}; a handoff document never prints credentials. Store it in the secrets manager, replace it with its secret:// reference in a new signed change set, and generate the handoff again")]
    LooksLikeSecret { field: String, kind: CredentialKind },
    #[error("the document cannot be read as JSON: {0}")]
    Document(String),
}

/// The handoff document of one tenant, ready to render.
#[derive(Clone, Debug)]
pub struct Handoff {
    pub(crate) client: String,
    pub(crate) tenant_id: String,
    pub(crate) slug: String,
    pub(crate) environment: Option<Environment>,
    /// The newest change set of the history: the version this document describes.
    pub(crate) head: Option<String>,
    pub(crate) sections: Vec<Section>,
}

impl Handoff {
    /// Builds the handoff of `document` as produced by `history` (oldest first; the
    /// last record is the change set whose result `document` is). An empty history is
    /// allowed and shown as "not signed yet".
    pub fn build(
        document: &TenantDocument,
        history: &[ChangeRecord],
    ) -> Result<Self, HandoffError> {
        check_document(document)?;
        check_history(history)?;
        let head = history.last();
        let mut handoff = Handoff {
            client: document.tenant.display_name.clone(),
            tenant_id: document.tenant.id.to_string(),
            slug: document.tenant.slug.to_string(),
            environment: head.map(|record| record.environment),
            head: head.map(|record| record.hash.clone()),
            sections: model::sections(document, history),
        };
        // Belt and braces: values that are harmless alone can read as a secret once
        // joined (a flag named `api_key` with the value `abc123…` becomes
        // "api_key = abc123…"), so every string that will be printed is checked too.
        handoff.check_rendered_strings()?;
        handoff.sections.shrink_to_fit();
        Ok(handoff)
    }

    /// The client's display name.
    pub fn client(&self) -> &str {
        &self.client
    }

    /// The tenant's slug: names the files the document is saved as.
    pub fn slug(&self) -> &str {
        &self.slug
    }

    /// The hash of the change set the document describes, if it was signed.
    pub fn head(&self) -> Option<&str> {
        self.head.as_deref()
    }

    /// The titles of the sections, in order.
    pub fn section_titles(&self) -> Vec<&str> {
        self.sections.iter().map(|section| section.title).collect()
    }

    /// GitHub-flavoured Markdown.
    pub fn markdown(&self) -> String {
        markdown::render(self)
    }

    /// One self-contained HTML file (inline CSS, no scripts, no external resources)
    /// laid out for A4 printing, each section on its own page.
    pub fn html(&self) -> String {
        html::render(self)
    }

    /// An A4 PDF 1.4 document using the PDF base-14 fonts.
    pub fn pdf(&self) -> Vec<u8> {
        pdf::render(self)
    }

    /// "Cedar Valley Health · tenant 01a1… · change set 7f3a…": what every page names.
    pub(crate) fn footer(&self) -> String {
        let head = match &self.head {
            Some(hash) => format!("change set {hash}"),
            None => "not signed yet".to_owned(),
        };
        format!("{} · {head}", self.client)
    }

    fn check_rendered_strings(&self) -> Result<(), HandoffError> {
        check("the client name", &self.client)?;
        for section in &self.sections {
            for (place, text) in section.strings() {
                check(&format!("the {} section ({place})", section.title), text)?;
            }
        }
        Ok(())
    }
}

fn check(field: &str, text: &str) -> Result<(), HandoffError> {
    match credentials::detect(text) {
        Some(kind) => Err(HandoffError::LooksLikeSecret {
            field: field.to_owned(),
            kind,
        }),
        None => Ok(()),
    }
}

/// Every string in the document (and every map key), by JSON pointer.
fn check_document(document: &TenantDocument) -> Result<(), HandoffError> {
    let value = serde_json::to_value(document)
        .map_err(|error| HandoffError::Document(error.to_string()))?;
    check_value("", &value)
}

fn check_value(path: &str, value: &serde_json::Value) -> Result<(), HandoffError> {
    use serde_json::Value;
    match value {
        Value::String(text) => check(&format!("the value at {}", shown(path)), text),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .try_for_each(|(index, item)| check_value(&format!("{path}/{index}"), item)),
        Value::Object(map) => map.iter().try_for_each(|(key, item)| {
            let child = tenantry_changeset::pointer::join(path, key);
            // The key itself may be the secret: name where it is, never what it is.
            check(&format!("a key in {}", shown(path)), key)?;
            check_value(&child, item)
        }),
        Value::Null | Value::Bool(_) | Value::Number(_) => Ok(()),
    }
}

fn shown(path: &str) -> &str {
    if path.is_empty() {
        "/"
    } else {
        path
    }
}

fn check_history(history: &[ChangeRecord]) -> Result<(), HandoffError> {
    for record in history {
        let place = |what: &str| format!("the {what} of change set #{}", record.seq);
        check(&place("hash"), &record.hash)?;
        check(&place("summary"), &record.summary)?;
        for signer in std::iter::once(&record.author).chain(&record.approvers) {
            check(&place("signer key id"), &signer.key_id)?;
            if let Some(label) = &signer.label {
                check(&place("signer name"), label)?;
            }
        }
        for path in &record.changed_paths {
            check(&place("changed paths"), path)?;
        }
    }
    Ok(())
}

#[cfg(test)]
pub(crate) mod testing {
    use super::*;

    /// The shipped HIPAA example.
    pub fn healthcare() -> TenantDocument {
        let text = include_str!("../../../examples/tenants/healthcare-hipaa.json");
        serde_json::from_str(text).expect("the example parses")
    }

    pub fn signer(label: &str) -> Signer {
        Signer {
            key_id: format!("{:0>64}", label.len()),
            label: Some(label.to_owned()),
        }
    }

    pub fn history() -> Vec<ChangeRecord> {
        vec![
            ChangeRecord {
                seq: 1,
                hash: "a".repeat(64),
                environment: Environment::Staging,
                author: signer("Priya Raman"),
                approvers: vec![],
                created_at: Timestamp::parse_rfc3339("2026-10-20T09:00:00Z").expect("time"),
                summary: "Onboard Cedar Valley Health".to_owned(),
                changed_paths: vec![String::new()],
            },
            ChangeRecord {
                seq: 2,
                hash: "b".repeat(64),
                environment: Environment::Staging,
                author: signer("Priya Raman"),
                approvers: vec![signer("Helen Park (Compliance)")],
                created_at: Timestamp::parse_rfc3339("2026-10-28T10:00:00Z").expect("time"),
                summary: "Record go-live evidence".to_owned(),
                changed_paths: vec!["/go_live/items/logs".to_owned(), "/ai/tools".to_owned()],
            },
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::testing::*;
    use super::*;

    #[test]
    fn build_names_the_client_and_the_head_change_set() {
        let handoff = Handoff::build(&healthcare(), &history()).expect("builds");
        assert_eq!(handoff.client(), "Cedar Valley Health");
        assert_eq!(handoff.slug(), "cedar-valley-health");
        assert_eq!(handoff.head(), Some("b".repeat(64).as_str()));
        assert_eq!(handoff.section_titles(), SECTION_TITLES.to_vec());
        assert!(handoff.footer().contains(&"b".repeat(64)));
    }

    #[test]
    fn an_unsigned_document_builds_and_says_so() {
        let handoff = Handoff::build(&healthcare(), &[]).expect("builds");
        assert_eq!(handoff.head(), None);
        assert!(handoff.footer().ends_with("not signed yet"));
        assert!(handoff.markdown().contains("not signed yet"));
    }

    #[test]
    fn a_secret_in_the_document_is_refused_naming_the_field_not_the_value() {
        let mut document = healthcare();
        document.integrations[0].purpose = "Eligibility; api_key: 9f8e7d6c5b4a3210".to_owned();
        let error = Handoff::build(&document, &history()).expect_err("refused");
        let message = error.to_string();
        assert!(message.contains("/integrations/0/purpose"), "{message}");
        assert!(
            message.contains("a password or key assignment"),
            "{message}"
        );
        assert!(!message.contains("9f8e7d6c5b4a3210"), "{message}");
    }

    #[test]
    fn a_secret_in_a_map_key_or_the_history_is_refused() {
        let mut document = healthcare();
        document.justifications.insert(
            "ghp_16C7e42F292c6912E7710c838347Ae178B4a".to_owned(),
            "x".to_owned(),
        );
        let error = Handoff::build(&document, &history()).expect_err("refused");
        let message = error.to_string();
        assert!(message.contains("a key in /justifications"), "{message}");
        assert!(!message.contains("ghp_"), "{message}");

        let mut records = history();
        records[1].summary = "rotate: password = correct-horse-battery".to_owned();
        let error = Handoff::build(&healthcare(), &records).expect_err("refused");
        assert!(
            error.to_string().contains("the summary of change set #2"),
            "{error}"
        );
    }

    #[test]
    fn values_that_only_read_as_a_secret_once_joined_are_refused() {
        let mut document = healthcare();
        let chat = document.services.get_mut("chat").expect("chat");
        chat.flags.insert(
            "api_key".to_owned(),
            tenantry_core::tenant::FlagValue::Text("abcdef123456".to_owned()),
        );
        let error = Handoff::build(&document, &history()).expect_err("refused");
        assert!(error.to_string().contains("Enabled services"), "{error}");
    }
}
