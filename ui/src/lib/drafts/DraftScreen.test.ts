// @vitest-environment jsdom
import { flushSync, mount, unmount } from 'svelte';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { backendContext, type Backend, type SubmitResult } from '../backend';
import { changeRequest, deferred, draft, fakeBackend, finding } from '../../test/fixtures';
import { fieldId } from '../wizard/edits';
import { syncContext } from '../sync/context';
import { SyncStore } from '../sync/store.svelte';
import DraftScreen from './DraftScreen.svelte';

const ACME = draft();

let target: HTMLElement;
let component: ReturnType<typeof mount> | undefined;

beforeEach(() => {
  // Only the clock is fake: promises and Svelte's microtasks run as usual.
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

async function render(backend: Backend, onback = vi.fn()) {
  component = mount(DraftScreen, { target, props: { id: ACME.id, onback }, context: backendContext(backend) });
  await wait();
  return { onback };
}

const $ = <T extends HTMLElement = HTMLElement>(testId: string) =>
  target.querySelector<T>(`[data-testid="${testId}"]`) as T;
const $$ = (testId: string) => [...target.querySelectorAll<HTMLElement>(`[data-testid="${testId}"]`)];
const text = (testId: string) => $(testId)?.textContent?.replace(/\s+/g, ' ').trim() ?? '';

function type(testId: string, value: string) {
  const input = $<HTMLInputElement | HTMLTextAreaElement>(testId);
  input.value = value;
  input.dispatchEvent(new Event('input', { bubbles: true }));
  flushSync();
}

/** Types into the wizard's field at a JSON pointer. */
function typeAt(path: string, value: string) {
  const input = target.querySelector<HTMLInputElement>(`#${fieldId(path)}`);
  if (!input) throw new Error(`no field ${path}`);
  input.value = value;
  input.dispatchEvent(new Event('input', { bubbles: true }));
  flushSync();
}

/** Opens a step of the wizard from the stepper. */
async function openStep(step: string) {
  target.querySelector<HTMLButtonElement>(`[data-testid="wizard-step"][data-step="${step}"]`)!.click();
  await wait();
}

async function submit(summary: string) {
  type('submit-summary', summary);
  $<HTMLButtonElement>('submit-button').click();
  await wait();
}

const seeded = () => fakeBackend({}, { drafts: [ACME] });

describe('DraftScreen', () => {
  it('shows the header, the wizard at step 1, and teaching empty states', async () => {
    await render(seeded());

    expect(target.querySelector('h1')?.textContent).toBe('Acme Health');
    expect(document.activeElement).toBe(target.querySelector('h1'));
    expect(text('draft-industry')).toBe('Healthcare');
    expect(text('draft-slug')).toBe('acme-health');
    expect(text('tenant-id')).toBe(`tenant-${ACME.id}`);
    expect($('tenant-id').classList.contains('mono')).toBe(true);
    expect(text('submission-state')).toBe('Not submitted');

    // The wizard's twelve steps, as the backend reports them, and step 1's form.
    expect($$('wizard-step')).toHaveLength(12);
    expect($$('wizard-step')[0]?.getAttribute('data-status')).toBe('complete');
    expect(text('step-title')).toBe('Step 1 of 12 Classify the client');
    expect(text('step-findings')).toContain('No rule objects to this step');
    expect(text('history-empty')).toMatch(/^Nothing signed yet/);
    expect($$('history-row')).toHaveLength(0);
    expect(text('signing-key')).toBe(
      'A signing key is created in your system keyring at your first submission',
    );
    expect(text('save-status')).toBe('All changes saved');
    expect($('change-requests')).toBeNull();
  });

  it('leads with the changes a reviewer asked for; a field comment’s link opens its step and focuses the field', async () => {
    const hostile = '<img src=x onerror="alert(1)">Too high';
    const backend = fakeBackend({}, { drafts: [ACME], changeRequests: [changeRequest({}, { comment: hostile })] });
    await render(backend);

    const requests = $('change-requests');
    // Before the wizard: the author reads it first.
    expect(requests.compareDocumentPosition($('wizard')) & Node.DOCUMENT_POSITION_FOLLOWING).toBeTruthy();
    expect(text('review-note-verdict')).toBe('Carla Mendes asked for changes');
    expect(text('review-note-comment')).toBe(hostile);
    expect(target.querySelector('img')).toBeNull();
    expect(text('change-request-summary')).toBe('Raise the AI budget');
    expect(text('field-comment')).toBe(
      'Monthly budget (US cents) Bring it back to 150000 or justify it. Go to the field Monthly budget (US cents)',
    );
    expect(text('step-title')).toBe('Step 1 of 12 Classify the client');

    $<HTMLButtonElement>('jump-to-commented-field').click();
    await wait();
    expect(text('step-title')).toBe('Step 6 of 12 Configure AI behaviour');
    expect(document.activeElement).toBe(target.querySelector(`#${fieldId('/ai/monthly_budget_cents')}`));
  });

  it('shows a request that a sync brings while the draft is open', async () => {
    const backend = fakeBackend({}, { drafts: [ACME] });
    const sync = new SyncStore(backend);
    component = mount(DraftScreen, {
      target,
      props: { id: ACME.id, onback: vi.fn() },
      context: new Map<symbol, unknown>([...backendContext(backend), ...syncContext(sync)]),
    });
    await wait();
    expect($('change-requests')).toBeNull();

    // The reviewer asked; the next sync's view carries it, for this tenant and another.
    const opened = await backend.openDraft(ACME.id);
    const tenant = opened.document.tenant.id;
    backend.changeRequests.push(
      changeRequest({ tenant }, { comment: 'Say why GDPR applies.' }),
      changeRequest({ tenant: 'someone-else', hash: 'c'.repeat(64) }, { comment: 'Not yours.' }),
    );
    await sync.syncNow();
    await wait();
    expect($$('change-request')).toHaveLength(1);
    expect(text('review-note-comment')).toBe('Say why GDPR applies.');
  });

  it('a field comment without a step has no link; one the form does not show lands on its step', async () => {
    const request = changeRequest({}, {
      fields: [
        { path: '/ai/monthly_budget_cents', label: 'Monthly budget', step: null, comment: 'Lower it.' },
        { path: '/ai/not_a_field', label: 'Something gone', step: 'ai', comment: 'Check it.' },
      ],
    });
    await render(fakeBackend({}, { drafts: [ACME], changeRequests: [request] }));
    const links = $$('jump-to-commented-field');
    expect(links).toHaveLength(1);
    links[0]!.click();
    await wait();
    expect(document.activeElement).toBe($('step-title'));
    expect(text('step-title')).toBe('Step 6 of 12 Configure AI behaviour');
  });

  it('saves a pending edit before submitting, then shows the receipt, the outbox and a history row', async () => {
    const backend = seeded();
    const order: string[] = [];
    const edit = backend.editDraft;
    backend.editDraft = async (id, step, edits) => {
      order.push(`edit ${edits.map((e) => (e.op === 'set' ? `${e.path}=${String(e.value)}` : e.op)).join(',')}`);
      return edit(id, step, edits);
    };
    const submitDraft = backend.submitDraft;
    backend.submitDraft = async (id, summary) => {
      order.push(`submit ${summary}`);
      return submitDraft(id, summary);
    };
    await render(backend);
    await openStep('tenant');

    typeAt('/tenant/metadata/legal_name', 'Acme Health Inc.');
    await submit('Onboard Acme Health');

    expect(order).toEqual(['edit /tenant/metadata/legal_name=Acme Health Inc.', 'submit Onboard Acme Health']);
    const result = $('submit-result');
    expect(result.getAttribute('role')).toBe('status');
    expect(result.textContent).toContain('Signed and queued as change #1');
    expect(text('receipt-hash')).toMatch(/^[0-9a-f]{64}$/);
    expect($('receipt-hash').tagName).toBe('CODE');
    expect(text('outbox-count')).toBe('1 waiting in the outbox');
    expect($<HTMLTextAreaElement>('submit-summary').value).toBe('');
    expect(text('submission-state')).toBe('Submitted');

    const rows = $$('history-row');
    expect(rows).toHaveLength(1);
    expect(rows[0]?.textContent).toContain('Onboard Acme Health');
    const author = rows[0]!.querySelector('[data-testid="history-author"]')!;
    expect(author.textContent).toHaveLength(12);
    expect(author.getAttribute('title')).toMatch(/^[0-9a-f]{64}$/);
    expect(author.getAttribute('title')!.startsWith(author.textContent!)).toBe(true);
    // The key now exists.
    expect(text('signing-key')).toMatch(/^Signed as [0-9a-f]{64}$/);

    // The same version again: nothing to sign.
    await submit('Again');
    expect(text('submit-result')).toBe('Nothing to submit: the mirror already holds this version');
    expect($$('history-row')).toHaveLength(1);

    // An edit, then a second change set.
    typeAt('/tenant/metadata/legal_name', 'Acme Health Incorporated');
    await wait(400);
    expect(text('submission-state')).toBe('Edited since submission');
    await submit('Fix the legal name');
    expect(text('submit-result')).toContain('Signed and queued as change #2');
    expect(text('outbox-count')).toBe('2 waiting in the outbox');
    expect($$('history-row')).toHaveLength(2);
  });

  it('tells the app when a change set was queued, and only then', async () => {
    const onsubmitted = vi.fn();
    component = mount(DraftScreen, {
      target,
      props: { id: ACME.id, onback: vi.fn(), onsubmitted },
      context: backendContext(seeded()),
    });
    await wait();

    await submit('');
    expect(onsubmitted).not.toHaveBeenCalled();
    await submit('Onboard Acme Health');
    expect(onsubmitted).toHaveBeenCalledOnce();
    await submit('Again');
    expect(onsubmitted).toHaveBeenCalledOnce();
  });

  it('lists the findings that block a submission', async () => {
    const backend = seeded();
    backend.extraFindings.push(
      finding(),
      finding({ rule_id: 'AI-020', severity: 'warning', justified: true, message: 'A justified warning (fake).' }),
    );
    await render(backend);
    await openStep('ai');

    const findings = $('step-findings');
    expect($$('step-finding')).toHaveLength(2);
    expect(findings.textContent).toContain('AI-010');
    expect(findings.textContent).toContain('Error');
    expect(findings.textContent).toContain('Warning (justified)');

    await submit('Onboard Acme Health');
    expect(text('submit-result')).toMatch(/^Not submitted: 1 finding blocks this draft/);
    const blocking = $('blocking-findings');
    expect(blocking.querySelectorAll('li')).toHaveLength(1);
    expect(blocking.textContent).toContain('The model "shady-llm" is not in the catalog (fake backend).');
    expect($$('history-row')).toHaveLength(0);
    // Nothing was signed: the summary stays for the next attempt.
    expect($<HTMLTextAreaElement>('submit-summary').value).toBe('Onboard Acme Health');
  });

  it('shows a keyring error from the backend as an alert, in its words', async () => {
    const backend = seeded();
    backend.fail('submitDraft', {
      code: 'keyring',
      message: 'The system keyring is locked. Unlock it, then submit again.',
      fields: [],
    });
    await render(backend);

    await submit('Onboard Acme Health');
    const result = $('submit-result');
    expect(result.getAttribute('role')).toBe('alert');
    expect(result.textContent?.trim()).toBe('The system keyring is locked. Unlock it, then submit again.');

    // Trying again works, and the alert gives way to the receipt.
    await submit('Onboard Acme Health');
    expect($('submit-result').getAttribute('role')).toBe('status');
    expect(text('submit-result')).toContain('Signed and queued as change #1');
  });

  it('marks the button busy while signing and ignores a second press', async () => {
    const real = seeded();
    const answer = deferred<SubmitResult>();
    const submitDraft = vi.fn((_id: string, _summary: string) => answer.promise);
    await render({ ...real, submitDraft });

    await submit('Onboard Acme Health');
    const button = $<HTMLButtonElement>('submit-button');
    expect(button.getAttribute('aria-disabled')).toBe('true');
    expect(button.textContent).toContain('Signing…');
    button.click();
    await wait();
    expect(submitDraft).toHaveBeenCalledOnce();

    answer.resolve(await real.submitDraft(ACME.id, 'Onboard Acme Health'));
    await wait();
    expect(button.getAttribute('aria-disabled')).toBe('false');
    expect(text('submit-result')).toContain('Signed and queued as change #1');
  });

  it('saves a pending edit before going back to the tenants', async () => {
    const backend = seeded();
    const editDraft = vi.spyOn(backend, 'editDraft');
    const { onback } = await render(backend);
    await openStep('tenant');

    typeAt('/tenant/display_name', 'Acme Health Group');
    $<HTMLButtonElement>('back-to-tenants').click();
    await wait();

    expect(editDraft).toHaveBeenCalledOnce();
    expect(backend.documentOf(ACME.id)?.tenant.display_name).toBe('Acme Health Group');
    expect(onback).toHaveBeenCalledOnce();
  });

  it('stays when the last edit could not be saved, and leaves on a second press', async () => {
    const backend = seeded();
    backend.fail('editDraft', { code: 'storage', message: 'The disk is full (fake).', fields: [] });
    const { onback } = await render(backend);
    await openStep('tenant');

    typeAt('/tenant/display_name', 'Acme Health Group');
    $<HTMLButtonElement>('back-to-tenants').click();
    await wait();
    expect(onback).not.toHaveBeenCalled();
    expect(text('leave-warning')).toContain('Your latest change is not saved');

    $<HTMLButtonElement>('back-to-tenants').click();
    await wait();
    expect(onback).toHaveBeenCalledOnce();
  });

  it('shows user text as text, never as HTML', async () => {
    const hostile = '<img src=x onerror="alert(1)">Evil & Co';
    await render(fakeBackend({}, { drafts: [draft({ clientName: hostile })] }));
    expect(target.querySelector('h1')?.textContent).toBe(hostile);
    expect(target.querySelector('img')).toBeNull();
  });

  it('explains a draft that could not be opened, and a signing key that could not be read', async () => {
    const backend = seeded();
    backend.fail('openDraft', { code: 'not_found', message: 'This draft no longer exists (fake).', fields: [] });
    backend.fail('signingKey', { code: 'keyring', message: 'The keyring is not available (fake).', fields: [] });
    await render(backend);

    expect($('draft-error').getAttribute('role')).toBe('alert');
    expect(text('draft-error')).toContain('This draft no longer exists (fake).');

    target.querySelector<HTMLButtonElement>('[data-testid="draft-error"] button')!.click();
    await wait();
    expect(text('draft-title')).toBe('Acme Health');
    expect(text('signing-key')).toBe('Signing key: The keyring is not available (fake).');
  });

  it('"Review the plan" saves a pending edit first, then opens the plan', async () => {
    const backend = seeded();
    const onplan = vi.fn();
    component = mount(DraftScreen, { target, props: { id: ACME.id, onback: vi.fn(), onplan }, context: backendContext(backend) });
    await wait();
    await openStep('tenant');
    typeAt('/tenant/display_name', 'Acme Health Group');
    const button = $<HTMLButtonElement>('review-plan');
    expect(button.textContent?.trim()).toBe('Review the plan');
    expect(button.type).toBe('button');
    button.click();
    await wait();
    expect(backend.documentOf(ACME.id)?.tenant.display_name).toBe('Acme Health Group');
    expect(onplan).toHaveBeenCalledOnce();
  });

  it('does not open the plan while the last edit is unsaved, and says why', async () => {
    const backend = seeded();
    backend.fail('editDraft', { code: 'storage', message: 'The disk is full (fake).', fields: [] });
    const onplan = vi.fn();
    component = mount(DraftScreen, { target, props: { id: ACME.id, onback: vi.fn(), onplan }, context: backendContext(backend) });
    await wait();
    await openStep('tenant');
    typeAt('/tenant/display_name', 'Acme Health Group');
    $<HTMLButtonElement>('review-plan').click();
    await wait();
    expect(onplan).not.toHaveBeenCalled();
    expect(text('plan-warning')).toContain('your latest change is not saved');
  });

  it('"Go live…" saves a pending edit first, then opens the tenant’s go-live by its id', async () => {
    const backend = seeded();
    const ongolive = vi.fn();
    component = mount(DraftScreen, { target, props: { id: ACME.id, onback: vi.fn(), ongolive }, context: backendContext(backend) });
    await wait();
    await openStep('tenant');
    typeAt('/tenant/display_name', 'Acme Health Group');
    $<HTMLButtonElement>('open-golive').click();
    await wait();
    expect(backend.documentOf(ACME.id)?.tenant.display_name).toBe('Acme Health Group');
    expect(ongolive).toHaveBeenCalledExactlyOnceWith(backend.documentOf(ACME.id)?.tenant.id);
  });

  it('does not leave for the go-live screen while the last edit is unsaved, and says why', async () => {
    const backend = seeded();
    backend.fail('editDraft', { code: 'storage', message: 'The disk is full (fake).', fields: [] });
    const ongolive = vi.fn();
    component = mount(DraftScreen, { target, props: { id: ACME.id, onback: vi.fn(), ongolive }, context: backendContext(backend) });
    await wait();
    await openStep('tenant');
    typeAt('/tenant/display_name', 'Acme Health Group');
    $<HTMLButtonElement>('open-golive').click();
    await wait();
    expect(ongolive).not.toHaveBeenCalled();
    expect(text('golive-warning')).toContain('your latest change is not saved');
  });
});
