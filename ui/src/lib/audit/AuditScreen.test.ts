// @vitest-environment jsdom
import { flushSync, mount, unmount } from 'svelte';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { backendContext, type AuditEntry } from '../backend';
import { fakeAuditEntries, fakeBackend, fakeHex, type FakeBackend } from '../../test/fixtures';
import AuditScreen from './AuditScreen.svelte';
import { filterValue, isFiltered, NO_FILTER, outcomeLabel, shortened, shownLine } from './labels';

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

async function render(backend: FakeBackend) {
  component = mount(AuditScreen, { target, context: backendContext(backend) });
  await wait();
}

const $ = <T extends HTMLElement = HTMLElement>(testId: string) =>
  target.querySelector<T>(`[data-testid="${testId}"]`) as T;
const $$ = (testId: string, within: ParentNode = target) => [...within.querySelectorAll<HTMLElement>(`[data-testid="${testId}"]`)];
const text = (el: Element | null | undefined) => el?.textContent?.replace(/\s+/g, ' ').trim() ?? '';
const cell = (row: HTMLElement, testId: string) => text(row.querySelector(`[data-testid="${testId}"]`));
const ids = () => $$('audit-row').map((row) => Number(row.dataset.id));

function type(testId: string, value: string) {
  const input = $<HTMLInputElement>(testId);
  input.value = value;
  input.dispatchEvent(new Event('input', { bubbles: true }));
  flushSync();
}

async function press(testId: string) {
  $<HTMLButtonElement>(testId).click();
  await wait();
}

function record(overrides: Partial<AuditEntry> = {}): AuditEntry {
  return {
    id: 1,
    at: '2026-11-24T09:15:00Z',
    actor: fakeHex(7),
    actorName: 'Carla Mendes',
    action: 'approve_changeset',
    title: 'Approved a change set',
    tenant: 'cedar-valley-health',
    clientName: 'Cedar Valley Health',
    subject: fakeHex(1),
    outcome: 'done',
    detail: 'Co-signed with your key.',
    ruleIds: ['APR-001', 'APR-002'],
    ...overrides,
  };
}

