//! A change set: one submission's operations on one tenant, with everything a receiver
//! needs to place it (tenant, environment, parent hash) and to trust it (author key id,
//! organisation inside the signed bytes so it cannot be replayed into another platform).

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use tenantry_core::tenant::{DocumentJson, TenantId, MEMBERS};
use tenantry_core::{TenantDocument, Timestamp};
use uuid::Uuid;

use crate::keys::{is_lower_hex, KeyId};
use crate::operation::{apply_all, invert_all, Operation, OperationError};

pub const CHANGESET_SCHEMA_VERSION: u32 = 1;
/// More operations than this in one change set is refused (a whole document has far fewer leaves).
pub const MAX_OPERATIONS: usize = 10_000;
/// A summary is one to this many characters (after trimming).
pub const MAX_SUMMARY_CHARS: usize = 500;

#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, specta::Type,
)]
// The container name never reaches JSON; it keeps this apart from the rollout step's
// `Environment` in the generated TypeScript.
#[serde(rename = "ChangeEnvironment", rename_all = "snake_case")]
pub enum Environment {
    Draft,
    Staging,
    Production,
}

impl Environment {
    /// The name in JSON and in storage (`draft`, `staging`, `production`).
    pub fn id(self) -> &'static str {
        match self {
            Environment::Draft => "draft",
            Environment::Staging => "staging",
            Environment::Production => "production",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, specta::Type)]
#[serde(deny_unknown_fields)]
pub struct ChangeSet {
    pub schema_version: u32,
    /// UUIDv7.
    pub id: String,
    /// The platform organisation the change is for.
    pub organisation: String,
    pub tenant: TenantId,
    pub environment: Environment,
    /// SHA-256 (hex) of the payload of the tenant's previous change set; none for the first.
    pub parent: Option<String>,
    pub operations: Vec<Operation>,
    pub summary: String,
    /// Written reasons for accepted policy warnings, by rule id.
    #[serde(default)]
    pub justifications: BTreeMap<String, String>,
    /// Key id of the author's signing key.
    pub author: KeyId,
    #[specta(type = String)]
    pub created_at: Timestamp,
}

#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum ChangeSetError {
    #[error("the change set is not valid JSON of the expected shape: {0}")]
    Malformed(String),
    #[error("the change set is not in canonical form (sorted keys, no whitespace); it may have been re-encoded after signing")]
    NotCanonical,
    #[error("schema version {found} is not supported; this Tenantry reads version {CHANGESET_SCHEMA_VERSION}")]
    SchemaVersion { found: u32 },
    #[error("'{0}' is not a change set id (a UUIDv7)")]
    BadId(String),
    #[error("the parent '{0}' is not a SHA-256 hex digest")]
    BadParent(String),
    #[error("a change set needs at least one operation")]
    NoOperations,
    #[error("{0} operations is more than the limit of {MAX_OPERATIONS}")]
    TooManyOperations(usize),
    #[error("the summary must be 1 to {MAX_SUMMARY_CHARS} characters")]
    BadSummary,
    #[error("the organisation id is empty")]
    NoOrganisation,
    #[error("operation {index} ({path}) failed: {error}")]
    Operation {
        index: usize,
        path: String,
        error: OperationError,
    },
    #[error("after the change, the document is not a valid tenant document: {0}")]
    InvalidResult(String),
    #[error("a tenant's first change set must create its document: one `set` at the root with no old value")]
    NotACreation,
    #[error("the change set is for tenant {found}, not {expected}")]
    WrongTenant { expected: String, found: String },
}

impl ChangeSet {
    /// Checks the fields a receiver relies on.
    pub fn check(&self) -> Result<(), ChangeSetError> {
        if self.schema_version != CHANGESET_SCHEMA_VERSION {
            return Err(ChangeSetError::SchemaVersion {
                found: self.schema_version,
            });
        }
        match Uuid::try_parse(&self.id) {
            Ok(uuid) if uuid.get_version_num() == 7 && uuid.hyphenated().to_string() == self.id => {
            }
            _ => return Err(ChangeSetError::BadId(self.id.chars().take(64).collect())),
        }
        if let Some(parent) = &self.parent {
            if !is_lower_hex(parent, 64) {
                return Err(ChangeSetError::BadParent(parent.chars().take(80).collect()));
            }
        }
        if self.organisation.trim().is_empty() {
            return Err(ChangeSetError::NoOrganisation);
        }
        if self.operations.is_empty() {
            return Err(ChangeSetError::NoOperations);
        }
        if self.operations.len() > MAX_OPERATIONS {
            return Err(ChangeSetError::TooManyOperations(self.operations.len()));
        }
        let summary_chars = self.summary.trim().chars().count();
        if summary_chars == 0 || summary_chars > MAX_SUMMARY_CHARS {
            return Err(ChangeSetError::BadSummary);
        }
        Ok(())
    }

