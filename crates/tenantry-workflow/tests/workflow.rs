//! Submitting and reverting, on a real SQLite file and a real Postgres database, with
//! the bundled catalog and policy pack.

use std::path::Path;

use tenantry_changeset::changeset::{ChangeSetError, Environment};
use tenantry_changeset::SigningKey;
use tenantry_core::catalog::Catalog;
use tenantry_core::tenant::file::load_document;
use tenantry_core::{NewDraft, SubmissionState, TenantDocument};
use tenantry_policy::PolicyPack;
use tenantry_store::testing::TestMirror;
use tenantry_workflow::{
    changeset_plan, go_live, handoff, plan_draft, promote, refresh_tenant_progress, revert, submit,
    submit_draft, Rules, SubmitOutcome, SubmitRequest, WorkflowError,
};

tenantry_store::on_both_backends!(
    a_blocked_document_is_neither_signed_nor_stored,
    submitting_twice_and_after_an_edit,
    reverting_restores_and_refuses_what_it_cannot_undo,
    a_draft_submitted_then_edited_then_submitted_again,
    a_blocked_draft_stays_unsubmitted,
    the_plan_of_a_draft_is_what_its_submission_signs,
    the_tenant_list_learns_each_tenants_progress_from_the_policy,
    the_handoff_documents_what_was_signed_and_by_whom,
    a_recorded_change_set_reads_as_the_plan_of_what_it_changed,
    promotion_copies_draft_to_staging_then_staging_to_production,
);

fn hipaa_example() -> TenantDocument {
    load_document(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/tenants/healthcare-hipaa.json"),
    )
    .expect("the HIPAA example loads")
}

fn request(summary: &str) -> SubmitRequest<'_> {
    SubmitRequest {
        summary,
        environment: Environment::Draft,
        organisation: "org-example",
    }
}

async fn submitted(
    mirror: &TestMirror,
    rules: Rules<'_>,
    doc: &TenantDocument,
    key: &SigningKey,
    summary: &str,
) -> tenantry_store::Recorded {
    let signer =
        || SigningKey::from_bytes(key.to_bytes().as_ref()).map_err(|error| error.to_string());
    match submit(&mirror.store, rules, doc, signer, request(summary))
        .await
        .expect("submit")
    {
        SubmitOutcome::Submitted { recorded, .. } => *recorded,
        other => panic!("expected a submission, got {other:?}"),
    }
}

async fn a_blocked_document_is_neither_signed_nor_stored(mirror: &TestMirror) {
    let (catalog, pack) = (Catalog::bundled(), PolicyPack::bundled());
    let rules = Rules {
        catalog: &catalog,
        pack: &pack,
    };
    let mut doc = hipaa_example();
    doc.ai.allowed_models.push("openweights-7b".into());
    let outcome = submit(
        &mirror.store,
        rules,
        &doc,
        || -> Result<SigningKey, String> { panic!("the key must not be fetched") },
        request("x"),
    )
    .await
    .expect("evaluates");
    match outcome {
        SubmitOutcome::Blocked(findings) => {
            assert!(
                findings
                    .iter()
                    .any(|f| f.rule_id == "AI-002" && f.path.starts_with("/ai/allowed_models/")),
                "{findings:?}"
            );
        }
        other => panic!("expected Blocked, got {other:?}"),
    }
    assert!(mirror.store.tenant_ids().await.expect("tenants").is_empty());
}

