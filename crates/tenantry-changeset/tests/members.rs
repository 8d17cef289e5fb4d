//! Applying a change set member by member (only the top-level members its operations
//! touch go through JSON) gives exactly what the whole document's trip gives: the same
//! document, the same JSON value, or the same error. Checked over random operations,
//! hostile ones included: edits of the root, of keys the document does not have, of a
//! whole member (removing it too), values of the wrong type, stale `old` values, the
//! tenant id.

use std::sync::Arc;

use proptest::prelude::*;
use serde_json::{json, Value};
use tenantry_changeset::changeset::{
    ChangeSet, ChangeSetError, Environment, CHANGESET_SCHEMA_VERSION,
};
use tenantry_changeset::keys::KeyId;
use tenantry_changeset::operation::{apply_all, Operation};
use tenantry_changeset::pointer;
use tenantry_core::tenant::{DocumentJson, Regulation};
use tenantry_core::{ClientName, Industry, TenantDocument, Timestamp};

/// The whole document's trip, as applying was before members: all of it to JSON, the
/// operations, all of it back.
fn whole_trip(changeset: &ChangeSet, doc: &TenantDocument) -> Result<TenantDocument, String> {
    let value = serde_json::to_value(doc).expect("json");
    let next = apply_all(&value, &changeset.operations).map_err(|(index, error)| {
        ChangeSetError::Operation {
            index,
            path: changeset.operations[index].path().to_owned(),
            error,
        }
        .to_string()
    })?;
    let next: TenantDocument = serde_json::from_value(next)
        .map_err(|error| ChangeSetError::InvalidResult(error.to_string()).to_string())?;
    if next.tenant.id != changeset.tenant {
        return Err(ChangeSetError::InvalidResult(
            "a change set cannot change the tenant id".to_owned(),
        )
        .to_string());
    }
    Ok(next)
}

const PATHS: &[&str] = &[
    "/ai/monthly_budget_cents",
    "/ai/allowed_models",
    "/ai/allowed_models/0",
    "/ai/allowed_models/-",
    "/ai/no_such_field",
    "/ai",
    "/tenant/display_name",
    "/tenant/id",
    "/tenant/slug",
    "/tenant/metadata/legal_name",
    "/services/chat",
    "/services/chat/enabled",
    "/handoff/support_path",
    "/justifications/AI-010",
    "/justifications",
    "/schema_version",
    "/classification",
    "/customization/copy_tone",
    "/frontend",
    "/go_live",
    "/no_such_member",
    "/no_such_member/x",
    "/ai~1x",
    "/ai~2",
    "",
    "ai/monthly_budget_cents",
];

fn value() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<u32>().prop_map(Value::from),
        Just(json!(-5)),
        Just(json!(1.5)),
        "[a-z -]{0,12}".prop_map(Value::from),
        Just(json!(true)),
        Just(json!([])),
        Just(json!(["gpt-4o"])),
        Just(json!({})),
        Just(json!({"enabled": true, "flags": {}})),
    ]
}

#[derive(Clone, Debug)]
enum Spec {
    /// A set; `fresh_old`: `old` is what the path holds when the operation runs.
    Set {
        path: &'static str,
        value: Value,
        fresh_old: bool,
        old: Option<Value>,
    },
    Unset {
        path: &'static str,
        fresh_old: bool,
        old: Value,
    },
}

fn spec() -> impl Strategy<Value = Spec> {
    let path = prop::sample::select(PATHS);
    prop_oneof![
        4 => (path.clone(), value(), prop::bool::weighted(0.85), proptest::option::of(value()))
            .prop_map(|(path, value, fresh_old, old)| Spec::Set { path, value, fresh_old, old }),
        1 => (path, prop::bool::weighted(0.85), value())
            .prop_map(|(path, fresh_old, old)| Spec::Unset { path, fresh_old, old }),
    ]
}

