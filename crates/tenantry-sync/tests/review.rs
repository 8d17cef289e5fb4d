//! The review queue and approvals through the sync client, against the real
//! `tenantry-server` binary on loopback (on SQLite and on Postgres): an account manager's
//! HIPAA tenant waits for a compliance officer, who sees why, cannot be replaced by its
//! author or by another account manager, and approves it with their own key.

mod common;

use common::{hipaa_example, Client, TestServer};
use tenantry_store::testing::TestMirror;
use tenantry_sync::{FieldNote, Role, SyncError};

#[tokio::test]
async fn an_officer_sees_why_a_change_waits_and_approves_it_server_on_sqlite() {
    an_officer_sees_why_a_change_waits_and_approves_it(TestServer::start().await).await;
}

#[tokio::test]
async fn an_officer_sees_why_a_change_waits_and_approves_it_server_on_postgres() {
    an_officer_sees_why_a_change_waits_and_approves_it(TestServer::start_postgres().await).await;
}

#[tokio::test]
async fn changes_requested_reach_the_author_offline_and_the_answer_replaces_them_server_on_sqlite()
{
    changes_requested_reach_the_author_offline_and_the_answer_replaces_them(
        TestServer::start().await,
    )
    .await;
}

#[tokio::test]
async fn changes_requested_reach_the_author_offline_and_the_answer_replaces_them_server_on_postgres(
) {
    changes_requested_reach_the_author_offline_and_the_answer_replaces_them(
        TestServer::start_postgres().await,
    )
    .await;
}

/// The officer asks for changes on a field; the author's sync keeps the request in the
/// author's mirror (read with the server gone); the author's answer is a new change set,
/// after which the request is gone and the officer approves the answer with a comment.
async fn changes_requested_reach_the_author_offline_and_the_answer_replaces_them(
    server: TestServer,
) {
    let manager_mirror = TestMirror::sqlite().await;
    let officer_mirror = TestMirror::postgres().await;
    let manager = Client {
        store: manager_mirror.store.clone(),
        staff: server.staff("Ana Lima", Role::AccountManager).await,
    };
    let officer = Client {
        store: officer_mirror.store.clone(),
        staff: server.staff("Chidi Okafor", Role::ComplianceOfficer).await,
    };
    let doc = hipaa_example();
    let created = manager.create(&doc).await;
    let manager_syncer = manager.syncer(&server.url());
    manager_syncer
        .push(&manager.staff.signer())
        .await
        .expect("push");
    let officer_syncer = officer.syncer(&server.url());
    let author = manager.staff.key.key_id().to_string();

    // Nothing asked yet: nothing kept.
    assert!(manager_syncer
        .refresh_change_requests(&author)
        .await
        .expect("refresh")
        .is_empty());

    let field = FieldNote {
        path: "/ai/monthly_budget_cents".to_owned(),
        comment: "Above the clinic default: <b>justify</b> or lower it".to_owned(),
    };
    let note = officer_syncer
        .request_changes(&created, "Budget first.", std::slice::from_ref(&field))
        .await
        .expect("request changes");
    assert!(note.asks_for_changes());
    assert_eq!(note.fields, std::slice::from_ref(&field));
    let refused = manager_syncer
        .request_changes(&created, "mine", &[])
        .await
        .expect_err("the author cannot review");
    assert!(
        matches!(&refused, SyncError::Refused { status: 403, .. }),
        "{refused:?}"
    );

    // The author's sync keeps it; the mirror answers with the server gone.
    let kept = manager_syncer
        .refresh_change_requests(&author)
        .await
        .expect("refresh");
    assert_eq!(kept.len(), 1);
    let offline: Vec<_> = manager
        .store
        .change_requests(Some(doc.tenant.id.as_str()))
        .await
        .expect("kept")
        .into_iter()
        .map(|kept| kept.request)
        .collect();
    assert_eq!(offline, kept);
    assert_eq!(offline[0].changeset_hash, created);
    assert_eq!(offline[0].comment, "Budget first.");
    assert_eq!(offline[0].fields[0].comment, field.comment);
    // Someone else's sync keeps none of it.
    assert!(officer_syncer
        .refresh_change_requests(officer.staff.key.key_id().as_str())
        .await
        .expect("refresh")
        .is_empty());

    // The answer: a new change set replaces the one the officer reviewed.
    let answer = manager
        .edit(&doc.tenant.id, |doc| doc.ai.monthly_budget_cents -= 10_000)
        .await;
    manager_syncer
        .push(&manager.staff.signer())
        .await
        .expect("push");
    assert!(manager_syncer
        .refresh_change_requests(&author)
        .await
        .expect("refresh")
        .is_empty());
    assert!(manager
        .store
        .change_requests(None)
        .await
        .expect("kept")
        .is_empty());
    let queue = officer_syncer.review_queue().await.expect("queue");
    assert_eq!(queue.len(), 1, "{queue:?}");
    assert_eq!(queue[0].hash, answer);
    let replaced = queue[0]
        .replaces
        .as_ref()
        .expect("it replaced the reviewed one");
    assert_eq!(replaced.hash, created);
    assert!(replaced.changes_requested);

    officer_syncer
        .pull(&officer.staff.signer())
        .await
        .expect("pull");
    officer_syncer
        .approve(&answer, &officer.staff.key)
        .await
        .expect("approve");
    let comment = officer_syncer
        .comment_approval(&answer, "Within the default now.")
        .await
        .expect("comment");
    assert_eq!(comment.verdict, "approved");
    assert!(officer_syncer
        .review_queue()
        .await
        .expect("queue")
        .is_empty());

    server.stop().await;
    manager_mirror.remove().await;
    officer_mirror.remove().await;
}

