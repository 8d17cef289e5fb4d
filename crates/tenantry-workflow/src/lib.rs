//! What a person does to a tenant, as one function each, so the CLI and the desktop app
//! run exactly the same steps: the policy gate, the diff against the mirror's version,
//! signing, recording in the outbox. Nothing here talks to a terminal or a window.

mod golive;
mod handoff;
mod plan;
mod progress;

pub use golive::{go_live, previous, promote, ChecklistEntry, GoLive, Stage, STAGES};
pub use handoff::handoff;

pub use plan::{changeset_plan, plan, plan_draft, Plan, PlanChange, PlanFinding, PlanStep};
pub use progress::refresh_tenant_progress;

use tenantry_changeset::changeset::{
    ChangeSet, ChangeSetError, Environment, CHANGESET_SCHEMA_VERSION, MAX_SUMMARY_CHARS,
};
use tenantry_changeset::{diff, Envelope, EnvelopeError, SigningKey};
use tenantry_core::catalog::Catalog;
use tenantry_core::{Draft, DraftId, TenantDocument, Timestamp};
use tenantry_policy::{Finding, PolicyError, PolicyPack};
use tenantry_store::{DraftError, RecordError, Recorded, Store, StoreError};

/// The platform's checks, as one value: the catalog and the policy pack.
#[derive(Debug, Clone, Copy)]
pub struct Rules<'a> {
    pub catalog: &'a Catalog,
    pub pack: &'a PolicyPack,
}

/// What a submission is for.
#[derive(Debug, Clone)]
pub struct SubmitRequest<'a> {
    pub summary: &'a str,
    pub environment: Environment,
    pub organisation: &'a str,
}

#[derive(Debug)]
pub enum SubmitOutcome {
    /// The policy pack blocks the document; nothing was signed or stored.
    Blocked(Vec<Finding>),
    /// The mirror already holds exactly this version.
    NothingToSubmit,
    /// Signed, recorded and queued in the outbox; `envelope` holds the exact bytes.
    Submitted {
        recorded: Box<Recorded>,
        envelope: Vec<u8>,
    },
}

#[derive(Debug)]
pub struct Reverted {
    pub original: ChangeSet,
    pub recorded: Recorded,
    pub envelope: Vec<u8>,
}