async fn submitting_twice_and_after_an_edit(mirror: &TestMirror) {
    let (catalog, pack) = (Catalog::bundled(), PolicyPack::bundled());
    let rules = Rules {
        catalog: &catalog,
        pack: &pack,
    };
    let key = SigningKey::generate().expect("key");
    let doc = hipaa_example();
    let first = submitted(mirror, rules, &doc, &key, "Onboard").await;
    assert_eq!(first.seq, 1);
    // The same version again: nothing to submit, and the key is never fetched.
    let never = || -> Result<SigningKey, String> { panic!("not needed") };
    let again = submit(&mirror.store, rules, &doc, never, request("again"))
        .await
        .expect("submit");
    assert!(matches!(again, SubmitOutcome::NothingToSubmit), "{again:?}");

    let mut edited = doc.clone();
    edited.ai.monthly_budget_cents += 10_000;
    let second = submitted(mirror, rules, &edited, &key, "Raise the budget").await;
    assert_eq!(second.seq, 2);
    assert_eq!(
        second.changeset.parent.as_deref(),
        Some(first.hash.0.as_str())
    );
    assert_eq!(
        second.changeset.operations.len(),
        1,
        "only the changed field"
    );

    // A summary that cannot be signed is refused before the keyring is asked.
    for summary in ["", "   ", &"x".repeat(501)] {
        let never = || -> Result<SigningKey, String> { panic!("not needed") };
        let refused = submit(&mirror.store, rules, &edited, never, request(summary)).await;
        assert!(
            matches!(
                refused,
                Err(WorkflowError::ChangeSet(ChangeSetError::BadSummary))
            ),
            "{refused:?}"
        );
    }

    // A keyring that cannot give the key: a clear error, nothing stored.
    let mut third = edited.clone();
    third.ai.monthly_budget_cents += 1;
    let locked = submit(
        &mirror.store,
        rules,
        &third,
        || Err("the keyring is locked".to_owned()),
        request("x"),
    )
    .await;
    assert!(
        matches!(locked, Err(WorkflowError::Key(ref message)) if message == "the keyring is locked"),
        "{locked:?}"
    );
    assert_eq!(
        mirror
            .store
            .history(&doc.tenant.id)
            .await
            .expect("history")
            .len(),
        2
    );
}

async fn reverting_restores_and_refuses_what_it_cannot_undo(mirror: &TestMirror) {
    let (catalog, pack) = (Catalog::bundled(), PolicyPack::bundled());
    let rules = Rules {
        catalog: &catalog,
        pack: &pack,
    };
    let key = SigningKey::generate().expect("key");
    let doc = hipaa_example();
    let first = submitted(mirror, rules, &doc, &key, "Onboard").await;
    let mut edited = doc.clone();
    edited.ai.monthly_budget_cents += 10_000;
    let second = submitted(mirror, rules, &edited, &key, "Raise the budget").await;

    let reverted = revert(
        &mirror.store,
        rules,
        &second.changeset.id,
        &key,
        None,
        "org-example",
    )
    .await
    .expect("revert");
    assert_eq!(reverted.recorded.seq, 3);
    assert_eq!(
        reverted.recorded.changeset.summary,
        "Revert \"Raise the budget\""
    );
    assert_eq!(reverted.recorded.document, doc);

    let again = revert(
        &mirror.store,
        rules,
        &second.changeset.id,
        &key,
        None,
        "org-example",
    )
    .await;
    assert!(
        matches!(again, Err(WorkflowError::LaterChanges { .. })),
        "{again:?}"
    );
    let creation = revert(
        &mirror.store,
        rules,
        &first.hash.0,
        &key,
        None,
        "org-example",
    )
    .await;
    assert!(
        matches!(creation, Err(WorkflowError::RevertsCreation)),
        "{creation:?}"
    );
    let unknown = revert(&mirror.store, rules, "nope", &key, None, "org-example").await;
    assert!(
        matches!(unknown, Err(WorkflowError::NotFound(_))),
        "{unknown:?}"
    );
    assert_eq!(
        mirror
            .store
            .history(&doc.tenant.id)
            .await
            .expect("history")
            .len(),
        3
    );
}

fn key_copy(key: &SigningKey) -> impl FnOnce() -> Result<SigningKey, String> + '_ {
    || SigningKey::from_bytes(key.to_bytes().as_ref()).map_err(|error| error.to_string())
}

