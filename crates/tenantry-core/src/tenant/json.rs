//! A tenant document together with its JSON value, for the checks that read documents
//! as JSON (a change set's operations, the policy pack, the approval rules). A server
//! runs all three on every change set it accepts; each used to make the same JSON value
//! of the same document again (four times per change set), a good part of the time a
//! change set costs.

use std::sync::{Arc, Weak};

use serde_json::Value;

use super::TenantDocument;

/// A tenant document and `serde_json::to_value` of it. The value is only ever made from
/// the document, and neither can be changed afterwards, so the two always agree: a check
/// given a `DocumentJson` sees exactly the document.
#[derive(Debug, Clone)]
pub struct DocumentJson {
    document: Arc<TenantDocument>,
    json: Arc<Value>,
    /// For a value made by [`DocumentJson::edited`]: the value it was made from (weak:
    /// a version must not keep its predecessors alive, and an allocation a `Weak` points
    /// to is never reused, so the pointer cannot come to name another value) and the
    /// members written again; every other member is a copy of that value's.
    edited: Option<(Weak<Value>, Vec<&'static str>)>,
}

impl DocumentJson {
    /// Makes the JSON value of `document`.
    pub fn new(document: Arc<TenantDocument>) -> Result<Self, serde_json::Error> {
        let json = serde_json::to_value(&*document)?;
        Ok(Self {
            document,
            json: Arc::new(json),
            edited: None,
        })
    }

    /// The JSON value of `document`, a version of `previous`'s document that differs
    /// from it in the members named in `changed` at most: `previous`'s value with those
    /// members written again. (Checked against the whole value in debug builds.)
    pub fn edited(
        previous: &DocumentJson,
        document: Arc<TenantDocument>,
        changed: &[&'static str],
    ) -> Result<Self, serde_json::Error> {
        let Value::Object(before) = &*previous.json else {
            return Self::new(document);
        };
        let mut members = serde_json::Map::new();
        for name in changed {
            let value = document.member_json(name).ok_or_else(|| {
                <serde_json::Error as serde::ser::Error>::custom(format!(
                    "`{name}` is not a member of a tenant document"
                ))
            })??;
            members.insert((*name).to_owned(), value);
        }
        // The other members are copied (the changed ones are not copied only to be
        // replaced).
        for (name, value) in before {
            if !changed.contains(&name.as_str()) {
                members.insert(name.clone(), value.clone());
            }
        }
        let json = Value::Object(members);
        debug_assert_eq!(
            serde_json::to_value(&*document).ok().as_ref(),
            Some(&json),
            "only the members named changed"
        );
        Ok(Self {
            document,
            json: Arc::new(json),
            edited: Some((Arc::downgrade(&previous.json), changed.to_vec())),
        })
    }

    /// The members that may differ from `previous`'s when this value was made from it
    /// by [`DocumentJson::edited`] (all others are exact copies); `None` when it was not.
    pub fn members_edited_since(&self, previous: &DocumentJson) -> Option<&[&'static str]> {
        let (from, changed) = self.edited.as_ref()?;
        Weak::ptr_eq(from, &Arc::downgrade(&previous.json)).then_some(changed.as_slice())
    }

    pub fn document(&self) -> &Arc<TenantDocument> {
        &self.document
    }

    pub fn json(&self) -> &Value {
        &self.json
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tenant::Regulation;
    use crate::{ClientName, Industry};

    #[test]
    fn the_value_is_the_documents_and_clones_share_it() {
        let document = TenantDocument::with_safe_defaults(
            &ClientName::parse("Harbour Dental").expect("name"),
            Industry::Healthcare,
            &[Regulation::Hipaa],
        )
        .expect("defaults");
        let made = DocumentJson::new(Arc::new(document.clone())).expect("json");
        assert_eq!(made.json(), &serde_json::to_value(&document).expect("json"));
        assert_eq!(**made.document(), document);
        let mut renamed = document.clone();
        renamed.tenant.display_name = "Harbour Dental Group".to_owned();
        let edited =
            DocumentJson::edited(&made, Arc::new(renamed.clone()), &["tenant"]).expect("json");
        assert_eq!(
            edited.json(),
            &serde_json::to_value(&renamed).expect("json")
        );
        assert_eq!(edited.members_edited_since(&made), Some(&["tenant"][..]));
        assert_eq!(
            made.members_edited_since(&edited),
            None,
            "not the other way round"
        );
        let other = DocumentJson::new(Arc::new(document.clone())).expect("json");
        assert_eq!(
            edited.members_edited_since(&other),
            None,
            "an equal value is not the one it was made from"
        );
        assert!(DocumentJson::edited(&made, Arc::new(renamed), &["tenants"]).is_err());
        let copy = made.clone();
        assert!(
            std::ptr::eq(copy.json(), made.json()),
            "a clone shares the value"
        );
    }
}
