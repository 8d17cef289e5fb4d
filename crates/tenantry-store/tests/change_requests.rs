//! Reviewers' requests for changes kept for the author, on a real SQLite file and a
//! real Postgres database: replaced as a whole, newest first, by tenant, and text
//! (markup, quotes, non-ASCII) kept exactly.

use tenantry_core::NewDraft;
use tenantry_store::testing::TestMirror;
use tenantry_store::{ChangeRequest, KeptChangeRequest, RequestedField};

tenantry_store::on_both_backends!(each_sync_replaces_the_kept_requests_and_they_read_back_exactly,);

fn request(hash: char, tenant: &str, at: i64, comment: &str) -> ChangeRequest {
    ChangeRequest {
        changeset_hash: hash.to_string().repeat(64),
        tenant: tenant.to_owned(),
        reviewer: "ed25519:officer".to_owned(),
        comment: comment.to_owned(),
        fields: vec![RequestedField {
            path: "/ai/monthly_budget_cents".to_owned(),
            comment: "1 500 € at most — <b>not</b> more".to_owned(),
        }],
        requested_at_ms: at,
    }
}

fn requests(kept: Vec<KeptChangeRequest>) -> Vec<ChangeRequest> {
    kept.into_iter().map(|kept| kept.request).collect()
}

async fn each_sync_replaces_the_kept_requests_and_they_read_back_exactly(mirror: &TestMirror) {
    let store = &mirror.store;
    assert!(store.change_requests(None).await.expect("read").is_empty());
    // The author has a draft of the first tenant: the request leads there.
    let draft = store
        .create_draft(&NewDraft {
            client_name: "Cedar Valley Health".to_owned(),
            industry: "healthcare".to_owned(),
        })
        .await
        .expect("draft");
    let detail = store.open_draft(&draft.id).await.expect("open");
    let cedar = detail.document.tenant.id.to_string();
    let older = request('a', &cedar, 1_000, "Say why GDPR applies.");
    let newer = request(
        'b',
        "corner-bakery",
        2_000,
        "<script>alert(1)</script> 'quoted'",
    );
    store
        .replace_change_requests(&[older.clone(), newer.clone()])
        .await
        .expect("kept");
    let kept = store.change_requests(None).await.expect("read");
    assert_eq!(kept[1].draft_id.as_deref(), Some(draft.id.as_str()));
    assert_eq!(kept[1].client_name.as_deref(), Some("Cedar Valley Health"));
    assert_eq!(
        (kept[0].draft_id.as_deref(), kept[0].client_name.as_deref()),
        (None, None)
    );
    assert_eq!(requests(kept), [newer.clone(), older.clone()]);
    assert_eq!(
        requests(store.change_requests(Some(&cedar)).await.expect("read")),
        std::slice::from_ref(&older)
    );
    assert!(store
        .change_requests(Some("nobody"))
        .await
        .expect("read")
        .is_empty());

    // The next sync's answer replaces them all: the answered request is gone.
    store
        .replace_change_requests(std::slice::from_ref(&newer))
        .await
        .expect("kept");
    assert_eq!(
        requests(store.change_requests(None).await.expect("read")),
        [newer]
    );
    store.replace_change_requests(&[]).await.expect("kept");
    assert!(store.change_requests(None).await.expect("read").is_empty());
}
