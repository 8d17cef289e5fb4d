//! Sync from the desktop app to the real reference server, as a user does it: choose the
//! server in Settings, register the key (an admin approves it over the server's API),
//! submit a draft, "Sync now"; then a second mirror, through the CLI, pulls the change
//! set and shows it in the tenant's history.

use serde_json::Value;
use tenantry_tests::desktop::DesktopHarness;
use tenantry_tests::http;
use tenantry_tests::server::{ok_json, start_server, tenantry};
use tenantry_tests::ui::{click, find, screenshot, text_content, type_into, wait_for_text};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_draft_submitted_in_the_app_reaches_the_server_and_another_mirror() {
    let work = tempfile::tempdir().expect("temp dir");
    let admin_key = work.path().join("admin.key");
    let created = tenantry(
        work.path(),
        &[],
        &[
            "key",
            "create",
            "--key-file",
            admin_key.to_str().expect("utf-8"),
        ],
    );
    assert!(created.status.success(), "{created:?}");
    let (_server, url, admin_token) = start_server("sync", work.path(), &admin_key);

    let app_data = work.path().join("app");
    let harness = DesktopHarness::start("sync", &app_data);
    let app = harness.launch().await;
    wait_for_text(&app, "sync-state", "No server").await;

    // Settings: the server, then the key (registered, not approved yet).
    click(&app, "nav-settings").await;
    type_into(&app, "server-url", &url).await;
    click(&app, "save-server").await;
    wait_for_text(&app, "registration-state", "Not registered").await;
    type_into(&app, "register-name", "Ada Lovelace").await;
    find(&app, "register-role")
        .await
        .select_by_value("accountManager")
        .await
        .expect("choose the role");
    click(&app, "register-key").await;
    wait_for_text(&app, "registration-state", "Registered").await;
    screenshot(&app, "20-settings-registered.png").await;

    // An admin approves the key, over the server's API.
    let keys = http::get_json(&url, "/v1/keys", &admin_token);
    let pending: Vec<&Value> = keys["keys"]
        .as_array()
        .expect("keys")
        .iter()
        .filter(|key| key["state"] == "pending")
        .collect();
    assert_eq!(pending.len(), 1, "{keys}");
    assert_eq!(pending[0]["name"], "Ada Lovelace");
    let key_id = pending[0]["key_id"].as_str().expect("key id");
    http::post_json(
        &url,
        &format!("/v1/keys/{key_id}/approve"),
        &admin_token,
        "{}",
    );

    // A draft, submitted, then synced.
    click(&app, "nav-tenants").await;
    click(&app, "new-client").await;
    type_into(&app, "client-name", "Birch Dental").await;
    find(&app, "industry")
        .await
        .select_by_value("healthcare")
        .await
        .expect("choose industry");
    click(&app, "save-draft").await;
    click(&app, "open-draft").await;
    find(&app, "draft-screen").await;
    type_into(&app, "submit-summary", "Onboard Birch Dental").await;
    click(&app, "submit-button").await;
    wait_for_text(&app, "submit-result", "Signed and queued").await;
    let hash = text_content(&app, "receipt-hash").await;
    wait_for_text(&app, "outbox-waiting", "1 waiting").await;
    click(&app, "sync-now").await;
    wait_for_text(&app, "sync-result", "Synced").await;
    wait_for_text(&app, "outbox-waiting", "0 waiting").await;
    wait_for_text(&app, "sync-state", "Online").await;
    screenshot(&app, "21-synced.png").await;
    app.close().await.expect("quit the app");
    drop(harness);

    // A second mirror pulls it, verified, and shows it.
    let other = work.path().join("other");
    let env = [
        ("TENANTRY_SERVER_URL", url.as_str()),
        ("TENANTRY_SERVER_TOKEN", admin_token.as_str()),
    ];
    let pulled = ok_json(&tenantry(&other, &env, &["pull", "--format", "json"]));
    assert_eq!(pulled["ingested"], 1, "{pulled}");
    let history = ok_json(&tenantry(
        &other,
        &env,
        &["history", "birch-dental", "--format", "json"],
    ));
    assert_eq!(history.as_array().map(Vec::len), Some(1), "{history}");
    assert_eq!(history[0]["hash"], hash.as_str());
    assert_eq!(history[0]["summary"], "Onboard Birch Dental");
    let verified = tenantry(&other, &[], &["verify-mirror"]);
    assert!(verified.status.success(), "{verified:?}");
}
