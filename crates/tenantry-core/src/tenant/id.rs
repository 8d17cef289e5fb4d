use std::fmt;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A tenant's identifier: a UUIDv7, generated once and never derived from the client's
/// name, so renaming a client never changes it and two clients never share one.
#[derive(
    Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, specta::Type,
)]
#[serde(try_from = "String", into = "String")]
pub struct TenantId(String);

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("'{0}' is not a tenant id: expected a generated UUIDv7 such as 01937c5e-8f3a-7b2c-9d4e-5f6a7b8c9d0e, in lowercase")]
pub struct TenantIdError(String);

impl TenantId {
    pub fn generate() -> Self {
        Self(Uuid::now_v7().hyphenated().to_string())
    }

    /// Accepts only a canonical (lowercase, hyphenated) version-7 UUID.
    pub fn parse(text: &str) -> Result<Self, TenantIdError> {
        match Uuid::try_parse(text) {
            Ok(uuid) if uuid.get_version_num() == 7 && uuid.hyphenated().to_string() == text => {
                Ok(Self(text.to_owned()))
            }
            _ => Err(TenantIdError(text.chars().take(64).collect())),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for TenantId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for TenantId {
    type Error = TenantIdError;
    fn try_from(text: String) -> Result<Self, Self::Error> {
        Self::parse(&text)
    }
}

impl From<TenantId> for String {
    fn from(id: TenantId) -> Self {
        id.0
    }
}

super::string_schema!(
    TenantId,
    r"^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$",
    "A generated tenant id (UUIDv7, lowercase)."
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_ids_are_unique_uuidv7() {
        let a = TenantId::generate();
        let b = TenantId::generate();
        assert_ne!(a, b);
        assert_eq!(TenantId::parse(a.as_str()), Ok(a.clone()));
        assert_eq!(a.to_string(), a.as_str());
    }

    #[test]
    fn other_uuids_and_names_are_refused() {
        // A version-4 UUID is not one of ours.
        assert!(TenantId::parse("4f1c2d3e-5a6b-4c7d-8e9f-0a1b2c3d4e5f").is_err());
        assert!(TenantId::parse("acme").is_err());
        let upper = TenantId::generate().as_str().to_uppercase();
        assert!(TenantId::parse(&upper).is_err());
    }

    #[test]
    fn deserialising_checks_the_id() {
        let error = serde_json::from_str::<TenantId>("\"acme\"").expect_err("not an id");
        assert!(error.to_string().contains("'acme' is not a tenant id"));
    }
}
