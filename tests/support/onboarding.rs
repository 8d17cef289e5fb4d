//! What the onboarding tests share: the values typed into a draft (to compare with what
//! the CLI reads back), a screenshot per step, the go-live checklist, the plan and the
//! submission, and the `tenantry` CLI reading the submitted tenant out of the mirror.

use std::path::Path;
use std::process::{Command, Output};

use fantoccini::Client;
use serde_json::{json, Value};

use crate::ui::{click, find, screenshot, text_content, type_into, wait_for_text};
use crate::wizard::{choose, justify, tick, toggle, type_at};
use crate::workspace::{artifacts_dir, built_binary};

/// What the test put into the draft, pointer by pointer, to compare with what the CLI
/// reads back from the mirror.
#[derive(Debug, Default)]
pub struct Typed(pub Vec<(String, Value)>);

impl Typed {
    /// A value the app set without typing (the name and industry of "New client").
    pub fn record(&mut self, path: &str, value: Value) {
        self.0.push((path.to_owned(), value));
    }

    pub async fn text(&mut self, app: &Client, path: &str, text: &str) {
        type_at(app, path, text).await;
        self.record(path, json!(text));
    }

    pub async fn number(&mut self, app: &Client, path: &str, number: u64) {
        type_at(app, path, &number.to_string()).await;
        self.record(path, json!(number));
    }

    pub async fn choice(&mut self, app: &Client, path: &str, value: &str) {
        choose(app, path, value).await;
        self.record(path, json!(value));
    }

    pub async fn toggle(&mut self, app: &Client, path: &str, on: bool) {
        toggle(app, path, on).await;
        self.record(path, json!(on));
    }

    /// Ticks exactly `labels` (catalog labels) and records their ids `values`.
    pub async fn ticks(&mut self, app: &Client, path: &str, labels: &[&str], values: &[&str]) {
        for label in labels {
            tick(app, path, label, true).await;
        }
        self.record(path, json!(values));
    }

    /// Justifies the warning `rule` in the findings panel; it lands in `/justifications`.
    pub async fn justification(&mut self, app: &Client, rule: &str, text: &str) {
        justify(app, rule, text).await;
        self.record(&format!("/justifications/{rule}"), json!(text));
    }
}

/// Saves a screenshot `folder/name.png` of the page from the top: the stepper, the
/// step's heading and its fields.
pub async fn shot(app: &Client, folder: &str, name: &str) {
    std::fs::create_dir_all(artifacts_dir().join(folder)).expect("screenshot folder");
    // The page scrolls in the app's main area, not the window: bring the step's heading
    // (or the plan's title) to the top.
    app.execute(
        "const top = document.querySelector(\"[data-testid='draft-screen'], [data-testid='plan-screen']\");\
         if (top) top.scrollIntoView({block: 'start'}); return true;",
        Vec::new(),
    )
    .await
    .expect("scroll to the top");
    screenshot(app, &format!("{folder}/{name}.png")).await;
}

/// The tenant id the app gave the draft (secret references are scoped to it).
pub async fn tenant_id(app: &Client) -> String {
    let id = text_content(app, "tenant-id").await;
    assert_eq!(id.len(), 36, "a UUID: {id:?}");
    id
}

/// The item pointers (`/go_live/items/<item>`) the verification step lists; the
/// regulations and integrations decide which.
pub async fn checklist(app: &Client) -> Vec<String> {
    let references: Vec<String> = serde_json::from_value(
        app.execute(
            "return Array.from(document.querySelectorAll(\"[data-testid='field'][data-path$='/reference']\"))\
                .map(field => field.dataset.path);",
            Vec::new(),
        )
        .await
        .expect("list the checklist"),
    )
    .expect("a list of pointers");
    references
        .iter()
        .map(|reference| reference.trim_end_matches("/reference").to_owned())
        .collect()
}

/// Gives every checklist item evidence at `<evidence>/<item>`, verified by `by`.
pub async fn fill_checklist(
    app: &Client,
    typed: &mut Typed,
    items: &[String],
    evidence: &str,
    by: &str,
) {
    for item in items {
        let name = item.rsplit('/').next().unwrap_or_default();
        typed
            .text(
                app,
                &format!("{item}/reference"),
                &format!("{evidence}/{name}"),
            )
            .await;
        typed.text(app, &format!("{item}/verified_by"), by).await;
    }
}

