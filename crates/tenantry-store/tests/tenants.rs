//! The home screen's tenant list, on a real SQLite file and a real Postgres database:
//! search and filters over summaries the database keeps from the documents, progress
//! written for one document only, bad filters refused, pages by cursor that neither skip
//! nor repeat a tenant, the owner filter's choices, and the draft a row opens.

use serde_json::json;
use tenantry_changeset::changeset::{ChangeSet, Environment, CHANGESET_SCHEMA_VERSION};
use tenantry_changeset::{Envelope, Operation, SigningKey};
use tenantry_core::tenant::{Regulation, Slug};
use tenantry_core::{ClientName, Industry, NewDraft, TenantDocument, Timestamp};
use tenantry_store::testing::TestMirror;
use tenantry_store::{ProgressFilter, TenantCursor, TenantFilter, TenantFilterError};

tenantry_store::on_both_backends!(
    search_and_filters_narrow_the_list,
    edits_and_promotions_show_at_once_and_clear_stale_progress,
    a_bad_filter_is_refused,
    paging_by_cursor_yields_every_tenant_once_in_order_under_every_filter,
    a_tenant_added_between_pages_is_never_listed_twice,
    owners_are_offered_with_their_labels_and_counts,
    a_row_names_the_draft_it_opens,
);

fn document(name: &str, industry: Industry, regulations: &[Regulation]) -> TenantDocument {
    TenantDocument::with_safe_defaults(
        &ClientName::parse(name).expect("name"),
        industry,
        regulations,
    )
    .expect("defaults")
}

fn signed(
    key: &SigningKey,
    doc: &TenantDocument,
    environment: Environment,
    parent: Option<String>,
    operations: Vec<Operation>,
) -> Vec<u8> {
    let changeset = ChangeSet {
        schema_version: CHANGESET_SCHEMA_VERSION,
        id: ChangeSet::new_id(),
        organisation: "org-example".into(),
        tenant: doc.tenant.id.clone(),
        environment,
        parent,
        operations,
        summary: "test change".into(),
        justifications: Default::default(),
        author: key.key_id(),
        created_at: Timestamp::now(),
    };
    Envelope::sign(&changeset, key).to_json()
}

async fn author(mirror: &TestMirror, label: &str) -> SigningKey {
    let key = SigningKey::generate().expect("key");
    mirror
        .store
        .add_signing_key(&key.public(), label)
        .await
        .expect("trust key");
    key
}

async fn create(mirror: &TestMirror, key: &SigningKey, doc: &TenantDocument) -> String {
    let bytes = signed(
        key,
        doc,
        Environment::Draft,
        None,
        vec![ChangeSet::creation(doc)],
    );
    mirror.store.record(&bytes).await.expect("record").hash.0
}

fn names(page: &tenantry_store::TenantPage) -> Vec<&str> {
    page.tenants
        .iter()
        .map(|t| t.display_name.as_str())
        .collect()
}

async fn list(mirror: &TestMirror, filter: TenantFilter) -> tenantry_store::TenantPage {
    mirror
        .store
        .list_tenants(&filter)
        .await
        .expect("query")
        .expect("a valid filter")
}

