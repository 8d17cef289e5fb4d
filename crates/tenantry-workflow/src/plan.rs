//! The plan of a submission: every change a draft would make, old → new, grouped by the
//! onboarding step it belongs to, next to what the policy pack says about that step —
//! so that a person who did not fill the form can read what will be signed, like a
//! Terraform plan. Computed exactly the way [`crate::submit`] computes the change set it
//! would sign (the same base document, the same environment), so the plan cannot drift
//! from the submission.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;
use tenantry_changeset::changeset::Environment;
use tenantry_changeset::diff::{self, FieldChange};
use tenantry_core::{DraftId, Step, TenantDocument};
use tenantry_policy::Finding;
use tenantry_store::Store;

use crate::golive::{checklist_entries, ChecklistEntry};
use crate::{to_value, Rules, WorkflowError};

/// What submitting a draft would do.
#[derive(Clone, Debug, PartialEq, Serialize, specta::Type)]
pub struct Plan {
    pub tenant_id: String,
    pub display_name: String,
    pub environment: Environment,
    /// The change set this one would build on (the tenant's head in the mirror); none
    /// when the submission creates the tenant.
    pub base: Option<String>,
    pub creates_tenant: bool,
    /// Steps in the process's order; a step is listed when it has a change or a finding.
    pub steps: Vec<PlanStep>,
    /// Changed fields, all steps together.
    pub change_count: u32,
    /// Errors and unjustified warnings: submitting is refused while any remain.
    pub blocking_count: u32,
    /// Warnings that carry a justification (it is signed with the change).
    pub justified_count: u32,
    /// True when there is something to submit and nothing blocks it.
    pub can_submit: bool,
    /// The go-live checklist of the resulting configuration, with its evidence: what a
    /// reviewer reads next to the policy results.
    pub checklist: Vec<ChecklistEntry>,
}

/// One step's part of a plan.
#[derive(Clone, Debug, PartialEq, Serialize, specta::Type)]
pub struct PlanStep {
    pub step: Step,
    /// 1 to 12.
    pub number: u8,
    pub title: String,
    pub changes: Vec<PlanChange>,
    pub findings: Vec<PlanFinding>,
}

/// One changed field, for people: where, and its value before and after as text
/// (`None`: the field did not exist, or does not any more). Text, never markup.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, specta::Type)]
pub struct PlanChange {
    /// JSON pointer into the tenant document.
    pub path: String,
    /// The path in words, e.g. "ai › allowed models › 2".
    pub label: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

impl From<FieldChange> for PlanChange {
    fn from(change: FieldChange) -> Self {
        Self {
            path: change.path,
            label: change.label,
            before: change.before.as_ref().map(display),
            after: change.after.as_ref().map(display),
        }
    }
}

/// A value as a reader sees it: text as itself, `null` as "(empty)", anything else as
/// compact JSON.
fn display(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        Value::Null => "(empty)".to_owned(),
        other => other.to_string(),
    }
}

/// A finding with the justification the draft gives for it, if any.
#[derive(Clone, Debug, PartialEq, Serialize, specta::Type)]
pub struct PlanFinding {
    #[serde(flatten)]
    pub finding: Finding,
    pub justification: Option<String>,
}

/// The plan for submitting draft `id` as it is in the mirror now, to `environment`.
pub async fn plan_draft(
    store: &Store,
    rules: Rules<'_>,
    id: &DraftId,
    environment: Environment,
) -> Result<Plan, WorkflowError> {
    let opened = store.open_draft(id).await?;
    let doc = &opened.document;
    let current = store.document(&doc.tenant.id, environment).await?;
    let base = store.head(&doc.tenant.id).await?;
    plan(rules, current.as_ref(), doc, environment, base)
}

/// What the recorded change set `hash` (of `tenant`, an id or slug) changed, read as a
/// plan: its environment's document before it → after it, grouped by step, with the
/// policy results of the result and the justifications signed with it. For a reviewer,
/// who must see exactly what changes and why it is allowed. `None` when the mirror holds
/// no such change set (pull first).
pub async fn changeset_plan(
    store: &Store,
    rules: Rules<'_>,
    tenant: &str,
    hash: &str,
) -> Result<Option<Plan>, WorkflowError> {
    let Some(tenant) = store.find_tenant(tenant).await? else {
        return Ok(None);
    };
    let history = store.history(&tenant).await?;
    let Some(index) = history.iter().position(|entry| entry.hash == hash) else {
        return Ok(None);
    };
    // Replayed from the verified envelopes, in the same order as the history.
    let versions = store.versions(&tenant).await?;
    let environment = history[index].environment;
    let after = &versions.get(index).ok_or(WorkflowError::MissingDocument)?.1;
    let before = versions[..index]
        .iter()
        .rev()
        .find(|(env, _)| *env == environment)
        .map(|(_, document)| document);
    let base = index
        .checked_sub(1)
        .map(|parent| history[parent].hash.clone());
    plan(rules, before, after, environment, base).map(Some)
}

