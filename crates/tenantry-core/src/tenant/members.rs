//! The document's top-level members one at a time, as JSON. A change set usually edits
//! one field; going through the whole document's JSON to apply it (write all of it
//! out, patch it, read all of it back, write it out again for the checks) was most of
//! what applying cost. With these, only the members the edit touches make the trip.
//!
//! Each member is read and written by serde on its own, exactly as the derived
//! (de)serialisation of the whole document does it (no field depends on another), so
//! a document edited member by member is the one the whole trip would give.

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

use super::TenantDocument;

fn write<T: Serialize>(member: &T) -> Result<Value, serde_json::Error> {
    serde_json::to_value(member)
}

fn read<T: DeserializeOwned>(slot: &mut T, value: Value) -> Result<(), serde_json::Error> {
    *slot = serde_json::from_value(value)?;
    Ok(())
}

/// `value` read as the member `field` picks out, and written again. (`field` only names
/// the member's type: the macro below has the fields' names, not their types.)
fn canonical<T: Serialize + DeserializeOwned>(
    _field: fn(&TenantDocument) -> &T,
    value: Value,
) -> Result<Value, serde_json::Error> {
    let member: T = serde_json::from_value(value)?;
    serde_json::to_value(&member)
}

/// `MEMBERS` and the two accessors from one list of the document's fields. Each accessor
/// destructures the whole document, so a field added to it does not compile until it is
/// listed here (the fields' names are their JSON keys: nothing is renamed at the top).
macro_rules! members {
    ($($field:ident),* $(,)?) => {
        /// The document's top-level members, as their JSON keys, in the order it writes
        /// them.
        pub const MEMBERS: &[&str] = &[$(stringify!($field)),*];

        impl TenantDocument {
            /// The JSON of the member `name` (what `serde_json::to_value` of the whole
            /// document holds under that key); `None` for a name that is not a member.
            pub fn member_json(&self, name: &str) -> Option<Result<Value, serde_json::Error>> {
                let Self { $($field),* } = self;
                Some(match name {
                    $(stringify!($field) => write($field),)*
                    _ => return None,
                })
            }

            /// Replaces the member `name` with `value` read as that member. On an error
            /// the document is unchanged; `None` for a name that is not a member.
            pub fn set_member_json(
                &mut self,
                name: &str,
                value: Value,
            ) -> Option<Result<(), serde_json::Error>> {
                let Self { $($field),* } = self;
                Some(match name {
                    $(stringify!($field) => read($field, value),)*
                    _ => return None,
                })
            }

            /// `value` read as the member `name` and written again: the JSON that member
            /// of a document holds after [`Self::set_member_json`] of `value`, without a
            /// document to set it in. `None` for a name that is not a member.
            pub fn canonical_member_json(
                name: &str,
                value: Value,
            ) -> Option<Result<Value, serde_json::Error>> {
                Some(match name {
                    $(stringify!($field) => canonical(|doc: &Self| &doc.$field, value),)*
                    _ => return None,
                })
            }
        }
    };
}

members!(
    schema_version,
    classification,
    tenant,
    frontend,
    services,
    overrides,
    ai,
    integrations,
    customization,
    data_migration,
    go_live,
    rollout,
    handoff,
    justifications,
);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tenant::Regulation;
    use crate::{ClientName, Industry};

    fn document() -> TenantDocument {
        TenantDocument::with_safe_defaults(
            &ClientName::parse("Harbour Dental").expect("name"),
            Industry::Healthcare,
            &[Regulation::Hipaa],
        )
        .expect("defaults")
    }

    #[test]
    fn the_members_are_the_keys_of_the_documents_json_each_with_its_value() {
        let document = document();
        let whole = serde_json::to_value(&document).expect("json");
        let keys: Vec<&str> = whole
            .as_object()
            .expect("an object")
            .keys()
            .map(String::as_str)
            .collect();
        let mut members = MEMBERS.to_vec();
        members.sort_unstable();
        assert_eq!(keys, members, "MEMBERS lists exactly the document's keys");
        for name in MEMBERS {
            let member = document
                .member_json(name)
                .expect("a member")
                .expect("writes");
            assert_eq!(&member, &whole[name], "{name}");
        }
        assert!(document.member_json("tenants").is_none());
    }

    #[test]
    fn setting_a_member_changes_that_member_only() {
        let mut document = document();
        let before = document.clone();
        let mut ai = document.member_json("ai").expect("member").expect("json");
        ai["monthly_budget_cents"] = Value::from(12_345);
        document
            .set_member_json("ai", ai)
            .expect("member")
            .expect("reads");
        assert_eq!(document.ai.monthly_budget_cents, 12_345);
        let mut expected = before.clone();
        expected.ai.monthly_budget_cents = 12_345;
        assert_eq!(document, expected);

        // A value that is not that member: an error, and nothing changed.
        let refused = document
            .set_member_json("tenant", Value::from("not a profile"))
            .expect("member");
        assert!(refused.is_err());
        assert_eq!(document, expected);
        assert!(document
            .set_member_json("no_such_member", Value::Null)
            .is_none());
    }

    #[test]
    fn a_member_read_and_written_alone_is_what_the_document_would_hold() {
        let mut document = document();
        // Written without the fields the member's type fills in by default, and with
        // a field out of order: read as that member, it comes back whole and in order.
        let ai = serde_json::json!({"monthly_budget_cents": 500});
        let canonical = TenantDocument::canonical_member_json("ai", ai.clone())
            .expect("member")
            .expect("reads");
        document
            .set_member_json("ai", ai)
            .expect("member")
            .expect("reads");
        assert_eq!(
            canonical,
            document.member_json("ai").expect("member").expect("json")
        );
        assert_ne!(canonical, serde_json::json!({"monthly_budget_cents": 500}));
        let refused =
            TenantDocument::canonical_member_json("tenant", Value::from(7)).expect("member");
        assert!(refused.is_err());
        assert!(TenantDocument::canonical_member_json("tenants", Value::Null).is_none());
    }
}
