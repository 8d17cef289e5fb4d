//! Audit bundles: a tenant's (or a date range's) signed history taken out of a mirror,
//! signed by whoever exported it, so anyone can check it offline, byte for byte.
//!
//! A bundle holds every change-set envelope exactly as the mirror stored it (standard
//! base64 of the original bytes), the chain proof per tenant (each link's sequence
//! number, hash, parent and environment, the head at export, and for a range that starts
//! mid-chain the anchor: the link just before it), the public keys needed to check it,
//! and the exporter's ed25519 signature over DSSE's PAE of the canonical body bytes
//! under its own payload type ([`AUDIT_PAYLOAD_TYPE`]), so a bundle can never be read as
//! a change set nor a change set as a bundle.
//!
//! Verification trusts no key because the bundle carries it: keys the bundle carries
//! are used to tell a bad signature from a good one by an unknown signer, and every
//! signer that is not among the caller's trusted keys is reported as a problem.
//! The format is documented for other implementations in `docs/audit.md`.

use std::collections::{BTreeMap, HashMap, HashSet};

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde::{Deserialize, Serialize};
use tenantry_core::tenant::TenantId;
use tenantry_core::Timestamp;

use crate::changeset::Environment;
use crate::envelope::{pae, Envelope, EnvelopeError, PayloadHash, Signature};
use crate::keys::{is_lower_hex, KeyId, PublicKey, SigningKey};

/// The `kind` that tells an audit bundle from a change-set envelope.
pub const AUDIT_KIND: &str = "tenantry.audit-bundle";
pub const AUDIT_VERSION: u32 = 1;
/// The DSSE payload type the exporter signs the body under.
pub const AUDIT_PAYLOAD_TYPE: &str = "application/vnd.tenantry.audit-bundle+json";
/// Larger bundles are refused before parsing (and never built). A year of a busy
/// mirror is far below this; reading one at the limit needs about 1 GiB of memory.
pub const MAX_BUNDLE_BYTES: usize = 256 * 1024 * 1024;

/// What was exported: one tenant, a range of creation times, or both. An empty scope
/// is the whole mirror.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditScope {
    pub tenant: Option<TenantId>,
    /// Change sets created at or after this instant.
    pub created_from: Option<Timestamp>,
    /// Change sets created strictly before this instant.
    pub created_before: Option<Timestamp>,
}

impl AuditScope {
    /// Whether a change set created at `created_at` falls in the date range.
    pub fn covers(&self, created_at: Timestamp) -> bool {
        self.created_from.is_none_or(|from| created_at >= from)
            && self.created_before.is_none_or(|before| created_at < before)
    }

    /// The scope in words, e.g. "tenant …, whole history".
    pub fn describe(&self) -> String {
        let tenant = self
            .tenant
            .as_ref()
            .map_or("every tenant".to_owned(), |id| format!("tenant {id}"));
        match (self.created_from, self.created_before) {
            (None, None) => format!("{tenant}, whole history"),
            (from, before) => format!(
                "{tenant}, created from {} until before {}",
                from.map_or("the start".to_owned(), |t| t.to_string()),
                before.map_or("the export".to_owned(), |t| t.to_string()),
            ),
        }
    }
}

/// One link of a tenant's chain: its sequence number in the mirror and its hash.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChainLink {
    pub seq: u64,
    pub hash: PayloadHash,
}

/// A change set as the bundle lists it: the chain proof and the envelope itself.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BundledChangeSet {
    pub seq: u64,
    pub hash: PayloadHash,
    pub parent: Option<PayloadHash>,
    pub environment: Environment,
    /// Standard base64 (with padding) of the envelope bytes exactly as stored.
    pub envelope: String,
}

/// One tenant's part of the bundle.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TenantChain {
    pub tenant: TenantId,
    /// The tenant's slug at export, for people.
    pub slug: String,
    /// The tenant's newest change set in the mirror at export.
    pub head: ChainLink,
    /// The change set just before the first one included, when the range starts mid-chain.
    pub anchor: Option<ChainLink>,
    /// Oldest first, consecutive.
    pub changesets: Vec<BundledChangeSet>,
}

/// Everything the exporter signs. Its canonical form (compact JSON, fields in this
/// order, keys sorted) is the signed payload.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditBody {
    pub kind: String,
    pub version: u32,
    pub scope: AuditScope,
    pub exported_at: Timestamp,
    /// Key id of the exporter's signing key.
    pub exporter: KeyId,
    /// Key id → public key (64 hex) of the exporter and every signer. Carried, not trusted.
    pub keys: BTreeMap<KeyId, String>,
    pub tenants: Vec<TenantChain>,
}

impl AuditBody {
    /// The exact bytes that are signed.
    pub fn to_payload(&self) -> Vec<u8> {
        // Strings, integers, timestamps and ordered maps: serialising cannot fail.
        serde_json::to_vec(self).unwrap_or_default()
    }
}

/// The file: DSSE's fields next to `kind` and `version`, so a reader can tell a bundle
/// from an envelope before anything else.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct BundleFile {
    kind: String,
    version: u32,
    #[serde(rename = "payloadType")]
    payload_type: String,
    payload: String,
    signatures: Vec<Signature>,
}

/// Just the `kind`, to tell a bundle from an envelope.
#[derive(Deserialize)]
struct KindOnly {
    kind: Option<String>,
}

/// What the exporter hands to [`AuditBundle::build`]: envelopes as the mirror stores them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditExport {
    pub scope: AuditScope,
    pub exported_at: Timestamp,
    pub tenants: Vec<TenantExport>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TenantExport {
    pub tenant: TenantId,
    pub slug: String,
    pub head: ChainLink,
    pub anchor: Option<ChainLink>,
    pub changesets: Vec<StoredChangeSet>,
}

/// A stored change set: its sequence number and its exact envelope bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredChangeSet {
    pub seq: u64,
    pub envelope: Vec<u8>,
}

