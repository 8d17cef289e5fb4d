use std::collections::BTreeMap;

use crate::audit::{Audited, Described};
use serde::{Deserialize, Serialize};
use tauri::State;
use tenantry_core::Timestamp;
use tenantry_store::HeldChangeSet;
use tenantry_sync::{describe, Conflict, Phase, Resolution, Role, Side, SyncStatus};

use super::review::{change_requests, ChangeRequest};
use crate::error::AppError;
use crate::state::AppState;
use crate::sync::{KeyStatus, ServerSource};

/// Everything the sync area of the window shows.
#[derive(Clone, Debug, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct SyncView {
    pub server_url: Option<String>,
    pub source: ServerSource,
    /// A token for this server is in the keyring (the key was registered).
    pub registered: bool,
    /// Where the key stands, as the server says (pending, approved, revoked, or a
    /// token it does not know). When the server cannot be asked, its last answer with
    /// `current: false`; none without a token or before any answer.
    pub key: Option<KeyStatus>,
    /// The server answered just now.
    pub online: bool,
    /// Change sets waiting to be sent.
    pub outbox: u32,
    /// Change sets the server refused, returned to their author with its reason.
    pub rejected: Vec<HeldView>,
    /// Change sets whose fields someone else changed too: a person must choose.
    pub conflicts: Vec<HeldView>,
    /// Reviewers' requests for changes on this person's change sets, as of the last
    /// sync (newest first; kept in the mirror, so offline too).
    pub change_requests: Vec<ChangeRequest>,
    #[specta(type = Option<String>)]
    pub last_sync_at: Option<Timestamp>,
    pub last_error: Option<String>,
    /// The sync running now, if any.
    pub progress: Option<SyncProgress>,
    pub running: bool,
}

#[derive(Clone, Debug, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct HeldView {
    pub hash: String,
    pub changeset_id: String,
    pub tenant: String,
    pub code: Option<String>,
    pub message: Option<String>,
}

impl From<&HeldChangeSet> for HeldView {
    fn from(held: &HeldChangeSet) -> Self {
        Self {
            hash: held.hash.clone(),
            changeset_id: held.id.clone(),
            tenant: held.tenant.clone(),
            code: held.code.clone(),
            message: held.message.clone(),
        }
    }
}

#[derive(Clone, Copy, Debug, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub enum SyncPhase {
    Keys,
    Pull,
    Rebase,
    Push,
}

#[derive(Clone, Copy, Debug, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct SyncProgress {
    pub phase: SyncPhase,
    pub done: u32,
    /// Unknown while a pull has not reached its last page.
    pub total: Option<u32>,
}

fn clamp(count: u64) -> u32 {
    u32::try_from(count).unwrap_or(u32::MAX)
}

async fn view(state: &AppState) -> Result<SyncView, AppError> {
    let store = state.store().await?;
    let (server_url, source) = state.sync.server();
    let progress = state.sync.progress().map(|progress| SyncProgress {
        phase: match progress.phase {
            Phase::Keys => SyncPhase::Keys,
            Phase::Pull => SyncPhase::Pull,
            Phase::Rebase => SyncPhase::Rebase,
            Phase::Push => SyncPhase::Push,
        },
        done: clamp(progress.done),
        total: progress.total.map(clamp),
    });
    let mut view = SyncView {
        server_url: server_url.clone(),
        source,
        registered: false,
        key: None,
        online: false,
        outbox: clamp(store.outbox_len().await?),
        rejected: Vec::new(),
        conflicts: Vec::new(),
        change_requests: change_requests(store, None).await?,
        last_sync_at: None,
        last_error: None,
        progress,
        running: state.sync.is_running(),
    };
    let Some(server_url) = server_url else {
        return Ok(view);
    };
    let token = state
        .signer
        .server_token(&server_url)
        .unwrap_or_else(|error| {
            tracing::warn!(%error, "could not read the server token");
            None
        });
    view.registered = token.is_some();
    let status: SyncStatus = state.sync.status(store, &server_url, token.clone()).await?;
    view.online = status.online;
    if let Some(token) = token {
        view.key = state
            .sync
            .key_status(store, &server_url, token, status.online)
            .await;
    }
    view.outbox = clamp(status.outbox);
    view.rejected = status.rejected.iter().map(HeldView::from).collect();
    view.conflicts = status.conflicts.iter().map(HeldView::from).collect();
    view.last_sync_at = status
        .last_sync_at_ms
        .and_then(|millis| Timestamp::from_unix_millis(millis).ok());
    view.last_error = status.last_error;
    Ok(view)
}

