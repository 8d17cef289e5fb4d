//! Writers that overlap on one mirror, as the app's do (a submission, the autosave of a
//! draft, the tenant list's progress, the audit log): each write either happens or is
//! refused for a reason of its own, never for having met another writer.

use tenantry_changeset::SigningKey;
use tenantry_store::testing::{tenant_list_envelopes, TestMirror};

tenantry_store::on_both_backends!(overlapping_recordings_all_land);

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
    // Signed creations of distinct tenants, one run of them per writer.
    let all = tenant_list_envelopes(&key, WRITERS * EACH);
    for envelopes in all.chunks(EACH).map(<[Vec<u8>]>::to_vec) {
        let store = mirror.store.clone();
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
