// @ts-check
// The onboarding wizard in Chromium, against the fake IPC and the fake's form model
// (src/test/fake-wizard.js): keyboard only, axe-clean, light and dark, 1024×700.
import assert from 'node:assert/strict';
import { eventually } from './harness.mjs';
import { assertNoHorizontalOverflow, seedDraft } from './tenants.mjs';
import { wizardStepsTests } from './wizard-steps.mjs';

/**
 * @typedef {import('./harness.mjs').BrowserTest} BrowserTest
 * @typedef {import('playwright-core').Page} Page
 */

const ACME = seedDraft(2, { clientName: 'Acme Health', industry: 'healthcare', industryLabel: 'Healthcare', slug: 'acme-health' });

/** @param {Page} page */
const focused = (page) =>
  page.evaluate(() => ({
    testId: document.activeElement?.getAttribute('data-testid') ?? null,
    path: document.activeElement?.closest('[data-path]')?.getAttribute('data-path') ?? null,
    tag: document.activeElement?.tagName ?? null,
    text: document.activeElement?.textContent?.replace(/\s+/g, ' ').trim() ?? null,
    label: document.activeElement?.id
      ? document.querySelector(`label[for="${document.activeElement.id}"]`)?.textContent?.trim() ?? null
      : null,
  }));

/**
 * Presses Tab until the focus is on an element matching `done`, at most `limit` times.
 * @param {Page} page
 * @param {(f: Awaited<ReturnType<typeof focused>>) => boolean} done
 * @param {number} [limit]
 */
async function tabTo(page, done, limit = 80) {
  for (let i = 0; i < limit; i++) {
    await page.keyboard.press('Tab');
    const now = await focused(page);
    if (done(now)) return now;
  }
  throw new Error(`Tab never reached the element (last: ${JSON.stringify(await focused(page))})`);
}

/**
 * The focus ring is visible: an outline or a changed border on the focused element.
 * @param {Page} page
 */
async function assertVisibleFocus(page) {
  const style = await page.evaluate(() => {
    const el = /** @type {HTMLElement} */ (document.activeElement);
    const s = getComputedStyle(el);
    return { outline: s.outlineStyle, width: s.outlineWidth, border: s.borderColor };
  });
  assert.ok(style.outline !== 'none' && style.width !== '0px', `no visible focus: ${JSON.stringify(style)}`);
}

/**
 * Opens Acme Health's draft from the table with the keyboard.
 * @param {Page} page
 */
async function openAcme(page) {
  const button = page.getByTestId('open-draft').filter({ hasText: 'Acme Health' });
  await button.focus();
  await page.keyboard.press('Enter');
  await page.getByTestId('wizard').waitFor();
  await page.getByTestId('step-form').waitFor();
}

