//! What a front end receives to draw one step of the wizard, and what it sends back.
//!
//! Every field carries its own JSON pointer, so a finding of the policy pack, an edit and
//! a field on screen name the same place in the tenant document.

use serde::{Deserialize, Serialize};
use tenantry_core::Step;
use tenantry_policy::{Finding, StepStatus};

/// The wizard at one step: the twelve steps as a stepper, and the form of the one shown.
#[derive(Clone, Debug, PartialEq, Serialize, specta::Type)]
pub struct Wizard {
    /// All twelve steps, in the order of the process.
    pub steps: Vec<StepState>,
    pub form: StepForm,
    pub may_enter_staging: bool,
    pub may_enter_production: bool,
}

/// One step as the stepper shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, specta::Type)]
pub struct StepState {
    pub step: Step,
    /// 1 to 12.
    pub number: u8,
    pub title: String,
    /// The policy's verdict, except that a step waiting for the classification is
    /// reported `blocked` (with `locked`), since nothing in it can be done yet.
    pub status: StepStatus,
    /// The step cannot be edited until the classification is complete and documented.
    pub locked: bool,
    /// One sentence saying why the step is not complete (empty when it is), for the
    /// tooltip and screen readers.
    pub reason: String,
    /// What the step still needs, as sentences (from the policy pack).
    pub missing: Vec<String>,
    /// Rules that block the step (errors and unjustified warnings).
    pub blocking_rules: Vec<String>,
}

/// The form of one step.
#[derive(Clone, Debug, PartialEq, Serialize, specta::Type)]
pub struct StepForm {
    pub step: Step,
    pub number: u8,
    pub title: String,
    /// What the step is for, in plain words.
    pub purpose: String,
    /// Why the form is read-only, when it is (the classification gate).
    pub locked: Option<String>,
    pub groups: Vec<FieldGroup>,
    /// The pack's findings for this step, each tied to the field it is about.
    pub findings: Vec<StepFinding>,
    /// What this step still needs, each tied to the field that answers it.
    pub missing: Vec<StepMissing>,
}

/// Fields that belong together (one service and its flags, the scale of the client).
#[derive(Clone, Debug, PartialEq, Serialize, specta::Type)]
pub struct FieldGroup {
    /// Stable within the step, usable as an element id.
    pub id: String,
    pub title: String,
    pub help: String,
    pub fields: Vec<FormField>,
}

/// One input of the form.
#[derive(Clone, Debug, PartialEq, Serialize, specta::Type)]
pub struct FormField {
    /// JSON pointer into the tenant document: what an edit of this field names.
    pub path: String,
    pub label: String,
    pub help: String,
    pub input: FieldInput,
    /// Findings at this field or inside it (e.g. one selected model of a list).
    pub findings: Vec<Finding>,
    /// What this field still needs, as sentences.
    pub missing: Vec<String>,
}

/// The kind of input, with its current value and what may be chosen.
#[derive(Clone, Debug, PartialEq, Serialize, specta::Type)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FieldInput {
    /// One line of text. An empty answer is stored as "not given" when `optional`.
    Text {
        value: String,
        optional: bool,
    },
    /// Several lines of text.
    LongText {
        value: String,
    },
    /// A whole number; `min`/`max` are the catalog's or the type's bounds, as a hint.
    Number {
        value: Option<f64>,
        min: Option<f64>,
        max: Option<f64>,
    },
    Toggle {
        value: bool,
    },
    /// One of `options`; `optional` allows "none chosen".
    Choice {
        value: Option<String>,
        options: Vec<ChoiceOption>,
        optional: bool,
    },
    /// Any of `options`, in the order they are listed.
    MultiChoice {
        value: Vec<String>,
        options: Vec<ChoiceOption>,
    },
    /// An RFC 3339 date and time (UTC).
    Timestamp {
        value: Option<String>,
    },
    /// An image: a reference to one kept in the mirror (`asset://sha256/…`, chosen with
    /// the native file dialog and checked in Rust), or an `https://` address typed in.
    /// `accepts` says which files may be chosen, for the help text.
    Image {
        value: Option<String>,
        accepts: String,
    },
    /// The SHA-256 (hex) of a file attached as evidence (test output, a log): chosen
    /// with the native file dialog and hashed in Rust, so the signed change set pins
    /// exactly that output; the file itself stays where it is. `None`: nothing attached.
    Attachment {
        value: Option<String>,
    },
    /// A list of records, each with its own fields; `item_label` names one ("contact").
    Records {
        item_label: String,
        items: Vec<RecordItem>,
    },
}

/// One value a choice offers, described from the catalog.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, specta::Type)]
pub struct ChoiceOption {
    pub value: String,
    pub label: String,
    /// Facts that help choose (a model's provider, eligibility and regions); may be empty.
    pub description: String,
    /// The value is in the document but not offered by the catalog (any more).
    pub unknown: bool,
}

/// One record of a list.
#[derive(Clone, Debug, PartialEq, Serialize, specta::Type)]
pub struct RecordItem {
    /// JSON pointer of the record: what a `remove` edit names.
    pub path: String,
    pub title: String,
    pub fields: Vec<FormField>,
}

/// A finding of this step, tied to the field that fixes it.
#[derive(Clone, Debug, PartialEq, Serialize, specta::Type)]
pub struct StepFinding {
    pub finding: Finding,
    /// The path of the form field to focus, when one shows this part of the document.
    pub field: Option<String>,
    /// Warnings only: where the written justification goes and what it says now.
    pub justification: Option<Justification>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, specta::Type)]
pub struct Justification {
    /// `/justifications/<rule id>`: what a `set` edit of the text names.
    pub path: String,
    pub text: String,
}

/// Something this step still needs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, specta::Type)]
pub struct StepMissing {
    pub requirement_id: String,
    pub message: String,
    /// The path of the form field that answers it, when there is one.
    pub field: Option<String>,
}

/// A change a person makes in the form. Edits are applied in order; if one is refused,
/// none is kept.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, specta::Type)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Edit {
    /// Sets a field to `value`: a string, number, boolean, list of strings, or null
    /// (for an optional field: no answer).
    Set {
        path: String,
        value: Option<EditValue>,
    },
    /// Adds an empty record to the list of records at `path`.
    Add { path: String },
    /// Removes the record at `path` (e.g. `/tenant/metadata/contacts/1`).
    Remove { path: String },
}

/// A value as a form sends it; `null` (no value) is an answer left empty.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, specta::Type)]
#[serde(untagged)]
pub enum EditValue {
    Bool(bool),
    Number(f64),
    Text(String),
    List(Vec<String>),
}

impl EditValue {
    /// As JSON, a whole number staying a JSON integer (so a `u32` field reads it).
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            EditValue::Bool(on) => serde_json::Value::Bool(*on),
            EditValue::Number(n) if n.fract() == 0.0 && n.abs() < 9.0e15 => {
                serde_json::Value::from(*n as i64)
            }
            EditValue::Number(n) => serde_json::Number::from_f64(*n)
                .map_or(serde_json::Value::Null, serde_json::Value::Number),
            EditValue::Text(text) => serde_json::Value::String(text.clone()),
            EditValue::List(items) => serde_json::Value::Array(
                items
                    .iter()
                    .cloned()
                    .map(serde_json::Value::String)
                    .collect(),
            ),
        }
    }
}

impl Edit {
    pub fn path(&self) -> &str {
        match self {
            Edit::Set { path, .. } | Edit::Add { path } | Edit::Remove { path } => path,
        }
    }
}
