//! Putting held change sets back on their tenant's chain (docs/sync.md, "Rebasing").
//!
//! A held change set is compared with the tenant's current head: a field it changes is
//! a conflict when the server's change sets since its parent touched the same place
//! (the server's own rule: the same pointer, or one inside the other), or when the field
//! no longer holds the value the edit started from. With no conflict, the same
//! operations are re-signed on the new head by their author; with one, a person picks
//! theirs or mine for each field and [`resolve`] makes the resolved change set.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use tenantry_changeset::changeset::ChangeSet;
use tenantry_changeset::{pointer, Envelope, Operation, SigningKey};
use tenantry_core::tenant::TenantId;
use tenantry_store::{HeldChangeSet, HeldState, Store};

use crate::error::SyncError;

/// Who fetches the author's signing key when something must be re-signed. Called at
/// most once per sync, and only when there is something to sign.
pub type Signer<'a> = &'a (dyn Fn() -> Result<SigningKey, String> + Send + Sync);

/// One field both sides changed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FieldConflict {
    /// JSON pointer into the tenant document.
    pub path: String,
    /// What the field held when this change was made (`None`: nothing).
    pub base: Option<Value>,
    /// What it holds now, on the server's chain.
    pub theirs: Option<Value>,
    /// What this change set puts there (`None`: removes it).
    pub mine: Option<Value>,
}

/// A held change set that touches what the server's chain changed since its parent.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Conflict {
    pub tenant: String,
    /// The held change set's hash.
    pub changeset: String,
    pub id: String,
    pub summary: String,
    pub fields: Vec<FieldConflict>,
}

impl Conflict {
    pub fn paths(&self) -> Vec<&str> {
        self.fields
            .iter()
            .map(|field| field.path.as_str())
            .collect()
    }
}

/// Which side wins a conflicting field.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    Theirs,
    Mine,
}

/// What putting held change sets back did.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct RebaseReport {
    /// Re-signed on the new head and queued again.
    pub rebased: usize,
    /// Left for a person.
    pub conflicts: Vec<Conflict>,
    /// Could not be rebased at all (e.g. no longer a valid document): returned to the
    /// author like a rejection. (hash, reason)
    pub returned: Vec<(String, String)>,
    /// Already on the server's chain in effect (both sides made the same edit).
    pub dropped: usize,
    /// Still held: e.g. behind a conflict of the same tenant, or no key to sign with.
    pub waiting: usize,
    pub errors: Vec<String>,
}

/// The change set a held one becomes on top of the tenant's current head.
#[derive(Debug)]
pub(crate) enum Plan {
    /// Its parent is still the head: it goes back as it is.
    Unchanged,
    /// No conflict: these operations, re-signed on the head.
    Ready(ChangeSet),
    Conflict(Conflict),
    NothingLeft,
    Unrebaseable(String),
}

fn changeset_of(bytes: &[u8]) -> Result<ChangeSet, SyncError> {
    // Held envelopes were verified when they were recorded; only the content is needed.
    Envelope::parse(bytes)
        .and_then(|envelope| envelope.payload_bytes())
        .map_err(|error| SyncError::Resolve(error.to_string()))
        .and_then(|payload| {
            ChangeSet::from_payload(&payload).map_err(|error| SyncError::Resolve(error.to_string()))
        })
}

/// The paths the tenant's chain changed after `parent`, in `changeset`'s environment;
/// `None` when `parent` is no longer on the chain (then only values are compared).
async fn theirs_since(
    store: &Store,
    changeset: &ChangeSet,
) -> Result<Option<Vec<String>>, SyncError> {
    let mut chain = Vec::new();
    let mut start = if changeset.parent.is_none() {
        Some(0)
    } else {
        None
    };
    for (index, bytes) in store.envelopes(&changeset.tenant).await?.iter().enumerate() {
        let hash = Envelope::parse(bytes)
            .and_then(|envelope| envelope.hash())
            .map_err(|error| SyncError::Resolve(error.to_string()))?;
        if changeset.parent.as_deref() == Some(hash.0.as_str()) {
            start = Some(index + 1);
        }
        chain.push(changeset_of(bytes)?);
    }
    let Some(start) = start else {
        return Ok(None);
    };
    Ok(Some(
        chain
            .iter()
            .skip(start)
            .filter(|other| other.environment == changeset.environment)
            .flat_map(|other| other.operations.iter().map(|op| op.path().to_owned()))
            .collect(),
    ))
}

/// Whether two JSON pointers touch: equal, or one inside the other (as the server decides).
fn touches(a: &str, b: &str) -> bool {
    let tokens = |path: &str| pointer::parse(path).unwrap_or_default();
    let (a, b) = (tokens(a), tokens(b));
    let shorter = a.len().min(b.len());
    a[..shorter] == b[..shorter]
}

fn target(operation: &Operation) -> Option<Value> {
    match operation {
        Operation::Set { value, .. } => Some(value.clone()),
        Operation::Unset { .. } => None,
    }
}

