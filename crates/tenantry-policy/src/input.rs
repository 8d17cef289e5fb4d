//! The facts the pack needs that Rego cannot compute without the regex feature: which
//! strings look like credentials, and which mention another tenant's id. Both are found
//! by walking every string (and map key) of the document once.

use std::collections::HashSet;
use std::fmt::Write as _;
use std::sync::{PoisonError, RwLock};

use serde_json::{json, Value};
use tenantry_core::credentials;

/// Texts already found not to look like a credential. Detection is a pure function of
/// the text and costs about 10 ns per byte; a document is evaluated again and again with
/// most of its texts unchanged (on every keystroke in the form, on every change set on a
/// server), so remembering the clean ones saves most of the scan. Only clean texts are
/// kept (never a credential), exactly (no hashing, so no false negatives), and the memory
/// is bounded: the set is emptied when it would grow past `MAX_BYTES`.
#[derive(Debug, Default)]
pub(crate) struct CleanTexts {
    inner: RwLock<(HashSet<Box<str>>, usize)>,
}

impl CleanTexts {
    const MAX_BYTES: usize = 4 << 20;

    fn remember(&self, texts: Vec<String>) {
        if texts.is_empty() {
            return;
        }
        let mut guard = self.inner.write().unwrap_or_else(PoisonError::into_inner);
        let (set, bytes) = &mut *guard;
        for text in texts {
            if *bytes + text.len() > Self::MAX_BYTES {
                set.clear();
                *bytes = 0;
            }
            let length = text.len();
            if set.insert(text.into_boxed_str()) {
                *bytes += length;
            }
        }
    }
}

pub(crate) struct Facts {
    pub credential_hits: Vec<Value>,
    pub foreign_tenant_refs: Vec<Value>,
    /// The texts that look like credentials. They never go into the pack's input; they
    /// are kept to redact any message or path that would echo one.
    pub secrets: Vec<String>,
}

/// The facts of an earlier version of the same tenant's document (what the policy pack's
/// memo keeps), for [`facts_after`].
pub(crate) struct Earlier<'a> {
    /// The document's top-level members whose JSON is exactly the same there.
    pub unchanged_members: &'a HashSet<&'a str>,
    pub own_tenant_id: &'a str,
    pub credential_hits: &'a [Value],
    pub foreign_tenant_refs: &'a [Value],
    /// One per credential hit, in the same order.
    pub secrets: &'a [String],
}

#[cfg(test)]
pub(crate) fn facts(document: &Value, own_tenant_id: &str, clean: &CleanTexts) -> Facts {
    facts_after(document, own_tenant_id, clean, None)
}

/// [`facts_of_members`] of a whole JSON value (a walk of it if it is not an object).
#[cfg(test)]
pub(crate) fn facts_after(
    document: &Value,
    own_tenant_id: &str,
    clean: &CleanTexts,
    earlier: Option<Earlier<'_>>,
) -> Facts {
    match document {
        Value::Object(members) => facts_of_members(
            members.iter().map(|(key, member)| (key.as_str(), member)),
            own_tenant_id,
            clean,
            earlier,
        ),
        _ => walked(own_tenant_id, clean, |walker| {
            walker.walk(document, &mut String::new());
        }),
    }
}

/// The facts of the document whose top-level members are `members` (in key order),
/// reusing `earlier`'s for every member whose JSON is exactly the same there (the facts
/// inside a member depend only on its value, its pointer and the tenant's own id, which
/// must be the same too). The walk visits the members in order and a member's facts are
/// contiguous, so the result is the same, in the same order, as a walk of the whole
/// document.
pub(crate) fn facts_of_members<'v>(
    members: impl Iterator<Item = (&'v str, &'v Value)>,
    own_tenant_id: &str,
    clean: &CleanTexts,
    earlier: Option<Earlier<'_>>,
) -> Facts {
    walked(own_tenant_id, clean, |walker| match &earlier {
        Some(earlier)
            if earlier.own_tenant_id == own_tenant_id
                && earlier.credential_hits.len() == earlier.secrets.len()
                && !keys_are_data("") =>
        {
            walker.walk_members_after(members, earlier);
        }
        _ => walker.walk_object(members, &mut String::new()),
    })
}

