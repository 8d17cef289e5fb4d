// @vitest-environment jsdom
import { flushSync, mount, unmount } from 'svelte';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { backendContext, type Backend, type ConflictView, type Resolved } from '../backend';
import { conflictField, conflictView, deferred, fakeBackend, type FakeBackend } from '../../test/fixtures';
import { syncContext } from '../sync/context';
import { SyncStore } from '../sync/store.svelte';
import ConflictsScreen from './ConflictsScreen.svelte';

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

async function render(backend: Backend, onback = vi.fn()) {
  const store = new SyncStore(backend);
  const context = new Map<symbol, unknown>([...backendContext(backend), ...syncContext(store)]);
  component = mount(ConflictsScreen, { target, props: { onback }, context });
  await wait();
  return { store, onback };
}

const $ = <T extends HTMLElement = HTMLElement>(testId: string, within: ParentNode = target) =>
  within.querySelector<T>(`[data-testid="${testId}"]`) as T;
const $$ = (testId: string, within: ParentNode = target) => [
  ...within.querySelectorAll<HTMLElement>(`[data-testid="${testId}"]`),
];
const text = (testId: string, within: ParentNode = target) =>
  $(testId, within)?.textContent?.replace(/\s+/g, ' ').trim() ?? '';

/** The radio for one side of one field. */
const radio = (side: 'theirs' | 'mine', path: string, within: ParentNode = target) =>
  within.querySelector<HTMLInputElement>(`[data-testid="choice-${side}"][data-path="${path}"]`)!;

function choose(side: 'theirs' | 'mine', path: string, within: ParentNode = target) {
  radio(side, path, within).click();
  flushSync();
}

const BUDGET = '/ai/monthly_budget_cents';
const NAME = '/tenant/display_name';
const resolveButton = (within: ParentNode = target) => $<HTMLButtonElement>('resolve-conflict', within);

/** A server that is set up, with conflicts waiting. */
const withConflicts = (conflicts: ConflictView[] = [conflictView()], outbox = 0): FakeBackend =>
  fakeBackend(
    {},
    {
      conflicts,
      outbox,
      server: { url: 'http://127.0.0.1:8480', source: 'settings', registered: true, approved: true },
    },
  );

