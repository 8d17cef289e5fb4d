use std::fmt;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::TenantId;
use crate::credentials;

/// Step 7: one vendor integration. The credential itself is never here, only a
/// reference into the platform's secrets manager, scoped to this tenant.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema, specta::Type)]
#[serde(deny_unknown_fields)]
pub struct Integration {
    /// Catalog vendor id.
    pub vendor: String,
    /// What the integration is for.
    pub purpose: String,
    pub secret_ref: SecretRef,
    #[serde(default)]
    pub enabled: bool,
}

/// `secret://tenants/<tenant id>/<name>`: where the secrets manager keeps a credential.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, specta::Type)]
#[serde(try_from = "String", into = "String")]
pub struct SecretRef(String);

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SecretRefError {
    #[error("this looks like {0}, not a reference to one. Never paste a credential here: store it in the secrets manager and enter its reference, secret://tenants/<tenant id>/<name>")]
    LooksLikeCredential(credentials::CredentialKind),
    #[error("'{0}' is not a secret reference; expected secret://tenants/<tenant id>/<name>, e.g. secret://tenants/01937c5e-8f3a-7b2c-9d4e-5f6a7b8c9d0e/stripe-api")]
    Malformed(String),
}

impl SecretRef {
    pub fn parse(text: &str) -> Result<Self, SecretRefError> {
        if let Some(kind) = credentials::detect(text) {
            // Never echo the pasted value: it may be a live secret.
            return Err(SecretRefError::LooksLikeCredential(kind));
        }
        let malformed = || SecretRefError::Malformed(text.chars().take(80).collect());
        let rest = text
            .strip_prefix("secret://tenants/")
            .ok_or_else(malformed)?;
        let (tenant, name) = rest.split_once('/').ok_or_else(malformed)?;
        TenantId::parse(tenant).map_err(|_| malformed())?;
        let name_ok = !name.is_empty()
            && name.len() <= 100
            && name.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
            && name.chars().all(|c| {
                c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '_' | '-' | '/')
            })
            && !name.contains("//")
            && !name.ends_with('/');
        if !name_ok {
            return Err(malformed());
        }
        Ok(Self(text.to_owned()))
    }

    /// The tenant the referenced secret belongs to.
    pub fn tenant(&self) -> &str {
        self.0
            .trim_start_matches("secret://tenants/")
            .split('/')
            .next()
            .unwrap_or_default()
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for SecretRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for SecretRef {
    type Error = SecretRefError;
    fn try_from(text: String) -> Result<Self, Self::Error> {
        Self::parse(&text)
    }
}

impl From<SecretRef> for String {
    fn from(reference: SecretRef) -> Self {
        reference.0
    }
}

super::string_schema!(SecretRef, r"^secret://tenants/[0-9a-f-]{36}/[a-z0-9][a-z0-9_/-]{0,99}$", "A reference into the secrets manager, secret://tenants/<tenant id>/<name>; never a secret value.");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_scoped_reference_parses_and_names_its_tenant() {
        let tenant = TenantId::generate();
        let text = format!("secret://tenants/{tenant}/stripe/api-key");
        let reference = SecretRef::parse(&text).expect("valid");
        assert_eq!(reference.tenant(), tenant.as_str());
        assert_eq!(reference.to_string(), text);
    }

    #[test]
    fn a_pasted_credential_is_refused_without_echoing_it() {
        let error = SecretRef::parse("sk_live_4eC39HqLyjWDarjtT1zdp7dc").expect_err("a secret");
        let message = error.to_string();
        assert!(
            message.starts_with("this looks like a Stripe secret key"),
            "{message}"
        );
        assert!(!message.contains("4eC39"));
    }

    #[test]
    fn malformed_references_are_refused() {
        let tenant = TenantId::generate();
        for text in [
            "vault://x".to_owned(),
            "secret://tenants/acme/stripe".to_owned(),
            format!("secret://tenants/{tenant}/"),
            format!("secret://tenants/{tenant}/Stripe"),
            format!("secret://tenants/{tenant}/a//b"),
            format!("secret://tenants/{tenant}"),
        ] {
            assert!(
                matches!(SecretRef::parse(&text), Err(SecretRefError::Malformed(_))),
                "{text}"
            );
        }
    }
}
