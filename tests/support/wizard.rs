//! Driving the onboarding wizard of the real app as a person does: fields found by the
//! JSON pointer they edit (`data-path`), typed into, ticked and chosen; steps opened
//! from the stepper or the pager; the backend's verdicts read from the DOM.

use fantoccini::elements::Element;
use fantoccini::{Client, Locator};

use crate::ui::{click, find, wait_for_text, TIMEOUT};

/// The field block (`data-testid='field'`) editing the JSON pointer `path`.
fn field_css(path: &str) -> String {
    format!("[data-testid='field'][data-path='{path}']")
}

async fn wait_css(app: &Client, css: &str, what: &str) -> Element {
    app.wait()
        .at_most(TIMEOUT)
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|error| panic!("{what} ({css}): {error}"))
}

/// The input, select or textarea of the field at `path`.
pub async fn input(app: &Client, path: &str) -> Element {
    wait_css(
        app,
        &format!("{} :is(input, select, textarea)", field_css(path)),
        &format!("the field {path}"),
    )
    .await
}

/// Waits until the edits sent so far are saved (the status turns to "Saving…" on the
/// keystroke itself, so this cannot pass before the save).
pub async fn saved(app: &Client) {
    wait_for_text(app, "save-status", "All changes saved").await;
}

/// Replaces the text of the field at `path` by typing `text` into it.
pub async fn type_at(app: &Client, path: &str, text: &str) {
    let element = input(app, path).await;
    element.clear().await.expect("clear the field");
    element
        .send_keys(text)
        .await
        .unwrap_or_else(|error| panic!("type into {path}: {error}"));
    saved(app).await;
}

/// Chooses `value` in the select of the field at `path`.
pub async fn choose(app: &Client, path: &str, value: &str) {
    // WebKitWebDriver clicks an <option> through GTK's native popup menu, and under
    // Xvfb it often answers with an empty error and leaves the value as it was. The
    // popup is GTK's, not ours: after a retry, the option is chosen the way the popup
    // itself does it (the select's value set, then its `change` event), so what is
    // tested from there on is the app's own handling of the choice.
    let mut chosen_by_popup = false;
    for attempt in 0..2 {
        match input(app, path).await.select_by_value(value).await {
            Ok(()) => {
                chosen_by_popup = true;
                break;
            }
            Err(error) => {
                eprintln!("choose {value} in {path} (attempt {attempt}): {error}");
                tokio::time::sleep(std::time::Duration::from_millis(250)).await;
            }
        }
    }
    if !chosen_by_popup {
        let select = input(app, path).await;
        let offered: bool = app
            .execute(
                "const [select, value] = arguments;\
                 if (![...select.options].some((option) => option.value === value)) return false;\
                 select.value = value;\
                 select.dispatchEvent(new Event('change', { bubbles: true }));\
                 return true;",
                vec![
                    serde_json::to_value(&select).expect("element as an argument"),
                    serde_json::Value::from(value),
                ],
            )
            .await
            .unwrap_or_else(|error| panic!("choose {value} in {path}: {error}"))
            .as_bool()
            .unwrap_or(false);
        assert!(offered, "{value} is not offered in {path}");
    }
    saved(app).await;
    let chosen = input(app, path).await.prop("value").await.expect("read");
    assert_eq!(chosen.as_deref(), Some(value), "the choice in {path}");
}

/// The checkbox of the option labelled `label` in the multiple choice at `path`.
async fn option_box(app: &Client, path: &str, label: &str) -> Element {
    let xpath = format!(
        "//*[@data-testid='field' and @data-path='{path}']\
         //label[./span/span[1][normalize-space(text())='{label}']]/input"
    );
    app.wait()
        .at_most(TIMEOUT)
        .for_element(Locator::XPath(&xpath))
        .await
        .unwrap_or_else(|error| panic!("no option {label:?} in {path}: {error}"))
}

/// Ticks or unticks the option labelled `label` in the multiple choice at `path`, with
/// the space bar, as a keyboard user does.
pub async fn tick(app: &Client, path: &str, label: &str, on: bool) {
    let checkbox = option_box(app, path, label).await;
    if checkbox.is_selected().await.expect("read the checkbox") != on {
        checkbox.send_keys(" ").await.expect("press space");
        saved(app).await;
    }
}

