use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::Evidence;

/// Step 10: evidence per checklist item id. Which items are required depends on the
/// classification and comes from the policy pack (a HIPAA tenant has more).
#[derive(
    Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema, specta::Type,
)]
#[serde(deny_unknown_fields)]
pub struct GoLiveChecklist {
    #[serde(default)]
    pub items: BTreeMap<String, Evidence>,
}

/// A checklist item's id as a title: `baa_on_file` → "BAA on file".
pub fn checklist_title(item: &str) -> String {
    const ACRONYMS: [&str; 10] = [
        "ai", "baa", "dpa", "gdpr", "hipaa", "pci", "phi", "pii", "sso", "sla",
    ];
    let words: Vec<String> = item
        .split('_')
        .filter(|word| !word.is_empty())
        .map(|word| {
            if ACRONYMS.contains(&word) {
                word.to_ascii_uppercase()
            } else {
                word.to_owned()
            }
        })
        .collect();
    capitalised(&words.join(" "))
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checklist_titles_keep_acronyms_upper_case() {
        assert_eq!(checklist_title("baa_on_file"), "BAA on file");
        assert_eq!(checklist_title("ai_cost_tracking"), "AI cost tracking");
        assert_eq!(checklist_title("smoke_tests"), "Smoke tests");
        // Whole words only: "paid" is not PII.
        assert_eq!(checklist_title("paid_on_time"), "Paid on time");
    }
}
