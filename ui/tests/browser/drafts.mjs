// @ts-check
// The draft screen in Chromium, against the fake IPC (see fake-ipc.mjs).
import assert from 'node:assert/strict';
import { eventually } from './harness.mjs';
import { ACME_CHANGE_REQUEST } from './sync.mjs';
import { assertNoHorizontalOverflow, seedDraft } from './tenants.mjs';

/**
 * @typedef {import('./harness.mjs').BrowserTest} BrowserTest
 * @typedef {import('playwright-core').Page} Page
 */

const TWO = [
  seedDraft(1, {
    clientName: 'Globex Corporation',
    industry: 'financial_services',
    industryLabel: 'Financial services',
    slug: 'globex-corporation',
  }),
  seedDraft(2, { clientName: 'Acme Health', industry: 'healthcare', industryLabel: 'Healthcare', slug: 'acme-health' }),
  seedDraft(3, { clientName: 'Initech', slug: 'initech', submission: 'editedSinceSubmission' }),
];
const GLOBEX = /** @type {import('./fake-ipc.mjs').Draft} */ (TWO[0]);

/**
 * @param {Page} page
 * @returns {Promise<string[]>}
 */
const fakeCalls = (page) =>
  page.evaluate(() => /** @type {any} */ (window).__FAKE_IPC__.calls.map((/** @type {any} */ c) => c.cmd));

/** @param {Page} page */
const focused = (page) =>
  page.evaluate(() => ({
    testId: document.activeElement?.getAttribute('data-testid'),
    text: document.activeElement?.textContent,
  }));

/**
 * Opens a draft from the table with the keyboard: its name is a button.
 * @param {Page} page
 * @param {string} name
 */
async function openDraft(page, name) {
  const button = page.getByTestId('open-draft').filter({ hasText: name });
  await button.focus();
  await page.keyboard.press('Enter');
  await page.getByTestId('draft-screen').waitFor();
  await eventually(async () => assert.equal(await page.locator('h1').innerText(), name));
}

