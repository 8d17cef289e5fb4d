// @ts-check
// The Tenants screen in Chromium, against the fake IPC (see fake-ipc.mjs).
import assert from 'node:assert/strict';
import { eventually } from './harness.mjs';

/**
 * @typedef {import('./harness.mjs').BrowserTest} BrowserTest
 * @typedef {import('playwright-core').Page} Page
 * @typedef {import('./fake-ipc.mjs').Draft} Draft
 */

/**
 * @param {number} n
 * @param {Partial<Draft>} [overrides]
 * @returns {Draft}
 */
export function seedDraft(n, overrides = {}) {
  const created = new Date(Date.UTC(2026, 10, 1, 9, 0) + n * 3_600_000).toISOString();
  const tail = n.toString(16).padStart(12, '0');
  return {
    id: `01937b6e-4f1a-7c3d-9a2b-${tail}`,
    clientName: `Client ${n}`,
    industry: 'retail',
    industryLabel: 'Retail',
    slug: `client-${n}`,
    submission: 'notSubmitted',
    createdAt: created,
    updatedAt: created,
    ...overrides,
  };
}

const THREE = [
  seedDraft(1, { clientName: 'Globex Corporation', industry: 'financial_services', industryLabel: 'Financial services' }),
  seedDraft(2, { clientName: 'acme Health', industry: 'healthcare', industryLabel: 'Healthcare' }),
  seedDraft(3, { clientName: 'Initech', industry: 'retail', industryLabel: 'Retail' }),
];

/** @param {Page} page */
const rowNames = (page) => page.locator('[data-testid="draft-row"] td:first-child').allTextContents();

/** @param {Page} page */
const focusedId = (page) => page.evaluate(() => document.activeElement?.getAttribute('data-testid') ?? document.activeElement?.id);

/** @param {Page} page */
async function openForm(page) {
  await page.getByTestId('new-client').click();
  await page.getByTestId('new-client-dialog').waitFor({ state: 'visible' });
  // Industries arrive from the backend.
  await eventually(async () => assert.ok((await page.getByTestId('industry').locator('option').count()) > 1));
}

/** @param {Page} page */
export async function assertNoHorizontalOverflow(page) {
  const widths = await page.evaluate(() => ({
    document: document.scrollingElement?.scrollWidth ?? 0,
    viewport: window.innerWidth,
    main: (() => {
      const main = document.querySelector('main');
      return main ? main.scrollWidth - main.clientWidth : 0;
    })(),
  }));
  assert.ok(widths.document <= widths.viewport, `page is ${widths.document}px wide in a ${widths.viewport}px window`);
  assert.equal(widths.main, 0, 'the main area scrolls sideways');
}

