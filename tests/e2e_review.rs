//! Review with two identities through the real app: an account manager and a
//! compliance officer, each with their own app, mirror and OS keyring (two desktop
//! harnesses), and one real reference server. The manager submits a GDPR client; the
//! officer reads it in Review and asks for changes with a comment on the compliance
//! mode field; the manager's next sync brings the request to the rail and the draft,
//! whose link jumps to the field; the answer is submitted; the officer sees that it
//! replaced the reviewed change set and approves it with a comment; the request is gone
//! from the manager's rail. Then go-live: the manager promotes to staging in the app, the
//! officer approves staging in the app, the manager promotes to production, and the
//! server accepts it. The server's own record is read back over HTTP.

use std::time::Duration;

use fantoccini::{Client, Locator};
use serde_json::Value;
use tenantry_tests::desktop::DesktopHarness;
use tenantry_tests::http;
use tenantry_tests::onboarding::{checklist, fill_checklist, Typed};
use tenantry_tests::server::{start_server, tenantry};
use tenantry_tests::ui::{
    click, count, find, screenshot, text_content, texts, type_into, wait_for_count, wait_for_text,
    TIMEOUT,
};
use tenantry_tests::wizard::{
    choose, open_first_draft, open_step, saved, stamp_now, wait_for_form, wait_for_step,
};
use tenantry_tests::workspace::artifacts_dir;

const CLIENT: &str = "Corner Bakery";