async fn a_draft_submitted_then_edited_then_submitted_again(mirror: &TestMirror) {
    let (catalog, pack) = (Catalog::bundled(), PolicyPack::bundled());
    let rules = Rules {
        catalog: &catalog,
        pack: &pack,
    };
    let key = SigningKey::generate().expect("key");
    let draft = mirror
        .store
        .create_draft(&NewDraft {
            client_name: "Acme Health".into(),
            industry: "healthcare".into(),
        })
        .await
        .expect("draft");

    let first = submit_draft(
        &mirror.store,
        rules,
        &draft.id,
        key_copy(&key),
        request("Start"),
    )
    .await
    .expect("submit");
    let SubmitOutcome::Submitted { recorded, .. } = first.outcome else {
        panic!(
            "a fresh draft with safe defaults submits: {:?}",
            first.outcome
        );
    };
    assert!(recorded.changeset.parent.is_none());
    assert_eq!(first.draft.submission, SubmissionState::Submitted);
    let opened = mirror.store.open_draft(&draft.id).await.expect("open");
    assert_eq!(
        opened.submitted_hash.as_deref(),
        Some(recorded.hash.0.as_str())
    );
    assert_eq!(
        mirror
            .store
            .document(&opened.document.tenant.id, Environment::Draft)
            .await
            .expect("document"),
        Some(opened.document.clone())
    );

    // Submitting again without an edit signs nothing.
    let never = || -> Result<SigningKey, String> { panic!("no key needed") };
    let again = submit_draft(&mirror.store, rules, &draft.id, never, request("again"))
        .await
        .expect("submit");
    assert!(matches!(again.outcome, SubmitOutcome::NothingToSubmit));
    assert_eq!(again.draft.submission, SubmissionState::Submitted);

    // An edit after submission: the draft says so, and the next submission is a new
    // change set on top of the first, holding only that edit.
    let mut document = opened.document;
    document.tenant.metadata.legal_name = Some("Acme Health Inc.".into());
    let saved = mirror
        .store
        .save_draft(&draft.id, &document)
        .await
        .expect("save");
    assert_eq!(saved.submission, SubmissionState::EditedSinceSubmission);
    let second = submit_draft(
        &mirror.store,
        rules,
        &draft.id,
        key_copy(&key),
        request("Legal name"),
    )
    .await
    .expect("submit");
    let SubmitOutcome::Submitted {
        recorded: second_recorded,
        ..
    } = second.outcome
    else {
        panic!("expected a second change set: {:?}", second.outcome);
    };
    assert_eq!(second_recorded.seq, 2);
    assert_eq!(
        second_recorded.changeset.parent.as_deref(),
        Some(recorded.hash.0.as_str())
    );
    assert_eq!(second_recorded.changeset.operations.len(), 1);
    assert_eq!(second.draft.submission, SubmissionState::Submitted);
    assert!(mirror
        .store
        .verify_mirror()
        .await
        .expect("verify")
        .problems
        .is_empty());
}

async fn a_blocked_draft_stays_unsubmitted(mirror: &TestMirror) {
    let (catalog, pack) = (Catalog::bundled(), PolicyPack::bundled());
    let rules = Rules {
        catalog: &catalog,
        pack: &pack,
    };
    let draft = mirror
        .store
        .create_draft(&NewDraft {
            client_name: "Acme Health".into(),
            industry: "healthcare".into(),
        })
        .await
        .expect("draft");
    let mut document = mirror
        .store
        .open_draft(&draft.id)
        .await
        .expect("open")
        .document;
    document.ai.allowed_models.push("openweights-7b".into());
    document
        .classification
        .regulations
        .push(tenantry_core::tenant::Regulation::Hipaa);
    mirror
        .store
        .save_draft(&draft.id, &document)
        .await
        .expect("save");
    let never = || -> Result<SigningKey, String> { panic!("a blocked draft is never signed") };
    let outcome = submit_draft(&mirror.store, rules, &draft.id, never, request("x"))
        .await
        .expect("evaluates");
    assert!(
        matches!(outcome.outcome, SubmitOutcome::Blocked(_)),
        "{:?}",
        outcome.outcome
    );
    assert_eq!(outcome.draft.submission, SubmissionState::NotSubmitted);
    assert!(mirror
        .store
        .history(&document.tenant.id)
        .await
        .expect("history")
        .is_empty());
}

