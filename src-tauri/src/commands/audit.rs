//! The Audit place: this machine's audit log (docs/audit-log.md), newest first, with
//! filters. The log is written by `crate::audit` after every command that changes
//! something; this only reads it.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use tauri::State;
use tenantry_changeset::Environment;
use tenantry_core::Timestamp;
use tenantry_store::{AuditOutcome as StoredOutcome, AuditQuery, AuditRecord, Store};

use crate::error::AppError;
use crate::state::AppState;

/// Records per page.
const PAGE: u32 = 50;

/// How a command ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub enum AuditOutcome {
    Done,
    /// Refused for a reason a person can act on (a rule, the input, the server's no).
    Refused,
    /// Failed for another reason (the keyring, the network, the disk).
    Failed,
}

/// One recorded command.
#[derive(Clone, Debug, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct AuditEntry {
    /// Its place in this mirror's log, from 1.
    pub id: u32,
    /// RFC 3339, UTC.
    pub at: String,
    /// The key id of whoever ran it; `None` before this machine had a key.
    pub actor: Option<String>,
    /// "you", or the name the key registry gives, when known.
    pub actor_name: Option<String>,
    /// The command, e.g. `submit_draft`.
    pub action: String,
    /// The command in words.
    pub title: String,
    pub tenant: Option<String>,
    /// The client's name, when this mirror knows the tenant.
    pub client_name: Option<String>,
    /// What it acted on: a draft id, a change-set hash, a file name, a server URL.
    pub subject: Option<String>,
    pub outcome: AuditOutcome,
    pub detail: String,
    pub rule_ids: Vec<String>,
}

/// Which records to show; every filter is optional.
#[derive(Clone, Debug, Default, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct AuditFilter {
    /// A tenant id or slug.
    pub tenant: Option<String>,
    /// The start of a key id, or part of a person's name.
    pub person: Option<String>,
    /// `YYYY-MM-DD`, UTC, inclusive.
    pub from: Option<String>,
    /// `YYYY-MM-DD`, UTC, inclusive.
    pub to: Option<String>,
    /// A rule id, e.g. `APR-001`.
    pub rule: Option<String>,
}

/// A page of records, newest first.
#[derive(Clone, Debug, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct AuditPage {
    pub entries: Vec<AuditEntry>,
    /// Pass as `before` for the older records; `None` when there are none.
    pub next_before: Option<u32>,
}

/// The command in words.
pub fn title(action: &str) -> &'static str {
    match action {
        "create_draft" => "Started a draft",
        "save_draft" => "Saved a draft",
        "edit_draft" => "Edited a draft",
        "submit_draft" => "Submitted a draft",
        "import_document" => "Imported a tenant document",
        "export_document" => "Exported a tenant document",
        "choose_image" => "Chose an image",
        "attach_output" => "Attached output as evidence",
        "export_handoff" => "Saved the handoff document",
        "set_server_url" => "Chose the platform server",
        "register_key" => "Registered the signing key",
        "sync_now" => "Synced with the server",
        "resolve_conflict" => "Resolved a conflict",
        "dismiss_rejection" => "Dismissed a refused change set",
        "approve_changeset" => "Approved a change set",
        "request_changes" => "Asked for changes",
        "promote_tenant" => "Promoted a tenant",
        _ => "Another command",
    }
}

/// The first millisecond of a `YYYY-MM-DD` day (UTC), or the first of the day after
/// (for an inclusive end); a refusal naming `field` otherwise.
pub fn day_start(field: &str, text: &str, next_day: bool) -> Result<i64, AppError> {
    let text = text.trim();
    let well_formed = text.len() == 10
        && text.bytes().enumerate().all(|(index, byte)| {
            if index == 4 || index == 7 {
                byte == b'-'
            } else {
                byte.is_ascii_digit()
            }
        });
    let start = well_formed
        .then(|| Timestamp::parse_rfc3339(&format!("{text}T00:00:00Z")).ok())
        .flatten()
        .ok_or_else(|| {
            AppError::invalid(format!(
                "{field}: {text:?} is not a date; give it as YYYY-MM-DD."
            ))
        })?;
    const DAY_MS: i64 = 24 * 60 * 60 * 1000;
    Ok(start.unix_millis() + if next_day { DAY_MS } else { 0 })
}

