// Browser tests for the app shell: German default, language switch, server
// status on the start page, and the client-side privacy guarantees (TOM
// PRIV-2) under the server's strict Content-Security-Policy.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { AnwesendServer, EXPECTED_CSP_DIRECTIVES, launchBrowser, openPage } from './harness.mjs';

describe('app shell', { timeout: 900_000 }, () => {
  /** @type {AnwesendServer | undefined} */
  let server;
  /** @type {import('playwright-core').Browser | undefined} */
  let browser;
  /** @type {{ version: string, environment: string, database: string, time: string }} */
  let status;

  before(async () => {
    server = await AnwesendServer.create();
    browser = await launchBrowser();
    const res = await fetch(`${server.baseUrl}/api/v1/status`);
    assert.equal(res.status, 200, 'GET /api/v1/status must answer 200');
    status = await res.json();
    assert.equal(typeof status.version, 'string');
  });

  after(async () => {
    await browser?.close().catch(() => {});
    await server?.dispose();
  });

  test('German shell shows product name and server version; switch to English (i18n)', async () => {
    const { context, page, pageErrors } = await openPage(browser);
    try {
      await page.goto(`${server.baseUrl}/`);

      // German by default.
      await page.getByRole('heading', { level: 1, name: 'Willkommen bei anwesend' }).waitFor();
      assert.equal(await page.locator('html').getAttribute('lang'), 'de');
      assert.equal((await page.getByTestId('brand').innerText()).trim(), 'anwesend');
      await page.getByRole('heading', { level: 2, name: 'Serverstatus' }).waitFor();
      assert.equal(await page.getByTestId('lang-de').getAttribute('aria-pressed'), 'true');

      // Version, environment and health from GET /api/v1/status.
      const version = page.getByTestId('server-version');
      await version.waitFor();
      assert.equal((await version.innerText()).trim(), status.version);
      assert.match(await page.getByTestId('server-environment').innerText(), /Entwicklung/);
      assert.match(
        await page.getByTestId('server-database').innerText(),
        status.database === 'ok' ? /Verfügbar/ : /Nicht verfügbar/,
      );
      assert.match(await page.getByTestId('server-connection').innerText(), /Verbunden/);

      // Switch to English.
      await page.getByRole('button', { name: 'English' }).click();
      await page.getByRole('heading', { level: 1, name: 'Welcome to anwesend' }).waitFor();
      await page.getByRole('heading', { level: 2, name: 'Server status' }).waitFor();
      assert.equal(await page.locator('html').getAttribute('lang'), 'en');
      assert.equal(await page.getByTestId('lang-en').getAttribute('aria-pressed'), 'true');
      assert.match(await page.getByTestId('server-environment').innerText(), /Development/);
      assert.equal((await page.getByTestId('server-version').innerText()).trim(), status.version);

      // The choice survives a reload of this tab (sessionStorage) …
      await page.reload();
      await page.getByRole('heading', { level: 1, name: 'Welcome to anwesend' }).waitFor();

      // … and back to German.
      await page.getByRole('button', { name: 'Deutsch' }).click();
      await page.getByRole('heading', { level: 1, name: 'Willkommen bei anwesend' }).waitFor();

      assert.deepEqual(pageErrors, [], 'no uncaught page errors');
    } finally {
      await context.close();
    }
  });

  test('PRIV-2 no localStorage or cookies; language kept in sessionStorage only', async () => {
    const { context, page } = await openPage(browser);
    try {
      await page.goto(`${server.baseUrl}/`);
      await page.getByTestId('server-version').waitFor();
      await page.getByRole('button', { name: 'English' }).click();
      await page.getByRole('heading', { level: 1, name: 'Welcome to anwesend' }).waitFor();

      const storage = await page.evaluate(() => ({
        localStorageLength: window.localStorage.length,
        documentCookie: document.cookie,
        sessionKeys: Object.keys(window.sessionStorage),
      }));
      assert.equal(storage.localStorageLength, 0, 'localStorage must stay empty');
      assert.equal(storage.documentCookie, '', 'no cookies visible to JS');
      assert.deepEqual(storage.sessionKeys, ['anwesend.lang'], 'only the language choice is in sessionStorage');

      const cookies = await context.cookies();
      assert.deepEqual(cookies, [], 'no cookies set at all (neither by JS nor by the server)');
    } finally {
      await context.close();
    }
  });

  test('CSP strict policy is sent and the shell runs without CSP violations', async () => {
    const { context, page, consoleErrors, cspViolations } = await openPage(browser);
    try {
      const response = await page.goto(`${server.baseUrl}/`);
      assert.ok(response, 'navigation response');
      assert.equal(response.status(), 200);
      const csp = (await response.allHeaders())['content-security-policy'];
      assert.ok(csp, 'Content-Security-Policy header on the shell (GET /)');
      const directives = csp.split(';').map((d) => d.trim().replace(/\s+/g, ' ')).filter(Boolean);
      for (const expected of EXPECTED_CSP_DIRECTIVES) {
        assert.ok(directives.includes(expected), `CSP contains "${expected}" (got: ${csp})`);
      }

      await page.getByTestId('server-version').waitFor();
      await page.getByRole('button', { name: 'English' }).click();
      await page.getByRole('heading', { level: 1, name: 'Welcome to anwesend' }).waitFor();

      // No inline scripts or style attributes in the delivered document.
      const inline = await page.evaluate(() => ({
        inlineScripts: [...document.scripts].filter((s) => !s.src && s.textContent.trim() !== '').length,
        styleAttributes: document.querySelectorAll('[style]').length,
        styleElements: document.querySelectorAll('style').length,
      }));
      assert.deepEqual(inline, { inlineScripts: 0, styleAttributes: 0, styleElements: 0 });

      assert.deepEqual(await cspViolations(), [], 'no CSP violations');
      assert.deepEqual(consoleErrors, [], 'no console errors');
    } finally {
      await context.close();
    }
  });

  test('SPA fallback: unknown non-API paths serve the shell; hash routes stay client-side', async () => {
    const { context, page } = await openPage(browser);
    try {
      const response = await page.goto(`${server.baseUrl}/some/deep/link`);
      assert.ok(response);
      assert.equal(response.status(), 200, 'unknown non-/api path answers with index.html');
      await page.getByRole('heading', { level: 1, name: 'Willkommen bei anwesend' }).waitFor();

      // Unknown hash route: client-side "not found" page, the token in the
      // fragment is never sent to the server.
      await page.goto(`${server.baseUrl}/#/does-not-exist?token=abc`);
      await page.getByRole('heading', { level: 1, name: 'Seite nicht gefunden' }).waitFor();
      await page.getByRole('link', { name: 'Zur Startseite' }).click();
      await page.getByRole('heading', { level: 1, name: 'Willkommen bei anwesend' }).waitFor();
    } finally {
      await context.close();
    }
  });

  test('unknown /api paths answer 404 problem+json, never the SPA shell', async () => {
    for (const path of ['/api/v1/does-not-exist', '/api/does-not-exist']) {
      const res = await fetch(`${server.baseUrl}${path}`);
      const body = await res.text();
      assert.equal(res.status, 404, `${path} → 404`);
      assert.doesNotMatch(body, /<html/i, `${path} must not serve index.html`);
      assert.match(res.headers.get('content-type') ?? '', /^application\/problem\+json/, `${path} → application/problem+json`);
      const problem = JSON.parse(body);
      assert.equal(problem.status, 404);
      assert.equal(typeof problem.code, 'string');
      assert.equal(typeof problem.title, 'string');
    }
  });
});
