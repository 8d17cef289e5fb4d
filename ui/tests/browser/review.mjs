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
    reviews: [],
    replaces: null,
    myVerdict: null,
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
    reviews: [],
    replaces: null,
    myVerdict: null,
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
  checklist: [
    {
      item: 'baa_on_file',
      title: 'BAA on file',
      required: true,
      evidence: { reference: 'DocuSign envelope 8841', verified_by: 'Carla Mendes', verified_at: '2026-11-30T10:00:00Z', sha256: 'ab'.repeat(32) },
    },
    { item: 'smoke_tests', title: 'Smoke tests', required: true, evidence: null },
  ],
};

/**
 * The first change set again, as it waits after its author answered a request for
 * changes: it replaces the one reviewed, whose approval is void, and the verdicts so far.
 * @type {import('../../src/lib/backend').ReviewEntry}
 */
const REPLACING = {
  .../** @type {import('../../src/lib/backend').ReviewEntry} */ (REVIEWS[0]),
  hash: 'f'.repeat(64),
  summary: 'Budget back within the clinic default',
  replaces: { hash: 'a'.repeat(64), voidedApprovals: 1, changesRequested: true },
  reviews: [
    {
      reviewer: '9'.repeat(64),
      reviewerName: 'Carla Mendes',
      verdict: 'changesRequested',
      comment: 'Too high for a <b>pilot</b>.\nPlease justify it.',
      fields: [{ path: '/ai/monthly_budget_cents', label: 'ai › monthly budget cents', step: 'ai', comment: 'Bring it back to 150000.' }],
      at: '2026-11-25T14:30:00Z',
    },
  ],
};

/**
 * @param {import('playwright-core').Page} page
 * @param {string} name
 */
const fakeState = (page, name) => page.evaluate((key) => /** @type {any} */ (window).__FAKE_IPC__[key], name);

