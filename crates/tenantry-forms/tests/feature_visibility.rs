//! Step 8's feature visibility, the fourth thing a client frontend may customize: a
//! toggle per UI feature of the enabled services, shown unless the document hides it,
//! and the policy pack still judging a feature shown for a service that is off.

use std::sync::OnceLock;

use serde_json::{json, Value};
use tenantry_core::catalog::Catalog;
use tenantry_core::tenant::{parse_document, Format};
use tenantry_core::{Step, TenantDocument};
use tenantry_forms::{Edit, FieldInput, Forms, StepForm};
use tenantry_policy::PolicyPack;

fn pack() -> &'static PolicyPack {
    static PACK: OnceLock<PolicyPack> = OnceLock::new();
    PACK.get_or_init(PolicyPack::bundled)
}

/// The shipped retail example (storefront and chat enabled).
fn retail() -> TenantDocument {
    let text = include_str!("../../../examples/tenants/retail-gdpr.json");
    parse_document(text.as_bytes(), Format::Json).expect("example parses")
}

fn set(path: &str, value: Value) -> Edit {
    serde_json::from_value(json!({"op": "set", "path": path, "value": value})).expect("an edit")
}

fn apply(doc: &TenantDocument, edits: &[Edit]) -> TenantDocument {
    let catalog = Catalog::bundled();
    let evaluation = pack().evaluate(doc, &catalog).expect("evaluates");
    Forms::new(&catalog, pack())
        .apply(doc, &evaluation, edits)
        .expect("applied")
}

fn customization(doc: &TenantDocument) -> StepForm {
    Forms::new(&Catalog::bundled(), pack())
        .wizard(doc, Step::FrontendCustomization)
        .expect("evaluates")
        .form
}

/// The feature toggles of the form, as (feature pointer, shown).
fn toggles(form: &StepForm) -> Vec<(String, bool)> {
    form.groups
        .iter()
        .filter(|group| group.id == "features")
        .flat_map(|group| &group.fields)
        .map(|field| match field.input {
            FieldInput::Toggle { value } => (field.path.clone(), value),
            ref other => panic!("{} is not a toggle: {other:?}", field.path),
        })
        .collect()
}

#[test]
fn every_feature_of_the_enabled_services_can_be_shown_or_hidden() {
    let mut doc = retail();
    // chat.macros is left out: not named, the client app shows it.
    doc.customization.feature_visibility.remove("chat.macros");
    doc.customization
        .feature_visibility
        .insert("chat.satisfaction_survey".to_owned(), false);
    let form = customization(&doc);
    assert_eq!(
        toggles(&form),
        [
            (
                "/customization/feature_visibility/chat.inbox".to_owned(),
                true
            ),
            (
                "/customization/feature_visibility/chat.macros".to_owned(),
                true
            ),
            (
                "/customization/feature_visibility/chat.satisfaction_survey".to_owned(),
                false
            ),
            (
                "/customization/feature_visibility/storefront.reviews".to_owned(),
                true
            ),
            (
                "/customization/feature_visibility/storefront.wishlist".to_owned(),
                true
            ),
        ],
        "the features of storefront and chat, none of a service that is off"
    );

    let hidden = apply(
        &doc,
        &[set(
            "/customization/feature_visibility/storefront.wishlist",
            json!(false),
        )],
    );
    assert_eq!(
        hidden
            .customization
            .feature_visibility
            .get("storefront.wishlist"),
        Some(&false)
    );
    let shown = apply(
        &hidden,
        &[set(
            "/customization/feature_visibility/chat.macros",
            json!(true),
        )],
    );
    assert_eq!(
        shown.customization.feature_visibility.get("chat.macros"),
        Some(&true)
    );
}

#[test]
fn no_service_enabled_means_no_feature_group() {
    let mut doc = retail();
    for settings in doc.services.values_mut() {
        settings.enabled = false;
    }
    doc.customization.feature_visibility.clear();
    let form = customization(&doc);
    assert!(form.groups.iter().all(|group| group.id != "features"));
}

#[test]
fn a_feature_shown_for_a_service_that_is_off_is_offered_where_cus_002_points() {
    let mut doc = retail();
    doc.customization
        .feature_visibility
        .insert("scheduling.calendar".to_owned(), true);
    let form = customization(&doc);
    let field = form
        .groups
        .iter()
        .flat_map(|group| &group.fields)
        .find(|field| field.path == "/customization/feature_visibility/scheduling.calendar")
        .expect("the toggle of the feature the document names");
    assert!(
        field
            .findings
            .iter()
            .any(|finding| finding.rule_id == "CUS-002"),
        "{:?}",
        field.findings
    );
    let hidden = apply(
        &doc,
        &[set(
            "/customization/feature_visibility/scheduling.calendar",
            json!(false),
        )],
    );
    let form = customization(&hidden);
    assert!(form
        .findings
        .iter()
        .all(|finding| finding.finding.rule_id != "CUS-002"));
}
