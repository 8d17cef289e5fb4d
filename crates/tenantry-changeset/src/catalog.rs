//! The signed catalog: the platform's catalog (`tenantry_core::catalog::Catalog`) with a
//! version, a validity window and the organisation, signed by the platform key as a DSSE
//! envelope of its own payload type.
//!
//! It lives here, next to the change-set envelope, because it is the same kind of thing:
//! canonical JSON bytes under DSSE's PAE with strict ed25519. The payload type differs
//! ([`CATALOG_PAYLOAD_TYPE`]), and each verifier checks it before anything else, so a
//! signed catalog can never be read as a change set, nor a change set as a catalog.
//! The freshness rules (older version, expiry, not yet valid) are pure functions of the
//! document, the stored version and a clock given by the caller, so they are tested
//! here and applied the same way by every client.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tenantry_core::catalog::Catalog;
use tenantry_core::Timestamp;

use crate::envelope::{pae, Envelope, EnvelopeError, PayloadHash, Signature, MAX_SIGNATURES};
use crate::keys::{hex, KeyId, PublicKey, SigningKey};

pub const CATALOG_PAYLOAD_TYPE: &str = "application/vnd.tenantry.catalog+json";
pub const CATALOG_SCHEMA_VERSION: u32 = 1;
/// A catalog issued this little in the future still counts as valid: clocks of laptops
/// and servers disagree by seconds to minutes, and refusing a catalog the platform just
/// published because of that would only teach people to ignore the error.
pub const MAX_CLOCK_SKEW_MS: i64 = 5 * 60 * 1000;
/// Versions are stored as signed 64-bit integers by both database engines.
pub const MAX_CATALOG_VERSION: u64 = i64::MAX as u64;

/// What the platform key signs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CatalogDocument {
    pub schema_version: u32,
    /// The platform organisation this catalog is for; a client of another refuses it.
    pub organisation: String,
    /// Monotonic: a client never accepts a lower version than the one it holds.
    pub version: u64,
    pub issued_at: Timestamp,
    /// After this instant no client accepts (or should keep using) this catalog.
    pub expires_at: Timestamp,
    pub catalog: Catalog,
}

/// Why a signed catalog is refused. Each names what a person must know to act: the
/// version, the instants, the keys.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum CatalogError {
    #[error("the catalog envelope is not valid: {0}")]
    Envelope(EnvelopeError),
    #[error("payload type '{0}' is not a signed Tenantry catalog ({CATALOG_PAYLOAD_TYPE})")]
    PayloadType(String),
    #[error("the catalog is not signed by the platform key {expected} (signed by: {found})")]
    NotSignedByPlatformKey { expected: KeyId, found: String },
    #[error("the platform key's signature on the catalog does not verify: it was altered or signed with another key")]
    BadSignature,
    #[error("the signed catalog is not valid JSON of the expected shape: {0}")]
    Malformed(String),
    #[error(
        "the signed catalog is not in canonical form; it may have been re-encoded after signing"
    )]
    NotCanonical,
    #[error("signed catalog schema version {found} is not supported; this Tenantry reads version {CATALOG_SCHEMA_VERSION}")]
    SchemaVersion { found: u32 },
    #[error("the catalog's organisation is empty")]
    NoOrganisation,
    #[error("catalog version {0} is out of range: versions run from 1 to {MAX_CATALOG_VERSION}")]
    BadVersion(u64),
    #[error("catalog version {version} expires ({expires_at}) before or when it is issued ({issued_at})")]
    EmptyValidity {
        version: u64,
        issued_at: Timestamp,
        expires_at: Timestamp,
    },
    #[error("catalog version {version} is for organisation '{found}', not '{expected}'")]
    WrongOrganisation {
        version: u64,
        expected: String,
        found: String,
    },
    #[error("catalog version {version} expired at {expires_at} (it is now {now}); the platform must publish a fresh one")]
    Expired {
        version: u64,
        expires_at: Timestamp,
        now: Timestamp,
    },
    #[error("catalog version {version} is not valid yet: it is issued at {issued_at} and it is now {now}; check this machine's clock")]
    NotYetValid {
        version: u64,
        issued_at: Timestamp,
        now: Timestamp,
    },
    #[error(
        "catalog version {version} is older than version {stored}, which this mirror holds already"
    )]
    Older { version: u64, stored: u64 },
    #[error("catalog version {version} differs from the version {version} this mirror holds: one version has one content")]
    Conflicting { version: u64 },
}

