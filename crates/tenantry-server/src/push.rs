//! Accepting change sets. Each envelope goes through, in order:
//!
//! 1. strict parsing and signature verification (`tenantry_changeset::Envelope`)
//!    against every registered key, outside any transaction;
//! 2. inside one transaction that first locks the sequence row (so sequence numbers
//!    follow commit order with no gaps, on SQLite and Postgres alike):
//!    - **idempotency**: a change set already stored (by payload hash) is answered as a
//!      duplicate with its original sequence number. This comes before the checks
//!      below on purpose: a client retrying after a lost answer must learn that its
//!      change set is in, even if, say, its key was revoked since;
//!    - the organisation, the signers' state, the author's role, the environment rules;
//!    - the parent must be the tenant's head (else a conflict naming the paths both
//!      sides touched);
//!    - the operations must apply to the tenant's current document, the result must be
//!      a valid tenant document, and the policy pack must not block it;
//!    - then it is stored with the next sequence number.
//!
//! A batch is one transaction; every envelope gets its own answer, so one bad envelope
//! never blocks the rest.

use std::collections::{HashMap, HashSet};

use sqlx::{Any, Row, Transaction};
use tenantry_changeset::changeset::{ChangeSet, ChangeSetError, Environment};
use tenantry_changeset::envelope::{Envelope, EnvelopeError, VerifiedChangeSet};
use tenantry_changeset::keys::KeyId;
use tenantry_changeset::pointer;
use tenantry_core::catalog::Catalog;
use tenantry_core::{TenantDocument, Timestamp};
use tenantry_policy::{Finding, PolicyPack};

use crate::error::{ApiError, ErrorCode};
use crate::staff::{Action, KeyState, StaffKey};
use crate::storage::{Database, StorageError};

/// What the push checks against.
#[derive(Debug, Clone, Copy)]
pub struct PushRules<'a> {
    /// The platform organisation every change set must name.
    pub organisation: &'a str,
    pub pack: &'a PolicyPack,
    pub catalog: &'a Catalog,
}

/// One envelope's outcome.
#[derive(Debug, Clone, PartialEq)]
pub enum Answer {
    /// Stored now (`duplicate: false`) or earlier (`duplicate: true`), at `seq`.
    Accepted {
        hash: String,
        seq: i64,
        tenant: String,
        duplicate: bool,
    },
    /// Refused; nothing was stored. `hash` is known once the payload could be decoded.
    Refused {
        hash: Option<String>,
        error: ApiError,
    },
}

impl Answer {
    fn refused(hash: Option<&str>, error: ApiError) -> Self {
        Answer::Refused {
            hash: hash.map(str::to_owned),
            error,
        }
    }
}

/// Why an envelope cannot even be read or verified.
pub fn envelope_error(error: EnvelopeError) -> ApiError {
    let code = match &error {
        EnvelopeError::TooLarge(_) => ErrorCode::PayloadTooLarge,
        EnvelopeError::Malformed(_)
        | EnvelopeError::PayloadType(_)
        | EnvelopeError::Base64(_)
        | EnvelopeError::Unsigned
        | EnvelopeError::TooManySignatures(_)
        | EnvelopeError::DuplicateSigner(_)
        | EnvelopeError::BadKeyId { .. } => ErrorCode::MalformedEnvelope,
        EnvelopeError::UnknownKey { .. } => ErrorCode::UnknownKey,
        EnvelopeError::BadSignature { .. } | EnvelopeError::AuthorMissing(_) => {
            ErrorCode::InvalidSignature
        }
        EnvelopeError::ChangeSet(_) => ErrorCode::InvalidChangeset,
    };
    ApiError::new(code, error.to_string())
}

/// Parses and verifies one envelope against every registered key (in any state: the
/// state is checked later, after the duplicate check).
pub fn verify(
    bytes: &[u8],
    registry: &HashMap<KeyId, StaffKey>,
) -> Result<VerifiedChangeSet, ApiError> {
    let envelope = Envelope::parse(bytes).map_err(envelope_error)?;
    envelope
        .verify(|id| registry.get(id).map(|key| key.public_key.clone()))
        .map_err(envelope_error)
}

/// Where the environment rules will be enforced (a later issue: production only after
/// staging, who may promote). Every environment is allowed for now.
pub fn check_environment_rules(_changeset: &ChangeSet, _author: &StaffKey) -> Result<(), ApiError> {
    Ok(())
}

