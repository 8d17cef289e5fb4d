//! The review queue and approvals, as a compliance officer's client sees them: what waits
//! for approval on the server (with what the mirror knows of each change set), and an
//! approval, which is the officer's own signature over the exact bytes the author
//! signed. The server decides who may approve what; this never guesses.

use reqwest::{Method, StatusCode};
use serde::{Deserialize, Serialize};
use tenantry_changeset::changeset::Environment;
use tenantry_changeset::{Envelope, SigningKey};

use tenantry_store::{ChangeRequest, RequestedField};

use crate::http::refusal;
use crate::{SyncError, Syncer};

/// One approval requirement of a change set, as the server recorded it from policy.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Requirement {
    /// The change set whose approvals count (for a production promotion, the staging
    /// change set it promotes).
    pub hash: String,
    /// The change set the requirement belongs to.
    pub required_by: String,
    pub rule_id: String,
    /// The role an approver must hold.
    pub reviewer_role: String,
    pub needed: u32,
    pub have: u32,
    pub satisfied: bool,
    /// The onboarding step the rule belongs to.
    pub step: String,
    /// Where in the document the reason is (JSON pointer).
    pub path: String,
    /// What the change does that needs the approval.
    pub message: String,
}

/// An approval given so far.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Approval {
    /// The approver's key id.
    pub approver: String,
    pub approved_at_ms: i64,
    /// Whether it counts now (an approver whose key was revoked later does not).
    #[serde(default)]
    pub valid: Option<bool>,
}

/// A comment on one field of the tenant document.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldNote {
    /// JSON pointer into the tenant document.
    pub path: String,
    pub comment: String,
}

/// A reviewer's verdict: `approved` (the comment that went with an approval) or
/// `changes_requested`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewNote {
    /// The change set reviewed.
    pub hash: String,
    /// The reviewer's key id.
    pub reviewer: String,
    /// `approved` or `changes_requested`.
    pub verdict: String,
    pub comment: String,
    pub fields: Vec<FieldNote>,
    pub reviewed_at_ms: i64,
}

impl ReviewNote {
    pub fn asks_for_changes(&self) -> bool {
        self.verdict == CHANGES_REQUESTED
    }
}

const CHANGES_REQUESTED: &str = "changes_requested";

/// A request for changes as the mirror kept it, read back as the verdict it was.
impl From<ChangeRequest> for ReviewNote {
    fn from(request: ChangeRequest) -> Self {
        Self {
            hash: request.changeset_hash,
            reviewer: request.reviewer,
            verdict: CHANGES_REQUESTED.to_owned(),
            comment: request.comment,
            fields: request
                .fields
                .into_iter()
                .map(|field| FieldNote {
                    path: field.path,
                    comment: field.comment,
                })
                .collect(),
            reviewed_at_ms: request.requested_at_ms,
        }
    }
}

/// The earlier change set a queue entry replaced (an edit after review).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Replaced {
    pub hash: String,
    /// Approvals it had: void now.
    pub approvals: u32,
    pub changes_requested: bool,
}

/// A change set waiting for approval, oldest first in the queue.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ReviewItem {
    /// The server's sequence number.
    pub seq: i64,
    pub hash: String,
    pub tenant: String,
    /// `draft`, `staging` or `production`.
    pub environment: String,
    /// The author's key id.
    pub author: String,
    pub requirements: Vec<Requirement>,
    pub approvals: Vec<Approval>,
    /// The reviewers' verdicts so far, oldest first.
    pub reviews: Vec<ReviewNote>,
    /// The change set it replaced, whose requirements it carries.
    pub replaces: Option<Replaced>,
    /// The author's summary, when the change set is in this mirror (pulled).
    pub summary: Option<String>,
    /// The client's name, when the tenant is in this mirror.
    pub client_name: Option<String>,
    /// The author's name from the server's key registry, when this mirror learnt it.
    pub author_name: Option<String>,
}

#[derive(Deserialize)]
struct PendingList {
    pending: Vec<Pending>,
}

