//! A HIPAA healthcare client onboarded in the real app through all twelve steps, as an
//! account manager does it: typing, ticking and choosing in the wizard, waiting for the
//! stepper to call each step complete. On the way it picks an AI model that is not
//! HIPAA-eligible, sees the rule block the step next to the field, and fixes it. Then
//! the plan screen, the signed submission, and the CLI reading the submitted tenant
//! back from the app's mirror: it holds exactly what was typed.
//!
//! A screenshot of every step lands in target/e2e-artifacts/onboarding/ (CI keeps them).

use fantoccini::{Client, Locator};
use serde_json::json;
use tenantry_tests::desktop::DesktopHarness;
use tenantry_tests::onboarding::{
    checklist, fill_checklist, read_back, review_plan, submit, tenant_id, value_at, Typed,
};
use tenantry_tests::ui::{new_draft, screenshot, wait_for_text};
use tenantry_tests::wizard::{
    add_record, input, next_step, open_first_draft, saved, stamp_now, tick, wait_for_field_finding,
    wait_for_form, wait_for_step,
};
use tenantry_tests::workspace::artifacts_dir;

const CLIENT: &str = "Northwind Clinic";
const SLUG: &str = "northwind-clinic";

async fn shot(app: &Client, name: &str) {
    tenantry_tests::onboarding::shot(app, "onboarding", name).await;
}

async fn classification(app: &Client, typed: &mut Typed) {
    wait_for_form(app, "classification").await;
    typed
        .ticks(app, "/classification/regulations", &["HIPAA"], &["hipaa"])
        .await;
    typed
        .choice(app, "/classification/compliance_mode", "hipaa")
        .await;
    typed
        .ticks(
            app,
            "/classification/required_services",
            &["Chat", "Scheduling"],
            &["chat", "scheduling"],
        )
        .await;
    typed
        .text(
            app,
            "/classification/custom_ux_needs",
            "Patients book visits and message their care team from one portal; large type for older patients.",
        )
        .await;
    typed
        .number(app, "/classification/scale/expected_users", 1800)
        .await;
    typed
        .number(app, "/classification/scale/peak_requests_per_second", 45)
        .await;
    typed
        .number(app, "/classification/scale/data_volume_gb", 350)
        .await;
    typed
        .text(app, "/classification/documented_by", "Priya Raman")
        .await;
    stamp_now(app, "/classification/documented_at").await;
    wait_for_step(app, "classification", "complete").await;
}

async fn tenant_step(app: &Client, typed: &mut Typed) {
    typed
        .text(app, "/tenant/metadata/legal_name", "Northwind Clinic, P.C.")
        .await;
    typed
        .choice(app, "/tenant/metadata/region", "us-east")
        .await;
    let contacts = [
        (
            "business",
            "Dana Whitfield",
            "dana.whitfield@northwind.example",
        ),
        (
            "technical",
            "Marcus Oyelaran",
            "m.oyelaran@northwind.example",
        ),
        ("security", "Helen Park", "security@northwind.example"),
    ];
    for (index, (role, name, email)) in contacts.into_iter().enumerate() {
        let base = format!("/tenant/metadata/contacts/{index}");
        add_record(app, "/tenant/metadata/contacts", index, "name").await;
        typed.choice(app, &format!("{base}/role"), role).await;
        typed.text(app, &format!("{base}/name"), name).await;
        typed.text(app, &format!("{base}/email"), email).await;
    }
    typed
        .toggle(app, "/tenant/compliance_flags/phi_allowed", true)
        .await;
    typed
        .number(
            app,
            "/tenant/compliance_flags/audit_log_retention_days",
            2190,
        )
        .await;
    wait_for_step(app, "tenant", "complete").await;
}

async fn frontend(app: &Client, typed: &mut Typed) {
    typed
        .choice(app, "/frontend/strategy", "client_frontend")
        .await;
    // The app path follows from the slug; the form shows it once the strategy is chosen.
    let app_path = input(app, "/frontend/app_path").await;
    assert_eq!(
        app_path.prop("value").await.expect("read").as_deref(),
        Some("apps/client-northwind-clinic")
    );
    wait_for_step(app, "frontend_strategy", "complete").await;
}

