//! Files through the real native dialogs: the desktop binary under Xvfb, driven through
//! tauri-driver, and its GTK file chooser driven with xdotool (typing a path as a person
//! would). Export a draft's document, import an edited copy, have a broken one refused,
//! choose a logo and see its preview, have a text file named .png refused, save a signed
//! tenant's client handoff as PDF and read it back with a real PDF reader.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use fantoccini::{Client, Locator};
use tenantry_changeset::changeset::{ChangeSet, Environment, CHANGESET_SCHEMA_VERSION};
use tenantry_changeset::{Envelope, SigningKey};
use tenantry_core::asset::sha256_hex;
use tenantry_core::document_files::{export_document, import_document};
use tenantry_core::tenant::{parse_document, Format};
use tenantry_core::{NewDraft, TenantDocument, Timestamp};
use tenantry_store::{Location, Store, SQLITE_FILE_NAME};
use tenantry_tests::desktop::DesktopHarness;
use tenantry_tests::process::which;
use tenantry_tests::ui::{click, screenshot, wait_for_text, TIMEOUT};
use tenantry_tests::wizard::{open_first_draft, open_step};

/// A real 1×1 PNG, so the web view can decode the preview.
const PIXEL_PNG: [u8; 70] = [
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4,
    0x89, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x44, 0x41, 0x54, 0x78, 0xda, 0x63, 0x64, 0xf8, 0xcf, 0x50,
    0x0f, 0x00, 0x03, 0x86, 0x01, 0x80, 0x5a, 0x34, 0x7d, 0x6b, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45,
    0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
];

const LOGO: &str = "/customization/branding/logo_ref";

/// The shipped HIPAA example as the document of a fresh draft (so every step is open).
async fn seed_draft(data_dir: &Path) -> TenantDocument {
    let store = Store::open(Location::SqliteFile(data_dir.join(SQLITE_FILE_NAME)))
        .await
        .expect("open the mirror");
    let draft = store
        .create_draft(&NewDraft {
            client_name: "Cedar Valley Health".to_owned(),
            industry: "healthcare".to_owned(),
        })
        .await
        .expect("create a draft");
    let opened = store.open_draft(&draft.id).await.expect("open the draft");
    let text = include_str!("../examples/tenants/healthcare-hipaa.json");
    let mut document = parse_document(text.as_bytes(), Format::Json).expect("example parses");
    document.tenant.id = opened.document.tenant.id;
    document.customization.branding.logo_ref = None;
    store
        .save_draft(&draft.id, &document)
        .await
        .expect("save the example");
    store.close().await;
    document
}

/// The HIPAA example signed into the mirror as a tenant of its own (a colleague's, with no
/// draft here): what the handoff documents.
async fn seed_signed_tenant(data_dir: &Path) -> TenantDocument {
    let store = Store::open(Location::SqliteFile(data_dir.join(SQLITE_FILE_NAME)))
        .await
        .expect("open the mirror");
    let text = include_str!("../examples/tenants/healthcare-hipaa.json");
    let document = parse_document(text.as_bytes(), Format::Json).expect("example parses");
    let key = SigningKey::generate().expect("a key");
    store
        .add_signing_key(&key.public(), "Dana Whitfield")
        .await
        .expect("trust the key");
    let changeset = ChangeSet {
        schema_version: CHANGESET_SCHEMA_VERSION,
        id: ChangeSet::new_id(),
        organisation: "org-example".into(),
        tenant: document.tenant.id.clone(),
        environment: Environment::Draft,
        parent: None,
        operations: vec![ChangeSet::creation(&document)],
        summary: "Onboard Cedar Valley Health".into(),
        justifications: document.justifications.clone(),
        author: key.key_id(),
        created_at: Timestamp::now(),
    };
    store
        .record(&Envelope::sign(&changeset, &key).to_json())
        .await
        .expect("record the signed tenant");
    store.close().await;
    document
}

