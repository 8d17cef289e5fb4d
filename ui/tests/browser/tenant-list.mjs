// @ts-check
// The tenant list on the Tenants screen in Chromium, against the fake IPC with
// 10 000 generated tenants (see src/test/fake-lists.js).
import assert from 'node:assert/strict';
import { eventually } from './harness.mjs';
import { assertNoHorizontalOverflow, seedDraft } from './tenants.mjs';

/**
 * @typedef {import('./harness.mjs').BrowserTest} BrowserTest
 * @typedef {import('playwright-core').Page} Page
 */

/**
 * The filters `list_tenants` was asked for, in order.
 * @param {Page} page
 * @returns {Promise<{ text: string, stage: string | null, progress: string | null, offset: number, limit: number }[]>}
 */
const tenantQueries = (page) =>
  page.evaluate(() =>
    /** @type {any} */ (window).__FAKE_IPC__.calls
      .filter((/** @type {any} */ c) => c.cmd === 'list_tenants')
      .map((/** @type {any} */ c) => c.args.filter),
  );

/** @param {Page} page */
const rowsInDom = (page) => page.locator('[data-testid="tenant-table"] [role="row"]').count();

/**
 * The texts of one column for the tenant rows in the DOM.
 * @param {Page} page
 * @param {number} column 0-based
 */
const column = (page, column) =>
  page.locator('[data-testid="tenant-row"]').evaluateAll(
    (rows, n) => rows.map((row) => (row.querySelectorAll('[role="gridcell"]')[n]?.textContent ?? '').trim()),
    column,
  );