async fn services(app: &Client, typed: &mut Typed) {
    typed.toggle(app, "/services/chat/enabled", true).await;
    typed
        .toggle(app, "/services/scheduling/enabled", true)
        .await;
    // The flags appear once the service is on, at the catalog's safe defaults.
    typed
        .toggle(app, "/services/chat/flags/ai_suggestions", true)
        .await;
    typed
        .number(app, "/services/chat/flags/retention_days", 2190)
        .await;
    wait_for_step(app, "services", "complete").await;
}

async fn ai(app: &Client, typed: &mut Typed) {
    // A model the catalog does not approve for HIPAA: the core's rule blocks the step,
    // on the field itself and in the stepper.
    tick(app, "/ai/allowed_models", "Atlas Small", true).await;
    let finding = wait_for_field_finding(app, "/ai/allowed_models", "AI-002").await;
    assert!(
        finding.contains("atlas-small") && finding.contains("not eligible for hipaa mode"),
        "{finding}"
    );
    wait_for_step(app, "ai", "blocked").await;
    let reason = app
        .find(Locator::Css("[data-testid='wizard-step'][data-step='ai']"))
        .await
        .expect("the AI step")
        .attr("title")
        .await
        .expect("read")
        .unwrap_or_default();
    assert!(reason.contains("AI-002"), "{reason}");
    wait_for_text(app, "step-findings", "AI-002").await;
    shot(app, "06-ai-blocked").await;

    // The fix: the healthcare model instead.
    tick(app, "/ai/allowed_models", "Atlas Small", false).await;
    typed
        .ticks(
            app,
            "/ai/allowed_models",
            &["Atlas Large (healthcare)"],
            &["atlas-large-hc"],
        )
        .await;
    let cleared = tenantry_tests::wizard::notes(app, "/ai/allowed_models").await;
    assert!(!cleared.contains("AI-002"), "{cleared}");
    typed
        .choice(app, "/ai/default_model", "atlas-large-hc")
        .await;
    typed
        .ticks(
            app,
            "/ai/tools",
            &["knowledge_base_search"],
            &["knowledge_base_search"],
        )
        .await;
    typed.number(app, "/ai/monthly_budget_cents", 150_000).await;
    typed
        .number(app, "/ai/rate_limits/requests_per_minute", 120)
        .await;
    typed
        .number(app, "/ai/rate_limits/tokens_per_day", 2_000_000)
        .await;
    wait_for_step(app, "ai", "complete").await;
}

async fn integrations(app: &Client, typed: &mut Typed, tenant: &str) {
    add_record(app, "/integrations", 0, "vendor").await;
    typed.choice(app, "/integrations/0/vendor", "medpay").await;
    typed
        .text(
            app,
            "/integrations/0/purpose",
            "Insurance eligibility checks for booked visits",
        )
        .await;
    typed
        .text(
            app,
            "/integrations/0/secret_ref",
            &format!("secret://tenants/{tenant}/medpay/api-key"),
        )
        .await;
    typed.toggle(app, "/integrations/0/enabled", true).await;
    wait_for_step(app, "integrations", "complete").await;
}

async fn customization(app: &Client, typed: &mut Typed) {
    typed
        .text(app, "/customization/branding/primary_color", "#0b6e4f")
        .await;
    // The logo field also takes a file through the native dialog, which WebDriver
    // cannot drive; an https:// address is the other way it accepts.
    typed
        .text(
            app,
            "/customization/branding/logo_ref",
            "https://cdn.northwind.example/brand/logo.svg",
        )
        .await;
    add_record(app, "/customization/navigation", 0, "label").await;
    typed
        .text(app, "/customization/navigation/0/label", "Appointments")
        .await;
    typed
        .text(app, "/customization/navigation/0/route", "/appointments")
        .await;
    typed
        .text(
            app,
            "/customization/copy_tone",
            "Warm, plain language; never medical advice in interface text.",
        )
        .await;
    wait_for_step(app, "frontend_customization", "complete").await;
}

