//! The home screen's tenant list with 10 000 tenants in the mirror: the latency of
//! `Store::list_tenants` for what a person types and picks (search, filters, a page
//! deep in the virtualised list by offset and by cursor), on a SQLite file and on Postgres. Target (issue 6):
//! p95 at most 10 ms in the store. Results: BENCHMARKS.md.
//!
//! cargo bench -p tenantry-store --bench tenant_list

use std::time::{Duration, Instant};

use tenantry_changeset::changeset::Environment;
use tenantry_changeset::SigningKey;
use tenantry_store::testing::{fill_tenant_list, tenant_list_envelopes, TestMirror};
use tenantry_store::{ProgressFilter, Store, TenantCursor, TenantFilter};

/// Tenants and timed runs per case: the real sizes under `cargo bench`, a small smoke
/// run under `cargo test --benches` (which passes no `--bench`), so the code still runs.
fn sizes() -> (usize, usize) {
    if std::env::args().any(|arg| arg == "--bench") {
        (10_000, 300)
    } else {
        (200, 3)
    }
}

fn cases(deep: TenantCursor) -> Vec<(&'static str, TenantFilter)> {
    let text = |t: &str| TenantFilter {
        text: t.into(),
        limit: 50,
        ..TenantFilter::default()
    };
    vec![
        (
            "first page, no filter",
            TenantFilter {
                limit: 50,
                ..TenantFilter::default()
            },
        ),
        ("search \"harb\" (500 matches)", text("harb")),
        ("search \"cedar dental\" (50 matches)", text("cedar dental")),
        ("search with no match", text("zzzz")),
        (
            "compliance mode hipaa",
            TenantFilter {
                compliance_mode: Some("hipaa".into()),
                limit: 50,
                ..TenantFilter::default()
            },
        ),
        (
            "progress blocked",
            TenantFilter {
                progress: Some(ProgressFilter::Blocked),
                limit: 50,
                ..TenantFilter::default()
            },
        ),
        (
            "search + mode + stage + progress",
            TenantFilter {
                text: "health".into(),
                compliance_mode: Some("hipaa".into()),
                stage: Some(Environment::Draft),
                progress: Some(ProgressFilter::InProgress),
                limit: 50,
                ..TenantFilter::default()
            },
        ),
        (
            "page at offset 9 000",
            TenantFilter {
                offset: 9_000,
                limit: 50,
                ..TenantFilter::default()
            },
        ),
        (
            "page after row 9 000 (cursor)",
            TenantFilter {
                after: Some(deep),
                limit: 50,
                ..TenantFilter::default()
            },
        ),
        (
            "first page with the owner choices",
            TenantFilter {
                with_owners: true,
                limit: 50,
                ..TenantFilter::default()
            },
        ),
    ]
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}

async fn measure(backend: &str, store: &Store, count: usize, runs: usize) {
    // The cursor the list would hold after scrolling to row 9 000 (or 90 %, in a smoke run).
    let deep = store
        .list_tenants(&TenantFilter {
            offset: u32::try_from(count * 9 / 10 - 1).expect("small"),
            limit: 1,
            ..TenantFilter::default()
        })
        .await
        .expect("query")
        .expect("filter")
        .next
        .expect("rows after it");
    for (name, filter) in cases(deep) {
        for _ in 0..10 {
            store
                .list_tenants(&filter)
                .await
                .expect("query")
                .expect("filter");
        }
        let mut times = Vec::with_capacity(runs);
        let mut total = 0;
        for _ in 0..runs {
            let started = Instant::now();
            let page = store
                .list_tenants(&filter)
                .await
                .expect("query")
                .expect("filter");
            times.push(started.elapsed());
            total = page.total;
        }
        times.sort();
        println!(
            "| {backend} | {name} | {total} | {:.2} ms | {:.2} ms | {:.2} ms |",
            percentile(&times, 0.5).as_secs_f64() * 1e3,
            percentile(&times, 0.95).as_secs_f64() * 1e3,
            percentile(&times, 0.99).as_secs_f64() * 1e3,
        );
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let (count, runs) = sizes();
    let key = SigningKey::generate().expect("key");
    let envelopes = tenant_list_envelopes(&key, count);
    println!("| backend | query | matches | p50 | p95 | p99 |");
    println!("|---|---|---|---|---|---|");
    for backend in ["SQLite", "Postgres"] {
        let mirror = match backend {
            "SQLite" => TestMirror::sqlite().await,
            _ => TestMirror::postgres().await,
        };
        let filled = fill_tenant_list(&mirror.store, &key, &envelopes).await;
        eprintln!("{backend}: {count} tenants ingested in {filled:?}");
        measure(backend, &mirror.store, count, runs).await;
        mirror.remove().await;
    }
}
