use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::Evidence;

/// Step 11: "No direct-to-production onboarding. No silent launches."
#[derive(
    Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema, specta::Type,
)]
#[serde(deny_unknown_fields)]
pub struct Rollout {
    #[serde(default)]
    pub stages: Vec<RolloutStage>,
    #[serde(default)]
    pub monitoring_plan: String,
    #[serde(default)]
    pub launch_announcement: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema, specta::Type)]
#[serde(deny_unknown_fields)]
pub struct RolloutStage {
    pub environment: Environment,
    /// Feature flags (`<service>.<flag>`) that gate this stage.
    #[serde(default)]
    pub flag_gates: Vec<String>,
    #[serde(default)]
    pub status: StageStatus,
    /// Present once the stage was verified.
    pub verification: Option<Evidence>,
}

#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    JsonSchema,
    specta::Type,
)]
#[serde(rename_all = "snake_case")]
pub enum Environment {
    Staging,
    Production,
}

#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema, specta::Type,
)]
#[serde(rename_all = "snake_case")]
pub enum StageStatus {
    #[default]
    Planned,
    InProgress,
    Verified,
}