async fn search_and_filters_narrow_the_list(mirror: &TestMirror) {
    assert_eq!(list(mirror, TenantFilter::default()).await.total, 0);
    let priya = author(mirror, "Priya Raman").await;
    let sam = author(mirror, "Sam Okafor").await;
    let clinic = document("Harbour Clinic", Industry::Healthcare, &[Regulation::Hipaa]);
    let bank = document(
        "Northwind Bank",
        Industry::FinancialServices,
        &[Regulation::PciDss],
    );
    let shop = document("Zest 100% Organic", Industry::Retail, &[Regulation::Gdpr]);
    create(mirror, &priya, &clinic).await;
    create(mirror, &sam, &bank).await;
    create(mirror, &priya, &shop).await;

    let all = list(mirror, TenantFilter::default()).await;
    assert_eq!(all.total, 3);
    assert_eq!(
        names(&all),
        vec!["Harbour Clinic", "Northwind Bank", "Zest 100% Organic"],
        "by name"
    );
    let first = &all.tenants[0];
    assert_eq!(first.id, clinic.tenant.id.as_str());
    assert_eq!(first.slug, clinic.tenant.slug.as_str());
    assert_eq!(first.compliance_mode, "hipaa");
    assert_eq!(first.industry, "healthcare");
    assert_eq!(first.stage, Environment::Draft);
    assert_eq!(first.owner.as_deref(), Some(priya.key_id().as_str()));
    assert_eq!(first.owner_label.as_deref(), Some("Priya Raman"));
    assert_eq!(first.steps_complete, None, "not evaluated yet");

    let by_text = |text: &str| TenantFilter {
        text: text.into(),
        ..TenantFilter::default()
    };
    assert_eq!(
        names(&list(mirror, by_text("HARBOUR")).await),
        vec!["Harbour Clinic"]
    );
    assert_eq!(
        names(&list(mirror, by_text("northwind-")).await),
        vec!["Northwind Bank"],
        "the slug is searched too"
    );
    assert_eq!(
        names(&list(mirror, by_text("100%")).await),
        vec!["Zest 100% Organic"],
        "% matches itself"
    );
    assert_eq!(
        list(mirror, by_text("1_0")).await.total,
        0,
        "_ matches itself"
    );
    assert_eq!(list(mirror, by_text("' OR 1=1 --")).await.total, 0);

    let hipaa = list(
        mirror,
        TenantFilter {
            compliance_mode: Some("hipaa".into()),
            ..TenantFilter::default()
        },
    )
    .await;
    assert_eq!(names(&hipaa), vec!["Harbour Clinic"]);
    let sams = list(
        mirror,
        TenantFilter {
            owner: Some(sam.key_id().as_str().to_owned()),
            ..TenantFilter::default()
        },
    )
    .await;
    assert_eq!(names(&sams), vec!["Northwind Bank"]);

    // Pages: what the virtualised list asks for as it scrolls.
    let page = list(
        mirror,
        TenantFilter {
            offset: 1,
            limit: 1,
            ..TenantFilter::default()
        },
    )
    .await;
    assert_eq!((page.total, page.offset), (3, 1));
    assert_eq!(names(&page), vec!["Northwind Bank"]);

    // Progress: written for a head, filtered on.
    let needing = mirror
        .store
        .tenants_needing_progress(10)
        .await
        .expect("needing");
    assert_eq!(needing.len(), 3);
    for (tenant, head, doc) in &needing {
        assert_eq!(&doc.tenant.id, tenant);
        let complete = if doc.tenant.display_name == "Northwind Bank" {
            12
        } else {
            3
        };
        let blocked = doc.tenant.display_name == "Zest 100% Organic";
        assert!(mirror
            .store
            .set_tenant_progress(tenant, head, complete, blocked)
            .await
            .expect("set"));
    }
    assert!(mirror
        .store
        .tenants_needing_progress(10)
        .await
        .expect("needing")
        .is_empty());
    let by_progress = |progress| TenantFilter {
        progress: Some(progress),
        ..TenantFilter::default()
    };
    assert_eq!(
        names(&list(mirror, by_progress(ProgressFilter::Complete)).await),
        vec!["Northwind Bank"]
    );
    assert_eq!(
        names(&list(mirror, by_progress(ProgressFilter::InProgress)).await),
        vec!["Harbour Clinic"]
    );
    assert_eq!(
        names(&list(mirror, by_progress(ProgressFilter::Blocked)).await),
        vec!["Zest 100% Organic"]
    );
    assert_eq!(
        list(mirror, by_progress(ProgressFilter::Unknown))
            .await
            .total,
        0
    );
    let clinic_row = &list(mirror, by_text("harbour")).await.tenants[0];
    assert_eq!(
        (clinic_row.steps_complete, clinic_row.blocked),
        (Some(3), Some(false))
    );
}