/// Settings: the server, then this person's key registered with `role`; an admin
/// approves it over the server's API. Returns the key id.
async fn register(app: &Client, url: &str, admin_token: &str, name: &str, role: &str) -> String {
    wait_for_text(app, "sync-state", "No server").await;
    click(app, "nav-settings").await;
    type_into(app, "server-url", url).await;
    click(app, "save-server").await;
    wait_for_text(app, "registration-state", "Not registered").await;
    type_into(app, "register-name", name).await;
    find(app, "register-role")
        .await
        .select_by_value(role)
        .await
        .expect("choose the role");
    click(app, "register-key").await;
    // Creating the key in the keyring and the round trip can take a while on a loaded
    // machine; a refusal is shown in the form, and is what the failure should say.
    let deadline = std::time::Instant::now() + 3 * TIMEOUT;
    loop {
        let state = text_content(app, "registration-state").await;
        if state.contains("Registered") && !state.contains("Not registered") {
            break;
        }
        let refused = text_content(app, "register-error").await;
        assert!(
            refused.is_empty(),
            "{name}'s registration was refused: {refused}"
        );
        assert!(
            std::time::Instant::now() < deadline,
            "{name}'s key is still {state:?} (the app's log is in target/e2e-artifacts/review-run)"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let keys = http::get_json(url, "/v1/keys", admin_token);
    let key_id = keys["keys"]
        .as_array()
        .expect("keys")
        .iter()
        .find(|key| key["state"] == "pending" && key["name"] == name)
        .and_then(|key| key["key_id"].as_str())
        .unwrap_or_else(|| panic!("{name}'s key waits for approval: {keys}"))
        .to_owned();
    http::post_json(
        url,
        &format!("/v1/keys/{key_id}/approve"),
        admin_token,
        "{}",
    );
    click(app, "nav-tenants").await;
    key_id
}

async fn sync(app: &Client) {
    click(app, "sync-now").await;
    wait_for_text(app, "sync-result", "Synced").await;
}

/// Signs the open draft with `summary`, syncs, and returns the change set's hash.
async fn submit_and_sync(app: &Client, summary: &str) -> String {
    type_into(app, "submit-summary", summary).await;
    click(app, "submit-button").await;
    wait_for_text(app, "submit-result", "Signed and queued").await;
    let hash = text_content(app, "receipt-hash").await;
    assert_eq!(hash.len(), 64, "a SHA-256 hash: {hash}");
    sync(app).await;
    wait_for_text(app, "outbox-waiting", "0 waiting").await;
    hash
}

async fn xpath(app: &Client, xpath: &str) -> fantoccini::elements::Element {
    app.wait()
        .at_most(TIMEOUT)
        .for_element(Locator::XPath(xpath))
        .await
        .unwrap_or_else(|error| panic!("{xpath}: {error}"))
}

/// The `data-path` of the field that has the keyboard focus, if any.
async fn focused_field(app: &Client) -> Option<String> {
    let value = app
        .execute(
            "const field = document.activeElement && document.activeElement.closest(\"[data-testid='field']\");\
             return field ? field.dataset.path : null;",
            Vec::new(),
        )
        .await
        .expect("read the focus");
    value.as_str().map(str::to_owned)
}

fn pending(url: &str, token: &str) -> Vec<Value> {
    http::get_json(url, "/v1/approvals/pending", token)["pending"]
        .as_array()
        .expect("pending")
        .clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_officer_asks_for_changes_in_the_app_and_approves_the_answer() {
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
    let (_server, url, admin_token) = start_server("review", work.path(), &admin_key);

    // The apps' data (and their logs) stay with the artifacts, for a failure in CI.
    let run = artifacts_dir().join("review-run");
    let _ = std::fs::remove_dir_all(&run);
    let manager_harness = DesktopHarness::start("review-manager", &run.join("manager"));
    let officer_harness = DesktopHarness::start("review-officer", &run.join("officer"));
    let manager = manager_harness.launch().await;
    let officer = officer_harness.launch().await;
    for app in [&manager, &officer] {
        app.set_window_size(1280, 860).await.expect("window size");
    }
    let manager_key = register(&manager, &url, &admin_token, "Ana Lima", "accountManager").await;
    register(
        &officer,
        &url,
        &admin_token,
        "Chidi Okafor",
        "complianceOfficer",
    )
    .await;

    // The manager starts a client in GDPR mode: a compliance officer must approve it.
    tenantry_tests::ui::new_draft(&manager, CLIENT, "retail").await;
    open_first_draft(&manager).await;
    wait_for_form(&manager, "classification").await;
    choose(&manager, "/classification/compliance_mode", "gdpr").await;
    saved(&manager).await;
    let first = submit_and_sync(&manager, "Onboard Corner Bakery").await;

    // The officer pulls it, reads what it changes, and asks for changes on the mode.
    sync(&officer).await;
    click(&officer, "nav-review").await;
    wait_for_count(&officer, "review-entry", 1).await;
    wait_for_text(&officer, "review-role", "compliance officer").await;
    click(&officer, "show-changes").await;
    xpath(
        &officer,
        "//li[@data-testid='review-change'][contains(., 'compliance mode')]//button[@data-testid='comment-on-field']",
    )
    .await
    .click()
    .await
    .expect("comment on the compliance mode");
    type_into(
        &officer,
        "field-comment-input",
        "Which EU customers make this GDPR?",
    )
    .await;
    type_into(
        &officer,
        "verdict-comment",
        "Please document why GDPR applies.",
    )
    .await;
    screenshot(&officer, "review-01-officer-asks-for-changes.png").await;
    click(&officer, "request-changes").await;
    wait_for_text(&officer, "my-verdict", "asked for changes").await;
    let asked = &pending(&url, &admin_token)[0];
    assert_eq!(asked["hash"], first.as_str());
    assert_eq!(
        asked["reviews"][0]["verdict"], "changes_requested",
        "{asked}"
    );
    assert_eq!(
        asked["reviews"][0]["fields"][0]["path"],
        "/classification/compliance_mode"
    );

    // The manager's next sync brings the request to the rail; it opens the draft, which
    // leads with it, and its link jumps to the field.
    sync(&manager).await;
    wait_for_count(&manager, "change-request-item", 1).await;
    click(&manager, "open-change-request").await;
    wait_for_text(
        &manager,
        "review-note-comment",
        "Please document why GDPR applies.",
    )
    .await;
    wait_for_text(
        &manager,
        "field-comment-text",
        "Which EU customers make this GDPR?",
    )
    .await;
    screenshot(&manager, "review-02-manager-reads-the-request.png").await;
    click(&manager, "jump-to-commented-field").await;
    let deadline = std::time::Instant::now() + TIMEOUT;
    while focused_field(&manager).await.as_deref() != Some("/classification/compliance_mode") {
        assert!(
            std::time::Instant::now() < deadline,
            "the link did not focus the field"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // The answer: the classification documented (GDPR is why the mode is GDPR), and the
    // go-live evidence recorded for every checklist item, so that production can follow.
    let mut typed = Typed::default();
    typed
        .ticks(
            &manager,
            "/classification/regulations",
            &["GDPR"],
            &["gdpr"],
        )
        .await;
    typed
        .ticks(
            &manager,
            "/classification/required_services",
            &["Chat"],
            &["chat"],
        )
        .await;
    typed
        .number(&manager, "/classification/scale/expected_users", 400)
        .await;
    typed
        .number(
            &manager,
            "/classification/scale/peak_requests_per_second",
            10,
        )
        .await;
    typed
        .number(&manager, "/classification/scale/data_volume_gb", 5)
        .await;
    typed
        .text(
            &manager,
            "/classification/documented_by",
            "Ana Lima (EU customers: IE, PT)",
        )
        .await;
    stamp_now(&manager, "/classification/documented_at").await;
    wait_for_step(&manager, "classification", "complete").await;
    open_step(&manager, "verification").await;
    wait_for_form(&manager, "verification").await;
    let items = checklist(&manager).await;
    assert!(!items.is_empty(), "the rules ask for go-live evidence");
    fill_checklist(
        &manager,
        &mut typed,
        &items,
        "https://grafana.example/d/corner-bakery",
        "Ana Lima",
    )
    .await;
    let answer = submit_and_sync(
        &manager,
        "GDPR: customers in Ireland and Portugal; go-live evidence",
    )
    .await;
    assert_ne!(answer, first);

    // The officer's queue now holds the answer, which says what it replaced; the officer
    // approves it with a comment.
    sync(&officer).await;
    click(&officer, "nav-tenants").await;
    click(&officer, "nav-review").await;
    wait_for_count(&officer, "review-entry", 1).await;
    wait_for_text(&officer, "review-replaces", &first[..12]).await;
    type_into(&officer, "verdict-comment", "Clear now, thanks.").await;
    screenshot(&officer, "review-03-officer-approves-the-answer.png").await;
    click(&officer, "approve").await;
    wait_for_text(&officer, "review-result", "Approved").await;
    let deadline = std::time::Instant::now() + TIMEOUT;
    while count(&officer, "review-entry").await != 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "the approved entry stays listed"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // The server's record: nothing waits; the answer carries the officer's approval and
    // comment; the first change set the request.
    assert!(pending(&url, &admin_token).is_empty());
    let approvals = http::get_json(
        &url,
        &format!("/v1/changesets/{answer}/approvals"),
        &admin_token,
    );
    assert_eq!(approvals["satisfied"], true, "{approvals}");
    let reviews = http::get_json(
        &url,
        &format!("/v1/changesets/{answer}/reviews"),
        &admin_token,
    );
    assert_eq!(reviews["reviews"][0]["verdict"], "approved", "{reviews}");
    assert_eq!(reviews["reviews"][0]["comment"], "Clear now, thanks.");
    let first_reviews = http::get_json(
        &url,
        &format!("/v1/changesets/{first}/reviews"),
        &admin_token,
    );
    assert_eq!(first_reviews["reviews"][0]["verdict"], "changes_requested");
    let history = http::get_json(&url, "/v1/changesets?after=0", &admin_token);
    let authors: Vec<&str> = history["changesets"]
        .as_array()
        .map(|all| all.iter().filter_map(|c| c["author"].as_str()).collect())
        .unwrap_or_default();
    assert!(
        authors.iter().all(|author| *author == manager_key),
        "{history}"
    );

    // The manager's next sync: the request is answered and gone from the rail.
    sync(&manager).await;
    let deadline = std::time::Instant::now() + TIMEOUT;
    while count(&manager, "change-request-item").await != 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "the answered request stays listed"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // Go live: the manager promotes the approved draft to staging in the app; the
    // officer approves the staging change set; the manager promotes staging to
    // production, and the server accepts it (it checks the approvals and staging first).
    click(&manager, "open-golive").await;
    find(&manager, "golive-screen").await;
    type_into(&manager, "promote-staging-summary", "Stage Corner Bakery").await;
    click(&manager, "promote-staging-button").await;
    wait_for_text(&manager, "promote-staging-result", "Signed and queued").await;
    let staged = text_content(&manager, "promote-staging-receipt").await;
    assert_eq!(staged.len(), 64, "a change set hash: {staged}");
    screenshot(&manager, "review-04-manager-promotes-to-staging.png").await;
    sync(&manager).await;
    wait_for_text(&manager, "outbox-waiting", "0 waiting").await;

    sync(&officer).await;
    click(&officer, "nav-tenants").await;
    click(&officer, "nav-review").await;
    wait_for_count(&officer, "review-entry", 1).await;
    wait_for_text(&officer, "review-entry", "Staging").await;
    click(&officer, "approve").await;
    wait_for_text(&officer, "review-result", "Approved").await;

    type_into(
        &manager,
        "promote-production-summary",
        "Launch Corner Bakery",
    )
    .await;
    click(&manager, "promote-production-button").await;
    wait_for_text(&manager, "promote-production-result", "Signed and queued").await;
    let launched = text_content(&manager, "promote-production-receipt").await;
    assert_eq!(launched.len(), 64, "a change set hash: {launched}");
    sync(&manager).await;
    wait_for_text(&manager, "outbox-waiting", "0 waiting").await;
    assert_eq!(
        count(&manager, "rejected-item").await,
        0,
        "the server refused the promotion"
    );
    screenshot(&manager, "review-05-manager-launched.png").await;
    let heads = http::get_json(&url, "/v1/tenants/heads", &admin_token);
    let head = heads["tenants"].as_object().and_then(|tenants| {
        tenants
            .values()
            .find(|head| head["head"] == launched.as_str())
    });
    assert!(
        head.is_some(),
        "production is the tenant's head on the server: {heads}"
    );
    let history = http::get_json(&url, "/v1/changesets?after=0", &admin_token);
    let hashes: Vec<&str> = history["changesets"]
        .as_array()
        .map(|all| all.iter().filter_map(|c| c["hash"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(
        hashes,
        [
            first.as_str(),
            answer.as_str(),
            staged.as_str(),
            launched.as_str()
        ],
        "{history}"
    );

    // The officer's Audit place: everything done in that app, and for this client (by
    // its slug) the request for changes and the two approvals, newest first.
    click(&officer, "nav-audit").await;
    find(&officer, "audit-screen").await;
    let deadline = std::time::Instant::now() + TIMEOUT;
    while count(&officer, "audit-row").await < 5 {
        assert!(
            std::time::Instant::now() < deadline,
            "the officer's commands are not all recorded"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let all = texts(&officer, "[data-testid='audit-what']").await;
    for expected in [
        "Registered the signing key",
        "Synced with the server",
        "Asked for changes",
    ] {
        assert!(
            all.iter().any(|what| what.contains(expected)),
            "{expected}: {all:?}"
        );
    }
    type_into(&officer, "audit-tenant", "corner-bakery").await;
    click(&officer, "audit-apply").await;
    let deadline = std::time::Instant::now() + TIMEOUT;
    loop {
        let whats = texts(&officer, "[data-testid='audit-what']").await;
        if whats.len() == 3 {
            assert!(whats[0].contains("Approved a change set"), "{whats:?}");
            assert!(whats[1].contains("Approved a change set"), "{whats:?}");
            assert!(whats[2].contains("Asked for changes"), "{whats:?}");
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "filtered by tenant: {whats:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    screenshot(&officer, "review-06-officer-audit.png").await;

    manager.close().await.expect("quit the manager's app");
    officer.close().await.expect("quit the officer's app");
}
