// @ts-check
// The Conflicts screen and the refusals in the sync area, in Chromium, against the fake
// IPC (see fake-ipc.mjs).
import assert from 'node:assert/strict';
import { eventually } from './harness.mjs';
import { assertNoHorizontalOverflow, seedDraft } from './tenants.mjs';

/**
 * @typedef {import('./harness.mjs').BrowserTest} BrowserTest
 * @typedef {import('./fake-ipc.mjs').ConflictView} ConflictView
 * @typedef {import('playwright-core').Page} Page
 */

const SERVER = { url: 'http://127.0.0.1:8480', source: /** @type {const} */ ('settings'), registered: true, approved: true };
const ACME = seedDraft(1, { clientName: 'Acme Health', industry: 'healthcare', industryLabel: 'Healthcare', slug: 'acme-health' });
const BUDGET = '/ai/monthly_budget_cents';
const NAME = '/tenant/display_name';

/** @type {ConflictView} */
const ACME_CONFLICT = {
  changeset: 'c'.repeat(64),
  changesetId: '01937b6e-4f1a-7c3d-9a2b-00000000c0de',
  tenant: 'acme-health',
  summary: 'Raise the AI budget and rename the client',
  fields: [
    {
      path: BUDGET,
      label: 'ai › monthly budget cents',
      stepTitle: 'Configure AI behaviour',
      base: '50000',
      theirs: '70000',
      mine: '90000',
    },
    {
      path: NAME,
      label: 'tenant › display name',
      stepTitle: 'Create the tenant',
      base: '"Acme"',
      theirs: '"<b>Acme</b> Health"',
      mine: '"Acme Health Group, a long name that has to wrap inside its column without pushing the page sideways"',
    },
  ],
};

/** @type {ConflictView} */
const GLOBEX_CONFLICT = {
  changeset: 'd'.repeat(64),
  changesetId: '01937b6e-4f1a-7c3d-9a2b-00000000d00d',
  tenant: 'globex-corporation',
  summary: 'Data residency for the EU launch',
  fields: [
    {
      path: '/tenant/metadata/region',
      label: 'tenant › metadata › region',
      stepTitle: 'Create the tenant',
      base: 'nothing',
      theirs: '"us-east-1"',
      mine: '"eu-west-1"',
    },
  ],
};

/** @param {Page} page */
const focused = (page) =>
  page.evaluate(() => {
    const el = document.activeElement;
    return {
      testId: el?.getAttribute('data-testid') ?? el?.tagName ?? null,
      path: el?.getAttribute('data-path') ?? null,
      outline: el ? getComputedStyle(el).outlineStyle : 'none',
    };
  });

/**
 * A radio of one field.
 * @param {Page} page
 * @param {'theirs' | 'mine'} side
 * @param {string} path
 */
const radio = (page, side, path) => page.locator(`[data-testid="choice-${side}"][data-path="${path}"]`);

