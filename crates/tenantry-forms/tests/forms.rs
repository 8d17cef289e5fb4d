//! The wizard's forms as a person meets them: fields from the catalog, edits that are
//! typed and all-or-nothing, findings on the field they are about, and the
//! classification gate.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde_json::{json, Value};
use tenantry_core::catalog::{Catalog, FlagKind, FlagSpec, ServiceEntry};
use tenantry_core::tenant::{parse_document, FlagValue, Format};
use tenantry_core::{ClientName, Industry, Step, TenantDocument};
use tenantry_forms::{
    gate, justification_path, purpose, step_form, step_state, wizard, Edit, EditError, FieldInput,
    FormField, Forms, StepForm, CLASSIFICATION_GATE,
};
use tenantry_policy::{PolicyPack, Severity, StepStatus};

fn pack() -> &'static PolicyPack {
    static PACK: OnceLock<PolicyPack> = OnceLock::new();
    PACK.get_or_init(PolicyPack::bundled)
}

fn fresh() -> TenantDocument {
    let name = ClientName::parse("Acme Health").expect("valid");
    TenantDocument::with_safe_defaults(&name, Industry::Healthcare, &[]).expect("valid")
}

/// The shipped HIPAA example: every step filled in.
fn hipaa() -> TenantDocument {
    let text = include_str!("../../../examples/tenants/healthcare-hipaa.json");
    parse_document(text.as_bytes(), Format::Json).expect("example parses")
}

/// A `set` edit as the UI sends it over IPC.
fn set(path: &str, value: Value) -> Edit {
    serde_json::from_value(json!({"op": "set", "path": path, "value": value})).expect("an edit")
}

/// The edits that complete and document step 1 of a fresh tenant.
fn classify() -> Vec<Edit> {
    vec![
        set("/classification/required_services", json!(["chat"])),
        set("/classification/scale/expected_users", json!(500)),
        set("/classification/documented_by", json!("Priya Raman")),
        set(
            "/classification/documented_at",
            json!("2026-10-05T09:12:33Z"),
        ),
    ]
}

fn apply(
    catalog: &Catalog,
    doc: &TenantDocument,
    edits: &[Edit],
) -> Result<TenantDocument, EditError> {
    let evaluation = pack().evaluate(doc, catalog).expect("evaluates");
    Forms::new(catalog, pack()).apply(doc, &evaluation, edits)
}

fn form(catalog: &Catalog, doc: &TenantDocument, step: Step) -> StepForm {
    Forms::new(catalog, pack())
        .wizard(doc, step)
        .expect("evaluates")
        .form
}

fn fields(form: &StepForm) -> Vec<&FormField> {
    fn walk<'a>(field: &'a FormField, out: &mut Vec<&'a FormField>) {
        out.push(field);
        if let FieldInput::Records { items, .. } = &field.input {
            for item in items {
                for inner in &item.fields {
                    walk(inner, out);
                }
            }
        }
    }
    let mut out = Vec::new();
    for group in &form.groups {
        for field in &group.fields {
            walk(field, &mut out);
        }
    }
    out
}

fn field<'a>(form: &'a StepForm, path: &str) -> &'a FormField {
    fields(form)
        .into_iter()
        .find(|field| field.path == path)
        .unwrap_or_else(|| panic!("no field {path} in step {:?}", form.step))
}

fn classified(catalog: &Catalog) -> TenantDocument {
    apply(catalog, &fresh(), &classify()).expect("classification edits apply")
}