    /// The exact bytes that are signed: compact JSON with keys in a fixed order.
    pub fn to_payload(&self) -> Vec<u8> {
        // Serialising a struct of strings, numbers and serde_json values cannot fail.
        serde_json::to_vec(self).unwrap_or_default()
    }

    /// Reads a payload, refusing any byte sequence that is not the canonical encoding
    /// of what it contains: one change set has exactly one signed form.
    pub fn from_payload(bytes: &[u8]) -> Result<Self, ChangeSetError> {
        let changeset: ChangeSet = serde_json::from_slice(bytes)
            .map_err(|error| ChangeSetError::Malformed(error.to_string()))?;
        if changeset.to_payload() != bytes {
            return Err(ChangeSetError::NotCanonical);
        }
        changeset.check()?;
        Ok(changeset)
    }

    /// Applies the operations to `doc`, all or nothing, and checks the result is still
    /// a valid tenant document (policy is evaluated separately, by the caller).
    pub fn apply_to(&self, doc: &TenantDocument) -> Result<TenantDocument, ChangeSetError> {
        self.check_tenant(doc)?;
        if let Some(applied) = self.apply_to_members(|name| doc.member_json(name)?.ok()) {
            let mut next = doc.clone();
            let read_back = applied?
                .into_iter()
                .all(|(name, value)| matches!(next.set_member_json(name, value), Some(Ok(()))));
            // A member that does not read back falls through to the whole document's
            // way, which answers with its own error.
            if read_back {
                return self.check_result(next);
            }
        }
        let value = serde_json::to_value(doc)
            .map_err(|error| ChangeSetError::InvalidResult(error.to_string()))?;
        let next = self.apply_to_whole(&value)?;
        self.check_result(next)
    }

    /// [`Self::apply_to`] on a document whose JSON value is made already; the result
    /// comes with its own (the next change set, the policy pack and the approval rules
    /// read it), and its typed document is made only when someone asks for it.
    pub fn apply_to_json(&self, current: &DocumentJson) -> Result<DocumentJson, ChangeSetError> {
        if current.tenant_id() != self.tenant.as_str() {
            return Err(ChangeSetError::WrongTenant {
                expected: current.tenant_id().to_owned(),
                found: self.tenant.to_string(),
            });
        }
        if let Some(applied) = self.apply_to_members(|name| current.json().get(name).cloned()) {
            // A member that does not read back falls through to the whole document's
            // way, which answers with its own error.
            if let Ok(next) = DocumentJson::with_members(current, applied?) {
                if next.tenant_id() != self.tenant.as_str() {
                    return Err(tenant_id_changed());
                }
                return Ok(next);
            }
        }
        let next = self.check_result(self.apply_to_whole(&current.json().to_value())?)?;
        DocumentJson::new(Arc::new(next))
            .map_err(|error| ChangeSetError::InvalidResult(error.to_string()))
    }

    fn check_tenant(&self, doc: &TenantDocument) -> Result<(), ChangeSetError> {
        if doc.tenant.id != self.tenant {
            return Err(ChangeSetError::WrongTenant {
                expected: doc.tenant.id.to_string(),
                found: self.tenant.to_string(),
            });
        }
        Ok(())
    }

    fn check_result(&self, next: TenantDocument) -> Result<TenantDocument, ChangeSetError> {
        if next.tenant.id != self.tenant {
            return Err(tenant_id_changed());
        }
        Ok(next)
    }

    fn operation_error(&self, (index, error): (usize, OperationError)) -> ChangeSetError {
        ChangeSetError::Operation {
            index,
            path: self.operations[index].path().to_owned(),
            error,
        }
    }

    /// The operations applied to `value`, a whole document's JSON value, and the result
    /// read back.
    fn apply_to_whole(&self, value: &serde_json::Value) -> Result<TenantDocument, ChangeSetError> {
        let next =
            apply_all(value, &self.operations).map_err(|error| self.operation_error(error))?;
        serde_json::from_value(next)
            .map_err(|error| ChangeSetError::InvalidResult(error.to_string()))
    }