async fn edits_and_promotions_show_at_once_and_clear_stale_progress(mirror: &TestMirror) {
    let key = author(mirror, "Priya Raman").await;
    let doc = document("Harbour Clinic", Industry::Healthcare, &[Regulation::Hipaa]);
    let created = create(mirror, &key, &doc).await;
    assert!(mirror
        .store
        .set_tenant_progress(&doc.tenant.id, &created, 2, false)
        .await
        .expect("set"));

    // A rename: the list shows the new name at once, and the old verdict is gone.
    let rename = signed(
        &key,
        &doc,
        Environment::Draft,
        Some(created.clone()),
        vec![Operation::Set {
            path: "/tenant/display_name".into(),
            value: json!("Harbour Health"),
            old: Some(json!("Harbour Clinic")),
        }],
    );
    let renamed = mirror.store.record(&rename).await.expect("record").hash.0;
    let row = list(mirror, TenantFilter::default())
        .await
        .tenants
        .remove(0);
    assert_eq!(row.display_name, "Harbour Health");
    assert_eq!(
        row.steps_complete, None,
        "progress of the old document is dropped"
    );
    // A verdict computed for the old head arrives late: refused, not shown.
    assert!(!mirror
        .store
        .set_tenant_progress(&doc.tenant.id, &created, 2, false)
        .await
        .expect("set"));
    assert_eq!(
        list(mirror, TenantFilter::default()).await.tenants[0].steps_complete,
        None
    );
    let needing = mirror
        .store
        .tenants_needing_progress(10)
        .await
        .expect("needing");
    assert_eq!(needing.len(), 1);
    assert_eq!(needing[0].1, renamed);
    assert_eq!(needing[0].2.tenant.display_name, "Harbour Health");

    // Promotion to staging: the stage moves; the name still comes from the draft.
    let mut promoted = doc.clone();
    promoted.tenant.display_name = "Harbour Health".into();
    let staging = signed(
        &key,
        &promoted,
        Environment::Staging,
        Some(renamed),
        vec![ChangeSet::creation(&promoted)],
    );
    mirror.store.record(&staging).await.expect("record staging");
    let staged = list(
        mirror,
        TenantFilter {
            stage: Some(Environment::Staging),
            ..TenantFilter::default()
        },
    )
    .await;
    assert_eq!(names(&staged), vec!["Harbour Health"]);
    assert_eq!(
        list(
            mirror,
            TenantFilter {
                stage: Some(Environment::Draft),
                ..TenantFilter::default()
            }
        )
        .await
        .total,
        0,
        "the stage is the furthest environment"
    );
}

async fn a_bad_filter_is_refused(mirror: &TestMirror) {
    let refused = mirror
        .store
        .list_tenants(&TenantFilter {
            compliance_mode: Some("'; DELETE FROM tenants; --".into()),
            ..TenantFilter::default()
        })
        .await
        .expect("no database error");
    assert!(matches!(
        refused,
        Err(TenantFilterError::UnknownComplianceMode(_))
    ));
}

/// Every tenant `filter` matches, walked `limit` rows at a time by cursor.
async fn walk(mirror: &TestMirror, filter: &TenantFilter, limit: u32) -> Vec<String> {
    let mut ids = Vec::new();
    let mut after: Option<TenantCursor> = None;
    for _ in 0..100 {
        let page = list(
            mirror,
            TenantFilter {
                after: after.clone(),
                limit,
                ..filter.clone()
            },
        )
        .await;
        assert!(page.tenants.len() <= limit as usize);
        ids.extend(page.tenants.iter().map(|t| t.id.clone()));
        match page.next {
            Some(next) => after = Some(next),
            None => return ids,
        }
    }
    panic!("the walk did not end");
}

