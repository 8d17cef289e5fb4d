//! Keeping the tenant list's progress column current: the store knows which tenants'
//! documents have no verdict yet; this evaluates them with the policy pack and writes
//! the verdict for exactly the head it evaluated.

use tenantry_policy::{progress, StepStatus};
use tenantry_store::Store;

use crate::{Rules, WorkflowError};

/// Evaluates up to `batch` tenants whose progress is unknown and records it. Returns
/// how many were evaluated; call again until it returns 0. A tenant that changed
/// while it was evaluated keeps no verdict and comes back in the next batch.
pub async fn refresh_tenant_progress(
    store: &Store,
    rules: Rules<'_>,
    batch: u32,
) -> Result<usize, WorkflowError> {
    let pending = store.tenants_needing_progress(batch).await?;
    for (tenant, head, document) in &pending {
        let evaluation = rules.pack.evaluate(document, rules.catalog)?;
        let progress = progress(document, rules.catalog, &evaluation);
        let complete = progress
            .steps
            .iter()
            .filter(|step| step.status == StepStatus::Complete)
            .count();
        let blocked = progress
            .steps
            .iter()
            .any(|step| step.status == StepStatus::Blocked);
        let complete = u8::try_from(complete).unwrap_or(12);
        store
            .set_tenant_progress(tenant, head, complete, blocked)
            .await?;
    }
    Ok(pending.len())
}