/// The JSON pointers of `ours` that touch what any of `theirs` touched: the same
/// location, or one inside the other (the root touches everything). Sorted, once each.
pub fn conflicting_paths<'a>(
    ours: impl IntoIterator<Item = &'a str>,
    theirs: &[String],
) -> Vec<String> {
    // An unparsable pointer is treated as the root: it may touch anything.
    let tokens = |path: &str| pointer::parse(path).unwrap_or_default();
    let theirs: Vec<Vec<String>> = theirs.iter().map(|path| tokens(path)).collect();
    let mut found: Vec<String> = ours
        .into_iter()
        .filter(|path| {
            let mine = tokens(path);
            theirs.iter().any(|other| {
                let shorter = mine.len().min(other.len());
                mine[..shorter] == other[..shorter]
            })
        })
        .map(str::to_owned)
        .collect();
    found.sort();
    found.dedup();
    found
}

/// One tenant's state while a push (or batch) is decided.
struct TenantState {
    exists: bool,
    head: Option<String>,
    documents: HashMap<Environment, TenantDocument>,
}

/// Everything a push transaction carries from one envelope to the next.
struct Batch<'a> {
    rules: PushRules<'a>,
    registry: &'a HashMap<KeyId, StaffKey>,
    next_seq: i64,
    tenants: HashMap<String, TenantState>,
    now_ms: i64,
}

fn environment_id(environment: Environment) -> &'static str {
    match environment {
        Environment::Draft => "draft",
        Environment::Staging => "staging",
        Environment::Production => "production",
    }
}

fn corrupt(table: &'static str, id: &str, detail: impl ToString) -> StorageError {
    StorageError::Corrupt {
        table,
        id: id.to_owned(),
        detail: detail.to_string(),
    }
}

/// Accepts what it can of `envelopes`; one answer per envelope, in order. Storage
/// failures fail the whole call (nothing of it is committed).
pub async fn push(
    db: &Database,
    write_gate: &tokio::sync::Mutex<()>,
    rules: PushRules<'_>,
    envelopes: &[&[u8]],
) -> Result<Vec<Answer>, StorageError> {
    let registry: HashMap<KeyId, StaffKey> = db
        .keys()
        .await?
        .into_iter()
        .map(|key| (key.key_id.clone(), key))
        .collect();
    let verified: Vec<Result<VerifiedChangeSet, ApiError>> = envelopes
        .iter()
        .map(|bytes| verify(bytes, &registry))
        .collect();
    if verified.iter().all(Result::is_err) {
        // Nothing to decide: answer without taking the writer's lock.
        return Ok(verified
            .into_iter()
            .map(|result| Answer::refused(None, result.err().unwrap_or_else(ApiError::internal)))
            .collect());
    }

    // One writer at a time in this process; the sequence row lock does the same across
    // processes (and is what makes the order right on Postgres).
    let _writer = write_gate.lock().await;
    let mut tx = db.begin().await?;
    let current: i64 = sqlx::query(
        "UPDATE server_sequences SET value = value WHERE name = 'changesets' RETURNING value",
    )
    .fetch_one(&mut *tx)
    .await?
    .try_get("value")?;
    let mut batch = Batch {
        rules,
        registry: &registry,
        next_seq: current + 1,
        tenants: HashMap::new(),
        now_ms: Timestamp::now().unix_millis(),
    };
    let mut answers = Vec::with_capacity(envelopes.len());
    for (bytes, verified) in envelopes.iter().zip(verified) {
        let answer = match verified {
            Err(error) => Answer::refused(None, error),
            Ok(verified) => decide(&mut tx, &mut batch, bytes, &verified).await?,
        };
        answers.push(answer);
    }
    if batch.next_seq > current + 1 {
        sqlx::query("UPDATE server_sequences SET value = $1 WHERE name = 'changesets'")
            .bind(batch.next_seq - 1)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
    } else {
        tx.rollback().await?;
    }
    Ok(answers)
}