#[test]
fn a_service_and_its_flags_added_to_the_catalog_appear_in_the_form() {
    let mut catalog = Catalog::bundled();
    let flags = BTreeMap::from([
        (
            "points_multiplier".to_owned(),
            FlagSpec {
                description: "How many points a purchase earns.".to_owned(),
                kind: FlagKind::Integer,
                default: FlagValue::Integer(1),
                choices: Vec::new(),
                min: Some(1),
                max: Some(5),
                restrictions: Vec::new(),
            },
        ),
        (
            "tier_names".to_owned(),
            FlagSpec {
                description: "Names of the loyalty tiers.".to_owned(),
                kind: FlagKind::Choice,
                default: FlagValue::Text("metals".to_owned()),
                choices: vec!["metals".to_owned(), "gems".to_owned()],
                min: None,
                max: None,
                restrictions: Vec::new(),
            },
        ),
    ]);
    catalog.services.insert(
        "loyalty".to_owned(),
        ServiceEntry {
            name: "Loyalty".to_owned(),
            description: "Points and rewards.".to_owned(),
            phi_capable: false,
            flags,
            ui_features: Vec::new(),
        },
    );
    let doc = classified(&catalog);

    // Offered in the classification's required services and as a service to enable.
    let step1 = form(&catalog, &doc, Step::Classification);
    let FieldInput::MultiChoice { options, .. } =
        &field(&step1, "/classification/required_services").input
    else {
        panic!("required services is a multi choice");
    };
    assert!(options
        .iter()
        .any(|o| o.value == "loyalty" && o.label == "Loyalty"));

    let step4 = form(&catalog, &doc, Step::Services);
    let group = step4
        .groups
        .iter()
        .find(|group| group.id == "service-loyalty")
        .expect("a group for the new service");
    assert_eq!(group.title, "Loyalty");
    assert_eq!(group.fields.len(), 1, "flags wait until the service is on");
    assert_eq!(group.fields[0].path, "/services/loyalty/enabled");

    // Enabling it brings its flags, typed from the catalog, at their safe defaults.
    let doc = apply(
        &catalog,
        &doc,
        &[set("/services/loyalty/enabled", json!(true))],
    )
    .expect("enable");
    assert!(doc.services["loyalty"].enabled);
    let step4 = form(&catalog, &doc, Step::Services);
    assert_eq!(
        field(&step4, "/services/loyalty/flags/points_multiplier").input,
        FieldInput::Number {
            value: Some(1.0),
            min: Some(1.0),
            max: Some(5.0)
        }
    );
    let FieldInput::Choice { value, options, .. } =
        &field(&step4, "/services/loyalty/flags/tier_names").input
    else {
        panic!("a choice flag is a choice");
    };
    assert_eq!(value.as_deref(), Some("metals"));
    assert_eq!(
        options.iter().map(|o| o.value.as_str()).collect::<Vec<_>>(),
        ["metals", "gems"]
    );

    // And an edit of the new flag lands in the document.
    let doc = apply(
        &catalog,
        &doc,
        &[set("/services/loyalty/flags/tier_names", json!("gems"))],
    )
    .expect("set flag");
    assert_eq!(
        doc.services["loyalty"].flags["tier_names"],
        FlagValue::Text("gems".to_owned())
    );
}

#[test]
fn the_later_steps_wait_for_the_classification() {
    let catalog = Catalog::bundled();
    let doc = fresh();
    let forms = Forms::new(&catalog, pack());
    let at_tenant = forms.wizard(&doc, Step::Tenant).expect("evaluates");

    assert_eq!(at_tenant.steps.len(), 12);
    assert_eq!(at_tenant.steps[0].status, StepStatus::Incomplete);
    assert!(!at_tenant.steps[0].locked);
    for state in &at_tenant.steps[1..] {
        assert!(state.locked, "{:?}", state.step);
        assert_eq!(state.status, StepStatus::Blocked);
        assert_eq!(state.reason, CLASSIFICATION_GATE);
    }
    assert_eq!(at_tenant.form.locked.as_deref(), Some(CLASSIFICATION_GATE));
    // The form is still there to read.
    assert!(!fields(&at_tenant.form).is_empty());

    // An edit of a later step is refused, naming the field, and nothing is applied.
    let error = apply(
        &catalog,
        &doc,
        &[
            set("/classification/custom_ux_needs", json!("Large type")),
            set("/tenant/metadata/legal_name", json!("Acme Health LLC")),
        ],
    )
    .expect_err("locked");
    assert_eq!(
        error,
        EditError::Locked {
            path: "/tenant/metadata/legal_name".to_owned(),
            label: "Legal name".to_owned()
        }
    );
    assert!(
        error
            .to_string()
            .starts_with("Legal name cannot be changed yet"),
        "{error}"
    );

    // Once step 1 is complete and documented, step 2 opens.
    let doc = classified(&catalog);
    let at_tenant = forms.wizard(&doc, Step::Tenant).expect("evaluates");
    assert_eq!(
        at_tenant.steps[0].status,
        StepStatus::Complete,
        "{:?}",
        at_tenant.steps[0]
    );
    assert!(!at_tenant.steps[1].locked);
    assert_eq!(at_tenant.form.locked, None);
    let doc = apply(
        &catalog,
        &doc,
        &[set("/tenant/metadata/legal_name", json!("Acme Health LLC"))],
    )
    .expect("open now");
    assert_eq!(
        doc.tenant.metadata.legal_name.as_deref(),
        Some("Acme Health LLC")
    );
}

