// @vitest-environment jsdom
import { flushSync, mount, unmount } from 'svelte';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { backendContext, type Backend, type Plan, type ReviewEntry } from '../backend';
import { fakeBackend, fakeHex, type FakeBackend } from '../../test/fixtures';
import { syncContext } from '../sync/context';
import { SyncStore } from '../sync/store.svelte';
import { environmentLabel, myVerdictLine, replacedDetail, roleLine, shortHash, verdictLine } from './labels';
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
const $ = <T extends HTMLElement = HTMLElement>(testId: string) =>
  target.querySelector<T>(`[data-testid="${testId}"]`) as T;

function type(testId: string, value: string) {
  const input = $<HTMLTextAreaElement>(testId);
  input.value = value;
  input.dispatchEvent(new Event('input', { bubbles: true }));
  flushSync();
}

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
    reviews: [],
    replaces: null,
    myVerdict: null,
    ...overrides,
  };
}

const PLAN: Plan = {
  tenant_id: 'cedar-valley-health',
  display_name: 'Cedar Valley Health',
  checklist: [
    {
      item: 'baa_on_file',
      title: 'BAA on file',
      required: true,
      evidence: {
        reference: '<b>DocuSign envelope 8841</b>',
        verified_by: 'Carla Mendes',
        verified_at: '2026-11-30T10:00:00Z',
        sha256: 'ab'.repeat(32),
      },
    },
    { item: 'smoke_tests', title: 'Smoke tests', required: true, evidence: null },
  ],
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
    expect(backend.approved).toEqual([{ hash: fakeHex(1), comment: '' }]);
    expect(one('review-result')).toBe(`Approved ${hostile}'s change set (Staging) with your key.`);
    expect(one('review-empty')).toMatch(/Nothing waits for review/);
  });

  it('an account manager sees the queue but cannot approve; nobody approves their own change', async () => {
    const backend = server([entry(), entry({ hash: fakeHex(3), mine: true })], 'accountManager', { [fakeHex(1)]: PLAN });
    await render(backend);
    expect(one('review-role')).toMatch(/account manager: you can see what waits/);
    const approve = target.querySelector<HTMLButtonElement>('[data-testid="approve"]')!;
    expect(approve.disabled).toBe(true);
    expect($<HTMLButtonElement>('request-changes').disabled).toBe(true);
    expect($$('verdict-comment')).toHaveLength(0);
    expect(one('review-mine')).toBe('You made this change: someone else must approve it.');
    expect($$('approve')).toHaveLength(1);
    expect($$('request-changes')).toHaveLength(1);
    // What changes can be read, but not commented on.
    $<HTMLButtonElement>('show-changes').click();
    await wait();
    expect($$('review-change')).toHaveLength(1);
    expect($$('comment-on-field')).toHaveLength(0);
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
    expect(one('verdict-error')).toBe('The server refused the request (fake).');
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
    // The go-live evidence of the result: the proof as text, its attached output's hash.
    const evidence = $$('review-evidence-item');
    expect(evidence).toHaveLength(2);
    expect(text(evidence[0])).toBe(
      `BAA on file <b>DocuSign envelope 8841</b> · verified by Carla Mendes on 2026-11-30T10:00:00Z · output SHA-256 ${shortHash('ab'.repeat(32))}${'ab'.repeat(32)}`,
    );
    expect(target.querySelector('[data-testid="review-evidence"] b')).toBeNull();
    expect(text(evidence[1])).toBe('Smoke tests No evidence yet');
    expect(one('review-change')).toBe(
      'ai › monthly budget cents 150000 → <b>160000</b> Comment on this field: ai › monthly budget cents',
    );
    expect(target.querySelector('[data-testid="review-change"] b')).toBeNull();
    expect(one('review-finding')).toBe(
      'AI-010 Warning (justified): the budget is above the industry default Justified: Pilot with 3 clinics needs the headroom',
    );
    toggle.click();
    await wait();
    expect($$('review-changes')).toHaveLength(0);
  });

  it('an officer approves with the comment typed', async () => {
    const backend = server([entry()], 'complianceOfficer');
    await render(backend);
    type('verdict-comment', 'Budget now within the clinic default');
    $<HTMLButtonElement>('approve').click();
    await wait();
    expect(backend.approved).toEqual([{ hash: fakeHex(1), comment: 'Budget now within the clinic default' }]);
  });

  it('an officer asks for changes: a comment on a field picked in what changes, and an overall comment', async () => {
    const backend = server([entry()], 'complianceOfficer', { [fakeHex(1)]: PLAN });
    await render(backend);
    $<HTMLButtonElement>('show-changes').click();
    await wait();
    const commentOn = $<HTMLButtonElement>('comment-on-field');
    expect(text(commentOn)).toBe('Comment on this field: ai › monthly budget cents');
    commentOn.click();
    await wait();
    // The new comment's box takes the focus, labelled with the field and its step.
    const input = $<HTMLTextAreaElement>('field-comment-input');
    expect(document.activeElement).toBe(input);
    expect(text(target.querySelector(`label[for="${input.id}"]`))).toBe(
      'Comment on ai › monthly budget cents (Configure AI behaviour)',
    );
    expect(text(commentOn)).toBe('Edit your comment: ai › monthly budget cents');
    type('field-comment-input', 'Bring it back to 150000, or justify it.');
    type('verdict-comment', 'The budget is above the clinic default.');
    $<HTMLButtonElement>('request-changes').click();
    await wait();

    expect(backend.changesAsked).toEqual([
      {
        hash: fakeHex(1),
        comment: 'The budget is above the clinic default.',
        fields: [{ path: '/ai/monthly_budget_cents', comment: 'Bring it back to 150000, or justify it.' }],
      },
    ]);
    expect(one('review-result')).toBe("Asked Ana Lima for changes to Cedar Valley Health's change set (Staging).");
    // The entry now says so, and no second verdict can be given.
    expect(one('my-verdict')).toBe(myVerdictLine('changesRequested'));
    expect(one('review-note-verdict')).toBe('Chidi Okafor asked for changes');
    expect(one('field-comment')).toBe('ai › monthly budget cents Bring it back to 150000, or justify it.');
    expect($<HTMLButtonElement>('approve').disabled).toBe(true);
    expect($<HTMLButtonElement>('request-changes').disabled).toBe(true);
    expect($$('verdict-form')).toHaveLength(0);
  });

  it('a refused request changes nothing: the typed comments stay, and the backend says why next to the change', async () => {
    const backend = server([entry()], 'complianceOfficer', { [fakeHex(1)]: PLAN });
    backend.fail('requestChanges', {
      code: 'server',
      message: 'A later change set replaced this one: review that one (superseded, fake).',
      fields: [],
    });
    await render(backend);
    $<HTMLButtonElement>('show-changes').click();
    await wait();
    $<HTMLButtonElement>('comment-on-field').click();
    await wait();
    type('field-comment-input', 'Too high');
    type('verdict-comment', 'See the budget');
    $<HTMLButtonElement>('request-changes').click();
    await wait();

    const error = $('verdict-error');
    expect(text(error)).toBe('A later change set replaced this one: review that one (superseded, fake).');
    expect(error.getAttribute('role')).toBe('alert');
    expect($<HTMLTextAreaElement>('verdict-comment').value).toBe('See the budget');
    expect($<HTMLTextAreaElement>('field-comment-input').value).toBe('Too high');
    expect($$('my-verdict')).toHaveLength(0);
    expect($<HTMLButtonElement>('request-changes').disabled).toBe(false);
    // A field comment can be taken back before sending.
    $<HTMLButtonElement>('remove-field-comment').click();
    await wait();
    expect($$('field-comment-input')).toHaveLength(0);
    expect(document.activeElement).toBe($('verdict-comment'));
  });

  it('says what a change set replaces and the verdicts so far, as text; one verdict per reviewer', async () => {
    const hostile = '<img src=x onerror=alert(1)>';
    const backend = server(
      [
        entry({
          replaces: { hash: fakeHex(5), voidedApprovals: 2, changesRequested: true },
          myVerdict: 'approved',
          reviews: [
            {
              reviewer: fakeHex(6),
              reviewerName: null,
              verdict: 'approved',
              comment: hostile,
              fields: [],
              at: '2026-11-25T14:30:00Z',
            },
          ],
        }),
      ],
      'complianceOfficer',
    );
    await render(backend);
    expect(one('review-replaces')).toBe(
      `Replaces change set ${shortHash(fakeHex(5))}, on which changes were requested. Its 2 approvals are void.`,
    );
    expect(one('review-note-verdict')).toBe(`The key ${shortHash(fakeHex(6))} approved`);
    expect(one('review-note-comment')).toBe(hostile);
    expect(target.querySelector('[data-testid="review-note"] img')).toBeNull();
    expect(one('my-verdict')).toBe('You approved this change set.');
    expect($<HTMLButtonElement>('approve').disabled).toBe(true);
    expect($<HTMLButtonElement>('request-changes').disabled).toBe(true);
    expect($$('verdict-comment')).toHaveLength(0);
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

  it('says who gave which verdict, and what a replaced change set comes to', () => {
    const note = { reviewer: 'ab'.repeat(32), reviewerName: 'Carla Mendes', verdict: 'changesRequested' } as const;
    expect(verdictLine(note)).toBe('Carla Mendes asked for changes');
    expect(verdictLine({ ...note, reviewerName: null, verdict: 'approved' })).toBe('The key abababababab approved');
    expect(replacedDetail({ hash: 'f', voidedApprovals: 1, changesRequested: false })).toBe('. Its approval is void.');
    expect(replacedDetail({ hash: 'f', voidedApprovals: 0, changesRequested: true })).toBe(
      ', on which changes were requested.',
    );
  });
});
