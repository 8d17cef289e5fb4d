//! Step progress and the staging / production gates.

mod common;

use common::{push, remove, set, Base};
use serde_json::{json, Value};
use tenantry_core::tenant::Regulation;
use tenantry_core::{ClientName, Industry, Step, TenantDocument};
use tenantry_policy::{progress, Progress, StepStatus};

fn progress_of(value: Value) -> Progress {
    let doc: TenantDocument = serde_json::from_value(value).expect("a tenant document");
    let evaluation = common::evaluate(&doc);
    progress(&doc, common::catalog(), &evaluation)
}

fn status(progress: &Progress, step: Step) -> StepStatus {
    progress.step(step).expect("every step is listed").status
}

#[test]
fn every_step_is_listed_in_order() {
    let progress = progress_of(Base::Gdpr.value());
    let steps: Vec<Step> = progress.steps.iter().map(|step| step.step).collect();
    assert_eq!(steps, Step::ALL);
    assert_eq!(progress.steps[0].title, "Classify the client");
    assert_eq!(progress.steps[11].title, "Documentation and handoff");
    assert!(progress.staging_blockers.is_empty() && progress.production_blockers.is_empty());
}

#[test]
fn a_fresh_tenant_is_incomplete_but_not_blocked() {
    let name = ClientName::parse("Acme Health").expect("name");
    let doc = TenantDocument::with_safe_defaults(&name, Industry::Healthcare, &[Regulation::Hipaa])
        .expect("defaults");
    let evaluation = common::evaluate(&doc);
    let progress = progress(&doc, common::catalog(), &evaluation);
    assert!(progress
        .steps
        .iter()
        .all(|step| step.blocking_rules.is_empty()));
    assert_eq!(
        status(&progress, Step::Classification),
        StepStatus::Incomplete
    );
    let tenant = progress.step(Step::Tenant).expect("tenant");
    assert_eq!(tenant.status, StepStatus::Incomplete);
    assert!(tenant
        .missing
        .iter()
        .any(|m| m.contains("classification (step 1) first")));
    // Nothing to do in the overrides, AI and integrations steps of a fresh tenant: no
    // overrides, AI off (budget zero), no integrations.
    for step in [Step::BackendOverrides, Step::Ai, Step::Integrations] {
        assert_eq!(status(&progress, step), StepStatus::Complete, "{step:?}");
    }
    assert!(!progress.may_enter_staging && !progress.may_enter_production);
    assert!(progress
        .staging_blockers
        .iter()
        .any(|line| line.starts_with("Step 4 (Configure services) is incomplete")));
}

#[test]
fn the_tenant_step_waits_for_the_classification() {
    let mut value = Base::Hipaa.value();
    set(&mut value, "/classification/scale", Value::Null);
    let progress = progress_of(value);
    assert_eq!(
        status(&progress, Step::Classification),
        StepStatus::Incomplete
    );
    let tenant = progress.step(Step::Tenant).expect("tenant");
    assert_eq!(tenant.status, StepStatus::Incomplete);
    assert_eq!(
        tenant.missing,
        ["Complete and document the classification (step 1) first."]
    );
    assert!(!progress.may_enter_staging);
}

#[test]
fn an_error_blocks_its_step_and_both_gates() {
    let mut value = Base::Hipaa.value();
    push(&mut value, "/ai/allowed_models", json!("atlas-small"));
    let progress = progress_of(value);
    let ai = progress.step(Step::Ai).expect("ai");
    assert_eq!(ai.status, StepStatus::Blocked);
    assert_eq!(ai.blocking_rules, ["AI-002"]);
    assert!(!progress.may_enter_staging && !progress.may_enter_production);
    let line = progress
        .staging_blockers
        .iter()
        .find(|line| line.contains("AI-002"))
        .expect("named");
    assert!(
        line.contains("/ai/allowed_models/1") && line.contains("atlas-small"),
        "{line}"
    );
}

#[test]
fn an_unjustified_warning_blocks_until_justified() {
    let mut value = Base::Gdpr.value();
    push(&mut value, "/ai/tools", json!("send_email"));
    let blocked = progress_of(value.clone());
    assert_eq!(status(&blocked, Step::Ai), StepStatus::Blocked);
    assert!(blocked
        .staging_blockers
        .iter()
        .any(|line| line.contains("AI-010") && line.contains("unjustified warning")));
    set(
        &mut value,
        "/justifications/AI-010",
        json!("Order confirmations only; templates reviewed by the client."),
    );
    let justified = progress_of(value);
    assert_eq!(status(&justified, Step::Ai), StepStatus::Complete);
    assert!(justified.may_enter_staging && justified.may_enter_production);
}

#[test]
fn staging_needs_steps_one_to_nine_only() {
    let mut value = Base::Hipaa.value();
    remove(&mut value, "/go_live/items/baa_on_file");
    set(&mut value, "/rollout/monitoring_plan", json!(""));
    set(&mut value, "/handoff/escalation_contacts", json!([]));
    let progress = progress_of(value);
    for step in [Step::Verification, Step::Rollout, Step::Handoff] {
        assert_eq!(status(&progress, step), StepStatus::Incomplete, "{step:?}");
    }
    assert!(
        progress.may_enter_staging,
        "{:?}",
        progress.staging_blockers
    );
    assert!(!progress.may_enter_production);
    let blockers = progress.production_blockers.join("\n");
    assert!(blockers.contains("baa_on_file"), "{blockers}");
    assert!(
        blockers.contains("go-live checklist is incomplete"),
        "{blockers}"
    );
    assert!(
        blockers.contains("Step 12 (Documentation and handoff) is incomplete"),
        "{blockers}"
    );
}

#[test]
fn production_needs_a_verified_staging_stage() {
    let mut value = Base::Pci.value();
    set(&mut value, "/rollout/stages/0/status", json!("in_progress"));
    let progress = progress_of(value);
    assert!(progress.may_enter_staging);
    assert!(!progress.may_enter_production);
    assert!(progress
        .production_blockers
        .iter()
        .any(|line| line == "No staging stage has been verified yet."));
}

#[test]
fn a_step_with_an_error_elsewhere_still_reports_what_it_misses() {
    let mut value = Base::Hipaa.value();
    set(
        &mut value,
        "/customization/branding/primary_color",
        json!("teal"),
    );
    set(&mut value, "/customization/copy_tone", json!(""));
    let progress = progress_of(value);
    let step = progress.step(Step::FrontendCustomization).expect("step 8");
    assert_eq!(step.status, StepStatus::Blocked);
    assert_eq!(step.blocking_rules, ["CUS-003"]);
    assert_eq!(
        step.missing,
        ["Describe the copy and tone of the client app."]
    );
}

#[test]
fn progress_serialises_with_snake_case_statuses() {
    let progress = progress_of(Base::Hipaa.value());
    let json = serde_json::to_value(&progress).expect("json");
    assert_eq!(json["steps"][0]["step"], "classification");
    assert_eq!(json["steps"][0]["status"], "complete");
    assert_eq!(json["may_enter_production"], true);
    let back: Progress = serde_json::from_value(json).expect("round trip");
    assert_eq!(back, progress);
}
