//! Go-live for one tenant: where its environments stand, the go-live checklist with its
//! evidence, and promotion draft → staging → production, signed with this person's key
//! and queued. The server decides at the next sync whether a promotion counts (see
//! docs/go-live.md); the window shows the answer.

use crate::audit::{Audited, Described};
use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use tauri::State;
use tenantry_changeset::Environment;
use tenantry_policy::Finding;
use tenantry_workflow::{GoLive, SubmitOutcome};

use super::drafts::Receipt;
use crate::error::AppError;
use crate::state::AppState;

/// Where a promotion goes.
#[derive(Clone, Copy, Debug, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub enum PromotionTarget {
    Staging,
    Production,
}

/// The evidence recorded for a checklist item.
#[derive(Clone, Debug, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct EvidenceView {
    /// Where someone else can see the proof (a link or a note).
    pub reference: String,
    pub verified_by: String,
    /// RFC 3339.
    pub verified_at: String,
    /// SHA-256 of attached output, hex.
    pub sha256: Option<String>,
}

/// One go-live checklist item.
#[derive(Clone, Debug, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ChecklistItem {
    pub item: String,
    /// The item in words ("BAA on file").
    pub title: String,
    /// Required by the rules for this configuration (false: evidenced, not required).
    pub required: bool,
    pub evidence: Option<EvidenceView>,
}

/// One environment of the tenant.
#[derive(Clone, Debug, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct StageView {
    pub environment: Environment,
    /// Its newest signed change set; `None`: nothing signed there yet.
    pub hash: Option<String>,
    /// Its place in the tenant's chain, from 1.
    pub seq: Option<u32>,
    /// "you", the signer's name when this mirror knows it, else their key id.
    pub signed_by: Option<String>,
    /// RFC 3339.
    pub signed_at: Option<String>,
    /// The same configuration as the environment before it; `None` for draft or when
    /// either has nothing signed.
    pub same_as_previous: Option<bool>,
    /// Still in this machine's outbox: the server has not accepted it yet.
    pub queued: bool,
}

/// Where a tenant stands on its way to production.
#[derive(Clone, Debug, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct GoLiveView {
    pub tenant: String,
    pub client_name: String,
    /// Draft, staging, production, in that order.
    pub stages: Vec<StageView>,
    /// Whose configuration the checklist is read from: staging when there is one, else
    /// draft.
    pub checklist_of: Environment,
    pub checklist: Vec<ChecklistItem>,
    /// What the policy pack blocks in that configuration: production waits for these.
    pub production_blockers: Vec<Finding>,
    /// Titles of the required checklist items with no evidence in that configuration:
    /// the server refuses production until each has it.
    pub missing_evidence: Vec<String>,
    pub can_promote_to_staging: bool,
    pub can_promote_to_production: bool,
}

/// What a promotion did.
#[derive(Clone, Debug, Serialize, specta::Type)]
#[serde(tag = "outcome", rename_all = "camelCase")]
pub enum PromoteResult {
    /// One change set signed and queued; the server checks it at the next sync.
    Submitted { receipt: Receipt, view: GoLiveView },
    /// The environment holds that configuration already; nothing was signed.
    NothingToPromote { view: GoLiveView },
    /// The policy pack blocks the configuration; nothing was signed.
    Blocked {
        findings: Vec<Finding>,
        view: GoLiveView,
    },
}