async fn the_plan_of_a_draft_is_what_its_submission_signs(mirror: &TestMirror) {
    let (catalog, pack) = (Catalog::bundled(), PolicyPack::bundled());
    let rules = Rules {
        catalog: &catalog,
        pack: &pack,
    };
    let key = SigningKey::generate().expect("key");
    let draft = mirror
        .store
        .create_draft(&NewDraft {
            client_name: "Birch Dental".into(),
            industry: "healthcare".into(),
        })
        .await
        .expect("draft");

    // Before the first submission the plan creates the tenant.
    let plan = plan_draft(&mirror.store, rules, &draft.id, Environment::Draft)
        .await
        .expect("plan");
    assert!(plan.creates_tenant);
    assert_eq!(plan.base, None);
    assert_eq!(plan.display_name, "Birch Dental");
    assert!(plan.can_submit, "{plan:?}");
    let first = submit_draft(
        &mirror.store,
        rules,
        &draft.id,
        key_copy(&key),
        request("Start"),
    )
    .await
    .expect("submit");
    let SubmitOutcome::Submitted { recorded, .. } = first.outcome else {
        panic!("expected a submission: {:?}", first.outcome);
    };

    // After it: nothing to submit, and the plan says so.
    let plan = plan_draft(&mirror.store, rules, &draft.id, Environment::Draft)
        .await
        .expect("plan");
    assert_eq!(plan.change_count, 0);
    assert!(!plan.can_submit);

    // One edit: the plan shows exactly that field, old and new, on top of the head;
    // the submission then signs exactly those operations.
    let mut document = first.document;
    document.tenant.metadata.legal_name = Some("Birch Dental Group LLC".into());
    mirror
        .store
        .save_draft(&draft.id, &document)
        .await
        .expect("save");
    let plan = plan_draft(&mirror.store, rules, &draft.id, Environment::Draft)
        .await
        .expect("plan");
    assert!(!plan.creates_tenant);
    assert_eq!(plan.base.as_deref(), Some(recorded.hash.0.as_str()));
    let changes: Vec<_> = plan.steps.iter().flat_map(|step| &step.changes).collect();
    assert_eq!(changes.len(), 1, "{changes:?}");
    assert_eq!(changes[0].path, "/tenant/metadata/legal_name");
    assert_eq!(changes[0].before.as_deref(), Some("(empty)"));
    assert_eq!(changes[0].after.as_deref(), Some("Birch Dental Group LLC"));
    let second = submit_draft(
        &mirror.store,
        rules,
        &draft.id,
        key_copy(&key),
        request("Legal name"),
    )
    .await
    .expect("submit");
    let SubmitOutcome::Submitted { recorded, .. } = second.outcome else {
        panic!("expected a second submission: {:?}", second.outcome);
    };
    let signed: Vec<&str> = recorded
        .changeset
        .operations
        .iter()
        .map(|operation| operation.path())
        .collect();
    assert_eq!(signed, vec!["/tenant/metadata/legal_name"]);
}

async fn the_tenant_list_learns_each_tenants_progress_from_the_policy(mirror: &TestMirror) {
    let (catalog, pack) = (Catalog::bundled(), PolicyPack::bundled());
    let rules = Rules {
        catalog: &catalog,
        pack: &pack,
    };
    let key = SigningKey::generate().expect("key");
    // The complete HIPAA reference, and a fresh tenant with safe defaults.
    submitted(mirror, rules, &hipaa_example(), &key, "Reference").await;
    let fresh = TenantDocument::with_safe_defaults(
        &tenantry_core::ClientName::parse("Birch Dental").expect("name"),
        tenantry_core::Industry::Healthcare,
        &[],
    )
    .expect("defaults");
    submitted(mirror, rules, &fresh, &key, "Start").await;

    let evaluated = refresh_tenant_progress(&mirror.store, rules, 1)
        .await
        .expect("refresh");
    assert_eq!(evaluated, 1, "one batch of one");
    let evaluated = refresh_tenant_progress(&mirror.store, rules, 10)
        .await
        .expect("refresh");
    assert_eq!(evaluated, 1);
    assert_eq!(
        refresh_tenant_progress(&mirror.store, rules, 10)
            .await
            .expect("refresh"),
        0,
        "nothing left to evaluate"
    );
    let page = mirror
        .store
        .list_tenants(&tenantry_store::TenantFilter::default())
        .await
        .expect("query")
        .expect("filter");
    let by_name = |name: &str| {
        page.tenants
            .iter()
            .find(|row| row.display_name == name)
            .unwrap_or_else(|| panic!("{name} is listed"))
    };
    let reference = by_name(&hipaa_example().tenant.display_name);
    let new = by_name("Birch Dental");
    // The reference has filled in every step that a configuration can; the fresh tenant
    // has filled in fewer. Exact numbers are the policy's business, not this test's.
    let (Some(done_reference), Some(done_new)) = (reference.steps_complete, new.steps_complete)
    else {
        panic!("both evaluated: {page:?}");
    };
    assert!(done_reference > done_new, "{done_reference} vs {done_new}");
    assert_eq!(reference.blocked, Some(false));
}