/// Why a bundle cannot be read or built. What a readable bundle gets wrong is an
/// [`AuditProblem`] in the report instead.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum AuditError {
    #[error("the audit bundle is {0} bytes; the limit is {MAX_BUNDLE_BYTES}")]
    TooLarge(usize),
    #[error("the audit bundle is not valid JSON of the expected shape: {0}")]
    Malformed(String),
    #[error("this is not an audit bundle (kind '{0}', expected '{AUDIT_KIND}')")]
    NotABundle(String),
    #[error(
        "audit bundle version {0} is not supported; this Tenantry reads version {AUDIT_VERSION}"
    )]
    Version(u32),
    #[error("payload type '{0}' is not a Tenantry audit bundle ({AUDIT_PAYLOAD_TYPE})")]
    PayloadType(String),
    #[error("an audit bundle carries exactly one signature (its exporter's); this one has {0}")]
    Signatures(usize),
    #[error("the bundle's {0} is not canonical base64 (standard alphabet, with padding)")]
    Base64(&'static str),
    #[error("the bundle's signed body is not in canonical form; it was re-encoded or edited after signing")]
    NotCanonical,
    #[error("the signed body says kind '{kind}' version {version}, but the file says otherwise")]
    KindMismatch { kind: String, version: u32 },
    #[error("tenant {tenant}: stored change set #{seq} does not verify ({error}); run `tenantry verify-mirror`")]
    Source {
        tenant: TenantId,
        seq: u64,
        error: Box<EnvelopeError>,
    },
    #[error("the export would not verify, so none was written: {0}")]
    Inconsistent(String),
}

/// What kind of thing is wrong, for programs to branch on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ProblemKind {
    /// The exporter's signature is missing, malformed or does not verify.
    BundleSignature,
    /// A key that signed (a change set or the bundle) is not trusted by the caller.
    UntrustedKey,
    /// A key the bundle carries does not match its key id.
    BadKey,
    /// A change set's envelope does not parse or its signatures do not verify.
    Envelope,
    /// The envelope's payload hash is not the hash the bundle lists for it.
    HashMismatch,
    /// The listed parent, environment or tenant differs from the signed change set.
    ListingMismatch,
    /// A change set does not name the previous one (or appears twice).
    BrokenLink,
    /// Sequence numbers are not consecutive: something is missing or reordered.
    SeqGap,
    /// The first change set of a range does not follow the anchor.
    Anchor,
    /// The head at export contradicts the included change sets.
    Head,
    /// A tenant or change set outside the scope the bundle claims.
    Scope,
}

/// One thing wrong with a bundle, with where it is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AuditProblem {
    pub kind: ProblemKind,
    pub tenant: Option<TenantId>,
    pub seq: Option<u64>,
    pub message: String,
}

impl std::fmt::Display for AuditProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (&self.tenant, self.seq) {
            (Some(tenant), Some(seq)) => write!(f, "tenant {tenant}, #{seq}: {}", self.message),
            (Some(tenant), None) => write!(f, "tenant {tenant}: {}", self.message),
            _ => f.write_str(&self.message),
        }
    }
}

/// One change set as verification found it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AuditEntry {
    pub seq: u64,
    pub hash: PayloadHash,
    pub environment: Environment,
    /// From the signed change set; absent when its envelope did not verify.
    pub id: Option<String>,
    pub summary: Option<String>,
    pub created_at: Option<Timestamp>,
    pub author: Option<KeyId>,
    /// Approvals: every signer other than the author.
    pub co_signers: Vec<KeyId>,
    /// Every signature verified against a key, trusted or not.
    pub signatures_valid: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TenantReport {
    pub tenant: TenantId,
    pub slug: String,
    pub changesets: usize,
    pub anchor: Option<ChainLink>,
    pub head: ChainLink,
    pub entries: Vec<AuditEntry>,
}

/// A key that signed something in the bundle.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SignerSummary {
    pub key_id: KeyId,
    pub trusted: bool,
    pub exported: bool,
    pub authored: usize,
    pub co_signed: usize,
}

/// What verifying a bundle found. It is valid only when `problems` is empty.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AuditReport {
    pub scope: AuditScope,
    pub exported_at: Timestamp,
    pub exporter: KeyId,
    pub bundle_signature_valid: bool,
    pub tenants: Vec<TenantReport>,
    pub changesets: usize,
    pub signers: Vec<SignerSummary>,
    pub problems: Vec<AuditProblem>,
}

impl AuditReport {
    pub fn is_valid(&self) -> bool {
        self.problems.is_empty()
    }
}

/// A parsed audit bundle: its body and the exact bytes its signature covers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditBundle {
    body: AuditBody,
    payload: Vec<u8>,
    signature: Signature,
}

/// Decodes base64, refusing any encoding other than the one standard form of the bytes.
fn decode_canonical(text: &str) -> Option<Vec<u8>> {
    STANDARD
        .decode(text)
        .ok()
        .filter(|bytes| STANDARD.encode(bytes) == text)
}

/// The longest base64 text of `len` bytes.
fn base64_len(len: usize) -> usize {
    len.div_ceil(3).saturating_mul(4)
}

/// Whether `bytes` is JSON whose `kind` says it is an audit bundle.
pub fn is_audit_bundle(bytes: &[u8]) -> bool {
    bytes.len() <= MAX_BUNDLE_BYTES
        && serde_json::from_slice::<KindOnly>(bytes)
            .is_ok_and(|found| found.kind.as_deref() == Some(AUDIT_KIND))
}

impl AuditBundle {
    /// Builds and signs a bundle from envelopes as the mirror stores them. Every envelope
    /// is verified against `keys` (the mirror's registry) and the result is checked the
    /// way [`Self::verify`] will check it, so a broken chain is refused, never exported.
    pub fn build(
        export: AuditExport,
        exporter: &SigningKey,
        keys: &HashMap<KeyId, PublicKey>,
    ) -> Result<Self, AuditError> {
        let mut carried = BTreeMap::new();
        carried.insert(exporter.key_id(), exporter.public().to_hex());
        let mut envelope_bytes = 0usize;
        let mut tenants = Vec::with_capacity(export.tenants.len());
        for tenant in export.tenants {
            let mut changesets = Vec::with_capacity(tenant.changesets.len());
            for stored in tenant.changesets {
                let source = |error| AuditError::Source {
                    tenant: tenant.tenant.clone(),
                    seq: stored.seq,
                    error: Box::new(error),
                };
                let verified = Envelope::parse(&stored.envelope)
                    .and_then(|envelope| envelope.verify(|id| keys.get(id).cloned()))
                    .map_err(source)?;
                for signer in &verified.signers {
                    if let Some(key) = keys.get(signer) {
                        carried.insert(signer.clone(), key.to_hex());
                    }
                }
                envelope_bytes = envelope_bytes.saturating_add(base64_len(stored.envelope.len()));
                if base64_len(envelope_bytes) > MAX_BUNDLE_BYTES {
                    return Err(AuditError::TooLarge(base64_len(envelope_bytes)));
                }
                changesets.push(BundledChangeSet {
                    seq: stored.seq,
                    hash: verified.hash,
                    parent: verified.changeset.parent.map(PayloadHash),
                    environment: verified.changeset.environment,
                    envelope: STANDARD.encode(&stored.envelope),
                });
            }
            tenants.push(TenantChain {
                tenant: tenant.tenant,
                slug: tenant.slug,
                head: tenant.head,
                anchor: tenant.anchor,
                changesets,
            });
        }
        let body = AuditBody {
            kind: AUDIT_KIND.to_owned(),
            version: AUDIT_VERSION,
            scope: export.scope,
            exported_at: export.exported_at,
            exporter: exporter.key_id(),
            keys: carried,
            tenants,
        };
        let payload = body.to_payload();
        if base64_len(payload.len()) > MAX_BUNDLE_BYTES {
            return Err(AuditError::TooLarge(base64_len(payload.len())));
        }
        let signature = Signature {
            keyid: exporter.key_id().to_string(),
            sig: STANDARD.encode(exporter.sign(&pae(AUDIT_PAYLOAD_TYPE, &payload))),
        };
        let bundle = Self {
            body,
            payload,
            signature,
        };
        let mut trusted = keys.clone();
        trusted.insert(exporter.key_id(), exporter.public());
        let report = bundle.verify(&trusted);
        if !report.is_valid() {
            let problems: Vec<String> = report.problems.iter().map(ToString::to_string).collect();
            return Err(AuditError::Inconsistent(problems.join("; ")));
        }
        Ok(bundle)
    }

