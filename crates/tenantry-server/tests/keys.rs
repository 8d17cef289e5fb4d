//! Keys a client can trust over time, against the real binary on SQLite and Postgres:
//! a revoked key's history stays valid up to `revoked_after_seq` and nothing of it is
//! accepted after, even when a revocation races pushes (refused as `signer_not_approved`); `GET /v1/keys/me` answers for
//! every token the server issued.

mod common;

use common::{batch, creation, hash_of, new_tenant, TestServer};
use reqwest::StatusCode;
use serde_json::Value;
use sqlx::Connection;

on_both_databases!(
    a_revoked_keys_history_is_bounded_by_its_revocation,
    a_revocation_racing_pushes_leaves_no_later_change_set_of_the_key,
    the_database_refuses_a_change_set_signed_after_a_revocation,
    keys_me_answers_every_issued_token_in_its_state,
);

/// The listing's entry for `key_id`.
async fn listed(server: &TestServer, key_id: &str) -> Value {
    let (status, list) = server.get(Some(&server.admin.token), "/v1/keys").await;
    assert_eq!(status, StatusCode::OK, "{list}");
    list["keys"]
        .as_array()
        .expect("keys")
        .iter()
        .find(|key| key["key_id"] == key_id)
        .cloned()
        .unwrap_or_else(|| panic!("{key_id} is not listed: {list}"))
}

async fn revoke(server: &TestServer, key_id: &str) -> Value {
    let (status, answer) = server
        .post(
            Some(&server.admin.token),
            &format!("/v1/keys/{key_id}/revoke"),
            Vec::new(),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["state"], "revoked");
    answer
}

async fn a_revoked_keys_history_is_bounded_by_its_revocation(server: &mut TestServer) {
    let leaver = server.staff("Lee Leaver", "account_manager").await;
    let stayer = server.staff("Sam Stayer", "account_manager").await;
    assert_eq!(
        listed(server, &leaver.key_id).await["revoked_after_seq"],
        Value::Null
    );

    for name in ["Alpha Retail", "Beta Retail"] {
        let (status, answer) = server
            .push(&leaver.token, &creation(&leaver.key, &new_tenant(name)))
            .await;
        assert_eq!(status, StatusCode::OK, "{answer}");
    }
    // Signed now, pushed only after the revocation.
    let late = creation(&leaver.key, &new_tenant("Gamma Retail"));

    let answer = revoke(server, &leaver.key_id).await;
    assert_eq!(answer["revoked_after_seq"], 2, "{answer}");
    let entry = listed(server, &leaver.key_id).await;
    assert_eq!(entry["state"], "revoked");
    assert_eq!(entry["revoked_after_seq"], 2);
    assert_eq!(entry["decided_by"], server.admin.key_id.as_str());
    assert_eq!(
        listed(server, &stayer.key_id).await["revoked_after_seq"],
        Value::Null
    );

    // Nobody can get a change set signed by the revoked key accepted any more.
    let (status, answer) = server.push(&stayer.token, &late).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{answer}");
    assert_eq!(answer["code"], "signer_not_approved");
    let (status, answer) = server.push(&stayer.token, &batch(&[&late])).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["results"][0]["status"], "rejected", "{answer}");
    assert_eq!(answer["results"][0]["code"], "signer_not_approved");

    // Later change sets by others number on; the revoked key's history stays below.
    let (status, answer) = server
        .push(
            &stayer.token,
            &creation(&stayer.key, &new_tenant("Delta Retail")),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["seq"], 3);
    let all = server.pull_all(&stayer.token, 10).await;
    let by_leaver: Vec<i64> = all
        .iter()
        .filter(|item| item["author"] == leaver.key_id.as_str())
        .map(|item| item["seq"].as_i64().expect("seq"))
        .collect();
    assert_eq!(by_leaver, vec![1, 2]);
    assert!(!all
        .iter()
        .any(|item| item["hash"] == hash_of(&late).as_str()));

    // A second revocation changes nothing, its point included.
    let (status, answer) = server
        .post(
            Some(&server.admin.token),
            &format!("/v1/keys/{}/revoke", leaver.key_id),
            Vec::new(),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{answer}");
    assert_eq!(answer["code"], "key_state");
    assert_eq!(listed(server, &leaver.key_id).await["revoked_after_seq"], 2);

    // A key revoked while still pending signed nothing: its point is today's number.
    let never = server.register("Nia Never", "account_manager").await;
    assert_eq!(revoke(server, &never.key_id).await["revoked_after_seq"], 3);
}