/** @type {BrowserTest[]} */
export const wizardTests = [
  {
    name: 'wizard: keyboard only through classification, tenant, services and AI, axe-clean at each step',
    fake: { drafts: [ACME] },
    async run({ page, screenshot, checkA11y }) {
      await page.getByTestId('draft-row').first().waitFor();
      await openAcme(page);
      assert.match(await page.getByTestId('step-title').innerText(), /Step 1 of 12\s+Classify the client/i);
      assert.match(await page.getByTestId('step-purpose').innerText(), /plain words/);
      await assertNoHorizontalOverflow(page);
      await checkA11y('wizard, classification');
      await screenshot('wizard-classification-light');

      // Step 1: the scale, by keyboard. Tab reaches the field; typing saves it.
      const users = await tabTo(page, (f) => f.path === '/classification/scale/expected_users' && f.tag === 'INPUT');
      assert.equal(users.label, 'Expected users');
      await assertVisibleFocus(page);
      await page.keyboard.type('1800');
      await eventually(async () => assert.equal(await page.getByTestId('save-status').innerText(), 'All changes saved'));
      const scale = await page.evaluate(
        (id) => /** @type {any} */ (window).__FAKE_IPC__.documents.get(id).classification.scale,
        ACME.id,
      );
      assert.equal(scale.expected_users, 1800);

      // "Next" is a button at the end of the form: Enter opens step 2 and focuses its heading.
      await tabTo(page, (f) => f.testId === 'next-step');
      await assertVisibleFocus(page);
      await page.keyboard.press('Enter');
      await eventually(async () => assert.match(await page.getByTestId('step-title').innerText(), /Step 2 of 12\s+Create the tenant/i));
      assert.equal((await focused(page)).testId, 'step-title');

      // Step 2: the legal name, and a contact added with the keyboard.
      await tabTo(page, (f) => f.path === '/tenant/metadata/legal_name');
      await page.keyboard.type('Acme Health LLC');
      await tabTo(page, (f) => f.testId === 'add-record');
      await page.keyboard.press('Enter');
      await page.getByTestId('record').waitFor();
      await tabTo(page, (f) => f.path === '/tenant/metadata/contacts/0/name');
      await page.keyboard.type('Ana Ruiz');
      await eventually(async () => assert.equal(await page.getByTestId('record').locator('legend').innerText(), 'Ana Ruiz'));
      await eventually(async () =>
        assert.equal(await page.locator('[data-testid="wizard-step"][data-step="tenant"]').getAttribute('data-status'), 'complete'),
      );
      await assertNoHorizontalOverflow(page);
      await checkA11y('wizard, tenant');
      await screenshot('wizard-tenant-light');

      // The stepper is reachable too: Shift+Tab back to it, Enter opens step 4.
      await page.locator('[data-testid="wizard-step"][data-step="services"]').focus();
      await assertVisibleFocus(page);
      await page.keyboard.press('Enter');
      await eventually(async () => assert.match(await page.getByTestId('step-title').innerText(), /Configure services/));
      // A service's flags appear once it is on (Space toggles the checkbox).
      await tabTo(page, (f) => f.path === '/services/chat/enabled');
      await page.keyboard.press('Space');
      await page.locator('[data-path="/services/chat/flags/retention_days"]').waitFor();
      await checkA11y('wizard, services');
      await screenshot('wizard-services-light');

      // Step 6: a tool with side effects brings a warning; its link focuses the field,
      // and a justification typed in the panel stops it blocking.
      await page.locator('[data-testid="wizard-step"][data-step="ai"]').focus();
      await page.keyboard.press('Enter');
      await eventually(async () => assert.match(await page.getByTestId('step-title').innerText(), /Configure AI behaviour/));
      await page.locator('[data-path="/ai/tools"] label').filter({ hasText: 'send_email' }).locator('input').focus();
      await page.keyboard.press('Space');
      const finding = page.getByTestId('step-finding');
      await finding.waitFor();
      assert.match(await finding.innerText(), /AI-010/);
      assert.match(await finding.innerText(), /How to fix: Remove the tool/);
      assert.equal(await page.locator('[data-testid="wizard-step"][data-step="ai"]').getAttribute('data-status'), 'blocked');
      await page.getByTestId('jump-to-field').focus();
      await page.keyboard.press('Enter');
      await eventually(async () => assert.equal((await focused(page)).path, '/ai/tools'));
      await page.getByTestId('justification').focus();
      await page.keyboard.type('Emails go only to the patient, after a person approves them.');
      await eventually(async () => assert.match(await finding.innerText(), /Warning \(justified\)/));
      await eventually(async () =>
        assert.equal(await page.locator('[data-testid="wizard-step"][data-step="ai"]').getAttribute('data-status'), 'complete'),
      );
      await assertNoHorizontalOverflow(page);
      await checkA11y('wizard, AI');
      await screenshot('wizard-ai-light');
    },
  },
  {
    name: 'wizard: the later steps wait for the classification; dark mode reads well',
    colorScheme: 'dark',
    fake: { drafts: [ACME] },
    async run({ page, screenshot, checkA11y }) {
      await page.getByTestId('draft-row').first().waitFor();
      await openAcme(page);
      const documentedBy = page.locator('[data-path="/classification/documented_by"] input');
      await documentedBy.fill('');
      await eventually(async () =>
        assert.equal(await page.locator('[data-testid="wizard-step"][data-step="tenant"]').getAttribute('data-status'), 'blocked'),
      );
      assert.match(await page.locator('[data-testid="wizard-step"][data-step="tenant"]').innerText(), /Waiting for step 1/);
      await screenshot('wizard-classification-dark');
      await checkA11y('wizard, classification, dark');

      await page.locator('[data-testid="wizard-step"][data-step="tenant"]').click();
      await page.getByTestId('step-locked').waitFor();
      assert.match(await page.getByTestId('step-locked').innerText(), /opens once the classification/);
      assert.equal(await page.locator('[data-path="/tenant/display_name"] input').isDisabled(), true);
      await assertNoHorizontalOverflow(page);
      await screenshot('wizard-tenant-locked-dark');
      await checkA11y('wizard, locked step, dark');

      await page.getByTestId('step-locked').getByRole('button', { name: 'Go to step 1' }).click();
      await eventually(async () => assert.match(await page.getByTestId('step-title').innerText(), /Classify the client/));
      await page.locator('[data-path="/classification/documented_by"] input').fill('Priya Raman');
      await eventually(async () =>
        assert.equal(await page.locator('[data-testid="wizard-step"][data-step="tenant"]').getAttribute('data-status'), 'incomplete'),
      );
      await page.locator('[data-testid="wizard-step"][data-step="ai"]').click();
      await eventually(async () => assert.match(await page.getByTestId('step-title').innerText(), /Configure AI behaviour/));
      await page.locator('[data-path="/ai/allowed_models"] label').filter({ hasText: 'Open Weights 7B' }).locator('input').check();
      await page.getByTestId('step-finding').waitFor();
      await screenshot('wizard-ai-dark');
      await checkA11y('wizard, AI, dark');
    },
  },
  {
    name: 'wizard: a refused edit is shown at its field; typed markup stays text',
    fake: { drafts: [ACME] },
    async run({ page, screenshot }) {
      await page.getByTestId('draft-row').first().waitFor();
      await openAcme(page);
      const users = page.locator('[data-path="/classification/scale/expected_users"]');
      await users.locator('input').fill('lots');
      const error = users.getByTestId('edit-error');
      await eventually(async () => assert.match(await error.innerText(), /expected a number \(fake backend\)/));
      assert.equal(await error.getAttribute('role'), 'alert');
      assert.equal(await users.locator('input').getAttribute('aria-invalid'), 'true');

      const hostile = '<img src=x onerror="window.__pwned=1">Evil & Co';
      await page.locator('[data-testid="wizard-step"][data-step="tenant"]').click();
      await page.locator('[data-path="/tenant/display_name"] input').fill(hostile);
      await eventually(async () => assert.equal(await page.locator('h1').innerText(), hostile));
      assert.equal(await page.locator('main img').count(), 0);
      assert.equal(await page.evaluate(() => /** @type {any} */ (window).__pwned), undefined);
      await screenshot('wizard-refused-edit');
    },
  },
  // Every step, one by one: wizard-steps.mjs.
  ...wizardStepsTests,
];
