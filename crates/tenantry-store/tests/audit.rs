//! The app's audit log on a real SQLite file and a real Postgres database: records read
//! back newest first, exactly as written, paged, and filtered by tenant, person (key id
//! or the key's name), date and rule.

use tenantry_changeset::SigningKey;
use tenantry_core::Timestamp;
use tenantry_store::testing::TestMirror;
use tenantry_store::{AuditOutcome, AuditQuery, NewAuditRecord};

tenantry_store::on_both_backends!(the_audit_log_reads_back_newest_first_filtered_and_paged);

fn record(
    actor: Option<&str>,
    action: &str,
    tenant: Option<&str>,
    rules: &[&str],
) -> NewAuditRecord {
    NewAuditRecord {
        actor: actor.map(str::to_owned),
        action: action.to_owned(),
        tenant: tenant.map(str::to_owned),
        subject: Some("<script>alert(1)</script>".to_owned()),
        outcome: if rules.is_empty() {
            AuditOutcome::Done
        } else {
            AuditOutcome::Refused
        },
        detail: format!("{action} — détail"),
        rule_ids: rules.iter().map(|rule| (*rule).to_owned()).collect(),
    }
}

fn query() -> AuditQuery {
    AuditQuery {
        limit: 50,
        ..AuditQuery::default()
    }
}

async fn the_audit_log_reads_back_newest_first_filtered_and_paged(mirror: &TestMirror) {
    let store = &mirror.store;
    assert!(store
        .audit_records(&query())
        .await
        .expect("read")
        .is_empty());
    let ana = SigningKey::generate().expect("key");
    store
        .add_signing_key(&ana.public(), "server: Ana Lima")
        .await
        .expect("label");
    let ana_id = ana.key_id().to_string();
    let started = Timestamp::now().unix_millis();
    store
        .record_audit(&record(None, "create_draft", None, &[]))
        .await
        .expect("kept");
    store
        .record_audit(&record(
            Some(&ana_id),
            "submit_draft",
            Some("cedar"),
            &["AI-002", "HIPAA-001"],
        ))
        .await
        .expect("kept");
    store
        .record_audit(&record(
            Some(&ana_id),
            "approve_changeset",
            Some("birch"),
            &["APR-001"],
        ))
        .await
        .expect("kept");

    let all = store.audit_records(&query()).await.expect("read");
    let actions: Vec<&str> = all.iter().map(|r| r.action.as_str()).collect();
    assert_eq!(
        actions,
        ["approve_changeset", "submit_draft", "create_draft"]
    );
    assert_eq!(all[1].rule_ids, ["AI-002", "HIPAA-001"]);
    assert_eq!(all[1].outcome, AuditOutcome::Refused);
    assert_eq!(all[1].subject.as_deref(), Some("<script>alert(1)</script>"));
    assert_eq!(all[1].detail, "submit_draft — détail");
    assert_eq!(all[1].actor_label.as_deref(), Some("server: Ana Lima"));
    assert_eq!(all[2].actor, None);
    assert!(all[0].at.unix_millis() >= started);
    assert!(all[0].id > all[1].id && all[1].id > all[2].id);

    let by = |query: AuditQuery| async move {
        store
            .audit_records(&query)
            .await
            .expect("read")
            .into_iter()
            .map(|r| r.action)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        by(AuditQuery {
            tenant: Some("cedar".into()),
            ..query()
        })
        .await,
        ["submit_draft"]
    );
    assert_eq!(
        by(AuditQuery {
            rule: Some("APR-001".into()),
            ..query()
        })
        .await,
        ["approve_changeset"]
    );
    assert!(
        by(AuditQuery {
            rule: Some("APR-00".into()),
            ..query()
        })
        .await
        .is_empty(),
        "whole rule ids only"
    );
    assert_eq!(
        by(AuditQuery {
            person: Some("ana".into()),
            ..query()
        })
        .await
        .len(),
        2
    );
    assert_eq!(
        by(AuditQuery {
            person: Some(ana_id.to_uppercase()),
            ..query()
        })
        .await
        .len(),
        2
    );
    // The start of a key id, as the Audit table shows it.
    assert_eq!(
        by(AuditQuery {
            person: Some(ana_id[..12].to_owned()),
            ..query()
        })
        .await
        .len(),
        2
    );
    assert!(by(AuditQuery {
        person: Some("nobody".into()),
        ..query()
    })
    .await
    .is_empty());
    assert_eq!(
        by(AuditQuery {
            from_ms: Some(started),
            ..query()
        })
        .await
        .len(),
        3
    );
    assert!(by(AuditQuery {
        to_ms: Some(started),
        ..query()
    })
    .await
    .is_empty());
    // Pages: two, then the one before them.
    let first = store
        .audit_records(&AuditQuery {
            limit: 2,
            ..query()
        })
        .await
        .expect("read");
    assert_eq!(first.len(), 2);
    let older = by(AuditQuery {
        before: Some(first[1].id),
        ..query()
    })
    .await;
    assert_eq!(older, ["create_draft"]);
}
