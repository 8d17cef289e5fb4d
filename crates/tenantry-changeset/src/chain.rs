//! A tenant's history is a hash chain: each change set names the hash of the one before
//! it, so history cannot be rewritten, reordered or replayed without the break showing.

use std::collections::HashMap;

use tenantry_core::TenantDocument;

use crate::changeset::{ChangeSet, ChangeSetError, Environment};
use crate::envelope::{PayloadHash, VerifiedChangeSet};

/// Replays a tenant's change sets, oldest first: the first one per environment creates
/// that environment's document, every later one applies to it.
#[derive(Debug, Default)]
pub struct Replay {
    documents: HashMap<Environment, TenantDocument>,
}

impl Replay {
    /// Applies `changeset` and returns the document it produced.
    pub fn apply(&mut self, changeset: &ChangeSet) -> Result<&TenantDocument, ChangeSetError> {
        let next = match self.documents.get(&changeset.environment) {
            None => changeset.initial_document()?,
            Some(current) => changeset.apply_to(current)?,
        };
        self.documents.insert(changeset.environment, next);
        Ok(&self.documents[&changeset.environment])
    }

    /// The current document of each environment.
    pub fn into_documents(self) -> HashMap<Environment, TenantDocument> {
        self.documents
    }
}

/// Where and why a chain breaks.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ChainBreak {
    #[error("change set {index} ({id}) names parent {found:?}, but the previous change set's hash is {expected:?}")]
    WrongParent {
        index: usize,
        id: String,
        expected: Option<String>,
        found: Option<String>,
    },
    #[error("change set {index} ({id}) is for tenant {found}, not {expected}")]
    OtherTenant {
        index: usize,
        id: String,
        expected: String,
        found: String,
    },
    #[error("change set {index} ({id}) appears twice in the chain")]
    Repeated { index: usize, id: String },
}

/// Checks that `history` (oldest first, already signature-verified) forms one unbroken
/// chain for one tenant, and returns the head's hash.
pub fn verify_chain(history: &[VerifiedChangeSet]) -> Result<Option<PayloadHash>, ChainBreak> {
    let mut head: Option<PayloadHash> = None;
    let mut seen = std::collections::HashSet::new();
    for (index, entry) in history.iter().enumerate() {
        let changeset = &entry.changeset;
        if let Some(first) = history.first() {
            if changeset.tenant != first.changeset.tenant {
                return Err(ChainBreak::OtherTenant {
                    index,
                    id: changeset.id.clone(),
                    expected: first.changeset.tenant.to_string(),
                    found: changeset.tenant.to_string(),
                });
            }
        }
        if !seen.insert(entry.hash.clone()) {
            return Err(ChainBreak::Repeated {
                index,
                id: changeset.id.clone(),
            });
        }
        let expected = head.as_ref().map(|hash| hash.0.clone());
        if changeset.parent != expected {
            return Err(ChainBreak::WrongParent {
                index,
                id: changeset.id.clone(),
                expected,
                found: changeset.parent.clone(),
            });
        }
        head = Some(entry.hash.clone());
    }
    Ok(head)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::changeset::tests::{sample_changeset, sample_document};
    use crate::envelope::Envelope;
    use crate::keys::SigningKey;

    fn history(length: usize) -> Vec<VerifiedChangeSet> {
        let key = SigningKey::generate().expect("key");
        let doc = sample_document();
        let mut parent = None;
        let mut out = Vec::new();
        for i in 0..length {
            let mut changeset = sample_changeset(&doc, key.key_id());
            changeset.summary = format!("change {i}");
            changeset.parent = parent.clone();
            let verified = Envelope::sign(&changeset, &key)
                .verify(|id| (*id == key.key_id()).then(|| key.public()))
                .expect("verifies");
            parent = Some(verified.hash.0.clone());
            out.push(verified);
        }
        out
    }

    #[test]
    fn replay_creates_then_applies_per_environment() {
        let key = SigningKey::generate().expect("key");
        let doc = sample_document();
        let mut creation = sample_changeset(&doc, key.key_id());
        creation.operations = vec![ChangeSet::creation(&doc)];
        let budget = sample_changeset(&doc, key.key_id());
        let mut replay = Replay::default();
        assert_eq!(replay.apply(&creation).expect("creates"), &doc);
        assert_eq!(
            replay
                .apply(&budget)
                .expect("applies")
                .ai
                .monthly_budget_cents,
            50_000
        );
        // A second creation in the same environment conflicts with the existing document.
        assert!(replay.apply(&creation).is_err());
        let documents = replay.into_documents();
        assert_eq!(documents.len(), 1);
        assert_eq!(
            documents[&Environment::Draft].ai.monthly_budget_cents,
            50_000
        );
    }

    #[test]
    fn an_unbroken_chain_yields_its_head() {
        let chain = history(3);
        assert_eq!(
            verify_chain(&chain).expect("intact"),
            Some(chain[2].hash.clone())
        );
        assert_eq!(verify_chain(&[]).expect("empty"), None);
    }

    #[test]
    fn reordering_dropping_or_replaying_is_caught() {
        let chain = history(3);
        let swapped = vec![chain[0].clone(), chain[2].clone(), chain[1].clone()];
        assert!(matches!(
            verify_chain(&swapped),
            Err(ChainBreak::WrongParent { index: 1, .. })
        ));
        let dropped = vec![chain[0].clone(), chain[2].clone()];
        assert!(matches!(
            verify_chain(&dropped),
            Err(ChainBreak::WrongParent { index: 1, .. })
        ));
        let replayed = vec![chain[0].clone(), chain[1].clone(), chain[1].clone()];
        assert!(matches!(
            verify_chain(&replayed),
            Err(ChainBreak::Repeated { index: 2, .. })
        ));
    }
}
