//! DSSE envelopes (https://github.com/secure-systems-lab/dsse): the payload, its type,
//! and ed25519 signatures over `PAE(type, payload)`. The change set's hash is the
//! SHA-256 of the exact payload bytes.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::changeset::{ChangeSet, ChangeSetError};
use crate::keys::{hex, KeyId, PublicKey, SigningKey};

pub const PAYLOAD_TYPE: &str = "application/vnd.tenantry.changeset+json";
/// Larger envelopes are refused before parsing.
pub const MAX_ENVELOPE_BYTES: usize = 4 * 1024 * 1024;
/// A change set carries its author's signature and a few approvals, never dozens.
pub const MAX_SIGNATURES: usize = 16;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Envelope {
    /// Standard base64 (with padding) of the payload bytes.
    pub payload: String,
    #[serde(rename = "payloadType")]
    pub payload_type: String,
    pub signatures: Vec<Signature>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Signature {
    pub keyid: String,
    /// Standard base64 (with padding) of the 64-byte ed25519 signature.
    pub sig: String,
}

/// SHA-256 (lowercase hex) of a payload: the change set's identity in the hash chain.
#[derive(
    Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, specta::Type,
)]
#[serde(transparent)]
pub struct PayloadHash(pub String);

impl std::fmt::Display for PayloadHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum EnvelopeError {
    #[error("the envelope is {0} bytes; the limit is {MAX_ENVELOPE_BYTES}")]
    TooLarge(usize),
    #[error("the envelope is not DSSE JSON: {0}")]
    Malformed(String),
    #[error("payload type '{0}' is not a Tenantry change set ({PAYLOAD_TYPE})")]
    PayloadType(String),
    #[error("the {0} is not canonical base64 (standard alphabet, with padding)")]
    Base64(&'static str),
    #[error("the envelope has no signature")]
    Unsigned,
    #[error("the envelope has {0} signatures; the limit is {MAX_SIGNATURES}")]
    TooManySignatures(usize),
    #[error("two signatures are by the same key {0}")]
    DuplicateSigner(String),
    #[error("signature {index} names key '{keyid}', which is not a valid key id")]
    BadKeyId { index: usize, keyid: String },
    #[error("signature {index} is by key {keyid}, which is not a known key")]
    UnknownKey { index: usize, keyid: String },
    #[error("signature {index} by key {keyid} does not verify: the envelope was altered or signed with another key")]
    BadSignature { index: usize, keyid: String },
    #[error("the change set is not signed by its author {0}")]
    AuthorMissing(String),
    #[error(transparent)]
    ChangeSet(#[from] ChangeSetError),
}

/// DSSE's pre-authentication encoding: `"DSSEv1" SP len(type) SP type SP len(payload) SP payload`.
pub fn pae(payload_type: &str, payload: &[u8]) -> Vec<u8> {
    let mut out = format!(
        "DSSEv1 {} {} {} ",
        payload_type.len(),
        payload_type,
        payload.len()
    )
    .into_bytes();
    out.extend_from_slice(payload);
    out
}

/// Decodes base64 and refuses any encoding other than the one standard form of the bytes.
fn decode_canonical(text: &str, what: &'static str) -> Result<Vec<u8>, EnvelopeError> {
    let bytes = STANDARD
        .decode(text)
        .map_err(|_| EnvelopeError::Base64(what))?;
    if STANDARD.encode(&bytes) != text {
        return Err(EnvelopeError::Base64(what));
    }
    Ok(bytes)
}

/// A change set whose every signature verified, with who signed it.
#[derive(Clone, Debug, PartialEq)]
pub struct VerifiedChangeSet {
    pub changeset: ChangeSet,
    pub hash: PayloadHash,
    /// Key ids of all signers, the author first.
    pub signers: Vec<KeyId>,
}

impl Envelope {
    /// Signs `changeset` with `key` (the author's).
    pub fn sign(changeset: &ChangeSet, key: &SigningKey) -> Self {
        let payload = changeset.to_payload();
        let signature = key.sign(&pae(PAYLOAD_TYPE, &payload));
        Self {
            payload: STANDARD.encode(&payload),
            payload_type: PAYLOAD_TYPE.to_owned(),
            signatures: vec![Signature {
                keyid: key.key_id().to_string(),
                sig: STANDARD.encode(signature),
            }],
        }
    }

    /// Adds a co-signature (an approval) over the same bytes.
    pub fn co_sign(&mut self, key: &SigningKey) -> Result<(), EnvelopeError> {
        let payload = self.payload_bytes()?;
        let keyid = key.key_id().to_string();
        if self
            .signatures
            .iter()
            .any(|signature| signature.keyid == keyid)
        {
            return Err(EnvelopeError::DuplicateSigner(keyid));
        }
        let signature = key.sign(&pae(&self.payload_type, &payload));
        self.signatures.push(Signature {
            keyid,
            sig: STANDARD.encode(signature),
        });
        Ok(())
    }

    /// Parses envelope JSON, refusing oversized input and unknown fields.
    pub fn parse(bytes: &[u8]) -> Result<Self, EnvelopeError> {
        if bytes.len() > MAX_ENVELOPE_BYTES {
            return Err(EnvelopeError::TooLarge(bytes.len()));
        }
        serde_json::from_slice(bytes).map_err(|error| EnvelopeError::Malformed(error.to_string()))
    }

    pub fn to_json(&self) -> Vec<u8> {
        serde_json::to_vec_pretty(self).unwrap_or_default()
    }

    pub fn payload_bytes(&self) -> Result<Vec<u8>, EnvelopeError> {
        decode_canonical(&self.payload, "payload")
    }

    /// SHA-256 of the exact payload bytes.
    pub fn hash(&self) -> Result<PayloadHash, EnvelopeError> {
        Ok(PayloadHash(hex(&Sha256::digest(self.payload_bytes()?))))
    }

    /// Verifies every signature strictly against the keys `lookup` knows, and that the
    /// change set's author is among the signers. Nothing is trusted before this passes.
    pub fn verify(
        &self,
        lookup: impl Fn(&KeyId) -> Option<PublicKey>,
    ) -> Result<VerifiedChangeSet, EnvelopeError> {
        if self.payload_type != PAYLOAD_TYPE {
            return Err(EnvelopeError::PayloadType(
                self.payload_type.chars().take(100).collect(),
            ));
        }
        if self.signatures.is_empty() {
            return Err(EnvelopeError::Unsigned);
        }
        if self.signatures.len() > MAX_SIGNATURES {
            return Err(EnvelopeError::TooManySignatures(self.signatures.len()));
        }
        let payload = self.payload_bytes()?;
        let message = pae(&self.payload_type, &payload);
        let mut signers: Vec<KeyId> = Vec::with_capacity(self.signatures.len());
        for (index, signature) in self.signatures.iter().enumerate() {
            let keyid = KeyId::parse(&signature.keyid).map_err(|_| EnvelopeError::BadKeyId {
                index,
                keyid: signature.keyid.chars().take(80).collect(),
            })?;
            if signers.contains(&keyid) {
                return Err(EnvelopeError::DuplicateSigner(keyid.to_string()));
            }
            let key = lookup(&keyid).ok_or_else(|| EnvelopeError::UnknownKey {
                index,
                keyid: keyid.to_string(),
            })?;
            let sig = decode_canonical(&signature.sig, "signature")?;
            if key.key_id() != keyid || !key.verify_strict(&message, &sig) {
                return Err(EnvelopeError::BadSignature {
                    index,
                    keyid: keyid.to_string(),
                });
            }
            signers.push(keyid);
        }
        let changeset = ChangeSet::from_payload(&payload)?;
        let Some(author_at) = signers
            .iter()
            .position(|signer| *signer == changeset.author)
        else {
            return Err(EnvelopeError::AuthorMissing(changeset.author.to_string()));
        };
        signers.swap(0, author_at);
        Ok(VerifiedChangeSet {
            hash: PayloadHash(hex(&Sha256::digest(&payload))),
            changeset,
            signers,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::changeset::tests::{sample_changeset, sample_document};

    fn keyring(keys: &[&SigningKey]) -> impl Fn(&KeyId) -> Option<PublicKey> {
        let known: Vec<PublicKey> = keys.iter().map(|key| key.public()).collect();
        move |id| known.iter().find(|key| key.key_id() == *id).cloned()
    }

    fn signed() -> (SigningKey, Envelope) {
        let key = SigningKey::generate().expect("key");
        let changeset = sample_changeset(&sample_document(), key.key_id());
        let envelope = Envelope::sign(&changeset, &key);
        (key, envelope)
    }

    #[test]
    fn pae_matches_the_dsse_spec_example() {
        assert_eq!(
            pae("http://example.com/HelloWorld", b"hello world"),
            b"DSSEv1 29 http://example.com/HelloWorld 11 hello world".to_vec()
        );
    }

    #[test]
    fn a_signed_envelope_verifies_and_names_its_author() {
        let (key, envelope) = signed();
        let parsed = Envelope::parse(&envelope.to_json()).expect("parses");
        let verified = parsed.verify(keyring(&[&key])).expect("verifies");
        assert_eq!(verified.signers, vec![key.key_id()]);
        assert_eq!(verified.hash, envelope.hash().expect("hash"));
        assert_eq!(verified.hash.0.len(), 64);
    }

    #[test]
    fn any_flipped_payload_byte_fails_verification() {
        let (key, envelope) = signed();
        let payload = envelope.payload_bytes().expect("payload");
        for position in [0, payload.len() / 2, payload.len() - 1] {
            let mut altered = payload.clone();
            altered[position] ^= 0x01;
            let mut tampered = envelope.clone();
            tampered.payload = STANDARD.encode(&altered);
            assert!(
                matches!(
                    tampered.verify(keyring(&[&key])),
                    Err(EnvelopeError::BadSignature { .. })
                ),
                "byte {position}"
            );
        }
    }

    #[test]
    fn unknown_keys_other_types_and_sloppy_base64_are_refused() {
        let (key, envelope) = signed();
        let stranger = SigningKey::generate().expect("key");
        assert!(matches!(
            envelope.verify(keyring(&[&stranger])),
            Err(EnvelopeError::UnknownKey { .. })
        ));

        let mut other_type = envelope.clone();
        other_type.payload_type = "application/json".into();
        assert!(matches!(
            other_type.verify(keyring(&[&key])),
            Err(EnvelopeError::PayloadType(_))
        ));

        let mut unpadded = envelope.clone();
        unpadded.payload = unpadded.payload.trim_end_matches('=').to_owned();
        if unpadded.payload != envelope.payload {
            assert_eq!(
                unpadded.verify(keyring(&[&key])),
                Err(EnvelopeError::Base64("payload"))
            );
        }
        let mut unsigned = envelope.clone();
        unsigned.signatures.clear();
        assert_eq!(
            unsigned.verify(keyring(&[&key])),
            Err(EnvelopeError::Unsigned)
        );

        let truncated = &envelope.to_json()[..40];
        assert!(matches!(
            Envelope::parse(truncated),
            Err(EnvelopeError::Malformed(_))
        ));
        assert!(matches!(
            Envelope::parse(&vec![b' '; MAX_ENVELOPE_BYTES + 1]),
            Err(EnvelopeError::TooLarge(_))
        ));
        let extra = br#"{"payload":"","payloadType":"x","signatures":[],"extra":1}"#;
        assert!(matches!(
            Envelope::parse(extra),
            Err(EnvelopeError::Malformed(_))
        ));
    }

    #[test]
    fn co_signatures_verify_and_the_author_must_sign() {
        let (author, mut envelope) = signed();
        let reviewer = SigningKey::generate().expect("key");
        envelope.co_sign(&reviewer).expect("co-sign");
        assert!(matches!(
            envelope.co_sign(&reviewer),
            Err(EnvelopeError::DuplicateSigner(_))
        ));
        let verified = envelope
            .verify(keyring(&[&author, &reviewer]))
            .expect("verifies");
        assert_eq!(verified.signers, vec![author.key_id(), reviewer.key_id()]);

        // Signed only by someone other than the change set's author.
        let mut not_by_author = envelope.clone();
        not_by_author.signatures.remove(0);
        assert!(matches!(
            not_by_author.verify(keyring(&[&author, &reviewer])),
            Err(EnvelopeError::AuthorMissing(_))
        ));
    }
}
