//! Go-live from the mirror: where each environment of a tenant stands, the go-live
//! checklist of the configuration being promoted with its evidence, and promotion, which
//! signs a change set making the next environment exactly the one before it (draft →
//! staging → production). The server decides whether a promotion counts (approvals,
//! the checklist, staging first); this never guesses, it only refuses locally what the
//! policy pack already blocks.

use tenantry_changeset::{Environment, SigningKey};
use tenantry_core::tenant::{checklist_title, Evidence, TenantId};
use tenantry_core::TenantDocument;
use tenantry_policy::Finding;
use tenantry_store::{HistoryEntry, Store};

use crate::{submit, Rules, SubmitOutcome, SubmitRequest, WorkflowError};

/// The environments in promotion order.
pub const STAGES: [Environment; 3] = [
    Environment::Draft,
    Environment::Staging,
    Environment::Production,
];

/// One environment of a tenant.
#[derive(Clone, Debug, PartialEq)]
pub struct Stage {
    pub environment: Environment,
    /// Its newest signed change set; `None` when nothing was signed there.
    pub head: Option<HistoryEntry>,
    /// The same configuration as the environment before it (staging vs draft,
    /// production vs staging); `None` for draft, or when either has nothing signed.
    pub same_as_previous: Option<bool>,
    /// Its newest change set still waits in this machine's outbox.
    pub queued: bool,
}

/// A go-live checklist item with its evidence, if any.
#[derive(Clone, Debug, PartialEq, serde::Serialize, specta::Type)]
pub struct ChecklistEntry {
    pub item: String,
    /// The item in words ("BAA on file").
    pub title: String,
    /// Required by the rules for this configuration (others are evidenced extras).
    pub required: bool,
    pub evidence: Option<Evidence>,
}

/// The go-live checklist of `document`: the items `required` (the rules' order), each
/// with its evidence or none, then any other item that has evidence.
pub fn checklist_entries(document: &TenantDocument, required: &[String]) -> Vec<ChecklistEntry> {
    let entry = |item: &str, required: bool| ChecklistEntry {
        item: item.to_owned(),
        title: checklist_title(item),
        required,
        evidence: document.go_live.items.get(item).cloned(),
    };
    let mut entries: Vec<ChecklistEntry> = required.iter().map(|item| entry(item, true)).collect();
    for item in document.go_live.items.keys() {
        if !required.contains(item) {
            entries.push(entry(item, false));
        }
    }
    entries
}

/// Where a tenant stands on its way to production.
#[derive(Clone, Debug, PartialEq)]
pub struct GoLive {
    pub tenant: TenantId,
    pub client_name: String,
    pub stages: Vec<Stage>,
    /// The environment whose configuration the checklist and blockers are read from:
    /// staging when it has one (that is what production will be), else draft.
    pub checklist_of: Environment,
    pub checklist: Vec<ChecklistEntry>,
    /// What the policy pack blocks in that configuration.
    pub blockers: Vec<Finding>,
    /// Required checklist items without evidence in that configuration: the server
    /// refuses production until each has it (promoted through staging).
    pub missing_evidence: Vec<String>,
}

impl GoLive {
    fn stage(&self, environment: Environment) -> Option<&Stage> {
        self.stages
            .iter()
            .find(|stage| stage.environment == environment)
    }

    /// Whether promoting to `target` would sign anything: the environment before it has a
    /// signed configuration that `target` does not have yet (and, for production,
    /// nothing blocks it).
    pub fn can_promote(&self, target: Environment) -> bool {
        let Some(source) = previous(target) else {
            return false;
        };
        let has_source = self.stage(source).is_some_and(|stage| stage.head.is_some());
        let differs = self
            .stage(target)
            .is_some_and(|stage| stage.same_as_previous != Some(true));
        let unblocked = target != Environment::Production
            || (self.blockers.is_empty() && self.missing_evidence.is_empty());
        has_source && differs && unblocked
    }
}

/// The environment a promotion to `target` copies.
pub fn previous(target: Environment) -> Option<Environment> {
    match target {
        Environment::Draft => None,
        Environment::Staging => Some(Environment::Draft),
        Environment::Production => Some(Environment::Staging),
    }
}

async fn find(store: &Store, tenant: &str) -> Result<TenantId, WorkflowError> {
    store
        .find_tenant(tenant)
        .await?
        .ok_or_else(|| WorkflowError::UnknownTenant(tenant.to_owned()))
}

