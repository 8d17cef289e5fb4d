// @ts-check
// The plan screen in Chromium, against the fake IPC (see fake-ipc.mjs).
import assert from 'node:assert/strict';
import { eventually } from './harness.mjs';
import { assertNoHorizontalOverflow, seedDraft } from './tenants.mjs';

/**
 * @typedef {import('./harness.mjs').BrowserTest} BrowserTest
 * @typedef {import('playwright-core').Page} Page
 */

const MARKUP = '<img src=x onerror="window.__pwned=1"><b>Bold & Co</b>';
const DRAFTS = [
  seedDraft(1, { clientName: MARKUP, slug: 'bold-co', industry: 'healthcare', industryLabel: 'Healthcare' }),
  seedDraft(2, { clientName: 'Acme Health', slug: 'acme-health', industry: 'healthcare', industryLabel: 'Healthcare' }),
];

/**
 * Opens a draft from the table, then its plan with "Review the plan".
 * @param {Page} page
 * @param {string} name
 */
async function openPlan(page, name) {
  await page.getByTestId('open-draft').filter({ hasText: name }).click();
  await page.getByTestId('draft-screen').waitFor();
  await page.getByTestId('review-plan').click();
  await page.getByTestId('plan-screen').waitFor();
  await page.getByTestId('plan-title').waitFor();
}

/** @type {BrowserTest[]} */
export const planTests = [
  {
    name: 'plan: opened from a draft, a blocking finding shown, typed markup stays text, back to the draft',
    fake: { drafts: DRAFTS, blockingFinding: true },
    async run({ page, screenshot, checkA11y }) {
      await page.getByTestId('draft-row').first().waitFor();
      await openPlan(page, 'Bold & Co');

      // The summary: counts and the verdict are the backend's, in words.
      assert.match(await page.getByTestId('plan-change-count').innerText(), /^\d+ changes in \d+ steps$/);
      assert.equal(await page.getByTestId('plan-base').innerText(), 'Creates the tenant');
      assert.equal(await page.getByTestId('plan-blocking').innerText(), '1 blocking');
      const verdict = page.getByTestId('plan-verdict');
      assert.match(await verdict.innerText(), /^Cannot be submitted yet: 1 finding blocks it/);
      assert.equal(await verdict.getAttribute('data-can-submit'), 'false');

      // Steps in the process's order, each with its table.
      const steps = await page.getByTestId('plan-step').evaluateAll((els) => els.map((el) => el.getAttribute('data-step')));
      assert.equal(steps[0], 'classification');
      assert.ok(steps.indexOf('tenant') < steps.indexOf('ai'));

      // The blocking finding, under its step, with its severity in words.
      const ai = page.locator('[data-testid="plan-step"][data-step="ai"]');
      const finding = ai.getByTestId('plan-finding');
      assert.equal(await finding.count(), 1);
      assert.match(await finding.innerText(), /^Error\s+AI-010/);
      assert.match(await finding.innerText(), /shady-llm/);
      assert.match(await finding.innerText(), /How to fix: Choose a model from the catalog\./);

      // Markup the user typed is shown as text, never run or drawn.
      const name = page.locator('[data-testid="plan-change"][data-path="/tenant/display_name"]');
      assert.equal(await name.getByTestId('plan-after').innerText(), MARKUP);
      assert.match(await name.getByTestId('plan-before').innerText(), /^—/);
      assert.equal(await page.getByTestId('plan-screen').locator('img, b').count(), 0);
      assert.equal(await page.evaluate(() => /** @type {any} */ (window).__pwned), undefined);

      await assertNoHorizontalOverflow(page);
      await screenshot('plan-blocked-light');
      await checkA11y('plan screen');

      await page.getByTestId('back-to-draft').click();
      await page.getByTestId('draft-screen').waitFor();
      await eventually(async () => assert.equal(await page.getByTestId('draft-slug').innerText(), 'bold-co'));
    },
  },
  {
    name: 'plan in dark mode at 1024×700: a submitted draft builds on its base; nothing to submit',
    colorScheme: 'dark',
    fake: { drafts: DRAFTS },
    async run({ page, screenshot, checkA11y }) {
      await page.getByTestId('draft-row').first().waitFor();
      await openPlan(page, 'Acme Health');
      const verdict = page.getByTestId('plan-verdict');
      assert.match(await verdict.innerText(), /^Can be submitted/);
      assert.equal(await page.getByTestId('plan-blocking').innerText(), 'Nothing blocking');
      await assertNoHorizontalOverflow(page);
      await screenshot('plan-ready-dark');
      await checkA11y('plan screen, dark');

      // Sign it, then the plan has nothing left to sign and builds on the change set.
      await page.getByTestId('back-to-draft').click();
      await page.getByTestId('submit-summary').fill('Onboard Acme');
      await page.getByTestId('submit-button').click();
      await eventually(async () => assert.match(await page.getByTestId('submit-result').innerText(), /Signed and queued/));
      await page.getByTestId('review-plan').click();
      await page.getByTestId('plan-title').waitFor();
      assert.match(await page.getByTestId('plan-base').innerText(), /^Builds on change set [0-9a-f]{12}$/);
      assert.match(await verdict.innerText(), /^Nothing to submit/);
      assert.equal(await page.getByTestId('plan-change-count').innerText(), '0 changes in 0 steps');
      assert.match(await page.getByTestId('plan-empty').innerText(), /No field changes/);
      await assertNoHorizontalOverflow(page);
      await checkA11y('empty plan, dark');
    },
  },
];