/// Decides one verified envelope inside the push transaction, and stores it if accepted.
async fn decide(
    tx: &mut Transaction<'static, Any>,
    batch: &mut Batch<'_>,
    bytes: &[u8],
    verified: &VerifiedChangeSet,
) -> Result<Answer, StorageError> {
    let hash = verified.hash.0.as_str();
    let changeset = &verified.changeset;
    let tenant = changeset.tenant.as_str();

    let stored = sqlx::query("SELECT seq, tenant_id FROM changesets WHERE hash = $1")
        .bind(hash)
        .fetch_optional(&mut **tx)
        .await?;
    if let Some(row) = stored {
        return Ok(Answer::Accepted {
            hash: hash.to_owned(),
            seq: row.try_get("seq")?,
            tenant: row.try_get("tenant_id")?,
            duplicate: true,
        });
    }
    let refuse = |error: ApiError| Ok(Answer::refused(Some(hash), error));

    if let Err(error) = check_signers(batch, changeset, verified) {
        return refuse(error);
    }

    if !batch.tenants.contains_key(tenant) {
        let state = load_tenant(tx, tenant).await?;
        batch.tenants.insert(tenant.to_owned(), state);
    }
    let Some(state) = batch.tenants.get(tenant) else {
        return Err(corrupt("tenants", tenant, "tenant state vanished"));
    };
    if changeset.parent != state.head {
        let theirs = touched_since(
            tx,
            tenant,
            changeset.parent.as_deref(),
            changeset.environment,
        )
        .await?;
        let ours = changeset.operations.iter().map(|op| op.path());
        return refuse(
            ApiError::new(
                ErrorCode::StaleParent,
                format!(
                    "the change set's parent is {}, but the tenant's head is {}: another change got there first",
                    changeset.parent.as_deref().unwrap_or("none (a first change set)"),
                    state.head.as_deref().unwrap_or("none (the tenant has no change set yet)"),
                ),
            )
            .with("current_head", &state.head)
            .with("conflicting_paths", conflicting_paths(ours, &theirs)),
        );
    }

    let same_id = sqlx::query("SELECT hash FROM changesets WHERE id = $1")
        .bind(changeset.id.as_str())
        .fetch_optional(&mut **tx)
        .await?;
    if same_id.is_some() {
        return refuse(ApiError::new(
            ErrorCode::DuplicateId,
            format!(
                "another change set already has the id {}; every change set needs a new one",
                changeset.id
            ),
        ));
    }

    let applied = match state.documents.get(&changeset.environment) {
        None => changeset.initial_document(),
        Some(current) => changeset.apply_to(current),
    };
    let document = match applied {
        Ok(document) => document,
        Err(error) => return refuse(does_not_apply(error)),
    };

    let slug = &document.tenant.slug;
    let clash = sqlx::query("SELECT slug FROM tenants WHERE slug_skeleton = $1 AND id <> $2")
        .bind(slug.skeleton())
        .bind(tenant)
        .fetch_optional(&mut **tx)
        .await?;
    if let Some(row) = clash {
        let existing: String = row.try_get("slug")?;
        return refuse(
            ApiError::new(
                ErrorCode::SlugTaken,
                format!(
                    "the slug '{slug}' looks too much like the existing tenant slug '{existing}'"
                ),
            )
            .with("existing_slug", existing),
        );
    }

    let evaluation = match batch.rules.pack.evaluate(&document, batch.rules.catalog) {
        Ok(evaluation) => evaluation,
        Err(error) => {
            tracing::error!(error = %error, hash, "the policy pack failed to evaluate");
            return refuse(ApiError::internal());
        }
    };
    let blocks: Vec<&Finding> = evaluation.blocks();
    if !blocks.is_empty() {
        let mut rule_ids: Vec<&str> = blocks.iter().map(|f| f.rule_id.as_str()).collect();
        rule_ids.sort_unstable();
        rule_ids.dedup();
        return refuse(
            ApiError::new(
                ErrorCode::PolicyBlocked,
                format!(
                    "the policy pack blocks the resulting document: {}",
                    rule_ids.join(", ")
                ),
            )
            .with("rule_ids", &rule_ids)
            .with("findings", &blocks),
        );
    }

    let seq = batch.next_seq;
    store(tx, batch, bytes, verified, &document, seq).await?;
    batch.next_seq += 1;
    if let Some(state) = batch.tenants.get_mut(tenant) {
        state.exists = true;
        state.head = Some(hash.to_owned());
        state.documents.insert(changeset.environment, document);
    }
    Ok(Answer::Accepted {
        hash: hash.to_owned(),
        seq,
        tenant: tenant.to_owned(),
        duplicate: false,
    })
}