/** @param {import('playwright-core').Page} page */
const focusedTestId = (page) => page.evaluate(() => document.activeElement?.getAttribute('data-testid'));

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
      // The region opens at once and says it is reading; the rows follow the answer.
      await eventually(async () => assert.equal(await first.getByTestId('review-change').count(), 2));
      // The go-live evidence of the result comes with it: the proof, and what has none.
      assert.equal(await first.getByTestId('review-evidence-item').count(), 2);
      assert.match(await first.getByTestId('review-evidence-item').nth(0).innerText(), /BAA on file[\s\S]*DocuSign envelope 8841[\s\S]*Carla Mendes/);
      assert.equal(await first.getByTestId('review-evidence-missing').innerText(), 'No evidence yet');
      assert.match(await first.getByTestId('review-finding').innerText(), /Justified: Pilot with 3 clinics/);
      await assertNoHorizontalOverflow(page);
      await checkA11y('review queue, light');
      await screenshot('review-queue-light');

      // An approval with a comment, typed and sent by keyboard alone.
      await first.getByTestId('verdict-comment').focus();
      await page.keyboard.type('Budget now within the clinic default');
      await first.getByTestId('approve').focus();
      await page.keyboard.press('Enter');
      await eventually(async () =>
        assert.equal(
          await page.getByTestId('review-result').innerText(),
          "Approved Cedar Valley Health's change set (Staging) with your key.",
        ),
      );
      await eventually(async () => assert.equal(await page.getByTestId('review-entry').count(), 1));
      assert.deepEqual(await fakeState(page, 'approved'), [{ hash: 'a'.repeat(64), comment: 'Budget now within the clinic default' }]);
    },
  },
  {
    name: 'review: a compliance officer asks for changes, with a comment on a field, by keyboard',
    fake: { server: SERVER, reviews: REVIEWS.slice(0, 1), role: 'complianceOfficer', reviewPlans: { ['a'.repeat(64)]: CEDAR_PLAN } },
    async run({ page, screenshot, checkA11y }) {
      await page.getByTestId('nav-review').focus();
      await page.keyboard.press('Enter');
      const entry = page.getByTestId('review-entry');
      await entry.waitFor();
      await eventually(async () => assert.equal(await entry.getByTestId('request-changes').isDisabled(), false));

      // Nothing typed: the backend says what is missing, where the action was.
      await entry.getByTestId('request-changes').focus();
      await page.keyboard.press('Enter');
      const error = entry.getByTestId('verdict-error');
      await eventually(async () =>
        assert.equal(await error.innerText(), 'Say what to change: a comment, or a comment on a field (fake backend).'),
      );
      assert.equal(await error.getAttribute('role'), 'alert');

      // A comment on the budget, started from its row in what changes.
      await entry.getByTestId('show-changes').focus();
      await page.keyboard.press('Enter');
      await eventually(async () => assert.equal(await entry.getByTestId('review-change').count(), 2));
      await entry.getByTestId('review-change').filter({ hasText: 'monthly budget' }).getByTestId('comment-on-field').focus();
      await page.keyboard.press('Enter');
      await eventually(async () => assert.equal(await focusedTestId(page), 'field-comment-input'));
      await page.keyboard.type('Bring it back to 150000, or justify it.');
      assert.equal(await entry.getByLabel('Comment on ai › monthly budget cents').inputValue(), 'Bring it back to 150000, or justify it.');
      await entry.getByTestId('verdict-comment').focus();
      await page.keyboard.type('The budget is above the clinic default.');
      await assertNoHorizontalOverflow(page);
      await checkA11y('request changes, light');
      await screenshot('review-request-changes-light');

      await entry.getByTestId('request-changes').focus();
      await page.keyboard.press('Enter');
      await eventually(async () =>
        assert.equal(
          await page.getByTestId('review-result').innerText(),
          "Asked Ana Lima for changes to Cedar Valley Health's change set (Staging).",
        ),
      );
      const asked = await fakeState(page, 'changesAsked');
      assert.deepEqual(asked.at(-1), {
        hash: 'a'.repeat(64),
        comment: 'The budget is above the clinic default.',
        fields: [{ path: '/ai/monthly_budget_cents', comment: 'Bring it back to 150000, or justify it.' }],
      });
      // The entry now says she asked for changes, and she cannot give another verdict.
      await eventually(async () => assert.match(await entry.getByTestId('my-verdict').innerText(), /You asked for changes/));
      assert.match(await entry.getByTestId('review-note').innerText(), /asked for changes/);
      assert.match(await entry.getByTestId('field-comment').innerText(), /ai › monthly budget cents\s+Bring it back to 150000/);
      assert.equal(await entry.getByTestId('approve').isDisabled(), true);
      assert.equal(await entry.getByTestId('request-changes').isDisabled(), true);
      assert.equal(await entry.getByTestId('verdict-form').count(), 0);
    },
  },
  {
    name: 'review: an account manager sees the queue, what a change set replaces and the verdicts so far; dark',
    colorScheme: 'dark',
    fake: { server: SERVER, reviews: [REPLACING] },
    async run({ page, screenshot, checkA11y }) {
      await page.getByTestId('nav-review').click();
      await page.getByTestId('review-entry').waitFor();
      await eventually(async () => assert.match(await page.getByTestId('review-role').innerText(), /account manager/));
      assert.equal(await page.getByTestId('approve').isDisabled(), true);
      assert.equal(await page.getByTestId('request-changes').isDisabled(), true);
      assert.equal(await page.getByTestId('verdict-form').count(), 0);
      assert.equal(
        await page.getByTestId('review-replaces').innerText(),
        `Replaces change set ${'a'.repeat(12)}, on which changes were requested. Its approval is void.`,
      );
      assert.match(await page.getByTestId('review-note-verdict').innerText(), /^Carla Mendes asked for changes$/);
      // Typed text stays text, line breaks and all.
      assert.equal(await page.getByTestId('review-note-comment').innerText(), 'Too high for a <b>pilot</b>.\nPlease justify it.');
      assert.equal(await page.locator('[data-testid="review-note"] b').count(), 0);
      await assertNoHorizontalOverflow(page);
      await checkA11y('review queue, dark');
      await screenshot('review-queue-dark');
    },
  },
];