/// The operations of `specs`, each made against the document as the earlier ones left
/// it (so most apply; a stale one is there on purpose).
fn operations(doc: &TenantDocument, specs: &[Spec]) -> Vec<Operation> {
    let mut current = serde_json::to_value(doc).expect("json");
    let mut made = Vec::new();
    for spec in specs {
        let operation = match spec {
            Spec::Set {
                path,
                value,
                fresh_old,
                old,
            } => Operation::Set {
                path: (*path).to_owned(),
                value: value.clone(),
                old: if *fresh_old {
                    pointer::get(&current, path).ok().flatten().cloned()
                } else {
                    old.clone()
                },
            },
            Spec::Unset {
                path,
                fresh_old,
                old,
            } => Operation::Unset {
                path: (*path).to_owned(),
                old: if *fresh_old {
                    pointer::get(&current, path)
                        .ok()
                        .flatten()
                        .cloned()
                        .unwrap_or(Value::Null)
                } else {
                    old.clone()
                },
            },
        };
        let _ = operation.apply(&mut current);
        made.push(operation);
    }
    made
}

fn document(kind: usize) -> TenantDocument {
    let (name, industry, regulations): (&str, Industry, &[Regulation]) = match kind {
        0 => ("Corner Shop", Industry::Retail, &[Regulation::Gdpr]),
        1 => ("Harbour Dental", Industry::Healthcare, &[Regulation::Hipaa]),
        _ => (
            "Quay Payments",
            Industry::FinancialServices,
            &[Regulation::PciDss],
        ),
    };
    TenantDocument::with_safe_defaults(
        &ClientName::parse(name).expect("name"),
        industry,
        regulations,
    )
    .expect("defaults")
}

fn changeset(doc: &TenantDocument, operations: Vec<Operation>) -> ChangeSet {
    ChangeSet {
        schema_version: CHANGESET_SCHEMA_VERSION,
        id: ChangeSet::new_id(),
        organisation: "org-example".into(),
        tenant: doc.tenant.id.clone(),
        environment: Environment::Draft,
        parent: None,
        operations,
        summary: "edit".into(),
        justifications: Default::default(),
        author: KeyId::parse(&"cd".repeat(32)).expect("key id"),
        created_at: Timestamp::now(),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn member_by_member_is_the_whole_trip(kind in 0usize..3, specs in prop::collection::vec(spec(), 1..5)) {
        let doc = document(kind);
        let changeset = changeset(&doc, operations(&doc, &specs));
        let expected = whole_trip(&changeset, &doc);

        let applied = changeset.apply_to(&doc).map_err(|error| error.to_string());
        prop_assert_eq!(&applied, &expected);

        let current = DocumentJson::new(Arc::new(doc.clone())).expect("json");
        let with_json = changeset.apply_to_json(&current).map_err(|error| error.to_string());
        match (&with_json, &expected) {
            (Ok(next), Ok(expected)) => {
                prop_assert_eq!(&**next.document().expect("typed"), expected);
                prop_assert_eq!(next.json().to_value(), serde_json::to_value(expected).expect("json"));
            }
            (Err(found), Err(expected)) => prop_assert_eq!(found, expected),
            (found, expected) => prop_assert!(false, "{:?} against {:?}", found.as_ref().map(|_| "a document"), expected.as_ref().map(|_| "a document")),
        }
    }
}

#[test]
fn a_budget_edit_leaves_every_other_member_as_it_was() {
    let doc = document(1);
    let changeset = changeset(
        &doc,
        vec![Operation::Set {
            path: "/ai/monthly_budget_cents".into(),
            value: json!(70_000),
            old: Some(json!(doc.ai.monthly_budget_cents)),
        }],
    );
    let current = DocumentJson::new(Arc::new(doc.clone())).expect("json");
    let next = changeset.apply_to_json(&current).expect("applies");
    assert_eq!(
        next.document().expect("typed").ai.monthly_budget_cents,
        70_000
    );
    let mut expected = doc.clone();
    expected.ai.monthly_budget_cents = 70_000;
    assert_eq!(**next.document().expect("typed"), expected);
    assert_eq!(
        next.json().to_value(),
        serde_json::to_value(&expected).expect("json")
    );
}