    /// The bundle file: pretty JSON of `kind`, `version` and the DSSE fields.
    pub fn to_json(&self) -> Vec<u8> {
        let file = BundleFile {
            kind: self.body.kind.clone(),
            version: self.body.version,
            payload_type: AUDIT_PAYLOAD_TYPE.to_owned(),
            payload: STANDARD.encode(&self.payload),
            signatures: vec![self.signature.clone()],
        };
        let mut bytes = serde_json::to_vec_pretty(&file).unwrap_or_default();
        bytes.push(b'\n');
        bytes
    }

    /// Reads a bundle file, refusing oversized input, unknown fields, another kind or
    /// version, and a body that is not the canonical encoding of what it contains.
    /// Signatures and links are checked by [`Self::verify`], not here.
    pub fn parse(bytes: &[u8]) -> Result<Self, AuditError> {
        if bytes.len() > MAX_BUNDLE_BYTES {
            return Err(AuditError::TooLarge(bytes.len()));
        }
        let file: BundleFile = serde_json::from_slice(bytes)
            .map_err(|error| AuditError::Malformed(error.to_string()))?;
        if file.kind != AUDIT_KIND {
            return Err(AuditError::NotABundle(
                file.kind.chars().take(100).collect(),
            ));
        }
        if file.version != AUDIT_VERSION {
            return Err(AuditError::Version(file.version));
        }
        if file.payload_type != AUDIT_PAYLOAD_TYPE {
            return Err(AuditError::PayloadType(
                file.payload_type.chars().take(100).collect(),
            ));
        }
        let [signature] = <[Signature; 1]>::try_from(file.signatures)
            .map_err(|signatures| AuditError::Signatures(signatures.len()))?;
        let payload = decode_canonical(&file.payload).ok_or(AuditError::Base64("payload"))?;
        let body: AuditBody = serde_json::from_slice(&payload)
            .map_err(|error| AuditError::Malformed(format!("in the signed body: {error}")))?;
        if body.to_payload() != payload {
            return Err(AuditError::NotCanonical);
        }
        if body.kind != file.kind || body.version != file.version {
            return Err(AuditError::KindMismatch {
                kind: body.kind.chars().take(100).collect(),
                version: body.version,
            });
        }
        check_hashes(&body)?;
        Ok(Self {
            body,
            payload,
            signature,
        })
    }

    pub fn body(&self) -> &AuditBody {
        &self.body
    }

    /// Checks everything offline and reports every problem found: the exporter's
    /// signature, each envelope's signatures, that each envelope is the one listed, every
    /// parent link and sequence number (from the anchor, if any), the head, the scope,
    /// and which signers are not among `trusted`. A key the bundle carries is used to
    /// check a signature but is never trusted for carrying it.
    pub fn verify(&self, trusted: &HashMap<KeyId, PublicKey>) -> AuditReport {
        let body = &self.body;
        let mut problems = Vec::new();
        let mut carried: HashMap<KeyId, PublicKey> = HashMap::new();
        for (id, hex) in &body.keys {
            match PublicKey::from_hex(hex) {
                Ok(key) if key.key_id() == *id => {
                    carried.insert(id.clone(), key);
                }
                _ => problems.push(AuditProblem {
                    kind: ProblemKind::BadKey,
                    tenant: None,
                    seq: None,
                    message: format!(
                        "the bundle lists key {id} with a public key that is not that key"
                    ),
                }),
            }
        }
        let lookup = |id: &KeyId| trusted.get(id).or_else(|| carried.get(id)).cloned();

        let bundle_signature_valid = self.check_exporter_signature(&lookup, &mut problems);
        let mut signers: BTreeMap<KeyId, SignerSummary> = BTreeMap::new();
        signer(&mut signers, &body.exporter, trusted).exported = true;

        check_scope(body, &mut problems);
        let mut tenants = Vec::with_capacity(body.tenants.len());
        for chain in &body.tenants {
            let entries = check_chain(chain, &body.scope, &lookup, &mut problems);
            for entry in &entries {
                if let Some(author) = &entry.author {
                    signer(&mut signers, author, trusted).authored += 1;
                }
                for co_signer in &entry.co_signers {
                    signer(&mut signers, co_signer, trusted).co_signed += 1;
                }
            }
            tenants.push(TenantReport {
                tenant: chain.tenant.clone(),
                slug: chain.slug.clone(),
                changesets: chain.changesets.len(),
                anchor: chain.anchor.clone(),
                head: chain.head.clone(),
                entries,
            });
        }
        for summary in signers.values().filter(|summary| !summary.trusted) {
            let what = match (summary.exported, summary.authored + summary.co_signed) {
                (true, 0) => "exported the bundle".to_owned(),
                (true, n) => format!("exported the bundle and signed {n} change set(s)"),
                (false, n) => format!("signed {n} change set(s)"),
            };
            problems.push(AuditProblem {
                kind: ProblemKind::UntrustedKey,
                tenant: None,
                seq: None,
                message: format!(
                    "key {} {what} but is not a trusted key (the bundle carrying a key does not make it trusted: pass its public key with --public-key if you trust it)",
                    summary.key_id
                ),
            });
        }
        AuditReport {
            scope: body.scope.clone(),
            exported_at: body.exported_at,
            exporter: body.exporter.clone(),
            bundle_signature_valid,
            changesets: tenants.iter().map(|tenant| tenant.changesets).sum(),
            tenants,
            signers: signers.into_values().collect(),
            problems,
        }
    }

