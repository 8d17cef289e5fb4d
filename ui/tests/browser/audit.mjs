// @ts-check
// The Audit screen in Chromium against the fake IPC (see fake-ipc.mjs): reached from the
// rail by keyboard, filtered, paged with "Show older", a refused date and an empty result;
// axe over it in light and dark, and no sideways scrolling at 1024×700.
import assert from 'node:assert/strict';
import { eventually } from './harness.mjs';
import { assertNoHorizontalOverflow } from './tenants.mjs';

/** @typedef {import('./harness.mjs').BrowserTest} BrowserTest */
/** @typedef {import('../../src/lib/backend').AuditEntry} AuditEntry */

const CHANGESET = '3f'.repeat(32);
const OFFICER = '9c'.repeat(32);

/**
 * Records after the 70 made-up edits (ids 1 to 70): an officer's request for changes and
 * approval on Cedar Valley Health, and a refused submission whose words look like markup.
 * @type {AuditEntry[]}
 */
const RECORDS = [
  {
    id: 71,
    at: '2026-11-25T14:30:00Z',
    actor: OFFICER,
    actorName: 'Carla Mendes',
    action: 'request_changes',
    title: 'Asked for changes',
    tenant: 'cedar-valley-health',
    clientName: 'Cedar Valley Health',
    subject: CHANGESET,
    outcome: 'done',
    detail: 'Bring the AI budget back to 150000.',
    ruleIds: ['APR-001', 'APR-002'],
  },
  {
    id: 72,
    at: '2026-11-26T09:05:00Z',
    actor: OFFICER,
    actorName: 'Carla Mendes',
    action: 'approve_changeset',
    title: 'Approved a change set',
    tenant: 'cedar-valley-health',
    clientName: 'Cedar Valley Health',
    subject: 'ab'.repeat(32),
    outcome: 'done',
    detail: '',
    ruleIds: ['APR-002'],
  },
  {
    id: 73,
    at: '2026-11-26T10:00:00Z',
    actor: null,
    actorName: null,
    action: 'submit_draft',
    title: 'Submitted a draft',
    tenant: 'harbor-dental',
    clientName: '<img src=x onerror=alert(1)> Dental',
    subject: '0193aaaa-0000-7000-8000-000000000001',
    outcome: 'refused',
    detail: 'Blocked by <b>TEN-001</b>: the display name is blank.',
    ruleIds: ['TEN-001'],
  },
];

/** @param {import('playwright-core').Page} page */
const rowIds = (page) => page.getByTestId('audit-row').evaluateAll((rows) => rows.map((row) => Number(row.getAttribute('data-id'))));

/**
 * What the UI asked `audit_log`, in order.
 * @param {import('playwright-core').Page} page
 */
const auditAsked = (page) =>
  page.evaluate(() =>
    /** @type {{ cmd: string, args: any }[]} */ (/** @type {any} */ (window).__FAKE_IPC__.calls)
      .filter((call) => call.cmd === 'audit_log')
      .map((call) => call.args),
  );

/**
 * Nothing spills out of its table cell (a long hash or name would draw over its neighbour).
 * @param {import('playwright-core').Page} page
 */
async function assertCellsFit(page) {
  const spilled = await page.locator('[data-testid="audit-table"] th, [data-testid="audit-table"] td').evaluateAll((cells) =>
    cells.filter((cell) => cell.scrollWidth > cell.clientWidth + 1).map((cell) => cell.textContent?.trim()),
  );
  assert.deepEqual(spilled, []);
}

const NO_FILTER = { tenant: null, person: null, from: null, to: null, rule: null };

