//! Keys a client can trust over time: history signed by a key that was later revoked
//! verifies on a fresh mirror (SQLite and Postgres), a change set claiming a number
//! past the revocation is refused by the client (from a crafted server answer), and
//! `Syncer::whoami` tells pending, approved, revoked and unknown tokens apart.

mod common;

use std::net::SocketAddr;
use std::sync::Arc;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use common::{hipaa_example, Client, Staff, TestServer};
use serde_json::{json, Value};
use tenantry_changeset::SigningKey;
use tenantry_store::testing::TestMirror;
use tenantry_store::OutboxEntry;
use tenantry_sync::{KeyState, Role, SyncConfig, SyncError, Syncer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

#[tokio::test]
async fn a_fresh_mirror_verifies_history_signed_by_a_key_revoked_later() {
    let server = TestServer::start().await;
    // Each mirror lives as long as its directory (or database) does.
    let (alice_mirror, bob_mirror) = (TestMirror::sqlite().await, TestMirror::sqlite().await);
    let alice = Client {
        store: alice_mirror.store.clone(),
        staff: server.staff("Alice Leaver", Role::AccountManager).await,
    };
    let doc = hipaa_example();
    let tenant = doc.tenant.id.clone();
    alice.create(&doc).await;
    alice
        .edit(&tenant, |doc| {
            doc.tenant.display_name = "Before the revocation".into()
        })
        .await;
    let report = alice
        .syncer(&server.url())
        .sync(&alice.staff.signer())
        .await
        .expect("alice syncs");
    assert_eq!(report.push.sent, 2);

    server.revoke(&alice.staff.key.key_id().to_string()).await;
    let me = alice.syncer(&server.url()).whoami().await.expect("whoami");
    assert_eq!(me.state, KeyState::Revoked);
    assert_eq!(me.revoked_after_seq, Some(2));

    // A colleague carries on on top of the revoked key's history.
    let bob = Client {
        store: bob_mirror.store.clone(),
        staff: server.staff("Bob Stayer", Role::AccountManager).await,
    };
    bob.syncer(&server.url())
        .pull(&bob.staff.signer())
        .await
        .expect("bob pulls history signed by a revoked key");
    bob.edit(&tenant, |doc| {
        doc.tenant.display_name = "After the revocation".into()
    })
    .await;
    let report = bob
        .syncer(&server.url())
        .sync(&bob.staff.signer())
        .await
        .expect("bob syncs");
    assert_eq!(report.push.sent, 1);

    // Mirrors that never saw the key approved verify the whole history.
    let sqlite = TestMirror::sqlite().await;
    let postgres = TestMirror::postgres().await;
    for mirror in [&sqlite, &postgres] {
        let carol = Client {
            store: mirror.store.clone(),
            staff: server.staff("Carol Fresh", Role::ComplianceOfficer).await,
        };
        let pulled = carol
            .syncer(&server.url())
            .pull(&carol.staff.signer())
            .await
            .expect("a fresh mirror pulls everything");
        assert_eq!(pulled.ingested, 3);
        assert_eq!(pulled.pulled_through, 3);
        let report = carol.store.verify_mirror().await.expect("verify");
        assert!(report.problems.is_empty(), "{:?}", report.problems);
        assert_eq!(report.changesets_checked, 3);
        assert_eq!(
            carol.document(&tenant).await.tenant.display_name.as_str(),
            "After the revocation"
        );
        assert_eq!(
            carol.store.head(&tenant).await.expect("head"),
            server.head(&tenant).await
        );
    }
}

/// A loopback HTTP server that answers each GET whose path starts with a given prefix
/// with the given JSON: a server that lies, as a test needs it to.
async fn crafted_server(routes: Vec<(&'static str, Value)>) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = listener.local_addr().expect("address");
    let routes = Arc::new(routes);
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let routes = Arc::clone(&routes);
            tokio::spawn(async move {
                let mut request = Vec::new();
                let mut buffer = [0u8; 1024];
                while !request.windows(4).any(|window| window == b"\r\n\r\n") {
                    match stream.read(&mut buffer).await {
                        Ok(0) | Err(_) => return,
                        Ok(read) => request.extend_from_slice(&buffer[..read]),
                    }
                }
                let head = String::from_utf8_lossy(&request);
                let path = head.split_whitespace().nth(1).unwrap_or("/").to_owned();
                let (status, body) = routes
                    .iter()
                    .find(|(prefix, _)| path.starts_with(prefix))
                    .map_or_else(
                        || {
                            (
                                "404 Not Found",
                                json!({"code": "route_not_found", "message": path}),
                            )
                        },
                        |(_, body)| ("200 OK", body.clone()),
                    );
                let body = body.to_string();
                let answer = format!(
                    "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = stream.write_all(answer.as_bytes()).await;
                let _ = stream.shutdown().await;
            });
        }
    });
    address
}

/// A key's creation and one edit of a tenant, signed, as a server would list them.
async fn signed_history(key: &SigningKey) -> (String, Vec<OutboxEntry>) {
    let mirror = TestMirror::sqlite().await;
    let author = Client {
        store: mirror.store.clone(),
        staff: Staff {
            key: SigningKey::from_bytes(key.to_bytes().as_slice()).expect("the same key"),
            token: String::new(),
        },
    };
    let doc = hipaa_example();
    author.create(&doc).await;
    author
        .edit(&doc.tenant.id, |doc| {
            doc.tenant.display_name = "Signed later".into()
        })
        .await;
    let entries = author.store.outbox().await.expect("outbox");
    assert_eq!(entries.len(), 2);
    (doc.tenant.id.to_string(), entries)
}