#[derive(Deserialize)]
struct Pending {
    seq: i64,
    hash: String,
    tenant: String,
    author: String,
    environment: String,
    requirements: Vec<Requirement>,
    approvals: Vec<Approval>,
    #[serde(default)]
    reviews: Vec<ReviewNote>,
    #[serde(default)]
    replaces: Option<Replaced>,
}

/// What the server answered to an approval.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Approved {
    pub approver: String,
    pub approved_at_ms: i64,
    /// True when this key had approved the change set before.
    #[serde(default)]
    pub duplicate: Option<bool>,
}

impl Syncer {
    /// The change sets waiting for approval on the server, oldest first, each with its
    /// unmet and met requirements and, when this mirror holds it, its summary.
    pub async fn review_queue(&self) -> Result<Vec<ReviewItem>, SyncError> {
        let list = self.pending().await?;
        let labels = self.store.key_labels().await?;
        let mut items = Vec::with_capacity(list.pending.len());
        for pending in list.pending {
            let summary = self
                .store
                .recorded_changeset(&pending.hash)
                .await?
                .map(|changeset| changeset.summary);
            let client_name = self.client_name(&pending.tenant).await?;
            // Keys learnt from the registry are labelled "server: <name>" (learn_keys).
            let author_name = labels
                .get(&pending.author)
                .map(|label| label.strip_prefix("server: ").unwrap_or(label).to_owned());
            items.push(ReviewItem {
                seq: pending.seq,
                hash: pending.hash,
                tenant: pending.tenant,
                environment: pending.environment,
                author: pending.author,
                requirements: pending.requirements,
                approvals: pending.approvals,
                reviews: pending.reviews,
                replaces: pending.replaces,
                summary,
                client_name,
                author_name,
            });
        }
        Ok(items)
    }

    async fn pending(&self) -> Result<PendingList, SyncError> {
        self.http
            .json(Method::GET, "/v1/approvals/pending", None, true)
            .await
    }

    /// Keeps in the mirror the requests for changes on `author`'s change sets that the
    /// server's queue lists now (replacing what was kept), and answers them: how the
    /// author learns, offline too, what a reviewer asked. A request whose change set
    /// the author has replaced is no longer in the queue, so it is gone after this.
    pub async fn refresh_change_requests(
        &self,
        author: &str,
    ) -> Result<Vec<ChangeRequest>, SyncError> {
        let list = self.pending().await?;
        let requests: Vec<ChangeRequest> = list
            .pending
            .into_iter()
            .filter(|pending| pending.author == author)
            .flat_map(|pending| {
                let tenant = pending.tenant;
                pending
                    .reviews
                    .into_iter()
                    .filter(ReviewNote::asks_for_changes)
                    .map(move |note| ChangeRequest {
                        changeset_hash: note.hash,
                        tenant: tenant.clone(),
                        reviewer: note.reviewer,
                        comment: note.comment,
                        fields: note
                            .fields
                            .into_iter()
                            .map(|field| RequestedField {
                                path: field.path,
                                comment: field.comment,
                            })
                            .collect(),
                        requested_at_ms: note.reviewed_at_ms,
                    })
            })
            .collect();
        self.store.replace_change_requests(&requests).await?;
        Ok(requests)
    }

    /// Asks the author of `hash` for changes: an overall comment and comments on fields
    /// (JSON pointers). The server refuses the author, a key without the reviewer role,
    /// a replaced change set, and a reviewer who approved it.
    pub async fn request_changes(
        &self,
        hash: &str,
        comment: &str,
        fields: &[FieldNote],
    ) -> Result<ReviewNote, SyncError> {
        self.give_verdict(hash, CHANGES_REQUESTED, comment, fields)
            .await
    }

    /// The comment that goes with this key's approval of `hash` (approve first).
    pub async fn comment_approval(
        &self,
        hash: &str,
        comment: &str,
    ) -> Result<ReviewNote, SyncError> {
        self.give_verdict(hash, "approved", comment, &[]).await
    }

