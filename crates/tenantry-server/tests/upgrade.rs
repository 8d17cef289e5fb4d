//! A server database made before a schema change keeps working after it. Here: the
//! environments' heads and counts moved from `tenant_documents` into the tenant's row
//! (migration 20261221000000). A database is built with every migration before that
//! one and filled as the server of that time filled it (a tenant with a checkpoint and
//! change sets after it, in draft and in staging); then the real binary opens it, which
//! applies the rest. Each environment must keep its head, its count and its checkpoint:
//! the next edit of each, which carries the values it replaces, is accepted only on the
//! right document, and an edit made on the checkpoint's document is refused.

mod common;

use std::path::Path;

use reqwest::StatusCode;
use sqlx::any::AnyConnectOptions;
use sqlx::migrate::Migrator;
use sqlx::{ConnectOptions, Connection};
use tenantry_changeset::changeset::{ChangeSet, Environment};
use tenantry_changeset::{Envelope, SigningKey};
use tenantry_core::TenantDocument;

use common::{change, change_in, creation, environment_rows, hash_of, new_tenant, Unstarted};

/// The migration that moved the heads; everything before it is the old schema.
const HEADS_MOVED: i64 = 20261221000000;

#[tokio::test]
async fn environment_heads_survive_the_upgrade_on_sqlite() {
    environment_heads_survive_the_upgrade(Unstarted::sqlite()).await;
}

#[tokio::test]
async fn environment_heads_survive_the_upgrade_on_postgres() {
    environment_heads_survive_the_upgrade(Unstarted::postgres().await).await;
}

/// A tenant as the old server stored it: the envelopes in order, with their documents.
struct Chain {
    envelopes: Vec<(Environment, Vec<u8>)>,
    draft: Vec<TenantDocument>,
    staging: Vec<TenantDocument>,
}

/// Draft: a creation and three renames; staging: a creation (after the first rename)
/// and one budget edit. Signed by `key`.
fn chain(key: &SigningKey) -> Chain {
    let created = new_tenant("Harbour Retail");
    let mut envelopes = vec![(Environment::Draft, creation(key, &created))];
    let mut draft = vec![created.clone()];
    let head =
        |envelopes: &Vec<(Environment, Vec<u8>)>| hash_of(&envelopes.last().expect("a head").1);
    let rename = |from: &TenantDocument, name: &str| {
        let mut next = from.clone();
        next.tenant.display_name = name.to_owned();
        next
    };
    let next = rename(&created, "Harbour Retail Group");
    envelopes.push((
        Environment::Draft,
        change(key, &created, &next, &head(&envelopes)),
    ));
    draft.push(next);
    envelopes.push((
        Environment::Staging,
        change_in(
            key,
            Environment::Staging,
            None,
            &created,
            Some(&head(&envelopes)),
        ),
    ));
    let mut staged = created.clone();
    staged.ai.monthly_budget_cents += 500;
    envelopes.push((
        Environment::Staging,
        change_in(
            key,
            Environment::Staging,
            Some(&created),
            &staged,
            Some(&head(&envelopes)),
        ),
    ));
    for name in ["Harbour Retail Holdings", "Harbour Retail Partners"] {
        let last = draft.last().expect("a document").clone();
        let next = rename(&last, name);
        envelopes.push((
            Environment::Draft,
            change(key, &last, &next, &head(&envelopes)),
        ));
        draft.push(next);
    }
    Chain {
        envelopes,
        draft,
        staging: vec![created, staged],
    }
}

fn id_of(envelope: &[u8]) -> String {
    let payload = Envelope::parse(envelope)
        .and_then(|envelope| envelope.payload_bytes())
        .expect("an envelope");
    ChangeSet::from_payload(&payload).expect("a change set").id
}

