// @ts-check
// The sync area at the foot of the rail and the Settings screen in Chromium, against
// the fake IPC (see fake-ipc.mjs).
import assert from 'node:assert/strict';
import { eventually } from './harness.mjs';
import { assertNoHorizontalOverflow, seedDraft } from './tenants.mjs';

/**
 * @typedef {import('./harness.mjs').BrowserTest} BrowserTest
 * @typedef {import('playwright-core').Page} Page
 */

const SERVER = 'http://127.0.0.1:8480';
const ACME = seedDraft(1, { clientName: 'Acme Health', industry: 'healthcare', industryLabel: 'Healthcare', slug: 'acme-health' });

/**
 * A compliance officer's request for changes on Acme Health's change set, as the mirror
 * keeps it for its author.
 * @type {import('../../src/lib/backend').ChangeRequest}
 */
export const ACME_CHANGE_REQUEST = {
  hash: 'e'.repeat(64),
  // The fake backend's tenant id of a draft (fake-ipc.mjs): the draft shows its tenant's.
  tenant: `0194${ACME.id.slice(4)}`,
  clientName: 'Acme Health',
  draftId: ACME.id,
  summary: 'Raise the AI budget for the pilot',
  note: {
    reviewer: '9'.repeat(64),
    reviewerName: 'Carla Mendes',
    verdict: 'changesRequested',
    comment: 'The budget is above the clinic default.\nLower it, or justify it in the AI step.',
    fields: [
      {
        path: '/ai/monthly_budget_cents',
        label: 'Monthly budget (US cents)',
        step: 'ai',
        comment: 'Bring it back to 150000 or justify it.',
      },
    ],
    at: '2026-11-25T14:30:00Z',
  },
};

/**
 * @param {Page} page
 * @returns {Promise<string[]>}
 */
const fakeCalls = (page) =>
  page.evaluate(() => /** @type {any} */ (window).__FAKE_IPC__.calls.map((/** @type {any} */ c) => c.cmd));

/** @param {Page} page */
const focusedTestId = (page) => page.evaluate(() => document.activeElement?.getAttribute('data-testid') ?? document.activeElement?.tagName);

/**
 * The sync area's words.
 * @param {Page} page
 */
async function syncArea(page) {
  return {
    state: await page.getByTestId('sync-state').innerText(),
    waiting: await page.getByTestId('outbox-waiting').innerText(),
    last: await page.getByTestId('last-sync').innerText(),
  };
}

/**
 * Opens Settings from the rail with the keyboard.
 * @param {Page} page
 */
async function openSettings(page) {
  await page.getByTestId('nav-settings').focus();
  await page.keyboard.press('Enter');
  await page.getByTestId('settings-screen').waitFor();
  await eventually(async () => assert.equal(await focusedTestId(page), 'H1'));
}

