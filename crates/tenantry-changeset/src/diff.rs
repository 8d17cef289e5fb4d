//! What changed between two versions of a document: as operations (to build a change
//! set) and as a field-by-field list a person reads in review and history.

use serde::Serialize;
use serde_json::Value;
use tenantry_core::Step;

use crate::operation::Operation;
use crate::pointer;

/// The operations that turn `before` into `after`. Objects are compared member by
/// member, equal-length arrays element by element; anything else is replaced whole.
pub fn operations(before: &Value, after: &Value) -> Vec<Operation> {
    let mut out = Vec::new();
    diff_into(&mut out, String::new(), before, after);
    out
}

fn diff_into(out: &mut Vec<Operation>, path: String, before: &Value, after: &Value) {
    match (before, after) {
        _ if before == after => {}
        (Value::Object(old), Value::Object(new)) => {
            for (key, old_value) in old {
                let child = pointer::join(&path, key);
                match new.get(key) {
                    Some(new_value) => diff_into(out, child, old_value, new_value),
                    None => out.push(Operation::Unset {
                        path: child,
                        old: old_value.clone(),
                    }),
                }
            }
            for (key, new_value) in new {
                if !old.contains_key(key) {
                    out.push(Operation::Set {
                        path: pointer::join(&path, key),
                        value: new_value.clone(),
                        old: None,
                    });
                }
            }
        }
        (Value::Array(old), Value::Array(new)) if old.len() == new.len() => {
            for (i, (old_item, new_item)) in old.iter().zip(new).enumerate() {
                diff_into(out, format!("{path}/{i}"), old_item, new_item);
            }
        }
        _ => out.push(Operation::Set {
            path,
            value: after.clone(),
            old: Some(before.clone()),
        }),
    }
}

/// One changed field, for people: where it is, which step it belongs to, old → new.
#[derive(Clone, Debug, PartialEq, Serialize, specta::Type)]
pub struct FieldChange {
    pub path: String,
    pub step: Option<Step>,
    /// The path in words, e.g. "ai › allowed models › 2".
    pub label: String,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

/// Every leaf that differs, recursing through objects and arrays (by index), so a
/// change deep inside a large value shows as that one field.
pub fn field_changes(before: &Value, after: &Value) -> Vec<FieldChange> {
    let mut out = Vec::new();
    leaves_into(&mut out, String::new(), Some(before), Some(after));
    out
}

fn leaves_into(
    out: &mut Vec<FieldChange>,
    path: String,
    before: Option<&Value>,
    after: Option<&Value>,
) {
    if before == after {
        return;
    }
    match (before, after) {
        (Some(Value::Object(old)), Some(Value::Object(new))) => {
            let mut keys: Vec<&String> = old.keys().chain(new.keys()).collect();
            keys.sort();
            keys.dedup();
            for key in keys {
                leaves_into(out, pointer::join(&path, key), old.get(key), new.get(key));
            }
        }
        (Some(Value::Array(old)), Some(Value::Array(new))) => {
            for i in 0..old.len().max(new.len()) {
                leaves_into(out, format!("{path}/{i}"), old.get(i), new.get(i));
            }
        }
        _ => out.push(FieldChange {
            step: step_of(&path),
            label: label_of(&path),
            path,
            before: before.cloned(),
            after: after.cloned(),
        }),
    }
}

/// The onboarding step a document path belongs to.
pub fn step_of(path: &str) -> Option<Step> {
    let first = pointer::parse(path).ok()?.into_iter().next()?;
    Some(match first.as_str() {
        "classification" => Step::Classification,
        "tenant" => Step::Tenant,
        "frontend" => Step::FrontendStrategy,
        "services" => Step::Services,
        "overrides" => Step::BackendOverrides,
        "ai" => Step::Ai,
        "integrations" => Step::Integrations,
        "customization" => Step::FrontendCustomization,
        "data_migration" => Step::DataMigration,
        "go_live" => Step::Verification,
        "rollout" => Step::Rollout,
        "handoff" => Step::Handoff,
        _ => return None,
    })
}

/// A document path in words, e.g. "ai › allowed models › 2".
pub fn label_of(path: &str) -> String {
    match pointer::parse(path) {
        Ok(tokens) if tokens.is_empty() => "whole document".to_owned(),
        Ok(tokens) => tokens
            .iter()
            .map(|token| token.replace('_', " "))
            .collect::<Vec<_>>()
            .join(" › "),
        Err(_) => path.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::operation::apply_all;
    use serde_json::json;

    #[test]
    fn operations_turn_before_into_after() {
        let before = json!({"ai": {"models": ["a"], "budget": 0}, "gone": 1, "same": [1, 2]});
        let after =
            json!({"ai": {"models": ["a", "b"], "budget": 500, "new": true}, "same": [1, 3]});
        let ops = operations(&before, &after);
        assert_eq!(apply_all(&before, &ops).expect("applies"), after);
        assert!(
            ops.iter().any(|op| op.path() == "/same/1"),
            "equal-length arrays diff per element"
        );
        assert!(
            ops.iter().any(|op| op.path() == "/ai/models"),
            "resized arrays are replaced whole"
        );
        assert!(operations(&before, &before).is_empty());
    }

    #[test]
    fn field_changes_name_the_deep_leaf_and_its_step() {
        let before = json!({"services": {"chat": {"flags": {"retention_days": 30, "x": 1}}}, "ai": {"tools": ["a"]}});
        let after = json!({"services": {"chat": {"flags": {"retention_days": 90, "x": 1}}}, "ai": {"tools": ["a", "b"]}});
        let changes = field_changes(&before, &after);
        assert_eq!(changes.len(), 2);
        assert_eq!(changes[0].path, "/ai/tools/1");
        assert_eq!(changes[0].step, Some(Step::Ai));
        assert_eq!(changes[0].before, None);
        assert_eq!(changes[0].after, Some(json!("b")));
        assert_eq!(changes[1].path, "/services/chat/flags/retention_days");
        assert_eq!(changes[1].label, "services › chat › flags › retention days");
        assert_eq!(changes[1].step, Some(Step::Services));
        assert_eq!(
            (changes[1].before.clone(), changes[1].after.clone()),
            (Some(json!(30)), Some(json!(90)))
        );
    }

    #[test]
    fn labels_put_a_path_in_words() {
        assert_eq!(
            label_of("/ai/monthly_budget_cents"),
            "ai › monthly budget cents"
        );
        assert_eq!(label_of(""), "whole document");
        assert_eq!(label_of("no-slash"), "no-slash");
    }

    #[test]
    fn steps_follow_the_top_level_section() {
        assert_eq!(step_of("/go_live/items/logs"), Some(Step::Verification));
        assert_eq!(step_of("/justifications/AI-010"), None);
        assert_eq!(step_of(""), None);
    }
}
