//! The signed history in the mirror, on a real SQLite file and a real Postgres database:
//! recording, idempotency, the head check, refusals that store nothing, look-alike
//! slugs, and `verify_mirror` catching rows edited behind the app's back.

use serde_json::json;
use tenantry_changeset::changeset::{ChangeSet, Environment, CHANGESET_SCHEMA_VERSION};
use tenantry_changeset::{Envelope, EnvelopeError, Operation, SigningKey};
use tenantry_core::tenant::Regulation;
use tenantry_core::{ClientName, Industry, TenantDocument, Timestamp};
use tenantry_store::testing::TestMirror;
use tenantry_store::{Location, RecordError};

tenantry_store::on_both_backends!(
    a_first_change_set_creates_the_tenant_and_queues_it,
    the_same_envelope_twice_is_stored_once,
    a_change_on_a_stale_head_is_refused_and_stores_nothing,
    unknown_keys_and_conflicting_edits_store_nothing,
    look_alike_slugs_cannot_coexist,
    verify_mirror_passes_an_intact_mirror_and_names_a_tampered_row,
    trusted_keys_keep_the_label_they_were_given,
    a_recorded_change_set_reads_back_by_id_or_hash_and_a_broken_row_says_so,
);

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
    parent: Option<String>,
    operations: Vec<Operation>,
) -> Vec<u8> {
    let changeset = ChangeSet {
        schema_version: CHANGESET_SCHEMA_VERSION,
        id: ChangeSet::new_id(),
        organisation: "org-example".into(),
        tenant: doc.tenant.id.clone(),
        environment: Environment::Draft,
        parent,
        operations,
        summary: "test change".into(),
        justifications: Default::default(),
        author: key.key_id(),
        created_at: Timestamp::now(),
    };
    Envelope::sign(&changeset, key).to_json()
}

fn budget(from: u32, to: u32) -> Vec<Operation> {
    vec![Operation::Set {
        path: "/ai/monthly_budget_cents".into(),
        value: json!(to),
        old: Some(json!(from)),
    }]
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

async fn a_first_change_set_creates_the_tenant_and_queues_it(mirror: &TestMirror) {
    let key = trusted_key(mirror).await;
    let doc = document("Acme Health");
    let recorded = mirror
        .store
        .record(&signed(&key, &doc, None, vec![ChangeSet::creation(&doc)]))
        .await
        .expect("record");
    assert!(recorded.newly_recorded);
    assert_eq!(recorded.seq, 1);
    assert_eq!(recorded.document, doc);
    assert_eq!(mirror.store.outbox_len().await.expect("outbox"), 1);
    assert_eq!(
        mirror
            .store
            .document(&doc.tenant.id, Environment::Draft)
            .await
            .expect("read"),
        Some(doc.clone())
    );
    let history = mirror.store.history(&doc.tenant.id).await.expect("history");
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].hash, recorded.hash.0);
    assert_eq!(history[0].author, key.key_id().as_str());

    let second = mirror
        .store
        .record(&signed(
            &key,
            &doc,
            Some(recorded.hash.0.clone()),
            budget(0, 50_000),
        ))
        .await
        .expect("second");
    assert_eq!(second.seq, 2);
    assert_eq!(second.document.ai.monthly_budget_cents, 50_000);
    assert_eq!(mirror.store.outbox_len().await.expect("outbox"), 2);

    // Every version, replayed from the stored envelopes.
    let versions = mirror
        .store
        .versions(&doc.tenant.id)
        .await
        .expect("versions");
    assert_eq!(versions.len(), 2);
    assert_eq!(versions[0], (Environment::Draft, doc.clone()));
    assert_eq!(versions[1].1.ai.monthly_budget_cents, 50_000);

    // Looked up by id or by slug; the head is the newest change set.
    assert_eq!(
        mirror
            .store
            .find_tenant(doc.tenant.id.as_str())
            .await
            .expect("find"),
        Some(doc.tenant.id.clone())
    );
    assert_eq!(
        mirror.store.find_tenant("acme-health").await.expect("find"),
        Some(doc.tenant.id.clone())
    );
    assert_eq!(
        mirror.store.find_tenant("globex").await.expect("find"),
        None
    );
    assert_eq!(
        mirror.store.head(&doc.tenant.id).await.expect("head"),
        Some(second.hash.0.clone())
    );
    let by_id = mirror
        .store
        .envelope_by_id(&second.changeset.id)
        .await
        .expect("by id")
        .expect("present");
    let by_hash = mirror
        .store
        .envelope_by_id(&second.hash.0)
        .await
        .expect("by hash")
        .expect("present");
    assert_eq!(by_id, by_hash);
    assert_eq!(
        mirror.store.envelope_by_id("nope").await.expect("lookup"),
        None
    );
}