#[test]
fn a_bad_edit_names_its_field_and_nothing_of_the_batch_is_kept() {
    let catalog = Catalog::bundled();
    let doc = classified(&catalog);
    let refused = |edits: &[Edit]| apply(&catalog, &doc, edits).expect_err("refused");

    let error = refused(&[
        set("/tenant/metadata/legal_name", json!("Acme Health LLC")),
        set("/classification/scale/expected_users", json!("many")),
    ]);
    assert_eq!(error.path(), "/classification/scale/expected_users");
    assert_eq!(
        error.to_string(),
        "Expected users: expected a number. Nothing was changed."
    );

    let error = refused(&[set("/classification/scale/expected_users", json!(-3))]);
    assert!(
        error
            .to_string()
            .contains("whole number from 0 to 4294967295"),
        "{error}"
    );
    let error = refused(&[set("/classification/scale/expected_users", json!(2.5))]);
    assert!(
        error
            .to_string()
            .starts_with("Expected users: enter a whole number"),
        "{error}"
    );
    let error = refused(&[set("/classification/industry", json!("crypto"))]);
    assert_eq!(
        error.to_string(),
        "Industry: 'crypto' is not one of the choices offered. Nothing was changed."
    );
    let error = refused(&[set(
        "/classification/regulations",
        json!(["hipaa", "hipaa"]),
    )]);
    assert!(error.to_string().contains("chosen twice"), "{error}");
    let error = refused(&[set("/classification/documented_at", json!("last Tuesday"))]);
    assert!(
        error
            .to_string()
            .starts_with("Documented at: enter a date and time"),
        "{error}"
    );
    let error = refused(&[set("/tenant/compliance_flags/phi_allowed", json!("yes"))]);
    assert_eq!(
        error.to_string(),
        "PHI allowed: expected on or off. Nothing was changed."
    );
    let error = refused(&[set("/tenant/display_name", json!(null))]);
    assert!(error.to_string().contains("an answer is needed"), "{error}");
    let error = refused(&[set("/tenant/metadata/contacts", json!([]))]);
    assert!(
        error.to_string().contains("adding or removing records"),
        "{error}"
    );

    // Fields the wizard does not show cannot be reached through it.
    for path in [
        "/tenant/id",
        "/schema_version",
        "/tenant/slug",
        "/nope",
        "/justifications/AI-002",
    ] {
        assert_eq!(
            refused(&[set(path, json!("x"))]),
            EditError::UnknownField {
                path: path.to_owned()
            }
        );
    }
}

#[test]
fn a_pasted_credential_is_refused_without_being_repeated() {
    let catalog = Catalog::bundled();
    let doc = classified(&catalog);
    let doc = apply(
        &catalog,
        &doc,
        &[Edit::Add {
            path: "/integrations".to_owned(),
        }],
    )
    .expect("add");
    assert_eq!(doc.integrations.len(), 1);
    let secret = "sk_live_4eC39HqLyjWDarjtT1zdp7dc";
    let error = apply(
        &catalog,
        &doc,
        &[set("/integrations/0/secret_ref", json!(secret))],
    )
    .expect_err("a credential");
    let message = error.to_string();
    assert!(
        message.starts_with("Credential reference: This looks like a Stripe secret key"),
        "{message}"
    );
    assert!(!message.contains("4eC39"), "{message}");
}

