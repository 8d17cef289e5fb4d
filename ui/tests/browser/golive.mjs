// @ts-check
// The go-live screen in Chromium, against the fake IPC (see fake-ipc.mjs), by keyboard only.
import assert from 'node:assert/strict';
import { fakeTenants } from '../../src/test/fake-lists.js';
import { eventually } from './harness.mjs';
import { assertNoHorizontalOverflow, seedDraft } from './tenants.mjs';

/**
 * @typedef {import('./harness.mjs').BrowserTest} BrowserTest
 * @typedef {import('playwright-core').Page} Page
 * @typedef {import('../../src/lib/backend').GoLiveView} GoLiveView
 * @typedef {import('../../src/lib/backend').StageView} StageView
 */

const MARKUP = '<a href="javascript:window.__pwned=1">proof</a><img src=x onerror="window.__pwned=1">';
const SHA = 'c0ffee'.repeat(10) + 'c0de';
const BAKERY = seedDraft(1, { clientName: 'Corner Bakery', slug: 'corner-bakery' });
// The fake IPC's tenant id for a draft (fake-ipc.mjs, documentOf).
const BAKERY_TENANT = `0194${BAKERY.id.slice(4)}`;
const TENANTS = fakeTenants(3);
const COLLEAGUES = /** @type {import('../../src/lib/backend').TenantSummary} */ (TENANTS[1]);

/**
 * @param {StageView['environment']} environment
 * @param {Partial<StageView>} [signed] null fields when left out: nothing signed there
 * @returns {StageView}
 */
function stage(environment, signed) {
  return {
    environment,
    hash: null,
    seq: null,
    signedBy: null,
    signedAt: null,
    sameAsPrevious: null,
    queued: false,
    ...signed,
  };
}

/** @param {string} item */
const blocker = (item) => ({
  rule_id: 'VER-001',
  severity: /** @type {const} */ ('error'),
  step: /** @type {const} */ ('verification'),
  path: `/go_live/items/${item}`,
  message: `The go-live checklist item “${item}” has no evidence (fake backend).`,
  remediation: 'Record where to see the proof, who verified it and when, in step 10.',
  justified: false,
});

/** @type {GoLiveView} */
const BAKERY_VIEW = {
  tenant: BAKERY_TENANT,
  clientName: 'Corner Bakery',
  stages: [
    stage('draft', { hash: 'd'.repeat(64), seq: 2, signedBy: 'Ana Lima', signedAt: '2026-11-28T14:05:00Z', queued: true }),
    stage('staging'),
    stage('production'),
  ],
  checklistOf: 'draft',
  checklist: [
    {
      item: 'smoke_tests',
      title: 'Smoke tests pass in staging',
      required: true,
      evidence: { reference: MARKUP, verifiedBy: 'Carla Mendes', verifiedAt: '2026-11-30T10:00:00Z', sha256: SHA },
    },
    { item: 'traces', title: 'Traces reach the tenant’s dashboard', required: true, evidence: null },
  ],
  productionBlockers: [blocker('traces')],
  missingEvidence: [],
  canPromoteToStaging: true,
  canPromoteToProduction: false,
};

/** @type {GoLiveView} */
const COLLEAGUES_VIEW = {
  tenant: COLLEAGUES.id,
  clientName: COLLEAGUES.display_name,
  stages: [
    stage('draft', { hash: 'a'.repeat(64), seq: 1, signedBy: 'Ben Okafor', signedAt: '2026-11-20T09:00:00Z' }),
    stage('staging', { hash: 'b'.repeat(64), seq: 2, signedBy: 'b0'.repeat(32), signedAt: '2026-11-21T09:00:00Z', sameAsPrevious: true }),
    stage('production'),
  ],
  checklistOf: 'staging',
  checklist: [{ item: 'baa_on_file', title: 'BAA on file', required: true, evidence: null }],
  productionBlockers: [blocker('baa_on_file')],
  missingEvidence: [],
  canPromoteToStaging: false,
  // What the backend said when the screen opened; the promotion itself finds the blocker.
  canPromoteToProduction: true,
};

/** @param {Page} page */
const focusedTestId = (page) => page.evaluate(() => document.activeElement?.getAttribute('data-testid') ?? document.activeElement?.id);

/**
 * @param {Page} page
 * @param {string} environment
 */
const stageText = (page, environment) =>
  page.locator(`[data-testid="golive-stage"][data-environment="${environment}"]`).innerText();

