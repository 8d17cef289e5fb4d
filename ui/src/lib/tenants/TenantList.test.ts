// @vitest-environment jsdom
import { flushSync, mount, unmount } from 'svelte';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { backendContext, type Backend, type TenantFilter, type TenantPage } from '../backend';
import { deferred, fakeBackend, fakeTenants } from '../../test/fixtures';
import TenantList from './TenantList.svelte';

let target: HTMLElement;
let component: ReturnType<typeof mount> | undefined;

// jsdom has no modal dialogs (a gap of the test DOM, not of the app): opening one only
// sets `open`, closing clears it; Chromium's own dialogs are exercised in the browser tests.
if (!('showModal' in HTMLDialogElement.prototype)) {
  Object.assign(HTMLDialogElement.prototype, {
    showModal(this: HTMLDialogElement) {
      this.open = true;
    },
    close(this: HTMLDialogElement) {
      this.open = false;
    },
  });
}

beforeEach(() => {
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

async function wait(ms = 0) {
  await vi.advanceTimersByTimeAsync(ms);
  for (let i = 0; i < 20; i++) await Promise.resolve();
  flushSync();
}

async function render(backend: Backend) {
  component = mount(TenantList, { target, context: backendContext(backend) });
  await wait();
}

const $ = <T extends HTMLElement = HTMLElement>(testId: string) =>
  target.querySelector<T>(`[data-testid="${testId}"]`) as T;
const $$ = (testId: string) => [...target.querySelectorAll<HTMLElement>(`[data-testid="${testId}"]`)];
const text = (el: Element | null | undefined) => el?.textContent?.replace(/\s+/g, ' ').trim() ?? '';
const cells = (row: Element) => [...row.querySelectorAll('[role="gridcell"]')].map((c) => text(c));

function type(value: string) {
  const input = $<HTMLInputElement>('tenant-search');
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

describe('TenantList', () => {
  it('shows the total and only the rows in view, each with its cells in words', async () => {
    await render(fakeBackend({}, { tenants: fakeTenants(2000) }));
    expect(text($('tenant-count'))).toMatch(/^2.?000 tenants$/);
    const rows = $$('tenant-row');
    expect(rows.length).toBeGreaterThan(5);
    expect(rows.length).toBeLessThan(40);
    expect($('tenant-table').getAttribute('aria-rowcount')).toBe('2001');
    const first = rows[0] as HTMLElement;
    expect(first.getAttribute('role')).toBe('row');
    expect(first.getAttribute('aria-rowindex')).toBe('2');
    expect(first.getAttribute('tabindex')).toBe('0');
    expect(rows[1]?.getAttribute('tabindex')).toBe('-1');
    // Industry by its label (from the backend's list), compliance mode and stage in words.
    const [name, industry, compliance, stage, progress, owner] = cells(first);
    expect(name).toMatch(/^Acme /);
    expect(['Healthcare', 'Financial services', 'retail', 'public_sector', 'education']).toContain(industry);
    expect(['Standard', 'GDPR', 'PCI DSS', 'HIPAA']).toContain(compliance);
    expect(['Draft', 'Staging', 'Production']).toContain(stage);
    expect(progress).toMatch(/^(Blocked|Not evaluated yet|\d+ of 12 steps)$/);
    expect(owner).not.toBe('');
    expect(first.getAttribute('aria-label')).toContain(name?.split(' acme')[0]);
  });

  it('asks for the page under the rows scrolled into view', async () => {
    const backend = fakeBackend({}, { tenants: fakeTenants(2000) });
    await render(backend);
    const viewport = $('tenant-viewport');
    Object.defineProperty(viewport, 'scrollTop', { configurable: true, value: 1500 * 44 });
    viewport.dispatchEvent(new Event('scroll'));
    await wait();
    expect(backend.tenantQueries.some((f) => f.offset === 1500 && f.limit === 100)).toBe(true);
    const indexes = $$('tenant-row').map((r) => Number(r.dataset.index));
    expect(indexes.some((i) => i >= 1500 && i < 1510)).toBe(true);
    expect(Math.min(...indexes)).toBeGreaterThan(1400);
  });

  it('searches once the typing stops, with the text as typed', async () => {
    const backend = fakeBackend({}, { tenants: fakeTenants(500) });
    await render(backend);
    const before = backend.tenantQueries.length;
    type('G');
    await wait(50);
    type('Gl');
    await wait(50);
    type('Globex');
    await wait(100);
    expect(backend.tenantQueries.length).toBe(before);
    await wait(60);
    expect(backend.tenantQueries.slice(before).map((f) => f.text)).toEqual(['Globex']);
    expect(text($('tenant-count'))).toMatch(/^\d+ matching tenants$/);
    for (const row of $$('tenant-row')) expect(cells(row)[0]).toMatch(/Globex/);
  });

  it('shows only the latest search’s answer, even when an older one comes back last', async () => {
    const answers: { filter: TenantFilter; answer: ReturnType<typeof deferred<TenantPage>> }[] = [];
    const backend = fakeBackend({
      listTenants: (filter) => {
        const answer = deferred<TenantPage>();
        answers.push({ filter, answer });
        return answer.promise;
      },
    });
    await render(backend);
    answers[0]?.answer.resolve({ total: 0, offset: 0, tenants: [], next: null, owners: [] });
    await wait();
    type('old');
    await wait(150);
    type('new');
    await wait(150);
    // The owners' one-row query (after the first page) is not a search.
    const searches = answers.filter((a) => !a.filter.with_owners);
    expect(searches.map((a) => a.filter.text)).toEqual(['', 'old', 'new']);
    const [tenant] = fakeTenants(1);
    searches[2]?.answer.resolve({ total: 1, offset: 0, tenants: [{ ...tenant!, display_name: 'The new one' }], next: null, owners: [] });
    await wait();
    searches[1]?.answer.resolve({ total: 1, offset: 0, tenants: [{ ...tenant!, display_name: 'The old one' }], next: null, owners: [] });
    await wait();
    expect($$('tenant-row').map((r) => cells(r)[0])).toEqual([expect.stringMatching(/^The new one/)]);
  });

  it('sends the stage, compliance mode and progress filters as chosen', async () => {
    const backend = fakeBackend({}, { tenants: fakeTenants(500) });
    await render(backend);
    choose('tenant-stage', 'production');
    await wait();
    choose('tenant-compliance', 'hipaa');
    await wait();
    choose('tenant-progress', 'blocked');
    await wait();
    expect(backend.tenantQueries.at(-1)).toMatchObject({
      text: '',
      stage: 'production',
      compliance_mode: 'hipaa',
      progress: 'blocked',
      offset: 0,
      limit: 100,
    });
    for (const row of $$('tenant-row')) {
      const [, , compliance, stage, progress] = cells(row);
      expect([compliance, stage, progress]).toEqual(['HIPAA', 'Production', 'Blocked']);
    }
    // Every select has a visible label.
    for (const id of ['tenant-stage', 'tenant-compliance', 'tenant-progress']) {
      expect(target.querySelector(`label[for="${id}"]`)?.textContent).not.toBe('');
    }
  });

  it('moves between rows with the keyboard', async () => {
    await render(fakeBackend({}, { tenants: fakeTenants(300) }));
    const first = $$('tenant-row')[0] as HTMLElement;
    first.focus();
    first.dispatchEvent(new KeyboardEvent('keydown', { key: 'ArrowDown', bubbles: true }));
    await wait();
    expect(document.activeElement?.getAttribute('data-index')).toBe('1');
    document.activeElement?.dispatchEvent(new KeyboardEvent('keydown', { key: 'End', bubbles: true }));
    await wait();
    expect(document.activeElement?.getAttribute('data-index')).toBe('299');
    expect(document.activeElement?.getAttribute('tabindex')).toBe('0');
  });

  it('explains an empty list, and a search that matches nothing offers to clear it', async () => {
    const backend = fakeBackend({}, { tenants: [] });
    await render(backend);
    expect(text($('tenant-empty'))).toMatch(/^No tenants yet\. A client becomes a tenant here/);
    backend.tenants = fakeTenants(50);
    type('zzz');
    await wait(150);
    expect(text($('tenant-no-match'))).toMatch(/^No tenant matches “zzz”/);
    $('tenant-clear').click();
    await wait();
    expect(backend.tenantQueries.at(-1)?.text).toBe('');
    expect(text($('tenant-count'))).toBe('50 tenants');
  });

  it('asks for the next page after the last row it has, and by offset only for a jump', async () => {
    const backend = fakeBackend({}, { tenants: fakeTenants(1000) });
    await render(backend);
    const viewport = $('tenant-viewport');
    // Scrolling just past the first page: page 2 is asked for after page 1's last row.
    viewport.scrollTop = 95 * 44;
    viewport.dispatchEvent(new Event('scroll'));
    await wait();
    const second = backend.tenantQueries.find((f) => f.after !== null);
    const lastOfFirst = backend.tenants[99]!;
    expect(second).toMatchObject({ after: { sort_key: lastOfFirst.display_name.toLowerCase(), id: lastOfFirst.id }, offset: 0 });
    expect(target.querySelector('[data-index="100"]')?.getAttribute('data-tenant-id')).toBe(backend.tenants[100]!.id);
    // A jump far down, with nothing loaded before it: by offset.
    viewport.scrollTop = 800 * 44;
    viewport.dispatchEvent(new Event('scroll'));
    await wait();
    expect(backend.tenantQueries.some((f) => f.after === null && f.offset === 800)).toBe(true);
    expect(target.querySelector('[data-index="805"]')?.getAttribute('data-tenant-id')).toBe(backend.tenants[805]!.id);
  });

  it('offers the owners the backend lists, labelled, and filters by the one chosen', async () => {
    const backend = fakeBackend({}, { tenants: fakeTenants(300) });
    await render(backend);
    // The rows first; the owners' choices once, in a one-row query of their own.
    expect(backend.tenantQueries[0]?.with_owners).toBe(false);
    expect(backend.tenantQueries.filter((f) => f.with_owners)).toEqual([expect.objectContaining({ limit: 1, text: '' })]);
    expect(target.querySelector('label[for="tenant-owner"]')?.textContent).toBe('Owner');
    const choices = [...$<HTMLSelectElement>('tenant-owner').options].map((o) => o.textContent?.trim());
    expect(choices).toEqual(['Anyone', 'Ana Lima (100)', 'Ben Okafor (100)', 'key 9a8b7c6d5e4f (100)']);
    const ben = backend.tenants.find((t) => t.owner_label === 'Ben Okafor')!.owner!;
    choose('tenant-owner', ben);
    await wait();
    expect(backend.tenantQueries.at(-1)).toMatchObject({ owner: ben, with_owners: false, offset: 0 });
    expect(text($('tenant-count'))).toBe('100 matching tenants');
    for (const row of $$('tenant-row')) expect(cells(row)[5]).toBe('Ben Okafor');
  });

  it('a row opens its tenant’s draft, by Enter or click; one without a draft shows its details', async () => {
    const tenants = fakeTenants(20);
    tenants[0] = { ...tenants[0]!, draft_id: 'draft-of-first' };
    const opened: string[] = [];
    component = mount(TenantList, {
      target,
      context: backendContext(fakeBackend({}, { tenants })),
      props: { onopendraft: (id: string) => opened.push(id) },
    });
    await wait();
    const [first, second] = $$('tenant-row') as [HTMLElement, HTMLElement];
    expect(first.getAttribute('aria-label')).toMatch(/has a draft here$/);
    first.focus();
    first.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true }));
    first.click();
    expect(opened).toEqual(['draft-of-first', 'draft-of-first']);
    expect(second.getAttribute('aria-label')).toMatch(/no draft here$/);
    second.focus();
    second.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true }));
    await wait();
    const dialog = document.querySelector<HTMLElement>('[data-testid="tenant-dialog"]');
    expect(dialog?.textContent).toContain(tenants[1]!.display_name);
    expect(dialog?.textContent).toContain(tenants[1]!.id);
    expect(dialog?.textContent).toMatch(/no draft of this tenant in this mirror/);
    expect(opened).toHaveLength(2);
    document.querySelector<HTMLButtonElement>('[data-testid="tenant-dialog-close"]')?.click();
    await wait();
    expect(document.querySelector('[data-testid="tenant-dialog"]')).toBeNull();
    expect(document.activeElement).toBe(target.querySelector('[data-index="1"]'));
  });

  it('the details dialog opens the tenant’s go-live screen by its id', async () => {
    const tenants = fakeTenants(3);
    const wanted: string[] = [];
    component = mount(TenantList, {
      target,
      context: backendContext(fakeBackend({}, { tenants })),
      props: { ongolive: (tenant: string) => wanted.push(tenant) },
    });
    await wait();
    const row = $$('tenant-row')[1]!;
    row.focus();
    row.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true }));
    await wait();
    const open = document.querySelector<HTMLButtonElement>('[data-testid="open-golive"]')!;
    expect(open.textContent?.trim()).toBe('Go live…');
    open.click();
    expect(wanted).toEqual([row.dataset.tenantId]);
  });

  it('the details dialog saves the client handoff in the chosen format and says where, or why not', async () => {
    const tenants = fakeTenants(3);
    const asked: [string, string][] = [];
    const backend = fakeBackend(
      {
        exportHandoff: async (tenant, format) => {
          asked.push([tenant, format]);
          if (asked.length === 2) {
            throw { code: 'invalid_input', message: 'No handoff document: a value looks like a secret (fake).', fields: [] };
          }
          return { fileName: 'client-handoff.md', format: 'Markdown' };
        },
      },
      { tenants },
    );
    await render(backend);
    const row = $$('tenant-row')[1]!;
    row.focus();
    row.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true }));
    await wait();
    const select = document.querySelector<HTMLSelectElement>('[data-testid="handoff-format"]')!;
    expect(select.value).toBe('pdf');
    select.value = 'markdown';
    select.dispatchEvent(new Event('change', { bubbles: true }));
    const save = document.querySelector<HTMLButtonElement>('[data-testid="save-handoff"]')!;
    save.click();
    await wait();
    expect(asked).toEqual([[tenants[1]!.id, 'markdown']]);
    const status = document.querySelector('[data-testid="handoff-status"]');
    expect(text(status)).toBe('Handoff saved as Markdown to client-handoff.md.');
    save.click();
    await wait();
    expect(text(document.querySelector('[data-testid="handoff-error"]'))).toMatch(/looks like a secret \(fake\)/);
    expect(text(status)).toBe('');
    expect(save.disabled).toBe(false);
  });

  it('a failure says what happened and offers "Try again"', async () => {
    const backend = fakeBackend({}, { tenants: fakeTenants(12) });
    backend.fail('listTenants', { code: 'storage', message: 'The local database could not be read (fake).', fields: [] });
    await render(backend);
    expect($('tenant-list-error').getAttribute('role')).toBe('alert');
    expect(text($('tenant-list-error'))).toMatch(/could not be read \(fake\)/);
    target.querySelector<HTMLButtonElement>('[data-testid="tenant-list-error"] button')?.click();
    await wait();
    expect($$('tenant-row')).toHaveLength(12);
  });
});