fn expected(operation: &Operation) -> Option<Value> {
    match operation {
        Operation::Set { old, .. } => old.clone(),
        Operation::Unset { old, .. } => Some(old.clone()),
    }
}

pub(crate) async fn plan(store: &Store, held: &HeldChangeSet) -> Result<Plan, SyncError> {
    let changeset = changeset_of(&held.envelope)?;
    let head = store.head(&changeset.tenant).await?;
    if changeset.parent == head {
        return Ok(Plan::Unchanged);
    }
    let Some(document) = store
        .document(&changeset.tenant, changeset.environment)
        .await?
    else {
        return Ok(if changeset.initial_document().is_ok() {
            Plan::Ready(ChangeSet {
                parent: head,
                ..changeset
            })
        } else {
            Plan::Unrebaseable(
                "the tenant document it edits is no longer in the mirror (its creation was refused)"
                    .to_owned(),
            )
        });
    };
    let theirs = theirs_since(store, &changeset).await?.unwrap_or_default();
    let mut working =
        serde_json::to_value(&document).map_err(|error| SyncError::Resolve(error.to_string()))?;
    let mut fields = Vec::new();
    let mut kept = Vec::new();
    for operation in &changeset.operations {
        let path = operation.path();
        let current = pointer::get(&working, path).ok().flatten().cloned();
        let touched = theirs.iter().any(|other| touches(path, other));
        if touched || current != expected(operation) {
            if current == target(operation) {
                // Both sides made the same edit: nothing left to do for this field.
                continue;
            }
            fields.push(FieldConflict {
                path: path.to_owned(),
                base: expected(operation),
                theirs: current,
                mine: target(operation),
            });
            continue;
        }
        if let Err(error) = operation.apply(&mut working) {
            return Ok(Plan::Unrebaseable(error.to_string()));
        }
        kept.push(operation.clone());
    }
    if !fields.is_empty() {
        return Ok(Plan::Conflict(Conflict {
            tenant: changeset.tenant.to_string(),
            changeset: held.hash.clone(),
            id: changeset.id.clone(),
            summary: changeset.summary.clone(),
            fields,
        }));
    }
    if kept.is_empty() {
        return Ok(Plan::NothingLeft);
    }
    let rebased = ChangeSet {
        parent: head,
        operations: kept,
        ..changeset
    };
    if let Err(error) = rebased.apply_to(&document) {
        return Ok(Plan::Unrebaseable(error.to_string()));
    }
    Ok(Plan::Ready(rebased))
}

/// The author's key, fetched once; refuses a key that is not the change set's author.
pub(crate) struct KeyCache<'a> {
    signer: Signer<'a>,
    key: Option<Result<SigningKey, String>>,
}

impl<'a> KeyCache<'a> {
    pub fn new(signer: Signer<'a>) -> Self {
        Self { signer, key: None }
    }

    pub fn sign(&mut self, changeset: &ChangeSet) -> Result<Vec<u8>, SyncError> {
        let key = self
            .key
            .get_or_insert_with(|| (self.signer)())
            .as_ref()
            .map_err(|error| SyncError::Signer(error.clone()))?;
        if key.key_id() != changeset.author {
            return Err(SyncError::Signer(format!(
                "change set {} was made by key {}; only its author can re-sign it",
                changeset.id, changeset.author
            )));
        }
        changeset
            .check()
            .map_err(|error| SyncError::Signer(error.to_string()))?;
        Ok(Envelope::sign(changeset, key).to_json())
    }
}

/// Works through the held change sets in order: rebases what it can, records conflicts
/// and what cannot be rebased, and leaves a tenant's later ones waiting behind its
/// first conflict (they build on it).
pub(crate) async fn rebase_held(
    store: &Store,
    keys: &mut KeyCache<'_>,
    mut progress: impl FnMut(u64, u64),
) -> Result<RebaseReport, SyncError> {
    let held = store.held().await?;
    let mut report = RebaseReport::default();
    let mut blocked: Vec<String> = held
        .iter()
        .filter(|entry| entry.state == HeldState::Conflict)
        .map(|entry| entry.tenant.clone())
        .collect();
    let todo: Vec<&HeldChangeSet> = held
        .iter()
        .filter(|entry| entry.state == HeldState::Rebase)
        .collect();
    let total = u64::try_from(todo.len()).unwrap_or(u64::MAX);
    for (done, entry) in todo.into_iter().enumerate() {
        progress(u64::try_from(done).unwrap_or(u64::MAX), total);
        if blocked.contains(&entry.tenant) {
            report.waiting += 1;
            continue;
        }
        match plan(store, entry).await? {
            Plan::Unchanged => {
                store.record_rebased(&entry.hash, &entry.envelope).await?;
                report.rebased += 1;
            }
            Plan::Ready(changeset) => match keys.sign(&changeset) {
                Ok(envelope) => {
                    let recorded = store.record_rebased(&entry.hash, &envelope).await?;
                    tracing::info!(old = %entry.hash, new = %recorded.hash, tenant = %entry.tenant, "change set rebased");
                    report.rebased += 1;
                }
                Err(error) => {
                    report.errors.push(error.to_string());
                    report.waiting += 1;
                    blocked.push(entry.tenant.clone());
                }
            },
            Plan::Conflict(conflict) => {
                let detail = serde_json::to_value(&conflict)
                    .map_err(|error| SyncError::Resolve(error.to_string()))?;
                let message = format!(
                    "the server's chain changed {} since this change was made",
                    conflict.paths().join(", ")
                );
                store.mark_conflict(&entry.hash, &message, &detail).await?;
                tracing::info!(hash = %entry.hash, tenant = %entry.tenant, paths = ?conflict.paths(), "conflict");
                report.conflicts.push(conflict);
                blocked.push(entry.tenant.clone());
            }
            Plan::NothingLeft => {
                store.drop_held(&entry.hash).await?;
                report.dropped += 1;
            }
            Plan::Unrebaseable(reason) => {
                store
                    .mark_held_rejected(&entry.hash, "cannot_rebase", &reason)
                    .await?;
                report.returned.push((entry.hash.clone(), reason));
                blocked.push(entry.tenant.clone());
            }
        }
    }
    progress(total, total);
    Ok(report)
}