async fn an_officer_sees_why_a_change_waits_and_approves_it(server: TestServer) {
    let manager_mirror = TestMirror::sqlite().await;
    let officer_mirror = TestMirror::sqlite().await;
    let manager = Client {
        store: manager_mirror.store.clone(),
        staff: server.staff("Ana Lima", Role::AccountManager).await,
    };
    let officer = Client {
        store: officer_mirror.store.clone(),
        staff: server.staff("Chidi Okafor", Role::ComplianceOfficer).await,
    };
    let colleague = Client {
        store: manager_mirror.store.clone(),
        staff: server.staff("Bea Kim", Role::AccountManager).await,
    };
    let created = manager.create(&hipaa_example()).await;
    let manager_syncer = manager.syncer(&server.url());
    let pushed = manager_syncer
        .push(&manager.staff.signer())
        .await
        .expect("push");
    assert_eq!(pushed.sent, 1);

    // Before the officer pulls, the queue says what waits and why, without a summary.
    let officer_syncer = officer.syncer(&server.url());
    let queue = officer_syncer.review_queue().await.expect("the queue");
    assert_eq!(queue.len(), 1, "{queue:?}");
    let item = &queue[0];
    assert_eq!(item.hash, created);
    assert_eq!(item.author, manager.staff.key.key_id().as_str());
    assert_eq!(item.environment, "draft");
    assert_eq!(item.summary, None, "not pulled yet");
    let rules: Vec<&str> = item
        .requirements
        .iter()
        .map(|r| r.rule_id.as_str())
        .collect();
    assert!(rules.contains(&"APR-001"), "a compliance mode: {rules:?}");
    assert!(
        item.requirements.iter().all(|r| !r.satisfied
            && r.have == 0
            && r.reviewer_role == "compliance_officer"
            && !r.message.is_empty()),
        "{item:?}"
    );
    let not_pulled = officer_syncer
        .approve(&created, &officer.staff.key)
        .await
        .expect_err("the bytes are not in this mirror yet");
    assert!(
        not_pulled.to_string().contains("sync first"),
        "{not_pulled}"
    );

    officer_syncer
        .pull(&officer.staff.signer())
        .await
        .expect("pull");
    let queue = officer_syncer.review_queue().await.expect("the queue");
    assert_eq!(queue[0].summary.as_deref(), Some("Edit the client"));
    assert_eq!(queue[0].client_name.as_deref(), Some("Cedar Valley Health"));
    assert_eq!(queue[0].author_name.as_deref(), Some("Ana Lima"));

    // Neither the author (refused before sending; the server's own refusal of a hand-made
    // self-approval is tested in tenantry-server) nor another account manager can stand
    // in for the officer.
    let own = manager_syncer
        .approve(&created, &manager.staff.key)
        .await
        .expect_err("self-approval");
    assert!(
        matches!(&own, SyncError::SelfApproval { hash } if *hash == created),
        "{own:?}"
    );
    let colleague_syncer = colleague.syncer(&server.url());
    let wrong_role = colleague_syncer
        .approve(&created, &colleague.staff.key)
        .await
        .expect_err("not a reviewer");
    assert!(
        matches!(&wrong_role, SyncError::Refused { status: 403, code, .. } if code == "forbidden_role"),
        "{wrong_role:?}"
    );
    assert_eq!(officer_syncer.review_queue().await.expect("queue").len(), 1);

    let approved = officer_syncer
        .approve(&created, &officer.staff.key)
        .await
        .expect("approve");
    assert_eq!(approved.approver, officer.staff.key.key_id().as_str());
    assert_ne!(approved.duplicate, Some(true));
    let again = officer_syncer
        .approve(&created, &officer.staff.key)
        .await
        .expect("approving twice is safe");
    assert_eq!(again.duplicate, Some(true));
    assert!(
        officer_syncer
            .review_queue()
            .await
            .expect("queue")
            .is_empty(),
        "nothing waits once the officer approved"
    );

    server.stop().await;
    manager_mirror.remove().await;
    officer_mirror.remove().await;
}