/// The organisation, every signer's state, the author's role and the environment rules.
fn check_signers(
    batch: &Batch<'_>,
    changeset: &ChangeSet,
    verified: &VerifiedChangeSet,
) -> Result<(), ApiError> {
    if changeset.organisation != batch.rules.organisation {
        return Err(ApiError::new(
            ErrorCode::WrongOrganisation,
            format!(
                "the change set is for organisation '{}', but this server serves '{}'",
                changeset.organisation.chars().take(100).collect::<String>(),
                batch.rules.organisation
            ),
        ));
    }
    for signer in &verified.signers {
        let Some(key) = batch.registry.get(signer) else {
            return Err(ApiError::new(
                ErrorCode::UnknownKey,
                format!("key {signer} is not registered"),
            ));
        };
        if key.state != KeyState::Approved {
            return Err(ApiError::new(
                ErrorCode::SignerNotApproved,
                format!(
                    "the signing key {signer} ({}) is {}",
                    key.name,
                    key.state.id()
                ),
            )
            .with("key_id", signer)
            .with("state", key.state));
        }
    }
    let Some(author) = batch.registry.get(&changeset.author) else {
        return Err(ApiError::new(
            ErrorCode::UnknownKey,
            format!("the author's key {} is not registered", changeset.author),
        ));
    };
    if !author.role.may(Action::AuthorChange) {
        return Err(ApiError::new(
            ErrorCode::ForbiddenRole,
            format!(
                "{} is a {}, and a {} may not author change sets",
                author.name,
                author.role.id(),
                author.role.id()
            ),
        )
        .with("role", author.role));
    }
    check_environment_rules(changeset, author)
}

fn does_not_apply(error: ChangeSetError) -> ApiError {
    let code = match error {
        ChangeSetError::Operation { .. }
        | ChangeSetError::InvalidResult(_)
        | ChangeSetError::NotACreation
        | ChangeSetError::WrongTenant { .. } => ErrorCode::DoesNotApply,
        _ => ErrorCode::InvalidChangeset,
    };
    ApiError::new(code, error.to_string())
}

async fn load_tenant(
    tx: &mut Transaction<'static, Any>,
    tenant: &str,
) -> Result<TenantState, StorageError> {
    let head = sqlx::query("SELECT head_hash FROM tenants WHERE id = $1")
        .bind(tenant)
        .fetch_optional(&mut **tx)
        .await?
        .map(|row| row.try_get::<String, _>("head_hash"))
        .transpose()?;
    let mut documents = HashMap::new();
    let rows =
        sqlx::query("SELECT environment, document FROM tenant_documents WHERE tenant_id = $1")
            .bind(tenant)
            .fetch_all(&mut **tx)
            .await?;
    for row in rows {
        let environment: String = row.try_get("environment")?;
        let environment: Environment =
            serde_json::from_value(serde_json::Value::String(environment))
                .map_err(|error| corrupt("tenant_documents", tenant, error))?;
        let text: String = row.try_get("document")?;
        let document: TenantDocument = serde_json::from_str(&text)
            .map_err(|error| corrupt("tenant_documents", tenant, error))?;
        documents.insert(environment, document);
    }
    Ok(TenantState {
        exists: head.is_some(),
        head,
        documents,
    })
}

/// The paths the server's change sets of `tenant` in `environment` touched after
/// `parent` (all of them when the parent is none or not in the tenant's chain).
async fn touched_since(
    tx: &mut Transaction<'static, Any>,
    tenant: &str,
    parent: Option<&str>,
    environment: Environment,
) -> Result<Vec<String>, StorageError> {
    let after: i64 = match parent {
        None => 0,
        Some(parent) => {
            sqlx::query("SELECT seq FROM changesets WHERE hash = $1 AND tenant_id = $2")
                .bind(parent)
                .bind(tenant)
                .fetch_optional(&mut **tx)
                .await?
                .map(|row| row.try_get("seq"))
                .transpose()?
                .unwrap_or(0)
        }
    };
    let rows = sqlx::query(
        "SELECT seq, envelope FROM changesets WHERE tenant_id = $1 AND seq > $2 AND environment = $3 ORDER BY seq",
    )
    .bind(tenant)
    .bind(after)
    .bind(environment_id(environment))
    .fetch_all(&mut **tx)
    .await?;
    let mut paths = HashSet::new();
    for row in rows {
        let seq: i64 = row.try_get("seq")?;
        let bytes: Vec<u8> = row.try_get("envelope")?;
        // Stored envelopes were verified on the way in; only the operations are needed.
        let changeset = Envelope::parse(&bytes)
            .and_then(|envelope| envelope.payload_bytes())
            .map_err(|error| corrupt("changesets", &seq.to_string(), error))
            .and_then(|payload| {
                ChangeSet::from_payload(&payload)
                    .map_err(|error| corrupt("changesets", &seq.to_string(), error))
            })?;
        paths.extend(changeset.operations.iter().map(|op| op.path().to_owned()));
    }
    Ok(paths.into_iter().collect())
}

