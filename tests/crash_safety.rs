//! Crash safety of the mirror: a writer process records signed change sets into SQLite
//! and is killed with SIGKILL at random moments, 200 times. After every kill: SQLite's
//! integrity check passes, every change set the writer acknowledged is present, and
//! nothing is half applied (`verify_mirror` replays the whole chain and compares it with
//! the stored documents).

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use tenantry_store::{Location, Store};

const KILLS: usize = 200;

/// A small deterministic generator, so a failing run can be repeated (seed printed).
struct Lcg(u64);
impl Lcg {
    fn next_below(&mut self, bound: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % bound
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_mirror_survives_being_killed_mid_write_200_times() {
    let dir = tempfile::tempdir().expect("temp dir");
    let seed = std::env::var("CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos() as u64)
                .unwrap_or(7)
        });
    println!("CRASH_SEED={seed}");
    let mut random = Lcg(seed);
    let mut acknowledged: Vec<String> = Vec::new();
    let started = Instant::now();

    for round in 0..KILLS {
        let mut writer = Command::new(env!("CARGO_BIN_EXE_mirror-writer"))
            .arg(dir.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the writer");
        let stdout = writer.stdout.take().expect("stdout");
        // Read acknowledgements on a thread; kill after a random delay (0–150 ms after the
        // process starts, which lands before, during and after commits).
        let reader = std::thread::spawn(move || {
            BufReader::new(stdout)
                .lines()
                .map_while(Result::ok)
                .filter_map(|line| line.strip_prefix("ack ").map(str::to_owned))
                .collect::<Vec<_>>()
        });
        std::thread::sleep(Duration::from_millis(random.next_below(150)));
        writer.kill().expect("SIGKILL the writer");
        writer.wait().expect("reap the writer");
        acknowledged.extend(reader.join().expect("reader thread"));

        let store = Store::open(Location::SqliteFile(
            dir.path().join(tenantry_store::SQLITE_FILE_NAME),
        ))
        .await
        .unwrap_or_else(|error| panic!("round {round}: the mirror no longer opens: {error}"));
        assert_eq!(integrity_check(dir.path()).await, "ok", "round {round}");
        let report = store.verify_mirror().await.expect("verify");
        assert!(
            report.problems.is_empty(),
            "round {round}: {:?}",
            report.problems
        );
        let mut stored = Vec::new();
        for tenant in store.tenant_ids().await.expect("tenants") {
            stored.extend(
                store
                    .history(&tenant)
                    .await
                    .expect("history")
                    .into_iter()
                    .map(|entry| entry.hash),
            );
        }
        for hash in &acknowledged {
            assert!(
                stored.contains(hash),
                "round {round}: acknowledged change set {hash} is missing"
            );
        }
        store.close().await;
    }
    println!(
        "{KILLS} kills in {:.1} s; {} change sets acknowledged and all present",
        started.elapsed().as_secs_f64(),
        acknowledged.len()
    );
    assert!(
        acknowledged.len() > 20,
        "the writer should get some work done between kills"
    );
}

async fn integrity_check(dir: &std::path::Path) -> String {
    use sqlx::Connection;
    let path = dir.join(tenantry_store::SQLITE_FILE_NAME);
    let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite://{}", path.display()))
        .await
        .expect("connect");
    let (result,): (String,) = sqlx::query_as("PRAGMA integrity_check")
        .fetch_one(&mut conn)
        .await
        .expect("pragma");
    conn.close().await.ok();
    result
}
