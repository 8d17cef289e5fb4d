//! What the mirror keeps for syncing, on a real SQLite file and a real Postgres
//! database: the outbox in push order with exact bytes, sent and failed entries,
//! rejections that leave the chain, pulled pages applied once (never queued) with the
//! cursor, our queued change sets held when the server's chain moved past them, and
//! rebased ones put back.

use serde_json::json;
use tenantry_changeset::changeset::{ChangeSet, Environment, CHANGESET_SCHEMA_VERSION};
use tenantry_changeset::{Envelope, Operation, SigningKey};
use tenantry_core::tenant::Regulation;
use tenantry_core::{ClientName, Industry, TenantDocument, Timestamp};
use tenantry_store::testing::TestMirror;
use tenantry_store::Location;
use tenantry_store::{HeldState, PulledChangeSet};

tenantry_store::on_both_backends!(
    the_outbox_lists_exact_bytes_in_push_order_and_sent_entries_leave_it,
    a_retryable_failure_counts_attempts_and_keeps_the_entry,
    a_rejection_leaves_the_chain_and_holds_later_ones_for_rebase,
    a_pulled_page_is_applied_once_never_queued_and_moves_the_cursor,
    a_pull_past_our_queued_change_holds_it_and_the_rebased_one_goes_back,
    a_pull_that_brings_back_our_own_change_confirms_it,
    one_page_of_many_tenants_confirms_holds_and_leaves_each_tenant_on_its_own,
    held_change_sets_can_be_marked_and_dropped,
    the_sync_state_remembers_the_last_sync_and_the_last_error,
);

const SERVER: &str = "http://127.0.0.1:8480";

fn document(name: &str) -> TenantDocument {
    TenantDocument::with_safe_defaults(
        &ClientName::parse(name).expect("name"),
        Industry::Healthcare,
        &[Regulation::Hipaa],
    )
    .expect("defaults")
}

fn signed(
    key: &SigningKey,
    doc: &TenantDocument,
    parent: Option<&str>,
    operations: Vec<Operation>,
) -> Vec<u8> {
    let changeset = ChangeSet {
        schema_version: CHANGESET_SCHEMA_VERSION,
        id: ChangeSet::new_id(),
        organisation: "local".into(),
        tenant: doc.tenant.id.clone(),
        environment: Environment::Draft,
        parent: parent.map(str::to_owned),
        operations,
        summary: "test change".into(),
        justifications: Default::default(),
        author: key.key_id(),
        created_at: Timestamp::now(),
    };
    Envelope::sign(&changeset, key).to_json()
}

/// Every stored change set's hash and server number (in the server's order), read
/// behind the store's back: nothing in the store reads the number yet.
async fn server_numbers(mirror: &TestMirror) -> Vec<(String, Option<i64>)> {
    use sqlx::Connection;
    const SQL: &str = "SELECT hash, server_seq FROM changesets ORDER BY server_seq, hash";
    match mirror.location() {
        Location::SqliteFile(path) => {
            let mut connection =
                sqlx::SqliteConnection::connect(&format!("sqlite://{}", path.display()))
                    .await
                    .expect("connect");
            sqlx::query_as(SQL)
                .fetch_all(&mut connection)
                .await
                .expect("numbers")
        }
        Location::Postgres(url) => {
            let mut connection = sqlx::PgConnection::connect(url).await.expect("connect");
            sqlx::query_as(SQL)
                .fetch_all(&mut connection)
                .await
                .expect("numbers")
        }
    }
}

fn set(path: &str, from: serde_json::Value, to: serde_json::Value) -> Vec<Operation> {
    vec![Operation::Set {
        path: path.into(),
        value: to,
        old: Some(from),
    }]
}

fn hash(envelope: &[u8]) -> String {
    Envelope::parse(envelope)
        .and_then(|envelope| envelope.hash())
        .expect("hash")
        .0
}

async fn trusted_key(mirror: &TestMirror) -> SigningKey {
    let key = SigningKey::generate().expect("key");
    mirror
        .store
        .add_signing_key(&key.public(), "test author")
        .await
        .expect("trust key");
    key
}

async fn record(mirror: &TestMirror, envelope: &[u8]) -> String {
    mirror.store.record(envelope).await.expect("record").hash.0
}

