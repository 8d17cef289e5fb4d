// @vitest-environment jsdom
import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { changeRequest, conflictView, draft, syncView, tenantDocument } from '../../test/fixtures';
import { BackendError } from './errors';
import { tauriBackend } from './tauri';
import type { AppError } from './types';

afterEach(() => clearMocks());

async function failureOf(promise: Promise<unknown>): Promise<BackendError> {
  try {
    await promise;
  } catch (failure) {
    expect(failure).toBeInstanceOf(BackendError);
    return failure as BackendError;
  }
  throw new Error('expected the call to fail');
}

describe('tauriBackend', () => {
  it('calls the commands by their Rust names with the contract arguments', async () => {
    const calls: [string, unknown][] = [];
    mockIPC((cmd, args) => {
      calls.push([cmd, args]);
      if (cmd === 'validate_new_draft') return [{ field: 'industry', message: 'Choose an industry.' }];
      if (cmd === 'list_drafts') return [draft()];
      return null;
    });

    const issues = await tauriBackend.validateNewDraft({ clientName: 'Acme', industry: '' });
    const drafts = await tauriBackend.listDrafts();

    expect(issues).toEqual([{ field: 'industry', message: 'Choose an industry.' }]);
    expect(drafts).toEqual([draft()]);
    expect(calls[0]).toEqual(['validate_new_draft', { input: { clientName: 'Acme', industry: '' } }]);
    expect(calls[1]?.[0]).toBe('list_drafts');
  });

  it('calls the go-live commands with the contract arguments', async () => {
    const calls: [string, unknown][] = [];
    const view = { tenant: 't-1', clientName: 'Acme', stages: [] };
    mockIPC((cmd, args) => {
      calls.push([cmd, args]);
      return cmd === 'promote_tenant' ? { outcome: 'nothingToPromote', view } : view;
    });
    await expect(tauriBackend.goLive('acme')).resolves.toEqual(view);
    await expect(tauriBackend.promoteTenant('t-1', 'production', 'Launch')).resolves.toEqual({
      outcome: 'nothingToPromote',
      view,
    });
    expect(calls).toEqual([
      ['go_live', { tenant: 'acme' }],
      ['promote_tenant', { tenant: 't-1', target: 'production', summary: 'Launch' }],
    ]);
  });

  it('asks for the audit log with the filter and the page cursor, and passes a refusal on', async () => {
    const calls: [string, unknown][] = [];
    const page = { entries: [], nextBefore: null };
    mockIPC((cmd, args) => {
      calls.push([cmd, args]);
      if ((args as { filter: { from: string | null } }).filter.from === '2026-13-01') {
        throw { code: 'invalid_input', message: 'from: 2026-13-01 is not a date (YYYY-MM-DD).', fields: [] };
      }
      return page;
    });
    const filter = { tenant: 'acme', person: null, from: null, to: '2026-11-30', rule: 'APR-001' };
    await expect(tauriBackend.auditLog(filter, null)).resolves.toEqual(page);
    await expect(tauriBackend.auditLog(filter, 51)).resolves.toEqual(page);
    const refused = await failureOf(tauriBackend.auditLog({ ...filter, from: '2026-13-01' }, null));
    expect(refused.appError).toMatchObject({ code: 'invalid_input', message: 'from: 2026-13-01 is not a date (YYYY-MM-DD).' });
    expect(calls.slice(0, 2)).toEqual([
      ['audit_log', { filter, before: null }],
      ['audit_log', { filter, before: 51 }],
    ]);
  });

  it('calls the draft screen’s commands with the contract arguments', async () => {
    const calls: [string, unknown][] = [];
    const view = { draft: draft(), document: {}, evaluation: {}, progress: {}, history: [] };
    mockIPC((cmd, args) => {
      calls.push([cmd, args]);
      if (cmd === 'submit_draft') return { outcome: 'nothingToSubmit', view };
      if (cmd === 'signing_key') return { profile: 'default', keyId: null, publicKey: null };
      return view;
    });
    const document = tenantDocument();

    await expect(tauriBackend.openDraft('d-1')).resolves.toEqual(view);
    await expect(tauriBackend.saveDraft('d-1', document)).resolves.toEqual(view);
    await expect(tauriBackend.submitDraft('d-1', 'Onboard Acme')).resolves.toEqual({ outcome: 'nothingToSubmit', view });
    await expect(tauriBackend.signingKey()).resolves.toEqual({ profile: 'default', keyId: null, publicKey: null });

    expect(calls).toEqual([
      ['open_draft', { id: 'd-1' }],
      ['save_draft', { id: 'd-1', document }],
      ['submit_draft', { id: 'd-1', summary: 'Onboard Acme' }],
      ['signing_key', {}],
    ]);
  });

  it('calls the sync commands with the contract arguments', async () => {
    const calls: [string, unknown][] = [];
    const view = {
      serverUrl: 'http://127.0.0.1:8480',
      source: 'settings',
      registered: true,
      online: true,
      outbox: 0,
      rejected: [],
      conflicts: [],
      lastSyncAt: null,
      lastError: null,
      progress: null,
      running: false,
    };
    mockIPC((cmd, args) => {
      calls.push([cmd, args]);
      if (cmd === 'sync_now') return { sent: 1, received: 2, rejected: 0, view };
      return view;
    });

    await expect(tauriBackend.syncStatus()).resolves.toEqual(view);
    await expect(tauriBackend.setServerUrl('http://127.0.0.1:8480')).resolves.toEqual(view);
    await expect(tauriBackend.setServerUrl(null)).resolves.toEqual(view);
    await expect(tauriBackend.registerKey('Priya Raman', 'complianceOfficer')).resolves.toEqual(view);
    await expect(tauriBackend.syncNow()).resolves.toEqual({ sent: 1, received: 2, rejected: 0, view });

    expect(calls).toEqual([
      ['sync_status', {}],
      ['set_server_url', { url: 'http://127.0.0.1:8480' }],
      ['set_server_url', { url: null }],
      ['register_key', { name: 'Priya Raman', role: 'complianceOfficer' }],
      ['sync_now', {}],
    ]);
  });

  it('calls the conflict and refusal commands with the contract arguments', async () => {
    const calls: [string, unknown][] = [];
    const view = syncView();
    const conflicts = [conflictView()];
    mockIPC((cmd, args) => {
      calls.push([cmd, args]);
      if (cmd === 'list_conflicts') return conflicts;
      if (cmd === 'resolve_conflict') return { queued: 'f'.repeat(64), view };
      return view;
    });
    const choices = [
      { path: '/ai/monthly_budget_cents', side: 'mine' as const },
      { path: '/tenant/display_name', side: 'theirs' as const },
    ];

    await expect(tauriBackend.listConflicts()).resolves.toEqual(conflicts);
    await expect(tauriBackend.resolveConflict('c'.repeat(64), choices)).resolves.toEqual({ queued: 'f'.repeat(64), view });
    await expect(tauriBackend.dismissRejection('a'.repeat(64))).resolves.toEqual(view);

    expect(calls).toEqual([
      ['list_conflicts', {}],
      ['resolve_conflict', { changeset: 'c'.repeat(64), choices }],
      ['dismiss_rejection', { hash: 'a'.repeat(64) }],
    ]);
  });

  it('calls the review commands with the contract arguments', async () => {
    const calls: [string, unknown][] = [];
    const note = changeRequest().note;
    mockIPC((cmd, args) => {
      calls.push([cmd, args]);
      if (cmd === 'approve_changeset') return { hash: 'a'.repeat(64), duplicate: false };
      if (cmd === 'request_changes') return note;
      return null;
    });
    const fields = [{ path: '/ai/monthly_budget_cents', comment: 'Bring it back to 150000.' }];

    await expect(tauriBackend.approveChangeset('a'.repeat(64), 'Fine now')).resolves.toEqual({
      hash: 'a'.repeat(64),
      duplicate: false,
    });
    await expect(tauriBackend.requestChanges('b'.repeat(64), 'Too high', fields)).resolves.toEqual(note);

    expect(calls).toEqual([
      ['approve_changeset', { hash: 'a'.repeat(64), comment: 'Fine now' }],
      ['request_changes', { hash: 'b'.repeat(64), comment: 'Too high', fields }],
    ]);
  });

  it('passes the AppError of a refused resolution through unchanged', async () => {
    const appError: AppError = {
      code: 'invalid_input',
      message: 'Choose a side for /ai/monthly_budget_cents.',
      fields: [],
    };
    mockIPC(() => {
      throw appError;
    });
    const failure = await failureOf(tauriBackend.resolveConflict('c'.repeat(64), []));
    expect(failure.appError).toEqual(appError);
    vi.spyOn(console, 'error').mockImplementation(() => {});
    mockIPC(() => {
      throw 'command dismiss_rejection not found';
    });
    const dismiss = await failureOf(tauriBackend.dismissRejection('a'.repeat(64)));
    expect(dismiss.appError.message).toContain('dismiss the refused change set');
  });

  it.each([
    ['offline', 'The server at http://127.0.0.1:8480 cannot be reached. Your changes stay in the outbox.'],
    ['not_registered', 'Your key is not registered with http://127.0.0.1:8480 yet.'],
    ['server', 'The server refused the request.'],
  ] as const)('passes a %s AppError from sync_now through unchanged', async (code, message) => {
    const appError: AppError = { code, message, fields: [] };
    mockIPC(() => {
      throw appError;
    });
    const failure = await failureOf(tauriBackend.syncNow());
    expect(failure.appError).toEqual(appError);
  });

  it.each([
    ['conflict', 'Someone else changed this tenant first.'],
    ['keyring', 'The system keyring is locked.'],
  ] as const)('passes a %s AppError through unchanged', async (code, message) => {
    const appError: AppError = { code, message, fields: [] };
    mockIPC(() => {
      throw appError;
    });
    const failure = await failureOf(tauriBackend.submitDraft('d-1', 'x'));
    expect(failure.appError).toEqual(appError);
  });

  it('returns the draft when create_draft succeeds', async () => {
    mockIPC((cmd, args) => {
      const input = (args as { input: { clientName: string; industry: string } }).input;
      return cmd === 'create_draft' ? draft({ clientName: input.clientName }) : null;
    });
    await expect(tauriBackend.createDraft({ clientName: 'Globex', industry: 'healthcare' })).resolves.toMatchObject({
      clientName: 'Globex',
    });
  });

  it('throws the AppError the command answered with, fields included', async () => {
    const appError: AppError = {
      code: 'invalid_input',
      message: 'The draft has problems.',
      fields: [{ field: 'clientName', message: 'Enter the client’s name.' }],
    };
    mockIPC(() => {
      throw appError;
    });

    const failure = await failureOf(tauriBackend.createDraft({ clientName: ' ', industry: 'healthcare' }));
    expect(failure.appError).toEqual(appError);
    expect(failure.message).toBe('The draft has problems.');
  });

  it('maps a storage AppError from list_drafts unchanged', async () => {
    const appError: AppError = { code: 'storage', message: 'The local database is locked.', fields: [] };
    mockIPC(() => {
      throw appError;
    });
    const failure = await failureOf(tauriBackend.listDrafts());
    expect(failure.appError).toEqual(appError);
  });

  it.each([
    ['a bare string from the IPC layer', 'command list_drafts not found'],
    ['an Error object', new Error('ipc bridge missing')],
    ['a malformed error object', { code: 'teapot', message: 'short and stout' }],
    ['nothing at all', undefined],
  ])('turns %s into an internal AppError that says what failed', async (_what, thrown) => {
    vi.spyOn(console, 'error').mockImplementation(() => {});
    mockIPC(() => {
      throw thrown;
    });

    const failure = await failureOf(tauriBackend.listDrafts());
    expect(failure.appError.code).toBe('internal');
    expect(failure.appError.fields).toEqual([]);
    expect(failure.appError.message).toContain('load the drafts');
    expect(failure.appError.message.toLowerCase()).not.toContain('unknown');
  });

  it('maps failures of plain commands too (app_info, industries, validation)', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => {});
    mockIPC(() => {
      throw 'no such command';
    });
    expect((await failureOf(tauriBackend.appInfo())).appError.message).toContain('read the app information');
    expect((await failureOf(tauriBackend.industries())).appError.message).toContain('industries');
    const validation = tauriBackend.validateNewDraft({ clientName: 'x', industry: '' });
    expect((await failureOf(validation)).appError.code).toBe('internal');
  });

  it('calls plan_draft and list_tenants with the contract arguments', async () => {
    const calls: [string, unknown][] = [];
    const page = { total: 0, offset: 0, tenants: [], next: null, owners: [] };
    mockIPC((cmd, args) => {
      calls.push([cmd, args]);
      if (cmd === 'list_tenants') return page;
      return { tenant_id: 't', steps: [] };
    });
    const filter = { text: 'acme', stage: null, compliance_mode: 'hipaa', owner: null, progress: 'blocked' as const, after: null, offset: 100, limit: 100, with_owners: false };
    await expect(tauriBackend.planDraft('d-1')).resolves.toEqual({ tenant_id: 't', steps: [] });
    await expect(tauriBackend.listTenants(filter)).resolves.toEqual(page);
    expect(calls).toEqual([
      ['plan_draft', { id: 'd-1' }],
      ['list_tenants', { filter }],
    ]);
  });
});
