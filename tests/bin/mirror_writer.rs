//! A test helper, not a product binary: records signed change sets into a SQLite mirror
//! as fast as it can, printing `ack <hash>` after each one is committed. The crash test
//! kills it with SIGKILL at random moments and then inspects the mirror.
//!
//! Usage: mirror-writer <data dir>

use std::io::Write;
use std::path::PathBuf;

use serde_json::json;
use tenantry_changeset::changeset::{ChangeSet, Environment, CHANGESET_SCHEMA_VERSION};
use tenantry_changeset::{Envelope, Operation, SigningKey};
use tenantry_core::tenant::Regulation;
use tenantry_core::{ClientName, Industry, TenantDocument, Timestamp};
use tenantry_store::{Location, Store};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let data_dir = PathBuf::from(
        std::env::args()
            .nth(1)
            .ok_or("usage: mirror-writer <data dir>")?,
    );
    std::fs::create_dir_all(&data_dir)?;
    let key_path = data_dir.join("writer.key");
    let key = if key_path.exists() {
        tenantry_keystore::read_key_file(&key_path)?
    } else {
        let key = SigningKey::generate()?;
        tenantry_keystore::write_key_file(&key_path, &key)?;
        key
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let store = Store::open(Location::SqliteFile(
            data_dir.join(tenantry_store::SQLITE_FILE_NAME),
        ))
        .await?;
        store
            .add_signing_key(&key.public(), "crash-test writer")
            .await?;
        let mut stdout = std::io::stdout().lock();
        loop {
            let tenants = store.tenant_ids().await?;
            let (doc, parent, operations) = match tenants.first() {
                None => {
                    let doc = TenantDocument::with_safe_defaults(
                        &ClientName::parse("Crash Test Clinic")?,
                        Industry::Healthcare,
                        &[Regulation::Hipaa],
                    )?;
                    let creation = ChangeSet::creation(&doc);
                    (doc, None, vec![creation])
                }
                Some(tenant) => {
                    let doc = store
                        .document(tenant, Environment::Draft)
                        .await?
                        .ok_or("no document")?;
                    let head = store
                        .history(tenant)
                        .await?
                        .last()
                        .map(|entry| entry.hash.clone());
                    let budget = doc.ai.monthly_budget_cents;
                    let operations = vec![Operation::Set {
                        path: "/ai/monthly_budget_cents".into(),
                        value: json!(budget + 1),
                        old: Some(json!(budget)),
                    }];
                    (doc, head, operations)
                }
            };
            let changeset = ChangeSet {
                schema_version: CHANGESET_SCHEMA_VERSION,
                id: ChangeSet::new_id(),
                organisation: "org-crash-test".into(),
                tenant: doc.tenant.id.clone(),
                environment: Environment::Draft,
                parent,
                operations,
                summary: "crash test step".into(),
                justifications: Default::default(),
                author: key.key_id(),
                created_at: Timestamp::now(),
            };
            let recorded = store
                .record(&Envelope::sign(&changeset, &key).to_json())
                .await?;
            // Only now, after the commit, does the writer claim the change set is safe.
            writeln!(stdout, "ack {}", recorded.hash)?;
            stdout.flush()?;
        }
    })
}