async fn the_outbox_lists_exact_bytes_in_push_order_and_sent_entries_leave_it(mirror: &TestMirror) {
    let key = trusted_key(mirror).await;
    let a = document("Acme Health");
    let b = document("Beta Clinics");
    let a1 = signed(&key, &a, None, vec![ChangeSet::creation(&a)]);
    let a1_hash = record(mirror, &a1).await;
    let b1 = signed(&key, &b, None, vec![ChangeSet::creation(&b)]);
    let b1_hash = record(mirror, &b1).await;
    let a2 = signed(
        &key,
        &a,
        Some(&a1_hash),
        set("/ai/monthly_budget_cents", json!(0), json!(100)),
    );
    let a2_hash = record(mirror, &a2).await;

    let outbox = mirror.store.outbox().await.expect("outbox");
    let order: Vec<&str> = outbox.iter().map(|entry| entry.hash.as_str()).collect();
    assert_eq!(
        order,
        [&a1_hash, &a2_hash, &b1_hash],
        "tenant by tenant, parents first"
    );
    assert_eq!(outbox[0].envelope, a1, "the exact bytes");
    assert_eq!(outbox[0].attempts, 0);

    assert!(mirror.store.mark_sent(&a1_hash, 7).await.expect("sent"));
    assert!(!mirror.store.mark_sent(&a1_hash, 7).await.expect("again"));
    assert_eq!(mirror.store.outbox_len().await.expect("len"), 2);
}

async fn a_retryable_failure_counts_attempts_and_keeps_the_entry(mirror: &TestMirror) {
    let key = trusted_key(mirror).await;
    let a = document("Acme Health");
    let a1 = record(
        mirror,
        &signed(&key, &a, None, vec![ChangeSet::creation(&a)]),
    )
    .await;
    for _ in 0..2 {
        mirror
            .store
            .record_push_failure(&a1, "connection reset", 1_000)
            .await
            .expect("failure");
    }
    let outbox = mirror.store.outbox().await.expect("outbox");
    assert_eq!(outbox.len(), 1);
    assert_eq!(outbox[0].attempts, 2);
    assert_eq!(outbox[0].last_error.as_deref(), Some("connection reset"));
    assert_eq!(outbox[0].next_attempt_at_ms, Some(1_000));
}

async fn a_rejection_leaves_the_chain_and_holds_later_ones_for_rebase(mirror: &TestMirror) {
    let key = trusted_key(mirror).await;
    let a = document("Acme Health");
    let a1 = record(
        mirror,
        &signed(&key, &a, None, vec![ChangeSet::creation(&a)]),
    )
    .await;
    mirror.store.mark_sent(&a1, 1).await.expect("sent");
    let a2 = record(
        mirror,
        &signed(
            &key,
            &a,
            Some(&a1),
            set("/ai/monthly_budget_cents", json!(0), json!(1)),
        ),
    )
    .await;
    let a3 = record(
        mirror,
        &signed(
            &key,
            &a,
            Some(&a2),
            set("/ai/monthly_budget_cents", json!(1), json!(2)),
        ),
    )
    .await;

    let held = mirror
        .store
        .record_rejection(&a2, "policy_blocked", "the budget is too small")
        .await
        .expect("reject");
    assert_eq!(held, std::slice::from_ref(&a3));
    let rejected = mirror.store.rejected().await.expect("rejected");
    assert_eq!(rejected.len(), 1);
    assert_eq!(rejected[0].hash, a2);
    assert_eq!(rejected[0].code.as_deref(), Some("policy_blocked"));
    assert_eq!(
        rejected[0].message.as_deref(),
        Some("the budget is too small")
    );
    let all = mirror.store.held().await.expect("held");
    assert_eq!(
        all.iter()
            .map(|held| (held.hash.as_str(), held.state))
            .collect::<Vec<_>>(),
        [
            (a2.as_str(), HeldState::Rejected),
            (a3.as_str(), HeldState::Rebase)
        ]
    );
    assert_eq!(mirror.store.outbox_len().await.expect("len"), 0);
    assert_eq!(
        mirror.store.head(&a.tenant.id).await.expect("head"),
        Some(a1)
    );
    let current = mirror
        .store
        .document(&a.tenant.id, Environment::Draft)
        .await
        .expect("document")
        .expect("present");
    assert_eq!(current, a, "back to the confirmed version");
    let report = mirror.store.verify_mirror().await.expect("verify");
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    // Rejecting what is not queued does nothing.
    assert!(mirror
        .store
        .record_rejection(&a2, "x", "y")
        .await
        .expect("again")
        .is_empty());
}

