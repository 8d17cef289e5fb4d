// @vitest-environment jsdom
import { flushSync, mount, unmount } from 'svelte';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import EmptyState from './EmptyState.svelte';

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

const text = () => target.textContent?.replace(/\s+/g, ' ').trim() ?? '';

describe('EmptyState', () => {
  it('with no tenants either, says what the screen is for', () => {
    component = mount(EmptyState, { target, props: { onnew: () => {}, tenants: 0 } });
    expect(target.querySelector('h2')?.textContent).toBe('No clients yet');
    expect(text()).toMatch(/onboard clients as tenants/);
  });

  it('with tenants in the mirror, says only that no draft is open, and still starts one', () => {
    const onnew = vi.fn();
    component = mount(EmptyState, { target, props: { onnew, tenants: 3 } });
    expect(target.querySelector('h2')?.textContent).toBe('No drafts');
    expect(text()).not.toMatch(/No clients yet/);
    expect(text()).toMatch(/start a draft with New client/);
    target.querySelector<HTMLButtonElement>('[data-testid="empty-new-client"]')?.click();
    flushSync();
    expect(onnew).toHaveBeenCalledOnce();
  });
});
