//! Where an onboarding stands: each step complete, incomplete or blocked, and whether
//! the tenant may enter staging and production.
//!
//! What a step still needs comes from the pack's requirements (`missing`), what blocks it
//! from its findings; this module only combines them and adds the ordering of the
//! process: the tenant step waits for the classification, staging for steps 1–9, and
//! production for everything plus a verified staging stage and a complete checklist.

use serde::{Deserialize, Serialize};
use tenantry_core::catalog::Catalog;
use tenantry_core::tenant::{Environment, StageStatus};
use tenantry_core::{Step, TenantDocument};

use crate::model::Evaluation;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum StepStatus {
    Complete,
    Incomplete,
    Blocked,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct StepProgress {
    pub step: Step,
    /// The step's title in the process document, so no front end keeps its own copy.
    pub title: String,
    pub status: StepStatus,
    /// What the step still needs, as sentences.
    pub missing: Vec<String>,
    /// Ids of the rules that block the step (errors and unjustified warnings).
    pub blocking_rules: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct Progress {
    /// All twelve steps, in order.
    pub steps: Vec<StepProgress>,
    pub may_enter_staging: bool,
    pub may_enter_production: bool,
    /// Why the tenant may not enter staging yet (empty when it may).
    pub staging_blockers: Vec<String>,
    /// Why the tenant may not enter production yet (empty when it may).
    pub production_blockers: Vec<String>,
}

impl Progress {
    pub fn step(&self, step: Step) -> Option<&StepProgress> {
        self.steps.iter().find(|progress| progress.step == step)
    }
}

/// Steps 1–9 must be complete before the tenant enters staging; verification, rollout
/// and handoff happen around staging itself.
const STEPS_BEFORE_STAGING: usize = 9;

/// Per-step status and the staging / production gates. `evaluation` must come from
/// evaluating the pack over this `doc`. The catalog is taken for gates that need it;
/// today every catalog-dependent requirement is already in the evaluation.
pub fn progress(doc: &TenantDocument, _catalog: &Catalog, evaluation: &Evaluation) -> Progress {
    let mut steps: Vec<StepProgress> = Vec::with_capacity(Step::ALL.len());
    for step in Step::ALL {
        let mut missing: Vec<String> = evaluation
            .missing_for(step)
            .map(|item| item.message.clone())
            .collect();
        let mut blocking_rules: Vec<String> = evaluation
            .findings_for(step)
            .filter(|finding| finding.blocks())
            .map(|finding| finding.rule_id.clone())
            .collect();
        blocking_rules.sort();
        blocking_rules.dedup();
        // "Document this classification before proceeding": the tenant step cannot be
        // complete while the classification is not.
        if step == Step::Tenant {
            let classification_complete = steps
                .first()
                .is_some_and(|first| first.status == StepStatus::Complete);
            if !classification_complete {
                missing.push("Complete and document the classification (step 1) first.".to_owned());
            }
        }
        let status = if !blocking_rules.is_empty() {
            StepStatus::Blocked
        } else if !missing.is_empty() {
            StepStatus::Incomplete
        } else {
            StepStatus::Complete
        };
        steps.push(StepProgress {
            step,
            title: step.title().to_owned(),
            status,
            missing,
            blocking_rules,
        });
    }

    let blocking_findings: Vec<String> = evaluation
        .blocks()
        .into_iter()
        .map(|finding| {
            let kind = if finding.justified || finding.severity == crate::Severity::Error {
                finding.severity.id()
            } else {
                "unjustified warning"
            };
            format!(
                "Step {} ({}): {} at {}: {} ({kind})",
                finding.step.number(),
                finding.step.title(),
                finding.rule_id,
                finding.path,
                finding.message
            )
        })
        .collect();

    let mut staging_blockers = Vec::new();
    for &step in &Step::ALL[..STEPS_BEFORE_STAGING] {
        incomplete_lines(&steps, step, &mut staging_blockers);
    }
    staging_blockers.extend(blocking_findings.iter().cloned());

    let mut production_blockers = Vec::new();
    for step in Step::ALL {
        incomplete_lines(&steps, step, &mut production_blockers);
    }
    production_blockers.extend(blocking_findings);
    let staging_verified = doc.rollout.stages.iter().any(|stage| {
        stage.environment == Environment::Staging
            && stage.status == StageStatus::Verified
            && stage.verification.is_some()
    });
    if !staging_verified {
        production_blockers.push("No staging stage has been verified yet.".to_owned());
    }
    let checklist_complete = evaluation.missing_for(Step::Verification).next().is_none();
    if !checklist_complete {
        production_blockers.push(format!(
            "The go-live checklist is incomplete ({} item(s) without evidence).",
            evaluation.missing_for(Step::Verification).count()
        ));
    }

    Progress {
        may_enter_staging: staging_blockers.is_empty(),
        may_enter_production: production_blockers.is_empty(),
        steps,
        staging_blockers,
        production_blockers,
    }
}

/// One line per thing an incomplete step still needs.
fn incomplete_lines(steps: &[StepProgress], step: Step, lines: &mut Vec<String>) {
    if let Some(progress) = steps.iter().find(|progress| progress.step == step) {
        for missing in &progress.missing {
            lines.push(format!(
                "Step {} ({}) is incomplete: {missing}",
                step.number(),
                step.title()
            ));
        }
    }
}
