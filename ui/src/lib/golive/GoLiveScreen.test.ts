// @vitest-environment jsdom
import { flushSync, mount, unmount } from 'svelte';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { backendContext, type Backend, type GoLiveView, type StageView } from '../backend';
import { deferred, fakeBackend, fakeHex, finding } from '../../test/fixtures';
import GoLiveScreen from './GoLiveScreen.svelte';
import { comparisonLine, signerLabel, unavailableReason } from './labels';

const TENANT = 'tenant-0001';
const MARKUP = '<a href="javascript:alert(1)">proof</a><img src=x onerror="window.__pwned=1">';

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
  vi.useRealTimers();
});

async function wait() {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setTimeout(resolve, 0));
  flushSync();
}

const $ = <T extends HTMLElement = HTMLElement>(testId: string, root: ParentNode = target) =>
  root.querySelector<T>(`[data-testid="${testId}"]`);
const $$ = (testId: string, root: ParentNode = target) => [...root.querySelectorAll<HTMLElement>(`[data-testid="${testId}"]`)];
const text = (el: Element | null | undefined) => el?.textContent?.replace(/\s+/g, ' ').trim() ?? '';
const stage = (environment: string) => target.querySelector<HTMLElement>(`[data-testid="golive-stage"][data-environment="${environment}"]`);
const button = (target: 'staging' | 'production') => $<HTMLButtonElement>(`promote-${target}-button`)!;

function type(testId: string, value: string) {
  const input = $<HTMLTextAreaElement>(testId)!;
  input.value = value;
  input.dispatchEvent(new Event('input', { bubbles: true }));
  flushSync();
}

function signed(environment: StageView['environment'], n: number, overrides: Partial<StageView> = {}): StageView {
  return {
    environment,
    hash: fakeHex(n),
    seq: n,
    signedBy: 'Ana Lima',
    signedAt: '2026-11-28T14:05:00Z',
    sameAsPrevious: environment === 'draft' ? null : true,
    queued: false,
    ...overrides,
  };
}

const nothing = (environment: StageView['environment']): StageView => ({
  environment,
  hash: null,
  seq: null,
  signedBy: null,
  signedAt: null,
  sameAsPrevious: null,
  queued: false,
});

/** A view of the test's own: the screen draws whatever the backend says. */
function goLiveView(overrides: Partial<GoLiveView> = {}): GoLiveView {
  return {
    tenant: TENANT,
    clientName: 'Acme Health',
    stages: [signed('draft', 3), signed('staging', 2, { sameAsPrevious: false, signedBy: fakeHex(98) }), nothing('production')],
    checklistOf: 'staging',
    checklist: [
      {
        item: 'smoke_tests',
        title: 'Smoke tests pass',
        required: true,
        evidence: { reference: MARKUP, verifiedBy: 'Carla Mendes', verifiedAt: '2026-11-30T10:00:00Z', sha256: 'ab'.repeat(32) },
      },
      {
        item: 'logs',
        title: 'Logs reach the dashboard',
        required: true,
        evidence: { reference: 'Ticket OPS-112', verifiedBy: 'Ana Lima', verifiedAt: '2026-11-30T11:00:00Z', sha256: null },
      },
      { item: 'traces', title: 'Traces reach the dashboard', required: true, evidence: null },
    ],
    productionBlockers: [
      finding({
        rule_id: 'VER-001',
        step: 'verification',
        path: '/go_live/items/traces',
        message: 'The checklist item “traces” has no evidence.',
        remediation: 'Record the evidence in step 10.',
      }),
    ],
    missingEvidence: [],
    canPromoteToStaging: true,
    canPromoteToProduction: false,
    ...overrides,
  };
}

async function render(backend: Backend, props: { onback?: () => void; onpromoted?: () => void } = {}) {
  const onback = props.onback ?? vi.fn();
  const onpromoted = props.onpromoted ?? vi.fn();
  component = mount(GoLiveScreen, {
    target,
    props: { tenant: TENANT, backLabel: 'Back to the draft', onback, onpromoted },
    context: backendContext(backend),
  });
  await wait();
  return { onback, onpromoted };
}