/// Turns the toggle at `path` on or off (space bar on the checkbox).
pub async fn toggle(app: &Client, path: &str, on: bool) {
    let checkbox = input(app, path).await;
    if checkbox.is_selected().await.expect("read the toggle") != on {
        checkbox.send_keys(" ").await.expect("press space");
        saved(app).await;
    }
}

/// Clicks "Now" next to the timestamp at `path`.
pub async fn stamp_now(app: &Client, path: &str) {
    wait_css(
        app,
        &format!("{} [data-testid='timestamp-now']", field_css(path)),
        &format!("the Now button of {path}"),
    )
    .await
    .click()
    .await
    .expect("click Now");
    saved(app).await;
}

/// Adds a record to the list at `path` and waits for its `index`-th record to appear
/// with the field `first_field` (relative to the record).
pub async fn add_record(app: &Client, path: &str, index: usize, first_field: &str) {
    wait_css(
        app,
        &format!("{} > div > [data-testid='add-record']", field_css(path)),
        &format!("the Add button of {path}"),
    )
    .await
    .click()
    .await
    .expect("click Add");
    saved(app).await;
    input(app, &format!("{path}/{index}/{first_field}")).await;
}

/// Opens `step` from the stepper and waits for its form.
pub async fn open_step(app: &Client, step: &str) {
    wait_css(
        app,
        &format!("[data-testid='wizard-step'][data-step='{step}']"),
        &format!("the step {step} in the stepper"),
    )
    .await
    .click()
    .await
    .expect("open the step");
    wait_for_form(app, step).await;
}

/// Goes on with the pager's "Next" button and waits for `step`'s form.
pub async fn next_step(app: &Client, step: &str) {
    click(app, "next-step").await;
    wait_for_form(app, step).await;
}

pub async fn wait_for_form(app: &Client, step: &str) {
    wait_css(
        app,
        &format!("[data-testid='step-form'][data-step='{step}']"),
        &format!("the form of step {step}"),
    )
    .await;
}

/// Waits until the stepper reports `step` with `status` (complete, incomplete, blocked).
pub async fn wait_for_step(app: &Client, step: &str, status: &str) {
    let css = format!("[data-testid='wizard-step'][data-step='{step}'][data-status='{status}']");
    if app
        .wait()
        .at_most(TIMEOUT)
        .for_element(Locator::Css(&css))
        .await
        .is_err()
    {
        let what_is_left = crate::ui::text_content(app, "step-findings").await;
        panic!("step {step} never became {status}; the findings panel says: {what_is_left}");
    }
}

/// The notes under the field at `path` (help, findings, what is missing), as text.
pub async fn notes(app: &Client, path: &str) -> String {
    let value = app
        .execute(
            "const field = document.querySelector(`[data-testid='field'][data-path='${arguments[0]}']`);\
             return field ? Array.from(field.querySelectorAll(\"[data-testid='field-finding']\"))\
                 .map(note => note.textContent.replace(/\\s+/g, ' ').trim()).join('\\n') : '';",
            vec![serde_json::Value::String(path.to_owned())],
        )
        .await
        .expect("read the field's findings");
    value.as_str().unwrap_or_default().to_owned()
}

/// Waits until a finding under the field at `path` mentions `expected`; returns them all.
pub async fn wait_for_field_finding(app: &Client, path: &str, expected: &str) -> String {
    let deadline = std::time::Instant::now() + TIMEOUT;
    loop {
        let text = notes(app, path).await;
        if text.contains(expected) {
            return text;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the field {path} shows the findings {text:?}, expected one with {expected:?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

/// Opens the first draft of the tenants list and waits for its wizard.
pub async fn open_first_draft(app: &Client) {
    click(app, "open-draft").await;
    find(app, "draft-screen").await;
    find(app, "wizard").await;
}

/// Types `text` as the justification of the warning `rule` in the findings panel.
pub async fn justify(app: &Client, rule: &str, text: &str) {
    let xpath = format!(
        "//*[@data-testid='step-finding'][.//*[@data-testid='step-finding-rule' and normalize-space(text())='{rule}']]\
         //textarea[@data-testid='justification']"
    );
    let textarea = app
        .wait()
        .at_most(TIMEOUT)
        .for_element(Locator::XPath(&xpath))
        .await
        .unwrap_or_else(|error| panic!("no justification field for {rule}: {error}"));
    textarea.clear().await.expect("clear the justification");
    textarea
        .send_keys(text)
        .await
        .unwrap_or_else(|error| panic!("justify {rule}: {error}"));
    saved(app).await;
}
