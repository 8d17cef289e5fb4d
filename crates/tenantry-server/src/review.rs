//! Approval requirements as recorded when a change set was accepted, and how approvals
//! are counted against them (for the push gate, a change set's approvals and the
//! review queue alike).
//!
//! A requirement asks for `approvals` distinct reviewers with a role. An approval counts
//! when, at the time it is counted, the approver's key is approved (not pending, not
//! revoked), has that role, and is not the author of the change set approved (nor, for
//! a promotion, of the production change set being pushed). Met is never stored: a
//! revocation can un-meet a requirement later, and the next production push of the
//! tenant then waits for another approval.
//!
//! Approvals are of a configuration, not of history: a requirement counts the approvals
//! of the *current* head of its change set's environment (a production promotion's,
//! of the staging change set it promoted: the next promotion asks for the staging head
//! it promotes itself). An edit after review makes a new
//! change set there, which voids the approvals of the one it replaced: the requirements
//! recorded before wait again, now for the new change set ("an edit after review voids
//! earlier approvals").

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use sqlx::{AnyConnection, Row};
use tenantry_core::Step;
use tenantry_policy::{ApprovalRequirement, ReviewerRole};
use utoipa::ToSchema;

use crate::push::select_in;
use crate::staff::{KeyState, Role};
use crate::storage::{Approval, StorageError};

/// The server role that gives the approvals a rule asks for.
pub fn role_of(reviewer: ReviewerRole) -> Role {
    match reviewer {
        ReviewerRole::ComplianceOfficer => Role::ComplianceOfficer,
    }
}

/// A requirement recorded for an accepted change set.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordedRequirement {
    /// The change set that has the requirement.
    pub changeset: String,
    pub position: i64,
    pub tenant: String,
    pub seq: i64,
    /// Its author and environment.
    pub author: String,
    pub environment: String,
    /// The change set whose approvals count now: the newest change set of the change
    /// set's environment (itself until an edit replaces it), or for a production change
    /// set the staging change set it promoted.
    pub subject: String,
    /// The change set recorded as the subject when the requirement was recorded:
    /// `changeset` itself, or for a production change set the staging change set it
    /// promoted.
    pub recorded_subject: String,
    /// The environment of the subject (`staging` for a production change set's).
    pub subject_environment: String,
    /// The newest change set of `changeset`'s own environment: the queue entry that
    /// carries the requirement once `changeset` was replaced.
    pub changeset_head: String,
    pub rule_id: String,
    pub approvals: u32,
    pub reviewer: ReviewerRole,
    pub step: Step,
    pub path: String,
    pub message: String,
}

/// Whose requirements are being recorded: an accepted change set.
#[derive(Clone, Copy, Debug)]
pub struct Owner<'a> {
    pub changeset: &'a str,
    pub tenant: &'a str,
    pub seq: i64,
    pub author: &'a str,
    pub environment: &'a str,
    /// The change set whose approvals count (see [`RecordedRequirement::subject`]).
    pub subject: &'a str,
    /// Its environment.
    pub subject_environment: &'a str,
}

impl RecordedRequirement {
    /// The record of `requirement`, the `position`-th of `owner`'s.
    pub fn new(requirement: &ApprovalRequirement, position: usize, owner: Owner<'_>) -> Self {
        RecordedRequirement {
            changeset: owner.changeset.to_owned(),
            position: i64::try_from(position).unwrap_or(i64::MAX),
            tenant: owner.tenant.to_owned(),
            seq: owner.seq,
            author: owner.author.to_owned(),
            environment: owner.environment.to_owned(),
            subject: owner.subject.to_owned(),
            recorded_subject: owner.subject.to_owned(),
            subject_environment: owner.subject_environment.to_owned(),
            changeset_head: owner.changeset.to_owned(),
            rule_id: requirement.rule_id.clone(),
            approvals: requirement.approvals,
            reviewer: requirement.reviewer,
            step: requirement.step,
            path: requirement.path.clone(),
            message: requirement.message.clone(),
        }
    }
}

/// A new change set `hash` became the head of `environment` for the tenant whose
/// recorded requirements are `requirements`: from now on those whose subject was in that
/// environment count its approvals, and those of change sets there are carried by it
/// in the review queue. (Within one push batch; the database gives the same answer on
/// every later read.)
pub fn replaced_head(requirements: &mut [RecordedRequirement], environment: &str, hash: &str) {
    for requirement in requirements {
        // A promotion's requirement stays with the staging change set it promoted: the
        // next promotion asks for the new staging head's approval itself.
        if requirement.subject_environment == environment && requirement.environment == environment
        {
            hash.clone_into(&mut requirement.subject);
        }
        if requirement.environment == environment {
            hash.clone_into(&mut requirement.changeset_head);
        }
    }
}

