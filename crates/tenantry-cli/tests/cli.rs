//! The `tenantry` binary, run as a user would, over real mirrors.

use std::process::{Command, Output};

use tenantry_core::NewDraft;
use tenantry_store::testing::TestMirror;

fn tenantry(args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_tenantry"));
    command
        .args(args)
        .env_remove("TENANTRY_DATA_DIR")
        .env_remove("TENANTRY_DATABASE_URL");
    command
}

fn run(command: &mut Command) -> Output {
    command.output().expect("run tenantry")
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).expect("utf-8 stdout")
}

fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).expect("utf-8 stderr")
}

async fn mirror_with_two_drafts(mirror: &TestMirror) {
    for (name, industry) in [
        ("Acme Health", "healthcare"),
        ("Northwind Bank", "financial_services"),
    ] {
        mirror
            .store
            .create_draft(&NewDraft {
                client_name: name.into(),
                industry: industry.into(),
            })
            .await
            .expect("create");
    }
}

#[test]
fn version_names_the_program_and_its_version() {
    let output = run(tenantry(&["--version"]).current_dir(env!("CARGO_MANIFEST_DIR")));
    assert!(output.status.success());
    assert_eq!(
        stdout(&output),
        format!("tenantry {}\n", env!("CARGO_PKG_VERSION"))
    );
}

#[tokio::test]
async fn drafts_list_shows_a_table_newest_first() {
    let mirror = TestMirror::sqlite().await;
    mirror_with_two_drafts(&mirror).await;
    let data_dir = mirror.data_dir().expect("sqlite");
    let output = run(tenantry(&["drafts", "list"]).env("TENANTRY_DATA_DIR", &data_dir));
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    assert!(lines[0].starts_with("ID"));
    assert!(lines[0].contains("CLIENT") && lines[0].contains("INDUSTRY"));
    assert!(lines[1].contains("Northwind Bank") && lines[1].contains("Financial services"));
    assert!(lines[2].contains("Acme Health") && lines[2].contains("Healthcare"));
    mirror.remove().await;
}

#[tokio::test]
async fn drafts_list_as_json_is_machine_readable() {
    let mirror = TestMirror::sqlite().await;
    mirror_with_two_drafts(&mirror).await;
    let data_dir = mirror.data_dir().expect("sqlite");
    let output =
        run(tenantry(&["drafts", "list", "--format", "json", "--data-dir"]).arg(&data_dir));
    assert!(output.status.success(), "{}", stderr(&output));
    let drafts: serde_json::Value = serde_json::from_str(&stdout(&output)).expect("valid JSON");
    let drafts = drafts.as_array().expect("an array");
    assert_eq!(drafts.len(), 2);
    assert_eq!(drafts[0]["clientName"], "Northwind Bank");
    assert_eq!(drafts[0]["industry"], "financial_services");
    assert!(drafts[0]["createdAt"]
        .as_str()
        .expect("a string")
        .ends_with('Z'));
    mirror.remove().await;
}

#[tokio::test]
async fn drafts_list_reads_a_postgres_mirror() {
    let mirror = TestMirror::postgres().await;
    mirror_with_two_drafts(&mirror).await;
    let url = match mirror.location() {
        tenantry_store::Location::Postgres(url) => url.clone(),
        other => panic!("expected Postgres, got {other}"),
    };
    let output =
        run(tenantry(&["drafts", "list", "--format", "json"]).env("TENANTRY_DATABASE_URL", url));
    assert!(output.status.success(), "{}", stderr(&output));
    let drafts: serde_json::Value = serde_json::from_str(&stdout(&output)).expect("valid JSON");
    assert_eq!(drafts.as_array().map(Vec::len), Some(2));
    mirror.remove().await;
}

#[test]
fn an_empty_data_dir_lists_nothing_and_creates_nothing() {
    let dir = tempfile::tempdir().expect("temp dir");
    let dir = dir.path();
    let output = run(tenantry(&["drafts", "list"]).env("TENANTRY_DATA_DIR", dir));
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(stdout(&output).starts_with("No drafts yet."));
    let json = run(tenantry(&["drafts", "list", "--format", "json"]).env("TENANTRY_DATA_DIR", dir));
    assert_eq!(stdout(&json).trim(), "[]");
    assert_eq!(
        std::fs::read_dir(dir).expect("read dir").count(),
        0,
        "nothing was created"
    );
}

#[test]
fn a_bad_database_url_is_a_clear_error_and_exit_code_1() {
    let output = run(&mut tenantry(&[
        "drafts",
        "list",
        "--database-url",
        "mysql://root:pw@db/x",
    ]));
    assert_eq!(output.status.code(), Some(1));
    let message = stderr(&output);
    assert!(
        message.starts_with("error: 'mysql://root:***@db/x' is not a database URL"),
        "{message}"
    );
    assert!(!message.contains(":pw@"));
}

#[test]
fn an_unknown_format_is_a_usage_error() {
    let output = run(&mut tenantry(&["drafts", "list", "--format", "xml"]));
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("invalid value 'xml'"));
}
