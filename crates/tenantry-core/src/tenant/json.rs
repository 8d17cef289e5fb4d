//! A tenant document together with its JSON value, for the checks that read documents
//! as JSON (a change set's operations, the policy pack, the approval rules). A server
//! runs all three on every change set it accepts; each used to make the same JSON value
//! of the same document again (four times per change set), a good part of the time a
//! change set costs.
//!
//! The value is kept member by member ([`DocumentValue`]): the next version of a
//! document, made by a change set that edits one or two members, shares every other
//! member with the version before it. Copying those members for each version, and
//! freeing them again when a version was replaced, was ~12 % of a busy server's CPU
//! (BENCHMARKS.md, 2026-12-06).

use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use serde_json::{Map, Value};

use super::TenantDocument;

/// A JSON object whose members are held each in its own `Arc`, so versions of a
/// document share the members they have in common. Members are in key order, as in
/// `serde_json`'s own map, so [`DocumentValue::to_value`] is the same value, member for
/// member, as the object it was made from.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DocumentValue {
    members: Vec<(Arc<str>, Arc<Member>)>,
}

/// One member's value, and the JSON texts of the parts of it that were asked for
/// ([`DocumentValue::text`]): the policy pack and the approval rules key what they
/// remember by the texts of the parts they read, and a member kept by many versions of a
/// document is written out once instead of once per version and reader.
#[derive(Debug, Default)]
struct Member {
    value: Value,
    texts: Mutex<Vec<KeptText>>,
}

/// A path inside a member and its text (`None`: nothing there).
type KeptText = (Vec<String>, Option<Arc<str>>);

impl Member {
    /// Paths whose texts a member keeps: the readers ask for a few dozen fixed paths.
    const TEXTS: usize = 64;

    fn new(value: Value) -> Arc<Self> {
        Arc::new(Self {
            value,
            texts: Mutex::default(),
        })
    }

    fn text(&self, path: &[String]) -> Option<Arc<str>> {
        // A poisoned lock only means a reader panicked while it held it; every entry is
        // a complete text.
        let mut texts = self.texts.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some((_, text)) = texts.iter().find(|(kept, _)| kept == path) {
            return text.clone();
        }
        let text: Option<Arc<str>> = lookup(&self.value, path).map(|part| part.to_string().into());
        if texts.len() < Self::TEXTS {
            texts.push((path.to_vec(), text.clone()));
        }
        text
    }
}

impl PartialEq for Member {
    fn eq(&self, other: &Self) -> bool {
        self.value == other.value
    }
}

/// The value at `path` (object keys) inside `value`.
fn lookup<'a>(value: &'a Value, path: &[String]) -> Option<&'a Value> {
    path.iter()
        .try_fold(value, |value, key| value.as_object()?.get(key))
}

impl DocumentValue {
    /// The members of `object`.
    pub fn from_object(object: Map<String, Value>) -> Self {
        // A serde_json map iterates in key order.
        Self {
            members: object
                .into_iter()
                .map(|(name, value)| (Arc::from(name), Member::new(value)))
                .collect(),
        }
    }

    /// `serde_json::to_value` of `document`, member by member.
    pub fn of_document(document: &TenantDocument) -> Result<Self, serde_json::Error> {
        match serde_json::to_value(document)? {
            Value::Object(object) => Ok(Self::from_object(object)),
            _ => Err(<serde_json::Error as serde::ser::Error>::custom(
                "a tenant document is not a JSON object",
            )),
        }
    }

    fn position(&self, name: &str) -> Result<usize, usize> {
        self.members
            .binary_search_by(|(member, _)| (**member).cmp(name))
    }

    /// The member `name`.
    pub fn get(&self, name: &str) -> Option<&Value> {
        let at = self.position(name).ok()?;
        Some(&self.members[at].1.value)
    }

    /// The members, in key order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.members
            .iter()
            .map(|(name, member)| (&**name, &member.value))
    }

    pub fn len(&self) -> usize {
        self.members.len()
    }

    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }

    /// The value at `path` (member names, then object keys inside the member); `None`
    /// for the empty path (the whole value is [`DocumentValue::to_value`]) and for a
    /// path that is not there.
    pub fn lookup(&self, path: &[String]) -> Option<&Value> {
        let (first, rest) = path.split_first()?;
        lookup(self.get(first)?, rest)
    }

    /// The JSON text of [`DocumentValue::lookup`]`(path)`, written once per member
    /// version and path (see [`Member`]).
    pub fn text(&self, path: &[String]) -> Option<Arc<str>> {
        let (first, rest) = path.split_first()?;
        let at = self.position(first).ok()?;
        self.members[at].1.text(rest)
    }

    /// Whether `name` is the very same member (one allocation) here and in `other`:
    /// then its JSON is the same without looking at it. (Different allocations may
    /// still hold equal JSON.)
    pub fn shares(&self, other: &DocumentValue, name: &str) -> bool {
        match (self.position(name), other.position(name)) {
            (Ok(here), Ok(there)) => Arc::ptr_eq(&self.members[here].1, &other.members[there].1),
            _ => false,
        }
    }

    /// `/tenant/id`, a tenant document's id; empty when there is none (a document
    /// always has one; the empty id matches no tenant).
    pub fn tenant_id(&self) -> &str {
        self.get("tenant")
            .and_then(|tenant| tenant.get("id"))
            .and_then(Value::as_str)
            .unwrap_or_default()
    }

    /// The whole object (a copy: for the rare reader of everything).
    pub fn to_value(&self) -> Value {
        Value::Object(
            self.members
                .iter()
                .map(|(name, member)| (name.to_string(), member.value.clone()))
                .collect(),
        )
    }

    /// This value with the member `name` set to `value` (added in key order if new);
    /// every other member is shared.
    fn with(&mut self, name: &str, value: Value) {
        match self.position(name) {
            Ok(at) => self.members[at].1 = Member::new(value),
            Err(at) => self
                .members
                .insert(at, (Arc::from(name), Member::new(value))),
        }
    }
}

