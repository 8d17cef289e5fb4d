//! The real `tenantry-server` binary over HTTP, on SQLite and on Postgres: keys and
//! roles, pushes (sequence, idempotency, tampering, privilege, conflicts, policy,
//! batches), pulls, limits, the OpenAPI document and metrics, approvals, and a SIGKILL
//! in the middle of pushing.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use reqwest::StatusCode;
use serde_json::Value;
use tenantry_changeset::{Envelope, SigningKey};

use common::{
    batch, change, change_in, creation, creation_for, flip_payload_byte, hash_of, hipaa_example,
    new_tenant, registration, Staff, TestServer, BIN, ORGANISATION,
};

on_both_databases!(
    keys_are_registered_approved_and_revoked,
    accepted_change_sets_get_gap_free_sequence_numbers,
    the_same_envelope_twice_is_stored_once,
    tampered_or_unauthorised_envelopes_store_nothing,
    a_stale_parent_is_a_conflict_naming_the_paths,
    a_policy_blocked_document_is_refused_with_its_rule_ids,
    a_batch_answers_each_envelope_on_its_own,
    a_batch_moves_heads_and_slugs_as_one_push_each_would,
    pulls_page_through_the_exact_bytes_pushed,
    bodies_over_the_cap_are_refused_with_413,
    the_server_describes_itself,
    approvals_are_co_signatures_by_someone_else,
    a_server_killed_mid_push_loses_and_duplicates_nothing,
    two_server_processes_number_concurrent_pushes_without_gaps,
    the_same_batch_pushed_at_once_through_two_processes_is_stored_once,
    each_key_is_rate_limited_on_its_own,
    production_is_reached_only_through_staging,
);

async fn count_stored(server: &TestServer) -> usize {
    server.pull_all(&server.admin.token, 1000).await.len()
}

