//! Bulk ingest of pulled envelopes, on a real SQLite file and a real Postgres database:
//! interleaved tenants, pulling twice, continuing after local records, and all-or-nothing
//! refusal of a batch with one bad envelope.

use serde_json::json;
use tenantry_changeset::changeset::{ChangeSet, Environment, CHANGESET_SCHEMA_VERSION};
use tenantry_changeset::{Envelope, EnvelopeError, Operation, SigningKey};
use tenantry_core::tenant::Regulation;
use tenantry_core::{ClientName, Industry, TenantDocument, Timestamp};
use tenantry_store::testing::TestMirror;
use tenantry_store::RecordError;

tenantry_store::on_both_backends!(
    interleaved_chains_of_two_tenants_are_ingested_in_one_go,
    a_batch_continues_what_was_recorded_locally,
    one_bad_envelope_and_nothing_is_written,
);

/// A tenant's chain of `length` signed change sets (creation, then budget steps).
fn chain(key: &SigningKey, name: &str, length: u32) -> (TenantDocument, Vec<Vec<u8>>) {
    let doc = TenantDocument::with_safe_defaults(
        &ClientName::parse(name).expect("name"),
        Industry::Retail,
        &[Regulation::Gdpr],
    )
    .expect("defaults");
    let mut parent = None;
    let mut out = Vec::new();
    for i in 0..length {
        let operations = if i == 0 {
            vec![ChangeSet::creation(&doc)]
        } else {
            vec![Operation::Set {
                path: "/ai/monthly_budget_cents".into(),
                value: json!(i),
                old: Some(json!(i - 1)),
            }]
        };
        let changeset = ChangeSet {
            schema_version: CHANGESET_SCHEMA_VERSION,
            id: ChangeSet::new_id(),
            organisation: "org-example".into(),
            tenant: doc.tenant.id.clone(),
            environment: Environment::Draft,
            parent: parent.clone(),
            operations,
            summary: format!("step {i}"),
            justifications: Default::default(),
            author: key.key_id(),
            created_at: Timestamp::now(),
        };
        let envelope = Envelope::sign(&changeset, key);
        parent = Some(envelope.hash().expect("hash").0);
        out.push(envelope.to_json());
    }
    (doc, out)
}

async fn trusted(mirror: &TestMirror) -> SigningKey {
    let key = SigningKey::generate().expect("key");
    mirror
        .store
        .add_signing_key(&key.public(), "pulled author")
        .await
        .expect("trust");
    key
}

async fn interleaved_chains_of_two_tenants_are_ingested_in_one_go(mirror: &TestMirror) {
    let key = trusted(mirror).await;
    let (acme, acme_chain) = chain(&key, "Acme Retail", 30);
    let (globex, globex_chain) = chain(&key, "Globex Stores", 20);
    let mut batch = Vec::new();
    for (i, envelope) in acme_chain.iter().enumerate() {
        batch.push(envelope.clone());
        if let Some(other) = globex_chain.get(i) {
            batch.push(other.clone());
        }
    }
    let report = mirror.store.ingest(&batch).await.expect("ingest");
    assert_eq!(
        (report.ingested, report.already_present, report.tenants),
        (50, 0, 2)
    );
    let acme_doc = mirror
        .store
        .document(&acme.tenant.id, Environment::Draft)
        .await
        .expect("read")
        .expect("doc");
    assert_eq!(acme_doc.ai.monthly_budget_cents, 29);
    assert_eq!(
        mirror
            .store
            .history(&globex.tenant.id)
            .await
            .expect("history")
            .len(),
        20
    );
    assert!(mirror
        .store
        .verify_mirror()
        .await
        .expect("verify")
        .problems
        .is_empty());

    // Pulling the same page again changes nothing.
    let again = mirror.store.ingest(&batch).await.expect("again");
    assert_eq!((again.ingested, again.already_present), (0, 50));
    assert_eq!(
        mirror
            .store
            .history(&acme.tenant.id)
            .await
            .expect("history")
            .len(),
        30
    );
}

async fn a_batch_continues_what_was_recorded_locally(mirror: &TestMirror) {
    let key = trusted(mirror).await;
    let (acme, envelopes) = chain(&key, "Acme Retail", 12);
    for envelope in &envelopes[..4] {
        mirror.store.record(envelope).await.expect("record");
    }
    let report = mirror.store.ingest(&envelopes[2..]).await.expect("ingest");
    assert_eq!((report.ingested, report.already_present), (8, 2));
    let history = mirror
        .store
        .history(&acme.tenant.id)
        .await
        .expect("history");
    assert_eq!(
        history.iter().map(|entry| entry.seq).collect::<Vec<_>>(),
        (1..=12).collect::<Vec<_>>()
    );
    assert!(mirror
        .store
        .verify_mirror()
        .await
        .expect("verify")
        .problems
        .is_empty());
}

async fn one_bad_envelope_and_nothing_is_written(mirror: &TestMirror) {
    let key = trusted(mirror).await;
    let (_, envelopes) = chain(&key, "Acme Retail", 10);
    // A gap: the fifth change set is missing, so the sixth's parent is not the head.
    let mut gapped = envelopes.clone();
    gapped.remove(4);
    assert!(matches!(
        mirror.store.ingest(&gapped).await,
        Err(RecordError::NotHead { .. })
    ));
    assert!(
        mirror.store.tenant_ids().await.expect("tenants").is_empty(),
        "nothing was written"
    );

    // One envelope signed by a key the mirror does not trust.
    let stranger = SigningKey::generate().expect("key");
    let (_, foreign) = chain(&stranger, "Globex Stores", 1);
    let mut mixed = envelopes;
    mixed.insert(3, foreign[0].clone());
    assert!(matches!(
        mirror.store.ingest(&mixed).await,
        Err(RecordError::Envelope(EnvelopeError::UnknownKey { .. }))
    ));
    assert!(
        mirror.store.tenant_ids().await.expect("tenants").is_empty(),
        "nothing was written"
    );
}