async fn the_handoff_documents_what_was_signed_and_by_whom(mirror: &TestMirror) {
    let (catalog, pack) = (Catalog::bundled(), PolicyPack::bundled());
    let rules = Rules {
        catalog: &catalog,
        pack: &pack,
    };
    let key = SigningKey::generate().expect("key");
    let doc = hipaa_example();
    submitted(mirror, rules, &doc, &key, "Onboard Cedar Valley").await;
    let mut edited = doc.clone();
    edited.ai.monthly_budget_cents += 10_000;
    let second = submitted(mirror, rules, &edited, &key, "Raise the AI budget").await;

    // By slug or id, from the furthest environment reached (only draft here).
    let by_slug = handoff(&mirror.store, doc.tenant.slug.as_str(), None)
        .await
        .expect("a handoff");
    let by_id = handoff(&mirror.store, &doc.tenant.id.to_string(), None)
        .await
        .expect("a handoff by id");
    assert_eq!(by_slug.markdown(), by_id.markdown());
    assert_eq!(by_slug.head(), Some(second.hash.0.as_str()));
    let markdown = by_slug.markdown();
    assert!(markdown.contains(&doc.tenant.display_name), "{markdown}");
    assert!(markdown.contains("Onboard Cedar Valley"), "{markdown}");
    assert!(markdown.contains("Raise the AI budget"), "{markdown}");
    assert!(
        markdown.contains(&key.key_id().as_str()[..12]),
        "the signer is named: {markdown}"
    );

    let unknown = handoff(&mirror.store, "no-such-client", None)
        .await
        .expect_err("unknown tenant");
    assert!(
        matches!(unknown, WorkflowError::UnknownTenant(ref given) if given == "no-such-client"),
        "{unknown:?}"
    );
    let production = handoff(
        &mirror.store,
        doc.tenant.slug.as_str(),
        Some(Environment::Production),
    )
    .await
    .expect_err("never promoted");
    assert!(
        production
            .to_string()
            .contains("no signed production document"),
        "{production}"
    );
}

async fn a_recorded_change_set_reads_as_the_plan_of_what_it_changed(mirror: &TestMirror) {
    let (catalog, pack) = (Catalog::bundled(), PolicyPack::bundled());
    let rules = Rules {
        catalog: &catalog,
        pack: &pack,
    };
    let key = SigningKey::generate().expect("key");
    let doc = hipaa_example();
    let first = submitted(mirror, rules, &doc, &key, "Onboard").await;
    let mut edited = doc.clone();
    edited.ai.monthly_budget_cents += 10_000;
    let second = submitted(mirror, rules, &edited, &key, "Raise the budget").await;
    let slug = doc.tenant.slug.as_str();

    let raised = changeset_plan(&mirror.store, rules, slug, &second.hash.0)
        .await
        .expect("plan")
        .expect("the change set is in the mirror");
    assert!(!raised.creates_tenant);
    assert_eq!(raised.base.as_deref(), Some(first.hash.0.as_str()));
    assert_eq!(raised.change_count, 1);
    let changes: Vec<_> = raised.steps.iter().flat_map(|step| &step.changes).collect();
    assert_eq!(changes.len(), 1);
    assert_eq!(changes[0].path, "/ai/monthly_budget_cents");
    assert_eq!(
        changes[0].before.as_deref(),
        Some(doc.ai.monthly_budget_cents.to_string().as_str())
    );
    assert_eq!(
        changes[0].after.as_deref(),
        Some(edited.ai.monthly_budget_cents.to_string().as_str())
    );
    assert_eq!(raised.blocking_count, 0, "it passed the policy when signed");

    let created = changeset_plan(&mirror.store, rules, slug, &first.hash.0)
        .await
        .expect("plan")
        .expect("in the mirror");
    assert!(created.creates_tenant);
    assert!(created.change_count > 10, "every starting value is listed");

    assert!(changeset_plan(&mirror.store, rules, slug, &"0".repeat(64))
        .await
        .expect("plan")
        .is_none());
    assert!(
        changeset_plan(&mirror.store, rules, "no-such-client", &second.hash.0)
            .await
            .expect("plan")
            .is_none()
    );
}

