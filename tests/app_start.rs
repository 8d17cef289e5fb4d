//! Measurement, not a test (ignored by default): start to interactive and resident memory
//! of the desktop app with 10 000 tenants in its mirror, each as a ratio to a Tauri
//! hello-world (crates/hello-tauri) built in the same cargo run, same profile, and
//! launched the same way under the same Xvfb and tauri-driver, in alternation.
//!
//! Start: each binary is launched through a two-line bash script that writes its pid and
//! `$EPOCHREALTIME` and then `exec`s the binary (same pid), so "spawned" is the wall
//! clock when the app's process began. As soon as WebDriver hands over the session, a
//! script is run in the page back to back (one round trip per poll) until the target
//! element exists: for the app the first rows of the tenant list
//! (`[data-testid='tenant-row']`, and the count then says 10 000), for the hello-world its
//! heading. "Interactive" is the page's wall clock (`performance.timeOrigin +
//! performance.now()`) at the first poll that saw the element; the poll before it that
//! did not see it bounds it from below. The page's own navigation and paint timings are
//! kept beside it, to say where the time went.
//!
//! Memory: 2 s after interactive, VmRSS and PSS (`/proc/<pid>/smaps_rollup`) summed over
//! the app's process and all its descendants (WebKitWebProcess, WebKitNetworkProcess and
//! whatever WebKit starts for them).
//!
//! Run: npm --prefix ui run build
//!      cargo test -p tenantry-tests --test app_start -- --ignored --nocapture
//! (`APP_START_TENANTS=50` measures with a smaller mirror, `APP_START_ROUNDS=4` with fewer launches.)
//! Builds both binaries (`cargo build -p tenantry-desktop -p tenantry-hello-tauri`, the
//! test's profile), writes target/e2e-artifacts/app-start.json.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use fantoccini::Client;
use serde_json::{json, Value};
use tenantry_changeset::SigningKey;
use tenantry_store::testing::{fill_tenant_list, tenant_list_envelopes};
use tenantry_store::{Location, Store, SQLITE_FILE_NAME};
use tenantry_tests::desktop::DesktopHarness;
use tenantry_tests::ui::text_content;
use tenantry_tests::workspace::{artifacts_dir, built_binary, target_profile_dir};

const TENANTS: usize = 10_000;
/// Overrides the mirror's size, to see what of the start depends on it.
const TENANTS_ENV: &str = "APP_START_TENANTS";
const ROUNDS: usize = 10;
/// Overrides the number of counted launches of each binary (quicker, noisier looks).
const ROUNDS_ENV: &str = "APP_START_ROUNDS";
/// Memory is read this long after interactive: the first list page and the web
/// process's start-up allocations are done by then.
const SETTLE: Duration = Duration::from_secs(2);
const START_TIMEOUT: Duration = Duration::from_secs(90);