async fn paging_by_cursor_yields_every_tenant_once_in_order_under_every_filter(
    mirror: &TestMirror,
) {
    let priya = author(mirror, "Priya Raman").await;
    let sam = author(mirror, "Sam Okafor").await;
    // Two tenants share each of two names: the cursor must break the tie by id.
    let clients = [
        ("Harbour Clinic", Industry::Healthcare, Regulation::Hipaa),
        ("Harbour Clinic", Industry::Healthcare, Regulation::Hipaa),
        ("acme health", Industry::Healthcare, Regulation::Hipaa),
        (
            "Northwind Bank",
            Industry::FinancialServices,
            Regulation::PciDss,
        ),
        ("Zest Organic", Industry::Retail, Regulation::Gdpr),
        ("Zest Organic", Industry::Retail, Regulation::Gdpr),
        ("Birch Market", Industry::Retail, Regulation::Gdpr),
    ];
    for (i, (name, industry, regulation)) in clients.into_iter().enumerate() {
        let key = if i % 2 == 0 { &priya } else { &sam };
        let mut doc = document(name, industry, &[regulation]);
        // Same names, distinct addresses (a slug is unique, a display name is not).
        doc.tenant.slug = Slug::parse(&format!(
            "{}-site-{}",
            doc.tenant.slug.as_str(),
            ["a", "b", "c", "d", "e", "f", "g"][i]
        ))
        .expect("slug");
        create(mirror, key, &doc).await;
    }
    let filters = [
        TenantFilter::default(),
        TenantFilter {
            text: "harbour".into(),
            ..TenantFilter::default()
        },
        TenantFilter {
            compliance_mode: Some("gdpr".into()),
            ..TenantFilter::default()
        },
        TenantFilter {
            owner: Some(sam.key_id().as_str().to_owned()),
            ..TenantFilter::default()
        },
        TenantFilter {
            stage: Some(Environment::Draft),
            progress: Some(ProgressFilter::Unknown),
            ..TenantFilter::default()
        },
    ];
    for filter in &filters {
        let whole = list(
            mirror,
            TenantFilter {
                limit: 500,
                ..filter.clone()
            },
        )
        .await;
        assert!(whole.next.is_none(), "one page holds them all");
        let expected: Vec<String> = whole.tenants.iter().map(|t| t.id.clone()).collect();
        assert!(!expected.is_empty(), "{filter:?} matches something");
        for limit in [1, 2, 3] {
            assert_eq!(
                walk(mirror, filter, limit).await,
                expected,
                "{filter:?} by {limit}"
            );
        }
    }
    let all = list(mirror, TenantFilter::default()).await;
    assert_eq!(
        names(&all),
        vec![
            "acme health",
            "Birch Market",
            "Harbour Clinic",
            "Harbour Clinic",
            "Northwind Bank",
            "Zest Organic",
            "Zest Organic"
        ],
        "by name, any case"
    );
    // A cursor and an offset together: skip that many after the cursor.
    let first = list(
        mirror,
        TenantFilter {
            limit: 2,
            ..TenantFilter::default()
        },
    )
    .await;
    let skipped = list(
        mirror,
        TenantFilter {
            after: first.next.clone(),
            offset: 1,
            limit: 1,
            ..TenantFilter::default()
        },
    )
    .await;
    assert_eq!(skipped.tenants[0].id, all.tenants[3].id);
    assert_eq!((skipped.total, skipped.offset), (7, 1));
}