async fn the_same_envelope_twice_is_stored_once(mirror: &TestMirror) {
    let key = trusted_key(mirror).await;
    let doc = document("Acme Health");
    let envelope = signed(&key, &doc, None, vec![ChangeSet::creation(&doc)]);
    let first = mirror.store.record(&envelope).await.expect("first");
    let again = mirror.store.record(&envelope).await.expect("again");
    assert!(!again.newly_recorded);
    assert_eq!((again.hash, again.seq), (first.hash, first.seq));
    assert_eq!(
        mirror
            .store
            .history(&doc.tenant.id)
            .await
            .expect("history")
            .len(),
        1
    );
    // The exact bytes are kept, not a re-encoding.
    assert_eq!(
        mirror
            .store
            .envelopes(&doc.tenant.id)
            .await
            .expect("envelopes"),
        vec![envelope]
    );
}

async fn a_change_on_a_stale_head_is_refused_and_stores_nothing(mirror: &TestMirror) {
    let key = trusted_key(mirror).await;
    let doc = document("Acme Health");
    let first = mirror
        .store
        .record(&signed(&key, &doc, None, vec![ChangeSet::creation(&doc)]))
        .await
        .expect("first");
    mirror
        .store
        .record(&signed(
            &key,
            &doc,
            Some(first.hash.0.clone()),
            budget(0, 100),
        ))
        .await
        .expect("second");
    // Made against the first version while someone else already moved the head on.
    let stale = signed(&key, &doc, Some(first.hash.0.clone()), budget(0, 200));
    match mirror.store.record(&stale).await {
        Err(RecordError::NotHead { .. }) => {}
        other => panic!("expected NotHead, got {other:?}"),
    }
    assert_eq!(
        mirror
            .store
            .history(&doc.tenant.id)
            .await
            .expect("history")
            .len(),
        2
    );
    let current = mirror
        .store
        .document(&doc.tenant.id, Environment::Draft)
        .await
        .expect("read")
        .expect("doc");
    assert_eq!(current.ai.monthly_budget_cents, 100);
}

async fn unknown_keys_and_conflicting_edits_store_nothing(mirror: &TestMirror) {
    let key = trusted_key(mirror).await;
    let stranger = SigningKey::generate().expect("key");
    let doc = document("Acme Health");
    match mirror
        .store
        .record(&signed(
            &stranger,
            &doc,
            None,
            vec![ChangeSet::creation(&doc)],
        ))
        .await
    {
        Err(RecordError::Envelope(EnvelopeError::UnknownKey { .. })) => {}
        other => panic!("expected UnknownKey, got {other:?}"),
    }
    assert!(mirror.store.tenant_ids().await.expect("tenants").is_empty());

    let first = mirror
        .store
        .record(&signed(&key, &doc, None, vec![ChangeSet::creation(&doc)]))
        .await
        .expect("first");
    // Claims the budget was 999 when it is 0: a conflict, not an overwrite.
    let conflicting = signed(&key, &doc, Some(first.hash.0.clone()), budget(999, 5));
    assert!(matches!(
        mirror.store.record(&conflicting).await,
        Err(RecordError::Apply(_))
    ));
    // A truncated envelope.
    assert!(matches!(
        mirror
            .store
            .record(&conflicting[..conflicting.len() / 2])
            .await,
        Err(RecordError::Envelope(_))
    ));
    assert_eq!(
        mirror
            .store
            .history(&doc.tenant.id)
            .await
            .expect("history")
            .len(),
        1
    );
}

async fn look_alike_slugs_cannot_coexist(mirror: &TestMirror) {
    let key = trusted_key(mirror).await;
    let acme = document("Acme Health");
    mirror
        .store
        .record(&signed(&key, &acme, None, vec![ChangeSet::creation(&acme)]))
        .await
        .expect("acme");
    let impostor = document("Acrne Health");
    match mirror
        .store
        .record(&signed(
            &key,
            &impostor,
            None,
            vec![ChangeSet::creation(&impostor)],
        ))
        .await
    {
        Err(RecordError::SlugTaken { slug, existing }) => {
            assert_eq!(slug, "acrne-health");
            assert_eq!(existing, "acme-health");
        }
        other => panic!("expected SlugTaken, got {other:?}"),
    }
    assert_eq!(
        mirror.store.tenant_ids().await.expect("tenants"),
        vec![acme.tenant.id.clone()]
    );
}