impl From<EnvelopeError> for CatalogError {
    fn from(error: EnvelopeError) -> Self {
        Self::Envelope(error)
    }
}

impl CatalogDocument {
    /// A document for `organisation`, valid from `issued_at` until `expires_at`.
    pub fn new(
        organisation: &str,
        version: u64,
        issued_at: Timestamp,
        expires_at: Timestamp,
        catalog: Catalog,
    ) -> Result<Self, CatalogError> {
        let document = Self {
            schema_version: CATALOG_SCHEMA_VERSION,
            organisation: organisation.to_owned(),
            version,
            issued_at,
            expires_at,
            catalog,
        };
        document.check()?;
        Ok(document)
    }

    /// The fields every reader relies on, independent of any clock.
    pub fn check(&self) -> Result<(), CatalogError> {
        if self.schema_version != CATALOG_SCHEMA_VERSION {
            return Err(CatalogError::SchemaVersion {
                found: self.schema_version,
            });
        }
        if self.organisation.trim().is_empty() {
            return Err(CatalogError::NoOrganisation);
        }
        if self.version == 0 || self.version > MAX_CATALOG_VERSION {
            return Err(CatalogError::BadVersion(self.version));
        }
        if self.expires_at <= self.issued_at {
            return Err(CatalogError::EmptyValidity {
                version: self.version,
                issued_at: self.issued_at,
                expires_at: self.expires_at,
            });
        }
        Ok(())
    }

    /// The exact bytes that are signed: compact JSON, fields in a fixed order, maps sorted.
    pub fn to_payload(&self) -> Vec<u8> {
        // Strings, integers, timestamps and ordered maps: serialising cannot fail.
        serde_json::to_vec(self).unwrap_or_default()
    }

    /// Reads a payload, refusing any bytes that are not the canonical encoding of what
    /// they contain, so one catalog version has exactly one signed form.
    pub fn from_payload(bytes: &[u8]) -> Result<Self, CatalogError> {
        let document: Self = serde_json::from_slice(bytes)
            .map_err(|error| CatalogError::Malformed(error.to_string()))?;
        if document.to_payload() != bytes {
            return Err(CatalogError::NotCanonical);
        }
        document.check()?;
        Ok(document)
    }

    /// Signs the document with the platform key.
    pub fn sign(&self, key: &SigningKey) -> Envelope {
        let payload = self.to_payload();
        let signature = key.sign(&pae(CATALOG_PAYLOAD_TYPE, &payload));
        Envelope {
            payload: STANDARD.encode(&payload),
            payload_type: CATALOG_PAYLOAD_TYPE.to_owned(),
            signatures: vec![Signature {
                keyid: key.key_id().to_string(),
                sig: STANDARD.encode(signature),
            }],
        }
    }

    /// Refuses a catalog for another organisation, one past its expiry, or one issued
    /// later than `now` (beyond [`MAX_CLOCK_SKEW_MS`]).
    pub fn check_current(&self, organisation: &str, now: Timestamp) -> Result<(), CatalogError> {
        if self.organisation != organisation {
            return Err(CatalogError::WrongOrganisation {
                version: self.version,
                expected: organisation.to_owned(),
                found: self.organisation.clone(),
            });
        }
        if now >= self.expires_at {
            return Err(CatalogError::Expired {
                version: self.version,
                expires_at: self.expires_at,
                now,
            });
        }
        if self.issued_at.unix_millis() > now.unix_millis().saturating_add(MAX_CLOCK_SKEW_MS) {
            return Err(CatalogError::NotYetValid {
                version: self.version,
                issued_at: self.issued_at,
                now,
            });
        }
        Ok(())
    }

    /// True once `now` is at or past the expiry.
    pub fn is_expired(&self, now: Timestamp) -> bool {
        now >= self.expires_at
    }
}

/// A signed catalog whose platform-key signature verified.
#[derive(Clone, Debug, PartialEq)]
pub struct VerifiedCatalog {
    pub document: CatalogDocument,
    /// SHA-256 of the exact payload bytes.
    pub hash: PayloadHash,
    /// The platform key that signed it.
    pub key_id: KeyId,
}

/// What a newly verified catalog means next to the one a mirror holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Succession {
    /// Newer than the stored one (or nothing is stored): take it.
    Newer,
    /// Exactly the stored one again: nothing to do.
    Same,
}

