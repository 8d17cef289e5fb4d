use serde::{Deserialize, Serialize};
use tenantry_core::Step;

/// How a broken rule weighs: an error blocks; a warning blocks until it is justified.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, specta::Type,
)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Error,
    Warning,
}

impl Severity {
    pub fn id(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }

    pub(crate) fn from_id(id: &str) -> Option<Severity> {
        match id {
            "error" => Some(Severity::Error),
            "warning" => Some(Severity::Warning),
            _ => None,
        }
    }
}

/// A rule of the pack, as declared in its `rules[id]` metadata.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct RuleInfo {
    pub id: String,
    pub severity: Severity,
    pub step: Step,
    pub title: String,
    /// How to fix a finding of this rule.
    pub remediation: String,
    /// The sentence of the process document the rule enforces.
    pub source: String,
    /// When the rule applies, for people ("always", "hipaa", "production has started").
    pub applies_when: String,
}

/// Something a step needs before it is complete, as declared in `requirements[id]`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct RequirementInfo {
    pub id: String,
    pub step: Step,
    pub title: String,
    /// The sentence of the process document that asks for it.
    pub source: String,
    pub applies_when: String,
}

/// One broken rule at one place in the document.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct Finding {
    pub rule_id: String,
    pub severity: Severity,
    pub step: Step,
    /// JSON pointer into the tenant document, e.g. `/ai/allowed_models/1`.
    pub path: String,
    /// What is wrong, naming the offending model, vendor, flag or value.
    pub message: String,
    pub remediation: String,
    /// Warnings only: the document carries a non-blank `justifications[rule_id]`.
    pub justified: bool,
}

impl Finding {
    /// An error, or a warning nobody has justified yet.
    pub fn blocks(&self) -> bool {
        match self.severity {
            Severity::Error => true,
            Severity::Warning => !self.justified,
        }
    }
}

/// One thing a step still needs, at one place in the document.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct Missing {
    pub requirement_id: String,
    pub step: Step,
    /// JSON pointer to where the answer goes (the field may not exist yet).
    pub path: String,
    /// What to do, as a sentence.
    pub message: String,
}

/// The outcome of evaluating the pack over one document.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct Evaluation {
    /// Broken rules, sorted by step, path and rule id.
    pub findings: Vec<Finding>,
    /// Work not done yet, sorted by step, path and requirement id.
    #[serde(default)]
    pub missing: Vec<Missing>,
    /// The go-live checklist items this tenant must evidence (the classification decides).
    #[serde(default)]
    pub required_checklist: Vec<String>,
}

impl Evaluation {
    pub fn has_errors(&self) -> bool {
        self.findings
            .iter()
            .any(|finding| finding.severity == Severity::Error)
    }

    pub fn errors(&self) -> Vec<&Finding> {
        self.findings
            .iter()
            .filter(|finding| finding.severity == Severity::Error)
            .collect()
    }

    pub fn warnings(&self) -> Vec<&Finding> {
        self.findings
            .iter()
            .filter(|finding| finding.severity == Severity::Warning)
            .collect()
    }

    pub fn unjustified_warnings(&self) -> Vec<&Finding> {
        self.findings
            .iter()
            .filter(|finding| finding.severity == Severity::Warning && !finding.justified)
            .collect()
    }

    /// Errors and unjustified warnings: what stops the tenant from moving on.
    pub fn blocks(&self) -> Vec<&Finding> {
        self.findings
            .iter()
            .filter(|finding| finding.blocks())
            .collect()
    }

    pub fn findings_for(&self, step: Step) -> impl Iterator<Item = &Finding> {
        self.findings
            .iter()
            .filter(move |finding| finding.step == step)
    }

    pub fn missing_for(&self, step: Step) -> impl Iterator<Item = &Missing> {
        self.missing.iter().filter(move |item| item.step == step)
    }
}
