//! Sync against the real `tenantry-server` binary on loopback (the convergence, conflict
//! and kill tests each on a SQLite and on a Postgres server), with real mirrors (one
//! SQLite file, one Postgres database): offline edits converging, conflicts reported
//! and resolved, rejections that do not block the queue, and faults (connections cut,
//! answers lost, slow answers, the server killed mid-push) that lose and duplicate
//! nothing.

mod common;

use std::collections::{BTreeMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{hipaa_example, new_tenant, Client, Fault, Proxy, TestServer};
use tenantry_changeset::SigningKey;
use tenantry_store::testing::TestMirror;
use tenantry_sync::{Phase, Progress, Resolution, Role, Side, SyncError};

fn signer_of(client: &Client) -> impl Fn() -> Result<SigningKey, String> + Send + Sync {
    client.staff.signer()
}

/// Every change set on the server exactly once, and exactly the ones expected.
async fn assert_exactly_once(server: &TestServer, expected: &[String]) {
    let all = server.all().await;
    let hashes: Vec<&String> = all.iter().map(|(_, hash, _)| hash).collect();
    let unique: HashSet<&String> = hashes.iter().copied().collect();
    assert_eq!(unique.len(), hashes.len(), "a change set is stored twice");
    let expected: HashSet<&String> = expected.iter().collect();
    assert_eq!(
        unique, expected,
        "the server holds exactly what was submitted"
    );
}

#[tokio::test]
async fn disjoint_offline_edits_converge_on_a_sqlite_and_a_postgres_mirror_server_on_sqlite() {
    disjoint_offline_edits_converge_on_a_sqlite_and_a_postgres_mirror(TestServer::start().await)
        .await;
}

#[tokio::test]
async fn disjoint_offline_edits_converge_on_a_sqlite_and_a_postgres_mirror_server_on_postgres() {
    disjoint_offline_edits_converge_on_a_sqlite_and_a_postgres_mirror(
        TestServer::start_postgres().await,
    )
    .await;
}

async fn disjoint_offline_edits_converge_on_a_sqlite_and_a_postgres_mirror(server: TestServer) {
    let sqlite = TestMirror::sqlite().await;
    let postgres = TestMirror::postgres().await;
    let alice = Client {
        store: sqlite.store.clone(),
        staff: server.staff("Alice", Role::AccountManager).await,
    };
    let bob = Client {
        store: postgres.store.clone(),
        staff: server.staff("Bob", Role::AccountManager).await,
    };
    let doc = hipaa_example();
    let tenant = doc.tenant.id.clone();
    alice.create(&doc).await;
    let progress: Arc<Mutex<Vec<Progress>>> = Arc::default();
    let seen = Arc::clone(&progress);
    let alice_sync = alice
        .syncer(&server.url())
        .on_progress(move |event| seen.lock().expect("progress").push(event));
    let report = alice_sync
        .sync(&signer_of(&alice))
        .await
        .expect("alice syncs");
    assert_eq!(report.push.sent, 1);
    assert!(progress
        .lock()
        .expect("progress")
        .iter()
        .any(|event| event.phase == Phase::Push && event.done == 1 && event.total == Some(1)));
    let bob_sync = bob.syncer(&server.url());
    bob_sync.sync(&signer_of(&bob)).await.expect("bob syncs");
    assert_eq!(bob.document(&tenant).await, doc);

    // Offline, each edits a different field.
    alice
        .edit(&tenant, |doc| {
            doc.tenant.display_name = "Cedar Valley Health (EU)".into()
        })
        .await;
    bob.edit(&tenant, |doc| doc.ai.monthly_budget_cents = 160_000)
        .await;

    alice_sync
        .push(&signer_of(&alice))
        .await
        .expect("alice pushes");
    // Bob pushes without pulling first: the server answers 409, the client pulls,
    // rebases his change on Alice's and pushes it.
    let pushed = bob_sync.push(&signer_of(&bob)).await.expect("bob pushes");
    assert_eq!(pushed.sent, 1, "{pushed:?}");
    assert_eq!(pushed.rebase.rebased, 1, "{pushed:?}");
    assert!(pushed.rebase.conflicts.is_empty());
    alice_sync
        .sync(&signer_of(&alice))
        .await
        .expect("alice syncs again");

    let (a, b) = (alice.document(&tenant).await, bob.document(&tenant).await);
    assert_eq!(a, b, "both mirrors hold the same document");
    assert_eq!(a.tenant.display_name, "Cedar Valley Health (EU)");
    assert_eq!(a.ai.monthly_budget_cents, 160_000);
    let head = server.head(&tenant).await;
    assert!(head.is_some());
    assert_eq!(alice.store.head(&tenant).await.expect("head"), head);
    assert_eq!(bob.store.head(&tenant).await.expect("head"), head);
    assert_eq!(alice.store.outbox_len().await.expect("outbox"), 0);
    assert_eq!(bob.store.outbox_len().await.expect("outbox"), 0);
    for client in [&alice, &bob] {
        let report = client.store.verify_mirror().await.expect("verify");
        assert!(report.problems.is_empty(), "{:?}", report.problems);
    }
    let status = bob_sync.status().await.expect("status");
    assert!(status.online && status.ready);
    assert_eq!(status.outbox, 0);
    assert!(status.last_sync_at_ms.is_some());
    // Bob's own change (seq 3) reaches him again with his next pull, which skips it.
    assert_eq!(status.pulled_through, 2);
    let again = bob_sync.pull(&signer_of(&bob)).await.expect("pull");
    assert_eq!((again.received, again.ingested), (1, 0));
    assert_eq!(bob_sync.status().await.expect("status").pulled_through, 3);

    sqlite.remove().await;
    postgres.remove().await;
    server.stop().await;
}

#[tokio::test]
async fn the_same_field_edited_on_both_sides_is_a_conflict_resolved_per_field_server_on_sqlite() {
    the_same_field_edited_on_both_sides_is_a_conflict_resolved_per_field(TestServer::start().await)
        .await;
}

#[tokio::test]
async fn the_same_field_edited_on_both_sides_is_a_conflict_resolved_per_field_server_on_postgres() {
    the_same_field_edited_on_both_sides_is_a_conflict_resolved_per_field(
        TestServer::start_postgres().await,
    )
    .await;
}

async fn the_same_field_edited_on_both_sides_is_a_conflict_resolved_per_field(server: TestServer) {
    let sqlite = TestMirror::sqlite().await;
    let postgres = TestMirror::postgres().await;
    let alice = Client {
        store: sqlite.store.clone(),
        staff: server.staff("Alice", Role::AccountManager).await,
    };
    let bob = Client {
        store: postgres.store.clone(),
        staff: server.staff("Bob", Role::AccountManager).await,
    };
    let doc = hipaa_example();
    let tenant = doc.tenant.id.clone();
    alice.create(&doc).await;
    let alice_sync = alice.syncer(&server.url());
    let bob_sync = bob.syncer(&server.url());
    alice_sync.sync(&signer_of(&alice)).await.expect("alice");
    bob_sync.sync(&signer_of(&bob)).await.expect("bob");

    alice
        .edit(&tenant, |doc| doc.ai.monthly_budget_cents = 170_000)
        .await;
    bob.edit(&tenant, |doc| {
        doc.ai.monthly_budget_cents = 180_000;
        doc.tenant.display_name = "Cedar Valley".into();
    })
    .await;
    alice_sync.sync(&signer_of(&alice)).await.expect("alice");
    let report = bob_sync.sync(&signer_of(&bob)).await.expect("bob");
    let conflicts = &report.pull.rebase.conflicts;
    assert_eq!(conflicts.len(), 1, "{report:?}");
    let conflict = &conflicts[0];
    assert_eq!(conflict.tenant, tenant.as_str());
    assert_eq!(conflict.paths(), ["/ai/monthly_budget_cents"]);
    let field = &conflict.fields[0];
    assert_eq!(field.theirs, Some(170_000.into()));
    assert_eq!(field.mine, Some(180_000.into()));
    assert_eq!(field.base, Some(150_000.into()));
    // Until resolved, Bob's mirror shows the server's version and nothing is queued.
    assert_eq!(bob.document(&tenant).await.ai.monthly_budget_cents, 170_000);
    assert_eq!(bob.store.outbox_len().await.expect("outbox"), 0);
    let status = bob_sync.status().await.expect("status");
    assert_eq!(status.conflicts.len(), 1);
    assert_eq!(
        bob_sync.conflicts().await.expect("conflicts"),
        conflicts.clone()
    );

    let missing = bob_sync
        .resolve(&conflict.changeset, &BTreeMap::new(), &signer_of(&bob))
        .await;
    assert!(
        matches!(missing, Err(SyncError::Resolve(_))),
        "every field needs a choice"
    );
    let choices = BTreeMap::from([("/ai/monthly_budget_cents".to_owned(), Side::Mine)]);
    let (resolution, _) = bob_sync
        .resolve(&conflict.changeset, &choices, &signer_of(&bob))
        .await
        .expect("resolve");
    assert!(matches!(resolution, Resolution::Queued { .. }));
    bob_sync
        .sync(&signer_of(&bob))
        .await
        .expect("bob pushes the resolution");
    alice_sync
        .sync(&signer_of(&alice))
        .await
        .expect("alice pulls it");

    let (a, b) = (alice.document(&tenant).await, bob.document(&tenant).await);
    assert_eq!(a, b);
    assert_eq!(a.ai.monthly_budget_cents, 180_000, "mine won the field");
    assert_eq!(
        a.tenant.display_name, "Cedar Valley",
        "the other field came along"
    );
    let head = server.head(&tenant).await;
    assert_eq!(alice.store.head(&tenant).await.expect("head"), head);
    assert_eq!(bob.store.head(&tenant).await.expect("head"), head);
    assert!(bob_sync
        .status()
        .await
        .expect("status")
        .conflicts
        .is_empty());

    sqlite.remove().await;
    postgres.remove().await;
    server.stop().await;
}

#[tokio::test]
async fn a_rejected_change_set_is_returned_with_its_reason_and_does_not_block_the_queue() {
    let server = TestServer::start().await;
    // A team's shared mirror: two colleagues' change sets queued in one outbox.
    let mirror = TestMirror::sqlite().await;
    let leaver = Client {
        store: mirror.store.clone(),
        staff: server.staff("Leaver", Role::AccountManager).await,
    };
    let stayer = Client {
        store: mirror.store.clone(),
        staff: server.staff("Stayer", Role::AccountManager).await,
    };
    let first = new_tenant("Alder Retail");
    let second = new_tenant("Birch Retail");
    let refused = leaver.create(&first).await;
    let accepted = stayer.create(&second).await;
    server.revoke(leaver.staff.key.key_id().as_str()).await;

    let syncer = stayer.syncer(&server.url());
    let report = syncer.push(&signer_of(&stayer)).await.expect("push");
    assert_eq!(report.sent, 1);
    assert_eq!(report.rejected.len(), 1);
    assert_eq!(report.rejected[0].hash, refused);
    assert_eq!(report.rejected[0].code, "signer_not_approved");
    assert!(!report.rejected[0].message.is_empty());
    assert_exactly_once(&server, &[accepted]).await;

    let status = syncer.status().await.expect("status");
    assert_eq!(
        status.outbox, 0,
        "the refused one no longer waits in the queue"
    );
    assert_eq!(status.rejected.len(), 1);
    assert_eq!(
        status.rejected[0].code.as_deref(),
        Some("signer_not_approved")
    );
    assert_eq!(
        mirror
            .store
            .find_tenant(first.tenant.id.as_str())
            .await
            .expect("find"),
        None,
        "the local chain is the server's: the refused creation left it"
    );
    mirror.remove().await;
}

#[tokio::test]
async fn cut_connections_lost_answers_and_slow_answers_lose_and_duplicate_nothing() {
    let server = TestServer::start().await;
    let proxy = Proxy::start(server.address).await;
    let mirror = TestMirror::sqlite().await;
    let client = Client {
        store: mirror.store.clone(),
        staff: server.staff("Alice", Role::AccountManager).await,
    };
    let mut submitted = Vec::new();
    for name in [
        "Alder Retail",
        "Birch Retail",
        "Cedar Retail",
        "Dogwood Retail",
        "Elm Retail",
    ] {
        submitted.push(client.create(&new_tenant(name)).await);
    }
    let mut config = client.config(&proxy.url());
    config.batch_size = 2;
    config.keep_alive = false;
    let syncer = tenantry_sync::Syncer::new(client.store.clone(), config).expect("syncer");
    // First batch: cut mid-request, then the answer lost after the server stored it,
    // then slow; later batches pass.
    proxy.plan(&[
        Fault::CutRequest,
        Fault::LoseAnswer,
        Fault::Delay(Duration::from_millis(300)),
        Fault::Pass,
        Fault::LoseAnswer,
    ]);
    let report = syncer.push(&signer_of(&client)).await.expect("push");
    assert_eq!(report.sent + report.duplicates, 5, "{report:?}");
    assert!(
        report.duplicates >= 1,
        "a lost answer comes back as a duplicate: {report:?}"
    );
    assert_eq!(report.left_queued, 0);
    assert_exactly_once(&server, &submitted).await;
    mirror.remove().await;
}

#[tokio::test]
async fn server_errors_before_and_after_the_server_acted_lose_and_duplicate_nothing() {
    let server = TestServer::start().await;
    let proxy = Proxy::start(server.address).await;
    let mirror = TestMirror::sqlite().await;
    let client = Client {
        store: mirror.store.clone(),
        staff: server.staff("Alice", Role::AccountManager).await,
    };
    let mut submitted = Vec::new();
    for name in ["Fir Retail", "Gum Retail", "Hazel Retail", "Ivy Retail"] {
        submitted.push(client.create(&new_tenant(name)).await);
    }
    let mut config = client.config(&proxy.url());
    config.batch_size = 2;
    config.keep_alive = false;
    let syncer = tenantry_sync::Syncer::new(client.store.clone(), config).expect("syncer");
    // First batch: a 500 from a gateway (the server never saw it), then a 500 in place
    // of the server's "accepted" (it stored the batch); the retry learns "duplicate".
    // Second batch: a 500 after the server acted, then through.
    proxy.plan(&[
        Fault::Error500,
        Fault::Error500AfterServer,
        Fault::Pass,
        Fault::Error500AfterServer,
        Fault::Pass,
    ]);
    let report = syncer.push(&signer_of(&client)).await.expect("push");
    assert_eq!(report.sent + report.duplicates, 4, "{report:?}");
    assert_eq!(
        report.duplicates, 4,
        "both batches were stored behind a 500 and came back as duplicates: {report:?}"
    );
    assert_eq!(report.left_queued, 0);
    assert!(report.rejected.is_empty(), "{report:?}");
    assert_eq!(syncer.status().await.expect("status").outbox, 0);
    assert_exactly_once(&server, &submitted).await;

    // A 500 on each of the client's four tries: the push fails as "unavailable",
    // retryable, and the change set stays queued; the next push sends it.
    let more = client.create(&new_tenant("Juniper Retail")).await;
    proxy.plan(&[Fault::Error500; 4]);
    let error = syncer
        .push(&signer_of(&client))
        .await
        .expect_err("the server keeps failing");
    assert!(
        matches!(error, SyncError::Unavailable { status: 500, .. }),
        "{error:?}"
    );
    assert!(error.is_retryable() && !error.is_offline());
    assert_eq!(syncer.status().await.expect("status").outbox, 1);
    let report = syncer.push(&signer_of(&client)).await.expect("push");
    assert_eq!(report.sent, 1, "{report:?}");
    submitted.push(more);
    assert_exactly_once(&server, &submitted).await;
    mirror.remove().await;
}

#[tokio::test]
async fn the_server_killed_mid_push_and_restarted_loses_and_duplicates_nothing_server_on_sqlite() {
    the_server_killed_mid_push_and_restarted_loses_and_duplicates_nothing(
        TestServer::start().await,
    )
    .await;
}

#[tokio::test]
async fn the_server_killed_mid_push_and_restarted_loses_and_duplicates_nothing_server_on_postgres()
{
    the_server_killed_mid_push_and_restarted_loses_and_duplicates_nothing(
        TestServer::start_postgres().await,
    )
    .await;
}

async fn the_server_killed_mid_push_and_restarted_loses_and_duplicates_nothing(
    mut server: TestServer,
) {
    let proxy = Proxy::start(server.address).await;
    let mirror = TestMirror::sqlite().await;
    let client = Client {
        store: mirror.store.clone(),
        staff: server.staff("Alice", Role::AccountManager).await,
    };
    let mut submitted = Vec::new();
    for index in 0..12 {
        submitted.push(
            client
                .create(&new_tenant(&format!("Retailer {index}")))
                .await,
        );
    }
    let mut config = client.config(&proxy.url());
    config.batch_size = 2;
    config.keep_alive = false;
    config.retry.attempts = 2;
    let syncer = tenantry_sync::Syncer::new(client.store.clone(), config).expect("syncer");
    // Every request is slowed so the kill lands while batches are in flight.
    proxy.plan(&[Fault::Delay(Duration::from_millis(150)); 64]);
    let killer = {
        let connections = Arc::clone(&proxy.connections);
        async move {
            while connections.load(std::sync::atomic::Ordering::SeqCst) < 3 {
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            tokio::time::sleep(Duration::from_millis(160)).await;
        }
    };
    let signer = signer_of(&client);
    let push = syncer.push(&signer);
    tokio::pin!(push);
    let outcome = tokio::select! {
        outcome = &mut push => Some(outcome),
        () = killer => None,
    };
    assert!(
        outcome.is_none(),
        "the push finished before the kill: {outcome:?}"
    );
    server.kill();
    let failed = push.await;
    assert!(
        matches!(&failed, Err(error) if error.is_retryable()),
        "{failed:?}"
    );
    let status = syncer.status().await.expect("status");
    assert!(!status.online);
    assert!(status.outbox > 0);
    assert!(status.last_error.is_some());
    let waiting = mirror.store.outbox().await.expect("outbox");
    assert!(waiting
        .iter()
        .any(|entry| entry.attempts > 0 && entry.last_error.is_some()));

    server.restart();
    proxy.point_at(server.address);
    let report = syncer.push(&signer).await.expect("push after the restart");
    assert_eq!(report.left_queued, 0, "{report:?}");
    assert_exactly_once(&server, &submitted).await;
    assert!(syncer.status().await.expect("status").online);
    mirror.remove().await;
    server.stop().await;
}

#[tokio::test]
async fn an_interrupted_pull_resumes_where_it_stopped() {
    let server = TestServer::start().await;
    let author_mirror = TestMirror::sqlite().await;
    let author = Client {
        store: author_mirror.store.clone(),
        staff: server.staff("Alice", Role::AccountManager).await,
    };
    let mut submitted = Vec::new();
    for name in [
        "Alder Retail",
        "Birch Retail",
        "Cedar Retail",
        "Dogwood Retail",
        "Elm Retail",
    ] {
        submitted.push(author.create(&new_tenant(name)).await);
    }
    author
        .syncer(&server.url())
        .push(&signer_of(&author))
        .await
        .expect("push");

    let proxy = Proxy::start(server.address).await;
    let reader_mirror = TestMirror::postgres().await;
    let reader = Client {
        store: reader_mirror.store.clone(),
        staff: server.staff("Bob", Role::AccountManager).await,
    };
    let mut config = reader.config(&proxy.url());
    config.page_size = 2;
    config.keep_alive = false;
    config.retry.attempts = 1;
    let syncer = tenantry_sync::Syncer::new(reader.store.clone(), config).expect("syncer");
    // Connection 0: the keys; 1: the first page; 2: the second page, cut.
    proxy.plan(&[Fault::Pass, Fault::Pass, Fault::CutRequest]);
    let interrupted = syncer.pull(&signer_of(&reader)).await;
    assert!(
        matches!(interrupted, Err(SyncError::Unreachable { .. })),
        "{interrupted:?}"
    );
    let state = reader
        .store
        .sync_state(syncer.server_url())
        .await
        .expect("state");
    assert_eq!(
        state.pulled_through, 2,
        "the first page is stored and counted"
    );
    assert_eq!(reader.store.tenant_ids().await.expect("tenants").len(), 2);

    let report = syncer.pull(&signer_of(&reader)).await.expect("pull again");
    assert_eq!(report.received, 3, "only what was missing: {report:?}");
    let tenants = reader.store.tenant_ids().await.expect("tenants");
    assert_eq!(tenants.len(), 5);
    let mut held = Vec::new();
    for tenant in &tenants {
        held.extend(reader.store.history(tenant).await.expect("history"));
    }
    let mut hashes: Vec<String> = held.into_iter().map(|entry| entry.hash).collect();
    hashes.sort();
    submitted.sort();
    assert_eq!(hashes, submitted, "everything exactly once");
    assert_eq!(reader.store.outbox_len().await.expect("outbox"), 0);

    author_mirror.remove().await;
    reader_mirror.remove().await;
}

#[tokio::test]
async fn an_unapproved_key_a_missing_token_and_an_unknown_server_are_told_apart() {
    let server = TestServer::start().await;
    let mirror = TestMirror::sqlite().await;
    let key = SigningKey::generate().expect("key");
    let pending = tenantry_sync::register_key(
        &server.url(),
        &key,
        "Newcomer",
        Role::AccountManager,
        "local",
    )
    .await
    .expect("register");
    let mut config = tenantry_sync::SyncConfig::new(&server.url(), Some(pending.token));
    config.retry.attempts = 1;
    let signer = || -> Result<SigningKey, String> { Err("no key needed".into()) };
    let syncer = tenantry_sync::Syncer::new(mirror.store.clone(), config).expect("syncer");
    let error = syncer.pull(&signer).await.expect_err("not approved");
    assert!(
        matches!(error, SyncError::KeyNotApproved { .. }),
        "{error:?}"
    );
    assert!(error.to_string().contains("admin must approve"));

    let no_token = tenantry_sync::Syncer::new(
        mirror.store.clone(),
        tenantry_sync::SyncConfig::new(&server.url(), None),
    )
    .expect("syncer");
    let error = no_token.push(&signer).await;
    // An empty outbox sends nothing, so a pull shows the missing token.
    assert!(error.is_ok());
    let error = no_token.pull(&signer).await.expect_err("no token");
    assert!(matches!(error, SyncError::MissingToken { .. }), "{error:?}");

    let mut config = tenantry_sync::SyncConfig::new("http://127.0.0.1:9", Some("t".into()));
    config.retry.attempts = 2;
    config.retry.base_delay = Duration::from_millis(10);
    let offline = tenantry_sync::Syncer::new(mirror.store.clone(), config).expect("syncer");
    let error = offline.pull(&signer).await.expect_err("unreachable");
    assert!(error.is_offline(), "{error:?}");
    let status = offline.status().await.expect("status");
    assert!(!status.online);
    assert!(status
        .last_error
        .is_some_and(|error| error.contains("cannot be reached")));
    mirror.remove().await;
}