    async fn give_verdict(
        &self,
        hash: &str,
        verdict: &str,
        comment: &str,
        fields: &[FieldNote],
    ) -> Result<ReviewNote, SyncError> {
        let body = serde_json::json!({ "verdict": verdict, "comment": comment, "fields": fields });
        let path = format!("/v1/changesets/{hash}/reviews");
        // One try: the same verdict again is answered 200 with what was stored.
        let (status, body) = self
            .http
            .send(
                Method::POST,
                &path,
                Some(body.to_string().into_bytes()),
                true,
                Some(1),
            )
            .await?;
        if status != StatusCode::CREATED && status != StatusCode::OK {
            return Err(refusal(status, &body));
        }
        serde_json::from_slice(&body)
            .map_err(|error| SyncError::Protocol(format!("{path}: {error}")))
    }

    /// The client's name as the mirror's furthest-back document of `tenant` gives it.
    async fn client_name(&self, tenant: &str) -> Result<Option<String>, SyncError> {
        let Some(id) = self.store.find_tenant(tenant).await? else {
            return Ok(None);
        };
        for environment in [
            Environment::Draft,
            Environment::Staging,
            Environment::Production,
        ] {
            if let Some(document) = self.store.document(&id, environment).await? {
                return Ok(Some(document.tenant.display_name));
            }
        }
        Ok(None)
    }

    /// Approves the change set `hash` with `key`: co-signs the envelope as this mirror
    /// holds it (pull first) and sends it. The server refuses an approval of one's own
    /// change set, by a key without the reviewer role, or of bytes it does not hold.
    pub async fn approve(&self, hash: &str, key: &SigningKey) -> Result<Approved, SyncError> {
        let bytes = self.store.envelope_by_id(hash).await?.ok_or_else(|| {
            SyncError::Protocol(format!(
                "change set {hash} is not in this mirror yet: sync first, then approve"
            ))
        })?;
        let mut envelope = Envelope::parse(&bytes)
            .map_err(|error| SyncError::Protocol(format!("change set {hash}: {error}")))?;
        let key_id = key.key_id();
        match envelope
            .signatures
            .iter()
            .position(|signature| signature.keyid == key_id.as_str())
        {
            // The author signs first. The server refuses it too; saying it here spares
            // a round trip and a misleading "two signatures by the same key".
            Some(0) => {
                return Err(SyncError::SelfApproval {
                    hash: hash.to_owned(),
                })
            }
            // Already co-signed by this key in these bytes: send them as they are.
            Some(_) => {}
            None => envelope
                .co_sign(key)
                .map_err(|error| SyncError::Signer(error.to_string()))?,
        }
        let path = format!("/v1/changesets/{hash}/approvals");
        // One try: a lost answer is safe to ask again (the server says `duplicate`).
        let (status, body) = self
            .http
            .send(Method::POST, &path, Some(envelope.to_json()), true, Some(1))
            .await?;
        if status != StatusCode::CREATED && status != StatusCode::OK {
            return Err(refusal(status, &body));
        }
        serde_json::from_slice(&body)
            .map_err(|error| SyncError::Protocol(format!("{path}: {error}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_kept_change_request_reads_back_as_the_verdict_it_was() {
        let kept = ChangeRequest {
            changeset_hash: "ab12".to_owned(),
            tenant: "acme-health".to_owned(),
            reviewer: "officer-key".to_owned(),
            comment: "Please document why GDPR applies.".to_owned(),
            fields: vec![RequestedField {
                path: "/classification/compliance_mode".to_owned(),
                comment: "Which EU customers?".to_owned(),
            }],
            requested_at_ms: 1_796_500_000_000,
        };
        let note = ReviewNote::from(kept);
        assert!(note.asks_for_changes());
        assert_eq!(note.hash, "ab12");
        assert_eq!(note.reviewer, "officer-key");
        assert_eq!(note.comment, "Please document why GDPR applies.");
        assert_eq!(
            note.fields,
            vec![FieldNote {
                path: "/classification/compliance_mode".to_owned(),
                comment: "Which EU customers?".to_owned(),
            }]
        );
        assert_eq!(note.reviewed_at_ms, 1_796_500_000_000);
    }
}