#[derive(Debug, thiserror::Error)]
pub enum WorkflowError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Record(#[from] RecordError),
    #[error(transparent)]
    Draft(#[from] DraftError),
    #[error(transparent)]
    Policy(#[from] PolicyError),
    #[error(transparent)]
    ChangeSet(#[from] ChangeSetError),
    #[error(transparent)]
    Envelope(#[from] EnvelopeError),
    #[error("{0}")]
    Key(String),
    #[error("no change set '{0}' in the mirror (give its id or hash)")]
    NotFound(String),
    #[error("that change set created the tenant; a tenant is never deleted by a revert")]
    RevertsCreation,
    #[error("the tenant's document is missing from the mirror")]
    MissingDocument,
    #[error("no tenant '{0}' in the mirror (give its id or slug)")]
    UnknownTenant(String),
    #[error("a draft is made in the app or with `tenantry submit`, not promoted: promote to staging or production")]
    NotPromotable,
    #[error("tenant '{tenant}' has no signed {environment} document yet")]
    NoSignedDocument {
        tenant: String,
        environment: &'static str,
    },
    #[error("change set #{0} is in the history but its envelope is missing; run `tenantry verify-mirror`")]
    MissingEnvelope(i32),
    #[error(transparent)]
    Handoff(#[from] tenantry_handoff::HandoffError),
    #[error(
        "cannot revert {id}: later changes touched the same fields ({reason}); revert those first"
    )]
    LaterChanges { id: String, reason: String },
    #[error(
        "the reverted document would break {rule_id} at {path}: {message} (nothing was changed)"
    )]
    RevertBlocked {
        rule_id: String,
        path: String,
        message: String,
    },
}

/// Submits `doc`: the policy pack must pass (errors block, warnings need their
/// justification) and differ from the mirror's version; only then is the signing key
/// fetched (`signer`: a blocked or unchanged document never touches the keyring), and one change set from the mirror's current version of
/// the tenant in `request.environment` (or the tenant's creation) is signed, recorded
/// and queued. Editing after a submission and submitting again makes a new change set.
pub async fn submit(
    store: &Store,
    rules: Rules<'_>,
    doc: &TenantDocument,
    signer: impl FnOnce() -> Result<SigningKey, String>,
    request: SubmitRequest<'_>,
) -> Result<SubmitOutcome, WorkflowError> {
    // A summary that cannot be signed is refused before the keyring is touched.
    let summary_chars = request.summary.trim().chars().count();
    if summary_chars == 0 || summary_chars > MAX_SUMMARY_CHARS {
        return Err(ChangeSetError::BadSummary.into());
    }
    let evaluation = rules.pack.evaluate(doc, rules.catalog)?;
    let blocks: Vec<Finding> = evaluation.blocks().into_iter().cloned().collect();
    if !blocks.is_empty() {
        return Ok(SubmitOutcome::Blocked(blocks));
    }
    let tenant = &doc.tenant.id;
    let operations = match store.document(tenant, request.environment).await? {
        None => vec![ChangeSet::creation(doc)],
        Some(current) => diff::operations(&to_value(&current)?, &to_value(doc)?),
    };
    if operations.is_empty() {
        return Ok(SubmitOutcome::NothingToSubmit);
    }
    let key = &signer().map_err(WorkflowError::Key)?;
    store
        .add_signing_key(&key.public(), "this machine's signing key")
        .await?;
    let changeset = ChangeSet {
        schema_version: CHANGESET_SCHEMA_VERSION,
        id: ChangeSet::new_id(),
        organisation: request.organisation.to_owned(),
        tenant: tenant.clone(),
        environment: request.environment,
        parent: store.head(tenant).await?,
        operations,
        summary: request.summary.to_owned(),
        justifications: doc.justifications.clone(),
        author: key.key_id(),
        created_at: Timestamp::now(),
    };
    changeset.check()?;
    let envelope = Envelope::sign(&changeset, key).to_json();
    let recorded = store.record(&envelope).await?;
    tracing::info!(tenant = %tenant, hash = %recorded.hash, "submitted");
    Ok(SubmitOutcome::Submitted {
        recorded: Box::new(recorded),
        envelope,
    })
}

/// What became of a draft's submission, with the draft as it now stands.
#[derive(Debug)]
pub struct DraftSubmission {
    pub outcome: SubmitOutcome,
    pub draft: Draft,
    /// The document that was submitted (or blocked).
    pub document: TenantDocument,
}

/// Submits the draft `id` as it is in the mirror now (see [`submit`]) and remembers the
/// change set against the draft, so the draft shows whether later edits are still to
/// be submitted. When the mirror already holds this version, the draft is marked as
/// submitted at the tenant's head.
pub async fn submit_draft(
    store: &Store,
    rules: Rules<'_>,
    id: &DraftId,
    signer: impl FnOnce() -> Result<SigningKey, String>,
    request: SubmitRequest<'_>,
) -> Result<DraftSubmission, WorkflowError> {
    let opened = store.open_draft(id).await?;
    // The version being signed; an autosave landing meanwhile is newer than this.
    let as_of = opened.draft.updated_at;
    let outcome = submit(store, rules, &opened.document, signer, request).await?;
    let hash = match &outcome {
        SubmitOutcome::Submitted { recorded, .. } => Some(recorded.hash.0.clone()),
        SubmitOutcome::NothingToSubmit => store.head(&opened.document.tenant.id).await?,
        SubmitOutcome::Blocked(_) => None,
    };
    let draft = match hash {
        Some(hash) => store.mark_draft_submitted(id, &hash, as_of).await?,
        None => opened.draft,
    };
    Ok(DraftSubmission {
        outcome,
        draft,
        document: opened.document,
    })
}

/// Undoes the change set `id_or_hash` with a new one holding its inverse operations,
/// at the head of the tenant's chain. The reverted document must pass the policy pack
/// like any other change.
pub async fn revert(
    store: &Store,
    rules: Rules<'_>,
    id_or_hash: &str,
    key: &SigningKey,
    summary: Option<&str>,
    organisation: &str,
) -> Result<Reverted, WorkflowError> {
    let bytes = store
        .envelope_by_id(id_or_hash)
        .await?
        .ok_or_else(|| WorkflowError::NotFound(id_or_hash.to_owned()))?;
    let keys = store.signing_keys().await?;
    let original = Envelope::parse(&bytes)?
        .verify(|id| keys.get(id).cloned())?
        .changeset;
    if original.initial_document().is_ok() {
        return Err(WorkflowError::RevertsCreation);
    }
    let current = store
        .document(&original.tenant, original.environment)
        .await?
        .ok_or(WorkflowError::MissingDocument)?;
    store
        .add_signing_key(&key.public(), "this machine's signing key")
        .await?;
    let revert = ChangeSet {
        schema_version: CHANGESET_SCHEMA_VERSION,
        id: ChangeSet::new_id(),
        organisation: organisation.to_owned(),
        tenant: original.tenant.clone(),
        environment: original.environment,
        parent: store.head(&original.tenant).await?,
        operations: original.inverse_operations(),
        summary: summary.map_or_else(|| format!("Revert \"{}\"", original.summary), str::to_owned),
        justifications: current.justifications.clone(),
        author: key.key_id(),
        created_at: Timestamp::now(),
    };
    let reverted = revert
        .apply_to(&current)
        .map_err(|error| WorkflowError::LaterChanges {
            id: original.id.clone(),
            reason: error.to_string(),
        })?;
    let evaluation = rules.pack.evaluate(&reverted, rules.catalog)?;
    if let Some(finding) = evaluation.blocks().first() {
        return Err(WorkflowError::RevertBlocked {
            rule_id: finding.rule_id.clone(),
            path: finding.path.clone(),
            message: finding.message.clone(),
        });
    }
    let envelope = Envelope::sign(&revert, key).to_json();
    let recorded = store.record(&envelope).await?;
    tracing::info!(reverted = %original.id, hash = %recorded.hash, "reverted");
    Ok(Reverted {
        original,
        recorded,
        envelope,
    })
}

fn to_value(doc: &TenantDocument) -> Result<serde_json::Value, ChangeSetError> {
    serde_json::to_value(doc).map_err(|error| ChangeSetError::InvalidResult(error.to_string()))
}
