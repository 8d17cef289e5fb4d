//! Approval requirements from policy, the review queue and the production gate, with
//! the real `tenantry-server` binary over HTTP, on SQLite and on Postgres.

mod common;

use reqwest::StatusCode;
use serde_json::Value;
use tenantry_changeset::changeset::Environment;
use tenantry_changeset::Envelope;
use tenantry_core::tenant::{ComplianceMode, Environment as RolloutEnvironment, StageStatus};
use tenantry_core::{ClientName, Industry, TenantDocument};

use common::{change, change_in, creation, hash_of, hipaa_example, Staff, TestServer};

on_both_databases!(
    a_compliance_mode_change_waits_in_the_queue_until_a_compliance_officer_approves,
    production_waits_for_every_approval_and_a_staging_edit_voids_the_promotion,
    production_cannot_start_with_an_incomplete_go_live_checklist,
    production_is_refused_while_a_required_checklist_item_has_no_evidence,
);

/// The officer co-signs the stored envelope and posts it as their approval.
async fn approve(server: &TestServer, officer: &Staff, envelope: &[u8]) {
    let mut co_signed = Envelope::parse(envelope).expect("envelope");
    co_signed.co_sign(&officer.key).expect("co-sign");
    let path = format!("/v1/changesets/{}/approvals", hash_of(envelope));
    let (status, answer) = server
        .post(Some(&officer.token), &path, co_signed.to_json())
        .await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");
}

async fn approvals_of(server: &TestServer, token: &str, envelope: &[u8]) -> Value {
    let path = format!("/v1/changesets/{}/approvals", hash_of(envelope));
    let (status, answer) = server.get(Some(token), &path).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    answer
}

async fn pending(server: &TestServer, token: &str) -> Vec<Value> {
    let (status, answer) = server.get(Some(token), "/v1/approvals/pending").await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    answer["pending"].as_array().expect("pending").clone()
}

async fn heads(server: &TestServer) -> Value {
    let (status, answer) = server
        .get(Some(&server.admin.token), "/v1/tenants/heads")
        .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    answer
}

async fn stored(server: &TestServer) -> usize {
    server.pull_all(&server.admin.token, 1000).await.len()
}

/// (hash, rule id, needed, have) of each listed requirement.
fn listed(requirements: &Value) -> Vec<(String, String, u64, u64)> {
    requirements
        .as_array()
        .expect("a list of requirements")
        .iter()
        .map(|item| {
            (
                item["hash"].as_str().expect("hash").to_owned(),
                item["rule_id"].as_str().expect("rule_id").to_owned(),
                item["needed"].as_u64().expect("needed"),
                item["have"].as_u64().expect("have"),
            )
        })
        .collect()
}