async fn verify_mirror_passes_an_intact_mirror_and_names_a_tampered_row(mirror: &TestMirror) {
    let key = trusted_key(mirror).await;
    let doc = document("Acme Health");
    let first = mirror
        .store
        .record(&signed(&key, &doc, None, vec![ChangeSet::creation(&doc)]))
        .await
        .expect("first");
    let second = mirror
        .store
        .record(&signed(
            &key,
            &doc,
            Some(first.hash.0.clone()),
            budget(0, 100),
        ))
        .await
        .expect("second");
    let report = mirror.store.verify_mirror().await.expect("verify");
    assert_eq!((report.tenants_checked, report.changesets_checked), (1, 2));
    assert!(report.problems.is_empty(), "{report:?}");

    // Someone with a SQL shell raises the budget without a change set.
    let mut forged = second.document.clone();
    forged.ai.monthly_budget_cents = 9_999_999;
    execute(
        mirror.location(),
        "UPDATE tenant_documents SET document = $1 WHERE tenant_id = $2",
        &[
            &serde_json::to_string(&forged).expect("json"),
            doc.tenant.id.as_str(),
        ],
    )
    .await;
    let report = mirror.store.verify_mirror().await.expect("verify");
    assert_eq!(report.problems.len(), 1, "{report:?}");
    assert!(
        report.problems[0]
            .problem
            .contains("differs from what its change sets produce"),
        "{report:?}"
    );

    // Or rewrites a stored envelope's summary: the signature no longer verifies.
    let tampered = String::from_utf8(
        mirror
            .store
            .envelopes(&doc.tenant.id)
            .await
            .expect("envelopes")[1]
            .clone(),
    )
    .expect("utf-8")
    .replacen("\"payload\": \"", "\"payload\": \"A", 1);
    execute_bytes(
        mirror.location(),
        "UPDATE changesets SET envelope = $1 WHERE seq = 2",
        tampered.into_bytes(),
    )
    .await;
    let report = mirror.store.verify_mirror().await.expect("verify");
    assert_eq!(report.problems[0].seq, Some(2), "{report:?}");
}

async fn a_recorded_change_set_reads_back_by_id_or_hash_and_a_broken_row_says_so(
    mirror: &TestMirror,
) {
    let key = trusted_key(mirror).await;
    let doc = document("Acme Health");
    let created = mirror
        .store
        .record(&signed(&key, &doc, None, vec![ChangeSet::creation(&doc)]))
        .await
        .expect("created");
    for lookup in [created.changeset.id.as_str(), created.hash.0.as_str()] {
        let read = mirror
            .store
            .recorded_changeset(lookup)
            .await
            .expect("read")
            .expect("held");
        assert_eq!(read, created.changeset);
    }
    assert_eq!(
        mirror
            .store
            .recorded_changeset("not-a-change-set")
            .await
            .expect("read"),
        None
    );

    // Bytes that are no longer an envelope: named as a broken row, not taken as absent.
    execute_bytes(
        mirror.location(),
        "UPDATE changesets SET envelope = $1 WHERE seq = 1",
        b"{ not an envelope".to_vec(),
    )
    .await;
    let broken = mirror
        .store
        .recorded_changeset(&created.hash.0)
        .await
        .expect_err("a broken row");
    assert!(
        broken.to_string().contains("changesets row")
            && broken.to_string().contains(&created.hash.0),
        "{broken}"
    );
}

async fn execute(location: &Location, sql: &str, binds: &[&str]) {
    use sqlx::Connection;
    match location {
        Location::SqliteFile(path) => {
            let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite://{}", path.display()))
                .await
                .expect("connect");
            let mut query = sqlx::query(sql);
            for bind in binds {
                query = query.bind(*bind);
            }
            query.execute(&mut conn).await.expect("tamper");
        }
        Location::Postgres(url) => {
            let mut conn = sqlx::PgConnection::connect(url).await.expect("connect");
            let mut query = sqlx::query(sql);
            for bind in binds {
                query = query.bind(*bind);
            }
            query.execute(&mut conn).await.expect("tamper");
        }
    }
}

async fn execute_bytes(location: &Location, sql: &str, bytes: Vec<u8>) {
    use sqlx::Connection;
    match location {
        Location::SqliteFile(path) => {
            let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite://{}", path.display()))
                .await
                .expect("connect");
            sqlx::query(sql)
                .bind(bytes)
                .execute(&mut conn)
                .await
                .expect("tamper");
        }
        Location::Postgres(url) => {
            let mut conn = sqlx::PgConnection::connect(url).await.expect("connect");
            sqlx::query(sql)
                .bind(bytes)
                .execute(&mut conn)
                .await
                .expect("tamper");
        }
    }
}

async fn trusted_keys_keep_the_label_they_were_given(mirror: &TestMirror) {
    assert!(mirror.store.key_labels().await.expect("labels").is_empty());
    let author = trusted_key(mirror).await;
    let officer = SigningKey::generate().expect("key");
    mirror
        .store
        .add_signing_key(&officer.public(), "server: Chidi Okafor")
        .await
        .expect("trust key");
    let labels = mirror.store.key_labels().await.expect("labels");
    assert_eq!(labels.len(), 2);
    assert_eq!(labels[author.key_id().as_str()], "test author");
    assert_eq!(labels[officer.key_id().as_str()], "server: Chidi Okafor");
}