async fn a_tenant_added_between_pages_is_never_listed_twice(mirror: &TestMirror) {
    let key = author(mirror, "Priya Raman").await;
    for name in ["Alder Bank", "Birch Bank", "Cedar Bank", "Maple Bank"] {
        create(
            mirror,
            &key,
            &document(name, Industry::FinancialServices, &[Regulation::PciDss]),
        )
        .await;
    }
    let first = list(
        mirror,
        TenantFilter {
            limit: 2,
            ..TenantFilter::default()
        },
    )
    .await;
    assert_eq!(names(&first), vec!["Alder Bank", "Birch Bank"]);
    // Someone adds a tenant before the cursor and one after it while the list is open.
    create(
        mirror,
        &key,
        &document(
            "Aspen Bank",
            Industry::FinancialServices,
            &[Regulation::PciDss],
        ),
    )
    .await;
    create(
        mirror,
        &key,
        &document(
            "Linden Bank",
            Industry::FinancialServices,
            &[Regulation::PciDss],
        ),
    )
    .await;
    let second = list(
        mirror,
        TenantFilter {
            after: first.next.clone(),
            limit: 2,
            ..TenantFilter::default()
        },
    )
    .await;
    assert_eq!(
        names(&second),
        vec!["Cedar Bank", "Linden Bank"],
        "no repeat of Birch Bank, as an offset of 2 would give"
    );
    assert_eq!(second.total, 6);
    let third = list(
        mirror,
        TenantFilter {
            after: second.next.clone(),
            limit: 2,
            ..TenantFilter::default()
        },
    )
    .await;
    assert_eq!(names(&third), vec!["Maple Bank"]);
    assert!(third.next.is_none(), "the last page says so");

    // A cursor the list never gave out is refused, and runs nothing.
    for cursor in [
        TenantCursor {
            sort_key: "birch bank".into(),
            id: "not-a-tenant-id".into(),
        },
        TenantCursor {
            sort_key: "x".repeat(2_000),
            id: first.tenants[0].id.clone(),
        },
    ] {
        let refused = mirror
            .store
            .list_tenants(&TenantFilter {
                after: Some(cursor),
                ..TenantFilter::default()
            })
            .await
            .expect("no database error");
        assert_eq!(refused, Err(TenantFilterError::BadCursor));
    }
}

async fn owners_are_offered_with_their_labels_and_counts(mirror: &TestMirror) {
    assert!(mirror
        .store
        .tenant_owners()
        .await
        .expect("owners")
        .is_empty());
    let sam = author(mirror, "Sam Okafor").await;
    let priya = author(mirror, "Priya Raman").await;
    let _idle = author(mirror, "Idle Key").await;
    for (key, name) in [
        (&sam, "Harbour Clinic"),
        (&priya, "Northwind Bank"),
        (&sam, "Zest Organic"),
    ] {
        create(
            mirror,
            key,
            &document(name, Industry::Retail, &[Regulation::Gdpr]),
        )
        .await;
    }
    let owners = mirror.store.tenant_owners().await.expect("owners");
    let seen: Vec<(Option<&str>, u32)> = owners
        .iter()
        .map(|o| (o.label.as_deref(), o.tenants))
        .collect();
    assert_eq!(
        seen,
        vec![(Some("Priya Raman"), 1), (Some("Sam Okafor"), 2)],
        "by label; a key that owns nothing is not offered"
    );
    assert_eq!(owners[1].key_id, sam.key_id().as_str());

    // Asked with the page, or not at all.
    let plain = list(mirror, TenantFilter::default()).await;
    assert!(plain.owners.is_empty());
    let with = list(
        mirror,
        TenantFilter {
            with_owners: true,
            ..TenantFilter::default()
        },
    )
    .await;
    assert_eq!(with.owners, owners);
    // Each choice narrows the list to that owner's tenants.
    let sams = list(
        mirror,
        TenantFilter {
            owner: Some(owners[1].key_id.clone()),
            ..TenantFilter::default()
        },
    )
    .await;
    assert_eq!(names(&sams), vec!["Harbour Clinic", "Zest Organic"]);
}

async fn a_row_names_the_draft_it_opens(mirror: &TestMirror) {
    let key = author(mirror, "Priya Raman").await;
    let draft = mirror
        .store
        .create_draft(&NewDraft {
            client_name: "Harbour Clinic".into(),
            industry: "healthcare".into(),
        })
        .await
        .expect("draft");
    let detail = mirror.store.open_draft(&draft.id).await.expect("open");
    create(mirror, &key, &detail.document).await;
    // A colleague's tenant, with no draft in this mirror.
    create(
        mirror,
        &key,
        &document(
            "Northwind Bank",
            Industry::FinancialServices,
            &[Regulation::PciDss],
        ),
    )
    .await;
    let page = list(mirror, TenantFilter::default()).await;
    let rows: Vec<(&str, Option<&str>)> = page
        .tenants
        .iter()
        .map(|t| (t.display_name.as_str(), t.draft_id.as_deref()))
        .collect();
    assert_eq!(
        rows,
        vec![
            ("Harbour Clinic", Some(draft.id.as_str())),
            ("Northwind Bank", None)
        ]
    );
}
