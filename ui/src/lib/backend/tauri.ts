import { commands } from '../../bindings';
import { BackendError, toAppError } from './errors';
import type { AppError, Backend } from './types';

/** What tauri-specta's wrapper of a `Result`-returning command resolves with. */
type Result<T, E> = { status: 'ok'; data: T } | { status: 'error'; error: E };

// The two shapes a generated command can have. tauri-specta wraps commands whose
// Rust signature returns `Result` into `Result<T, AppError>`; others resolve with the
// value directly (and only reject when the IPC itself fails). If a command changes
// shape in bindings.ts, switch it between `settle` and `plain` below: one line.

/** For commands that return `Result<T, AppError>`. */
async function settle<T>(call: () => Promise<Result<T, AppError>>, action: string): Promise<T> {
  let result: Result<T, AppError>;
  try {
    result = await call();
  } catch (failure) {
    throw new BackendError(toAppError(failure, action), { cause: failure });
  }
  if (result.status === 'ok') return result.data;
  throw new BackendError(toAppError(result.error, action), { cause: result.error });
}

/** For commands that return their value directly. */
async function plain<T>(call: () => Promise<T>, action: string): Promise<T> {
  try {
    return await call();
  } catch (failure) {
    throw new BackendError(toAppError(failure, action), { cause: failure });
  }
}

/** The real backend: the Rust commands, through the generated bindings. */
export const tauriBackend: Backend = {
  appInfo: () => plain(() => commands.appInfo(), 'read the app information'),
  industries: () => plain(() => commands.industries(), 'load the list of industries'),
  validateNewDraft: (input) => plain(() => commands.validateNewDraft(input), 'check the form'),
  createDraft: (input) => settle(() => commands.createDraft(input), 'save the draft'),
  listDrafts: () => settle(() => commands.listDrafts(), 'load the drafts'),
  openDraft: (id) => settle(() => commands.openDraft(id), 'open the draft'),
  saveDraft: (id, document) => settle(() => commands.saveDraft(id, document), 'save your changes'),
  wizardStep: (id, step) => settle(() => commands.wizardStep(id, step), 'open this step'),
  editDraft: (id, step, edits) => settle(() => commands.editDraft(id, step, edits), 'save your changes'),
  submitDraft: (id, summary) => settle(() => commands.submitDraft(id, summary), 'sign and submit the draft'),
  signingKey: () => settle(() => commands.signingKey(), 'read the signing key'),
  syncStatus: () => settle(() => commands.syncStatus(), 'read the sync status'),
  setServerUrl: (url) => settle(() => commands.setServerUrl(url), 'save the server'),
  registerKey: (name, role) => settle(() => commands.registerKey(name, role), 'register your key'),
  syncNow: () => settle(() => commands.syncNow(), 'sync with the server'),
  listConflicts: () => settle(() => commands.listConflicts(), 'load the conflicts'),
  reviewQueue: () => settle(() => commands.reviewQueue(), 'load the review queue'),
  approveChangeset: (hash, comment) => settle(() => commands.approveChangeset(hash, comment), 'approve the change set'),
  requestChanges: (hash, comment, fields) =>
    settle(() => commands.requestChanges(hash, comment, fields), 'ask for changes'),
  reviewChanges: (tenant, hash) => settle(() => commands.reviewChanges(tenant, hash), 'show the changes'),
  resolveConflict: (changeset, choices) =>
    settle(() => commands.resolveConflict(changeset, choices), 'resolve the conflict'),
  dismissRejection: (hash) => settle(() => commands.dismissRejection(hash), 'dismiss the refused change set'),
  planDraft: (id) => settle(() => commands.planDraft(id), 'prepare the plan'),
  listTenants: (filter) => settle(() => commands.listTenants(filter), 'load the tenants'),
  importDocument: (id, step) => settle(() => commands.importDocument(id, step), 'import the document'),
  exportDocument: (id) => settle(() => commands.exportDocument(id), 'export the document'),
  exportHandoff: (tenant, format) => settle(() => commands.exportHandoff(tenant, format), 'save the handoff document'),
  chooseImage: (id, step, path) => settle(() => commands.chooseImage(id, step, path), 'use the image'),
  attachOutput: (id, step, path) => settle(() => commands.attachOutput(id, step, path), 'attach the output'),
  imagePreview: (reference) => settle(() => commands.imagePreview(reference), 'show the image'),
  goLive: (tenant) => settle(() => commands.goLive(tenant), 'show where the tenant stands'),
  promoteTenant: (tenant, target, summary) =>
    settle(() => commands.promoteTenant(tenant, target, summary), `promote the tenant to ${target}`),
  auditLog: (filter, before) => settle(() => commands.auditLog(filter, before), 'read the audit log'),
};