/// The sync state: server, registration and the key's standing, outbox, refusals,
/// conflicts, progress.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(name = "command", skip_all, fields(name = "sync_status"))]
pub async fn sync_status(state: State<'_, AppState>) -> Result<SyncView, AppError> {
    view(&state).await
}

/// Chooses the platform server (or, with `null`, none). Refused URLs change nothing.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(name = "command", skip_all, fields(name = "set_server_url"))]
pub async fn set_server_url(
    state: State<'_, AppState>,
    url: Option<String>,
) -> Result<SyncView, AppError> {
    let what = Audited::new("set_server_url");
    let result: Result<SyncView, AppError> = async {
        if state.sync.server().1 == ServerSource::Environment {
            return Err(AppError::invalid(format!(
                "The server is set by {} for this session; unset it to choose one here.",
                crate::sync::SERVER_URL_ENV
            )));
        }
        state.sync.set_server(url.as_deref())?;
        view(&state).await
    }
    .await;
    crate::audit::record(&state, what, &result, |view| {
        Described::done(match &view.server_url {
            Some(url) => format!("Server set to {url}"),
            None => "Server cleared".to_owned(),
        })
    })
    .await;
    result
}

/// A staff role, as the server knows it.
#[derive(Clone, Copy, Debug, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub enum StaffRole {
    AccountManager,
    ComplianceOfficer,
}

/// Registers this person's public key with the server (a proof of possession signed
/// here; the private key never leaves the keyring) and keeps the token the server
/// issues in the keyring. An admin must approve the key before it can sync.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(name = "command", skip_all, fields(name = "register_key"))]
pub async fn register_key(
    state: State<'_, AppState>,
    name: String,
    role: StaffRole,
) -> Result<SyncView, AppError> {
    let what = Audited::new("register_key");
    let result: Result<SyncView, AppError> = async {
        let Some(server_url) = state.sync.server().0 else {
            return Err(AppError::invalid(
                "Choose the platform server first.".to_owned(),
            ));
        };
        let key = state.signer.key().map_err(AppError::keyring)?;
        let role = match role {
            StaffRole::AccountManager => Role::AccountManager,
            StaffRole::ComplianceOfficer => Role::ComplianceOfficer,
        };
        let registration = tenantry_sync::register_key(
            &server_url,
            &key,
            name.trim(),
            role,
            &state.settings.organisation,
        )
        .await?;
        state
            .signer
            .keep_server_token(&server_url, &registration.token)
            .map_err(AppError::keyring)?;
        tracing::info!(key = %registration.key_id, state = %registration.state, "key registered");
        view(&state).await
    }
    .await;
    crate::audit::record(&state, what, &result, |view| {
        Described::done(format!("Registered this key as {name}"))
            .subject(view.server_url.clone().unwrap_or_default())
    })
    .await;
    result
}

/// What one sync did, and the state after it.
#[derive(Clone, Debug, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct SyncOutcome {
    /// Change sets the server accepted now (or had already).
    pub sent: u32,
    /// Change sets received from colleagues.
    pub received: u32,
    /// Refused by the server in this sync.
    pub rejected: u32,
    pub view: SyncView,
}

/// Pull, push, pull. One sync at a time: a second request waits for the first.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(name = "command", skip_all, fields(name = "sync_now"))]
pub async fn sync_now(state: State<'_, AppState>) -> Result<SyncOutcome, AppError> {
    let what = Audited::new("sync_now");
    let result: Result<SyncOutcome, AppError> = async {
        let report = crate::sync::sync_once(&state).await?;
        let received = report.pull.ingested + report.pull_again.ingested;
        Ok(SyncOutcome {
            sent: clamp((report.push.sent + report.push.duplicates) as u64),
            received: clamp(received as u64),
            rejected: clamp(report.push.rejected.len() as u64),
            view: view(&state).await?,
        })
    }
    .await;
    crate::audit::record(&state, what, &result, |outcome| {
        Described::done(format!(
            "Synced: {} sent, {} received, {} refused",
            outcome.sent, outcome.received, outcome.rejected
        ))
    })
    .await;
    result
}

/// One field of a conflict, in words: where it is, what it was, theirs and mine.
#[derive(Clone, Debug, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ConflictField {
    pub path: String,
    /// The path in words, e.g. "ai › monthly budget cents".
    pub label: String,
    pub step_title: Option<String>,
    /// What the field held when this change was made.
    pub base: String,
    /// What it holds on the server now.
    pub theirs: String,
    /// What this change puts there.
    pub mine: String,
}