describe('GoLiveScreen', () => {
  it('shows the three environments as the backend reports them', async () => {
    const backend = fakeBackend({}, { goLive: [goLiveView({ stages: [signed('draft', 3, { queued: true }), signed('staging', 2, { sameAsPrevious: false, signedBy: fakeHex(98) }), nothing('production')] })] });
    await render(backend);

    expect(text($('golive-title'))).toBe('Go live: Acme Health');
    expect($$('golive-stage').map((el) => el.dataset.environment)).toEqual(['draft', 'staging', 'production']);

    const draft = stage('draft')!;
    expect(text($('stage-state', draft))).toBe('Signed · change #3');
    expect(text($('stage-signer', draft))).toBe('By Ana Lima');
    expect($('stage-signed-at', draft)?.querySelector('time')?.getAttribute('datetime')).toBe('2026-11-28T14:05:00Z');
    expect(text($('stage-queued', draft))).toBe('Waiting in the outbox');
    expect($('stage-compare', draft)).toBeNull();
    // The full hash is there for screen readers and as a tooltip; the short one for the eye.
    const hash = draft.querySelector('code')!;
    expect(hash.title).toBe(fakeHex(3));
    expect(hash.textContent).toContain(fakeHex(3));

    const staging = stage('staging')!;
    expect(text($('stage-compare', staging))).toBe('Differs from draft');
    expect($('stage-queued', staging)).toBeNull();
    // A signer this mirror has no name for is its key id, shortened.
    expect(text($('stage-signer', staging))).toBe(`By key ${fakeHex(98).slice(0, 12)}`);

    const production = stage('production')!;
    expect(text($('stage-state', production))).toBe('Nothing signed yet');
    expect($('stage-signer', production)).toBeNull();
  });

  it('shows the checklist with its evidence as text, and what blocks production', async () => {
    const backend = fakeBackend({}, { goLive: [goLiveView()] });
    await render(backend);

    expect(text($('golive-checklist-of'))).toBe('Read from the staging configuration.');
    const items = $$('golive-item');
    expect(items.map((el) => el.dataset.item)).toEqual(['smoke_tests', 'logs', 'traces']);

    const smoke = items[0]!;
    // Markup in the reference is shown as typed: no link, no image, nothing run.
    expect($('evidence-reference', smoke)?.textContent).toBe(MARKUP);
    expect(target.querySelector('[data-testid="golive-checklist"] a, [data-testid="golive-checklist"] img')).toBeNull();
    expect((window as { __pwned?: number }).__pwned).toBeUndefined();
    expect(text($('evidence-verified-by', smoke))).toBe('Carla Mendes');
    expect($('evidence-verified-at', smoke)?.querySelector('time')?.getAttribute('datetime')).toBe('2026-11-30T10:00:00Z');
    const sha = $('evidence-sha256', smoke)!.querySelector('code')!;
    expect(sha.title).toBe('ab'.repeat(32));
    expect(sha.querySelector('[aria-hidden="true"]')?.textContent).toBe(`${'ab'.repeat(6)}…`);
    expect(sha.querySelector('.visually-hidden')?.textContent).toBe('ab'.repeat(32));

    expect(text($('evidence-sha256', items[1]))).toBe('No output attached');
    expect(text($('evidence-missing', items[2]))).toBe('No evidence yet');
    expect($('evidence-reference', items[2])).toBeNull();

    const blockers = $$('finding', $('golive-blockers')!);
    expect(blockers).toHaveLength(1);
    expect(text($('finding-rule', blockers[0]))).toBe('VER-001');
    expect(text(blockers[0])).toContain('The checklist item “traces” has no evidence.');
    expect(text(blockers[0])).toMatch(/How to fix:\s*Record the evidence in step 10\./);
  });

  it('turns each promotion on or off as the backend says, and says why one is off', async () => {
    // Blockers are listed, yet the backend says production can be promoted: its word stands.
    const backend = fakeBackend({}, { goLive: [goLiveView({ canPromoteToStaging: false, canPromoteToProduction: true })] });
    await render(backend);
    expect(button('staging').disabled).toBe(true);
    expect(button('production').disabled).toBe(false);
    expect($('promote-production-reason')).toBeNull();
    expect(text($('promote-staging-reason'))).toBe('Not available now.');
    expect(button('staging').getAttribute('aria-describedby')).toBe('promote-staging-reason');
  });

  it('explains a promotion that is off from what the view shows', () => {
    const view = goLiveView({ canPromoteToProduction: false });
    expect(unavailableReason(view, 'production')).toBe('Not available: 1 finding blocks production (listed above).');
    const unevidenced = goLiveView({ canPromoteToProduction: false, productionBlockers: [], missingEvidence: ['Smoke tests', 'Traces'] });
    expect(unavailableReason(unevidenced, 'production')).toBe(
      'Not available: 2 checklist items have no evidence yet (Smoke tests, Traces); record it in step 10 and promote it through staging.',
    );
    const empty = goLiveView({ stages: [nothing('draft'), nothing('staging'), nothing('production')] });
    expect(unavailableReason(empty, 'staging')).toBe('Nothing to promote yet: sign and submit the draft first.');
    expect(unavailableReason(empty, 'production')).toBe('Nothing to promote yet: promote the draft to staging first.');
    expect(comparisonLine({ environment: 'production', sameAsPrevious: true })).toBe('Same as staging');
    expect(comparisonLine({ environment: 'draft', sameAsPrevious: true })).toBeNull();
    expect(signerLabel('Ana Lima')).toEqual({ text: 'Ana Lima', keyId: false });
  });

  it('sends nothing without a summary, and says so next to the field', async () => {
    const backend = fakeBackend({}, { goLive: [goLiveView()] });
    const promote = vi.spyOn(backend, 'promoteTenant');
    await render(backend);

    type('promote-staging-summary', '   ');
    button('staging').click();
    await wait();

    expect(promote).not.toHaveBeenCalled();
    const field = $<HTMLTextAreaElement>('promote-staging-summary')!;
    expect(field.getAttribute('aria-invalid')).toBe('true');
    expect(field.getAttribute('aria-describedby')).toContain('promote-staging-missing');
    expect(text($('promote-staging-missing'))).toBe('Write a summary first: nothing was sent.');
    expect(document.activeElement).toBe(field);
    expect($('promote-staging-result')?.dataset.outcome).toBeUndefined();
  });

  it('promotes to staging: the receipt, the outbox, and the view the backend answers with', async () => {
    const backend = fakeBackend(
      {},
      { goLive: [goLiveView({ stages: [signed('draft', 3), nothing('staging'), nothing('production')], checklistOf: 'draft' })] },
    );
    const { onpromoted } = await render(backend);
    expect(text($('golive-checklist-of'))).toBe('Read from the draft configuration.');

    type('promote-staging-summary', 'Ready for staging');
    button('staging').click();
    await wait();

    expect(backend.promotions).toEqual([{ tenant: TENANT, target: 'staging', summary: 'Ready for staging' }]);
    const result = $('promote-staging-result')!;
    expect(result.dataset.outcome).toBe('submitted');
    expect(text(result)).toContain('Signed and queued as change #4');
    expect(text($('promote-staging-receipt'))).toMatch(/^[0-9a-f]{64}$/);
    expect(text(result)).toContain(
      'It waits in the outbox; the server checks approvals, the checklist and staging at the next sync.',
    );
    expect(onpromoted).toHaveBeenCalledTimes(1);
    // The summary is spent; the focus is on the answer, not on a button that went off.
    expect($<HTMLTextAreaElement>('promote-staging-summary')!.value).toBe('');
    expect(document.activeElement).toBe(result);

    // The view after it: staging now holds the draft and waits in the outbox.
    const staging = stage('staging')!;
    expect(text($('stage-state', staging))).toBe('Signed · change #4');
    expect(text($('stage-compare', staging))).toBe('Same as draft');
    expect(text($('stage-queued', staging))).toBe('Waiting in the outbox');
    expect(text($('golive-checklist-of'))).toBe('Read from the staging configuration.');
    expect(button('staging').disabled).toBe(true);
    expect(text($('promote-staging-reason'))).toBe('Nothing to promote: staging already holds the signed draft.');
  });

  it('shows what blocks a promotion and keeps the summary', async () => {
    const blocker = finding({ rule_id: 'VER-002', message: 'No BAA on file.', remediation: 'Attach the BAA.' });
    const backend = fakeBackend({
      promoteTenant: async () => ({ outcome: 'blocked', findings: [blocker], view: goLiveView({ canPromoteToProduction: false }) }),
    }, { goLive: [goLiveView({ canPromoteToProduction: true })] });
    await render(backend);

    type('promote-production-summary', 'Launch');
    button('production').click();
    await wait();

    const result = $('promote-production-result')!;
    expect(result.dataset.outcome).toBe('blocked');
    expect(text(result)).toContain('Not promoted: 1 finding blocks it');
    expect(text($('finding-rule', $('promote-production-findings')!))).toBe('VER-002');
    expect(text(result)).toMatch(/How to fix:\s*Attach the BAA\./);
    expect($<HTMLTextAreaElement>('promote-production-summary')!.value).toBe('Launch');
    // The view the backend answered with: production is off now.
    expect(button('production').disabled).toBe(true);
  });

  it('says when there is nothing to promote', async () => {
    const backend = fakeBackend(
      { promoteTenant: async () => ({ outcome: 'nothingToPromote', view: goLiveView() }) },
      { goLive: [goLiveView()] },
    );
    await render(backend);
    type('promote-staging-summary', 'Again');
    button('staging').click();
    await wait();
    const result = $('promote-staging-result')!;
    expect(result.dataset.outcome).toBe('nothingToPromote');
    expect(text(result)).toBe('Nothing to promote: staging already holds the signed draft. Nothing was signed.');
  });

  it('shows a refusal as an alert with the backend’s words, keeps the summary, and lets the user try again', async () => {
    const backend = fakeBackend({}, { goLive: [goLiveView({ stages: [signed('draft', 3), nothing('staging'), nothing('production')] })] });
    backend.fail('promoteTenant', { code: 'keyring', message: 'The system keyring is locked (fake backend).', fields: [] });
    const { onpromoted } = await render(backend);

    type('promote-staging-summary', 'Ready for staging');
    button('staging').click();
    await wait();

    const alert = $('promote-staging-result')!;
    expect(alert.getAttribute('role')).toBe('alert');
    expect(text(alert)).toBe('The system keyring is locked (fake backend).');
    expect($<HTMLTextAreaElement>('promote-staging-summary')!.value).toBe('Ready for staging');
    expect(onpromoted).not.toHaveBeenCalled();
    expect(button('staging').disabled).toBe(false);

    button('staging').click();
    await wait();
    expect($('promote-staging-result')?.dataset.outcome).toBe('submitted');
    // The kept summary is what the second press sends.
    expect(backend.promotions).toEqual([{ tenant: TENANT, target: 'staging', summary: 'Ready for staging' }]);
  });

  it('sends one promotion at a time', async () => {
    const answer = deferred<Awaited<ReturnType<Backend['promoteTenant']>>>();
    const backend = fakeBackend({}, { goLive: [goLiveView({ canPromoteToProduction: true })] });
    const promote = vi.spyOn(backend, 'promoteTenant').mockReturnValue(answer.promise);
    await render(backend);

    type('promote-staging-summary', 'One');
    type('promote-production-summary', 'Two');
    button('staging').click();
    await wait();
    expect(text(button('staging'))).toBe('Signing…');
    button('staging').click();
    button('production').click();
    await wait();
    expect(promote).toHaveBeenCalledTimes(1);

    answer.resolve({ outcome: 'nothingToPromote', view: goLiveView() });
    await wait();
    expect(text(button('staging'))).toBe('Promote to staging');
  });

  it('says why the screen cannot be shown, and tries again', async () => {
    const backend = fakeBackend({}, { goLive: [goLiveView()] });
    backend.fail('goLive', { code: 'not_found', message: 'No tenant “tenant-0001” in this mirror.', fields: [] });
    const { onback } = await render(backend);

    const error = $('golive-error')!;
    expect(error.getAttribute('role')).toBe('alert');
    expect(text(error)).toContain('No tenant “tenant-0001” in this mirror.');
    error.querySelector('button')!.click();
    await wait();
    expect(text($('golive-title'))).toBe('Go live: Acme Health');

    $('golive-back')!.click();
    expect(onback).toHaveBeenCalledTimes(1);
    expect(text($('golive-back'))).toBe('Back to the draft');
  });
});