#[test]
fn records_are_added_edited_and_removed() {
    let catalog = Catalog::bundled();
    let doc = classified(&catalog);
    let doc = apply(
        &catalog,
        &doc,
        &[
            Edit::Add {
                path: "/tenant/metadata/contacts".to_owned(),
            },
            Edit::Add {
                path: "/tenant/metadata/contacts".to_owned(),
            },
            set("/tenant/metadata/contacts/0/name", json!("Ana Ruiz")),
            set("/tenant/metadata/contacts/1/role", json!("technical")),
        ],
    )
    .expect("edits");
    let step2 = form(&catalog, &doc, Step::Tenant);
    let FieldInput::Records { items, item_label } =
        &field(&step2, "/tenant/metadata/contacts").input
    else {
        panic!("contacts are records");
    };
    assert_eq!(item_label, "contact");
    assert_eq!(items.len(), 2);
    assert_eq!(items[0].title, "Ana Ruiz");
    assert_eq!(items[1].title, "Contact 2");
    assert_eq!(items[1].path, "/tenant/metadata/contacts/1");
    // A malformed email is the pack's to report, on the field itself.
    let doc = apply(
        &catalog,
        &doc,
        &[set(
            "/tenant/metadata/contacts/0/email",
            json!("ana at acme"),
        )],
    )
    .expect("kept: a draft is never lost");
    let step2 = form(&catalog, &doc, Step::Tenant);
    let email = field(&step2, "/tenant/metadata/contacts/0/email");
    assert!(
        email.findings.iter().any(|f| f.rule_id == "TEN-009"),
        "{:?}",
        email.findings
    );

    let doc = apply(
        &catalog,
        &doc,
        &[Edit::Remove {
            path: "/tenant/metadata/contacts/0".to_owned(),
        }],
    )
    .expect("remove");
    assert_eq!(doc.tenant.metadata.contacts.len(), 1);
    assert_eq!(doc.tenant.metadata.contacts[0].name, "");
    let error = apply(
        &catalog,
        &doc,
        &[Edit::Remove {
            path: "/tenant/metadata/contacts/5".to_owned(),
        }],
    )
    .expect_err("no such record");
    assert_eq!(error.path(), "/tenant/metadata/contacts/5");
}

#[test]
fn findings_sit_on_their_field_and_in_the_step_with_a_link() {
    let catalog = Catalog::bundled();
    let mut doc = hipaa();
    doc.ai.allowed_models.push("openweights-7b".to_owned());
    let step6 = form(&catalog, &doc, Step::Ai);
    let models = field(&step6, "/ai/allowed_models");
    let ineligible = models
        .findings
        .iter()
        .find(|f| f.rule_id == "AI-002")
        .expect("AI-002 on the field");
    assert_eq!(ineligible.path, "/ai/allowed_models/1");
    assert!(
        ineligible.message.contains("openweights-7b"),
        "{}",
        ineligible.message
    );
    let listed = step6
        .findings
        .iter()
        .find(|f| f.finding.rule_id == "AI-002")
        .expect("in the step's findings");
    assert_eq!(listed.field.as_deref(), Some("/ai/allowed_models"));
    assert_eq!(listed.justification, None, "errors cannot be justified");

    // The options describe each model from the catalog.
    let FieldInput::MultiChoice { options, value } = &models.input else {
        panic!("models are a multi choice");
    };
    assert_eq!(value, &["atlas-large-hc", "openweights-7b"]);
    let shared = options
        .iter()
        .find(|o| o.value == "openweights-7b")
        .expect("listed");
    assert!(
        shared.description.contains("approved for Standard"),
        "{}",
        shared.description
    );
    assert!(
        shared.description.contains("may train on customer data"),
        "{}",
        shared.description
    );
}

#[test]
fn a_warning_takes_a_justification_and_then_stops_blocking() {
    let catalog = Catalog::bundled();
    let doc = hipaa();
    let doc = apply(
        &catalog,
        &doc,
        &[set(
            "/ai/tools",
            json!(["knowledge_base_search", "calendar_lookup", "send_email"]),
        )],
    )
    .expect("edit");
    let forms = Forms::new(&catalog, pack());
    let at_ai = forms.wizard(&doc, Step::Ai).expect("evaluates");
    let warning = at_ai
        .form
        .findings
        .iter()
        .find(|f| f.finding.rule_id == "AI-010")
        .expect("AI-010");
    assert_eq!(warning.finding.severity, Severity::Warning);
    let justification = warning
        .justification
        .clone()
        .expect("a place for the reason");
    assert_eq!(justification.path, justification_path("AI-010"));
    assert_eq!(justification.text, "");
    let ai_state = &at_ai.steps[5];
    assert!(ai_state.blocking_rules.contains(&"AI-010".to_owned()));

    let reason = "Emails go only to the patient's own address, after a person approves them.";
    let doc = apply(&catalog, &doc, &[set(&justification.path, json!(reason))]).expect("justify");
    assert_eq!(doc.justifications["AI-010"], reason);
    let at_ai = forms.wizard(&doc, Step::Ai).expect("evaluates");
    let warning = at_ai
        .form
        .findings
        .iter()
        .find(|f| f.finding.rule_id == "AI-010")
        .expect("kept");
    assert!(warning.finding.justified);
    assert!(!at_ai.steps[5].blocking_rules.contains(&"AI-010".to_owned()));

    // Clearing the text removes the justification.
    let doc = apply(&catalog, &doc, &[set(&justification.path, json!(""))]).expect("clear");
    assert!(!doc.justifications.contains_key("AI-010"));
}