/** @type {BrowserTest[]} */
export const conflictsTests = [
  {
    name: 'conflicts: opened from the rail, a side per field with the keyboard, resolved and queued',
    fake: { drafts: [ACME], server: SERVER, conflicts: [ACME_CONFLICT] },
    async run({ page, screenshot, checkA11y }) {
      await page.getByTestId('draft-row').first().waitFor();
      await eventually(async () => assert.equal(await page.getByTestId('open-conflicts').innerText(), '1 conflict needs a decision'));
      assert.equal(await page.getByTestId('outbox-waiting').innerText(), '0 waiting');

      // The conflict count is a link: followed with the keyboard.
      await page.getByTestId('open-conflicts').focus();
      await page.keyboard.press('Enter');
      await page.getByTestId('conflicts-screen').waitFor();
      await eventually(async () => assert.equal((await focused(page)).testId, 'H1'));
      assert.equal(await page.getByTestId('open-conflicts').getAttribute('aria-current'), 'page');
      assert.equal(await page.getByTestId('nav-tenants').getAttribute('aria-current'), null);
      await page.getByTestId('conflict').waitFor();

      // What the conflict is, field by field, in words; the server's text stays text.
      assert.equal(await page.getByTestId('conflict-tenant').innerText(), 'acme-health');
      assert.equal(await page.getByTestId('conflict-summary').innerText(), 'Raise the AI budget and rename the client');
      const fields = page.getByTestId('conflict-field');
      assert.equal(await fields.count(), 2);
      assert.match(await fields.nth(0).locator('legend').innerText(), /^ai › monthly budget cents[\s,]+Step: Configure AI behaviour$/);
      assert.deepEqual(
        [
          await fields.nth(0).getByTestId('value-base').innerText(),
          await fields.nth(0).getByTestId('value-theirs').innerText(),
          await fields.nth(0).getByTestId('value-mine').innerText(),
        ],
        ['50000', '70000', '90000'],
      );
      assert.equal(await fields.nth(1).getByTestId('value-theirs').innerText(), '"<b>Acme</b> Health"');
      assert.equal(await page.locator('[data-testid="conflict"] b').count(), 0);
      // Nothing chosen beforehand; the button waits for every field.
      assert.equal(await page.locator('[data-testid="conflict"] input[type="radio"]:checked').count(), 0);
      const resolve = page.getByTestId('resolve-conflict');
      assert.equal(await resolve.isDisabled(), true);
      assert.equal(await page.getByTestId('choices-left').innerText(), 'Choose a side for every field: 0 of 2 chosen.');
      await assertNoHorizontalOverflow(page);
      await screenshot('conflicts-open-light');
      await checkA11y('conflicts, nothing chosen');

      // Tab into the first field's group, arrow to "Yours"; Tab to the next group, Space
      // on "Theirs"; Tab to the button, now enabled; Enter.
      await page.keyboard.press('Tab');
      await eventually(async () => assert.deepEqual(await focused(page), { testId: 'choice-theirs', path: BUDGET, outline: 'solid' }));
      await page.keyboard.press('ArrowRight');
      await eventually(async () => assert.equal(await radio(page, 'mine', BUDGET).isChecked(), true));
      assert.equal(await resolve.isDisabled(), true);
      await page.keyboard.press('Tab');
      assert.deepEqual(await focused(page), { testId: 'choice-theirs', path: NAME, outline: 'solid' });
      await page.keyboard.press('Space');
      await eventually(async () => assert.equal(await radio(page, 'theirs', NAME).isChecked(), true));
      assert.equal(await resolve.isDisabled(), false);
      assert.match(await page.getByTestId('choices-left').innerText(), /^All 2 fields have a side\./);
      await screenshot('conflicts-chosen-light');
      await checkA11y('conflicts, every field chosen');
      await page.keyboard.press('Tab');
      assert.equal((await focused(page)).testId, 'resolve-conflict');
      await page.keyboard.press('Enter');

      const result = page.getByTestId('resolve-result');
      await eventually(async () =>
        assert.match(
          await result.innerText(),
          /^Resolved acme-health: your choices are signed and queued, and will be sent at the next sync\./,
        ),
      );
      assert.equal(await result.getAttribute('role'), 'status');
      assert.match(await page.getByTestId('resolved-hash').innerText(), /^[0-9a-f]{64}$/);
      assert.equal(await page.getByTestId('resolved-outbox').innerText(), '1 waiting in the outbox');
      assert.equal(await page.getByTestId('conflict').count(), 0);
      await page.getByTestId('conflicts-empty').waitFor();
      // The rail follows at once: one more in the outbox, no conflict left.
      assert.equal(await page.getByTestId('outbox-waiting').innerText(), '1 waiting');
      assert.equal(await page.getByTestId('conflict-count').count(), 0);
      assert.equal((await focused(page)).testId, 'H1');
      const resolutions = await page.evaluate(() => /** @type {any} */ (window).__FAKE_IPC__.resolutions);
      assert.deepEqual(resolutions, [
        {
          changeset: 'c'.repeat(64),
          choices: [
            { path: BUDGET, side: 'mine' },
            { path: NAME, side: 'theirs' },
          ],
        },
      ]);
      await assertNoHorizontalOverflow(page);
      await screenshot('conflicts-resolved-light');
      await checkA11y('conflicts, resolved');
    },
  },
  {
    name: 'conflicts in dark mode: a refusal is an alert, "theirs" everywhere leaves nothing; refusals dismissed in the rail',
    colorScheme: 'dark',
    viewport: { width: 1024, height: 700 },
    fake: {
      drafts: [ACME],
      outbox: 2,
      server: {
        ...SERVER,
        lastSyncAt: new Date(Date.now() - 10 * 60_000).toISOString(),
        rejected: [
          {
            hash: 'a'.repeat(64),
            changesetId: '01937b6e-4f1a-7c3d-9a2b-00000000abcd',
            tenant: 'acme-health',
            code: 'revoked_key',
            message: 'The key that signed this change set was revoked (fake backend).',
          },
          {
            hash: 'b'.repeat(64),
            changesetId: '01937b6e-4f1a-7c3d-9a2b-00000000beef',
            tenant: 'globex-corporation',
            code: 'policy_violation',
            message: 'AI-010: the model is not in the catalog (fake backend).',
          },
        ],
      },
      conflicts: [ACME_CONFLICT, GLOBEX_CONFLICT],
      resolveError: { code: 'keyring', message: 'The system keyring is locked: unlock it, then try again (fake backend).' },
    },
    async run({ page, screenshot, checkA11y }) {
      await page.getByTestId('draft-row').first().waitFor();
      await eventually(async () => assert.equal(await page.getByTestId('open-conflicts').innerText(), '2 conflicts need a decision'));
      await page.getByTestId('open-conflicts').click();
      await page.getByTestId('conflicts-screen').waitFor();
      await eventually(async () => assert.equal(await page.getByTestId('conflict').count(), 2));
      assert.equal(await page.getByTestId('conflicts-waiting').innerText(), '2 conflicts wait for a decision');
      await assertNoHorizontalOverflow(page);
      await screenshot('conflicts-open-dark');
      await checkA11y('conflicts, dark');

      // The second conflict: the server's value wins. The backend refuses the first try.
      const globex = page.getByTestId('conflict').filter({ hasText: 'globex-corporation' });
      await globex.getByText('Theirs (on the server)').click();
      const resolve = globex.getByTestId('resolve-conflict');
      assert.equal(await resolve.isDisabled(), false);
      await resolve.click();
      const error = globex.getByTestId('resolve-error');
      await eventually(async () =>
        assert.equal(
          await error.innerText(),
          'Not resolved: The system keyring is locked: unlock it, then try again (fake backend).',
        ),
      );
      assert.equal(await error.getAttribute('role'), 'alert');
      assert.equal(await page.getByTestId('conflict').count(), 2);
      assert.equal(await radio(page, 'theirs', '/tenant/metadata/region').isChecked(), true);
      await screenshot('conflicts-refused-dark');
      await checkA11y('conflicts, refused, dark');

      await resolve.click();
      await eventually(async () =>
        assert.equal(
          await page.getByTestId('resolve-result').innerText(),
          'Resolved globex-corporation: the server’s values won every field, so nothing of your change was left and nothing was queued.',
        ),
      );
      assert.equal(await page.getByTestId('conflict').count(), 1);
      assert.equal(await page.getByTestId('outbox-waiting').innerText(), '2 waiting');
      assert.equal(await page.getByTestId('open-conflicts').innerText(), '1 conflict needs a decision');

      // A refusal in the rail, read and dismissed: no confirmation, the focus moves on.
      const items = page.getByTestId('rejected-item');
      assert.equal(await items.count(), 2);
      const dismiss = page.getByTestId('dismiss-rejection');
      assert.equal(await dismiss.first().innerText(), 'Dismiss — I’ve read why');
      assert.match(await page.getByTestId('rejected').innerText(), /forgotten for good/);
      await assertNoHorizontalOverflow(page);
      const rail = await page.locator('aside').evaluate((el) => el.scrollWidth - el.clientWidth);
      assert.equal(rail, 0, 'the rail scrolls sideways');
      // From the keyboard (a key first, so the browser shows the focus as for Tab).
      await page.keyboard.press('Shift');
      await dismiss.first().focus();
      assert.deepEqual(await focused(page), { testId: 'dismiss-rejection', path: null, outline: 'solid' });
      await screenshot('sync-refused-dismiss-dark');
      await checkA11y('refusals with dismiss, dark');
      await page.keyboard.press('Enter');
      await eventually(async () => assert.equal(await items.count(), 1));
      assert.match(await items.first().innerText(), /globex-corporation/);
      assert.equal((await focused(page)).testId, 'dismiss-rejection');
      await page.keyboard.press('Enter');
      await eventually(async () => assert.equal(await page.getByTestId('rejected').count(), 0));
      assert.equal((await focused(page)).testId, 'sync-now');
      const dismissed = await page.evaluate(() => /** @type {any} */ (window).__FAKE_IPC__.dismissed);
      assert.deepEqual(dismissed, ['a'.repeat(64), 'b'.repeat(64)]);
      await screenshot('conflicts-one-left-dark');
      await checkA11y('conflicts, one left, dark');
    },
  },
];
