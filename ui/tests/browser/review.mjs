// @ts-check
// The Review screen in Chromium against the fake IPC (see fake-ipc.mjs): reached from
// the rail by keyboard, each waiting change led by why it needs approval, approved by a
// compliance officer; axe over it in light and dark.
import assert from 'node:assert/strict';
import { eventually } from './harness.mjs';
import { assertNoHorizontalOverflow } from './tenants.mjs';

/** @typedef {import('./harness.mjs').BrowserTest} BrowserTest */

const SERVER = { url: 'http://127.0.0.1:8480', source: /** @type {const} */ ('settings'), registered: true, approved: true };

/** @type {import('../../src/lib/backend').ReviewEntry[]} */
const REVIEWS = [
  {
    hash: 'a'.repeat(64),
    tenant: 'cedar-valley-health',
    clientName: 'Cedar Valley Health',
    environment: 'staging',
    author: 'b'.repeat(64),
    authorName: 'Ana Lima',
    summary: 'Stage Cedar Valley Health with its PHI migration',
    requirements: [
      {
        ruleId: 'APR-001',
        message: 'the compliance mode is hipaa: a compliance officer confirms the classification',
        step: 'classification',
        needed: 1,
        have: 0,
        satisfied: false,
        reviewerRole: 'compliance_officer',
        approveInstead: null,
      },
      {
        ruleId: 'APR-002',
        message: "dataset 'patient_records' migrates PHI",
        step: 'data_migration',
        needed: 1,
        have: 0,
        satisfied: false,
        reviewerRole: 'compliance_officer',
        approveInstead: null,
      },
    ],
    approvals: 0,
    mine: false,
  },
  {
    hash: 'c'.repeat(64),
    tenant: 'harbor-dental',
    clientName: '<img src=x onerror=alert(1)> Dental',
    environment: 'draft',
    author: 'd'.repeat(64),
    authorName: null,
    summary: null,
    requirements: [
      {
        ruleId: 'APR-001',
        message: 'the compliance mode is hipaa: a compliance officer confirms the classification',
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
  },
];

/** @type {import('../../src/lib/backend').Plan} */
const CEDAR_PLAN = {
  tenant_id: 'cedar-valley-health',
  display_name: 'Cedar Valley Health',
  environment: 'staging',
  base: 'e'.repeat(64),
  creates_tenant: false,
  steps: [
    {
      step: 'data_migration',
      number: 9,
      title: 'Migrate client data',
      changes: [
        { path: '/data_migration/datasets/0/contains_phi', label: 'data migration › datasets › 0 › contains phi', before: 'false', after: 'true' },
      ],
      findings: [],
    },
    {
      step: 'ai',
      number: 6,
      title: 'Configure AI behaviour',
      changes: [{ path: '/ai/monthly_budget_cents', label: 'ai › monthly budget cents', before: '150000', after: '160000' }],
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
  change_count: 2,
  blocking_count: 0,
  justified_count: 1,
  can_submit: true,
};

/** @type {BrowserTest[]} */
export const reviewTests = [
  {
    name: 'review: a compliance officer reaches the queue by keyboard, reads why, approves',
    fake: { server: SERVER, reviews: REVIEWS, role: 'complianceOfficer', reviewPlans: { ['a'.repeat(64)]: CEDAR_PLAN } },
    async run({ page, screenshot, checkA11y }) {
      await page.getByTestId('nav-review').focus();
      await page.keyboard.press('Enter');
      await page.getByTestId('review-screen').waitFor();
      await eventually(async () => assert.equal(await page.getByTestId('review-entry').count(), 2));
      await eventually(async () => assert.match(await page.getByTestId('review-role').innerText(), /compliance officer: you can approve/));
      const first = page.getByTestId('review-entry').nth(0);
      assert.equal(await first.getByTestId('review-rule').count(), 2);
      assert.match(await first.getByTestId('review-rule').nth(1).innerText(), /APR-002\s+dataset 'patient_records' migrates PHI\s+0 of 1/);
      const second = page.getByTestId('review-entry').nth(1);
      assert.equal(await second.locator('h2').innerText(), '<img src=x onerror=alert(1)> Dental');
      assert.equal(await page.locator('[data-testid="review-screen"] img').count(), 0);
      assert.equal(await second.getByTestId('approve').isDisabled(), true, 'not pulled yet: sync first');
      // What it changes, old → new by step, with the justification signed with it.
      await first.getByTestId('show-changes').focus();
      await page.keyboard.press('Enter');
      await first.getByTestId('review-changes').waitFor();
      assert.equal(await first.getByTestId('review-change').count(), 2);
      assert.match(await first.getByTestId('review-finding').innerText(), /Justified: Pilot with 3 clinics/);
      await assertNoHorizontalOverflow(page);
      await checkA11y('review queue, light');
      await screenshot('review-queue-light');

      await first.getByTestId('approve').focus();
      await page.keyboard.press('Enter');
      await eventually(async () =>
        assert.equal(
          await page.getByTestId('review-result').innerText(),
          "Approved Cedar Valley Health's change set (Staging) with your key.",
        ),
      );
      await eventually(async () => assert.equal(await page.getByTestId('review-entry').count(), 1));
      const approved = await page.evaluate(() => /** @type {any} */ (window).__FAKE_IPC__.approved);
      assert.deepEqual(approved, ['a'.repeat(64)]);
    },
  },
  {
    name: 'review: an account manager sees the queue, cannot approve; dark',
    colorScheme: 'dark',
    fake: { server: SERVER, reviews: REVIEWS.slice(0, 1) },
    async run({ page, screenshot, checkA11y }) {
      await page.getByTestId('nav-review').click();
      await page.getByTestId('review-entry').waitFor();
      await eventually(async () => assert.match(await page.getByTestId('review-role').innerText(), /account manager/));
      assert.equal(await page.getByTestId('approve').isDisabled(), true);
      await checkA11y('review queue, dark');
      await screenshot('review-queue-dark');
    },
  },
];