/// A stored approval with what counting needs: the approver's key as it is now and the
/// author of the change set approved.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyedApproval {
    pub changeset: String,
    pub approval: Approval,
    pub role: Role,
    pub state: KeyState,
    pub changeset_author: String,
}

/// Approvals by change set hash.
pub type ApprovalsByHash = HashMap<String, Vec<KeyedApproval>>;

/// Whether an approval counts now for some reviewer role: the approver's key is
/// approved and they did not author what they approved.
pub fn is_valid(approval: &KeyedApproval) -> bool {
    approval.state == KeyState::Approved && approval.approval.approver != approval.changeset_author
}

/// How many of `approvals` count for a requirement asking for `reviewer`; `not_by` is
/// one more person whose approval does not count (the author of a production push).
pub fn count(approvals: &[KeyedApproval], reviewer: ReviewerRole, not_by: Option<&str>) -> u32 {
    let counted = approvals
        .iter()
        .filter(|approval| is_valid(approval) && approval.role == role_of(reviewer))
        .filter(|approval| Some(approval.approval.approver.as_str()) != not_by)
        .count();
    u32::try_from(counted).unwrap_or(u32::MAX)
}

/// One requirement and how far its approvals have come.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
pub struct RequirementStatus {
    /// The change set to approve: whose approvals count for this requirement (the change
    /// set itself, or for a production promotion the staging change set it promotes).
    pub hash: String,
    /// The change set the requirement belongs to.
    pub required_by: String,
    /// The approval rule (`APR-001`, …, or a platform's own).
    pub rule_id: String,
    /// The role an approver must have.
    pub reviewer_role: Role,
    /// Approvals the rule asks for.
    pub needed: u32,
    /// Approvals that count now.
    pub have: u32,
    pub satisfied: bool,
    /// The onboarding step the rule belongs to (`classification`, `data_migration`, …).
    pub step: String,
    /// Where in the document the reason is (JSON pointer; empty for the whole document).
    pub path: String,
    /// What the change does that needs the approval.
    pub message: String,
}

impl RequirementStatus {
    fn of(
        requirement: &ApprovalRequirement,
        hash: &str,
        required_by: &str,
        have: u32,
    ) -> RequirementStatus {
        RequirementStatus {
            hash: hash.to_owned(),
            required_by: required_by.to_owned(),
            rule_id: requirement.rule_id.clone(),
            reviewer_role: role_of(requirement.reviewer),
            needed: requirement.approvals,
            have,
            satisfied: have >= requirement.approvals,
            step: requirement.step.id().to_owned(),
            path: requirement.path.clone(),
            message: requirement.message.clone(),
        }
    }

    /// The status of a recorded requirement given the approvals of its subject.
    pub fn recorded(requirement: &RecordedRequirement, approvals: &ApprovalsByHash) -> Self {
        let have = approvals
            .get(&requirement.subject)
            .map_or(0, |approvals| count(approvals, requirement.reviewer, None));
        let as_requirement = ApprovalRequirement {
            rule_id: requirement.rule_id.clone(),
            approvals: requirement.approvals,
            reviewer: requirement.reviewer,
            step: requirement.step,
            path: requirement.path.clone(),
            message: requirement.message.clone(),
        };
        Self::of(
            &as_requirement,
            &requirement.subject,
            &requirement.changeset,
            have,
        )
    }
}

/// The push gate for a production change set: every unmet requirement recorded for the
/// tenant (oldest first), then each requirement of the change set itself that the
/// staging head it promotes does not meet yet. Empty when the push may go ahead.
pub fn missing_for_promotion(
    recorded: &[RecordedRequirement],
    approvals: &ApprovalsByHash,
    own: &[ApprovalRequirement],
    pushed: &str,
    author: &str,
    staging_head: &str,
) -> Vec<RequirementStatus> {
    let mut missing: Vec<RequirementStatus> = recorded
        .iter()
        .map(|requirement| RequirementStatus::recorded(requirement, approvals))
        .filter(|status| !status.satisfied)
        .collect();
    let promoted = approvals.get(staging_head).map_or(&[][..], Vec::as_slice);
    for requirement in own {
        let have = count(promoted, requirement.reviewer, Some(author));
        let status = RequirementStatus::of(requirement, staging_head, pushed, have);
        if !status.satisfied {
            missing.push(status);
        }
    }
    missing
}