    fn check_exporter_signature(
        &self,
        lookup: &impl Fn(&KeyId) -> Option<PublicKey>,
        problems: &mut Vec<AuditProblem>,
    ) -> bool {
        let exporter = &self.body.exporter;
        let failure = if self.signature.keyid != exporter.as_str() {
            Some(format!(
                "the bundle is signed by key '{}', not by its exporter {exporter}",
                self.signature.keyid.chars().take(64).collect::<String>()
            ))
        } else if let Some(key) = lookup(exporter) {
            match decode_canonical(&self.signature.sig) {
                None => Some("the exporter's signature is not canonical base64".to_owned()),
                Some(sig)
                    if key.verify_strict(&pae(AUDIT_PAYLOAD_TYPE, &self.payload), &sig) =>
                {
                    None
                }
                Some(_) => Some(format!(
                    "the exporter's signature (key {exporter}) does not verify: the bundle was altered after export or signed with another key"
                )),
            }
        } else {
            Some(format!(
                "the exporter's key {exporter} is neither carried by the bundle nor trusted, so its signature cannot be checked"
            ))
        };
        match failure {
            None => true,
            Some(message) => {
                problems.push(AuditProblem {
                    kind: ProblemKind::BundleSignature,
                    tenant: None,
                    seq: None,
                    message,
                });
                false
            }
        }
    }
}

fn signer<'a>(
    signers: &'a mut BTreeMap<KeyId, SignerSummary>,
    key_id: &KeyId,
    trusted: &HashMap<KeyId, PublicKey>,
) -> &'a mut SignerSummary {
    signers
        .entry(key_id.clone())
        .or_insert_with(|| SignerSummary {
            key_id: key_id.clone(),
            trusted: trusted.contains_key(key_id),
            exported: false,
            authored: 0,
            co_signed: 0,
        })
}

/// Listed hashes must be SHA-256 hex, so a report never echoes arbitrary text as one.
fn check_hashes(body: &AuditBody) -> Result<(), AuditError> {
    let bad = |what: String| Err(AuditError::Malformed(format!("in the signed body: {what}")));
    let is_hash = |hash: &PayloadHash| is_lower_hex(&hash.0, 64);
    for chain in &body.tenants {
        let links = chain.changesets.iter().map(|entry| &entry.hash);
        let parents = chain
            .changesets
            .iter()
            .filter_map(|entry| entry.parent.as_ref());
        let ends = std::iter::once(&chain.head.hash).chain(chain.anchor.iter().map(|a| &a.hash));
        if let Some(hash) = links.chain(parents).chain(ends).find(|hash| !is_hash(hash)) {
            return bad(format!(
                "tenant {}: '{}' is not a SHA-256 hex digest",
                chain.tenant,
                hash.0.chars().take(80).collect::<String>()
            ));
        }
    }
    Ok(())
}

fn check_scope(body: &AuditBody, problems: &mut Vec<AuditProblem>) {
    let scope = &body.scope;
    let mut problem = |tenant: Option<&TenantId>, message: String| {
        problems.push(AuditProblem {
            kind: ProblemKind::Scope,
            tenant: tenant.cloned(),
            seq: None,
            message,
        });
    };
    if let (Some(from), Some(before)) = (scope.created_from, scope.created_before) {
        if from >= before {
            problem(
                None,
                format!("the date range is empty: from {from} until before {before}"),
            );
        }
    }
    let mut seen = HashSet::new();
    for chain in &body.tenants {
        if !seen.insert(&chain.tenant) {
            problem(
                Some(&chain.tenant),
                "the tenant appears twice in the bundle".to_owned(),
            );
        }
        if scope
            .tenant
            .as_ref()
            .is_some_and(|only| *only != chain.tenant)
        {
            problem(
                Some(&chain.tenant),
                "the bundle is scoped to another tenant, yet includes this one".to_owned(),
            );
        }
        if chain.changesets.is_empty() {
            problem(
                Some(&chain.tenant),
                "listed without any change set".to_owned(),
            );
        }
    }
}