describe('AuditScreen', () => {
  it('asks for the whole log and shows each record as text, newest first', async () => {
    const backend = fakeBackend(
      {},
      {
        audit: [
          record(),
          record({
            id: 2,
            at: '2026-11-25T10:00:00Z',
            actor: null,
            actorName: null,
            action: 'create_draft',
            title: 'Created a draft',
            tenant: null,
            clientName: '<img src=x onerror=alert(1)> Dental',
            subject: 'handoff <b>final</b>.pdf',
            outcome: 'refused',
            detail: '',
            ruleIds: [],
          }),
        ],
      },
    );
    await render(backend);

    expect(backend.auditQueries).toEqual([{ filter: NO_FILTER, before: null }]);
    expect(ids()).toEqual([2, 1]);
    const [newest, older] = $$('audit-row') as [HTMLElement, HTMLElement];
    // Backend text stays text.
    expect(cell(newest, 'audit-tenant')).toBe('<img src=x onerror=alert(1)> Dental');
    expect(cell(newest, 'audit-subject')).toBe('handoff <b>final</b>.pdf');
    expect(target.querySelector('[data-testid="audit-table"] img, [data-testid="audit-table"] b')).toBeNull();
    expect(cell(newest, 'audit-who')).toBe('Before this machine had a key');
    expect(cell(newest, 'audit-outcome')).toBe('Refused');
    expect(cell(newest, 'audit-rules')).toBe('—none');
    expect(cell(newest, 'audit-detail')).toBe('—none');

    expect(cell(older, 'audit-what')).toBe('Approved a change set approve_changeset');
    expect(cell(older, 'audit-tenant')).toBe('Cedar Valley Health cedar-valley-health');
    expect(cell(older, 'audit-outcome')).toBe('Done');
    expect([...older.querySelectorAll('[data-testid="audit-rules"] li')].map((li) => li.textContent)).toEqual([
      'APR-001',
      'APR-002',
    ]);
    expect(cell(older, 'audit-detail')).toBe('Co-signed with your key.');
    expect(older.querySelector('time')?.getAttribute('datetime')).toBe('2026-11-24T09:15:00Z');

    // A hash is shortened on screen, whole in the tooltip and for screen readers.
    const subject = older.querySelector<HTMLElement>('[data-testid="audit-subject"] [data-testid="hash-text"]')!;
    expect(subject.title).toBe(fakeHex(1));
    expect(text(subject.querySelector('[aria-hidden="true"]'))).toBe(`${fakeHex(1).slice(0, 12)}…`);
    expect(text(subject.querySelector('.visually-hidden'))).toBe(fakeHex(1));
    const who = older.querySelector<HTMLElement>('[data-testid="audit-who"] [data-testid="hash-text"]')!;
    expect(who.title).toBe(fakeHex(7));
    expect(cell(older, 'audit-who')).toContain('Carla Mendes');

    expect(text($('audit-status'))).toBe('2 records, newest first.');
    expect($('audit-older')).toBeNull();
  });

  it('sends the filters as typed, blank ones as not set, and Clear asks for everything again', async () => {
    const backend = fakeBackend(
      {},
      {
        audit: [
          record({ id: 1, at: '2026-11-20T09:00:00Z' }),
          record({ id: 2, at: '2026-11-24T23:59:00Z', ruleIds: ['APR-002'] }),
          record({ id: 3, at: '2026-11-25T00:00:00Z' }),
          record({ id: 4, at: '2026-11-24T12:00:00Z', actorName: 'Ana Lima' }),
        ],
      },
    );
    await render(backend);
    expect(ids()).toEqual([4, 3, 2, 1]);

    type('audit-tenant', '  cedar-valley-health ');
    type('audit-person', 'carla mendes');
    type('audit-from', '2026-11-21');
    type('audit-to', '2026-11-24');
    type('audit-rule', 'APR-002');
    await press('audit-apply');

    expect(backend.auditQueries.at(-1)).toEqual({
      filter: { tenant: 'cedar-valley-health', person: 'carla mendes', from: '2026-11-21', to: '2026-11-24', rule: 'APR-002' },
      before: null,
    });
    expect(ids()).toEqual([2]);
    expect(text($('audit-status'))).toBe('1 record matching the filters, newest first.');

    await press('audit-clear');
    expect(backend.auditQueries.at(-1)).toEqual({ filter: NO_FILTER, before: null });
    expect(['audit-tenant', 'audit-person', 'audit-from', 'audit-to', 'audit-rule'].map((id) => $<HTMLInputElement>(id).value)).toEqual(
      ['', '', '', '', ''],
    );
    expect(ids()).toEqual([4, 3, 2, 1]);
  });

  it('shows a refused filter as an alert with the backend’s message', async () => {
    const backend = fakeBackend({}, { audit: [record()] });
    await render(backend);
    backend.fail('auditLog', { code: 'invalid_input', message: 'from: “2026-02-30” is not a date.', fields: [] });
    type('audit-from', '2026-11-01');
    await press('audit-apply');

    const alert = $('audit-refused');
    expect(alert.getAttribute('role')).toBe('alert');
    expect(text($('audit-refused-message'))).toBe('from: “2026-02-30” is not a date.');
    expect($('audit-table')).toBeNull();
    // The filter stays as typed, to be corrected.
    expect($<HTMLInputElement>('audit-from').value).toBe('2026-11-01');

    await press('audit-apply');
    expect($('audit-refused')).toBeNull();
    expect(ids()).toEqual([1]);
  });

  it('a log that cannot be read says so, and "Try again" reads it', async () => {
    const backend = fakeBackend({}, { audit: [record()] });
    backend.fail('auditLog', { code: 'storage', message: 'The mirror could not be read (fake).', fields: [] });
    await render(backend);
    expect(text($('audit-error'))).toContain('The audit log could not be read The mirror could not be read (fake).');
    [...$('audit-error').querySelectorAll('button')].find((b) => b.textContent?.includes('Try again'))!.click();
    await wait();
    expect($('audit-error')).toBeNull();
    expect(ids()).toEqual([1]);
  });

  it('"Show older" appends the next page with the filter applied, and moves the focus to it', async () => {
    const backend = fakeBackend({}, { audit: fakeAuditEntries(120) });
    await render(backend);
    expect(ids().length).toBe(50);
    expect(ids()[0]).toBe(120);
    expect(text($('audit-status'))).toBe('50 records, newest first; older ones follow with “Show older”.');

    // Typed but not applied: the older records still belong to the list shown.
    type('audit-person', 'someone else');
    await press('audit-older');
    expect(backend.auditQueries.at(-1)).toEqual({ filter: NO_FILTER, before: 71 });
    expect(ids().length).toBe(100);
    expect(ids().slice(49, 51)).toEqual([71, 70]);
    expect(document.activeElement).toBe($$('audit-row')[50]!.querySelector('th'));

    await press('audit-older');
    expect(backend.auditQueries.at(-1)).toEqual({ filter: NO_FILTER, before: 21 });
    expect(ids().length).toBe(120);
    expect(ids().at(-1)).toBe(1);
    expect($('audit-older')).toBeNull();
    expect(text($('audit-status'))).toBe('120 records, newest first.');
  });

  it('a failed "Show older" says why and keeps what is shown', async () => {
    const backend = fakeBackend({}, { audit: fakeAuditEntries(60) });
    await render(backend);
    backend.fail('auditLog', { code: 'storage', message: 'The mirror is locked (fake).', fields: [] });
    await press('audit-older');
    expect(text($('audit-older-error'))).toBe('The mirror is locked (fake).');
    expect(ids().length).toBe(50);
    await press('audit-older');
    expect($('audit-older-error')).toBeNull();
    expect(ids().length).toBe(60);
  });

  it('an empty log says what the log is; with filters, that nothing matches them', async () => {
    const backend = fakeBackend({}, { audit: [] });
    await render(backend);
    expect(text($('audit-empty'))).toContain('Nothing recorded yet');
    expect(text($('audit-empty'))).toContain('Everything done in this app on this machine is recorded here');
    expect($('audit-empty-filtered')).toBeNull();

    backend.audit.push(record());
    type('audit-rule', 'APR-999');
    await press('audit-apply');
    expect(text($('audit-empty'))).toContain('No records match these filters');
    expect(text($('audit-empty-filtered'))).toContain('Nothing in the log matches the filters above');
  });
});

describe('audit labels', () => {
  it('shortens 64-hex hashes only', () => {
    expect(shortened(fakeHex(3))).toBe(fakeHex(3).slice(0, 12));
    expect(shortened('https://platform.example/very/long/path/of/a/server/url/that/is/64ch')).toBeNull();
    expect(shortened('0193abcd-0000-7000-8000-000000000000')).toBeNull();
  });

  it('words outcomes, counts and filters', () => {
    expect(['done', 'refused', 'failed'].map((o) => outcomeLabel(o as AuditEntry['outcome']))).toEqual(['Done', 'Refused', 'Failed']);
    expect(shownLine(1, false, false)).toBe('1 record, newest first.');
    expect(shownLine(50, true, true)).toBe('50 records matching the filters, newest first; older ones follow with “Show older”.');
    expect(filterValue('   ')).toBeNull();
    expect(filterValue(' APR-001 ')).toBe('APR-001');
    expect(isFiltered(NO_FILTER)).toBe(false);
    expect(isFiltered({ ...NO_FILTER, to: '2026-11-30' })).toBe(true);
  });
});
