// @vitest-environment jsdom
import { flushSync, mount, unmount } from 'svelte';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { backendContext, type Backend, type Plan } from '../backend';
import { draft, fakeBackend, finding } from '../../test/fixtures';
import PlanScreen from './PlanScreen.svelte';

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

async function render(backend: Backend, onback = vi.fn()) {
  component = mount(PlanScreen, { target, props: { id: ACME.id, onback }, context: backendContext(backend) });
  await wait();
  return { onback };
}

const $ = (testId: string) => target.querySelector<HTMLElement>(`[data-testid="${testId}"]`);
const $$ = (testId: string) => [...target.querySelectorAll<HTMLElement>(`[data-testid="${testId}"]`)];
const text = (el: Element | null | undefined) => el?.textContent?.replace(/\s+/g, ' ').trim() ?? '';

/** A plan of the test's own: the screen draws whatever the backend says. */
function plan(overrides: Partial<Plan> = {}): Plan {
  return {
    tenant_id: 'tenant-1',
    display_name: 'Acme Health',
    checklist: [],
    environment: 'draft',
    base: 'f'.repeat(64),
    creates_tenant: false,
    steps: [
      {
        step: 'tenant',
        number: 2,
        title: 'Create the tenant (fake)',
        changes: [
          { path: '/tenant/display_name', label: 'tenant › display name', before: '"Acme"', after: '"<b>Acme</b> Health"' },
          { path: '/tenant/metadata/legal_name', label: 'tenant › metadata › legal name', before: null, after: '"Acme Ltd"' },
        ],
        findings: [],
      },
      {
        step: 'ai',
        number: 6,
        title: 'Configure AI behaviour (fake)',
        changes: [{ path: '/ai/tools/0', label: 'ai › tools › 0', before: '"search"', after: null }],
        findings: [
          { ...finding(), justification: null },
          {
            ...finding({ rule_id: 'AI-020', severity: 'warning', justified: true, message: 'A costly model (fake).' }),
            justification: 'Approved by the client’s CTO.',
          },
        ],
      },
    ],
    change_count: 3,
    blocking_count: 1,
    justified_count: 1,
    can_submit: false,
    ...overrides,
  };
}

describe('PlanScreen', () => {
  it('shows the summary, each step’s changes as text and its findings in words', async () => {
    await render(fakeBackend({ planDraft: async () => plan() }));
    expect(text($('plan-title'))).toBe('Plan for Acme Health');
    expect(text($('plan-change-count'))).toBe('3 changes in 2 steps');
    expect(text($('plan-base'))).toBe(`Builds on change set ${'f'.repeat(12)}`);
    expect(text($('plan-blocking'))).toBe('1 blocking · 1 justified warning');
    expect(text($('plan-verdict'))).toMatch(/^Cannot be submitted yet: 1 finding blocks it/);

    const steps = $$('plan-step');
    expect(steps.map((s) => s.dataset.step)).toEqual(['tenant', 'ai']);
    expect(text(steps[0]?.querySelector('h2'))).toBe('Step 2 Create the tenant (fake)');

    // Markup is text; an absent value is "—" (and said in words for screen readers).
    const name = target.querySelector('[data-path="/tenant/display_name"]');
    expect(text(name?.querySelector('[data-testid="plan-after"]'))).toBe('"<b>Acme</b> Health"');
    expect(target.querySelector('[data-testid="plan-screen"] b')).toBeNull();
    const legal = target.querySelector('[data-path="/tenant/metadata/legal_name"]');
    expect(text(legal?.querySelector('[data-testid="plan-before"]'))).toBe('—not set');
    const tool = target.querySelector('[data-path="/ai/tools/0"]');
    expect(text(tool?.querySelector('[data-testid="plan-after"]'))).toBe('—removed');

    // Findings: severity in words, rule id, message, how to fix, the justification.
    const findings = $$('plan-finding');
    expect(findings).toHaveLength(2);
    expect(text(findings[0])).toMatch(/^Error AI-010 .*shady-llm.*How to fix: Choose a model from the catalog\.$/);
    expect(text(findings[1])).toMatch(/^Warning \(justified\) AI-020/);
    expect(text(findings[1]?.querySelector('[data-testid="plan-justification"]'))).toBe(
      'Justification: Approved by the client’s CTO.',
    );
  });

  it('says when the plan creates the tenant and can be submitted', async () => {
    await render(
      fakeBackend({ planDraft: async () => plan({ creates_tenant: true, base: null, blocking_count: 0, justified_count: 0, can_submit: true }) }),
    );
    expect(text($('plan-base'))).toBe('Creates the tenant');
    expect(text($('plan-blocking'))).toBe('Nothing blocking');
    expect(text($('plan-verdict'))).toBe('Can be submitted: nothing blocks this draft.');
    expect($('plan-verdict')?.getAttribute('role')).toBe('status');
  });

  it('draws the fake backend’s plan of a new draft: every field, the blocking error under its step', async () => {
    const backend = fakeBackend({}, { drafts: [ACME] });
    backend.extraFindings = [finding()];
    await render(backend);
    expect(text($('plan-base'))).toBe('Creates the tenant');
    expect(text($('plan-verdict'))).toMatch(/^Cannot be submitted yet/);
    const ai = target.querySelector('[data-testid="plan-step"][data-step="ai"]');
    expect(text(ai?.querySelector('[data-testid="plan-finding"]'))).toMatch(/^Error AI-010/);
  });

  it('an empty plan says there is nothing to submit', async () => {
    await render(fakeBackend({ planDraft: async () => plan({ steps: [], change_count: 0, blocking_count: 0, justified_count: 0 }) }));
    expect(text($('plan-verdict'))).toMatch(/^Nothing to submit/);
    expect(text($('plan-empty'))).toMatch(/No field changes and no findings/);
  });

  it('a failure says what happened and offers "Try again"; Back goes back to the draft', async () => {
    const backend = fakeBackend({}, { drafts: [ACME] });
    backend.fail('planDraft', { code: 'not_found', message: 'This draft no longer exists (fake backend).', fields: [] });
    const { onback } = await render(backend);
    expect($('plan-error')?.getAttribute('role')).toBe('alert');
    expect(text($('plan-error'))).toMatch(/This draft no longer exists/);
    target.querySelector<HTMLButtonElement>('[data-testid="plan-error"] button')?.click();
    await wait();
    expect($('plan-error')).toBeNull();
    expect(text($('plan-title'))).toBe('Plan for Acme Health');
    $('back-to-draft')?.click();
    expect(onback).toHaveBeenCalledOnce();
  });
});