#[test]
fn every_field_of_every_step_takes_back_its_own_value() {
    // A field whose pointer or kind did not match the document's types would fail here.
    let catalog = Catalog::bundled();
    let mut doc = hipaa();
    doc.integrations.clear();
    let forms = Forms::new(&catalog, pack());
    let evaluation = pack().evaluate(&doc, &catalog).expect("evaluates");
    let mut count = 0;
    for step in Step::ALL {
        let form = forms.wizard(&doc, step).expect("evaluates").form;
        assert!(!form.purpose.is_empty());
        assert_eq!(form.purpose, purpose(step));
        for field in fields(&form) {
            let value = match &field.input {
                FieldInput::Text { value, .. } | FieldInput::LongText { value } => json!(value),
                FieldInput::Number { value, .. } => json!(value.map(|n| n as i64)),
                FieldInput::Toggle { value } => json!(value),
                FieldInput::Choice { value, .. } => json!(value),
                FieldInput::MultiChoice { value, .. } => json!(value),
                FieldInput::Timestamp { value } => json!(value),
                FieldInput::Image { value, .. } => json!(value),
                FieldInput::Attachment { value } => json!(value),
                FieldInput::Records { .. } => continue,
            };
            let parent = &field.path[..field.path.rfind('/').unwrap_or(0)];
            let before = serde_json::to_value(&doc).expect("json");
            let unrecorded = before.pointer(parent).is_some_and(Value::is_null);
            if unrecorded && value.is_null() {
                // The time of evidence not recorded yet: nothing to take back.
                continue;
            }
            let edit = set(&field.path, value);
            let after = forms
                .apply(&doc, &evaluation, std::slice::from_ref(&edit))
                .unwrap_or_else(|error| panic!("{step:?} {}: {error}", field.path));
            // Prompt pins, flags and checklist items the example leaves unset stay
            // unset or take their shown default; evidence not recorded yet (a planned
            // stage's verification) is started by its first field; everything else is
            // unchanged.
            let after_json = serde_json::to_value(&after).expect("json");
            if unrecorded {
                assert!(
                    after_json.pointer(parent).is_some_and(Value::is_object),
                    "{step:?} {} did not start its record",
                    field.path
                );
            } else if !field.path.starts_with("/services/") && !field.path.starts_with("/go_live/")
            {
                assert_eq!(
                    before, after_json,
                    "{step:?} {} changed the document",
                    field.path
                );
            }
            count += 1;
        }
    }
    assert!(count > 60, "only {count} fields");
}

#[test]
fn the_frontend_choice_brings_the_fields_of_the_chosen_strategy() {
    let catalog = Catalog::bundled();
    let doc = classified(&catalog);
    let doc = apply(
        &catalog,
        &doc,
        &[set("/frontend/strategy", json!("client_frontend"))],
    )
    .expect("choose");
    let step3 = form(&catalog, &doc, Step::FrontendStrategy);
    let FieldInput::Text { value, .. } = &field(&step3, "/frontend/app_path").input else {
        panic!("app path is text");
    };
    assert_eq!(value, "apps/client-acme-health");
    let doc = apply(
        &catalog,
        &doc,
        &[set("/frontend/strategy", json!("existing_product_uis"))],
    )
    .expect("switch");
    let step3 = form(&catalog, &doc, Step::FrontendStrategy);
    assert!(fields(&step3)
        .iter()
        .all(|f| f.path != "/frontend/app_path"));
}