fn key_list(key: &SigningKey, revoked_after_seq: i64) -> Value {
    json!({"keys": [{
        "key_id": key.key_id().as_str(),
        "public_key": key.public().to_hex(),
        "name": "Lee Leaver",
        "role": "account_manager",
        "state": "revoked",
        "registered_at_ms": 0,
        "decided_by": null,
        "decided_at_ms": null,
        "revoked_after_seq": revoked_after_seq,
    }]})
}

fn page(tenant: &str, key: &SigningKey, entries: &[OutboxEntry]) -> Value {
    let items: Vec<Value> = entries
        .iter()
        .enumerate()
        .map(|(index, entry)| {
            json!({
                "seq": index + 1,
                "hash": entry.hash,
                "tenant": tenant,
                "author": key.key_id().as_str(),
                "envelope": STANDARD.encode(&entry.envelope),
            })
        })
        .collect();
    json!({"changesets": items, "next_after": entries.len(), "more": false})
}

fn syncer_for(store: &tenantry_store::Store, address: SocketAddr) -> Syncer {
    let mut config = SyncConfig::new(&format!("http://{address}"), Some("a".repeat(64)));
    config.retry.attempts = 1;
    Syncer::new(store.clone(), config).expect("a syncer")
}

#[tokio::test]
async fn a_change_set_numbered_after_its_signers_revocation_is_refused_by_the_client() {
    let key = SigningKey::generate().expect("a key");
    let (tenant, entries) = signed_history(&key).await;

    // The server says the key was revoked after sequence 1, yet serves its second
    // change set as number 2.
    let lying = crafted_server(vec![
        ("/v1/keys", key_list(&key, 1)),
        ("/v1/changesets", page(&tenant, &key, &entries)),
    ])
    .await;
    let mirror = TestMirror::sqlite().await;
    let syncer = syncer_for(&mirror.store, lying);
    let signer = || Err::<SigningKey, String>("nothing to sign".into());
    let error = syncer.pull(&signer).await.expect_err("refused");
    match &error {
        SyncError::SignedAfterRevocation {
            seq,
            hash,
            key_id,
            revoked_after_seq,
            ..
        } => {
            assert_eq!(*seq, 2);
            assert_eq!(hash, &entries[1].hash);
            assert_eq!(key_id, key.key_id().as_str());
            assert_eq!(*revoked_after_seq, 1);
        }
        other => panic!("expected SignedAfterRevocation, got {other:?}"),
    }
    let message = error.to_string();
    assert!(message.contains(key.key_id().as_str()) && message.contains("sequence 2"));
    assert!(message.contains("revoked after sequence 1"), "{message}");
    // Nothing of the page was applied; the cursor did not move; the error is kept.
    let state = mirror
        .store
        .sync_state(syncer.server_url())
        .await
        .expect("state");
    assert_eq!(state.pulled_through, 0);
    assert!(state
        .last_error
        .is_some_and(|error| error.contains("revoked after sequence 1")));
    assert!(mirror
        .store
        .document(
            &tenantry_core::tenant::TenantId::parse(&tenant).expect("id"),
            tenantry_changeset::changeset::Environment::Draft
        )
        .await
        .expect("read")
        .is_none());

    // Up to the point of revocation the same key's change set is history, and applies.
    let honest = crafted_server(vec![
        ("/v1/keys", key_list(&key, 1)),
        ("/v1/changesets", page(&tenant, &key, &entries[..1])),
    ])
    .await;
    let syncer = syncer_for(&mirror.store, honest);
    let pulled = syncer.pull(&signer).await.expect("history applies");
    assert_eq!(pulled.ingested, 1);
    let report = mirror.store.verify_mirror().await.expect("verify");
    assert!(report.problems.is_empty(), "{:?}", report.problems);
}

#[tokio::test]
async fn whoami_tells_pending_approved_revoked_and_unknown_tokens_apart() {
    let server = TestServer::start().await;
    let mirror = TestMirror::sqlite().await;
    let key = SigningKey::generate().expect("a key");
    let registration = tenantry_sync::register_key(
        &server.url(),
        &key,
        "Pat Pending",
        Role::ComplianceOfficer,
        common::ORGANISATION,
    )
    .await
    .expect("register");
    let syncer = Syncer::new(
        mirror.store.clone(),
        SyncConfig::new(&server.url(), Some(registration.token.clone())),
    )
    .expect("a syncer");

    let me = syncer.whoami().await.expect("a pending token is answered");
    assert_eq!(me.key_id, key.key_id().as_str());
    assert_eq!(me.name, "Pat Pending");
    assert_eq!(me.role, Role::ComplianceOfficer);
    assert_eq!(me.state, KeyState::Pending);
    assert_eq!(me.revoked_after_seq, None);
    // The pending key still cannot pull.
    assert!(matches!(
        syncer.learn_keys().await,
        Err(SyncError::KeyNotApproved { .. })
    ));

    server.approve(&registration.key_id).await;
    assert_eq!(
        syncer.whoami().await.expect("approved").state,
        KeyState::Approved
    );
    server.revoke(&registration.key_id).await;
    let me = syncer.whoami().await.expect("a revoked token is answered");
    assert_eq!(me.state, KeyState::Revoked);
    assert_eq!(me.revoked_after_seq, Some(0));

    let stranger = Syncer::new(
        mirror.store.clone(),
        SyncConfig::new(&server.url(), Some("f".repeat(64))),
    )
    .expect("a syncer");
    match stranger.whoami().await {
        Err(SyncError::Unauthenticated { code, .. }) => assert_eq!(code, "unauthenticated"),
        other => panic!("expected unauthenticated, got {other:?}"),
    }
    let nobody =
        Syncer::new(mirror.store.clone(), SyncConfig::new(&server.url(), None)).expect("a syncer");
    assert!(matches!(
        nobody.whoami().await,
        Err(SyncError::MissingToken { .. })
    ));
}
