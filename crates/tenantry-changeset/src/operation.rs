//! Edits as data: `set` and `unset` at a JSON pointer, each recording the value it
//! replaces. Applying checks that value first (so an edit made against an old version
//! never lands silently on a newer one), and every operation has an exact inverse.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::pointer::{self, PointerError};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, specta::Type)]
#[serde(tag = "op", rename_all = "snake_case", deny_unknown_fields)]
pub enum Operation {
    /// Put `value` at `path`. `old` is what was there (`None`: nothing was).
    Set {
        path: String,
        value: Value,
        // `"old": null` (the field held null) and no `old` (nothing was there) are
        // different facts with different inverses, and each has one encoding, so a
        // payload re-encodes to the bytes that were signed.
        #[serde(
            default,
            skip_serializing_if = "Option::is_none",
            deserialize_with = "present"
        )]
        old: Option<Value>,
    },
    /// Remove what is at `path`; `old` is that value.
    Unset { path: String, old: Value },
}

#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum OperationError {
    #[error(transparent)]
    Pointer(#[from] PointerError),
    /// The document changed since the edit was made: someone else got there first.
    #[error("{path} changed since this edit was made: expected {expected}, found {found}")]
    Conflict {
        path: String,
        expected: String,
        found: String,
    },
}

fn describe(value: Option<&Value>) -> String {
    match value {
        None => "nothing".to_owned(),
        Some(value) => {
            let text = value.to_string();
            if text.chars().count() > 80 {
                format!("{}…", text.chars().take(80).collect::<String>())
            } else {
                text
            }
        }
    }
}

impl Operation {
    pub fn path(&self) -> &str {
        match self {
            Operation::Set { path, .. } | Operation::Unset { path, .. } => path,
        }
    }

    /// Applies the operation to `doc` if what is at its path is still what it expects.
    pub fn apply(&self, doc: &mut Value) -> Result<(), OperationError> {
        let path = self.path();
        let found = pointer::get(doc, path)?;
        let expected = match self {
            Operation::Set { old, .. } => old.as_ref(),
            Operation::Unset { old, .. } => Some(old),
        };
        if found != expected {
            return Err(OperationError::Conflict {
                path: path.to_owned(),
                expected: describe(expected),
                found: describe(found),
            });
        }
        match self {
            Operation::Set { value, .. } => pointer::set(doc, path, value.clone())?,
            Operation::Unset { .. } => {
                pointer::remove(doc, path)?;
            }
        }
        Ok(())
    }

    /// The operation that undoes this one.
    pub fn inverse(&self) -> Operation {
        match self {
            Operation::Set {
                path,
                value,
                old: Some(old),
            } => Operation::Set {
                path: path.clone(),
                value: old.clone(),
                old: Some(value.clone()),
            },
            Operation::Set {
                path,
                value,
                old: None,
            } => Operation::Unset {
                path: path.clone(),
                old: value.clone(),
            },
            Operation::Unset { path, old } => Operation::Set {
                path: path.clone(),
                value: old.clone(),
                old: None,
            },
        }
    }
}

/// Applies `operations` in order to a copy of `doc`; all or nothing.
pub fn apply_all(doc: &Value, operations: &[Operation]) -> Result<Value, (usize, OperationError)> {
    let mut next = doc.clone();
    for (i, operation) in operations.iter().enumerate() {
        operation.apply(&mut next).map_err(|error| (i, error))?;
    }
    Ok(next)
}

/// The operations that undo `operations` (inverses, in reverse order).
pub fn invert_all(operations: &[Operation]) -> Vec<Operation> {
    operations.iter().rev().map(Operation::inverse).collect()
}

/// A field that is present is `Some`, even when it is `null` (serde's default reads
/// `null` as `None`); an absent one is `None` through `#[serde(default)]`.
fn present<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Option<Value>, D::Error> {
    Value::deserialize(deserializer).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn replacing_a_null_is_not_the_same_as_adding() {
        let replaces_null = Operation::Set {
            path: "/tenant/metadata/legal_name".into(),
            value: json!("Acme Inc."),
            old: Some(Value::Null),
        };
        let text = serde_json::to_string(&replaces_null).expect("json");
        assert!(text.contains(r#""old":null"#), "{text}");
        let back: Operation = serde_json::from_str(&text).expect("parses");
        assert_eq!(back, replaces_null);
        assert_eq!(serde_json::to_string(&back).expect("json"), text);

        let adds: Operation =
            serde_json::from_str(r#"{"op":"set","path":"/a","value":1}"#).expect("parses");
        assert!(matches!(adds, Operation::Set { old: None, .. }));

        // The inverse restores the null rather than removing the field.
        let mut doc = json!({"tenant": {"metadata": {"legal_name": null}}});
        replaces_null.apply(&mut doc).expect("applies");
        replaces_null.inverse().apply(&mut doc).expect("reverts");
        assert_eq!(doc, json!({"tenant": {"metadata": {"legal_name": null}}}));
    }

    #[test]
    fn set_checks_the_old_value_then_applies() {
        let mut doc = json!({"ai": {"budget": 0}});
        let op = Operation::Set {
            path: "/ai/budget".into(),
            value: json!(500),
            old: Some(json!(0)),
        };
        op.apply(&mut doc).expect("applies");
        assert_eq!(doc["ai"]["budget"], 500);
        // Applying again: the budget is no longer 0, so this edit is stale.
        let error = op.apply(&mut doc).expect_err("conflict");
        assert_eq!(
            error,
            OperationError::Conflict {
                path: "/ai/budget".into(),
                expected: "0".into(),
                found: "500".into()
            }
        );
    }

    #[test]
    fn inverses_restore_the_document() {
        let before = json!({"a": 1, "list": [1, 2], "gone": {"x": true}});
        let ops = vec![
            Operation::Set {
                path: "/a".into(),
                value: json!(2),
                old: Some(json!(1)),
            },
            Operation::Set {
                path: "/new".into(),
                value: json!("n"),
                old: None,
            },
            Operation::Set {
                path: "/list/2".into(),
                value: json!(3),
                old: None,
            },
            Operation::Unset {
                path: "/gone".into(),
                old: json!({"x": true}),
            },
        ];
        let after = apply_all(&before, &ops).expect("applies");
        assert_eq!(after, json!({"a": 2, "new": "n", "list": [1, 2, 3]}));
        assert_eq!(
            apply_all(&after, &invert_all(&ops)).expect("reverts"),
            before
        );
    }

    #[test]
    fn a_failing_operation_changes_nothing() {
        let doc = json!({"a": 1});
        let ops = vec![
            Operation::Set {
                path: "/a".into(),
                value: json!(2),
                old: Some(json!(1)),
            },
            Operation::Unset {
                path: "/missing".into(),
                old: json!(1),
            },
        ];
        let (index, _) = apply_all(&doc, &ops).expect_err("second fails");
        assert_eq!(index, 1);
        assert_eq!(doc, json!({"a": 1}));
    }

    #[test]
    fn serialises_compactly_and_refuses_unknown_fields() {
        let op = Operation::Set {
            path: "/a".into(),
            value: json!(1),
            old: None,
        };
        assert_eq!(
            serde_json::to_string(&op).expect("json"),
            r#"{"op":"set","path":"/a","value":1}"#
        );
        assert!(serde_json::from_str::<Operation>(
            r#"{"op":"set","path":"/a","value":1,"evil":1}"#
        )
        .is_err());
        assert!(serde_json::from_str::<Operation>(r#"{"op":"delete","path":"/a"}"#).is_err());
    }
}