/// What `walk` found, with the texts it found clean remembered.
fn walked(own_tenant_id: &str, clean: &CleanTexts, walk: impl FnOnce(&mut Walker<'_>)) -> Facts {
    let (newly_clean, facts) = {
        let guard = clean.inner.read().unwrap_or_else(PoisonError::into_inner);
        let mut walker = Walker {
            own_tenant_id,
            clean: &guard.0,
            newly_clean: Vec::new(),
            facts: Facts {
                credential_hits: Vec::new(),
                foreign_tenant_refs: Vec::new(),
                secrets: Vec::new(),
            },
        };
        walk(&mut walker);
        (walker.newly_clean, walker.facts)
    };
    clean.remember(newly_clean);
    facts
}

struct Walker<'a> {
    own_tenant_id: &'a str,
    clean: &'a HashSet<Box<str>>,
    newly_clean: Vec<String>,
    facts: Facts,
}

impl Walker<'_> {
    fn walk(&mut self, value: &Value, path: &mut String) {
        match value {
            Value::String(text) => self.inspect(text, path),
            Value::Array(items) => {
                for (index, item) in items.iter().enumerate() {
                    let length = path.len();
                    // Written in place: this runs for every array item of every
                    // document a server evaluates.
                    let _ = write!(path, "/{index}");
                    self.walk(item, path);
                    path.truncate(length);
                }
            }
            Value::Object(members) => self.walk_object(
                members.iter().map(|(key, member)| (key.as_str(), member)),
                path,
            ),
            Value::Null | Value::Bool(_) | Value::Number(_) => {}
        }
    }

    /// The document's members (its keys are field names), each walked unless it is the
    /// same as in `earlier`, whose facts under it are taken instead.
    fn walk_members_after<'v>(
        &mut self,
        members: impl Iterator<Item = (&'v str, &'v Value)>,
        earlier: &Earlier<'_>,
    ) {
        for (key, member) in members {
            let mut path = String::from("/");
            push_pointer_segment(&mut path, key);
            if !earlier.unchanged_members.contains(key) {
                self.walk(member, &mut path);
                continue;
            }
            let under = |hit: &Value| {
                hit["path"].as_str().is_some_and(|hit| {
                    hit.strip_prefix(path.as_str())
                        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
                })
            };
            for (hit, secret) in earlier.credential_hits.iter().zip(earlier.secrets) {
                if under(hit) {
                    self.facts.credential_hits.push(hit.clone());
                    self.facts.secrets.push(secret.clone());
                }
            }
            for reference in earlier.foreign_tenant_refs {
                if under(reference) {
                    self.facts.foreign_tenant_refs.push(reference.clone());
                }
            }
        }
    }

    fn walk_object<'v>(
        &mut self,
        members: impl IntoIterator<Item = (&'v str, &'v Value)>,
        path: &mut String,
    ) {
        // Struct keys are field names fixed by the schema (unknown fields are refused
        // when the document is read); only the keys of the document's maps are typed by
        // a person.
        let keys_are_data = keys_are_data(path);
        for (key, member) in members {
            let length = path.len();
            path.push('/');
            push_pointer_segment(path, key);
            if keys_are_data {
                // A credential pasted as a map key (a flag id, a checklist item) counts too.
                self.inspect(key, path);
            }
            self.walk(member, path);
            path.truncate(length);
        }
    }

    fn inspect(&mut self, text: &str, path: &str) {
        if !self.clean.contains(text) {
            match credentials::detect(text) {
                Some(kind) => {
                    // Only the kind: the value itself must never travel further.
                    self.facts
                        .credential_hits
                        .push(json!({"path": path, "kind": kind.to_string()}));
                    self.facts.secrets.push(text.to_owned());
                }
                None => self.newly_clean.push(text.to_owned()),
            }
        }
        if path == "/tenant/id" {
            return;
        }
        for tenant in uuid_v7s(text) {
            if !tenant.eq_ignore_ascii_case(self.own_tenant_id) {
                self.facts
                    .foreign_tenant_refs
                    .push(json!({"path": path, "tenant": tenant.to_ascii_lowercase()}));
            }
        }
    }
}

/// The objects of a tenant document whose keys are data rather than field names.
fn keys_are_data(path: &str) -> bool {
    const MAPS: [&str; 5] = [
        "/services",
        "/ai/prompt_versions",
        "/customization/feature_visibility",
        "/go_live/items",
        "/justifications",
    ];
    if MAPS.contains(&path) {
        return true;
    }
    // /services/<service>/flags
    path.strip_prefix("/services/")
        .and_then(|rest| rest.strip_suffix("/flags"))
        .is_some_and(|service| !service.contains('/'))
}

