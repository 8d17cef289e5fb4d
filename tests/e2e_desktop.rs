//! The first slice through the whole stack, as a user does it: the real desktop binary
//! under Xvfb, driven through tauri-driver + WebKitWebDriver. Start with an empty
//! mirror, try a bad name, create a draft, quit, start again, see it; then read the same
//! mirror with the CLI. Screenshots go to target/e2e-artifacts/.

use std::process::Command;
use std::time::Duration;

use tenantry_tests::desktop::DesktopHarness;
use tenantry_tests::ui::{find, rows, screenshot, type_into, wait_for_text, TIMEOUT};
use tenantry_tests::workspace::built_binary;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_draft_made_in_the_app_survives_a_restart_and_is_seen_by_the_cli() {
    let data_dir = tempfile::tempdir().expect("temp data dir");
    let harness = DesktopHarness::start("draft-restart", data_dir.path());

    // First launch: an empty mirror teaches what to do.
    let app = harness.launch().await;
    find(&app, "empty-state").await;
    screenshot(&app, "01-empty-state.png").await;

    // A name that is only spaces is refused next to the field, and nothing is saved.
    find(&app, "new-client")
        .await
        .click()
        .await
        .expect("click New client");
    type_into(&app, "client-name", "     ").await;
    find(&app, "industry")
        .await
        .select_by_value("healthcare")
        .await
        .expect("choose industry");
    find(&app, "save-draft")
        .await
        .click()
        .await
        .expect("click Save");
    wait_for_text(&app, "client-name-error", "Enter the client's name").await;
    screenshot(&app, "02-bad-name.png").await;
    assert!(
        rows(&app).await.is_empty(),
        "a refused name must not be listed"
    );

    // Too long a name is refused as the user types, with its length.
    type_into(&app, "client-name", &"A".repeat(121)).await;
    wait_for_text(
        &app,
        "client-name-error",
        "121 characters long; the limit is 120",
    )
    .await;

    // A good name saves and is listed.
    type_into(&app, "client-name", "Acme Health GmbH").await;
    find(&app, "save-draft")
        .await
        .click()
        .await
        .expect("click Save");
    let deadline = std::time::Instant::now() + TIMEOUT;
    while rows(&app).await.is_empty() {
        assert!(
            std::time::Instant::now() < deadline,
            "the new draft never appeared in the list"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let listed = rows(&app).await;
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert!(
        listed[0].contains("Acme Health GmbH") && listed[0].contains("Healthcare"),
        "{listed:?}"
    );
    screenshot(&app, "03-draft-created.png").await;
    app.close().await.expect("quit the app");

    // Second launch on the same data directory: the draft is still there.
    let app = harness.launch().await;
    find(&app, "draft-row").await;
    let listed = rows(&app).await;
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert!(listed[0].contains("Acme Health GmbH"), "{listed:?}");
    screenshot(&app, "04-after-restart.png").await;
    app.close().await.expect("quit the app");
    drop(harness);

    // The CLI reads the same mirror the app wrote.
    let output = Command::new(built_binary("tenantry"))
        .args(["drafts", "list", "--format", "json"])
        .env("TENANTRY_DATA_DIR", data_dir.path())
        .env_remove("TENANTRY_DATABASE_URL")
        .output()
        .expect("run tenantry");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let drafts: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(drafts[0]["clientName"], "Acme Health GmbH");
    assert_eq!(drafts[0]["industry"], "healthcare");
    assert_eq!(drafts.as_array().map(Vec::len), Some(1));
}
