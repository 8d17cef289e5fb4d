// @vitest-environment jsdom
import { flushSync, mount, unmount } from 'svelte';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { backendContext, type Backend, type SyncOutcome, type SyncView } from '../backend';
import {
  changeRequest,
  deferred,
  fakeBackend,
  fakeHex,
  heldView,
  keyStatus,
  syncView,
  type FakeBackend,
} from '../../test/fixtures';
import { syncContext } from './context';
import { SyncStore } from './store.svelte';
import SyncPanel from './SyncPanel.svelte';

let target: HTMLElement;
let component: ReturnType<typeof mount> | undefined;

beforeEach(() => {
  // Only the clock of timers is fake: promises, and Date for "just now", run as usual.
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
  target = document.createElement('div');
  document.body.appendChild(target);
});

afterEach(() => {
  if (component) unmount(component);
  component = undefined;
  target.remove();
  vi.useRealTimers();
});

/** Lets `ms` of fake time pass, then every pending answer and update run. */
async function wait(ms = 0) {
  await vi.advanceTimersByTimeAsync(ms);
  for (let i = 0; i < 20; i++) await Promise.resolve();
  flushSync();
}

async function render(
  backend: Backend,
  props: { onopenconflicts?: () => void; onopendraft?: (id: string) => void; conflictsOpen?: boolean } = {},
) {
  const store = new SyncStore(backend);
  const context = new Map<symbol, unknown>([...backendContext(backend), ...syncContext(store)]);
  component = mount(SyncPanel, { target, context, props });
  await wait();
  return store;
}

const $ = <T extends HTMLElement = HTMLElement>(testId: string) =>
  target.querySelector<T>(`[data-testid="${testId}"]`) as T;
const $$ = (testId: string) => [...target.querySelectorAll<HTMLElement>(`[data-testid="${testId}"]`)];
const text = (testId: string) => $(testId)?.textContent?.replace(/\s+/g, ' ').trim() ?? '';

/** A server that is set up, answers, and knows this person's approved key. */
const ready = (outbox = 0): FakeBackend =>
  fakeBackend({}, { outbox, server: { url: 'http://127.0.0.1:8480', source: 'settings', registered: true, approved: true } });

