//! The real `tenantry-server` binary, on SQLite and on Postgres: a tenant's stored
//! document is a checkpoint every `CHECKPOINT_EVERY` change sets, and a restarted server
//! (nothing in memory) rebuilds the current document from the checkpoint and the change
//! sets after it, exactly: the next edit carries the old values it replaces and is
//! accepted only on the right document. A checkpoint whose count does not add up is
//! refused as a storage error, and nothing is stored. On Postgres, the tenants' rows
//! (rewritten by every push) keep to their pages.

mod common;

use reqwest::StatusCode;
use serde_json::Value;
use sqlx::{Connection, Row};
use tenantry_core::TenantDocument;
use tenantry_server::documents::CHECKPOINT_EVERY;

use common::{
    change, change_in, creation, environment_rows, hash_of, hipaa_example, new_tenant, Staff,
    TestServer,
};
use tenantry_changeset::changeset::Environment;

on_both_databases!(
    documents_are_checkpoints_replayed_after_a_restart,
    a_checkpoint_that_does_not_add_up_stores_nothing,
    a_batch_counts_each_of_its_change_sets_toward_the_checkpoint,
    each_environment_keeps_its_own_head_and_count,
    a_head_without_its_checkpoint_stores_nothing,
);

/// Pushes a creation and `edits` edits of one tenant, one request each; returns every
/// resulting document and envelope hash, in order.
async fn push_chain(
    server: &TestServer,
    manager: &Staff,
    edits: usize,
) -> (Vec<TenantDocument>, Vec<String>) {
    let mut doc = hipaa_example();
    let first = creation(&manager.key, &doc);
    let (status, answer) = server.push(&manager.token, &first).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let mut documents = vec![doc.clone()];
    let mut hashes = vec![hash_of(&first)];
    for step in 1..=edits {
        let mut next = doc.clone();
        if step % 2 == 1 {
            next.ai.monthly_budget_cents += 100;
        } else {
            next.tenant.display_name = format!("Sunrise Health rev {step}");
        }
        let parent = hashes.last().expect("a head").clone();
        let envelope = change(&manager.key, &doc, &next, &parent);
        let (status, answer) = server.push(&manager.token, &envelope).await;
        assert_eq!(status, StatusCode::OK, "edit {step}: {answer}");
        assert_eq!(answer["status"], "accepted", "edit {step}: {answer}");
        hashes.push(hash_of(&envelope));
        documents.push(next.clone());
        doc = next;
    }
    (documents, hashes)
}

/// The draft row of the one tenant: (head_hash, document_head, behind, document).
async fn draft_row(server: &TestServer) -> (String, String, i64, Value) {
    sqlx::any::install_default_drivers();
    let mut db = sqlx::AnyConnection::connect(&server.database_url)
        .await
        .expect("connect to the server's database");
    let row = sqlx::query(
        "SELECT t.draft_head AS head_hash, d.document_head, t.draft_behind AS behind, d.document \
         FROM tenants t JOIN tenant_documents d ON d.tenant_id = t.id WHERE d.environment = 'draft'",
    )
    .fetch_one(&mut db)
    .await
    .expect("the tenant's draft row");
    let document: String = row.get("document");
    (
        row.get("head_hash"),
        row.get("document_head"),
        row.get("behind"),
        serde_json::from_str(&document).expect("stored JSON"),
    )
}

