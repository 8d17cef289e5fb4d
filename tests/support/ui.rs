//! Reading and driving the app's web view through WebDriver, by `data-testid`.

use std::time::Duration;

use fantoccini::{Client, Locator};

use crate::workspace::artifacts_dir;

pub const TIMEOUT: Duration = Duration::from_secs(20);

pub async fn find(client: &Client, test_id: &str) -> fantoccini::elements::Element {
    client
        .wait()
        .at_most(TIMEOUT)
        .for_element(Locator::Css(&format!("[data-testid='{test_id}']")))
        .await
        .unwrap_or_else(|error| {
            panic!("no element [data-testid='{test_id}'] within {TIMEOUT:?}: {error}")
        })
}

/// Waits until `test_id`'s text contains `expected`.
pub async fn wait_for_text(client: &Client, test_id: &str, expected: &str) -> String {
    let deadline = std::time::Instant::now() + TIMEOUT;
    loop {
        find(client, test_id).await;
        let text = text_content(client, test_id).await;
        if text.contains(expected) {
            return text;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "[data-testid='{test_id}'] says {text:?}, expected it to contain {expected:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The text of every listed draft, cell by cell (read from the DOM: WebKit's "visible
/// text" drops some table cells).
pub async fn rows(client: &Client) -> Vec<String> {
    let value = client
        .execute(
            "return Array.from(document.querySelectorAll(\"[data-testid='draft-row']\"))\
                .map(row => Array.from(row.cells).map(cell => cell.textContent.trim()).join(' | '));",
            Vec::new(),
        )
        .await
        .expect("read the draft rows");
    serde_json::from_value(value).expect("a list of strings")
}

pub async fn screenshot(client: &Client, name: &str) {
    // WebKit can lag a frame behind the DOM: let it paint before capturing.
    tokio::time::sleep(Duration::from_millis(400)).await;
    let png = client.screenshot().await.expect("take a screenshot");
    std::fs::write(artifacts_dir().join(name), png).expect("save the screenshot");
}

pub async fn type_into(client: &Client, test_id: &str, text: &str) {
    let field = find(client, test_id).await;
    field.clear().await.expect("clear field");
    field.send_keys(text).await.expect("type");
}

/// How many elements carry `test_id` right now.
pub async fn count(client: &Client, test_id: &str) -> usize {
    client
        .find_all(Locator::Css(&format!("[data-testid='{test_id}']")))
        .await
        .map(|found| found.len())
        .unwrap_or_default()
}

/// Waits until exactly `expected` elements carry `test_id`.
pub async fn wait_for_count(client: &Client, test_id: &str, expected: usize) {
    let deadline = std::time::Instant::now() + TIMEOUT;
    loop {
        let found = count(client, test_id).await;
        if found == expected {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{found} elements [data-testid='{test_id}'], expected {expected}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

pub async fn click(client: &Client, test_id: &str) {
    find(client, test_id)
        .await
        .click()
        .await
        .unwrap_or_else(|error| panic!("click [data-testid='{test_id}']: {error}"));
}

/// The `textContent` of the first element carrying `test_id`, whitespace collapsed.
/// Read from the DOM: WebKit's WebDriver "visible text" misses some inline content.
pub async fn text_content(client: &Client, test_id: &str) -> String {
    let value = client
        .execute(
            "const element = document.querySelector(`[data-testid='${arguments[0]}']`);\
             return element ? element.textContent.replace(/\\s+/g, ' ').trim() : '';",
            vec![serde_json::Value::String(test_id.to_owned())],
        )
        .await
        .unwrap_or_else(|error| panic!("read [data-testid='{test_id}']: {error}"));
    value.as_str().unwrap_or_default().to_owned()
}

/// The `textContent` of every element matching `css`, trimmed.
pub async fn texts(client: &Client, css: &str) -> Vec<String> {
    let value = client
        .execute(
            "return Array.from(document.querySelectorAll(arguments[0])).map(e => e.textContent.trim());",
            vec![serde_json::Value::String(css.to_owned())],
        )
        .await
        .expect("read texts");
    serde_json::from_value(value).expect("strings")
}

/// Starts a draft named `name` in `industry` (an industry id, e.g. `healthcare`) with
/// "New client", and waits until the drafts table lists it by that exact name.
pub async fn new_draft(client: &Client, name: &str, industry: &str) {
    click(client, "new-client").await;
    type_into(client, "client-name", name).await;
    find(client, "industry")
        .await
        .select_by_value(industry)
        .await
        .unwrap_or_else(|error| panic!("choose the industry {industry}: {error}"));
    click(client, "save-draft").await;
    let deadline = std::time::Instant::now() + TIMEOUT;
    while !texts(client, "[data-testid='open-draft']")
        .await
        .iter()
        .any(|text| text == name)
    {
        assert!(
            std::time::Instant::now() < deadline,
            "the draft {name:?} is not listed"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