describe('SyncPanel', () => {
  it('says "No server" with nothing waiting and no sync yet', async () => {
    await render(fakeBackend());
    expect(text('sync-state')).toBe('No server');
    expect(text('outbox-waiting')).toBe('0 waiting');
    expect(text('last-sync')).toBe('Never');
    expect(text('sync-hint')).toContain('Choose the platform server in Settings');
    expect($('sync-server')).toBeNull();
    expect($('sync-progress')).toBeNull();
    expect($('sync-result').getAttribute('role')).toBe('status');
    expect(text('sync-result')).toBe('');
    expect($$('rejected-item')).toHaveLength(0);
    expect($('conflict-count')).toBeNull();
  });

  it.each<[string, Partial<SyncView>, string]>([
    ['an unreachable server', { online: false }, 'Offline'],
    ['a key without a token', { registered: false }, 'Not registered'],
    ['a registered key and a server that answers', {}, 'Online'],
    ['a key the server says is approved', { key: keyStatus() }, 'Online'],
    ['a key the server says waits for approval', { key: keyStatus({ standing: 'pending' }) }, 'Waiting for approval'],
    ['a key the server says was revoked', { key: keyStatus({ standing: 'revoked' }) }, 'Key revoked'],
    ['a token the server does not know', { key: keyStatus({ standing: 'unrecognised' }) }, 'Token not recognised'],
  ])('names %s', async (_what, overrides, words) => {
    const view = syncView(overrides);
    await render({ ...fakeBackend(), syncStatus: async () => view });
    expect(text('sync-state')).toBe(words);
    expect(text('sync-server')).toBe('http://127.0.0.1:8480');
  });

  it('counts the outbox, dates the last sync, and lists refusals and conflicts as text', async () => {
    const hostile = '<img src=x onerror="alert(1)">Refused & more';
    const view = syncView({
      outbox: 3,
      lastSyncAt: new Date(Date.now() - 5 * 60_000).toISOString(),
      rejected: [
        heldView({ message: hostile }),
        heldView({ hash: 'b'.repeat(64), tenant: 'globex', code: null, message: null }),
      ],
      conflicts: [heldView({ hash: 'c'.repeat(64) })],
    });
    const backend = { ...fakeBackend(), syncStatus: async () => view };
    await render(backend);

    expect(text('outbox-waiting')).toBe('3 waiting');
    expect(text('last-sync')).toBe('5 min ago');
    expect($('last-sync').querySelector('time')?.getAttribute('datetime')).toBe(view.lastSyncAt);
    const items = $$('rejected-item');
    expect(items).toHaveLength(2);
    expect(items[0]?.textContent).toContain('acme-health · 0000abcd');
    expect(items[0]?.textContent).toContain(hostile);
    expect(items[0]?.textContent).toContain('revoked_key');
    expect(items[1]?.textContent).toContain('Refused by the server, with no reason given.');
    expect(target.querySelector('img')).toBeNull();
    expect(text('rejected')).toMatch(/^2 change sets refused/);
    expect(text('conflict-count')).toBe('1 conflict needs a decision');
  });

  it('says "1 waiting" and counts several conflicts', async () => {
    const conflicts = [heldView({ hash: 'a' }), heldView({ hash: 'b' }), heldView({ hash: 'c' })];
    await render({ ...fakeBackend(), syncStatus: async () => syncView({ outbox: 1, conflicts }) });
    expect(text('outbox-waiting')).toBe('1 waiting');
    expect(text('conflict-count')).toBe('3 conflicts need a decision');
  });

  it('polls every 30 s, every 500 ms while "Sync now" runs, and stops when unmounted', async () => {
    const real = ready(2);
    const answer = deferred<SyncOutcome>();
    const backend = { ...real, syncNow: vi.fn(() => answer.promise) };
    const syncStatus = vi.spyOn(backend, 'syncStatus');
    await render(backend);
    expect(syncStatus).toHaveBeenCalledTimes(1);

    await wait(29_999);
    expect(syncStatus).toHaveBeenCalledTimes(1);
    await wait(1);
    expect(syncStatus).toHaveBeenCalledTimes(2);

    $<HTMLButtonElement>('sync-now').click();
    await wait();
    expect(backend.syncNow).toHaveBeenCalledOnce();
    await wait(500);
    expect(syncStatus).toHaveBeenCalledTimes(3);
    await wait(1500);
    expect(syncStatus).toHaveBeenCalledTimes(6);

    answer.resolve(await real.syncNow());
    await wait();
    const afterSync = syncStatus.mock.calls.length;
    await wait(29_000);
    expect(syncStatus).toHaveBeenCalledTimes(afterSync);
    await wait(1000);
    expect(syncStatus).toHaveBeenCalledTimes(afterSync + 1);

    unmount(component!);
    component = undefined;
    await wait(120_000);
    expect(syncStatus).toHaveBeenCalledTimes(afterSync + 1);
  });

  it('shows the progress while a sync runs, with the phase in words, and ignores a second press', async () => {
    const real = ready(3);
    const answer = deferred<SyncOutcome>();
    let progress: SyncView['progress'] = { phase: 'pull', done: 4, total: null };
    const backend: Backend = {
      ...real,
      syncNow: vi.fn(() => answer.promise),
      syncStatus: async () => ({ ...(await real.syncStatus()), running: true, progress }),
    };
    await render(backend);

    const button = $<HTMLButtonElement>('sync-now');
    expect(button.getAttribute('aria-disabled')).toBe('true');
    button.click();
    await wait();
    expect(backend.syncNow).not.toHaveBeenCalled();
    // A background sync of the app: shown as well, and indeterminate while the total is unknown.
    const bar = $<HTMLProgressElement>('sync-progress');
    expect(bar.tagName).toBe('PROGRESS');
    expect(bar.hasAttribute('value')).toBe(false);
    expect(text('sync-phase')).toBe('Receiving changes: 4 so far');
    expect(bar.getAttribute('aria-labelledby')).toBe('sync-progress-label');

    progress = { phase: 'push', done: 1, total: 3 };
    await wait(500);
    expect($<HTMLProgressElement>('sync-progress').value).toBe(1);
    expect($<HTMLProgressElement>('sync-progress').max).toBe(3);
    expect(text('sync-phase')).toBe('Sending changes: 1 of 3');
    expect(text('sync-now')).toBe('Syncing…');
  });

  it('syncs on "Sync now": progress, then the result and the emptied outbox', async () => {
    const real = ready(2);
    real.server.incoming = 1;
    const answer = deferred<SyncOutcome>();
    const backend = { ...real, syncNow: vi.fn(() => answer.promise) };
    await render(backend);
    expect(text('outbox-waiting')).toBe('2 waiting');
    expect(text('sync-state')).toBe('Online');

    $<HTMLButtonElement>('sync-now').click();
    await wait();
    expect($('sync-now').getAttribute('aria-disabled')).toBe('true');
    expect($('sync-progress')).not.toBeNull();
    expect(text('sync-phase')).toBe('Starting…');

    answer.resolve(await real.syncNow());
    await wait();
    expect($('sync-progress')).toBeNull();
    expect($('sync-now').getAttribute('aria-disabled')).toBe('false');
    expect($('sync-result').getAttribute('role')).toBe('status');
    expect(text('sync-result')).toBe('Synced: 2 sent, 1 received');
    expect(text('outbox-waiting')).toBe('0 waiting');
    expect(text('last-sync')).toBe('just now');
  });

  it('names refused change sets in the result and lists them', async () => {
    const backend = ready(2);
    backend.server.refuseNext = { code: 'revoked_key', message: 'The signing key was revoked (fake).' };
    await render(backend);
    $<HTMLButtonElement>('sync-now').click();
    await wait();
    expect(text('sync-result')).toBe('Synced: 1 sent, 0 received, 1 refused');
    expect($$('rejected-item')).toHaveLength(1);
    expect(text('rejected-item')).toContain('The signing key was revoked (fake).');
  });

  it('shows an offline server’s message as an alert; the changes stay in the outbox', async () => {
    const backend = ready(1);
    backend.server.online = false;
    await render(backend);
    expect(text('sync-state')).toBe('Offline');

    $<HTMLButtonElement>('sync-now').click();
    await wait();
    expect($('sync-result').getAttribute('role')).toBe('alert');
    expect(text('sync-result')).toBe(
      'The server at http://127.0.0.1:8480 cannot be reached (fake backend). Your changes stay in the outbox.',
    );
    expect(text('outbox-waiting')).toBe('1 waiting');
    expect(text('sync-state')).toBe('Offline');

    // Back online: the next press syncs, and the alert gives way to the result.
    backend.server.online = true;
    $<HTMLButtonElement>('sync-now').click();
    await wait();
    expect($('sync-result').getAttribute('role')).toBe('status');
    expect(text('sync-result')).toBe('Synced: 1 sent, 0 received');
  });

  it('says what the server says about the key — waiting, approved, revoked — without a sync first', async () => {
    const backend = ready(1);
    backend.server.approved = false;
    await render(backend);
    expect(text('sync-state')).toBe('Waiting for approval');
    expect(text('sync-hint')).toContain('Ask an admin to approve your key on the server.');

    // Approved on the server: the next poll says so, before any sync.
    backend.server.approved = true;
    await wait(30_000);
    expect(text('sync-state')).toBe('Online');
    expect(text('sync-hint')).toBe('');

    backend.server.revoked = true;
    await wait(30_000);
    expect(text('sync-state')).toBe('Key revoked');
    expect(text('sync-hint')).toContain('a revoked key cannot sync again');
    $<HTMLButtonElement>('sync-now').click();
    await wait();
    expect(text('sync-result')).toContain('your key was revoked');
    expect(text('sync-state')).toBe('Key revoked');
  });

  it('offline, keeps the last state the server gave and says from when', async () => {
    const backend = ready();
    backend.server.approved = false;
    const store = await render(backend);
    expect(text('sync-state')).toBe('Waiting for approval');
    backend.server.online = false;
    await store.refresh();
    flushSync();
    expect(text('sync-state')).toBe('Offline');
    expect(text('sync-hint')).toBe(
      'The server does not answer. Your changes stay in the outbox. Last known: Registered as account manager — ' +
        'waiting for an admin to approve your key (as the server said just now; it cannot be asked now).',
    );
  });

  it('asks to register when there is no token', async () => {
    const backend = fakeBackend({}, { server: { url: 'http://127.0.0.1:8480', source: 'settings' } });
    await render(backend);
    expect(text('sync-state')).toBe('Not registered');
    expect(text('sync-hint')).toBe('Register your key in Settings.');
    $<HTMLButtonElement>('sync-now').click();
    await wait();
    expect(text('sync-result')).toBe('Your key is not registered with http://127.0.0.1:8480 yet (fake backend).');
  });

  it('leaves the "no server" verdict to the backend and shows its message', async () => {
    await render(fakeBackend());
    $<HTMLButtonElement>('sync-now').click();
    await wait();
    expect($('sync-result').getAttribute('role')).toBe('alert');
    expect(text('sync-result')).toBe('No platform server is set: choose one in Settings (fake backend).');
  });

  it('shows the mirror’s last error when this window has not synced', async () => {
    await render({ ...fakeBackend(), syncStatus: async () => syncView({ lastError: 'Server unavailable (503).' }) });
    expect(text('last-error')).toBe('Last attempt failed: Server unavailable (503).');
  });

  it('says when the status cannot be read, and tries again', async () => {
    const backend = ready();
    backend.fail('syncStatus', { code: 'storage', message: 'The local database is locked (fake).', fields: [] });
    await render(backend);
    expect($('sync-status-error').getAttribute('role')).toBe('alert');
    expect(text('sync-status-error')).toContain('The local database is locked (fake).');
    expect(text('sync-state')).toBe('Checking…');

    target.querySelector<HTMLButtonElement>('[data-testid="sync-status-error"] button')!.click();
    await wait();
    expect($('sync-status-error')).toBeNull();
    expect(text('sync-state')).toBe('Online');
  });

  it('never lets a poll sent before a sync overwrite the sync’s answer', async () => {
    const real = ready(2);
    const slow = deferred<SyncView>();
    let calls = 0;
    const backend: Backend = {
      ...real,
      syncStatus: () => (++calls === 2 ? slow.promise : real.syncStatus()),
    };
    const store = await render(backend);
    // A refresh (after a submission, say) is on its way when the sync answers.
    void store.refresh();
    const stale = await real.syncStatus();
    $<HTMLButtonElement>('sync-now').click();
    await wait();
    expect(text('outbox-waiting')).toBe('0 waiting');
    slow.resolve(stale);
    await wait();
    expect(text('outbox-waiting')).toBe('0 waiting');
  });
  it('links the conflict count to the Conflicts screen', async () => {
    const onopenconflicts = vi.fn();
    const backend = fakeBackend({}, { server: { url: 'http://127.0.0.1:8480', source: 'settings', registered: true } });
    backend.server.conflicts = [heldView({ hash: 'c'.repeat(64), code: null, message: null })];
    await render(backend, { onopenconflicts });

    const link = $<HTMLAnchorElement>('open-conflicts');
    expect(link.tagName).toBe('A');
    expect(link.getAttribute('href')).toBe('#/conflicts');
    expect(link.textContent).toBe('1 conflict needs a decision');
    expect(link.getAttribute('aria-current')).toBeNull();
    const click = new MouseEvent('click', { bubbles: true, cancelable: true });
    link.dispatchEvent(click);
    expect(onopenconflicts).toHaveBeenCalledOnce();
    expect(click.defaultPrevented).toBe(true);
  });

  it('lists the changes reviewers asked for, each a link to its tenant’s draft', async () => {
    const onopendraft = vi.fn();
    const hostile = '<img src=x onerror="alert(1)">Cedar';
    const requests = [
      changeRequest({ clientName: hostile }),
      changeRequest({ hash: fakeHex(901), tenant: 'globex', clientName: null, draftId: null }, { reviewerName: null }),
    ];
    await render({ ...fakeBackend(), syncStatus: async () => syncView({ changeRequests: requests }) }, { onopendraft });

    const items = $$('change-request-item');
    expect(items.map((item) => item.textContent?.replace(/\s+/g, ' ').trim())).toEqual([
      `Changes requested · ${hostile} Carla Mendes asked for changes`,
      `Changes requested · globex Its draft is not in this mirror. The key ${fakeHex(98).slice(0, 12)} asked for changes`,
    ]);
    expect(target.querySelector('img')).toBeNull();
    const links = $$('open-change-request');
    expect(links).toHaveLength(1);
    const click = new MouseEvent('click', { bubbles: true, cancelable: true });
    links[0]!.dispatchEvent(click);
    expect(onopendraft).toHaveBeenCalledWith(requests[0]!.draftId);
    expect(click.defaultPrevented).toBe(true);
  });

  it('shows no change requests when there are none', async () => {
    await render({ ...fakeBackend(), syncStatus: async () => syncView() });
    expect($('change-requests-rail')).toBeNull();
  });

  it('marks the conflict link as the current page while the Conflicts screen is shown', async () => {
    const conflicts = [heldView({ hash: 'c'.repeat(64) })];
    await render({ ...fakeBackend(), syncStatus: async () => syncView({ conflicts }) }, { conflictsOpen: true });
    expect($('open-conflicts').getAttribute('aria-current')).toBe('page');
  });

  it('dismisses a refused change set once read: no confirmation, the sync state follows, the focus moves on', async () => {
    const first = heldView({ hash: 'a'.repeat(64) });
    const second = heldView({ hash: 'b'.repeat(64), tenant: 'globex', code: 'policy_violation', message: 'Not in the catalog.' });
    const backend = ready(1);
    backend.server.rejected = [first, second];
    const store = await render(backend);

    const buttons = $$('dismiss-rejection');
    expect(buttons.map((b) => b.textContent?.trim())).toEqual(['Dismiss — I’ve read why', 'Dismiss — I’ve read why']);
    expect(buttons.every((b) => b.getAttribute('type') === 'button')).toBe(true);
    // Each button says which change set it forgets, and that it is for good.
    const described = (buttons[0]!.getAttribute('aria-describedby') ?? '')
      .split(' ')
      .map((id) => document.getElementById(id)?.textContent?.trim())
      .join(' | ');
    expect(described).toBe(
      'acme-health · 0000abcd | The key that signed this change set was revoked (fake backend). | A dismissed change set is forgotten for good.',
    );

    buttons[0]!.click();
    await wait();
    expect(backend.dismissed).toEqual([first.hash]);
    expect($$('rejected-item').map((item) => item.dataset.hash)).toEqual([second.hash]);
    expect(text('rejected')).toMatch(/^1 change set refused/);
    expect(store.view?.rejected).toHaveLength(1);
    expect(document.activeElement).toBe($('dismiss-rejection'));

    $<HTMLButtonElement>('dismiss-rejection').click();
    await wait();
    expect($('rejected')).toBeNull();
    expect(document.activeElement).toBe($('sync-now'));
  });

  it('shows why a dismissal failed, next to the change set, and keeps it', async () => {
    const backend = ready();
    backend.server.rejected = [heldView({ hash: 'a'.repeat(64) })];
    backend.fail('dismissRejection', { code: 'storage', message: 'The local database is locked (fake).', fields: [] });
    await render(backend);

    $<HTMLButtonElement>('dismiss-rejection').click();
    await wait();
    const error = $('dismiss-error');
    expect(error.getAttribute('role')).toBe('alert');
    expect(text('dismiss-error')).toBe('The local database is locked (fake).');
    expect(error.closest('[data-testid="rejected-item"]')).not.toBeNull();
    expect($$('rejected-item')).toHaveLength(1);

    $<HTMLButtonElement>('dismiss-rejection').click();
    await wait();
    expect($('rejected')).toBeNull();
  });
});