    /// The document's top-level members the operations edit, when each operation edits
    /// inside one of them (not the root, not a key the document does not have).
    fn touched_members(&self) -> Option<Vec<&'static str>> {
        let mut touched: Vec<&'static str> = Vec::new();
        for operation in &self.operations {
            let first = operation.path().strip_prefix('/')?.split('/').next()?;
            let member = *MEMBERS.iter().find(|member| **member == first)?;
            if !touched.contains(&member) {
                touched.push(member);
            }
        }
        Some(touched)
    }

    /// The operations applied to the members of a document they edit (`member` gives
    /// a member's JSON by name), and those members' new JSON values; nothing else of the
    /// document is looked at. Each member is then read on its own by the document's own
    /// deserialisation, so the result is the whole document's trip's. `None` when that
    /// does not apply (an edit of the root or of an unknown key, a member removed): the
    /// whole-document way then answers.
    fn apply_to_members(
        &self,
        member: impl Fn(&str) -> Option<serde_json::Value>,
    ) -> Option<Result<Vec<(&'static str, serde_json::Value)>, ChangeSetError>> {
        let touched = self.touched_members()?;
        let mut members = serde_json::Map::new();
        for name in &touched {
            members.insert((*name).to_owned(), member(name)?);
        }
        // Every operation's path lies inside one of these members, so each finds what
        // it would find in the whole document, and fails the same way.
        let mut members = serde_json::Value::Object(members);
        for (index, operation) in self.operations.iter().enumerate() {
            if let Err(error) = operation.apply(&mut members) {
                return Some(Err(self.operation_error((index, error))));
            }
        }
        let serde_json::Value::Object(mut members) = members else {
            return None;
        };
        let mut applied = Vec::with_capacity(touched.len());
        for name in touched {
            applied.push((name, members.remove(name)?));
        }
        Some(Ok(applied))
    }

    /// The document a tenant's first change set creates. That change set holds exactly
    /// one operation: a `set` of the whole document at the root, with no old value.
    pub fn initial_document(&self) -> Result<TenantDocument, ChangeSetError> {
        let value = match self.operations.as_slice() {
            [Operation::Set {
                path,
                value,
                old: None,
            }] if path.is_empty() => value.clone(),
            _ => return Err(ChangeSetError::NotACreation),
        };
        let doc: TenantDocument = serde_json::from_value(value)
            .map_err(|error| ChangeSetError::InvalidResult(error.to_string()))?;
        if doc.tenant.id != self.tenant {
            return Err(ChangeSetError::WrongTenant {
                expected: self.tenant.to_string(),
                found: doc.tenant.id.to_string(),
            });
        }
        Ok(doc)
    }

    /// The operation that creates `doc` as a tenant's first change set.
    pub fn creation(doc: &TenantDocument) -> Operation {
        Operation::Set {
            path: String::new(),
            value: serde_json::to_value(doc).unwrap_or_default(),
            old: None,
        }
    }

    /// The operations that undo this change set (for a revert, which is itself a new
    /// change set that goes through review like any other).
    pub fn inverse_operations(&self) -> Vec<Operation> {
        invert_all(&self.operations)
    }

    /// A new change set id (UUIDv7).
    pub fn new_id() -> String {
        Uuid::now_v7().hyphenated().to_string()
    }
}

