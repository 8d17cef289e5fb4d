// @vitest-environment jsdom
import { flushSync, mount, unmount } from 'svelte';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { backendContext, type Backend, type Draft, type Edit, type WizardView } from '../backend';
import { deferred, draft, fakeBackend, type FakeBackend } from '../../test/fixtures';
import { TYPING_DELAY } from './context';
import { fieldId } from './edits';
import Wizard from './Wizard.svelte';

const ACME = draft();

let target: HTMLElement;
let component: ReturnType<typeof mount> | undefined;

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

async function render(backend: Backend, ondraft: (draft: Draft) => void = () => {}) {
  component = mount(Wizard, { target, props: { id: ACME.id, ondraft }, context: backendContext(backend) });
  await wait();
}

const $ = <T extends HTMLElement = HTMLElement>(testId: string) =>
  target.querySelector<T>(`[data-testid="${testId}"]`) as T;
const $$ = (testId: string) => [...target.querySelectorAll<HTMLElement>(`[data-testid="${testId}"]`)];
const text = (el: Element | null | undefined) => el?.textContent?.replace(/\s+/g, ' ').trim() ?? '';
const at = <T extends HTMLElement = HTMLInputElement>(path: string) =>
  target.querySelector<T>(`#${fieldId(path)}`) as T;
const fieldAt = (path: string) => target.querySelector<HTMLElement>(`[data-testid="field"][data-path="${path}"]`);

function typeAt(path: string, value: string) {
  const input = at<HTMLInputElement | HTMLTextAreaElement>(path);
  input.value = value;
  input.dispatchEvent(new Event('input', { bubbles: true }));
  flushSync();
}

async function openStep(step: string) {
  target.querySelector<HTMLButtonElement>(`[data-testid="wizard-step"][data-step="${step}"]`)!.click();
  await wait();
}

const seeded = () => fakeBackend({}, { drafts: [ACME] });

