//! Submitting from the desktop app, as a user does it, offline: create a draft, edit it
//! (autosaved), sign and submit it with the key the app keeps in the OS keyring (a
//! real, throwaway gnome-keyring), edit again and submit again. Then the CLI takes the
//! envelopes out of the app's mirror and verifies them, and a flipped byte is refused.

use std::path::Path;
use std::process::{Command, Output};

use fantoccini::{Client, Locator};
use tenantry_tests::desktop::DesktopHarness;
use tenantry_tests::ui::{
    click, find, new_draft, screenshot, text_content, type_into, wait_for_count, wait_for_text,
    TIMEOUT,
};
use tenantry_tests::workspace::built_binary;

fn tenantry(data_dir: &Path, args: &[&str]) -> Output {
    Command::new(built_binary("tenantry"))
        .args(args)
        .env("TENANTRY_DATA_DIR", data_dir)
        .env_remove("TENANTRY_DATABASE_URL")
        .output()
        .expect("run tenantry")
}

fn assert_ok(output: &Output) {
    assert!(
        output.status.success(),
        "exit {:?}\nstdout: {}\nstderr: {}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

async fn open_first_draft(app: &Client) {
    app.wait()
        .at_most(TIMEOUT)
        .for_element(Locator::Css("[data-testid='draft-row'] :is(button, a)"))
        .await
        .expect("a draft row with a control that opens it")
        .click()
        .await
        .expect("open the draft");
    find(app, "draft-screen").await;
}

/// The wizard's field at a JSON pointer: its input, select or textarea.
async fn field(app: &Client, path: &str) -> fantoccini::elements::Element {
    app.wait()
        .at_most(TIMEOUT)
        .for_element(Locator::Css(&format!(
            "[data-testid='field'][data-path='{path}'] :is(input, select, textarea)"
        )))
        .await
        .unwrap_or_else(|error| panic!("the field {path}: {error}"))
}

async fn type_at(app: &Client, path: &str, text: &str) {
    let input = field(app, path).await;
    input.clear().await.expect("clear field");
    input.send_keys(text).await.expect("type");
}

/// Waits until the stepper reports `step` with `status`.
async fn wait_for_step(app: &Client, step: &str, status: &str) {
    app.wait()
        .at_most(TIMEOUT)
        .for_element(Locator::Css(&format!(
            "[data-testid='wizard-step'][data-step='{step}'][data-status='{status}']"
        )))
        .await
        .unwrap_or_else(|error| panic!("step {step} never became {status}: {error}"));
}

/// Step 1 of the wizard, as the process demands before anything else: the needs, the
/// scale, and who documented it. The rules deciding it is complete are the core's.
async fn classify(app: &Client) {
    field(app, "/classification/required_services")
        .await
        .click()
        .await
        .expect("require the first catalog service");
    type_at(app, "/classification/scale/expected_users", "1800").await;
    type_at(app, "/classification/documented_by", "Priya Raman").await;
    // Settled before the next click, as tests/support/wizard.rs does after each action:
    // the answer to the typing re-renders the findings and moves the "Now" button, and a
    // WebDriver click aimed at where it was then lands elsewhere (a CI run lost it so).
    wait_for_text(app, "save-status", "All changes saved").await;
    click(app, "timestamp-now").await;
    wait_for_step(app, "classification", "complete").await;
    wait_for_text(app, "save-status", "All changes saved").await;
}

async fn submit(app: &Client, summary: &str) -> String {
    type_into(app, "submit-summary", summary).await;
    click(app, "submit-button").await;
    wait_for_text(app, "submit-result", "Signed and queued").await;
    find(app, "receipt-hash").await;
    text_content(app, "receipt-hash").await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_draft_submitted_in_the_app_is_a_verifiable_signed_change() {
    let data_dir = tempfile::tempdir().expect("temp data dir");
    let harness = DesktopHarness::start("submit", data_dir.path());
    let app = harness.launch().await;

    new_draft(&app, "Cedar Valley Health", "healthcare").await;
    open_first_draft(&app).await;
    wait_for_text(&app, "submission-state", "Not submitted").await;
    screenshot(&app, "10-draft-screen.png").await;

    // The wizard: the tenant step waits for the classification; every edit is
    // autosaved; the twelve steps, the forms and the findings come from the core.
    wait_for_count(&app, "wizard-step", 12).await;
    wait_for_step(&app, "tenant", "blocked").await;
    classify(&app).await;
    app.find(Locator::Css(
        "[data-testid='wizard-step'][data-step='tenant']",
    ))
    .await
    .expect("the tenant step")
    .click()
    .await
    .expect("open the tenant step");
    type_at(
        &app,
        "/tenant/metadata/legal_name",
        "Cedar Valley Health Inc.",
    )
    .await;
    wait_for_text(&app, "save-status", "All changes saved").await;

    // Submitting without a summary is refused and signs nothing.
    click(&app, "submit-button").await;
    wait_for_text(&app, "submit-result", "summary").await;
    wait_for_count(&app, "history-row", 0).await;

    let first = submit(&app, "Onboard Cedar Valley Health").await;
    assert_eq!(first.len(), 64, "a SHA-256 hash: {first}");
    wait_for_text(&app, "outbox-count", "1 waiting").await;
    wait_for_text(&app, "submission-state", "Submitted").await;
    wait_for_count(&app, "history-row", 1).await;
    screenshot(&app, "11-submitted.png").await;

    // Editing after submission: the draft says so, and the next submission is a new
    // change set.
    type_at(
        &app,
        "/tenant/metadata/legal_name",
        "Cedar Valley Health, Inc.",
    )
    .await;
    wait_for_text(&app, "save-status", "All changes saved").await;
    wait_for_text(&app, "submission-state", "Edited since submission").await;
    let second = submit(&app, "Correct the legal name").await;
    assert_ne!(first, second);
    wait_for_text(&app, "outbox-count", "2 waiting").await;
    wait_for_count(&app, "history-row", 2).await;
    screenshot(&app, "12-submitted-again.png").await;
    app.close().await.expect("quit the app");
    drop(harness);

    // The CLI, on the app's mirror: both envelopes verify, the chain is intact, and
    // the second change set sits on the first.
    let exported = data_dir.path().join("second.dsse.json");
    let exported_arg = exported.to_str().expect("utf-8 path");
    assert_ok(&tenantry(
        data_dir.path(),
        &["changeset", "export", &second, "--out", exported_arg],
    ));
    let verified = tenantry(
        data_dir.path(),
        &["changeset", "verify", exported_arg, "--format", "json"],
    );
    assert_ok(&verified);
    let report: serde_json::Value = serde_json::from_slice(&verified.stdout).expect("JSON");
    assert_eq!(report["valid"], true, "{report}");
    assert_eq!(report["changeset"]["parent"], first.as_str());
    assert_eq!(report["changeset"]["organisation"], "org-e2e");
    assert_eq!(report["changeset"]["summary"], "Correct the legal name");
    assert_ok(&tenantry(data_dir.path(), &["verify-mirror"]));
    let history = tenantry(
        data_dir.path(),
        &["history", "cedar-valley-health", "--format", "json"],
    );
    assert_ok(&history);
    let entries: serde_json::Value = serde_json::from_slice(&history.stdout).expect("JSON");
    assert_eq!(entries.as_array().map(Vec::len), Some(2), "{entries}");
    assert_eq!(entries[0]["hash"], first.as_str());

    // One flipped byte in the signed payload: refused.
    let mut envelope: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&exported).expect("read")).expect("JSON");
    let payload = envelope["payload"].as_str().expect("payload").to_owned();
    let flipped = flip_one_base64_char(&payload);
    envelope["payload"] = serde_json::Value::String(flipped);
    let tampered = data_dir.path().join("tampered.dsse.json");
    std::fs::write(&tampered, envelope.to_string()).expect("write");
    let rejected = tenantry(
        data_dir.path(),
        &[
            "changeset",
            "verify",
            tampered.to_str().expect("utf-8 path"),
        ],
    );
    assert_eq!(
        rejected.status.code(),
        Some(1),
        "a tampered envelope must not verify"
    );
}

/// Changes one character in the middle of a base64 text to another base64 character,
/// so the payload still decodes but is no longer what was signed.
fn flip_one_base64_char(text: &str) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    let middle = chars.len() / 2;
    chars[middle] = if chars[middle] == 'A' { 'B' } else { 'A' };
    chars.into_iter().collect()
}