// The current heads of the subject's and the change set's environments come with each
// requirement (see the module comment: approvals are of the newest configuration).
const REQUIREMENT_SELECT: &str =
    "SELECT r.changeset_hash, r.position, r.tenant_id, r.seq, r.subject_hash, \
     r.rule_id, r.approvals, r.reviewer_role, r.step, r.path, r.message, c.author, c.environment, \
     s.environment AS subject_environment, sd.head_hash AS subject_head, \
     cd.head_hash AS changeset_head \
     FROM approval_requirements r JOIN changesets c ON c.hash = r.changeset_hash \
     JOIN changesets s ON s.hash = r.subject_hash \
     LEFT JOIN environment_heads sd ON sd.tenant_id = r.tenant_id AND sd.environment = s.environment \
     LEFT JOIN environment_heads cd ON cd.tenant_id = r.tenant_id AND cd.environment = c.environment";

const APPROVAL_SELECT: &str =
    "SELECT a.changeset_hash, a.approver, a.signature, a.approved_at_ms, \
     k.role, k.state, c.author FROM approvals a \
     JOIN changesets c ON c.hash = a.changeset_hash \
     JOIN staff_keys k ON k.key_id = a.approver";

fn corrupt(id: &str, detail: String) -> StorageError {
    StorageError::Corrupt {
        table: "approval_requirements",
        id: id.to_owned(),
        detail,
    }
}

fn requirement_from_row(row: &sqlx::any::AnyRow) -> Result<RecordedRequirement, StorageError> {
    let changeset: String = row.try_get("changeset_hash")?;
    let reviewer: String = row.try_get("reviewer_role")?;
    let step: String = row.try_get("step")?;
    let approvals: i64 = row.try_get("approvals")?;
    let recorded_subject: String = row.try_get("subject_hash")?;
    let subject_head: Option<String> = row.try_get("subject_head")?;
    let changeset_head: Option<String> = row.try_get("changeset_head")?;
    let subject_environment: String = row.try_get("subject_environment")?;
    let environment: String = row.try_get("environment")?;
    Ok(RecordedRequirement {
        position: row.try_get("position")?,
        tenant: row.try_get("tenant_id")?,
        seq: row.try_get("seq")?,
        author: row.try_get("author")?,
        subject: match subject_head {
            Some(head) if subject_environment == environment => head,
            _ => recorded_subject.clone(),
        },
        recorded_subject,
        subject_environment,
        environment,
        changeset_head: changeset_head.unwrap_or_else(|| changeset.clone()),
        rule_id: row.try_get("rule_id")?,
        approvals: u32::try_from(approvals)
            .map_err(|_| corrupt(&changeset, format!("{approvals} approvals")))?,
        reviewer: ReviewerRole::from_id(&reviewer)
            .ok_or_else(|| corrupt(&changeset, format!("unknown reviewer role {reviewer}")))?,
        step: Step::from_id(&step)
            .ok_or_else(|| corrupt(&changeset, format!("unknown step {step}")))?,
        path: row.try_get("path")?,
        message: row.try_get("message")?,
        changeset,
    })
}

fn approval_from_row(row: &sqlx::any::AnyRow) -> Result<KeyedApproval, StorageError> {
    let changeset: String = row.try_get("changeset_hash")?;
    let role: String = row.try_get("role")?;
    let state: String = row.try_get("state")?;
    let bad_key = |detail: String| StorageError::Corrupt {
        table: "staff_keys",
        id: changeset.clone(),
        detail,
    };
    Ok(KeyedApproval {
        approval: Approval {
            approver: row.try_get("approver")?,
            signature: row.try_get("signature")?,
            approved_at_ms: row.try_get("approved_at_ms")?,
        },
        role: Role::from_id(&role).ok_or_else(|| bad_key(format!("unknown role {role}")))?,
        state: KeyState::from_id(&state)
            .ok_or_else(|| bad_key(format!("unknown state {state}")))?,
        changeset_author: row.try_get("author")?,
        changeset,
    })
}

fn sorted(mut requirements: Vec<RecordedRequirement>) -> Vec<RecordedRequirement> {
    requirements.sort_by_key(|requirement| (requirement.seq, requirement.position));
    requirements
}