/// Opens the plan and checks what every submission needs: it is the plan of `client`,
/// creates the tenant, blocks nothing and may be submitted. Returns the steps it lists.
pub async fn review_plan(app: &Client, client: &str) -> Vec<String> {
    click(app, "review-plan").await;
    find(app, "plan-screen").await;
    wait_for_text(app, "plan-title", client).await;
    wait_for_text(app, "plan-base", "Creates the tenant").await;
    wait_for_text(app, "plan-blocking", "Nothing blocking").await;
    let verdict = find(app, "plan-verdict").await;
    assert_eq!(
        verdict
            .attr("data-can-submit")
            .await
            .expect("read")
            .as_deref(),
        Some("true")
    );
    serde_json::from_value(
        app.execute(
            "return Array.from(document.querySelectorAll(\"[data-testid='plan-step']\")).map(s => s.dataset.step);",
            Vec::new(),
        )
        .await
        .expect("read the plan's steps"),
    )
    .expect("step ids")
}

/// Back from the plan to the draft, signs and submits it with `summary`; returns the
/// receipt's hash, with the receipt scrolled into view.
pub async fn submit(app: &Client, summary: &str) -> String {
    click(app, "back-to-draft").await;
    find(app, "draft-screen").await;
    type_into(app, "submit-summary", summary).await;
    click(app, "submit-button").await;
    wait_for_text(app, "submit-result", "Signed and queued").await;
    let hash = text_content(app, "receipt-hash").await;
    assert_eq!(hash.len(), 64, "a SHA-256 hash: {hash}");
    app.execute(
        "document.querySelector(\"[data-testid='submit-result']\").scrollIntoView({block: 'nearest'});",
        Vec::new(),
    )
    .await
    .expect("scroll to the receipt");
    hash
}

/// Runs the `tenantry` CLI on the mirror in `data_dir`.
pub fn tenantry(data_dir: &Path, args: &[&str]) -> Output {
    Command::new(built_binary("tenantry"))
        .args(args)
        .env("TENANTRY_DATA_DIR", data_dir)
        .env_remove("TENANTRY_DATABASE_URL")
        .output()
        .expect("run tenantry")
}

pub fn json_of(output: &Output) -> Value {
    assert!(
        output.status.success(),
        "exit {:?}\nstdout: {}\nstderr: {}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("JSON output")
}

/// The value at `pointer` in the tenant as the CLI sees it: from the field changes of
/// version 0 → 1, which start from nothing and so hold the whole document.
pub fn value_at(changes: &[Value], pointer: &str) -> Option<Value> {
    changes.iter().find_map(|change| {
        let path = change["path"].as_str()?;
        let rest = pointer.strip_prefix(path)?;
        (rest.is_empty() || rest.starts_with('/'))
            .then(|| change["after"].pointer(rest).cloned())
            .flatten()
    })
}

/// The CLI on the app's mirror after the app has quit: one change set for `slug`, the
/// receipt's `hash`; the tenant it made holds every value of `typed`; the mirror
/// verifies. Returns the field changes of version 0 → 1 for further checks.
pub fn read_back(data_dir: &Path, slug: &str, hash: &str, typed: &Typed) -> Vec<Value> {
    let history = json_of(&tenantry(data_dir, &["history", slug, "--format", "json"]));
    assert_eq!(history.as_array().map(Vec::len), Some(1), "{history}");
    assert_eq!(history[0]["hash"], hash);
    let changes = json_of(&tenantry(
        data_dir,
        &["diff", slug, "0", "1", "--format", "json"],
    ));
    let changes = changes.as_array().expect("a list of changes").clone();
    let wrong: Vec<String> = typed
        .0
        .iter()
        .filter_map(|(pointer, expected)| {
            let actual = value_at(&changes, pointer);
            (actual.as_ref() != Some(expected))
                .then(|| format!("{pointer}: typed {expected}, mirror has {actual:?}"))
        })
        .collect();
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    let verified = tenantry(data_dir, &["verify-mirror"]);
    assert!(verified.status.success(), "{verified:?}");
    changes
}
