// TOM SEP-6: clearClientState() wipes everything the web UI keeps for a user or tenant
// (sessionStorage, in-memory state) and tells every module to reset. Sign-out and tenant
// switches call it. The real module from frontend/src/session.ts runs in Chromium on the
// served shell's origin, so it clears the same sessionStorage the app uses.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { createRequire } from 'node:module';
import { PROJECT_ROOT, browserSuite } from './harness.mjs';

const require = createRequire(join(PROJECT_ROOT, 'frontend', 'package.json'));
const esbuild = require('esbuild');

describe('client state', { timeout: 900_000 }, () => {
  const suite = browserSuite();

  test('SEP-6 clearClientState wipes sessionStorage and memory and notifies listeners', async () => {
    const { server, browser } = suite;
    const bundle = await esbuild.build({
      entryPoints: [join(PROJECT_ROOT, 'frontend', 'src', 'session.ts')],
      bundle: true,
      format: 'iife',
      globalName: 'AnwesendSession',
      write: false,
    });
    // Injecting the module needs an inline script, which the shell's CSP rightly forbids.
    const context = await browser.newContext({ bypassCSP: true });
    const page = await context.newPage();
    try {
      await page.goto(`${server.baseUrl}/`);
      await page.getByRole('button', { name: 'English' }).click();
      await page.getByRole('heading', { level: 1, name: 'Welcome to anwesend' }).waitFor();
      await page.addScriptTag({ content: bundle.outputFiles[0].text });

      const result = await page.evaluate(() => {
        const s = window.AnwesendSession;
        s.sessionSet('tenant', 'tenant-a');
        s.memorySet('participants', ['Anna']);
        let notified = 0;
        s.onClientStateCleared(() => {
          notified += 1;
        });
        const before = { keys: Object.keys(sessionStorage).sort(), memory: s.memoryGet('participants') };
        s.clearClientState();
        return {
          before,
          after: { keys: Object.keys(sessionStorage), memory: s.memoryGet('participants'), tenant: s.sessionGet('tenant') },
          notified,
        };
      });
      assert.deepEqual(result.before.keys, ['anwesend.lang', 'anwesend.tenant']);
      assert.deepEqual(result.before.memory, ['Anna']);
      assert.deepEqual(result.after.keys, [], 'sessionStorage is empty');
      assert.equal(result.after.memory, undefined, 'memory is empty');
      assert.equal(result.after.tenant, null);
      assert.equal(result.notified, 1, 'listeners are told to reset');

      // Nothing of the earlier state comes back with a reload: the app starts in German.
      await page.reload();
      await page.getByRole('heading', { level: 1, name: 'Willkommen bei anwesend' }).waitFor();
    } finally {
      await context.close();
    }
  });
});
