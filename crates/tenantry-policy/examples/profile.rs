//! A fixed workload for instruction-count profiling (`valgrind --tool=callgrind`):
//! the complete HIPAA tenant evaluated `PROFILE_RUNS` times (default 200), alternating two
//! small edits the way a server sees a tenant's change sets (AI budget, display name).
//!
//!     cargo build --release -p tenantry-policy --example profile
//!     valgrind --tool=callgrind ./target/release/examples/profile
//!
//! `PROFILE_FULL=1` uses `PolicyPack::evaluate_full` (no reuse) instead.
//! `PROFILE_TENANTS=N` (default 1) edits N tenants of their own (ids, names) in turn,
//! as a server sees interleaved pushes: each tenant's next edit comes N evaluations
//! after its last (the acceptance benchmark's pattern is 2 000).

use tenantry_core::catalog::Catalog;
use tenantry_core::tenant::TenantId;
use tenantry_core::TenantDocument;
use tenantry_policy::PolicyPack;

const HIPAA: &str = include_str!("../../../examples/tenants/healthcare-hipaa.json");

fn main() {
    let runs: usize = std::env::var("PROFILE_RUNS")
        .ok()
        .and_then(|text| text.parse().ok())
        .unwrap_or(200);
    let tenants: usize = std::env::var("PROFILE_TENANTS")
        .ok()
        .and_then(|text| text.parse().ok())
        .unwrap_or(1)
        .max(1);
    let pack = PolicyPack::bundled();
    let catalog = Catalog::bundled();
    let base: serde_json::Value = serde_json::from_str(HIPAA).expect("HIPAA example");
    let old_id = base["tenant"]["id"].as_str().expect("id").to_owned();
    let mut docs: Vec<TenantDocument> = (0..tenants)
        .map(|index| {
            let text = base
                .to_string()
                .replace(&old_id, TenantId::generate().as_str());
            let mut value: serde_json::Value = serde_json::from_str(&text).expect("json");
            value["tenant"]["display_name"] = format!("Client {index}").into();
            serde_json::from_value(value).expect("a tenant document")
        })
        .collect();
    let full = std::env::var_os("PROFILE_FULL").is_some();
    let mut blocking = 0;
    let mut split = [std::time::Duration::ZERO; 2];
    let started = std::time::Instant::now();
    for run in 0..runs {
        let doc = &mut docs[run % tenants];
        if (run / tenants).is_multiple_of(2) {
            doc.ai.monthly_budget_cents = 10_000 + run as u32;
        } else {
            doc.tenant.display_name = format!("Client {run}");
        }
        let one = std::time::Instant::now();
        let evaluation = if full {
            pack.evaluate_full(doc, &catalog)
        } else {
            pack.evaluate(doc, &catalog)
        }
        .expect("evaluates");
        split[(run / tenants) % 2] += one.elapsed();
        blocking += evaluation.blocks().len();
    }
    let elapsed = started.elapsed();
    println!(
        "{runs} evaluations ({}), {blocking} blocking findings in all, {:.0} µs each",
        if full { "full" } else { "incremental" },
        elapsed.as_secs_f64() * 1e6 / runs as f64
    );
    let half = (runs / 2).max(1) as f64;
    println!(
        "  budget edits {:.0} µs each, display-name edits {:.0} µs each",
        split[0].as_secs_f64() * 1e6 / half,
        split[1].as_secs_f64() * 1e6 / half
    );
}
