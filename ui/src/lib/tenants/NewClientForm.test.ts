// @vitest-environment jsdom
import { flushSync, mount, unmount } from 'svelte';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { backendContext, type Backend, type Draft, type FieldIssue, type NewDraft } from '../backend';
import { deferred, fakeBackend, settle } from '../../test/fixtures';
import NewClientForm from './NewClientForm.svelte';

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

async function render(backend: Backend, onsaved = vi.fn<(draft: Draft) => void>(), oncancel = vi.fn()) {
  component = mount(NewClientForm, { target, props: { onsaved, oncancel }, context: backendContext(backend) });
  await settle();
  return { onsaved, oncancel };
}

const $ = <T extends Element = HTMLElement>(testId: string) =>
  target.querySelector<T & Element>(`[data-testid="${testId}"]`) as T;

function type(text: string) {
  const input = $<HTMLInputElement>('client-name');
  input.value = text;
  input.dispatchEvent(new Event('input', { bubbles: true }));
  flushSync();
}

function choose(value: string) {
  const select = $<HTMLSelectElement>('industry');
  select.value = value;
  select.dispatchEvent(new Event('change', { bubbles: true }));
  flushSync();
}

async function save() {
  $<HTMLButtonElement>('save-draft').click();
  await settle();
}

describe('NewClientForm', () => {
  it('offers the industries the backend lists, after a placeholder', async () => {
    await render(fakeBackend());
    const options = [...$<HTMLSelectElement>('industry').options].map((o) => [o.value, o.textContent]);
    expect(options).toEqual([
      ['', 'Choose an industry'],
      ['healthcare', 'Healthcare'],
      ['financial_services', 'Financial services'],
    ]);
  });

  it('shows the backend’s message next to the field as the user types, and only for touched fields', async () => {
    const validateNewDraft = vi.fn(async (input: NewDraft): Promise<FieldIssue[]> => {
      const issues: FieldIssue[] = [{ field: 'industry', message: 'Backend says: pick one.' }];
      if (input.clientName.trim() === '') issues.unshift({ field: 'clientName', message: 'Backend says: name needed.' });
      return issues;
    });
    await render(fakeBackend({ validateNewDraft }));

    type('   ');
    await settle();

    expect(validateNewDraft).toHaveBeenLastCalledWith({ clientName: '   ', industry: '' });
    expect($('client-name-error').textContent).toContain('Backend says: name needed.');
    const input = $<HTMLInputElement>('client-name');
    expect(input.getAttribute('aria-invalid')).toBe('true');
    expect(input.getAttribute('aria-describedby')).toBe('client-name-error');
    // The industry was never touched: its issue waits for the first save.
    expect($('industry-error').textContent?.trim()).toBe('');
    expect($('industry').getAttribute('aria-invalid')).toBe('false');

    type('Acme');
    await settle();
    expect($('client-name-error').textContent?.trim()).toBe('');
    expect(input.getAttribute('aria-invalid')).toBe('false');
    expect(input.hasAttribute('aria-describedby')).toBe(false);
  });

  it('ignores a validation answer that is overtaken by a newer one', async () => {
    const answers: ReturnType<typeof deferred<FieldIssue[]>>[] = [];
    await render(
      fakeBackend({
        validateNewDraft: () => {
          const d = deferred<FieldIssue[]>();
          answers.push(d);
          return d.promise;
        },
      }),
    );

    type('A');
    type('Ac');
    answers[1]?.resolve([{ field: 'clientName', message: 'Newest answer.' }]);
    await settle();
    answers[0]?.resolve([{ field: 'clientName', message: 'Stale answer.' }]);
    await settle();

    expect($('client-name-error').textContent).toContain('Newest answer.');
    expect($('client-name-error').textContent).not.toContain('Stale answer.');
  });

  it('saves through the backend even when validation had objections, and shows what comes back', async () => {
    const backend = fakeBackend({
      validateNewDraft: async () => [{ field: 'clientName', message: 'Too short (from validation).' }],
      createDraft: async () => {
        throw {
          code: 'invalid_input',
          message: 'The draft has problems.',
          fields: [
            { field: 'clientName', message: 'Enter the client’s name.' },
            { field: 'industry', message: 'Choose an industry.' },
          ],
        };
      },
    });
    const createDraft = vi.spyOn(backend, 'createDraft');
    const { onsaved } = await render(backend);

    await save();

    expect(createDraft).toHaveBeenCalledWith({ clientName: '', industry: '' });
    expect(onsaved).not.toHaveBeenCalled();
    expect($('client-name-error').textContent).toContain('Enter the client’s name.');
    expect($('industry-error').textContent).toContain('Choose an industry.');
    expect($('industry').getAttribute('aria-invalid')).toBe('true');
    expect(document.activeElement).toBe($('client-name'));
  });

  it('shows an error without fields in the alert region', async () => {
    await render(
      fakeBackend({
        createDraft: async () => {
          throw { code: 'storage', message: 'The local database is full. Free some disk space.', fields: [] };
        },
      }),
    );
    type('Acme');
    choose('healthcare');
    await save();

    const alert = $('form-alert');
    expect(alert.getAttribute('role')).toBe('alert');
    expect(alert.textContent).toContain('The local database is full. Free some disk space.');
    expect($('client-name-error').textContent?.trim()).toBe('');
  });

  it('hands the saved draft to its owner', async () => {
    const backend = fakeBackend();
    const { onsaved } = await render(backend);
    type('Globex');
    choose('financial_services');
    await save();

    expect(backend.created).toEqual([{ clientName: 'Globex', industry: 'financial_services' }]);
    expect(onsaved).toHaveBeenCalledWith(expect.objectContaining({ clientName: 'Globex' }));
  });

  it('cancels through its owner', async () => {
    const { oncancel } = await render(fakeBackend());
    $<HTMLButtonElement>('cancel-draft').click();
    expect(oncancel).toHaveBeenCalledOnce();
  });
});