fn by_hash(mut approvals: Vec<KeyedApproval>) -> ApprovalsByHash {
    approvals.sort_by(|a, b| {
        (a.approval.approved_at_ms, &a.approval.approver)
            .cmp(&(b.approval.approved_at_ms, &b.approval.approver))
    });
    let mut grouped: ApprovalsByHash = HashMap::new();
    for approval in approvals {
        grouped
            .entry(approval.changeset.clone())
            .or_default()
            .push(approval);
    }
    grouped
}

/// The requirements recorded for the change sets of `tenants`, oldest first.
pub async fn requirements_of_tenants(
    conn: &mut AnyConnection,
    tenants: &[&str],
) -> Result<Vec<RecordedRequirement>, StorageError> {
    let rows = select_in(
        conn,
        &format!("{REQUIREMENT_SELECT} WHERE r.tenant_id"),
        tenants,
    )
    .await?;
    Ok(sorted(
        rows.iter()
            .map(requirement_from_row)
            .collect::<Result<_, _>>()?,
    ))
}

/// The requirements recorded for one change set, in their order.
pub async fn requirements_of_changeset(
    conn: &mut AnyConnection,
    hash: &str,
) -> Result<Vec<RecordedRequirement>, StorageError> {
    let rows = select_in(
        conn,
        &format!("{REQUIREMENT_SELECT} WHERE r.changeset_hash"),
        &[hash],
    )
    .await?;
    Ok(sorted(
        rows.iter()
            .map(requirement_from_row)
            .collect::<Result<_, _>>()?,
    ))
}

/// Every recorded requirement, oldest first.
pub async fn all_requirements(
    conn: &mut AnyConnection,
) -> Result<Vec<RecordedRequirement>, StorageError> {
    let rows = sqlx::query(REQUIREMENT_SELECT)
        .fetch_all(&mut *conn)
        .await?;
    Ok(sorted(
        rows.iter()
            .map(requirement_from_row)
            .collect::<Result<_, _>>()?,
    ))
}

/// The approvals of every change set of `tenants`, oldest first per change set.
pub async fn approvals_of_tenants(
    conn: &mut AnyConnection,
    tenants: &[&str],
) -> Result<ApprovalsByHash, StorageError> {
    let rows = select_in(
        conn,
        &format!("{APPROVAL_SELECT} WHERE c.tenant_id"),
        tenants,
    )
    .await?;
    Ok(by_hash(
        rows.iter()
            .map(approval_from_row)
            .collect::<Result<_, _>>()?,
    ))
}

