//! `tenantry validate FILE`: every finding of the policy pack on a tenant document,
//! grouped by step; exit status 1 when any error-severity rule fails.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;
use std::process::ExitCode;

use serde::Serialize;
use tenantry_core::Step;
use tenantry_policy::{Finding, Severity};

use crate::args::{ReportFormat, Sources};
use crate::output;
use crate::sources::Inputs;

#[derive(Serialize)]
struct Report<'a> {
    file: String,
    /// No error-severity finding: the document may be submitted.
    valid: bool,
    findings: &'a [Finding],
}

pub fn run(file: &Path, sources: &Sources, format: ReportFormat) -> Result<ExitCode, String> {
    let inputs = Inputs::read(file, sources)?;
    let evaluation = inputs.evaluate(file)?;
    let valid = !evaluation.has_errors();
    match format {
        ReportFormat::Json => output::json(&Report {
            file: file.display().to_string(),
            valid,
            findings: &evaluation.findings,
        })?,
        ReportFormat::Text => output::text(&describe(
            file,
            &evaluation.findings,
            &inputs.document.justifications,
        ))?,
    }
    Ok(if valid {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

fn describe(
    file: &Path,
    findings: &[Finding],
    justifications: &BTreeMap<String, String>,
) -> String {
    let mut sorted: Vec<&Finding> = findings.iter().collect();
    sorted.sort_by(|a, b| {
        (a.step, severity_rank(a.severity), &a.rule_id, &a.path).cmp(&(
            b.step,
            severity_rank(b.severity),
            &b.rule_id,
            &b.path,
        ))
    });
    let mut text = String::new();
    let mut current: Option<Step> = None;
    for finding in sorted {
        if current != Some(finding.step) {
            current = Some(finding.step);
            let _ = writeln!(
                text,
                "Step {} · {}",
                finding.step.number(),
                finding.step.title()
            );
        }
        let label = match finding.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let _ = writeln!(
            text,
            "  {label:<7}  {}  at {}",
            finding.rule_id,
            pointer(&finding.path)
        );
        let _ = writeln!(text, "    {}", sentence(&finding.message));
        let justification = justifications
            .get(&finding.rule_id)
            .filter(|_| finding.justified);
        if let Some(reason) = justification {
            let _ = writeln!(text, "    Justified: {}", reason.trim());
        } else {
            if !finding.remediation.is_empty() {
                let _ = writeln!(text, "    Fix: {}", finding.remediation);
            }
            if finding.severity == Severity::Warning {
                let _ = writeln!(
                    text,
                    "    Or accept it with a written reason in justifications.{}.",
                    finding.rule_id
                );
            }
        }
        text.push('\n');
    }
    text.push_str(&summary(file, findings));
    text.push('\n');
    text
}

/// The pack's messages as sentences: capitalised, ending with a full stop.
fn sentence(message: &str) -> String {
    let message = message.trim();
    let mut chars = message.chars();
    let mut text: String = match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => return String::new(),
    };
    if !text.ends_with(['.', '!', '?']) {
        text.push('.');
    }
    text
}

fn severity_rank(severity: Severity) -> u8 {
    match severity {
        Severity::Error => 0,
        Severity::Warning => 1,
    }
}

fn pointer(path: &str) -> &str {
    if path.is_empty() {
        "the whole document"
    } else {
        path
    }
}

/// "2 errors, 1 warning (1 justified) in healthcare-hipaa.yaml"
pub fn summary(file: &Path, findings: &[Finding]) -> String {
    let errors = findings
        .iter()
        .filter(|finding| finding.severity == Severity::Error)
        .count();
    let warnings = findings.len() - errors;
    let justified = findings
        .iter()
        .filter(|finding| finding.severity == Severity::Warning && finding.justified)
        .count();
    let mut line = format!(
        "{}, {}",
        count(errors, "error", "errors"),
        count(warnings, "warning", "warnings")
    );
    if warnings > 0 {
        let _ = write!(line, " ({justified} justified)");
    }
    let _ = write!(line, " in {}", file.display());
    line
}

fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}