/// How a resolution ended.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "outcome")]
pub enum Resolution {
    /// The resolved change set is on the chain and in the outbox.
    Queued { hash: String },
    /// Theirs won every field: nothing of the change is left, and it is forgotten.
    NothingLeft,
}

/// Makes the resolved change set of the held conflict `hash`: for each conflicting
/// field `choices` says theirs or mine; the other fields are kept as they were made.
pub(crate) async fn resolve(
    store: &Store,
    hash: &str,
    choices: &BTreeMap<String, Side>,
    keys: &mut KeyCache<'_>,
) -> Result<Resolution, SyncError> {
    let held = store
        .held()
        .await?
        .into_iter()
        .find(|entry| entry.hash == hash && entry.state != HeldState::Rejected)
        .ok_or_else(|| SyncError::Resolve(format!("no conflict {hash} in the mirror")))?;
    let conflicting: Vec<String> = match plan(store, &held).await? {
        Plan::Conflict(conflict) => conflict.fields.into_iter().map(|f| f.path).collect(),
        // The other side changed back meanwhile: nothing to choose any more.
        _ => Vec::new(),
    };
    if let Some(missing) = conflicting.iter().find(|path| !choices.contains_key(*path)) {
        return Err(SyncError::Resolve(format!(
            "choose theirs or mine for {missing}"
        )));
    }
    let changeset = changeset_of(&held.envelope)?;
    let tenant: &TenantId = &changeset.tenant;
    let head = store.head(tenant).await?;
    let document = store
        .document(tenant, changeset.environment)
        .await?
        .ok_or_else(|| SyncError::Resolve("the tenant's document is not in the mirror".into()))?;
    let mut working =
        serde_json::to_value(&document).map_err(|error| SyncError::Resolve(error.to_string()))?;
    let mut operations = Vec::new();
    for operation in &changeset.operations {
        let path = operation.path();
        if conflicting.iter().any(|conflict| conflict == path)
            && choices.get(path) == Some(&Side::Theirs)
        {
            continue;
        }
        let current = pointer::get(&working, path).ok().flatten().cloned();
        let resolved = match (target(operation), current) {
            (Some(value), current) if current.as_ref() == Some(&value) => continue,
            (Some(value), current) => Operation::Set {
                path: path.to_owned(),
                value,
                old: current,
            },
            (None, None) => continue,
            (None, Some(old)) => Operation::Unset {
                path: path.to_owned(),
                old,
            },
        };
        resolved
            .apply(&mut working)
            .map_err(|error| SyncError::Resolve(format!("keeping mine at {path}: {error}")))?;
        operations.push(resolved);
    }
    if operations.is_empty() {
        store.drop_held(hash).await?;
        return Ok(Resolution::NothingLeft);
    }
    let resolved = ChangeSet {
        parent: head,
        operations,
        ..changeset
    };
    resolved
        .apply_to(&document)
        .map_err(|error| SyncError::Resolve(error.to_string()))?;
    let envelope = keys.sign(&resolved)?;
    let recorded = store.record_rebased(hash, &envelope).await?;
    Ok(Resolution::Queued {
        hash: recorded.hash.0,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pointers_touch_when_equal_or_nested() {
        assert!(touches("/ai/budget", "/ai/budget"));
        assert!(touches("/ai", "/ai/budget"));
        assert!(touches("/ai/budget", "/ai"));
        assert!(touches("", "/anything"));
        assert!(!touches("/ai/budget", "/ai/models"));
        assert!(!touches("/ai/budget", "/ai/budget_cap"));
    }

    #[test]
    fn a_conflict_lists_its_paths() {
        let conflict = Conflict {
            tenant: "t".into(),
            changeset: "h".into(),
            id: "i".into(),
            summary: "s".into(),
            fields: vec![FieldConflict {
                path: "/a".into(),
                base: None,
                theirs: Some(Value::from(1)),
                mine: Some(Value::from(2)),
            }],
        };
        assert_eq!(conflict.paths(), ["/a"]);
    }
}
