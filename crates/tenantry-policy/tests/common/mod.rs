//! Shared helpers for the integration tests: the reference documents and JSON-pointer
//! edits on their `serde_json::Value` form.
#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::OnceLock;

use serde_json::Value;
use tenantry_core::catalog::Catalog;
use tenantry_core::TenantDocument;
use tenantry_policy::{Evaluation, PolicyPack};

/// Another tenant's id, for "no shared tenants" scenarios.
pub const OTHER_TENANT: &str = "01a05bfb-7000-7960-9e1d-cd54b586a0cf";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Base {
    /// examples/tenants/healthcare-hipaa.json
    Hipaa,
    /// examples/tenants/fintech-pci.json
    Pci,
    /// examples/tenants/retail-gdpr.json
    Gdpr,
}

impl Base {
    pub fn file(self) -> &'static str {
        match self {
            Base::Hipaa => "healthcare-hipaa.json",
            Base::Pci => "fintech-pci.json",
            Base::Gdpr => "retail-gdpr.json",
        }
    }

    pub fn value(self) -> Value {
        let path = examples_dir().join(self.file());
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|error| panic!("{}: {error}", path.display()));
        serde_json::from_str(&text).unwrap_or_else(|error| panic!("{}: {error}", self.file()))
    }

    pub fn document(self) -> TenantDocument {
        serde_json::from_value(self.value()).expect("example is a tenant document")
    }
}

pub fn examples_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/tenants")
}

pub fn pack() -> &'static PolicyPack {
    static PACK: OnceLock<PolicyPack> = OnceLock::new();
    PACK.get_or_init(PolicyPack::bundled)
}

pub fn catalog() -> &'static Catalog {
    static CATALOG: OnceLock<Catalog> = OnceLock::new();
    CATALOG.get_or_init(Catalog::bundled)
}

/// Evaluates `doc` with the shared pack, incrementally (reusing what earlier documents
/// of the test left in the pack's memory), and checks the result against a full
/// evaluation: every scenario of the suite doubles as an equivalence test.
pub fn evaluate(doc: &TenantDocument) -> Evaluation {
    let evaluation = pack().evaluate(doc, catalog()).expect("the pack evaluates");
    let full = pack()
        .evaluate_full(doc, catalog())
        .expect("the pack evaluates");
    assert_eq!(
        evaluation, full,
        "incremental and full evaluation differ for tenant {}",
        doc.tenant.display_name
    );
    evaluation
}

/// Splits a JSON pointer into its parent pointer and last (unescaped) segment.
fn split(pointer: &str) -> (&str, String) {
    let (parent, last) = pointer.rsplit_once('/').expect("a JSON pointer");
    (parent, last.replace("~1", "/").replace("~0", "~"))
}

/// Sets the value at `pointer`; `-` as the last segment appends to an array.
pub fn set(doc: &mut Value, pointer: &str, value: Value) {
    let (parent, last) = split(pointer);
    let target = doc
        .pointer_mut(parent)
        .unwrap_or_else(|| panic!("no {parent} in the document"));
    match target {
        Value::Object(members) => {
            members.insert(last, value);
        }
        Value::Array(items) if last == "-" => items.push(value),
        Value::Array(items) => {
            let index: usize = last.parse().expect("an array index");
            items[index] = value;
        }
        other => panic!("{parent} is {other}, not a container"),
    }
}

pub fn push(doc: &mut Value, pointer: &str, value: Value) {
    set(doc, &format!("{pointer}/-"), value);
}

pub fn remove(doc: &mut Value, pointer: &str) {
    let (parent, last) = split(pointer);
    match doc.pointer_mut(parent) {
        Some(Value::Object(members)) => {
            members.remove(&last).expect("the member exists");
        }
        Some(Value::Array(items)) => {
            items.remove(last.parse::<usize>().expect("an array index"));
        }
        _ => panic!("no container at {parent}"),
    }
}

/// Starts the planned production stage of a reference document.
pub fn start_production(doc: &mut Value) {
    set(doc, "/rollout/stages/1/status", "in_progress".into());
}
