// @vitest-environment jsdom
import { flushSync, mount, unmount } from 'svelte';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Draft } from '../backend';
import { draft } from '../../test/fixtures';
import DraftTable from './DraftTable.svelte';

let target: HTMLElement | undefined;
let component: ReturnType<typeof mount> | undefined;

afterEach(() => {
  if (component) unmount(component);
  target?.remove();
});

function render(props: { onopen?: (d: Draft) => void; focusId?: string } = {}) {
  target = document.createElement('div');
  document.body.appendChild(target);
  component = mount(DraftTable, {
    target,
    props: {
      drafts: [
        draft({ id: '1', clientName: 'Beta', createdAt: '2026-11-01T10:00:00Z', submission: 'submitted' }),
        draft({ id: '2', clientName: 'alpha', createdAt: '2026-11-03T10:00:00Z' }),
        draft({ id: '3', clientName: 'Gamma', createdAt: '2026-11-02T10:00:00Z', submission: 'editedSinceSubmission' }),
      ],
      ...props,
    },
  });
  return target;
}

const names = (root: HTMLElement) =>
  [...root.querySelectorAll('[data-testid="draft-row"] td:first-child')].map((td) => td.textContent);
const header = (root: HTMLElement, label: string) =>
  [...root.querySelectorAll('th')].find((th) => th.textContent?.includes(label))!;

describe('DraftTable', () => {
  it('opens newest first and sorts by a column when its header button is pressed', () => {
    const root = render();
    expect(names(root)).toEqual(['alpha', 'Gamma', 'Beta']);
    expect(header(root, 'Created').getAttribute('aria-sort')).toBe('descending');

    header(root, 'Client name').querySelector('button')!.click();
    flushSync();
    expect(names(root)).toEqual(['alpha', 'Beta', 'Gamma']);
    expect(header(root, 'Client name').getAttribute('aria-sort')).toBe('ascending');
    expect(header(root, 'Created').getAttribute('aria-sort')).toBe('none');

    header(root, 'Client name').querySelector('button')!.click();
    flushSync();
    expect(names(root)).toEqual(['Gamma', 'Beta', 'alpha']);
    expect(header(root, 'Client name').getAttribute('aria-sort')).toBe('descending');
  });

  it('shows ids in monospace, short, with the full id on hover', () => {
    const root = render();
    const idCell = root.querySelector('[data-testid="draft-row"] td.col-id')!;
    expect(idCell.classList.contains('mono')).toBe(true);
    expect(idCell.getAttribute('title')).toBe('2');
  });

  it('says where each draft stands against its submission, in words', () => {
    const root = render();
    const states = [...root.querySelectorAll('[data-testid="draft-row"] td.col-submission')].map((td) =>
      td.textContent?.trim(),
    );
    expect(states).toEqual(['Not submitted', 'Edited since submission', 'Submitted']);
  });

  it('opens a draft from its name (a button) or from anywhere on its row', () => {
    const onopen = vi.fn();
    const root = render({ onopen });
    const rows = root.querySelectorAll<HTMLElement>('[data-testid="draft-row"]');
    const name = rows[0]!.querySelector<HTMLButtonElement>('button[data-testid="open-draft"]')!;
    expect(name.textContent).toBe('alpha');

    name.click();
    expect(onopen).toHaveBeenCalledOnce();
    expect(onopen).toHaveBeenLastCalledWith(expect.objectContaining({ id: '2' }));

    rows[2]!.querySelector<HTMLElement>('td.col-industry')!.click();
    expect(onopen).toHaveBeenCalledTimes(2);
    expect(onopen).toHaveBeenLastCalledWith(expect.objectContaining({ id: '1' }));
  });

  it('puts the focus on the name of the draft the user came back from', () => {
    const root = render({ onopen: () => {}, focusId: '3' });
    flushSync();
    expect(document.activeElement?.textContent).toBe('Gamma');
    expect(root.contains(document.activeElement)).toBe(true);
  });
});