fn blank_to_none(text: Option<String>) -> Option<String> {
    text.map(|text| text.trim().to_owned())
        .filter(|text| !text.is_empty())
}

async fn client_names(
    store: &Store,
    records: &[AuditRecord],
) -> Result<HashMap<String, String>, AppError> {
    let mut names = HashMap::new();
    for tenant in records.iter().filter_map(|record| record.tenant.as_deref()) {
        if names.contains_key(tenant) {
            continue;
        }
        let Some(id) = store.find_tenant(tenant).await? else {
            continue;
        };
        for environment in [
            Environment::Draft,
            Environment::Staging,
            Environment::Production,
        ] {
            if let Some(document) = store.document(&id, environment).await? {
                names.insert(tenant.to_owned(), document.tenant.display_name);
                break;
            }
        }
    }
    Ok(names)
}

/// This machine's audit log, newest first, 50 records a page, older than `before` when
/// given. A date that is not `YYYY-MM-DD` is `invalid_input` naming the filter.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(name = "command", skip_all, fields(name = "audit_log"))]
pub async fn audit_log(
    state: State<'_, AppState>,
    filter: AuditFilter,
    before: Option<u32>,
) -> Result<AuditPage, AppError> {
    let store = state.store().await?;
    let from_ms = blank_to_none(filter.from)
        .map(|from| day_start("From", &from, false))
        .transpose()?;
    let to_ms = blank_to_none(filter.to)
        .map(|to| day_start("To", &to, true))
        .transpose()?;
    let tenant = match blank_to_none(filter.tenant) {
        // A slug is found as the tenant's id; an unknown one matches nothing.
        Some(tenant) => Some(
            store
                .find_tenant(&tenant)
                .await?
                .map_or(tenant, |id| id.to_string()),
        ),
        None => None,
    };
    let query = AuditQuery {
        tenant,
        person: blank_to_none(filter.person),
        from_ms,
        to_ms,
        rule: blank_to_none(filter.rule),
        before: before.map(i64::from),
        limit: PAGE + 1,
    };
    let mut records = store.audit_records(&query).await?;
    let more = records.len() > PAGE as usize;
    records.truncate(PAGE as usize);
    let me = state.signer.key_id();
    let names = super::review::signer_names(store).await?;
    let clients = client_names(store, &records).await?;
    let entries: Vec<AuditEntry> = records
        .into_iter()
        .map(|record| AuditEntry {
            id: u32::try_from(record.id).unwrap_or(u32::MAX),
            at: record.at.to_string(),
            actor_name: record.actor.as_deref().and_then(|actor| {
                if me.as_deref() == Some(actor) {
                    Some("you".to_owned())
                } else {
                    names.get(actor).cloned()
                }
            }),
            actor: record.actor,
            title: title(&record.action).to_owned(),
            client_name: record
                .tenant
                .as_deref()
                .and_then(|tenant| clients.get(tenant).cloned()),
            action: record.action,
            tenant: record.tenant,
            subject: record.subject,
            outcome: match record.outcome {
                StoredOutcome::Done => AuditOutcome::Done,
                StoredOutcome::Refused => AuditOutcome::Refused,
                StoredOutcome::Failed => AuditOutcome::Failed,
            },
            detail: record.detail,
            rule_ids: record.rule_ids,
        })
        .collect();
    let next_before = if more {
        entries.last().map(|entry| entry.id)
    } else {
        None
    };
    Ok(AuditPage {
        entries,
        next_before,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_whole_utc_days_and_anything_else_is_refused_by_name() {
        assert_eq!(
            day_start("From", "2026-12-06", false).expect("a date"),
            1_796_515_200_000
        );
        assert_eq!(
            day_start("To", "2026-12-06", true).expect("a date") - 1_796_515_200_000,
            86_400_000
        );
        for bad in [
            "06/12/2026",
            "2026-13-01",
            "2026-12-6",
            "yesterday",
            "2026-12-06T00:00",
        ] {
            let error = day_start("From", bad, false).expect_err(bad);
            assert!(error.message.starts_with("From: "), "{}", error.message);
        }
    }

    #[test]
    fn every_audited_command_has_a_title() {
        for action in [
            "submit_draft",
            "approve_changeset",
            "request_changes",
            "promote_tenant",
            "attach_output",
        ] {
            assert_ne!(title(action), "Another command", "{action}");
        }
    }
}