describe('ConflictsScreen', () => {
  it('shows each conflict’s tenant, summary and fields in words, as text, with nothing chosen', async () => {
    const hostile = '"<img src=x onerror=alert(1)>"';
    const backend = withConflicts([
      conflictView({
        fields: [
          conflictField(),
          conflictField({ path: NAME, label: 'tenant › display name', stepTitle: null, theirs: hostile }),
        ],
      }),
    ]);
    await render(backend);

    expect(target.querySelector('h1')?.textContent).toBe('Conflicts');
    expect(document.activeElement).toBe(target.querySelector('h1'));
    expect(text('conflicts-waiting')).toBe('1 conflict waits for a decision');
    const card = $('conflict');
    expect(text('conflict-tenant', card)).toBe('acme-health');
    expect(text('conflict-summary', card)).toBe('Raise the AI budget and rename the client');
    expect(card.textContent).toContain('0000c0de');

    const [budget, name] = $$('conflict-field', card);
    expect(budget?.tagName).toBe('FIELDSET');
    expect(budget?.dataset.path).toBe(BUDGET);
    // The group's name is the field in words and its step.
    expect(budget?.querySelector('legend')?.textContent?.replace(/\s+/g, ' ').trim()).toBe(
      'ai › monthly budget cents , Step: Configure AI behaviour (fake)',
    );
    expect(text('value-base', budget!)).toBe('50000');
    expect(text('value-theirs', budget!)).toBe('70000');
    expect(text('value-mine', budget!)).toBe('90000');
    expect(budget?.textContent).toContain('Was');
    expect(budget?.textContent).toContain('Theirs (on the server)');
    expect(budget?.textContent).toContain('Yours');
    expect(name?.querySelector('[data-testid="field-step"]')).toBeNull();
    expect(text('value-theirs', name!)).toBe(hostile);
    expect(target.querySelector('img')).toBeNull();

    // Two radios per field, in one group per field, each labelled, none checked.
    const radios = [...card.querySelectorAll<HTMLInputElement>('input[type="radio"]')];
    expect(radios).toHaveLength(4);
    expect(radios.every((r) => !r.checked)).toBe(true);
    expect(new Set(radios.map((r) => r.name)).size).toBe(2);
    expect(radio('theirs', BUDGET).closest('label')?.textContent).toContain('70000');
    // What the field was describes each choice.
    const was = document.getElementById(radio('mine', BUDGET).getAttribute('aria-describedby')!);
    expect(was?.textContent?.replace(/\s+/g, ' ').trim()).toBe('Was: 50000');
  });

  it('enables "Resolve and queue" only once every field has a side', async () => {
    await render(withConflicts());
    const button = resolveButton();
    expect(button.disabled).toBe(true);
    expect(text('choices-left')).toBe('Choose a side for every field: 0 of 2 chosen.');
    expect(button.getAttribute('aria-describedby')).toBe($('choices-left').id);

    choose('mine', BUDGET);
    expect(radio('mine', BUDGET).checked).toBe(true);
    expect(button.disabled).toBe(true);
    expect(text('choices-left')).toBe('Choose a side for every field: 1 of 2 chosen.');

    // Changing one's mind on a field does not count it twice.
    choose('theirs', BUDGET);
    expect(radio('mine', BUDGET).checked).toBe(false);
    expect(button.disabled).toBe(true);

    choose('theirs', NAME);
    expect(button.disabled).toBe(false);
    expect(text('choices-left')).toMatch(/^All 2 fields have a side\./);
  });

  it('resolves with the chosen sides: says it is queued for the next sync, drops the conflict, updates the sync state', async () => {
    const second = conflictView({
      changeset: 'd'.repeat(64),
      tenant: 'globex',
      summary: 'Rename Globex',
      fields: [conflictField({ path: NAME, label: 'tenant › display name' })],
    });
    const backend = withConflicts([conflictView(), second], 2);
    const { store } = await render(backend);
    expect(store.view?.conflicts).toHaveLength(2);
    const acme = $$('conflict')[0]!;

    choose('mine', BUDGET, acme);
    choose('theirs', NAME, acme);
    resolveButton(acme).click();
    await wait();

    expect(backend.resolutions).toEqual([
      {
        changeset: conflictView().changeset,
        choices: [
          { path: BUDGET, side: 'mine' },
          { path: NAME, side: 'theirs' },
        ],
      },
    ]);
    expect($('resolve-result').getAttribute('role')).toBe('status');
    expect(text('resolve-result')).toContain(
      'Resolved acme-health: your choices are signed and queued, and will be sent at the next sync.',
    );
    expect(text('resolved-hash')).toMatch(/^[0-9a-f]{64}$/);
    expect(text('resolved-outbox')).toBe('3 waiting in the outbox');
    // The conflict is gone; the other one stays.
    expect($$('conflict').map((card) => card.dataset.changeset)).toEqual([second.changeset]);
    expect(text('conflicts-waiting')).toBe('1 conflict waits for a decision');
    // The shared sync state holds the backend's answer.
    expect(store.view?.outbox).toBe(3);
    expect(store.view?.conflicts.map((held) => held.hash)).toEqual([second.changeset]);
    // The focus does not fall off the removed button.
    expect(document.activeElement).toBe(target.querySelector('h1'));
  });

  it('says nothing was left when the server’s values won every field, and shows the empty state', async () => {
    const backend = withConflicts([conflictView()], 1);
    const { store, onback } = await render(backend);

    choose('theirs', BUDGET);
    choose('theirs', NAME);
    resolveButton().click();
    await wait();

    expect(text('resolve-result')).toBe(
      'Resolved acme-health: the server’s values won every field, so nothing of your change was left and nothing was queued.',
    );
    expect($('resolved-hash')).toBeNull();
    expect(store.view?.outbox).toBe(1);
    expect(store.view?.conflicts).toEqual([]);
    expect($('conflict')).toBeNull();
    expect(text('conflicts-empty')).toContain('Nothing to decide');

    $<HTMLButtonElement>('conflicts-back').click();
    expect(onback).toHaveBeenCalledOnce();
  });

  it('shows the backend’s refusal as an alert and keeps the conflict and the choices', async () => {
    const backend = withConflicts();
    backend.fail('resolveConflict', {
      code: 'invalid_input',
      message: 'Choose theirs or mine for /tenant/display_name (fake backend).',
      fields: [],
    });
    const { store } = await render(backend);
    choose('mine', BUDGET);
    choose('mine', NAME);
    resolveButton().click();
    await wait();

    const error = $('resolve-error');
    expect(error.getAttribute('role')).toBe('alert');
    expect(text('resolve-error')).toContain('Not resolved: Choose theirs or mine for /tenant/display_name (fake backend).');
    expect($('conflict')).not.toBeNull();
    expect(radio('mine', BUDGET).checked).toBe(true);
    expect(radio('mine', NAME).checked).toBe(true);
    expect(resolveButton().disabled).toBe(false);
    expect(text('resolve-result')).toBe('');
    expect(store.view?.conflicts).toHaveLength(1);
    expect(store.view?.outbox).toBe(0);

    // Pressed again, the backend accepts it and the alert goes.
    resolveButton().click();
    await wait();
    expect($('resolve-error')).toBeNull();
    expect($('conflict')).toBeNull();
    expect(store.view?.outbox).toBe(1);
  });

  it('sends one resolution at a time and says it is working', async () => {
    const real = withConflicts();
    const answer = deferred<Resolved>();
    const backend: Backend = { ...real, resolveConflict: vi.fn(() => answer.promise) };
    await render(backend);
    choose('mine', BUDGET);
    choose('mine', NAME);
    resolveButton().click();
    flushSync();
    expect(resolveButton().getAttribute('aria-disabled')).toBe('true');
    expect(text('resolve-conflict')).toBe('Resolving…');
    resolveButton().click();
    expect(backend.resolveConflict).toHaveBeenCalledOnce();

    answer.resolve(await real.resolveConflict(conflictView().changeset, [
      { path: BUDGET, side: 'mine' },
      { path: NAME, side: 'mine' },
    ]));
    await wait();
    expect($('conflict')).toBeNull();
  });

  it('teaches what the screen is for when no conflict waits', async () => {
    await render(withConflicts([]));
    expect(text('conflicts-empty')).toContain('Nothing to decide');
    expect(text('conflicts-empty')).toContain('you choose, field by field, whose value to keep');
    expect($('conflicts-waiting')).toBeNull();
    expect(text('resolve-result')).toBe('');
  });

  it('says when the conflicts cannot be read, and tries again', async () => {
    const backend = withConflicts();
    backend.fail('listConflicts', { code: 'storage', message: 'The local database is locked (fake).', fields: [] });
    await render(backend);
    expect($('conflicts-error').getAttribute('role')).toBe('alert');
    expect(text('conflicts-error')).toContain('The local database is locked (fake).');

    target.querySelector<HTMLButtonElement>('[data-testid="conflicts-error"] button')!.click();
    await wait();
    expect($('conflicts-error')).toBeNull();
    expect($$('conflict')).toHaveLength(1);
  });

  it('asks for the list again when a sync brings a new conflict', async () => {
    const backend = withConflicts();
    const listConflicts = vi.spyOn(backend, 'listConflicts');
    const { store } = await render(backend);
    const calls = listConflicts.mock.calls.length;
    expect($$('conflict')).toHaveLength(1);

    backend.conflicts.push(conflictView({ changeset: 'e'.repeat(64), tenant: 'initech' }));
    await store.refresh();
    await wait();
    expect(listConflicts.mock.calls.length).toBe(calls + 1);
    expect($$('conflict-tenant').map((h) => h.textContent)).toEqual(['acme-health', 'initech']);

    // A poll that changes nothing asks for nothing.
    await store.refresh();
    await wait();
    expect(listConflicts.mock.calls.length).toBe(calls + 1);
  });
});
