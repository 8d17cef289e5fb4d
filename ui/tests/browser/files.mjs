// @ts-check
// Native dialogs in Chromium: import and export of the tenant document, and the logo.
// The dialogs and the file checks are Rust's (src-tauri/src/commands/files.rs over
// tenantry-core); here the fake IPC answers as those commands would, and the tests check
// what a user sees and can do: buttons reachable by keyboard, a confirmation before the
// draft is replaced, the backend's refusal in an alert, the logo's preview from its bytes.
import assert from 'node:assert/strict';
import { eventually } from './harness.mjs';
import { assertNoHorizontalOverflow, seedDraft } from './tenants.mjs';

/**
 * @typedef {import('./harness.mjs').BrowserTest} BrowserTest
 * @typedef {import('playwright-core').Page} Page
 */

const ACME = seedDraft(2, { clientName: 'Acme Health', industry: 'healthcare', industryLabel: 'Healthcare', slug: 'acme-health' });
const LOGO = '/customization/branding/logo_ref';
// A real 1×1 PNG: the preview must decode it.
const PIXEL = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';

/** @param {Page} page */
async function openAcme(page) {
  await page.getByTestId('draft-row').first().waitFor();
  const button = page.getByTestId('open-draft').filter({ hasText: 'Acme Health' });
  await button.focus();
  await page.keyboard.press('Enter');
  await page.getByTestId('step-form').waitFor();
}

/** @param {Page} page */
async function openBranding(page) {
  await openAcme(page);
  await page.locator('[data-testid="wizard-step"][data-step="frontend_customization"]').focus();
  await page.keyboard.press('Enter');
  await eventually(async () => assert.match(await page.getByTestId('step-title').innerText(), /Frontend customization/));
  await page.locator(`[data-path="${LOGO}"]`).waitFor();
}

/** @param {Page} page @param {string} path */
const documentAt = (page, path) =>
  page.evaluate(
    ({ id, path }) => {
      /** @type {any} */
      let value = /** @type {any} */ (window).__FAKE_IPC__.documents.get(id);
      for (const token of path.split('/').slice(1)) value = value?.[token];
      return value ?? null;
    },
    { id: ACME.id, path },
  );

/** @param {Page} page @param {string} cmd */
const callsOf = (page, cmd) =>
  page.evaluate((cmd) => /** @type {any} */ (window).__FAKE_IPC__.calls.filter((/** @type {any} */ c) => c.cmd === cmd), cmd);