/// The whole object, written member by member in key order (a document's checkpoint is
/// written from its value without making the typed document).
impl serde::Serialize for DocumentValue {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.iter())
    }
}

/// A tenant document's JSON value ([`DocumentValue`]) and, when asked for, the typed
/// document it is. A value is only ever made from a document, or from another one by
/// members each read as their type and written again (`with_members`), and neither can
/// be changed afterwards: a check given a `DocumentJson` sees exactly a document.
///
/// The typed document is made the first time it is asked for. A server applying change
/// sets reads most versions only as JSON (the operations, the policy pack and the
/// approval rules all read JSON); making each version's typed document by cloning the
/// previous one, and freeing it again when it was replaced, was ~6 % of a busy server's
/// CPU (BENCHMARKS.md, 2026-12-07).
#[derive(Debug, Clone)]
pub struct DocumentJson {
    json: Arc<DocumentValue>,
    document: OnceLock<Arc<TenantDocument>>,
}

impl DocumentJson {
    /// Makes the JSON value of `document`.
    pub fn new(document: Arc<TenantDocument>) -> Result<Self, serde_json::Error> {
        Ok(Self {
            json: Arc::new(DocumentValue::of_document(&document)?),
            document: OnceLock::from(document),
        })
    }

    /// The next version of `previous`: each of `members` (name and JSON value) read as
    /// that member of a tenant document and written again, the other members
    /// `previous`'s own (shared, not copied). An error names the first member that does
    /// not read as one; nothing is made then. (In debug builds the result is checked to
    /// read as a whole document that writes the same value.)
    pub fn with_members(
        previous: &DocumentJson,
        members: impl IntoIterator<Item = (&'static str, Value)>,
    ) -> Result<Self, serde_json::Error> {
        let mut json = DocumentValue::clone(&previous.json);
        for (name, value) in members {
            let value = TenantDocument::canonical_member_json(name, value).ok_or_else(|| {
                <serde_json::Error as serde::ser::Error>::custom(format!(
                    "`{name}` is not a member of a tenant document"
                ))
            })??;
            json.with(name, value);
        }
        let next = Self {
            json: Arc::new(json),
            document: OnceLock::new(),
        };
        // Read apart from `next.document`, which stays unmade as in a release build.
        debug_assert_eq!(
            serde_json::from_value::<TenantDocument>(next.json.to_value())
                .ok()
                .and_then(|document| serde_json::to_value(document).ok()),
            Some(next.json.to_value()),
            "a document whose members each read as theirs is a document"
        );
        Ok(next)
    }

    /// The typed document (read from the JSON value the first time, then kept). An
    /// error only if the value is not a document, which its making rules out.
    pub fn document(&self) -> Result<&Arc<TenantDocument>, serde_json::Error> {
        if let Some(document) = self.document.get() {
            return Ok(document);
        }
        let document: TenantDocument = serde_json::from_value(self.json.to_value())?;
        // Another thread may have set it meanwhile: the same document either way.
        Ok(self.document.get_or_init(|| Arc::new(document)))
    }

    pub fn json(&self) -> &DocumentValue {
        &self.json
    }

    /// The tenant's id, read from the JSON value.
    pub fn tenant_id(&self) -> &str {
        self.json.tenant_id()
    }

    /// Whether `other` is this very version (a clone of it): then it is the same
    /// document without looking. (Equal documents made apart are not the same.)
    pub fn same(&self, other: &DocumentJson) -> bool {
        Arc::ptr_eq(&self.json, &other.json)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tenant::Regulation;
    use crate::{ClientName, Industry};

    fn harbour() -> TenantDocument {
        TenantDocument::with_safe_defaults(
            &ClientName::parse("Harbour Dental").expect("name"),
            Industry::Healthcare,
            &[Regulation::Hipaa],
        )
        .expect("defaults")
    }

    #[test]
    fn the_value_is_the_documents_and_an_edit_shares_what_it_did_not_write() {
        let document = harbour();
        let made = DocumentJson::new(Arc::new(document.clone())).expect("json");
        assert_eq!(
            made.json().to_value(),
            serde_json::to_value(&document).expect("json")
        );
        assert_eq!(**made.document().expect("typed"), document);
        assert_eq!(made.tenant_id(), document.tenant.id.as_str());

        let mut renamed = document.clone();
        renamed.tenant.display_name = "Harbour Dental Group".to_owned();
        let mut tenant = made.json().get("tenant").expect("member").clone();
        tenant["display_name"] = Value::from("Harbour Dental Group");
        let edited = DocumentJson::with_members(&made, [("tenant", tenant)]).expect("json");
        assert_eq!(
            edited.json().to_value(),
            serde_json::to_value(&renamed).expect("json")
        );
        assert_eq!(**edited.document().expect("typed"), renamed);
        assert!(
            !edited.json().shares(made.json(), "tenant"),
            "written again"
        );
        assert!(edited.json().shares(made.json(), "ai"), "shared");
        let other = DocumentJson::new(Arc::new(document.clone())).expect("json");
        assert!(
            !other.json().shares(made.json(), "ai"),
            "an equal member made apart is not the same allocation"
        );
        assert_eq!(other.json(), made.json(), "but it is equal");
        assert!(!other.same(&made));
        let copy = made.clone();
        assert!(copy.same(&made), "a clone shares the value");
        assert!(
            std::ptr::eq(copy.json(), made.json()),
            "a clone shares the value"
        );
    }

    #[test]
    fn a_member_that_does_not_read_as_its_type_makes_nothing() {
        let made = DocumentJson::new(Arc::new(harbour())).expect("json");
        let error = DocumentJson::with_members(&made, [("ai", serde_json::json!({"x": 1}))])
            .expect_err("not an ai member");
        assert!(error.to_string().contains("unknown field"), "{error}");
        assert!(DocumentJson::with_members(&made, [("tenants", Value::Null)]).is_err());
        // A member is written as the document writes it, defaults filled in.
        let sparse = serde_json::json!({"monthly_budget_cents": 9});
        let edited = DocumentJson::with_members(&made, [("ai", sparse.clone())]).expect("json");
        assert_ne!(edited.json().get("ai"), Some(&sparse));
        assert_eq!(edited.document().expect("typed").ai.monthly_budget_cents, 9);
    }

    #[test]
    fn the_value_is_written_as_the_object_it_is() {
        let document = harbour();
        let made = DocumentJson::new(Arc::new(document.clone())).expect("json");
        let text = serde_json::to_string(made.json()).expect("written");
        let read: TenantDocument = serde_json::from_str(&text).expect("a document");
        assert_eq!(read, document);
        let value: Value = serde_json::from_str(&text).expect("json");
        assert_eq!(value, made.json().to_value());
    }

    #[test]
    fn members_are_read_by_name_and_path_in_key_order() {
        let value = serde_json::json!({
            "b": {"x": {"y": 1}},
            "a": [1, 2],
            "c": "text",
        });
        let Value::Object(object) = value.clone() else {
            unreachable!("an object")
        };
        let members = DocumentValue::from_object(object);
        assert_eq!(members.len(), 3);
        assert!(!members.is_empty());
        assert_eq!(
            members.iter().map(|(name, _)| name).collect::<Vec<_>>(),
            ["a", "b", "c"]
        );
        assert_eq!(members.get("c"), Some(&Value::from("text")));
        assert_eq!(members.get("d"), None);
        assert_eq!(members.tenant_id(), "", "not a tenant document");
        let path = |keys: &[&str]| keys.iter().map(|key| (*key).to_owned()).collect::<Vec<_>>();
        assert_eq!(
            members.lookup(&path(&["b", "x", "y"])),
            Some(&Value::from(1))
        );
        assert_eq!(members.lookup(&path(&["b", "z"])), None);
        assert_eq!(members.lookup(&path(&["a", "0"])), None, "objects only");
        assert_eq!(members.lookup(&[]), None);
        for _ in 0..2 {
            // Written out the first time, kept the second: the same either way.
            assert_eq!(
                members.text(&path(&["b", "x"])).as_deref(),
                Some(r#"{"y":1}"#)
            );
            assert_eq!(
                members.text(&path(&["b"])).as_deref(),
                Some(r#"{"x":{"y":1}}"#)
            );
            assert_eq!(members.text(&path(&["b", "z"])), None);
            assert_eq!(members.text(&path(&["d"])), None);
            assert_eq!(members.text(&[]), None);
        }
        assert_eq!(members.to_value(), value);
        let mut grown = members.clone();
        grown.with("aa", Value::Null);
        assert_eq!(
            grown.iter().map(|(name, _)| name).collect::<Vec<_>>(),
            ["a", "aa", "b", "c"]
        );
        assert!(grown.shares(&members, "b"));
        assert!(!grown.shares(&members, "aa"), "not in both");
        assert!(DocumentValue::default().is_empty());
    }
}
