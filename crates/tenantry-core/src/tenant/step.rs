use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The twelve steps of adding a new client, in the order the process gives them.
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
pub enum Step {
    Classification,
    Tenant,
    FrontendStrategy,
    Services,
    BackendOverrides,
    Ai,
    Integrations,
    FrontendCustomization,
    DataMigration,
    Verification,
    Rollout,
    Handoff,
}

impl Step {
    pub const ALL: [Step; 12] = [
        Step::Classification,
        Step::Tenant,
        Step::FrontendStrategy,
        Step::Services,
        Step::BackendOverrides,
        Step::Ai,
        Step::Integrations,
        Step::FrontendCustomization,
        Step::DataMigration,
        Step::Verification,
        Step::Rollout,
        Step::Handoff,
    ];

    /// 1 to 12, as the process document numbers them.
    pub fn number(self) -> u8 {
        match self {
            Step::Classification => 1,
            Step::Tenant => 2,
            Step::FrontendStrategy => 3,
            Step::Services => 4,
            Step::BackendOverrides => 5,
            Step::Ai => 6,
            Step::Integrations => 7,
            Step::FrontendCustomization => 8,
            Step::DataMigration => 9,
            Step::Verification => 10,
            Step::Rollout => 11,
            Step::Handoff => 12,
        }
    }

    /// The step's title in the process document.
    pub fn title(self) -> &'static str {
        match self {
            Step::Classification => "Classify the client",
            Step::Tenant => "Create the tenant",
            Step::FrontendStrategy => "Decide the frontend strategy",
            Step::Services => "Configure services",
            Step::BackendOverrides => "Handle client-specific backend needs",
            Step::Ai => "Configure AI behaviour",
            Step::Integrations => "Configure integrations",
            Step::FrontendCustomization => "Frontend customization",
            Step::DataMigration => "Data migration and initialization",
            Step::Verification => "Observability and verification",
            Step::Rollout => "Staging and rollout",
            Step::Handoff => "Documentation and handoff",
        }
    }

    /// The snake_case id used in files, findings and the policy pack.
    pub fn id(self) -> &'static str {
        match self {
            Step::Classification => "classification",
            Step::Tenant => "tenant",
            Step::FrontendStrategy => "frontend_strategy",
            Step::Services => "services",
            Step::BackendOverrides => "backend_overrides",
            Step::Ai => "ai",
            Step::Integrations => "integrations",
            Step::FrontendCustomization => "frontend_customization",
            Step::DataMigration => "data_migration",
            Step::Verification => "verification",
            Step::Rollout => "rollout",
            Step::Handoff => "handoff",
        }
    }

    pub fn from_id(id: &str) -> Option<Step> {
        Self::ALL.into_iter().find(|step| step.id() == id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_are_numbered_one_to_twelve_in_order() {
        let numbers: Vec<u8> = Step::ALL.iter().map(|step| step.number()).collect();
        assert_eq!(numbers, (1..=12).collect::<Vec<u8>>());
        assert!(Step::ALL.windows(2).all(|pair| pair[0] < pair[1]));
    }

    #[test]
    fn ids_round_trip_and_match_serde() {
        for step in Step::ALL {
            assert_eq!(Step::from_id(step.id()), Some(step));
            assert_eq!(
                serde_json::to_string(&step).expect("json"),
                format!("\"{}\"", step.id())
            );
            assert!(!step.title().is_empty());
        }
        assert_eq!(Step::from_id("step13"), None);
    }
}