async fn data_migration(app: &Client, typed: &mut Typed) {
    typed.toggle(app, "/data_migration/decided", true).await;
    add_record(app, "/data_migration/datasets", 0, "name").await;
    let base = "/data_migration/datasets/0";
    typed
        .text(app, &format!("{base}/name"), "appointments-2025-2026")
        .await;
    typed
        .text(
            app,
            &format!("{base}/source"),
            "Practice management CSV export",
        )
        .await;
    typed
        .choice(app, &format!("{base}/target_service"), "scheduling")
        .await;
    typed
        .text(
            app,
            &format!("{base}/schema_ref"),
            "schemas/scheduling/appointment-import-v2.json",
        )
        .await;
    typed
        .ticks(app, &format!("{base}/classification"), &["PHI"], &["phi"])
        .await;
    typed
        .text(
            app,
            &format!("{base}/rollback_plan"),
            "Remove the appointments of the import batch.",
        )
        .await;
    wait_for_step(app, "data_migration", "incomplete").await;
    for (evidence, reference, by) in [
        (
            "dry_run",
            "https://ci.example/migrations/nw/runs/1",
            "Marcus Oyelaran",
        ),
        (
            "isolation_check",
            "https://ci.example/migrations/nw/isolation/1",
            "Helen Park",
        ),
    ] {
        typed
            .text(app, &format!("{base}/{evidence}/reference"), reference)
            .await;
        typed
            .text(app, &format!("{base}/{evidence}/verified_by"), by)
            .await;
    }
    wait_for_step(app, "data_migration", "complete").await;
}

/// Every checklist item the step lists (the regulations and integrations decide which).
async fn verification(app: &Client, typed: &mut Typed) {
    let items = checklist(app).await;
    assert!(
        items
            .iter()
            .any(|item| item == "/go_live/items/baa_on_file"),
        "a HIPAA client needs a BAA on file: {items:?}"
    );
    fill_checklist(
        app,
        typed,
        &items,
        "https://evidence.example/northwind",
        "Helen Park",
    )
    .await;
    wait_for_step(app, "verification", "complete").await;
}

async fn rollout(app: &Client, typed: &mut Typed) {
    add_record(app, "/rollout/stages", 0, "environment").await;
    typed
        .choice(app, "/rollout/stages/0/environment", "staging")
        .await;
    wait_for_step(app, "rollout", "incomplete").await;
    // Staging is verified, with the evidence of its sign-off.
    typed
        .choice(app, "/rollout/stages/0/status", "verified")
        .await;
    typed
        .text(
            app,
            "/rollout/stages/0/verification/reference",
            "https://ci.example/staging/northwind-clinic/signoff",
        )
        .await;
    typed
        .text(
            app,
            "/rollout/stages/0/verification/verified_by",
            "Dana Whitfield",
        )
        .await;
    add_record(app, "/rollout/stages", 1, "environment").await;
    typed
        .choice(app, "/rollout/stages/1/environment", "production")
        .await;
    typed
        .ticks(
            app,
            "/rollout/stages/1/flag_gates",
            &["Chat: ai_suggestions"],
            &["chat.ai_suggestions"],
        )
        .await;
    typed
        .text(
            app,
            "/rollout/monitoring_plan",
            "On-call watches the tenant dashboard twice daily for 14 days.",
        )
        .await;
    typed
        .text(
            app,
            "/rollout/launch_announcement",
            "Practice manager tells staff; patients get an e-mail two days before.",
        )
        .await;
    wait_for_step(app, "rollout", "complete").await;
}