/** @type {BrowserTest[]} */
export const tenantListTests = [
  {
    name: 'tenant list: 10 000 tenants, search narrows, filters work, far rows by scrolling, few rows in the DOM',
    fake: { tenantCount: 10_000, drafts: [seedDraft(1, { clientName: 'Globex Corporation' })] },
    async run({ page, screenshot, checkA11y }) {
      const count = page.getByTestId('tenant-count');
      await eventually(async () => assert.equal(await count.innerText(), '10,000 tenants'));
      await page.getByTestId('tenant-row').first().waitFor();
      // The existing drafts list is still there, under it.
      await page.getByTestId('draft-row').first().waitFor();
      assert.ok((await rowsInDom(page)) < 60, `${await rowsInDom(page)} rows in the DOM`);
      assert.equal(await page.getByTestId('tenant-table').getAttribute('aria-rowcount'), '10001');
      await assertNoHorizontalOverflow(page);
      await screenshot('tenant-list-light');
      await checkA11y('tenant list');

      // Scrolling far down asks for the page there and shows its rows; the DOM stays small.
      await page.getByTestId('tenant-viewport').evaluate((el) => (el.scrollTop = 9000 * 44));
      await eventually(async () => {
        const indexes = await page
          .locator('[data-testid="tenant-row"]')
          .evaluateAll((rows) => rows.map((row) => Number(row.getAttribute('data-index'))));
        assert.ok(indexes.some((i) => i >= 9000 && i < 9020), `rows ${indexes[0]}…${indexes.at(-1)}`);
      });
      assert.ok((await tenantQueries(page)).some((f) => f.offset === 9000 && f.limit === 100));
      assert.ok((await rowsInDom(page)) < 60, `${await rowsInDom(page)} rows in the DOM`);
      await screenshot('tenant-list-scrolled');

      // Keyboard: End goes to the last tenant, Home back to the first.
      await page.getByTestId('tenant-row').first().focus();
      await page.keyboard.press('End');
      await eventually(async () =>
        assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('aria-rowindex')), '10001'),
      );
      await page.keyboard.press('ArrowUp');
      await eventually(async () =>
        assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('aria-rowindex')), '10000'),
      );
      await page.keyboard.press('Home');
      await eventually(async () =>
        assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('data-index')), '0'),
      );
      assert.match((await page.evaluate(() => document.activeElement?.getAttribute('aria-label'))) ?? '', /, owner /);

      // Search, typed at a person's pace: one query for what was typed, and the list narrows.
      const before = (await tenantQueries(page)).length;
      await page.getByTestId('tenant-search').click();
      await page.keyboard.type('Globex Bank', { delay: 20 });
      await eventually(async () => {
        assert.match(await count.innerText(), /^[\d,]+ matching tenants?$/);
        assert.notEqual(await count.innerText(), '10,000 matching tenants');
      });
      const searched = (await tenantQueries(page)).slice(before).filter((f) => f.offset === 0);
      assert.deepEqual(
        searched.map((f) => f.text),
        ['Globex Bank'],
      );
      const matching = Number((await count.innerText()).replace(/\D/g, ''));
      assert.ok(matching > 0 && matching < 10_000);
      for (const name of await column(page, 0)) assert.match(name, /Globex Bank/);

      // Filters: stage and progress, each narrowing further.
      await page.getByTestId('tenant-search').fill('');
      await page.getByLabel('Stage').selectOption('production');
      await eventually(async () => {
        const stages = await column(page, 3);
        assert.ok(stages.length > 0);
        assert.ok(stages.every((s) => s === 'Production'), stages.join());
      });
      await page.getByLabel('Progress').selectOption('blocked');
      await eventually(async () => {
        const progress = await column(page, 4);
        assert.ok(progress.length > 0);
        assert.ok(progress.every((p) => p === 'Blocked'), progress.join());
      });
      await page.getByLabel('Compliance').selectOption('hipaa');
      await eventually(async () => {
        const modes = await column(page, 2);
        assert.ok(modes.every((m) => m === 'HIPAA'), modes.join());
      });
      const last = (await tenantQueries(page)).at(-1);
      assert.equal(last?.stage, 'production');
      assert.equal(last?.progress, 'blocked');
      await assertNoHorizontalOverflow(page);
      await checkA11y('tenant list, filtered');
    },
  },
  {
    name: 'tenant list: no match teaches and clears; no tenants explains; dark mode',
    colorScheme: 'dark',
    fake: { tenantCount: 300 },
    async run({ page, screenshot, checkA11y }) {
      await eventually(async () => assert.equal(await page.getByTestId('tenant-count').innerText(), '300 tenants'));
      await page.getByTestId('tenant-search').fill('no such client');
      const none = page.getByTestId('tenant-no-match');
      await none.waitFor();
      assert.match(await none.innerText(), /No tenant matches “no such client”/);
      await screenshot('tenant-list-no-match-dark');
      await checkA11y('tenant list, no match, dark');
      await page.getByTestId('tenant-clear').click();
      await eventually(async () => assert.equal(await page.getByTestId('tenant-count').innerText(), '300 tenants'));
      assert.equal(await page.getByTestId('tenant-search').inputValue(), '');
      await assertNoHorizontalOverflow(page);
    },
  },
  {
    name: 'tenant list: the owner filter offers the mirror’s owners; scrolling on asks by cursor',
    fake: { tenantCount: 3000 },
    async run({ page, screenshot, checkA11y }) {
      const count = page.getByTestId('tenant-count');
      await eventually(async () => assert.equal(await count.innerText(), '3,000 tenants'));
      // Tenants but no drafts: the drafts section says just that, not "No clients yet".
      const empty = page.getByTestId('empty-state');
      await eventually(async () => assert.match(await empty.innerText(), /^No drafts\b/));
      assert.doesNotMatch(await empty.innerText(), /No clients yet/);
      const owner = page.getByLabel('Owner', { exact: true });
      const choices = await owner.locator('option').allInnerTexts();
      assert.deepEqual(choices, ['Anyone', 'Ana Lima (1,000)', 'Ben Okafor (1,000)', 'key 9a8b7c6d5e4f (1,000)']);
      // Keyboard only: focus the select and pick the second owner with the arrow keys.
      await owner.focus();
      await page.keyboard.press('ArrowDown');
      await page.keyboard.press('ArrowDown');
      await eventually(async () => assert.equal(await count.innerText(), '1,000 matching tenants'));
      const owners = await column(page, 5);
      assert.ok(owners.length > 0 && owners.every((o) => o === 'Ben Okafor'), owners.join());
      const asked = /** @type {any} */ ((await tenantQueries(page)).at(-1));
      assert.match(asked.owner, /^[0-9a-f]{64}$/);
      assert.equal(asked.with_owners, false, 'the choices are asked for once');
      await assertNoHorizontalOverflow(page);
      await checkA11y('tenant list, owner filter');
      await screenshot('tenant-list-owner-filter');

      // Scrolling on from the first page: the next page is asked for after the first's last row.
      await page.getByTestId('tenant-viewport').evaluate((el) => (el.scrollTop = 96 * 44));
      await eventually(async () => {
        const next = /** @type {any[]} */ (await tenantQueries(page)).find((f) => f.after);
        assert.ok(next, 'a page asked for by cursor');
        assert.equal(next.offset, 0);
        assert.equal(next.owner, asked.owner);
      });
      await eventually(async () => assert.ok((await page.locator('[data-index="100"][data-testid="tenant-row"]').count()) === 1));
    },
  },
  {
    name: 'tenant list: a row opens its draft (Enter), or the tenant’s details (and its handoff) when it has none; dark',
    colorScheme: 'dark',
    fake: {
      files: { handoff: { fileName: 'aaron-handoff.md', format: 'Markdown' } },
      drafts: [seedDraft(4, { clientName: 'Aaron Dental' })],
      tenantCount: 40,
      tenants: [
        {
          id: '01937c00-0000-7000-8000-ffffffffffff',
          display_name: 'Aaron Dental',
          slug: 'aaron-dental',
          industry: 'healthcare',
          compliance_mode: 'hipaa',
          stage: 'staging',
          owner: null,
          owner_label: null,
          steps_complete: 7,
          blocked: false,
          draft_id: seedDraft(4).id,
        },
      ],
    },
    async run({ page, screenshot, checkA11y }) {
      const rows = page.getByTestId('tenant-row');
      await rows.first().waitFor();
      // A tenant without a draft here: Enter shows what the mirror knows, Esc goes back to its row.
      const second = rows.nth(1);
      const id = (await second.getAttribute('data-tenant-id')) ?? '';
      await second.focus();
      await page.keyboard.press('Enter');
      const dialog = page.getByTestId('tenant-dialog');
      await dialog.waitFor();
      assert.match(await dialog.innerText(), /no draft of this tenant in this mirror/);
      assert.ok((await dialog.innerText()).includes(id), 'the dialog shows the tenant id');
      assert.equal((await page.evaluate(() => document.activeElement?.getAttribute('data-testid'))), 'tenant-dialog-close');
      // The handoff is saved from here (the save dialog is native: answered by the fake).
      await page.getByTestId('handoff-format').selectOption('markdown');
      await page.getByTestId('save-handoff').click();
      await eventually(async () =>
        assert.equal(await page.getByTestId('handoff-status').innerText(), 'Handoff saved as Markdown to aaron-handoff.md.'),
      );
      await checkA11y('tenant details, dark');
      await screenshot('tenant-details-dark');
      await page.keyboard.press('Escape');
      await eventually(async () => assert.equal(await dialog.count(), 0));
      assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('data-index')), '1');

      // A tenant with a draft here: Enter opens the draft's screen.
      await page.keyboard.press('Home');
      await eventually(async () => assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('data-index')), '0'));
      assert.match((await page.evaluate(() => document.activeElement?.getAttribute('aria-label'))) ?? '', /^Aaron Dental, .*has a draft here$/);
      await page.keyboard.press('Enter');
      await page.getByTestId('wizard').waitFor();
      assert.match(await page.locator('h1').innerText(), /Aaron Dental/);
    },
  },
  {
    name: 'tenant list: with no tenants, the empty state says what the list is for',
    fake: { drafts: [] },
    async run({ page, checkA11y }) {
      const empty = page.getByTestId('tenant-empty');
      await empty.waitFor();
      assert.match(await empty.innerText(), /No tenants yet/);
      assert.match(await empty.innerText(), /New client/);
      await checkA11y('tenant list, empty');
    },
  },
];
