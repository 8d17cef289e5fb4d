//! Criterion benchmarks of the policy pack.
//!
//!     cargo bench -p tenantry-policy --bench evaluate
//!
//! - `evaluate/hipaa_complete`: one evaluation of the complete HIPAA reference tenant.
//! - `validate_and_evaluate/hipaa_complete`: parse the JSON file, evaluate, compute
//!   progress (what `tenantry validate` / `progress` do per file).
//! - `throughput/10k_distinct_tenants`: 10 000 distinct tenants, each evaluated once.
//!
//! Criterion reports mean and median; for p50/p99 over 10 000 runs see
//! `cargo run --release -p tenantry-policy --example latency`.

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use tenantry_core::catalog::Catalog;
use tenantry_core::tenant::TenantId;
use tenantry_core::TenantDocument;
use tenantry_policy::{progress, PolicyPack};

const HIPAA: &str = include_str!("../../../examples/tenants/healthcare-hipaa.json");
const PCI: &str = include_str!("../../../examples/tenants/fintech-pci.json");
const GDPR: &str = include_str!("../../../examples/tenants/retail-gdpr.json");
const TENANTS: usize = 10_000;

fn distinct_tenants() -> Vec<TenantDocument> {
    let bases: Vec<serde_json::Value> = [HIPAA, PCI, GDPR]
        .iter()
        .map(|text| serde_json::from_str(text).expect("example"))
        .collect();
    (0..TENANTS)
        .map(|i| {
            let base = &bases[i % bases.len()];
            let old = base["tenant"]["id"].as_str().expect("id");
            let text = base
                .to_string()
                .replace(old, TenantId::generate().as_str())
                .replace("https://", &format!("https://r{i}."));
            let mut value: serde_json::Value = serde_json::from_str(&text).expect("json");
            value["tenant"]["display_name"] = format!("Client {i}").into();
            value["ai"]["monthly_budget_cents"] = (10_000 + i as u64).into();
            serde_json::from_value(value).expect("tenant document")
        })
        .collect()
}

fn benches(c: &mut Criterion) {
    let pack = PolicyPack::bundled();
    let catalog = Catalog::bundled();
    let doc: TenantDocument = serde_json::from_str(HIPAA).expect("HIPAA example");

    c.bench_function("evaluate/hipaa_complete", |b| {
        b.iter(|| pack.evaluate(black_box(&doc), &catalog).expect("evaluates"))
    });

    c.bench_function("validate_and_evaluate/hipaa_complete", |b| {
        b.iter(|| {
            let doc: TenantDocument = serde_json::from_str(black_box(HIPAA)).expect("parses");
            let evaluation = pack.evaluate(&doc, &catalog).expect("evaluates");
            progress(&doc, &catalog, &evaluation)
        })
    });

    let tenants = distinct_tenants();
    let mut group = c.benchmark_group("throughput");
    group.throughput(Throughput::Elements(TENANTS as u64));
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(75));
    group.bench_function("10k_distinct_tenants", |b| {
        b.iter(|| {
            for tenant in &tenants {
                black_box(pack.evaluate(tenant, &catalog).expect("evaluates"));
            }
        })
    });
    group.finish();
}

criterion_group!(policy, benches);
criterion_main!(policy);
