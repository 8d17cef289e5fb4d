//! Pull-style apply of 100 000 envelopes (100 tenants × 1 000 change sets): verify every
//! envelope, replay the chains, insert in one transaction; against the floor measured in
//! the same run: raw ed25519 strict verification of the same signatures plus a raw
//! batched insert of the same rows. Results: BENCHMARKS.md.
//!
//! cargo bench -p tenantry-store --bench ingest

use std::time::Instant;

use serde_json::json;
use sqlx::{Connection, QueryBuilder};
use tenantry_changeset::changeset::{ChangeSet, Environment, CHANGESET_SCHEMA_VERSION};
use tenantry_changeset::envelope::pae;
use tenantry_changeset::{Envelope, Operation, SigningKey, PAYLOAD_TYPE};
use tenantry_core::tenant::Regulation;
use tenantry_core::{ClientName, Industry, TenantDocument, Timestamp};
use tenantry_store::{Location, Store};

const TENANTS: u32 = 100;
const PER_TENANT: u32 = 1_000;

struct Prepared {
    envelopes: Vec<Vec<u8>>,
    /// For the floor: (PAE message, signature, row fields).
    raw: Vec<(Vec<u8>, Vec<u8>, RawRow)>,
}

struct RawRow {
    hash: String,
    id: String,
    tenant: String,
    seq: i64,
    parent: Option<String>,
    author: String,
    bytes: Vec<u8>,
}

fn prepare(key: &SigningKey) -> Prepared {
    use base64::Engine;
    let mut envelopes = Vec::new();
    let mut raw = Vec::new();
    for t in 0..TENANTS {
        let name =
            ClientName::parse(&format!("Bench Tenant {t} {}", ChangeSet::new_id())).expect("name");
        let doc = TenantDocument::with_safe_defaults(&name, Industry::Retail, &[Regulation::Gdpr])
            .expect("defaults");
        let mut parent: Option<String> = None;
        for i in 0..PER_TENANT {
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
                organisation: "org-bench".into(),
                tenant: doc.tenant.id.clone(),
                environment: Environment::Draft,
                parent: parent.clone(),
                operations,
                summary: "pulled change".into(),
                justifications: Default::default(),
                author: key.key_id(),
                created_at: Timestamp::now(),
            };
            let envelope = Envelope::sign(&changeset, key);
            let hash = envelope.hash().expect("hash").0;
            let payload = envelope.payload_bytes().expect("payload");
            let signature = base64::engine::general_purpose::STANDARD
                .decode(&envelope.signatures[0].sig)
                .expect("signature");
            let bytes = envelope.to_json();
            raw.push((
                pae(PAYLOAD_TYPE, &payload),
                signature,
                RawRow {
                    hash: hash.clone(),
                    id: changeset.id.clone(),
                    tenant: changeset.tenant.to_string(),
                    seq: i64::from(i) + 1,
                    parent: parent.clone(),
                    author: key.key_id().to_string(),
                    bytes: bytes.clone(),
                },
            ));
            envelopes.push(bytes);
            parent = Some(hash);
        }
    }
    Prepared { envelopes, raw }
}

fn main() {
    // `cargo test --benches` runs bench binaries without `--bench`: do nothing then.
    if !std::env::args().any(|arg| arg == "--bench") {
        return;
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let key = SigningKey::generate().expect("key");
        let prepared = prepare(&key);
        let n = prepared.envelopes.len();

        // Ours: the real ingest on a fresh SQLite mirror.
        let dir = tempfile::tempdir().expect("dir");
        let store = Store::open(Location::SqliteFile(dir.path().join("ours.sqlite3"))).await.expect("open");
        store.add_signing_key(&key.public(), "bench").await.expect("trust");
        let started = Instant::now();
        let report = store.ingest(&prepared.envelopes).await.expect("ingest");
        let ours = started.elapsed();
        assert_eq!(report.ingested, n);
        store.close().await;

        // Floor, part 1: raw strict verification of the same signatures.
        let public = key.public();
        let started = Instant::now();
        for (message, signature, _) in &prepared.raw {
            assert!(public.verify_strict(message, signature));
        }
        let verify_floor = started.elapsed();

        // Floor, part 2: raw batched insert of the same rows into the same schema.
        let floor_store = Store::open(Location::SqliteFile(dir.path().join("floor.sqlite3"))).await.expect("open");
        floor_store.close().await;
        let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite://{}", dir.path().join("floor.sqlite3").display()))
            .await
            .expect("connect");
        sqlx::query("PRAGMA foreign_keys = OFF").execute(&mut conn).await.expect("pragma");
        let started = Instant::now();
        let mut tx = conn.begin().await.expect("begin");
        for chunk in prepared.raw.chunks(500) {
            let mut insert = QueryBuilder::new(
                "INSERT INTO changesets (hash, id, tenant_id, seq, parent_hash, environment, author, summary, envelope, created_at_ms) ",
            );
            insert.push_values(chunk, |mut row, (_, _, raw)| {
                row.push_bind(raw.hash.as_str())
                    .push_bind(raw.id.as_str())
                    .push_bind(raw.tenant.as_str())
                    .push_bind(raw.seq)
                    .push_bind(raw.parent.as_deref())
                    .push_bind("draft")
                    .push_bind(raw.author.as_str())
                    .push_bind("pulled change")
                    .push_bind(raw.bytes.as_slice())
                    .push_bind(0_i64);
            });
            insert.build().execute(&mut *tx).await.expect("insert");
        }
        tx.commit().await.expect("commit");
        let insert_floor = started.elapsed();

        let floor = verify_floor + insert_floor;
        println!("pull-style apply of {n} envelopes ({TENANTS} tenants × {PER_TENANT}), SQLite:");
        println!("  ours (verify + replay + insert, one transaction): {:.2} s ({:.1} µs each)", ours.as_secs_f64(), ours.as_secs_f64() * 1e6 / n as f64);
        println!(
            "  floor: raw strict verify {:.2} s + raw batched insert {:.2} s = {:.2} s",
            verify_floor.as_secs_f64(),
            insert_floor.as_secs_f64(),
            floor.as_secs_f64()
        );
        println!("  ratio floor / ours: {:.2} (target ≥ 0.5)", floor.as_secs_f64() / ours.as_secs_f64());
    });
}
