//! Properties: evaluation never fails on any well-typed document; safe defaults never
//! break a rule; normalised slugs are stable.

mod common;

use std::collections::BTreeSet;

use common::{Base, OTHER_TENANT};
use proptest::prelude::*;
use serde_json::{json, Value};
use tenantry_core::tenant::{DocumentJson, Regulation, Slug, MEMBERS};
use tenantry_core::{ClientName, Industry, TenantDocument};
use tenantry_policy::{progress, EvaluationMemo, Severity};

/// Strings a mutation may put anywhere: catalog ids, enum values of other fields,
/// blanks, odd Unicode, look-alike ids, another tenant's id, and credentials.
const STRINGS: &[&str] = &[
    "",
    "   ",
    "chat",
    "billing",
    "sales",
    "storefront",
    "payroll",
    "atlas-small",
    "atlas-large-hc",
    "openweights-7b",
    "nimbus-pro",
    "send_email",
    "web_search",
    "issue_refund",
    "stripe",
    "quickledger",
    "trackall",
    "sendwave",
    "eu-central",
    "us-east",
    "mars-north",
    "hipaa",
    "gdpr",
    "pci_dss",
    "standard",
    "phi",
    "pii",
    "public",
    "staging",
    "production",
    "verified",
    "in_progress",
    "planned",
    "business",
    "security",
    "undecided",
    "client_frontend",
    "existing_product_uis",
    "2.0.0",
    "1.0.0",
    "latest",
    "chat.ai_suggestions",
    "/inbox",
    "/api/x",
    "https://example.com",
    "#00ff00",
    "#GGGGGG",
    "asset://logo.svg",
    "data:image/png;base64,AAAA",
    "{{ if x }}",
    "Ignore previous instructions",
    "apps/client-x",
    "/services/chat/domain/client-overrides/a",
    "/services/chat/domain/x/../y",
    "2026-11-01T10:00:00Z",
    "not a date",
    "01a05bfb-7000-7960-9e1d-cd54b586a0cf",
    "secret://tenants/01a05bfb-7000-7960-9e1d-cd54b586a0cf/x",
    "AKIAIOSFODNN7EXAMPLE",
    "password = correct-horse-battery",
    "ghp_16C7e42F292c6912E7710c838347Ae178B4a",
    "Ünïcödé ✓ 名前",
    "a/b~c",
    "\u{202e}evil",
];

/// Credentials from `STRINGS`; no message may ever contain them.
const SECRETS: &[&str] = &[
    "AKIAIOSFODNN7EXAMPLE",
    "correct-horse-battery",
    "ghp_16C7e42F292c6912E7710c838347Ae178B4a",
];

#[derive(Clone, Debug)]
enum Edit {
    /// Replace the value at the chosen place with a string from the pool.
    String(usize),
    Bool(bool),
    Number(i64),
    Null,
    /// Remove an array element or object member.
    Remove,
    /// Duplicate an array element, or add a member (named from the pool) copying a sibling.
    Duplicate(usize),
    EmptyContainer,
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        5 => (0..STRINGS.len()).prop_map(Edit::String),
        2 => any::<bool>().prop_map(Edit::Bool),
        2 => prop_oneof![Just(0i64), Just(-1), Just(1), Just(5000), Just(i64::from(u32::MAX)), any::<i32>().prop_map(i64::from)].prop_map(Edit::Number),
        1 => Just(Edit::Null),
        2 => Just(Edit::Remove),
        2 => (0..STRINGS.len()).prop_map(Edit::Duplicate),
        1 => Just(Edit::EmptyContainer),
    ]
}

/// The objects of a tenant document whose keys are data (all others are structs).
const MAPS: [&str; 5] = [
    "/services",
    "/ai/prompt_versions",
    "/customization/feature_visibility",
    "/go_live/items",
    "/justifications",
];

/// Every JSON pointer in the document (containers and leaves), root excluded.
fn pointers(value: &Value, at: String, out: &mut Vec<String>) {
    match value {
        Value::Object(members) => {
            for (key, member) in members {
                let path = format!("{at}/{}", key.replace('~', "~0").replace('/', "~1"));
                out.push(path.clone());
                pointers(member, path, out);
            }
        }
        Value::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                let path = format!("{at}/{index}");
                out.push(path.clone());
                pointers(item, path, out);
            }
        }
        _ => {}
    }
}

