// @vitest-environment jsdom
import { flushSync, mount, unmount } from 'svelte';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { backendContext, type Backend, type SyncView } from '../backend';
import { deferred, fakeBackend, type FakeBackend, type FakeServer } from '../../test/fixtures';
import { syncContext } from '../sync/context';
import { SyncStore } from '../sync/store.svelte';
import SettingsScreen from './SettingsScreen.svelte';

let target: HTMLElement;
let component: ReturnType<typeof mount> | undefined;

beforeEach(() => {
  target = document.createElement('div');
  document.body.appendChild(target);
});

afterEach(() => {
  if (component) unmount(component);
  component = undefined;
  target.remove();
});

async function wait() {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setTimeout(resolve, 0));
  flushSync();
}

async function render(backend: Backend) {
  const store = new SyncStore(backend);
  const context = new Map<symbol, unknown>([...backendContext(backend), ...syncContext(store)]);
  component = mount(SettingsScreen, { target, context });
  await wait();
  return store;
}

const $ = <T extends HTMLElement = HTMLElement>(testId: string) =>
  target.querySelector<T>(`[data-testid="${testId}"]`) as T;
const text = (testId: string) => $(testId)?.textContent?.replace(/\s+/g, ' ').trim() ?? '';

function type(testId: string, value: string) {
  const input = $<HTMLInputElement>(testId);
  input.value = value;
  input.dispatchEvent(new Event('input', { bubbles: true }));
  flushSync();
}

function choose(testId: string, value: string) {
  const select = $<HTMLSelectElement>(testId);
  select.value = value;
  select.dispatchEvent(new Event('change', { bubbles: true }));
  flushSync();
}

async function press(testId: string) {
  $<HTMLButtonElement>(testId).click();
  await wait();
}

const withServer = (server: Partial<FakeServer> = {}, options: { keyId?: string } = {}): FakeBackend =>
  fakeBackend({}, { ...options, server: { url: 'http://127.0.0.1:8480', source: 'settings', ...server } });

/** The accessible description of an input: the text of the elements it points to. */
function description(input: HTMLElement): string {
  return (input.getAttribute('aria-describedby') ?? '')
    .split(' ')
    .map((id) => document.getElementById(id)?.textContent ?? '')
    .join(' ')
    .replace(/\s+/g, ' ')
    .trim();
}

