// @vitest-environment jsdom
import { flushSync, mount, unmount } from 'svelte';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { backendContext, type Backend, type Plan, type ReviewEntry } from '../backend';
import { fakeBackend, fakeHex, type FakeBackend } from '../../test/fixtures';
import { syncContext } from '../sync/context';
import { SyncStore } from '../sync/store.svelte';
import { environmentLabel, roleLine, shortHash } from './labels';
import ReviewScreen from './ReviewScreen.svelte';

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

async function render(backend: Backend) {
  const context = new Map<symbol, unknown>([...backendContext(backend), ...syncContext(new SyncStore(backend))]);
  component = mount(ReviewScreen, { target, context });
  await wait();
}

const $$ = (testId: string) => [...target.querySelectorAll<HTMLElement>(`[data-testid="${testId}"]`)];
const text = (el: Element | null | undefined) => el?.textContent?.replace(/\s+/g, ' ').trim() ?? '';
const one = (testId: string) => text(target.querySelector(`[data-testid="${testId}"]`));

function entry(overrides: Partial<ReviewEntry> = {}): ReviewEntry {
  return {
    hash: fakeHex(1),
    tenant: 'cedar-valley-health',
    clientName: 'Cedar Valley Health',
    environment: 'staging',
    author: fakeHex(2),
    authorName: 'Ana Lima',
    summary: 'Onboard Cedar Valley Health',
    requirements: [
      {
        ruleId: 'APR-001',
        message: 'the compliance mode is set to hipaa',
        step: 'classification',
        needed: 1,
        have: 0,
        satisfied: false,
        reviewerRole: 'compliance_officer',
        approveInstead: null,
      },
    ],
    approvals: 0,
    mine: false,
    ...overrides,
  };
}

const PLAN: Plan = {
  tenant_id: 'cedar-valley-health',
  display_name: 'Cedar Valley Health',
  environment: 'staging',
  base: fakeHex(9),
  creates_tenant: false,
  steps: [
    {
      step: 'ai',
      number: 6,
      title: 'Configure AI behaviour',
      changes: [{ path: '/ai/monthly_budget_cents', label: 'ai › monthly budget cents', before: '150000', after: '<b>160000</b>' }],
      findings: [
        {
          rule_id: 'AI-010',
          severity: 'warning',
          step: 'ai',
          path: '/ai/monthly_budget_cents',
          message: 'the budget is above the industry default',
          remediation: 'Justify it.',
          justified: true,
          justification: 'Pilot with 3 clinics needs the headroom',
        },
      ],
    },
  ],
  change_count: 1,
  blocking_count: 0,
  justified_count: 1,
  can_submit: true,
};

function server(
  reviews: ReviewEntry[],
  role: 'accountManager' | 'complianceOfficer',
  reviewPlans: Record<string, Plan> = {},
): FakeBackend {
  const backend = fakeBackend(
    {},
    { reviews, reviewPlans, server: { url: 'http://127.0.0.1:8480', source: 'settings', registered: true, approved: true } },
  );
  backend.registrations.push({ name: 'Chidi Okafor', role });
  return backend;
}

describe('ReviewScreen', () => {
  it('leads each waiting change with why it needs approval, and an officer approves it', async () => {
    const hostile = '<img src=x onerror=alert(1)>';
    const backend = server([entry({ clientName: hostile })], 'complianceOfficer');
    await render(backend);
    expect(one('review-role')).toMatch(/compliance officer: you can approve/);
    const [card] = $$('review-entry');
    expect(card!.querySelector('h2')!.textContent).toBe(hostile);
    expect(card!.querySelector('img')).toBeNull();
    expect(text(card!.querySelector('[data-testid="review-rule"]'))).toBe('APR-001 the compliance mode is set to hipaa 0 of 1');
    expect(one('review-summary')).toBe('Onboard Cedar Valley Health');
    const approve = card!.querySelector<HTMLButtonElement>('[data-testid="approve"]')!;
    expect(approve.disabled).toBe(false);
    approve.click();
    await wait();
    expect(backend.approved).toEqual([fakeHex(1)]);
    expect(one('review-result')).toBe(`Approved ${hostile}'s change set (Staging) with your key.`);
    expect(one('review-empty')).toMatch(/Nothing waits for review/);
  });

  it('an account manager sees the queue but cannot approve; nobody approves their own change', async () => {
    const backend = server([entry(), entry({ hash: fakeHex(3), mine: true })], 'accountManager');
    await render(backend);
    expect(one('review-role')).toMatch(/account manager: you can see what waits/);
    const approve = target.querySelector<HTMLButtonElement>('[data-testid="approve"]')!;
    expect(approve.disabled).toBe(true);
    expect(one('review-mine')).toBe('You made this change: someone else must approve it.');
    expect($$('approve')).toHaveLength(1);
  });

  it('a change not pulled yet asks for a sync first; a refusal is said next to the change', async () => {
    const backend = server([entry({ summary: null }), entry({ hash: fakeHex(4) })], 'complianceOfficer');
    backend.fail('approveChangeset', { code: 'server', message: 'The server refused the request (fake).', fields: [] });
    await render(backend);
    const [first, second] = $$('approve') as [HTMLButtonElement, HTMLButtonElement];
    expect(first.disabled).toBe(true);
    expect(one('review-summary')).toMatch(/sync to see the change before approving it/);
    second.click();
    await wait();
    expect(one('approve-error')).toBe('The server refused the request (fake).');
    expect($$('review-entry')).toHaveLength(2);
  });

  it('shows what a change changes, old → new by step, with the policy results and justifications, as text', async () => {
    const backend = server([entry()], 'complianceOfficer', { [fakeHex(1)]: PLAN });
    await render(backend);
    const toggle = target.querySelector<HTMLButtonElement>('[data-testid="show-changes"]')!;
    expect(toggle.getAttribute('aria-expanded')).toBe('false');
    toggle.click();
    await wait();
    expect(toggle.getAttribute('aria-expanded')).toBe('true');
    expect(one('review-change-count')).toBe('1 field changed.');
    expect(one('review-change')).toBe('ai › monthly budget cents 150000 → <b>160000</b>');
    expect(target.querySelector('[data-testid="review-change"] b')).toBeNull();
    expect(one('review-finding')).toBe(
      'AI-010 Warning (justified): the budget is above the industry default Justified: Pilot with 3 clinics needs the headroom',
    );
    toggle.click();
    await wait();
    expect($$('review-changes')).toHaveLength(0);
  });

  it('without a server the queue says why it cannot be read', async () => {
    const backend = fakeBackend({});
    backend.fail('reviewQueue', { code: 'invalid_input', message: 'No platform server is set (fake).', fields: [] });
    await render(backend);
    expect(one('review-error')).toMatch(/No platform server is set \(fake\)/);
    expect(one('review-role')).toMatch(/not registered/);
  });
});

describe('review labels', () => {
  it('names environments and roles, and shortens hashes', () => {
    expect(environmentLabel('production')).toBe('Production');
    expect(environmentLabel('other')).toBe('other');
    expect(roleLine('admin')).toMatch(/admin/);
    expect(shortHash('0123456789abcdef')).toBe('0123456789ab');
  });
});