/// The plan from `current` (the mirror's version in `environment`, none for a new
/// tenant) to `doc`.
pub fn plan(
    rules: Rules<'_>,
    current: Option<&TenantDocument>,
    doc: &TenantDocument,
    environment: Environment,
    base: Option<String>,
) -> Result<Plan, WorkflowError> {
    let after = to_value(doc)?;
    let changes = match current {
        Some(current) => diff::field_changes(&to_value(current)?, &after),
        None => creation_changes(&after),
    };
    let evaluation = rules.pack.evaluate(doc, rules.catalog)?;

    let mut by_step: BTreeMap<u8, PlanStep> = BTreeMap::new();
    let entry = |by_step: &mut BTreeMap<u8, PlanStep>, step: Step| {
        by_step
            .entry(step.number())
            .or_insert_with(|| PlanStep {
                step,
                number: step.number(),
                title: step.title().to_owned(),
                changes: Vec::new(),
                findings: Vec::new(),
            })
            .number
    };
    let change_count = u32::try_from(changes.len()).unwrap_or(u32::MAX);
    for change in changes {
        // Fields outside the twelve steps (schema version, justifications) belong to
        // the first step a reader looks at; the justifications also show per finding.
        let step = change.step.unwrap_or(Step::Classification);
        let number = entry(&mut by_step, step);
        if let Some(part) = by_step.get_mut(&number) {
            part.changes.push(change.into());
        }
    }
    let mut blocking_count = 0u32;
    let mut justified_count = 0u32;
    for finding in evaluation.findings {
        if finding.blocks() {
            blocking_count += 1;
        } else if finding.justified {
            justified_count += 1;
        }
        let justification = doc
            .justifications
            .get(&finding.rule_id)
            .cloned()
            .filter(|text| !text.trim().is_empty());
        let number = entry(&mut by_step, finding.step);
        if let Some(part) = by_step.get_mut(&number) {
            part.findings.push(PlanFinding {
                finding,
                justification,
            });
        }
    }
    Ok(Plan {
        tenant_id: doc.tenant.id.as_str().to_owned(),
        display_name: doc.tenant.display_name.clone(),
        environment,
        creates_tenant: current.is_none(),
        base,
        steps: by_step.into_values().collect(),
        change_count,
        blocking_count,
        justified_count,
        can_submit: change_count > 0 && blocking_count == 0,
        checklist: checklist_entries(doc, &evaluation.required_checklist),
    })
}

/// A new tenant, field by field: every value it starts with, leaving out fields that
/// start empty (null, "", [] or {}), which would only be noise in a plan.
fn creation_changes(after: &Value) -> Vec<FieldChange> {
    let mut out = Vec::new();
    leaves(after, String::new(), &mut out);
    out
}

fn leaves(value: &Value, path: String, out: &mut Vec<FieldChange>) {
    match value {
        Value::Object(map) if !map.is_empty() => {
            for (key, child) in map {
                leaves(child, format!("{path}/{}", escape(key)), out);
            }
        }
        Value::Array(items) if !items.is_empty() => {
            for (index, child) in items.iter().enumerate() {
                leaves(child, format!("{path}/{index}"), out);
            }
        }
        Value::Null => {}
        Value::String(text) if text.is_empty() => {}
        Value::Object(_) | Value::Array(_) => {}
        leaf => out.push(FieldChange {
            step: diff::step_of(&path),
            label: diff::label_of(&path),
            path,
            before: None,
            after: Some(leaf.clone()),
        }),
    }
}

/// JSON pointer escaping of one key (RFC 6901).
fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

#[cfg(test)]
mod tests {
    use tenantry_core::tenant::Evidence;

    use super::*;
    use tenantry_core::catalog::Catalog;
    use tenantry_core::tenant::{parse_document, ComplianceMode, Format};
    use tenantry_core::{ClientName, Industry};
    use tenantry_policy::PolicyPack;

    fn hipaa() -> TenantDocument {
        let text = include_str!("../../../examples/tenants/healthcare-hipaa.json");
        parse_document(text.as_bytes(), Format::Json).expect("the HIPAA example parses")
    }

    fn rules_parts() -> (Catalog, PolicyPack) {
        (Catalog::bundled(), PolicyPack::bundled())
    }

