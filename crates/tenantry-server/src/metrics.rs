//! Prometheus text exposition (format 0.0.4), hand-written: request counts by route and
//! status, change-set outcomes, and push latency. Counters only grow; a scrape reads
//! them without stopping requests (the locks are held for a map update, never across
//! an await).

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

/// Upper bounds (seconds) of the push latency histogram's buckets.
const LATENCY_BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
];

#[derive(Debug, Default)]
pub struct Metrics {
    /// (route, method, status) → count.
    requests: Mutex<BTreeMap<(String, String, u16), u64>>,
    /// (outcome, code) → count; outcome is accepted, duplicate or rejected.
    changesets: Mutex<BTreeMap<(&'static str, String), u64>>,
    push_latency: Histogram,
}

#[derive(Debug, Default)]
struct Histogram {
    buckets: [AtomicU64; LATENCY_BUCKETS.len()],
    count: AtomicU64,
    sum_micros: AtomicU64,
}

/// Escapes a label value as the exposition format requires.
fn label(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

impl Metrics {
    /// Counts one answered request. `route` is the matched route template (never the
    /// raw path: ids in paths would make every request a new series).
    pub fn record_request(&self, route: &str, method: &str, status: u16) {
        let mut requests = self
            .requests
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *requests
            .entry((route.to_owned(), method.to_owned(), status))
            .or_default() += 1;
    }

    /// Counts one envelope's outcome (`code` is empty unless it was rejected).
    pub fn record_changeset(&self, outcome: &'static str, code: &str) {
        let mut changesets = self
            .changesets
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *changesets.entry((outcome, code.to_owned())).or_default() += 1;
    }

    /// Records how long one push request took.
    pub fn record_push_latency(&self, elapsed: Duration) {
        let seconds = elapsed.as_secs_f64();
        for (bucket, bound) in self.push_latency.buckets.iter().zip(LATENCY_BUCKETS) {
            if seconds <= bound {
                bucket.fetch_add(1, Ordering::Relaxed);
            }
        }
        self.push_latency.count.fetch_add(1, Ordering::Relaxed);
        let micros = u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX);
        self.push_latency
            .sum_micros
            .fetch_add(micros, Ordering::Relaxed);
    }

    /// The metrics in Prometheus text format.
    pub fn render(&self) -> String {
        let mut out = String::new();
        out.push_str("# HELP tenantry_server_http_requests_total HTTP requests answered, by route template, method and status.\n");
        out.push_str("# TYPE tenantry_server_http_requests_total counter\n");
        {
            let requests = self
                .requests
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            for ((route, method, status), count) in requests.iter() {
                let _ = writeln!(
                    out,
                    "tenantry_server_http_requests_total{{route=\"{}\",method=\"{}\",status=\"{status}\"}} {count}",
                    label(route),
                    label(method)
                );
            }
        }
        out.push_str("# HELP tenantry_server_changesets_total Pushed change sets, by outcome (accepted, duplicate, rejected) and error code.\n");
        out.push_str("# TYPE tenantry_server_changesets_total counter\n");
        {
            let changesets = self
                .changesets
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            for ((outcome, code), count) in changesets.iter() {
                let _ = writeln!(
                    out,
                    "tenantry_server_changesets_total{{outcome=\"{outcome}\",code=\"{}\"}} {count}",
                    label(code)
                );
            }
        }
        out.push_str(
            "# HELP tenantry_server_push_duration_seconds Time to answer a push request.\n",
        );
        out.push_str("# TYPE tenantry_server_push_duration_seconds histogram\n");
        let latency = &self.push_latency;
        for (bucket, bound) in latency.buckets.iter().zip(LATENCY_BUCKETS) {
            let _ = writeln!(
                out,
                "tenantry_server_push_duration_seconds_bucket{{le=\"{bound}\"}} {}",
                bucket.load(Ordering::Relaxed)
            );
        }
        let count = latency.count.load(Ordering::Relaxed);
        let _ = writeln!(
            out,
            "tenantry_server_push_duration_seconds_bucket{{le=\"+Inf\"}} {count}"
        );
        let sum = latency.sum_micros.load(Ordering::Relaxed) as f64 / 1e6;
        let _ = writeln!(out, "tenantry_server_push_duration_seconds_sum {sum}");
        let _ = writeln!(out, "tenantry_server_push_duration_seconds_count {count}");
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counters_and_a_cumulative_histogram() {
        let metrics = Metrics::default();
        metrics.record_request("/v1/changesets", "POST", 200);
        metrics.record_request("/v1/changesets", "POST", 200);
        metrics.record_request("un\"matched", "GET", 404);
        metrics.record_changeset("accepted", "");
        metrics.record_changeset("rejected", "policy_blocked");
        metrics.record_push_latency(Duration::from_millis(3));
        metrics.record_push_latency(Duration::from_secs(20));
        let text = metrics.render();
        assert!(text.contains(
            "tenantry_server_http_requests_total{route=\"/v1/changesets\",method=\"POST\",status=\"200\"} 2\n"
        ));
        assert!(text.contains("route=\"un\\\"matched\""));
        assert!(text.contains(
            "tenantry_server_changesets_total{outcome=\"rejected\",code=\"policy_blocked\"} 1\n"
        ));
        assert!(text.contains("tenantry_server_push_duration_seconds_bucket{le=\"0.0025\"} 0\n"));
        assert!(text.contains("tenantry_server_push_duration_seconds_bucket{le=\"0.005\"} 1\n"));
        assert!(text.contains("tenantry_server_push_duration_seconds_bucket{le=\"10\"} 1\n"));
        assert!(text.contains("tenantry_server_push_duration_seconds_bucket{le=\"+Inf\"} 2\n"));
        assert!(text.contains("tenantry_server_push_duration_seconds_count 2\n"));
        for line in text.lines().filter(|line| !line.starts_with('#')) {
            let value = line.rsplit(' ').next().expect("a value");
            assert!(value.parse::<f64>().is_ok(), "{line}");
        }
    }
}