/** @type {BrowserTest[]} */
export const draftsTests = [
  {
    name: 'a draft opens from the table, autosaves the legal name, and signs with a summary',
    fake: { drafts: TWO },
    async run({ page, screenshot, checkA11y }) {
      await page.getByTestId('draft-row').first().waitFor();
      assert.equal(
        await page.getByTestId('draft-row').filter({ hasText: 'Globex' }).locator('td.col-submission').innerText(),
        'Not submitted',
      );
      assert.deepEqual(await page.locator('[data-testid="draft-row"] td.col-submission').allInnerTexts(), [
        'Edited since submission',
        'Not submitted',
        'Not submitted',
      ]);
      await screenshot('tenants-submission-states');
      await openDraft(page, 'Globex Corporation');

      // The header: the backend's facts, the tenant id monospace and whole.
      assert.equal(await page.getByTestId('submission-state').innerText(), 'Not submitted');
      assert.equal(await page.getByTestId('draft-slug').innerText(), 'globex-corporation');
      const tenantId = page.getByTestId('tenant-id');
      assert.match(await tenantId.innerText(), /^[0-9a-f]{8}-[0-9a-f]{4}-/);
      assert.match(await tenantId.evaluate((el) => getComputedStyle(el).fontFamily), /mono/i);
      // The wizard's twelve steps, with the backend's titles and statuses in words.
      const steps = page.getByTestId('stepper').locator('[data-testid="wizard-step"]');
      assert.equal(await steps.count(), 12);
      assert.match(await steps.first().innerText(), /Classify the client\s+Complete/);
      assert.equal(await steps.nth(1).getAttribute('data-status'), 'incomplete');
      assert.match(await page.getByTestId('step-findings').innerText(), /No rule objects to this step/);
      assert.match(await page.getByTestId('history-empty').innerText(), /^Nothing signed yet/);
      assert.match(await page.getByTestId('signing-key').innerText(), /created in your system keyring/);
      await screenshot('draft-opened-light');
      await checkA11y('draft screen');

      // Typing in step 2: saved as it goes (the wizard waits 20 ms for more keys, and keys
      // typed while a save is on its way go together in the next), never a save per key.
      await steps.nth(1).click();
      const legalNameInput = page.locator('[data-testid="field"][data-path="/tenant/metadata/legal_name"] input');
      await legalNameInput.click();
      const typed = 'Globex Corporation Ltd';
      await page.keyboard.type(typed, { delay: 5 });
      assert.equal(await page.getByTestId('save-status').innerText(), 'Saving…');
      await eventually(async () => assert.equal(await page.getByTestId('save-status').innerText(), 'All changes saved'));
      const saves = (await fakeCalls(page)).filter((cmd) => cmd === 'edit_draft').length;
      assert.ok(saves >= 1 && saves < typed.length, `${saves} saves for ${typed.length} keys`);
      assert.equal(await legalNameInput.inputValue(), typed, 'the text being typed is never replaced');
      const legalName = await page.evaluate(
        (id) => /** @type {any} */ (window).__FAKE_IPC__.documents.get(id).tenant.metadata.legal_name,
        GLOBEX.id,
      );
      assert.equal(legalName, 'Globex Corporation Ltd');
      // The answer moved step 2 on, and left the text alone.
      await eventually(async () => assert.equal(await steps.nth(1).getAttribute('data-status'), 'complete'));
      assert.equal(await legalNameInput.inputValue(), 'Globex Corporation Ltd');

      await page.getByTestId('submit-summary').fill('Onboard Globex: legal name');
      await page.getByTestId('submit-button').click();
      const result = page.getByTestId('submit-result');
      await eventually(async () => assert.match(await result.innerText(), /Signed and queued as change #1/));
      assert.equal(await result.getAttribute('role'), 'status');
      assert.match(await page.getByTestId('receipt-hash').innerText(), /^[0-9a-f]{64}$/);
      assert.equal(await page.getByTestId('outbox-count').innerText(), '1 waiting in the outbox');
      assert.equal(await page.getByTestId('submit-summary').inputValue(), '');
      await eventually(async () => assert.equal(await page.getByTestId('history-row').count(), 1));
      const row = page.getByTestId('history-row').first();
      assert.match(await row.innerText(), /Onboard Globex: legal name/);
      assert.match(await row.innerText(), /Draft/);
      assert.match(await row.getByTestId('history-author').innerText(), /^[0-9a-f]{12}$/);
      assert.equal(await page.getByTestId('submission-state').innerText(), 'Submitted');
      await eventually(async () => assert.match(await page.getByTestId('signing-key').innerText(), /^Signed as [0-9a-f]{64}$/));
      await assertNoHorizontalOverflow(page);
      await screenshot('draft-submitted-light');
      await checkA11y('draft after submit');
      await page.locator('main').evaluate((main) => main.scrollTo(0, main.scrollHeight));
      await screenshot('draft-history-light');

      // The same version again: nothing to sign.
      await page.getByTestId('submit-summary').fill('Again');
      await page.getByTestId('submit-button').click();
      await eventually(async () =>
        assert.equal(await result.innerText(), 'Nothing to submit: the mirror already holds this version'),
      );

      // Back: the list reloads, with the new state, and the focus returns to the draft.
      await page.getByTestId('back-to-tenants').click();
      await page.getByTestId('draft-table').waitFor();
      await eventually(async () =>
        assert.equal(
          await page.getByTestId('draft-row').filter({ hasText: 'Globex' }).locator('td.col-submission').innerText(),
          'Submitted',
        ),
      );
      await eventually(async () => assert.deepEqual(await focused(page), { testId: 'open-draft', text: 'Globex Corporation' }));
      assert.equal((await fakeCalls(page)).filter((cmd) => cmd === 'list_drafts').length, 2);
    },
  },
  {
    name: 'a blocked draft lists what blocks it, in dark mode too',
    colorScheme: 'dark',
    fake: { drafts: TWO, blockingFinding: true },
    async run({ page, screenshot, checkA11y }) {
      await page.getByTestId('draft-row').first().waitFor();
      await openDraft(page, 'Acme Health');
      const aiStep = page.locator('[data-testid="wizard-step"][data-step="ai"]');
      assert.equal(await aiStep.getAttribute('data-status'), 'blocked');
      assert.match(await aiStep.innerText(), /Blocked/);
      await aiStep.click();
      const findings = page.getByTestId('step-findings');
      await eventually(async () => assert.match(await findings.innerText(), /AI-010/));
      assert.match(await findings.innerText(), /shady-llm/);

      await page.getByTestId('submit-summary').fill('Onboard Acme Health');
      await page.getByTestId('submit-button').click();
      const result = page.getByTestId('submit-result');
      await eventually(async () => assert.match(await result.innerText(), /^Not submitted: 1 finding blocks this draft/));
      assert.match(await result.innerText(), /shady-llm/);
      assert.equal(await page.getByTestId('history-row').count(), 0);
      await assertNoHorizontalOverflow(page);
      await screenshot('draft-blocked-dark');
      await checkA11y('blocked draft, dark');
    },
  },
  {
    name: 'a keyring error says what happened, as an alert',
    fake: {
      drafts: TWO,
      submitError: { code: 'keyring', message: 'The system keyring is locked (fake backend). Unlock it, then submit again.' },
    },
    async run({ page, screenshot, checkA11y }) {
      await page.getByTestId('draft-row').first().waitFor();
      await openDraft(page, 'Acme Health');
      await page.getByTestId('submit-summary').fill('Onboard Acme Health');
      await page.getByTestId('submit-button').click();
      const result = page.getByTestId('submit-result');
      await eventually(async () => assert.match(await result.innerText(), /keyring is locked \(fake backend\)/));
      assert.equal(await result.getAttribute('role'), 'alert');
      assert.equal(await page.getByTestId('submit-summary').inputValue(), 'Onboard Acme Health');
      assert.doesNotMatch(await page.locator('body').innerText(), /unknown error/i);
      await screenshot('draft-keyring-error');
      await checkA11y('keyring error');
    },
  },
  {
    name: 'a draft leads with the changes a reviewer asked for, in dark mode too',
    colorScheme: 'dark',
    fake: {
      drafts: TWO,
      server: { url: 'http://127.0.0.1:8480', source: 'settings', registered: true, approved: true },
      changeRequests: [
        {
          ...ACME_CHANGE_REQUEST,
          draftId: /** @type {string} */ (TWO[1]?.id),
          tenant: `0194${String(TWO[1]?.id).slice(4)}`,
        },
      ],
    },
    async run({ page, screenshot, checkA11y }) {
      await page.getByTestId('draft-row').first().waitFor();
      await openDraft(page, 'Globex Corporation');
      assert.equal(await page.getByTestId('change-requests').count(), 0, 'another tenant’s request is not shown here');
      await page.getByTestId('back-to-tenants').click();
      await page.getByTestId('draft-row').first().waitFor();
      await openDraft(page, 'Acme Health');
      const requests = page.getByTestId('change-requests');
      await requests.waitFor();
      assert.match(await requests.innerText(), /^Changes requested/);
      assert.match(await requests.getByTestId('review-note-verdict').innerText(), /Carla Mendes asked for changes/);
      await assertNoHorizontalOverflow(page);
      await checkA11y('draft with a change request, dark');
      await screenshot('draft-change-request-dark');
    },
  },
];
