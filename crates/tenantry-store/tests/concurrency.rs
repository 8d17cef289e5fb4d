//! Writers that overlap on one mirror, as the app's do (a submission, the autosave of a
//! draft, the tenant list's progress, the audit log): each write either happens or is
//! refused for a reason of its own, never for having met another writer.

use tenantry_changeset::changeset::{ChangeSet, Environment, CHANGESET_SCHEMA_VERSION};
use tenantry_changeset::{Envelope, SigningKey};
use tenantry_core::tenant::Regulation;
use tenantry_core::{ClientName, Industry, TenantDocument, Timestamp};
use tenantry_store::testing::TestMirror;

tenantry_store::on_both_backends!(overlapping_recordings_all_land);

fn creation(key: &SigningKey, name: &str) -> Vec<u8> {
    let doc = TenantDocument::with_safe_defaults(
        &ClientName::parse(name).expect("name"),
        Industry::Healthcare,
        &[Regulation::Hipaa],
    )
    .expect("defaults");
    let changeset = ChangeSet {
        schema_version: CHANGESET_SCHEMA_VERSION,
        id: ChangeSet::new_id(),
        organisation: "org-example".into(),
        tenant: doc.tenant.id.clone(),
        environment: Environment::Draft,
        parent: None,
        operations: vec![ChangeSet::creation(&doc)],
        summary: "onboard".into(),
        justifications: Default::default(),
        author: key.key_id(),
        created_at: Timestamp::now(),
    };
    Envelope::sign(&changeset, key).to_json()
}

async fn overlapping_recordings_all_land(mirror: &TestMirror) {
    let key = SigningKey::generate().expect("key");
    mirror
        .store
        .add_signing_key(&key.public(), "test author")
        .await
        .expect("trust key");
    const WRITERS: usize = 8;
    const EACH: usize = 12;
    let mut tasks = Vec::new();
    for writer in 0..WRITERS {
        let store = mirror.store.clone();
        let envelopes: Vec<Vec<u8>> = (0..EACH)
            .map(|index| creation(&key, &format!("Client {writer} {index}")))
            .collect();
        tasks.push(tokio::spawn(async move {
            let mut failures = Vec::new();
            for envelope in envelopes {
                if let Err(error) = store.record(&envelope).await {
                    failures.push(error.to_string());
                }
            }
            failures
        }));
    }
    let mut failures = Vec::new();
    for task in tasks {
        failures.extend(task.await.expect("writer"));
    }
    assert!(
        failures.is_empty(),
        "{} failed: {failures:?}",
        failures.len()
    );
    assert_eq!(
        mirror.store.outbox_len().await.expect("outbox"),
        (WRITERS * EACH) as u64
    );
}