#[test]
fn the_pure_builders_agree_with_the_wizard() {
    let catalog = Catalog::bundled();
    let doc = fresh();
    let evaluation = pack().evaluate(&doc, &catalog).expect("evaluates");
    let progress = tenantry_policy::progress(&doc, &catalog, &evaluation);
    let built = wizard(&doc, &catalog, &evaluation, Step::Classification);
    assert_eq!(
        built,
        Forms::new(&catalog, pack())
            .wizard(&doc, Step::Classification)
            .expect("evaluates")
    );
    assert_eq!(
        built.form,
        step_form(&doc, &catalog, &evaluation, &progress, Step::Classification)
    );
    assert_eq!(built.steps[1], step_state(&progress, Step::Tenant));
    assert_eq!(gate(&progress, Step::Classification), None);
    assert_eq!(gate(&progress, Step::Handoff), Some(CLASSIFICATION_GATE));
    // What step 1 still needs is listed with the field that answers it.
    let documented = built
        .form
        .missing
        .iter()
        .find(|m| m.requirement_id == "CLS-R04")
        .expect("CLS-R04");
    assert_eq!(
        documented.field.as_deref(),
        Some("/classification/documented_by")
    );
    let scale = built
        .form
        .missing
        .iter()
        .find(|m| m.requirement_id == "CLS-R03")
        .expect("CLS-R03");
    assert_eq!(
        scale.field.as_deref(),
        Some("/classification/scale/expected_users")
    );
    assert_eq!(
        Edit::Add {
            path: "/overrides".to_owned()
        }
        .path(),
        "/overrides"
    );
}

#[test]
fn a_dataset_s_dry_run_and_isolation_evidence_are_recorded_in_the_form() {
    let catalog = Catalog::bundled();
    let doc = apply(
        &catalog,
        &classified(&catalog),
        &[
            set("/services/chat/enabled", json!(true)),
            set("/data_migration/decided", json!(true)),
            Edit::Add {
                path: "/data_migration/datasets".to_owned(),
            },
            set("/data_migration/datasets/0/name", json!("messages")),
            set("/data_migration/datasets/0/source", json!("Portal export")),
            set("/data_migration/datasets/0/target_service", json!("chat")),
            set(
                "/data_migration/datasets/0/schema_ref",
                json!("schemas/chat/v3.json"),
            ),
            set("/data_migration/datasets/0/classification", json!(["pii"])),
            set(
                "/data_migration/datasets/0/rollback_plan",
                json!("Delete the batch."),
            ),
        ],
    )
    .expect("dataset edits");
    let step9 = |doc: &TenantDocument| {
        Forms::new(&catalog, pack())
            .wizard(doc, Step::DataMigration)
            .expect("evaluates")
    };
    let before = step9(&doc);
    let state = &before.steps[8];
    assert_eq!(state.status, StepStatus::Incomplete);
    assert!(
        state
            .missing
            .iter()
            .any(|m| m.contains("Dry-run dataset 'messages'")),
        "{:?}",
        state.missing
    );
    // The evidence fields are in the form, empty while the evidence is not recorded.
    let reference = field(&before.form, "/data_migration/datasets/0/dry_run/reference");
    assert_eq!(reference.label, "Dry run: evidence");
    assert!(matches!(&reference.input, FieldInput::Text { value, .. } if value.is_empty()));
    field(
        &before.form,
        "/data_migration/datasets/0/isolation_check/verified_at",
    );

    // Typing into them creates the evidence, stamped now, and completes the step.
    let doc = apply(
        &catalog,
        &doc,
        &[
            set(
                "/data_migration/datasets/0/dry_run/reference",
                json!("https://ci.example/runs/1"),
            ),
            set(
                "/data_migration/datasets/0/dry_run/verified_by",
                json!("Marcus"),
            ),
            set(
                "/data_migration/datasets/0/isolation_check/reference",
                json!("https://ci.example/iso/1"),
            ),
            set(
                "/data_migration/datasets/0/isolation_check/verified_by",
                json!("Helen"),
            ),
        ],
    )
    .expect("evidence edits");
    let dataset = &doc.data_migration.datasets[0];
    let dry_run = dataset.dry_run.as_ref().expect("dry-run evidence");
    assert_eq!(dry_run.reference, "https://ci.example/runs/1");
    assert_eq!(dry_run.verified_by, "Marcus");
    assert_eq!(dry_run.sha256, None);
    assert_eq!(
        dataset
            .isolation_check
            .as_ref()
            .map(|e| e.verified_by.as_str()),
        Some("Helen")
    );
    let after = step9(&doc);
    assert_eq!(
        after.steps[8].status,
        StepStatus::Complete,
        "{:?}",
        after.steps[8]
    );
    assert!(matches!(
        &field(
            &after.form,
            "/data_migration/datasets/0/dry_run/verified_at"
        )
        .input,
        FieldInput::Timestamp { value: Some(_) }
    ));
}

