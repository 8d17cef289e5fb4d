// @vitest-environment jsdom
import { flushSync, mount, unmount } from 'svelte';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import App from './App.svelte';
import { conflictView, draft, fakeBackend, settle } from './test/fixtures';

let target: HTMLElement;
let component: ReturnType<typeof mount> | undefined;

// The app loads its other screens on first use; vitest compiles each on its first import,
// which takes longer than `settle()` waits, so they are compiled once before the tests.
beforeAll(async () => {
  await Promise.all([
    import('./lib/drafts/DraftScreen.svelte'),
    import('./lib/plan/PlanScreen.svelte'),
    import('./lib/golive/GoLiveScreen.svelte'),
    import('./lib/settings/SettingsScreen.svelte'),
    import('./lib/review/ReviewScreen.svelte'),
    import('./lib/audit/AuditScreen.svelte'),
    import('./lib/conflicts/ConflictsScreen.svelte'),
  ]);
});

beforeEach(() => {
  target = document.createElement('div');
  document.body.appendChild(target);
  // jsdom has no layout: scrolling is a no-op here.
  Element.prototype.scrollTo = () => {};
});

afterEach(() => {
  if (component) unmount(component);
  component = undefined;
  target.remove();
});

const $ = <T extends HTMLElement = HTMLElement>(testId: string) =>
  target.querySelector<T>(`[data-testid="${testId}"]`) as T;

function type(testId: string, value: string) {
  const input = $<HTMLInputElement | HTMLTextAreaElement>(testId);
  input.value = value;
  input.dispatchEvent(new Event('input', { bubbles: true }));
  flushSync();
}