async fn keys_are_registered_approved_and_revoked(server: &mut TestServer) {
    // Without a token, or with an unknown one: 401, as JSON.
    let (status, answer) = server.get(None, "/v1/keys").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{answer}");
    assert_eq!(answer["code"], "unauthenticated");
    let (status, _) = server.get(Some(&"0".repeat(64)), "/v1/keys").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    let manager = server.register("Ana Lima", "account_manager").await;
    // A pending key's token opens nothing yet.
    let (status, answer) = server.get(Some(&manager.token), "/v1/keys").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{answer}");
    assert_eq!(answer["code"], "key_not_approved");

    // Registering the same key again, or with a bad proof, is refused.
    let (status, answer) = server
        .post(
            None,
            "/v1/keys",
            registration(&manager.key, "Ana", "admin", ORGANISATION),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{answer}");
    assert_eq!(answer["code"], "key_exists");
    let stranger = SigningKey::generate().expect("key");
    let (status, answer) = server
        .post(
            None,
            "/v1/keys",
            registration(&stranger, "Eve", "admin", "another-platform"),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
    assert_eq!(answer["code"], "invalid_signature");
    let (status, answer) = server
        .post(None, "/v1/keys", b"{\"name\":\"x\"}".to_vec())
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
    assert_eq!(answer["code"], "malformed_request");

    // Only an admin approves.
    let officer = server.staff("Chidi Okafor", "compliance_officer").await;
    let (status, answer) = server
        .post(
            Some(&officer.token),
            &format!("/v1/keys/{}/approve", manager.key_id),
            Vec::new(),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{answer}");
    assert_eq!(answer["code"], "forbidden_role");
    let (status, answer) = server
        .post(
            Some(&server.admin.token),
            &format!("/v1/keys/{}/approve", manager.key_id),
            Vec::new(),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["decided_by"], server.admin.key_id.as_str());

    let (status, listed) = server.get(Some(&manager.token), "/v1/keys").await;
    assert_eq!(status, StatusCode::OK, "{listed}");
    let keys = listed["keys"].as_array().expect("keys");
    let role_of = |key_id: &str| {
        keys.iter()
            .find(|key| key["key_id"] == key_id)
            .map(|key| (key["role"].clone(), key["state"].clone()))
    };
    assert_eq!(keys.len(), 3);
    assert_eq!(
        role_of(&server.admin.key_id),
        Some(("admin".into(), "approved".into()))
    );
    assert_eq!(
        role_of(&manager.key_id),
        Some(("account_manager".into(), "approved".into()))
    );

    // Revoked: the token stops working at once, and approving it again is refused.
    let (status, answer) = server
        .post(
            Some(&server.admin.token),
            &format!("/v1/keys/{}/revoke", manager.key_id),
            Vec::new(),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["state"], "revoked");
    let (status, answer) = server.get(Some(&manager.token), "/v1/keys").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(answer["code"], "key_revoked");
    let (status, answer) = server
        .post(
            Some(&server.admin.token),
            &format!("/v1/keys/{}/approve", manager.key_id),
            Vec::new(),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{answer}");
    assert_eq!(answer["code"], "key_state");
    let (status, answer) = server
        .post(
            Some(&server.admin.token),
            &format!("/v1/keys/{}/approve", "ab".repeat(32)),
            Vec::new(),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{answer}");

    // The first admin exists: bootstrapping another is refused.
    let output = std::process::Command::new(BIN)
        .args([
            "bootstrap-admin",
            "--name",
            "Second Admin",
            "--public-key",
            &stranger.public().to_hex(),
            "--database-url",
            &server.database_url,
        ])
        .output()
        .expect("run bootstrap-admin");
    assert!(!output.status.success());
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("admin exists already"),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(!String::from_utf8_lossy(&output.stdout).contains("token"));
}

async fn accepted_change_sets_get_gap_free_sequence_numbers(server: &mut TestServer) {
    let manager = server.staff("Ana Lima", "account_manager").await;
    let first = hipaa_example();
    let created = creation(&manager.key, &first);
    let (status, answer) = server.push(&manager.token, &created).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["status"], "accepted");
    assert_eq!(answer["seq"], 1);
    assert_eq!(answer["duplicate"], false);
    assert_eq!(answer["hash"], hash_of(&created).as_str());
    assert_eq!(answer["tenant"], first.tenant.id.as_str());

    let mut edited = first.clone();
    edited.ai.monthly_budget_cents += 100;
    let edit = change(&manager.key, &first, &edited, &hash_of(&created));
    let (status, answer) = server.push(&manager.token, &edit).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["seq"], 2);

    // Another tenant, pushed by the admin (who may author too).
    let second = new_tenant("Bolt Retail");
    let (status, answer) = server
        .push(&server.admin.token, &creation(&server.admin.key, &second))
        .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["seq"], 3);

    let (status, heads) = server.get(Some(&manager.token), "/v1/tenants/heads").await;
    assert_eq!(status, StatusCode::OK, "{heads}");
    assert_eq!(
        heads["tenants"][first.tenant.id.as_str()]["head"],
        hash_of(&edit).as_str()
    );
    assert_eq!(heads["tenants"][first.tenant.id.as_str()]["seq"], 2);
    assert_eq!(heads["tenants"][second.tenant.id.as_str()]["seq"], 3);

    let seqs: Vec<i64> = server
        .pull_all(&manager.token, 2)
        .await
        .iter()
        .map(|item| item["seq"].as_i64().expect("seq"))
        .collect();
    assert_eq!(seqs, vec![1, 2, 3]);
}

async fn the_same_envelope_twice_is_stored_once(server: &mut TestServer) {
    let manager = server.staff("Ana Lima", "account_manager").await;
    let doc = hipaa_example();
    let created = creation(&manager.key, &doc);
    let (status, first) = server.push(&manager.token, &created).await;
    assert_eq!(status, StatusCode::OK, "{first}");
    let (status, again) = server.push(&manager.token, &created).await;
    assert_eq!(status, StatusCode::OK, "{again}");
    assert_eq!(again["status"], "duplicate");
    assert_eq!(again["duplicate"], true);
    for field in ["hash", "seq", "tenant"] {
        assert_eq!(again[field], first[field], "{field}");
    }
    // A later retry, after the chain moved on, still says duplicate (not conflict).
    let mut edited = doc.clone();
    edited.ai.monthly_budget_cents += 1;
    let (status, answer) = server
        .push(
            &manager.token,
            &change(&manager.key, &doc, &edited, &hash_of(&created)),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let (status, again) = server.push(&manager.token, &created).await;
    assert_eq!(status, StatusCode::OK, "{again}");
    assert_eq!(again["seq"], 1);
    // In one batch too.
    let (status, answer) = server
        .push(&manager.token, &batch(&[&created, &created]))
        .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["duplicates"], 2);
    assert_eq!(count_stored(server).await, 2);
}

async fn tampered_or_unauthorised_envelopes_store_nothing(server: &mut TestServer) {
    let manager = server.staff("Ana Lima", "account_manager").await;
    let doc = hipaa_example();

    // A flipped payload byte: the signature no longer verifies.
    let flipped = flip_payload_byte(&creation(&manager.key, &doc));
    let (status, answer) = server.push(&manager.token, &flipped).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
    assert_eq!(answer["code"], "invalid_signature");

    // Not an envelope at all, or an envelope with an extra field.
    let (status, answer) = server.push(&manager.token, b"{\"payload\":").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
    assert_eq!(answer["code"], "malformed_envelope");

    // Signed by a key the server never registered.
    let stranger = SigningKey::generate().expect("key");
    let (status, answer) = server
        .push(&manager.token, &creation(&stranger, &doc))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{answer}");
    assert_eq!(answer["code"], "unknown_key");

    // Signed by a registered key that is still pending.
    let pending = server.register("Pat Pending", "account_manager").await;
    let (status, answer) = server
        .push(&manager.token, &creation(&pending.key, &doc))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{answer}");
    assert_eq!(answer["code"], "signer_not_approved");

    // For another platform organisation.
    let (status, answer) = server
        .push(
            &manager.token,
            &creation_for(&manager.key, &doc, "another-platform"),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
    assert_eq!(answer["code"], "wrong_organisation");

    // A compliance officer may not author a change.
    let officer = server.staff("Chidi Okafor", "compliance_officer").await;
    let (status, answer) = server
        .push(&officer.token, &creation(&officer.key, &doc))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{answer}");
    assert_eq!(answer["code"], "forbidden_role");
    assert_eq!(answer["role"], "compliance_officer");

    // A revoked author: refused, whoever pushes it; the revoked token opens nothing.
    let leaver = server.staff("Lee Leaver", "account_manager").await;
    let signed_before = creation(&leaver.key, &doc);
    let (status, _) = server
        .post(
            Some(&server.admin.token),
            &format!("/v1/keys/{}/revoke", leaver.key_id),
            Vec::new(),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, answer) = server.push(&manager.token, &signed_before).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{answer}");
    assert_eq!(answer["code"], "signer_not_approved");
    assert_eq!(answer["state"], "revoked");
    let (status, answer) = server.push(&leaver.token, &signed_before).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{answer}");
    assert_eq!(answer["code"], "key_revoked");

    // No token at all.
    let (status, _) = server
        .post(None, "/v1/changesets", creation(&manager.key, &doc))
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    assert_eq!(count_stored(server).await, 0);
    let (_, heads) = server.get(Some(&manager.token), "/v1/tenants/heads").await;
    assert_eq!(heads["tenants"], serde_json::json!({}));
}

async fn a_stale_parent_is_a_conflict_naming_the_paths(server: &mut TestServer) {
    let manager = server.staff("Ana Lima", "account_manager").await;
    let colleague = server.staff("Bo Berg", "account_manager").await;
    let doc = hipaa_example();
    let created = creation(&manager.key, &doc);
    assert_eq!(
        server.push(&manager.token, &created).await.0,
        StatusCode::OK
    );

    let mut theirs = doc.clone();
    theirs.ai.monthly_budget_cents += 500;
    let their_edit = change(&colleague.key, &doc, &theirs, &hash_of(&created));
    assert_eq!(
        server.push(&colleague.token, &their_edit).await.0,
        StatusCode::OK
    );

    // Made offline against the creation: the budget clashes, the name does not.
    let mut mine = doc.clone();
    mine.ai.monthly_budget_cents += 700;
    mine.tenant.display_name = "Acme Health Group".into();
    let my_edit = change(&manager.key, &doc, &mine, &hash_of(&created));
    let (status, answer) = server.push(&manager.token, &my_edit).await;
    assert_eq!(status, StatusCode::CONFLICT, "{answer}");
    assert_eq!(answer["code"], "stale_parent");
    assert_eq!(answer["current_head"], hash_of(&their_edit).as_str());
    assert_eq!(
        answer["conflicting_paths"],
        serde_json::json!(["/ai/monthly_budget_cents"])
    );
    assert_eq!(answer["hash"], hash_of(&my_edit).as_str());

    // Disjoint paths: a conflict still (the parent is stale), with no conflicting path,
    // so a client can rebase it without asking anyone.
    let mut disjoint = doc.clone();
    disjoint.tenant.display_name = "Acme Health Group".into();
    let (status, answer) = server
        .push(
            &manager.token,
            &change(&manager.key, &doc, &disjoint, &hash_of(&created)),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{answer}");
    assert_eq!(answer["conflicting_paths"], serde_json::json!([]));

    // A second creation of the same tenant is a conflict with the whole document.
    let (status, answer) = server
        .push(&colleague.token, &creation(&colleague.key, &doc))
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{answer}");
    assert_eq!(answer["conflicting_paths"], serde_json::json!([""]));
    assert_eq!(count_stored(server).await, 2);
}

async fn a_policy_blocked_document_is_refused_with_its_rule_ids(server: &mut TestServer) {
    let manager = server.staff("Ana Lima", "account_manager").await;
    let mut doc = hipaa_example();
    doc.ai.allowed_models.push("openweights-7b".into());
    let (status, answer) = server
        .push(&manager.token, &creation(&manager.key, &doc))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
    assert_eq!(answer["code"], "policy_blocked");
    let rule_ids: Vec<&str> = answer["rule_ids"]
        .as_array()
        .expect("rule ids")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(rule_ids.contains(&"AI-002"), "{answer}");
    assert!(answer["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .any(|finding| finding["rule_id"] == "AI-002"
            && finding["path"]
                .as_str()
                .is_some_and(|path| path.starts_with("/ai/allowed_models/"))));

    // An edit whose result the policy blocks is refused the same way.
    let clean = hipaa_example();
    let created = creation(&manager.key, &clean);
    assert_eq!(
        server.push(&manager.token, &created).await.0,
        StatusCode::OK
    );
    let (status, answer) = server
        .push(
            &manager.token,
            &change(&manager.key, &clean, &doc, &hash_of(&created)),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
    assert_eq!(answer["code"], "policy_blocked");
    assert_eq!(count_stored(server).await, 1);
}

async fn a_batch_answers_each_envelope_on_its_own(server: &mut TestServer) {
    let manager = server.staff("Ana Lima", "account_manager").await;
    let first = hipaa_example();
    let created = creation(&manager.key, &first);
    let mut edited = first.clone();
    edited.ai.monthly_budget_cents += 1;
    // The edit's parent is the creation in the same batch.
    let edit = change(&manager.key, &first, &edited, &hash_of(&created));
    let bad = flip_payload_byte(&creation(&manager.key, &new_tenant("Bad Bytes")));
    let second = creation(&manager.key, &new_tenant("Bolt Retail"));
    let stale = change(&manager.key, &first, &edited, &hash_of(&created));

    let (status, answer) = server
        .push(
            &manager.token,
            &batch(&[&created, &bad, &edit, &second, &stale]),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let results = answer["results"].as_array().expect("results");
    let statuses: Vec<&str> = results
        .iter()
        .map(|result| result["status"].as_str().expect("status"))
        .collect();
    assert_eq!(
        statuses,
        ["accepted", "rejected", "accepted", "accepted", "conflict"]
    );
    assert_eq!(results[1]["code"], "invalid_signature");
    assert_eq!(results[4]["code"], "stale_parent");
    assert_eq!(results[4]["current_head"], hash_of(&edit).as_str());
    let seqs: Vec<i64> = results
        .iter()
        .filter_map(|result| result["seq"].as_i64())
        .collect();
    assert_eq!(seqs, vec![1, 2, 3]);
    assert_eq!(
        [
            &answer["accepted"],
            &answer["duplicates"],
            &answer["conflicts"],
            &answer["rejected"]
        ],
        [3, 0, 1, 1]
    );
    assert_eq!(count_stored(server).await, 3);

    // A batch over the cap is refused whole.
    server.restart_with(&["--max-batch", "2"]);
    let (status, answer) = server
        .push(&manager.token, &batch(&[&created, &edit, &second]))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
    assert_eq!(answer["code"], "batch_too_large");
}

/// The push writes rows, documents and head moves in bulk before the commit; a new slug
/// at once. Seen from outside, the batch must be what one push per envelope would do.
async fn a_batch_moves_heads_and_slugs_as_one_push_each_would(server: &mut TestServer) {
    let manager = server.staff("Ana Lima", "account_manager").await;
    let first = new_tenant("Zeta Stores");
    let created = creation(&manager.key, &first);
    let mut renamed = first.clone();
    renamed.tenant.slug = tenantry_core::tenant::Slug::parse("zeta-renamed").expect("slug");
    let rename = change(&manager.key, &first, &renamed, &hash_of(&created));
    let mut budget = renamed.clone();
    budget.ai.monthly_budget_cents += 1;
    let edit = change(&manager.key, &renamed, &budget, &hash_of(&rename));
    let mut blocked = budget.clone();
    blocked.ai.allowed_models.push("openweights-7b".into());
    let refused = change(&manager.key, &budget, &blocked, &hash_of(&edit));
    let mut after_refused = blocked.clone();
    after_refused.ai.monthly_budget_cents += 1;
    let orphan = change(&manager.key, &blocked, &after_refused, &hash_of(&refused));
    // The slug the first tenant left is free again; the one it took is not.
    let second = creation(&manager.key, &new_tenant("Zeta Stores"));
    let clash = creation(&manager.key, &new_tenant("Zeta Renamed"));

    let (status, answer) = server
        .push(
            &manager.token,
            &batch(&[
                &created, &rename, &edit, &refused, &orphan, &second, &clash, &edit,
            ]),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let results = answer["results"].as_array().expect("results");
    let statuses: Vec<&str> = results
        .iter()
        .map(|result| result["status"].as_str().expect("status"))
        .collect();
    assert_eq!(
        statuses,
        [
            "accepted",
            "accepted",
            "accepted",
            "rejected",
            "conflict",
            "accepted",
            "rejected",
            "duplicate"
        ],
        "{answer}"
    );
    assert_eq!(results[3]["code"], "policy_blocked");
    assert_eq!(results[4]["current_head"], hash_of(&edit).as_str());
    assert_eq!(results[6]["code"], "slug_taken");
    assert_eq!(results[7]["seq"], 3);

    let (status, heads) = server.get(Some(&manager.token), "/v1/tenants/heads").await;
    assert_eq!(status, StatusCode::OK, "{heads}");
    let head = &heads["tenants"][first.tenant.id.as_str()];
    assert_eq!(head["head"], hash_of(&edit).as_str(), "{heads}");
    assert_eq!(head["seq"], 3, "{heads}");

    // The stored document is the batch's last: the next edit applies on top of it.
    let mut next = budget.clone();
    next.tenant.display_name = "Zeta Stores Group".into();
    let (status, answer) = server
        .push(
            &manager.token,
            &change(&manager.key, &budget, &next, &hash_of(&edit)),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["seq"], 5, "{answer}");
    assert_eq!(count_stored(server).await, 5);
}

async fn pulls_page_through_the_exact_bytes_pushed(server: &mut TestServer) {
    let manager = server.staff("Ana Lima", "account_manager").await;
    let mut pushed: Vec<Vec<u8>> = Vec::new();
    for name in ["Alpha Clinic", "Beta Stores", "Gamma Goods"] {
        let envelope = creation(&manager.key, &new_tenant(name));
        assert_eq!(
            server.push(&manager.token, &envelope).await.0,
            StatusCode::OK
        );
        pushed.push(envelope);
    }
    let rest: Vec<Vec<u8>> = ["Delta Mart", "Epsilon Shop"]
        .iter()
        .map(|name| creation(&manager.key, &new_tenant(name)))
        .collect();
    let (status, answer) = server
        .push(
            &manager.token,
            &batch(&rest.iter().map(Vec::as_slice).collect::<Vec<_>>()),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["accepted"], 2);
    pushed.extend(rest);

    let (status, page) = server
        .get(Some(&manager.token), "/v1/changesets?after=0&limit=2")
        .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(page["next_after"], 2);
    assert_eq!(page["more"], true);
    let (_, page) = server
        .get(Some(&manager.token), "/v1/changesets?after=4&limit=2")
        .await;
    assert_eq!(page["changesets"].as_array().map(Vec::len), Some(1));
    assert_eq!(page["next_after"], 5);
    assert_eq!(page["more"], false);
    let (_, page) = server
        .get(Some(&manager.token), "/v1/changesets?after=5")
        .await;
    assert_eq!(page["changesets"], serde_json::json!([]));
    assert_eq!(page["next_after"], 5);

    let pulled = server.pull_all(&manager.token, 2).await;
    assert_eq!(pulled.len(), pushed.len());
    for (position, (item, sent)) in pulled.iter().zip(&pushed).enumerate() {
        assert_eq!(item["seq"], position as i64 + 1);
        let bytes = STANDARD
            .decode(item["envelope"].as_str().expect("base64"))
            .expect("base64");
        assert_eq!(&bytes, sent, "envelope {position} came back altered");
        assert_eq!(item["hash"], hash_of(sent).as_str());
        assert_eq!(item["author"], manager.key_id.as_str());
        assert!(Envelope::parse(&bytes).is_ok());
    }

    for bad in [
        "/v1/changesets?after=-1",
        "/v1/changesets?limit=0",
        "/v1/changesets?limit=1001",
        "/v1/changesets?after=abc",
        "/v1/changesets?colour=red",
    ] {
        let (status, answer) = server.get(Some(&manager.token), bad).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {answer}");
        assert_eq!(answer["code"], "malformed_request", "{bad}");
    }
}

async fn bodies_over_the_cap_are_refused_with_413(server: &mut TestServer) {
    let manager = server.staff("Ana Lima", "account_manager").await;
    let oversized = vec![b' '; 16 * 1024 * 1024 + 1];
    let (status, answer) = server.push(&manager.token, &oversized).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{answer}");
    assert_eq!(answer["code"], "payload_too_large");

    // The cap is a setting; key registration is capped the same way.
    server.restart_with(&["--max-body-bytes", "1024"]);
    let (status, answer) = server.post(None, "/v1/keys", vec![b' '; 2048]).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{answer}");
    assert_eq!(count_stored(server).await, 0);
}

async fn the_server_describes_itself(server: &mut TestServer) {
    let (status, health) = server.get(None, "/healthz").await;
    assert_eq!((status, &health["status"]), (StatusCode::OK, &"ok".into()));
    let (status, ready) = server.get(None, "/readyz").await;
    assert_eq!(
        (status, &ready["status"]),
        (StatusCode::OK, &"ready".into())
    );

    let (status, document) = server.get(None, "/openapi.json").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        document["openapi"]
            .as_str()
            .is_some_and(|version| version.starts_with("3.1.")),
        "{}",
        document["openapi"]
    );
    let routes = [
        ("/v1/keys", "post"),
        ("/v1/keys", "get"),
        ("/v1/keys/{key_id}/approve", "post"),
        ("/v1/keys/{key_id}/revoke", "post"),
        ("/v1/keys/me", "get"),
        ("/v1/changesets", "post"),
        ("/v1/changesets", "get"),
        ("/v1/changesets/{hash}/approvals", "post"),
        ("/v1/changesets/{hash}/approvals", "get"),
        ("/v1/changesets/{hash}/reviews", "post"),
        ("/v1/changesets/{hash}/reviews", "get"),
        ("/v1/approvals/pending", "get"),
        ("/v1/tenants/heads", "get"),
        ("/v1/catalog", "get"),
        ("/v1/catalog/key", "get"),
        ("/healthz", "get"),
        ("/readyz", "get"),
        ("/metrics", "get"),
        ("/openapi.json", "get"),
    ];
    for (path, method) in routes {
        assert!(
            document["paths"][path][method].is_object(),
            "{method} {path} is not in /openapi.json"
        );
    }
    let listed: usize = document["paths"]
        .as_object()
        .expect("paths")
        .values()
        .map(|item| item.as_object().map_or(0, serde_json::Map::len))
        .sum();
    assert_eq!(listed, routes.len(), "routes and document differ");
    assert!(document["components"]["securitySchemes"]["bearer"].is_object());

    // Unknown routes and methods answer JSON too, and every answer has a request id.
    let response = server
        .http
        .get(server.url("/nowhere"))
        .send()
        .await
        .expect("GET");
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert!(response.headers().get("x-request-id").is_some());
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["code"], "route_not_found");
    let response = server
        .http
        .delete(server.url("/v1/keys"))
        .header("x-request-id", "from-the-client")
        .send()
        .await
        .expect("DELETE");
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(
        response
            .headers()
            .get("x-request-id")
            .and_then(|v| v.to_str().ok()),
        Some("from-the-client")
    );
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["code"], "method_not_allowed");

    // Metrics, after one accepted and one refused push.
    let manager = server.staff("Ana Lima", "account_manager").await;
    let created = creation(&manager.key, &hipaa_example());
    for _ in 0..2 {
        assert_eq!(
            server.push(&manager.token, &created).await.0,
            StatusCode::OK
        );
    }
    let response = server
        .http
        .get(server.url("/metrics"))
        .send()
        .await
        .expect("GET /metrics");
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/plain")));
    let text = response.text().await.expect("text");
    assert!(text.contains(
        "tenantry_server_http_requests_total{route=\"/v1/changesets\",method=\"POST\",status=\"200\"} 2"
    ), "{text}");
    assert!(text.contains("tenantry_server_changesets_total{outcome=\"accepted\",code=\"\"} 1"));
    assert!(text.contains("tenantry_server_changesets_total{outcome=\"duplicate\",code=\"\"} 1"));
    assert!(text.contains("tenantry_server_push_duration_seconds_count 2"));
    assert!(text.contains("status=\"404\""));
    for line in text.lines().filter(|line| !line.starts_with('#')) {
        let (name, value) = line.rsplit_once(' ').expect("name and value");
        assert!(name.starts_with("tenantry_server_"), "{line}");
        assert!(value.parse::<f64>().is_ok(), "{line}");
    }

    // The logs are JSON lines carrying the request id.
    assert!(server.logged("\"duplicates\":1").await, "{}", server.logs());
    let logs = server.logs();
    let events: Vec<Value> = logs
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .collect();
    assert!(events
        .iter()
        .any(|event| event["span"]["request_id"] == "from-the-client"));
    // Each push says what it did in one line: the first took the next sequence number,
    // the second was the same envelope again.
    let pushes: Vec<&Value> = events
        .iter()
        .filter(|event| event["fields"]["message"] == "change sets pushed")
        .collect();
    assert_eq!(pushes.len(), 2, "{logs}");
    let seq = pushes[0]["fields"]["first_seq"].as_i64().expect("a number");
    assert!(seq >= 1, "{}", pushes[0]);
    assert_eq!(pushes[0]["fields"]["last_seq"], seq);
    assert_eq!(pushes[0]["fields"]["accepted"], 1);
    assert_eq!(pushes[0]["fields"]["by"], manager.key_id.as_str());
    assert_eq!(pushes[1]["fields"]["accepted"], 0);
    assert_eq!(pushes[1]["fields"]["duplicates"], 1);
}

async fn approvals_are_co_signatures_by_someone_else(server: &mut TestServer) {
    let manager = server.staff("Ana Lima", "account_manager").await;
    let colleague = server.staff("Bo Berg", "account_manager").await;
    let officer = server.staff("Chidi Okafor", "compliance_officer").await;
    let doc = hipaa_example();
    let created = creation(&manager.key, &doc);
    assert_eq!(
        server.push(&manager.token, &created).await.0,
        StatusCode::OK
    );
    let hash = hash_of(&created);
    let path = format!("/v1/changesets/{hash}/approvals");
    let co_signed = |staff: &Staff| {
        let mut envelope = Envelope::parse(&created).expect("envelope");
        envelope.co_sign(&staff.key).expect("co-sign");
        envelope.to_json()
    };

    // The author already signed it (co_sign refuses a second signature by the same key),
    // so they send it as it is.
    let (status, answer) = server
        .post(Some(&manager.token), &path, created.clone())
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{answer}");
    assert_eq!(answer["code"], "self_approval");

    let (status, answer) = server
        .post(Some(&colleague.token), &path, co_signed(&colleague))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{answer}");
    assert_eq!(answer["code"], "forbidden_role");

    // The officer's envelope without their signature, or with a forged one.
    let (status, answer) = server
        .post(Some(&officer.token), &path, created.clone())
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
    assert_eq!(answer["code"], "invalid_signature");
    let mut forged = Envelope::parse(&co_signed(&officer)).expect("envelope");
    forged.signatures[1].sig = forged.signatures[0].sig.clone();
    let (status, answer) = server
        .post(Some(&officer.token), &path, forged.to_json())
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");

    let (status, answer) = server
        .post(Some(&officer.token), &path, co_signed(&officer))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");
    assert_eq!(answer["approver"], officer.key_id.as_str());
    assert_eq!(answer["duplicate"], false);
    let (status, again) = server
        .post(Some(&officer.token), &path, co_signed(&officer))
        .await;
    assert_eq!(status, StatusCode::OK, "{again}");
    assert_eq!(again["duplicate"], true);

    let (status, listed) = server.get(Some(&manager.token), &path).await;
    assert_eq!(status, StatusCode::OK, "{listed}");
    let approvals = listed["approvals"].as_array().expect("approvals");
    assert_eq!(approvals.len(), 1);
    assert_eq!(approvals[0]["approver"], officer.key_id.as_str());
    assert_eq!(approvals[0]["signature"], answer["signature"]);

    let unknown = format!("/v1/changesets/{}/approvals", "ab".repeat(32));
    let (status, answer) = server.get(Some(&manager.token), &unknown).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{answer}");
}

async fn a_server_killed_mid_push_loses_and_duplicates_nothing(server: &mut TestServer) {
    const CHAIN: usize = 40;
    const KILL_AFTER: usize = 6;
    let manager = server.staff("Ana Lima", "account_manager").await;
    // One tenant's chain of CHAIN change sets, each on top of the one before.
    let mut doc = hipaa_example();
    let mut envelopes = vec![creation(&manager.key, &doc)];
    for step in 1..CHAIN {
        let mut next = doc.clone();
        next.ai.monthly_budget_cents += u32::try_from(step).expect("small");
        let parent = hash_of(envelopes.last().expect("a previous one"));
        envelopes.push(change(&manager.key, &doc, &next, &parent));
        doc = next;
    }

    // Push them one by one and SIGKILL the server while it works: once a few answers
    // came back, so that later pushes are in flight or not yet sent.
    let base = server.base.clone();
    let http = server.http.clone();
    let token = manager.token.clone();
    let to_send = envelopes.clone();
    let answered = Arc::new(AtomicUsize::new(0));
    let progress = Arc::clone(&answered);
    let pusher = tokio::spawn(async move {
        for envelope in to_send {
            let sent = http
                .post(format!("{base}/v1/changesets"))
                .bearer_auth(&token)
                .body(envelope)
                .send()
                .await;
            match sent {
                Ok(response) if response.status().is_success() => {
                    progress.fetch_add(1, Ordering::SeqCst);
                }
                _ => break,
            }
        }
    });
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while answered.load(Ordering::SeqCst) < KILL_AFTER {
        assert!(
            std::time::Instant::now() < deadline,
            "the pushes do not progress"
        );
        tokio::time::sleep(std::time::Duration::from_millis(2)).await;
    }
    server.kill();
    pusher.await.expect("the pusher");
    let answered = answered.load(Ordering::SeqCst);
    assert!(
        answered < CHAIN,
        "the server answered all {CHAIN} pushes before it was killed"
    );

    // Restarted on the same database, the client retries everything from the start.
    server.restart();
    let mut statuses = Vec::new();
    for (position, envelope) in envelopes.iter().enumerate() {
        let (status, answer) = server.push(&manager.token, envelope).await;
        assert_eq!(status, StatusCode::OK, "envelope {position}: {answer}");
        assert_eq!(answer["seq"], position as i64 + 1, "{answer}");
        statuses.push(answer["status"].as_str().expect("status").to_owned());
    }
    // Everything the server answered before the kill is a duplicate now.
    assert!(statuses[..answered]
        .iter()
        .all(|status| status == "duplicate"));
    assert!(statuses[answered + 1..]
        .iter()
        .all(|status| status == "accepted"));
    let pulled = server.pull_all(&manager.token, 7).await;
    let hashes: Vec<String> = pulled
        .iter()
        .map(|item| item["hash"].as_str().expect("hash").to_owned())
        .collect();
    let expected: Vec<String> = envelopes.iter().map(|e| hash_of(e)).collect();
    assert_eq!(hashes, expected);
}

async fn two_server_processes_number_concurrent_pushes_without_gaps(server: &mut TestServer) {
    const CLIENTS: usize = 4;
    const EACH: usize = 6;
    let other = server.another_process();
    let mut clients = Vec::new();
    for client in 0..CLIENTS {
        let staff = server
            .staff(&format!("Client {client}"), "account_manager")
            .await;
        // Half the clients talk to each process.
        let base = if client % 2 == 0 {
            server.base.clone()
        } else {
            other.base.clone()
        };
        let http = server.http.clone();
        clients.push(tokio::spawn(async move {
            let mut seqs = Vec::new();
            for n in 0..EACH {
                let doc = new_tenant(&format!("Tenant {client} {n}"));
                let response = http
                    .post(format!("{base}/v1/changesets"))
                    .bearer_auth(&staff.token)
                    .body(creation(&staff.key, &doc))
                    .send()
                    .await
                    .expect("push");
                assert_eq!(response.status(), StatusCode::OK);
                let answer: Value = response.json().await.expect("json");
                seqs.push(answer["seq"].as_i64().expect("seq"));
            }
            seqs
        }));
    }
    let mut seqs = Vec::new();
    for client in clients {
        let mine = client.await.expect("a client");
        // Each client's own pushes are numbered in the order they were made.
        assert!(mine.windows(2).all(|pair| pair[0] < pair[1]), "{mine:?}");
        seqs.extend(mine);
    }
    seqs.sort_unstable();
    let expected: Vec<i64> = (1..=i64::try_from(CLIENTS * EACH).expect("small")).collect();
    assert_eq!(seqs, expected, "sequence numbers are unique and gap-free");
    let pulled: Vec<i64> = server
        .pull_all(&server.admin.token, 5)
        .await
        .iter()
        .map(|item| item["seq"].as_i64().expect("seq"))
        .collect();
    assert_eq!(pulled, expected);
}

/// A push reads what is stored before it takes the lock and catches up under it: a
/// client's retries racing each other through two server processes each get the same
/// answers (the change set's one number), none fails, and every change set is stored
/// once. A racing edit of the same head is a conflict, not an error.
async fn the_same_batch_pushed_at_once_through_two_processes_is_stored_once(
    server: &mut TestServer,
) {
    const RACERS: usize = 8;
    const TENANTS: usize = 6;
    let manager = server.staff("Ana Lima", "account_manager").await;
    let other = server.another_process();
    let mut envelopes = Vec::new();
    let mut rivals = Vec::new();
    for n in 0..TENANTS {
        let doc = new_tenant(&format!("Racing Tenant {n}"));
        let created = creation(&manager.key, &doc);
        let mut edited = doc.clone();
        edited.ai.monthly_budget_cents += 100;
        let edit = change(&manager.key, &doc, &edited, &hash_of(&created));
        // Another edit of the same head, pushed on its own by a rival.
        let mut renamed = doc.clone();
        renamed.tenant.display_name = format!("Renamed Tenant {n}");
        rivals.push(change(&manager.key, &doc, &renamed, &hash_of(&created)));
        envelopes.push(created);
        envelopes.push(edit);
    }
    let body = batch(&envelopes.iter().map(Vec::as_slice).collect::<Vec<_>>());
    let mut racers = Vec::new();
    for racer in 0..RACERS + rivals.len() {
        let base = if racer % 2 == 0 {
            server.base.clone()
        } else {
            other.base.clone()
        };
        let http = server.http.clone();
        let token = manager.token.clone();
        let body = match racer.checked_sub(RACERS) {
            None => body.clone(),
            Some(rival) => batch(&[&rivals[rival]]),
        };
        racers.push(tokio::spawn(async move {
            let response = http
                .post(format!("{base}/v1/changesets"))
                .bearer_auth(&token)
                .body(body)
                .send()
                .await
                .expect("push");
            let status = response.status();
            let answer: Value = response.json().await.expect("json");
            (status, answer)
        }));
    }
    let mut numbers: Option<Vec<Value>> = None;
    let mut first_answers = 0;
    for racer in racers {
        let (status, answer) = racer.await.expect("a racer");
        assert_eq!(status, StatusCode::OK, "{answer}");
        let results = answer["results"].as_array().expect("results");
        if results.len() == 1 {
            // A rival: in before the racers' edit of its tenant (or created nothing) or
            // a conflict naming the head it lost to.
            let status = results[0]["status"].as_str().expect("status");
            assert!(
                ["accepted", "conflict", "rejected"].contains(&status),
                "{answer}"
            );
            continue;
        }
        let seqs: Vec<Value> = results.iter().map(|result| result["seq"].clone()).collect();
        if answer["duplicates"] == 0 {
            first_answers += 1;
        }
        match &numbers {
            None => numbers = Some(seqs),
            Some(numbers) => {
                // A rival's edit may have won a tenant's head: the racers' edit is then a
                // conflict in every answer alike.
                assert_eq!(&seqs, numbers, "every racer gets the same numbers");
            }
        }
    }
    assert_eq!(
        first_answers, 1,
        "one racer stores the batch, the others are told it is in"
    );
    let stored = server.pull_all(&server.admin.token, 1000).await;
    let mut hashes: Vec<&str> = stored
        .iter()
        .map(|item| item["hash"].as_str().expect("hash"))
        .collect();
    let count = hashes.len();
    hashes.sort_unstable();
    hashes.dedup();
    assert_eq!(hashes.len(), count, "nothing is stored twice");
    for envelope in envelopes.iter().step_by(2) {
        assert!(
            hashes.contains(&hash_of(envelope).as_str()),
            "every creation is stored"
        );
    }
    let seqs: Vec<i64> = stored
        .iter()
        .map(|item| item["seq"].as_i64().expect("seq"))
        .collect();
    let expected: Vec<i64> = (1..=i64::try_from(count).expect("small")).collect();
    assert_eq!(seqs, expected, "gap-free");
}

async fn each_key_is_rate_limited_on_its_own(server: &mut TestServer) {
    let manager = server.staff("Ana Lima", "account_manager").await;
    server.restart_with(&["--rate-limit-per-second", "0.5", "--rate-limit-burst", "3"]);
    for _ in 0..3 {
        let (status, answer) = server.get(Some(&manager.token), "/v1/tenants/heads").await;
        assert_eq!(status, StatusCode::OK, "{answer}");
    }
    let response = server
        .http
        .get(server.url("/v1/tenants/heads"))
        .bearer_auth(&manager.token)
        .send()
        .await
        .expect("GET");
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry_after: u64 = response
        .headers()
        .get("retry-after")
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse().ok())
        .expect("a Retry-After header in seconds");
    assert!((1..=2).contains(&retry_after), "{retry_after}");
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["code"], "rate_limited");
    // Pushes count too, and nothing is stored while limited.
    let (status, _) = server
        .push(&manager.token, &creation(&manager.key, &hipaa_example()))
        .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    // Another key is not slowed down by this one.
    let (status, _) = server
        .get(Some(&server.admin.token), "/v1/tenants/heads")
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(count_stored(server).await, 0);
}

async fn production_is_reached_only_through_staging(server: &mut TestServer) {
    use tenantry_changeset::changeset::Environment;
    let manager = server.staff("Ana Lima", "account_manager").await;
    // Production also waits for approvals (tests/approvals.rs): this officer gives them,
    // so that only the staging rule is at stake here.
    let officer = server.staff("Chidi Okafor", "compliance_officer").await;
    let doc = hipaa_example();
    let approve = |envelope: Vec<u8>| {
        let server = &*server;
        let officer = &officer;
        async move {
            let mut co_signed = Envelope::parse(&envelope).expect("envelope");
            co_signed.co_sign(&officer.key).expect("co-sign");
            let path = format!("/v1/changesets/{}/approvals", hash_of(&envelope));
            let (status, answer) = server
                .post(Some(&officer.token), &path, co_signed.to_json())
                .await;
            assert_eq!(status, StatusCode::CREATED, "{answer}");
        }
    };
    let push = |envelope: Vec<u8>| {
        let token = manager.token.clone();
        let server = &*server;
        async move {
            let (status, answer) = server.push(&token, &envelope).await;
            (status, answer, hash_of(&envelope))
        }
    };
    let draft_envelope = change_in(&manager.key, Environment::Draft, None, &doc, None);
    let (status, _, draft) = push(draft_envelope.clone()).await;
    assert_eq!(status, StatusCode::OK);
    approve(draft_envelope).await;

    // Straight to production, with nothing in staging: refused, nothing stored.
    let stored = count_stored(server).await;
    let (status, answer, _) = push(change_in(
        &manager.key,
        Environment::Production,
        None,
        &doc,
        Some(&draft),
    ))
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
    assert_eq!(answer["code"], "production_without_staging");
    assert_eq!(count_stored(server).await, stored);

    // Staging first; then production may become exactly that.
    let staged_envelope = change_in(&manager.key, Environment::Staging, None, &doc, Some(&draft));
    let (status, answer, staged) = push(staged_envelope.clone()).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    approve(staged_envelope).await;
    let (status, answer, promoted) = push(change_in(
        &manager.key,
        Environment::Production,
        None,
        &doc,
        Some(&staged),
    ))
    .await;
    assert_eq!(status, StatusCode::OK, "{answer}");

    // A production edit that staging has not seen: refused, naming the field.
    let mut raised = doc.clone();
    raised.ai.monthly_budget_cents += 10_000;
    let (status, answer, _) = push(change_in(
        &manager.key,
        Environment::Production,
        Some(&doc),
        &raised,
        Some(&promoted),
    ))
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
    assert_eq!(answer["code"], "production_without_staging");
    assert_eq!(answer["differing_paths"][0], "/ai/monthly_budget_cents");

    // The same edit in staging, then in production: accepted.
    let staged_envelope = change_in(
        &manager.key,
        Environment::Staging,
        Some(&doc),
        &raised,
        Some(&promoted),
    );
    let (status, answer, staged) = push(staged_envelope.clone()).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    approve(staged_envelope).await;
    let (status, answer, _) = push(change_in(
        &manager.key,
        Environment::Production,
        Some(&doc),
        &raised,
        Some(&staged),
    ))
    .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
}