#[test]
fn a_staging_stage_is_verified_with_evidence_in_the_form() {
    let catalog = Catalog::bundled();
    let doc = apply(
        &catalog,
        &classified(&catalog),
        &[
            Edit::Add {
                path: "/rollout/stages".to_owned(),
            },
            set("/rollout/stages/0/status", json!("verified")),
        ],
    )
    .expect("stage edits");
    let rollout = |doc: &TenantDocument| {
        Forms::new(&catalog, pack())
            .wizard(doc, Step::Rollout)
            .expect("evaluates")
    };
    let before = rollout(&doc);
    assert!(
        before.steps[10]
            .missing
            .iter()
            .any(|m| m.contains("Verify the tenant in staging")),
        "{:?}",
        before.steps[10].missing
    );
    let reference = field(&before.form, "/rollout/stages/0/verification/reference");
    assert_eq!(reference.label, "Verification: evidence");

    let doc = apply(
        &catalog,
        &doc,
        &[
            set(
                "/rollout/stages/0/verification/reference",
                json!("https://ci.example/signoff"),
            ),
            set("/rollout/stages/0/verification/verified_by", json!("Dana")),
        ],
    )
    .expect("evidence edits");
    let evidence = doc.rollout.stages[0]
        .verification
        .as_ref()
        .expect("evidence");
    assert_eq!(evidence.reference, "https://ci.example/signoff");
    assert_eq!(evidence.verified_by, "Dana");
    let after = rollout(&doc);
    assert!(
        !after.steps[10]
            .missing
            .iter()
            .any(|m| m.contains("Verify the tenant in staging")),
        "{:?}",
        after.steps[10].missing
    );
}

/// Each go-live checklist item offers the attached output's SHA-256 (set by the app from
/// the file the user attaches): only a real SHA-256 is kept, and it can be removed.
#[test]
fn checklist_items_take_the_sha256_of_attached_output_and_nothing_else() {
    let catalog = Catalog::bundled();
    let doc = hipaa();
    let form = form(&catalog, &doc, Step::Verification);
    let attachments: Vec<&FormField> = fields(&form)
        .into_iter()
        .filter(|field| matches!(field.input, FieldInput::Attachment { .. }))
        .collect();
    assert!(!attachments.is_empty());
    let items = fields(&form)
        .into_iter()
        .filter(|field| {
            field.path.starts_with("/go_live/items/") && field.path.ends_with("/verified_at")
        })
        .count();
    assert_eq!(attachments.len(), items, "one per checklist item");
    let path = "/go_live/items/baa_on_file/sha256";
    let field = attachments
        .iter()
        .find(|field| field.path == path)
        .expect("the BAA item has one");
    assert_eq!(field.label, "BAA on file: attached output");

    let hash = "ab".repeat(32);
    let attached = apply(&catalog, &doc, &[set(path, json!(hash))]).expect("a SHA-256 is kept");
    assert_eq!(
        attached.go_live.items["baa_on_file"].sha256.as_deref(),
        Some(hash.as_str())
    );
    for bad in [
        json!("AB".repeat(32)),
        json!("ab".repeat(31)),
        json!("<script>"),
        json!(42),
    ] {
        let error = apply(&catalog, &attached, &[set(path, bad.clone())]).expect_err("refused");
        assert!(error.to_string().contains("SHA-256"), "{bad}: {error}");
    }
    let removed = apply(&catalog, &attached, &[set(path, Value::Null)]).expect("removed");
    assert_eq!(removed.go_live.items["baa_on_file"].sha256, None);
}