async fn documents_are_checkpoints_replayed_after_a_restart(server: &mut TestServer) {
    let manager = server.staff("Ana Lima", "account_manager").await;
    let every = usize::try_from(CHECKPOINT_EVERY).expect("small");
    // Two checkpoints after the creation's, then five edits past the last one.
    let edits = 2 * every + 5;
    let (documents, hashes) = push_chain(server, &manager, edits).await;

    let (head, checkpoint, behind, stored) = draft_row(server).await;
    assert_eq!(head, hashes[edits], "the row names the newest change set");
    assert_eq!(behind, 5, "five change sets after the last checkpoint");
    assert_eq!(
        checkpoint,
        hashes[2 * every],
        "the checkpoint is the 32nd edit"
    );
    assert_eq!(
        stored,
        serde_json::to_value(&documents[2 * every]).expect("json"),
        "the stored text is that change set's document"
    );

    // A fresh process knows nothing in memory: the next edit is predicted on the
    // checkpoint plus the five change sets after it. Its operations carry the values
    // they replace, so it applies only to exactly the right document.
    server.restart();
    let last = documents.last().expect("a document").clone();
    let mut next = last.clone();
    next.tenant.display_name = "Sunrise Health after the restart".to_owned();
    let envelope = change(&manager.key, &last, &next, &hashes[edits]);
    let (status, answer) = server.push(&manager.token, &envelope).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["status"], "accepted", "{answer}");
    assert_eq!(answer["seq"], i64::try_from(edits + 2).expect("small"));

    // An edit made on a stale copy (the checkpoint's) is refused: the server's document
    // is the replayed one, not the checkpoint.
    let stale_base = &documents[2 * every];
    let mut stale = stale_base.clone();
    stale.ai.monthly_budget_cents += 1;
    let envelope = change(&manager.key, stale_base, &stale, &hash_of(&envelope));
    let (status, answer) = server.push(&manager.token, &envelope).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
    assert_eq!(answer["code"], "does_not_apply", "{answer}");

    let (head, _, behind, _) = draft_row(server).await;
    assert_eq!(behind, 6);
    assert_eq!(server.pull_all(&manager.token, 100).await.len(), edits + 2);
    assert_ne!(head, hashes[edits], "the head moved with the accepted edit");
}

async fn a_checkpoint_that_does_not_add_up_stores_nothing(server: &mut TestServer) {
    refused_after_breaking(
        server,
        "UPDATE tenants SET draft_behind = draft_behind + 1",
        "3 change sets after the checkpoint, but 4 recorded",
    )
    .await;
}

async fn a_head_without_its_checkpoint_stores_nothing(server: &mut TestServer) {
    refused_after_breaking(
        server,
        "DELETE FROM tenant_documents",
        "draft has a head but no checkpoint",
    )
    .await;
}

/// A tenant with three edits whose stored state `breaking` (SQL) spoils; after a
/// restart (nothing in memory) its next edit is refused as a storage error, the log
/// names what is wrong (`logged`), and nothing is stored.
async fn refused_after_breaking(server: &mut TestServer, breaking: &str, logged: &str) {
    let manager = server.staff("Ana Lima", "account_manager").await;
    let (documents, hashes) = push_chain(server, &manager, 3).await;
    sqlx::any::install_default_drivers();
    let mut db = sqlx::AnyConnection::connect(&server.database_url)
        .await
        .expect("connect to the server's database");
    sqlx::query(breaking)
        .execute(&mut db)
        .await
        .expect("break the stored state");
    server.restart();

    let last = documents.last().expect("a document").clone();
    let mut next = last.clone();
    next.ai.monthly_budget_cents += 1;
    let envelope = change(&manager.key, &last, &next, hashes.last().expect("a head"));
    let (status, answer) = server.push(&manager.token, &envelope).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{answer}");
    assert_eq!(answer["code"], "storage_unavailable", "{answer}");
    assert!(
        server.logged(logged).await,
        "the log names the broken row: {}",
        server.logs()
    );
    assert_eq!(server.pull_all(&manager.token, 100).await.len(), 4);
}