async fn store(
    tx: &mut Transaction<'static, Any>,
    batch: &Batch<'_>,
    bytes: &[u8],
    verified: &VerifiedChangeSet,
    document: &TenantDocument,
    seq: i64,
) -> Result<(), StorageError> {
    let changeset = &verified.changeset;
    let tenant = changeset.tenant.as_str();
    let hash = verified.hash.0.as_str();
    let slug = &document.tenant.slug;
    let exists = batch.tenants.get(tenant).is_some_and(|state| state.exists);
    if exists {
        sqlx::query(
            "UPDATE tenants SET slug = $1, slug_skeleton = $2, head_hash = $3, head_seq = $4 WHERE id = $5",
        )
        .bind(slug.as_str())
        .bind(slug.skeleton())
        .bind(hash)
        .bind(seq)
        .bind(tenant)
        .execute(&mut **tx)
        .await?;
    } else {
        sqlx::query(
            "INSERT INTO tenants (id, slug, slug_skeleton, head_hash, head_seq, created_at_ms) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(tenant)
        .bind(slug.as_str())
        .bind(slug.skeleton())
        .bind(hash)
        .bind(seq)
        .bind(batch.now_ms)
        .execute(&mut **tx)
        .await?;
    }
    sqlx::query(
        "INSERT INTO changesets (seq, hash, id, tenant_id, parent_hash, environment, author, envelope, received_at_ms) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(seq)
    .bind(hash)
    .bind(changeset.id.as_str())
    .bind(tenant)
    .bind(changeset.parent.clone())
    .bind(environment_id(changeset.environment))
    .bind(changeset.author.as_str())
    .bind(bytes.to_vec())
    .bind(batch.now_ms)
    .execute(&mut **tx)
    .await?;
    let text = serde_json::to_string(document)
        .map_err(|error| corrupt("tenant_documents", tenant, error))?;
    sqlx::query(
        "INSERT INTO tenant_documents (tenant_id, environment, head_hash, document) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (tenant_id, environment) DO UPDATE SET head_hash = excluded.head_hash, document = excluded.document",
    )
    .bind(tenant)
    .bind(environment_id(changeset.environment))
    .bind(hash)
    .bind(text)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paths(list: &[&str]) -> Vec<String> {
        list.iter().map(|path| (*path).to_owned()).collect()
    }

    #[test]
    fn conflicting_paths_are_the_overlapping_ones() {
        let theirs = paths(&["/ai/monthly_budget_cents", "/services/chat/flags/x"]);
        assert_eq!(
            conflicting_paths(
                [
                    "/ai/monthly_budget_cents",
                    "/tenant/display_name",
                    "/services/chat"
                ],
                &theirs
            ),
            paths(&["/ai/monthly_budget_cents", "/services/chat"])
        );
        // Disjoint edits do not conflict, even with a shared prefix of characters.
        assert!(conflicting_paths(["/ai/monthly_budget"], &theirs).is_empty());
        // The root (a creation) touches everything.
        assert_eq!(conflicting_paths([""], &theirs), paths(&[""]));
        assert_eq!(
            conflicting_paths(["/ai/allowed_models/0"], &paths(&[""])),
            paths(&["/ai/allowed_models/0"])
        );
        assert!(conflicting_paths(["/ai"], &[]).is_empty());
    }

    #[test]
    fn envelope_errors_map_to_specific_codes() {
        assert_eq!(
            envelope_error(EnvelopeError::BadSignature {
                index: 0,
                keyid: "k".into()
            })
            .code,
            ErrorCode::InvalidSignature
        );
        assert_eq!(
            envelope_error(EnvelopeError::UnknownKey {
                index: 0,
                keyid: "k".into()
            })
            .code,
            ErrorCode::UnknownKey
        );
        assert_eq!(
            envelope_error(EnvelopeError::Malformed("x".into())).code,
            ErrorCode::MalformedEnvelope
        );
        assert_eq!(
            envelope_error(EnvelopeError::ChangeSet(ChangeSetError::NotCanonical)).code,
            ErrorCode::InvalidChangeset
        );
        assert_eq!(
            envelope_error(EnvelopeError::TooLarge(1)).code,
            ErrorCode::PayloadTooLarge
        );
        assert_eq!(
            does_not_apply(ChangeSetError::NotACreation).code,
            ErrorCode::DoesNotApply
        );
    }

    #[test]
    fn verify_refuses_garbage_and_strangers() {
        let registry = HashMap::new();
        assert_eq!(
            verify(b"{", &registry).map_err(|e| e.code),
            Err(ErrorCode::MalformedEnvelope)
        );
    }
}