fn tenant_id_changed() -> ChangeSetError {
    ChangeSetError::InvalidResult("a change set cannot change the tenant id".to_owned())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use tenantry_core::tenant::Regulation;
    use tenantry_core::{ClientName, Industry};

    pub(crate) fn sample_document() -> TenantDocument {
        TenantDocument::with_safe_defaults(
            &ClientName::parse("Acme Health").expect("name"),
            Industry::Healthcare,
            &[Regulation::Hipaa],
        )
        .expect("defaults")
    }

    pub(crate) fn sample_changeset(doc: &TenantDocument, author: KeyId) -> ChangeSet {
        ChangeSet {
            schema_version: CHANGESET_SCHEMA_VERSION,
            id: ChangeSet::new_id(),
            organisation: "org-example".into(),
            tenant: doc.tenant.id.clone(),
            environment: Environment::Draft,
            parent: None,
            operations: vec![Operation::Set {
                path: "/ai/monthly_budget_cents".into(),
                value: serde_json::json!(50_000),
                old: Some(serde_json::json!(0)),
            }],
            summary: "Give Acme a $500 monthly AI budget".into(),
            justifications: BTreeMap::new(),
            author,
            created_at: Timestamp::from_unix_millis(1_795_508_042_123).expect("time"),
        }
    }

    fn author() -> KeyId {
        KeyId::parse(&"ab".repeat(32)).expect("key id")
    }

    #[test]
    fn payloads_are_canonical_and_round_trip() {
        let doc = sample_document();
        let changeset = sample_changeset(&doc, author());
        let payload = changeset.to_payload();
        assert_eq!(
            ChangeSet::from_payload(&payload).expect("parses"),
            changeset
        );
        // The same content with a space added is a different, refused byte sequence.
        let mut spaced = payload.clone();
        spaced.insert(1, b' ');
        assert_eq!(
            ChangeSet::from_payload(&spaced),
            Err(ChangeSetError::NotCanonical)
        );
    }

    #[test]
    fn applying_and_inverting_restores_the_document() {
        let doc = sample_document();
        let changeset = sample_changeset(&doc, author());
        let next = changeset.apply_to(&doc).expect("applies");
        assert_eq!(next.ai.monthly_budget_cents, 50_000);
        let mut revert = changeset.clone();
        revert.operations = changeset.inverse_operations();
        assert_eq!(revert.apply_to(&next).expect("reverts"), doc);
    }

    #[test]
    fn an_environment_id_is_its_json_name() {
        for environment in [
            Environment::Draft,
            Environment::Staging,
            Environment::Production,
        ] {
            assert_eq!(
                serde_json::to_value(environment).expect("json"),
                serde_json::Value::from(environment.id())
            );
        }
    }

    #[test]
    fn applying_to_json_gives_the_same_document_and_its_value() {
        let doc = sample_document();
        let changeset = sample_changeset(&doc, author());
        let current = DocumentJson::new(Arc::new(doc.clone())).expect("json");
        let next = changeset.apply_to_json(&current).expect("applies");
        let expected = changeset.apply_to(&doc).expect("applies");
        assert_eq!(**next.document().expect("typed"), expected);
        assert_eq!(
            next.json().to_value(),
            serde_json::to_value(&expected).expect("json")
        );
        // Refused the same way: an old value that does not match, all or nothing.
        let mut stale = changeset.clone();
        stale.operations = vec![Operation::Set {
            path: "/ai/monthly_budget_cents".into(),
            value: serde_json::json!(1),
            old: Some(serde_json::json!(7)),
        }];
        assert_eq!(
            stale.apply_to_json(&current).map(|_| ()),
            stale.apply_to(&doc).map(|_| ())
        );
        assert!(matches!(
            stale.apply_to_json(&current),
            Err(ChangeSetError::Operation { index: 0, .. })
        ));
    }

    #[test]
    fn a_result_that_is_not_a_tenant_document_is_refused() {
        let doc = sample_document();
        let mut changeset = sample_changeset(&doc, author());
        changeset.operations = vec![Operation::Set {
            path: "/ai/monthly_budget_cents".into(),
            value: serde_json::json!("lots"),
            old: Some(serde_json::json!(0)),
        }];
        assert!(matches!(
            changeset.apply_to(&doc),
            Err(ChangeSetError::InvalidResult(_))
        ));
        changeset.operations = vec![Operation::Set {
            path: "/tenant/id".into(),
            value: serde_json::json!(TenantId::generate()),
            old: Some(serde_json::json!(doc.tenant.id)),
        }];
        assert!(matches!(
            changeset.apply_to(&doc),
            Err(ChangeSetError::InvalidResult(_))
        ));
        let current = DocumentJson::new(Arc::new(doc.clone())).expect("json");
        assert_eq!(
            changeset.apply_to_json(&current).map(|_| ()),
            Err(ChangeSetError::InvalidResult(
                "a change set cannot change the tenant id".to_owned()
            ))
        );
        // A change set of another tenant is refused before anything is applied.
        let other = DocumentJson::new(Arc::new(sample_document())).expect("json");
        assert!(matches!(
            changeset.apply_to_json(&other),
            Err(ChangeSetError::WrongTenant { .. })
        ));
    }

    #[test]
    fn a_first_change_set_creates_the_document() {
        let doc = sample_document();
        let mut changeset = sample_changeset(&doc, author());
        changeset.operations = vec![ChangeSet::creation(&doc)];
        assert_eq!(changeset.initial_document().expect("creates"), doc);
        // Applying a creation on top of an existing document is a conflict, not an overwrite.
        assert!(matches!(
            changeset.apply_to(&doc),
            Err(ChangeSetError::Operation { .. })
        ));
        let ordinary = sample_changeset(&doc, author());
        assert_eq!(
            ordinary.initial_document(),
            Err(ChangeSetError::NotACreation)
        );
    }

    #[test]
    fn checks_refuse_bad_fields() {
        let doc = sample_document();
        let good = sample_changeset(&doc, author());
        assert!(good.check().is_ok());
        let mut bad = good.clone();
        bad.operations.clear();
        assert_eq!(bad.check(), Err(ChangeSetError::NoOperations));
        let mut bad = good.clone();
        bad.parent = Some("xyz".into());
        assert!(matches!(bad.check(), Err(ChangeSetError::BadParent(_))));
        let mut bad = good.clone();
        bad.id = "4f1c2d3e-5a6b-4c7d-8e9f-0a1b2c3d4e5f".into();
        assert!(matches!(bad.check(), Err(ChangeSetError::BadId(_))));
        let mut bad = good.clone();
        bad.summary = "  ".into();
        assert_eq!(bad.check(), Err(ChangeSetError::BadSummary));
        let mut bad = good;
        bad.schema_version = 2;
        assert_eq!(bad.check(), Err(ChangeSetError::SchemaVersion { found: 2 }));
    }
}
