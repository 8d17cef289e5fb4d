// @ts-check
// Every one of the twelve wizard steps in Chromium, against the fake IPC and the fake's
// form model (src/test/fake-wizard.js, which mirrors the groups and fields of
// crates/tenantry-forms/src/steps.rs): each step filled a little with the keyboard alone,
// axe-clean, no sideways scrolling at 1024×700, a screenshot each; then all twelve again
// in the dark scheme.
import assert from 'node:assert/strict';
import { eventually } from './harness.mjs';
import { assertNoHorizontalOverflow, seedDraft } from './tenants.mjs';

/**
 * @typedef {import('./harness.mjs').BrowserTest} BrowserTest
 * @typedef {import('playwright-core').Page} Page
 * @typedef {{ testId: string | null, path: string | null, tag: string | null, type: string | null }} Focus
 */

const ACME = seedDraft(3, { clientName: 'Acme Health', industry: 'healthcare', industryLabel: 'Healthcare', slug: 'acme-health' });

/** @param {Page} page @returns {Promise<Focus>} */
const focused = (page) =>
  page.evaluate(() => ({
    testId: document.activeElement?.getAttribute('data-testid') ?? null,
    path: document.activeElement?.closest('[data-path]')?.getAttribute('data-path') ?? null,
    tag: document.activeElement?.tagName ?? null,
    type: document.activeElement?.getAttribute('type') ?? null,
  }));

/**
 * Presses Tab until the focus is on an element matching `done`.
 * @param {Page} page
 * @param {(f: Focus) => boolean} done
 */
async function tabTo(page, done, limit = 120) {
  for (let i = 0; i < limit; i++) {
    await page.keyboard.press('Tab');
    if (done(await focused(page))) return;
  }
  throw new Error(`Tab never reached the element (last: ${JSON.stringify(await focused(page))})`);
}

/** @param {string} path @param {string} [tag] */
const at = (path, tag) => (/** @type {Focus} */ f) => f.path === path && (!tag || f.tag === tag) && f.testId !== 'timestamp-now';

/** The focused element shows a focus ring. @param {Page} page */
async function assertVisibleFocus(page) {
  const style = await page.evaluate(() => {
    const s = getComputedStyle(/** @type {HTMLElement} */ (document.activeElement));
    return { outline: s.outlineStyle, width: s.outlineWidth };
  });
  assert.ok(style.outline !== 'none' && style.width !== '0px', `no visible focus: ${JSON.stringify(style)}`);
}

/** The fake's copy of Acme's document. @param {Page} page @returns {Promise<any>} */
const documentOf = (page) => page.evaluate((id) => /** @type {any} */ (window).__FAKE_IPC__.documents.get(id), ACME.id);

/** @param {Page} page */
async function saved(page) {
  await eventually(async () => assert.equal(await page.getByTestId('save-status').innerText(), 'All changes saved'));
}

/** Adds a record to the list at `path` with the keyboard. @param {Page} page @param {string} path */
async function addRecord(page, path) {
  await tabTo(page, (f) => f.testId === 'add-record' && f.path === path);
  await assertVisibleFocus(page);
  await page.keyboard.press('Enter');
  await page.locator(`[data-path="${path}"] [data-testid="record"]`).first().waitFor();
}

/**
 * What the test does at each step with the keyboard, and what the fake then holds.
 * @type {{ step: string, title: RegExp, fill: (page: Page) => Promise<void>, check: (doc: any) => void }[]}
 */