/// Runs xdotool on `display`, failing the test with its output when it fails.
fn xdotool(display: &str, args: &[&str]) -> String {
    let output = Command::new("xdotool")
        .args(args)
        .env("DISPLAY", display)
        .output()
        .expect("run xdotool");
    assert!(
        output.status.success(),
        "xdotool {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Waits for the GTK dialog titled `title`, focuses it, types `path` into its location
/// (`Ctrl+L` first for an open dialog; a save dialog's name entry takes a whole path)
/// and presses Enter.
async fn answer_dialog(display: &str, title: &str, path: &Path, save: bool) {
    let deadline = Instant::now() + TIMEOUT;
    let window = loop {
        let found = Command::new("xdotool")
            .args(["search", "--onlyvisible", "--name", &format!("^{title}$")])
            .env("DISPLAY", display)
            .output()
            .expect("run xdotool");
        let ids = String::from_utf8_lossy(&found.stdout).trim().to_owned();
        if let Some(id) = ids.lines().last().filter(|id| !id.is_empty()) {
            break id.to_owned();
        }
        assert!(
            Instant::now() < deadline,
            "no dialog titled {title:?} appeared"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    // The dialog maps and takes input a moment after it is created.
    tokio::time::sleep(Duration::from_millis(500)).await;
    xdotool(display, &["windowfocus", "--sync", &window]);
    if save {
        xdotool(display, &["key", "--clearmodifiers", "ctrl+a"]);
    } else {
        xdotool(display, &["key", "--clearmodifiers", "ctrl+l"]);
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let text = path.to_str().expect("a UTF-8 path");
    xdotool(display, &["type", "--delay", "20", text]);
    tokio::time::sleep(Duration::from_millis(300)).await;
    xdotool(display, &["key", "Return"]);
}

async fn logo_field_css(app: &Client, inner: &str) -> fantoccini::elements::Element {
    app.wait()
        .at_most(TIMEOUT)
        .for_element(Locator::Css(&format!(
            "[data-path='{LOGO}'] [data-testid='{inner}']"
        )))
        .await
        .unwrap_or_else(|error| panic!("the logo field's {inner}: {error}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn documents_and_logos_go_through_the_native_dialogs() {
    assert!(
        which("xdotool").is_some(),
        "xdotool is required to answer the GTK file dialog (apt-get install xdotool)"
    );
    let data_dir = tempfile::tempdir().expect("temp data dir");
    let files = tempfile::tempdir().expect("temp dir for files");
    let seeded = seed_draft(data_dir.path()).await;
    let signed = seed_signed_tenant(data_dir.path()).await;
    let harness = DesktopHarness::start("files", data_dir.path());
    let display = harness.display().to_owned();
    let app = harness.launch().await;
    open_first_draft(&app).await;

    // Export to YAML: the file is written, and reads back as the draft's document.
    click(&app, "export-document").await;
    let exported = files.path().join("cedar-export.yaml");
    answer_dialog(&display, "Export the tenant document", &exported, true).await;
    wait_for_text(
        &app,
        "file-status",
        "Exported as YAML to cedar-export.yaml.",
    )
    .await;
    let (read_back, format) = import_document(&exported).expect("the export reads back");
    assert_eq!(format, Format::Yaml);
    assert_eq!(read_back, seeded);

    // Edited in "an editor" (as TOML), then imported back after the confirmation.
    let mut edited = read_back;
    edited.tenant.metadata.legal_name = Some("Cedar Valley Health (imported)".to_owned());
    let edited_path = files.path().join("cedar-edited.toml");
    export_document(&edited, &edited_path).expect("write the edited copy");
    click(&app, "import-document").await;
    click(&app, "import-choose").await;
    answer_dialog(&display, "Import a tenant document", &edited_path, false).await;
    wait_for_text(&app, "file-status", "Document imported").await;
    open_step(&app, "tenant").await;
    let legal_name = app
        .wait()
        .at_most(TIMEOUT)
        .for_element(Locator::Css(
            "[data-path='/tenant/metadata/legal_name'] input",
        ))
        .await
        .expect("the legal name field")
        .prop("value")
        .await
        .expect("its value");
    assert_eq!(
        legal_name.as_deref(),
        Some("Cedar Valley Health (imported)")
    );
    screenshot(&app, "files-01-imported.png").await;

    // A file with a duplicate key is refused with its line, and nothing changes.
    let broken = files.path().join("cedar-broken.json");
    std::fs::write(&broken, "{\"schema_version\": 1, \"schema_version\": 1}").expect("write");
    click(&app, "import-document").await;
    click(&app, "import-choose").await;
    answer_dialog(&display, "Import a tenant document", &broken, false).await;
    let error = wait_for_text(&app, "file-error", "appears twice").await;
    assert!(error.contains("cedar-broken.json: line 1"), "{error}");
    screenshot(&app, "files-02-import-refused.png").await;

    // The logo: a PNG (named .jpg: the bytes decide) is kept and previewed.
    open_step(&app, "frontend_customization").await;
    let png = files.path().join("logo-pixel.jpg");
    std::fs::write(&png, PIXEL_PNG).expect("write the PNG");
    logo_field_css(&app, "choose-image")
        .await
        .click()
        .await
        .expect("click Choose logo");
    answer_dialog(&display, "Choose an image", &png, false).await;
    let reference = logo_field_css(&app, "image-reference")
        .await
        .text()
        .await
        .expect("the reference");
    assert!(reference.starts_with("asset://sha256/"), "{reference}");
    let preview = logo_field_css(&app, "image-preview").await;
    let src = preview
        .find(Locator::Css("img"))
        .await
        .expect("the preview image")
        .attr("src")
        .await
        .expect("its src")
        .unwrap_or_default();
    assert!(src.starts_with("data:image/png;base64,"), "{src}");
    screenshot(&app, "files-03-logo.png").await;

    // A text file named .png is refused next to the field; the logo stays as it was.
    let fake_png = files.path().join("logo-text.png");
    std::fs::write(&fake_png, "not an image").expect("write");
    logo_field_css(&app, "choose-image")
        .await
        .click()
        .await
        .expect("click Choose logo");
    answer_dialog(&display, "Choose an image", &fake_png, false).await;
    let refusal = logo_field_css(&app, "image-error")
        .await
        .text()
        .await
        .expect("the refusal");
    assert!(
        refusal.contains("logo-text.png was not used: it is not a PNG, JPEG or WebP image"),
        "{refusal}"
    );
    assert_eq!(
        logo_field_css(&app, "image-reference")
            .await
            .text()
            .await
            .expect("the reference"),
        reference
    );
    screenshot(&app, "files-04-logo-refused.png").await;

    // Go-live evidence: the smoke-test output attached to its checklist item is read
    // and hashed in Rust; only its SHA-256 goes into the draft. An empty file is refused.
    open_step(&app, "verification").await;
    let output = files.path().join("smoke-tests.log");
    std::fs::write(&output, "ok 1 - login\nok 2 - book a visit\n").expect("write the log");
    let field = |inner: &'static str| {
        let app = &app;
        async move {
            app.wait()
                .at_most(TIMEOUT)
                .for_element(Locator::Css(&format!(
                    "[data-path='/go_live/items/smoke_tests/sha256'] [data-testid='{inner}']"
                )))
                .await
                .unwrap_or_else(|error| panic!("the smoke tests' attachment {inner}: {error}"))
        }
    };
    field("attach-output")
        .await
        .click()
        .await
        .expect("click Attach output");
    answer_dialog(&display, "Attach the output that proves it", &output, false).await;
    let expected = sha256_hex(&std::fs::read(&output).expect("read the log"));
    let deadline = Instant::now() + TIMEOUT;
    loop {
        let hash = app
            .execute(
                "const el = document.querySelector(\"[data-path='/go_live/items/smoke_tests/sha256'] [data-testid='attachment-sha256']\");\
                 return el ? el.textContent : '';",
                Vec::new(),
            )
            .await
            .expect("read the hash");
        if hash.as_str().is_some_and(|text| text.contains(&expected)) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the attached output's SHA-256 {expected} is not shown: {hash}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    screenshot(&app, "files-05-output-attached.png").await;
    let empty = files.path().join("empty.log");
    std::fs::write(&empty, "").expect("write");
    field("attach-output")
        .await
        .click()
        .await
        .expect("click Attach other output");
    answer_dialog(&display, "Attach the output that proves it", &empty, false).await;
    let refusal = field("attachment-error")
        .await
        .text()
        .await
        .expect("the refusal");
    assert!(refusal.contains("empty.log"), "{refusal}");
    assert!(field("attachment-sha256")
        .await
        .text()
        .await
        .expect("the hash")
        .contains(&expected));

    // The signed tenant's client handoff, as PDF through the save dialog.
    click(&app, "nav-tenants").await;
    let row = app
        .wait()
        .at_most(TIMEOUT)
        .for_element(Locator::Css(&format!(
            "[data-testid='tenant-row'][data-tenant-id='{}']",
            signed.tenant.id
        )))
        .await
        .expect("the signed tenant's row");
    row.click().await.expect("open the tenant's details");
    click(&app, "save-handoff").await;
    let pdf = files.path().join("cedar-handoff.pdf");
    answer_dialog(&display, "Save the client handoff", &pdf, true).await;
    wait_for_text(
        &app,
        "handoff-status",
        "Handoff saved as PDF to cedar-handoff.pdf.",
    )
    .await;
    screenshot(&app, "files-06-handoff-saved.png").await;
    let bytes = std::fs::read(&pdf).expect("the PDF was written");
    assert!(bytes.starts_with(b"%PDF-1."), "not a PDF");
    let text = Command::new("pdftotext")
        .arg(&pdf)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils; scripts/install-deps.sh test installs it)");
    assert!(text.status.success(), "pdftotext could not read the PDF");
    let text = String::from_utf8_lossy(&text.stdout);
    for expected in [
        "Cedar Valley Health",
        "Configuration summary",
        "Onboard Cedar Valley Health",
        "Dana Whitfield",
    ] {
        assert!(
            text.contains(expected),
            "{expected:?} not in the PDF:\n{text}"
        );
    }

    app.close().await.expect("quit the app");
}
