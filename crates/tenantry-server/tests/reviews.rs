//! Reviewers' verdicts with the real `tenantry-server` binary over HTTP, on SQLite and
//! on Postgres: a request for changes returned to the author with field comments, the
//! author's answer replacing the change set (and voiding its approvals), the comment
//! that goes with an approval, and every refusal sent by hand storing nothing.

mod common;

use reqwest::StatusCode;
use serde_json::{json, Value};
use tenantry_changeset::Envelope;
use tenantry_core::tenant::ComplianceMode;
use tenantry_core::{ClientName, Industry, TenantDocument};

use common::{change, creation, hash_of, Staff, TestServer};

on_both_databases!(
    changes_requested_go_back_to_the_author_and_the_answer_replaces_the_change_set,
    an_edit_after_approval_voids_it_and_the_queue_says_so,
);

fn reviews_path(envelope: &[u8]) -> String {
    format!("/v1/changesets/{}/reviews", hash_of(envelope))
}

async fn review(
    server: &TestServer,
    who: &Staff,
    envelope: &[u8],
    body: Value,
) -> (StatusCode, Value) {
    server
        .post(
            Some(&who.token),
            &reviews_path(envelope),
            body.to_string().into_bytes(),
        )
        .await
}

async fn reviews(server: &TestServer, token: &str, envelope: &[u8]) -> Vec<Value> {
    let (status, answer) = server.get(Some(token), &reviews_path(envelope)).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    answer["reviews"].as_array().expect("reviews").clone()
}

async fn approve(server: &TestServer, officer: &Staff, envelope: &[u8]) -> (StatusCode, Value) {
    let mut co_signed = Envelope::parse(envelope).expect("envelope");
    co_signed.co_sign(&officer.key).expect("co-sign");
    let path = format!("/v1/changesets/{}/approvals", hash_of(envelope));
    server
        .post(Some(&officer.token), &path, co_signed.to_json())
        .await
}

async fn pending(server: &TestServer, token: &str) -> Vec<Value> {
    let (status, answer) = server.get(Some(token), "/v1/approvals/pending").await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    answer["pending"].as_array().expect("pending").clone()
}

/// A standard-mode tenant created, then moved to GDPR (APR-001 asks a compliance
/// officer): the created document, the GDPR one and the envelope of the change.
async fn gdpr_change(server: &TestServer, manager: &Staff) -> (TenantDocument, Vec<u8>) {
    let doc = TenantDocument::with_safe_defaults(
        &ClientName::parse("Corner Bakery").expect("name"),
        Industry::Retail,
        &[],
    )
    .expect("defaults");
    let created = creation(&manager.key, &doc);
    let (status, answer) = server.push(&manager.token, &created).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let mut gdpr = doc.clone();
    gdpr.classification.compliance_mode = ComplianceMode::Gdpr;
    let changed = change(&manager.key, &doc, &gdpr, &hash_of(&created));
    let (status, answer) = server.push(&manager.token, &changed).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    (gdpr, changed)
}

