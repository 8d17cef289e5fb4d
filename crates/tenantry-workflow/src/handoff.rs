//! The client handoff document of a tenant in the mirror: its signed document of one
//! environment and the verified change sets (with their signers) that produced it, put
//! together by tenantry-handoff. The CLI (`tenantry handoff`) and the app's export share
//! this, so both document exactly the same thing.

use std::collections::HashMap;

use tenantry_changeset::{Envelope, Environment, KeyId, Operation};
use tenantry_core::tenant::TenantId;
use tenantry_core::TenantDocument;
use tenantry_handoff::{ChangeRecord, Handoff, Signer};
use tenantry_store::Store;

use crate::WorkflowError;

/// The handoff of `tenant` (an id or slug) for `environment`, or by default for the
/// furthest environment it has reached (production, else staging, else draft).
pub async fn handoff(
    store: &Store,
    tenant: &str,
    environment: Option<Environment>,
) -> Result<Handoff, WorkflowError> {
    let id = store
        .find_tenant(tenant)
        .await?
        .ok_or_else(|| WorkflowError::UnknownTenant(tenant.to_owned()))?;
    let (environment, document) = match environment {
        Some(environment) => {
            let document = store.document(&id, environment).await?.ok_or_else(|| {
                WorkflowError::NoSignedDocument {
                    tenant: tenant.to_owned(),
                    environment: environment_name(environment),
                }
            })?;
            (environment, document)
        }
        None => furthest_environment(store, &id).await?,
    };
    let history = signed_history(store, &id, environment).await?;
    Ok(Handoff::build(&document, &history)?)
}

pub(crate) fn environment_name(environment: Environment) -> &'static str {
    match environment {
        Environment::Draft => "draft",
        Environment::Staging => "staging",
        Environment::Production => "production",
    }
}

async fn furthest_environment(
    store: &Store,
    tenant: &TenantId,
) -> Result<(Environment, TenantDocument), WorkflowError> {
    for environment in [
        Environment::Production,
        Environment::Staging,
        Environment::Draft,
    ] {
        if let Some(document) = store.document(tenant, environment).await? {
            return Ok((environment, document));
        }
    }
    Err(WorkflowError::MissingDocument)
}

/// The change sets of `environment` (the ones that produced its document), with the
/// signers and changed paths read from their envelopes, each verified again here: a
/// handoff never vouches for bytes whose signatures do not hold.
async fn signed_history(
    store: &Store,
    tenant: &TenantId,
    environment: Environment,
) -> Result<Vec<ChangeRecord>, WorkflowError> {
    let keys = store.signing_keys().await?;
    let mut signed: HashMap<String, (Vec<KeyId>, Vec<String>)> = HashMap::new();
    for bytes in store.envelopes(tenant).await? {
        let verified = Envelope::parse(&bytes)
            .and_then(|envelope| envelope.verify(|id| keys.get(id).cloned()))?;
        let paths = verified
            .changeset
            .operations
            .iter()
            .map(|operation| Operation::path(operation).to_owned())
            .collect();
        signed.insert(verified.hash.0, (verified.signers, paths));
    }
    let labels: HashMap<String, String> = store
        .tenant_owners()
        .await?
        .into_iter()
        .filter_map(|owner| owner.label.map(|label| (owner.key_id, label)))
        .collect();
    let signer = |key_id: &str| Signer {
        key_id: key_id.to_owned(),
        label: labels.get(key_id).cloned(),
    };
    let mut records = Vec::new();
    for entry in store.history(tenant).await? {
        if entry.environment != environment {
            continue;
        }
        let (signers, changed_paths) = signed
            .remove(&entry.hash)
            .ok_or(WorkflowError::MissingEnvelope(entry.seq))?;
        records.push(ChangeRecord {
            seq: i64::from(entry.seq),
            author: signer(&entry.author),
            // The author signs first; every other signature is an approval.
            approvers: signers
                .iter()
                .filter(|key| key.as_str() != entry.author)
                .map(|key| signer(key.as_str()))
                .collect(),
            hash: entry.hash,
            environment: entry.environment,
            created_at: entry.created_at,
            summary: entry.summary,
            changed_paths,
        });
    }
    Ok(records)
}