fn view(go_live: GoLive, names: &HashMap<String, String>, me: Option<&str>) -> GoLiveView {
    let can_promote_to_staging = go_live.can_promote(Environment::Staging);
    let can_promote_to_production = go_live.can_promote(Environment::Production);
    GoLiveView {
        tenant: go_live.tenant.to_string(),
        client_name: go_live.client_name,
        stages: go_live
            .stages
            .into_iter()
            .map(|stage| StageView {
                environment: stage.environment,
                seq: stage
                    .head
                    .as_ref()
                    .map(|head| u32::try_from(head.seq).unwrap_or(0)),
                signed_by: stage.head.as_ref().map(|head| {
                    if me == Some(head.author.as_str()) {
                        "you".to_owned()
                    } else {
                        names
                            .get(&head.author)
                            .cloned()
                            .unwrap_or_else(|| head.author.clone())
                    }
                }),
                signed_at: stage.head.as_ref().map(|head| head.created_at.to_string()),
                hash: stage.head.map(|head| head.hash),
                same_as_previous: stage.same_as_previous,
                queued: stage.queued,
            })
            .collect(),
        checklist_of: go_live.checklist_of,
        checklist: go_live
            .checklist
            .into_iter()
            .map(|entry| ChecklistItem {
                title: entry.title,
                required: entry.required,
                evidence: entry.evidence.map(|evidence| EvidenceView {
                    reference: evidence.reference,
                    verified_by: evidence.verified_by,
                    verified_at: evidence.verified_at.to_string(),
                    sha256: evidence.sha256,
                }),
                item: entry.item,
            })
            .collect(),
        production_blockers: go_live.blockers,
        missing_evidence: go_live
            .missing_evidence
            .iter()
            .map(|item| tenantry_forms::checklist_title(item))
            .collect(),
        can_promote_to_staging,
        can_promote_to_production,
    }
}

async fn current(state: &AppState, tenant: &str) -> Result<GoLiveView, AppError> {
    let store = state.store().await?;
    let go_live = tenantry_workflow::go_live(store, state.rules().await, tenant).await?;
    let me = state.signer.info().ok().and_then(|info| info.key_id);
    Ok(view(
        go_live,
        &super::review::signer_names(store).await?,
        me.as_deref(),
    ))
}

/// Where `tenant` (an id or slug) stands on its way to production.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(name = "command", skip_all, fields(name = "go_live"))]
pub async fn go_live(state: State<'_, AppState>, tenant: String) -> Result<GoLiveView, AppError> {
    current(&state, &tenant).await
}

/// Signs and queues a change set making `target` exactly the environment before it
/// (staging = the signed draft, production = staging), with `summary`.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(name = "command", skip_all, fields(name = "promote_tenant"))]
pub async fn promote_tenant(
    state: State<'_, AppState>,
    tenant: String,
    target: PromotionTarget,
    summary: String,
) -> Result<PromoteResult, AppError> {
    let what = Audited::new("promote_tenant").tenant(tenant.clone());
    let result: Result<PromoteResult, AppError> = async {
        let store = state.store().await?;
        let environment = match target {
            PromotionTarget::Staging => Environment::Staging,
            PromotionTarget::Production => Environment::Production,
        };
        let outcome = tenantry_workflow::promote(
            store,
            state.rules().await,
            &tenant,
            environment,
            || state.signer.key(),
            &summary,
            &state.settings.organisation,
        )
        .await?;
        Ok(match outcome {
            SubmitOutcome::Blocked(findings) => PromoteResult::Blocked {
                findings,
                view: current(&state, &tenant).await?,
            },
            SubmitOutcome::NothingToSubmit => PromoteResult::NothingToPromote {
                view: current(&state, &tenant).await?,
            },
            SubmitOutcome::Submitted { recorded, .. } => {
                tracing::info!(tenant = %tenant, hash = %recorded.hash, ?environment, "promoted");
                PromoteResult::Submitted {
                    receipt: Receipt {
                        changeset_id: recorded.changeset.id.clone(),
                        hash: recorded.hash.0.clone(),
                        seq: u32::try_from(recorded.seq).unwrap_or(u32::MAX),
                        outbox: u32::try_from(store.outbox_len().await?).unwrap_or(u32::MAX),
                    },
                    view: current(&state, &tenant).await?,
                }
            }
        })
    }
    .await;
    crate::audit::record(&state, what, &result, |result| match result {
        PromoteResult::Submitted { receipt, .. } => {
            Described::done(format!("Promoted to {target:?}: {summary}"))
                .subject(receipt.hash.clone())
        }
        PromoteResult::NothingToPromote { .. } => Described::done("Nothing to promote"),
        PromoteResult::Blocked { findings, .. } => Described::refused(
            "Not promoted: the policy pack blocks it",
            findings
                .iter()
                .map(|finding| finding.rule_id.clone())
                .collect(),
        ),
    })
    .await;
    result
}