/// Checks one tenant's links, envelopes, anchor and head; returns what each envelope holds.
fn check_chain(
    chain: &TenantChain,
    scope: &AuditScope,
    lookup: &impl Fn(&KeyId) -> Option<PublicKey>,
    problems: &mut Vec<AuditProblem>,
) -> Vec<AuditEntry> {
    let mut problem = |kind: ProblemKind, seq: Option<u64>, message: String| {
        problems.push(AuditProblem {
            kind,
            tenant: Some(chain.tenant.clone()),
            seq,
            message,
        });
    };
    match &chain.anchor {
        Some(anchor) if scope.created_from.is_none() => problem(
            ProblemKind::Anchor,
            None,
            format!(
                "the bundle claims the whole history from the start, yet anchors it on #{}",
                anchor.seq
            ),
        ),
        Some(anchor) if anchor.seq == 0 => problem(
            ProblemKind::Anchor,
            None,
            "the anchor has sequence number 0; change sets are numbered from 1".to_owned(),
        ),
        _ => {}
    }
    let mut previous: Option<ChainLink> = chain.anchor.clone();
    let mut seen = HashSet::new();
    let mut entries = Vec::with_capacity(chain.changesets.len());
    for (index, listed) in chain.changesets.iter().enumerate() {
        let seq = listed.seq;
        let expected_seq = previous
            .as_ref()
            .map_or(1, |link| link.seq.saturating_add(1));
        if seq != expected_seq {
            let message = match &previous {
                Some(link) if seq > expected_seq => format!(
                    "follows #{} directly: {} change set(s) in between are missing",
                    link.seq,
                    seq - expected_seq
                ),
                Some(link) => format!("follows #{}: the change sets are out of order", link.seq),
                None => "has no anchor before it, so it must be #1 (a range that starts later names its anchor)".to_owned(),
            };
            problem(ProblemKind::SeqGap, Some(seq), message);
        }
        let expected_parent = previous.as_ref().map(|link| &link.hash);
        if listed.parent.as_ref() != expected_parent {
            let (kind, message) = match (index, &chain.anchor) {
                (0, Some(anchor)) => (
                    ProblemKind::Anchor,
                    format!(
                        "names parent {}, but the range is anchored on #{} with hash {}",
                        show_parent(listed.parent.as_ref()),
                        anchor.seq,
                        anchor.hash
                    ),
                ),
                _ => (
                    ProblemKind::BrokenLink,
                    format!(
                        "names parent {}, but the change set before it is {}",
                        show_parent(listed.parent.as_ref()),
                        show_parent(expected_parent)
                    ),
                ),
            };
            problem(kind, Some(seq), message);
        }
        if !seen.insert(&listed.hash) {
            problem(
                ProblemKind::BrokenLink,
                Some(seq),
                format!("{} appears twice in the chain", listed.hash),
            );
        }
        let mut entry = AuditEntry {
            seq,
            hash: listed.hash.clone(),
            environment: listed.environment,
            id: None,
            summary: None,
            created_at: None,
            author: None,
            co_signers: Vec::new(),
            signatures_valid: false,
        };
        let verified = decode_canonical(&listed.envelope)
            .ok_or(EnvelopeError::Base64("envelope"))
            .and_then(|bytes| Envelope::parse(&bytes))
            .and_then(|envelope| envelope.verify(lookup));
        match verified {
            Err(error) => problem(
                ProblemKind::Envelope,
                Some(seq),
                format!("the envelope does not verify: {error}"),
            ),
            Ok(verified) => {
                let changeset = &verified.changeset;
                if verified.hash != listed.hash {
                    problem(
                        ProblemKind::HashMismatch,
                        Some(seq),
                        format!(
                            "listed as {}, but the envelope's payload hashes to {}",
                            listed.hash, verified.hash
                        ),
                    );
                }
                if changeset.parent.as_deref() != listed.parent.as_ref().map(|p| p.0.as_str()) {
                    problem(
                        ProblemKind::ListingMismatch,
                        Some(seq),
                        format!(
                            "listed with parent {}, but the signed change set names {}",
                            show_parent(listed.parent.as_ref()),
                            changeset.parent.as_deref().unwrap_or("none")
                        ),
                    );
                }
                if changeset.environment != listed.environment {
                    problem(
                        ProblemKind::ListingMismatch,
                        Some(seq),
                        format!(
                            "listed as {:?}, but the signed change set is for {:?}",
                            listed.environment, changeset.environment
                        ),
                    );
                }
                if changeset.tenant != chain.tenant {
                    problem(
                        ProblemKind::ListingMismatch,
                        Some(seq),
                        format!("the signed change set is for tenant {}", changeset.tenant),
                    );
                }
                let is_end = index == 0 || index + 1 == chain.changesets.len();
                if is_end && !scope.covers(changeset.created_at) {
                    problem(
                        ProblemKind::Scope,
                        Some(seq),
                        format!(
                            "created at {}, outside the bundle's date range",
                            changeset.created_at
                        ),
                    );
                }
                entry.id = Some(changeset.id.clone());
                entry.summary = Some(changeset.summary.clone());
                entry.created_at = Some(changeset.created_at);
                entry.author = verified.signers.first().cloned();
                entry.co_signers = verified.signers.iter().skip(1).cloned().collect();
                entry.signatures_valid = true;
            }
        }
        entries.push(entry);
        previous = Some(ChainLink {
            seq,
            hash: listed.hash.clone(),
        });
    }
    check_head(chain, scope, &mut problem);
    entries
}

fn check_head(
    chain: &TenantChain,
    scope: &AuditScope,
    problem: &mut impl FnMut(ProblemKind, Option<u64>, String),
) {
    let Some(last) = chain.changesets.last() else {
        return;
    };
    let head = &chain.head;
    if head.seq < last.seq || (head.seq == last.seq && head.hash != last.hash) {
        problem(
            ProblemKind::Head,
            None,
            format!(
                "the head at export is #{} ({}), which contradicts the last change set included, #{} ({})",
                head.seq, head.hash, last.seq, last.hash
            ),
        );
    } else if scope.created_before.is_none() && head.seq != last.seq {
        problem(
            ProblemKind::Head,
            None,
            format!(
                "the bundle claims everything up to the export, but ends at #{} while the head was #{}",
                last.seq, head.seq
            ),
        );
    }
}