async fn changes_requested_go_back_to_the_author_and_the_answer_replaces_the_change_set(
    server: &mut TestServer,
) {
    let manager = server.staff("Ana Lima", "account_manager").await;
    let other_manager = server.staff("Bo Chen", "account_manager").await;
    let officer = server.staff("Chidi Okafor", "compliance_officer").await;
    let (gdpr, changed) = gdpr_change(server, &manager).await;
    let request = json!({
        "verdict": "changes_requested",
        "comment": "  Say why GDPR applies.  ",
        "fields": [{ "path": "/classification/compliance_mode", "comment": "Which EU customers?" }],
    });

    // Refused, each with its reason, and nothing stored.
    let (status, answer) = review(server, &manager, &changed, request.clone()).await;
    assert_eq!(
        (status, answer["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("self_approval")),
        "{answer}"
    );
    let (status, answer) = review(server, &other_manager, &changed, request.clone()).await;
    assert_eq!(
        (status, answer["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("forbidden_role")),
        "{answer}"
    );
    let (status, _) = server
        .post(
            None,
            &reviews_path(&changed),
            request.to_string().into_bytes(),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    for (hostile, says) in [
        (
            json!({ "verdict": "changes_requested", "comment": "   " }),
            "say what to change",
        ),
        (
            json!({ "verdict": "changes_requested", "fields": [{ "path": "ai", "comment": "x" }] }),
            "JSON pointer",
        ),
        (
            json!({ "verdict": "changes_requested", "comment": "x".repeat(4_001) }),
            "longer than",
        ),
        (
            json!({ "verdict": "maybe", "comment": "x" }),
            "not the JSON",
        ),
        (
            json!({ "verdict": "changes_requested", "comment": "x", "sneaky": true }),
            "not the JSON",
        ),
    ] {
        let (status, answer) = review(server, &officer, &changed, hostile).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
        assert!(
            answer["message"].as_str().is_some_and(|m| m.contains(says)),
            "{answer}"
        );
    }
    let (status, answer) = server
        .post(
            Some(&officer.token),
            &format!("/v1/changesets/{}/reviews", "0".repeat(64)),
            request.to_string().into_bytes(),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{answer}");
    assert!(reviews(server, &officer.token, &changed).await.is_empty());

    // The officer asks for changes: stored once, trimmed; the same request again is the
    // same answer; another verdict, or an approval, is refused.
    let (status, stored) = review(server, &officer, &changed, request.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{stored}");
    assert_eq!(stored["comment"], "Say why GDPR applies.");
    assert_eq!(stored["reviewer"], officer.key_id.as_str());
    let (status, again) = review(server, &officer, &changed, request.clone()).await;
    assert_eq!(status, StatusCode::OK, "{again}");
    assert_eq!(again, stored);
    let (status, answer) = review(
        server,
        &officer,
        &changed,
        json!({ "verdict": "changes_requested", "comment": "Other" }),
    )
    .await;
    assert_eq!(
        (status, answer["code"].as_str()),
        (StatusCode::CONFLICT, Some("review_conflict")),
        "{answer}"
    );
    let (status, answer) = approve(server, &officer, &changed).await;
    assert_eq!(
        (status, answer["code"].as_str()),
        (StatusCode::CONFLICT, Some("review_conflict")),
        "{answer}"
    );
    let listed = reviews(server, &manager.token, &changed).await;
    assert_eq!(listed, std::slice::from_ref(&stored));

    // The author reads it in the queue, with the field comment.
    let queue = pending(server, &manager.token).await;
    assert_eq!(queue.len(), 1, "{queue:?}");
    assert_eq!(queue[0]["hash"], hash_of(&changed).as_str());
    assert_eq!(queue[0]["reviews"][0]["verdict"], "changes_requested");
    assert_eq!(
        queue[0]["reviews"][0]["fields"][0]["path"],
        "/classification/compliance_mode"
    );
    assert_eq!(queue[0]["replaces"], Value::Null);

    // The author answers with a new change set: it replaces the old one in the queue and
    // carries its requirement; the old one can no longer be reviewed or approved.
    let mut answered = gdpr.clone();
    answered.tenant.metadata.legal_name = Some("Corner Bakery Ltd (EU customers: IE, PT)".into());
    let resubmitted = change(&manager.key, &gdpr, &answered, &hash_of(&changed));
    let (status, answer) = server.push(&manager.token, &resubmitted).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let queue = pending(server, &officer.token).await;
    assert_eq!(queue.len(), 1, "{queue:?}");
    let entry = &queue[0];
    assert_eq!(entry["hash"], hash_of(&resubmitted).as_str());
    assert_eq!(entry["author"], manager.key_id.as_str());
    assert_eq!(entry["requirements"][0]["rule_id"], "APR-001");
    assert_eq!(
        entry["requirements"][0]["hash"],
        hash_of(&resubmitted).as_str()
    );
    assert_eq!(
        entry["requirements"][0]["required_by"],
        hash_of(&changed).as_str()
    );
    assert_eq!(
        entry["replaces"],
        json!({ "hash": hash_of(&changed), "approvals": 0, "changes_requested": true })
    );
    assert_eq!(entry["reviews"], json!([]));
    let (status, answer) = approve(server, &officer, &changed).await;
    assert_eq!(
        (status, answer["code"].as_str()),
        (StatusCode::CONFLICT, Some("superseded")),
        "{answer}"
    );
    assert_eq!(answer["current"], hash_of(&resubmitted).as_str());
    let (status, answer) = review(
        server,
        &officer,
        &changed,
        json!({ "verdict": "changes_requested", "comment": "x" }),
    )
    .await;
    assert_eq!(
        (status, answer["code"].as_str()),
        (StatusCode::CONFLICT, Some("superseded")),
        "{answer}"
    );

    // A comment with an approval needs the approval first; then the queue is empty.
    let praise = json!({ "verdict": "approved", "comment": "Clear now, thanks." });
    let (status, answer) = review(server, &officer, &resubmitted, praise.clone()).await;
    assert_eq!(
        (status, answer["code"].as_str()),
        (StatusCode::CONFLICT, Some("review_conflict")),
        "{answer}"
    );
    let (status, answer) = approve(server, &officer, &resubmitted).await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");
    let (status, answer) = review(server, &officer, &resubmitted, praise).await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");
    assert!(pending(server, &officer.token).await.is_empty());
    let listed = reviews(server, &manager.token, &resubmitted).await;
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["verdict"], "approved");
    assert_eq!(listed[0]["comment"], "Clear now, thanks.");
    let (status, answer) = review(
        server,
        &officer,
        &resubmitted,
        json!({ "verdict": "changes_requested", "comment": "Wait" }),
    )
    .await;
    assert_eq!(
        (status, answer["code"].as_str()),
        (StatusCode::CONFLICT, Some("review_conflict")),
        "{answer}"
    );
}

async fn an_edit_after_approval_voids_it_and_the_queue_says_so(server: &mut TestServer) {
    let manager = server.staff("Ana Lima", "account_manager").await;
    let officer = server.staff("Chidi Okafor", "compliance_officer").await;
    let (gdpr, changed) = gdpr_change(server, &manager).await;
    let (status, answer) = approve(server, &officer, &changed).await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");
    assert!(pending(server, &officer.token).await.is_empty());

    // Any edit after the review is a new change set: the GDPR requirement waits again,
    // now for the edit, and the queue says whose approval was voided.
    let mut edited = gdpr.clone();
    edited.tenant.metadata.legal_name = Some("Corner Bakery Limited".into());
    let edit = change(&manager.key, &gdpr, &edited, &hash_of(&changed));
    let (status, answer) = server.push(&manager.token, &edit).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let queue = pending(server, &officer.token).await;
    assert_eq!(queue.len(), 1, "{queue:?}");
    assert_eq!(queue[0]["hash"], hash_of(&edit).as_str());
    assert_eq!(queue[0]["requirements"][0]["have"], 0);
    assert_eq!(queue[0]["approvals"], json!([]));
    assert_eq!(
        queue[0]["replaces"],
        json!({ "hash": hash_of(&changed), "approvals": 1, "changes_requested": false })
    );
    let (status, answer) = server
        .get(
            Some(&officer.token),
            &format!("/v1/changesets/{}/approvals", hash_of(&changed)),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(
        answer["satisfied"], false,
        "the old approval no longer counts: {answer}"
    );
    let (status, answer) = approve(server, &officer, &edit).await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");
    assert!(pending(server, &officer.token).await.is_empty());
}