/// Go-live from the mirror: each promotion makes the next environment exactly the one
/// before it; the go-live view says where each environment stands, which checklist
/// items the rules require and their evidence; a second promotion signs nothing; a
/// tenant with nothing signed in draft cannot be promoted.
async fn promotion_copies_draft_to_staging_then_staging_to_production(mirror: &TestMirror) {
    let (catalog, pack) = (Catalog::bundled(), PolicyPack::bundled());
    let rules = Rules {
        catalog: &catalog,
        pack: &pack,
    };
    let key = SigningKey::generate().expect("key");
    let signer =
        || SigningKey::from_bytes(key.to_bytes().as_ref()).map_err(|error| error.to_string());
    let doc = hipaa_example();
    let slug = doc.tenant.slug.as_str().to_owned();
    let unknown = go_live(&mirror.store, rules, "nobody")
        .await
        .expect_err("unknown");
    assert!(
        matches!(unknown, WorkflowError::UnknownTenant(_)),
        "{unknown}"
    );
    let created = submitted(mirror, rules, &doc, &key, "Onboard").await;

    let before = go_live(&mirror.store, rules, &slug).await.expect("go-live");
    assert_eq!(before.client_name, doc.tenant.display_name);
    assert_eq!(before.checklist_of, Environment::Draft);
    let draft = &before.stages[0];
    assert_eq!(
        draft.head.as_ref().map(|head| head.hash.as_str()),
        Some(created.hash.0.as_str())
    );
    assert!(draft.queued, "nothing was pushed: it waits in the outbox");
    assert_eq!(before.stages[1].head, None);
    assert_eq!(before.stages[1].same_as_previous, None);
    assert!(before.can_promote(Environment::Staging));
    assert!(
        !before.can_promote(Environment::Production),
        "no staging yet"
    );
    // The HIPAA example evidences every item the rules ask of it.
    assert!(!before.checklist.is_empty());
    assert!(before
        .checklist
        .iter()
        .any(|entry| entry.item == "baa_on_file" && entry.required));
    assert!(
        before
            .checklist
            .iter()
            .all(|entry| entry.evidence.is_some()),
        "{:?}",
        before.checklist
    );
    assert!(before.blockers.is_empty(), "{:?}", before.blockers);

    let refused = promote(
        &mirror.store,
        rules,
        &slug,
        Environment::Draft,
        signer,
        "x",
        "org-example",
    )
    .await
    .expect_err("a draft is not promoted");
    assert!(matches!(refused, WorkflowError::NotPromotable), "{refused}");
    let production_first = promote(
        &mirror.store,
        rules,
        &slug,
        Environment::Production,
        signer,
        "Go",
        "org-example",
    )
    .await
    .expect_err("nothing in staging to promote");
    assert!(
        matches!(
            production_first,
            WorkflowError::NoSignedDocument {
                environment: "staging",
                ..
            }
        ),
        "{production_first}"
    );

    let staged = match promote(
        &mirror.store,
        rules,
        &slug,
        Environment::Staging,
        signer,
        "To staging",
        "org-example",
    )
    .await
    .expect("promote")
    {
        SubmitOutcome::Submitted { recorded, .. } => *recorded,
        other => panic!("expected a staging change set, got {other:?}"),
    };
    assert_eq!(staged.changeset.environment, Environment::Staging);
    assert_eq!(
        staged.changeset.parent.as_deref(),
        Some(created.hash.0.as_str())
    );
    assert_eq!(
        mirror
            .store
            .document(&doc.tenant.id, Environment::Staging)
            .await
            .expect("read"),
        Some(doc.clone())
    );
    let again = promote(
        &mirror.store,
        rules,
        &slug,
        Environment::Staging,
        signer,
        "Again",
        "org-example",
    )
    .await
    .expect("promote");
    assert!(matches!(again, SubmitOutcome::NothingToSubmit), "{again:?}");

    let staged_view = go_live(&mirror.store, rules, &slug).await.expect("go-live");
    assert_eq!(staged_view.checklist_of, Environment::Staging);
    assert_eq!(staged_view.stages[1].same_as_previous, Some(true));
    assert!(
        !staged_view.can_promote(Environment::Staging),
        "staging holds the draft already"
    );
    assert!(staged_view.can_promote(Environment::Production));

    match promote(
        &mirror.store,
        rules,
        &slug,
        Environment::Production,
        signer,
        "Go live",
        "org-example",
    )
    .await
    .expect("promote")
    {
        SubmitOutcome::Submitted { recorded, .. } => {
            assert_eq!(recorded.changeset.environment, Environment::Production);
        }
        other => panic!("expected a production change set, got {other:?}"),
    }
    let live = go_live(&mirror.store, rules, &slug).await.expect("go-live");
    assert_eq!(live.stages[2].same_as_previous, Some(true));
    assert!(!live.can_promote(Environment::Production));
    let authors: Vec<&str> = live
        .stages
        .iter()
        .filter_map(|stage| stage.head.as_ref().map(|head| head.author.as_str()))
        .collect();
    assert_eq!(authors.len(), 3);
}