fn show_parent(parent: Option<&PayloadHash>) -> String {
    parent.map_or("none".to_owned(), |hash| hash.0.clone())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::changeset::tests::{sample_changeset, sample_document};

    const DAY_MS: i64 = 24 * 60 * 60 * 1000;
    const START_MS: i64 = 1_795_508_042_123;

    struct Fixture {
        author: SigningKey,
        reviewer: SigningKey,
        exporter: SigningKey,
        tenant: TenantId,
        /// Exact envelope bytes, oldest first; #2 is co-signed by the reviewer.
        envelopes: Vec<Vec<u8>>,
        hashes: Vec<PayloadHash>,
    }

    impl Fixture {
        /// A tenant with `length` change sets, one a day.
        fn new(length: usize) -> Self {
            let author = SigningKey::generate().expect("key");
            let reviewer = SigningKey::generate().expect("key");
            let exporter = SigningKey::generate().expect("key");
            let doc = sample_document();
            let mut parent: Option<String> = None;
            let mut envelopes = Vec::new();
            let mut hashes = Vec::new();
            for index in 0..length {
                let mut changeset = sample_changeset(&doc, author.key_id());
                changeset.summary = format!("change {}", index + 1);
                changeset.parent = parent.clone();
                changeset.created_at =
                    Timestamp::from_unix_millis(START_MS + DAY_MS * index as i64).expect("time");
                let mut envelope = Envelope::sign(&changeset, &author);
                if index == 1 {
                    envelope.co_sign(&reviewer).expect("co-sign");
                }
                let hash = envelope.hash().expect("hash");
                parent = Some(hash.0.clone());
                hashes.push(hash);
                envelopes.push(envelope.to_json());
            }
            Self {
                author,
                reviewer,
                exporter,
                tenant: doc.tenant.id,
                envelopes,
                hashes,
            }
        }

        fn keys(&self) -> HashMap<KeyId, PublicKey> {
            [&self.author, &self.reviewer, &self.exporter]
                .iter()
                .map(|key| (key.key_id(), key.public()))
                .collect()
        }

        fn link(&self, seq: u64) -> ChainLink {
            ChainLink {
                seq,
                hash: self.hashes[usize::try_from(seq).expect("small") - 1].clone(),
            }
        }

        /// An export of change sets `first..=last` (sequence numbers) of the tenant.
        fn export(&self, scope: AuditScope, first: u64, last: u64) -> AuditExport {
            AuditExport {
                scope,
                exported_at: Timestamp::from_unix_millis(START_MS + 100 * DAY_MS).expect("time"),
                tenants: vec![TenantExport {
                    tenant: self.tenant.clone(),
                    slug: "acme-health".into(),
                    head: self.link(self.envelopes.len() as u64),
                    anchor: (first > 1).then(|| self.link(first - 1)),
                    changesets: (first..=last)
                        .map(|seq| StoredChangeSet {
                            seq,
                            envelope: self.envelopes[usize::try_from(seq).expect("small") - 1]
                                .clone(),
                        })
                        .collect(),
                }],
            }
        }

        fn whole(&self) -> AuditBundle {
            let scope = AuditScope {
                tenant: Some(self.tenant.clone()),
                ..AuditScope::default()
            };
            let last = self.envelopes.len() as u64;
            AuditBundle::build(self.export(scope, 1, last), &self.exporter, &self.keys())
                .expect("builds")
        }

        fn at(&self, day: i64) -> Timestamp {
            Timestamp::from_unix_millis(START_MS + DAY_MS * day).expect("time")
        }
    }

    /// The bundle with `edit` applied to its body, signed again by `key` (an insider, or
    /// someone covering their tracks with their own key).
    fn re_signed(
        bundle: &AuditBundle,
        key: &SigningKey,
        edit: impl FnOnce(&mut AuditBody),
    ) -> AuditBundle {
        let mut body = bundle.body.clone();
        edit(&mut body);
        let payload = body.to_payload();
        let signature = Signature {
            keyid: key.key_id().to_string(),
            sig: STANDARD.encode(key.sign(&pae(AUDIT_PAYLOAD_TYPE, &payload))),
        };
        AuditBundle {
            body,
            payload,
            signature,
        }
    }

    /// The bundle with `edit` applied to its body, keeping the original signature.
    fn tampered(bundle: &AuditBundle, edit: impl FnOnce(&mut AuditBody)) -> AuditBundle {
        let mut body = bundle.body.clone();
        edit(&mut body);
        AuditBundle {
            payload: body.to_payload(),
            body,
            signature: bundle.signature.clone(),
        }
    }

    /// Through the file format and back, as a verifier elsewhere would read it.
    fn reread(bundle: &AuditBundle) -> AuditBundle {
        AuditBundle::parse(&bundle.to_json()).expect("parses")
    }

    fn kinds(report: &AuditReport) -> Vec<(ProblemKind, Option<u64>)> {
        report
            .problems
            .iter()
            .map(|problem| (problem.kind, problem.seq))
            .collect()
    }

    fn envelope_text(bundle: &AuditBundle, index: usize) -> String {
        bundle.body.tenants[0].changesets[index].envelope.clone()
    }

    #[test]
    fn a_whole_history_bundle_verifies_and_names_every_signer() {
        let fixture = Fixture::new(3);
        let bundle = fixture.whole();
        let json = bundle.to_json();
        assert!(is_audit_bundle(&json));
        assert!(!is_audit_bundle(&fixture.envelopes[0]));
        assert!(!is_audit_bundle(b"not json"));

        let parsed = AuditBundle::parse(&json).expect("parses");
        assert_eq!(parsed, bundle);
        let report = parsed.verify(&fixture.keys());
        assert!(report.is_valid(), "{:?}", report.problems);
        assert!(report.bundle_signature_valid);
        assert_eq!(report.exporter, fixture.exporter.key_id());
        assert_eq!(report.changesets, 3);
        assert_eq!(
            report.scope.describe(),
            format!("tenant {}, whole history", fixture.tenant)
        );
        let tenant = &report.tenants[0];
        assert_eq!(tenant.tenant, fixture.tenant);
        assert_eq!(tenant.head, fixture.link(3));
        assert_eq!(tenant.anchor, None);
        let seqs: Vec<u64> = tenant.entries.iter().map(|entry| entry.seq).collect();
        assert_eq!(seqs, vec![1, 2, 3]);
        assert_eq!(tenant.entries[1].author, Some(fixture.author.key_id()));
        assert_eq!(
            tenant.entries[1].co_signers,
            vec![fixture.reviewer.key_id()]
        );
        assert!(tenant.entries[0].co_signers.is_empty());
        assert_eq!(tenant.entries[2].summary.as_deref(), Some("change 3"));

        let author = report
            .signers
            .iter()
            .find(|signer| signer.key_id == fixture.author.key_id())
            .expect("author listed");
        assert_eq!(
            (author.authored, author.co_signed, author.trusted),
            (3, 0, true)
        );
        let exporter = report
            .signers
            .iter()
            .find(|signer| signer.key_id == fixture.exporter.key_id())
            .expect("exporter listed");
        assert!(exporter.exported && exporter.trusted);

        // The envelopes are the stored bytes, exactly.
        for (index, original) in fixture.envelopes.iter().enumerate() {
            let carried = STANDARD
                .decode(envelope_text(&parsed, index))
                .expect("base64");
            assert_eq!(&carried, original);
        }
        // The body is what was signed, in canonical form.
        assert_eq!(parsed.body().to_payload(), parsed.payload);
        assert_eq!(parsed.body().kind, AUDIT_KIND);
    }

    #[test]
    fn a_flipped_byte_in_an_envelope_is_found_even_when_the_bundle_is_signed_again() {
        let fixture = Fixture::new(3);
        let bundle = fixture.whole();
        let mut bytes = fixture.envelopes[1].clone();
        // A byte inside the base64 payload of change set #2.
        let at = bytes
            .windows(11)
            .position(|window| window == b"\"payload\": ")
            .expect("payload field")
            + 20;
        bytes[at] = if bytes[at] == b'A' { b'B' } else { b'A' };
        let edit = |body: &mut AuditBody| {
            body.tenants[0].changesets[1].envelope = STANDARD.encode(&bytes);
        };

        let insider = reread(&re_signed(&bundle, &fixture.exporter, edit));
        let report = insider.verify(&fixture.keys());
        assert!(report.bundle_signature_valid);
        assert_eq!(kinds(&report), vec![(ProblemKind::Envelope, Some(2))]);
        assert!(report.problems[0].message.contains("does not verify"));
        assert!(!report.tenants[0].entries[1].signatures_valid);

        let outsider = reread(&tampered(&bundle, edit));
        let report = outsider.verify(&fixture.keys());
        assert!(!report.bundle_signature_valid);
        assert_eq!(
            kinds(&report),
            vec![
                (ProblemKind::BundleSignature, None),
                (ProblemKind::Envelope, Some(2))
            ]
        );
    }

    #[test]
    fn an_envelope_removed_from_the_middle_or_reordered_breaks_the_chain() {
        let fixture = Fixture::new(4);
        let bundle = fixture.whole();
        let removed = reread(&re_signed(&bundle, &fixture.exporter, |body| {
            body.tenants[0].changesets.remove(1);
        }));
        let report = removed.verify(&fixture.keys());
        assert_eq!(
            kinds(&report),
            vec![
                (ProblemKind::SeqGap, Some(3)),
                (ProblemKind::BrokenLink, Some(3))
            ]
        );
        assert!(report.problems[0]
            .message
            .contains("1 change set(s) in between are missing"));

        let reordered = reread(&re_signed(&bundle, &fixture.exporter, |body| {
            body.tenants[0].changesets.swap(1, 2);
        }));
        let report = reordered.verify(&fixture.keys());
        assert!(!report.is_valid());
        let found = kinds(&report);
        assert!(found.contains(&(ProblemKind::SeqGap, Some(3))), "{found:?}");
        assert!(
            found.contains(&(ProblemKind::BrokenLink, Some(3))),
            "{found:?}"
        );
        assert!(
            found.contains(&(ProblemKind::BrokenLink, Some(2))),
            "{found:?}"
        );
        assert!(found.iter().all(|(kind, _)| *kind != ProblemKind::Envelope));

        // Renumbering to hide the gap still leaves the parent link broken.
        let renumbered = reread(&re_signed(&bundle, &fixture.exporter, |body| {
            let changesets = &mut body.tenants[0].changesets;
            changesets.remove(1);
            changesets[1].seq = 2;
            changesets[2].seq = 3;
            body.tenants[0].head.seq = 3;
        }));
        assert_eq!(
            kinds(&renumbered.verify(&fixture.keys())),
            vec![(ProblemKind::BrokenLink, Some(2))]
        );
    }

    #[test]
    fn a_broken_or_foreign_bundle_signature_is_reported() {
        let fixture = Fixture::new(2);
        let bundle = fixture.whole();
        let later = tampered(&bundle, |body| {
            body.exported_at = fixture.at(200);
        });
        let report = reread(&later).verify(&fixture.keys());
        assert_eq!(kinds(&report), vec![(ProblemKind::BundleSignature, None)]);
        assert!(report.problems[0].message.contains("altered after export"));

        // Signed by someone else who claims to be the exporter.
        let impostor = SigningKey::generate().expect("key");
        let mut claimed = re_signed(&bundle, &impostor, |_| {});
        claimed.signature.keyid = fixture.exporter.key_id().to_string();
        let report = reread(&claimed).verify(&fixture.keys());
        assert_eq!(kinds(&report), vec![(ProblemKind::BundleSignature, None)]);

        // Signed by another key than the one the body names.
        let other = re_signed(&bundle, &impostor, |_| {});
        let report = reread(&other).verify(&fixture.keys());
        assert!(report.problems[0].message.contains("not by its exporter"));
    }

    #[test]
    fn keys_are_reported_not_trusted_because_the_bundle_carries_them() {
        let fixture = Fixture::new(3);
        let bundle = fixture.whole();
        let mut trusted = fixture.keys();
        trusted.remove(&fixture.reviewer.key_id());
        let report = bundle.verify(&trusted);
        assert_eq!(kinds(&report), vec![(ProblemKind::UntrustedKey, None)]);
        assert!(report.problems[0]
            .message
            .contains(fixture.reviewer.key_id().as_str()));
        assert!(report.problems[0]
            .message
            .contains("signed 1 change set(s)"));
        // Its signature is still checked, and it is still named as the approver.
        assert!(report.tenants[0].entries[1].signatures_valid);
        assert_eq!(
            report.tenants[0].entries[1].co_signers,
            vec![fixture.reviewer.key_id()]
        );

        // Trusting nothing: every signer, the exporter included, is reported.
        let report = bundle.verify(&HashMap::new());
        assert_eq!(report.problems.len(), 3);
        assert!(report.bundle_signature_valid);
        assert!(report.signers.iter().all(|signer| !signer.trusted));
        assert!(report
            .problems
            .iter()
            .any(|problem| problem.message.contains("exported the bundle")));

        // A carried key that is not the key its id names.
        let stranger = SigningKey::generate().expect("key");
        let swapped = re_signed(&bundle, &fixture.exporter, |body| {
            body.keys
                .insert(fixture.reviewer.key_id(), stranger.public().to_hex());
        });
        let found = kinds(&swapped.verify(&trusted));
        assert!(found.contains(&(ProblemKind::BadKey, None)), "{found:?}");
        assert!(
            found.contains(&(ProblemKind::Envelope, Some(2))),
            "{found:?}"
        );
    }

    #[test]
    fn a_date_range_is_anchored_on_the_change_set_before_it() {
        let fixture = Fixture::new(4);
        let scope = AuditScope {
            tenant: None,
            created_from: Some(fixture.at(1)),
            created_before: Some(fixture.at(3)),
        };
        assert!(scope.covers(fixture.at(1)) && scope.covers(fixture.at(2)));
        assert!(scope.describe().starts_with("every tenant, created from "));
        assert!(!scope.covers(fixture.at(0)) && !scope.covers(fixture.at(3)));
        let bundle = AuditBundle::build(
            fixture.export(scope, 2, 3),
            &fixture.exporter,
            &fixture.keys(),
        )
        .expect("builds");
        let report = reread(&bundle).verify(&fixture.keys());
        assert!(report.is_valid(), "{:?}", report.problems);
        assert_eq!(report.tenants[0].anchor, Some(fixture.link(1)));
        assert_eq!(report.tenants[0].head, fixture.link(4));
        assert_eq!(report.changesets, 2);

        let wrong_anchor = re_signed(&bundle, &fixture.exporter, |body| {
            body.tenants[0].anchor = Some(ChainLink {
                seq: 1,
                hash: PayloadHash("0".repeat(64)),
            });
        });
        let report = reread(&wrong_anchor).verify(&fixture.keys());
        assert_eq!(kinds(&report), vec![(ProblemKind::Anchor, Some(2))]);
        assert!(report.problems[0].message.contains("anchored on #1"));

        // Without its anchor, a range that starts mid-chain proves nothing about #1.
        let unanchored = re_signed(&bundle, &fixture.exporter, |body| {
            body.tenants[0].anchor = None;
        });
        let found = kinds(&unanchored.verify(&fixture.keys()));
        assert!(found.contains(&(ProblemKind::SeqGap, Some(2))), "{found:?}");

        // A change set outside the claimed range at either end.
        let widened = re_signed(&bundle, &fixture.exporter, |body| {
            body.scope.created_before = Some(fixture.at(2));
        });
        assert_eq!(
            kinds(&widened.verify(&fixture.keys())),
            vec![(ProblemKind::Scope, Some(3))]
        );
    }

    #[test]
    fn an_envelope_that_is_not_the_listed_one_and_a_wrong_head_are_found() {
        let fixture = Fixture::new(3);
        let other = Fixture::new(1);
        let bundle = fixture.whole();
        let mut trusted = fixture.keys();
        trusted.extend(other.keys());
        let swapped = re_signed(&bundle, &fixture.exporter, |body| {
            body.tenants[0].changesets[2].envelope = STANDARD.encode(&other.envelopes[0]);
            body.keys
                .insert(other.author.key_id(), other.author.public().to_hex());
        });
        let found = kinds(&swapped.verify(&trusted));
        assert!(
            found.contains(&(ProblemKind::HashMismatch, Some(3))),
            "{found:?}"
        );
        assert!(
            found.contains(&(ProblemKind::ListingMismatch, Some(3))),
            "{found:?}"
        );

        let short = re_signed(&bundle, &fixture.exporter, |body| {
            body.tenants[0].changesets.pop();
        });
        let report = short.verify(&fixture.keys());
        assert_eq!(kinds(&report), vec![(ProblemKind::Head, None)]);
        assert!(report.problems[0]
            .message
            .contains("ends at #2 while the head was #3"));

        let scoped_elsewhere = re_signed(&bundle, &fixture.exporter, |body| {
            body.scope.tenant = Some(other.tenant.clone());
        });
        assert_eq!(
            kinds(&scoped_elsewhere.verify(&fixture.keys())),
            vec![(ProblemKind::Scope, None)]
        );
    }

    #[test]
    fn build_refuses_envelopes_that_do_not_verify_and_broken_chains() {
        let fixture = Fixture::new(3);
        let mut keys = fixture.keys();
        keys.remove(&fixture.author.key_id());
        let unknown = AuditBundle::build(
            fixture.export(AuditScope::default(), 1, 3),
            &fixture.exporter,
            &keys,
        );
        assert!(
            matches!(
                &unknown,
                Err(AuditError::Source { seq: 1, error, .. })
                    if matches!(**error, EnvelopeError::UnknownKey { .. })
            ),
            "{unknown:?}"
        );

        let mut gap = fixture.export(AuditScope::default(), 1, 3);
        gap.tenants[0].changesets.remove(1);
        let refused = AuditBundle::build(gap, &fixture.exporter, &fixture.keys());
        let Err(AuditError::Inconsistent(message)) = refused else {
            panic!("expected a refusal, got {refused:?}");
        };
        assert!(message.contains("#3"), "{message}");
    }

    #[test]
    fn malformed_and_hostile_files_get_a_clear_error() {
        let fixture = Fixture::new(1);
        let bundle = fixture.whole();
        let json = bundle.to_json();
        let mut file: serde_json::Value = serde_json::from_slice(&json).expect("JSON");
        let with = |edit: &dyn Fn(&mut serde_json::Value)| {
            let mut value = file.clone();
            edit(&mut value);
            AuditBundle::parse(&serde_json::to_vec(&value).expect("JSON"))
        };

        assert!(matches!(
            AuditBundle::parse(&vec![b' '; MAX_BUNDLE_BYTES + 1]),
            Err(AuditError::TooLarge(_))
        ));
        assert!(matches!(
            AuditBundle::parse(&json[..json.len() / 2]),
            Err(AuditError::Malformed(_))
        ));
        let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        assert!(matches!(
            AuditBundle::parse(deep.as_bytes()),
            Err(AuditError::Malformed(_))
        ));
        assert!(matches!(
            AuditBundle::parse(&fixture.envelopes[0]),
            Err(AuditError::Malformed(_))
        ));
        assert!(matches!(
            with(&|v| v["kind"] = "tenantry.other".into()),
            Err(AuditError::NotABundle(_))
        ));
        assert_eq!(
            with(&|v| v["version"] = 2.into()),
            Err(AuditError::Version(2))
        );
        assert!(matches!(
            with(&|v| v["payloadType"] = "application/json".into()),
            Err(AuditError::PayloadType(_))
        ));
        assert_eq!(
            with(&|v| {
                let first = v["signatures"][0].clone();
                v["signatures"] = serde_json::json!([first.clone(), first]);
            }),
            Err(AuditError::Signatures(2))
        );
        assert!(matches!(
            with(&|v| v["extra"] = 1.into()),
            Err(AuditError::Malformed(_))
        ));
        let payload = file["payload"].as_str().expect("payload").to_owned();
        assert_eq!(
            with(&|v| v["payload"] = payload.trim_end_matches('=').to_owned().into()),
            if payload.ends_with('=') {
                Err(AuditError::Base64("payload"))
            } else {
                Ok(bundle.clone())
            }
        );
        // The same body, pretty-printed: not the bytes that were signed.
        let pretty = serde_json::to_vec_pretty(&bundle.body).expect("JSON");
        file["payload"] = STANDARD.encode(&pretty).into();
        assert_eq!(
            AuditBundle::parse(&serde_json::to_vec(&file).expect("JSON")),
            Err(AuditError::NotCanonical)
        );
        // A listed hash that is not a hash.
        let mut body = bundle.body.clone();
        body.tenants[0].changesets[0].hash = PayloadHash("<script>".into());
        file["payload"] = STANDARD.encode(body.to_payload()).into();
        let refused = AuditBundle::parse(&serde_json::to_vec(&file).expect("JSON"));
        assert!(
            matches!(&refused, Err(AuditError::Malformed(message)) if message.contains("not a SHA-256")),
            "{refused:?}"
        );
        // The file and the signed body disagree on what they are.
        let mut body = bundle.body.clone();
        body.version = 7;
        file["payload"] = STANDARD.encode(body.to_payload()).into();
        assert!(matches!(
            AuditBundle::parse(&serde_json::to_vec(&file).expect("JSON")),
            Err(AuditError::KindMismatch { version: 7, .. })
        ));
    }
}
