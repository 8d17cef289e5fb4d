//! The handoff of the shipped healthcare client, in all three formats, read back the way
//! a person would: the PDF through a real reader (poppler's pdftotext and pdfinfo).

use std::path::{Path, PathBuf};
use std::process::Command;

use tenantry_changeset::Environment;
use tenantry_core::credentials;
use tenantry_core::{TenantDocument, Timestamp};
use tenantry_handoff::{ChangeRecord, Handoff, HandoffError, Signer, SECTION_TITLES};

fn example(name: &str) -> TenantDocument {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples/tenants")
        .join(name);
    serde_json::from_slice(&std::fs::read(&path).expect("read the example")).expect("JSON")
}

fn history() -> Vec<ChangeRecord> {
    let author = Signer {
        key_id: "3f2a".repeat(16),
        label: Some("Priya Raman".to_owned()),
    };
    let reviewer = Signer {
        key_id: "9b1c".repeat(16),
        label: Some("Helen Park".to_owned()),
    };
    vec![
        ChangeRecord {
            seq: 1,
            hash: "5d41402abc4b2a76b9719d911017c592".repeat(2),
            environment: Environment::Staging,
            author: author.clone(),
            approvers: vec![reviewer.clone()],
            created_at: Timestamp::parse_rfc3339("2026-10-29T16:00:00Z").expect("time"),
            summary: "Onboard Cedar Valley Health".to_owned(),
            changed_paths: vec![String::new()],
        },
        ChangeRecord {
            seq: 2,
            hash: "7d793037a0760186574b0282f2f435e7".repeat(2),
            environment: Environment::Staging,
            author,
            approvers: vec![reviewer],
            created_at: Timestamp::parse_rfc3339("2026-10-30T09:30:00Z").expect("time"),
            summary: "Escalation contacts for handoff".to_owned(),
            changed_paths: vec!["/handoff/escalation_contacts".to_owned()],
        },
    ]
}

/// A poppler tool; missing tools fail the test with what to do, never skip it.
fn poppler(tool: &str, args: &[&std::ffi::OsStr]) -> String {
    let output = Command::new(tool).args(args).output().unwrap_or_else(|error| {
        panic!("could not run {tool} ({error}): install poppler-utils with `scripts/install-deps.sh test`")
    });
    assert!(
        output.status.success(),
        "{tool} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("UTF-8 from poppler")
}

fn write_pdf(dir: &Path, bytes: &[u8]) -> PathBuf {
    let path = dir.join("handoff.pdf");
    std::fs::write(&path, bytes).expect("write the PDF");
    path
}

/// A field of `pdfinfo`'s report, e.g. "Pages".
fn info_field(info: &str, name: &str) -> String {
    info.lines()
        .find_map(|line| line.strip_prefix(&format!("{name}:")))
        .map(|value| value.trim().to_owned())
        .unwrap_or_else(|| panic!("pdfinfo reports no {name}:\n{info}"))
}

fn credential_free(format: &str, text: &str) {
    for line in text.lines() {
        assert_eq!(
            credentials::detect(line),
            None,
            "{format} prints something that looks like a credential: {line}"
        );
    }
}

#[test]
fn the_healthcare_handoff_has_every_section_in_every_format_and_only_secret_references() {
    let handoff = Handoff::build(&example("healthcare-hipaa.json"), &history()).expect("builds");
    let markdown = handoff.markdown();
    let html = handoff.html();
    let dir = tempfile::tempdir().expect("temp dir");
    let pdf = write_pdf(dir.path(), &handoff.pdf());
    let pdf_text = poppler(
        "pdftotext",
        &["-layout".as_ref(), pdf.as_os_str(), "-".as_ref()],
    );

    for title in SECTION_TITLES {
        assert!(
            markdown.contains(&format!(". {title}\n")),
            "Markdown lacks {title}"
        );
        assert!(
            html.contains(&format!(". {title}</h2>")),
            "HTML lacks {title}"
        );
        assert!(
            pdf_text.contains(title),
            "the PDF lacks {title}:\n{pdf_text}"
        );
    }
    for (format, text) in [("Markdown", &markdown), ("HTML", &html), ("PDF", &pdf_text)] {
        assert!(
            text.contains("Cedar Valley Health"),
            "{format} lacks the client"
        );
        assert!(
            text.contains("secret://tenants/01a10b56-13e8-7592-9beb-ccfda2ed045a/medpay/api-key"),
            "{format} lacks the secret reference"
        );
        assert!(text.contains("Helen Park"), "{format} lacks the approver");
        credential_free(format, text);
    }
    // The footer names the tenant and the head change set on every page.
    let head = "7d793037a0760186574b0282f2f435e7".repeat(2);
    let pages: usize = info_field(&poppler("pdfinfo", &[pdf.as_os_str()]), "Pages")
        .parse()
        .expect("a page count");
    assert!(pages >= 3, "{pages} pages");
    assert_eq!(pdf_text.matches(&head).count(), pages + 3, "{pdf_text}");
    assert!(pdf_text.contains(&format!("Page {pages} of {pages}")));
}

#[test]
fn every_sample_client_renders_a_pdf_that_a_reader_opens() {
    let dir = tempfile::tempdir().expect("temp dir");
    for name in [
        "healthcare-hipaa.json",
        "fintech-pci.json",
        "retail-gdpr.json",
    ] {
        let document = example(name);
        let handoff = Handoff::build(&document, &history()).expect("builds");
        let pdf = write_pdf(dir.path(), &handoff.pdf());
        let info = poppler("pdfinfo", &[pdf.as_os_str()]);
        assert_eq!(info_field(&info, "Page size"), "595.28 x 841.89 pts (A4)");
        assert_eq!(
            info_field(&info, "Title"),
            format!("Client handoff: {}", document.tenant.display_name)
        );
        let text = poppler("pdftotext", &[pdf.as_os_str(), "-".as_ref()]);
        assert!(text.contains("8. Change history"), "{name}");
    }
}

#[test]
fn a_planted_secret_is_refused_with_the_field_path() {
    let mut document = example("healthcare-hipaa.json");
    document.overrides[0].justification =
        "Needs the registry; Authorization: Bearer abcdefghijklmnopqrstuvwxyz123456".to_owned();
    let error = Handoff::build(&document, &history()).expect_err("refused");
    assert!(matches!(error, HandoffError::LooksLikeSecret { .. }));
    let message = error.to_string();
    assert!(message.contains("/overrides/0/justification"), "{message}");
    assert!(message.contains("a bearer token"), "{message}");
    assert!(!message.contains("abcdefghijklmnop"), "{message}");
}

#[test]
fn a_hostile_client_name_is_inert_in_html_and_readable_in_the_pdf() {
    let mut document = example("healthcare-hipaa.json");
    document.tenant.display_name = "<img src=x onerror=alert(1)>".to_owned();
    let handoff = Handoff::build(&document, &history()).expect("builds");
    let html = handoff.html();
    assert!(!html.contains("<img"));
    assert!(html.contains("&lt;img src=x onerror=alert(1)&gt;"));
    let dir = tempfile::tempdir().expect("temp dir");
    let pdf = write_pdf(dir.path(), &handoff.pdf());
    let text = poppler("pdftotext", &[pdf.as_os_str(), "-".as_ref()]);
    assert!(text.contains("<img src=x onerror=alert(1)>"), "{text}");
}
