//! Tenantry's policy pack: every rule of the onboarding process ("Adding a New Client")
//! as declarative Rego, evaluated by [regorus](https://github.com/microsoft/regorus).
//!
//! The pack lives in `pack/*.rego` (embedded in the binary); a platform extends it with
//! its own files through [`PolicyPack::from_dir`]. Each file declares its rules'
//! metadata next to the rules themselves, so an added rule is listed, explained and
//! enforced like a bundled one.
//!
//! Two kinds of outcome come out of one evaluation:
//! - [`Finding`]s: a rule is broken. An error blocks; a warning blocks until the document
//!   carries a written justification for it (`justifications[<rule id>]`).
//! - [`Missing`] items: a step is not finished yet (no region chosen, no evidence for a
//!   checklist item). They keep their step incomplete without blocking anything else.
//!
//! [`progress`] turns both into per-step status and the staging / production gates.
//!
//! [`ApprovalPolicy`] is the other rule set, `approvals/*.rego`: which changes need
//! approvals (co-signatures by a compliance officer) before they count.
//!
//! The crate is pure: no IO except reading the extra pack files in `from_dir`.

mod approvals;
mod error;
mod incremental;
mod input;
mod model;
mod pack;
mod progress;

pub use approvals::{
    ApprovalInput, ApprovalPolicy, ApprovalRequirement, ApprovalRule, ChangeEnvironment,
    ReviewerRole,
};
pub use error::PolicyError;
pub use model::{Evaluation, Finding, Missing, RequirementInfo, RuleInfo, Severity};
pub use pack::{EvaluationMemo, PolicyPack};
pub use progress::{progress, Progress, StepProgress, StepStatus};