/** @type {BrowserTest[]} */
export const tenantsTests = [
  {
    name: 'an empty list explains the screen and offers "New client"',
    fake: { drafts: [] },
    async run({ page, screenshot, checkA11y }) {
      const empty = page.getByTestId('empty-state');
      await empty.waitFor();
      assert.match(await empty.innerText(), /onboard clients as tenants/);
      assert.equal(await empty.getByRole('button', { name: 'New client' }).count(), 1);
      assert.equal(await page.getByTestId('draft-row').count(), 0);
      // The rail's foot: where the data lives, and which build this is.
      const status = page.getByTestId('app-status');
      await eventually(async () => assert.equal(await page.getByTestId('database-kind').innerText(), 'SQLite'));
      assert.match(await status.innerText(), /\/home\/ops\/\.local\/share\/tenantry\/tenantry\.db/);
      assert.equal(await page.getByTestId('app-version').innerText(), '0.1.0-test');
      // With no server chosen, nothing pretends to be online.
      await eventually(async () => assert.equal(await page.getByTestId('sync-state').innerText(), 'No server'));
      assert.doesNotMatch(await page.locator('body').innerText(), /\bonline\b/i);
      await screenshot('tenants-empty-light');
      await checkA11y('empty state');
    },
  },
  {
    name: 'creating a draft with the keyboard adds its row and announces "Draft saved"',
    fake: { drafts: [] },
    async run({ page, screenshot, checkA11y }) {
      await page.getByTestId('empty-state').waitFor();
      await page.getByTestId('empty-new-client').focus();
      await page.keyboard.press('Enter');
      await page.getByTestId('new-client-dialog').waitFor();
      await eventually(async () => assert.equal(await focusedId(page), 'client-name'));
      await eventually(async () => assert.ok((await page.getByTestId('industry').locator('option').count()) > 1));
      await checkA11y('new client form');

      await page.keyboard.type('Umbrella Health Trust');
      await page.keyboard.press('Tab');
      await page.getByTestId('industry').selectOption('healthcare');
      await page.getByTestId('client-name').press('Enter');

      await page.getByTestId('new-client-dialog').waitFor({ state: 'detached' });
      await eventually(async () => assert.deepEqual(await rowNames(page), ['Umbrella Health Trust']));
      const row = page.getByTestId('draft-row').first();
      assert.match(await row.innerText(), /Healthcare/);
      // The date is shown in the user's locale (en-GB here), the id short and monospace.
      assert.match(await row.locator('time').innerText(), /^\d{1,2} [A-Z][a-z]{2} \d{4}, \d{2}:\d{2}$/);
      const idCell = row.locator('td.col-id');
      assert.match(await idCell.innerText(), /^[0-9a-f]{8}$/);
      assert.match(await idCell.evaluate((el) => getComputedStyle(el).fontFamily), /mono/i);

      await eventually(async () => assert.match(await page.getByTestId('announcer').innerText(), /Draft saved/));
      assert.equal(await page.getByTestId('draft-count').innerText(), '1 draft');
      await eventually(async () => assert.equal(await focusedId(page), 'new-client'));
      await screenshot('tenants-after-save');
      await checkA11y('list after save');
    },
  },
  {
    name: 'a bad name shows the backend’s message next to the field, and no row appears',
    fake: { drafts: [] },
    async run({ page, screenshot, checkA11y }) {
      await page.getByTestId('empty-state').waitFor();
      await openForm(page);
      const name = page.getByTestId('client-name');
      const nameError = page.getByTestId('client-name-error');
      const industryError = page.getByTestId('industry-error');

      // As the user types: only the touched field speaks up.
      await name.fill('   ');
      await eventually(async () => assert.equal(await nameError.innerText(), 'Enter the client’s name (fake backend).'));
      assert.equal(await name.getAttribute('aria-invalid'), 'true');
      assert.equal(await name.getAttribute('aria-describedby'), 'client-name-error');
      assert.equal(await industryError.innerText(), '');

      // Save is not blocked by the UI: the backend answers, and every field shows its part.
      await page.getByTestId('save-draft').click();
      await eventually(async () =>
        assert.equal(await industryError.innerText(), 'Choose one of the listed industries (fake backend).'),
      );
      assert.equal(await nameError.innerText(), 'Enter the client’s name (fake backend).');
      assert.equal(await page.getByTestId('industry').getAttribute('aria-invalid'), 'true');
      // Focus moves to the first field with a problem once the answer has rendered.
      await eventually(async () => assert.equal(await focusedId(page), 'client-name'));
      const calls = await page.evaluate(() => /** @type {any} */ (window).__FAKE_IPC__.calls.map((/** @type {any} */ c) => c.cmd));
      assert.ok(calls.includes('create_draft'), 'the save reached the backend');
      await screenshot('new-client-errors-light');
      await checkA11y('form with errors');

      // 10 000 characters and control characters: again the backend's words.
      await name.fill('x'.repeat(10_000));
      await eventually(async () => assert.equal(await nameError.innerText(), 'Use at most 200 characters (fake backend).'));
      await name.fill('Acme\u0007 Ltd');
      await eventually(async () => assert.equal(await nameError.innerText(), 'Remove control characters (fake backend).'));
      await assertNoHorizontalOverflow(page);

      // Esc cancels; nothing was written.
      await page.keyboard.press('Escape');
      await page.getByTestId('new-client-dialog').waitFor({ state: 'detached' });
      await page.getByTestId('empty-state').waitFor();
      assert.equal(await page.getByTestId('draft-row').count(), 0);
      assert.equal(await page.evaluate(() => /** @type {any} */ (window).__FAKE_IPC__.drafts.length), 0);
    },
  },
  {
    name: 'Cancel closes the form without saving',
    fake: { drafts: THREE },
    async run({ page }) {
      await page.getByTestId('draft-row').first().waitFor();
      await openForm(page);
      await page.getByTestId('client-name').fill('Never saved');
      await page.getByTestId('cancel-draft').click();
      await page.getByTestId('new-client-dialog').waitFor({ state: 'detached' });
      assert.equal(await page.getByTestId('draft-row').count(), 3);
      await eventually(async () => assert.equal(await focusedId(page), 'new-client'));
    },
  },
  {
    name: 'the table opens newest first and sorts by client name from the keyboard',
    fake: { drafts: THREE },
    async run({ page, screenshot }) {
      await page.getByTestId('draft-row').first().waitFor();
      assert.deepEqual(await rowNames(page), ['Initech', 'acme Health', 'Globex Corporation']);
      const nameHeader = page.locator('th', { hasText: 'Client name' });
      const createdHeader = page.locator('th', { hasText: 'Created' });
      assert.equal(await createdHeader.getAttribute('aria-sort'), 'descending');

      await nameHeader.getByRole('button').focus();
      await page.keyboard.press('Enter');
      await eventually(async () => assert.deepEqual(await rowNames(page), ['acme Health', 'Globex Corporation', 'Initech']));
      assert.equal(await nameHeader.getAttribute('aria-sort'), 'ascending');
      assert.equal(await createdHeader.getAttribute('aria-sort'), 'none');

      await page.keyboard.press('Space');
      await eventually(async () => assert.deepEqual(await rowNames(page), ['Initech', 'Globex Corporation', 'acme Health']));
      assert.equal(await nameHeader.getAttribute('aria-sort'), 'descending');
      await screenshot('tenants-sorted-by-name');
    },
  },
  {
    name: 'dark mode follows the OS and reads well',
    colorScheme: 'dark',
    fake: { drafts: THREE },
    async run({ page, screenshot, checkA11y }) {
      await page.getByTestId('draft-row').first().waitFor();
      const colours = await page.evaluate(() => {
        /** @param {string} colour */
        const luminance = (colour) => {
          const [r, g, b] = (colour.match(/\d+(\.\d+)?/g) ?? []).map(Number);
          return (0.2126 * (r ?? 0) + 0.7152 * (g ?? 0) + 0.0722 * (b ?? 0)) / 255;
        };
        const body = getComputedStyle(document.body);
        return { background: luminance(body.backgroundColor), text: luminance(body.color) };
      });
      assert.ok(colours.background < 0.2, `background is light (${colours.background})`);
      assert.ok(colours.text > 0.7, `text is dark (${colours.text})`);
      await eventually(async () => assert.equal(await page.getByTestId('database-kind').innerText(), 'SQLite'));
      await screenshot('tenants-dark');
      await checkA11y('dark list');

      await openForm(page);
      await page.getByTestId('save-draft').click();
      await eventually(async () => assert.notEqual(await page.getByTestId('industry-error').innerText(), ''));
      await screenshot('new-client-errors-dark');
      await checkA11y('dark form with errors');
    },
  },
  {
    name: 'at 1024×700 nothing overflows sideways, even with long names and paths',
    viewport: { width: 1024, height: 700 },
    fake: {
      drafts: [
        ...Array.from({ length: 30 }, (_, i) => seedDraft(i + 10)),
        seedDraft(100, {
          clientName: `Very Long Client Name ${'Holdings '.repeat(40)}`,
          industry: 'financial_services',
          industryLabel: 'Financial services',
        }),
        seedDraft(101, { clientName: 'Unbroken'.repeat(120) }),
      ],
      databaseLocation: '/home/operations-team-member/.local/share/tenantry/profiles/production-eu-west/tenantry.db',
    },
    async run({ page, screenshot }) {
      await page.getByTestId('draft-row').first().waitFor();
      await eventually(async () => assert.equal(await page.getByTestId('database-kind').innerText(), 'SQLite'));
      await assertNoHorizontalOverflow(page);
      // The header (with "New client") and the rail's status stay in view.
      assert.ok(await page.getByTestId('new-client').isVisible());
      const status = await page.getByTestId('app-status').boundingBox();
      assert.ok(status && status.y + status.height <= 700, 'the status area is cut off');
      await screenshot('tenants-1024x700');

      // Scrolled down, the column headers stay in view.
      await page.locator('main').evaluate((main) => main.scrollTo(0, 400));
      await eventually(async () => {
        const header = await page.locator('thead th').first().boundingBox();
        assert.ok(header && Math.abs(header.y) <= 1, `the header row scrolled away (y=${header?.y})`);
      });
      await screenshot('tenants-1024x700-scrolled');

      await openForm(page);
      await page.getByTestId('save-draft').click();
      await eventually(async () => assert.notEqual(await page.getByTestId('client-name-error').innerText(), ''));
      await assertNoHorizontalOverflow(page);
      const dialog = await page.getByTestId('new-client-dialog').boundingBox();
      assert.ok(dialog && dialog.y >= 0 && dialog.y + dialog.height <= 700, 'the dialog does not fit');
      await screenshot('new-client-1024x700');
    },
  },
  {
    name: 'a database that could not be opened is named in the status area',
    fake: {
      drafts: [],
      failListDrafts: 1,
      mirrorError: 'The database file is locked by another program (fake backend).',
    },
    async run({ page, screenshot, checkA11y }) {
      const mirror = page.getByTestId('mirror-error');
      await mirror.waitFor();
      assert.match(await mirror.innerText(), /Database not available/);
      assert.match(await mirror.innerText(), /locked by another program/);
      await page.getByTestId('list-error').waitFor();
      await screenshot('tenants-mirror-error');
      await checkA11y('mirror error');
    },
  },
  {
    name: 'load failures say what happened and offer "Try again"',
    fake: { drafts: THREE, failListDrafts: 1, failAppInfo: 1 },
    async run({ page, screenshot, checkA11y }) {
      const listError = page.getByTestId('list-error');
      await listError.waitFor();
      assert.match(await listError.innerText(), /The drafts could not be loaded/);
      assert.match(await listError.innerText(), /The local database could not be read \(fake backend\)/);
      assert.equal(await listError.getAttribute('role'), 'alert');
      const statusError = page.getByTestId('app-status-error');
      await statusError.waitFor();
      assert.match(await statusError.innerText(), /The data directory could not be opened/);
      assert.doesNotMatch(await page.locator('body').innerText(), /unknown error/i);
      await screenshot('tenants-load-error');
      await checkA11y('load errors');

      await page.getByTestId('retry').click();
      await eventually(async () => assert.equal(await page.getByTestId('draft-row').count(), 3));
      await statusError.getByRole('button', { name: 'Try again' }).click();
      await eventually(async () => assert.equal(await page.getByTestId('database-kind').innerText(), 'SQLite'));
    },
  },
];
