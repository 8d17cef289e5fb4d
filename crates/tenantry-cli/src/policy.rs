//! `tenantry policy list`: the rules of the policy pack, step by step.

use std::fmt::Write as _;
use std::path::Path;

use tenantry_core::Step;
use tenantry_policy::{RuleInfo, Severity};

use crate::args::ReportFormat;
use crate::output::{self, format_table};
use crate::sources;

pub fn list(dir: Option<&Path>, format: ReportFormat) -> Result<(), String> {
    let pack = sources::policy(dir)?;
    match format {
        ReportFormat::Json => output::json(&pack.rules()),
        ReportFormat::Text => output::text(&describe(pack.rules(), dir)),
    }
}

fn describe(rules: &[RuleInfo], dir: Option<&Path>) -> String {
    let mut text = String::new();
    for step in Step::ALL {
        let mut in_step: Vec<&RuleInfo> = rules.iter().filter(|rule| rule.step == step).collect();
        if in_step.is_empty() {
            continue;
        }
        in_step.sort_by(|a, b| a.id.cmp(&b.id));
        let _ = writeln!(text, "Step {} · {}", step.number(), step.title());
        let rows = in_step
            .iter()
            .map(|rule| {
                vec![
                    rule.id.clone(),
                    severity(rule.severity).to_owned(),
                    rule.title.clone(),
                    applies_when(rule),
                ]
            })
            .collect();
        text.push_str(&format_table(
            &["RULE", "SEVERITY", "TITLE", "APPLIES WHEN"],
            rows,
            "  ",
        ));
        text.push('\n');
    }
    let errors = rules
        .iter()
        .filter(|rule| rule.severity == Severity::Error)
        .count();
    let origin = dir.map_or_else(
        || "the bundled pack".to_owned(),
        |dir| format!("the bundled pack and {}", dir.display()),
    );
    let _ = writeln!(
        text,
        "{} rules ({errors} errors, {} warnings) from {origin}",
        rules.len(),
        rules.len() - errors
    );
    text
}

fn severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

fn applies_when(rule: &RuleInfo) -> String {
    let text = rule.applies_when.trim();
    if text.is_empty() {
        "always".to_owned()
    } else {
        text.to_owned()
    }
}