async fn a_compliance_mode_change_waits_in_the_queue_until_a_compliance_officer_approves(
    server: &mut TestServer,
) {
    let manager = server.staff("Ana Lima", "account_manager").await;
    let officer = server.staff("Chidi Okafor", "compliance_officer").await;
    // A tenant in the standard mode: its creation needs nobody.
    let doc = TenantDocument::with_safe_defaults(
        &ClientName::parse("Corner Bakery").expect("name"),
        Industry::Retail,
        &[],
    )
    .expect("defaults");
    assert_eq!(doc.classification.compliance_mode, ComplianceMode::Standard);
    let created = creation(&manager.key, &doc);
    let (status, answer) = server.push(&manager.token, &created).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let answer = approvals_of(server, &manager.token, &created).await;
    assert_eq!(answer["requirements"], Value::Array(Vec::new()));
    assert_eq!(answer["satisfied"], true);
    assert!(pending(server, &officer.token).await.is_empty());

    // The mode changes: one compliance officer must approve.
    let mut stricter = doc.clone();
    stricter.classification.compliance_mode = ComplianceMode::Gdpr;
    let changed = change(&manager.key, &doc, &stricter, &hash_of(&created));
    let (status, answer) = server.push(&manager.token, &changed).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let hash = hash_of(&changed);
    let answer = approvals_of(server, &manager.token, &changed).await;
    assert_eq!(answer["satisfied"], false, "{answer}");
    assert_eq!(answer["environment"], "draft");
    assert_eq!(answer["author"], manager.key_id.as_str());
    assert_eq!(
        listed(&answer["requirements"]),
        [(hash.clone(), "APR-001".to_owned(), 1, 0)]
    );
    let requirement = &answer["requirements"][0];
    assert_eq!(
        requirement["message"],
        "changes the compliance mode from standard to gdpr"
    );
    assert_eq!(requirement["reviewer_role"], "compliance_officer");
    assert_eq!(requirement["path"], "/classification/compliance_mode");

    // It waits in the review queue, which any approved key may read.
    let queue = pending(server, &manager.token).await;
    assert_eq!(queue.len(), 1, "{queue:?}");
    assert_eq!(queue[0]["hash"], hash.as_str());
    assert_eq!(queue[0]["tenant"], doc.tenant.id.as_str());
    assert_eq!(queue[0]["author"], manager.key_id.as_str());
    assert_eq!(queue[0]["environment"], "draft");
    assert_eq!(queue[0]["approvals"], Value::Array(Vec::new()));
    assert_eq!(queue[0]["requirements"][0]["rule_id"], "APR-001");
    let (status, _) = server.get(None, "/v1/approvals/pending").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    // The officer approves: the requirement is met and the queue is empty.
    approve(server, &officer, &changed).await;
    let answer = approvals_of(server, &officer.token, &changed).await;
    assert_eq!(answer["satisfied"], true, "{answer}");
    assert_eq!(
        listed(&answer["requirements"]),
        [(hash.clone(), "APR-001".to_owned(), 1, 1)]
    );
    assert_eq!(answer["approvals"][0]["approver"], officer.key_id.as_str());
    assert_eq!(answer["approvals"][0]["valid"], true);
    assert!(pending(server, &manager.token).await.is_empty());

    // Revoking the officer's key takes their approval back: it counts only while the
    // key is approved.
    let (status, answer) = server
        .post(
            Some(&server.admin.token),
            &format!("/v1/keys/{}/revoke", officer.key_id),
            Vec::new(),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let answer = approvals_of(server, &manager.token, &changed).await;
    assert_eq!(answer["satisfied"], false, "{answer}");
    assert_eq!(answer["approvals"][0]["valid"], false);
    let queue = pending(server, &manager.token).await;
    assert_eq!(queue.len(), 1);
    assert_eq!(queue[0]["approvals"][0]["valid"], false);
}

async fn production_waits_for_every_approval_and_a_staging_edit_voids_the_promotion(
    server: &mut TestServer,
) {
    let manager = server.staff("Ana Lima", "account_manager").await;
    let officer = server.staff("Chidi Okafor", "compliance_officer").await;
    let doc = hipaa_example();
    let push = |envelope: Vec<u8>| {
        let token = manager.token.clone();
        let server = &*server;
        async move {
            let (status, answer) = server.push(&token, &envelope).await;
            (status, answer, envelope)
        }
    };

    // A HIPAA tenant with PHI in its migration: draft and staging are created, each
    // needing a compliance officer (APR-001 for the mode, APR-002 for each PHI dataset).
    let (status, answer, draft) = push(change_in(
        &manager.key,
        Environment::Draft,
        None,
        &doc,
        None,
    ))
    .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let (status, answer, staged) = push(change_in(
        &manager.key,
        Environment::Staging,
        None,
        &doc,
        Some(&hash_of(&draft)),
    ))
    .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let staging_requirements = approvals_of(server, &manager.token, &staged).await;
    let rules: Vec<String> = listed(&staging_requirements["requirements"])
        .into_iter()
        .map(|(_, rule, _, _)| rule)
        .collect();
    assert!(rules.contains(&"APR-001".to_owned()), "{rules:?}");
    assert!(rules.contains(&"APR-002".to_owned()), "{rules:?}");
    let queue = pending(server, &officer.token).await;
    let queued: Vec<String> = queue
        .iter()
        .map(|entry| entry["hash"].as_str().unwrap_or("").to_owned())
        .collect();
    assert_eq!(queued, [hash_of(&draft), hash_of(&staged)], "oldest first");

    // Production without any approval: refused, listing each unmet requirement (the
    // tenant's, then the promotion's), and nothing is stored.
    let stored_before = stored(server).await;
    let heads_before = heads(server).await;
    let promote = change_in(
        &manager.key,
        Environment::Production,
        None,
        &doc,
        Some(&hash_of(&staged)),
    );
    let (status, answer, _) = push(promote.clone()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
    assert_eq!(answer["code"], "approvals_missing");
    let missing = listed(&answer["missing_approvals"]);
    let last = missing.last().expect("something is missing").clone();
    assert_eq!(
        last,
        (hash_of(&staged), "APR-003".to_owned(), 1, 0),
        "the promotion asks for the staging head's approval"
    );
    assert_eq!(
        answer["missing_approvals"][missing.len() - 1]["required_by"],
        hash_of(&promote).as_str()
    );
    assert!(missing
        .iter()
        .any(|(hash, rule, _, _)| *hash == hash_of(&draft) && rule == "APR-001"));
    assert!(answer["missing_approvals"]
        .as_array()
        .expect("list")
        .iter()
        .all(|item| item["message"].as_str().is_some_and(|m| !m.is_empty())));
    assert_eq!(stored(server).await, stored_before);
    assert_eq!(heads(server).await, heads_before);

    // The draft approved, staging not yet: still refused, now only for staging.
    approve(server, &officer, &draft).await;
    let (status, answer, _) = push(promote.clone()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
    let missing = listed(&answer["missing_approvals"]);
    assert!(
        missing.iter().all(|(hash, ..)| *hash == hash_of(&staged)),
        "{missing:?}"
    );
    assert_eq!(stored(server).await, stored_before);

    // Staging approved: the promotion goes through, and records whose approval it used.
    approve(server, &officer, &staged).await;
    let (status, answer, promoted) = push(promote).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let answer = approvals_of(server, &manager.token, &promoted).await;
    assert_eq!(answer["environment"], "production");
    assert_eq!(
        listed(&answer["requirements"]),
        [(hash_of(&staged), "APR-003".to_owned(), 1, 1)]
    );
    assert_eq!(answer["satisfied"], true);
    assert!(pending(server, &officer.token).await.is_empty());

    // An edit to staging after the review is a new change set: the approval of the old
    // staging head does not carry over to it.
    let mut raised = doc.clone();
    raised.ai.monthly_budget_cents += 10_000;
    let (status, answer, edited) = push(change_in(
        &manager.key,
        Environment::Staging,
        Some(&doc),
        &raised,
        Some(&hash_of(&promoted)),
    ))
    .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let stored_before = stored(server).await;
    let heads_before = heads(server).await;
    let promote_edit = change_in(
        &manager.key,
        Environment::Production,
        Some(&doc),
        &raised,
        Some(&hash_of(&edited)),
    );
    let (status, answer, _) = push(promote_edit.clone()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
    assert_eq!(answer["code"], "approvals_missing");
    // Every requirement that counted the old staging head's approval (the mode, the PHI
    // datasets) and the new promotion's own now wait for the edited head: one approval
    // of it answers them all. The draft's and the first promotion's are untouched.
    let missing = listed(&answer["missing_approvals"]);
    assert!(
        missing
            .iter()
            .all(|(hash, _, needed, have)| *hash == hash_of(&edited) && (*needed, *have) == (1, 0)),
        "{missing:?}"
    );
    let rules: Vec<&str> = missing.iter().map(|(_, rule, ..)| rule.as_str()).collect();
    assert_eq!(
        rules.iter().filter(|rule| **rule == "APR-003").count(),
        1,
        "{rules:?}"
    );
    assert!(
        rules.contains(&"APR-001") && rules.contains(&"APR-002"),
        "{rules:?}"
    );
    // In the queue the edit carries the old head's requirements; the old head is gone.
    let queue = pending(server, &officer.token).await;
    let queued: Vec<&str> = queue
        .iter()
        .map(|entry| entry["hash"].as_str().unwrap_or(""))
        .collect();
    assert!(queued.contains(&hash_of(&edited).as_str()), "{queue:?}");
    assert!(!queued.contains(&hash_of(&staged).as_str()), "{queue:?}");
    let entry = queue
        .iter()
        .find(|entry| entry["hash"] == hash_of(&edited).as_str())
        .expect("the edit waits");
    assert_eq!(
        entry["replaces"]["hash"],
        hash_of(&staged).as_str(),
        "{entry}"
    );
    assert_eq!(entry["replaces"]["approvals"], 1, "{entry}");
    assert_eq!(stored(server).await, stored_before);
    assert_eq!(heads(server).await, heads_before);

    // The production-through-staging check comes first: a production change that is
    // not staging's copy is told so, not asked for approvals.
    let mut other = raised.clone();
    other.ai.monthly_budget_cents += 1;
    let (status, answer, _) = push(change_in(
        &manager.key,
        Environment::Production,
        Some(&doc),
        &other,
        Some(&hash_of(&edited)),
    ))
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
    assert_eq!(answer["code"], "production_without_staging");

    approve(server, &officer, &edited).await;
    let (status, answer, _) = push(promote_edit).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(stored(server).await, stored_before + 1);
}

/// Sent straight over HTTP, as a person bypassing the app would: the staging
/// configuration may not start production while a go-live checklist item has no
/// evidence (VER-002), nor may production be pushed with it; nothing is stored either
/// time. With the evidence back, production can start.
async fn production_cannot_start_with_an_incomplete_go_live_checklist(server: &mut TestServer) {
    let manager = server.staff("Ana Lima", "account_manager").await;
    let officer = server.staff("Chidi Okafor", "compliance_officer").await;
    let doc = hipaa_example();
    let draft = change_in(&manager.key, Environment::Draft, None, &doc, None);
    let (status, answer) = server.push(&manager.token, &draft).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let draft_head = hash_of(&draft);
    let staged = change_in(
        &manager.key,
        Environment::Staging,
        None,
        &doc,
        Some(&draft_head),
    );
    let (status, answer) = server.push(&manager.token, &staged).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    approve(server, &officer, &staged).await;

    // Production started in staging's configuration, but the smoke tests have no evidence.
    let mut started = doc.clone();
    let production = started
        .rollout
        .stages
        .iter_mut()
        .find(|stage| stage.environment == RolloutEnvironment::Production)
        .expect("the example plans production");
    production.status = StageStatus::InProgress;
    started
        .go_live
        .items
        .remove("smoke_tests")
        .expect("the example has smoke tests");
    let stored_before = stored(server).await;
    let heads_before = heads(server).await;
    let start_in_staging = change_in(
        &manager.key,
        Environment::Staging,
        Some(&doc),
        &started,
        Some(&hash_of(&staged)),
    );
    let (status, answer) = server.push(&manager.token, &start_in_staging).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
    assert_eq!(answer["code"], "policy_blocked", "{answer}");
    let findings = answer["findings"].as_array().expect("findings");
    assert!(
        findings
            .iter()
            .any(|finding| finding["rule_id"] == "VER-002"
                && finding["path"] == "/go_live/items/smoke_tests"),
        "{answer}"
    );
    // Pushed to production directly, the same configuration is refused too.
    let straight_to_production = change_in(
        &manager.key,
        Environment::Production,
        None,
        &started,
        Some(&hash_of(&staged)),
    );
    let (status, answer) = server.push(&manager.token, &straight_to_production).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
    assert_eq!(stored(server).await, stored_before);
    assert_eq!(heads(server).await, heads_before);

    // The evidence attached again: production may start in staging.
    let mut complete = started.clone();
    complete.go_live.items.insert(
        "smoke_tests".into(),
        doc.go_live.items["smoke_tests"].clone(),
    );
    let (status, answer) = server
        .push(
            &manager.token,
            &change_in(
                &manager.key,
                Environment::Staging,
                Some(&doc),
                &complete,
                Some(&hash_of(&staged)),
            ),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
}

/// Sent straight over HTTP: staging's configuration, approved, but a checklist item the
/// rules require has no evidence: production is refused (naming the item) and nothing
/// is stored; with the evidence promoted through staging and approved, it goes through.
async fn production_is_refused_while_a_required_checklist_item_has_no_evidence(
    server: &mut TestServer,
) {
    let manager = server.staff("Ana Lima", "account_manager").await;
    let officer = server.staff("Chidi Okafor", "compliance_officer").await;
    let complete = hipaa_example();
    let mut doc = complete.clone();
    doc.go_live
        .items
        .remove("smoke_tests")
        .expect("the example has smoke tests");
    let draft = change_in(&manager.key, Environment::Draft, None, &doc, None);
    let (status, answer) = server.push(&manager.token, &draft).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let staged = change_in(
        &manager.key,
        Environment::Staging,
        None,
        &doc,
        Some(&hash_of(&draft)),
    );
    let (status, answer) = server.push(&manager.token, &staged).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    approve(server, &officer, &draft).await;
    approve(server, &officer, &staged).await;

    let stored_before = stored(server).await;
    let heads_before = heads(server).await;
    let promote = change_in(
        &manager.key,
        Environment::Production,
        None,
        &doc,
        Some(&hash_of(&staged)),
    );
    let (status, answer) = server.push(&manager.token, &promote).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
    assert_eq!(answer["code"], "checklist_incomplete", "{answer}");
    assert_eq!(answer["missing_items"], serde_json::json!(["smoke_tests"]));
    assert_eq!(stored(server).await, stored_before);
    assert_eq!(heads(server).await, heads_before);

    // The evidence recorded, promoted through staging and approved: production goes.
    let evidenced = change_in(
        &manager.key,
        Environment::Staging,
        Some(&doc),
        &complete,
        Some(&hash_of(&staged)),
    );
    let (status, answer) = server.push(&manager.token, &evidenced).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    approve(server, &officer, &evidenced).await;
    let promote = change_in(
        &manager.key,
        Environment::Production,
        None,
        &complete,
        Some(&hash_of(&evidenced)),
    );
    let (status, answer) = server.push(&manager.token, &promote).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
}