/** @type {BrowserTest[]} */
export const auditTests = [
  {
    name: 'audit: reached from the rail by keyboard, filtered by rule and person, older records on demand',
    fake: { auditCount: 70, audit: RECORDS },
    async run({ page, screenshot, checkA11y }) {
      await page.getByTestId('nav-audit').focus();
      await page.keyboard.press('Enter');
      await page.getByTestId('audit-screen').waitFor();
      await eventually(async () => assert.equal(await page.getByTestId('audit-row').count(), 50));
      assert.equal(await page.getByTestId('nav-audit').getAttribute('aria-current'), 'page');
      assert.deepEqual((await rowIds(page)).slice(0, 4), [73, 72, 71, 70]);
      assert.deepEqual(await auditAsked(page), [{ filter: NO_FILTER, before: null }]);

      // Backend text is text; a hash is short on screen and whole in its title.
      const refused = page.getByTestId('audit-row').nth(0);
      assert.equal(await refused.getByTestId('audit-tenant').innerText(), '<img src=x onerror=alert(1)> Dental\nharbor-dental');
      assert.equal(await refused.getByTestId('audit-detail').innerText(), 'Blocked by <b>TEN-001</b>: the display name is blank.');
      assert.equal(await page.locator('[data-testid="audit-table"] img, [data-testid="audit-table"] b').count(), 0);
      assert.equal(await refused.getByTestId('audit-outcome').innerText(), 'Refused');
      assert.equal(await refused.getByTestId('audit-who').innerText(), 'Before this machine had a key');
      const asked = page.getByTestId('audit-row').nth(2);
      const subject = asked.getByTestId('audit-subject').getByTestId('hash-text');
      assert.equal(await subject.locator('[aria-hidden="true"]').innerText(), `${CHANGESET.slice(0, 12)}…`);
      const box = await subject.boundingBox();
      assert.ok(box && box.width < 120, `the shortened hash is ${box?.width}px wide`);
      assert.equal(await subject.locator('.visually-hidden').textContent(), CHANGESET);
      assert.equal(await subject.getAttribute('title'), CHANGESET);
      assert.match(await page.getByTestId('audit-status').innerText(), /^50 records, newest first; older ones follow/);

      await assertNoHorizontalOverflow(page);
      await assertCellsFit(page);
      await checkA11y('audit log, light');
      await screenshot('audit-light');

      // By keyboard: a rule and a person, applied with Enter in the form.
      await page.getByLabel('Rule').focus();
      await page.keyboard.type('APR-002');
      await page.getByLabel('Person').focus();
      await page.keyboard.type('carla mendes');
      await page.keyboard.press('Enter');
      await eventually(async () => assert.deepEqual(await rowIds(page), [72, 71]));
      assert.deepEqual((await auditAsked(page)).at(-1), { filter: { ...NO_FILTER, person: 'carla mendes', rule: 'APR-002' }, before: null });
      assert.equal(await page.getByTestId('audit-status').innerText(), '2 records matching the filters, newest first.');
      assert.equal(await page.getByTestId('audit-older').count(), 0);

      // Clear, then the older records, by keyboard; the focus lands on the first older one.
      await page.getByTestId('audit-clear').focus();
      await page.keyboard.press('Enter');
      await eventually(async () => assert.equal(await page.getByTestId('audit-row').count(), 50));
      assert.equal(await page.getByLabel('Person').inputValue(), '');
      await page.getByTestId('audit-older').focus();
      await page.keyboard.press('Enter');
      await eventually(async () => assert.equal(await page.getByTestId('audit-row').count(), 73));
      assert.deepEqual((await auditAsked(page)).at(-1), { filter: NO_FILTER, before: 24 });
      assert.equal(await page.getByTestId('audit-older').count(), 0);
      await eventually(async () =>
        assert.equal(await page.evaluate(() => document.activeElement?.closest('tr')?.getAttribute('data-id')), '23'),
      );
      await assertNoHorizontalOverflow(page);
    },
  },
  {
    name: 'audit: a refused date is shown as the backend says it, and no match is said plainly; dark',
    colorScheme: 'dark',
    fake: { audit: RECORDS },
    async run({ page, screenshot, checkA11y }) {
      await page.getByTestId('nav-audit').click();
      await eventually(async () => assert.equal(await page.getByTestId('audit-row').count(), 3));
      await assertNoHorizontalOverflow(page);
      await assertCellsFit(page);
      await checkA11y('audit log, dark');
      await screenshot('audit-dark');

      // A six-digit year: the date field takes it, the backend refuses it.
      await page.getByLabel('From date').focus();
      await page.keyboard.type('01112026');
      await page.keyboard.type('12');
      const typed = await page.getByLabel('From date').inputValue();
      assert.doesNotMatch(typed, /^\d{4}-\d{2}-\d{2}$/, `the field holds ${typed}`);
      await page.getByTestId('audit-apply').focus();
      await page.keyboard.press('Enter');
      const alert = page.getByTestId('audit-refused');
      await alert.waitFor();
      assert.equal(await alert.getAttribute('role'), 'alert');
      assert.equal(
        await page.getByTestId('audit-refused-message').innerText(),
        `from: “${typed}” is not a date; use YYYY-MM-DD (fake backend).`,
      );
      await assertNoHorizontalOverflow(page);
      await checkA11y('refused filter, dark');
      await screenshot('audit-refused-dark');

      // A tenant with no records: the empty state says what the log is, and that nothing matches.
      await page.getByTestId('audit-clear').click();
      await eventually(async () => assert.equal(await page.getByTestId('audit-row').count(), 3));
      await page.getByLabel('Tenant').fill('globex');
      await page.getByLabel('Tenant').press('Enter');
      const empty = page.getByTestId('audit-empty');
      await empty.waitFor();
      assert.match(await empty.innerText(), /No records match these filters/);
      assert.match(await empty.innerText(), /Everything done in this app on this machine is recorded here/);
      await checkA11y('no match, dark');
      await screenshot('audit-empty-dark');
    },
  },
];
