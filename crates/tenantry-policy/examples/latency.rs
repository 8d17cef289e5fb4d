//! Latency of the policy pack, measured with `std::time::Instant` (criterion reports
//! means and medians; this reports the tail too). Prints p50 / p90 / p99 / max over
//! 10 000 runs for:
//! - one complete HIPAA tenant evaluated again and again (what the form does on every
//!   keystroke),
//! - the same with the document parsed from JSON first (what `tenantry validate` does),
//! - 10 000 distinct tenants (different ids, names, free texts and evidence), each
//!   evaluated once: the cold path, no text seen before.
//!
//! Then the throughput over those 10 000 tenants on one thread.
//!
//!     cargo run --release -p tenantry-policy --example latency

use std::time::{Duration, Instant};

use tenantry_core::catalog::Catalog;
use tenantry_core::tenant::TenantId;
use tenantry_core::TenantDocument;
use tenantry_policy::{progress, PolicyPack};

const RUNS: usize = 10_000;
const HIPAA: &str = include_str!("../../../examples/tenants/healthcare-hipaa.json");
const PCI: &str = include_str!("../../../examples/tenants/fintech-pci.json");
const GDPR: &str = include_str!("../../../examples/tenants/retail-gdpr.json");

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn report(label: &str, mut samples: Vec<Duration>) {
    samples.sort();
    let us = |d: Duration| d.as_secs_f64() * 1e6;
    println!(
        "{label:<48} p50 {:>5.0} µs  p90 {:>5.0} µs  p99 {:>5.0} µs  max {:>6.0} µs",
        us(percentile(&samples, 50.0)),
        us(percentile(&samples, 90.0)),
        us(percentile(&samples, 99.0)),
        us(percentile(&samples, 100.0)),
    );
}

/// `RUNS` distinct, valid tenants: the three references with a fresh id (so fresh
/// secret references), and a name, budget, texts and evidence references of their own.
fn distinct_tenants() -> Vec<TenantDocument> {
    let bases: Vec<serde_json::Value> = [HIPAA, PCI, GDPR]
        .iter()
        .map(|text| serde_json::from_str(text).expect("example"))
        .collect();
    (0..RUNS)
        .map(|i| {
            let base = &bases[i % bases.len()];
            let old = base["tenant"]["id"].as_str().expect("id");
            let new = TenantId::generate();
            let text = base
                .to_string()
                .replace(old, new.as_str())
                .replace("https://", &format!("https://r{i}."))
                .replace("Support queue", &format!("Support queue {i}"));
            let mut value: serde_json::Value = serde_json::from_str(&text).expect("json");
            value["tenant"]["display_name"] = format!("Client {i}").into();
            value["tenant"]["metadata"]["legal_name"] = format!("Client {i} Holdings").into();
            value["ai"]["monthly_budget_cents"] = (10_000 + i as u64).into();
            value["rollout"]["monitoring_plan"] =
                format!("Plan {i}: dashboards twice daily.").into();
            serde_json::from_value(value).expect("tenant document")
        })
        .collect()
}

fn main() {
    let started = Instant::now();
    let pack = PolicyPack::bundled();
    println!(
        "pack build (parse, prepare, smoke evaluation): {:.1} ms; {} rules, {} requirements",
        started.elapsed().as_secs_f64() * 1e3,
        pack.rules().len(),
        pack.requirements().len()
    );
    let catalog = Catalog::bundled();
    let doc: TenantDocument = serde_json::from_str(HIPAA).expect("HIPAA example");

    for _ in 0..500 {
        pack.evaluate(&doc, &catalog).expect("evaluates");
    }
    let samples = (0..RUNS)
        .map(|_| {
            let start = Instant::now();
            let evaluation = pack.evaluate(&doc, &catalog).expect("evaluates");
            let elapsed = start.elapsed();
            assert!(evaluation.blocks().is_empty());
            elapsed
        })
        .collect();
    report("evaluate, complete HIPAA tenant (same doc)", samples);

    let samples = (0..RUNS)
        .map(|_| {
            let start = Instant::now();
            let doc: TenantDocument = serde_json::from_str(HIPAA).expect("parses");
            let evaluation = pack.evaluate(&doc, &catalog).expect("evaluates");
            let report = progress(&doc, &catalog, &evaluation);
            let elapsed = start.elapsed();
            assert!(report.may_enter_production);
            elapsed
        })
        .collect();
    report("parse JSON + evaluate + progress (same doc)", samples);

    let tenants = distinct_tenants();
    let start = Instant::now();
    let samples: Vec<Duration> = tenants
        .iter()
        .map(|tenant| {
            let start = Instant::now();
            let evaluation = pack.evaluate(tenant, &catalog).expect("evaluates");
            let elapsed = start.elapsed();
            assert!(!evaluation.has_errors(), "{:?}", evaluation.errors());
            elapsed
        })
        .collect();
    let total = start.elapsed();
    // Every third tenant is a HIPAA one: the same shape as above, but no text seen before.
    let hipaa: Vec<Duration> = samples.iter().step_by(3).copied().collect();
    report("evaluate, 10 000 distinct tenants (cold texts)", samples);
    report("  of which the 3 334 HIPAA tenants", hipaa);
    println!(
        "throughput, {} distinct tenants, one thread: {:.2} s, {:.0} tenants/s",
        tenants.len(),
        total.as_secs_f64(),
        tenants.len() as f64 / total.as_secs_f64()
    );
}
