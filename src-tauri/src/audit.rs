//! One audit record per command that changes something (docs/audit-log.md): written to
//! the mirror right after the command, whatever its outcome. A failure to record is
//! logged, never turned into the command's failure: what was done is done.

use tenantry_store::{AuditOutcome, NewAuditRecord};

use crate::error::{AppError, ErrorCode};
use crate::state::AppState;

/// What a command acted on, known before it runs.
pub struct Audited {
    pub action: &'static str,
    pub tenant: Option<String>,
    pub subject: Option<String>,
}

impl Audited {
    pub fn new(action: &'static str) -> Self {
        Self {
            action,
            tenant: None,
            subject: None,
        }
    }

    pub fn tenant(mut self, tenant: impl Into<String>) -> Self {
        self.tenant = Some(tenant.into());
        self
    }

    pub fn subject(mut self, subject: impl Into<String>) -> Self {
        self.subject = Some(subject.into());
        self
    }
}

/// What a command that ended without an error did.
pub struct Described {
    pub outcome: AuditOutcome,
    pub detail: String,
    pub rules: Vec<String>,
    /// Learnt while it ran (e.g. a draft's tenant), when not known before.
    pub tenant: Option<String>,
    pub subject: Option<String>,
}

impl Described {
    pub fn done(detail: impl Into<String>) -> Self {
        Self {
            outcome: AuditOutcome::Done,
            detail: detail.into(),
            rules: Vec::new(),
            tenant: None,
            subject: None,
        }
    }

    pub fn refused(detail: impl Into<String>, rules: Vec<String>) -> Self {
        Self {
            outcome: AuditOutcome::Refused,
            rules,
            ..Self::done(detail)
        }
    }

    pub fn tenant(mut self, tenant: impl Into<String>) -> Self {
        self.tenant = Some(tenant.into());
        self
    }

    pub fn subject(mut self, subject: impl Into<String>) -> Self {
        self.subject = Some(subject.into());
        self
    }
}

/// Refusals a person can act on (their input, a rule, the server's no) are `refused`;
/// the rest (keyring, network, disk, bugs) `failed`.
pub fn outcome_of(error: &AppError) -> AuditOutcome {
    match error.code {
        ErrorCode::InvalidInput
        | ErrorCode::NotFound
        | ErrorCode::Conflict
        | ErrorCode::NotRegistered
        | ErrorCode::Server => AuditOutcome::Refused,
        ErrorCode::Keyring | ErrorCode::Offline | ErrorCode::Storage | ErrorCode::Internal => {
            AuditOutcome::Failed
        }
    }
}

/// Records what `result` says the command `what` did.
pub async fn record<T>(
    state: &AppState,
    what: Audited,
    result: &Result<T, AppError>,
    describe: impl FnOnce(&T) -> Described,
) {
    let (outcome, detail, rules, tenant, subject) = match result {
        Ok(value) => {
            let described = describe(value);
            (
                described.outcome,
                described.detail,
                described.rules,
                described.tenant.or(what.tenant),
                described.subject.or(what.subject),
            )
        }
        Err(error) => (
            outcome_of(error),
            error.message.clone(),
            Vec::new(),
            what.tenant,
            what.subject,
        ),
    };
    let record = NewAuditRecord {
        actor: state.signer.key_id(),
        action: what.action.to_owned(),
        tenant,
        subject,
        outcome,
        detail,
        rule_ids: rules,
    };
    let store = match state.store().await {
        Ok(store) => store,
        Err(error) => {
            tracing::warn!(%error, action = what.action, "not audited: no mirror");
            return;
        }
    };
    // Written after the answer leaves: typing saves several times a second, and the
    // record must not make the form wait for a second commit.
    let store = store.clone();
    let action = what.action;
    tauri::async_runtime::spawn(async move {
        if let Err(error) = store.record_audit(&record).await {
            tracing::warn!(%error, action, "not audited");
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_a_person_can_act_on_are_told_apart_from_failures() {
        let error = |code| AppError {
            code,
            message: "m".into(),
            fields: Vec::new(),
        };
        assert_eq!(
            outcome_of(&error(ErrorCode::InvalidInput)),
            AuditOutcome::Refused
        );
        assert_eq!(outcome_of(&error(ErrorCode::Server)), AuditOutcome::Refused);
        assert_eq!(outcome_of(&error(ErrorCode::Keyring)), AuditOutcome::Failed);
        assert_eq!(outcome_of(&error(ErrorCode::Offline)), AuditOutcome::Failed);
    }
}