/// Appends `key` as one JSON-pointer segment (RFC 6901: `~` → `~0`, `/` → `~1`).
pub(crate) fn push_pointer_segment(path: &mut String, key: &str) {
    if !key.contains(['~', '/']) {
        path.push_str(key);
        return;
    }
    for c in key.chars() {
        match c {
            '~' => path.push_str("~0"),
            '/' => path.push_str("~1"),
            other => path.push(other),
        }
    }
}

/// Every substring shaped like a version-7 UUID (8-4-4-4-12 hex digits, version 7,
/// RFC 4122 variant), in either case. Only the places eight bytes before a hyphen are
/// candidates, so text without hyphens costs one scan.
fn uuid_v7s(text: &str) -> Vec<&str> {
    const LENGTH: usize = 36;
    let bytes = text.as_bytes();
    let mut found = Vec::new();
    let mut next_free = 0;
    for (hyphen, byte) in bytes.iter().enumerate() {
        if *byte != b'-' || hyphen < 8 {
            continue;
        }
        let start = hyphen - 8;
        if start < next_free {
            continue;
        }
        let Some(window) = bytes.get(start..start + LENGTH) else {
            break;
        };
        if is_uuid_v7(window) {
            // The window is ASCII, so these are char boundaries.
            if let Some(id) = text.get(start..start + LENGTH) {
                found.push(id);
            }
            next_free = start + LENGTH;
        }
    }
    found
}

fn is_uuid_v7(window: &[u8]) -> bool {
    window.iter().enumerate().all(|(index, byte)| match index {
        8 | 13 | 18 | 23 => *byte == b'-',
        14 => *byte == b'7',
        19 => matches!(byte.to_ascii_lowercase(), b'8' | b'9' | b'a' | b'b'),
        _ => byte.is_ascii_hexdigit(),
    })
}