describe('Wizard', () => {
  it('draws the backend’s form for the step, one component per kind, every input labelled', async () => {
    await render(seeded());

    expect(text($('step-title'))).toBe('Step 1 of 12 Classify the client');
    expect(text($('step-purpose'))).toBe('What step 1 is for, in plain words (fake backend).');
    expect($$('field-group').map((g) => g.querySelector('legend')?.textContent)).toEqual([
      'Industry and regulation',
      'Scale expectations',
      'Documentation',
    ]);
    expect(at<HTMLSelectElement>('/classification/industry').tagName).toBe('SELECT');
    expect(at<HTMLSelectElement>('/classification/industry').value).toBe('healthcare');
    expect(fieldAt('/classification/regulations')?.tagName).toBe('FIELDSET');
    expect(fieldAt('/classification/regulations')?.querySelectorAll('input[type="checkbox"]')).toHaveLength(2);
    expect(at('/classification/scale/expected_users').getAttribute('inputmode')).toBe('numeric');
    expect(at('/classification/documented_by').value).toBe('Test User');
    expect(at('/classification/documented_at').value).toBe('2026-11-24T09:15:00Z');

    // Every input, select and textarea has a label a screen reader reads.
    for (const control of target.querySelectorAll<HTMLElement>('input, select, textarea')) {
      const labelled =
        control.closest('label') !== null ||
        (control.id !== '' && target.querySelector(`label[for="${control.id}"]`) !== null);
      expect(labelled, control.outerHTML).toBe(true);
    }

    // The stepper: the backend's statuses in words, the reason exposed to screen readers.
    const steps = $$('wizard-step');
    expect(steps).toHaveLength(12);
    expect(steps[0]?.getAttribute('aria-current')).toBe('step');
    expect(text(steps[1]?.querySelector('[data-testid="wizard-step-status"]'))).toBe('Incomplete');
    const reason = document.getElementById(steps[1]!.getAttribute('aria-describedby')!);
    expect(text(reason)).toBe('Enter the client’s legal name (fake backend).');
    expect(steps[1]?.getAttribute('title')).toBe('Enter the client’s legal name (fake backend).');
  });

  it('sends one edit after a pause, with the latest text, and shows the backend’s new verdict', async () => {
    const backend = seeded();
    const editDraft = vi.spyOn(backend, 'editDraft');
    await render(backend);
    await openStep('tenant');
    expect(text(fieldAt('/tenant/metadata/legal_name'))).toContain('Enter the client’s legal name (fake backend).');

    typeAt('/tenant/metadata/legal_name', 'A');
    await wait(TYPING_DELAY / 2);
    typeAt('/tenant/metadata/legal_name', 'Acme Health Inc.');
    expect(text($('save-status'))).toBe('Saving…');
    await wait(TYPING_DELAY - 1);
    expect(editDraft).not.toHaveBeenCalled();
    await wait(1);

    expect(editDraft).toHaveBeenCalledOnce();
    expect(editDraft.mock.calls[0]).toEqual([
      ACME.id,
      'tenant',
      [{ op: 'set', path: '/tenant/metadata/legal_name', value: 'Acme Health Inc.' }],
    ]);
    expect(text($('save-status'))).toBe('All changes saved');
    expect(text(fieldAt('/tenant/metadata/legal_name'))).not.toContain('Enter the client’s legal name');
    expect($$('wizard-step')[1]?.getAttribute('data-status')).toBe('complete');
    expect(backend.documentOf(ACME.id)?.tenant.metadata.legal_name).toBe('Acme Health Inc.');

    // A click is sent at once; numbers go as numbers.
    target.querySelector<HTMLInputElement>(`#${fieldId('/tenant/compliance_flags/phi_allowed')}`)!.click();
    await wait();
    expect(editDraft.mock.calls[1]?.[2]).toEqual([{ op: 'set', path: '/tenant/compliance_flags/phi_allowed', value: true }]);
    typeAt('/tenant/compliance_flags/audit_log_retention_days', '2190');
    await wait(400);
    expect(editDraft.mock.calls[2]?.[2]).toEqual([
      { op: 'set', path: '/tenant/compliance_flags/audit_log_retention_days', value: 2190 },
    ]);
  });

  it('shows a refused edit next to its field, keeps the text, and saves the next one', async () => {
    await render(seeded());

    typeAt('/classification/scale/expected_users', 'many');
    await wait(400);
    const error = fieldAt('/classification/scale/expected_users')?.querySelector('[data-testid="edit-error"]');
    expect(error?.getAttribute('role')).toBe('alert');
    expect(text(error)).toBe(
      'Not saved: /classification/scale/expected_users: expected a number (fake backend). Nothing was changed.',
    );
    expect(at('/classification/scale/expected_users').getAttribute('aria-invalid')).toBe('true');
    expect(at('/classification/scale/expected_users').value).toBe('many');
    expect($('save-status').getAttribute('role')).toBe('alert');

    typeAt('/classification/scale/expected_users', '1800');
    await wait(400);
    expect(fieldAt('/classification/scale/expected_users')?.querySelector('[data-testid="edit-error"]')).toBeNull();
    expect(text($('save-status'))).toBe('All changes saved');
    expect(at('/classification/scale/expected_users').value).toBe('1800');
  });

  it('keeps the later steps read-only until the classification is documented', async () => {
    const backend = seeded();
    await render(backend);

    typeAt('/classification/documented_by', '');
    await wait(400);
    const steps = $$('wizard-step');
    for (const step of steps.slice(1)) {
      expect(step.getAttribute('data-status')).toBe('blocked');
      expect(text(step.querySelector('[data-testid="wizard-step-status"]'))).toBe('Waiting for step 1');
    }

    await openStep('tenant');
    expect(text($('step-locked'))).toContain('This step opens once the classification (step 1) is complete');
    expect(at('/tenant/display_name').disabled).toBe(true);
    expect($<HTMLButtonElement>('add-record').disabled).toBe(true);

    $('step-locked').querySelector('button')!.click();
    await wait();
    expect(text($('step-title'))).toBe('Step 1 of 12 Classify the client');
    expect(document.activeElement).toBe($('step-title'));
    typeAt('/classification/documented_by', 'Priya Raman');
    await wait(400);
    await openStep('tenant');
    expect($('step-locked')).toBeNull();
    expect(at('/tenant/display_name').disabled).toBe(false);
  });

  it('lists the step’s findings with a link to the field, and takes a justification for a warning', async () => {
    const backend = seeded();
    await render(backend);
    await openStep('ai');
    expect(text($('step-findings'))).toContain('No rule objects to this step');

    const tools = fieldAt('/ai/tools')!;
    const sendEmail = [...tools.querySelectorAll('label')].find((l) => l.textContent?.includes('send_email'))!;
    sendEmail.querySelector('input')!.click();
    await wait();

    const findings = $$('step-finding');
    expect(findings).toHaveLength(1);
    expect(text(findings[0]?.querySelector('[data-testid="step-finding-rule"]'))).toBe('AI-010');
    expect(text(findings[0])).toContain('Tool \'send_email\' has side effects (fake backend).');
    expect(text(findings[0])).toContain('How to fix: Remove the tool');
    expect(text(tools)).toContain('AI-010: Tool \'send_email\' has side effects');
    expect($$('wizard-step')[5]?.getAttribute('data-status')).toBe('blocked');

    findings[0]!.querySelector<HTMLButtonElement>('[data-testid="jump-to-field"]')!.click();
    await wait();
    expect(document.activeElement).toBe(at('/ai/tools'));

    const justification = $<HTMLTextAreaElement>('justification');
    expect(target.querySelector(`label[for="${justification.id}"]`)?.textContent).toBe('Justification for AI-010');
    justification.value = 'Emails go only to the patient, after a person approves them.';
    justification.dispatchEvent(new Event('input', { bubbles: true }));
    await wait(400);
    expect(backend.documentOf(ACME.id)?.justifications['AI-010']).toBe(
      'Emails go only to the patient, after a person approves them.',
    );
    expect(text($('step-finding'))).toContain('Warning (justified)');
    expect($$('wizard-step')[5]?.getAttribute('data-status')).toBe('complete');
  });

  it('adds and removes records through the backend', async () => {
    const backend = seeded();
    await render(backend);
    await openStep('tenant');

    $<HTMLButtonElement>('add-record').click();
    await wait();
    expect($$('record')).toHaveLength(1);
    typeAt('/tenant/metadata/contacts/0/name', 'Ana Ruiz');
    await wait(400);
    expect(text($('record').querySelector('legend'))).toBe('Ana Ruiz');
    expect(text($('remove-record'))).toBe('Remove Ana Ruiz');

    $<HTMLButtonElement>('remove-record').click();
    await wait();
    expect($$('record')).toHaveLength(0);
    expect(backend.documentOf(ACME.id)?.tenant.metadata.contacts).toEqual([]);
  });

  it('sends edits one batch at a time, in order, and never lets an older answer replace newer typing', async () => {
    const real = seeded();
    const pending: { edits: Edit[]; answer: ReturnType<typeof deferred<WizardView>> }[] = [];
    const backend: FakeBackend = {
      ...real,
      editDraft: (_id, _step, edits) => {
        const answer = deferred<WizardView>();
        pending.push({ edits, answer });
        return answer.promise;
      },
    };
    await render(backend);
    await openStep('tenant');

    typeAt('/tenant/display_name', 'Acme Old');
    await wait(400);
    typeAt('/tenant/display_name', 'Acme Newer');
    await wait(400);
    // The second batch waits for the first: it must read what the first saved.
    expect(pending).toHaveLength(1);

    pending[0]!.answer.resolve(await real.editDraft(ACME.id, 'tenant', pending[0]!.edits));
    await wait();
    expect(pending).toHaveLength(2);
    expect(pending[1]!.edits).toEqual([{ op: 'set', path: '/tenant/display_name', value: 'Acme Newer' }]);
    // The first answer came while "Acme Newer" was queued: the field keeps the typing.
    expect(at('/tenant/display_name').value).toBe('Acme Newer');
    expect(text($('save-status'))).toBe('Saving…');

    pending[1]!.answer.resolve(await real.editDraft(ACME.id, 'tenant', pending[1]!.edits));
    await wait();
    expect(text($('save-status'))).toBe('All changes saved');
    expect(real.documentOf(ACME.id)?.tenant.display_name).toBe('Acme Newer');
  });

  it('shows what a user typed as text, never as HTML', async () => {
    const hostile = '<img src=x onerror="alert(1)">Evil & Co';
    const ondraft = vi.fn();
    await render(seeded(), ondraft);
    await openStep('tenant');

    typeAt('/tenant/metadata/legal_name', hostile);
    await wait(400);
    $<HTMLButtonElement>('add-record').click();
    await wait();
    typeAt('/tenant/metadata/contacts/0/name', hostile);
    await wait(400);
    expect(text($('record').querySelector('legend'))).toBe(hostile.replace(/\s+/g, ' '));
    expect(at('/tenant/metadata/legal_name').value).toBe(hostile);
    expect(target.querySelector('img')).toBeNull();
    expect(ondraft).toHaveBeenCalled();
  });

  it('explains a step that could not be opened, and opens it on “Try again”', async () => {
    const backend = seeded();
    backend.fail('wizardStep', { code: 'storage', message: 'The local mirror could not be read (fake).', fields: [] });
    await render(backend);
    expect($('wizard-error').getAttribute('role')).toBe('alert');
    expect(text($('wizard-error'))).toContain('The local mirror could not be read (fake).');
    $('wizard-error').querySelector('button')!.click();
    await wait();
    expect(text($('step-title'))).toBe('Step 1 of 12 Classify the client');
  });
});