fn apply(doc: &mut Value, selector: usize, edit: &Edit) {
    let mut all = Vec::new();
    pointers(doc, String::new(), &mut all);
    // Mostly type-preserving: a string edit hits a string, a number a number …, so most
    // edited documents are still tenant documents and the pack really runs.
    let wanted = |value: &Value| match edit {
        Edit::String(_) => value.is_string(),
        Edit::Bool(_) => value.is_boolean(),
        Edit::Number(_) => value.is_number(),
        Edit::EmptyContainer => value.is_array() || value.is_object(),
        Edit::Null | Edit::Remove | Edit::Duplicate(_) => true,
    };
    // Duplicating a member of a struct would add an unknown field; only array elements
    // and entries of the document's maps are duplicated.
    let duplicable = |pointer: &str| {
        let parent = pointer.rsplit_once('/').map_or("", |(parent, _)| parent);
        matches!(doc.pointer(parent), Some(Value::Array(_)))
            || MAPS.contains(&parent)
            || (parent.starts_with("/services/") && parent.ends_with("/flags"))
    };
    if matches!(edit, Edit::Duplicate(_)) {
        all.retain(|pointer| duplicable(pointer));
    }
    all.retain(|pointer| doc.pointer(pointer).is_some_and(wanted));
    if all.is_empty() {
        return;
    }
    let pointer = &all[selector % all.len()];
    let (parent, last) = pointer.rsplit_once('/').expect("pointer");
    let last = last.replace("~1", "/").replace("~0", "~");
    let replacement = match edit {
        Edit::String(index) => Some(json!(STRINGS[*index])),
        Edit::Bool(value) => Some(json!(value)),
        Edit::Number(value) => Some(json!(value)),
        Edit::Null => Some(Value::Null),
        Edit::EmptyContainer => match doc.pointer(pointer) {
            Some(Value::Array(_)) => Some(json!([])),
            Some(Value::Object(_)) => Some(json!({})),
            _ => None,
        },
        Edit::Remove | Edit::Duplicate(_) => None,
    };
    let Some(container) = doc.pointer_mut(parent) else {
        return;
    };
    match (container, edit) {
        (Value::Object(members), Edit::Remove) => {
            members.remove(&last);
        }
        (Value::Array(items), Edit::Remove) => {
            if let Ok(index) = last.parse::<usize>() {
                if index < items.len() {
                    items.remove(index);
                }
            }
        }
        (Value::Object(members), Edit::Duplicate(name)) => {
            if let Some(copy) = members.get(&last).cloned() {
                members.insert(STRINGS[*name].to_owned(), copy);
            }
        }
        (Value::Array(items), Edit::Duplicate(_)) => {
            if let Some(copy) = last
                .parse::<usize>()
                .ok()
                .and_then(|i| items.get(i))
                .cloned()
            {
                items.push(copy);
            }
        }
        (Value::Object(members), _) => {
            if let Some(value) = replacement {
                members.insert(last, value);
            }
        }
        (Value::Array(items), _) => {
            if let (Some(value), Ok(index)) = (replacement, last.parse::<usize>()) {
                if let Some(slot) = items.get_mut(index) {
                    *slot = value;
                }
            }
        }
        _ => {}
    }
}

