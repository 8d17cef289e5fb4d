//! The onboarding wizard as data, computed from the tenant document, the catalog and the
//! policy pack, so every front end draws the same forms and no front end holds a rule.
//!
//! - [`Forms::wizard`]: for one step, the fields to show (label, help, kind, options,
//!   current value, findings and missing items on each), the step's purpose, and the
//!   twelve steps' progress for a stepper.
//! - [`Forms::apply`]: typed edits of a document by JSON pointer. An edit names a field
//!   the forms show; a value of the wrong kind, a choice not offered or a value the
//!   document's types refuse is an [`EditError`] naming the field, and no edit of the
//!   batch is kept.
//!
//! Fields are generated from the catalog (services and their flags, models, prompts,
//! tools, vendors, regions) and from the document's types (industries, regulations,
//! modes, roles), so a service or flag added to the catalog appears with no code change.
//!
//! The classification gate ("Document this classification before proceeding"): until
//! step 1 is complete, the later steps are shown read-only and reported blocked, and
//! edits of their fields are refused. Completeness itself is the policy pack's verdict.

mod edit;
mod fields;
mod model;
mod steps;

use tenantry_core::catalog::Catalog;
use tenantry_core::{Step, TenantDocument};
use tenantry_policy::{Evaluation, PolicyError, PolicyPack, Progress, StepStatus};

pub use edit::EditError;
pub use model::{
    ChoiceOption, Edit, EditValue, FieldGroup, FieldInput, FormField, Justification, RecordItem,
    StepFinding, StepForm, StepMissing, StepState, Wizard,
};
pub use steps::purpose;
pub use tenantry_core::tenant::checklist_title;

use fields::{Ctx, FieldDef, GroupDef};

/// Why a later step cannot be edited yet.
pub const CLASSIFICATION_GATE: &str =
    "This step opens once the classification (step 1) is complete and documented.";

/// The wizard over one catalog and policy pack.
#[derive(Debug, Clone, Copy)]
pub struct Forms<'a> {
    catalog: &'a Catalog,
    pack: &'a PolicyPack,
}

impl<'a> Forms<'a> {
    pub fn new(catalog: &'a Catalog, pack: &'a PolicyPack) -> Self {
        Self { catalog, pack }
    }

    /// Evaluates `doc` and builds the wizard at `step`.
    pub fn wizard(&self, doc: &TenantDocument, step: Step) -> Result<Wizard, PolicyError> {
        let evaluation = self.pack.evaluate(doc, self.catalog)?;
        Ok(wizard(doc, self.catalog, &evaluation, step))
    }

    /// Applies `edits` in order to a copy of `doc`, whose evaluation is `evaluation`.
    /// Either every edit is applied, or the first refused one is reported and `doc` is
    /// all there is.
    pub fn apply(
        &self,
        doc: &TenantDocument,
        evaluation: &Evaluation,
        edits: &[Edit],
    ) -> Result<TenantDocument, EditError> {
        edit::apply(self.catalog, self.pack, doc, evaluation, edits)
    }
}

/// The wizard at `step`, from an evaluation of `doc` already made.
pub fn wizard(
    doc: &TenantDocument,
    catalog: &Catalog,
    evaluation: &Evaluation,
    step: Step,
) -> Wizard {
    let progress = tenantry_policy::progress(doc, catalog, evaluation);
    let steps = Step::ALL
        .into_iter()
        .map(|each| step_state(&progress, each))
        .collect();
    Wizard {
        steps,
        form: step_form(doc, catalog, evaluation, &progress, step),
        may_enter_staging: progress.may_enter_staging,
        may_enter_production: progress.may_enter_production,
    }
}

/// Whether `step` waits for the classification, and why.
pub fn gate(progress: &Progress, step: Step) -> Option<&'static str> {
    let classified = progress
        .step(Step::Classification)
        .is_some_and(|first| first.status == StepStatus::Complete);
    (step != Step::Classification && !classified).then_some(CLASSIFICATION_GATE)
}

/// One step as the stepper shows it.
pub fn step_state(progress: &Progress, step: Step) -> StepState {
    let (status, missing, blocking_rules) = progress.step(step).map_or_else(
        || (StepStatus::Incomplete, Vec::new(), Vec::new()),
        |each| {
            (
                each.status,
                each.missing.clone(),
                each.blocking_rules.clone(),
            )
        },
    );
    let locked = gate(progress, step).is_some();
    let reason = if locked {
        CLASSIFICATION_GATE.to_owned()
    } else {
        match status {
            StepStatus::Complete => String::new(),
            StepStatus::Blocked => format!(
                "Blocked by {}: fix the findings, or justify the warnings.",
                blocking_rules.join(", ")
            ),
            StepStatus::Incomplete => match missing.as_slice() {
                [] => String::new(),
                [only] => only.clone(),
                [first, rest @ ..] => format!("{first} (and {} more)", rest.len()),
            },
        }
    };
    StepState {
        step,
        number: step.number(),
        title: step.title().to_owned(),
        status: if locked { StepStatus::Blocked } else { status },
        locked,
        reason,
        missing,
        blocking_rules,
    }
}

