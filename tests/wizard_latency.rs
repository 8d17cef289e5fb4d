//! Measurement, not a test (ignored by default): keystroke → validation message in the
//! real app. A contact's e-mail is valid; a real key press through WebDriver (a space
//! at the end) makes it invalid and the core's TEN-009 appears under the field; a
//! Backspace makes it valid again and the message goes. In the page, a listener on
//! `input` stamps the keystroke, a wrapper around `setTimeout` stamps the moment the
//! UI's typing debounce lets the edit go to the backend, and a MutationObserver stamps
//! the message appearing (or leaving) in the DOM, then the next animation frame.
//!
//! Run: cargo test -p tenantry-tests --test wizard_latency -- --ignored --nocapture
//! Writes target/e2e-artifacts/wizard-latency.json.

use fantoccini::Client;
use serde_json::{json, Value};
use tenantry_tests::desktop::DesktopHarness;
use tenantry_tests::ui::{click, find, type_into};
use tenantry_tests::wizard::{
    add_record, choose, input, next_step, open_first_draft, stamp_now, tick, type_at,
    wait_for_form, wait_for_step,
};
use tenantry_tests::workspace::artifacts_dir;

const EMAIL: &str = "/tenant/metadata/contacts/0/email";
const ROUNDS: usize = 30;
/// The UI's typing debounce, `TYPING_DELAY` in ui/src/lib/wizard/context.ts.
const TYPING_DELAY_MS: u32 = 20;

/// Installed once: stamps for the next keystroke, kept in `window.__latency`.
const PROBE: &str = r#"
const field = document.querySelector(`[data-testid='field'][data-path='${arguments[0]}']`);
const box = field.querySelector('input');
const state = { pending: null, samples: [] };
window.__latency = state;
const shown = () => field.querySelector("[data-testid='field-finding']") !== null;
box.addEventListener('input', () => {
  state.pending = { input: performance.now(), sent: null, expect: !shown() };
});
const originalSetTimeout = window.setTimeout;
window.setTimeout = function (callback, delay, ...rest) {
  if (delay === TYPING_DELAY) {
    const wrapped = (...args) => {
      if (state.pending && state.pending.sent === null) state.pending.sent = performance.now();
      return callback(...args);
    };
    return originalSetTimeout.call(window, wrapped, delay, ...rest);
  }
  return originalSetTimeout.call(window, callback, delay, ...rest);
};
new MutationObserver(() => {
  const pending = state.pending;
  if (!pending || shown() !== pending.expect) return;
  state.pending = null;
  const dom = performance.now();
  requestAnimationFrame(() => {
    state.samples.push({ appears: pending.expect, input: pending.input, sent: pending.sent, dom, frame: performance.now() });
  });
}).observe(document.body, { subtree: true, childList: true, characterData: true });
return true;
"#;

async fn samples(app: &Client) -> Vec<Value> {
    let value = app
        .execute("return window.__latency.samples;", Vec::new())
        .await
        .expect("read the samples");
    value.as_array().cloned().unwrap_or_default()
}

async fn wait_for_samples(app: &Client, count: usize) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while samples(app).await.len() < count {
        assert!(
            std::time::Instant::now() < deadline,
            "no validation answer for keystroke {count}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn summary(mut values: Vec<f64>) -> Value {
    values.sort_by(f64::total_cmp);
    json!({
        "n": values.len(),
        "p50_ms": (percentile(&values, 50.0) * 10.0).round() / 10.0,
        "p95_ms": (percentile(&values, 95.0) * 10.0).round() / 10.0,
        "max_ms": (values.last().copied().unwrap_or_default() * 10.0).round() / 10.0,
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a measurement for BENCHMARKS.md; run with --ignored"]
async fn keystroke_to_validation_message_in_the_real_app() {
    let data_dir = tempfile::tempdir().expect("temp data dir");
    let harness = DesktopHarness::start("latency", data_dir.path());
    let app = harness.launch().await;

    click(&app, "new-client").await;
    type_into(&app, "client-name", "Latency Clinic").await;
    find(&app, "industry")
        .await
        .select_by_value("healthcare")
        .await
        .expect("industry");
    click(&app, "save-draft").await;
    find(&app, "draft-row").await;
    open_first_draft(&app).await;
    wait_for_form(&app, "classification").await;
    tick(&app, "/classification/required_services", "Chat", true).await;
    type_at(&app, "/classification/scale/expected_users", "500").await;
    type_at(&app, "/classification/documented_by", "Priya Raman").await;
    stamp_now(&app, "/classification/documented_at").await;
    wait_for_step(&app, "classification", "complete").await;
    next_step(&app, "tenant").await;
    add_record(&app, "/tenant/metadata/contacts", 0, "name").await;
    choose(&app, "/tenant/metadata/contacts/0/role", "business").await;
    type_at(&app, "/tenant/metadata/contacts/0/name", "Dana").await;
    type_at(&app, EMAIL, "dana@latency.example").await;

    let probe = PROBE.replace("TYPING_DELAY", &TYPING_DELAY_MS.to_string());
    app.execute(&probe, vec![json!(EMAIL)])
        .await
        .expect("install the probe");
    let field = input(&app, EMAIL).await;
    for round in 0..ROUNDS {
        // A space makes the address unusable: TEN-009 appears under the field.
        field.send_keys(" ").await.expect("press space");
        wait_for_samples(&app, 2 * round + 1).await;
        // Backspace makes it usable again: the message goes.
        field.send_keys("\u{e003}").await.expect("press backspace");
        wait_for_samples(&app, 2 * round + 2).await;
    }
    let all = samples(&app).await;
    app.close().await.expect("quit the app");

    let pick = |appears: bool, from: &str, to: &str| -> Vec<f64> {
        all.iter()
            .filter(|s| s["appears"] == appears)
            .filter_map(|s| Some(s[to].as_f64()? - s[from].as_f64()?))
            .collect()
    };
    let report = json!({
        "rounds": ROUNDS,
        "typing_delay_ms": TYPING_DELAY_MS,
        "message_appears": {
            "keystroke_to_dom": summary(pick(true, "input", "dom")),
            "keystroke_to_frame": summary(pick(true, "input", "frame")),
            "debounce_fired_to_dom": summary(pick(true, "sent", "dom")),
            "debounce_fired_to_frame": summary(pick(true, "sent", "frame")),
        },
        "message_goes": {
            "keystroke_to_dom": summary(pick(false, "input", "dom")),
            "debounce_fired_to_dom": summary(pick(false, "sent", "dom")),
            "debounce_fired_to_frame": summary(pick(false, "sent", "frame")),
        },
    });
    let text = serde_json::to_string_pretty(&report).expect("JSON");
    println!("{text}");
    std::fs::write(artifacts_dir().join("wizard-latency.json"), text).expect("write");
}
