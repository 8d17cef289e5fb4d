//! Industries a client can be classified under (step 1 of onboarding).

use serde::{Deserialize, Serialize};

/// The industry a client works in. It drives which regulations apply later on.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    specta::Type,
    schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Industry {
    Healthcare,
    FinancialServices,
    Insurance,
    Retail,
    Education,
    PublicSector,
    Technology,
    Manufacturing,
    Media,
    Other,
}

/// An industry as a form offers it: the stable id and the label a person reads.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct IndustryOption {
    pub id: Industry,
    pub label: String,
}

impl Industry {
    /// Every industry, in the order a form lists them.
    pub const ALL: [Industry; 10] = [
        Industry::Healthcare,
        Industry::FinancialServices,
        Industry::Insurance,
        Industry::Retail,
        Industry::Education,
        Industry::PublicSector,
        Industry::Technology,
        Industry::Manufacturing,
        Industry::Media,
        Industry::Other,
    ];

    /// The stable identifier stored in the mirror and sent over every interface.
    pub fn id(self) -> &'static str {
        match self {
            Industry::Healthcare => "healthcare",
            Industry::FinancialServices => "financial_services",
            Industry::Insurance => "insurance",
            Industry::Retail => "retail",
            Industry::Education => "education",
            Industry::PublicSector => "public_sector",
            Industry::Technology => "technology",
            Industry::Manufacturing => "manufacturing",
            Industry::Media => "media",
            Industry::Other => "other",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Industry::Healthcare => "Healthcare",
            Industry::FinancialServices => "Financial services",
            Industry::Insurance => "Insurance",
            Industry::Retail => "Retail and e-commerce",
            Industry::Education => "Education",
            Industry::PublicSector => "Public sector",
            Industry::Technology => "Technology",
            Industry::Manufacturing => "Manufacturing",
            Industry::Media => "Media and entertainment",
            Industry::Other => "Other",
        }
    }

    /// Looks an industry up by its [`Industry::id`]; exact match only.
    pub fn from_id(id: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|industry| industry.id() == id)
    }

    /// The options a form offers, in display order.
    pub fn options() -> Vec<IndustryOption> {
        Self::ALL
            .into_iter()
            .map(|id| IndustryOption {
                id,
                label: id.label().to_owned(),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_match_serde() {
        for industry in Industry::ALL {
            assert_eq!(Industry::from_id(industry.id()), Some(industry));
            let json = serde_json::to_string(&industry).expect("json");
            assert_eq!(json, format!("\"{}\"", industry.id()));
        }
    }

    #[test]
    fn unknown_or_sloppy_ids_are_not_guessed() {
        assert_eq!(Industry::from_id(""), None);
        assert_eq!(Industry::from_id("Healthcare"), None);
        assert_eq!(Industry::from_id(" healthcare"), None);
        assert_eq!(Industry::from_id("crypto"), None);
    }

    #[test]
    fn options_list_every_industry_once_with_a_label() {
        let options = Industry::options();
        assert_eq!(options.len(), Industry::ALL.len());
        assert_eq!(options[0].id, Industry::Healthcare);
        assert_eq!(options[0].label, "Healthcare");
        assert!(options.iter().all(|option| !option.label.is_empty()));
    }
}