const STEPS = [
  {
    step: 'classification',
    title: /Classify the client/,
    async fill(page) {
      // HIPAA (the first regulation offered), then the scale.
      await tabTo(page, at('/classification/regulations', 'INPUT'));
      await page.keyboard.press('Space');
      await tabTo(page, at('/classification/scale/expected_users', 'INPUT'));
      await page.keyboard.type('1800');
    },
    check: (doc) => {
      assert.deepEqual(doc.classification.regulations, ['hipaa']);
      assert.equal(doc.classification.scale.expected_users, 1800);
    },
  },
  {
    step: 'tenant',
    title: /Create the tenant/,
    async fill(page) {
      await tabTo(page, at('/tenant/metadata/legal_name', 'INPUT'));
      await page.keyboard.type('Acme Health LLC');
    },
    check: (doc) => assert.equal(doc.tenant.metadata.legal_name, 'Acme Health LLC'),
  },
  {
    step: 'frontend_strategy',
    title: /Decide the frontend strategy/,
    async fill(page) {
      await tabTo(page, at('/frontend/strategy', 'SELECT'));
      // Not decided → Existing product UIs → A client frontend.
      await page.keyboard.press('ArrowDown');
      await page.keyboard.press('ArrowDown');
      await page.locator('[data-path="/frontend/app_path"] input').waitFor();
      assert.equal(await page.locator('[data-path="/frontend/app_path"] input').inputValue(), 'apps/client-acme-health');
    },
    check: (doc) => assert.deepEqual(doc.frontend, { strategy: 'client_frontend', app_path: 'apps/client-acme-health' }),
  },
  {
    step: 'services',
    title: /Configure services/,
    async fill(page) {
      await tabTo(page, at('/services/chat/enabled', 'INPUT'));
      await page.keyboard.press('Space');
      await page.locator('[data-path="/services/chat/flags/retention_days"]').waitFor();
    },
    check: (doc) => assert.equal(doc.services.chat.enabled, true),
  },
  {
    step: 'backend_overrides',
    title: /Handle client-specific backend needs/,
    async fill(page) {
      await addRecord(page, '/overrides');
      await tabTo(page, at('/overrides/0/justification', 'TEXTAREA'));
      await page.keyboard.type('The chat export needs a HIPAA audit field no flag offers.');
    },
    check: (doc) => assert.match(doc.overrides[0].justification, /HIPAA audit field/),
  },
  {
    step: 'ai',
    title: /Configure AI behaviour/,
    async fill(page) {
      await tabTo(page, at('/ai/allowed_models', 'INPUT'));
      await page.keyboard.press('Space');
    },
    check: (doc) => assert.deepEqual(doc.ai.allowed_models, ['atlas-large-hc']),
  },
  {
    step: 'integrations',
    title: /Configure integrations/,
    async fill(page) {
      await addRecord(page, '/integrations');
      await tabTo(page, at('/integrations/0/vendor', 'SELECT'));
      await page.keyboard.press('ArrowDown');
    },
    check: (doc) => {
      assert.equal(doc.integrations[0].vendor, 'twilio');
      assert.match(doc.integrations[0].secret_ref, /^secret:\/\/tenants\//);
    },
  },
  {
    step: 'frontend_customization',
    title: /Frontend customization/,
    async fill(page) {
      await tabTo(page, at('/customization/copy_tone', 'TEXTAREA'));
      await page.keyboard.type('Warm and plain; no medical jargon.');
    },
    check: (doc) => assert.equal(doc.customization.copy_tone, 'Warm and plain; no medical jargon.'),
  },
  {
    step: 'data_migration',
    title: /Data migration and initialization/,
    async fill(page) {
      await tabTo(page, at('/data_migration/decided', 'INPUT'));
      await page.keyboard.press('Space');
    },
    check: (doc) => assert.equal(doc.data_migration.decided, true),
  },
  {
    step: 'verification',
    title: /Observability and verification/,
    async fill(page) {
      // HIPAA and an integration add items to the checklist, as the policy pack does.
      await page.locator('[data-testid="field-group"][data-group="item-audit_log_review"]').waitFor();
      await page.locator('[data-testid="field-group"][data-group="item-integration_failure_alerts"]').waitFor();
      await tabTo(page, at('/go_live/items/logs/reference', 'INPUT'));
      await page.keyboard.type('https://grafana.example/d/acme-logs');
    },
    check: (doc) => {
      assert.equal(doc.go_live.items.logs.reference, 'https://grafana.example/d/acme-logs');
      assert.match(doc.go_live.items.logs.verified_at, /^\d{4}-\d\d-\d\dT/);
    },
  },
  {
    step: 'rollout',
    title: /Staging and rollout/,
    async fill(page) {
      await addRecord(page, '/rollout/stages');
      // The flags of the services turned on in step 4 are the gates on offer.
      await page.locator('[data-path="/rollout/stages/0/flag_gates"] label').filter({ hasText: 'Chat: retention_days' }).waitFor();
    },
    check: (doc) => assert.deepEqual(doc.rollout.stages[0], { environment: 'staging', flag_gates: [], status: 'planned', verification: null }),
  },
  {
    step: 'handoff',
    title: /Documentation and handoff/,
    async fill(page) {
      await tabTo(page, at('/handoff/enabled_services_confirmed', 'INPUT'));
      await page.keyboard.press('Space');
      await tabTo(page, at('/handoff/support_path', 'INPUT'));
      await page.keyboard.type('https://support.example/acme');
    },
    check: (doc) => {
      assert.equal(doc.handoff.enabled_services_confirmed, true);
      assert.equal(doc.handoff.support_path, 'https://support.example/acme');
    },
  },
];

/** @param {Page} page */
async function openAcme(page) {
  const button = page.getByTestId('open-draft').filter({ hasText: 'Acme Health' });
  await button.focus();
  await page.keyboard.press('Enter');
  await page.getByTestId('wizard').waitFor();
  await page.getByTestId('step-form').waitFor();
}

/** @param {Page} page @param {string} step */
const statusOf = (page, step) => page.locator(`[data-testid="wizard-step"][data-step="${step}"]`).getAttribute('data-status');

/** @type {BrowserTest[]} */
export const wizardStepsTests = [
  {
    name: 'wizard steps: all twelve, in order, by keyboard alone; each filled, saved, axe-clean at 1024×700',
    fake: { drafts: [ACME] },
    async run({ page, screenshot, checkA11y }) {
      await page.getByTestId('draft-row').first().waitFor();
      await openAcme(page);
      for (const [index, plan] of STEPS.entries()) {
        const number = index + 1;
        const title = page.getByTestId('step-title');
        await eventually(async () => assert.match(await title.innerText(), new RegExp(`Step ${number} of 12`, "i")));
        assert.match(await title.innerText(), plan.title);
        assert.equal(await page.getByTestId('step-form').getAttribute('data-step'), plan.step);
        assert.match(await page.getByTestId('step-purpose').innerText(), /\S/);
        if (number > 1) assert.equal((await focused(page)).testId, 'step-title', `step ${number} opens with the focus on its title`);

        await plan.fill(page);
        await assertVisibleFocus(page);
        await saved(page);
        plan.check(await documentOf(page));

        await assertNoHorizontalOverflow(page);
        await checkA11y(`wizard step ${number}, ${plan.step}`);
        await screenshot(`wizard-step-${String(number).padStart(2, '0')}-${plan.step}`);

        if (number < 12) {
          await tabTo(page, (f) => f.testId === 'next-step');
          await assertVisibleFocus(page);
          await page.keyboard.press('Enter');
        }
      }
      assert.equal(await page.getByTestId('next-step').count(), 0, 'the last step has no next');

      // What was filled shows in the stepper: the steps the test completed say so.
      for (const step of ['frontend_strategy', 'services', 'backend_overrides', 'frontend_customization', 'data_migration', 'rollout']) {
        assert.equal(await statusOf(page, step), 'complete', step);
      }
      assert.equal(await statusOf(page, 'verification'), 'incomplete', 'two checklist items have no evidence yet');

      // Backwards too: Previous goes to step 11 with the keyboard.
      await tabTo(page, (f) => f.testId === 'previous-step');
      await page.keyboard.press('Enter');
      await eventually(async () => assert.match(await page.getByTestId('step-title').innerText(), /Step 11 of 12/i));
    },
  },
  {
    name: 'wizard steps: all twelve in the dark scheme, with records open, axe-clean',
    colorScheme: 'dark',
    fake: { drafts: [ACME] },
    async run({ page, screenshot, checkA11y }) {
      await page.getByTestId('draft-row').first().waitFor();
      await openAcme(page);
      for (const [index, plan] of STEPS.entries()) {
        const number = index + 1;
        await page.locator(`[data-testid="wizard-step"][data-step="${plan.step}"]`).click();
        await eventually(async () => assert.match(await page.getByTestId('step-title').innerText(), plan.title));
        const add = page.getByTestId('add-record').first();
        if ((await add.count()) > 0) {
          await add.click();
          await page.getByTestId('record').first().waitFor();
          await saved(page);
        }
        await assertNoHorizontalOverflow(page);
        await checkA11y(`wizard step ${number}, ${plan.step}, dark`);
        await screenshot(`wizard-step-${String(number).padStart(2, '0')}-${plan.step}-dark`);
      }
    },
  },
];