/** @type {BrowserTest[]} */
export const syncTests = [
  {
    name: 'settings: a refused URL, a saved server, a registered key, and back to Tenants',
    fake: { drafts: [] },
    async run({ page, screenshot, checkA11y }) {
      await page.getByTestId('empty-state').waitFor();
      await eventually(async () => assert.deepEqual(await syncArea(page), { state: 'No server', waiting: '0 waiting', last: 'Never' }));
      assert.match(await page.getByTestId('sync-hint').innerText(), /Choose the platform server in Settings/);

      await openSettings(page);
      assert.equal(await page.getByTestId('nav-settings').getAttribute('aria-current'), 'page');
      assert.equal(await page.getByTestId('nav-tenants').getAttribute('aria-current'), null);
      assert.match(await page.getByTestId('server-settings').innerText(), /receives your signed change sets/);
      assert.match(await page.getByTestId('key-settings').innerText(), /private key never leaves the keyring/);
      assert.equal(await page.getByTestId('registration-state').innerText(), 'Not registered');
      assert.match(await page.getByTestId('key-id').innerText(), /^No key yet/);
      await assertNoHorizontalOverflow(page);
      await screenshot('settings-no-server-light');
      await checkA11y('settings, no server');

      // A URL the backend refuses: its words next to the field, and nothing saved.
      const url = page.getByTestId('server-url');
      await page.getByLabel('Server URL').fill('not a url');
      await page.keyboard.press('Enter');
      const error = page.getByTestId('server-error');
      await eventually(async () =>
        assert.equal(await error.innerText(), '“not a url” is not a server address: use http://host:port (fake backend).'),
      );
      assert.equal(await error.getAttribute('role'), 'alert');
      assert.equal(await url.getAttribute('aria-invalid'), 'true');
      assert.equal(await page.getByTestId('sync-state').innerText(), 'No server');
      await screenshot('settings-server-refused');
      await checkA11y('settings, refused URL');

      // A good one, saved as the backend normalises it; the rail follows.
      await url.fill(`${SERVER}/`);
      await page.getByTestId('save-server').click();
      await eventually(async () => assert.equal(await page.getByTestId('server-message').innerText(), `Saved. Tenantry syncs with ${SERVER}.`));
      assert.equal(await url.inputValue(), SERVER);
      assert.equal(await error.count(), 0);
      assert.equal(await page.getByTestId('sync-state').innerText(), 'Not registered');
      assert.equal(await page.getByTestId('sync-server').innerText(), SERVER);
      assert.equal(await page.getByTestId('disconnect-server').count(), 1);

      // Registering with the keyboard: name, role, Enter.
      await page.getByLabel('Your name').fill('Priya Raman');
      await page.keyboard.press('Tab');
      await eventually(async () => assert.equal(await focusedTestId(page), 'register-role'));
      await page.getByTestId('register-role').selectOption('complianceOfficer');
      await page.getByTestId('register-name').press('Enter');
      await eventually(async () =>
        assert.equal(
          await page.getByTestId('registration-state').innerText(),
          'Registered as compliance officer — waiting for an admin to approve your key',
        ),
      );
      const registrations = await page.evaluate(() => /** @type {any} */ (window).__FAKE_IPC__.registrations);
      assert.deepEqual(registrations, [{ name: 'Priya Raman', role: 'complianceOfficer' }]);
      assert.match(await page.getByTestId('register-message').innerText(), /An admin must approve it/);
      assert.match(await page.getByTestId('key-id').innerText(), /^[0-9a-f]{64}$/);
      assert.equal(await page.getByTestId('register-form').count(), 0);
      await eventually(async () => assert.equal(await page.getByTestId('sync-state').innerText(), 'Waiting for approval'));

      // Until an admin approves it, a sync is refused, and the state says so.
      await page.getByTestId('sync-now').click();
      const result = page.getByTestId('sync-result');
      await eventually(async () => assert.equal(await result.innerText(), 'Your key is waiting for an admin’s approval (fake backend).'));
      assert.equal(await result.getAttribute('role'), 'alert');
      assert.equal(await page.getByTestId('sync-state').innerText(), 'Waiting for approval');
      await assertNoHorizontalOverflow(page);
      await screenshot('settings-registered-light');
      await checkA11y('settings, registered');

      // Back to Tenants from the rail; the sync area is still there.
      await page.getByTestId('nav-tenants').click();
      await page.getByTestId('empty-state').waitFor();
      assert.equal(await page.getByTestId('settings-screen').count(), 0);
      assert.equal(await page.getByTestId('nav-tenants').getAttribute('aria-current'), 'page');
      assert.equal(await page.getByTestId('sync-state').innerText(), 'Waiting for approval');
    },
  },
  {
    name: 'settings in dark mode: a server from the environment is read-only and says why',
    colorScheme: 'dark',
    fake: {
      drafts: [],
      keyId: 'ab'.repeat(32),
      server: {
        url: 'https://tenantry.platform.example',
        source: 'environment',
        registered: true,
        approved: true,
        // Hours, not minutes: the fake is built when this file loads, well before the test runs.
        lastSyncAt: new Date(Date.now() - 3 * 3_600_000).toISOString(),
      },
    },
    async run({ page, screenshot, checkA11y }) {
      await page.getByTestId('empty-state').waitFor();
      await openSettings(page);
      const url = page.getByTestId('server-url');
      await eventually(async () => assert.equal(await url.inputValue(), 'https://tenantry.platform.example'));
      assert.equal(await url.getAttribute('readonly'), '');
      assert.match(await page.getByTestId('server-source').innerText(), /TENANTRY_SERVER_URL environment variable/);
      assert.equal(await page.getByTestId('save-server').count(), 0);
      assert.equal(await page.getByTestId('disconnect-server').count(), 0);
      assert.equal(
        await page.getByTestId('registration-state').innerText(),
        'Approved as account manager: your changes sync with this server',
      );
      assert.equal(await page.getByTestId('key-id').innerText(), 'ab'.repeat(32));
      await eventually(async () => assert.deepEqual(await syncArea(page), { state: 'Online', waiting: '0 waiting', last: '3 h ago' }));
      await assertNoHorizontalOverflow(page);
      await screenshot('settings-environment-dark');
      await checkA11y('settings from the environment, dark');
    },
  },
  {
    name: 'sync now: a submitted draft waits in the outbox, the sync shows its progress, then the result',
    fake: {
      drafts: [ACME],
      server: { url: SERVER, source: 'settings', registered: true, approved: true, incoming: 2 },
      syncMs: 2400,
    },
    async run({ page, screenshot, checkA11y }) {
      await page.getByTestId('draft-row').first().waitFor();
      await eventually(async () => assert.deepEqual(await syncArea(page), { state: 'Online', waiting: '0 waiting', last: 'Never' }));

      // A submission: the sync area counts it at once, without waiting for the next poll.
      await page.getByTestId('open-draft').first().click();
      await page.getByTestId('draft-screen').waitFor();
      await page.getByTestId('submit-summary').fill('Onboard Acme Health');
      await page.getByTestId('submit-button').click();
      await eventually(async () => assert.match(await page.getByTestId('submit-result').innerText(), /Signed and queued/));
      await eventually(async () => assert.equal(await page.getByTestId('outbox-waiting').innerText(), '1 waiting'), 1000);

      // Sync now, from the keyboard.
      const statusCalls = (await fakeCalls(page)).filter((cmd) => cmd === 'sync_status').length;
      await page.getByTestId('sync-now').focus();
      await page.keyboard.press('Enter');
      const bar = page.getByTestId('sync-progress');
      await bar.waitFor();
      assert.equal(await page.getByTestId('sync-now').getAttribute('aria-disabled'), 'true');
      assert.equal(await page.getByTestId('sync-now').innerText(), 'Syncing…');
      assert.equal(await bar.evaluate((el) => el.tagName), 'PROGRESS');
      // The phases in words, as the backend reports them while the sync runs.
      await eventually(async () =>
        assert.match(await page.getByTestId('sync-phase').innerText(), /^(Fetching approved keys|Receiving changes|Sending changes)/),
      );
      await screenshot('sync-running');
      await checkA11y('sync running');
      // A second press while it runs does nothing.
      await page.keyboard.press('Enter');

      const result = page.getByTestId('sync-result');
      await eventually(async () => assert.equal(await result.innerText(), 'Synced: 1 sent, 2 received'), 5000);
      assert.equal(await result.getAttribute('role'), 'status');
      assert.equal(await bar.count(), 0);
      assert.deepEqual(await syncArea(page), { state: 'Online', waiting: '0 waiting', last: 'just now' });
      assert.equal(await page.getByTestId('sync-now').getAttribute('aria-disabled'), 'false');
      const calls = await fakeCalls(page);
      assert.equal(calls.filter((cmd) => cmd === 'sync_now').length, 1);
      // Polled every 500 ms while it ran (a 2.4 s sync).
      assert.ok(calls.filter((cmd) => cmd === 'sync_status').length - statusCalls >= 3, 'the progress was not polled');
      await screenshot('sync-done');
      await checkA11y('sync done');
    },
  },
  {
    name: 'an offline server: "Sync now" says so as an alert, and the changes stay in the outbox',
    fake: {
      drafts: [ACME],
      outbox: 2,
      server: { url: SERVER, source: 'settings', registered: true, approved: true, online: false },
      syncMs: 300,
    },
    async run({ page, screenshot, checkA11y }) {
      await page.getByTestId('draft-row').first().waitFor();
      await eventually(async () => assert.deepEqual(await syncArea(page), { state: 'Offline', waiting: '2 waiting', last: 'Never' }));
      assert.match(await page.getByTestId('sync-hint').innerText(), /Your changes stay in the outbox/);

      await page.getByTestId('sync-now').click();
      const result = page.getByTestId('sync-result');
      await eventually(async () =>
        assert.equal(
          await result.innerText(),
          `The server at ${SERVER} cannot be reached (fake backend). Your changes stay in the outbox.`,
        ),
      );
      assert.equal(await result.getAttribute('role'), 'alert');
      await eventually(async () => assert.equal(await page.getByTestId('sync-now').getAttribute('aria-disabled'), 'false'));
      assert.deepEqual(await syncArea(page), { state: 'Offline', waiting: '2 waiting', last: 'Never' });
      assert.doesNotMatch(await page.locator('body').innerText(), /unknown error/i);
      await screenshot('sync-offline');
      await checkA11y('sync offline');
    },
  },
  {
    name: 'refused change sets and conflicts are listed in the rail, and fit at 1024×700',
    viewport: { width: 1024, height: 700 },
    fake: {
      drafts: [ACME],
      outbox: 12,
      server: {
        url: 'http://platform-sync.eu-west-1.internal.example.com:8480',
        source: 'settings',
        registered: true,
        approved: true,
        lastSyncAt: new Date(Date.now() - 2 * 3_600_000).toISOString(),
        rejected: [
          {
            hash: 'a'.repeat(64),
            changesetId: '01937b6e-4f1a-7c3d-9a2b-00000000abcd',
            tenant: 'acme-health',
            code: 'revoked_key',
            message: 'The key that signed this change set was revoked on 2026-11-20 by an administrator (fake backend).',
          },
          {
            hash: 'b'.repeat(64),
            changesetId: '01937b6e-4f1a-7c3d-9a2b-00000000beef',
            tenant: 'globex-corporation-international-holdings',
            code: 'policy_violation',
            message: '<b>AI-010</b>: the model is not in the catalog (fake backend).',
          },
        ],
        conflicts: [
          { hash: 'c'.repeat(64), changesetId: '01937b6e-4f1a-7c3d-9a2b-00000000c0de', tenant: 'acme-health', code: null, message: null },
        ],
      },
    },
    async run({ page, screenshot, checkA11y }) {
      await page.getByTestId('draft-row').first().waitFor();
      await eventually(async () => assert.equal(await page.getByTestId('rejected-item').count(), 2));
      assert.deepEqual(await syncArea(page), { state: 'Online', waiting: '12 waiting', last: '2 h ago' });
      const items = page.getByTestId('rejected-item');
      assert.match(await items.nth(0).innerText(), /revoked on 2026-11-20/);
      assert.match(await items.nth(0).innerText(), /revoked_key/);
      // The server's text is shown as text.
      assert.match(await items.nth(1).innerText(), /<b>AI-010<\/b>/);
      assert.equal(await page.locator('[data-testid="rejected-item"] b').count(), 0);
      assert.equal(await page.getByTestId('conflict-count').innerText(), '1 conflict needs a decision');
      await assertNoHorizontalOverflow(page);
      // Nothing in the rail is wider than the rail.
      const rail = await page.locator('aside').evaluate((el) => el.scrollWidth - el.clientWidth);
      assert.equal(rail, 0, 'the rail scrolls sideways');
      // "Sync now" can be reached: the rail scrolls to it when it is tabbed to.
      await page.getByTestId('sync-now').focus();
      const button = await page.getByTestId('sync-now').boundingBox();
      assert.ok(button && button.y >= 0 && button.y + button.height <= 700, '"Sync now" is out of view');
      await screenshot('sync-refused-1024x700');
      await checkA11y('refused and conflicts');
    },
  },
  {
    name: 'changes requested: listed in the rail, one opens its draft, whose field comment jumps to the field',
    viewport: { width: 1024, height: 700 },
    fake: {
      drafts: [ACME],
      server: { url: SERVER, source: 'settings', registered: true, approved: true },
      changeRequests: [ACME_CHANGE_REQUEST],
    },
    async run({ page, screenshot, checkA11y }) {
      await page.getByTestId('draft-row').first().waitFor();
      const link = page.getByTestId('open-change-request');
      await eventually(async () => assert.equal(await link.innerText(), 'Changes requested · Acme Health'));
      assert.match(await page.getByTestId('change-request-item').innerText(), /Carla Mendes asked for changes/);
      await assertNoHorizontalOverflow(page);
      const rail = await page.locator('aside').evaluate((el) => el.scrollWidth - el.clientWidth);
      assert.equal(rail, 0, 'the rail scrolls sideways');
      await checkA11y('change requests in the rail');

      await link.focus();
      await page.keyboard.press('Enter');
      await page.getByTestId('draft-screen').waitFor();
      await eventually(async () => assert.equal(await page.locator('h1').innerText(), 'Acme Health'));
      const requests = page.getByTestId('change-requests');
      assert.equal(
        await requests.getByTestId('review-note-comment').innerText(),
        'The budget is above the clinic default.\nLower it, or justify it in the AI step.',
      );
      assert.match(await requests.getByTestId('field-comment').innerText(), /Monthly budget \(US cents\)\s+Bring it back to 150000/);
      await assertNoHorizontalOverflow(page);
      await checkA11y('draft with a change request, light');
      await screenshot('draft-change-request-light');

      await requests.getByTestId('jump-to-commented-field').focus();
      await page.keyboard.press('Enter');
      await eventually(async () =>
        assert.equal(await page.evaluate(() => document.activeElement?.id), 'field-2f-ai-2f-monthly_budget_cents'),
      );
      assert.match(await page.getByTestId('step-title').innerText(), /Configure AI behaviour/);
    },
  },
];