describe('SettingsScreen', () => {
  it('explains the server and the key, with every input labelled', async () => {
    await render(fakeBackend());

    expect(target.querySelector('h1')?.textContent).toBe('Settings');
    expect(document.activeElement).toBe(target.querySelector('h1'));
    expect(text('server-settings')).toContain('The platform server receives your signed change sets');
    expect(text('save-server')).toBe('Save');
    expect($('save-server').classList.contains('primary')).toBe(true);
    expect(text('key-settings')).toContain('the private key never leaves the keyring');
    for (const id of ['server-url', 'register-name', 'register-role']) {
      const control = $(id);
      expect(target.querySelector(`label[for="${control.id}"]`)?.textContent?.trim()).toBeTruthy();
    }
    expect($<HTMLInputElement>('server-url').value).toBe('');
    expect($<HTMLInputElement>('server-url').readOnly).toBe(false);
    expect($('disconnect-server')).toBeNull();
    expect(text('registration-state')).toBe('Not registered');
    expect(text('key-id')).toBe('No key yet: one is created in your system keyring when you register or first submit.');
    expect([...$<HTMLSelectElement>('register-role').options].map((o) => [o.value, o.text])).toEqual([
      ['accountManager', 'Account manager'],
      ['complianceOfficer', 'Compliance officer'],
    ]);
  });

  it('shows a refused URL’s message next to the field and changes nothing', async () => {
    const backend = fakeBackend();
    const setServerUrl = vi.spyOn(backend, 'setServerUrl');
    await render(backend);

    type('server-url', 'ftp://example.com');
    await press('save-server');

    expect(setServerUrl).toHaveBeenCalledWith('ftp://example.com');
    const error = $('server-error');
    expect(error.getAttribute('role')).toBe('alert');
    expect(text('server-error')).toBe('“ftp://example.com” is not a server address: use http://host:port (fake backend).');
    const input = $<HTMLInputElement>('server-url');
    expect(input.getAttribute('aria-invalid')).toBe('true');
    expect(description(input)).toContain('is not a server address');
    expect(input.value).toBe('ftp://example.com');
    expect(backend.server.url).toBeNull();
    expect(text('server-message')).toBe('');
  });

  it('saves a server as the backend normalises it, then disconnects', async () => {
    const backend = fakeBackend();
    const store = await render(backend);

    type('server-url', '  http://127.0.0.1:8480/ ');
    await press('save-server');
    expect($('server-error')).toBeNull();
    expect($<HTMLInputElement>('server-url').value).toBe('http://127.0.0.1:8480');
    expect($<HTMLInputElement>('server-url').getAttribute('aria-invalid')).toBe('false');
    expect($('server-message').getAttribute('role')).toBe('status');
    expect(text('server-message')).toBe('Saved. Tenantry syncs with http://127.0.0.1:8480.');
    // The whole window knows: the sync area reads the same state.
    expect(store.view?.serverUrl).toBe('http://127.0.0.1:8480');

    await press('disconnect-server');
    expect(backend.server.url).toBeNull();
    expect($<HTMLInputElement>('server-url').value).toBe('');
    expect(text('server-message')).toBe(
      'Disconnected. Your changes stay in the outbox until you choose a server again.',
    );
    expect($('disconnect-server')).toBeNull();
    expect(document.activeElement).toBe($('server-url'));
  });

  it('marks Save busy while the backend answers and ignores a second press', async () => {
    const real = fakeBackend();
    const answer = deferred<SyncView>();
    const setServerUrl = vi.fn((_url: string | null) => answer.promise);
    await render({ ...real, setServerUrl });

    type('server-url', 'http://10.0.0.5:8480');
    await press('save-server');
    expect($('save-server').getAttribute('aria-disabled')).toBe('true');
    expect(text('save-server')).toBe('Saving…');
    await press('save-server');
    expect(setServerUrl).toHaveBeenCalledOnce();

    answer.resolve(await real.setServerUrl('http://10.0.0.5:8480'));
    await wait();
    expect($('save-server').getAttribute('aria-disabled')).toBe('false');
    expect(text('server-message')).toBe('Saved. Tenantry syncs with http://10.0.0.5:8480.');
  });

  it('shows a server set by the environment read-only, and says why', async () => {
    await render(withServer({ url: 'http://10.1.2.3:9000', source: 'environment' }));

    const input = $<HTMLInputElement>('server-url');
    expect(input.value).toBe('http://10.1.2.3:9000');
    expect(input.readOnly).toBe(true);
    expect(text('server-source')).toContain('Set by the TENANTRY_SERVER_URL environment variable for this session');
    expect(description(input)).toContain('cannot be changed here');
    expect($('save-server')).toBeNull();
    expect($('disconnect-server')).toBeNull();
  });

  it('keeps what the user types when a poll brings the server again', async () => {
    const backend = withServer();
    const store = await render(backend);
    expect($<HTMLInputElement>('server-url').value).toBe('http://127.0.0.1:8480');
    type('server-url', 'http://127.0.0.1:9');
    await store.refresh();
    flushSync();
    expect($<HTMLInputElement>('server-url').value).toBe('http://127.0.0.1:9');
  });

  it('registers the key with a name and role; then an admin must approve it', async () => {
    const backend = withServer();
    await render(backend);

    type('register-name', 'Priya Raman');
    choose('register-role', 'complianceOfficer');
    await press('register-key');

    expect(backend.registrations).toEqual([{ name: 'Priya Raman', role: 'complianceOfficer' }]);
    expect(text('registration-state')).toBe(
      'Registered as compliance officer — waiting for an admin to approve your key',
    );
    expect(text('registration-next-step')).toContain('Ask an admin to approve your key on the server.');
    expect($('register-form')).toBeNull();
    expect(document.activeElement?.textContent).toBe('Your key');
    expect($('register-message').getAttribute('role')).toBe('status');
    expect(text('register-message')).toBe(
      'Your key is registered with http://127.0.0.1:8480. An admin must approve it before you can sync.',
    );
    // Registering made the key.
    expect(text('key-id')).toMatch(/^[0-9a-f]{64}$/);
    expect($('key-id').querySelector('code')).not.toBeNull();
  });

  it('shows the backend’s refusal to register as an alert', async () => {
    const backend = fakeBackend();
    await render(backend);
    type('register-name', 'Priya Raman');
    await press('register-key');
    expect($('register-error').getAttribute('role')).toBe('alert');
    expect(text('register-error')).toBe('Choose the platform server first (fake backend).');
    expect(text('key-settings')).toContain('Choose the platform server above first');

    backend.server.url = 'http://127.0.0.1:8480';
    backend.server.online = false;
    await press('register-key');
    expect(text('register-error')).toBe('The server at http://127.0.0.1:8480 cannot be reached (fake backend).');
    expect(backend.registrations).toEqual([]);
    expect(text('registration-state')).toBe('Not registered');
  });

  it('lists the field issues of a refused registration, whatever field they name', async () => {
    const backend = withServer();
    backend.fail('registerKey', {
      code: 'invalid_input',
      message: 'The registration was refused.',
      fields: [{ field: 'clientName', message: 'Use at most 100 characters.' }],
    });
    await render(backend);
    await press('register-key');
    expect(text('register-error')).toBe('The registration was refused. Use at most 100 characters.');
  });

  it('shows the server’s word on the key — approved, revoked, unknown token — with what to do next', async () => {
    const backend = withServer({ registered: true, approved: true }, { keyId: 'ab'.repeat(32) });
    const store = await render(backend);
    expect(text('registration-state')).toBe('Approved as account manager: your changes sync with this server');
    expect($('registration-next-step')).toBeNull();
    expect(text('key-id')).toBe('ab'.repeat(32));
    expect($('register-form')).toBeNull();

    backend.server.revoked = true;
    await store.refresh();
    flushSync();
    expect(text('registration-state')).toBe('Revoked by an admin: this key can no longer sync');
    expect(text('registration-next-step')).toContain('Talk to an admin: a revoked key cannot sync again.');
    expect($('register-form')).toBeNull();

    // Offline: the last answer, dated, and nothing offered that needs the server.
    backend.server.online = false;
    await store.refresh();
    flushSync();
    expect(text('registration-state')).toMatch(
      /^Revoked by an admin: this key can no longer sync \(as the server said just now; it cannot be asked now\)$/,
    );

    // The server forgot the token (its database was reset): register again.
    backend.server.online = true;
    backend.server.revoked = false;
    backend.server.tokenUnknown = true;
    await store.refresh();
    flushSync();
    expect(text('registration-state')).toBe('The server does not recognise the token kept for your key');
    expect($('register-form')).not.toBeNull();
    type('register-name', 'Priya Raman');
    await press('register-key');
    expect(text('registration-state')).toBe('Registered as account manager — waiting for an admin to approve your key');
  });

  it('says when the signing key cannot be read', async () => {
    const backend = fakeBackend();
    backend.fail('signingKey', { code: 'keyring', message: 'The keyring is locked (fake).', fields: [] });
    await render(backend);
    expect(text('key-id')).toBe('The keyring is locked (fake).');
  });
});
