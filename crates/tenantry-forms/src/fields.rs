//! Building blocks of the forms: one constructor per field kind, each reading the
//! current value from the document at the field's JSON pointer, and the storage rules
//! an edit of that field follows.

use serde_json::Value;
use tenantry_changeset::pointer;
use tenantry_core::catalog::Catalog;
use tenantry_core::TenantDocument;

use crate::model::{ChoiceOption, FieldInput, FormField, RecordItem};

/// How an edit of a field is written into the document.
#[derive(Clone, Debug, Default)]
pub(crate) struct Storage {
    /// An empty answer is written as `null` (an `Option` field).
    pub empty_is_null: bool,
    /// An empty answer removes the map entry (a prompt pin, a justification).
    pub empty_removes: bool,
    /// Written first when the field's parent is missing or null (a service not set
    /// yet, the scale before its first number): `(parent pointer, value)`.
    pub container: Option<(String, Value)>,
    /// For a list of records: what `add` appends.
    pub new_record: Option<Value>,
    /// Numbers: what the document's type can hold, inclusive.
    pub range: Option<(f64, f64)>,
    /// Choosing a value replaces the whole object at this pointer with the variant's
    /// shape (the frontend strategy is a tagged enum: each choice has its own fields).
    pub variant_of: Option<VariantShape>,
}

/// For a choice between variants of a tagged enum: the object written for each.
#[derive(Clone, Debug)]
pub(crate) struct VariantShape {
    pub object: String,
    pub shapes: Vec<(String, Value)>,
}

/// A field as the form shows it, plus how to store an edit of it.
#[derive(Clone, Debug)]
pub(crate) struct FieldDef {
    pub field: FormField,
    pub storage: Storage,
    /// For a list of records: each record's fields.
    pub items: Vec<ItemDef>,
}

#[derive(Clone, Debug)]
pub(crate) struct ItemDef {
    pub path: String,
    pub title: String,
    pub fields: Vec<FieldDef>,
}

#[derive(Clone, Debug)]
pub(crate) struct GroupDef {
    pub id: String,
    pub title: String,
    pub help: String,
    pub fields: Vec<FieldDef>,
}

impl GroupDef {
    pub fn new(id: &str, title: &str, help: &str, fields: Vec<FieldDef>) -> Self {
        Self {
            id: id.to_owned(),
            title: title.to_owned(),
            help: help.to_owned(),
            fields,
        }
    }
}

impl FieldDef {
    fn new(path: &str, label: &str, help: &str, input: FieldInput) -> Self {
        Self {
            field: FormField {
                path: path.to_owned(),
                label: label.to_owned(),
                help: help.to_owned(),
                input,
                findings: Vec::new(),
                missing: Vec::new(),
            },
            storage: Storage::default(),
            items: Vec::new(),
        }
    }

    pub fn path(&self) -> &str {
        &self.field.path
    }

    /// Writes `null` for an empty answer (`Option` fields).
    pub fn nullable(mut self) -> Self {
        self.storage.empty_is_null = true;
        if let FieldInput::Text { optional, .. } | FieldInput::Choice { optional, .. } =
            &mut self.field.input
        {
            *optional = true;
        }
        self
    }

    /// An empty answer removes the entry from its map.
    pub fn removable(mut self) -> Self {
        self.storage.empty_removes = true;
        if let FieldInput::Text { optional, .. } | FieldInput::Choice { optional, .. } =
            &mut self.field.input
        {
            *optional = true;
        }
        self
    }

    pub fn within(mut self, parent: &str, empty: Value) -> Self {
        self.storage.container = Some((parent.to_owned(), empty));
        self
    }

    /// This field and every field nested in its records, depth first.
    pub fn walk<'a>(&'a self, out: &mut Vec<&'a FieldDef>) {
        out.push(self);
        for item in &self.items {
            for field in &item.fields {
                field.walk(out);
            }
        }
    }

    /// The public field, with its records' fields filled in.
    pub fn to_public(&self) -> FormField {
        let mut field = self.field.clone();
        if let FieldInput::Records { items, .. } = &mut field.input {
            *items = self
                .items
                .iter()
                .map(|item| RecordItem {
                    path: item.path.clone(),
                    title: item.title.clone(),
                    fields: item.fields.iter().map(FieldDef::to_public).collect(),
                })
                .collect();
        }
        field
    }
}

/// The document as the builders read it: typed, and as JSON for lookups by pointer.
#[derive(Debug)]
pub(crate) struct Ctx<'a> {
    pub doc: &'a TenantDocument,
    pub json: Value,
    pub catalog: &'a Catalog,
    /// The go-live checklist items this tenant must evidence (from the evaluation).
    pub checklist: &'a [String],
}

impl<'a> Ctx<'a> {
    pub fn new(doc: &'a TenantDocument, catalog: &'a Catalog, checklist: &'a [String]) -> Self {
        Self {
            doc,
            // A typed document always serialises; a failure would be a bug in serde.
            json: serde_json::to_value(doc).unwrap_or(Value::Null),
            catalog,
            checklist,
        }
    }