/// Where `tenant` (an id or slug) stands: its environments, and the checklist and
/// blockers of the configuration that production would get.
pub async fn go_live(
    store: &Store,
    rules: Rules<'_>,
    tenant: &str,
) -> Result<GoLive, WorkflowError> {
    let id = find(store, tenant).await?;
    let history = store.history(&id).await?;
    let queued: Vec<String> = store
        .outbox()
        .await?
        .into_iter()
        .filter(|entry| entry.tenant == id.as_str())
        .map(|entry| entry.hash)
        .collect();
    let mut documents: Vec<Option<TenantDocument>> = Vec::with_capacity(STAGES.len());
    for environment in STAGES {
        documents.push(store.document(&id, environment).await?);
    }
    let mut stages = Vec::with_capacity(STAGES.len());
    for (index, environment) in STAGES.into_iter().enumerate() {
        let head = history
            .iter()
            .rev()
            .find(|entry| entry.environment == environment)
            .cloned();
        let same_as_previous = match (index.checked_sub(1), &documents[index]) {
            (Some(before), Some(document)) => documents[before]
                .as_ref()
                .map(|previous| previous == document),
            _ => None,
        };
        stages.push(Stage {
            environment,
            queued: head
                .as_ref()
                .is_some_and(|head| queued.contains(&head.hash)),
            head,
            same_as_previous,
        });
    }
    let (checklist_of, document) = match (&documents[1], &documents[0]) {
        (Some(staging), _) => (Environment::Staging, staging),
        (None, Some(draft)) => (Environment::Draft, draft),
        (None, None) => return Err(WorkflowError::MissingDocument),
    };
    let evaluation = rules.pack.evaluate(document, rules.catalog)?;
    let checklist = checklist_entries(document, &evaluation.required_checklist);
    let missing_evidence = checklist
        .iter()
        .filter(|entry| {
            entry.required && !entry.evidence.as_ref().is_some_and(Evidence::is_recorded)
        })
        .map(|entry| entry.item.clone())
        .collect();
    Ok(GoLive {
        missing_evidence,
        tenant: id,
        client_name: document.tenant.display_name.clone(),
        stages,
        checklist_of,
        checklist,
        blockers: evaluation.blocks().into_iter().cloned().collect(),
    })
}

/// Signs and queues a change set making `target` exactly the configuration of the
/// environment before it (see [`submit`]: blocked configurations are not signed; an
/// environment that already holds it gives `NothingToSubmit`).
pub async fn promote(
    store: &Store,
    rules: Rules<'_>,
    tenant: &str,
    target: Environment,
    signer: impl FnOnce() -> Result<SigningKey, String>,
    summary: &str,
    organisation: &str,
) -> Result<SubmitOutcome, WorkflowError> {
    let id = find(store, tenant).await?;
    let Some(source) = previous(target) else {
        return Err(WorkflowError::NotPromotable);
    };
    let document =
        store
            .document(&id, source)
            .await?
            .ok_or_else(|| WorkflowError::NoSignedDocument {
                tenant: tenant.to_owned(),
                environment: crate::handoff::environment_name(source),
            })?;
    let request = SubmitRequest {
        summary,
        environment: target,
        organisation,
    };
    submit(store, rules, &document, signer, request).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stage(environment: Environment, signed: bool, same: Option<bool>) -> Stage {
        Stage {
            environment,
            head: signed.then(|| HistoryEntry {
                seq: 1,
                hash: "a".repeat(64),
                id: "id".into(),
                environment,
                author: "author".into(),
                summary: "s".into(),
                created_at: tenantry_core::Timestamp::now(),
            }),
            same_as_previous: same,
            queued: false,
        }
    }

    #[test]
    fn production_waits_for_the_missing_evidence_and_staging_for_a_new_draft() {
        let mut go_live = GoLive {
            tenant: TenantId::generate(),
            client_name: "Corner Bakery".into(),
            stages: vec![
                stage(Environment::Draft, true, None),
                stage(Environment::Staging, true, Some(true)),
                stage(Environment::Production, false, None),
            ],
            checklist_of: Environment::Staging,
            checklist: Vec::new(),
            blockers: Vec::new(),
            missing_evidence: vec!["smoke_tests".into()],
        };
        assert!(
            !go_live.can_promote(Environment::Staging),
            "staging holds the draft"
        );
        assert!(
            !go_live.can_promote(Environment::Production),
            "smoke tests have no evidence"
        );
        assert!(!go_live.can_promote(Environment::Draft));
        go_live.missing_evidence.clear();
        assert!(go_live.can_promote(Environment::Production));
    }
}