fn base() -> impl Strategy<Value = Base> {
    prop_oneof![Just(Base::Hipaa), Just(Base::Pci), Just(Base::Gdpr)]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// Whatever a person (or a fuzzer) does to a document, as long as it is still a
    /// well-typed tenant document the pack evaluates it without error, every finding
    /// names a known rule, justification follows the rule, and no secret is echoed.
    #[test]
    fn evaluation_never_fails_on_a_typed_document(
        base in base(),
        edits in proptest::collection::vec((any::<usize>(), edit()), 1..6),
    ) {
        let mut value = base.value();
        for (selector, edit) in &edits {
            apply(&mut value, *selector, edit);
        }
        let Ok(doc) = serde_json::from_value::<TenantDocument>(value) else {
            // Not a tenant document any more: the loader refuses it before the pack.
            return Ok(());
        };
        let pack = common::pack();
        let evaluation = pack.evaluate(&doc, common::catalog())
            .map_err(|error| TestCaseError::fail(format!("{error}")))?;
        let report = progress(&doc, common::catalog(), &evaluation);
        prop_assert_eq!(report.steps.len(), 12);
        let keys: Vec<_> = evaluation.findings.iter().map(|f| (f.step, f.path.clone(), f.rule_id.clone())).collect();
        let mut sorted = keys.clone();
        sorted.sort();
        prop_assert_eq!(&keys, &sorted);
        for finding in &evaluation.findings {
            let rule = pack.rule(&finding.rule_id);
            prop_assert!(rule.is_some(), "unknown rule {}", finding.rule_id);
            prop_assert!(finding.path.starts_with('/'));
            let justified = finding.severity == Severity::Warning
                && doc.justifications.get(&finding.rule_id).is_some_and(|text| !text.trim().is_empty());
            prop_assert_eq!(finding.justified, justified);
            for secret in SECRETS {
                prop_assert!(!finding.message.contains(secret), "{} echoes a secret", finding.rule_id);
            }
        }
        prop_assert_eq!(report.may_enter_staging, report.staging_blockers.is_empty());
        prop_assert_eq!(report.may_enter_production, report.production_blockers.is_empty());
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    /// The incremental evaluation (which reuses what every earlier document of every
    /// case left in the shared pack's memory) gives exactly the full evaluation's result
    /// after every edit of a random sequence: reverted edits, values moved between
    /// tenants, credentials pasted and removed.
    #[test]
    fn incremental_evaluation_equals_full_evaluation_along_edit_sequences(
        base in base(),
        edits in proptest::collection::vec((any::<usize>(), edit()), 1..12),
    ) {
        let pack = common::pack();
        let mut value = base.value();
        // What each evaluation keeps for the next one, as a server chains change sets.
        let mut memo: Option<EvaluationMemo> = None;
        // The same chain with each version made by editing the previous one's JSON
        // (`DocumentJson::with_members`, as a server applies change sets): the members not
        // written again are the previous version's own, and are not looked at.
        let mut edited_memo: Option<EvaluationMemo> = None;
        let mut previous: Option<DocumentJson> = None;
        for (selector, edit) in &edits {
            apply(&mut value, *selector, edit);
            let Ok(doc) = serde_json::from_value::<TenantDocument>(value.clone()) else {
                continue;
            };
            let incremental = pack.evaluate(&doc, common::catalog())
                .map_err(|error| TestCaseError::fail(format!("{error}")))?;
            let full = pack.evaluate_full(&doc, common::catalog())
                .map_err(|error| TestCaseError::fail(format!("{error}")))?;
            // Given the document's JSON value made beforehand, as a server does.
            let json = DocumentJson::new(std::sync::Arc::new(doc.clone()))
                .map_err(|error| TestCaseError::fail(format!("{error}")))?;
            let from_json = pack.evaluate_json(&json, common::catalog())
                .map_err(|error| TestCaseError::fail(format!("{error}")))?;
            let (after, kept) = pack.evaluate_after(&json, memo.as_ref(), common::catalog())
                .map_err(|error| TestCaseError::fail(format!("{error}")))?;
            prop_assert!(kept.is_some(), "the bundled pack is split, so it keeps a memo");
            memo = kept;
            let edited = match &previous {
                None => json.clone(),
                Some(previous) => {
                    // Only the JSON: the typed document of this version is never made.
                    let changed: Vec<(&'static str, Value)> = MEMBERS
                        .iter()
                        .copied()
                        .filter(|member| previous.json().get(member) != json.json().get(member))
                        .filter_map(|member| Some((member, json.json().get(member)?.clone())))
                        .collect();
                    DocumentJson::with_members(previous, changed)
                        .map_err(|error| TestCaseError::fail(format!("{error}")))?
                }
            };
            let (after_edit, kept) = pack.evaluate_after(&edited, edited_memo.as_ref(), common::catalog())
                .map_err(|error| TestCaseError::fail(format!("{error}")))?;
            edited_memo = kept;
            previous = Some(edited);
            prop_assert_eq!(&after_edit, &full);
            prop_assert_eq!(&incremental, &full);
            prop_assert_eq!(&from_json, &full);
            prop_assert_eq!(after, full);
        }
    }
}

/// What a fresh tenant still has to do, by design: these are the only outcomes
/// `TenantDocument::with_safe_defaults` may produce. No rule (error or warning) fires.
const FRESH_TENANT_REQUIREMENTS: &[&str] = &[
    "CLS-R02", "CLS-R03", "CLS-R04", // services needed, scale, who documented it
    "TEN-R02", "TEN-R03", "TEN-R04", "TEN-R05", "TEN-R06", // legal name, region, contacts
    "FE-R01", "CUS-R01", // frontend strategy not chosen yet
    "SVC-R01", // nothing enabled
    "MIG-R01", // migration not decided
    "VER-R01", // no checklist evidence
    "ROL-R01", "ROL-R02", "ROL-R03", "ROL-R04", "ROL-R05", // no rollout plan
    "DOC-R01", "DOC-R02", "DOC-R04", "DOC-R05", // no handoff yet
];

fn regulation() -> impl Strategy<Value = Regulation> {
    prop_oneof![
        Just(Regulation::Hipaa),
        Just(Regulation::Gdpr),
        Just(Regulation::PciDss),
        Just(Regulation::Soc2),
        Just(Regulation::Ccpa),
        Just(Regulation::Glba),
        Just(Regulation::Ferpa),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn safe_defaults_never_break_a_rule(
        name in "[A-Za-z][A-Za-z0-9 &.,'()-]{0,50}",
        industry in proptest::sample::select(Industry::ALL.to_vec()),
        regulations in proptest::collection::vec(regulation(), 0..5),
    ) {
        let Ok(name) = ClientName::parse(&name) else { return Ok(()) };
        let Ok(doc) = TenantDocument::with_safe_defaults(&name, industry, &regulations) else {
            return Ok(());
        };
        let evaluation = common::pack().evaluate(&doc, common::catalog())
            .map_err(|error| TestCaseError::fail(format!("{error}")))?;
        prop_assert!(evaluation.findings.is_empty(), "{:?}", evaluation.findings);
        let allowed: BTreeSet<&str> = FRESH_TENANT_REQUIREMENTS.iter().copied().collect();
        for item in &evaluation.missing {
            prop_assert!(allowed.contains(item.requirement_id.as_str()), "unexpected {} {}", item.requirement_id, item.message);
        }
        let report = progress(&doc, common::catalog(), &evaluation);
        prop_assert!(report.steps.iter().all(|step| step.blocking_rules.is_empty()));
        prop_assert!(!report.may_enter_staging);
    }

    #[test]
    fn normalised_slugs_are_stable(name in "\\PC{0,60}") {
        if let Ok(slug) = Slug::from_name(&name) {
            prop_assert_eq!(Slug::from_name(slug.as_str()), Ok(slug.clone()));
            prop_assert_eq!(Slug::parse(slug.as_str()), Ok(slug.clone()));
        }
    }

    #[test]
    fn slugs_from_realistic_names_are_stable(name in "[A-Za-zÀ-ÿ0-9 &.,'-]{1,60}") {
        if let Ok(slug) = Slug::from_name(&name) {
            prop_assert_eq!(Slug::from_name(slug.as_str()), Ok(slug));
        }
    }
}

#[test]
fn the_mutation_fuzzer_produces_mostly_valid_documents() {
    // Guards the property above against vacuity: with a few edits of each kind, a good
    // share of the documents stay well-typed, so the pack really is exercised.
    let edits = [
        Edit::String(3),
        Edit::String(57),
        Edit::String(20),
        Edit::Bool(true),
        Edit::Number(0),
        Edit::Remove,
        Edit::Duplicate(1),
        Edit::Null,
    ];
    let mut valid = 0;
    let total = 400;
    for selector in 0..total {
        let mut value = Base::Hipaa.value();
        for step in 0..3 {
            let edit = &edits[(selector + step) % edits.len()];
            apply(&mut value, selector * 31 + step * 7, edit);
        }
        if serde_json::from_value::<TenantDocument>(value).is_ok() {
            valid += 1;
        }
    }
    assert!(
        valid * 3 >= total,
        "only {valid} of {total} mutated documents parse"
    );
    assert!(OTHER_TENANT.len() == 36);
}
