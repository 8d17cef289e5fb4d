use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::timestamp::Timestamp;

/// Proof that something was checked: where to see it, who checked, when.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema, specta::Type)]
#[serde(deny_unknown_fields)]
pub struct Evidence {
    /// A link or note that lets someone else see the proof (dashboard, test run, ticket).
    pub reference: String,
    pub verified_by: String,
    #[specta(type = String)]
    #[schemars(with = "String")]
    pub verified_at: Timestamp,
    /// SHA-256 of attached output (e.g. a smoke-test log), hex, when there is one.
    pub sha256: Option<String>,
}

impl Evidence {
    /// Whether this counts as evidence: someone can see the proof (a reference) and
    /// someone vouched for it (who verified it). The time is always there.
    pub fn is_recorded(&self) -> bool {
        !self.reference.trim().is_empty() && !self.verified_by.trim().is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evidence_needs_a_reference_and_who_verified_it() {
        let evidence = |reference: &str, verified_by: &str| Evidence {
            reference: reference.to_owned(),
            verified_by: verified_by.to_owned(),
            verified_at: Timestamp::now(),
            sha256: None,
        };
        assert!(evidence("https://grafana.example/d/logs", "Ana Lima").is_recorded());
        assert!(!evidence("  ", "Ana Lima").is_recorded());
        assert!(!evidence("https://grafana.example/d/logs", "").is_recorded());
    }
}
