//! `tenantry handoff` over a real SQLite mirror: the sample healthcare client is
//! submitted (signed) twice through the binary, then its handoff is generated as
//! Markdown on stdout and as a PDF file that poppler (a real reader) opens.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

mod support;

use support::{assert_ok, stderr, stdout, Workspace};

/// A mirror holding the HIPAA example, submitted, then with a raised AI budget.
fn with_signed_tenant() -> Workspace {
    let workspace = Workspace::new();
    let first = workspace.document("v1.json", |_| {});
    assert_ok(&workspace.submit(&first, "Onboard Cedar Valley Health", "v1.dsse.json"));
    let second = workspace.document("v2.json", |doc| {
        doc["ai"]["monthly_budget_cents"] = Value::from(160_000);
    });
    assert_ok(&workspace.submit(&second, "Raise the AI budget", "v2.dsse.json"));
    workspace
}

/// A poppler tool; a missing one fails the test with what to do, never skips it.
fn poppler(tool: &str, file: &Path) -> String {
    let mut command = Command::new(tool);
    command.arg(file);
    if tool == "pdftotext" {
        command.arg("-");
    }
    let output = command.output().unwrap_or_else(|error| {
        panic!("could not run {tool} ({error}): install poppler-utils with `scripts/install-deps.sh test`")
    });
    assert_ok(&output);
    stdout(&output)
}

const SECTIONS: [&str; 8] = [
    "1. Configuration summary",
    "2. Enabled services",
    "3. AI settings",
    "4. Integrations",
    "5. Known overrides",
    "6. Support and escalation",
    "7. Go-live checklist",
    "8. Change history",
];

#[test]
fn handoff_as_markdown_documents_the_signed_document_and_its_history() {
    let workspace = with_signed_tenant();
    let history = workspace.history("cedar-valley-health");
    let head = history[1]["hash"].as_str().expect("hash");

    let output = workspace.run(&["handoff", "cedar-valley-health", "--format", "md"]);
    assert_ok(&output);
    let markdown = stdout(&output);
    assert!(
        markdown.starts_with("# Client handoff: Cedar Valley Health\n"),
        "{markdown}"
    );
    for section in SECTIONS {
        assert!(markdown.contains(&format!("## {section}\n")), "{section}");
    }
    // The signed state: the second change set's budget, its hash as the head, both
    // change sets with what they changed.
    assert!(markdown.contains("$1,600.00 per month"), "{markdown}");
    assert!(markdown.contains("the draft document after change set #2"));
    assert!(markdown.contains(&format!("`{head}`")));
    assert!(markdown.contains("Onboard Cedar Valley Health"));
    assert!(markdown.contains("ai › monthly budget cents"));
    assert!(markdown.contains("this machine's signing key (key "));
    assert!(
        markdown.contains("`secret://tenants/01a10b56-13e8-7592-9beb-ccfda2ed045a/mailpost/smtp`")
    );

    // The same by tenant id.
    let id = "01a10b56-13e8-7592-9beb-ccfda2ed045a";
    let by_id = workspace.run(&["handoff", id, "--format", "md"]);
    assert_ok(&by_id);
    assert_eq!(by_id.stdout, output.stdout);
}

