// @ts-check
// A small test harness for the Chromium tests: one browser, a fresh context per test,
// a fake IPC installed before the page loads, console errors and CSP violations turned
// into failures, and screenshots saved for people to look at.
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { installFakeIpc } from './fake-ipc.mjs';
import { fakeWizardModel } from '../../src/test/fake-wizard.js';
import { fakeAuditEntries, fakeAuditPage, fakePlan, fakeTenantPage, fakeTenants } from '../../src/test/fake-lists.js';
import { fakeGoLiveModel } from '../../src/test/fake-golive.js';

/**
 * @typedef {import('playwright-core').Browser} Browser
 * @typedef {import('playwright-core').Page} Page
 * @typedef {import('./fake-ipc.mjs').FakeOptions} FakeOptions
 * @typedef {{
 *   page: Page,
 *   screenshot: (name: string) => Promise<void>,
 *   checkA11y: (label: string) => Promise<void>,
 *   allowConsoleError: (pattern: RegExp) => void,
 * }} TestContext
 * @typedef {{ name: string, fake?: FakeOptions, viewport?: { width: number, height: number },
 *             colorScheme?: 'light' | 'dark', run: (t: TestContext) => Promise<void> }} BrowserTest
 */

const require = createRequire(import.meta.url);
let axeSource = /** @type {string | undefined} */ (undefined);

/**
 * Polls `check` until it stops throwing, or rethrows its last error after `timeout` ms.
 * @template T
 * @param {() => Promise<T> | T} check
 * @param {number} [timeout]
 * @returns {Promise<T>}
 */
export async function eventually(check, timeout = 3000) {
  const end = Date.now() + timeout;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > end) throw error;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
}

/**
 * Runs axe-core on the page and fails on serious or critical violations.
 * @param {Page} page
 * @param {string} label
 */
async function checkA11y(page, label) {
  axeSource ??= await readFile(require.resolve('axe-core/axe.min.js'), 'utf8');
  // Evaluated through the DevTools protocol: the page's CSP forbids inline scripts.
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(axeSource);
  /** @type {{ id: string, impact: string, help: string, nodes: { target: unknown[] }[] }[]} */
  const violations = await page.evaluate(async () => {
    // @ts-expect-error axe is a global injected above
    const result = await window.axe.run(document, { resultTypes: ['violations'] });
    return result.violations.map((/** @type {any} */ v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.map((/** @type {any} */ n) => ({ target: n.target })),
    }));
  });
  const serious = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  if (serious.length > 0) {
    const lines = serious.map(
      (v) => `  ${v.impact} ${v.id}: ${v.help} at ${v.nodes.map((n) => JSON.stringify(n.target)).join(', ')}`,
    );
    throw new Error(`accessibility (${label}):\n${lines.join('\n')}`);
  }
}

/**
 * @param {{ browser: Browser, baseUrl: string, artifacts: string, tests: BrowserTest[] }} options
 * @returns {Promise<{ passed: number, failed: number }>}
 */
export async function runTests({ browser, baseUrl, artifacts, tests }) {
  await mkdir(artifacts, { recursive: true });
  // Screenshots of failures from an earlier run would mislead.
  for (const file of await readdir(artifacts)) {
    if (file.startsWith('FAILED-')) await rm(join(artifacts, file));
  }
  let passed = 0;
  let failed = 0;
  for (const test of tests) {
    const started = Date.now();
    const context = await browser.newContext({
      viewport: test.viewport ?? { width: 1024, height: 700 },
      colorScheme: test.colorScheme ?? 'light',
      locale: 'en-GB',
      timezoneId: 'Europe/London',
      reducedMotion: 'reduce',
    });
    const page = await context.newPage();
    page.setDefaultTimeout(5000);
    /** @type {string[]} */
    const problems = [];
    /** @type {RegExp[]} */
    const allowed = [];
    page.on('console', (message) => {
      if (message.type() === 'error' && !allowed.some((pattern) => pattern.test(message.text()))) {
        problems.push(`console error: ${message.text()}`);
      }
    });
    page.on('pageerror', (error) => problems.push(`uncaught: ${error.message}`));
    await page.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (event) => {
        console.error(`CSP violation: ${event.violatedDirective} ${event.blockedURI} ${event.sourceFile}:${event.lineNumber}`);
      });
    });
    await page.addInitScript(installFakeIpc, test.fake ?? {});
    // The fake's wizard form model, shared with the vitest fake (it refers to nothing outside itself).
    await page.addInitScript({ content: `window.__FAKE_WIZARD_MODEL__ = (${fakeWizardModel.toString()})();` });
    // The fake's plan, tenant list and audit log, shared with the vitest fake in the same way.
    await page.addInitScript({
      content: `window.__FAKE_LISTS__ = { fakePlan: ${fakePlan.toString()}, fakeTenantPage: ${fakeTenantPage.toString()}, fakeTenants: ${fakeTenants.toString()}, fakeAuditPage: ${fakeAuditPage.toString()}, fakeAuditEntries: ${fakeAuditEntries.toString()} };`,
    });
    // The fake's go-live state, shared with the vitest fake in the same way.
    await page.addInitScript({ content: `window.__FAKE_GO_LIVE_MODEL__ = (${fakeGoLiveModel.toString()})();` });
    // As tauri.conf.json's `freezePrototype`: nothing in the UI may patch Object.prototype.
    await page.addInitScript(() => Object.freeze(Object.prototype));
    try {
      await page.goto(baseUrl);
      await test.run({
        page,
        screenshot: (name) => page.screenshot({ path: join(artifacts, `${name}.png`) }).then(() => undefined),
        checkA11y: (label) => checkA11y(page, label),
        allowConsoleError: (pattern) => allowed.push(pattern),
      });
      if (problems.length > 0) throw new Error(problems.join('\n'));
      passed++;
      console.log(`ok   ${test.name} (${Date.now() - started} ms)`);
    } catch (error) {
      failed++;
      console.log(`FAIL ${test.name} (${Date.now() - started} ms)`);
      console.log(String(error instanceof Error ? error.stack ?? error.message : error).replace(/^/gm, '     '));
      if (problems.length > 0) console.log(problems.join('\n').replace(/^/gm, '     '));
      const file = join(artifacts, `FAILED-${test.name.replace(/[^a-z0-9]+/gi, '-')}.png`);
      await page.screenshot({ path: file }).catch(() => {});
    } finally {
      await context.close();
    }
  }
  return { passed, failed };
}