    #[test]
    fn an_edit_shows_old_and_new_under_its_step_and_nothing_else() {
        let (catalog, pack) = rules_parts();
        let rules = Rules {
            catalog: &catalog,
            pack: &pack,
        };
        let before = hipaa();
        let mut after = before.clone();
        after.tenant.display_name = "Cedar Valley Health (EU)".to_owned();
        after.ai.monthly_budget_cents += 10_000;
        let plan = plan(
            rules,
            Some(&before),
            &after,
            Environment::Draft,
            Some("abc".into()),
        )
        .expect("plan");
        assert!(!plan.creates_tenant);
        assert_eq!(plan.change_count, 2);
        let tenant_step = plan
            .steps
            .iter()
            .find(|part| part.step == Step::Tenant)
            .expect("the tenant step is listed");
        assert_eq!(tenant_step.changes.len(), 1);
        assert_eq!(tenant_step.changes[0].path, "/tenant/display_name");
        assert_eq!(
            tenant_step.changes[0].before.as_deref(),
            Some(before.tenant.display_name.as_str())
        );
        assert_eq!(
            tenant_step.changes[0].after.as_deref(),
            Some("Cedar Valley Health (EU)")
        );
        let ai = plan
            .steps
            .iter()
            .find(|part| part.step == Step::Ai)
            .expect("the AI step is listed");
        assert_eq!(ai.changes[0].path, "/ai/monthly_budget_cents");
        let numbers: Vec<u8> = plan.steps.iter().map(|part| part.number).collect();
        let mut sorted = numbers.clone();
        sorted.sort_unstable();
        assert_eq!(numbers, sorted, "steps come in the process's order");
        assert!(plan.can_submit, "{plan:?}");
        // The go-live checklist of the result, with its evidence, for the reviewer.
        let baa = plan
            .checklist
            .iter()
            .find(|entry| entry.item == "baa_on_file")
            .expect("a HIPAA tenant needs a BAA");
        assert!(baa.required);
        assert_eq!(baa.title, "BAA on file");
        assert!(baa.evidence.as_ref().is_some_and(Evidence::is_recorded));
    }

    #[test]
    fn a_blocked_choice_is_in_the_plan_under_its_step_and_stops_the_submission() {
        let (catalog, pack) = rules_parts();
        let rules = Rules {
            catalog: &catalog,
            pack: &pack,
        };
        let before = hipaa();
        let mut after = before.clone();
        let not_eligible = catalog
            .ai_models
            .iter()
            .find(|(_, model)| !model.eligible_modes.contains(&ComplianceMode::Hipaa))
            .map(|(id, _)| id.clone())
            .expect("the catalog has a model that is not HIPAA-eligible");
        after.ai.allowed_models.push(not_eligible.clone());
        let plan = plan(rules, Some(&before), &after, Environment::Draft, None).expect("plan");
        assert!(!plan.can_submit);
        assert!(plan.blocking_count >= 1);
        let ai = plan
            .steps
            .iter()
            .find(|part| part.step == Step::Ai)
            .expect("the AI step");
        assert!(ai
            .findings
            .iter()
            .any(|f| f.finding.rule_id == "AI-002" && f.finding.message.contains(&not_eligible)));
    }

    #[test]
    fn a_new_tenant_lists_every_value_it_starts_with_and_no_empty_ones() {
        let (catalog, pack) = rules_parts();
        let rules = Rules {
            catalog: &catalog,
            pack: &pack,
        };
        let doc = TenantDocument::with_safe_defaults(
            &ClientName::parse("Harbour Clinic").expect("name"),
            Industry::Healthcare,
            &[],
        )
        .expect("a new tenant");
        let plan = plan(rules, None, &doc, Environment::Draft, None).expect("plan");
        assert!(plan.creates_tenant);
        let changes: Vec<&PlanChange> = plan.steps.iter().flat_map(|part| &part.changes).collect();
        assert_eq!(changes.len(), plan.change_count as usize);
        assert!(changes
            .iter()
            .any(|c| c.path == "/tenant/display_name"
                && c.after.as_deref() == Some("Harbour Clinic")));
        assert!(changes.iter().all(|c| c.before.is_none()));
        assert!(
            changes.iter().all(|c| c
                .after
                .as_deref()
                .is_some_and(|text| !text.is_empty() && text != "(empty)")),
            "no empty values"
        );
    }

    #[test]
    fn nothing_changed_means_nothing_to_submit() {
        let (catalog, pack) = rules_parts();
        let rules = Rules {
            catalog: &catalog,
            pack: &pack,
        };
        let doc = hipaa();
        let plan = plan(rules, Some(&doc), &doc, Environment::Draft, None).expect("plan");
        assert_eq!(plan.change_count, 0);
        assert!(!plan.can_submit);
        assert!(plan.steps.iter().all(|part| part.changes.is_empty()));
    }

    #[test]
    fn values_read_as_text() {
        assert_eq!(display(&Value::String("<b>x</b>".into())), "<b>x</b>");
        assert_eq!(display(&Value::Null), "(empty)");
        assert_eq!(display(&serde_json::json!(150000)), "150000");
        assert_eq!(display(&serde_json::json!(["a", "b"])), r#"["a","b"]"#);
    }

    #[test]
    fn keys_with_slashes_are_escaped_in_paths() {
        let value = serde_json::json!({"services": {"a/b": {"enabled": true}}});
        let changes = creation_changes(&value);
        assert_eq!(changes[0].path, "/services/a~1b/enabled");
        assert_eq!(changes[0].step, Some(Step::Services));
    }
}
