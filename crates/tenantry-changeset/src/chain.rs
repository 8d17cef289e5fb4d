//! A tenant's history is a hash chain: each change set names the hash of the one before
//! it, so history cannot be rewritten, reordered or replayed without the break showing.

use crate::envelope::{PayloadHash, VerifiedChangeSet};

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