/// The form of `step`: its fields with their values, findings and missing items.
pub fn step_form(
    doc: &TenantDocument,
    catalog: &Catalog,
    evaluation: &Evaluation,
    progress: &Progress,
    step: Step,
) -> StepForm {
    let ctx = Ctx::new(doc, catalog, &evaluation.required_checklist);
    let mut groups = steps::groups(&ctx, step);
    let mut paths = Vec::new();
    for group in &groups {
        for field in &group.fields {
            let mut all = Vec::new();
            field.walk(&mut all);
            paths.extend(all.into_iter().map(|def| def.path().to_owned()));
        }
    }

    // Every finding at a field of this form is shown there, whichever step's rule it is
    // (a credential pasted anywhere is SEC-001, reported in that field's step).
    for finding in &evaluation.findings {
        if let Some(target) = field_for(&paths, &finding.path) {
            with_field(&mut groups, &target, |def| {
                def.field.findings.push(finding.clone());
            });
        }
    }
    for missing in &evaluation.missing {
        if let Some(target) = field_for(&paths, &missing.path) {
            with_field(&mut groups, &target, |def| {
                def.field.missing.push(missing.message.clone());
            });
        }
    }

    let findings = evaluation
        .findings_for(step)
        .map(|finding| StepFinding {
            field: field_for(&paths, &finding.path),
            justification: (finding.severity == tenantry_policy::Severity::Warning).then(|| {
                Justification {
                    path: justification_path(&finding.rule_id),
                    text: doc
                        .justifications
                        .get(&finding.rule_id)
                        .cloned()
                        .unwrap_or_default(),
                }
            }),
            finding: finding.clone(),
        })
        .collect();
    let missing = evaluation
        .missing_for(step)
        .map(|item| StepMissing {
            requirement_id: item.requirement_id.clone(),
            message: item.message.clone(),
            field: field_for(&paths, &item.path),
        })
        .collect();

    StepForm {
        step,
        number: step.number(),
        title: step.title().to_owned(),
        purpose: purpose(step).to_owned(),
        locked: gate(progress, step).map(str::to_owned),
        groups: groups
            .iter()
            .map(|group| FieldGroup {
                id: group.id.clone(),
                title: group.title.clone(),
                help: group.help.clone(),
                fields: group.fields.iter().map(FieldDef::to_public).collect(),
            })
            .collect(),
        findings,
        missing,
    }
}

/// `/justifications/<rule id>`: where a warning's written reason goes.
pub fn justification_path(rule_id: &str) -> String {
    tenantry_changeset::pointer::join("/justifications", rule_id)
}

/// The field that shows `path`: the deepest field at or above it, else the first field
/// inside it (a finding about the whole scale goes to its first number).
fn field_for(paths: &[String], path: &str) -> Option<String> {
    let above = paths
        .iter()
        .filter(|field| {
            path == field.as_str()
                || path
                    .strip_prefix(field.as_str())
                    .is_some_and(|rest| rest.starts_with('/'))
        })
        .max_by_key(|field| field.len());
    above
        .or_else(|| {
            paths.iter().find(|field| {
                field
                    .strip_prefix(path)
                    .is_some_and(|rest| rest.starts_with('/'))
            })
        })
        .cloned()
}

fn with_field(groups: &mut [GroupDef], path: &str, mut change: impl FnMut(&mut FieldDef)) {
    fn visit(defs: &mut [FieldDef], path: &str, change: &mut dyn FnMut(&mut FieldDef)) {
        for def in defs {
            if def.path() == path {
                change(def);
                return;
            }
            for item in &mut def.items {
                visit(&mut item.fields, path, change);
            }
        }
    }
    for group in groups {
        visit(&mut group.fields, path, &mut change);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_finding_goes_to_the_deepest_field_above_it_or_the_first_inside_it() {
        let paths: Vec<String> = [
            "/ai/allowed_models",
            "/tenant/metadata/contacts",
            "/tenant/metadata/contacts/0/email",
            "/classification/scale/expected_users",
            "/classification/scale/data_volume_gb",
        ]
        .map(str::to_owned)
        .to_vec();
        assert_eq!(
            field_for(&paths, "/ai/allowed_models/1").as_deref(),
            Some("/ai/allowed_models")
        );
        assert_eq!(
            field_for(&paths, "/tenant/metadata/contacts/0/email").as_deref(),
            Some("/tenant/metadata/contacts/0/email")
        );
        assert_eq!(
            field_for(&paths, "/classification/scale").as_deref(),
            Some("/classification/scale/expected_users")
        );
        // A prefix of a token is not a parent.
        assert_eq!(field_for(&paths, "/ai/allowed_models_extra"), None);
        assert_eq!(field_for(&paths, "/rollout"), None);
    }

    #[test]
    fn edit_values_keep_whole_numbers_whole() {
        assert_eq!(EditValue::Number(1800.0).to_json(), serde_json::json!(1800));
        assert_eq!(EditValue::Number(2.5).to_json(), serde_json::json!(2.5));
        assert_eq!(EditValue::Bool(true).to_json(), serde_json::json!(true));
        assert_eq!(
            EditValue::List(vec!["chat".to_owned()]).to_json(),
            serde_json::json!(["chat"])
        );
        // The wire format: a number is a number, a numeric string stays text.
        let value: EditValue = serde_json::from_str("\"5\"").expect("text");
        assert_eq!(value, EditValue::Text("5".to_owned()));
        let value: EditValue = serde_json::from_str("5").expect("number");
        assert_eq!(value, EditValue::Number(5.0));
    }

    #[test]
    fn justifications_are_keyed_by_rule_id() {
        assert_eq!(justification_path("AI-010"), "/justifications/AI-010");
        assert_eq!(justification_path("X/1"), "/justifications/X~11");
    }
}
