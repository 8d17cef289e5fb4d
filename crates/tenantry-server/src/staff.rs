//! Staff keys: who may do what, the proof that a registrant holds the private key, and
//! the bearer tokens that stand for a key on every request.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tenantry_changeset::keys::{KeyId, PublicKey};
use utoipa::ToSchema;

/// What a staff member does on the platform.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Fills in onboarding documents and authors change sets.
    AccountManager,
    /// Reviews and co-signs (approves) other people's change sets.
    ComplianceOfficer,
    /// Approves and revokes staff keys; may also author change sets.
    Admin,
}

/// Where a key is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum KeyState {
    /// Registered; an admin has not approved it yet. Its token opens nothing.
    Pending,
    Approved,
    /// Revoked by an admin: refused everywhere from now on.
    Revoked,
}

/// Something a request does, for the role check.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// Approve or revoke staff keys.
    ManageKeys,
    /// Author a change set (be its `author`).
    AuthorChange,
    /// Co-sign someone else's change set.
    ApproveChange,
    /// Pull change sets, heads, keys and approvals.
    Read,
}

impl Role {
    pub fn id(self) -> &'static str {
        match self {
            Role::AccountManager => "account_manager",
            Role::ComplianceOfficer => "compliance_officer",
            Role::Admin => "admin",
        }
    }

    pub fn from_id(id: &str) -> Option<Role> {
        [Role::AccountManager, Role::ComplianceOfficer, Role::Admin]
            .into_iter()
            .find(|role| role.id() == id)
    }

    /// The one table of what each role may do.
    pub fn may(self, action: Action) -> bool {
        match action {
            Action::Read => true,
            Action::ManageKeys => self == Role::Admin,
            Action::AuthorChange => matches!(self, Role::AccountManager | Role::Admin),
            Action::ApproveChange => self == Role::ComplianceOfficer,
        }
    }
}

impl KeyState {
    pub fn id(self) -> &'static str {
        match self {
            KeyState::Pending => "pending",
            KeyState::Approved => "approved",
            KeyState::Revoked => "revoked",
        }
    }

    pub fn from_id(id: &str) -> Option<KeyState> {
        [KeyState::Pending, KeyState::Approved, KeyState::Revoked]
            .into_iter()
            .find(|state| state.id() == id)
    }
}

/// A registered staff key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StaffKey {
    pub key_id: KeyId,
    pub public_key: PublicKey,
    pub name: String,
    pub role: Role,
    pub state: KeyState,
    pub registered_at_ms: i64,
    pub decided_by: Option<String>,
    pub decided_at_ms: Option<i64>,
}

/// What a registrant signs to prove they hold the private key, bound to this server's
/// organisation so a proof made for one platform is useless on another:
/// `tenantry-key-registration-v1 <organisation> <public key, 64 lowercase hex>`.
pub fn registration_message(organisation: &str, public_key: &PublicKey) -> Vec<u8> {
    format!(
        "{REGISTRATION_CONTEXT} {organisation} {}",
        public_key.to_hex()
    )
    .into_bytes()
}

/// The first word of [`registration_message`].
pub const REGISTRATION_CONTEXT: &str = "tenantry-key-registration-v1";

/// Checks a proof of possession: standard base64 (with padding) of the ed25519
/// signature over [`registration_message`], verified strictly.
pub fn proof_is_valid(organisation: &str, public_key: &PublicKey, proof_base64: &str) -> bool {
    let Ok(signature) = STANDARD.decode(proof_base64) else {
        return false;
    };
    public_key.verify_strict(&registration_message(organisation, public_key), &signature)
}

/// Bytes of randomness in a bearer token.
const TOKEN_BYTES: usize = 32;

/// A new bearer token (64 lowercase hex characters of 32 random bytes). It is shown to
/// its owner once; the server keeps only [`token_digest`] of it.
pub fn new_token() -> Result<String, getrandom::Error> {
    let mut bytes = [0u8; TOKEN_BYTES];
    getrandom::fill(&mut bytes)?;
    Ok(hex(&bytes))
}

/// SHA-256 (hex) of a token: what the database holds.
pub fn token_digest(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use tenantry_changeset::SigningKey;

    #[test]
    fn roles_may_do_what_the_table_says() {
        assert!(Role::Admin.may(Action::ManageKeys));
        assert!(!Role::AccountManager.may(Action::ManageKeys));
        assert!(Role::AccountManager.may(Action::AuthorChange));
        assert!(Role::Admin.may(Action::AuthorChange));
        assert!(!Role::ComplianceOfficer.may(Action::AuthorChange));
        assert!(Role::ComplianceOfficer.may(Action::ApproveChange));
        assert!(!Role::AccountManager.may(Action::ApproveChange));
        assert!(Role::ComplianceOfficer.may(Action::Read));
    }

    #[test]
    fn ids_round_trip() {
        for role in [Role::AccountManager, Role::ComplianceOfficer, Role::Admin] {
            assert_eq!(Role::from_id(role.id()), Some(role));
            assert_eq!(
                serde_json::to_value(role).expect("json"),
                serde_json::json!(role.id())
            );
        }
        for state in [KeyState::Pending, KeyState::Approved, KeyState::Revoked] {
            assert_eq!(KeyState::from_id(state.id()), Some(state));
        }
        assert_eq!(Role::from_id("root"), None);
        assert_eq!(KeyState::from_id(""), None);
    }

    #[test]
    fn a_proof_holds_only_for_its_key_and_organisation() {
        let key = SigningKey::generate().expect("key");
        let other = SigningKey::generate().expect("key");
        let message = registration_message("acme-platform", &key.public());
        assert!(String::from_utf8(message.clone())
            .expect("utf-8")
            .starts_with("tenantry-key-registration-v1 acme-platform "));
        let proof = STANDARD.encode(key.sign(&message));
        assert!(proof_is_valid("acme-platform", &key.public(), &proof));
        assert!(!proof_is_valid("other-platform", &key.public(), &proof));
        assert!(!proof_is_valid("acme-platform", &other.public(), &proof));
        assert!(!proof_is_valid(
            "acme-platform",
            &key.public(),
            "not base64!"
        ));
    }

    #[test]
    fn tokens_are_random_and_stored_as_digests() {
        let token = new_token().expect("randomness");
        assert_eq!(token.len(), 64);
        assert_ne!(token, new_token().expect("randomness"));
        let digest = token_digest(&token);
        assert_eq!(digest.len(), 64);
        assert_ne!(digest, token);
        assert_eq!(digest, token_digest(&token));
    }
}
