use std::path::PathBuf;

/// Why a pack could not be built or evaluated. Every variant names what to look at: the
/// file, the rule or the requirement.
#[derive(thiserror::Error, Debug)]
pub enum PolicyError {
    #[error("cannot read policy files from {}: {message}", path.display())]
    Read { path: PathBuf, message: String },

    #[error("policy file {file} does not compile: {message}")]
    Compile { file: String, message: String },

    #[error("policy file {file} declares {package}; every file of the pack must declare `package tenantry.policy`")]
    WrongPackage { file: String, package: String },

    #[error("policy rule {rule_id} has invalid metadata: {problem}")]
    InvalidMetadata { rule_id: String, problem: String },

    #[error("the policy pack failed to evaluate: {message}")]
    Evaluation { message: String },

    #[error("the policy pack reported a finding for rule {rule_id}, which has no metadata; declare rules[\"{rule_id}\"] := {{\"severity\": …, \"step\": …, \"title\": …, \"remediation\": …, \"source\": …, \"applies_when\": …}} in the pack")]
    UnknownRule { rule_id: String },

    #[error("the policy pack reported a missing item for requirement {requirement_id}, which has no metadata; declare requirements[\"{requirement_id}\"] := {{\"step\": …, \"title\": …, \"source\": …, \"applies_when\": …}} in the pack")]
    UnknownRequirement { requirement_id: String },

    #[error("approval rule file {file} declares {package}; every approval rule file must declare `package tenantry.approvals`")]
    WrongApprovalPackage { file: String, package: String },

    #[error("the approval rules required approvals under rule {rule_id}, which has no metadata; declare rules[\"{rule_id}\"] := {{\"step\": …, \"title\": …, \"approvals\": …, \"reviewer\": …, \"source\": …, \"applies_when\": …}} in package tenantry.approvals")]
    UnknownApprovalRule { rule_id: String },

    #[error("the policy pack produced a malformed {what}: {problem}")]
    Malformed { what: &'static str, problem: String },
}