#[test]
fn handoff_as_pdf_writes_a_file_a_reader_opens() {
    let workspace = with_signed_tenant();
    let output = workspace.run(&[
        "handoff",
        "cedar-valley-health",
        "--format",
        "pdf",
        "--output",
        "x.pdf",
    ]);
    assert_ok(&output);
    assert!(stdout(&output).is_empty(), "{}", stdout(&output));
    let pdf = workspace.path("x.pdf");
    let text = poppler("pdftotext", &pdf);
    for section in SECTIONS {
        assert!(text.contains(section), "{section}:\n{text}");
    }
    assert!(text.contains("Cedar Valley Health"));
    let info = poppler("pdfinfo", &pdf);
    let pages: usize = info
        .lines()
        .find_map(|line| line.strip_prefix("Pages:"))
        .and_then(|count| count.trim().parse().ok())
        .unwrap_or_else(|| panic!("no page count:\n{info}"));
    assert!(pages >= 3, "{pages}");
    assert!(text.contains(&format!("Page {pages} of {pages}")));
    // No temporary file is left beside it.
    let names: Vec<String> = std::fs::read_dir(workspace.dir())
        .expect("list")
        .map(|entry| {
            entry
                .expect("entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    assert!(!names.iter().any(|name| name.contains(".tmp")), "{names:?}");

    // Piped (not a terminal), the PDF may go to standard output; HTML too.
    let piped = workspace.run(&["handoff", "cedar-valley-health", "--format", "pdf"]);
    assert_ok(&piped);
    assert!(piped.stdout.starts_with(b"%PDF-1.4"));
    let html = workspace.run(&["handoff", "cedar-valley-health", "--format", "html"]);
    assert_ok(&html);
    assert!(stdout(&html).starts_with("<!DOCTYPE html>"));
}

#[test]
fn unknown_tenants_missing_environments_and_bad_outputs_are_clear_errors() {
    let workspace = with_signed_tenant();
    let unknown = workspace.run(&["handoff", "no-such-client"]);
    assert_eq!(unknown.status.code(), Some(1));
    assert!(
        stderr(&unknown).contains("error: no tenant 'no-such-client' in the mirror"),
        "{}",
        stderr(&unknown)
    );
    assert!(unknown.stdout.is_empty());

    let production = workspace.run(&[
        "handoff",
        "cedar-valley-health",
        "--environment",
        "production",
    ]);
    assert_eq!(production.status.code(), Some(1));
    assert!(
        stderr(&production).contains("has no signed production document yet"),
        "{}",
        stderr(&production)
    );

    std::fs::create_dir(workspace.path("folder")).expect("mkdir");
    let into_directory = workspace.run(&[
        "handoff",
        "cedar-valley-health",
        "--format",
        "pdf",
        "--output",
        "folder",
    ]);
    assert_eq!(into_directory.status.code(), Some(1));
    assert!(
        stderr(&into_directory).contains("folder is a folder, not a file"),
        "{}",
        stderr(&into_directory)
    );

    let missing_dir =
        workspace.run(&["handoff", "cedar-valley-health", "--output", "nowhere/x.md"]);
    assert_eq!(missing_dir.status.code(), Some(1));
    assert!(
        stderr(&missing_dir).contains("--output nowhere/x.md: x.md could not be written"),
        "{}",
        stderr(&missing_dir)
    );

    let bad_format = workspace.run(&["handoff", "cedar-valley-health", "--format", "docx"]);
    assert_eq!(bad_format.status.code(), Some(2));
}

#[test]
fn an_empty_machine_has_no_mirror_to_document() {
    let dir = tempfile::tempdir().expect("temp dir");
    let output = Command::new(env!("CARGO_BIN_EXE_tenantry"))
        .args(["handoff", "cedar-valley-health"])
        .env("TENANTRY_DATA_DIR", dir.path().join("data"))
        .env_remove("TENANTRY_DATABASE_URL")
        .output()
        .expect("run tenantry");
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("there is no mirror here yet"),
        "{}",
        stderr(&output)
    );
    assert!(
        !dir.path().join("data").exists(),
        "a read-only command created a mirror"
    );
}

#[test]
fn a_pdf_is_not_written_to_a_terminal() {
    let workspace = with_signed_tenant();
    // util-linux's `script` runs the command on a pseudo-terminal.
    let command = format!(
        "{} handoff cedar-valley-health --format pdf",
        env!("CARGO_BIN_EXE_tenantry")
    );
    let output = Command::new("script")
        .args(["--quiet", "--return", "--command", &command, "/dev/null"])
        .current_dir(workspace.dir())
        .env("TENANTRY_DATA_DIR", workspace.path("data"))
        .env_remove("TENANTRY_DATABASE_URL")
        .output()
        .unwrap_or_else(|error| panic!("could not run util-linux `script` ({error})"));
    let seen = stdout(&output);
    assert_eq!(output.status.code(), Some(1), "{seen}");
    assert!(
        seen.contains("would garble the terminal: pass --output FILE"),
        "{seen}"
    );
    assert!(!seen.contains("%PDF"), "{seen}");
}