async fn environment_heads_survive_the_upgrade(database: Unstarted) {
    sqlx::any::install_default_drivers();
    let engine = database.engine();
    let connect_url = match engine {
        "sqlite" => format!("{}?mode=rwc", database.url),
        _ => database.url.clone(),
    };
    let options: AnyConnectOptions = connect_url.parse().expect("a database URL");
    let mut db = options.connect().await.expect("connect");
    let mut old = Migrator::new(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../migrations/server")
            .join(engine),
    )
    .await
    .expect("the server's migrations");
    old.migrations = old
        .migrations
        .iter()
        .filter(|migration| migration.version < HEADS_MOVED)
        .cloned()
        .collect::<Vec<_>>()
        .into();
    old.run(&mut db)
        .await
        .expect("the schema before the change");

    // What the old server stored: the key, the tenant, the change sets, and per
    // environment a checkpoint (the creation) with the count after it.
    let key = SigningKey::generate().expect("a key");
    let chain = chain(&key);
    let tenant = &chain.draft[0].tenant;
    sqlx::query(
        "INSERT INTO staff_keys (key_id, public_key, name, role, state, registered_at_ms) \
         VALUES ($1, $2, 'Ana Lima', 'account_manager', 'approved', 0)",
    )
    .bind(key.key_id().as_str())
    .bind(key.public().to_hex())
    .execute(&mut db)
    .await
    .expect("the key");
    let last = chain.envelopes.len();
    sqlx::query(
        "INSERT INTO tenants (id, slug, slug_skeleton, head_hash, head_seq, created_at_ms) \
         VALUES ($1, $2, $3, $4, $5, 0)",
    )
    .bind(tenant.id.as_str())
    .bind(tenant.slug.as_str())
    .bind(tenant.slug.skeleton())
    .bind(hash_of(&chain.envelopes[last - 1].1))
    .bind(i64::try_from(last).expect("small"))
    .execute(&mut db)
    .await
    .expect("the tenant");
    let mut parent: Option<String> = None;
    for (seq, (environment, envelope)) in chain.envelopes.iter().enumerate() {
        sqlx::query(
            "INSERT INTO changesets (seq, hash, id, tenant_id, parent_hash, environment, author, envelope, received_at_ms) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 0)",
        )
        .bind(i64::try_from(seq + 1).expect("small"))
        .bind(hash_of(envelope))
        .bind(id_of(envelope))
        .bind(tenant.id.as_str())
        .bind(parent.as_deref())
        .bind(environment.id())
        .bind(key.key_id().as_str())
        .bind(envelope.as_slice())
        .execute(&mut db)
        .await
        .expect("a change set");
        parent = Some(hash_of(envelope));
    }
    sqlx::query("UPDATE server_sequences SET value = $1 WHERE name = 'changesets'")
        .bind(i64::try_from(last).expect("small"))
        .execute(&mut db)
        .await
        .expect("the sequence");
    let hashes: Vec<String> = chain
        .envelopes
        .iter()
        .map(|(_, bytes)| hash_of(bytes))
        .collect();
    // Draft: checkpoint at the creation, three renames after it; staging: checkpoint at
    // its creation, one edit after it.
    for (environment, checkpoint, document, head, behind) in [
        (
            "draft",
            &hashes[0],
            &chain.draft[0],
            &hashes[last - 1],
            3_i64,
        ),
        ("staging", &hashes[2], &chain.staging[0], &hashes[3], 1_i64),
    ] {
        sqlx::query(
            "INSERT INTO tenant_documents (tenant_id, environment, head_hash, document, document_head, behind) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(tenant.id.as_str())
        .bind(environment)
        .bind(head.as_str())
        .bind(serde_json::to_string(document).expect("json"))
        .bind(checkpoint.as_str())
        .bind(behind)
        .execute(&mut db)
        .await
        .expect("a checkpoint");
    }
    db.close().await.expect("close");

    // The binary applies the rest of the migrations when it opens the database.
    let server = database.start().await;
    assert_eq!(
        environment_rows(&server.database_url).await,
        vec![
            (
                "draft".to_owned(),
                hashes[last - 1].clone(),
                3,
                hashes[0].clone()
            ),
            (
                "staging".to_owned(),
                hashes[3].clone(),
                1,
                hashes[2].clone()
            ),
        ],
        "each environment keeps its head, count and checkpoint"
    );

    let manager = server.staff("Ben Okafor", "account_manager").await;
    // Made on the draft's checkpoint instead of its head: refused.
    let stale_base = &chain.draft[0];
    let mut stale = stale_base.clone();
    stale.tenant.display_name = "Harbour Retail Stale".to_owned();
    let envelope = change(&manager.key, stale_base, &stale, &hashes[last - 1]);
    let (status, answer) = server.push(&manager.token, &envelope).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
    assert_eq!(answer["code"], "does_not_apply", "{answer}");

    // On the replayed heads: taken, in draft and then in staging.
    let head = chain.draft.last().expect("a document").clone();
    let mut renamed = head.clone();
    renamed.tenant.display_name = "Harbour Retail Upgraded".to_owned();
    let draft_edit = change(&manager.key, &head, &renamed, &hashes[last - 1]);
    let (status, answer) = server.push(&manager.token, &draft_edit).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["status"], "accepted", "{answer}");
    let staged = &chain.staging[1];
    let mut budget = staged.clone();
    budget.ai.monthly_budget_cents += 100;
    let staging_edit = change_in(
        &manager.key,
        Environment::Staging,
        Some(staged),
        &budget,
        Some(&hash_of(&draft_edit)),
    );
    let (status, answer) = server.push(&manager.token, &staging_edit).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["status"], "accepted", "{answer}");
    assert_eq!(answer["seq"], i64::try_from(last + 2).expect("small"));
    server.stop().await;
}