/// Replaces every occurrence of a secret in `text` (a message, or a pointer through a
/// map key that looks like a credential).
pub(crate) fn redact(text: String, secrets: &[String]) -> String {
    if secrets.iter().all(|secret| !text.contains(secret.as_str())) {
        return text;
    }
    secrets
        .iter()
        .filter(|secret| !secret.is_empty())
        .fold(text, |text, secret| {
            text.replace(secret.as_str(), "[redacted]")
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use tenantry_core::tenant::DocumentValue;

    const OWN: &str = "01a10b56-13e8-7592-9beb-ccfda2ed045a";
    const OTHER: &str = "01a05bfb-7000-7960-9e1d-cd54b586a0cf";

    #[test]
    fn finds_credentials_and_foreign_ids_with_their_pointers() {
        let document = json!({
            "tenant": {"id": OWN, "display_name": "Acme"},
            "handoff": {"support_path": format!("see tenant {OTHER}")},
            "services": {"a/b~c": {"flags": {"x": "AKIAIOSFODNN7EXAMPLE"}}},
            "go_live": {"items": {"password = hunter2hunter2": {}}},
        });
        let clean = CleanTexts::default();
        let facts = facts(&document, OWN, &clean);
        // The second time, from the memory of clean texts: the same facts.
        let again = super::facts(&document, OWN, &clean);
        assert_eq!(again.credential_hits, facts.credential_hits);
        assert_eq!(again.foreign_tenant_refs, facts.foreign_tenant_refs);
        let hits: Vec<&str> = facts
            .credential_hits
            .iter()
            .filter_map(|hit| hit["path"].as_str())
            .collect();
        assert_eq!(
            hits,
            [
                "/go_live/items/password = hunter2hunter2",
                "/services/a~1b~0c/flags/x"
            ]
        );
        assert_eq!(
            facts.foreign_tenant_refs,
            vec![json!({"path": "/handoff/support_path", "tenant": OTHER})]
        );
    }

    #[test]
    fn facts_after_an_edit_are_those_of_a_whole_walk() {
        let before = json!({
            "tenant": {"id": OWN, "display_name": "Acme"},
            "handoff": {"support_path": format!("see tenant {OTHER}"), "doc": "ghp_abcdefghijklmnopqrstuvwxyz0123456789"},
            "services": {"chat": {"flags": {"x": "AKIAIOSFODNN7EXAMPLE"}}},
            "zeta": ["AKIAIOSFODNN7EXAMPLE", OTHER],
        });
        let clean = CleanTexts::default();
        let earlier = facts(&before, OWN, &clean);
        // The caller's part: which members are exactly the same JSON as before.
        let split = |value: &Value| {
            DocumentValue::from_object(value.as_object().cloned().expect("an object"))
        };
        let before_members = split(&before);
        fn earlier_of<'a>(
            unchanged_members: &'a HashSet<&'a str>,
            facts: &'a Facts,
        ) -> Earlier<'a> {
            Earlier {
                unchanged_members,
                own_tenant_id: OWN,
                credential_hits: &facts.credential_hits,
                foreign_tenant_refs: &facts.foreign_tenant_refs,
                secrets: &facts.secrets,
            }
        }
        // One member changed (a credential removed, another added, a foreign id gone),
        // the others kept: what they held comes from `earlier`, in walk order.
        let mut after = before.clone();
        after["services"]["chat"]["flags"] =
            json!({"y": "hunter2", "z": "sk_live_abcdefghijklmnopqrstuvwx"});
        after["handoff"]["support_path"] = json!("the desk");
        for edited in [&after, &before] {
            let whole = facts(edited, OWN, &clean);
            let members = split(edited);
            let same = crate::incremental::unchanged_members(&before_members, &members);
            let reused = facts_of_members(
                members.iter(),
                OWN,
                &clean,
                Some(earlier_of(&same, &earlier)),
            );
            assert_eq!(reused.credential_hits, whole.credential_hits, "{edited}");
            assert_eq!(reused.foreign_tenant_refs, whole.foreign_tenant_refs);
            assert_eq!(reused.secrets, whole.secrets);
        }
        assert_eq!(
            earlier.credential_hits.len(),
            3,
            "{:?}",
            earlier.credential_hits
        );
        // Another tenant's memo (another own id) is not reused: OTHER is that tenant's own.
        let all = crate::incremental::unchanged_members(&before_members, &before_members);
        assert_eq!(all.len(), 4);
        let mine = facts_of_members(
            before_members.iter(),
            OTHER,
            &clean,
            Some(earlier_of(&all, &earlier)),
        );
        assert_eq!(
            mine.foreign_tenant_refs,
            facts(&before, OTHER, &clean).foreign_tenant_refs
        );
        assert_ne!(mine.foreign_tenant_refs, earlier.foreign_tenant_refs);
    }

    #[test]
    fn the_memory_of_clean_texts_is_bounded_and_never_holds_a_credential() {
        let clean = CleanTexts::default();
        let big = "x".repeat(CleanTexts::MAX_BYTES / 2 + 1);
        clean.remember(vec![big.clone()]);
        clean.remember(vec![format!("{big}y")]);
        let guard = clean.inner.read().expect("lock");
        assert_eq!(guard.0.len(), 1, "emptied before growing past the bound");
        assert!(guard.1 <= CleanTexts::MAX_BYTES);
        drop(guard);
        let document = json!({"handoff": {"support_path": "AKIAIOSFODNN7EXAMPLE"}});
        for _ in 0..2 {
            let facts = facts(&document, OWN, &clean);
            assert_eq!(facts.credential_hits.len(), 1);
        }
        let guard = clean.inner.read().expect("lock");
        assert!(!guard.0.contains("AKIAIOSFODNN7EXAMPLE"));
    }

    #[test]
    fn field_names_are_not_inspected_but_map_keys_are() {
        assert!(keys_are_data("/services"));
        assert!(keys_are_data("/services/chat/flags"));
        assert!(keys_are_data("/justifications"));
        assert!(!keys_are_data("/services/chat"));
        assert!(!keys_are_data("/services/a/b/flags"));
        assert!(!keys_are_data("/tenant"));
        assert!(!keys_are_data(""));
    }

    #[test]
    fn only_version_7_uuids_count() {
        assert_eq!(uuid_v7s(OWN), vec![OWN]);
        assert!(uuid_v7s("4f1c2d3e-5a6b-4c7d-8e9f-0a1b2c3d4e5f").is_empty());
        assert!(uuid_v7s("01a10b56-13e8-7592-cbeb-ccfda2ed045a").is_empty());
        let two = format!("{OWN},{OTHER}");
        assert_eq!(uuid_v7s(&two), vec![OWN, OTHER]);
        assert!(uuid_v7s("é".repeat(40).as_str()).is_empty());
        let embedded = format!("see-{OTHER}/x and abc{OWN}");
        assert_eq!(uuid_v7s(&embedded), vec![OTHER, OWN]);
        assert!(uuid_v7s(&OWN[..35]).is_empty());
    }
}