async fn a_pulled_page_is_applied_once_never_queued_and_moves_the_cursor(mirror: &TestMirror) {
    let key = trusted_key(mirror).await;
    let a = document("Acme Health");
    let c1 = signed(&key, &a, None, vec![ChangeSet::creation(&a)]);
    let c2 = signed(
        &key,
        &a,
        Some(&hash(&c1)),
        set("/ai/monthly_budget_cents", json!(0), json!(5)),
    );
    let page = vec![
        PulledChangeSet {
            seq: 11,
            envelope: c1.clone(),
        },
        PulledChangeSet {
            seq: 12,
            envelope: c2.clone(),
        },
    ];
    let applied = mirror
        .store
        .apply_pulled(SERVER, &page, 12)
        .await
        .expect("apply");
    assert_eq!(applied.ingest.ingested, 2);
    assert_eq!(
        mirror.store.outbox_len().await.expect("len"),
        0,
        "pulled ones are not ours to push"
    );
    assert_eq!(
        mirror
            .store
            .sync_state(SERVER)
            .await
            .expect("state")
            .pulled_through,
        12
    );
    assert_eq!(
        mirror.store.head(&a.tenant.id).await.expect("head"),
        Some(hash(&c2))
    );
    // Each pulled change set keeps the server's number for it.
    assert_eq!(
        server_numbers(mirror).await,
        vec![(hash(&c1), Some(11)), (hash(&c2), Some(12))]
    );

    let again = mirror
        .store
        .apply_pulled(SERVER, &page, 12)
        .await
        .expect("again");
    assert_eq!(
        (again.ingest.ingested, again.ingest.already_present),
        (0, 2)
    );
    assert_eq!(
        mirror
            .store
            .history(&a.tenant.id)
            .await
            .expect("history")
            .len(),
        2
    );
    // The cursor never moves back.
    mirror
        .store
        .apply_pulled(SERVER, &[], 3)
        .await
        .expect("empty");
    assert_eq!(
        mirror
            .store
            .sync_state(SERVER)
            .await
            .expect("state")
            .pulled_through,
        12
    );

    // A page with an envelope by an unknown key changes nothing.
    let stranger = SigningKey::generate().expect("key");
    let bad = signed(
        &stranger,
        &a,
        Some(&hash(&c2)),
        set("/ai/monthly_budget_cents", json!(5), json!(6)),
    );
    assert!(mirror
        .store
        .apply_pulled(
            SERVER,
            &[PulledChangeSet {
                seq: 13,
                envelope: bad
            }],
            13
        )
        .await
        .is_err());
    assert_eq!(
        mirror
            .store
            .sync_state(SERVER)
            .await
            .expect("state")
            .pulled_through,
        12
    );
}

async fn a_pull_past_our_queued_change_holds_it_and_the_rebased_one_goes_back(mirror: &TestMirror) {
    let key = trusted_key(mirror).await;
    let a = document("Acme Health");
    let c1 = signed(&key, &a, None, vec![ChangeSet::creation(&a)]);
    let c1_hash = hash(&c1);
    mirror
        .store
        .apply_pulled(
            SERVER,
            &[PulledChangeSet {
                seq: 1,
                envelope: c1,
            }],
            1,
        )
        .await
        .expect("pull the creation");
    // Ours, offline: the budget.
    let mine = record(
        mirror,
        &signed(
            &key,
            &a,
            Some(&c1_hash),
            set("/ai/monthly_budget_cents", json!(0), json!(7)),
        ),
    )
    .await;
    // Theirs, accepted by the server first: the display name.
    let theirs_env = signed(
        &key,
        &a,
        Some(&c1_hash),
        set(
            "/tenant/display_name",
            json!(a.tenant.display_name),
            json!("Acme Health (EU)"),
        ),
    );
    let applied = mirror
        .store
        .apply_pulled(
            SERVER,
            &[PulledChangeSet {
                seq: 2,
                envelope: theirs_env.clone(),
            }],
            2,
        )
        .await
        .expect("pull theirs");
    assert_eq!(applied.held, std::slice::from_ref(&mine));
    assert_eq!(mirror.store.outbox_len().await.expect("len"), 0);
    assert_eq!(
        mirror.store.head(&a.tenant.id).await.expect("head"),
        Some(hash(&theirs_env)),
        "the local chain is the server's"
    );
    let held = mirror.store.held().await.expect("held");
    assert_eq!(held.len(), 1);
    assert_eq!(held[0].state, HeldState::Rebase);

    let rebased = signed(
        &key,
        &a,
        Some(&hash(&theirs_env)),
        set("/ai/monthly_budget_cents", json!(0), json!(7)),
    );
    let recorded = mirror
        .store
        .record_rebased(&mine, &rebased)
        .await
        .expect("rebased");
    assert!(mirror.store.held().await.expect("held").is_empty());
    let outbox = mirror.store.outbox().await.expect("outbox");
    assert_eq!(outbox.len(), 1);
    assert_eq!(outbox[0].hash, recorded.hash.0);
    assert_eq!(recorded.document.ai.monthly_budget_cents, 7);
    assert_eq!(recorded.document.tenant.display_name, "Acme Health (EU)");
    let report = mirror.store.verify_mirror().await.expect("verify");
    assert!(report.problems.is_empty(), "{:?}", report.problems);
}