/// A change set of yours whose fields someone else changed first.
#[derive(Clone, Debug, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ConflictView {
    /// The held change set's hash: what `resolve_conflict` names.
    pub changeset: String,
    pub changeset_id: String,
    pub tenant: String,
    pub summary: String,
    pub fields: Vec<ConflictField>,
}

impl From<&Conflict> for ConflictView {
    fn from(conflict: &Conflict) -> Self {
        Self {
            changeset: conflict.changeset.clone(),
            changeset_id: conflict.id.clone(),
            tenant: conflict.tenant.clone(),
            summary: conflict.summary.clone(),
            fields: conflict
                .fields
                .iter()
                .map(|field| ConflictField {
                    path: field.path.clone(),
                    label: tenantry_changeset::diff::label_of(&field.path),
                    step_title: tenantry_changeset::diff::step_of(&field.path)
                        .map(|step| step.title().to_owned()),
                    base: describe(field.base.as_ref()),
                    theirs: describe(field.theirs.as_ref()),
                    mine: describe(field.mine.as_ref()),
                })
                .collect(),
        }
    }
}

/// The conflicts waiting for a decision (none when no server is set).
#[tauri::command]
#[specta::specta]
#[tracing::instrument(name = "command", skip_all, fields(name = "list_conflicts"))]
pub async fn list_conflicts(state: State<'_, AppState>) -> Result<Vec<ConflictView>, AppError> {
    let Some(server_url) = state.sync.server().0 else {
        return Ok(Vec::new());
    };
    let syncer = state.sync.syncer(state.store().await?, &server_url, None)?;
    Ok(syncer
        .conflicts()
        .await?
        .iter()
        .map(ConflictView::from)
        .collect())
}

#[derive(Clone, Copy, Debug, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub enum FieldSide {
    Theirs,
    Mine,
}

#[derive(Clone, Debug, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct FieldChoice {
    pub path: String,
    pub side: FieldSide,
}

/// What a resolution did.
#[derive(Clone, Debug, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Resolved {
    /// The resolved change set, signed and queued; `None` when theirs won every field
    /// and nothing of the change was left.
    pub queued: Option<String>,
    pub view: SyncView,
}

/// Settles a conflict field by field (every conflicting field needs a side), signs the
/// result on top of the server's version and queues it for the next sync.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(name = "command", skip_all, fields(name = "resolve_conflict"))]
pub async fn resolve_conflict(
    state: State<'_, AppState>,
    changeset: String,
    choices: Vec<FieldChoice>,
) -> Result<Resolved, AppError> {
    let what = Audited::new("resolve_conflict").subject(changeset.clone());
    let result: Result<Resolved, AppError> = async {
        let Some(server_url) = state.sync.server().0 else {
            return Err(AppError::invalid("No platform server is set.".to_owned()));
        };
        let mut chosen = BTreeMap::new();
        for choice in choices {
            let side = match choice.side {
                FieldSide::Theirs => Side::Theirs,
                FieldSide::Mine => Side::Mine,
            };
            if chosen.insert(choice.path.clone(), side).is_some() {
                return Err(AppError::invalid(format!(
                    "{} was chosen twice; choose one side per field.",
                    choice.path
                )));
            }
        }
        let syncer = state.sync.syncer(state.store().await?, &server_url, None)?;
        let sign = || state.signer.key();
        let (resolution, _) = syncer.resolve(&changeset, &chosen, &sign).await?;
        Ok(Resolved {
            queued: match resolution {
                Resolution::Queued { hash } => Some(hash),
                Resolution::NothingLeft => None,
            },
            view: view(&state).await?,
        })
    }
    .await;
    crate::audit::record(&state, what, &result, |resolved| {
        Described::done(match &resolved.queued {
            Some(hash) => format!("Resolved field by field; queued {hash}"),
            None => "Resolved: theirs kept for every field".to_owned(),
        })
    })
    .await;
    result
}

/// Forgets a change set the server refused, once its author has read why.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(name = "command", skip_all, fields(name = "dismiss_rejection"))]
pub async fn dismiss_rejection(
    state: State<'_, AppState>,
    hash: String,
) -> Result<SyncView, AppError> {
    let what = Audited::new("dismiss_rejection").subject(hash.clone());
    let result: Result<SyncView, AppError> = async {
        if !state.store().await?.dismiss_rejected(&hash).await? {
            return Err(AppError::not_found(format!(
                "No refused change set {hash} is waiting; it may have been dismissed already."
            )));
        }
        view(&state).await
    }
    .await;
    crate::audit::record(&state, what, &result, |_| {
        Described::done("Dismissed a refused change set")
    })
    .await;
    result
}
