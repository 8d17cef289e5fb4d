//! ed25519 keys and their ids. A key id is the SHA-256 (hex) of the public key in
//! securesystemslib's canonical form, so envelopes verify there unchanged.

use std::fmt;

use ed25519_dalek::Signer;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

/// A key id: 64 lowercase hex characters.
#[derive(
    Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, specta::Type,
)]
#[serde(try_from = "String", into = "String")]
pub struct KeyId(String);

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    #[error("'{0}' is not a key id: expected 64 lowercase hex characters")]
    BadKeyId(String),
    #[error("not an ed25519 public key: expected 64 hex characters of a valid curve point")]
    BadPublicKey,
    #[error("not an ed25519 private key: expected 32 bytes")]
    BadPrivateKey,
    #[error("the operating system could not provide randomness for a new key: {0}")]
    Randomness(String),
}

pub(crate) fn is_lower_hex(text: &str, len: usize) -> bool {
    text.len() == len && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).ok())
        .collect()
}

impl KeyId {
    pub fn parse(text: &str) -> Result<Self, KeyError> {
        if is_lower_hex(text, 64) {
            Ok(Self(text.to_owned()))
        } else {
            Err(KeyError::BadKeyId(text.chars().take(80).collect()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for KeyId {
    type Error = KeyError;
    fn try_from(text: String) -> Result<Self, Self::Error> {
        Self::parse(&text)
    }
}

impl From<KeyId> for String {
    fn from(id: KeyId) -> Self {
        id.0
    }
}

/// A public key that can verify signatures.
#[derive(Clone, PartialEq, Eq)]
pub struct PublicKey(ed25519_dalek::VerifyingKey);

impl PublicKey {
    pub fn from_hex(text: &str) -> Result<Self, KeyError> {
        let bytes: [u8; 32] = unhex(text)
            .and_then(|bytes| bytes.try_into().ok())
            .ok_or(KeyError::BadPublicKey)?;
        ed25519_dalek::VerifyingKey::from_bytes(&bytes)
            .map(Self)
            .map_err(|_| KeyError::BadPublicKey)
    }

    pub fn to_hex(&self) -> String {
        hex(self.0.as_bytes())
    }

    /// The key as securesystemslib describes it (`SSlibKey.from_dict`).
    pub fn to_securesystemslib(&self) -> serde_json::Value {
        serde_json::json!({
            "keytype": "ed25519",
            "scheme": "ed25519",
            "keyval": { "public": self.to_hex() },
        })
    }

    /// SHA-256 of the canonical JSON of [`Self::to_securesystemslib`] (sorted keys, no spaces).
    pub fn key_id(&self) -> KeyId {
        // serde_json's default map is ordered by key, and to_vec adds no whitespace:
        // exactly the canonical form securesystemslib hashes.
        let canonical = serde_json::to_vec(&self.to_securesystemslib()).unwrap_or_default();
        KeyId(hex(&Sha256::digest(canonical)))
    }

    /// Strict verification: rejects malleable and small-order signatures and keys.
    pub fn verify_strict(&self, message: &[u8], signature: &[u8]) -> bool {
        let Ok(bytes) = <[u8; 64]>::try_from(signature) else {
            return false;
        };
        let signature = ed25519_dalek::Signature::from_bytes(&bytes);
        self.0.verify_strict(message, &signature).is_ok()
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PublicKey({})", self.key_id())
    }
}

/// A private signing key. Never printed, serialised or logged; its bytes are wiped
/// from memory when it is dropped.
pub struct SigningKey(ed25519_dalek::SigningKey);

impl SigningKey {
    /// A new key from the operating system's randomness.
    pub fn generate() -> Result<Self, KeyError> {
        let mut seed = Zeroizing::new([0u8; 32]);
        getrandom::fill(seed.as_mut()).map_err(|error| KeyError::Randomness(error.to_string()))?;
        Ok(Self(ed25519_dalek::SigningKey::from_bytes(&seed)))
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<Self, KeyError> {
        let seed: [u8; 32] = bytes.try_into().map_err(|_| KeyError::BadPrivateKey)?;
        let seed = Zeroizing::new(seed);
        Ok(Self(ed25519_dalek::SigningKey::from_bytes(&seed)))
    }

    /// The 32 secret bytes, for storing in the OS keyring.
    pub fn to_bytes(&self) -> Zeroizing<[u8; 32]> {
        Zeroizing::new(self.0.to_bytes())
    }

    pub fn public(&self) -> PublicKey {
        PublicKey(self.0.verifying_key())
    }

    pub fn key_id(&self) -> KeyId {
        self.public().key_id()
    }

    pub fn sign(&self, message: &[u8]) -> [u8; 64] {
        self.0.sign(message).to_bytes()
    }
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SigningKey({}, secret not shown)", self.key_id())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_ids_follow_securesystemslib() {
        // RFC 8032 test vector 1: the public key for the all-zero-prefixed secret below.
        let secret =
            unhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60").expect("hex");
        let key = SigningKey::from_bytes(&secret).expect("32 bytes");
        assert_eq!(
            key.public().to_hex(),
            "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
        );
        let canonical = r#"{"keytype":"ed25519","keyval":{"public":"d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"},"scheme":"ed25519"}"#;
        assert_eq!(
            key.key_id().as_str(),
            hex(&Sha256::digest(canonical.as_bytes()))
        );
    }

    #[test]
    fn signatures_verify_only_for_their_message_and_key() {
        let key = SigningKey::generate().expect("randomness");
        let other = SigningKey::generate().expect("randomness");
        let signature = key.sign(b"hello");
        assert!(key.public().verify_strict(b"hello", &signature));
        assert!(!key.public().verify_strict(b"hellO", &signature));
        assert!(!other.public().verify_strict(b"hello", &signature));
        assert!(!key.public().verify_strict(b"hello", &signature[..63]));
    }

    #[test]
    fn keys_round_trip_and_never_print_their_secret() {
        let key = SigningKey::generate().expect("randomness");
        let again = SigningKey::from_bytes(key.to_bytes().as_ref()).expect("32 bytes");
        assert_eq!(again.key_id(), key.key_id());
        let shown = format!("{key:?}");
        assert!(
            shown.contains("secret not shown") && !shown.contains(&hex(key.to_bytes().as_ref()))
        );
        assert_eq!(
            PublicKey::from_hex(&key.public().to_hex()).expect("hex"),
            key.public()
        );
        assert!(PublicKey::from_hex("zz").is_err());
        assert!(SigningKey::from_bytes(&[0u8; 31]).is_err());
    }

    #[test]
    fn key_ids_are_checked() {
        assert!(KeyId::parse(&"a".repeat(64)).is_ok());
        assert!(KeyId::parse(&"A".repeat(64)).is_err());
        assert!(KeyId::parse("abc").is_err());
    }
}