async fn handoff(app: &Client, typed: &mut Typed) {
    typed
        .text(
            app,
            "/handoff/configuration_doc",
            "https://docs.example/clients/northwind-clinic",
        )
        .await;
    typed
        .toggle(app, "/handoff/enabled_services_confirmed", true)
        .await;
    typed
        .toggle(app, "/handoff/known_overrides_documented", true)
        .await;
    typed
        .text(
            app,
            "/handoff/support_path",
            "Help desk queue northwind-clinic",
        )
        .await;
    add_record(app, "/handoff/escalation_contacts", 0, "name").await;
    typed
        .text(
            app,
            "/handoff/escalation_contacts/0/name",
            "Platform support on-call",
        )
        .await;
    typed
        .text(
            app,
            "/handoff/escalation_contacts/0/contact",
            "support-oncall@platform.example",
        )
        .await;
    wait_for_step(app, "handoff", "complete").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hipaa_client_is_onboarded_through_all_twelve_steps_and_submitted() {
    std::fs::create_dir_all(artifacts_dir().join("onboarding")).expect("screenshot folder");
    let data_dir = tempfile::tempdir().expect("temp data dir");
    let harness = DesktopHarness::start("onboarding", data_dir.path());
    let app = harness.launch().await;
    app.set_window_size(1280, 800).await.expect("window size");

    new_draft(&app, CLIENT, "healthcare").await;
    open_first_draft(&app).await;
    let tenant = tenant_id(&app).await;
    let mut typed = Typed::default();
    typed.record("/tenant/display_name", json!(CLIENT));
    typed.record("/classification/industry", json!("healthcare"));

    classification(&app, &mut typed).await;
    shot(&app, "01-classification").await;
    next_step(&app, "tenant").await;
    tenant_step(&app, &mut typed).await;
    shot(&app, "02-tenant").await;
    next_step(&app, "frontend_strategy").await;
    frontend(&app, &mut typed).await;
    shot(&app, "03-frontend-strategy").await;
    next_step(&app, "services").await;
    services(&app, &mut typed).await;
    shot(&app, "04-services").await;
    // No client-specific override: the step is complete as it stands.
    next_step(&app, "backend_overrides").await;
    wait_for_step(&app, "backend_overrides", "complete").await;
    shot(&app, "05-backend-overrides").await;
    next_step(&app, "ai").await;
    ai(&app, &mut typed).await;
    shot(&app, "06-ai").await;
    next_step(&app, "integrations").await;
    integrations(&app, &mut typed, &tenant).await;
    shot(&app, "07-integrations").await;
    next_step(&app, "frontend_customization").await;
    customization(&app, &mut typed).await;
    shot(&app, "08-frontend-customization").await;
    next_step(&app, "data_migration").await;
    data_migration(&app, &mut typed).await;
    // Where the typing ended: the dataset's dry-run and isolation evidence.
    screenshot(&app, "onboarding/09-data-migration-evidence.png").await;
    shot(&app, "09-data-migration").await;
    next_step(&app, "verification").await;
    verification(&app, &mut typed).await;
    shot(&app, "10-verification").await;
    next_step(&app, "rollout").await;
    rollout(&app, &mut typed).await;
    shot(&app, "11-rollout").await;
    next_step(&app, "handoff").await;
    handoff(&app, &mut typed).await;
    shot(&app, "12-handoff").await;
    wait_for_text(&app, "step-summary", "12 of 12 steps complete").await;
    saved(&app).await;

    // The plan: every change of the submission, grouped by step, nothing blocking.
    let planned = review_plan(&app, CLIENT).await;
    // Every step but the backend overrides (none for this client) changes something.
    assert_eq!(
        planned,
        [
            "classification",
            "tenant",
            "frontend_strategy",
            "services",
            "ai",
            "integrations",
            "frontend_customization",
            "data_migration",
            "verification",
            "rollout",
            "handoff"
        ]
    );
    let legal_name = app
        .find(Locator::Css(
            "[data-testid='plan-change'][data-path='/tenant/metadata/legal_name'] [data-testid='plan-after']",
        ))
        .await
        .expect("the legal name in the plan");
    assert!(legal_name
        .text()
        .await
        .expect("read")
        .contains("Northwind Clinic, P.C."));
    shot(&app, "13-plan").await;
    let hash = submit(&app, "Onboard Northwind Clinic (HIPAA)").await;
    screenshot(&app, "onboarding/14-submitted.png").await;
    app.close().await.expect("quit the app");
    drop(harness);

    // The CLI, on the app's mirror: one verified change set, and the tenant it made holds
    // what was typed, field by field.
    assert!(typed.0.len() > 80, "only {} values typed", typed.0.len());
    let changes = read_back(data_dir.path(), SLUG, &hash, &typed);
    assert_eq!(
        value_at(&changes, "/ai/allowed_models"),
        Some(json!(["atlas-large-hc"])),
        "the blocked model is gone"
    );
    assert_eq!(
        value_at(&changes, "/tenant/id"),
        Some(json!(tenant)),
        "the tenant the app showed"
    );
}
