//! Revert restores the previous document exactly, over random sequences of edits: each
//! edit becomes a change set (operations from a diff), and undoing any suffix of the
//! history with inverse change sets gives back the document as it was.

use proptest::prelude::*;
use serde_json::{json, Value};
use tenantry_changeset::changeset::{ChangeSet, Environment, CHANGESET_SCHEMA_VERSION};
use tenantry_changeset::diff;
use tenantry_changeset::keys::KeyId;
use tenantry_core::tenant::Regulation;
use tenantry_core::{ClientName, Industry, TenantDocument, Timestamp};

/// One edit a person could make in the forms.
#[derive(Clone, Debug)]
enum Edit {
    Budget(u32),
    AddModel(String),
    ClearModels,
    Service {
        id: String,
        enabled: bool,
        retention: i32,
    },
    RemoveService(String),
    SupportPath(Option<String>),
    CopyTone(String),
    ClientFrontend(String),
    Justify(String, String),
}

fn edit() -> impl Strategy<Value = Edit> {
    let service = prop::sample::select(vec!["chat", "billing", "scheduling", "sales"])
        .prop_map(str::to_owned);
    prop_oneof![
        any::<u32>().prop_map(Edit::Budget),
        "[a-z]{1,8}(-[a-z0-9]{1,4})?".prop_map(Edit::AddModel),
        Just(Edit::ClearModels),
        (service.clone(), any::<bool>(), 1..3650i32).prop_map(|(id, enabled, retention)| {
            Edit::Service {
                id,
                enabled,
                retention,
            }
        }),
        service.prop_map(Edit::RemoveService),
        proptest::option::of("[ -~]{0,20}").prop_map(Edit::SupportPath),
        "\\PC{0,30}".prop_map(Edit::CopyTone),
        "[a-z]{2,10}".prop_map(Edit::ClientFrontend),
        ("[A-Z]{2,3}-[0-9]{3}", "\\PC{1,20}").prop_map(|(rule, why)| Edit::Justify(rule, why)),
    ]
}

fn apply_edit(doc: &TenantDocument, edit: &Edit) -> TenantDocument {
    let mut value = serde_json::to_value(doc).expect("document to JSON");
    match edit {
        Edit::Budget(cents) => value["ai"]["monthly_budget_cents"] = json!(cents),
        Edit::AddModel(model) => value["ai"]["allowed_models"]
            .as_array_mut()
            .expect("array")
            .push(json!(model)),
        Edit::ClearModels => value["ai"]["allowed_models"] = json!([]),
        Edit::Service {
            id,
            enabled,
            retention,
        } => {
            value["services"][id] =
                json!({"enabled": enabled, "flags": {"retention_days": retention}});
        }
        Edit::RemoveService(id) => {
            value["services"]
                .as_object_mut()
                .expect("object")
                .remove(id);
        }
        Edit::SupportPath(path) => value["handoff"]["support_path"] = json!(path),
        Edit::CopyTone(tone) => value["customization"]["copy_tone"] = json!(tone),
        Edit::ClientFrontend(slug) => {
            value["frontend"] =
                json!({"strategy": "client_frontend", "app_path": format!("apps/client-{slug}")});
        }
        Edit::Justify(rule, why) => value["justifications"][rule] = Value::String(why.clone()),
    }
    serde_json::from_value(value).expect("edits keep the document valid")
}

fn changeset_between(before: &TenantDocument, after: &TenantDocument) -> Option<ChangeSet> {
    let operations = diff::operations(
        &serde_json::to_value(before).expect("json"),
        &serde_json::to_value(after).expect("json"),
    );
    (!operations.is_empty()).then(|| ChangeSet {
        schema_version: CHANGESET_SCHEMA_VERSION,
        id: ChangeSet::new_id(),
        organisation: "org-example".into(),
        tenant: before.tenant.id.clone(),
        environment: Environment::Draft,
        parent: None,
        operations,
        summary: "edit".into(),
        justifications: Default::default(),
        author: KeyId::parse(&"cd".repeat(32)).expect("key id"),
        created_at: Timestamp::now(),
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn reverting_any_suffix_restores_the_document_exactly(edits in prop::collection::vec(edit(), 1..12), undo in 0usize..12) {
        let start = TenantDocument::with_safe_defaults(
            &ClientName::parse("Acme Health").expect("name"),
            Industry::Healthcare,
            &[Regulation::Hipaa],
        ).expect("defaults");

        // Forward: every edit is a change set applied to the previous version.
        let mut versions = vec![start];
        let mut history = Vec::new();
        for edit in &edits {
            let current = versions.last().expect("a version").clone();
            let wanted = apply_edit(&current, edit);
            if let Some(changeset) = changeset_between(&current, &wanted) {
                let next = changeset.apply_to(&current).expect("a diff applies to its base");
                prop_assert_eq!(&next, &wanted);
                history.push(changeset);
                versions.push(next);
            }
        }

        // Backward: revert the newest `undo` change sets, newest first.
        let undo = undo.min(history.len());
        let mut current = versions.last().expect("a version").clone();
        for changeset in history.iter().rev().take(undo) {
            let mut revert = changeset.clone();
            revert.id = ChangeSet::new_id();
            revert.operations = changeset.inverse_operations();
            current = revert.apply_to(&current).expect("a revert applies to the version it undoes");
        }
        prop_assert_eq!(&current, &versions[versions.len() - 1 - undo]);
    }
}