    pub fn at(&self, path: &str) -> Option<&Value> {
        pointer::get(&self.json, path).ok().flatten()
    }

    fn text_at(&self, path: &str) -> String {
        self.at(path)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    }

    pub fn text(&self, path: &str, label: &str, help: &str) -> FieldDef {
        let value = self.text_at(path);
        FieldDef::new(
            path,
            label,
            help,
            FieldInput::Text {
                value,
                optional: false,
            },
        )
    }

    pub fn long_text(&self, path: &str, label: &str, help: &str) -> FieldDef {
        let value = self.text_at(path);
        FieldDef::new(path, label, help, FieldInput::LongText { value })
    }

    /// A whole number the document stores in a type holding `range`; `hint` is the
    /// catalog's advice (its bounds are checked by the policy pack, not here).
    pub fn number(
        &self,
        path: &str,
        label: &str,
        help: &str,
        range: (f64, f64),
        hint: (Option<f64>, Option<f64>),
    ) -> FieldDef {
        let value = self.at(path).and_then(Value::as_f64);
        let mut def = FieldDef::new(
            path,
            label,
            help,
            FieldInput::Number {
                value,
                min: hint.0.or(Some(range.0)),
                max: hint.1.or(Some(range.1)),
            },
        );
        def.storage.range = Some(range);
        def
    }

    pub fn toggle(&self, path: &str, label: &str, help: &str) -> FieldDef {
        let value = self.at(path).and_then(Value::as_bool).unwrap_or_default();
        FieldDef::new(path, label, help, FieldInput::Toggle { value })
    }

    pub fn choice(
        &self,
        path: &str,
        label: &str,
        help: &str,
        mut options: Vec<ChoiceOption>,
    ) -> FieldDef {
        let value = self.at(path).and_then(Value::as_str).map(str::to_owned);
        if let Some(current) = &value {
            keep_unknown(&mut options, current);
        }
        FieldDef::new(
            path,
            label,
            help,
            FieldInput::Choice {
                value,
                options,
                optional: false,
            },
        )
    }

    pub fn multi(
        &self,
        path: &str,
        label: &str,
        help: &str,
        mut options: Vec<ChoiceOption>,
    ) -> FieldDef {
        let value: Vec<String> = self
            .at(path)
            .and_then(Value::as_array)
            .map(|items| {
                items
                    .iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default();
        for current in &value {
            keep_unknown(&mut options, current);
        }
        FieldDef::new(
            path,
            label,
            help,
            FieldInput::MultiChoice { value, options },
        )
    }

    pub fn timestamp(&self, path: &str, label: &str, help: &str) -> FieldDef {
        let value = self.at(path).and_then(Value::as_str).map(str::to_owned);
        let mut def = FieldDef::new(path, label, help, FieldInput::Timestamp { value });
        def.storage.empty_is_null = true;
        def
    }

    /// A list of records: `item` builds one record's title and fields from its pointer.
    pub fn records(
        &self,
        path: &str,
        label: &str,
        help: &str,
        item_label: &str,
        new_record: Value,
        item: impl Fn(&Self, &str, usize) -> (String, Vec<FieldDef>),
    ) -> FieldDef {
        let count = self.at(path).and_then(Value::as_array).map_or(0, Vec::len);
        let mut def = FieldDef::new(
            path,
            label,
            help,
            FieldInput::Records {
                item_label: item_label.to_owned(),
                items: Vec::new(),
            },
        );
        def.storage.new_record = Some(new_record);
        def.items = (0..count)
            .map(|index| {
                let item_path = format!("{path}/{index}");
                let (title, fields) = item(self, &item_path, index);
                ItemDef {
                    path: item_path,
                    title,
                    fields,
                }
            })
            .collect();
        def
    }
}

/// A value the document holds but the options do not offer stays visible (and can be
/// unselected), marked as unknown; the policy pack says what is wrong with it.
fn keep_unknown(options: &mut Vec<ChoiceOption>, current: &str) {
    if !options.iter().any(|option| option.value == current) {
        options.push(ChoiceOption {
            value: current.to_owned(),
            label: current.to_owned(),
            description: "Not offered by the catalog.".to_owned(),
            unknown: true,
        });
    }
}

pub(crate) fn option(value: &str, label: &str, description: impl Into<String>) -> ChoiceOption {
    ChoiceOption {
        value: value.to_owned(),
        label: label.to_owned(),
        description: description.into(),
        unknown: false,
    }
}

/// The serde name of an enum variant, so an option's value is exactly what the
/// document stores.
pub(crate) fn serde_id<T: serde::Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(Value::String(id)) => id,
        _ => String::new(),
    }
}

pub(crate) const U32: (f64, f64) = (0.0, u32::MAX as f64);
pub(crate) const U8: (f64, f64) = (0.0, u8::MAX as f64);
pub(crate) const I32: (f64, f64) = (i32::MIN as f64, i32::MAX as f64);