/// Whether a catalog (`version`, payload `hash`) may follow the stored one. A lower
/// version is a rollback; the same version with other bytes is two catalogs claiming
/// one number. Both are refused.
pub fn check_succession(
    version: u64,
    hash: &PayloadHash,
    stored: Option<(u64, &PayloadHash)>,
) -> Result<Succession, CatalogError> {
    match stored {
        None => Ok(Succession::Newer),
        Some((stored, _)) if version > stored => Ok(Succession::Newer),
        Some((stored, stored_hash)) if version == stored => {
            if hash == stored_hash {
                Ok(Succession::Same)
            } else {
                Err(CatalogError::Conflicting { version })
            }
        }
        Some((stored, _)) => Err(CatalogError::Older { version, stored }),
    }
}

/// Verifies a signed catalog's envelope bytes against the platform key: the payload
/// type, the platform key's signature (strict ed25519 over PAE), the canonical payload.
/// Freshness is checked separately ([`CatalogDocument::check_current`]), since a stored
/// catalog is still read, and shown as expired, after its expiry.
pub fn verify_signed_catalog(
    envelope: &[u8],
    platform_key: &PublicKey,
) -> Result<VerifiedCatalog, CatalogError> {
    let envelope = Envelope::parse(envelope)?;
    if envelope.payload_type != CATALOG_PAYLOAD_TYPE {
        return Err(CatalogError::PayloadType(
            envelope.payload_type.chars().take(100).collect(),
        ));
    }
    if envelope.signatures.is_empty() {
        return Err(EnvelopeError::Unsigned.into());
    }
    if envelope.signatures.len() > MAX_SIGNATURES {
        return Err(EnvelopeError::TooManySignatures(envelope.signatures.len()).into());
    }
    let expected = platform_key.key_id();
    // Only the platform key's signature counts; any other is neither needed nor trusted.
    let mut by_platform = envelope
        .signatures
        .iter()
        .filter(|signature| signature.keyid == expected.as_str());
    let Some(signature) = by_platform.next() else {
        return Err(CatalogError::NotSignedByPlatformKey {
            expected,
            found: envelope
                .signatures
                .iter()
                .map(|signature| signature.keyid.chars().take(64).collect::<String>())
                .collect::<Vec<_>>()
                .join(", "),
        });
    };
    if by_platform.next().is_some() {
        return Err(EnvelopeError::DuplicateSigner(expected.to_string()).into());
    }
    let payload = envelope.payload_bytes()?;
    let sig = STANDARD
        .decode(&signature.sig)
        .ok()
        .filter(|bytes| STANDARD.encode(bytes) == signature.sig)
        .ok_or(EnvelopeError::Base64("signature"))?;
    if !platform_key.verify_strict(&pae(CATALOG_PAYLOAD_TYPE, &payload), &sig) {
        return Err(CatalogError::BadSignature);
    }
    let document = CatalogDocument::from_payload(&payload)?;
    Ok(VerifiedCatalog {
        document,
        hash: PayloadHash(hex(&Sha256::digest(&payload))),
        key_id: expected,
    })
}