/// The author's envelopes for one courier: `ROUNDS` batches of `PER_BATCH` creations.
fn rounds_for(author: &common::Staff, courier: &str) -> Vec<Vec<u8>> {
    const ROUNDS: [&str; 4] = ["North", "South", "East", "West"];
    const PER_BATCH: [&str; 6] = ["One", "Two", "Three", "Four", "Five", "Six"];
    ROUNDS
        .iter()
        .map(|round| {
            let envelopes: Vec<Vec<u8>> = PER_BATCH
                .iter()
                .map(|index| {
                    creation(
                        &author.key,
                        &new_tenant(&format!("{courier} {round} {index} Shop")),
                    )
                })
                .collect();
            let refs: Vec<&[u8]> = envelopes.iter().map(Vec::as_slice).collect();
            batch(&refs)
        })
        .collect()
}

/// Sends `bodies` one after another with `token`.
async fn push_all(
    server: &TestServer,
    token: &str,
    bodies: Vec<Vec<u8>>,
) -> Vec<(StatusCode, Value)> {
    let mut outcomes = Vec::new();
    for body in bodies {
        outcomes.push(server.push(token, &body).await);
    }
    outcomes
}

/// Pushes of change sets signed by one key, from several clients at once, while an
/// admin revokes that key: every change set of the key that was accepted must have a
/// number up to the revocation's.
async fn a_revocation_racing_pushes_leaves_no_later_change_set_of_the_key(server: &mut TestServer) {
    let server = &*server;
    let author = server.staff("Rae Racer", "account_manager").await;
    // Others send the author's envelopes, so that their tokens keep working after the
    // revocation and only the signer check (decided before the push lock) stands in
    // the way.
    let amber = server.staff("Cora Courier", "account_manager").await;
    let birch = server.staff("Cai Courier", "account_manager").await;
    let cedar = server.staff("Cy Courier", "account_manager").await;
    let revoker = async {
        // Once the key has something accepted, revoke it while the rest is in flight.
        loop {
            let (_, page) = server
                .get(Some(&server.admin.token), "/v1/changesets?after=0&limit=1")
                .await;
            if page["changesets"]
                .as_array()
                .is_some_and(|items| !items.is_empty())
            {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
        revoke(server, &author.key_id).await
    };
    let (first, second, third, revoked) = tokio::join!(
        push_all(server, &amber.token, rounds_for(&author, "Amber")),
        push_all(server, &birch.token, rounds_for(&author, "Birch")),
        push_all(server, &cedar.token, rounds_for(&author, "Cedar")),
        revoker,
    );
    let bound = revoked["revoked_after_seq"].as_i64().expect("a number");

    for (status, answer) in first.iter().chain(&second).chain(&third) {
        // Every batch is answered 200, each envelope accepted or refused: the push
        // re-reads the signers' states under the sequence lock, so the database's own
        // guard (a 503) is never what stops a change set signed after the revocation.
        assert_eq!(*status, StatusCode::OK, "{answer}");
    }
    let all = server.pull_all(&server.admin.token, 1000).await;
    let seqs: Vec<i64> = all
        .iter()
        .filter(|item| item["author"] == author.key_id.as_str())
        .map(|item| item["seq"].as_i64().expect("seq"))
        .collect();
    assert!(!seqs.is_empty(), "the key had change sets accepted before");
    assert!(
        seqs.iter().all(|seq| *seq <= bound),
        "accepted after the revocation at {bound}: {seqs:?}"
    );
    // And the server says so to anyone who asks.
    assert_eq!(
        listed(server, &author.key_id).await["revoked_after_seq"],
        bound
    );
}

/// The database's own guard, whatever code writes: a change set row signed by a key
/// revoked before its number is refused; the same row signed by an approved key is not.
async fn the_database_refuses_a_change_set_signed_after_a_revocation(server: &mut TestServer) {
    let leaver = server.staff("Lee Leaver", "account_manager").await;
    let stayer = server.staff("Sam Stayer", "account_manager").await;
    let doc = new_tenant("Epsilon Retail");
    let (status, answer) = server
        .push(&leaver.token, &creation(&leaver.key, &doc))
        .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let tenant = answer["tenant"].as_str().expect("tenant").to_owned();
    assert_eq!(revoke(server, &leaver.key_id).await["revoked_after_seq"], 1);

    sqlx::any::install_default_drivers();
    let mut db = sqlx::AnyConnection::connect(&server.database_url)
        .await
        .expect("connect to the server's database");
    let insert = |author: &str, envelope: Vec<u8>, seq: i64, id: &str| {
        sqlx::query(
            "INSERT INTO changesets (seq, hash, id, tenant_id, parent_hash, environment, author, \
             envelope, received_at_ms) VALUES ($1, $2, $3, $4, NULL, 'draft', $5, $6, 0)",
        )
        .bind(seq)
        .bind(format!("{seq:064x}"))
        .bind(id.to_owned())
        .bind(tenant.clone())
        .bind(author.to_owned())
        .bind(envelope)
    };
    let refused = insert(
        &leaver.key_id,
        creation(&leaver.key, &new_tenant("Zeta Retail")),
        7,
        "forged-late",
    )
    .execute(&mut db)
    .await;
    let error = refused.expect_err("a row signed after the revocation is refused");
    assert!(
        error.to_string().contains("revoked"),
        "the refusal says why: {error}"
    );
    // Up to the point, the key's signatures are history and may be stored.
    insert(
        &leaver.key_id,
        creation(&leaver.key, &new_tenant("Eta Retail")),
        1_000_000,
        "forged-late-2",
    )
    .execute(&mut db)
    .await
    .expect_err("nothing after the point, however far");
    insert(
        &stayer.key_id,
        creation(&stayer.key, &new_tenant("Theta Retail")),
        8,
        "by-an-approved-key",
    )
    .execute(&mut db)
    .await
    .expect("an approved signer's row is not refused");

    // A revocation that does not say up to where is refused too.
    let other = server.staff("Ola Other", "account_manager").await;
    let refused = sqlx::query("UPDATE staff_keys SET state = 'revoked' WHERE key_id = $1")
        .bind(other.key_id.clone())
        .execute(&mut db)
        .await;
    assert!(
        refused.is_err(),
        "a revocation without its point is refused"
    );
    db.close().await.expect("close");
    assert_eq!(listed(server, &other.key_id).await["state"], "approved");
}

async fn keys_me_answers_every_issued_token_in_its_state(server: &mut TestServer) {
    let member = server.register("Mo Member", "compliance_officer").await;
    let (status, me) = server.get(Some(&member.token), "/v1/keys/me").await;
    assert_eq!(status, StatusCode::OK, "{me}");
    assert_eq!(me["key_id"], member.key_id.as_str());
    assert_eq!(me["name"], "Mo Member");
    assert_eq!(me["role"], "compliance_officer");
    assert_eq!(me["state"], "pending");
    assert_eq!(me["revoked_after_seq"], Value::Null);
    // Everything else still refuses a pending key's token.
    let (status, answer) = server.get(Some(&member.token), "/v1/keys").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{answer}");
    assert_eq!(answer["code"], "key_not_approved");

    let (status, _) = server
        .post(
            Some(&server.admin.token),
            &format!("/v1/keys/{}/approve", member.key_id),
            Vec::new(),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, me) = server.get(Some(&member.token), "/v1/keys/me").await;
    assert_eq!(status, StatusCode::OK, "{me}");
    assert_eq!(me["state"], "approved");
    assert_eq!(me["decided_by"], server.admin.key_id.as_str());

    revoke(server, &member.key_id).await;
    let (status, me) = server.get(Some(&member.token), "/v1/keys/me").await;
    assert_eq!(status, StatusCode::OK, "{me}");
    assert_eq!(me["state"], "revoked");
    assert_eq!(me["revoked_after_seq"], 0);
    let (status, answer) = server
        .get(Some(&member.token), "/v1/changesets?after=0")
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{answer}");
    assert_eq!(answer["code"], "key_revoked");

    let (status, me) = server.get(Some(&server.admin.token), "/v1/keys/me").await;
    assert_eq!(status, StatusCode::OK, "{me}");
    assert_eq!(me["role"], "admin");
    assert_eq!(me["state"], "approved");

    // A token the server never issued, and none at all.
    let (status, answer) = server.get(Some(&"0".repeat(64)), "/v1/keys/me").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{answer}");
    assert_eq!(answer["code"], "unauthenticated");
    let (status, answer) = server.get(None, "/v1/keys/me").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{answer}");
    assert_eq!(answer["code"], "unauthenticated");
}