/** @type {BrowserTest[]} */
export const filesTests = [
  {
    name: 'files: import asks first, then replaces the draft; keyboard only, axe-clean',
    fake: { drafts: [ACME], files: { import: { legalName: 'Acme Health Imported LLC' } } },
    async run({ page, screenshot, checkA11y }) {
      await openAcme(page);
      const importButton = page.getByTestId('import-document');
      assert.equal(await importButton.innerText(), 'Import document…');
      await importButton.focus();
      await page.keyboard.press('Enter');
      // A confirmation first, with the focus on its action; Escape backs out.
      await page.getByTestId('import-confirm').waitFor();
      assert.match(await page.getByTestId('import-confirm').innerText(), /replaces every answer of this draft/);
      assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('data-testid')), 'import-choose');
      await assertNoHorizontalOverflow(page);
      await checkA11y('import confirmation');
      await screenshot('files-import-confirm');
      await page.keyboard.press('Escape');
      await eventually(async () => assert.equal(await page.getByTestId('import-confirm').count(), 0));
      assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('data-testid')), 'import-document');
      assert.equal((await callsOf(page, 'import_document')).length, 0);

      // Again, and this time choose the file.
      await page.keyboard.press('Enter');
      await page.getByTestId('import-choose').waitFor();
      await page.keyboard.press('Enter');
      await eventually(async () => assert.match(await page.getByTestId('file-status').innerText(), /Document imported/));
      const calls = await callsOf(page, 'import_document');
      assert.deepEqual(calls.map((/** @type {any} */ c) => c.args), [{ id: ACME.id, step: 'classification' }]);
      assert.equal(await documentAt(page, '/tenant/metadata/legal_name'), 'Acme Health Imported LLC');
      // The wizard shows the imported answers.
      await page.getByTestId('next-step').click();
      await eventually(async () =>
        assert.equal(await page.locator('[data-path="/tenant/metadata/legal_name"] input').inputValue(), 'Acme Health Imported LLC'),
      );
    },
  },
  {
    name: 'files: a refused import shows the backend’s message in an alert and changes nothing',
    fake: {
      drafts: [ACME],
      files: {
        import: {
          error: {
            code: 'invalid_input',
            message: 'acme.yaml: line 3, column 3: /ai/tools appears twice; keep only one of them. Nothing was changed.',
          },
        },
      },
    },
    async run({ page, screenshot, checkA11y }) {
      await openAcme(page);
      const before = await documentAt(page, '');
      await page.getByTestId('import-document').click();
      await page.getByTestId('import-choose').click();
      const alert = page.getByTestId('file-error');
      await alert.waitFor();
      assert.equal(await alert.getAttribute('role'), 'alert');
      assert.equal(await alert.innerText(), 'acme.yaml: line 3, column 3: /ai/tools appears twice; keep only one of them. Nothing was changed.');
      assert.deepEqual(await documentAt(page, ''), before);
      assert.equal(await page.getByTestId('file-status').innerText(), '');
      await checkA11y('import refused');
      await screenshot('files-import-refused');
      // The message belongs to that attempt: the next step starts clean.
      await page.getByTestId('next-step').click();
      await eventually(async () => assert.match(await page.getByTestId('step-title').innerText(), /Step 2 of 12/i));
      assert.equal(await page.getByTestId('file-error').count(), 0);
    },
  },
  {
    name: 'files: export says which file was written',
    fake: { drafts: [ACME], files: { export: { fileName: 'acme-health.yaml', format: 'YAML' } } },
    async run({ page }) {
      await openAcme(page);
      await page.getByTestId('export-document').focus();
      await page.keyboard.press('Enter');
      await eventually(async () => assert.equal(await page.getByTestId('file-status').innerText(), 'Exported as YAML to acme-health.yaml.'));
      assert.deepEqual((await callsOf(page, 'export_document')).map((/** @type {any} */ c) => c.args), [{ id: ACME.id }]);
      assert.equal(await page.getByTestId('file-error').count(), 0);
    },
  },
  {
    name: 'files: cancelled dialogs change nothing and say nothing',
    fake: { drafts: [ACME] },
    async run({ page }) {
      await openAcme(page);
      const before = await documentAt(page, '');
      await page.getByTestId('import-document').click();
      await page.getByTestId('import-choose').click();
      await eventually(async () => assert.equal((await callsOf(page, 'import_document')).length, 1));
      await page.getByTestId('export-document').click();
      await eventually(async () => assert.equal((await callsOf(page, 'export_document')).length, 1));
      await eventually(async () => assert.equal(await page.getByTestId('export-document').isEnabled(), true));
      assert.equal(await page.getByTestId('file-status').innerText(), '');
      assert.equal(await page.getByTestId('file-error').count(), 0);
      assert.deepEqual(await documentAt(page, ''), before);
    },
  },
  {
    name: 'files: the logo is chosen with the dialog and previewed from its bytes; an https address still works',
    fake: { drafts: [ACME], files: { image: { mediaType: 'image/png', base64: PIXEL, width: 1, height: 1 } } },
    async run({ page, screenshot, checkA11y }) {
      await openBranding(page);
      const field = page.locator(`[data-path="${LOGO}"]`);
      assert.equal(await field.getByTestId('image-none').innerText(), 'No image chosen.');
      const choose = field.getByTestId('choose-image');
      assert.equal(await choose.innerText(), 'Choose logo…');
      await choose.focus();
      await page.keyboard.press('Enter');
      const image = field.getByTestId('image-preview').locator('img');
      await image.waitFor();
      const src = await image.getAttribute('src');
      assert.equal(src, `data:image/png;base64,${PIXEL}`);
      assert.equal(await image.evaluate((img) => /** @type {HTMLImageElement} */ (img).naturalWidth), 1, 'the preview decodes');
      const reference = await documentAt(page, LOGO);
      assert.match(reference, /^asset:\/\/sha256\/[0-9a-f]{64}$/);
      assert.equal(await field.getByTestId('image-reference').innerText(), reference);
      assert.deepEqual((await callsOf(page, 'choose_image')).map((/** @type {any} */ c) => c.args), [
        { id: ACME.id, step: 'frontend_customization', path: LOGO },
      ]);
      await assertNoHorizontalOverflow(page);
      await checkA11y('logo chosen');
      await screenshot('files-logo-chosen');

      // Typing an address replaces the file's reference.
      const address = field.getByLabel('Or an https:// address');
      await address.fill('https://cdn.example.com/acme.png');
      await eventually(async () => assert.equal(await documentAt(page, LOGO), 'https://cdn.example.com/acme.png'));
      await eventually(async () => assert.equal(await field.getByTestId('image-preview').count(), 0));
    },
  },
  {
    name: 'files: output attached to a checklist item is kept as its SHA-256, and can be removed',
    fake: { drafts: [ACME], files: { attachment: { sha256: 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad' } } },
    colorScheme: 'dark',
    async run({ page, screenshot, checkA11y }) {
      const PATH = '/go_live/items/logs/sha256';
      await openAcme(page);
      await page.locator('[data-testid="wizard-step"][data-step="verification"]').focus();
      await page.keyboard.press('Enter');
      const field = page.locator(`[data-path="${PATH}"]`);
      await field.waitFor();
      assert.equal(await field.getByTestId('attachment-none').innerText(), 'No output attached.');
      const attach = field.getByTestId('attach-output');
      await attach.focus();
      await page.keyboard.press('Enter');
      await eventually(async () =>
        assert.match(await field.getByTestId('attachment-sha256').innerText(), /SHA-256\s+ba7816bf8f01cfea/),
      );
      assert.equal(await documentAt(page, PATH), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
      assert.deepEqual((await callsOf(page, 'attach_output')).map((/** @type {any} */ c) => c.args), [
        { id: ACME.id, step: 'verification', path: PATH },
      ]);
      // Focus comes back to the button, which now offers other output.
      assert.match(await page.evaluate(() => document.activeElement?.textContent ?? ''), /Attach other output/);
      await assertNoHorizontalOverflow(page);
      await checkA11y('output attached, dark');
      await screenshot('files-output-attached-dark');

      await field.getByTestId('remove-attachment').focus();
      await page.keyboard.press('Enter');
      await eventually(async () => assert.equal(await documentAt(page, PATH), null));
      await eventually(async () => assert.equal(await field.getByTestId('attachment-none').count(), 1));
    },
  },
  {
    name: 'files: a refused logo is an alert next to the field and the logo stays unset',
    fake: {
      drafts: [ACME],
      files: {
        image: {
          error: {
            code: 'invalid_input',
            message:
              'logo.png was not used: it is not a PNG, JPEG or WebP image (whatever its name says); export the logo in one of those formats. Nothing was changed.',
          },
        },
      },
    },
    colorScheme: 'dark',
    async run({ page, screenshot, checkA11y }) {
      await openBranding(page);
      const field = page.locator(`[data-path="${LOGO}"]`);
      await field.getByTestId('choose-image').click();
      const alert = field.getByTestId('image-error');
      await alert.waitFor();
      assert.equal(await alert.getAttribute('role'), 'alert');
      assert.match(await alert.innerText(), /logo\.png was not used: it is not a PNG, JPEG or WebP image/);
      assert.equal(await documentAt(page, LOGO), null);
      assert.equal(await field.getByTestId('image-preview').count(), 0);
      // The focus is back on the button, to try another file.
      assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('data-testid')), 'choose-image');
      await checkA11y('logo refused, dark');
      await screenshot('files-logo-refused-dark');
    },
  },
];