/// The next `count` edits after `documents`/`hashes` (budget bumps), as envelopes.
fn edits_after(
    manager: &Staff,
    documents: &mut Vec<TenantDocument>,
    hashes: &mut Vec<String>,
    count: usize,
) -> Vec<Vec<u8>> {
    let mut envelopes = Vec::new();
    for _ in 0..count {
        let doc = documents.last().expect("a document").clone();
        let mut next = doc.clone();
        next.ai.monthly_budget_cents += 1;
        let envelope = change(&manager.key, &doc, &next, hashes.last().expect("a head"));
        hashes.push(hash_of(&envelope));
        documents.push(next);
        envelopes.push(envelope);
    }
    envelopes
}

async fn push_batch(server: &TestServer, manager: &Staff, envelopes: &[Vec<u8>]) {
    let mut body = b"{\"envelopes\":[".to_vec();
    body.extend_from_slice(&envelopes.join(&b',')[..]);
    body.extend_from_slice(b"]}");
    let (status, answer) = server.push(&manager.token, &body).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let answers = answer["results"]
        .as_array()
        .expect("one answer per envelope");
    assert_eq!(answers.len(), envelopes.len(), "{answer}");
    for one in answers {
        assert_eq!(one["status"], "accepted", "{answer}");
    }
}

async fn a_batch_counts_each_of_its_change_sets_toward_the_checkpoint(server: &mut TestServer) {
    let manager = server.staff("Ana Lima", "account_manager").await;
    let every = usize::try_from(CHECKPOINT_EVERY).expect("small");
    let (mut documents, mut hashes) = push_chain(server, &manager, every - 4).await;
    let (_, creation, behind, _) = draft_row(server).await;
    assert_eq!(creation, hashes[0], "the creation's checkpoint");
    assert_eq!(behind, CHECKPOINT_EVERY - 4);

    // Two in one push: still short of the next checkpoint, the count moves by two.
    let two = edits_after(&manager, &mut documents, &mut hashes, 2);
    push_batch(server, &manager, &two).await;
    let (head, checkpoint, behind, _) = draft_row(server).await;
    assert_eq!(head, hashes[every - 2]);
    assert_eq!(checkpoint, hashes[0], "no new checkpoint yet");
    assert_eq!(behind, CHECKPOINT_EVERY - 2);

    // Three more: the count would pass the bound, so the batch's last document is written.
    let three = edits_after(&manager, &mut documents, &mut hashes, 3);
    push_batch(server, &manager, &three).await;
    let (head, checkpoint, behind, stored) = draft_row(server).await;
    assert_eq!(head, hashes[every + 1]);
    assert_eq!(checkpoint, head, "a checkpoint at the new head");
    assert_eq!(behind, 0);
    assert_eq!(
        stored,
        serde_json::to_value(documents.last().expect("a document")).expect("json")
    );

    // And a fresh process replays nothing wrong: the next edit applies.
    server.restart();
    let one = edits_after(&manager, &mut documents, &mut hashes, 1);
    push_batch(server, &manager, &one).await;
    assert_eq!(draft_row(server).await.2, 1);
}