async fn a_pull_that_brings_back_our_own_change_confirms_it(mirror: &TestMirror) {
    let key = trusted_key(mirror).await;
    let a = document("Acme Health");
    let c1 = signed(&key, &a, None, vec![ChangeSet::creation(&a)]);
    record(mirror, &c1).await;
    let applied = mirror
        .store
        .apply_pulled(
            SERVER,
            &[PulledChangeSet {
                seq: 4,
                envelope: c1,
            }],
            4,
        )
        .await
        .expect("pull");
    assert_eq!(applied.confirmed, 1);
    assert!(applied.held.is_empty());
    assert_eq!(applied.ingest.already_present, 1);
    assert_eq!(mirror.store.outbox_len().await.expect("len"), 0);
}

/// A page is worked on for all its tenants at once: each tenant gets its own outcome,
/// and a tenant the page does not mention keeps its queue.
async fn one_page_of_many_tenants_confirms_holds_and_leaves_each_tenant_on_its_own(
    mirror: &TestMirror,
) {
    let key = trusted_key(mirror).await;
    let [a, b, c, d] = ["Acme Health", "Beta Clinics", "Gamma Care", "Delta Labs"].map(document);
    // A: created by the server, edited by us offline while the server took another edit.
    let a1 = signed(&key, &a, None, vec![ChangeSet::creation(&a)]);
    mirror
        .store
        .apply_pulled(
            SERVER,
            &[PulledChangeSet {
                seq: 1,
                envelope: a1.clone(),
            }],
            1,
        )
        .await
        .expect("pull A's creation");
    let mine_a = record(
        mirror,
        &signed(
            &key,
            &a,
            Some(&hash(&a1)),
            set("/ai/monthly_budget_cents", json!(0), json!(7)),
        ),
    )
    .await;
    let theirs_a = signed(
        &key,
        &a,
        Some(&hash(&a1)),
        set(
            "/tenant/display_name",
            json!(a.tenant.display_name),
            json!("Acme Health (EU)"),
        ),
    );
    // B: ours, which the server accepted (the answer was lost).
    let b1 = signed(&key, &b, None, vec![ChangeSet::creation(&b)]);
    let mine_b = record(mirror, &b1).await;
    // C: someone else's new tenant.
    let c1 = signed(&key, &c, None, vec![ChangeSet::creation(&c)]);
    // D: ours, not yet sent; the page says nothing of it.
    let mine_d = record(
        mirror,
        &signed(&key, &d, None, vec![ChangeSet::creation(&d)]),
    )
    .await;

    let page = [theirs_a.clone(), b1, c1.clone()]
        .into_iter()
        .enumerate()
        .map(|(index, envelope)| PulledChangeSet {
            seq: 2 + index as i64,
            envelope,
        })
        .collect::<Vec<_>>();
    let applied = mirror
        .store
        .apply_pulled(SERVER, &page, 4)
        .await
        .expect("pull the page");
    assert_eq!(applied.held, [mine_a], "A's edit waits for a rebase");
    assert_eq!(applied.confirmed, 1, "B's creation is confirmed");
    let outbox = mirror.store.outbox().await.expect("outbox");
    assert_eq!(
        outbox
            .iter()
            .map(|entry| entry.hash.as_str())
            .collect::<Vec<_>>(),
        [mine_d.as_str()],
        "only D's change is still to send"
    );
    let head = |tenant| mirror.store.head(tenant);
    assert_eq!(head(&a.tenant.id).await.expect("A"), Some(hash(&theirs_a)));
    assert_eq!(head(&b.tenant.id).await.expect("B"), Some(mine_b));
    assert_eq!(head(&c.tenant.id).await.expect("C"), Some(hash(&c1)));
    assert_eq!(head(&d.tenant.id).await.expect("D"), Some(mine_d));
    let report = mirror.store.verify_mirror().await.expect("verify");
    assert!(report.problems.is_empty(), "{:?}", report.problems);
}

