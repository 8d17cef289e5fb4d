//! Signing, strict verification and applying one change set, and verifying a chain of
//! 100 000 change sets. Results and the command that made them: BENCHMARKS.md.
//!
//! cargo bench -p tenantry-changeset --bench changesets

use std::hint::black_box;
use std::time::Instant;

use criterion::{criterion_group, Criterion};
use serde_json::json;
use tenantry_changeset::chain::verify_chain;
use tenantry_changeset::changeset::{ChangeSet, Environment, CHANGESET_SCHEMA_VERSION};
use tenantry_changeset::{Envelope, Operation, SigningKey};
use tenantry_core::tenant::Regulation;
use tenantry_core::{ClientName, Industry, TenantDocument, Timestamp};

fn document() -> TenantDocument {
    TenantDocument::with_safe_defaults(
        &ClientName::parse("Acme Health").expect("name"),
        Industry::Healthcare,
        &[Regulation::Hipaa],
    )
    .expect("defaults")
}

fn changeset(
    doc: &TenantDocument,
    key: &SigningKey,
    parent: Option<String>,
    budget: u32,
) -> ChangeSet {
    ChangeSet {
        schema_version: CHANGESET_SCHEMA_VERSION,
        id: ChangeSet::new_id(),
        organisation: "org-bench".into(),
        tenant: doc.tenant.id.clone(),
        environment: Environment::Draft,
        parent,
        operations: vec![
            Operation::Set {
                path: "/ai/monthly_budget_cents".into(),
                value: json!(budget + 1),
                old: Some(json!(budget)),
            },
            Operation::Set {
                path: "/customization/copy_tone".into(),
                value: json!(format!("tone {budget}")),
                old: Some(json!(doc.customization.copy_tone)),
            },
        ],
        summary: "Raise the AI budget".into(),
        justifications: Default::default(),
        author: key.key_id(),
        created_at: Timestamp::now(),
    }
}

fn single(c: &mut Criterion) {
    let key = SigningKey::generate().expect("key");
    let doc = document();
    let cs = changeset(&doc, &key, None, 0);
    let envelope = Envelope::sign(&cs, &key);
    let public = key.public();
    let id = key.key_id();
    c.bench_function("sign one change set (DSSE, ed25519)", |b| {
        b.iter(|| Envelope::sign(black_box(&cs), &key))
    });
    c.bench_function("strict-verify one envelope", |b| {
        b.iter(|| {
            black_box(&envelope)
                .verify(|k| (*k == id).then(|| public.clone()))
                .expect("verifies")
        })
    });
    c.bench_function("apply one change set to a tenant document", |b| {
        b.iter(|| cs.apply_to(black_box(&doc)).expect("applies"))
    });
}

/// One measured pass over 100 000 change sets: signature verification of every
/// envelope, then the hash-chain walk.
fn chain_of_100k() {
    const N: u32 = 100_000;
    let key = SigningKey::generate().expect("key");
    let doc = document();
    let mut parent = None;
    let mut envelopes = Vec::with_capacity(N as usize);
    for i in 0..N {
        let envelope = Envelope::sign(&changeset(&doc, &key, parent.clone(), i), &key);
        parent = Some(envelope.hash().expect("hash").0);
        envelopes.push(envelope);
    }
    let public = key.public();
    let id = key.key_id();
    let started = Instant::now();
    let verified: Vec<_> = envelopes
        .iter()
        .map(|envelope| {
            envelope
                .verify(|k| (*k == id).then(|| public.clone()))
                .expect("verifies")
        })
        .collect();
    let verify_time = started.elapsed();
    let started = Instant::now();
    verify_chain(&verified).expect("intact chain");
    let chain_time = started.elapsed();
    println!(
        "chain of {N}: verify every envelope {:.2} s ({:.1} µs each), walk the hash chain {:.1} ms; total {:.2} s",
        verify_time.as_secs_f64(),
        verify_time.as_secs_f64() * 1e6 / f64::from(N),
        chain_time.as_secs_f64() * 1e3,
        (verify_time + chain_time).as_secs_f64()
    );
}

criterion_group!(benches, single);

fn main() {
    benches();
    // `cargo test --benches` runs this binary with `--bench` absent: keep that quick.
    if std::env::args().any(|arg| arg == "--bench") {
        chain_of_100k();
    }
    Criterion::default().configure_from_args().final_summary();
}
