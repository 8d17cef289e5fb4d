//! `tenantry progress FILE`: the twelve steps of a tenant document, and whether the
//! tenant may enter staging and production.

use std::fmt::Write as _;
use std::path::Path;

use serde::Serialize;
use tenantry_policy::{Progress, StepStatus};

use crate::args::{ReportFormat, Sources};
use crate::output;
use crate::sources::Inputs;

#[derive(Serialize)]
struct Report<'a> {
    file: String,
    #[serde(flatten)]
    progress: &'a Progress,
}

pub fn run(file: &Path, sources: &Sources, format: ReportFormat) -> Result<(), String> {
    let inputs = Inputs::read(file, sources)?;
    let evaluation = inputs.evaluate(file)?;
    let progress = tenantry_policy::progress(&inputs.document, &inputs.catalog, &evaluation);
    match format {
        ReportFormat::Json => output::json(&Report {
            file: file.display().to_string(),
            progress: &progress,
        }),
        ReportFormat::Text => output::text(&describe(file, &inputs, &progress)),
    }
}

fn describe(file: &Path, inputs: &Inputs, progress: &Progress) -> String {
    let tenant = &inputs.document.tenant;
    let mut text = format!(
        "{} ({}), from {}\n\n",
        tenant.display_name,
        tenant.slug.as_str(),
        file.display()
    );
    for step in &progress.steps {
        let status = match step.status {
            StepStatus::Complete => "complete",
            StepStatus::Incomplete => "incomplete",
            StepStatus::Blocked => "blocked",
        };
        let _ = writeln!(
            text,
            "{:>3}  {:<38}  {status}",
            step.step.number(),
            step.step.title()
        );
        for missing in &step.missing {
            let _ = writeln!(text, "       missing: {missing}");
        }
        if !step.blocking_rules.is_empty() {
            let _ = writeln!(
                text,
                "       blocked by: {} (see `tenantry validate {}`)",
                step.blocking_rules.join(", "),
                file.display()
            );
        }
    }
    let complete = progress
        .steps
        .iter()
        .filter(|step| step.status == StepStatus::Complete)
        .count();
    let _ = writeln!(
        text,
        "\n{complete} of {} steps complete.",
        progress.steps.len()
    );
    gate(
        &mut text,
        "Staging",
        progress.may_enter_staging,
        &progress.staging_blockers,
    );
    gate(
        &mut text,
        "Production",
        progress.may_enter_production,
        &progress.production_blockers,
    );
    text
}

fn gate(text: &mut String, environment: &str, may_enter: bool, blockers: &[String]) {
    if may_enter {
        let _ = writeln!(text, "{environment}: ready.");
        return;
    }
    let _ = writeln!(text, "{environment}: not yet, because:");
    for reason in condensed(blockers) {
        let _ = writeln!(text, "  - {reason}");
    }
}

/// The blockers, with the ones about an unfinished step said once per step: the
/// missing items themselves are listed under the step above.
fn condensed(blockers: &[String]) -> Vec<&str> {
    let mut reasons: Vec<&str> = Vec::new();
    for blocker in blockers {
        let reason = match blocker.split_once(": ") {
            Some((about_step, _)) if about_step.starts_with("Step ") => about_step,
            _ => blocker.as_str(),
        };
        if !reasons.contains(&reason) {
            reasons.push(reason);
        }
    }
    reasons
}
