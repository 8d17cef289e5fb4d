use serde::{Deserialize, Serialize};
use tenantry_changeset::keys::KeyId;
use tenantry_changeset::{PublicKey, SigningKey};

/// What the old key signs when it endorses its successor.
pub const ENDORSEMENT_CONTEXT: &str = "tenantry-key-rotation-v1";

/// The old key's statement that the new key replaces it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Endorsement {
    pub old_key_id: KeyId,
    pub new_key_id: KeyId,
    /// Hex of the new public key.
    pub new_public_key: String,
    /// Hex of the old key's ed25519 signature over [`Endorsement::message`].
    pub signature: String,
}

impl Endorsement {
    pub fn new(old: &SigningKey, new: &PublicKey) -> Self {
        let message = Self::message(&old.key_id(), &new.key_id());
        Self {
            old_key_id: old.key_id(),
            new_key_id: new.key_id(),
            new_public_key: new.to_hex(),
            signature: old
                .sign(&message)
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect(),
        }
    }

    /// `tenantry-key-rotation-v1 <old key id> <new key id>`.
    pub fn message(old: &KeyId, new: &KeyId) -> Vec<u8> {
        format!("{ENDORSEMENT_CONTEXT} {old} {new}").into_bytes()
    }

    /// True when `old` signed this endorsement and the new key matches its id.
    pub fn verify(&self, old: &PublicKey) -> bool {
        let Ok(new) = PublicKey::from_hex(&self.new_public_key) else {
            return false;
        };
        let signature: Option<Vec<u8>> = (0..self.signature.len())
            .step_by(2)
            .map(|i| {
                self.signature
                    .get(i..i + 2)
                    .and_then(|pair| u8::from_str_radix(pair, 16).ok())
            })
            .collect();
        old.key_id() == self.old_key_id
            && new.key_id() == self.new_key_id
            && signature.is_some_and(|sig| {
                old.verify_strict(&Self::message(&self.old_key_id, &self.new_key_id), &sig)
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_old_key_endorses_the_new_one() {
        let old = SigningKey::generate().expect("key");
        let new = SigningKey::generate().expect("key");
        let endorsement = Endorsement::new(&old, &new.public());
        assert!(endorsement.verify(&old.public()));
        assert!(
            !endorsement.verify(&new.public()),
            "only the old key's signature counts"
        );
        let mut forged = endorsement.clone();
        forged.new_public_key = SigningKey::generate().expect("key").public().to_hex();
        assert!(
            !forged.verify(&old.public()),
            "swapping in another new key breaks it"
        );
    }
}