/// Run in the page until the element shows; answers the page's clock, and once the
/// element is there, its navigation, paint and IPC timings too (all in epoch ms).
const PROBE: &str = r#"
const present = document.querySelector(arguments[0]) !== null;
const now = performance.timeOrigin + performance.now();
if (!present) return { present, now };
const t = performance.timing;
const paint = {};
for (const entry of performance.getEntriesByType('paint')) paint[entry.name] = performance.timeOrigin + entry.startTime;
// Every fetched resource (the script, the stylesheet, IPC calls where WebKit lists them).
const ipc = performance.getEntriesByType('resource')
  .map((entry) => ({
    command: entry.name.replace(/^.*\//, '').replace(/\?.*$/, ''),
    start: performance.timeOrigin + entry.startTime,
    end: performance.timeOrigin + entry.responseEnd,
  }));
return {
  present, now,
  navigation_start: t.navigationStart, response_end: t.responseEnd, dom_interactive: t.domInteractive,
  dom_content_loaded: t.domContentLoadedEventEnd, load: t.loadEventEnd, paint, ipc,
  elements: document.getElementsByTagName('*').length,
  svg_elements: document.querySelectorAll('svg, svg *').length,
  marks: Object.fromEntries(performance.getEntriesByType('mark').map((m) => [m.name, performance.timeOrigin + m.startTime])),
};
"#;

/// One of the two binaries under measurement.
#[derive(Debug)]
struct Subject {
    name: &'static str,
    binary: PathBuf,
    /// The bash script tauri-driver is given: stamps the launch, then execs `binary`.
    launcher: PathBuf,
    stamp: PathBuf,
    /// The element whose presence makes the page interactive.
    target: &'static str,
    /// The `data-testid` whose text is kept with each sample, and the digits it must hold.
    shown: (&'static str, Option<String>),
}

impl Subject {
    fn new(
        name: &'static str,
        binary: PathBuf,
        scripts: &Path,
        target: &'static str,
        shown: (&'static str, Option<String>),
    ) -> Self {
        let launcher = scripts.join(format!("{name}.sh"));
        let stamp = scripts.join(format!("{name}.stamp"));
        let script = format!(
            "#!/bin/bash\n\
             # The pid and wall clock of the launch; exec keeps the pid.\n\
             printf '%s %s\\n' \"$$\" \"$EPOCHREALTIME\" > '{}'\n\
             exec '{}' \"$@\"\n",
            stamp.display(),
            binary.display()
        );
        std::fs::write(&launcher, script).expect("write the launcher");
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&launcher, std::fs::Permissions::from_mode(0o755))
            .expect("make the launcher executable");
        Self {
            name,
            binary,
            launcher,
            stamp,
            target,
            shown,
        }
    }
}

/// Builds both binaries in one cargo run, so they link the same tauri build, in this
/// test's profile.
fn build_both() -> (PathBuf, PathBuf) {
    let profile = target_profile_dir()
        .file_name()
        .and_then(|name| name.to_str())
        .map(str::to_owned)
        .expect("profile directory name");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(cargo);
    command
        .args([
            "build",
            "-p",
            "tenantry-desktop",
            "-p",
            "tenantry-hello-tauri",
        ])
        .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join(".."));
    if profile != "debug" {
        command.args(["--profile", &profile]);
    }
    let status = command.status().expect("run cargo build");
    assert!(
        status.success(),
        "cargo build of both apps failed ({status}); the app embeds ui/dist: \
         `npm --prefix ui run build` first"
    );
    (
        built_binary("tenantry-desktop"),
        built_binary("tenantry-hello-tauri"),
    )
}

/// A fresh data directory whose SQLite mirror holds the tenant-list bench's mirror.
async fn mirror_with_tenants(count: usize) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp data dir");
    let store = Store::open(Location::SqliteFile(dir.path().join(SQLITE_FILE_NAME)))
        .await
        .expect("open the mirror");
    let key = SigningKey::generate().expect("key");
    let envelopes = tenant_list_envelopes(&key, count);
    let ingest = fill_tenant_list(&store, &key, &envelopes).await;
    eprintln!("{count} tenants ingested in {ingest:?}");
    store.close().await;
    dir
}

fn epoch_ms() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970")
        .as_secs_f64()
        * 1e3
}

/// `<pid> <seconds>.<micros>` as the launcher wrote it (bash writes the locale's
/// decimal separator).
fn parse_stamp(text: &str) -> Option<(u32, f64)> {
    let mut parts = text.split_whitespace();
    let pid = parts.next()?.parse().ok()?;
    let seconds: f64 = parts.next()?.replace(',', ".").parse().ok()?;
    Some((pid, seconds * 1e3))
}

/// Parent of every process now running, from `/proc/<pid>/stat`.
fn parents() -> HashMap<u32, u32> {
    let mut map = HashMap::new();
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<u32>().ok())
        else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        // The name is in parentheses and may hold spaces: read after its last ')'.
        let after_name = stat
            .rsplit_once(')')
            .map(|(_, rest)| rest)
            .unwrap_or_default();
        let mut fields = after_name.split_whitespace();
        let state = fields.next();
        if state == Some("Z") {
            continue;
        }
        if let Some(parent) = fields.next().and_then(|p| p.parse().ok()) {
            map.insert(pid, parent);
        }
    }
    map
}

/// `root` and every live process below it.
fn process_tree(root: u32) -> Vec<u32> {
    let parents = parents();
    if !parents.contains_key(&root) {
        return Vec::new();
    }
    let mut tree = vec![root];
    let mut index = 0;
    while index < tree.len() {
        let pid = tree[index];
        tree.extend(
            parents
                .iter()
                .filter(|(_, parent)| **parent == pid)
                .map(|(child, _)| *child),
        );
        index += 1;
    }
    tree
}

/// The kB value of `key` (`VmRSS:`, `Pss:`) in a /proc file.
fn kib(path: PathBuf, key: &str) -> Option<u64> {
    std::fs::read_to_string(path)
        .ok()?
        .lines()
        .find_map(|line| {
            line.strip_prefix(key)?
                .split_whitespace()
                .next()?
                .parse()
                .ok()
        })
}