describe('App navigation', () => {
  it('opens a draft from the table, and "Back to tenants" returns to a reloaded list', async () => {
    const acme = draft();
    const globex = draft({ id: '01937b6e-4f1a-7c3d-9a2b-000000000002', clientName: 'Globex', slug: 'globex' });
    const backend = fakeBackend({}, { drafts: [acme, globex] });
    const listDrafts = vi.spyOn(backend, 'listDrafts');
    component = mount(App, { target, props: { backend } });
    await settle();

    const row = [...target.querySelectorAll<HTMLElement>('[data-testid="draft-row"]')].find(
      (r) => r.dataset.draftId === acme.id,
    )!;
    expect(row.querySelector('.col-submission')?.textContent?.trim()).toBe('Not submitted');
    row.querySelector<HTMLButtonElement>('[data-testid="open-draft"]')!.click();
    await settle();

    expect($('draft-table')).toBeNull();
    expect(target.querySelector('h1')?.textContent).toBe('Acme Health');

    type('submit-summary', 'Onboard Acme Health');
    $<HTMLButtonElement>('submit-button').click();
    await settle();
    expect($('submit-result').textContent).toContain('Signed and queued as change #1');

    $<HTMLButtonElement>('back-to-tenants').click();
    await settle();

    expect($('draft-screen')).toBeNull();
    expect(listDrafts).toHaveBeenCalledTimes(2);
    const back = [...target.querySelectorAll<HTMLElement>('[data-testid="draft-row"]')].find(
      (r) => r.dataset.draftId === acme.id,
    )!;
    expect(back.querySelector('.col-submission')?.textContent?.trim()).toBe('Submitted');
    // The focus returns to where the user left.
    expect(document.activeElement).toBe(back.querySelector('[data-testid="open-draft"]'));
  });

  it('goes to Settings from the rail and back to Tenants; the sync area stays in view', async () => {
    const backend = fakeBackend({}, { drafts: [draft()] });
    component = mount(App, { target, props: { backend } });
    await settle();
    expect($('nav-tenants').getAttribute('aria-current')).toBe('page');
    expect($('nav-settings').getAttribute('aria-current')).toBeNull();
    expect($('sync-state').textContent).toBe('No server');

    $('nav-settings').click();
    await settle();
    expect($('settings-screen')).not.toBeNull();
    expect($('draft-table')).toBeNull();
    expect($('nav-settings').getAttribute('aria-current')).toBe('page');
    expect($('nav-tenants').getAttribute('aria-current')).toBeNull();

    // Saving a server in Settings shows in the sync area at once.
    type('server-url', 'http://127.0.0.1:8480');
    $<HTMLButtonElement>('save-server').click();
    await settle();
    expect($('sync-state').textContent).toBe('Not registered');
    expect($('sync-server').textContent).toBe('http://127.0.0.1:8480');

    $('nav-tenants').click();
    await settle();
    expect($('settings-screen')).toBeNull();
    expect($('draft-table')).not.toBeNull();
    expect($('nav-tenants').getAttribute('aria-current')).toBe('page');
  });

  it('goes to Audit from the rail: a place of its own, no longer "soon"', async () => {
    const backend = fakeBackend({}, { drafts: [draft()] });
    component = mount(App, { target, props: { backend } });
    await settle();
    // The rail offers only places that exist: nothing marked "soon" or unavailable.
    expect(target.querySelector('nav')?.textContent).not.toMatch(/soon/i);
    expect(target.querySelector('nav [aria-disabled]')).toBeNull();
    expect([...target.querySelectorAll('nav a')].map((a) => a.textContent?.trim())).toEqual([
      'Tenants',
      'Review',
      'Audit',
      'Settings',
    ]);

    $('nav-audit').click();
    await settle();
    expect($('audit-screen')).not.toBeNull();
    expect($('draft-table')).toBeNull();
    expect($('nav-audit').getAttribute('aria-current')).toBe('page');
    expect($('nav-tenants').getAttribute('aria-current')).toBeNull();
    expect(backend.auditQueries).toHaveLength(1);
  });

  it('refreshes the outbox count right after a draft is submitted', async () => {
    const backend = fakeBackend({}, { drafts: [draft()] });
    const syncStatus = vi.spyOn(backend, 'syncStatus');
    component = mount(App, { target, props: { backend } });
    await settle();
    expect($('outbox-waiting').textContent).toBe('0 waiting');
    const polls = syncStatus.mock.calls.length;

    target.querySelector<HTMLButtonElement>('[data-testid="open-draft"]')!.click();
    await settle();
    type('submit-summary', 'Onboard Acme Health');
    $<HTMLButtonElement>('submit-button').click();
    await settle();

    expect(syncStatus.mock.calls.length).toBe(polls + 1);
    expect($('outbox-waiting').textContent).toBe('1 waiting');
  });
  it('opens a draft’s go-live screen, promotes it to staging, and goes back to the draft', async () => {
    const backend = fakeBackend({}, { drafts: [draft()] });
    const syncStatus = vi.spyOn(backend, 'syncStatus');
    component = mount(App, { target, props: { backend } });
    await settle();
    target.querySelector<HTMLButtonElement>('[data-testid="open-draft"]')!.click();
    await settle();
    type('submit-summary', 'Onboard Acme Health');
    $<HTMLButtonElement>('submit-button').click();
    await settle();
    const tenantId = $('tenant-id').textContent?.trim();

    $<HTMLButtonElement>('open-golive').click();
    await settle();
    expect($('draft-screen')).toBeNull();
    expect($('golive-title').textContent).toBe('Go live: Acme Health');
    expect($('golive-tenant').textContent).toBe(tenantId);
    expect($('nav-tenants').getAttribute('aria-current')).toBe('page');
    const staging = () => target.querySelector('[data-testid="golive-stage"][data-environment="staging"]')!;
    expect(staging().textContent).toContain('Nothing signed yet');

    const polls = syncStatus.mock.calls.length;
    type('promote-staging-summary', 'Ready for staging');
    $<HTMLButtonElement>('promote-staging-button').click();
    await settle();
    expect(backend.promotions).toEqual([{ tenant: tenantId, target: 'staging', summary: 'Ready for staging' }]);
    expect(staging().textContent).toContain('Same as draft');
    // The rail's outbox follows the promotion at once.
    expect(syncStatus.mock.calls.length).toBe(polls + 1);
    expect($('outbox-waiting').textContent).toBe('2 waiting');

    expect($('golive-back').textContent?.trim()).toBe('Back to the draft');
    $('golive-back').click();
    await settle();
    expect($('golive-screen')).toBeNull();
    expect($('draft-title').textContent).toBe('Acme Health');
  });

  it('opens the Conflicts screen from the sync area’s conflict count; resolving updates the rail', async () => {
    const backend = fakeBackend(
      {},
      {
        drafts: [draft()],
        conflicts: [conflictView()],
        server: { url: 'http://127.0.0.1:8480', source: 'settings', registered: true, approved: true },
      },
    );
    component = mount(App, { target, props: { backend } });
    await settle();
    expect($('conflict-count').textContent?.trim()).toBe('1 conflict needs a decision');

    $('open-conflicts').click();
    await settle();
    expect($('conflicts-screen')).not.toBeNull();
    expect($('draft-table')).toBeNull();
    expect($('open-conflicts').getAttribute('aria-current')).toBe('page');
    expect($('nav-tenants').getAttribute('aria-current')).toBeNull();

    for (const input of target.querySelectorAll<HTMLInputElement>('[data-testid="choice-mine"]')) input.click();
    flushSync();
    $<HTMLButtonElement>('resolve-conflict').click();
    await settle();
    expect($('resolve-result').textContent).toContain('will be sent at the next sync');
    expect($('outbox-waiting').textContent).toBe('1 waiting');
    expect($('conflict-count')).toBeNull();
    expect($('conflicts-empty')).not.toBeNull();

    $('conflicts-back').click();
    await settle();
    expect($('conflicts-screen')).toBeNull();
    expect($('nav-tenants').getAttribute('aria-current')).toBe('page');
  });
});
