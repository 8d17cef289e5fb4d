//! Typed edits: each names a field the forms show, carries a value of that field's
//! kind, and must leave a document the tenant types accept. The first refused edit
//! stops the batch and the caller keeps the document it had.

use serde_json::{Number, Value};
use tenantry_changeset::pointer;
use tenantry_core::catalog::Catalog;
use tenantry_core::{Step, TenantDocument, Timestamp};
use tenantry_policy::{Evaluation, PolicyPack, Severity};

use crate::fields::{Ctx, FieldDef};
use crate::model::{Edit, EditValue, FieldInput};
use crate::{gate, steps};

/// Why an edit was refused. Nothing of the batch was applied.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EditError {
    #[error("There is no field at {path} in the wizard, so nothing was changed.")]
    UnknownField { path: String },
    #[error("{label} cannot be changed yet: the classification (step 1) must be complete and documented first. Nothing was changed.")]
    Locked { path: String, label: String },
    #[error("{label}: {problem} Nothing was changed.")]
    BadValue {
        path: String,
        label: String,
        problem: String,
    },
}

impl EditError {
    /// The JSON pointer of the field the error is about.
    pub fn path(&self) -> &str {
        match self {
            EditError::UnknownField { path }
            | EditError::Locked { path, .. }
            | EditError::BadValue { path, .. } => path,
        }
    }
}

/// A field found for an edit, with the step it belongs to.
struct Target {
    step: Step,
    def: FieldDef,
}

pub(crate) fn apply(
    catalog: &Catalog,
    pack: &PolicyPack,
    doc: &TenantDocument,
    evaluation: &Evaluation,
    edits: &[Edit],
) -> Result<TenantDocument, EditError> {
    let progress = tenantry_policy::progress(doc, catalog, evaluation);
    let mut current = doc.clone();
    for edit in edits {
        let target = find(
            catalog,
            pack,
            &current,
            &evaluation.required_checklist,
            edit,
        )?;
        if gate(&progress, target.step).is_some() {
            return Err(EditError::Locked {
                path: edit.path().to_owned(),
                label: target.def.field.label.clone(),
            });
        }
        current = apply_one(&current, &target.def, edit)?;
    }
    Ok(current)
}

/// The field an edit names, in the forms of the document as it stands.
fn find(
    catalog: &Catalog,
    pack: &PolicyPack,
    doc: &TenantDocument,
    checklist: &[String],
    edit: &Edit,
) -> Result<Target, EditError> {
    let path = edit.path();
    let unknown = || EditError::UnknownField {
        path: path.chars().take(200).collect(),
    };
    if let Some(rule_id) = path.strip_prefix("/justifications/") {
        let rule = pack
            .rule(rule_id)
            .filter(|rule| rule.severity == Severity::Warning)
            .ok_or_else(unknown)?;
        let ctx = Ctx::new(doc, catalog, checklist);
        let def = ctx
            .long_text(path, &format!("Justification for {rule_id}"), "")
            .removable();
        return Ok(Target {
            step: rule.step,
            def,
        });
    }
    let ctx = Ctx::new(doc, catalog, checklist);
    for step in Step::ALL {
        for group in steps::groups(&ctx, step) {
            let mut all = Vec::new();
            for field in &group.fields {
                field.walk(&mut all);
            }
            let found = match edit {
                Edit::Set { .. } | Edit::Add { .. } => all.iter().find(|def| def.path() == path),
                // A record is removed through the list that holds it.
                Edit::Remove { .. } => all
                    .iter()
                    .find(|def| def.items.iter().any(|item| item.path == path)),
            };
            if let Some(def) = found {
                return Ok(Target {
                    step,
                    def: (*def).clone(),
                });
            }
        }
    }
    Err(unknown())
}

fn apply_one(
    doc: &TenantDocument,
    def: &FieldDef,
    edit: &Edit,
) -> Result<TenantDocument, EditError> {
    let label = &def.field.label;
    let bad = |problem: &str| EditError::BadValue {
        path: edit.path().to_owned(),
        label: label.clone(),
        problem: problem.to_owned(),
    };
    let mut json = serde_json::to_value(doc).map_err(|error| bad(&error.to_string()))?;
    match edit {
        Edit::Set { path, value } => {
            if matches!(def.field.input, FieldInput::Records { .. }) {
                return Err(bad(
                    "a list is changed by adding or removing records, not set as a whole.",
                ));
            }
            let value = value.as_ref().map_or(Value::Null, EditValue::to_json);
            let stored = stored_value(def, &value).map_err(|problem| bad(&problem))?;
            write(&mut json, def, path, stored).map_err(|problem| bad(&problem))?;
        }
        Edit::Add { path } => {
            let record = def
                .storage
                .new_record
                .clone()
                .ok_or_else(|| bad("this field is not a list of records."))?;
            let len = pointer::get(&json, path)
                .ok()
                .flatten()
                .and_then(Value::as_array)
                .map_or(0, Vec::len);
            pointer::set(&mut json, &format!("{path}/{len}"), record)
                .map_err(|error| bad(&error.to_string()))?;
        }
        Edit::Remove { path } => {
            pointer::remove(&mut json, path).map_err(|error| bad(&error.to_string()))?;
        }
    }
    // The document's own types have the last word (a secret reference, an id, a
    // version); their messages never repeat a credential.
    serde_path_to_error::deserialize::<_, TenantDocument>(json).map_err(|error| {
        let message = error.inner().to_string();
        bad(&format!("{}.", capitalised(message.trim_end_matches('.'))))
    })
}