/// Resident memory of `root` and its descendants: totals and one line per process.
fn tree_memory(root: u32) -> Value {
    let mut rss_total = 0;
    let mut pss_total = 0;
    let mut pss_complete = true;
    let mut processes = Vec::new();
    for pid in process_tree(root) {
        let proc = PathBuf::from(format!("/proc/{pid}"));
        let name = std::fs::read_to_string(proc.join("comm"))
            .unwrap_or_default()
            .trim()
            .to_owned();
        let rss = kib(proc.join("status"), "VmRSS:").unwrap_or_default();
        let pss = kib(proc.join("smaps_rollup"), "Pss:");
        rss_total += rss;
        match pss {
            Some(pss) => pss_total += pss,
            None => pss_complete = false,
        }
        processes.push(json!({ "pid": pid, "name": name, "rss_kib": rss, "pss_kib": pss }));
    }
    json!({
        "rss_mib": round(rss_total as f64 / 1024.0),
        "pss_mib": pss_complete.then(|| round(pss_total as f64 / 1024.0)),
        "process_count": processes.len(),
        "processes": processes,
    })
}

fn round(value: f64) -> f64 {
    (value * 10.0).round() / 10.0
}

/// Waits until none of `pids` runs any more, so the next launch starts from nothing.
fn wait_gone(pids: &[u32]) {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let running = parents();
        let left: Vec<_> = pids
            .iter()
            .filter(|pid| running.contains_key(pid))
            .collect();
        if left.is_empty() {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "processes {left:?} still run 15 s after the session closed"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

async fn probe(app: &Client, target: &str) -> Value {
    app.execute(PROBE, vec![json!(target)])
        .await
        .expect("run the probe in the page")
}

/// One launch: spawn → interactive → settle → memory → quit.
async fn launch_once(harness: &DesktopHarness, subject: &Subject) -> Value {
    let _ = std::fs::remove_file(&subject.stamp);
    let requested = epoch_ms();
    let app = harness.launch_application(&subject.launcher).await;
    let session = epoch_ms();
    let (pid, spawned) = std::fs::read_to_string(&subject.stamp)
        .ok()
        .as_deref()
        .and_then(parse_stamp)
        .unwrap_or_else(|| panic!("{} did not stamp its launch", subject.name));

    let deadline = Instant::now() + START_TIMEOUT;
    let mut last_absent = None;
    let mut polls = 0;
    let seen = loop {
        let answer = probe(&app, subject.target).await;
        polls += 1;
        if answer["present"] == true {
            break answer;
        }
        last_absent = answer["now"].as_f64();
        assert!(
            Instant::now() < deadline,
            "{} showed no {} within {START_TIMEOUT:?}",
            subject.name,
            subject.target
        );
    };
    // A navigation timing not reached yet reads 0.
    let since = |value: &Value| {
        value
            .as_f64()
            .filter(|ms| *ms > 0.0)
            .map(|ms| round(ms - spawned))
    };
    let interactive = since(&seen["now"]).expect("page clock");
    let ipc: Vec<Value> = seen["ipc"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|call| {
            json!({
                "command": call["command"],
                "start_ms": since(&call["start"]),
                "end_ms": since(&call["end"]),
            })
        })
        .collect();

    let (test_id, digits_expected) = &subject.shown;
    let shown = text_content(&app, test_id).await;
    if let Some(expected) = digits_expected {
        let digits: String = shown.chars().filter(char::is_ascii_digit).collect();
        assert_eq!(
            &digits, expected,
            "{}: {test_id} says {shown:?}",
            subject.name
        );
    }

    tokio::time::sleep(SETTLE).await;
    let memory = tree_memory(pid);
    let tree = process_tree(pid);
    app.close().await.expect("quit the app");
    wait_gone(&tree);

    json!({
        // Wall clock of the launch, to line the sample up with the app's log.
        "spawned_epoch_ms": spawned,
        "interactive_ms": interactive,
        "interactive_after_ms": last_absent.map(|ms| round(ms - spawned)),
        "polls": polls,
        "request_to_spawn_ms": round(spawned - requested),
        "session_ms": round(session - spawned),
        "navigation_start_ms": since(&seen["navigation_start"]),
        "response_end_ms": since(&seen["response_end"]),
        "dom_interactive_ms": since(&seen["dom_interactive"]),
        "dom_content_loaded_ms": since(&seen["dom_content_loaded"]),
        "load_ms": since(&seen["load"]),
        "first_paint_ms": since(&seen["paint"]["first-paint"]),
        "first_contentful_paint_ms": since(&seen["paint"]["first-contentful-paint"]),
        "ipc": ipc,
        // Size of the page at interactive: what its first layout and paint had to do.
        "elements": seen["elements"],
        "svg_elements": seen["svg_elements"],
        "marks": seen["marks"].as_object().map(|marks| marks.iter().map(|(name, at)| (name.clone(), json!(since(at)))).collect::<serde_json::Map<_, _>>()),
        "shown": shown,
        "memory": memory,
    })
}

/// Nearest-rank percentile (with 10 samples, p95 is the largest).
fn percentile(sorted: &[f64], p: f64) -> f64 {
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// Reads one measure from a sample.
type Read = fn(&Value) -> Option<f64>;

/// p50 / p95 of every numeric measure over `samples`, by measure name.
fn summary(samples: &[Value]) -> BTreeMap<&'static str, Value> {
    let measures: [(&str, Read); 10] = [
        ("interactive_ms", |s| s["interactive_ms"].as_f64()),
        ("interactive_after_ms", |s| {
            s["interactive_after_ms"].as_f64()
        }),
        ("session_ms", |s| s["session_ms"].as_f64()),
        ("navigation_start_ms", |s| s["navigation_start_ms"].as_f64()),
        ("dom_content_loaded_ms", |s| {
            s["dom_content_loaded_ms"].as_f64()
        }),
        ("load_ms", |s| s["load_ms"].as_f64()),
        ("first_contentful_paint_ms", |s| {
            s["first_contentful_paint_ms"].as_f64()
        }),
        ("rss_mib", |s| s["memory"]["rss_mib"].as_f64()),
        ("pss_mib", |s| s["memory"]["pss_mib"].as_f64()),
        ("process_count", |s| s["memory"]["process_count"].as_f64()),
    ];
    measures
        .into_iter()
        .filter_map(|(name, read)| {
            let mut values: Vec<f64> = samples.iter().filter_map(read).collect();
            if values.is_empty() {
                return None;
            }
            values.sort_by(f64::total_cmp);
            Some((
                name,
                json!({
                    "n": values.len(),
                    "p50": round(percentile(&values, 50.0)),
                    "p95": round(percentile(&values, 95.0)),
                    "min": round(values[0]),
                }),
            ))
        })
        .collect()
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .unwrap_or_default()
        .trim()
        .to_owned()
}

fn file_mib(path: &Path) -> f64 {
    round(std::fs::metadata(path).map(|m| m.len()).unwrap_or_default() as f64 / 1048576.0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a measurement for BENCHMARKS.md; run with --ignored"]
async fn app_start_and_memory_against_a_tauri_hello_world() {
    let (ours, hello) = build_both();
    let tenants = std::env::var(TENANTS_ENV)
        .ok()
        .map(|count| {
            count
                .parse::<usize>()
                .expect("APP_START_TENANTS is a count")
        })
        .filter(|count| *count > 0)
        .unwrap_or(TENANTS);
    let rounds = std::env::var(ROUNDS_ENV)
        .ok()
        .map(|count| count.parse::<usize>().expect("APP_START_ROUNDS is a count"))
        .filter(|count| *count > 0)
        .unwrap_or(ROUNDS);
    let data_dir = mirror_with_tenants(tenants).await;
    let scripts = tempfile::tempdir().expect("temp dir for the launchers");
    let subjects = [
        // The count must say every tenant of the mirror: the app read the right one.
        Subject::new(
            "tenantry",
            ours,
            scripts.path(),
            "[data-testid='tenant-row']",
            ("tenant-count", Some(tenants.to_string())),
        ),
        Subject::new(
            "hello",
            hello,
            scripts.path(),
            "[data-testid='hello']",
            ("hello", None),
        ),
    ];
    let load_before = load_average();
    let harness = DesktopHarness::start("app-start", data_dir.path());

    // One launch of each first, not counted: the page cache then holds both binaries and
    // WebKit's libraries, as it would for any launch but the first after boot.
    for subject in &subjects {
        launch_once(&harness, subject).await;
    }
    let mut samples: [Vec<Value>; 2] = [Vec::new(), Vec::new()];
    for round_number in 0..rounds {
        // Alternate which goes first, so neither always follows the other.
        let order = if round_number % 2 == 0 {
            [0, 1]
        } else {
            [1, 0]
        };
        for index in order {
            let sample = launch_once(&harness, &subjects[index]).await;
            eprintln!(
                "round {round_number} {}: interactive {} ms, RSS {} MiB, PSS {} MiB",
                subjects[index].name,
                sample["interactive_ms"],
                sample["memory"]["rss_mib"],
                sample["memory"]["pss_mib"]
            );
            samples[index].push(sample);
        }
    }
    let load_after = load_average();
    drop(harness);
    // The app's own log (each command's span and duration) beside the report, to line
    // the samples up with what the app did.
    let logs = data_dir.path().join("logs");
    if let Ok(entries) = std::fs::read_dir(&logs) {
        for entry in entries.flatten() {
            let kept =
                artifacts_dir().join(format!("app-start-{}", entry.file_name().to_string_lossy()));
            std::fs::copy(entry.path(), kept).expect("keep the app's log");
        }
    }

    let [ours_summary, hello_summary] = [summary(&samples[0]), summary(&samples[1])];
    let ratio = |ours: &str, hello: &str, at: &str| -> Option<f64> {
        let a = ours_summary.get(ours)?[at].as_f64()?;
        let b = hello_summary.get(hello)?[at].as_f64()?;
        Some((a / b * 100.0).round() / 100.0)
    };
    // The hello-world's heading is in its HTML, so it exists before the first poll can
    // run: its first contentful paint and DOMContentLoaded are stricter yardsticks.
    let pairs = [
        ("interactive_ms", "interactive_ms"),
        ("interactive_ms", "first_contentful_paint_ms"),
        ("interactive_ms", "dom_content_loaded_ms"),
        ("rss_mib", "rss_mib"),
        ("pss_mib", "pss_mib"),
    ];
    let ratios: BTreeMap<String, Option<f64>> = pairs
        .iter()
        .flat_map(|(ours, hello)| {
            ["p50", "p95"].map(|at| {
                let name = if ours == hello {
                    format!("{ours}_{at}")
                } else {
                    format!("{ours}_over_hello_{hello}_{at}")
                };
                (name, ratio(ours, hello, at))
            })
        })
        .collect();
    let report = json!({
        "profile": target_profile_dir().file_name().and_then(|n| n.to_str()),
        "tenants": tenants,
        "rounds": rounds,
        "settle_ms": SETTLE.as_millis() as u64,
        "load_average_before": load_before,
        "load_average_after": load_after,
        "binaries_mib": {
            "tenantry": file_mib(&subjects[0].binary),
            "hello": file_mib(&subjects[1].binary),
        },
        "targets": { "interactive_ratio": 1.3, "memory_ratio": 1.5 },
        "ratios": ratios,
        "summary": { "tenantry": ours_summary, "hello": hello_summary },
        "samples": { "tenantry": samples[0], "hello": samples[1] },
    });
    let text = serde_json::to_string_pretty(&report).expect("JSON");
    std::fs::write(artifacts_dir().join("app-start.json"), &text).expect("write");
    println!(
        "{}",
        serde_json::to_string_pretty(&json!({
            "ratios": report["ratios"],
            "summary": report["summary"],
            "load": [report["load_average_before"], report["load_average_after"]],
        }))
        .expect("JSON")
    );
}

#[test]
fn the_launch_stamp_is_read_in_any_locale() {
    let (pid, ms) = parse_stamp("4242 1764970000.123456\n").expect("a stamp");
    assert_eq!(pid, 4242);
    assert!((ms - 1_764_970_000_123.456).abs() < 0.01, "{ms}");
    let (_, ms) = parse_stamp("7 1764970000,5").expect("a stamp with a decimal comma");
    assert!((ms - 1_764_970_000_500.0).abs() < 0.01, "{ms}");
    assert_eq!(parse_stamp("not a stamp"), None);
}

#[test]
fn the_memory_of_a_process_tree_counts_its_children() {
    let mut child = Command::new("sleep")
        .arg("30")
        .spawn()
        .expect("start a child");
    let own = std::process::id();
    let tree = process_tree(own);
    assert!(
        tree.contains(&own) && tree.contains(&child.id()),
        "{tree:?}"
    );
    let memory = tree_memory(own);
    let names: Vec<&str> = memory["processes"]
        .as_array()
        .expect("processes")
        .iter()
        .filter_map(|p| p["name"].as_str())
        .collect();
    assert!(names.contains(&"sleep"), "{names:?}");
    assert!(memory["rss_mib"].as_f64().unwrap_or_default() > 1.0);
    child.kill().expect("stop the child");
    child.wait().expect("reap the child");
    wait_gone(&[child.id()]);
}