/// The approvals of the change sets `hashes`, oldest first per change set.
pub async fn approvals_of(
    conn: &mut AnyConnection,
    hashes: &[&str],
) -> Result<ApprovalsByHash, StorageError> {
    let rows = select_in(
        conn,
        &format!("{APPROVAL_SELECT} WHERE a.changeset_hash"),
        hashes,
    )
    .await?;
    Ok(by_hash(
        rows.iter()
            .map(approval_from_row)
            .collect::<Result<_, _>>()?,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn requirement(rule: &str, approvals: u32) -> ApprovalRequirement {
        ApprovalRequirement {
            rule_id: rule.into(),
            approvals,
            reviewer: ReviewerRole::ComplianceOfficer,
            step: Step::Classification,
            path: "/classification/compliance_mode".into(),
            message: "changes the compliance mode from gdpr to hipaa".into(),
        }
    }

    fn approval(changeset: &str, approver: &str, role: Role, state: KeyState) -> KeyedApproval {
        KeyedApproval {
            changeset: changeset.into(),
            approval: Approval {
                approver: approver.into(),
                signature: "sig".into(),
                approved_at_ms: 1,
            },
            role,
            state,
            changeset_author: "author".into(),
        }
    }

    #[test]
    fn a_new_head_takes_over_the_requirements_of_its_environment_only() {
        let owner = |changeset: &'static str,
                     environment: &'static str,
                     subject: &'static str,
                     subject_environment: &'static str| Owner {
            changeset,
            tenant: "t",
            seq: 1,
            author: "author",
            environment,
            subject,
            subject_environment,
        };
        let mut recorded = vec![
            RecordedRequirement::new(
                &requirement("APR-001", 1),
                0,
                owner("draft-1", "draft", "draft-1", "draft"),
            ),
            RecordedRequirement::new(
                &requirement("APR-001", 1),
                0,
                owner("staging-1", "staging", "staging-1", "staging"),
            ),
            RecordedRequirement::new(
                &requirement("APR-003", 1),
                0,
                owner("prod-1", "production", "staging-1", "staging"),
            ),
        ];
        replaced_head(&mut recorded, "staging", "staging-2");
        let now: Vec<(&str, &str, &str)> = recorded
            .iter()
            .map(|r| {
                (
                    r.subject.as_str(),
                    r.recorded_subject.as_str(),
                    r.changeset_head.as_str(),
                )
            })
            .collect();
        assert_eq!(
            now,
            [
                ("draft-1", "draft-1", "draft-1"),
                ("staging-2", "staging-1", "staging-2"),
                ("staging-1", "staging-1", "prod-1"),
            ]
        );
        // The old staging head's approval no longer counts for any of them.
        let approvals: ApprovalsByHash = HashMap::from([(
            "staging-1".to_owned(),
            vec![approval(
                "staging-1",
                "o",
                Role::ComplianceOfficer,
                KeyState::Approved,
            )],
        )]);
        let statuses: Vec<bool> = recorded
            .iter()
            .map(|r| RequirementStatus::recorded(r, &approvals).satisfied)
            .collect();
        assert_eq!(
            statuses,
            [false, false, true],
            "the promotion that happened stays approved"
        );
    }

    #[test]
    fn only_approved_reviewers_who_did_not_author_it_count() {
        let approvals = vec![
            approval("s", "officer", Role::ComplianceOfficer, KeyState::Approved),
            approval("s", "revoked", Role::ComplianceOfficer, KeyState::Revoked),
            approval("s", "pending", Role::ComplianceOfficer, KeyState::Pending),
            approval("s", "admin", Role::Admin, KeyState::Approved),
            approval("s", "author", Role::ComplianceOfficer, KeyState::Approved),
        ];
        assert_eq!(count(&approvals, ReviewerRole::ComplianceOfficer, None), 1);
        assert_eq!(
            count(&approvals, ReviewerRole::ComplianceOfficer, Some("officer")),
            0
        );
        assert!(is_valid(&approvals[0]));
        assert!(!is_valid(&approvals[1]));
        assert!(!is_valid(&approvals[4]));
    }

    #[test]
    fn a_promotion_waits_for_the_tenant_and_for_the_staging_head() {
        let recorded = RecordedRequirement::new(
            &requirement("APR-001", 1),
            0,
            Owner {
                changeset: "draft-1",
                tenant: "t",
                seq: 1,
                author: "author",
                environment: "draft",
                subject: "draft-1",
                subject_environment: "draft",
            },
        );
        let own = [requirement("APR-003", 1)];
        let mut approvals: ApprovalsByHash = HashMap::new();

        let missing = missing_for_promotion(
            std::slice::from_ref(&recorded),
            &approvals,
            &own,
            "prod",
            "author",
            "staging-2",
        );
        let listed: Vec<(&str, &str, &str, u32, u32)> = missing
            .iter()
            .map(|m| {
                (
                    m.hash.as_str(),
                    m.required_by.as_str(),
                    m.rule_id.as_str(),
                    m.needed,
                    m.have,
                )
            })
            .collect();
        assert_eq!(
            listed,
            [
                ("draft-1", "draft-1", "APR-001", 1, 0),
                ("staging-2", "prod", "APR-003", 1, 0)
            ]
        );

        // Approving an older staging change set does not approve the head.
        approvals.insert(
            "draft-1".into(),
            vec![approval(
                "draft-1",
                "o",
                Role::ComplianceOfficer,
                KeyState::Approved,
            )],
        );
        approvals.insert(
            "staging-1".into(),
            vec![approval(
                "staging-1",
                "o",
                Role::ComplianceOfficer,
                KeyState::Approved,
            )],
        );
        let missing = missing_for_promotion(
            std::slice::from_ref(&recorded),
            &approvals,
            &own,
            "prod",
            "author",
            "staging-2",
        );
        assert_eq!(missing.len(), 1);
        assert_eq!(missing[0].hash, "staging-2");

        approvals.insert(
            "staging-2".into(),
            vec![approval(
                "staging-2",
                "o",
                Role::ComplianceOfficer,
                KeyState::Approved,
            )],
        );
        assert!(missing_for_promotion(
            std::slice::from_ref(&recorded),
            &approvals,
            &own,
            "prod",
            "author",
            "staging-2",
        )
        .is_empty());
        // Two approvals asked for, one given.
        let two = [requirement("PLT-A01", 2)];
        let missing = missing_for_promotion(&[], &approvals, &two, "prod", "author", "staging-2");
        assert_eq!((missing[0].needed, missing[0].have), (2, 1));
    }
}