/// What an edit's value becomes in the document: `None` removes the map entry.
fn stored_value(def: &FieldDef, value: &Value) -> Result<Option<Value>, String> {
    let storage = &def.storage;
    let empty = || -> Result<Option<Value>, String> {
        if storage.empty_removes {
            Ok(None)
        } else if storage.empty_is_null {
            Ok(Some(Value::Null))
        } else {
            Err("an answer is needed here.".to_owned())
        }
    };
    match &def.field.input {
        FieldInput::Text { .. } | FieldInput::LongText { .. } | FieldInput::Image { .. } => {
            match value {
                Value::String(text) if text.is_empty() => {
                    if storage.empty_is_null || storage.empty_removes {
                        empty()
                    } else {
                        Ok(Some(Value::String(String::new())))
                    }
                }
                Value::String(text) => Ok(Some(Value::String(text.clone()))),
                Value::Null => empty(),
                _ => Err("expected text.".to_owned()),
            }
        }
        FieldInput::Attachment { .. } => match value {
            Value::Null => empty(),
            Value::String(text) if text.is_empty() => empty(),
            Value::String(text)
                if text.len() == 64
                    && text
                        .bytes()
                        .all(|byte| byte.is_ascii_digit() || (b'a'..=b'f').contains(&byte)) =>
            {
                Ok(Some(Value::String(text.clone())))
            }
            _ => Err("attach the file: a SHA-256 is 64 lowercase hexadecimal digits.".to_owned()),
        },
        FieldInput::Number { .. } => match value {
            Value::Null => empty(),
            Value::Number(number) => {
                let (low, high) = storage.range.unwrap_or((f64::MIN, f64::MAX));
                let whole = number
                    .as_i64()
                    .map(|n| n as f64)
                    .or_else(|| number.as_u64().map(|n| n as f64))
                    .or_else(|| number.as_f64().filter(|n| n.fract() == 0.0));
                match whole {
                    Some(n) if n >= low && n <= high => Ok(Some(Value::Number(
                        // In range of i64 here: the widest range is u32's.
                        Number::from(n as i64),
                    ))),
                    _ => Err(format!("enter a whole number from {low} to {high}.")),
                }
            }
            _ => Err("expected a number.".to_owned()),
        },
        FieldInput::Toggle { .. } => match value {
            Value::Bool(on) => Ok(Some(Value::Bool(*on))),
            _ => Err("expected on or off.".to_owned()),
        },
        FieldInput::Choice {
            options, optional, ..
        } => match value {
            Value::Null => empty(),
            Value::String(text) if text.is_empty() && *optional => empty(),
            Value::String(text) => {
                if options.iter().any(|option| option.value == *text) {
                    Ok(Some(Value::String(text.clone())))
                } else {
                    Err(format!(
                        "'{}' is not one of the choices offered.",
                        text.chars().take(80).collect::<String>()
                    ))
                }
            }
            _ => Err("expected one of the choices offered.".to_owned()),
        },
        FieldInput::MultiChoice { options, .. } => {
            let Value::Array(items) = value else {
                return Err("expected a list of choices.".to_owned());
            };
            let mut chosen: Vec<String> = Vec::with_capacity(items.len());
            for item in items {
                let Some(text) = item.as_str() else {
                    return Err("expected a list of choices.".to_owned());
                };
                if !options.iter().any(|option| option.value == text) {
                    return Err(format!(
                        "'{}' is not one of the choices offered.",
                        text.chars().take(80).collect::<String>()
                    ));
                }
                if chosen.iter().any(|seen| seen == text) {
                    return Err(format!("'{text}' is chosen twice."));
                }
                chosen.push(text.to_owned());
            }
            Ok(Some(Value::Array(
                chosen.into_iter().map(Value::String).collect(),
            )))
        }
        FieldInput::Timestamp { .. } => match value {
            Value::Null => empty(),
            Value::String(text) if text.is_empty() => empty(),
            Value::String(text) => Timestamp::parse_rfc3339(text.trim())
                .map(|instant| Some(Value::String(instant.to_string())))
                .map_err(|_| {
                    "enter a date and time such as 2026-03-01T09:30:00Z (RFC 3339, UTC).".to_owned()
                }),
            _ => Err("expected a date and time.".to_owned()),
        },
        FieldInput::Records { .. } => Err("expected a record.".to_owned()),
    }
}

fn write(
    json: &mut Value,
    def: &FieldDef,
    path: &str,
    stored: Option<Value>,
) -> Result<(), String> {
    if let Some(shape) = &def.storage.variant_of {
        let chosen = stored.as_ref().and_then(Value::as_str).unwrap_or_default();
        let (_, object) = shape
            .shapes
            .iter()
            .find(|(variant, _)| variant == chosen)
            .ok_or_else(|| "that choice has no form.".to_owned())?;
        // Choosing the variant already in place keeps what was entered for it.
        let same = pointer::get(json, path)
            .ok()
            .flatten()
            .and_then(Value::as_str)
            == Some(chosen);
        if !same {
            pointer::set(json, &shape.object, object.clone()).map_err(|error| error.to_string())?;
        }
        return Ok(());
    }
    if let Some((parent, empty)) = &def.storage.container {
        let present = pointer::get(json, parent)
            .ok()
            .flatten()
            .is_some_and(|value| !value.is_null());
        if !present {
            pointer::set(json, parent, empty.clone()).map_err(|error| error.to_string())?;
        }
    }
    match stored {
        Some(value) => pointer::set(json, path, value).map_err(|error| error.to_string()),
        None => {
            // Removing what is not there is already done.
            if pointer::get(json, path).ok().flatten().is_some() {
                pointer::remove(json, path).map_err(|error| error.to_string())?;
            }
            Ok(())
        }
    }
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}