/** @type {BrowserTest[]} */
export const goLiveTests = [
  {
    name: 'go live from a draft, by keyboard: stages, checklist evidence as text, promote to staging, back',
    fake: { drafts: [BAKERY], goLive: [BAKERY_VIEW], outbox: 1 },
    async run({ page, screenshot, checkA11y }) {
      const open = page.getByTestId('open-draft').filter({ hasText: 'Corner Bakery' });
      await open.focus();
      await page.keyboard.press('Enter');
      await page.getByTestId('draft-title').waitFor();
      await page.getByTestId('open-golive').focus();
      await page.keyboard.press('Enter');
      await page.getByTestId('golive-title').waitFor();
      // The heading takes the focus, so a screen reader starts at the top.
      assert.equal(await focusedTestId(page), 'golive-title');
      assert.equal(await page.getByTestId('golive-title').innerText(), 'Go live: Corner Bakery');

      // The three environments.
      assert.match(await stageText(page, 'draft'), /Signed · change #2[\s\S]*By Ana Lima[\s\S]*On 28 Nov 2026, 14:05[\s\S]*Waiting in the outbox/);
      assert.match(await stageText(page, 'staging'), /Nothing signed yet/);
      assert.match(await stageText(page, 'production'), /Nothing signed yet/);

      // The checklist: the reference is text, never a link; the hash short, with the full value for screen readers.
      assert.equal(await page.getByTestId('golive-checklist-of').innerText(), 'Read from the draft configuration.');
      const smoke = page.locator('[data-testid="golive-item"][data-item="smoke_tests"]');
      assert.equal(await smoke.getByTestId('evidence-reference').innerText(), MARKUP);
      assert.equal(await page.getByTestId('golive-screen').locator('a, img').count(), 0);
      assert.equal(await page.evaluate(() => /** @type {any} */ (window).__pwned), undefined);
      assert.equal(await smoke.getByTestId('evidence-sha256').locator('code').getAttribute('title'), SHA);
      assert.equal(await smoke.getByTestId('evidence-sha256').locator('.visually-hidden').textContent(), SHA);
      assert.equal(
        await page.locator('[data-testid="golive-item"][data-item="traces"]').getByTestId('evidence-missing').innerText(),
        'No evidence yet',
      );
      assert.match(await page.getByTestId('golive-blockers').innerText(), /VER-001[\s\S]*“traces” has no evidence/);

      // Production is off, and says why.
      assert.equal(await page.getByTestId('promote-production-button').isDisabled(), true);
      assert.equal(
        await page.getByTestId('promote-production-reason').innerText(),
        'Nothing to promote yet: promote the draft to staging first.',
      );

      await assertNoHorizontalOverflow(page);
      await screenshot('golive-light');
      await checkA11y('go live');

      // No summary: nothing is sent, and the field says why.
      await page.getByTestId('promote-staging-summary').focus();
      await page.keyboard.press('Tab');
      assert.equal(await focusedTestId(page), 'promote-staging-button');
      await page.keyboard.press('Enter');
      await page.getByTestId('promote-staging-missing').waitFor();
      assert.equal(await focusedTestId(page), 'promote-staging-summary');
      assert.deepEqual(await page.evaluate(() => /** @type {any} */ (window).__FAKE_IPC__.promotions), []);

      await page.keyboard.type('Ready for the bakery’s staging');
      await page.keyboard.press('Tab');
      await page.keyboard.press('Enter');
      const result = page.getByTestId('promote-staging-result');
      await eventually(async () => assert.equal(await result.getAttribute('data-outcome'), 'submitted'));
      assert.match(await result.innerText(), /Signed and queued as change #3/);
      assert.match(await page.getByTestId('promote-staging-receipt').innerText(), /^[0-9a-f]{64}$/);
      assert.match(await result.innerText(), /waits in the outbox; the server checks approvals, the checklist and staging/);
      // The button went off; the focus is on the answer.
      assert.equal(await focusedTestId(page), 'promote-staging-result');
      assert.equal(await page.getByTestId('promote-staging-button').isDisabled(), true);
      assert.deepEqual(await page.evaluate(() => /** @type {any} */ (window).__FAKE_IPC__.promotions), [
        { tenant: BAKERY_TENANT, target: 'staging', summary: 'Ready for the bakery’s staging' },
      ]);
      assert.match(await stageText(page, 'staging'), /Signed · change #3[\s\S]*Same as draft[\s\S]*Waiting in the outbox/);
      assert.equal(await page.getByTestId('golive-checklist-of').innerText(), 'Read from the staging configuration.');
      // Staging is there now, but the checklist still lacks evidence: the backend keeps production off.
      assert.equal(await page.getByTestId('promote-production-button').isDisabled(), true);
      assert.equal(
        await page.getByTestId('promote-production-reason').innerText(),
        'Not available: 1 finding blocks production (listed above).',
      );
      await eventually(async () => assert.match(await page.getByTestId('outbox-waiting').innerText(), /^2 waiting$/));
      await assertNoHorizontalOverflow(page);
      await checkA11y('go live, promoted to staging');

      await page.getByTestId('golive-back').focus();
      await page.keyboard.press('Enter');
      await page.getByTestId('draft-title').waitFor();
      assert.equal(await page.getByTestId('draft-slug').innerText(), 'corner-bakery');
    },
  },
  {
    name: 'go live from a tenant’s details in dark mode at 1024×700: a refusal, then blocked production, by keyboard',
    colorScheme: 'dark',
    fake: {
      tenants: TENANTS,
      goLive: [COLLEAGUES_VIEW],
      promoteError: { code: 'keyring', message: 'The system keyring is locked (fake backend). Unlock it and try again.' },
    },
    async run({ page, screenshot, checkA11y }) {
      const row = page.locator(`[data-testid="tenant-row"][data-tenant-id="${COLLEAGUES.id}"]`);
      await row.focus();
      await page.keyboard.press('Enter');
      await page.getByTestId('tenant-dialog').waitFor();
      // From Close (which has the focus), back one to "Go live…".
      await page.keyboard.press('Shift+Tab');
      assert.equal(await focusedTestId(page), 'open-golive');
      await page.keyboard.press('Enter');
      await page.getByTestId('golive-title').waitFor();
      assert.equal(await page.getByTestId('tenant-dialog').count(), 0);
      assert.equal(await page.getByTestId('golive-back').innerText(), 'Back to tenants');

      // A signer this mirror has no name for is shown by its key id, shortened.
      assert.match(await stageText(page, 'staging'), /By key b0b0b0b0b0b0[\s\S]*Same as draft/);
      assert.equal(await page.getByTestId('promote-staging-button').isDisabled(), true);
      assert.equal(
        await page.getByTestId('promote-staging-reason').innerText(),
        'Nothing to promote: staging already holds the signed draft.',
      );
      await assertNoHorizontalOverflow(page);
      await screenshot('golive-dark');
      await checkA11y('go live, dark');

      // The backend refuses: its words in an alert, the summary kept for the next press.
      await page.getByTestId('promote-production-summary').focus();
      await page.keyboard.type('Launch the clinic');
      await page.keyboard.press('Tab');
      await page.keyboard.press('Enter');
      const result = page.getByTestId('promote-production-result');
      await eventually(async () => assert.equal(await result.getAttribute('role'), 'alert'));
      assert.equal(await result.innerText(), 'The system keyring is locked (fake backend). Unlock it and try again.');
      assert.equal(await page.getByTestId('promote-production-summary').inputValue(), 'Launch the clinic');
      await checkA11y('go live, refused, dark');

      // Again: the blocker the screen listed stops it, and the view after it turns production off.
      assert.equal(await focusedTestId(page), 'promote-production-button');
      await page.keyboard.press('Enter');
      await eventually(async () => assert.equal(await result.getAttribute('data-outcome'), 'blocked'));
      assert.match(await result.innerText(), /Not promoted: 1 finding blocks it[\s\S]*VER-001[\s\S]*baa_on_file/);
      assert.equal(await focusedTestId(page), 'promote-production-result');
      assert.equal(await page.getByTestId('promote-production-button').isDisabled(), true);
      assert.equal(await page.getByTestId('promote-production-summary').inputValue(), 'Launch the clinic');
      const promotions = await page.evaluate(() => /** @type {any} */ (window).__FAKE_IPC__.promotions);
      assert.deepEqual(
        promotions.map((/** @type {any} */ p) => [p.tenant, p.target, p.summary]),
        [
          [COLLEAGUES.id, 'production', 'Launch the clinic'],
          [COLLEAGUES.id, 'production', 'Launch the clinic'],
        ],
      );
      await assertNoHorizontalOverflow(page);
      await screenshot('golive-blocked-dark');
      await checkA11y('go live, blocked, dark');

      await page.getByTestId('golive-back').focus();
      await page.keyboard.press('Enter');
      await page.getByTestId('tenant-list').waitFor();
      assert.equal(await page.getByTestId('golive-screen').count(), 0);
    },
  },
];