/// [`verify_signed_catalog`], then [`CatalogDocument::check_current`]: what a client
/// runs on a catalog it has just fetched.
pub fn verify_fresh_catalog(
    envelope: &[u8],
    platform_key: &PublicKey,
    organisation: &str,
    now: Timestamp,
) -> Result<VerifiedCatalog, CatalogError> {
    let verified = verify_signed_catalog(envelope, platform_key)?;
    verified.document.check_current(organisation, now)?;
    Ok(verified)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::changeset::tests::{sample_changeset, sample_document};

    const DAY_MS: i64 = 24 * 60 * 60 * 1000;

    fn at(millis: i64) -> Timestamp {
        Timestamp::from_unix_millis(millis).expect("in range")
    }

    fn now() -> Timestamp {
        at(1_795_508_042_123)
    }

    fn document(version: u64) -> CatalogDocument {
        CatalogDocument::new(
            "acme",
            version,
            now(),
            at(now().unix_millis() + 30 * DAY_MS),
            Catalog::bundled(),
        )
        .expect("a valid document")
    }

    fn signed(version: u64) -> (SigningKey, Vec<u8>) {
        let key = SigningKey::generate().expect("key");
        let envelope = document(version).sign(&key).to_json();
        (key, envelope)
    }

    #[test]
    fn a_signed_catalog_verifies_against_the_platform_key_and_round_trips() {
        let (key, envelope) = signed(7);
        let verified =
            verify_fresh_catalog(&envelope, &key.public(), "acme", now()).expect("verifies");
        assert_eq!(verified.document, document(7));
        assert_eq!(verified.key_id, key.key_id());
        let parsed = Envelope::parse(&envelope).expect("envelope");
        assert_eq!(verified.hash, parsed.hash().expect("hash"));
        assert_eq!(parsed.payload_type, CATALOG_PAYLOAD_TYPE);
    }

    #[test]
    fn another_key_or_an_altered_payload_is_refused() {
        let (_, envelope) = signed(7);
        let stranger = SigningKey::generate().expect("key");
        assert!(matches!(
            verify_signed_catalog(&envelope, &stranger.public()),
            Err(CatalogError::NotSignedByPlatformKey { expected, .. }) if expected == stranger.key_id()
        ));

        let (key, envelope) = signed(7);
        let mut parsed = Envelope::parse(&envelope).expect("envelope");
        let mut payload = parsed.payload_bytes().expect("payload");
        let at = payload.len() / 2;
        payload[at] ^= 0x01;
        parsed.payload = STANDARD.encode(&payload);
        assert_eq!(
            verify_signed_catalog(&parsed.to_json(), &key.public()),
            Err(CatalogError::BadSignature)
        );

        // A signature by the platform key's id that another key made.
        let mut forged = Envelope::parse(&envelope).expect("envelope");
        forged.signatures[0].sig = STANDARD.encode(stranger.sign(b"anything"));
        assert_eq!(
            verify_signed_catalog(&forged.to_json(), &key.public()),
            Err(CatalogError::BadSignature)
        );
    }

    #[test]
    fn a_catalog_and_a_change_set_are_never_confused() {
        // A catalog envelope offered as a change set.
        let (key, envelope) = signed(3);
        let as_changeset = Envelope::parse(&envelope).expect("envelope");
        let known = key.public();
        assert!(matches!(
            as_changeset.verify(|id| (*id == known.key_id()).then(|| known.clone())),
            Err(EnvelopeError::PayloadType(found)) if found == CATALOG_PAYLOAD_TYPE
        ));

        // A change set signed by the platform key offered as a catalog.
        let changeset = sample_changeset(&sample_document(), key.key_id());
        let changeset_envelope = Envelope::sign(&changeset, &key).to_json();
        assert!(matches!(
            verify_signed_catalog(&changeset_envelope, &key.public()),
            Err(CatalogError::PayloadType(found)) if found == crate::PAYLOAD_TYPE
        ));

        // The change set's bytes relabelled as a catalog: the signature covers the type.
        let mut relabelled = Envelope::parse(&changeset_envelope).expect("envelope");
        relabelled.payload_type = CATALOG_PAYLOAD_TYPE.to_owned();
        assert_eq!(
            verify_signed_catalog(&relabelled.to_json(), &key.public()),
            Err(CatalogError::BadSignature)
        );
    }

    #[test]
    fn wrong_organisation_expired_and_not_yet_valid_are_refused_with_their_version() {
        let doc = document(9);
        assert_eq!(doc.check_current("acme", now()), Ok(()));
        let error = doc.check_current("globex", now()).expect_err("other org");
        assert!(matches!(
            error,
            CatalogError::WrongOrganisation { version: 9, .. }
        ));
        assert!(error.to_string().contains("'globex'"));

        let later = doc.expires_at;
        let error = doc.check_current("acme", later).expect_err("expired");
        assert!(matches!(error, CatalogError::Expired { version: 9, .. }));
        assert!(error.to_string().contains(&doc.expires_at.to_string()));
        assert!(doc.is_expired(later) && !doc.is_expired(now()));

        let slightly_behind = at(now().unix_millis() - MAX_CLOCK_SKEW_MS);
        assert_eq!(doc.check_current("acme", slightly_behind), Ok(()));
        let far_behind = at(now().unix_millis() - MAX_CLOCK_SKEW_MS - 1);
        let error = doc.check_current("acme", far_behind).expect_err("future");
        assert!(matches!(
            error,
            CatalogError::NotYetValid { version: 9, .. }
        ));
        assert!(error.to_string().contains(&doc.issued_at.to_string()));
    }

    #[test]
    fn documents_with_impossible_fields_are_never_made() {
        let catalog = Catalog::bundled;
        assert_eq!(
            CatalogDocument::new("acme", 0, now(), at(now().unix_millis() + 1), catalog()),
            Err(CatalogError::BadVersion(0))
        );
        assert_eq!(
            CatalogDocument::new(
                "acme",
                u64::MAX,
                now(),
                at(now().unix_millis() + 1),
                catalog()
            ),
            Err(CatalogError::BadVersion(u64::MAX))
        );
        assert!(matches!(
            CatalogDocument::new("acme", 1, now(), now(), catalog()),
            Err(CatalogError::EmptyValidity { version: 1, .. })
        ));
        assert_eq!(
            CatalogDocument::new(" ", 1, now(), at(now().unix_millis() + 1), catalog()),
            Err(CatalogError::NoOrganisation)
        );
    }

    #[test]
    fn only_the_canonical_payload_is_read() {
        let doc = document(2);
        let payload = doc.to_payload();
        assert_eq!(CatalogDocument::from_payload(&payload), Ok(doc.clone()));
        let mut pretty = serde_json::to_vec_pretty(&doc).expect("json");
        assert_eq!(
            CatalogDocument::from_payload(&pretty),
            Err(CatalogError::NotCanonical)
        );
        pretty.truncate(10);
        assert!(matches!(
            CatalogDocument::from_payload(&pretty),
            Err(CatalogError::Malformed(_))
        ));
        // Canonical bytes (fields in declaration order) with one field changed.
        let text = String::from_utf8(payload).expect("utf-8");
        let future = text.replacen("\"schema_version\":1", "\"schema_version\":2", 1);
        assert_eq!(
            CatalogDocument::from_payload(future.as_bytes()),
            Err(CatalogError::SchemaVersion { found: 2 })
        );
        let extra = format!("{},\"extra\":true}}", &text[..text.len() - 1]);
        assert!(matches!(
            CatalogDocument::from_payload(extra.as_bytes()),
            Err(CatalogError::Malformed(message)) if message.contains("extra")
        ));
    }

    #[test]
    fn a_rollback_or_a_second_content_for_one_version_is_refused() {
        let one = PayloadHash("a".repeat(64));
        let other = PayloadHash("b".repeat(64));
        assert_eq!(check_succession(1, &one, None), Ok(Succession::Newer));
        assert_eq!(
            check_succession(5, &one, Some((4, &other))),
            Ok(Succession::Newer)
        );
        assert_eq!(
            check_succession(4, &one, Some((4, &one))),
            Ok(Succession::Same)
        );
        assert_eq!(
            check_succession(4, &one, Some((4, &other))),
            Err(CatalogError::Conflicting { version: 4 })
        );
        let error = check_succession(3, &one, Some((4, &other))).expect_err("older");
        assert_eq!(
            error,
            CatalogError::Older {
                version: 3,
                stored: 4
            }
        );
        assert!(error.to_string().contains("version 3") && error.to_string().contains("version 4"));
    }

    #[test]
    fn unsigned_and_doubly_signed_envelopes_are_refused() {
        let (key, envelope) = signed(1);
        let mut unsigned = Envelope::parse(&envelope).expect("envelope");
        unsigned.signatures.clear();
        assert_eq!(
            verify_signed_catalog(&unsigned.to_json(), &key.public()),
            Err(CatalogError::Envelope(EnvelopeError::Unsigned))
        );
        let mut twice = Envelope::parse(&envelope).expect("envelope");
        twice.signatures.push(twice.signatures[0].clone());
        assert!(matches!(
            verify_signed_catalog(&twice.to_json(), &key.public()),
            Err(CatalogError::Envelope(EnvelopeError::DuplicateSigner(_)))
        ));
        // A co-signature by someone else does not stop the platform's from counting.
        let mut co_signed = Envelope::parse(&envelope).expect("envelope");
        co_signed
            .co_sign(&SigningKey::generate().expect("key"))
            .expect("co-sign");
        assert!(verify_signed_catalog(&co_signed.to_json(), &key.public()).is_ok());
        assert!(matches!(
            verify_signed_catalog(b"{", &key.public()),
            Err(CatalogError::Envelope(EnvelopeError::Malformed(_)))
        ));
    }
}
