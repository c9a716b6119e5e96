// TOM AVAIL-4: the UI tells the user when the backend is unreachable and
// recovers by itself once it is back.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { browserSuite, openPage } from './harness.mjs';

describe('offline banner', { timeout: 900_000 }, () => {
  const suite = browserSuite();

  test('AVAIL-4 offline banner appears and clears on reconnect', async () => {
    const { server, browser } = suite;
    const { context, page, pageErrors } = await openPage(browser);
    try {
      await page.goto(`${server.baseUrl}/`);
      await page.getByTestId('server-version').waitFor();
      const banner = page.getByTestId('offline-banner');
      assert.equal(await banner.count(), 0, 'no banner while the server answers');

      // Backend goes away.
      await server.stop({ signal: 'SIGTERM' });
      await banner.waitFor({ state: 'visible' });
      assert.match(await banner.innerText(), /Keine Verbindung zum Server – wir versuchen es weiter/);
      assert.ok(
        ['status', 'alert'].includes((await banner.getAttribute('role')) ?? ''),
        'banner is announced to assistive technology (role=status|alert)',
      );
      assert.match(await page.getByTestId('server-connection').innerText(), /Getrennt/);

      // Banner text follows the language switch while offline.
      await page.getByRole('button', { name: 'English' }).click();
      assert.match(await banner.innerText(), /No connection to the server – retrying/);
      await page.getByRole('button', { name: 'Deutsch' }).click();

      // Backend comes back on the same port and data dir: banner clears by itself.
      await server.start();
      await banner.waitFor({ state: 'detached' });
      assert.match(await page.getByTestId('server-connection').innerText(), /Verbunden/);

      assert.deepEqual(pageErrors, [], 'no uncaught page errors');
    } finally {
      await context.close();
    }
  });
});
