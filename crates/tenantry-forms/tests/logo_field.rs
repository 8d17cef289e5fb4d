//! The logo is an image field: the form says so (so the UI draws a file picker and a
//! preview), it takes an asset reference or an https:// address as text, and the policy
//! pack still judges what it holds.

use std::sync::OnceLock;

use serde_json::{json, Value};
use tenantry_core::asset::{asset_reference, sha256_hex, LOGO_LIMITS};
use tenantry_core::catalog::Catalog;
use tenantry_core::tenant::{parse_document, Format};
use tenantry_core::{Step, TenantDocument};
use tenantry_forms::{Edit, FieldInput, FormField, Forms, StepForm};
use tenantry_policy::PolicyPack;

const LOGO: &str = "/customization/branding/logo_ref";

fn pack() -> &'static PolicyPack {
    static PACK: OnceLock<PolicyPack> = OnceLock::new();
    PACK.get_or_init(PolicyPack::bundled)
}

fn hipaa() -> TenantDocument {
    let text = include_str!("../../../examples/tenants/healthcare-hipaa.json");
    parse_document(text.as_bytes(), Format::Json).expect("example parses")
}

fn set(path: &str, value: Value) -> Edit {
    serde_json::from_value(json!({"op": "set", "path": path, "value": value})).expect("an edit")
}

fn customization(doc: &TenantDocument) -> StepForm {
    Forms::new(&Catalog::bundled(), pack())
        .wizard(doc, Step::FrontendCustomization)
        .expect("evaluates")
        .form
}

fn logo_field(form: &StepForm) -> &FormField {
    form.groups
        .iter()
        .flat_map(|group| &group.fields)
        .find(|field| field.path == LOGO)
        .expect("the logo field")
}

fn with_logo(value: Value) -> TenantDocument {
    let catalog = Catalog::bundled();
    let doc = hipaa();
    let evaluation = pack().evaluate(&doc, &catalog).expect("evaluates");
    Forms::new(&catalog, pack())
        .apply(&doc, &evaluation, &[set(LOGO, value)])
        .expect("applied")
}

#[test]
fn the_logo_is_an_image_field_with_what_it_accepts() {
    let reference = asset_reference(&sha256_hex(b"logo"));
    let doc = with_logo(json!(reference));
    let form = customization(&doc);
    let field = logo_field(&form);
    assert_eq!(field.label, "Logo");
    assert_eq!(
        field.input,
        FieldInput::Image {
            value: Some(reference.clone()),
            accepts: LOGO_LIMITS.to_owned(),
        }
    );
    assert!(field.findings.is_empty(), "{:?}", field.findings);
    // As the UI receives it.
    let json = serde_json::to_value(&field.input).expect("json");
    assert_eq!(json["kind"], "image");
    assert_eq!(json["value"], reference);
}

#[test]
fn an_https_address_is_kept_and_an_empty_answer_clears_the_logo() {
    let doc = with_logo(json!("https://cdn.example.com/acme.png"));
    assert_eq!(
        doc.customization.branding.logo_ref.as_deref(),
        Some("https://cdn.example.com/acme.png")
    );
    let cleared = with_logo(json!(""));
    assert_eq!(cleared.customization.branding.logo_ref, None);
    let form = customization(&cleared);
    let FieldInput::Image { value, .. } = &logo_field(&form).input else {
        panic!("an image field");
    };
    assert_eq!(value, &None);
}

#[test]
fn an_inline_image_is_still_a_finding_on_the_field() {
    let doc = with_logo(json!("data:image/png;base64,iVBORw0KGgo="));
    let form = customization(&doc);
    let field = logo_field(&form);
    assert!(
        field
            .findings
            .iter()
            .any(|finding| finding.rule_id == "CUS-004"),
        "{:?}",
        field.findings
    );
}

#[test]
fn a_number_is_not_a_logo() {
    let catalog = Catalog::bundled();
    let doc = hipaa();
    let evaluation = pack().evaluate(&doc, &catalog).expect("evaluates");
    let error = Forms::new(&catalog, pack())
        .apply(&doc, &evaluation, &[set(LOGO, json!(42))])
        .expect_err("refused");
    assert!(error.to_string().contains("expected text"), "{error}");
}