async fn held_change_sets_can_be_marked_and_dropped(mirror: &TestMirror) {
    let key = trusted_key(mirror).await;
    let a = document("Acme Health");
    let a1 = record(
        mirror,
        &signed(&key, &a, None, vec![ChangeSet::creation(&a)]),
    )
    .await;
    mirror.store.mark_sent(&a1, 1).await.expect("sent");
    let a2 = record(
        mirror,
        &signed(
            &key,
            &a,
            Some(&a1),
            set("/ai/monthly_budget_cents", json!(0), json!(1)),
        ),
    )
    .await;
    let a3 = record(
        mirror,
        &signed(
            &key,
            &a,
            Some(&a2),
            set("/ai/monthly_budget_cents", json!(1), json!(2)),
        ),
    )
    .await;
    mirror
        .store
        .record_rejection(&a2, "signer_not_approved", "revoked")
        .await
        .expect("reject");
    let detail = json!({"fields": [{"path": "/ai/monthly_budget_cents"}]});
    mirror
        .store
        .mark_conflict(&a3, "touches what changed", &detail)
        .await
        .expect("conflict");
    let held = mirror.store.held().await.expect("held");
    assert_eq!(held[1].state, HeldState::Conflict);
    assert_eq!(held[1].detail.as_ref(), Some(&detail));
    // A conflict waits for a decision: it cannot be dismissed like a rejection.
    assert!(!mirror.store.dismiss_rejected(&a3).await.expect("dismiss"));
    mirror
        .store
        .mark_held_rejected(&a3, "cannot_rebase", "no longer applies")
        .await
        .expect("rejected");
    assert_eq!(mirror.store.rejected().await.expect("rejected").len(), 2);
    assert!(mirror.store.drop_held(&a2).await.expect("drop"));
    assert!(!mirror.store.drop_held(&a2).await.expect("again"));
    assert_eq!(mirror.store.held().await.expect("held").len(), 1);
    // The rejection left is dismissed once its author has read it.
    assert!(mirror.store.dismiss_rejected(&a3).await.expect("dismiss"));
    assert!(!mirror.store.dismiss_rejected(&a3).await.expect("again"));
    assert!(mirror.store.held().await.expect("held").is_empty());
}

async fn the_sync_state_remembers_the_last_sync_and_the_last_error(mirror: &TestMirror) {
    let fresh = mirror.store.sync_state(SERVER).await.expect("state");
    assert_eq!(fresh.pulled_through, 0);
    assert_eq!(fresh.last_sync_at_ms, None);
    mirror
        .store
        .record_sync_result(SERVER, None)
        .await
        .expect("ok");
    let synced = mirror.store.sync_state(SERVER).await.expect("state");
    assert!(synced.last_sync_at_ms.is_some());
    mirror
        .store
        .record_sync_result(SERVER, Some("unreachable"))
        .await
        .expect("error");
    let failed = mirror.store.sync_state(SERVER).await.expect("state");
    assert_eq!(failed.last_error.as_deref(), Some("unreachable"));
    assert_eq!(failed.last_sync_at_ms, synced.last_sync_at_ms);
    mirror
        .store
        .record_sync_result(SERVER, None)
        .await
        .expect("ok");
    assert_eq!(
        mirror
            .store
            .sync_state(SERVER)
            .await
            .expect("state")
            .last_error,
        None
    );
    // Another server has its own state.
    assert_eq!(
        mirror
            .store
            .sync_state("http://other.invalid")
            .await
            .expect("state")
            .last_sync_at_ms,
        None
    );
}