async fn each_environment_keeps_its_own_head_and_count(server: &mut TestServer) {
    let manager = server.staff("Ana Lima", "account_manager").await;
    let draft = new_tenant("Harbour Retail");
    let created = creation(&manager.key, &draft);
    let staged = change_in(
        &manager.key,
        Environment::Staging,
        None,
        &draft,
        Some(&hash_of(&created)),
    );
    push_batch(server, &manager, &[created.clone(), staged.clone()]).await;

    // One batch moves both environments: two draft renames around one staging edit.
    let mut renamed = draft.clone();
    renamed.tenant.display_name = "Harbour Retail Group".to_owned();
    let rename = change(&manager.key, &draft, &renamed, &hash_of(&staged));
    let mut staging = draft.clone();
    staging.ai.monthly_budget_cents += 500;
    let budget = change_in(
        &manager.key,
        Environment::Staging,
        Some(&draft),
        &staging,
        Some(&hash_of(&rename)),
    );
    let mut again = renamed.clone();
    again.tenant.display_name = "Harbour Retail Holdings".to_owned();
    let rename_again = change(&manager.key, &renamed, &again, &hash_of(&budget));
    push_batch(
        server,
        &manager,
        &[rename.clone(), budget.clone(), rename_again.clone()],
    )
    .await;

    assert_eq!(
        environment_rows(&server.database_url).await,
        vec![
            (
                "draft".to_owned(),
                hash_of(&rename_again),
                2,
                hash_of(&created)
            ),
            ("staging".to_owned(), hash_of(&budget), 1, hash_of(&staged)),
        ],
        "each environment's head and count moved by its own change sets only"
    );

    // A fresh process rebuilds each environment from its own checkpoint: a staging edit
    // made on the draft's document is refused, one made on staging's is taken.
    server.restart();
    let mut wrong = again.clone();
    wrong.tenant.display_name = "Harbour Retail Staged".to_owned();
    let mixed = change_in(
        &manager.key,
        Environment::Staging,
        Some(&again),
        &wrong,
        Some(&hash_of(&rename_again)),
    );
    let (status, answer) = server.push(&manager.token, &mixed).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
    assert_eq!(answer["code"], "does_not_apply", "{answer}");
    let mut right = staging.clone();
    right.tenant.display_name = "Harbour Retail Staged".to_owned();
    let staged_rename = change_in(
        &manager.key,
        Environment::Staging,
        Some(&staging),
        &right,
        Some(&hash_of(&rename_again)),
    );
    push_batch(server, &manager, std::slice::from_ref(&staged_rename)).await;
    assert_eq!(
        environment_rows(&server.database_url).await,
        vec![
            (
                "draft".to_owned(),
                hash_of(&rename_again),
                2,
                hash_of(&created)
            ),
            (
                "staging".to_owned(),
                hash_of(&staged_rename),
                2,
                hash_of(&staged)
            ),
        ]
    );
}

/// Postgres only (SQLite has no page fill factor): every push rewrites the row of each
/// tenant it touches, so the tenants' table must not grow with the number of pushes. On
/// full pages each new version of a row went to another page (and into every index),
/// and the table grew by its own size every few pushes; on half-filled pages the new
/// version stays next to the old one, which is reclaimed in place.
#[tokio::test]
async fn tenants_rows_are_rewritten_in_place_on_postgres() {
    let server = TestServer::postgres().await;
    let manager = server.staff("Ana Lima", "account_manager").await;
    let mut documents: Vec<TenantDocument> = (0..60)
        .map(|index| new_tenant(&format!("Harbour Client {index:02}")))
        .collect();
    let created: Vec<Vec<u8>> = documents
        .iter()
        .map(|doc| creation(&manager.key, doc))
        .collect();
    let mut heads: Vec<String> = created.iter().map(|envelope| hash_of(envelope)).collect();
    push_batch(&server, &manager, &created).await;
    let pages = || async {
        let mut db = sqlx::PgConnection::connect(&server.database_url)
            .await
            .expect("connect to the server's database");
        let pages: i64 = sqlx::query(
            "SELECT (pg_relation_size('tenants') / current_setting('block_size')::bigint)::bigint",
        )
        .fetch_one(&mut db)
        .await
        .expect("the table's size")
        .get(0);
        db.close().await.ok();
        pages
    };
    let first = pages().await;

    for round in 1..=12 {
        let mut edits = Vec::new();
        for (doc, head) in documents.iter_mut().zip(heads.iter_mut()) {
            let mut next = doc.clone();
            next.ai.monthly_budget_cents += round;
            let envelope = change(&manager.key, doc, &next, head);
            *head = hash_of(&envelope);
            *doc = next;
            edits.push(envelope);
        }
        push_batch(&server, &manager, &edits).await;
    }
    let last = pages().await;
    assert!(
        last <= first + 2,
        "60 tenants' rows took {first} pages, and {last} after 12 pushes moved every head"
    );
    server.stop().await;
}
