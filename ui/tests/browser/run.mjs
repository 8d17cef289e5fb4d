// @ts-check
// Chromium tests of the built UI (ui/dist) against a fake Tauri IPC.
// Usage: npm run build && npm run test:browser [-- name-filter]
// Ends with "N passed, M failed" and exits non-zero on any failure.
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { runTests } from './harness.mjs';
import { serveStatic } from './server.mjs';
import { auditTests } from './audit.mjs';
import { conflictsTests } from './conflicts.mjs';
import { draftsTests } from './drafts.mjs';
import { filesTests } from './files.mjs';
import { goLiveTests } from './golive.mjs';
import { planTests } from './plan.mjs';
import { reviewTests } from './review.mjs';
import { tenantListTests } from './tenant-list.mjs';
import { syncTests } from './sync.mjs';
import { tenantsTests } from './tenants.mjs';
import { wizardTests } from './wizard.mjs';

const uiDir = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const dist = join(uiDir, 'dist');
const artifacts = process.env.UI_ARTIFACTS_DIR ?? resolve(uiDir, '../target/ui-artifacts');
const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

if (!existsSync(join(dist, 'index.html'))) {
  console.error(`${dist}/index.html is missing: run \`npm run build\` first.`);
  console.log('0 passed, 1 failed');
  process.exit(1);
}

const filter = process.argv[2];
const tests = [...tenantsTests, ...draftsTests, ...planTests, ...tenantListTests, ...wizardTests, ...syncTests, ...conflictsTests, ...filesTests, ...reviewTests, ...goLiveTests, ...auditTests].filter((t) => !filter || t.name.includes(filter));
const started = Date.now();
const server = await serveStatic(dist);
const browser = await chromium.launch({
  executablePath: chromiumPath,
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--no-first-run',
    '--disable-sync',
    '--disable-quic',
  ],
});

let result = { passed: 0, failed: 1 };
try {
  result = await runTests({ browser, baseUrl: server.url, artifacts, tests });
} catch (error) {
  console.error(error);
} finally {
  await browser.close();
  await server.close();
}

console.log(`screenshots: ${artifacts} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
console.log(`${result.passed} passed, ${result.failed} failed`);
process.exit(result.failed > 0 || result.passed === 0 ? 1 : 0);
